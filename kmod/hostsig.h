/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostsig.ko: what the parts of the module share.
 */
#ifndef _HOSTSIG_H
#define _HOSTSIG_H

#include <linux/kvm_host.h>
#include <uapi/linux/hostsig.h>

/* hypercall.c: the hostsig hypercalls, called from the hook. */
bool hostsig_hypercall_is_ours(unsigned long nr);
unsigned long hostsig_hypercall(struct kvm_vcpu *vcpu, unsigned long nr,
				unsigned long a0, unsigned long a1,
				unsigned long a2, unsigned long a3);

/* hook.c: the hostsig hypercalls spliced into KVM's hypercall path. */
int hostsig_hook_init(void);
void hostsig_hook_exit(void);
const char *hostsig_hook_target(void);

#endif /* _HOSTSIG_H */
