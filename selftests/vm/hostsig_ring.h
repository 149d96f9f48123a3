/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A test consumer of /dev/hostsig, written from the uapi header's
 * description of the ring alone: open, RING_INFO, a read-only shared
 * mapping, walking the records from consumer_pos to producer_pos, and
 * RELEASE/SEEN. Every record is checked for being well formed on the way;
 * a malformed one stops the walk with an explanation.
 */
#ifndef HOSTSIG_RING_H
#define HOSTSIG_RING_H

#include <poll.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "hostsig_guest.h"

struct hs_ring {
	int fd;
	uint8_t *map;
	struct hostsig_ring_info info;
	const struct hostsig_ring_ctrl *ctrl;
	const uint8_t *data;
	char why[256];		/* why the last walk stopped early */
};

static inline uint64_t hs_load_acquire64(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline uint32_t hs_load_acquire32(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Open and map the ring; 0 or -errno (r->fd is -1 on failure). */
static inline int hs_ring_open(struct hs_ring *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->fd = open(HOSTSIG_DEVICE, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	if (ioctl(r->fd, HOSTSIG_IOC_RING_INFO, &r->info))
		goto fail;
	r->map = mmap(NULL, r->info.mmap_size, PROT_READ, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		goto fail;
	}
	r->ctrl = (const void *)r->map;
	r->data = r->map + r->info.data_offset;
	return 0;
fail:
	err = -errno;
	close(r->fd);
	r->fd = -1;
	return err;
}

static inline void hs_ring_close(struct hs_ring *r)
{
	if (r->map)
		munmap(r->map, r->info.mmap_size);
	if (r->fd >= 0)
		close(r->fd);
	r->map = NULL;
	r->fd = -1;
}

static inline uint64_t hs_ring_producer(const struct hs_ring *r)
{
	return hs_load_acquire64(&r->ctrl->producer_pos);
}

static inline uint64_t hs_ring_consumer(const struct hs_ring *r)
{
	return hs_load_acquire64(&r->ctrl->consumer_pos);
}

static inline const struct hostsig_record *hs_ring_at(const struct hs_ring *r,
						      uint64_t pos)
{
	return (const void *)(r->data + (pos & (r->info.data_size - 1)));
}

static inline uint32_t hs_record_flags(const struct hostsig_record *rec)
{
	return hs_load_acquire32(&rec->flags);
}

static inline int hs_ring_release(struct hs_ring *r, uint64_t record_id)
{
	return ioctl(r->fd, HOSTSIG_IOC_RELEASE, &record_id) ? -errno : 0;
}

static inline int hs_ring_seen(struct hs_ring *r, uint64_t pos)
{
	return ioctl(r->fd, HOSTSIG_IOC_SEEN, &pos) ? -errno : 0;
}

static inline void hs_ring_why(struct hs_ring *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

/*
 * Whether the record at @pos is well formed with @room bytes before the
 * producer position: its length, its header and region table, its regions
 * laid end to end as the header says.
 */
static inline bool hs_record_sane(struct hs_ring *r, uint64_t pos, uint64_t room)
{
	const struct hostsig_record *rec = hs_ring_at(r, pos);
	uint64_t off, sum = 0;
	uint32_t i;

	if (pos % HOSTSIG_RECORD_ALIGN) {
		hs_ring_why(r, "record at %#lx is not aligned", pos);
		return false;
	}
	if (rec->len < sizeof(*rec) || rec->len % HOSTSIG_RECORD_ALIGN ||
	    rec->len > room || rec->len > r->info.max_record) {
		hs_ring_why(r, "record at %#lx: bad len %u (room %lu, max %llu)",
			    pos, rec->len, room, r->info.max_record);
		return false;
	}
	if (rec->nr_regions < 1 || rec->nr_regions > HOSTSIG_MAX_REGIONS ||
	    rec->header_len != sizeof(*rec) +
			       rec->nr_regions * sizeof(rec->regions[0])) {
		hs_ring_why(r, "record at %#lx: %u regions, header_len %u",
			    pos, rec->nr_regions, rec->header_len);
		return false;
	}
	off = rec->header_len;
	for (i = 0; i < rec->nr_regions; i++) {
		const struct hostsig_record_region *rr = &rec->regions[i];

		/* "The concatenation of its regions, in the order of its table." */
		if (rr->offset < off || rr->len == 0 ||
		    rr->offset - off >= HOSTSIG_RECORD_ALIGN ||
		    rr->offset + rr->len > rec->len) {
			hs_ring_why(r, "record %llu: region %u at %llu+%llu, expected at %lu, record len %u",
				    rec->record_id, i, rr->offset, rr->len, off, rec->len);
			return false;
		}
		off = rr->offset + rr->len;
		sum += rr->len;
	}
	if (sum != rec->data_len) {
		hs_ring_why(r, "record %llu: data_len %llu, regions sum to %lu",
			    rec->record_id, rec->data_len, sum);
		return false;
	}
	return true;
}

/*
 * Walk the records from consumer_pos to producer_pos (as they are now) and
 * call @fn for each that is complete; stop at a BUSY record, when @fn
 * returns true, or at a malformed record (r->why says why). Returns the
 * number of records visited, or -1 if a record was malformed.
 */
static inline long hs_ring_walk(struct hs_ring *r,
				bool (*fn)(struct hs_ring *r, uint64_t pos,
					   const struct hostsig_record *rec,
					   void *ctx),
				void *ctx)
{
	uint64_t pos = hs_ring_consumer(r), end = hs_ring_producer(r);
	long n = 0;

	r->why[0] = 0;
	if (end < pos || end - pos > r->info.data_size) {
		hs_ring_why(r, "consumer_pos %#lx, producer_pos %#lx", pos, end);
		return -1;
	}
	while (pos < end) {
		const struct hostsig_record *rec = hs_ring_at(r, pos);
		uint32_t flags = hs_record_flags(rec);

		if (flags & HOSTSIG_RECORD_BUSY)
			break;
		if (flags & ~(HOSTSIG_RECORD_DISCARD | HOSTSIG_RECORD_RELEASED)) {
			hs_ring_why(r, "record at %#lx: unknown flags %#x", pos, flags);
			return -1;
		}
		if (!hs_record_sane(r, pos, end - pos))
			return -1;
		n++;
		if (fn && fn(r, pos, rec, ctx))
			break;
		pos += rec->len;
	}
	return n;
}

struct hs_ring_find_ctx {
	uint64_t component_id;
	uint64_t record_id;
	uint32_t skip_flags;
	const struct hostsig_record *found;
};

static inline bool hs_ring_find_cb(struct hs_ring *r, uint64_t pos,
				   const struct hostsig_record *rec, void *ctx)
{
	struct hs_ring_find_ctx *c = ctx;

	if (hs_record_flags(rec) & c->skip_flags)
		return false;
	if (c->component_id && rec->component_id != c->component_id)
		return false;
	if (c->record_id && rec->record_id != c->record_id)
		return false;
	c->found = rec;
	/* Keep going: the newest record of a component is the last one. */
	return c->record_id != 0;
}

/*
 * The newest unreleased record of a component (with @discard, also one
 * marked DISCARD), or NULL.
 */
static inline const struct hostsig_record *
hs_ring_find(struct hs_ring *r, uint64_t component_id, bool discard)
{
	struct hs_ring_find_ctx c = {
		.component_id = component_id,
		.skip_flags = HOSTSIG_RECORD_RELEASED |
			      (discard ? 0 : HOSTSIG_RECORD_DISCARD),
	};

	if (hs_ring_walk(r, hs_ring_find_cb, &c) < 0)
		return NULL;
	return c.found;
}

/*
 * hs_ring_find(), for up to @ms: a capture still being written ahead of
 * the record (a reaction's, from a work item) stops the walk until it is
 * done.
 */
static inline const struct hostsig_record *
hs_ring_find_wait(struct hs_ring *r, uint64_t component_id, bool discard,
		  int ms)
{
	const struct hostsig_record *rec;

	while (!(rec = hs_ring_find(r, component_id, discard)) && ms > 0) {
		usleep(10000);
		ms -= 10;
	}
	return rec;
}

/* The unreleased record with this id, whatever its flags, or NULL. */
static inline const struct hostsig_record *
hs_ring_find_record(struct hs_ring *r, uint64_t record_id)
{
	struct hs_ring_find_ctx c = { .record_id = record_id };

	if (hs_ring_walk(r, hs_ring_find_cb, &c) < 0)
		return NULL;
	return c.found;
}

/*
 * Release every record not given back yet (neither released nor discarded,
 * which the kernel gives back itself); how many, or -errno.
 */
static inline long hs_ring_release_all(struct hs_ring *r)
{
	uint64_t ids[4096];
	long n = 0, i;
	uint64_t pos = hs_ring_consumer(r), end = hs_ring_producer(r);

	while (pos < end && n < (long)ARRAY_SIZE(ids)) {
		const struct hostsig_record *rec = hs_ring_at(r, pos);
		uint32_t flags = hs_record_flags(rec);

		if (flags & HOSTSIG_RECORD_BUSY)
			break;
		if (!hs_record_sane(r, pos, end - pos))
			return -EBADMSG;
		if (!(flags & (HOSTSIG_RECORD_RELEASED | HOSTSIG_RECORD_DISCARD)))
			ids[n++] = rec->record_id;
		pos += rec->len;
	}
	for (i = 0; i < n; i++) {
		int ret = hs_ring_release(r, ids[i]);

		if (ret)
			return ret;
	}
	return n;
}

/* Bytes [off, off + n) of a pattern, off a multiple of 8. */
static inline void hs_pattern_words(uint8_t *buf, uint64_t seed, uint64_t off,
				    uint64_t n)
{
	uint64_t i, w[512];

	for (i = 0; i < (n + 7) / 8 && i < 512; i++)
		w[i] = hs_mix64(seed ^ (off / 8 + i));
	memcpy(buf, w, n);
}

static inline uint64_t hs_first_diff(const uint8_t *a, const uint8_t *b, uint64_t n)
{
	uint64_t k = 0;

	while (k < n && a[k] == b[k])
		k++;
	return k;
}

/*
 * Whether a record holds exactly the component @c that guest @g wrote:
 * every header field the argument block gave, the region table, and every
 * byte of every region, against the guest's memory now and against the
 * pattern the guest was told to write. On a mismatch, @why says where.
 */
static inline bool hs_record_matches(struct hs_guest *g, const struct hs_comp *c,
				     const struct hostsig_record *rec,
				     char *why, size_t whylen)
{
	const struct hostsig_argblock *ab = &c->arg.hdr;
	static uint8_t page[4096], want[4096];
	unsigned int i;

	why[0] = 0;
#define HS_FIELD(field, expected)					\
	do {								\
		if ((uint64_t)(rec->field) != (uint64_t)(expected)) {	\
			snprintf(why, whylen, #field " is %#llx, expected %#llx", \
				 (unsigned long long)(rec->field),	\
				 (unsigned long long)(expected));	\
			return false;					\
		}							\
	} while (0)
	HS_FIELD(component_id, c->id);
	HS_FIELD(format, ab->format);
	HS_FIELD(load_base, ab->load_base);
	HS_FIELD(image_base, ab->image_base);
	HS_FIELD(arg_flags, ab->flags);
	HS_FIELD(nr_regions, ab->nr_regions);
	HS_FIELD(vmm_pid, getpid());
	HS_FIELD(vcpu_id, g->vcpu->id);
	HS_FIELD(data_len, hs_comp_bytes(c));
	if (memcmp(rec->name, ab->name, HOSTSIG_NAME_LEN)) {
		snprintf(why, whylen, "name is \"%.64s\", expected \"%.64s\"",
			 rec->name, ab->name);
		return false;
	}
	for (i = 0; i < ab->nr_regions; i++) {
		const struct hostsig_region *r = hs_arg_region((struct hs_arg *)&c->arg, i);
		const struct hostsig_record_region *rr = &rec->regions[i];
		const uint8_t *bytes = (const uint8_t *)rec + rr->offset;
		uint64_t off, k;

		HS_FIELD(regions[i].kind, r->kind);
		HS_FIELD(regions[i].tag, r->tag);
		HS_FIELD(regions[i].gva, r->gva);
		HS_FIELD(regions[i].len, r->len);
		for (off = 0; off < r->len; off += 4096) {
			uint64_t n = r->len - off < 4096 ? r->len - off : 4096;

			hs_pattern_words(want, c->seed[i], off, n);
			hs_read(g, r->gva + off, page, n);
			k = hs_first_diff(page, want, n);
			if (k < n) {
				snprintf(why, whylen,
					 "region %u byte %lu: the guest wrote %#x, not the pattern's %#x",
					 i, off + k, page[k], want[k]);
				return false;
			}
			k = hs_first_diff(bytes + off, want, n);
			if (k < n) {
				snprintf(why, whylen,
					 "region %u byte %lu is %#x, the guest wrote %#x",
					 i, off + k, bytes[off + k], want[k]);
				return false;
			}
		}
	}
#undef HS_FIELD
	return true;
}

#endif /* HOSTSIG_RING_H */
