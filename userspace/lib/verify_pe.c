// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Verifying a PE/COFF image: parse, hash, check every signature, decide.
 *
 * The decision, over all signatures (every WIN_CERTIFICATE entry and every
 * signature nested in one), follows UEFI's db/dbx rules:
 *
 *   the image digest is denied            -> not authentic (denied_digest)
 *   any signature's chain is denied       -> not authentic (denied_certificate)
 *   any signature is valid and trusted    -> authentic
 *   any signature's digest differs        -> not authentic (digest_mismatch)
 *   any signature does not verify         -> not authentic (bad_signature)
 *   any signature is valid but untrusted  -> unknown (untrusted)
 *   only unusable algorithms              -> unknown (unsupported_digest)
 *   only signatures of other kinds        -> unknown (unsupported_signature)
 *   only signatures we cannot read        -> unknown (unreadable_signature)
 *   no signature                          -> unknown (no_signature)
 *
 * Not authentic is evidence of tampering: bytes that are not what was
 * signed, a signature value that does not verify, or the operator's deny
 * list. Anything the verifier does not understand is unknown.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Order of precedence of signature outcomes, strongest first. */
static const enum hostsig_reason precedence[] = {
	HOSTSIG_R_DENIED_CERTIFICATE,
	HOSTSIG_R_OK,
	HOSTSIG_R_DIGEST_MISMATCH,
	HOSTSIG_R_BAD_SIGNATURE,
	HOSTSIG_R_UNTRUSTED,
	HOSTSIG_R_INTERNAL_ERROR,
	HOSTSIG_R_UNSUPPORTED_DIGEST,
	HOSTSIG_R_UNSUPPORTED_SIGNATURE,
	HOSTSIG_R_UNREADABLE_SIGNATURE,
};

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void want_digests(const struct hostsig_trust *trust,
			 const struct sig_list *list, bool want[HOSTSIG_DIGEST_NR])
{
	memset(want, 0, HOSTSIG_DIGEST_NR * sizeof(bool));
	want[HOSTSIG_DIGEST_SHA256] = true;
	for (size_t i = 0; i < list->nr; i++)
		if (list->sig[i].decoded)
			want[list->sig[i].digest_type] = true;
	for (size_t i = 0; i < trust->nr_denied_digests; i++)
		for (int t = HOSTSIG_DIGEST_SHA1; t < HOSTSIG_DIGEST_NR; t++)
			if (digest_size(t) == trust->denied_digests[i].len)
				want[t] = true;
}

static const struct denied_digest *digest_denied(const struct hostsig_trust *trust,
						 const struct digest_set *ds,
						 enum hostsig_digest *type)
{
	for (size_t i = 0; i < trust->nr_denied_digests; i++) {
		const struct denied_digest *dd = &trust->denied_digests[i];

		for (int t = HOSTSIG_DIGEST_SHA1; t < HOSTSIG_DIGEST_NR; t++) {
			if (ds->len[t] == dd->len && !memcmp(ds->value[t], dd->bytes, dd->len)) {
				*type = t;
				return dd;
			}
		}
	}
	return NULL;
}

/* The digest shown for the image: the first usable signature's algorithm. */
static void report_digest(const struct sig_list *list, const struct digest_set *ds,
			  struct hostsig_result *res)
{
	enum hostsig_digest type = HOSTSIG_DIGEST_SHA256;

	for (size_t i = 0; i < list->nr; i++) {
		if (list->sig[i].decoded) {
			type = list->sig[i].digest_type;
			break;
		}
	}
	res->digest_type = type;
	res->digest_len = ds->len[type];
	memcpy(res->digest, ds->value[type], ds->len[type]);
	memcpy(res->digests, ds->value, sizeof(res->digests));
	memcpy(res->digest_lens, ds->len, sizeof(res->digest_lens));
}

static int report_signatures(const struct hostsig_trust *trust,
			     struct sig_list *list, struct hostsig_result *res)
{
	res->signatures = calloc(list->nr ? list->nr : 1, sizeof(*res->signatures));
	if (!res->signatures)
		return -1;
	res->nr_signatures = list->nr;
	for (size_t i = 0; i < list->nr; i++) {
		struct authenticode_sig *sig = &list->sig[i];
		struct hostsig_signature *out = &res->signatures[i];

		out->entry = sig->entry;
		out->depth = sig->depth;
		out->status = sig->status;
		out->digest_type = sig->digest_type;
		out->digest_len = sig->digest_len;
		memcpy(out->digest, sig->digest, sig->digest_len);
		out->anchor = sig->anchor;
		sig->anchor = NULL;
		if (!sig->signer)
			continue;
		out->has_signer = trust_fingerprint(trust, sig->signer, out->fingerprint);
		out->subject = name_to_string(X509_get_subject_name(sig->signer));
		out->issuer = name_to_string(X509_get_issuer_name(sig->signer));
		if (!out->has_signer || !out->subject || !out->issuer)
			return -1;
	}
	return 0;
}

static void decide(struct sig_list *list, struct hostsig_result *res)
{
	char computed[2 * HOSTSIG_MAX_DIGEST_SIZE + 1];
	char signed_hex[2 * HOSTSIG_MAX_DIGEST_SIZE + 1];

	for (size_t p = 0; p < ARRAY_SIZE(precedence); p++) {
		for (size_t i = 0; i < list->nr; i++) {
			const struct authenticode_sig *sig = &list->sig[i];
			const struct hostsig_signature *out = &res->signatures[i];

			if (sig->status != precedence[p])
				continue;
			switch (sig->status) {
			case HOSTSIG_R_OK:
				result_set(res, HOSTSIG_R_OK,
					   "signature %zu by %s, trusted through %s",
					   i, out->subject, out->anchor ? out->anchor : "?");
				break;
			case HOSTSIG_R_DIGEST_MISMATCH:
				hex(computed, res->digest, res->digest_len);
				hex(signed_hex, sig->digest, sig->digest_len);
				result_set(res, HOSTSIG_R_DIGEST_MISMATCH,
					   "signature %zu signed %s digest %s, the image has %s",
					   i, hostsig_digest_name(sig->digest_type),
					   signed_hex,
					   res->digest_type == sig->digest_type ? computed : "another");
				break;
			default:
				result_set(res, sig->status, "signature %zu%s%s: %s", i,
					   out->subject ? " by " : "",
					   out->subject ? out->subject : "", sig->why);
				break;
			}
			return;
		}
	}
	result_set(res, HOSTSIG_R_UNREADABLE_SIGNATURE, "no usable signature");
}

static int collect(const struct hostsig_trust *trust, const uint8_t *cert_table,
		   size_t cert_table_len, struct sig_list *list,
		   struct hostsig_result *res)
{
	struct wincert entries[HOSTSIG_MAX_CERT_ENTRIES];
	size_t nr;

	if (wincert_parse(cert_table, cert_table_len, entries, &nr, res))
		return -1;
	for (size_t i = 0; i < nr; i++) {
		/* Only PKCS#7 SignedData signs a PE image; other entry types
		 * (X.509, EFI GUID) are ignored, as Windows and UEFI do. */
		if (entries[i].type != WIN_CERT_TYPE_PKCS_SIGNED_DATA)
			continue;
		if (signatures_collect(trust, entries[i].data, entries[i].len,
				       (unsigned int)i, list))
			break;
	}
	return 0;
}

enum hostsig_outcome verify_signed_image(const struct hostsig_trust *trust,
					 const struct pe_image *pe,
					 const struct pe_source *src,
					 const uint8_t *cert_table,
					 size_t cert_table_len,
					 struct hostsig_result *res)
{
	bool want[HOSTSIG_DIGEST_NR];
	struct sig_list *list = calloc(1, sizeof(*list));
	const struct denied_digest *dd;
	enum hostsig_digest dd_type;
	struct digest_set ds;
	char digest_hex[2 * HOSTSIG_MAX_DIGEST_SIZE + 1];

	memset(&ds, 0, sizeof(ds));
	if (!list) {
		result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
		goto out;
	}
	res->format = pe->format;
	if (cert_table && collect(trust, cert_table, cert_table_len, list, res))
		goto out;
	want_digests(trust, list, want);
	if (digest_set_init(&ds, trust, want) || authenticode_digest(pe, src, &ds)) {
		if (res->reason == HOSTSIG_R_INTERNAL_ERROR && !res->message[0])
			result_set(res, HOSTSIG_R_INTERNAL_ERROR, "hashing failed");
		goto out;
	}
	report_digest(list, &ds, res);
	for (size_t i = 0; i < list->nr; i++)
		signature_check(trust, &list->sig[i], &ds);
	if (report_signatures(trust, list, res)) {
		result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
		goto out;
	}
	dd = digest_denied(trust, &ds, &dd_type);
	if (dd) {
		hex(digest_hex, dd->bytes, dd->len);
		result_set(res, HOSTSIG_R_DENIED_DIGEST, "the image's %s digest %s is denied",
			   hostsig_digest_name(dd_type), digest_hex);
	} else if (list->nr == 0) {
		result_set(res, HOSTSIG_R_NO_SIGNATURE, cert_table ?
			   "no PKCS#7 signature in the certificate table" :
			   "the image is not signed");
	} else {
		decide(list, res);
	}
	/* Signatures we did not read could be good ones: only a denial
	 * stands without them. */
	if (list->overflow && res->reason != HOSTSIG_R_DENIED_DIGEST &&
	    res->reason != HOSTSIG_R_DENIED_CERTIFICATE)
		result_set(res, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
			   "more than %u signatures", HOSTSIG_MAX_SIGNATURES);
out:
	digest_set_release(&ds);
	if (list)
		signatures_release(list);
	free(list);
	return res->verdict;
}

/* The file on disk: everything is where the headers say. */
struct file_source {
	struct pe_source ops;
	const uint8_t *file;
	uint32_t trailing_end;
	const struct pe_image *pe;
};

static int file_headers(const struct pe_source *src, struct digest_set *ds,
			uint32_t off, uint32_t len)
{
	const struct file_source *fs = (const struct file_source *)src;

	return digest_set_update(ds, fs->file + off, len);
}

static int file_section(const struct pe_source *src, struct digest_set *ds,
			const struct pe_section *sec)
{
	const struct file_source *fs = (const struct file_source *)src;

	return digest_set_update(ds, fs->file + sec->raw_ptr, sec->raw_size);
}

static int file_trailing(const struct pe_source *src, struct digest_set *ds)
{
	const struct file_source *fs = (const struct file_source *)src;

	return digest_set_update(ds, fs->file + fs->pe->raw_end,
				 fs->trailing_end - fs->pe->raw_end);
}

/*
 * Where the certificate table is, and that it ends the file: bytes after it
 * would be covered by nothing.
 */
static int file_cert_table(const struct pe_image *pe, size_t len,
			   uint32_t *table_off, uint32_t *table_len,
			   struct hostsig_result *res)
{
	uint32_t off = 0, size = 0;

	if (pe->nr_dirs > PE_DIR_SECURITY) {
		off = pe->dirs[PE_DIR_SECURITY].rva;	/* a file offset, not an RVA */
		size = pe->dirs[PE_DIR_SECURITY].size;
	}
	*table_off = (uint32_t)len;
	*table_len = 0;
	if (!off && !size)
		return 0;
	if (!off || !size)
		return result_set(res, HOSTSIG_R_BAD_CERT_TABLE,
				  "certificate table entry 0x%x+0x%x is incomplete",
				  off, size);
	if (off < pe->raw_end)
		return result_set(res, HOSTSIG_R_BAD_CERT_TABLE,
				  "certificate table at 0x%x overlaps the image (raw data ends at 0x%x)",
				  off, pe->raw_end);
	if ((uint64_t)off + size != len)
		return result_set(res, HOSTSIG_R_BAD_CERT_TABLE,
				  "certificate table 0x%x+0x%x %s the end of the file (0x%zx)",
				  off, size, (uint64_t)off + size > len ?
				  "runs past" : "does not reach", len);
	*table_off = off;
	*table_len = size;
	return 0;
}

enum hostsig_outcome hostsig_verify_pe_file(const struct hostsig_trust *trust,
					    const uint8_t *file, size_t len,
					    struct hostsig_result *res)
{
	struct file_source fs = {
		.ops = { file_headers, file_section, file_trailing },
		.file = file,
	};
	uint32_t table_off, table_len;
	struct pe_image pe;

	result_init(res);
	if (len > HOSTSIG_MAX_INPUT_SIZE) {
		result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE,
			   "%zu bytes, more than %u", len, HOSTSIG_MAX_INPUT_SIZE);
		return res->verdict;
	}
	if (pe_parse(&pe, file, len, res))
		goto out;
	res->format = pe.format;
	if (file_cert_table(&pe, len, &table_off, &table_len, res))
		goto out;
	if (pe.raw_end > table_off) {
		result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
			   "raw data ends at 0x%x, beyond the end of the file",
			   pe.raw_end);
		goto out;
	}
	fs.trailing_end = table_off;
	fs.pe = &pe;
	verify_signed_image(trust, &pe, &fs.ops, table_len ? file + table_off : NULL,
			    table_len, res);
out:
	pe_release(&pe);
	return res->verdict;
}

/*
 * The certificate table the caller supplied must be the one the headers
 * describe: its size, and its file offset right after the raw data and the
 * tail. Neither field is covered by the signature, so this is consistency,
 * not security; it catches a record whose pieces do not belong together.
 */
static int loaded_cert_table(const struct pe_image *pe,
			     const struct hostsig_pe_loaded *in,
			     struct hostsig_result *res)
{
	struct pe_dir dir = { 0, 0 };

	if (pe->nr_dirs > PE_DIR_SECURITY)
		dir = pe->dirs[PE_DIR_SECURITY];
	if (!in->cert_table)
		return 0;
	if (dir.size != in->cert_table_len)
		return result_set(res, HOSTSIG_R_BAD_CERT_TABLE,
				  "the headers give a certificate table of %u bytes, %zu supplied",
				  dir.size, in->cert_table_len);
	if (dir.rva != (uint64_t)pe->raw_end + in->tail_len)
		return result_set(res, HOSTSIG_R_BAD_CERT_TABLE,
				  "the headers put the certificate table at 0x%x, raw data and tail end at 0x%llx",
				  dir.rva, (unsigned long long)pe->raw_end + in->tail_len);
	return 0;
}

/* See pe_unload_padding_nonzero(): the second reading, kept if it wins. */
static void retry_zero_padding(const struct hostsig_trust *trust,
			       const struct pe_image *pe, struct pe_unload *unload,
			       const struct hostsig_pe_loaded *in,
			       struct hostsig_result *res)
{
	struct hostsig_result alt;

	result_init(&alt);
	alt.format = res->format;
	alt.regions = malloc(res->nr_regions * sizeof(*alt.regions) + 1);
	if (!alt.regions)
		return;
	if (res->nr_regions)
		memcpy(alt.regions, res->regions, res->nr_regions * sizeof(*alt.regions));
	alt.nr_regions = res->nr_regions;
	if (!pe_unload_zero_padding(unload, &alt) &&
	    verify_signed_image(trust, pe, pe_unload_source(unload), in->cert_table,
				in->cert_table_len, &alt) == HOSTSIG_AUTHENTIC) {
		hostsig_result_release(res);
		*res = alt;
		return;
	}
	hostsig_result_release(&alt);
}

/*
 * What the signature cannot cover, checked once the file rebuilt from the
 * image proved authentic: that the image is where the loader's facts say,
 * can run there, and holds nothing else that runs.
 */
static void check_load(const struct pe_image *pe, struct pe_unload *unload,
		       const struct hostsig_pe_loaded *in, struct hostsig_result *res)
{
	uint64_t image_base = in->has_image_base ? in->image_base : pe->image_base;

	if (in->has_declared_base && in->declared_base != in->load_base) {
		result_set(res, HOSTSIG_R_LOAD_MISMATCH,
			   "the guest declared load base 0x%llx, the image is at 0x%llx",
			   (unsigned long long)in->declared_base,
			   (unsigned long long)in->load_base);
		return;
	}
	/* Without relocations an image runs only at its ImageBase: elsewhere
	 * its pointers lead out of the image, into what the guest put there. */
	if ((pe->file_characteristics & IMAGE_FILE_RELOCS_STRIPPED) &&
	    image_base != in->load_base) {
		result_set(res, HOSTSIG_R_LOAD_MISMATCH,
			   "relocations stripped: it runs only at its ImageBase 0x%llx, the image is at 0x%llx",
			   (unsigned long long)image_base, (unsigned long long)in->load_base);
		return;
	}
	if (pe_unload_check_imports(unload, res))
		return;
	pe_unload_check_executable(unload, res);
}

enum hostsig_outcome hostsig_verify_pe_loaded(const struct hostsig_trust *trust,
					      const struct hostsig_pe_loaded *in,
					      struct hostsig_result *res)
{
	struct pe_unload *unload = NULL;
	struct pe_image pe;

	result_init(res);
	memset(&pe, 0, sizeof(pe));
	if (in->image_len > HOSTSIG_MAX_INPUT_SIZE || in->tail_len > HOSTSIG_MAX_INPUT_SIZE ||
	    in->cert_table_len > HOSTSIG_MAX_INPUT_SIZE) {
		result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE,
			   "input larger than %u bytes", HOSTSIG_MAX_INPUT_SIZE);
		return res->verdict;
	}
	if (!in->image || (in->tail_len && !in->tail)) {
		result_set(res, HOSTSIG_R_INTERNAL_ERROR, "no image");
		return res->verdict;
	}
	if (pe_parse(&pe, in->image, in->image_len, res))
		goto out;
	res->format = pe.format;
	if (loaded_cert_table(&pe, in, res))
		goto out;
	unload = pe_unload_new(in, &pe, res);
	if (!unload)
		goto out;
	verify_signed_image(trust, &pe, pe_unload_source(unload), in->cert_table,
			    in->cert_table_len, res);
	if (res->reason == HOSTSIG_R_DIGEST_MISMATCH && pe_unload_padding_nonzero(unload))
		retry_zero_padding(trust, &pe, unload, in, res);
	if (res->verdict == HOSTSIG_AUTHENTIC)
		check_load(&pe, unload, in, res);
	if (res->reason == HOSTSIG_R_NO_SIGNATURE && !in->cert_table &&
	    pe.nr_dirs > PE_DIR_SECURITY && pe.dirs[PE_DIR_SECURITY].size)
		result_set(res, HOSTSIG_R_NO_SIGNATURE,
			   "the image has a certificate table, but none was supplied");
out:
	pe_unload_free(unload);
	pe_release(&pe);
	return res->verdict;
}
