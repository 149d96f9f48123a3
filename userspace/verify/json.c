// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --json: one object per run. Field names are part of the command contract.
 */
#include <string.h>

#include "verify.h"

/* Length of a valid UTF-8 sequence at s, 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Certificate names are whatever the signer put there: escape them all. */
void json_print_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', out);
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\') {
			fprintf(out, "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p);
		} else if (n == 0) {
			fputs("\\ufffd", out);
			n = 1;
		} else {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		p++;
	}
	fputc('"', out);
}

static void json_hex(FILE *out, const uint8_t *p, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
	fputc('"', out);
}

static void json_signature(FILE *out, const struct hostsig_signature *sig)
{
	fprintf(out, "{\"entry\":%u,\"depth\":%u,\"status\":", sig->entry, sig->depth);
	json_print_string(out, hostsig_reason_name(sig->status));
	fputs(",\"digest_algorithm\":", out);
	json_print_string(out, hostsig_digest_name(sig->digest_type));
	fputs(",\"digest\":", out);
	json_hex(out, sig->digest, sig->digest_len);
	if (sig->has_signer) {
		fputs(",\"subject\":", out);
		json_print_string(out, sig->subject);
		fputs(",\"issuer\":", out);
		json_print_string(out, sig->issuer);
		fputs(",\"sha256\":", out);
		json_hex(out, sig->fingerprint, sizeof(sig->fingerprint));
	}
	if (sig->anchor) {
		fputs(",\"anchor\":", out);
		json_print_string(out, sig->anchor);
	}
	fputc('}', out);
}

static void json_elf(FILE *out, const struct hostsig_elf_report *elf,
		     const struct hostsig_elf_loaded *in)
{
	fprintf(out, ",\"elf\":{\"kernel\":\"%s\",\"module\":",
		hostsig_elf_kernel_name(elf->kernel));
	json_print_string(out, elf->module);
	fputs(",\"vermagic\":", out);
	json_print_string(out, elf->vermagic);
	fprintf(out, ",\"file_rewritten\":%s,\"load_verified\":%s,\"candidates\":%u,"
		"\"allocations\":[", elf->file_rewritten ? "true" : "false",
		elf->load_verified ? "true" : "false", elf->candidates);
	for (size_t i = 0; i < in->nr_allocs; i++)
		fprintf(out, "%s{\"tag\":\"%s\",\"addr\":\"0x%llx\",\"size\":%zu}",
			i ? "," : "", hostsig_elf_mem_name(in->allocs[i].tag),
			(unsigned long long)in->allocs[i].addr, in->allocs[i].len);
	fputs("],\"sites\":{", out);
	for (int c = 0; c < HOSTSIG_ELF_SITE_NR; c++)
		fprintf(out, "%s\"%s\":{\"total\":%u,\"patched\":%u}", c ? "," : "",
			hostsig_elf_site_class_name(c), elf->sites[c].total,
			elf->sites[c].patched);
	fputs("},\"ranges\":[", out);
	for (size_t i = 0; i < elf->nr_ranges; i++) {
		const struct hostsig_elf_range *r = &elf->ranges[i];

		fprintf(out, "%s{\"kind\":\"%s\",\"alloc\":%u,\"offset\":%llu,\"size\":%llu}",
			i ? "," : "", hostsig_elf_range_kind_name(r->kind), r->alloc,
			(unsigned long long)r->offset, (unsigned long long)r->size);
	}
	fputs("],\"problems\":[", out);
	for (unsigned int i = 0; i < elf->nr_problems; i++) {
		fprintf(out, "%s{\"reason\":\"%s\",\"message\":", i ? "," : "",
			hostsig_reason_name(elf->problems[i].reason));
		json_print_string(out, elf->problems[i].message);
		fputc('}', out);
	}
	fprintf(out, "],\"problems_dropped\":%u", elf->problems_dropped);
	if (elf->have_load_facts) {
		fputs(",\"load_facts\":", out);
		json_hex(out, elf->load_facts, sizeof(elf->load_facts));
	}
	fputs(",\"externals\":[", out);
	for (size_t i = 0; i < elf->nr_externals; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		json_print_string(out, elf->externals[i].name);
		fprintf(out, ",\"value\":\"0x%llx\"}",
			(unsigned long long)elf->externals[i].value);
	}
	fputs("]}", out);
}

void print_json(FILE *out, const struct report *rep, const struct hostsig_result *res)
{
	fputs("{\"input\":", out);
	json_print_string(out, rep->path);
	fprintf(out, ",\"mode\":\"%s\"", rep->elf ? "capture" : rep->loaded ? "loaded" : "file");
	if (rep->loaded && !rep->elf)
		fprintf(out, ",\"base\":\"0x%llx\"", (unsigned long long)rep->load_base);
	fputs(",\"verdict\":", out);
	json_print_string(out, hostsig_verdict_name(res->verdict));
	fputs(",\"reason\":", out);
	json_print_string(out, hostsig_reason_name(res->reason));
	fputs(",\"message\":", out);
	json_print_string(out, res->message);
	fputs(",\"format\":", out);
	json_print_string(out, hostsig_format_name(res->format));
	fputs(",\"digest_algorithm\":", out);
	json_print_string(out, hostsig_digest_name(res->digest_type));
	fputs(",\"digest\":", out);
	json_hex(out, res->digest, res->digest_len);
	fputs(",\"digests\":{", out);
	for (int t = 0, first = 1; t < HOSTSIG_DIGEST_NR; t++) {
		if (!res->digest_lens[t])
			continue;
		fprintf(out, "%s\"%s\":", first ? "" : ",", hostsig_digest_name(t));
		json_hex(out, res->digests[t], res->digest_lens[t]);
		first = 0;
	}
	fputs("},\"signatures\":[", out);
	for (size_t i = 0; i < res->nr_signatures; i++) {
		if (i)
			fputc(',', out);
		json_signature(out, &res->signatures[i]);
	}
	fputs("],\"unverified_regions\":[", out);
	for (size_t i = 0; i < res->nr_regions; i++) {
		const struct hostsig_unverified *r = &res->regions[i];

		fprintf(out, "%s{\"kind\":\"%s\",\"rva\":%u,\"size\":%u}", i ? "," : "",
			hostsig_unverified_kind_name(r->kind), r->rva, r->size);
	}
	fputc(']', out);
	if (rep->elf)
		json_elf(out, rep->elf, rep->elf_in);
	fputs("}\n", out);
}
