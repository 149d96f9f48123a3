// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness for the kernel module side of the verifier: the module
 * file, a captured load (file buffer and allocations) and the search for
 * certificates in a kernel image.
 *
 * Input: a mode byte, then
 *   mode & 3 == 0: a module file;
 *   mode & 3 == 1: a capture: u32 file length, u32 signature length, u8
 *                  number of allocations, for each u8 tag, u64 address, u32
 *                  length (little endian), then the file, the signature
 *                  and the allocations' bytes;
 *   mode & 3 == 2: a kernel image (bzImage payload, then certificates).
 * selftests/elfverify/elf-seed writes such inputs.
 *
 * Environment: HOSTSIG_FUZZ_TRUST and HOSTSIG_FUZZ_DENY name PEM files.
 *
 * Besides the sanitizers, the harness checks the verdict's invariants: the
 * verdict is the reason's, and an authentic module has one signature that
 * is ok and signed the digest the verifier computed.
 *
 * The mutator knows the structures: besides libFuzzer's byte mutations
 * (one time in four), it edits one field of the module the input holds
 * (a file, or a capture's file buffer) as a field: the ELF header's
 * section table fields, a section header, a symbol, a relocation, the
 * appended signature's length and type fields or a DER length inside it,
 * a capture's allocation header. Values are picked to hit the checks:
 * 0, 1, all ones, the file's length and around it, another section's
 * value, special section indices, relocation types the kernel knows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsig.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

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

static uint64_t take(const uint8_t **p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)(*p)[i] << (8 * i);
	*p += n;
	return v;
}

static void check_invariants(const struct hostsig_result *res)
{
	const struct hostsig_signature *sig;

	if (hostsig_reason_verdict(res->reason) != res->verdict)
		abort();
	if (res->verdict != HOSTSIG_AUTHENTIC)
		return;
	if (res->nr_signatures != 1)
		abort();
	sig = &res->signatures[0];
	if (sig->status != HOSTSIG_R_OK || !sig->has_signer ||
	    sig->digest_len != res->digest_lens[sig->digest_type] ||
	    memcmp(sig->digest, res->digests[sig->digest_type], sig->digest_len))
		abort();
}

static void capture(const uint8_t *data, size_t size)
{
	struct hostsig_elf_alloc allocs[HOSTSIG_ELF_MAX_ALLOCS];
	struct hostsig_elf_loaded in = { 0 };
	struct hostsig_elf_report rep;
	struct hostsig_result res;
	const uint8_t *p = data, *end = data + size;
	uint64_t total;
	unsigned int n;

	if (size < 9)
		return;
	in.file_len = take(&p, 4);
	in.signature_len = take(&p, 4);
	n = (unsigned int)take(&p, 1);
	if (n > HOSTSIG_ELF_MAX_ALLOCS || (size_t)(end - p) < (size_t)n * 13)
		return;
	total = in.file_len + in.signature_len;
	for (unsigned int i = 0; i < n; i++) {
		allocs[i].tag = (unsigned int)take(&p, 1);
		allocs[i].addr = take(&p, 8);
		allocs[i].len = take(&p, 4);
		total += allocs[i].len;
	}
	if (total != (uint64_t)(end - p))
		return;
	in.file = p;
	in.signature = in.signature_len ? p + in.file_len : NULL;
	p += in.file_len + in.signature_len;
	for (unsigned int i = 0; i < n; i++) {
		allocs[i].bytes = p;
		p += allocs[i].len;
	}
	in.allocs = allocs;
	in.nr_allocs = n;
	hostsig_verify_elf_loaded(trust, &in, &res, &rep);
	check_invariants(&res);
	if (res.verdict == HOSTSIG_AUTHENTIC && !rep.kernel)
		abort();
	/* a patch site is code the verdict names: inside its allocation */
	for (size_t i = 0; i < rep.nr_ranges; i++) {
		const struct hostsig_elf_range *r = &rep.ranges[i];

		if (r->kind == HOSTSIG_ELF_RANGE_PATCH_SITE &&
		    (r->alloc >= n || !r->size || r->offset >= allocs[r->alloc].len ||
		     r->size > allocs[r->alloc].len - r->offset))
			abort();
	}
	hostsig_elf_report_release(&rep);
	hostsig_result_release(&res);
}

static void kernel_image(const uint8_t *data, size_t size)
{
	struct hostsig_kernel_payload pl;
	struct hostsig_kernel_cert *certs;
	int nr;

	if (!hostsig_kernel_payload(data, size, &pl) &&
	    (pl.offset > size || pl.len > size - pl.offset))
		abort();
	nr = hostsig_kernel_certs(data, size, &certs);
	for (int i = 0; i < nr; i++)
		if (certs[i].offset >= size || certs[i].der_len > size - certs[i].offset ||
		    memcmp(certs[i].der, data + certs[i].offset, certs[i].der_len))
			abort();
	if (nr >= 0)
		hostsig_kernel_certs_free(certs, nr);
}

/* ---- the structure-aware mutator ---------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static void put(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* A value that tests a field of n bytes against a file of len bytes. */
static uint64_t interesting(struct rng *r, uint64_t old, uint64_t len, unsigned int n)
{
	uint64_t mask = n == 8 ? ~0ull : (1ull << (8 * n)) - 1;

	switch (below(r, 12)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return mask;
	case 3:
		return len & mask;
	case 4:
		return (len - 1 - below(r, 8)) & mask;
	case 5:
		return (len + 1 + below(r, 8)) & mask;
	case 6:
		return (old + 1 + below(r, 16)) & mask;
	case 7:
		return (old - 1 - below(r, 16)) & mask;
	case 8:
		return (old ^ (1ull << below(r, 8 * n))) & mask;
	case 9:
		return (mask >> 1) & mask;		/* largest signed */
	case 10:
		return (1ull << below(r, 8 * n)) & mask;
	}
	return rnd(r) & mask;
}

/* Where the module is in an input: a file, or a capture's file buffer. */
static bool module_of(uint8_t *data, size_t size, uint8_t **mod, size_t *len,
		      uint8_t **allocs, unsigned int *nr_allocs)
{
	uint64_t flen, slen, total;
	unsigned int n;
	uint8_t *p;

	*allocs = NULL;
	*nr_allocs = 0;
	if (size < 1)
		return false;
	if ((data[0] & 3) == 0) {
		*mod = data + 1;
		*len = size - 1;
		return true;
	}
	if ((data[0] & 3) != 1 || size < 10)
		return false;
	p = data + 1;
	flen = get(p, 4);
	slen = get(p + 4, 4);
	n = p[8];
	if (n > HOSTSIG_ELF_MAX_ALLOCS || size - 10 < (uint64_t)n * 13)
		return false;
	total = flen + slen;
	for (unsigned int i = 0; i < n; i++)
		total += get(p + 9 + 13 * i + 9, 4);
	if (total != size - 10 - (uint64_t)n * 13)
		return false;
	*allocs = p + 9;
	*nr_allocs = n;
	*mod = p + 9 + 13 * n;
	*len = flen;
	return true;
}

/* ELF: the section header table, if the header points at one inside the module. */
static uint8_t *section_table(uint8_t *mod, size_t len, unsigned int *shnum)
{
	uint64_t shoff;

	if (len < 64 || memcmp(mod, "\177ELF", 4))
		return NULL;
	shoff = get(mod + 40, 8);
	*shnum = (unsigned int)get(mod + 60, 2);
	if (!*shnum || shoff > len || (uint64_t)*shnum * 64 > len - shoff)
		return NULL;
	return mod + shoff;
}

/* A section of the given type whose bytes are inside the module, NULL if none. */
static uint8_t *section_of_type(struct rng *r, uint8_t *mod, size_t len, uint8_t *sh,
				unsigned int shnum, uint32_t type, uint64_t *size)
{
	unsigned int start = (unsigned int)below(r, shnum);

	for (unsigned int k = 0; k < shnum; k++) {
		uint8_t *s = sh + 64 * ((start + k) % shnum);
		uint64_t off = get(s + 24, 8), sz = get(s + 32, 8);

		if (get(s + 4, 4) == type && off <= len && sz <= len - off && sz) {
			*size = sz;
			return mod + off;
		}
	}
	return NULL;
}

static void mutate_ehdr(struct rng *r, uint8_t *mod, size_t len)
{
	static const struct { unsigned int off, n; } f[] = {
		{ 40, 8 }, { 58, 2 }, { 60, 2 }, { 62, 2 }, { 16, 2 }, { 18, 2 }, { 4, 1 },
	};
	unsigned int k = (unsigned int)below(r, ARRAY_SIZE(f));

	put(mod + f[k].off, interesting(r, get(mod + f[k].off, f[k].n), len, f[k].n), f[k].n);
}

static void mutate_shdr(struct rng *r, size_t len, uint8_t *sh, unsigned int shnum)
{
	static const struct { unsigned int off, n; } f[] = {
		{ 0, 4 }, { 4, 4 }, { 8, 8 }, { 16, 8 }, { 24, 8 }, { 32, 8 },
		{ 40, 4 }, { 44, 4 }, { 48, 8 }, { 56, 8 },
	};
	static const uint32_t types[] = { 0, 1, 2, 3, 4, 8, 9, 17, 0x6ffffff0 };
	uint8_t *s = sh + 64 * below(r, shnum);

	/* a section that lies: another type, and bytes past the end */
	if (!below(r, 3)) {
		put(s + 4, types[below(r, ARRAY_SIZE(types))], 4);
		if (below(r, 2))
			put(s + 24, len + below(r, 1ull << below(r, 32)), 8);
		else
			put(s + 32, len + below(r, 1ull << below(r, 32)), 8);
		return;
	}
	/* one to three fields of one section */
	for (uint64_t edits = 1 + below(r, 3); edits--; ) {
		unsigned int k = (unsigned int)below(r, ARRAY_SIZE(f));
		uint8_t *other = sh + 64 * below(r, shnum);

		switch (below(r, 4)) {
		case 0:		/* a type, typed section or not */
			put(s + 4, types[below(r, ARRAY_SIZE(types))], 4);
			break;
		case 1:		/* another section's field */
			memcpy(s + f[k].off, other + f[k].off, f[k].n);
			break;
		case 2:		/* a link or info to a section index */
			put(s + (below(r, 2) ? 40 : 44), below(r, shnum + 2), 4);
			break;
		default:
			put(s + f[k].off, interesting(r, get(s + f[k].off, f[k].n), len, f[k].n),
			    f[k].n);
			break;
		}
	}
}

static void mutate_sym(struct rng *r, uint8_t *mod, size_t len, uint8_t *sh, unsigned int shnum)
{
	static const uint16_t shndx[] = { 0, 0xfff1, 0xfff2, 0xff20, 0xffff, 0xff00 };
	uint64_t size;
	uint8_t *t = section_of_type(r, mod, len, sh, shnum, 2, &size), *e;

	if (!t || size < 24)
		return;
	e = t + 24 * below(r, size / 24);
	switch (below(r, 5)) {
	case 0:
		put(e, interesting(r, get(e, 4), len, 4), 4);
		return;
	case 1:
		e[4] = (uint8_t)rnd(r);
		return;
	case 2:
		put(e + 6, below(r, 2) ? shndx[below(r, ARRAY_SIZE(shndx))] : below(r, shnum + 1), 2);
		return;
	case 3:
		put(e + 8, interesting(r, get(e + 8, 8), len, 8), 8);
		return;
	}
	put(e + 16, interesting(r, get(e + 16, 8), len, 8), 8);
}

static void mutate_rela(struct rng *r, uint8_t *mod, size_t len, uint8_t *sh, unsigned int shnum)
{
	static const uint32_t types[] = { 0, 1, 2, 4, 10, 11, 24, 9, 42, 0xffffffff };
	uint64_t size;
	uint8_t *t = section_of_type(r, mod, len, sh, shnum, 4, &size), *e;

	if (!t || size < 24)
		return;
	e = t + 24 * below(r, size / 24);
	switch (below(r, 4)) {
	case 0:
		put(e, interesting(r, get(e, 8), len, 8), 8);
		return;
	case 1:
		put(e + 8, types[below(r, ARRAY_SIZE(types))], 4);
		return;
	case 2:
		put(e + 12, interesting(r, get(e + 12, 4), len / 24, 4), 4);
		return;
	}
	put(e + 16, interesting(r, get(e + 16, 8), len, 8), 8);
}

/* The appended signature: its trailer, or a DER length inside the PKCS#7. */
static void mutate_signature(struct rng *r, uint8_t *mod, size_t len)
{
	static const char marker[] = "~Module signature appended~\n";
	const size_t mlen = sizeof(marker) - 1;
	uint8_t *info;
	uint64_t sig_len;

	if (len < mlen + 12 || memcmp(mod + len - mlen, marker, mlen))
		return;
	info = mod + len - mlen - 12;
	sig_len = (uint64_t)info[8] << 24 | info[9] << 16 | info[10] << 8 | info[11];
	switch (below(r, 3)) {
	case 0:		/* sig_len, big-endian */
		sig_len = interesting(r, sig_len, len, 4);
		info[8] = (uint8_t)(sig_len >> 24);
		info[9] = (uint8_t)(sig_len >> 16);
		info[10] = (uint8_t)(sig_len >> 8);
		info[11] = (uint8_t)sig_len;
		return;
	case 1:		/* algo, hash, id_type, signer_len, key_id_len, padding */
		info[below(r, 8)] = (uint8_t)interesting(r, 0, 2, 1);
		return;
	}
	/* a DER length: the byte after a tag in the PKCS#7's first bytes */
	if (sig_len && sig_len <= (uint64_t)(info - mod)) {
		uint8_t *der = info - sig_len;
		uint64_t span = sig_len < 256 ? sig_len : 256;
		uint64_t at = below(r, span ? span : 1);

		for (; at + 2 < sig_len; at++)
			if (der[at] == 0x30 || der[at] == 0x31 || der[at] == 0x02 ||
			    der[at] == 0x04 || der[at] == 0x06 || der[at] == 0xa0) {
				uint8_t *l = der + at + 1;

				if (*l & 0x80 && (*l & 0x7f) <= 2 && at + 2 + (*l & 0x7f) <= sig_len)
					put(l + 1, interesting(r, get(l + 1, *l & 0x7f), sig_len,
							       *l & 0x7f), *l & 0x7f);
				else
					*l = (uint8_t)interesting(r, *l, sig_len, 1);
				return;
			}
	}
}

/* A capture's allocation header: its tag or its address (lengths stay). */
static void mutate_alloc(struct rng *r, uint8_t *allocs, unsigned int n)
{
	uint8_t *a;

	if (!n)
		return;
	a = allocs + 13 * below(r, n);
	if (below(r, 2))
		a[0] = (uint8_t)below(r, HOSTSIG_ELF_MEM_NR + 1);
	else
		put(a + 1, get(a + 1, 8) + ((below(r, 9) - 4) << 12), 8);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	struct rng r = { .s = seed };
	uint8_t *mod, *allocs, *sh;
	unsigned int nr_allocs, shnum;
	size_t len;

	if (!below(&r, 4) || !module_of(data, size, &mod, &len, &allocs, &nr_allocs))
		return LLVMFuzzerMutate(data, size, max_size);
	sh = section_table(mod, len, &shnum);
	switch (below(&r, 8)) {
	case 0:
		if (len >= 64 && !memcmp(mod, "\177ELF", 4))
			mutate_ehdr(&r, mod, len);
		break;
	case 1:
	case 2:
		if (sh)
			mutate_shdr(&r, len, sh, shnum);
		break;
	case 3:
		if (sh)
			mutate_sym(&r, mod, len, sh, shnum);
		break;
	case 4:
		if (sh)
			mutate_rela(&r, mod, len, sh, shnum);
		break;
	case 5:
	case 6:
		mutate_signature(&r, mod, len);
		break;
	case 7:
		if (nr_allocs)
			mutate_alloc(&r, allocs, nr_allocs);
		else
			return LLVMFuzzerMutate(data, size, max_size);
		break;
	}
	return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostsig_result res;

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		hostsig_verify_elf_file(trust, data + 1, size - 1, &res);
		check_invariants(&res);
		hostsig_result_release(&res);
		break;
	case 1:
		capture(data + 1, size - 1);
		break;
	case 2:
		kernel_image(data + 1, size - 1);
		break;
	}
	return 0;
}
