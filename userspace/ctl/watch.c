// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsigctl watch: the events group, one line (or one JSON object) per
 * event, until interrupted.
 */
#include <errno.h>
#include <stdio.h>

#include "ctl.h"

static int watch_one(const struct hostsig_nl_comp *ev, void *arg)
{
	struct ctl *ctl = arg;
	struct json json;

	if (ctl->json) {
		json_init(&json, stdout);
		json_event(&json, ev);
	} else {
		print_event(ev);
	}
	return 0;
}

int cmd_watch(struct ctl *ctl, int argc, char **argv)
{
	int err;

	(void)argv;
	if (argc)
		return ctl_usage(ctl, "unexpected arguments");
	if (ctl_open(ctl))
		return CTL_ERROR;
	err = hostsig_nl_subscribe(&ctl->nl);
	if (err)
		return ctl_fail(ctl, err, "subscribing to events");
	for (;;) {
		err = hostsig_nl_read_events(&ctl->nl, watch_one, ctl);
		if (err == -ENOBUFS) {
			fprintf(stderr, "hostsigctl watch: %s\n", ctl->nl.error);
			continue;
		}
		if (err)
			return ctl_fail(ctl, err, "reading events");
	}
}
