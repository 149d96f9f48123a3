// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Input files: mapped when they are regular files (the verifier reads each
 * byte once or twice, a copy would cost as much as the digest), read
 * otherwise (pipes, /dev/stdin).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verify.h"

static int read_stream(struct input *in, int fd)
{
	size_t cap = 1 << 16;
	uint8_t *buf = malloc(cap);

	if (!buf)
		return -1;
	for (;;) {
		ssize_t n;

		if (in->len == cap) {
			uint8_t *bigger;

			if (cap > HOSTSIG_MAX_INPUT_SIZE) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				free(buf);
				return -1;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + in->len, cap - in->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		in->len += (size_t)n;
	}
	in->data = buf;
	return 0;
}

int input_read(struct input *in, const char *path)
{
	struct stat st;
	int fd, ret = -1;

	memset(in, 0, sizeof(*in));
	in->path = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st))
		goto out;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ,
			       MAP_PRIVATE | MAP_POPULATE, fd, 0);

		if (p == MAP_FAILED)
			goto out;
		in->data = p;
		in->len = (size_t)st.st_size;
		in->mapped = true;
		ret = 0;
	} else {
		ret = read_stream(in, fd);
	}
out:
	close(fd);
	return ret;
}

void input_release(struct input *in)
{
	if (in->mapped)
		munmap(in->data, in->len);
	else
		free(in->data);
	in->data = NULL;
	in->len = 0;
}
