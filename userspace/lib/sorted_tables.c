// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tables the kernel rewrites in place while loading a module:
 *
 *   __mcount_loc        sorted by address (ftrace_process_locs())
 *   __ex_table          sorted by instruction address (sort_extable()); the
 *                       self-relative insn and fixup move with their entry
 *   .orc_unwind_ip and  sorted together by address (unwind_module_init())
 *   .orc_unwind
 *   __jump_table        sorted by key then code, each entry's init bit set
 *                       for code in init memory (jump_label_add_module())
 *   .static_call_sites  a key that is a trampoline in the kernel replaced by
 *                       the key the kernel looks up for it (an address only
 *                       the guest knows: the same for every site of that
 *                       trampoline), then sorted by key then address, init
 *                       bit likewise (static_call_add_module())
 *
 * Each is accepted when the loaded table holds exactly the file's entries,
 * as absolute addresses, in any order, with only the bits the kernel sets
 * differing. Besides, the module's own keys get pointers into them:
 *
 *   struct static_key.entries     the first sorted jump entry of the key,
 *                                 keeping the key's type bits
 *   struct static_call_key.mods   a list the kernel allocates (an address
 *                                 only the guest knows; the low bit clear)
 *
 * Whether a key is the module's own is the file's to say: the relocation
 * of the entry's key field names a symbol defined in the module (its key
 * is there, at an address the layout gives) or an undefined one (a key of
 * the kernel or of another module, wherever the guest says it is, which
 * is never inside this module). Where a guest-supplied address lands
 * decides nothing, and no table check ever vouches for bytes of code.
 */
#include <stdlib.h>
#include <string.h>

#include "patchsites.h"

#define ENTRY_MAX	32

struct norm {
	uint8_t b[ENTRY_MAX];
};

static int norm_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct norm));
}

/* An entry in absolute terms; flags the kernel may set are returned apart. */
typedef void (*normalise_fn)(uint64_t entry_addr, const uint8_t *e, struct norm *n,
			     unsigned int *flags);

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* Big-endian so that memcmp() orders by address. */
static void norm_mcount(uint64_t a, const uint8_t *e, struct norm *n, unsigned int *flags)
{
	(void)a;
	put_be64(n->b, le64(e));
	*flags = 0;
}

static uint64_t rel(uint64_t at, const uint8_t *p)
{
	return at + (uint64_t)(int64_t)(int32_t)le32(p);
}

static void norm_extable(uint64_t a, const uint8_t *e, struct norm *n, unsigned int *flags)
{
	put_be64(n->b, rel(a, e));
	put_be64(n->b + 8, rel(a + 4, e + 4));
	memcpy(n->b + 16, e + 8, 4);
	*flags = 0;
}

static void norm_jump(uint64_t a, const uint8_t *e, struct norm *n, unsigned int *flags)
{
	uint64_t key = a + 8 + le64(e + 8);

	put_be64(n->b, key & ~3ull);
	put_be64(n->b + 8, rel(a, e));
	put_be64(n->b + 16, rel(a + 4, e + 4));
	n->b[24] = (uint8_t)(key & 1);		/* branch: never changes */
	*flags = (unsigned int)(key & 2);	/* init */
}

struct table {
	const char *name;
	enum hostsig_elf_site_class cls;
	unsigned int entsize;
	normalise_fn norm;
	uint64_t code_off;		/* where the code address is in struct norm */
};

static const struct table tables[] = {
	{ "__mcount_loc", HOSTSIG_ELF_SITE_MCOUNT_TABLE, 8, norm_mcount, 0 },
	{ "__ex_table", HOSTSIG_ELF_SITE_EX_TABLE, 12, norm_extable, 0 },
	{ "__jump_table", HOSTSIG_ELF_SITE_JUMP_TABLE, 16, norm_jump, 8 },
};

static uint64_t be64_at(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void table_fail(struct ck *ck, const char *name, unsigned int sec, const char *why)
{
	char where[96];

	ck_where(ck, (unsigned int)ck->lay->sec[sec].alloc, ck->lay->sec[sec].offset,
		 where, sizeof(where));
	ck_fail(ck, HOSTSIG_R_LOAD_MISMATCH, "%s at %s: %s", name, where, why);
}

/* The loaded table is a permutation of the file's, flags aside. */
static void check_table(struct ck *ck, const struct table *t)
{
	struct norm *fe = NULL, *me = NULL;
	unsigned int sec, ff, mf;
	const uint8_t *ft, *mt;
	uint64_t base, n;
	bool moved = false;

	if (!ck_section(ck, t->name, &sec))
		return;
	n = ck->m->sh[sec].size / t->entsize;
	ft = ck_table_bytes(ck, sec, false);
	mt = ck_table_bytes(ck, sec, true);
	base = ck->lay->sec[sec].addr;
	fe = calloc(n ? n : 1, sizeof(*fe));
	me = calloc(n ? n : 1, sizeof(*me));
	if (!fe || !me) {
		ck->internal_error = true;
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = base + i * t->entsize;

		t->norm(a, ft + i * t->entsize, &fe[i], &ff);
		t->norm(a, mt + i * t->entsize, &me[i], &mf);
		if (memcmp(&fe[i], &me[i], sizeof(fe[i])))
			moved = true;
		if (mf != ff) {
			/* the one bit the kernel sets: code in init memory */
			uint64_t code = be64_at(me[i].b + t->code_off);

			if (!mf != !ck_in_init(ck, code)) {
				table_fail(ck, t->name, sec, "an init mark on an entry not in init memory");
				goto out;
			}
			moved = true;
		}
	}
	qsort(fe, n, sizeof(*fe), norm_cmp);
	qsort(me, n, sizeof(*me), norm_cmp);
	if (n && memcmp(fe, me, n * sizeof(*fe))) {
		table_fail(ck, t->name, sec, "the entries are not the file's");
		goto out;
	}
	ck->rep->sites[t->cls].total += (unsigned int)n;
	if (moved)
		ck->rep->sites[t->cls].patched += (unsigned int)n;
	/* whatever the trailing bytes: the kernel does not touch them */
	ck_mark_table(ck, (unsigned int)ck->lay->sec[sec].alloc, ck->lay->sec[sec].offset,
		      n * t->entsize, t->name);
	for (uint64_t b = n * t->entsize; b < ck->m->sh[sec].size; b++)
		if (ft[b] != mt[b]) {
			table_fail(ck, t->name, sec, "bytes after the last entry changed");
			break;
		}
out:
	free(fe);
	free(me);
}

enum key_owner { KEY_UNKNOWN, KEY_OWN, KEY_EXTERNAL };

/*
 * Whose key the entry of table sec whose key field is at offset field
 * names, by the file's relocation there: KEY_OWN with its section and
 * offset, KEY_EXTERNAL for an undefined symbol, KEY_UNKNOWN otherwise.
 * The key is the symbol's address plus the addend, less the flag bits.
 */
static enum key_owner table_key(struct ck *ck, unsigned int sec, uint64_t field,
				unsigned int *ksec, uint64_t *koff)
{
	struct elf_rela r;
	struct elf_sym sym;

	if (!ck_reloc_at(ck, sec, field, &r) || !elf_sym(ck->m, r.sym, &sym))
		return KEY_UNKNOWN;
	if (sym.shndx == SHN_UNDEF)
		return KEY_EXTERNAL;
	if (sym.shndx >= ck->m->shnum || ck->lay->sec[sym.shndx].alloc < 0)
		return KEY_UNKNOWN;
	*ksec = sym.shndx;
	*koff = (sym.value + (uint64_t)r.addend) & ~3ull;
	return KEY_OWN;
}

/*
 * The pointer field at offset field of the module's own key at koff of
 * section ksec: its allocation and offset, false (unsupported) when the
 * key does not fit its section or lies in code.
 */
static bool own_key_field(struct ck *ck, unsigned int ksec, uint64_t koff, uint64_t field,
			  const char *what, unsigned int *alloc, uint64_t *off)
{
	const struct elf_placed *p = &ck->lay->sec[ksec];

	if (koff > ck->m->sh[ksec].size || ck->m->sh[ksec].size - koff < field + 8) {
		ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE, "%s at %s+0x%llx does not fit its section",
			what, elf_section_name(ck->m, ksec), (unsigned long long)koff);
		return false;
	}
	*alloc = (unsigned int)p->alloc;
	*off = p->offset + koff + field;
	if ((p->flags & SHF_EXECINSTR) || ck_exec_bytes(ck, *alloc, *off, 8)) {
		ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE, "%s at %s+0x%llx is in executable memory",
			what, elf_section_name(ck->m, ksec), (unsigned long long)koff);
		return false;
	}
	return true;
}

struct sc_entry {
	uint64_t addr, key;
	unsigned int flags;
	enum key_owner owner;		/* the file's entries only */
};

static int sc_by_addr(const void *a, const void *b)
{
	const struct sc_entry *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The entries of a .static_call_sites (section sec: whose keys, for the file's), by address. */
static void sc_read(struct ck *ck, unsigned int sec, bool loaded, uint64_t n, struct sc_entry *e)
{
	const uint8_t *t = ck_table_bytes(ck, sec, loaded);
	uint64_t base = ck->lay->sec[sec].addr;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t key = rel(base + 8 * i + 4, t + 8 * i + 4), koff;
		unsigned int ksec;

		e[i] = (struct sc_entry){ rel(base + 8 * i, t + 8 * i), key & ~3ull,
					  (unsigned int)(key & 3), KEY_UNKNOWN };
		if (!loaded)
			e[i].owner = table_key(ck, sec, 8 * i + 4, &ksec, &koff);
	}
	qsort(e, n, sizeof(*e), sc_by_addr);
}

/*
 * .static_call_sites, paired by site address (unique): the tail bit kept,
 * the init bit as the kernel sets it, and the key either the file's or, for
 * an undefined key symbol (a trampoline of the kernel), what the kernel
 * looked up for it: one key per trampoline, never inside the module.
 */
static void check_static_call_table(struct ck *ck)
{
	struct sc_entry *fe = NULL, *me = NULL;
	struct keyed_wild_map { uint64_t from, to; } *map = NULL;
	size_t nr_map = 0;
	unsigned int sec;
	uint64_t n;
	bool moved = false;
	const char *why = NULL;

	if (!ck_section(ck, ".static_call_sites", &sec))
		return;
	n = ck->m->sh[sec].size / 8;
	fe = calloc(n ? n : 1, sizeof(*fe));
	me = calloc(n ? n : 1, sizeof(*me));
	map = calloc(n ? n : 1, sizeof(*map));
	if (!fe || !me || !map) {
		ck->internal_error = true;
		goto out;
	}
	sc_read(ck, sec, false, n, fe);
	sc_read(ck, sec, true, n, me);
	moved = memcmp(ck_table_bytes(ck, sec, false), ck_table_bytes(ck, sec, true), n * 8);
	for (uint64_t i = 0; i < n && !why; i++) {
		size_t k;

		if (fe[i].addr != me[i].addr) {
			why = "the sites are not the file's";
			break;
		}
		if ((fe[i].flags & 1) != (me[i].flags & 1)) {
			why = "a tail call mark changed";
			break;
		}
		if ((me[i].flags & 2) != (fe[i].flags & 2) &&
		    !(me[i].flags & 2) != !ck_in_init(ck, me[i].addr)) {
			why = "an init mark on a site not in init memory";
			break;
		}
		if (fe[i].owner == KEY_UNKNOWN) {
			ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE,
				".static_call_sites: the key of the site at 0x%llx is neither the module's nor undefined",
				(unsigned long long)fe[i].addr);
			goto out;
		}
		if (me[i].key == fe[i].key)
			continue;
		if (fe[i].owner == KEY_OWN) {
			why = "a key of the module itself changed";
			break;
		}
		if (!ck_guest_target(ck, NULL, me[i].key, "the static call key the kernel looked up"))
			goto out;
		for (k = 0; k < nr_map && map[k].from != fe[i].key; k++)
			;
		if (k == nr_map) {
			map[nr_map++] = (struct keyed_wild_map){ fe[i].key, me[i].key };
			ck_fact(ck, 'C', fe[i].key, me[i].key);
		} else if (map[k].to != me[i].key) {
			why = "sites of one trampoline have different keys";
		}
	}
	if (why) {
		table_fail(ck, ".static_call_sites", sec, why);
		goto out;
	}
	ck->rep->sites[HOSTSIG_ELF_SITE_STATIC_CALL_TABLE].total += (unsigned int)n;
	if (moved)
		ck->rep->sites[HOSTSIG_ELF_SITE_STATIC_CALL_TABLE].patched += (unsigned int)n;
	ck_mark_table(ck, (unsigned int)ck->lay->sec[sec].alloc, ck->lay->sec[sec].offset, n * 8,
		      ".static_call_sites");
out:
	free(fe);
	free(me);
	free(map);
}

/* .orc_unwind_ip and .orc_unwind, sorted as pairs. */
static void check_orc(struct ck *ck)
{
	unsigned int ipsec, osec;
	const uint8_t *fip, *mip, *fo, *mo;
	struct norm *fe = NULL, *me = NULL;
	uint64_t n, base;
	bool moved = false;

	if (!ck_section(ck, ".orc_unwind_ip", &ipsec) || !ck_section(ck, ".orc_unwind", &osec))
		return;
	n = ck->m->sh[ipsec].size / 4;
	if (ck->m->sh[osec].size != n * 6 || ck->m->sh[ipsec].size % 4) {
		ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE,
			".orc_unwind and .orc_unwind_ip do not pair up");
		return;
	}
	fip = ck_table_bytes(ck, ipsec, false);
	mip = ck_table_bytes(ck, ipsec, true);
	fo = ck_table_bytes(ck, osec, false);
	mo = ck_table_bytes(ck, osec, true);
	base = ck->lay->sec[ipsec].addr;
	fe = calloc(n ? n : 1, sizeof(*fe));
	me = calloc(n ? n : 1, sizeof(*me));
	if (!fe || !me) {
		ck->internal_error = true;
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		put_be64(fe[i].b, rel(base + 4 * i, fip + 4 * i));
		put_be64(me[i].b, rel(base + 4 * i, mip + 4 * i));
		memcpy(fe[i].b + 8, fo + 6 * i, 6);
		memcpy(me[i].b + 8, mo + 6 * i, 6);
		if (memcmp(&fe[i], &me[i], sizeof(fe[i])))
			moved = true;
	}
	qsort(fe, n, sizeof(*fe), norm_cmp);
	qsort(me, n, sizeof(*me), norm_cmp);
	if (n && memcmp(fe, me, n * sizeof(*fe))) {
		table_fail(ck, ".orc_unwind_ip", ipsec, "the entries are not the file's");
		goto out;
	}
	ck->rep->sites[HOSTSIG_ELF_SITE_ORC].total += (unsigned int)n;
	if (moved)
		ck->rep->sites[HOSTSIG_ELF_SITE_ORC].patched += (unsigned int)n;
	ck_mark_table(ck, (unsigned int)ck->lay->sec[ipsec].alloc, ck->lay->sec[ipsec].offset,
		      n * 4, ".orc_unwind_ip");
	ck_mark_table(ck, (unsigned int)ck->lay->sec[osec].alloc, ck->lay->sec[osec].offset,
		      n * 6, ".orc_unwind");
out:
	free(fe);
	free(me);
}

/*
 * Once another module that uses one of this module's keys is loaded,
 * jump_label_add_module() turns the key's entries into a list it
 * allocates (static_key_set_mod(), JUMP_TYPE_LINKED), keeping the key's
 * type: a kernel pointer with the linked bit, never into the module.
 */
static bool static_key_linked(struct ck *ck, uint64_t file, uint64_t val)
{
	uint64_t ptr = val & ~3ull;

	return (val & 2) && (val & 1) == (file & 1) && (ptr >> 63) &&
	       ck_guest_target(ck, NULL, ptr, "a static key's list of modules");
}

/*
 * The module's own static keys: static_key_set_entries() points .entries
 * at the key's first jump entry (in the sorted table), keeping the type
 * bits. Keys of the kernel or other modules are not in these allocations.
 */
static void check_static_keys(struct ck *ck)
{
	uint64_t *seen = NULL, base, n;
	size_t nr_seen = 0;
	const uint8_t *mt;
	unsigned int sec;

	if (!ck_section(ck, "__jump_table", &sec))
		return;
	mt = ck_table_bytes(ck, sec, true);
	base = ck->lay->sec[sec].addr;
	n = ck->m->sh[sec].size / 16;
	seen = calloc(n ? n : 1, sizeof(*seen));
	if (!seen) {
		ck->internal_error = true;
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t key, koff, off, first = 0, val;
		const uint8_t *e, *m;
		unsigned int ksec, alloc;
		enum key_owner owner;
		char where[96];
		size_t k;

		owner = table_key(ck, sec, i * 16 + 8, &ksec, &koff);
		if (owner == KEY_EXTERNAL)
			continue;
		if (owner == KEY_UNKNOWN) {
			ck_fail(ck, HOSTSIG_R_UNSUPPORTED_SITE,
				"jump label %llu: its key is neither the module's nor undefined",
				(unsigned long long)i);
			continue;
		}
		key = ck->lay->sec[ksec].addr + koff;
		for (k = 0; k < nr_seen && seen[k] != key; k++)
			;
		if (k < nr_seen)
			continue;	/* each key once */
		seen[nr_seen++] = key;
		if (!own_key_field(ck, ksec, koff, 8, "static key", &alloc, &off))
			continue;
		/* the first entry of this key in the loaded (sorted) table */
		for (uint64_t j = 0; j < n && !first; j++) {
			uint64_t aj = base + j * 16;

			if (((aj + 8 + le64(mt + j * 16 + 8)) & ~3ull) == key)
				first = aj;
		}
		e = ck->ex->img[alloc].bytes + off;
		m = ck->in->allocs[alloc].bytes + off;
		val = le64(m);
		ck->rep->sites[HOSTSIG_ELF_SITE_STATIC_KEY].total++;
		ck_mark_table(ck, alloc, off, 8, "a static key's entries");
		if (!memcmp(e, m, 8))
			continue;
		if ((first && val == (first | (le64(e) & 3))) ||
		    (ck->in->load_verified && static_key_linked(ck, le64(e), val))) {
			ck->rep->sites[HOSTSIG_ELF_SITE_STATIC_KEY].patched++;
			continue;
		}
		ck_where(ck, alloc, off, where, sizeof(where));
		ck_fail(ck, HOSTSIG_R_LOAD_MISMATCH,
			"static key at %s points to 0x%llx, not to its jump entries",
			where, (unsigned long long)val);
	}
	free(seen);
}

/* The module's own static call keys: .mods becomes a list the kernel allocates. */
static void check_static_call_keys(struct ck *ck)
{
	unsigned int sec;
	uint64_t n;

	if (!ck_section(ck, ".static_call_sites", &sec))
		return;
	n = ck->m->sh[sec].size / 8;
	for (uint64_t i = 0; i < n; i++) {
		unsigned int ksec, alloc;
		uint64_t koff, off, val;
		const uint8_t *e;
		char where[96];

		if (table_key(ck, sec, i * 8 + 4, &ksec, &koff) != KEY_OWN ||
		    !own_key_field(ck, ksec, koff, 8, "static call key", &alloc, &off) ||
		    ck->ex->img[alloc].state[off] == BYTE_DONE)
			continue;	/* not the module's (the table check says why), or seen */
		e = ck->ex->img[alloc].bytes + off;
		val = le64(ck->in->allocs[alloc].bytes + off);
		ck_mark_table(ck, alloc, off, 8, "a static call key's mods");
		ck->rep->sites[HOSTSIG_ELF_SITE_STATIC_KEY].total++;
		if (val == le64(e))
			continue;
		ck->rep->sites[HOSTSIG_ELF_SITE_STATIC_KEY].patched++;
		/* a kernel pointer to a struct static_call_mod (4- or 5-level
		 * paging): the low bit clear, the top bit set, not in the module */
		if ((val & 1) || !(val >> 63)) {
			ck_where(ck, alloc, off, where, sizeof(where));
			ck_fail(ck, HOSTSIG_R_LOAD_MISMATCH,
				"static call key at %s holds 0x%llx, not a list of its sites",
				where, (unsigned long long)val);
			continue;
		}
		ck_guest_target(ck, NULL, val, "a static call key's list of sites");
	}
}

void tables_check(struct ck *ck)
{
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		check_table(ck, &tables[i]);
	check_static_call_table(ck);
	check_orc(ck);
	check_static_keys(ck);
	check_static_call_keys(ck);
}
