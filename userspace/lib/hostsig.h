/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libhostsig: verify that a component a guest loaded is exactly what its
 * publisher signed.
 *
 * The library works on buffers only: it opens no file, prints nothing and
 * never exits. A caller builds one trust store (struct hostsig_trust), then
 * hands it, with the bytes of a component, to a hostsig_verify_*() function,
 * which fills a struct hostsig_result with a verdict, a stable reason code, a
 * human message and the details (digest, signatures, the regions of a loaded
 * image whose bytes the signature cannot vouch for).
 *
 * Threads: a trust store is built by one thread (hostsig_trust_new(),
 * hostsig_trust_add_*(), hostsig_trust_deny_*(), hostsig_trust_allow_sha1()),
 * then shared read-only: any number of threads may call hostsig_verify_*()
 * with it at the same time, each with its own result. The input buffers must
 * not change while a verification reads them.
 *
 * Formats: PE/COFF (PE32 and PE32+) images with an Authenticode signature,
 * either as the file on disk or as a loader mapped it (see
 * Documentation/verifier.rst for how the load is undone).
 */
#ifndef HOSTSIG_H
#define HOSTSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Limits. Input beyond them is refused with a verdict, never truncated.
 */
#define HOSTSIG_MAX_INPUT_SIZE		(1024u << 20)	/* file, image, tail, certificate table */
#define HOSTSIG_PE_MAX_SECTIONS		1024	/* Windows itself allows 96 in most images */
#define HOSTSIG_PE_MAX_IMPORT_DESCRIPTORS 4096	/* DLLs one image may import from */
#define HOSTSIG_MAX_CERT_ENTRIES	16	/* WIN_CERTIFICATE entries in one table */
#define HOSTSIG_MAX_SIGNATURES		32	/* signatures in all, nested ones included */
#define HOSTSIG_MAX_NESTING		2	/* levels of nested signatures below a primary one */
#define HOSTSIG_MAX_UNVERIFIED		1024	/* unverified regions reported for one image */
#define HOSTSIG_MAX_CHAIN_DEPTH		16	/* certificates in one signer's chain */
#define HOSTSIG_MAX_SIGNATURE_CERTS	64	/* certificates carried by one signature */
#define HOSTSIG_MAX_DIGEST_SIZE		64	/* SHA-512 */

enum hostsig_outcome {
	HOSTSIG_UNKNOWN,	/* cannot tell: unsigned, untrusted, unsupported */
	HOSTSIG_AUTHENTIC,	/* exactly what a trusted publisher signed */
	HOSTSIG_NOT_AUTHENTIC,	/* modified, badly signed, malformed or denied */
};

/*
 * Why. The names (hostsig_reason_name()) are stable: scripts and the daemon's
 * peers match on them. Append only.
 */
enum hostsig_reason {
	HOSTSIG_R_OK,			/* authentic */
	HOSTSIG_R_NO_SIGNATURE,		/* unknown: nothing to check */
	HOSTSIG_R_UNTRUSTED,		/* unknown: valid, but no trusted certificate in the chain */
	HOSTSIG_R_UNSUPPORTED_FORMAT,	/* unknown: not an image this library reads */
	HOSTSIG_R_UNSUPPORTED_DIGEST,	/* unknown: digest algorithm unknown or not allowed */
	HOSTSIG_R_UNSUPPORTED_IMAGE,	/* unknown: a loader change we cannot undo */
	HOSTSIG_R_INTERNAL_ERROR,	/* unknown: out of memory, OpenSSL failure */
	HOSTSIG_R_DIGEST_MISMATCH,	/* not authentic: the bytes are not what was signed */
	HOSTSIG_R_BAD_SIGNATURE,	/* not authentic: the signature itself does not verify */
	HOSTSIG_R_BAD_CERT_TABLE,	/* not authentic: the certificate table is inconsistent */
	HOSTSIG_R_MALFORMED_IMAGE,	/* not authentic: headers or tables out of bounds */
	HOSTSIG_R_DENIED_CERTIFICATE,	/* not authentic: a signer's chain holds a denied certificate */
	HOSTSIG_R_DENIED_DIGEST,	/* not authentic: the image digest is denied */
	HOSTSIG_R_NR
};

enum hostsig_image_format {
	HOSTSIG_FORMAT_NONE,
	HOSTSIG_FORMAT_PE32,
	HOSTSIG_FORMAT_PE32PLUS,
};

enum hostsig_digest {
	HOSTSIG_DIGEST_NONE,
	HOSTSIG_DIGEST_SHA1,
	HOSTSIG_DIGEST_SHA256,
	HOSTSIG_DIGEST_SHA384,
	HOSTSIG_DIGEST_SHA512,
	HOSTSIG_DIGEST_NR
};

/* Bytes of a loaded image the loader rewrote and the signature cannot vouch for. */
enum hostsig_unverified_kind {
	HOSTSIG_UNVERIFIED_IMPORT_ADDRESS_TABLE,	/* resolved import addresses */
	HOSTSIG_UNVERIFIED_SECURITY_COOKIE,		/* /GS cookie written by the loader */
	HOSTSIG_UNVERIFIED_TLS_INDEX,		/* TLS slot index written by the loader */
	HOSTSIG_UNVERIFIED_SLACK,			/* non-zero bytes outside every file-backed range */
};

struct hostsig_unverified {
	enum hostsig_unverified_kind kind;
	uint32_t rva;		/* offset from the load base */
	uint32_t size;
};

/* One signature: a WIN_CERTIFICATE entry or a signature nested in one. */
struct hostsig_signature {
	unsigned int entry;		/* index of its WIN_CERTIFICATE entry */
	unsigned int depth;		/* 0 for the entry's own signature, 1+ nested */
	enum hostsig_reason status;	/* HOSTSIG_R_OK when this one alone makes the image authentic */
	enum hostsig_digest digest_type;	/* from SpcIndirectDataContent */
	uint8_t digest[HOSTSIG_MAX_DIGEST_SIZE];	/* the digest it signed */
	size_t digest_len;
	char *subject;			/* signer certificate, RFC 2253; NULL if not found */
	char *issuer;
	uint8_t fingerprint[32];	/* SHA-256 of the signer certificate (DER) */
	bool has_signer;
	char *anchor;			/* subject of the trusted certificate it chained to */
};

struct hostsig_result {
	enum hostsig_outcome verdict;
	enum hostsig_reason reason;
	char message[256];
	enum hostsig_image_format format;
	/* The Authenticode digest computed over the image, in the algorithm of
	 * the first usable signature (SHA-256 when there is none). */
	enum hostsig_digest digest_type;
	uint8_t digest[HOSTSIG_MAX_DIGEST_SIZE];
	size_t digest_len;
	/* Every algorithm's digest the verification computed (0: not computed). */
	uint8_t digests[HOSTSIG_DIGEST_NR][HOSTSIG_MAX_DIGEST_SIZE];
	size_t digest_lens[HOSTSIG_DIGEST_NR];
	struct hostsig_signature *signatures;
	size_t nr_signatures;
	struct hostsig_unverified *regions;	/* unverified regions, by rva */
	size_t nr_regions;
};

/* A PE/COFF image as a loader left it in memory. */
struct hostsig_pe_loaded {
	const uint8_t *image;		/* from the load address, SizeOfImage bytes */
	size_t image_len;
	uint64_t load_base;		/* where it was loaded */
	uint64_t image_base;		/* the file's ImageBase (the loader overwrote it) */
	bool has_image_base;		/* false: trust ImageBase in the mapped header */
	const uint8_t *cert_table;	/* the file's certificate table, NULL if none */
	size_t cert_table_len;
	const uint8_t *tail;		/* file bytes after the sections, table excluded */
	size_t tail_len;
};

struct hostsig_trust;

struct hostsig_trust *hostsig_trust_new(void);
void hostsig_trust_free(struct hostsig_trust *trust);
/* PEM (one or more certificates) or DER. Returns how many were added, or -1. */
int hostsig_trust_add_cert(struct hostsig_trust *trust, const void *buf, size_t len);
int hostsig_trust_deny_cert(struct hostsig_trust *trust, const void *buf, size_t len);
/* An Authenticode digest: its length (20, 32, 48, 64) names the algorithm. */
int hostsig_trust_deny_digest(struct hostsig_trust *trust, const uint8_t *digest, size_t len);
void hostsig_trust_allow_sha1(struct hostsig_trust *trust, bool allow);

/* Both return result->verdict; result must be released afterwards. */
enum hostsig_outcome hostsig_verify_pe_file(const struct hostsig_trust *trust,
					    const uint8_t *file, size_t len,
					    struct hostsig_result *result);
enum hostsig_outcome hostsig_verify_pe_loaded(const struct hostsig_trust *trust,
					      const struct hostsig_pe_loaded *loaded,
					      struct hostsig_result *result);

void hostsig_result_release(struct hostsig_result *result);

const char *hostsig_verdict_name(enum hostsig_outcome verdict);
const char *hostsig_reason_name(enum hostsig_reason reason);
const char *hostsig_format_name(enum hostsig_image_format format);
const char *hostsig_digest_name(enum hostsig_digest digest);
const char *hostsig_unverified_kind_name(enum hostsig_unverified_kind kind);
/* The verdict a reason implies: the policy in one place. */
enum hostsig_outcome hostsig_reason_verdict(enum hostsig_reason reason);

#endif /* HOSTSIG_H */
