/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strict JSON reader for the end-to-end tests (RFC 8259): what
 * hostsigctl --json and hostsig-verify --json print is parsed into a tree,
 * and anything that is not exactly one JSON text (trailing garbage, a bad
 * escape, a control character in a string, a duplicate key, a number with
 * a leading zero) is an error with its offset, so a test fails on
 * malformed output instead of guessing.
 *
 * Integers without sign, fraction or exponent are kept exactly as u64
 * (component ids and nanosecond times do not fit a double).
 */
#ifndef HOSTSIG_E2E_JSON_H
#define HOSTSIG_E2E_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum e2e_json_type {
	E2E_JSON_NULL,
	E2E_JSON_BOOL,
	E2E_JSON_NUMBER,
	E2E_JSON_STRING,
	E2E_JSON_ARRAY,
	E2E_JSON_OBJECT,
};

struct e2e_json {
	enum e2e_json_type type;
	char *key;			/* in an object: the member's name */
	char *str;			/* strings: decoded, NUL-terminated */
	bool boolean;
	bool is_u64;			/* a plain non-negative integer */
	uint64_t u64;
	double number;
	struct e2e_json *child;		/* arrays and objects: first element */
	struct e2e_json *next;		/* the next sibling */
	int count;			/* arrays and objects: elements */
};

struct e2e_json_parser {
	const char *s;
	size_t pos, len;
	int depth;
	char err[128];
};

#define E2E_JSON_MAX_DEPTH	64

static inline void e2e_json_free(struct e2e_json *j)
{
	while (j) {
		struct e2e_json *next = j->next;

		e2e_json_free(j->child);
		free(j->key);
		free(j->str);
		free(j);
		j = next;
	}
}

static inline bool e2e_json_fail(struct e2e_json_parser *p, const char *what)
{
	if (!p->err[0])
		snprintf(p->err, sizeof(p->err), "%s at offset %zu", what, p->pos);
	return false;
}

static inline void e2e_json_ws(struct e2e_json_parser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
}

static inline bool e2e_json_lit(struct e2e_json_parser *p, const char *lit)
{
	size_t n = strlen(lit);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, lit, n))
		return e2e_json_fail(p, "bad literal");
	p->pos += n;
	return true;
}

static inline int e2e_json_hex4(struct e2e_json_parser *p)
{
	int v = 0, i;

	if (p->len - p->pos < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static inline void e2e_json_utf8(char *out, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*n)++] = cp;
	} else if (cp < 0x800) {
		out[(*n)++] = 0xc0 | cp >> 6;
		out[(*n)++] = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		out[(*n)++] = 0xe0 | cp >> 12;
		out[(*n)++] = 0x80 | ((cp >> 6) & 0x3f);
		out[(*n)++] = 0x80 | (cp & 0x3f);
	} else {
		out[(*n)++] = 0xf0 | cp >> 18;
		out[(*n)++] = 0x80 | ((cp >> 12) & 0x3f);
		out[(*n)++] = 0x80 | ((cp >> 6) & 0x3f);
		out[(*n)++] = 0x80 | (cp & 0x3f);
	}
}

/* A string at p->pos (the opening quote); decoded into a fresh buffer. */
static inline char *e2e_json_string(struct e2e_json_parser *p)
{
	char *out;
	size_t n = 0;

	if (p->pos >= p->len || p->s[p->pos] != '"') {
		e2e_json_fail(p, "string expected");
		return NULL;
	}
	p->pos++;
	/* Decoding never makes a string longer than its escaped form. */
	out = malloc(p->len - p->pos + 1);
	if (!out) {
		e2e_json_fail(p, "out of memory");
		return NULL;
	}
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos++];
		int cp, lo;

		if (c == '"') {
			out[n] = 0;
			return out;
		}
		if (c < 0x20)
			break;
		if (c != '\\') {
			out[n++] = c;
			continue;
		}
		if (p->pos >= p->len)
			break;
		c = p->s[p->pos++];
		switch (c) {
		case '"': case '\\': case '/':
			out[n++] = c;
			continue;
		case 'b': out[n++] = '\b'; continue;
		case 'f': out[n++] = '\f'; continue;
		case 'n': out[n++] = '\n'; continue;
		case 'r': out[n++] = '\r'; continue;
		case 't': out[n++] = '\t'; continue;
		case 'u':
			cp = e2e_json_hex4(p);
			if (cp < 0)
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (p->len - p->pos < 2 || p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u')
					goto bad;
				p->pos += 2;
				lo = e2e_json_hex4(p);
				if (lo < 0xdc00 || lo >= 0xe000)
					goto bad;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				goto bad;
			}
			if (!cp)
				goto bad;	/* we keep C strings */
			e2e_json_utf8(out, &n, cp);
			continue;
		default:
			goto bad;
		}
	}
	free(out);
	e2e_json_fail(p, "unterminated string or control character");
	return NULL;
bad:
	free(out);
	e2e_json_fail(p, "bad escape");
	return NULL;
}

static inline bool e2e_json_number(struct e2e_json_parser *p, struct e2e_json *j)
{
	size_t start = p->pos;
	bool plain = true;
	char buf[64];

	if (p->pos < p->len && p->s[p->pos] == '-') {
		plain = false;
		p->pos++;
	}
	if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
		return e2e_json_fail(p, "bad number");
	if (p->s[p->pos] == '0' && p->pos + 1 < p->len &&
	    p->s[p->pos + 1] >= '0' && p->s[p->pos + 1] <= '9')
		return e2e_json_fail(p, "number with a leading zero");
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		plain = false;
		p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return e2e_json_fail(p, "bad fraction");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		plain = false;
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return e2e_json_fail(p, "bad exponent");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos - start >= sizeof(buf))
		return e2e_json_fail(p, "number too long");
	memcpy(buf, p->s + start, p->pos - start);
	buf[p->pos - start] = 0;
	j->type = E2E_JSON_NUMBER;
	j->number = strtod(buf, NULL);
	if (plain && (p->pos - start < 20 ||
		      (p->pos - start == 20 && strcmp(buf, "18446744073709551615") <= 0))) {
		j->is_u64 = true;
		j->u64 = strtoull(buf, NULL, 10);
	}
	return true;
}

static inline struct e2e_json *e2e_json_value(struct e2e_json_parser *p);

/* Elements of an array or members of an object, after the opening bracket. */
static inline bool e2e_json_items(struct e2e_json_parser *p, struct e2e_json *j,
				  char close, bool members)
{
	struct e2e_json **tail = &j->child;

	e2e_json_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return true;
	}
	for (;;) {
		struct e2e_json *item, *other;
		char *key = NULL;

		e2e_json_ws(p);
		if (members) {
			key = e2e_json_string(p);
			if (!key)
				return false;
			for (other = j->child; other; other = other->next)
				if (!strcmp(other->key, key)) {
					free(key);
					return e2e_json_fail(p, "duplicate key");
				}
			e2e_json_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				return e2e_json_fail(p, "':' expected");
			}
			p->pos++;
		}
		item = e2e_json_value(p);
		if (!item) {
			free(key);
			return false;
		}
		item->key = key;
		*tail = item;
		tail = &item->next;
		j->count++;
		e2e_json_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			return true;
		}
		return e2e_json_fail(p, "',' or closing bracket expected");
	}
}

static inline struct e2e_json *e2e_json_value(struct e2e_json_parser *p)
{
	struct e2e_json *j = calloc(1, sizeof(*j));
	bool ok = false;

	if (!j) {
		e2e_json_fail(p, "out of memory");
		return NULL;
	}
	if (++p->depth > E2E_JSON_MAX_DEPTH) {
		e2e_json_fail(p, "nested too deep");
		goto out;
	}
	e2e_json_ws(p);
	if (p->pos >= p->len) {
		e2e_json_fail(p, "value expected");
		goto out;
	}
	switch (p->s[p->pos]) {
	case '{':
		p->pos++;
		j->type = E2E_JSON_OBJECT;
		ok = e2e_json_items(p, j, '}', true);
		break;
	case '[':
		p->pos++;
		j->type = E2E_JSON_ARRAY;
		ok = e2e_json_items(p, j, ']', false);
		break;
	case '"':
		j->type = E2E_JSON_STRING;
		j->str = e2e_json_string(p);
		ok = j->str != NULL;
		break;
	case 't':
		j->type = E2E_JSON_BOOL;
		j->boolean = true;
		ok = e2e_json_lit(p, "true");
		break;
	case 'f':
		j->type = E2E_JSON_BOOL;
		ok = e2e_json_lit(p, "false");
		break;
	case 'n':
		j->type = E2E_JSON_NULL;
		ok = e2e_json_lit(p, "null");
		break;
	default:
		ok = e2e_json_number(p, j);
	}
out:
	p->depth--;
	if (!ok) {
		e2e_json_free(j);
		return NULL;
	}
	return j;
}

/*
 * Parse @len bytes as exactly one JSON text; NULL with the reason in @err
 * (if not NULL) otherwise.
 */
static inline struct e2e_json *e2e_json_parse(const char *s, size_t len,
					      char *err, size_t errlen)
{
	struct e2e_json_parser p = { .s = s, .len = len };
	struct e2e_json *j = e2e_json_value(&p);

	if (j) {
		e2e_json_ws(&p);
		if (p.pos != p.len) {
			e2e_json_fail(&p, "trailing characters");
			e2e_json_free(j);
			j = NULL;
		}
	}
	if (!j && err)
		snprintf(err, errlen, "%s", p.err);
	return j;
}

/* A member of an object, or NULL. */
static inline const struct e2e_json *e2e_json_get(const struct e2e_json *obj,
						  const char *key)
{
	const struct e2e_json *m;

	if (!obj || obj->type != E2E_JSON_OBJECT)
		return NULL;
	for (m = obj->child; m; m = m->next)
		if (!strcmp(m->key, key))
			return m;
	return NULL;
}

/* A string member's value, or NULL when absent or not a string. */
static inline const char *e2e_json_str(const struct e2e_json *obj, const char *key)
{
	const struct e2e_json *m = e2e_json_get(obj, key);

	return m && m->type == E2E_JSON_STRING ? m->str : NULL;
}

/* An integer member's value; @ok (if not NULL) says whether there was one. */
static inline uint64_t e2e_json_u64(const struct e2e_json *obj, const char *key,
				    bool *ok)
{
	const struct e2e_json *m = e2e_json_get(obj, key);
	bool is = m && m->type == E2E_JSON_NUMBER && m->is_u64;

	if (ok)
		*ok = is;
	return is ? m->u64 : 0;
}

#endif /* HOSTSIG_E2E_JSON_H */
