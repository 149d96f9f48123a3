// SPDX-License-Identifier: GPL-2.0
/*
 * Splicing the hostsig hypercalls into an unmodified KVM.
 *
 * KVM has no interface for adding hypercalls, so we redirect one of its
 * exported functions to a wrapper of ours with an IPMODIFY ftrace_ops, the
 * way livepatch does. The wrapper handles our hypercall numbers and calls the
 * original function for everything else, so with the module loaded KVM
 * behaves exactly as without it for every number that is not ours. The
 * wrapper's own call into the original re-enters the ftrace callback with a
 * parent_ip inside this module, which is how the callback knows to let it
 * through; that is why this file is built with -fno-optimize-sibling-calls
 * (a tail jump would leave the wrong parent_ip and loop).
 *
 * Which function (choice by kernel, decided at build time by Kbuild):
 *
 * - Where KVM exports __kvm_emulate_hypercall(vcpu, nr, a0..a3, op_64_bit,
 *   cpl) (6.10 to 6.13, so Debian's 6.12) we hook it. KVM calls it only after
 *   sending Xen and Hyper-V hypercalls their own way, and hands it the CPL and
 *   the operand size it computed; its caller writes RAX and skips the
 *   instruction. We take the call only when op_64_bit && cpl == 0 && the
 *   number is ours, and return our result; KVM then finishes the instruction
 *   as for its own calls. Nothing of KVM's logic is duplicated.
 *
 * - Elsewhere (6.1) we hook kvm_emulate_hypercall(vcpu), but run KVM's code
 *   first and take over only afterwards: when the number was ours and KVM
 *   left RAX at the full 64-bit -KVM_ENOSYS. That value proves KVM went all
 *   the way through its own checks: the call came from CPL 0 (else
 *   -KVM_EPERM), in 64-bit mode (else RAX would be truncated to 32 bits), and
 *   was not a Xen or Hyper-V hypercall (those never produce it). KVM has
 *   already skipped the instruction; we only replace RAX.
 *
 * Unloading: unregister_ftrace_function() stops new redirections, but a vCPU
 * thread may have been redirected and not yet be inside the wrapper, may be
 * inside it (possibly asleep: REGISTER reads guest memory), or may have left
 * the SRCU section and be on its last instructions in our text. The exit path
 * waits for each in turn (see hostsig_hook_exit()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/kvm_para.h>
#include <linux/module.h>
#include <linux/srcu.h>
#include <linux/version.h>

#include "hostsig.h"

/* 6.11 renamed the setter of the saved instruction pointer. */
#ifdef ftrace_regs_set_instruction_pointer
#define hostsig_ftrace_set_ip ftrace_regs_set_instruction_pointer
#else
#define hostsig_ftrace_set_ip ftrace_instruction_pointer_set
#endif

/* Wrappers currently running: the exit path waits for them. */
DEFINE_STATIC_SRCU(hostsig_hook_srcu);

/*
 * Whether the vCPU runs a nested guest (KVM's is_guest_mode(), private to
 * KVM): a hypercall that reaches us from there (its hypervisor does not
 * intercept it) is the nested guest's, not the VM's. KVM handles it as
 * without hostsig.
 */
static bool hostsig_in_nested_guest(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.hflags & HF_GUEST_MASK;
}

#ifdef HOSTSIG_HOOK_INNER

static void hostsig_count_hypercall(struct kvm_vcpu *vcpu)
{
	/* Keep KVM's own statistics identical to a call KVM handled. */
	++vcpu->stat.hypercalls;
}

static unsigned long hostsig_wrapper(struct kvm_vcpu *vcpu, unsigned long nr,
				     unsigned long a0, unsigned long a1,
				     unsigned long a2, unsigned long a3,
				     int op_64_bit, int cpl)
{
	unsigned long ret;
	int idx;

	idx = srcu_read_lock(&hostsig_hook_srcu);
	if (op_64_bit && !cpl && hostsig_hypercall_is_ours(nr) &&
	    !hostsig_in_nested_guest(vcpu)) {
		ret = hostsig_hypercall(vcpu, nr, a0, a1, a2, a3);
		hostsig_count_hypercall(vcpu);
	} else {
		ret = __kvm_emulate_hypercall(vcpu, nr, a0, a1, a2, a3,
					      op_64_bit, cpl);
	}
	srcu_read_unlock(&hostsig_hook_srcu, idx);
	return ret;
}

#define HOSTSIG_HOOK_TARGET __kvm_emulate_hypercall

#else /* !HOSTSIG_HOOK_INNER */

static int hostsig_wrapper(struct kvm_vcpu *vcpu)
{
	unsigned long *regs = vcpu->arch.regs;
	unsigned long nr = regs[VCPU_REGS_RAX];
	int ret, idx;

	idx = srcu_read_lock(&hostsig_hook_srcu);
	ret = kvm_emulate_hypercall(vcpu);
	if (hostsig_hypercall_is_ours(nr) && !hostsig_in_nested_guest(vcpu) &&
	    regs[VCPU_REGS_RAX] == (unsigned long)-KVM_ENOSYS) {
		/* KVM already counted the call; only the result is ours. */
		regs[VCPU_REGS_RAX] = hostsig_hypercall(vcpu, nr,
							regs[VCPU_REGS_RBX],
							regs[VCPU_REGS_RCX],
							regs[VCPU_REGS_RDX],
							regs[VCPU_REGS_RSI]);
		vcpu->arch.regs_dirty |= BIT(VCPU_REGS_RAX);
	}
	srcu_read_unlock(&hostsig_hook_srcu, idx);
	return ret;
}

#define HOSTSIG_HOOK_TARGET kvm_emulate_hypercall

#endif /* HOSTSIG_HOOK_INNER */

static void notrace hostsig_hook_redirect(unsigned long ip,
					  unsigned long parent_ip,
					  struct ftrace_ops *ops,
					  struct ftrace_regs *fregs)
{
	/* Our own call into the original must reach it. */
	if (!within_module(parent_ip, THIS_MODULE))
		hostsig_ftrace_set_ip(fregs, (unsigned long)hostsig_wrapper);
}

static struct ftrace_ops hostsig_hook_ops = {
	.func = hostsig_hook_redirect,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		 FTRACE_OPS_FL_RECURSION | FTRACE_OPS_FL_PERMANENT,
};

const char *hostsig_hook_target(void)
{
	return __stringify(HOSTSIG_HOOK_TARGET);
}

int hostsig_hook_init(void)
{
	unsigned long target = (unsigned long)HOSTSIG_HOOK_TARGET;
	int err;

	err = ftrace_set_filter_ip(&hostsig_hook_ops, target, 0, 0);
	if (err) {
		pr_err("cannot trace %s: %d\n", hostsig_hook_target(), err);
		return err;
	}
	/*
	 * From here on, every call of the target comes to us: atomically. A
	 * permanent ops: the kernel.ftrace_enabled sysctl cannot switch the
	 * hypercalls off behind our back (writing 0 fails while we are here).
	 */
	err = register_ftrace_function(&hostsig_hook_ops);
	if (err) {
		/*
		 * -EBUSY: someone else (a livepatch?) modifies its IP, or
		 * kernel.ftrace_enabled is 0.
		 */
		pr_err("cannot hook %s: %d\n", hostsig_hook_target(), err);
		ftrace_set_filter_ip(&hostsig_hook_ops, target, 1, 0);
		return err;
	}
	return 0;
}

void hostsig_hook_exit(void)
{
	unsigned long target = (unsigned long)HOSTSIG_HOOK_TARGET;

	/* No new redirection after this. */
	unregister_ftrace_function(&hostsig_hook_ops);
	ftrace_set_filter_ip(&hostsig_hook_ops, target, 1, 0);
	/*
	 * A task redirected just before is either inside its SRCU read
	 * section by now or still between the trampoline and
	 * srcu_read_lock(); a task preempted there is not a tasks-RCU
	 * quiescent state, so this waits until it has entered the section.
	 */
	synchronize_rcu_tasks();
	/* Wrappers in flight, which may sleep. */
	synchronize_srcu(&hostsig_hook_srcu);
	/* The instructions after srcu_read_unlock() still run our text. */
	synchronize_rcu_tasks();
}
