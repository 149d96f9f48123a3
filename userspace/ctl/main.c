// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsigctl: the operator's view of hostsig and its controls, over the
 * hostsig generic netlink family. One file per subcommand.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const struct ctl_command ctl_commands[] = {
	{ "status", cmd_status, "", "module, verifier, policy and counts at a glance" },
	{ "list", cmd_list, "[--vm VM]", "components, one per line" },
	{ "show", cmd_show, "ID", "everything about one component" },
	{ "vms", cmd_vms, "", "the VMs that use hostsig" },
	{ "policy", cmd_policy, "[get|set|reset] [--vm VM] [mode=M] [unknown=A] [timeout=MS]",
	  "show or change the policy" },
	{ "reverify", cmd_reverify, "ID", "capture a component again and verify it" },
	{ "stats", cmd_stats, "", "the module's counters" },
	{ "watch", cmd_watch, "", "events as they happen, one per line" },
};

#define NR_COMMANDS (sizeof(ctl_commands) / sizeof(ctl_commands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: hostsigctl [--json] COMMAND [ARGS]\n\nCommands:\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "  %s %s\n      %s\n", ctl_commands[i].name,
			ctl_commands[i].args, ctl_commands[i].help);
	fprintf(out, "\n--json prints machine-readable output (read commands).\n"
		"See hostsigctl(8).\n");
}

int ctl_usage(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	fprintf(stderr, "hostsigctl %s: ", ctl->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(ctl_commands[i].name, ctl->cmd))
			fprintf(stderr, "Usage: hostsigctl %s %s\n",
				ctl_commands[i].name, ctl_commands[i].args);
	return CTL_USAGE;
}

int ctl_open(struct ctl *ctl)
{
	int err = hostsig_nl_open(&ctl->nl);

	if (!err)
		return CTL_OK;
	if (err == -ENOENT)
		fprintf(stderr, "hostsigctl: the hostsig module is not loaded "
			"(modprobe hostsig)\n");
	else
		fprintf(stderr, "hostsigctl: %s\n", ctl->nl.error[0] ?
			ctl->nl.error : strerror(-err));
	return CTL_ERROR;
}

int ctl_fail(struct ctl *ctl, int err, const char *what)
{
	const char *why = ctl->nl.error[0] ? ctl->nl.error : strerror(-err);

	if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "hostsigctl %s: %s: permission denied: %s "
			"(changing hostsig needs CAP_NET_ADMIN: run as root)\n",
			ctl->cmd, what, why);
	else
		fprintf(stderr, "hostsigctl %s: %s: %s\n", ctl->cmd, what, why);
	return CTL_ERROR;
}

uint64_t ctl_parse_id(const char *s)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return 0;
	return v;
}

int ctl_take_vm(int *argc, char **argv, uint64_t *vm_id)
{
	int i, j;

	*vm_id = 0;
	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--vm"))
			continue;
		if (i + 1 >= *argc || !(*vm_id = ctl_parse_id(argv[i + 1])))
			return -1;
		for (j = i; j + 2 <= *argc; j++)
			argv[j] = argv[j + 2];
		*argc -= 2;
		return 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ctl ctl = { .cmd = "" };
	size_t i;
	int ret;

	argv++;
	argc--;
	/* --json may come anywhere. */
	for (i = 0; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json"))
			continue;
		ctl.json = true;
		memmove(&argv[i], &argv[i + 1], (argc - i - 1) * sizeof(*argv));
		argc--;
		i--;
	}
	while (argc && argv[0][0] == '-') {
		if (!strcmp(argv[0], "--json")) {
			ctl.json = true;
		} else if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
			usage(stdout);
			return CTL_OK;
		} else {
			fprintf(stderr, "hostsigctl: unknown option %s\n", argv[0]);
			usage(stderr);
			return CTL_USAGE;
		}
		argv++;
		argc--;
	}
	if (!argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	for (i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(argv[0], ctl_commands[i].name))
			continue;
		ctl.cmd = ctl_commands[i].name;
		ret = ctl_commands[i].run(&ctl, argc - 1, argv + 1);
		hostsig_nl_close(&ctl.nl);
		return ret;
	}
	fprintf(stderr, "hostsigctl: unknown command %s\n", argv[0]);
	usage(stderr);
	return CTL_USAGE;
}
