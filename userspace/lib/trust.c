// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The operator's trust store, with UEFI db/dbx semantics: any trusted
 * certificate may be the anchor of a signer's chain, a denied certificate
 * in the chain OpenSSL builds (or above it) condemns the signature, a
 * denied digest condemns the image. The chain's signatures must use a
 * digest we allow; the signer may be required to be a code signer.
 *
 * Built once by one thread; afterwards only read, by any number of threads.
 * X509_STORE lookups take the store's own lock and every verification has a
 * store context of its own.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "internal.h"

static const char *const md_names[HOSTSIG_DIGEST_NR] = {
	[HOSTSIG_DIGEST_SHA1] = "SHA1",
	[HOSTSIG_DIGEST_SHA256] = "SHA256",
	[HOSTSIG_DIGEST_SHA384] = "SHA384",
	[HOSTSIG_DIGEST_SHA512] = "SHA512",
};

struct hostsig_trust *hostsig_trust_new(void)
{
	struct hostsig_trust *trust = calloc(1, sizeof(*trust));

	if (!trust)
		return NULL;
	trust->store = X509_STORE_new();
	trust->trusted = sk_X509_new_null();
	trust->denied = sk_X509_new_null();
	trust->oid_spc_indirect_data = OBJ_txt2obj("1.3.6.1.4.1.311.2.1.4", 1);
	trust->oid_spc_pe_image_data = OBJ_txt2obj("1.3.6.1.4.1.311.2.1.15", 1);
	trust->oid_spc_sp_key_purpose = OBJ_txt2obj("1.3.6.1.4.1.311.2.1.21", 1);
	trust->oid_spc_nested_signature = OBJ_txt2obj("1.3.6.1.4.1.311.2.4.1", 1);
	if (!trust->store || !trust->trusted || !trust->denied ||
	    !trust->oid_spc_indirect_data || !trust->oid_spc_pe_image_data ||
	    !trust->oid_spc_sp_key_purpose ||
	    !trust->oid_spc_nested_signature)
		goto err;
	for (int i = 0; i < HOSTSIG_DIGEST_NR; i++) {
		if (!md_names[i])
			continue;
		trust->md[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
		if (!trust->md[i])
			goto err;
	}
	return trust;
err:
	hostsig_trust_free(trust);
	return NULL;
}

void hostsig_trust_free(struct hostsig_trust *trust)
{
	if (!trust)
		return;
	X509_STORE_free(trust->store);
	sk_X509_pop_free(trust->trusted, X509_free);
	sk_X509_pop_free(trust->denied, X509_free);
	free(trust->denied_fps);
	free(trust->denied_digests);
	for (int i = 0; i < HOSTSIG_DIGEST_NR; i++)
		EVP_MD_free(trust->md[i]);
	ASN1_OBJECT_free(trust->oid_spc_indirect_data);
	ASN1_OBJECT_free(trust->oid_spc_pe_image_data);
	ASN1_OBJECT_free(trust->oid_spc_sp_key_purpose);
	ASN1_OBJECT_free(trust->oid_spc_nested_signature);
	free(trust);
}

/* PEM with one or more certificates, or one DER certificate. */
static STACK_OF(X509) *certs_from_buffer(const void *buf, size_t len)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	const unsigned char *p = buf;
	X509 *cert;
	BIO *bio;

	if (!certs || len > INT32_MAX)
		goto err;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio)
		goto err;
	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		if (!sk_X509_push(certs, cert)) {
			X509_free(cert);
			BIO_free(bio);
			goto err;
		}
	}
	BIO_free(bio);
	ERR_clear_error();
	if (sk_X509_num(certs) > 0)
		return certs;
	cert = d2i_X509(NULL, &p, (long)len);
	if (!cert || p != (const unsigned char *)buf + len) {
		X509_free(cert);
		goto err;
	}
	if (!sk_X509_push(certs, cert)) {
		X509_free(cert);
		goto err;
	}
	return certs;
err:
	ERR_clear_error();
	sk_X509_pop_free(certs, X509_free);
	return NULL;
}

bool trust_fingerprint(const struct hostsig_trust *trust, X509 *cert,
		       uint8_t fp[32])
{
	unsigned int len = 0;

	return X509_digest(cert, trust->md[HOSTSIG_DIGEST_SHA256], fp, &len) &&
	       len == 32;
}

int hostsig_trust_add_cert(struct hostsig_trust *trust, const void *buf, size_t len)
{
	STACK_OF(X509) *certs = certs_from_buffer(buf, len);
	int n = 0;

	if (!certs)
		return -1;
	while (sk_X509_num(certs) > 0) {
		X509 *cert = sk_X509_shift(certs);

		/* Fill the certificate's extension cache now, while only
		 * one thread sees it. */
		X509_check_purpose(cert, -1, 0);
		if (!X509_STORE_add_cert(trust->store, cert) ||
		    !sk_X509_push(trust->trusted, cert)) {
			X509_free(cert);
			n = -1;
			break;
		}
		n++;
	}
	sk_X509_pop_free(certs, X509_free);
	return n;
}

static int fp_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

int hostsig_trust_deny_cert(struct hostsig_trust *trust, const void *buf, size_t len)
{
	STACK_OF(X509) *certs = certs_from_buffer(buf, len);
	int n = 0;

	if (!certs)
		return -1;
	while (sk_X509_num(certs) > 0) {
		X509 *cert = sk_X509_shift(certs);
		uint8_t (*fps)[32];

		X509_check_purpose(cert, -1, 0);
		fps = realloc(trust->denied_fps,
			      (trust->nr_denied_fps + 1) * sizeof(*fps));
		if (!fps || !trust_fingerprint(trust, cert, fps[trust->nr_denied_fps]) ||
		    !sk_X509_push(trust->denied, cert)) {
			if (fps)
				trust->denied_fps = fps;
			X509_free(cert);
			n = -1;
			break;
		}
		trust->denied_fps = fps;
		trust->nr_denied_fps++;
		n++;
	}
	sk_X509_pop_free(certs, X509_free);
	qsort(trust->denied_fps, trust->nr_denied_fps, 32, fp_cmp);
	return n;
}

int hostsig_trust_deny_digest(struct hostsig_trust *trust, const uint8_t *digest,
			      size_t len)
{
	struct denied_digest *dd;

	if (len != 20 && len != 32 && len != 48 && len != 64)
		return -1;
	dd = realloc(trust->denied_digests,
		     (trust->nr_denied_digests + 1) * sizeof(*dd));
	if (!dd)
		return -1;
	trust->denied_digests = dd;
	dd = &dd[trust->nr_denied_digests++];
	memcpy(dd->bytes, digest, len);
	dd->len = len;
	return 1;
}

void hostsig_trust_allow_sha1(struct hostsig_trust *trust, bool allow)
{
	trust->allow_sha1 = allow;
}

void hostsig_trust_require_code_signing(struct hostsig_trust *trust, bool require)
{
	trust->require_code_signing = require;
}

static bool fingerprint_denied(const struct hostsig_trust *trust, X509 *cert)
{
	uint8_t fp[32];

	if (!trust->nr_denied_fps)
		return false;
	/* A certificate we cannot even hash is not one we can clear. */
	if (!trust_fingerprint(trust, cert, fp))
		return true;
	return bsearch(fp, trust->denied_fps, trust->nr_denied_fps, 32, fp_cmp);
}

/* issuer really signed cert: names and key identifiers match, signature verifies */
static bool issued_by(X509 *issuer, X509 *cert)
{
	EVP_PKEY *key;

	if (X509_check_issued(issuer, cert) != X509_V_OK)
		return false;
	key = X509_get0_pubkey(issuer);
	return key && X509_verify(cert, key) == 1;
}

static X509 *find_issuer(STACK_OF(X509) *candidates, X509 *cert)
{
	for (int i = 0; i < sk_X509_num(candidates); i++) {
		X509 *c = sk_X509_value(candidates, i);

		if (c != cert && issued_by(c, cert))
			return c;
	}
	return NULL;
}

char *name_to_string(const X509_NAME *name)
{
	unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *s = NULL;
	long len;

	if (!bio)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, flags) >= 0) {
		len = BIO_get_mem_data(bio, &data);
		s = malloc((size_t)len + 1);
		if (s) {
			memcpy(s, data, (size_t)len);
			s[len] = '\0';
		}
	}
	BIO_free(bio);
	return s;
}

/*
 * dbx semantics, on the chain OpenSSL built (as far as it got when it
 * failed): a certificate of it that is denied, or that a denied
 * certificate issued (a denied root above a trusted intermediate, whether
 * or not anyone has that root), condemns the signature. Issuers are
 * recognised by signatures that verify, so a denied certificate that
 * merely shares a name condemns nothing. So does a denied certificate the
 * signature carries, on the chain or not, as UEFI firmware has it. A
 * denied certificate that is neither (the other issuer of a
 * cross-certified CA, say) does not count: it is not why the signer is
 * trusted.
 */
static X509 *chain_denied(const struct hostsig_trust *trust, STACK_OF(X509) *chain,
			  STACK_OF(X509) *bag)
{
	if (!trust->nr_denied_fps)
		return NULL;
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *cert = sk_X509_value(chain, i);

		if (fingerprint_denied(trust, cert))
			return cert;
		if (find_issuer(trust->denied, cert))
			return cert;
	}
	for (int i = 0; i < sk_X509_num(bag); i++)
		if (fingerprint_denied(trust, sk_X509_value(bag, i)))
			return sk_X509_value(bag, i);
	return NULL;
}

/* Where the chain reached the trust store: the first certificate from the
 * signer up that the store holds. */
static int anchor_index(const struct hostsig_trust *trust, STACK_OF(X509) *chain)
{
	for (int i = 0; i < sk_X509_num(chain); i++)
		for (int j = 0; j < sk_X509_num(trust->trusted); j++)
			if (!X509_cmp(sk_X509_value(chain, i), sk_X509_value(trust->trusted, j)))
				return i;
	return -1;
}

/*
 * The signatures the trust decision rests on, those of the certificates
 * below the anchor, in the algorithms we allow: SHA-256, SHA-384, SHA-512,
 * SHA-1 only when the operator allows it. The anchor's own signature (a
 * root's self-signature, or an intermediate's issuer's) is not relied on.
 */
static X509 *chain_weak(const struct hostsig_trust *trust, STACK_OF(X509) *chain,
			int anchor, int *md_nid)
{
	for (int i = 0; i < anchor; i++) {
		X509 *cert = sk_X509_value(chain, i);
		enum hostsig_digest md;

		if (!X509_get_signature_info(cert, md_nid, NULL, NULL, NULL))
			*md_nid = NID_undef;
		md = digest_from_nid(*md_nid);
		if (md == HOSTSIG_DIGEST_NONE || (md == HOSTSIG_DIGEST_SHA1 && !trust->allow_sha1))
			return cert;
	}
	return NULL;
}

/*
 * The optional code-signing requirement: the signer's certificate names
 * codeSigning in its extended key usage, and no CA between it and the
 * anchor (the anchor included) restricts extended key usage to purposes
 * without it.
 */
static X509 *chain_not_for_code(STACK_OF(X509) *chain, int anchor)
{
	for (int i = 0; i <= anchor; i++) {
		X509 *cert = sk_X509_value(chain, i);
		uint32_t xku = X509_get_extended_key_usage(cert);
		bool has_eku = X509_get_extension_flags(cert) & EXFLAG_XKUSAGE;

		if (i == 0 && (!has_eku || !(xku & XKU_CODE_SIGN)))
			return cert;
		if (i > 0 && has_eku && !(xku & (XKU_CODE_SIGN | XKU_ANYEKU)))
			return cert;
	}
	return NULL;
}

/* status, and why: the certificate's subject, then what is wrong with it */
static void chain_set(struct chain_result *out, enum hostsig_reason status,
		      X509 *cert, const char *what)
{
	char *name = name_to_string(X509_get_subject_name(cert));

	out->status = status;
	snprintf(out->why, sizeof(out->why), "%s%s", name ? name : "?", what);
	free(name);
}

void trust_check_chain(const struct hostsig_trust *trust, X509 *signer,
		       STACK_OF(X509) *bag, struct chain_result *out)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *chain = NULL;
	X509 *cert;
	int ok, anchor, md_nid = NID_undef;

	memset(out, 0, sizeof(*out));
	out->status = HOSTSIG_R_INTERNAL_ERROR;
	snprintf(out->why, sizeof(out->why), "chain verification failed");
	/* X509_STORE_CTX_init() wants a non-const store; it only reads it. */
	if (!ctx || !X509_STORE_CTX_init(ctx, trust->store, signer, bag))
		goto out;
	/*
	 * UEFI semantics: any certificate in the store is an anchor, and
	 * validity periods are not checked (firmware has no trusted clock;
	 * revocation is the deny list's job).
	 */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN |
				 X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_CTX_set_depth(ctx, HOSTSIG_MAX_CHAIN_DEPTH);
	ok = X509_verify_cert(ctx) == 1;
	chain = X509_STORE_CTX_get1_chain(ctx);
	if (!chain) {
		/* Nothing built: the signer alone is the chain. */
		chain = sk_X509_new_null();
		if (!chain || !sk_X509_push(chain, signer))
			goto out;
		X509_up_ref(signer);
	}
	cert = chain_denied(trust, chain, bag);
	if (cert) {
		chain_set(out, HOSTSIG_R_DENIED_CERTIFICATE, cert,
			  ", in the signer's chain, is denied or issued by a denied certificate");
		goto out;
	}
	anchor = ok ? anchor_index(trust, chain) : -1;
	if (anchor < 0) {
		out->status = HOSTSIG_R_UNTRUSTED;
		snprintf(out->why, sizeof(out->why), "no trusted certificate in the signer's chain (%s)",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	cert = chain_weak(trust, chain, anchor, &md_nid);
	if (cert) {
		char *name = name_to_string(X509_get_subject_name(cert));

		out->status = HOSTSIG_R_UNSUPPORTED_DIGEST;
		snprintf(out->why, sizeof(out->why), "%s in the signer's chain is signed with %s, which is not allowed",
			 name ? name : "?", md_nid == NID_undef ? "an algorithm without a digest we allow" :
			 OBJ_nid2ln(md_nid));
		free(name);
		goto out;
	}
	if (trust->require_code_signing) {
		cert = chain_not_for_code(chain, anchor);
		if (cert) {
			chain_set(out, HOSTSIG_R_UNTRUSTED, cert,
				  ", in the signer's chain, is not for code signing (extended key usage)");
			goto out;
		}
	}
	out->anchor = name_to_string(X509_get_subject_name(sk_X509_value(chain, anchor)));
	out->status = out->anchor ? HOSTSIG_R_OK : HOSTSIG_R_INTERNAL_ERROR;
	out->why[0] = '\0';
out:
	ERR_clear_error();
	sk_X509_pop_free(chain, X509_free);
	X509_STORE_CTX_free(ctx);
}

bool trust_chain_denied(const struct hostsig_trust *trust, X509 *signer,
			STACK_OF(X509) *bag)
{
	struct chain_result r;

	if (!trust->nr_denied_fps)
		return false;
	trust_check_chain(trust, signer, bag, &r);
	free(r.anchor);
	return r.status == HOSTSIG_R_DENIED_CERTIFICATE;
}

int trust_verify_chain(const struct hostsig_trust *trust, X509 *signer,
		       STACK_OF(X509) *bag, char **anchor)
{
	struct chain_result r;

	trust_check_chain(trust, signer, bag, &r);
	*anchor = r.anchor;
	if (r.status == HOSTSIG_R_INTERNAL_ERROR)
		return -1;
	return r.status == HOSTSIG_R_OK;
}
