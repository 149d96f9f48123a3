// SPDX-License-Identifier: GPL-2.0
/*
 * The file buffer of the module being loaded.
 *
 * The module notifier hands MODULE_STATE_COMING the new module with its
 * final allocations, but not the loader's struct load_info, which holds the
 * file buffer: the module's file as read (decompressed, on 6.12, when the
 * kernel was given a compressed file), with its appended signature. A
 * kretprobe on load_module() takes the buffer's address and length at the
 * function's entry, where the length still counts the signature
 * (module_sig_check(), load_module()'s first step, takes it off), and keeps
 * them in its instance, listed by task, until load_module() returns. COMING
 * is notified from inside load_module(), in the same task, so the notifier
 * finds them there; the buffer is freed only after COMING.
 *
 * struct load_info is private to the loader (kernel/module/internal.h).
 * Only its first four fields are read, which are the same in every kernel
 * from 5.19 to 6.12, and nothing found through them is used before
 * hsg_file_check() has shown that the buffer is an ELF file whose
 * .gnu.linkonce.this_module section the loader moved to the module being
 * loaded, reading it with copy_from_kernel_nofault() so that a wrong guess
 * can only fail the check.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/elf.h>
#include <linux/kprobes.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "hostsig_guest.h"

/* The section the loader moves to become the module's struct module. */
#define HSG_THIS_MODULE_SECTION ".gnu.linkonce.this_module"

/*
 * Loads in flight at once that can be followed: more are refused (or let
 * through with fail_open) and counted in the kretprobe's nmissed.
 */
#define HSG_MAX_LOADS_IN_FLIGHT 64

/* Modules larger than this are not modules (the kernel reads up to INT_MAX). */
#define HSG_MAX_FILE_LEN ((unsigned long)INT_MAX)

/* The head of the kernel's struct load_info. */
struct hsg_load_info_head {
	const char *name;
	struct module *mod;
	const void *hdr;
	unsigned long len;
};

/* One load_module() in flight: the kretprobe instance's data. */
struct hsg_load {
	struct list_head node;
	struct task_struct *task;
	const void *buf;
	unsigned long len;
};

static LIST_HEAD(hsg_loads);
static DEFINE_SPINLOCK(hsg_loads_lock);

static int hsg_load_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const void *info = (const void *)regs_get_kernel_argument(regs, 0);
	struct hsg_load *load = (struct hsg_load *)ri->data;
	struct hsg_load_info_head head;
	unsigned long flags;

	load->task = current;
	load->buf = NULL;
	load->len = 0;
	if (!copy_from_kernel_nofault(&head, info, sizeof(head))) {
		load->buf = head.hdr;
		load->len = head.len;
	}
	spin_lock_irqsave(&hsg_loads_lock, flags);
	list_add(&load->node, &hsg_loads);
	spin_unlock_irqrestore(&hsg_loads_lock, flags);
	return 0;
}

static int hsg_load_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct hsg_load *load = (struct hsg_load *)ri->data;
	unsigned long flags;

	spin_lock_irqsave(&hsg_loads_lock, flags);
	list_del(&load->node);
	spin_unlock_irqrestore(&hsg_loads_lock, flags);
	return 0;
}

static struct kretprobe hsg_load_probe = {
	.kp.symbol_name = "load_module",
	.entry_handler = hsg_load_entry,
	.handler = hsg_load_return,
	.data_size = sizeof(struct hsg_load),
	.maxactive = HSG_MAX_LOADS_IN_FLIGHT,
};

static bool hsg_read(void *dst, const void *buf, unsigned long len,
		     unsigned long off, size_t size)
{
	if (off > len || size > len - off)
		return false;
	return !copy_from_kernel_nofault(dst, buf + off, size);
}

/*
 * Whether @buf (@len bytes) is the file the loader is turning into @mod:
 * an ELF file whose .gnu.linkonce.this_module section header says the
 * section now lives at @mod (the loader rewrote sh_addr when it moved it).
 * NULL if it is, else what is wrong.
 */
static const char *hsg_file_check(const struct module *mod, const void *buf,
				  unsigned long len)
{
	char name[sizeof(HSG_THIS_MODULE_SECTION)];
	struct elf64_shdr sh, strsh;
	struct elf64_hdr eh;
	unsigned int i;

	if (!buf || !is_vmalloc_addr(buf) || len > HSG_MAX_FILE_LEN)
		return "not a buffer of the loader";
	if (!hsg_read(&eh, buf, len, 0, sizeof(eh)) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(struct elf64_shdr) || eh.e_shoff > len ||
	    eh.e_shstrndx >= eh.e_shnum ||
	    !hsg_read(&strsh, buf, len, eh.e_shoff + eh.e_shstrndx * sizeof(sh),
		      sizeof(strsh)))
		return "not a 64-bit ELF file";
	for (i = 1; i < eh.e_shnum; i++) {
		if (!hsg_read(&sh, buf, len, eh.e_shoff + i * sizeof(sh), sizeof(sh)))
			return "a section header beyond its end";
		/* An empty section may have been placed at the same address. */
		if (sh.sh_addr != (unsigned long)mod || !sh.sh_size)
			continue;
		if (sh.sh_name >= strsh.sh_size ||
		    !hsg_read(name, buf, len, strsh.sh_offset + sh.sh_name,
			      sizeof(name)))
			return "a section name beyond its end";
		if (!memcmp(name, HSG_THIS_MODULE_SECTION, sizeof(name)))
			return NULL;
	}
	return "no .gnu.linkonce.this_module section was moved to the module";
}

/*
 * The file buffer of @mod, which the calling task is loading; 0, or
 * -ENOENT when the load was not seen from its start (too many loads at
 * once, or it began before hostsig-guest was ready), -EBADF when what was
 * seen is not @mod's file.
 */
int hsg_file_of(const struct module *mod, struct hsg_file *file)
{
	struct hsg_load *load;
	unsigned long flags;
	const char *why;
	bool found = false;

	spin_lock_irqsave(&hsg_loads_lock, flags);
	list_for_each_entry(load, &hsg_loads, node) {
		if (load->task == current) {
			file->buf = load->buf;
			file->len = load->len;
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&hsg_loads_lock, flags);
	if (!found)
		return -ENOENT;
	why = hsg_file_check(mod, file->buf, file->len);
	if (why) {
		pr_err("%s: the loader's buffer (%lu bytes) is not its file: %s\n",
		       mod->name, file->len, why);
		return -EBADF;
	}
	return 0;
}

int hsg_file_init(void)
{
	int err = register_kretprobe(&hsg_load_probe);

	if (err)
		pr_err("cannot probe load_module(): %d\n", err);
	return err;
}

void hsg_file_exit(void)
{
	unregister_kretprobe(&hsg_load_probe);
	if (hsg_load_probe.nmissed)
		pr_info("%d module loads were not followed (too many at once)\n",
			hsg_load_probe.nmissed);
}
