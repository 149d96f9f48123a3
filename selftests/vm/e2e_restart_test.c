// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon going away. Killed with SIGKILL while records are pending
 * (several times, at moments the test does not choose) and started again:
 * every component still gets exactly one verdict, counted by the events
 * and by the module's counters, and every record is given back. Absent:
 * each component's verdict times out to UNKNOWN and the policy's unknown
 * action decides QUERY; a daemon that starts late still answers.
 */
#include "hostsig_e2e.h"

#define SLOW_TEST_S	600
#define NR_COMPS	60
#define KILLS		3

FIXTURE(restart) {
	struct hs_guest g;
	struct hs_nl nl;
	struct hs_events *ev;
	struct e2e_daemon d;
	struct e2e_image im[NR_COMPS];
	struct hs_attrs st0;
};

FIXTURE_SETUP(restart)
{
	char name[32];
	int i;

	ASSERT_EQ(0, e2e_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	self->ev = malloc(sizeof(*self->ev));
	ASSERT_NE(NULL, self->ev);
	ASSERT_EQ(0, e2e_events_open(self->ev));
	/* One worker: the records are answered one by one. */
	ASSERT_EQ(0, e2e_daemon_init(&self->d, "/tmp/e2e-restart", 1, NULL, NULL));
	hs_guest_create(&self->g, 0, 16);
	for (i = 0; i < NR_COMPS; i++) {
		snprintf(name, sizeof(name), "efi64-rsa.%d", i);
		ASSERT_EQ(0, e2e_image_load(&self->im[i], "many", name));
		e2e_image_place(&self->g, &self->im[i]);
	}
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &self->st0));
}

FIXTURE_TEARDOWN(restart)
{
	int i;

	e2e_daemon_fini(&self->d);
	if (self->ev) {
		hs_events_close(self->ev);
		free(self->ev);
	}
	for (i = 0; i < NR_COMPS; i++)
		e2e_image_free(&self->im[i]);
	hs_guest_destroy(&self->g);
	hs_nl_close(&self->nl);
	e2e_module_reload("");
}

static uint64_t stat_delta(FIXTURE_DATA(restart) *self, int which)
{
	struct hs_attrs st;

	if (hs_nl_get_stats(&self->nl, &st))
		return ~0ull;
	return st.u[which] - self->st0.u[which];
}

/* Components with a verdict event so far. */
static int answered(FIXTURE_DATA(restart) *self)
{
	int i, n = 0;

	hs_events_pump(self->ev, 0);
	for (i = 0; i < NR_COMPS; i++)
		n += hs_events_count(self->ev, HOSTSIG_EVENT_VERDICT, self->im[i].id) > 0;
	return n;
}

/* Wait until more than @n components have their verdict; how many. */
static int wait_answered(FIXTURE_DATA(restart) *self, int n)
{
	double deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;
	int now;

	while ((now = answered(self)) <= n && hs_now_ns() < deadline)
		hs_events_pump(self->ev, 20);
	return now;
}

TEST_F_TIMEOUT(restart, sigkill_loses_nothing, SLOW_TEST_S)
{
	int i, k, before, at_kill[KILLS];
	struct hs_attrs comp;
	double deadline;

	/* Every record waits in the ring before the first daemon starts. */
	for (i = 0; i < NR_COMPS; i++)
		ASSERT_LT(0, e2e_image_register(&self->g, &self->im[i]));

	before = 0;
	for (k = 0; k < KILLS; k++) {
		ASSERT_EQ(0, e2e_daemon_start(&self->d));
		/* Killed as soon as it has answered something more. */
		before = wait_answered(self, before);
		ASSERT_EQ(0, e2e_daemon_stop(&self->d, SIGKILL));
		at_kill[k] = answered(self);
		before = at_kill[k];
		TH_LOG("kill %d: %d of %d components answered", k + 1, before, NR_COMPS);
	}
	/* Some were still waiting, or this test proved nothing. */
	ASSERT_GT(NR_COMPS, at_kill[KILLS - 1]);

	ASSERT_EQ(0, e2e_daemon_start(&self->d));
	for (i = 0; i < NR_COMPS; i++) {
		int64_t q = e2e_wait_decided(&self->g, self->im[i].id);

		ASSERT_LE(0, q);
		EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(q));
		EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, HOSTSIG_QUERY_STATE(q));
	}
	/* Exactly one verdict each, in the events and in the counters. */
	hs_events_pump(self->ev, 500);
	for (i = 0; i < NR_COMPS; i++) {
		EXPECT_EQ(1, hs_events_count(self->ev, HOSTSIG_EVENT_VERDICT,
					     self->im[i].id)) {
			TH_LOG("component %ld", self->im[i].id);
		}
		ASSERT_EQ(0, hs_nl_get_comp(&self->nl, self->im[i].id, &comp));
		EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);
	}
	EXPECT_EQ(NR_COMPS, stat_delta(self, HOSTSIG_A_STATS_VERDICTS));
	EXPECT_EQ(NR_COMPS, stat_delta(self, HOSTSIG_A_STATS_RECORDS));
	EXPECT_EQ(0, stat_delta(self, HOSTSIG_A_STATS_TIMEOUTS));
	/* Every record given back: the ring is empty again. */
	deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;
	while (stat_delta(self, HOSTSIG_A_STATS_RECORDS_RELEASED) < NR_COMPS &&
	       hs_now_ns() < deadline)
		usleep(20000);
	EXPECT_EQ(NR_COMPS, stat_delta(self, HOSTSIG_A_STATS_RECORDS_RELEASED));
	EXPECT_EQ(0, stat_delta(self, HOSTSIG_A_STATS_RING_USED) + self->st0.u[HOSTSIG_A_STATS_RING_USED]);
}

/*
 * No daemon: the verdict timeout makes components UNKNOWN "timeout", and
 * unknown=allow|deny decides what the guest hears. A daemon started
 * afterwards still answers, and its verdict counts.
 */
TEST_F_TIMEOUT(restart, absent_daemon_times_out, SLOW_TEST_S)
{
	struct e2e_image *a = &self->im[0], *b = &self->im[1];
	struct hs_attrs comp;
	uint64_t vm;
	int64_t q;

	/* Fail open globally; VM's own policy set below. */
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE,
				      HOSTSIG_UNKNOWN_ALLOW, 1000, false));
	ASSERT_LT(0, e2e_image_register(&self->g, a));
	ASSERT_LT(0, e2e_image_register(&self->g, b));
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, a->id, &comp));
	vm = comp.u[HOSTSIG_A_COMP_VM_ID];

	q = e2e_wait_decided(&self->g, a->id);
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(q));
	EXPECT_EQ(HOSTSIG_STATE_UNKNOWN, HOSTSIG_QUERY_STATE(q));
	ASSERT_EQ(0, e2e_wait_state(&self->nl, b->id, HOSTSIG_STATE_UNKNOWN, &comp));
	EXPECT_STREQ("timeout", comp.str[HOSTSIG_A_COMP_REASON]);
	EXPECT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TIMEOUT, a->id, E2E_WAIT_MS));
	EXPECT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TIMEOUT, b->id, E2E_WAIT_MS));
	EXPECT_EQ(2, stat_delta(self, HOSTSIG_A_STATS_TIMEOUTS));

	/* Fail closed, for this VM. */
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &vm, HOSTSIG_MODE_ENFORCE,
				      HOSTSIG_UNKNOWN_DENY, -1, false));
	q = hs_query(&self->g, a->id);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, HOSTSIG_QUERY_DECISION(q));
	EXPECT_EQ(HOSTSIG_STATE_UNKNOWN, HOSTSIG_QUERY_STATE(q));

	/* Late, but still the verdict on the record the component waits for. */
	ASSERT_EQ(0, e2e_daemon_start(&self->d));
	ASSERT_EQ(0, e2e_wait_state(&self->nl, a->id, HOSTSIG_STATE_AUTHENTIC, &comp));
	EXPECT_STREQ("ok", comp.str[HOSTSIG_A_COMP_REASON]);
	ASSERT_EQ(0, e2e_wait_state(&self->nl, b->id, HOSTSIG_STATE_AUTHENTIC, &comp));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(hs_query(&self->g, a->id)));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(hs_query(&self->g, b->id)));
	EXPECT_EQ(2, stat_delta(self, HOSTSIG_A_STATS_VERDICTS));
	hs_events_pump(self->ev, 200);
	EXPECT_EQ(1, hs_events_count(self->ev, HOSTSIG_EVENT_VERDICT, a->id));
	EXPECT_EQ(1, hs_events_count(self->ev, HOSTSIG_EVENT_VERDICT, b->id));
}

TEST_HARNESS_MAIN
