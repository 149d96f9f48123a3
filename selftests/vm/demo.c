// SPDX-License-Identifier: GPL-2.0
/*
 * make demo, inside the test VM: a KVM host with hostsig.ko loaded, where
 * this program starts the verifier daemon and two KVM guests, plays the
 * guests' loader (it maps signed images into guest memory as Windows or
 * UEFI firmware would, then the guest asks the host), and shows what an
 * operator sees with hostsigctl and in the daemon's log. Every outcome is
 * checked: the exit status is 0 only if hostsig behaved as it should.
 */
#define HOSTSIG_NO_HARNESS
#include "hostsig_e2e.h"

#define DEMO_DIR	"/tmp/demo"
#define WATCH_FILE	DEMO_DIR "/watch.txt"

static int failures;
static struct hs_events *events;

static void check(bool ok, const char *what)
{
	if (ok)
		return;
	failures++;
	printf("   !! NOT AS EXPECTED: %s\n", what);
}

static void step(const char *title)
{
	printf("\n== %s\n", title);
}

static void explain(const char *text)
{
	printf(*text ? "   %s\n" : "\n", text);
}

/* Run a command and show it as typed, and its output, indented. */
static int show(char *const argv[])
{
	struct e2e_cmd c;
	char *line, *save;
	int i, status;

	printf("\n   #");
	for (i = 0; argv[i]; i++)
		printf(" %s", i ? argv[i] : strrchr(argv[0], '/') + 1);
	putchar('\n');
	if (e2e_run(&c, false, argv)) {
		printf("   (cannot run it)\n");
		return -1;
	}
	for (line = strtok_r((char *)c.out.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("   %s\n", line);
	for (line = strtok_r((char *)c.err.p, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("   %s\n", line);
	status = c.status;
	e2e_cmd_free(&c);
	return status;
}

static const char *decision_word(int64_t q)
{
	static const char *const words[] = { "PENDING", "ALLOW", "DENY" };

	return q < 0 ? "error" : HOSTSIG_QUERY_DECISION(q) <= 2 ?
	       words[HOSTSIG_QUERY_DECISION(q)] : "?";
}

static const char *state_word(uint32_t state)
{
	static const char *const words[] = {
		"?", "unverified", "pending", "authentic", "not-authentic",
		"unknown", "modified", "unloaded",
	};

	return state < 8 ? words[state] : "?";
}

/* Map an image in the guest as its loader would, and say what was done. */
static int load(struct hs_guest *g, struct e2e_image *im, const char *name)
{
	if (e2e_image_load(im, "load", name)) {
		printf("   cannot read the staged image %s\n", name);
		failures++;
		return -1;
	}
	e2e_image_place(g, im);
	printf("   loader: %s mapped at 0x%lx, not where its file asks (0x%lx):\n",
	       name, im->base, im->image_base);
	if (im->uefi)
		printf("           relocated and its header's ImageBase overwritten, as UEFI\n"
		       "           firmware does;");
	else
		printf("           relocated, imports bound, /GS cookie set and its header's\n"
		       "           ImageBase overwritten, as Windows does;");
	printf(" certificate table\n           (%zu bytes) in a buffer\n", im->sig.len);
	return 0;
}

/* The guest registers the image and asks until the host decides. */
static int64_t register_and_ask(struct hs_nl *nl, struct hs_guest *g,
				struct e2e_image *im)
{
	struct hs_attrs comp;
	int64_t q;

	if (e2e_image_register(g, im) <= 0) {
		printf("   guest:  REGISTER failed: %ld\n", im->id);
		failures++;
		return -1;
	}
	printf("   guest:  REGISTER -> component %ld; the host copied it out of guest memory\n",
	       im->id);
	q = hs_query(g, im->id);
	printf("   guest:  QUERY -> %s", decision_word(q));
	if (q >= 0 && HOSTSIG_QUERY_DECISION(q) == HOSTSIG_DECISION_PENDING) {
		printf(" (hostsigd is verifying it)");
		q = e2e_wait_decided(g, im->id);
		printf("\n   guest:  QUERY -> %s", decision_word(q));
	}
	if (q >= 0)
		printf(" (state %s)", state_word(HOSTSIG_QUERY_STATE(q)));
	putchar('\n');
	if (!hs_nl_get_comp(nl, im->id, &comp) && comp.str[HOSTSIG_A_COMP_REASON][0])
		printf("   host:   %s: %s\n", comp.str[HOSTSIG_A_COMP_REASON],
		       comp.str[HOSTSIG_A_COMP_MESSAGE]);
	return q;
}

static uint64_t vm_of(struct hs_nl *nl, uint64_t id)
{
	struct hs_attrs comp;

	return hs_nl_get_comp(nl, id, &comp) ? 0 : comp.u[HOSTSIG_A_COMP_VM_ID];
}

/* The daemon's verdict lines, without syslog's prefix. */
static void show_log(const char *file)
{
	char line[4096];
	FILE *f = fopen(file, "r");
	int n = 0;

	printf("\n   # grep 'hostsigd.*verdict' /var/log/syslog    (here: %s)\n", file);
	if (!f) {
		check(false, "the daemon's log is there");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = strstr(line, "hostsigd[");

		if (!s || !strstr(s, "]: verdict "))
			continue;
		printf("   %s", s);
		n++;
	}
	fclose(f);
	check(n >= 5, "one log line per verdict");
}

static void show_watch(pid_t watch)
{
	struct e2e_blob out, err;
	bool ran = e2e_alive(watch);
	char *line, *save;
	int n = 0;

	kill(watch, SIGTERM);
	e2e_wait_gone(watch, true);
	printf("\n   # hostsigctl watch    (started before step 1, stopped now)\n");
	if (!e2e_slurp(WATCH_FILE, &out)) {
		e2e_cmd_text(&out);
		for (line = strtok_r((char *)out.p, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save), n++)
			printf("   %s\n", line);
		e2e_blob_free(&out);
	}
	if (!e2e_slurp(WATCH_FILE ".err", &err)) {
		if (err.len)
			printf("   (its errors) %.*s", (int)err.len, (char *)err.p);
		e2e_blob_free(&err);
	}
	check(ran, "hostsigctl watch runs until it is stopped");
	check(n == events->n, "hostsigctl watch shows every event the module sent");
}

int main(void)
{
	char *ctl_list[] = { E2E_HOSTSIGCTL, "list", NULL };
	char *ctl_vms[] = { E2E_HOSTSIGCTL, "vms", NULL };
	char id_arg[24];
	char *ctl_show[] = { E2E_HOSTSIGCTL, "show", id_arg, NULL };
	char *policy[] = { E2E_HOSTSIGCTL, "policy", "set", "mode=enforce",
			   "unknown=deny", NULL };
	char *check_conf[] = { E2E_HOSTSIGD, "-t", "-c", DEMO_DIR "/hostsigd.conf", NULL };
	char vm_arg[24];
	char *quarantine[] = { E2E_HOSTSIGCTL, "policy", "set", "--vm", vm_arg,
			       "mode=quarantine", NULL };
	struct e2e_image signed_dll, tampered_dll, fbx, fbx_tampered;
	struct hs_guest g, g2;
	struct e2e_daemon d;
	struct hs_attrs comp, vm;
	struct hs_nl nl;
	uint64_t target;
	pid_t watch;
	int64_t q;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("hostsig demo: this machine is a KVM host (Debian's kernel in QEMU) with\n"
	       "hostsig.ko loaded. Two KVM guests will load drivers; the host checks, from\n"
	       "outside the guest, that each is exactly what its publisher signed.\n");

	step("Setting up: the verifier daemon, hostsigd");
	explain("hostsigd reads what hostsig.ko captured from guest memory, undoes what the");
	explain("guest's loader changed, checks the Authenticode signature against its trust");
	explain("store, and answers the module. Its trust store: a test CA, which signed the");
	explain("test drivers, and the Debian Secure Boot CA (taken out of Debian's shim).");
	if (e2e_module_reload("") || hs_nl_open(&nl) ||
	    e2e_daemon_init(&d, DEMO_DIR, 1, NULL, NULL)) {
		printf("cannot set up: module, netlink or configuration\n");
		return 1;
	}
	events = malloc(sizeof(*events));
	if (!events || e2e_events_open(events)) {
		printf("cannot listen to hostsig's events\n");
		return 1;
	}
	show(check_conf);
	err = e2e_daemon_start(&d);
	check(!err, "hostsigd starts");
	if (err)
		return 1;
	printf("\n   hostsigd is running (pid %d); its log goes to syslog.\n", d.pid);
	watch = e2e_watch_start(false, WATCH_FILE);
	explain("An operator's terminal runs 'hostsigctl watch' (shown at the end).");
	explain("The policy: enforce (deny what is not authentic), and deny what cannot");
	explain("be verified (unknown=deny):");
	check(show(policy) == 0, "hostsigctl policy set works as root");
	hs_guest_create(&g, 0, 16);
	hs_guest_create(&g2, 0, 16);

	step("Step 1: guest 1 loads a signed driver");
	if (load(&g, &signed_dll, "dll64-rsa"))
		return 1;
	q = register_and_ask(&nl, &g, &signed_dll);
	check(q >= 0 && HOSTSIG_QUERY_DECISION(q) == HOSTSIG_DECISION_ALLOW,
	      "a signed driver is allowed");
	explain("=> ALLOW: the guest may run the driver. Its code pages are now");
	explain("   write-tracked by the host.");

	step("Step 2: guest 1 loads a tampered copy (one byte of its code changed on disk)");
	if (load(&g, &tampered_dll, "dll64-tampered"))
		return 1;
	q = register_and_ask(&nl, &g, &tampered_dll);
	check(q >= 0 && HOSTSIG_QUERY_DECISION(q) == HOSTSIG_DECISION_DENY &&
	      HOSTSIG_QUERY_STATE(q) == HOSTSIG_STATE_NOT_AUTHENTIC,
	      "a tampered driver is denied");
	explain("=> DENY: the guest must not run it.");

	step("Step 3: something in guest 1 patches the code of the driver from step 1");
	target = e2e_code_gva(&signed_dll);
	printf("   guest:  writes 8 bytes at %#lx, inside the driver's .text\n", target);
	hs_guest_fill_pattern(&g, target, 8, 0xbad);
	check(hs_events_wait(events, HOSTSIG_EVENT_TAMPER, signed_dll.id, E2E_WAIT_MS) != NULL,
	      "the write raises a tamper event");
	printf("   host:   tamper event: component %ld was written to; captured again\n",
	       signed_dll.id);
	check(!e2e_wait_state(&nl, signed_dll.id, HOSTSIG_STATE_NOT_AUTHENTIC, &comp) &&
	      comp.u[HOSTSIG_A_COMP_STATE] == HOSTSIG_STATE_NOT_AUTHENTIC,
	      "the patched driver is verified again and found not authentic");
	printf("   host:   verified again: %s (%s)\n",
	       state_word(comp.u[HOSTSIG_A_COMP_STATE]), comp.str[HOSTSIG_A_COMP_REASON]);
	q = hs_query(&g, signed_dll.id);
	printf("   guest:  QUERY -> %s\n", decision_word(q));
	check(q >= 0 && HOSTSIG_QUERY_DECISION(q) == HOSTSIG_DECISION_DENY,
	      "a patched driver is denied");
	explain("=> the change was seen from outside the guest, whatever the guest says.");

	step("Step 4: guest 2 is under the quarantine policy and loads a bad image");
	explain("Guest 2 loads Debian's signed fbx64.efi (allowed), then the operator puts");
	explain("this VM under quarantine: a bad component stops the whole VM.");
	if (load(&g2, &fbx, "fbx64"))
		return 1;
	q = register_and_ask(&nl, &g2, &fbx);
	check(q >= 0 && HOSTSIG_QUERY_DECISION(q) == HOSTSIG_DECISION_ALLOW,
	      "Debian's signed EFI binary is allowed");
	snprintf(vm_arg, sizeof(vm_arg), "%lu", vm_of(&nl, fbx.id));
	check(show(quarantine) == 0, "a VM gets a policy of its own");
	if (load(&g2, &fbx_tampered, "fbx64-tampered"))
		return 1;
	if (e2e_image_register(&g2, &fbx_tampered) <= 0) {
		check(false, "REGISTER of the tampered image");
		return 1;
	}
	printf("   guest:  REGISTER -> component %ld; QUERY, QUERY, ...\n", fbx_tampered.id);
	err = e2e_run_until_stopped(&g2, fbx_tampered.id, false);
	printf("   host:   KVM_RUN for guest 2 now fails: %s\n", strerror(err));
	check(err == EIO, "the VM is stopped (KVM_RUN fails with EIO)");
	check(!hs_nl_get_vm(&nl, vm_of(&nl, fbx_tampered.id), &vm) &&
	      vm.u[HOSTSIG_A_VM_QUARANTINED] == 1, "the VM is marked quarantined");
	explain("=> every vCPU of guest 2 is stopped for good; its memory is kept for");
	explain("   forensics. Guest 1 is not affected:");
	q = hs_query(&g, tampered_dll.id);
	printf("   guest 1: QUERY of component %ld -> %s\n", tampered_dll.id, decision_word(q));
	check(q >= 0, "the other VM still runs");

	step("What the operator sees");
	explain("The components, their state, and what QUERY answers now:");
	check(show(ctl_list) == 0, "hostsigctl list works");
	check(show(ctl_vms) == 0, "hostsigctl vms works");
	explain("");
	explain("Everything about the driver patched in step 3:");
	snprintf(id_arg, sizeof(id_arg), "%ld", signed_dll.id);
	check(show(ctl_show) == 0, "hostsigctl show works");
	hs_events_pump(events, 500);
	show_watch(watch);
	show_log(d.log);

	hs_guest_abandon(&g2);
	hs_guest_destroy(&g);
	e2e_daemon_fini(&d);
	hs_events_close(events);
	hs_nl_close(&nl);
	printf("\n%s\n", failures ? "demo FAILED: hostsig did not behave as shown above" :
		"demo finished: every step behaved as expected");
	return failures ? 1 : 0;
}
