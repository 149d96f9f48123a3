// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One trust store, many threads verifying at once, as hostsigd will: every
 * thread must get the verdict and digest a lone verification gets. Built
 * with ThreadSanitizer together with the library's sources.
 *
 *   threads TRUST DENY THREADS ROUNDS FILE... -- IMAGE BASE IMAGE_BASE SIG [TAIL]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsig.h"

struct job {
	const uint8_t *file;
	size_t len;
	bool loaded;
	enum hostsig_outcome verdict;
	uint8_t digest[HOSTSIG_MAX_DIGEST_SIZE];
	size_t digest_len;
};

static struct hostsig_trust *trust;
static struct hostsig_pe_loaded loaded;
static struct job *jobs;
static int nr_jobs, rounds;

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(2);
	}
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static enum hostsig_outcome run(const struct job *job, struct hostsig_result *res)
{
	if (job->loaded)
		return hostsig_verify_pe_loaded(trust, &loaded, res);
	return hostsig_verify_pe_file(trust, job->file, job->len, res);
}

static void *worker(void *arg)
{
	long failures = 0, id = (long)arg;

	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < nr_jobs; k++) {
			/* Each thread walks the jobs from another place. */
			const struct job *job = &jobs[(k + id) % nr_jobs];
			struct hostsig_result res;

			if (run(job, &res) != job->verdict || res.digest_len != job->digest_len ||
			    memcmp(res.digest, job->digest, res.digest_len))
				failures++;
			hostsig_result_release(&res);
		}
	}
	return (void *)failures;
}

int main(int argc, char **argv)
{
	int nr_threads, i, sep;
	pthread_t *threads;
	uint8_t *buf;
	size_t len;
	long failures = 0;

	for (sep = 5; sep < argc && strcmp(argv[sep], "--"); sep++)
		;
	if (argc < 6 || sep + 5 > argc) {
		fprintf(stderr, "usage: threads TRUST DENY THREADS ROUNDS FILE... -- IMAGE BASE IMAGE_BASE SIG [TAIL]\n");
		return 2;
	}
	trust = hostsig_trust_new();
	buf = slurp(argv[1], &len);
	if (!trust || hostsig_trust_add_cert(trust, buf, len) <= 0)
		return 2;
	buf = slurp(argv[2], &len);
	if (hostsig_trust_deny_cert(trust, buf, len) <= 0)
		return 2;
	nr_threads = atoi(argv[3]);
	rounds = atoi(argv[4]);
	nr_jobs = sep - 5 + 1;
	jobs = calloc((size_t)nr_jobs, sizeof(*jobs));
	threads = calloc((size_t)nr_threads, sizeof(*threads));
	if (!jobs || !threads || nr_threads < 1 || rounds < 1)
		return 2;
	for (i = 0; i < sep - 5; i++)
		jobs[i].file = slurp(argv[5 + i], &jobs[i].len);
	jobs[i].loaded = true;
	loaded.image = slurp(argv[sep + 1], &loaded.image_len);
	loaded.load_base = strtoull(argv[sep + 2], NULL, 0);
	loaded.image_base = strtoull(argv[sep + 3], NULL, 0);
	loaded.has_image_base = true;
	loaded.cert_table = slurp(argv[sep + 4], &loaded.cert_table_len);
	if (sep + 5 < argc)
		loaded.tail = slurp(argv[sep + 5], &loaded.tail_len);

	/* What one thread alone gets. */
	for (i = 0; i < nr_jobs; i++) {
		struct hostsig_result res;

		jobs[i].verdict = run(&jobs[i], &res);
		jobs[i].digest_len = res.digest_len;
		memcpy(jobs[i].digest, res.digest, res.digest_len);
		printf("# job %d: %s (%s)\n", i, hostsig_verdict_name(res.verdict),
		       hostsig_reason_name(res.reason));
		hostsig_result_release(&res);
	}
	for (i = 0; i < nr_threads; i++)
		if (pthread_create(&threads[i], NULL, worker, (void *)(long)i))
			return 2;
	for (i = 0; i < nr_threads; i++) {
		void *ret;

		pthread_join(threads[i], &ret);
		failures += (long)ret;
	}
	printf("# %d threads x %d rounds x %d jobs: %ld differing results\n",
	       nr_threads, rounds, nr_jobs, failures);
	hostsig_trust_free(trust);
	return failures ? 1 : 0;
}
