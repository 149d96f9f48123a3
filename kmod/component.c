// SPDX-License-Identifier: GPL-2.0
/*
 * The component table: every component a guest registered, per VM, with its
 * state machine
 *
 *   UNVERIFIED -> PENDING -> AUTHENTIC | NOT_AUTHENTIC | UNKNOWN
 *                               -> MODIFIED -> UNLOADED
 *
 * (UNVERIFIED while it is captured, PENDING until its record is answered,
 * UNKNOWN also when no verdict came in time; REVERIFY takes it back to
 * PENDING; any state ends in UNLOADED when the guest unregisters it or the
 * VM goes away).
 *
 * Lifetime: struct hostsig_vm is created at a VM's first REGISTER and lives
 * in the table until kvm_destroy_vm() begins (vm.c calls
 * hostsig_vm_destroyed()), which cannot happen while a vCPU runs, so the
 * hypercall paths use it without a reference. Anything that needs the
 * struct kvm outside a vCPU (quarantine, re-verification) takes one with
 * kvm_get_kvm_safe() under hostsig_lock, where a VM that is being destroyed
 * is marked dead first. Components and VMs are reference counted and freed
 * by a work item (the graveyard), because the last reference may go in the
 * VM-destroy hook, where nothing may sleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "hostsig.h"

DEFINE_SPINLOCK(hostsig_lock);

/* VMs by struct kvm, and in order of their ids. */
static DEFINE_HASHTABLE(hostsig_vms, 6);
static LIST_HEAD(hostsig_vm_list);
static u64 hostsig_last_vm_id;
static u32 hostsig_nr_vms;

/* Visible components (live and kept unloaded) by id. */
static DEFINE_XARRAY(hostsig_comps);
static atomic64_t hostsig_last_comp_id;
static u32 hostsig_nr_comps;		/* live ones */

/* How often pending components are checked for their verdict timeout. */
#define HOSTSIG_SWEEP_INTERVAL	(HZ / 2)
static void hostsig_sweep(struct work_struct *work);
static DECLARE_DELAYED_WORK(hostsig_sweeper, hostsig_sweep);

static void hostsig_bury(struct work_struct *work);
static DECLARE_WORK(hostsig_graveyard_work, hostsig_bury);
static DEFINE_SPINLOCK(hostsig_graveyard_lock);
static LIST_HEAD(hostsig_graveyard_comps);
static LIST_HEAD(hostsig_graveyard_vms);

/* ---- references ------------------------------------------------------------ */

static void hostsig_vm_put(struct hostsig_vm *vm)
{
	if (!refcount_dec_and_test(&vm->ref))
		return;
	spin_lock(&hostsig_graveyard_lock);
	list_add_tail(&vm->gone, &hostsig_graveyard_vms);
	spin_unlock(&hostsig_graveyard_lock);
	schedule_work(&hostsig_graveyard_work);
}

void hostsig_comp_hold(struct hostsig_component *comp)
{
	refcount_inc(&comp->ref);
}

void hostsig_comp_put(struct hostsig_component *comp)
{
	if (!refcount_dec_and_test(&comp->ref))
		return;
	spin_lock(&hostsig_graveyard_lock);
	list_add_tail(&comp->gone, &hostsig_graveyard_comps);
	spin_unlock(&hostsig_graveyard_lock);
	schedule_work(&hostsig_graveyard_work);
}

static void hostsig_comp_free(struct hostsig_component *comp)
{
	hostsig_track_release(comp);
	hostsig_free_large(comp->kept, comp->kept_len);
	hostsig_free_large(comp->gfns, comp->nr_gfns * sizeof(u64));
	if (comp->vm)
		hostsig_vm_put(comp->vm);
	hostsig_free(comp, sizeof(*comp));
}

static void hostsig_bury(struct work_struct *work)
{
	struct hostsig_component *comp, *ctmp;
	struct hostsig_vm *vm, *vtmp;
	LIST_HEAD(comps);
	LIST_HEAD(vms);

	/* Freeing components can put their VMs on the graveyard: loop. */
	for (;;) {
		spin_lock(&hostsig_graveyard_lock);
		list_splice_init(&hostsig_graveyard_comps, &comps);
		list_splice_init(&hostsig_graveyard_vms, &vms);
		spin_unlock(&hostsig_graveyard_lock);
		if (list_empty(&comps) && list_empty(&vms))
			break;
		list_for_each_entry_safe(comp, ctmp, &comps, gone)
			hostsig_comp_free(comp);
		INIT_LIST_HEAD(&comps);
		list_for_each_entry_safe(vm, vtmp, &vms, gone)
			hostsig_free(vm, sizeof(*vm));
		INIT_LIST_HEAD(&vms);
	}
}

/* ---- VMs ------------------------------------------------------------------- */

static struct hostsig_vm *hostsig_vm_lookup_locked(struct kvm *kvm)
{
	struct hostsig_vm *vm;

	hash_for_each_possible(hostsig_vms, vm, hnode, (unsigned long)kvm)
		if (vm->kvm == kvm && !vm->dead)
			return vm;
	return NULL;
}

static struct hostsig_vm *hostsig_vm_by_id_locked(u64 id)
{
	struct hostsig_vm *vm;

	list_for_each_entry(vm, &hostsig_vm_list, node)
		if (vm->id == id)
			return vm;
	return NULL;
}

/* The VM of a vCPU, created at its first REGISTER. */
static struct hostsig_vm *hostsig_vm_of(struct kvm_vcpu *vcpu)
{
	struct hostsig_vm *vm, *found;

	spin_lock(&hostsig_lock);
	found = hostsig_vm_lookup_locked(vcpu->kvm);
	spin_unlock(&hostsig_lock);
	if (found)
		return found;

	vm = hostsig_alloc(sizeof(*vm));
	if (!vm)
		return NULL;
	vm->kvm = vcpu->kvm;
	vm->vmm_pid = task_tgid_nr(current);
	refcount_set(&vm->ref, 1);
	INIT_LIST_HEAD(&vm->live);
	INIT_LIST_HEAD(&vm->unloaded);

	spin_lock(&hostsig_lock);
	/* Another vCPU of the same VM may have been first. */
	found = hostsig_vm_lookup_locked(vcpu->kvm);
	if (!found) {
		vm->id = ++hostsig_last_vm_id;
		hash_add(hostsig_vms, &vm->hnode, (unsigned long)vm->kvm);
		list_add_tail(&vm->node, &hostsig_vm_list);
		hostsig_nr_vms++;
	}
	spin_unlock(&hostsig_lock);
	if (found) {
		hostsig_free(vm, sizeof(*vm));
		return found;
	}
	return vm;
}

const struct hostsig_policy *
hostsig_vm_policy_locked(const struct hostsig_vm *vm)
{
	return vm->has_policy ? &vm->policy : &hostsig_default_policy;
}

static void hostsig_vm_info_locked(const struct hostsig_vm *vm,
				   struct hostsig_vm_info *info)
{
	info->id = vm->id;
	info->vmm_pid = vm->vmm_pid;
	info->components = vm->nr_live;
	info->pending_bytes = vm->pending_bytes;
	info->registered = vm->registered;
	info->refused = vm->refused;
	info->quarantined = vm->quarantined;
	info->has_policy = vm->has_policy;
}

/*
 * Stop every vCPU of the VM for good; its memory stays for forensics.
 * The event names the component that caused it (@cause, its state then)
 * when there is one. Called without locks; takes a reference on the VM
 * for the duration.
 */
void hostsig_quarantine(struct hostsig_vm *vm,
			const struct hostsig_comp_info *cause)
{
	struct kvm *kvm = NULL;

	spin_lock(&hostsig_lock);
	if (!vm->dead && kvm_get_kvm_safe(vm->kvm))
		kvm = vm->kvm;
	spin_unlock(&hostsig_lock);
	if (!kvm)
		return;
	kvm_vm_dead(kvm);
	pr_warn("VM %llu (VMM pid %d) quarantined: all vCPUs stopped\n",
		vm->id, vm->vmm_pid);
	hostsig_count(HOSTSIG_A_STATS_QUARANTINES);
	if (cause)
		hostsig_notify_component(HOSTSIG_EVENT_QUARANTINE, cause,
					 GFP_KERNEL);
	else
		hostsig_notify_vm(HOSTSIG_EVENT_QUARANTINE, vm->id, GFP_KERNEL);
	/* May destroy the VM (and call hostsig_vm_destroyed()). */
	kvm_put_kvm(kvm);
}

/* ---- components: state ------------------------------------------------------- */

void hostsig_comp_info_locked(const struct hostsig_component *comp,
			      struct hostsig_comp_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = comp->id;
	info->vm_id = comp->vm->id;
	info->vmm_pid = comp->vm->vmm_pid;
	info->record_id = comp->record_id;
	info->format = comp->format;
	info->state = comp->state;
	info->decision = hostsig_decide(hostsig_vm_policy_locked(comp->vm),
					comp->state, comp->history);
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

/* The component no longer waits for a verdict: its bytes leave the quota. */
static void hostsig_uncharge_locked(struct hostsig_component *comp)
{
	if (comp->pending_charged) {
		comp->vm->pending_bytes -= comp->size;
		comp->pending_charged = false;
	}
}

/*
 * A PENDING component whose verdict is overdue becomes UNKNOWN. A verdict
 * that comes later for the same record is still taken, unless the guest
 * wrote to the component since (hostsig_unjudged_write_locked()).
 */
static bool hostsig_expire_locked(struct hostsig_component *comp, u64 now)
{
	const struct hostsig_policy *policy = hostsig_vm_policy_locked(comp->vm);

	if (comp->state != HOSTSIG_STATE_PENDING || !policy->timeout_ms ||
	    now - comp->pending_since < (u64)policy->timeout_ms * NSEC_PER_MSEC)
		return false;
	comp->state = HOSTSIG_STATE_UNKNOWN;
	comp->verdict = HOSTSIG_VERDICT_UNKNOWN;
	comp->verdict_ns = ktime_get_real_ns();
	strscpy(comp->reason, "timeout", sizeof(comp->reason));
	snprintf(comp->message, sizeof(comp->message),
		 "no verdict within %u ms", policy->timeout_ms);
	comp->digest_len = 0;
	comp->digest_alg[0] = '\0';
	hostsig_uncharge_locked(comp);
	hostsig_count(HOSTSIG_A_STATS_TIMEOUTS);
	return true;
}

/* Visible components of this VM only; unloaded ones answer ENOENT. */
static struct hostsig_component *
hostsig_comp_of_vm_locked(struct hostsig_vm *vm, u64 id)
{
	struct hostsig_component *comp = xa_load(&hostsig_comps, id);

	if (!vm || !comp || comp->vm != vm ||
	    comp->state == HOSTSIG_STATE_UNLOADED)
		return NULL;
	return comp;
}

/* Take a component out of the table; the caller puts the table's reference. */
static void hostsig_comp_unlist_locked(struct hostsig_component *comp)
{
	xa_erase(&hostsig_comps, comp->id);
	list_del(&comp->vm_node);
}

/*
 * Unload a component: discard the record it waits for, keep it for
 * inspection, and drop the oldest kept ones beyond keep_unloaded onto
 * victims (the caller puts them after unlocking). Returns the record to
 * discard, or 0.
 */
static u64 hostsig_unload_locked(struct hostsig_component *comp,
				 struct list_head *victims)
{
	struct hostsig_vm *vm = comp->vm;
	/* Answered or not: the consumer has nothing more to do with it. */
	u64 record = comp->record_id;

	hostsig_uncharge_locked(comp);
	comp->state = HOSTSIG_STATE_UNLOADED;
	vm->nr_live--;
	hostsig_nr_comps--;
	list_move_tail(&comp->vm_node, &vm->unloaded);
	vm->nr_unloaded++;
	while (vm->nr_unloaded > READ_ONCE(hostsig_keep_unloaded)) {
		struct hostsig_component *old;

		old = list_first_entry(&vm->unloaded, struct hostsig_component,
				       vm_node);
		hostsig_comp_unlist_locked(old);
		vm->nr_unloaded--;
		list_add_tail(&old->batch, victims);
	}
	return record;
}

static void hostsig_put_batch(struct list_head *victims)
{
	struct hostsig_component *comp, *tmp;

	list_for_each_entry_safe(comp, tmp, victims, batch) {
		list_del(&comp->batch);
		hostsig_comp_put(comp);
	}
}

/* ---- REGISTER ---------------------------------------------------------------- */

static struct hostsig_component *
hostsig_comp_new(const struct hostsig_args *args, struct kvm_vcpu *vcpu)
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
	mutex_init(&comp->track_mutex);
	comp->state = HOSTSIG_STATE_UNVERIFIED;
	comp->format = args->block.format;
	comp->arg_flags = args->block.flags;
	comp->vcpu_id = vcpu->vcpu_id;
	comp->load_base = args->block.load_base;
	comp->image_base = args->block.image_base;
	comp->size = args->total;
	memcpy(comp->name, args->block.name, sizeof(comp->name));
	comp->nr_spans = args->block.nr_regions;
	for (i = 0; i < comp->nr_spans; i++) {
		comp->spans[i].kind = args->regions[i].kind;
		comp->spans[i].tag = args->regions[i].tag;
		comp->spans[i].gva = args->regions[i].gva;
		comp->spans[i].len = args->regions[i].len;
	}
	comp->nr_gfns = args->nr_pages;
	return comp;
}

/* Check the VM's quotas and charge the component to them. */
static long hostsig_charge(struct hostsig_vm *vm, struct hostsig_component *comp)
{
	u32 rate = READ_ONCE(hostsig_vm_register_rate);
	u64 now = ktime_get_boottime_ns();
	long ret = -HOSTSIG_EQUOTA;

	spin_lock(&hostsig_lock);
	if (vm->nr_live >= READ_ONCE(hostsig_vm_max_components))
		goto out;
	if (vm->pending_bytes + comp->size >
	    (u64)READ_ONCE(hostsig_vm_max_pending_mib) << 20)
		goto out;
	if (rate) {
		/* Generic cell rate algorithm: one REGISTER costs 1/rate s. */
		u64 cost = NSEC_PER_SEC / rate;
		u64 burst = max(READ_ONCE(hostsig_vm_register_burst), 1U);
		u64 tat = max(vm->rate_tat_ns, now);

		if (tat - now > (burst - 1) * cost)
			goto out;
		vm->rate_tat_ns = tat + cost;
	}
	vm->nr_live++;
	vm->pending_bytes += comp->size;
	comp->pending_charged = true;
	refcount_inc(&vm->ref);
	comp->vm = vm;
	/* On the VM's list from now on, so that writes to it are seen. */
	list_add_tail(&comp->vm_node, &vm->live);
	ret = 0;
out:
	spin_unlock(&hostsig_lock);
	return ret;
}

static void hostsig_uncharge(struct hostsig_component *comp)
{
	spin_lock(&hostsig_lock);
	hostsig_uncharge_locked(comp);
	comp->vm->nr_live--;
	list_del_init(&comp->vm_node);
	spin_unlock(&hostsig_lock);
}

static long hostsig_ring_error(int err, struct hostsig_component *comp)
{
	struct hostsig_comp_info *info;

	switch (err) {
	case -EAGAIN:
		hostsig_count(HOSTSIG_A_STATS_REFUSED_RING_FULL);
		info = kmalloc(sizeof(*info), GFP_KERNEL);
		if (info) {
			spin_lock(&hostsig_lock);
			hostsig_comp_info_locked(comp, info);
			spin_unlock(&hostsig_lock);
			hostsig_notify_component(HOSTSIG_EVENT_RING_FULL, info,
						 GFP_KERNEL);
			kfree(info);
		}
		return -HOSTSIG_EAGAIN;
	case -E2BIG:
		return -HOSTSIG_E2BIG;
	default:
		return -HOSTSIG_ENOMEM;
	}
}

static void hostsig_fill_record(struct hostsig_record *rec,
				const struct hostsig_component *comp)
{
	rec->component_id = comp->id;
	rec->vm_id = comp->vm->id;
	rec->vmm_pid = comp->vm->vmm_pid;
	rec->vcpu_id = comp->vcpu_id;
	rec->format = comp->format;
	rec->load_base = comp->load_base;
	rec->image_base = comp->image_base;
	rec->arg_flags = comp->arg_flags;
	memcpy(rec->name, comp->name, sizeof(rec->name));
}

/*
 * Capture the component into a new ring record and make it wait for that
 * record's verdict. At REGISTER (first) the component also enters the
 * table, and keeps the bytes of the regions the guest frees after the
 * load (hostsig_keep_regions()). The component becomes PENDING before the
 * record is committed, so that a verdict can never arrive for a record the
 * component does not know.
 */
static long hostsig_capture(struct kvm *kvm, struct kvm_vcpu *vcpu,
			    struct hostsig_component *comp, bool first)
{
	struct hostsig_comp_info *info;
	struct hostsig_ring_slot slot;
	u64 old_record = 0, seq;
	bool stop = false, released, released_now;
	long ret;
	int err;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -HOSTSIG_ENOMEM;
	err = hostsig_ring_reserve(hostsig_record_header_len(comp->nr_spans) +
				   comp->size, comp->id, &slot);
	if (err) {
		ret = hostsig_ring_error(err, comp);
		goto out;
	}
	hostsig_fill_record(slot.rec, comp);
	/* Writes from here on are not in this copy. */
	spin_lock(&hostsig_lock);
	seq = comp->write_seq;
	released = comp->init_released;
	spin_unlock(&hostsig_lock);
	ret = hostsig_copy_pages(kvm, vcpu, comp, slot.rec, released);
	if (!ret && first)
		ret = hostsig_keep_regions(comp, slot.rec);
	spin_lock(&hostsig_lock);
	released_now = comp->init_released;
	spin_unlock(&hostsig_lock);
	if (!ret && released_now != released)
		hostsig_copy_kept_init(comp, slot.rec);
	if (ret) {
		hostsig_ring_abort(&slot);
		goto out;
	}

	spin_lock(&hostsig_lock);
	if (!first && comp->state == HOSTSIG_STATE_UNLOADED) {
		/* Unregistered, or its VM left, while we copied. */
		spin_unlock(&hostsig_lock);
		hostsig_ring_abort(&slot);
		ret = -HOSTSIG_ENOENT;
		goto out;
	}
	if (first) {
		/* The slot was reserved: this cannot need memory. */
		WARN_ON(xa_is_err(xa_store(&hostsig_comps, comp->id, comp,
					   GFP_NOWAIT)));
		hostsig_nr_comps++;
		comp->vm->registered++;
		comp->registered_ns = ktime_get_real_ns();
		comp->first_record_id = slot.record_id;
	} else {
		if (comp->load_verified)
			slot.rec->arg_flags |= HOSTSIG_REC_F_LOAD_VERIFIED;
		if (comp->record_id && !comp->answered)
			old_record = comp->record_id;
		if (!comp->pending_charged) {
			comp->vm->pending_bytes += comp->size;
			comp->pending_charged = true;
		}
	}
	/* A modified component stays so until the new record's verdict. */
	if (comp->state != HOSTSIG_STATE_MODIFIED)
		comp->state = HOSTSIG_STATE_PENDING;
	comp->record_id = slot.record_id;
	comp->record_seq = seq;
	comp->answered = false;
	comp->verifications++;
	comp->pending_since = ktime_get_boottime_ns();
	if (comp->dirty) {
		/* Written to while we copied it: this copy proves nothing. */
		comp->dirty = false;
		if (!hostsig_unjudged_write_locked(comp))
			stop = hostsig_tamper_locked(comp);
	}
	hostsig_comp_info_locked(comp, info);
	spin_unlock(&hostsig_lock);
	/* Quarantine decided: the reaction announces it. */
	if (stop)
		kvm_vm_dead(kvm);

	hostsig_ring_commit(&slot);
	if (old_record)
		hostsig_ring_discard(old_record);
	hostsig_notify_component(first ? HOSTSIG_EVENT_REGISTERED :
					 HOSTSIG_EVENT_REVERIFY, info, GFP_KERNEL);
	ret = 0;
out:
	kfree(info);
	return ret;
}

static void hostsig_count_refusal(struct hostsig_vm *vm, long ret)
{
	static const enum hostsig_stats_attr counter[] = {
		[HOSTSIG_EINVAL - HOSTSIG_EBASE] = HOSTSIG_A_STATS_REFUSED_INVAL,
		[HOSTSIG_EFAULT - HOSTSIG_EBASE] = HOSTSIG_A_STATS_REFUSED_FAULT,
		[HOSTSIG_E2BIG - HOSTSIG_EBASE] = HOSTSIG_A_STATS_REFUSED_2BIG,
		[HOSTSIG_EQUOTA - HOSTSIG_EBASE] = HOSTSIG_A_STATS_REFUSED_QUOTA,
		[HOSTSIG_ENOMEM - HOSTSIG_EBASE] = HOSTSIG_A_STATS_REFUSED_NOMEM,
		[HOSTSIG_ENOTSUPP - HOSTSIG_EBASE] = HOSTSIG_A_STATS_REFUSED_NOTSUPP,
	};
	long code = -ret - HOSTSIG_EBASE;

	/* EAGAIN (ring full) was counted where it happened. */
	if (code >= 0 && code < ARRAY_SIZE(counter) && counter[code])
		hostsig_count(counter[code]);
	if (vm) {
		spin_lock(&hostsig_lock);
		vm->refused++;
		spin_unlock(&hostsig_lock);
	}
}

long hostsig_register(struct kvm_vcpu *vcpu, u64 argblock_gva, u64 argblock_len)
{
	struct hostsig_component *comp = NULL;
	struct hostsig_vm *vm = NULL;
	struct hostsig_args *args;
	bool charged = false;
	long ret;

	/* First, so that the VM's refusals are counted from the first. */
	vm = hostsig_vm_of(vcpu);
	args = kmalloc(sizeof(*args), GFP_KERNEL_ACCOUNT);
	if (!vm || !args) {
		ret = -HOSTSIG_ENOMEM;
		goto refused;
	}
	ret = hostsig_fetch_args(vcpu, argblock_gva, argblock_len, args);
	if (ret)
		goto refused;
	comp = hostsig_comp_new(args, vcpu);
	if (!comp) {
		ret = -HOSTSIG_ENOMEM;
		goto refused;
	}
	ret = hostsig_translate(vcpu, comp);
	if (!ret)
		ret = hostsig_track_prepare(comp);
	if (ret)
		goto refused;
	ret = hostsig_charge(vm, comp);
	if (ret)
		goto refused;
	charged = true;
	comp->id = atomic64_inc_return(&hostsig_last_comp_id);
	if (xa_reserve(&hostsig_comps, comp->id, GFP_KERNEL_ACCOUNT)) {
		ret = -HOSTSIG_ENOMEM;
		goto refused;
	}
	/* Tracked before it is read: nothing changes unseen after the copy. */
	ret = hostsig_track_start(vm, comp);
	if (!ret)
		ret = hostsig_capture(vcpu->kvm, vcpu, comp, true);
	if (ret) {
		hostsig_track_stop(vcpu->kvm, comp);
		xa_release(&hostsig_comps, comp->id);
		goto refused;
	}
	kfree(args);
	hostsig_count(HOSTSIG_A_STATS_REGISTERED);
	return comp->id;

refused:
	if (charged)
		hostsig_uncharge(comp);
	if (comp)
		hostsig_comp_put(comp);
	kfree(args);
	hostsig_count_refusal(vm, ret);
	return ret;
}

/* ---- QUERY, UNREGISTER -------------------------------------------------------- */

long hostsig_query(struct kvm_vcpu *vcpu, u64 id)
{
	struct hostsig_component *comp;
	struct hostsig_comp_info *info = NULL;
	enum hostsig_decision decision;
	bool expired;
	long ret;

	hostsig_count(HOSTSIG_A_STATS_QUERIES);
	spin_lock(&hostsig_lock);
	comp = hostsig_comp_of_vm_locked(hostsig_vm_lookup_locked(vcpu->kvm), id);
	if (!comp) {
		spin_unlock(&hostsig_lock);
		hostsig_count(HOSTSIG_A_STATS_QUERY_UNKNOWN_ID);
		return -HOSTSIG_ENOENT;
	}
	expired = hostsig_expire_locked(comp, ktime_get_boottime_ns());
	decision = hostsig_decide(hostsig_vm_policy_locked(comp->vm), comp->state,
				  comp->history);
	ret = ((long)comp->state << 8) | decision;
	if (expired) {
		info = kmalloc(sizeof(*info), GFP_ATOMIC);
		if (info)
			hostsig_comp_info_locked(comp, info);
	}
	spin_unlock(&hostsig_lock);
	if (info) {
		hostsig_notify_component(HOSTSIG_EVENT_TIMEOUT, info, GFP_KERNEL);
		kfree(info);
	}
	return ret;
}

long hostsig_unregister(struct kvm_vcpu *vcpu, u64 id)
{
	struct hostsig_component *comp;
	struct hostsig_comp_info *info;
	LIST_HEAD(victims);
	u64 record;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	spin_lock(&hostsig_lock);
	comp = hostsig_comp_of_vm_locked(hostsig_vm_lookup_locked(vcpu->kvm), id);
	if (!comp) {
		spin_unlock(&hostsig_lock);
		kfree(info);
		hostsig_count(HOSTSIG_A_STATS_QUERY_UNKNOWN_ID);
		return -HOSTSIG_ENOENT;
	}
	record = hostsig_unload_locked(comp, &victims);
	hostsig_comp_hold(comp);
	spin_unlock(&hostsig_lock);

	if (record)
		hostsig_ring_discard(record);
	mutex_lock(&comp->track_mutex);
	hostsig_track_stop(vcpu->kvm, comp);
	mutex_unlock(&comp->track_mutex);
	if (info) {
		spin_lock(&hostsig_lock);
		hostsig_comp_info_locked(comp, info);
		spin_unlock(&hostsig_lock);
	}
	hostsig_comp_put(comp);
	hostsig_put_batch(&victims);
	hostsig_count(HOSTSIG_A_STATS_UNREGISTERED);
	if (info) {
		hostsig_notify_component(HOSTSIG_EVENT_UNREGISTERED, info,
					 GFP_KERNEL);
		kfree(info);
	} else {
		hostsig_count(HOSTSIG_A_STATS_EVENTS_DROPPED);
	}
	return 0;
}

long hostsig_init_done(struct kvm_vcpu *vcpu, u64 id)
{
	struct hostsig_component *comp;
	long ret;

	spin_lock(&hostsig_lock);
	comp = hostsig_comp_of_vm_locked(hostsig_vm_lookup_locked(vcpu->kvm), id);
	if (comp)
		hostsig_comp_hold(comp);
	spin_unlock(&hostsig_lock);
	if (!comp) {
		hostsig_count(HOSTSIG_A_STATS_QUERY_UNKNOWN_ID);
		return -HOSTSIG_ENOENT;
	}
	mutex_lock(&comp->track_mutex);
	ret = hostsig_track_release_init(vcpu->kvm, comp);
	mutex_unlock(&comp->track_mutex);
	hostsig_comp_put(comp);
	return ret;
}

/* ---- netlink's side ---------------------------------------------------------- */

static u32 hostsig_state_of_verdict(u32 verdict)
{
	switch (verdict) {
	case HOSTSIG_VERDICT_AUTHENTIC:
		return HOSTSIG_STATE_AUTHENTIC;
	case HOSTSIG_VERDICT_NOT_AUTHENTIC:
		return HOSTSIG_STATE_NOT_AUTHENTIC;
	default:
		return HOSTSIG_STATE_UNKNOWN;
	}
}

static void hostsig_apply_verdict_locked(struct hostsig_component *comp,
					 const struct hostsig_verdict_msg *msg)
{
	comp->state = hostsig_state_of_verdict(msg->verdict);
	comp->answered = true;
	comp->judged = true;
	if (comp->state == HOSTSIG_STATE_NOT_AUTHENTIC)
		comp->history |= HOSTSIG_HISTORY_NOT_AUTHENTIC;
	/* Only the verdict on the load itself says the load was verified. */
	if (msg->record_id == comp->first_record_id &&
	    msg->verdict == HOSTSIG_VERDICT_AUTHENTIC)
		comp->load_verified = true;
	comp->verdict = msg->verdict;
	comp->verdict_ns = ktime_get_real_ns();
	strscpy(comp->reason, msg->reason, sizeof(comp->reason));
	strscpy(comp->message, msg->message ? msg->message : "",
		sizeof(comp->message));
	comp->digest_len = msg->digest ? min_t(u32, msg->digest_len,
					       sizeof(comp->digest)) : 0;
	memcpy(comp->digest, msg->digest, comp->digest_len);
	strscpy(comp->digest_alg, msg->digest_alg ? msg->digest_alg : "",
		sizeof(comp->digest_alg));
	hostsig_uncharge_locked(comp);
}

/* Whether the component waits for a verdict on this record: 0 or -errno. */
static int hostsig_verdict_check_locked(const struct hostsig_component *comp,
					const struct hostsig_verdict_msg *msg)
{
	if (!comp)
		return -ENOENT;
	if (comp->state == HOSTSIG_STATE_UNLOADED ||
	    msg->record_id != comp->record_id)
		return -ESTALE;
	/* Copied before the write that made it MODIFIED: says nothing now. */
	if (comp->record_seq < comp->tamper_seq)
		return -ESTALE;
	if (comp->answered)
		return -EALREADY;
	return 0;
}

int hostsig_verdict(const struct hostsig_verdict_msg *msg)
{
	struct hostsig_writable_set *set = NULL, *pset = NULL;
	struct hostsig_component *comp;
	struct hostsig_comp_info *info;
	struct hostsig_vm *stop = NULL;
	struct kvm *kvm = NULL;
	u64 *flip = NULL;
	u32 nr_flip = 0;
	int ret;

	spin_lock(&hostsig_lock);
	comp = xa_load(&hostsig_comps, msg->component_id);
	ret = hostsig_verdict_check_locked(comp, msg);
	if (!ret)
		hostsig_comp_hold(comp);
	spin_unlock(&hostsig_lock);
	if (ret)
		goto rejected;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	flip = hostsig_alloc_large(max(comp->nr_track, 1U) * sizeof(u64));
	set = hostsig_track_writable_new(msg->nr_writable);
	pset = hostsig_track_writable_new(msg->nr_patch);
	if (!info || !flip || !set || !pset) {
		ret = -ENOMEM;
		goto out;
	}
	/* One change of KVM's tracking of this component at a time. */
	mutex_lock(&comp->track_mutex);
	spin_lock(&hostsig_lock);
	ret = hostsig_verdict_check_locked(comp, msg);
	if (!ret)
		ret = hostsig_track_set_writable(comp, msg, &set, &pset, &flip,
						 &nr_flip);
	if (ret) {
		spin_unlock(&hostsig_lock);
		mutex_unlock(&comp->track_mutex);
		goto out;
	}
	hostsig_apply_verdict_locked(comp, msg);
	if (hostsig_policy_stops_vm(hostsig_vm_policy_locked(comp->vm),
				    comp->state) && !comp->vm->quarantined) {
		comp->vm->quarantined = true;
		stop = comp->vm;
		refcount_inc(&stop->ref);
	}
	if (nr_flip && !comp->vm->dead && kvm_get_kvm_safe(comp->vm->kvm))
		kvm = comp->vm->kvm;
	hostsig_comp_info_locked(comp, info);
	spin_unlock(&hostsig_lock);
	if (kvm) {
		hostsig_track_apply(comp->vm, comp, flip, nr_flip);
		kvm_put_kvm(kvm);
	}
	mutex_unlock(&comp->track_mutex);

	hostsig_count(HOSTSIG_A_STATS_VERDICTS);
	hostsig_notify_component(HOSTSIG_EVENT_VERDICT, info, GFP_KERNEL);
	if (stop) {
		hostsig_quarantine(stop, info);
		hostsig_vm_put(stop);
	}
out:
	/* The component's previous ranges, or the new ones if refused. */
	hostsig_track_writable_free(set);
	hostsig_track_writable_free(pset);
	hostsig_free_large(flip, max(comp->nr_track, 1U) * sizeof(u64));
	kfree(info);
	hostsig_comp_put(comp);
rejected:
	if (ret)
		hostsig_count(HOSTSIG_A_STATS_VERDICTS_REJECTED);
	return ret;
}

struct hostsig_reverify_work {
	struct work_struct work;
	struct hostsig_component *comp;
	struct kvm *kvm;
	struct completion done;
	long ret;
};

/*
 * Capture a registered component again, from a worker: guest memory is
 * read through the VMM's address space, which a kthread may borrow and a
 * netlink caller may not. The caller holds a reference on the VM.
 */
long hostsig_recapture(struct kvm *kvm, struct hostsig_component *comp)
{
	long ret = -HOSTSIG_EFAULT;
	int idx;

	if (mmget_not_zero(kvm->mm)) {
		kthread_use_mm(kvm->mm);
		idx = srcu_read_lock(&kvm->srcu);
		ret = hostsig_capture(kvm, NULL, comp, false);
		srcu_read_unlock(&kvm->srcu, idx);
		kthread_unuse_mm(kvm->mm);
		mmput(kvm->mm);
	}
	return ret;
}

static void hostsig_reverify_fn(struct work_struct *work)
{
	struct hostsig_reverify_work *rw =
		container_of(work, struct hostsig_reverify_work, work);

	rw->ret = hostsig_recapture(rw->kvm, rw->comp);
	complete(&rw->done);
}

static int hostsig_errno_of(long code)
{
	switch (-code) {
	case 0:
		return 0;
	case HOSTSIG_EAGAIN:
		return -EAGAIN;
	case HOSTSIG_E2BIG:
		return -E2BIG;
	case HOSTSIG_ENOMEM:
		return -ENOMEM;
	case HOSTSIG_ENOENT:
		return -ENOENT;
	default:
		return -EFAULT;
	}
}

int hostsig_reverify(u64 id)
{
	struct hostsig_reverify_work rw = { };
	struct hostsig_component *comp;

	spin_lock(&hostsig_lock);
	comp = xa_load(&hostsig_comps, id);
	if (!comp || comp->state == HOSTSIG_STATE_UNLOADED ||
	    comp->state == HOSTSIG_STATE_UNVERIFIED || comp->vm->dead ||
	    !kvm_get_kvm_safe(comp->vm->kvm)) {
		spin_unlock(&hostsig_lock);
		return -ENOENT;
	}
	refcount_inc(&comp->ref);
	rw.comp = comp;
	rw.kvm = comp->vm->kvm;
	spin_unlock(&hostsig_lock);

	hostsig_count(HOSTSIG_A_STATS_REVERIFIES);
	INIT_WORK_ONSTACK(&rw.work, hostsig_reverify_fn);
	init_completion(&rw.done);
	queue_work(system_unbound_wq, &rw.work);
	wait_for_completion(&rw.done);
	destroy_work_on_stack(&rw.work);
	kvm_put_kvm(rw.kvm);
	hostsig_comp_put(comp);
	return hostsig_errno_of(rw.ret);
}

int hostsig_comp_get(u64 id, struct hostsig_comp_info *info)
{
	struct hostsig_component *comp;
	int ret = -ENOENT;

	spin_lock(&hostsig_lock);
	comp = xa_load(&hostsig_comps, id);
	if (comp && comp->state != HOSTSIG_STATE_UNVERIFIED) {
		hostsig_comp_info_locked(comp, info);
		ret = 0;
	}
	spin_unlock(&hostsig_lock);
	return ret;
}

int hostsig_comp_next(u64 *id, u64 vm_id, struct hostsig_comp_info *info)
{
	struct hostsig_component *comp;
	unsigned long index;
	int ret = -ENOENT;

	spin_lock(&hostsig_lock);
	xa_for_each_start(&hostsig_comps, index, comp, *id) {
		if (comp->state == HOSTSIG_STATE_UNVERIFIED ||
		    (vm_id && comp->vm->id != vm_id))
			continue;
		hostsig_comp_info_locked(comp, info);
		*id = index;
		ret = 0;
		break;
	}
	spin_unlock(&hostsig_lock);
	return ret;
}

int hostsig_vm_get(u64 id, struct hostsig_vm_info *info)
{
	struct hostsig_vm *vm;
	int ret = -ENOENT;

	spin_lock(&hostsig_lock);
	vm = hostsig_vm_by_id_locked(id);
	if (vm) {
		hostsig_vm_info_locked(vm, info);
		ret = 0;
	}
	spin_unlock(&hostsig_lock);
	return ret;
}

int hostsig_vm_next(u64 *id, struct hostsig_vm_info *info)
{
	struct hostsig_vm *vm;
	int ret = -ENOENT;

	spin_lock(&hostsig_lock);
	list_for_each_entry(vm, &hostsig_vm_list, node) {
		if (vm->id < *id)
			continue;
		hostsig_vm_info_locked(vm, info);
		*id = vm->id;
		ret = 0;
		break;
	}
	spin_unlock(&hostsig_lock);
	return ret;
}

int hostsig_policy_get(u64 vm_id, struct hostsig_policy *policy, bool *own)
{
	struct hostsig_vm *vm = NULL;
	int ret = 0;

	spin_lock(&hostsig_lock);
	if (vm_id) {
		vm = hostsig_vm_by_id_locked(vm_id);
		if (!vm)
			ret = -ENOENT;
	}
	if (!ret) {
		*policy = vm ? *hostsig_vm_policy_locked(vm) : hostsig_default_policy;
		*own = vm && vm->has_policy;
	}
	spin_unlock(&hostsig_lock);
	return ret;
}

/*
 * Change the global policy (vm_id 0) or a VM's own, which starts as a copy
 * of the global one. Fields of change that are 0 stay (timeout_ms:
 * U32_MAX stays, so that 0 can mean "no timeout"). Takes effect at the next
 * decision; a VM is quarantined only when a component reaches a bad state.
 */
int hostsig_policy_set(u64 vm_id, const struct hostsig_policy *change,
		       bool reset)
{
	struct hostsig_policy *target = &hostsig_default_policy;
	struct hostsig_vm *vm = NULL;

	spin_lock(&hostsig_lock);
	if (vm_id) {
		vm = hostsig_vm_by_id_locked(vm_id);
		if (!vm) {
			spin_unlock(&hostsig_lock);
			return -ENOENT;
		}
		if (reset) {
			vm->has_policy = false;
			spin_unlock(&hostsig_lock);
			return 0;
		}
		if (!vm->has_policy) {
			vm->policy = hostsig_default_policy;
			vm->has_policy = true;
		}
		target = &vm->policy;
	}
	if (change->mode)
		target->mode = change->mode;
	if (change->unknown)
		target->unknown = change->unknown;
	if (change->timeout_ms != U32_MAX)
		target->timeout_ms = change->timeout_ms;
	if (change->tampered)
		target->tampered = change->tampered;
	spin_unlock(&hostsig_lock);
	return 0;
}

void hostsig_gauges(u64 *components, u64 *vms)
{
	spin_lock(&hostsig_lock);
	*components = hostsig_nr_comps;
	*vms = hostsig_nr_vms;
	spin_unlock(&hostsig_lock);
}

/* ---- verdict timeouts ---------------------------------------------------------- */

static void hostsig_sweep(struct work_struct *work)
{
	struct hostsig_component *comp, *tmp;
	u64 now = ktime_get_boottime_ns();
	struct hostsig_comp_info *info;
	struct hostsig_vm *vm;
	LIST_HEAD(expired);

	spin_lock(&hostsig_lock);
	list_for_each_entry(vm, &hostsig_vm_list, node) {
		list_for_each_entry(comp, &vm->live, vm_node) {
			if (hostsig_expire_locked(comp, now)) {
				refcount_inc(&comp->ref);
				list_add_tail(&comp->batch, &expired);
			}
		}
	}
	spin_unlock(&hostsig_lock);

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	list_for_each_entry_safe(comp, tmp, &expired, batch) {
		list_del(&comp->batch);
		if (info) {
			spin_lock(&hostsig_lock);
			hostsig_comp_info_locked(comp, info);
			spin_unlock(&hostsig_lock);
			hostsig_notify_component(HOSTSIG_EVENT_TIMEOUT, info,
						 GFP_KERNEL);
		}
		hostsig_comp_put(comp);
	}
	kfree(info);
	schedule_delayed_work(&hostsig_sweeper, HOSTSIG_SWEEP_INTERVAL);
}

/* ---- VM destruction -------------------------------------------------------------- */

/*
 * Take a VM out of the table with all its components, onto victims (the
 * caller puts them, and the table's reference on the VM, after unlocking).
 * Must not sleep: it runs from the kvm_destroy_vm() hook with preemption
 * disabled.
 */
static void hostsig_vm_retire_locked(struct hostsig_vm *vm,
				     struct list_head *victims)
{
	struct list_head *lists[] = { &vm->live, &vm->unloaded };
	struct hostsig_component *comp, *tmp;
	int i;

	vm->dead = true;
	hash_del(&vm->hnode);
	list_del(&vm->node);
	hostsig_nr_vms--;
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		list_for_each_entry_safe(comp, tmp, lists[i], vm_node) {
			/* Answered or not, nobody needs it any more. */
			if (comp->record_id)
				hostsig_ring_discard(comp->record_id);
			/* The caller ends or abandons KVM's tracking. */
			hostsig_uncharge_locked(comp);
			if (comp->state != HOSTSIG_STATE_UNLOADED)
				hostsig_nr_comps--;
			comp->state = HOSTSIG_STATE_UNLOADED;
			hostsig_comp_unlist_locked(comp);
			list_add_tail(&comp->batch, victims);
		}
	}
	vm->nr_live = 0;
	vm->nr_unloaded = 0;
}

void hostsig_vm_destroyed(struct kvm *kvm)
{
	struct hostsig_vm *vm;
	LIST_HEAD(victims);

	spin_lock(&hostsig_lock);
	vm = hostsig_vm_lookup_locked(kvm);
	if (vm) {
		struct hostsig_component *comp;

		hostsig_vm_retire_locked(vm, &victims);
		/* KVM's tracking dies with the VM; only unlink our notifier. */
		list_for_each_entry(comp, &victims, batch)
			hostsig_track_abandon_locked(comp);
		hostsig_track_forget(vm);
	}
	spin_unlock(&hostsig_lock);
	if (!vm)
		return;
	hostsig_put_batch(&victims);
	hostsig_notify_vm(HOSTSIG_EVENT_VM_GONE, vm->id, GFP_ATOMIC);
	hostsig_vm_put(vm);
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
 * Module unload: no hypercall or netlink request runs any more. VMs that
 * live on must not keep pages tracked for nobody.
 */
void hostsig_components_exit(void)
{
	struct hostsig_component *comp, *tmp;
	struct kvm *kvm;
	struct hostsig_vm *vm;
	LIST_HEAD(victims);

	cancel_delayed_work_sync(&hostsig_sweeper);
	hostsig_track_exit();
	for (;;) {
		spin_lock(&hostsig_lock);
		vm = list_first_entry_or_null(&hostsig_vm_list, struct hostsig_vm,
					      node);
		kvm = NULL;
		if (vm) {
			/* Fails only if kvm_destroy_vm() has begun. */
			if (kvm_get_kvm_safe(vm->kvm))
				kvm = vm->kvm;
			hostsig_vm_retire_locked(vm, &victims);
		}
		spin_unlock(&hostsig_lock);
		if (!vm)
			break;
		list_for_each_entry_safe(comp, tmp, &victims, batch) {
			mutex_lock(&comp->track_mutex);
			if (kvm) {
				hostsig_track_stop(kvm, comp);
			} else {
				spin_lock(&hostsig_lock);
				hostsig_track_abandon_locked(comp);
				spin_unlock(&hostsig_lock);
			}
			mutex_unlock(&comp->track_mutex);
		}
		if (kvm) {
			hostsig_track_detach(vm);
			kvm_put_kvm(kvm);
		}
		hostsig_put_batch(&victims);
		hostsig_vm_put(vm);
	}
	flush_work(&hostsig_graveyard_work);
	WARN_ON(!xa_empty(&hostsig_comps));
}
