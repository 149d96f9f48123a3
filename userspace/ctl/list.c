// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostsigctl list [--vm VM], hostsigctl show ID
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

struct list_ctx {
	struct ctl *ctl;
	struct json json;
	unsigned long count;
};

static int list_one(const struct hostsig_nl_comp *comp, void *arg)
{
	struct list_ctx *lc = arg;

	if (lc->ctl->json) {
		json_component(&lc->json, NULL, comp);
	} else {
		if (!lc->count)
			print_component_row_header();
		print_component_row(comp);
	}
	lc->count++;
	return 0;
}

/*
 * Nothing is printed for a list that failed (no permission, the module
 * gone mid-way): the JSON document is made in memory and written out only
 * when it is whole, so that a consumer never reads an empty or cut list as
 * the truth.
 */
int cmd_list(struct ctl *ctl, int argc, char **argv)
{
	struct list_ctx lc = { .ctl = ctl };
	char *doc = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	uint64_t vm_id;
	int err;

	if (ctl_take_vm(&argc, argv, &vm_id) || argc)
		return ctl_usage(ctl, "unexpected arguments");
	if (ctl_open(ctl))
		return CTL_ERROR;
	if (ctl->json) {
		mem = open_memstream(&doc, &len);
		if (!mem)
			return ctl_fail(ctl, -errno, "listing components");
		json_init(&lc.json, mem);
		json_array_begin(&lc.json, NULL);
	}
	err = hostsig_nl_dump_components(&ctl->nl, vm_id, list_one, &lc);
	if (mem) {
		json_array_end(&lc.json);
		json_finish(&lc.json);
		if (fclose(mem) && !err)
			err = -ENOMEM;
		if (!err)
			fwrite(doc, 1, len, stdout);
		free(doc);
	} else if (!err && !lc.count) {
		print_component_row_header();
	}
	if (err)
		return ctl_fail(ctl, err, "listing components");
	return CTL_OK;
}

int cmd_show(struct ctl *ctl, int argc, char **argv)
{
	struct hostsig_nl_comp comp;
	struct json json;
	uint64_t id;
	int err;

	if (argc != 1 || !(id = ctl_parse_id(argv[0])))
		return ctl_usage(ctl, "which component?");
	if (ctl_open(ctl))
		return CTL_ERROR;
	err = hostsig_nl_get_component(&ctl->nl, id, &comp);
	if (err) {
		char what[48];

		snprintf(what, sizeof(what), "component %s", argv[0]);
		return ctl_fail(ctl, err, what);
	}
	if (ctl->json) {
		json_init(&json, stdout);
		json_component(&json, NULL, &comp);
		json_finish(&json);
	} else {
		print_component(&comp);
	}
	return CTL_OK;
}
