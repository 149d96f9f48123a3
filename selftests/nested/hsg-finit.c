// SPDX-License-Identifier: GPL-2.0
/*
 * Load a module with finit_module(2) and the flags busybox's insmod cannot
 * pass: the nested guest's tests use it for the kernel's own decompression
 * (MODULE_INIT_COMPRESSED_FILE, 6.12) and for a forced load that skips the
 * guest kernel's signature check (MODULE_INIT_IGNORE_MODVERSIONS), as a
 * compromised guest could.
 *
 * Usage: hsg-finit FILE [FLAGS [PARAMS]]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long flags = 0;
	const char *params = "";
	char *end;
	int fd;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: hsg-finit FILE [FLAGS [PARAMS]]\n");
		return 64;
	}
	if (argc > 2) {
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
	if (syscall(__NR_finit_module, fd, params, flags)) {
		fprintf(stderr, "hsg-finit: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
