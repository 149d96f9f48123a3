// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness for the PE/COFF verifier: the disk-file path and the
 * loaded-image path, with a trust store so that signatures can verify.
 *
 * Input: a mode byte, then
 *   bit 0 clear: the file;
 *   bit 0 set:   u64 load base, u64 ImageBase, u32 certificate table length,
 *                u32 tail length (little endian), then the image, the table
 *                and the tail; bit 1 set: no ImageBase given.
 * selftests/verifier/pe-testtool fuzz-seed writes such inputs.
 *
 * Environment: HOSTSIG_FUZZ_TRUST and HOSTSIG_FUZZ_DENY name PEM files of
 * trusted and denied certificates.
 *
 * Besides the sanitizers, the harness checks the verdict's own invariants:
 * an authentic verdict needs a signature that is ok and signed the digest
 * the verifier computed.
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
	bool ok = false;

	if (hostsig_reason_verdict(res->reason) != res->verdict)
		abort();
	if (res->verdict != HOSTSIG_AUTHENTIC)
		return;
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostsig_result res;

	if (size < 1)
		return 0;
	if (!(data[0] & 1)) {
		hostsig_verify_pe_file(trust, data + 1, size - 1, &res);
	} else {
		const uint8_t *p = data + 1;
		struct hostsig_pe_loaded in = { 0 };
		size_t rest;

		if (size < 25)
			return 0;
		in.load_base = take(&p, 8);
		in.image_base = take(&p, 8);
		in.has_image_base = !(data[0] & 2);
		in.cert_table_len = take(&p, 4);
		in.tail_len = take(&p, 4);
		rest = size - 25;
		if (in.cert_table_len > rest || in.tail_len > rest - in.cert_table_len)
			return 0;
		in.image = p;
		in.image_len = rest - in.cert_table_len - in.tail_len;
		in.cert_table = in.cert_table_len ? p + in.image_len : NULL;
		in.tail = p + in.image_len + in.cert_table_len;
		hostsig_verify_pe_loaded(trust, &in, &res);
	}
	check_invariants(&res);
	hostsig_result_release(&res);
	return 0;
}
