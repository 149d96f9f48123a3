// SPDX-License-Identifier: GPL-2.0
/*
 * The VMs: the table of those that used hostsig, their lifetime, their
 * policy, and quarantine.
 *
 * A struct hostsig_vm is created at a VM's first REGISTER and lives in the
 * table until kvm_destroy_vm() begins, which cannot happen while a vCPU
 * runs, so the hypercall paths use it without a reference. Anything that
 * needs the struct kvm outside a vCPU (quarantine, re-verification) takes
 * one with kvm_get_kvm_safe() under the VM's lock, where a VM that is being
 * destroyed is marked dead first. VMs are reference counted (the table, and
 * each of their components) and freed by a work item, because the last
 * reference may go in the VM-destroy hook, where nothing may sleep.
 *
 * Knowing when a VM goes away: KVM tells modules nothing when a VM is
 * destroyed, and hostsig must not keep a struct kvm alive (a reference would
 * keep every VM it ever saw from being destroyed until something noticed
 * that the VMM let go). Instead a hook on kvm_destroy_vm(), which KVM calls
 * exactly once, when the last reference goes (no vCPU can run any more by
 * then), retires the VM's components synchronously, before KVM frees
 * anything. The hook runs with preemption disabled: it only unlinks and
 * marks, in time bounded by the VM's number of components, and leaves
 * freeing to work items. kvm_destroy_vm() is static but not inlined in
 * Debian's kvm.ko (it has two callers) and has its ftrace call site;
 * setting the filter fails, and with it the module load, if that ever
 * changes. The hook is an ftrace_ops that nobody can switch off while it is
 * registered (FTRACE_OPS_FL_PERMANENT): not the kernel.ftrace_enabled
 * sysctl (writing 0 fails with EBUSY while hostsig is loaded), and, unlike
 * a kprobe, not the kprobes "enabled" switch of debugfs either. A VM
 * destroyed unseen would leave hostsig a dangling struct kvm.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/hashtable.h>
#include <linux/ptrace.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "hostsig.h"

DEFINE_SPINLOCK(hostsig_table_lock);

/* VMs by struct kvm, and in order of their ids. */
static DEFINE_HASHTABLE(hostsig_vms, 6);
static LIST_HEAD(hostsig_vm_list);
static u64 hostsig_last_vm_id;
static u32 hostsig_vm_count;

static void hostsig_vm_bury(struct work_struct *work);
static DECLARE_WORK(hostsig_vm_graveyard_work, hostsig_vm_bury);
static DEFINE_SPINLOCK(hostsig_vm_graveyard_lock);
static LIST_HEAD(hostsig_vm_graveyard);

/* ---- references ------------------------------------------------------------ */

void hostsig_vm_hold(struct hostsig_vm *vm)
{
	refcount_inc(&vm->ref);
}

void hostsig_vm_put(struct hostsig_vm *vm)
{
	if (!refcount_dec_and_test(&vm->ref))
		return;
	spin_lock(&hostsig_vm_graveyard_lock);
	list_add_tail(&vm->gone, &hostsig_vm_graveyard);
	spin_unlock(&hostsig_vm_graveyard_lock);
	schedule_work(&hostsig_vm_graveyard_work);
}

static void hostsig_vm_bury(struct work_struct *work)
{
	struct hostsig_vm *vm, *tmp;
	LIST_HEAD(vms);

	spin_lock(&hostsig_vm_graveyard_lock);
	list_splice_init(&hostsig_vm_graveyard, &vms);
	spin_unlock(&hostsig_vm_graveyard_lock);
	list_for_each_entry_safe(vm, tmp, &vms, gone) {
		hostsig_track_vm_free(vm);
		mutex_destroy(&vm->track_mutex);
		hostsig_free(vm, sizeof(*vm));
	}
}

/* ---- the table ------------------------------------------------------------- */

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

/* The VM of a running vCPU, if it used hostsig: no reference needed. */
struct hostsig_vm *hostsig_vm_lookup(struct kvm *kvm)
{
	struct hostsig_vm *vm;

	spin_lock(&hostsig_table_lock);
	vm = hostsig_vm_lookup_locked(kvm);
	spin_unlock(&hostsig_table_lock);
	return vm;
}

/* The VM of a vCPU, created at its first REGISTER. */
struct hostsig_vm *hostsig_vm_of(struct kvm_vcpu *vcpu)
{
	struct hostsig_vm *vm, *found;

	found = hostsig_vm_lookup(vcpu->kvm);
	if (found)
		return found;

	vm = hostsig_alloc(sizeof(*vm));
	if (!vm)
		return NULL;
	vm->kvm = vcpu->kvm;
	vm->vmm_pid = task_tgid_nr(current);
	refcount_set(&vm->ref, 1);
	spin_lock_init(&vm->lock);
	mutex_init(&vm->track_mutex);
	INIT_LIST_HEAD(&vm->live);
	INIT_LIST_HEAD(&vm->unloaded);
	xa_init(&vm->pages);

	spin_lock(&hostsig_table_lock);
	/* Another vCPU of the same VM may have been first. */
	found = hostsig_vm_lookup_locked(vcpu->kvm);
	if (!found) {
		vm->id = ++hostsig_last_vm_id;
		hash_add(hostsig_vms, &vm->hnode, (unsigned long)vm->kvm);
		list_add_tail(&vm->node, &hostsig_vm_list);
		hostsig_vm_count++;
	}
	spin_unlock(&hostsig_table_lock);
	if (found) {
		mutex_destroy(&vm->track_mutex);
		hostsig_free(vm, sizeof(*vm));
		return found;
	}
	return vm;
}

u64 hostsig_nr_vms(void)
{
	u64 n;

	spin_lock(&hostsig_table_lock);
	n = hostsig_vm_count;
	spin_unlock(&hostsig_table_lock);
	return n;
}

static void hostsig_vm_info_locked(const struct hostsig_vm *vm,
				   struct hostsig_vm_info *info)
{
	info->id = vm->id;
	info->vmm_pid = vm->vmm_pid;
	info->components = vm->nr_live;
	info->pending_bytes = vm->pending_bytes;
	info->retained_bytes = vm->retained_bytes;
	/* The ring's lock nests inside the VM's. */
	info->ring_bytes = hostsig_ring_vm_used(vm->id);
	info->registered = vm->registered;
	info->refused = vm->refused;
	info->quarantined = vm->quarantined;
	info->has_policy = vm->has_policy;
}

int hostsig_vm_get(u64 id, struct hostsig_vm_info *info)
{
	struct hostsig_vm *vm;
	int ret = -ENOENT;

	spin_lock(&hostsig_table_lock);
	vm = hostsig_vm_by_id_locked(id);
	if (vm) {
		spin_lock(&vm->lock);
		hostsig_vm_info_locked(vm, info);
		spin_unlock(&vm->lock);
		ret = 0;
	}
	spin_unlock(&hostsig_table_lock);
	return ret;
}

int hostsig_vm_next(u64 *id, struct hostsig_vm_info *info)
{
	struct hostsig_vm *vm;
	int ret = -ENOENT;

	spin_lock(&hostsig_table_lock);
	list_for_each_entry(vm, &hostsig_vm_list, node) {
		if (vm->id < *id)
			continue;
		spin_lock(&vm->lock);
		hostsig_vm_info_locked(vm, info);
		spin_unlock(&vm->lock);
		*id = vm->id;
		ret = 0;
		break;
	}
	spin_unlock(&hostsig_table_lock);
	return ret;
}

/* ---- policy ---------------------------------------------------------------- */

/* The policy in force for the VM. Called with the VM's lock held. */
void hostsig_vm_policy_locked(const struct hostsig_vm *vm,
			      struct hostsig_policy *out)
{
	if (vm->has_policy)
		*out = vm->policy;
	else
		hostsig_default_policy(out);
}

int hostsig_policy_get(u64 vm_id, struct hostsig_policy *policy, bool *own)
{
	struct hostsig_vm *vm;

	*own = false;
	if (!vm_id) {
		hostsig_default_policy(policy);
		return 0;
	}
	spin_lock(&hostsig_table_lock);
	vm = hostsig_vm_by_id_locked(vm_id);
	if (vm) {
		spin_lock(&vm->lock);
		hostsig_vm_policy_locked(vm, policy);
		*own = vm->has_policy;
		spin_unlock(&vm->lock);
	}
	spin_unlock(&hostsig_table_lock);
	return vm ? 0 : -ENOENT;
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
	struct hostsig_vm *vm;

	if (!vm_id) {
		hostsig_default_policy_change(change);
		return 0;
	}
	spin_lock(&hostsig_table_lock);
	vm = hostsig_vm_by_id_locked(vm_id);
	if (vm) {
		spin_lock(&vm->lock);
		if (reset) {
			vm->has_policy = false;
		} else {
			if (!vm->has_policy)
				hostsig_default_policy(&vm->policy);
			vm->has_policy = true;
			hostsig_policy_apply(&vm->policy, change);
		}
		spin_unlock(&vm->lock);
	}
	spin_unlock(&hostsig_table_lock);
	return vm ? 0 : -ENOENT;
}

/* ---- quarantine ------------------------------------------------------------ */

/*
 * Stop every vCPU of the VM for good; its memory stays for forensics.
 * The event names the component that caused it (@cause, its state then)
 * when there is one. Called without locks, after the caller decided it
 * (vm->quarantined); takes a reference on the VM for the duration.
 */
void hostsig_quarantine(struct hostsig_vm *vm,
			const struct hostsig_comp_info *cause)
{
	struct kvm *kvm = NULL;

	spin_lock(&vm->lock);
	if (!vm->dead && kvm_get_kvm_safe(vm->kvm))
		kvm = vm->kvm;
	spin_unlock(&vm->lock);
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

/* ---- the end of a VM ---------------------------------------------------------- */

/* Take a VM out of the table. Called with hostsig_table_lock held. */
static void hostsig_vm_unlist_locked(struct hostsig_vm *vm)
{
	hash_del(&vm->hnode);
	list_del(&vm->node);
	hostsig_vm_count--;
}

/*
 * kvm_destroy_vm() has begun, from the hook: retire the VM and its
 * components. Must not sleep (preemption is off) and takes time in
 * proportion to the VM's components, not to their pages.
 */
void hostsig_vm_destroyed(struct kvm *kvm)
{
	struct hostsig_vm *vm;
	LIST_HEAD(victims);

	spin_lock(&hostsig_table_lock);
	vm = hostsig_vm_lookup_locked(kvm);
	if (vm) {
		hostsig_vm_unlist_locked(vm);
		spin_lock(&vm->lock);
		vm->dead = true;
		hostsig_retire_comps_locked(vm, &victims);
		/* KVM's tracking dies with the VM; only unlink our notifier. */
		hostsig_track_forget(vm);
		spin_unlock(&vm->lock);
	}
	spin_unlock(&hostsig_table_lock);
	if (!vm)
		return;
	hostsig_put_batch(&victims);
	hostsig_notify_vm(HOSTSIG_EVENT_VM_GONE, vm->id, GFP_ATOMIC);
	hostsig_vm_put(vm);
}

/*
 * Module unload: no hypercall or netlink request runs any more. VMs that
 * live on must not keep pages tracked for nobody.
 */
void hostsig_vms_exit(void)
{
	struct hostsig_component *comp, *tmp;
	struct hostsig_vm *vm;
	struct kvm *kvm;
	LIST_HEAD(victims);

	for (;;) {
		spin_lock(&hostsig_table_lock);
		vm = list_first_entry_or_null(&hostsig_vm_list, struct hostsig_vm,
					      node);
		kvm = NULL;
		if (vm) {
			/* Fails only if kvm_destroy_vm() has begun. */
			if (kvm_get_kvm_safe(vm->kvm))
				kvm = vm->kvm;
		}
		if (vm && kvm) {
			hostsig_vm_unlist_locked(vm);
			spin_lock(&vm->lock);
			hostsig_retire_comps_locked(vm, &victims);
			spin_unlock(&vm->lock);
		}
		spin_unlock(&hostsig_table_lock);
		if (!vm)
			break;
		if (!kvm) {
			/*
			 * kvm_destroy_vm() has begun and its hook, still
			 * registered, is about to retire the VM and unlink our
			 * notifier (which KVM may still call while it deletes
			 * its memslots): let it, then look again.
			 */
			usleep_range(1000, 2000);
			continue;
		}
		list_for_each_entry_safe(comp, tmp, &victims, batch)
			hostsig_track_stop(comp);
		hostsig_track_detach(vm);
		spin_lock(&vm->lock);
		vm->dead = true;
		spin_unlock(&vm->lock);
		kvm_put_kvm(kvm);
		hostsig_put_batch(&victims);
		hostsig_vm_put(vm);
	}
}

/* Wait until every VM is freed. */
void hostsig_vms_flush(void)
{
	flush_work(&hostsig_vm_graveyard_work);
}

/* ---- the hook on kvm_destroy_vm() ------------------------------------------------ */

#define HOSTSIG_DESTROY_VM "kvm_destroy_vm"

static void notrace hostsig_destroy_vm_hook(unsigned long ip,
					    unsigned long parent_ip,
					    struct ftrace_ops *ops,
					    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	if (regs)
		hostsig_vm_destroyed((struct kvm *)regs_get_kernel_argument(regs, 0));
}

static struct ftrace_ops hostsig_destroy_vm_ops = {
	.func = hostsig_destroy_vm_hook,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_RECURSION |
		 FTRACE_OPS_FL_PERMANENT,
};

int hostsig_vm_hooks_init(void)
{
	unsigned char name[] = HOSTSIG_DESTROY_VM;
	int err;

	err = ftrace_set_filter(&hostsig_destroy_vm_ops, name, strlen(name), 1);
	if (!err)
		err = register_ftrace_function(&hostsig_destroy_vm_ops);
	if (err) {
		/* -EBUSY: kernel.ftrace_enabled is 0. */
		pr_err("cannot watch %s: %d\n", HOSTSIG_DESTROY_VM, err);
		ftrace_free_filter(&hostsig_destroy_vm_ops);
	}
	return err;
}

/* After this returns, no hook runs any more. */
void hostsig_vm_hooks_exit(void)
{
	unregister_ftrace_function(&hostsig_destroy_vm_ops);
	ftrace_free_filter(&hostsig_destroy_vm_ops);
}
