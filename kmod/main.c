// SPDX-License-Identifier: GPL-2.0
/*
 * hostsig.ko: verify, from the KVM host, the components a guest has loaded.
 *
 * Initialisation order matters: everything a hypercall may touch is set up
 * before the hook goes live, and the hook goes first on the way out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "hostsig.h"

static int __init hostsig_init(void)
{
	int err;

	err = hostsig_hook_init();
	if (err)
		goto err_hook;

	pr_info("ABI %u, features %#x, hooked %s\n", HOSTSIG_ABI_VERSION,
		HOSTSIG_F_ALL, hostsig_hook_target());
	return 0;

err_hook:
	return err;
}

static void __exit hostsig_exit(void)
{
	hostsig_hook_exit();
}

module_init(hostsig_init);
module_exit(hostsig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hostsig: host-side signature verification of guest components");
MODULE_AUTHOR("The hostsig authors");
