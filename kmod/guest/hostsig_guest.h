/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostsig-guest.ko: the guest proxy of hostsig for Linux guests. Every
 * module the guest loads after it is announced to the host (REGISTER), and
 * its init runs only once the host allows it (QUERY). See
 * Documentation/guest-proxy.rst.
 */
#ifndef _HOSTSIG_GUEST_H
#define _HOSTSIG_GUEST_H

#include <linux/module.h>
#include <linux/types.h>
#include <uapi/linux/hostsig.h>

/*
 * Tags of the IMAGE regions of a HOSTSIG_FMT_ELF_MODULE component: the
 * guest kernel's enum mod_mem_type (6.4 and later) plus one, so that 0
 * keeps meaning "no tag". A 6.1 kernel has two allocations: core_layout
 * (text, rodata, ro_after_init and data, in that order) is tagged TEXT,
 * init_layout (init text, rodata and data) INIT_TEXT.
 */
enum hsg_tag {
	HSG_TAG_TEXT = 1,
	HSG_TAG_DATA = 2,
	HSG_TAG_RODATA = 3,
	HSG_TAG_RO_AFTER_INIT = 4,
	HSG_TAG_INIT_TEXT = 5,
	HSG_TAG_INIT_DATA = 6,
	HSG_TAG_INIT_RODATA = 7,
};

/* Module parameters (main.c); Documentation/guest-proxy.rst has them all. */
extern bool hsg_require_host;
extern bool hsg_fail_open;
extern unsigned int hsg_query_timeout_ms;
extern unsigned int hsg_register_retry_ms;

/* file.c: the loader's file buffer of the module being loaded. */
struct hsg_file {
	const void *buf;
	unsigned long len;	/* the whole file, appended signature included */
};

int hsg_file_init(void);
void hsg_file_exit(void);
int hsg_file_of(const struct module *mod, struct hsg_file *file);

/* host.c: the hypercalls. */
struct hsg_decision {
	u32 decision;		/* HOSTSIG_DECISION_* */
	u32 state;		/* HOSTSIG_STATE_* */
};

bool hsg_host_present(void);
long hsg_host_register(const struct hostsig_argblock *arg, const char *name);
long hsg_host_wait(u64 id, const char *name, struct hsg_decision *out);
void hsg_host_init_done(u64 id, const char *name);
void hsg_host_unregister(u64 id, const char *name);
const char *hsg_state_name(u32 state);
const char *hsg_error_name(long ret);

/* component.c: what is announced, and when. */
int hsg_module_coming(struct module *mod);
void hsg_module_live(struct module *mod);
void hsg_module_going(struct module *mod);
void hsg_components_exit(void);

#endif /* _HOSTSIG_GUEST_H */
