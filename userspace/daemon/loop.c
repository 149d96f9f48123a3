// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's event loop: one thread, one poll() over the signals, the
 * ring and the workers' sockets. Records are read from the ring, handed to
 * idle workers, and answered as their verdicts come back (consumer.c).
 *
 * SIGHUP reloads the configuration and the trust store. A new
 * configuration that does not load is refused and the running one stays.
 * One that loads replaces the workers: the old ones are killed, the
 * records they were verifying go back to the queue and are verified by new
 * workers with the new trust store. No verdict was sent for those, so none
 * is sent twice; every verdict sent after the reload was computed with the
 * new store, except answers already computed and waiting for the kernel.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "hostsigd.h"

int hsd_start_workers(struct hsd_daemon *d)
{
	struct hsd_sandbox sb = {
		.uid = d->cfg.uid,
		.gid = d->cfg.gid,
		.keep_stderr = d->opt.foreground,
		.parent = getpid(),
	};

	if (hsd_pool_init(&d->pool, hsd_config_workers(&d->cfg), &sb,
			  d->cfg.worker_timeout_s * 1000, d->trust,
			  &d->kernel.ring, &hsd_consumer_pool_ops, &d->consumer)) {
		hsd_log(LOG_ERR, "out of memory");
		return -1;
	}
	if (hsd_pool_start(&d->pool)) {
		hsd_log(LOG_ERR, "workers: %s", d->pool.error);
		return -1;
	}
	return 0;
}

static void log_trust(const struct hsd_daemon *d, const char *what)
{
	hsd_log(LOG_NOTICE, "%s: %u workers as %s (uid %u gid %u), %u trust anchors from %u files, %u denied certificates, %u denied digests, log level %s",
		what, d->pool.nr, d->cfg.user, (unsigned int)d->cfg.uid,
		(unsigned int)d->cfg.gid, d->counts.anchors, d->counts.anchor_files,
		d->counts.denied_certs, d->counts.denied_digests,
		hsd_log_level_name(d->cfg.log_level));
}

static void daemon_reload(struct hsd_daemon *d)
{
	struct hsd_job *jobs[HSD_MAX_WORKERS];
	struct hsd_trust_counts counts;
	struct hostsig_trust *trust;
	struct hsd_config cfg;
	unsigned int nr_jobs;
	char err[512];

	hsd_service_notify("RELOADING=1");
	hsd_log(LOG_NOTICE, "reloading %s", d->opt.config_file);
	if (hsd_config_load(&cfg, d->opt.config_file, err, sizeof(err))) {
		hsd_log(LOG_ERR, "reload refused, the running configuration stays: %s", err);
		goto out;
	}
	trust = hsd_trust_load(&cfg, &counts, err, sizeof(err));
	if (!trust) {
		hsd_log(LOG_ERR, "reload refused, the running configuration stays: %s", err);
		hsd_config_free(&cfg);
		goto out;
	}
	hsd_pool_stop(&d->pool, jobs, &nr_jobs);
	hsd_consumer_requeue(&d->consumer, jobs, nr_jobs);
	hsd_pool_free(&d->pool);
	hostsig_trust_free(d->trust);
	hsd_config_free(&d->cfg);
	d->trust = trust;
	d->cfg = cfg;
	d->counts = counts;
	hsd_log_set_level(d->cfg.log_level);
	if (nr_jobs)
		hsd_log(LOG_INFO, "%u records in verification go to the new workers",
			nr_jobs);
	/* Workers that fail to start are tried again every second. */
	hsd_start_workers(d);
	log_trust(d, "reloaded");
out:
	hsd_service_notify("READY=1");
}

/* A signal came: 1 to stop. */
static int daemon_signal(struct hsd_daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->signal_fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	switch (si.ssi_signo) {
	case SIGHUP:
		daemon_reload(d);
		return 0;
	case SIGTERM:
	case SIGINT:
		hsd_log(LOG_NOTICE, "stopping on %s: %lu records read, %lu verdicts accepted, %lu refused, %lu verifier crashes",
			strsignal((int)si.ssi_signo), d->consumer.stats.records,
			d->consumer.stats.accepted, d->consumer.stats.refused,
			d->consumer.stats.crashed);
		hsd_service_notify("STOPPING=1");
		return 1;
	}
	return 0;
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int hsd_run(struct hsd_daemon *d)
{
	struct pollfd fds[2 + HSD_MAX_WORKERS];
	unsigned int nr, first_worker;
	int timeout;

	for (;;) {
		if (d->consumer.fatal)
			return -1;
		hsd_consumer_scan(&d->consumer);
		hsd_consumer_dispatch(&d->consumer, &d->pool);
		nr = 0;
		fds[nr++] = (struct pollfd){ .fd = d->signal_fd, .events = POLLIN };
		if (hsd_consumer_wants_ring(&d->consumer))
			fds[nr++] = (struct pollfd){
				.fd = hsd_kernel_fd(&d->kernel), .events = POLLIN,
			};
		first_worker = nr;
		nr += hsd_pool_pollfds(&d->pool, fds + nr);
		timeout = min_timeout(hsd_pool_timeout(&d->pool),
				      hsd_consumer_timeout(&d->consumer));
		if (poll(fds, nr, timeout) < 0) {
			if (errno == EINTR)
				continue;
			hsd_log(LOG_ERR, "poll: %s", strerror(errno));
			return -1;
		}
		if (fds[0].revents & POLLIN) {
			if (daemon_signal(d))
				return 0;
			/* A reload replaced the workers: their descriptors are stale. */
			continue;
		}
		hsd_pool_handle(&d->pool, fds + first_worker, nr - first_worker);
		hsd_consumer_retry(&d->consumer);
	}
}
