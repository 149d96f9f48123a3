// SPDX-License-Identifier: GPL-2.0
/*
 * hostsig.ko: verify, from the KVM host, the components a guest has loaded.
 *
 * Initialisation order matters: everything a hypercall may touch is set up
 * before the hook goes live, and the hook goes first on the way out; the
 * VM-destroy hook stays until hostsig has let go of every VM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "hostsig.h"

/*
 * Limits. Every one is documented in Documentation/admin-guide.rst; the
 * writable ones take effect at the next REGISTER. Each has a range, checked
 * when the module is loaded and on every write (EINVAL outside it): the
 * arithmetic that uses them (page counts in 32 bits, the rate limiter's
 * nanoseconds in 64) is safe for every value inside.
 */
struct hostsig_uint_param {
	unsigned int *value;
	unsigned int min;
	unsigned int max;
	bool power_of_2;
};

static int hostsig_uint_param_set(const char *val, const struct kernel_param *kp)
{
	const struct hostsig_uint_param *p = kp->arg;
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v < p->min || v > p->max || (p->power_of_2 && !is_power_of_2(v)))
		return -EINVAL;
	WRITE_ONCE(*p->value, v);
	return 0;
}

static int hostsig_uint_param_get(char *buf, const struct kernel_param *kp)
{
	const struct hostsig_uint_param *p = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%u\n", READ_ONCE(*p->value));
}

static const struct kernel_param_ops hostsig_uint_param_ops = {
	.set = hostsig_uint_param_set,
	.get = hostsig_uint_param_get,
};

unsigned int hostsig_ring_size_mib = 128;
static struct hostsig_uint_param hostsig_param_ring_size_mib = {
	.value = &hostsig_ring_size_mib, .min = 1, .max = 1024, .power_of_2 = true,
};

module_param_cb(ring_size_mib, &hostsig_uint_param_ops, &hostsig_param_ring_size_mib, 0444);
MODULE_PARM_DESC(ring_size_mib, "Ring buffer data size in MiB, a power of two, 1-1024 (128)");

/* A component's page count stays far below 2^32, and it fits the largest ring. */
unsigned int hostsig_max_component_mib = 64;
static struct hostsig_uint_param hostsig_param_max_component_mib = {
	.value = &hostsig_max_component_mib, .min = 1, .max = 1024,
};

module_param_cb(max_component_mib, &hostsig_uint_param_ops, &hostsig_param_max_component_mib, 0644);
MODULE_PARM_DESC(max_component_mib, "Largest component in MiB, regions together, 1-1024 (64)");

unsigned int hostsig_vm_max_components = 4096;
static struct hostsig_uint_param hostsig_param_vm_max_components = {
	.value = &hostsig_vm_max_components, .min = 1, .max = 65536,
};

module_param_cb(vm_max_components, &hostsig_uint_param_ops, &hostsig_param_vm_max_components, 0644);
MODULE_PARM_DESC(vm_max_components, "Components a VM may have registered at once, 1-65536 (4096)");

unsigned int hostsig_vm_max_pending_mib = 128;
static struct hostsig_uint_param hostsig_param_vm_max_pending_mib = {
	.value = &hostsig_vm_max_pending_mib, .min = 1, .max = 1048576,
};

module_param_cb(vm_max_pending_mib, &hostsig_uint_param_ops,
		&hostsig_param_vm_max_pending_mib, 0644);
MODULE_PARM_DESC(vm_max_pending_mib, "MiB a VM may have waiting for verdicts, 1-1048576 (128)");

unsigned int hostsig_vm_register_rate = 256;
static struct hostsig_uint_param hostsig_param_vm_register_rate = {
	.value = &hostsig_vm_register_rate, .min = 0, .max = 1000000,
};

module_param_cb(vm_register_rate, &hostsig_uint_param_ops, &hostsig_param_vm_register_rate, 0644);
MODULE_PARM_DESC(vm_register_rate, "REGISTERs per second per VM, 0 for no limit, 0-1000000 (256)");

unsigned int hostsig_vm_register_burst = 1024;
static struct hostsig_uint_param hostsig_param_vm_register_burst = {
	.value = &hostsig_vm_register_burst, .min = 1, .max = 1000000,
};

module_param_cb(vm_register_burst, &hostsig_uint_param_ops, &hostsig_param_vm_register_burst, 0644);
MODULE_PARM_DESC(vm_register_burst, "REGISTERs a VM may make at once above the rate, 1-1000000 (1024)");

/*
 * Host memory a VM's components hold for their whole life (and for a while
 * after, kept unloaded): the bytes kept for later captures and the per-page
 * tables, counted at REGISTER before anything is allocated (hypercall.c).
 */
unsigned int hostsig_vm_max_retained_mib = 256;
static struct hostsig_uint_param hostsig_param_vm_max_retained_mib = {
	.value = &hostsig_vm_max_retained_mib, .min = 1, .max = 1048576,
};

module_param_cb(vm_max_retained_mib, &hostsig_uint_param_ops,
		&hostsig_param_vm_max_retained_mib, 0644);
MODULE_PARM_DESC(vm_max_retained_mib, "MiB of host memory a VM's components may hold, 1-1048576 (256)");

/* The part of the ring one VM's records may occupy (ring.c). */
unsigned int hostsig_vm_ring_share_pct = 25;
static struct hostsig_uint_param hostsig_param_vm_ring_share_pct = {
	.value = &hostsig_vm_ring_share_pct, .min = 1, .max = 100,
};

module_param_cb(vm_ring_share_pct, &hostsig_uint_param_ops,
		&hostsig_param_vm_ring_share_pct, 0644);
MODULE_PARM_DESC(vm_ring_share_pct, "Percent of the ring one VM's records may occupy, 1-100 (25)");

unsigned int hostsig_keep_unloaded = 32;
static struct hostsig_uint_param hostsig_param_keep_unloaded = {
	.value = &hostsig_keep_unloaded, .min = 0, .max = 4096,
};

module_param_cb(keep_unloaded, &hostsig_uint_param_ops, &hostsig_param_keep_unloaded, 0644);
MODULE_PARM_DESC(keep_unloaded, "Unloaded components kept per VM for inspection, 0-4096 (32)");

/*
 * How long after the first write at a patch site the component is captured
 * again (track.c): the guest's kernel patches a site in several writes.
 */
unsigned int hostsig_patch_settle_ms = HOSTSIG_PATCH_SETTLE_MS;
static struct hostsig_uint_param hostsig_param_patch_settle_ms = {
	.value = &hostsig_patch_settle_ms, .min = 1, .max = 60000,
};

module_param_cb(patch_settle_ms, &hostsig_uint_param_ops, &hostsig_param_patch_settle_ms, 0644);
MODULE_PARM_DESC(patch_settle_ms, "Milliseconds from a patch-site write to the new capture, 1-60000 (100)");

/*
 * The integrity scrub (scrub.c): seconds between passes over every judged
 * component's tracked pages, 0 for none. A change starts a pass at once.
 */
unsigned int hostsig_scrub_interval_s = 60;
static struct hostsig_uint_param hostsig_param_scrub_interval_s = {
	.value = &hostsig_scrub_interval_s, .min = 0, .max = 86400,
};

static int hostsig_scrub_param_set(const char *val, const struct kernel_param *kp)
{
	int err = hostsig_uint_param_set(val, kp);

	if (!err)
		hostsig_scrub_kick();
	return err;
}

static const struct kernel_param_ops hostsig_scrub_param_ops = {
	.set = hostsig_scrub_param_set,
	.get = hostsig_uint_param_get,
};

module_param_cb(scrub_interval_s, &hostsig_scrub_param_ops, &hostsig_param_scrub_interval_s, 0644);
MODULE_PARM_DESC(scrub_interval_s, "Seconds between integrity scrubs of tracked pages, 0 for none, 0-86400 (60)");

static int __init hostsig_init(void)
{
	int err;

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
	err = hostsig_scrub_init();
	if (err)
		goto err_scrub;
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
	hostsig_scrub_exit();
err_scrub:
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
	hostsig_scrub_exit();
	hostsig_vms_exit();
	hostsig_components_exit();
	hostsig_vm_hooks_exit();
	hostsig_ring_exit();
}

module_init(hostsig_init);
module_exit(hostsig_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hostsig: host-side signature verification of guest components");
MODULE_AUTHOR("The hostsig authors");
