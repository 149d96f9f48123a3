// SPDX-License-Identifier: GPL-2.0
/*
 * hostsigctl, the operator's tool, against the module's own account of
 * itself (netlink GET from this test): list, show, status, stats, vms and
 * policy, as text and as JSON (parsed strictly); watch, as text and JSON,
 * against the events this test receives itself; policy changes as root,
 * and refused with a clear message and a non-zero exit for nobody; errors
 * for a missing component and a missing module.
 */
#include "hostsig_e2e.h"

#define SLOW_TEST_S	600

enum { GOOD, BAD, UNSIGNED, OTHER_VM, NR_IMAGES };
static const char *const image_names[NR_IMAGES] = {
	"efi64-rsa", "dll64-tampered", "efi64-unsigned", "fbx64",
};

/* The words of hostsigctl(8) and of the YNL spec. */
static const char *const state_words[] = {
	[HOSTSIG_STATE_UNVERIFIED] = "unverified",
	[HOSTSIG_STATE_PENDING] = "pending",
	[HOSTSIG_STATE_AUTHENTIC] = "authentic",
	[HOSTSIG_STATE_NOT_AUTHENTIC] = "not-authentic",
	[HOSTSIG_STATE_UNKNOWN] = "unknown",
	[HOSTSIG_STATE_MODIFIED] = "modified",
	[HOSTSIG_STATE_UNLOADED] = "unloaded",
};
static const char *const decision_words[] = {
	[HOSTSIG_DECISION_PENDING] = "pending",
	[HOSTSIG_DECISION_ALLOW] = "allow",
	[HOSTSIG_DECISION_DENY] = "deny",
};
static const char *const verdict_words[] = {
	[0] = "none",
	[HOSTSIG_VERDICT_AUTHENTIC] = "authentic",
	[HOSTSIG_VERDICT_NOT_AUTHENTIC] = "not-authentic",
	[HOSTSIG_VERDICT_UNKNOWN] = "unknown",
};
static const char *const event_words[] = {
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
static const char *const stats_words[] = {
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

FIXTURE(ctl) {
	struct hs_guest g, g2;
	struct hs_nl nl;
	struct hs_events *ev;
	struct e2e_daemon d;
	struct e2e_image im[NR_IMAGES];
	uint64_t vm, vm2;
};

FIXTURE_SETUP(ctl)
{
	int i;

	ASSERT_EQ(0, e2e_module_reload(""));
	ASSERT_EQ(0, hs_nl_open(&self->nl));
	self->ev = malloc(sizeof(*self->ev));
	ASSERT_NE(NULL, self->ev);
	ASSERT_EQ(0, e2e_events_open(self->ev));
	ASSERT_EQ(0, e2e_daemon_init(&self->d, "/tmp/e2e-ctl", 1, NULL, NULL));
	ASSERT_EQ(0, e2e_daemon_start(&self->d));
	hs_guest_create(&self->g, 0, 8);
	hs_guest_create(&self->g2, 0, 8);
	for (i = 0; i < NR_IMAGES; i++) {
		ASSERT_EQ(0, e2e_image_load(&self->im[i], "load", image_names[i]));
		e2e_image_place(i == OTHER_VM ? &self->g2 : &self->g, &self->im[i]);
	}
	ASSERT_EQ(0, hs_nl_set_policy(&self->nl, NULL, HOSTSIG_MODE_ENFORCE,
				      HOSTSIG_UNKNOWN_DENY, 20000, false));
}

FIXTURE_TEARDOWN(ctl)
{
	int i;

	e2e_daemon_fini(&self->d);
	if (self->ev) {
		hs_events_close(self->ev);
		free(self->ev);
	}
	for (i = 0; i < NR_IMAGES; i++)
		e2e_image_free(&self->im[i]);
	hs_guest_destroy(&self->g);
	hs_guest_destroy(&self->g2);
	hs_nl_close(&self->nl);
	e2e_module_reload("");
}

/* Register every image and wait for the verdicts. */
static void register_all(struct __test_metadata *_metadata,
			 FIXTURE_DATA(ctl) *self)
{
	struct hs_attrs comp;
	int i;

	for (i = 0; i < NR_IMAGES; i++) {
		struct hs_guest *g = i == OTHER_VM ? &self->g2 : &self->g;

		ASSERT_LT(0, e2e_image_register(g, &self->im[i]));
		ASSERT_LT(0, e2e_wait_decided(g, self->im[i].id));
	}
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, self->im[GOOD].id, &comp));
	self->vm = comp.u[HOSTSIG_A_COMP_VM_ID];
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, self->im[OTHER_VM].id, &comp));
	self->vm2 = comp.u[HOSTSIG_A_COMP_VM_ID];
}

/* hostsigctl ARGS... (NULL-terminated), as root or as nobody. */
static int ctl(struct e2e_cmd *c, bool as_nobody, ...)
{
	char *argv[16] = { E2E_HOSTSIGCTL };
	va_list ap;
	int n = 1;

	va_start(ap, as_nobody);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return e2e_run(c, as_nobody, argv);
}

/* Run hostsigctl --json ARGS and parse what it printed; NULL on failure. */
static struct e2e_json *ctl_json(struct __test_metadata *_metadata,
				 const char *a1, const char *a2, const char *a3)
{
	struct e2e_json *j;
	struct e2e_cmd c;
	char err[128];

	if (ctl(&c, false, "--json", a1, a2, a3, NULL))
		return NULL;
	EXPECT_EQ(0, c.status) {
		TH_LOG("hostsigctl --json %s: %s", a1, (char *)c.err.p);
	}
	j = e2e_json_parse((char *)c.out.p, c.out.len, err, sizeof(err));
	EXPECT_NE(NULL, j) {
		TH_LOG("hostsigctl --json %s %s: %s in: %s", a1, a2 ? a2 : "", err,
		       (char *)c.out.p);
	}
	e2e_cmd_free(&c);
	return j;
}

static void hex(char *out, const uint8_t *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

/* A component as hostsigctl --json shows it, against GET_COMPONENT. */
static void check_json_component(struct __test_metadata *_metadata,
				 const struct e2e_json *o, const struct hs_attrs *c)
{
	char digest[2 * HOSTSIG_DIGEST_MAX + 1];
	static const struct { const char *key; int attr; } numbers[] = {
		{ "id", HOSTSIG_A_COMP_ID },
		{ "vm", HOSTSIG_A_COMP_VM_ID },
		{ "vmm_pid", HOSTSIG_A_COMP_VMM_PID },
		{ "size", HOSTSIG_A_COMP_SIZE },
		{ "load_base", HOSTSIG_A_COMP_LOAD_BASE },
		{ "image_base", HOSTSIG_A_COMP_IMAGE_BASE },
		{ "registered_ns", HOSTSIG_A_COMP_REGISTERED_NS },
		{ "record", HOSTSIG_A_COMP_RECORD_ID },
		{ "verifications", HOSTSIG_A_COMP_VERIFICATIONS },
		{ "verdict_ns", HOSTSIG_A_COMP_VERDICT_NS },
		{ "tracked_pages", HOSTSIG_A_COMP_TRACKED_PAGES },
		{ "tampers", HOSTSIG_A_COMP_TAMPERS },
		{ "patches", HOSTSIG_A_COMP_PATCHES },
	};
	const struct e2e_json *h;
	unsigned int i;
	bool ok;

	ASSERT_NE(NULL, o);
	ASSERT_EQ(E2E_JSON_OBJECT, o->type);
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		EXPECT_EQ(c->u[numbers[i].attr], e2e_json_u64(o, numbers[i].key, &ok)) {
			TH_LOG("\"%s\"", numbers[i].key);
		}
		EXPECT_TRUE(ok) {
			TH_LOG("\"%s\" missing or not an integer", numbers[i].key);
		}
	}
	EXPECT_STREQ(c->str[HOSTSIG_A_COMP_NAME], e2e_json_str(o, "name") ?: "(none)");
	EXPECT_STREQ("pe", e2e_json_str(o, "format") ?: "(none)");
	EXPECT_STREQ(state_words[c->u[HOSTSIG_A_COMP_STATE]],
		     e2e_json_str(o, "state") ?: "(none)");
	EXPECT_STREQ(decision_words[c->u[HOSTSIG_A_COMP_DECISION]],
		     e2e_json_str(o, "decision") ?: "(none)");
	EXPECT_STREQ(verdict_words[c->u[HOSTSIG_A_COMP_VERDICT]],
		     e2e_json_str(o, "verdict") ?: "(none)");
	EXPECT_STREQ(c->str[HOSTSIG_A_COMP_REASON], e2e_json_str(o, "reason") ?: "(none)");
	EXPECT_STREQ(c->str[HOSTSIG_A_COMP_MESSAGE], e2e_json_str(o, "message") ?: "(none)");
	EXPECT_STREQ(c->str[HOSTSIG_A_COMP_DIGEST_ALG],
		     e2e_json_str(o, "digest_algorithm") ?: "(none)");
	hex(digest, c->bin, c->bin_len);
	EXPECT_STREQ(digest, e2e_json_str(o, "digest") ?: "(none)");
	/* The history, one word per bit. */
	h = e2e_json_get(o, "history");
	ASSERT_NE(NULL, h);
	EXPECT_EQ(E2E_JSON_ARRAY, h->type);
	for (i = 0, h = h->child; h; h = h->next)
		i++;
	EXPECT_EQ(__builtin_popcount(c->u[HOSTSIG_A_COMP_HISTORY]), i);
}

/* The element of a JSON array whose "id" is @id. */
static const struct e2e_json *by_id(const struct e2e_json *arr, uint64_t id)
{
	const struct e2e_json *e;

	for (e = arr ? arr->child : NULL; e; e = e->next)
		if (e2e_json_u64(e, "id", NULL) == id)
			return e;
	return NULL;
}

/* Whitespace-separated fields of a line; how many. */
static int fields(char *line, char **f, int max)
{
	int n = 0;
	char *save, *tok;

	for (tok = strtok_r(line, " \t", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t", &save))
		f[n++] = tok;
	return n;
}

TEST_F_TIMEOUT(ctl, list_and_show, SLOW_TEST_S)
{
	struct hs_attrs comps[8];
	struct e2e_json *list, *one;
	char *line, *save, *f[16];
	char id[24], vm2[24];
	struct e2e_cmd c;
	int n, i, rows, col[3];

	register_all(_metadata, self);
	ASSERT_EQ(0, hs_nl_dump_comps(&self->nl, NULL, comps, 8, &n));
	ASSERT_EQ(NR_IMAGES, n);

	list = ctl_json(_metadata, "list", NULL, NULL);
	ASSERT_NE(NULL, list);
	ASSERT_EQ(E2E_JSON_ARRAY, list->type);
	EXPECT_EQ(n, list->count);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%lu", comps[i].u[HOSTSIG_A_COMP_ID]);
		check_json_component(_metadata, by_id(list, comps[i].u[HOSTSIG_A_COMP_ID]),
				     &comps[i]);
		one = ctl_json(_metadata, "show", id, NULL);
		check_json_component(_metadata, one, &comps[i]);
		e2e_json_free(one);
	}
	e2e_json_free(list);

	snprintf(vm2, sizeof(vm2), "%lu", self->vm2);
	list = ctl_json(_metadata, "list", "--vm", vm2);
	ASSERT_NE(NULL, list);
	ASSERT_EQ(1, list->count);
	EXPECT_EQ(self->im[OTHER_VM].id, e2e_json_u64(list->child, "id", NULL));
	e2e_json_free(list);

	/* The table: a header, then one line per component. */
	ASSERT_EQ(0, ctl(&c, false, "list", NULL));
	EXPECT_EQ(0, c.status);
	rows = 0;
	for (line = strtok_r((char *)c.out.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int nf = fields(line, f, 16);

		if (!rows++) {
			ASSERT_LE(7, nf);
			EXPECT_STREQ("ID", f[0]);
			/* Where the columns start: rows line up under them. */
			for (i = 0; i < 3; i++)
				col[i] = f[i + 1] - line;
			continue;
		}
		ASSERT_LE(7, nf);
		for (i = 0; i < 3; i++)
			EXPECT_EQ(col[i], f[i + 1] - line);
		for (i = 0; i < n; i++)
			if (comps[i].u[HOSTSIG_A_COMP_ID] == strtoull(f[0], NULL, 10))
				break;
		ASSERT_GT(n, i) {
			TH_LOG("no component %s", f[0]);
		}
		EXPECT_EQ(comps[i].u[HOSTSIG_A_COMP_VM_ID], strtoull(f[1], NULL, 10));
		EXPECT_STREQ(comps[i].str[HOSTSIG_A_COMP_NAME], f[2]);
		EXPECT_STREQ(state_words[comps[i].u[HOSTSIG_A_COMP_STATE]], f[3]);
		EXPECT_STREQ(decision_words[comps[i].u[HOSTSIG_A_COMP_DECISION]], f[4]);
		EXPECT_STREQ(verdict_words[comps[i].u[HOSTSIG_A_COMP_VERDICT]], f[5]);
		EXPECT_STREQ(comps[i].str[HOSTSIG_A_COMP_REASON], f[6]);
	}
	EXPECT_EQ(n + 1, rows);
	e2e_cmd_free(&c);

	/* One component, for people. */
	snprintf(id, sizeof(id), "%ld", self->im[BAD].id);
	ASSERT_EQ(0, ctl(&c, false, "show", id, NULL));
	EXPECT_EQ(0, c.status);
	EXPECT_NE(NULL, strstr((char *)c.out.p, "state:         not-authentic\n"));
	EXPECT_NE(NULL, strstr((char *)c.out.p, "decision:      deny\n"));
	EXPECT_NE(NULL, strstr((char *)c.out.p, "reason:        digest_mismatch\n"));
	EXPECT_NE(NULL, strstr((char *)c.out.p, "name:          dll64-tampered\n"));
	e2e_cmd_free(&c);

	/* No such component: said so, on standard error, failing. */
	ASSERT_EQ(0, ctl(&c, false, "show", "987654321", NULL));
	EXPECT_EQ(1, c.status);
	EXPECT_NE(NULL, strstr((char *)c.err.p, "987654321")) {
		TH_LOG("stderr: %s", (char *)c.err.p);
	}
	EXPECT_STREQ("", (char *)c.out.p);
	e2e_cmd_free(&c);
}

TEST_F_TIMEOUT(ctl, status_stats_vms_policy, SLOW_TEST_S)
{
	struct hs_attrs st, comps[8], vms[4], p;
	const struct e2e_json *m, *e;
	uint64_t by_state[HOSTSIG_STATE_UNLOADED + 1] = { 0 };
	struct e2e_json *j;
	char *line, *save, *f[4], vm[24];
	struct e2e_cmd c;
	int i, n, nvms, lines;
	bool ok;

	register_all(_metadata, self);
	ASSERT_EQ(0, hs_nl_dump_comps(&self->nl, NULL, comps, 8, &n));
	for (i = 0; i < n; i++)
		by_state[comps[i].u[HOSTSIG_A_COMP_STATE]]++;

	/* Counters: nothing runs meanwhile, so they hold still. */
	j = ctl_json(_metadata, "stats", NULL, NULL);
	ASSERT_EQ(0, hs_nl_get_stats(&self->nl, &st));
	ASSERT_NE(NULL, j);
	for (i = HOSTSIG_A_STATS_REGISTERED; i <= HOSTSIG_A_STATS_MAX; i++) {
		EXPECT_EQ(st.u[i], e2e_json_u64(j, stats_words[i], &ok)) {
			TH_LOG("\"%s\"", stats_words[i]);
		}
		EXPECT_TRUE(ok) {
			TH_LOG("\"%s\" missing", stats_words[i]);
		}
	}
	EXPECT_EQ(HOSTSIG_A_STATS_MAX - HOSTSIG_A_STATS_REGISTERED + 1, j->count);
	e2e_json_free(j);
	ASSERT_EQ(0, ctl(&c, false, "stats", NULL));
	EXPECT_EQ(0, c.status);
	lines = 0;
	for (line = strtok_r((char *)c.out.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		ASSERT_EQ(2, fields(line, f, 4));
		for (i = HOSTSIG_A_STATS_REGISTERED; i <= HOSTSIG_A_STATS_MAX; i++)
			if (!strcmp(stats_words[i], f[0]))
				break;
		ASSERT_GE(HOSTSIG_A_STATS_MAX, i) {
			TH_LOG("unknown counter %s", f[0]);
		}
		EXPECT_EQ(st.u[i], strtoull(f[1], NULL, 10));
	}
	EXPECT_EQ(HOSTSIG_A_STATS_MAX - HOSTSIG_A_STATS_REGISTERED + 1, lines);
	e2e_cmd_free(&c);

	/* At a glance. */
	j = ctl_json(_metadata, "status", NULL, NULL);
	ASSERT_NE(NULL, j);
	m = e2e_json_get(j, "loaded");
	EXPECT_TRUE(m && m->type == E2E_JSON_BOOL && m->boolean);
	EXPECT_EQ(self->d.pid, e2e_json_u64(j, "verifier_pid", NULL));
	EXPECT_EQ(st.u[HOSTSIG_A_STATS_RING_SIZE], e2e_json_u64(j, "ring_size", NULL));
	EXPECT_EQ(2, e2e_json_u64(j, "vms", NULL));
	m = e2e_json_get(j, "policy");
	EXPECT_STREQ("enforce", e2e_json_str(m, "mode") ?: "(none)");
	EXPECT_STREQ("deny", e2e_json_str(m, "unknown") ?: "(none)");
	EXPECT_EQ(20000, e2e_json_u64(m, "timeout_ms", NULL));
	m = e2e_json_get(j, "components");
	for (i = HOSTSIG_STATE_UNVERIFIED; i <= HOSTSIG_STATE_UNLOADED; i++)
		EXPECT_EQ(by_state[i], e2e_json_u64(m, state_words[i], &ok)) {
			TH_LOG("components.\"%s\"", state_words[i] ?: "?");
		}
	e2e_json_free(j);

	/* The VMs: this process is their VMM. */
	ASSERT_EQ(0, hs_nl_dump_vms(&self->nl, vms, 4, &nvms));
	j = ctl_json(_metadata, "vms", NULL, NULL);
	ASSERT_NE(NULL, j);
	ASSERT_EQ(nvms, j->count);
	for (i = 0; i < nvms; i++) {
		e = by_id(j, vms[i].u[HOSTSIG_A_VM_ID]);
		ASSERT_NE(NULL, e);
		EXPECT_EQ(getpid(), e2e_json_u64(e, "vmm_pid", NULL));
		EXPECT_EQ(vms[i].u[HOSTSIG_A_VM_COMPONENTS], e2e_json_u64(e, "components", NULL));
		EXPECT_EQ(vms[i].u[HOSTSIG_A_VM_REGISTERED], e2e_json_u64(e, "registered", NULL));
		EXPECT_EQ(vms[i].u[HOSTSIG_A_VM_REFUSED], e2e_json_u64(e, "refused", NULL));
		EXPECT_EQ(vms[i].u[HOSTSIG_A_VM_PENDING_BYTES],
			  e2e_json_u64(e, "pending_bytes", NULL));
		EXPECT_LT(0, vms[i].u[HOSTSIG_A_VM_RETAINED_BYTES]);
		EXPECT_EQ(vms[i].u[HOSTSIG_A_VM_RETAINED_BYTES],
			  e2e_json_u64(e, "retained_bytes", NULL));
		ok = false;
		e2e_json_u64(e, "ring_bytes", &ok);
		EXPECT_TRUE(ok);
		m = e2e_json_get(e, "quarantined");
		EXPECT_TRUE(m && m->type == E2E_JSON_BOOL && !m->boolean);
	}
	e2e_json_free(j);

	/* Policy: set by the tool, read back by netlink and by the tool. */
	ASSERT_EQ(0, ctl(&c, false, "policy", "set", "mode=audit", "unknown=allow",
			 "timeout=5000", NULL));
	EXPECT_EQ(0, c.status);
	EXPECT_STREQ("global: mode audit, unknown allow, timeout 5000 ms, tampered reverify\n",
		     (char *)c.out.p);
	e2e_cmd_free(&c);
	ASSERT_EQ(0, hs_nl_get_policy(&self->nl, NULL, &p));
	EXPECT_EQ(HOSTSIG_MODE_AUDIT, p.u[HOSTSIG_A_POLICY_MODE]);
	EXPECT_EQ(HOSTSIG_UNKNOWN_ALLOW, p.u[HOSTSIG_A_POLICY_UNKNOWN]);
	EXPECT_EQ(5000, p.u[HOSTSIG_A_POLICY_TIMEOUT_MS]);

	snprintf(vm, sizeof(vm), "%lu", self->vm);
	ASSERT_EQ(0, ctl(&c, false, "policy", "set", "--vm", vm, "mode=quarantine", NULL));
	EXPECT_EQ(0, c.status);
	e2e_cmd_free(&c);
	ASSERT_EQ(0, hs_nl_get_policy(&self->nl, &self->vm, &p));
	EXPECT_EQ(HOSTSIG_MODE_QUARANTINE, p.u[HOSTSIG_A_POLICY_MODE]);
	EXPECT_EQ(1, p.u[HOSTSIG_A_POLICY_OVERRIDE]);
	j = ctl_json(_metadata, "policy", "--vm", vm);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(self->vm, e2e_json_u64(j, "vm", NULL));
	EXPECT_STREQ("quarantine", e2e_json_str(j, "mode") ?: "(none)");
	EXPECT_STREQ("allow", e2e_json_str(j, "unknown") ?: "(none)");
	EXPECT_EQ(5000, e2e_json_u64(j, "timeout_ms", NULL));
	m = e2e_json_get(j, "own");
	EXPECT_TRUE(m && m->type == E2E_JSON_BOOL && m->boolean);
	e2e_json_free(j);
	ASSERT_EQ(0, ctl(&c, false, "policy", "reset", "--vm", vm, NULL));
	EXPECT_EQ(0, c.status);
	e2e_cmd_free(&c);
	ASSERT_EQ(0, hs_nl_get_policy(&self->nl, &self->vm, &p));
	EXPECT_EQ(0, p.u[HOSTSIG_A_POLICY_OVERRIDE]);
	EXPECT_EQ(HOSTSIG_MODE_AUDIT, p.u[HOSTSIG_A_POLICY_MODE]);
	j = ctl_json(_metadata, "policy", NULL, NULL);
	ASSERT_NE(NULL, j);
	m = e2e_json_get(j, "vm");
	EXPECT_TRUE(m && m->type == E2E_JSON_NULL);
	EXPECT_STREQ("audit", e2e_json_str(j, "mode") ?: "(none)");
	e2e_json_free(j);
}

/*
 * Netlink is for root only, reading too (the components, load addresses
 * and VMM pids of every VM are nobody else's business): nobody's policy
 * set, reverify and list fail with a non-zero exit, say why, and change
 * nothing. Without the module, the tool says so.
 */
TEST_F_TIMEOUT(ctl, unprivileged_and_errors, SLOW_TEST_S)
{
	struct hs_attrs p, comp;
	struct e2e_json *j;
	struct e2e_cmd c;
	char id[24], err[128];

	register_all(_metadata, self);
	ASSERT_EQ(0, ctl(&c, true, "policy", "set", "mode=audit", NULL));
	EXPECT_NE(0, c.status);
	EXPECT_STREQ("", (char *)c.out.p);
	EXPECT_NE(NULL, strstr((char *)c.err.p, "permission denied")) {
		TH_LOG("stderr: %s", (char *)c.err.p);
	}
	EXPECT_NE(NULL, strstr((char *)c.err.p, "CAP_NET_ADMIN"));
	e2e_cmd_free(&c);
	ASSERT_EQ(0, hs_nl_get_policy(&self->nl, NULL, &p));
	EXPECT_EQ(HOSTSIG_MODE_ENFORCE, p.u[HOSTSIG_A_POLICY_MODE]);
	EXPECT_EQ(HOSTSIG_UNKNOWN_DENY, p.u[HOSTSIG_A_POLICY_UNKNOWN]);

	snprintf(id, sizeof(id), "%ld", self->im[GOOD].id);
	ASSERT_EQ(0, ctl(&c, true, "reverify", id, NULL));
	EXPECT_NE(0, c.status);
	EXPECT_NE(NULL, strstr((char *)c.err.p, "permission denied"));
	e2e_cmd_free(&c);
	ASSERT_EQ(0, hs_nl_get_comp(&self->nl, self->im[GOOD].id, &comp));
	EXPECT_EQ(1, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);

	ASSERT_EQ(0, ctl(&c, true, "--json", "list", NULL));
	EXPECT_NE(0, c.status);
	EXPECT_STREQ("", (char *)c.out.p);
	EXPECT_NE(NULL, strstr((char *)c.err.p, "permission denied")) {
		TH_LOG("stderr: %s", (char *)c.err.p);
	}
	e2e_cmd_free(&c);
	/* Root's list has them all. */
	ASSERT_EQ(0, ctl(&c, false, "--json", "list", NULL));
	EXPECT_EQ(0, c.status);
	j = e2e_json_parse((char *)c.out.p, c.out.len, err, sizeof(err));
	EXPECT_NE(NULL, j);
	EXPECT_EQ(NR_IMAGES, j ? j->count : -1);
	e2e_json_free(j);
	e2e_cmd_free(&c);

	/* Root may: a new capture, verified again. */
	ASSERT_EQ(0, ctl(&c, false, "reverify", id, NULL));
	EXPECT_EQ(0, c.status);
	e2e_cmd_free(&c);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_REVERIFY,
				       self->im[GOOD].id, E2E_WAIT_MS));
	ASSERT_EQ(0, e2e_wait_state(&self->nl, self->im[GOOD].id,
				    HOSTSIG_STATE_AUTHENTIC, &comp));
	EXPECT_EQ(2, comp.u[HOSTSIG_A_COMP_VERIFICATIONS]);

	/* No module. */
	e2e_daemon_fini(&self->d);
	hs_events_close(self->ev);
	hs_guest_destroy(&self->g);
	hs_guest_destroy(&self->g2);
	ASSERT_EQ(0, e2e_module_reload(""));
	ASSERT_EQ(0, hostsig_module_unload());
	ASSERT_EQ(0, ctl(&c, false, "status", NULL));
	EXPECT_EQ(1, c.status);
	EXPECT_NE(NULL, strstr((char *)c.err.p, "not loaded")) {
		TH_LOG("stderr: %s", (char *)c.err.p);
	}
	e2e_cmd_free(&c);
}

/*
 * The event of @events that a watcher's line names (@word, component @id)
 * and no earlier line took. Each socket gets every event, but two events
 * sent at once from different threads (a verdict from the daemon's
 * netlink request, an UNREGISTER from a vCPU) may reach two sockets in
 * different orders; those of one component keep theirs.
 */
static const struct hs_attrs *take_event(const struct hs_events *events, bool *taken,
					 const char *word, uint64_t id)
{
	int i;

	for (i = 0; i < events->n; i++) {
		const struct hs_attrs *a = &events->ev[i];
		uint64_t kind = a->u[HOSTSIG_A_COMP_EVENT];

		if (taken[i] || kind >= ARRAY_SIZE(event_words) || !event_words[kind] ||
		    strcmp(event_words[kind], word) || a->u[HOSTSIG_A_COMP_ID] != id)
			continue;
		taken[i] = true;
		return a;
	}
	return NULL;
}

/* Until @path has @n lines, or E2E_WAIT_MS passed (then the test says). */
static void wait_lines(const char *path, int n)
{
	double deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;
	struct e2e_blob b;
	size_t i;
	int lines;

	do {
		lines = 0;
		if (!e2e_slurp(path, &b)) {
			for (i = 0; i < b.len; i++)
				lines += ((const char *)b.p)[i] == '\n';
			e2e_blob_free(&b);
		}
		if (lines >= n)
			return;
		usleep(50000);
	} while (hs_now_ns() < deadline);
}

TEST_F_TIMEOUT(ctl, watch, SLOW_TEST_S)
{
	const char *jfile = "/tmp/e2e-ctl/watch.json", *tfile = "/tmp/e2e-ctl/watch.txt";
	struct e2e_blob jout, tout;
	char *line, *save, *f[16], err[128];
	bool taken[2][HS_EVENTS_MAX] = { { false } };
	pid_t jpid, tpid;
	int i, n, k;

	jpid = e2e_watch_start(true, jfile);
	tpid = e2e_watch_start(false, tfile);
	ASSERT_TRUE(jpid > 0 && e2e_subscribed(jpid));
	ASSERT_TRUE(tpid > 0 && e2e_subscribed(tpid));

	/* Something of every common kind: registered, verdict, tamper, unregistered. */
	ASSERT_LT(0, e2e_image_register(&self->g, &self->im[GOOD]));
	ASSERT_LT(0, e2e_image_register(&self->g, &self->im[BAD]));
	ASSERT_LT(0, e2e_wait_decided(&self->g, self->im[GOOD].id));
	ASSERT_LT(0, e2e_wait_decided(&self->g, self->im[BAD].id));
	hs_guest_fill_pattern(&self->g, e2e_code_gva(&self->im[GOOD]), 8, 9);
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_TAMPER,
				       self->im[GOOD].id, E2E_WAIT_MS));
	ASSERT_EQ(0, hs_unregister(&self->g, self->im[BAD].id));
	ASSERT_NE(NULL, hs_events_wait(self->ev, HOSTSIG_EVENT_UNREGISTERED,
				       self->im[BAD].id, E2E_WAIT_MS));
	{
		struct hs_attrs comp;

		ASSERT_EQ(0, e2e_wait_state(&self->nl, self->im[GOOD].id,
					    HOSTSIG_STATE_NOT_AUTHENTIC, &comp));
	}
	hs_events_pump(self->ev, 500);
	n = self->ev->n;
	ASSERT_LE(7, n);
	/* Each watcher has written what it got (a loaded host is slow). */
	wait_lines(jfile, n);
	wait_lines(tfile, n);
	kill(jpid, SIGTERM);
	kill(tpid, SIGTERM);
	e2e_wait_gone(jpid, true);
	e2e_wait_gone(tpid, true);

	/* One JSON object per line, the same events. */
	ASSERT_EQ(0, e2e_slurp(jfile, &jout));
	e2e_cmd_text(&jout);
	k = 0;
	for (line = strtok_r((char *)jout.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), k++) {
		struct e2e_json *o = e2e_json_parse(line, strlen(line), err, sizeof(err));
		const struct e2e_json *comp;
		const struct hs_attrs *a;

		ASSERT_NE(NULL, o) {
			TH_LOG("line %d: %s: %s", k + 1, err, line);
		}
		ASSERT_GT(n, k);
		comp = e2e_json_get(o, "component");
		a = take_event(self->ev, taken[0], e2e_json_str(o, "event") ?: "(none)",
			       e2e_json_u64(comp, "id", NULL));
		ASSERT_NE(NULL, a) {
			TH_LOG("line %d names no event the module sent: %s", k + 1, line);
		}
		EXPECT_EQ(a->u[HOSTSIG_A_COMP_VM_ID], e2e_json_u64(o, "vm", NULL));
		EXPECT_STREQ(state_words[a->u[HOSTSIG_A_COMP_STATE]],
			     e2e_json_str(comp, "state") ?: "(none)");
		e2e_json_free(o);
	}
	EXPECT_EQ(n, k) {
		struct e2e_blob err;

		if (!e2e_slurp("/tmp/e2e-ctl/watch.json.err", &err)) {
			TH_LOG("hostsigctl --json watch said: %.*s", (int)err.len, err.p);
			e2e_blob_free(&err);
		}
	}
	e2e_blob_free(&jout);

	/* And as text: "TIME EVENT vm=N component=N name=... state=..." */
	ASSERT_EQ(0, e2e_slurp(tfile, &tout));
	e2e_cmd_text(&tout);
	k = 0;
	for (line = strtok_r((char *)tout.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), k++) {
		const struct hs_attrs *a;
		char want[64];
		int nf = fields(line, f, 16);

		ASSERT_GT(n, k);
		ASSERT_LE(5, nf);
		ASSERT_EQ(0, strncmp(f[3], "component=", 10));
		a = take_event(self->ev, taken[1], f[1], strtoull(f[3] + 10, NULL, 10));
		ASSERT_NE(NULL, a) {
			TH_LOG("line %d names no event the module sent: %s", k + 1, line);
		}
		snprintf(want, sizeof(want), "vm=%lu", a->u[HOSTSIG_A_COMP_VM_ID]);
		EXPECT_STREQ(want, f[2]);
		for (i = 4; i < nf; i++)
			if (!strncmp(f[i], "state=", 6))
				break;
		ASSERT_GT(nf, i);
		EXPECT_STREQ(state_words[a->u[HOSTSIG_A_COMP_STATE]], f[i] + 6);
	}
	EXPECT_EQ(n, k) {
		struct e2e_blob err;

		if (!e2e_slurp("/tmp/e2e-ctl/watch.txt.err", &err)) {
			TH_LOG("hostsigctl watch said: %.*s", (int)err.len, err.p);
			e2e_blob_free(&err);
		}
	}
	e2e_blob_free(&tout);
}

TEST_HARNESS_MAIN
