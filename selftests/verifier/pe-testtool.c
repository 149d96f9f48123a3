// SPDX-License-Identifier: GPL-2.0
/*
 * The verifier's test helper, and its reference loader. It shares no code
 * with libhostsig on purpose: the loader here maps a PE/COFF file the way
 * Windows and UEFI firmware do, the verifier undoes it, and the two must
 * meet at the signed bytes.
 *
 *   pe-testtool load [--mode windows|uefi] [--fill BYTE] --base ADDR FILE OUT
 *       Map FILE at ADDR; write OUT.image (SizeOfImage bytes), OUT.sig (the
 *       certificate table, if any), OUT.tail (file bytes after the sections,
 *       table excluded, if any) and OUT.info (what the loader did, as
 *       key=value lines). windows: raw data up to the section's last page,
 *       relocations, imports bound to made-up addresses, the TLS index, a
 *       fresh /GS cookie, ImageBase. uefi: raw data up to VirtualSize,
 *       relocations, ImageBase. --fill sets every byte no raw data covers.
 *   pe-testtool info FILE
 *       Offsets tests tamper with, as key=value lines.
 *   pe-testtool set-load-config FILE VA
 *       Point the load configuration directory at the structure at VA (what
 *       newer linkers do for a _load_config_used symbol).
 *   pe-testtool reloc-mix FILE
 *       Rewrite three HIGHLOW relocations of a PE32 file as the other types
 *       a Windows loader applies: LOW + HIGH, LOW + HIGHADJ (old linkers'
 *       types, which no current linker emits), and one LOW overlapping
 *       two others, in a block of their own.
 *   pe-testtool mark-bound FILE
 *       Mark the first import descriptor bound (TimeDateStamp -1), as a
 *       binding tool would.
 *   pe-testtool fuzz-seed OUT FILE
 *   pe-testtool fuzz-seed OUT IMAGE BASE IMAGE_BASE [SIG [TAIL]]
 *       Write an input for the libFuzzer harness (userspace/fuzz/pe.c).
 *   pe-testtool grow-vsize FILE SECTION VSIZE
 *       Set the VirtualSize of the section named SECTION (".text") to VSIZE,
 *       which must stay within its page and the next section: more of it is
 *       then zero fill, as a linker makes .bss.
 *   pe-testtool strip-relocs FILE
 *       Mark FILE's relocations stripped (IMAGE_FILE_RELOCS_STRIPPED) and
 *       empty its relocation directory, as a linker does for an image that
 *       only runs at its ImageBase.
 *   pe-testtool poke IMAGE RVA HEX
 *       Write the bytes HEX (two digits each) into a loaded image at RVA:
 *       what a compromised guest plants.
 *   pe-testtool certs FILE PREFIX
 *       Write every DER SEQUENCE in FILE that starts like an X.509
 *       certificate (two nested long-form SEQUENCEs) as PREFIX.N.der, each
 *       once; openssl tells which are certificates. For UEFI variable
 *       stores (EFI_SIGNATURE_LISTs of EFI_CERT_X509 entries).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct buf {
	uint8_t *p;
	size_t len;
};

struct section {
	uint32_t vsize, vaddr, raw_size, raw_ptr;
	char name[9];
};

struct pe {
	struct buf file;
	bool plus;			/* PE32+ */
	unsigned int ptr;		/* pointer size */
	uint32_t opt, nr_dirs, dirs_off;
	uint64_t image_base;
	uint32_t section_align, size_of_image, size_of_headers;
	uint16_t nr_sections;
	struct section *sec;
	uint32_t raw_end;
	uint32_t cert_off, cert_size;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pe-testtool: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t rd(const struct buf *b, uint64_t off, unsigned int n)
{
	uint64_t v = 0;

	if (off > b->len || n > b->len - off)
		die("read of %u bytes at 0x%" PRIx64 " out of bounds", n, off);
	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)b->p[off + i] << (8 * i);
	return v;
}

static void wr(struct buf *b, uint64_t off, uint64_t v, unsigned int n)
{
	if (off > b->len || n > b->len - off)
		die("write of %u bytes at 0x%" PRIx64 " out of bounds", n, off);
	for (unsigned int i = 0; i < n; i++)
		b->p[off + i] = (uint8_t)(v >> (8 * i));
}

static struct buf slurp(const char *path)
{
	struct buf b = { NULL, 0 };
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		die("%s: %s", path, strerror(errno));
	b.len = (size_t)st.st_size;
	b.p = malloc(b.len ? b.len : 1);
	if (!b.p)
		die("out of memory");
	for (size_t got = 0; got < b.len;) {
		ssize_t n = read(fd, b.p + got, b.len - got);

		if (n <= 0)
			die("%s: short read", path);
		got += (size_t)n;
	}
	close(fd);
	return b;
}

static void spill(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, len, f) != len || fclose(f))
		die("%s: %s", path, strerror(errno));
}

static void parse(struct pe *pe, struct buf file)
{
	uint32_t lfanew, coff, table;
	uint16_t opt_size;

	memset(pe, 0, sizeof(*pe));
	pe->file = file;
	if (rd(&file, 0, 2) != 0x5a4d)
		die("no MZ header");
	lfanew = (uint32_t)rd(&file, 0x3c, 4);
	if (rd(&file, lfanew, 4) != 0x4550)
		die("no PE signature");
	coff = lfanew + 4;
	pe->nr_sections = (uint16_t)rd(&file, coff + 2, 2);
	opt_size = (uint16_t)rd(&file, coff + 16, 2);
	pe->opt = coff + 20;
	pe->plus = rd(&file, pe->opt, 2) == 0x20b;
	pe->ptr = pe->plus ? 8 : 4;
	pe->image_base = rd(&file, pe->opt + (pe->plus ? 24 : 28), pe->ptr);
	pe->section_align = (uint32_t)rd(&file, pe->opt + 32, 4);
	pe->size_of_image = (uint32_t)rd(&file, pe->opt + 56, 4);
	pe->size_of_headers = (uint32_t)rd(&file, pe->opt + 60, 4);
	pe->nr_dirs = (uint32_t)rd(&file, pe->opt + (pe->plus ? 108 : 92), 4);
	pe->dirs_off = pe->opt + (pe->plus ? 112 : 96);
	if (pe->nr_dirs > 4) {
		pe->cert_off = (uint32_t)rd(&file, pe->dirs_off + 32, 4);
		pe->cert_size = (uint32_t)rd(&file, pe->dirs_off + 36, 4);
	}
	table = pe->opt + opt_size;
	pe->sec = calloc(pe->nr_sections + 1u, sizeof(*pe->sec));
	if (!pe->sec)
		die("out of memory");
	pe->raw_end = pe->size_of_headers;
	for (uint16_t i = 0; i < pe->nr_sections; i++) {
		struct section *s = &pe->sec[i];
		uint32_t at = table + 40u * i;

		memcpy(s->name, file.p + at, 8);
		s->vsize = (uint32_t)rd(&file, at + 8, 4);
		s->vaddr = (uint32_t)rd(&file, at + 12, 4);
		s->raw_size = (uint32_t)rd(&file, at + 16, 4);
		s->raw_ptr = (uint32_t)rd(&file, at + 20, 4);
		if (s->raw_size && s->raw_ptr + s->raw_size > pe->raw_end)
			pe->raw_end = s->raw_ptr + s->raw_size;
	}
}

static uint32_t dir_rva(const struct pe *pe, unsigned int i, uint32_t *size)
{
	if (i >= pe->nr_dirs) {
		*size = 0;
		return 0;
	}
	*size = (uint32_t)rd(&pe->file, pe->dirs_off + 8 * i + 4, 4);
	return (uint32_t)rd(&pe->file, pe->dirs_off + 8 * i, 4);
}

static const struct section *section_of(const struct pe *pe, uint32_t rva)
{
	for (uint16_t i = 0; i < pe->nr_sections; i++) {
		const struct section *s = &pe->sec[i];
		uint32_t size = s->vsize ? s->vsize : s->raw_size;

		if (rva >= s->vaddr && rva < s->vaddr + size)
			return s;
	}
	return NULL;
}

static uint32_t rva_to_off(const struct pe *pe, uint32_t rva)
{
	const struct section *s = section_of(pe, rva);

	if (!s || rva - s->vaddr >= s->raw_size)
		die("RVA 0x%x has no file offset", rva);
	return s->raw_ptr + (rva - s->vaddr);
}

/* --- the loader --------------------------------------------------------- */

struct loader {
	struct pe pe;
	bool windows;
	struct buf img;
	uint64_t base;
	uint64_t mask;
	FILE *info;
	unsigned int relocs;
};

static void map(struct loader *l, int fill)
{
	const struct pe *pe = &l->pe;

	l->img.len = pe->size_of_image;
	l->img.p = malloc(l->img.len);
	if (!l->img.p)
		die("out of memory");
	memset(l->img.p, fill < 0 ? 0 : fill, l->img.len);
	memcpy(l->img.p, pe->file.p, pe->size_of_headers);
	for (uint16_t i = 0; i < pe->nr_sections; i++) {
		const struct section *s = &pe->sec[i];
		uint32_t vsize = s->vsize ? s->vsize : s->raw_size;
		uint64_t page_end = ((uint64_t)vsize + pe->section_align - 1) &
				    ~(uint64_t)(pe->section_align - 1);
		uint64_t n;

		/* Windows maps the file up to the section's last page; EDK2
		 * copies min(VirtualSize, SizeOfRawData) and zeroes the rest
		 * up to VirtualSize. */
		if (l->windows)
			n = s->raw_size < page_end ? s->raw_size : page_end;
		else
			n = s->raw_size < vsize ? s->raw_size : vsize;
		if (s->vaddr > pe->size_of_image || vsize > pe->size_of_image - s->vaddr)
			die("section %s beyond SizeOfImage", s->name);
		if (n > pe->size_of_image - s->vaddr)
			n = pe->size_of_image - s->vaddr;
		if (s->raw_ptr + n > pe->file.len)
			die("section %s beyond the file", s->name);
		memset(l->img.p + s->vaddr, 0, vsize);
		memcpy(l->img.p + s->vaddr, pe->file.p + s->raw_ptr, n);
	}
}

static void relocate(struct loader *l)
{
	uint32_t size, rva = dir_rva(&l->pe, 5, &size);
	uint64_t delta = (l->base - l->pe.image_base) & l->mask;

	if (!size || !delta)
		return;
	for (uint32_t pos = 0; pos + 8 <= size;) {
		uint32_t page = (uint32_t)rd(&l->img, rva + pos, 4);
		uint32_t block = (uint32_t)rd(&l->img, rva + pos + 4, 4);

		if (block < 8)
			die("bad relocation block");
		for (uint32_t e = 8; e + 2 <= block; e += 2) {
			uint16_t entry = (uint16_t)rd(&l->img, rva + pos + e, 2);
			uint32_t at = page + (entry & 0xfff);
			uint32_t t;

			switch (entry >> 12) {
			case 0:
				continue;
			case 1:		/* HIGH */
				t = (uint32_t)rd(&l->img, at, 2) << 16;
				wr(&l->img, at, (t + (uint32_t)delta) >> 16, 2);
				break;
			case 2:		/* LOW */
				wr(&l->img, at, rd(&l->img, at, 2) + (uint16_t)delta, 2);
				break;
			case 3:		/* HIGHLOW */
				wr(&l->img, at, rd(&l->img, at, 4) + (uint32_t)delta, 4);
				break;
			case 4:		/* HIGHADJ: the next entry is the low half */
				e += 2;
				t = (uint32_t)rd(&l->img, at, 2) << 16;
				t += (uint32_t)(int32_t)(int16_t)rd(&l->img, rva + pos + e, 2);
				t += (uint32_t)delta + 0x8000;
				wr(&l->img, at, t >> 16, 2);
				break;
			case 10:	/* DIR64 */
				wr(&l->img, at, rd(&l->img, at, 8) + delta, 8);
				break;
			default:
				die("relocation type %u", entry >> 12);
			}
			if (!l->relocs++)
				fprintf(l->info, "first_reloc_rva=0x%x\nfirst_reloc_type=%u\n",
					at, entry >> 12);
		}
		pos += block;
	}
}

/* A made-up address for an import, far from the image, like a DLL's. */
static uint64_t resolve(const struct loader *l, const char *dll, uint64_t what)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *c = dll; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	h = (h ^ what) * 1099511628211ull;
	if (l->pe.plus)
		return 0x00007ff800000000ull + (h & 0xffffff0ull);
	return 0x70000000ull + (h & 0x0ffffff0ull);
}

static const char *cstr(const struct buf *b, uint64_t off)
{
	if (off >= b->len || !memchr(b->p + off, 0, b->len - off))
		die("string at 0x%" PRIx64 " out of bounds", off);
	return (const char *)b->p + off;
}

static void bind_imports(struct loader *l)
{
	uint32_t size, rva = dir_rva(&l->pe, 1, &size);
	unsigned int w = l->pe.ptr, n = 0;
	uint64_t ordinal_flag = 1ull << (8 * w - 1);

	if (!rva)
		return;
	for (;; rva += 20) {
		uint32_t ilt = (uint32_t)rd(&l->img, rva, 4);
		uint32_t name = (uint32_t)rd(&l->img, rva + 12, 4);
		uint32_t iat = (uint32_t)rd(&l->img, rva + 16, 4);
		const char *dll;

		if (!name)
			break;
		if (!l->windows)
			die("a UEFI image with imports");
		dll = cstr(&l->img, name);
		for (uint32_t i = 0;; i++) {
			uint64_t e = rd(&l->img, ilt + i * w, w);

			if (!e)
				break;
			if (!(e & ordinal_flag))
				cstr(&l->img, (e & 0x7fffffff) + 2);
			wr(&l->img, iat + i * w, resolve(l, dll, e), w);
			if (!n++)
				fprintf(l->info, "first_iat_rva=0x%x\nfirst_ilt_rva=0x%x\n",
					iat + i * w, ilt + i * w);
		}
	}
	fprintf(l->info, "imports=%u\n", n);
}

static void tls_index(struct loader *l)
{
	uint32_t size, rva = dir_rva(&l->pe, 9, &size);
	uint64_t va;

	if (!rva || !l->windows)
		return;
	va = rd(&l->img, rva + (l->pe.plus ? 16 : 8), l->pe.ptr);
	if (!va)
		return;
	wr(&l->img, (va - l->base) & l->mask, 5, 4);
	fprintf(l->info, "tls_index_rva=0x%" PRIx64 "\n", (va - l->base) & l->mask);
}

static void security_cookie(struct loader *l)
{
	uint32_t size, rva = dir_rva(&l->pe, 10, &size);
	uint64_t def = l->pe.plus ? 0x00002b992ddfa232ull : 0xbb40e64eull;
	uint32_t off = l->pe.plus ? 0x58 : 0x3c;
	uint64_t va, slot, cookie;
	int fd;

	if (!rva || !l->windows || rd(&l->img, rva, 4) < off + l->pe.ptr)
		return;
	va = rd(&l->img, rva + off, l->pe.ptr);
	if (!va)
		return;
	slot = (va - l->base) & l->mask;
	if (rd(&l->img, slot, l->pe.ptr) != def)
		return;
	fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0 || read(fd, &cookie, sizeof(cookie)) != sizeof(cookie))
		die("/dev/urandom: %s", strerror(errno));
	close(fd);
	cookie &= l->pe.plus ? 0x0000ffffffffffffull : 0xffffffffull;
	if (cookie == def)
		cookie ^= 1;
	wr(&l->img, slot, cookie, l->pe.ptr);
	fprintf(l->info, "cookie_rva=0x%" PRIx64 "\n", slot);
}

static int cmd_load(int argc, char **argv)
{
	const char *mode = "windows", *file = NULL, *out = NULL;
	struct loader l = { 0 };
	char path[4096];
	int fill = -1;
	bool has_base = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			mode = argv[++i];
		} else if (!strcmp(argv[i], "--fill") && i + 1 < argc) {
			fill = (int)strtol(argv[++i], NULL, 0) & 0xff;
		} else if (!strcmp(argv[i], "--base") && i + 1 < argc) {
			l.base = strtoull(argv[++i], NULL, 0);
			has_base = true;
		} else if (!file) {
			file = argv[i];
		} else if (!out) {
			out = argv[i];
		} else {
			die("load: too many arguments");
		}
	}
	if (!file || !out || !has_base || (strcmp(mode, "windows") && strcmp(mode, "uefi")))
		die("usage: load [--mode windows|uefi] [--fill BYTE] --base ADDR FILE OUT");
	l.windows = !strcmp(mode, "windows");
	parse(&l.pe, slurp(file));
	l.mask = l.pe.plus ? UINT64_MAX : UINT32_MAX;
	snprintf(path, sizeof(path), "%s.info", out);
	l.info = fopen(path, "w");
	if (!l.info)
		die("%s: %s", path, strerror(errno));
	fprintf(l.info, "base=0x%" PRIx64 "\nimage_base=0x%" PRIx64 "\nmode=%s\n",
		l.base, l.pe.image_base, mode);
	map(&l, fill);
	/* The loader's order: relocate, bind, TLS, cookie, then the header. */
	relocate(&l);
	bind_imports(&l);
	tls_index(&l);
	security_cookie(&l);
	wr(&l.img, l.pe.opt + (l.pe.plus ? 24 : 28), l.base, l.pe.ptr);
	fprintf(l.info, "relocs=%u\n", l.relocs);
	fclose(l.info);

	snprintf(path, sizeof(path), "%s.image", out);
	spill(path, l.img.p, l.img.len);
	snprintf(path, sizeof(path), "%s.sig", out);
	unlink(path);
	if (l.pe.cert_size)
		spill(path, l.pe.file.p + l.pe.cert_off, l.pe.cert_size);
	snprintf(path, sizeof(path), "%s.tail", out);
	unlink(path);
	{
		size_t end = l.pe.cert_size ? l.pe.cert_off : l.pe.file.len;

		if (end > l.pe.raw_end)
			spill(path, l.pe.file.p + l.pe.raw_end, end - l.pe.raw_end);
	}
	return 0;
}

/* --- helpers for the tests ---------------------------------------------- */

static int cmd_info(int argc, char **argv)
{
	struct pe pe;
	uint32_t size, rva;

	if (argc != 2)
		die("usage: info FILE");
	parse(&pe, slurp(argv[1]));
	printf("format=%s\n", pe.plus ? "pe32+" : "pe32");
	printf("image_base=0x%" PRIx64 "\n", pe.image_base);
	printf("size_of_image=%u\n", pe.size_of_image);
	printf("file_size=%zu\n", pe.file.len);
	printf("checksum_off=%u\n", pe.opt + 64);
	printf("cert_dirent_off=%u\n", pe.dirs_off + 32);
	printf("cert_off=%u\ncert_size=%u\n", pe.cert_off, pe.cert_size);
	printf("raw_end=%u\n", pe.raw_end);
	/* A byte of the DOS stub's message, a header byte nobody reads. */
	printf("stub_off=%u\n", 0x4e);
	for (uint16_t i = 0; i < pe.nr_sections; i++) {
		const struct section *s = &pe.sec[i];

		if (!strncmp(s->name, ".text", 8) && s->raw_size > 64) {
			printf("text_off=%u\ntext_rva=%u\n", s->raw_ptr + 32, s->vaddr + 32);
			printf("text_vaddr=%u\ntext_vsize=%u\ntext_raw_size=%u\n",
			       s->vaddr, s->vsize, s->raw_size);
		}
		if (!strncmp(s->name, ".data", 8))
			printf("data_vaddr=%u\ndata_vsize=%u\n", s->vaddr, s->vsize);
	}
	rva = dir_rva(&pe, 5, &size);
	if (rva && size >= 10) {
		/* The first entry of the first relocation block. */
		printf("reloc_entry_off=%u\n", rva_to_off(&pe, rva + 8));
	}
	return 0;
}

static int cmd_set_load_config(int argc, char **argv)
{
	struct pe pe;
	uint64_t va;
	uint32_t rva;

	if (argc != 3)
		die("usage: set-load-config FILE VA");
	parse(&pe, slurp(argv[1]));
	va = strtoull(argv[2], NULL, 16);
	if (pe.nr_dirs <= 10 || va < pe.image_base)
		die("no room for a load configuration");
	rva = (uint32_t)(va - pe.image_base);
	wr(&pe.file, pe.dirs_off + 8 * 10, rva, 4);
	wr(&pe.file, pe.dirs_off + 8 * 10 + 4, rd(&pe.file, rva_to_off(&pe, rva), 4), 4);
	spill(argv[1], pe.file.p, pe.file.len);
	return 0;
}

static struct section *section_at(struct pe *pe, uint32_t rva)
{
	return (struct section *)section_of(pe, rva);
}

static int cmd_reloc_mix(int argc, char **argv)
{
	uint32_t size, rva, page = 0, targets[3], n = 0, sec_hdr, at;
	uint16_t entries[8];
	unsigned int k = 0;
	struct section *s;
	struct pe pe;

	if (argc != 2)
		die("usage: reloc-mix FILE");
	parse(&pe, slurp(argv[1]));
	rva = dir_rva(&pe, 5, &size);
	if (pe.plus || !rva || size < 8)
		die("reloc-mix wants a PE32 image with relocations");
	/* Three HIGHLOW entries of the first block, replaced by padding. */
	page = (uint32_t)rd(&pe.file, rva_to_off(&pe, rva), 4);
	for (uint32_t e = 8; e + 2 <= rd(&pe.file, rva_to_off(&pe, rva + 4), 4) && n < 3; e += 2) {
		uint32_t off = rva_to_off(&pe, rva + e);
		uint16_t entry = (uint16_t)rd(&pe.file, off, 2);

		if (entry >> 12 != 3)
			continue;
		targets[n++] = entry & 0xfff;
		wr(&pe.file, off, 0, 2);
	}
	if (n < 3)
		die("fewer than three HIGHLOW relocations in the first block");
	entries[k++] = (uint16_t)(2 << 12 | targets[0]);		/* LOW */
	entries[k++] = (uint16_t)(1 << 12 | (targets[0] + 2));		/* HIGH */
	entries[k++] = (uint16_t)(2 << 12 | targets[1]);		/* LOW */
	entries[k++] = (uint16_t)(4 << 12 | (targets[1] + 2));		/* HIGHADJ */
	/* its parameter, the low half of the full value: one that makes the
	 * loader's rounding carry for most deltas */
	entries[k++] = 0x7fff;
	entries[k++] = (uint16_t)(1 << 12 | (targets[2] + 2));		/* HIGH alone */
	entries[k++] = (uint16_t)(2 << 12 | targets[2]);		/* LOW after it */
	/* overlapping the two before: only the exact reverse order undoes it */
	entries[k++] = (uint16_t)(2 << 12 | (targets[2] + 1));
	/* The new block goes after the directory, in the section's padding. */
	s = section_at(&pe, rva);
	if (!s || rva + size + 8 + 2 * k > s->vaddr + s->raw_size)
		die("no room after the relocation directory");
	at = s->raw_ptr + (rva + size - s->vaddr);
	wr(&pe.file, at, page, 4);
	wr(&pe.file, at + 4, 8 + 2 * k, 4);
	for (unsigned int i = 0; i < k; i++)
		wr(&pe.file, at + 8 + 2 * i, entries[i], 2);
	size += 8 + 2 * k;
	wr(&pe.file, pe.dirs_off + 8 * 5 + 4, size, 4);
	/* Grow the section's VirtualSize over the new block. */
	sec_hdr = (uint32_t)(pe.opt + rd(&pe.file, pe.opt - 4, 2) + 40 * (s - pe.sec));
	if (rva + size - s->vaddr > s->vsize)
		wr(&pe.file, sec_hdr + 8, rva + size - s->vaddr, 4);
	spill(argv[1], pe.file.p, pe.file.len);
	return 0;
}

static int cmd_mark_bound(int argc, char **argv)
{
	uint32_t size, rva;
	struct pe pe;

	if (argc != 2)
		die("usage: mark-bound FILE");
	parse(&pe, slurp(argv[1]));
	rva = dir_rva(&pe, 1, &size);
	if (!rva)
		die("no imports");
	wr(&pe.file, rva_to_off(&pe, rva + 4), 0xffffffff, 4);
	spill(argv[1], pe.file.p, pe.file.len);
	return 0;
}

/*
 * The harness's input: a mode byte (0 file, 1 loaded), then for a loaded
 * image the load base and ImageBase (8 bytes each, little endian), the
 * lengths of the certificate table and the tail (4 bytes each), then the
 * image, the table and the tail.
 */
static void put(FILE *f, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		fputc((int)(v >> (8 * i)) & 0xff, f);
}

static int cmd_fuzz_seed(int argc, char **argv)
{
	FILE *f;

	if (argc != 3 && (argc < 5 || argc > 7))
		die("usage: fuzz-seed OUT FILE | fuzz-seed OUT IMAGE BASE IMAGE_BASE [SIG [TAIL]]");
	f = fopen(argv[1], "wb");
	if (!f)
		die("%s: %s", argv[1], strerror(errno));
	if (argc == 3) {
		struct buf b = slurp(argv[2]);

		fputc(0, f);
		fwrite(b.p, 1, b.len, f);
	} else {
		struct buf img = slurp(argv[2]);
		struct buf sig = argc > 5 ? slurp(argv[5]) : (struct buf){ NULL, 0 };
		struct buf tail = argc > 6 ? slurp(argv[6]) : (struct buf){ NULL, 0 };

		fputc(1, f);
		put(f, strtoull(argv[3], NULL, 0), 8);
		put(f, strtoull(argv[4], NULL, 0), 8);
		put(f, sig.len, 4);
		put(f, tail.len, 4);
		fwrite(img.p, 1, img.len, f);
		if (sig.len)
			fwrite(sig.p, 1, sig.len, f);
		if (tail.len)
			fwrite(tail.p, 1, tail.len, f);
	}
	if (fclose(f))
		die("%s: %s", argv[1], strerror(errno));
	return 0;
}

static int cmd_grow_vsize(int argc, char **argv)
{
	struct section *s = NULL;
	uint32_t vsize, at;
	struct pe pe;

	if (argc != 4)
		die("usage: grow-vsize FILE SECTION VSIZE");
	parse(&pe, slurp(argv[1]));
	vsize = (uint32_t)strtoul(argv[3], NULL, 0);
	for (uint16_t i = 0; i < pe.nr_sections && !s; i++)
		if (!strcmp(pe.sec[i].name, argv[2]))
			s = &pe.sec[i];
	if (!s || vsize < s->vsize ||
	    vsize > ((s->vsize + pe.section_align - 1) & ~(pe.section_align - 1)))
		die("no section %s, or VirtualSize 0x%x leaves its page", argv[2], vsize);
	at = (uint32_t)(pe.opt + rd(&pe.file, pe.opt - 4, 2) + 40 * (s - pe.sec));
	wr(&pe.file, at + 8, vsize, 4);
	spill(argv[1], pe.file.p, pe.file.len);
	return 0;
}

static int cmd_strip_relocs(int argc, char **argv)
{
	uint32_t coff;
	struct pe pe;

	if (argc != 2)
		die("usage: strip-relocs FILE");
	parse(&pe, slurp(argv[1]));
	if (pe.nr_dirs <= 5)
		die("no relocation directory");
	coff = pe.opt - 20;
	wr(&pe.file, coff + 18, rd(&pe.file, coff + 18, 2) | 1, 2);
	wr(&pe.file, pe.dirs_off + 8 * 5, 0, 8);
	spill(argv[1], pe.file.p, pe.file.len);
	return 0;
}

static int cmd_poke(int argc, char **argv)
{
	const char *hex;
	struct buf img;
	uint64_t rva;

	if (argc != 4 || strlen(argv[3]) % 2)
		die("usage: poke IMAGE RVA HEX");
	img = slurp(argv[1]);
	rva = strtoull(argv[2], NULL, 0);
	hex = argv[3];
	for (size_t i = 0; hex[2 * i]; i++) {
		char byte[3] = { hex[2 * i], hex[2 * i + 1], 0 };

		wr(&img, rva + i, strtoul(byte, NULL, 16), 1);
	}
	spill(argv[1], img.p, img.len);
	return 0;
}

static int cmd_certs(int argc, char **argv)
{
	char path[4096];
	struct buf b;
	unsigned int n = 0;

	if (argc != 3)
		die("usage: certs FILE PREFIX");
	b = slurp(argv[1]);
	for (size_t i = 0; i + 8 <= b.len; i++) {
		size_t len = 4 + ((size_t)b.p[i + 2] << 8 | b.p[i + 3]);

		if (b.p[i] != 0x30 || b.p[i + 1] != 0x82 || b.p[i + 4] != 0x30 ||
		    b.p[i + 5] != 0x82 || len > b.len - i)
			continue;
		snprintf(path, sizeof(path), "%s.%u.der", argv[2], n++);
		spill(path, b.p + i, len);
		i += len - 1;
	}
	printf("%u\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: pe-testtool load|info|set-load-config|reloc-mix|mark-bound|fuzz-seed|certs|grow-vsize|poke|strip-relocs ...");
	if (!strcmp(argv[1], "load"))
		return cmd_load(argc - 1, argv + 1);
	if (!strcmp(argv[1], "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(argv[1], "set-load-config"))
		return cmd_set_load_config(argc - 1, argv + 1);
	if (!strcmp(argv[1], "mark-bound"))
		return cmd_mark_bound(argc - 1, argv + 1);
	if (!strcmp(argv[1], "reloc-mix"))
		return cmd_reloc_mix(argc - 1, argv + 1);
	if (!strcmp(argv[1], "fuzz-seed"))
		return cmd_fuzz_seed(argc - 1, argv + 1);
	if (!strcmp(argv[1], "certs"))
		return cmd_certs(argc - 1, argv + 1);
	if (!strcmp(argv[1], "grow-vsize"))
		return cmd_grow_vsize(argc - 1, argv + 1);
	if (!strcmp(argv[1], "poke"))
		return cmd_poke(argc - 1, argv + 1);
	if (!strcmp(argv[1], "strip-relocs"))
		return cmd_strip_relocs(argc - 1, argv + 1);
	die("unknown command %s", argv[1]);
	return 1;
}
