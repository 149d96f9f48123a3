// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsigctl policy [get] [--vm VM]
 * hostsigctl policy set [--vm VM] [mode=audit|enforce|quarantine]
 *                       [unknown=allow|deny] [timeout=MS]
 *                       [tampered=reverify|deny]
 * hostsigctl policy reset --vm VM
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int policy_get(struct ctl *ctl, uint64_t vm_id)
{
	struct hostsig_nl_policy p;
	struct json json;
	int err;

	err = hostsig_nl_get_policy(&ctl->nl, vm_id, &p);
	if (err)
		return ctl_fail(ctl, err, vm_id ? "reading the VM's policy" :
					      "reading the policy");
	if (ctl->json) {
		json_init(&json, stdout);
		json_object_begin(&json, NULL);
		if (vm_id)
			json_u64(&json, "vm", vm_id);
		else
			json_null(&json, "vm");
		json_string(&json, "mode", hostsig_mode_name(p.mode));
		json_string(&json, "unknown", hostsig_unknown_name(p.unknown));
		json_u64(&json, "timeout_ms", p.timeout_ms);
		json_string(&json, "tampered", hostsig_tampered_name(p.tampered));
		json_bool(&json, "own", p.override);
		json_object_end(&json);
		json_finish(&json);
		return CTL_OK;
	}
	if (vm_id)
		printf("vm %" PRIu64 " (%s): ", vm_id,
		       p.override ? "its own policy" : "the global policy");
	else
		printf("global: ");
	printf("mode %s, unknown %s, timeout ", hostsig_mode_name(p.mode),
	       hostsig_unknown_name(p.unknown));
	if (p.timeout_ms)
		printf("%u ms", p.timeout_ms);
	else
		printf("none");
	printf(", tampered %s\n", hostsig_tampered_name(p.tampered));
	return CTL_OK;
}

static int policy_parse(struct ctl *ctl, int argc, char **argv,
			struct hostsig_nl_policy_change *change)
{
	int i;

	for (i = 0; i < argc; i++) {
		char *value = strchr(argv[i], '=');

		if (!value)
			return ctl_usage(ctl, "%s: want NAME=VALUE", argv[i]);
		*value++ = '\0';
		if (!strcmp(argv[i], "mode")) {
			change->mode = hostsig_mode_value(value);
			if (!change->mode)
				return ctl_usage(ctl, "mode must be audit, enforce or quarantine");
		} else if (!strcmp(argv[i], "unknown")) {
			change->unknown = hostsig_unknown_value(value);
			if (!change->unknown)
				return ctl_usage(ctl, "unknown must be allow or deny");
		} else if (!strcmp(argv[i], "tampered")) {
			change->tampered = hostsig_tampered_value(value);
			if (!change->tampered)
				return ctl_usage(ctl, "tampered must be reverify or deny");
		} else if (!strcmp(argv[i], "timeout")) {
			char *end;

			errno = 0;
			if (!strcmp(value, "none")) {
				change->timeout_ms = 0;
			} else {
				unsigned long v = strtoul(value, &end, 10);

				if (errno || *end || !*value || *value == '-' ||
				    v > UINT32_MAX)
					return ctl_usage(ctl, "timeout is in milliseconds, or none");
				change->timeout_ms = v;
			}
			change->has_timeout = true;
		} else {
			return ctl_usage(ctl, "unknown setting %s", argv[i]);
		}
	}
	return CTL_OK;
}

int cmd_policy(struct ctl *ctl, int argc, char **argv)
{
	struct hostsig_nl_policy_change change = { 0 };
	const char *verb = "get";
	uint64_t vm_id;
	int err;

	if (ctl_take_vm(&argc, argv, &vm_id))
		return ctl_usage(ctl, "--vm takes a VM id");
	if (argc && !strchr(argv[0], '=')) {
		verb = argv[0];
		argc--;
		argv++;
	}
	if (!strcmp(verb, "get")) {
		if (argc)
			return ctl_usage(ctl, "get takes no settings");
	} else if (!strcmp(verb, "set")) {
		if (!argc)
			return ctl_usage(ctl, "nothing to set");
		err = policy_parse(ctl, argc, argv, &change);
		if (err)
			return err;
	} else if (!strcmp(verb, "reset")) {
		if (argc || !vm_id)
			return ctl_usage(ctl, "reset takes --vm VM and nothing else");
		change.reset = true;
	} else {
		return ctl_usage(ctl, "unknown verb %s", verb);
	}
	if (ctl_open(ctl))
		return CTL_ERROR;
	if (!strcmp(verb, "get"))
		return policy_get(ctl, vm_id);
	err = hostsig_nl_set_policy(&ctl->nl, vm_id, &change);
	if (err)
		return ctl_fail(ctl, err, "changing the policy");
	return ctl->json ? CTL_OK : policy_get(ctl, vm_id);
}
