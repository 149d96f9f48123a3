// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * How components and events look, for people and for machines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "ctl.h"

const char *ctl_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
	double v = bytes;
	int u = 0;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

/* CLOCK_REALTIME nanoseconds as UTC ISO 8601, "-" for none. */
const char *ctl_time(uint64_t ns, char *buf, size_t len)
{
	time_t secs = ns / 1000000000ull;
	struct tm tm;

	if (!ns || !gmtime_r(&secs, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "-");
	return buf;
}

void print_component_row_header(void)
{
	printf("%-16s %-4s %-24s %-13s %-8s %-14s %-18s %10s\n", "ID", "VM",
	       "NAME", "STATE", "DECISION", "VERDICT", "REASON", "SIZE");
}

void print_component_row(const struct hostsig_nl_comp *c)
{
	char size[32];

	printf("%-16" PRIu64 " %-4" PRIu64 " %-24.24s %-13s %-8s %-14s %-18.18s %10s\n",
	       c->id, c->vm_id, c->name[0] ? c->name : "-",
	       hostsig_state_name(c->state), hostsig_decision_name(c->decision),
	       hostsig_verdict_word(c->verdict), c->reason[0] ? c->reason : "-",
	       ctl_size(c->size, size, sizeof(size)));
}

static void print_hex(const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/* The history bits as "modified,not-authentic", "-" for none. */
static const char *history_words(uint32_t history, char *buf, size_t len)
{
	size_t at = 0;
	uint32_t bit;

	buf[0] = '\0';
	for (bit = 1; bit && at < len; bit <<= 1)
		if (history & bit)
			at += snprintf(buf + at, len - at, "%s%s", at ? "," : "",
				       hostsig_history_word(bit));
	if (!history)
		snprintf(buf, len, "-");
	return buf;
}

void print_component(const struct hostsig_nl_comp *c)
{
	char buf[64];

	printf("component %" PRIu64 "\n", c->id);
	printf("  name:          %s\n", c->name[0] ? c->name : "-");
	printf("  vm:            %" PRIu64 " (VMM pid %u)\n", c->vm_id, c->vmm_pid);
	printf("  format:        %s\n", hostsig_format_word(c->format));
	printf("  state:         %s\n", hostsig_state_name(c->state));
	printf("  decision:      %s\n", hostsig_decision_name(c->decision));
	printf("  size:          %s\n", ctl_size(c->size, buf, sizeof(buf)));
	printf("  load base:     %#" PRIx64 "\n", c->load_base);
	printf("  image base:    %#" PRIx64 "\n", c->image_base);
	printf("  registered:    %s\n", ctl_time(c->registered_ns, buf, sizeof(buf)));
	printf("  verifications: %u (record %" PRIu64 ")\n", c->verifications,
	       c->record_id);
	printf("  verdict:       %s\n", hostsig_verdict_word(c->verdict));
	if (c->verdict) {
		printf("  verdict at:    %s\n", ctl_time(c->verdict_ns, buf, sizeof(buf)));
		printf("  reason:        %s\n", c->reason);
		if (c->message[0])
			printf("  message:       %s\n", c->message);
		if (c->digest_len) {
			printf("  digest:        %s:", c->digest_alg[0] ?
			       c->digest_alg : "?");
			print_hex(c->digest, c->digest_len);
			putchar('\n');
		}
	}
	printf("  tracked pages: %u\n", c->tracked_pages);
	if (c->tampers) {
		printf("  tampers:       %u (last at guest physical %#" PRIx64 ")\n",
		       c->tampers, c->tamper_gpa);
		printf("  modified at:   %s\n", ctl_time(c->modified_ns, buf, sizeof(buf)));
	}
	if (c->patches)
		printf("  patches:       %u (writes at patch sites, verified again)\n",
		       c->patches);
	printf("  history:       %s\n", history_words(c->history, buf, sizeof(buf)));
}

void json_component(struct json *j, const char *key,
		    const struct hostsig_nl_comp *c)
{
	json_object_begin(j, key);
	json_u64(j, "id", c->id);
	json_u64(j, "vm", c->vm_id);
	json_u64(j, "vmm_pid", c->vmm_pid);
	json_string(j, "name", c->name);
	json_string(j, "format", hostsig_format_word(c->format));
	json_string(j, "state", hostsig_state_name(c->state));
	json_string(j, "decision", hostsig_decision_name(c->decision));
	json_u64(j, "size", c->size);
	json_u64(j, "load_base", c->load_base);
	json_u64(j, "image_base", c->image_base);
	json_u64(j, "registered_ns", c->registered_ns);
	json_u64(j, "record", c->record_id);
	json_u64(j, "verifications", c->verifications);
	json_string(j, "verdict", hostsig_verdict_word(c->verdict));
	if (c->verdict) {
		json_u64(j, "verdict_ns", c->verdict_ns);
		json_string(j, "reason", c->reason);
		json_string(j, "message", c->message);
		json_string(j, "digest_algorithm", c->digest_alg);
		json_hex(j, "digest", c->digest, c->digest_len);
	}
	json_u64(j, "tracked_pages", c->tracked_pages);
	json_u64(j, "tampers", c->tampers);
	json_u64(j, "patches", c->patches);
	if (c->tampers) {
		json_u64(j, "tamper_gpa", c->tamper_gpa);
		json_u64(j, "modified_ns", c->modified_ns);
	}
	json_array_begin(j, "history");
	for (uint32_t bit = 1; bit; bit <<= 1)
		if (c->history & bit)
			json_string(j, NULL, hostsig_history_word(bit));
	json_array_end(j);
	json_object_end(j);
}

void print_event(const struct hostsig_nl_comp *ev)
{
	struct timespec now;
	char when[64], history[64];

	clock_gettime(CLOCK_REALTIME, &now);
	ctl_time((uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec, when,
		 sizeof(when));
	printf("%s %-12s vm=%" PRIu64, when, hostsig_event_name(ev->event),
	       ev->vm_id);
	if (ev->id)
		printf(" component=%" PRIu64 " name=%s state=%s decision=%s",
		       ev->id, ev->name[0] ? ev->name : "-",
		       hostsig_state_name(ev->state),
		       hostsig_decision_name(ev->decision));
	if (ev->verdict)
		printf(" verdict=%s reason=%s", hostsig_verdict_word(ev->verdict),
		       ev->reason);
	if (ev->event == HOSTSIG_EVENT_TAMPER)
		printf(" gpa=%#" PRIx64 " tampers=%u", ev->tamper_gpa, ev->tampers);
	if (ev->event == HOSTSIG_EVENT_PATCHED)
		printf(" patches=%u", ev->patches);
	if (ev->history)
		printf(" history=%s", history_words(ev->history, history,
						    sizeof(history)));
	putchar('\n');
	fflush(stdout);
}

void json_event(struct json *j, const struct hostsig_nl_comp *ev)
{
	json_object_begin(j, NULL);
	json_string(j, "event", hostsig_event_name(ev->event));
	json_u64(j, "vm", ev->vm_id);
	if (ev->id)
		json_component(j, "component", ev);
	json_object_end(j);
	json_finish(j);
}
