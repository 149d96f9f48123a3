// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Deadlines on the monotonic clock, for poll() time-outs.
 */
#include <limits.h>

#include "hostsigd.h"

struct timespec hsd_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

struct timespec hsd_after_ms(unsigned int ms)
{
	struct timespec t = hsd_now();

	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

int hsd_ms_until(struct timespec t)
{
	struct timespec now = hsd_now();
	long long ms;

	ms = (long long)(t.tv_sec - now.tv_sec) * 1000 +
	     (t.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	/* Round up: waking before the deadline would only wait again. */
	ms++;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

bool hsd_time_passed(struct timespec t)
{
	struct timespec now = hsd_now();

	return now.tv_sec > t.tv_sec ||
	       (now.tv_sec == t.tv_sec && now.tv_nsec >= t.tv_nsec);
}
