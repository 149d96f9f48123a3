// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pool of workers that verify records.
 *
 * Each worker is forked from the daemon after the ring is mapped and the
 * trust store is loaded, enters the sandbox (sandbox.c) and then serves
 * jobs over a SOCK_SEQPACKET socketpair: the daemon sends a record's
 * position and id, the worker reads the record in place from the read-only
 * mapping it inherited and sends back one fixed-size verdict. Nothing else
 * crosses: the daemon never parses guest bytes, a worker never talks to
 * the kernel.
 *
 * A worker that dies (a crash in the parser, the seccomp filter's kill),
 * sends something malformed, or does not answer within the timeout is
 * killed and replaced; its record gets an UNKNOWN verdict ("verifier
 * crashed"), never a retry that would let a hostile record take down
 * worker after worker. A worker that dies before it is ready is replaced
 * after HSD_RESPAWN_DELAY_MS, so that a broken set-up does not spin.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostsigd.h"

/* Daemon to worker. */
struct hsd_job_msg {
	uint64_t record_id;
	uint64_t pos;
};

/* Worker to daemon: every message has this size. */
enum hsd_msg_type {
	HSD_MSG_READY = 1,		/* sandboxed, waiting for jobs */
	HSD_MSG_VERDICT,
	HSD_MSG_FAILED,			/* could not enter the sandbox: why */
};

struct hsd_reply {
	uint32_t type;
	uint32_t reserved;
	union {
		struct hsd_verdict verdict;
		char failed[256];
	};
};

/* How long a new worker may take to be ready. */
#define HSD_WORKER_START_MS	10000

/* ---- the worker's side ---------------------------------------------------------- */

static void worker_send(const struct hsd_reply *reply)
{
	if (write(HSD_WORKER_FD, reply, sizeof(*reply)) != sizeof(*reply))
		_exit(3);
}

#ifdef HOSTSIGD_TEST_HOOKS
/*
 * Test builds only (selftests/hostsigd): records named "hostsigd-test:WHAT"
 * make the worker misbehave in the ways the daemon must survive, or try
 * what the sandbox must forbid; "hostsigd-test:slow-..." takes 200 ms
 * before it verifies as usual. Never compiled into hostsigd itself.
 */
#include <fcntl.h>

static bool worker_test_hook(const struct hostsig_record *rec,
			     struct hsd_verdict *v)
{
	static const char prefix[] = "hostsigd-test:";
	char name[HOSTSIG_NAME_LEN + 1];
	const char *what = name + sizeof(prefix) - 1;
	int fd;

	memcpy(name, rec->name, HOSTSIG_NAME_LEN);
	name[HOSTSIG_NAME_LEN] = '\0';
	if (strncmp(name, prefix, sizeof(prefix) - 1))
		return false;
	if (!strncmp(what, "slow", 4)) {
		struct timespec until = hsd_after_ms(200);

		while (!hsd_time_passed(until))
			;
		return false;
	}
	if (!strcmp(what, "crash"))
		__builtin_trap();
	if (!strcmp(what, "hang"))
		for (volatile int spin = 1; spin;)
			;
	if (!strcmp(what, "socket"))
		socket(AF_INET, SOCK_STREAM, 0);
	if (!strcmp(what, "exec"))
		execl("/bin/true", "true", (char *)NULL);
	errno = 0;
	fd = open("/etc/passwd", O_RDONLY);
	hsd_verdict_unknown(v, rec->record_id, "test_hook", "%s: open: %d %s",
			    name, fd, strerror(errno));
	return true;
}
#endif

static void __attribute__((noreturn)) worker_main(struct hsd_pool *pool, int sock)
{
	struct hsd_reply reply = { 0 };
	struct hsd_job_msg job;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* Where the socket must be before anything is said on it. */
	if (sock != HSD_WORKER_FD && dup2(sock, HSD_WORKER_FD) < 0)
		_exit(1);
	if (hsd_sandbox_enter(&pool->sandbox, HSD_WORKER_FD, reply.failed,
			      sizeof(reply.failed))) {
		reply.type = HSD_MSG_FAILED;
		worker_send(&reply);
		_exit(1);
	}
	reply.type = HSD_MSG_READY;
	worker_send(&reply);
	for (;;) {
		const struct hostsig_record *rec;
		ssize_t n = read(HSD_WORKER_FD, &job, sizeof(job));

		if (n == 0)
			_exit(0);
		if (n != sizeof(job))
			_exit(2);
		memset(&reply, 0, sizeof(reply));
		reply.type = HSD_MSG_VERDICT;
		rec = hostsig_ring_record_at(pool->ring, job.pos, job.record_id);
		if (!rec)
			hsd_verdict_unknown(&reply.verdict, job.record_id,
					    HSD_R_MALFORMED_RECORD, "%s",
					    pool->ring->error);
#ifdef HOSTSIGD_TEST_HOOKS
		else if (worker_test_hook(rec, &reply.verdict))
			;
#endif
		else
			hsd_verify_record(pool->trust, rec, &reply.verdict);
		/*
		 * A record the kernel discarded meanwhile may have been
		 * overwritten under the verifier: no verdict from torn bytes.
		 */
		if (rec && !hostsig_ring_record_at(pool->ring, job.pos, job.record_id))
			hsd_verdict_unknown(&reply.verdict, job.record_id,
					    HSD_R_MALFORMED_RECORD,
					    "the record was discarded while it was verified");
		reply.verdict.record_id = job.record_id;
		worker_send(&reply);
	}
}

/* ---- the daemon's side ------------------------------------------------------------ */

static void pool_handle(struct hsd_pool *pool, const struct pollfd *fds,
			unsigned int nr_fds, bool respawn);

int hsd_pool_init(struct hsd_pool *pool, unsigned int nr,
		  const struct hsd_sandbox *sb, unsigned int timeout_ms,
		  const struct hostsig_trust *trust, struct hostsig_ring *ring,
		  const struct hsd_pool_ops *ops, void *ops_arg)
{
	memset(pool, 0, sizeof(*pool));
	pool->workers = calloc(nr, sizeof(*pool->workers));
	if (!pool->workers)
		return -1;
	pool->nr = nr;
	pool->sandbox = *sb;
	pool->timeout_ms = timeout_ms;
	pool->trust = trust;
	pool->ring = ring;
	pool->ops = ops;
	pool->ops_arg = ops_arg;
	for (unsigned int i = 0; i < nr; i++)
		pool->workers[i].sock = -1;
	return 0;
}

static int worker_spawn(struct hsd_pool *pool, struct hsd_worker *w)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		snprintf(pool->error, sizeof(pool->error), "socketpair: %s",
			 strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(pool->error, sizeof(pool->error), "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0)
		worker_main(pool, sv[1]);
	close(sv[1]);
	w->pid = pid;
	w->sock = sv[0];
	w->state = HSD_WORKER_STARTING;
	w->job = NULL;
	w->deadline = hsd_after_ms(HSD_WORKER_START_MS);
	return 0;
}

static void describe_status(char *buf, size_t len, int status)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(buf, len, "stopped");
}

/* Kill and reap it; empty its slot. Its job, if any, is returned. */
static struct hsd_job *worker_kill(struct hsd_worker *w, char *why, size_t why_len)
{
	struct hsd_job *job = w->job;
	int status = 0;

	kill(w->pid, SIGKILL);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (why)
		describe_status(why, why_len, status);
	close(w->sock);
	w->pid = 0;
	w->sock = -1;
	w->job = NULL;
	return job;
}

/*
 * A worker is gone or misbehaved (what: how, or NULL to describe how it
 * ended): its record is answered UNKNOWN, a new worker takes its place.
 */
static void worker_lost(struct hsd_pool *pool, struct hsd_worker *w,
			const char *what)
{
	bool starting = w->state == HSD_WORKER_STARTING;
	pid_t pid = w->pid;
	char ended[128], why[256];
	struct hsd_job *job;

	job = worker_kill(w, ended, sizeof(ended));
	snprintf(why, sizeof(why), "%s", what ? what : ended);
	if (job) {
		pool->crashes++;
		hsd_log(LOG_ERR, "worker %d %s verifying record %llu", (int)pid,
			why, (unsigned long long)job->record_id);
		pool->ops->crashed(pool->ops_arg, job, why);
	} else {
		hsd_log(LOG_ERR, "worker %d %s%s", (int)pid, why,
			starting ? " before it was ready" : "");
	}
	if (starting) {
		w->respawn_at = hsd_after_ms(HSD_RESPAWN_DELAY_MS);
		return;
	}
	if (worker_spawn(pool, w)) {
		hsd_log(LOG_ERR, "cannot start a worker: %s", pool->error);
		w->respawn_at = hsd_after_ms(HSD_RESPAWN_DELAY_MS);
	}
}

static void worker_message(struct hsd_pool *pool, struct hsd_worker *w)
{
	struct hsd_reply reply;
	struct hsd_job *job;
	ssize_t n;

	n = recv(w->sock, &reply, sizeof(reply), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == 0 || n < 0) {
		worker_lost(pool, w, NULL);
		return;
	}
	if (n != sizeof(reply)) {
		worker_lost(pool, w, "sent a malformed message");
		return;
	}
	switch (reply.type) {
	case HSD_MSG_READY:
		if (w->state != HSD_WORKER_STARTING)
			break;
		w->state = HSD_WORKER_IDLE;
		return;
	case HSD_MSG_FAILED:
		reply.failed[sizeof(reply.failed) - 1] = '\0';
		snprintf(pool->error, sizeof(pool->error), "%s", reply.failed);
		hsd_log(LOG_ERR, "worker %d cannot enter its sandbox: %s",
			(int)w->pid, reply.failed);
		worker_lost(pool, w, "gave up");
		return;
	case HSD_MSG_VERDICT:
		if (w->state != HSD_WORKER_BUSY ||
		    reply.verdict.record_id != w->job->record_id)
			break;
		job = w->job;
		w->job = NULL;
		w->state = HSD_WORKER_IDLE;
		if (!pool->ops->result(pool->ops_arg, job, &reply.verdict)) {
			/* The consumer answered UNKNOWN for it: this worker is not to be trusted. */
			pool->crashes++;
			worker_kill(w, NULL, 0);
			w->respawn_at = hsd_now();
		}
		return;
	}
	worker_lost(pool, w, "broke the protocol");
}

int hsd_pool_start(struct hsd_pool *pool)
{
	struct pollfd fds[HSD_MAX_WORKERS];
	unsigned int i, nr, starting;

	pool->error[0] = '\0';
	for (i = 0; i < pool->nr; i++)
		if (worker_spawn(pool, &pool->workers[i]))
			return -1;
	/* Until every worker is ready or gone; none is replaced meanwhile. */
	for (;;) {
		starting = 0;
		for (i = 0; i < pool->nr; i++)
			starting += pool->workers[i].pid &&
				    pool->workers[i].state == HSD_WORKER_STARTING;
		if (!starting)
			break;
		nr = hsd_pool_pollfds(pool, fds);
		if (poll(fds, nr, hsd_pool_timeout(pool)) < 0 && errno != EINTR) {
			snprintf(pool->error, sizeof(pool->error), "poll: %s",
				 strerror(errno));
			return -1;
		}
		pool_handle(pool, fds, nr, false);
	}
	for (i = 0; i < pool->nr; i++) {
		if (pool->workers[i].pid)
			continue;
		if (!pool->error[0])
			snprintf(pool->error, sizeof(pool->error),
				 "a worker died before it was ready");
		return -1;
	}
	return 0;
}

void hsd_pool_stop(struct hsd_pool *pool, struct hsd_job **jobs,
		   unsigned int *nr_jobs)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < pool->nr; i++) {
		struct hsd_worker *w = &pool->workers[i];
		struct hsd_job *job;

		if (!w->pid)
			continue;
		job = worker_kill(w, NULL, 0);
		if (job && jobs)
			jobs[n++] = job;
	}
	if (nr_jobs)
		*nr_jobs = n;
}

void hsd_pool_free(struct hsd_pool *pool)
{
	hsd_pool_stop(pool, NULL, NULL);
	free(pool->workers);
	pool->workers = NULL;
	pool->nr = 0;
}

struct hsd_worker *hsd_pool_idle(struct hsd_pool *pool)
{
	for (unsigned int i = 0; i < pool->nr; i++)
		if (pool->workers[i].pid && pool->workers[i].state == HSD_WORKER_IDLE)
			return &pool->workers[i];
	return NULL;
}

int hsd_pool_dispatch(struct hsd_pool *pool, struct hsd_worker *w,
		      struct hsd_job *job, uint64_t record_id, uint64_t pos)
{
	struct hsd_job_msg msg = { .record_id = record_id, .pos = pos };

	if (send(w->sock, &msg, sizeof(msg), MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    sizeof(msg)) {
		/* Died while idle: the job never reached it. */
		worker_lost(pool, w, NULL);
		return -1;
	}
	w->state = HSD_WORKER_BUSY;
	w->job = job;
	w->deadline = hsd_after_ms(pool->timeout_ms);
	return 0;
}

unsigned int hsd_pool_pollfds(struct hsd_pool *pool, struct pollfd *fds)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < pool->nr; i++) {
		if (!pool->workers[i].pid)
			continue;
		fds[n].fd = pool->workers[i].sock;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		n++;
	}
	return n;
}

static struct hsd_worker *pool_worker_of(struct hsd_pool *pool, int sock)
{
	for (unsigned int i = 0; i < pool->nr; i++)
		if (pool->workers[i].pid && pool->workers[i].sock == sock)
			return &pool->workers[i];
	return NULL;
}

static void pool_handle(struct hsd_pool *pool, const struct pollfd *fds,
			unsigned int nr_fds, bool respawn)
{
	char what[96];

	for (unsigned int i = 0; i < nr_fds; i++) {
		struct hsd_worker *w;

		if (!fds[i].revents)
			continue;
		w = pool_worker_of(pool, fds[i].fd);
		if (w)
			worker_message(pool, w);
	}
	for (unsigned int i = 0; i < pool->nr; i++) {
		struct hsd_worker *w = &pool->workers[i];

		if (w->pid && w->state != HSD_WORKER_IDLE &&
		    hsd_time_passed(w->deadline)) {
			if (w->state == HSD_WORKER_STARTING)
				snprintf(what, sizeof(what), "was not ready within %u s",
					 HSD_WORKER_START_MS / 1000);
			else
				snprintf(what, sizeof(what), "did not finish within %u s",
					 pool->timeout_ms / 1000);
			worker_lost(pool, w, what);
		} else if (!w->pid && respawn && hsd_time_passed(w->respawn_at) &&
			   worker_spawn(pool, w)) {
			hsd_log(LOG_ERR, "cannot start a worker: %s", pool->error);
			w->respawn_at = hsd_after_ms(HSD_RESPAWN_DELAY_MS);
		}
	}
}

void hsd_pool_handle(struct hsd_pool *pool, const struct pollfd *fds,
		     unsigned int nr_fds)
{
	pool_handle(pool, fds, nr_fds, true);
}

int hsd_pool_timeout(const struct hsd_pool *pool)
{
	int timeout = -1;

	for (unsigned int i = 0; i < pool->nr; i++) {
		const struct hsd_worker *w = &pool->workers[i];
		int ms;

		if (w->pid && w->state == HSD_WORKER_IDLE)
			continue;
		ms = hsd_ms_until(w->pid ? w->deadline : w->respawn_at);
		if (timeout < 0 || ms < timeout)
			timeout = ms;
	}
	return timeout;
}
