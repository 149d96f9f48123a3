/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for hostsig.ko's side of the ring and of VERDICT, for testing
 * hostsigd on a machine without the module: one file holds the kernel's
 * bookkeeping (struct fake_state) and the ring, laid out as the device
 * maps it. hostsigd-test (the producer and the judge) and hostsigd-fake
 * (hostsigd linked with kernel_fake.c instead of kernel.c) share it.
 *
 * The rules are the header's: one verdict per record (EALREADY after),
 * ESTALE for a record whose component no longer waits for it, ENOENT for an
 * unknown component, RELEASE once (EALREADY after), consumer_pos moves over
 * the records given back at the front. Records can be made to refuse
 * verdicts for a while (ENOMEM), to refuse writable ranges (EINVAL), and
 * the consumer can be made to die right after the kernel took a verdict.
 */
#ifndef FAKE_RING_H
#define FAKE_RING_H

#include <stdint.h>

#include <linux/hostsig.h>

#include "nl.h"

#define FAKE_MAGIC		0x676e69726b616668ULL	/* "hfakring" */
#define FAKE_MAX_RECORDS	2048
#define FAKE_PAGE		4096

struct fake_range {
	uint32_t region;
	uint32_t pad;
	uint64_t offset;
	uint64_t len;
};

struct fake_record {
	uint64_t record_id;
	uint64_t component_id;
	uint64_t pos;
	uint32_t len;
	uint32_t discarded;		/* the kernel gave it back itself */
	/* Injected behaviour. */
	uint32_t fail_verdicts;		/* refuse this many verdicts with ENOMEM */
	uint32_t refuse_ranges;		/* EINVAL for a verdict with ranges or patch sites */
	uint32_t stale;			/* the component waits for another record */
	/* What happened. */
	uint32_t verdict_calls;
	uint32_t accepted;		/* verdicts taken: 1 in the end, never more */
	uint32_t release_calls;
	uint32_t released;
	uint32_t verdict;
	char reason[HOSTSIG_REASON_LEN];
	char message[HOSTSIG_MESSAGE_LEN];
	char digest_alg[HOSTSIG_DIGEST_ALG_LEN];
	uint8_t digest[HOSTSIG_DIGEST_MAX];
	uint32_t digest_len;
	uint32_t nr_writable;
	uint32_t nr_patch_sites;
	struct fake_range writable[HOSTSIG_MAX_WRITABLE];
	struct fake_range patch_sites[HOSTSIG_MAX_PATCH_SITES];
};

struct fake_state {
	uint64_t magic;
	uint64_t data_size;		/* of the ring */
	uint64_t ring_offset;		/* of the ring's control page in the file */
	uint32_t nr_records;
	uint32_t consumers;		/* consumers that opened it so far */
	uint32_t die_after_verdict;	/* the consumer dies after the Nth verdict taken */
	uint32_t verdicts_taken;	/* by all consumers */
	uint32_t seen_calls;
	uint32_t pad;
	struct fake_record records[FAKE_MAX_RECORDS];
};

#define FAKE_STATE_SIZE \
	((sizeof(struct fake_state) + FAKE_PAGE - 1) / FAKE_PAGE * FAKE_PAGE)

/* The ring's data area starts one page after its control page. */
static inline uint64_t fake_file_size(uint64_t data_size)
{
	return FAKE_STATE_SIZE + FAKE_PAGE + data_size;
}

#endif /* FAKE_RING_H */
