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

/* A captured load of a kernel module (capture.c). */
struct capture {
	struct input file;
	struct input signature;
	bool has_file;
	bool has_signature;
	struct input alloc_inputs[HOSTSIG_ELF_MAX_ALLOCS];
	struct hostsig_elf_alloc allocs[HOSTSIG_ELF_MAX_ALLOCS];
	size_t nr_allocs;
};

int capture_read(struct capture *cap, const char *dir);
void capture_loaded(const struct capture *cap, struct hostsig_elf_loaded *loaded);
void capture_release(struct capture *cap);

/* --extract-certs (kcerts.c) */
int extract_certs(const char *image, const char *dir, bool json);

/* What was verified, for the report. */
struct report {
	const char *path;		/* FILE, IMAGE or capture directory */
	bool loaded;
	uint64_t load_base;
	const struct hostsig_elf_report *elf;	/* a captured module load */
	const struct hostsig_elf_loaded *elf_in;
};

void json_print_string(FILE *out, const char *s);

void print_json(FILE *out, const struct report *rep,
		const struct hostsig_result *res);
void print_text(FILE *out, const struct report *rep,
		const struct hostsig_result *res);

#endif /* HOSTSIG_VERIFY_H */
