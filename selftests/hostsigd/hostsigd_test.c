// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The test side of selftests/hostsigd: it plays hostsig.ko's producer and
 * judges what hostsigd-fake (hostsigd with kernel_fake.c) answered.
 *
 *   hostsigd-test create RING DATA_KIB [START]
 *       A fake ring of DATA_KIB KiB whose positions start at START.
 *   hostsigd-test produce RING SPEC
 *       Write the records SPEC describes, one per line (below), waiting
 *       for room as a producer does.
 *   hostsigd-test wait RING SECONDS
 *       Until every record was given back (or discarded); 1 on time-out.
 *   hostsigd-test check RING
 *       One line per record: what the kernel took. Exit 1 if a record was
 *       answered other than exactly once, or not given back.
 *   hostsigd-test die-after RING N
 *       The consumer dies right after the kernel takes its Nth verdict.
 *   hostsigd-test writable FILE
 *       hostsig_pe_writable_ranges() of a PE file or loaded image.
 *   hostsigd-test unit
 *       The ring walker, the record checks, the writable ranges on made-up
 *       headers and the daemon's verdict checks: "PASS name" or
 *       "FAIL name: why" lines.
 *
 * A SPEC line: key=value words. name=, format=pe|elf|N, base=, image_base=,
 * rebased=1, load_verified=1 (the host's HOSTSIG_REC_F_LOAD_VERIFIED),
 * image=FILE, signature=FILE, tail=FILE, file=FILE (regions, in
 * the order given; tag=N and gva=ADDR after one set its tag and guest
 * address), component=N, discard=1, stale=1, fail_verdicts=N,
 * refuse_ranges=1, busy_ms=N (published BUSY first), repeat=N, and
 * corrupt=past_end|data_len|overlap|header_len.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fake_ring.h"
#include "hostsigd.h"

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fputs("hostsigd-test: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || !*s)
		die("not a number: %s", s);
	return v;
}

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~7ULL;
}

/* ---- the shared file --------------------------------------------------------------- */

struct fake_map {
	int fd;
	struct fake_state *state;
	struct hostsig_ring_ctrl *ctrl;
	uint8_t *data;			/* writable, mapped twice in a row */
	uint64_t size;
};

static void fake_open(struct fake_map *m, const char *path)
{
	uint8_t *p;
	uint64_t off;

	m->fd = open(path, O_RDWR | O_CLOEXEC);
	if (m->fd < 0)
		die("%s: %s", path, strerror(errno));
	m->state = mmap(NULL, FAKE_STATE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			m->fd, 0);
	if (m->state == MAP_FAILED || m->state->magic != FAKE_MAGIC)
		die("%s: not a fake ring", path);
	m->size = m->state->data_size;
	off = m->state->ring_offset;
	p = mmap(NULL, FAKE_PAGE + 2 * m->size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED ||
	    mmap(p, FAKE_PAGE + m->size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, m->fd, (off_t)off) == MAP_FAILED ||
	    mmap(p + FAKE_PAGE + m->size, m->size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, m->fd, (off_t)(off + FAKE_PAGE)) == MAP_FAILED)
		die("%s: mmap: %s", path, strerror(errno));
	m->ctrl = (struct hostsig_ring_ctrl *)p;
	m->data = p + FAKE_PAGE;
}

static int cmd_create(int argc, char **argv)
{
	uint64_t size, start = 0;
	struct fake_map m;
	char fifo[4096];
	int fd;

	if (argc < 3 || argc > 4)
		die("usage: create RING DATA_KIB [START]");
	size = parse_u64(argv[2]) << 10;
	if (size < FAKE_PAGE || (size & (size - 1)))
		die("the data size must be a power of two of at least 4 KiB");
	if (argc == 4)
		start = parse_u64(argv[3]);
	if (start % HOSTSIG_RECORD_ALIGN)
		die("START must be a multiple of %d", HOSTSIG_RECORD_ALIGN);
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)fake_file_size(size)))
		die("%s: %s", argv[1], strerror(errno));
	m.state = mmap(NULL, FAKE_STATE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m.state == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	m.state->data_size = size;
	m.state->ring_offset = FAKE_STATE_SIZE;
	m.state->magic = FAKE_MAGIC;
	munmap(m.state, FAKE_STATE_SIZE);
	close(fd);
	fake_open(&m, argv[1]);
	m.ctrl->version = HOSTSIG_RING_VERSION;
	m.ctrl->data_size = size;
	m.ctrl->producer_pos = start;
	m.ctrl->consumer_pos = start;
	snprintf(fifo, sizeof(fifo), "%s.fifo", argv[1]);
	unlink(fifo);
	if (mkfifo(fifo, 0600))
		die("%s: %s", fifo, strerror(errno));
	return 0;
}

/* ---- producing records ---------------------------------------------------------------- */

struct spec_region {
	uint32_t kind;
	uint32_t tag;
	uint64_t gva;			/* 0: made up from the offset */
	uint8_t *data;
	size_t len;
};

struct spec {
	char name[HOSTSIG_NAME_LEN + 1];
	uint32_t format;
	uint64_t base, image_base, component;
	uint32_t flags;
	struct spec_region regions[HOSTSIG_MAX_REGIONS];
	uint32_t nr_regions;
	uint32_t discard, stale, fail_verdicts, refuse_ranges, busy_ms, repeat;
	char corrupt[32];
};

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	FILE *f = fopen(path, "rb");

	if (!f || fstat(fileno(f), &st))
		die("%s: %s", path, strerror(errno));
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die("%s: read error", path);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static void spec_region(struct spec *s, uint32_t kind, const char *path)
{
	struct spec_region *r;

	if (s->nr_regions == HOSTSIG_MAX_REGIONS)
		die("too many regions");
	r = &s->regions[s->nr_regions++];
	r->kind = kind;
	r->data = slurp(path, &r->len);
	if (!r->len)
		die("%s: empty", path);
}

static void spec_parse(struct spec *s, char *line)
{
	char *word, *save = NULL;

	memset(s, 0, sizeof(*s));
	s->format = HOSTSIG_FMT_PE;
	s->repeat = 1;
	for (word = strtok_r(line, " \t\n", &save); word;
	     word = strtok_r(NULL, " \t\n", &save)) {
		char *v = strchr(word, '=');

		if (!v)
			die("spec: %s is not key=value", word);
		*v++ = '\0';
		if (!strcmp(word, "name"))
			snprintf(s->name, sizeof(s->name), "%s", v);
		else if (!strcmp(word, "format"))
			s->format = !strcmp(v, "pe") ? HOSTSIG_FMT_PE :
				    !strcmp(v, "elf") ? HOSTSIG_FMT_ELF_MODULE :
				    (uint32_t)parse_u64(v);
		else if (!strcmp(word, "base"))
			s->base = parse_u64(v);
		else if (!strcmp(word, "image_base"))
			s->image_base = parse_u64(v);
		else if (!strcmp(word, "rebased"))
			s->flags |= parse_u64(v) ? HOSTSIG_ARG_F_HEADER_REBASED : 0;
		else if (!strcmp(word, "load_verified"))
			s->flags |= parse_u64(v) ? HOSTSIG_REC_F_LOAD_VERIFIED : 0;
		else if (!strcmp(word, "image"))
			spec_region(s, HOSTSIG_REGION_IMAGE, v);
		else if (!strcmp(word, "signature"))
			spec_region(s, HOSTSIG_REGION_SIGNATURE, v);
		else if (!strcmp(word, "tail"))
			spec_region(s, HOSTSIG_REGION_TAIL, v);
		else if (!strcmp(word, "file"))
			spec_region(s, HOSTSIG_REGION_FILE, v);
		else if (!strcmp(word, "tag") || !strcmp(word, "gva")) {
			if (!s->nr_regions)
				die("spec: %s before any region", word);
			if (word[0] == 't')
				s->regions[s->nr_regions - 1].tag = (uint32_t)parse_u64(v);
			else
				s->regions[s->nr_regions - 1].gva = parse_u64(v);
		} else if (!strcmp(word, "component"))
			s->component = parse_u64(v);
		else if (!strcmp(word, "discard"))
			s->discard = (uint32_t)parse_u64(v);
		else if (!strcmp(word, "stale"))
			s->stale = (uint32_t)parse_u64(v);
		else if (!strcmp(word, "fail_verdicts"))
			s->fail_verdicts = (uint32_t)parse_u64(v);
		else if (!strcmp(word, "refuse_ranges"))
			s->refuse_ranges = (uint32_t)parse_u64(v);
		else if (!strcmp(word, "busy_ms"))
			s->busy_ms = (uint32_t)parse_u64(v);
		else if (!strcmp(word, "repeat"))
			s->repeat = (uint32_t)parse_u64(v);
		else if (!strcmp(word, "corrupt"))
			snprintf(s->corrupt, sizeof(s->corrupt), "%s", v);
		else
			die("spec: unknown key %s", word);
	}
}

/* The record's bytes, laid out as the kernel lays them out. */
static uint8_t *spec_build(const struct spec *s, uint64_t record_id,
			   uint64_t component_id, uint32_t *len_out)
{
	uint64_t hdr_len = sizeof(struct hostsig_record) +
			   s->nr_regions * sizeof(struct hostsig_record_region);
	struct hostsig_record *rec;
	uint64_t off = hdr_len, data_len = 0, len;
	uint8_t *buf;

	for (uint32_t i = 0; i < s->nr_regions; i++)
		off = align8(off + s->regions[i].len);
	len = align8(off);
	if (len > UINT32_MAX)
		die("record too large");
	buf = calloc(1, len);
	if (!buf)
		die("out of memory");
	rec = (struct hostsig_record *)buf;
	rec->len = (uint32_t)len;
	rec->record_id = record_id;
	rec->component_id = component_id;
	rec->vm_id = 1;
	rec->vmm_pid = (uint32_t)getpid();
	rec->vcpu_id = 0;
	rec->format = s->format;
	rec->nr_regions = s->nr_regions;
	rec->load_base = s->base;
	rec->image_base = s->image_base;
	rec->arg_flags = s->flags;
	rec->header_len = (uint32_t)hdr_len;
	memcpy(rec->name, s->name, strnlen(s->name, HOSTSIG_NAME_LEN));
	off = hdr_len;
	for (uint32_t i = 0; i < s->nr_regions; i++) {
		struct hostsig_record_region *r = &rec->regions[i];

		r->kind = s->regions[i].kind;
		r->tag = s->regions[i].tag;
		r->gva = s->regions[i].gva ? s->regions[i].gva : 0xffff800000000000ULL + off;
		r->len = s->regions[i].len;
		r->offset = off;
		memcpy(buf + off, s->regions[i].data, r->len);
		data_len += r->len;
		off = align8(off + r->len);
	}
	rec->data_len = data_len;
	if (!strcmp(s->corrupt, "past_end") && s->nr_regions) {
		rec->regions[s->nr_regions - 1].len += 4096;
		rec->data_len += 4096;
	} else if (!strcmp(s->corrupt, "data_len")) {
		rec->data_len++;
	} else if (!strcmp(s->corrupt, "overlap") && s->nr_regions > 1) {
		rec->regions[1].offset = rec->regions[0].offset;
	} else if (!strcmp(s->corrupt, "header_len")) {
		rec->header_len += 8;
	} else if (s->corrupt[0]) {
		die("spec: unknown corruption %s", s->corrupt);
	}
	*len_out = (uint32_t)len;
	return buf;
}

static void wake_consumer(const char *ring)
{
	char fifo[4096];
	int fd;

	snprintf(fifo, sizeof(fifo), "%s.fifo", ring);
	fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;		/* nobody reads: nobody to wake */
	(void)!write(fd, "x", 1);
	close(fd);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Wait until len bytes are free; the consumer gives records back meanwhile. */
static void wait_room(struct fake_map *m, uint32_t len)
{
	for (unsigned int waited = 0;; waited += 10) {
		uint64_t cons = __atomic_load_n(&m->ctrl->consumer_pos, __ATOMIC_ACQUIRE);

		if (m->ctrl->producer_pos + len - cons <= m->size)
			return;
		if (waited > 120000)
			die("no room in the ring for 120 s");
		sleep_ms(10);
	}
}

static void produce_one(struct fake_map *m, const char *ring, const struct spec *s)
{
	uint32_t idx = m->state->nr_records, len;
	uint64_t id = idx + 1, pos = m->ctrl->producer_pos;
	struct fake_record *fr = &m->state->records[idx];
	struct hostsig_record *rec;
	uint8_t *buf;

	if (idx >= FAKE_MAX_RECORDS)
		die("too many records");
	buf = spec_build(s, id, s->component ? s->component : 1000 + id, &len);
	if (len > m->size)
		die("a record of %u bytes does not fit the ring", len);
	wait_room(m, len);
	rec = (struct hostsig_record *)(m->data + (pos & (m->size - 1)));
	memset(fr, 0, sizeof(*fr));
	fr->record_id = id;
	fr->component_id = ((struct hostsig_record *)buf)->component_id;
	fr->pos = pos;
	fr->len = len;
	fr->discarded = s->discard;
	fr->stale = s->stale;
	fr->fail_verdicts = s->fail_verdicts;
	fr->refuse_ranges = s->refuse_ranges;
	__atomic_store_n(&m->state->nr_records, idx + 1, __ATOMIC_RELEASE);
	/* Header with BUSY first, as a reservation; then the position. */
	memcpy(rec, buf, sizeof(*rec));
	rec->flags = HOSTSIG_RECORD_BUSY;
	__atomic_store_n(&m->ctrl->producer_pos, pos + len, __ATOMIC_RELEASE);
	if (s->busy_ms) {
		wake_consumer(ring);
		sleep_ms(s->busy_ms);
	}
	memcpy((uint8_t *)rec + sizeof(*rec), buf + sizeof(*rec), len - sizeof(*rec));
	__atomic_store_n(&rec->flags, s->discard ? HOSTSIG_RECORD_DISCARD : 0,
			 __ATOMIC_RELEASE);
	wake_consumer(ring);
	free(buf);
}

static int cmd_produce(int argc, char **argv)
{
	size_t size = 0;
	char *line = NULL;
	struct fake_map m;
	struct spec s;
	FILE *f;

	if (argc != 3)
		die("usage: produce RING SPEC");
	fake_open(&m, argv[1]);
	f = fopen(argv[2], "r");
	if (!f)
		die("%s: %s", argv[2], strerror(errno));
	while (getline(&line, &size, f) >= 0) {
		char *p = line;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		spec_parse(&s, p);
		for (uint32_t i = 0; i < s.repeat; i++)
			produce_one(&m, argv[1], &s);
		for (uint32_t i = 0; i < s.nr_regions; i++)
			free(s.regions[i].data);
	}
	free(line);
	fclose(f);
	return 0;
}

/* ---- judging ------------------------------------------------------------------------------ */

static bool record_done(const struct fake_record *r)
{
	return __atomic_load_n(&r->released, __ATOMIC_ACQUIRE) || r->discarded;
}

static int cmd_wait(int argc, char **argv)
{
	unsigned int seconds, waited;
	struct fake_map m;

	if (argc != 3)
		die("usage: wait RING SECONDS");
	fake_open(&m, argv[1]);
	seconds = (unsigned int)parse_u64(argv[2]);
	for (waited = 0; waited < seconds * 100; waited++) {
		uint32_t n = __atomic_load_n(&m.state->nr_records, __ATOMIC_ACQUIRE), i;

		for (i = 0; i < n && record_done(&m.state->records[i]); i++)
			;
		if (i == n)
			return 0;
		sleep_ms(10);
	}
	for (uint32_t i = 0; i < m.state->nr_records; i++)
		if (!record_done(&m.state->records[i]))
			fprintf(stderr, "record %" PRIu64 " is not done\n",
				m.state->records[i].record_id);
	return 1;
}

static const char *verdict_name(uint32_t v)
{
	switch (v) {
	case HOSTSIG_VERDICT_AUTHENTIC:
		return "authentic";
	case HOSTSIG_VERDICT_NOT_AUTHENTIC:
		return "not-authentic";
	case HOSTSIG_VERDICT_UNKNOWN:
		return "unknown";
	}
	return "none";
}

static void print_record(const struct fake_map *m, const struct fake_record *r)
{
	const struct hostsig_record *rec =
		(const void *)(m->data + (r->pos & (m->size - 1)));
	char name[4 * HOSTSIG_NAME_LEN + 3], message[4 * HOSTSIG_MESSAGE_LEN + 3];
	char name_raw[HOSTSIG_NAME_LEN + 1];

	/* A record given back may have been overwritten since: no name then. */
	name_raw[0] = '\0';
	if (rec->record_id == r->record_id) {
		memcpy(name_raw, rec->name, HOSTSIG_NAME_LEN);
		name_raw[HOSTSIG_NAME_LEN] = '\0';
	}
	printf("record=%" PRIu64 " component=%" PRIu64 " name=%s accepted=%u verdict_calls=%u"
	       " released=%u release_calls=%u discarded=%u verdict=%s reason=%s digest=",
	       r->record_id, r->component_id, hsd_quote(name, sizeof(name), name_raw),
	       r->accepted, r->verdict_calls, r->released, r->release_calls,
	       r->discarded, verdict_name(r->verdict), r->reason[0] ? r->reason : "none");
	if (r->digest_len) {
		printf("%s:", r->digest_alg);
		for (uint32_t i = 0; i < r->digest_len; i++)
			printf("%02x", r->digest[i]);
	} else {
		printf("none");
	}
	printf(" writable=");
	for (uint32_t i = 0; i < r->nr_writable; i++)
		printf("%s%u:0x%" PRIx64 "+0x%" PRIx64, i ? "," : "", r->writable[i].region,
		       r->writable[i].offset, r->writable[i].len);
	if (!r->nr_writable)
		printf("none");
	printf(" patch_sites=");
	for (uint32_t i = 0; i < r->nr_patch_sites; i++)
		printf("%s%u:0x%" PRIx64 "+0x%" PRIx64, i ? "," : "", r->patch_sites[i].region,
		       r->patch_sites[i].offset, r->patch_sites[i].len);
	if (!r->nr_patch_sites)
		printf("none");
	printf(" message=%s\n", hsd_quote(message, sizeof(message), r->message));
}

static int cmd_check(int argc, char **argv)
{
	struct fake_map m;
	int ret = 0;

	if (argc != 2)
		die("usage: check RING");
	fake_open(&m, argv[1]);
	printf("consumers=%u seen_calls=%u verdicts_taken=%u consumer_pos=%" PRIu64
	       " producer_pos=%" PRIu64 "\n", m.state->consumers, m.state->seen_calls,
	       m.state->verdicts_taken, (uint64_t)m.ctrl->consumer_pos,
	       (uint64_t)m.ctrl->producer_pos);
	for (uint32_t i = 0; i < m.state->nr_records; i++) {
		const struct fake_record *r = &m.state->records[i];
		const char *bad = NULL;

		print_record(&m, r);
		if (r->discarded && (r->accepted || r->verdict_calls))
			bad = "a discarded record was answered";
		else if (!r->discarded && r->stale && (r->accepted || !r->released))
			bad = "a stale record was not given back without a verdict";
		else if (!r->discarded && !r->stale && r->accepted != 1)
			bad = "not answered exactly once";
		else if (!r->discarded && !r->released)
			bad = "not given back";
		if (bad) {
			printf("VIOLATION record=%" PRIu64 ": %s\n", r->record_id, bad);
			ret = 1;
		}
	}
	if (m.ctrl->consumer_pos != m.ctrl->producer_pos) {
		printf("VIOLATION consumer_pos did not reach producer_pos\n");
		ret = 1;
	}
	return ret;
}

static int cmd_die_after(int argc, char **argv)
{
	struct fake_map m;

	if (argc != 3)
		die("usage: die-after RING N");
	fake_open(&m, argv[1]);
	m.state->die_after_verdict = (uint32_t)parse_u64(argv[2]);
	return 0;
}

/* ---- the writable ranges ---------------------------------------------------------------- */

static int cmd_writable(int argc, char **argv)
{
	struct hostsig_range ranges[HOSTSIG_MAX_WRITABLE];
	size_t len;
	uint8_t *buf;
	int n;

	if (argc != 2)
		die("usage: writable FILE");
	buf = slurp(argv[1], &len);
	n = hostsig_pe_writable_ranges(buf, len, ranges, HOSTSIG_MAX_WRITABLE);
	free(buf);
	if (n < 0) {
		printf("malformed\n");
		return 1;
	}
	for (int i = 0; i < n && i < HOSTSIG_MAX_WRITABLE; i++)
		printf("0x%x 0x%x\n", ranges[i].rva, ranges[i].size);
	return 0;
}

/* ---- unit tests ---------------------------------------------------------------------------- */

static int unit_failed;

static void unit_result(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void unit_result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS %s\n", name);
		return;
	}
	unit_failed = 1;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#define UNIT_RING_SIZE	(64 * 1024)

struct unit_ring {
	uint8_t *map;			/* control page, data area twice */
	struct hostsig_ring_info info;
	struct hostsig_ring ring;
};

static void unit_ring_init(struct unit_ring *u, uint64_t start, uint64_t max_record)
{
	int fd = memfd_create("ring", MFD_CLOEXEC);
	uint8_t *p;

	if (fd < 0 || ftruncate(fd, FAKE_PAGE + UNIT_RING_SIZE))
		die("memfd: %s", strerror(errno));
	p = mmap(NULL, FAKE_PAGE + 2 * UNIT_RING_SIZE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED ||
	    mmap(p, FAKE_PAGE + UNIT_RING_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
	    mmap(p + FAKE_PAGE + UNIT_RING_SIZE, UNIT_RING_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, FAKE_PAGE) == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	close(fd);
	u->map = p;
	u->info = (struct hostsig_ring_info){
		.version = HOSTSIG_RING_VERSION, .data_offset = FAKE_PAGE,
		.data_size = UNIT_RING_SIZE, .mmap_size = FAKE_PAGE + 2 * UNIT_RING_SIZE,
		.max_record = max_record,
	};
	((struct hostsig_ring_ctrl *)p)->version = HOSTSIG_RING_VERSION;
	((struct hostsig_ring_ctrl *)p)->data_size = UNIT_RING_SIZE;
	((struct hostsig_ring_ctrl *)p)->producer_pos = start;
	((struct hostsig_ring_ctrl *)p)->consumer_pos = start;
	if (hostsig_ring_attach(&u->ring, p, &u->info))
		die("attach: %s", u->ring.error);
}

static struct hostsig_ring_ctrl *unit_ctrl(struct unit_ring *u)
{
	return (struct hostsig_ring_ctrl *)u->map;
}

/* Append a record with one IMAGE region of n bytes; its header for tweaking. */
static struct hostsig_record *unit_put(struct unit_ring *u, uint64_t id,
				       uint32_t n, uint32_t flags)
{
	struct hostsig_ring_ctrl *ctrl = unit_ctrl(u);
	uint64_t pos = ctrl->producer_pos;
	uint32_t hdr = sizeof(struct hostsig_record) + sizeof(struct hostsig_record_region);
	struct hostsig_record *rec =
		(void *)(u->map + FAKE_PAGE + (pos & (UNIT_RING_SIZE - 1)));

	memset(rec, 0, hdr);
	rec->len = (uint32_t)align8(hdr + n);
	rec->flags = flags;
	rec->record_id = id;
	rec->component_id = 100 + id;
	rec->format = HOSTSIG_FMT_PE;
	rec->nr_regions = 1;
	rec->header_len = hdr;
	rec->data_len = n;
	snprintf(rec->name, sizeof(rec->name), "unit-%" PRIu64, id);
	rec->regions[0] = (struct hostsig_record_region){
		.kind = HOSTSIG_REGION_IMAGE, .len = n, .offset = hdr,
	};
	memset((uint8_t *)rec + hdr, 0xa5, n);
	ctrl->producer_pos = pos + rec->len;
	return rec;
}

static void unit_ring_walk(void)
{
	struct hostsig_ring_entry ent;
	struct hostsig_record *rec;
	struct unit_ring u;
	int ret;

	unit_ring_init(&u, 0, UNIT_RING_SIZE);
	ret = hostsig_ring_next(&u.ring, &ent);
	unit_result(ret == 0, "ring: an empty ring has nothing", "returned %d", ret);

	unit_put(&u, 1, 100, 0);
	unit_put(&u, 2, 100, HOSTSIG_RECORD_DISCARD);
	unit_put(&u, 3, 100, HOSTSIG_RECORD_RELEASED);
	unit_put(&u, 4, 100, 0);
	rec = unit_put(&u, 5, 100, HOSTSIG_RECORD_BUSY);
	ret = hostsig_ring_next(&u.ring, &ent);
	unit_result(ret == 1 && ent.record_id == 1, "ring: the first record", "%d, id %" PRIu64,
		    ret, ent.record_id);
	ret = hostsig_ring_next(&u.ring, &ent);
	unit_result(ret == 1 && ent.record_id == 4,
		    "ring: discarded and released records are skipped", "%d, id %" PRIu64,
		    ret, ent.record_id);
	ret = hostsig_ring_next(&u.ring, &ent);
	unit_result(ret == 0 && u.ring.pos == unit_ctrl(&u)->producer_pos - rec->len,
		    "ring: a record being written stops the walk", "%d", ret);
	rec->flags = 0;
	ret = hostsig_ring_next(&u.ring, &ent);
	unit_result(ret == 1 && ent.record_id == 5, "ring: ... until it is complete",
		    "%d", ret);

	/* consumer_pos passing the walk: records given back meanwhile. */
	unit_put(&u, 6, 100, 0);
	rec = unit_put(&u, 7, 100, 0);
	unit_ctrl(&u)->consumer_pos = unit_ctrl(&u)->producer_pos - rec->len;
	ret = hostsig_ring_next(&u.ring, &ent);
	unit_result(ret == 1 && ent.record_id == 7,
		    "ring: the walk follows consumer_pos forward", "%d, id %" PRIu64,
		    ret, ent.record_id);
	unit_result(hostsig_ring_record_at(&u.ring, ent.pos, 7) == ent.rec,
		    "ring: record_at finds a live record", "%s", u.ring.error);
	unit_result(!hostsig_ring_record_at(&u.ring, ent.pos, 8),
		    "ring: record_at refuses another id", "found");
	unit_result(!hostsig_ring_record_at(&u.ring, ent.pos - 8, 7),
		    "ring: record_at refuses a position before consumer_pos", "found");
	rec->flags = HOSTSIG_RECORD_RELEASED;
	unit_result(!hostsig_ring_record_at(&u.ring, ent.pos, 7),
		    "ring: record_at refuses a record given back", "found");
}

/* A header that does not fit the ring stops the walk; nothing is read past it. */
static void unit_ring_bad(const char *name, uint32_t len, uint32_t flags,
			  uint64_t producer_delta, uint64_t max_record)
{
	struct hostsig_ring_entry ent;
	struct hostsig_record *rec;
	struct unit_ring u;
	int ret;

	unit_ring_init(&u, 0, max_record);
	rec = unit_put(&u, 1, 100, flags);
	if (len)
		rec->len = len;
	unit_ctrl(&u)->producer_pos += producer_delta;
	ret = hostsig_ring_next(&u.ring, &ent);
	unit_result(ret == -EBADMSG && u.ring.pos == 0, name, "returned %d at %" PRIu64 " (%s)",
		    ret, u.ring.pos, u.ring.error);
}

static void unit_ring_wrap(void)
{
	struct hostsig_ring_entry ent;
	struct hostsig_record_snapshot snap;
	struct unit_ring u;
	char why[256];
	uint64_t start = UNIT_RING_SIZE - 64;
	bool same = true;
	int ret;

	/* Positions grow for ever; this record starts 64 bytes before the end. */
	unit_ring_init(&u, 3 * (uint64_t)UNIT_RING_SIZE + start, UNIT_RING_SIZE);
	unit_put(&u, 1, 4000, 0);
	ret = hostsig_ring_next(&u.ring, &ent);
	if (ret == 1)
		for (uint32_t i = 0; i < 4000; i++)
			same &= ((const uint8_t *)ent.rec)[ent.rec->header_len + i] == 0xa5;
	unit_result(ret == 1 && same && !hostsig_record_snapshot(ent.rec, &snap, why, sizeof(why)),
		    "ring: a record that wraps around the end reads contiguously",
		    "%d %s", ret, why);
}

static void unit_ring_geometry(void)
{
	static const struct {
		const char *name;
		uint64_t data_size, data_offset, mmap_size, max_record;
		uint32_t version;
	} cases[] = {
		{ "ring: a data size that is not a power of two", 3 * 4096, 4096, 4096 + 6 * 4096, 4096, 1 },
		{ "ring: a mapping size that does not match", 65536, 4096, 4096 + 65536, 4096, 1 },
		{ "ring: a largest record over the data size", 65536, 4096, 4096 + 2 * 65536, 65537, 1 },
		{ "ring: a data offset inside the control page", 65536, 8, 8 + 2 * 65536, 4096, 1 },
		{ "ring: another version", 65536, 4096, 4096 + 2 * 65536, 4096, 2 },
	};
	struct unit_ring u;

	unit_ring_init(&u, 0, UNIT_RING_SIZE);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hostsig_ring_info info = {
			.version = cases[i].version, .data_offset = cases[i].data_offset,
			.data_size = cases[i].data_size, .mmap_size = cases[i].mmap_size,
			.max_record = cases[i].max_record,
		};
		struct hostsig_ring r;

		unit_result(hostsig_ring_attach(&r, u.map, &info) == -EPROTO,
			    cases[i].name, "accepted");
	}
}

/* Region tables that must not pass hostsig_record_snapshot(). */
static void unit_snapshot(void)
{
	struct hostsig_record_snapshot snap;
	struct hostsig_record *rec;
	struct unit_ring u;
	char why[256];

	unit_ring_init(&u, 0, UNIT_RING_SIZE);
	rec = unit_put(&u, 1, 100, 0);
	unit_result(!hostsig_record_snapshot(rec, &snap, why, sizeof(why)),
		    "record: a well-formed region table", "%s", why);
#define SNAPSHOT_BAD(name, change, restore)					\
	do {									\
		change;								\
		unit_result(hostsig_record_snapshot(rec, &snap, why, sizeof(why)) == -EBADMSG, \
			    name, "accepted");					\
		restore;							\
	} while (0)
	SNAPSHOT_BAD("record: a region past the record's end",
		     rec->regions[0].len += 64, rec->regions[0].len -= 64);
	SNAPSHOT_BAD("record: a region over the region table",
		     rec->regions[0].offset -= 8, rec->regions[0].offset += 8);
	SNAPSHOT_BAD("record: an empty region",
		     (rec->regions[0].len = 0, rec->data_len = 0),
		     (rec->regions[0].len = 100, rec->data_len = 100));
	SNAPSHOT_BAD("record: data_len not the regions' sum", rec->data_len++, rec->data_len--);
	SNAPSHOT_BAD("record: no regions", rec->nr_regions = 0, rec->nr_regions = 1);
	SNAPSHOT_BAD("record: more regions than the limit",
		     rec->nr_regions = HOSTSIG_MAX_REGIONS + 1, rec->nr_regions = 1);
	SNAPSHOT_BAD("record: a header length that does not match the table",
		     rec->header_len += 32, rec->header_len -= 32);
	SNAPSHOT_BAD("record: a region whose offset wraps",
		     rec->regions[0].offset = ~0ULL - 10, rec->regions[0].offset = rec->header_len);
#undef SNAPSHOT_BAD
}

/* ---- made-up PE headers for the writable ranges ---- */

struct unit_section {
	uint32_t va, vsize, flags;
};

#define SCN_WRITE	0x80000000u
#define SCN_READ	0x40000000u
#define SCN_CODE	0x20000020u

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* A PE32+ header of 0x400 bytes with these sections (no raw data). */
static void unit_pe(uint8_t *buf, uint32_t align, uint32_t size_of_image,
		    const struct unit_section *secs, unsigned int n)
{
	uint8_t *coff = buf + 0x84, *opt = coff + 20, *sec = opt + 240;

	memset(buf, 0, 0x400);
	buf[0] = 'M';
	buf[1] = 'Z';
	put32(buf + 0x3c, 0x80);
	memcpy(buf + 0x80, "PE\0\0", 4);
	put16(coff, 0x8664);
	put16(coff + 2, (uint16_t)n);
	put16(coff + 16, 240);
	put16(opt, 0x20b);
	put32(opt + 32, align);
	put32(opt + 36, 0x200);
	put32(opt + 56, size_of_image);
	put32(opt + 60, 0x400);
	put32(opt + 108, 16);
	for (unsigned int i = 0; i < n; i++, sec += 40) {
		memcpy(sec, ".s", 2);
		put32(sec + 8, secs[i].vsize);
		put32(sec + 12, secs[i].va);
		put32(sec + 36, secs[i].flags);
	}
}

static void unit_writable(void)
{
	static const struct unit_section secs[] = {
		{ 0x1000, 0x2345, SCN_CODE | SCN_READ },		/* code */
		{ 0x5000, 0x10, SCN_READ | SCN_WRITE },			/* .data */
		{ 0x4000, 0x800, SCN_READ | SCN_WRITE },		/* out of order, adjacent */
		{ 0x7000, 0x1001, SCN_READ | SCN_WRITE | SCN_CODE },	/* W+X, 2 pages */
		{ 0x9000, 0x200, SCN_READ },				/* read-only */
		{ 0xa000, 0, SCN_READ | SCN_WRITE },			/* empty: nothing */
		{ 0xb000, 0x1700, SCN_READ | SCN_WRITE },		/* rounded, then cut at SizeOfImage */
	};
	/* packed as objcopy packs some UEFI images */
	static const struct unit_section packed[] = {
		{ 0x1000, 0x870, SCN_READ | SCN_WRITE },
		{ 0x1880, 0x100, SCN_READ },
	};
	static const struct unit_section overlapping[] = {
		{ 0x1000, 0x900, SCN_READ | SCN_WRITE },
		{ 0x1880, 0x100, SCN_READ },
	};
	struct hostsig_range r[8];
	uint8_t pe[0x400];
	int n;

	unit_pe(pe, 0x1000, 0xc800, secs, 7);
	n = hostsig_pe_writable_ranges(pe, sizeof(pe), r, 8);
	unit_result(n == 3 && r[0].rva == 0x4000 && r[0].size == 0x2000 &&
		    r[1].rva == 0x7000 && r[1].size == 0x2000 &&
		    r[2].rva == 0xb000 && r[2].size == 0x1800,
		    "writable: sorted, rounded to SectionAlignment, merged, cut at SizeOfImage",
		    "%d: %x+%x %x+%x %x+%x", n, r[0].rva, r[0].size, r[1].rva, r[1].size,
		    r[2].rva, r[2].size);
	n = hostsig_pe_writable_ranges(pe, sizeof(pe), r, 1);
	unit_result(n == 3 && r[0].rva == 0x4000,
		    "writable: more ranges than room says how many", "%d", n);
	n = hostsig_pe_writable_ranges(pe, 0x200, r, 8);
	unit_result(n == -1, "writable: headers cut short are malformed", "%d", n);
	unit_pe(pe, 0x1000, 0x8000, secs, 7);
	n = hostsig_pe_writable_ranges(pe, sizeof(pe), r, 8);
	unit_result(n == -1, "writable: a section past SizeOfImage is malformed", "%d", n);
	unit_pe(pe, 0x1800, 0x10000, secs, 2);
	n = hostsig_pe_writable_ranges(pe, sizeof(pe), r, 8);
	unit_result(n == -1, "writable: a SectionAlignment not a power of two is malformed",
		    "%d", n);
	unit_pe(pe, 0x200, 0x10000, secs, 2);
	n = hostsig_pe_writable_ranges(pe, sizeof(pe), r, 8);
	unit_result(n == 1 && r[0].rva == 0x5000 && r[0].size == 0x200,
		    "writable: a small SectionAlignment rounds to it", "%d %x+%x", n,
		    r[0].rva, r[0].size);
	unit_pe(pe, 0x1000, 0x10000, packed, 2);
	n = hostsig_pe_writable_ranges(pe, sizeof(pe), r, 8);
	unit_result(n == 1 && r[0].rva == 0x1000 && r[0].size == 0x880,
		    "writable: a section packed closer than SectionAlignment ends where the next starts",
		    "%d %x+%x", n, r[0].rva, r[0].size);
	unit_pe(pe, 0x1000, 0x10000, overlapping, 2);
	n = hostsig_pe_writable_ranges(pe, sizeof(pe), r, 8);
	unit_result(n == -1, "writable: overlapping sections are malformed", "%d", n);
	memcpy(pe, "XX", 2);
	n = hostsig_pe_writable_ranges(pe, sizeof(pe), r, 8);
	unit_result(n == -1, "writable: not a PE image", "%d", n);
}

/* ---- the daemon's checks of what a worker sends ---- */

static void unit_verdict_sane(void)
{
	const struct hsd_images images = { .nr = 2, .len = { 0x10000, 0x2000 } };
	struct hsd_verdict v;
	char why[128];

#define SANE(name, want, setup)							\
	do {									\
		hsd_verdict_unknown(&v, 1, "ok", "fine");			\
		v.verdict = HOSTSIG_VERDICT_AUTHENTIC;				\
		setup;								\
		unit_result(hsd_verdict_sane(&v, &images, why, sizeof(why)) == (want), \
			    name, "%s", (want) ? why : "accepted");		\
	} while (0)
	SANE("verdict: a well-formed one passes", true, (void)0);
	SANE("verdict: no verdict", false, v.verdict = 0);
	SANE("verdict: an unknown verdict", false, v.verdict = 4);
	SANE("verdict: an empty reason", false, v.reason[0] = '\0');
	SANE("verdict: a reason with a space", false, strcpy(v.reason, "o k"));
	SANE("verdict: a reason without its NUL is cut", true,
	     memset(v.reason, 'a', sizeof(v.reason)));
	SANE("verdict: a digest too long", false, v.digest_len = HOSTSIG_DIGEST_MAX + 1);
	SANE("verdict: too many writable ranges", false,
	     v.nr_writable = HOSTSIG_MAX_WRITABLE + 1);
	SANE("verdict: a writable range past the image", false,
	     (v.nr_writable = 1, v.writable[0] = (struct hostsig_nl_range){ 0, 0xf000, 0x2000 }));
	SANE("verdict: a writable range in an IMAGE region there is not", false,
	     (v.nr_writable = 1, v.writable[0] = (struct hostsig_nl_range){ 2, 0x1000, 0x1000 }));
	SANE("verdict: a writable range past the second IMAGE region", false,
	     (v.nr_writable = 1, v.writable[0] = (struct hostsig_nl_range){ 1, 0x1000, 0x1001 }));
	SANE("verdict: a writable range inside the second IMAGE region", true,
	     (v.nr_writable = 1, v.writable[0] = (struct hostsig_nl_range){ 1, 0x1000, 0x1000 }));
	SANE("verdict: a writable range inside the image", true,
	     (v.nr_writable = 1, v.writable[0] = (struct hostsig_nl_range){ 0, 0xf000, 0x1000 }));
	SANE("verdict: too many patch sites", false,
	     v.nr_patch = HOSTSIG_MAX_PATCH_SITES + 1);
	SANE("verdict: a patch site past the image", false,
	     (v.nr_patch = 1, v.patch[0] = (struct hostsig_nl_range){ 0, 0xfffe, 5 }));
	SANE("verdict: a patch site in an IMAGE region there is not", false,
	     (v.nr_patch = 1, v.patch[0] = (struct hostsig_nl_range){ 2, 0x10, 5 }));
	SANE("verdict: an empty patch site", false,
	     (v.nr_patch = 1, v.patch[0] = (struct hostsig_nl_range){ 0, 0x10, 0 }));
	SANE("verdict: a patch site at the end of the second IMAGE region", true,
	     (v.nr_patch = 1, v.patch[0] = (struct hostsig_nl_range){ 1, 0x1ffb, 5 }));
#undef SANE
	hsd_verdict_unknown(&v, 1, "ok", "a\nb\x01");
	v.verdict = HOSTSIG_VERDICT_UNKNOWN;
	hsd_verdict_sane(&v, &images, why, sizeof(why));
	unit_result(!strcmp(v.message, "a?b?"), "verdict: control characters in the message are replaced",
		    "%s", v.message);
}

static void unit_quote(void)
{
	char buf[64];

	hsd_quote(buf, sizeof(buf), "a\"b\\c\nd verdict=authentic\xff");
	unit_result(!strcmp(buf, "\"a\\\"b\\\\c\\x0ad verdict=authentic\\xff\""),
		    "log: a guest's name is quoted and escaped", "%s", buf);
}

static int cmd_unit(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	unit_ring_walk();
	unit_ring_bad("ring: a misaligned record length", 150, 0, 0, UNIT_RING_SIZE);
	unit_ring_bad("ring: a record length past the producer", 4096, 0, 0, UNIT_RING_SIZE);
	unit_ring_bad("ring: a record length shorter than a header", 64, 0, 0, UNIT_RING_SIZE);
	unit_ring_bad("ring: a record longer than the largest record", 8192, 0, 8192, 4096);
	unit_ring_bad("ring: unknown record flags", 0, 1u << 7, 0, UNIT_RING_SIZE);
	unit_ring_wrap();
	unit_ring_geometry();
	unit_snapshot();
	unit_writable();
	unit_verdict_sane();
	unit_quote();
	return unit_failed;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "create", cmd_create },
	{ "produce", cmd_produce },
	{ "wait", cmd_wait },
	{ "check", cmd_check },
	{ "die-after", cmd_die_after },
	{ "writable", cmd_writable },
	{ "unit", cmd_unit },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; argc > 1 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	die("usage: hostsigd-test create|produce|wait|check|die-after|writable|unit ...");
}
