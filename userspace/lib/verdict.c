// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Verdicts, reasons and their stable names; the result's lifetime.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct {
	const char *name;
	enum hostsig_outcome verdict;
} reasons[HOSTSIG_R_NR] = {
	[HOSTSIG_R_OK]			= { "ok", HOSTSIG_AUTHENTIC },
	[HOSTSIG_R_NO_SIGNATURE]	= { "no_signature", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_UNTRUSTED]		= { "untrusted", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_UNSUPPORTED_FORMAT]	= { "unsupported_format", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_UNSUPPORTED_DIGEST]	= { "unsupported_digest", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_UNSUPPORTED_IMAGE]	= { "unsupported_image", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_INTERNAL_ERROR]	= { "internal_error", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_DIGEST_MISMATCH]	= { "digest_mismatch", HOSTSIG_NOT_AUTHENTIC },
	[HOSTSIG_R_BAD_SIGNATURE]	= { "bad_signature", HOSTSIG_NOT_AUTHENTIC },
	[HOSTSIG_R_BAD_CERT_TABLE]	= { "bad_cert_table", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_MALFORMED_IMAGE]	= { "malformed_image", HOSTSIG_NOT_AUTHENTIC },
	[HOSTSIG_R_DENIED_CERTIFICATE]	= { "denied_certificate", HOSTSIG_NOT_AUTHENTIC },
	[HOSTSIG_R_DENIED_DIGEST]	= { "denied_digest", HOSTSIG_NOT_AUTHENTIC },
	[HOSTSIG_R_LOAD_MISMATCH]	= { "load_mismatch", HOSTSIG_NOT_AUTHENTIC },
	[HOSTSIG_R_UNSUPPORTED_SITE]	= { "unsupported_site", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_UNSUPPORTED_SIGNATURE] = { "unsupported_signature", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_UNREADABLE_IMAGE]	= { "unreadable_image", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_UNREADABLE_SIGNATURE] = { "unreadable_signature", HOSTSIG_UNKNOWN },
	[HOSTSIG_R_SELF_TARGET]		= { "self_target", HOSTSIG_NOT_AUTHENTIC },
};

const char *hostsig_reason_name(enum hostsig_reason reason)
{
	if ((unsigned int)reason >= ARRAY_SIZE(reasons))
		return "invalid";
	return reasons[reason].name;
}

enum hostsig_outcome hostsig_reason_verdict(enum hostsig_reason reason)
{
	if ((unsigned int)reason >= ARRAY_SIZE(reasons))
		return HOSTSIG_UNKNOWN;
	return reasons[reason].verdict;
}

const char *hostsig_verdict_name(enum hostsig_outcome verdict)
{
	switch (verdict) {
	case HOSTSIG_AUTHENTIC:
		return "authentic";
	case HOSTSIG_NOT_AUTHENTIC:
		return "not_authentic";
	case HOSTSIG_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *hostsig_format_name(enum hostsig_image_format format)
{
	switch (format) {
	case HOSTSIG_FORMAT_PE32:
		return "pe32";
	case HOSTSIG_FORMAT_PE32PLUS:
		return "pe32+";
	case HOSTSIG_FORMAT_ELF_MODULE:
		return "elf-module";
	case HOSTSIG_FORMAT_NONE:
		break;
	}
	return "none";
}

const char *hostsig_digest_name(enum hostsig_digest digest)
{
	switch (digest) {
	case HOSTSIG_DIGEST_SHA1:
		return "sha1";
	case HOSTSIG_DIGEST_SHA256:
		return "sha256";
	case HOSTSIG_DIGEST_SHA384:
		return "sha384";
	case HOSTSIG_DIGEST_SHA512:
		return "sha512";
	case HOSTSIG_DIGEST_NONE:
	case HOSTSIG_DIGEST_NR:
		break;
	}
	return "none";
}

const char *hostsig_unverified_kind_name(enum hostsig_unverified_kind kind)
{
	switch (kind) {
	case HOSTSIG_UNVERIFIED_IMPORT_ADDRESS_TABLE:
		return "import_address_table";
	case HOSTSIG_UNVERIFIED_SECURITY_COOKIE:
		return "security_cookie";
	case HOSTSIG_UNVERIFIED_TLS_INDEX:
		return "tls_index";
	case HOSTSIG_UNVERIFIED_SLACK:
		return "slack";
	}
	return "invalid";
}

void result_init(struct hostsig_result *res)
{
	memset(res, 0, sizeof(*res));
	res->verdict = HOSTSIG_UNKNOWN;
	res->reason = HOSTSIG_R_INTERNAL_ERROR;
}

int result_set(struct hostsig_result *res, enum hostsig_reason reason,
	       const char *fmt, ...)
{
	va_list ap;

	res->reason = reason;
	res->verdict = hostsig_reason_verdict(reason);
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* Adjacent regions of one kind merge: an import address table is one region. */
int result_add_region(struct hostsig_result *res, enum hostsig_unverified_kind kind,
		      uint64_t rva, uint64_t size)
{
	struct hostsig_unverified *last, *regions;

	if (size == 0)
		return 0;
	if (res->nr_regions) {
		last = &res->regions[res->nr_regions - 1];
		if (last->kind == kind && (uint64_t)last->rva + last->size == rva &&
		    (uint64_t)last->size + size <= UINT32_MAX) {
			last->size += (uint32_t)size;
			return 0;
		}
	}
	if (res->nr_regions >= HOSTSIG_MAX_UNVERIFIED)
		return result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE,
				  "more than %u unverified regions",
				  HOSTSIG_MAX_UNVERIFIED);
	regions = realloc(res->regions, (res->nr_regions + 1) * sizeof(*regions));
	if (!regions)
		return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	res->regions = regions;
	regions[res->nr_regions++] = (struct hostsig_unverified){
		.kind = kind, .rva = (uint32_t)rva, .size = (uint32_t)size,
	};
	return 0;
}

static int region_cmp(const void *a, const void *b)
{
	const struct hostsig_unverified *ra = a, *rb = b;

	if (ra->rva != rb->rva)
		return ra->rva < rb->rva ? -1 : 1;
	return (int)ra->kind - (int)rb->kind;
}

void result_sort_regions(struct hostsig_result *res)
{
	if (res->nr_regions > 1)
		qsort(res->regions, res->nr_regions, sizeof(*res->regions), region_cmp);
}

void hostsig_result_release(struct hostsig_result *res)
{
	for (size_t i = 0; i < res->nr_signatures; i++) {
		free(res->signatures[i].subject);
		free(res->signatures[i].issuer);
		free(res->signatures[i].anchor);
	}
	free(res->signatures);
	free(res->regions);
	res->signatures = NULL;
	res->nr_signatures = 0;
	res->regions = NULL;
	res->nr_regions = 0;
}
