// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsigctl status: the module, the verifier, the policy and the counts.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ctl.h"

struct status_counts {
	uint64_t by_state[HOSTSIG_STATE_UNLOADED + 1];
};

static int status_count(const struct hostsig_nl_comp *comp, void *arg)
{
	struct status_counts *sc = arg;

	if (comp->state <= HOSTSIG_STATE_UNLOADED)
		sc->by_state[comp->state]++;
	return 0;
}

static void status_json(const struct hostsig_nl_stats *st,
			const struct hostsig_nl_policy *p,
			const struct status_counts *sc)
{
	const uint64_t *v = st->value;
	struct json json;
	uint32_t s;

	json_init(&json, stdout);
	json_object_begin(&json, NULL);
	json_bool(&json, "loaded", true);
	json_u64(&json, "verifier_pid", v[HOSTSIG_A_STATS_CONSUMER_PID]);
	json_u64(&json, "ring_size", v[HOSTSIG_A_STATS_RING_SIZE]);
	json_u64(&json, "ring_used", v[HOSTSIG_A_STATS_RING_USED]);
	json_object_begin(&json, "policy");
	json_string(&json, "mode", hostsig_mode_name(p->mode));
	json_string(&json, "unknown", hostsig_unknown_name(p->unknown));
	json_u64(&json, "timeout_ms", p->timeout_ms);
	json_string(&json, "tampered", hostsig_tampered_name(p->tampered));
	json_object_end(&json);
	json_u64(&json, "vms", v[HOSTSIG_A_STATS_VMS]);
	json_object_begin(&json, "components");
	for (s = HOSTSIG_STATE_UNVERIFIED; s <= HOSTSIG_STATE_UNLOADED; s++)
		json_u64(&json, hostsig_state_name(s), sc->by_state[s]);
	json_object_end(&json);
	json_u64(&json, "tracked_pages", v[HOSTSIG_A_STATS_TRACKED_PAGES]);
	json_object_end(&json);
	json_finish(&json);
}

static void status_text(const struct hostsig_nl_stats *st,
			const struct hostsig_nl_policy *p,
			const struct status_counts *sc)
{
	const uint64_t *v = st->value;
	char size[32], used[32];
	uint64_t refused = 0;
	int i;

	for (i = HOSTSIG_A_STATS_REFUSED_INVAL;
	     i <= HOSTSIG_A_STATS_REFUSED_NOTSUPP; i++)
		refused += v[i];
	refused += v[HOSTSIG_A_STATS_REFUSED_NOTRAM];
	printf("module:     loaded, ring %s (%s in use)\n",
	       ctl_size(v[HOSTSIG_A_STATS_RING_SIZE], size, sizeof(size)),
	       ctl_size(v[HOSTSIG_A_STATS_RING_USED], used, sizeof(used)));
	if (v[HOSTSIG_A_STATS_CONSUMER_PID])
		printf("verifier:   running (pid %" PRIu64 ")\n",
		       v[HOSTSIG_A_STATS_CONSUMER_PID]);
	else
		printf("verifier:   not running: components wait for their timeout\n");
	printf("policy:     mode %s, unknown %s, timeout ", hostsig_mode_name(p->mode),
	       hostsig_unknown_name(p->unknown));
	if (p->timeout_ms)
		printf("%u ms", p->timeout_ms);
	else
		printf("none");
	printf(", tampered %s\n", hostsig_tampered_name(p->tampered));
	printf("vms:        %" PRIu64 "\n", v[HOSTSIG_A_STATS_VMS]);
	printf("components: %" PRIu64 " pending, %" PRIu64 " authentic, %" PRIu64
	       " not authentic, %" PRIu64 " unknown, %" PRIu64 " modified, %"
	       PRIu64 " unloaded\n",
	       sc->by_state[HOSTSIG_STATE_PENDING],
	       sc->by_state[HOSTSIG_STATE_AUTHENTIC],
	       sc->by_state[HOSTSIG_STATE_NOT_AUTHENTIC],
	       sc->by_state[HOSTSIG_STATE_UNKNOWN],
	       sc->by_state[HOSTSIG_STATE_MODIFIED],
	       sc->by_state[HOSTSIG_STATE_UNLOADED]);
	printf("since load: %" PRIu64 " registered, %" PRIu64 " refused, %" PRIu64
	       " verdicts, %" PRIu64 " timeouts, %" PRIu64 " tampers, %" PRIu64
	       " quarantines\n", v[HOSTSIG_A_STATS_REGISTERED], refused,
	       v[HOSTSIG_A_STATS_VERDICTS], v[HOSTSIG_A_STATS_TIMEOUTS],
	       v[HOSTSIG_A_STATS_TAMPERS], v[HOSTSIG_A_STATS_QUARANTINES]);
}

int cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct status_counts sc = { { 0 } };
	struct hostsig_nl_policy policy;
	struct hostsig_nl_stats stats;
	int err;

	(void)argv;
	if (argc)
		return ctl_usage(ctl, "unexpected arguments");
	if (ctl_open(ctl))
		return CTL_ERROR;
	err = hostsig_nl_get_stats(&ctl->nl, &stats);
	if (!err)
		err = hostsig_nl_get_policy(&ctl->nl, 0, &policy);
	if (!err)
		err = hostsig_nl_dump_components(&ctl->nl, 0, status_count, &sc);
	if (err)
		return ctl_fail(ctl, err, "reading the state");
	if (ctl->json)
		status_json(&stats, &policy, &sc);
	else
		status_text(&stats, &policy, &sc);
	return CTL_OK;
}
