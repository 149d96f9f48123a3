// SPDX-License-Identifier: GPL-2.0
/*
 * The whole loop on real signed images: the guest's loader maps them at
 * bases that are not their ImageBase (relocated, imports bound, ImageBase
 * overwritten in the header), REGISTERs them and polls QUERY; hostsig.ko
 * captures them, the real hostsigd undoes the load and verifies them, and
 * the module decides by policy. Signed ones are allowed; tampered,
 * untrusted and unsigned ones are denied under enforce (unknown=deny) and
 * allowed under audit, with the verdict recorded either way; each verdict,
 * reason and digest is what hostsig-verify says offline about the same
 * file, in the same VM.
 */
#include "hostsig_e2e.h"

#define SLOW_TEST_S	900

FIXTURE(verdict) {
	struct hs_guest enforce, audit;
	struct hs_nl nl;
	struct hs_events *ev;
	struct e2e_daemon d;
	struct e2e_image im[2][E2E_NR_CASES];
};

FIXTURE_SETUP(verdict)
{
	unsigned int i, v;

	ASSERT_EQ(0, e2e_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	self->ev = malloc(sizeof(*self->ev));
	ASSERT_NE(NULL, self->ev);
	ASSERT_EQ(0, e2e_events_open(self->ev));
	ASSERT_EQ(0, e2e_daemon_init(&self->d, "/tmp/e2e-verdict", 2, NULL, NULL));
	ASSERT_EQ(0, e2e_daemon_start(&self->d));
	/* Two VMs, the same images at the same bases in each. */
	hs_guest_create(&self->enforce, 0, 16);
	hs_guest_create(&self->audit, 0, 16);
	for (v = 0; v < 2; v++) {
		for (i = 0; i < E2E_NR_CASES; i++) {
			struct e2e_image *im = &self->im[v][i];

			ASSERT_EQ(0, e2e_image_load(im, "load", e2e_cases[i].name));
			e2e_image_place(v ? &self->audit : &self->enforce, im);
		}
	}
}

FIXTURE_TEARDOWN(verdict)
{
	unsigned int i, v;

	e2e_daemon_fini(&self->d);
	if (self->ev) {
		hs_events_close(self->ev);
		free(self->ev);
	}
	for (v = 0; v < 2; v++)
		for (i = 0; i < E2E_NR_CASES; i++)
			e2e_image_free(&self->im[v][i]);
	hs_guest_destroy(&self->enforce);
	hs_guest_destroy(&self->audit);
	hs_nl_close(&self->nl);
	e2e_module_reload("");
}

/* Writable ranges as hostsigd documents them: sections, merged. */
static unsigned int writable_ranges(const struct e2e_image *im)
{
	struct e2e_section s[64];
	uint32_t align, end = 0;
	unsigned int n = 0;
	int nr, i;

	nr = e2e_pe_sections(&im->image, s, 64, &align);
	for (i = 0; i < nr; i++) {
		uint32_t start = s[i].rva, stop;

		if (!(s[i].characteristics & E2E_SCN_MEM_WRITE) || !s[i].vsize)
			continue;
		stop = s[i].rva + ((s[i].vsize + align - 1) & ~(align - 1));
		if (stop > im->image.len)
			stop = im->image.len;
		/* Sections are in address order; touching ones merge. */
		if (!n || start > end)
			n++;
		end = stop;
	}
	return n;
}

/*
 * Everything about one component once decided: the guest's QUERY under
 * the VM's policy, GET_COMPONENT, the events, the daemon's log line, and
 * the offline verifier on the same file.
 */
static void check_component(struct __test_metadata *_metadata,
			    FIXTURE_DATA(verdict) *self, struct hs_guest *g,
			    struct e2e_image *im, const struct e2e_case *want,
			    bool audit)
{
	uint32_t decision = audit || want->verdict == HOSTSIG_VERDICT_AUTHENTIC ?
			    HOSTSIG_DECISION_ALLOW : HOSTSIG_DECISION_DENY;
	char id[48], reason[96], digest[2 * HOSTSIG_DIGEST_MAX + 32], writable[32];
	const char *line[] = { "verdict vm=", id, reason, digest, writable,
			       "answer=accepted", NULL };
	struct e2e_offline loaded, file;
	struct hs_attrs comp;
	int64_t q;
	int i, n;

	TH_LOG("%s: component %ld", im->name, im->id);
	q = e2e_wait_decided(g, im->id);
	ASSERT_LE(0, q);
	EXPECT_EQ(decision, HOSTSIG_QUERY_DECISION(q));
	EXPECT_EQ(e2e_state_of(want->verdict), HOSTSIG_QUERY_STATE(q));

	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, im->id, &comp));
	ASSERT_STREQ("", comp.bad);
	EXPECT_EQ(want->verdict, comp.u[HOSTSIG_A_COMP_VERDICT]);
	EXPECT_STREQ(want->reason, comp.str[HOSTSIG_A_COMP_REASON]);
	EXPECT_EQ(decision, comp.u[HOSTSIG_A_COMP_DECISION]);
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);
	EXPECT_NE(0, comp.u[HOSTSIG_A_COMP_VERDICT_NS]);
	EXPECT_EQ(im->base, comp.u[HOSTSIG_A_COMP_LOAD_BASE]);
	EXPECT_EQ(im->image_base, comp.u[HOSTSIG_A_COMP_IMAGE_BASE]);
	EXPECT_EQ(im->image.len + im->sig.len + im->tail.len,
		  comp.u[HOSTSIG_A_COMP_SIZE]);
	EXPECT_STREQ(im->name, comp.str[HOSTSIG_A_COMP_NAME]);
	EXPECT_NE(0, comp.str[HOSTSIG_A_COMP_MESSAGE][0]);

	/*
	 * The oracle must agree with how the images were made, and with the
	 * daemon: on the very bytes the guest registered, and on the file.
	 */
	ASSERT_EQ(0, e2e_verify_loaded(im, &loaded));
	EXPECT_STREQ(e2e_offline_word(want->verdict), loaded.verdict);
	EXPECT_STREQ(want->reason, loaded.reason);
	ASSERT_EQ(0, e2e_verify_file(im->name, &file));
	EXPECT_STREQ(e2e_offline_word(want->file_verdict), file.verdict);
	EXPECT_STREQ(want->file_reason, file.reason);
	ASSERT_EQ(loaded.digest_len, comp.bin_len);
	EXPECT_EQ(0, memcmp(loaded.digest, comp.bin, loaded.digest_len));
	if (loaded.digest_len) {
		/* The load undone is the file: same digest. */
		EXPECT_STREQ(loaded.digest_alg, comp.str[HOSTSIG_A_COMP_DIGEST_ALG]);
		EXPECT_STREQ(file.digest_alg, comp.str[HOSTSIG_A_COMP_DIGEST_ALG]);
		ASSERT_EQ(file.digest_len, comp.bin_len);
		EXPECT_EQ(0, memcmp(file.digest, comp.bin, file.digest_len));
	}

	/* One of each event, and the operator's log line. */
	EXPECT_EQ(1, hs_events_count(self->ev, HOSTSIG_EVENT_REGISTERED, im->id));
	EXPECT_EQ(1, hs_events_count(self->ev, HOSTSIG_EVENT_VERDICT, im->id));
	snprintf(id, sizeof(id), " component=%ld record=", im->id);
	snprintf(reason, sizeof(reason), " reason=%s ", want->reason);
	if (comp.bin_len)
		n = snprintf(digest, sizeof(digest), " digest=%s:",
			     comp.str[HOSTSIG_A_COMP_DIGEST_ALG]);
	else
		n = snprintf(digest, sizeof(digest), " digest=none");
	for (i = 0; i < comp.bin_len; i++)
		n += snprintf(digest + n, sizeof(digest) - n, "%02x", comp.bin[i]);
	/* The daemon names the image's writable sections in its verdict. */
	snprintf(writable, sizeof(writable), " writable=%u ", writable_ranges(im));
	EXPECT_EQ(1, e2e_log_wait(self->d.log, line)) {
		TH_LOG("no single log line with: %s %s %s %s", id, reason, digest,
		       writable);
	}
}

/* The VM's id, from its first component. */
static uint64_t vm_of(FIXTURE_DATA(verdict) *self, uint64_t id)
{
	struct hs_attrs comp;

	if (hs_nl_get_comp(&self->nl, id, &comp) || comp.bad[0])
		return 0;
	return comp.u[HOSTSIG_A_COMP_VM_ID];
}

/*
 * One VM under enforce (fail closed), one under audit; every image
 * registered in both while the daemon verifies.
 */
TEST_F_TIMEOUT(verdict, enforce_and_audit, SLOW_TEST_S)
{
	struct hs_guest *guests[2] = { &self->enforce, &self->audit };
	uint64_t vm[2];
	struct hs_attrs v;
	unsigned int i, k;

	/* The global default starts as audit: the enforcing VM says so first. */
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE,
				      HOSTSIG_UNKNOWN_DENY, 0, false));
	for (k = 0; k < 2; k++) {
		for (i = 0; i < E2E_NR_CASES; i++) {
			struct e2e_image *im = &self->im[k][i];

			ASSERT_LT(0, e2e_image_register(guests[k], im)) {
				TH_LOG("REGISTER of %s: %ld", im->name, im->id);
			}
			if (i == 0) {
				vm[k] = vm_of(self, im->id);
				ASSERT_NE(0, vm[k]);
			}
			/* The audit VM's own policy, before any verdict can matter. */
			if (k == 1 && i == 0)
				ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &vm[1],
							      HOSTSIG_MODE_AUDIT, -1,
							      -1, false));
		}
	}
	for (k = 0; k < 2; k++)
		for (i = 0; i < E2E_NR_CASES; i++)
			check_component(_metadata, self, guests[k], &self->im[k][i],
					&e2e_cases[i], k == 1);
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, hs_nl_get_vm(&self->nl, vm[k], &v));
		EXPECT_EQ(E2E_NR_CASES, v.u[HOSTSIG_A_VM_REGISTERED]);
		EXPECT_EQ(0, v.u[HOSTSIG_A_VM_REFUSED]);
		EXPECT_EQ(E2E_NR_CASES, v.u[HOSTSIG_A_VM_COMPONENTS]);
		EXPECT_EQ(0, v.u[HOSTSIG_A_VM_PENDING_BYTES]);
		EXPECT_EQ(0, v.u[HOSTSIG_A_VM_QUARANTINED]);
	}
	/* The same bytes at the same base in two VMs: the same digest. */
	for (i = 0; i < E2E_NR_CASES; i++) {
		struct hs_attrs a, b;

		ASSERT_EQ(0, hs_nl_get_comp(&self->nl, self->im[0][i].id, &a));
		ASSERT_EQ(0, hs_nl_get_comp(&self->nl, self->im[1][i].id, &b));
		EXPECT_EQ(a.bin_len, b.bin_len);
		EXPECT_EQ(0, memcmp(a.bin, b.bin, a.bin_len));
	}
}

/*
 * What UNKNOWN means is the policy's at the time of QUERY: fail closed
 * denies the untrusted and unsigned images, fail open allows them; a
 * NOT_AUTHENTIC one stays denied either way.
 */
TEST_F_TIMEOUT(verdict, unknown_follows_policy, SLOW_TEST_S)
{
	struct hs_guest *g = &self->enforce;
	unsigned int i, round;
	uint64_t vm = 0;

	for (i = 0; i < E2E_NR_CASES; i++) {
		ASSERT_LT(0, e2e_image_register(g, &self->im[0][i]));
		if (!vm)
			vm = vm_of(self, self->im[0][i].id);
		ASSERT_LT(0, e2e_wait_decided(g, self->im[0][i].id));
	}
	for (round = 0; round < 2; round++) {
		uint32_t unknown = round ? HOSTSIG_UNKNOWN_ALLOW : HOSTSIG_UNKNOWN_DENY;

		ASSERT_EQ(0, hs_nl_set_policy(&self->nl, &vm, HOSTSIG_MODE_ENFORCE,
					      unknown, -1, false));
		for (i = 0; i < E2E_NR_CASES; i++) {
			uint32_t want = HOSTSIG_DECISION_DENY;
			int64_t q = hs_query(g, self->im[0][i].id);

			if (e2e_cases[i].verdict == HOSTSIG_VERDICT_AUTHENTIC ||
			    (e2e_cases[i].verdict == HOSTSIG_VERDICT_UNKNOWN &&
			     unknown == HOSTSIG_UNKNOWN_ALLOW))
				want = HOSTSIG_DECISION_ALLOW;
			ASSERT_LE(0, q);
			EXPECT_EQ(want, HOSTSIG_QUERY_DECISION(q)) {
				TH_LOG("%s with unknown=%s", e2e_cases[i].name,
				       round ? "allow" : "deny");
			}
			EXPECT_EQ(e2e_state_of(e2e_cases[i].verdict), HOSTSIG_QUERY_STATE(q));
		}
	}
}

TEST_HARNESS_MAIN
