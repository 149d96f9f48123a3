// SPDX-License-Identifier: GPL-2.0
/*
 * Write to another module's text, the way a rootkit in the guest kernel
 * might: addr= is an address inside a loaded module's text, for example
 * its .text from /sys/module/NAME/sections/.text (the kernel exports no
 * way to look a module up by name or address to modules). The byte there
 * is written back unchanged, through a second, writable mapping of its
 * page (vmap() of the page vmalloc_to_page() finds), so the module keeps
 * working while the write reaches its guest physical page as any write
 * would. Module text is mapped read-only, CR0.WP is pinned and text_poke()
 * is not exported, so this alias is the way a module can write there.
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

static int __init hsg_poke_init(void)
{
	struct page *page;
	u8 *alias, *byte;

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
	WRITE_ONCE(*byte, READ_ONCE(*byte));
	vunmap(alias);
	pr_info("wrote to %#lx through an alias of its page\n", addr);
	return 0;
}

static void __exit hsg_poke_exit(void)
{
}

module_init(hsg_poke_init);
module_exit(hsg_poke_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hostsig test module: writes to another module's text");
