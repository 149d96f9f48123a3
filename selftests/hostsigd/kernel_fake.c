// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsigd's view of the kernel (userspace/daemon/kernel.c), faked: the
 * ring and the kernel's answers live in the file $HOSTSIGD_FAKE_RING (see
 * fake_ring.h), which hostsigd-test fills and judges. Linked into
 * hostsigd-fake instead of kernel.c; everything else is hostsigd's own code.
 *
 * The ring is mapped for the consumer as the device maps it: read-only,
 * the data area twice in a row. The "kernel" writes (RELEASED flags,
 * consumer_pos) go through a second, writable mapping. poll() readiness is
 * a FIFO next to the file: the producer writes a byte after each record,
 * SEEN drains it and writes one back while records are left after the
 * position seen, which is the device's level-triggered POLLIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake_ring.h"
#include "hostsigd.h"

static struct {
	int fd;
	int fifo;
	struct fake_state *state;
	uint8_t *ring_rw;		/* control page and data area, writable */
	uint8_t *ring_ro;		/* as the device maps it */
	uint64_t size;
} fake = { .fd = -1, .fifo = -1 };

static int fake_error(struct hsd_kernel *k, int err, const char *what)
{
	snprintf(k->error, sizeof(k->error), "%.200s: %s", what, strerror(err));
	return -err;
}

static int fake_map(struct hsd_kernel *k)
{
	struct hostsig_ring_info info;
	uint64_t off;
	uint8_t *p;

	fake.state = mmap(NULL, FAKE_STATE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_SHARED, fake.fd, 0);
	if (fake.state == MAP_FAILED)
		return fake_error(k, errno, "mmap state");
	if (fake.state->magic != FAKE_MAGIC)
		return fake_error(k, EPROTO, "not a fake ring");
	fake.size = fake.state->data_size;
	off = fake.state->ring_offset;
	fake.ring_rw = mmap(NULL, FAKE_PAGE + fake.size, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fake.fd, (off_t)off);
	p = mmap(NULL, FAKE_PAGE + 2 * fake.size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fake.ring_rw == MAP_FAILED || p == MAP_FAILED)
		return fake_error(k, errno, "mmap ring");
	if (mmap(p, FAKE_PAGE + fake.size, PROT_READ, MAP_SHARED | MAP_FIXED,
		 fake.fd, (off_t)off) == MAP_FAILED ||
	    mmap(p + FAKE_PAGE + fake.size, fake.size, PROT_READ,
		 MAP_SHARED | MAP_FIXED, fake.fd, (off_t)(off + FAKE_PAGE)) == MAP_FAILED)
		return fake_error(k, errno, "mmap ring twice");
	fake.ring_ro = p;
	info = (struct hostsig_ring_info){
		.version = HOSTSIG_RING_VERSION,
		.data_offset = FAKE_PAGE,
		.data_size = fake.size,
		.mmap_size = FAKE_PAGE + 2 * fake.size,
		.max_record = fake.size,
	};
	if (hostsig_ring_attach(&k->ring, fake.ring_ro, &info)) {
		snprintf(k->error, sizeof(k->error), "%s", k->ring.error);
		return -EPROTO;
	}
	return 0;
}

int hsd_kernel_open(struct hsd_kernel *k, unsigned int busy_wait_s)
{
	const char *path = getenv("HOSTSIGD_FAKE_RING");
	unsigned int waited_ms = 0;
	char fifo[4096];
	int err;

	memset(k, 0, sizeof(*k));
	if (!path)
		return fake_error(k, ENOENT, "HOSTSIGD_FAKE_RING is not set");
	fake.fd = open(path, O_RDWR | O_CLOEXEC);
	if (fake.fd < 0)
		return fake_error(k, errno, path);
	/* One consumer at a time, as the device. */
	while (flock(fake.fd, LOCK_EX | LOCK_NB)) {
		if (waited_ms >= busy_wait_s * 1000)
			return fake_error(k, EBUSY, path);
		usleep(100000);
		waited_ms += 100;
	}
	err = fake_map(k);
	if (err)
		return err;
	snprintf(fifo, sizeof(fifo), "%s.fifo", path);
	fake.fifo = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fake.fifo < 0)
		return fake_error(k, errno, fifo);
	__atomic_add_fetch(&fake.state->consumers, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void hsd_kernel_close(struct hsd_kernel *k)
{
	hostsig_ring_close(&k->ring);
	if (fake.fifo >= 0)
		close(fake.fifo);
	if (fake.fd >= 0)
		close(fake.fd);
	fake.fifo = fake.fd = -1;
}

int hsd_kernel_fd(const struct hsd_kernel *k)
{
	(void)k;
	return fake.fifo;
}

static struct hostsig_ring_ctrl *fake_ctrl(void)
{
	return (struct hostsig_ring_ctrl *)fake.ring_rw;
}

static struct hostsig_record *fake_record_at(uint64_t pos)
{
	return (struct hostsig_record *)(fake.ring_rw + FAKE_PAGE +
					 (pos & (fake.size - 1)));
}

/* consumer_pos over the records at the front that were given back. */
static void fake_advance(void)
{
	struct hostsig_ring_ctrl *ctrl = fake_ctrl();
	uint64_t pos = ctrl->consumer_pos;
	uint64_t end = __atomic_load_n(&ctrl->producer_pos, __ATOMIC_ACQUIRE);

	while (pos < end) {
		struct hostsig_record *rec = fake_record_at(pos);
		uint32_t flags = __atomic_load_n(&rec->flags, __ATOMIC_ACQUIRE);

		if (!(flags & (HOSTSIG_RECORD_RELEASED | HOSTSIG_RECORD_DISCARD)))
			break;
		pos += rec->len;
	}
	__atomic_store_n(&ctrl->consumer_pos, pos, __ATOMIC_RELEASE);
}

int hsd_kernel_seen(struct hsd_kernel *k)
{
	char buf[64];

	while (read(fake.fifo, buf, sizeof(buf)) > 0)
		;
	__atomic_add_fetch(&fake.state->seen_calls, 1, __ATOMIC_RELAXED);
	fake_advance();
	if (k->ring.pos < hostsig_ring_consumer_pos(&k->ring))
		k->ring.pos = hostsig_ring_consumer_pos(&k->ring);
	if (k->ring.pos > hostsig_ring_producer_pos(&k->ring))
		return fake_error(k, EINVAL, "SEEN");
	if (hostsig_ring_producer_pos(&k->ring) > k->ring.pos)
		(void)!write(fake.fifo, "x", 1);
	return 0;
}

static struct fake_record *fake_find(uint64_t record_id)
{
	uint32_t n = __atomic_load_n(&fake.state->nr_records, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++)
		if (fake.state->records[i].record_id == record_id)
			return &fake.state->records[i];
	return NULL;
}

int hsd_kernel_release(struct hsd_kernel *k, uint64_t record_id)
{
	struct fake_record *r = fake_find(record_id);

	if (!r)
		return fake_error(k, ENOENT, "RELEASE");
	r->release_calls++;
	if (r->released || r->discarded)
		return fake_error(k, EALREADY, "RELEASE");
	r->released = 1;
	__atomic_store_n(&fake_record_at(r->pos)->flags, HOSTSIG_RECORD_RELEASED,
			 __ATOMIC_RELEASE);
	fake_advance();
	return 0;
}

static void fake_take(struct fake_record *r, const struct hostsig_nl_verdict *v)
{
	r->verdict = v->verdict;
	snprintf(r->reason, sizeof(r->reason), "%s", v->reason);
	snprintf(r->message, sizeof(r->message), "%s", v->message ? v->message : "");
	snprintf(r->digest_alg, sizeof(r->digest_alg), "%s",
		 v->digest_alg ? v->digest_alg : "");
	r->digest_len = v->digest && v->digest_len <= sizeof(r->digest) ?
			v->digest_len : 0;
	if (r->digest_len)
		memcpy(r->digest, v->digest, r->digest_len);
	r->nr_writable = v->nr_writable;
	for (uint32_t i = 0; i < v->nr_writable && i < HOSTSIG_MAX_WRITABLE; i++)
		r->writable[i] = (struct fake_range){
			.region = v->writable[i].region,
			.offset = v->writable[i].offset,
			.len = v->writable[i].len,
		};
	r->nr_patch_sites = v->nr_patch_sites;
	for (uint32_t i = 0; i < v->nr_patch_sites && i < HOSTSIG_MAX_PATCH_SITES; i++)
		r->patch_sites[i] = (struct fake_range){
			.region = v->patch_sites[i].region,
			.offset = v->patch_sites[i].offset,
			.len = v->patch_sites[i].len,
		};
	/* The moment the kernel has it. */
	__atomic_add_fetch(&r->accepted, 1, __ATOMIC_SEQ_CST);
}

int hsd_kernel_verdict(struct hsd_kernel *k, const struct hostsig_nl_verdict *v)
{
	struct fake_record *r = fake_find(v->record_id);
	uint32_t taken;

	if (!r)
		return fake_error(k, ENOENT, "no such component");
	r->verdict_calls++;
	if (r->component_id != v->component_id || r->stale || r->discarded)
		return fake_error(k, ESTALE, "the component does not wait for that record");
	if (r->accepted)
		return fake_error(k, EALREADY, "that record was answered already");
	if (r->fail_verdicts) {
		r->fail_verdicts--;
		return fake_error(k, ENOMEM, "verdict");
	}
	if (r->refuse_ranges && (v->nr_writable || v->nr_patch_sites))
		return fake_error(k, EINVAL, "a writable range lies outside the component");
	if (v->verdict < HOSTSIG_VERDICT_AUTHENTIC || v->verdict > HOSTSIG_VERDICT_UNKNOWN ||
	    !v->reason || v->nr_writable > HOSTSIG_MAX_WRITABLE ||
	    v->nr_patch_sites > HOSTSIG_MAX_PATCH_SITES)
		return fake_error(k, EINVAL, "malformed verdict");
	fake_take(r, v);
	taken = __atomic_add_fetch(&fake.state->verdicts_taken, 1, __ATOMIC_SEQ_CST);
	/* Die between the verdict and the release, as a SIGKILL could. */
	if (fake.state->die_after_verdict && taken == fake.state->die_after_verdict)
		kill(getpid(), SIGKILL);
	return 0;
}
