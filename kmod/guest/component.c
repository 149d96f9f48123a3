// SPDX-License-Identifier: GPL-2.0
/*
 * What hostsig-guest announces for a module, and when.
 *
 * MODULE_STATE_COMING is the last moment before any of a module's code can
 * run (next the loader parses its parameters, which may call into it, then
 * runs its init) and the only one at which its final allocations and the
 * loader's file buffer both exist. The notifier has the lowest priority, so
 * the kernel's own COMING notifiers (jump labels, static calls) have
 * patched the module before it is captured. An error from it fails the
 * load: the loader gives GOING to the notifiers that had seen COMING
 * (blocking_notifier_call_chain_robust()), frees the module, and the
 * error reaches insmod. A refused component is unregistered first, so the
 * host stops tracking memory the guest is about to reuse. Once the init of
 * an allowed module returned, MODULE_STATE_LIVE comes just before the
 * loader frees its init allocations: INIT_DONE tells the host, which kept
 * them write-tracked while the init code ran.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "hostsig_guest.h"

/* A module the host allowed, until it goes. */
struct hsg_component {
	struct list_head node;
	const struct module *mod;
	u64 id;
	char name[MODULE_NAME_LEN];
};

static LIST_HEAD(hsg_components);
static DEFINE_MUTEX(hsg_components_lock);

/*
 * REGISTER @mod: one IMAGE region per allocation, tagged with its kind,
 * and the FILE region; the component id, or a negative errno.
 */
static long hsg_register(const struct module *mod, const struct hsg_file *file)
{
	struct hsg_alloc allocs[HSG_MAX_ALLOCS];
	struct hostsig_argblock *arg;
	unsigned int i, n;
	long id;

	n = hsg_module_allocs(mod, allocs);
	if (!n) {
		pr_err("%s: the module has no allocation to verify\n", mod->name);
		return -EINVAL;
	}
	arg = kzalloc(HOSTSIG_ARGBLOCK_SIZE(n + 1), GFP_KERNEL);
	if (!arg)
		return -ENOMEM;
	arg->magic = HOSTSIG_ARG_MAGIC;
	arg->version = HOSTSIG_ARG_VERSION;
	arg->size = HOSTSIG_ARGBLOCK_SIZE(n + 1);
	arg->format = HOSTSIG_FMT_ELF_MODULE;
	arg->nr_regions = n + 1;
	strscpy(arg->name, mod->name, sizeof(arg->name));
	for (i = 0; i < n; i++) {
		arg->regions[i].kind = HOSTSIG_REGION_IMAGE;
		arg->regions[i].tag = allocs[i].tag;
		arg->regions[i].gva = (unsigned long)allocs[i].base;
		arg->regions[i].len = allocs[i].size;
		if (allocs[i].tag == HSG_TAG_TEXT)
			arg->load_base = (unsigned long)allocs[i].base;
	}
	arg->regions[n].kind = HOSTSIG_REGION_FILE;
	arg->regions[n].gva = (unsigned long)file->buf;
	arg->regions[n].len = file->len;

	id = hsg_host_register(arg, mod->name);
	kfree(arg);
	return id;
}

/* The host could not decide about @mod: fail_open says what happens. */
static int hsg_no_decision(const struct module *mod)
{
	if (READ_ONCE(hsg_fail_open)) {
		pr_warn("%s: loading it without a decision from the host (fail_open=1)\n",
			mod->name);
		return 0;
	}
	pr_err("%s: refused: no decision from the host (fail_open=0)\n", mod->name);
	return -EPERM;
}

static void hsg_component_add(const struct module *mod, u64 id)
{
	struct hsg_component *comp = kzalloc(sizeof(*comp), GFP_KERNEL);

	if (!comp) {
		/* It stays registered: the host will see its pages reused. */
		pr_err("%s: out of memory: component %llu will not be unregistered\n",
		       mod->name, id);
		return;
	}
	comp->mod = mod;
	comp->id = id;
	strscpy(comp->name, mod->name, sizeof(comp->name));
	mutex_lock(&hsg_components_lock);
	list_add(&comp->node, &hsg_components);
	mutex_unlock(&hsg_components_lock);
}

static struct hsg_component *hsg_component_take(const struct module *mod)
{
	struct hsg_component *comp;

	mutex_lock(&hsg_components_lock);
	list_for_each_entry(comp, &hsg_components, node) {
		if (comp->mod == mod) {
			list_del(&comp->node);
			mutex_unlock(&hsg_components_lock);
			return comp;
		}
	}
	mutex_unlock(&hsg_components_lock);
	return NULL;
}

/* Announce @mod, wait for the host, and say whether its code may run. */
int hsg_module_coming(struct module *mod)
{
	struct hsg_decision decision;
	struct hsg_file file;
	long ret, err;
	u64 id;

	if (!hsg_host_present()) {
		if (!READ_ONCE(hsg_require_host))
			return 0;
		pr_err("%s: refused: no hostsig on the host to verify it (require_host=1)\n",
		       mod->name);
		return -EPERM;
	}

	err = hsg_file_of(mod, &file);
	if (err) {
		if (err == -ENOENT)
			pr_err("%s: its load was not followed from its start (too many loads at once, or it began before hostsig-guest)\n",
			       mod->name);
		else
			pr_err("%s: the loader's file buffer for it was not found\n",
			       mod->name);
		return hsg_no_decision(mod);
	}

	ret = hsg_register(mod, &file);
	if (ret == -EINTR || ret == -ENOMEM)
		return ret;
	if (ret < 0)
		return hsg_no_decision(mod);
	id = ret;

	err = hsg_host_wait(id, mod->name, &decision);
	if (!err && decision.decision == HOSTSIG_DECISION_ALLOW) {
		pr_info("%s: allowed by the host (component %llu, %s)\n",
			mod->name, id, hsg_state_name(decision.state));
		hsg_component_add(mod, id);
		return 0;
	}
	/*
	 * Refused, or loaded without a decision: either way the host must
	 * stop tracking the module's pages, which the guest writes (its data)
	 * and frees (its init sections, or all of it) from now on.
	 */
	hsg_host_unregister(id, mod->name);
	if (err == -EINTR)
		return -EINTR;
	if (err)
		return hsg_no_decision(mod);
	pr_err("%s: refused: the host denied it (component %llu, %s)\n",
	       mod->name, id, hsg_state_name(decision.state));
	return -EKEYREJECTED;
}

/*
 * @mod's init returned: its init allocations are freed next (the loader
 * notifies LIVE just before), so the host stops tracking them.
 */
void hsg_module_live(struct module *mod)
{
	struct hsg_component *comp;
	u64 id = 0;

	mutex_lock(&hsg_components_lock);
	list_for_each_entry(comp, &hsg_components, node) {
		if (comp->mod == mod) {
			id = comp->id;
			break;
		}
	}
	mutex_unlock(&hsg_components_lock);
	if (id)
		hsg_host_init_done(id, mod->name);
}

/* @mod is being unloaded (or failed after COMING): the host may let go. */
void hsg_module_going(struct module *mod)
{
	struct hsg_component *comp = hsg_component_take(mod);

	if (!comp)
		return;
	hsg_host_unregister(comp->id, comp->name);
	pr_info("%s: unregistered (component %llu)\n", comp->name, comp->id);
	kfree(comp);
}

/*
 * hostsig-guest is unloaded: unregister every module it announced, since
 * nobody will tell the host when they go.
 */
void hsg_components_exit(void)
{
	struct hsg_component *comp, *next;

	list_for_each_entry_safe(comp, next, &hsg_components, node) {
		list_del(&comp->node);
		hsg_host_unregister(comp->id, comp->name);
		kfree(comp);
	}
}
