// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The consumer side of /dev/hostsig (see ring.h).
 *
 * Ordering. The kernel publishes producer_pos, each record's flags and
 * consumer_pos with release stores after the bytes they cover; we read them
 * with acquire loads, so a record whose BUSY bit we saw clear is complete.
 *
 * Reuse. A record's space is written again only after consumer_pos passed
 * it, which happens once the record was given back: by us, or by the kernel
 * when it discards the record (the guest unregistered the component, its VM
 * went away). A discarded record can therefore change under a reader. The
 * walk reads a header, then consumer_pos again (an acquire fence keeps the
 * two loads in that order, as in a seqlock): if consumer_pos did not pass
 * the record meanwhile, what it read was the record. A verifier still
 * reading the regions of a record the kernel discarded may read bytes that
 * are being replaced; its verdict then names a record the kernel no longer
 * waits for and is refused, so nothing but the verdict of that record
 * depends on those bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring.h"

#define RECORD_HEADER_SIZE	sizeof(struct hostsig_record)
#define RECORD_REGION_SIZE	sizeof(struct hostsig_record_region)
#define KNOWN_FLAGS		(HOSTSIG_RECORD_BUSY | HOSTSIG_RECORD_DISCARD | \
				 HOSTSIG_RECORD_RELEASED)
/* Far above any ring the module makes (its parameter is in MiB, u32). */
#define RING_MAX_DATA_SIZE	(1ULL << 44)

static void ring_error(struct hostsig_ring *ring, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ring_error(struct hostsig_ring *ring, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ring->error, sizeof(ring->error), fmt, ap);
	va_end(ap);
}

static uint64_t load_acquire64(const __u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint32_t load_acquire32(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

uint64_t hostsig_ring_producer_pos(const struct hostsig_ring *ring)
{
	return load_acquire64(&ring->ctrl->producer_pos);
}

uint64_t hostsig_ring_consumer_pos(const struct hostsig_ring *ring)
{
	return load_acquire64(&ring->ctrl->consumer_pos);
}

/* What the kernel says about the mapping, before anything is mapped. */
static int ring_check_info(struct hostsig_ring *ring,
			   const struct hostsig_ring_info *info)
{
	uint64_t size = info->data_size;

	if (info->version != HOSTSIG_RING_VERSION) {
		ring_error(ring, "ring version %u, this consumer knows %u",
			   info->version, HOSTSIG_RING_VERSION);
		return -EPROTO;
	}
	if (size < RECORD_HEADER_SIZE || size > RING_MAX_DATA_SIZE ||
	    (size & (size - 1))) {
		ring_error(ring, "data size %llu is not a sane power of two",
			   (unsigned long long)size);
		return -EPROTO;
	}
	if (info->data_offset < sizeof(struct hostsig_ring_ctrl) ||
	    info->data_offset % HOSTSIG_RECORD_ALIGN ||
	    info->data_offset > RING_MAX_DATA_SIZE ||
	    info->mmap_size != info->data_offset + 2 * size) {
		ring_error(ring, "data offset %llu and mapping size %llu do not fit a data area of %llu",
			   (unsigned long long)info->data_offset,
			   (unsigned long long)info->mmap_size,
			   (unsigned long long)size);
		return -EPROTO;
	}
	if (info->max_record < RECORD_HEADER_SIZE || info->max_record > size ||
	    info->max_record > UINT32_MAX) {
		ring_error(ring, "largest record %llu does not fit a data area of %llu",
			   (unsigned long long)info->max_record,
			   (unsigned long long)size);
		return -EPROTO;
	}
	return 0;
}

/* The control page agrees with RING_INFO, and the positions make sense. */
static int ring_check_ctrl(struct hostsig_ring *ring)
{
	uint64_t cons, prod;

	if (ring->ctrl->version != HOSTSIG_RING_VERSION ||
	    ring->ctrl->data_size != ring->info.data_size) {
		ring_error(ring, "control page says version %u, size %llu",
			   ring->ctrl->version,
			   (unsigned long long)ring->ctrl->data_size);
		return -EPROTO;
	}
	cons = hostsig_ring_consumer_pos(ring);
	prod = hostsig_ring_producer_pos(ring);
	if (prod < cons || prod - cons > ring->info.data_size) {
		ring_error(ring, "consumer position %llu, producer position %llu",
			   (unsigned long long)cons, (unsigned long long)prod);
		return -EPROTO;
	}
	return 0;
}

static int ring_setup(struct hostsig_ring *ring, const void *map)
{
	ring->map = map;
	ring->ctrl = map;
	ring->data = ring->map + ring->info.data_offset;
	if (ring_check_ctrl(ring))
		return -EPROTO;
	hostsig_ring_rewind(ring);
	return 0;
}

int hostsig_ring_open(struct hostsig_ring *ring, const char *path)
{
	void *map;
	int err;

	memset(ring, 0, sizeof(*ring));
	ring->fd = -1;
	if (!path)
		path = HOSTSIG_DEVICE;
	ring->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ring->fd < 0) {
		err = -errno;
		ring_error(ring, "%s: %s", path, strerror(errno));
		return err;
	}
	if (ioctl(ring->fd, HOSTSIG_IOC_RING_INFO, &ring->info)) {
		err = -errno;
		ring_error(ring, "%s: RING_INFO: %s", path, strerror(errno));
		goto err_close;
	}
	err = ring_check_info(ring, &ring->info);
	if (err)
		goto err_close;
	map = mmap(NULL, ring->info.mmap_size, PROT_READ, MAP_SHARED, ring->fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		ring_error(ring, "%s: mmap: %s", path, strerror(errno));
		goto err_close;
	}
	ring->mapped = true;
	err = ring_setup(ring, map);
	if (err)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(map, ring->info.mmap_size);
	ring->mapped = false;
err_close:
	close(ring->fd);
	ring->fd = -1;
	ring->map = NULL;
	return err;
}

int hostsig_ring_attach(struct hostsig_ring *ring, const void *map,
			const struct hostsig_ring_info *info)
{
	int err;

	memset(ring, 0, sizeof(*ring));
	ring->fd = -1;
	err = ring_check_info(ring, info);
	if (err)
		return err;
	ring->info = *info;
	return ring_setup(ring, map);
}

void hostsig_ring_close(struct hostsig_ring *ring)
{
	if (ring->mapped)
		munmap((void *)ring->map, ring->info.mmap_size);
	if (ring->fd >= 0)
		close(ring->fd);
	ring->mapped = false;
	ring->map = NULL;
	ring->fd = -1;
}

int hostsig_ring_fd(const struct hostsig_ring *ring)
{
	return ring->fd;
}

void hostsig_ring_rewind(struct hostsig_ring *ring)
{
	ring->pos = hostsig_ring_consumer_pos(ring);
}

static const struct hostsig_record *ring_at(const struct hostsig_ring *ring,
					    uint64_t pos)
{
	return (const void *)(ring->data + (pos & (ring->info.data_size - 1)));
}

/* Whether a record of len bytes at pos fits the ring up to end. */
static bool ring_record_fits(struct hostsig_ring *ring, uint64_t pos,
			     uint32_t len, uint64_t end)
{
	if (pos % HOSTSIG_RECORD_ALIGN) {
		ring_error(ring, "record at %llu is not aligned",
			   (unsigned long long)pos);
		return false;
	}
	if (len < RECORD_HEADER_SIZE || len % HOSTSIG_RECORD_ALIGN ||
	    len > end - pos || len > ring->info.max_record) {
		ring_error(ring, "record at %llu: length %u (%llu bytes to the producer, at most %llu)",
			   (unsigned long long)pos, len,
			   (unsigned long long)(end - pos),
			   (unsigned long long)ring->info.max_record);
		return false;
	}
	return true;
}

/*
 * Whether what was read at pos was read before the record could be given
 * back and its space reused: consumer_pos, loaded after it, did not pass it.
 */
static bool ring_still_there(const struct hostsig_ring *ring, uint64_t pos)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return hostsig_ring_consumer_pos(ring) <= pos;
}

int hostsig_ring_next(struct hostsig_ring *ring, struct hostsig_ring_entry *ent)
{
	for (;;) {
		uint64_t cons = hostsig_ring_consumer_pos(ring);
		uint64_t end = hostsig_ring_producer_pos(ring);
		const struct hostsig_record *rec;
		uint32_t flags, len;
		uint64_t id;

		if (end < cons || end - cons > ring->info.data_size) {
			ring_error(ring, "consumer position %llu, producer position %llu",
				   (unsigned long long)cons, (unsigned long long)end);
			return -EBADMSG;
		}
		/* Records before consumer_pos were given back meanwhile. */
		if (ring->pos < cons)
			ring->pos = cons;
		if (ring->pos > end) {
			ring_error(ring, "position %llu is past the producer's %llu",
				   (unsigned long long)ring->pos,
				   (unsigned long long)end);
			return -EBADMSG;
		}
		if (ring->pos == end)
			return 0;
		rec = ring_at(ring, ring->pos);
		flags = load_acquire32(&rec->flags);
		if (flags & HOSTSIG_RECORD_BUSY)
			return 0;
		len = __atomic_load_n(&rec->len, __ATOMIC_RELAXED);
		id = __atomic_load_n(&rec->record_id, __ATOMIC_RELAXED);
		if (!ring_still_there(ring, ring->pos))
			continue;
		if (flags & ~KNOWN_FLAGS) {
			ring_error(ring, "record at %llu: unknown flags 0x%x",
				   (unsigned long long)ring->pos, flags);
			return -EBADMSG;
		}
		if (!ring_record_fits(ring, ring->pos, len, end))
			return -EBADMSG;
		if (!(flags & (HOSTSIG_RECORD_DISCARD | HOSTSIG_RECORD_RELEASED))) {
			ent->pos = ring->pos;
			ent->len = len;
			ent->rec = rec;
			ent->record_id = id;
			ring->pos += len;
			return 1;
		}
		ring->pos += len;
	}
}

const struct hostsig_record *hostsig_ring_record_at(struct hostsig_ring *ring,
						    uint64_t pos,
						    uint64_t record_id)
{
	uint64_t cons = hostsig_ring_consumer_pos(ring);
	uint64_t end = hostsig_ring_producer_pos(ring);
	const struct hostsig_record *rec;
	uint32_t flags, len;
	uint64_t id;

	if (pos < cons || pos >= end || end - cons > ring->info.data_size) {
		ring_error(ring, "record %llu at %llu: no longer between %llu and %llu",
			   (unsigned long long)record_id, (unsigned long long)pos,
			   (unsigned long long)cons, (unsigned long long)end);
		return NULL;
	}
	rec = ring_at(ring, pos);
	flags = load_acquire32(&rec->flags);
	len = __atomic_load_n(&rec->len, __ATOMIC_RELAXED);
	id = __atomic_load_n(&rec->record_id, __ATOMIC_RELAXED);
	if (!ring_still_there(ring, pos) || (flags & ~KNOWN_FLAGS) ||
	    (flags & (HOSTSIG_RECORD_BUSY | HOSTSIG_RECORD_DISCARD |
		      HOSTSIG_RECORD_RELEASED)) || id != record_id) {
		ring_error(ring, "record %llu at %llu: gone (flags 0x%x, id %llu)",
			   (unsigned long long)record_id, (unsigned long long)pos,
			   flags, (unsigned long long)id);
		return NULL;
	}
	if (!ring_record_fits(ring, pos, len, end))
		return NULL;
	return rec;
}

bool hostsig_record_live(const struct hostsig_record *rec)
{
	return !(load_acquire32(&rec->flags) &
		 (HOSTSIG_RECORD_DISCARD | HOSTSIG_RECORD_RELEASED));
}

static int snapshot_error(char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int snapshot_error(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int hostsig_record_snapshot(const struct hostsig_record *rec,
			    struct hostsig_record_snapshot *snap,
			    char *why, size_t why_len)
{
	struct hostsig_record *hdr = (struct hostsig_record *)snap->buf;
	uint64_t end, sum = 0;
	uint32_t i;

	memset(snap, 0, sizeof(*snap));
	snap->hdr = hdr;
	snap->regions = hdr->regions;
	memcpy(hdr, rec, RECORD_HEADER_SIZE);
	if (hdr->len < RECORD_HEADER_SIZE)
		return snapshot_error(why, why_len, "record length %u is shorter than its header",
				      hdr->len);
	if (hdr->nr_regions < 1 || hdr->nr_regions > HOSTSIG_MAX_REGIONS)
		return snapshot_error(why, why_len, "%u regions (1 to %u)",
				      hdr->nr_regions, HOSTSIG_MAX_REGIONS);
	if (hdr->header_len != RECORD_HEADER_SIZE +
			       hdr->nr_regions * RECORD_REGION_SIZE ||
	    hdr->header_len > hdr->len)
		return snapshot_error(why, why_len, "header length %u for %u regions in a record of %u bytes",
				      hdr->header_len, hdr->nr_regions, hdr->len);
	memcpy(hdr->regions, (const uint8_t *)rec + RECORD_HEADER_SIZE,
	       hdr->nr_regions * RECORD_REGION_SIZE);
	/* "The concatenation of its regions, in the order of its table." */
	end = hdr->header_len;
	for (i = 0; i < hdr->nr_regions; i++) {
		const struct hostsig_record_region *r = &snap->regions[i];

		if (!r->len || r->offset < end || r->offset > hdr->len ||
		    r->len > hdr->len - r->offset)
			return snapshot_error(why, why_len, "region %u (%llu bytes at %llu) overlaps the region table, the region before it or the end of the %u-byte record",
					      i, (unsigned long long)r->len,
					      (unsigned long long)r->offset, hdr->len);
		end = r->offset + r->len;
		sum += r->len;
	}
	if (sum != hdr->data_len)
		return snapshot_error(why, why_len, "regions of %llu bytes in all, the header says %llu",
				      (unsigned long long)sum,
				      (unsigned long long)hdr->data_len);
	return 0;
}

int hostsig_ring_seen(struct hostsig_ring *ring)
{
	uint64_t pos;
	int tries, err = 0;

	if (ring->fd < 0)
		return -EBADF;
	/* consumer_pos may pass ring->pos between the load and the call. */
	for (tries = 0; tries < 3; tries++) {
		pos = ring->pos;
		if (pos < hostsig_ring_consumer_pos(ring))
			pos = ring->pos = hostsig_ring_consumer_pos(ring);
		if (!ioctl(ring->fd, HOSTSIG_IOC_SEEN, &pos))
			return 0;
		err = errno;
		if (err != EINVAL)
			break;
	}
	ring_error(ring, "SEEN %llu: %s", (unsigned long long)ring->pos,
		   strerror(err));
	return -err;
}

int hostsig_ring_release(struct hostsig_ring *ring, uint64_t record_id)
{
	int err;

	if (ring->fd < 0)
		return -EBADF;
	if (!ioctl(ring->fd, HOSTSIG_IOC_RELEASE, &record_id))
		return 0;
	err = errno;
	ring_error(ring, "RELEASE %llu: %s", (unsigned long long)record_id,
		   strerror(err));
	return -err;
}
