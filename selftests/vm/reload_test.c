// SPDX-License-Identifier: GPL-2.0
/*
 * hostsig.ko comes and goes under running guests: load, run a guest in a
 * PROBE loop, unload, load again, several times, with the vCPU running all
 * along. Every answer must be either the PROBE answer or -KVM_ENOSYS, never
 * anything else; while the module is known to be loaded it must be the
 * former, while it is known to be unloaded the latter; the vCPU never stops
 * making progress.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "hostsig_test.h"

#define RELOAD_CYCLES		5
/* Answers the vCPU must give in each state before the next switch. */
#define ANSWERS_PER_PHASE	25
/* Only to report a stuck vCPU instead of hanging; not a speed limit. */
#define STUCK_SECONDS		240

struct reload_state {
	struct kvm_vcpu *vcpu;
	/* Even: the module state is settled; odd: a load or unload is running. */
	atomic_ulong seq;
	atomic_bool loaded;
	atomic_bool stop;
	/* Answers seen while the state was settled, by state (0: unloaded). */
	atomic_ulong settled[2];
	atomic_ulong total;
	atomic_ulong wrong;
	atomic_ulong last_wrong;
};

static void guest_probe_loop(void)
{
	for (;;)
		GUEST_SYNC(kvm_hypercall(HOSTSIG_HC_PROBE, 0, 0, 0, 0));
}

static void *vcpu_thread(void *arg)
{
	const uint64_t probe = HOSTSIG_PROBE_ANSWER(HOSTSIG_ABI_VERSION,
						    HOSTSIG_F_ALL);
	struct reload_state *st = arg;

	while (!atomic_load(&st->stop)) {
		unsigned long before = atomic_load(&st->seq);
		bool loaded = atomic_load(&st->loaded);
		uint64_t ret = hostsig_next_sync(st->vcpu);
		unsigned long after = atomic_load(&st->seq);

		atomic_fetch_add(&st->total, 1);
		if (ret != probe && ret != (uint64_t)-KVM_ENOSYS) {
			atomic_fetch_add(&st->wrong, 1);
			atomic_store(&st->last_wrong, ret);
			continue;
		}
		if (before != after || (before & 1))
			continue;	/* switched during this run: either is right */
		if ((ret == probe) != loaded) {
			atomic_fetch_add(&st->wrong, 1);
			atomic_store(&st->last_wrong, ret);
			continue;
		}
		atomic_fetch_add(&st->settled[loaded], 1);
	}
	return NULL;
}

/* Wait until the vCPU answered enough times in the current settled state. */
static bool wait_for_answers(struct reload_state *st, bool loaded)
{
	unsigned long goal = atomic_load(&st->settled[loaded]) + ANSWERS_PER_PHASE;
	time_t deadline = time(NULL) + STUCK_SECONDS;

	while (atomic_load(&st->settled[loaded]) < goal) {
		if (time(NULL) > deadline)
			return false;
		usleep(1000);
	}
	return true;
}

static int switch_module(struct reload_state *st, bool load)
{
	int ret;

	atomic_fetch_add(&st->seq, 1);
	ret = load ? hostsig_module_load() : hostsig_module_unload();
	if (!ret)
		atomic_store(&st->loaded, load);
	atomic_fetch_add(&st->seq, 1);
	return ret;
}

/*
 * The harness's own limit, only to report a hang: a phase may wait up to
 * STUCK_SECONDS, and a loaded host makes each module load and unload slow
 * (the default 30 s was hit under a full make check beside other VMs).
 */
FIXTURE(reload) {};
FIXTURE_SETUP(reload) {}
FIXTURE_TEARDOWN(reload) {}

TEST_F_TIMEOUT(reload, reload_under_running_vcpu, 2 * STUCK_SECONDS)
{
	struct reload_state st = { 0 };
	struct kvm_vm *vm;
	pthread_t thread;
	int cycle;

	ASSERT_EQ(0, hostsig_module_ensure_loaded());
	atomic_store(&st.loaded, true);
	vm = vm_create_with_one_vcpu(&st.vcpu, guest_probe_loop);
	ASSERT_EQ(0, pthread_create(&thread, NULL, vcpu_thread, &st));

	for (cycle = 0; cycle < RELOAD_CYCLES; cycle++) {
		ASSERT_TRUE(wait_for_answers(&st, true));
		ASSERT_EQ(0, switch_module(&st, false));
		ASSERT_FALSE(hostsig_module_loaded());
		ASSERT_TRUE(wait_for_answers(&st, false));
		ASSERT_EQ(0, switch_module(&st, true));
		ASSERT_TRUE(hostsig_module_loaded());
	}
	ASSERT_TRUE(wait_for_answers(&st, true));

	atomic_store(&st.stop, true);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	TH_LOG("%lu answers: %lu while loaded, %lu while unloaded, %lu wrong (last %#lx)",
	       atomic_load(&st.total), atomic_load(&st.settled[1]),
	       atomic_load(&st.settled[0]), atomic_load(&st.wrong),
	       atomic_load(&st.last_wrong));
	ASSERT_EQ(0, atomic_load(&st.wrong));
	kvm_vm_free(vm);
}

/*
 * Unloading and loading with no guest at all, back to back (each load
 * takes seconds on the debug kernel: the harness's default 30 s was hit).
 */
TEST_F_TIMEOUT(reload, reload_idle, 2 * STUCK_SECONDS)
{
	int i;

	ASSERT_EQ(0, hostsig_module_ensure_loaded());
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, hostsig_module_unload());
		ASSERT_EQ(-ENOENT, hostsig_module_unload());
		ASSERT_EQ(0, hostsig_module_load());
		ASSERT_EQ(-EEXIST, hostsig_module_load());
	}
}

TEST_HARNESS_MAIN
