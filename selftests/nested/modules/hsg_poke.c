// SPDX-License-Identifier: GPL-2.0
/*
 * Write to another module's text, the way a rootkit in the guest kernel
 * might: addr= is an address inside a loaded module's text, for example
 * its .text from /sys/module/NAME/sections/.text (the kernel exports no
 * way to look a module up by name or address to modules). The byte there
 * is written back unchanged (value=-1, the default) or replaced by value=,
 * through a second, writable mapping of its page (vmap() of the page
 * vmalloc_to_page() finds); the write reaches its guest physical page as
 * any write would. A changed byte is for code that no longer runs. Module
 * text is mapped read-only, CR0.WP is pinned and text_poke() is not
 * exported, so this alias is the way a module can write there.
 *
 * Its init does the write and succeeds; it may be unloaded at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/vmalloc.h>

static unsigned long addr;
module_param(addr, ulong, 0444);
MODULE_PARM_DESC(addr, "Address in a loaded module's text to write to");

static int value = -1;
module_param(value, int, 0444);
MODULE_PARM_DESC(value, "The byte to write, -1 for the one there (-1)");

static int __init hsg_poke_init(void)
{
	struct page *page;
	u8 *alias, *byte;

	if (value < -1 || value > 0xff) {
		pr_err("value=%d is not a byte\n", value);
		return -EINVAL;
	}
	if (addr < MODULES_VADDR || addr >= MODULES_END) {
		pr_err("%#lx is not in the modules' address range\n", addr);
		return -EINVAL;
	}
	page = vmalloc_to_page((void *)addr);
	if (!page) {
		pr_err("%#lx is not mapped\n", addr);
		return -EFAULT;
	}
	alias = vmap(&page, 1, VM_MAP, PAGE_KERNEL);
	if (!alias)
		return -ENOMEM;
	byte = alias + offset_in_page(addr);
	WRITE_ONCE(*byte, value < 0 ? READ_ONCE(*byte) : (u8)value);
	vunmap(alias);
	pr_info("wrote %s to %#lx through an alias of its page\n",
		value < 0 ? "the same byte" : "a new byte", addr);
	return 0;
}

static void __exit hsg_poke_exit(void)
{
}

module_init(hsg_poke_init);
module_exit(hsg_poke_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hostsig test module: writes to another module's text");
