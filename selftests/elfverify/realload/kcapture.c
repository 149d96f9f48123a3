// SPDX-License-Identifier: GPL-2.0
/*
 * kcapture: a test aid for the verifier, loaded in a throw-away test VM
 * only. For every signed module loaded after it, it records what a guest
 * proxy would register (the loader's file buffer and the module's
 * allocations) when the module becomes COMING: after every load-time
 * patch, before its init runs. The records are read, in the format
 * selftests/elfverify/realload/kcapture-split.c reads, from
 * /sys/kernel/debug/kcapture.
 *
 * The file buffer is found by a kprobe on mod_verify_sig(mod, info), whose
 * info->len (the file without the signature marker, at offset 24 of
 * struct load_info in 6.1 and 6.12) gives its length.
 *
 * Writing to /sys/kernel/debug/kcapture_again records the core allocations
 * of every module recorded so far that is still loaded, as they are then
 * (after its init ran, and after the modules loaded since wrote into it):
 * what a host captures again later. kcapture-split puts each together with
 * the load's file buffer and init allocations, as the host keeps those.
 */
#include <linux/debugfs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#define KCAPTURE_MAX		(48u << 20)
#define KCAPTURE_MARKER_LEN	28	/* "~Module signature appended~\n" */
#define LOAD_INFO_LEN_OFF	24

#define KCAPTURE_MODS		32

static const void *kcapture_hdr;
static struct module *kcapture_mods[KCAPTURE_MODS];
static struct dentry *kcapture_again_file;
static unsigned long kcapture_len;
static u8 *kcapture_buf;
static struct debugfs_blob_wrapper kcapture_blob;
static struct dentry *kcapture_file;

static int kcapture_sig(struct kprobe *p, struct pt_regs *regs)
{
	kcapture_hdr = (const void *)regs->di;
	kcapture_len = *(unsigned long *)(regs->si + LOAD_INFO_LEN_OFF) + KCAPTURE_MARKER_LEN;
	return 0;
}

static struct kprobe kcapture_kp = {
	.symbol_name = "mod_verify_sig",
	.pre_handler = kcapture_sig,
};

static bool kcapture_put(const void *p, size_t len)
{
	if (len > KCAPTURE_MAX - kcapture_blob.size)
		return false;
	memcpy(kcapture_buf + kcapture_blob.size, p, len);
	kcapture_blob.size += len;
	return true;
}

struct kcapture_region {
	u32 kind;	/* 1 file, 2 allocation */
	u32 tag;	/* allocation: enum mod_mem_type + 1 */
	u64 addr;
	u64 len;
};

/* The module's allocations (core only for a later capture), and its file buffer. */
static void kcapture_module(struct module *mod, bool later)
{
	struct kcapture_region r[8];
	char name[56] = { 0 };
	u32 nr = 0, i;

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
	r[nr++] = (struct kcapture_region){ 2, 1, (u64)mod->core_layout.base,
					     mod->core_layout.size };
	if (mod->init_layout.size && !later)
		r[nr++] = (struct kcapture_region){ 2, 5, (u64)mod->init_layout.base,
						     mod->init_layout.size };
#else
	for_each_mod_mem_type(type)
		if (mod->mem[type].size && !(later && mod_mem_type_is_init(type)))
			r[nr++] = (struct kcapture_region){ 2, type + 1,
							     (u64)mod->mem[type].base,
							     mod->mem[type].size };
#endif
	if (!later)
		r[nr++] = (struct kcapture_region){ 1, 0, (u64)kcapture_hdr, kcapture_len };
	strscpy(name, mod->name, sizeof(name));
	if (!kcapture_put(later ? "HSKCAP02" : "HSKCAP01", 8) ||
	    !kcapture_put(name, sizeof(name)) ||
	    !kcapture_put(&nr, sizeof(nr)) || !kcapture_put(r, nr * sizeof(r[0])))
		goto full;
	for (i = 0; i < nr; i++)
		if (!kcapture_put((void *)r[i].addr, r[i].len))
			goto full;
	pr_info("kcapture: %s: %u regions\n", mod->name, nr);
	return;
full:
	pr_err("kcapture: no room for %s\n", mod->name);
}

static int kcapture_notify(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;
	int i;

	if (state == MODULE_STATE_COMING && kcapture_hdr) {
		kcapture_module(mod, false);
		for (i = 0; i < KCAPTURE_MODS && kcapture_mods[i]; i++)
			;
		if (i < KCAPTURE_MODS)
			kcapture_mods[i] = mod;
	}
	if (state == MODULE_STATE_GOING)
		for (i = 0; i < KCAPTURE_MODS; i++)
			if (kcapture_mods[i] == mod)
				kcapture_mods[i] = NULL;
	kcapture_hdr = NULL;
	return NOTIFY_DONE;
}

static ssize_t kcapture_again(struct file *file, const char __user *buf, size_t len,
			      loff_t *pos)
{
	int i;

	for (i = 0; i < KCAPTURE_MODS; i++)
		if (kcapture_mods[i] && kcapture_mods[i]->state == MODULE_STATE_LIVE)
			kcapture_module(kcapture_mods[i], true);
	return len;
}

static const struct file_operations kcapture_again_fops = {
	.owner = THIS_MODULE,
	.write = kcapture_again,
};

static struct notifier_block kcapture_nb = {
	.notifier_call = kcapture_notify,
	.priority = INT_MIN,	/* after every other COMING notifier */
};

static int __init kcapture_init(void)
{
	int err;

	kcapture_buf = vmalloc(KCAPTURE_MAX);
	if (!kcapture_buf)
		return -ENOMEM;
	kcapture_blob.data = kcapture_buf;
	err = register_kprobe(&kcapture_kp);
	if (err)
		goto err_free;
	err = register_module_notifier(&kcapture_nb);
	if (err)
		goto err_kprobe;
	kcapture_file = debugfs_create_blob("kcapture", 0400, NULL, &kcapture_blob);
	kcapture_again_file = debugfs_create_file("kcapture_again", 0200, NULL, NULL,
						  &kcapture_again_fops);
	return 0;

err_kprobe:
	unregister_kprobe(&kcapture_kp);
err_free:
	vfree(kcapture_buf);
	return err;
}

static void __exit kcapture_exit(void)
{
	debugfs_remove(kcapture_again_file);
	debugfs_remove(kcapture_file);
	unregister_module_notifier(&kcapture_nb);
	unregister_kprobe(&kcapture_kp);
	vfree(kcapture_buf);
}

module_init(kcapture_init);
module_exit(kcapture_exit);
MODULE_DESCRIPTION("hostsig verifier test aid: capture module loads");
MODULE_LICENSE("GPL");
