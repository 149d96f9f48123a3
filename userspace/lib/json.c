// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The streaming JSON writer of json.h.
 */
#include <string.h>

#include "json.h"

void json_init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->empty[0] = true;
}

/* Length of a valid UTF-8 sequence at s, 0 if there is none. */
static size_t json_utf8_len(const unsigned char *s)
{
	size_t i, n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void json_quoted(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', out);
	while (*p) {
		size_t n = json_utf8_len(p);

		if (*p == '"' || *p == '\\') {
			fprintf(out, "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p);
		} else if (n == 0) {
			/* Not UTF-8: say so rather than emit invalid JSON. */
			fputs("\\ufffd", out);
		} else {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		p++;
	}
	fputc('"', out);
}

/* The separator and key before a value. */
static void json_member(struct json *j, const char *key)
{
	if (!j->empty[j->depth])
		fputc(',', j->out);
	j->empty[j->depth] = false;
	if (key) {
		json_quoted(j->out, key);
		fputc(':', j->out);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_member(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->empty[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
}

void json_object_begin(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_object_end(struct json *j)
{
	json_close(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_array_end(struct json *j)
{
	json_close(j, ']');
}

void json_string(struct json *j, const char *key, const char *value)
{
	json_member(j, key);
	json_quoted(j->out, value);
}

void json_u64(struct json *j, const char *key, uint64_t value)
{
	json_member(j, key);
	fprintf(j->out, "%llu", (unsigned long long)value);
}

void json_bool(struct json *j, const char *key, bool value)
{
	json_member(j, key);
	fputs(value ? "true" : "false", j->out);
}

void json_null(struct json *j, const char *key)
{
	json_member(j, key);
	fputs("null", j->out);
}

void json_hex(struct json *j, const char *key, const uint8_t *p, size_t n)
{
	size_t i;

	json_member(j, key);
	fputc('"', j->out);
	for (i = 0; i < n; i++)
		fprintf(j->out, "%02x", p[i]);
	fputc('"', j->out);
}

void json_finish(struct json *j)
{
	fputc('\n', j->out);
	fflush(j->out);
}
