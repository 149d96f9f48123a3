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

static void text_elf(FILE *out, const struct hostsig_elf_report *elf,
		     const struct hostsig_elf_loaded *in)
{
	size_t patch_sites = 0;

	fprintf(out, "kernel       %s\n", hostsig_elf_kernel_name(elf->kernel));
	fprintf(out, "module       %s\n", elf->module);
	fprintf(out, "file buffer  %s (%u candidates tried)\n",
		elf->file_rewritten ? "rewritten by the loader" : "as signed", elf->candidates);
	if (elf->load_verified)
		fputs("capture      later, of a verified load (writable data not compared)\n", out);
	for (size_t i = 0; i < in->nr_allocs; i++)
		fprintf(out, "allocation   %-14s 0x%llx size 0x%zx\n",
			hostsig_elf_mem_name(in->allocs[i].tag),
			(unsigned long long)in->allocs[i].addr, in->allocs[i].len);
	for (int c = 0; c < HOSTSIG_ELF_SITE_NR; c++)
		if (elf->sites[c].total)
			fprintf(out, "sites        %-18s %u, %u patched\n",
				hostsig_elf_site_class_name(c), elf->sites[c].total,
				elf->sites[c].patched);
	for (size_t i = 0; i < elf->nr_ranges; i++) {
		/* patch sites are verified, and too many to list: counted below */
		if (elf->ranges[i].kind == HOSTSIG_ELF_RANGE_PATCH_SITE) {
			patch_sites++;
			continue;
		}
		if (elf->ranges[i].kind != HOSTSIG_ELF_RANGE_WRITABLE)
			fprintf(out, "unverified   %-14s %s+0x%llx size 0x%llx\n",
				hostsig_elf_range_kind_name(elf->ranges[i].kind),
				hostsig_elf_mem_name(in->allocs[elf->ranges[i].alloc].tag),
				(unsigned long long)elf->ranges[i].offset,
				(unsigned long long)elf->ranges[i].size);
	}
	fprintf(out, "patch sites  %zu named (jump labels, static calls, ftrace)\n", patch_sites);
	for (unsigned int i = 0; i < elf->nr_problems; i++)
		fprintf(out, "problem      %s: %s\n", hostsig_reason_name(elf->problems[i].reason),
			elf->problems[i].message);
	if (elf->problems_dropped)
		fprintf(out, "problem      %u more\n", elf->problems_dropped);
	fprintf(out, "externals    %zu symbols resolved by the guest\n", elf->nr_externals);
	if (elf->have_load_facts) {
		fputs("load facts   ", out);
		hex(out, elf->load_facts, sizeof(elf->load_facts));
		fputc('\n', out);
	}
}

void print_text(FILE *out, const struct report *rep, const struct hostsig_result *res)
{
	fprintf(out, "input        %s%s\n", rep->path,
		rep->elf ? " (captured module load)" : rep->loaded ? " (loaded image)" : "");
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
	if (rep->elf)
		text_elf(out, rep->elf, rep->elf_in);
}
