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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsig.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
