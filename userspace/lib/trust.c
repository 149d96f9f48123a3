// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The operator's trust store, with UEFI db/dbx semantics: any trusted
 * certificate may be the anchor of a signer's chain, a denied certificate
 * anywhere in that chain condemns the signature, a denied digest condemns the
 * image.
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

/*
 * dbx semantics: the signature is condemned when its signer, or any
 * certificate above it, is denied, whether or not that certificate came
 * with the signature. We walk up by signatures that verify, so that a
 * denied certificate which merely shares a name condemns nothing.
 */
bool trust_chain_denied(const struct hostsig_trust *trust, X509 *signer,
			STACK_OF(X509) *bag)
{
	X509 *cert = signer;

	if (!trust->nr_denied_fps)
		return false;
	for (int depth = 0; cert && depth < HOSTSIG_MAX_CHAIN_DEPTH; depth++) {
		X509 *next;

		if (fingerprint_denied(trust, cert))
			return true;
		if (find_issuer(trust->denied, cert))
			return true;
		if (X509_check_issued(cert, cert) == X509_V_OK)
			break;
		next = find_issuer(bag, cert);
		if (!next)
			next = find_issuer(trust->trusted, cert);
		cert = next;
	}
	return false;
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

int trust_verify_chain(const struct hostsig_trust *trust, X509 *signer,
		       STACK_OF(X509) *bag, char **anchor)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *chain;
	int ret = -1;

	*anchor = NULL;
	if (!ctx)
		return -1;
	/* X509_STORE_CTX_init() wants a non-const store; it only reads it. */
	if (!X509_STORE_CTX_init(ctx, trust->store, signer, bag))
		goto out;
	/*
	 * UEFI semantics: any certificate in the store is an anchor, and
	 * validity periods are not checked (firmware has no trusted clock;
	 * revocation is the deny list's job).
	 */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN |
				 X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_CTX_set_depth(ctx, HOSTSIG_MAX_CHAIN_DEPTH);
	ret = X509_verify_cert(ctx) == 1;
	chain = ret == 1 ? X509_STORE_CTX_get0_chain(ctx) : NULL;
	/* The anchor: the first certificate from the signer up that the
	 * store holds (the chain may go on through untrusted ones). */
	for (int i = 0; chain && i < sk_X509_num(chain) && !*anchor; i++) {
		X509 *cert = sk_X509_value(chain, i);

		for (int j = 0; j < sk_X509_num(trust->trusted); j++) {
			if (!X509_cmp(cert, sk_X509_value(trust->trusted, j))) {
				*anchor = name_to_string(X509_get_subject_name(cert));
				break;
			}
		}
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	return ret;
}
