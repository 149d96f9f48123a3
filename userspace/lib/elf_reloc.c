// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What each allocation of a loaded module holds before runtime patching:
 * move_module(), simplify_symbols() and apply_relocations() replayed over
 * the verified file at the addresses the guest used.
 *
 *  - every SHF_ALLOC section's bytes at its place in the layout, the rest
 *    of each allocation zero (module_alloc memory is cleared);
 *  - the symbol table copy in init data, with the values simplify_symbols()
 *    gave: a defined symbol's section address plus its value (computed
 *    here); for an undefined symbol the address the guest's kernel
 *    resolved it to, a per-cpu symbol the module's per-cpu area plus its
 *    value, a symbol of a section that is not loaded the file buffer's
 *    address plus its offset: these come from the copy itself, under the
 *    constraint that all per-cpu symbols (and all file-buffer ones) share
 *    one base;
 *  - every relocation of a loaded section, with the kernel's checks
 *    (R_X86_64_NONE, 64, 32, 32S, PC32, PLT32 and PC64; the target must be
 *    zero; 32 and 32S must not overflow): a module the kernel refuses is
 *    not one it loaded.
 */
#include <stdlib.h>
#include <string.h>

#include "elfmod.h"

static int alloc_images(const struct hostsig_elf_loaded *in, struct elf_expect *ex,
			struct hostsig_result *res)
{
	ex->nr = in->nr_allocs;
	ex->img = calloc(ex->nr, sizeof(*ex->img));
	if (!ex->img)
		return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	for (size_t a = 0; a < ex->nr; a++) {
		ex->img[a].len = in->allocs[a].len;
		ex->img[a].bytes = calloc(1, in->allocs[a].len);
		ex->img[a].state = calloc(1, in->allocs[a].len);
		if (!ex->img[a].bytes || !ex->img[a].state)
			return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	}
	return 0;
}

static int copy_sections(const struct elf_module *m, const struct elf_layout *lay,
			 struct elf_expect *ex, struct hostsig_result *res)
{
	for (unsigned int i = 1; i < m->shnum; i++) {
		const struct elf_placed *p = &lay->sec[i];
		const uint8_t *src;
		struct elf_image *img;

		if (p->alloc < 0)
			continue;
		img = &ex->img[p->alloc];
		if (p->offset > img->len || m->sh[i].size > img->len - p->offset)
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "section %s does not fit its allocation",
					  elf_section_name(m, i));
		if (m->sh[i].type == SHT_NOBITS)
			continue;
		src = elf_section_data(m, i);
		if (i == m->this_module && m->this_module_data)
			src = m->this_module_data;
		memcpy(img->bytes + p->offset, src, m->sh[i].size);
	}
	return 0;
}

/* Where the symbol table copy is, and the loaded bytes of entry i. */
static const uint8_t *loaded_sym(const struct elf_module *m, const struct elf_layout *lay,
				 const struct hostsig_elf_loaded *in, size_t i)
{
	const struct elf_placed *p = &lay->sec[m->symndx];

	return in->allocs[p->alloc].bytes + p->offset + i * ELF_SYM_SIZE;
}

static int report_external(struct hostsig_elf_report *rep, const char *name, uint64_t value)
{
	struct hostsig_elf_external *e;

	e = realloc(rep->externals, (rep->nr_externals + 1) * sizeof(*e));
	if (!e)
		return -1;
	rep->externals = e;
	e = &e[rep->nr_externals];
	e->name = strdup(name);
	if (!e->name)
		return -1;
	e->value = value;
	rep->nr_externals++;
	return 0;
}

/*
 * A symbol value that only the guest knows, under a shared base: the first
 * such symbol sets the base, the others must agree.
 */
static int shared_base(uint64_t loaded, uint64_t offset, uint64_t *base, bool *have,
		       const char *what, const char *name, struct hostsig_result *res)
{
	uint64_t b = loaded - offset;

	if (!*have) {
		*base = b;
		*have = true;
		return 0;
	}
	if (b != *base)
		return result_set(res, HOSTSIG_R_LOAD_MISMATCH,
				  "symbol %s: %s base 0x%llx, other symbols say 0x%llx",
				  name, what, (unsigned long long)b, (unsigned long long)*base);
	return 0;
}

static int symbol_values(const struct elf_module *m, const struct elf_layout *lay,
			 const struct hostsig_elf_loaded *in, struct elf_expect *ex,
			 struct hostsig_elf_report *rep, struct hostsig_result *res)
{
	struct elf_values *v = &ex->val;
	uint64_t file_base = in->file_addr;
	bool have_file_base = in->file_addr != 0;

	v->sym = calloc(m->nr_syms ? m->nr_syms : 1, sizeof(*v->sym));
	v->known = calloc(m->nr_syms ? m->nr_syms : 1, sizeof(*v->known));
	if (!v->sym || !v->known)
		return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	for (size_t i = 0; i < m->nr_syms; i++) {
		uint64_t loaded = le64(loaded_sym(m, lay, in, i) + 8);
		const char *name;
		struct elf_sym s;

		elf_sym(m, i, &s);
		name = elf_sym_name(m, &s);
		v->known[i] = true;
		if (i == 0 || s.shndx == SHN_ABS || s.shndx == SHN_COMMON) {
			v->sym[i] = s.value;
		} else if (s.shndx == SHN_LIVEPATCH) {
			return result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE,
					  "livepatch symbol %s: livepatch modules are not modelled", name);
		} else if (s.shndx == SHN_UNDEF) {
			v->sym[i] = loaded;
			if (report_external(rep, name, loaded))
				return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
		} else if (s.shndx >= m->shnum) {
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "symbol %s in section %u of %u", name, s.shndx, m->shnum);
		} else if (s.shndx == m->pcpu && m->pcpu) {
			if (shared_base(loaded, s.value, &v->percpu_base, &v->have_percpu,
					"per-cpu", name, res))
				return -1;
			v->sym[i] = loaded;
		} else if (lay->sec[s.shndx].alloc >= 0) {
			v->sym[i] = lay->sec[s.shndx].addr + s.value;
		} else {
			if (shared_base(loaded, m->sh[s.shndx].offset + s.value, &file_base,
					&have_file_base, "file buffer", name, res))
				return -1;
			v->sym[i] = loaded;
		}
	}
	return 0;
}

bool elf_symbol_value(const struct elf_values *v, size_t i, uint64_t *value)
{
	if (!v->known || !v->known[i])
		return false;
	*value = v->sym[i];
	return true;
}

/* The symbol table copy: the file's entries with simplify_symbols()' values. */
static void symtab_copy(const struct elf_module *m, const struct elf_layout *lay,
			struct elf_expect *ex)
{
	const struct elf_placed *p = &lay->sec[m->symndx];
	uint8_t *t = ex->img[p->alloc].bytes + p->offset;

	for (size_t i = 0; i < m->nr_syms; i++)
		put_le(t + i * ELF_SYM_SIZE + 8, ex->val.sym[i], 8);
}

bool elf_reloc_value(const struct elf_module *m, const struct elf_values *v,
		     const struct elf_rela *r, uint64_t p, uint64_t *val, unsigned int *size)
{
	uint64_t s;

	if (r->sym >= m->nr_syms || !elf_symbol_value(v, r->sym, &s))
		return false;
	*val = s + (uint64_t)r->addend;
	switch (r->type) {
	case R_X86_64_NONE:
		*size = 0;
		return true;
	case R_X86_64_64:
		*size = 8;
		return true;
	case R_X86_64_32:
		*size = 4;
		return *val == (uint32_t)*val;
	case R_X86_64_32S:
		*size = 4;
		return (int64_t)*val == (int32_t)*val;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		*val -= p;
		*size = 4;
		return true;
	case R_X86_64_PC64:
		*val -= p;
		*size = 8;
		return true;
	}
	return false;
}

static int apply_section(const struct elf_module *m, const struct elf_layout *lay,
			 struct elf_expect *ex, unsigned int rs, struct hostsig_result *res)
{
	unsigned int target = m->sh[rs].info;
	const struct elf_placed *p = &lay->sec[target];
	struct elf_image *img = &ex->img[p->alloc];
	size_t n = elf_nr_relas(m, rs);

	for (size_t k = 0; k < n; k++) {
		static const uint8_t zero[8];
		struct elf_rela r;
		unsigned int size;
		uint64_t val, off;

		elf_rela(m, rs, k, &r);
		off = p->offset + r.offset;
		if (!elf_reloc_value(m, &ex->val, &r, p->addr + r.offset, &val, &size))
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "%s[%zu]: relocation type %u (symbol %u) the kernel refuses",
					  elf_section_name(m, rs), k, r.type, r.sym);
		if (!size)
			continue;
		if (r.offset > m->sh[target].size || off > img->len || size > img->len - off)
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "%s[%zu]: relocation outside its allocation",
					  elf_section_name(m, rs), k);
		if (memcmp(img->bytes + off, zero, size))
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "%s[%zu]: relocation target not zero, which the kernel refuses",
					  elf_section_name(m, rs), k);
		put_le(img->bytes + off, val, size);
	}
	return 0;
}

static int apply_relocations(const struct elf_module *m, const struct elf_layout *lay,
			     struct elf_expect *ex, struct hostsig_result *res)
{
	for (unsigned int i = 1; i < m->shnum; i++) {
		unsigned int target = m->sh[i].info;

		if (target >= m->shnum || !(lay->sec[target].flags & SHF_ALLOC) ||
		    lay->sec[target].alloc < 0)
			continue;
		if (m->sh[i].flags & SHF_RELA_LIVEPATCH)
			return result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE,
					  "livepatch relocations (%s) are not modelled",
					  elf_section_name(m, i));
		if (m->sh[i].type == SHT_REL)
			return result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE,
					  "SHT_REL section %s, which x86-64 refuses",
					  elf_section_name(m, i));
		if (m->sh[i].type == SHT_RELA && apply_section(m, lay, ex, i, res))
			return -1;
	}
	return 0;
}

static int add_range(struct hostsig_elf_report *rep, enum hostsig_elf_range_kind kind,
		     unsigned int alloc, uint64_t off, uint64_t size)
{
	struct hostsig_elf_range *r;

	if (!size)
		return 0;
	/* adjacent ranges of one kind in one allocation are one range */
	if (rep->nr_ranges) {
		r = &rep->ranges[rep->nr_ranges - 1];
		if (r->kind == kind && r->alloc == alloc && r->offset + r->size >= off &&
		    r->offset <= off) {
			if (off + size > r->offset + r->size)
				r->size = off + size - r->offset;
			return 0;
		}
	}
	if (rep->nr_ranges >= HOSTSIG_ELF_MAX_RANGES)
		return 0;
	r = realloc(rep->ranges, (rep->nr_ranges + 1) * sizeof(*r));
	if (!r)
		return -1;
	rep->ranges = r;
	r[rep->nr_ranges++] = (struct hostsig_elf_range){
		.kind = kind, .alloc = alloc, .offset = off, .size = size,
	};
	return 0;
}

/*
 * struct module is the loader's working state from the moment it is
 * copied: nothing in it is the file's but the relocated init and exit
 * pointers, which stay exact.
 */
static int module_struct(const struct elf_module *m, const struct elf_layout *lay,
			 struct elf_expect *ex, struct hostsig_elf_report *rep)
{
	const struct elf_placed *p;
	struct elf_image *img;
	uint8_t *keep;

	if (!m->this_module || lay->sec[m->this_module].alloc < 0)
		return 0;
	p = &lay->sec[m->this_module];
	img = &ex->img[p->alloc];
	keep = calloc(1, m->sh[m->this_module].size + 1);
	if (!keep)
		return -1;
	for (unsigned int i = 1; i < m->shnum; i++) {
		if (m->sh[i].type != SHT_RELA || m->sh[i].info != m->this_module)
			continue;
		for (size_t k = 0; k < elf_nr_relas(m, i); k++) {
			struct elf_rela r;
			uint64_t val;
			unsigned int size;

			elf_rela(m, i, k, &r);
			if (elf_reloc_value(m, &ex->val, &r, 0, &val, &size) &&
			    r.offset <= m->sh[m->this_module].size &&
			    size <= m->sh[m->this_module].size - r.offset)
				memset(keep + r.offset, 1, size);
		}
	}
	for (uint64_t b = 0; b < m->sh[m->this_module].size; b++)
		if (!keep[b])
			img->state[p->offset + b] = BYTE_UNVERIFIED;
	free(keep);
	return add_range(rep, HOSTSIG_ELF_RANGE_MODULE_STRUCT, (unsigned int)p->alloc,
			 p->offset, m->sh[m->this_module].size);
}

/* elf_type(): the letter nm would print, from the loader's view of the sections. */
static char elf_type(const struct elf_module *m, const struct elf_layout *lay,
		     const struct elf_sym *s)
{
	uint64_t flags;

	if ((s->info >> 4) == STB_WEAK)
		return (s->info & 0xf) == 1 ? 'v' : 'w';	/* STT_OBJECT */
	if (s->shndx == SHN_UNDEF)
		return 'U';
	if (s->shndx == SHN_ABS || s->shndx == m->pcpu)
		return 'a';
	if (s->shndx >= SHN_LORESERVE || s->shndx >= m->shnum)
		return '?';
	flags = lay->sec[s->shndx].flags;
	if (flags & SHF_EXECINSTR)
		return 't';
	if ((flags & SHF_ALLOC) && m->sh[s->shndx].type != SHT_NOBITS)
		return (flags & SHF_WRITE) ? 'd' : 'r';
	if (m->sh[s->shndx].type == SHT_NOBITS)
		return 'b';
	if (!strncmp(elf_section_name(m, s->shndx), ".debug", 6))
		return 'n';
	return '?';
}

/* is_core_symbol() as add_kallsyms() calls it: after the layout. */
static bool core_symbol(const struct elf_module *m, const struct elf_layout *lay,
			const struct elf_sym *s)
{
	const struct elf_placed *p;

	if (s->shndx == SHN_UNDEF || s->shndx >= m->shnum || !s->name)
		return false;
	if (m->pcpu && s->shndx == m->pcpu)
		return true;
	p = &lay->sec[s->shndx];
	if (!(p->flags & SHF_ALLOC) || p->alloc < 0)
		return false;
	return p->mem != HOSTSIG_ELF_MEM_INIT_TEXT && p->mem != HOSTSIG_ELF_MEM_INIT_DATA &&
	       p->mem != HOSTSIG_ELF_MEM_INIT_RODATA;
}

/*
 * The tables add_kallsyms() builds from the symbol table copy: struct
 * mod_kallsyms and a type letter per symbol in init data; the core
 * symbols, their names and letters at the end of data. All of it follows
 * from the file and the symbol values, so all of it is checked.
 */
static int kallsyms(const struct elf_module *m, const struct elf_layout *lay,
		    struct elf_expect *ex, struct hostsig_result *res)
{
	bool v61 = lay->kernel == HOSTSIG_ELF_KERNEL_6_1;
	unsigned int data = v61 ? HOSTSIG_ELF_MEM_TEXT : HOSTSIG_ELF_MEM_DATA;
	unsigned int init = v61 ? HOSTSIG_ELF_MEM_INIT_TEXT : HOSTSIG_ELF_MEM_INIT_DATA;
	int da = lay->mem_alloc[data], ia = lay->mem_alloc[init];
	const struct elf_shdr *str = &m->sh[m->strndx];
	uint8_t *ib, *db, *sym_out, *name_out, *type_out;
	uint64_t names = 0, ndst = 0;

	if (da < 0 || ia < 0 ||
	    lay->init_kallsyms_end > ex->img[ia].len || lay->core_kallsyms_end > ex->img[da].len)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE, "kallsyms tables outside their allocation");
	ib = ex->img[ia].bytes;
	db = ex->img[da].bytes;
	put_le(ib + lay->init_kallsyms_off, lay->sec[m->symndx].addr, 8);
	put_le(ib + lay->init_kallsyms_off + 8, m->nr_syms, 4);
	put_le(ib + lay->init_kallsyms_off + 16, lay->sec[m->strndx].addr, 8);
	put_le(ib + lay->init_kallsyms_off + 24, lay->mem_base[init] + lay->init_typeoffs, 8);
	sym_out = db + lay->core_symoffs;
	name_out = db + lay->core_stroffs;
	type_out = db + lay->core_typeoffs;
	for (size_t i = 0; i < m->nr_syms; i++) {
		struct elf_sym s;
		const char *name;
		size_t len;

		elf_sym(m, i, &s);
		ib[lay->init_typeoffs + i] = (uint8_t)elf_type(m, lay, &s);
		if (i && !core_symbol(m, lay, &s))
			continue;
		name = s.name < str->size ? elf_sym_name(m, &s) : "";
		len = strlen(name);
		if (ndst >= lay->nr_core_syms ||
		    lay->core_stroffs + names + len + 1 > lay->core_typeoffs)
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "core symbols do not fit the room the layout made");
		type_out[ndst] = ib[lay->init_typeoffs + i];
		put_le(sym_out + ndst * ELF_SYM_SIZE, names, 4);
		sym_out[ndst * ELF_SYM_SIZE + 4] = s.info;
		sym_out[ndst * ELF_SYM_SIZE + 5] = s.other;
		put_le(sym_out + ndst * ELF_SYM_SIZE + 6, s.shndx, 2);
		put_le(sym_out + ndst * ELF_SYM_SIZE + 8, ex->val.sym[i], 8);
		put_le(sym_out + ndst * ELF_SYM_SIZE + 16, s.size, 8);
		memcpy(name_out + names, name, len + 1);
		names += len + 1;
		ndst++;
	}
	return 0;
}

/* Writable data, not ro_after_init: where subsystems may have written. */
static bool plain_data(const struct elf_layout *lay, unsigned int sec)
{
	const struct elf_placed *p = &lay->sec[sec];

	return p->alloc >= 0 && (p->flags & SHF_WRITE) && !(p->flags & SHF_EXECINSTR) &&
	       !(p->flags & SHF_RO_AFTER_INIT);
}

/* The object (a sized symbol) of section sec holding offset off. */
static bool object_at(const struct elf_module *m, unsigned int sec, uint64_t off,
		      uint64_t *start, uint64_t *size)
{
	for (size_t i = 1; i < m->nr_syms; i++) {
		struct elf_sym s;

		elf_sym(m, i, &s);
		if (s.shndx != sec || !s.size || off < s.value || off - s.value >= s.size)
			continue;
		*start = s.value;
		*size = s.size;
		return true;
	}
	return false;
}

static int state_object(const struct elf_module *m, const struct elf_layout *lay,
			struct elf_expect *ex, struct hostsig_elf_report *rep,
			unsigned int sec, uint64_t start, uint64_t size)
{
	const struct elf_placed *p = &lay->sec[sec];
	struct elf_image *img = &ex->img[p->alloc];

	if (start > m->sh[sec].size || size > m->sh[sec].size - start)
		return 0;
	memset(img->state + p->offset + start, BYTE_UNVERIFIED, size);
	return add_range(rep, HOSTSIG_ELF_RANGE_SUBSYSTEM, (unsigned int)p->alloc,
			 p->offset + start, size);
}

/* Where relocation r of a table points: section and offset, if to a sized object. */
static bool reloc_target(const struct elf_module *m, const struct elf_rela *r,
			 unsigned int *sec, uint64_t *off)
{
	struct elf_sym s;

	if (!elf_sym(m, r->sym, &s) || s.shndx == SHN_UNDEF || s.shndx >= m->shnum)
		return false;
	*sec = s.shndx;
	*off = s.value + (uint64_t)r->addend;
	return true;
}

/*
 * The objects a table's entries point to, in writable data, and (depth 1)
 * the writable objects those point to: trace_module_notify() registers each
 * struct trace_event_call of _ftrace_events, writing into it, its class
 * and its functions; srcu_module_coming() initialises each struct
 * srcu_struct of ___srcu_struct_ptrs. They are the kernel's state from
 * then on, not the file's; reported, not verified.
 */
static int table_objects(const struct elf_module *m, const struct elf_layout *lay,
			 struct elf_expect *ex, struct hostsig_elf_report *rep,
			 const char *table, bool depth1)
{
	unsigned int t = elf_find_section(m, table, false);

	if (!t)
		return 0;
	for (unsigned int rs = 1; rs < m->shnum; rs++) {
		if (m->sh[rs].type != SHT_RELA || m->sh[rs].info != t)
			continue;
		for (size_t k = 0; k < elf_nr_relas(m, rs); k++) {
			struct elf_rela r;
			unsigned int sec;
			uint64_t off, start, size;

			if (!elf_rela(m, rs, k, &r) || !reloc_target(m, &r, &sec, &off) ||
			    !plain_data(lay, sec) || !object_at(m, sec, off, &start, &size))
				continue;
			if (state_object(m, lay, ex, rep, sec, start, size))
				return -1;
			if (!depth1)
				continue;
			for (unsigned int rs2 = 1; rs2 < m->shnum; rs2++) {
				if (m->sh[rs2].type != SHT_RELA || m->sh[rs2].info != sec)
					continue;
				for (size_t k2 = 0; k2 < elf_nr_relas(m, rs2); k2++) {
					struct elf_rela r2;
					unsigned int sec2;
					uint64_t off2, start2, size2;

					if (!elf_rela(m, rs2, k2, &r2) || r2.offset < start ||
					    r2.offset >= start + size ||
					    !reloc_target(m, &r2, &sec2, &off2) ||
					    !plain_data(lay, sec2) ||
					    !object_at(m, sec2, off2, &start2, &size2))
						continue;
					if (state_object(m, lay, ex, rep, sec2, start2, size2))
						return -1;
				}
			}
		}
	}
	return 0;
}

/* __dyndbg: dynamic debug may switch its descriptors on at load (dyndbg=). */
static int dyndbg(const struct elf_module *m, const struct elf_layout *lay,
		  struct elf_expect *ex, struct hostsig_elf_report *rep)
{
	unsigned int sec = elf_find_section(m, "__dyndbg", true);

	if (!sec || !plain_data(lay, sec))
		return 0;
	return state_object(m, lay, ex, rep, sec, 0, m->sh[sec].size);
}

/*
 * Writable sections: what the guest may change once the module runs, and
 * what only its init may (ro_after_init: .data..ro_after_init and
 * __jump_table, made read-only when init returns).
 */
static int writable(const struct elf_module *m, const struct elf_layout *lay,
		    struct hostsig_elf_report *rep)
{
	for (unsigned int i = 1; i < m->shnum; i++) {
		const struct elf_placed *p = &lay->sec[i];

		if (p->alloc < 0 || !(p->flags & SHF_WRITE) || (p->flags & SHF_EXECINSTR) ||
		    i == m->symndx || i == m->strndx)
			continue;
		if (add_range(rep, (p->flags & SHF_RO_AFTER_INIT) ?
			      HOSTSIG_ELF_RANGE_RO_AFTER_INIT : HOSTSIG_ELF_RANGE_WRITABLE,
			      (unsigned int)p->alloc, p->offset, m->sh[i].size))
			return -1;
	}
	return 0;
}

/*
 * A later capture of a verified load: what the running module and its
 * kernel legitimately write after the load, as the signed file declares
 * it (sections writable for the loader: data, bss, ro_after_init,
 * struct module), is not compared. The tables the kernel sorted and the
 * static keys in them are checked by their own rules afterwards and marked
 * done there; code and read-only data stay exact.
 */
static void skip_writable(const struct elf_module *m, const struct elf_layout *lay,
			  struct elf_expect *ex)
{
	for (unsigned int i = 1; i < m->shnum; i++) {
		const struct elf_placed *p = &lay->sec[i];
		struct elf_image *img;

		if (p->alloc < 0 || !(p->flags & SHF_WRITE) || (p->flags & SHF_EXECINSTR) ||
		    i == m->symndx || i == m->strndx)
			continue;
		img = &ex->img[p->alloc];
		if (p->offset > img->len || m->sh[i].size > img->len - p->offset)
			continue;
		memset(img->state + p->offset, BYTE_WRITABLE, m->sh[i].size);
	}
}

int elf_expect_build(const struct elf_module *m, const struct elf_layout *lay,
		     const struct hostsig_elf_loaded *in, struct elf_expect *ex,
		     struct hostsig_elf_report *rep, struct hostsig_result *res)
{
	memset(ex, 0, sizeof(*ex));
	if (alloc_images(in, ex, res) || copy_sections(m, lay, ex, res) ||
	    symbol_values(m, lay, in, ex, rep, res))
		return -1;
	symtab_copy(m, lay, ex);
	if (apply_relocations(m, lay, ex, res))
		return -1;
	if (kallsyms(m, lay, ex, res))
		return -1;
	if (module_struct(m, lay, ex, rep) || writable(m, lay, rep) ||
	    table_objects(m, lay, ex, rep, "_ftrace_events", true) ||
	    table_objects(m, lay, ex, rep, "___srcu_struct_ptrs", false) ||
	    dyndbg(m, lay, ex, rep))
		return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	if (in->load_verified)
		skip_writable(m, lay, ex);
	return 0;
}

void elf_expect_release(struct elf_expect *ex)
{
	for (size_t a = 0; a < ex->nr; a++) {
		free(ex->img[a].bytes);
		free(ex->img[a].state);
	}
	free(ex->img);
	free(ex->val.sym);
	free(ex->val.known);
	memset(ex, 0, sizeof(*ex));
}
