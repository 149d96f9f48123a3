// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Split kcapture's records (a test VM's /sys/kernel/debug/kcapture) into
 * capture directories hostsig-verify --capture reads: OUT/<name>/file.bin
 * and OUT/<name>/alloc-<tag>-<hexaddr>.bin. A later capture of a module
 * (core allocations only) goes to OUT/<name>.later/, with the file buffer
 * and the init allocations of its load, as the host keeps them. The names
 * of the loads are printed, one a line.
 *
 * usage: kcapture-split RECORDS OUT
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct region {
	uint32_t kind, tag;
	uint64_t addr, len;
};

static const char *const tags[] = {
	"", "text", "data", "rodata", "ro_after_init", "init_text", "init_data", "init_rodata",
};

/* What the host keeps of the load for a later capture: the file buffer, the init allocations. */
static int keep_from_load(const char *out, const char *name)
{
	char from[8192], to[8192];
	struct dirent *de;
	DIR *d;

	snprintf(from, sizeof(from), "%s/%s", out, name);
	d = opendir(from);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		FILE *src, *dst;
		char buf[65536];
		size_t n;

		if (strcmp(de->d_name, "file.bin") && strncmp(de->d_name, "alloc-init_", 11))
			continue;
		snprintf(from, sizeof(from), "%s/%s/%s", out, name, de->d_name);
		snprintf(to, sizeof(to), "%s/%s.later/%s", out, name, de->d_name);
		src = fopen(from, "rb");
		dst = fopen(to, "wb");
		if (!src || !dst)
			return -1;
		while ((n = fread(buf, 1, sizeof(buf), src)))
			if (fwrite(buf, 1, n, dst) != n)
				return -1;
		fclose(src);
		if (fclose(dst))
			return -1;
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	FILE *in;
	char magic[8], name[57] = { 0 }, path[8192];
	int n = 0;

	if (argc != 3 || !(in = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: kcapture-split RECORDS OUT\n");
		return 64;
	}
	mkdir(argv[2], 0755);
	while (fread(magic, 1, 8, in) == 8) {
		struct region r[8];
		uint32_t nr;

		bool later = !memcmp(magic, "HSKCAP02", 8);
		char dir[4096];

		if ((!later && memcmp(magic, "HSKCAP01", 8)) || fread(name, 1, 56, in) != 56 ||
		    fread(&nr, 4, 1, in) != 1 || nr > 8 || fread(r, sizeof(r[0]), nr, in) != nr) {
			fprintf(stderr, "kcapture-split: malformed record %d\n", n);
			return 1;
		}
		snprintf(dir, sizeof(dir), "%s/%s%s", argv[2], name, later ? ".later" : "");
		mkdir(dir, 0755);
		if (later && keep_from_load(argv[2], name)) {
			fprintf(stderr, "kcapture-split: %s: a later capture without its load\n", name);
			return 1;
		}
		for (uint32_t i = 0; i < nr; i++) {
			char *buf = malloc(r[i].len ? r[i].len : 1);
			FILE *out;

			if (!buf || fread(buf, 1, r[i].len, in) != r[i].len) {
				fprintf(stderr, "kcapture-split: %s: short region %u\n", name, i);
				return 1;
			}
			if (r[i].kind == 1)
				snprintf(path, sizeof(path), "%s/file.bin", dir);
			else
				snprintf(path, sizeof(path), "%s/alloc-%s-%llx.bin", dir,
					 r[i].tag < 8 ? tags[r[i].tag] : "bad",
					 (unsigned long long)r[i].addr);
			out = fopen(path, "wb");
			if (!out || fwrite(buf, 1, r[i].len, out) != r[i].len || fclose(out)) {
				perror(path);
				return 1;
			}
			free(buf);
		}
		if (!later)
			printf("%s\n", name);
		n++;
	}
	return n ? 0 : 1;
}
