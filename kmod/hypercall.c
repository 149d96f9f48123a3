// SPDX-License-Identifier: GPL-2.0
/*
 * The hostsig hypercalls. The hook (hook.c) sends a call here only when it
 * came from CPL 0 in 64-bit mode, outside a nested guest, and its number is
 * ours; everything else stays with KVM. The ABI is documented in
 * include/uapi/linux/hostsig.h.
 *
 * They run in the calling vCPU's thread: the VM is alive, the VMM's mm is
 * current, KVM's SRCU is held (so nothing here may wait for it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_para.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "hostsig.h"

u32 hostsig_features(void)
{
	u32 features = HOSTSIG_F_ALL;

	if (!hostsig_track_available())
		features &= ~HOSTSIG_F_WRITE_TRACK;
	return features;
}

bool hostsig_hypercall_is_ours(unsigned long nr)
{
	return nr >= HOSTSIG_HC_PROBE && nr <= HOSTSIG_HC_LAST;
}

/* ---- quotas --------------------------------------------------------------- */

/*
 * Check the VM's quotas for a component of @size bytes that holds
 * @retained bytes of host memory for its life, and charge it to them,
 * before anything is allocated or walked for it: a live component, its
 * bytes waiting for a verdict, the host memory its components hold, and
 * the rate of REGISTERs. Unloaded components kept for inspection are
 * forgotten, oldest first, to make room in the last. 0, -HOSTSIG_EQUOTA,
 * or -HOSTSIG_E2BIG if the component alone holds more than a VM may.
 */
static long hostsig_charge(struct hostsig_vm *vm, u64 size, u64 retained)
{
	u64 max_retained = (u64)READ_ONCE(hostsig_vm_max_retained_mib) << 20;
	u32 rate = READ_ONCE(hostsig_vm_register_rate);
	u64 now = ktime_get_boottime_ns();
	long ret = -HOSTSIG_EQUOTA;
	u64 cost = 0, tat = 0;
	LIST_HEAD(victims);

	if (retained > max_retained)
		return -HOSTSIG_E2BIG;
	spin_lock(&hostsig_table_lock);
	spin_lock(&vm->lock);
	if (vm->nr_live >= READ_ONCE(hostsig_vm_max_components))
		goto out;
	if (vm->pending_bytes + size >
	    (u64)READ_ONCE(hostsig_vm_max_pending_mib) << 20)
		goto out;
	if (rate) {
		/* Generic cell rate algorithm: one REGISTER costs 1/rate s. */
		u64 burst = max(READ_ONCE(hostsig_vm_register_burst), 1U);

		cost = NSEC_PER_SEC / rate;
		tat = max(vm->rate_tat_ns, now);
		if (tat - now > (burst - 1) * cost)
			goto out;
	}
	/* Only a REGISTER that no other quota refuses may forget anything. */
	if (!hostsig_make_room_locked(vm, retained, max_retained, &victims))
		goto out;
	if (rate)
		vm->rate_tat_ns = tat + cost;
	vm->nr_live++;
	vm->pending_bytes += size;
	vm->retained_bytes += retained;
	ret = 0;
out:
	spin_unlock(&vm->lock);
	spin_unlock(&hostsig_table_lock);
	hostsig_put_batch(&victims);
	return ret;
}

/* A REGISTER that was charged failed: give back what it took. */
static void hostsig_uncharge(struct hostsig_vm *vm,
			     struct hostsig_component *comp, u64 size,
			     u64 retained)
{
	spin_lock(&vm->lock);
	vm->nr_live--;
	vm->pending_bytes -= size;
	vm->retained_bytes -= retained;
	if (comp) {
		comp->retained = 0;
		comp->pending_charged = false;
		list_del_init(&comp->vm_node);
	}
	spin_unlock(&vm->lock);
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
		[HOSTSIG_ENOTRAM - HOSTSIG_EBASE] = HOSTSIG_A_STATS_REFUSED_NOTRAM,
	};
	long code = -ret - HOSTSIG_EBASE;

	/* EAGAIN (ring full) was counted where it happened. */
	if (code >= 0 && code < ARRAY_SIZE(counter) && counter[code])
		hostsig_count(counter[code]);
	if (vm) {
		spin_lock(&vm->lock);
		vm->refused++;
		spin_unlock(&vm->lock);
	}
}

/* ---- REGISTER ---------------------------------------------------------------- */

/*
 * The component's own work: its table of guest pages, its tracked pages in
 * the VM's index, its id; then tracking, and the first capture.
 */
static long hostsig_register_comp(struct kvm_vcpu *vcpu, struct hostsig_vm *vm,
				  struct hostsig_component *comp)
{
	long ret;

	ret = hostsig_translate(vcpu, comp);
	if (!ret)
		ret = hostsig_track_prepare(comp);
	if (!ret)
		ret = hostsig_track_attach(vm);
	if (!ret)
		ret = hostsig_track_index(comp);
	if (ret)
		return ret;
	comp->id = hostsig_comp_next_id();
	if (hostsig_comp_reserve_id(comp))
		return -HOSTSIG_ENOMEM;
	spin_lock(&vm->lock);
	comp->pending_charged = true;
	/* On the VM's list from now on, for the sweeper and the VM's end. */
	list_add_tail(&comp->vm_node, &vm->live);
	spin_unlock(&vm->lock);
	/* Tracked before it is read: nothing changes unseen after the copy. */
	ret = hostsig_track_start(comp);
	if (!ret)
		ret = hostsig_capture(vcpu->kvm, vcpu, comp, true);
	if (ret) {
		hostsig_track_stop(comp);
		hostsig_comp_unreserve_id(comp);
	}
	return ret;
}

static long hostsig_register(struct kvm_vcpu *vcpu, u64 argblock_gva,
			     u64 argblock_len)
{
	struct hostsig_component *comp = NULL;
	struct hostsig_vm *vm;
	struct hostsig_args *args;
	u64 retained;
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
	/* The quotas, before anything is allocated or walked for it. */
	retained = hostsig_args_retained_size(args);
	ret = hostsig_charge(vm, args->total, retained);
	if (ret)
		goto refused;
	comp = hostsig_comp_new(args, vcpu);
	if (comp) {
		hostsig_vm_hold(vm);
		comp->vm = vm;
		comp->retained = retained;
		ret = hostsig_register_comp(vcpu, vm, comp);
	} else {
		ret = -HOSTSIG_ENOMEM;
	}
	if (ret) {
		hostsig_uncharge(vm, comp, args->total, retained);
		goto refused;
	}
	kfree(args);
	hostsig_count(HOSTSIG_A_STATS_REGISTERED);
	return comp->id;

refused:
	if (comp)
		hostsig_comp_put(comp);
	kfree(args);
	hostsig_count_refusal(vm, ret);
	return ret;
}

/* ---- QUERY, UNREGISTER, INIT_DONE ---------------------------------------------- */

static long hostsig_query(struct kvm_vcpu *vcpu, u64 id)
{
	struct hostsig_component *comp;
	struct hostsig_policy policy;
	enum hostsig_decision decision;
	u8 *drop = NULL;
	LIST_HEAD(victims);
	bool expired;
	long ret;

	hostsig_count(HOSTSIG_A_STATS_QUERIES);
	comp = hostsig_comp_of_vm(hostsig_vm_lookup(vcpu->kvm), id);
	if (!comp) {
		hostsig_count(HOSTSIG_A_STATS_QUERY_UNKNOWN_ID);
		return -HOSTSIG_ENOENT;
	}
	spin_lock(&hostsig_table_lock);
	spin_lock(&comp->vm->lock);
	expired = hostsig_expire_locked(comp, ktime_get_boottime_ns(), &drop,
					&victims);
	hostsig_vm_policy_locked(comp->vm, &policy);
	decision = hostsig_decide(&policy, comp->state, comp->history);
	ret = ((long)comp->state << 8) | decision;
	spin_unlock(&comp->vm->lock);
	spin_unlock(&hostsig_table_lock);
	hostsig_put_batch(&victims);
	hostsig_scrub_image_free(comp, drop);
	if (expired)
		hostsig_comp_notify(comp, HOSTSIG_EVENT_TIMEOUT);
	hostsig_comp_put(comp);
	return ret;
}

static long hostsig_unregister(struct kvm_vcpu *vcpu, u64 id)
{
	struct hostsig_component *comp;
	struct hostsig_vm *vm;
	LIST_HEAD(victims);
	u8 *image = NULL;
	u64 record = 0;
	bool done = false;

	vm = hostsig_vm_lookup(vcpu->kvm);
	comp = hostsig_comp_of_vm(vm, id);
	if (comp) {
		spin_lock(&hostsig_table_lock);
		spin_lock(&vm->lock);
		/* A second UNREGISTER may have been quicker. */
		if (comp->state != HOSTSIG_STATE_UNLOADED) {
			record = hostsig_unload_locked(comp, &victims);
			/* No verdict is taken any more: the scrub's copy goes. */
			image = hostsig_scrub_image_take_locked(comp);
			done = true;
		}
		spin_unlock(&vm->lock);
		spin_unlock(&hostsig_table_lock);
	}
	if (!done) {
		if (comp)
			hostsig_comp_put(comp);
		hostsig_count(HOSTSIG_A_STATS_QUERY_UNKNOWN_ID);
		return -HOSTSIG_ENOENT;
	}
	hostsig_scrub_image_free(comp, image);
	if (record)
		hostsig_ring_discard(record);
	hostsig_track_stop(comp);
	hostsig_put_batch(&victims);
	hostsig_count(HOSTSIG_A_STATS_UNREGISTERED);
	hostsig_comp_notify(comp, HOSTSIG_EVENT_UNREGISTERED);
	hostsig_comp_put(comp);
	return 0;
}

static long hostsig_init_done(struct kvm_vcpu *vcpu, u64 id)
{
	struct hostsig_component *comp;
	long ret;

	comp = hostsig_comp_of_vm(hostsig_vm_lookup(vcpu->kvm), id);
	if (!comp) {
		hostsig_count(HOSTSIG_A_STATS_QUERY_UNKNOWN_ID);
		return -HOSTSIG_ENOENT;
	}
	ret = hostsig_track_release_init(comp);
	hostsig_comp_put(comp);
	return ret;
}

unsigned long hostsig_hypercall(struct kvm_vcpu *vcpu, unsigned long nr,
				unsigned long a0, unsigned long a1,
				unsigned long a2, unsigned long a3)
{
	switch (nr) {
	case HOSTSIG_HC_PROBE:
		return HOSTSIG_PROBE_ANSWER(HOSTSIG_ABI_VERSION, hostsig_features());
	case HOSTSIG_HC_REGISTER:
		return hostsig_register(vcpu, a0, a1);
	case HOSTSIG_HC_QUERY:
		return hostsig_query(vcpu, a0);
	case HOSTSIG_HC_UNREGISTER:
		return hostsig_unregister(vcpu, a0);
	case HOSTSIG_HC_INIT_DONE:
		return hostsig_init_done(vcpu, a0);
	default:
		/* Unreachable while hostsig_hypercall_is_ours() agrees. */
		return -KVM_ENOSYS;
	}
}
