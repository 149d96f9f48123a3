// SPDX-License-Identifier: GPL-2.0
/*
 * Re-sign a signed PE/COFF file with an Authenticode signature built here,
 * with choices signing tools do not offer, to test the verifier's checks of
 * the PKCS#7 structure itself:
 *
 *   pe-sigtool IN OUT KEY CERT [OPTIONS]
 *     --md NAME            the signer's digest (default sha256); the image
 *                          digest stays the one IN was signed with
 *     --no-attributes      no authenticated attributes: the signature is
 *                          over the content itself
 *     --content-type OID   contentType attribute (default SpcIndirectData)
 *     --data-type OID      SpcAttributeTypeAndOptionalValue.type
 *                          (default SPC_PE_IMAGE_DATAOBJ)
 *
 * The SpcIndirectDataContent is IN's first signature's, re-encoded with
 * --data-type when given. Only the certificate table changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#define SPC_INDIRECT_DATA "1.3.6.1.4.1.311.2.1.4"

static void die(const char *what)
{
	fprintf(stderr, "pe-sigtool: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static unsigned char *slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;

	if (!f || fseek(f, 0, SEEK_END) || (*len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die(path);
	p = malloc((size_t)*len + 1);
	if (!p || fread(p, 1, (size_t)*len, f) != (size_t)*len)
		die(path);
	fclose(f);
	return p;
}

static unsigned int le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (unsigned int)p[3] << 24;
}

static void put32(unsigned char *p, unsigned int v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The SpcIndirectDataContent DER, its data.type replaced if asked. */
static ASN1_STRING *indirect_data(PKCS7 *old, const char *data_type)
{
	ASN1_STRING *seq = ASN1_STRING_dup(old->d.sign->contents->d.other->value.sequence);
	ASN1_OBJECT *from = OBJ_txt2obj("1.3.6.1.4.1.311.2.1.15", 1);
	ASN1_OBJECT *to = data_type ? OBJ_txt2obj(data_type, 1) : NULL;
	unsigned char *p;

	if (!seq || !from)
		die("content");
	if (to) {
		/* Same length OIDs only: a byte swap inside the DER. */
		int n = (int)OBJ_length(from);
		unsigned char *at = memmem(ASN1_STRING_get0_data(seq), (size_t)ASN1_STRING_length(seq),
					   OBJ_get0_data(from), (size_t)n);

		if (!at || (int)OBJ_length(to) != n)
			die("--data-type must have the length of 1.3.6.1.4.1.311.2.1.15");
		p = at;
		memcpy(p, OBJ_get0_data(to), (size_t)n);
	}
	ASN1_OBJECT_free(from);
	ASN1_OBJECT_free(to);
	return seq;
}

int main(int argc, char **argv)
{
	const char *md_name = "sha256", *content_type = SPC_INDIRECT_DATA, *data_type = NULL;
	int attributes = 1;
	long len, der_len;
	unsigned char *file, *der = NULL;
	unsigned int pe, opt, dirs, cert_off, cert_size;
	const unsigned char *p;
	PKCS7 *old, *p7, *inner;
	PKCS7_SIGNER_INFO *si;
	ASN1_STRING *idc;
	EVP_PKEY *key;
	X509 *cert;
	BIO *bio;
	FILE *f;

	if (argc < 5)
		die("usage: pe-sigtool IN OUT KEY CERT [--md NAME] [--no-attributes] "
		    "[--content-type OID] [--data-type OID]");
	for (int i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "--md") && i + 1 < argc)
			md_name = argv[++i];
		else if (!strcmp(argv[i], "--no-attributes"))
			attributes = 0;
		else if (!strcmp(argv[i], "--content-type") && i + 1 < argc)
			content_type = argv[++i];
		else if (!strcmp(argv[i], "--data-type") && i + 1 < argc)
			data_type = argv[++i];
		else
			die(argv[i]);
	}
	file = slurp(argv[1], &len);
	pe = le32(file + 0x3c);
	opt = pe + 24;
	dirs = opt + (file[opt] == 0x0b && file[opt + 1] == 0x02 ? 112 : 96);
	cert_off = le32(file + dirs + 32);
	cert_size = le32(file + dirs + 36);
	if (!cert_size || cert_off + 8 > (unsigned long)len)
		die("IN is not signed");
	p = file + cert_off + 8;
	old = d2i_PKCS7(NULL, &p, le32(file + cert_off) - 8);
	if (!old)
		die("IN's signature");

	bio = BIO_new_file(argv[3], "r");
	key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	bio = BIO_new_file(argv[4], "r");
	cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (!key || !cert)
		die("key or certificate");

	p7 = PKCS7_new();
	if (!p7 || !PKCS7_set_type(p7, NID_pkcs7_signed))
		die("PKCS7_new");
	si = PKCS7_add_signature(p7, cert, key, EVP_get_digestbyname(md_name));
	if (!si || !PKCS7_add_certificate(p7, cert))
		die("PKCS7_add_signature");
	if (attributes) {
		if (!PKCS7_add_signed_attribute(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
						OBJ_txt2obj(content_type, 1)))
			die("contentType");
	} else {
		sk_X509_ATTRIBUTE_pop_free(si->auth_attr, X509_ATTRIBUTE_free);
		si->auth_attr = NULL;
	}
	idc = indirect_data(old, data_type);
	/* Sign as if the content were plain data, then put the
	 * SpcIndirectDataContent in its place: OpenSSL cannot stream "other"
	 * content types. The signed bytes are the content octets of the
	 * SEQUENCE, as Authenticode has it. */
	if (!PKCS7_content_new(p7, NID_pkcs7_data))
		die("PKCS7_content_new");
	bio = PKCS7_dataInit(p7, NULL);
	{
		const unsigned char *c = ASN1_STRING_get0_data(idc);
		long clen;
		int tag, class;

		ASN1_get_object(&c, &clen, &tag, &class, ASN1_STRING_length(idc));
		if (!bio || BIO_write(bio, c, (int)clen) != (int)clen || !PKCS7_dataFinal(p7, bio))
			die("signing");
	}
	inner = PKCS7_new();
	inner->type = OBJ_txt2obj(SPC_INDIRECT_DATA, 1);
	inner->d.other = ASN1_TYPE_new();
	ASN1_TYPE_set(inner->d.other, V_ASN1_SEQUENCE, ASN1_STRING_dup(idc));
	if (!PKCS7_set_content(p7, inner))
		die("PKCS7_set_content");
	der_len = i2d_PKCS7(p7, &der);
	if (der_len <= 0)
		die("i2d_PKCS7");

	f = fopen(argv[2], "wb");
	if (!f)
		die(argv[2]);
	{
		unsigned char hdr[8];
		unsigned int entry = 8 + (unsigned int)der_len;
		unsigned int padded = (entry + 7) & ~7u;
		static const unsigned char zeros[8];

		put32(file + dirs + 36, padded);
		put32(hdr, entry);
		hdr[4] = 0x00;
		hdr[5] = 0x02;
		hdr[6] = 0x02;
		hdr[7] = 0x00;
		if (fwrite(file, 1, cert_off, f) != cert_off || fwrite(hdr, 1, 8, f) != 8 ||
		    fwrite(der, 1, (size_t)der_len, f) != (size_t)der_len ||
		    fwrite(zeros, 1, padded - entry, f) != padded - entry || fclose(f))
			die(argv[2]);
	}
	return 0;
}
