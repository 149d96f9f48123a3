/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hostsig generic netlink family from userspace (libnl-3, libnl-genl-3):
 * what hostsigctl and hostsigd share. See include/uapi/linux/hostsig.h for
 * the commands and Documentation/netlink.rst for their rules.
 *
 * Functions return 0 or a negative errno; on failure nl->error holds the
 * kernel's extended-ACK message when it sent one.
 */
#ifndef HOSTSIG_NL_H
#define HOSTSIG_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/hostsig.h>

struct nl_sock;

struct hostsig_nl {
	struct nl_sock *sock;
	int family;
	char error[256];
};

/* A component as GET_COMPONENT and events report it. */
struct hostsig_nl_comp {
	uint32_t event;			/* enum hostsig_event, events only */
	uint64_t id;
	uint64_t vm_id;
	uint32_t vmm_pid;
	uint64_t record_id;
	char name[HOSTSIG_NAME_LEN];
	uint32_t format;
	uint32_t state;
	uint32_t decision;
	uint64_t size;
	uint64_t load_base;
	uint64_t image_base;
	uint64_t registered_ns;
	uint64_t verdict_ns;
	uint64_t modified_ns;
	uint32_t verdict;		/* 0: none yet */
	char reason[HOSTSIG_REASON_LEN];
	char message[HOSTSIG_MESSAGE_LEN];
	uint8_t digest[HOSTSIG_DIGEST_MAX];
	uint32_t digest_len;
	char digest_alg[HOSTSIG_DIGEST_ALG_LEN];
	uint32_t verifications;
	uint32_t tracked_pages;
	uint32_t tampers;
	uint64_t tamper_gpa;
	uint32_t patches;		/* tracked writes at patch sites */
	uint32_t history;		/* HOSTSIG_HISTORY_*, never cleared */
};

struct hostsig_nl_vm {
	uint64_t id;
	uint32_t vmm_pid;
	uint32_t components;
	uint64_t pending_bytes;
	uint64_t registered;
	uint64_t refused;
	bool quarantined;
	bool policy_override;
	uint64_t retained_bytes;	/* host memory its components hold */
	uint64_t ring_bytes;		/* ring space its records occupy */
};

struct hostsig_nl_stats {
	uint64_t value[__HOSTSIG_A_STATS_MAX];
	bool present[__HOSTSIG_A_STATS_MAX];
};

struct hostsig_nl_policy {
	uint64_t vm_id;			/* 0: the global default */
	uint32_t mode;			/* enum hostsig_mode */
	uint32_t unknown;		/* enum hostsig_unknown_action */
	uint32_t timeout_ms;
	uint32_t tampered;		/* enum hostsig_tampered_action */
	bool override;			/* replies: the VM has its own */
};

/* What SET_POLICY changes: fields left 0 (timeout: has_timeout) stay. */
struct hostsig_nl_policy_change {
	uint32_t mode;
	uint32_t unknown;
	bool has_timeout;
	uint32_t timeout_ms;
	uint32_t tampered;
	bool reset;			/* drop the VM's own policy */
};

struct hostsig_nl_range {
	uint32_t region;		/* index among the IMAGE regions */
	uint64_t offset;
	uint64_t len;
};

struct hostsig_nl_verdict {
	uint64_t component_id;
	uint64_t record_id;
	uint32_t verdict;		/* enum hostsig_verdict */
	const char *reason;
	const char *message;		/* NULL: none */
	const uint8_t *digest;		/* NULL: none */
	uint32_t digest_len;
	const char *digest_alg;		/* NULL: none */
	uint32_t nr_writable;
	const struct hostsig_nl_range *writable;
	uint32_t nr_patch_sites;	/* at most HOSTSIG_MAX_PATCH_SITES */
	const struct hostsig_nl_range *patch_sites;
};

typedef int (*hostsig_nl_comp_cb)(const struct hostsig_nl_comp *comp, void *arg);
typedef int (*hostsig_nl_vm_cb)(const struct hostsig_nl_vm *vm, void *arg);

/* -ENOENT: the hostsig module is not loaded. */
int hostsig_nl_open(struct hostsig_nl *nl);
void hostsig_nl_close(struct hostsig_nl *nl);

int hostsig_nl_get_component(struct hostsig_nl *nl, uint64_t id,
			     struct hostsig_nl_comp *comp);
int hostsig_nl_dump_components(struct hostsig_nl *nl, uint64_t vm_id,
			       hostsig_nl_comp_cb cb, void *arg);
int hostsig_nl_dump_vms(struct hostsig_nl *nl, hostsig_nl_vm_cb cb, void *arg);
int hostsig_nl_get_stats(struct hostsig_nl *nl, struct hostsig_nl_stats *stats);
int hostsig_nl_get_policy(struct hostsig_nl *nl, uint64_t vm_id,
			  struct hostsig_nl_policy *policy);
int hostsig_nl_set_policy(struct hostsig_nl *nl, uint64_t vm_id,
			  const struct hostsig_nl_policy_change *change);
int hostsig_nl_reverify(struct hostsig_nl *nl, uint64_t id);
int hostsig_nl_send_verdict(struct hostsig_nl *nl,
			    const struct hostsig_nl_verdict *verdict);

/* Events: join the group, then read them from the socket's descriptor. */
int hostsig_nl_subscribe(struct hostsig_nl *nl);
int hostsig_nl_fd(const struct hostsig_nl *nl);
/* Handle what is readable now: cb once per event; blocking if nothing is. */
int hostsig_nl_read_events(struct hostsig_nl *nl, hostsig_nl_comp_cb cb,
			   void *arg);

/* Names, as the YNL spec spells them. */
const char *hostsig_state_name(uint32_t state);
const char *hostsig_decision_name(uint32_t decision);
const char *hostsig_verdict_word(uint32_t verdict);
const char *hostsig_mode_name(uint32_t mode);
const char *hostsig_unknown_name(uint32_t unknown);
const char *hostsig_tampered_name(uint32_t tampered);
/* One HOSTSIG_HISTORY_* bit. */
const char *hostsig_history_word(uint32_t bit);
const char *hostsig_event_name(uint32_t event);
const char *hostsig_format_word(uint32_t format);
const char *hostsig_stats_name(int attr);
/* The value of a name, or 0 if it is none. */
uint32_t hostsig_mode_value(const char *name);
uint32_t hostsig_unknown_value(const char *name);
uint32_t hostsig_tampered_value(const char *name);

#endif /* HOSTSIG_NL_H */
