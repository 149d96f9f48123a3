// SPDX-License-Identifier: GPL-2.0
/*
 * Write tracking: from REGISTER on, a guest write to a component's image
 * pages makes it MODIFIED whatever its verdict, raises a tamper event and
 * sets off the policy's reaction (a new capture, or quarantine); writes to
 * other memory, to other kinds of regions, or inside the writable ranges a
 * verdict named do not. This process plays the verifier (ring consumer and
 * netlink VERDICT); the guest writes with its own instructions, which KVM
 * emulates on a tracked page.
 */
#include <sched.h>

#include "hostsig_nl.h"
#include "hostsig_ring.h"

#define SLOW_TEST_S	600
/* Waiting for an event or a record; only to report a hang, not a speed limit. */
#define WAIT_MS		60000
#define IMAGE_PAGES	3

FIXTURE(track) {
	struct hs_guest g;
	struct hs_ring ring;
	struct hs_nl nl;
	struct hs_events *ev;
	uint64_t vm_id;
};

FIXTURE_SETUP(track)
{
	self->ring.fd = -1;
	ASSERT_EQ(0, hostsig_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	self->ev = malloc(sizeof(*self->ev));
	ASSERT_NE(NULL, self->ev);
	ASSERT_EQ(0, hs_events_open(self->ev));
	hs_guest_create(&self->g, 0, 4);
}

FIXTURE_TEARDOWN(track)
{
	if (self->ev) {
		hs_events_close(self->ev);
		free(self->ev);
	}
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

/* An image of IMAGE_PAGES whole pages and a signature block; its record id. */
static uint64_t make_component(struct __test_metadata *_metadata,
			       FIXTURE_DATA(track) *self, struct hs_comp *c,
			       const char *name)
{
	struct hs_attrs comp;

	hs_comp_make(&self->g, c, name, IMAGE_PAGES * 4096, 300);
	if (hs_comp_register(&self->g, c) <= 0) {
		TH_LOG("REGISTER of %s: %ld", name, c->id);
		return 0;
	}
	if (hs_nl_get_comp(&self->nl, c->id, &comp) || comp.bad[0]) {
		TH_LOG("GET_COMPONENT of %s: %s", name, comp.bad);
		return 0;
	}
	self->vm_id = comp.u[HOSTSIG_A_COMP_VM_ID];
	return comp.u[HOSTSIG_A_COMP_RECORD_ID];
}

static uint64_t image_gva(struct hs_comp *c)
{
	return hs_arg_region(&c->arg, 0)->gva;
}

static int verdict_writable(struct hs_nl *nl, uint64_t id, uint64_t record,
			    uint32_t verdict, const uint64_t (*ranges)[2],
			    int nr)
{
	return hs_nl_verdict_ranges(nl, id, record, verdict, ranges, nr, NULL, 0);
}

/* The record, other than @old, that the component waits for now. */
static uint64_t wait_new_record(struct __test_metadata *_metadata,
				FIXTURE_DATA(track) *self, uint64_t id,
				uint64_t old)
{
	double deadline = hs_now_ns() + WAIT_MS * 1e6;
	struct hs_attrs comp;

	do {
		if (hs_nl_get_comp(&self->nl, id, &comp) || comp.bad[0])
			return 0;
		if (comp.u[HOSTSIG_A_COMP_RECORD_ID] != old &&
		    hs_ring_find_record(&self->ring, comp.u[HOSTSIG_A_COMP_RECORD_ID]))
			return comp.u[HOSTSIG_A_COMP_RECORD_ID];
		usleep(20000);
	} while (hs_now_ns() < deadline);
	TH_LOG("component %lu: no new record", id);
	return 0;
}

static struct hs_attrs get_comp(struct __test_metadata *_metadata,
				FIXTURE_DATA(track) *self, uint64_t id)
{
	struct hs_attrs comp;

	EXPECT_EQ(0, hs_nl_get_comp(&self->nl, id, &comp));
	EXPECT_STREQ("", comp.bad);
	return comp;
}

static uint64_t stat_of(FIXTURE_DATA(track) *self, int which)
{
	return hs_nl_stat(&self->nl, which);
}

/*
 * Under enforce: authentic and allowed, then the guest changes 8 bytes of
 * its code. The component is MODIFIED and denied, the event names the
 * guest physical address, and a new record with the new bytes waits for a
 * verdict; AUTHENTIC for it makes the component allowed again.
 */
TEST_F_TIMEOUT(track, write_after_allow, SLOW_TEST_S)
{
	uint64_t rec1, rec2, target, gpa;
	const struct hostsig_record *r;
	const struct hs_attrs *tamper;
	struct hs_attrs comp;
	struct hs_comp c;
	uint8_t now[64];

	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, 0,
				      false));
	rec1 = make_component(_metadata, self, &c, "code");
	ASSERT_NE(0, rec1);
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(IMAGE_PAGES, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec1,
					  HOSTSIG_VERDICT_AUTHENTIC));
	ASSERT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));

	target = image_gva(&c) + 4096 + 64;
	gpa = addr_gva2gpa(self->g.vm, target);
	hs_guest_fill_pattern(&self->g, target, 8, 0xbad);

	tamper = hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS);
	ASSERT_NE(NULL, tamper);
	EXPECT_EQ(gpa, tamper->u[HOSTSIG_A_COMP_TAMPER_GPA]);
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_NE(0, comp.u[HOSTSIG_A_COMP_MODIFIED_NS]);
	EXPECT_EQ(HOSTSIG_STATE_MODIFIED, HOSTSIG_QUERY_STATE(hs_query(&self->g, c.id)));
	EXPECT_EQ(HOSTSIG_DECISION_DENY, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));

	/* Captured again, with the guest's write in it. */
	rec2 = wait_new_record(_metadata, self, c.id, rec1);
	ASSERT_NE(0, rec2);
	r = hs_ring_find_record(&self->ring, rec2);
	ASSERT_NE(NULL, r);
	hs_read(&self->g, target - 16, now, sizeof(now));
	EXPECT_EQ(0, memcmp((const uint8_t *)r + r->regions[0].offset + 4096 + 64 - 16,
			    now, sizeof(now)));
	/* Still MODIFIED until that record's verdict. */
	EXPECT_EQ(HOSTSIG_STATE_MODIFIED, HOSTSIG_QUERY_STATE(hs_query(&self->g, c.id)));
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, c.id, rec1,
						HOSTSIG_VERDICT_AUTHENTIC));
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec2,
					  HOSTSIG_VERDICT_AUTHENTIC));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(2, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);
}

/* Under audit, a modified component is allowed, and still reported. */
TEST_F_TIMEOUT(track, audit_allows_but_reports, SLOW_TEST_S)
{
	struct hs_comp c;
	uint64_t rec;
	int64_t q;

	rec = make_component(_metadata, self, &c, "audited");
	ASSERT_NE(0, rec);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec,
					  HOSTSIG_VERDICT_AUTHENTIC));
	hs_guest_fill_pattern(&self->g, image_gva(&c) + 8, 8, 0xbad);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS));
	q = hs_query(&self->g, c.id);
	EXPECT_EQ(HOSTSIG_STATE_MODIFIED, HOSTSIG_QUERY_STATE(q));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(q));
}

/*
 * Between REGISTER and the first verdict: no verdict has named writable
 * ranges yet, so a write is not a tamper (no event, no MODIFIED, no
 * history), but the record being verified was copied before it: it is
 * replaced by a new capture, and a verdict for the old one is refused as
 * stale (else the write would hide behind the old copy's AUTHENTIC).
 */
TEST_F_TIMEOUT(track, write_before_verdict, SLOW_TEST_S)
{
	uint64_t rec1, rec2;
	struct hs_attrs comp;
	struct hs_comp c;

	rec1 = make_component(_metadata, self, &c, "early");
	ASSERT_NE(0, rec1);
	hs_guest_fill_pattern(&self->g, image_gva(&c) + 2 * 4096, 8, 0xbad);
	EXPECT_EQ(HOSTSIG_STATE_PENDING, HOSTSIG_QUERY_STATE(hs_query(&self->g, c.id)));
	rec2 = wait_new_record(_metadata, self, c.id, rec1);
	ASSERT_NE(0, rec2);
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, c.id, rec1,
						HOSTSIG_VERDICT_AUTHENTIC));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_HISTORY]);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, c.id));
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_PATCHED, c.id));
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec2,
					  HOSTSIG_VERDICT_NOT_AUTHENTIC));
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC,
		  HOSTSIG_QUERY_STATE(hs_query(&self->g, c.id)));
}

/*
 * No verdict within the timeout: UNKNOWN, and the guest (allowed by
 * unknown=allow) writes to it. Not a tamper and not captured again; but
 * the record copied before the write is stale: a verdict for it coming
 * late is refused, so it cannot make the written bytes AUTHENTIC. REVERIFY
 * captures what is there now, and that verdict applies.
 */
TEST_F_TIMEOUT(track, write_after_timeout, SLOW_TEST_S)
{
	double deadline = hs_now_ns() + WAIT_MS * 1e6;
	uint64_t rec1, rec2;
	struct hs_attrs comp;
	struct hs_comp c;
	int64_t q;

	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE,
				      HOSTSIG_UNKNOWN_ALLOW, 200, false));
	rec1 = make_component(_metadata, self, &c, "late");
	ASSERT_NE(0, rec1);
	do {
		q = hs_query(&self->g, c.id);
		if (HOSTSIG_QUERY_STATE(q) != HOSTSIG_STATE_PENDING)
			break;
		usleep(50000);
	} while (hs_now_ns() < deadline);
	ASSERT_EQ(HOSTSIG_STATE_UNKNOWN, HOSTSIG_QUERY_STATE(q));
	ASSERT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(q));

	hs_guest_fill_pattern(&self->g, image_gva(&c) + 4096 + 8, 8, 0xbad);
	q = hs_query(&self->g, c.id);
	EXPECT_EQ(HOSTSIG_STATE_UNKNOWN, HOSTSIG_QUERY_STATE(q));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(q));
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, c.id, rec1,
						HOSTSIG_VERDICT_AUTHENTIC));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_UNKNOWN, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(rec1, comp.u[HOSTSIG_A_COMP_RECORD_ID]);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_HISTORY]);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, c.id));

	ASSERT_EQ(0, hs_nl_reverify(&self->nl, c.id));
	rec2 = wait_new_record(_metadata, self, c.id, rec1);
	ASSERT_NE(0, rec2);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec2,
					  HOSTSIG_VERDICT_NOT_AUTHENTIC));
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC,
		  HOSTSIG_QUERY_STATE(hs_query(&self->g, c.id)));
}

/*
 * Writes that are none of a component's business: another component's
 * image, a signature block (not tracked), memory of nobody. Only the
 * component written to hears of it.
 */
TEST_F_TIMEOUT(track, other_writes_are_not_tamper, SLOW_TEST_S)
{
	uint64_t ra, rb, tampers0, elsewhere;
	struct hs_attrs a, b;
	struct hs_comp ca, cb;

	ra = make_component(_metadata, self, &ca, "a");
	rb = make_component(_metadata, self, &cb, "b");
	ASSERT_TRUE(ra && rb);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, ca.id, ra, HOSTSIG_VERDICT_AUTHENTIC));
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, cb.id, rb, HOSTSIG_VERDICT_AUTHENTIC));
	tampers0 = stat_of(self, HOSTSIG_A_STATS_TAMPERS);

	elsewhere = hs_alloc(&self->g, 4096);
	hs_guest_fill_pattern(&self->g, elsewhere, 4096, 1);
	hs_guest_fill_pattern(&self->g, hs_arg_region(&cb.arg, 1)->gva, 8, 2);
	hs_guest_fill_pattern(&self->g, image_gva(&cb), 16, 3);

	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, cb.id, WAIT_MS));
	a = get_comp(_metadata, self, ca.id);
	b = get_comp(_metadata, self, cb.id);
	EXPECT_EQ(0, a.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, a.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_LE(1, b.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, ca.id));
	EXPECT_EQ(b.u[HOSTSIG_A_COMP_TAMPERS],
		  stat_of(self, HOSTSIG_A_STATS_TAMPERS) - tampers0);
}

/*
 * A verdict names writable ranges: page 1 entirely (no longer tracked) and
 * 64 bytes of page 2 (still tracked: writes there are checked byte by
 * byte). Writes inside are data; one byte outside is tamper.
 */
TEST_F_TIMEOUT(track, writable_ranges, SLOW_TEST_S)
{
	static const uint64_t ranges[][2] = {
		{ 4096, 4096 },		/* page 1 */
		{ 2 * 4096 + 256, 64 },	/* inside page 2 */
	};
	static const uint64_t outside[][2] = { { 3 * 4096, 8 } };
	uint64_t rec, rec2, base, tracked0, allowed0;
	struct hs_attrs comp;
	struct hs_comp c;

	rec = make_component(_metadata, self, &c, "data");
	ASSERT_NE(0, rec);
	base = image_gva(&c);
	tracked0 = stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES);
	ASSERT_EQ(0, verdict_writable(&self->nl, c.id, rec, HOSTSIG_VERDICT_AUTHENTIC,
				      ranges, 2));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(IMAGE_PAGES - 1, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	EXPECT_EQ(tracked0 - 1, stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES));

	allowed0 = stat_of(self, HOSTSIG_A_STATS_TRACKED_WRITES);
	hs_guest_fill_pattern(&self->g, base + 4096, 4096, 4);		/* page 1 */
	hs_guest_fill_pattern(&self->g, base + 2 * 4096 + 256, 64, 5);	/* in range */
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	/* The range inside page 2 was written through its tracked page. */
	EXPECT_LT(allowed0, stat_of(self, HOSTSIG_A_STATS_TRACKED_WRITES));

	/* Just past the range on the same page. */
	hs_guest_fill_pattern(&self->g, base + 2 * 4096 + 256 + 64, 8, 6);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_TAMPERS]);

	/* A range that is not inside the component is refused. */
	rec2 = wait_new_record(_metadata, self, c.id, rec);
	ASSERT_NE(0, rec2);
	EXPECT_EQ(-EINVAL, verdict_writable(&self->nl, c.id, rec2,
					    HOSTSIG_VERDICT_AUTHENTIC, outside, 1));
}

/*
 * A kernel module's verdict can name hundreds of writable ranges. The
 * module takes HOSTSIG_MAX_WRITABLE of them in any order and finds the
 * right one for each write: page 2 as 1024 two-byte ranges, four bytes
 * apart, given last first. One more range than the maximum is refused and
 * changes nothing.
 */
TEST_F_TIMEOUT(track, many_writable_ranges, SLOW_TEST_S)
{
	static uint64_t ranges[HOSTSIG_MAX_WRITABLE + 1][2];
	uint64_t rec, base;
	struct hs_attrs comp;
	struct hs_comp c;
	int i;

	/* A verdict of 1025 nested ranges does not fit the default 4 KiB. */
	nlmsg_set_default_size(64 * 1024);
	for (i = 0; i < HOSTSIG_MAX_WRITABLE; i++) {
		ranges[i][0] = 2 * 4096 + 4 * (HOSTSIG_MAX_WRITABLE - 1 - i);
		ranges[i][1] = 2;
	}
	ranges[HOSTSIG_MAX_WRITABLE][0] = 0;
	ranges[HOSTSIG_MAX_WRITABLE][1] = 8;
	ASSERT_EQ(4096, 4 * HOSTSIG_MAX_WRITABLE);

	rec = make_component(_metadata, self, &c, "many");
	ASSERT_NE(0, rec);
	base = image_gva(&c);
	EXPECT_EQ(-E2BIG, verdict_writable(&self->nl, c.id, rec, HOSTSIG_VERDICT_AUTHENTIC,
					   (const uint64_t (*)[2])ranges,
					   HOSTSIG_MAX_WRITABLE + 1));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_PENDING, comp.u[HOSTSIG_A_COMP_STATE]);

	ASSERT_EQ(0, verdict_writable(&self->nl, c.id, rec, HOSTSIG_VERDICT_AUTHENTIC,
				      (const uint64_t (*)[2])ranges, HOSTSIG_MAX_WRITABLE));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	/* Page 2 is partly writable: still tracked. */
	EXPECT_EQ(IMAGE_PAGES, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);

	/* The first, a middle and the last range. */
	hs_guest_fill_pattern(&self->g, base + 2 * 4096, 2, 7);
	hs_guest_fill_pattern(&self->g, base + 2 * 4096 + 4 * 700, 2, 8);
	hs_guest_fill_pattern(&self->g, base + 3 * 4096 - 4, 2, 9);
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);

	/* The gap after the middle one. */
	hs_guest_fill_pattern(&self->g, base + 2 * 4096 + 4 * 700 + 2, 1, 10);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_TAMPERS]);
}

/*
 * Patch sites (the code the guest's kernel rewrites after a load: jump
 * labels, static calls, ftrace): a write inside one is not a tamper. It
 * raises a PATCHED event and, a moment later, a new capture whose verdict
 * decides; the state stays what it was until then. A write that reaches
 * past a site, or between two, is a tamper as before.
 */
TEST_F_TIMEOUT(track, patch_site_writes, SLOW_TEST_S)
{
	static const uint64_t sites[][2] = {
		{ 4096 + 100, 5 },	/* a 5-byte site: a jump label, a call */
		{ 4096 + 200, 2 },	/* a 2-byte jump label */
	};
	uint64_t rec, rec2, base, tampers0;
	struct hs_attrs comp;
	struct hs_comp c;

	rec = make_component(_metadata, self, &c, "patched");
	ASSERT_NE(0, rec);
	base = image_gva(&c);
	ASSERT_EQ(0, hs_nl_verdict_ranges(&self->nl, c.id, rec, HOSTSIG_VERDICT_AUTHENTIC,
				          NULL, 0, sites, 2));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(IMAGE_PAGES, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	tampers0 = stat_of(self, HOSTSIG_A_STATS_TAMPERS);

	/* The first site rewritten whole, then the second. */
	hs_guest_fill_pattern(&self->g, base + 4096 + 100, 5, 3);
	hs_guest_fill_pattern(&self->g, base + 4096 + 200, 2, 4);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_PATCHED, c.id, WAIT_MS));
	rec2 = wait_new_record(_metadata, self, c.id, rec);
	ASSERT_NE(0, rec2);
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_LE(2, comp.u[HOSTSIG_A_COMP_PATCHES]);
	EXPECT_EQ(tampers0, stat_of(self, HOSTSIG_A_STATS_TAMPERS));
	EXPECT_LE(2, stat_of(self, HOSTSIG_A_STATS_PATCHES));
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, c.id));
	/* Not MODIFIED: waiting for the new record's verdict. */
	EXPECT_EQ(HOSTSIG_STATE_PENDING, comp.u[HOSTSIG_A_COMP_STATE]);
	ASSERT_EQ(0, hs_nl_verdict_ranges(&self->nl, c.id, rec2, HOSTSIG_VERDICT_AUTHENTIC,
				          NULL, 0, sites, 2));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, comp.u[HOSTSIG_A_COMP_DECISION]);

	/* One byte past the first site, written with its last byte. */
	hs_guest_fill_pattern(&self->g, base + 4096 + 104, 2, 5);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(HOSTSIG_STATE_MODIFIED, comp.u[HOSTSIG_A_COMP_STATE]);
}

/*
 * What the guest wrote at a patch site is judged by the new verdict: one
 * that is not authentic is denied under enforce and, under quarantine,
 * stops the VM like any bad verdict.
 */
TEST_F_TIMEOUT(track, patch_site_judged_by_new_verdict, SLOW_TEST_S)
{
	static const uint64_t sites[][2] = { { 300, 5 } };
	struct hs_attrs comp, vm;
	uint64_t rec, rec2;
	struct hs_comp c;

	rec = make_component(_metadata, self, &c, "repatched");
	ASSERT_NE(0, rec);
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id,
				      HOSTSIG_MODE_QUARANTINE, -1, -1, false));
	ASSERT_EQ(0, hs_nl_verdict_ranges(&self->nl, c.id, rec, HOSTSIG_VERDICT_AUTHENTIC,
				          NULL, 0, sites, 1));
	hs_guest_fill_pattern(&self->g, image_gva(&c) + 300, 5, 6);
	rec2 = wait_new_record(_metadata, self, c.id, rec);
	ASSERT_NE(0, rec2);
	/* A patch is no reason to stop the VM by itself... */
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm_id, &vm));
	EXPECT_EQ(0, vm.u[HOSTSIG_A_VM_QUARANTINED]);
	/* ...a verdict that it made the code not authentic is. */
	ASSERT_EQ(0, hs_nl_verdict_ranges(&self->nl, c.id, rec2,
				          HOSTSIG_VERDICT_NOT_AUTHENTIC, NULL, 0, sites, 1));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, comp.u[HOSTSIG_A_COMP_DECISION]);
	EXPECT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_QUARANTINE, c.id, WAIT_MS));
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm_id, &vm));
	EXPECT_EQ(1, vm.u[HOSTSIG_A_VM_QUARANTINED]);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, c.id));
	hs_guest_abandon(&self->g);
}

/*
 * The capture a patch-site write sets off finds no room: the guest filled
 * its pending quota with a component nobody answers. It is tried again
 * until there is room, not dropped (which would leave the component judged
 * on the bytes it had before the write), once per patch_settle_ms and not
 * in a loop that holds a worker; meanwhile its state stays.
 */
TEST_F_TIMEOUT(track, patch_capture_retried_until_room, SLOW_TEST_S)
{
	static const uint64_t sites[][2] = { { 300, 5 } };
	uint64_t rec, rec2, brec, refused0, refused;
	struct hs_attrs comp;
	struct hs_comp c, b;

	ASSERT_EQ(0, hostsig_param_set("vm_max_pending_mib", 1));
	rec = make_component(_metadata, self, &c, "patched later");
	ASSERT_NE(0, rec);
	ASSERT_EQ(0, hs_nl_verdict_ranges(&self->nl, c.id, rec, HOSTSIG_VERDICT_AUTHENTIC,
				          NULL, 0, sites, 1));
	/* Leaves less of the quota than a copy of c needs. */
	hs_comp_make(&self->g, &b, "blocker", (1 << 20) - 8192, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &b));
	brec = get_comp(_metadata, self, b.id).u[HOSTSIG_A_COMP_RECORD_ID];

	/* Tries a second apart: a few in the second watched below, not a loop. */
	ASSERT_EQ(0, hostsig_param_set("patch_settle_ms", 1000));
	refused0 = stat_of(self, HOSTSIG_A_STATS_REFUSED_QUOTA);
	hs_guest_fill_pattern(&self->g, image_gva(&c) + 300, 5, 7);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_PATCHED, c.id, WAIT_MS));
	usleep(1000 * 1000);
	refused = stat_of(self, HOSTSIG_A_STATS_REFUSED_QUOTA) - refused0;
	TH_LOG("%lu tries refused", refused);
	EXPECT_LE(1, refused);
	EXPECT_GE(4, refused);
	/* Every try refused, the state as it was; one PATCHED event. */
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(rec, comp.u[HOSTSIG_A_COMP_RECORD_ID]);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(1, hs_events_count(self->ev, HOSTSIG_EVENT_PATCHED, c.id));

	/* The blocker answered: the next try goes through. */
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, b.id, brec, HOSTSIG_VERDICT_AUTHENTIC));
	rec2 = wait_new_record(_metadata, self, c.id, rec);
	ASSERT_NE(0, rec2);
	ASSERT_EQ(0, hs_nl_verdict_ranges(&self->nl, c.id, rec2, HOSTSIG_VERDICT_AUTHENTIC,
				          NULL, 0, sites, 1));
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, get_comp(_metadata, self, c.id).u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, c.id));
}

/* More patch sites than HOSTSIG_MAX_PATCH_SITES are refused, changing nothing. */
TEST_F_TIMEOUT(track, too_many_patch_sites, SLOW_TEST_S)
{
	static uint64_t sites[HOSTSIG_MAX_PATCH_SITES + 1][2];
	struct hs_attrs comp;
	struct hs_comp c;
	uint64_t rec;
	int i;

	nlmsg_set_default_size(256 * 1024);
	/* 74 KiB to send; the error's acknowledgment quotes all of it. */
	ASSERT_EQ(0, nl_socket_set_buffer_size(self->nl.sk, 512 * 1024, 512 * 1024));
	ASSERT_EQ(0, nl_socket_set_msg_buf_size(self->nl.sk, 256 * 1024));
	for (i = 0; i <= HOSTSIG_MAX_PATCH_SITES; i++) {
		sites[i][0] = i;
		sites[i][1] = 1;
	}
	rec = make_component(_metadata, self, &c, "crowded");
	ASSERT_NE(0, rec);
	EXPECT_EQ(-E2BIG, hs_nl_verdict_ranges(&self->nl, c.id, rec, HOSTSIG_VERDICT_AUTHENTIC,
					       NULL, 0, (const uint64_t (*)[2])sites,
					       HOSTSIG_MAX_PATCH_SITES + 1));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_PENDING, comp.u[HOSTSIG_A_COMP_STATE]);
	ASSERT_EQ(0, hs_nl_verdict_ranges(&self->nl, c.id, rec, HOSTSIG_VERDICT_AUTHENTIC,
				          NULL, 0, (const uint64_t (*)[2])sites,
				          HOSTSIG_MAX_PATCH_SITES));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
}

/*
 * The loader's file buffer (a FILE region) is freed and reused by the
 * guest once the load is over: later captures carry the bytes the first
 * one read, not what guest memory holds there by then.
 */
TEST_F_TIMEOUT(track, file_region_kept_for_later_captures, SLOW_TEST_S)
{
	const struct hostsig_record *r1, *r2;
	uint64_t file_gva, file_len = 2 * 4096 + 100, rec2;
	const uint8_t *now;
	uint8_t *first;
	struct hs_comp c;

	hs_comp_init(&c, "hsg_module");
	c.arg.hdr.format = HOSTSIG_FMT_ELF_MODULE;
	hs_comp_region(&self->g, &c, HOSTSIG_REGION_IMAGE, 0, 0, IMAGE_PAGES * 4096);
	hs_comp_region(&self->g, &c, HOSTSIG_REGION_FILE, 0, 0x40, file_len);
	file_gva = hs_arg_region(&c.arg, 1)->gva;
	ASSERT_LT(0, hs_comp_register(&self->g, &c));
	r1 = hs_ring_find(&self->ring, c.id, true);
	ASSERT_NE(NULL, r1) TH_LOG("%s", self->ring.why);
	ASSERT_EQ(HOSTSIG_REGION_FILE, r1->regions[1].kind);
	ASSERT_EQ(file_len, r1->regions[1].len);
	first = malloc(file_len);
	ASSERT_NE(NULL, first);
	memcpy(first, (const uint8_t *)r1 + r1->regions[1].offset, file_len);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, r1->record_id,
					  HOSTSIG_VERDICT_AUTHENTIC));

	/* The guest reuses the buffer (not tracked: no tamper)... */
	hs_guest_fill_pattern(&self->g, file_gva, file_len, 11);
	now = addr_gva2hva(self->g.vm, file_gva);
	ASSERT_NE(0, memcmp(first, now, file_len));
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, c.id));

	/* ...and a new capture still has the file as it was at the load. */
	ASSERT_EQ(0, hs_nl_reverify(&self->nl, c.id));
	rec2 = wait_new_record(_metadata, self, c.id, r1->record_id);
	ASSERT_NE(0, rec2);
	r2 = hs_ring_find_record(&self->ring, rec2);
	ASSERT_NE(NULL, r2);
	ASSERT_EQ(file_len, r2->regions[1].len);
	EXPECT_EQ(0, memcmp(first, (const uint8_t *)r2 + r2->regions[1].offset, file_len));
	free(first);
}

/* A region of a component as a test lays it out. */
struct layout {
	uint32_t kind, tag;
	uint64_t len;
	bool kept;		/* later captures carry the first one's bytes */
};

/* A component of @format with these regions, registered; its first record. */
static const struct hostsig_record *make_laid_out(struct __test_metadata *_metadata,
						  FIXTURE_DATA(track) *self,
						  struct hs_comp *c, uint32_t format,
						  const char *name,
						  const struct layout *layout, int nr)
{
	const struct hostsig_record *r;
	int i;

	hs_comp_init(c, name);
	c->arg.hdr.format = format;
	for (i = 0; i < nr; i++)
		hs_comp_region(&self->g, c, layout[i].kind, layout[i].tag,
			       0x40 * i, layout[i].len);
	if (hs_comp_register(&self->g, c) <= 0) {
		TH_LOG("REGISTER of %s: %ld", name, c->id);
		return NULL;
	}
	r = hs_ring_find(&self->ring, c->id, true);
	if (!r)
		TH_LOG("no record for %s: %s", name, self->ring.why);
	return r;
}

/* The bytes of region @i of a record. */
static const uint8_t *region_bytes(const struct hostsig_record *r, int i)
{
	return (const uint8_t *)r + r->regions[i].offset;
}

/*
 * The host rewrites every region of the component in guest memory (none
 * of it is a guest write, and the caller's verdict made it writable or
 * gave none: nothing is reported), then captures it again:
 * the new record has the first capture's bytes for the regions the guest
 * frees after the load and the new bytes for the others. Returns the new
 * record.
 */
static const struct hostsig_record *
rewrite_and_recapture(struct __test_metadata *_metadata, FIXTURE_DATA(track) *self,
		      struct hs_comp *c, const struct hostsig_record *r1,
		      const struct layout *layout, int nr)
{
	const struct hostsig_record *r2;
	uint8_t *first[HOSTSIG_MAX_REGIONS], *now[HOSTSIG_MAX_REGIONS];
	uint64_t rec2;
	int i;

	for (i = 0; i < nr; i++) {
		const struct hostsig_region *reg = hs_arg_region(&c->arg, i);

		first[i] = malloc(reg->len);
		now[i] = malloc(reg->len);
		if (!first[i] || !now[i])
			return NULL;
		memcpy(first[i], region_bytes(r1, i), reg->len);
		hs_pattern_fill(now[i], 1000 + i, 0, reg->len);
		hs_write(&self->g, reg->gva, now[i], reg->len);
	}
	EXPECT_EQ(0, hs_nl_reverify(&self->nl, c->id));
	rec2 = wait_new_record(_metadata, self, c->id, r1->record_id);
	r2 = rec2 ? hs_ring_find_record(&self->ring, rec2) : NULL;
	EXPECT_NE(NULL, r2);
	for (i = 0; r2 && i < nr; i++) {
		const struct hostsig_region *reg = hs_arg_region(&c->arg, i);

		ASSERT_EQ(reg->len, r2->regions[i].len);
		ASSERT_NE(0, memcmp(first[i], now[i], reg->len));
		EXPECT_EQ(0, memcmp(layout[i].kept ? first[i] : now[i],
				    region_bytes(r2, i), reg->len))
			TH_LOG("region %d (kind %u tag %u): expected the %s bytes", i,
			       layout[i].kind, layout[i].tag,
			       layout[i].kept ? "first capture's" : "new");
	}
	for (i = 0; i < nr; i++) {
		free(first[i]);
		free(now[i]);
	}
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, c->id));
	return r2;
}

/*
 * What the guest frees once a load is over is read only by the first
 * capture (the load): a kernel module's FILE (the loader's buffer), a
 * SIGNATURE block, and its init allocations (which hold its full symbol
 * table) once the guest released them (INIT_DONE). Later captures carry
 * those bytes and read the rest again: the host rewrites every region in
 * guest memory, REVERIFY, and the new record has the old bytes for FILE,
 * SIGNATURE and init and the new bytes for the core allocations. A PE
 * image is read again whatever its tag; its signature block is kept.
 */
static int verdict_regions_writable(FIXTURE_DATA(track) *self, struct hs_comp *c,
				    uint64_t record, uint32_t verdict,
				    const uint32_t *regions, int nr);

TEST_F_TIMEOUT(track, freed_regions_kept_for_later_captures, SLOW_TEST_S)
{
	static const struct layout elf[] = {
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_TEXT, 2 * 4096 + 512, false },
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_INIT_TEXT, 4096 + 100, true },
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_DATA, 300, false },
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_INIT_DATA, 300, true },
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_RODATA, 4096, false },
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_INIT_RODATA, 4096, true },
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_RO_AFTER_INIT, 64, false },
		{ HOSTSIG_REGION_SIGNATURE, 0, 700, true },
		{ HOSTSIG_REGION_FILE, 0, 3 * 4096 + 10, true },
	};
	static const struct layout pe[] = {
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_INIT_TEXT, 2 * 4096, false },
		{ HOSTSIG_REGION_SIGNATURE, 0, 900, true },
		{ HOSTSIG_REGION_TAIL, 0, 200, false },
	};
	const struct hostsig_record *r1;
	struct hs_comp c, p;

	/*
	 * Every IMAGE region writable: the host's rewrite of guest memory is
	 * no tamper then, for tracking or for the integrity scrub that
	 * REVERIFY runs (which reports a judged component's changed bytes).
	 */
	static const uint32_t elf_image[] = { 0, 1, 2, 3, 4, 5, 6 }, pe_image[] = { 0 };

	r1 = make_laid_out(_metadata, self, &c, HOSTSIG_FMT_ELF_MODULE, "hsg_kept",
			   elf, ARRAY_SIZE(elf));
	ASSERT_NE(NULL, r1);
	ASSERT_EQ(0, verdict_regions_writable(self, &c, r1->record_id,
					      HOSTSIG_VERDICT_AUTHENTIC, elf_image,
					      ARRAY_SIZE(elf_image)));
	ASSERT_EQ(0, hs_init_done(&self->g, c.id));
	ASSERT_NE(NULL, rewrite_and_recapture(_metadata, self, &c, r1, elf,
					      ARRAY_SIZE(elf)));

	r1 = make_laid_out(_metadata, self, &p, HOSTSIG_FMT_PE, "pe_kept",
			   pe, ARRAY_SIZE(pe));
	ASSERT_NE(NULL, r1);
	ASSERT_EQ(0, verdict_regions_writable(self, &p, r1->record_id,
					      HOSTSIG_VERDICT_UNKNOWN, pe_image,
					      ARRAY_SIZE(pe_image)));
	ASSERT_NE(NULL, rewrite_and_recapture(_metadata, self, &p, r1, pe,
					      ARRAY_SIZE(pe)));
}

/* Capture a component again (REVERIFY); its new record. */
static const struct hostsig_record *reverify(struct __test_metadata *_metadata,
					     FIXTURE_DATA(track) *self, uint64_t id,
					     uint64_t old)
{
	uint64_t rec;

	if (hs_nl_reverify(&self->nl, id))
		return NULL;
	rec = wait_new_record(_metadata, self, id, old);
	return rec ? hs_ring_find_record(&self->ring, rec) : NULL;
}

/* A VERDICT naming whole IMAGE regions (their indexes) writable. */
static int verdict_regions_writable(FIXTURE_DATA(track) *self, struct hs_comp *c,
				    uint64_t record, uint32_t verdict,
				    const uint32_t *regions, int nr)
{
	struct nl_msg *msg = hs_nl_msg(&self->nl, HOSTSIG_CMD_VERDICT, false);
	int i;

	nla_put_u64(msg, HOSTSIG_A_COMP_ID, c->id);
	nla_put_u64(msg, HOSTSIG_A_COMP_RECORD_ID, record);
	nla_put_u32(msg, HOSTSIG_A_COMP_VERDICT, verdict);
	nla_put_string(msg, HOSTSIG_A_COMP_REASON, "test");
	for (i = 0; i < nr; i++) {
		struct nlattr *nest = nla_nest_start(msg, HOSTSIG_A_COMP_WRITABLE);

		nla_put_u32(msg, HOSTSIG_A_RANGE_REGION, regions[i]);
		nla_put_u64(msg, HOSTSIG_A_RANGE_OFFSET, 0);
		nla_put_u64(msg, HOSTSIG_A_RANGE_LEN,
			    hs_arg_region(&c->arg, regions[i])->len);
		nla_nest_end(msg, nest);
	}
	return hs_nl_exec(&self->nl, msg, NULL, NULL);
}

/*
 * A kernel module's init allocations stay tracked after its verdict (which
 * names its .init.data writable, not its init code) until the guest says
 * its init is over: a guest that rewrites .init.text between the verdict
 * and the init call is caught (a tamper event), and the capture that
 * follows reads the init code as it is now, so its verdict is not
 * AUTHENTIC. After INIT_DONE the init pages are not tracked (the guest
 * frees and reuses them) and captures carry what the load's capture read
 * there. INIT_DONE again is harmless; of no such component, ENOENT.
 */
TEST_F_TIMEOUT(track, init_tracked_until_init_done, SLOW_TEST_S)
{
	static const struct layout elf[] = {
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_TEXT, 2 * 4096, false },
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_INIT_TEXT, 2 * 4096, true },
		{ HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_INIT_DATA, 4096, true },
		{ HOSTSIG_REGION_FILE, 0, 4096, true },
	};
	static const uint32_t init_data[] = { 2 };
	const struct hostsig_record *r1, *r2;
	uint64_t init_text, rec2;
	struct hs_attrs comp;
	struct hs_comp c, e;
	uint8_t now[64];

	/* The attack: the init code is changed after ALLOW. */
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, -1,
				      false));
	r1 = make_laid_out(_metadata, self, &c, HOSTSIG_FMT_ELF_MODULE, "hsg_init",
			   elf, ARRAY_SIZE(elf));
	ASSERT_NE(NULL, r1);
	ASSERT_EQ(0, verdict_regions_writable(self, &c, r1->record_id,
					      HOSTSIG_VERDICT_AUTHENTIC, init_data, 1));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));
	/* Text and init text (at 0x40: 3 pages), not the writable .init.data. */
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(5, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	init_text = hs_arg_region(&c.arg, 1)->gva;
	hs_guest_fill_pattern(&self->g, init_text + 4096 + 16, 8, 0xbad);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS));
	EXPECT_EQ(HOSTSIG_STATE_MODIFIED, HOSTSIG_QUERY_STATE(hs_query(&self->g, c.id)));
	rec2 = wait_new_record(_metadata, self, c.id, r1->record_id);
	ASSERT_NE(0, rec2);
	r2 = hs_ring_find_record(&self->ring, rec2);
	ASSERT_NE(NULL, r2);
	/* The new record has the changed init code: a verifier refuses it. */
	hs_read(&self->g, init_text + 4096, now, sizeof(now));
	EXPECT_EQ(0, memcmp(region_bytes(r2, 1) + 4096, now, sizeof(now)));
	EXPECT_NE(0, memcmp(region_bytes(r1, 1) + 4096, now, sizeof(now)));
	ASSERT_EQ(0, verdict_regions_writable(self, &c, rec2,
					      HOSTSIG_VERDICT_NOT_AUTHENTIC,
					      init_data, 1));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, comp.u[HOSTSIG_A_COMP_DECISION]);

	/* The ordinary course: init runs, INIT_DONE, the guest frees it. */
	r1 = make_laid_out(_metadata, self, &e, HOSTSIG_FMT_ELF_MODULE, "hsg_live",
			   elf, ARRAY_SIZE(elf));
	ASSERT_NE(NULL, r1);
	ASSERT_EQ(0, verdict_regions_writable(self, &e, r1->record_id,
					      HOSTSIG_VERDICT_AUTHENTIC, init_data, 1));
	ASSERT_EQ(0, hs_init_done(&self->g, e.id));
	comp = get_comp(_metadata, self, e.id);
	EXPECT_EQ(2, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	EXPECT_EQ(0, hs_init_done(&self->g, e.id));
	EXPECT_EQ(-HOSTSIG_ENOENT, hs_init_done(&self->g, e.id + 1000));
	init_text = hs_arg_region(&e.arg, 1)->gva;
	hs_guest_fill_pattern(&self->g, init_text, 2 * 4096, 0xf7ee);
	hs_events_pump(self->ev, 200);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, e.id));
	comp = get_comp(_metadata, self, e.id);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	r2 = reverify(_metadata, self, e.id, r1->record_id);
	ASSERT_NE(NULL, r2);
	EXPECT_EQ(0, memcmp(region_bytes(r1, 1), region_bytes(r2, 1), 2 * 4096));
	EXPECT_EQ(0, memcmp(region_bytes(r1, 2), region_bytes(r2, 2), 4096));
	/* Its core code is still guarded. */
	ASSERT_EQ(0, verdict_regions_writable(self, &e, r2->record_id,
					      HOSTSIG_VERDICT_AUTHENTIC, init_data, 1));
	comp = get_comp(_metadata, self, e.id);
	EXPECT_EQ(2, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	hs_guest_fill_pattern(&self->g, hs_arg_region(&e.arg, 0)->gva, 8, 0xbad);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, e.id, WAIT_MS));
}

/*
 * HOSTSIG_REC_F_LOAD_VERIFIED tells the verifier that a component's first
 * record, the capture of its load, was answered AUTHENTIC. It is set in
 * every later record of such a component (REVERIFY or a write), whatever
 * the later verdicts, and never otherwise: not in the first record, not
 * after a first verdict UNKNOWN or NOT_AUTHENTIC, not after a later
 * AUTHENTIC.
 */
TEST_F_TIMEOUT(track, later_records_say_load_verified, SLOW_TEST_S)
{
	static const uint32_t first[] = {
		HOSTSIG_VERDICT_AUTHENTIC,
		HOSTSIG_VERDICT_UNKNOWN,
		HOSTSIG_VERDICT_NOT_AUTHENTIC,
	};
	const uint32_t flag = HOSTSIG_REC_F_LOAD_VERIFIED;
	const struct hostsig_record *r1, *r2, *r3;
	struct hs_comp c[ARRAY_SIZE(first)];
	uint64_t rec;
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(first); i++) {
		uint32_t want = first[i] == HOSTSIG_VERDICT_AUTHENTIC ? flag : 0;

		rec = make_component(_metadata, self, &c[i], "flagged");
		ASSERT_NE(0, rec);
		r1 = hs_ring_find_record(&self->ring, rec);
		ASSERT_NE(NULL, r1);
		EXPECT_EQ(0, r1->arg_flags);
		ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c[i].id, rec, first[i]));

		r2 = reverify(_metadata, self, c[i].id, rec);
		ASSERT_NE(NULL, r2);
		EXPECT_EQ(want, r2->arg_flags) TH_LOG("first verdict %u", first[i]);

		/* A later verdict changes nothing, either way. */
		ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c[i].id, r2->record_id,
						  first[i] == HOSTSIG_VERDICT_AUTHENTIC ?
						  HOSTSIG_VERDICT_NOT_AUTHENTIC :
						  HOSTSIG_VERDICT_AUTHENTIC));
		r3 = reverify(_metadata, self, c[i].id, r2->record_id);
		ASSERT_NE(NULL, r3);
		EXPECT_EQ(want, r3->arg_flags) TH_LOG("first verdict %u", first[i]);

		/* A capture after a write says the same. */
		ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c[i].id, r3->record_id,
						  HOSTSIG_VERDICT_AUTHENTIC));
		hs_guest_fill_pattern(&self->g, image_gva(&c[i]) + 16, 8, 77);
		ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER,
					       c[i].id, WAIT_MS));
		rec = wait_new_record(_metadata, self, c[i].id, r3->record_id);
		ASSERT_NE(0, rec);
		r2 = hs_ring_find_record(&self->ring, rec);
		ASSERT_NE(NULL, r2);
		EXPECT_EQ(want, r2->arg_flags) TH_LOG("first verdict %u", first[i]);
	}
}

/*
 * Load the module again with these parameters, with a fresh ring, netlink
 * socket and events subscription; the guest stays (the module forgets it).
 */
static void reload_module(struct __test_metadata *_metadata,
			  FIXTURE_DATA(track) *self, const char *params)
{
	hs_events_close(self->ev);
	hs_ring_close(&self->ring);
	hs_nl_close(&self->nl);
	ASSERT_EQ(0, hostsig_module_reload(params));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	ASSERT_EQ(0, hs_events_open(self->ev));
}

/* The latest event of this kind about this component, or NULL. */
static const struct hs_attrs *last_event(struct hs_events *e, uint32_t event,
					 uint64_t id)
{
	int i;

	hs_events_pump(e, 0);
	for (i = e->n - 1; i >= 0; i--)
		if (e->ev[i].u[HOSTSIG_A_COMP_EVENT] == event &&
		    e->ev[i].u[HOSTSIG_A_COMP_ID] == id)
			return &e->ev[i];
	return NULL;
}

/*
 * A verdict for bytes copied before a write never clears MODIFIED. The
 * component was verified once and is being verified again; the ring has
 * no room for the capture the write sets off, so the component still
 * waits for its second record when that record's verdict (AUTHENTIC, as
 * it was before the write) arrives: refused as stale, the component stays
 * MODIFIED and denied. A capture made after the write is answered
 * as usual; the write stays in the component's history.
 */
TEST_F_TIMEOUT(track, stale_verdict_never_clears_modified, SLOW_TEST_S)
{
	struct hs_attrs comp;
	struct hs_comp c;
	uint64_t rec0, rec1, rec2;

	reload_module(_metadata, self, "ring_size_mib=1");
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, -1,
				      false));
	hs_comp_make(&self->g, &c, "stale", 600 * 1024, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &c));
	comp = get_comp(_metadata, self, c.id);
	rec0 = comp.u[HOSTSIG_A_COMP_RECORD_ID];
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_HISTORY]);
	/* Verified (a write before any verdict is no tamper), then again. */
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec0,
					  HOSTSIG_VERDICT_AUTHENTIC));
	ASSERT_EQ(0, hs_ring_release(&self->ring, rec0));
	ASSERT_EQ(0, hs_nl_reverify(&self->nl, c.id));
	rec1 = wait_new_record(_metadata, self, c.id, rec0);
	ASSERT_NE(0, rec1);

	hs_guest_fill_pattern(&self->g, image_gva(&c) + 4096, 8, 0xbad);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS));
	/* The capture of the write found no room: still waiting for rec1. */
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_RING_FULL, c.id, WAIT_MS));
	comp = get_comp(_metadata, self, c.id);
	ASSERT_EQ(rec1, comp.u[HOSTSIG_A_COMP_RECORD_ID]);

	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, c.id, rec1,
						HOSTSIG_VERDICT_AUTHENTIC));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_MODIFIED, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, comp.u[HOSTSIG_A_COMP_DECISION]);
	EXPECT_EQ(HOSTSIG_HISTORY_MODIFIED, comp.u[HOSTSIG_A_COMP_HISTORY]);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));

	/* Room again: a capture of the bytes as they are now decides. */
	ASSERT_EQ(0, hs_ring_release(&self->ring, rec1));
	ASSERT_EQ(0, hs_nl_reverify(&self->nl, c.id));
	rec2 = wait_new_record(_metadata, self, c.id, rec1);
	ASSERT_NE(0, rec2);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec2,
					  HOSTSIG_VERDICT_AUTHENTIC));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(HOSTSIG_HISTORY_MODIFIED, comp.u[HOSTSIG_A_COMP_HISTORY]);
}

/*
 * Write, run, restore: the guest changes its code, and puts the old bytes
 * back. The capture of the changed code waits for a verdict when the
 * restore lands: its verdict is refused as stale. The capture of the
 * restored code is AUTHENTIC, and under the default policy the component
 * is allowed again, but its history says it was written to, in
 * GET_COMPONENT and in its events; with tampered=deny it stays denied.
 * A component once NOT_AUTHENTIC keeps that in its history the same way.
 */
TEST_F_TIMEOUT(track, write_run_restore_stays_in_history, SLOW_TEST_S)
{
	const struct hs_attrs *ev;
	uint64_t rec1, rec2, rec3, target, saved;
	struct hs_attrs comp;
	struct hs_comp c, d;
	uint8_t old[8];

	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, -1,
				      false));
	rec1 = make_component(_metadata, self, &c, "restored");
	ASSERT_NE(0, rec1);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec1,
					  HOSTSIG_VERDICT_AUTHENTIC));
	target = image_gva(&c) + 4096 + 200;
	hs_read(&self->g, target, old, sizeof(old));
	saved = hs_alloc(&self->g, 4096);
	hs_write(&self->g, saved, old, sizeof(old));

	/* Write... */
	hs_guest_fill_pattern(&self->g, target, sizeof(old), 0xbad);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS));
	rec2 = wait_new_record(_metadata, self, c.id, rec1);
	ASSERT_NE(0, rec2);
	/* ...run, restore. */
	hs_guest_copy(&self->g, target, saved, sizeof(old));
	rec3 = wait_new_record(_metadata, self, c.id, rec2);
	ASSERT_NE(0, rec3);
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, c.id, rec2,
						HOSTSIG_VERDICT_NOT_AUTHENTIC));
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec3,
					  HOSTSIG_VERDICT_AUTHENTIC));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, comp.u[HOSTSIG_A_COMP_DECISION]);
	EXPECT_EQ(HOSTSIG_HISTORY_MODIFIED, comp.u[HOSTSIG_A_COMP_HISTORY]);
	ev = hs_events_wait(self->ev, HOSTSIG_EVENT_VERDICT, c.id, WAIT_MS);
	ASSERT_NE(NULL, ev);
	/* The first verdict event came before the write. */
	EXPECT_EQ(0, ev->u[HOSTSIG_A_COMP_HISTORY]);
	EXPECT_EQ(2, hs_events_count(self->ev, HOSTSIG_EVENT_VERDICT, c.id));
	ev = last_event(self->ev, HOSTSIG_EVENT_VERDICT, c.id);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(HOSTSIG_HISTORY_MODIFIED, ev->u[HOSTSIG_A_COMP_HISTORY]);

	/* Once NOT_AUTHENTIC, AUTHENTIC again. */
	rec1 = make_component(_metadata, self, &d, "forgiven");
	ASSERT_NE(0, rec1);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, d.id, rec1,
					  HOSTSIG_VERDICT_NOT_AUTHENTIC));
	ASSERT_EQ(0, hs_nl_reverify(&self->nl, d.id));
	rec2 = wait_new_record(_metadata, self, d.id, rec1);
	ASSERT_NE(0, rec2);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, d.id, rec2,
					  HOSTSIG_VERDICT_AUTHENTIC));
	comp = get_comp(_metadata, self, d.id);
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, comp.u[HOSTSIG_A_COMP_DECISION]);
	EXPECT_EQ(HOSTSIG_HISTORY_NOT_AUTHENTIC, comp.u[HOSTSIG_A_COMP_HISTORY]);

	/* The operator keeps both denied; audit still allows everything. */
	ASSERT_EQ(0, hs_nl_set_tampered(&self->nl, NULL, HOSTSIG_TAMPERED_DENY));
	EXPECT_EQ(HOSTSIG_DECISION_DENY, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, HOSTSIG_QUERY_STATE(hs_query(&self->g, c.id)));
	EXPECT_EQ(HOSTSIG_DECISION_DENY, HOSTSIG_QUERY_DECISION(hs_query(&self->g, d.id)));
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_AUDIT, -1, -1,
				      false));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, -1,
				      false));
	ASSERT_EQ(0, hs_nl_set_tampered(&self->nl, NULL, HOSTSIG_TAMPERED_REVERIFY));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));
}

/*
 * Quarantine is decided when the write is seen: the writing vCPU does not
 * run another instruction (the KVM_RUN that made the write fails with
 * EIO), and the verdict for the record copied before the write, arriving
 * late, is refused and changes nothing.
 */
TEST_F_TIMEOUT(track, quarantine_decided_at_tamper_time, SLOW_TEST_S)
{
	const struct hs_attrs *q;
	struct hs_guest_cmd *cmd;
	struct sched_param fifo = { .sched_priority = 1 }, other = { 0 };
	uint8_t before[8], after[8];
	struct hs_attrs vm, comp;
	uint64_t rec, target;
	struct hs_comp c;
	int ret, err;

	rec = make_component(_metadata, self, &c, "caught");
	ASSERT_NE(0, rec);
	/* Verified (a write before any verdict is no tamper), then again. */
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec,
					  HOSTSIG_VERDICT_AUTHENTIC));
	ASSERT_EQ(0, hs_nl_reverify(&self->nl, c.id));
	rec = wait_new_record(_metadata, self, c.id, rec);
	ASSERT_NE(0, rec);
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id,
				      HOSTSIG_MODE_QUARANTINE, -1, -1, false));

	/* Two 8-byte stores: the first is seen, the second must never run. */
	target = image_gva(&c) + 2 * 4096 + 8;
	hs_read(&self->g, target + 8, before, sizeof(before));
	cmd = addr_gva2hva(self->g.vm, (vm_vaddr_t)&hs_guest_cmd);
	cmd->op = HS_OP_FILL;
	cmd->arg[0] = target;
	cmd->arg[1] = 16;
	cmd->arg[2] = 9;
	/*
	 * Nothing else runs on this CPU while the vCPU does (a work item that
	 * stops the VM later would come too late).
	 */
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_FIFO, &fifo));
	ret = __vcpu_run(self->g.vcpu);
	err = errno;
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_OTHER, &other));
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EIO, err);
	hs_read(&self->g, target + 8, after, sizeof(after));
	EXPECT_EQ(0, memcmp(before, after, sizeof(before)));

	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, c.id, rec,
						HOSTSIG_VERDICT_AUTHENTIC));
	q = hs_events_wait(self->ev, HOSTSIG_EVENT_QUARANTINE, c.id, WAIT_MS);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(HOSTSIG_STATE_MODIFIED, q->u[HOSTSIG_A_COMP_STATE]);
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm_id, &vm));
	EXPECT_EQ(1, vm.u[HOSTSIG_A_VM_QUARANTINED]);
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(HOSTSIG_STATE_MODIFIED, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(1, hs_events_count(self->ev, HOSTSIG_EVENT_QUARANTINE, 0));
	hs_guest_abandon(&self->g);
}

/*
 * Under quarantine, a write to an allowed component stops the VM: the vCPU
 * that wrote may not even get back to us, every KVM_RUN after fails.
 */
TEST_F_TIMEOUT(track, quarantine_on_tamper, SLOW_TEST_S)
{
	struct hs_guest_cmd *cmd;
	struct hs_attrs vm;
	struct hs_comp c;
	uint64_t rec;
	int i, ret = 0;

	rec = make_component(_metadata, self, &c, "guarded");
	ASSERT_NE(0, rec);
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id,
				      HOSTSIG_MODE_QUARANTINE, -1, -1, false));
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec,
					  HOSTSIG_VERDICT_AUTHENTIC));

	cmd = addr_gva2hva(self->g.vm, (vm_vaddr_t)&hs_guest_cmd);
	cmd->op = HS_OP_FILL;
	cmd->arg[0] = image_gva(&c) + 100;
	cmd->arg[1] = 8;
	cmd->arg[2] = 7;
	/* Run the write, then the guest's loop, until KVM refuses. */
	for (i = 0; i < 1000 && ret == 0; i++) {
		ret = __vcpu_run(self->g.vcpu);
		if (!ret) {
			/* A ucall: the write is done; ask for QUERY next. */
			vcpu_run_complete_io(self->g.vcpu);
			cmd->op = HS_OP_HYPERCALL;
			cmd->arg[0] = HOSTSIG_HC_QUERY;
			cmd->arg[1] = c.id;
		}
	}
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EIO, errno);

	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_QUARANTINE, 0, WAIT_MS));
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS));
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm_id, &vm));
	EXPECT_EQ(1, vm.u[HOSTSIG_A_VM_QUARANTINED]);
	hs_guest_abandon(&self->g);
}

/* Map @npages fresh guest virtual pages, every one onto guest physical @gpa. */
static uint64_t map_aliases(FIXTURE_DATA(track) *self, uint64_t gpa,
			    uint64_t npages)
{
	uint64_t gva = hs_gva_reserve(&self->g, npages), i;

	for (i = 0; i < npages; i++) {
		virt_pg_map(self->g.vm, gva + i * 4096, gpa);
		sparsebit_set(self->g.vm->vpages_mapped, (gva >> 12) + i);
	}
	return gva;
}

/* REGISTER an image of @npages pages at @gva; REGISTER's answer. */
static int64_t register_image(FIXTURE_DATA(track) *self, struct hs_comp *c,
			      const char *name, uint64_t gva, uint64_t npages)
{
	hs_comp_init(c, name);
	hs_arg_add(&c->arg, HOSTSIG_REGION_IMAGE, 0, gva, npages * 4096);
	return hs_comp_register(&self->g, c);
}

/*
 * A guest maps one physical page at many virtual addresses and registers
 * the aliases as images. The host tracks the page once in KVM however many
 * component pages lie on it (TRACKED_PAGES counts KVM's pages), so KVM's
 * 16-bit per-page counter cannot be pushed over; a component may alias a
 * page HOSTSIG_MAX_ALIASES (16) times and a VM may put 64 tracked pages on
 * one page: beyond that REGISTER says E2BIG and nothing is tracked. A
 * write through any alias is one tamper for each component on the page.
 */
TEST_F_TIMEOUT(track, aliases_of_one_page_tracked_once, SLOW_TEST_S)
{
	uint64_t gpa, gva, tracked0, refused0;
	struct hs_comp c[4], big, over;
	struct hs_attrs comp;
	int i;

	gpa = vm_phy_pages_alloc(self->g.vm, 1, HS_GPA_BASE, HS_MEMSLOT);
	gva = map_aliases(self, gpa, 4096);
	tracked0 = stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES);
	refused0 = stat_of(self, HOSTSIG_A_STATS_REFUSED_2BIG);

	/* 16 MiB of one page; then one alias more than a component may have. */
	EXPECT_EQ(-HOSTSIG_E2BIG, register_image(self, &big, "big", gva, 4096));
	EXPECT_EQ(-HOSTSIG_E2BIG, register_image(self, &big, "17", gva, 17));
	EXPECT_EQ(tracked0, stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES));
	EXPECT_EQ(refused0 + 2, stat_of(self, HOSTSIG_A_STATS_REFUSED_2BIG));

	/* Four components of 16 aliases each: 64 users, one KVM page. */
	for (i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "alias%d", i);
		ASSERT_LT(0, register_image(self, &c[i], name,
					    gva + i * 16 * 4096, 16));
		comp = get_comp(_metadata, self, c[i].id);
		EXPECT_EQ(16, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
		EXPECT_EQ(tracked0 + 1, stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES));
		ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c[i].id,
						  comp.u[HOSTSIG_A_COMP_RECORD_ID],
						  HOSTSIG_VERDICT_AUTHENTIC));
	}
	/* A 65th user of the page. */
	EXPECT_EQ(-HOSTSIG_E2BIG, register_image(self, &over, "over",
						 gva + 64 * 4096, 1));
	EXPECT_EQ(tracked0 + 1, stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES));

	/* One write, through an alias nobody registered. */
	hs_guest_fill_pattern(&self->g, gva + 1000 * 4096 + 64, 8, 9);
	for (i = 0; i < 4; i++) {
		ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER,
					       c[i].id, WAIT_MS));
		comp = get_comp(_metadata, self, c[i].id);
		EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_TAMPERS]);
		EXPECT_EQ(gpa + 64, comp.u[HOSTSIG_A_COMP_TAMPER_GPA]);
	}

	/* The page stays tracked while one of them is left. */
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, hs_unregister(&self->g, c[i].id));
		EXPECT_EQ(tracked0 + (i < 3), stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES));
	}
}

/* UNREGISTER ends tracking: the pages are free again, writes are nobody's. */
TEST_F_TIMEOUT(track, unregister_ends_tracking, SLOW_TEST_S)
{
	uint64_t rec, tracked0, tampers0;
	struct hs_comp c;

	tracked0 = stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES);
	rec = make_component(_metadata, self, &c, "leaving");
	ASSERT_NE(0, rec);
	EXPECT_EQ(tracked0 + IMAGE_PAGES, stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES));
	ASSERT_EQ(0, hs_unregister(&self->g, c.id));
	EXPECT_EQ(tracked0, stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES));
	tampers0 = stat_of(self, HOSTSIG_A_STATS_TAMPERS);
	hs_guest_fill_pattern(&self->g, image_gva(&c), 4096, 8);
	hs_events_pump(self->ev, 200);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, c.id));
	EXPECT_EQ(tampers0, stat_of(self, HOSTSIG_A_STATS_TAMPERS));
}

/* A memslot of its own (@slot at @gpa, @npages), mapped at fresh addresses. */
static uint64_t map_own_slot(FIXTURE_DATA(track) *self, uint32_t slot,
			     uint64_t gpa, uint64_t npages, uint32_t flags)
{
	uint64_t gva = hs_gva_reserve(&self->g, npages), i;

	vm_userspace_mem_region_add(self->g.vm, VM_MEM_SRC_ANONYMOUS, gpa, slot,
				    npages, flags);
	TEST_ASSERT(vm_phy_pages_alloc(self->g.vm, npages, gpa, slot) == gpa,
		    "memslot %u not at 0x%lx", slot, (unsigned long)gpa);
	for (i = 0; i < npages; i++) {
		virt_pg_map(self->g.vm, gva + i * 4096, gpa + i * 4096);
		sparsebit_set(self->g.vm->vpages_mapped, (gva >> 12) + i);
	}
	return gva;
}

#define OWN_SLOT	2
#define OWN_GPA		0x80000000ull

/*
 * The guest has its VMM delete the memslot under a verified component
 * (a PCI BAR with RAM behind it, say) to write there unseen once it is
 * back: KVM drops its tracking with the memslot, so hostsig takes the
 * memslot's going as a write to every page of it that it tracked. The
 * component is MODIFIED and denied, with one tamper event at its first page.
 */
TEST_F_TIMEOUT(track, memslot_removed_is_tamper, SLOW_TEST_S)
{
	uint64_t gva, tampers0;
	struct hs_attrs comp;
	struct hs_comp c;

	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, 0,
				      false));
	gva = map_own_slot(self, OWN_SLOT, OWN_GPA, IMAGE_PAGES, 0);
	ASSERT_LT(0, register_image(self, &c, "on-bar", gva, IMAGE_PAGES));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(IMAGE_PAGES, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id,
					  comp.u[HOSTSIG_A_COMP_RECORD_ID],
					  HOSTSIG_VERDICT_AUTHENTIC));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));
	tampers0 = stat_of(self, HOSTSIG_A_STATS_TAMPERS);

	vm_mem_region_delete(self->g.vm, OWN_SLOT);

	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(OWN_GPA, comp.u[HOSTSIG_A_COMP_TAMPER_GPA]);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	EXPECT_NE(0, comp.u[HOSTSIG_A_COMP_HISTORY] & HOSTSIG_HISTORY_MODIFIED);
	EXPECT_EQ(tampers0 + 1, stat_of(self, HOSTSIG_A_STATS_TAMPERS));
	EXPECT_EQ(HOSTSIG_STATE_MODIFIED, HOSTSIG_QUERY_STATE(hs_query(&self->g, c.id)));
	EXPECT_EQ(HOSTSIG_DECISION_DENY, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));
}

/*
 * The same before any verdict: no tamper (nothing was judged yet), but
 * the record copied while the memslot was there is stale, so no verdict
 * can make what the guest puts there later AUTHENTIC.
 */
TEST_F_TIMEOUT(track, memslot_removed_before_verdict_is_stale, SLOW_TEST_S)
{
	struct hs_attrs comp;
	struct hs_comp c;
	uint64_t gva;

	gva = map_own_slot(self, OWN_SLOT, OWN_GPA, IMAGE_PAGES, 0);
	ASSERT_LT(0, register_image(self, &c, "early", gva, IMAGE_PAGES));
	comp = get_comp(_metadata, self, c.id);
	vm_mem_region_delete(self->g.vm, OWN_SLOT);
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, c.id,
						comp.u[HOSTSIG_A_COMP_RECORD_ID],
						HOSTSIG_VERDICT_AUTHENTIC));
	hs_events_pump(self->ev, 200);
	EXPECT_EQ(0, hs_events_count(self->ev, HOSTSIG_EVENT_TAMPER, c.id));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	EXPECT_NE(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));
}

/*
 * The same where all the component has on the page is one patch site: the
 * memslot's going is still a tamper, not a patch (a patch only sets off a
 * new capture, which cannot read the page, and the component would stay
 * AUTHENTIC while the guest puts anything back there).
 */
TEST_F_TIMEOUT(track, memslot_removed_under_patch_site_is_tamper, SLOW_TEST_S)
{
	const uint64_t site[][2] = { { 0, 5 } };
	struct hs_attrs comp;
	struct hs_comp c;
	uint64_t gva;

	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE, -1, 0,
				      false));
	gva = map_own_slot(self, OWN_SLOT, OWN_GPA, 1, 0);
	hs_comp_init(&c, "site-only");
	hs_arg_add(&c.arg, HOSTSIG_REGION_IMAGE, 0, gva, 5);
	ASSERT_LT(0, hs_comp_register(&self->g, &c));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	ASSERT_EQ(0, hs_nl_verdict_ranges(&self->nl, c.id,
					  comp.u[HOSTSIG_A_COMP_RECORD_ID],
					  HOSTSIG_VERDICT_AUTHENTIC, NULL, 0, site, 1));

	vm_mem_region_delete(self->g.vm, OWN_SLOT);

	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, WAIT_MS));
	comp = get_comp(_metadata, self, c.id);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_TAMPERS]);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, HOSTSIG_QUERY_DECISION(hs_query(&self->g, c.id)));
}

/* Under quarantine, a memslot going from under a verified component stops the VM. */
TEST_F_TIMEOUT(track, memslot_removed_quarantines, SLOW_TEST_S)
{
	struct hs_attrs comp, vm;
	struct hs_comp c;
	uint64_t gva;

	gva = map_own_slot(self, OWN_SLOT, OWN_GPA, IMAGE_PAGES, 0);
	ASSERT_LT(0, register_image(self, &c, "guarded", gva, IMAGE_PAGES));
	comp = get_comp(_metadata, self, c.id);
	self->vm_id = comp.u[HOSTSIG_A_COMP_VM_ID];
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id,
				      HOSTSIG_MODE_QUARANTINE, -1, -1, false));
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id,
					  comp.u[HOSTSIG_A_COMP_RECORD_ID],
					  HOSTSIG_VERDICT_AUTHENTIC));
	vm_mem_region_delete(self->g.vm, OWN_SLOT);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_QUARANTINE, 0, WAIT_MS));
	EXPECT_EQ(-1, __vcpu_run(self->g.vcpu));
	EXPECT_EQ(EIO, errno);
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm_id, &vm));
	EXPECT_EQ(1, vm.u[HOSTSIG_A_VM_QUARANTINED]);
	hs_guest_abandon(&self->g);
}

/*
 * Memory KVM does not write-track the guest's writes to, or that is not
 * the guest's RAM, is refused at REGISTER: a read-only memslot (ROM, or a
 * VMM's device memory). Nothing is tracked, the refusal is counted.
 */
TEST_F_TIMEOUT(track, register_outside_plain_ram_refused, SLOW_TEST_S)
{
	uint64_t gva, tracked0, refused0;
	struct hs_attrs st;
	struct hs_comp c;

	gva = map_own_slot(self, OWN_SLOT, OWN_GPA, IMAGE_PAGES, KVM_MEM_READONLY);
	tracked0 = stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES);
	refused0 = stat_of(self, HOSTSIG_A_STATS_REFUSED_NOTRAM);
	EXPECT_EQ(-HOSTSIG_ENOTRAM, register_image(self, &c, "rom", gva, IMAGE_PAGES));
	/* One page of plain RAM before it does not change that. */
	hs_map(&self->g, gva - 4096, 1, false, -1);
	EXPECT_EQ(-HOSTSIG_ENOTRAM, register_image(self, &c, "ram+rom", gva - 4096, 2));
	EXPECT_EQ(tracked0, stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES));
	EXPECT_EQ(refused0 + 2, stat_of(self, HOSTSIG_A_STATS_REFUSED_NOTRAM));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	EXPECT_EQ(0, st.u[HOSTSIG_A_STATS_COMPONENTS]);
}

TEST_HARNESS_MAIN
