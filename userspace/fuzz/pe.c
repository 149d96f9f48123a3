// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness for the PE/COFF verifier: the disk-file path and the
 * loaded-image path, with a trust store so that signatures can verify.
 *
 * Input: a mode byte, then
 *   bit 0 clear: the file;
 *   bit 0 set:   u64 load base, u64 ImageBase, u32 certificate table length,
 *                u32 tail length (little endian), with bit 2 set a u64
 *                declared load base, then the image, the table and the tail;
 *                bit 1 set: no ImageBase given.
 * selftests/verifier/pe-testtool fuzz-seed writes such inputs.
 *
 * Environment: HOSTSIG_FUZZ_TRUST and HOSTSIG_FUZZ_DENY name PEM files of
 * trusted and denied certificates.
 *
 * Besides the sanitizers, the harness checks the verdict's own invariants:
 * an authentic verdict needs a signature that is ok and signed the digest
 * the verifier computed, and for a loaded image a declared load base that
 * is where the image is.
 *
 * The mutator (LLVMFuzzerCustomMutator) knows the format: most of the time
 * it edits one field of the PE structures as a field (headers, data
 * directories, section headers, base relocation blocks, import
 * descriptors and thunks, load configuration and TLS pointers,
 * WIN_CERTIFICATE headers, the length and tag of a DER element inside a
 * signature, the loaded image's facts, bytes no signature covers), with
 * values chosen to sit on boundaries; otherwise it leaves the input to
 * libFuzzer's byte mutations. Byte mutation alone rarely makes a coherent
 * hostile section table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsig.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define MODE_LOADED		1u
#define MODE_NO_IMAGE_BASE	2u
#define MODE_DECLARED_BASE	4u
#define LOADED_HEADER		25	/* mode, two u64, two u32 */

static struct hostsig_trust *trust;

static void add_from_env(const char *var, bool deny)
{
	const char *path = getenv(var);
	static uint8_t buf[1 << 20];
	size_t len;
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if ((deny ? hostsig_trust_deny_cert(trust, buf, len) :
		    hostsig_trust_add_cert(trust, buf, len)) <= 0) {
		fprintf(stderr, "%s: no certificate\n", path);
		exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	trust = hostsig_trust_new();
	if (!trust)
		abort();
	add_from_env("HOSTSIG_FUZZ_TRUST", false);
	add_from_env("HOSTSIG_FUZZ_DENY", true);
	return 0;
}

static uint64_t get(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void check_invariants(const struct hostsig_result *res,
			     const struct hostsig_pe_loaded *in)
{
	bool ok = false;

	if (hostsig_reason_verdict(res->reason) != res->verdict)
		abort();
	if (res->verdict != HOSTSIG_AUTHENTIC)
		return;
	/* A loaded image is authentic only where the guest said it is. */
	if (in && in->has_declared_base && in->declared_base != in->load_base)
		abort();
	for (size_t i = 0; i < res->nr_signatures; i++) {
		const struct hostsig_signature *sig = &res->signatures[i];

		if (sig->status != HOSTSIG_R_OK)
			continue;
		if (sig->digest_len != res->digest_lens[sig->digest_type] ||
		    memcmp(sig->digest, res->digests[sig->digest_type], sig->digest_len))
			abort();
		ok = true;
	}
	if (!ok)
		abort();
}

/* The loaded-image input's parts; false if the input is not one. */
struct loaded_input {
	struct hostsig_pe_loaded in;
	size_t header;			/* bytes before the image */
};

static bool split_loaded(const uint8_t *data, size_t size, struct loaded_input *li)
{
	size_t rest;

	memset(li, 0, sizeof(*li));
	li->header = LOADED_HEADER + (data[0] & MODE_DECLARED_BASE ? 8 : 0);
	if (size < li->header)
		return false;
	li->in.load_base = get(data + 1, 8);
	li->in.image_base = get(data + 9, 8);
	li->in.has_image_base = !(data[0] & MODE_NO_IMAGE_BASE);
	li->in.cert_table_len = get(data + 17, 4);
	li->in.tail_len = get(data + 21, 4);
	if (data[0] & MODE_DECLARED_BASE) {
		li->in.declared_base = get(data + LOADED_HEADER, 8);
		li->in.has_declared_base = true;
	}
	rest = size - li->header;
	if (li->in.cert_table_len > rest || li->in.tail_len > rest - li->in.cert_table_len)
		return false;
	li->in.image = data + li->header;
	li->in.image_len = rest - li->in.cert_table_len - li->in.tail_len;
	li->in.cert_table = li->in.cert_table_len ? li->in.image + li->in.image_len : NULL;
	li->in.tail = li->in.image + li->in.image_len + li->in.cert_table_len;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostsig_result res;
	struct loaded_input li;

	if (size < 1)
		return 0;
	if (!(data[0] & MODE_LOADED)) {
		hostsig_verify_pe_file(trust, data + 1, size - 1, &res);
		check_invariants(&res, NULL);
	} else {
		if (!split_loaded(data, size, &li))
			return 0;
		hostsig_verify_pe_loaded(trust, &li.in, &res);
		check_invariants(&res, &li.in);
	}
	hostsig_result_release(&res);
	return 0;
}

/* ---- the structure-aware mutator ----------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	/* xorshift64*: deterministic for a seed, as libFuzzer wants */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? next(r) % n : 0;
}

/* Where the PE structures are in one input. */
struct pe_view {
	uint8_t *data;
	size_t *size;
	size_t max_size;
	bool loaded;
	size_t pe_off, pe_len;		/* the file, or the image */
	size_t table_off, table_len;	/* the certificate table, if any */
	/* headers, when they parse */
	bool parsed;
	size_t coff, opt, dirs, sections;	/* offsets in the PE bytes */
	unsigned int nr_dirs, nr_sections, ptr;
	uint32_t size_of_image;
	uint64_t load_base;
};

static uint8_t *pe_at(struct pe_view *v, uint64_t off, size_t n)
{
	if (off > v->pe_len || n > v->pe_len - off)
		return NULL;
	return v->data + v->pe_off + off;
}

static void view_headers(struct pe_view *v)
{
	uint8_t *p;
	uint16_t opt_size;

	v->parsed = false;
	p = pe_at(v, 0x3c, 4);
	if (!p)
		return;
	v->coff = get(p, 4) + 4;
	p = pe_at(v, v->coff, 20);
	if (!p)
		return;
	v->nr_sections = get(p + 2, 2);
	opt_size = get(p + 16, 2);
	v->opt = v->coff + 20;
	p = pe_at(v, v->opt, 112);
	if (!p)
		return;
	v->ptr = get(p, 2) == 0x20b ? 8 : 4;
	v->dirs = v->opt + (v->ptr == 8 ? 112 : 96);
	v->nr_dirs = get(p + (v->ptr == 8 ? 108 : 92), 4);
	if (v->nr_dirs > 16)
		v->nr_dirs = 16;
	v->size_of_image = get(p + 56, 4);
	v->sections = v->opt + opt_size;
	v->parsed = true;
}

static uint8_t *dir_entry(struct pe_view *v, unsigned int idx);

static void view_init(struct pe_view *v, uint8_t *data, size_t *size, size_t max_size)
{
	struct loaded_input li;

	memset(v, 0, sizeof(*v));
	v->data = data;
	v->size = size;
	v->max_size = max_size;
	v->loaded = data[0] & MODE_LOADED;
	if (v->loaded) {
		if (!split_loaded(data, *size, &li))
			return;
		v->pe_off = li.header;
		v->pe_len = li.in.image_len;
		v->table_off = v->pe_off + li.in.image_len;
		v->table_len = li.in.cert_table_len;
		v->load_base = li.in.load_base;
	} else {
		v->pe_off = 1;
		v->pe_len = *size - 1;
	}
	view_headers(v);
	if (!v->loaded && dir_entry(v, 4)) {
		uint8_t *d = dir_entry(v, 4);
		uint64_t off = get(d, 4), len = get(d + 4, 4);

		if (off <= v->pe_len && len <= v->pe_len - off) {
			v->table_off = v->pe_off + off;
			v->table_len = len;
		}
	}
}

/* A pointer to n bytes at an RVA: the image's own, or through the sections. */
static uint8_t *rva_at(struct pe_view *v, uint64_t rva, size_t n)
{
	if (v->loaded)
		return pe_at(v, rva, n);
	for (unsigned int i = 0; v->parsed && i < v->nr_sections; i++) {
		uint8_t *sh = pe_at(v, v->sections + 40 * (uint64_t)i, 40);
		uint64_t va, raw, ptr;

		if (!sh)
			return NULL;
		va = get(sh + 12, 4);
		raw = get(sh + 16, 4);
		ptr = get(sh + 20, 4);
		if (rva >= va && rva - va < raw && n <= raw - (rva - va))
			return pe_at(v, ptr + (rva - va), n);
	}
	return NULL;
}

static uint8_t *dir_entry(struct pe_view *v, unsigned int idx)
{
	if (!v->parsed || idx >= v->nr_dirs)
		return NULL;
	return pe_at(v, v->dirs + 8 * idx, 8);
}

/* A value near a boundary, a neighbour of old, or anything. */
static uint64_t boundary(struct rng *r, struct pe_view *v, uint64_t old)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 4, 7, 8, 0x10, 0x200, 0x1000, 0x7fff, 0x8000, 0xffff,
		0x10000, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff,
		0x8000000000000000ull, 0xffffffffffffffffull,
	};

	switch (below(r, 8)) {
	case 0:
		return fixed[below(r, sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return old + 1 + below(r, 8);
	case 2:
		return old - 1 - below(r, 8);
	case 3:
		return old ^ (1ull << below(r, 32));
	case 4:
		return v->pe_len - below(r, 16);
	case 5:
		return v->size_of_image - below(r, 16) + below(r, 16);
	case 6:
		return (old & ~0xfffull) + 0x1000 * below(r, 3);
	default:
		return next(r);
	}
}

static bool mutate_field(struct rng *r, struct pe_view *v, uint8_t *p, unsigned int n)
{
	if (!p)
		return false;
	put(p, boundary(r, v, get(p, n)), n);
	return true;
}

/* COFF and optional header fields the verifier reads */
static bool mutate_header(struct rng *r, struct pe_view *v)
{
	static const struct { bool opt; unsigned int off, n; } fields[] = {
		{ false, 2, 2 },	/* NumberOfSections */
		{ false, 16, 2 },	/* SizeOfOptionalHeader */
		{ false, 18, 2 },	/* Characteristics */
		{ true, 0, 2 },		/* Magic */
		{ true, 16, 4 },	/* AddressOfEntryPoint */
		{ true, 24, 8 },	/* ImageBase (PE32: BaseOfData + ImageBase) */
		{ true, 32, 4 },	/* SectionAlignment */
		{ true, 36, 4 },	/* FileAlignment */
		{ true, 56, 4 },	/* SizeOfImage */
		{ true, 60, 4 },	/* SizeOfHeaders */
		{ true, 64, 4 },	/* CheckSum */
	};
	unsigned int i = below(r, sizeof(fields) / sizeof(fields[0]) + 2);

	if (!v->parsed || i >= sizeof(fields) / sizeof(fields[0])) {
		/* e_lfanew, or NumberOfRvaAndSizes */
		if (!v->parsed || i % 2)
			return mutate_field(r, v, pe_at(v, 0x3c, 4), 4);
		return mutate_field(r, v, pe_at(v, v->dirs - 4, 4), 4);
	}
	return mutate_field(r, v, pe_at(v, (fields[i].opt ? v->opt : v->coff) + fields[i].off,
					fields[i].n), fields[i].n);
}

static bool mutate_dir(struct rng *r, struct pe_view *v)
{
	uint8_t *d = dir_entry(v, below(r, 16));

	return d && mutate_field(r, v, d + 4 * below(r, 2), 4);
}

static bool mutate_section(struct rng *r, struct pe_view *v)
{
	static const unsigned int offs[] = { 8, 12, 16, 20, 36 };
	unsigned int i, j;
	uint8_t *a, *b, tmp[40];

	if (!v->parsed || !v->nr_sections)
		return false;
	i = below(r, v->nr_sections);
	a = pe_at(v, v->sections + 40 * (uint64_t)i, 40);
	if (!a)
		return false;
	switch (below(r, 4)) {
	case 0:		/* flip a permission: executable, writable, code */
		put(a + 36, get(a + 36, 4) ^ (below(r, 2) ? 0x20000000u :
				below(r, 2) ? 0x80000000u : 0x20u), 4);
		return true;
	case 1:		/* swap two headers, or copy one over another */
		j = below(r, v->nr_sections);
		b = pe_at(v, v->sections + 40 * (uint64_t)j, 40);
		if (!b || a == b)
			return false;
		memcpy(tmp, a, 40);
		memcpy(a, b, 40);
		if (below(r, 2))
			memcpy(b, tmp, 40);
		return true;
	default:
		return mutate_field(r, v, a + offs[below(r, 5)], 4);
	}
}

/* A base relocation block header or entry. */
static bool mutate_reloc(struct rng *r, struct pe_view *v)
{
	uint8_t *d = dir_entry(v, 5), *blk;
	uint64_t rva, size, pos = 0, pick;

	if (!d)
		return false;
	rva = get(d, 4);
	size = get(d + 4, 4);
	pick = below(r, 16);
	while (pos + 8 <= size) {
		uint64_t bsize;

		blk = rva_at(v, rva + pos, 8);
		if (!blk)
			return false;
		bsize = get(blk + 4, 4);
		if (!pick-- || bsize < 8 || pos + bsize >= size) {
			uint64_t n = bsize >= 8 ? (bsize - 8) / 2 : 0;
			uint8_t *e;

			if (!n || below(r, 3) == 0)
				return mutate_field(r, v, blk + 4 * below(r, 2), 4);
			e = rva_at(v, rva + pos + 8 + 2 * below(r, n), 2);
			if (!e)
				return false;
			switch (below(r, 3)) {
			case 0:		/* another type */
				put(e, (get(e, 2) & 0xfff) | (uint64_t)below(r, 16) << 12, 2);
				break;
			case 1:		/* another offset in the page */
				put(e, (get(e, 2) & 0xf000) | (0xfff - below(r, 8)), 2);
				break;
			default:
				put(e, next(r), 2);
				break;
			}
			return true;
		}
		pos += bsize;
	}
	return false;
}

/* An import descriptor's field, or a thunk of its lookup or address table. */
static bool mutate_import(struct rng *r, struct pe_view *v)
{
	uint8_t *d = dir_entry(v, 1), *desc, *t;
	uint64_t rva, thunks;

	if (!d)
		return false;
	rva = get(d, 4) + 20 * below(r, 4);
	desc = rva_at(v, rva, 20);
	if (!desc)
		return false;
	if (below(r, 2))
		return mutate_field(r, v, desc + 4 * below(r, 5), 4);
	/* OriginalFirstThunk or FirstThunk */
	thunks = get(desc + (below(r, 2) ? 0 : 16), 4);
	t = rva_at(v, thunks + v->ptr * below(r, 8), v->ptr);
	if (!t)
		return false;
	switch (below(r, 3)) {
	case 0:		/* into the image: what a hostile loader points at */
		put(t, v->load_base + below(r, v->size_of_image + 1), v->ptr);
		return true;
	case 1:		/* an ordinal, or a name RVA at the end of the image */
		put(t, below(r, 2) ? 1ull << (8 * v->ptr - 1) | below(r, 0x10000) :
			v->size_of_image - below(r, 4), v->ptr);
		return true;
	default:
		return mutate_field(r, v, t, v->ptr);
	}
}

/* Pointers a loader follows to write: the cookie and guard pointers of the
 * load configuration, the TLS index. */
static bool mutate_loader_pointer(struct rng *r, struct pe_view *v)
{
	static const unsigned int lc[2][3] = { { 0x3c, 0x48, 0x4c }, { 0x58, 0x70, 0x78 } };
	bool tls = below(r, 3) == 0;
	uint8_t *d = dir_entry(v, tls ? 9 : 10), *p;

	if (!d)
		return false;
	p = rva_at(v, get(d, 4) + (tls ? (v->ptr == 8 ? 16 : 8) :
				   lc[v->ptr == 8][below(r, 3)]), v->ptr);
	if (!p)
		return false;
	if (below(r, 2))
		put(p, v->load_base + below(r, v->size_of_image + 8), v->ptr);
	else
		put(p, boundary(r, v, get(p, v->ptr)), v->ptr);
	return true;
}

/* Make room for n bytes at off; false if the input would be too long. */
static bool insert(struct pe_view *v, size_t off, size_t n)
{
	if (*v->size + n > v->max_size || off > *v->size)
		return false;
	memmove(v->data + off + n, v->data + off, *v->size - off);
	*v->size += n;
	return true;
}

/* Keep the loaded input's split, or the file's certificate directory,
 * in step with a table that grew by n. */
static void table_grew(struct pe_view *v, size_t n)
{
	uint8_t *d;

	if (v->loaded) {
		put(v->data + 17, get(v->data + 17, 4) + n, 4);
		return;
	}
	d = dir_entry(v, 4);
	if (d)
		put(d + 4, get(d + 4, 4) + n, 4);
}

/* A WIN_CERTIFICATE header field, or a new entry copied from the first. */
static bool mutate_wincert(struct rng *r, struct pe_view *v)
{
	uint8_t *t = v->data + v->table_off;
	size_t pos = 0, pick = below(r, 4);

	if (v->table_len < 8)
		return false;
	while (pos + 8 <= v->table_len) {
		uint64_t len = get(t + pos, 4);

		if (!pick-- || len < 8 || pos + len >= v->table_len) {
			switch (below(r, 4)) {
			case 0:
				return mutate_field(r, v, t + pos, 4);	/* dwLength */
			case 1:
				put(t + pos + 4 + 2 * below(r, 2), below(r, 2) ? next(r) :
				    below(r, 2) ? 0x0100 : 0x0002, 2);
				return true;
			default:	/* append a copy of this entry */
				len = len < 8 || len > v->table_len - pos ? v->table_len - pos : len;
				len = (len + 7) & ~(uint64_t)7;
				if (pos + len > v->table_len || v->table_off + v->table_len > *v->size ||
				    !insert(v, v->table_off + v->table_len, len))
					return false;
				memcpy(v->data + v->table_off + v->table_len, t + pos, len);
				table_grew(v, len);
				return true;
			}
		}
		pos = (pos + len + 7) & ~(size_t)7;
	}
	return false;
}

/* The first WIN_CERTIFICATE grew by n: its dwLength, and the table. */
static void entry_grew(struct pe_view *v, size_t n)
{
	uint8_t *len = v->data + v->table_off;

	put(len, get(len, 4) + n, 4);
	table_grew(v, n);
}

/*
 * A DER element inside the first WIN_CERTIFICATE: walk the TLVs,
 * descending into constructed ones, pick one, and change its tag or its
 * length as encoded (short and long forms, indefinite, one off, huge).
 */
static bool mutate_der(struct rng *r, struct pe_view *v)
{
	size_t end = v->table_off + v->table_len, pos = v->table_off + 8, pick, steps = 0;

	if (v->table_len < 16 || end > *v->size)
		return false;
	if (get(v->data + v->table_off, 4) >= 8 && get(v->data + v->table_off, 4) < v->table_len)
		end = v->table_off + get(v->data + v->table_off, 4);
	pick = below(r, 64);
	while (pos + 2 <= end && steps++ < 4096) {
		uint8_t tag = v->data[pos], l = v->data[pos + 1];
		size_t hdr = 2, len = l;

		if (l & 0x80) {
			unsigned int n = l & 0x7f;

			if (n == 0 || n > 4 || pos + 2 + n > end)
				break;
			len = 0;
			for (unsigned int i = 0; i < n; i++)
				len = len << 8 | v->data[pos + 2 + i];
			hdr += n;
		}
		if (!pick--) {
			uint8_t *lp = v->data + pos + 1;

			switch (below(r, 5)) {
			case 0:		/* the tag */
				v->data[pos] = below(r, 2) ? tag ^ 0x20 : (uint8_t)next(r);
				return true;
			case 1:		/* indefinite length */
				*lp = 0x80;
				return true;
			case 2:		/* one off, as encoded */
				if (hdr == 2)
					*lp = (uint8_t)(l + (below(r, 2) ? 1 : -1));
				else
					lp[hdr - 2] += below(r, 2) ? 1 : 0xff;
				return true;
			case 3:		/* huge, long form */
				*lp = 0x84;
				if (hdr < 6 && !insert(v, pos + hdr, 6 - hdr))
					return false;
				put(v->data + pos + 2, below(r, 2) ? 0xffffffffu : 0x7fffffffu, 4);
				if (hdr < 6)
					entry_grew(v, 6 - hdr);
				return true;
			default:	/* short length in long form (not DER) */
				if (hdr != 2 || l >= 0x80 || !insert(v, pos + 2, 1))
					return false;
				*lp = 0x81;
				lp[1] = l;
				entry_grew(v, 1);
				return true;
			}
		}
		/* into constructed elements, over primitive ones */
		pos += tag & 0x20 ? hdr : hdr + len;
	}
	return false;
}

/* The loaded image's facts, or bytes no signature covers. */
static bool mutate_loaded(struct rng *r, struct pe_view *v)
{
	uint64_t off;

	if (!v->loaded || *v->size < LOADED_HEADER)
		return false;
	switch (below(r, 5)) {
	case 0:		/* load base, ImageBase */
		return mutate_field(r, v, v->data + 1 + 8 * below(r, 2), 8);
	case 1:		/* where the image ends, the table and the tail start */
		off = 17 + 4 * below(r, 2);
		put(v->data + off, get(v->data + off, 4) + below(r, 17) - 8, 4);
		return true;
	case 2:		/* the flags: no ImageBase, a declared base */
		if (!(v->data[0] & MODE_DECLARED_BASE) && below(r, 2)) {
			if (!insert(v, LOADED_HEADER, 8))
				return false;
			v->data[0] |= MODE_DECLARED_BASE;
			put(v->data + LOADED_HEADER, below(r, 2) ? v->load_base :
			    v->load_base + 0x1000 * below(r, 17), 8);
			return true;
		}
		v->data[0] ^= MODE_NO_IMAGE_BASE;
		return true;
	default:	/* code in a page tail, a gap, past SizeOfImage */
		if (!v->pe_len)
			return false;
		off = v->pe_len - 1 - below(r, v->pe_len < 0x1000 ? v->pe_len : 0x1000);
		if (below(r, 2) && v->size_of_image && v->size_of_image <= v->pe_len)
			off = below(r, v->size_of_image);
		v->data[v->pe_off + off] = (uint8_t)(next(r) | 1);
		return true;
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	struct rng r = { seed * 0x9e3779b97f4a7c15ull + 1 };
	struct pe_view v;
	bool done = false;

	if (size < 2 || below(&r, 5) == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	view_init(&v, data, &size, max_size);
	for (int tries = 0; tries < 4 && !done; tries++) {
		switch (below(&r, 10)) {
		case 0:
			done = mutate_header(&r, &v);
			break;
		case 1:
			done = mutate_dir(&r, &v);
			break;
		case 2:
			done = mutate_section(&r, &v);
			break;
		case 3:
			done = mutate_reloc(&r, &v);
			break;
		case 4:
			done = mutate_import(&r, &v);
			break;
		case 5:
			done = mutate_loader_pointer(&r, &v);
			break;
		case 6:
			done = mutate_wincert(&r, &v);
			break;
		case 7:
		case 8:
			done = mutate_der(&r, &v);
			break;
		default:
			done = mutate_loaded(&r, &v);
			break;
		}
	}
	if (!done)
		return LLVMFuzzerMutate(data, size, max_size);
	return size;
}
