/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the ELF module side of the library shares: the ELF reader, the
 * appended signature, the reconstruction of the loader's file buffer, the
 * layout and relocation of the allocations, and the patch sites.
 * Documentation/verifier-elf.rst explains the model.
 */
#ifndef HOSTSIG_ELFMOD_H
#define HOSTSIG_ELFMOD_H

#include <openssl/cms.h>

#include "internal.h"

/* ELF constants the library needs (no dependency on <elf.h>'s spelling). */
#define ELF_EHDR_SIZE		64
#define ELF_SHDR_SIZE		64
#define ELF_SYM_SIZE		24
#define ELF_RELA_SIZE		24
#define ELF_ET_REL		1
#define ELF_EM_X86_64		62

#define SHT_NULL		0
#define SHT_PROGBITS		1
#define SHT_SYMTAB		2
#define SHT_STRTAB		3
#define SHT_RELA		4
#define SHT_NOBITS		8
#define SHT_REL			9
#define SHT_GROUP		17

#define SHF_WRITE		0x1
#define SHF_ALLOC		0x2
#define SHF_EXECINSTR		0x4
#define SHF_MERGE		0x10
#define SHF_STRINGS		0x20
#define SHF_RO_AFTER_INIT	0x00200000	/* the kernel's own flag */
#define SHF_RELA_LIVEPATCH	0x00100000

#define SHN_UNDEF		0
#define SHN_LORESERVE		0xff00
#define SHN_LIVEPATCH		0xff20
#define SHN_ABS			0xfff1
#define SHN_COMMON		0xfff2

#define STB_WEAK		2

#define R_X86_64_NONE		0
#define R_X86_64_64		1
#define R_X86_64_PC32		2
#define R_X86_64_PLT32		4
#define R_X86_64_32		10
#define R_X86_64_32S		11
#define R_X86_64_PC64		24

#define MODSIG_MARKER		"~Module signature appended~\n"
#define MODSIG_MARKER_LEN	(sizeof(MODSIG_MARKER) - 1)
#define MODSIG_INFO_LEN		12	/* struct module_signature */
#define PKEY_ID_PKCS7		2

#define KERNEL_PAGE_SIZE	4096

/* struct module: name[MODULE_NAME_LEN] follows state and a list_head. */
#define THIS_MODULE_NAME_OFF	24
#define THIS_MODULE_NAME_LEN	56

struct elf_shdr {
	uint32_t name;
	uint32_t type;
	uint64_t flags;
	uint64_t addr;
	uint64_t offset;
	uint64_t size;
	uint32_t link;
	uint32_t info;
	uint64_t addralign;
	uint64_t entsize;
};

struct elf_sym {
	uint32_t name;
	uint8_t info;
	uint8_t other;
	uint16_t shndx;
	uint64_t value;
	uint64_t size;
};

struct elf_rela {
	uint64_t offset;
	uint32_t type;
	uint32_t sym;
	int64_t addend;
};

/* elf.c: a module's bytes with a section header table (possibly rebuilt). */
struct elf_module {
	const uint8_t *buf;		/* the module, signature excluded */
	size_t len;
	uint64_t shoff;
	uint16_t shnum;
	uint16_t shstrndx;
	struct elf_shdr *sh;
	const char *shstr;
	uint64_t shstr_len;
	unsigned int symndx;		/* the first SHT_SYMTAB, as the kernel takes it */
	unsigned int strndx;
	size_t nr_syms;
	unsigned int modinfo;		/* 0 when absent */
	unsigned int versions;
	unsigned int pcpu;
	unsigned int this_module;
	const uint8_t *this_module_data; /* rebuilt struct module bytes, or NULL */
	const char *name;		/* .modinfo name, NULL if none */
	const char *vermagic;		/* .modinfo vermagic, NULL if none */
	enum hostsig_elf_kernel kernel;
};

void elf_shdr_decode(const uint8_t *p, struct elf_shdr *s);
void elf_shdr_encode(uint8_t *p, const struct elf_shdr *s);
/* Header checks of a module's first bytes: 0 or -1 with a verdict. */
int elf_check_header(const uint8_t *buf, size_t len, uint64_t *shoff,
		     uint16_t *shnum, uint16_t *shstrndx, struct hostsig_result *res);
/* shdrs: shnum * 64 bytes to use instead of the table in buf, or NULL. */
int elf_parse(struct elf_module *m, const uint8_t *buf, size_t len,
	      const uint8_t *shdrs, struct hostsig_result *res);
void elf_release(struct elf_module *m);
const char *elf_section_name(const struct elf_module *m, unsigned int i);
unsigned int elf_find_section(const struct elf_module *m, const char *name,
			      bool alloc_only);
bool elf_section_is(const struct elf_module *m, unsigned int i, const char *name);
bool elf_sym(const struct elf_module *m, size_t i, struct elf_sym *sym);
const char *elf_sym_name(const struct elf_module *m, const struct elf_sym *sym);
/* The i-th relocation of a SHT_RELA section. */
bool elf_rela(const struct elf_module *m, unsigned int sec, size_t i,
	      struct elf_rela *r);
size_t elf_nr_relas(const struct elf_module *m, unsigned int sec);
const uint8_t *elf_section_data(const struct elf_module *m, unsigned int i);
enum hostsig_elf_kernel elf_kernel_series(const char *vermagic);

/* modsig.c: the appended signature. */
struct modsig {
	size_t content_len;		/* the module: what the signature signs */
	const uint8_t *pkcs7;
	size_t pkcs7_len;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	bool decoded;			/* false: status and why say why not */
	enum hostsig_reason status;
	char why[160];
	enum hostsig_digest digest_type;
	const EVP_MD *md;
	bool has_attrs;
	STACK_OF(X509) *bag;		/* certificates the signature carries */
	STACK_OF(X509) *candidates;	/* certificates the signer id names */
	bool denied_id;			/* a denied certificate has the signer's id */
	X509 *signer;			/* the candidate whose key verified */
	char *anchor;			/* the trusted certificate it chained to */
	char signer_id[160];		/* issuer and serial, or key id, for messages */
};

/* 0 and the signature's place, or -1 with a verdict (no or malformed trailer). */
int modsig_locate(const uint8_t *file, size_t file_len, const uint8_t *sig,
		  size_t sig_len, struct modsig *ms, struct hostsig_result *res);
/* Decode the PKCS#7 and find the certificates that may have signed it. */
void modsig_decode(const struct hostsig_trust *trust, struct modsig *ms);
/* true when a candidate signed this digest (of the signer's algorithm). */
bool modsig_verifies(struct modsig *ms, const uint8_t *digest, size_t len);
/* The verdict, given the digests of the content the signature was checked on. */
void modsig_judge(const struct hostsig_trust *trust, struct modsig *ms,
		  const struct digest_set *ds, struct hostsig_result *res);
void modsig_release(struct modsig *ms);

/* verify_elf.c */
void elf_hex(char *out, const uint8_t *p, size_t n);
int elf_digests(const struct hostsig_trust *trust, const struct modsig *ms,
		struct digest_set *ds);
int elf_digest_report(const struct hostsig_trust *trust, const struct modsig *ms,
		      const struct digest_set *ds, struct hostsig_result *res);

/* elf_unload.c: the loader's file buffer back to the signed file. */
struct elf_rebuild {
	const uint8_t *buf;		/* the captured buffer, module part */
	size_t len;
	uint8_t *shdrs;			/* the reconstructed section header table */
	uint8_t *this_module;		/* the reconstructed struct module bytes */
	uint64_t this_module_off;
	uint64_t this_module_len;
	bool rewritten;			/* the captured headers had been rewritten */
	unsigned int tried;
};

/*
 * Try the captured buffer, then the reconstructions, until the signature
 * verifies over one; 0 with the digests of the winner (or of the first
 * reconstruction when none verifies), -1 on an internal error.
 */
int elf_rebuild_find(const struct hostsig_trust *trust, struct modsig *ms,
		     const uint8_t *buf, size_t len, struct elf_rebuild *rb,
		     struct digest_set *ds, struct hostsig_result *res);
void elf_rebuild_release(struct elf_rebuild *rb);

/* elf_layout.c: where the loader put each section. */
struct elf_placed {
	int alloc;			/* index in the caller's allocs, -1: not loaded */
	uint64_t flags;			/* sh_flags as the loader saw them */
	unsigned int mem;		/* enum hostsig_elf_mem */
	uint64_t offset;		/* in the allocation */
	uint64_t addr;			/* guest address */
};

struct elf_layout {
	enum hostsig_elf_kernel kernel;
	struct elf_placed *sec;		/* per section */
	uint64_t mem_size[HOSTSIG_ELF_MEM_NR];	/* bytes of each memory type */
	uint64_t mem_base[HOSTSIG_ELF_MEM_NR];	/* guest address of each type */
	int mem_alloc[HOSTSIG_ELF_MEM_NR];	/* allocation holding it, -1 */
	/* 6.1: the class boundaries inside core_layout and init_layout */
	uint64_t text_size, ro_size, ro_after_init_size;
	uint64_t init_text_size, init_ro_size;
	/* kallsyms tables the loader appends */
	uint64_t core_symoffs, core_stroffs, core_typeoffs, core_kallsyms_end;
	uint64_t init_kallsyms_off, init_typeoffs, init_kallsyms_end;
	unsigned int nr_core_syms;
};

int elf_layout(const struct elf_module *m, const struct hostsig_elf_loaded *in,
	       struct elf_layout *lay, struct hostsig_result *res);
void elf_layout_release(struct elf_layout *lay);
/* The allocation and offset of a guest address, false if in none. */
bool elf_layout_find(const struct elf_layout *lay, const struct hostsig_elf_loaded *in,
		     uint64_t addr, uint64_t len, unsigned int *alloc, uint64_t *off);
/*
 * Whether [addr, addr + len) touches the component itself: any of its
 * allocations (slack included) or its file buffer; core_only: its core
 * allocations alone (the init ones and the buffer freed and reused since).
 */
bool elf_in_component(const struct hostsig_elf_loaded *in, uint64_t addr, uint64_t len,
		      bool core_only);
/* "section+0xoff" for messages. */
void elf_describe(const struct elf_module *m, const struct elf_layout *lay,
		  unsigned int alloc, uint64_t off, char *buf, size_t len);

/* elf_reloc.c: what each allocation must hold, before runtime patching. */
struct elf_image {
	uint8_t *bytes;			/* expected contents */
	uint8_t *state;			/* per byte: enum byte_state */
	size_t len;
};

enum byte_state {
	BYTE_EXACT = 0,		/* must equal */
	BYTE_SITE,		/* inside a patch site: the site decides */
	BYTE_UNVERIFIED,	/* loader state not verified (reported) */
	BYTE_DONE,		/* verified by a site check */
	BYTE_WRITABLE,		/* writable data of a verified load: not compared */
};

struct elf_values {
	uint64_t *sym;			/* the value simplify_symbols gave each symbol */
	bool *known;
	uint64_t percpu_base;
	bool have_percpu;
};

struct elf_expect {
	struct elf_image *img;		/* per allocation */
	size_t nr;
	struct elf_values val;
};

int elf_expect_build(const struct elf_module *m, const struct elf_layout *lay,
		     const struct hostsig_elf_loaded *in, struct elf_expect *ex,
		     struct hostsig_elf_report *rep, struct hostsig_result *res);
void elf_expect_release(struct elf_expect *ex);
/* The value the loader writes for relocation r at address p (before patching). */
bool elf_reloc_value(const struct elf_module *m, const struct elf_values *v,
		     const struct elf_rela *r, uint64_t p, uint64_t *val,
		     unsigned int *size);
/* The resolved address of symbol i, false if unknown. */
bool elf_symbol_value(const struct elf_values *v, size_t i, uint64_t *value);

/* x86_insn.c: instruction lengths, and the few encodings the patcher emits. */
struct x86_insn {
	unsigned int len;
	unsigned int nr_prefixes;
	uint8_t prefix[4];
	bool rex;
	unsigned int opcode_len;	/* 1, 2 or 3 */
	uint8_t opcode[3];
	bool has_modrm;
	uint8_t modrm;
	unsigned int disp_off, disp_len;	/* 0 length: none */
	unsigned int imm_off, imm_len;
	bool rip_relative;
};

bool x86_decode(const uint8_t *p, size_t avail, struct x86_insn *insn);
bool x86_insn_is_nop(const struct x86_insn *insn);
extern const uint8_t *const x86_nops_61[9];
extern const uint8_t *const x86_nops_612[12];

/* patchsites.c: the runtime patch sites and their legal forms. */
struct elf_check;	/* the state of one loaded verification */

int elf_sites_check(const struct elf_module *m, const struct elf_layout *lay,
		    const struct hostsig_elf_loaded *in, struct elf_expect *ex,
		    struct hostsig_elf_report *rep, struct hostsig_result *res);

#endif /* HOSTSIG_ELFMOD_H */
