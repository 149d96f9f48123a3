/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small streaming JSON writer for the tools' --json output: members are
 * written as they come, commas and nesting are its business, strings are
 * escaped (guest and certificate names can hold anything).
 */
#ifndef HOSTSIG_JSON_H
#define HOSTSIG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *out;
	int depth;
	bool empty[JSON_MAX_DEPTH];	/* nothing written yet at that depth */
};

void json_init(struct json *j, FILE *out);
/* key is NULL for the top level and inside arrays. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_u64(struct json *j, const char *key, uint64_t value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
void json_hex(struct json *j, const char *key, const uint8_t *p, size_t n);
/* Ends the document with a newline. */
void json_finish(struct json *j);

#endif /* HOSTSIG_JSON_H */
