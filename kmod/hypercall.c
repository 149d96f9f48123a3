// SPDX-License-Identifier: GPL-2.0
/*
 * The hostsig hypercalls. The hook (hook.c) sends a call here only when it
 * came from CPL 0 in 64-bit mode and its number is ours; everything else
 * stays with KVM. The ABI is documented in include/uapi/linux/hostsig.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_para.h>

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
