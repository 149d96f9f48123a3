// SPDX-License-Identifier: GPL-2.0
/*
 * REGISTER captures what the guest wrote: a 64-bit guest lays a component
 * out in its memory (regions on physical pages in shuffled order, starting
 * and ending mid-page, of every kind), describes it in an argument block
 * that itself crosses pages, and registers it; a consumer in this process
 * maps /dev/hostsig and compares the record, field by field and byte by
 * byte, with the argument block and the guest's memory. The largest
 * component the default parameters allow (64 MiB) goes through the same
 * comparison, and REGISTER's time is printed next to the time the guest
 * took to write the same bytes. Every test starts with a freshly loaded
 * module.
 */
#include <time.h>

#include "hostsig_nl.h"
#include "hostsig_ring.h"

/* Only to report a hang instead of waiting for ever; not a speed limit. */
#define SLOW_TEST_S	600

FIXTURE(capture) {
	struct hs_guest g;
	struct hs_ring ring;
	struct hs_nl nl;
};

FIXTURE_SETUP(capture)
{
	self->ring.fd = -1;
	ASSERT_EQ(0, hostsig_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(capture)
{
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

static double realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

TEST_F_TIMEOUT(capture, scattered_regions_byte_for_byte, SLOW_TEST_S)
{
	struct hs_guest *g = &self->g;
	const struct hostsig_record *rec;
	struct hs_attrs comp, st;
	double before, after;
	struct hs_comp c;
	char why[256];
	int64_t q;

	/* A vCPU id other than 0, so that a wrong one shows. */
	hs_guest_create(g, 3, 4);
	hs_comp_init(&c, "scattered.sys: an image in two allocations");
	c.arg.hdr.flags = HOSTSIG_ARG_F_HEADER_REBASED;
	/* Mid-page starts and odd lengths, several pages each. */
	hs_comp_region(g, &c, HOSTSIG_REGION_IMAGE, 0, 0x321, 5 * 4096 + 123);
	hs_comp_region(g, &c, HOSTSIG_REGION_IMAGE, 1, 0xff8, 3 * 4096 + 17);
	hs_comp_region(g, &c, HOSTSIG_REGION_SIGNATURE, 0, 0x10, 1001);
	hs_comp_region(g, &c, HOSTSIG_REGION_TAIL, 0, 0, 4097);
	/* (A PE image has no FILE region: sixteen_regions has one.) */
	hs_comp_region(g, &c, HOSTSIG_REGION_TAIL, 7, 0x800, 2 * 4096);
	/* The layout really is scattered in physical memory. */
	ASSERT_EQ(0, hs_contiguous_pairs(g, hs_arg_region(&c.arg, 0)->gva,
					 hs_arg_region(&c.arg, 0)->len));
	ASSERT_EQ(0, hs_contiguous_pairs(g, hs_arg_region(&c.arg, 1)->gva,
					 hs_arg_region(&c.arg, 1)->len));

	before = realtime_ns();
	ASSERT_LT(0, hs_comp_register(g, &c)) TH_LOG("REGISTER: %ld", c.id);
	after = realtime_ns();

	/* Registered without a consumer: the record waits in the ring. */
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	rec = hs_ring_find(&self->ring, c.id, true);
	ASSERT_NE(NULL, rec) TH_LOG("no record for component %ld (%s)", c.id,
				    self->ring.why);
	ASSERT_EQ(0, hs_record_flags(rec));
	ASSERT_NE(0, rec->record_id);
	ASSERT_TRUE(hs_record_matches(g, &c, rec, why, sizeof(why))) TH_LOG("%s", why);

	/* The table says the same, and names this record and this VM. */
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
	ASSERT_STREQ("", comp.bad);
	ASSERT_EQ(c.id, comp.u[HOSTSIG_A_COMP_ID]);
	ASSERT_EQ(rec->vm_id, comp.u[HOSTSIG_A_COMP_VM_ID]);
	ASSERT_EQ(rec->record_id, comp.u[HOSTSIG_A_COMP_RECORD_ID]);
	ASSERT_STREQ(c.arg.hdr.name, comp.str[HOSTSIG_A_COMP_NAME]);
	ASSERT_EQ(HOSTSIG_FMT_PE, comp.u[HOSTSIG_A_COMP_FORMAT]);
	ASSERT_EQ(HOSTSIG_STATE_PENDING, comp.u[HOSTSIG_A_COMP_STATE]);
	ASSERT_EQ(HOSTSIG_DECISION_PENDING, comp.u[HOSTSIG_A_COMP_DECISION]);
	ASSERT_EQ(rec->data_len, comp.u[HOSTSIG_A_COMP_SIZE]);
	ASSERT_EQ(c.arg.hdr.load_base, comp.u[HOSTSIG_A_COMP_LOAD_BASE]);
	ASSERT_EQ(c.arg.hdr.image_base, comp.u[HOSTSIG_A_COMP_IMAGE_BASE]);
	ASSERT_EQ(getpid(), comp.u[HOSTSIG_A_COMP_VMM_PID]);
	ASSERT_EQ(1, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);
	ASSERT_TRUE(hs_has(&comp, HOSTSIG_A_COMP_REGISTERED_NS));
	ASSERT_LE(before, (double)comp.u[HOSTSIG_A_COMP_REGISTERED_NS]);
	ASSERT_GE(after, (double)comp.u[HOSTSIG_A_COMP_REGISTERED_NS]);

	/* The ring's occupancy is the record, and the counters agree. */
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	ASSERT_EQ(1, st.u[HOSTSIG_A_STATS_REGISTERED]);
	ASSERT_EQ(1, st.u[HOSTSIG_A_STATS_RECORDS]);
	ASSERT_EQ(1, st.u[HOSTSIG_A_STATS_COMPONENTS]);
	ASSERT_EQ(rec->len, st.u[HOSTSIG_A_STATS_RING_USED]);
	ASSERT_EQ(hs_ring_producer(&self->ring) - hs_ring_consumer(&self->ring),
		  st.u[HOSTSIG_A_STATS_RING_USED]);

	/* The gate: pending, until a verdict comes. */
	q = hs_query(g, c.id);
	ASSERT_LE(0, q);
	ASSERT_EQ(HOSTSIG_DECISION_PENDING, HOSTSIG_QUERY_DECISION(q));
	ASSERT_EQ(HOSTSIG_STATE_PENDING, HOSTSIG_QUERY_STATE(q));
}

/* Sixteen regions, the most an argument block may have. */
TEST_F_TIMEOUT(capture, sixteen_regions, SLOW_TEST_S)
{
	static const uint32_t kinds[] = {
		HOSTSIG_REGION_IMAGE, HOSTSIG_REGION_SIGNATURE,
		HOSTSIG_REGION_TAIL, HOSTSIG_REGION_FILE,
	};
	struct hs_guest *g = &self->g;
	const struct hostsig_record *rec;
	struct hs_comp c;
	char why[256];
	int i;

	hs_guest_create(g, 0, 4);
	hs_comp_init(&c, "sixteen");
	/* The only format that may send FILE. */
	c.arg.hdr.format = HOSTSIG_FMT_ELF_MODULE;
	for (i = 0; i < HOSTSIG_MAX_REGIONS; i++)
		hs_comp_region(g, &c, kinds[i % 4], i, (i * 520) % 4096, 1 + i * 397);
	ASSERT_LT(0, hs_comp_register(g, &c)) TH_LOG("REGISTER: %ld", c.id);
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	rec = hs_ring_find(&self->ring, c.id, false);
	ASSERT_NE(NULL, rec) TH_LOG("%s", self->ring.why);
	ASSERT_TRUE(hs_record_matches(g, &c, rec, why, sizeof(why))) TH_LOG("%s", why);
}

/* Two components of two VMs: each record names its own VM and process. */
TEST_F_TIMEOUT(capture, two_vms_two_records, SLOW_TEST_S)
{
	const struct hostsig_record *r1, *r2;
	struct hs_comp c1, c2;
	struct hs_guest g2;
	char why[256];

	hs_guest_create(&self->g, 0, 1);
	hs_guest_create(&g2, 1, 1);
	hs_comp_make(&self->g, &c1, "first", 3000, 0);
	hs_comp_make(&g2, &c2, "second", 5000, 300);
	ASSERT_LT(0, hs_comp_register(&self->g, &c1));
	ASSERT_LT(0, hs_comp_register(&g2, &c2));
	ASSERT_NE(c1.id, c2.id);
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	r1 = hs_ring_find(&self->ring, c1.id, false);
	r2 = hs_ring_find(&self->ring, c2.id, false);
	ASSERT_NE(NULL, r1);
	ASSERT_NE(NULL, r2);
	ASSERT_NE(r1->vm_id, r2->vm_id);
	ASSERT_NE(r1->record_id, r2->record_id);
	ASSERT_TRUE(hs_record_matches(&self->g, &c1, r1, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_TRUE(hs_record_matches(&g2, &c2, r2, why, sizeof(why))) TH_LOG("%s", why);
	hs_guest_destroy(&g2);
}

/*
 * max_component_mib is the limit: a component of exactly that size is
 * taken, one byte more is E2BIG and leaves nothing behind.
 */
TEST_F_TIMEOUT(capture, max_component_mib_is_the_limit, SLOW_TEST_S)
{
	struct hs_guest *g = &self->g;
	struct hs_attrs st;
	struct hs_comp c;

	ASSERT_EQ(0, hostsig_param_set("max_component_mib", 1));
	ASSERT_EQ(1, hostsig_param_get("max_component_mib"));
	hs_guest_create(g, 0, 3);

	/* 1 MiB + 1 in all: the byte that is too many is in the signature. */
	hs_comp_make(g, &c, "over", (1 << 20) - 4096, 4097);
	ASSERT_EQ(-HOSTSIG_E2BIG, hs_comp_register(g, &c));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	ASSERT_EQ(0, st.u[HOSTSIG_A_STATS_RECORDS]);
	ASSERT_EQ(0, st.u[HOSTSIG_A_STATS_COMPONENTS]);
	ASSERT_EQ(0, st.u[HOSTSIG_A_STATS_RING_USED]);
	ASSERT_EQ(1, st.u[HOSTSIG_A_STATS_REFUSED_2BIG]);

	hs_comp_make(g, &c, "exactly", (1 << 20) - 4096, 4096);
	ASSERT_LT(0, hs_comp_register(g, &c));
}

/*
 * The largest component the default parameters accept (max_component_mib,
 * 64 MiB by default), compared byte for byte; the time REGISTER took is
 * printed next to the time the guest took to write the same bytes.
 */
TEST_F_TIMEOUT(capture, largest_component, SLOW_TEST_S)
{
	struct hs_guest *g = &self->g;
	const struct hostsig_record *rec;
	uint64_t total, sig_len = 8192;
	double fill_ns, register_ns;
	long long max_mib;
	struct hs_comp c;
	char why[256];

	max_mib = hostsig_param_get("max_component_mib");
	ASSERT_LE(64, max_mib);
	total = (uint64_t)max_mib << 20;
	hs_guest_create(g, 0, max_mib + 2);
	hs_comp_init(&c, "largest");
	hs_comp_region(g, &c, HOSTSIG_REGION_IMAGE, 0, 0, total - sig_len);
	fill_ns = g->last_call_ns;
	hs_comp_region(g, &c, HOSTSIG_REGION_SIGNATURE, 0, 0, sig_len);
	fill_ns += g->last_call_ns;
	ASSERT_EQ(total, hs_comp_bytes(&c));

	ASSERT_LT(0, hs_comp_register(g, &c)) TH_LOG("REGISTER: %ld", c.id);
	register_ns = g->last_call_ns;
	TH_LOG("%lu bytes (%lld MiB): the guest wrote them in %.1f ms (%.0f MB/s), REGISTER took %.1f ms (%.0f MB/s), ratio %.2f",
	       total, max_mib, fill_ns / 1e6, total / (fill_ns / 1e3),
	       register_ns / 1e6, total / (register_ns / 1e3), register_ns / fill_ns);

	ASSERT_EQ(0, hs_ring_open(&self->ring));
	rec = hs_ring_find(&self->ring, c.id, false);
	ASSERT_NE(NULL, rec) TH_LOG("%s", self->ring.why);
	ASSERT_TRUE(hs_record_matches(g, &c, rec, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, hs_ring_release(&self->ring, rec->record_id));
	hs_ring_close(&self->ring);

	/* One byte more is over the limit: the same image, a longer signature. */
	hs_arg_region(&c.arg, 1)->gva = hs_alloc(g, sig_len + 1);
	hs_arg_region(&c.arg, 1)->len = sig_len + 1;
	ASSERT_EQ(-HOSTSIG_E2BIG, hs_comp_register(g, &c));
}

TEST_HARNESS_MAIN
