// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Appended module signatures, as scripts/sign-file writes them and the
 * kernel's module_sig_check() reads them:
 *
 *   module bytes | PKCS#7 (DER) | struct module_signature | marker
 *
 * struct module_signature is 12 bytes: algo, hash, id_type, signer_len,
 * key_id_len (all 0 but id_type, PKEY_ID_PKCS7), 3 bytes of padding, and
 * sig_len, big-endian. The PKCS#7 is a detached SignedData over the module
 * bytes, with one signer, no certificates (the kernel finds the key in its
 * keyrings by issuer and serial number or by subject key identifier) and no
 * authenticated attributes (the kernel refuses them for modules).
 *
 * The verifier finds the signer's certificate the same way, among the
 * trusted certificates, the ones the signature may carry, and the denied
 * ones; the key of the certificate must verify the signature over the
 * digest of the module, then the certificate must be trusted and not
 * denied.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "elfmod.h"

static void ms_fail(struct modsig *ms, enum hostsig_reason reason,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void ms_fail(struct modsig *ms, enum hostsig_reason reason,
		    const char *fmt, ...)
{
	va_list ap;

	ms->decoded = false;
	ms->status = reason;
	va_start(ap, fmt);
	vsnprintf(ms->why, sizeof(ms->why), fmt, ap);
	va_end(ap);
}

static bool ends_with_marker(const uint8_t *p, size_t len)
{
	return len >= MODSIG_MARKER_LEN &&
	       !memcmp(p + len - MODSIG_MARKER_LEN, MODSIG_MARKER, MODSIG_MARKER_LEN);
}

/*
 * The trailer, checked as mod_check_sig() does: what the kernel refuses
 * outright, the verifier cannot read either (unreadable_signature); a
 * signature type other than PKCS#7 is one the kernel does not check
 * (unsupported_signature). Both are unknown: not understanding a signature
 * is no evidence of tampering. A signature that does not verify is.
 */
static int parse_trailer(const uint8_t *t, size_t before, struct modsig *ms,
			 struct hostsig_result *res)
{
	uint8_t info[MODSIG_INFO_LEN];
	uint32_t sig_len;

	memcpy(info, t, sizeof(info));
	memcpy(&sig_len, t + 8, 4);
	sig_len = ntohl(sig_len);
	if (info[2] != PKEY_ID_PKCS7)
		return result_set(res, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
				  "module signature id_type %u is not PKCS#7 (%u)",
				  info[2], PKEY_ID_PKCS7);
	if (info[0] || info[1] || info[3] || info[4] || info[5] || info[6] || info[7])
		return result_set(res, HOSTSIG_R_UNREADABLE_SIGNATURE,
				  "module signature information has non-zero fields");
	if (sig_len == 0 || sig_len > before)
		return result_set(res, HOSTSIG_R_UNREADABLE_SIGNATURE,
				  "signature length %u, with %zu bytes before it",
				  sig_len, before);
	ms->pkcs7_len = sig_len;
	return 0;
}

int modsig_locate(const uint8_t *file, size_t file_len, const uint8_t *sig,
		  size_t sig_len, struct modsig *ms, struct hostsig_result *res)
{
	const uint8_t *tail = sig ? sig : file;
	size_t tail_len = sig ? sig_len : file_len;
	size_t before;

	memset(ms, 0, sizeof(*ms));
	ms->status = HOSTSIG_R_UNREADABLE_SIGNATURE;
	if (!ends_with_marker(tail, tail_len))
		return result_set(res, HOSTSIG_R_NO_SIGNATURE, sig ?
				  "the signature given does not end with the module signature marker" :
				  "the module is not signed (no \"~Module signature appended~\" marker)");
	if (tail_len < MODSIG_MARKER_LEN + MODSIG_INFO_LEN)
		return result_set(res, HOSTSIG_R_UNREADABLE_SIGNATURE,
				  "module signature marker without a signature (%zu bytes)",
				  tail_len);
	before = tail_len - MODSIG_MARKER_LEN - MODSIG_INFO_LEN;
	/* The kernel wants at least one byte of module before the signature:
	 * sig_len < file_len - sizeof(struct module_signature). */
	if (parse_trailer(tail + before, sig ? before : (before ? before - 1 : 0), ms, res))
		return -1;
	if (sig) {
		if (ms->pkcs7_len != before)
			return result_set(res, HOSTSIG_R_UNREADABLE_SIGNATURE,
					  "signature of %zu bytes holds a PKCS#7 of %zu",
					  before, ms->pkcs7_len);
		ms->pkcs7 = sig;
		ms->content_len = file_len;
	} else {
		ms->pkcs7 = file + before - ms->pkcs7_len;
		ms->content_len = before - ms->pkcs7_len;
	}
	if (ms->content_len == 0)
		return result_set(res, HOSTSIG_R_UNREADABLE_SIGNATURE, "no module before the signature");
	return 0;
}

static enum hostsig_digest digest_of_nid(int nid)
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

static void describe_signer_id(struct modsig *ms)
{
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	char *name = NULL, *sn = NULL;
	BIGNUM *bn;

	if (CMS_SignerInfo_get0_signer_id(ms->si, &keyid, &issuer, &serial) != 1)
		goto out;
	if (keyid) {
		char *hex = OPENSSL_buf2hexstr(ASN1_STRING_get0_data(keyid),
					       ASN1_STRING_length(keyid));

		snprintf(ms->signer_id, sizeof(ms->signer_id), "key id %s", hex ? hex : "?");
		OPENSSL_free(hex);
		goto out;
	}
	name = issuer ? name_to_string(issuer) : NULL;
	bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	sn = bn ? BN_bn2hex(bn) : NULL;
	BN_free(bn);
	snprintf(ms->signer_id, sizeof(ms->signer_id), "issuer %s, serial %s",
		 name ? name : "?", sn ? sn : "?");
out:
	free(name);
	OPENSSL_free(sn);
	ERR_clear_error();
}

/* Certificates from a stack whose identifier is the signer's. */
static int add_candidates(struct modsig *ms, STACK_OF(X509) *certs)
{
	for (int i = 0; i < sk_X509_num(certs); i++) {
		X509 *cert = sk_X509_value(certs, i);

		if (CMS_SignerInfo_cert_cmp(ms->si, cert))
			continue;
		if (sk_X509_num(ms->candidates) >= HOSTSIG_MAX_SIGNATURE_CERTS)
			return 0;
		if (!X509_up_ref(cert))
			return -1;
		if (!sk_X509_push(ms->candidates, cert)) {
			X509_free(cert);
			return -1;
		}
	}
	return 0;
}

static bool sig_alg_supported(struct modsig *ms)
{
	X509_ALGOR *sig_alg = NULL;
	const ASN1_OBJECT *obj;
	int nid;

	CMS_SignerInfo_get0_algs(ms->si, NULL, NULL, NULL, &sig_alg);
	if (!sig_alg)
		return false;
	X509_ALGOR_get0(&obj, NULL, NULL, sig_alg);
	nid = OBJ_obj2nid(obj);
	switch (nid) {
	case NID_rsaEncryption:
	case NID_sha1WithRSAEncryption:
	case NID_sha256WithRSAEncryption:
	case NID_sha384WithRSAEncryption:
	case NID_sha512WithRSAEncryption:
	case NID_X9_62_id_ecPublicKey:
	case NID_ecdsa_with_SHA1:
	case NID_ecdsa_with_SHA256:
	case NID_ecdsa_with_SHA384:
	case NID_ecdsa_with_SHA512:
		return true;
	}
	return false;
}

static void decode_signer(const struct hostsig_trust *trust, struct modsig *ms)
{
	STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(ms->cms);
	X509_ALGOR *dig_alg = NULL;
	const ASN1_OBJECT *obj;

	if (sk_CMS_SignerInfo_num(infos) != 1)
		return ms_fail(ms, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
			       "%d signers instead of one", sk_CMS_SignerInfo_num(infos));
	ms->si = sk_CMS_SignerInfo_value(infos, 0);
	describe_signer_id(ms);
	if (CMS_signed_get_attr_count(ms->si) >= 0)
		return ms_fail(ms, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
			       "the signature has authenticated attributes, which the kernel refuses for modules");
	CMS_SignerInfo_get0_algs(ms->si, NULL, NULL, &dig_alg, NULL);
	if (!dig_alg)
		return ms_fail(ms, HOSTSIG_R_UNREADABLE_SIGNATURE, "no digest algorithm");
	X509_ALGOR_get0(&obj, NULL, NULL, dig_alg);
	ms->digest_type = digest_of_nid(OBJ_obj2nid(obj));
	if (ms->digest_type == HOSTSIG_DIGEST_NONE)
		return ms_fail(ms, HOSTSIG_R_UNSUPPORTED_DIGEST,
			       "digest algorithm %s is not SHA-1/256/384/512",
			       OBJ_nid2sn(OBJ_obj2nid(obj)));
	if (ms->digest_type == HOSTSIG_DIGEST_SHA1 && !trust->allow_sha1)
		return ms_fail(ms, HOSTSIG_R_UNSUPPORTED_DIGEST,
			       "SHA-1 module signatures are not allowed");
	ms->md = trust->md[ms->digest_type];
	if (!sig_alg_supported(ms))
		return ms_fail(ms, HOSTSIG_R_UNSUPPORTED_SIGNATURE,
			       "signature algorithm is neither RSA PKCS#1 v1.5 nor ECDSA");
	ms->decoded = true;
}

void modsig_decode(const struct hostsig_trust *trust, struct modsig *ms)
{
	const unsigned char *p = ms->pkcs7;
	ASN1_OCTET_STRING **content;

	ms->decoded = false;
	ms->status = HOSTSIG_R_UNREADABLE_SIGNATURE;
	ms->candidates = sk_X509_new_null();
	if (!ms->candidates)
		return ms_fail(ms, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	if (ms->pkcs7_len > INT32_MAX)
		return ms_fail(ms, HOSTSIG_R_UNREADABLE_SIGNATURE, "signature too large");
	ms->cms = d2i_CMS_ContentInfo(NULL, &p, (long)ms->pkcs7_len);
	ERR_clear_error();
	if (!ms->cms)
		return ms_fail(ms, HOSTSIG_R_UNREADABLE_SIGNATURE, "not a DER PKCS#7 structure");
	if (p != ms->pkcs7 + ms->pkcs7_len)
		return ms_fail(ms, HOSTSIG_R_UNREADABLE_SIGNATURE,
			       "%zu bytes after the PKCS#7 structure",
			       (size_t)(ms->pkcs7 + ms->pkcs7_len - p));
	if (OBJ_obj2nid(CMS_get0_type(ms->cms)) != NID_pkcs7_signed)
		return ms_fail(ms, HOSTSIG_R_UNREADABLE_SIGNATURE, "PKCS#7 structure is not SignedData");
	if (OBJ_obj2nid(CMS_get0_eContentType(ms->cms)) != NID_pkcs7_data)
		return ms_fail(ms, HOSTSIG_R_UNREADABLE_SIGNATURE,
			       "the signed content is not pkcs7-data");
	content = CMS_get0_content(ms->cms);
	if (content && *content)
		return ms_fail(ms, HOSTSIG_R_UNREADABLE_SIGNATURE,
			       "the signature is not detached: it carries content");
	ms->bag = CMS_get1_certs(ms->cms);
	ERR_clear_error();
	if (sk_X509_num(ms->bag) > HOSTSIG_MAX_SIGNATURE_CERTS)
		return ms_fail(ms, HOSTSIG_R_UNREADABLE_SIGNATURE,
			       "more than %d certificates in the signature",
			       HOSTSIG_MAX_SIGNATURE_CERTS);
	decode_signer(trust, ms);
	if (!ms->si)
		return;
	/* dbx: a denied certificate with the signer's id condemns it, whether
	 * or not the rest of the signature is usable. */
	for (int i = 0; i < sk_X509_num(trust->denied); i++)
		if (!CMS_SignerInfo_cert_cmp(ms->si, sk_X509_value(trust->denied, i)))
			ms->denied_id = true;
	if (!ms->decoded)
		return;
	if (add_candidates(ms, trust->trusted) || add_candidates(ms, ms->bag) ||
	    add_candidates(ms, trust->denied))
		return ms_fail(ms, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	ERR_clear_error();
}

/* The key's signature over a digest, as the kernel's public_key_verify_signature() checks it. */
static bool key_verifies(const struct modsig *ms, X509 *cert,
			 const uint8_t *digest, size_t len)
{
	const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(ms->si);
	EVP_PKEY *key = X509_get0_pubkey(cert);
	EVP_PKEY_CTX *ctx;
	bool ok = false;

	if (!key || !sig)
		return false;
	if (!EVP_PKEY_is_a(key, "RSA") && !EVP_PKEY_is_a(key, "EC"))
		return false;
	ctx = EVP_PKEY_CTX_new(key, NULL);
	if (!ctx)
		return false;
	if (EVP_PKEY_verify_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, ms->md) == 1 &&
	    (!EVP_PKEY_is_a(key, "RSA") ||
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1))
		ok = EVP_PKEY_verify(ctx, ASN1_STRING_get0_data(sig),
				     (size_t)ASN1_STRING_length(sig), digest, len) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

bool modsig_verifies(struct modsig *ms, const uint8_t *digest, size_t len)
{
	if (!ms->decoded)
		return false;
	for (int i = 0; i < sk_X509_num(ms->candidates); i++) {
		X509 *cert = sk_X509_value(ms->candidates, i);

		if (key_verifies(ms, cert, digest, len)) {
			ms->signer = cert;
			return true;
		}
	}
	return false;
}

/*
 * When no key verifies: with RSA the digest that was signed can be read
 * back, which tells a changed module from a broken signature.
 */
static bool rsa_signed_other_digest(const struct modsig *ms, const uint8_t *digest,
				    size_t len)
{
	const ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(ms->si);
	uint8_t out[HOSTSIG_MAX_DIGEST_SIZE];
	bool other = false;

	for (int i = 0; i < sk_X509_num(ms->candidates) && !other; i++) {
		EVP_PKEY *key = X509_get0_pubkey(sk_X509_value(ms->candidates, i));
		EVP_PKEY_CTX *ctx;
		size_t out_len = sizeof(out);

		if (!key || !EVP_PKEY_is_a(key, "RSA") || !sig)
			continue;
		ctx = EVP_PKEY_CTX_new(key, NULL);
		if (ctx && EVP_PKEY_verify_recover_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(ctx, ms->md) == 1 &&
		    EVP_PKEY_verify_recover(ctx, out, &out_len, ASN1_STRING_get0_data(sig),
					    (size_t)ASN1_STRING_length(sig)) == 1 &&
		    out_len == len && memcmp(out, digest, len))
			other = true;
		EVP_PKEY_CTX_free(ctx);
	}
	ERR_clear_error();
	return other;
}

static bool rsa_candidates(const struct modsig *ms)
{
	for (int i = 0; i < sk_X509_num(ms->candidates); i++) {
		EVP_PKEY *key = X509_get0_pubkey(sk_X509_value(ms->candidates, i));

		if (key && EVP_PKEY_is_a(key, "RSA"))
			return true;
	}
	return false;
}

void modsig_judge(const struct hostsig_trust *trust, struct modsig *ms,
		  const struct digest_set *ds, struct hostsig_result *res)
{
	const uint8_t *digest;
	size_t len;
	int trusted;

	if (ms->denied_id ||
	    (ms->signer && trust_chain_denied(trust, ms->signer, ms->bag))) {
		result_set(res, HOSTSIG_R_DENIED_CERTIFICATE,
			   "the module's signer (%s) is denied", ms->signer_id);
		return;
	}
	if (!ms->decoded) {
		result_set(res, ms->status, "%s", ms->why);
		return;
	}
	digest = ds->value[ms->digest_type];
	len = ds->len[ms->digest_type];
	if (!ms->signer && !modsig_verifies(ms, digest, len)) {
		if (sk_X509_num(ms->candidates) == 0)
			result_set(res, HOSTSIG_R_UNTRUSTED,
				   "the signer's certificate (%s) is not known", ms->signer_id);
		else if (rsa_signed_other_digest(ms, digest, len))
			result_set(res, HOSTSIG_R_DIGEST_MISMATCH,
				   "the module is not what %s signed", ms->signer_id);
		else
			result_set(res, HOSTSIG_R_BAD_SIGNATURE,
				   "the signature does not verify with the key of %s (a changed module or a changed signature%s)",
				   ms->signer_id, rsa_candidates(ms) ? "" :
				   ": ECDSA cannot tell which");
		return;
	}
	trusted = trust_verify_chain(trust, ms->signer, ms->bag, &ms->anchor);
	if (trusted < 0) {
		result_set(res, HOSTSIG_R_INTERNAL_ERROR, "chain verification failed");
	} else if (!trusted) {
		result_set(res, HOSTSIG_R_UNTRUSTED,
			   "valid signature by %s, which is not trusted", ms->signer_id);
	} else {
		char *subject = name_to_string(X509_get_subject_name(ms->signer));

		result_set(res, HOSTSIG_R_OK, "signed by %s, trusted through %s",
			   subject ? subject : "?", ms->anchor ? ms->anchor : "?");
		free(subject);
	}
}

void modsig_release(struct modsig *ms)
{
	CMS_ContentInfo_free(ms->cms);
	sk_X509_pop_free(ms->bag, X509_free);
	sk_X509_pop_free(ms->candidates, X509_free);
	ms->cms = NULL;
	ms->bag = NULL;
	ms->candidates = NULL;
	ms->signer = NULL;
	free(ms->anchor);
	ms->anchor = NULL;
}
