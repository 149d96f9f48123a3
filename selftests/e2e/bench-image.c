// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's image: a UEFI application of about BENCH_SIZE bytes,
 * nearly all of it read-only data, so that the small and the large image
 * differ only in size. It is signed and loaded like the test images, and
 * never run.
 */
typedef unsigned long long u64;

/* Headers, code, relocations and padding take the rest. */
#define BENCH_DATA	(BENCH_SIZE - 8192)

static const unsigned char hs_bench_data[BENCH_DATA] __attribute__((used)) = {
	[0 ... BENCH_DATA - 1] = 0x5a,
};
static const unsigned char *volatile hs_bench_ptr = hs_bench_data;

u64 efi_main(void *image, void *system_table)
{
	u64 n = (u64)image ^ (u64)system_table;

	return hs_bench_ptr[n % BENCH_DATA];
}
