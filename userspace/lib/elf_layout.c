// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where the guest kernel put each section: layout_sections() and
 * layout_symtab() of kernel/module/main.c and kallsyms.c, replayed for the
 * kernel series the module was built for.
 *
 * Both series walk the sections five times (executable; read-only;
 * ro_after_init; writable; the rest), core sections first, then those whose
 * name starts with ".init" (exit sections stay in core: Debian builds with
 * MODULE_UNLOAD). Each section goes at the end of its memory, aligned to
 * its sh_addralign (ALIGN() of the kernel, which assumes a power of two).
 *
 * 6.1 keeps two allocations: core_layout (text, rodata, ro_after_init,
 * data, each class page-aligned by strict_align() since STRICT_MODULE_RWX)
 * and init_layout (init text, rodata, data). 6.12 keeps one allocation per
 * enum mod_mem_type, each page-aligned when allocated. The symbol and string
 * tables are appended to init data, then struct mod_kallsyms and a type
 * byte per symbol; a cut-down copy (core symbols) goes at the end of data.
 *
 * In this file a 6.1 module's core sections are all in HOSTSIG_ELF_MEM_TEXT
 * and its init sections in HOSTSIG_ELF_MEM_INIT_TEXT: the tags of its two
 * allocations.
 */
#include <stdlib.h>
#include <string.h>

#include "elfmod.h"

#define MOD_KALLSYMS_SIZE	32	/* struct mod_kallsyms on x86-64 */
#define MOD_KALLSYMS_ALIGN	8
#define UNPLACED		UINT64_MAX
#define MAX_MEM_SIZE		(256u << 20)

/* The kernel's ALIGN(): mask arithmetic, whatever the alignment. */
static uint64_t kalign(uint64_t v, uint64_t a)
{
	if (a == 0)
		a = 1;
	return (v + a - 1) & ~(a - 1);
}

static uint64_t page_align(uint64_t v)
{
	return kalign(v, KERNEL_PAGE_SIZE);
}

struct layout_state {
	const struct elf_module *m;
	struct elf_layout *lay;
	uint64_t *flags;		/* sh_flags as the loader sees them */
	uint64_t *placed;		/* offset in the slot, UNPLACED */
	unsigned int *slot;		/* enum hostsig_elf_mem */
	bool overflow;
};

static uint64_t place(struct layout_state *st, unsigned int slot, unsigned int i)
{
	uint64_t *size = &st->lay->mem_size[slot];
	uint64_t off = kalign(*size, st->m->sh[i].addralign);

	if (st->m->sh[i].size > MAX_MEM_SIZE || off > MAX_MEM_SIZE) {
		st->overflow = true;
		*size = MAX_MEM_SIZE;
	} else {
		*size = off + st->m->sh[i].size;
	}
	st->placed[i] = off;
	st->slot[i] = slot;
	return off;
}

static bool is_init(const struct elf_module *m, unsigned int i)
{
	return !strncmp(elf_section_name(m, i), ".init", 5);
}

static const uint64_t masks[5][2] = {
	{ SHF_EXECINSTR | SHF_ALLOC, 0 },
	{ SHF_ALLOC, SHF_WRITE },
	{ SHF_RO_AFTER_INIT | SHF_ALLOC, 0 },
	{ SHF_WRITE | SHF_ALLOC, 0 },
	{ SHF_ALLOC, 0 },
};

static bool takes(const struct layout_state *st, unsigned int m, unsigned int i, bool init)
{
	uint64_t f = st->flags[i];

	return (f & masks[m][0]) == masks[m][0] && !(f & masks[m][1]) &&
	       st->placed[i] == UNPLACED && is_init(st->m, i) == init;
}

/* 6.1: one size per layout, strict_align() between the classes. */
static void layout_6_1(struct layout_state *st)
{
	uint64_t *core = &st->lay->mem_size[HOSTSIG_ELF_MEM_TEXT];
	uint64_t *init = &st->lay->mem_size[HOSTSIG_ELF_MEM_INIT_TEXT];

	for (unsigned int m = 0; m < 5; m++) {
		for (unsigned int i = 0; i < st->m->shnum; i++)
			if (takes(st, m, i, false))
				place(st, HOSTSIG_ELF_MEM_TEXT, i);
		if (m != 3)
			*core = page_align(*core);
		if (m == 0)
			st->lay->text_size = *core;
		if (m == 1)
			st->lay->ro_size = *core;
		if (m == 2)
			st->lay->ro_after_init_size = *core;
	}
	for (unsigned int m = 0; m < 5; m++) {
		for (unsigned int i = 0; i < st->m->shnum; i++)
			if (takes(st, m, i, true))
				place(st, HOSTSIG_ELF_MEM_INIT_TEXT, i);
		if (m == 0 || m == 1 || m == 4)
			*init = page_align(*init);
		if (m == 0)
			st->lay->init_text_size = *init;
		if (m == 1)
			st->lay->init_ro_size = *init;
	}
}

/* 6.12: one size per memory type. */
static void layout_6_12(struct layout_state *st)
{
	static const unsigned int core_type[5] = {
		HOSTSIG_ELF_MEM_TEXT, HOSTSIG_ELF_MEM_RODATA, HOSTSIG_ELF_MEM_RO_AFTER_INIT,
		HOSTSIG_ELF_MEM_DATA, HOSTSIG_ELF_MEM_DATA,
	};
	static const unsigned int init_type[5] = {
		HOSTSIG_ELF_MEM_INIT_TEXT, HOSTSIG_ELF_MEM_INIT_RODATA, 0,
		HOSTSIG_ELF_MEM_INIT_DATA, HOSTSIG_ELF_MEM_INIT_DATA,
	};

	for (int init = 0; init < 2; init++)
		for (unsigned int m = 0; m < 5; m++)
			for (unsigned int i = 0; i < st->m->shnum; i++) {
				unsigned int type = init ? init_type[m] : core_type[m];

				if (!takes(st, m, i, init))
					continue;
				if (type)	/* the kernel warns and skips it */
					place(st, type, i);
			}
}

/* is_core_symbol(), with the flags and placement of the moment. */
static bool core_symbol(const struct layout_state *st, const struct elf_sym *s)
{
	const struct elf_module *m = st->m;

	if (s->shndx == SHN_UNDEF || s->shndx >= m->shnum || !s->name)
		return false;
	if (s->shndx == m->pcpu && m->pcpu)
		return true;
	if (!(st->flags[s->shndx] & SHF_ALLOC))
		return false;
	if (st->lay->kernel == HOSTSIG_ELF_KERNEL_6_1)
		return st->slot[s->shndx] != HOSTSIG_ELF_MEM_INIT_TEXT;
	return st->slot[s->shndx] < HOSTSIG_ELF_MEM_INIT_TEXT;
}

static void layout_symtab(struct layout_state *st)
{
	const struct elf_module *m = st->m;
	struct elf_layout *lay = st->lay;
	bool v61 = lay->kernel == HOSTSIG_ELF_KERNEL_6_1;
	unsigned int init_slot = v61 ? HOSTSIG_ELF_MEM_INIT_TEXT : HOSTSIG_ELF_MEM_INIT_DATA;
	unsigned int data_slot = v61 ? HOSTSIG_ELF_MEM_TEXT : HOSTSIG_ELF_MEM_DATA;
	const struct elf_shdr *str = &m->sh[m->strndx];
	uint64_t strtab_size = 0, ndst = 0, *data, *init;

	st->flags[m->symndx] |= SHF_ALLOC;
	place(st, init_slot, m->symndx);
	for (size_t i = 0; i < m->nr_syms; i++) {
		struct elf_sym s;

		elf_sym(m, i, &s);
		if (i == 0 || core_symbol(st, &s)) {
			/* strlen(), bounded by the (terminated) string table */
			if (s.name < str->size)
				strtab_size += strlen(elf_sym_name(m, &s)) + 1;
			else
				st->overflow = true;
			ndst++;
		}
	}
	data = &lay->mem_size[data_slot];
	lay->core_symoffs = kalign(*data, m->sh[m->symndx].addralign);
	lay->core_stroffs = *data = lay->core_symoffs + ndst * ELF_SYM_SIZE;
	*data += strtab_size;
	lay->core_typeoffs = *data;
	*data += ndst;
	lay->core_kallsyms_end = *data;
	lay->nr_core_syms = (unsigned int)ndst;
	if (v61)
		*data = page_align(*data);

	st->flags[m->strndx] |= SHF_ALLOC;
	place(st, init_slot, m->strndx);
	init = &lay->mem_size[init_slot];
	*init = kalign(*init, MOD_KALLSYMS_ALIGN);
	lay->init_kallsyms_off = *init;
	*init += MOD_KALLSYMS_SIZE;
	lay->init_typeoffs = *init;
	*init += m->nr_syms;
	lay->init_kallsyms_end = *init;
	if (v61)
		*init = page_align(*init);
}

/* The flags the loader lays out with (rewrite_section_headers(), layout_and_allocate()). */
static void loader_flags(const struct elf_module *m, uint64_t *flags)
{
	unsigned int n;

	for (unsigned int i = 0; i < m->shnum; i++)
		flags[i] = m->sh[i].flags;
	n = elf_find_section(m, "__versions", true);
	flags[n] &= ~(uint64_t)SHF_ALLOC;
	n = elf_find_section(m, ".modinfo", true);
	flags[n] &= ~(uint64_t)SHF_ALLOC;
	n = elf_find_section(m, ".data..percpu", true);
	flags[n] &= ~(uint64_t)SHF_ALLOC;
	n = elf_find_section(m, ".data..ro_after_init", true);
	if (n)
		flags[n] |= SHF_RO_AFTER_INIT;
	n = elf_find_section(m, "__jump_table", true);
	if (n)
		flags[n] |= SHF_RO_AFTER_INIT;
	flags[0] = 0;
}

/*
 * The file has verified by now and its loader is modelled, so the set of
 * allocations and their sizes follow from signed bytes: one the file does
 * not make, or of another size, is a loaded image that is not what the file
 * becomes (load_mismatch), not a structure this verifier fails to read.
 */
static int map_allocations(const struct elf_module *m, const struct hostsig_elf_loaded *in,
			   struct elf_layout *lay, struct hostsig_result *res)
{
	for (unsigned int t = 1; t < HOSTSIG_ELF_MEM_NR; t++)
		lay->mem_alloc[t] = -1;
	for (size_t a = 0; a < in->nr_allocs; a++) {
		unsigned int t = in->allocs[a].tag;
		uint64_t need = lay->mem_size[t];

		if (!need)
			return result_set(res, HOSTSIG_R_LOAD_MISMATCH,
					  "an allocation tagged %s, but %s %s module has none",
					  hostsig_elf_mem_name(t),
					  hostsig_elf_kernel_name(lay->kernel), m->name ? m->name : "");
		if (in->allocs[a].len < need || in->allocs[a].len > page_align(need))
			return result_set(res, HOSTSIG_R_LOAD_MISMATCH,
					  "allocation %s holds 0x%zx bytes, the layout 0x%llx",
					  hostsig_elf_mem_name(t), in->allocs[a].len,
					  (unsigned long long)need);
		lay->mem_alloc[t] = (int)a;
		lay->mem_base[t] = in->allocs[a].addr;
	}
	for (unsigned int t = 1; t < HOSTSIG_ELF_MEM_NR; t++)
		if (lay->mem_size[t] && lay->mem_alloc[t] < 0)
			return result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE,
					  "the %s allocation (0x%llx bytes) was not captured",
					  hostsig_elf_mem_name(t),
					  (unsigned long long)lay->mem_size[t]);
	return 0;
}

int elf_layout(const struct elf_module *m, const struct hostsig_elf_loaded *in,
	       struct elf_layout *lay, struct hostsig_result *res)
{
	struct layout_state st = { .m = m, .lay = lay };
	int ret = -1;

	memset(lay, 0, sizeof(*lay));
	lay->kernel = m->kernel;
	lay->sec = calloc(m->shnum, sizeof(*lay->sec));
	st.flags = calloc(m->shnum, sizeof(*st.flags));
	st.placed = calloc(m->shnum, sizeof(*st.placed));
	st.slot = calloc(m->shnum, sizeof(*st.slot));
	if (!lay->sec || !st.flags || !st.placed || !st.slot) {
		result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
		goto out;
	}
	for (unsigned int i = 0; i < m->shnum; i++)
		st.placed[i] = UNPLACED;
	loader_flags(m, st.flags);
	if (m->kernel == HOSTSIG_ELF_KERNEL_6_1)
		layout_6_1(&st);
	else
		layout_6_12(&st);
	layout_symtab(&st);
	if (st.overflow) {
		result_set(res, HOSTSIG_R_UNREADABLE_IMAGE, "sections too large to lay out");
		goto out;
	}
	if (map_allocations(m, in, lay, res))
		goto out;
	for (unsigned int i = 0; i < m->shnum; i++) {
		struct elf_placed *p = &lay->sec[i];

		p->alloc = -1;
		p->flags = st.flags[i];
		if (st.placed[i] == UNPLACED)
			continue;
		p->mem = st.slot[i];
		p->alloc = lay->mem_alloc[p->mem];
		p->offset = st.placed[i];
		p->addr = lay->mem_base[p->mem] + p->offset;
	}
	ret = 0;
out:
	free(st.flags);
	free(st.placed);
	free(st.slot);
	return ret;
}

void elf_layout_release(struct elf_layout *lay)
{
	free(lay->sec);
	lay->sec = NULL;
}

bool elf_layout_find(const struct elf_layout *lay, const struct hostsig_elf_loaded *in,
		     uint64_t addr, uint64_t len, unsigned int *alloc, uint64_t *off)
{
	for (unsigned int t = 1; t < HOSTSIG_ELF_MEM_NR; t++) {
		int a = lay->mem_alloc[t];

		if (a < 0 || addr < in->allocs[a].addr)
			continue;
		if (addr - in->allocs[a].addr > in->allocs[a].len ||
		    len > in->allocs[a].len - (addr - in->allocs[a].addr))
			continue;
		*alloc = (unsigned int)a;
		*off = addr - in->allocs[a].addr;
		return true;
	}
	return false;
}

static bool overlaps(uint64_t addr, uint64_t len, uint64_t start, uint64_t size)
{
	if (!len || !size)
		return false;
	if (addr >= start)
		return addr - start < size;
	return start - addr < len;
}

bool elf_in_component(const struct hostsig_elf_loaded *in, uint64_t addr, uint64_t len,
		      bool core_only)
{
	for (size_t a = 0; a < in->nr_allocs; a++) {
		if (core_only && in->allocs[a].tag >= HOSTSIG_ELF_MEM_INIT_TEXT)
			continue;
		if (overlaps(addr, len, in->allocs[a].addr, in->allocs[a].len))
			return true;
	}
	return !core_only && in->file_addr && overlaps(addr, len, in->file_addr, in->file_len);
}

void elf_describe(const struct elf_module *m, const struct elf_layout *lay,
		  unsigned int alloc, uint64_t off, char *buf, size_t len)
{
	unsigned int best = 0;

	for (unsigned int i = 1; i < m->shnum; i++) {
		const struct elf_placed *p = &lay->sec[i];

		if (p->alloc != (int)alloc || off < p->offset ||
		    off - p->offset >= (m->sh[i].size ? m->sh[i].size : 1))
			continue;
		best = i;
		break;
	}
	if (best)
		snprintf(buf, len, "%s+0x%llx", elf_section_name(m, best),
			 (unsigned long long)(off - lay->sec[best].offset));
	else
		snprintf(buf, len, "offset 0x%llx (no section)", (unsigned long long)off);
}
