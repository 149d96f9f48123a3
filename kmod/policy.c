// SPDX-License-Identifier: GPL-2.0
/*
 * What QUERY answers, from a component's state and its VM's policy. The
 * table is in include/uapi/linux/hostsig.h ("Policy").
 */
#include <linux/seqlock.h>

#include "hostsig.h"

/* Until an operator says otherwise: log everything, stop nothing. */
static struct hostsig_policy hostsig_global_policy = {
	.mode = HOSTSIG_MODE_AUDIT,
	.unknown = HOSTSIG_UNKNOWN_ALLOW,
	.timeout_ms = 30000,
	.tampered = HOSTSIG_TAMPERED_REVERIFY,
};

/* Readers copy it whole, from any context, without waiting for writers. */
static DEFINE_SEQLOCK(hostsig_global_policy_lock);

void hostsig_default_policy(struct hostsig_policy *out)
{
	unsigned int seq;

	do {
		seq = read_seqbegin(&hostsig_global_policy_lock);
		*out = hostsig_global_policy;
	} while (read_seqretry(&hostsig_global_policy_lock, seq));
}

/* Fields of @change that are 0 stay (timeout_ms: U32_MAX stays). */
void hostsig_policy_apply(struct hostsig_policy *target,
			  const struct hostsig_policy *change)
{
	if (change->mode)
		target->mode = change->mode;
	if (change->unknown)
		target->unknown = change->unknown;
	if (change->timeout_ms != U32_MAX)
		target->timeout_ms = change->timeout_ms;
	if (change->tampered)
		target->tampered = change->tampered;
}

void hostsig_default_policy_change(const struct hostsig_policy *change)
{
	write_seqlock(&hostsig_global_policy_lock);
	hostsig_policy_apply(&hostsig_global_policy, change);
	write_sequnlock(&hostsig_global_policy_lock);
}

enum hostsig_decision hostsig_decide(const struct hostsig_policy *policy,
				     enum hostsig_state state, u32 history)
{
	/* Once written to or not authentic, and the operator never forgives. */
	if (history && policy->mode != HOSTSIG_MODE_AUDIT &&
	    policy->tampered == HOSTSIG_TAMPERED_DENY)
		return HOSTSIG_DECISION_DENY;
	switch (state) {
	case HOSTSIG_STATE_UNVERIFIED:
	case HOSTSIG_STATE_PENDING:
		return HOSTSIG_DECISION_PENDING;
	case HOSTSIG_STATE_AUTHENTIC:
		return HOSTSIG_DECISION_ALLOW;
	case HOSTSIG_STATE_UNKNOWN:
		if (policy->mode == HOSTSIG_MODE_AUDIT ||
		    policy->unknown == HOSTSIG_UNKNOWN_ALLOW)
			return HOSTSIG_DECISION_ALLOW;
		return HOSTSIG_DECISION_DENY;
	case HOSTSIG_STATE_NOT_AUTHENTIC:
	case HOSTSIG_STATE_MODIFIED:
		if (policy->mode == HOSTSIG_MODE_AUDIT)
			return HOSTSIG_DECISION_ALLOW;
		return HOSTSIG_DECISION_DENY;
	case HOSTSIG_STATE_UNLOADED:
	default:
		return HOSTSIG_DECISION_DENY;
	}
}

bool hostsig_policy_stops_vm(const struct hostsig_policy *policy,
			     enum hostsig_state state)
{
	return policy->mode == HOSTSIG_MODE_QUARANTINE &&
	       (state == HOSTSIG_STATE_NOT_AUTHENTIC ||
		state == HOSTSIG_STATE_MODIFIED);
}
