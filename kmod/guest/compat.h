/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a loaded module's allocations are, on the kernels hostsig-guest
 * supports. Kbuild finds out from the kernel's headers which layout it has
 * (HOSTSIG_GUEST_HAVE_MOD_MEM) rather than from version numbers.
 */
#ifndef _HOSTSIG_GUEST_COMPAT_H
#define _HOSTSIG_GUEST_COMPAT_H

#include <linux/module.h>

#include "hostsig_guest.h"

/* One allocation of a loaded module, as an IMAGE region describes it. */
struct hsg_alloc {
	u32 tag;		/* enum hsg_tag */
	const void *base;
	unsigned long size;
};

#ifdef HOSTSIG_GUEST_HAVE_MOD_MEM
/* 6.4 and later: one allocation per enum mod_mem_type. */
#define HSG_MAX_ALLOCS MOD_MEM_NUM_TYPES

static const u32 hsg_tag_of[MOD_MEM_NUM_TYPES] = {
	[MOD_TEXT] = HSG_TAG_TEXT,
	[MOD_DATA] = HSG_TAG_DATA,
	[MOD_RODATA] = HSG_TAG_RODATA,
	[MOD_RO_AFTER_INIT] = HSG_TAG_RO_AFTER_INIT,
	[MOD_INIT_TEXT] = HSG_TAG_INIT_TEXT,
	[MOD_INIT_DATA] = HSG_TAG_INIT_DATA,
	[MOD_INIT_RODATA] = HSG_TAG_INIT_RODATA,
};

static inline unsigned int hsg_module_allocs(const struct module *mod,
					     struct hsg_alloc *out)
{
	unsigned int n = 0;

	for_each_mod_mem_type(type) {
		if (!mod->mem[type].size || !mod->mem[type].base)
			continue;
		out[n].tag = hsg_tag_of[type];
		out[n].base = mod->mem[type].base;
		out[n].size = mod->mem[type].size;
		n++;
	}
	return n;
}
#else
/*
 * 6.1: core_layout holds text, rodata, ro_after_init and data (x86 keeps
 * no separate data_layout), init_layout the init sections.
 */
#define HSG_MAX_ALLOCS 2

static inline unsigned int hsg_module_allocs(const struct module *mod,
					     struct hsg_alloc *out)
{
	unsigned int n = 0;

	if (mod->core_layout.size && mod->core_layout.base) {
		out[n].tag = HSG_TAG_TEXT;
		out[n].base = mod->core_layout.base;
		out[n].size = mod->core_layout.size;
		n++;
	}
	if (mod->init_layout.size && mod->init_layout.base) {
		out[n].tag = HSG_TAG_INIT_TEXT;
		out[n].base = mod->init_layout.base;
		out[n].size = mod->init_layout.size;
		n++;
	}
	return n;
}
#endif

#endif /* _HOSTSIG_GUEST_COMPAT_H */
