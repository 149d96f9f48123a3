// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One trust store, many threads: each verifies the same module files and
 * captured loads several times; every verdict and digest must equal the
 * first thread's. Built with ThreadSanitizer by run.sh.
 *
 * usage: elf-threads TRUST.pem THREADS ROUNDS FILE.ko... -- CAPTURE_DIR...
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsig.h"

struct blob {
	uint8_t *data;
	size_t len;
};

struct job {
	bool capture;
	struct blob file;
	struct hostsig_elf_alloc allocs[HOSTSIG_ELF_MAX_ALLOCS];
	size_t nr_allocs;
	enum hostsig_outcome verdict;
	uint8_t digest[HOSTSIG_MAX_DIGEST_SIZE];
};

static struct hostsig_trust *trust;
static struct job *jobs;
static int nr_jobs, rounds;
static int failures;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct blob slurp(const char *path)
{
	struct blob b = { 0 };
	FILE *f = fopen(path, "rb");
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(b.data = malloc((size_t)n + 1)) || fread(b.data, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(f);
	b.len = (size_t)n;
	return b;
}

static void load_capture(struct job *j, const char *dir)
{
	static const char *const tags[] = { "", "text", "data", "rodata", "ro_after_init",
		"init_text", "init_data", "init_rodata" };
	char path[4096], t[64];
	unsigned long long addr;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		perror(dir);
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/file.bin", dir);
	j->file = slurp(path);
	while ((de = readdir(d)) && j->nr_allocs < HOSTSIG_ELF_MAX_ALLOCS) {
		struct blob b;

		if (sscanf(de->d_name, "alloc-%63[a-z_]-%llx.bin", t, &addr) != 2)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		b = slurp(path);
		for (unsigned int k = 1; k < 8; k++)
			if (!strcmp(t, tags[k]))
				j->allocs[j->nr_allocs] = (struct hostsig_elf_alloc){
					.tag = k, .addr = addr, .bytes = b.data, .len = b.len };
		j->nr_allocs++;
	}
	closedir(d);
	j->capture = true;
}

static enum hostsig_outcome run(struct job *j, uint8_t *digest)
{
	struct hostsig_result res;
	enum hostsig_outcome v;

	if (j->capture) {
		struct hostsig_elf_loaded in = {
			.file = j->file.data, .file_len = j->file.len,
			.allocs = j->allocs, .nr_allocs = j->nr_allocs,
		};
		struct hostsig_elf_report rep;

		v = hostsig_verify_elf_loaded(trust, &in, &res, &rep);
		hostsig_elf_report_release(&rep);
	} else {
		v = hostsig_verify_elf_file(trust, j->file.data, j->file.len, &res);
	}
	memcpy(digest, res.digest, sizeof(res.digest));
	hostsig_result_release(&res);
	return v;
}

static void *worker(void *arg)
{
	(void)arg;
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < nr_jobs; i++) {
			uint8_t digest[HOSTSIG_MAX_DIGEST_SIZE];

			if (run(&jobs[i], digest) != jobs[i].verdict ||
			    memcmp(digest, jobs[i].digest, sizeof(digest))) {
				pthread_mutex_lock(&lock);
				failures++;
				pthread_mutex_unlock(&lock);
			}
		}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t tids[64];
	int threads, i, n = 0;
	bool captures = false;
	struct blob cert;

	if (argc < 5)
		return 64;
	trust = hostsig_trust_new();
	cert = slurp(argv[1]);
	if (!trust || hostsig_trust_add_cert(trust, cert.data, cert.len) <= 0)
		return 2;
	threads = atoi(argv[2]);
	rounds = atoi(argv[3]);
	if (threads < 1 || threads > 64)
		return 64;
	jobs = calloc((size_t)argc, sizeof(*jobs));
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			captures = true;
			continue;
		}
		if (captures)
			load_capture(&jobs[n], argv[i]);
		else
			jobs[n].file = slurp(argv[i]);
		jobs[n].verdict = run(&jobs[n], jobs[n].digest);
		printf("%s: %s\n", argv[i], hostsig_verdict_name(jobs[n].verdict));
		n++;
	}
	nr_jobs = n;
	for (i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, worker, NULL);
	for (i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	printf("%d threads x %d rounds x %d inputs: %d different results\n",
	       threads, rounds, n, failures);
	return failures ? 1 : 0;
}
