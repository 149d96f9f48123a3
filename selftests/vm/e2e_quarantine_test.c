// SPDX-License-Identifier: GPL-2.0
/*
 * Quarantine with the real daemon: under the quarantine policy a
 * component that hostsigd finds NOT_AUTHENTIC stops its VM for good
 * (KVM_RUN fails with EIO), its memory stays readable for forensics, and
 * the events say what happened and why. Authentic components do not stop
 * a VM, and another VM under enforce keeps running, its bad component
 * merely denied.
 */
#include "hostsig_e2e.h"

#define SLOW_TEST_S	600

FIXTURE(quarantine) {
	struct hs_guest victim, bystander;
	struct hs_nl nl;
	struct hs_events *ev;
	struct e2e_daemon d;
	struct e2e_image good[2], bad[2];
	uint64_t vm[2];
};

FIXTURE_SETUP(quarantine)
{
	struct hs_guest *g[2] = { &self->victim, &self->bystander };
	int i;

	ASSERT_EQ(0, e2e_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	self->ev = malloc(sizeof(*self->ev));
	ASSERT_NE(NULL, self->ev);
	ASSERT_EQ(0, e2e_events_open(self->ev));
	ASSERT_EQ(0, e2e_daemon_init(&self->d, "/tmp/e2e-quarantine", 1, NULL, NULL));
	ASSERT_EQ(0, e2e_daemon_start(&self->d));
	for (i = 0; i < 2; i++) {
		hs_guest_create(g[i], 0, 8);
		ASSERT_EQ(0, e2e_image_load(&self->good[i], "load", "efi64-rsa"));
		ASSERT_EQ(0, e2e_image_load(&self->bad[i], "load", "fbx64-tampered"));
		e2e_image_place(g[i], &self->good[i]);
		e2e_image_place(g[i], &self->bad[i]);
	}
}

FIXTURE_TEARDOWN(quarantine)
{
	int i;

	e2e_daemon_fini(&self->d);
	if (self->ev) {
		hs_events_close(self->ev);
		free(self->ev);
	}
	for (i = 0; i < 2; i++) {
		e2e_image_free(&self->good[i]);
		e2e_image_free(&self->bad[i]);
	}
	/* Stopped or not: closing its descriptors is what destroys a VM. */
	hs_guest_abandon(&self->victim);
	hs_guest_destroy(&self->bystander);
	hs_nl_close(&self->nl);
	e2e_module_reload("");
}

/*
 * Global policy quarantine; the bystander VM has its own, enforce. Each
 * loads the authentic image (allowed, nothing stops), then the tampered
 * one. Returns with the victim stopped.
 */
static void load_all(struct __test_metadata *_metadata,
		     FIXTURE_DATA(quarantine) *self)
{
	struct hs_guest *g[2] = { &self->victim, &self->bystander };
	struct hs_attrs comp;
	int i;

	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_QUARANTINE,
				      HOSTSIG_UNKNOWN_DENY, -1, false));
	for (i = 0; i < 2; i++) {
		ASSERT_LT(0, e2e_image_register(g[i], &self->good[i]));
		ASSERT_EQ(0, hs_nl_get_comp(&self->nl, self->good[i].id, &comp));
		self->vm[i] = comp.u[HOSTSIG_A_COMP_VM_ID];
	}
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm[1], HOSTSIG_MODE_ENFORCE,
				      -1, -1, false));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(HOSTSIG_DECISION_ALLOW,
			  HOSTSIG_QUERY_DECISION(e2e_wait_decided(g[i], self->good[i].id)));

	ASSERT_LT(0, e2e_image_register(&self->bystander, &self->bad[1]));
	ASSERT_EQ(HOSTSIG_DECISION_DENY,
		  HOSTSIG_QUERY_DECISION(e2e_wait_decided(&self->bystander,
							  self->bad[1].id)));
	ASSERT_LT(0, e2e_image_register(&self->victim, &self->bad[0]));
	/* The guest polls QUERY for its new component until the VM is stopped. */
	ASSERT_EQ(EIO, e2e_run_until_stopped(&self->victim, self->bad[0].id, false));
}

TEST_F_TIMEOUT(quarantine, not_authentic_stops_the_vm, SLOW_TEST_S)
{
	const struct hs_attrs *ev;
	struct hs_attrs comp, vm, st;
	uint8_t now[4096];
	uint64_t off;

	load_all(_metadata, self);

	/* Stopped for good. */
	EXPECT_EQ(EIO, e2e_run_until_stopped(&self->victim, self->bad[0].id, false));
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm[0], &vm));
	EXPECT_EQ(1, vm.u[HOSTSIG_A_VM_QUARANTINED]);
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	EXPECT_EQ(1, st.u[HOSTSIG_A_STATS_QUARANTINES]);

	/* Why, in the events: the verdict on the bad component, then the VM. */
	ev = hs_events_wait(self->ev, HOSTSIG_EVENT_VERDICT, self->bad[0].id, E2E_WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(HOSTSIG_VERDICT_NOT_AUTHENTIC, ev->u[HOSTSIG_A_COMP_VERDICT]);
	EXPECT_STREQ("digest_mismatch", ev->str[HOSTSIG_A_COMP_REASON]);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, ev->u[HOSTSIG_A_COMP_DECISION]);
	EXPECT_NE(NULL, e2e_event_wait(self->ev, HOSTSIG_EVENT_QUARANTINE,
				       HOSTSIG_A_COMP_VM_ID, self->vm[0]));
	EXPECT_EQ(1, hs_events_count(self->ev, HOSTSIG_EVENT_QUARANTINE, 0));

	/* What the VM loaded is still there to look at. */
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, self->bad[0].id, &comp));
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	for (off = 0; off < self->bad[0].image.len; off += sizeof(now)) {
		uint64_t n = self->bad[0].image.len - off;

		if (n > sizeof(now))
			n = sizeof(now);
		hs_read(&self->victim, self->bad[0].base + off, now, n);
		ASSERT_EQ(0, memcmp(now, self->bad[0].image.p + off, n));
	}

	/* The other VM runs on: its authentic component is allowed. */
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm[1], &vm));
	EXPECT_EQ(0, vm.u[HOSTSIG_A_VM_QUARANTINED]);
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW,
		  HOSTSIG_QUERY_DECISION(hs_query(&self->bystander, self->good[1].id)));
	EXPECT_EQ(HOSTSIG_DECISION_DENY,
		  HOSTSIG_QUERY_DECISION(hs_query(&self->bystander, self->bad[1].id)));
	hs_guest_abandon(&self->victim);
}

/*
 * The quarantine event itself says why the VM was stopped: it names the
 * component that caused it and what was found.
 */
TEST_F_TIMEOUT(quarantine, event_names_the_cause, SLOW_TEST_S)
{
	const struct hs_attrs *ev;

	load_all(_metadata, self);
	ev = e2e_event_wait(self->ev, HOSTSIG_EVENT_QUARANTINE, HOSTSIG_A_COMP_VM_ID,
			    self->vm[0]);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(self->bad[0].id, ev->u[HOSTSIG_A_COMP_ID]) {
		TH_LOG("the quarantine event does not name the component that caused it");
	}
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC, ev->u[HOSTSIG_A_COMP_STATE]);
	EXPECT_STREQ("digest_mismatch", ev->str[HOSTSIG_A_COMP_REASON]);
	hs_guest_abandon(&self->victim);
}

TEST_HARNESS_MAIN
