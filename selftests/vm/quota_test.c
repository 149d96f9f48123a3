// SPDX-License-Identifier: GPL-2.0
/*
 * What one VM may take from the host and from the other VMs.
 *
 * Host memory: a guest registers kernel modules whose FILE region (kept
 * by the host for the component's whole life) is one guest page mapped at
 * hundreds of virtual addresses, so that each MiB the host keeps costs the
 * guest 4 KiB. REGISTER stops at vm_max_retained_mib with EQUOTA (E2BIG
 * for a component that alone holds more), what GET_VM says the VM holds
 * stays under the cap, and so does the module's own count of its memory.
 * Unloaded components kept for inspection make room for new ones, but
 * not for a REGISTER that the rate limit refuses. A PE image may not send
 * a FILE region at all.
 *
 * The ring: with nobody consuming, a VM that registers until it is refused
 * fills only its share of the ring (vm_ring_share_pct), a second VM's
 * REGISTER still goes through, records that timed out keep counting until
 * their space is free, and a recapture (REVERIFY) is charged like a
 * REGISTER: to the ring share and to the pending quota.
 *
 * Overdue verdicts: the copy of a record that a late verdict would take
 * its scrub baseline from counts in the memory cap once the pending quota
 * lets go of it, or is dropped, and then a late AUTHENTIC or UNKNOWN is
 * refused.
 */
#include "hostsig_nl.h"
#include "hostsig_ring.h"

#define SLOW_TEST_S	600

FIXTURE(quota) {
	struct hs_guest g, g2;
	struct hs_ring ring;
	struct hs_nl nl;
};

FIXTURE_SETUP(quota)
{
	self->ring.fd = -1;
	ASSERT_EQ(0, hostsig_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(quota)
{
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g2);
	hs_guest_destroy(&self->g);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

/* Reload with these parameters and reconnect (the family id changes). */
static int reload(FIXTURE_DATA(quota) *self, const char *params)
{
	int ret;

	hs_nl_close(&self->nl);
	ret = hostsig_module_reload(params);
	return ret ? ret : hs_nl_open(&self->nl);
}

/* Map @npages fresh guest virtual pages, every one onto guest physical @gpa. */
static uint64_t map_aliases(struct hs_guest *g, uint64_t gpa, uint64_t npages)
{
	uint64_t gva = hs_gva_reserve(g, npages), i;

	for (i = 0; i < npages; i++) {
		virt_pg_map(g->vm, gva + i * 4096, gpa);
		sparsebit_set(g->vm->vpages_mapped, (gva >> 12) + i);
	}
	return gva;
}

/* A kernel module: one page of image, and a FILE region at @file_gva. */
static int64_t register_module(struct hs_guest *g, struct hs_comp *c,
			       uint64_t file_gva, uint64_t file_len)
{
	hs_comp_init(c, "greedy_module");
	c->arg.hdr.format = HOSTSIG_FMT_ELF_MODULE;
	hs_comp_region(g, c, HOSTSIG_REGION_IMAGE, HOSTSIG_ELF_TAG_TEXT, 0, 4096);
	hs_arg_add(&c->arg, HOSTSIG_REGION_FILE, 0, file_gva, file_len);
	return hs_comp_register(g, c);
}

static uint64_t vm_attr(struct __test_metadata *_metadata,
			FIXTURE_DATA(quota) *self, uint64_t vm_id, int attr)
{
	struct hs_attrs vm;

	EXPECT_EQ(0, hs_nl_get_vm(&self->nl, vm_id, &vm));
	EXPECT_STREQ("", vm.bad);
	EXPECT_TRUE(hs_has(&vm, attr)) TH_LOG("GET_VM without attribute %d", attr);
	return vm.u[attr];
}

static uint64_t comp_attr(struct __test_metadata *_metadata,
			  FIXTURE_DATA(quota) *self, uint64_t id, int attr)
{
	struct hs_attrs comp;

	EXPECT_EQ(0, hs_nl_get_comp(&self->nl, id, &comp));
	return comp.u[attr];
}

static uint64_t stat_of(struct __test_metadata *_metadata,
			FIXTURE_DATA(quota) *self, int attr)
{
	struct hs_attrs st;

	EXPECT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	return st.u[attr];
}

TEST_F_TIMEOUT(quota, retained_bytes_bounded, SLOW_TEST_S)
{
	const uint64_t cap = 4 << 20, file_len = 1 << 20;
	uint64_t gpa, file_gva, big_gva, vm_id, held, mem0, mem1;
	struct hs_comp c[16], extra;
	int n = 0, i;
	int64_t ret;

	ASSERT_EQ(0, reload(self, "vm_max_retained_mib=4"));
	hs_guest_create(&self->g, 0, 2);
	gpa = vm_phy_pages_alloc(self->g.vm, 1, HS_GPA_BASE, HS_MEMSLOT);
	/* 1 MiB and 5 MiB of FILE, all of them one guest page. */
	file_gva = map_aliases(&self->g, gpa, file_len / 4096);
	big_gva = map_aliases(&self->g, gpa, 5 * file_len / 4096);
	mem0 = stat_of(_metadata, self, HOSTSIG_A_STATS_MEMORY);

	for (;;) {
		ASSERT_GT(16, n) TH_LOG("%d MiB kept for a VM capped at 4", n);
		ret = register_module(&self->g, &c[n], file_gva, file_len);
		if (ret < 0)
			break;
		n++;
	}
	TH_LOG("%d components of 1 MiB of FILE each, then %ld", n, ret);
	ASSERT_EQ(-HOSTSIG_EQUOTA, ret);
	ASSERT_TRUE(hostsig_error_retryable(HOSTSIG_EQUOTA));
	ASSERT_LE(2, n);
	vm_id = comp_attr(_metadata, self, c[0].id, HOSTSIG_A_COMP_VM_ID);
	held = vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES);
	TH_LOG("the VM holds %lu bytes", held);
	EXPECT_LE(n * file_len, held);
	EXPECT_GE(cap, held);
	/* What the module allocated grew by about what it says it holds. */
	mem1 = stat_of(_metadata, self, HOSTSIG_A_STATS_MEMORY);
	EXPECT_GE(mem0 + cap + (1 << 20), mem1) TH_LOG("%lu bytes allocated", mem1 - mem0);

	/* More attempts change nothing; one that alone is over the cap is E2BIG. */
	for (i = 0; i < 8; i++)
		EXPECT_EQ(-HOSTSIG_EQUOTA, register_module(&self->g, &extra, file_gva,
							   file_len));
	EXPECT_EQ(-HOSTSIG_E2BIG, register_module(&self->g, &extra, big_gva,
						  5 * file_len));
	EXPECT_EQ(held, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES));
	EXPECT_GE(mem0 + cap + (1 << 20), stat_of(_metadata, self, HOSTSIG_A_STATS_MEMORY));

	/* A PE image has no FILE region: refused whatever the quota. */
	hs_comp_init(&extra, "file.sys");
	hs_comp_region(&self->g, &extra, HOSTSIG_REGION_IMAGE, 0, 0, 4096);
	hs_arg_add(&extra.arg, HOSTSIG_REGION_FILE, 0, file_gva, 4096);
	EXPECT_EQ(-HOSTSIG_EINVAL, hs_comp_register(&self->g, &extra));

	/*
	 * Unloaded, they are kept for inspection and still held; a new
	 * REGISTER makes room by forgetting the oldest.
	 */
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, hs_unregister(&self->g, c[i].id));
	EXPECT_EQ(held, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES));
	ASSERT_EQ(0, hostsig_param_set("vm_register_rate", 1));
	ASSERT_EQ(0, hostsig_param_set("vm_register_burst", 1));
	usleep(1100 * 1000);
	ASSERT_LT(0, register_module(&self->g, &extra, file_gva, file_len));
	EXPECT_GE(cap, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES));
	EXPECT_EQ(-ENOENT, hs_nl_get_comp(&self->nl, c[0].id, &(struct hs_attrs){ }));

	/* A REGISTER the rate limit refuses forgets nothing. */
	held = vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES);
	EXPECT_EQ(-HOSTSIG_EQUOTA, register_module(&self->g, &extra, file_gva, file_len));
	EXPECT_EQ(0, hs_nl_get_comp(&self->nl, c[1].id, &(struct hs_attrs){ }));
	EXPECT_EQ(held, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES));
}

/* Register @len-byte images until refused; how many went through. */
static int flood(struct __test_metadata *_metadata, struct hs_guest *g,
		 struct hs_comp *c, int max, uint64_t len, int64_t *last)
{
	int n;

	for (n = 0; n < max; n++) {
		hs_comp_make(g, &c[n], "flood", len, 0);
		*last = hs_comp_register(g, &c[n]);
		if (*last < 0)
			break;
	}
	return n;
}

/*
 * Nobody consumes the ring. VM A registers until it is refused, lets its
 * records time out and tries again; VM B's REGISTERs still go through.
 */
TEST_F_TIMEOUT(quota, flooding_vm_leaves_the_ring_to_others, SLOW_TEST_S)
{
	const uint64_t ring = 4 << 20, share = ring / 4, len = 200 << 10;
	uint64_t vm_a, vm_b, held;
	struct hs_comp a[32], b[4];
	int n, i;
	int64_t ret;

	ASSERT_EQ(0, reload(self, "ring_size_mib=4"));
	ASSERT_EQ(25, hostsig_param_get("vm_ring_share_pct"));
	hs_guest_create(&self->g, 0, 8);
	hs_guest_create(&self->g2, 1, 2);

	n = flood(_metadata, &self->g, a, 32, len, &ret);
	TH_LOG("VM A: %d records of %lu bytes, then %ld", n, len, ret);
	ASSERT_EQ(-HOSTSIG_EAGAIN, ret);
	ASSERT_LE(2, n);
	vm_a = comp_attr(_metadata, self, a[0].id, HOSTSIG_A_COMP_VM_ID);
	held = vm_attr(_metadata, self, vm_a, HOSTSIG_A_VM_RING_BYTES);
	EXPECT_GE(share, held);
	EXPECT_LT(share - len - 4096, held);
	EXPECT_EQ(held, stat_of(_metadata, self, HOSTSIG_A_STATS_RING_USED));

	/* VM B, as much as A, and more than A's share is left for it. */
	for (i = 0; i < 4; i++) {
		hs_comp_make(&self->g2, &b[i], "victim", len, 0);
		ASSERT_LT(0, hs_comp_register(&self->g2, &b[i])) TH_LOG("VM B's REGISTER %d", i);
	}
	vm_b = comp_attr(_metadata, self, b[0].id, HOSTSIG_A_COMP_VM_ID);
	EXPECT_LT(0, vm_attr(_metadata, self, vm_b, HOSTSIG_A_VM_RING_BYTES));

	/* A's records time out: they leave its pending quota, not the ring. */
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &vm_a, -1, -1, 50, false));
	usleep(1500 * 1000);
	EXPECT_EQ(HOSTSIG_STATE_UNKNOWN, comp_attr(_metadata, self, a[0].id,
						   HOSTSIG_A_COMP_STATE));
	EXPECT_EQ(0, vm_attr(_metadata, self, vm_a, HOSTSIG_A_VM_PENDING_BYTES));
	EXPECT_EQ(held, vm_attr(_metadata, self, vm_a, HOSTSIG_A_VM_RING_BYTES));
	EXPECT_EQ(0, flood(_metadata, &self->g, a + n, 1, len, &ret));
	EXPECT_EQ(-HOSTSIG_EAGAIN, ret);

	/*
	 * Unregistering a record behind the oldest (A's first) frees no
	 * space: it stays charged until the space is free.
	 */
	EXPECT_EQ(0, hs_unregister(&self->g, a[n - 1].id));
	EXPECT_EQ(held, vm_attr(_metadata, self, vm_a, HOSTSIG_A_VM_RING_BYTES));
	EXPECT_EQ(-HOSTSIG_EAGAIN, flood(_metadata, &self->g, a + n, 1, len, &ret) ?: ret);

	/* A recapture of A's components is charged to A's share too. */
	EXPECT_EQ(-EAGAIN, hs_nl_reverify(&self->nl, a[1].id));
	EXPECT_EQ(held, vm_attr(_metadata, self, vm_a, HOSTSIG_A_VM_RING_BYTES));

	/* B still registers. */
	hs_comp_make(&self->g2, &b[0], "victim again", len, 0);
	ASSERT_LT(0, hs_comp_register(&self->g2, &b[0]));
}

/*
 * A recapture waits for a verdict like a REGISTER: REVERIFY of a verified
 * component is refused while the VM's pending quota is full.
 */
TEST_F_TIMEOUT(quota, recapture_charged_to_pending_quota, SLOW_TEST_S)
{
	const uint64_t len = 600 << 10;
	struct hs_comp c1, c2;
	uint64_t vm_id, rec;

	ASSERT_EQ(0, reload(self, "vm_max_pending_mib=1"));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	hs_guest_create(&self->g, 0, 4);
	hs_comp_make(&self->g, &c1, "first", len, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &c1));
	vm_id = comp_attr(_metadata, self, c1.id, HOSTSIG_A_COMP_VM_ID);
	rec = comp_attr(_metadata, self, c1.id, HOSTSIG_A_COMP_RECORD_ID);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c1.id, rec, HOSTSIG_VERDICT_AUTHENTIC));
	EXPECT_EQ(0, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_PENDING_BYTES));

	hs_comp_make(&self->g, &c2, "second", len, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &c2));
	EXPECT_EQ(len, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_PENDING_BYTES));
	EXPECT_EQ(-EDQUOT, hs_nl_reverify(&self->nl, c1.id));
	EXPECT_EQ(len, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_PENDING_BYTES));
	EXPECT_EQ(rec, comp_attr(_metadata, self, c1.id, HOSTSIG_A_COMP_RECORD_ID));

	/* Once the second is answered, there is room. */
	rec = comp_attr(_metadata, self, c2.id, HOSTSIG_A_COMP_RECORD_ID);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c2.id, rec, HOSTSIG_VERDICT_AUTHENTIC));
	EXPECT_EQ(0, hs_nl_reverify(&self->nl, c1.id));
	EXPECT_EQ(len, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_PENDING_BYTES));
}

/* Let the component's verdict be overdue: a QUERY after its timeout. */
static void expire(struct __test_metadata *_metadata, FIXTURE_DATA(quota) *self,
		   struct hs_comp *c)
{
	usleep(100 * 1000);
	ASSERT_LT(0, hs_query(&self->g, c->id));
	ASSERT_EQ(HOSTSIG_STATE_UNKNOWN, comp_attr(_metadata, self, c->id,
						   HOSTSIG_A_COMP_STATE));
}

/*
 * A daemon that answers nothing: every verdict is overdue, the pending
 * quota lets go of each record, and the copy of its IMAGE bytes that a
 * late verdict would baseline the scrub from is kept only inside the
 * VM's memory cap. A late AUTHENTIC or UNKNOWN on a record whose copy did
 * not fit is refused (a late NOT_AUTHENTIC is not); REVERIFY makes a new record that
 * can be answered.
 */
TEST_F_TIMEOUT(quota, overdue_copies_held_within_the_cap, SLOW_TEST_S)
{
	const uint64_t cap = 1 << 20, len = 600 << 10;
	uint64_t vm_id, held0, held1, held2, held3, rec1, rec2, rec3;
	struct hs_comp c1, c2, c3;

	ASSERT_EQ(0, reload(self, "vm_max_retained_mib=1"));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	hs_guest_create(&self->g, 0, 4);
	hs_comp_make(&self->g, &c1, "late", len, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &c1));
	vm_id = comp_attr(_metadata, self, c1.id, HOSTSIG_A_COMP_VM_ID);
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &vm_id, -1, -1, 20, false));
	rec1 = comp_attr(_metadata, self, c1.id, HOSTSIG_A_COMP_RECORD_ID);
	held0 = vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES);

	/* Overdue: its copy now counts in the cap, not in the pending quota. */
	expire(_metadata, self, &c1);
	EXPECT_EQ(0, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_PENDING_BYTES));
	held1 = vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES);
	TH_LOG("held %lu bytes before the timeout, %lu after", held0, held1);
	EXPECT_EQ(held0 + len, held1);

	/* A second one's copy does not fit beside it: dropped, not held. */
	hs_comp_make(&self->g, &c2, "later", len, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &c2));
	rec2 = comp_attr(_metadata, self, c2.id, HOSTSIG_A_COMP_RECORD_ID);
	held2 = vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES);
	expire(_metadata, self, &c2);
	EXPECT_EQ(held2, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES));
	EXPECT_GE(cap, held2);

	/* A third, dropped too. */
	hs_comp_make(&self->g, &c3, "latest", len, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &c3));
	rec3 = comp_attr(_metadata, self, c3.id, HOSTSIG_A_COMP_RECORD_ID);
	held3 = vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES);
	expire(_metadata, self, &c3);
	EXPECT_EQ(held3, vm_attr(_metadata, self, vm_id, HOSTSIG_A_VM_RETAINED_BYTES));

	/*
	 * Late verdicts: the kept copy's is taken; where the copy was dropped,
	 * AUTHENTIC and UNKNOWN are refused (either may be allowed, and the
	 * scrub would have nothing to compare), NOT_AUTHENTIC taken.
	 */
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, c2.id, rec2,
						HOSTSIG_VERDICT_AUTHENTIC));
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, c2.id, rec2,
						HOSTSIG_VERDICT_UNKNOWN));
	EXPECT_EQ(HOSTSIG_STATE_UNKNOWN, comp_attr(_metadata, self, c2.id,
						   HOSTSIG_A_COMP_STATE));
	EXPECT_EQ(0, hs_nl_verdict_simple(&self->nl, c3.id, rec3,
					  HOSTSIG_VERDICT_NOT_AUTHENTIC));
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC, comp_attr(_metadata, self, c3.id,
							 HOSTSIG_A_COMP_STATE));
	EXPECT_EQ(0, hs_nl_verdict_simple(&self->nl, c1.id, rec1,
					  HOSTSIG_VERDICT_AUTHENTIC));
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp_attr(_metadata, self, c1.id,
						     HOSTSIG_A_COMP_STATE));
	EXPECT_EQ(held3 - len, vm_attr(_metadata, self, vm_id,
				       HOSTSIG_A_VM_RETAINED_BYTES));

	/* The refused one can be captured again and answered. */
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &vm_id, -1, -1, 30000, false));
	ASSERT_EQ(0, hs_nl_reverify(&self->nl, c2.id));
	rec2 = comp_attr(_metadata, self, c2.id, HOSTSIG_A_COMP_RECORD_ID);
	EXPECT_EQ(0, hs_nl_verdict_simple(&self->nl, c2.id, rec2,
					  HOSTSIG_VERDICT_AUTHENTIC));
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp_attr(_metadata, self, c2.id,
						     HOSTSIG_A_COMP_STATE));
}

/*
 * A component unloaded before its verdict is kept for inspection, but no
 * verdict is taken for it any more: the copy of its IMAGE bytes kept for
 * the scrub's baseline goes at once, not when the component is forgotten.
 */
TEST_F_TIMEOUT(quota, unloaded_before_verdict_frees_its_copy, SLOW_TEST_S)
{
	const uint64_t len = 1 << 20;
	uint64_t mem0, mem1, mem2;
	struct hs_comp c;

	hs_guest_create(&self->g, 0, 2);
	mem0 = stat_of(_metadata, self, HOSTSIG_A_STATS_MEMORY);
	hs_comp_make(&self->g, &c, "unloaded early", len, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &c));
	mem1 = stat_of(_metadata, self, HOSTSIG_A_STATS_MEMORY);
	ASSERT_EQ(0, hs_unregister(&self->g, c.id));
	EXPECT_EQ(HOSTSIG_STATE_UNLOADED, comp_attr(_metadata, self, c.id,
						    HOSTSIG_A_COMP_STATE));
	mem2 = stat_of(_metadata, self, HOSTSIG_A_STATS_MEMORY);
	TH_LOG("module memory: %lu, registered %lu, unloaded %lu", mem0, mem1, mem2);
	EXPECT_LE(mem0 + len, mem1);
	EXPECT_GE(mem1 - len, mem2);
}

TEST_HARNESS_MAIN
