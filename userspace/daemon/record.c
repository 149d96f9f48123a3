// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One ring record to one verdict. This is the code that reads guest bytes;
 * it runs in the sandboxed workers (worker.c), never in the daemon that
 * holds the device and the netlink socket.
 *
 * PE/COFF: the record's IMAGE region is the image as the guest's loader
 * mapped it, at the region's address, which is its load base: the record's
 * load_base is only what the guest declared, and one that differs makes
 * the verdict load_mismatch (libhostsig). When the loader wrote the
 * load address over the header's ImageBase (HOSTSIG_ARG_F_HEADER_REBASED),
 * the record's image_base is the file's. The SIGNATURE region is the
 * certificate table, the TAIL region the file bytes after the sections.
 *
 * Linux kernel modules: the FILE region is the loader's file buffer, each
 * IMAGE region one allocation (its tag the kind, its guest address where
 * the module was relocated to), the SIGNATURE region the appended
 * signature when the file buffer stops before it. A record the host marks
 * HOSTSIG_REC_F_LOAD_VERIFIED is a later capture of a load whose first
 * record was answered AUTHENTIC: the library then leaves the writable
 * data the signed file declares uncompared (Documentation/verifier-elf.rst).
 *
 * Other formats are UNKNOWN, never authentic. A record whose region table
 * does not make sense for its format is UNKNOWN too, reason malformed_record.
 *
 * Writable ranges go with every verdict whose image parses. For an
 * AUTHENTIC image they come from what the signature covers (the section
 * table); for any other verdict from what the guest supplied
 * (Documentation/threat-model.rst). A module's come from the section
 * table of the file its signature verified over, trusted signer or not,
 * and are none when no signature verifies.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsigd.h"

static void verdict_init(struct hsd_verdict *v, uint64_t record_id)
{
	memset(v, 0, sizeof(*v));
	v->record_id = record_id;
	v->verdict = HOSTSIG_VERDICT_UNKNOWN;
}

static void verdict_message(struct hsd_verdict *v, const char *reason,
			    const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void verdict_message(struct hsd_verdict *v, const char *reason,
			    const char *fmt, va_list ap)
{
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
}

void hsd_verdict_unknown(struct hsd_verdict *v, uint64_t record_id,
			 const char *reason, const char *fmt, ...)
{
	va_list ap;

	verdict_init(v, record_id);
	va_start(ap, fmt);
	verdict_message(v, reason, fmt, ap);
	va_end(ap);
}

static uint32_t verdict_of(enum hostsig_outcome outcome)
{
	switch (outcome) {
	case HOSTSIG_AUTHENTIC:
		return HOSTSIG_VERDICT_AUTHENTIC;
	case HOSTSIG_NOT_AUTHENTIC:
		return HOSTSIG_VERDICT_NOT_AUTHENTIC;
	case HOSTSIG_UNKNOWN:
		break;
	}
	return HOSTSIG_VERDICT_UNKNOWN;
}

/* The regions a PE record may have: one IMAGE, at most one SIGNATURE and TAIL. */
struct pe_regions {
	const struct hostsig_record_region *image, *signature, *tail;
};

static int pe_regions(const struct hostsig_record_snapshot *snap,
		      struct pe_regions *out, struct hsd_verdict *v)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < snap->hdr->nr_regions; i++) {
		const struct hostsig_record_region *r = &snap->regions[i];
		const struct hostsig_record_region **slot;

		switch (r->kind) {
		case HOSTSIG_REGION_IMAGE:
			slot = &out->image;
			break;
		case HOSTSIG_REGION_SIGNATURE:
			slot = &out->signature;
			break;
		case HOSTSIG_REGION_TAIL:
			slot = &out->tail;
			break;
		default:
			hsd_verdict_unknown(v, v->record_id, HSD_R_MALFORMED_RECORD,
					    "region %u: kind %u has no meaning for a PE image",
					    i, r->kind);
			return -1;
		}
		if (*slot) {
			hsd_verdict_unknown(v, v->record_id, HSD_R_MALFORMED_RECORD,
					    "region %u: a second region of kind %u", i, r->kind);
			return -1;
		}
		*slot = r;
	}
	if (!out->image) {
		hsd_verdict_unknown(v, v->record_id, HSD_R_MALFORMED_RECORD,
				    "no IMAGE region");
		return -1;
	}
	return 0;
}

/* The signature that made the image authentic, for the log. */
static void verdict_signer(struct hsd_verdict *v, const struct hostsig_result *res)
{
	for (size_t i = 0; i < res->nr_signatures; i++) {
		const struct hostsig_signature *sig = &res->signatures[i];

		if (sig->status == HOSTSIG_R_OK && sig->subject) {
			snprintf(v->signer, sizeof(v->signer), "%s", sig->subject);
			return;
		}
	}
}

/* The library's verdict, reason, message, digest and signer. */
static void verdict_from_result(struct hsd_verdict *v,
				const struct hostsig_result *res)
{
	v->verdict = verdict_of(res->verdict);
	snprintf(v->reason, sizeof(v->reason), "%s", hostsig_reason_name(res->reason));
	snprintf(v->message, sizeof(v->message), "%s", res->message);
	if (res->digest_len && res->digest_len <= sizeof(v->digest)) {
		memcpy(v->digest, res->digest, res->digest_len);
		v->digest_len = (uint32_t)res->digest_len;
		snprintf(v->digest_alg, sizeof(v->digest_alg), "%s",
			 hostsig_digest_name(res->digest_type));
	}
	v->nr_unverified = (uint32_t)res->nr_regions;
	verdict_signer(v, res);
}

static void verdict_writable(struct hsd_verdict *v, const uint8_t *image,
			     uint64_t image_len)
{
	struct hostsig_range ranges[HOSTSIG_MAX_WRITABLE];
	int n = hostsig_pe_writable_ranges(image, image_len, ranges,
					   HOSTSIG_MAX_WRITABLE);

	if (n <= 0)
		return;
	if (n > HOSTSIG_MAX_WRITABLE) {
		v->writable_dropped = (uint32_t)n - HOSTSIG_MAX_WRITABLE;
		n = HOSTSIG_MAX_WRITABLE;
	}
	for (int i = 0; i < n; i++) {
		uint64_t len = ranges[i].size;

		/* Ranges are of the IMAGE region: nothing past its end. */
		if (ranges[i].rva >= image_len)
			break;
		if (len > image_len - ranges[i].rva)
			len = image_len - ranges[i].rva;
		v->writable[v->nr_writable++] = (struct hostsig_nl_range){
			.region = 0, .offset = ranges[i].rva, .len = len,
		};
	}
}

static void verify_pe(const struct hostsig_trust *trust,
		      const struct hostsig_record *rec,
		      const struct hostsig_record_snapshot *snap,
		      struct hsd_verdict *v)
{
	const uint8_t *base = (const uint8_t *)rec;
	struct hostsig_pe_loaded loaded = { 0 };
	struct hostsig_result res;
	struct pe_regions r;

	if (pe_regions(snap, &r, v))
		return;
	loaded.image = base + r.image->offset;
	loaded.image_len = r.image->len;
	/* The image is where the host read it: its pointers must be relocated
	 * for that address, whatever the guest declared. */
	loaded.load_base = r.image->gva;
	loaded.declared_base = snap->hdr->load_base;
	loaded.has_declared_base = true;
	if (snap->hdr->arg_flags & HOSTSIG_ARG_F_HEADER_REBASED) {
		loaded.image_base = snap->hdr->image_base;
		loaded.has_image_base = true;
	}
	if (r.signature) {
		loaded.cert_table = base + r.signature->offset;
		loaded.cert_table_len = r.signature->len;
	}
	if (r.tail) {
		loaded.tail = base + r.tail->offset;
		loaded.tail_len = r.tail->len;
	}
	hostsig_verify_pe_loaded(trust, &loaded, &res);
	verdict_from_result(v, &res);
	if (res.format != HOSTSIG_FORMAT_NONE)
		verdict_writable(v, loaded.image, loaded.image_len);
	hostsig_result_release(&res);
}

/* The regions of a kernel module record: one FILE, IMAGEs, at most one SIGNATURE. */
struct elf_regions {
	const struct hostsig_record_region *file, *signature;
	struct hostsig_elf_alloc allocs[HOSTSIG_MAX_REGIONS];
	size_t nr_allocs;
};

static int elf_regions(const struct hostsig_record *rec,
		       const struct hostsig_record_snapshot *snap,
		       struct elf_regions *out, struct hsd_verdict *v)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < snap->hdr->nr_regions; i++) {
		const struct hostsig_record_region *r = &snap->regions[i];
		const struct hostsig_record_region **slot = NULL;

		switch (r->kind) {
		case HOSTSIG_REGION_IMAGE:
			out->allocs[out->nr_allocs++] = (struct hostsig_elf_alloc){
				.tag = r->tag,
				.addr = r->gva,
				.bytes = (const uint8_t *)rec + r->offset,
				.len = r->len,
			};
			continue;
		case HOSTSIG_REGION_FILE:
			slot = &out->file;
			break;
		case HOSTSIG_REGION_SIGNATURE:
			slot = &out->signature;
			break;
		default:
			hsd_verdict_unknown(v, v->record_id, HSD_R_MALFORMED_RECORD,
					    "region %u: kind %u has no meaning for a kernel module",
					    i, r->kind);
			return -1;
		}
		if (*slot) {
			hsd_verdict_unknown(v, v->record_id, HSD_R_MALFORMED_RECORD,
					    "region %u: a second region of kind %u", i, r->kind);
			return -1;
		}
		*slot = r;
	}
	if (!out->file || !out->nr_allocs) {
		hsd_verdict_unknown(v, v->record_id, HSD_R_MALFORMED_RECORD,
				    "a kernel module needs a FILE region and IMAGE regions");
		return -1;
	}
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct hostsig_nl_range *ra = a, *rb = b;

	if (ra->region != rb->region)
		return ra->region < rb->region ? -1 : 1;
	if (ra->offset != rb->offset)
		return ra->offset < rb->offset ? -1 : 1;
	return 0;
}

/* Report ranges the running kernel goes on writing after the load. */
static bool elf_range_written_later(enum hostsig_elf_range_kind kind)
{
	return kind == HOSTSIG_ELF_RANGE_WRITABLE || kind == HOSTSIG_ELF_RANGE_MODULE_STRUCT ||
	       kind == HOSTSIG_ELF_RANGE_RO_AFTER_INIT || kind == HOSTSIG_ELF_RANGE_SUBSYSTEM;
}

/*
 * What the guest's kernel may write after the load without it being a
 * tamper, as the signed file declares it (the report's ranges come from
 * the section headers the signature verified over): the module's
 * writable data, struct module, state other subsystems keep in the
 * module, ro_after_init data until init returns (the host cannot see
 * when). Nothing else: init text and init rodata stay tracked until the
 * guest says the module's init is done and its init memory freed, for the
 * module's init runs after the verdict. Adjacent ranges of one allocation
 * are merged; past HOSTSIG_MAX_WRITABLE they are counted as dropped (and
 * stay tracked).
 */
static void elf_writable(struct hsd_verdict *v, const struct elf_regions *r,
			 const struct hostsig_elf_report *report)
{
	struct hostsig_nl_range *all;
	size_t n = 0, out = 0;

	all = calloc(report->nr_ranges + 1, sizeof(*all));
	if (!all)
		return;
	for (size_t i = 0; i < report->nr_ranges; i++) {
		const struct hostsig_elf_range *er = &report->ranges[i];
		uint64_t len;

		if (!elf_range_written_later(er->kind) || er->alloc >= r->nr_allocs ||
		    !er->size || er->offset >= r->allocs[er->alloc].len)
			continue;
		len = r->allocs[er->alloc].len - er->offset;
		all[n++] = (struct hostsig_nl_range){
			.region = er->alloc, .offset = er->offset,
			.len = er->size < len ? er->size : len,
		};
	}
	qsort(all, n, sizeof(*all), range_cmp);
	for (size_t i = 0; i < n; i++) {
		struct hostsig_nl_range *last = out ? &all[out - 1] : NULL;

		if (last && last->region == all[i].region &&
		    all[i].offset <= last->offset + last->len) {
			if (all[i].offset + all[i].len > last->offset + last->len)
				last->len = all[i].offset + all[i].len - last->offset;
			continue;
		}
		all[out++] = all[i];
	}
	v->nr_writable = out < HOSTSIG_MAX_WRITABLE ? (uint32_t)out : HOSTSIG_MAX_WRITABLE;
	v->writable_dropped = (uint32_t)(out - v->nr_writable);
	memcpy(v->writable, all, v->nr_writable * sizeof(*all));
	free(all);
}

/*
 * The code bytes the guest's kernel rewrites at runtime (jump labels,
 * static call sites and trampolines, ftrace call sites), as the report
 * names them, jump labels and static calls first: a tracked write inside
 * one of them makes the kernel capture the module again instead of
 * calling it a tamper. The
 * sites of those classes the verdict cannot carry (past
 * HOSTSIG_MAX_PATCH_SITES, or past what the report could name) are
 * counted as dropped: they stay tamper-protected, a write there is a
 * tamper like any other.
 */
static void elf_patch_sites(struct hsd_verdict *v, const struct elf_regions *r,
			    const struct hostsig_elf_report *report)
{
	uint64_t total = (uint64_t)report->sites[HOSTSIG_ELF_SITE_JUMP_LABEL].total +
			 report->sites[HOSTSIG_ELF_SITE_STATIC_CALL].total +
			 report->sites[HOSTSIG_ELF_SITE_STATIC_CALL_TRAMP].total +
			 report->sites[HOSTSIG_ELF_SITE_FTRACE].total;

	for (size_t i = 0; i < report->nr_ranges && v->nr_patch < HOSTSIG_MAX_PATCH_SITES; i++) {
		const struct hostsig_elf_range *er = &report->ranges[i];

		if (er->kind != HOSTSIG_ELF_RANGE_PATCH_SITE || er->alloc >= r->nr_allocs ||
		    !er->size || er->offset >= r->allocs[er->alloc].len ||
		    er->size > r->allocs[er->alloc].len - er->offset)
			continue;
		v->patch[v->nr_patch++] = (struct hostsig_nl_range){
			.region = er->alloc, .offset = er->offset, .len = er->size,
		};
	}
	v->patch_dropped = total > v->nr_patch ? (uint32_t)(total - v->nr_patch) : 0;
}

static void verify_elf(const struct hostsig_trust *trust,
		       const struct hostsig_record *rec,
		       const struct hostsig_record_snapshot *snap,
		       struct hsd_verdict *v)
{
	const uint8_t *base = (const uint8_t *)rec;
	struct hostsig_elf_report report;
	struct hostsig_elf_loaded loaded;
	struct hostsig_result res;
	struct elf_regions r;

	if (elf_regions(rec, snap, &r, v))
		return;
	loaded = (struct hostsig_elf_loaded){
		.file = base + r.file->offset,
		.file_len = r.file->len,
		.file_addr = r.file->gva,
		.signature = r.signature ? base + r.signature->offset : NULL,
		.signature_len = r.signature ? r.signature->len : 0,
		.allocs = r.allocs,
		.nr_allocs = r.nr_allocs,
		.load_verified = (snap->hdr->arg_flags & HOSTSIG_REC_F_LOAD_VERIFIED) != 0,
	};
	memset(&report, 0, sizeof(report));
	hostsig_verify_elf_loaded(trust, &loaded, &res, &report);
	verdict_from_result(v, &res);
	elf_writable(v, &r, &report);
	elf_patch_sites(v, &r, &report);
	hostsig_elf_report_release(&report);
	hostsig_result_release(&res);
}

void hsd_verify_record(const struct hostsig_trust *trust,
		       const struct hostsig_record *rec, struct hsd_verdict *v)
{
	struct hostsig_record_snapshot snap;
	char why[HOSTSIG_MESSAGE_LEN];
	uint64_t record_id = rec->record_id;

	verdict_init(v, record_id);
	if (hostsig_record_snapshot(rec, &snap, why, sizeof(why))) {
		hsd_verdict_unknown(v, record_id, HSD_R_MALFORMED_RECORD, "%s", why);
		return;
	}
	switch (snap.hdr->format) {
	case HOSTSIG_FMT_PE:
		verify_pe(trust, rec, &snap, v);
		break;
	case HOSTSIG_FMT_ELF_MODULE:
		verify_elf(trust, rec, &snap, v);
		break;
	default:
		hsd_verdict_unknown(v, record_id, HSD_R_UNSUPPORTED_FORMAT,
				    "format %u is not one hostsigd knows",
				    snap.hdr->format);
		break;
	}
}

/* A reason is a short word: lower case, digits, '_' and '-'. */
static bool reason_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

/* Terminate, and replace what is not printable ASCII. */
static void printable(char *s, size_t size)
{
	s[size - 1] = '\0';
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

bool hsd_verdict_sane(struct hsd_verdict *v, const struct hsd_images *images,
		      char *why, size_t why_len)
{
	v->reason[sizeof(v->reason) - 1] = '\0';
	v->digest_alg[sizeof(v->digest_alg) - 1] = '\0';
	printable(v->message, sizeof(v->message));
	printable(v->signer, sizeof(v->signer));
	if (v->verdict < HOSTSIG_VERDICT_AUTHENTIC ||
	    v->verdict > HOSTSIG_VERDICT_UNKNOWN) {
		snprintf(why, why_len, "verdict %u", v->verdict);
		return false;
	}
	if (!reason_ok(v->reason)) {
		snprintf(why, why_len, "malformed reason");
		return false;
	}
	if (v->digest_len > sizeof(v->digest) ||
	    (v->digest_len && !reason_ok(v->digest_alg))) {
		snprintf(why, why_len, "malformed digest");
		return false;
	}
	if (v->nr_writable > HOSTSIG_MAX_WRITABLE) {
		snprintf(why, why_len, "%u writable ranges", v->nr_writable);
		return false;
	}
	for (uint32_t i = 0; i < v->nr_writable; i++) {
		const struct hostsig_nl_range *r = &v->writable[i];

		if (r->region >= images->nr || !r->len ||
		    r->offset >= images->len[r->region] ||
		    r->len > images->len[r->region] - r->offset) {
			snprintf(why, why_len, "writable range %u outside the image", i);
			return false;
		}
	}
	if (v->nr_patch > HOSTSIG_MAX_PATCH_SITES) {
		snprintf(why, why_len, "%u patch sites", v->nr_patch);
		return false;
	}
	for (uint32_t i = 0; i < v->nr_patch; i++) {
		const struct hostsig_nl_range *r = &v->patch[i];

		if (r->region >= images->nr || !r->len ||
		    r->offset >= images->len[r->region] ||
		    r->len > images->len[r->region] - r->offset) {
			snprintf(why, why_len, "patch site %u outside the image", i);
			return false;
		}
	}
	return true;
}
