// SPDX-License-Identifier: GPL-2.0
/*
 * The end-to-end benchmark, run in the test VM by selftests/e2e/bench.sh:
 * for a small (64 KiB) and a large (8 MiB) signed image, and for 1 and 2
 * hostsigd workers,
 *
 *   - throughput: a guest registers many copies (each loaded at a base of
 *     its own) at once; components per second from the first REGISTER to
 *     the last verdict, by the module's own clock (GET_COMPONENT's
 *     registered and verdict times);
 *   - latency: one component at a time on an idle host, from just before
 *     the guest's REGISTER to the first QUERY that is no longer PENDING,
 *     by this program's clock;
 *
 * each next to hostsig-verify run on the same file and on the same loaded
 * image in this VM (the median of several runs, process start included),
 * with the ratios. Speed fails nothing; a wrong verdict does.
 */
#define HOSTSIG_NO_HARNESS
#include <sys/utsname.h>

#include "hostsig_e2e.h"

#define BENCH_DIR	"/e2e-bench"
#define OFFLINE_RUNS	7
#define LATENCY_RUNS	7

struct bench_size {
	const char *name;
	int count;		/* loaded copies staged */
	int latency_runs;
};

static const struct bench_size sizes[] = {
	{ "small", 64, LATENCY_RUNS },
	{ "large", 8, 5 },
};

static int failures;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* hostsig-verify ARGS with the staged trust store, @runs times: median ms. */
static double time_verify(char *const args[], int runs, const char *want)
{
	char trust_paths[8][128];
	char *argv[32] = { E2E_VERIFY };
	double ms[16];
	struct e2e_offline o;
	struct e2e_cmd c;
	int n, i, r;

	if (e2e_verify_run("bench", args, &o) || strcmp(o.verdict, want)) {
		printf("hostsig-verify %s: %s, expected %s\n", args[0], o.verdict, want);
		failures++;
		return -1;
	}
	n = e2e_trust_args(argv + 1, 16, trust_paths);
	for (i = 0; args[i]; i++)
		argv[1 + n + i] = args[i];
	argv[1 + n + i] = NULL;
	for (r = 0; r < runs; r++) {
		double t0 = hs_now_ns();

		if (e2e_run(&c, false, argv) || c.status) {
			failures++;
			return -1;
		}
		ms[r] = (hs_now_ns() - t0) / 1e6;
		e2e_cmd_free(&c);
	}
	return median(ms, runs);
}

struct offline {
	double file_ms, loaded_ms;
	size_t file_len, image_len;
};

static int offline(const struct bench_size *s, const struct e2e_image *im,
		   struct offline *o)
{
	char src[96], file[96], image[96], sig[96], base[24], image_base[24];
	char *file_args[] = { file, NULL };
	char *loaded_args[] = { "--loaded", image, "--base", base, "--image-base",
				image_base, "--signature", sig, NULL };
	struct e2e_blob b;

	snprintf(src, sizeof(src), BENCH_DIR "/%s.efi.gz", s->name);
	snprintf(file, sizeof(file), "/tmp/bench-%s.efi", s->name);
	snprintf(image, sizeof(image), "/tmp/bench-%s.image", s->name);
	snprintf(sig, sizeof(sig), "/tmp/bench-%s.sig", s->name);
	snprintf(base, sizeof(base), "%#lx", im->base);
	snprintf(image_base, sizeof(image_base), "%#lx", im->image_base);
	if (e2e_slurp(src, &b) || e2e_spill(file, b.p, b.len) ||
	    e2e_spill(image, im->image.p, im->image.len) ||
	    e2e_spill(sig, im->sig.p, im->sig.len) || im->tail.len) {
		printf("cannot stage the %s image for hostsig-verify\n", s->name);
		return -1;
	}
	o->file_len = b.len;
	o->image_len = im->image.len;
	e2e_blob_free(&b);
	o->file_ms = time_verify(file_args, OFFLINE_RUNS, "authentic");
	o->loaded_ms = time_verify(loaded_args, OFFLINE_RUNS, "authentic");
	unlink(file);
	unlink(image);
	unlink(sig);
	return o->file_ms < 0 || o->loaded_ms < 0 ? -1 : 0;
}

struct online {
	double per_s, span_ms, latency_ms, module_latency_ms;
	unsigned int eagain;
};

/* Wait until @n verdict events came; false on a hang. */
static bool wait_verdicts(struct hs_events *ev, int n)
{
	double deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;

	while (hs_events_count(ev, HOSTSIG_EVENT_VERDICT, 0) < n) {
		if (hs_now_ns() > deadline)
			return false;
		hs_events_pump(ev, 100);
	}
	return true;
}

static int online(const struct bench_size *s, struct e2e_image *im,
		  unsigned int workers, struct online *o)
{
	uint64_t first_ns = UINT64_MAX, last_ns = 0;
	double lat[16], mod_lat[16];
	struct hs_events *ev = malloc(sizeof(*ev));
	struct e2e_daemon d;
	struct hs_guest g;
	struct hs_nl nl;
	char dir[64];
	int i, r, ret = -1;
	uint64_t mib = 0;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < s->count; i++)
		mib += (im[i].image.len + im[i].sig.len + (3 << 12)) >> 20;
	snprintf(dir, sizeof(dir), "/tmp/bench-%s-%u", s->name, workers);
	if (!ev || e2e_module_reload("") || hs_nl_open(&nl) ||
	    e2e_daemon_init(&d, dir, workers, NULL, NULL) || e2e_daemon_start(&d) ||
	    e2e_events_open(ev)) {
		printf("cannot set up the module, the daemon or the events\n");
		free(ev);
		return -1;
	}
	hs_guest_create(&g, 0, mib + 8);
	for (i = 0; i < s->count; i++)
		e2e_image_place(&g, &im[i]);

	/* Throughput: everything at once, retried while the ring is full. */
	for (i = 0; i < s->count; i++) {
		if (e2e_image_register_retry(&g, &im[i]) <= 0) {
			printf("REGISTER: %ld\n", im[i].id);
			goto out;
		}
		o->eagain += im[i].eagain;
	}
	if (!wait_verdicts(ev, s->count)) {
		printf("verdicts missing\n");
		goto out;
	}
	for (i = 0; i < s->count; i++) {
		struct hs_attrs c;

		if (hs_nl_get_comp(&nl, im[i].id, &c) ||
		    c.u[HOSTSIG_A_COMP_STATE] != HOSTSIG_STATE_AUTHENTIC) {
			printf("component %d is not authentic\n", i);
			goto out;
		}
		if (c.u[HOSTSIG_A_COMP_REGISTERED_NS] < first_ns)
			first_ns = c.u[HOSTSIG_A_COMP_REGISTERED_NS];
		if (c.u[HOSTSIG_A_COMP_VERDICT_NS] > last_ns)
			last_ns = c.u[HOSTSIG_A_COMP_VERDICT_NS];
	}
	o->span_ms = (last_ns - first_ns) / 1e6;
	o->per_s = s->count / (o->span_ms / 1e3);

	/* Latency: one at a time, the same image loaded again and again. */
	for (r = 0; r < s->latency_runs; r++) {
		struct hs_attrs c;
		double t0;
		int64_t q;

		if (hs_unregister(&g, im[0].id))
			goto out;
		t0 = hs_now_ns();
		if (e2e_image_register(&g, &im[0]) <= 0)
			goto out;
		do
			q = hs_query(&g, im[0].id);
		while (q >= 0 && HOSTSIG_QUERY_DECISION(q) == HOSTSIG_DECISION_PENDING &&
		       hs_now_ns() - t0 < E2E_WAIT_MS * 1e6);
		lat[r] = (hs_now_ns() - t0) / 1e6;
		if (q < 0 || HOSTSIG_QUERY_DECISION(q) != HOSTSIG_DECISION_ALLOW ||
		    hs_nl_get_comp(&nl, im[0].id, &c)) {
			printf("latency run %d: QUERY %ld\n", r, q);
			goto out;
		}
		mod_lat[r] = (c.u[HOSTSIG_A_COMP_VERDICT_NS] -
			      c.u[HOSTSIG_A_COMP_REGISTERED_NS]) / 1e6;
	}
	o->latency_ms = median(lat, s->latency_runs);
	o->module_latency_ms = median(mod_lat, s->latency_runs);
	ret = 0;
out:
	hs_guest_destroy(&g);
	e2e_daemon_fini(&d);
	hs_events_close(ev);
	free(ev);
	hs_nl_close(&nl);
	return ret;
}

static void print_size(const char *what, size_t bytes)
{
	if (bytes >= 1 << 20)
		printf("%s %.1f MiB", what, bytes / 1048576.0);
	else
		printf("%s %.1f KiB", what, bytes / 1024.0);
}

int main(void)
{
	struct utsname u;
	unsigned int s, w, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	printf("# hostsig end to end, in the test VM: kernel %s, %ld vCPUs\n",
	       u.release, sysconf(_SC_NPROCESSORS_ONLN));
	printf("# offline: one hostsig-verify run (process start included), median of %d\n",
	       OFFLINE_RUNS);
	printf("# per comp: time per component at full load (first REGISTER to last\n"
	       "#   verdict, module clock); latency: REGISTER to the first QUERY that is\n"
	       "#   not pending, one component on an idle host (median; module's own\n"
	       "#   registered-to-verdict time in brackets)\n");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		const struct bench_size *sz = &sizes[s];
		struct e2e_image *im = calloc(sz->count, sizeof(*im));
		struct offline off;
		char name[32];

		for (i = 0; i < (unsigned int)sz->count; i++) {
			char dir[64];

			snprintf(dir, sizeof(dir), BENCH_DIR "/%s", sz->name);
			snprintf(name, sizeof(name), "%u", i);
			if (e2e_image_load_from(&im[i], dir, name)) {
				printf("cannot read the staged %s image %u\n", sz->name, i);
				return 1;
			}
			snprintf(im[i].name, sizeof(im[i].name), "bench-%s.%u", sz->name, i);
		}
		if (offline(sz, &im[0], &off)) {
			failures++;
			continue;
		}
		printf("\n%s image:", sz->name);
		print_size(" file", off.file_len);
		print_size(", loaded", off.image_len);
		printf(", %d registered at once\n", sz->count);
		printf("  hostsig-verify FILE            %9.1f ms\n", off.file_ms);
		printf("  hostsig-verify --loaded IMAGE  %9.1f ms\n", off.loaded_ms);
		for (w = 1; w <= 2; w++) {
			struct online on;

			if (online(sz, im, w, &on)) {
				failures++;
				continue;
			}
			printf("  %u worker%s: %7.1f components/s = %8.1f ms per comp"
			       " = %5.2f x offline loaded;\n"
			       "             latency %8.1f ms (%.1f) = %5.2f x offline loaded"
			       "; ring full %u times\n",
			       w, w > 1 ? "s" : " ", on.per_s, 1000 / on.per_s,
			       1000 / on.per_s / off.loaded_ms, on.latency_ms,
			       on.module_latency_ms, on.latency_ms / off.loaded_ms, on.eagain);
		}
		for (i = 0; i < (unsigned int)sz->count; i++)
			e2e_image_free(&im[i]);
		free(im);
	}
	e2e_module_reload("");
	printf("\n# %s\n", failures ? "FAILED: see above" : "done (no thresholds)");
	return failures ? 1 : 0;
}
