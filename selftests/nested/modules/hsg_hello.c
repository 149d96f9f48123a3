// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose init says that it ran, so that a test can tell a load the
 * host allowed from one it refused before any of the module's code ran.
 * fail=1 makes its init fail, after hostsig-guest allowed it. Its init
 * also prints where hsg_hello_plain()'s code is (a function with no
 * runtime patch site, for a test to write to), and the parameter "key"
 * flips a static key, which makes the guest's kernel rewrite the jump
 * label in hsg_hello_answer() after the load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/sysfs.h>

static bool fail;
module_param(fail, bool, 0444);
MODULE_PARM_DESC(fail, "Fail init (0)");

static DEFINE_STATIC_KEY_FALSE(hsg_hello_key);

static noinline int hsg_hello_answer(void)
{
	if (static_branch_unlikely(&hsg_hello_key))
		return 43;
	return 42;
}

/* No ftrace call site, no jump label: only code the loader relocated. */
static noinline notrace int hsg_hello_plain(int x)
{
	return x * 3 + 1;
}

static int hsg_hello_key_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	if (on)
		static_branch_enable(&hsg_hello_key);
	else
		static_branch_disable(&hsg_hello_key);
	pr_info("key %s, answer %d\n", on ? "on" : "off", hsg_hello_answer());
	return 0;
}

static int hsg_hello_key_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", static_key_enabled(&hsg_hello_key));
}

static const struct kernel_param_ops hsg_hello_key_ops = {
	.set = hsg_hello_key_set,
	.get = hsg_hello_key_get,
};
module_param_cb(key, &hsg_hello_key_ops, NULL, 0644);
MODULE_PARM_DESC(key, "The static key in hsg_hello_answer() (0)");

static int __init hsg_hello_init(void)
{
	pr_info("init ran, answer %d%s\n", hsg_hello_answer(),
		fail ? ", failing on purpose" : "");
	/* For the test to write to: a test module's address is no secret. */
	pr_info("plain code at %#lx (%d)\n", (unsigned long)hsg_hello_plain,
		hsg_hello_plain(2));
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
