// SPDX-License-Identifier: GPL-2.0
/*
 * What QUERY answers, from a component's state and its VM's policy. The
 * table is in include/uapi/linux/hostsig.h ("Policy").
 */
#include "hostsig.h"

/* Until an operator says otherwise: log everything, stop nothing. */
struct hostsig_policy hostsig_default_policy = {
	.mode = HOSTSIG_MODE_AUDIT,
	.unknown = HOSTSIG_UNKNOWN_ALLOW,
	.timeout_ms = 30000,
	.tampered = HOSTSIG_TAMPERED_REVERIFY,
};

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
