// SPDX-License-Identifier: GPL-2.0
/*
 * Components outlive nothing: a VM destroyed with records in flight (a
 * consumer holding them) or whose VMM is killed takes its components and
 * their records with it, and the module's counters and memory come back
 * to where they were; the module unloads with VMs alive and records
 * pending, again and again, without its memory or the kernel's
 * unreclaimable slab growing. The harness fails the run on any oops,
 * warning or lockdep report in the kernel log.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "hostsig_nl.h"
#include "hostsig_ring.h"

#define SLOW_TEST_S	600

FIXTURE(life) {
	struct hs_guest g;
	struct hs_ring ring;
	struct hs_nl nl;
};

FIXTURE_SETUP(life)
{
	self->ring.fd = -1;
	ASSERT_EQ(0, hostsig_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(life)
{
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

#define NR_HELD	5

TEST_F_TIMEOUT(life, vm_destroyed_while_records_are_held, SLOW_TEST_S)
{
	struct hs_events *ev = malloc(sizeof(*ev));
	const struct hostsig_record *held[NR_HELD];
	uint64_t record_id[NR_HELD], vm_id = 0;
	struct hs_attrs st0, st1, st2, a;
	struct hs_comp c[NR_HELD];
	int i, n;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, hs_events_open(ev));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st0));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	hs_guest_create(&self->g, 0, 2);
	for (i = 0; i < NR_HELD; i++) {
		const struct hostsig_record *rec;

		hs_comp_make(&self->g, &c[i], "held", 10000 + i * 1000, 300);
		ASSERT_LT(0, hs_comp_register(&self->g, &c[i]));
		rec = hs_ring_find(&self->ring, c[i].id, false);
		ASSERT_NE(NULL, rec);
		held[i] = rec;
		record_id[i] = rec->record_id;
		vm_id = rec->vm_id;
	}
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st1));
	EXPECT_EQ(NR_HELD, st1.u[HOSTSIG_A_STATS_COMPONENTS] - st0.u[HOSTSIG_A_STATS_COMPONENTS]);

	/* The consumer holds every record when the VM goes. */
	hs_guest_destroy(&self->g);

	EXPECT_NE(NULL, hs_events_wait(ev, HOSTSIG_EVENT_VM_GONE, vm_id, 30000));
	EXPECT_EQ(-ENOENT, hs_nl_get_vm(&self->nl, vm_id, &a));
	/*
	 * Every record is DISCARD: the kernel gave them back itself, so the
	 * ring is empty although its consumer never released anything.
	 */
	for (i = 0; i < NR_HELD; i++) {
		EXPECT_EQ(-ENOENT, hs_nl_get_comp(&self->nl, c[i].id, &a));
		EXPECT_EQ(HOSTSIG_RECORD_DISCARD, hs_record_flags(held[i]))
			TH_LOG("record %lu", record_id[i]);
	}
	EXPECT_EQ(hs_ring_producer(&self->ring), hs_ring_consumer(&self->ring));
	ASSERT_EQ(0, hs_nl_dump_comps(&self->nl, &vm_id, &a, 1, &n));
	EXPECT_EQ(0, n);
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st2));
	EXPECT_EQ(st0.u[HOSTSIG_A_STATS_COMPONENTS], st2.u[HOSTSIG_A_STATS_COMPONENTS]);
	EXPECT_EQ(st0.u[HOSTSIG_A_STATS_VMS], st2.u[HOSTSIG_A_STATS_VMS]);
	EXPECT_EQ(NR_HELD, st2.u[HOSTSIG_A_STATS_RECORDS_DISCARDED] -
			   st0.u[HOSTSIG_A_STATS_RECORDS_DISCARDED]);

	/* The consumer cannot give them back twice. */
	for (i = 0; i < NR_HELD; i++) {
		EXPECT_EQ(-EALREADY, hs_ring_release(&self->ring, record_id[i]))
			TH_LOG("RELEASE of discarded record %lu", record_id[i]);
	}
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st2));
	EXPECT_EQ(0, st2.u[HOSTSIG_A_STATS_RING_USED]);
	EXPECT_EQ(hs_ring_producer(&self->ring), hs_ring_consumer(&self->ring));
	EXPECT_EQ(st0.u[HOSTSIG_A_STATS_MEMORY], st2.u[HOSTSIG_A_STATS_MEMORY]);
	hs_events_close(ev);
	free(ev);
}

/*
 * A record whose verdict was accepted but which the consumer has not
 * released yet is no longer needed once its VM is gone either: DISCARD,
 * given back, like the unanswered one beside it.
 */
TEST_F_TIMEOUT(life, answered_record_goes_with_its_vm, SLOW_TEST_S)
{
	const struct hostsig_record *held[2];
	struct hs_comp c[2];
	int i;

	ASSERT_EQ(0, hs_ring_open(&self->ring));
	hs_guest_create(&self->g, 0, 2);
	for (i = 0; i < 2; i++) {
		hs_comp_make(&self->g, &c[i], "answered", 8000, 0);
		ASSERT_LT(0, hs_comp_register(&self->g, &c[i]));
		held[i] = hs_ring_find(&self->ring, c[i].id, false);
		ASSERT_NE(NULL, held[i]);
	}
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c[0].id, held[0]->record_id,
					  HOSTSIG_VERDICT_AUTHENTIC));
	hs_guest_destroy(&self->g);
	EXPECT_EQ(HOSTSIG_RECORD_DISCARD, hs_record_flags(held[0]));
	EXPECT_EQ(HOSTSIG_RECORD_DISCARD, hs_record_flags(held[1]));
	EXPECT_EQ(hs_ring_producer(&self->ring), hs_ring_consumer(&self->ring));
	EXPECT_EQ(-EALREADY, hs_ring_release(&self->ring, held[0]->record_id));
}

/* The VMM dies (SIGKILL) with components registered and records pending. */
TEST_F_TIMEOUT(life, vmm_killed, SLOW_TEST_S)
{
	struct hs_events *ev = malloc(sizeof(*ev));
	struct hs_attrs st0, st1, *vms = calloc(8, sizeof(*vms));
	int fds[2], i, n, status;
	uint64_t ids[4];
	pid_t pid;

	ASSERT_TRUE(ev && vms);
	ASSERT_EQ(0, hs_events_open(ev));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st0));
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct hs_guest g;
		struct hs_comp c;

		hs_guest_create(&g, 0, 1);
		for (i = 0; i < 4; i++) {
			hs_comp_make(&g, &c, "orphan", 5000, 0);
			ids[i] = hs_comp_register(&g, &c);
		}
		if (write(fds[1], ids, sizeof(ids)) == sizeof(ids))
			pause();
		_exit(1);
	}
	close(fds[1]);
	ASSERT_EQ(sizeof(ids), read(fds[0], ids, sizeof(ids)));
	close(fds[0]);
	for (i = 0; i < 4; i++)
		ASSERT_LT(0, (int64_t)ids[i]);
	ASSERT_EQ(0, hs_nl_dump_vms(&self->nl, vms, 8, &n));
	ASSERT_EQ(1, n);
	EXPECT_EQ(pid, vms[0].u[HOSTSIG_A_VM_VMM_PID]);

	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* Its files closed as it died: the VM and all of it are gone. */
	ASSERT_EQ(0, hs_nl_dump_vms(&self->nl, vms, 8, &n));
	EXPECT_EQ(0, n);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-ENOENT, hs_nl_get_comp(&self->nl, ids[i], vms));
	EXPECT_NE(NULL, hs_events_wait(ev, HOSTSIG_EVENT_VM_GONE, 0, 30000));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	EXPECT_LE(0, hs_ring_release_all(&self->ring));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st1));
	EXPECT_EQ(st0.u[HOSTSIG_A_STATS_COMPONENTS], st1.u[HOSTSIG_A_STATS_COMPONENTS]);
	EXPECT_EQ(st0.u[HOSTSIG_A_STATS_VMS], st1.u[HOSTSIG_A_STATS_VMS]);
	EXPECT_EQ(st0.u[HOSTSIG_A_STATS_MEMORY], st1.u[HOSTSIG_A_STATS_MEMORY]);
	EXPECT_EQ(0, st1.u[HOSTSIG_A_STATS_RING_USED]);
	hs_events_close(ev);
	free(ev);
	free(vms);
}

/* The ring's file holds the module; a netlink socket does not. */
TEST_F_TIMEOUT(life, open_ring_pins_the_module, SLOW_TEST_S)
{
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	/* delete_module(O_NONBLOCK) of a module in use: EWOULDBLOCK. */
	EXPECT_EQ(-EWOULDBLOCK, hostsig_module_unload());
	EXPECT_TRUE(hostsig_module_loaded());
	hs_ring_close(&self->ring);
	EXPECT_EQ(0, hostsig_module_unload());
	hs_nl_close(&self->nl);
	ASSERT_EQ(0, hostsig_module_load());
}

#define CYCLES		6
#define NR_VMS		2
#define PER_VM		60

/*
 * Unload with VMs alive and records pending (no consumer), load again,
 * and again. The module's memory counter at the same point of every cycle
 * is the same, and what the kernel holds afterwards does not grow with
 * the cycles.
 */
TEST_F_TIMEOUT(life, unload_with_vms_alive, SLOW_TEST_S)
{
	long long unreclaim[CYCLES], vmalloc_used[CYCLES], module_mem[CYCLES];
	long long footprint = 0, growth, vgrowth, noise;
	int64_t old_id = 0, new_id;
	struct hs_guest g[NR_VMS];
	struct hs_comp c;
	int cycle, v, i;

	for (cycle = 0; cycle < CYCLES; cycle++) {
		struct hs_attrs st;
		long long loaded;

		ASSERT_EQ(0, hostsig_module_reload(""));
		ASSERT_EQ(0, hs_nl_open(&self->nl));
		loaded = hostsig_meminfo("SUnreclaim");
		for (v = 0; v < NR_VMS; v++) {
			hs_guest_create(&g[v], v, 2);
			hs_comp_make(&g[v], &c, "pending at unload", 4096, 100);
			c.arg_gva = hs_arg_place(&g[v], &c.arg);
			for (i = 0; i < PER_VM; i++) {
				old_id = hs_register(&g[v], c.arg_gva, c.arg.len);
				ASSERT_LT(0, old_id);
			}
		}
		ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
		EXPECT_EQ(NR_VMS * PER_VM, st.u[HOSTSIG_A_STATS_COMPONENTS]);
		module_mem[cycle] = st.u[HOSTSIG_A_STATS_MEMORY];
		if (cycle == 0)
			footprint = hostsig_meminfo("SUnreclaim") - loaded;
		hs_nl_close(&self->nl);

		/* Gone under live VMs; they notice nothing but ENOSYS. */
		ASSERT_EQ(0, hostsig_module_unload());
		for (v = 0; v < NR_VMS; v++)
			ASSERT_EQ(-KVM_ENOSYS, hs_query(&g[v], 1));
		/*
		 * A new module knows none of the old ids, and works; its ids
		 * start above the old ones, so a guest's stale id cannot name
		 * a new component.
		 */
		ASSERT_EQ(0, hostsig_module_load());
		ASSERT_EQ(-HOSTSIG_ENOENT, hs_query(&g[NR_VMS - 1], old_id));
		ASSERT_EQ(-HOSTSIG_ENOENT, hs_unregister(&g[NR_VMS - 1], old_id));
		new_id = hs_register(&g[NR_VMS - 1], c.arg_gva, c.arg.len);
		EXPECT_LT(old_id, new_id);
		ASSERT_LT(0, hs_register(&g[0], c.arg_gva, c.arg.len));
		/* Half the time the VMs go first, half the time the module. */
		if (cycle % 2)
			ASSERT_EQ(0, hostsig_module_unload());
		for (v = 0; v < NR_VMS; v++)
			hs_guest_destroy(&g[v]);
		if (!(cycle % 2))
			ASSERT_EQ(0, hostsig_module_unload());
		unreclaim[cycle] = hostsig_meminfo("SUnreclaim");
		vmalloc_used[cycle] = hostsig_meminfo("VmallocUsed");
	}
	for (cycle = 0; cycle < CYCLES; cycle++)
		TH_LOG("cycle %d: module memory %lld, SUnreclaim %lld, VmallocUsed %lld",
		       cycle, module_mem[cycle], unreclaim[cycle], vmalloc_used[cycle]);
	for (cycle = 1; cycle < CYCLES; cycle++)
		EXPECT_EQ(module_mem[0], module_mem[cycle]);
	/*
	 * Slab noise: what the kernel does besides us moves SUnreclaim by some
	 * pages. A leak of what one cycle allocates, over the cycles after the
	 * first, stands out from that.
	 */
	growth = unreclaim[CYCLES - 1] - unreclaim[1];
	vgrowth = vmalloc_used[CYCLES - 1] - vmalloc_used[1];
	noise = 256 << 10;
	TH_LOG("the first cycle's slab footprint %lld; growth over %d cycles: slab %lld, vmalloc %lld",
	       footprint, CYCLES - 2, growth, vgrowth);
	if (hostsig_debug_kernel()) {
		/*
		 * KASAN keeps freed objects in quarantine and kmemleak adds
		 * metadata to every allocation: slab use grows with no leak.
		 * There, kmemleak itself checks for leaks, and the harness
		 * fails the run on any report.
		 */
		TH_LOG("debug kernel: leaks are kmemleak's to find, not slab growth's");
	} else {
		EXPECT_GT(noise + footprint / 2, growth);
		EXPECT_GT(noise, vgrowth);
	}
	ASSERT_EQ(0, hostsig_module_load());
}

struct hammer {
	struct hs_guest *g;
	uint64_t patch_gva, code_gva;
	atomic_bool stop;
	atomic_ulong rounds;
};

/* The guest writes a patch site and a tracked code byte, round after round. */
static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	uint64_t n = 1;

	while (!atomic_load(&h->stop)) {
		hs_guest_fill_pattern(h->g, h->patch_gva, 5, n);
		hs_guest_fill_pattern(h->g, h->code_gva, 8, n);
		atomic_fetch_add(&h->rounds, 1);
		n++;
	}
	return NULL;
}

static bool wait_rounds(struct hammer *h, unsigned long more)
{
	unsigned long goal = atomic_load(&h->rounds) + more;
	time_t deadline = time(NULL) + 240;

	while (atomic_load(&h->rounds) < goal)
		if (time(NULL) > deadline)
			return false;
		else
			usleep(1000);
	return true;
}

/*
 * Unload while a guest hammers a verified component: every write at its
 * patch site queues a new capture 100 ms later, every write to its code a
 * tamper reaction. Unload must work under that load and leave no kernel
 * report (KASAN and kmemleak on the debug kernel); the guest goes on
 * writing, unwatched, and the module loads again. The captures wait 2 s
 * here (patch_settle_ms), far longer than the rest of the unload, and the
 * test waits that long before the next load: a capture the unload left
 * queued would run from the freed module, and the kernel's report of it
 * fails the VM's log check.
 */
TEST_F_TIMEOUT(life, unload_while_guest_writes, SLOW_TEST_S)
{
	const uint64_t sites[][2] = { { 100, 5 } };
	struct hammer h = { 0 };
	struct hs_attrs comp, st;
	pthread_t thread;
	struct hs_comp c;
	uint64_t base;
	int cycle;

	for (cycle = 0; cycle < 3; cycle++) {
		if (cycle) {
			ASSERT_EQ(0, hostsig_module_load());
			ASSERT_EQ(0, hs_nl_open(&self->nl));
		}
		ASSERT_EQ(0, hostsig_param_set("patch_settle_ms", 2000));
		ASSERT_EQ(0, hs_ring_open(&self->ring));
		hs_guest_create(&self->g, 0, 2);
		hs_comp_make(&self->g, &c, "hammered", 2 * 4096, 100);
		ASSERT_LT(0, hs_comp_register(&self->g, &c));
		ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
		ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE,
					      -1, 0, false));
		ASSERT_EQ(0, hs_nl_verdict_ranges(&self->nl, c.id,
						  comp.u[HOSTSIG_A_COMP_RECORD_ID],
						  HOSTSIG_VERDICT_AUTHENTIC, NULL, 0,
						  sites, 1));
		base = hs_arg_region(&c.arg, 0)->gva;
		h = (struct hammer){ .g = &self->g, .patch_gva = base + 100,
				     .code_gva = base + 4096 + 64 };
		ASSERT_EQ(0, pthread_create(&thread, NULL, hammer_thread, &h));
		ASSERT_TRUE(wait_rounds(&h, 20));
		ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
		EXPECT_LT(0, st.u[HOSTSIG_A_STATS_TAMPERS] + st.u[HOSTSIG_A_STATS_PATCHES]);
		hs_ring_close(&self->ring);
		hs_nl_close(&self->nl);
		/* Work is queued or running now. */
		ASSERT_EQ(0, hostsig_module_unload());
		ASSERT_TRUE(wait_rounds(&h, 20));
		/* Past the settle time of any capture left queued. */
		usleep(3000 * 1000);
		atomic_store(&h.stop, true);
		ASSERT_EQ(0, pthread_join(thread, NULL));
		hs_guest_destroy(&self->g);
		TH_LOG("cycle %d: %lu rounds of writes", cycle, atomic_load(&h.rounds));
	}
	ASSERT_EQ(0, hostsig_module_load());
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	EXPECT_EQ(0, st.u[HOSTSIG_A_STATS_COMPONENTS]);
}

/* Write a short string to a file; 0 or -errno. */
static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

#define KPROBES_ENABLED	"/sys/kernel/debug/kprobes/enabled"
#define FTRACE_ENABLED	"/proc/sys/kernel/ftrace_enabled"

/*
 * A root user switches off what the kernel lets switch off: every kprobe
 * (debugfs) and ftrace (kernel.ftrace_enabled). hostsig still sees a VM
 * go (otherwise it would keep a struct kvm that KVM freed), and its
 * hypercalls still work: the ftrace_enabled switch refuses to turn off
 * hooks that hostsig registered as permanent.
 */
TEST_F_TIMEOUT(life, hooks_cannot_be_switched_off, SLOW_TEST_S)
{
	struct hs_events *ev = malloc(sizeof(*ev));
	const struct hostsig_record *rec;
	struct hs_attrs a;
	struct hs_comp c;
	uint64_t vm_id;
	int n;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, hs_events_open(ev));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	if (access(KPROBES_ENABLED, W_OK))
		SKIP(goto out, "no %s", KPROBES_ENABLED);

	ASSERT_EQ(0, write_file(KPROBES_ENABLED, "0"));
	EXPECT_EQ(-EBUSY, write_file(FTRACE_ENABLED, "0"));
	hs_guest_create(&self->g, 0, 1);
	EXPECT_TRUE(hostsig_probe_valid(hs_hypercall(&self->g, HOSTSIG_HC_PROBE, 0, 0)));
	hs_comp_make(&self->g, &c, "unseen?", 4096, 0);
	EXPECT_LT(0, hs_comp_register(&self->g, &c));
	rec = hs_ring_find(&self->ring, c.id, false);
	ASSERT_NE(NULL, rec);
	vm_id = rec->vm_id;
	hs_guest_destroy(&self->g);
	EXPECT_NE(NULL, hs_events_wait(ev, HOSTSIG_EVENT_VM_GONE, vm_id, 30000));
	EXPECT_EQ(-ENOENT, hs_nl_get_vm(&self->nl, vm_id, &a));
	ASSERT_EQ(0, hs_nl_dump_vms(&self->nl, &a, 1, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, write_file(KPROBES_ENABLED, "1"));

	/* Without hostsig, the switch works again. */
	hs_ring_close(&self->ring);
	ASSERT_EQ(0, hostsig_module_unload());
	EXPECT_EQ(0, write_file(FTRACE_ENABLED, "0"));
	/* And hostsig refuses to load while it is off. */
	EXPECT_EQ(-EBUSY, hostsig_module_load());
	EXPECT_EQ(0, write_file(FTRACE_ENABLED, "1"));
	ASSERT_EQ(0, hostsig_module_load());
out:
	write_file(KPROBES_ENABLED, "1");
	write_file(FTRACE_ENABLED, "1");
	hs_events_close(ev);
	free(ev);
}

TEST_HARNESS_MAIN
