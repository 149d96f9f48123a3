// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ELF reader for kernel modules: an x86-64 relocatable object, checked
 * the way the kernel's elf_validity_check() checks it, plus every bound the
 * rest of the verifier relies on (names inside the string table, symbols
 * inside the symbol table, relocations inside their section).
 *
 * The section header table may come from elsewhere than the module's bytes:
 * the loader rewrites it in its file buffer, and the verifier parses its
 * reconstruction of the original instead.
 */
#include <stdlib.h>
#include <string.h>

#include "elfmod.h"

#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define ELFCLASS64	2
#define ELFDATA2LSB	1

void elf_shdr_decode(const uint8_t *p, struct elf_shdr *s)
{
	s->name = le32(p);
	s->type = le32(p + 4);
	s->flags = le64(p + 8);
	s->addr = le64(p + 16);
	s->offset = le64(p + 24);
	s->size = le64(p + 32);
	s->link = le32(p + 40);
	s->info = le32(p + 44);
	s->addralign = le64(p + 48);
	s->entsize = le64(p + 56);
}

void elf_shdr_encode(uint8_t *p, const struct elf_shdr *s)
{
	put_le(p, s->name, 4);
	put_le(p + 4, s->type, 4);
	put_le(p + 8, s->flags, 8);
	put_le(p + 16, s->addr, 8);
	put_le(p + 24, s->offset, 8);
	put_le(p + 32, s->size, 8);
	put_le(p + 40, s->link, 4);
	put_le(p + 44, s->info, 4);
	put_le(p + 48, s->addralign, 8);
	put_le(p + 56, s->entsize, 8);
}

bool hostsig_is_elf_module(const uint8_t *buf, size_t len)
{
	return len >= ELF_EHDR_SIZE && !memcmp(buf, "\177ELF", 4) &&
	       buf[EI_CLASS] == ELFCLASS64 && buf[EI_DATA] == ELFDATA2LSB &&
	       le16(buf + 16) == ELF_ET_REL && le16(buf + 18) == ELF_EM_X86_64;
}

int elf_check_header(const uint8_t *buf, size_t len, uint64_t *shoff,
		     uint16_t *shnum, uint16_t *shstrndx, struct hostsig_result *res)
{
	if (len < ELF_EHDR_SIZE || memcmp(buf, "\177ELF", 4))
		return result_set(res, HOSTSIG_R_UNSUPPORTED_FORMAT,
				  "not an ELF file");
	if (buf[EI_CLASS] != ELFCLASS64 || buf[EI_DATA] != ELFDATA2LSB ||
	    le16(buf + 18) != ELF_EM_X86_64)
		return result_set(res, HOSTSIG_R_UNSUPPORTED_FORMAT,
				  "not a little-endian x86-64 ELF file");
	if (le16(buf + 16) != ELF_ET_REL)
		return result_set(res, HOSTSIG_R_UNSUPPORTED_FORMAT,
				  "ELF type %u is not a relocatable object (a module)",
				  le16(buf + 16));
	if (le16(buf + 58) != ELF_SHDR_SIZE)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "section header size %u, not 64", le16(buf + 58));
	*shoff = le64(buf + 40);
	*shnum = le16(buf + 60);
	*shstrndx = le16(buf + 62);
	if (*shnum == 0 || *shnum > HOSTSIG_ELF_MAX_SECTIONS)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "%u sections (1..%u)", *shnum, HOSTSIG_ELF_MAX_SECTIONS);
	if (!span_ok(len, *shoff, (uint64_t)*shnum * ELF_SHDR_SIZE))
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "section headers at 0x%llx run past the end (0x%zx)",
				  (unsigned long long)*shoff, len);
	if (*shstrndx == SHN_UNDEF || *shstrndx >= *shnum)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "section name table index %u of %u", *shstrndx, *shnum);
	return 0;
}

const char *elf_section_name(const struct elf_module *m, unsigned int i)
{
	if (i >= m->shnum || m->sh[i].name >= m->shstr_len)
		return "";
	return m->shstr + m->sh[i].name;
}

bool elf_section_is(const struct elf_module *m, unsigned int i, const char *name)
{
	return !strcmp(elf_section_name(m, i), name);
}

/* The kernel's find_sec() only finds SHF_ALLOC sections; alloc_only says so. */
unsigned int elf_find_section(const struct elf_module *m, const char *name,
			      bool alloc_only)
{
	for (unsigned int i = 1; i < m->shnum; i++) {
		if (alloc_only && !(m->sh[i].flags & SHF_ALLOC))
			continue;
		if (elf_section_is(m, i, name))
			return i;
	}
	return 0;
}

/* A section's bytes: inside the module (check_sections()), or NULL for SHT_NOBITS. */
const uint8_t *elf_section_data(const struct elf_module *m, unsigned int i)
{
	if (m->sh[i].type == SHT_NOBITS)
		return NULL;
	return m->buf + m->sh[i].offset;
}

bool elf_sym(const struct elf_module *m, size_t i, struct elf_sym *sym)
{
	const uint8_t *p;

	if (i >= m->nr_syms)
		return false;
	p = m->buf + m->sh[m->symndx].offset + i * ELF_SYM_SIZE;
	sym->name = le32(p);
	sym->info = p[4];
	sym->other = p[5];
	sym->shndx = le16(p + 6);
	sym->value = le64(p + 8);
	sym->size = le64(p + 16);
	return true;
}

const char *elf_sym_name(const struct elf_module *m, const struct elf_sym *sym)
{
	const struct elf_shdr *str = &m->sh[m->strndx];

	if (sym->name >= str->size)
		return "";
	return (const char *)m->buf + str->offset + sym->name;
}

size_t elf_nr_relas(const struct elf_module *m, unsigned int sec)
{
	if (sec >= m->shnum || m->sh[sec].type != SHT_RELA)
		return 0;
	return m->sh[sec].size / ELF_RELA_SIZE;
}

bool elf_rela(const struct elf_module *m, unsigned int sec, size_t i,
	      struct elf_rela *r)
{
	const uint8_t *p;
	uint64_t info;

	if (i >= elf_nr_relas(m, sec))
		return false;
	p = m->buf + m->sh[sec].offset + i * ELF_RELA_SIZE;
	r->offset = le64(p);
	info = le64(p + 8);
	r->type = (uint32_t)info;
	r->sym = (uint32_t)(info >> 32);
	r->addend = (int64_t)le64(p + 16);
	return true;
}

/*
 * Every section's bytes inside the file, as the kernel demands, whatever
 * its type (but SHT_NOBITS, which has none): a section is found by its
 * name or a link as well as by its type.
 */
static int check_sections(struct elf_module *m, struct hostsig_result *res)
{
	for (unsigned int i = 1; i < m->shnum; i++) {
		const struct elf_shdr *s = &m->sh[i];

		if (s->type == SHT_NOBITS)
			continue;
		if (!span_ok(m->len, s->offset, s->size))
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "section %u at 0x%llx+0x%llx runs past the end (0x%zx)",
					  i, (unsigned long long)s->offset,
					  (unsigned long long)s->size, m->len);
		if (s->type == SHT_SYMTAB && (s->link == SHN_UNDEF || s->link >= m->shnum))
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "symbol table %u links to section %u", i, s->link);
		if (s->name >= m->shstr_len)
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "section %u name at %u, outside the name table", i, s->name);
		if (s->type == SHT_RELA && (s->info >= m->shnum || s->size % ELF_RELA_SIZE))
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "relocation section %s applies to section %u",
					  elf_section_name(m, i), s->info);
	}
	return 0;
}

static int find_symtab(struct elf_module *m, struct hostsig_result *res)
{
	const struct elf_shdr *sym, *str;

	for (unsigned int i = 1; i < m->shnum; i++) {
		if (m->sh[i].type == SHT_SYMTAB) {
			m->symndx = i;
			break;
		}
	}
	if (!m->symndx)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "no symbol table (a stripped module)");
	sym = &m->sh[m->symndx];
	m->strndx = sym->link;
	str = &m->sh[m->strndx];
	if (str->type != SHT_STRTAB || str->size == 0 ||
	    m->buf[str->offset + str->size - 1] != '\0')
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "the symbol names are not a terminated string table");
	m->nr_syms = sym->size / ELF_SYM_SIZE;
	return 0;
}

/* A .modinfo value: "tag=value" strings separated by NULs. */
static const char *modinfo_get(const struct elf_module *m, const char *tag)
{
	const struct elf_shdr *s;
	const char *p, *end;
	size_t tlen = strlen(tag);

	if (!m->modinfo)
		return NULL;
	s = &m->sh[m->modinfo];
	p = (const char *)m->buf + s->offset;
	end = p + s->size;
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));

		if (!nul)
			return NULL;	/* unterminated: nothing after it is usable */
		if ((size_t)(nul - p) > tlen && !strncmp(p, tag, tlen) && p[tlen] == '=')
			return p + tlen + 1;
		p = nul + 1;
	}
	return NULL;
}

enum hostsig_elf_kernel elf_kernel_series(const char *vermagic)
{
	unsigned long major, minor;
	char *end;

	if (!vermagic)
		return HOSTSIG_ELF_KERNEL_UNKNOWN;
	major = strtoul(vermagic, &end, 10);
	if (*end != '.')
		return HOSTSIG_ELF_KERNEL_UNKNOWN;
	minor = strtoul(end + 1, &end, 10);
	if (*end != '.' && *end != '-' && *end != ' ' && *end != '+')
		return HOSTSIG_ELF_KERNEL_UNKNOWN;
	if (major == 6 && minor == 1)
		return HOSTSIG_ELF_KERNEL_6_1;
	if (major == 6 && minor == 12)
		return HOSTSIG_ELF_KERNEL_6_12;
	return HOSTSIG_ELF_KERNEL_UNKNOWN;
}

static int parse(struct elf_module *m, const uint8_t *buf, size_t len,
		 const uint8_t *shdrs, struct hostsig_result *res)
{
	const struct elf_shdr *str;

	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->len = len;
	if (elf_check_header(buf, len, &m->shoff, &m->shnum, &m->shstrndx, res))
		return -1;
	if (!shdrs)
		shdrs = buf + m->shoff;
	m->sh = calloc(m->shnum, sizeof(*m->sh));
	if (!m->sh)
		return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	for (unsigned int i = 0; i < m->shnum; i++)
		elf_shdr_decode(shdrs + (size_t)i * ELF_SHDR_SIZE, &m->sh[i]);
	if (m->sh[0].type != SHT_NULL || m->sh[0].size || m->sh[0].addr)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "section 0 is not an empty SHT_NULL");
	str = &m->sh[m->shstrndx];
	if (str->type != SHT_STRTAB || !span_ok(len, str->offset, str->size) ||
	    str->size == 0 || buf[str->offset + str->size - 1] != '\0')
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "the section name table is not a terminated string table");
	m->shstr = (const char *)buf + str->offset;
	m->shstr_len = str->size;
	if (check_sections(m, res) || find_symtab(m, res))
		return -1;
	m->modinfo = elf_find_section(m, ".modinfo", false);
	m->versions = elf_find_section(m, "__versions", false);
	m->pcpu = elf_find_section(m, ".data..percpu", false);
	m->this_module = elf_find_section(m, ".gnu.linkonce.this_module", false);
	/* the sections whose bytes the verifier reads are used as such only */
	if (m->modinfo && m->sh[m->modinfo].type != SHT_PROGBITS)
		m->modinfo = 0;
	if (m->versions && m->sh[m->versions].type != SHT_PROGBITS)
		m->versions = 0;
	if (m->this_module && m->sh[m->this_module].type != SHT_PROGBITS)
		m->this_module = 0;
	m->name = modinfo_get(m, "name");
	m->vermagic = modinfo_get(m, "vermagic");
	m->kernel = elf_kernel_series(m->vermagic);
	return 0;
}

/* On failure nothing is left allocated. */
int elf_parse(struct elf_module *m, const uint8_t *buf, size_t len,
	      const uint8_t *shdrs, struct hostsig_result *res)
{
	if (!parse(m, buf, len, shdrs, res))
		return 0;
	elf_release(m);
	return -1;
}

void elf_release(struct elf_module *m)
{
	free(m->sh);
	m->sh = NULL;
}
