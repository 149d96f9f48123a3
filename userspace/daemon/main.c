// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsigd: verifies the components guests register with hostsig.ko.
 *
 * Start-up, in this order, each undone in reverse on the way out: the
 * configuration and the trust store (a mistake in them stops us before we
 * touch the kernel), the signals, /dev/hostsig and the netlink family, the
 * sandboxed workers. See hostsigd(8) and Documentation/hostsigd.rst.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "hostsigd.h"

static const char usage_text[] =
	"Usage: hostsigd [-f | -n] [-c FILE] [-p PIDFILE]\n"
	"       hostsigd -t [-c FILE]\n"
	"\n"
	"  -c, --config FILE     configuration file (default " HSD_CONFIG_PATH ")\n"
	"  -f, --foreground      stay in the foreground, log to standard error too\n"
	"  -n, --no-detach       stay in the foreground, log to syslog only (systemd)\n"
	"  -p, --pid-file FILE   write the daemon's pid there once it is ready\n"
	"  -t, --check-config    load the configuration and the trust store, print\n"
	"                        what they hold, and exit\n"
	"  -h, --help            this text\n"
	"\n"
	"Signals: SIGHUP reloads the configuration, SIGTERM and SIGINT stop.\n"
	"See hostsigd(8) and hostsigd.conf(5).\n";

static const struct option options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "no-detach", no_argument, NULL, 'n' },
	{ "pid-file", required_argument, NULL, 'p' },
	{ "check-config", no_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* 0 to go on, or the exit status. */
static int parse_options(int argc, char **argv, struct hsd_options *opt)
{
	int c;

	opt->config_file = HSD_CONFIG_PATH;
	while ((c = getopt_long(argc, argv, "c:fnp:th", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt->config_file = optarg;
			break;
		case 'f':
			opt->foreground = true;
			break;
		case 'n':
			opt->no_detach = true;
			break;
		case 'p':
			opt->pid_file = optarg;
			break;
		case 't':
			opt->check = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs(usage_text, stderr);
			return 64;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "hostsigd: unexpected argument %s\n", argv[optind]);
		fputs(usage_text, stderr);
		return 64;
	}
	if (opt->foreground && opt->no_detach) {
		fprintf(stderr, "hostsigd: -f and -n exclude each other\n");
		return 64;
	}
	return 0;
}

/* -t: what the configuration holds, on standard output. */
static int check_config(struct hsd_daemon *d)
{
	struct hostsig_trust *trust;
	char err[512];

	trust = hsd_trust_load(&d->cfg, &d->counts, err, sizeof(err));
	if (!trust) {
		fprintf(stderr, "hostsigd: %s\n", err);
		return 1;
	}
	hostsig_trust_free(trust);
	printf("config: %s\n", d->cfg.file);
	printf("trust_dir: %s\n", d->cfg.trust_dir.path ? d->cfg.trust_dir.path : "(none)");
	printf("deny_dir: %s\n", d->cfg.deny_dir.path ? d->cfg.deny_dir.path : "(none)");
	for (unsigned int i = 0; i < d->cfg.nr_deny_digests; i++)
		printf("deny_digests: %s\n", d->cfg.deny_digests[i].path);
	printf("trust anchors: %u (from %u files)\n", d->counts.anchors,
	       d->counts.anchor_files);
	printf("denied certificates: %u\n", d->counts.denied_certs);
	printf("denied digests: %u\n", d->counts.denied_digests);
	printf("workers: %u\n", hsd_config_workers(&d->cfg));
	printf("user: %s (uid %u, gid %u)\n", d->cfg.user, (unsigned int)d->cfg.uid,
	       (unsigned int)d->cfg.gid);
	printf("worker_timeout: %u s\n", d->cfg.worker_timeout_s);
	printf("log_level: %s\n", hsd_log_level_name(d->cfg.log_level));
	printf("allow_sha1: %s\n", d->cfg.allow_sha1 ? "yes" : "no");
	printf("require_code_signing: %s\n", d->cfg.require_code_signing ? "yes" : "no");
	printf("allow_no_trust_anchors: %s\n", d->cfg.allow_no_trust ? "yes" : "no");
	return 0;
}

/* SIGHUP, SIGTERM and SIGINT arrive through a descriptor the loop polls. */
static int setup_signals(struct hsd_daemon *d)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	/* Workers are reaped by waitpid(): not if SIGCHLD came ignored. */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	d->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return d->signal_fd < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct hsd_daemon d = { .signal_fd = -1 };
	char err[512];
	int ret;

	ret = parse_options(argc, argv, &d.opt);
	if (ret)
		return ret;
	/* Until ready, errors go to standard error as well as to syslog. */
	hsd_log_init(!d.opt.no_detach, LOG_INFO);
	if (hsd_config_load(&d.cfg, d.opt.config_file, err, sizeof(err))) {
		hsd_log(LOG_ERR, "%s", err);
		return 1;
	}
	if (d.opt.check) {
		ret = check_config(&d);
		goto err_config;
	}
	ret = 1;
	if (!d.opt.foreground && !d.opt.no_detach && hsd_service_detach()) {
		hsd_log(LOG_ERR, "cannot detach: %s", strerror(errno));
		goto err_config;
	}
	hsd_log_set_level(d.cfg.log_level);
	d.trust = hsd_trust_load(&d.cfg, &d.counts, err, sizeof(err));
	if (!d.trust) {
		hsd_log(LOG_ERR, "%s", err);
		goto err_config;
	}
	if (setup_signals(&d)) {
		hsd_log(LOG_ERR, "signals: %s", strerror(errno));
		goto err_trust;
	}
	if (hsd_kernel_open(&d.kernel, HSD_DEVICE_BUSY_WAIT_S)) {
		hsd_log(LOG_ERR, "%s", d.kernel.error);
		goto err_signals;
	}
	hsd_consumer_init(&d.consumer, &d.kernel);
	if (hsd_start_workers(&d))
		goto err_workers;
	hsd_log(LOG_NOTICE, "ready: %u workers as %s (uid %u gid %u), %u trust anchors from %u files, %u denied certificates, %u denied digests, ring of %llu MiB",
		d.pool.nr, d.cfg.user, (unsigned int)d.cfg.uid, (unsigned int)d.cfg.gid,
		d.counts.anchors, d.counts.anchor_files, d.counts.denied_certs,
		d.counts.denied_digests,
		(unsigned long long)(d.kernel.ring.info.data_size >> 20));
	hsd_service_ready(d.opt.pid_file);

	ret = hsd_run(&d) ? 1 : 0;

	hsd_service_cleanup(d.opt.pid_file);
err_workers:
	hsd_pool_free(&d.pool);
	hsd_consumer_free(&d.consumer);
	hsd_kernel_close(&d.kernel);
err_signals:
	if (d.signal_fd >= 0)
		close(d.signal_fd);
err_trust:
	hostsig_trust_free(d.trust);
err_config:
	hsd_config_free(&d.cfg);
	hsd_service_failed();
	return ret;
}
