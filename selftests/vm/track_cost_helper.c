// SPDX-License-Identifier: GPL-2.0
/*
 * What a tracked guest write costs the host with one component in the VM
 * and with 4096: a benchmark, not a test (make check does not run it).
 * Run it in the test VM by hand:
 *
 *   selftests/vm/boot.sh RELEASE OUTDIR hstest.mode=run:track_cost_helper
 *
 * (OUTDIR/results.log has its output). The guest stores into the writable
 * part of a page that stays tracked (its first 8 bytes are not writable),
 * so KVM emulates every store and hostsig looks at it; then 4095 more
 * components are registered, each on a page of its own, and the same
 * stores run again. Each phase also times the same stores onto an
 * untracked page, for reference. It prints the guest time per store of
 * each and the ratio of the two tracked ones; it checks only that every
 * store was seen as a tracked write and none as a tamper.
 */
#include "hostsig_nl.h"
#include "hostsig_ring.h"

#define COST_COMPONENTS	4096
#define COST_STORES	510	/* 8-byte stores per copy: 4080 bytes */
#define COST_CALLS	40

FIXTURE(cost) {
	struct hs_guest g;
	struct hs_ring ring;
	struct hs_nl nl;
};

FIXTURE_SETUP(cost)
{
	self->ring.fd = -1;
	ASSERT_EQ(0, hostsig_module_reload("vm_register_rate=0"));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	/* Room for 4096 one-page images. */
	hs_guest_create(&self->g, 0, 24);
}

FIXTURE_TEARDOWN(cost)
{
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

static uint64_t stat_of(FIXTURE_DATA(cost) *self, int which)
{
	return hs_nl_stat(&self->nl, which);
}

/* Guest time per 8-byte store of @calls copies of @len bytes to @dst. */
static double store_cost_ns(FIXTURE_DATA(cost) *self, uint64_t dst,
			    uint64_t src, uint64_t len, int calls)
{
	double sum = 0;
	int i;

	for (i = 0; i < calls; i++) {
		hs_guest_copy(&self->g, dst, src, len);
		sum += self->g.last_call_ns;
	}
	return sum / calls / (len / 8);
}

/* A VERDICT naming one writable range of the first region. */
static int verdict_writable(struct hs_nl *nl, uint64_t id, uint64_t record,
			    uint64_t offset, uint64_t len)
{
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_VERDICT, false);
	struct nlattr *nest;

	nla_put_u64(msg, HOSTSIG_A_COMP_ID, id);
	nla_put_u64(msg, HOSTSIG_A_COMP_RECORD_ID, record);
	nla_put_u32(msg, HOSTSIG_A_COMP_VERDICT, HOSTSIG_VERDICT_AUTHENTIC);
	nla_put_string(msg, HOSTSIG_A_COMP_REASON, "bench");
	nest = nla_nest_start(msg, HOSTSIG_A_COMP_WRITABLE);
	nla_put_u32(msg, HOSTSIG_A_RANGE_REGION, 0);
	nla_put_u64(msg, HOSTSIG_A_RANGE_OFFSET, offset);
	nla_put_u64(msg, HOSTSIG_A_RANGE_LEN, len);
	nla_nest_end(msg, nest);
	return hs_nl_exec(nl, msg, NULL, NULL);
}

/* The same stores, tracked and not: the tracked cost per store, and the ratio. */
static void measure(struct __test_metadata *_metadata,
		    FIXTURE_DATA(cost) *self, uint64_t target, uint64_t plain,
		    uint64_t src, double *tracked, double *untracked)
{
	uint64_t writes0 = stat_of(self, HOSTSIG_A_STATS_TRACKED_WRITES);
	uint64_t tampers0 = stat_of(self, HOSTSIG_A_STATS_TAMPERS);

	*untracked = store_cost_ns(self, plain + 8, src, COST_STORES * 8, COST_CALLS);
	*tracked = store_cost_ns(self, target + 8, src, COST_STORES * 8, COST_CALLS);
	EXPECT_EQ(writes0 + COST_STORES * COST_CALLS,
		  stat_of(self, HOSTSIG_A_STATS_TRACKED_WRITES));
	EXPECT_EQ(tampers0, stat_of(self, HOSTSIG_A_STATS_TAMPERS));
}

TEST_F_TIMEOUT(cost, tracked_write_with_1_and_4096_components, 1800)
{
	double one, many, plain_one, plain_many;
	uint64_t pages, src, plain, id = 0;
	struct hs_attrs comp;
	struct hs_comp c;
	int64_t ret;
	int i;

	pages = hs_alloc(&self->g, COST_COMPONENTS * 4096ull);
	src = hs_alloc(&self->g, 4096);
	plain = hs_alloc(&self->g, 4096);
	hs_guest_fill_pattern(&self->g, src, 4096, 5);

	hs_comp_init(&c, "target");
	hs_arg_add(&c.arg, HOSTSIG_REGION_IMAGE, 0, pages, 4096);
	ASSERT_LT(0, hs_comp_register(&self->g, &c));
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
	ASSERT_EQ(0, verdict_writable(&self->nl, c.id,
				      comp.u[HOSTSIG_A_COMP_RECORD_ID], 8, 4088));
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
	ASSERT_EQ(1, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	measure(_metadata, self, pages, plain, src, &one, &plain_one);

	/* 4095 more, each on a page of its own; one argument block for all. */
	for (i = 1; i < COST_COMPONENTS; i++) {
		hs_arg_region(&c.arg, 0)->gva = pages + i * 4096ull;
		hs_write(&self->g, c.arg_gva, c.arg.buf, c.arg.len);
		ret = hs_register(&self->g, c.arg_gva, c.arg.len);
		if (ret <= 0) {
			TH_LOG("REGISTER %d: %ld", i, (long)ret);
			break;
		}
		id = ret;
	}
	ASSERT_EQ(COST_COMPONENTS, i);
	ASSERT_NE(0, id);
	EXPECT_EQ(COST_COMPONENTS, stat_of(self, HOSTSIG_A_STATS_TRACKED_PAGES));
	measure(_metadata, self, pages, plain, src, &many, &plain_many);

	printf("# tracked 8-byte store, guest time per store (%d stores):\n"
	       "#   1 component:     %8.0f ns (untracked store %6.0f ns)\n"
	       "#   %d components: %8.0f ns (untracked store %6.0f ns)\n"
	       "#   ratio %d/1: %.3f\n",
	       COST_STORES * COST_CALLS, one, plain_one, COST_COMPONENTS, many,
	       plain_many, COST_COMPONENTS, many / one);
}

TEST_HARNESS_MAIN
