/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces hostsig uses that differ between the kernels it
 * supports (Debian's 6.1 and 6.12), in one place. Kbuild finds out which
 * ones the kernel has from its headers (HOSTSIG_HAVE_*), rather than from
 * version numbers, which distribution kernels make unreliable.
 */
#ifndef _HOSTSIG_COMPAT_H
#define _HOSTSIG_COMPAT_H

#include <linux/mm.h>
#include <net/genetlink.h>

/* 6.3 made vma->vm_flags read-only outside the mm helpers. */
static inline void hostsig_vm_flags_clear(struct vm_area_struct *vma,
					  unsigned long flags)
{
#ifdef HOSTSIG_HAVE_VM_FLAGS_CLEAR
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/* 6.2 gave dumps a struct genl_info of their own. */
static inline struct nlattr **hostsig_dump_attrs(struct netlink_callback *cb)
{
#ifdef HOSTSIG_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _HOSTSIG_COMPAT_H */
