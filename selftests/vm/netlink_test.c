// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family, spoken with libnl from the uapi header
 * alone: VERDICT moves a component's state and the guest's QUERY follows
 * it through the policy table; stale, duplicate, foreign, unknown and
 * malformed verdicts are refused with the documented errno and change
 * nothing; only the ring's consumer may answer; an unprivileged user can
 * read everything and change nothing; the events group tells what
 * happened; a verdict that does not come in time is UNKNOWN "timeout";
 * quarantine stops the VM.
 */
#include <signal.h>

#include "hostsig_nl.h"
#include "hostsig_ring.h"

#define SLOW_TEST_S	600

FIXTURE(nl) {
	struct hs_guest g, g2;
	struct hs_ring ring;
	struct hs_nl nl;
	uint64_t vm_id;
};

FIXTURE_SETUP(nl)
{
	self->ring.fd = -1;
	ASSERT_EQ(0, hostsig_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	/* This process is the ring's consumer, as the verifier would be. */
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	hs_guest_create(&self->g, 0, 4);
}

FIXTURE_TEARDOWN(nl)
{
	hs_ring_close(&self->ring);
	hs_guest_destroy(&self->g);
	hs_guest_destroy(&self->g2);
	hs_nl_close(&self->nl);
	hostsig_module_reload("");
}

/* Register a small component; its record id (and the VM's id). */
static uint64_t register_one(struct __test_metadata *_metadata,
			     FIXTURE_DATA(nl) *self, struct hs_guest *g,
			     struct hs_comp *c, const char *name)
{
	struct hs_attrs comp;

	hs_comp_make(g, c, name, 6000, 700);
	if (hs_comp_register(g, c) <= 0) {
		TH_LOG("REGISTER of %s: %ld", name, c->id);
		return 0;
	}
	if (hs_nl_get_comp(&self->nl, c->id, &comp) || comp.bad[0] ||
	    !hs_has(&comp, HOSTSIG_A_COMP_RECORD_ID)) {
		TH_LOG("GET_COMPONENT of %s failed: %s", name, comp.bad);
		return 0;
	}
	if (g == &self->g)
		self->vm_id = comp.u[HOSTSIG_A_COMP_VM_ID];
	return comp.u[HOSTSIG_A_COMP_RECORD_ID];
}

static int64_t query(struct hs_guest *g, uint64_t id, uint32_t *state)
{
	int64_t q = hs_query(g, id);

	*state = q < 0 ? 0 : HOSTSIG_QUERY_STATE(q);
	return q < 0 ? q : HOSTSIG_QUERY_DECISION(q);
}

/* ---- the policy table ----------------------------------------------------------- */

TEST_F_TIMEOUT(nl, defaults, SLOW_TEST_S)
{
	struct hs_attrs p, st;
	int i;

	ASSERT_EQ(0, hs_nl_get_policy(&self->nl, NULL, &p));
	ASSERT_STREQ("", p.bad);
	EXPECT_EQ(HOSTSIG_MODE_AUDIT, p.u[HOSTSIG_A_POLICY_MODE]);
	EXPECT_EQ(HOSTSIG_UNKNOWN_ALLOW, p.u[HOSTSIG_A_POLICY_UNKNOWN]);
	EXPECT_EQ(30000, p.u[HOSTSIG_A_POLICY_TIMEOUT_MS]);
	EXPECT_FALSE(hs_has(&p, HOSTSIG_A_POLICY_VM_ID));

	/* Every counter, each a u64, and nothing else. */
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	ASSERT_STREQ("", st.bad);
	for (i = HOSTSIG_A_STATS_REGISTERED; i <= HOSTSIG_A_STATS_MAX; i++) {
		EXPECT_TRUE(hs_has(&st, i)) TH_LOG("stats attribute %d missing", i);
	}
	EXPECT_EQ(self->ring.info.data_size, st.u[HOSTSIG_A_STATS_RING_SIZE]);
	/* This process holds the ring; then nobody does. */
	EXPECT_EQ(getpid(), st.u[HOSTSIG_A_STATS_CONSUMER_PID]);
	hs_ring_close(&self->ring);
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	EXPECT_EQ(0, st.u[HOSTSIG_A_STATS_CONSUMER_PID]);
}

/*
 * Four components (answered AUTHENTIC, NOT_AUTHENTIC, UNKNOWN, and not at
 * all); under every mode and unknown action, QUERY answers what the
 * header's table says, and GET_COMPONENT's decision agrees.
 */
TEST_F_TIMEOUT(nl, query_follows_verdict_and_policy, SLOW_TEST_S)
{
	static const uint32_t verdicts[] = {
		HOSTSIG_VERDICT_AUTHENTIC, HOSTSIG_VERDICT_NOT_AUTHENTIC,
		HOSTSIG_VERDICT_UNKNOWN, 0,
	};
	static const uint32_t states[] = {
		HOSTSIG_STATE_AUTHENTIC, HOSTSIG_STATE_NOT_AUTHENTIC,
		HOSTSIG_STATE_UNKNOWN, HOSTSIG_STATE_PENDING,
	};
	/* [mode audit/enforce][unknown allow/deny][component] */
	static const uint32_t table[2][2][4] = {
		{ { HOSTSIG_DECISION_ALLOW, HOSTSIG_DECISION_ALLOW,
		    HOSTSIG_DECISION_ALLOW, HOSTSIG_DECISION_PENDING },
		  { HOSTSIG_DECISION_ALLOW, HOSTSIG_DECISION_ALLOW,
		    HOSTSIG_DECISION_ALLOW, HOSTSIG_DECISION_PENDING } },
		{ { HOSTSIG_DECISION_ALLOW, HOSTSIG_DECISION_DENY,
		    HOSTSIG_DECISION_ALLOW, HOSTSIG_DECISION_PENDING },
		  { HOSTSIG_DECISION_ALLOW, HOSTSIG_DECISION_DENY,
		    HOSTSIG_DECISION_DENY, HOSTSIG_DECISION_PENDING } },
	};
	static const uint32_t modes[] = { HOSTSIG_MODE_AUDIT, HOSTSIG_MODE_ENFORCE };
	static const uint32_t unknowns[] = { HOSTSIG_UNKNOWN_ALLOW, HOSTSIG_UNKNOWN_DENY };
	struct hs_attrs comp, p, st0, st1;
	uint64_t rec[4];
	struct hs_comp c[4];
	int i, m, u;

	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st0));
	for (i = 0; i < 4; i++) {
		rec[i] = register_one(_metadata, self, &self->g, &c[i], "policy");
		ASSERT_NE(0, rec[i]);
		if (verdicts[i])
			ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c[i].id, rec[i],
							  verdicts[i]));
	}
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st1));
	EXPECT_EQ(3, st1.u[HOSTSIG_A_STATS_VERDICTS] - st0.u[HOSTSIG_A_STATS_VERDICTS]);

	for (m = 0; m < 2; m++) {
		for (u = 0; u < 2; u++) {
			ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id, modes[m],
						      unknowns[u], -1, false));
			ASSERT_EQ(0, hs_nl_get_policy(&self->nl, &self->vm_id, &p));
			EXPECT_EQ(modes[m], p.u[HOSTSIG_A_POLICY_MODE]);
			EXPECT_EQ(unknowns[u], p.u[HOSTSIG_A_POLICY_UNKNOWN]);
			EXPECT_EQ(1, p.u[HOSTSIG_A_POLICY_OVERRIDE]);
			for (i = 0; i < 4; i++) {
				uint32_t state;
				int64_t d = query(&self->g, c[i].id, &state);

				EXPECT_EQ(table[m][u][i], d)
					TH_LOG("mode %u unknown %u state %u: decision %ld",
					       modes[m], unknowns[u], states[i], d);
				EXPECT_EQ(states[i], state);
				ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c[i].id, &comp));
				EXPECT_EQ(d, comp.u[HOSTSIG_A_COMP_DECISION]);
				EXPECT_EQ(states[i], comp.u[HOSTSIG_A_COMP_STATE]);
			}
		}
	}

	/* Without its own policy the VM follows the global one. */
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id, -1, -1, -1, true));
	ASSERT_EQ(0, hs_nl_get_policy(&self->nl, &self->vm_id, &p));
	EXPECT_EQ(0, p.u[HOSTSIG_A_POLICY_OVERRIDE]);
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE,
				      HOSTSIG_UNKNOWN_DENY, -1, false));
	for (i = 0; i < 4; i++) {
		uint32_t state;

		EXPECT_EQ(table[1][1][i], query(&self->g, c[i].id, &state));
	}
	ASSERT_EQ(0, hs_nl_policy_defaults(&self->nl));
	for (i = 0; i < 4; i++) {
		uint32_t state;

		EXPECT_EQ(table[0][0][i], query(&self->g, c[i].id, &state));
	}
}

/* A VM's own policy starts as a copy of the global one; bad values are refused. */
TEST_F_TIMEOUT(nl, set_and_get_policy, SLOW_TEST_S)
{
	uint64_t unknown_vm;
	struct hs_attrs p;
	struct hs_comp c;
	int ret;

	ASSERT_NE(0, register_one(_metadata, self, &self->g, &c, "policy"));
	unknown_vm = self->vm_id + 1000;
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, -1, HOSTSIG_UNKNOWN_DENY,
				      12345, false));
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id, HOSTSIG_MODE_ENFORCE,
				      -1, -1, false));
	ASSERT_EQ(0, hs_nl_get_policy(&self->nl, &self->vm_id, &p));
	ASSERT_STREQ("", p.bad);
	EXPECT_EQ(self->vm_id, p.u[HOSTSIG_A_POLICY_VM_ID]);
	EXPECT_EQ(HOSTSIG_MODE_ENFORCE, p.u[HOSTSIG_A_POLICY_MODE]);
	EXPECT_EQ(HOSTSIG_UNKNOWN_DENY, p.u[HOSTSIG_A_POLICY_UNKNOWN]);
	EXPECT_EQ(12345, p.u[HOSTSIG_A_POLICY_TIMEOUT_MS]);
	EXPECT_EQ(1, p.u[HOSTSIG_A_POLICY_OVERRIDE]);
	/* The global one did not move. */
	ASSERT_EQ(0, hs_nl_get_policy(&self->nl, NULL, &p));
	EXPECT_EQ(HOSTSIG_MODE_AUDIT, p.u[HOSTSIG_A_POLICY_MODE]);
	EXPECT_EQ(12345, p.u[HOSTSIG_A_POLICY_TIMEOUT_MS]);

	/* Values outside the enums, an unknown VM, RESET without a VM. */
	ret = hs_nl_set_policy(&self->nl, NULL, 0, -1, -1, false);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("mode 0: %d", ret);
	ret = hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_QUARANTINE + 1, -1, -1, false);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("mode 4: %d", ret);
	ret = hs_nl_set_policy(&self->nl, NULL, -1, 0, -1, false);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("unknown 0: %d", ret);
	ret = hs_nl_set_policy(&self->nl, NULL, -1, HOSTSIG_UNKNOWN_DENY + 1, -1, false);
	EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE) TH_LOG("unknown 3: %d", ret);
	EXPECT_EQ(-ENOENT, hs_nl_set_policy(&self->nl, &unknown_vm, HOSTSIG_MODE_AUDIT,
					    -1, -1, false));
	EXPECT_EQ(-ENOENT, hs_nl_get_policy(&self->nl, &unknown_vm, &p));
	EXPECT_EQ(-EINVAL, hs_nl_set_policy(&self->nl, NULL, -1, -1, -1, true));
	ASSERT_EQ(0, hs_nl_get_policy(&self->nl, NULL, &p));
	EXPECT_EQ(HOSTSIG_MODE_AUDIT, p.u[HOSTSIG_A_POLICY_MODE]);
	EXPECT_EQ(HOSTSIG_UNKNOWN_DENY, p.u[HOSTSIG_A_POLICY_UNKNOWN]);
	ASSERT_EQ(0, hs_nl_policy_defaults(&self->nl));
}

/* ---- verdicts ------------------------------------------------------------------- */

TEST_F_TIMEOUT(nl, verdict_is_recorded, SLOW_TEST_S)
{
	uint8_t digest[32];
	struct hs_attrs comp;
	struct hs_comp c;
	double before, after;
	struct timespec ts;
	uint64_t rec;
	int i;

	for (i = 0; i < 32; i++)
		digest[i] = 0xa0 + i;
	rec = register_one(_metadata, self, &self->g, &c, "answered");
	ASSERT_NE(0, rec);
	clock_gettime(CLOCK_REALTIME, &ts);
	before = ts.tv_sec * 1e9 + ts.tv_nsec;
	ASSERT_EQ(0, hs_nl_verdict(&self->nl, c.id, rec, HOSTSIG_VERDICT_NOT_AUTHENTIC,
				   "digest-mismatch", "the image differs from its signature",
				   digest, sizeof(digest), "sha256"));
	clock_gettime(CLOCK_REALTIME, &ts);
	after = ts.tv_sec * 1e9 + ts.tv_nsec;
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
	ASSERT_STREQ("", comp.bad);
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(HOSTSIG_VERDICT_NOT_AUTHENTIC, comp.u[HOSTSIG_A_COMP_VERDICT]);
	EXPECT_STREQ("digest-mismatch", comp.str[HOSTSIG_A_COMP_REASON]);
	EXPECT_STREQ("the image differs from its signature", comp.str[HOSTSIG_A_COMP_MESSAGE]);
	EXPECT_STREQ("sha256", comp.str[HOSTSIG_A_COMP_DIGEST_ALG]);
	EXPECT_EQ(32, comp.bin_len);
	EXPECT_EQ(0, memcmp(digest, comp.bin, sizeof(digest)));
	EXPECT_LE(before, (double)comp.u[HOSTSIG_A_COMP_VERDICT_NS]);
	EXPECT_GE(after, (double)comp.u[HOSTSIG_A_COMP_VERDICT_NS]);
	EXPECT_LE(comp.u[HOSTSIG_A_COMP_REGISTERED_NS], comp.u[HOSTSIG_A_COMP_VERDICT_NS]);
}

/* Put the attributes of a VERDICT, each one replaceable by a bad one. */
struct bad_verdict {
	const char *what;
	int omit;		/* attribute type left out, or 0 */
	int type;		/* extra or replacing attribute: type, bytes */
	int len;
	uint32_t verdict;
	int err;		/* expected errno, if not EINVAL */
};

static int send_bad_verdict(struct hs_nl *nl, uint64_t comp_id, uint64_t record_id,
			    const struct bad_verdict *b)
{
	struct nl_msg *msg = hs_nl_msg(nl, HOSTSIG_CMD_VERDICT, false);
	static char junk[512];

	memset(junk, 'x', sizeof(junk));
	if (b->omit != HOSTSIG_A_COMP_ID && b->type != HOSTSIG_A_COMP_ID)
		nla_put_u64(msg, HOSTSIG_A_COMP_ID, comp_id);
	if (b->omit != HOSTSIG_A_COMP_RECORD_ID)
		nla_put_u64(msg, HOSTSIG_A_COMP_RECORD_ID, record_id);
	if (b->omit != HOSTSIG_A_COMP_VERDICT)
		nla_put_u32(msg, HOSTSIG_A_COMP_VERDICT,
			    b->verdict ? b->verdict : HOSTSIG_VERDICT_AUTHENTIC);
	if (b->omit != HOSTSIG_A_COMP_REASON && b->type != HOSTSIG_A_COMP_REASON)
		nla_put_string(msg, HOSTSIG_A_COMP_REASON, "ok");
	if (b->type) {
		/* Strings: len characters and the NUL. */
		junk[b->len] = 0;
		nla_put(msg, b->type, b->len + (b->type == HOSTSIG_A_COMP_DIGEST ||
						b->type == HOSTSIG_A_COMP_ID ? 0 : 1), junk);
		junk[b->len] = 'x';
	}
	return hs_nl_exec(nl, msg, NULL, NULL);
}

TEST_F_TIMEOUT(nl, verdict_refusals, SLOW_TEST_S)
{
	static const struct bad_verdict bad[] = {
		{ "no component id", .omit = HOSTSIG_A_COMP_ID },
		{ "no record id", .omit = HOSTSIG_A_COMP_RECORD_ID },
		{ "no verdict", .omit = HOSTSIG_A_COMP_VERDICT },
		{ "no reason", .omit = HOSTSIG_A_COMP_REASON },
		/* The netlink core's range checks answer ERANGE. */
		{ "verdict 4", .verdict = HOSTSIG_VERDICT_UNKNOWN + 1, .err = ERANGE },
		{ "verdict 0xffffffff", .verdict = ~0u, .err = ERANGE },
		{ "reason of 64 characters", .type = HOSTSIG_A_COMP_REASON, .len = HOSTSIG_REASON_LEN },
		{ "message of 256 characters", .type = HOSTSIG_A_COMP_MESSAGE, .len = HOSTSIG_MESSAGE_LEN },
		{ "digest of 65 bytes", .type = HOSTSIG_A_COMP_DIGEST, .len = HOSTSIG_DIGEST_MAX + 1,
		  .err = ERANGE },
		{ "digest algorithm of 16 characters", .type = HOSTSIG_A_COMP_DIGEST_ALG, .len = HOSTSIG_DIGEST_ALG_LEN },
		{ "component id of 4 bytes", .type = HOSTSIG_A_COMP_ID, .len = 4 },
		{ "unknown attribute", .type = HOSTSIG_A_COMP_MAX + 1, .len = 4 },
		{ "attribute 120", .type = 120, .len = 8 },
	};
	struct hs_comp a, b, c, d;
	uint64_t ra, rb, rc, rd, ra2, rb2;
	struct hs_attrs comp, st0, st1;
	const struct hostsig_record *r;
	unsigned int i, refused = 0, accepted = 0;
	char why[256];
	int ret;

	ra = register_one(_metadata, self, &self->g, &a, "a");
	rb = register_one(_metadata, self, &self->g, &b, "b");
	rc = register_one(_metadata, self, &self->g, &c, "c");
	rd = register_one(_metadata, self, &self->g, &d, "d");
	ASSERT_TRUE(ra && rb && rc && rd);
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st0));

	/* Unknown component, another component's record, a record never made. */
	EXPECT_EQ(-ENOENT, hs_nl_verdict_simple(&self->nl, d.id + 1000, ra,
						HOSTSIG_VERDICT_AUTHENTIC));
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, a.id, rb,
						HOSTSIG_VERDICT_AUTHENTIC));
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, a.id, rd + 1000,
						HOSTSIG_VERDICT_AUTHENTIC));
	refused += 3;
	/* Answered; then the same answer again. */
	EXPECT_EQ(0, hs_nl_verdict_simple(&self->nl, a.id, ra, HOSTSIG_VERDICT_AUTHENTIC));
	accepted++;
	EXPECT_EQ(-EALREADY, hs_nl_verdict_simple(&self->nl, a.id, ra,
						  HOSTSIG_VERDICT_NOT_AUTHENTIC));
	refused++;
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, a.id, &comp));
	EXPECT_EQ(HOSTSIG_STATE_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);

	/* REVERIFY: a new record; the old one is stale. */
	ASSERT_EQ(0, hs_nl_reverify(&self->nl, b.id));
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, b.id, &comp));
	rb2 = comp.u[HOSTSIG_A_COMP_RECORD_ID];
	EXPECT_NE(rb, rb2);
	EXPECT_EQ(2, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);
	EXPECT_EQ(HOSTSIG_STATE_PENDING, comp.u[HOSTSIG_A_COMP_STATE]);
	r = hs_ring_find(&self->ring, b.id, false);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(rb2, r->record_id);
	EXPECT_TRUE(hs_record_matches(&self->g, &b, r, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, b.id, rb, HOSTSIG_VERDICT_AUTHENTIC));
	refused++;
	EXPECT_EQ(0, hs_nl_verdict_simple(&self->nl, b.id, rb2, HOSTSIG_VERDICT_UNKNOWN));
	accepted++;
	/* An answered component reverified: its old answered record is stale too. */
	ASSERT_EQ(0, hs_nl_reverify(&self->nl, a.id));
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, a.id, &comp));
	ra2 = comp.u[HOSTSIG_A_COMP_RECORD_ID];
	ret = hs_nl_verdict_simple(&self->nl, a.id, ra, HOSTSIG_VERDICT_AUTHENTIC);
	EXPECT_TRUE(ret == -ESTALE || ret == -EALREADY) TH_LOG("old answered record: %d", ret);
	refused++;
	EXPECT_EQ(0, hs_nl_verdict_simple(&self->nl, a.id, ra2, HOSTSIG_VERDICT_AUTHENTIC));
	accepted++;

	/* Unloaded by the guest: stale. */
	ASSERT_EQ(0, hs_unregister(&self->g, c.id));
	EXPECT_EQ(-ESTALE, hs_nl_verdict_simple(&self->nl, c.id, rc, HOSTSIG_VERDICT_AUTHENTIC));
	refused++;
	EXPECT_EQ(-ENOENT, hs_nl_reverify(&self->nl, d.id + 1000));

	/* Malformed: EINVAL (or ERANGE where a bound is crossed); nothing changes. */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ret = send_bad_verdict(&self->nl, d.id, rd, &bad[i]);
		EXPECT_EQ(-(bad[i].err ? bad[i].err : EINVAL), ret) {
			TH_LOG("%s: %d", bad[i].what, ret);
		}
	}
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, d.id, &comp));
	EXPECT_EQ(HOSTSIG_STATE_PENDING, comp.u[HOSTSIG_A_COMP_STATE]);

	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st1));
	EXPECT_EQ(accepted, st1.u[HOSTSIG_A_STATS_VERDICTS] - st0.u[HOSTSIG_A_STATS_VERDICTS]);
	EXPECT_LE(refused, st1.u[HOSTSIG_A_STATS_VERDICTS_REJECTED] -
			   st0.u[HOSTSIG_A_STATS_VERDICTS_REJECTED]);
	EXPECT_GE(refused + ARRAY_SIZE(bad), st1.u[HOSTSIG_A_STATS_VERDICTS_REJECTED] -
					     st0.u[HOSTSIG_A_STATS_VERDICTS_REJECTED]);
	EXPECT_EQ(2, st1.u[HOSTSIG_A_STATS_REVERIFIES] - st0.u[HOSTSIG_A_STATS_REVERIFIES]);
}

/* Messages that break the family's rules, on a command anyone may use. */
TEST_F_TIMEOUT(nl, strict_validation, SLOW_TEST_S)
{
	struct nl_msg *msg;
	struct hs_attrs a;

	msg = hs_nl_msg(&self->nl, HOSTSIG_CMD_GET_STATS, false);
	((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->reserved = 1;
	EXPECT_EQ(-EINVAL, hs_nl_exec(&self->nl, msg, NULL, NULL));
	msg = hs_nl_msg(&self->nl, HOSTSIG_CMD_GET_STATS, false);
	nla_put_u32(msg, 100, 1);
	EXPECT_EQ(-EINVAL, hs_nl_exec(&self->nl, msg, NULL, NULL));
	msg = hs_nl_msg(&self->nl, HOSTSIG_CMD_GET_COMPONENT, false);
	EXPECT_EQ(-EINVAL, hs_nl_exec(&self->nl, msg, NULL, NULL));
	msg = hs_nl_msg(&self->nl, HOSTSIG_CMD_GET_COMPONENT, false);
	nla_put_u32(msg, HOSTSIG_A_COMP_ID, 1);
	EXPECT_EQ(-EINVAL, hs_nl_exec(&self->nl, msg, NULL, NULL));
	EXPECT_EQ(-ENOENT, hs_nl_get_comp(&self->nl, 123456, &a));
	EXPECT_EQ(-ENOENT, hs_nl_get_vm(&self->nl, 123456, &a));
	/* EVENT is for the kernel to send, not a request. */
	msg = hs_nl_msg(&self->nl, HOSTSIG_CMD_EVENT, false);
	EXPECT_GT(0, hs_nl_exec(&self->nl, msg, NULL, NULL));
	/* The family still answers. */
	EXPECT_EQ(0, hs_nl_get_stats(&self->nl, &a));
}

/* ---- who may do what ------------------------------------------------------------- */

struct verdict_ctx {
	FIXTURE_DATA(nl) *self;
	uint64_t comp_id, record_id;
	int hold_fd[2];		/* the child holds the ring until told */
	int ready_fd[2];
};

/* The consumer is another process: this one may not answer. */
static void consumer_child(void *arg, long *res)
{
	struct verdict_ctx *v = arg;
	struct hs_ring r;
	struct hs_nl nl;
	char x;

	res[0] = hs_ring_open(&r);
	res[1] = hs_nl_open(&nl);
	if (write(v->ready_fd[1], "r", 1) != 1 || read(v->hold_fd[0], &x, 1) != 1)
		res[2] = -EIO;
	/* The consumer itself may. */
	res[3] = hs_nl_verdict_simple(&nl, v->comp_id, v->record_id,
				      HOSTSIG_VERDICT_AUTHENTIC);
}

TEST_F_TIMEOUT(nl, verdict_only_from_the_consumer, SLOW_TEST_S)
{
	struct verdict_ctx v = { .self = self };
	struct hs_comp a, b;
	uint64_t ra, rb;
	long res[4];
	pid_t pid;
	char x;

	ra = register_one(_metadata, self, &self->g, &a, "a");
	rb = register_one(_metadata, self, &self->g, &b, "b");
	ASSERT_TRUE(ra && rb);

	/* Nobody holds the ring. */
	hs_ring_close(&self->ring);
	EXPECT_EQ(-EPERM, hs_nl_verdict_simple(&self->nl, a.id, ra,
					       HOSTSIG_VERDICT_AUTHENTIC));

	/* Another process holds it. */
	v.comp_id = a.id;
	v.record_id = ra;
	ASSERT_EQ(0, pipe(v.hold_fd));
	ASSERT_EQ(0, pipe(v.ready_fd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long mine[4] = { 0 };

		consumer_child(&v, mine);
		if (write(v.ready_fd[1], mine, sizeof(mine)) < 0)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(1, read(v.ready_fd[0], &x, 1));
	EXPECT_EQ(-EPERM, hs_nl_verdict_simple(&self->nl, a.id, ra,
					       HOSTSIG_VERDICT_NOT_AUTHENTIC));
	ASSERT_EQ(1, write(v.hold_fd[1], "g", 1));
	ASSERT_EQ(sizeof(res), read(v.ready_fd[0], res, sizeof(res)));
	waitpid(pid, NULL, 0);
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(0, res[1]);
	EXPECT_EQ(0, res[2]);
	EXPECT_EQ(0, res[3]) TH_LOG("VERDICT from the consumer: %ld", res[3]);

	/* This process again, once it holds the ring. */
	ASSERT_EQ(0, hs_ring_open(&self->ring));
	EXPECT_EQ(0, hs_nl_verdict_simple(&self->nl, b.id, rb, HOSTSIG_VERDICT_AUTHENTIC));
}

struct unpriv_ctx {
	uint64_t comp_id, record_id, vm_id;
	int ring_fd;
	bool nobody;
};

/* What an unprivileged child reports, by index. */
enum {
	UP_BECOME, UP_OPEN, UP_STATS, UP_COMP, UP_DUMP, UP_VMS, UP_VM, UP_POLICY,
	UP_GLOBAL_POLICY, UP_SET_POLICY, UP_VERDICT, UP_REVERIFY, UP_EVENTS,
	UP_NR
};

static void unprivileged_child(void *arg, long *res)
{
	struct unpriv_ctx *u = arg;
	struct hs_attrs *a = malloc(sizeof(*a) * 8);
	struct hs_nl nl;
	int n;

	close(u->ring_fd);
	res[UP_BECOME] = u->nobody ? hostsig_become_nobody() :
				     hostsig_drop_cap(CAP_NET_ADMIN);
	res[UP_OPEN] = hs_nl_open(&nl);
	if (res[UP_OPEN] || !a)
		return;
	res[UP_STATS] = hs_nl_get_stats(&nl, a);
	res[UP_COMP] = hs_nl_get_comp(&nl, u->comp_id, a);
	res[UP_DUMP] = hs_nl_dump_comps(&nl, NULL, a, 8, &n);
	res[UP_VMS] = hs_nl_dump_vms(&nl, a, 8, &n);
	res[UP_VM] = hs_nl_get_vm(&nl, u->vm_id, a);
	res[UP_POLICY] = hs_nl_get_policy(&nl, &u->vm_id, a);
	res[UP_GLOBAL_POLICY] = hs_nl_get_policy(&nl, NULL, a);
	res[UP_SET_POLICY] = hs_nl_set_policy(&nl, NULL, HOSTSIG_MODE_ENFORCE, -1, -1, false);
	res[UP_VERDICT] = hs_nl_verdict_simple(&nl, u->comp_id, u->record_id,
					       HOSTSIG_VERDICT_AUTHENTIC);
	res[UP_REVERIFY] = hs_nl_reverify(&nl, u->comp_id);
	/* Joining the events group: refused at the socket. */
	res[UP_EVENTS] = setsockopt(nl_socket_get_fd(nl.sk), SOL_NETLINK,
				    NETLINK_ADD_MEMBERSHIP, &nl.events_group,
				    sizeof(nl.events_group)) ? -errno : 0;
}

/*
 * Without CAP_NET_ADMIN (as nobody, and as root without the capability)
 * nothing of the family is open: every read and every change is EPERM,
 * and joining the events group is refused, so that a local user learns
 * neither the VMs' components, nor their load addresses (the guests'
 * address-space layout), nor VMM pids or tamper addresses. Root with the
 * capability still sees everything.
 */
TEST_F_TIMEOUT(nl, unprivileged_sees_nothing, SLOW_TEST_S)
{
	struct unpriv_ctx u = { .ring_fd = self->ring.fd };
	struct hs_attrs comp, p, vm;
	long res[UP_NR];
	struct hs_comp c;
	int pass, i;

	u.record_id = register_one(_metadata, self, &self->g, &c, "watched");
	ASSERT_NE(0, u.record_id);
	u.comp_id = c.id;
	u.vm_id = self->vm_id;
	for (pass = 0; pass < 2; pass++) {
		/* As nobody, then as root without CAP_NET_ADMIN. */
		u.nobody = pass == 0;
		ASSERT_EQ(0, hostsig_in_child(unprivileged_child, &u, res, UP_NR));
		ASSERT_EQ(0, res[UP_BECOME]);
		ASSERT_EQ(0, res[UP_OPEN]);
		for (i = UP_STATS; i <= UP_REVERIFY; i++) {
			EXPECT_EQ(-EPERM, res[i]) TH_LOG("request %d, pass %d", i, pass);
		}
		EXPECT_EQ(-EPERM, res[UP_EVENTS]);
	}
	/* Nothing changed, and root sees it all. */
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
	EXPECT_EQ(HOSTSIG_STATE_PENDING, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);
	EXPECT_NE(0, comp.u[HOSTSIG_A_COMP_LOAD_BASE]);
	ASSERT_EQ(0, hs_nl_get_policy(&self->nl, NULL, &p));
	EXPECT_EQ(HOSTSIG_MODE_AUDIT, p.u[HOSTSIG_A_POLICY_MODE]);
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm_id, &vm));
	EXPECT_EQ(getpid(), vm.u[HOSTSIG_A_VM_VMM_PID]);
}

/* ---- listing ---------------------------------------------------------------------- */

TEST_F_TIMEOUT(nl, dump_components_and_vms, SLOW_TEST_S)
{
	struct hs_attrs *list = calloc(16, sizeof(*list));
	struct hs_comp c[5];
	uint64_t vm1, vm2, unknown;
	int i, n, found;

	ASSERT_NE(NULL, list);
	hs_guest_create(&self->g2, 0, 2);
	for (i = 0; i < 2; i++)
		ASSERT_NE(0, register_one(_metadata, self, &self->g, &c[i], "one"));
	vm1 = self->vm_id;
	for (i = 2; i < 5; i++)
		ASSERT_NE(0, register_one(_metadata, self, &self->g2, &c[i], "two"));
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c[2].id, &list[0]));
	vm2 = list[0].u[HOSTSIG_A_COMP_VM_ID];
	ASSERT_NE(vm1, vm2);

	ASSERT_EQ(0, hs_nl_dump_comps(&self->nl, NULL, list, 16, &n));
	EXPECT_EQ(5, n);
	for (i = 0, found = 0; i < n && i < 16; i++) {
		int k;

		EXPECT_STREQ("", list[i].bad);
		for (k = 0; k < 5; k++)
			if (list[i].u[HOSTSIG_A_COMP_ID] == (uint64_t)c[k].id)
				found |= 1 << k;
	}
	EXPECT_EQ(0x1f, found);

	ASSERT_EQ(0, hs_nl_dump_comps(&self->nl, &vm2, list, 16, &n));
	EXPECT_EQ(3, n);
	for (i = 0; i < n && i < 16; i++)
		EXPECT_EQ(vm2, list[i].u[HOSTSIG_A_COMP_VM_ID]);
	unknown = vm2 + 1000;
	i = hs_nl_dump_comps(&self->nl, &unknown, list, 16, &n);
	EXPECT_TRUE((i == 0 && n == 0) || i == -ENOENT) TH_LOG("dump of an unknown VM: %d, %d", i, n);

	ASSERT_EQ(0, hs_nl_dump_vms(&self->nl, list, 16, &n));
	EXPECT_EQ(2, n);
	for (i = 0; i < n && i < 16; i++) {
		uint64_t want = list[i].u[HOSTSIG_A_VM_ID] == vm1 ? 2 : 3;

		EXPECT_STREQ("", list[i].bad);
		EXPECT_TRUE(list[i].u[HOSTSIG_A_VM_ID] == vm1 || list[i].u[HOSTSIG_A_VM_ID] == vm2);
		EXPECT_EQ(getpid(), list[i].u[HOSTSIG_A_VM_VMM_PID]);
		EXPECT_EQ(want, list[i].u[HOSTSIG_A_VM_COMPONENTS]);
		EXPECT_EQ(want, list[i].u[HOSTSIG_A_VM_REGISTERED]);
		EXPECT_EQ(0, list[i].u[HOSTSIG_A_VM_REFUSED]);
		EXPECT_EQ(want * (6000 + 700), list[i].u[HOSTSIG_A_VM_PENDING_BYTES]);
		EXPECT_EQ(0, list[i].u[HOSTSIG_A_VM_QUARANTINED]);
		EXPECT_EQ(0, list[i].u[HOSTSIG_A_VM_POLICY_OVERRIDE]);
	}
	free(list);
}

/* ---- events ------------------------------------------------------------------------ */

static bool only_these(const struct hs_attrs *a, uint64_t allowed)
{
	return !(a->has & ~(allowed | 1ull << HOSTSIG_A_COMP_PAD));
}

TEST_F_TIMEOUT(nl, events_tell_what_happened, SLOW_TEST_S)
{
	struct hs_events *ev = malloc(sizeof(*ev));
	const struct hs_attrs *e;
	struct hs_attrs comp;
	struct hs_comp c;
	uint64_t rec, vm_id;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, hs_events_open(ev));
	rec = register_one(_metadata, self, &self->g, &c, "eventful");
	ASSERT_NE(0, rec);
	vm_id = self->vm_id;

	e = hs_events_wait(ev, HOSTSIG_EVENT_REGISTERED, c.id, 30000);
	ASSERT_NE(NULL, e) TH_LOG("no REGISTERED event");
	EXPECT_EQ(HOSTSIG_CMD_EVENT, e->cmd);
	EXPECT_STREQ("", e->bad);
	EXPECT_EQ(vm_id, e->u[HOSTSIG_A_COMP_VM_ID]);
	EXPECT_EQ(rec, e->u[HOSTSIG_A_COMP_RECORD_ID]);
	EXPECT_STREQ("eventful", e->str[HOSTSIG_A_COMP_NAME]);
	EXPECT_EQ(HOSTSIG_STATE_PENDING, e->u[HOSTSIG_A_COMP_STATE]);

	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, c.id, rec, HOSTSIG_VERDICT_UNKNOWN));
	e = hs_events_wait(ev, HOSTSIG_EVENT_VERDICT, c.id, 30000);
	ASSERT_NE(NULL, e) TH_LOG("no VERDICT event");
	EXPECT_EQ(HOSTSIG_VERDICT_UNKNOWN, e->u[HOSTSIG_A_COMP_VERDICT]);
	EXPECT_EQ(HOSTSIG_STATE_UNKNOWN, e->u[HOSTSIG_A_COMP_STATE]);
	EXPECT_STREQ("test", e->str[HOSTSIG_A_COMP_REASON]);

	ASSERT_EQ(0, hs_nl_reverify(&self->nl, c.id));
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
	e = hs_events_wait(ev, HOSTSIG_EVENT_REVERIFY, c.id, 30000);
	ASSERT_NE(NULL, e) TH_LOG("no REVERIFY event");
	EXPECT_EQ(comp.u[HOSTSIG_A_COMP_RECORD_ID], e->u[HOSTSIG_A_COMP_RECORD_ID]);

	ASSERT_EQ(0, hs_unregister(&self->g, c.id));
	e = hs_events_wait(ev, HOSTSIG_EVENT_UNREGISTERED, c.id, 30000);
	ASSERT_NE(NULL, e) TH_LOG("no UNREGISTERED event");
	EXPECT_EQ(HOSTSIG_STATE_UNLOADED, e->u[HOSTSIG_A_COMP_STATE]);

	hs_guest_destroy(&self->g);
	e = hs_events_wait(ev, HOSTSIG_EVENT_VM_GONE, vm_id, 30000);
	ASSERT_NE(NULL, e) TH_LOG("no VM_GONE event");
	EXPECT_TRUE(only_these(e, 1ull << HOSTSIG_A_COMP_EVENT | 1ull << HOSTSIG_A_COMP_VM_ID))
		TH_LOG("VM_GONE carries more than the VM id: %#lx", e->has);

	/* Exactly one of each. */
	EXPECT_EQ(1, hs_events_count(ev, HOSTSIG_EVENT_REGISTERED, c.id));
	EXPECT_EQ(1, hs_events_count(ev, HOSTSIG_EVENT_VERDICT, c.id));
	EXPECT_EQ(1, hs_events_count(ev, HOSTSIG_EVENT_UNREGISTERED, c.id));
	EXPECT_EQ(1, hs_events_count(ev, HOSTSIG_EVENT_VM_GONE, vm_id));
	hs_events_close(ev);
	free(ev);
}

/* ---- timeout ------------------------------------------------------------------------ */

TEST_F_TIMEOUT(nl, timeout_makes_unknown, SLOW_TEST_S)
{
	const uint32_t timeout_ms = 400;
	struct hs_events *ev = malloc(sizeof(*ev));
	struct hs_attrs comp, st0, st1;
	struct hs_comp first, c;
	double start, elapsed_ms;
	uint32_t state = 0;
	int64_t d = -1;
	uint64_t rec;
	int i;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, hs_events_open(ev));
	/* A first component, answered, makes the VM known for its policy. */
	rec = register_one(_metadata, self, &self->g, &first, "first");
	ASSERT_NE(0, rec);
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, first.id, rec,
					  HOSTSIG_VERDICT_AUTHENTIC));
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id, HOSTSIG_MODE_ENFORCE,
				      HOSTSIG_UNKNOWN_DENY, timeout_ms, false));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st0));

	start = hs_now_ns();
	hs_comp_make(&self->g, &c, "late", 4096, 0);
	ASSERT_LT(0, hs_comp_register(&self->g, &c));
	/* Poll as a guest proxy would; a bound only to report a hang. */
	for (i = 0; i < 6000; i++) {
		d = query(&self->g, c.id, &state);
		if (state != HOSTSIG_STATE_PENDING)
			break;
		usleep(20000);
	}
	elapsed_ms = (hs_now_ns() - start) / 1e6;
	TH_LOG("PENDING for about %.0f ms with a %u ms timeout", elapsed_ms, timeout_ms);
	EXPECT_EQ(HOSTSIG_STATE_UNKNOWN, state);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, d);
	EXPECT_LE(timeout_ms, elapsed_ms);
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, c.id, &comp));
	EXPECT_STREQ("timeout", comp.str[HOSTSIG_A_COMP_REASON]);
	EXPECT_NE(NULL, hs_events_wait(ev, HOSTSIG_EVENT_TIMEOUT, c.id, 30000));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st1));
	EXPECT_EQ(1, st1.u[HOSTSIG_A_STATS_TIMEOUTS] - st0.u[HOSTSIG_A_STATS_TIMEOUTS]);

	/* UNKNOWN by timeout follows the unknown action like any UNKNOWN. */
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id, -1,
				      HOSTSIG_UNKNOWN_ALLOW, -1, false));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, query(&self->g, c.id, &state));
	hs_events_close(ev);
	free(ev);
}

/* ---- quarantine ---------------------------------------------------------------------- */

TEST_F_TIMEOUT(nl, quarantine_stops_the_vm, SLOW_TEST_S)
{
	struct hs_events *ev = malloc(sizeof(*ev));
	struct hs_attrs vm, st0, st1, comp;
	struct hs_comp good, bad, other;
	struct hs_guest_cmd *cmd;
	uint64_t rgood, rbad;
	int ret;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, hs_events_open(ev));
	hs_guest_create(&self->g2, 1, 1);
	rgood = register_one(_metadata, self, &self->g, &good, "good");
	rbad = register_one(_metadata, self, &self->g, &bad, "bad");
	ASSERT_TRUE(rgood && rbad);
	ASSERT_NE(0, register_one(_metadata, self, &self->g2, &other, "bystander"));
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &self->vm_id, HOSTSIG_MODE_QUARANTINE,
				      -1, -1, false));
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st0));

	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, good.id, rgood, HOSTSIG_VERDICT_AUTHENTIC));
	EXPECT_EQ(HOSTSIG_DECISION_ALLOW, HOSTSIG_QUERY_DECISION(hs_query(&self->g, good.id)));
	ASSERT_EQ(0, hs_nl_verdict_simple(&self->nl, bad.id, rbad,
					  HOSTSIG_VERDICT_NOT_AUTHENTIC));

	/* The VM does not run again. */
	cmd = addr_gva2hva(self->g.vm, (vm_vaddr_t)&hs_guest_cmd);
	cmd->op = HS_OP_HYPERCALL;
	cmd->arg[0] = HOSTSIG_HC_QUERY;
	cmd->arg[1] = bad.id;
	ret = __vcpu_run(self->g.vcpu);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EIO, errno);

	EXPECT_NE(NULL, hs_events_wait(ev, HOSTSIG_EVENT_QUARANTINE, 0, 30000));
	ASSERT_EQ(0, hs_nl_get_vm(&self->nl, self->vm_id, &vm));
	EXPECT_EQ(1, vm.u[HOSTSIG_A_VM_QUARANTINED]);
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, bad.id, &comp));
	EXPECT_EQ(HOSTSIG_STATE_NOT_AUTHENTIC, comp.u[HOSTSIG_A_COMP_STATE]);
	EXPECT_EQ(HOSTSIG_DECISION_DENY, comp.u[HOSTSIG_A_COMP_DECISION]);
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st1));
	EXPECT_EQ(1, st1.u[HOSTSIG_A_STATS_QUARANTINES] - st0.u[HOSTSIG_A_STATS_QUARANTINES]);

	/* The other VM goes on. */
	EXPECT_LE(0, hs_query(&self->g2, other.id));
	if (ret == -1)
		hs_guest_abandon(&self->g);
	hs_events_close(ev);
	free(ev);
}

TEST_HARNESS_MAIN
