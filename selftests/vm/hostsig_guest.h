/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest that does what the test tells it, one step at a time, and the
 * guest memory the test lays components out in.
 *
 * The guest runs hs_guest_agent(): it reads a command from hs_guest_cmd (a
 * global of the test binary, which the KVM selftest library loads into the
 * guest at the same address), executes it (a hypercall, or writing a
 * pattern into its own memory), and reports the result with GUEST_SYNC.
 * The test writes the next command into the guest's copy of hs_guest_cmd
 * and runs the vCPU again. So the hypercalls really come from the guest, at
 * CPL 0 in 64-bit mode, with the guest's page tables, and every test can
 * script any sequence of them.
 *
 * Guest memory for components is mapped page by page at virtual addresses
 * far from what the library uses, onto physical pages in shuffled order,
 * with an unmapped guard page after every allocation: a region is virtually
 * contiguous but physically scattered, and a read past its end faults.
 */
#ifndef HOSTSIG_GUEST_H
#define HOSTSIG_GUEST_H

#include <time.h>

#include "hostsig_test.h"

enum hs_guest_op {
	HS_OP_HYPERCALL = 1,	/* RAX = arg[0], RBX.. = arg[1..4] */
	HS_OP_FILL,		/* write hs_pattern(seed) to [gva, gva + len) */
	HS_OP_DONE,		/* GUEST_DONE */
	HS_OP_COPY,		/* copy [arg[1], + arg[2]) to arg[0] */
	HS_OP_SGDT,		/* GDTR := {arg[1], arg[2]}, SGDT to arg[0], GDTR back */
	HS_OP_SIDT,		/* IDTR := {arg[1], arg[2]}, SIDT to arg[0], IDTR back */
};

struct hs_guest_cmd {
	uint64_t op;
	uint64_t arg[5];
};

/* The guest's copy is the one that counts; the test writes it through HVA. */
static struct hs_guest_cmd hs_guest_cmd;

/* ---- the byte pattern components are made of ----------------------------- */

static inline uint64_t hs_mix64(uint64_t x)
{
	/* splitmix64's finalizer: every input bit changes every output bit. */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Byte @off of the pattern with this seed: computable at any offset. */
static inline uint8_t hs_pattern_byte(uint64_t seed, uint64_t off)
{
	return hs_mix64(seed ^ (off >> 3)) >> ((off & 7) * 8);
}

/* Fill a host buffer with bytes [off, off + len) of the pattern. */
static inline void hs_pattern_fill(void *buf, uint64_t seed, uint64_t off,
				   uint64_t len)
{
	uint8_t *p = buf;
	uint64_t i;

	for (i = 0; i < len; i++)
		p[i] = hs_pattern_byte(seed, off + i);
}

/* ---- guest side ------------------------------------------------------------ */

static void hs_guest_fill(uint64_t gva, uint64_t len, uint64_t seed)
{
	uint64_t *q = (uint64_t *)gva;
	uint8_t *b = (uint8_t *)gva;
	uint64_t i, words = len / 8;

	/* Word by word where we can: this is the guest's memcpy speed. */
	for (i = 0; i < words; i++)
		q[i] = hs_mix64(seed ^ i);
	for (i = words * 8; i < len; i++)
		b[i] = hs_mix64(seed ^ (i >> 3)) >> ((i & 7) * 8);
}

/* One 8-byte store per word (one emulated write each), then bytes. */
static void hs_guest_copy_words(uint64_t dst, uint64_t src, uint64_t len)
{
	uint64_t i;

	for (i = 0; i + 8 <= len; i += 8)
		*(volatile uint64_t *)(dst + i) = *(volatile uint64_t *)(src + i);
	for (; i < len; i++)
		*(volatile uint8_t *)(dst + i) = *(volatile uint8_t *)(src + i);
}

/*
 * Stores that KVM's emulator makes without telling page-track: on a
 * tracked page each faults, and KVM emulates it with a write that only
 * the integrity scrub sees. SGDT (SIDT) stores what a crafted GDTR (IDTR)
 * holds, so its 10 bytes are the attacker's choice; nothing loads a
 * segment or takes an interrupt meanwhile.
 */
struct hs_desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void hs_guest_sgdt(uint64_t dst, uint64_t limit, uint64_t base)
{
	struct hs_desc_ptr saved, crafted = { .limit = limit, .base = base };

	asm volatile("sgdt %0" : "=m"(saved));
	asm volatile("lgdt %0" : : "m"(crafted));
	asm volatile("sgdt (%0)" : : "r"(dst) : "memory");
	asm volatile("lgdt %0" : : "m"(saved));
}

static void hs_guest_sidt(uint64_t dst, uint64_t limit, uint64_t base)
{
	struct hs_desc_ptr saved, crafted = { .limit = limit, .base = base };

	asm volatile("sidt %0" : "=m"(saved));
	asm volatile("lidt %0" : : "m"(crafted));
	asm volatile("sidt (%0)" : : "r"(dst) : "memory");
	asm volatile("lidt %0" : : "m"(saved));
}

static void hs_guest_agent(void)
{
	for (;;) {
		/* The test rewrites it while the guest is stopped in GUEST_SYNC. */
		volatile struct hs_guest_cmd *cmd = &hs_guest_cmd;
		uint64_t ret = 0;

		switch (cmd->op) {
		case HS_OP_HYPERCALL:
			ret = kvm_hypercall(cmd->arg[0], cmd->arg[1], cmd->arg[2],
					    cmd->arg[3], cmd->arg[4]);
			break;
		case HS_OP_FILL:
			hs_guest_fill(cmd->arg[0], cmd->arg[1], cmd->arg[2]);
			break;
		case HS_OP_DONE:
			GUEST_DONE();
			break;
		case HS_OP_COPY:
			hs_guest_copy_words(cmd->arg[0], cmd->arg[1], cmd->arg[2]);
			break;
		case HS_OP_SGDT:
			hs_guest_sgdt(cmd->arg[0], cmd->arg[1], cmd->arg[2]);
			break;
		case HS_OP_SIDT:
			hs_guest_sidt(cmd->arg[0], cmd->arg[1], cmd->arg[2]);
			break;
		default:
			GUEST_ASSERT_2(0, cmd->op, 0);
		}
		GUEST_SYNC(ret);
	}
}

/* ---- host side --------------------------------------------------------------- */

/* Where component memory starts: canonical, far above the library's. */
#define HS_GVA_BASE		0x0000100000000000ull
/* Its physical pages: a memslot of their own, above the library's slot 0. */
#define HS_MEMSLOT		1
#define HS_GPA_BASE		0x40000000ull

#define HS_MAX_MAPPED	512

struct hs_guest {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	uint64_t next_gva;	/* the next unused component address */
	uint64_t shuffle;	/* state of the page shuffle */
	double last_call_ns;	/* wall time of the last hs_guest_call() */
	/* What hs_map() mapped, as [start, end) ranges of virtual addresses. */
	struct {
		uint64_t start, end;
	} mapped[HS_MAX_MAPPED];
	int nmapped;
};

static inline double hs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * A VM with one vCPU (id @vcpu_id) running the agent, and @extra_mib MiB of
 * memory for components (in a memslot of their own) besides what the
 * library needs.
 */
static inline void hs_guest_create(struct hs_guest *g, uint32_t vcpu_id,
				   uint64_t extra_mib)
{
	uint64_t pages = extra_mib << (20 - 12);

	memset(g, 0, sizeof(*g));
	/* Slot 0 gets room for the page tables of these pages too. */
	g->vm = __vm_create(VM_MODE_DEFAULT, 1, pages + 64 * 512);
	if (pages)
		vm_userspace_mem_region_add(g->vm, VM_MEM_SRC_ANONYMOUS,
					    HS_GPA_BASE, HS_MEMSLOT, pages, 0);
	g->vcpu = vm_vcpu_add(g->vm, vcpu_id, hs_guest_agent);
	g->next_gva = HS_GVA_BASE;
	g->shuffle = 0x1234 + vcpu_id;
}

/*
 * Close a VM that KVM declared dead (every ioctl fails with EIO, so the
 * library's kvm_vm_free(), which deletes memslots first, cannot be used):
 * the file descriptors only, which is what destroys it.
 */
static inline void hs_guest_abandon(struct hs_guest *g)
{
	if (!g->vm)
		return;
	if (g->vm->stats_fd)
		close(g->vm->stats_fd);
	g->vm->stats_fd = 0;
	kvm_vm_release(g->vm);
	g->vm = NULL;
	g->vcpu = NULL;
}

/*
 * End the VM as a VMM that exits does: close it, then unmap its memory.
 * Not the library's kvm_vm_free(): that deletes every memslot while the
 * VM still lives, which hostsig.ko rightly takes as a change under every
 * tracked page there (a VMM that goes on running the VM could put
 * anything behind it), so a test would tear down with tamper events.
 */
static inline void hs_guest_destroy(struct hs_guest *g)
{
	struct userspace_mem_region *region;
	struct hlist_node *node;
	struct kvm_vm *vm = g->vm;
	int bkt;

	if (!vm)
		return;
	hs_guest_abandon(g);
	hash_for_each_safe(vm->regions.slot_hash, bkt, node, region, slot_node) {
		hash_del(&region->slot_node);
		sparsebit_free(&region->unused_phy_pages);
		munmap(region->mmap_start, region->mmap_size);
		if (region->mmap_alias)
			munmap(region->mmap_alias, region->mmap_size);
		free(region);
	}
	sparsebit_free(&vm->vpages_valid);
	sparsebit_free(&vm->vpages_mapped);
	free(vm);
}

/* Have the guest run one command; its result. */
static inline uint64_t hs_guest_call(struct hs_guest *g, uint64_t op,
				     uint64_t a0, uint64_t a1, uint64_t a2,
				     uint64_t a3, uint64_t a4)
{
	struct hs_guest_cmd *cmd = addr_gva2hva(g->vm, (vm_vaddr_t)&hs_guest_cmd);
	double start;
	uint64_t ret;

	cmd->op = op;
	cmd->arg[0] = a0;
	cmd->arg[1] = a1;
	cmd->arg[2] = a2;
	cmd->arg[3] = a3;
	cmd->arg[4] = a4;
	start = hs_now_ns();
	ret = hostsig_next_sync(g->vcpu);
	g->last_call_ns = hs_now_ns() - start;
	return ret;
}

static inline int64_t hs_hypercall(struct hs_guest *g, uint64_t nr,
				   uint64_t a0, uint64_t a1)
{
	return (int64_t)hs_guest_call(g, HS_OP_HYPERCALL, nr, a0, a1, 0, 0);
}

static inline int64_t hs_register(struct hs_guest *g, uint64_t arg_gva,
				  uint64_t arg_len)
{
	return hs_hypercall(g, HOSTSIG_HC_REGISTER, arg_gva, arg_len);
}

static inline int64_t hs_query(struct hs_guest *g, uint64_t id)
{
	return hs_hypercall(g, HOSTSIG_HC_QUERY, id, 0);
}

static inline int64_t hs_unregister(struct hs_guest *g, uint64_t id)
{
	return hs_hypercall(g, HOSTSIG_HC_UNREGISTER, id, 0);
}

static inline int64_t hs_init_done(struct hs_guest *g, uint64_t id)
{
	return hs_hypercall(g, HOSTSIG_HC_INIT_DONE, id, 0);
}

/* Have the guest write the pattern over its own memory. */
static inline void hs_guest_fill_pattern(struct hs_guest *g, uint64_t gva,
					 uint64_t len, uint64_t seed)
{
	hs_guest_call(g, HS_OP_FILL, gva, len, seed, 0, 0);
}

/* Have the guest copy its own memory, 8 bytes per store. */
static inline void hs_guest_copy(struct hs_guest *g, uint64_t dst_gva,
				 uint64_t src_gva, uint64_t len)
{
	hs_guest_call(g, HS_OP_COPY, dst_gva, src_gva, len, 0, 0);
}

/* Let the guest finish and check that it did. */
static inline void hs_guest_done(struct hs_guest *g)
{
	struct hs_guest_cmd *cmd = addr_gva2hva(g->vm, (vm_vaddr_t)&hs_guest_cmd);

	cmd->op = HS_OP_DONE;
	hostsig_expect_done(g->vcpu);
}

static inline uint64_t hs_rand(uint64_t *state)
{
	*state += 1;
	return hs_mix64(*state);
}

/*
 * Reserve @npages of unused guest virtual addresses, plus an unmapped guard
 * page after them. Nothing is mapped yet.
 */
static inline uint64_t hs_gva_reserve(struct hs_guest *g, uint64_t npages)
{
	uint64_t gva = g->next_gva;

	g->next_gva += (npages + 1) * 4096;
	return gva;
}

/*
 * Map [gva, gva + npages pages) onto fresh guest physical pages; with
 * @shuffle, in a random order, so that no two neighbours in virtual memory
 * are neighbours in physical memory (when npages > 1). @skip_page (or -1)
 * stays unmapped: a hole in the middle.
 */
static inline void hs_map(struct hs_guest *g, uint64_t gva, uint64_t npages,
			  bool shuffle, int64_t skip_page)
{
	uint64_t gpa = vm_phy_pages_alloc(g->vm, npages, HS_GPA_BASE, HS_MEMSLOT);
	uint64_t *perm = calloc(npages, sizeof(*perm));
	uint64_t i;

	TEST_ASSERT(perm, "out of memory");
	for (i = 0; i < npages; i++)
		perm[i] = i;
	if (shuffle && npages > 1) {
		/* Reverse, then Fisher-Yates; reversed is never contiguous. */
		for (i = 0; i < npages; i++)
			perm[i] = npages - 1 - i;
		for (i = npages - 1; i > 0; i--) {
			uint64_t j = hs_rand(&g->shuffle) % (i + 1), t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		/* A shuffle may leave neighbours: swap them apart. */
		for (i = 0; i + 1 < npages; i++) {
			if (perm[i + 1] == perm[i] + 1) {
				uint64_t k = (i + 2) % npages, t = perm[i + 1];

				perm[i + 1] = perm[k];
				perm[k] = t;
			}
		}
	}
	for (i = 0; i < npages; i++) {
		if ((int64_t)i == skip_page)
			continue;
		virt_pg_map(g->vm, gva + i * 4096, gpa + perm[i] * 4096);
		sparsebit_set(g->vm->vpages_mapped, (gva >> 12) + i);
	}
	free(perm);
	TEST_ASSERT(g->nmapped + 2 <= HS_MAX_MAPPED, "too many mappings");
	if (skip_page < 0 || skip_page >= (int64_t)npages) {
		g->mapped[g->nmapped].start = gva;
		g->mapped[g->nmapped++].end = gva + npages * 4096;
		return;
	}
	if (skip_page > 0) {
		g->mapped[g->nmapped].start = gva;
		g->mapped[g->nmapped++].end = gva + skip_page * 4096;
	}
	if ((uint64_t)skip_page + 1 < npages) {
		g->mapped[g->nmapped].start = gva + (skip_page + 1) * 4096;
		g->mapped[g->nmapped++].end = gva + npages * 4096;
	}
}

/* Whether hs_map() mapped every byte of [gva, gva + len). */
static inline bool hs_is_mapped(const struct hs_guest *g, uint64_t gva,
				uint64_t len)
{
	uint64_t end = gva + len;
	int i;

	if (!len || end < gva)
		return false;
	while (gva < end) {
		for (i = 0; i < g->nmapped; i++)
			if (gva >= g->mapped[i].start && gva < g->mapped[i].end)
				break;
		if (i == g->nmapped)
			return false;
		gva = g->mapped[i].end;
	}
	return true;
}

/* Count virtually adjacent pages that are also physically adjacent. */
static inline uint64_t hs_contiguous_pairs(struct hs_guest *g, uint64_t gva,
					   uint64_t len)
{
	uint64_t first = gva & ~4095ull, last = (gva + len - 1) & ~4095ull;
	uint64_t p, n = 0;

	for (p = first; p < last; p += 4096)
		if (addr_gva2gpa(g->vm, p) + 4096 == addr_gva2gpa(g->vm, p + 4096))
			n++;
	return n;
}

/* Reserve and map @len bytes (whole pages), shuffled; their address. */
static inline uint64_t hs_alloc(struct hs_guest *g, uint64_t len)
{
	uint64_t npages = (len + 4095) / 4096;
	uint64_t gva = hs_gva_reserve(g, npages ? npages : 1);

	hs_map(g, gva, npages ? npages : 1, true, -1);
	return gva;
}

/* Copy to and from guest virtual memory, page by page. */
static inline void hs_write(struct hs_guest *g, uint64_t gva, const void *buf,
			    uint64_t len)
{
	const uint8_t *src = buf;

	while (len) {
		uint64_t n = 4096 - (gva & 4095);

		if (n > len)
			n = len;
		memcpy(addr_gva2hva(g->vm, gva), src, n);
		gva += n;
		src += n;
		len -= n;
	}
}

static inline void hs_read(struct hs_guest *g, uint64_t gva, void *buf,
			   uint64_t len)
{
	uint8_t *dst = buf;

	while (len) {
		uint64_t n = 4096 - (gva & 4095);

		if (n > len)
			n = len;
		memcpy(dst, addr_gva2hva(g->vm, gva), n);
		gva += n;
		dst += n;
		len -= n;
	}
}

/* ---- argument blocks ----------------------------------------------------------- */

/* More than HOSTSIG_MAX_REGIONS, to build blocks with too many. */
#define HS_ARG_MAX_REGIONS	1024

struct hs_arg {
	union {
		struct hostsig_argblock hdr;
		uint8_t buf[HOSTSIG_ARGBLOCK_SIZE(HS_ARG_MAX_REGIONS)];
	};
	uint64_t len;		/* what REGISTER is told (argblock_len) */
};

static inline void hs_arg_init(struct hs_arg *a, uint32_t format,
			       const char *name, uint64_t load_base,
			       uint64_t image_base)
{
	memset(a, 0, sizeof(*a));
	a->hdr.magic = HOSTSIG_ARG_MAGIC;
	a->hdr.version = HOSTSIG_ARG_VERSION;
	a->hdr.format = format;
	a->hdr.load_base = load_base;
	a->hdr.image_base = image_base;
	/* NUL-padded; a name of 64 characters has no NUL, which is allowed. */
	memcpy(a->hdr.name, name, strnlen(name, sizeof(a->hdr.name)));
	a->hdr.size = HOSTSIG_ARGBLOCK_SIZE(0);
	a->len = a->hdr.size;
}

static inline struct hostsig_region *hs_arg_region(struct hs_arg *a,
						   unsigned int i)
{
	return (struct hostsig_region *)(a->buf + HOSTSIG_ARGBLOCK_SIZE(i));
}

static inline void hs_arg_add(struct hs_arg *a, uint32_t kind, uint32_t tag,
			      uint64_t gva, uint64_t len)
{
	struct hostsig_region *r;

	TEST_ASSERT(a->hdr.nr_regions < HS_ARG_MAX_REGIONS, "too many regions");
	r = hs_arg_region(a, a->hdr.nr_regions++);
	r->kind = kind;
	r->tag = tag;
	r->gva = gva;
	r->len = len;
	a->hdr.size = HOSTSIG_ARGBLOCK_SIZE(a->hdr.nr_regions);
	a->len = a->hdr.size;
}

/*
 * Copy the block to @gva, as far as it goes (len or size bytes, whichever
 * is more) but no further than @room bytes (where the mapping ends).
 */
static inline void hs_arg_place_at(struct hs_guest *g, const struct hs_arg *a,
				   uint64_t gva, uint64_t room)
{
	uint64_t bytes = a->len > a->hdr.size ? a->len : a->hdr.size;

	if (bytes > sizeof(a->buf))
		bytes = sizeof(a->buf);
	hs_write(g, gva, a->buf, bytes < room ? bytes : room);
}

/* Copy the block into freshly mapped guest memory; its address. */
static inline uint64_t hs_arg_place(struct hs_guest *g, const struct hs_arg *a)
{
	uint64_t bytes = a->len > sizeof(a->buf) ? sizeof(a->buf) : a->len;
	uint64_t gva;

	if (bytes < a->hdr.size)
		bytes = a->hdr.size;
	/* Start near a page's end, so a block of any size crosses pages. */
	gva = hs_alloc(g, bytes + 4096) + 4096 - 64;
	hs_write(g, gva, a->buf, bytes);
	return gva;
}

/* ---- components ----------------------------------------------------------------- */

/* A component laid out in guest memory, written by the guest itself. */
struct hs_comp {
	struct hs_arg arg;
	uint64_t seed[HOSTSIG_MAX_REGIONS];	/* of each region's bytes */
	uint64_t arg_gva;
	int64_t id;				/* REGISTER's answer */
};

static uint64_t hs_seed_state = 0x5eed;

/*
 * Add a region of @len bytes at @offset into fresh, shuffled pages, and have
 * the guest write its pattern.
 */
static inline void hs_comp_region(struct hs_guest *g, struct hs_comp *c,
				  uint32_t kind, uint32_t tag, uint64_t offset,
				  uint64_t len)
{
	unsigned int i = c->arg.hdr.nr_regions;
	uint64_t gva = hs_alloc(g, offset + len) + offset;

	TEST_ASSERT(i < HOSTSIG_MAX_REGIONS, "too many regions for a component");
	c->seed[i] = hs_rand(&hs_seed_state);
	hs_arg_add(&c->arg, kind, tag, gva, len);
	hs_guest_fill_pattern(g, gva, len, c->seed[i]);
}

/* Start a PE component: name, load base, preferred base. */
static inline void hs_comp_init(struct hs_comp *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	hs_arg_init(&c->arg, HOSTSIG_FMT_PE, name, 0xfffff80000400000ull,
		    0x140000000ull);
}

/* The usual component: an image and a signature block, both filled. */
static inline void hs_comp_make(struct hs_guest *g, struct hs_comp *c,
				const char *name, uint64_t image_len,
				uint64_t sig_len)
{
	hs_comp_init(c, name);
	hs_comp_region(g, c, HOSTSIG_REGION_IMAGE, 0, 0, image_len);
	if (sig_len)
		hs_comp_region(g, c, HOSTSIG_REGION_SIGNATURE, 0, 8, sig_len);
}

/* Place the argument block in guest memory and REGISTER; the answer. */
static inline int64_t hs_comp_register(struct hs_guest *g, struct hs_comp *c)
{
	c->arg_gva = hs_arg_place(g, &c->arg);
	c->id = hs_register(g, c->arg_gva, c->arg.len);
	return c->id;
}

/* Bytes of all regions. */
static inline uint64_t hs_comp_bytes(const struct hs_comp *c)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < c->arg.hdr.nr_regions; i++)
		sum += hs_arg_region((struct hs_arg *)&c->arg, i)->len;
	return sum;
}

#endif /* HOSTSIG_GUEST_H */
