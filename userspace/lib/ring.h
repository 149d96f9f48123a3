/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The consumer side of /dev/hostsig: open the device, map the ring
 * read-only, walk the records from consumer_pos, tell the kernel what was
 * seen and give records back. The protocol is in include/uapi/linux/hostsig.h
 * ("The ring buffer") and Documentation/ring.rst.
 *
 * Nothing in the mapping is taken on trust: the geometry the kernel reports
 * is checked once, every record header against that geometry before the
 * walk uses its length, and every region table (hostsig_record_snapshot())
 * before anyone reads a region. The regions' bytes come from the guest.
 *
 * Functions return 0 or a negative errno unless they say otherwise; on
 * failure ring->error says what went wrong.
 */
#ifndef HOSTSIG_RING_H
#define HOSTSIG_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/hostsig.h>

struct hostsig_ring {
	int fd;				/* /dev/hostsig; -1 for a ring in memory */
	const uint8_t *map;		/* info.mmap_size bytes */
	bool mapped;			/* map is ours to munmap */
	struct hostsig_ring_info info;
	const struct hostsig_ring_ctrl *ctrl;
	const uint8_t *data;		/* the data area, mapped twice in a row */
	uint64_t pos;			/* the next record to look at */
	char error[192];
};

/* A record the consumer has to answer, as hostsig_ring_next() found it. */
struct hostsig_ring_entry {
	uint64_t pos;
	uint32_t len;
	uint64_t record_id;
	const struct hostsig_record *rec;	/* in the mapping: hostile bytes */
};

/*
 * A record's header and region table copied out of the ring and checked:
 * every region lies after the table and inside the record, no two overlap,
 * their lengths add up to data_len. Only a snapshot's offsets are used to
 * reach the regions, so that nothing read twice can change in between.
 * hdr and regions point into the snapshot itself: do not copy one.
 */
#define HOSTSIG_RECORD_HEADER_MAX					\
	(sizeof(struct hostsig_record) +				\
	 HOSTSIG_MAX_REGIONS * sizeof(struct hostsig_record_region))

struct hostsig_record_snapshot {
	const struct hostsig_record *hdr;
	const struct hostsig_record_region *regions;	/* hdr->regions */
	uint64_t buf[HOSTSIG_RECORD_HEADER_MAX / sizeof(uint64_t)];
};

/*
 * Open the device (path NULL: HOSTSIG_DEVICE), check its geometry and map
 * it. -EBUSY: another consumer holds it; -EPERM: not CAP_SYS_ADMIN;
 * -ENOENT: the module is not loaded.
 */
int hostsig_ring_open(struct hostsig_ring *ring, const char *path);
/*
 * A ring laid out in memory as the device maps it (tests, tools that read a
 * copy): the same checks, no descriptor, so no RELEASE, SEEN or poll().
 */
int hostsig_ring_attach(struct hostsig_ring *ring, const void *map,
			const struct hostsig_ring_info *info);
void hostsig_ring_close(struct hostsig_ring *ring);

/* The descriptor to poll() for POLLIN, or -1. */
int hostsig_ring_fd(const struct hostsig_ring *ring);
uint64_t hostsig_ring_producer_pos(const struct hostsig_ring *ring);
uint64_t hostsig_ring_consumer_pos(const struct hostsig_ring *ring);

/* Start again at consumer_pos: what a new consumer does. */
void hostsig_ring_rewind(struct hostsig_ring *ring);

/*
 * The next record to answer from ring->pos on, skipping those the kernel
 * discarded and those given back already. Returns 1 with *ent filled (and
 * ring->pos past it), 0 when there is none now (the producer's end, or a
 * record still being written: ring->pos stays on it), or -EBADMSG when the
 * header at ring->pos does not fit the ring (ring->pos stays; ring->error
 * says why).
 */
int hostsig_ring_next(struct hostsig_ring *ring, struct hostsig_ring_entry *ent);

/*
 * The record at pos if it still is the one with record_id, complete and not
 * given back, checked as hostsig_ring_next() checks it; NULL otherwise (with
 * ring->error). For a process that is handed a position to verify.
 */
const struct hostsig_record *hostsig_ring_record_at(struct hostsig_ring *ring,
						    uint64_t pos,
						    uint64_t record_id);

/*
 * Copy a record's header and region table (rec->len bytes are in the
 * mapping) and check them. 0, or -EBADMSG with why filled.
 */
int hostsig_record_snapshot(const struct hostsig_record *rec,
			    struct hostsig_record_snapshot *snap,
			    char *why, size_t why_len);

/* Whether the record still carries neither DISCARD nor RELEASED. */
bool hostsig_record_live(const struct hostsig_record *rec);

/* HOSTSIG_IOC_SEEN with ring->pos. */
int hostsig_ring_seen(struct hostsig_ring *ring);
/* HOSTSIG_IOC_RELEASE: 0, -EALREADY, -EBUSY, -ENOENT or another -errno. */
int hostsig_ring_release(struct hostsig_ring *ring, uint64_t record_id);

#endif /* HOSTSIG_RING_H */
