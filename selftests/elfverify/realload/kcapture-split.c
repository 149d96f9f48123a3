// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Split kcapture's records (a test VM's /sys/kernel/debug/kcapture) into
 * capture directories hostsig-verify --capture reads: OUT/<name>/file.bin
 * and OUT/<name>/alloc-<tag>-<hexaddr>.bin.
 *
 * usage: kcapture-split RECORDS OUT
 */
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

int main(int argc, char **argv)
{
	FILE *in;
	char magic[8], name[57] = { 0 }, path[4096];
	int n = 0;

	if (argc != 3 || !(in = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: kcapture-split RECORDS OUT\n");
		return 64;
	}
	mkdir(argv[2], 0755);
	while (fread(magic, 1, 8, in) == 8) {
		struct region r[8];
		uint32_t nr;

		if (memcmp(magic, "HSKCAP01", 8) || fread(name, 1, 56, in) != 56 ||
		    fread(&nr, 4, 1, in) != 1 || nr > 8 || fread(r, sizeof(r[0]), nr, in) != nr) {
			fprintf(stderr, "kcapture-split: malformed record %d\n", n);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/%s", argv[2], name);
		mkdir(path, 0755);
		for (uint32_t i = 0; i < nr; i++) {
			char *buf = malloc(r[i].len ? r[i].len : 1);
			FILE *out;

			if (!buf || fread(buf, 1, r[i].len, in) != r[i].len) {
				fprintf(stderr, "kcapture-split: %s: short region %u\n", name, i);
				return 1;
			}
			if (r[i].kind == 1)
				snprintf(path, sizeof(path), "%s/%s/file.bin", argv[2], name);
			else
				snprintf(path, sizeof(path), "%s/%s/alloc-%s-%llx.bin", argv[2], name,
					 r[i].tag < 8 ? tags[r[i].tag] : "bad",
					 (unsigned long long)r[i].addr);
			out = fopen(path, "wb");
			if (!out || fwrite(buf, 1, r[i].len, out) != r[i].len || fclose(out)) {
				perror(path);
				return 1;
			}
			free(buf);
		}
		printf("%s\n", name);
		n++;
	}
	return n ? 0 : 1;
}
