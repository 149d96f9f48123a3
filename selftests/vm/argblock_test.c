// SPDX-License-Identifier: GPL-2.0
/*
 * Everything in a REGISTER's argument block is hostile. A table of blocks
 * broken in one way each, then randomized blocks broken in several, go to
 * REGISTER from a real guest; each answer must be one the uapi header
 * documents for what is wrong with the block. The randomized ones are
 * judged by a model of the header's rules (expected_codes()), which the
 * table checks against the hand-written expectations first. Afterwards
 * the module's counters must show exactly the refusals made, and its
 * components, memory and ring occupancy must be back where they were.
 *
 * Also: QUERY and UNREGISTER of ids that are gone, repeated, never existed
 * or belong to another VM, and the per-VM quotas.
 */
#include <time.h>

#include "hostsig_nl.h"
#include "hostsig_ring.h"

#define SLOW_TEST_S	600

/* Sets of acceptable answers: bit 0 success, bit n -(HOSTSIG_EBASE + n). */
#define OK		1u
#define E(code)		(1u << ((code) - HOSTSIG_EBASE))
#define EINVAL_		E(HOSTSIG_EINVAL)
#define EFAULT_		E(HOSTSIG_EFAULT)
#define E2BIG_		E(HOSTSIG_E2BIG)
#define ENOTSUPP_	E(HOSTSIG_ENOTSUPP)
/* A value this host does not know: the header allows either code. */
#define EUNKNOWN_	(EINVAL_ | ENOTSUPP_)

static unsigned int answer_bit(int64_t ret)
{
	if (ret > 0)
		return OK;
	if (ret <= -HOSTSIG_EINVAL && ret >= -HOSTSIG_ELAST)
		return E(-ret);
	return 1u << 31;	/* nothing the header documents */
}

static const char *answer_name(int64_t ret)
{
	static const char *const names[] = {
		"EINVAL", "EFAULT", "E2BIG", "ENOENT", "EAGAIN", "EQUOTA",
		"ENOMEM", "ENOTSUPP", "ENOTRAM",
	};
	static char buf[32];

	if (ret > 0)
		return "success";
	if (ret <= -HOSTSIG_EINVAL && ret >= -HOSTSIG_ELAST)
		return names[-ret - HOSTSIG_EINVAL];
	snprintf(buf, sizeof(buf), "%ld", ret);
	return buf;
}

static void mask_names(unsigned int mask, char *buf, size_t len)
{
	int i;

	buf[0] = 0;
	if (mask & OK)
		snprintf(buf + strlen(buf), len - strlen(buf), "success ");
	for (i = 1; i <= HOSTSIG_ELAST - HOSTSIG_EBASE; i++)
		if (mask & (1u << i))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s ",
				 answer_name(-(HOSTSIG_EBASE + i)));
}

/* ---- guest memory the blocks point into ------------------------------------ */

#define NR_TINY		24
#define IMAGE_LEN	(2 * 4096 + 100)
#define SIG_LEN		500
#define TAIL_LEN	77
#define ARG_AREA	(9 * 4096ull)

struct pool {
	uint64_t image, sig, tail, hole, big, guard, arg_area;
	uint64_t tiny[NR_TINY];
	uint64_t big_len;
};

FIXTURE(hostile) {
	struct hs_guest g;
	struct hs_ring ring;
	struct hs_nl nl;
	struct pool pool;
	struct hs_arg base;
	uint64_t max_bytes;
	uint64_t vm_id;
	struct hs_attrs pre_vm;		/* stats before the VM existed */
	struct hs_attrs before;		/* stats after the warm-up */
	struct hs_attrs vm_before;
	unsigned long answers[32];	/* by answer_bit() */
	unsigned long cases;
};

static bool canonical(uint64_t gva)
{
	return (uint64_t)((int64_t)(gva << 16) >> 16) == gva;
}

/* Whether the guest can read all of [gva, gva + len). */
static bool readable(struct hs_guest *g, uint64_t gva, uint64_t len)
{
	uint64_t end = gva + len;

	if (!len || end < gva || !canonical(gva) || !canonical(end - 1) ||
	    ((gva >> 47) != ((end - 1) >> 47)))
		return false;
	return hs_is_mapped(g, gva, len);
}

/*
 * The model: which answers the header allows for this block at @arg_gva.
 * Where a block is wrong in several ways, any of their codes is right (the
 * header does not order its checks); success only if nothing is wrong.
 */
static unsigned int expected_codes(FIXTURE_DATA(hostile) *self,
				   const struct hs_arg *a, uint64_t arg_gva)
{
	const uint64_t hdr = sizeof(struct hostsig_argblock);
	const uint64_t max_len = HOSTSIG_ARGBLOCK_SIZE(HOSTSIG_MAX_REGIONS);
	const struct hostsig_argblock *ab = &a->hdr;
	struct hs_guest *g = &self->g;
	uint64_t sum = 0, nr_read, i, j;
	bool sum_over = false, image = false, structure_ok;
	unsigned int e = 0;

	/* The block itself. */
	if (a->len < hdr) {
		e |= EINVAL_;
		if (a->len && !readable(g, arg_gva, a->len))
			e |= EFAULT_;
		return e;
	}
	if (!readable(g, arg_gva, hdr))
		return EFAULT_ | (a->len > max_len ? EINVAL_ | E2BIG_ : 0);
	if (!readable(g, arg_gva, a->len))
		e |= EFAULT_;

	if (ab->magic != HOSTSIG_ARG_MAGIC)
		e |= EINVAL_;
	if (ab->version != HOSTSIG_ARG_VERSION)
		e |= EUNKNOWN_;
	if (ab->format != HOSTSIG_FMT_PE)
		e |= EUNKNOWN_;
	if (ab->flags & ~HOSTSIG_ARG_F_ALL)
		e |= EUNKNOWN_;
	if (ab->reserved)
		e |= EINVAL_;
	if (ab->nr_regions == 0)
		e |= EINVAL_;
	if (ab->nr_regions > HOSTSIG_MAX_REGIONS)
		e |= E2BIG_;
	structure_ok = ab->size == a->len &&
		       ab->size == HOSTSIG_ARGBLOCK_SIZE((uint64_t)ab->nr_regions);
	if (!structure_ok) {
		e |= EINVAL_;
		/* A block too long for any valid one may be called too big. */
		if (a->len > max_len || ab->nr_regions > HOSTSIG_MAX_REGIONS)
			e |= E2BIG_;
	}

	/* The regions the host could have read, whatever else is wrong. */
	nr_read = ab->nr_regions;
	if (nr_read > HOSTSIG_MAX_REGIONS)
		nr_read = HOSTSIG_MAX_REGIONS;
	if ((a->len - hdr) / sizeof(struct hostsig_region) < nr_read)
		nr_read = (a->len - hdr) / sizeof(struct hostsig_region);
	for (i = 0; i < nr_read; i++) {
		const struct hostsig_region *r = hs_arg_region((struct hs_arg *)a, i);

		if (r->kind < HOSTSIG_REGION_IMAGE || r->kind > HOSTSIG_REGION_FILE)
			e |= EUNKNOWN_;
		/* The loader's file buffer: kernel modules only. */
		if (r->kind == HOSTSIG_REGION_FILE &&
		    ab->format != HOSTSIG_FMT_ELF_MODULE)
			e |= EINVAL_;
		if (r->kind == HOSTSIG_REGION_IMAGE)
			image = true;
		if (!r->len) {
			e |= EINVAL_;
			continue;
		}
		if (!readable(g, r->gva, r->len))
			e |= EFAULT_;
		if (r->len > self->max_bytes)
			e |= E2BIG_;
		if (sum + r->len < sum || sum + r->len > self->max_bytes)
			sum_over = true;
		sum += r->len;
		for (j = 0; j < i; j++) {
			const struct hostsig_region *q = hs_arg_region((struct hs_arg *)a, j);

			if (!q->len || q->gva + q->len < q->gva ||
			    r->gva + r->len < r->gva)
				continue;
			if (r->gva < q->gva + q->len && q->gva < r->gva + r->len)
				e |= EINVAL_;
		}
	}
	if (sum_over)
		e |= E2BIG_;
	if (structure_ok && ab->nr_regions >= 1 &&
	    ab->nr_regions <= HOSTSIG_MAX_REGIONS && !image)
		e |= EINVAL_;
	return e ? e : OK;
}

/* ---- running one block ---------------------------------------------------------- */

static void dump_block(struct __test_metadata *_metadata, const struct hs_arg *a)
{
	char line[128];
	uint64_t i, n = a->hdr.size < 256 ? a->hdr.size : 256;

	for (i = 0; i < n; i += 32) {
		uint64_t k;

		line[0] = 0;
		for (k = i; k < i + 32 && k < n; k++)
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
				 "%02x", a->buf[k]);
		TH_LOG("  %04lx: %s", i, line);
	}
}

/* The record of a registration that succeeded holds what the guest has. */
static bool record_is_guest_memory(FIXTURE_DATA(hostile) *self,
				   const struct hs_arg *a, int64_t id, char *why,
				   size_t len)
{
	const struct hostsig_record *rec = hs_ring_find(&self->ring, id, false);
	static uint8_t buf[4096];
	uint32_t i;

	if (!rec) {
		snprintf(why, len, "no record (%s)", self->ring.why);
		return false;
	}
	if (rec->nr_regions != a->hdr.nr_regions) {
		snprintf(why, len, "%u regions in the record", rec->nr_regions);
		return false;
	}
	for (i = 0; i < rec->nr_regions; i++) {
		const struct hostsig_region *r = hs_arg_region((struct hs_arg *)a, i);
		const uint8_t *bytes = (const uint8_t *)rec + rec->regions[i].offset;
		uint64_t off;

		if (rec->regions[i].gva != r->gva || rec->regions[i].len != r->len) {
			snprintf(why, len, "region %u differs", i);
			return false;
		}
		for (off = 0; off < r->len; off += sizeof(buf)) {
			uint64_t n = r->len - off < sizeof(buf) ? r->len - off : sizeof(buf);

			hs_read(&self->g, r->gva + off, buf, n);
			if (memcmp(buf, bytes + off, n)) {
				snprintf(why, len, "region %u differs near byte %lu", i, off);
				return false;
			}
		}
	}
	return true;
}

/*
 * REGISTER the block at @arg_gva (placed there unless @placed) and check
 * the answer against @expected; clean up after a success.
 */
static bool try_block(struct __test_metadata *_metadata,
		      FIXTURE_DATA(hostile) *self, const char *name,
		      struct hs_arg *a, uint64_t arg_gva, bool placed,
		      unsigned int expected, bool log_choice)
{
	struct pool *p = &self->pool;
	char want[128], why[320];
	unsigned int bit;
	int64_t ret;

	if (!placed)
		hs_arg_place_at(&self->g, a, arg_gva,
				p->arg_area + ARG_AREA - arg_gva);
	ret = hs_register(&self->g, arg_gva, a->len);
	bit = answer_bit(ret);
	self->cases++;
	self->answers[__builtin_ctz(bit)]++;
	if (!(bit & expected)) {
		mask_names(expected, want, sizeof(want));
		TH_LOG("%s: REGISTER answered %s, expected one of: %s", name,
		       answer_name(ret), want);
		dump_block(_metadata, a);
		return false;
	}
	/* Which of the two codes the header allows (for the record). */
	if (expected == EUNKNOWN_ && log_choice)
		TH_LOG("%s: %s", name, answer_name(ret));
	if (ret <= 0)
		return true;
	if (!record_is_guest_memory(self, a, ret, why, sizeof(why))) {
		TH_LOG("%s: registered as %ld, but its record is wrong: %s",
		       name, ret, why);
		return false;
	}
	if (hs_unregister(&self->g, ret)) {
		TH_LOG("%s: UNREGISTER(%ld) failed", name, ret);
		return false;
	}
	return hs_ring_release_all(&self->ring) >= 0;
}

FIXTURE_SETUP(hostile)
{
	struct hs_guest *g = &self->g;
	struct pool *p = &self->pool;
	const struct hostsig_record *rec;
	int64_t id;
	int i;

	self->ring.fd = -1;
	ASSERT_EQ(0, hostsig_module_reload(""));
	/* A small limit keeps the "too large" blocks small. */
	ASSERT_EQ(0, hostsig_param_set("max_component_mib", 1));
	/* Hundreds of registrations in a row are no reason for EQUOTA here. */
	ASSERT_EQ(0, hostsig_param_set("vm_register_rate", 0));
	/* Unloaded components go at once, so memory can go back to baseline. */
	ASSERT_EQ(0, hostsig_param_set("keep_unloaded", 0));
	self->max_bytes = 1 << 20;
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &self->pre_vm));

	hs_guest_create(g, 0, 4);
	p->image = hs_alloc(g, IMAGE_LEN);
	p->sig = hs_alloc(g, SIG_LEN);
	p->tail = hs_alloc(g, TAIL_LEN);
	for (i = 0; i < NR_TINY; i++)
		p->tiny[i] = hs_alloc(g, 64);
	/* Five pages with the middle one unmapped. */
	p->hole = hs_gva_reserve(g, 5);
	hs_map(g, p->hole, 5, true, 2);
	p->big_len = self->max_bytes + 2 * 4096;
	p->big = hs_alloc(g, p->big_len);
	p->guard = hs_gva_reserve(g, 4);	/* never mapped */
	p->arg_area = hs_alloc(g, ARG_AREA);
	hs_guest_fill_pattern(g, p->image, 3 * 4096, 1);
	hs_guest_fill_pattern(g, p->sig, 4096, 2);
	hs_guest_fill_pattern(g, p->tail, 4096, 3);
	hs_guest_fill_pattern(g, p->hole, 2 * 4096, 4);
	hs_guest_fill_pattern(g, p->hole + 3 * 4096, 2 * 4096, 5);
	hs_guest_fill_pattern(g, p->big, p->big_len, 6);

	hs_arg_init(&self->base, HOSTSIG_FMT_PE, "hostile", 0xfffff80000100000ull,
		    0x10000000ull);
	hs_arg_add(&self->base, HOSTSIG_REGION_IMAGE, 0, p->image, IMAGE_LEN);
	hs_arg_add(&self->base, HOSTSIG_REGION_SIGNATURE, 0, p->sig, SIG_LEN);
	hs_arg_add(&self->base, HOSTSIG_REGION_TAIL, 0, p->tail, TAIL_LEN);
	ASSERT_EQ(OK, expected_codes(self, &self->base, p->arg_area + 4096 - 64));

	/* Warm up: the VM is known to the module from here on. */
	hs_arg_place_at(g, &self->base, p->arg_area + 4096 - 64, ARG_AREA);
	id = hs_register(g, p->arg_area + 4096 - 64, self->base.len);
	ASSERT_LT(0, id) TH_LOG("a valid block was refused: %ld", id);
	rec = hs_ring_find(&self->ring, id, false);
	ASSERT_NE(NULL, rec);
	self->vm_id = rec->vm_id;
	ASSERT_EQ(0, hs_unregister(g, id));
	ASSERT_LE(0, hs_ring_release_all(&self->ring));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &self->before));
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm_id, &self->vm_before));
}

FIXTURE_TEARDOWN(hostile)
{
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

/*
 * After the cases: every answer counted where it belongs, nothing left
 * registered or allocated; and once the VM is gone, nothing of it either.
 */
static void check_baseline(struct __test_metadata *_metadata,
			   FIXTURE_DATA(hostile) *self)
{
	static const struct {
		int code, stat;
	} refused[] = {
		{ HOSTSIG_EINVAL, HOSTSIG_A_STATS_REFUSED_INVAL },
		{ HOSTSIG_EFAULT, HOSTSIG_A_STATS_REFUSED_FAULT },
		{ HOSTSIG_E2BIG, HOSTSIG_A_STATS_REFUSED_2BIG },
		{ HOSTSIG_EQUOTA, HOSTSIG_A_STATS_REFUSED_QUOTA },
		{ HOSTSIG_EAGAIN, HOSTSIG_A_STATS_REFUSED_RING_FULL },
		{ HOSTSIG_ENOMEM, HOSTSIG_A_STATS_REFUSED_NOMEM },
		{ HOSTSIG_ENOTSUPP, HOSTSIG_A_STATS_REFUSED_NOTSUPP },
		{ HOSTSIG_ENOTRAM, HOSTSIG_A_STATS_REFUSED_NOTRAM },
	};
	struct hs_attrs now, vm, gone;
	unsigned long n_refused = 0;
	unsigned int i;

	TH_LOG("%lu blocks: %lu accepted, %lu EINVAL, %lu EFAULT, %lu E2BIG, %lu ENOTSUPP",
	       self->cases, self->answers[0],
	       self->answers[HOSTSIG_EINVAL - HOSTSIG_EBASE],
	       self->answers[HOSTSIG_EFAULT - HOSTSIG_EBASE],
	       self->answers[HOSTSIG_E2BIG - HOSTSIG_EBASE],
	       self->answers[HOSTSIG_ENOTSUPP - HOSTSIG_EBASE]);
	/*
	 * A component is freed when its last user lets it go, which may be
	 * a work item (the scrub's tick, a reaction) a moment after its
	 * UNREGISTER: wait for the memory to come back, 10 s at most (a
	 * leak never does).
	 */
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &now));
		if (now.u[HOSTSIG_A_STATS_MEMORY] == self->before.u[HOSTSIG_A_STATS_MEMORY])
			break;
		usleep(10000);
	}
	ASSERT_STREQ("", now.bad);
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		unsigned long n = self->answers[refused[i].code - HOSTSIG_EBASE];

		EXPECT_EQ(n, now.u[refused[i].stat] - self->before.u[refused[i].stat])
			TH_LOG("counter %d", refused[i].stat);
		n_refused += n;
	}
	EXPECT_EQ(self->answers[0], now.u[HOSTSIG_A_STATS_REGISTERED] -
				    self->before.u[HOSTSIG_A_STATS_REGISTERED]);
	EXPECT_EQ(self->answers[0], now.u[HOSTSIG_A_STATS_RECORDS] -
				    self->before.u[HOSTSIG_A_STATS_RECORDS]);
	EXPECT_EQ(self->before.u[HOSTSIG_A_STATS_COMPONENTS], now.u[HOSTSIG_A_STATS_COMPONENTS]);
	EXPECT_EQ(self->before.u[HOSTSIG_A_STATS_MEMORY], now.u[HOSTSIG_A_STATS_MEMORY]);
	EXPECT_EQ(self->before.u[HOSTSIG_A_STATS_RING_USED], now.u[HOSTSIG_A_STATS_RING_USED]);
	EXPECT_EQ(self->before.u[HOSTSIG_A_STATS_VMS], now.u[HOSTSIG_A_STATS_VMS]);

	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm_id, &vm));
	ASSERT_STREQ("", vm.bad);
	EXPECT_EQ(n_refused, vm.u[HOSTSIG_A_VM_REFUSED] - self->vm_before.u[HOSTSIG_A_VM_REFUSED]);
	EXPECT_EQ(self->answers[0], vm.u[HOSTSIG_A_VM_REGISTERED] -
				    self->vm_before.u[HOSTSIG_A_VM_REGISTERED]);
	EXPECT_EQ(0, vm.u[HOSTSIG_A_VM_COMPONENTS]);
	EXPECT_EQ(0, vm.u[HOSTSIG_A_VM_PENDING_BYTES]);

	hs_guest_destroy(&self->g);
	ASSERT_LE(0, hs_ring_release_all(&self->ring));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &gone));
	EXPECT_EQ(self->pre_vm.u[HOSTSIG_A_STATS_VMS], gone.u[HOSTSIG_A_STATS_VMS]);
	EXPECT_EQ(self->pre_vm.u[HOSTSIG_A_STATS_COMPONENTS], gone.u[HOSTSIG_A_STATS_COMPONENTS]);
	EXPECT_EQ(self->pre_vm.u[HOSTSIG_A_STATS_MEMORY], gone.u[HOSTSIG_A_STATS_MEMORY]);
	EXPECT_EQ(self->pre_vm.u[HOSTSIG_A_STATS_RING_USED], gone.u[HOSTSIG_A_STATS_RING_USED]);
	EXPECT_EQ(-ENOENT, hs_nl_get_vm(&self->nl, self->vm_id, &vm));
}

/* ---- the table ---------------------------------------------------------------------- */

enum case_id {
	MAGIC, MAGIC_ZERO, VERSION_0, VERSION_2, SIZE_SMALL, SIZE_LARGE,
	LEN_LONGER, LEN_SHORTER, LEN_ZERO, LEN_HEADER_ONLY, LEN_HUGE,
	FORMAT_0, FORMAT_3, FORMAT_MAX, FLAGS_UNKNOWN, FLAGS_TOP, RESERVED,
	NR_ZERO, NR_17, NR_1000, KIND_0, KIND_5, KIND_MAX, REGION_LEN_ZERO,
	OVERLAP_INSIDE, OVERLAP_SAME, OVERLAP_LAST_BYTE, ADJACENT_OK,
	NO_IMAGE, TOTAL_OVER, SUM_OVER, EXACTLY_MAX, LEN_MAX, LEN_2_63,
	LEN_SUM_WRAPS, WRAP_TOP, WRAP_LAST_PAGE, NONCANON_LOW, NONCANON_HIGH,
	NONCANON_TOP_BIT, CROSSES_HOLE, UNMAPPED, HOLE_IN_MIDDLE,
	PAST_MAPPING, ARG_UNMAPPED, ARG_CROSSES_END, ARG_NONCANON, ARG_NULL,
	MAX_REGIONS_OK, NAME_NO_NUL_OK, BASES_ANY_OK,
};

static const struct {
	enum case_id id;
	const char *name;
	unsigned int expected;
} cases[] = {
	{ MAGIC, "bad magic", EINVAL_ },
	{ MAGIC_ZERO, "zero magic", EINVAL_ },
	{ VERSION_0, "version 0", EUNKNOWN_ },
	{ VERSION_2, "version 2", EUNKNOWN_ },
	{ SIZE_SMALL, "size one region short (len agrees)", EINVAL_ },
	{ SIZE_LARGE, "size one region long (len agrees)", EINVAL_ },
	{ LEN_LONGER, "argblock_len 8 more than size", EINVAL_ },
	{ LEN_SHORTER, "argblock_len 8 less than size", EINVAL_ },
	{ LEN_ZERO, "argblock_len 0", EINVAL_ },
	{ LEN_HEADER_ONLY, "argblock_len shorter than the header", EINVAL_ },
	{ LEN_HUGE, "argblock_len 2^64-1", EINVAL_ | E2BIG_ | EFAULT_ },
	{ FORMAT_0, "format 0", EUNKNOWN_ },
	{ FORMAT_3, "format 3", EUNKNOWN_ },
	{ FORMAT_MAX, "format 0xffffffff", EUNKNOWN_ },
	{ FLAGS_UNKNOWN, "unknown flag bit 1", EUNKNOWN_ },
	{ FLAGS_TOP, "unknown flag bit 31", EUNKNOWN_ },
	{ RESERVED, "reserved not zero", EINVAL_ },
	{ NR_ZERO, "no region at all", EINVAL_ },
	{ NR_17, "17 regions", E2BIG_ },
	{ NR_1000, "1000 regions", E2BIG_ },
	{ KIND_0, "region kind 0", EUNKNOWN_ },
	{ KIND_5, "region kind 5", EUNKNOWN_ },
	{ KIND_MAX, "region kind 0xffffffff", EUNKNOWN_ },
	{ REGION_LEN_ZERO, "zero-length region", EINVAL_ },
	{ OVERLAP_INSIDE, "a region inside another", EINVAL_ },
	{ OVERLAP_SAME, "the same region twice", EINVAL_ },
	{ OVERLAP_LAST_BYTE, "regions sharing one byte", EINVAL_ },
	{ ADJACENT_OK, "adjacent regions (valid)", OK },
	{ NO_IMAGE, "no IMAGE region", EINVAL_ },
	{ TOTAL_OVER, "one byte over max_component_mib in one region", E2BIG_ },
	{ SUM_OVER, "two regions summing over max_component_mib", E2BIG_ },
	{ EXACTLY_MAX, "exactly max_component_mib (valid)", OK },
	{ LEN_MAX, "region len 2^64-1", E2BIG_ | EFAULT_ },
	{ LEN_2_63, "region len 2^63", E2BIG_ | EFAULT_ },
	{ LEN_SUM_WRAPS, "region lens whose sum wraps to a small number", E2BIG_ | EFAULT_ },
	{ WRAP_TOP, "gva + len wraps past 2^64", EFAULT_ },
	{ WRAP_LAST_PAGE, "region in the last page, wrapping", EFAULT_ },
	{ NONCANON_LOW, "gva 0x0000800000000000", EFAULT_ },
	{ NONCANON_HIGH, "gva 0xffff7ffffffff000", EFAULT_ },
	{ NONCANON_TOP_BIT, "gva 0x8000000000001000", EFAULT_ },
	{ CROSSES_HOLE, "region from canonical into non-canonical", EFAULT_ },
	{ UNMAPPED, "region on an unmapped page", EFAULT_ },
	{ HOLE_IN_MIDDLE, "unmapped page in the middle of a region", EFAULT_ },
	{ PAST_MAPPING, "region one byte past its mapping", EFAULT_ },
	{ ARG_UNMAPPED, "argument block unmapped", EFAULT_ },
	{ ARG_CROSSES_END, "argument block running off its mapping", EFAULT_ },
	{ ARG_NONCANON, "argument block at a non-canonical address", EFAULT_ },
	{ ARG_NULL, "argument block at 0", EFAULT_ },
	{ MAX_REGIONS_OK, "16 regions (valid)", OK },
	{ NAME_NO_NUL_OK, "name without a NUL (valid)", OK },
	{ BASES_ANY_OK, "any load and image base (valid)", OK },
};

static struct hostsig_region *region(struct hs_arg *a, unsigned int i)
{
	return hs_arg_region(a, i);
}

/*
 * Extend the block to @nr regions, the new ones valid, and apart from each
 * other and from the base regions up to NR_TINY of them.
 */
static void add_tiny_regions(FIXTURE_DATA(hostile) *self, struct hs_arg *a,
			     unsigned int nr)
{
	unsigned int i = a->hdr.nr_regions;

	while (a->hdr.nr_regions < nr) {
		hs_arg_add(a, HOSTSIG_REGION_TAIL, i,
			   self->pool.tiny[(i + NR_TINY - 3) % NR_TINY], 64);
		i++;
	}
}

/* Build the block of a case; its address (and whether it is placed). */
static uint64_t make_case(FIXTURE_DATA(hostile) *self, enum case_id id,
			  struct hs_arg *a, bool *placed)
{
	struct pool *p = &self->pool;
	uint64_t arg_gva = p->arg_area + 4096 - 64;

	*a = self->base;
	*placed = false;
	switch (id) {
	case MAGIC:
		a->hdr.magic ^= 0x100;
		break;
	case MAGIC_ZERO:
		a->hdr.magic = 0;
		break;
	case VERSION_0:
		a->hdr.version = 0;
		break;
	case VERSION_2:
		a->hdr.version = 2;
		break;
	case SIZE_SMALL:
		a->hdr.size -= sizeof(struct hostsig_region);
		a->len = a->hdr.size;
		break;
	case SIZE_LARGE:
		a->hdr.size += sizeof(struct hostsig_region);
		a->len = a->hdr.size;
		break;
	case LEN_LONGER:
		a->len += 8;
		break;
	case LEN_SHORTER:
		a->len -= 8;
		break;
	case LEN_ZERO:
		a->len = 0;
		break;
	case LEN_HEADER_ONLY:
		a->len = 12;
		break;
	case LEN_HUGE:
		a->len = ~0ull;
		break;
	case FORMAT_0:
		a->hdr.format = 0;
		break;
	case FORMAT_3:
		a->hdr.format = 3;
		break;
	case FORMAT_MAX:
		a->hdr.format = ~0u;
		break;
	case FLAGS_UNKNOWN:
		a->hdr.flags = 1u << 1;
		break;
	case FLAGS_TOP:
		a->hdr.flags = HOSTSIG_ARG_F_HEADER_REBASED | 1u << 31;
		break;
	case RESERVED:
		a->hdr.reserved = 1;
		break;
	case NR_ZERO:
		a->hdr.nr_regions = 0;
		a->hdr.size = a->len = HOSTSIG_ARGBLOCK_SIZE(0);
		break;
	case NR_17:
		add_tiny_regions(self, a, 17);
		break;
	case NR_1000:
		add_tiny_regions(self, a, 1000);
		break;
	case KIND_0:
		region(a, 2)->kind = 0;
		break;
	case KIND_5:
		region(a, 1)->kind = 5;
		break;
	case KIND_MAX:
		region(a, 2)->kind = ~0u;
		break;
	case REGION_LEN_ZERO:
		region(a, 1)->len = 0;
		break;
	case OVERLAP_INSIDE:
		region(a, 1)->gva = p->image + 100;
		region(a, 1)->len = 200;
		break;
	case OVERLAP_SAME:
		*region(a, 1) = *region(a, 0);
		region(a, 1)->kind = HOSTSIG_REGION_TAIL;
		break;
	case OVERLAP_LAST_BYTE:
		region(a, 1)->gva = p->image + IMAGE_LEN - 1;
		region(a, 1)->len = 2;
		break;
	case ADJACENT_OK:
		region(a, 1)->gva = p->image + IMAGE_LEN;
		region(a, 1)->len = 3 * 4096 - IMAGE_LEN;
		break;
	case NO_IMAGE:
		region(a, 0)->kind = HOSTSIG_REGION_FILE;
		break;
	case TOTAL_OVER:
		region(a, 0)->gva = p->big;
		region(a, 0)->len = self->max_bytes + 1;
		break;
	case SUM_OVER:
		region(a, 0)->gva = p->big;
		region(a, 0)->len = self->max_bytes - SIG_LEN - TAIL_LEN + 1;
		break;
	case EXACTLY_MAX:
		region(a, 0)->gva = p->big;
		region(a, 0)->len = self->max_bytes - SIG_LEN - TAIL_LEN;
		break;
	case LEN_MAX:
		region(a, 1)->len = ~0ull;
		break;
	case LEN_2_63:
		region(a, 2)->len = 1ull << 63;
		break;
	case LEN_SUM_WRAPS:
		/* 2^64 - 4096 + 8192: the sum is 4096 modulo 2^64. */
		region(a, 1)->len = -4096ull;
		region(a, 2)->gva = p->big;
		region(a, 2)->len = 8192;
		break;
	case WRAP_TOP:
		region(a, 1)->gva = 0xfffffffffffff000ull;
		region(a, 1)->len = 0x2000;
		break;
	case WRAP_LAST_PAGE:
		region(a, 2)->gva = 0xffffffffffffff00ull;
		region(a, 2)->len = 0x101;
		break;
	case NONCANON_LOW:
		region(a, 1)->gva = 0x0000800000000000ull;
		break;
	case NONCANON_HIGH:
		region(a, 1)->gva = 0xffff7ffffffff000ull;
		break;
	case NONCANON_TOP_BIT:
		region(a, 0)->gva = 0x8000000000001000ull;
		break;
	case CROSSES_HOLE:
		region(a, 1)->gva = 0x00007ffffffff000ull;
		region(a, 1)->len = 0x2000;
		break;
	case UNMAPPED:
		region(a, 2)->gva = p->guard;
		break;
	case HOLE_IN_MIDDLE:
		region(a, 0)->gva = p->hole + 100;
		region(a, 0)->len = 4 * 4096;
		break;
	case PAST_MAPPING:
		/* The tail's page ends where its guard page starts. */
		region(a, 2)->gva = p->tail + 4096 - TAIL_LEN + 1;
		break;
	case ARG_UNMAPPED:
		arg_gva = p->guard;
		*placed = true;
		break;
	case ARG_CROSSES_END:
		arg_gva = p->arg_area + ARG_AREA - 64;
		break;
	case ARG_NONCANON:
		arg_gva = 0x0000900000000000ull;
		*placed = true;
		break;
	case ARG_NULL:
		arg_gva = 0;
		*placed = true;
		break;
	case MAX_REGIONS_OK:
		add_tiny_regions(self, a, HOSTSIG_MAX_REGIONS);
		break;
	case NAME_NO_NUL_OK:
		memset(a->hdr.name, 'n', sizeof(a->hdr.name));
		break;
	case BASES_ANY_OK:
		a->hdr.load_base = ~0ull;
		a->hdr.image_base = 0x8000000000000000ull;
		break;
	}
	return arg_gva;
}

TEST_F_TIMEOUT(hostile, table, SLOW_TEST_S)
{
	unsigned int i, failed = 0;
	struct hs_arg *a = malloc(sizeof(*a));

	ASSERT_NE(NULL, a);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int model;
		uint64_t arg_gva;
		bool placed;

		arg_gva = make_case(self, cases[i].id, a, &placed);
		/* The model must agree with the table before it judges alone. */
		model = expected_codes(self, a, arg_gva);
		EXPECT_EQ(cases[i].expected, model)
			TH_LOG("%s: the model expects %#x, the table %#x",
			       cases[i].name, model, cases[i].expected);
		if (!try_block(_metadata, self, cases[i].name, a, arg_gva, placed,
			       cases[i].expected, true))
			failed++;
	}
	free(a);
	EXPECT_EQ(0, failed);
	check_baseline(_metadata, self);
}

/* ---- randomized -------------------------------------------------------------------- */

#define RANDOM_BLOCKS	400

static uint64_t pick_gva(FIXTURE_DATA(hostile) *self, uint64_t *rnd)
{
	struct pool *p = &self->pool;
	uint64_t r = hs_rand(rnd);

	switch (r % 12) {
	case 0:
		return p->image + (r >> 8) % IMAGE_LEN;
	case 1:
		return p->sig;
	case 2:
		return p->tail + (r >> 8) % 4096;
	case 3:
		return p->tiny[(r >> 8) % NR_TINY];
	case 4:
		return p->guard + (r >> 8) % 4096;
	case 5:
		return p->hole + (r >> 8) % (5 * 4096);
	case 6:
		return p->big + (r >> 8) % p->big_len;
	case 7:
		/* Usually non-canonical. */
		return hs_rand(rnd) | 1ull << 47;
	case 8:
		/* Near the top. */
		return -(1 + (r >> 8) % 8192);
	case 9:
		return 0x00007fffffffffffull - (r >> 8) % 8192;
	case 10:
		return p->arg_area + 4096;
	default:
		return p->image;
	}
}

static uint64_t pick_len(uint64_t *rnd)
{
	uint64_t r = hs_rand(rnd);

	switch (r % 8) {
	case 0:
		return 0;
	case 1:
		return 1 + (r >> 8) % 64;
	case 2:
		return 1 + (r >> 8) % (3 * 4096);
	case 3:
		return (1 << 20) + (r >> 8) % 8192 - 4096;
	case 4:
		return hs_rand(rnd);
	case 5:
		return -((r >> 8) % 8192);
	case 6:
		return 1ull << (47 + (r >> 8) % 17);
	default:
		return 64;
	}
}

/*
 * Somewhere else for the block: in its own area (written there, possibly
 * running off its end), or where nothing is mapped (then not written).
 */
static uint64_t pick_arg_gva(FIXTURE_DATA(hostile) *self, uint64_t *rnd,
			     bool *placed)
{
	struct pool *p = &self->pool;
	uint64_t r = hs_rand(rnd);

	*placed = true;
	switch (r % 5) {
	case 0:
		return p->guard + (r >> 8) % 4096;
	case 1:
		return hs_rand(rnd) | 1ull << 47;
	case 2:
		return -(1 + (r >> 8) % 8192);
	case 3:
		return (r >> 8) % 4096;
	default:
		*placed = false;
		return p->arg_area + (r >> 8) % ARG_AREA;
	}
}

/* Break 1 to 3 things at random; the model says what each deserves. */
static uint64_t make_random(FIXTURE_DATA(hostile) *self, struct hs_arg *a,
			    uint64_t *rnd, bool *placed)
{
	uint64_t arg_gva = self->pool.arg_area + 4096 - 64;
	int n = 1 + hs_rand(rnd) % 3;

	*a = self->base;
	*placed = false;
	if (hs_rand(rnd) % 4 == 0)
		add_tiny_regions(self, a, 4 + hs_rand(rnd) % 15);
	while (n--) {
		uint64_t r = hs_rand(rnd);
		/* Regions beyond nr_regions are still in the buffer: fine to edit. */
		uint32_t ri = (r >> 8) % 20;

		switch (r % 16) {
		case 0:
			a->hdr.magic = hs_rand(rnd);
			break;
		case 1:
			a->hdr.version = hs_rand(rnd) % 4;
			break;
		case 2:
			a->hdr.size = hs_rand(rnd) % 1024;
			break;
		case 3:
			a->len = (int64_t)a->len + (int64_t)(hs_rand(rnd) % 64) - 32;
			break;
		case 4:
			a->hdr.format = hs_rand(rnd) % 2 ? 0 : hs_rand(rnd) | 4;
			break;
		case 5:
			a->hdr.flags = 1u << (hs_rand(rnd) % 32);
			break;
		case 6:
			a->hdr.reserved = hs_rand(rnd) | 1;
			break;
		case 7: {
			uint32_t nr = hs_rand(rnd) % 24;

			if (nr > a->hdr.nr_regions)
				add_tiny_regions(self, a, nr);
			a->hdr.nr_regions = nr;
			if (hs_rand(rnd) % 2)
				a->hdr.size = a->len = HOSTSIG_ARGBLOCK_SIZE(nr);
			break;
		}
		case 8:
			region(a, ri)->kind = hs_rand(rnd) % 7;
			break;
		case 9:
			region(a, ri)->len = pick_len(rnd);
			break;
		case 10:
			region(a, ri)->gva = pick_gva(self, rnd);
			break;
		case 11:
			region(a, ri)->gva = pick_gva(self, rnd);
			region(a, ri)->len = pick_len(rnd);
			break;
		case 12:
			/* Overlap another region, or touch it. */
			*region(a, ri) = *region(a, (ri + 1) % 20);
			region(a, ri)->gva += hs_rand(rnd) % 2 ?
				region(a, ri)->len : hs_rand(rnd) % 128;
			region(a, ri)->len = 1 + hs_rand(rnd) % 128;
			break;
		case 13:
			/* Any byte of the block, to anything. */
			a->buf[hs_rand(rnd) % HOSTSIG_ARGBLOCK_SIZE(20)] = hs_rand(rnd);
			break;
		case 14:
			arg_gva = pick_arg_gva(self, rnd, placed);
			break;
		default:
			/* Never wrong: names, bases, tags. */
			a->hdr.name[hs_rand(rnd) % HOSTSIG_NAME_LEN] = hs_rand(rnd);
			a->hdr.load_base = hs_rand(rnd);
			region(a, ri)->tag = hs_rand(rnd);
		}
	}
	return arg_gva;
}

TEST_F_TIMEOUT(hostile, randomized, SLOW_TEST_S)
{
	uint64_t seed = getenv("HOSTSIG_SEED") ? strtoull(getenv("HOSTSIG_SEED"), NULL, 0) :
			(uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	struct hs_arg *a = malloc(sizeof(*a));
	unsigned int i, failed = 0;
	uint64_t rnd = seed;

	ASSERT_NE(NULL, a);
	TH_LOG("seed %#lx (HOSTSIG_SEED replays it)", seed);
	for (i = 0; i < RANDOM_BLOCKS; i++) {
		char name[64];
		uint64_t arg_gva;
		bool placed;

		arg_gva = make_random(self, a, &rnd, &placed);
		snprintf(name, sizeof(name), "random block %u", i);
		if (!try_block(_metadata, self, name, a, arg_gva, placed,
			       expected_codes(self, a, arg_gva), false))
			failed++;
	}
	free(a);
	EXPECT_EQ(0, failed);
	check_baseline(_metadata, self);
}

/* ---- component ids ---------------------------------------------------------------- */

FIXTURE(ids) {
	struct hs_guest g, g2;
	struct hs_ring ring;
	struct hs_nl nl;
};

FIXTURE_SETUP(ids)
{
	self->ring.fd = -1;
	ASSERT_EQ(0, hostsig_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	hs_guest_create(&self->g, 0, 2);
}

FIXTURE_TEARDOWN(ids)
{
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g);
	hs_guest_destroy(&self->g2);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

TEST_F_TIMEOUT(ids, query_and_unregister_what_is_gone, SLOW_TEST_S)
{
	static const uint64_t never[] = { 0, ~0ull, 1ull << 63, 0x7fffffffffffffffull };
	struct hs_attrs st0, st1, comp;
	const struct hostsig_record *rec;
	struct hs_comp a, b;
	unsigned long enoent = 0;
	uint64_t a_record;
	unsigned int i;
	int64_t q;

	hs_comp_make(&self->g, &a, "a", 5000, 100);
	hs_comp_make(&self->g, &b, "b", 3000, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &a));
	ASSERT_LT(0, hs_comp_register(&self->g, &b));
	ASSERT_NE(a.id, b.id);
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, a.id, &comp));
	a_record = comp.u[HOSTSIG_A_COMP_RECORD_ID];
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st0));

	/* Asking twice is asking: the same answer. */
	q = hs_query(&self->g, a.id);
	ASSERT_LE(0, q);
	ASSERT_EQ(q, hs_query(&self->g, a.id));

	ASSERT_EQ(0, hs_unregister(&self->g, a.id));
	ASSERT_EQ(-HOSTSIG_ENOENT, hs_unregister(&self->g, a.id));
	ASSERT_EQ(-HOSTSIG_ENOENT, hs_query(&self->g, a.id));
	enoent += 2;
	/* The other one is untouched. */
	ASSERT_EQ(q, hs_query(&self->g, b.id));
	for (i = 0; i < ARRAY_SIZE(never); i++) {
		ASSERT_EQ(-HOSTSIG_ENOENT, hs_query(&self->g, never[i]));
		ASSERT_EQ(-HOSTSIG_ENOENT, hs_unregister(&self->g, never[i]));
		enoent += 2;
	}
	ASSERT_EQ(-HOSTSIG_ENOENT, hs_query(&self->g, b.id + 1000));
	enoent++;

	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st1));
	EXPECT_EQ(enoent, st1.u[HOSTSIG_A_STATS_QUERY_UNKNOWN_ID] -
			  st0.u[HOSTSIG_A_STATS_QUERY_UNKNOWN_ID]);
	EXPECT_EQ(1, st1.u[HOSTSIG_A_STATS_UNREGISTERED] - st0.u[HOSTSIG_A_STATS_UNREGISTERED]);
	/* "Live now": the unregistered one (kept for inspection) is not. */
	EXPECT_EQ(1, st1.u[HOSTSIG_A_STATS_COMPONENTS]);
	EXPECT_LE(3, st1.u[HOSTSIG_A_STATS_QUERIES] - st0.u[HOSTSIG_A_STATS_QUERIES]);

	/*
	 * Kept for inspection (keep_unloaded), as UNLOADED; its record
	 * discarded, which gives it back (it was first: the ring passed it).
	 */
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, a.id, &comp));
	EXPECT_EQ(HOSTSIG_STATE_UNLOADED, comp.u[HOSTSIG_A_COMP_STATE]);
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	EXPECT_EQ(NULL, hs_ring_find_record(&self->ring, a_record));
	/* The first record the fresh module wrote, at position 0: a's. */
	rec = hs_ring_at(&self->ring, 0);
	EXPECT_EQ(a_record, rec->record_id);
	EXPECT_EQ(HOSTSIG_RECORD_DISCARD, hs_record_flags(rec));
	EXPECT_EQ(rec->len, hs_ring_consumer(&self->ring));
	EXPECT_EQ(-EALREADY, hs_ring_release(&self->ring, a_record));
	rec = hs_ring_find(&self->ring, b.id, true);
	ASSERT_NE(NULL, rec);
	EXPECT_EQ(0, hs_record_flags(rec));
}

TEST_F_TIMEOUT(ids, another_vms_ids_are_not_there, SLOW_TEST_S)
{
	struct hs_attrs comp;
	struct hs_comp a, b;
	int64_t q;

	hs_guest_create(&self->g2, 0, 2);
	hs_comp_make(&self->g, &a, "mine", 4096, 0);
	hs_comp_make(&self->g2, &b, "theirs", 4096, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &a));
	ASSERT_LT(0, hs_comp_register(&self->g2, &b));

	ASSERT_EQ(-HOSTSIG_ENOENT, hs_query(&self->g, b.id));
	ASSERT_EQ(-HOSTSIG_ENOENT, hs_unregister(&self->g, b.id));
	ASSERT_EQ(-HOSTSIG_ENOENT, hs_query(&self->g2, a.id));
	ASSERT_EQ(-HOSTSIG_ENOENT, hs_unregister(&self->g2, a.id));

	/* Both still there for their own VM. */
	q = hs_query(&self->g2, b.id);
	ASSERT_LE(0, q);
	ASSERT_EQ(HOSTSIG_STATE_PENDING, HOSTSIG_QUERY_STATE(q));
	ASSERT_LE(0, hs_query(&self->g, a.id));
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, b.id, &comp));
	ASSERT_EQ(HOSTSIG_STATE_PENDING, comp.u[HOSTSIG_A_COMP_STATE]);
	ASSERT_EQ(0, hs_unregister(&self->g2, b.id));
	ASSERT_EQ(0, hs_unregister(&self->g, a.id));
}

TEST_F_TIMEOUT(ids, never_reused, SLOW_TEST_S)
{
	struct hs_comp c[2];
	int64_t ids[40];
	int i, j;

	/* Two VMs registering and unregistering the same thing in turn. */
	hs_guest_create(&self->g2, 1, 2);
	hs_comp_make(&self->g, &c[0], "again", 4096, 0);
	hs_comp_make(&self->g2, &c[1], "again", 4096, 0);
	c[0].arg_gva = hs_arg_place(&self->g, &c[0].arg);
	c[1].arg_gva = hs_arg_place(&self->g2, &c[1].arg);
	for (i = 0; i < 40; i++) {
		struct hs_guest *g = i % 2 ? &self->g2 : &self->g;

		ids[i] = hs_register(g, c[i % 2].arg_gva, c[i % 2].arg.len);
		ASSERT_LT(0, ids[i]);
		ASSERT_EQ(0, hs_unregister(g, ids[i]));
		for (j = 0; j < i; j++) {
			ASSERT_NE(ids[j], ids[i]) TH_LOG("id %ld came back", ids[i]);
		}
	}
}

/* ---- the edges of guest memory ----------------------------------------------------- */

FIXTURE(edges) {
	struct hs_guest g;
	struct hs_ring ring;
	struct hs_nl nl;
	struct hs_events *ev;
};

FIXTURE_SETUP(edges)
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

FIXTURE_TEARDOWN(edges)
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

/* A component of one IMAGE region [gva, gva + len); REGISTER's answer. */
static int64_t register_image_at(struct hs_guest *g, struct hs_comp *c,
				 const char *name, uint64_t gva, uint64_t len)
{
	hs_comp_init(c, name);
	hs_arg_add(&c->arg, HOSTSIG_REGION_IMAGE, 0, gva, len);
	return hs_comp_register(g, c);
}

/*
 * Regions that end exactly at 2^64, where gva + len wraps to 0: the page
 * at the top of the address space is captured and tracked like any other
 * (its bytes in the record, its guest physical page in the tamper event),
 * with no kernel warning; with that page unmapped, EFAULT.
 */
TEST_F_TIMEOUT(edges, top_of_address_space, SLOW_TEST_S)
{
	const uint64_t top = 0xfffffffffffff000ull;
	const struct hostsig_record *rec;
	uint8_t want[4096];
	const struct hs_attrs *tamper;
	struct hs_attrs comp;
	struct hs_comp c, d, e;

	hs_map(&self->g, top, 1, false, -1);
	hs_guest_fill_pattern(&self->g, top, 4096, 0x70b);
	hs_pattern_words(want, 0x70b, 0, 4096);

	ASSERT_LT(0, register_image_at(&self->g, &c, "top page", top, 4096));
	rec = hs_ring_find(&self->ring, c.id, false);
	ASSERT_NE(NULL, rec) TH_LOG("%s", self->ring.why);
	EXPECT_EQ(0, memcmp(want, (const uint8_t *)rec + rec->regions[0].offset, 4096));
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_TRACKED_PAGES]);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec->record_id,
					  HOSTSIG_VERDICT_AUTHENTIC));
	hs_guest_fill_pattern(&self->g, top + 4000, 8, 1);
	tamper = hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER, c.id, 60000);
	ASSERT_NE(NULL, tamper);
	EXPECT_EQ(addr_gva2gpa(self->g.vm, top) + 4000,
		  tamper->u[HOSTSIG_A_COMP_TAMPER_GPA]);
	ASSERT_EQ(0, hs_unregister(&self->g, c.id));

	/* The last 100 bytes: one page, from its middle. */
	hs_guest_fill_pattern(&self->g, top, 4096, 0x70b);
	ASSERT_LT(0, register_image_at(&self->g, &d, "top bytes", 0ull - 100, 100));
	/* The capture the tamper set off may still be writing ahead of it. */
	rec = hs_ring_find_wait(&self->ring, d.id, false, 10000);
	ASSERT_NE(NULL, rec) TH_LOG("%s", self->ring.why);
	EXPECT_EQ(0, memcmp(want + 4096 - 100,
			    (const uint8_t *)rec + rec->regions[0].offset, 100));

	/* Two pages up to the top, the lower one unmapped. */
	EXPECT_EQ(-HOSTSIG_EFAULT, register_image_at(&self->g, &e, "top two",
						     top - 4096, 8192));
}

/* ---- per-VM quotas ----------------------------------------------------------------- */

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
	hs_guest_create(&self->g, 0, 4);
}

FIXTURE_TEARDOWN(quota)
{
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g);
	hs_guest_destroy(&self->g2);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

TEST_F_TIMEOUT(quota, vm_max_components, SLOW_TEST_S)
{
	struct hs_attrs st0, st1;
	struct hs_comp c[4], other;
	int i;

	ASSERT_EQ(0, hostsig_param_set("vm_max_components", 3));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st0));
	for (i = 0; i < 4; i++)
		hs_comp_make(&self->g, &c[i], "counted", 4096, 0);
	for (i = 0; i < 3; i++)
		ASSERT_LT(0, hs_comp_register(&self->g, &c[i]));
	ASSERT_EQ(-HOSTSIG_EQUOTA, hs_comp_register(&self->g, &c[3]));
	ASSERT_TRUE(hostsig_error_retryable(HOSTSIG_EQUOTA));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st1));
	EXPECT_EQ(1, st1.u[HOSTSIG_A_STATS_REFUSED_QUOTA] - st0.u[HOSTSIG_A_STATS_REFUSED_QUOTA]);
	EXPECT_EQ(3, st1.u[HOSTSIG_A_STATS_COMPONENTS]);

	/* Per VM: another VM is not affected. */
	hs_guest_create(&self->g2, 0, 1);
	hs_comp_make(&self->g2, &other, "elsewhere", 4096, 0);
	ASSERT_LT(0, hs_comp_register(&self->g2, &other));

	/* An unloaded component no longer counts. */
	ASSERT_EQ(0, hs_unregister(&self->g, c[0].id));
	ASSERT_LT(0, hs_comp_register(&self->g, &c[3]));
}

TEST_F_TIMEOUT(quota, vm_max_pending_mib, SLOW_TEST_S)
{
	const struct hostsig_record *rec;
	struct hs_comp a, b;
	struct hs_attrs vm;

	ASSERT_EQ(0, hostsig_param_set("vm_max_pending_mib", 1));
	hs_comp_make(&self->g, &a, "first", 600 << 10, 0);
	hs_comp_make(&self->g, &b, "second", 600 << 10, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &a));
	ASSERT_EQ(-HOSTSIG_EQUOTA, hs_comp_register(&self->g, &b));

	/* A verdict on the first: nothing waits any more, the second fits. */
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	rec = hs_ring_find(&self->ring, a.id, false);
	ASSERT_NE(NULL, rec);
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, rec->vm_id, &vm));
	EXPECT_EQ(600 << 10, vm.u[HOSTSIG_A_VM_PENDING_BYTES]);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, a.id, rec->record_id,
					  HOSTSIG_VERDICT_AUTHENTIC));
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, rec->vm_id, &vm));
	EXPECT_EQ(0, vm.u[HOSTSIG_A_VM_PENDING_BYTES]);
	ASSERT_LT(0, hs_comp_register(&self->g, &b));
}

/*
 * vm_register_rate per second with a burst of vm_register_burst: a guest
 * registering as fast as it can gets EQUOTA after the burst and whatever
 * the elapsed time refilled, not before and not much after.
 */
TEST_F_TIMEOUT(quota, vm_register_rate, SLOW_TEST_S)
{
	const int rate = 1, burst = 5, attempts = 40;
	int ok = 0, quota = 0, i;
	double start, elapsed_s;
	struct hs_comp c;

	ASSERT_EQ(0, hostsig_param_set("vm_register_rate", rate));
	ASSERT_EQ(0, hostsig_param_set("vm_register_burst", burst));
	hs_comp_make(&self->g, &c, "fast", 4096, 0);
	c.arg_gva = hs_arg_place(&self->g, &c.arg);
	start = hs_now_ns();
	for (i = 0; i < attempts; i++) {
		int64_t ret = hs_register(&self->g, c.arg_gva, c.arg.len);

		if (ret > 0) {
			ok++;
			ASSERT_EQ(0, hs_unregister(&self->g, ret));
		} else {
			ASSERT_EQ(-HOSTSIG_EQUOTA, ret);
			quota++;
		}
	}
	elapsed_s = (hs_now_ns() - start) / 1e9;
	TH_LOG("%d accepted, %d EQUOTA in %.2f s (rate %d/s, burst %d)",
	       ok, quota, elapsed_s, rate, burst);
	ASSERT_LE(burst, ok);
	/* The bucket cannot have given more than burst + rate * time. */
	ASSERT_GE(burst + rate * elapsed_s + 1, ok);
	ASSERT_LT(0, quota);
}

TEST_HARNESS_MAIN
