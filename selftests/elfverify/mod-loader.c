// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A reference loader for Linux kernel modules, for testing the verifier
 * without a VM: it does to a signed .ko what load_module() of a 6.1 or
 * 6.12 kernel does (kernel/module/main.c, kallsyms.c,
 * arch/x86/kernel/module.c, alternative.c, jump_label.c, static_call*.c,
 * ftrace.c, unwind_orc.c, lib/extable.c), at addresses of its choosing,
 * against a synthetic kernel symbol table, and writes what a guest proxy
 * would capture:
 *
 *   OUT/file.bin                 the file buffer as the loader leaves it
 *   OUT/alloc-<tag>-<addr>.bin   each allocation
 *
 * and, on stdout, key=value facts the tests use (offsets of bytes in and
 * out of patch sites).
 *
 * usage: mod-loader [OPTIONS] MODULE.ko OUT
 *   --kernel 6.1|6.12    the loader to replay (default: from vermagic)
 *   --patch LIST         runtime patching to apply, comma separated, or all
 *                        or none: ftrace,jump,static_call,return,retpoline,
 *                        alt,paravirt,smp,endbr,tables
 *   --features all|none|odd  CPU features for alternatives (odd: every
 *                        other feature bit present)
 *   --rethunk            return sites jump to a return thunk (else RET)
 *   --traced N           ftrace site N calls a tracer (unverifiable)
 *   --pristine           leave the file buffer as the file (a proxy that
 *                        copied it before the loader ran)
 *   --split-signature    file.bin without the signature, in signature.bin
 *
 * Written from the kernel's code, not from the verifier's: the two are
 * meant to disagree when either is wrong. It shares only the instruction
 * length decoder with the library (checked against objdump on every
 * Debian module).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elfmod.h"

#define PAGE		4096ul
#define INIT_MASK	(1ul << 63)
#define SYM_BASE	0xffffffff81000000ul
#define FILE_BASE	0xffffc90000400000ul
#define PERCPU_BASE	0x000000000003a000ul
#define TRACER		0xffffffffa0001000ul
#define RETURN_THUNK	0xffffffff82000040ul

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "mod-loader: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* ---- the module ------------------------------------------------------------ */

struct shdr {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link, info;
	uint64_t addralign, entsize;
};

static uint8_t *buf;		/* the file buffer */
static size_t buf_len, mod_len;
static struct shdr *sh;
static unsigned int shnum, shstrndx, symndx, strndx;
static bool v61;
static const char *secname(unsigned int i) { return (char *)buf + sh[shstrndx].offset + sh[i].name; }

static uint64_t rd(const uint8_t *p, int n) { uint64_t v = 0; for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i]; return v; }
static void wr(uint8_t *p, uint64_t v, int n) { for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static void read_shdrs(void)
{
	uint64_t shoff = rd(buf + 40, 8);

	shnum = (unsigned int)rd(buf + 60, 2);
	shstrndx = (unsigned int)rd(buf + 62, 2);
	sh = calloc(shnum, sizeof(*sh));
	for (unsigned int i = 0; i < shnum; i++) {
		uint8_t *p = buf + shoff + 64 * i;

		sh[i] = (struct shdr){ (uint32_t)rd(p, 4), (uint32_t)rd(p + 4, 4), rd(p + 8, 8),
			rd(p + 16, 8), rd(p + 24, 8), rd(p + 32, 8), (uint32_t)rd(p + 40, 4),
			(uint32_t)rd(p + 44, 4), rd(p + 48, 8), rd(p + 56, 8) };
		if (sh[i].type == 2 && !symndx) {
			symndx = i;
			strndx = sh[i].link;
		}
	}
}

static void write_shdrs(void)
{
	uint64_t shoff = rd(buf + 40, 8);

	for (unsigned int i = 0; i < shnum; i++) {
		uint8_t *p = buf + shoff + 64 * i;

		wr(p, sh[i].name, 4); wr(p + 4, sh[i].type, 4); wr(p + 8, sh[i].flags, 8);
		wr(p + 16, sh[i].addr, 8); wr(p + 24, sh[i].offset, 8); wr(p + 32, sh[i].size, 8);
		wr(p + 40, sh[i].link, 4); wr(p + 44, sh[i].info, 4);
		wr(p + 48, sh[i].addralign, 8); wr(p + 56, sh[i].entsize, 8);
	}
}

static unsigned int find_sec(const char *name)	/* SHF_ALLOC only, like the kernel */
{
	for (unsigned int i = 1; i < shnum; i++)
		if ((sh[i].flags & SHF_ALLOC) && !strcmp(secname(i), name))
			return i;
	return 0;
}

static unsigned int last_sec(const char *name)	/* module_finalize()'s loop */
{
	unsigned int r = 0;

	for (unsigned int i = 1; i < shnum; i++)
		if (!strcmp(secname(i), name))
			r = i;
	return r;
}

static const char *modinfo(const char *tag)
{
	for (unsigned int i = 1; i < shnum; i++) {
		const char *p, *end;

		if (strcmp(secname(i), ".modinfo"))
			continue;
		p = (char *)buf + sh[i].offset;
		end = p + sh[i].size;
		for (; p < end; p += strlen(p) + 1)
			if (!strncmp(p, tag, strlen(tag)) && p[strlen(tag)] == '=')
				return p + strlen(tag) + 1;
	}
	return NULL;
}

/* ---- layout: layout_sections(), layout_symtab() ------------------------------ */

enum { MT_TEXT, MT_DATA, MT_RODATA, MT_ROAI, MT_ITEXT, MT_IDATA, MT_IRODATA, MT_NR };
static const char *const mt_name[MT_NR] = {
	"text", "data", "rodata", "ro_after_init", "init_text", "init_data", "init_rodata",
};

static uint64_t mem_size[MT_NR], mem_base[MT_NR];
static uint8_t *mem[MT_NR];
static unsigned long symoffs, stroffs, core_typeoffs, kallsyms_init_off, init_typeoffs;
static unsigned int pcpundx, versndx, infondx, modndx;

static uint64_t kalign(uint64_t v, uint64_t a) { if (!a) a = 1; return (v + a - 1) & ~(a - 1); }

static long get_offset(int type, unsigned int i)
{
	long off = (long)kalign(mem_size[type], sh[i].addralign);

	mem_size[type] = (uint64_t)off + sh[i].size;
	return off;
}

static bool init_sec(unsigned int i) { return !strncmp(secname(i), ".init", 5); }

static const uint64_t masks[5][2] = {
	{ SHF_EXECINSTR | SHF_ALLOC, 0 }, { SHF_ALLOC, SHF_WRITE },
	{ SHF_RO_AFTER_INIT | SHF_ALLOC, 0 }, { SHF_WRITE | SHF_ALLOC, 0 }, { SHF_ALLOC, 0 },
};

/* 6.1's layout in its own terms: core_layout (MT_TEXT) and init_layout (MT_ITEXT). */
static void layout_sections_61(void)
{
	for (unsigned int i = 0; i < shnum; i++)
		sh[i].entsize = ~0ul;
	for (int m = 0; m < 5; m++) {
		for (unsigned int i = 0; i < shnum; i++) {
			if ((sh[i].flags & masks[m][0]) != masks[m][0] || (sh[i].flags & masks[m][1]) ||
			    sh[i].entsize != ~0ul || init_sec(i))
				continue;
			sh[i].entsize = (uint64_t)get_offset(MT_TEXT, i);
		}
		if (m != 3)
			mem_size[MT_TEXT] = kalign(mem_size[MT_TEXT], PAGE);
	}
	for (int m = 0; m < 5; m++) {
		for (unsigned int i = 0; i < shnum; i++) {
			if ((sh[i].flags & masks[m][0]) != masks[m][0] || (sh[i].flags & masks[m][1]) ||
			    sh[i].entsize != ~0ul || !init_sec(i))
				continue;
			sh[i].entsize = (uint64_t)get_offset(MT_ITEXT, i) | INIT_MASK;
		}
		if (m == 0 || m == 1 || m == 4)
			mem_size[MT_ITEXT] = kalign(mem_size[MT_ITEXT], PAGE);
	}
}

static void layout_sections_612(void)
{
	static const int core[5] = { MT_TEXT, MT_RODATA, MT_ROAI, MT_DATA, MT_DATA };
	static const int init[5] = { MT_ITEXT, MT_IRODATA, -1, MT_IDATA, MT_IDATA };

	for (unsigned int i = 0; i < shnum; i++)
		sh[i].entsize = ~0ul;
	for (int is_init = 0; is_init < 2; is_init++)
		for (int m = 0; m < 5; m++) {
			int type = is_init ? init[m] : core[m];

			for (unsigned int i = 0; i < shnum; i++) {
				if ((sh[i].flags & masks[m][0]) != masks[m][0] ||
				    (sh[i].flags & masks[m][1]) || sh[i].entsize != ~0ul ||
				    init_sec(i) != is_init || type < 0)
					continue;
				sh[i].entsize = (uint64_t)get_offset(type, i) | (uint64_t)type << 60;
			}
		}
}

static int sec_type(unsigned int i)	/* memory of a placed section */
{
	if (v61)
		return (sh[i].entsize & INIT_MASK) ? MT_ITEXT : MT_TEXT;
	return (int)(sh[i].entsize >> 60);
}

static uint64_t sec_off(unsigned int i)
{
	return v61 ? sh[i].entsize & ~INIT_MASK : sh[i].entsize & ((1ul << 60) - 1);
}

static bool core_symbol(const uint8_t *sym)
{
	unsigned int shndx = (unsigned int)rd(sym + 6, 2);

	if (shndx == 0 || shndx >= shnum || !rd(sym, 4))
		return false;
	if (shndx == pcpundx)
		return true;
	if (!(sh[shndx].flags & SHF_ALLOC))
		return false;
	return v61 ? !(sh[shndx].entsize & INIT_MASK) : sec_type(shndx) < MT_ITEXT;
}

static unsigned int nsrc, ndst;

static void layout_symtab(void)
{
	int data = v61 ? MT_TEXT : MT_DATA, init = v61 ? MT_ITEXT : MT_IDATA;
	unsigned long strtab_size = 0;
	const uint8_t *src = buf + sh[symndx].offset;

	sh[symndx].flags |= SHF_ALLOC;
	sh[symndx].entsize = (uint64_t)get_offset(init, symndx) | (v61 ? INIT_MASK : (uint64_t)init << 60);
	nsrc = (unsigned int)(sh[symndx].size / 24);
	for (unsigned int i = 0; i < nsrc; i++)
		if (i == 0 || core_symbol(src + 24 * i)) {
			strtab_size += strlen((char *)buf + sh[strndx].offset + rd(src + 24 * i, 4)) + 1;
			ndst++;
		}
	symoffs = kalign(mem_size[data], sh[symndx].addralign);
	stroffs = mem_size[data] = symoffs + ndst * 24;
	mem_size[data] += strtab_size;
	core_typeoffs = mem_size[data];
	mem_size[data] += ndst;
	if (v61)
		mem_size[data] = kalign(mem_size[data], PAGE);
	sh[strndx].flags |= SHF_ALLOC;
	sh[strndx].entsize = (uint64_t)get_offset(init, strndx) | (v61 ? INIT_MASK : (uint64_t)init << 60);
	mem_size[init] = kalign(mem_size[init], 8);
	kallsyms_init_off = mem_size[init];
	mem_size[init] += 32;
	init_typeoffs = mem_size[init];
	mem_size[init] += nsrc;
	if (v61)
		mem_size[init] = kalign(mem_size[init], PAGE);
}

/* ---- move_module(), simplify_symbols(), apply_relocations() --------------------- */

static uint8_t *dest_of(unsigned int i) { return mem[sec_type(i)] + sec_off(i); }

/* Each allocation at its own 2 MiB boundary, one after the other. */
static void move_module(uint64_t base)
{
	for (int t = 0; t < MT_NR; t++) {
		if (!mem_size[t])
			continue;
		mem_size[t] = kalign(mem_size[t], PAGE);
		mem[t] = calloc(1, mem_size[t]);
		mem_base[t] = base;
		base = kalign(base + mem_size[t], 0x200000);
	}
	for (unsigned int i = 0; i < shnum; i++) {
		if (!(sh[i].flags & SHF_ALLOC))
			continue;
		if (sh[i].type != SHT_NOBITS)
			memcpy(dest_of(i), (void *)(uintptr_t)sh[i].addr, sh[i].size);
		sh[i].addr = mem_base[sec_type(i)] + sec_off(i);
	}
}

static uint64_t host_to_guest_file(uint64_t host_addr)
{
	return FILE_BASE + (host_addr - (uintptr_t)buf);
}

/* A kernel symbol table: any name resolves, to an address of its own. */
static uint64_t kernel_symbol(const char *name)
{
	uint64_t h = 1469598103934665603ull;

	if (!strcmp(name, "__x86_return_thunk"))
		return 0xffffffff82000000ul;
	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	return SYM_BASE + (h % 0xf00000) * 16;
}

static uint8_t *symcopy;	/* the symbol table copy in init data */

static void simplify_symbols(void)
{
	symcopy = dest_of(symndx);
	for (unsigned int i = 1; i < nsrc; i++) {
		uint8_t *s = symcopy + 24 * i;
		unsigned int shndx = (unsigned int)rd(s + 6, 2);
		const char *name = (char *)buf + sh[strndx].offset + rd(s, 4);
		uint64_t secbase;

		if (shndx == SHN_ABS || shndx == SHN_COMMON || shndx == SHN_LIVEPATCH)
			continue;
		if (shndx == SHN_UNDEF) {
			wr(s + 8, kernel_symbol(name), 8);
			continue;
		}
		if (shndx == pcpundx)
			secbase = PERCPU_BASE;
		else if (sh[shndx].flags & SHF_ALLOC)
			secbase = sh[shndx].addr;
		else	/* still in the file buffer */
			secbase = host_to_guest_file(sh[shndx].addr);
		wr(s + 8, rd(s + 8, 8) + secbase, 8);
	}
}

static void apply_relocations(void)
{
	for (unsigned int r = 1; r < shnum; r++) {
		unsigned int target = sh[r].info;

		if (target >= shnum || !(sh[target].flags & SHF_ALLOC) || sh[r].type != SHT_RELA)
			continue;
		for (uint64_t k = 0; k < sh[r].size / 24; k++) {
			const uint8_t *rel = buf + sh[r].offset + 24 * k;
			uint64_t off = rd(rel, 8), info = rd(rel + 8, 8);
			uint64_t val = rd(symcopy + 24 * (info >> 32) + 8, 8) + rd(rel + 16, 8);
			uint64_t loc = sh[target].addr + off;
			uint8_t *p = dest_of(target) + off;
			int size = 0;

			switch ((uint32_t)info) {
			case R_X86_64_NONE: continue;
			case R_X86_64_64: size = 8; break;
			case R_X86_64_32: case R_X86_64_32S: size = 4; break;
			case R_X86_64_PC32: case R_X86_64_PLT32: val -= loc; size = 4; break;
			case R_X86_64_PC64: val -= loc; size = 8; break;
			default: die("%s: relocation type %u", secname(r), (uint32_t)info);
			}
			if (rd(p, size))
				die("%s[%llu]: target not zero", secname(r), (unsigned long long)k);
			wr(p, val, size);
		}
	}
}

/* ---- struct module and kallsyms ----------------------------------------------- */

/* The loader's state in struct module: whatever it is, but the name and the
 * relocated fields (init, exit). */
static void scribble_module_struct(uint8_t *p, unsigned int sec, uint64_t seed)
{
	uint8_t *keep = calloc(1, sh[sec].size + 8);

	for (unsigned int r = 1; r < shnum; r++) {
		if (sh[r].type != SHT_RELA || sh[r].info != sec)
			continue;
		for (uint64_t k = 0; k < sh[r].size / 24; k++) {
			uint64_t off = rd(buf + sh[r].offset + 24 * k, 8);

			if (off + 8 <= sh[sec].size)
				memset(keep + off, 1, 8);
		}
	}
	for (uint64_t b = 0; b < sh[sec].size; b++)
		if (!keep[b] && (b < 24 || b >= 80) && b % 16 < 8)
			p[b] = (uint8_t)(seed >> (b % 8 * 8) ^ b);
	free(keep);
}

static char elf_type(const uint8_t *sym)
{
	unsigned int shndx = (unsigned int)rd(sym + 6, 2), bind = sym[4] >> 4, type = sym[4] & 15;

	if (bind == STB_WEAK)
		return type == 1 ? 'v' : 'w';
	if (shndx == SHN_UNDEF)
		return 'U';
	if (shndx == SHN_ABS || shndx == pcpundx)
		return 'a';
	if (shndx >= SHN_LORESERVE)
		return '?';
	if (sh[shndx].flags & SHF_EXECINSTR)
		return 't';
	if ((sh[shndx].flags & SHF_ALLOC) && sh[shndx].type != SHT_NOBITS)
		return (sh[shndx].flags & SHF_WRITE) ? 'd' : 'r';
	if (sh[shndx].type == SHT_NOBITS)
		return 'b';
	if (!strncmp(secname(shndx), ".debug", 6))
		return 'n';
	return '?';
}

static void add_kallsyms(void)
{
	int data = v61 ? MT_TEXT : MT_DATA, init = v61 ? MT_ITEXT : MT_IDATA;
	uint8_t *ks = mem[init] + kallsyms_init_off, *typetab = mem[init] + init_typeoffs;
	uint8_t *dst = mem[data] + symoffs, *s = mem[data] + stroffs;
	uint8_t *ctype = mem[data] + core_typeoffs;
	unsigned int n = 0;

	wr(ks, sh[symndx].addr, 8);
	wr(ks + 8, nsrc, 4);
	wr(ks + 16, sh[strndx].addr, 8);
	wr(ks + 24, mem_base[init] + init_typeoffs, 8);
	for (unsigned int i = 0; i < nsrc; i++) {
		const uint8_t *src = symcopy + 24 * i;
		const char *name = (char *)buf + sh[strndx].offset + rd(src, 4);

		typetab[i] = (uint8_t)elf_type(src);
		if (i && !core_symbol(src))
			continue;
		ctype[n] = typetab[i];
		memcpy(dst + 24 * n, src, 24);
		wr(dst + 24 * n, (uint64_t)(s - (mem[data] + stroffs)), 4);
		strcpy((char *)s, name);
		s += strlen(name) + 1;
		n++;
	}
}

/* ---- runtime patching ------------------------------------------------------------ */

static unsigned int patch_mask;
enum { P_FTRACE = 1, P_JUMP = 2, P_SC = 4, P_RET = 8, P_RETPOLINE = 16, P_ALT = 32,
	P_PV = 64, P_SMP = 128, P_ENDBR = 256, P_TABLES = 512 };
static const char *const patch_names[] = {
	"ftrace", "jump", "static_call", "return", "retpoline", "alt", "paravirt", "smp",
	"endbr", "tables",
};
static int features = 1;	/* 0 none, 1 all, 2 odd */
static bool rethunk;
static long traced = -1;
static uint64_t seed = 1;

/* A guest address to the bytes that hold it. */
static uint8_t *at(uint64_t addr)
{
	for (int t = 0; t < MT_NR; t++)
		if (mem[t] && addr >= mem_base[t] && addr < mem_base[t] + mem_size[t])
			return mem[t] + (addr - mem_base[t]);
	die("address 0x%llx outside the module", (unsigned long long)addr);
	return NULL;
}

static uint64_t guest(unsigned int sec) { return sh[sec].addr; }
static uint8_t *host(unsigned int sec) { return dest_of(sec); }
static uint64_t srel(uint64_t at_addr, const uint8_t *p) { return at_addr + (uint64_t)(int64_t)(int32_t)rd(p, 4); }

static void gen_rel32(uint8_t *p, uint8_t op, uint64_t from, uint64_t to)
{
	p[0] = op;
	wr(p + 1, to - (from + 5), 4);
}

static const uint8_t *nop(unsigned int len)
{
	return v61 ? x86_nops_61[len] : x86_nops_612[len];
}

static void add_nops_61(uint8_t *p, unsigned int len)
{
	while (len) {
		unsigned int n = len > 8 ? 8 : len;

		memcpy(p, x86_nops_61[n], n);
		p += n;
		len -= n;
	}
}

static void add_nop_612(uint8_t *p, unsigned int len)
{
	if (!len)
		return;
	if (len <= 11) {
		memcpy(p, x86_nops_612[len], len);
	} else if (len < 128) {
		p[0] = 0xeb;
		p[1] = (uint8_t)(len - 2);
		memset(p + 2, 0xcc, len - 2);
	} else {
		gen_rel32(p, 0xe9, 0, len);
		memset(p + 5, 0xcc, len - 5);
	}
}

static void optimize_nops(uint8_t *instr, unsigned int len)
{
	struct x86_insn insn;

	if (v61) {
		for (unsigned int i = 0;;) {
			if (!x86_decode(instr + i, 16, &insn))
				return;
			if (insn.len == 1 && instr[i] == 0x90) {
				unsigned int j = i;

				while (j < len && instr[j] == 0x90)
					j++;
				if (j - i > 1)
					add_nops_61(instr + i, j - i);
				i = j;
			} else {
				i += insn.len;
			}
			if (i >= len)
				return;
		}
	}
	for (unsigned int next, i = 0; i < len; i = next) {
		if (!x86_decode(instr + i, len - i, &insn))
			return;
		next = i + insn.len;
		if (x86_insn_is_nop(&insn)) {
			struct x86_insn n;

			if (i + insn.len == len)
				return;
			while (next < len && x86_decode(instr + next, len - next, &n) &&
			       x86_insn_is_nop(&n))
				next += n.len;
			add_nop_612(instr + i, next - i);
		}
	}
}

static bool feature(unsigned int cpuid)
{
	return features == 1 || (features == 2 && (cpuid & 1));
}

/* apply_paravirt() of 6.1, with a synthetic pv_ops table */
static void apply_paravirt(void)
{
	unsigned int sec = last_sec(".parainstructions");

	if (!sec || !v61)
		return;
	for (uint64_t i = 0; i + 16 <= sh[sec].size; i += 16) {
		const uint8_t *e = host(sec) + i;
		uint64_t instr = rd(e, 8);
		unsigned int type = e[8], len = e[9], used = 0;
		uint8_t b[255];

		memcpy(b, at(instr), len);
		if (type % 3) {		/* some types have a function, others _paravirt_nop */
			gen_rel32(b, 0xe8, instr, SYM_BASE + 0x400000 + type * 64);
			used = 5;
		}
		add_nops_61(b + used, len - used);
		memcpy(at(instr), b, len);
	}
}

static const char *const regs[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

static int thunk_reg(uint64_t target)
{
	char name[64];

	for (int r = 0; r < 16; r++) {
		snprintf(name, sizeof(name), "__x86_indirect_thunk_%s", regs[r]);
		if (kernel_symbol(name) == target)
			return r;
	}
	return -1;
}

/* patch_retpoline() with spectre_v2=off: the indirect branch itself */
static void apply_retpolines(void)
{
	unsigned int sec = last_sec(".retpoline_sites");

	if (!sec)
		return;
	for (uint64_t i = 0; i + 4 <= sh[sec].size; i += 4) {
		uint64_t addr = srel(guest(sec) + i, host(sec) + i);
		uint8_t *p = at(addr), b[16];
		struct x86_insn insn;
		unsigned int k = 0;
		bool call = false;
		int reg;

		if (!x86_decode(p, 16, &insn) || insn.imm_len != 4)
			continue;
		reg = thunk_reg(addr + insn.len + (uint64_t)(int64_t)(int32_t)rd(p + insn.imm_off, 4));
		if (reg < 0 || reg == 4)
			continue;
		if (insn.opcode[0] == 0x0f) {
			b[k++] = (uint8_t)(0x70 + ((insn.opcode[1] & 0xf) ^ 1));
			b[k++] = (uint8_t)(insn.len - 2);
		} else {
			call = insn.opcode[0] == 0xe8;
		}
		if (reg >= 8)
			b[k++] = 0x41;
		b[k++] = 0xff;
		b[k++] = (uint8_t)(0xc0 | (call ? 0x10 : 0x20) | (reg & 7));
		if (!call && k < insn.len)
			b[k++] = 0xcc;
		while (k < insn.len)
			b[k++] = 0x90;
		optimize_nops(b, insn.len);
		memcpy(p, b, insn.len);
	}
}

static void apply_returns(void)
{
	unsigned int sec = last_sec(".return_sites");

	if (!sec)
		return;
	for (uint64_t i = 0; i + 4 <= sh[sec].size; i += 4) {
		uint64_t addr = srel(guest(sec) + i, host(sec) + i);
		uint8_t *p = at(addr);

		if (p[0] != 0xe9 || srel(addr + 5, p + 1) != kernel_symbol("__x86_return_thunk"))
			continue;
		if (rethunk) {
			gen_rel32(p, 0xe9, addr, RETURN_THUNK);
		} else {
			p[0] = 0xc3;
			memset(p + 1, 0xcc, 4);
		}
	}
}

/* 6.12 __apply_relocation() */
static void relocate_612(uint8_t *b, uint64_t instr, unsigned int len, uint64_t repl,
			 unsigned int repl_len)
{
	int64_t diff = (int64_t)(repl - instr);

	for (unsigned int next, i = 0; i < len; i = next) {
		struct x86_insn insn;
		uint8_t op;

		if (!x86_decode(b + i, len - i, &insn))
			return;
		next = i + insn.len;
		op = insn.opcode[0];
		if ((insn.opcode_len == 2 && op == 0x0f && (insn.opcode[1] & 0xf0) == 0x80) ||
		    (insn.opcode_len == 1 && ((op >= 0x70 && op <= 0x7f) || op == 0xeb ||
					      op == 0xe9 || op == 0xe8))) {
			int64_t imm = insn.imm_len == 1 ? (int8_t)b[i + insn.imm_off] :
				      (int32_t)rd(b + i + insn.imm_off, 4);
			int64_t t = next + imm;

			if (t < 0 || t > repl_len)
				wr(b + i + insn.imm_off, (uint64_t)(imm + diff), insn.imm_len);
			if (insn.opcode_len == 1 && op == 0xe9) {
				int64_t v = imm + diff + 3;

				if (v >= -128 && v <= 127) {
					b[i] = 0xeb;
					b[i + 1] = (uint8_t)v;
					memset(b + i + 2, 0xcc, insn.len - 2);
				}
			}
		}
		if (insn.rip_relative) {
			int64_t disp = (int32_t)rd(b + i + insn.disp_off, 4), t = next + disp;

			if (t < 0 || t > repl_len)
				wr(b + i + insn.disp_off, (uint64_t)(disp + diff), 4);
		}
	}
}

static void apply_alternatives(void)
{
	unsigned int sec = last_sec(".altinstructions"), esize = v61 ? 12 : 14;

	if (!sec)
		return;
	for (uint64_t i = 0; i + esize <= sh[sec].size; i += esize) {
		uint8_t *e = host(sec) + i, b[256];
		uint64_t instr = srel(guest(sec) + i, e), repl = srel(guest(sec) + i + 4, e + 4);
		unsigned int cpuid = (unsigned int)rd(e + 8, 2), instrlen = e[esize - 2];
		unsigned int repllen = e[esize - 1], flags = v61 ? (cpuid >> 15) : (unsigned int)rd(e + 10, 2);
		bool not = flags & 1, present;

		if (!v61) {	/* nested alternatives: pad all to the longest */
			for (uint64_t j = i + esize; j + esize <= sh[sec].size; j += esize) {
				uint8_t *f = host(sec) + j;

				if (srel(guest(sec) + j, f) != instr)
					break;
				if (f[esize - 2] > instrlen)
					instrlen = f[esize - 2];
				if (instrlen > e[esize - 2])
					e[esize - 2] = (uint8_t)instrlen;
				f[esize - 2] = (uint8_t)instrlen;
			}
		}
		present = feature(cpuid & 0x7fff) != not;
		if (!present) {
			optimize_nops(at(instr), instrlen);
			continue;
		}
		memcpy(b, at(repl), repllen);
		if (!v61 && (flags & 2)) {	/* ALT_FLAG_DIRECT_CALL: a synthetic pv_ops slot */
			uint64_t slot = instr + 6 + (uint64_t)(int64_t)(int32_t)rd(at(instr) + 2, 4);

			gen_rel32(b, 0xe8, repl, SYM_BASE + 0x500000 + (slot & 0xfff0));
		}
		for (unsigned int k = repllen; k < instrlen; k++)
			b[k] = 0x90;
		if (v61) {
			if (repllen == 5 && b[0] == 0xe8)
				wr(b + 1, rd(b + 1, 4) + (repl - instr), 4);
			if (repllen == 5 && (b[0] == 0xeb || b[0] == 0xe9)) {
				int32_t o = (int32_t)rd(b + 1, 4);
				int64_t tgt = (int64_t)(repl + 5) + o;
				int32_t n = (int32_t)(tgt - (int64_t)instr);

				if ((tgt - (int64_t)instr >= 0 && n - 2 <= 127) ||
				    (tgt - (int64_t)instr < 0 && ((n - 2) & 0xff) == n - 2)) {
					b[0] = 0xeb;
					b[1] = (uint8_t)(n - 2);
					add_nops_61(b + 2, 3);
				} else {
					b[0] = 0xe9;
					wr(b + 1, (uint32_t)(n - 5), 4);
				}
			}
			memcpy(at(instr), b, instrlen);
			optimize_nops(at(instr), instrlen);
		} else {
			relocate_612(b, instr, instrlen, repl, repllen);
			optimize_nops(b, instrlen);
			memcpy(at(instr), b, instrlen);
		}
	}
}

static void apply_endbr(void)
{
	static const uint8_t poison[] = { 0x66, 0x0f, 0x1f, 0x00 };
	unsigned int sec = last_sec(".ibt_endbr_seal");

	if (!sec || v61)
		return;
	for (uint64_t i = 0; i + 4 <= sh[sec].size; i += 4) {
		uint8_t *p = at(srel(guest(sec) + i, host(sec) + i));

		if (p[0] == 0xf3 && p[1] == 0x0f && p[2] == 0x1e && p[3] == 0xfa)
			memcpy(p, poison, 4);
	}
}

/* alternatives_smp_unlock(): a uniprocessor guest */
static void smp_unlock(void)
{
	unsigned int sec = last_sec(".smp_locks"), text = last_sec(".text");
	uint64_t lo = v61 ? guest(text) : mem_base[MT_TEXT];
	uint64_t hi = v61 ? lo + sh[text].size : lo + mem_size[MT_TEXT];

	if (!sec)
		return;
	for (uint64_t i = 0; i + 4 <= sh[sec].size; i += 4) {
		uint64_t ptr = srel(guest(sec) + i, host(sec) + i);

		if (rd(host(sec) + i, 4) && ptr >= lo && ptr < hi && *at(ptr) == 0xf0)
			*at(ptr) = 0x3e;
	}
}

/* sort() with a swap that moves self-relative fields, like the kernel's. */
typedef int (*cmp_fn)(const uint8_t *a, uint64_t aa, const uint8_t *b, uint64_t ab);
typedef void (*swap_fn)(uint8_t *a, uint8_t *b, int64_t delta, unsigned int size);

static void sort_table(uint8_t *base, uint64_t gbase, uint64_t n, unsigned int size,
		       cmp_fn cmp, swap_fn swap)
{
	for (uint64_t i = 1; i < n; i++)	/* insertion sort: any sort gives this order */
		for (uint64_t j = i; j > 0; j--) {
			uint8_t *a = base + (j - 1) * size, *b = base + j * size;

			if (cmp(a, gbase + (j - 1) * size, b, gbase + j * size) <= 0)
				break;
			swap(a, b, (int64_t)size, size);
		}
}

static void swap_rel(uint8_t *a, uint8_t *b, int64_t delta, unsigned int size, unsigned int nrel)
{
	uint8_t t[32];

	memcpy(t, a, size);
	memcpy(a, b, size);
	memcpy(b, t, size);
	for (unsigned int k = 0; k < nrel; k++) {	/* a moved down, b moved up */
		wr(a + 4 * k, rd(a + 4 * k, 4) + (uint64_t)delta, 4);
		wr(b + 4 * k, rd(b + 4 * k, 4) - (uint64_t)delta, 4);
	}
}

static int cmp_u64(const uint8_t *a, uint64_t aa, const uint8_t *b, uint64_t ab)
{
	(void)aa; (void)ab;
	return rd(a, 8) < rd(b, 8) ? -1 : rd(a, 8) > rd(b, 8);
}

static void swap_plain(uint8_t *a, uint8_t *b, int64_t d, unsigned int size) { (void)d; swap_rel(a, b, 0, size, 0); }
static int cmp_rel0(const uint8_t *a, uint64_t aa, const uint8_t *b, uint64_t ab)
{
	uint64_t x = srel(aa, a), y = srel(ab, b);

	return x < y ? -1 : x > y;
}
static void swap_ex(uint8_t *a, uint8_t *b, int64_t d, unsigned int size) { swap_rel(a, b, d, size, 2); }

static uint64_t jkey(const uint8_t *e, uint64_t a) { return (a + 8 + rd(e + 8, 8)) & ~3ul; }
static int cmp_jump(const uint8_t *a, uint64_t aa, const uint8_t *b, uint64_t ab)
{
	if (jkey(a, aa) != jkey(b, ab))
		return jkey(a, aa) < jkey(b, ab) ? -1 : 1;
	return cmp_rel0(a, aa, b, ab);
}
static void swap_jump(uint8_t *a, uint8_t *b, int64_t d, unsigned int size)
{
	swap_rel(a, b, d, size, 2);
	wr(a + 8, rd(a + 8, 8) + (uint64_t)d, 8);
	wr(b + 8, rd(b + 8, 8) - (uint64_t)d, 8);
}
static uint64_t skey(const uint8_t *e, uint64_t a) { return srel(a + 4, e + 4) & ~3ul; }
static int cmp_sc(const uint8_t *a, uint64_t aa, const uint8_t *b, uint64_t ab)
{
	if (skey(a, aa) != skey(b, ab))
		return skey(a, aa) < skey(b, ab) ? -1 : 1;
	return cmp_rel0(a, aa, b, ab);
}
static void swap_sc(uint8_t *a, uint8_t *b, int64_t d, unsigned int size) { swap_rel(a, b, d, size, 2); }

static bool in_init(uint64_t addr)
{
	for (int t = MT_ITEXT; t < MT_NR; t++)
		if (mem[t] && addr >= mem_base[t] && addr < mem_base[t] + mem_size[t])
			return true;
	return false;
}

static bool in_module(uint64_t addr)
{
	for (int t = 0; t < MT_NR; t++)
		if (mem[t] && addr >= mem_base[t] && addr < mem_base[t] + mem_size[t])
			return true;
	return false;
}

static void orc_sort(void)
{
	unsigned int ip = last_sec(".orc_unwind_ip"), orc = last_sec(".orc_unwind");
	uint64_t n;

	if (!ip || !orc)
		return;
	n = sh[ip].size / 4;
	for (uint64_t i = 1; i < n; i++)
		for (uint64_t j = i; j > 0; j--) {
			uint8_t *a = host(ip) + 4 * (j - 1), *b = a + 4, t[6];

			if (srel(guest(ip) + 4 * (j - 1), a) <= srel(guest(ip) + 4 * j, b))
				break;
			swap_rel(a, b, 4, 4, 1);
			memcpy(t, host(orc) + 6 * (j - 1), 6);
			memcpy(host(orc) + 6 * (j - 1), host(orc) + 6 * j, 6);
			memcpy(host(orc) + 6 * j, t, 6);
		}
}

static void sort_tables(void)
{
	unsigned int s;

	if ((s = find_sec("__ex_table")))
		sort_table(host(s), guest(s), sh[s].size / 12, 12, cmp_rel0, swap_ex);
	if ((s = find_sec("__mcount_loc")))
		sort_table(host(s), guest(s), sh[s].size / 8, 8, cmp_u64, swap_plain);
	orc_sort();
}

/* ftrace_module_init(): every call site a NOP; one traced, if asked */
static void ftrace_init(void)
{
	unsigned int s = find_sec("__mcount_loc");

	if (!s)
		return;
	for (uint64_t i = 0; i < sh[s].size / 8; i++) {
		uint64_t addr = rd(host(s) + 8 * i, 8);

		if (!addr)
			continue;
		if ((long)i == traced)
			gen_rel32(at(addr), 0xe8, addr, TRACER);
		else
			memcpy(at(addr), nop(5), 5);
	}
}

/* jump_label_add_module(): sort, mark init entries, the module's keys, flip some */
static void jump_labels(bool text)
{
	unsigned int s = find_sec("__jump_table");
	uint64_t prev = 0;

	if (!s)
		return;
	sort_table(host(s), guest(s), sh[s].size / 16, 16, cmp_jump, swap_jump);
	for (uint64_t i = 0; i < sh[s].size / 16; i++) {
		uint8_t *e = host(s) + 16 * i;
		uint64_t a = guest(s) + 16 * i, code = srel(a, e), target = srel(a + 4, e + 4);
		uint64_t key = jkey(e, a);
		struct x86_insn insn;
		uint8_t *p = at(code);

		wr(e + 8, in_init(code) ? rd(e + 8, 8) | 2 : rd(e + 8, 8) & ~2ul, 8);
		if (key != prev && in_module(key + 8)) {
			uint8_t *k = at(key + 8);

			wr(k, a | (rd(k, 8) & 3), 8);
		}
		prev = key;
		/* a key of the kernel enabled since: every other key flips */
		if (!text || in_module(key) || !((key >> 4) & 1) || !x86_decode(p, 16, &insn))
			continue;
		if (!memcmp(p, nop(insn.len), insn.len)) {
			if (insn.len == 2) {
				p[0] = 0xeb;
				p[1] = (uint8_t)(target - (code + 2));
			} else {
				gen_rel32(p, 0xe9, code, target);
			}
		} else {
			memcpy(p, nop(insn.len), insn.len);
		}
	}
}

/* __static_call_init(): sort, mark init sites, point each site at its key's function */
static void static_calls(bool text)
{
	static const uint8_t retinsn[] = { 0xc3, 0xcc, 0xcc, 0xcc, 0xcc };
	unsigned int s = find_sec(".static_call_sites");
	uint64_t prev = 0;

	if (!s)
		return;
	sort_table(host(s), guest(s), sh[s].size / 8, 8, cmp_sc, swap_sc);
	for (uint64_t i = 0; i < sh[s].size / 8; i++) {
		uint8_t *e = host(s) + 8 * i;
		uint64_t a = guest(s) + 8 * i, addr = srel(a, e), key = skey(e, a);
		bool tail = srel(a + 4, e + 4) & 1, null;
		uint64_t func;
		uint8_t *p = at(addr);

		if (in_init(addr))
			wr(e + 4, rd(e + 4, 4) | 2, 4);
		if (key != prev && in_module(key + 8))	/* key->mods = a list the kernel allocates */
			wr(at(key + 8), 0xffff888004567800ul + (key & 0xff0), 8);
		prev = key;
		if (!text)
			continue;
		/* the key's function: the module's own keys are NULL at load */
		null = in_module(key) || ((key >> 4) & 1);
		func = SYM_BASE + 0x600000 + (key & 0xffff0);
		if (p[0] == 0x0f)
			continue;	/* conditional tail calls stay */
		if (!tail && null)
			memcpy(p, nop(5), 5);
		else if (!tail)
			gen_rel32(p, 0xe8, addr, func);
		else if (null)
			memcpy(p, retinsn, 5);
		else
			gen_rel32(p, 0xe9, addr, func);
	}
}

/* ---- the file buffer as the loader leaves it --------------------------------------- */

static void rewrite_headers(void)
{
	sh[0].addr = 0;
	for (unsigned int i = 1; i < shnum; i++)
		sh[i].addr = (uintptr_t)buf + sh[i].offset;
	versndx = find_sec("__versions");
	infondx = find_sec(".modinfo");
	sh[versndx].flags &= ~(uint64_t)SHF_ALLOC;
	sh[infondx].flags &= ~(uint64_t)SHF_ALLOC;
}

static void layout_and_allocate(uint64_t base)
{
	unsigned int n;

	pcpundx = find_sec(".data..percpu");
	sh[pcpundx].flags &= ~(uint64_t)SHF_ALLOC;
	if ((n = find_sec(".data..ro_after_init")))
		sh[n].flags |= SHF_RO_AFTER_INIT;
	if ((n = find_sec("__jump_table")))
		sh[n].flags |= SHF_RO_AFTER_INIT;
	if (v61)
		layout_sections_61();
	else
		layout_sections_612();
	layout_symtab();
	/* the temporary struct module gets the layout before it is copied */
	modndx = find_sec(".gnu.linkonce.this_module");
	scribble_module_struct(buf + sh[modndx].offset, modndx, seed);
	move_module(base);
}

static void write_file(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f))
		die("%s: %s", path, strerror(errno));
}

/* Every byte some patch site covers, by guest address, for picking plain ones. */
static uint8_t *site_map;
static uint64_t map_lo, map_hi;

static void map_site(uint64_t addr, uint64_t len)
{
	for (uint64_t a = addr; a < addr + len; a++)
		if (a >= map_lo && a < map_hi)
			site_map[a - map_lo] = 1;
}

static void map_rel_table(const char *name, uint64_t len, unsigned int esize)
{
	unsigned int s = last_sec(name);

	if (!s)
		return;
	for (uint64_t i = 0; i + esize <= sh[s].size; i += esize)
		map_site(srel(guest(s) + i, host(s) + i), len);
}

static void map_sites(void)
{
	unsigned int s;

	map_rel_table(".return_sites", 5, 4);
	map_rel_table(".retpoline_sites", 6, 4);
	map_rel_table(".call_sites", 5, 4);
	map_rel_table(".ibt_endbr_seal", 4, 4);
	map_rel_table(".smp_locks", 1, 4);
	map_rel_table("__jump_table", 5, 16);
	map_rel_table(".static_call_sites", 6, 8);
	if ((s = last_sec(".altinstructions")))
		for (uint64_t i = 0; i + (v61 ? 12 : 14) <= sh[s].size; i += v61 ? 12 : 14)
			map_site(srel(guest(s) + i, host(s) + i), host(s)[i + (v61 ? 10 : 12)]);
	if ((s = find_sec("__mcount_loc")))
		for (uint64_t i = 0; i < sh[s].size / 8; i++)
			map_site(rd(host(s) + 8 * i, 8), 5);
	if ((s = last_sec(".parainstructions")))
		for (uint64_t i = 0; i + 16 <= sh[s].size; i += 16)
			map_site(rd(host(s) + i, 8), host(s)[i + 9]);
}

/* Where a guest address is in the files written: "alloc-<tag>-<addr>.bin:0x<off>". */
static void print_loc(const char *key, uint64_t addr)
{
	for (int t = 0; t < MT_NR; t++) {
		int file_t = t;

		if (!mem[t] || addr < mem_base[t] || addr >= mem_base[t] + mem_size[t])
			continue;
		printf("%s=alloc-%s-%llx.bin:0x%llx\n", key, mt_name[file_t],
		       (unsigned long long)mem_base[t], (unsigned long long)(addr - mem_base[t]));
		return;
	}
}

/*
 * Whether addr is in the field of one of the module's static keys or static
 * call keys that the kernel points at its tables (entries, mods): the
 * verifier checks those by rule, the rest of a key is plain data.
 */
static bool in_key(uint64_t addr)
{
	unsigned int s;

	if ((s = find_sec("__jump_table")))
		for (uint64_t i = 0; i + 16 <= sh[s].size; i += 16) {
			uint64_t key = jkey(host(s) + i, guest(s) + i);

			if (addr >= key + 8 && addr < key + 16)
				return true;
		}
	if ((s = find_sec(".static_call_sites")))
		for (uint64_t i = 0; i + 8 <= sh[s].size; i += 8) {
			uint64_t key = skey(host(s) + i, guest(s) + i);

			if (addr >= key + 8 && addr < key + 16)
				return true;
		}
	return false;
}

/* A byte of .data the module's code may write: in no key the kernel points at its tables. */
static void data_plain(void)
{
	unsigned int s = find_sec(".data");

	if (!s)
		return;
	for (uint64_t a = guest(s); a < guest(s) + sh[s].size; a++)
		if (!in_key(a)) {
			print_loc("data_plain", a);
			return;
		}
}

/* Facts the tests use to tamper with the capture. */
static void report(void)
{
	unsigned int text = last_sec(".text"), s;
	uint64_t pick = 0;

	printf("kernel=%s\n", v61 ? "6.1" : "6.12");
	/* a byte of .text in no site, the next site at least 8 bytes away */
	map_lo = guest(text);
	map_hi = map_lo + sh[text].size;
	site_map = calloc(1, sh[text].size + 1);
	map_sites();
	for (uint64_t a = map_lo + sh[text].size / 4; a + 8 < map_hi && !pick; a++) {
		bool near = false;

		for (uint64_t d = a >= map_lo + 8 ? a - 8 : map_lo; d < a + 8 && !near; d++)
			near = site_map[d - map_lo];
		if (!near)
			pick = a;
	}
	if (pick) {
		print_loc("text_plain", pick);
		printf("file_text=0x%llx\n", (unsigned long long)(sh[text].offset + (pick - map_lo)));
	}
	if ((s = find_sec("__mcount_loc")) && sh[s].size)
		print_loc("ftrace_site", rd(host(s), 8));
	if ((s = last_sec(".return_sites")) && sh[s].size)
		print_loc("return_site", srel(guest(s), host(s)));
	if ((s = find_sec("__jump_table")) && sh[s].size)
		print_loc("jump_site", srel(guest(s), host(s)));
	if ((s = last_sec(".altinstructions")) && sh[s].size)
		print_loc("alt_site", srel(guest(s), host(s)));
	if ((s = last_sec(".static_call_sites")) && sh[s].size)
		print_loc("static_call_site", srel(guest(s), host(s)));
	if ((s = find_sec(".rodata")) && sh[s].size)
		print_loc("rodata", guest(s) + sh[s].size / 2);
	data_plain();
	if ((s = find_sec("__ex_table")) && sh[s].size)
		print_loc("ex_table", guest(s));
	if ((s = find_sec(".orc_unwind")) && sh[s].size)
		print_loc("orc", guest(s) + 1);
	print_loc("this_module_name", guest(modndx) + 24);
	print_loc("this_module_state", guest(modndx) + 200);
	print_loc("symtab_value", guest(symndx) + 24 + 8);
	print_loc("kallsyms_name", mem_base[v61 ? MT_TEXT : MT_DATA] + stroffs + 1);
	print_loc("kallsyms_type", mem_base[v61 ? MT_ITEXT : MT_IDATA] + init_typeoffs + 1);
	printf("modinfo_off=0x%llx\n", (unsigned long long)sh[infondx].offset);
}

static void parse_patch(const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;

	patch_mask = 0;
	if (!strcmp(list, "all")) {
		patch_mask = ~0u;
		free(copy);
		return;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t k;

		if (!strcmp(tok, "none"))
			continue;
		for (k = 0; k < sizeof(patch_names) / sizeof(*patch_names); k++)
			if (!strcmp(tok, patch_names[k]))
				break;
		if (k == sizeof(patch_names) / sizeof(*patch_names))
			die("unknown patch class %s", tok);
		patch_mask |= 1u << k;
	}
	free(copy);
}

int main(int argc, char **argv)
{
	const char *kernel = NULL, *in, *out;
	bool pristine = false, split = false;
	uint64_t base = 0xffffffffc0a00000ul;
	uint8_t *orig;
	FILE *f;
	long sz;
	int i;

	patch_mask = ~0u;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--kernel") && i + 1 < argc)
			kernel = argv[++i];
		else if (!strcmp(argv[i], "--patch") && i + 1 < argc)
			parse_patch(argv[++i]);
		else if (!strcmp(argv[i], "--features") && i + 1 < argc) {
			i++;
			features = !strcmp(argv[i], "none") ? 0 : !strcmp(argv[i], "odd") ? 2 : 1;
		} else if (!strcmp(argv[i], "--rethunk"))
			rethunk = true;
		else if (!strcmp(argv[i], "--traced") && i + 1 < argc)
			traced = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--pristine"))
			pristine = true;
		else if (!strcmp(argv[i], "--split-signature"))
			split = true;
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--base") && i + 1 < argc)
			base = strtoull(argv[++i], NULL, 0);
		else
			die("unknown option %s", argv[i]);
	}
	if (argc - i != 2)
		die("usage: mod-loader [OPTIONS] MODULE.ko OUT");
	in = argv[i];
	out = argv[i + 1];
	f = fopen(in, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 64 || fseek(f, 0, SEEK_SET))
		die("%s: cannot read", in);
	buf = malloc((size_t)sz);
	orig = malloc((size_t)sz);
	if (fread(buf, 1, (size_t)sz, f) != (size_t)sz)
		die("%s: short read", in);
	fclose(f);
	memcpy(orig, buf, (size_t)sz);
	buf_len = mod_len = (size_t)sz;
	if (buf_len > MODSIG_MARKER_LEN + 12 &&
	    !memcmp(buf + buf_len - MODSIG_MARKER_LEN, MODSIG_MARKER, MODSIG_MARKER_LEN)) {
		uint32_t sl = (uint32_t)(buf[buf_len - 29 - 3] << 24 | buf[buf_len - 29 - 2] << 16 |
					 buf[buf_len - 29 - 1] << 8 | buf[buf_len - 29]);

		mod_len = buf_len - MODSIG_MARKER_LEN - 12 - sl;
	}
	read_shdrs();
	if (!kernel) {
		const char *vm = modinfo("vermagic");

		kernel = vm && !strncmp(vm, "6.1.", 4) ? "6.1" : "6.12";
	}
	v61 = !strcmp(kernel, "6.1");

	rewrite_headers();
	layout_and_allocate(base);
	simplify_symbols();
	apply_relocations();
	if (patch_mask & (1u << 9))
		sort_tables();
	add_kallsyms();
	if (patch_mask & (1u << 6))
		apply_paravirt();
	if (patch_mask & (1u << 4))
		apply_retpolines();
	if (patch_mask & (1u << 3))
		apply_returns();
	if (patch_mask & (1u << 5))
		apply_alternatives();
	if (patch_mask & (1u << 8))
		apply_endbr();
	if (patch_mask & (1u << 7))
		smp_unlock();
	if (patch_mask & (1u << 0))
		ftrace_init();
	if (patch_mask & (1u << 9)) {
		jump_labels(patch_mask & (1u << 1));
		static_calls(patch_mask & (1u << 2));
	}
	/* struct module in its allocation: the loader's state, init and exit kept */
	scribble_module_struct(dest_of(modndx), modndx, seed * 7);
	write_shdrs();

	mkdir(out, 0755);
	if (pristine)
		memcpy(buf, orig, buf_len);
	write_file(out, "file.bin", buf, split ? mod_len : buf_len);
	if (split)
		write_file(out, "signature.bin", buf + mod_len, buf_len - mod_len);
	for (int t = 0; t < MT_NR; t++) {
		char name[64];
		int tag = t + 1;

		if (!mem[t])
			continue;
		if (v61 && t != MT_TEXT && t != MT_ITEXT)
			continue;
		snprintf(name, sizeof(name), "alloc-%s-%llx.bin", mt_name[tag - 1],
			 (unsigned long long)mem_base[t]);
		write_file(out, name, mem[t], mem_size[t]);
	}
	report();
	return 0;
}
