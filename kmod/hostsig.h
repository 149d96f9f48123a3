/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostsig.ko: what the parts of the module share.
 *
 * Locking, in the order it nests:
 *   hostsig_lock (component.c)  the VM table, the component table and every
 *                               field of struct hostsig_vm and
 *                               struct hostsig_component marked "lock";
 *                               a spinlock because the VM-destroy hook runs
 *                               with preemption disabled
 *   ring->lock (ring.c)         ring positions and the record list
 * Nothing sleeps under either; guest memory is copied without them.
 */
#ifndef _HOSTSIG_H
#define _HOSTSIG_H

#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <asm/kvm_page_track.h>
#include <linux/types.h>
#include <uapi/linux/hostsig.h>

/* ---- limits (main.c: module parameters, checked at load) ---------------- */

extern unsigned int hostsig_ring_size_mib;
extern unsigned int hostsig_max_component_mib;
extern unsigned int hostsig_vm_max_components;
extern unsigned int hostsig_vm_max_pending_mib;
extern unsigned int hostsig_vm_register_rate;
extern unsigned int hostsig_vm_register_burst;
extern unsigned int hostsig_keep_unloaded;

/* ---- statistics (stats.c) ------------------------------------------------ */

/* Indexed by enum hostsig_stats_attr; only the counters, not the gauges. */
extern atomic64_t hostsig_stats[__HOSTSIG_A_STATS_MAX];

static inline void hostsig_count(enum hostsig_stats_attr which)
{
	atomic64_inc(&hostsig_stats[which]);
}

static inline void hostsig_count_add(enum hostsig_stats_attr which, u64 n)
{
	atomic64_add(n, &hostsig_stats[which]);
}

/* Bytes hostsig has allocated now (HOSTSIG_A_STATS_MEMORY). */
extern atomic64_t hostsig_memory;

void *hostsig_alloc(size_t size);
void hostsig_free(void *ptr, size_t size);
void *hostsig_alloc_large(size_t size);
void hostsig_free_large(void *ptr, size_t size);

/* ---- policy (policy.c) --------------------------------------------------- */

struct hostsig_policy {
	u32 mode;		/* enum hostsig_mode */
	u32 unknown;		/* enum hostsig_unknown_action */
	u32 timeout_ms;		/* 0: no timeout */
	u32 tampered;		/* enum hostsig_tampered_action */
};

/* The global default; under hostsig_lock. */
extern struct hostsig_policy hostsig_default_policy;

enum hostsig_decision hostsig_decide(const struct hostsig_policy *policy,
				     enum hostsig_state state, u32 history);
bool hostsig_policy_stops_vm(const struct hostsig_policy *policy,
			     enum hostsig_state state);

/* ---- VMs and components (component.c) ----------------------------------- */

struct hostsig_vm {
	struct hlist_node hnode;	/* lock: in the table, by kvm */
	struct list_head node;		/* lock: in the list of VMs, by id */
	struct kvm *kvm;		/* valid while !dead */
	u64 id;
	pid_t vmm_pid;
	refcount_t ref;			/* the table's, and one per component */
	bool dead;			/* lock: kvm_destroy_vm() has begun */
	bool quarantined;		/* lock */
	bool has_policy;		/* lock */
	struct hostsig_policy policy;	/* lock, if has_policy */
	struct list_head live;		/* lock: components not unloaded */
	struct list_head unloaded;	/* lock: kept for inspection, oldest first */
	u32 nr_live;			/* lock */
	u32 nr_unloaded;		/* lock */
	u64 pending_bytes;		/* lock: captured, no verdict yet */
	u64 registered;			/* lock */
	u64 refused;			/* lock */
	u64 rate_tat_ns;		/* lock: rate limiter's next arrival */
	struct kvm_page_track_notifier_node track_node;
	bool tracking;			/* track_node is registered */
	struct list_head gone;		/* on the graveyard once unreferenced */
};

/* A tracked page of a component: which page of which IMAGE span. */
struct hostsig_track_page {
	u64 gfn;
	u32 span;
	u32 page;			/* from the span's first page */
};

/* A range the guest may write, within one span (from the verdict). */
struct hostsig_writable {
	u32 span;
	u64 start;
	u64 end;
};

/* A verdict's writable ranges: sorted by span and start, not overlapping. */
struct hostsig_writable_set {
	u32 nr;
	u32 room;			/* entries allocated */
	struct hostsig_writable r[];
};

struct hostsig_span {
	u32 kind;
	u32 tag;
	u64 gva;
	u64 len;
	u32 first_gfn;			/* index in hostsig_component.gfns */
};

struct hostsig_component {
	u64 id;
	struct hostsig_vm *vm;		/* holds a reference */
	struct list_head vm_node;	/* lock: vm->live or vm->unloaded */
	refcount_t ref;			/* the table's, and in-flight users' */

	/* Set at REGISTER, constant afterwards. */
	u32 format;
	u32 arg_flags;
	u32 vcpu_id;
	u64 load_base;
	u64 image_base;
	u64 size;			/* bytes of all regions */
	char name[HOSTSIG_NAME_LEN];
	u32 nr_spans;
	struct hostsig_span spans[HOSTSIG_MAX_REGIONS];
	/* Guest physical page of every page of every region, in order. */
	u32 nr_gfns;
	u64 *gfns;
	/*
	 * The regions the guest frees once the load is over
	 * (hostsig_span_kept()), as the first capture read them, one after
	 * the other: later captures (a tamper, a patch, REVERIFY) carry these
	 * bytes for them and read only the others from guest memory again.
	 */
	u8 *kept;
	u64 kept_len;
	u64 first_record_id;		/* lock: the capture of the load */
	bool load_verified;		/* lock: ... answered AUTHENTIC */
	bool init_released;		/* lock: HOSTSIG_HC_INIT_DONE came */
	/* The pages of IMAGE spans, sorted by gfn; bit set: tracked now. */
	u32 nr_track;
	struct hostsig_track_page *track;
	unsigned long *track_on;	/* lock */
	u32 nr_track_on;		/* lock */
	struct hostsig_writable_set *writable;	/* lock, may be NULL */
	struct hostsig_writable_set *patch;	/* lock: patch sites, may be NULL */
	u32 tampers;			/* lock: tracked writes seen */
	u32 patches;			/* lock: ... of them at patch sites */
	bool patch_queued;		/* lock: on the patch work's list */
	struct list_head patch_node;	/* lock: on the patch work's list */
	u64 tamper_gpa;			/* lock: the last one */
	/*
	 * Every tracked write to the component outside its writable ranges
	 * (a tamper or a patch) counts in write_seq; tamper_seq is its value
	 * at the last tamper, record_seq its value when the copy of the
	 * record it waits for began. A verdict for a record copied before
	 * the last tamper is refused: it cannot clear MODIFIED.
	 */
	u64 write_seq;			/* lock */
	u64 tamper_seq;			/* lock */
	u64 record_seq;			/* lock */
	u32 history;			/* lock: HOSTSIG_HISTORY_*, never cleared */
	bool stop_vm;			/* lock: a tamper decided to quarantine */
	bool dirty;			/* lock: written to while captured */
	bool reaction_queued;		/* lock: on the tamper work's list */
	struct mutex track_mutex;	/* orders changes of KVM's tracking */
	struct list_head tamper_node;	/* lock: on the tamper work's list */

	/* lock: state, and the record that waits for a verdict. */
	enum hostsig_state state;
	u64 record_id;			/* 0: none yet */
	bool answered;			/* record_id has had its verdict */
	bool judged;			/* a verifier's verdict was applied */
	bool pending_charged;		/* size counts in vm->pending_bytes */
	u32 verifications;		/* records made so far */
	u64 pending_since;		/* boottime ns, for the timeout */
	u64 registered_ns;		/* realtime ns */
	u64 verdict_ns;
	u64 modified_ns;
	u32 verdict;			/* enum hostsig_verdict, 0: none */
	char reason[HOSTSIG_REASON_LEN];
	char message[HOSTSIG_MESSAGE_LEN];
	u8 digest[HOSTSIG_DIGEST_MAX];
	u32 digest_len;
	char digest_alg[HOSTSIG_DIGEST_ALG_LEN];
	struct list_head batch;		/* lock: on a caller's list of work */
	struct list_head gone;		/* on the graveyard once unreferenced */
};

/* A consistent copy of what netlink reports about a component. */
struct hostsig_comp_info {
	u64 id;
	u64 vm_id;
	pid_t vmm_pid;
	u64 record_id;
	u32 format;
	u32 state;
	u32 decision;
	u64 size;
	u64 load_base;
	u64 image_base;
	u64 registered_ns;
	u64 verdict_ns;
	u64 modified_ns;
	u32 verdict;
	u32 verifications;
	u32 tampers;
	u32 patches;
	u64 tamper_gpa;
	u32 history;
	u32 tracked_pages;
	u32 digest_len;
	char name[HOSTSIG_NAME_LEN];
	char reason[HOSTSIG_REASON_LEN];
	char message[HOSTSIG_MESSAGE_LEN];
	u8 digest[HOSTSIG_DIGEST_MAX];
	char digest_alg[HOSTSIG_DIGEST_ALG_LEN];
};

struct hostsig_vm_info {
	u64 id;
	pid_t vmm_pid;
	u32 components;
	u64 pending_bytes;
	u64 registered;
	u64 refused;
	bool quarantined;
	bool has_policy;
};

/* A writable range as the verifier names it: in the n-th IMAGE region. */
struct hostsig_range {
	u32 region;
	u64 offset;
	u64 len;
};

/* What the verifier said about a record (netlink VERDICT). */
struct hostsig_verdict_msg {
	u64 component_id;
	u64 record_id;
	u32 verdict;
	const char *reason;
	const char *message;		/* may be NULL */
	const u8 *digest;		/* may be NULL */
	u32 digest_len;
	const char *digest_alg;		/* may be NULL */
	u32 nr_writable;
	struct hostsig_range *writable;
	u32 nr_patch;
	struct hostsig_range *patch;	/* runtime patch sites */
};

extern spinlock_t hostsig_lock;

int hostsig_components_init(void);
void hostsig_components_exit(void);

/* The hypercalls' halves that work on the tables. */
long hostsig_register(struct kvm_vcpu *vcpu, u64 argblock_gva, u64 argblock_len);
long hostsig_query(struct kvm_vcpu *vcpu, u64 id);
long hostsig_unregister(struct kvm_vcpu *vcpu, u64 id);
long hostsig_init_done(struct kvm_vcpu *vcpu, u64 id);

/* Netlink's side. */
int hostsig_verdict(const struct hostsig_verdict_msg *msg);
int hostsig_reverify(u64 id);
int hostsig_comp_get(u64 id, struct hostsig_comp_info *info);
/* The first visible component with id >= *id (matching vm_id if not 0). */
int hostsig_comp_next(u64 *id, u64 vm_id, struct hostsig_comp_info *info);
int hostsig_vm_get(u64 id, struct hostsig_vm_info *info);
int hostsig_vm_next(u64 *id, struct hostsig_vm_info *info);
int hostsig_policy_get(u64 vm_id, struct hostsig_policy *policy, bool *own);
int hostsig_policy_set(u64 vm_id, const struct hostsig_policy *change,
		       bool reset);
void hostsig_gauges(u64 *components, u64 *vms);

/* component.c, for track.c */
const struct hostsig_policy *hostsig_vm_policy_locked(const struct hostsig_vm *vm);
void hostsig_comp_info_locked(const struct hostsig_component *comp,
			      struct hostsig_comp_info *info);
void hostsig_comp_hold(struct hostsig_component *comp);
void hostsig_comp_put(struct hostsig_component *comp);
void hostsig_quarantine(struct hostsig_vm *vm,
			const struct hostsig_comp_info *cause);
long hostsig_recapture(struct kvm *kvm, struct hostsig_component *comp);

/* ---- write tracking (track.c) --------------------------------------------- */

extern atomic64_t hostsig_tracked_pages;

bool hostsig_track_available(void);
int hostsig_track_init(void);
void hostsig_track_exit(void);
int hostsig_track_prepare(struct hostsig_component *comp);
void hostsig_track_release(struct hostsig_component *comp);
int hostsig_track_start(struct hostsig_vm *vm, struct hostsig_component *comp);
void hostsig_track_stop(struct kvm *kvm, struct hostsig_component *comp);
void hostsig_track_abandon_locked(struct hostsig_component *comp);
int hostsig_track_release_init(struct kvm *kvm, struct hostsig_component *comp);
struct hostsig_writable_set *hostsig_track_writable_new(u32 nr);
void hostsig_track_writable_free(struct hostsig_writable_set *set);
int hostsig_track_set_writable(struct hostsig_component *comp,
			       const struct hostsig_verdict_msg *msg,
			       struct hostsig_writable_set **set,
			       struct hostsig_writable_set **pset,
			       u64 **flip, u32 *nr_flip);
void hostsig_track_apply(struct hostsig_vm *vm, struct hostsig_component *comp,
			 u64 *flip, u32 nr_flip);
bool hostsig_tamper_locked(struct hostsig_component *comp);
bool hostsig_unjudged_write_locked(struct hostsig_component *comp);
void hostsig_track_detach(struct hostsig_vm *vm);
void hostsig_track_forget(struct hostsig_vm *vm);

/* vm.c: VM lifetime. */
int hostsig_vm_hooks_init(void);
void hostsig_vm_hooks_exit(void);
void hostsig_vm_destroyed(struct kvm *kvm);

/* ---- guest memory (capture.c) -------------------------------------------- */

struct hostsig_record;

struct hostsig_args {
	struct hostsig_argblock block;
	struct hostsig_region regions[HOSTSIG_MAX_REGIONS];
	u64 total;			/* bytes of all regions */
	u32 nr_pages;			/* guest pages of all regions */
};

long hostsig_fetch_args(struct kvm_vcpu *vcpu, u64 gva, u64 len,
			struct hostsig_args *args);
long hostsig_translate(struct kvm_vcpu *vcpu, struct hostsig_component *comp);
bool hostsig_span_is_init(const struct hostsig_component *comp,
			  const struct hostsig_span *span);
bool hostsig_span_kept(const struct hostsig_component *comp,
		       const struct hostsig_span *span);
int hostsig_copy_pages(struct kvm *kvm, struct kvm_vcpu *vcpu,
		       const struct hostsig_component *comp,
		       struct hostsig_record *rec, bool init_released);
void hostsig_copy_kept_init(const struct hostsig_component *comp,
			    struct hostsig_record *rec);
long hostsig_keep_regions(struct hostsig_component *comp,
			  const struct hostsig_record *rec);
u32 hostsig_record_header_len(u32 nr_regions);

/* ---- the ring (ring.c) --------------------------------------------------- */

struct hostsig_ring_slot {
	struct hostsig_record *rec;	/* the reserved record, contiguous */
	void *entry;			/* the ring's bookkeeping, opaque */
	u64 record_id;
};

int hostsig_ring_init(void);
void hostsig_ring_exit(void);
int hostsig_ring_reserve(u64 len, u64 component_id,
			 struct hostsig_ring_slot *slot);
void hostsig_ring_commit(struct hostsig_ring_slot *slot);
void hostsig_ring_abort(struct hostsig_ring_slot *slot);
void hostsig_ring_discard(u64 record_id);
bool hostsig_ring_is_consumer(void);
u64 hostsig_ring_used(void);
u64 hostsig_ring_consumer_pid(void);
u64 hostsig_ring_size(void);
u64 hostsig_ring_max_record(void);

/* ---- netlink (netlink.c) -------------------------------------------------- */

int hostsig_netlink_init(void);
void hostsig_netlink_exit(void);
void hostsig_notify_component(enum hostsig_event event,
			      const struct hostsig_comp_info *info, gfp_t gfp);
void hostsig_notify_vm(enum hostsig_event event, u64 vm_id, gfp_t gfp);

/* ---- test builds only (faults.c, HOSTSIG_FAULTS=y) --------------------------- */

#ifdef HOSTSIG_FAULTS
void hostsig_faults_inject(void);
#else
static inline void hostsig_faults_inject(void)
{
}
#endif

/* ---- hypercalls and the hook ---------------------------------------------- */

u32 hostsig_features(void);
bool hostsig_hypercall_is_ours(unsigned long nr);
unsigned long hostsig_hypercall(struct kvm_vcpu *vcpu, unsigned long nr,
				unsigned long a0, unsigned long a1,
				unsigned long a2, unsigned long a3);

int hostsig_hook_init(void);
void hostsig_hook_exit(void);
const char *hostsig_hook_target(void);

#endif /* _HOSTSIG_H */
