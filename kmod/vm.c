// SPDX-License-Identifier: GPL-2.0
/*
 * Knowing when a VM goes away.
 *
 * KVM tells modules nothing when a VM is destroyed, and hostsig must not
 * keep a struct kvm alive: a reference would keep every VM it ever saw
 * from being destroyed until something noticed that the VMM let go.
 * Instead a hook on kvm_destroy_vm(), which KVM calls exactly once, when
 * the last reference goes (no vCPU can run any more by then), retires the
 * VM's components synchronously, before KVM frees anything. The hook runs
 * with preemption disabled: it only unlinks and marks, and leaves freeing to
 * a work item. kvm_destroy_vm() is static but not inlined in Debian's
 * kvm.ko (it has two callers) and has its ftrace call site; setting the
 * filter fails, and with it the module load, if that ever changes.
 *
 * The hook is an ftrace_ops that nobody can switch off while it is
 * registered (FTRACE_OPS_FL_PERMANENT): not the kernel.ftrace_enabled
 * sysctl (writing 0 fails with EBUSY while hostsig is loaded), and, unlike
 * a kprobe, not the kprobes "enabled" switch of debugfs either. A VM
 * destroyed unseen would leave hostsig a dangling struct kvm.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/ptrace.h>

#include "hostsig.h"

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
