// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * From a record in the ring to its answer: read it, have a worker verify
 * it, send the verdict, give the record back.
 *
 * Exactly once, nothing lost. A record is given back (RELEASE) only after
 * the kernel took its verdict, or refused it for good: ESTALE (the
 * component no longer waits for this record), EALREADY (answered before:
 * by a previous daemon killed between its verdict and its release), ENOENT
 * (the component is gone). Until then the record stays in the ring, and
 * the next daemon finds it again from consumer_pos. The kernel takes one
 * verdict per record, so a record verified twice across a restart is still
 * answered once. Within one daemon a record is read once: the walk only
 * moves forward, and a job that a stopped worker leaves behind is verified
 * again before any verdict for it was sent.
 *
 * Anything else that goes wrong with an answer (no memory, a full socket)
 * is retried with a growing delay; the record keeps its place meanwhile.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hostsigd.h"

void hsd_consumer_init(struct hsd_consumer *c, struct hsd_kernel *k)
{
	memset(c, 0, sizeof(*c));
	c->kernel = k;
}

static void job_unlink(struct hsd_consumer *c, struct hsd_job *job)
{
	if (job->prev)
		job->prev->next = job->next;
	else
		c->head = job->next;
	if (job->next)
		job->next->prev = job->prev;
	else
		c->tail = job->prev;
	c->nr_jobs--;
	free(job);
}

void hsd_consumer_free(struct hsd_consumer *c)
{
	while (c->head)
		job_unlink(c, c->head);
}

/* The header fields the answer and the log need; the rest is the worker's. */
static struct hsd_job *job_new(const struct hostsig_ring_entry *ent)
{
	struct hostsig_record_snapshot snap;
	struct hsd_job *job = calloc(1, sizeof(*job));
	char why[HOSTSIG_MESSAGE_LEN];
	struct hostsig_record hdr;

	if (!job)
		return NULL;
	memcpy(&hdr, ent->rec, sizeof(hdr));
	job->record_id = ent->record_id;
	job->pos = ent->pos;
	job->component_id = hdr.component_id;
	job->vm_id = hdr.vm_id;
	job->format = hdr.format;
	memcpy(job->name, hdr.name, HOSTSIG_NAME_LEN);
	job->name[HOSTSIG_NAME_LEN] = '\0';
	if (!hostsig_record_snapshot(ent->rec, &snap, why, sizeof(why))) {
		for (uint32_t i = 0; i < snap.hdr->nr_regions; i++)
			if (snap.regions[i].kind == HOSTSIG_REGION_IMAGE)
				job->images.len[job->images.nr++] = snap.regions[i].len;
	}
	return job;
}

static void job_append(struct hsd_consumer *c, struct hsd_job *job)
{
	job->prev = c->tail;
	if (c->tail)
		c->tail->next = job;
	else
		c->head = job;
	c->tail = job;
	c->nr_jobs++;
}

void hsd_consumer_scan(struct hsd_consumer *c)
{
	struct hostsig_ring *ring = &c->kernel->ring;
	struct hostsig_ring_entry ent;
	uint64_t start = ring->pos;
	struct hsd_job *job;
	int ret;

	if (c->stalled && !hsd_time_passed(c->stall_until))
		return;
	c->stalled = false;
	while (c->nr_jobs < HSD_MAX_JOBS) {
		ret = hostsig_ring_next(ring, &ent);
		if (!ret)
			break;
		if (ret < 0) {
			/* Once, not every second while it lasts. */
			if (!c->stall_logged)
				hsd_log(LOG_ERR, "ring: %s; trying again every %u ms",
					ring->error, HSD_STALL_RETRY_MS);
			c->stall_logged = true;
			c->stalled = true;
			break;
		}
		if (c->stall_logged)
			hsd_log(LOG_NOTICE, "ring: readable again");
		c->stall_logged = false;
		job = job_new(&ent);
		if (!job) {
			hsd_log(LOG_ERR, "record=%" PRIu64 " error=\"out of memory\"",
				ent.record_id);
			ring->pos = ent.pos;
			c->stalled = true;
			break;
		}
		/* Discarded and reclaimed while we read it: nothing to answer. */
		if (!hostsig_ring_record_at(ring, ent.pos, ent.record_id)) {
			free(job);
			continue;
		}
		job_append(c, job);
		c->stats.records++;
		hsd_log(LOG_DEBUG, "record=%" PRIu64 " component=%" PRIu64
			" vm=%" PRIu64 " queued", job->record_id,
			job->component_id, job->vm_id);
	}
	if (c->stalled)
		c->stall_until = hsd_after_ms(HSD_STALL_RETRY_MS);
	if (ring->pos != start || !c->seen_once) {
		if (hsd_kernel_seen(c->kernel))
			hsd_log(LOG_WARNING, "ring: %s", c->kernel->error);
		c->seen_once = true;
	}
}

bool hsd_consumer_wants_ring(const struct hsd_consumer *c)
{
	return !c->stalled && !c->fatal && c->nr_jobs < HSD_MAX_JOBS;
}

void hsd_consumer_dispatch(struct hsd_consumer *c, struct hsd_pool *pool)
{
	struct hsd_job *job, *next;
	struct hsd_worker *w;

	for (job = c->head; job; job = next) {
		next = job->next;
		if (job->state != HSD_JOB_QUEUED)
			continue;
		w = hsd_pool_idle(pool);
		if (!w)
			return;
		/* Discarded since it was read: nobody waits for its verdict. */
		if (!hostsig_ring_record_at(&c->kernel->ring, job->pos, job->record_id)) {
			hsd_log(LOG_DEBUG, "record=%" PRIu64 " discarded before verification",
				job->record_id);
			job_unlink(c, job);
			continue;
		}
		if (!hsd_pool_dispatch(pool, w, job, job->record_id, job->pos))
			job->state = HSD_JOB_VERIFYING;
	}
}

void hsd_consumer_requeue(struct hsd_consumer *c, struct hsd_job **jobs,
			  unsigned int nr)
{
	(void)c;
	for (unsigned int i = 0; i < nr; i++)
		jobs[i]->state = HSD_JOB_QUEUED;
}

/* Try again later, waiting twice as long as last time. */
static void job_retry_later(struct hsd_job *job)
{
	job->retry_ms = job->retry_ms ? 2 * job->retry_ms : HSD_RETRY_MIN_MS;
	if (job->retry_ms > HSD_RETRY_MAX_MS)
		job->retry_ms = HSD_RETRY_MAX_MS;
	job->retry_at = hsd_after_ms(job->retry_ms);
}

static void consumer_release(struct hsd_consumer *c, struct hsd_job *job)
{
	int err = hsd_kernel_release(c->kernel, job->record_id);

	switch (err) {
	case 0:
	case -EALREADY:		/* the kernel discarded it meanwhile */
		c->stats.released++;
		job_unlink(c, job);
		return;
	case -ENOENT:
		hsd_log(LOG_ERR, "record=%" PRIu64 " error=\"the kernel does not know this record\"",
			job->record_id);
		job_unlink(c, job);
		return;
	}
	if (job->state != HSD_JOB_RELEASING || job->retry_ms >= HSD_RETRY_MAX_MS)
		hsd_log(LOG_WARNING, "record=%" PRIu64 " error=\"release: %s\" retrying",
			job->record_id, c->kernel->error);
	job->state = HSD_JOB_RELEASING;
	job_retry_later(job);
}

static void consumer_answer(struct hsd_consumer *c, struct hsd_job *job)
{
	const struct hsd_verdict *v = &job->verdict;
	struct hostsig_nl_verdict nv = {
		.component_id = job->component_id,
		.record_id = job->record_id,
		.verdict = v->verdict,
		.reason = v->reason,
		.message = v->message[0] ? v->message : NULL,
		.digest = v->digest_len ? v->digest : NULL,
		.digest_len = v->digest_len,
		.digest_alg = v->digest_len ? v->digest_alg : NULL,
		.nr_writable = job->without_ranges ? 0 : v->nr_writable,
		.writable = v->writable,
		.nr_patch_sites = job->without_ranges ? 0 : v->nr_patch,
		.patch_sites = v->patch,
	};
	const char *answer;
	int err;

	job->state = HSD_JOB_ANSWERING;
	err = hsd_kernel_verdict(c->kernel, &nv);
	switch (err) {
	case 0:
		answer = "accepted";
		c->stats.accepted++;
		break;
	case -ESTALE:
		answer = "stale";
		break;
	case -EALREADY:
		answer = "already-answered";
		break;
	case -ENOENT:
		answer = "component-gone";
		break;
	case -EINVAL:
	case -ERANGE:
		if (nv.nr_writable || nv.nr_patch_sites) {
			/* Answer without them: the pages stay tracked, every write a tamper. */
			hsd_log(LOG_ERR, "record=%" PRIu64 " error=\"writable ranges refused: %s\" answering without them",
				job->record_id, c->kernel->error);
			job->without_ranges = true;
			consumer_answer(c, job);
			return;
		}
		hsd_log(LOG_ERR, "record=%" PRIu64 " error=\"verdict refused: %s\"",
			job->record_id, c->kernel->error);
		answer = "refused";
		break;
	case -EPERM:
	case -EACCES:
		hsd_log(LOG_ERR, "record=%" PRIu64 " error=\"verdict refused: %s\" (hostsigd needs CAP_NET_ADMIN and must hold /dev/hostsig)",
			job->record_id, c->kernel->error);
		c->fatal = true;
		return;
	default:
		if (!job->retry_ms)
			hsd_log(LOG_WARNING, "record=%" PRIu64 " error=\"verdict: %s\" retrying",
				job->record_id, c->kernel->error);
		job_retry_later(job);
		return;
	}
	if (err)
		c->stats.refused++;
	job->retry_ms = 0;
	hsd_log_verdict(job, answer);
	consumer_release(c, job);
}

static bool consumer_result(void *arg, struct hsd_job *job, struct hsd_verdict *v)
{
	struct hsd_consumer *c = arg;
	char why[128];

	if (!hsd_verdict_sane(v, &job->images, why, sizeof(why))) {
		hsd_log(LOG_ERR, "record=%" PRIu64 " error=\"a worker sent a malformed verdict: %s\"",
			job->record_id, why);
		hsd_verdict_unknown(&job->verdict, job->record_id, HSD_R_VERIFIER_CRASHED,
				    "the verifier sent a malformed verdict (%s)", why);
		c->stats.crashed++;
		consumer_answer(c, job);
		return false;
	}
	job->verdict = *v;
	if (v->writable_dropped)
		hsd_log(LOG_WARNING, "record=%" PRIu64 " error=\"%u writable ranges past the first %u stay write-tracked\"",
			job->record_id, v->writable_dropped, HOSTSIG_MAX_WRITABLE);
	if (v->patch_dropped)
		hsd_log(LOG_WARNING, "record=%" PRIu64 " error=\"%u patch sites past the first %u stay tamper-protected\"",
			job->record_id, v->patch_dropped, v->nr_patch);
	consumer_answer(c, job);
	return true;
}

static void consumer_crashed(void *arg, struct hsd_job *job, const char *why)
{
	struct hsd_consumer *c = arg;

	hsd_verdict_unknown(&job->verdict, job->record_id, HSD_R_VERIFIER_CRASHED,
			    "the verifier %s", why);
	c->stats.crashed++;
	consumer_answer(c, job);
}

const struct hsd_pool_ops hsd_consumer_pool_ops = {
	.result = consumer_result,
	.crashed = consumer_crashed,
};

void hsd_consumer_retry(struct hsd_consumer *c)
{
	struct hsd_job *job, *next;

	for (job = c->head; job && !c->fatal; job = next) {
		next = job->next;
		if (!job->retry_ms || !hsd_time_passed(job->retry_at))
			continue;
		if (job->state == HSD_JOB_ANSWERING)
			consumer_answer(c, job);
		else if (job->state == HSD_JOB_RELEASING)
			consumer_release(c, job);
	}
}

int hsd_consumer_timeout(const struct hsd_consumer *c)
{
	int timeout = c->stalled ? hsd_ms_until(c->stall_until) : -1;

	for (const struct hsd_job *job = c->head; job; job = job->next) {
		int ms;

		if (!job->retry_ms || (job->state != HSD_JOB_ANSWERING &&
				       job->state != HSD_JOB_RELEASING))
			continue;
		ms = hsd_ms_until(job->retry_at);
		if (timeout < 0 || ms < timeout)
			timeout = ms;
	}
	return timeout;
}
