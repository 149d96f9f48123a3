// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Inputs for the ELF fuzz harness (userspace/fuzz/elf.c):
 *
 *   elf-seed file OUT MODULE.ko      a module file
 *   elf-seed capture OUT DIR         a capture directory (mod-loader's)
 *   elf-seed kernel OUT FILE...      bytes to look for certificates in
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(1);
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void put(FILE *f, unsigned long long v, int n)
{
	for (int i = 0; i < n; i++)
		fputc((int)(v >> (8 * i)) & 0xff, f);
}

static const char *const tags[] = {
	"", "text", "data", "rodata", "ro_after_init", "init_text", "init_data", "init_rodata",
};

int main(int argc, char **argv)
{
	FILE *out;
	size_t len;
	unsigned char *b;

	if (argc < 4) {
		fprintf(stderr, "usage: elf-seed file|capture|kernel OUT INPUT...\n");
		return 64;
	}
	out = fopen(argv[2], "wb");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	if (!strcmp(argv[1], "file")) {
		b = slurp(argv[3], &len);
		fputc(0, out);
		fwrite(b, 1, len, out);
	} else if (!strcmp(argv[1], "kernel")) {
		fputc(2, out);
		for (int i = 3; i < argc; i++) {
			b = slurp(argv[i], &len);
			fwrite(b, 1, len, out);
		}
	} else {
		char path[4096], names[16][256];
		unsigned char *file, *sig = NULL, *alloc[16];
		size_t file_len, sig_len = 0, alloc_len[16];
		unsigned long long addr[16];
		int tag[16], n = 0;
		struct dirent *de;
		DIR *d = opendir(argv[3]);

		snprintf(path, sizeof(path), "%s/file.bin", argv[3]);
		file = slurp(path, &file_len);
		while (d && (de = readdir(d)) && n < 16) {
			char t[64];
			unsigned long long a;

			if (!strcmp(de->d_name, "signature.bin")) {
				snprintf(path, sizeof(path), "%s/%s", argv[3], de->d_name);
				sig = slurp(path, &sig_len);
			}
			if (sscanf(de->d_name, "alloc-%63[a-z_]-%llx.bin", t, &a) != 2)
				continue;
			for (int k = 1; k < 8; k++)
				if (!strcmp(t, tags[k]))
					tag[n] = k;
			addr[n] = a;
			snprintf(names[n], sizeof(names[n]), "%s", de->d_name);
			snprintf(path, sizeof(path), "%s/%s", argv[3], de->d_name);
			alloc[n] = slurp(path, &alloc_len[n]);
			n++;
		}
		if (d)
			closedir(d);
		fputc(1, out);
		put(out, file_len, 4);
		put(out, sig_len, 4);
		put(out, (unsigned long long)n, 1);
		for (int i = 0; i < n; i++) {
			put(out, (unsigned long long)tag[i], 1);
			put(out, addr[i], 8);
			put(out, alloc_len[i], 4);
		}
		fwrite(file, 1, file_len, out);
		if (sig)
			fwrite(sig, 1, sig_len, out);
		for (int i = 0; i < n; i++)
			fwrite(alloc[i], 1, alloc_len[i], out);
	}
	if (fclose(out)) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
