// SPDX-License-Identifier: GPL-2.0
/*
 * The "hostsig" generic netlink family: verdicts from the verifier, the
 * operator's view and controls, and the events group. The commands and
 * attributes are documented in include/uapi/linux/hostsig.h and, in YNL
 * form, in Documentation/netlink/specs/hostsig.yaml.
 *
 * Every command has its own attribute space and policy; the family is new,
 * so the core validates strictly (unknown attributes, attributes of the
 * wrong type and non-zero reserved header bytes are rejected) before any
 * handler runs. Every command, and joining the events group, needs
 * CAP_NET_ADMIN: what the family tells (components, load addresses, VMM
 * pids, tamper addresses) is every VM's business, not every local user's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "compat.h"
#include "hostsig.h"

/* The longest verdict timeout an operator can set: one day. */
#define HOSTSIG_TIMEOUT_MS_MAX	(24U * 3600 * 1000)

static const struct nla_policy hostsig_range_policy[HOSTSIG_A_RANGE_MAX + 1] = {
	[HOSTSIG_A_RANGE_REGION] = { .type = NLA_U32 },
	[HOSTSIG_A_RANGE_OFFSET] = { .type = NLA_U64 },
	[HOSTSIG_A_RANGE_LEN] = { .type = NLA_U64 },
};

static const struct nla_policy hostsig_comp_policy[HOSTSIG_A_COMP_MAX + 1] = {
	[HOSTSIG_A_COMP_ID] = { .type = NLA_U64 },
	[HOSTSIG_A_COMP_VM_ID] = { .type = NLA_U64 },
	[HOSTSIG_A_COMP_RECORD_ID] = { .type = NLA_U64 },
	[HOSTSIG_A_COMP_VERDICT] = NLA_POLICY_RANGE(NLA_U32,
						    HOSTSIG_VERDICT_AUTHENTIC,
						    HOSTSIG_VERDICT_UNKNOWN),
	[HOSTSIG_A_COMP_REASON] = { .type = NLA_NUL_STRING,
				    .len = HOSTSIG_REASON_LEN - 1 },
	[HOSTSIG_A_COMP_MESSAGE] = { .type = NLA_NUL_STRING,
				     .len = HOSTSIG_MESSAGE_LEN - 1 },
	[HOSTSIG_A_COMP_DIGEST] = { .type = NLA_BINARY,
				    .len = HOSTSIG_DIGEST_MAX },
	[HOSTSIG_A_COMP_DIGEST_ALG] = { .type = NLA_NUL_STRING,
					.len = HOSTSIG_DIGEST_ALG_LEN - 1 },
	[HOSTSIG_A_COMP_WRITABLE] = NLA_POLICY_NESTED(hostsig_range_policy),
	[HOSTSIG_A_COMP_PATCH_SITE] = NLA_POLICY_NESTED(hostsig_range_policy),
};

static const struct nla_policy hostsig_vm_policy[HOSTSIG_A_VM_MAX + 1] = {
	[HOSTSIG_A_VM_ID] = { .type = NLA_U64 },
};

static struct netlink_range_validation hostsig_timeout_range = {
	.max = HOSTSIG_TIMEOUT_MS_MAX,
};

static const struct nla_policy hostsig_policy_policy[HOSTSIG_A_POLICY_MAX + 1] = {
	[HOSTSIG_A_POLICY_VM_ID] = { .type = NLA_U64 },
	[HOSTSIG_A_POLICY_MODE] = NLA_POLICY_RANGE(NLA_U32, HOSTSIG_MODE_AUDIT,
						   HOSTSIG_MODE_QUARANTINE),
	[HOSTSIG_A_POLICY_UNKNOWN] = NLA_POLICY_RANGE(NLA_U32,
						      HOSTSIG_UNKNOWN_ALLOW,
						      HOSTSIG_UNKNOWN_DENY),
	[HOSTSIG_A_POLICY_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hostsig_timeout_range),
	[HOSTSIG_A_POLICY_RESET] = { .type = NLA_FLAG },
	[HOSTSIG_A_POLICY_TAMPERED] = NLA_POLICY_RANGE(NLA_U32,
						       HOSTSIG_TAMPERED_REVERIFY,
						       HOSTSIG_TAMPERED_DENY),
};

static struct genl_family hostsig_genl_family;

/* Cleared before the family goes away; events check it under RCU. */
static bool hostsig_nl_ready;

/* ---- building messages -------------------------------------------------------- */

static int hostsig_put_u64(struct sk_buff *skb, int attr, u64 val, int pad)
{
	return nla_put_u64_64bit(skb, attr, val, pad);
}

static int hostsig_put_comp(struct sk_buff *skb,
			    const struct hostsig_comp_info *info)
{
	const int pad = HOSTSIG_A_COMP_PAD;

	if (hostsig_put_u64(skb, HOSTSIG_A_COMP_ID, info->id, pad) ||
	    hostsig_put_u64(skb, HOSTSIG_A_COMP_VM_ID, info->vm_id, pad) ||
	    nla_put_u32(skb, HOSTSIG_A_COMP_VMM_PID, info->vmm_pid) ||
	    nla_put_string(skb, HOSTSIG_A_COMP_NAME, info->name) ||
	    nla_put_u32(skb, HOSTSIG_A_COMP_FORMAT, info->format) ||
	    nla_put_u32(skb, HOSTSIG_A_COMP_STATE, info->state) ||
	    nla_put_u32(skb, HOSTSIG_A_COMP_DECISION, info->decision) ||
	    hostsig_put_u64(skb, HOSTSIG_A_COMP_SIZE, info->size, pad) ||
	    hostsig_put_u64(skb, HOSTSIG_A_COMP_LOAD_BASE, info->load_base, pad) ||
	    hostsig_put_u64(skb, HOSTSIG_A_COMP_IMAGE_BASE, info->image_base, pad) ||
	    hostsig_put_u64(skb, HOSTSIG_A_COMP_REGISTERED_NS,
			    info->registered_ns, pad) ||
	    nla_put_u32(skb, HOSTSIG_A_COMP_VERIFICATIONS, info->verifications) ||
	    nla_put_u32(skb, HOSTSIG_A_COMP_TRACKED_PAGES, info->tracked_pages) ||
	    nla_put_u32(skb, HOSTSIG_A_COMP_TAMPERS, info->tampers) ||
	    nla_put_u32(skb, HOSTSIG_A_COMP_PATCHES, info->patches) ||
	    nla_put_u32(skb, HOSTSIG_A_COMP_HISTORY, info->history))
		return -EMSGSIZE;
	if (info->tampers &&
	    hostsig_put_u64(skb, HOSTSIG_A_COMP_TAMPER_GPA, info->tamper_gpa, pad))
		return -EMSGSIZE;
	if (info->record_id &&
	    hostsig_put_u64(skb, HOSTSIG_A_COMP_RECORD_ID, info->record_id, pad))
		return -EMSGSIZE;
	if (info->modified_ns &&
	    hostsig_put_u64(skb, HOSTSIG_A_COMP_MODIFIED_NS, info->modified_ns,
			    pad))
		return -EMSGSIZE;
	if (!info->verdict)
		return 0;
	if (nla_put_u32(skb, HOSTSIG_A_COMP_VERDICT, info->verdict) ||
	    hostsig_put_u64(skb, HOSTSIG_A_COMP_VERDICT_NS, info->verdict_ns, pad) ||
	    nla_put_string(skb, HOSTSIG_A_COMP_REASON, info->reason))
		return -EMSGSIZE;
	if (info->message[0] &&
	    nla_put_string(skb, HOSTSIG_A_COMP_MESSAGE, info->message))
		return -EMSGSIZE;
	if (info->digest_len &&
	    nla_put(skb, HOSTSIG_A_COMP_DIGEST, info->digest_len, info->digest))
		return -EMSGSIZE;
	if (info->digest_alg[0] &&
	    nla_put_string(skb, HOSTSIG_A_COMP_DIGEST_ALG, info->digest_alg))
		return -EMSGSIZE;
	return 0;
}

static int hostsig_put_vm(struct sk_buff *skb, const struct hostsig_vm_info *info)
{
	const int pad = HOSTSIG_A_VM_PAD;

	if (hostsig_put_u64(skb, HOSTSIG_A_VM_ID, info->id, pad) ||
	    nla_put_u32(skb, HOSTSIG_A_VM_VMM_PID, info->vmm_pid) ||
	    nla_put_u32(skb, HOSTSIG_A_VM_COMPONENTS, info->components) ||
	    hostsig_put_u64(skb, HOSTSIG_A_VM_PENDING_BYTES, info->pending_bytes,
			    pad) ||
	    hostsig_put_u64(skb, HOSTSIG_A_VM_REGISTERED, info->registered, pad) ||
	    hostsig_put_u64(skb, HOSTSIG_A_VM_REFUSED, info->refused, pad) ||
	    nla_put_u8(skb, HOSTSIG_A_VM_QUARANTINED, info->quarantined) ||
	    nla_put_u8(skb, HOSTSIG_A_VM_POLICY_OVERRIDE, info->has_policy) ||
	    hostsig_put_u64(skb, HOSTSIG_A_VM_RETAINED_BYTES,
			    info->retained_bytes, pad) ||
	    hostsig_put_u64(skb, HOSTSIG_A_VM_RING_BYTES, info->ring_bytes, pad))
		return -EMSGSIZE;
	return 0;
}

static int hostsig_put_policy(struct sk_buff *skb, u64 vm_id,
			      const struct hostsig_policy *policy, bool own)
{
	if ((vm_id && hostsig_put_u64(skb, HOSTSIG_A_POLICY_VM_ID, vm_id,
				      HOSTSIG_A_POLICY_PAD)) ||
	    nla_put_u32(skb, HOSTSIG_A_POLICY_MODE, policy->mode) ||
	    nla_put_u32(skb, HOSTSIG_A_POLICY_UNKNOWN, policy->unknown) ||
	    nla_put_u32(skb, HOSTSIG_A_POLICY_TIMEOUT_MS, policy->timeout_ms) ||
	    nla_put_u32(skb, HOSTSIG_A_POLICY_TAMPERED, policy->tampered) ||
	    nla_put_u8(skb, HOSTSIG_A_POLICY_OVERRIDE, own))
		return -EMSGSIZE;
	return 0;
}

/* A reply of one message to a do request, filled by put(). */
static int hostsig_reply(struct genl_info *info,
			 int (*put)(struct sk_buff *skb, const void *arg),
			 const void *arg)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put(skb, info->snd_portid, info->snd_seq,
			  &hostsig_genl_family, 0, info->genlhdr->cmd);
	if (!hdr || put(skb, arg)) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

/* ---- events ---------------------------------------------------------------------- */

static void hostsig_multicast(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	rcu_read_lock();
	if (READ_ONCE(hostsig_nl_ready))
		/* Fails with -ESRCH when nobody listens: nothing lost. */
		genlmsg_multicast(&hostsig_genl_family, skb, 0, 0, GFP_ATOMIC);
	else
		nlmsg_free(skb);
	rcu_read_unlock();
}

static struct sk_buff *hostsig_event_new(enum hostsig_event event, gfp_t gfp,
					 void **hdr)
{
	struct sk_buff *skb;

	if (!READ_ONCE(hostsig_nl_ready))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!skb) {
		hostsig_count(HOSTSIG_A_STATS_EVENTS_DROPPED);
		return NULL;
	}
	*hdr = genlmsg_put(skb, 0, 0, &hostsig_genl_family, 0, HOSTSIG_CMD_EVENT);
	if (!*hdr || nla_put_u32(skb, HOSTSIG_A_COMP_EVENT, event)) {
		nlmsg_free(skb);
		hostsig_count(HOSTSIG_A_STATS_EVENTS_DROPPED);
		return NULL;
	}
	return skb;
}

void hostsig_notify_component(enum hostsig_event event,
			      const struct hostsig_comp_info *info, gfp_t gfp)
{
	struct sk_buff *skb;
	void *hdr;

	skb = hostsig_event_new(event, gfp, &hdr);
	if (!skb)
		return;
	if (hostsig_put_comp(skb, info)) {
		nlmsg_free(skb);
		hostsig_count(HOSTSIG_A_STATS_EVENTS_DROPPED);
		return;
	}
	hostsig_multicast(skb, hdr);
}

void hostsig_notify_vm(enum hostsig_event event, u64 vm_id, gfp_t gfp)
{
	struct sk_buff *skb;
	void *hdr;

	skb = hostsig_event_new(event, gfp, &hdr);
	if (!skb)
		return;
	if (hostsig_put_u64(skb, HOSTSIG_A_COMP_VM_ID, vm_id, HOSTSIG_A_COMP_PAD)) {
		nlmsg_free(skb);
		hostsig_count(HOSTSIG_A_STATS_EVENTS_DROPPED);
		return;
	}
	hostsig_multicast(skb, hdr);
}

/* ---- VERDICT ---------------------------------------------------------------------- */

/*
 * Every attribute @type of the request (HOSTSIG_A_COMP_WRITABLE or
 * HOSTSIG_A_COMP_PATCH_SITE), each a nested range, at most @max of them,
 * into a new array *@out of *@nr entries.
 */
static int hostsig_nl_ranges(struct genl_info *info, int type, u32 max,
			     struct hostsig_range **out, u32 *nr)
{
	struct nlattr *tb[HOSTSIG_A_RANGE_MAX + 1];
	void *attrs = genlmsg_data(info->genlhdr);
	int len = genlmsg_len(info->genlhdr);
	struct nlattr *attr;
	u32 count = 0;
	int rem, err;

	nla_for_each_attr(attr, attrs, len, rem)
		count += nla_type(attr) == type;
	if (!count)
		return 0;
	if (count > max) {
		if (type == HOSTSIG_A_COMP_WRITABLE)
			NL_SET_ERR_MSG(info->extack, "too many writable ranges");
		else
			NL_SET_ERR_MSG(info->extack, "too many patch sites");
		return -E2BIG;
	}
	*out = kcalloc(count, sizeof(**out), GFP_KERNEL);
	if (!*out)
		return -ENOMEM;
	nla_for_each_attr(attr, attrs, len, rem) {
		struct hostsig_range *range;

		if (nla_type(attr) != type)
			continue;
		err = nla_parse_nested(tb, HOSTSIG_A_RANGE_MAX, attr,
				       hostsig_range_policy, info->extack);
		if (err)
			return err;
		if (!tb[HOSTSIG_A_RANGE_REGION] || !tb[HOSTSIG_A_RANGE_OFFSET] ||
		    !tb[HOSTSIG_A_RANGE_LEN]) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "a range needs region, offset and length");
			return -EINVAL;
		}
		range = &(*out)[(*nr)++];
		range->region = nla_get_u32(tb[HOSTSIG_A_RANGE_REGION]);
		range->offset = nla_get_u64(tb[HOSTSIG_A_RANGE_OFFSET]);
		range->len = nla_get_u64(tb[HOSTSIG_A_RANGE_LEN]);
	}
	return 0;
}

static void hostsig_nl_verdict_error(struct genl_info *info, int err)
{
	switch (err) {
	case -ENOENT:
		NL_SET_ERR_MSG(info->extack, "no such component");
		break;
	case -ESTALE:
		NL_SET_ERR_MSG(info->extack,
			       "the component does not wait for that record");
		break;
	case -EALREADY:
		NL_SET_ERR_MSG(info->extack, "that record was answered already");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG(info->extack,
			       "a writable range or patch site lies outside the component");
		break;
	}
}

static int hostsig_nl_verdict(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct hostsig_verdict_msg *msg;
	int ret;

	if (!hostsig_ring_is_consumer()) {
		NL_SET_ERR_MSG(info->extack,
			       "verdicts come from the process holding /dev/hostsig");
		return -EPERM;
	}
	if (!attrs[HOSTSIG_A_COMP_ID] || !attrs[HOSTSIG_A_COMP_RECORD_ID] ||
	    !attrs[HOSTSIG_A_COMP_VERDICT] || !attrs[HOSTSIG_A_COMP_REASON]) {
		NL_SET_ERR_MSG(info->extack,
			       "a verdict needs component id, record id, verdict and reason");
		return -EINVAL;
	}
	msg = kzalloc(sizeof(*msg), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	msg->component_id = nla_get_u64(attrs[HOSTSIG_A_COMP_ID]);
	msg->record_id = nla_get_u64(attrs[HOSTSIG_A_COMP_RECORD_ID]);
	msg->verdict = nla_get_u32(attrs[HOSTSIG_A_COMP_VERDICT]);
	msg->reason = nla_data(attrs[HOSTSIG_A_COMP_REASON]);
	if (attrs[HOSTSIG_A_COMP_MESSAGE])
		msg->message = nla_data(attrs[HOSTSIG_A_COMP_MESSAGE]);
	if (attrs[HOSTSIG_A_COMP_DIGEST]) {
		msg->digest = nla_data(attrs[HOSTSIG_A_COMP_DIGEST]);
		msg->digest_len = nla_len(attrs[HOSTSIG_A_COMP_DIGEST]);
	}
	if (attrs[HOSTSIG_A_COMP_DIGEST_ALG])
		msg->digest_alg = nla_data(attrs[HOSTSIG_A_COMP_DIGEST_ALG]);
	ret = hostsig_nl_ranges(info, HOSTSIG_A_COMP_WRITABLE,
				HOSTSIG_MAX_WRITABLE, &msg->writable,
				&msg->nr_writable);
	if (!ret)
		ret = hostsig_nl_ranges(info, HOSTSIG_A_COMP_PATCH_SITE,
					HOSTSIG_MAX_PATCH_SITES, &msg->patch,
					&msg->nr_patch);
	if (!ret) {
		ret = hostsig_verdict(msg);
		hostsig_nl_verdict_error(info, ret);
	}
	kfree(msg->writable);
	kfree(msg->patch);
	kfree(msg);
	return ret;
}

/* ---- GET_COMPONENT, GET_VM ---------------------------------------------------------- */

static int hostsig_put_comp_arg(struct sk_buff *skb, const void *arg)
{
	return hostsig_put_comp(skb, arg);
}

static int hostsig_nl_get_comp_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hostsig_comp_info *comp;
	int ret;

	if (!info->attrs[HOSTSIG_A_COMP_ID]) {
		NL_SET_ERR_MSG(info->extack, "which component?");
		return -EINVAL;
	}
	comp = kmalloc(sizeof(*comp), GFP_KERNEL);
	if (!comp)
		return -ENOMEM;
	ret = hostsig_comp_get(nla_get_u64(info->attrs[HOSTSIG_A_COMP_ID]), comp);
	if (!ret)
		ret = hostsig_reply(info, hostsig_put_comp_arg, comp);
	kfree(comp);
	return ret;
}

/* cb->args[0]: the next id to look at. */
static int hostsig_nl_get_comp_dumpit(struct sk_buff *skb,
				      struct netlink_callback *cb)
{
	struct nlattr **attrs = hostsig_dump_attrs(cb);
	struct hostsig_comp_info *comp;
	u64 id = cb->args[0], vm_id = 0;
	int sent = 0, ret = 0;
	void *hdr;

	if (attrs && attrs[HOSTSIG_A_COMP_VM_ID])
		vm_id = nla_get_u64(attrs[HOSTSIG_A_COMP_VM_ID]);
	comp = kmalloc(sizeof(*comp), GFP_KERNEL);
	if (!comp)
		return -ENOMEM;
	while (!hostsig_comp_next(&id, vm_id, comp)) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &hostsig_genl_family,
				  NLM_F_MULTI, HOSTSIG_CMD_GET_COMPONENT);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		if (hostsig_put_comp(skb, comp)) {
			genlmsg_cancel(skb, hdr);
			ret = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
		sent++;
		id++;
	}
	kfree(comp);
	cb->args[0] = id;
	/* A component that does not fit an empty message: no progress. */
	if (ret && !sent)
		return ret;
	return skb->len;
}

static int hostsig_put_vm_arg(struct sk_buff *skb, const void *arg)
{
	return hostsig_put_vm(skb, arg);
}

static int hostsig_nl_get_vm_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hostsig_vm_info vm;
	int ret;

	if (!info->attrs[HOSTSIG_A_VM_ID]) {
		NL_SET_ERR_MSG(info->extack, "which VM?");
		return -EINVAL;
	}
	ret = hostsig_vm_get(nla_get_u64(info->attrs[HOSTSIG_A_VM_ID]), &vm);
	if (ret)
		return ret;
	return hostsig_reply(info, hostsig_put_vm_arg, &vm);
}

static int hostsig_nl_get_vm_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct hostsig_vm_info vm;
	u64 id = cb->args[0];
	void *hdr;

	while (!hostsig_vm_next(&id, &vm)) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &hostsig_genl_family,
				  NLM_F_MULTI, HOSTSIG_CMD_GET_VM);
		if (!hdr)
			break;
		if (hostsig_put_vm(skb, &vm)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		id++;
	}
	cb->args[0] = id;
	return skb->len;
}

/* ---- GET_STATS -------------------------------------------------------------------- */

static int hostsig_put_stats(struct sk_buff *skb, const void *arg)
{
	int i;

	for (i = HOSTSIG_A_STATS_REGISTERED; i <= HOSTSIG_A_STATS_MAX; i++) {
		u64 val;

		switch (i) {
		case HOSTSIG_A_STATS_RING_USED:
			val = hostsig_ring_used();
			break;
		case HOSTSIG_A_STATS_RING_SIZE:
			val = hostsig_ring_size();
			break;
		case HOSTSIG_A_STATS_COMPONENTS:
			val = hostsig_nr_comps();
			break;
		case HOSTSIG_A_STATS_VMS:
			val = hostsig_nr_vms();
			break;
		case HOSTSIG_A_STATS_MEMORY:
			val = atomic64_read(&hostsig_memory);
			break;
		case HOSTSIG_A_STATS_TRACKED_PAGES:
			val = atomic64_read(&hostsig_tracked_pages);
			break;
		case HOSTSIG_A_STATS_CONSUMER_PID:
			val = hostsig_ring_consumer_pid();
			break;
		default:
			val = atomic64_read(&hostsig_stats[i]);
			break;
		}
		if (hostsig_put_u64(skb, i, val, HOSTSIG_A_STATS_PAD))
			return -EMSGSIZE;
	}
	return 0;
}

static int hostsig_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	return hostsig_reply(info, hostsig_put_stats, NULL);
}

/* ---- GET_POLICY, SET_POLICY ------------------------------------------------------------ */

struct hostsig_policy_reply {
	u64 vm_id;
	struct hostsig_policy policy;
	bool own;
};

static int hostsig_put_policy_arg(struct sk_buff *skb, const void *arg)
{
	const struct hostsig_policy_reply *r = arg;

	return hostsig_put_policy(skb, r->vm_id, &r->policy, r->own);
}

static int hostsig_nl_get_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct hostsig_policy_reply r = { };
	int ret;

	if (info->attrs[HOSTSIG_A_POLICY_VM_ID])
		r.vm_id = nla_get_u64(info->attrs[HOSTSIG_A_POLICY_VM_ID]);
	ret = hostsig_policy_get(r.vm_id, &r.policy, &r.own);
	if (ret) {
		NL_SET_ERR_MSG(info->extack, "no such VM");
		return ret;
	}
	return hostsig_reply(info, hostsig_put_policy_arg, &r);
}

static int hostsig_nl_set_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct hostsig_policy change = { .timeout_ms = U32_MAX };
	struct nlattr **attrs = info->attrs;
	bool reset = attrs[HOSTSIG_A_POLICY_RESET];
	bool any = false;
	u64 vm_id = 0;
	int ret;

	if (attrs[HOSTSIG_A_POLICY_VM_ID])
		vm_id = nla_get_u64(attrs[HOSTSIG_A_POLICY_VM_ID]);
	if (attrs[HOSTSIG_A_POLICY_MODE]) {
		change.mode = nla_get_u32(attrs[HOSTSIG_A_POLICY_MODE]);
		any = true;
	}
	if (attrs[HOSTSIG_A_POLICY_UNKNOWN]) {
		change.unknown = nla_get_u32(attrs[HOSTSIG_A_POLICY_UNKNOWN]);
		any = true;
	}
	if (attrs[HOSTSIG_A_POLICY_TIMEOUT_MS]) {
		change.timeout_ms = nla_get_u32(attrs[HOSTSIG_A_POLICY_TIMEOUT_MS]);
		any = true;
	}
	if (attrs[HOSTSIG_A_POLICY_TAMPERED]) {
		change.tampered = nla_get_u32(attrs[HOSTSIG_A_POLICY_TAMPERED]);
		any = true;
	}
	if (reset && (any || !vm_id)) {
		NL_SET_ERR_MSG(info->extack, "reset takes a VM id and nothing else");
		return -EINVAL;
	}
	if (!reset && !any) {
		NL_SET_ERR_MSG(info->extack, "nothing to set");
		return -EINVAL;
	}
	ret = hostsig_policy_set(vm_id, &change, reset);
	if (ret)
		NL_SET_ERR_MSG(info->extack, "no such VM");
	return ret;
}

/* ---- REVERIFY -------------------------------------------------------------------------- */

static int hostsig_nl_reverify(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	if (!info->attrs[HOSTSIG_A_COMP_ID]) {
		NL_SET_ERR_MSG(info->extack, "which component?");
		return -EINVAL;
	}
	ret = hostsig_reverify(nla_get_u64(info->attrs[HOSTSIG_A_COMP_ID]));
	if (ret == -EAGAIN)
		NL_SET_ERR_MSG(info->extack, "the ring is full, try again later");
	else if (ret == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such component loaded");
	return ret;
}

/* ---- the family -------------------------------------------------------------------------- */

static const struct genl_ops hostsig_genl_ops[] = {
	{
		.cmd = HOSTSIG_CMD_VERDICT,
		.doit = hostsig_nl_verdict,
		.policy = hostsig_comp_policy,
		.maxattr = HOSTSIG_A_COMP_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HOSTSIG_CMD_GET_COMPONENT,
		.doit = hostsig_nl_get_comp_doit,
		.dumpit = hostsig_nl_get_comp_dumpit,
		.policy = hostsig_comp_policy,
		.maxattr = HOSTSIG_A_COMP_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HOSTSIG_CMD_GET_VM,
		.doit = hostsig_nl_get_vm_doit,
		.dumpit = hostsig_nl_get_vm_dumpit,
		.policy = hostsig_vm_policy,
		.maxattr = HOSTSIG_A_VM_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HOSTSIG_CMD_GET_STATS,
		.doit = hostsig_nl_get_stats,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HOSTSIG_CMD_GET_POLICY,
		.doit = hostsig_nl_get_policy,
		.policy = hostsig_policy_policy,
		.maxattr = HOSTSIG_A_POLICY_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HOSTSIG_CMD_SET_POLICY,
		.doit = hostsig_nl_set_policy,
		.policy = hostsig_policy_policy,
		.maxattr = HOSTSIG_A_POLICY_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = HOSTSIG_CMD_REVERIFY,
		.doit = hostsig_nl_reverify,
		.policy = hostsig_comp_policy,
		.maxattr = HOSTSIG_A_COMP_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

/* Events name every VM's components and load bases: for admins only. */
static const struct genl_multicast_group hostsig_genl_mcgrps[] = {
	{ .name = HOSTSIG_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family hostsig_genl_family __ro_after_init = {
	.name = HOSTSIG_GENL_NAME,
	.version = HOSTSIG_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = hostsig_genl_ops,
	.n_ops = ARRAY_SIZE(hostsig_genl_ops),
	.resv_start_op = HOSTSIG_CMD_UNSPEC,
	.mcgrps = hostsig_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(hostsig_genl_mcgrps),
};

int hostsig_netlink_init(void)
{
	int err = genl_register_family(&hostsig_genl_family);

	if (!err)
		WRITE_ONCE(hostsig_nl_ready, true);
	return err;
}

void hostsig_netlink_exit(void)
{
	WRITE_ONCE(hostsig_nl_ready, false);
	/* Events being sent now see the family until they are done. */
	synchronize_rcu();
	genl_unregister_family(&hostsig_genl_family);
}
