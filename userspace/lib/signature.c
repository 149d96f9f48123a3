// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Authenticode signatures: a PKCS#7 SignedData whose content is an
 * SpcIndirectDataContent carrying the image digest, and whose signer may
 * carry further, nested signatures in an unauthenticated attribute.
 *
 * Decoding (signatures_collect) happens before the image is hashed, so that
 * the hash pass knows which algorithms it needs; checking (signature_check)
 * happens after it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "internal.h"

static void sig_fail(struct authenticode_sig *sig, enum hostsig_reason reason,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void sig_fail(struct authenticode_sig *sig, enum hostsig_reason reason,
		     const char *fmt, ...)
{
	va_list ap;

	sig->decoded = false;
	sig->status = reason;
	va_start(ap, fmt);
	vsnprintf(sig->why, sizeof(sig->why), fmt, ap);
	va_end(ap);
}

static struct authenticode_sig *sig_add(struct sig_list *list,
					unsigned int entry, unsigned int depth)
{
	struct authenticode_sig *sig;

	if (list->nr >= ARRAY_SIZE(list->sig)) {
		list->overflow = true;
		return NULL;
	}
	sig = &list->sig[list->nr++];
	memset(sig, 0, sizeof(*sig));
	sig->entry = entry;
	sig->depth = depth;
	sig->status = HOSTSIG_R_UNREADABLE_SIGNATURE;
	return sig;
}

/* Microsoft signs the content octets of the SEQUENCE, not its header. */
static bool content_octets(const ASN1_STRING *seq, const uint8_t **content,
			   size_t *len)
{
	const unsigned char *p = ASN1_STRING_get0_data(seq);
	int total = ASN1_STRING_length(seq);
	int tag, class, ret;
	long inner;

	ret = ASN1_get_object(&p, &inner, &tag, &class, total);
	if (ret != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE ||
	    class != V_ASN1_UNIVERSAL)
		return false;
	if (p + inner != ASN1_STRING_get0_data(seq) + total)
		return false;
	*content = p;
	*len = (size_t)inner;
	return true;
}

static bool digest_allowed(const struct hostsig_trust *trust,
			   enum hostsig_digest type)
{
	return type != HOSTSIG_DIGEST_NONE &&
	       (type != HOSTSIG_DIGEST_SHA1 || trust->allow_sha1);
}

static void decode_one(const struct hostsig_trust *trust, struct sig_list *list,
		       struct authenticode_sig *sig, const uint8_t *der,
		       size_t len, bool padded);

static void collect_nested(const struct hostsig_trust *trust,
			   struct sig_list *list, struct authenticode_sig *sig,
			   PKCS7_SIGNER_INFO *si)
{
	STACK_OF(X509_ATTRIBUTE) *attrs = PKCS7_get_attributes(si);
	unsigned int entry = sig->entry, depth = sig->depth + 1;

	if (depth > HOSTSIG_MAX_NESTING)
		return;
	for (int i = 0; i < X509at_get_attr_count(attrs); i++) {
		X509_ATTRIBUTE *attr = X509at_get_attr(attrs, i);

		if (OBJ_cmp(X509_ATTRIBUTE_get0_object(attr),
			    trust->oid_spc_nested_signature))
			continue;
		for (int j = 0; j < X509_ATTRIBUTE_count(attr); j++) {
			ASN1_TYPE *value = X509_ATTRIBUTE_get0_type(attr, j);
			struct authenticode_sig *nested = sig_add(list, entry, depth);

			if (!nested)
				return;
			if (!value || value->type != V_ASN1_SEQUENCE) {
				sig_fail(nested, HOSTSIG_R_UNREADABLE_SIGNATURE,
					 "nested signature is not a SEQUENCE");
				continue;
			}
			decode_one(trust, list, nested,
				   ASN1_STRING_get0_data(value->value.sequence),
				   (size_t)ASN1_STRING_length(value->value.sequence),
				   false);
		}
	}
}

static bool only_zeros(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/*
 * What the signature signed. A structure we cannot read or a content of
 * another kind says nothing about the image: unknown, not a forgery.
 */
static void decode_content(const struct hostsig_trust *trust,
			   struct authenticode_sig *sig)
{
	PKCS7 *contents = sig->p7->d.sign->contents;
	struct spc_indirect_data idc;
	ASN1_TYPE *other;

	if (!contents || OBJ_cmp(contents->type, trust->oid_spc_indirect_data))
		return sig_fail(sig, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
				"content is not SpcIndirectDataContent");
	other = contents->d.other;
	if (!other || other->type != V_ASN1_SEQUENCE)
		return sig_fail(sig, HOSTSIG_R_UNREADABLE_SIGNATURE,
				"SpcIndirectDataContent is not a SEQUENCE");
	if (spc_indirect_data_decode(trust,
				     ASN1_STRING_get0_data(other->value.sequence),
				     (size_t)ASN1_STRING_length(other->value.sequence),
				     &idc))
		return sig_fail(sig, HOSTSIG_R_UNREADABLE_SIGNATURE,
				"malformed SpcIndirectDataContent");
	if (!idc.is_pe_image)
		return sig_fail(sig, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
				"SpcIndirectDataContent for data of type %s, not a PE image",
				idc.data_type);
	if (!content_octets(other->value.sequence, &sig->content, &sig->content_len))
		return sig_fail(sig, HOSTSIG_R_UNREADABLE_SIGNATURE,
				"malformed SpcIndirectDataContent header");
	sig->digest_type = idc.digest_type;
	sig->digest_len = idc.digest_len;
	memcpy(sig->digest, idc.digest, idc.digest_len);
	if (idc.digest_type == HOSTSIG_DIGEST_NONE)
		return sig_fail(sig, HOSTSIG_R_UNSUPPORTED_DIGEST,
				"image digest algorithm %s is not supported", idc.digest_alg);
	if (idc.digest_len != digest_size(idc.digest_type))
		return sig_fail(sig, HOSTSIG_R_UNREADABLE_SIGNATURE,
				"%s digest of %zu bytes",
				hostsig_digest_name(idc.digest_type), idc.digest_len);
	if (!digest_allowed(trust, idc.digest_type))
		return sig_fail(sig, HOSTSIG_R_UNSUPPORTED_DIGEST,
				"%s image digests are not allowed",
				hostsig_digest_name(idc.digest_type));
	sig->decoded = true;
}

/* The signer's certificate, by issuer and serial number, from the bag. */
static void find_signer(struct authenticode_sig *sig)
{
	STACK_OF(X509) *signers = PKCS7_get0_signers(sig->p7, NULL, 0);

	ERR_clear_error();
	if (signers && sk_X509_num(signers) == 1)
		sig->signer = sk_X509_value(signers, 0);
	sk_X509_free(signers);
}

/* The signer's own digest: the same allow-list as the image's. */
static void check_signer(const struct hostsig_trust *trust,
			 struct authenticode_sig *sig, PKCS7_SIGNER_INFO *si)
{
	const ASN1_OBJECT *alg;
	enum hostsig_digest md;
	char name[64];

	X509_ALGOR_get0(&alg, NULL, NULL, si->digest_alg);
	md = digest_from_nid(OBJ_obj2nid(alg));
	if (!digest_allowed(trust, md)) {
		OBJ_obj2txt(name, sizeof(name), alg, 0);
		return sig_fail(sig, HOSTSIG_R_UNSUPPORTED_DIGEST,
				"%s signer digests are not allowed", name);
	}
	if (!sig->signer)
		return sig_fail(sig, HOSTSIG_R_UNREADABLE_SIGNATURE,
				"the signer's certificate is not in the signature");
}

static void decode_one(const struct hostsig_trust *trust, struct sig_list *list,
		       struct authenticode_sig *sig, const uint8_t *der,
		       size_t len, bool padded)
{
	const unsigned char *p = der;
	STACK_OF(PKCS7_SIGNER_INFO) *infos;
	PKCS7_SIGNER_INFO *si;

	if (len > INT32_MAX)
		return sig_fail(sig, HOSTSIG_R_UNSUPPORTED_SIGNATURE, "signature too large");
	sig->p7 = d2i_PKCS7(NULL, &p, (long)len);
	ERR_clear_error();
	if (!sig->p7)
		return sig_fail(sig, HOSTSIG_R_UNREADABLE_SIGNATURE,
				"not a DER PKCS#7 structure");
	/* A WIN_CERTIFICATE may pad its PKCS#7 to 8 bytes with zeros; nothing
	 * else may follow it. */
	if (p != der + len &&
	    (!padded || der + len - p >= 8 || !only_zeros(p, (size_t)(der + len - p))))
		return sig_fail(sig, HOSTSIG_R_UNREADABLE_SIGNATURE,
				"data after the PKCS#7 structure");
	if (!PKCS7_type_is_signed(sig->p7) || !sig->p7->d.sign)
		return sig_fail(sig, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
				"PKCS#7 structure is not SignedData");
	if (sk_X509_num(sig->p7->d.sign->cert) > HOSTSIG_MAX_SIGNATURE_CERTS)
		return sig_fail(sig, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
				"more than %d certificates in the signature",
				HOSTSIG_MAX_SIGNATURE_CERTS);
	infos = PKCS7_get_signer_info(sig->p7);
	if (sk_PKCS7_SIGNER_INFO_num(infos) != 1)
		return sig_fail(sig, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
				"%d signers instead of one",
				sk_PKCS7_SIGNER_INFO_num(infos));
	si = sk_PKCS7_SIGNER_INFO_value(infos, 0);
	/* Nested signatures stand on their own: collect them even when this
	 * one turns out unusable. */
	collect_nested(trust, list, sig, si);
	find_signer(sig);
	decode_content(trust, sig);
	if (!sig->decoded)
		return;
	check_signer(trust, sig, si);
}

int signatures_collect(const struct hostsig_trust *trust, const uint8_t *der,
		       size_t len, unsigned int entry, struct sig_list *list)
{
	struct authenticode_sig *sig = sig_add(list, entry, 0);

	if (!sig)
		return -1;
	decode_one(trust, list, sig, der, len, true);
	return 0;
}

/* Authenticated attributes must say what they sign (RFC 2315 9.2). */
static bool content_type_ok(const struct hostsig_trust *trust,
			    PKCS7_SIGNER_INFO *si)
{
	ASN1_TYPE *type;

	if (!PKCS7_get_signed_attributes(si) ||
	    sk_X509_ATTRIBUTE_num(PKCS7_get_signed_attributes(si)) == 0)
		return true;
	type = PKCS7_get_signed_attribute(si, NID_pkcs9_contentType);
	return type && type->type == V_ASN1_OBJECT &&
	       !OBJ_cmp(type->value.object, trust->oid_spc_indirect_data);
}

/* Only keys Authenticode signers use: another kind is not a forgery. */
static bool signer_key_supported(X509 *signer)
{
	EVP_PKEY *key = X509_get0_pubkey(signer);

	return key && (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "EC"));
}

/*
 * The signature over the content, for the one signer: HOSTSIG_R_OK, or why
 * not. PKCS7_verify() would do the same and a chain check we do not want;
 * its 3.0 versions also leak a BIO when the digest set-up fails, which
 * hostile input can arrange.
 */
static enum hostsig_reason signature_verifies(struct authenticode_sig *sig,
					      PKCS7_SIGNER_INFO *si)
{
	STACK_OF(X509_ATTRIBUTE) *attrs = PKCS7_get_signed_attributes(si);
	enum hostsig_reason ret = HOSTSIG_R_INTERNAL_ERROR;
	BIO *content, *chain;
	char buf[4096];

	if (!signer_key_supported(sig->signer))
		return HOSTSIG_R_UNSUPPORTED_SIGNATURE;
	/* Authenticated attributes without the digest they must carry
	 * cannot be checked. */
	if (sk_X509_ATTRIBUTE_num(attrs) > 0 && !PKCS7_digest_from_attributes(attrs))
		return HOSTSIG_R_UNREADABLE_SIGNATURE;
	if (sig->content_len > INT32_MAX)
		return HOSTSIG_R_UNSUPPORTED_SIGNATURE;
	content = BIO_new_mem_buf(sig->content, (int)sig->content_len);
	if (!content)
		return HOSTSIG_R_INTERNAL_ERROR;
	/* A chain of digest BIOs, one per digest algorithm, over the content;
	 * the signer's algorithm is one we allow, so only memory can fail. */
	chain = PKCS7_dataInit(sig->p7, content);
	if (!chain) {
		BIO_free(content);
		ERR_clear_error();
		return HOSTSIG_R_INTERNAL_ERROR;
	}
	while (BIO_read(chain, buf, sizeof(buf)) > 0)
		;
	if (PKCS7_signatureVerify(chain, sig->p7, si, sig->signer) == 1)
		ret = HOSTSIG_R_OK;
	else
		ret = HOSTSIG_R_BAD_SIGNATURE;
	BIO_free_all(chain);
	ERR_clear_error();
	return ret;
}

static void sig_status(struct authenticode_sig *sig, enum hostsig_reason status,
		       const char *why)
{
	sig->status = status;
	snprintf(sig->why, sizeof(sig->why), "%s", why);
}

/*
 * Evidence of tampering first (a digest that differs, a signature value
 * that does not verify), then what we cannot vouch for.
 */
static void judge(const struct hostsig_trust *trust, struct authenticode_sig *sig,
		  const struct digest_set *ds, const struct chain_result *chain)
{
	PKCS7_SIGNER_INFO *si;
	const uint8_t *computed;
	enum hostsig_reason verified;

	/* dbx: a denied signer condemns the image even through a signature
	 * that is otherwise unusable. */
	if (chain->status == HOSTSIG_R_DENIED_CERTIFICATE)
		return sig_status(sig, chain->status, chain->why);
	if (!sig->decoded)
		return;
	si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(sig->p7), 0);
	computed = ds->value[sig->digest_type];
	if (ds->len[sig->digest_type] != sig->digest_len ||
	    memcmp(computed, sig->digest, sig->digest_len))
		return sig_status(sig, HOSTSIG_R_DIGEST_MISMATCH,
				  "the image is not what was signed");
	verified = signature_verifies(sig, si);
	switch (verified) {
	case HOSTSIG_R_OK:
		break;
	case HOSTSIG_R_BAD_SIGNATURE:
		return sig_status(sig, verified, "the PKCS#7 signature does not verify");
	case HOSTSIG_R_UNSUPPORTED_SIGNATURE:
		return sig_status(sig, verified,
				  "the signer's key is neither RSA nor EC, or the content is too large");
	case HOSTSIG_R_UNREADABLE_SIGNATURE:
		return sig_status(sig, verified,
				  "authenticated attributes without a message digest");
	default:
		return sig_status(sig, HOSTSIG_R_INTERNAL_ERROR,
				  "cannot set up the signature check");
	}
	/* What the publisher signed says it is something else. */
	if (!content_type_ok(trust, si))
		return sig_status(sig, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
				  "the signed contentType is not SpcIndirectDataContent");
	/* Untrusted, a digest in the chain we do not allow, not for code. */
	sig_status(sig, chain->status, chain->status == HOSTSIG_R_OK ? "" : chain->why);
}

void signature_check(const struct hostsig_trust *trust,
		     struct authenticode_sig *sig, const struct digest_set *ds)
{
	struct chain_result chain;

	/* Without the signer's certificate there is no chain: decoding said
	 * why the signature is unusable. */
	if (!sig->signer)
		return;
	trust_check_chain(trust, sig->signer, sig->p7->d.sign->cert, &chain);
	judge(trust, sig, ds, &chain);
	if (sig->status == HOSTSIG_R_OK)
		sig->anchor = chain.anchor;
	else
		free(chain.anchor);
}

void signatures_release(struct sig_list *list)
{
	for (size_t i = 0; i < list->nr; i++) {
		PKCS7_free(list->sig[i].p7);
		free(list->sig[i].anchor);
	}
	list->nr = 0;
}
