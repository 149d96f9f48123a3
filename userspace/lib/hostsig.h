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
 * hostsig_trust_add_*(), hostsig_trust_deny_*(), hostsig_trust_allow_sha1(),
 * hostsig_trust_require_code_signing()),
 * then shared read-only: any number of threads may call hostsig_verify_*()
 * with it at the same time, each with its own result. The input buffers must
 * not change while a verification reads them.
 *
 * Formats: PE/COFF (PE32 and PE32+) images with an Authenticode signature,
 * either as the file on disk or as a loader mapped it (see
 * Documentation/verifier.rst for how the load is undone); Linux kernel
 * modules with an appended signature, as the file on disk or as the guest
 * kernel's loader left its file buffer and allocations (see
 * Documentation/verifier-elf.rst).
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
	HOSTSIG_NOT_AUTHENTIC,	/* evidence of tampering: changed, badly signed, denied */
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
	HOSTSIG_R_BAD_CERT_TABLE,	/* unknown: the certificate table does not fit the file */
	HOSTSIG_R_MALFORMED_IMAGE,	/* retired: no verifier gives it (UNREADABLE_IMAGE) */
	HOSTSIG_R_DENIED_CERTIFICATE,	/* not authentic: a signer's chain holds a denied certificate */
	HOSTSIG_R_DENIED_DIGEST,	/* not authentic: the image digest is denied */
	HOSTSIG_R_LOAD_MISMATCH,	/* not authentic: loaded bytes are not what the signed file becomes */
	HOSTSIG_R_UNSUPPORTED_SITE,	/* unknown: a runtime patch site the verifier cannot normalise */
	HOSTSIG_R_UNSUPPORTED_SIGNATURE, /* unknown: a signature scheme this library does not check */
	HOSTSIG_R_UNREADABLE_IMAGE,	/* unknown: headers or tables the verifier cannot read */
	HOSTSIG_R_UNREADABLE_SIGNATURE,	/* unknown: a signature the verifier cannot read */
	HOSTSIG_R_SELF_TARGET,		/* not authentic: an address only the guest chose points
					 * inside the component itself */
	HOSTSIG_R_NR
};

enum hostsig_image_format {
	HOSTSIG_FORMAT_NONE,
	HOSTSIG_FORMAT_PE32,
	HOSTSIG_FORMAT_PE32PLUS,
	HOSTSIG_FORMAT_ELF_MODULE,	/* Linux kernel module, x86-64 */
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
	uint64_t load_base;		/* where it was loaded: the address of image[0] */
	uint64_t image_base;		/* the file's ImageBase (the loader overwrote it) */
	bool has_image_base;		/* false: trust ImageBase in the mapped header */
	const uint8_t *cert_table;	/* the file's certificate table, NULL if none */
	size_t cert_table_len;
	const uint8_t *tail;		/* file bytes after the sections, table excluded */
	size_t tail_len;
	/* What the guest said the load base was, when load_base comes from
	 * elsewhere (hostsigd: the IMAGE region's address; the argument
	 * block's load_base is the declaration). One that differs makes the
	 * verdict load_mismatch, never authentic. */
	uint64_t declared_base;
	bool has_declared_base;
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
/* Require the signer's certificate to carry the codeSigning extended key
 * usage, and no CA up to the anchor to exclude it. Off by default. */
void hostsig_trust_require_code_signing(struct hostsig_trust *trust, bool require);

/* Both return result->verdict; result must be released afterwards. */
enum hostsig_outcome hostsig_verify_pe_file(const struct hostsig_trust *trust,
					    const uint8_t *file, size_t len,
					    struct hostsig_result *result);
enum hostsig_outcome hostsig_verify_pe_loaded(const struct hostsig_trust *trust,
					      const struct hostsig_pe_loaded *loaded,
					      struct hostsig_result *result);

void hostsig_result_release(struct hostsig_result *result);

/* A range of a loaded image, by RVA. */
struct hostsig_range {
	uint32_t rva;
	uint32_t size;
};

/*
 * The ranges a loader maps writable: the sections with IMAGE_SCN_MEM_WRITE,
 * each from its RVA for VirtualSize rounded up to SectionAlignment and cut
 * at SizeOfImage, overlapping and adjacent ones merged, by RVA. Reads the
 * headers of a file or a loaded image (len bytes, at least SizeOfHeaders).
 * The section table is the one the publisher signed only if the image
 * verified as authentic.
 * Fills up to max ranges and returns how many there are in all (more than
 * max: the others did not fit), or -1 if the headers are malformed.
 */
int hostsig_pe_writable_ranges(const uint8_t *image, size_t len,
			       struct hostsig_range *ranges, size_t max);

const char *hostsig_verdict_name(enum hostsig_outcome verdict);
const char *hostsig_reason_name(enum hostsig_reason reason);
const char *hostsig_format_name(enum hostsig_image_format format);
const char *hostsig_digest_name(enum hostsig_digest digest);
const char *hostsig_unverified_kind_name(enum hostsig_unverified_kind kind);
/* The verdict a reason implies: the policy in one place. */
enum hostsig_outcome hostsig_reason_verdict(enum hostsig_reason reason);

/* ---- Linux kernel modules ------------------------------------------------
 *
 * An x86-64 ELF relocatable object with the signature scripts/sign-file
 * appends: the module's bytes, a detached PKCS#7/CMS SignedData, struct
 * module_signature (id_type PKEY_ID_PKCS7, sig_len big-endian) and the
 * marker "~Module signature appended~\n". The digest reported is that of
 * the module's bytes (what the signature signs); --deny-digest matches it.
 */

#define HOSTSIG_ELF_MAX_SECTIONS	4096	/* e_shnum; Debian's largest module has ~250 */
#define HOSTSIG_ELF_MAX_ALLOCS		16	/* allocations of one loaded module */
#define HOSTSIG_ELF_MAX_CANDIDATES	256	/* file-buffer reconstructions tried */
#define HOSTSIG_ELF_MAX_RANGES		4096	/* ranges reported for one module */

/*
 * The allocations of a loaded module, as the tags of its IMAGE regions:
 * the kernel's enum mod_mem_type (6.4 and later) plus one, so that 0 stays
 * "no tag". A 6.1 kernel makes two allocations: core_layout (text, rodata,
 * ro_after_init and data, in that order) is tagged TEXT, init_layout (init
 * text, rodata and data) INIT_TEXT.
 */
enum hostsig_elf_mem {
	HOSTSIG_ELF_MEM_TEXT = 1,
	HOSTSIG_ELF_MEM_DATA = 2,
	HOSTSIG_ELF_MEM_RODATA = 3,
	HOSTSIG_ELF_MEM_RO_AFTER_INIT = 4,
	HOSTSIG_ELF_MEM_INIT_TEXT = 5,
	HOSTSIG_ELF_MEM_INIT_DATA = 6,
	HOSTSIG_ELF_MEM_INIT_RODATA = 7,
	HOSTSIG_ELF_MEM_NR
};

/* Kernel series whose loader the verifier models, from the module's vermagic. */
enum hostsig_elf_kernel {
	HOSTSIG_ELF_KERNEL_UNKNOWN,
	HOSTSIG_ELF_KERNEL_6_1,
	HOSTSIG_ELF_KERNEL_6_12,
};

/* One allocation of a loaded module. */
struct hostsig_elf_alloc {
	unsigned int tag;		/* enum hostsig_elf_mem */
	uint64_t addr;			/* guest virtual address of its first byte */
	const uint8_t *bytes;
	size_t len;
};

/* A module as the guest kernel's loader holds it (ring record regions). */
struct hostsig_elf_loaded {
	const uint8_t *file;		/* the loader's file buffer (FILE region) */
	size_t file_len;
	uint64_t file_addr;		/* its guest address, 0 if unknown */
	const uint8_t *signature;	/* the appended signature, when file_len */
	size_t signature_len;		/* stops before it; NULL otherwise */
	const struct hostsig_elf_alloc *allocs;
	size_t nr_allocs;		/* 1..HOSTSIG_ELF_MAX_ALLOCS */
	/*
	 * A later capture of a load whose first capture was verified
	 * authentic (the host's HOSTSIG_REC_F_LOAD_VERIFIED): the init
	 * allocations, the file buffer and the signature are the first
	 * capture's bytes, kept by the host; the writable ranges the signed
	 * file declares (writable and ro_after_init sections, struct module,
	 * subsystem state) are not compared with the file. Everything else
	 * is, as at load. false: every byte is compared.
	 */
	bool load_verified;
	/*
	 * With load_verified: the load_facts the report of the load's own
	 * verification gave (HOSTSIG_ELF_FACTS_SIZE bytes), or NULL. The
	 * values only the guest knows must then be the load's.
	 */
	const uint8_t *load_facts;
};

#define HOSTSIG_ELF_FACTS_SIZE		32	/* SHA-256 */

/* Classes of runtime patch sites, each named in reasons and reports. */
enum hostsig_elf_site_class {
	HOSTSIG_ELF_SITE_FTRACE,	/* __mcount_loc call sites */
	HOSTSIG_ELF_SITE_JUMP_LABEL,	/* __jump_table code sites */
	HOSTSIG_ELF_SITE_STATIC_CALL,	/* .static_call_sites */
	HOSTSIG_ELF_SITE_ALTERNATIVE,	/* .altinstructions */
	HOSTSIG_ELF_SITE_PARAVIRT,	/* .parainstructions (6.1) */
	HOSTSIG_ELF_SITE_RETPOLINE,	/* .retpoline_sites */
	HOSTSIG_ELF_SITE_RETURN,	/* .return_sites */
	HOSTSIG_ELF_SITE_CALL_DEPTH,	/* .call_sites (6.12) */
	HOSTSIG_ELF_SITE_ENDBR,		/* .ibt_endbr_seal (6.12) */
	HOSTSIG_ELF_SITE_SMP_LOCK,	/* .smp_locks */
	HOSTSIG_ELF_SITE_EX_TABLE,	/* __ex_table, sorted */
	HOSTSIG_ELF_SITE_ORC,		/* .orc_unwind_ip and .orc_unwind, sorted */
	HOSTSIG_ELF_SITE_JUMP_TABLE,	/* __jump_table entries, sorted and marked */
	HOSTSIG_ELF_SITE_STATIC_CALL_TABLE, /* .static_call_sites entries, sorted */
	HOSTSIG_ELF_SITE_MCOUNT_TABLE,	/* __mcount_loc entries, sorted */
	HOSTSIG_ELF_SITE_STATIC_KEY,	/* the module's own static keys and static call keys */
	HOSTSIG_ELF_SITE_STATIC_CALL_TRAMP, /* the module's own static call trampolines */
	HOSTSIG_ELF_SITE_NR
};

struct hostsig_elf_sites {
	unsigned int total;		/* sites of the class in the module */
	unsigned int patched;		/* found in a form other than the file's */
};

/* Ranges of a loaded module the report names. */
enum hostsig_elf_range_kind {
	HOSTSIG_ELF_RANGE_WRITABLE,	/* writable data: the guest may change it later */
	HOSTSIG_ELF_RANGE_MODULE_STRUCT, /* struct module (loader state), not verified */
	HOSTSIG_ELF_RANGE_RO_AFTER_INIT, /* writable until the module's init returns */
	HOSTSIG_ELF_RANGE_SUBSYSTEM,	/* data the kernel's tracing, SRCU or dynamic
					 * debug code wrote at load, not verified */
	HOSTSIG_ELF_RANGE_PATCH_SITE,	/* code bytes the running kernel rewrites later:
					 * one jump label, static call, static call
					 * trampoline or ftrace site, verified like
					 * every site */
};

struct hostsig_elf_range {
	enum hostsig_elf_range_kind kind;
	unsigned int alloc;		/* index in hostsig_elf_loaded.allocs */
	uint64_t offset;		/* from the allocation's start */
	uint64_t size;
};

/* An undefined symbol and the address the guest's loader resolved it to. */
struct hostsig_elf_external {
	char *name;
	uint64_t value;
};

/* One problem the loaded check found (the verdict names the worst, first). */
struct hostsig_elf_problem {
	enum hostsig_reason reason;
	char message[256];
};

#define HOSTSIG_ELF_MAX_PROBLEMS	16	/* problems a report lists; the rest are counted */

struct hostsig_elf_report {
	enum hostsig_elf_kernel kernel;
	char module[64];		/* .modinfo name (informative) */
	char vermagic[128];
	bool file_rewritten;		/* the loader had rewritten the section headers */
	bool load_verified;		/* verified as a later capture (writable data not compared) */
	unsigned int candidates;	/* reconstructions of the file tried */
	struct hostsig_elf_sites sites[HOSTSIG_ELF_SITE_NR];
	struct hostsig_elf_range *ranges;
	size_t nr_ranges;
	struct hostsig_elf_external *externals;
	size_t nr_externals;
	/*
	 * A digest of the values only the guest knows and the verifier
	 * checked for consistency only: where each undefined symbol resolves,
	 * the per-cpu area, the return thunk, the paravirt functions, the
	 * keys the kernel looked up for static call trampolines. The same in
	 * every capture of one load (static call targets, which the running
	 * kernel changes, are not in it).
	 */
	uint8_t load_facts[HOSTSIG_ELF_FACTS_SIZE];
	bool have_load_facts;
	struct hostsig_elf_problem problems[HOSTSIG_ELF_MAX_PROBLEMS];
	unsigned int nr_problems;
	unsigned int problems_dropped;	/* found past HOSTSIG_ELF_MAX_PROBLEMS */
};

/* An ELF relocatable object for x86-64 (what a .ko is, signed or not). */
bool hostsig_is_elf_module(const uint8_t *buf, size_t len);

/* Both return result->verdict; result (and report) must be released. */
enum hostsig_outcome hostsig_verify_elf_file(const struct hostsig_trust *trust,
					     const uint8_t *file, size_t len,
					     struct hostsig_result *result);
/* report may be NULL. AUTHENTIC only when the file verifies and every byte of
 * every allocation is what that file becomes at the addresses given. */
enum hostsig_outcome hostsig_verify_elf_loaded(const struct hostsig_trust *trust,
					       const struct hostsig_elf_loaded *loaded,
					       struct hostsig_result *result,
					       struct hostsig_elf_report *report);
void hostsig_elf_report_release(struct hostsig_elf_report *report);

const char *hostsig_elf_mem_name(unsigned int tag);
const char *hostsig_elf_kernel_name(enum hostsig_elf_kernel kernel);
const char *hostsig_elf_site_class_name(enum hostsig_elf_site_class cls);
const char *hostsig_elf_range_kind_name(enum hostsig_elf_range_kind kind);

/* ---- certificates built into a kernel image ------------------------------ */

enum hostsig_compression {
	HOSTSIG_COMPRESSION_NONE,	/* an ELF vmlinux, or raw bytes */
	HOSTSIG_COMPRESSION_GZIP,
	HOSTSIG_COMPRESSION_BZIP2,
	HOSTSIG_COMPRESSION_LZMA,
	HOSTSIG_COMPRESSION_XZ,
	HOSTSIG_COMPRESSION_LZO,
	HOSTSIG_COMPRESSION_LZ4,
	HOSTSIG_COMPRESSION_ZSTD,
};

/* Where a bzImage keeps its compressed kernel, and how it is compressed. */
struct hostsig_kernel_payload {
	size_t offset;
	size_t len;
	enum hostsig_compression compression;
};

struct hostsig_kernel_cert {
	uint8_t *der;
	size_t der_len;
	size_t offset;			/* where it was found */
	char *subject;			/* RFC 2253 */
	char *issuer;
	uint8_t sha256[32];		/* of the DER */
};

/* 0 and the payload of a bzImage (x86 boot protocol 2.08+), -1 if it is not one. */
int hostsig_kernel_payload(const uint8_t *image, size_t len,
			   struct hostsig_kernel_payload *payload);
/* Every DER X.509 certificate in a decompressed kernel (vmlinux), each once.
 * Returns how many, or -1 (out of memory). */
int hostsig_kernel_certs(const uint8_t *vmlinux, size_t len,
			 struct hostsig_kernel_cert **certs);
void hostsig_kernel_certs_free(struct hostsig_kernel_cert *certs, int nr);
const char *hostsig_compression_name(enum hostsig_compression compression);

#endif /* HOSTSIG_H */
