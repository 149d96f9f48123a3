/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the library's files share and callers do not see.
 */
#ifndef HOSTSIG_INTERNAL_H
#define HOSTSIG_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "hostsig.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Bounds checks. Every read of input bytes goes through span_ok() or one of
 * the readers below; offsets and sizes are 64-bit so that a 32-bit field
 * plus a 32-bit field cannot wrap.
 */
static inline bool span_ok(size_t len, uint64_t off, uint64_t n)
{
	return off <= len && n <= len - off;
}

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static inline void put_le(uint8_t *p, uint64_t v, unsigned int size)
{
	for (unsigned int i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t get_le(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline bool read_le(const uint8_t *buf, size_t len, uint64_t off,
			   unsigned int size, uint64_t *v)
{
	if (!span_ok(len, off, size))
		return false;
	*v = get_le(buf + off, size);
	return true;
}

/* verdict.c */
void result_init(struct hostsig_result *res);
/* Sets reason, the verdict it implies and the message; returns -1. */
int result_set(struct hostsig_result *res, enum hostsig_reason reason,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int result_add_region(struct hostsig_result *res, enum hostsig_unverified_kind kind,
		      uint64_t rva, uint64_t size);
void result_sort_regions(struct hostsig_result *res);

/* trust.c */
struct hostsig_trust {
	X509_STORE *store;		/* trusted certificates: any may be an anchor */
	STACK_OF(X509) *trusted;
	STACK_OF(X509) *denied;
	uint8_t (*denied_fps)[32];	/* SHA-256 of each denied certificate */
	size_t nr_denied_fps;
	struct denied_digest {
		uint8_t bytes[HOSTSIG_MAX_DIGEST_SIZE];
		size_t len;
	} *denied_digests;
	size_t nr_denied_digests;
	bool allow_sha1;
	bool require_code_signing;	/* the signer needs the codeSigning EKU */
	EVP_MD *md[HOSTSIG_DIGEST_NR];
	ASN1_OBJECT *oid_spc_indirect_data;	/* 1.3.6.1.4.1.311.2.1.4 */
	ASN1_OBJECT *oid_spc_pe_image_data;	/* 1.3.6.1.4.1.311.2.1.15 */
	ASN1_OBJECT *oid_spc_sp_key_purpose;	/* 1.3.6.1.4.1.311.2.1.21, pesign's */
	ASN1_OBJECT *oid_spc_nested_signature;	/* 1.3.6.1.4.1.311.2.4.1 */
};

bool trust_fingerprint(const struct hostsig_trust *trust, X509 *cert,
		       uint8_t fp[32]);

/* What a signer's chain is worth. */
struct chain_result {
	enum hostsig_reason status;	/* OK, DENIED_CERTIFICATE, UNTRUSTED,
					 * UNSUPPORTED_DIGEST or INTERNAL_ERROR */
	char why[192];			/* for the message, when not OK */
	char *anchor;			/* OK: the trusted certificate's subject */
};

/* The chain OpenSSL builds from signer and bag to the store, judged: deny
 * list, trust, the digests of its signatures, the code-signing EKU. The
 * caller frees out->anchor. */
void trust_check_chain(const struct hostsig_trust *trust, X509 *signer,
		       STACK_OF(X509) *bag, struct chain_result *out);
/* The same, for callers that only ask one question. */
bool trust_chain_denied(const struct hostsig_trust *trust, X509 *signer,
			STACK_OF(X509) *bag);
/* 1 trusted (anchor set to the trusted certificate's subject), 0 not, -1 error */
int trust_verify_chain(const struct hostsig_trust *trust, X509 *signer,
		       STACK_OF(X509) *bag, char **anchor);
char *name_to_string(const X509_NAME *name);

/* authenticode.c: the digest, over whatever holds the file's bytes. */
struct digest_set {
	EVP_MD_CTX *ctx[HOSTSIG_DIGEST_NR];
	uint8_t value[HOSTSIG_DIGEST_NR][HOSTSIG_MAX_DIGEST_SIZE];
	size_t len[HOSTSIG_DIGEST_NR];
};

int digest_set_init(struct digest_set *ds, const struct hostsig_trust *trust,
		    const bool want[HOSTSIG_DIGEST_NR]);
int digest_set_update(struct digest_set *ds, const void *data, size_t len);
int digest_set_zeros(struct digest_set *ds, uint64_t len);
int digest_set_final(struct digest_set *ds);
void digest_set_release(struct digest_set *ds);
size_t digest_size(enum hostsig_digest type);
/* The digests we know, by OpenSSL NID; HOSTSIG_DIGEST_NONE for others. */
enum hostsig_digest digest_from_nid(int nid);

/* pe.c */
struct pe_section {
	uint32_t vaddr;
	uint32_t vsize;		/* VirtualSize, or SizeOfRawData when it is 0 */
	uint32_t raw_ptr;
	uint32_t raw_size;
	uint32_t extent;	/* loaded image: memory it occupies (pe_layout()) */
	uint32_t mapped;	/* loaded image: raw bytes the loader mapped */
	uint32_t characteristics;	/* IMAGE_SCN_* */
};

#define PE_PAGE_SIZE		4096u	/* the unit of page protections (x86) */
#define IMAGE_FILE_RELOCS_STRIPPED 0x0001u
#define IMAGE_SCN_CNT_CODE	0x00000020u
#define IMAGE_SCN_MEM_EXECUTE	0x20000000u
#define IMAGE_SCN_MEM_WRITE	0x80000000u

struct pe_dir {
	uint32_t rva;
	uint32_t size;
};

#define PE_DIR_IMPORT		1
#define PE_DIR_SECURITY		4
#define PE_DIR_BASERELOC	5
#define PE_DIR_TLS		9
#define PE_DIR_LOAD_CONFIG	10
#define PE_MAX_DIRS		16

struct pe_image {
	enum hostsig_image_format format;
	unsigned int ptr_size;		/* 4 (PE32) or 8 (PE32+) */
	uint16_t machine;
	uint16_t file_characteristics;	/* IMAGE_FILE_* of the COFF header */
	uint32_t checksum_off;		/* file offsets of the fields Authenticode skips */
	uint32_t cert_dirent_off;	/* 0: the header has no such entry */
	uint32_t image_base_off;
	uint64_t image_base;
	uint32_t section_alignment;
	uint32_t size_of_image;
	uint32_t size_of_headers;
	uint32_t nr_dirs;
	struct pe_dir dirs[PE_MAX_DIRS];
	uint16_t nr_sections;
	struct pe_section *sections;
	uint16_t *raw_order;		/* sections with raw data, by PointerToRawData */
	uint16_t nr_raw;
	uint32_t raw_end;		/* end of the headers and of all raw data */
	uint16_t *va_order;		/* pe_layout(): sections in memory, by RVA */
	uint16_t nr_va;
};

int pe_parse(struct pe_image *pe, const uint8_t *buf, size_t len,
	     struct hostsig_result *res);
/* Where the sections lie in memory: each section's extent and mapped
 * bytes, va_order. 0, or -1 with res set. */
int pe_layout(struct pe_image *pe, struct hostsig_result *res);
void pe_release(struct pe_image *pe);

/*
 * How the digest reaches the file's bytes: straight from a file, or from a
 * loaded image with the load undone.
 */
struct pe_source {
	int (*headers)(const struct pe_source *src, struct digest_set *ds,
		       uint32_t off, uint32_t len);
	int (*section)(const struct pe_source *src, struct digest_set *ds,
		       const struct pe_section *sec);
	int (*trailing)(const struct pe_source *src, struct digest_set *ds);
};

int authenticode_digest(const struct pe_image *pe, const struct pe_source *src,
			struct digest_set *ds);

/* pe_unload.c */
struct pe_unload;
struct pe_unload *pe_unload_new(const struct hostsig_pe_loaded *loaded,
				struct pe_image *pe,
				struct hostsig_result *res);
const struct pe_source *pe_unload_source(struct pe_unload *unload);
bool pe_unload_padding_nonzero(const struct pe_unload *unload);
int pe_unload_zero_padding(struct pe_unload *unload, struct hostsig_result *res);
/* 0 when every executable byte no signature covers is zero; -1 with res
 * set to load_mismatch naming the first range that is not. */
int pe_unload_check_executable(struct pe_unload *unload, struct hostsig_result *res);
/* 0 when no import address table slot the loader wrote points into the
 * image itself; -1 with res set to load_mismatch naming the first. */
int pe_unload_check_imports(struct pe_unload *unload, struct hostsig_result *res);
void pe_unload_free(struct pe_unload *unload);

/* wincert.c */
struct wincert {
	const uint8_t *data;	/* bCertificate */
	size_t len;
	uint16_t revision;
	uint16_t type;
};

#define WIN_CERT_TYPE_PKCS_SIGNED_DATA	0x0002

int wincert_parse(const uint8_t *table, size_t len, struct wincert *entries,
		  size_t *nr, struct hostsig_result *res);

/* spc.c */
struct spc_indirect_data {
	bool is_pe_image;		/* data.type says the digest is of a PE image */
	char data_type[64];		/* data.type, dotted, for messages */
	char digest_alg[64];		/* the digest's algorithm, for messages */
	enum hostsig_digest digest_type;
	uint8_t digest[HOSTSIG_MAX_DIGEST_SIZE];
	size_t digest_len;
};

int spc_indirect_data_decode(const struct hostsig_trust *trust,
			     const uint8_t *der, size_t len,
			     struct spc_indirect_data *out);

/* signature.c */
struct authenticode_sig {
	PKCS7 *p7;
	unsigned int entry;
	unsigned int depth;
	bool decoded;			/* false: status says why it is unusable */
	enum hostsig_reason status;
	char why[192];			/* what went wrong, for the message */
	enum hostsig_digest digest_type;
	uint8_t digest[HOSTSIG_MAX_DIGEST_SIZE];
	size_t digest_len;
	const uint8_t *content;		/* the signed bytes, inside p7 */
	size_t content_len;
	X509 *signer;			/* inside p7 */
	char *anchor;
};

struct sig_list {
	struct authenticode_sig sig[HOSTSIG_MAX_SIGNATURES];
	size_t nr;
	bool overflow;
};

int signatures_collect(const struct hostsig_trust *trust, const uint8_t *der,
		       size_t len, unsigned int entry, struct sig_list *list);
void signature_check(const struct hostsig_trust *trust,
		     struct authenticode_sig *sig, const struct digest_set *ds);
void signatures_release(struct sig_list *list);

/* verify_pe.c */
enum hostsig_outcome verify_signed_image(const struct hostsig_trust *trust,
					 const struct pe_image *pe,
					 const struct pe_source *src,
					 const uint8_t *cert_table,
					 size_t cert_table_len,
					 struct hostsig_result *res);

#endif /* HOSTSIG_INTERNAL_H */
