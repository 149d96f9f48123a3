/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * hostsig: verify, from the KVM host, the signatures of the components a
 * guest has loaded.
 *
 * Documentation
 * =============
 *
 * This header is the whole ABI between the three parties of hostsig: the
 * guest proxy (any licence, any guest OS, possibly freestanding code such as
 * a UEFI driver), the host module hostsig.ko, and host userspace. It compiles
 * in the kernel, in Linux userspace and in freestanding C (C99 or later);
 * every structure has a fixed little-endian layout with explicit padding.
 *
 * Hypercalls
 * ----------
 *
 * The guest calls the host with the x86-64 KVM hypercall convention: the
 * number in RAX, up to four arguments in RBX, RCX, RDX and RSI, `vmcall` on
 * Intel or `vmmcall` on AMD (KVM rewrites one into the other), the result in
 * RAX. KVM accepts hypercalls only at CPL 0; a CPL 3 caller gets -KVM_EPERM
 * (-1) whatever the number. hostsig answers only calls made in 64-bit mode:
 * from 32-bit or 16-bit code its numbers behave as if the module were absent
 * (-KVM_ENOSYS). A host without hostsig answers -KVM_ENOSYS (-1000) to every
 * number below; that is how a guest learns that nobody listens.
 *
 * Results are signed 64-bit values: >= 0 is success, a negative value is
 * -HOSTSIG_E* (or one of KVM's own -KVM_E* codes, which never collide with
 * ours).
 *
 * HOSTSIG_HC_PROBE
 *    Arguments: none (ignored).
 *    Returns the ABI version and the feature bits of the host:
 *
 *        bits  0..15  HOSTSIG_ABI_VERSION
 *        bits 16..31  HOSTSIG_PROBE_SIGNATURE (0x4853, "HS")
 *        bits 32..62  HOSTSIG_F_* feature bits
 *        bit  63      0 (the result is never negative)
 *
 *    Use hostsig_probe_valid(), HOSTSIG_PROBE_VERSION() and
 *    HOSTSIG_PROBE_FEATURES() to take it apart. A guest proxy must check the
 *    signature and the version before it uses any other call, and only use
 *    a feature whose bit is set.
 *
 * HOSTSIG_HC_REGISTER, HOSTSIG_HC_QUERY, HOSTSIG_HC_UNREGISTER
 *    Reserved numbers of the component calls (announce a loaded component,
 *    ask for its verdict, end its tracking). A host that does not advertise
 *    HOSTSIG_F_COMPONENTS answers them -KVM_ENOSYS.
 *
 * Error codes
 * -----------
 *
 * HOSTSIG_E* codes are positive numbers in a range of their own (4001 and
 * up), returned negated. hostsig_error_retryable() says whether the same call
 * may succeed later without any change by the guest (the host was short of
 * room or rate); every other code means the call itself was wrong and will
 * fail again.
 */

#ifndef _UAPI_LINUX_HOSTSIG_H
#define _UAPI_LINUX_HOSTSIG_H

#if defined(__KERNEL__) || defined(__linux__)
#include <linux/types.h>
#else
/* Freestanding guest code (UEFI, Windows drivers): only C99's <stdint.h>. */
#include <stdint.h>
typedef uint8_t __u8;
typedef uint16_t __u16;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef int64_t __s64;
#endif

/* Hypercall numbers: a block far from KVM's own KVM_HC_* (which are < 64). */
#define HOSTSIG_HC_BASE			0x48530000UL
#define HOSTSIG_HC_PROBE		(HOSTSIG_HC_BASE + 1)
#define HOSTSIG_HC_REGISTER		(HOSTSIG_HC_BASE + 2)
#define HOSTSIG_HC_QUERY		(HOSTSIG_HC_BASE + 3)
#define HOSTSIG_HC_UNREGISTER		(HOSTSIG_HC_BASE + 4)
#define HOSTSIG_HC_LAST			HOSTSIG_HC_UNREGISTER

/* ABI version: bumped on any incompatible change of this header. */
#define HOSTSIG_ABI_VERSION		1

/* PROBE result layout. */
#define HOSTSIG_PROBE_SIGNATURE		0x4853U
#define HOSTSIG_PROBE_VERSION(ret)	((__u16)((__u64)(ret) & 0xffffU))
#define HOSTSIG_PROBE_FEATURES(ret)	((__u32)(((__u64)(ret) >> 32) & 0x7fffffffU))
#define HOSTSIG_PROBE_ANSWER(version, features)				\
	(((__u64)((features) & 0x7fffffffU) << 32) |			\
	 ((__u64)HOSTSIG_PROBE_SIGNATURE << 16) | ((__u64)(version) & 0xffffU))

/*
 * Feature bits (HOSTSIG_PROBE_FEATURES()). A host sets only the bits of what
 * it implements; HOSTSIG_F_ALL is what this header describes.
 */
#define HOSTSIG_F_ALL			0U

/* Error codes, returned as -HOSTSIG_E*. */
#define HOSTSIG_EBASE			4000
#define HOSTSIG_EINVAL			4001	/* malformed arguments */
#define HOSTSIG_EFAULT			4002	/* a guest address could not be read */
#define HOSTSIG_E2BIG			4003	/* over a size or count limit */
#define HOSTSIG_ENOENT			4004	/* no such component in this VM */
#define HOSTSIG_EAGAIN			4005	/* host short of room: retry later */
#define HOSTSIG_EQUOTA			4006	/* VM over its quota: retry later */
#define HOSTSIG_ENOMEM			4007	/* host out of memory: retry later */
#define HOSTSIG_ENOTSUPP		4008	/* format or feature not supported */
#define HOSTSIG_ELAST			HOSTSIG_ENOTSUPP

/* Whether a PROBE result comes from a hostsig host. */
static inline int hostsig_probe_valid(__u64 ret)
{
	return !(ret >> 63) && ((ret >> 16) & 0xffffU) == HOSTSIG_PROBE_SIGNATURE;
}

/* Whether a call that failed with -code may succeed if simply repeated. */
static inline int hostsig_error_retryable(__s64 code)
{
	return code == HOSTSIG_EAGAIN || code == HOSTSIG_EQUOTA ||
	       code == HOSTSIG_ENOMEM;
}

#endif /* _UAPI_LINUX_HOSTSIG_H */
