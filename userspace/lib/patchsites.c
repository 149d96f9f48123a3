// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The loaded allocations against the verified file, up to the sites the
 * kernel patches at runtime (Documentation/verifier-elf.rst lists them per
 * kernel series).
 *
 * Every site comes from one of the file's own tables (after relocation at
 * the addresses the guest used), never from the loaded bytes. A site is
 * accepted when its loaded bytes are one of the forms the kernel gives it:
 * the file's bytes, or what the kernel's patching code writes there for
 * some CPU or configuration. Where that code writes an address only the
 * guest knows (the target of a static call, the return thunk), every site
 * that must share it does. Bytes outside every site must equal the file's,
 * relocated. A site in none of its forms is NOT_AUTHENTIC; a site in a
 * form the verifier knows exists but cannot vouch for (an ftrace call
 * site being traced, call depth tracking) is UNKNOWN, naming it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patchsites.h"

static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
static const uint8_t endbr_poison[] = { 0x66, 0x0f, 0x1f, 0x00 };	/* 6.12 */
static const uint8_t xor5rax[] = { 0x2e, 0x2e, 0x2e, 0x31, 0xc0 };
static const uint8_t retinsn[] = { 0xc3, 0xcc, 0xcc, 0xcc, 0xcc };
static const uint8_t tramp_ud[] = { 0x0f, 0xb9, 0xcc };	/* a trampoline's signature */

static int severity(enum hostsig_reason r)
{
	switch (hostsig_reason_verdict(r)) {
	case HOSTSIG_NOT_AUTHENTIC:
		return 2;
	case HOSTSIG_UNKNOWN:
		return 1;
	case HOSTSIG_AUTHENTIC:
		break;
	}
	return 0;
}

/*
 * The worst problem decides the verdict; among equals, the first. Each is
 * listed in the report too, up to HOSTSIG_ELF_MAX_PROBLEMS.
 */
void ck_fail(struct ck *ck, enum hostsig_reason reason, const char *fmt, ...)
{
	struct hostsig_elf_report *rep = ck->rep;
	char why[sizeof(ck->why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (rep->nr_problems < HOSTSIG_ELF_MAX_PROBLEMS) {
		rep->problems[rep->nr_problems].reason = reason;
		snprintf(rep->problems[rep->nr_problems].message,
			 sizeof(rep->problems[0].message), "%s", why);
		rep->nr_problems++;
	} else {
		rep->problems_dropped++;
	}
	if (severity(reason) <= severity(ck->reason))
		return;
	ck->reason = reason;
	memcpy(ck->why, why, sizeof(why));
}

void ck_where(struct ck *ck, unsigned int alloc, uint64_t off, char *buf, size_t len)
{
	elf_describe(ck->m, ck->lay, alloc, off, buf, len);
}

bool ck_locate(struct ck *ck, uint64_t addr, uint64_t len, unsigned int *alloc,
	       uint64_t *off)
{
	return elf_layout_find(ck->lay, ck->in, addr, len, alloc, off);
}

bool ck_in_module(struct ck *ck, uint64_t addr, uint64_t len)
{
	unsigned int a;
	uint64_t o;

	return ck_locate(ck, addr, len, &a, &o);
}

/*
 * The component as the guest has it when this capture was taken: at load,
 * every allocation and the file buffer; in a later capture of a verified
 * load, the core allocations (the guest has freed the file buffer and,
 * once the module's init returned, the init allocations, whose addresses
 * another module's load may reuse: the host keeps their load-time bytes).
 */
#define FACT_SIZE	17	/* kind, key, value */

void ck_fact(struct ck *ck, char kind, uint64_t key, uint64_t value)
{
	uint8_t *f;

	if (ck->facts_len + FACT_SIZE > ck->facts_cap) {
		size_t cap = ck->facts_cap ? 2 * ck->facts_cap : 64 * FACT_SIZE;

		f = realloc(ck->facts, cap);
		if (!f) {
			ck->internal_error = true;
			return;
		}
		ck->facts = f;
		ck->facts_cap = cap;
	}
	f = ck->facts + ck->facts_len;
	f[0] = (uint8_t)kind;
	put_le(f + 1, key, 8);
	put_le(f + 9, value, 8);
	ck->facts_len += FACT_SIZE;
}

bool ck_in_component(struct ck *ck, uint64_t addr, uint64_t len)
{
	return elf_in_component(ck->in, addr, len, ck->in->load_verified);
}

static int addr_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int rela_cmp(const void *a, const void *b)
{
	const struct elf_rela *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static struct reloc_index *reloc_index(struct ck *ck, unsigned int sec)
{
	const struct elf_module *m = ck->m;
	struct reloc_index *ix;
	size_t n = 0;

	if (!ck->relocs) {
		ck->relocs = calloc(m->shnum, sizeof(*ck->relocs));
		if (!ck->relocs) {
			ck->internal_error = true;
			return NULL;
		}
	}
	ix = &ck->relocs[sec];
	if (ix->built)
		return ix;
	ix->built = true;
	for (unsigned int rs = 1; rs < m->shnum; rs++)
		if (m->sh[rs].type == SHT_RELA && m->sh[rs].info == sec)
			n += elf_nr_relas(m, rs);
	if (!n)
		return ix;
	ix->r = calloc(n, sizeof(*ix->r));
	if (!ix->r) {
		ck->internal_error = true;
		return NULL;
	}
	for (unsigned int rs = 1; rs < m->shnum; rs++) {
		if (m->sh[rs].type != SHT_RELA || m->sh[rs].info != sec)
			continue;
		for (size_t k = 0; k < elf_nr_relas(m, rs); k++)
			if (elf_rela(m, rs, k, &ix->r[ix->n]) && ix->r[ix->n].type != R_X86_64_NONE)
				ix->n++;
	}
	qsort(ix->r, ix->n, sizeof(*ix->r), rela_cmp);
	return ix;
}

bool ck_reloc_at(struct ck *ck, unsigned int sec, uint64_t off, struct elf_rela *r)
{
	struct reloc_index *ix;
	struct elf_rela key = { .offset = off };
	const struct elf_rela *found;

	if (sec == 0 || sec >= ck->m->shnum)
		return false;
	ix = reloc_index(ck, sec);
	if (!ix || !ix->n)
		return false;
	found = bsearch(&key, ix->r, ix->n, sizeof(*ix->r), rela_cmp);
	if (!found)
		return false;
	*r = *found;
	return true;
}

bool ck_section_of(struct ck *ck, unsigned int alloc, uint64_t off, unsigned int *sec,
		   uint64_t *sec_off)
{
	for (unsigned int i = 1; i < ck->m->shnum; i++) {
		const struct elf_placed *p = &ck->lay->sec[i];

		if (p->alloc != (int)alloc || off < p->offset || off - p->offset >= ck->m->sh[i].size)
			continue;
		*sec = i;
		*sec_off = off - p->offset;
		return true;
	}
	return false;
}

#define STT_FUNC	2

/* Every function the signed file defines in loaded executable sections. */
static void collect_functions(struct ck *ck)
{
	const struct elf_module *m = ck->m;

	ck->funcs = calloc(m->nr_syms ? m->nr_syms : 1, sizeof(*ck->funcs));
	if (!ck->funcs) {
		ck->internal_error = true;
		return;
	}
	for (size_t i = 1; i < m->nr_syms; i++) {
		const struct elf_placed *p;
		struct elf_sym sym;

		if (!elf_sym(m, i, &sym) || (sym.info & 0xf) != STT_FUNC ||
		    sym.shndx == SHN_UNDEF || sym.shndx >= m->shnum)
			continue;
		p = &ck->lay->sec[sym.shndx];
		if (p->alloc < 0 || !(p->flags & SHF_EXECINSTR) || sym.value >= m->sh[sym.shndx].size)
			continue;
		ck->funcs[ck->nr_funcs++] = p->addr + sym.value;
	}
	if (ck->nr_funcs)
		qsort(ck->funcs, ck->nr_funcs, sizeof(*ck->funcs), addr_cmp);
}

bool ck_own_function(struct ck *ck, uint64_t addr)
{
	return ck->nr_funcs &&
	       bsearch(&addr, ck->funcs, ck->nr_funcs, sizeof(*ck->funcs), addr_cmp);
}

/* Where an address inside the component is, for messages. */
static void component_where(struct ck *ck, uint64_t addr, char *buf, size_t len)
{
	unsigned int alloc;
	uint64_t off;
	char where[96];

	for (size_t a = 0; a < ck->in->nr_allocs; a++) {
		if (addr < ck->in->allocs[a].addr || addr - ck->in->allocs[a].addr >= ck->in->allocs[a].len)
			continue;
		alloc = (unsigned int)a;
		off = addr - ck->in->allocs[a].addr;
		ck_where(ck, alloc, off, where, sizeof(where));
		snprintf(buf, len, "%s, %s+0x%llx", where, hostsig_elf_mem_name(ck->in->allocs[a].tag),
			 (unsigned long long)off);
		return;
	}
	snprintf(buf, len, "the file buffer+0x%llx",
		 (unsigned long long)(addr - ck->in->file_addr));
}

static bool guest_target(struct ck *ck, struct site *s, uint64_t target,
			 const char *what, bool at_load)
{
	char at[96], in[160];

	if (at_load ? !elf_in_component(ck->in, target, 1, false) : !ck_in_component(ck, target, 1))
		return true;
	/* a site inside an alternative: the alternative decides on its bytes */
	if (s && s->parent != SITE_NONE) {
		s->self_target = target;
		s->self_what = what;
		return false;
	}
	component_where(ck, target, in, sizeof(in));
	if (s) {
		s->self_reported = true;
		ck_where(ck, s->alloc, s->off, at, sizeof(at));
		ck_fail(ck, HOSTSIG_R_SELF_TARGET,
			"%s site %u at %s: %s is 0x%llx, inside the module (%s)",
			hostsig_elf_site_class_name(s->cls), s->entry, at, what,
			(unsigned long long)target, in);
	} else {
		ck_fail(ck, HOSTSIG_R_SELF_TARGET, "%s is 0x%llx, inside the module (%s)", what,
			(unsigned long long)target, in);
	}
	return false;
}

bool ck_guest_target(struct ck *ck, struct site *s, uint64_t target, const char *what)
{
	return guest_target(ck, s, target, what, false);
}

bool ck_child_self_target(struct ck *ck, size_t parent)
{
	for (size_t i = 0; i < ck->nr_sites; i++) {
		struct site *c = &ck->sites[i];

		if (c->parent != parent || !c->self_what)
			continue;
		c->parent = SITE_NONE;	/* reported as its own */
		guest_target(ck, c, c->self_target, c->self_what, false);
		return true;
	}
	return false;
}

static int thunk_register(const char *name)
{
	static const char *const regs[16] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	};
	const char *prefix = "__x86_indirect_thunk_";

	if (strncmp(name, prefix, strlen(prefix)))
		return -1;
	for (int r = 0; r < 16; r++)
		if (!strcmp(name + strlen(prefix), regs[r]))
			return r;
	return -1;
}

/*
 * The kernel has one retpoline thunk per register, each at its own
 * address; patch_retpoline() finds a site's register from the address it
 * calls. Two thunks the module imports at one address are a lie that would
 * make a call through one register run through another.
 */
static void distinct_thunks(struct ck *ck)
{
	const struct elf_module *m = ck->m;
	size_t first[16] = { 0 };

	for (size_t i = 1; i < m->nr_syms; i++) {
		struct elf_sym sym;
		int reg;

		if (!elf_sym(m, i, &sym) || sym.shndx != SHN_UNDEF || !ck->ex->val.known[i])
			continue;
		reg = thunk_register(elf_sym_name(m, &sym));
		if (reg < 0 || first[reg])
			continue;
		first[reg] = i;
		for (int r = 0; r < 16; r++) {
			struct elf_sym other;

			if (r == reg || !first[r] || ck->ex->val.sym[first[r]] != ck->ex->val.sym[i])
				continue;
			elf_sym(m, first[r], &other);
			ck_fail(ck, HOSTSIG_R_LOAD_MISMATCH,
				"the retpoline thunks %.60s and %.60s resolve to one address, 0x%llx",
				elf_sym_name(m, &other), elf_sym_name(m, &sym),
				(unsigned long long)ck->ex->val.sym[i]);
		}
	}
}

/*
 * The values simplify_symbols() took from the guest: where an undefined
 * symbol resolves (a kernel export or another module's), the module's
 * per-cpu area. A module never imports from itself: none of them may
 * point inside it, as it was at load (a later capture has the load's
 * symbol table copy, in the init allocation the host kept).
 */
static void check_guest_values(struct ck *ck)
{
	const struct elf_module *m = ck->m;
	const struct elf_values *v = &ck->ex->val;
	char what[160];

	for (size_t i = 1; i < m->nr_syms; i++) {
		struct elf_sym sym;

		if (!elf_sym(m, i, &sym) || sym.shndx != SHN_UNDEF || !v->known[i])
			continue;
		snprintf(what, sizeof(what), "undefined symbol %.100s",
			 elf_sym_name(m, &sym));
		guest_target(ck, NULL, v->sym[i], what, true);
		ck_fact(ck, 'U', i, v->sym[i]);
	}
	if (v->have_percpu) {
		guest_target(ck, NULL, v->percpu_base, "the per-cpu area", true);
		ck_fact(ck, 'P', 0, v->percpu_base);
	}
	distinct_thunks(ck);
}

/* within_module_init(): the init allocation(s). */
bool ck_in_init(struct ck *ck, uint64_t addr)
{
	unsigned int a;
	uint64_t o;

	if (!ck_locate(ck, addr, 1, &a, &o))
		return false;
	return ck->in->allocs[a].tag >= HOSTSIG_ELF_MEM_INIT_TEXT;
}

size_t ck_add_site(struct ck *ck, enum hostsig_elf_site_class cls, uint64_t addr,
		   unsigned int len, unsigned int entry)
{
	struct site *s;
	unsigned int alloc;
	uint64_t off;
	char where[96];

	if (!ck_locate(ck, addr, len, &alloc, &off)) {
		ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE,
			"%s site %u at 0x%llx is outside the module's allocations",
			hostsig_elf_site_class_name(cls), entry, (unsigned long long)addr);
		return SITE_NONE;
	}
	if (ck->lay->sec && ck->ex->img[alloc].state[off] == BYTE_UNVERIFIED) {
		ck_where(ck, alloc, off, where, sizeof(where));
		ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE, "%s site %u at %s is in loader state",
			hostsig_elf_site_class_name(cls), entry, where);
		return SITE_NONE;
	}
	if (ck->nr_sites == ck->cap_sites) {
		size_t cap = ck->cap_sites ? ck->cap_sites * 2 : 256;
		struct site *grown = realloc(ck->sites, cap * sizeof(*grown));

		if (!grown) {
			ck->internal_error = true;
			return SITE_NONE;
		}
		ck->sites = grown;
		ck->cap_sites = cap;
	}
	s = &ck->sites[ck->nr_sites];
	memset(s, 0, sizeof(*s));
	s->cls = cls;
	s->alloc = alloc;
	s->off = off;
	s->addr = addr;
	s->len = len;
	s->entry = entry;
	s->parent = SITE_NONE;
	s->group_end = ck->nr_sites + 1;
	ck->rep->sites[cls].total++;
	return ck->nr_sites++;
}

const uint8_t *ck_expected(struct ck *ck, const struct site *s)
{
	return ck->ex->img[s->alloc].bytes + s->off;
}

const uint8_t *ck_loaded(struct ck *ck, const struct site *s)
{
	return ck->in->allocs[s->alloc].bytes + s->off;
}

/* Equal, but for lock prefixes that alternatives_smp_unlock() may have turned into DS. */
static bool equal_bytes(struct ck *ck, unsigned int alloc, uint64_t off,
			const uint8_t *form, const uint8_t *loaded, uint64_t len)
{
	const uint8_t *lock = ck->lock ? ck->lock[alloc] : NULL;

	for (uint64_t i = 0; i < len; i++) {
		if (form[i] == loaded[i])
			continue;
		if (lock && lock[off + i] && form[i] == 0xf0 && loaded[i] == 0x3e)
			continue;
		return false;
	}
	return true;
}

bool ck_equal(struct ck *ck, const struct site *s, const uint8_t *form)
{
	return equal_bytes(ck, s->alloc, s->off, form, ck_loaded(ck, s), s->len);
}

/* The first value decides; every later one must be the same. */
bool ck_wild(struct ck *ck, struct wild *w, uint64_t value, const char *what)
{
	(void)ck;
	(void)what;
	if (!w->have) {
		w->have = true;
		w->value = value;
		return true;
	}
	return w->value == value;
}

struct wild *ck_keyed(struct ck *ck, enum wild_space space, uint64_t key)
{
	struct keyed_wild *k;

	for (size_t i = 0; i < ck->nr_keyed; i++)
		if (ck->keyed[i].space == space && ck->keyed[i].key == key)
			return &ck->keyed[i].w;
	k = realloc(ck->keyed, (ck->nr_keyed + 1) * sizeof(*k));
	if (!k) {
		ck->internal_error = true;
		return NULL;
	}
	ck->keyed = k;
	k = &k[ck->nr_keyed++];
	memset(k, 0, sizeof(*k));
	k->space = space;
	k->key = key;
	return &k->w;
}

void ck_mark(struct ck *ck, unsigned int alloc, uint64_t off, uint64_t len,
	     enum byte_state st)
{
	struct elf_image *img = &ck->ex->img[alloc];

	if (off > img->len || len > img->len - off)
		return;
	for (uint64_t i = 0; i < len; i++)
		if (img->state[off + i] != BYTE_UNVERIFIED)
			img->state[off + i] = (uint8_t)st;
}

/*
 * Executable memory: the text allocations (6.12), the text class at the
 * start of core_layout and init_layout (6.1), slack included.
 */
bool ck_exec_bytes(struct ck *ck, unsigned int alloc, uint64_t off, uint64_t len)
{
	unsigned int tag = ck->in->allocs[alloc].tag;
	uint64_t text;

	if (tag != HOSTSIG_ELF_MEM_TEXT && tag != HOSTSIG_ELF_MEM_INIT_TEXT)
		return false;
	if (ck->m->kernel != HOSTSIG_ELF_KERNEL_6_1)
		return true;
	text = tag == HOSTSIG_ELF_MEM_TEXT ? ck->lay->text_size : ck->lay->init_text_size;
	return len && off < text;
}

void ck_mark_table(struct ck *ck, unsigned int alloc, uint64_t off, uint64_t len,
		   const char *what)
{
	char where[96];

	if (!len)
		return;
	if (ck_exec_bytes(ck, alloc, off, len)) {
		ck_where(ck, alloc, off, where, sizeof(where));
		ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE, "%s at %s is in executable memory", what, where);
		return;
	}
	ck_mark(ck, alloc, off, len, BYTE_DONE);
}

/* The site holds one of its forms: from now on its loaded bytes are the expected ones. */
void ck_accept(struct ck *ck, struct site *s)
{
	memcpy(ck->ex->img[s->alloc].bytes + s->off, ck_loaded(ck, s), s->len);
	ck_mark(ck, s->alloc, s->off, s->len, BYTE_DONE);
	if (s->patched)
		ck->rep->sites[s->cls].patched++;
}

void ck_rel32(uint8_t *p, uint8_t opcode, uint64_t from, uint64_t to)
{
	p[0] = opcode;
	put_le(p + 1, to - (from + 5), 4);
}

int64_t ck_read_rel32(const uint8_t *p, uint64_t next)
{
	return (int64_t)next + (int32_t)le32(p);
}

/* A section of the given name, the one the kernel uses (the only one). */
bool ck_section(struct ck *ck, const char *name, unsigned int *idx)
{
	unsigned int found = 0;

	for (unsigned int i = 1; i < ck->m->shnum; i++) {
		if (!elf_section_is(ck->m, i, name))
			continue;
		if (found) {
			ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE, "two sections named %s", name);
			return false;
		}
		found = i;
	}
	if (!found || ck->lay->sec[found].alloc < 0)
		return false;
	*idx = found;
	return true;
}

const uint8_t *ck_table_bytes(struct ck *ck, unsigned int sec, bool loaded)
{
	const struct elf_placed *p = &ck->lay->sec[sec];

	if (loaded)
		return ck->in->allocs[p->alloc].bytes + p->offset;
	return ck->ex->img[p->alloc].bytes + p->offset;
}

/*
 * The symbol the file's relocation at byte k of site s names, "" if none:
 * what a call or jump there goes to, by the file's word, whatever address
 * the guest gave that symbol (two symbols may share one).
 */
static const char *site_reloc_name(struct ck *ck, const struct site *s, unsigned int k)
{
	struct elf_rela r;
	struct elf_sym sym;
	unsigned int sec;
	uint64_t off;

	if (!ck_section_of(ck, s->alloc, s->off, &sec, &off) ||
	    !ck_reloc_at(ck, sec, off + k, &r) || !elf_sym(ck->m, r.sym, &sym))
		return "";
	return elf_sym_name(ck->m, &sym);
}

const uint8_t *ck_nop(struct ck *ck, unsigned int len)
{
	if (ck->m->kernel == HOSTSIG_ELF_KERNEL_6_1)
		return len <= 8 ? x86_nops_61[len] : NULL;
	return len <= 11 ? x86_nops_612[len] : NULL;
}

/* ---- collecting the sites ----------------------------------------------- */

/* Tables of s32 offsets, each relative to itself (objtool's *_sites). */
static void collect_rel_table(struct ck *ck, const char *name,
			      enum hostsig_elf_site_class cls, unsigned int len)
{
	unsigned int sec;
	const uint8_t *t;
	uint64_t base;

	if (!ck_section(ck, name, &sec))
		return;
	t = ck_table_bytes(ck, sec, false);
	base = ck->lay->sec[sec].addr;
	for (uint64_t i = 0; i + 4 <= ck->m->sh[sec].size; i += 4) {
		uint64_t addr = base + i + (uint64_t)(int64_t)(int32_t)le32(t + i);

		ck_add_site(ck, cls, addr, len, (unsigned int)(i / 4));
	}
}

/* __mcount_loc: absolute addresses of the "call __fentry__" sites. */
static void collect_ftrace(struct ck *ck)
{
	unsigned int sec;
	const uint8_t *t;

	if (!ck_section(ck, "__mcount_loc", &sec))
		return;
	t = ck_table_bytes(ck, sec, false);
	for (uint64_t i = 0; i + 8 <= ck->m->sh[sec].size; i += 8) {
		uint64_t addr = le64(t + i);

		if (addr)	/* ftrace_process_locs() skips NULL entries */
			ck_add_site(ck, HOSTSIG_ELF_SITE_FTRACE, addr, 5, (unsigned int)(i / 8));
	}
}

/* __jump_table: { s32 code, s32 target, s64 key } each relative to itself. */
static void collect_jump_labels(struct ck *ck)
{
	unsigned int sec;
	const uint8_t *t;
	uint64_t base;

	if (!ck_section(ck, "__jump_table", &sec))
		return;
	t = ck_table_bytes(ck, sec, false);
	base = ck->lay->sec[sec].addr;
	for (uint64_t i = 0; i + 16 <= ck->m->sh[sec].size; i += 16) {
		uint64_t code = base + i + (uint64_t)(int64_t)(int32_t)le32(t + i);
		uint64_t target = base + i + 4 + (uint64_t)(int64_t)(int32_t)le32(t + i + 4);
		uint64_t key = base + i + 8 + (le64(t + i + 8) & ~3ull);
		struct x86_insn insn;
		unsigned int alloc;
		uint64_t off;
		size_t s;

		/* arch_jump_entry_size(): the instruction there, 2 or 5 bytes */
		if (!ck_locate(ck, code, 1, &alloc, &off) ||
		    !x86_decode(ck->ex->img[alloc].bytes + off, ck->ex->img[alloc].len - off,
				&insn) || (insn.len != 2 && insn.len != 5)) {
			ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE,
				"jump label %llu at 0x%llx is not a 2- or 5-byte instruction",
				(unsigned long long)(i / 16), (unsigned long long)code);
			continue;
		}
		s = ck_add_site(ck, HOSTSIG_ELF_SITE_JUMP_LABEL, code, insn.len,
				(unsigned int)(i / 16));
		if (s != SITE_NONE) {
			ck->sites[s].target = target;
			ck->sites[s].key = key;
		}
	}
}

/* .static_call_sites: { s32 addr, s32 key } each relative to itself; key flags. */
static void collect_static_calls(struct ck *ck)
{
	unsigned int sec;
	const uint8_t *t;
	uint64_t base;

	if (!ck_section(ck, ".static_call_sites", &sec))
		return;
	t = ck_table_bytes(ck, sec, false);
	base = ck->lay->sec[sec].addr;
	for (uint64_t i = 0; i + 8 <= ck->m->sh[sec].size; i += 8) {
		uint64_t addr = base + i + (uint64_t)(int64_t)(int32_t)le32(t + i);
		uint64_t key = base + i + 4 + (uint64_t)(int64_t)(int32_t)le32(t + i + 4);
		unsigned int alloc, len = 5;
		uint64_t off;
		size_t s;

		/* A tail call may be a Jcc.d32 (6 bytes) in 6.12. */
		if (ck_locate(ck, addr, 2, &alloc, &off) &&
		    ck->ex->img[alloc].bytes[off] == 0x0f &&
		    (ck->ex->img[alloc].bytes[off + 1] & 0xf0) == 0x80)
			len = 6;
		s = ck_add_site(ck, HOSTSIG_ELF_SITE_STATIC_CALL, addr, len,
				(unsigned int)(i / 8));
		if (s != SITE_NONE) {
			ck->sites[s].key = key & ~3ull;
			ck->sites[s].flags = (unsigned int)(key & 1);	/* STATIC_CALL_SITE_TAIL */
		}
	}
}

/* .retpoline_sites: CALL/JMP/Jcc __x86_indirect_thunk_<reg>, maybe CS-prefixed. */
static void collect_retpolines(struct ck *ck)
{
	size_t first = ck->nr_sites;

	collect_rel_table(ck, ".retpoline_sites", HOSTSIG_ELF_SITE_RETPOLINE, 1);
	for (size_t i = first; i < ck->nr_sites; i++) {
		struct site *s = &ck->sites[i];
		const uint8_t *e = ck->ex->img[s->alloc].bytes + s->off;
		uint64_t avail = ck->ex->img[s->alloc].len - s->off;
		struct x86_insn insn;

		s->reg = -1;
		if (!x86_decode(e, avail, &insn) || insn.imm_len != 4 ||
		    !(insn.opcode[0] == 0xe8 || insn.opcode[0] == 0xe9 ||
		      (insn.opcode[0] == 0x0f && (insn.opcode[1] & 0xf0) == 0x80)))
			continue;
		s->len = insn.len;
		s->reg = thunk_register(site_reloc_name(ck, s, insn.imm_off));
	}
}

/*
 * The module's own static call trampolines (DEFINE_STATIC_CALL in the
 * module: __SCT__<name>, 8 bytes of executable code, a JMP or RET and the
 * signature ud1 %esp,%ecx): static_call_update() rewrites their first five
 * bytes whenever the key is retargeted, here as for any key of the kernel.
 * A NULL trampoline is also a return site; its site here covers that one.
 */
static void collect_trampolines(struct ck *ck)
{
	const struct elf_module *m = ck->m;

	for (size_t i = 1; i < m->nr_syms; i++) {
		const struct elf_placed *p;
		struct elf_sym sym;
		unsigned int alloc;
		uint64_t addr, off, *grown;

		if (!elf_sym(m, i, &sym) || sym.shndx == SHN_UNDEF || sym.shndx >= m->shnum ||
		    strncmp(elf_sym_name(m, &sym), "__SCT__", 7))
			continue;
		p = &ck->lay->sec[sym.shndx];
		if (p->alloc < 0 || !(p->flags & SHF_EXECINSTR) || sym.value > m->sh[sym.shndx].size ||
		    m->sh[sym.shndx].size - sym.value < 8)
			continue;
		addr = p->addr + sym.value;
		if (!ck_locate(ck, addr, 8, &alloc, &off) ||
		    memcmp(ck->ex->img[alloc].bytes + off + 5, tramp_ud, sizeof(tramp_ud)))
			continue;	/* not a trampoline: a write there is a tamper */
		if (ck_add_site(ck, HOSTSIG_ELF_SITE_STATIC_CALL_TRAMP, addr, 5, (unsigned int)i) ==
		    SITE_NONE)
			continue;
		grown = realloc(ck->tramps, (ck->nr_tramps + 1) * sizeof(*grown));
		if (!grown) {
			ck->internal_error = true;
			return;
		}
		ck->tramps = grown;
		ck->tramps[ck->nr_tramps++] = addr;
	}
	if (ck->nr_tramps)
		qsort(ck->tramps, ck->nr_tramps, sizeof(*ck->tramps), addr_cmp);
}

/* .return_sites, but for the trampolines' own (collected with them). */
static void collect_returns(struct ck *ck)
{
	unsigned int sec;
	const uint8_t *t;
	uint64_t base;

	if (!ck_section(ck, ".return_sites", &sec))
		return;
	t = ck_table_bytes(ck, sec, false);
	base = ck->lay->sec[sec].addr;
	for (uint64_t i = 0; i + 4 <= ck->m->sh[sec].size; i += 4) {
		uint64_t addr = base + i + (uint64_t)(int64_t)(int32_t)le32(t + i);

		if (ck->nr_tramps && bsearch(&addr, ck->tramps, ck->nr_tramps,
					     sizeof(*ck->tramps), addr_cmp))
			continue;
		ck_add_site(ck, HOSTSIG_ELF_SITE_RETURN, addr, 5, (unsigned int)(i / 4));
	}
}

/* .smp_locks: lock prefixes in the text that alternatives_smp_module_add() covers. */
static void collect_smp_locks(struct ck *ck)
{
	uint64_t text = 0, text_end = 0, base;
	unsigned int sec, ts;
	const uint8_t *t;

	if (!ck_section(ck, ".smp_locks", &sec))
		return;
	if (ck->m->kernel == HOSTSIG_ELF_KERNEL_6_1) {
		/* module_finalize() takes the last section named .text */
		for (ts = ck->m->shnum - 1; ts > 0; ts--)
			if (elf_section_is(ck->m, ts, ".text"))
				break;
		if (ts && ck->lay->sec[ts].alloc >= 0) {
			text = ck->lay->sec[ts].addr;
			text_end = text + ck->m->sh[ts].size;
		}
	} else if (ck->lay->mem_alloc[HOSTSIG_ELF_MEM_TEXT] >= 0) {
		text = ck->lay->mem_base[HOSTSIG_ELF_MEM_TEXT];
		text_end = text + ck->lay->mem_size[HOSTSIG_ELF_MEM_TEXT];
	}
	ck->lock = calloc(ck->in->nr_allocs, sizeof(*ck->lock));
	if (!ck->lock) {
		ck->internal_error = true;
		return;
	}
	t = ck_table_bytes(ck, sec, false);
	base = ck->lay->sec[sec].addr;
	for (uint64_t i = 0; i + 4 <= ck->m->sh[sec].size; i += 4) {
		int32_t rel = (int32_t)le32(t + i);
		uint64_t ptr = base + i + (uint64_t)(int64_t)rel;
		unsigned int alloc;
		uint64_t off;

		if (!rel || ptr < text || ptr >= text_end || !ck_locate(ck, ptr, 1, &alloc, &off))
			continue;
		if (!ck->lock[alloc]) {
			ck->lock[alloc] = calloc(1, ck->in->allocs[alloc].len);
			if (!ck->lock[alloc]) {
				ck->internal_error = true;
				return;
			}
		}
		ck->lock[alloc][off] = 1;
		ck->rep->sites[HOSTSIG_ELF_SITE_SMP_LOCK].total++;
		if (ck->in->allocs[alloc].bytes[off] == 0x3e &&
		    ck->ex->img[alloc].bytes[off] == 0xf0)
			ck->rep->sites[HOSTSIG_ELF_SITE_SMP_LOCK].patched++;
	}
}

/*
 * .call_sites (6.12, call depth tracking): calls the kernel redirects to a
 * thunk it writes into the padding before the callee. Only with
 * X86_FEATURE_CALL_DEPTH (retbleed=stuff), which this verifier does not
 * model: the calls and the 16 bytes before each callee in the module are
 * sites that must be as in the file.
 */
static void collect_call_depth(struct ck *ck)
{
	size_t first = ck->nr_sites, last;

	collect_rel_table(ck, ".call_sites", HOSTSIG_ELF_SITE_CALL_DEPTH, 5);
	last = ck->nr_sites;
	for (size_t i = first; i < last; i++) {
		const uint8_t *e = ck_expected(ck, &ck->sites[i]);
		uint64_t dest;

		if (e[0] != 0xe8)
			continue;
		dest = (uint64_t)ck_read_rel32(e + 1, ck->sites[i].addr + 5);
		if (dest >= 16 && ck_in_module(ck, dest - 16, 16))
			ck_add_site(ck, HOSTSIG_ELF_SITE_CALL_DEPTH, dest - 16, 16,
				    ck->sites[i].entry);
	}
}

/* ---- single-instruction sites -------------------------------------------- */

enum form { FORM_OK, FORM_BAD, FORM_UNSUPPORTED };

static enum form ftrace_form(struct ck *ck, struct site *s)
{
	const uint8_t *m = ck_loaded(ck, s);

	if (ck_equal(ck, s, ck_expected(ck, s)))
		return FORM_OK;
	s->patched = true;
	if (!memcmp(m, ck_nop(ck, 5), 5))
		return FORM_OK;
	/* ftrace_module_enable() may have made it call a tracer at once. */
	if (m[0] == 0xe8 && ck_expected(ck, s)[0] == 0xe8)
		return ck_guest_target(ck, s, (uint64_t)ck_read_rel32(m + 1, s->addr + 5),
				       "the tracer it calls") ? FORM_UNSUPPORTED : FORM_BAD;
	return FORM_BAD;
}

static enum form jump_label_form(struct ck *ck, struct site *s)
{
	const uint8_t *e = ck_expected(ck, s), *nop = ck_nop(ck, s->len);
	uint8_t jmp[5];

	if (s->len == 2) {
		int64_t rel = (int64_t)(s->target - (s->addr + 2));

		jmp[0] = 0xeb;
		jmp[1] = (uint8_t)rel;
		if (rel < -128 || rel > 127)
			return FORM_UNSUPPORTED;
	} else {
		ck_rel32(jmp, 0xe9, s->addr, s->target);
	}
	/* The file holds one of the two; the kernel BUG()s otherwise. */
	if (memcmp(e, nop, s->len) && memcmp(e, jmp, s->len))
		return FORM_UNSUPPORTED;
	s->patched = !ck_equal(ck, s, e);
	return ck_equal(ck, s, nop) || ck_equal(ck, s, jmp) ? FORM_OK : FORM_BAD;
}

/* The return thunk: one address for the whole kernel, not in the module. */
static bool return_thunk_jump(struct ck *ck, struct site *s, const uint8_t *m)
{
	uint64_t dest;

	if (m[0] != 0xe9)
		return false;
	dest = (uint64_t)ck_read_rel32(m + 1, s->addr + 5);
	return ck_guest_target(ck, s, dest, "the return thunk") &&
	       ck_wild(ck, &ck->return_thunk, dest, "return thunk");
}

static enum form return_form(struct ck *ck, struct site *s)
{
	const uint8_t *e = ck_expected(ck, s), *m = ck_loaded(ck, s);

	if (ck_equal(ck, s, e))
		return FORM_OK;
	s->patched = true;
	/* apply_returns() only rewrites JMP __x86_return_thunk. */
	if (e[0] != 0xe9 || s->len != 5)
		return FORM_BAD;
	if (strcmp(site_reloc_name(ck, s, 1), "__x86_return_thunk"))
		return FORM_BAD;
	if (!memcmp(m, retinsn, 5))
		return FORM_OK;
	return return_thunk_jump(ck, s, m) ? FORM_OK : FORM_BAD;
}

static unsigned int emit_indirect(uint8_t *b, bool call, int reg)
{
	unsigned int i = 0;

	if (reg >= 8)
		b[i++] = 0x41;
	b[i++] = 0xff;
	b[i++] = (uint8_t)(0xc0 | (call ? 0x10 : 0x20) | (reg & 7));
	return i;
}

/* patch_retpoline() without the thunk, then optimize_nops(): with and without LFENCE. */
static void retpoline_patched(struct ck *ck, const struct site *s, bool lfence, uint8_t *b)
{
	const uint8_t *e = ck_expected(ck, s);
	unsigned int i = 0, op_at = e[0] == 0x2e ? 1 : 0;
	bool jcc = e[op_at] == 0x0f, call;

	if (jcc) {
		b[i++] = (uint8_t)(0x70 + ((e[op_at + 1] & 0xf) ^ 1));
		b[i++] = (uint8_t)(s->len - 2);
	}
	call = !jcc && e[op_at] == 0xe8;
	if (lfence) {
		b[i++] = 0x0f;
		b[i++] = 0xae;
		b[i++] = 0xe8;
	}
	i += emit_indirect(b + i, call, s->reg);
	if (!call && i < s->len)
		b[i++] = 0xcc;
	while (i < s->len)
		b[i++] = 0x90;
	alt_optimize_nops(ck, b, s->len);
}

static enum form retpoline_form(struct ck *ck, struct site *s)
{
	const uint8_t *m = ck_loaded(ck, s);
	uint8_t b[SITE_MAX_LEN];

	if (ck_equal(ck, s, ck_expected(ck, s)))
		return FORM_OK;
	s->patched = true;
	if (s->reg < 0 || s->reg == 4)
		return FORM_BAD;	/* the kernel leaves such a site alone */
	for (int lfence = 0; lfence < 2; lfence++) {
		if (s->len < (lfence ? 5u : 2u) + (s->reg >= 8))
			continue;
		retpoline_patched(ck, s, lfence, b);
		if (ck_equal(ck, s, b))
			return FORM_OK;
	}
	/* ITS thunks, call depth accounting: a call or jump to a thunk elsewhere. */
	if (m[s->len - 5] == 0xe8 || m[s->len - 5] == 0xe9)
		return ck_guest_target(ck, s, (uint64_t)ck_read_rel32(m + s->len - 4,
									s->addr + s->len),
				       "the thunk it calls") ? FORM_UNSUPPORTED : FORM_BAD;
	return FORM_BAD;
}

static enum form endbr_form(struct ck *ck, struct site *s)
{
	const uint8_t *e = ck_expected(ck, s);

	if (ck_equal(ck, s, e))
		return FORM_OK;
	s->patched = true;
	if (ck->m->kernel != HOSTSIG_ELF_KERNEL_6_12 || memcmp(e, endbr64, 4))
		return FORM_BAD;
	return ck_equal(ck, s, endbr_poison) ? FORM_OK : FORM_BAD;
}

/*
 * The function a static call goes to is the guest's choice (the key's, set
 * by static_call_update()), but it is not code the module holds, unless it
 * is the entry of a function the signed file defines there (a module's
 * own default, or one another module's init installed, as kvm-amd does
 * for kvm's keys): never its data, its slack or the middle of its code.
 */
static bool static_call_func(struct ck *ck, struct site *s, uint64_t func)
{
	return ck_own_function(ck, func) || ck_guest_target(ck, s, func, "the function it calls");
}

/* Static calls: every site of a key goes where the key's function is. */
struct sc_key {
	uint64_t key;
	bool have;
	bool null;		/* NOP / RET forms */
	uint64_t func;
};

static enum form static_call_form(struct ck *ck, struct site *s, struct sc_key *k)
{
	const uint8_t *m = ck_loaded(ck, s);
	bool tail = s->flags & 1, null;
	uint64_t func = 0;

	if (ck_equal(ck, s, ck_expected(ck, s)))
		return FORM_OK;
	s->patched = true;
	if (!tail) {
		if (s->len != 5)
			return FORM_BAD;
		null = !memcmp(m, ck_nop(ck, 5), 5);
		if (!null && !memcmp(m, xor5rax, 5))
			func = 1;	/* __static_call_return0 */
		else if (!null && m[0] == 0xe8)
			func = (uint64_t)ck_read_rel32(m + 1, s->addr + 5);
		else if (!null)
			return FORM_BAD;
	} else if (s->len == 6) {
		if (m[0] != 0x0f || m[1] != ck_expected(ck, s)[1])
			return FORM_BAD;
		/* a conditional tail call goes to the function, or returns */
		func = (uint64_t)ck_read_rel32(m + 2, s->addr + 6);
		null = false;
	} else {
		null = !memcmp(m, retinsn, 5);
		if (!null && m[0] == 0xe9) {
			func = (uint64_t)ck_read_rel32(m + 1, s->addr + 5);
			/* RET through the return thunk is a null function too */
			if (ck->return_thunk.have && func == ck->return_thunk.value)
				null = true;
		} else if (!null) {
			return FORM_BAD;
		}
	}
	if (!null && func != 1 && !static_call_func(ck, s, func))
		return FORM_BAD;
	if (!k->have) {
		k->have = true;
		k->null = null;
		k->func = func;
		return FORM_OK;
	}
	return k->null == null && (null || k->func == func) ? FORM_OK : FORM_BAD;
}

static struct sc_key *sc_key(struct sc_key **keys, size_t *nr, uint64_t key)
{
	struct sc_key *k;

	for (size_t i = 0; i < *nr; i++)
		if ((*keys)[i].key == key)
			return &(*keys)[i];
	k = realloc(*keys, (*nr + 1) * sizeof(*k));
	if (!k)
		return NULL;
	*keys = k;
	k = &k[(*nr)++];
	memset(k, 0, sizeof(*k));
	k->key = key;
	return k;
}

/*
 * A trampoline: the file's bytes, RET (a NULL key; RET and INT3s, or the
 * return thunk's JMP with rethunk), or a JMP to the key's function.
 */
static enum form tramp_form(struct ck *ck, struct site *s)
{
	const uint8_t *m = ck_loaded(ck, s);

	if (ck_equal(ck, s, ck_expected(ck, s)))
		return FORM_OK;
	s->patched = true;
	if (!memcmp(m, retinsn, 5))
		return FORM_OK;
	if (m[0] == 0xe9)
		return static_call_func(ck, s, (uint64_t)ck_read_rel32(m + 1, s->addr + 5)) ?
		       FORM_OK : FORM_BAD;
	return FORM_BAD;
}

static enum form call_depth_form(struct ck *ck, struct site *s)
{
	return ck_equal(ck, s, ck_expected(ck, s)) ? FORM_OK : FORM_UNSUPPORTED;
}

static enum form leaf_form(struct ck *ck, struct site *s, struct sc_key **keys, size_t *nr)
{
	struct sc_key *k;

	switch (s->cls) {
	case HOSTSIG_ELF_SITE_FTRACE:
		return ftrace_form(ck, s);
	case HOSTSIG_ELF_SITE_JUMP_LABEL:
		return jump_label_form(ck, s);
	case HOSTSIG_ELF_SITE_RETURN:
		return return_form(ck, s);
	case HOSTSIG_ELF_SITE_RETPOLINE:
		return retpoline_form(ck, s);
	case HOSTSIG_ELF_SITE_ENDBR:
		return endbr_form(ck, s);
	case HOSTSIG_ELF_SITE_CALL_DEPTH:
		return call_depth_form(ck, s);
	case HOSTSIG_ELF_SITE_STATIC_CALL_TRAMP:
		return tramp_form(ck, s);
	case HOSTSIG_ELF_SITE_STATIC_CALL:
		k = sc_key(keys, nr, s->key);
		if (!k) {
			ck->internal_error = true;
			return FORM_UNSUPPORTED;
		}
		return static_call_form(ck, s, k);
	default:
		break;
	}
	return FORM_UNSUPPORTED;
}

static void report_site(struct ck *ck, const struct site *s, enum form f)
{
	const uint8_t *m = ck_loaded(ck, s);
	char where[96], hex[2 * 16 + 1];

	if (s->self_reported)
		return;		/* that is why it is in no form */

	ck_where(ck, s->alloc, s->off, where, sizeof(where));
	elf_hex(hex, m, s->len < 16 ? s->len : 16);
	if (f == FORM_UNSUPPORTED)
		ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE,
			"%s site %u at %s holds %s, a form this verifier cannot vouch for",
			hostsig_elf_site_class_name(s->cls), s->entry, where, hex);
	else
		ck_fail(ck, HOSTSIG_R_LOAD_MISMATCH,
			"%s site %u at %s holds %s, none of the forms the kernel gives it",
			hostsig_elf_site_class_name(s->cls), s->entry, where, hex);
}

/* Judge a site that has no parent: accept it, or report it. Either way it is done. */
void ck_judge(struct ck *ck, struct site *s, bool legal, bool unsupported)
{
	if (legal) {
		ck_accept(ck, s);
		return;
	}
	report_site(ck, s, unsupported ? FORM_UNSUPPORTED : FORM_BAD);
	ck_mark(ck, s->alloc, s->off, s->len, BYTE_DONE);
}

static void check_leaves(struct ck *ck)
{
	struct sc_key *keys = NULL;
	size_t nr = 0;

	for (size_t i = 0; i < ck->nr_sites; i++) {
		struct site *s = &ck->sites[i];
		enum form f;

		if (s->cls == HOSTSIG_ELF_SITE_ALTERNATIVE || s->cls == HOSTSIG_ELF_SITE_PARAVIRT)
			continue;
		f = leaf_form(ck, s, &keys, &nr);
		s->checked = true;
		s->legal = f == FORM_OK;
		if (s->parent == SITE_NONE)
			ck_judge(ck, s, s->legal, f == FORM_UNSUPPORTED);
	}
	free(keys);
}

static bool compound(const struct site *s)
{
	return s->cls == HOSTSIG_ELF_SITE_ALTERNATIVE || s->cls == HOSTSIG_ELF_SITE_PARAVIRT;
}

static int by_place(const void *a, const void *b, void *sites)
{
	const struct site *x = &((const struct site *)sites)[*(const size_t *)a];
	const struct site *y = &((const struct site *)sites)[*(const size_t *)b];

	if (x->alloc != y->alloc)
		return x->alloc < y->alloc ? -1 : 1;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return 0;
}

/*
 * A site inside a compound site's original instructions is its child: the
 * compound decides. Partial overlaps, and alternatives inside other sites,
 * are not modelled.
 */
static void link_children(struct ck *ck)
{
	size_t *idx = malloc((ck->nr_sites + 1) * sizeof(*idx)), nr = 0;

	if (!idx) {
		ck->internal_error = true;
		return;
	}
	for (size_t i = 0; i < ck->nr_sites; i++)
		if (compound(&ck->sites[i]))
			idx[nr++] = i;
	qsort_r(idx, nr, sizeof(*idx), by_place, ck->sites);
	for (size_t i = 0; i < ck->nr_sites; i++) {
		struct site *c = &ck->sites[i];
		size_t lo = 0, hi = nr;

		/* the last compound starting at or before c */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			const struct site *p = &ck->sites[idx[mid]];

			if (p->alloc < c->alloc || (p->alloc == c->alloc && p->off <= c->off))
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k-- > 0; ) {
			struct site *p = &ck->sites[idx[k]];

			if (p->alloc != c->alloc || p->off + SITE_MAX_LEN < c->off)
				break;
			if (idx[k] == i || c->off >= p->off + p->len)
				continue;
			if (c->cls == HOSTSIG_ELF_SITE_ALTERNATIVE && p->cls == c->cls &&
			    p->off == c->off)
				continue;	/* one group */
			/* p inside c: the relation is p's to find */
			if (p->off >= c->off && p->off + p->len <= c->off + c->len &&
			    (p->len < c->len || c->cls == HOSTSIG_ELF_SITE_ALTERNATIVE))
				continue;
			if (c->cls == HOSTSIG_ELF_SITE_ALTERNATIVE ||
			    c->off + c->len > p->off + p->len) {
				ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE,
					"%s site %u overlaps %s site %u",
					hostsig_elf_site_class_name(c->cls), c->entry,
					hostsig_elf_site_class_name(p->cls), p->entry);
				continue;
			}
			if (c->parent == SITE_NONE || ck->sites[c->parent].len > p->len)
				c->parent = idx[k];
		}
	}
	free(idx);
}

/* ---- the sites the running kernel rewrites -------------------------------- */

/*
 * Jump labels, static calls (their sites and the module's own trampolines)
 * and ftrace call sites change whenever the guest flips a static key,
 * retargets a static call or traces a function: the report names each one
 * (the verdict's patch sites), jump labels and static calls first, which
 * change most often. Sites are not merged, even
 * when adjacent: a write across two of them is in neither. Past
 * HOSTSIG_ELF_MAX_RANGES ranges in all the rest go unnamed; sites[].total
 * still counts them.
 */
static void report_patch_sites(struct ck *ck)
{
	static const enum hostsig_elf_site_class order[] = {
		HOSTSIG_ELF_SITE_JUMP_LABEL,
		HOSTSIG_ELF_SITE_STATIC_CALL,
		HOSTSIG_ELF_SITE_STATIC_CALL_TRAMP,
		HOSTSIG_ELF_SITE_FTRACE,
	};
	struct hostsig_elf_report *rep = ck->rep;
	struct hostsig_elf_range *r;
	size_t n = 0, room;

	if (rep->nr_ranges >= HOSTSIG_ELF_MAX_RANGES)
		return;
	room = HOSTSIG_ELF_MAX_RANGES - rep->nr_ranges;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		n += rep->sites[order[i]].total;
	if (n > room)
		n = room;
	if (!n)
		return;
	r = realloc(rep->ranges, (rep->nr_ranges + n) * sizeof(*r));
	if (!r) {
		ck->internal_error = true;
		return;
	}
	rep->ranges = r;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		for (size_t k = 0; k < ck->nr_sites && n; k++) {
			const struct site *s = &ck->sites[k];

			if (s->cls != order[i])
				continue;
			r[rep->nr_ranges++] = (struct hostsig_elf_range){
				.kind = HOSTSIG_ELF_RANGE_PATCH_SITE, .alloc = s->alloc,
				.offset = s->off, .size = s->len,
			};
			n--;
		}
	}
}

/* ---- the final comparison ------------------------------------------------ */

static void compare_rest(struct ck *ck)
{
	for (size_t a = 0; a < ck->ex->nr; a++) {
		const struct elf_image *img = &ck->ex->img[a];
		const uint8_t *m = ck->in->allocs[a].bytes;
		uint64_t first = UINT64_MAX, count = 0;

		for (uint64_t b = 0; b < img->len; b++) {
			if (img->state[b] != BYTE_EXACT)
				continue;
			if (equal_bytes(ck, (unsigned int)a, b, img->bytes + b, m + b, 1))
				continue;
			if (first == UINT64_MAX)
				first = b;
			count++;
		}
		if (count) {
			char where[96];

			ck_where(ck, (unsigned int)a, first, where, sizeof(where));
			ck_fail(ck, HOSTSIG_R_LOAD_MISMATCH,
				"%llu byte(s) of %s differ from the file, the first at %s (0x%02x, the file gives 0x%02x)",
				(unsigned long long)count, hostsig_elf_mem_name(ck->in->allocs[a].tag),
				where, m[first], img->bytes[first]);
		}
	}
}

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed_wild *x = a, *y = b;

	if (x->space != y->space)
		return x->space < y->space ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/*
 * The load's facts: the guest-only values the checks took, in a fixed
 * order, hashed. A later capture of the load must give the same (the
 * caller hands the load's in, when it has them).
 */
static void load_facts(struct ck *ck)
{
	static const char tag[] = "hostsig elf load facts 1";
	struct hostsig_elf_report *rep = ck->rep;
	unsigned int len = 0;
	EVP_MD_CTX *ctx;

	if (ck->return_thunk.have)
		ck_fact(ck, 'R', 0, ck->return_thunk.value);
	if (ck->nr_keyed)
		qsort(ck->keyed, ck->nr_keyed, sizeof(*ck->keyed), keyed_cmp);
	for (size_t i = 0; i < ck->nr_keyed; i++)
		if (ck->keyed[i].w.have)
			ck_fact(ck, ck->keyed[i].space == WILD_PV_TYPE ? 'T' : 'L', ck->keyed[i].key,
				ck->keyed[i].w.value);
	ctx = EVP_MD_CTX_new();
	if (ck->internal_error || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, tag, sizeof(tag)) != 1 ||
	    (ck->facts_len && EVP_DigestUpdate(ctx, ck->facts, ck->facts_len) != 1) ||
	    EVP_DigestFinal_ex(ctx, rep->load_facts, &len) != 1 || len != HOSTSIG_ELF_FACTS_SIZE) {
		ck->internal_error = true;
		EVP_MD_CTX_free(ctx);
		return;
	}
	EVP_MD_CTX_free(ctx);
	rep->have_load_facts = true;
	if (ck->in->load_verified && ck->in->load_facts &&
	    memcmp(ck->in->load_facts, rep->load_facts, HOSTSIG_ELF_FACTS_SIZE))
		ck_fail(ck, HOSTSIG_R_LOAD_MISMATCH,
			"values only the guest knows (resolved symbols, return thunk, paravirt functions, static call keys) are not those of the verified load");
}

int elf_sites_check(const struct elf_module *m, const struct elf_layout *lay,
		    const struct hostsig_elf_loaded *in, struct elf_expect *ex,
		    struct hostsig_elf_report *rep, struct hostsig_result *res)
{
	struct ck ck = {
		.m = m, .lay = lay, .in = in, .ex = ex, .rep = rep, .res = res,
		.reason = HOSTSIG_R_OK,
	};

	collect_functions(&ck);
	check_guest_values(&ck);
	collect_smp_locks(&ck);
	collect_ftrace(&ck);
	collect_jump_labels(&ck);
	collect_static_calls(&ck);
	collect_retpolines(&ck);
	collect_trampolines(&ck);
	collect_returns(&ck);
	collect_rel_table(&ck, ".ibt_endbr_seal", HOSTSIG_ELF_SITE_ENDBR, 4);
	if (m->kernel == HOSTSIG_ELF_KERNEL_6_12)
		collect_call_depth(&ck);
	pv_collect(&ck);
	alt_collect(&ck);
	report_patch_sites(&ck);
	link_children(&ck);
	check_leaves(&ck);
	for (size_t i = 0; i < ck.nr_sites; i++)
		if (ck.sites[i].cls == HOSTSIG_ELF_SITE_PARAVIRT)
			compound_check(&ck, &ck.sites[i]);
	for (size_t i = 0; i < ck.nr_sites; i++)
		if (ck.sites[i].cls == HOSTSIG_ELF_SITE_ALTERNATIVE)
			compound_check(&ck, &ck.sites[i]);
	tables_check(&ck);
	compare_rest(&ck);
	load_facts(&ck);

	free(ck.sites);
	free(ck.keyed);
	free(ck.tramps);
	free(ck.funcs);
	free(ck.facts);
	if (ck.relocs)
		for (unsigned int i = 0; i < m->shnum; i++)
			free(ck.relocs[i].r);
	free(ck.relocs);
	if (ck.lock)
		for (size_t a = 0; a < in->nr_allocs; a++)
			free(ck.lock[a]);
	free(ck.lock);
	if (ck.internal_error)
		return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	if (ck.reason != HOSTSIG_R_OK)
		return result_set(res, ck.reason, "%s", ck.why);
	return 0;
}
