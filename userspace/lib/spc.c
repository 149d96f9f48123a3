// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Microsoft's Authenticode content, decoded by OpenSSL's ASN.1 templates:
 *
 *   SpcIndirectDataContent ::= SEQUENCE {
 *       data            SpcAttributeTypeAndOptionalValue,
 *       messageDigest   DigestInfo }
 *   SpcAttributeTypeAndOptionalValue ::= SEQUENCE {
 *       type            OBJECT IDENTIFIER,   -- SPC_PE_IMAGE_DATAOBJ for PE
 *       value           ANY OPTIONAL }       -- SpcPeImageData, not needed
 *
 * For a PE image, type is SPC_PE_IMAGE_DATAOBJ (1.3.6.1.4.1.311.2.1.15);
 * old versions of pesign wrote SPC_INDIVIDUAL_SP_KEY_PURPOSE_OBJID
 * (1.3.6.1.4.1.311.2.1.21) instead, and files they signed are still
 * shipped (Debian's fwupdx64.efi.signed). osslsigncode, sbverify and the
 * kernel's mscode_parser.c accept both; so do we. The digest and the
 * signature bind the image either way.
 *   DigestInfo ::= SEQUENCE {
 *       digestAlgorithm AlgorithmIdentifier,
 *       digest          OCTET STRING }
 */
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/objects.h>

#include "internal.h"

typedef struct {
	ASN1_OBJECT *type;
	ASN1_TYPE *value;
} SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE;

typedef struct {
	X509_ALGOR *digest_algorithm;
	ASN1_OCTET_STRING *digest;
} SPC_DIGEST_INFO;

typedef struct {
	SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE *data;
	SPC_DIGEST_INFO *message_digest;
} SPC_INDIRECT_DATA_CONTENT;

ASN1_SEQUENCE(SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE) = {
	ASN1_SIMPLE(SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE, type, ASN1_OBJECT),
	ASN1_OPT(SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE, value, ASN1_ANY),
} static_ASN1_SEQUENCE_END(SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE)

ASN1_SEQUENCE(SPC_DIGEST_INFO) = {
	ASN1_SIMPLE(SPC_DIGEST_INFO, digest_algorithm, X509_ALGOR),
	ASN1_SIMPLE(SPC_DIGEST_INFO, digest, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(SPC_DIGEST_INFO)

ASN1_SEQUENCE(SPC_INDIRECT_DATA_CONTENT) = {
	ASN1_SIMPLE(SPC_INDIRECT_DATA_CONTENT, data, SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE),
	ASN1_SIMPLE(SPC_INDIRECT_DATA_CONTENT, message_digest, SPC_DIGEST_INFO),
} static_ASN1_SEQUENCE_END(SPC_INDIRECT_DATA_CONTENT)

int spc_indirect_data_decode(const struct hostsig_trust *trust,
			     const uint8_t *der, size_t len,
			     struct spc_indirect_data *out)
{
	const unsigned char *p = der;
	SPC_INDIRECT_DATA_CONTENT *idc;
	const ASN1_OBJECT *alg;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (len > INT32_MAX)
		return -1;
	idc = (SPC_INDIRECT_DATA_CONTENT *)ASN1_item_d2i(NULL, &p, (long)len,
			ASN1_ITEM_rptr(SPC_INDIRECT_DATA_CONTENT));
	if (!idc)
		return -1;
	/* The whole content, nothing after it. */
	if (p != der + len)
		goto out;
	out->is_pe_image = !OBJ_cmp(idc->data->type, trust->oid_spc_pe_image_data) ||
			   !OBJ_cmp(idc->data->type, trust->oid_spc_sp_key_purpose);
	OBJ_obj2txt(out->data_type, sizeof(out->data_type), idc->data->type, 1);
	X509_ALGOR_get0(&alg, NULL, NULL, idc->message_digest->digest_algorithm);
	OBJ_obj2txt(out->digest_alg, sizeof(out->digest_alg), alg, 0);
	out->digest_type = digest_from_nid(OBJ_obj2nid(alg));
	out->digest_len = (size_t)ASN1_STRING_length(idc->message_digest->digest);
	if (out->digest_len > sizeof(out->digest))
		goto out;
	memcpy(out->digest, ASN1_STRING_get0_data(idc->message_digest->digest),
	       out->digest_len);
	ret = 0;
out:
	ASN1_item_free((ASN1_VALUE *)idc, ASN1_ITEM_rptr(SPC_INDIRECT_DATA_CONTENT));
	return ret;
}
