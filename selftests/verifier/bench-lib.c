// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The library's speed in one process, without process start-up: median
 * times of OpenSSL's SHA-256 over the bytes, and of libhostsig verifying the
 * same file and the same loaded image.
 *
 *   bench-lib FILE IMAGE SIGFILE BASE IMAGE_BASE TRUST RUNS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "hostsig.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(1);
	}
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum what { SHA_FILE, SHA_IMAGE, VERIFY_FILE, VERIFY_LOADED, NR_WHAT };

int main(int argc, char **argv)
{
	static const char *const names[NR_WHAT] = {
		"SHA-256 over FILE", "SHA-256 over IMAGE",
		"hostsig_verify_pe_file", "hostsig_verify_pe_loaded",
	};
	struct hostsig_pe_loaded loaded = { 0 };
	struct hostsig_trust *trust;
	double *t[NR_WHAT], med[NR_WHAT];
	enum hostsig_outcome verdict[NR_WHAT] = { 0 };
	size_t file_len, trust_len;
	uint8_t *file, *cert, md[EVP_MAX_MD_SIZE];
	int runs;

	if (argc != 8) {
		fprintf(stderr, "usage: bench-lib FILE IMAGE SIGFILE BASE IMAGE_BASE TRUST RUNS\n");
		return 64;
	}
	file = slurp(argv[1], &file_len);
	loaded.image = slurp(argv[2], &loaded.image_len);
	loaded.cert_table = slurp(argv[3], &loaded.cert_table_len);
	loaded.load_base = strtoull(argv[4], NULL, 0);
	loaded.image_base = strtoull(argv[5], NULL, 0);
	loaded.has_image_base = true;
	cert = slurp(argv[6], &trust_len);
	runs = atoi(argv[7]);
	trust = hostsig_trust_new();
	if (!trust || hostsig_trust_add_cert(trust, cert, trust_len) <= 0 || runs < 1)
		return 1;
	for (int w = 0; w < NR_WHAT; w++) {
		t[w] = calloc((size_t)runs, sizeof(double));
		if (!t[w])
			return 1;
	}
	/* Interleaved, so that a burst of load elsewhere hits all alike. */
	for (int r = -1; r < runs; r++) {
		for (int w = 0; w < NR_WHAT; w++) {
			struct hostsig_result res;
			double t0 = now_us();

			switch (w) {
			case SHA_FILE:
				EVP_Digest(file, file_len, md, NULL, EVP_sha256(), NULL);
				break;
			case SHA_IMAGE:
				EVP_Digest(loaded.image, loaded.image_len, md, NULL, EVP_sha256(), NULL);
				break;
			case VERIFY_FILE:
				verdict[w] = hostsig_verify_pe_file(trust, file, file_len, &res);
				hostsig_result_release(&res);
				break;
			case VERIFY_LOADED:
				verdict[w] = hostsig_verify_pe_loaded(trust, &loaded, &res);
				hostsig_result_release(&res);
				break;
			}
			if (r >= 0)	/* the first round warms up */
				t[w][r] = now_us() - t0;
		}
	}
	for (int w = 0; w < NR_WHAT; w++) {
		qsort(t[w], (size_t)runs, sizeof(double), cmp_double);
		med[w] = t[w][runs / 2];
	}
	printf("# in one process, median of %d runs\n", runs);
	for (int w = 0; w < NR_WHAT; w++) {
		printf("%-46s %8.2f ms", names[w], med[w] / 1000);
		if (w == VERIFY_FILE)
			printf("   %.2f x sha256(FILE)   verdict %s", med[w] / med[SHA_FILE],
			       hostsig_verdict_name(verdict[w]));
		if (w == VERIFY_LOADED)
			printf("   %.2f x sha256(FILE)   %.2f x sha256(IMAGE)   verdict %s",
			       med[w] / med[SHA_FILE], med[w] / med[SHA_IMAGE],
			       hostsig_verdict_name(verdict[w]));
		printf("\n");
	}
	hostsig_trust_free(trust);
	return 0;
}
