// SPDX-License-Identifier: GPL-2.0
/*
 * Deliberate bugs, to prove that the debug-kernel test tier catches each
 * kind of report. Built only when Kbuild is given HOSTSIG_FAULTS=y (the
 * tests build such a module separately); a normal hostsig.ko has neither
 * this file nor the parameter.
 *
 *   fault=leak        allocate an object and lose the pointer (kmemleak)
 *   fault=uaf         read an object after freeing it (KASAN)
 *   fault=lockorder   take two locks in both orders (lockdep)
 *
 * The fault happens once, at module load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hostsig.h"

static char *hostsig_fault = "";
module_param_named(fault, hostsig_fault, charp, 0444);
MODULE_PARM_DESC(fault, "Test builds only: leak, uaf or lockorder");

static DEFINE_MUTEX(hostsig_fault_a);
static DEFINE_MUTEX(hostsig_fault_b);

static noinline void hostsig_fault_leak(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	/* Used, so that it is really allocated; then the pointer is gone. */
	OPTIMIZER_HIDE_VAR(p);
	if (p)
		memset(p, 0x5a, 128);
	pr_warn("fault injected: leaked one object\n");
}

static noinline void hostsig_fault_uaf(void)
{
	u8 *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	pr_warn("fault injected: use after free, read %u\n", READ_ONCE(p[8]));
}

static noinline void hostsig_fault_lockorder(void)
{
	mutex_lock(&hostsig_fault_a);
	mutex_lock(&hostsig_fault_b);
	mutex_unlock(&hostsig_fault_b);
	mutex_unlock(&hostsig_fault_a);

	mutex_lock(&hostsig_fault_b);
	mutex_lock(&hostsig_fault_a);
	mutex_unlock(&hostsig_fault_a);
	mutex_unlock(&hostsig_fault_b);
	pr_warn("fault injected: two locks taken in both orders\n");
}

void hostsig_faults_inject(void)
{
	if (!strcmp(hostsig_fault, "leak"))
		hostsig_fault_leak();
	else if (!strcmp(hostsig_fault, "uaf"))
		hostsig_fault_uaf();
	else if (!strcmp(hostsig_fault, "lockorder"))
		hostsig_fault_lockorder();
	else if (hostsig_fault[0])
		pr_err("unknown fault %s\n", hostsig_fault);
}
