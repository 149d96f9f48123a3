// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsigctl stats
 */
#include <inttypes.h>
#include <stdio.h>

#include "ctl.h"

int cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	struct hostsig_nl_stats stats;
	struct json json;
	int i, err;

	(void)argv;
	if (argc)
		return ctl_usage(ctl, "unexpected arguments");
	if (ctl_open(ctl))
		return CTL_ERROR;
	err = hostsig_nl_get_stats(&ctl->nl, &stats);
	if (err)
		return ctl_fail(ctl, err, "reading counters");
	if (ctl->json) {
		json_init(&json, stdout);
		json_object_begin(&json, NULL);
	}
	for (i = 0; i < __HOSTSIG_A_STATS_MAX; i++) {
		if (!stats.present[i])
			continue;
		if (ctl->json)
			json_u64(&json, hostsig_stats_name(i), stats.value[i]);
		else
			printf("%-20s %" PRIu64 "\n", hostsig_stats_name(i),
			       stats.value[i]);
	}
	if (ctl->json) {
		json_object_end(&json);
		json_finish(&json);
	}
	return CTL_OK;
}
