// SPDX-License-Identifier: GPL-2.0
/*
 * Many components from several VMs at once: two VMs, each driven by a
 * thread of its own, register 100 images each (a quarter of them with a
 * byte of code changed) into a ring of 1 MiB while the daemon is held
 * still, so the ring fills. A REGISTER refused with the retryable
 * -HOSTSIG_EAGAIN is retried by the guest and counted; the module's
 * counters and events must account for every call: registered plus
 * refused, one record and one verdict per component, every record given
 * back. Every verdict must be right.
 */
#include <pthread.h>

#include "hostsig_e2e.h"

#define SLOW_TEST_S	900
#define NR_VMS		2
#define PER_VM		100
/* Every TAMPER_EVERY-th component has a byte of its code changed. */
#define TAMPER_EVERY	4

struct vm_ctx {
	struct hs_guest g;
	struct e2e_image im[PER_VM];
	bool tampered[PER_VM];
	pthread_t thread;
	unsigned int eagain, equota;
	int bad_register;	/* index + 1 of a REGISTER that failed for good */
	int64_t bad_answer;
	uint64_t vm_id;
};

struct event_counts {
	uint64_t by_event[HOSTSIG_EVENT_PATCHED + 1];
	uint64_t other;
};

FIXTURE(load) {
	struct vm_ctx vm[NR_VMS];
	struct hs_nl nl;
	struct hs_events *ev;
	struct event_counts counts;
	struct e2e_daemon d;
	struct hs_attrs st0;
	struct e2e_offline file;
};

static int count_event(struct nl_msg *msg, void *arg)
{
	struct event_counts *c = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[HS_NL_MAXATTR + 1];
	uint32_t event;

	if (nla_parse(tb, HS_NL_MAXATTR, genlmsg_attrdata(gh, 0),
		      genlmsg_attrlen(gh, 0), NULL) < 0 || !tb[HOSTSIG_A_COMP_EVENT]) {
		c->other++;
		return NL_OK;
	}
	event = nla_get_u32(tb[HOSTSIG_A_COMP_EVENT]);
	if (event <= HOSTSIG_EVENT_PATCHED)
		c->by_event[event]++;
	else
		c->other++;
	return NL_OK;
}

/* Invert the byte 100 bytes into the image's code. */
static bool tamper_code(struct e2e_image *im)
{
	struct e2e_section s[32];
	const struct e2e_section *text;
	uint32_t align;
	int n = e2e_pe_sections(&im->image, s, 32, &align);

	text = e2e_pe_find(s, n, E2E_SCN_MEM_EXECUTE, 0);
	if (!text || text->vsize <= 100)
		return false;
	im->image.p[text->rva + 100] ^= 0xff;
	return true;
}

FIXTURE_SETUP(load)
{
	char name[32];
	int v, i;

	/* A ring of 1 MiB holds about 25 of these records. */
	ASSERT_EQ(0, e2e_module_reload("ring_size_mib=1"));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	self->ev = malloc(sizeof(*self->ev));
	ASSERT_NE(NULL, self->ev);
	ASSERT_EQ(0, e2e_events_open(self->ev));
	nl_socket_modify_cb(self->ev->nl.sk, NL_CB_VALID, NL_CB_CUSTOM, count_event,
			    &self->counts);
	ASSERT_EQ(0, e2e_daemon_init(&self->d, "/tmp/e2e-load", 2, NULL, NULL));
	ASSERT_EQ(0, e2e_daemon_start(&self->d));
	ASSERT_EQ(0, e2e_verify_file("efi64-rsa", &self->file));
	ASSERT_STREQ("authentic", self->file.verdict);
	for (v = 0; v < NR_VMS; v++) {
		hs_guest_create(&self->vm[v].g, 0, 16);
		for (i = 0; i < PER_VM; i++) {
			struct e2e_image *im = &self->vm[v].im[i];

			snprintf(name, sizeof(name), "efi64-rsa.%d", i);
			if (v == 0) {
				ASSERT_EQ(0, e2e_image_load(im, "many", name));
			} else {
				ASSERT_EQ(0, e2e_image_copy(im, &self->vm[0].im[i]));
			}
		}
	}
	for (v = 0; v < NR_VMS; v++) {
		for (i = 0; i < PER_VM; i++) {
			struct e2e_image *im = &self->vm[v].im[i];

			/* Not the same ones in both VMs. */
			if ((i + v) % TAMPER_EVERY == 0) {
				ASSERT_TRUE(tamper_code(im));
				self->vm[v].tampered[i] = true;
			}
			e2e_image_place(&self->vm[v].g, im);
		}
	}
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE,
				      HOSTSIG_UNKNOWN_DENY, 0, false));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &self->st0));
}

FIXTURE_TEARDOWN(load)
{
	int v, i;

	e2e_daemon_fini(&self->d);
	if (self->ev) {
		hs_events_close(self->ev);
		free(self->ev);
	}
	for (v = 0; v < NR_VMS; v++) {
		for (i = 0; i < PER_VM; i++)
			e2e_image_free(&self->vm[v].im[i]);
		hs_guest_destroy(&self->vm[v].g);
	}
	hs_nl_close(&self->nl);
	e2e_module_reload("");
}

/* A VM's thread: register everything, retrying what the host says to retry. */
static void *register_all(void *arg)
{
	struct vm_ctx *c = arg;
	double deadline;
	int i;

	for (i = 0; i < PER_VM; i++) {
		struct e2e_image *im = &c->im[i];

		deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;
		for (;;) {
			e2e_image_register(&c->g, im);
			if (im->id == -HOSTSIG_EAGAIN)
				c->eagain++;
			else if (im->id == -HOSTSIG_EQUOTA)
				c->equota++;
			if (im->id > 0 || !hostsig_error_retryable(-im->id) ||
			    hs_now_ns() > deadline)
				break;
			usleep(5000);
		}
		if (im->id <= 0 && !c->bad_register) {
			c->bad_register = i + 1;
			c->bad_answer = im->id;
		}
	}
	return NULL;
}

static uint64_t delta(FIXTURE_DATA(load) *self, const struct hs_attrs *st, int which)
{
	return st->u[which] - self->st0.u[which];
}

TEST_F_TIMEOUT(load, two_vms_two_hundred_components, SLOW_TEST_S)
{
	uint64_t eagain = 0, equota = 0;
	struct hs_attrs st, comp, vm;
	double deadline;
	int v, i;

	/* Held still, the daemon lets the ring fill up. */
	ASSERT_EQ(0, kill(self->d.pid, SIGSTOP));
	for (v = 0; v < NR_VMS; v++)
		ASSERT_EQ(0, pthread_create(&self->vm[v].thread, NULL, register_all,
					    &self->vm[v]));
	deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;
	do {
		hs_events_pump(self->ev, 20);
		ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	} while (!delta(self, &st, HOSTSIG_A_STATS_REFUSED_RING_FULL) &&
		 hs_now_ns() < deadline);
	EXPECT_NE(0, delta(self, &st, HOSTSIG_A_STATS_REFUSED_RING_FULL));
	ASSERT_EQ(0, kill(self->d.pid, SIGCONT));
	for (v = 0; v < NR_VMS; v++) {
		pthread_join(self->vm[v].thread, NULL);
		EXPECT_EQ(0, self->vm[v].bad_register) {
			TH_LOG("VM %d: REGISTER of component %d answered %ld", v,
			       self->vm[v].bad_register - 1, self->vm[v].bad_answer);
		}
		eagain += self->vm[v].eagain;
		equota += self->vm[v].equota;
	}
	TH_LOG("REGISTER refused for a full ring %lu times, over quota %lu times; retried",
	       eagain, equota);

	/* Every verdict right, as each VM's guest sees it. */
	for (v = 0; v < NR_VMS; v++) {
		for (i = 0; i < PER_VM; i++) {
			struct e2e_image *im = &self->vm[v].im[i];
			bool bad = self->vm[v].tampered[i];
			int64_t q = e2e_wait_decided(&self->vm[v].g, im->id);

			hs_events_pump(self->ev, 0);
			ASSERT_LE(0, q);
			EXPECT_EQ(bad ? HOSTSIG_DECISION_DENY : HOSTSIG_DECISION_ALLOW,
				  HOSTSIG_QUERY_DECISION(q));
			ASSERT_EQ(0, hs_nl_get_comp(&self->nl, im->id, &comp));
			EXPECT_EQ(bad ? HOSTSIG_STATE_NOT_AUTHENTIC : HOSTSIG_STATE_AUTHENTIC,
				  comp.u[HOSTSIG_A_COMP_STATE]);
			EXPECT_STREQ(bad ? "digest_mismatch" : "ok",
				     comp.str[HOSTSIG_A_COMP_REASON]);
			/* Loaded anywhere, the untouched image is the file. */
			ASSERT_EQ(self->file.digest_len, comp.bin_len);
			EXPECT_EQ(bad, memcmp(self->file.digest, comp.bin, comp.bin_len) != 0);
			EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);
			if (i == 0)
				self->vm[v].vm_id = comp.u[HOSTSIG_A_COMP_VM_ID];
		}
	}

	/* Every record given back once its verdict was taken. */
	deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;
	do {
		hs_events_pump(self->ev, 20);
		ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	} while (st.u[HOSTSIG_A_STATS_RING_USED] && hs_now_ns() < deadline);
	hs_events_pump(self->ev, 300);
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));

	/* The accounts. */
	EXPECT_EQ(NR_VMS * PER_VM, delta(self, &st, HOSTSIG_A_STATS_REGISTERED));
	EXPECT_EQ(eagain, delta(self, &st, HOSTSIG_A_STATS_REFUSED_RING_FULL));
	EXPECT_EQ(equota, delta(self, &st, HOSTSIG_A_STATS_REFUSED_QUOTA));
	EXPECT_EQ(0, delta(self, &st, HOSTSIG_A_STATS_REFUSED_INVAL) +
		     delta(self, &st, HOSTSIG_A_STATS_REFUSED_FAULT) +
		     delta(self, &st, HOSTSIG_A_STATS_REFUSED_2BIG) +
		     delta(self, &st, HOSTSIG_A_STATS_REFUSED_NOMEM) +
		     delta(self, &st, HOSTSIG_A_STATS_REFUSED_NOTSUPP));
	EXPECT_EQ(NR_VMS * PER_VM, delta(self, &st, HOSTSIG_A_STATS_RECORDS));
	EXPECT_EQ(NR_VMS * PER_VM, delta(self, &st, HOSTSIG_A_STATS_VERDICTS));
	EXPECT_EQ(0, delta(self, &st, HOSTSIG_A_STATS_VERDICTS_REJECTED));
	EXPECT_EQ(NR_VMS * PER_VM, delta(self, &st, HOSTSIG_A_STATS_RECORDS_RELEASED));
	EXPECT_EQ(0, delta(self, &st, HOSTSIG_A_STATS_RECORDS_DISCARDED));
	EXPECT_EQ(0, st.u[HOSTSIG_A_STATS_RING_USED]);
	EXPECT_EQ(NR_VMS * PER_VM, st.u[HOSTSIG_A_STATS_COMPONENTS]);
	EXPECT_EQ(NR_VMS, st.u[HOSTSIG_A_STATS_VMS]);
	EXPECT_EQ(0, delta(self, &st, HOSTSIG_A_STATS_TIMEOUTS));
	EXPECT_EQ(0, st.u[HOSTSIG_A_STATS_EVENTS_DROPPED]);
	/* Each refusal was announced, each component registered and answered once. */
	EXPECT_EQ(eagain, self->counts.by_event[HOSTSIG_EVENT_RING_FULL]);
	EXPECT_EQ(NR_VMS * PER_VM, self->counts.by_event[HOSTSIG_EVENT_REGISTERED]);
	EXPECT_EQ(NR_VMS * PER_VM, self->counts.by_event[HOSTSIG_EVENT_VERDICT]);
	for (v = 0; v < NR_VMS; v++) {
		ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm[v].vm_id, &vm));
		EXPECT_EQ(PER_VM, vm.u[HOSTSIG_A_VM_REGISTERED]);
		EXPECT_EQ(self->vm[v].eagain + self->vm[v].equota,
			  vm.u[HOSTSIG_A_VM_REFUSED]);
		EXPECT_EQ(PER_VM, vm.u[HOSTSIG_A_VM_COMPONENTS]);
		EXPECT_EQ(0, vm.u[HOSTSIG_A_VM_PENDING_BYTES]);
	}
}

TEST_HARNESS_MAIN
