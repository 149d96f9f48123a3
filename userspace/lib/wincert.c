// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The attribute certificate table: WIN_CERTIFICATE entries back to back,
 * each starting on an 8-byte boundary.
 *
 *   u32 dwLength          the entry's length, this header included
 *   u16 wRevision         0x0200 (0x0100 is the legacy revision)
 *   u16 wCertificateType  0x0002: PKCS#7 SignedData
 *   u8  bCertificate[dwLength - 8]
 *
 * The entries must fill the table exactly: the table is not covered by the
 * signature, so anything in it that no entry accounts for is refused.
 */
#include "internal.h"

#define WIN_CERT_HEADER_SIZE	8

int wincert_parse(const uint8_t *table, size_t len, struct wincert *entries,
		  size_t *nr, struct hostsig_result *res)
{
	uint64_t pos = 0;

	*nr = 0;
	while (pos < len) {
		uint32_t length;

		if (!span_ok(len, pos, WIN_CERT_HEADER_SIZE))
			return result_set(res, HOSTSIG_R_BAD_CERT_TABLE,
					  "certificate table: %zu stray bytes at offset %llu",
					  len - (size_t)pos, (unsigned long long)pos);
		length = le32(table + pos);
		if (length < WIN_CERT_HEADER_SIZE || !span_ok(len, pos, length))
			return result_set(res, HOSTSIG_R_BAD_CERT_TABLE,
					  "certificate table: entry %zu claims %u bytes, %llu left",
					  *nr, length, (unsigned long long)(len - pos));
		if (*nr >= HOSTSIG_MAX_CERT_ENTRIES)
			return result_set(res, HOSTSIG_R_BAD_CERT_TABLE,
					  "certificate table: more than %u entries",
					  HOSTSIG_MAX_CERT_ENTRIES);
		entries[*nr] = (struct wincert){
			.data = table + pos + WIN_CERT_HEADER_SIZE,
			.len = length - WIN_CERT_HEADER_SIZE,
			.revision = le16(table + pos + 4),
			.type = le16(table + pos + 6),
		};
		(*nr)++;
		/* The last entry may end the table unpadded. */
		if (pos + length == len)
			break;
		pos = (pos + length + 7) & ~(uint64_t)7;
		if (pos > len)
			return result_set(res, HOSTSIG_R_BAD_CERT_TABLE,
					  "certificate table: entry %zu's padding runs past the table",
					  *nr - 1);
	}
	if (*nr == 0)
		return result_set(res, HOSTSIG_R_BAD_CERT_TABLE,
				  "certificate table is empty");
	return 0;
}
