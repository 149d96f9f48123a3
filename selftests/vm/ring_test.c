// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hostsig as its consumer sees it: who may open it, what RING_INFO
 * and the mapping say, a ring filled until REGISTER answers EAGAIN,
 * releases in and out of order, records that wrap around the end of the
 * data area, consumers that exit or die without releasing, RELEASE's
 * errors, and poll().
 */
#include <pthread.h>
#include <signal.h>

#include "hostsig_nl.h"
#include "hostsig_ring.h"

#define SLOW_TEST_S	600

FIXTURE(ring) {
	struct hs_guest g;
	struct hs_ring ring;
	struct hs_nl nl;
};

FIXTURE_SETUP(ring)
{
	self->ring.fd = -1;
	ASSERT_EQ(0, hostsig_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(ring)
{
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

/* Reload with these parameters and reconnect (the family id changes). */
static int reload(FIXTURE_DATA(ring) *self, const char *params)
{
	int ret;

	hs_nl_close(&self->nl);
	ret = hostsig_module_reload(params);
	return ret ? ret : hs_nl_open(&self->nl);
}

/* Register a component of @len bytes (an image and nothing else). */
static int64_t register_len(struct hs_guest *g, struct hs_comp *c, uint64_t len)
{
	hs_comp_make(g, c, "ring", len, 0);
	return hs_comp_register(g, c);
}

TEST_F_TIMEOUT(ring, info_and_mapping, SLOW_TEST_S)
{
	struct hostsig_ring_info *info = &self->ring.info;
	const struct hostsig_record *rec;
	struct hs_attrs st;
	struct hs_comp c;
	char why[256];
	void *big;

	ASSERT_EQ(0, reload(self, "ring_size_mib=2"));
	ASSERT_EQ(2, hostsig_param_get("ring_size_mib"));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	EXPECT_EQ(HOSTSIG_RING_VERSION, info->version);
	EXPECT_EQ(0, info->reserved);
	EXPECT_EQ(2 << 20, info->data_size);
	EXPECT_EQ(0, info->data_offset % getpagesize());
	EXPECT_LE(sizeof(struct hostsig_ring_ctrl), info->data_offset);
	EXPECT_EQ(info->data_offset + 2 * info->data_size, info->mmap_size);
	EXPECT_LT(0, info->max_record);
	EXPECT_GE(info->data_size, info->max_record);
	EXPECT_EQ(HOSTSIG_RING_VERSION, self->ring.ctrl->version);
	EXPECT_EQ(info->data_size, self->ring.ctrl->data_size);
	EXPECT_EQ(hs_ring_producer(&self->ring), hs_ring_consumer(&self->ring));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	EXPECT_EQ(info->data_size, st.u[HOSTSIG_A_STATS_RING_SIZE]);
	EXPECT_EQ(0, st.u[HOSTSIG_A_STATS_RING_USED]);

	/* Nothing beyond the ring can be mapped. */
	big = mmap(NULL, info->mmap_size + getpagesize(), PROT_READ, MAP_SHARED,
		   self->ring.fd, 0);
	EXPECT_EQ(MAP_FAILED, big);
	if (big != MAP_FAILED)
		munmap(big, info->mmap_size + getpagesize());

	/* The data area is there twice: the same bytes at both places. */
	hs_guest_create(&self->g, 0, 2);
	ASSERT_LT(0, register_len(&self->g, &c, 100000));
	rec = hs_ring_find(&self->ring, c.id, false);
	ASSERT_NE(NULL, rec) TH_LOG("%s", self->ring.why);
	ASSERT_TRUE(hs_record_matches(&self->g, &c, rec, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(0, memcmp(rec, (const uint8_t *)rec + info->data_size, rec->len));
}

static void open_ring_child(void *ctx, long *res)
{
	int fd = open(HOSTSIG_DEVICE, O_RDONLY);

	res[0] = fd < 0 ? -errno : 0;
}

static void open_ring_nobody(void *ctx, long *res)
{
	res[1] = hostsig_become_nobody();
	open_ring_child(ctx, res);
}

static void open_ring_no_cap(void *ctx, long *res)
{
	res[1] = hostsig_drop_cap(CAP_SYS_ADMIN);
	open_ring_child(ctx, res);
}

TEST_F_TIMEOUT(ring, one_consumer_at_a_time, SLOW_TEST_S)
{
	long res[2];
	int fd;

	ASSERT_EQ(0, hs_ring_open(&self->ring));
	/* Not a second time, from this process or another. */
	fd = open(HOSTSIG_DEVICE, O_RDONLY);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, errno);
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(0, hostsig_in_child(open_ring_child, NULL, res, 1));
	EXPECT_EQ(-EBUSY, res[0]);
	/* Free again once closed. */
	hs_ring_close(&self->ring);
	ASSERT_EQ(0, hostsig_in_child(open_ring_child, NULL, res, 1));
	EXPECT_EQ(0, res[0]);
	ASSERT_EQ(0, hs_ring_open(&self->ring));
}

TEST_F_TIMEOUT(ring, needs_cap_sys_admin, SLOW_TEST_S)
{
	long res[2];

	ASSERT_EQ(0, hostsig_in_child(open_ring_nobody, NULL, res, 2));
	ASSERT_EQ(0, res[1]);
	EXPECT_TRUE(res[0] == -EPERM || res[0] == -EACCES) TH_LOG("open as nobody: %ld", res[0]);
	/* Root without CAP_SYS_ADMIN: file permissions pass, the capability check must not. */
	ASSERT_EQ(0, hostsig_in_child(open_ring_no_cap, NULL, res, 2));
	ASSERT_EQ(0, res[1]);
	EXPECT_EQ(-EPERM, res[0]);
	/* The refused openers did not take the ring. */
	ASSERT_EQ(0, hs_ring_open(&self->ring));
}

/* The records of @ids are in the ring, in this order, with these bytes. */
static bool records_in_order(struct hs_ring *r, struct hs_guest *g,
			     struct hs_comp *c, int n, char *why, size_t len)
{
	uint64_t pos = hs_ring_consumer(r);
	int i;

	for (i = 0; i < n; i++) {
		const struct hostsig_record *rec = hs_ring_at(r, pos);

		if (pos >= hs_ring_producer(r) || !hs_record_sane(r, pos, hs_ring_producer(r) - pos)) {
			snprintf(why, len, "record %d missing or malformed (%.180s)", i, r->why);
			return false;
		}
		if (!hs_record_matches(g, &c[i], rec, why, len))
			return false;
		pos += rec->len;
	}
	return true;
}

/*
 * Fill a 1 MiB ring with 200 KiB components until REGISTER answers EAGAIN,
 * counted and announced; releasing a record that is not the oldest frees
 * nothing; releasing the oldest frees both, and the retry goes through.
 */
TEST_F_TIMEOUT(ring, full_until_released, SLOW_TEST_S)
{
	const uint64_t len = 200 << 10;
	struct hs_attrs st0, st1, st2;
	struct hs_events *ev = malloc(sizeof(*ev));
	const struct hostsig_record *oldest, *second;
	struct hs_comp c[8], extra;
	uint64_t oldest_id, second_id, third_pos;
	int n = 0, i;
	char why[256];
	int64_t ret;

	ASSERT_NE(NULL, ev);
	/* The whole ring for one VM (ring_share_test.c shares it). */
	ASSERT_EQ(0, reload(self, "ring_size_mib=1 vm_ring_share_pct=100"));
	ASSERT_EQ(0, hs_events_open(ev));
	hs_guest_create(&self->g, 0, 4);
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st0));

	for (;;) {
		ASSERT_GT(8, n) TH_LOG("a 1 MiB ring took %d records of 200 KiB", n);
		ret = register_len(&self->g, &c[n], len);
		if (ret == -HOSTSIG_EAGAIN)
			break;
		ASSERT_LT(0, ret) TH_LOG("REGISTER: %ld", ret);
		n++;
	}
	TH_LOG("%d records of %lu bytes fit, then EAGAIN", n, len);
	ASSERT_LE(4, n);
	ASSERT_TRUE(hostsig_error_retryable(HOSTSIG_EAGAIN));
	/* Nothing truncated: every record whole. */
	ASSERT_TRUE(records_in_order(&self->ring, &self->g, c, n, why, sizeof(why))) TH_LOG("%s", why);

	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st1));
	EXPECT_EQ(1, st1.u[HOSTSIG_A_STATS_REFUSED_RING_FULL] - st0.u[HOSTSIG_A_STATS_REFUSED_RING_FULL]);
	EXPECT_EQ(n, st1.u[HOSTSIG_A_STATS_RECORDS] - st0.u[HOSTSIG_A_STATS_RECORDS]);
	EXPECT_EQ(n, st1.u[HOSTSIG_A_STATS_COMPONENTS]);
	EXPECT_GE(self->ring.info.data_size, st1.u[HOSTSIG_A_STATS_RING_USED]);
	EXPECT_NE(NULL, hs_events_wait(ev, HOSTSIG_EVENT_RING_FULL, 0, 30000))
		TH_LOG("no ring-full event");

	/* Out of order: the second record first. Nothing is freed yet. */
	oldest = hs_ring_at(&self->ring, hs_ring_consumer(&self->ring));
	oldest_id = oldest->record_id;
	second = hs_ring_at(&self->ring, hs_ring_consumer(&self->ring) + oldest->len);
	second_id = second->record_id;
	third_pos = hs_ring_consumer(&self->ring) + oldest->len + second->len;
	ASSERT_EQ(0, hs_ring_release(&self->ring, second_id));
	EXPECT_EQ(HOSTSIG_RECORD_RELEASED, hs_record_flags(second));
	EXPECT_EQ(oldest_id, hs_ring_at(&self->ring, hs_ring_consumer(&self->ring))->record_id);
	ASSERT_EQ(-HOSTSIG_EAGAIN, hs_comp_register(&self->g, &c[n]));

	/* The oldest: the consumer position passes both. */
	ASSERT_EQ(0, hs_ring_release(&self->ring, oldest_id));
	EXPECT_EQ(third_pos, hs_ring_consumer(&self->ring));
	ret = hs_comp_register(&self->g, &c[n]);
	ASSERT_LT(0, ret) TH_LOG("REGISTER after release: %ld", ret);
	ASSERT_TRUE(records_in_order(&self->ring, &self->g, c + 2, n - 1, why, sizeof(why)))
		TH_LOG("%s", why);

	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st2));
	EXPECT_EQ(2, st2.u[HOSTSIG_A_STATS_REFUSED_RING_FULL] - st0.u[HOSTSIG_A_STATS_REFUSED_RING_FULL]);
	EXPECT_EQ(2, st2.u[HOSTSIG_A_STATS_RECORDS_RELEASED] - st0.u[HOSTSIG_A_STATS_RECORDS_RELEASED]);
	EXPECT_EQ(hs_ring_producer(&self->ring) - hs_ring_consumer(&self->ring),
		  st2.u[HOSTSIG_A_STATS_RING_USED]);

	/* A component that could never fit is too big, not "retry later". */
	hs_comp_make(&self->g, &extra, "larger than the ring", 1 << 20, 0);
	EXPECT_EQ(-HOSTSIG_E2BIG, hs_comp_register(&self->g, &extra));
	for (i = 0; i <= n; i++)
		EXPECT_EQ(0, hs_unregister(&self->g, c[i].id));
	hs_events_close(ev);
	free(ev);
}

/*
 * max_record is the boundary: in an empty ring, the largest component
 * whose record is max_record bytes is taken, one byte more is E2BIG.
 */
TEST_F_TIMEOUT(ring, max_record_is_the_limit, SLOW_TEST_S)
{
	const uint64_t header = sizeof(struct hostsig_record) +
				sizeof(struct hostsig_record_region);
	const struct hostsig_record *rec;
	uint64_t max_data;
	struct hs_comp c;
	char why[256];

	ASSERT_EQ(0, reload(self, "ring_size_mib=1"));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	hs_guest_create(&self->g, 0, 3);
	max_data = self->ring.info.max_record - header;
	TH_LOG("max_record %llu of a %llu-byte ring", self->ring.info.max_record,
	       self->ring.info.data_size);

	ASSERT_EQ(-HOSTSIG_E2BIG, register_len(&self->g, &c, max_data + 1));
	ASSERT_LT(0, register_len(&self->g, &c, max_data));
	rec = hs_ring_find(&self->ring, c.id, false);
	ASSERT_NE(NULL, rec);
	EXPECT_EQ(self->ring.info.max_record, rec->len);
	ASSERT_TRUE(hs_record_matches(&self->g, &c, rec, why, sizeof(why))) TH_LOG("%s", why);
}

/* Records that straddle the end of the data area read whole and right. */
TEST_F_TIMEOUT(ring, records_wrap_around, SLOW_TEST_S)
{
	const uint64_t len = 300 << 10;
	int i, straddled = 0;
	struct hs_comp c;
	char why[256];

	ASSERT_EQ(0, reload(self, "ring_size_mib=1"));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	hs_guest_create(&self->g, 0, 2);
	hs_comp_make(&self->g, &c, "wrap", len, 0);
	for (i = 0; i < 9; i++) {
		const struct hostsig_record *rec;
		uint64_t pos;

		/* The same pages each time, with new contents. */
		c.seed[0] = hs_rand(&hs_seed_state);
		hs_guest_fill_pattern(&self->g, hs_arg_region(&c.arg, 0)->gva, len, c.seed[0]);
		ASSERT_LT(0, hs_comp_register(&self->g, &c));
		pos = hs_ring_producer(&self->ring);
		rec = hs_ring_find(&self->ring, c.id, false);
		ASSERT_NE(NULL, rec) TH_LOG("%s", self->ring.why);
		pos -= rec->len;
		if ((pos & (self->ring.info.data_size - 1)) + rec->len > self->ring.info.data_size)
			straddled++;
		ASSERT_TRUE(hs_record_matches(&self->g, &c, rec, why, sizeof(why)))
			TH_LOG("record %d: %s", i, why);
		ASSERT_EQ(0, hs_ring_release(&self->ring, rec->record_id));
		ASSERT_EQ(hs_ring_producer(&self->ring), hs_ring_consumer(&self->ring));
		ASSERT_EQ(0, hs_unregister(&self->g, c.id));
	}
	ASSERT_LT(0, straddled);
}

/* What a consumer in a child saw: the record ids from consumer_pos on. */
struct peek {
	int release_first;	/* release the first record before leaving */
	int die;		/* be killed instead of exiting */
	int ready_fd;
};

static void consume_and_leave(void *ctx, long *res)
{
	struct peek *p = ctx;
	struct hs_ring r;
	uint64_t pos;
	int i = 1;

	res[0] = hs_ring_open(&r);
	if (res[0])
		return;
	pos = hs_ring_consumer(&r);
	while (pos < hs_ring_producer(&r) && i < 16) {
		const struct hostsig_record *rec = hs_ring_at(&r, pos);

		if (!(hs_record_flags(rec) & HOSTSIG_RECORD_RELEASED))
			res[i++] = rec->record_id;
		pos += rec->len;
	}
	if (p->release_first)
		res[0] = hs_ring_release(&r, res[1]);
	/* Leave without releasing (anything else), and without closing. */
}

static int ids_now(struct hs_ring *r, long *ids, int max)
{
	uint64_t pos = hs_ring_consumer(r);
	int n = 0;

	while (pos < hs_ring_producer(r) && n < max) {
		const struct hostsig_record *rec = hs_ring_at(r, pos);

		if (!(hs_record_flags(rec) & HOSTSIG_RECORD_RELEASED))
			ids[n++] = rec->record_id;
		pos += rec->len;
	}
	return n;
}

TEST_F_TIMEOUT(ring, consumer_leaves_records_stay, SLOW_TEST_S)
{
	struct peek p = { 0 };
	long seen[16] = { 0 }, now[15];
	struct hs_comp c[3];
	int status, i, fds[2];
	pid_t pid;

	hs_guest_create(&self->g, 0, 2);
	for (i = 0; i < 3; i++)
		ASSERT_LT(0, register_len(&self->g, &c[i], 5000 + i));

	/* A consumer that reads and exits: everything is still there. */
	ASSERT_EQ(0, hostsig_in_child(consume_and_leave, &p, seen, 16));
	ASSERT_EQ(0, seen[0]);
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	ASSERT_EQ(3, ids_now(&self->ring, now, 15));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(seen[1 + i], now[i]);
	hs_ring_close(&self->ring);

	/* One that is killed while it holds the ring: the same. */
	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct hs_ring r;

		if (hs_ring_open(&r) == 0 && write(fds[1], "x", 1) == 1)
			pause();
		_exit(1);
	}
	close(fds[1]);
	ASSERT_EQ(1, read(fds[0], seen, 1));
	close(fds[0]);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	ASSERT_EQ(3, ids_now(&self->ring, seen, 15));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(now[i], seen[i]);
	hs_ring_close(&self->ring);

	/* What a consumer did release stays released. */
	p.release_first = 1;
	ASSERT_EQ(0, hostsig_in_child(consume_and_leave, &p, seen, 16));
	ASSERT_EQ(0, seen[0]);
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	ASSERT_EQ(2, ids_now(&self->ring, now, 15));
	EXPECT_EQ(seen[2], now[0]);
	EXPECT_EQ(seen[3], now[1]);
}

TEST_F_TIMEOUT(ring, release_errors, SLOW_TEST_S)
{
	const struct hostsig_record *ra, *rb, *rc;
	uint64_t ida, idb, idc;
	struct hs_comp a, b, c;

	hs_guest_create(&self->g, 0, 2);
	ASSERT_LT(0, register_len(&self->g, &a, 3000));
	ASSERT_LT(0, register_len(&self->g, &b, 3000));
	ASSERT_LT(0, register_len(&self->g, &c, 3000));
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	ra = hs_ring_find(&self->ring, a.id, false);
	rb = hs_ring_find(&self->ring, b.id, false);
	rc = hs_ring_find(&self->ring, c.id, false);
	ASSERT_NE(NULL, ra);
	ASSERT_NE(NULL, rb);
	ASSERT_NE(NULL, rc);
	ida = ra->record_id;
	idb = rb->record_id;
	idc = rc->record_id;

	EXPECT_EQ(-ENOENT, hs_ring_release(&self->ring, idc + 1000));
	EXPECT_EQ(-ENOENT, hs_ring_release(&self->ring, 0));
	/* One in the middle (it stays in the ring, marked), then again. */
	EXPECT_EQ(0, hs_ring_release(&self->ring, idb));
	EXPECT_EQ(-EALREADY, hs_ring_release(&self->ring, idb));
	/* The oldest (the consumer position moves past it), then again. */
	EXPECT_EQ(0, hs_ring_release(&self->ring, ida));
	EXPECT_EQ(-EALREADY, hs_ring_release(&self->ring, ida));
	/*
	 * A record of an unregistered component is DISCARD, and given back by
	 * the kernel: the consumer position passes it, RELEASE says EALREADY.
	 */
	ASSERT_EQ(0, hs_unregister(&self->g, c.id));
	EXPECT_EQ(HOSTSIG_RECORD_DISCARD, hs_record_flags(rc));
	EXPECT_EQ(hs_ring_producer(&self->ring), hs_ring_consumer(&self->ring));
	EXPECT_EQ(-EALREADY, hs_ring_release(&self->ring, idc));
}

/* ---- poll() ---------------------------------------------------------------------- */

struct poller {
	int fd;
	pid_t tid;
	int revents;
	int ret;
	int done;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	__atomic_store_n(&p->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	/*
	 * No timeout: a poll that times out looks at the file once more and
	 * would find the record even if nobody woke it.
	 */
	p->ret = poll(&pfd, 1, -1);
	p->revents = pfd.revents;
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Whether the thread sleeps in poll (its wait channel says so). */
static bool sleeping_in_poll(pid_t tid)
{
	char path[64], wchan[64] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, wchan, sizeof(wchan) - 1);
	close(fd);
	wchan[n > 0 ? n : 0] = 0;
	return strstr(wchan, "poll") || strstr(wchan, "schedule_hrtimeout");
}

static int poll_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 ? pfd.revents : 0;
}

TEST_F_TIMEOUT(ring, poll_wakes_the_consumer, SLOW_TEST_S)
{
	struct poller p = { 0 };
	struct hs_comp a, b;
	pthread_t thread;
	int i;

	hs_guest_create(&self->g, 0, 2);
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	ASSERT_EQ(0, poll_now(self->ring.fd));

	p.fd = self->ring.fd;
	ASSERT_EQ(0, pthread_create(&thread, NULL, poll_thread, &p));
	for (i = 0; i < 3000 && !(__atomic_load_n(&p.tid, __ATOMIC_ACQUIRE) &&
				  sleeping_in_poll(p.tid)); i++)
		usleep(10000);
	ASSERT_TRUE(sleeping_in_poll(p.tid)) TH_LOG("the poller never went to sleep");
	ASSERT_LT(0, register_len(&self->g, &a, 4000));
	/* Woken, or still asleep after a minute: only to report the latter. */
	for (i = 0; i < 6000 && !__atomic_load_n(&p.done, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	if (!__atomic_load_n(&p.done, __ATOMIC_ACQUIRE))
		pthread_cancel(thread);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_TRUE(p.done) TH_LOG("a new record did not wake the poller");
	EXPECT_EQ(1, p.ret);
	EXPECT_TRUE(p.revents & POLLIN);

	/* Seen up to the end: quiet until the next record. */
	ASSERT_EQ(0, hs_ring_seen(&self->ring, hs_ring_producer(&self->ring)));
	EXPECT_EQ(0, poll_now(self->ring.fd));
	ASSERT_LT(0, register_len(&self->g, &b, 4000));
	EXPECT_TRUE(poll_now(self->ring.fd) & POLLIN);

	/* A new consumer, before its first SEEN: any record is news. */
	hs_ring_close(&self->ring);
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	EXPECT_TRUE(poll_now(self->ring.fd) & POLLIN);
}

TEST_HARNESS_MAIN
