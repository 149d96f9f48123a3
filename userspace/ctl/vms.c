// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsigctl vms
 */
#include <inttypes.h>
#include <stdio.h>

#include "ctl.h"

struct vms_ctx {
	struct ctl *ctl;
	struct json json;
};

static int vms_one(const struct hostsig_nl_vm *vm, void *arg)
{
	struct vms_ctx *vc = arg;
	char pending[32], retained[32], ring[32];

	if (!vc->ctl->json) {
		printf("%-4" PRIu64 " %-8u %-10u %-10s %-10s %-10s %-10" PRIu64
		       " %-8" PRIu64 " %-11s %s\n", vm->id, vm->vmm_pid,
		       vm->components,
		       ctl_size(vm->pending_bytes, pending, sizeof(pending)),
		       ctl_size(vm->retained_bytes, retained, sizeof(retained)),
		       ctl_size(vm->ring_bytes, ring, sizeof(ring)),
		       vm->registered, vm->refused,
		       vm->quarantined ? "yes" : "no",
		       vm->policy_override ? "own" : "global");
		return 0;
	}
	json_object_begin(&vc->json, NULL);
	json_u64(&vc->json, "id", vm->id);
	json_u64(&vc->json, "vmm_pid", vm->vmm_pid);
	json_u64(&vc->json, "components", vm->components);
	json_u64(&vc->json, "pending_bytes", vm->pending_bytes);
	json_u64(&vc->json, "retained_bytes", vm->retained_bytes);
	json_u64(&vc->json, "ring_bytes", vm->ring_bytes);
	json_u64(&vc->json, "registered", vm->registered);
	json_u64(&vc->json, "refused", vm->refused);
	json_bool(&vc->json, "quarantined", vm->quarantined);
	json_bool(&vc->json, "own_policy", vm->policy_override);
	json_object_end(&vc->json);
	return 0;
}

int cmd_vms(struct ctl *ctl, int argc, char **argv)
{
	struct vms_ctx vc = { .ctl = ctl };
	int err;

	(void)argv;
	if (argc)
		return ctl_usage(ctl, "unexpected arguments");
	if (ctl_open(ctl))
		return CTL_ERROR;
	if (ctl->json) {
		json_init(&vc.json, stdout);
		json_array_begin(&vc.json, NULL);
	} else {
		printf("%-4s %-8s %-10s %-10s %-10s %-10s %-10s %-8s %-11s %s\n",
		       "VM", "PID", "COMPONENTS", "PENDING", "RETAINED", "RING",
		       "REGISTERED", "REFUSED", "QUARANTINED", "POLICY");
	}
	err = hostsig_nl_dump_vms(&ctl->nl, vms_one, &vc);
	if (ctl->json) {
		json_array_end(&vc.json);
		json_finish(&vc.json);
	}
	return err ? ctl_fail(ctl, err, "listing VMs") : CTL_OK;
}
