/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hostsigctl: what its subcommands share.
 */
#ifndef HOSTSIGCTL_H
#define HOSTSIGCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "nl.h"

/* Exit statuses. */
#define CTL_OK		0
#define CTL_ERROR	1
#define CTL_USAGE	64

struct ctl {
	struct hostsig_nl nl;
	bool json;
	const char *cmd;		/* the subcommand, for messages */
};

struct ctl_command {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const char *args;
	const char *help;
};

int cmd_status(struct ctl *ctl, int argc, char **argv);
int cmd_list(struct ctl *ctl, int argc, char **argv);
int cmd_show(struct ctl *ctl, int argc, char **argv);
int cmd_vms(struct ctl *ctl, int argc, char **argv);
int cmd_policy(struct ctl *ctl, int argc, char **argv);
int cmd_reverify(struct ctl *ctl, int argc, char **argv);
int cmd_stats(struct ctl *ctl, int argc, char **argv);
int cmd_watch(struct ctl *ctl, int argc, char **argv);

/* Open the family; print why not and return CTL_ERROR on failure. */
int ctl_open(struct ctl *ctl);
/* Report a failed request (err < 0) on stderr; returns CTL_ERROR. */
int ctl_fail(struct ctl *ctl, int err, const char *what);
int ctl_usage(struct ctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A decimal id > 0, or 0 if s is not one. */
uint64_t ctl_parse_id(const char *s);
/* --vm VM among argv (removed from it); 0 if absent, -1 if malformed. */
int ctl_take_vm(int *argc, char **argv, uint64_t *vm_id);

/* print.c */
void print_component_row_header(void);
void print_component_row(const struct hostsig_nl_comp *c);
void print_component(const struct hostsig_nl_comp *c);
void json_component(struct json *j, const char *key,
		    const struct hostsig_nl_comp *c);
void print_event(const struct hostsig_nl_comp *ev);
void json_event(struct json *j, const struct hostsig_nl_comp *ev);
const char *ctl_size(uint64_t bytes, char *buf, size_t len);
const char *ctl_time(uint64_t ns, char *buf, size_t len);

#endif /* HOSTSIGCTL_H */
