// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A client of the hostsig generic netlink family, on libnl-genl-3.
 *
 * libnl turns the kernel's errno into its own codes and drops the extended
 * ACK, and our callers need both (ESTALE and EALREADY mean different things
 * to the daemon; "only from the process holding /dev/hostsig" is what an
 * operator must read). So every exchange here installs its own error
 * callback that keeps the errno and the extended-ACK message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The largest attribute number in any of the family's attribute spaces. */
#define HOSTSIG_NL_MAXATTR	64

struct hostsig_nl_exchange {
	struct hostsig_nl *nl;
	int (*parse)(struct nlattr **tb, void *arg);
	void *arg;
	int error;		/* the kernel's, or the parser's */
	bool done;
};

static void hostsig_nl_set_error(struct hostsig_nl *nl, const char *msg)
{
	snprintf(nl->error, sizeof(nl->error), "%s", msg);
}

/* The extended ACK's message, if the kernel attached one. */
static void hostsig_nl_extack(struct hostsig_nl *nl, struct nlmsgerr *err)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*err);
	struct nlattr *attrs;
	int len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0)
		return;
	attrs = (struct nlattr *)((char *)err + NLMSG_ALIGN(off));
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(nl->error, tb[NLMSGERR_ATTR_MSG], sizeof(nl->error));
}

static int hostsig_nl_on_error(struct sockaddr_nl *who, struct nlmsgerr *err,
			       void *arg)
{
	struct hostsig_nl_exchange *ex = arg;

	(void)who;
	ex->error = err->error;
	if (err->error)
		hostsig_nl_extack(ex->nl, err);
	ex->done = true;
	return NL_STOP;
}

static int hostsig_nl_on_finish(struct nl_msg *msg, void *arg)
{
	struct hostsig_nl_exchange *ex = arg;

	(void)msg;
	ex->done = true;
	return NL_STOP;
}

static int hostsig_nl_on_valid(struct nl_msg *msg, void *arg)
{
	struct hostsig_nl_exchange *ex = arg;
	struct nlattr *tb[HOSTSIG_NL_MAXATTR + 1];
	int err;

	if (!ex->parse)
		return NL_OK;
	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, HOSTSIG_NL_MAXATTR, NULL);
	if (err < 0) {
		ex->error = -EBADMSG;
		hostsig_nl_set_error(ex->nl, "malformed reply");
		return NL_STOP;
	}
	err = ex->parse(tb, ex->arg);
	if (err) {
		ex->error = err;
		return NL_STOP;
	}
	return NL_OK;
}

/* Send msg (consumed) and read until the ACK, the end of the dump or an error. */
static int hostsig_nl_exchange(struct hostsig_nl *nl, struct nl_msg *msg,
			       int (*parse)(struct nlattr **tb, void *arg),
			       void *arg)
{
	struct hostsig_nl_exchange ex = { .nl = nl, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int err;

	nl->error[0] = '\0';
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, hostsig_nl_on_valid, &ex);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, hostsig_nl_on_finish, &ex);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, hostsig_nl_on_finish, &ex);
	nl_cb_err(cb, NL_CB_CUSTOM, hostsig_nl_on_error, &ex);
	err = nl_send_auto(nl->sock, msg);
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(cb);
		hostsig_nl_set_error(nl, nl_geterror(err));
		return -EIO;
	}
	while (!ex.done) {
		err = nl_recvmsgs(nl->sock, cb);
		if (err < 0 && !ex.done) {
			nl_cb_put(cb);
			if (!nl->error[0])
				hostsig_nl_set_error(nl, nl_geterror(err));
			return ex.error ? ex.error : -EIO;
		}
	}
	nl_cb_put(cb);
	return ex.error;
}

/* room: payload bytes beyond the default message size; 0 for small requests. */
static struct nl_msg *hostsig_nl_msg_room(struct hostsig_nl *nl, uint8_t cmd,
					  bool dump, size_t room)
{
	struct nl_msg *msg = room ? nlmsg_alloc_size(room + 4096) : nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 dump ? NLM_F_DUMP : NLM_F_ACK, cmd, HOSTSIG_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static struct nl_msg *hostsig_nl_msg(struct hostsig_nl *nl, uint8_t cmd,
				     bool dump)
{
	return hostsig_nl_msg_room(nl, cmd, dump, 0);
}

/* ---- opening ----------------------------------------------------------------- */

int hostsig_nl_open(struct hostsig_nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sock = nl_socket_alloc();
	if (!nl->sock)
		return -ENOMEM;
	if (genl_connect(nl->sock) < 0) {
		hostsig_nl_set_error(nl, "cannot open a generic netlink socket");
		hostsig_nl_close(nl);
		return -EIO;
	}
	/* The kernel's reasons, not only its errno. */
	setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	/*
	 * An error's acknowledgment without the request quoted: a verdict
	 * with thousands of ranges would not fit libnl's receive buffer.
	 */
	setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sock, HOSTSIG_GENL_NAME);
	if (nl->family < 0) {
		hostsig_nl_set_error(nl, "the hostsig module is not loaded");
		hostsig_nl_close(nl);
		return -ENOENT;
	}
	return 0;
}

void hostsig_nl_close(struct hostsig_nl *nl)
{
	if (nl->sock)
		nl_socket_free(nl->sock);
	nl->sock = NULL;
}

/* ---- parsing ------------------------------------------------------------------- */

static uint64_t get_u64(struct nlattr **tb, int attr)
{
	return tb[attr] && nla_len(tb[attr]) >= 8 ? nla_get_u64(tb[attr]) : 0;
}

static uint32_t get_u32(struct nlattr **tb, int attr)
{
	return tb[attr] && nla_len(tb[attr]) >= 4 ? nla_get_u32(tb[attr]) : 0;
}

static uint8_t get_u8(struct nlattr **tb, int attr)
{
	return tb[attr] && nla_len(tb[attr]) >= 1 ? nla_get_u8(tb[attr]) : 0;
}

static void get_string(struct nlattr **tb, int attr, char *buf, size_t size)
{
	buf[0] = '\0';
	if (tb[attr])
		nla_strlcpy(buf, tb[attr], size);
}

static void hostsig_nl_parse_comp(struct nlattr **tb, struct hostsig_nl_comp *c)
{
	memset(c, 0, sizeof(*c));
	c->event = get_u32(tb, HOSTSIG_A_COMP_EVENT);
	c->id = get_u64(tb, HOSTSIG_A_COMP_ID);
	c->vm_id = get_u64(tb, HOSTSIG_A_COMP_VM_ID);
	c->vmm_pid = get_u32(tb, HOSTSIG_A_COMP_VMM_PID);
	c->record_id = get_u64(tb, HOSTSIG_A_COMP_RECORD_ID);
	get_string(tb, HOSTSIG_A_COMP_NAME, c->name, sizeof(c->name));
	c->format = get_u32(tb, HOSTSIG_A_COMP_FORMAT);
	c->state = get_u32(tb, HOSTSIG_A_COMP_STATE);
	c->decision = get_u32(tb, HOSTSIG_A_COMP_DECISION);
	c->size = get_u64(tb, HOSTSIG_A_COMP_SIZE);
	c->load_base = get_u64(tb, HOSTSIG_A_COMP_LOAD_BASE);
	c->image_base = get_u64(tb, HOSTSIG_A_COMP_IMAGE_BASE);
	c->registered_ns = get_u64(tb, HOSTSIG_A_COMP_REGISTERED_NS);
	c->verdict_ns = get_u64(tb, HOSTSIG_A_COMP_VERDICT_NS);
	c->modified_ns = get_u64(tb, HOSTSIG_A_COMP_MODIFIED_NS);
	c->verdict = get_u32(tb, HOSTSIG_A_COMP_VERDICT);
	get_string(tb, HOSTSIG_A_COMP_REASON, c->reason, sizeof(c->reason));
	get_string(tb, HOSTSIG_A_COMP_MESSAGE, c->message, sizeof(c->message));
	if (tb[HOSTSIG_A_COMP_DIGEST]) {
		c->digest_len = nla_len(tb[HOSTSIG_A_COMP_DIGEST]);
		if (c->digest_len > sizeof(c->digest))
			c->digest_len = sizeof(c->digest);
		memcpy(c->digest, nla_data(tb[HOSTSIG_A_COMP_DIGEST]), c->digest_len);
	}
	get_string(tb, HOSTSIG_A_COMP_DIGEST_ALG, c->digest_alg,
		   sizeof(c->digest_alg));
	c->verifications = get_u32(tb, HOSTSIG_A_COMP_VERIFICATIONS);
	c->tracked_pages = get_u32(tb, HOSTSIG_A_COMP_TRACKED_PAGES);
	c->tampers = get_u32(tb, HOSTSIG_A_COMP_TAMPERS);
	c->tamper_gpa = get_u64(tb, HOSTSIG_A_COMP_TAMPER_GPA);
	c->patches = get_u32(tb, HOSTSIG_A_COMP_PATCHES);
	c->history = get_u32(tb, HOSTSIG_A_COMP_HISTORY);
}

struct hostsig_nl_comp_walk {
	hostsig_nl_comp_cb cb;
	void *arg;
};

struct hostsig_nl_vm_walk {
	hostsig_nl_vm_cb cb;
	void *arg;
};

static int hostsig_nl_comp_parse(struct nlattr **tb, void *arg)
{
	struct hostsig_nl_comp_walk *walk = arg;
	struct hostsig_nl_comp comp;

	hostsig_nl_parse_comp(tb, &comp);
	return walk->cb(&comp, walk->arg);
}

static int hostsig_nl_copy_comp(const struct hostsig_nl_comp *comp, void *arg)
{
	memcpy(arg, comp, sizeof(*comp));
	return 0;
}

static int hostsig_nl_vm_parse(struct nlattr **tb, void *arg)
{
	struct hostsig_nl_vm_walk *walk = arg;
	struct hostsig_nl_vm vm = {
		.id = get_u64(tb, HOSTSIG_A_VM_ID),
		.vmm_pid = get_u32(tb, HOSTSIG_A_VM_VMM_PID),
		.components = get_u32(tb, HOSTSIG_A_VM_COMPONENTS),
		.pending_bytes = get_u64(tb, HOSTSIG_A_VM_PENDING_BYTES),
		.registered = get_u64(tb, HOSTSIG_A_VM_REGISTERED),
		.refused = get_u64(tb, HOSTSIG_A_VM_REFUSED),
		.quarantined = get_u8(tb, HOSTSIG_A_VM_QUARANTINED),
		.policy_override = get_u8(tb, HOSTSIG_A_VM_POLICY_OVERRIDE),
		.retained_bytes = get_u64(tb, HOSTSIG_A_VM_RETAINED_BYTES),
		.ring_bytes = get_u64(tb, HOSTSIG_A_VM_RING_BYTES),
	};

	return walk->cb(&vm, walk->arg);
}

static int hostsig_nl_stats_parse(struct nlattr **tb, void *arg)
{
	struct hostsig_nl_stats *stats = arg;
	int i;

	for (i = 0; i < __HOSTSIG_A_STATS_MAX && i <= HOSTSIG_NL_MAXATTR; i++) {
		stats->present[i] = tb[i] && i != HOSTSIG_A_STATS_PAD;
		stats->value[i] = stats->present[i] ? get_u64(tb, i) : 0;
	}
	return 0;
}

static int hostsig_nl_policy_parse(struct nlattr **tb, void *arg)
{
	struct hostsig_nl_policy *policy = arg;

	policy->vm_id = get_u64(tb, HOSTSIG_A_POLICY_VM_ID);
	policy->mode = get_u32(tb, HOSTSIG_A_POLICY_MODE);
	policy->unknown = get_u32(tb, HOSTSIG_A_POLICY_UNKNOWN);
	policy->timeout_ms = get_u32(tb, HOSTSIG_A_POLICY_TIMEOUT_MS);
	policy->override = get_u8(tb, HOSTSIG_A_POLICY_OVERRIDE);
	policy->tampered = get_u32(tb, HOSTSIG_A_POLICY_TAMPERED);
	return 0;
}

/* ---- requests ------------------------------------------------------------------- */

int hostsig_nl_get_component(struct hostsig_nl *nl, uint64_t id,
			     struct hostsig_nl_comp *comp)
{
	struct hostsig_nl_comp_walk walk = { hostsig_nl_copy_comp, comp };
	struct nl_msg *msg = hostsig_nl_msg(nl, HOSTSIG_CMD_GET_COMPONENT, false);

	if (!msg || nla_put_u64(msg, HOSTSIG_A_COMP_ID, id) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	memset(comp, 0, sizeof(*comp));
	return hostsig_nl_exchange(nl, msg, hostsig_nl_comp_parse, &walk);
}

int hostsig_nl_dump_components(struct hostsig_nl *nl, uint64_t vm_id,
			       hostsig_nl_comp_cb cb, void *arg)
{
	struct hostsig_nl_comp_walk walk = { cb, arg };
	struct nl_msg *msg = hostsig_nl_msg(nl, HOSTSIG_CMD_GET_COMPONENT, true);

	if (!msg || (vm_id && nla_put_u64(msg, HOSTSIG_A_COMP_VM_ID, vm_id) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return hostsig_nl_exchange(nl, msg, hostsig_nl_comp_parse, &walk);
}

int hostsig_nl_dump_vms(struct hostsig_nl *nl, hostsig_nl_vm_cb cb, void *arg)
{
	struct hostsig_nl_vm_walk walk = { cb, arg };
	struct nl_msg *msg = hostsig_nl_msg(nl, HOSTSIG_CMD_GET_VM, true);

	if (!msg)
		return -ENOMEM;
	return hostsig_nl_exchange(nl, msg, hostsig_nl_vm_parse, &walk);
}

int hostsig_nl_get_stats(struct hostsig_nl *nl, struct hostsig_nl_stats *stats)
{
	struct nl_msg *msg = hostsig_nl_msg(nl, HOSTSIG_CMD_GET_STATS, false);

	if (!msg)
		return -ENOMEM;
	memset(stats, 0, sizeof(*stats));
	return hostsig_nl_exchange(nl, msg, hostsig_nl_stats_parse, stats);
}

int hostsig_nl_get_policy(struct hostsig_nl *nl, uint64_t vm_id,
			  struct hostsig_nl_policy *policy)
{
	struct nl_msg *msg = hostsig_nl_msg(nl, HOSTSIG_CMD_GET_POLICY, false);

	if (!msg || (vm_id && nla_put_u64(msg, HOSTSIG_A_POLICY_VM_ID, vm_id) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	memset(policy, 0, sizeof(*policy));
	return hostsig_nl_exchange(nl, msg, hostsig_nl_policy_parse, policy);
}

int hostsig_nl_set_policy(struct hostsig_nl *nl, uint64_t vm_id,
			  const struct hostsig_nl_policy_change *change)
{
	struct nl_msg *msg = hostsig_nl_msg(nl, HOSTSIG_CMD_SET_POLICY, false);
	int err = 0;

	if (!msg)
		return -ENOMEM;
	if (vm_id)
		err |= nla_put_u64(msg, HOSTSIG_A_POLICY_VM_ID, vm_id);
	if (change->mode)
		err |= nla_put_u32(msg, HOSTSIG_A_POLICY_MODE, change->mode);
	if (change->unknown)
		err |= nla_put_u32(msg, HOSTSIG_A_POLICY_UNKNOWN, change->unknown);
	if (change->has_timeout)
		err |= nla_put_u32(msg, HOSTSIG_A_POLICY_TIMEOUT_MS,
				   change->timeout_ms);
	if (change->tampered)
		err |= nla_put_u32(msg, HOSTSIG_A_POLICY_TAMPERED, change->tampered);
	if (change->reset)
		err |= nla_put_flag(msg, HOSTSIG_A_POLICY_RESET);
	if (err) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return hostsig_nl_exchange(nl, msg, NULL, NULL);
}

int hostsig_nl_reverify(struct hostsig_nl *nl, uint64_t id)
{
	struct nl_msg *msg = hostsig_nl_msg(nl, HOSTSIG_CMD_REVERIFY, false);

	if (!msg || nla_put_u64(msg, HOSTSIG_A_COMP_ID, id) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return hostsig_nl_exchange(nl, msg, NULL, NULL);
}

static int hostsig_nl_put_range(struct nl_msg *msg, int type,
				const struct hostsig_nl_range *range)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	if (!nest || nla_put_u32(msg, HOSTSIG_A_RANGE_REGION, range->region) < 0 ||
	    nla_put_u64(msg, HOSTSIG_A_RANGE_OFFSET, range->offset) < 0 ||
	    nla_put_u64(msg, HOSTSIG_A_RANGE_LEN, range->len) < 0)
		return -1;
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * libnl gives its sockets 32 KiB of send buffer (64 KiB once the kernel
 * doubles it), and netlink refuses a message larger than that (EMSGSIZE):
 * a verdict with every writable range and patch site is about 110 KiB.
 * Best effort: net.core.wmem_max bounds it, and a refusal says so.
 */
static void hostsig_nl_room_to_send(struct hostsig_nl *nl, uint32_t len)
{
	int fd = nl_socket_get_fd(nl->sock), size;
	socklen_t size_len = sizeof(size);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &size_len) ||
	    (size > 0 && (uint32_t)size >= len + 4096))
		return;
	size = (int)len + 4096;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

int hostsig_nl_send_verdict(struct hostsig_nl *nl,
			    const struct hostsig_nl_verdict *v)
{
	/* A nested range (writable or patch site): its header and three attributes. */
	size_t room = ((size_t)v->nr_writable + v->nr_patch_sites) *
		      (NLA_HDRLEN + 3 * NLA_HDRLEN + 8 + 8 + 8);
	struct nl_msg *msg = hostsig_nl_msg_room(nl, HOSTSIG_CMD_VERDICT, false, room);
	int err = 0;
	uint32_t i;

	if (!msg)
		return -ENOMEM;
	err |= nla_put_u64(msg, HOSTSIG_A_COMP_ID, v->component_id);
	err |= nla_put_u64(msg, HOSTSIG_A_COMP_RECORD_ID, v->record_id);
	err |= nla_put_u32(msg, HOSTSIG_A_COMP_VERDICT, v->verdict);
	err |= nla_put_string(msg, HOSTSIG_A_COMP_REASON, v->reason);
	if (v->message)
		err |= nla_put_string(msg, HOSTSIG_A_COMP_MESSAGE, v->message);
	if (v->digest && v->digest_len)
		err |= nla_put(msg, HOSTSIG_A_COMP_DIGEST, v->digest_len, v->digest);
	if (v->digest_alg)
		err |= nla_put_string(msg, HOSTSIG_A_COMP_DIGEST_ALG, v->digest_alg);
	for (i = 0; i < v->nr_writable && !err; i++)
		err |= hostsig_nl_put_range(msg, HOSTSIG_A_COMP_WRITABLE, &v->writable[i]);
	for (i = 0; i < v->nr_patch_sites && !err; i++)
		err |= hostsig_nl_put_range(msg, HOSTSIG_A_COMP_PATCH_SITE, &v->patch_sites[i]);
	if (err) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	hostsig_nl_room_to_send(nl, nlmsg_hdr(msg)->nlmsg_len);
	return hostsig_nl_exchange(nl, msg, NULL, NULL);
}

/* ---- events -------------------------------------------------------------------- */

int hostsig_nl_subscribe(struct hostsig_nl *nl)
{
	int group = genl_ctrl_resolve_grp(nl->sock, HOSTSIG_GENL_NAME,
					  HOSTSIG_GENL_MCGRP_EVENTS);

	if (group < 0) {
		hostsig_nl_set_error(nl, "no events group: is the module loaded?");
		return -ENOENT;
	}
	if (nl_socket_add_membership(nl->sock, group) < 0) {
		hostsig_nl_set_error(nl, "cannot join the events group");
		return -EIO;
	}
	/* Events are not answers to anything we sent. */
	nl_socket_disable_seq_check(nl->sock);
	return 0;
}

int hostsig_nl_fd(const struct hostsig_nl *nl)
{
	return nl_socket_get_fd(nl->sock);
}

/* Events are not answers: their sequence numbers are 0, never checked. */
static int hostsig_nl_any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

int hostsig_nl_read_events(struct hostsig_nl *nl, hostsig_nl_comp_cb cb,
			   void *arg)
{
	struct hostsig_nl_comp_walk walk = { cb, arg };
	struct hostsig_nl_exchange ex = {
		.nl = nl, .parse = hostsig_nl_comp_parse, .arg = &walk,
	};
	struct nl_cb *nlcb = nl_cb_alloc(NL_CB_DEFAULT);
	int err;

	if (!nlcb)
		return -ENOMEM;
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, hostsig_nl_on_valid, &ex);
	nl_cb_set(nlcb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, hostsig_nl_any_seq, NULL);
	err = nl_recvmsgs(nl->sock, nlcb);
	nl_cb_put(nlcb);
	if (ex.error)
		return ex.error;
	if (err == -NLE_NOMEM) {
		/* The socket overflowed: events were lost, not the stream. */
		hostsig_nl_set_error(nl, "events were lost (receive buffer full)");
		return -ENOBUFS;
	}
	if (err < 0) {
		hostsig_nl_set_error(nl, nl_geterror(err));
		return -EIO;
	}
	return 0;
}

/* ---- names ------------------------------------------------------------------------ */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const hostsig_state_names[] = {
	[HOSTSIG_STATE_UNVERIFIED] = "unverified",
	[HOSTSIG_STATE_PENDING] = "pending",
	[HOSTSIG_STATE_AUTHENTIC] = "authentic",
	[HOSTSIG_STATE_NOT_AUTHENTIC] = "not-authentic",
	[HOSTSIG_STATE_UNKNOWN] = "unknown",
	[HOSTSIG_STATE_MODIFIED] = "modified",
	[HOSTSIG_STATE_UNLOADED] = "unloaded",
};

static const char *const hostsig_decision_names[] = {
	[HOSTSIG_DECISION_PENDING] = "pending",
	[HOSTSIG_DECISION_ALLOW] = "allow",
	[HOSTSIG_DECISION_DENY] = "deny",
};

static const char *const hostsig_verdict_names[] = {
	[0] = "none",
	[HOSTSIG_VERDICT_AUTHENTIC] = "authentic",
	[HOSTSIG_VERDICT_NOT_AUTHENTIC] = "not-authentic",
	[HOSTSIG_VERDICT_UNKNOWN] = "unknown",
};

static const char *const hostsig_mode_names[] = {
	[HOSTSIG_MODE_AUDIT] = "audit",
	[HOSTSIG_MODE_ENFORCE] = "enforce",
	[HOSTSIG_MODE_QUARANTINE] = "quarantine",
};

static const char *const hostsig_unknown_names[] = {
	[HOSTSIG_UNKNOWN_ALLOW] = "allow",
	[HOSTSIG_UNKNOWN_DENY] = "deny",
};

static const char *const hostsig_tampered_names[] = {
	[HOSTSIG_TAMPERED_REVERIFY] = "reverify",
	[HOSTSIG_TAMPERED_DENY] = "deny",
};

static const char *const hostsig_event_names[] = {
	[HOSTSIG_EVENT_REGISTERED] = "registered",
	[HOSTSIG_EVENT_VERDICT] = "verdict",
	[HOSTSIG_EVENT_TIMEOUT] = "timeout",
	[HOSTSIG_EVENT_UNREGISTERED] = "unregistered",
	[HOSTSIG_EVENT_TAMPER] = "tamper",
	[HOSTSIG_EVENT_QUARANTINE] = "quarantine",
	[HOSTSIG_EVENT_RING_FULL] = "ring-full",
	[HOSTSIG_EVENT_REVERIFY] = "reverify",
	[HOSTSIG_EVENT_VM_GONE] = "vm-gone",
	[HOSTSIG_EVENT_PATCHED] = "patched",
};

static const char *const hostsig_format_names[] = {
	[HOSTSIG_FMT_PE] = "pe",
	[HOSTSIG_FMT_ELF_MODULE] = "elf-module",
};

static const char *const hostsig_stats_names[] = {
	[HOSTSIG_A_STATS_REGISTERED] = "registered",
	[HOSTSIG_A_STATS_REFUSED_INVAL] = "refused-inval",
	[HOSTSIG_A_STATS_REFUSED_FAULT] = "refused-fault",
	[HOSTSIG_A_STATS_REFUSED_2BIG] = "refused-2big",
	[HOSTSIG_A_STATS_REFUSED_QUOTA] = "refused-quota",
	[HOSTSIG_A_STATS_REFUSED_RING_FULL] = "refused-ring-full",
	[HOSTSIG_A_STATS_REFUSED_NOMEM] = "refused-nomem",
	[HOSTSIG_A_STATS_REFUSED_NOTSUPP] = "refused-notsupp",
	[HOSTSIG_A_STATS_REFUSED_NOTRAM] = "refused-notram",
	[HOSTSIG_A_STATS_QUERIES] = "queries",
	[HOSTSIG_A_STATS_QUERY_UNKNOWN_ID] = "query-unknown-id",
	[HOSTSIG_A_STATS_UNREGISTERED] = "unregistered",
	[HOSTSIG_A_STATS_VERDICTS] = "verdicts",
	[HOSTSIG_A_STATS_VERDICTS_REJECTED] = "verdicts-rejected",
	[HOSTSIG_A_STATS_TIMEOUTS] = "timeouts",
	[HOSTSIG_A_STATS_TAMPERS] = "tampers",
	[HOSTSIG_A_STATS_QUARANTINES] = "quarantines",
	[HOSTSIG_A_STATS_REVERIFIES] = "reverifies",
	[HOSTSIG_A_STATS_RECORDS] = "records",
	[HOSTSIG_A_STATS_RECORD_BYTES] = "record-bytes",
	[HOSTSIG_A_STATS_RECORDS_DISCARDED] = "records-discarded",
	[HOSTSIG_A_STATS_RECORDS_RELEASED] = "records-released",
	[HOSTSIG_A_STATS_RING_USED] = "ring-used",
	[HOSTSIG_A_STATS_RING_SIZE] = "ring-size",
	[HOSTSIG_A_STATS_COMPONENTS] = "components",
	[HOSTSIG_A_STATS_VMS] = "vms",
	[HOSTSIG_A_STATS_MEMORY] = "memory",
	[HOSTSIG_A_STATS_EVENTS_DROPPED] = "events-dropped",
	[HOSTSIG_A_STATS_TRACKED_PAGES] = "tracked-pages",
	[HOSTSIG_A_STATS_TRACKED_WRITES] = "tracked-writes",
	[HOSTSIG_A_STATS_CONSUMER_PID] = "consumer-pid",
	[HOSTSIG_A_STATS_PATCHES] = "patches",
	[HOSTSIG_A_STATS_SCRUB_PAGES] = "scrub-pages",
	[HOSTSIG_A_STATS_SCRUB_PASSES] = "scrub-passes",
	[HOSTSIG_A_STATS_SCRUB_TAMPERS] = "scrub-tampers",
};

static const char *hostsig_name(const char *const *names, size_t n, uint32_t v)
{
	return v < n && names[v] ? names[v] : "?";
}

static uint32_t hostsig_value(const char *const *names, size_t n,
			      const char *name)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return i;
	return 0;
}

#define HOSTSIG_NAME_OF(fn, table)					\
	const char *fn(uint32_t v)					\
	{								\
		return hostsig_name(table, ARRAY_LEN(table), v);	\
	}

HOSTSIG_NAME_OF(hostsig_state_name, hostsig_state_names)
HOSTSIG_NAME_OF(hostsig_decision_name, hostsig_decision_names)
HOSTSIG_NAME_OF(hostsig_verdict_word, hostsig_verdict_names)
HOSTSIG_NAME_OF(hostsig_mode_name, hostsig_mode_names)
HOSTSIG_NAME_OF(hostsig_unknown_name, hostsig_unknown_names)
HOSTSIG_NAME_OF(hostsig_tampered_name, hostsig_tampered_names)
HOSTSIG_NAME_OF(hostsig_event_name, hostsig_event_names)

const char *hostsig_history_word(uint32_t bit)
{
	switch (bit) {
	case HOSTSIG_HISTORY_MODIFIED:
		return "modified";
	case HOSTSIG_HISTORY_NOT_AUTHENTIC:
		return "not-authentic";
	default:
		return "?";
	}
}
HOSTSIG_NAME_OF(hostsig_format_word, hostsig_format_names)

const char *hostsig_stats_name(int attr)
{
	return attr < 0 ? "?" : hostsig_name(hostsig_stats_names,
					     ARRAY_LEN(hostsig_stats_names), attr);
}

uint32_t hostsig_mode_value(const char *name)
{
	return hostsig_value(hostsig_mode_names, ARRAY_LEN(hostsig_mode_names),
			     name);
}

uint32_t hostsig_unknown_value(const char *name)
{
	return hostsig_value(hostsig_unknown_names,
			     ARRAY_LEN(hostsig_unknown_names), name);
}

uint32_t hostsig_tampered_value(const char *name)
{
	return hostsig_value(hostsig_tampered_names,
			     ARRAY_LEN(hostsig_tampered_names), name);
}
