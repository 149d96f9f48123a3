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
 * HOSTSIG_HC_PROBE()
 *    Returns the ABI version and the feature bits of the host:
 *
 *        bits  0..15  HOSTSIG_ABI_VERSION
 *        bits 16..31  HOSTSIG_PROBE_SIGNATURE (0x4853, "HS")
 *        bits 32..62  HOSTSIG_F_* feature bits
 *        bit  63      0 (the result is never negative)
 *
 *    hostsig_probe_valid(), HOSTSIG_PROBE_VERSION() and
 *    HOSTSIG_PROBE_FEATURES() take it apart. A guest proxy checks the
 *    signature and the version before it uses any other call, and only uses
 *    a feature whose bit is set. Arguments are ignored.
 *
 * HOSTSIG_HC_REGISTER(argblock_gva, argblock_len)
 *    A component was loaded. argblock_gva is the guest virtual address of a
 *    struct hostsig_argblock of argblock_len bytes (which must equal its
 *    size field). The host reads the block, then every region it names,
 *    page by page through the guest's page tables as they are at the time
 *    of the call (so the caller's address space), into a record of its ring
 *    buffer for the verifier, and remembers the guest physical pages.
 *    Returns the component id (> 0, never reused while the module stays
 *    loaded, and above the ids of its earlier loads) or:
 *      -HOSTSIG_EINVAL   bad magic, version, size, format, flags, region
 *                        kind, zero length, overlapping regions, no IMAGE
 *                        region, non-zero reserved fields
 *      -HOSTSIG_EFAULT   an address is non-canonical, wraps (a region may
 *                        end exactly at 2^64), or is not mapped readable in
 *                        the guest
 *      -HOSTSIG_ENOTRAM  a page of a region is not in the guest's ordinary
 *                        RAM (a writable memslot the VMM made, in the
 *                        address space outside SMM), or the call came from
 *                        System Management Mode
 *      -HOSTSIG_E2BIG    one guest physical page backs more than 16 pages
 *                        of the component's IMAGE regions, or more than 64
 *                        tracked pages of the VM's components in all; or
 *                        too many regions, or more bytes in all than the
 *                        host accepts for one component (max_component_mib)
 *      -HOSTSIG_EQUOTA   the VM has too many components, too many bytes
 *                        waiting for a verdict, or registers too fast;
 *                        or its components hold as much host memory as
 *                        a VM may (vm_max_retained_mib: the kept FILE,
 *                        SIGNATURE and init bytes and the page tables,
 *                        unloaded components kept for inspection
 *                        included; unregistering makes room). A
 *                        component that alone holds more is E2BIG.
 *      -HOSTSIG_EAGAIN   the host's ring buffer is full for now, or the
 *                        VM's records occupy its share of it
 *                        (vm_ring_share_pct)
 *      -HOSTSIG_ENOMEM   the host is short of memory
 *    On any error nothing was registered and nothing changed.
 *
 * HOSTSIG_HC_QUERY(component_id)
 *    The gate: may the component's entry point run? Returns, on success,
 *    a non-negative value with the decision (HOSTSIG_DECISION_PENDING,
 *    _ALLOW or _DENY) in bits 0..7 and the component's state
 *    (HOSTSIG_STATE_*) in bits 8..15: HOSTSIG_QUERY_DECISION(),
 *    HOSTSIG_QUERY_STATE(). The decision follows the verdict and the policy
 *    of the VM (see "Policy" below). A proxy polls while PENDING.
 *    -HOSTSIG_ENOENT: no such component in this VM (also for another VM's
 *    ids, and for components this VM unregistered).
 *
 * HOSTSIG_HC_UNREGISTER(component_id)
 *    The component was unloaded; the host stops tracking it. Returns 0 or
 *    -HOSTSIG_ENOENT (as for QUERY; a second UNREGISTER of the same id).
 *
 * HOSTSIG_HC_INIT_DONE(component_id)     (HOSTSIG_F_INIT_DONE)
 *    The component's initialisation is over and the guest frees its init
 *    allocations now: for HOSTSIG_FMT_ELF_MODULE, the IMAGE regions tagged
 *    INIT_TEXT, INIT_DATA and INIT_RODATA. A Linux proxy sends it from its
 *    MODULE_STATE_LIVE notification, after the module's init returned and
 *    before the kernel frees that memory. The host stops tracking those
 *    regions' pages, and from then on captures of the component carry the
 *    bytes its first capture read there (see "The argument block") instead
 *    of reading the freed memory. Until then init allocations are
 *    write-tracked like the rest of the image (outside the writable
 *    ranges of its verdict), so that the init code that runs after ALLOW
 *    is the code that was verified, and captures read them again: a proxy
 *    that never sends INIT_DONE keeps them tracked until UNREGISTER (and
 *    the guest's later reuse of the freed pages shows as tampering). Like
 *    UNREGISTER it is the guest's word: what it releases is no longer
 *    guarded. Returns 0 (also when called again, or for a component
 *    without init regions) or -HOSTSIG_ENOENT (as for QUERY).
 *
 * The argument block
 * ------------------
 *
 * struct hostsig_argblock, then nr_regions struct hostsig_region, all
 * little-endian, in one virtually contiguous guest buffer (it may cross
 * pages). At most HOSTSIG_MAX_REGIONS regions; every region has a kind:
 *
 *    HOSTSIG_REGION_IMAGE      the component as loaded: for PE/COFF the
 *                              mapped image from its load address,
 *                              SizeOfImage long; a format whose loader
 *                              makes several allocations gives one IMAGE
 *                              region each, told apart by tag. At least one.
 *    HOSTSIG_REGION_SIGNATURE  the signature block, when the loader did not
 *                              map it (a PE certificate table)
 *    HOSTSIG_REGION_TAIL       file bytes the loader did not map (PE data
 *                              after the last section, without the
 *                              certificate table)
 *    HOSTSIG_REGION_FILE       the original file buffer, for formats whose
 *                              loader keeps it: only
 *                              HOSTSIG_FMT_ELF_MODULE (EINVAL otherwise)
 *
 * HOSTSIG_FMT_ELF_MODULE (a Linux kernel module): one IMAGE region per
 * allocation of the module, its tag the kernel's enum mod_mem_type + 1
 * (enum hostsig_elf_tag; on 6.1, core_layout is TEXT and init_layout
 * INIT_TEXT); the FILE region is the loader's file buffer with its
 * appended signature; a SIGNATURE region holds the appended signature
 * when FILE stops at the module's end.
 *
 * The first capture of a component (at REGISTER) is the only one that
 * reads the regions the guest frees once the load is over: FILE,
 * SIGNATURE, and for HOSTSIG_FMT_ELF_MODULE the IMAGE regions tagged
 * INIT_TEXT, INIT_DATA and INIT_RODATA (they hold the module's full symbol
 * table). The host keeps those bytes for the component's life, and every
 * later capture (after a write, at a patch site, or REVERIFY) carries them
 * in place of what guest memory holds there by then: FILE and SIGNATURE
 * always, the init regions once the guest released them
 * (HOSTSIG_HC_INIT_DONE; until then they are tracked and read again like
 * the other regions); every other region is read from guest memory
 * again. A later record of a component whose
 * first record was answered AUTHENTIC has HOSTSIG_REC_F_LOAD_VERIFIED in
 * its arg_flags.
 *
 * Regions must not overlap and lie in canonical guest virtual memory. The
 * host does not interpret them: it copies them for the verifier, which can
 * only be convinced by bytes that match a signature, so a lie in the block
 * can only make a verdict worse. load_base and image_base are loader facts
 * for the verifier (the load address, and the preferred base from the file
 * since Windows and UEFI loaders overwrite it in the mapped header, which
 * HOSTSIG_ARG_F_HEADER_REBASED says). name is informative only.
 *
 * The ring buffer (/dev/hostsig)
 * ------------------------------
 *
 * The host module hands captured components to userspace through a ring
 * buffer that its single consumer (the verifier daemon) maps. Opening
 * /dev/hostsig needs CAP_SYS_ADMIN; while one process has it open, another
 * open fails with EBUSY. The consumer maps it read-only (PROT_READ,
 * MAP_SHARED, offset 0, HOSTSIG_IOC_RING_INFO's mmap_size bytes):
 *
 *    [0, data_offset)                          struct hostsig_ring_ctrl
 *    [data_offset, data_offset + data_size)    the data area
 *    [data_offset + data_size, + 2 * data_size) the data area again
 *
 * The data area is mapped twice in a row so that a record is always
 * contiguous in the mapping, even where it wraps around the ring. Positions
 * are byte counters that only grow; a position's place in the data area is
 * pos & (data_size - 1) from data_offset.
 *
 * Records start at ctrl.consumer_pos, follow one another (the next one at
 * pos + record.len), and end at ctrl.producer_pos. Each starts with struct
 * hostsig_record; read producer_pos and each record's flags with acquire
 * semantics (__atomic_load_n(.., __ATOMIC_ACQUIRE)): the host publishes
 * them with release semantics after the bytes they cover.
 *
 *    HOSTSIG_RECORD_BUSY      being written: stop here and wait
 *    HOSTSIG_RECORD_DISCARD   nothing to do (the VM went away, the guest
 *                             unregistered the component first, or a newer
 *                             capture replaced it): skip it; the kernel has
 *                             given it back itself
 *    HOSTSIG_RECORD_RELEASED  the consumer already released it: skip it
 *
 * A record's bytes are the concatenation of its regions, in the order of
 * its region table, each at its offset from the start of the record. The
 * host may discard a record while the consumer reads it, and reuse its
 * space once nothing before it is held: a consumer that needs the bytes to
 * have been stable checks, after reading, that the record's flags and
 * record_id are unchanged (a verdict for a discarded record is refused in
 * any case).
 * poll() reports POLLIN when there is a record after the position the
 * consumer last said it had seen (HOSTSIG_IOC_SEEN) or, before any
 * HOSTSIG_IOC_SEEN, when there is any record.
 *
 * The consumer gives a record back with HOSTSIG_IOC_RELEASE(record_id)
 * when it is done with it, in any order: normally after its verdict was
 * accepted. The host advances consumer_pos over the records given back at
 * its front (discarded ones included, so that they never hold the ring).
 * HOSTSIG_IOC_RELEASE returns 0, or EALREADY if the record was given back
 * already (by the consumer, or discarded by the host), EBUSY if it is still
 * being written, ENOENT if the id never existed. Nothing is released
 * when the consumer exits or crashes: the next consumer finds every
 * unreleased record again, from consumer_pos.
 * A component that does not fit the free space is refused to the guest
 * with -HOSTSIG_EAGAIN (and counted, and announced as a ring-full event);
 * a record is never truncated. The same happens when the VM's records
 * would occupy more than vm_ring_share_pct of the ring: each record counts
 * against its VM until consumer_pos passes it (a VM with no record in the
 * ring may place one of any size).
 *
 * Generic netlink
 * ---------------
 *
 * Family HOSTSIG_GENL_NAME, version HOSTSIG_GENL_VERSION, multicast group
 * HOSTSIG_GENL_MCGRP_EVENTS. Every attribute has a type and bounds in the
 * kernel's policy; messages are validated strictly (unknown attributes and
 * non-zero reserved header fields are rejected). Every command needs
 * CAP_NET_ADMIN (in the initial user namespace), and so does joining the
 * events group: what the family tells (every VM's components, their load
 * addresses, VMM pids, tamper addresses) is not for every local user.
 * Documentation/netlink/specs/hostsig.yaml describes the same family in the
 * kernel's YNL format.
 *
 * HOSTSIG_CMD_VERDICT (only from the process that holds
 *    /dev/hostsig open)
 *    Request: HOSTSIG_A_COMP_ID, HOSTSIG_A_COMP_RECORD_ID (the record
 *    being answered), HOSTSIG_A_COMP_VERDICT, HOSTSIG_A_COMP_REASON, and
 *    optionally HOSTSIG_A_COMP_MESSAGE, HOSTSIG_A_COMP_DIGEST,
 *    HOSTSIG_A_COMP_DIGEST_ALG, and HOSTSIG_A_COMP_WRITABLE once per range
 *    the guest may write (its writable sections, up to
 *    HOSTSIG_MAX_WRITABLE; they stop being write-tracked; a range outside
 *    the component is EINVAL), and HOSTSIG_A_COMP_PATCH_SITE once per
 *    runtime patch site of its code (up to HOSTSIG_MAX_PATCH_SITES: the
 *    places the guest's kernel rewrites after the load, such as jump
 *    labels, static calls and ftrace call sites). A tracked write that
 *    falls inside one patch site is not a tamper: it raises
 *    HOSTSIG_EVENT_PATCHED, and patch_settle_ms (by default
 *    HOSTSIG_PATCH_SETTLE_MS) after the first such write (the guest
 *    patches in bursts) the component is captured again; the new
 *    record's verdict decides, as for any verdict.
 *    Errors: ENOENT (no such component),
 *    ESTALE (the record is not the one the component waits for: an older
 *    record, another component's, or the component was unloaded; or its
 *    copy began before a write that made the component MODIFIED; or
 *    the verdict is late, not NOT_AUTHENTIC, and the VM's memory cap
 *    had no room to keep the record's copy for the scrub),
 *    EALREADY (that record was answered already), EPERM (not the ring's
 *    consumer), EINVAL (missing or malformed attributes), ERANGE (an
 *    attribute outside its bounds: the netlink core's policy checks say
 *    so for an unknown verdict value or an oversized digest).
 *
 * HOSTSIG_CMD_GET_COMPONENT
 *    do: request HOSTSIG_A_COMP_ID; dump: optionally HOSTSIG_A_COMP_VM_ID
 *    to list one VM's components. Reply: every HOSTSIG_A_COMP_* that
 *    applies to the component's state.
 *
 * HOSTSIG_CMD_GET_VM
 *    dump (or do with HOSTSIG_A_VM_ID): the VMs that ever used hostsig and
 *    still exist, with HOSTSIG_A_VM_* attributes.
 *
 * HOSTSIG_CMD_GET_STATS
 *    do: every HOSTSIG_A_STATS_* counter (u64, since the module loaded).
 *
 * HOSTSIG_CMD_GET_POLICY
 *    do: without HOSTSIG_A_POLICY_VM_ID the global default, with it the
 *    policy in force for that VM (HOSTSIG_A_POLICY_OVERRIDE says whether
 *    it is the VM's own).
 *
 * HOSTSIG_CMD_SET_POLICY
 *    Request: optionally HOSTSIG_A_POLICY_VM_ID (else the global default),
 *    and any of HOSTSIG_A_POLICY_MODE, _UNKNOWN, _TIMEOUT_MS, _TAMPERED; or
 *    HOSTSIG_A_POLICY_RESET with a VM id to drop that VM's own policy.
 *    A VM's own policy starts as a copy of the global one.
 *
 * HOSTSIG_CMD_REVERIFY
 *    Request: HOSTSIG_A_COMP_ID. The host captures the component again
 *    from guest memory into a new record; the component is PENDING until
 *    that record is answered. The new record counts like a REGISTER's:
 *    EDQUOT if the VM's bytes waiting for verdicts would pass
 *    vm_max_pending_mib, EAGAIN if the ring (or the VM's share of it) is
 *    full, ENOENT if the component is gone.
 *
 * HOSTSIG_CMD_EVENT (multicast only, group "events")
 *    HOSTSIG_A_COMP_EVENT (HOSTSIG_EVENT_*) and the HOSTSIG_A_COMP_*
 *    attributes of the component concerned (HOSTSIG_A_COMP_VM_ID alone
 *    for events of a VM).
 *
 * Policy
 * ------
 *
 * Per VM (or the global default): a mode, what UNKNOWN means, a verdict
 * timeout, and what a component with a history is (tampered). QUERY
 * decides:
 *
 *    state             audit    enforce           quarantine
 *    UNVERIFIED        PENDING  PENDING           PENDING
 *    PENDING           PENDING  PENDING           PENDING
 *    AUTHENTIC         ALLOW    ALLOW             ALLOW
 *    NOT_AUTHENTIC     ALLOW    DENY              DENY (and the VM stops)
 *    UNKNOWN           ALLOW    unknown=allow ?   as enforce
 *                               ALLOW : DENY
 *    MODIFIED          ALLOW    DENY              DENY (and the VM stops)
 *
 * With tampered=HOSTSIG_TAMPERED_DENY, enforce and quarantine also DENY a
 * component whose history (HOSTSIG_A_COMP_HISTORY) is not empty, whatever
 * its state: once written to, or once NOT_AUTHENTIC, it stays denied even
 * if the guest restores its bytes and a new capture is AUTHENTIC. With
 * HOSTSIG_TAMPERED_REVERIFY (the default) the latest verdict decides and
 * the history is only reported.
 *
 * A verdict never clears MODIFIED for bytes captured before the write:
 * every capture is stamped with the component's count of tracked writes
 * when its copy begins, and a verdict for a record whose copy began before
 * the latest write that made the component MODIFIED is refused (ESTALE).
 * Quarantine is decided when the write is seen, not when the reaction
 * runs: under quarantine the VM is stopped before the writing vCPU runs
 * another instruction, whatever verdict arrives afterwards.
 *
 * Write tracking (HOSTSIG_F_WRITE_TRACK): from REGISTER on, before its
 * bytes are read, every guest physical page of a component's IMAGE
 * regions is write-tracked. A guest write to them, outside the writable
 * ranges its verdict named, makes the component MODIFIED whatever its
 * verdict was (a tamper event), and then, in quarantine mode, stops the VM,
 * otherwise captures the component again for a new verdict (it stays
 * MODIFIED until that verdict comes). Pages entirely inside writable
 * ranges stop being tracked when the verdict arrives.
 *
 * A component that has no verdict timeout_ms after it became PENDING is
 * UNKNOWN with reason "timeout" (timeout 0: wait for ever). In quarantine
 * mode a NOT_AUTHENTIC verdict (or a modification) stops every vCPU of the
 * VM for good (KVM_RUN fails with EIO); its memory stays for forensics.
 *
 * Error codes
 * -----------
 *
 * HOSTSIG_E* codes are positive numbers in a range of their own (4001 and
 * up), returned negated by the hypercalls. hostsig_error_retryable() says
 * whether the same call may succeed later without any change by the guest
 * (the host was short of room, memory or rate); every other code means the
 * call itself was wrong and will fail again. HOSTSIG_ENOTSUPP: the format
 * (or another field) has a value this host does not know, maybe because the
 * guest proxy is newer.
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
#define HOSTSIG_HC_INIT_DONE		(HOSTSIG_HC_BASE + 5)
#define HOSTSIG_HC_LAST			HOSTSIG_HC_INIT_DONE

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
#define HOSTSIG_F_COMPONENTS		(1U << 0)	/* REGISTER, QUERY, UNREGISTER */
#define HOSTSIG_F_FMT_PE		(1U << 1)	/* HOSTSIG_FMT_PE */
#define HOSTSIG_F_WRITE_TRACK		(1U << 2)	/* IMAGE pages write-tracked */
#define HOSTSIG_F_INIT_DONE		(1U << 3)	/* HOSTSIG_HC_INIT_DONE */
#define HOSTSIG_F_ALL			(HOSTSIG_F_COMPONENTS | HOSTSIG_F_FMT_PE | \
					 HOSTSIG_F_WRITE_TRACK | HOSTSIG_F_INIT_DONE)

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
#define HOSTSIG_ENOTRAM			4009	/* memory outside the guest's plain RAM */
#define HOSTSIG_ELAST			HOSTSIG_ENOTRAM

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

/* QUERY result layout. */
#define HOSTSIG_QUERY_DECISION(ret)	((__u32)((__u64)(ret) & 0xffU))
#define HOSTSIG_QUERY_STATE(ret)	((__u32)(((__u64)(ret) >> 8) & 0xffU))

/* Decisions of QUERY. */
enum hostsig_decision {
	HOSTSIG_DECISION_PENDING = 0,
	HOSTSIG_DECISION_ALLOW = 1,
	HOSTSIG_DECISION_DENY = 2,
};

/* Component states. */
enum hostsig_state {
	HOSTSIG_STATE_UNVERIFIED = 1,	/* being captured */
	HOSTSIG_STATE_PENDING = 2,	/* captured, waiting for a verdict */
	HOSTSIG_STATE_AUTHENTIC = 3,
	HOSTSIG_STATE_NOT_AUTHENTIC = 4,
	HOSTSIG_STATE_UNKNOWN = 5,	/* no trusted signature, or timeout */
	HOSTSIG_STATE_MODIFIED = 6,	/* written to after it was captured */
	HOSTSIG_STATE_UNLOADED = 7,	/* unregistered, or its VM is gone */
};

/* Verdicts of the verifier (HOSTSIG_CMD_VERDICT). */
enum hostsig_verdict {
	HOSTSIG_VERDICT_AUTHENTIC = 1,
	HOSTSIG_VERDICT_NOT_AUTHENTIC = 2,
	HOSTSIG_VERDICT_UNKNOWN = 3,
};

/* Component formats. */
enum hostsig_format {
	HOSTSIG_FMT_PE = 1,		/* PE/COFF: Windows drivers, UEFI images */
	HOSTSIG_FMT_ELF_MODULE = 2,	/* Linux kernel module */
};

/* ---- the argument block of REGISTER ------------------------------------- */

#define HOSTSIG_ARG_MAGIC		0x42415348U	/* "HSAB" */
#define HOSTSIG_ARG_VERSION		1
#define HOSTSIG_NAME_LEN		64
#define HOSTSIG_MAX_REGIONS		16

/* The loader wrote the load address over the image base in the header. */
#define HOSTSIG_ARG_F_HEADER_REBASED	(1U << 0)
#define HOSTSIG_ARG_F_ALL		(HOSTSIG_ARG_F_HEADER_REBASED)

enum hostsig_region_kind {
	HOSTSIG_REGION_IMAGE = 1,
	HOSTSIG_REGION_SIGNATURE = 2,
	HOSTSIG_REGION_TAIL = 3,
	HOSTSIG_REGION_FILE = 4,
};

/* Tags of the IMAGE regions of HOSTSIG_FMT_ELF_MODULE: mod_mem_type + 1. */
enum hostsig_elf_tag {
	HOSTSIG_ELF_TAG_TEXT = 1,
	HOSTSIG_ELF_TAG_DATA = 2,
	HOSTSIG_ELF_TAG_RODATA = 3,
	HOSTSIG_ELF_TAG_RO_AFTER_INIT = 4,
	HOSTSIG_ELF_TAG_INIT_TEXT = 5,
	HOSTSIG_ELF_TAG_INIT_DATA = 6,
	HOSTSIG_ELF_TAG_INIT_RODATA = 7,
};

struct hostsig_region {
	__u32 kind;		/* enum hostsig_region_kind */
	__u32 tag;		/* meaning set by the format; 0 if none */
	__u64 gva;		/* guest virtual address */
	__u64 len;		/* bytes, > 0 */
};

struct hostsig_argblock {
	__u32 magic;		/* HOSTSIG_ARG_MAGIC */
	__u16 version;		/* HOSTSIG_ARG_VERSION */
	__u16 size;		/* of the whole block, regions included */
	__u32 format;		/* enum hostsig_format */
	__u32 flags;		/* HOSTSIG_ARG_F_* */
	__u64 load_base;	/* where the loader put the component */
	__u64 image_base;	/* the preferred base the file declares */
	__u32 nr_regions;	/* 1..HOSTSIG_MAX_REGIONS */
	__u32 reserved;		/* 0 */
	char name[HOSTSIG_NAME_LEN];	/* informative, NUL-padded */
	struct hostsig_region regions[];
};

#define HOSTSIG_ARGBLOCK_SIZE(nr_regions)				\
	(sizeof(struct hostsig_argblock) +				\
	 (nr_regions) * sizeof(struct hostsig_region))

/* ---- the ring buffer (host side only) ------------------------------------ */

#if defined(__KERNEL__) || defined(__linux__)
#include <linux/ioctl.h>

#define HOSTSIG_DEVICE			"/dev/hostsig"
#define HOSTSIG_RING_VERSION		1

/* Page 0 of the mapping; the host writes it, the consumer only reads it. */
struct hostsig_ring_ctrl {
	__u64 producer_pos;	/* end of the last reserved record */
	__u64 consumer_pos;	/* start of the oldest unreleased record */
	__u64 data_size;	/* a power of two */
	__u32 version;		/* HOSTSIG_RING_VERSION */
	__u32 reserved;
};

#define HOSTSIG_RECORD_BUSY		(1U << 0)
#define HOSTSIG_RECORD_DISCARD		(1U << 1)
#define HOSTSIG_RECORD_RELEASED		(1U << 2)

/*
 * Set by the host in a record's arg_flags (never by a guest: REGISTER
 * refuses unknown argument block flags). HOSTSIG_REC_F_LOAD_VERIFIED: a
 * later capture of a component whose first record, the capture of its
 * load, was answered AUTHENTIC. The verifier may then accept changes the
 * signed file itself declares writable (a module's data after its init
 * ran); without it every byte is compared as at load.
 */
#define HOSTSIG_REC_F_LOAD_VERIFIED	(1U << 31)

/* Records start and end on 8-byte boundaries. */
#define HOSTSIG_RECORD_ALIGN		8

struct hostsig_record_region {
	__u32 kind;		/* as in the argument block */
	__u32 tag;
	__u64 gva;
	__u64 len;
	__u64 offset;		/* of its bytes, from the start of the record */
};

struct hostsig_record {
	__u32 len;		/* the whole record, padding included */
	__u32 flags;		/* HOSTSIG_RECORD_* */
	__u64 record_id;	/* unique while the module stays loaded */
	__u64 component_id;
	__u64 vm_id;		/* hostsig's id of the VM */
	__u32 vmm_pid;		/* the VMM process (tgid) */
	__u32 vcpu_id;		/* the vCPU that registered, or ~0U */
	__u32 format;		/* enum hostsig_format */
	__u32 nr_regions;
	__u64 load_base;
	__u64 image_base;
	__u32 arg_flags;	/* HOSTSIG_ARG_F_*, and HOSTSIG_REC_F_* */
	__u32 header_len;	/* the region table ends here */
	__u64 data_len;		/* the regions' bytes in all */
	char name[HOSTSIG_NAME_LEN];
	struct hostsig_record_region regions[];
};

struct hostsig_ring_info {
	__u32 version;		/* HOSTSIG_RING_VERSION */
	__u32 reserved;
	__u64 data_offset;	/* of the data area in the mapping */
	__u64 data_size;
	__u64 mmap_size;	/* data_offset + 2 * data_size */
	__u64 max_record;	/* the largest record the host will write */
};

#define HOSTSIG_IOC_MAGIC		0xE7
#define HOSTSIG_IOC_RING_INFO		_IOR(HOSTSIG_IOC_MAGIC, 1, struct hostsig_ring_info)
/* Give back the record with this id (a __u64). */
#define HOSTSIG_IOC_RELEASE		_IOW(HOSTSIG_IOC_MAGIC, 2, __u64)
/* The consumer has seen records up to this position (a __u64), for poll(). */
#define HOSTSIG_IOC_SEEN		_IOW(HOSTSIG_IOC_MAGIC, 3, __u64)
#endif /* __KERNEL__ || __linux__ */

/* ---- generic netlink ----------------------------------------------------- */

#define HOSTSIG_GENL_NAME		"hostsig"
#define HOSTSIG_GENL_VERSION		1
#define HOSTSIG_GENL_MCGRP_EVENTS	"events"

#define HOSTSIG_REASON_LEN		64	/* with the NUL */
#define HOSTSIG_MESSAGE_LEN		256	/* with the NUL */
#define HOSTSIG_DIGEST_MAX		64
#define HOSTSIG_DIGEST_ALG_LEN		16	/* with the NUL */

enum hostsig_mode {
	HOSTSIG_MODE_AUDIT = 1,		/* log, allow everything */
	HOSTSIG_MODE_ENFORCE = 2,	/* deny what is not authentic */
	HOSTSIG_MODE_QUARANTINE = 3,	/* enforce, and stop the VM on a bad one */
};

enum hostsig_unknown_action {
	HOSTSIG_UNKNOWN_ALLOW = 1,	/* fail open */
	HOSTSIG_UNKNOWN_DENY = 2,	/* fail closed */
};

/*
 * What a component went through since it was registered
 * (HOSTSIG_A_COMP_HISTORY): bits that are set once and never cleared, so
 * that a component that is AUTHENTIC again after a write or a bad verdict
 * still says so.
 */
enum hostsig_history {
	HOSTSIG_HISTORY_MODIFIED = 1,		/* it was written to (a tamper) */
	HOSTSIG_HISTORY_NOT_AUTHENTIC = 2,	/* a verdict said NOT_AUTHENTIC */
};

/* What a component with a history is, once a later verdict is AUTHENTIC. */
enum hostsig_tampered_action {
	HOSTSIG_TAMPERED_REVERIFY = 1,	/* judged by its latest verdict */
	HOSTSIG_TAMPERED_DENY = 2,	/* denied for good (enforce, quarantine) */
};

enum hostsig_event {
	HOSTSIG_EVENT_REGISTERED = 1,
	HOSTSIG_EVENT_VERDICT = 2,
	HOSTSIG_EVENT_TIMEOUT = 3,
	HOSTSIG_EVENT_UNREGISTERED = 4,
	HOSTSIG_EVENT_TAMPER = 5,
	HOSTSIG_EVENT_QUARANTINE = 6,	/* the component that caused it */
	HOSTSIG_EVENT_RING_FULL = 7,
	HOSTSIG_EVENT_REVERIFY = 8,
	HOSTSIG_EVENT_VM_GONE = 9,
	HOSTSIG_EVENT_PATCHED = 10,	/* written at a patch site: verify again */
};

enum hostsig_cmd {
	HOSTSIG_CMD_UNSPEC,
	HOSTSIG_CMD_VERDICT,
	HOSTSIG_CMD_GET_COMPONENT,
	HOSTSIG_CMD_GET_VM,
	HOSTSIG_CMD_GET_STATS,
	HOSTSIG_CMD_GET_POLICY,
	HOSTSIG_CMD_SET_POLICY,
	HOSTSIG_CMD_REVERIFY,
	HOSTSIG_CMD_EVENT,

	__HOSTSIG_CMD_MAX
};

#define HOSTSIG_CMD_MAX (__HOSTSIG_CMD_MAX - 1)

/* Components (VERDICT, GET_COMPONENT, REVERIFY, EVENT). */
enum hostsig_comp_attr {
	HOSTSIG_A_COMP_UNSPEC,
	HOSTSIG_A_COMP_PAD,
	HOSTSIG_A_COMP_ID,		/* u64 */
	HOSTSIG_A_COMP_VM_ID,		/* u64 */
	HOSTSIG_A_COMP_RECORD_ID,	/* u64: the record waiting for a verdict */
	HOSTSIG_A_COMP_NAME,		/* string, < HOSTSIG_NAME_LEN */
	HOSTSIG_A_COMP_FORMAT,		/* u32: enum hostsig_format */
	HOSTSIG_A_COMP_STATE,		/* u32: enum hostsig_state */
	HOSTSIG_A_COMP_DECISION,	/* u32: what QUERY answers now */
	HOSTSIG_A_COMP_SIZE,		/* u64: bytes captured */
	HOSTSIG_A_COMP_LOAD_BASE,	/* u64 */
	HOSTSIG_A_COMP_IMAGE_BASE,	/* u64 */
	HOSTSIG_A_COMP_REGISTERED_NS,	/* u64: CLOCK_REALTIME */
	HOSTSIG_A_COMP_VERDICT_NS,	/* u64: CLOCK_REALTIME */
	HOSTSIG_A_COMP_MODIFIED_NS,	/* u64: CLOCK_REALTIME */
	HOSTSIG_A_COMP_VERDICT,		/* u32: enum hostsig_verdict */
	HOSTSIG_A_COMP_REASON,		/* string, < HOSTSIG_REASON_LEN */
	HOSTSIG_A_COMP_MESSAGE,		/* string, < HOSTSIG_MESSAGE_LEN */
	HOSTSIG_A_COMP_DIGEST,		/* binary, <= HOSTSIG_DIGEST_MAX */
	HOSTSIG_A_COMP_DIGEST_ALG,	/* string, < HOSTSIG_DIGEST_ALG_LEN */
	HOSTSIG_A_COMP_VMM_PID,		/* u32 */
	HOSTSIG_A_COMP_EVENT,		/* u32: enum hostsig_event (events only) */
	HOSTSIG_A_COMP_VERIFICATIONS,	/* u32: records made for it so far */
	HOSTSIG_A_COMP_WRITABLE,	/* nested, repeated: HOSTSIG_A_RANGE_* */
	HOSTSIG_A_COMP_TAMPERS,		/* u32: tracked writes seen */
	HOSTSIG_A_COMP_TAMPER_GPA,	/* u64: where the last one wrote */
	HOSTSIG_A_COMP_TRACKED_PAGES,	/* u32: pages write-tracked now */
	HOSTSIG_A_COMP_PATCH_SITE,	/* nested, repeated: HOSTSIG_A_RANGE_* */
	HOSTSIG_A_COMP_PATCHES,		/* u32: tracked writes at patch sites */
	HOSTSIG_A_COMP_HISTORY,		/* u32: HOSTSIG_HISTORY_*, never cleared */

	__HOSTSIG_A_COMP_MAX
};

#define HOSTSIG_A_COMP_MAX (__HOSTSIG_A_COMP_MAX - 1)

/*
 * A range of a component the guest may write (a writable section) or a
 * patch site, inside its IMAGE region number HOSTSIG_A_RANGE_REGION (0 for
 * the first).
 */
enum hostsig_range_attr {
	HOSTSIG_A_RANGE_UNSPEC,
	HOSTSIG_A_RANGE_PAD,
	HOSTSIG_A_RANGE_REGION,		/* u32: index among the IMAGE regions */
	HOSTSIG_A_RANGE_OFFSET,		/* u64: from the region's start */
	HOSTSIG_A_RANGE_LEN,		/* u64 */

	__HOSTSIG_A_RANGE_MAX
};

#define HOSTSIG_A_RANGE_MAX (__HOSTSIG_A_RANGE_MAX - 1)

/* Writable ranges a verdict may name (a kernel module can have hundreds). */
#define HOSTSIG_MAX_WRITABLE		1024
/* Patch sites a verdict may name; writes at any others are tampers. */
#define HOSTSIG_MAX_PATCH_SITES		2048
/*
 * From the first write at a patch site to the capture that follows: the
 * default of the module parameter patch_settle_ms.
 */
#define HOSTSIG_PATCH_SETTLE_MS		100

/* VMs (GET_VM). */
enum hostsig_vm_attr {
	HOSTSIG_A_VM_UNSPEC,
	HOSTSIG_A_VM_PAD,
	HOSTSIG_A_VM_ID,		/* u64 */
	HOSTSIG_A_VM_VMM_PID,		/* u32 */
	HOSTSIG_A_VM_COMPONENTS,	/* u32: live components */
	HOSTSIG_A_VM_PENDING_BYTES,	/* u64: captured, waiting for a verdict */
	HOSTSIG_A_VM_REGISTERED,	/* u64: REGISTERs that succeeded */
	HOSTSIG_A_VM_REFUSED,		/* u64: REGISTERs that failed */
	HOSTSIG_A_VM_QUARANTINED,	/* u8: 1 once the VM was stopped */
	HOSTSIG_A_VM_POLICY_OVERRIDE,	/* u8: 1 if it has its own policy */
	/* Host memory bounds (vm_max_retained_mib, vm_ring_share_pct). */
	HOSTSIG_A_VM_RETAINED_BYTES,	/* u64: host memory its components hold */
	HOSTSIG_A_VM_RING_BYTES,	/* u64: ring space its records occupy */

	__HOSTSIG_A_VM_MAX
};

#define HOSTSIG_A_VM_MAX (__HOSTSIG_A_VM_MAX - 1)

/* Counters (GET_STATS), all u64. */
enum hostsig_stats_attr {
	HOSTSIG_A_STATS_UNSPEC,
	HOSTSIG_A_STATS_PAD,
	HOSTSIG_A_STATS_REGISTERED,	/* REGISTERs that succeeded */
	HOSTSIG_A_STATS_REFUSED_INVAL,	/* ... refused with EINVAL */
	HOSTSIG_A_STATS_REFUSED_FAULT,	/* ... EFAULT */
	HOSTSIG_A_STATS_REFUSED_2BIG,	/* ... E2BIG */
	HOSTSIG_A_STATS_REFUSED_QUOTA,	/* ... EQUOTA */
	HOSTSIG_A_STATS_REFUSED_RING_FULL, /* ... EAGAIN */
	HOSTSIG_A_STATS_REFUSED_NOMEM,	/* ... ENOMEM */
	HOSTSIG_A_STATS_REFUSED_NOTSUPP, /* ... ENOTSUPP */
	HOSTSIG_A_STATS_QUERIES,
	HOSTSIG_A_STATS_QUERY_UNKNOWN_ID, /* QUERY/UNREGISTER of no such id */
	HOSTSIG_A_STATS_UNREGISTERED,
	HOSTSIG_A_STATS_VERDICTS,	/* accepted */
	HOSTSIG_A_STATS_VERDICTS_REJECTED,
	HOSTSIG_A_STATS_TIMEOUTS,
	HOSTSIG_A_STATS_TAMPERS,
	HOSTSIG_A_STATS_QUARANTINES,
	HOSTSIG_A_STATS_REVERIFIES,
	HOSTSIG_A_STATS_RECORDS,	/* records written to the ring */
	HOSTSIG_A_STATS_RECORD_BYTES,
	HOSTSIG_A_STATS_RECORDS_DISCARDED,
	HOSTSIG_A_STATS_RECORDS_RELEASED,
	HOSTSIG_A_STATS_RING_USED,	/* bytes between consumer and producer */
	HOSTSIG_A_STATS_RING_SIZE,
	HOSTSIG_A_STATS_COMPONENTS,	/* live now */
	HOSTSIG_A_STATS_VMS,		/* tracked now */
	HOSTSIG_A_STATS_MEMORY,		/* bytes hostsig has allocated now */
	HOSTSIG_A_STATS_EVENTS_DROPPED,	/* events not delivered (no memory) */
	HOSTSIG_A_STATS_TRACKED_PAGES,	/* guest pages write-tracked now */
	HOSTSIG_A_STATS_TRACKED_WRITES,	/* writes to them allowed (writable) */
	HOSTSIG_A_STATS_CONSUMER_PID,	/* the ring's consumer (tgid), 0: none */
	HOSTSIG_A_STATS_PATCHES,	/* tracked writes at patch sites */
	HOSTSIG_A_STATS_REFUSED_NOTRAM,	/* REGISTERs refused with ENOTRAM */
	/* The integrity scrub (scrub_interval_s, REVERIFY). */
	HOSTSIG_A_STATS_SCRUB_PAGES,	/* tracked pages read and compared */
	HOSTSIG_A_STATS_SCRUB_PASSES,	/* scheduled passes completed */
	HOSTSIG_A_STATS_SCRUB_TAMPERS,	/* differences found (also in TAMPERS) */

	__HOSTSIG_A_STATS_MAX
};

#define HOSTSIG_A_STATS_MAX (__HOSTSIG_A_STATS_MAX - 1)

/* Policy (GET_POLICY, SET_POLICY). */
enum hostsig_policy_attr {
	HOSTSIG_A_POLICY_UNSPEC,
	HOSTSIG_A_POLICY_PAD,
	HOSTSIG_A_POLICY_VM_ID,		/* u64: absent for the global default */
	HOSTSIG_A_POLICY_MODE,		/* u32: enum hostsig_mode */
	HOSTSIG_A_POLICY_UNKNOWN,	/* u32: enum hostsig_unknown_action */
	HOSTSIG_A_POLICY_TIMEOUT_MS,	/* u32: 0 waits for ever; at most a day */
	HOSTSIG_A_POLICY_OVERRIDE,	/* u8 (replies): the VM's own policy */
	HOSTSIG_A_POLICY_RESET,		/* flag (SET with a VM id): drop it */
	HOSTSIG_A_POLICY_TAMPERED,	/* u32: enum hostsig_tampered_action */

	__HOSTSIG_A_POLICY_MAX
};

#define HOSTSIG_A_POLICY_MAX (__HOSTSIG_A_POLICY_MAX - 1)

#endif /* _UAPI_LINUX_HOSTSIG_H */
