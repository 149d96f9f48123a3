// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsigctl reverify ID
 */
#include <stdio.h>

#include "ctl.h"

int cmd_reverify(struct ctl *ctl, int argc, char **argv)
{
	char what[48];
	uint64_t id;
	int err;

	if (argc != 1 || !(id = ctl_parse_id(argv[0])))
		return ctl_usage(ctl, "which component?");
	if (ctl_open(ctl))
		return CTL_ERROR;
	err = hostsig_nl_reverify(&ctl->nl, id);
	if (err) {
		snprintf(what, sizeof(what), "component %s", argv[0]);
		return ctl_fail(ctl, err, what);
	}
	if (!ctl->json)
		printf("component %s captured again, waiting for its verdict\n",
		       argv[0]);
	return CTL_OK;
}
