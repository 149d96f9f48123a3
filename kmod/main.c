// SPDX-License-Identifier: GPL-2.0
/*
 * hostsig.ko: verify, from the KVM host, the components a guest has loaded.
 *
 * Initialisation order matters: everything a hypercall may touch is set up
 * before the hook goes live, and the hook goes first on the way out; the
 * VM-destroy hook stays until hostsig has let go of every VM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/module.h>

#include "hostsig.h"

/*
 * Limits. Every one is documented in Documentation/admin-guide.rst; the
 * writable ones take effect at the next REGISTER.
 */
unsigned int hostsig_ring_size_mib = 128;
module_param_named(ring_size_mib, hostsig_ring_size_mib, uint, 0444);
MODULE_PARM_DESC(ring_size_mib, "Ring buffer data size in MiB, a power of two, 1-1024 (128)");

unsigned int hostsig_max_component_mib = 64;
module_param_named(max_component_mib, hostsig_max_component_mib, uint, 0644);
MODULE_PARM_DESC(max_component_mib, "Largest component in MiB, regions together (64)");

unsigned int hostsig_vm_max_components = 4096;
module_param_named(vm_max_components, hostsig_vm_max_components, uint, 0644);
MODULE_PARM_DESC(vm_max_components, "Components a VM may have registered at once (4096)");

unsigned int hostsig_vm_max_pending_mib = 128;
module_param_named(vm_max_pending_mib, hostsig_vm_max_pending_mib, uint, 0644);
MODULE_PARM_DESC(vm_max_pending_mib, "MiB a VM may have waiting for verdicts (128)");

unsigned int hostsig_vm_register_rate = 256;
module_param_named(vm_register_rate, hostsig_vm_register_rate, uint, 0644);
MODULE_PARM_DESC(vm_register_rate, "REGISTERs per second per VM, 0 for no limit (256)");

unsigned int hostsig_vm_register_burst = 1024;
module_param_named(vm_register_burst, hostsig_vm_register_burst, uint, 0644);
MODULE_PARM_DESC(vm_register_burst, "REGISTERs a VM may make at once above the rate (1024)");

unsigned int hostsig_keep_unloaded = 32;
module_param_named(keep_unloaded, hostsig_keep_unloaded, uint, 0644);
MODULE_PARM_DESC(keep_unloaded, "Unloaded components kept per VM for inspection (32)");

static int __init hostsig_check_params(void)
{
	if (hostsig_ring_size_mib < 1 || hostsig_ring_size_mib > 1024 ||
	    !is_power_of_2(hostsig_ring_size_mib)) {
		pr_err("ring_size_mib=%u: want a power of two from 1 to 1024\n",
		       hostsig_ring_size_mib);
		return -EINVAL;
	}
	return 0;
}

static int __init hostsig_init(void)
{
	int err;

	err = hostsig_check_params();
	if (err)
		return err;
	err = hostsig_ring_init();
	if (err)
		goto err_ring;
	err = hostsig_components_init();
	if (err)
		goto err_components;
	err = hostsig_vm_hooks_init();
	if (err)
		goto err_vm_hooks;
	err = hostsig_netlink_init();
	if (err)
		goto err_netlink;
	err = hostsig_hook_init();
	if (err)
		goto err_hook;

	hostsig_faults_inject();
	pr_info("ABI %u, features %#x, ring %u MiB, hooked %s%s\n",
		HOSTSIG_ABI_VERSION, hostsig_features(), hostsig_ring_size_mib,
		hostsig_hook_target(), hostsig_track_available() ? "" :
		" (no write tracking: KVM lacks external write tracking)");
	return 0;

err_hook:
	hostsig_netlink_exit();
err_netlink:
	hostsig_vm_hooks_exit();
err_vm_hooks:
	hostsig_components_exit();
err_components:
	hostsig_ring_exit();
err_ring:
	return err;
}

static void __exit hostsig_exit(void)
{
	hostsig_hook_exit();
	hostsig_netlink_exit();
	hostsig_components_exit();
	hostsig_vm_hooks_exit();
	hostsig_ring_exit();
}

module_init(hostsig_init);
module_exit(hostsig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hostsig: host-side signature verification of guest components");
MODULE_AUTHOR("The hostsig authors");
