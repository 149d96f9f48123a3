// SPDX-License-Identifier: GPL-2.0
/*
 * Counters for GET_STATS, and the accounting of hostsig's own memory, so
 * that tests and operators can see it return to its baseline.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "hostsig.h"

atomic64_t hostsig_stats[__HOSTSIG_A_STATS_MAX];
atomic64_t hostsig_memory;

/*
 * Zeroed memory, charged to the caller's memory cgroup: allocations made
 * for a guest's REGISTER are charged to its VMM. Small objects come from
 * the slab and may be freed in any context.
 */
void *hostsig_alloc(size_t size)
{
	void *ptr = kzalloc(size, GFP_KERNEL_ACCOUNT);

	if (ptr)
		atomic64_add(size, &hostsig_memory);
	return ptr;
}

void hostsig_free(void *ptr, size_t size)
{
	if (!ptr)
		return;
	atomic64_sub(size, &hostsig_memory);
	kfree(ptr);
}

/* Large arrays: may come from vmalloc, so free them where sleeping is allowed. */
void *hostsig_alloc_large(size_t size)
{
	void *ptr = kvzalloc(size, GFP_KERNEL_ACCOUNT);

	if (ptr)
		atomic64_add(size, &hostsig_memory);
	return ptr;
}

void hostsig_free_large(void *ptr, size_t size)
{
	if (!ptr)
		return;
	atomic64_sub(size, &hostsig_memory);
	kvfree(ptr);
}
