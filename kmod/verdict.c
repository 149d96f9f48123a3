// SPDX-License-Identifier: GPL-2.0
/*
 * Verdicts from the verifier (netlink VERDICT) and re-verification
 * (netlink REVERIFY).
 *
 * A verdict names a component and the record it answers, and is taken only
 * for the record the component waits for, once, and only if that record's
 * copy began after the last write that made the component MODIFIED. It
 * sets the component's state, the writable ranges and patch sites that
 * decide which of its pages stay tracked, and under quarantine stops the
 * VM for a NOT_AUTHENTIC component.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "hostsig.h"

static u32 hostsig_state_of_verdict(u32 verdict)
{
	switch (verdict) {
	case HOSTSIG_VERDICT_AUTHENTIC:
		return HOSTSIG_STATE_AUTHENTIC;
	case HOSTSIG_VERDICT_NOT_AUTHENTIC:
		return HOSTSIG_STATE_NOT_AUTHENTIC;
	default:
		return HOSTSIG_STATE_UNKNOWN;
	}
}

static void hostsig_apply_verdict_locked(struct hostsig_component *comp,
					 const struct hostsig_verdict_msg *msg)
{
	comp->state = hostsig_state_of_verdict(msg->verdict);
	comp->answered = true;
	/* From now on a tracked write outside its writable ranges is a tamper. */
	comp->judged = true;
	if (comp->state == HOSTSIG_STATE_NOT_AUTHENTIC)
		comp->history |= HOSTSIG_HISTORY_NOT_AUTHENTIC;
	/* Only the verdict on the load itself says the load was verified. */
	if (msg->record_id == comp->first_record_id &&
	    msg->verdict == HOSTSIG_VERDICT_AUTHENTIC)
		comp->load_verified = true;
	comp->verdict = msg->verdict;
	comp->verdict_ns = ktime_get_real_ns();
	strscpy(comp->reason, msg->reason, sizeof(comp->reason));
	strscpy(comp->message, msg->message ? msg->message : "",
		sizeof(comp->message));
	comp->digest_len = msg->digest ? min_t(u32, msg->digest_len,
					       sizeof(comp->digest)) : 0;
	memcpy(comp->digest, msg->digest, comp->digest_len);
	strscpy(comp->digest_alg, msg->digest_alg ? msg->digest_alg : "",
		sizeof(comp->digest_alg));
	hostsig_uncharge_locked(comp);
}

/* Whether the component waits for a verdict on this record: 0 or -errno. */
static int hostsig_verdict_check_locked(const struct hostsig_component *comp,
					const struct hostsig_verdict_msg *msg)
{
	if (comp->state == HOSTSIG_STATE_UNLOADED ||
	    msg->record_id != comp->record_id)
		return -ESTALE;
	/* Copied before the write that made it MODIFIED: says nothing now. */
	if (comp->record_seq < comp->tamper_seq)
		return -ESTALE;
	if (comp->answered)
		return -EALREADY;
	/*
	 * Overdue, and its copy did not fit in the VM's memory cap: no
	 * baseline for the scrub, so nothing that may be allowed (REVERIFY
	 * makes a new record); NOT_AUTHENTIC is taken, and the scrub skips
	 * the component.
	 */
	if (comp->scrub_record == msg->record_id && !comp->scrub_image &&
	    msg->verdict != HOSTSIG_VERDICT_NOT_AUTHENTIC)
		return -ESTALE;
	return 0;
}

/* What a verdict needs allocated before any lock is taken. */
struct hostsig_verdict_work {
	struct hostsig_comp_info *info;
	struct hostsig_writable_set *set;
	struct hostsig_writable_set *pset;
	struct hostsig_flips *flips;
	struct hostsig_page_digest *digests;	/* the scrub's new baseline */
	u8 *image;			/* ... made from these bytes */
};

static int hostsig_verdict_prepare(struct hostsig_verdict_work *w,
				   const struct hostsig_component *comp,
				   const struct hostsig_verdict_msg *msg)
{
	w->info = kmalloc(sizeof(*w->info), GFP_KERNEL);
	w->set = hostsig_track_writable_new(msg->nr_writable);
	w->pset = hostsig_track_writable_new(msg->nr_patch);
	w->flips = hostsig_flips_new(comp);
	w->digests = hostsig_scrub_digests_new(comp);
	return w->info && w->set && w->pset && w->flips && w->digests ?
	       0 : -ENOMEM;
}

/*
 * The scrub's baseline for the record the verdict was taken on, from the
 * bytes that record holds (the copy its capture kept), with the writable
 * ranges the verdict named; none if that copy is missing. The old one
 * goes in the same change of the ranges: the caller holds the VM's
 * track_mutex, which the scrub holds while it compares.
 */
static void hostsig_verdict_baseline(struct hostsig_component *comp,
				     struct hostsig_verdict_work *w, u64 seq)
{
	struct hostsig_vm *vm = comp->vm;

	if (w->image) {
		hostsig_scrub_baseline(comp, w->image, w->digests);
	} else {
		hostsig_scrub_digests_free(comp, w->digests);
		w->digests = NULL;
	}
	spin_lock(&vm->lock);
	swap(comp->scrub_digest, w->digests);
	comp->scrub_seq = seq;
	comp->scrub_gen++;
	spin_unlock(&vm->lock);
}

static void hostsig_verdict_cleanup(struct hostsig_component *comp,
				    struct hostsig_verdict_work *w)
{
	hostsig_scrub_digests_free(comp, w->digests);
	hostsig_scrub_image_free(comp, w->image);
	/* The component's previous ranges, or the new ones if refused. */
	hostsig_track_writable_free(w->set);
	hostsig_track_writable_free(w->pset);
	hostsig_flips_free(w->flips);
	kfree(w->info);
}

int hostsig_verdict(const struct hostsig_verdict_msg *msg)
{
	struct hostsig_verdict_work w = { };
	struct hostsig_component *comp;
	struct hostsig_policy policy;
	struct hostsig_vm *vm;
	struct kvm *kvm = NULL;
	bool stop = false;
	u64 seq = 0;
	int ret;

	comp = hostsig_comp_lookup(msg->component_id);
	if (!comp) {
		ret = -ENOENT;
		goto rejected;
	}
	vm = comp->vm;
	spin_lock(&vm->lock);
	ret = hostsig_verdict_check_locked(comp, msg);
	spin_unlock(&vm->lock);
	if (!ret)
		ret = hostsig_verdict_prepare(&w, comp, msg);
	if (ret)
		goto out;

	/* One change of KVM's tracking of the VM's pages at a time. */
	mutex_lock(&vm->track_mutex);
	spin_lock(&vm->lock);
	ret = hostsig_verdict_check_locked(comp, msg);
	if (!ret)
		ret = hostsig_track_set_ranges_locked(comp, msg, &w.set, &w.pset,
						      w.flips);
	if (ret) {
		spin_unlock(&vm->lock);
		mutex_unlock(&vm->track_mutex);
		goto out;
	}
	hostsig_apply_verdict_locked(comp, msg);
	if (comp->scrub_record == msg->record_id) {
		w.image = hostsig_scrub_image_take_locked(comp);
		seq = comp->scrub_image_seq;
	}
	hostsig_vm_policy_locked(vm, &policy);
	if (hostsig_policy_stops_vm(&policy, comp->state) && !vm->quarantined) {
		vm->quarantined = true;
		stop = true;
	}
	hostsig_comp_info_locked(comp, w.info);
	/* A dead VM's tracking went with it. */
	if (!vm->dead && kvm_get_kvm_safe(vm->kvm))
		kvm = vm->kvm;
	spin_unlock(&vm->lock);
	hostsig_verdict_baseline(comp, &w, seq);
	if (kvm) {
		hostsig_track_apply(vm, w.flips);
		kvm_put_kvm(kvm);
	}
	mutex_unlock(&vm->track_mutex);

	hostsig_count(HOSTSIG_A_STATS_VERDICTS);
	hostsig_notify_component(HOSTSIG_EVENT_VERDICT, w.info, GFP_KERNEL);
	if (stop)
		hostsig_quarantine(vm, w.info);
out:
	hostsig_verdict_cleanup(comp, &w);
	hostsig_comp_put(comp);
rejected:
	if (ret)
		hostsig_count(HOSTSIG_A_STATS_VERDICTS_REJECTED);
	return ret;
}

/* ---- REVERIFY ----------------------------------------------------------------- */

struct hostsig_reverify_work {
	struct work_struct work;
	struct hostsig_component *comp;
	struct kvm *kvm;
	struct completion done;
	long ret;
};

static void hostsig_reverify_fn(struct work_struct *work)
{
	struct hostsig_reverify_work *rw =
		container_of(work, struct hostsig_reverify_work, work);

	/* What tracking may have missed first (scrub.c), then a new capture. */
	hostsig_scrub_now(rw->kvm, rw->comp);
	rw->ret = hostsig_recapture(rw->kvm, rw->comp);
	complete(&rw->done);
}

static int hostsig_errno_of(long code)
{
	switch (-code) {
	case 0:
		return 0;
	case HOSTSIG_EAGAIN:
		return -EAGAIN;
	case HOSTSIG_E2BIG:
		return -E2BIG;
	case HOSTSIG_ENOMEM:
		return -ENOMEM;
	case HOSTSIG_EQUOTA:
		return -EDQUOT;
	case HOSTSIG_ENOENT:
		return -ENOENT;
	default:
		return -EFAULT;
	}
}

int hostsig_reverify(u64 id)
{
	struct hostsig_reverify_work rw = { };
	struct hostsig_component *comp;
	struct hostsig_vm *vm;

	comp = hostsig_comp_lookup(id);
	if (!comp)
		return -ENOENT;
	vm = comp->vm;
	spin_lock(&vm->lock);
	if (comp->state != HOSTSIG_STATE_UNLOADED &&
	    comp->state != HOSTSIG_STATE_UNVERIFIED && !vm->dead &&
	    kvm_get_kvm_safe(vm->kvm))
		rw.kvm = vm->kvm;
	spin_unlock(&vm->lock);
	if (!rw.kvm) {
		hostsig_comp_put(comp);
		return -ENOENT;
	}
	rw.comp = comp;

	hostsig_count(HOSTSIG_A_STATS_REVERIFIES);
	INIT_WORK_ONSTACK(&rw.work, hostsig_reverify_fn);
	init_completion(&rw.done);
	queue_work(system_unbound_wq, &rw.work);
	wait_for_completion(&rw.done);
	destroy_work_on_stack(&rw.work);
	kvm_put_kvm(rw.kvm);
	hostsig_comp_put(comp);
	return hostsig_errno_of(rw.ret);
}
