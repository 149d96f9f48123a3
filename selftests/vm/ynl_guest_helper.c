// SPDX-License-Identifier: GPL-2.0
/*
 * A guest for ynl_test.sh, which drives hostsig with the kernel's YNL
 * client and needs components to look at. Registers two components
 * ("ynl-first", "ynl-second") and prints
 *
 *   ready vm=VM_ID first=ID second=ID
 *
 * then reads commands, one per line, from standard input:
 *
 *   register   register "ynl-late"; prints "late=ID"
 *   query      QUERY it; prints "query decision=D state=S" (or "query error=E")
 *
 * and frees the VM at end of input.
 */
#define HOSTSIG_NO_HARNESS
#include "hostsig_nl.h"

static uint64_t vm_id_of(uint64_t comp_id)
{
	struct hs_attrs comp;
	struct hs_nl nl;
	uint64_t vm_id = 0;

	if (hs_nl_open(&nl))
		return 0;
	if (!hs_nl_get_comp(&nl, comp_id, &comp))
		vm_id = comp.u[HOSTSIG_A_COMP_VM_ID];
	hs_nl_close(&nl);
	return vm_id;
}

int main(void)
{
	struct hs_comp first, second, late;
	struct hs_guest g;
	char line[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	hs_guest_create(&g, 0, 2);
	hs_comp_make(&g, &first, "ynl-first", 5000, 300);
	hs_comp_make(&g, &second, "ynl-second", 7000, 0);
	hs_comp_make(&g, &late, "ynl-late", 3000, 0);
	if (hs_comp_register(&g, &first) <= 0 || hs_comp_register(&g, &second) <= 0) {
		printf("error register %ld %ld\n", first.id, second.id);
		return 1;
	}
	printf("ready vm=%lu first=%ld second=%ld\n", vm_id_of(first.id), first.id,
	       second.id);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "register", 8)) {
			printf("late=%ld\n", hs_comp_register(&g, &late));
		} else if (!strncmp(line, "query", 5)) {
			int64_t q = hs_query(&g, late.id);

			if (q < 0)
				printf("query error=%ld\n", q);
			else
				printf("query decision=%u state=%u\n",
				       HOSTSIG_QUERY_DECISION(q), HOSTSIG_QUERY_STATE(q));
		}
	}
	hs_guest_destroy(&g);
	return 0;
}
