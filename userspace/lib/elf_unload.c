// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The loader's file buffer, back to the file that was signed.
 *
 * load_module() keeps the file in a buffer and changes two things in it
 * before the module's init runs (kernel/module/main.c, 6.1 and 6.12 alike):
 *
 *  - the section header table: sh_addr of every section is set to its
 *    address (first in the buffer, then in its allocation); sh_entsize of
 *    every section is overwritten (~0UL, or the section's offset and memory
 *    type in the layout); SHF_ALLOC is cleared on __versions, .modinfo and
 *    .data..percpu and set on the symbol and string tables;
 *    SHF_RO_AFTER_INIT is set on .data..ro_after_init and __jump_table;
 *  - .gnu.linkonce.this_module, the struct module the loader works on
 *    before copying it: layout sizes and bases, taints, the livepatch flag.
 *
 * Everything else in the buffer is untouched: section contents, the symbol
 * table (simplify_symbols() rewrites the copy in the init allocation, not
 * the buffer, since layout_symtab() made the table SHF_ALLOC), relocations,
 * the signature after the module's bytes.
 *
 * What the loader overwrote is put back by rules, checked on every module
 * Debian ships for 6.1 and 6.12:
 *
 *  - sh_addr is 0, except for the sections the module linker script places
 *    by the location counter (__patchable_function_entries, and .data in
 *    6.12, whose script names it): those follow the previous SHF_ALLOC
 *    section in header order, aligned to their own sh_addralign;
 *  - sh_entsize is 24 for SHT_SYMTAB and SHT_RELA, 16 for SHT_REL, 4 for
 *    SHT_GROUP, the element size for SHF_MERGE sections (from the name's
 *    .rodata.strN / .rodata.cstN, else 1 for strings), 0 for the rest;
 *  - the flags are restored as listed above;
 *  - struct module is all zeros in the file but for its name field (modpost
 *    initialises nothing else; init and exit are relocations over zeros).
 *
 * The signature decides: the verifier tries the buffer as captured (a proxy
 * may hand over an untouched copy), then the reconstruction, then variants
 * of it where a rule is a guess (the element size of SHF_MERGE sections
 * whose name does not tell it), and keeps the first the signature verifies
 * over. Every candidate differs from the captured buffer only in bytes the
 * loader overwrote, so trying several cannot make a forgery verify.
 */
#include <stdlib.h>
#include <string.h>

#include "elfmod.h"

struct rebuild_rules {
	enum hostsig_elf_kernel kernel;
	const char *const *follow;	/* placed by the location counter */
};

static const char *const follow_6_1[] = { "__patchable_function_entries", NULL };
static const char *const follow_6_12[] = { "__patchable_function_entries", ".data", NULL };

static const struct rebuild_rules rules[] = {
	{ HOSTSIG_ELF_KERNEL_6_1, follow_6_1 },
	{ HOSTSIG_ELF_KERNEL_6_12, follow_6_12 },
};

static bool in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	if (a <= 1)
		return v;
	return (v + a - 1) / a * a;
}

/* N of ".rodata.strN.M", ".rodata.cstN" or ".rodata.cstN.suffix"; 0 if none. */
static uint64_t merge_size_from_name(const char *name)
{
	const char *p;
	char *end;
	unsigned long n;

	if (!strncmp(name, ".rodata.str", 11))
		p = name + 11;
	else if (!strncmp(name, ".rodata.cst", 11))
		p = name + 11;
	else
		return 0;
	n = strtoul(p, &end, 10);
	if (end == p || (*end && *end != '.') || n == 0 || n > 4096)
		return 0;
	return n;
}

static uint64_t entsize_rule(const struct elf_shdr *s, const char *name)
{
	uint64_t n;

	switch (s->type) {
	case SHT_SYMTAB:
	case SHT_RELA:
		return 24;
	case SHT_REL:
		return 16;
	case SHT_GROUP:
		return 4;
	}
	if (!(s->flags & SHF_MERGE))
		return 0;
	n = merge_size_from_name(name);
	if (n)
		return n;
	return (s->flags & SHF_STRINGS) ? 1 : 0;
}

/* The original header table under one set of rules. */
static void rebuild_table(const struct elf_module *cap, const struct rebuild_rules *r,
			  struct elf_shdr *out)
{
	uint64_t prev_end = 0;

	/* layout_sections() overwrites section 0's sh_entsize too */
	out[0] = cap->sh[0];
	out[0].entsize = 0;
	for (unsigned int i = 1; i < cap->shnum; i++) {
		struct elf_shdr s = cap->sh[i];
		const char *name = elf_section_name(cap, i);

		s.flags &= ~(uint64_t)SHF_RO_AFTER_INIT;
		if (i == cap->symndx || i == cap->strndx)
			s.flags &= ~(uint64_t)SHF_ALLOC;
		if (i == cap->modinfo || i == cap->versions || i == cap->pcpu)
			s.flags |= SHF_ALLOC;
		s.entsize = entsize_rule(&s, name);
		s.addr = 0;
		if (s.flags & SHF_ALLOC) {
			if (in_list(r->follow, name))
				s.addr = align_up(prev_end, s.addralign);
			prev_end = s.addr + s.size;
		}
		out[i] = s;
	}
}

static void encode_table(const struct elf_shdr *sh, unsigned int n, uint8_t *out)
{
	for (unsigned int i = 0; i < n; i++)
		elf_shdr_encode(out + (size_t)i * ELF_SHDR_SIZE, &sh[i]);
}

/* Candidate tables, encoded, one after the other. */
struct candidates {
	uint8_t *tables;
	size_t nr;
	size_t cap;
	size_t table_len;
};

static int add_candidate(struct candidates *c, const struct elf_shdr *sh, unsigned int n)
{
	uint8_t *t;

	if (c->nr >= HOSTSIG_ELF_MAX_CANDIDATES)
		return 0;
	if (c->nr == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4;

		if (cap > HOSTSIG_ELF_MAX_CANDIDATES)
			cap = HOSTSIG_ELF_MAX_CANDIDATES;
		t = realloc(c->tables, cap * c->table_len);
		if (!t)
			return -1;
		c->tables = t;
		c->cap = cap;
	}
	t = c->tables + c->nr * c->table_len;
	encode_table(sh, n, t);
	for (size_t i = 0; i < c->nr; i++)
		if (!memcmp(c->tables + i * c->table_len, t, c->table_len))
			return 0;
	c->nr++;
	return 0;
}

/* Variants: one SHF_MERGE section at a time, other powers of two. */
static int add_merge_variants(struct candidates *c, const struct elf_module *cap,
			      struct elf_shdr *sh)
{
	for (unsigned int i = 1; i < cap->shnum; i++) {
		uint64_t keep = sh[i].entsize;

		if (!(sh[i].flags & SHF_MERGE) || sh[i].type == SHT_NOBITS)
			continue;
		for (uint64_t e = 0; e <= 64; e = e ? e * 2 : 1) {
			if (e == keep || (e && sh[i].size % e))
				continue;
			sh[i].entsize = e;
			if (add_candidate(c, sh, cap->shnum))
				return -1;
		}
		sh[i].entsize = keep;
	}
	return 0;
}

static int build_candidates(const struct elf_module *cap, struct candidates *c)
{
	struct elf_shdr *sh = calloc(cap->shnum, sizeof(*sh));
	size_t first = 0;

	if (!sh)
		return -1;
	c->table_len = (size_t)cap->shnum * ELF_SHDR_SIZE;
	/* The series of the module's vermagic first, then the other. */
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (rules[i].kernel == cap->kernel)
			first = i;
	for (size_t k = 0; k < ARRAY_SIZE(rules); k++) {
		rebuild_table(cap, &rules[(first + k) % ARRAY_SIZE(rules)], sh);
		if (add_candidate(c, sh, cap->shnum))
			goto fail;
	}
	for (size_t k = 0; k < ARRAY_SIZE(rules); k++) {
		rebuild_table(cap, &rules[(first + k) % ARRAY_SIZE(rules)], sh);
		if (add_merge_variants(c, cap, sh))
			goto fail;
	}
	free(sh);
	return c->nr ? 0 : -1;
fail:
	free(sh);
	return -1;
}

static int clone_digests(struct digest_set *dst, const struct digest_set *src)
{
	memset(dst, 0, sizeof(*dst));
	for (int t = 0; t < HOSTSIG_DIGEST_NR; t++) {
		if (!src->ctx[t])
			continue;
		dst->ctx[t] = EVP_MD_CTX_new();
		if (!dst->ctx[t] || !EVP_MD_CTX_copy_ex(dst->ctx[t], src->ctx[t])) {
			digest_set_release(dst);
			return -1;
		}
	}
	return 0;
}

/* Hash [from, to) of the buffer with struct module replaced by the rebuild. */
static int hash_range(struct digest_set *ds, const struct elf_rebuild *rb,
		      uint64_t from, uint64_t to, bool rebuilt_module)
{
	uint64_t ms = rb->this_module_off, me = ms + rb->this_module_len;

	if (!rebuilt_module || !rb->this_module || me <= from || ms >= to)
		return digest_set_update(ds, rb->buf + from, to - from);
	if (ms > from && digest_set_update(ds, rb->buf + from, ms - from))
		return -1;
	if (ms < from)
		ms = from;
	if (me > to)
		me = to;
	if (digest_set_update(ds, rb->this_module + (ms - rb->this_module_off), me - ms))
		return -1;
	return me < to ? digest_set_update(ds, rb->buf + me, to - me) : 0;
}

/* The digests of the buffer with table t (or the captured one) and module m. */
static int digest_candidate(const struct hostsig_trust *trust, const struct modsig *ms,
			    const struct elf_rebuild *rb, uint64_t shoff, size_t table_len,
			    const uint8_t *table, bool rebuilt_module,
			    struct digest_set *prefix, struct digest_set *out)
{
	if (!prefix->ctx[HOSTSIG_DIGEST_SHA256]) {
		if (elf_digests(trust, ms, prefix) ||
		    hash_range(prefix, rb, 0, shoff, rebuilt_module))
			return -1;
	}
	if (clone_digests(out, prefix))
		return -1;
	if (digest_set_update(out, table, table_len) ||
	    hash_range(out, rb, shoff + table_len, rb->len, rebuilt_module) ||
	    digest_set_final(out))
		return -1;
	return 0;
}

static int rebuild_module_struct(const struct elf_module *cap, struct elf_rebuild *rb)
{
	const struct elf_shdr *s;

	if (!cap->this_module || cap->sh[cap->this_module].type == SHT_NOBITS)
		return 0;
	s = &cap->sh[cap->this_module];
	rb->this_module_off = s->offset;
	rb->this_module_len = s->size;
	rb->this_module = calloc(1, s->size ? s->size : 1);
	if (!rb->this_module)
		return -1;
	if (s->size >= THIS_MODULE_NAME_OFF + THIS_MODULE_NAME_LEN)
		memcpy(rb->this_module + THIS_MODULE_NAME_OFF,
		       rb->buf + s->offset + THIS_MODULE_NAME_OFF, THIS_MODULE_NAME_LEN);
	return 0;
}

/* Keep a digest set and a table as the answer. */
static int keep(struct elf_rebuild *rb, struct digest_set *ds, struct digest_set *cand,
		const uint8_t *table, size_t table_len, bool rebuilt_module)
{
	digest_set_release(ds);
	*ds = *cand;
	memset(cand, 0, sizeof(*cand));
	memcpy(rb->shdrs, table, table_len);
	if (!rebuilt_module) {
		free(rb->this_module);
		rb->this_module = NULL;
	}
	return 0;
}

int elf_rebuild_find(const struct hostsig_trust *trust, struct modsig *ms,
		     const uint8_t *buf, size_t len, struct elf_rebuild *rb,
		     struct digest_set *ds, struct hostsig_result *res)
{
	struct digest_set prefix_raw, prefix_rebuilt, cand;
	struct candidates c = { 0 };
	struct elf_module cap;
	const uint8_t *captured;
	bool found = false;
	int ret = -1;

	memset(rb, 0, sizeof(*rb));
	memset(&prefix_raw, 0, sizeof(prefix_raw));
	memset(&prefix_rebuilt, 0, sizeof(prefix_rebuilt));
	memset(&cand, 0, sizeof(cand));
	rb->buf = buf;
	rb->len = len;
	if (elf_parse(&cap, buf, len, NULL, res))
		goto out_parse;
	captured = buf + cap.shoff;
	rb->shdrs = malloc((size_t)cap.shnum * ELF_SHDR_SIZE);
	if (!rb->shdrs || rebuild_module_struct(&cap, rb) || build_candidates(&cap, &c)) {
		result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
		goto out;
	}
	rb->rewritten = memcmp(captured, c.tables, c.table_len) != 0;
	/* The captured buffer as it is, with its own struct module. */
	if (digest_candidate(trust, ms, rb, cap.shoff, c.table_len, captured, false,
			     &prefix_raw, &cand))
		goto fail;
	rb->tried = 1;
	if (ms->decoded && modsig_verifies(ms, cand.value[ms->digest_type],
					   cand.len[ms->digest_type])) {
		keep(rb, ds, &cand, captured, c.table_len, false);
		found = true;
	}
	digest_set_release(&cand);
	for (size_t i = 0; !found && i < c.nr; i++) {
		const uint8_t *t = c.tables + i * c.table_len;

		if (digest_candidate(trust, ms, rb, cap.shoff, c.table_len, t, true,
				     &prefix_rebuilt, &cand))
			goto fail;
		rb->tried++;
		if (ms->decoded && modsig_verifies(ms, cand.value[ms->digest_type],
						   cand.len[ms->digest_type])) {
			keep(rb, ds, &cand, t, c.table_len, true);
			found = true;
		} else if (i == 0 && rb->rewritten) {
			/* Nothing verifies: report the first reconstruction. */
			keep(rb, ds, &cand, t, c.table_len, true);
		}
		digest_set_release(&cand);
		if (!ms->decoded)
			break;
	}
	if (!found && !rb->rewritten) {
		/* Report the buffer as captured: it is the file. */
		if (digest_candidate(trust, ms, rb, cap.shoff, c.table_len, captured, false,
				     &prefix_raw, &cand))
			goto fail;
		keep(rb, ds, &cand, captured, c.table_len, false);
	}
	ret = 0;
	goto out;
fail:
	result_set(res, HOSTSIG_R_INTERNAL_ERROR, "hashing failed");
out:
	digest_set_release(&prefix_raw);
	digest_set_release(&prefix_rebuilt);
	digest_set_release(&cand);
	free(c.tables);
	elf_release(&cap);
out_parse:
	return ret;
}

void elf_rebuild_release(struct elf_rebuild *rb)
{
	free(rb->shdrs);
	free(rb->this_module);
	rb->shdrs = NULL;
	rb->this_module = NULL;
}
