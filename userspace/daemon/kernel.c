// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel, as the daemon sees it: the ring of /dev/hostsig (lib/ring.c)
 * and the hostsig netlink family (lib/nl.c). Verdicts must come from the
 * process that holds the device, so both are opened here, in the daemon,
 * and never in a worker.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hostsigd.h"

/* How often to try again while a previous consumer still holds the device. */
#define HSD_DEVICE_RETRY_MS	100

int hsd_kernel_open(struct hsd_kernel *k, unsigned int busy_wait_s)
{
	unsigned int waited_ms = 0;
	int err;

	memset(k, 0, sizeof(*k));
	/*
	 * The device is free again only when the last mapping of it is gone:
	 * a killed daemon's workers may need a moment to follow it.
	 */
	while ((err = hostsig_ring_open(&k->ring, NULL)) == -EBUSY &&
	       waited_ms < busy_wait_s * 1000) {
		if (!waited_ms)
			hsd_log(LOG_NOTICE, "%s is busy: waiting up to %u s for the previous consumer to let go",
				HOSTSIG_DEVICE, busy_wait_s);
		usleep(HSD_DEVICE_RETRY_MS * 1000);
		waited_ms += HSD_DEVICE_RETRY_MS;
	}
	if (err) {
		const char *hint = "";

		if (err == -ENOENT)
			hint = " (is the hostsig module loaded? modprobe hostsig)";
		else if (err == -EPERM || err == -EACCES)
			hint = " (hostsigd needs CAP_SYS_ADMIN)";
		else if (err == -EBUSY)
			hint = " (another verifier holds it: see hostsigctl status)";
		snprintf(k->error, sizeof(k->error), "%s%s", k->ring.error, hint);
		return err;
	}
	err = hostsig_nl_open(&k->nl);
	if (err) {
		snprintf(k->error, sizeof(k->error), "netlink: %s", k->nl.error[0] ?
			 k->nl.error : strerror(-err));
		hostsig_ring_close(&k->ring);
		return err;
	}
	k->nl_open = true;
	return 0;
}

void hsd_kernel_close(struct hsd_kernel *k)
{
	if (k->nl_open)
		hostsig_nl_close(&k->nl);
	k->nl_open = false;
	hostsig_ring_close(&k->ring);
}

int hsd_kernel_fd(const struct hsd_kernel *k)
{
	return hostsig_ring_fd(&k->ring);
}

int hsd_kernel_seen(struct hsd_kernel *k)
{
	int err = hostsig_ring_seen(&k->ring);

	if (err)
		snprintf(k->error, sizeof(k->error), "%s", k->ring.error);
	return err;
}

int hsd_kernel_release(struct hsd_kernel *k, uint64_t record_id)
{
	int err = hostsig_ring_release(&k->ring, record_id);

	if (err)
		snprintf(k->error, sizeof(k->error), "%s", k->ring.error);
	return err;
}

int hsd_kernel_verdict(struct hsd_kernel *k, const struct hostsig_nl_verdict *v)
{
	int err = hostsig_nl_send_verdict(&k->nl, v);

	if (err)
		snprintf(k->error, sizeof(k->error), "%s", k->nl.error[0] ?
			 k->nl.error : strerror(-err));
	return err;
}
