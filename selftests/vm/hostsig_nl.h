/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A test client of the hostsig generic netlink family (libnl-3 and
 * libnl-genl-3), written from the uapi header alone. Requests are built
 * with libnl; replies are taken apart attribute by attribute, and an
 * attribute of the wrong size is recorded as an error of the reply (the
 * tests fail on it) rather than trusted.
 *
 * Every call returns 0 or the negative errno the kernel answered (or -EIO
 * when the conversation itself failed).
 */
#ifndef HOSTSIG_NL_H
#define HOSTSIG_NL_H

#include <poll.h>
#include <stdarg.h>
#include <sys/time.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "hostsig_guest.h"

/* Larger than any attribute type of the family, to see unexpected ones. */
#define HS_NL_MAXATTR	127

struct hs_nl {
	struct nl_sock *sk;
	int family;
	int events_group;
};

/* Fail a conversation instead of hanging in it (not a speed limit). */
#define HS_NL_RECV_TIMEOUT_S	60

static inline void hs_nl_close(struct hs_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/* Connect and resolve the family (and its events group); 0 or -errno. */
static inline int hs_nl_open(struct hs_nl *nl)
{
	struct timeval tv = { .tv_sec = HS_NL_RECV_TIMEOUT_S };

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	if (genl_connect(nl->sk))
		goto fail;
	setsockopt(nl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	nl->family = genl_ctrl_resolve(nl->sk, HOSTSIG_GENL_NAME);
	if (nl->family < 0)
		goto fail;
	nl->events_group = genl_ctrl_resolve_grp(nl->sk, HOSTSIG_GENL_NAME,
						 HOSTSIG_GENL_MCGRP_EVENTS);
	return 0;
fail:
	hs_nl_close(nl);
	return -ENOENT;
}

/* A request; add attributes with libnl's nla_put_*(). */
static inline struct nl_msg *hs_nl_msg(struct hs_nl *nl, uint8_t cmd, bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 dump ? NLM_F_DUMP : 0, cmd, HOSTSIG_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

typedef void (*hs_nl_reply_fn)(struct nlattr **tb, uint8_t cmd, void *ctx);

struct hs_nl_exchange {
	hs_nl_reply_fn fn;
	void *ctx;
	int error;
	bool done;
	int replies;
};

static inline int hs_nl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct hs_nl_exchange *x = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[HS_NL_MAXATTR + 1];

	x->replies++;
	if (nla_parse(tb, HS_NL_MAXATTR, genlmsg_attrdata(gh, 0),
		      genlmsg_attrlen(gh, 0), NULL) < 0) {
		x->error = -EBADMSG;
		return NL_STOP;
	}
	if (x->fn)
		x->fn(tb, gh->cmd, x->ctx);
	return NL_OK;
}

static inline int hs_nl_err_cb(struct sockaddr_nl *who, struct nlmsgerr *err,
			       void *arg)
{
	struct hs_nl_exchange *x = arg;

	x->error = err->error;
	x->done = true;
	return NL_STOP;
}

static inline int hs_nl_done_cb(struct nl_msg *msg, void *arg)
{
	struct hs_nl_exchange *x = arg;

	x->done = true;
	return NL_STOP;
}

/*
 * Send @msg (freed here) and collect the answer: each reply message goes
 * to @fn, parsed into attributes. Returns 0 or -errno from the kernel.
 */
static inline int hs_nl_exec(struct hs_nl *nl, struct nl_msg *msg,
			     hs_nl_reply_fn fn, void *ctx)
{
	struct hs_nl_exchange x = { .fn = fn, .ctx = ctx };
	struct nl_cb *cb;
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return -EIO;
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, hs_nl_valid_cb, &x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, hs_nl_done_cb, &x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, hs_nl_done_cb, &x);
	nl_cb_err(cb, NL_CB_CUSTOM, hs_nl_err_cb, &x);
	while (!x.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (x.done || x.error)
			break;
		if (ret < 0) {
			x.error = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	return x.error;
}

/* ---- attributes ------------------------------------------------------------ */

/*
 * The attributes of one reply or event, checked for their sizes. @bad
 * names the first attribute that was malformed (empty if none).
 */
struct hs_attrs {
	uint64_t has;			/* bit n: attribute n is present */
	uint64_t u[64];			/* integers */
	char str[32][HOSTSIG_MESSAGE_LEN];	/* strings */
	uint8_t bin[HOSTSIG_DIGEST_MAX];
	int bin_len;
	int unexpected;			/* present, but beyond max */
	uint8_t cmd;
	char bad[128];
};

/* Room in struct hs_attrs: a bit and an integer per type, strings for components. */
_Static_assert(HOSTSIG_A_STATS_MAX < 64 && HOSTSIG_A_COMP_MAX < 32 &&
	       HOSTSIG_A_VM_MAX < 32 && HOSTSIG_A_POLICY_MAX < 32,
	       "struct hs_attrs is too small for the family's attributes");

enum hs_attr_kind { HS_NONE, HS_PAD, HS_U8, HS_U32, HS_U64, HS_STR, HS_BIN, HS_FLAG, HS_NEST };

/* Attribute kinds of each set, from the uapi header's comments. */
static const uint8_t hs_comp_kinds[HOSTSIG_A_COMP_MAX + 1] = {
	[HOSTSIG_A_COMP_PAD] = HS_PAD,
	[HOSTSIG_A_COMP_ID] = HS_U64,
	[HOSTSIG_A_COMP_VM_ID] = HS_U64,
	[HOSTSIG_A_COMP_RECORD_ID] = HS_U64,
	[HOSTSIG_A_COMP_NAME] = HS_STR,
	[HOSTSIG_A_COMP_FORMAT] = HS_U32,
	[HOSTSIG_A_COMP_STATE] = HS_U32,
	[HOSTSIG_A_COMP_DECISION] = HS_U32,
	[HOSTSIG_A_COMP_SIZE] = HS_U64,
	[HOSTSIG_A_COMP_LOAD_BASE] = HS_U64,
	[HOSTSIG_A_COMP_IMAGE_BASE] = HS_U64,
	[HOSTSIG_A_COMP_REGISTERED_NS] = HS_U64,
	[HOSTSIG_A_COMP_VERDICT_NS] = HS_U64,
	[HOSTSIG_A_COMP_MODIFIED_NS] = HS_U64,
	[HOSTSIG_A_COMP_VERDICT] = HS_U32,
	[HOSTSIG_A_COMP_REASON] = HS_STR,
	[HOSTSIG_A_COMP_MESSAGE] = HS_STR,
	[HOSTSIG_A_COMP_DIGEST] = HS_BIN,
	[HOSTSIG_A_COMP_DIGEST_ALG] = HS_STR,
	[HOSTSIG_A_COMP_VMM_PID] = HS_U32,
	[HOSTSIG_A_COMP_EVENT] = HS_U32,
	[HOSTSIG_A_COMP_VERIFICATIONS] = HS_U32,
	[HOSTSIG_A_COMP_WRITABLE] = HS_NEST,
	[HOSTSIG_A_COMP_TAMPERS] = HS_U32,
	[HOSTSIG_A_COMP_TAMPER_GPA] = HS_U64,
	[HOSTSIG_A_COMP_TRACKED_PAGES] = HS_U32,
	[HOSTSIG_A_COMP_PATCH_SITE] = HS_NEST,
	[HOSTSIG_A_COMP_PATCHES] = HS_U32,
	[HOSTSIG_A_COMP_HISTORY] = HS_U32,
};

static const uint8_t hs_vm_kinds[HOSTSIG_A_VM_MAX + 1] = {
	[HOSTSIG_A_VM_PAD] = HS_PAD,
	[HOSTSIG_A_VM_ID] = HS_U64,
	[HOSTSIG_A_VM_VMM_PID] = HS_U32,
	[HOSTSIG_A_VM_COMPONENTS] = HS_U32,
	[HOSTSIG_A_VM_PENDING_BYTES] = HS_U64,
	[HOSTSIG_A_VM_REGISTERED] = HS_U64,
	[HOSTSIG_A_VM_REFUSED] = HS_U64,
	[HOSTSIG_A_VM_QUARANTINED] = HS_U8,
	[HOSTSIG_A_VM_POLICY_OVERRIDE] = HS_U8,
	[HOSTSIG_A_VM_RETAINED_BYTES] = HS_U64,
	[HOSTSIG_A_VM_RING_BYTES] = HS_U64,
};

static const uint8_t hs_policy_kinds[HOSTSIG_A_POLICY_MAX + 1] = {
	[HOSTSIG_A_POLICY_PAD] = HS_PAD,
	[HOSTSIG_A_POLICY_VM_ID] = HS_U64,
	[HOSTSIG_A_POLICY_MODE] = HS_U32,
	[HOSTSIG_A_POLICY_UNKNOWN] = HS_U32,
	[HOSTSIG_A_POLICY_TIMEOUT_MS] = HS_U32,
	[HOSTSIG_A_POLICY_OVERRIDE] = HS_U8,
	[HOSTSIG_A_POLICY_RESET] = HS_FLAG,
	[HOSTSIG_A_POLICY_TAMPERED] = HS_U32,
};

/* Every stats attribute but UNSPEC and PAD is a u64 counter. */
static inline uint8_t hs_stats_kind(int type)
{
	if (type == HOSTSIG_A_STATS_PAD)
		return HS_PAD;
	return type > HOSTSIG_A_STATS_PAD && type <= HOSTSIG_A_STATS_MAX ?
	       HS_U64 : HS_NONE;
}

static inline void hs_attrs_bad(struct hs_attrs *a, const char *fmt, ...)
{
	va_list ap;

	if (a->bad[0])
		return;
	va_start(ap, fmt);
	vsnprintf(a->bad, sizeof(a->bad), fmt, ap);
	va_end(ap);
}

static inline void hs_attrs_parse(struct hs_attrs *a, struct nlattr **tb,
				  uint8_t cmd, int max,
				  uint8_t (*kind_of)(int type, const void *kinds),
				  const void *kinds)
{
	int type;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	for (type = 0; type <= HS_NL_MAXATTR; type++) {
		struct nlattr *nla = tb[type];
		int len;

		if (!nla)
			continue;
		if (type == 0 || type > max) {
			a->unexpected++;
			hs_attrs_bad(a, "unexpected attribute type %d", type);
			continue;
		}
		len = nla_len(nla);
		a->has |= 1ull << type;
		switch (kind_of(type, kinds)) {
		case HS_PAD:
			break;
		case HS_NEST:
			if (!(nla->nla_type & NLA_F_NESTED) && len % 4)
				hs_attrs_bad(a, "nest %d has %d bytes", type, len);
			break;
		case HS_FLAG:
			if (len)
				hs_attrs_bad(a, "flag %d has %d bytes", type, len);
			a->u[type] = 1;
			break;
		case HS_U8:
			if (len != 1)
				hs_attrs_bad(a, "u8 %d has %d bytes", type, len);
			else
				a->u[type] = nla_get_u8(nla);
			break;
		case HS_U32:
			if (len != 4)
				hs_attrs_bad(a, "u32 %d has %d bytes", type, len);
			else
				a->u[type] = nla_get_u32(nla);
			break;
		case HS_U64:
			if (len != 8)
				hs_attrs_bad(a, "u64 %d has %d bytes", type, len);
			else
				memcpy(&a->u[type], nla_data(nla), 8);
			break;
		case HS_STR:
			if (len < 1 || len > HOSTSIG_MESSAGE_LEN ||
			    ((char *)nla_data(nla))[len - 1] ||
			    strlen(nla_data(nla)) != (size_t)len - 1)
				hs_attrs_bad(a, "string %d is not one NUL-terminated string (%d bytes)",
					     type, len);
			else
				memcpy(a->str[type], nla_data(nla), len);
			break;
		case HS_BIN:
			if (len > HOSTSIG_DIGEST_MAX)
				hs_attrs_bad(a, "binary %d has %d bytes", type, len);
			else
				memcpy(a->bin, nla_data(nla), a->bin_len = len);
			break;
		default:
			a->unexpected++;
			hs_attrs_bad(a, "attribute %d of no known kind", type);
		}
	}
}

static inline uint8_t hs_kind_table(int type, const void *kinds)
{
	return ((const uint8_t *)kinds)[type];
}

static inline uint8_t hs_kind_stats(int type, const void *kinds)
{
	return hs_stats_kind(type);
}

static inline bool hs_has(const struct hs_attrs *a, int type)
{
	return a->has & (1ull << type);
}

/* Collects up to @max replies of one kind. */
struct hs_attrs_list {
	struct hs_attrs *a;
	int n, max, total;
	int set;		/* 'c'omponent, 'v'm, 's'tats, 'p'olicy */
};

static inline void hs_collect(struct nlattr **tb, uint8_t cmd, void *ctx)
{
	struct hs_attrs_list *l = ctx;
	struct hs_attrs *a;

	l->total++;
	if (l->n >= l->max)
		return;
	a = &l->a[l->n++];
	switch (l->set) {
	case 'c':
		hs_attrs_parse(a, tb, cmd, HOSTSIG_A_COMP_MAX, hs_kind_table, hs_comp_kinds);
		break;
	case 'v':
		hs_attrs_parse(a, tb, cmd, HOSTSIG_A_VM_MAX, hs_kind_table, hs_vm_kinds);
		break;
	case 'p':
		hs_attrs_parse(a, tb, cmd, HOSTSIG_A_POLICY_MAX, hs_kind_table, hs_policy_kinds);
		break;
	default:
		hs_attrs_parse(a, tb, cmd, HOSTSIG_A_STATS_MAX, hs_kind_stats, NULL);
	}
}

/* Run a request whose answer is exactly one message of set @set. */
static inline int hs_nl_exec_one(struct hs_nl *nl, struct nl_msg *msg, int set,
				 struct hs_attrs *out)
{
	struct hs_attrs_list l = { .a = out, .max = 1, .set = set };
	int ret = hs_nl_exec(nl, msg, hs_collect, &l);

	if (!ret && l.total != 1) {
		memset(out, 0, sizeof(*out));
		snprintf(out->bad, sizeof(out->bad), "%d replies instead of one", l.total);
	}
	return ret;
}

/* ---- commands ------------------------------------------------------------------ */

static inline int hs_nl_get_stats(struct hs_nl *nl, struct hs_attrs *st)
{
	return hs_nl_exec_one(nl, hs_nl_msg(nl, HOSTSIG_CMD_GET_STATS, false), 's', st);
}

static inline int hs_nl_get_comp(struct hs_nl *nl, uint64_t id, struct hs_attrs *c)
{
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_GET_COMPONENT, false);

	nla_put_u64(msg, HOSTSIG_A_COMP_ID, id);
	return hs_nl_exec_one(nl, msg, 'c', c);
}

/* Dump components (of one VM when @vm_id is not NULL) into @out. */
static inline int hs_nl_dump_comps(struct hs_nl *nl, const uint64_t *vm_id,
				   struct hs_attrs *out, int max, int *n)
{
	struct hs_attrs_list l = { .a = out, .max = max, .set = 'c' };
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_GET_COMPONENT, true);
	int ret;

	if (vm_id)
		nla_put_u64(msg, HOSTSIG_A_COMP_VM_ID, *vm_id);
	ret = hs_nl_exec(nl, msg, hs_collect, &l);
	*n = l.total;
	return ret;
}

static inline int hs_nl_dump_vms(struct hs_nl *nl, struct hs_attrs *out,
				 int max, int *n)
{
	struct hs_attrs_list l = { .a = out, .max = max, .set = 'v' };
	int ret = hs_nl_exec(nl, hs_nl_msg(nl, HOSTSIG_CMD_GET_VM, true),
			     hs_collect, &l);

	*n = l.total;
	return ret;
}

static inline int hs_nl_get_vm(struct hs_nl *nl, uint64_t vm_id, struct hs_attrs *v)
{
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_GET_VM, false);

	nla_put_u64(msg, HOSTSIG_A_VM_ID, vm_id);
	return hs_nl_exec_one(nl, msg, 'v', v);
}

/* The global policy (@vm_id NULL) or the one in force for a VM. */
static inline int hs_nl_get_policy(struct hs_nl *nl, const uint64_t *vm_id,
				   struct hs_attrs *p)
{
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_GET_POLICY, false);

	if (vm_id)
		nla_put_u64(msg, HOSTSIG_A_POLICY_VM_ID, *vm_id);
	return hs_nl_exec_one(nl, msg, 'p', p);
}

/* Set what is >= 0 (or reset a VM's own policy). */
static inline int hs_nl_set_policy(struct hs_nl *nl, const uint64_t *vm_id,
				   int mode, int unknown, long long timeout_ms,
				   bool reset)
{
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_SET_POLICY, false);

	if (vm_id)
		nla_put_u64(msg, HOSTSIG_A_POLICY_VM_ID, *vm_id);
	if (mode >= 0)
		nla_put_u32(msg, HOSTSIG_A_POLICY_MODE, mode);
	if (unknown >= 0)
		nla_put_u32(msg, HOSTSIG_A_POLICY_UNKNOWN, unknown);
	if (timeout_ms >= 0)
		nla_put_u32(msg, HOSTSIG_A_POLICY_TIMEOUT_MS, timeout_ms);
	if (reset)
		nla_put_flag(msg, HOSTSIG_A_POLICY_RESET);
	return hs_nl_exec(nl, msg, NULL, NULL);
}

/* Set what a component with a history is (enum hostsig_tampered_action). */
static inline int hs_nl_set_tampered(struct hs_nl *nl, const uint64_t *vm_id,
				     uint32_t action)
{
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_SET_POLICY, false);

	if (vm_id)
		nla_put_u64(msg, HOSTSIG_A_POLICY_VM_ID, *vm_id);
	nla_put_u32(msg, HOSTSIG_A_POLICY_TAMPERED, action);
	return hs_nl_exec(nl, msg, NULL, NULL);
}

/* The global default the module starts with. */
static inline int hs_nl_policy_defaults(struct hs_nl *nl)
{
	return hs_nl_set_policy(nl, NULL, HOSTSIG_MODE_AUDIT,
				HOSTSIG_UNKNOWN_ALLOW, 30000, false);
}

static inline int hs_nl_verdict(struct hs_nl *nl, uint64_t comp_id,
				uint64_t record_id, uint32_t verdict,
				const char *reason, const char *message,
				const void *digest, int digest_len,
				const char *digest_alg)
{
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_VERDICT, false);

	nla_put_u64(msg, HOSTSIG_A_COMP_ID, comp_id);
	nla_put_u64(msg, HOSTSIG_A_COMP_RECORD_ID, record_id);
	nla_put_u32(msg, HOSTSIG_A_COMP_VERDICT, verdict);
	if (reason)
		nla_put_string(msg, HOSTSIG_A_COMP_REASON, reason);
	if (message)
		nla_put_string(msg, HOSTSIG_A_COMP_MESSAGE, message);
	if (digest)
		nla_put(msg, HOSTSIG_A_COMP_DIGEST, digest_len, digest);
	if (digest_alg)
		nla_put_string(msg, HOSTSIG_A_COMP_DIGEST_ALG, digest_alg);
	return hs_nl_exec(nl, msg, NULL, NULL);
}

/* A verdict with only what is required. */
static inline int hs_nl_verdict_simple(struct hs_nl *nl, uint64_t comp_id,
				       uint64_t record_id, uint32_t verdict)
{
	return hs_nl_verdict(nl, comp_id, record_id, verdict, "test", NULL,
			     NULL, 0, NULL);
}

/* Put @nr ranges [offset, offset + len) of the first region as attributes @type. */
static inline void hs_nl_put_ranges(struct nl_msg *msg, int type,
				    const uint64_t (*ranges)[2], int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		struct nlattr *nest = nla_nest_start(msg, type);

		nla_put_u32(msg, HOSTSIG_A_RANGE_REGION, 0);
		nla_put_u64(msg, HOSTSIG_A_RANGE_OFFSET, ranges[i][0]);
		nla_put_u64(msg, HOSTSIG_A_RANGE_LEN, ranges[i][1]);
		nla_nest_end(msg, nest);
	}
}

/* A VERDICT naming writable ranges and patch sites of the first region. */
static inline int hs_nl_verdict_ranges(struct hs_nl *nl, uint64_t id,
				       uint64_t record, uint32_t verdict,
				       const uint64_t (*writable)[2], int nr_w,
				       const uint64_t (*patch)[2], int nr_p)
{
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_VERDICT, false);

	nla_put_u64(msg, HOSTSIG_A_COMP_ID, id);
	nla_put_u64(msg, HOSTSIG_A_COMP_RECORD_ID, record);
	nla_put_u32(msg, HOSTSIG_A_COMP_VERDICT, verdict);
	nla_put_string(msg, HOSTSIG_A_COMP_REASON, "test");
	hs_nl_put_ranges(msg, HOSTSIG_A_COMP_WRITABLE, writable, nr_w);
	hs_nl_put_ranges(msg, HOSTSIG_A_COMP_PATCH_SITE, patch, nr_p);
	return hs_nl_exec(nl, msg, NULL, NULL);
}

/* One GET_STATS counter; ~0 when the request fails. */
static inline uint64_t hs_nl_stat(struct hs_nl *nl, int which)
{
	struct hs_attrs st;

	if (hs_nl_get_stats(nl, &st))
		return ~0ull;
	return st.u[which];
}

static inline int hs_nl_reverify(struct hs_nl *nl, uint64_t comp_id)
{
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_REVERIFY, false);

	nla_put_u64(msg, HOSTSIG_A_COMP_ID, comp_id);
	return hs_nl_exec(nl, msg, NULL, NULL);
}

/* ---- the events group --------------------------------------------------------- */

#define HS_EVENTS_MAX	512

struct hs_events {
	struct hs_nl nl;
	struct hs_attrs ev[HS_EVENTS_MAX];
	int n, total;
};

static inline int hs_events_cb(struct nl_msg *msg, void *arg)
{
	struct hs_events *e = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[HS_NL_MAXATTR + 1];

	e->total++;
	if (e->n >= HS_EVENTS_MAX)
		return NL_OK;
	if (nla_parse(tb, HS_NL_MAXATTR, genlmsg_attrdata(gh, 0),
		      genlmsg_attrlen(gh, 0), NULL) < 0) {
		snprintf(e->ev[e->n++].bad, sizeof(e->ev[0].bad), "unparsable event");
		return NL_OK;
	}
	hs_attrs_parse(&e->ev[e->n], tb, gh->cmd, HOSTSIG_A_COMP_MAX,
		       hs_kind_table, hs_comp_kinds);
	e->n++;
	return NL_OK;
}

/* Subscribe to the events group; 0 or -errno. */
static inline int hs_events_open(struct hs_events *e)
{
	int ret;

	memset(e, 0, sizeof(*e));
	ret = hs_nl_open(&e->nl);
	if (ret)
		return ret;
	if (e->nl.events_group < 0)
		return -ENOENT;
	nl_socket_disable_seq_check(e->nl.sk);
	if (nl_socket_add_membership(e->nl.sk, e->nl.events_group))
		return -EIO;
	nl_socket_set_nonblocking(e->nl.sk);
	nl_socket_modify_cb(e->nl.sk, NL_CB_VALID, NL_CB_CUSTOM, hs_events_cb, e);
	return 0;
}

static inline void hs_events_close(struct hs_events *e)
{
	hs_nl_close(&e->nl);
}

/* Take in what has arrived, waiting up to @timeout_ms for the first. */
static inline void hs_events_pump(struct hs_events *e, int timeout_ms)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(e->nl.sk), .events = POLLIN };

	while (poll(&pfd, 1, timeout_ms) > 0) {
		if (nl_recvmsgs_default(e->nl.sk) < 0)
			break;
		timeout_ms = 0;
	}
}

/*
 * The first event of this kind about this component (or, for VM events,
 * this VM: @id is then the VM id), waiting for it up to @timeout_ms (only
 * to report a missing event instead of hanging). NULL if none came.
 */
static inline const struct hs_attrs *hs_events_wait(struct hs_events *e,
						    uint32_t event, uint64_t id,
						    int timeout_ms)
{
	double deadline = hs_now_ns() + timeout_ms * 1e6;
	int type = event == HOSTSIG_EVENT_VM_GONE ? HOSTSIG_A_COMP_VM_ID :
						    HOSTSIG_A_COMP_ID;
	int i;

	for (;;) {
		for (i = 0; i < e->n; i++) {
			const struct hs_attrs *a = &e->ev[i];

			if (a->u[HOSTSIG_A_COMP_EVENT] == event &&
			    (!id || a->u[type] == id))
				return a;
		}
		if (hs_now_ns() > deadline)
			return NULL;
		hs_events_pump(e, 100);
	}
}

/* How many events of this kind about this id (0: any) arrived so far. */
static inline int hs_events_count(struct hs_events *e, uint32_t event, uint64_t id)
{
	int type = event == HOSTSIG_EVENT_VM_GONE ? HOSTSIG_A_COMP_VM_ID :
						    HOSTSIG_A_COMP_ID;
	int i, n = 0;

	hs_events_pump(e, 0);
	for (i = 0; i < e->n; i++)
		if (e->ev[i].u[HOSTSIG_A_COMP_EVENT] == event &&
		    (!id || e->ev[i].u[type] == id))
			n++;
	return n;
}

#endif /* HOSTSIG_NL_H */
