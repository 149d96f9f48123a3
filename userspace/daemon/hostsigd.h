/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostsigd: what its files share. See Documentation/hostsigd.rst for the
 * design (processes, privileges, how a record is answered exactly once).
 */
#ifndef HOSTSIGD_H
#define HOSTSIGD_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <syslog.h>
#include <time.h>

#include "hostsig.h"
#include "nl.h"
#include "ring.h"

/* ---- limits and defaults, documented in hostsigd(8) and hostsigd.conf(5) ---- */

#define HSD_CONFIG_PATH		"/etc/hostsig/hostsigd.conf"
#define HSD_DEFAULT_USER	"nobody"
#define HSD_MAX_WORKERS		256
#define HSD_DEFAULT_TIMEOUT_S	60	/* one verification, per worker */
#define HSD_MAX_TIMEOUT_S	3600
#define HSD_MAX_DIGEST_FILES	16	/* deny_digests lines */
#define HSD_MAX_CERT_FILE	(1u << 20)	/* a certificate file in a trust/deny dir */
#define HSD_MAX_CONFIG_LINE	4096
/* Records read from the ring and not answered yet (queued or verifying). */
#define HSD_MAX_JOBS		4096
/* How long a new daemon waits for the old one's workers to let go of the device. */
#define HSD_DEVICE_BUSY_WAIT_S	10
/* Answers the kernel could not take for now are retried, backing off. */
#define HSD_RETRY_MIN_MS	100
#define HSD_RETRY_MAX_MS	5000
/* A worker that dies before it is ready is replaced after this long. */
#define HSD_RESPAWN_DELAY_MS	1000
/* How long to wait again for a ring header that did not check out. */
#define HSD_STALL_RETRY_MS	1000

/* Reasons of our own, next to the library's (hostsig_reason_name()). */
#define HSD_R_UNSUPPORTED_FORMAT "unsupported_format"
#define HSD_R_MALFORMED_RECORD	"malformed_record"
#define HSD_R_VERIFIER_CRASHED	"verifier_crashed"

/* ---- config.c --------------------------------------------------------------- */

/* A path from the configuration, with the line that set it for messages. */
struct hsd_path {
	char *path;
	unsigned int line;
};

struct hsd_config {
	char *file;			/* where it was read from */
	struct hsd_path trust_dir;	/* trusted certificates: db */
	struct hsd_path deny_dir;	/* denied certificates: dbx */
	struct hsd_path deny_digests[HSD_MAX_DIGEST_FILES];
	unsigned int nr_deny_digests;
	unsigned int workers;		/* 0: one per online CPU */
	char *user;			/* as written */
	unsigned int user_line;
	uid_t uid;			/* what it resolved to */
	gid_t gid;
	int log_level;			/* LOG_ERR .. LOG_DEBUG */
	bool allow_sha1;
	bool require_code_signing;
	bool allow_no_trust;		/* start without any trust anchor */
	unsigned int worker_timeout_s;
};

/* 0, or -1 with "FILE:LINE: what" in err. */
int hsd_config_load(struct hsd_config *cfg, const char *file, char *err,
		    size_t err_len);
void hsd_config_free(struct hsd_config *cfg);
/* The number of workers to run: workers, or the online CPUs. */
unsigned int hsd_config_workers(const struct hsd_config *cfg);
const char *hsd_log_level_name(int level);

/* ---- truststore.c ----------------------------------------------------------- */

struct hsd_trust_counts {
	unsigned int anchors;		/* certificates */
	unsigned int anchor_files;
	unsigned int denied_certs;
	unsigned int denied_digests;
};

/* The store the configuration describes; NULL with err filled. */
struct hostsig_trust *hsd_trust_load(const struct hsd_config *cfg,
				     struct hsd_trust_counts *counts,
				     char *err, size_t err_len);

/* ---- record.c: a ring record to a verdict (runs in the workers) ------------- */

/* What a worker found: everything the answer needs, in one fixed block. */
struct hsd_verdict {
	uint64_t record_id;
	uint32_t verdict;			/* HOSTSIG_VERDICT_* */
	uint32_t digest_len;			/* 0: no digest */
	char reason[HOSTSIG_REASON_LEN];
	char message[HOSTSIG_MESSAGE_LEN];
	char digest_alg[HOSTSIG_DIGEST_ALG_LEN];
	uint8_t digest[HOSTSIG_DIGEST_MAX];
	char signer[128];			/* subject of the signer that made it authentic */
	uint32_t nr_unverified;			/* loader-written ranges not vouched for */
	uint32_t nr_writable;
	uint32_t writable_dropped;		/* writable ranges beyond HOSTSIG_MAX_WRITABLE */
	uint32_t nr_patch;
	uint32_t patch_dropped;			/* patch sites beyond HOSTSIG_MAX_PATCH_SITES */
	uint32_t reserved;
	struct hostsig_nl_range writable[HOSTSIG_MAX_WRITABLE];
	struct hostsig_nl_range patch[HOSTSIG_MAX_PATCH_SITES];
};

/* rec: a record in the ring, rec->len bytes readable. */
void hsd_verify_record(const struct hostsig_trust *trust,
		       const struct hostsig_record *rec, struct hsd_verdict *v);
/* A verdict of ours without verification (UNKNOWN, never authentic). */
void hsd_verdict_unknown(struct hsd_verdict *v, uint64_t record_id,
			 const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The lengths of a record's IMAGE regions, in table order. */
struct hsd_images {
	uint32_t nr;
	uint64_t len[HOSTSIG_MAX_REGIONS];
};

/*
 * Whether a verdict that came from a worker is well formed for a record
 * with these IMAGE regions (writable ranges and patch sites inside them);
 * makes its strings safe.
 */
bool hsd_verdict_sane(struct hsd_verdict *v, const struct hsd_images *images,
		      char *why, size_t why_len);

/* ---- sandbox.c: what a worker gives up ---------------------------------------- */

struct hsd_sandbox {
	uid_t uid;
	gid_t gid;
	bool keep_stderr;		/* foreground: crash reports reach the terminal */
	pid_t parent;			/* die with it */
};

/*
 * In a process just forked to parse guest bytes: keep only fd keep_fd (as
 * HSD_WORKER_FD) and standard error if asked, drop every privilege, lock the
 * system calls down. 0, or -1 with err filled (the process is then half
 * way and must exit).
 */
#define HSD_WORKER_FD		3
int hsd_sandbox_enter(const struct hsd_sandbox *sb, int keep_fd, char *err,
		      size_t err_len);

/* ---- worker.c: the pool of sandboxed verifiers --------------------------------- */

struct hsd_job;

enum hsd_worker_state {
	HSD_WORKER_STARTING,		/* forked, not ready yet */
	HSD_WORKER_IDLE,
	HSD_WORKER_BUSY,
};

struct hsd_worker {
	pid_t pid;			/* 0: this slot is empty */
	int sock;			/* our end of its socketpair */
	enum hsd_worker_state state;
	struct hsd_job *job;		/* while busy */
	struct timespec deadline;	/* while busy */
	struct timespec respawn_at;	/* empty slot: when to try again */
};

struct hsd_pool_ops {
	/* false: the verdict was malformed, the worker is not to be trusted */
	bool (*result)(void *arg, struct hsd_job *job, struct hsd_verdict *v);
	void (*crashed)(void *arg, struct hsd_job *job, const char *why);
};

struct hsd_pool {
	struct hsd_worker *workers;
	unsigned int nr;
	struct hsd_sandbox sandbox;
	unsigned int timeout_ms;
	const struct hostsig_trust *trust;	/* inherited by the workers */
	struct hostsig_ring *ring;		/* mapped: inherited */
	const struct hsd_pool_ops *ops;
	void *ops_arg;
	char error[256];			/* why the last start failed */
	unsigned long crashes;
};

int hsd_pool_init(struct hsd_pool *pool, unsigned int nr,
		  const struct hsd_sandbox *sb, unsigned int timeout_ms,
		  const struct hostsig_trust *trust, struct hostsig_ring *ring,
		  const struct hsd_pool_ops *ops, void *ops_arg);
/* Fork every worker and wait until each is ready: 0, or -1 (pool->error). */
int hsd_pool_start(struct hsd_pool *pool);
/* Kill every worker; their jobs are handed back through *jobs (may be NULL). */
void hsd_pool_stop(struct hsd_pool *pool, struct hsd_job **jobs,
		   unsigned int *nr_jobs);
void hsd_pool_free(struct hsd_pool *pool);
struct hsd_worker *hsd_pool_idle(struct hsd_pool *pool);
int hsd_pool_dispatch(struct hsd_pool *pool, struct hsd_worker *w,
		      struct hsd_job *job, uint64_t record_id, uint64_t pos);
/* poll() descriptors: one per live worker, filled from fds; how many. */
unsigned int hsd_pool_pollfds(struct hsd_pool *pool, struct pollfd *fds);
/* After poll(): handle what the workers said, deaths and time-outs. */
void hsd_pool_handle(struct hsd_pool *pool, const struct pollfd *fds,
		     unsigned int nr_fds);
/* Milliseconds until the pool needs attention without any I/O; -1: never. */
int hsd_pool_timeout(const struct hsd_pool *pool);

/* ---- kernel.c: /dev/hostsig and the netlink family ------------------------------ */

struct hsd_kernel {
	struct hostsig_ring ring;
	struct hostsig_nl nl;
	bool nl_open;
	char error[320];
};

/* Open and map the device (waiting for a previous consumer to let go), then netlink. */
int hsd_kernel_open(struct hsd_kernel *k, unsigned int busy_wait_s);
void hsd_kernel_close(struct hsd_kernel *k);
int hsd_kernel_fd(const struct hsd_kernel *k);
int hsd_kernel_seen(struct hsd_kernel *k);
int hsd_kernel_release(struct hsd_kernel *k, uint64_t record_id);
int hsd_kernel_verdict(struct hsd_kernel *k, const struct hostsig_nl_verdict *v);

/* ---- consumer.c: records from the ring to their answers --------------------------- */

enum hsd_job_state {
	HSD_JOB_QUEUED,			/* read from the ring, waiting for a worker */
	HSD_JOB_VERIFYING,
	HSD_JOB_ANSWERING,		/* verdict known; the kernel has not taken it yet */
	HSD_JOB_RELEASING,		/* answered; RELEASE failed for now */
};

struct hsd_job {
	struct hsd_job *prev, *next;
	enum hsd_job_state state;
	uint64_t record_id;
	uint64_t pos;
	uint64_t component_id;
	uint64_t vm_id;
	uint32_t format;
	struct hsd_images images;	/* for checking writable ranges */
	char name[HOSTSIG_NAME_LEN + 1];
	struct hsd_verdict verdict;
	bool without_ranges;		/* the kernel refused the ranges (writable, patch sites) */
	unsigned int retry_ms;
	struct timespec retry_at;
};

struct hsd_consumer_stats {
	unsigned long records;		/* read from the ring */
	unsigned long accepted;		/* verdicts the kernel took */
	unsigned long refused;		/* ESTALE, EALREADY, ENOENT, ... */
	unsigned long crashed;		/* records a worker died on */
	unsigned long released;
};

struct hsd_consumer {
	struct hsd_kernel *kernel;
	struct hsd_job *head, *tail;	/* in ring order */
	unsigned int nr_jobs;
	bool stalled;			/* a ring header did not check out */
	bool stall_logged;
	struct timespec stall_until;
	bool seen_once;			/* HOSTSIG_IOC_SEEN was called */
	bool fatal;			/* the kernel refuses our verdicts: stop */
	struct hsd_consumer_stats stats;
};

void hsd_consumer_init(struct hsd_consumer *c, struct hsd_kernel *k);
void hsd_consumer_free(struct hsd_consumer *c);
/* Read new records (up to HSD_MAX_JOBS pending) and tell the kernel. */
void hsd_consumer_scan(struct hsd_consumer *c);
/* Whether the ring's descriptor is worth polling (there is room for more). */
bool hsd_consumer_wants_ring(const struct hsd_consumer *c);
/* Hand queued records to idle workers. */
void hsd_consumer_dispatch(struct hsd_consumer *c, struct hsd_pool *pool);
/* Jobs a stopped pool gave back: verify them again. */
void hsd_consumer_requeue(struct hsd_consumer *c, struct hsd_job **jobs,
			  unsigned int nr);
/* Answers and releases whose retry time came. */
void hsd_consumer_retry(struct hsd_consumer *c);
int hsd_consumer_timeout(const struct hsd_consumer *c);
extern const struct hsd_pool_ops hsd_consumer_pool_ops;

/* ---- log.c ------------------------------------------------------------------------ */

void hsd_log_init(bool to_stderr, int level);
void hsd_log_to_stderr(bool on);
void hsd_log_set_level(int level);
void hsd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A string from a guest, quoted and escaped for a log line. */
const char *hsd_quote(char *buf, size_t len, const char *s);
void hsd_log_verdict(const struct hsd_job *job, const char *answer);

/* ---- service.c: a daemon's manners ---------------------------------------------------- */

/* Detach; the caller's process exits once hsd_service_ready() or _failed() is called. */
int hsd_service_detach(void);
void hsd_service_ready(const char *pid_file);
void hsd_service_failed(void);
void hsd_service_notify(const char *state);
void hsd_service_cleanup(const char *pid_file);

/* ---- main.c, loop.c: the daemon ---------------------------------------------------- */

struct hsd_options {
	const char *config_file;
	const char *pid_file;
	bool foreground;		/* -f: stay, and log to standard error too */
	bool no_detach;			/* -n: stay, log to syslog only (systemd) */
	bool check;			/* -t: check the configuration and exit */
};

struct hsd_daemon {
	struct hsd_options opt;
	struct hsd_config cfg;
	struct hostsig_trust *trust;
	struct hsd_trust_counts counts;
	struct hsd_kernel kernel;
	struct hsd_consumer consumer;
	struct hsd_pool pool;
	int signal_fd;
};

/* Workers for the current configuration and trust store: 0, or -1 (logged). */
int hsd_start_workers(struct hsd_daemon *d);
/* Until SIGTERM or SIGINT (0), or an error that stops the daemon (-1). */
int hsd_run(struct hsd_daemon *d);

/* ---- time helpers ---------------------------------------------------------------------- */

struct timespec hsd_now(void);
struct timespec hsd_after_ms(unsigned int ms);
/* Milliseconds from now until t, 0 if past, capped to INT_MAX. */
int hsd_ms_until(struct timespec t);
bool hsd_time_passed(struct timespec t);

#endif /* HOSTSIGD_H */
