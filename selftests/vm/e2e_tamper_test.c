// SPDX-License-Identifier: GPL-2.0
/*
 * Write tracking with the real daemon. The guest changes the code of a
 * component the host verified (after ALLOW, and between REGISTER and the
 * verdict): hostsig.ko reports tampering, captures the component again,
 * and hostsigd finds the new bytes NOT_AUTHENTIC, so the component is
 * denied under enforce, recorded under audit, and stops the VM under
 * quarantine. Writes to another component, to memory of nobody, to a
 * signature buffer, or inside the writable sections hostsigd named in its
 * verdict are not tampering.
 */
#include "hostsig_e2e.h"

#define SLOW_TEST_S	600

enum { DLL, EFI, NR_IMAGES };
static const char *const image_names[NR_IMAGES] = { "dll64-rsa", "efi64-rsa" };

FIXTURE(tamper) {
	struct hs_guest g;
	struct hs_nl nl;
	struct hs_events *ev;
	struct e2e_daemon d;
	struct e2e_image im[NR_IMAGES];
	uint64_t vm_id;
};

FIXTURE_SETUP(tamper)
{
	int i;

	ASSERT_EQ(0, e2e_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	self->ev = malloc(sizeof(*self->ev));
	ASSERT_NE(NULL, self->ev);
	ASSERT_EQ(0, e2e_events_open(self->ev));
	ASSERT_EQ(0, e2e_daemon_init(&self->d, "/tmp/e2e-tamper", 1, NULL, NULL));
	ASSERT_EQ(0, e2e_daemon_start(&self->d));
	hs_guest_create(&self->g, 0, 8);
	for (i = 0; i < NR_IMAGES; i++) {
		ASSERT_EQ(0, e2e_image_load(&self->im[i], "load", image_names[i]));
		e2e_image_place(&self->g, &self->im[i]);
	}
}

FIXTURE_TEARDOWN(tamper)
{
	int i;

	e2e_daemon_fini(&self->d);
	if (self->ev) {
		hs_events_close(self->ev);
		free(self->ev);
	}
	for (i = 0; i < NR_IMAGES; i++)
		e2e_image_free(&self->im[i]);
	/* A quarantined VM was abandoned already (vm is NULL then). */
	hs_guest_destroy(&self->g);
	hs_nl_close(&self->nl);
	e2e_module_reload("");
}

static struct hs_attrs get_comp(struct __test_metadata *_metadata,
				FIXTURE_DATA(tamper) *self, uint64_t id)
{
	struct hs_attrs comp;

	EXPECT_EQ(0, hs_nl_get_comp(&self->nl, id, &comp));
	EXPECT_STREQ("", comp.bad);
	return comp;
}

/* Register an image and wait for its first verdict; its decision. */
static int64_t load_and_wait(struct __test_metadata *_metadata,
			     FIXTURE_DATA(tamper) *self, struct e2e_image *im)
{
	struct hs_attrs comp;

	if (e2e_image_register(&self->g, im) <= 0) {
		TH_LOG("REGISTER of %s: %ld", im->name, im->id);
		return -1;
	}
	comp = get_comp(_metadata, self, im->id);
	self->vm_id = comp.u[HOSTSIG_A_COMP_VM_ID];
	return e2e_wait_decided(&self->g, im->id);
}

/* The verdict events for @id so far. */
static int verdicts(FIXTURE_DATA(tamper) *self, uint64_t id)
{
	return hs_events_count(self->ev, HOSTSIG_EVENT_VERDICT, id);
}

/*
 * Under enforce: allowed, then the guest changes 8 bytes of its code. The
 * event names the physical address; the component is denied from then
 * on; the daemon verifies the new capture and finds it not authentic.
 */
TEST_F_TIMEOUT(tamper, code_write_after_allow, SLOW_TEST_S)
{
	struct e2e_image *im = &self->im[DLL];
	uint64_t target, gpa, before;
	const struct hs_attrs *ev;
	struct hs_attrs comp;
	int64_t q;

	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, -1,
				      false));
	q = load_and_wait(_metadata, self, im);
	ASSERT_LE(0, q);
	ASSERT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(q));
	comp = get_comp(_metadata, self, im->id);
	before = comp.u[HOSTSIG_A_COMP_RECORD_ID];
	EXPECT_LT(0, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);

	target = e2e_code_gva(im);
	ASSERT_NE(0, target);
	gpa = addr_gva2gpa(self->g.vm, target);
	hs_guest_fill_pattern(&self->g, target, 8, 0xbad);

	ev = hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, im->id, E2E_WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(gpa, ev->u[HOSTSIG_A_COMP_TAMPER_GPA]);
	/* Modified, or already found not authentic: denied either way. */
	q = hs_query(&self->g, im->id);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, HOSTSIG_QUERY_DECISION(q));

	ASSERT_EQ(0, e2e_wait_state(&self->nl, im->id, HOSTSIG_STATE_NOT_AUTHENTIC,
				    &comp));
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(HOSTSIG_VERDICT_NOT_AUTHENTIC, comp.u[HOSTSIG_A_COMP_VERDICT]);
	EXPECT_STREQ("digest_mismatch", comp.str[HOSTSIG_A_COMP_REASON]);
	EXPECT_EQ(2, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_NE(before, comp.u[HOSTSIG_A_COMP_RECORD_ID]);
	EXPECT_NE(0, comp.u[HOSTSIG_A_COMP_MODIFIED_NS]);
	q = hs_query(&self->g, im->id);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, HOSTSIG_QUERY_DECISION(q));
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC, HOSTSIG_QUERY_STATE(q));
	EXPECT_EQ(2, verdicts(self, im->id));
	EXPECT_EQ(1, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, im->id));
}

/*
 * Between REGISTER and the verdict (the daemon held still meanwhile): no
 * verdict has named writable ranges yet, so the write is no tamper (the
 * guest kernel writes a module's data before any verdict could come), but
 * the capture being verified is replaced by a new one with the guest's
 * write in it, and only that one is answered.
 */
TEST_F_TIMEOUT(tamper, code_write_before_verdict, SLOW_TEST_S)
{
	struct e2e_image *im = &self->im[DLL];
	struct hs_attrs comp;
	uint64_t first;
	int64_t q;

	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, -1,
				      false));
	ASSERT_EQ(0, kill(self->d.pid, SIGSTOP));
	ASSERT_LT(0, e2e_image_register(&self->g, im));
	comp = get_comp(_metadata, self, im->id);
	first = comp.u[HOSTSIG_A_COMP_RECORD_ID];
	EXPECT_EQ(HOSTSIG_STATE_PENDING, comp.u[HOSTSIG_A_COMP_STATE]);
	hs_guest_fill_pattern(&self->g, e2e_code_gva(im), 8, 0xbad);
	/* Changed since its capture: still waiting, for the new capture. */
	q = hs_query(&self->g, im->id);
	EXPECT_EQ(HOSTSIG_STATE_PENDING, HOSTSIG_QUERY_STATE(q));
	EXPECT_NE(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(q));
	ASSERT_EQ(0, kill(self->d.pid, SIGCONT));

	ASSERT_EQ(0, e2e_wait_state(&self->nl, im->id, HOSTSIG_STATE_NOT_AUTHENTIC,
				    &comp));
	EXPECT_STREQ("digest_mismatch", comp.str[HOSTSIG_A_COMP_REASON]);
	EXPECT_NE(first, comp.u[HOSTSIG_A_COMP_RECORD_ID]);
	EXPECT_EQ(2, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, HOSTSIG_QUERY_DECISION(hs_query(&self->g, im->id)));
	/* The replaced capture never got a verdict of its own. */
	hs_events_pump(self->ev, 500);
	EXPECT_EQ(1, verdicts(self, im->id));
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, im->id));
}

/*
 * Writes that are no business of the component: another component's
 * code, a certificate table buffer (never tracked), memory of nobody.
 * Only the component written to hears of it.
 */
TEST_F_TIMEOUT(tamper, other_writes_are_not_tamper, SLOW_TEST_S)
{
	struct e2e_image *mine = &self->im[DLL], *other = &self->im[EFI];
	struct hs_attrs comp, st0, st;
	uint64_t nobody;

	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, -1,
				      false));
	ASSERT_EQ(HOSTSIG_DECISION_ALLOW,
		  HOSTSIG_QUERY_DECISION(load_and_wait(_metadata, self, mine)));
	ASSERT_EQ(HOSTSIG_DECISION_ALLOW,
		  HOSTSIG_QUERY_DECISION(load_and_wait(_metadata, self, other)));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st0));

	nobody = hs_alloc(&self->g, 4096);
	hs_guest_fill_pattern(&self->g, nobody, 4096, 1);
	hs_guest_fill_pattern(&self->g, mine->sig_gva, 16, 2);
	hs_guest_fill_pattern(&self->g, e2e_code_gva(other), 8, 3);

	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, other->id,
				       E2E_WAIT_MS));
	ASSERT_EQ(0, e2e_wait_state(&self->nl, other->id, HOSTSIG_STATE_NOT_AUTHENTIC,
				    &comp));
	hs_events_pump(self->ev, 500);
	comp = get_comp(_metadata, self, mine->id);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, mine->id));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW,
		  HOSTSIG_QUERY_DECISION(hs_query(&self->g, mine->id)));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	EXPECT_EQ(1, st.u[HOSTSIG_A_STATS_TAMPERS] - st0.u[HOSTSIG_A_STATS_TAMPERS]);
}

/*
 * Pages wholly inside the writable sections named in the verdict are
 * released; a write there is the component's own data, not tampering. Its
 * read-only data stays guarded.
 */
TEST_F_TIMEOUT(tamper, writable_sections_are_data, SLOW_TEST_S)
{
	struct e2e_image *im = &self->im[DLL];
	uint64_t data, rodata, pages, expect_tracked, p;
	struct e2e_section s[64];
	struct hs_attrs comp;
	uint32_t align;
	int n, i;

	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, -1,
				      false));
	ASSERT_EQ(HOSTSIG_DECISION_ALLOW,
		  HOSTSIG_QUERY_DECISION(load_and_wait(_metadata, self, im)));

	/* Tracked: every page but those wholly inside a writable section. */
	n = e2e_pe_sections(&im->image, s, 64, &align);
	ASSERT_LT(0, n);
	pages = (im->image.len + 4095) / 4096;
	expect_tracked = 0;
	for (p = 0; p < pages; p++) {
		bool writable = false;

		for (i = 0; i < n; i++) {
			uint64_t end = s[i].rva + ((s[i].vsize + align - 1) & ~(uint64_t)(align - 1));

			if ((s[i].characteristics & E2E_SCN_MEM_WRITE) &&
			    s[i].rva <= p * 4096 && (p + 1) * 4096 <= end)
				writable = true;
		}
		expect_tracked += !writable;
	}
	comp = get_comp(_metadata, self, im->id);
	EXPECT_EQ(expect_tracked, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	EXPECT_GT(pages, expect_tracked);

	data = e2e_section_gva(im, E2E_SCN_MEM_WRITE, E2E_SCN_MEM_EXECUTE, 16);
	ASSERT_NE(0, data);
	hs_guest_fill_pattern(&self->g, data, 8, 4);
	hs_events_pump(self->ev, 500);
	comp = get_comp(_metadata, self, im->id);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, im->id));

	/* Read-only data (not code, not writable) is what was signed too. */
	rodata = e2e_section_gva(im, 0, E2E_SCN_MEM_WRITE | E2E_SCN_MEM_EXECUTE, 16);
	ASSERT_NE(0, rodata);
	hs_guest_fill_pattern(&self->g, rodata, 8, 5);
	EXPECT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, im->id,
				       E2E_WAIT_MS));
}

/* Under audit the component stays allowed, and the change is recorded. */
TEST_F_TIMEOUT(tamper, audit_records_it, SLOW_TEST_S)
{
	struct e2e_image *im = &self->im[EFI];
	struct hs_attrs comp;
	int64_t q;

	ASSERT_EQ(HOSTSIG_DECISION_ALLOW,
		  HOSTSIG_QUERY_DECISION(load_and_wait(_metadata, self, im)));
	hs_guest_fill_pattern(&self->g, e2e_code_gva(im), 8, 6);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, im->id,
				       E2E_WAIT_MS));
	ASSERT_EQ(0, e2e_wait_state(&self->nl, im->id, HOSTSIG_STATE_NOT_AUTHENTIC,
				    &comp));
	EXPECT_STREQ("digest_mismatch", comp.str[HOSTSIG_A_COMP_REASON]);
	q = hs_query(&self->g, im->id);
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(q));
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC, HOSTSIG_QUERY_STATE(q));
}

/*
 * Under quarantine, a write to verified code stops the VM: KVM_RUN fails
 * with EIO from then on, with the tamper and quarantine events.
 */
TEST_F_TIMEOUT(tamper, quarantine_on_tamper, SLOW_TEST_S)
{
	struct e2e_image *im = &self->im[DLL];
	struct hs_guest_cmd *cmd;
	struct hs_attrs vm;

	ASSERT_EQ(HOSTSIG_DECISION_ALLOW,
		  HOSTSIG_QUERY_DECISION(load_and_wait(_metadata, self, im)));
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id,
				      HOSTSIG_MODE_QUARANTINE, -1, -1, false));
	cmd = addr_gva2hva(self->g.vm, (vm_vaddr_t)&hs_guest_cmd);
	cmd->op = HS_OP_FILL;
	cmd->arg[0] = e2e_code_gva(im);
	cmd->arg[1] = 8;
	cmd->arg[2] = 7;
	EXPECT_EQ(EIO, e2e_run_until_stopped(&self->g, im->id, true));
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, im->id,
				       E2E_WAIT_MS));
	ASSERT_NE(NULL, e2e_event_wait(self->ev, HOSTSIG_EVENT_QUARANTINE,
				       HOSTSIG_A_COMP_VM_ID, self->vm_id));
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm_id, &vm));
	EXPECT_EQ(1, vm.u[HOSTSIG_A_VM_QUARANTINED]);
	hs_guest_abandon(&self->g);
}

TEST_HARNESS_MAIN
