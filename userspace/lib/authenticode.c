// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Authenticode digest of a PE/COFF file ("Windows Authenticode Portable
 * Executable Signature Format", "Calculating the PE Image Hash"):
 *
 *   1. the headers, SizeOfHeaders bytes, less the CheckSum field and the
 *      certificate-table data directory entry;
 *   2. the raw data of every section, in the order of PointerToRawData;
 *   3. the bytes after the last section's raw data, up to the certificate
 *      table (or the end of an unsigned file).
 *
 * Bytes the file has between those pieces (gaps between sections) are
 * covered by no signature; no loader maps them either.
 *
 * One pass feeds every algorithm a verification needs: those of the
 * signatures and those of the deny list.
 */
#include <string.h>

#include <openssl/objects.h>

#include "internal.h"

/* Feed several algorithms in chunks that stay in the cache. */
#define DIGEST_CHUNK	(64u << 10)

static const uint8_t zeros[4096];

size_t digest_size(enum hostsig_digest type)
{
	switch (type) {
	case HOSTSIG_DIGEST_SHA1:
		return 20;
	case HOSTSIG_DIGEST_SHA256:
		return 32;
	case HOSTSIG_DIGEST_SHA384:
		return 48;
	case HOSTSIG_DIGEST_SHA512:
		return 64;
	case HOSTSIG_DIGEST_NONE:
	case HOSTSIG_DIGEST_NR:
		break;
	}
	return 0;
}

enum hostsig_digest digest_from_nid(int nid)
{
	switch (nid) {
	case NID_sha1:
		return HOSTSIG_DIGEST_SHA1;
	case NID_sha256:
		return HOSTSIG_DIGEST_SHA256;
	case NID_sha384:
		return HOSTSIG_DIGEST_SHA384;
	case NID_sha512:
		return HOSTSIG_DIGEST_SHA512;
	}
	return HOSTSIG_DIGEST_NONE;
}

int digest_set_init(struct digest_set *ds, const struct hostsig_trust *trust,
		    const bool want[HOSTSIG_DIGEST_NR])
{
	memset(ds, 0, sizeof(*ds));
	for (int i = 0; i < HOSTSIG_DIGEST_NR; i++) {
		if (!want[i] || !trust->md[i])
			continue;
		ds->ctx[i] = EVP_MD_CTX_new();
		if (!ds->ctx[i] || !EVP_DigestInit_ex(ds->ctx[i], trust->md[i], NULL))
			return -1;
	}
	return 0;
}

int digest_set_update(struct digest_set *ds, const void *data, size_t len)
{
	const uint8_t *p = data;
	int nr = 0, only = -1;

	for (int i = 0; i < HOSTSIG_DIGEST_NR; i++) {
		if (ds->ctx[i]) {
			nr++;
			only = i;
		}
	}
	if (nr == 1)
		return EVP_DigestUpdate(ds->ctx[only], data, len) ? 0 : -1;
	while (len) {
		size_t n = len < DIGEST_CHUNK ? len : DIGEST_CHUNK;

		for (int i = 0; i < HOSTSIG_DIGEST_NR; i++)
			if (ds->ctx[i] && !EVP_DigestUpdate(ds->ctx[i], p, n))
				return -1;
		p += n;
		len -= n;
	}
	return 0;
}

int digest_set_zeros(struct digest_set *ds, uint64_t len)
{
	while (len) {
		size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);

		if (digest_set_update(ds, zeros, n))
			return -1;
		len -= n;
	}
	return 0;
}

int digest_set_final(struct digest_set *ds)
{
	for (int i = 0; i < HOSTSIG_DIGEST_NR; i++) {
		unsigned int len = 0;

		if (!ds->ctx[i])
			continue;
		if (!EVP_DigestFinal_ex(ds->ctx[i], ds->value[i], &len))
			return -1;
		ds->len[i] = len;
	}
	return 0;
}

void digest_set_release(struct digest_set *ds)
{
	for (int i = 0; i < HOSTSIG_DIGEST_NR; i++)
		EVP_MD_CTX_free(ds->ctx[i]);
	memset(ds->ctx, 0, sizeof(ds->ctx));
}

static int hash_headers(const struct pe_image *pe, const struct pe_source *src,
			struct digest_set *ds)
{
	uint32_t skip[2][2] = {
		{ pe->checksum_off, 4 },
		{ pe->cert_dirent_off, 8 },
	};
	uint32_t pos = 0;

	/* pe_parse() put both fields inside the headers, checksum first. */
	for (unsigned int i = 0; i < ARRAY_SIZE(skip); i++) {
		if (!skip[i][0])
			continue;
		if (src->headers(src, ds, pos, skip[i][0] - pos))
			return -1;
		pos = skip[i][0] + skip[i][1];
	}
	return src->headers(src, ds, pos, pe->size_of_headers - pos);
}

int authenticode_digest(const struct pe_image *pe, const struct pe_source *src,
			struct digest_set *ds)
{
	if (hash_headers(pe, src, ds))
		return -1;
	for (unsigned int i = 0; i < pe->nr_raw; i++)
		if (src->section(src, ds, &pe->sections[pe->raw_order[i]]))
			return -1;
	if (src->trailing(src, ds))
		return -1;
	return digest_set_final(ds);
}
