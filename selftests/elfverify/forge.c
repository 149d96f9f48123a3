// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * forge: what a compromised guest kernel would hand the host, made from an
 * honest capture. Each operation rewrites a capture directory in place so
 * that it stays coherent (every byte the change implies is changed too: a
 * symbol's new value in every relocation against it, a key in the sorted
 * table, every site of a key), which is what makes it an attack rather
 * than noise: with the verifier's rule removed, the capture verifies.
 *
 * usage: forge MODULE.ko DIR OPERATION ARGS...
 *
 *   sct-into-text SYMBOL
 *       SYMBOL (an undefined static call trampoline, __SCT__cond_resched)
 *       resolves 8 bytes before plain code of .text; the table's key
 *       follows, the key's call sites become the NULL (NOP) form, and a
 *       jump is written over the 8 bytes after the "key": where the
 *       module's own static call key keeps its list of sites.
 *   resolve SYMBOL WHERE
 *       An undefined SYMBOL resolves to WHERE, every relocation against it
 *       following (sites in a patched form left as they are).
 *   static-call SYMBOL WHERE
 *       Every static call site whose key is SYMBOL calls (jumps to, for a
 *       tail call) WHERE.
 *   static-call-tramp SYMBOL WHERE
 *       The module's own trampoline SYMBOL (__SCT__<name>) jumps to WHERE.
 *   return-thunk WHERE
 *       Every return site jumps to WHERE.
 *   paravirt WHERE
 *       Every paravirt site (6.1) calls WHERE, padded with NOPs.
 *   pv-slot WHERE
 *       Every paravirt call patched as an alternative with
 *       ALT_FLAG_DIRECT_CALL (6.12) calls WHERE.
 *   ftrace WHERE
 *       The first ftrace call site calls WHERE (a tracer, by its form).
 *   sc-key SYMBOL WHERE
 *       The loaded .static_call_sites entries whose key the file relocates
 *       against the undefined SYMBOL (a trampoline) name WHERE as the key
 *       the kernel looked up.
 *   static-key WHERE
 *       The module's first own static key points to WHERE as to a list of
 *       modules using it (JUMP_TYPE_LINKED, its type bit kept).
 *   alias-thunks
 *       The first two retpoline thunks the module imports (A before B in
 *       the symbol table) get one address, A's; every retpoline site of B
 *       in the capture takes the form of an A site of the same kind: where
 *       the file called B's thunk, the loaded code jumps through A's
 *       register.
 *
 * WHERE: text-mid (the middle of an instruction of .text), data (.data
 * or .bss), init (the init text), slack (past the layout's end in the text
 * allocation), func (the entry of a function the module defines), or an
 * address.
 *
 * Prints what it did. It links the verifier's library for the ELF reader
 * and the layout (which the verdict on an honest capture vouches for),
 * never for the checks it attacks.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patchsites.h"

#define STT_FUNC	2

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "forge: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		die("%s: %s", path, strerror(errno));
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		die("%s: read error", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* ---- the capture ------------------------------------------------------------ */

static const char *dir;
static struct hostsig_elf_alloc allocs[HOSTSIG_ELF_MAX_ALLOCS];
static char alloc_path[HOSTSIG_ELF_MAX_ALLOCS][4096];
static struct hostsig_elf_loaded in;
static struct elf_module m;
static struct elf_layout lay;
static struct elf_expect ex;
static struct hostsig_elf_report rep;
static uint8_t *file_img[HOSTSIG_ELF_MAX_ALLOCS];	/* what the file becomes, sites unpatched */

static unsigned int tag_of(const char *s, size_t n)
{
	for (unsigned int t = 1; t < HOSTSIG_ELF_MEM_NR; t++)
		if (strlen(hostsig_elf_mem_name(t)) == n && !strncmp(s, hostsig_elf_mem_name(t), n))
			return t;
	return 0;
}

static void read_capture(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char path[8192];

	if (!d)
		die("%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		const char *dash;
		size_t n = in.nr_allocs;

		if (strncmp(de->d_name, "alloc-", 6))
			continue;
		dash = strrchr(de->d_name, '-');
		if (n == HOSTSIG_ELF_MAX_ALLOCS || !dash)
			die("%s: unexpected %s", dir, de->d_name);
		allocs[n].tag = tag_of(de->d_name + 6, (size_t)(dash - de->d_name - 6));
		allocs[n].addr = strtoull(dash + 1, NULL, 16);
		snprintf(alloc_path[n], sizeof(alloc_path[n]), "%s/%s", dir, de->d_name);
		allocs[n].bytes = slurp(alloc_path[n], &allocs[n].len);
		in.nr_allocs++;
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/file.bin", dir);
	in.file = slurp(path, &in.file_len);
	in.allocs = allocs;
}

static void write_capture(void)
{
	for (size_t a = 0; a < in.nr_allocs; a++) {
		FILE *f = fopen(alloc_path[a], "wb");

		if (!f || fwrite(allocs[a].bytes, 1, allocs[a].len, f) != allocs[a].len || fclose(f))
			die("%s: write error", alloc_path[a]);
	}
}

/* The module, its layout at the capture's addresses, what it becomes, its checked sites. */
static void model(const char *ko)
{
	struct hostsig_result res;
	struct modsig ms;
	size_t len;
	uint8_t *file = slurp(ko, &len);

	result_init(&res);
	if (modsig_locate(file, len, NULL, 0, &ms, &res) || elf_parse(&m, file, ms.content_len, NULL, &res))
		die("%s: %s", ko, res.message);
	if (elf_layout(&m, &in, &lay, &res) || elf_expect_build(&m, &lay, &in, &ex, &rep, &res))
		die("%s: %s", dir, res.message);
	for (size_t a = 0; a < ex.nr; a++) {
		file_img[a] = malloc(ex.img[a].len);
		if (!file_img[a])
			die("out of memory");
		memcpy(file_img[a], ex.img[a].bytes, ex.img[a].len);
	}
	/* (it accepts each site's loaded form into ex: file_img keeps the file's) */
	if (elf_sites_check(&m, &lay, &in, &ex, &rep, &res))
		die("%s: the honest capture does not check (%s)", dir, res.message);
}

static uint8_t *at(uint64_t addr, uint64_t len, unsigned int *alloc)
{
	for (size_t a = 0; a < in.nr_allocs; a++)
		if (addr >= allocs[a].addr && addr - allocs[a].addr <= allocs[a].len &&
		    len <= allocs[a].len - (addr - allocs[a].addr)) {
			if (alloc)
				*alloc = (unsigned int)a;
			return (uint8_t *)allocs[a].bytes + (addr - allocs[a].addr);
		}
	die("0x%llx is in no allocation", (unsigned long long)addr);
	return NULL;
}

static size_t symbol(const char *name)
{
	for (size_t i = 1; i < m.nr_syms; i++) {
		struct elf_sym s;

		if (elf_sym(&m, i, &s) && !strcmp(elf_sym_name(&m, &s), name))
			return i;
	}
	die("no symbol %s", name);
	return 0;
}

static unsigned int section(const char *name)
{
	unsigned int s = elf_find_section(&m, name, true);

	if (!s || lay.sec[s].alloc < 0)
		die("no loaded section %s", name);
	return s;
}

static void put_rel32(uint8_t *p, uint8_t op, uint64_t from, uint64_t to)
{
	p[0] = op;
	put_le(p + 1, to - (from + 5), 4);
}

static int64_t rel32(const uint8_t *p, uint64_t next)
{
	return (int64_t)next + (int32_t)le32(p);
}

/* ---- places ------------------------------------------------------------------ */

static uint64_t alloc_of_tag(unsigned int tag, size_t *a)
{
	for (size_t i = 0; i < in.nr_allocs; i++)
		if (allocs[i].tag == tag) {
			*a = i;
			return allocs[i].addr;
		}
	die("no %s allocation", hostsig_elf_mem_name(tag));
	return 0;
}

static uint64_t where(const char *spec)
{
	unsigned int text = section(".text");
	size_t a;

	if (!strcmp(spec, "text-mid")) {
		const uint8_t *p = file_img[lay.sec[text].alloc] + lay.sec[text].offset;

		for (uint64_t o = 0; o < m.sh[text].size;) {
			struct x86_insn insn;

			if (!x86_decode(p + o, m.sh[text].size - o, &insn))
				die(".text does not decode");
			if (insn.len >= 3)
				return lay.sec[text].addr + o + 1;
			o += insn.len;
		}
		die(".text has no instruction of 3 bytes or more");
	}
	if (!strcmp(spec, "data")) {
		unsigned int d = elf_find_section(&m, ".data", true);

		if (!d || lay.sec[d].alloc < 0 || !m.sh[d].size)
			d = section(".bss");
		return lay.sec[d].addr;
	}
	if (!strcmp(spec, "init"))
		return alloc_of_tag(HOSTSIG_ELF_MEM_INIT_TEXT, &a) + 0x10;
	if (!strcmp(spec, "slack")) {
		uint64_t base = alloc_of_tag(HOSTSIG_ELF_MEM_TEXT, &a);

		return base + allocs[a].len - 1;
	}
	if (!strcmp(spec, "func")) {
		for (size_t i = 1; i < m.nr_syms; i++) {
			struct elf_sym s;

			if (elf_sym(&m, i, &s) && (s.info & 0xf) == STT_FUNC && s.shndx == text)
				return lay.sec[text].addr + s.value;
		}
		die("no function in .text");
	}
	return strtoull(spec, NULL, 0);
}

/* ---- operations ------------------------------------------------------------- */

/* The symbol table copy's value of undefined symbol sym, and every relocation against it. */
static void resolve(size_t sym, uint64_t value)
{
	struct elf_sym es;
	const struct elf_placed *st = &lay.sec[m.symndx];
	uint8_t *copy = (uint8_t *)allocs[st->alloc].bytes + st->offset + sym * ELF_SYM_SIZE + 8;
	struct elf_values v = ex.val;
	unsigned int n = 0;

	if (!elf_sym(&m, sym, &es) || es.shndx != SHN_UNDEF)
		die("symbol %zu is not undefined", sym);
	v.sym = malloc(m.nr_syms * sizeof(*v.sym));
	if (!v.sym)
		die("out of memory");
	memcpy(v.sym, ex.val.sym, m.nr_syms * sizeof(*v.sym));
	v.sym[sym] = value;
	put_le(copy, value, 8);
	for (unsigned int rs = 1; rs < m.shnum; rs++) {
		unsigned int t = m.sh[rs].info;

		if (m.sh[rs].type != SHT_RELA || t >= m.shnum || lay.sec[t].alloc < 0)
			continue;
		for (size_t k = 0; k < elf_nr_relas(&m, rs); k++) {
			const uint8_t *img = file_img[lay.sec[t].alloc];
			uint64_t old, val, off;
			unsigned int size;
			struct elf_rela r;
			uint8_t *p;

			if (!elf_rela(&m, rs, k, &r) || r.sym != sym ||
			    !elf_reloc_value(&m, &v, &r, lay.sec[t].addr + r.offset, &val, &size) || !size)
				continue;
			off = lay.sec[t].offset + r.offset;
			p = (uint8_t *)allocs[lay.sec[t].alloc].bytes + off;
			old = get_le(img + off, size);
			/* as the file made it: a site the kernel patched since keeps its form */
			if (get_le(p, size) != old)
				continue;
			put_le(p, val, size);
			n++;
		}
	}
	printf("%s resolves to 0x%llx: %u relocation(s) follow\n", elf_sym_name(&m, &es),
	       (unsigned long long)value, n);
	free(v.sym);
}

/* The loaded .static_call_sites: for each entry, site address and key field. */
struct sc_site {
	uint64_t entry, site;
	bool tail;
};

/* The sites of the static call whose key field the file relocates against sym. */
static size_t static_call_sites(size_t sym, struct sc_site **out)
{
	unsigned int sec = section(".static_call_sites");
	const uint8_t *ft = file_img[lay.sec[sec].alloc] + lay.sec[sec].offset;
	const uint8_t *mt = allocs[lay.sec[sec].alloc].bytes + lay.sec[sec].offset;
	uint64_t base = lay.sec[sec].addr, n = m.sh[sec].size / 8;
	struct sc_site *s = calloc(n + 1, sizeof(*s));
	size_t nr = 0;

	if (!s)
		die("out of memory");
	for (unsigned int rs = 1; rs < m.shnum; rs++) {
		if (m.sh[rs].type != SHT_RELA || m.sh[rs].info != sec)
			continue;
		for (size_t k = 0; k < elf_nr_relas(&m, rs); k++) {
			struct elf_rela r;
			uint64_t i, site;

			if (!elf_rela(&m, rs, k, &r) || r.sym != sym || r.offset % 8 != 4)
				continue;
			i = r.offset / 8;
			site = base + 8 * i + (uint64_t)(int64_t)(int32_t)le32(ft + 8 * i);
			/* the loaded table is sorted: find the entry by its site */
			for (uint64_t j = 0; j < n; j++)
				if (base + 8 * j + (uint64_t)(int64_t)(int32_t)le32(mt + 8 * j) == site) {
					s[nr++] = (struct sc_site){ base + 8 * j, site,
								    (le32(ft + 8 * i + 4) & 1) != 0 };
					break;
				}
		}
	}
	*out = s;
	return nr;
}

static void sct_into_text(const char *name)
{
	size_t sym = symbol(name), nr;
	unsigned int text = section(".text"), alloc;
	const struct elf_image *img = &ex.img[lay.sec[text].alloc];
	uint64_t start = lay.sec[text].offset + m.sh[text].size / 3, plain = 0, x;
	unsigned int sec = section(".static_call_sites");
	struct sc_site *s;
	uint8_t *p;

	/* 16 bytes of .text the verifier compares with the file, in no site,
	 * 4-aligned (a key's flag bits are its address's low bits) */
	for (uint64_t o = start; o + 16 <= lay.sec[text].offset + m.sh[text].size && !plain; o++) {
		bool exact = (allocs[lay.sec[text].alloc].addr + o) % 4 == 0;

		for (uint64_t b = 0; b < 16 && exact; b++)
			exact = img->state[o + b] == BYTE_EXACT;
		if (exact)
			plain = allocs[lay.sec[text].alloc].addr + o;
	}
	if (!plain)
		die("no plain code in .text");
	x = plain - 8;
	resolve(sym, x);
	nr = static_call_sites(sym, &s);
	if (!nr)
		die("%s keys no static call site", name);
	for (size_t i = 0; i < nr; i++) {
		uint8_t *e = at(s[i].entry, 8, &alloc), *site = at(s[i].site, 6, NULL);
		uint32_t flags = le32(e + 4) & 3;

		(void)sec;
		/* the key field: self-relative, the kernel's flag bits kept */
		put_le(e + 4, (uint32_t)((x | flags) - (s[i].entry + 4)), 4);
		if (site[0] == 0x0f && (site[1] & 0xf0) == 0x80)
			die("a conditional tail call site: not forged");
		if (s[i].tail)
			memcpy(site, "\xc3\xcc\xcc\xcc\xcc", 5);
		else
			memcpy(site, m.kernel == HOSTSIG_ELF_KERNEL_6_1 ? x86_nops_61[5] : x86_nops_612[5], 5);
	}
	/* the "key's list of sites": a jump, low bit clear, top bit set */
	p = at(plain, 8, NULL);
	p[0] = 0x90;
	put_rel32(p + 1, 0xe9, plain + 1, plain + 0x40);
	p[6] = 0xcc;
	p[7] = 0xcc;
	printf("%s: %zu site(s) made NULL, the key at 0x%llx, a jump written at 0x%llx\n",
	       name, nr, (unsigned long long)x, (unsigned long long)plain);
	free(s);
}

static void static_call(const char *name, uint64_t dest)
{
	size_t sym = symbol(name), nr;
	struct sc_site *s;

	nr = static_call_sites(sym, &s);
	for (size_t i = 0; i < nr; i++) {
		uint8_t *site = at(s[i].site, 6, NULL);

		if (site[0] == 0x0f && (site[1] & 0xf0) == 0x80)
			continue;	/* a conditional tail call: left as it is */
		put_rel32(site, s[i].tail ? 0xe9 : 0xe8, s[i].site, dest);
	}
	if (!nr)
		die("%s keys no static call site", name);
	printf("%s: %zu site(s) go to 0x%llx\n", name, nr, (unsigned long long)dest);
	free(s);
}

static void static_call_tramp(const char *name, uint64_t dest)
{
	struct elf_sym e;

	if (!elf_sym(&m, symbol(name), &e) || e.shndx == SHN_UNDEF || e.shndx >= m.shnum ||
	    lay.sec[e.shndx].alloc < 0)
		die("%s is not a trampoline of the module", name);
	put_rel32(at(lay.sec[e.shndx].addr + e.value, 5, NULL), 0xe9,
		  lay.sec[e.shndx].addr + e.value, dest);
	printf("%s jumps to 0x%llx\n", name, (unsigned long long)dest);
}

/* Self-relative tables of site addresses. */
static size_t rel_sites(const char *name, uint64_t **out)
{
	unsigned int sec = elf_find_section(&m, name, true);
	const uint8_t *ft;
	uint64_t *a;
	size_t n;

	if (!sec || lay.sec[sec].alloc < 0)
		return 0;
	ft = file_img[lay.sec[sec].alloc] + lay.sec[sec].offset;
	n = m.sh[sec].size / 4;
	a = calloc(n + 1, sizeof(*a));
	if (!a)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		a[i] = lay.sec[sec].addr + 4 * i + (uint64_t)(int64_t)(int32_t)le32(ft + 4 * i);
	*out = a;
	return n;
}

static void return_thunk(uint64_t dest)
{
	uint64_t *sites;
	size_t n = rel_sites(".return_sites", &sites), done = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t *p = at(sites[i], 5, NULL);

		if (p[0] != 0xe9 && p[0] != 0xc3)
			continue;
		put_rel32(p, 0xe9, sites[i], dest);
		done++;
	}
	printf("%zu return site(s) jump to 0x%llx\n", done, (unsigned long long)dest);
}

static void paravirt(uint64_t dest)
{
	unsigned int sec = section(".parainstructions");
	const uint8_t *t = file_img[lay.sec[sec].alloc] + lay.sec[sec].offset;
	size_t done = 0;

	for (uint64_t i = 0; i + 16 <= m.sh[sec].size; i += 16) {
		uint64_t instr = le64(t + i);
		unsigned int len = t[i + 9];
		uint8_t *p = at(instr, len, NULL);

		if (len < 5 || len > 8)
			continue;
		put_rel32(p, 0xe8, instr, dest);
		if (len > 5)
			memcpy(p + 5, x86_nops_61[len - 5], len - 5);
		done++;
	}
	printf("%zu paravirt site(s) call 0x%llx\n", done, (unsigned long long)dest);
}

static void pv_slot(uint64_t dest)
{
	unsigned int sec = section(".altinstructions");
	const uint8_t *t = file_img[lay.sec[sec].alloc] + lay.sec[sec].offset;
	uint64_t base = lay.sec[sec].addr;
	size_t done = 0;

	for (uint64_t i = 0; i + 14 <= m.sh[sec].size; i += 14) {
		uint64_t instr = base + i + (uint64_t)(int64_t)(int32_t)le32(t + i);
		unsigned int len = t[i + 12];
		uint8_t *p;

		if (!(le16(t + i + 10) & 2) || len != 6)	/* ALT_FLAG_DIRECT_CALL */
			continue;
		p = at(instr, len, NULL);
		put_rel32(p, 0xe8, instr, dest);
		p[5] = 0x90;
		done++;
	}
	if (!done)
		die("no direct paravirt call");
	printf("%zu direct paravirt call(s) go to 0x%llx\n", done, (unsigned long long)dest);
}

static void ftrace(uint64_t dest)
{
	unsigned int sec = section("__mcount_loc");
	uint64_t site = le64(file_img[lay.sec[sec].alloc] + lay.sec[sec].offset);

	put_rel32(at(site, 5, NULL), 0xe8, site, dest);
	printf("ftrace site 0x%llx calls 0x%llx\n", (unsigned long long)site, (unsigned long long)dest);
}

static void sc_key(const char *name, uint64_t key)
{
	size_t nr, sym = symbol(name);
	struct sc_site *s;

	nr = static_call_sites(sym, &s);
	if (!nr)
		die("%s keys no static call site", name);
	for (size_t i = 0; i < nr; i++) {
		uint8_t *e = at(s[i].entry, 8, NULL);
		uint32_t flags = (uint32_t)rel32(e + 4, s[i].entry + 8) & 3;

		put_le(e + 4, (uint32_t)((key | flags) - (s[i].entry + 4)), 4);
	}
	printf("%s: %zu site(s) name the key 0x%llx\n", name, nr, (unsigned long long)key);
	free(s);
}

/* The key of the first __jump_table entry the file relocates against a symbol it defines. */
static void static_key(uint64_t list)
{
	unsigned int sec = section("__jump_table");

	for (unsigned int rs = 1; rs < m.shnum; rs++) {
		if (m.sh[rs].type != SHT_RELA || m.sh[rs].info != sec)
			continue;
		for (size_t k = 0; k < elf_nr_relas(&m, rs); k++) {
			struct elf_rela r;
			struct elf_sym sym;
			uint64_t key;
			uint8_t *p;

			if (!elf_rela(&m, rs, k, &r) || r.offset % 16 != 8 || !elf_sym(&m, r.sym, &sym) ||
			    sym.shndx == SHN_UNDEF || sym.shndx >= m.shnum || lay.sec[sym.shndx].alloc < 0)
				continue;
			key = (lay.sec[sym.shndx].addr + sym.value + (uint64_t)r.addend) & ~3ull;
			p = at(key + 8, 8, NULL);
			put_le(p, (list & ~3ull) | (le64(p) & 1) | 2, 8);
			printf("static key 0x%llx points to 0x%llx (linked)\n", (unsigned long long)key,
			       (unsigned long long)list);
			return;
		}
	}
	die("no static key of the module");
}

/* The thunk a retpoline site's relocation names, -1 if none. */
static long site_thunk(uint64_t addr, unsigned int *op, unsigned int *len)
{
	for (unsigned int t = 1; t < m.shnum; t++) {
		const struct elf_placed *p = &lay.sec[t];
		const uint8_t *e;
		struct x86_insn insn;
		uint64_t off;

		if (p->alloc < 0 || addr < p->addr || addr - p->addr >= m.sh[t].size)
			continue;
		off = addr - p->addr;
		e = file_img[p->alloc] + p->offset + off;
		if (!x86_decode(e, m.sh[t].size - off, &insn) || insn.imm_len != 4)
			return -1;
		*op = e[0] == 0x2e ? e[1] : e[0];
		*len = insn.len;
		for (unsigned int rs = 1; rs < m.shnum; rs++) {
			if (m.sh[rs].type != SHT_RELA || m.sh[rs].info != t)
				continue;
			for (size_t k = 0; k < elf_nr_relas(&m, rs); k++) {
				struct elf_rela r;

				if (elf_rela(&m, rs, k, &r) && r.offset == off + insn.imm_off)
					return r.sym;
			}
		}
		return -1;
	}
	return -1;
}

/* Whether some A (symbol a) site has the kind (opcode, length) of each B site. */
static size_t alias_pairs(size_t a, size_t b, const uint64_t *sites, size_t n, bool apply)
{
	size_t moved = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned int op, len, op2, len2;
		bool found = false;

		if (site_thunk(sites[i], &op, &len) != (long)b)
			continue;
		for (size_t j = 0; j < n && !found; j++) {
			uint8_t *p;

			if (site_thunk(sites[j], &op2, &len2) != (long)a || op2 != op || len2 != len)
				continue;
			found = true;
			if (!apply)
				break;
			p = at(sites[i], len, NULL);
			memcpy(p, at(sites[j], len, NULL), len);
			/* a call or jump left in the file's form goes to A's thunk */
			if ((op == 0xe8 || op == 0xe9) && p[len - 5] == op)
				put_rel32(p + len - 5, op, sites[i] + len - 5,
					  (uint64_t)rel32(at(sites[j] + len - 4, 4, NULL), sites[j] + len));
		}
		if (!found)
			return 0;
		moved++;
	}
	return moved;
}

static void alias_thunks(void)
{
	size_t thunks[32], nr = 0, n, moved = 0, a = 0, b = 0;
	uint64_t *sites;
	struct elf_sym sa, sb;

	for (size_t i = 1; i < m.nr_syms && nr < 32; i++) {
		struct elf_sym s;

		if (elf_sym(&m, i, &s) && s.shndx == SHN_UNDEF &&
		    !strncmp(elf_sym_name(&m, &s), "__x86_indirect_thunk_", 21))
			thunks[nr++] = i;
	}
	n = rel_sites(".retpoline_sites", &sites);
	/* A before B in the symbol table (the one an address maps back to) */
	for (size_t i = 0; i < nr && !moved; i++)
		for (size_t j = i + 1; j < nr && !moved; j++)
			if (alias_pairs(thunks[i], thunks[j], sites, n, false)) {
				a = thunks[i];
				b = thunks[j];
				moved = 1;
			}
	if (!moved)
		die("no two retpoline thunks whose sites are of the same kinds");
	resolve(b, ex.val.sym[a]);
	moved = alias_pairs(a, b, sites, n, true);
	elf_sym(&m, a, &sa);
	elf_sym(&m, b, &sb);
	printf("%s resolves where %s does; its %zu site(s) take %s's form\n",
	       elf_sym_name(&m, &sb), elf_sym_name(&m, &sa), moved, elf_sym_name(&m, &sa));
}

int main(int argc, char **argv)
{
	const char *op;

	if (argc < 4)
		die("usage: forge MODULE.ko DIR OPERATION ARGS...");
	dir = argv[2];
	op = argv[3];
	read_capture();
	model(argv[1]);
	if (!strcmp(op, "sct-into-text") && argc == 5)
		sct_into_text(argv[4]);
	else if (!strcmp(op, "resolve") && argc == 6)
		resolve(symbol(argv[4]), where(argv[5]));
	else if (!strcmp(op, "static-call") && argc == 6)
		static_call(argv[4], where(argv[5]));
	else if (!strcmp(op, "static-call-tramp") && argc == 6)
		static_call_tramp(argv[4], where(argv[5]));
	else if (!strcmp(op, "return-thunk") && argc == 5)
		return_thunk(where(argv[4]));
	else if (!strcmp(op, "paravirt") && argc == 5)
		paravirt(where(argv[4]));
	else if (!strcmp(op, "pv-slot") && argc == 5)
		pv_slot(where(argv[4]));
	else if (!strcmp(op, "ftrace") && argc == 5)
		ftrace(where(argv[4]));
	else if (!strcmp(op, "sc-key") && argc == 6)
		sc_key(argv[4], where(argv[5]));
	else if (!strcmp(op, "static-key") && argc == 5)
		static_key(where(argv[4]));
	else if (!strcmp(op, "alias-thunks") && argc == 4)
		alias_thunks();
	else
		die("unknown operation %s, or its arguments", op);
	write_capture();
	return 0;
}
