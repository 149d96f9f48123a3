// SPDX-License-Identifier: GPL-2.0
/*
 * Knowing when a VM goes away.
 *
 * KVM tells modules nothing when a VM is destroyed, and hostsig must not
 * keep a struct kvm alive: a reference would keep every VM it ever saw
 * from being destroyed until something noticed that the VMM let go.
 * Instead a kprobe on kvm_destroy_vm(), which KVM calls exactly once, when
 * the last reference goes (no vCPU can run any more by then), retires the
 * VM's components synchronously, before KVM frees anything. The handler runs
 * with preemption disabled: it only unlinks and marks, and leaves freeing to
 * a work item. kvm_destroy_vm() is static but not inlined in Debian's
 * kvm.ko (it has two callers); register_kprobe() fails, and with it the
 * module load, if that ever changes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/ptrace.h>

#include "hostsig.h"

static int hostsig_destroy_vm_pre(struct kprobe *kp, struct pt_regs *regs)
{
	hostsig_vm_destroyed((struct kvm *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static struct kprobe hostsig_destroy_vm_kprobe = {
	.symbol_name = "kvm_destroy_vm",
	.pre_handler = hostsig_destroy_vm_pre,
};

int hostsig_vm_hooks_init(void)
{
	int err = register_kprobe(&hostsig_destroy_vm_kprobe);

	if (err)
		pr_err("cannot watch kvm_destroy_vm: %d\n", err);
	return err;
}

/* After this returns, no handler runs any more. */
void hostsig_vm_hooks_exit(void)
{
	unregister_kprobe(&hostsig_destroy_vm_kprobe);
}
