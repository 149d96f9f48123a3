// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A captured load of a Linux kernel module, on disk: a directory with
 *
 *   file.bin                    the loader's file buffer (the FILE region),
 *                               with its appended signature
 *   signature.bin               optional: the appended signature, when
 *                               file.bin stops at the module's end
 *   alloc-<tag>-<hexaddr>.bin   one per allocation (IMAGE region): <tag> is
 *                               text, data, rodata, ro_after_init,
 *                               init_text, init_data or init_rodata (or
 *                               its number), <hexaddr> the guest address
 *                               of its first byte, in hex
 *
 * Anything else in the directory is an error, so that a typo cannot make
 * an allocation silently absent.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"

static int tag_of(const char *s, size_t len)
{
	for (unsigned int t = 1; t < HOSTSIG_ELF_MEM_NR; t++) {
		const char *name = hostsig_elf_mem_name(t);

		if (strlen(name) == len && !strncmp(s, name, len))
			return (int)t;
	}
	if (len == 1 && s[0] >= '1' && s[0] < '0' + HOSTSIG_ELF_MEM_NR)
		return s[0] - '0';
	return -1;
}

/* "alloc-<tag>-<hexaddr>.bin" */
static int parse_alloc_name(const char *name, unsigned int *tag, uint64_t *addr)
{
	const char *p = name + 6, *dash, *dot;
	char *end;
	int t;

	if (strncmp(name, "alloc-", 6))
		return -1;
	dot = strrchr(p, '.');
	dash = strrchr(p, '-');
	if (!dot || strcmp(dot, ".bin") || !dash || dash > dot || dash == p)
		return -1;
	t = tag_of(p, (size_t)(dash - p));
	if (t < 0 || dash + 1 == dot)
		return -1;
	errno = 0;
	*addr = strtoull(dash + 1, &end, 16);
	if (errno || end != dot)
		return -1;
	*tag = (unsigned int)t;
	return 0;
}

static int read_member(struct input *in, const char *dir, const char *name)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (input_read(in, path))
		return -1;
	in->path = NULL;
	return 0;
}

static int add_alloc(struct capture *cap, const char *dir, const char *name,
		     unsigned int tag, uint64_t addr)
{
	struct input *in;

	if (cap->nr_allocs >= HOSTSIG_ELF_MAX_ALLOCS) {
		fprintf(stderr, "hostsig-verify: %s: more than %u allocations\n",
			dir, HOSTSIG_ELF_MAX_ALLOCS);
		return EXIT_NOINPUT;
	}
	in = &cap->alloc_inputs[cap->nr_allocs];
	if (read_member(in, dir, name)) {
		fprintf(stderr, "hostsig-verify: %s/%s: %s\n", dir, name, strerror(errno));
		return EXIT_NOINPUT;
	}
	cap->allocs[cap->nr_allocs++] = (struct hostsig_elf_alloc){
		.tag = tag, .addr = addr, .bytes = in->data, .len = in->len,
	};
	return 0;
}

int capture_read(struct capture *cap, const char *dir)
{
	struct dirent *de;
	DIR *d;
	int ret = 0;

	memset(cap, 0, sizeof(*cap));
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "hostsig-verify: %s: %s\n", dir, strerror(errno));
		return EXIT_NOINPUT;
	}
	while (!ret && (de = readdir(d))) {
		unsigned int tag;
		uint64_t addr;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!strcmp(de->d_name, "file.bin")) {
			if (read_member(&cap->file, dir, de->d_name)) {
				fprintf(stderr, "hostsig-verify: %s/file.bin: %s\n", dir,
					strerror(errno));
				ret = EXIT_NOINPUT;
			}
			cap->has_file = !ret;
		} else if (!strcmp(de->d_name, "signature.bin")) {
			if (read_member(&cap->signature, dir, de->d_name)) {
				fprintf(stderr, "hostsig-verify: %s/signature.bin: %s\n", dir,
					strerror(errno));
				ret = EXIT_NOINPUT;
			}
			cap->has_signature = !ret;
		} else if (!parse_alloc_name(de->d_name, &tag, &addr)) {
			ret = add_alloc(cap, dir, de->d_name, tag, addr);
		} else {
			fprintf(stderr, "hostsig-verify: %s/%s: not part of a capture\n",
				dir, de->d_name);
			ret = EXIT_NOINPUT;
		}
	}
	closedir(d);
	if (!ret && !cap->has_file) {
		fprintf(stderr, "hostsig-verify: %s: no file.bin\n", dir);
		ret = EXIT_NOINPUT;
	}
	if (!ret && !cap->nr_allocs) {
		fprintf(stderr, "hostsig-verify: %s: no alloc-<tag>-<addr>.bin\n", dir);
		ret = EXIT_NOINPUT;
	}
	if (ret)
		capture_release(cap);
	return ret;
}

void capture_loaded(const struct capture *cap, struct hostsig_elf_loaded *loaded)
{
	*loaded = (struct hostsig_elf_loaded){
		.file = cap->file.data,
		.file_len = cap->file.len,
		.signature = cap->has_signature ? cap->signature.data : NULL,
		.signature_len = cap->has_signature ? cap->signature.len : 0,
		.allocs = cap->allocs,
		.nr_allocs = cap->nr_allocs,
	};
}

void capture_release(struct capture *cap)
{
	if (cap->has_file)
		input_release(&cap->file);
	if (cap->has_signature)
		input_release(&cap->signature);
	for (size_t i = 0; i < cap->nr_allocs; i++)
		input_release(&cap->alloc_inputs[i]);
	memset(cap, 0, sizeof(*cap));
}
