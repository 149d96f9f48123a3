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
PIN(HOSTSIG_HC_INIT_DONE == 0x48530005UL);
PIN(HOSTSIG_HC_LAST == HOSTSIG_HC_INIT_DONE);
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
PIN(HOSTSIG_ENOTRAM == 4009);
PIN(HOSTSIG_ELAST == HOSTSIG_ENOTRAM);

/* The argument block: what every guest proxy lays out in memory. */
PIN(HOSTSIG_ARG_MAGIC == 0x42415348U);
PIN(HOSTSIG_ARG_VERSION == 1);
PIN(HOSTSIG_NAME_LEN == 64);
PIN(HOSTSIG_MAX_REGIONS == 16);
PIN(sizeof(struct hostsig_region) == 24);
PIN(offsetof(struct hostsig_region, kind) == 0);
PIN(offsetof(struct hostsig_region, tag) == 4);
PIN(offsetof(struct hostsig_region, gva) == 8);
PIN(offsetof(struct hostsig_region, len) == 16);
PIN(sizeof(struct hostsig_argblock) == 104);
PIN(offsetof(struct hostsig_argblock, magic) == 0);
PIN(offsetof(struct hostsig_argblock, version) == 4);
PIN(offsetof(struct hostsig_argblock, size) == 6);
PIN(offsetof(struct hostsig_argblock, format) == 8);
PIN(offsetof(struct hostsig_argblock, flags) == 12);
PIN(offsetof(struct hostsig_argblock, load_base) == 16);
PIN(offsetof(struct hostsig_argblock, image_base) == 24);
PIN(offsetof(struct hostsig_argblock, nr_regions) == 32);
PIN(offsetof(struct hostsig_argblock, reserved) == 36);
PIN(offsetof(struct hostsig_argblock, name) == 40);
PIN(offsetof(struct hostsig_argblock, regions) == 104);
PIN(HOSTSIG_ARGBLOCK_SIZE(HOSTSIG_MAX_REGIONS) == 488);
PIN(HOSTSIG_REGION_IMAGE == 1 && HOSTSIG_REGION_SIGNATURE == 2 &&
    HOSTSIG_REGION_TAIL == 3 && HOSTSIG_REGION_FILE == 4);
PIN(HOSTSIG_FMT_PE == 1 && HOSTSIG_FMT_ELF_MODULE == 2);
PIN(HOSTSIG_ELF_TAG_TEXT == 1 && HOSTSIG_ELF_TAG_RO_AFTER_INIT == 4 &&
    HOSTSIG_ELF_TAG_INIT_RODATA == 7);
PIN(HOSTSIG_DECISION_PENDING == 0 && HOSTSIG_DECISION_ALLOW == 1 &&
    HOSTSIG_DECISION_DENY == 2);
PIN(HOSTSIG_STATE_UNVERIFIED == 1 && HOSTSIG_STATE_UNLOADED == 7);
PIN(HOSTSIG_F_COMPONENTS == 1 && HOSTSIG_F_FMT_PE == 2);

#ifdef __linux__
/* The ring: what the daemon reads. */
PIN(sizeof(struct hostsig_ring_ctrl) == 32);
PIN(offsetof(struct hostsig_ring_ctrl, producer_pos) == 0);
PIN(offsetof(struct hostsig_ring_ctrl, consumer_pos) == 8);
PIN(offsetof(struct hostsig_ring_ctrl, data_size) == 16);
PIN(offsetof(struct hostsig_ring_ctrl, version) == 24);
PIN(sizeof(struct hostsig_record_region) == 32);
PIN(offsetof(struct hostsig_record_region, offset) == 24);
PIN(sizeof(struct hostsig_record) == 144);
PIN(offsetof(struct hostsig_record, len) == 0);
PIN(offsetof(struct hostsig_record, flags) == 4);
PIN(offsetof(struct hostsig_record, record_id) == 8);
PIN(offsetof(struct hostsig_record, component_id) == 16);
PIN(offsetof(struct hostsig_record, vm_id) == 24);
PIN(offsetof(struct hostsig_record, vmm_pid) == 32);
PIN(offsetof(struct hostsig_record, vcpu_id) == 36);
PIN(offsetof(struct hostsig_record, format) == 40);
PIN(offsetof(struct hostsig_record, nr_regions) == 44);
PIN(offsetof(struct hostsig_record, load_base) == 48);
PIN(offsetof(struct hostsig_record, image_base) == 56);
PIN(offsetof(struct hostsig_record, arg_flags) == 64);
PIN(offsetof(struct hostsig_record, header_len) == 68);
PIN(offsetof(struct hostsig_record, data_len) == 72);
PIN(offsetof(struct hostsig_record, name) == 80);
PIN(offsetof(struct hostsig_record, regions) == 144);
PIN(sizeof(struct hostsig_ring_info) == 40);
PIN(HOSTSIG_IOC_RING_INFO == 0x8028e701UL);
PIN(HOSTSIG_IOC_RELEASE == 0x4008e702UL);
PIN(HOSTSIG_IOC_SEEN == 0x4008e703UL);

/* Netlink numbering: appending is fine, renumbering is not. */
PIN(HOSTSIG_CMD_VERDICT == 1 && HOSTSIG_CMD_EVENT == 8);
PIN(HOSTSIG_A_COMP_ID == 2 && HOSTSIG_A_COMP_VERIFICATIONS == 22);
PIN(HOSTSIG_A_VM_ID == 2 && HOSTSIG_A_VM_POLICY_OVERRIDE == 9);
PIN(HOSTSIG_A_VM_RETAINED_BYTES == 10 && HOSTSIG_A_VM_RING_BYTES == 11);
PIN(HOSTSIG_A_STATS_REGISTERED == 2 && HOSTSIG_A_STATS_EVENTS_DROPPED == 28);
PIN(HOSTSIG_A_POLICY_VM_ID == 2 && HOSTSIG_A_POLICY_RESET == 7);
#endif

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
	check(HOSTSIG_QUERY_DECISION((HOSTSIG_STATE_PENDING << 8) |
				     HOSTSIG_DECISION_DENY) == HOSTSIG_DECISION_DENY &&
	      HOSTSIG_QUERY_STATE((HOSTSIG_STATE_PENDING << 8) |
				  HOSTSIG_DECISION_DENY) == HOSTSIG_STATE_PENDING,
	      "query result round-trips");
	check(retryable == 3 && hostsig_error_retryable(HOSTSIG_EAGAIN) &&
	      !hostsig_error_retryable(HOSTSIG_EINVAL),
	      "exactly EAGAIN, EQUOTA and ENOMEM are retryable");
	printf("1..%d\n", n);
	return failed;
}
#endif
