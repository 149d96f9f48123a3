// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Verifying a Linux kernel module: as a file (its appended signature over
 * its bytes), or as the guest kernel's loader holds it (the file buffer
 * with the headers the loader rewrote, and the allocations the sections
 * were copied to, relocated and patched).
 *
 * The loaded path answers AUTHENTIC only when both hold: the signature
 * verifies over the file rebuilt from the loader's buffer, and every byte of
 * every allocation is what that file becomes at the addresses the guest
 * used, up to the runtime patch sites the file's own tables name, each in
 * one of the forms the kernel gives it.
 */
#include <stdlib.h>
#include <string.h>

#include "elfmod.h"

void elf_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void want_digests(const struct hostsig_trust *trust, const struct modsig *ms,
			 bool want[HOSTSIG_DIGEST_NR])
{
	memset(want, 0, HOSTSIG_DIGEST_NR * sizeof(bool));
	want[HOSTSIG_DIGEST_SHA256] = true;
	if (ms && ms->decoded)
		want[ms->digest_type] = true;
	for (size_t i = 0; i < trust->nr_denied_digests; i++)
		for (int t = HOSTSIG_DIGEST_SHA1; t < HOSTSIG_DIGEST_NR; t++)
			if (digest_size(t) == trust->denied_digests[i].len)
				want[t] = true;
}

int elf_digests(const struct hostsig_trust *trust, const struct modsig *ms,
		struct digest_set *ds)
{
	bool want[HOSTSIG_DIGEST_NR];

	want_digests(trust, ms, want);
	return digest_set_init(ds, trust, want);
}

static bool digest_denied(const struct hostsig_trust *trust, const struct digest_set *ds,
			  struct hostsig_result *res)
{
	char hex[2 * HOSTSIG_MAX_DIGEST_SIZE + 1];

	for (size_t i = 0; i < trust->nr_denied_digests; i++) {
		const struct denied_digest *dd = &trust->denied_digests[i];

		for (int t = HOSTSIG_DIGEST_SHA1; t < HOSTSIG_DIGEST_NR; t++) {
			if (ds->len[t] == dd->len && !memcmp(ds->value[t], dd->bytes, dd->len)) {
				elf_hex(hex, dd->bytes, dd->len);
				result_set(res, HOSTSIG_R_DENIED_DIGEST,
					   "the module's %s digest %s is denied",
					   hostsig_digest_name(t), hex);
				return true;
			}
		}
	}
	return false;
}

/* The one signature, as hostsig_signature reports it. */
static int report_signature(const struct hostsig_trust *trust, const struct modsig *ms,
			    const struct digest_set *ds, struct hostsig_result *res)
{
	struct hostsig_signature *sig = calloc(1, sizeof(*sig));

	if (!sig)
		return -1;
	res->signatures = sig;
	res->nr_signatures = 1;
	sig->status = ms->decoded ? HOSTSIG_R_OK : ms->status;
	sig->digest_type = ms->decoded ? ms->digest_type : HOSTSIG_DIGEST_NONE;
	if (ms->signer) {
		sig->digest_len = ds->len[ms->digest_type];
		memcpy(sig->digest, ds->value[ms->digest_type], sig->digest_len);
		sig->has_signer = trust_fingerprint(trust, ms->signer, sig->fingerprint);
		sig->subject = name_to_string(X509_get_subject_name(ms->signer));
		sig->issuer = name_to_string(X509_get_issuer_name(ms->signer));
		if (!sig->has_signer || !sig->subject || !sig->issuer)
			return -1;
	}
	if (ms->anchor) {
		sig->anchor = strdup(ms->anchor);
		if (!sig->anchor)
			return -1;
	}
	return 0;
}

/* Digests, the signature and the decision, for the file or its rebuild. */
int elf_digest_report(const struct hostsig_trust *trust, const struct modsig *ms_in,
		      const struct digest_set *ds, struct hostsig_result *res)
{
	struct modsig *ms = (struct modsig *)ms_in;
	enum hostsig_digest type = ms->decoded ? ms->digest_type : HOSTSIG_DIGEST_SHA256;

	res->digest_type = type;
	res->digest_len = ds->len[type];
	memcpy(res->digest, ds->value[type], ds->len[type]);
	memcpy(res->digests, ds->value, sizeof(res->digests));
	memcpy(res->digest_lens, ds->len, sizeof(res->digest_lens));
	modsig_judge(trust, ms, ds, res);
	if (ms->signer || ms->decoded || ms->si)
		if (report_signature(trust, ms, ds, res))
			return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	if (res->nr_signatures)
		res->signatures[0].status = res->reason;
	if (res->reason != HOSTSIG_R_DENIED_CERTIFICATE)
		digest_denied(trust, ds, res);
	return 0;
}

/* Unsigned: the digest of the whole file, for the report and the deny list. */
static void report_unsigned(const struct hostsig_trust *trust, const uint8_t *buf,
			    size_t len, struct hostsig_result *res)
{
	struct digest_set ds;

	memset(&ds, 0, sizeof(ds));
	if (!elf_digests(trust, NULL, &ds) && !digest_set_update(&ds, buf, len) &&
	    !digest_set_final(&ds)) {
		res->digest_type = HOSTSIG_DIGEST_SHA256;
		res->digest_len = ds.len[HOSTSIG_DIGEST_SHA256];
		memcpy(res->digest, ds.value[HOSTSIG_DIGEST_SHA256], res->digest_len);
		memcpy(res->digests, ds.value, sizeof(res->digests));
		memcpy(res->digest_lens, ds.len, sizeof(res->digest_lens));
		digest_denied(trust, &ds, res);
	}
	digest_set_release(&ds);
}

enum hostsig_outcome hostsig_verify_elf_file(const struct hostsig_trust *trust,
					     const uint8_t *file, size_t len,
					     struct hostsig_result *res)
{
	struct elf_module m;
	struct digest_set ds;
	struct modsig ms;

	result_init(res);
	memset(&m, 0, sizeof(m));
	memset(&ds, 0, sizeof(ds));
	memset(&ms, 0, sizeof(ms));
	if (len > HOSTSIG_MAX_INPUT_SIZE) {
		result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE, "%zu bytes, more than %u",
			   len, HOSTSIG_MAX_INPUT_SIZE);
		return res->verdict;
	}
	if (!hostsig_is_elf_module(file, len)) {
		uint64_t shoff;
		uint16_t shnum, shstrndx;

		if (!elf_check_header(file, len, &shoff, &shnum, &shstrndx, res))
			result_set(res, HOSTSIG_R_UNSUPPORTED_FORMAT, "not a kernel module");
		return res->verdict;
	}
	res->format = HOSTSIG_FORMAT_ELF_MODULE;
	if (modsig_locate(file, len, NULL, 0, &ms, res)) {
		if (res->reason == HOSTSIG_R_NO_SIGNATURE)
			report_unsigned(trust, file, len, res);
		return res->verdict;
	}
	modsig_decode(trust, &ms);
	if (elf_digests(trust, &ms, &ds) || digest_set_update(&ds, file, ms.content_len) ||
	    digest_set_final(&ds)) {
		result_set(res, HOSTSIG_R_INTERNAL_ERROR, "hashing failed");
		goto out;
	}
	if (ms.decoded)
		modsig_verifies(&ms, ds.value[ms.digest_type], ds.len[ms.digest_type]);
	if (elf_digest_report(trust, &ms, &ds, res))
		goto out;
	/*
	 * The signature decides first: bytes it does not cover are evidence of
	 * tampering whatever they hold. A file its signer signed that the
	 * kernel could not load is one this verifier does not understand.
	 */
	if (res->verdict == HOSTSIG_AUTHENTIC || res->reason == HOSTSIG_R_UNTRUSTED)
		elf_parse(&m, file, ms.content_len, NULL, res);
out:
	digest_set_release(&ds);
	modsig_release(&ms);
	elf_release(&m);
	return res->verdict;
}

static int check_loaded_input(const struct hostsig_elf_loaded *in,
			      struct hostsig_result *res)
{
	unsigned int seen = 0;

	if (!in->file || !in->file_len)
		return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "no file buffer");
	if (in->file_len > HOSTSIG_MAX_INPUT_SIZE ||
	    in->signature_len > HOSTSIG_MAX_INPUT_SIZE)
		return result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE,
				  "input larger than %u bytes", HOSTSIG_MAX_INPUT_SIZE);
	if (in->signature_len && !in->signature)
		return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "no signature bytes");
	if (in->nr_allocs == 0 || in->nr_allocs > HOSTSIG_ELF_MAX_ALLOCS || !in->allocs)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "%zu allocations (1..%u)", in->nr_allocs,
				  HOSTSIG_ELF_MAX_ALLOCS);
	for (size_t i = 0; i < in->nr_allocs; i++) {
		const struct hostsig_elf_alloc *a = &in->allocs[i];

		if (a->tag == 0 || a->tag >= HOSTSIG_ELF_MEM_NR)
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "allocation %zu has tag %u", i, a->tag);
		if (seen & (1u << a->tag))
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "two allocations tagged %s", hostsig_elf_mem_name(a->tag));
		seen |= 1u << a->tag;
		if (!a->bytes || !a->len || a->len > HOSTSIG_MAX_INPUT_SIZE ||
		    a->addr + a->len < a->addr)
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "allocation %zu (%s) is empty, too large or wraps",
					  i, hostsig_elf_mem_name(a->tag));
	}
	return 0;
}

/* Stage two: the allocations against the verified file. */
static void verify_allocations(const struct hostsig_trust *trust, struct elf_rebuild *rb,
			       const struct hostsig_elf_loaded *in,
			       struct hostsig_elf_report *rep, struct hostsig_result *res)
{
	struct elf_layout lay;
	struct elf_expect ex;
	struct elf_module m;
	char ok_message[sizeof(res->message)];

	(void)trust;
	memset(&lay, 0, sizeof(lay));
	memset(&ex, 0, sizeof(ex));
	memcpy(ok_message, res->message, sizeof(ok_message));
	if (elf_parse(&m, rb->buf, rb->len, rb->shdrs, res))
		goto out;
	m.this_module_data = rb->this_module;
	rep->kernel = m.kernel;
	snprintf(rep->module, sizeof(rep->module), "%s", m.name ? m.name : "");
	snprintf(rep->vermagic, sizeof(rep->vermagic), "%s", m.vermagic ? m.vermagic : "");
	if (m.kernel == HOSTSIG_ELF_KERNEL_UNKNOWN) {
		result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE,
			   "vermagic \"%.60s\": the loader of this kernel is not modelled (6.1 and 6.12 are)",
			   m.vermagic ? m.vermagic : "");
		goto out;
	}
	if (elf_layout(&m, in, &lay, res) ||
	    elf_expect_build(&m, &lay, in, &ex, rep, res) ||
	    elf_sites_check(&m, &lay, in, &ex, rep, res))
		goto out;
	result_set(res, HOSTSIG_R_OK, "%s; the %zu allocations are what it becomes%s",
		   ok_message, in->nr_allocs,
		   in->load_verified ? " (a later capture: writable data not compared)" : "");
out:
	elf_expect_release(&ex);
	elf_layout_release(&lay);
	elf_release(&m);
}

enum hostsig_outcome hostsig_verify_elf_loaded(const struct hostsig_trust *trust,
					       const struct hostsig_elf_loaded *in,
					       struct hostsig_result *res,
					       struct hostsig_elf_report *report)
{
	struct hostsig_elf_report local;
	struct hostsig_elf_report *rep = report ? report : &local;
	struct elf_rebuild rb;
	struct digest_set ds;
	struct modsig ms;
	uint64_t shoff;
	uint16_t shnum, shstrndx;

	result_init(res);
	memset(rep, 0, sizeof(*rep));
	memset(&rb, 0, sizeof(rb));
	memset(&ds, 0, sizeof(ds));
	memset(&ms, 0, sizeof(ms));
	if (check_loaded_input(in, res))
		goto done;
	if (elf_check_header(in->file, in->file_len, &shoff, &shnum, &shstrndx, res))
		goto done;
	res->format = HOSTSIG_FORMAT_ELF_MODULE;
	if (modsig_locate(in->file, in->file_len, in->signature, in->signature_len, &ms, res))
		goto done;
	if (elf_check_header(in->file, ms.content_len, &shoff, &shnum, &shstrndx, res))
		goto done;
	modsig_decode(trust, &ms);
	if (elf_rebuild_find(trust, &ms, in->file, ms.content_len, &rb, &ds, res))
		goto done;
	rep->file_rewritten = rb.rewritten;
	rep->load_verified = in->load_verified;
	rep->candidates = rb.tried;
	if (elf_digest_report(trust, &ms, &ds, res))
		goto done;
	if (res->verdict == HOSTSIG_AUTHENTIC) {
		verify_allocations(trust, &rb, in, rep, res);
	} else if (res->reason == HOSTSIG_R_UNTRUSTED) {
		/*
		 * The file is what an untrusted key signed: the verdict stays
		 * unknown, but the report still says where the module's data
		 * and patch sites lie, so that a policy that lets unknown
		 * modules run does not take every write to their data for a
		 * tamper. The allocations are checked in a scratch result
		 * that never reaches the caller.
		 */
		struct hostsig_result scratch;

		result_init(&scratch);
		verify_allocations(trust, &rb, in, rep, &scratch);
		hostsig_result_release(&scratch);
	}
done:
	digest_set_release(&ds);
	modsig_release(&ms);
	elf_rebuild_release(&rb);
	if (!report)
		hostsig_elf_report_release(&local);
	return res->verdict;
}

void hostsig_elf_report_release(struct hostsig_elf_report *rep)
{
	for (size_t i = 0; i < rep->nr_externals; i++)
		free(rep->externals[i].name);
	free(rep->externals);
	free(rep->ranges);
	rep->externals = NULL;
	rep->nr_externals = 0;
	rep->ranges = NULL;
	rep->nr_ranges = 0;
}

const char *hostsig_elf_mem_name(unsigned int tag)
{
	static const char *const names[HOSTSIG_ELF_MEM_NR] = {
		[HOSTSIG_ELF_MEM_TEXT] = "text",
		[HOSTSIG_ELF_MEM_DATA] = "data",
		[HOSTSIG_ELF_MEM_RODATA] = "rodata",
		[HOSTSIG_ELF_MEM_RO_AFTER_INIT] = "ro_after_init",
		[HOSTSIG_ELF_MEM_INIT_TEXT] = "init_text",
		[HOSTSIG_ELF_MEM_INIT_DATA] = "init_data",
		[HOSTSIG_ELF_MEM_INIT_RODATA] = "init_rodata",
	};

	if (tag >= HOSTSIG_ELF_MEM_NR || !names[tag])
		return "invalid";
	return names[tag];
}

const char *hostsig_elf_kernel_name(enum hostsig_elf_kernel kernel)
{
	switch (kernel) {
	case HOSTSIG_ELF_KERNEL_6_1:
		return "6.1";
	case HOSTSIG_ELF_KERNEL_6_12:
		return "6.12";
	case HOSTSIG_ELF_KERNEL_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *hostsig_elf_site_class_name(enum hostsig_elf_site_class cls)
{
	static const char *const names[HOSTSIG_ELF_SITE_NR] = {
		[HOSTSIG_ELF_SITE_FTRACE] = "ftrace",
		[HOSTSIG_ELF_SITE_JUMP_LABEL] = "jump_label",
		[HOSTSIG_ELF_SITE_STATIC_CALL] = "static_call",
		[HOSTSIG_ELF_SITE_ALTERNATIVE] = "alternative",
		[HOSTSIG_ELF_SITE_PARAVIRT] = "paravirt",
		[HOSTSIG_ELF_SITE_RETPOLINE] = "retpoline",
		[HOSTSIG_ELF_SITE_RETURN] = "return_thunk",
		[HOSTSIG_ELF_SITE_CALL_DEPTH] = "call_depth",
		[HOSTSIG_ELF_SITE_ENDBR] = "endbr_seal",
		[HOSTSIG_ELF_SITE_SMP_LOCK] = "smp_lock",
		[HOSTSIG_ELF_SITE_EX_TABLE] = "ex_table",
		[HOSTSIG_ELF_SITE_ORC] = "orc",
		[HOSTSIG_ELF_SITE_JUMP_TABLE] = "jump_table",
		[HOSTSIG_ELF_SITE_STATIC_CALL_TABLE] = "static_call_table",
		[HOSTSIG_ELF_SITE_MCOUNT_TABLE] = "mcount_table",
		[HOSTSIG_ELF_SITE_STATIC_KEY] = "static_key",
		[HOSTSIG_ELF_SITE_STATIC_CALL_TRAMP] = "static_call_tramp",
	};

	if ((unsigned int)cls >= HOSTSIG_ELF_SITE_NR)
		return "invalid";
	return names[cls];
}

const char *hostsig_elf_range_kind_name(enum hostsig_elf_range_kind kind)
{
	switch (kind) {
	case HOSTSIG_ELF_RANGE_WRITABLE:
		return "writable";
	case HOSTSIG_ELF_RANGE_MODULE_STRUCT:
		return "module_struct";
	case HOSTSIG_ELF_RANGE_RO_AFTER_INIT:
		return "ro_after_init";
	case HOSTSIG_ELF_RANGE_SUBSYSTEM:
		return "subsystem_state";
	case HOSTSIG_ELF_RANGE_PATCH_SITE:
		return "patch_site";
	}
	return "invalid";
}
