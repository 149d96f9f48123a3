// SPDX-License-Identifier: GPL-2.0
/*
 * Load a module with finit_module(2) and the flags busybox's insmod cannot
 * pass: the nested guest's tests use it for the kernel's own decompression
 * (MODULE_INIT_COMPRESSED_FILE, 6.12) and for a forced load that skips the
 * guest kernel's signature check (MODULE_INIT_IGNORE_MODVERSIONS), as a
 * compromised guest could. FLAGS "init" loads it with init_module(2)
 * instead, from a copy in memory.
 *
 * Usage: hsg-finit FILE [FLAGS|init [PARAMS]]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* init_module(2) of the file open at @fd; 0 or -1 with errno. */
static int load_from_memory(int fd, const char *params)
{
	struct stat st;
	char *image;
	ssize_t got = 0, n;

	if (fstat(fd, &st))
		return -1;
	image = malloc(st.st_size ? st.st_size : 1);
	if (!image)
		return -1;
	while (got < st.st_size && (n = read(fd, image + got, st.st_size - got)) > 0)
		got += n;
	if (got != st.st_size) {
		errno = EIO;
		return -1;
	}
	return syscall(__NR_init_module, image, (unsigned long)st.st_size, params);
}

int main(int argc, char **argv)
{
	unsigned long flags = 0;
	const char *params = "";
	int fd, from_memory = 0, ret;
	char *end;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: hsg-finit FILE [FLAGS|init [PARAMS]]\n");
		return 64;
	}
	if (argc > 2 && !strcmp(argv[2], "init")) {
		from_memory = 1;
	} else if (argc > 2) {
		flags = strtoul(argv[2], &end, 0);
		if (*end) {
			fprintf(stderr, "hsg-finit: bad flags %s\n", argv[2]);
			return 64;
		}
	}
	if (argc > 3)
		params = argv[3];
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "hsg-finit: %s: %s\n", argv[1], strerror(errno));
		return 66;
	}
	if (from_memory)
		ret = load_from_memory(fd, params);
	else
		ret = syscall(__NR_finit_module, fd, params, flags);
	if (ret) {
		fprintf(stderr, "hsg-finit: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
