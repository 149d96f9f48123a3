// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --extract-certs VMLINUZ DIR: the certificates built into a kernel image,
 * written as DIR/cert-N.pem, one line per certificate on stdout.
 *
 * A bzImage's payload is decompressed by the usual program for its format
 * (gzip, bzip2, xz, lzop, lz4, zstd: what scripts/extract-vmlinux runs),
 * found on PATH, reading the payload from a memory file. The decompressors
 * complain about the few bytes the kernel build appends after the stream;
 * what counts is that they produced an ELF file. An uncompressed vmlinux
 * is read as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "verify.h"

static const char *const *decompressor(enum hostsig_compression c)
{
	static const char *const gzip[] = { "gzip", "-dc", NULL };
	static const char *const bzip2[] = { "bzip2", "-dc", NULL };
	static const char *const lzma[] = { "xz", "--format=lzma", "-dc", NULL };
	static const char *const xz[] = { "xz", "--single-stream", "-dc", NULL };
	static const char *const lzo[] = { "lzop", "-dc", NULL };
	static const char *const lz4[] = { "lz4", "-dc", NULL };
	static const char *const zstd[] = { "zstd", "-dc", NULL };

	switch (c) {
	case HOSTSIG_COMPRESSION_GZIP: return gzip;
	case HOSTSIG_COMPRESSION_BZIP2: return bzip2;
	case HOSTSIG_COMPRESSION_LZMA: return lzma;
	case HOSTSIG_COMPRESSION_XZ: return xz;
	case HOSTSIG_COMPRESSION_LZO: return lzo;
	case HOSTSIG_COMPRESSION_LZ4: return lz4;
	case HOSTSIG_COMPRESSION_ZSTD: return zstd;
	case HOSTSIG_COMPRESSION_NONE: break;
	}
	return NULL;
}

static int read_all(int fd, uint8_t **out, size_t *out_len)
{
	size_t cap = 1 << 24, len = 0;
	uint8_t *buf = malloc(cap);

	if (!buf)
		return -1;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *bigger;

			if (cap >= HOSTSIG_MAX_INPUT_SIZE) {
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
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/* Run the decompressor with the payload on stdin; its stdout is the result. */
static int decompress(const struct hostsig_kernel_payload *pl, const uint8_t *image,
		      uint8_t **out, size_t *out_len)
{
	const char *const *argv = decompressor(pl->compression);
	int in_fd, pipe_fd[2], status, ret;
	pid_t pid;

	in_fd = memfd_create("hostsig-payload", MFD_CLOEXEC);
	if (in_fd < 0)
		return -1;
	if (write(in_fd, image + pl->offset, pl->len) != (ssize_t)pl->len ||
	    lseek(in_fd, 0, SEEK_SET) != 0 || pipe2(pipe_fd, O_CLOEXEC)) {
		close(in_fd);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (dup2(in_fd, 0) < 0 || dup2(pipe_fd[1], 1) < 0 ||
		    (devnull >= 0 && dup2(devnull, 2) < 0))
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in_fd);
	close(pipe_fd[1]);
	if (pid < 0) {
		close(pipe_fd[0]);
		return -1;
	}
	ret = read_all(pipe_fd[0], out, out_len);
	close(pipe_fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!ret && (*out_len < 4 || memcmp(*out, "\177ELF", 4))) {
		free(*out);
		fprintf(stderr, "hostsig-verify: %s did not produce a kernel (exit status %d)\n",
			argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		errno = ENOEXEC;
		return -1;
	}
	return ret;
}

static int write_pem(const char *path, const struct hostsig_kernel_cert *c)
{
	const unsigned char *p = c->der;
	X509 *x = d2i_X509(NULL, &p, (long)c->der_len);
	FILE *f;
	int ret = -1;

	if (!x)
		return -1;
	f = fopen(path, "w");
	if (f) {
		ret = PEM_write_X509(f, x) == 1 ? 0 : -1;
		if (fclose(f))
			ret = -1;
	}
	X509_free(x);
	return ret;
}

static void print_cert(const char *path, const struct hostsig_kernel_cert *c, bool json,
		       bool first)
{
	char fp[65];

	for (int i = 0; i < 32; i++)
		snprintf(fp + 2 * i, 3, "%02x", c->sha256[i]);
	if (!json) {
		printf("%s  %s  sha256=%s\n", path, c->subject, fp);
		return;
	}
	printf("%s{\"path\":", first ? "" : ",");
	json_print_string(stdout, path);
	printf(",\"subject\":");
	json_print_string(stdout, c->subject);
	printf(",\"issuer\":");
	json_print_string(stdout, c->issuer);
	printf(",\"sha256\":\"%s\",\"offset\":%zu}", fp, c->offset);
}

int extract_certs(const char *image_path, const char *dir, bool json)
{
	struct hostsig_kernel_cert *certs = NULL;
	struct hostsig_kernel_payload pl;
	uint8_t *kernel = NULL;
	size_t kernel_len = 0;
	struct input image;
	int nr, ret = 0;

	if (input_read(&image, image_path)) {
		fprintf(stderr, "hostsig-verify: %s: %s\n", image_path, strerror(errno));
		return EXIT_NOINPUT;
	}
	if (!hostsig_kernel_payload(image.data, image.len, &pl) &&
	    pl.compression != HOSTSIG_COMPRESSION_NONE) {
		if (decompress(&pl, image.data, &kernel, &kernel_len)) {
			fprintf(stderr, "hostsig-verify: %s: cannot decompress its %s payload: %s\n",
				image_path, hostsig_compression_name(pl.compression),
				strerror(errno));
			input_release(&image);
			return EXIT_NOINPUT;
		}
	} else if (image.len >= 4 && !memcmp(image.data, "\177ELF", 4)) {
		kernel = image.data;
		kernel_len = image.len;
	} else if (!hostsig_kernel_payload(image.data, image.len, &pl)) {
		kernel = image.data + pl.offset;
		kernel_len = pl.len;
	} else {
		fprintf(stderr, "hostsig-verify: %s: neither a bzImage nor a vmlinux\n",
			image_path);
		input_release(&image);
		return EXIT_NOINPUT;
	}
	nr = hostsig_kernel_certs(kernel, kernel_len, &certs);
	if (nr < 0) {
		fprintf(stderr, "hostsig-verify: out of memory\n");
		ret = 2;
		goto out;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "hostsig-verify: %s: %s\n", dir, strerror(errno));
		ret = EXIT_NOINPUT;
		goto out;
	}
	if (json) {
		printf("{\"input\":");
		json_print_string(stdout, image_path);
		printf(",\"certificates\":[");
	}
	for (int i = 0; i < nr; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/cert-%d.pem", dir, i);
		if (write_pem(path, &certs[i])) {
			fprintf(stderr, "hostsig-verify: %s: cannot write\n", path);
			ret = EXIT_NOINPUT;
			break;
		}
		print_cert(path, &certs[i], json, i == 0);
	}
	if (json)
		printf("]}\n");
	if (!ret && nr == 0) {
		fprintf(stderr, "hostsig-verify: %s: no X.509 certificate in it\n", image_path);
		ret = EXIT_NOINPUT;
	}
out:
	hostsig_kernel_certs_free(certs, nr < 0 ? 0 : nr);
	if (kernel && (kernel < image.data || kernel >= image.data + image.len))
		free(kernel);
	input_release(&image);
	return ret;
}
