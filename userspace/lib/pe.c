// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PE/COFF headers: the DOS stub's pointer, the COFF file header, the
 * optional header (PE32 or PE32+) with its data directories, the section
 * table. Every field is read through a bounds check against the input; the
 * result (struct pe_image) only holds values that were checked to be
 * consistent with each other, so the later steps do not check them again.
 *
 * The same parser reads a file and a loaded image: up to SizeOfHeaders the
 * two have the same layout.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DOS_LFANEW_OFF		0x3c
#define DOS_HEADER_SIZE		0x40
#define PE_SIGNATURE_SIZE	4
#define COFF_HEADER_SIZE	20
#define SECTION_HEADER_SIZE	40
#define OPT_MAGIC_PE32		0x10b
#define OPT_MAGIC_PE32PLUS	0x20b
#define OPT_FIXED_PE32		96	/* optional header up to the data directories */
#define OPT_FIXED_PE32PLUS	112
#define OPT_CHECKSUM_OFF	64
#define OPT_SECTION_ALIGN_OFF	32
#define OPT_SIZE_OF_IMAGE_OFF	56
#define OPT_SIZE_OF_HEADERS_OFF	60

static int parse_optional_header(struct pe_image *pe, const uint8_t *buf,
				 size_t len, uint64_t opt_off, uint16_t opt_size,
				 struct hostsig_result *res)
{
	const uint8_t *opt;
	uint32_t fixed;
	uint16_t magic;

	if (opt_size < 2 || !span_ok(len, opt_off, opt_size))
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "optional header (%u bytes) out of bounds", opt_size);
	opt = buf + opt_off;
	magic = le16(opt);
	if (magic == OPT_MAGIC_PE32) {
		pe->format = HOSTSIG_FORMAT_PE32;
		pe->ptr_size = 4;
		fixed = OPT_FIXED_PE32;
	} else if (magic == OPT_MAGIC_PE32PLUS) {
		pe->format = HOSTSIG_FORMAT_PE32PLUS;
		pe->ptr_size = 8;
		fixed = OPT_FIXED_PE32PLUS;
	} else {
		return result_set(res, HOSTSIG_R_UNSUPPORTED_FORMAT,
				  "optional header magic 0x%x is neither PE32 nor PE32+",
				  magic);
	}
	if (opt_size < fixed)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "optional header of %u bytes, %u needed", opt_size, fixed);
	pe->nr_dirs = le32(opt + fixed - 4);
	if (pe->nr_dirs > PE_MAX_DIRS || fixed + 8 * pe->nr_dirs > opt_size)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "%u data directories do not fit the optional header",
				  pe->nr_dirs);
	pe->image_base_off = (uint32_t)opt_off + (pe->ptr_size == 8 ? 24 : 28);
	pe->image_base = get_le(buf + pe->image_base_off, pe->ptr_size);
	pe->checksum_off = (uint32_t)opt_off + OPT_CHECKSUM_OFF;
	pe->section_alignment = le32(opt + OPT_SECTION_ALIGN_OFF);
	pe->size_of_image = le32(opt + OPT_SIZE_OF_IMAGE_OFF);
	pe->size_of_headers = le32(opt + OPT_SIZE_OF_HEADERS_OFF);
	for (uint32_t i = 0; i < pe->nr_dirs; i++) {
		pe->dirs[i].rva = le32(opt + fixed + 8 * i);
		pe->dirs[i].size = le32(opt + fixed + 8 * i + 4);
	}
	if (pe->nr_dirs > PE_DIR_SECURITY)
		pe->cert_dirent_off = (uint32_t)opt_off + fixed + 8 * PE_DIR_SECURITY;
	return 0;
}

static int parse_sections(struct pe_image *pe, const uint8_t *buf,
			  uint64_t table_off, struct hostsig_result *res)
{
	pe->sections = calloc(pe->nr_sections ? pe->nr_sections : 1,
			      sizeof(*pe->sections));
	pe->raw_order = calloc(pe->nr_sections ? pe->nr_sections : 1,
			       sizeof(*pe->raw_order));
	if (!pe->sections || !pe->raw_order)
		return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	for (uint16_t i = 0; i < pe->nr_sections; i++) {
		const uint8_t *sh = buf + table_off + (uint64_t)i * SECTION_HEADER_SIZE;
		struct pe_section *s = &pe->sections[i];

		s->vsize = le32(sh + 8);
		s->vaddr = le32(sh + 12);
		s->raw_size = le32(sh + 16);
		s->raw_ptr = le32(sh + 20);
		s->characteristics = le32(sh + 36);
		/* Loaders take a VirtualSize of 0 to mean SizeOfRawData. */
		if (!s->vsize)
			s->vsize = s->raw_size;
	}
	return 0;
}

/*
 * Raw data in file order, each section after the headers and after the one
 * before it: two pieces of the file that claim the same bytes would make
 * "the file a loaded image came from" ambiguous.
 */
static int order_raw_data(struct pe_image *pe, struct hostsig_result *res)
{
	uint64_t end = pe->size_of_headers;

	for (uint16_t i = 0; i < pe->nr_sections; i++) {
		uint16_t j = pe->nr_raw;

		if (!pe->sections[i].raw_size)
			continue;
		/* Insertion sort, stable; at most HOSTSIG_PE_MAX_SECTIONS. */
		while (j > 0 && pe->sections[pe->raw_order[j - 1]].raw_ptr >
				pe->sections[i].raw_ptr) {
			pe->raw_order[j] = pe->raw_order[j - 1];
			j--;
		}
		pe->raw_order[j] = i;
		pe->nr_raw++;
	}
	for (uint16_t k = 0; k < pe->nr_raw; k++) {
		const struct pe_section *s = &pe->sections[pe->raw_order[k]];

		if (s->raw_ptr < end)
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "raw data of section %u (0x%x) overlaps the headers or another section",
					  pe->raw_order[k], s->raw_ptr);
		end = (uint64_t)s->raw_ptr + s->raw_size;
	}
	if (end > UINT32_MAX)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "raw data beyond 4 GiB");
	pe->raw_end = (uint32_t)end;
	return 0;
}

int pe_parse(struct pe_image *pe, const uint8_t *buf, size_t len,
	     struct hostsig_result *res)
{
	uint64_t pe_off, coff_off, opt_off, table_off, table_end;
	uint16_t opt_size;

	memset(pe, 0, sizeof(*pe));
	if (len < DOS_HEADER_SIZE || buf[0] != 'M' || buf[1] != 'Z')
		return result_set(res, HOSTSIG_R_UNSUPPORTED_FORMAT,
				  "not a PE/COFF image (no MZ header)");
	pe_off = le32(buf + DOS_LFANEW_OFF);
	if (!span_ok(len, pe_off, PE_SIGNATURE_SIZE) ||
	    memcmp(buf + pe_off, "PE\0\0", PE_SIGNATURE_SIZE))
		return result_set(res, HOSTSIG_R_UNSUPPORTED_FORMAT,
				  "not a PE/COFF image (no PE signature)");
	coff_off = pe_off + PE_SIGNATURE_SIZE;
	if (!span_ok(len, coff_off, COFF_HEADER_SIZE))
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "COFF header out of bounds");
	pe->machine = le16(buf + coff_off);
	pe->nr_sections = le16(buf + coff_off + 2);
	opt_size = le16(buf + coff_off + 16);
	pe->file_characteristics = le16(buf + coff_off + 18);
	opt_off = coff_off + COFF_HEADER_SIZE;
	if (parse_optional_header(pe, buf, len, opt_off, opt_size, res))
		return -1;
	if (pe->nr_sections > HOSTSIG_PE_MAX_SECTIONS)
		return result_set(res, HOSTSIG_R_UNSUPPORTED_IMAGE,
				  "%u sections, more than %u", pe->nr_sections,
				  HOSTSIG_PE_MAX_SECTIONS);
	/* The section table must be inside the hashed headers. */
	table_off = opt_off + opt_size;
	table_end = table_off + (uint64_t)pe->nr_sections * SECTION_HEADER_SIZE;
	if (table_end > pe->size_of_headers)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "section table ends at 0x%llx, beyond SizeOfHeaders 0x%x",
				  (unsigned long long)table_end, pe->size_of_headers);
	if (pe->size_of_headers > len)
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "SizeOfHeaders 0x%x beyond the end of the input",
				  pe->size_of_headers);
	if (parse_sections(pe, buf, table_off, res))
		return -1;
	return order_raw_data(pe, res);
}

void pe_release(struct pe_image *pe)
{
	free(pe->sections);
	free(pe->raw_order);
	free(pe->va_order);
	pe->sections = NULL;
	pe->raw_order = NULL;
	pe->va_order = NULL;
}

/* Sections that occupy memory, by RVA (insertion sort, stable). */
static int order_by_rva(struct pe_image *pe, struct hostsig_result *res)
{
	pe->va_order = calloc(pe->nr_sections ? pe->nr_sections : 1, sizeof(*pe->va_order));
	if (!pe->va_order)
		return result_set(res, HOSTSIG_R_INTERNAL_ERROR, "out of memory");
	pe->nr_va = 0;
	for (uint16_t i = 0; i < pe->nr_sections; i++) {
		uint16_t j = pe->nr_va;

		if (!pe->sections[i].vsize)
			continue;
		while (j > 0 && pe->sections[pe->va_order[j - 1]].vaddr > pe->sections[i].vaddr) {
			pe->va_order[j] = pe->va_order[j - 1];
			j--;
		}
		pe->va_order[j] = i;
		pe->nr_va++;
	}
	return 0;
}

/*
 * A section occupies memory from its RVA for VirtualSize bytes, and up to
 * align(VirtualSize, SectionAlignment) where the next section (or
 * SizeOfImage) leaves room: Windows maps raw data to the end of the
 * section's last page, while loaders that copy VirtualSize bytes (EDK2,
 * shim) also load images whose sections are packed closer than
 * SectionAlignment, as objcopy makes some UEFI images (Debian's
 * fwupdx64.efi). Of its raw data a loader maps at most that extent.
 * VirtualSize ranges must not overlap each other or the headers.
 */
int pe_layout(struct pe_image *pe, struct hostsig_result *res)
{
	uint64_t align = pe->section_alignment, prev_end = pe->size_of_headers;

	if (!align || (align & (align - 1)))
		return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
				  "SectionAlignment 0x%x is not a power of two",
				  pe->section_alignment);
	for (uint16_t i = 0; i < pe->nr_sections; i++) {
		const struct pe_section *s = &pe->sections[i];

		if ((uint64_t)s->vaddr + s->vsize > pe->size_of_image)
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "section %u (0x%x+0x%x) beyond SizeOfImage 0x%x",
					  i, s->vaddr, s->vsize, pe->size_of_image);
	}
	if (order_by_rva(pe, res))
		return -1;
	for (uint16_t k = 0; k < pe->nr_va; k++) {
		struct pe_section *s = &pe->sections[pe->va_order[k]];
		uint64_t limit = k + 1 < pe->nr_va ?
				 pe->sections[pe->va_order[k + 1]].vaddr : pe->size_of_image;
		uint64_t extent = ((uint64_t)s->vsize + align - 1) & ~(align - 1);

		if (s->vaddr < prev_end || (uint64_t)s->vaddr + s->vsize > limit)
			return result_set(res, HOSTSIG_R_UNREADABLE_IMAGE,
					  "section %u at RVA 0x%x+0x%x overlaps the headers or another section",
					  pe->va_order[k], s->vaddr, s->vsize);
		if (extent > limit - s->vaddr)
			extent = limit - s->vaddr;
		s->extent = (uint32_t)extent;
		s->mapped = s->raw_size < extent ? s->raw_size : (uint32_t)extent;
		prev_end = (uint64_t)s->vaddr + s->vsize;
	}
	return 0;
}

/* ---- writable sections ------------------------------------------------ */

static int range_cmp(const void *a, const void *b)
{
	const struct hostsig_range *ra = a, *rb = b;

	if (ra->rva != rb->rva)
		return ra->rva < rb->rva ? -1 : 1;
	return 0;
}

/* Sort by RVA and merge overlapping and adjacent ranges; the new count. */
static size_t merge_ranges(struct hostsig_range *r, size_t n)
{
	size_t out = 0;

	qsort(r, n, sizeof(*r), range_cmp);
	for (size_t i = 0; i < n; i++) {
		uint64_t end = (uint64_t)r[i].rva + r[i].size;

		if (out && r[i].rva <= (uint64_t)r[out - 1].rva + r[out - 1].size) {
			if (end > (uint64_t)r[out - 1].rva + r[out - 1].size)
				r[out - 1].size = (uint32_t)(end - r[out - 1].rva);
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

/*
 * The same rule as the unload step (pe_layout()): a section occupies
 * align(VirtualSize, SectionAlignment) from its RVA, cut at the next
 * section and SizeOfImage.
 */
int hostsig_pe_writable_ranges(const uint8_t *image, size_t len,
			       struct hostsig_range *ranges, size_t max)
{
	struct hostsig_range *all = NULL;
	struct hostsig_result res;
	struct pe_image pe;
	size_t n = 0;
	int ret = -1;

	result_init(&res);
	if (pe_parse(&pe, image, len, &res) || pe_layout(&pe, &res))
		goto out;
	all = calloc(pe.nr_sections ? pe.nr_sections : 1, sizeof(*all));
	if (!all)
		goto out;
	for (uint16_t k = 0; k < pe.nr_va; k++) {
		const struct pe_section *s = &pe.sections[pe.va_order[k]];

		if (!(s->characteristics & IMAGE_SCN_MEM_WRITE))
			continue;
		all[n++] = (struct hostsig_range){ .rva = s->vaddr, .size = s->extent };
	}
	n = merge_ranges(all, n);
	if (n && max)
		memcpy(ranges, all, (n < max ? n : max) * sizeof(*ranges));
	ret = (int)n;
out:
	free(all);
	pe_release(&pe);
	hostsig_result_release(&res);
	return ret;
}
