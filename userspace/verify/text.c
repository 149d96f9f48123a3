// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Human output: one field per line, names in a column.
 */
#include "verify.h"

static void hex(FILE *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
}

static void text_signature(FILE *out, size_t i, const struct hostsig_signature *sig)
{
	fprintf(out, "signature %zu: %s (entry %u%s)\n", i,
		hostsig_reason_name(sig->status), sig->entry,
		sig->depth ? ", nested" : "");
	if (sig->digest_len) {
		fprintf(out, "  digest     %s ", hostsig_digest_name(sig->digest_type));
		hex(out, sig->digest, sig->digest_len);
		fputc('\n', out);
	}
	if (sig->has_signer) {
		fprintf(out, "  subject    %s\n", sig->subject);
		fprintf(out, "  issuer     %s\n", sig->issuer);
		fputs("  sha256     ", out);
		hex(out, sig->fingerprint, sizeof(sig->fingerprint));
		fputc('\n', out);
	}
	if (sig->anchor)
		fprintf(out, "  anchor     %s\n", sig->anchor);
}

void print_text(FILE *out, const struct report *rep, const struct hostsig_result *res)
{
	fprintf(out, "input        %s%s\n", rep->path, rep->loaded ? " (loaded image)" : "");
	fprintf(out, "verdict      %s\n", hostsig_verdict_name(res->verdict));
	fprintf(out, "reason       %s\n", hostsig_reason_name(res->reason));
	fprintf(out, "message      %s\n", res->message);
	fprintf(out, "format       %s\n", hostsig_format_name(res->format));
	if (res->digest_len) {
		fprintf(out, "digest       %s ", hostsig_digest_name(res->digest_type));
		hex(out, res->digest, res->digest_len);
		fputc('\n', out);
	}
	for (size_t i = 0; i < res->nr_signatures; i++)
		text_signature(out, i, &res->signatures[i]);
	for (size_t i = 0; i < res->nr_regions; i++)
		fprintf(out, "unverified   %-20s rva 0x%x size 0x%x\n",
			hostsig_unverified_kind_name(res->regions[i].kind),
			res->regions[i].rva, res->regions[i].size);
}
