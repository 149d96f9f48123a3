// SPDX-License-Identifier: GPL-2.0
/*
 * The component table: every component a guest registered, by id, with
 * its state machine
 *
 *   UNVERIFIED -> PENDING -> AUTHENTIC | NOT_AUTHENTIC | UNKNOWN
 *                               -> MODIFIED -> UNLOADED
 *
 * (UNVERIFIED while it is captured, PENDING until its record is answered,
 * UNKNOWN also when no verdict came in time; REVERIFY takes it back to
 * PENDING; any state ends in UNLOADED when the guest unregisters it or the
 * VM goes away).
 *
 * A component's state and everything else that changes lives under its
 * VM's lock. The id table (an xarray) is shared by all VMs and changes
 * under hostsig_table_lock. Components are reference counted (the table,
 * and whoever works on one without a lock) and freed by a work item, because
 * the last reference may go in the VM-destroy hook, where nothing may sleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "hostsig.h"

/* Visible components (live and kept unloaded) by id: hostsig_table_lock. */
static DEFINE_XARRAY(hostsig_comps);
static atomic64_t hostsig_last_comp_id;
static atomic64_t hostsig_live_comps;

/* How often pending components are checked for their verdict timeout. */
#define HOSTSIG_SWEEP_INTERVAL	(HZ / 2)
static void hostsig_sweep(struct work_struct *work);
static DECLARE_DELAYED_WORK(hostsig_sweeper, hostsig_sweep);

static void hostsig_comp_bury(struct work_struct *work);
static DECLARE_WORK(hostsig_comp_graveyard_work, hostsig_comp_bury);
static DEFINE_SPINLOCK(hostsig_comp_graveyard_lock);
static LIST_HEAD(hostsig_comp_graveyard);

/* ---- references ------------------------------------------------------------ */

struct hostsig_component *hostsig_comp_new(const struct hostsig_args *args,
					   struct kvm_vcpu *vcpu)
{
	struct hostsig_component *comp;
	u32 i;

	comp = hostsig_alloc(sizeof(*comp));
	if (!comp)
		return NULL;
	refcount_set(&comp->ref, 1);
	INIT_LIST_HEAD(&comp->vm_node);
	INIT_LIST_HEAD(&comp->tamper_node);
	INIT_LIST_HEAD(&comp->patch_node);
	INIT_LIST_HEAD(&comp->batch);
	INIT_LIST_HEAD(&comp->expire_node);
	comp->state = HOSTSIG_STATE_UNVERIFIED;
	comp->format = args->block.format;
	comp->arg_flags = args->block.flags;
	comp->vcpu_id = vcpu->vcpu_id;
	comp->load_base = args->block.load_base;
	comp->image_base = args->block.image_base;
	comp->size = args->total;
	comp->kept_size = hostsig_args_kept_size(args);
	memcpy(comp->name, args->block.name, sizeof(comp->name));
	comp->nr_spans = args->block.nr_regions;
	for (i = 0; i < comp->nr_spans; i++) {
		comp->spans[i].kind = args->regions[i].kind;
		comp->spans[i].tag = args->regions[i].tag;
		comp->spans[i].gva = args->regions[i].gva;
		comp->spans[i].len = args->regions[i].len;
	}
	comp->nr_gfns = args->nr_pages;
	comp->scrub_image_len = hostsig_scrub_image_len(comp);
	return comp;
}

void hostsig_comp_hold(struct hostsig_component *comp)
{
	refcount_inc(&comp->ref);
}

void hostsig_comp_put(struct hostsig_component *comp)
{
	if (!refcount_dec_and_test(&comp->ref))
		return;
	spin_lock(&hostsig_comp_graveyard_lock);
	list_add_tail(&comp->gone, &hostsig_comp_graveyard);
	spin_unlock(&hostsig_comp_graveyard_lock);
	schedule_work(&hostsig_comp_graveyard_work);
}

static void hostsig_comp_free(struct hostsig_component *comp)
{
	hostsig_scrub_image_free(comp, comp->scrub_image);
	hostsig_scrub_digests_free(comp, comp->scrub_digest);
	hostsig_track_release(comp);
	hostsig_free_large(comp->kept, comp->kept_len);
	hostsig_free_large(comp->gfns, comp->nr_gfns * sizeof(u64));
	if (comp->vm)
		hostsig_vm_put(comp->vm);
	hostsig_free(comp, sizeof(*comp));
}

static void hostsig_comp_bury(struct work_struct *work)
{
	struct hostsig_component *comp, *tmp;
	LIST_HEAD(comps);

	spin_lock(&hostsig_comp_graveyard_lock);
	list_splice_init(&hostsig_comp_graveyard, &comps);
	spin_unlock(&hostsig_comp_graveyard_lock);
	list_for_each_entry_safe(comp, tmp, &comps, gone)
		hostsig_comp_free(comp);
}

void hostsig_put_batch(struct list_head *victims)
{
	struct hostsig_component *comp, *tmp;

	list_for_each_entry_safe(comp, tmp, victims, batch) {
		list_del_init(&comp->batch);
		hostsig_comp_put(comp);
	}
}

/* ---- ids ---------------------------------------------------------------------- */

u64 hostsig_comp_next_id(void)
{
	return atomic64_inc_return(&hostsig_last_comp_id);
}

/* Room in the table for the component's id, before it is captured. */
int hostsig_comp_reserve_id(struct hostsig_component *comp)
{
	return xa_reserve(&hostsig_comps, comp->id, GFP_KERNEL_ACCOUNT) ?
	       -HOSTSIG_ENOMEM : 0;
}

void hostsig_comp_unreserve_id(struct hostsig_component *comp)
{
	xa_release(&hostsig_comps, comp->id);
}

/*
 * The first capture is committed: the component is visible from now on.
 * Called with hostsig_table_lock held; the id was reserved, so this cannot
 * need memory.
 */
void hostsig_comp_publish_locked(struct hostsig_component *comp)
{
	WARN_ON(xa_is_err(xa_store(&hostsig_comps, comp->id, comp, GFP_NOWAIT)));
	atomic64_inc(&hostsig_live_comps);
}

u64 hostsig_nr_comps(void)
{
	return atomic64_read(&hostsig_live_comps);
}

/* A visible component, with a reference; NULL if there is none. */
struct hostsig_component *hostsig_comp_lookup(u64 id)
{
	struct hostsig_component *comp;

	spin_lock(&hostsig_table_lock);
	comp = xa_load(&hostsig_comps, id);
	if (comp)
		hostsig_comp_hold(comp);
	spin_unlock(&hostsig_table_lock);
	return comp;
}

/*
 * The visible component with the lowest id at or above *id, with a
 * reference, its id in *id; NULL if there is none. For walks that sleep
 * between components (the integrity scrub).
 */
struct hostsig_component *hostsig_comp_next_ref(u64 *id)
{
	struct hostsig_component *comp;
	unsigned long index = *id;

	spin_lock(&hostsig_table_lock);
	comp = xa_find(&hostsig_comps, &index, ULONG_MAX, XA_PRESENT);
	if (comp) {
		hostsig_comp_hold(comp);
		*id = index;
	}
	spin_unlock(&hostsig_table_lock);
	return comp;
}

/*
 * Tracked pages of all visible components, aliases of one guest page
 * counted as often as they are tracked: what a scrub pass reads at most.
 */
u64 hostsig_comps_track_total(void)
{
	struct hostsig_component *comp;
	unsigned long index;
	u64 total = 0;

	spin_lock(&hostsig_table_lock);
	xa_for_each(&hostsig_comps, index, comp)
		total += comp->nr_track;
	spin_unlock(&hostsig_table_lock);
	return total;
}

/*
 * A component of this VM that it has not unloaded, with a reference; NULL
 * if there is none (another VM's ids answer the same as unknown ones).
 */
struct hostsig_component *hostsig_comp_of_vm(struct hostsig_vm *vm, u64 id)
{
	struct hostsig_component *comp;
	bool ok;

	if (!vm)
		return NULL;
	comp = hostsig_comp_lookup(id);
	if (!comp)
		return NULL;
	spin_lock(&vm->lock);
	ok = comp->vm == vm && comp->state != HOSTSIG_STATE_UNLOADED;
	spin_unlock(&vm->lock);
	if (ok)
		return comp;
	hostsig_comp_put(comp);
	return NULL;
}

/* ---- state -------------------------------------------------------------------- */

void hostsig_comp_info_locked(const struct hostsig_component *comp,
			      struct hostsig_comp_info *info)
{
	struct hostsig_policy policy;

	hostsig_vm_policy_locked(comp->vm, &policy);
	memset(info, 0, sizeof(*info));
	info->id = comp->id;
	info->vm_id = comp->vm->id;
	info->vmm_pid = comp->vm->vmm_pid;
	info->record_id = comp->record_id;
	info->format = comp->format;
	info->state = comp->state;
	info->decision = hostsig_decide(&policy, comp->state, comp->history);
	info->size = comp->size;
	info->load_base = comp->load_base;
	info->image_base = comp->image_base;
	info->registered_ns = comp->registered_ns;
	info->verdict_ns = comp->verdict_ns;
	info->modified_ns = comp->modified_ns;
	info->verdict = comp->verdict;
	info->verifications = comp->verifications;
	info->tampers = comp->tampers;
	info->patches = comp->patches;
	info->tamper_gpa = comp->tamper_gpa;
	info->history = comp->history;
	info->tracked_pages = comp->nr_track_on;
	info->digest_len = comp->digest_len;
	memcpy(info->name, comp->name, sizeof(info->name));
	memcpy(info->reason, comp->reason, sizeof(info->reason));
	memcpy(info->message, comp->message, sizeof(info->message));
	memcpy(info->digest, comp->digest, sizeof(info->digest));
	memcpy(info->digest_alg, comp->digest_alg, sizeof(info->digest_alg));
}

/* Tell the events group about the component as it is now. */
void hostsig_comp_notify(struct hostsig_component *comp,
			 enum hostsig_event event)
{
	struct hostsig_comp_info *info = kmalloc(sizeof(*info), GFP_KERNEL);

	if (!info) {
		hostsig_count(HOSTSIG_A_STATS_EVENTS_DROPPED);
		return;
	}
	spin_lock(&comp->vm->lock);
	hostsig_comp_info_locked(comp, info);
	spin_unlock(&comp->vm->lock);
	hostsig_notify_component(event, info, GFP_KERNEL);
	kfree(info);
}

/* The component no longer waits for a verdict: its bytes leave the quota. */
void hostsig_uncharge_locked(struct hostsig_component *comp)
{
	if (comp->pending_charged) {
		comp->vm->pending_bytes -= comp->size;
		comp->pending_charged = false;
	}
}

/*
 * The scrub's copy of the IMAGE bytes leaves the component (scrub.c), and
 * the VM's account if it was charged there. Called with the VM's lock held.
 */
u8 *hostsig_scrub_image_take_locked(struct hostsig_component *comp)
{
	u8 *image = comp->scrub_image;

	comp->scrub_image = NULL;
	if (comp->scrub_image_charged) {
		comp->retained -= comp->scrub_image_len;
		comp->vm->retained_bytes -= comp->scrub_image_len;
		comp->scrub_image_charged = false;
	}
	return image;
}

/*
 * The copy of a record whose verdict is overdue stays for a late verdict
 * only if the VM's memory cap has room for it (unloaded components kept
 * for inspection are forgotten to make it), charged there: the pending
 * quota no longer counts it, and a daemon that answers nothing must not
 * let a VM keep a copy per component. Without the copy a late verdict
 * other than NOT_AUTHENTIC is refused (hostsig_verdict_check_locked()):
 * a component that may be allowed is always one the scrub can check.
 */
static void hostsig_expire_image_locked(struct hostsig_component *comp, u8 **drop,
					struct list_head *victims)
{
	u64 max_retained = (u64)READ_ONCE(hostsig_vm_max_retained_mib) << 20;
	struct hostsig_vm *vm = comp->vm;

	if (!comp->scrub_image || comp->scrub_image_charged)
		return;
	if (hostsig_make_room_locked(vm, comp->scrub_image_len, max_retained,
				     victims)) {
		comp->retained += comp->scrub_image_len;
		vm->retained_bytes += comp->scrub_image_len;
		comp->scrub_image_charged = true;
		return;
	}
	*drop = hostsig_scrub_image_take_locked(comp);
}

/*
 * A PENDING component whose verdict is overdue becomes UNKNOWN. A verdict
 * that comes later for the same record is still taken, unless the guest
 * wrote to the component since (hostsig_unjudged_write_locked()), or it
 * is not NOT_AUTHENTIC and the copy could not be kept: then *@drop is that copy,
 * for the caller to free (hostsig_scrub_image_free()) once the locks are
 * dropped, and to put @victims (unloaded components forgotten to make
 * room). Called with hostsig_table_lock and the VM's lock held.
 */
bool hostsig_expire_locked(struct hostsig_component *comp, u64 now, u8 **drop,
			   struct list_head *victims)
{
	struct hostsig_policy policy;

	hostsig_vm_policy_locked(comp->vm, &policy);
	if (comp->state != HOSTSIG_STATE_PENDING || !policy.timeout_ms ||
	    now - comp->pending_since < (u64)policy.timeout_ms * NSEC_PER_MSEC)
		return false;
	comp->state = HOSTSIG_STATE_UNKNOWN;
	comp->verdict = HOSTSIG_VERDICT_UNKNOWN;
	comp->verdict_ns = ktime_get_real_ns();
	strscpy(comp->reason, "timeout", sizeof(comp->reason));
	snprintf(comp->message, sizeof(comp->message),
		 "no verdict within %u ms", policy.timeout_ms);
	comp->digest_len = 0;
	comp->digest_alg[0] = '\0';
	hostsig_uncharge_locked(comp);
	hostsig_expire_image_locked(comp, drop, victims);
	hostsig_count(HOSTSIG_A_STATS_TIMEOUTS);
	return true;
}

/*
 * Take a component out of the id table; the caller puts the table's
 * reference. The host memory it holds leaves its VM's account now: nothing
 * reaches the component through the VM any more, and it is freed as soon
 * as its last user lets go.
 */
static void hostsig_comp_unlist_locked(struct hostsig_component *comp)
{
	xa_erase(&hostsig_comps, comp->id);
	list_del_init(&comp->vm_node);
	comp->vm->retained_bytes -= comp->retained;
	comp->retained = 0;
	comp->scrub_image_charged = false;
}

/* Forget the oldest unloaded component kept for inspection, onto victims. */
static void hostsig_evict_oldest_locked(struct hostsig_vm *vm,
					struct list_head *victims)
{
	struct hostsig_component *old;

	old = list_first_entry(&vm->unloaded, struct hostsig_component, vm_node);
	hostsig_comp_unlist_locked(old);
	vm->nr_unloaded--;
	list_add_tail(&old->batch, victims);
}

/*
 * Whether the VM's components may hold @need more bytes within @max,
 * forgetting unloaded components kept for inspection, oldest first, to
 * make the room, but only when that is enough: a request that is refused
 * anyway forgets nothing. The caller puts victims after unlocking. Called
 * with hostsig_table_lock and the VM's lock held; walks the kept unloaded
 * components (at most keep_unloaded) only when room is short.
 */
bool hostsig_make_room_locked(struct hostsig_vm *vm, u64 need, u64 max,
			      struct list_head *victims)
{
	struct hostsig_component *comp;
	u64 unloaded = 0;

	if (need > max)
		return false;
	if (vm->retained_bytes + need <= max)
		return true;
	list_for_each_entry(comp, &vm->unloaded, vm_node)
		unloaded += comp->retained;
	if (vm->retained_bytes - unloaded + need > max)
		return false;
	while (vm->retained_bytes + need > max && vm->nr_unloaded)
		hostsig_evict_oldest_locked(vm, victims);
	return vm->retained_bytes + need <= max;
}

/*
 * Unload a component: keep it for inspection, and drop the oldest kept
 * ones beyond keep_unloaded onto victims (the caller puts them after
 * unlocking). Returns the record to discard, or 0. Called with
 * hostsig_table_lock and the VM's lock held.
 */
u64 hostsig_unload_locked(struct hostsig_component *comp,
			  struct list_head *victims)
{
	struct hostsig_vm *vm = comp->vm;
	/* Answered or not: the consumer has nothing more to do with it. */
	u64 record = comp->record_id;

	hostsig_uncharge_locked(comp);
	comp->state = HOSTSIG_STATE_UNLOADED;
	vm->nr_live--;
	atomic64_dec(&hostsig_live_comps);
	list_move_tail(&comp->vm_node, &vm->unloaded);
	vm->nr_unloaded++;
	while (vm->nr_unloaded > READ_ONCE(hostsig_keep_unloaded))
		hostsig_evict_oldest_locked(vm, victims);
	return record;
}

/*
 * The VM goes (destroyed, or hostsig unloads): every component of it out
 * of the table, UNLOADED, its record discarded, onto victims (the caller
 * ends or abandons KVM's tracking, then puts them). Must not sleep, and
 * takes time in proportion to the number of components only. Called with
 * hostsig_table_lock and the VM's lock held.
 */
void hostsig_retire_comps_locked(struct hostsig_vm *vm,
				 struct list_head *victims)
{
	struct list_head *lists[] = { &vm->live, &vm->unloaded };
	struct hostsig_component *comp, *tmp;
	int i;

	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		list_for_each_entry_safe(comp, tmp, lists[i], vm_node) {
			/* Answered or not, nobody needs it any more. */
			if (comp->record_id)
				hostsig_ring_discard(comp->record_id);
			hostsig_uncharge_locked(comp);
			if (comp->state != HOSTSIG_STATE_UNLOADED)
				atomic64_dec(&hostsig_live_comps);
			comp->state = HOSTSIG_STATE_UNLOADED;
			if (vm->dead)
				hostsig_track_abandon_locked(comp);
			hostsig_comp_unlist_locked(comp);
			list_add_tail(&comp->batch, victims);
		}
	}
	vm->nr_live = 0;
	vm->nr_unloaded = 0;
}

/* ---- netlink's side ---------------------------------------------------------- */

int hostsig_comp_get(u64 id, struct hostsig_comp_info *info)
{
	struct hostsig_component *comp = hostsig_comp_lookup(id);
	int ret = -ENOENT;

	if (!comp)
		return ret;
	spin_lock(&comp->vm->lock);
	if (comp->state != HOSTSIG_STATE_UNVERIFIED) {
		hostsig_comp_info_locked(comp, info);
		ret = 0;
	}
	spin_unlock(&comp->vm->lock);
	hostsig_comp_put(comp);
	return ret;
}

int hostsig_comp_next(u64 *id, u64 vm_id, struct hostsig_comp_info *info)
{
	struct hostsig_component *comp;
	unsigned long index;
	int ret = -ENOENT;

	spin_lock(&hostsig_table_lock);
	xa_for_each_start(&hostsig_comps, index, comp, *id) {
		if (vm_id && comp->vm->id != vm_id)
			continue;
		spin_lock(&comp->vm->lock);
		if (comp->state != HOSTSIG_STATE_UNVERIFIED) {
			hostsig_comp_info_locked(comp, info);
			*id = index;
			ret = 0;
		}
		spin_unlock(&comp->vm->lock);
		if (!ret)
			break;
	}
	spin_unlock(&hostsig_table_lock);
	return ret;
}

/* ---- verdict timeouts ---------------------------------------------------------- */

static void hostsig_sweep(struct work_struct *work)
{
	struct hostsig_component *comp, *tmp;
	u64 now = ktime_get_boottime_ns();
	unsigned long index;
	LIST_HEAD(expired);
	LIST_HEAD(victims);

	spin_lock(&hostsig_table_lock);
	xa_for_each(&hostsig_comps, index, comp) {
		u8 *drop = NULL;

		spin_lock(&comp->vm->lock);
		if (hostsig_expire_locked(comp, now, &drop, &victims)) {
			hostsig_comp_hold(comp);
			/*
			 * Not comp->batch: an eviction or a VM's end may put
			 * the component on its own list once the locks go.
			 */
			list_add_tail(&comp->expire_node, &expired);
			/* Freed below, out of the locks. */
			comp->scrub_drop = drop;
		}
		spin_unlock(&comp->vm->lock);
	}
	spin_unlock(&hostsig_table_lock);
	hostsig_put_batch(&victims);

	list_for_each_entry_safe(comp, tmp, &expired, expire_node) {
		list_del_init(&comp->expire_node);
		hostsig_scrub_image_free(comp, comp->scrub_drop);
		comp->scrub_drop = NULL;
		hostsig_comp_notify(comp, HOSTSIG_EVENT_TIMEOUT);
		hostsig_comp_put(comp);
	}
	schedule_delayed_work(&hostsig_sweeper, HOSTSIG_SWEEP_INTERVAL);
}

/* ---- setup ------------------------------------------------------------------------- */

/*
 * Component ids continue across module loads: each load starts from the
 * wall clock in microseconds, above the ids of the previous load unless
 * that one handed out more than one id per microsecond of its life (far
 * beyond what the REGISTER rate limits allow) or the clock went back. So
 * an UNREGISTER or QUERY a guest kept from before a reload cannot reach a
 * component registered after it. The ids stay below 2^53 for centuries,
 * exact for JSON readers.
 */
int hostsig_components_init(void)
{
	atomic64_set(&hostsig_last_comp_id,
		     div_u64(ktime_get_real_ns(), NSEC_PER_USEC));
	schedule_delayed_work(&hostsig_sweeper, HOSTSIG_SWEEP_INTERVAL);
	return hostsig_track_init();
}

/*
 * Module unload: no hypercall or netlink request runs any more, and the
 * VMs are gone from the table (hostsig_vms_exit()). Finish the reactions
 * and free what is left.
 */
void hostsig_components_exit(void)
{
	cancel_delayed_work_sync(&hostsig_sweeper);
	hostsig_track_exit();
	flush_work(&hostsig_comp_graveyard_work);
	hostsig_vms_flush();
	WARN_ON(!xa_empty(&hostsig_comps));
}
