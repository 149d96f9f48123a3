// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Undo a PE/COFF load: from the bytes a loader left in memory, the bytes of
 * the file it loaded.
 *
 * A loader maps the headers at the load address and each section's raw data
 * at its RVA, then writes: the load address into ImageBase, the load delta
 * into every base relocation target, resolved addresses into the import
 * address tables, the TLS index, and the /GS security cookie. We undo those
 * writes in the opposite order (so that relocation targets a later step
 * overwrote come out the way the file had them), on a copy-on-write shadow
 * of the image: only the pages we change are copied, the digest reads the
 * rest straight from the caller's buffer.
 *
 * The signature then vouches for every file-backed byte of the image except
 * the ones a loader writes with values only it knows (resolved imports, the
 * cookie, the TLS index): those are reported as unverified regions, as are
 * non-zero bytes outside all file-backed ranges. Structures we read to undo
 * the load (relocation blocks, import lookup tables, the load configuration)
 * are file-backed, so a lie in them changes the digest.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SHADOW_PAGE		4096u
#define IMPORT_DESCRIPTOR_SIZE	20
#define RELOC_BLOCK_HEADER	8

/* IMAGE_REL_BASED_* types, as Windows applies them on every machine */
#define REL_ABSOLUTE		0
#define REL_HIGH		1
#define REL_LOW			2
#define REL_HIGHLOW		3
#define REL_HIGHADJ		4
#define REL_DIR64		10

/* Default /GS cookies: the value in the file, which the loader replaces. */
#define COOKIE_DEFAULT_PE32	0xbb40e64eull
#define COOKIE_DEFAULT_PE32PLUS	0x00002b992ddfa232ull

/* IMAGE_LOAD_CONFIG_DIRECTORY offsets: PE32, PE32+ */
static const uint32_t lc_cookie_off[2] = { 0x3c, 0x58 };
static const uint32_t lc_guard_check_off[2] = { 0x48, 0x70 };
static const uint32_t lc_guard_dispatch_off[2] = { 0x4c, 0x78 };
/* IMAGE_TLS_DIRECTORY.AddressOfIndex: PE32, PE32+ */
static const uint32_t tls_index_off[2] = { 8, 16 };

struct pe_unload {
	struct pe_source ops;
	const struct hostsig_pe_loaded *in;
	const struct pe_image *pe;
	struct hostsig_result *res;
	uint32_t size;			/* SizeOfImage: what we read of in->image */
	uint8_t **pages;		/* private copies of changed pages */
	size_t nr_pages;
	uint64_t mask;			/* pointer-sized arithmetic */
	uint64_t delta;			/* load_base - ImageBase */
	unsigned int wide;		/* 1 for PE32+, index into the tables above */
	bool zero_padding;		/* raw data past VirtualSize: zeros, not memory */
	struct self_import {		/* an import slot that points into the image */
		uint64_t slot_rva;
		uint64_t target_rva;
		bool found;
	} self_import;
};

enum backing {
	BACKED_NONE,		/* headers, gaps, or across ranges */
	BACKED_FILE,		/* raw data the loader mapped */
	BACKED_ZERO_FILL,	/* inside a section, past its raw data */
};

static enum backing backing(const struct pe_unload *u, uint64_t rva, uint64_t n)
{
	uint16_t lo = 0, hi = u->pe->nr_va;

	if (!span_ok(u->size, rva, n))
		return BACKED_NONE;
	/* Last section starting at or before rva. */
	while (lo < hi) {
		uint16_t mid = (uint16_t)((lo + hi) / 2);

		if (u->pe->sections[u->pe->va_order[mid]].vaddr <= rva)
			lo = (uint16_t)(mid + 1);
		else
			hi = mid;
	}
	if (!lo)
		return BACKED_NONE;
	const struct pe_section *s = &u->pe->sections[u->pe->va_order[lo - 1]];
	uint64_t off = rva - s->vaddr;

	if (off + n <= s->mapped)
		return BACKED_FILE;
	if (off >= s->mapped && off + n <= s->vsize)
		return BACKED_ZERO_FILL;
	return BACKED_NONE;
}

static bool image_read(const struct pe_unload *u, uint64_t rva, unsigned int n,
		       uint64_t *v)
{
	return read_le(u->in->image, u->size, rva, n, v);
}

static uint8_t *shadow_page(struct pe_unload *u, size_t page)
{
	if (!u->pages[page]) {
		size_t off = page * SHADOW_PAGE;
		size_t n = u->size - off < SHADOW_PAGE ? u->size - off : SHADOW_PAGE;

		u->pages[page] = calloc(1, SHADOW_PAGE);
		if (!u->pages[page])
			return NULL;
		memcpy(u->pages[page], u->in->image + off, n);
	}
	return u->pages[page];
}

/* Callers checked that [rva, rva + n) is file-backed, so inside the image. */
static uint64_t shadow_read(const struct pe_unload *u, uint32_t rva, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++) {
		size_t at = (size_t)rva + i;
		const uint8_t *page = u->pages[at / SHADOW_PAGE];
		uint8_t b = page ? page[at % SHADOW_PAGE] : u->in->image[at];

		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

static int shadow_write(struct pe_unload *u, uint32_t rva, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		size_t at = (size_t)rva + i;
		uint8_t *page = shadow_page(u, at / SHADOW_PAGE);

		if (!page)
			return result_set(u->res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
		page[at % SHADOW_PAGE] = (uint8_t)(v >> (8 * i));
	}
	return 0;
}

/*
 * A value the loader writes that the file cannot have told it. Restore what
 * the file holds (when the slot is file-backed), and report the slot unless
 * the loader left it alone.
 */
static int loader_slot(struct pe_unload *u, enum hostsig_unverified_kind kind,
		       uint64_t rva, unsigned int n, uint64_t file_value)
{
	uint64_t cur;

	switch (backing(u, rva, n)) {
	case BACKED_FILE:
		cur = shadow_read(u, (uint32_t)rva, n);
		if (cur == file_value)
			return 0;
		if (shadow_write(u, (uint32_t)rva, file_value, n))
			return -1;
		break;
	case BACKED_ZERO_FILL:
		if (!image_read(u, rva, n, &cur))
			return result_set(u->res, HOSTSIG_R_INTERNAL_ERROR, "bad zero-fill slot");
		if (!cur)
			return 0;
		break;
	case BACKED_NONE:
	default:
		/* Outside the image no loader writes: nothing to undo, and the
		 * digest judges the pointer (a wrong load base lands here). */
		if (!span_ok(u->size, rva, n))
			return 0;
		return result_set(u->res, HOSTSIG_R_UNSUPPORTED_IMAGE,
				  "%s at RVA 0x%llx is outside every section: a loader write that cannot be undone",
				  hostsig_unverified_kind_name(kind), (unsigned long long)rva);
	}
	return result_add_region(u->res, kind, rva, n);
}

/* A VA the loader relocated, as an RVA. */
static uint64_t va_to_rva(const struct pe_unload *u, uint64_t va)
{
	return (va - u->in->load_base) & u->mask;
}

/*
 * An import resolves to another component. One that leads back into this
 * image (its code, its slack, the middle of an instruction) is nothing a
 * loader writes: the guest chose where the call goes, and chose the signed
 * image's own bytes. The first such slot is kept for the verdict.
 */
static void check_import_target(struct pe_unload *u, uint64_t slot_rva, uint64_t target)
{
	uint64_t rva = va_to_rva(u, target);

	if (rva < u->size && !u->self_import.found)
		u->self_import = (struct self_import){ slot_rva, rva, true };
}

static int restore_thunks(struct pe_unload *u, unsigned int desc, uint32_t ilt,
			  uint32_t iat)
{
	unsigned int w = u->pe->ptr_size;
	bool changed = false;
	uint64_t i;

	for (i = 0;; i++) {
		uint64_t ilt_rva = ilt + i * w, iat_rva = iat + i * w, entry, cur;

		if (!image_read(u, ilt_rva, w, &entry))
			return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "import lookup table of descriptor %u runs out of the image",
					  desc);
		if (!entry)
			break;
		if (backing(u, iat_rva, w) != BACKED_FILE)
			return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "import address table slot at RVA 0x%llx is not file-backed",
					  (unsigned long long)iat_rva);
		cur = shadow_read(u, (uint32_t)iat_rva, w);
		if (cur != entry) {
			changed = true;
			check_import_target(u, iat_rva, cur);
			if (shadow_write(u, (uint32_t)iat_rva, entry, w))
				return -1;
		}
	}
	if (changed)
		return result_add_region(u->res, HOSTSIG_UNVERIFIED_IMPORT_ADDRESS_TABLE,
					 iat, i * w);
	return 0;
}

/* The loader filled each import address table; the file had a copy of the
 * import lookup table there. */
static int undo_imports(struct pe_unload *u)
{
	const struct pe_image *pe = u->pe;
	uint64_t rva;

	if (pe->nr_dirs <= PE_DIR_IMPORT || !pe->dirs[PE_DIR_IMPORT].rva)
		return 0;
	rva = pe->dirs[PE_DIR_IMPORT].rva;
	for (unsigned int n = 0;; n++, rva += IMPORT_DESCRIPTOR_SIZE) {
		uint64_t ilt, stamp, name, iat;

		if (n >= HOSTSIG_PE_MAX_IMPORT_DESCRIPTORS)
			return result_set(u->res, HOSTSIG_R_UNSUPPORTED_IMAGE,
					  "more than %u import descriptors",
					  HOSTSIG_PE_MAX_IMPORT_DESCRIPTORS);
		if (!image_read(u, rva, 4, &ilt) || !image_read(u, rva + 4, 4, &stamp) ||
		    !image_read(u, rva + 12, 4, &name) || !image_read(u, rva + 16, 4, &iat))
			return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "import descriptor %u out of bounds", n);
		if (!name || !iat)
			break;
		if (stamp)
			return result_set(u->res, HOSTSIG_R_UNSUPPORTED_IMAGE,
					  "import descriptor %u is bound: the file's import address table is unknown",
					  n);
		if (!ilt)
			return result_set(u->res, HOSTSIG_R_UNSUPPORTED_IMAGE,
					  "import descriptor %u has no lookup table to restore its address table from",
					  n);
		if (restore_thunks(u, n, (uint32_t)ilt, (uint32_t)iat))
			return -1;
	}
	return 0;
}

static int undo_tls_index(struct pe_unload *u)
{
	const struct pe_image *pe = u->pe;
	uint64_t va;

	if (pe->nr_dirs <= PE_DIR_TLS || !pe->dirs[PE_DIR_TLS].rva)
		return 0;
	if (!image_read(u, (uint64_t)pe->dirs[PE_DIR_TLS].rva + tls_index_off[u->wide],
			pe->ptr_size, &va))
		return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "TLS directory out of bounds");
	if (!va)
		return 0;
	return loader_slot(u, HOSTSIG_UNVERIFIED_TLS_INDEX, va_to_rva(u, va), 4, 0);
}

/*
 * Control Flow Guard: the loader may point these slots at its own check
 * functions. The file held addresses inside the image, which we cannot
 * recover once overwritten.
 */
static int check_guard_slot(struct pe_unload *u, uint64_t lc, uint32_t lc_size,
			    uint32_t off)
{
	unsigned int w = u->pe->ptr_size;
	uint64_t va, slot, value;

	if (lc_size < off + w)
		return 0;
	if (!image_read(u, lc + off, w, &va))
		return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "load configuration out of bounds");
	if (!va)
		return 0;
	slot = va_to_rva(u, va);
	/* Outside the image no loader writes: the digest judges it. */
	if (!image_read(u, slot, w, &value))
		return 0;
	if (value && va_to_rva(u, value) >= u->size)
		return result_set(u->res, HOSTSIG_R_UNSUPPORTED_IMAGE,
				  "the loader rewrote the Control Flow Guard pointer at RVA 0x%llx; the file's value is lost",
				  (unsigned long long)slot);
	return 0;
}

static int undo_load_config(struct pe_unload *u)
{
	const struct pe_image *pe = u->pe;
	uint64_t lc, size, va;
	unsigned int w = pe->ptr_size;

	if (pe->nr_dirs <= PE_DIR_LOAD_CONFIG || !pe->dirs[PE_DIR_LOAD_CONFIG].rva)
		return 0;
	lc = pe->dirs[PE_DIR_LOAD_CONFIG].rva;
	if (!image_read(u, lc, 4, &size) || !span_ok(u->size, lc, size))
		return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "load configuration out of bounds");
	if (size >= lc_cookie_off[u->wide] + w) {
		if (!image_read(u, lc + lc_cookie_off[u->wide], w, &va))
			return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "load configuration out of bounds");
		if (va && loader_slot(u, HOSTSIG_UNVERIFIED_SECURITY_COOKIE, va_to_rva(u, va), w,
				      w == 8 ? COOKIE_DEFAULT_PE32PLUS : COOKIE_DEFAULT_PE32))
			return -1;
	}
	if (check_guard_slot(u, lc, (uint32_t)size, lc_guard_check_off[u->wide]) ||
	    check_guard_slot(u, lc, (uint32_t)size, lc_guard_dispatch_off[u->wide]))
		return -1;
	return 0;
}

struct reloc {
	uint32_t rva;
	uint16_t type;
	uint16_t param;		/* HIGHADJ: the low half of the full value */
};

static int undo_one_reloc(struct pe_unload *u, const struct reloc *r,
			  uint32_t dir_rva, uint32_t dir_size)
{
	unsigned int n = r->type == REL_DIR64 ? 8 : r->type == REL_HIGHLOW ? 4 : 2;
	uint64_t v, d = u->delta;

	if (backing(u, r->rva, n) != BACKED_FILE)
		return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "relocation at RVA 0x%x is not file-backed", r->rva);
	/* Relocations that move the relocation table would make the table we
	 * read differ from the one a loader read. */
	if ((uint64_t)r->rva + n > dir_rva && r->rva < (uint64_t)dir_rva + dir_size)
		return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "relocation at RVA 0x%x patches the relocation table",
				  r->rva);
	v = shadow_read(u, r->rva, n);
	switch (r->type) {
	case REL_DIR64:
		v -= d;
		break;
	case REL_HIGHLOW:
		v = (v - d) & 0xffffffffu;
		break;
	case REL_LOW:
		v = (v - d) & 0xffff;
		break;
	case REL_HIGH:
		v = (v - ((uint32_t)d >> 16)) & 0xffff;
		break;
	case REL_HIGHADJ: {
		/* The loader computed ((v << 16) + (s16)param + delta + 0x8000)
		 * >> 16; the low half never carries into v. */
		uint32_t x = (uint32_t)(int32_t)(int16_t)r->param + (uint32_t)d + 0x8000u;

		v = (v - (x >> 16)) & 0xffff;
		break;
	}
	}
	return shadow_write(u, r->rva, v, n);
}

/* One block's entries, in order; HIGHADJ takes the next entry as its param. */
static int decode_block(struct pe_unload *u, const uint8_t *block,
			struct reloc *out, size_t *nr)
{
	uint32_t page = le32(block), block_size = le32(block + 4);
	size_t count = (block_size - RELOC_BLOCK_HEADER) / 2;

	*nr = 0;
	for (size_t i = 0; i < count; i++) {
		uint16_t e = le16(block + RELOC_BLOCK_HEADER + 2 * i);
		unsigned int type = e >> 12;
		uint64_t rva = (uint64_t)page + (e & 0xfff);
		uint16_t param = 0;

		switch (type) {
		case REL_ABSOLUTE:
			continue;
		case REL_HIGH:
		case REL_LOW:
		case REL_HIGHLOW:
		case REL_DIR64:
			break;
		case REL_HIGHADJ:
			if (++i >= count)
				return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
						  "HIGHADJ relocation without its parameter");
			param = le16(block + RELOC_BLOCK_HEADER + 2 * i);
			break;
		default:
			return result_set(u->res, HOSTSIG_R_UNSUPPORTED_IMAGE,
					  "relocation type %u for machine 0x%x",
					  type, u->pe->machine);
		}
		if (rva > UINT32_MAX)
			return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "relocation beyond 4 GiB");
		out[(*nr)++] = (struct reloc){
			.rva = (uint32_t)rva, .type = (uint16_t)type, .param = param,
		};
	}
	return 0;
}

/*
 * The loader added the delta at every relocation target, block after block,
 * entry after entry. Subtracting it in the reverse order is the exact
 * inverse even when targets overlap.
 */
static int undo_relocations(struct pe_unload *u)
{
	const struct pe_image *pe = u->pe;
	uint32_t dir_rva, dir_size, *blocks = NULL;
	size_t nr_blocks = 0, max_entries = 0;
	struct reloc *relocs = NULL;
	const uint8_t *dir;
	int ret = -1;

	if (!u->delta || pe->nr_dirs <= PE_DIR_BASERELOC ||
	    !pe->dirs[PE_DIR_BASERELOC].size)
		return 0;
	dir_rva = pe->dirs[PE_DIR_BASERELOC].rva;
	dir_size = pe->dirs[PE_DIR_BASERELOC].size;
	if (!span_ok(u->size, dir_rva, dir_size) ||
	    backing(u, dir_rva, dir_size) != BACKED_FILE)
		return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "relocation table 0x%x+0x%x is not file-backed",
				  dir_rva, dir_size);
	dir = u->in->image + dir_rva;
	blocks = calloc(dir_size / RELOC_BLOCK_HEADER + 1, sizeof(*blocks));
	if (!blocks)
		return result_set(u->res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	/* Trailing bytes too short for a block header are padding. */
	for (uint32_t pos = 0; dir_size - pos >= RELOC_BLOCK_HEADER;) {
		uint32_t block_size = le32(dir + pos + 4);

		if (block_size < RELOC_BLOCK_HEADER || block_size > dir_size - pos ||
		    block_size % 2) {
			result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
				   "relocation block at RVA 0x%llx has size %u",
				   (unsigned long long)dir_rva + pos, block_size);
			goto out;
		}
		blocks[nr_blocks++] = pos;
		if ((block_size - RELOC_BLOCK_HEADER) / 2 > max_entries)
			max_entries = (block_size - RELOC_BLOCK_HEADER) / 2;
		pos += block_size;
	}
	relocs = calloc(max_entries ? max_entries : 1, sizeof(*relocs));
	if (!relocs) {
		result_set(u->res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
		goto out;
	}
	for (size_t b = nr_blocks; b-- > 0;) {
		size_t nr;

		if (decode_block(u, dir + blocks[b], relocs, &nr))
			goto out;
		for (size_t i = nr; i-- > 0;)
			if (undo_one_reloc(u, &relocs[i], dir_rva, dir_size))
				goto out;
	}
	ret = 0;
out:
	free(blocks);
	free(relocs);
	return ret;
}

struct interval {
	uint64_t start;
	uint64_t end;
};

static int interval_cmp(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	static const uint8_t zeros[4096];

	while (n) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);

		if (memcmp(p, zeros, k))
			return false;
		p += k;
		n -= k;
	}
	return true;
}

/* Raw data past VirtualSize that a loader mapped: file padding. */
static uint32_t padding_start(const struct pe_section *sec)
{
	return sec->vsize < sec->mapped ? sec->vsize : sec->mapped;
}

/* The file-backed bytes of a section in memory, in the current reading. */
static uint32_t file_backed(const struct pe_unload *u, const struct pe_section *sec)
{
	return u->zero_padding ? padding_start(sec) : sec->mapped;
}

typedef int (*gap_fn)(struct pe_unload *u, uint64_t start, uint64_t end, void *arg);

/*
 * fn for every range of the image that neither the file (headers, raw
 * data) nor a slot the loader wrote covers: what a loader leaves zero.
 */
static int for_each_gap(struct pe_unload *u, gap_fn fn, void *arg)
{
	size_t nr = 0, max = 1 + u->pe->nr_va + u->res->nr_regions;
	struct interval *iv = calloc(max, sizeof(*iv));
	uint64_t cursor = 0;
	int ret = 0;

	if (!iv)
		return result_set(u->res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	iv[nr++] = (struct interval){ 0, u->pe->size_of_headers };
	for (uint16_t k = 0; k < u->pe->nr_va; k++) {
		const struct pe_section *s = &u->pe->sections[u->pe->va_order[k]];

		iv[nr++] = (struct interval){ s->vaddr, (uint64_t)s->vaddr + file_backed(u, s) };
	}
	for (size_t r = 0; r < u->res->nr_regions; r++) {
		const struct hostsig_unverified *reg = &u->res->regions[r];

		if (reg->kind != HOSTSIG_UNVERIFIED_SLACK)
			iv[nr++] = (struct interval){ reg->rva, (uint64_t)reg->rva + reg->size };
	}
	qsort(iv, nr, sizeof(*iv), interval_cmp);
	for (size_t i = 0; i < nr && !ret; i++) {
		uint64_t end = iv[i].start < u->size ? iv[i].start : u->size;

		if (cursor < end)
			ret = fn(u, cursor, end, arg);
		if (iv[i].end > cursor)
			cursor = iv[i].end;
	}
	if (!ret && cursor < u->size)
		ret = fn(u, cursor, u->size, arg);
	free(iv);
	return ret;
}

/* [*start, *end) narrowed to its first and last non-zero byte; false if none. */
static bool nonzero_span(const uint8_t *img, uint64_t *start, uint64_t *end)
{
	if (*start >= *end || all_zero(img + *start, *end - *start))
		return false;
	while (!img[*start])
		(*start)++;
	while (!img[*end - 1])
		(*end)--;
	return true;
}

static int report_slack(struct pe_unload *u, uint64_t start, uint64_t end, void *arg)
{
	(void)arg;
	if (!nonzero_span(u->in->image, &start, &end))
		return 0;
	return result_add_region(u->res, HOSTSIG_UNVERIFIED_SLACK, start, end - start);
}

/*
 * Loaders zero what no raw data fills. Non-zero bytes there are not covered
 * by the signature: report them.
 */
static int find_slack(struct pe_unload *u)
{
	return for_each_gap(u, report_slack, NULL);
}

/*
 * Executable memory: the pages of every section a loader maps executable
 * (IMAGE_SCN_MEM_EXECUTE, or code), from its RVA over its extent, page by
 * page, since page protections are what makes bytes executable.
 */
static bool section_executable(const struct pe_section *s)
{
	return s->characteristics & (IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_CNT_CODE);
}

struct exec_hit {
	uint64_t start, end;
	uint16_t section;
	bool found;
};

static int exec_gap(struct pe_unload *u, uint64_t start, uint64_t end, void *arg)
{
	struct exec_hit *hit = arg;

	for (uint16_t k = 0; k < u->pe->nr_va; k++) {
		const struct pe_section *s = &u->pe->sections[u->pe->va_order[k]];
		uint64_t from = (uint64_t)s->vaddr & ~(uint64_t)(PE_PAGE_SIZE - 1);
		uint64_t to = ((uint64_t)s->vaddr + s->extent + PE_PAGE_SIZE - 1) &
			      ~(uint64_t)(PE_PAGE_SIZE - 1);

		if (!section_executable(s))
			continue;
		from = from > start ? from : start;
		to = to < end ? to : end;
		if (nonzero_span(u->in->image, &from, &to)) {
			*hit = (struct exec_hit){ from, to, u->pe->va_order[k], true };
			return 1;
		}
	}
	return 0;
}

int pe_unload_check_imports(struct pe_unload *u, struct hostsig_result *res)
{
	if (!u->self_import.found)
		return 0;
	return result_set(res, HOSTSIG_R_LOAD_MISMATCH,
			  "the import address table slot at RVA 0x%llx points into the image itself, at RVA 0x%llx",
			  (unsigned long long)u->self_import.slot_rva,
			  (unsigned long long)u->self_import.target_rva);
}

/*
 * Executable bytes the signature does not cover must be zero, as every
 * loader leaves them: anything else there is code nobody signed, in pages
 * that run as the component's own.
 */
int pe_unload_check_executable(struct pe_unload *u, struct hostsig_result *res)
{
	struct exec_hit hit = { 0 };

	u->res = res;
	if (for_each_gap(u, exec_gap, &hit) < 0)
		return -1;
	if (!hit.found)
		return 0;
	return result_set(res, HOSTSIG_R_LOAD_MISMATCH,
			  "non-zero bytes at RVA 0x%llx+0x%llx, in the executable pages of section %u, are covered by no signature",
			  (unsigned long long)hit.start, (unsigned long long)(hit.end - hit.start),
			  hit.section);
}

static int hash_image(const struct pe_unload *u, struct digest_set *ds,
		      uint64_t rva, uint64_t len)
{
	while (len) {
		size_t page = (size_t)(rva / SHADOW_PAGE);
		uint64_t n;

		if (u->pages[page]) {
			n = SHADOW_PAGE - rva % SHADOW_PAGE;
			if (n > len)
				n = len;
			if (digest_set_update(ds, u->pages[page] + rva % SHADOW_PAGE, n))
				return -1;
		} else {
			/* A run of untouched pages in one go. */
			size_t last = page;

			while (last + 1 < u->nr_pages && !u->pages[last + 1] &&
			       (uint64_t)(last + 1) * SHADOW_PAGE < rva + len)
				last++;
			n = (uint64_t)(last + 1) * SHADOW_PAGE - rva;
			if (n > len)
				n = len;
			if (digest_set_update(ds, u->in->image + rva, n))
				return -1;
		}
		rva += n;
		len -= n;
	}
	return 0;
}

static int unload_headers(const struct pe_source *src, struct digest_set *ds,
			  uint32_t off, uint32_t len)
{
	return hash_image((const struct pe_unload *)src, ds, off, len);
}

static int unload_section(const struct pe_source *src, struct digest_set *ds,
			  const struct pe_section *sec)
{
	const struct pe_unload *u = (const struct pe_unload *)src;
	uint32_t from_image = file_backed(u, sec);

	if (hash_image(u, ds, sec->vaddr, from_image))
		return -1;
	/* Raw data no loader maps (past the section's last page) is linker
	 * padding in the file: zeros. */
	return digest_set_zeros(ds, sec->raw_size - from_image);
}

static int unload_trailing(const struct pe_source *src, struct digest_set *ds)
{
	const struct pe_unload *u = (const struct pe_unload *)src;

	return digest_set_update(ds, u->in->tail, u->in->tail_len);
}

static int set_bases(struct pe_unload *u)
{
	const struct hostsig_pe_loaded *in = u->in;
	uint64_t image_base = in->has_image_base ? in->image_base : u->pe->image_base;

	u->mask = u->pe->ptr_size == 8 ? UINT64_MAX : UINT32_MAX;
	if ((image_base & ~u->mask) || (in->load_base & ~u->mask))
		return result_set(u->res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "base 0x%llx or ImageBase 0x%llx does not fit a PE32 image",
				  (unsigned long long)in->load_base,
				  (unsigned long long)image_base);
	u->delta = (in->load_base - image_base) & u->mask;
	if (image_base == u->pe->image_base)
		return 0;
	return shadow_write(u, u->pe->image_base_off, image_base, u->pe->ptr_size);
}

struct pe_unload *pe_unload_new(const struct hostsig_pe_loaded *in,
				struct pe_image *pe, struct hostsig_result *res)
{
	struct pe_unload *u = calloc(1, sizeof(*u));

	if (!u) {
		result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
		return NULL;
	}
	u->ops = (struct pe_source){ unload_headers, unload_section, unload_trailing };
	u->in = in;
	u->pe = pe;
	u->res = res;
	u->wide = pe->ptr_size == 8;
	/* Bytes past SizeOfImage would be covered by nothing; fewer are not
	 * the image. */
	if (pe->size_of_image != in->image_len) {
		result_set(res, HOSTSIG_R_LOAD_MISMATCH,
			   "the image is 0x%zx bytes, SizeOfImage is 0x%x", in->image_len,
			   pe->size_of_image);
		goto err;
	}
	if (pe->size_of_headers > pe->size_of_image) {
		result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
			   "SizeOfHeaders 0x%x beyond SizeOfImage 0x%x",
			   pe->size_of_headers, pe->size_of_image);
		goto err;
	}
	u->size = pe->size_of_image;
	u->nr_pages = (u->size + SHADOW_PAGE - 1) / SHADOW_PAGE;
	u->pages = calloc(u->nr_pages ? u->nr_pages : 1, sizeof(*u->pages));
	if (!u->pages) {
		result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
		goto err;
	}
	/* Last write first: cookie, TLS index, imports, relocations, base. */
	if (pe_layout(pe, res) || set_bases(u) || undo_load_config(u) ||
	    undo_tls_index(u) || undo_imports(u) || undo_relocations(u) ||
	    find_slack(u))
		goto err;
	result_sort_regions(res);
	return u;
err:
	pe_unload_free(u);
	return NULL;
}

/*
 * Windows maps a section's raw data up to its last page, file padding past
 * VirtualSize included; UEFI loaders copy VirtualSize bytes and may leave
 * whatever the page held after them. We first take the padding from memory
 * (right for Windows, and for any loader when the page was clean); when that
 * fails to match, the caller may retry with the file padding taken as zeros,
 * the bytes in memory then being reported as slack.
 */
bool pe_unload_padding_nonzero(const struct pe_unload *u)
{
	for (uint16_t i = 0; i < u->pe->nr_sections; i++) {
		const struct pe_section *s = &u->pe->sections[i];
		uint32_t start = padding_start(s);

		if (start < s->mapped &&
		    !all_zero(u->in->image + s->vaddr + start, s->mapped - start))
			return true;
	}
	return false;
}

int pe_unload_zero_padding(struct pe_unload *u, struct hostsig_result *res)
{
	u->zero_padding = true;
	for (uint16_t i = 0; i < u->pe->nr_sections; i++) {
		const struct pe_section *s = &u->pe->sections[i];

		u->res = res;
		if (report_slack(u, (uint64_t)s->vaddr + padding_start(s),
				 (uint64_t)s->vaddr + s->mapped, NULL))
			return -1;
	}
	result_sort_regions(res);
	return 0;
}

const struct pe_source *pe_unload_source(struct pe_unload *u)
{
	return &u->ops;
}

void pe_unload_free(struct pe_unload *u)
{
	if (!u)
		return;
	for (size_t i = 0; u->pages && i < u->nr_pages; i++)
		free(u->pages[i]);
	free(u->pages);
	free(u);
}
