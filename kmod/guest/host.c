// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercalls of include/uapi/linux/hostsig.h, made from the guest
 * kernel: PROBE before every load (the host's module may come and go while
 * the guest runs), REGISTER with a bounded backoff on the errors the host
 * calls retryable, QUERY polled until a decision or the timeout, and
 * UNREGISTER. Every refusal is logged with the host's reason.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kvm_para.h>
#include <linux/minmax.h>
#include <linux/sched/signal.h>

#include "hostsig_guest.h"

/* REGISTER retries wait 10 ms, then twice as long each time, at most 1 s. */
#define HSG_RETRY_FIRST_MS 10
#define HSG_RETRY_MAX_MS 1000

/* QUERY is polled after 1 ms, then twice as long each time, at most 100 ms. */
#define HSG_POLL_FIRST_MS 1
#define HSG_POLL_MAX_MS 100

/* What the last PROBE said (-1: none yet), to log only the changes. */
static int hsg_host_seen = -1;
/* The feature bits of the last PROBE that found hostsig. */
static u32 hsg_host_features;

static const char *const hsg_state_names[] = {
	[HOSTSIG_STATE_UNVERIFIED] = "unverified",
	[HOSTSIG_STATE_PENDING] = "pending",
	[HOSTSIG_STATE_AUTHENTIC] = "authentic",
	[HOSTSIG_STATE_NOT_AUTHENTIC] = "not authentic",
	[HOSTSIG_STATE_UNKNOWN] = "unknown",
	[HOSTSIG_STATE_MODIFIED] = "modified",
	[HOSTSIG_STATE_UNLOADED] = "unloaded",
};

const char *hsg_state_name(u32 state)
{
	if (state < ARRAY_SIZE(hsg_state_names) && hsg_state_names[state])
		return hsg_state_names[state];
	return "in an unknown state";
}

static const char *const hsg_error_names[] = {
	[HOSTSIG_EINVAL - HOSTSIG_EBASE] = "EINVAL",
	[HOSTSIG_EFAULT - HOSTSIG_EBASE] = "EFAULT",
	[HOSTSIG_E2BIG - HOSTSIG_EBASE] = "E2BIG",
	[HOSTSIG_ENOENT - HOSTSIG_EBASE] = "ENOENT",
	[HOSTSIG_EAGAIN - HOSTSIG_EBASE] = "EAGAIN",
	[HOSTSIG_EQUOTA - HOSTSIG_EBASE] = "EQUOTA",
	[HOSTSIG_ENOMEM - HOSTSIG_EBASE] = "ENOMEM",
	[HOSTSIG_ENOTSUPP - HOSTSIG_EBASE] = "ENOTSUPP",
	[HOSTSIG_ENOTRAM - HOSTSIG_EBASE] = "ENOTRAM",
};

/* A hypercall's negative result, for the log. */
const char *hsg_error_name(long ret)
{
	long code = -ret - HOSTSIG_EBASE;

	if (code > 0 && code < ARRAY_SIZE(hsg_error_names) && hsg_error_names[code])
		return hsg_error_names[code];
	if (ret == -KVM_ENOSYS)
		return "no hostsig on the host";
	if (ret == -KVM_EPERM)
		return "KVM_EPERM";
	return "unknown error";
}

/*
 * Whether the host runs a hostsig this proxy can talk to: KVM, and a PROBE
 * answer with hostsig's signature, our ABI version and the component calls.
 */
bool hsg_host_present(void)
{
	long ret = -KVM_ENOSYS;
	bool present;

	if (kvm_para_available())
		ret = kvm_hypercall0(HOSTSIG_HC_PROBE);
	present = hostsig_probe_valid(ret) &&
		  HOSTSIG_PROBE_VERSION(ret) == HOSTSIG_ABI_VERSION &&
		  (HOSTSIG_PROBE_FEATURES(ret) & HOSTSIG_F_COMPONENTS);
	WRITE_ONCE(hsg_host_features, present ? HOSTSIG_PROBE_FEATURES(ret) : 0);
	if (xchg(&hsg_host_seen, present) == present)
		return present;
	if (present)
		pr_info("the host runs hostsig (ABI %u, features %#x): module loads are verified\n",
			HOSTSIG_PROBE_VERSION(ret), HOSTSIG_PROBE_FEATURES(ret));
	else if (hostsig_probe_valid(ret))
		pr_info("the host runs hostsig ABI %u with features %#x, this proxy needs ABI %u with components: %s\n",
			HOSTSIG_PROBE_VERSION(ret), HOSTSIG_PROBE_FEATURES(ret),
			HOSTSIG_ABI_VERSION, hsg_require_host ?
			"module loads are refused" : "module loads are not verified");
	else
		pr_info("no hostsig on the host (PROBE: %ld): %s\n", ret,
			hsg_require_host ? "module loads are refused" :
			"module loads are not verified");
	return present;
}

/* Sleep about @ms; false when the task was killed meanwhile. */
static bool hsg_sleep(unsigned int ms)
{
	schedule_timeout_killable(msecs_to_jiffies(ms));
	return !fatal_signal_pending(current);
}

/*
 * REGISTER @arg; the component id (> 0), or -EAGAIN when the host stayed
 * short of room for register_retry_ms, -EINTR when the loading task was
 * killed, -EIO when the host refused it for good.
 */
long hsg_host_register(const struct hostsig_argblock *arg, const char *name)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(hsg_register_retry_ms);
	unsigned int wait = HSG_RETRY_FIRST_MS, retries = 0;
	long ret;

	for (;;) {
		ret = kvm_hypercall2(HOSTSIG_HC_REGISTER, (unsigned long)arg,
				     arg->size);
		if (ret > 0)
			break;
		if (!hostsig_error_retryable(-ret)) {
			pr_err("%s: the host refused to register it: %s (%ld)\n",
			       name, hsg_error_name(ret), ret);
			return -EIO;
		}
		if (time_after(jiffies + msecs_to_jiffies(wait), deadline)) {
			pr_err("%s: the host had no room for it for %u ms: %s (%ld)\n",
			       name, hsg_register_retry_ms, hsg_error_name(ret), ret);
			return -EAGAIN;
		}
		if (!hsg_sleep(wait))
			return -EINTR;
		retries++;
		wait = min(wait * 2, HSG_RETRY_MAX_MS);
	}
	if (retries)
		pr_info("%s: registered after %u retries (the host was short of room)\n",
			name, retries);
	return ret;
}

/*
 * Poll QUERY for component @id until the host decides; 0 and the decision
 * in @out, or -ETIMEDOUT after query_timeout_ms (never, if 0), -EINTR when
 * the loading task was killed, -EIO when QUERY failed.
 */
long hsg_host_wait(u64 id, const char *name, struct hsg_decision *out)
{
	unsigned int timeout_ms = READ_ONCE(hsg_query_timeout_ms);
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	unsigned int wait = HSG_POLL_FIRST_MS;
	long ret;

	for (;;) {
		ret = kvm_hypercall1(HOSTSIG_HC_QUERY, id);
		if (ret < 0) {
			pr_err("%s: QUERY of component %llu failed: %s (%ld)\n",
			       name, id, hsg_error_name(ret), ret);
			return -EIO;
		}
		out->decision = HOSTSIG_QUERY_DECISION(ret);
		out->state = HOSTSIG_QUERY_STATE(ret);
		if (out->decision != HOSTSIG_DECISION_PENDING)
			return 0;
		if (timeout_ms && time_after(jiffies, deadline)) {
			pr_err("%s: no decision from the host after %u ms (component %llu %s)\n",
			       name, timeout_ms, id, hsg_state_name(out->state));
			return -ETIMEDOUT;
		}
		if (!hsg_sleep(wait))
			return -EINTR;
		wait = min(wait * 2, HSG_POLL_MAX_MS);
	}
}

/*
 * INIT_DONE: the module's init returned and its init allocations are freed
 * next; the host stops tracking them. A host without the call keeps them
 * tracked until UNREGISTER.
 */
void hsg_host_init_done(u64 id, const char *name)
{
	long ret;

	if (!(READ_ONCE(hsg_host_features) & HOSTSIG_F_INIT_DONE))
		return;
	ret = kvm_hypercall1(HOSTSIG_HC_INIT_DONE, id);
	if (ret)
		pr_info("%s: INIT_DONE of component %llu: %s (%ld)\n", name, id,
			hsg_error_name(ret), ret);
}

void hsg_host_unregister(u64 id, const char *name)
{
	long ret = kvm_hypercall1(HOSTSIG_HC_UNREGISTER, id);

	if (ret)
		pr_info("%s: UNREGISTER of component %llu: %s (%ld)\n", name, id,
			hsg_error_name(ret), ret);
}
