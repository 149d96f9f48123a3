// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Logging: syslog (the journal takes it from there) and, in the
 * foreground, standard error too. Lines are made for grep: a verdict is one
 * line of key=value pairs, strings that come from a guest are quoted and
 * escaped so that a component's name cannot forge a line or a field.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hostsigd.h"

static bool log_to_stderr;
static int log_level = LOG_INFO;

void hsd_log_init(bool to_stderr, int level)
{
	log_to_stderr = to_stderr;
	openlog("hostsigd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	hsd_log_set_level(level);
}

void hsd_log_to_stderr(bool on)
{
	log_to_stderr = on;
}

void hsd_log_set_level(int level)
{
	log_level = level;
	setlogmask(LOG_UPTO(level));
}

void hsd_log(int prio, const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	syslog(prio, "%s", line);
	if (!log_to_stderr)
		return;
	if (prio <= LOG_ERR)
		fprintf(stderr, "hostsigd: error: %s\n", line);
	else if (prio == LOG_WARNING)
		fprintf(stderr, "hostsigd: warning: %s\n", line);
	else
		fprintf(stderr, "hostsigd: %s\n", line);
}

const char *hsd_quote(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	if (len < 3) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[n++] = '"';
	for (; *s && n + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

static void hex(char *buf, size_t len, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	buf[2 * i] = '\0';
}

void hsd_log_verdict(const struct hsd_job *job, const char *answer)
{
	const struct hsd_verdict *v = &job->verdict;
	char name[4 * HOSTSIG_NAME_LEN + 3];
	char message[4 * HOSTSIG_MESSAGE_LEN + 3];
	char signer[4 * sizeof(v->signer) + 12];
	char digest[2 * HOSTSIG_DIGEST_MAX + 1];
	int prio = LOG_INFO;

	if (v->verdict == HOSTSIG_VERDICT_NOT_AUTHENTIC)
		prio = LOG_WARNING;
	else if (v->verdict != HOSTSIG_VERDICT_AUTHENTIC)
		prio = LOG_NOTICE;
	if (v->digest_len)
		hex(digest, sizeof(digest), v->digest, v->digest_len);
	else
		strcpy(digest, "none");
	signer[0] = '\0';
	if (v->signer[0]) {
		strcpy(signer, " signer=");
		hsd_quote(signer + 8, sizeof(signer) - 8, v->signer);
	}
	hsd_log(prio, "verdict vm=%" PRIu64 " component=%" PRIu64 " record=%" PRIu64
		" name=%s format=%s verdict=%s reason=%s digest=%s%s%s writable=%u"
		" patch_sites=%u unverified=%u%s answer=%s message=%s",
		job->vm_id, job->component_id, job->record_id,
		hsd_quote(name, sizeof(name), job->name),
		hostsig_format_word(job->format), hostsig_verdict_word(v->verdict),
		v->reason, v->digest_len ? v->digest_alg : "", v->digest_len ? ":" : "",
		digest, job->without_ranges ? 0 : v->nr_writable,
		job->without_ranges ? 0 : v->nr_patch, v->nr_unverified,
		signer, answer, hsd_quote(message, sizeof(message), v->message));
}
