// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose init says that it ran, so that a test can tell a load the
 * host allowed from one it refused before any of the module's code ran.
 * fail=1 makes its init fail, after hostsig-guest allowed it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

static bool fail;
module_param(fail, bool, 0444);
MODULE_PARM_DESC(fail, "Fail init (0)");

static noinline int hsg_hello_answer(void)
{
	return 42;
}

static int __init hsg_hello_init(void)
{
	pr_info("init ran, answer %d%s\n", hsg_hello_answer(),
		fail ? ", failing on purpose" : "");
	return fail ? -EINVAL : 0;
}

static void __exit hsg_hello_exit(void)
{
	pr_info("exit ran\n");
}

module_init(hsg_hello_init);
module_exit(hsg_hello_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hostsig test module: says when its init runs");
