// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A module for the verifier's tests, built at test time against each
 * installed kernel: small, but with a site of most kinds the kernel
 * patches at load time (ftrace call sites, return thunks, retpolines, a
 * jump label and the static key it uses, a static call, alternatives,
 * lock prefixes, an exception table entry, paravirt calls on 6.1).
 */
#include <linux/atomic.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/static_call.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>

int hsmod_work(int x);
int hsmod_peek(const int __user *p);

static int hsmod_count;
module_param(hsmod_count, int, 0444);

static DEFINE_STATIC_KEY_FALSE(hsmod_key);
static DEFINE_PER_CPU(unsigned long, hsmod_calls);
static atomic_t hsmod_atomic = ATOMIC_INIT(0);
static int hsmod_ro __ro_after_init = 42;

static int hsmod_twice(int x)
{
	return 2 * x;
}

static int hsmod_thrice(int x)
{
	return 3 * x;
}

DEFINE_STATIC_CALL(hsmod_call, hsmod_twice);

static int (*hsmod_ops[])(int) = { hsmod_twice, hsmod_thrice };

noinline int hsmod_work(int x)
{
	unsigned long flags;
	int r;

	this_cpu_inc(hsmod_calls);
	atomic_inc(&hsmod_atomic);
	if (static_branch_unlikely(&hsmod_key))
		x++;
	if (static_cpu_has(X86_FEATURE_XMM2))
		x ^= 1;
	local_irq_save(flags);
	r = static_call(hsmod_call)(x) + hsmod_ops[x & 1](x) + hsmod_ro;
	local_irq_restore(flags);
	return r;
}
EXPORT_SYMBOL_GPL(hsmod_work);

noinline int hsmod_peek(const int __user *p)
{
	int v = 0;

	if (!user_access_begin(p, sizeof(*p)))
		return -EFAULT;
	unsafe_get_user(v, p, fault);
	user_access_end();
	return v;
fault:
	user_access_end();
	return -EFAULT;
}
EXPORT_SYMBOL_GPL(hsmod_peek);

static int __init hsmod_init(void)
{
	hsmod_count = hsmod_work(hsmod_count);
	return 0;
}

static void __exit hsmod_exit(void)
{
	static_call_update(hsmod_call, hsmod_thrice);
}

module_init(hsmod_init);
module_exit(hsmod_exit);
MODULE_DESCRIPTION("hostsig verifier test module");
MODULE_LICENSE("GPL");
