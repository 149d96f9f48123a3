// SPDX-License-Identifier: GPL-2.0
/*
 * Write tracking: the bytes verified are the bytes enforced.
 *
 * From REGISTER on, before its bytes are read, every guest physical page of
 * a component's IMAGE regions is write-tracked with KVM's page-track API:
 * KVM write-protects the page in its MMU, emulates any guest write to it and
 * tells us (track_write). A write that touches the component outside the
 * writable ranges its verdict named (its writable sections) makes it
 * MODIFIED and raises a tamper event; a work item then quarantines the VM
 * or captures the component again, as the policy says. Pages that lie
 * entirely inside writable ranges stop being tracked once the verdict is in.
 *
 * Only writes that KVM emulates are seen: guest writes through its MMU. A
 * device model in the VMM writing guest memory, or DMA, is not (see
 * Documentation/threat-model.rst).
 *
 * The page-track interface changed between the kernels we support:
 *   6.1   void register/unregister_notifier(), tracking per memslot under
 *         kvm->mmu_lock (kvm_slot_page_track_add/remove_page), callbacks
 *         track_write(vcpu, ...) and track_flush_slot(kvm, slot, ...);
 *   6.12  int register_notifier() that takes a reference on the VM (and
 *         requires the VMM's mm), kvm_write_track_add/remove_gfn() that
 *         lock for themselves, callbacks track_write(gpa, ...) and
 *         track_remove_region(gfn, nr_pages, ...).
 * hostsig follows VM lifetime through kvm_destroy_vm() (vm.c), so on 6.12
 * it gives the reference back at once rather than keep the VM alive.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/workqueue.h>

#include "hostsig.h"

atomic64_t hostsig_tracked_pages;

bool hostsig_track_available(void)
{
	return IS_ENABLED(CONFIG_KVM_EXTERNAL_WRITE_TRACKING);
}

/* Serialises registering and unregistering notifiers. */
static DEFINE_MUTEX(hostsig_attach_mutex);

static void hostsig_react(struct work_struct *work);
static DECLARE_WORK(hostsig_tamper_work, hostsig_react);
static LIST_HEAD(hostsig_tampered);	/* hostsig_lock */
static void hostsig_react_patch(struct work_struct *work);
static DECLARE_DELAYED_WORK(hostsig_patch_work, hostsig_react_patch);
static LIST_HEAD(hostsig_patched);	/* hostsig_lock */

/* ---- KVM's interface, per kernel ------------------------------------------------ */

static void __maybe_unused
hostsig_tracked_write(struct hostsig_vm *vm, u64 gpa, int bytes);
static void __maybe_unused
hostsig_tracked_gone(struct hostsig_vm *vm, u64 gfn, u64 nr);

#if !IS_ENABLED(CONFIG_KVM_EXTERNAL_WRITE_TRACKING)

/*
 * A KVM built without external write tracking: components are captured and
 * verified, but not guarded afterwards; PROBE does not advertise
 * HOSTSIG_F_WRITE_TRACK.
 */
static int hostsig_kvm_attach(struct hostsig_vm *vm)
{
	return -EOPNOTSUPP;
}

static void hostsig_kvm_detach(struct hostsig_vm *vm)
{
}

static int hostsig_kvm_track(struct kvm *kvm, u64 gfn, bool on)
{
	return -EOPNOTSUPP;
}

#elif defined(HOSTSIG_HAVE_WRITE_TRACK_GFN)

static void hostsig_cb_write(gpa_t gpa, const u8 *new, int bytes,
			     struct kvm_page_track_notifier_node *node)
{
	hostsig_tracked_write(container_of(node, struct hostsig_vm, track_node),
			      gpa, bytes);
}

static void hostsig_cb_remove_region(gfn_t gfn, unsigned long nr_pages,
				     struct kvm_page_track_notifier_node *node)
{
	hostsig_tracked_gone(container_of(node, struct hostsig_vm, track_node),
			     gfn, nr_pages);
}

static int hostsig_kvm_attach(struct hostsig_vm *vm)
{
	int err;

	vm->track_node.track_write = hostsig_cb_write;
	vm->track_node.track_remove_region = hostsig_cb_remove_region;
	err = kvm_page_track_register_notifier(vm->kvm, &vm->track_node);
	if (!err)
		/* We follow kvm_destroy_vm() instead of keeping the VM alive. */
		kvm_put_kvm_no_destroy(vm->kvm);
	return err;
}

static void hostsig_kvm_detach(struct hostsig_vm *vm)
{
	/* The reference unregistering gives back; the caller holds one too. */
	kvm_get_kvm(vm->kvm);
	kvm_page_track_unregister_notifier(vm->kvm, &vm->track_node);
}

static int hostsig_kvm_track(struct kvm *kvm, u64 gfn, bool on)
{
	return on ? kvm_write_track_add_gfn(kvm, gfn) :
		    kvm_write_track_remove_gfn(kvm, gfn);
}

#else /* !HOSTSIG_HAVE_WRITE_TRACK_GFN */

static void hostsig_cb_write(struct kvm_vcpu *vcpu, gpa_t gpa, const u8 *new,
			     int bytes, struct kvm_page_track_notifier_node *node)
{
	hostsig_tracked_write(container_of(node, struct hostsig_vm, track_node),
			      gpa, bytes);
}

static void hostsig_cb_flush_slot(struct kvm *kvm, struct kvm_memory_slot *slot,
				  struct kvm_page_track_notifier_node *node)
{
	hostsig_tracked_gone(container_of(node, struct hostsig_vm, track_node),
			     slot->base_gfn, slot->npages);
}

static int hostsig_kvm_attach(struct hostsig_vm *vm)
{
	vm->track_node.track_write = hostsig_cb_write;
	vm->track_node.track_flush_slot = hostsig_cb_flush_slot;
	kvm_page_track_register_notifier(vm->kvm, &vm->track_node);
	return 0;
}

static void hostsig_kvm_detach(struct hostsig_vm *vm)
{
	kvm_page_track_unregister_notifier(vm->kvm, &vm->track_node);
}

static int hostsig_kvm_track(struct kvm *kvm, u64 gfn, bool on)
{
	struct kvm_memory_slot *slot;
	int idx, ret = 0;

	idx = srcu_read_lock(&kvm->srcu);
	slot = gfn_to_memslot(kvm, gfn);
	if (slot) {
		write_lock(&kvm->mmu_lock);
		if (on)
			kvm_slot_page_track_add_page(kvm, slot, gfn,
						     KVM_PAGE_TRACK_WRITE);
		else
			kvm_slot_page_track_remove_page(kvm, slot, gfn,
							KVM_PAGE_TRACK_WRITE);
		write_unlock(&kvm->mmu_lock);
	} else {
		ret = -EINVAL;
	}
	srcu_read_unlock(&kvm->srcu, idx);
	return ret;
}

#endif /* HOSTSIG_HAVE_WRITE_TRACK_GFN */

/* Module unload, with a reference on the VM held by the caller. */
void hostsig_track_detach(struct hostsig_vm *vm)
{
	mutex_lock(&hostsig_attach_mutex);
	if (vm->tracking) {
		hostsig_kvm_detach(vm);
		vm->tracking = false;
	}
	mutex_unlock(&hostsig_attach_mutex);
}

/*
 * kvm_destroy_vm() has begun: no vCPU runs and no memslot can change, so
 * nobody walks the notifier list any more. Unlink without waiting (we may
 * not sleep here) and without touching the reference count, which is 0.
 */
void hostsig_track_forget(struct hostsig_vm *vm)
{
#if IS_ENABLED(CONFIG_KVM_EXTERNAL_WRITE_TRACKING)
	if (!vm->tracking)
		return;
	write_lock(&vm->kvm->mmu_lock);
	hlist_del_rcu(&vm->track_node.node);
	write_unlock(&vm->kvm->mmu_lock);
	vm->tracking = false;
#endif
}

/* ---- a component's tracked pages ----------------------------------------------- */

static int hostsig_track_cmp(const void *a, const void *b)
{
	const struct hostsig_track_page *x = a, *y = b;

	if (x->gfn != y->gfn)
		return x->gfn < y->gfn ? -1 : 1;
	if (x->span != y->span)
		return x->span < y->span ? -1 : 1;
	return x->page < y->page ? -1 : x->page > y->page;
}

/* Build the sorted table of the pages of the component's IMAGE spans. */
int hostsig_track_prepare(struct hostsig_component *comp)
{
	u32 i, j, n = 0;

	for (i = 0; i < comp->nr_spans; i++)
		if (comp->spans[i].kind == HOSTSIG_REGION_IMAGE)
			n += (i + 1 < comp->nr_spans ?
			      comp->spans[i + 1].first_gfn : comp->nr_gfns) -
			     comp->spans[i].first_gfn;
	comp->track = hostsig_alloc_large(n * sizeof(*comp->track));
	comp->track_on = hostsig_alloc_large(BITS_TO_LONGS(n) * sizeof(long));
	if (!comp->track || !comp->track_on)
		return -HOSTSIG_ENOMEM;
	comp->nr_track = n;
	n = 0;
	for (i = 0; i < comp->nr_spans; i++) {
		const struct hostsig_span *span = &comp->spans[i];
		u32 pages = (i + 1 < comp->nr_spans ?
			     comp->spans[i + 1].first_gfn : comp->nr_gfns) -
			    span->first_gfn;

		if (span->kind != HOSTSIG_REGION_IMAGE)
			continue;
		for (j = 0; j < pages; j++) {
			comp->track[n].gfn = comp->gfns[span->first_gfn + j];
			comp->track[n].span = i;
			comp->track[n].page = j;
			n++;
		}
	}
	sort(comp->track, n, sizeof(*comp->track), hostsig_track_cmp, NULL);
	return 0;
}

void hostsig_track_release(struct hostsig_component *comp)
{
	hostsig_track_writable_free(comp->writable);
	hostsig_track_writable_free(comp->patch);
	hostsig_free_large(comp->track, comp->nr_track * sizeof(*comp->track));
	hostsig_free_large(comp->track_on,
			   BITS_TO_LONGS(comp->nr_track) * sizeof(long));
}

/* Switch the tracked state of the entries whose bits changed (flip[]). */
static int hostsig_track_flip(struct kvm *kvm, const u64 *flip, u32 nr, bool on)
{
	int err = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		if (hostsig_kvm_track(kvm, flip[i], on))
			err = -HOSTSIG_EFAULT;
		if (!(i % 64))
			cond_resched();
	}
	return err;
}

/*
 * REGISTER, before the pages are read: track every page of the IMAGE spans.
 * Runs in the vCPU thread (the VMM's mm, which 6.12's registration needs).
 */
int hostsig_track_start(struct hostsig_vm *vm, struct hostsig_component *comp)
{
	u64 *gfns;
	int err = 0;
	u32 i;

	if (!hostsig_track_available())
		return 0;
	mutex_lock(&hostsig_attach_mutex);
	if (!vm->tracking) {
		err = hostsig_kvm_attach(vm);
		vm->tracking = !err;
	}
	mutex_unlock(&hostsig_attach_mutex);
	if (err)
		return -HOSTSIG_ENOMEM;

	gfns = hostsig_alloc_large(comp->nr_track * sizeof(u64));
	if (!gfns)
		return -HOSTSIG_ENOMEM;
	/* Seen as tracked by the write hook before KVM starts reporting. */
	spin_lock(&hostsig_lock);
	for (i = 0; i < comp->nr_track; i++)
		gfns[i] = comp->track[i].gfn;
	bitmap_fill(comp->track_on, comp->nr_track);
	comp->nr_track_on = comp->nr_track;
	spin_unlock(&hostsig_lock);
	atomic64_add(comp->nr_track, &hostsig_tracked_pages);
	err = hostsig_track_flip(vm->kvm, gfns, comp->nr_track, true);
	hostsig_free_large(gfns, comp->nr_track * sizeof(u64));
	return err;
}

/* Stop tracking every page of the component (it is going away). */
void hostsig_track_stop(struct kvm *kvm, struct hostsig_component *comp)
{
	u64 *gfns;
	u32 i, n = 0;

	gfns = hostsig_alloc_large(max(comp->nr_track, 1U) * sizeof(u64));
	if (!gfns) {
		/* Leave the pages tracked: a slower guest beats a lost count. */
		pr_warn_ratelimited("component %llu: pages left write-tracked\n",
				    comp->id);
		return;
	}
	spin_lock(&hostsig_lock);
	for (i = 0; i < comp->nr_track; i++)
		if (__test_and_clear_bit(i, comp->track_on))
			gfns[n++] = comp->track[i].gfn;
	comp->nr_track_on = 0;
	spin_unlock(&hostsig_lock);
	atomic64_sub(n, &hostsig_tracked_pages);
	hostsig_track_flip(kvm, gfns, n, false);
	hostsig_free_large(gfns, max(comp->nr_track, 1U) * sizeof(u64));
}

/* Its VM is being destroyed: KVM's tracking goes with it, uncounted. */
void hostsig_track_abandon_locked(struct hostsig_component *comp)
{
	atomic64_sub(comp->nr_track_on, &hostsig_tracked_pages);
	bitmap_zero(comp->track_on, comp->nr_track);
	comp->nr_track_on = 0;
}

/* An init allocation the guest released (HOSTSIG_HC_INIT_DONE): untracked. */
static bool hostsig_span_released(const struct hostsig_component *comp, u32 span)
{
	return comp->init_released &&
	       hostsig_span_is_init(comp, &comp->spans[span]);
}

/*
 * HOSTSIG_HC_INIT_DONE: stop tracking the pages of the component's init
 * allocations, which the guest frees now. The caller holds track_mutex
 * (and so orders this with the verdicts' changes) and runs where the VM is
 * alive. 0 or -HOSTSIG_ENOMEM (nothing changed then).
 */
int hostsig_track_release_init(struct kvm *kvm, struct hostsig_component *comp)
{
	u64 *gfns;
	u32 i, n = 0;

	gfns = hostsig_alloc_large(max(comp->nr_track, 1U) * sizeof(u64));
	if (!gfns)
		return -HOSTSIG_ENOMEM;
	spin_lock(&hostsig_lock);
	comp->init_released = true;
	for (i = 0; i < comp->nr_track; i++) {
		if (!hostsig_span_released(comp, comp->track[i].span) ||
		    !__test_and_clear_bit(i, comp->track_on))
			continue;
		comp->nr_track_on--;
		gfns[n++] = comp->track[i].gfn;
	}
	spin_unlock(&hostsig_lock);
	atomic64_sub(n, &hostsig_tracked_pages);
	hostsig_track_flip(kvm, gfns, n, false);
	hostsig_free_large(gfns, max(comp->nr_track, 1U) * sizeof(u64));
	return 0;
}

/* Offsets of a tracked page, within its span: [*start, *end). */
static void hostsig_page_extent(const struct hostsig_component *comp,
				const struct hostsig_track_page *tp,
				s64 *start, s64 *end)
{
	const struct hostsig_span *span = &comp->spans[tp->span];

	*start = (s64)tp->page * PAGE_SIZE - (s64)offset_in_page(span->gva);
	*end = *start + PAGE_SIZE;
}

/* Whether [start, end) of the span lies inside one range of the set. */
static bool hostsig_in_set(const struct hostsig_writable_set *set,
			   u32 span, s64 start, s64 end)
{
	u32 lo = 0, hi;

	if (!set)
		return false;
	/* The last range that starts at or before start, in this span. */
	hi = set->nr;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct hostsig_writable *w = &set->r[mid];

		if (w->span < span || (w->span == span && (s64)w->start <= start))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	return set->r[lo - 1].span == span && end <= (s64)set->r[lo - 1].end;
}

static bool hostsig_writable_locked(const struct hostsig_component *comp,
				    u32 span, s64 start, s64 end)
{
	return hostsig_in_set(comp->writable, span, start, end);
}

struct hostsig_writable_set *hostsig_track_writable_new(u32 nr)
{
	struct hostsig_writable_set *set;

	set = hostsig_alloc_large(struct_size(set, r, nr));
	if (set)
		set->room = nr;
	return set;
}

void hostsig_track_writable_free(struct hostsig_writable_set *set)
{
	if (set)
		hostsig_free_large(set, struct_size(set, r, set->room));
}

static int hostsig_writable_cmp(const void *a, const void *b)
{
	const struct hostsig_writable *x = a, *y = b;

	if (x->span != y->span)
		return x->span < y->span ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Check the verdict's ranges and put them in *set (allocated by the caller
 * with hostsig_track_writable_new(nr), outside the lock): sorted, overlaps
 * merged. Returns 0, or -EINVAL for a range outside the IMAGE regions.
 */
static int hostsig_writable_fill(const struct hostsig_component *comp,
				 const struct hostsig_range *ranges, u32 nr,
				 struct hostsig_writable_set *set)
{
	u32 i, out = 0;

	for (i = 0; i < nr; i++) {
		u32 span, image;
		u64 end;

		/* The n-th IMAGE region. */
		for (span = 0, image = 0; span < comp->nr_spans; span++)
			if (comp->spans[span].kind == HOSTSIG_REGION_IMAGE &&
			    image++ == ranges[i].region)
				break;
		if (span == comp->nr_spans || !ranges[i].len ||
		    check_add_overflow(ranges[i].offset, ranges[i].len, &end) ||
		    end > comp->spans[span].len)
			return -EINVAL;
		set->r[i].span = span;
		set->r[i].start = ranges[i].offset;
		set->r[i].end = end;
	}
	sort(set->r, nr, sizeof(set->r[0]), hostsig_writable_cmp, NULL);
	for (i = 0; i < nr; i++) {
		struct hostsig_writable *last = out ? &set->r[out - 1] : NULL;

		if (last && last->span == set->r[i].span &&
		    set->r[i].start <= last->end) {
			last->end = max(last->end, set->r[i].end);
			continue;
		}
		set->r[out++] = set->r[i];
	}
	set->nr = out;
	return 0;
}

/*
 * The verdict names the ranges the guest may write and the patch sites of
 * its code. Check them, keep them (swapping *set and *pset with the
 * component's previous sets, which the caller frees after unlocking), and
 * list in *flip the gfns whose tracking must change
 * (those entirely inside writable ranges stop; others start again). *flip
 * has room for nr_track entries; the top bit of an entry says "track".
 * Called with hostsig_lock held.
 */
int hostsig_track_set_writable(struct hostsig_component *comp,
			       const struct hostsig_verdict_msg *msg,
			       struct hostsig_writable_set **set,
			       struct hostsig_writable_set **pset,
			       u64 **flip, u32 *nr_flip)
{
	u32 i, n = 0;

	if (msg->nr_writable > HOSTSIG_MAX_WRITABLE ||
	    msg->nr_writable > (*set)->room ||
	    msg->nr_patch > HOSTSIG_MAX_PATCH_SITES ||
	    msg->nr_patch > (*pset)->room)
		return -EINVAL;
	if (hostsig_writable_fill(comp, msg->writable, msg->nr_writable, *set) ||
	    hostsig_writable_fill(comp, msg->patch, msg->nr_patch, *pset))
		return -EINVAL;
	swap(comp->writable, *set);
	swap(comp->patch, *pset);

	for (i = 0; i < comp->nr_track; i++) {
		const struct hostsig_track_page *tp = &comp->track[i];
		s64 start, end;
		bool want, on;

		hostsig_page_extent(comp, tp, &start, &end);
		/* Only the bytes of the page that belong to the region count. */
		start = max_t(s64, start, 0);
		end = min_t(s64, end, comp->spans[tp->span].len);
		want = !hostsig_writable_locked(comp, tp->span, start, end) &&
		       !hostsig_span_released(comp, tp->span);
		on = test_bit(i, comp->track_on);
		if (want == on)
			continue;
		if (want) {
			__set_bit(i, comp->track_on);
			comp->nr_track_on++;
		} else {
			__clear_bit(i, comp->track_on);
			comp->nr_track_on--;
		}
		(*flip)[n++] = tp->gfn | (want ? BIT_ULL(63) : 0);
	}
	*nr_flip = n;
	return 0;
}

/* Apply what hostsig_track_set_writable() decided, without locks held. */
void hostsig_track_apply(struct hostsig_vm *vm, struct hostsig_component *comp,
			 u64 *flip, u32 nr_flip)
{
	u32 i;

	for (i = 0; i < nr_flip; i++) {
		bool on = flip[i] & BIT_ULL(63);

		hostsig_kvm_track(vm->kvm, flip[i] & ~BIT_ULL(63), on);
		if (on)
			atomic64_inc(&hostsig_tracked_pages);
		else
			atomic64_dec(&hostsig_tracked_pages);
	}
}

/* ---- writes ----------------------------------------------------------------------- */

enum hostsig_hit { HOSTSIG_HIT_NONE, HOSTSIG_HIT_PATCH, HOSTSIG_HIT_TAMPER };

/*
 * What a write of bytes at gpa does to the component: nothing (outside it,
 * or inside its writable ranges), a patch (every byte it changes outside
 * the writable ranges lies inside one patch site), or a tamper. Every page
 * of the component backed by that guest physical page counts (a page can
 * be mapped twice).
 */
static enum hostsig_hit hostsig_write_hits_locked(const struct hostsig_component *comp,
						  u64 gpa, int bytes)
{
	enum hostsig_hit hit = HOSTSIG_HIT_NONE;
	u64 gfn = gpa >> PAGE_SHIFT;
	s64 in_page = offset_in_page(gpa);
	u32 lo = 0, hi = comp->nr_track, i;

	if (!comp->nr_track_on)
		return HOSTSIG_HIT_NONE;
	/* The first entry for this gfn. */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (comp->track[mid].gfn < gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < comp->nr_track && comp->track[i].gfn == gfn; i++) {
		const struct hostsig_track_page *tp = &comp->track[i];
		const struct hostsig_span *span = &comp->spans[tp->span];
		s64 start, end, from, to;

		if (!test_bit(i, comp->track_on))
			continue;
		hostsig_page_extent(comp, tp, &start, &end);
		from = max_t(s64, start + in_page, 0);
		to = min_t(s64, start + in_page + bytes, span->len);
		if (from >= to)
			continue;	/* outside the region on a shared page */
		if (hostsig_writable_locked(comp, tp->span, from, to))
			continue;
		if (!hostsig_in_set(comp->patch, tp->span, from, to))
			return HOSTSIG_HIT_TAMPER;
		hit = HOSTSIG_HIT_PATCH;
	}
	return hit;
}

/*
 * The component was written to (the caller counted the write in
 * write_seq): MODIFIED whatever its verdict, for good in its history, and
 * a reaction queued. Whether the reaction is a quarantine is decided now,
 * not when it runs, so that no verdict arriving in between can change it;
 * returns true when the caller must stop the VM (kvm_vm_dead()) as soon
 * as it has dropped the lock. While the component is still being captured
 * for the first time, the capture finishes first (see hostsig_capture()).
 */
bool hostsig_tamper_locked(struct hostsig_component *comp)
{
	struct hostsig_vm *vm = comp->vm;

	comp->tamper_seq = comp->write_seq;
	comp->history |= HOSTSIG_HISTORY_MODIFIED;
	if (comp->state == HOSTSIG_STATE_UNVERIFIED) {
		comp->dirty = true;
		return false;
	}
	comp->state = HOSTSIG_STATE_MODIFIED;
	comp->modified_ns = ktime_get_real_ns();
	if (hostsig_policy_stops_vm(hostsig_vm_policy_locked(vm), comp->state) &&
	    !vm->quarantined) {
		vm->quarantined = true;
		comp->stop_vm = true;
	}
	if (!comp->reaction_queued) {
		comp->reaction_queued = true;
		hostsig_comp_hold(comp);
		list_add_tail(&comp->tamper_node, &hostsig_tampered);
		schedule_work(&hostsig_tamper_work);
	}
	return comp->stop_vm;
}

/*
 * A write at a patch site: the guest's kernel flipping a static key,
 * updating a static call, or turning ftrace on or off there. Not a tamper
 * by itself, but what the site holds now must be one of its forms: the
 * component is captured again HOSTSIG_PATCH_SETTLE_MS later (the kernel
 * patches a site in several writes, int3 first), and the new record's
 * verdict applies. While the first capture is still being made, a patch
 * counts as a tamper (that copy would prove nothing).
 */
static void hostsig_patch_locked(struct hostsig_component *comp)
{
	if (comp->state == HOSTSIG_STATE_UNVERIFIED) {
		comp->dirty = true;
		return;
	}
	if (!comp->patch_queued) {
		comp->patch_queued = true;
		hostsig_comp_hold(comp);
		list_add_tail(&comp->patch_node, &hostsig_patched);
		queue_delayed_work(system_wq, &hostsig_patch_work,
				   msecs_to_jiffies(HOSTSIG_PATCH_SETTLE_MS));
	}
}

/*
 * A write to a component no verifier has judged yet: its first records
 * wait for a verdict, or it timed out to UNKNOWN. With no verdict the
 * host knows none of its writable ranges, so the guest kernel's own
 * writes to the module's data (it runs once allowed by the unknown
 * policy) cannot be told from a tamper, and nothing the component was
 * ever said to be is at stake: not a tamper (no MODIFIED, no event, no
 * quarantine). The record in flight was copied before this write and
 * proves nothing now: its verdict is refused (tamper_seq). A PENDING
 * component is captured again, and that verdict applies; a timed-out one
 * stays UNKNOWN until REVERIFY captures it afresh. Returns false when the
 * write is the caller's to judge (the component had a verdict).
 */
bool hostsig_unjudged_write_locked(struct hostsig_component *comp)
{
	if (comp->judged)
		return false;
	switch (comp->state) {
	case HOSTSIG_STATE_UNVERIFIED:
		/* The capture under way sees it (hostsig_capture()). */
		comp->dirty = true;
		return true;
	case HOSTSIG_STATE_PENDING:
		comp->tamper_seq = comp->write_seq;
		hostsig_patch_locked(comp);
		return true;
	case HOSTSIG_STATE_UNKNOWN:
		comp->tamper_seq = comp->write_seq;
		return true;
	default:
		return false;
	}
}

/*
 * A guest write KVM emulated on a tracked page. It runs in the writing
 * vCPU's thread, so the VM is alive, and a quarantine stops it before that
 * vCPU runs another instruction.
 */
static void hostsig_tracked_write(struct hostsig_vm *vm, u64 gpa, int bytes)
{
	struct hostsig_component *comp;
	bool allowed = true, stop = false;

	spin_lock(&hostsig_lock);
	list_for_each_entry(comp, &vm->live, vm_node) {
		switch (hostsig_write_hits_locked(comp, gpa, bytes)) {
		case HOSTSIG_HIT_NONE:
			continue;
		case HOSTSIG_HIT_PATCH:
			allowed = false;
			comp->write_seq++;
			comp->patches++;
			hostsig_count(HOSTSIG_A_STATS_PATCHES);
			hostsig_patch_locked(comp);
			continue;
		case HOSTSIG_HIT_TAMPER:
			break;
		}
		comp->write_seq++;
		if (hostsig_unjudged_write_locked(comp))
			continue;
		allowed = false;
		comp->tampers++;
		comp->tamper_gpa = gpa;
		hostsig_count(HOSTSIG_A_STATS_TAMPERS);
		stop |= hostsig_tamper_locked(comp);
	}
	spin_unlock(&hostsig_lock);
	if (stop)
		kvm_vm_dead(vm->kvm);
	if (allowed)
		hostsig_count(HOSTSIG_A_STATS_TRACKED_WRITES);
}

/* A memslot went away: its pages are no longer tracked by KVM. */
static void hostsig_tracked_gone(struct hostsig_vm *vm, u64 gfn, u64 nr)
{
	struct hostsig_component *comp;
	u64 gone = 0;
	u32 i;

	spin_lock(&hostsig_lock);
	list_for_each_entry(comp, &vm->live, vm_node) {
		for (i = 0; i < comp->nr_track; i++) {
			if (comp->track[i].gfn - gfn >= nr ||
			    !__test_and_clear_bit(i, comp->track_on))
				continue;
			comp->nr_track_on--;
			gone++;
		}
	}
	spin_unlock(&hostsig_lock);
	if (gone) {
		atomic64_sub(gone, &hostsig_tracked_pages);
		pr_info("VM %llu: %llu tracked pages left guest memory\n",
			vm->id, gone);
	}
}

/* ---- reactions ---------------------------------------------------------------------- */

static void hostsig_react_one(struct hostsig_component *comp)
{
	struct hostsig_comp_info *info;
	struct hostsig_vm *vm = comp->vm;
	struct kvm *kvm = NULL;
	bool stop = false;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	spin_lock(&hostsig_lock);
	if (comp->state == HOSTSIG_STATE_UNLOADED || vm->dead) {
		spin_unlock(&hostsig_lock);
		kfree(info);
		return;
	}
	/* Decided when the write was seen (hostsig_tamper_locked()). */
	stop = comp->stop_vm;
	comp->stop_vm = false;
	if (!stop && !vm->quarantined && kvm_get_kvm_safe(vm->kvm))
		kvm = vm->kvm;
	if (info)
		hostsig_comp_info_locked(comp, info);
	spin_unlock(&hostsig_lock);

	if (info)
		hostsig_notify_component(HOSTSIG_EVENT_TAMPER, info, GFP_KERNEL);
	else
		hostsig_count(HOSTSIG_A_STATS_EVENTS_DROPPED);
	pr_warn("component %llu of VM %llu written to: %s\n", comp->id, vm->id,
		stop ? "quarantine" : "verifying again");
	if (stop)
		hostsig_quarantine(vm, info);
	kfree(info);
	if (kvm) {
		hostsig_recapture(kvm, comp);
		kvm_put_kvm(kvm);
	}
}

static void hostsig_react(struct work_struct *work)
{
	struct hostsig_component *comp;

	for (;;) {
		spin_lock(&hostsig_lock);
		comp = list_first_entry_or_null(&hostsig_tampered,
						struct hostsig_component,
						tamper_node);
		if (comp) {
			list_del(&comp->tamper_node);
			/* A write from now on queues it again. */
			comp->reaction_queued = false;
		}
		spin_unlock(&hostsig_lock);
		if (!comp)
			break;
		hostsig_react_one(comp);
		hostsig_comp_put(comp);
	}
}

/* Verify again, after a burst of writes at patch sites. */
static void hostsig_react_patch_one(struct hostsig_component *comp)
{
	struct hostsig_comp_info *info;
	struct hostsig_vm *vm = comp->vm;
	struct kvm *kvm = NULL;
	bool patched;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	spin_lock(&hostsig_lock);
	if (comp->state == HOSTSIG_STATE_UNLOADED || vm->dead ||
	    vm->quarantined || !kvm_get_kvm_safe(vm->kvm)) {
		spin_unlock(&hostsig_lock);
		kfree(info);
		return;
	}
	kvm = vm->kvm;
	/* Or written before any verdict (hostsig_unjudged_write_locked()). */
	patched = comp->judged;
	if (info)
		hostsig_comp_info_locked(comp, info);
	spin_unlock(&hostsig_lock);

	if (patched && info)
		hostsig_notify_component(HOSTSIG_EVENT_PATCHED, info, GFP_KERNEL);
	else if (patched)
		hostsig_count(HOSTSIG_A_STATS_EVENTS_DROPPED);
	kfree(info);
	pr_info_ratelimited("component %llu of VM %llu: written %s, verifying again\n",
			    comp->id, vm->id,
			    patched ? "at a patch site" : "before its verdict");
	hostsig_recapture(kvm, comp);
	kvm_put_kvm(kvm);
}

static void hostsig_react_patch(struct work_struct *work)
{
	struct hostsig_component *comp;

	for (;;) {
		spin_lock(&hostsig_lock);
		comp = list_first_entry_or_null(&hostsig_patched,
						struct hostsig_component,
						patch_node);
		if (comp) {
			list_del(&comp->patch_node);
			comp->patch_queued = false;
		}
		spin_unlock(&hostsig_lock);
		if (!comp)
			break;
		hostsig_react_patch_one(comp);
		hostsig_comp_put(comp);
	}
}

int hostsig_track_init(void)
{
	return 0;
}

/* No hypercall runs any more, and no VM is left: finish the reactions. */
void hostsig_track_exit(void)
{
	flush_delayed_work(&hostsig_patch_work);
	flush_work(&hostsig_tamper_work);
}
