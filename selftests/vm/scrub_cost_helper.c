// SPDX-License-Identifier: GPL-2.0
/*
 * What the integrity scrub costs the host per GiB it reads, next to
 * busybox's sha256sum (plain C, like the kernel's generic SHA-256 the
 * scrub uses) on the same (virtual) CPU: a benchmark, not a test
 * (make check does not run it). Run it in the test VM by hand:
 *
 *   selftests/vm/boot.sh RELEASE OUTDIR hstest.mode=run:scrub_cost_helper
 *
 * (OUTDIR/results.log has its output). A 4 MiB component is verified;
 * the CPU the whole test VM spends (/proc/stat, all but idle and iowait)
 * is measured over a window with the scrub off and over one with the
 * scrub on (a pass a second), the guest idle in both; their difference
 * divided by the bytes the scrub read (scrub-pages) is its cost per GiB.
 * busybox sha256sum then hashes a file of as many bytes, in a child
 * whose CPU time is measured. It prints both and their ratio; it checks
 * only that the scrub read pages and reported no tamper. (The test
 * program is loaded into its guest's memory: it cannot link OpenSSL.)
 */
#include <sys/resource.h>

#include "hostsig_nl.h"
#include "hostsig_ring.h"

#define COST_IMAGE_MIB	4
#define COST_WINDOW_S	8

FIXTURE(cost) {
	struct hs_guest g;
	struct hs_ring ring;
	struct hs_nl nl;
};

FIXTURE_SETUP(cost)
{
	self->ring.fd = -1;
	ASSERT_EQ(0, hostsig_module_reload("scrub_interval_s=0"));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	hs_guest_create(&self->g, 0, 24);
}

FIXTURE_TEARDOWN(cost)
{
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

/* Busy CPU time of the whole machine so far, in clock ticks. */
static uint64_t busy_ticks(void)
{
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	uint64_t sum = 0;
	int i;

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]) < 8)
		v[0] = 0;
	fclose(f);
	for (i = 0; i < 10; i++)
		if (i != 3 && i != 4)	/* idle, iowait */
			sum += v[i];
	return sum;
}

static uint64_t scrubbed_pages(FIXTURE_DATA(cost) *self)
{
	struct hs_attrs st;

	if (hs_nl_get_stats(&self->nl, &st))
		return 0;
	return st.u[HOSTSIG_A_STATS_SCRUB_PAGES];
}

/* Seconds of CPU busybox sha256sum spends on a file of @bytes; < 0 on error. */
static double sha256sum_s(uint64_t bytes)
{
	const char *path = "/tmp/scrub-cost.bin";
	struct rusage before, after;
	char chunk[4096];
	uint64_t done;
	int status;
	pid_t pid;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return -1;
	memset(chunk, 0x5a, sizeof(chunk));
	for (done = 0; done < bytes; done += sizeof(chunk))
		fwrite(chunk, sizeof(chunk), 1, f);
	fclose(f);
	getrusage(RUSAGE_CHILDREN, &before);
	pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		execl("/bin/busybox", "busybox", "sha256sum", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		return -1;
	getrusage(RUSAGE_CHILDREN, &after);
	unlink(path);
	return (after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
	       (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6 +
	       (after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
	       (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
}

TEST_F_TIMEOUT(cost, scrub_per_gib, 900)
{
	uint64_t t0, t1, t2, p1, p2, rec;
	double hz = sysconf(_SC_CLK_TCK), idle_s, scrub_s, ssl_s, gib;
	struct hs_attrs comp;
	struct hs_comp c;

	hs_comp_make(&self->g, &c, "cost", COST_IMAGE_MIB << 20, 300);
	ASSERT_LT(0, hs_comp_register(&self->g, &c));
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
	rec = comp.u[HOSTSIG_A_COMP_RECORD_ID];
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec,
					  HOSTSIG_VERDICT_AUTHENTIC));
	hs_ring_release_all(&self->ring);

	t0 = busy_ticks();
	sleep(COST_WINDOW_S);
	t1 = busy_ticks();
	p1 = scrubbed_pages(self);
	ASSERT_EQ(0, hostsig_param_set("scrub_interval_s", 1));
	sleep(COST_WINDOW_S);
	ASSERT_EQ(0, hostsig_param_set("scrub_interval_s", 0));
	t2 = busy_ticks();
	p2 = scrubbed_pages(self);
	ASSERT_LT(p1, p2);

	idle_s = (t1 - t0) / hz;
	scrub_s = (t2 - t1) / hz - idle_s;
	gib = (p2 - p1) * 4096.0 / (1 << 30);
	ssl_s = sha256sum_s((p2 - p1) * 4096);
	ASSERT_LT(0, ssl_s);
	printf("# scrub: %.3f GiB read in %d s, %.2f s CPU over the idle %.2f s: %.2f s CPU per GiB\n",
	       gib, COST_WINDOW_S, scrub_s, idle_s, scrub_s / gib);
	printf("# busybox sha256sum, same number of bytes: %.2f s CPU per GiB\n",
	       ssl_s / gib);
	printf("# ratio scrub / sha256sum: %.2f\n", scrub_s / ssl_s);

	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
	EXPECT_EQ(0, comp.u[HOSTSIG_A_COMP_TAMPERS]);
}

TEST_HARNESS_MAIN
