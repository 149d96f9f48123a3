// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Verify many module files in one process: the paths on stdin, one per
 * line (.ko, or .ko.xz decompressed with liblzma), against the trust
 * store given. Prints one line per module that is not authentic and a
 * summary "N modules, N authentic"; exits 0 only when all are.
 *
 * usage: modcheck CERT.pem
 */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsig.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

static uint8_t *unxz(const uint8_t *in, size_t in_len, size_t *out_len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = in_len * 4 + 4096;
	uint8_t *out = malloc(cap);
	lzma_ret r;

	if (!out || lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) {
		free(out);
		return NULL;
	}
	s.next_in = in;
	s.avail_in = in_len;
	s.next_out = out;
	s.avail_out = cap;
	for (;;) {
		r = lzma_code(&s, LZMA_FINISH);
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK && r != LZMA_BUF_ERROR) {
			free(out);
			out = NULL;
			break;
		}
		if (!s.avail_out) {
			size_t done = cap;
			uint8_t *bigger = realloc(out, cap * 2);

			if (!bigger) {
				free(out);
				out = NULL;
				break;
			}
			out = bigger;
			s.next_out = out + done;
			s.avail_out = cap;
			cap *= 2;
		} else if (r == LZMA_BUF_ERROR) {
			free(out);
			out = NULL;
			break;
		}
	}
	*out_len = cap - s.avail_out;
	lzma_end(&s);
	return out;
}

int main(int argc, char **argv)
{
	struct hostsig_trust *trust = hostsig_trust_new();
	unsigned long n = 0, ok = 0;
	char line[4096];
	size_t len;
	uint8_t *cert;

	if (argc != 2 || !trust || !(cert = slurp(argv[1], &len)) ||
	    hostsig_trust_add_cert(trust, cert, len) <= 0) {
		fprintf(stderr, "usage: modcheck CERT.pem < paths\n");
		return 2;
	}
	free(cert);
	while (fgets(line, sizeof(line), stdin)) {
		struct hostsig_result res;
		uint8_t *buf, *mod;
		size_t mod_len;

		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		n++;
		buf = slurp(line, &len);
		mod = buf;
		mod_len = len;
		if (buf && len > 3 && !strcmp(line + strlen(line) - 3, ".xz"))
			mod = unxz(buf, len, &mod_len);
		if (!mod) {
			printf("%s: unreadable\n", line);
			free(buf);
			continue;
		}
		hostsig_verify_elf_file(trust, mod, mod_len, &res);
		if (res.verdict == HOSTSIG_AUTHENTIC)
			ok++;
		else
			printf("%s: %s (%s): %s\n", line, hostsig_verdict_name(res.verdict),
			       hostsig_reason_name(res.reason), res.message);
		hostsig_result_release(&res);
		if (mod != buf)
			free(mod);
		free(buf);
	}
	printf("%lu modules, %lu authentic\n", n, ok);
	hostsig_trust_free(trust);
	return n && n == ok ? 0 : 1;
}
