// SPDX-License-Identifier: GPL-2.0
/*
 * A freestanding UEFI application with absolute pointers in read-only and
 * writable data (base relocations) and uninitialised data (zero-fill). It is
 * never run.
 */
typedef unsigned long long u64;
typedef __UINTPTR_TYPE__ ulong;

#define F1(n) static ulong hs_fn##n(ulong x) { return x * (n + 5) + __LINE__; }
#define F4(n) F1(n##0) F1(n##1) F1(n##2) F1(n##3)
#define F16(n) F4(n##0) F4(n##1) F4(n##2) F4(n##3)
F16(1) F16(2)
#define P1(n) hs_fn##n
#define P4(n) P1(n##0), P1(n##1), P1(n##2), P1(n##3)
#define P16(n) P4(n##0), P4(n##1), P4(n##2), P4(n##3)
ulong (*const hs_ro_table[])(ulong) = { P16(1), P16(2) };
ulong (*hs_rw_table[])(ulong) = { P16(2), P16(1) };

#define S1(n) "efi" #n
#define S4(n) S1(n##0), S1(n##1), S1(n##2), S1(n##3)
#define S16(n) S4(n##0), S4(n##1), S4(n##2), S4(n##3)
const char *const hs_strings[] = { S16(1), S16(2), S16(3), S16(4) };

static ulong hs_scratch[512];

u64 efi_main(void *image, void *system_table)
{
	ulong n = (ulong)image ^ (ulong)system_table;

	hs_scratch[n & 511] = n;
	return hs_ro_table[n & 31](n) + hs_rw_table[(n >> 5) & 31](n) +
	       (ulong)hs_strings[n & 63][3] + hs_scratch[(n >> 3) & 511];
}
