/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostsig.ko: what the parts of the module share.
 *
 * One file per concern: vm.c (the VM table, a VM's lifetime, policy and
 * quarantine), component.c (the component table, states and references),
 * hypercall.c (the hypercalls, quotas), capture.c (guest memory into ring
 * records), verdict.c (verdicts and re-verification), track.c (write
 * tracking and the reactions to writes), ring.c, netlink.c, policy.c,
 * stats.c, hook.c.
 *
 * Locking, in the order it nests:
 *   vm->track_mutex            KVM's tracking of the VM's pages and the
 *                              VM's page index (track.c); sleeps
 *   hostsig_table_lock (vm.c)  the VM table and the component id table
 *   vm->lock                   everything of one VM and its components
 *                              marked "lock"; a guest write takes only
 *                              this one (and no lock of another VM)
 *   ring->lock (ring.c)        ring positions and the record table
 * The three spinlocks are never held while sleeping; guest memory is
 * copied without them. The VM-destroy hook runs with preemption disabled
 * and takes only spinlocks.
 */
#ifndef _HOSTSIG_H
#define _HOSTSIG_H

#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/xarray.h>
#include <asm/kvm_page_track.h>
#include <crypto/sha2.h>
#include <linux/types.h>
#include <uapi/linux/hostsig.h>

struct hostsig_comp_info;

/* ---- limits (main.c: module parameters, checked at load and on writes) ---- */

extern unsigned int hostsig_ring_size_mib;
extern unsigned int hostsig_max_component_mib;
extern unsigned int hostsig_vm_max_components;
extern unsigned int hostsig_vm_max_pending_mib;
extern unsigned int hostsig_vm_register_rate;
extern unsigned int hostsig_vm_register_burst;
extern unsigned int hostsig_keep_unloaded;
extern unsigned int hostsig_vm_max_retained_mib;
extern unsigned int hostsig_vm_ring_share_pct;
extern unsigned int hostsig_scrub_interval_s;
extern unsigned int hostsig_patch_settle_ms;

/*
 * Guest physical pages and the tracked pages of components: one guest page
 * may back at most HOSTSIG_MAX_ALIASES pages of one component's IMAGE
 * regions (no loader maps a page twice), and at most HOSTSIG_MAX_PAGE_USERS
 * tracked pages of one VM in all. So a guest write to a tracked page looks
 * at that many entries at most, whatever the guest does, and REGISTER
 * refuses more with HOSTSIG_E2BIG.
 */
#define HOSTSIG_MAX_ALIASES		16
#define HOSTSIG_MAX_PAGE_USERS		64

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

/* The global default, copied consistently; and changed. */
void hostsig_default_policy(struct hostsig_policy *out);
void hostsig_default_policy_change(const struct hostsig_policy *change);
void hostsig_policy_apply(struct hostsig_policy *target,
			  const struct hostsig_policy *change);

enum hostsig_decision hostsig_decide(const struct hostsig_policy *policy,
				     enum hostsig_state state, u32 history);
bool hostsig_policy_stops_vm(const struct hostsig_policy *policy,
			     enum hostsig_state state);

/* ---- VMs (vm.c) ------------------------------------------------------------- */

struct hostsig_vm {
	struct hlist_node hnode;	/* table: in the table, by kvm */
	struct list_head node;		/* table: in the list of VMs, by id */
	struct kvm *kvm;		/* valid while !dead */
	u64 id;
	pid_t vmm_pid;
	refcount_t ref;			/* the table's, and one per component */
	bool dead;			/* table and lock: kvm_destroy_vm() began */

	spinlock_t lock;		/* the fields marked "lock" */
	struct mutex track_mutex;	/* KVM's tracking, the page index */
	bool quarantined;		/* lock */
	bool has_policy;		/* lock */
	struct hostsig_policy policy;	/* lock, if has_policy */
	struct list_head live;		/* lock: components not unloaded */
	struct list_head unloaded;	/* lock: kept for inspection, oldest first */
	u32 nr_live;			/* lock */
	u32 nr_unloaded;		/* lock */
	u64 pending_bytes;		/* lock: captured, no verdict yet */
	u64 retained_bytes;		/* lock: held by its components */
	u64 registered;			/* lock */
	u64 refused;			/* lock */
	u64 rate_tat_ns;		/* lock: rate limiter's next arrival */
	u64 write_serial;		/* lock: one per tracked write seen */

	/*
	 * The guest physical pages its components' tracked pages lie on:
	 * gfn -> struct hostsig_page. Entries come and go under
	 * track_mutex and lock; a write looks one up under lock.
	 */
	struct xarray pages;
	u64 pages_in_kvm;		/* lock: of them, tracked by KVM now */
	struct kvm_page_track_notifier_node track_node;
	bool tracking;			/* track_node is registered */
	struct list_head gone;		/* on the graveyard once unreferenced */
};

/* A consistent copy of what netlink reports about a VM. */
struct hostsig_vm_info {
	u64 id;
	pid_t vmm_pid;
	u32 components;
	u64 pending_bytes;
	u64 retained_bytes;
	u64 ring_bytes;
	u64 registered;
	u64 refused;
	bool quarantined;
	bool has_policy;
};

extern spinlock_t hostsig_table_lock;

struct hostsig_vm *hostsig_vm_of(struct kvm_vcpu *vcpu);
struct hostsig_vm *hostsig_vm_lookup(struct kvm *kvm);
void hostsig_vm_hold(struct hostsig_vm *vm);
void hostsig_vm_put(struct hostsig_vm *vm);
void hostsig_vm_policy_locked(const struct hostsig_vm *vm,
			      struct hostsig_policy *out);
void hostsig_quarantine(struct hostsig_vm *vm,
			const struct hostsig_comp_info *cause);
int hostsig_vm_get(u64 id, struct hostsig_vm_info *info);
int hostsig_vm_next(u64 *id, struct hostsig_vm_info *info);
int hostsig_policy_get(u64 vm_id, struct hostsig_policy *policy, bool *own);
int hostsig_policy_set(u64 vm_id, const struct hostsig_policy *change,
		       bool reset);
u64 hostsig_nr_vms(void);
void hostsig_vm_destroyed(struct kvm *kvm);
int hostsig_vm_hooks_init(void);
void hostsig_vm_hooks_exit(void);
void hostsig_vms_exit(void);
void hostsig_vms_flush(void);

/* ---- components (component.c) --------------------------------------------- */

/*
 * A tracked page of a component: one page of one of its IMAGE spans, on
 * guest physical page gfn, listed with the other users of that page in
 * the VM's page index.
 */
struct hostsig_track_page {
	struct list_head node;		/* lock: on page->users */
	struct hostsig_component *comp;
	struct hostsig_page *page;	/* track_mutex: while indexed */
	u64 gfn;
	u32 span;
	u32 page_in_span;		/* from the span's first page */
};

/* A guest physical page that tracked pages of the VM lie on. */
struct hostsig_page {
	struct list_head users;		/* lock: struct hostsig_track_page */
	u32 nr_users;			/* lock */
	u32 nr_tracking;		/* lock: users tracked now */
	bool in_kvm;			/* lock: KVM tracks it for us */
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

/* The integrity scrub's baseline of one tracked page (scrub.c). */
struct hostsig_page_digest {
	u8 sha256[SHA256_DIGEST_SIZE];
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
	u64 kept_size;			/* of the kept regions (capture.c) */
	u64 retained;			/* lock: in vm->retained_bytes */
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

	/* The pages of IMAGE spans, sorted by gfn; bit set: tracked now. */
	u32 nr_track;
	struct hostsig_track_page *track;
	bool indexed;			/* track_mutex: in vm->pages */
	unsigned long *track_on;	/* lock */
	u32 nr_track_on;		/* lock */
	struct hostsig_writable_set *writable;	/* lock, may be NULL */
	struct hostsig_writable_set *patch;	/* lock: patch sites, may be NULL */
	u32 tampers;			/* lock: tracked writes seen */
	u32 patches;			/* lock: ... of them at patch sites */
	u64 tamper_gpa;			/* lock: the last one */
	u64 last_write_serial;		/* lock: vm->write_serial it last saw */
	u32 last_hit;			/* lock: what that write did to it */
	/*
	 * Every tracked write to the component outside its writable ranges
	 * (a tamper or a patch) counts in write_seq; tamper_seq is its value
	 * at the last tamper (or the last write before any verdict, see
	 * hostsig_unjudged_write_locked()), record_seq its value when the
	 * copy of the record it waits for began. A verdict for a record
	 * copied before the last tamper is refused: it cannot clear MODIFIED.
	 */
	u64 write_seq;			/* lock */
	u64 tamper_seq;			/* lock */
	u64 record_seq;			/* lock */
	u32 history;			/* lock: HOSTSIG_HISTORY_*, never cleared */
	bool stop_vm;			/* lock: a tamper decided to quarantine */
	bool judged;			/* lock: a verifier's verdict was taken */
	bool dirty;			/* lock: written to while first captured */
	bool reaction_queued;		/* lock: on the tamper work's list */
	struct list_head tamper_node;	/* lock: on the tamper work's list */
	bool patch_queued;		/* lock: on the patch work's list */
	bool patch_retry;		/* lock: queued again for want of room */
	struct list_head patch_node;	/* lock: on the patch work's list */

	/* lock: state, and the record that waits for a verdict. */
	enum hostsig_state state;
	u64 record_id;			/* 0: none yet */
	u64 first_record_id;		/* the capture of the load */
	bool load_verified;		/* ... answered AUTHENTIC */
	bool init_released;		/* HOSTSIG_HC_INIT_DONE came */
	bool answered;			/* record_id has had its verdict */
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
	struct list_head expire_node;	/* the verdict sweep's own list */
	struct list_head gone;		/* on the graveyard once unreferenced */

	/*
	 * The integrity scrub (scrub.c). scrub_image holds the bytes of the
	 * IMAGE regions as they were copied into record scrub_record, whose
	 * copy began at write_seq scrub_image_seq. The verdict for that record
	 * turns them into scrub_digest: per tracked page, the SHA-256 of its
	 * bytes outside the writable ranges, which the scrub compares with
	 * guest memory. scrub_digest, scrub_seq (scrub_image_seq of the
	 * record it came from) and scrub_gen (one per new digest table)
	 * change under track_mutex and lock: either is enough to read them.
	 */
	u8 *scrub_image;		/* lock */
	u64 scrub_image_len;		/* constant */
	bool scrub_image_charged;	/* lock: its length is in retained */
	u8 *scrub_drop;			/* the verdict sweep's: a copy to free */
	u64 scrub_record;		/* lock */
	u64 scrub_image_seq;		/* lock */
	struct hostsig_page_digest *scrub_digest;
	u64 scrub_seq;
	u64 scrub_gen;
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

struct hostsig_args;

int hostsig_components_init(void);
void hostsig_components_exit(void);
struct hostsig_component *hostsig_comp_new(const struct hostsig_args *args,
					   struct kvm_vcpu *vcpu);
void hostsig_comp_hold(struct hostsig_component *comp);
void hostsig_comp_put(struct hostsig_component *comp);
u64 hostsig_comp_next_id(void);
int hostsig_comp_reserve_id(struct hostsig_component *comp);
void hostsig_comp_publish_locked(struct hostsig_component *comp);
void hostsig_comp_unreserve_id(struct hostsig_component *comp);
struct hostsig_component *hostsig_comp_lookup(u64 id);
struct hostsig_component *hostsig_comp_of_vm(struct hostsig_vm *vm, u64 id);
void hostsig_comp_info_locked(const struct hostsig_component *comp,
			      struct hostsig_comp_info *info);
void hostsig_comp_notify(struct hostsig_component *comp,
			 enum hostsig_event event);
void hostsig_uncharge_locked(struct hostsig_component *comp);
bool hostsig_expire_locked(struct hostsig_component *comp, u64 now, u8 **drop,
			   struct list_head *victims);
u8 *hostsig_scrub_image_take_locked(struct hostsig_component *comp);
u64 hostsig_unload_locked(struct hostsig_component *comp,
			  struct list_head *victims);
bool hostsig_make_room_locked(struct hostsig_vm *vm, u64 need, u64 max,
			      struct list_head *victims);
void hostsig_retire_comps_locked(struct hostsig_vm *vm,
				 struct list_head *victims);
void hostsig_put_batch(struct list_head *victims);
struct hostsig_component *hostsig_comp_next_ref(u64 *id);
u64 hostsig_comps_track_total(void);
int hostsig_comp_get(u64 id, struct hostsig_comp_info *info);
/* The first visible component with id >= *id (matching vm_id if not 0). */
int hostsig_comp_next(u64 *id, u64 vm_id, struct hostsig_comp_info *info);
u64 hostsig_nr_comps(void);

/* ---- the hypercalls (hypercall.c) ------------------------------------------ */

u32 hostsig_features(void);
bool hostsig_hypercall_is_ours(unsigned long nr);
unsigned long hostsig_hypercall(struct kvm_vcpu *vcpu, unsigned long nr,
				unsigned long a0, unsigned long a1,
				unsigned long a2, unsigned long a3);

/* ---- verdicts (verdict.c) --------------------------------------------------- */

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

int hostsig_verdict(const struct hostsig_verdict_msg *msg);
int hostsig_reverify(u64 id);

/* ---- write tracking (track.c) --------------------------------------------- */

extern atomic64_t hostsig_tracked_pages;

bool hostsig_track_available(void);
int hostsig_track_init(void);
void hostsig_track_exit(void);
int hostsig_track_attach(struct hostsig_vm *vm);
void hostsig_track_detach(struct hostsig_vm *vm);
void hostsig_track_forget(struct hostsig_vm *vm);
void hostsig_track_vm_free(struct hostsig_vm *vm);
int hostsig_track_prepare(struct hostsig_component *comp);
void hostsig_track_release(struct hostsig_component *comp);
int hostsig_track_index(struct hostsig_component *comp);
int hostsig_track_start(struct hostsig_component *comp);
void hostsig_track_stop(struct hostsig_component *comp);
void hostsig_track_abandon_locked(struct hostsig_component *comp);
int hostsig_track_release_init(struct hostsig_component *comp);

/* Changes of which of a component's pages are tracked, planned and applied. */
struct hostsig_flips;
struct hostsig_flips *hostsig_flips_new(const struct hostsig_component *comp);
void hostsig_flips_free(struct hostsig_flips *flips);
void hostsig_track_apply(struct hostsig_vm *vm, struct hostsig_flips *flips);

struct hostsig_writable_set *hostsig_track_writable_new(u32 nr);
void hostsig_track_writable_free(struct hostsig_writable_set *set);
int hostsig_track_set_ranges_locked(struct hostsig_component *comp,
				    const struct hostsig_verdict_msg *msg,
				    struct hostsig_writable_set **set,
				    struct hostsig_writable_set **pset,
				    struct hostsig_flips *flips);
bool hostsig_tamper_locked(struct hostsig_component *comp);
void hostsig_queue_recapture_locked(struct hostsig_component *comp);
void hostsig_page_extent(const struct hostsig_component *comp,
			 const struct hostsig_track_page *tp,
			 s64 *start, s64 *end);
bool hostsig_track_wanted(const struct hostsig_component *comp, u32 i);
bool hostsig_scrub_differs_locked(struct hostsig_component *comp, u64 gpa);

/* ---- the integrity scrub (scrub.c) ----------------------------------------- */

int hostsig_scrub_init(void);
void hostsig_scrub_exit(void);
void hostsig_scrub_kick(void);
u64 hostsig_scrub_image_len(const struct hostsig_component *comp);
u8 *hostsig_scrub_image_new(const struct hostsig_component *comp,
			    const struct hostsig_record *rec);
void hostsig_scrub_image_free(const struct hostsig_component *comp, u8 *image);
struct hostsig_page_digest *hostsig_scrub_digests_new(const struct hostsig_component *comp);
void hostsig_scrub_digests_free(const struct hostsig_component *comp,
				struct hostsig_page_digest *digests);
void hostsig_scrub_baseline(const struct hostsig_component *comp,
			    const u8 *image,
			    struct hostsig_page_digest *digests);
void hostsig_scrub_now(struct kvm *kvm, struct hostsig_component *comp);

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
u64 hostsig_args_kept_size(const struct hostsig_args *args);
u64 hostsig_args_retained_size(const struct hostsig_args *args);
u32 hostsig_record_header_len(u32 nr_regions);
long hostsig_capture(struct kvm *kvm, struct kvm_vcpu *vcpu,
		     struct hostsig_component *comp, bool first);
long hostsig_recapture(struct kvm *kvm, struct hostsig_component *comp);

/* ---- the ring (ring.c) --------------------------------------------------- */

struct hostsig_ring_slot {
	struct hostsig_record *rec;	/* the reserved record, contiguous */
	void *entry;			/* the ring's bookkeeping, opaque */
	u64 record_id;
};

int hostsig_ring_init(void);
void hostsig_ring_exit(void);
int hostsig_ring_reserve(u64 len, u64 component_id, u64 vm_id,
			 struct hostsig_ring_slot *slot);
void hostsig_ring_commit(struct hostsig_ring_slot *slot);
void hostsig_ring_abort(struct hostsig_ring_slot *slot);
void hostsig_ring_discard(u64 record_id);
bool hostsig_ring_is_consumer(void);
u64 hostsig_ring_used(void);
u64 hostsig_ring_vm_used(u64 vm_id);
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

/* ---- the hook (hook.c) ----------------------------------------------------- */

int hostsig_hook_init(void);
void hostsig_hook_exit(void);
const char *hostsig_hook_target(void);

#endif /* _HOSTSIG_H */
