/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runtime patch sites of a loaded module, shared by patchsites.c (the
 * framework, the single-instruction sites, the final comparison),
 * alternatives.c (alternatives and paravirt sites, which contain others)
 * and sorted_tables.c (the tables the kernel sorts or marks in place).
 */
#ifndef HOSTSIG_PATCHSITES_H
#define HOSTSIG_PATCHSITES_H

#include "elfmod.h"

#define SITE_MAX_LEN	64	/* longest site the kernel patches (MAX_PATCH_LEN is 254) */
#define SITE_NONE	((size_t)-1)

struct site {
	enum hostsig_elf_site_class cls;
	unsigned int alloc;
	uint64_t off;			/* in the allocation */
	uint64_t addr;			/* guest address */
	unsigned int len;
	unsigned int entry;		/* index in its table, for messages */
	size_t parent;			/* the compound site containing it, SITE_NONE */
	bool checked;
	bool legal;			/* the loaded bytes are one of its forms */
	bool patched;			/* ... other than the file's */
	/* class data */
	uint64_t target;		/* jump label target; alternative replacement */
	uint64_t key;			/* static call or jump label key */
	unsigned int flags;		/* static call: tail; alternative: feature flags */
	unsigned int len2;		/* alternative: replacement length */
	int reg;			/* retpoline: register */
	unsigned int type;		/* paravirt type */
	size_t group_end;		/* alternative: entries [this, group_end) share the site */
	/* a child whose loaded form went inside the component: for its parent to say */
	uint64_t self_target;
	const char *self_what;
	bool self_reported;		/* its target inside the component is a problem already */
};

/* The relocations of one section, by offset. */
struct reloc_index {
	bool built;
	struct elf_rela *r;
	size_t n;
};

/* A value only the guest knows, that several sites must agree on. */
struct wild {
	bool have;
	uint64_t value;
};

struct keyed_wild {
	unsigned int space;		/* what the key is: a paravirt type, a slot, ... */
	uint64_t key;
	struct wild w;
};

enum wild_space {
	WILD_PV_TYPE,
	WILD_PV_SLOT,
};

struct ck {
	const struct elf_module *m;
	const struct elf_layout *lay;
	const struct hostsig_elf_loaded *in;
	struct elf_expect *ex;
	struct hostsig_elf_report *rep;
	struct hostsig_result *res;
	struct site *sites;
	size_t nr_sites;
	size_t cap_sites;
	uint8_t **lock;			/* per allocation: smp lock prefix positions */
	struct wild return_thunk;
	uint64_t *tramps;		/* static call trampolines, by address */
	size_t nr_tramps;
	struct keyed_wild *keyed;	/* per paravirt type or slot, per static call key */
	size_t nr_keyed;
	uint64_t *funcs;		/* the module's function entries, by address */
	size_t nr_funcs;
	struct reloc_index *relocs;	/* per section, its relocations by offset, when asked */
	uint8_t *facts;			/* the load's guest-only values, encoded */
	size_t facts_len, facts_cap;
	/* the first problem found, by severity */
	enum hostsig_reason reason;	/* HOSTSIG_R_OK: none yet */
	char why[256];
	bool internal_error;
};

/* patchsites.c */
/* One value only the guest knows, for the load's facts. */
void ck_fact(struct ck *ck, char kind, uint64_t key, uint64_t value);
void ck_fail(struct ck *ck, enum hostsig_reason reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ck_where(struct ck *ck, unsigned int alloc, uint64_t off, char *buf, size_t len);
size_t ck_add_site(struct ck *ck, enum hostsig_elf_site_class cls, uint64_t addr,
		   unsigned int len, unsigned int entry);
const uint8_t *ck_expected(struct ck *ck, const struct site *s);
const uint8_t *ck_loaded(struct ck *ck, const struct site *s);
bool ck_equal(struct ck *ck, const struct site *s, const uint8_t *form);
bool ck_wild(struct ck *ck, struct wild *w, uint64_t value, const char *what);
struct wild *ck_keyed(struct ck *ck, enum wild_space space, uint64_t key);
void ck_judge(struct ck *ck, struct site *s, bool legal, bool unsupported);
void ck_accept(struct ck *ck, struct site *s);
void ck_rel32(uint8_t *p, uint8_t opcode, uint64_t from, uint64_t to);
int64_t ck_read_rel32(const uint8_t *p, uint64_t next);
bool ck_section(struct ck *ck, const char *name, unsigned int *idx);
bool ck_locate(struct ck *ck, uint64_t addr, uint64_t len, unsigned int *alloc,
	       uint64_t *off);
const uint8_t *ck_table_bytes(struct ck *ck, unsigned int sec, bool loaded);
bool ck_in_init(struct ck *ck, uint64_t addr);
bool ck_in_module(struct ck *ck, uint64_t addr, uint64_t len);
bool ck_in_component(struct ck *ck, uint64_t addr, uint64_t len);
/* The relocation the file applies at offset off of section sec. */
bool ck_reloc_at(struct ck *ck, unsigned int sec, uint64_t off, struct elf_rela *r);
/* Section and offset in it of a loaded address, false if in no section. */
bool ck_section_of(struct ck *ck, unsigned int alloc, uint64_t off, unsigned int *sec,
		   uint64_t *sec_off);
/* The entry of a function the signed file defines in loaded code. */
bool ck_own_function(struct ck *ck, uint64_t addr);
/*
 * A target only the guest chose, for site s (SITE_NONE: none): false, and
 * the verdict not authentic, when it lies inside the component itself.
 */
bool ck_guest_target(struct ck *ck, struct site *s, uint64_t target, const char *what);
/* A compound site in no legal form: a child's target inside the component is why. */
bool ck_child_self_target(struct ck *ck, size_t parent);
void ck_mark(struct ck *ck, unsigned int alloc, uint64_t off, uint64_t len,
	     enum byte_state st);
/* Whether [off, off + len) of an allocation is executable memory. */
bool ck_exec_bytes(struct ck *ck, unsigned int alloc, uint64_t off, uint64_t len);
/*
 * A table check's bytes verified: never code (a table or a key the rules
 * would place there is not one the kernel made), else unsupported_site.
 */
void ck_mark_table(struct ck *ck, unsigned int alloc, uint64_t off, uint64_t len,
		   const char *what);
const uint8_t *ck_nop(struct ck *ck, unsigned int len);

/* alternatives.c */
void alt_optimize_nops(struct ck *ck, uint8_t *buf, unsigned int len);
void alt_collect(struct ck *ck);
void pv_collect(struct ck *ck);
void compound_check(struct ck *ck, struct site *s);

/* sorted_tables.c */
void tables_check(struct ck *ck);

#endif /* HOSTSIG_PATCHSITES_H */
