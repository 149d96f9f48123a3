// SPDX-License-Identifier: GPL-2.0
/*
 * The uapi header, compiled three ways by run.sh: as host userspace (this
 * program, which also checks the helper macros at run time), as
 * freestanding code without Linux headers, and with the mingw-w64 cross
 * compiler a Windows guest proxy would use. The static assertions pin the
 * ABI: changing a number, a layout or a size by accident breaks the build.
 */
#include <stddef.h>

#include <linux/hostsig.h>

#define PIN(expr) _Static_assert(expr, #expr)

/* Hypercall numbers, version and PROBE layout. */
PIN(HOSTSIG_HC_BASE == 0x48530000UL);
PIN(HOSTSIG_HC_PROBE == 0x48530001UL);
PIN(HOSTSIG_HC_REGISTER == 0x48530002UL);
PIN(HOSTSIG_HC_QUERY == 0x48530003UL);
PIN(HOSTSIG_HC_UNREGISTER == 0x48530004UL);
PIN(HOSTSIG_HC_LAST == HOSTSIG_HC_UNREGISTER);
PIN(HOSTSIG_ABI_VERSION == 1);
PIN(HOSTSIG_PROBE_SIGNATURE == 0x4853);
PIN(HOSTSIG_PROBE_ANSWER(1, 0) == 0x48530001ULL);
PIN(HOSTSIG_PROBE_ANSWER(1, 0x5) == 0x0000000548530001ULL);

/* Error codes: distinct, above KVM's (KVM_ENOSYS is 1000), contiguous. */
PIN(HOSTSIG_EBASE > 1000);
PIN(HOSTSIG_EINVAL == 4001);
PIN(HOSTSIG_EFAULT == 4002);
PIN(HOSTSIG_E2BIG == 4003);
PIN(HOSTSIG_ENOENT == 4004);
PIN(HOSTSIG_EAGAIN == 4005);
PIN(HOSTSIG_EQUOTA == 4006);
PIN(HOSTSIG_ENOMEM == 4007);
PIN(HOSTSIG_ENOTSUPP == 4008);
PIN(HOSTSIG_ELAST == HOSTSIG_ENOTSUPP);

#ifdef HOSTSIG_UAPI_COMPILE_ONLY
/* Freestanding and cross builds: the assertions above are the test. */
int hostsig_uapi_compiles;
#else
#include <stdio.h>
#include <stdint.h>

static int failed;
static int n;

static void check(int ok, const char *what)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++n, what);
	failed |= !ok;
}

int main(void)
{
	uint64_t answer = HOSTSIG_PROBE_ANSWER(HOSTSIG_ABI_VERSION, 0x7fffffff);
	int64_t enosys = -1000, eperm = -1;
	int code, retryable = 0;

	printf("TAP version 13\n");
	check(hostsig_probe_valid(answer), "probe answer is valid");
	check(HOSTSIG_PROBE_VERSION(answer) == HOSTSIG_ABI_VERSION,
	      "probe version round-trips");
	check(HOSTSIG_PROBE_FEATURES(answer) == 0x7fffffff,
	      "probe features round-trip, sign bit clear");
	check(!hostsig_probe_valid(enosys), "-KVM_ENOSYS is not a probe answer");
	check(!hostsig_probe_valid(eperm), "-KVM_EPERM is not a probe answer");
	check(!hostsig_probe_valid(-(int64_t)HOSTSIG_EINVAL),
	      "a hostsig error is not a probe answer");
	check(!hostsig_probe_valid(0x1234ULL), "no signature, no probe answer");
	for (code = HOSTSIG_EBASE + 1; code <= HOSTSIG_ELAST; code++)
		retryable += !!hostsig_error_retryable(code);
	check(retryable == 3 && hostsig_error_retryable(HOSTSIG_EAGAIN) &&
	      !hostsig_error_retryable(HOSTSIG_EINVAL),
	      "exactly EAGAIN, EQUOTA and ENOMEM are retryable");
	printf("1..%d\n", n);
	return failed;
}
#endif
