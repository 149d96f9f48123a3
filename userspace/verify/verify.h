/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HOSTSIG_VERIFY_H
#define HOSTSIG_VERIFY_H

#include <stdio.h>

#include "hostsig.h"

/* sysexits.h codes the command contract promises */
#define EXIT_USAGE	64
#define EXIT_NOINPUT	66

/* A file's bytes, mapped or read. */
struct input {
	const char *path;
	uint8_t *data;
	size_t len;
	bool mapped;
};

int input_read(struct input *in, const char *path);
void input_release(struct input *in);

/* What was verified, for the report. */
struct report {
	const char *path;		/* FILE or IMAGE */
	bool loaded;
	uint64_t load_base;
};

void print_json(FILE *out, const struct report *rep,
		const struct hostsig_result *res);
void print_text(FILE *out, const struct report *rep,
		const struct hostsig_result *res);

#endif /* HOSTSIG_VERIFY_H */
