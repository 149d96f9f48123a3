// SPDX-License-Identifier: GPL-2.0
/*
 * hostsig-guest.ko: announce every module a Linux guest loads to hostsig
 * on the KVM host, and let its code run only when the host allows it.
 *
 * The kretprobe that finds file buffers goes live before the module
 * notifier, so that every load the notifier sees was followed from its
 * start; on the way out the notifier goes first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/notifier.h>

#include "hostsig_guest.h"

/* Parameters; Documentation/guest-proxy.rst explains each. */
bool hsg_require_host;
module_param_named(require_host, hsg_require_host, bool, 0644);
MODULE_PARM_DESC(require_host, "Refuse module loads when the host does not run hostsig (0)");

bool hsg_fail_open;
module_param_named(fail_open, hsg_fail_open, bool, 0644);
MODULE_PARM_DESC(fail_open, "Load modules the host could not decide about (0: refuse them)");

unsigned int hsg_query_timeout_ms = 60000;
module_param_named(query_timeout_ms, hsg_query_timeout_ms, uint, 0644);
MODULE_PARM_DESC(query_timeout_ms, "How long a load waits for the host's decision, 0 for ever (60000)");

unsigned int hsg_register_retry_ms = 10000;
module_param_named(register_retry_ms, hsg_register_retry_ms, uint, 0644);
MODULE_PARM_DESC(register_retry_ms, "How long REGISTER is retried while the host is short of room (10000)");

static int hsg_module_notify(struct notifier_block *nb, unsigned long state,
			     void *data)
{
	struct module *mod = data;

	switch (state) {
	case MODULE_STATE_COMING:
		return notifier_from_errno(hsg_module_coming(mod));
	case MODULE_STATE_LIVE:
		hsg_module_live(mod);
		break;
	case MODULE_STATE_GOING:
		hsg_module_going(mod);
		break;
	}
	return NOTIFY_DONE;
}

/* Last of all at COMING: the kernel's own notifiers patch the module first. */
static struct notifier_block hsg_module_nb = {
	.notifier_call = hsg_module_notify,
	.priority = INT_MIN,
};

static int __init hsg_init(void)
{
	int err;

	err = hsg_file_init();
	if (err)
		return err;
	err = register_module_notifier(&hsg_module_nb);
	if (err) {
		hsg_file_exit();
		return err;
	}
	hsg_host_present();
	return 0;
}

static void __exit hsg_exit(void)
{
	unregister_module_notifier(&hsg_module_nb);
	hsg_file_exit();
	hsg_components_exit();
}

module_init(hsg_init);
module_exit(hsg_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hostsig guest proxy: the host verifies every module before it runs");
MODULE_AUTHOR("The hostsig authors");
