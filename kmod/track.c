// SPDX-License-Identifier: GPL-2.0
/*
 * Write tracking: the bytes verified are the bytes enforced.
 *
 * From REGISTER on, before its bytes are read, every guest physical page of
 * a component's IMAGE regions is write-tracked with KVM's page-track API:
 * KVM write-protects the page in its MMU, emulates any guest write to it and
 * tells us (track_write). A write that touches the component outside the
 * writable ranges its verdict named (its writable sections) makes it
 * MODIFIED and raises a tamper event; a work item then captures it again
 * (or announces the quarantine that the write decided). Pages that lie
 * entirely inside writable ranges stop being tracked once the verdict is
 * in.
 *
 * The page index. Each VM keeps the guest physical pages its components'
 * tracked pages lie on, in an xarray by gfn: a struct hostsig_page lists
 * the tracked pages on it (at most HOSTSIG_MAX_PAGE_USERS, and at most
 * HOSTSIG_MAX_ALIASES of one component) and counts those tracked now. KVM
 * tracks the page once, for all of them, while that count is not zero: one
 * KVM reference per page per VM, whatever the guest maps where, so KVM's
 * 16-bit counter can never overflow because of us. A guest write looks up
 * its page in the index and looks at its users only: its cost does not
 * grow with the number of components.
 *
 * KVM's tracking only changes under the VM's track_mutex: the changes are
 * planned under the VM's lock (which bits flip, which pages start or stop
 * being tracked), then made without it, in the same order for everyone.
 *
 * Only writes that KVM emulates are seen: guest writes through its MMU
 * that fault on a tracked page and go through KVM's emulated-write path.
 * A device model in the VMM writing guest memory, DMA, and the few
 * instructions KVM's emulator stores without telling page-track (SGDT,
 * FXSAVE, ...) are not: the integrity scrub (scrub.c) finds those later
 * (see Documentation/threat-model.rst).
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
static DEFINE_SPINLOCK(hostsig_reactions_lock);
static LIST_HEAD(hostsig_tampered);	/* hostsig_reactions_lock */
static void hostsig_react_patch(struct work_struct *work);
static DECLARE_DELAYED_WORK(hostsig_patch_work, hostsig_react_patch);
static LIST_HEAD(hostsig_patched);	/* hostsig_reactions_lock */

/* ---- KVM's interface, per kernel ------------------------------------------------ */

static void __maybe_unused
hostsig_tracked_write(struct hostsig_vm *vm, u64 gpa, int bytes);
static void __maybe_unused
hostsig_tracked_gone(struct hostsig_vm *vm, u64 gfn, u64 nr);
static void hostsig_tracked_gone_locked(struct hostsig_vm *vm, u64 gfn, u64 nr);

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
	/* One being deleted or moved is gone with its tracking. */
	if (slot && !(slot->flags & KVM_MEMSLOT_INVALID)) {
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

/*
 * Start hearing about the VM's tracked writes, at its first REGISTER: in
 * the vCPU thread, the VMM's mm, which 6.12's registration needs.
 */
int hostsig_track_attach(struct hostsig_vm *vm)
{
	int err = 0;

	if (!hostsig_track_available())
		return 0;
	mutex_lock(&hostsig_attach_mutex);
	if (!vm->tracking) {
		err = hostsig_kvm_attach(vm);
		vm->tracking = !err;
	}
	mutex_unlock(&hostsig_attach_mutex);
	return err ? -HOSTSIG_ENOMEM : 0;
}

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
 * KVM's tracking goes with the VM: nothing is KVM's any more.
 */
void hostsig_track_forget(struct hostsig_vm *vm)
{
#if IS_ENABLED(CONFIG_KVM_EXTERNAL_WRITE_TRACKING)
	if (vm->tracking) {
		write_lock(&vm->kvm->mmu_lock);
		hlist_del_rcu(&vm->track_node.node);
		write_unlock(&vm->kvm->mmu_lock);
		vm->tracking = false;
	}
#endif
	atomic64_sub(vm->pages_in_kvm, &hostsig_tracked_pages);
	vm->pages_in_kvm = 0;
}

/*
 * The VM struct goes (its last component went before): free its page
 * index. Every component left it when it was freed, so the pages are all
 * empty; none is KVM's (the VM is dead, or every component stopped
 * tracking).
 */
void hostsig_track_vm_free(struct hostsig_vm *vm)
{
	struct hostsig_page *page;
	unsigned long gfn;

	xa_for_each(&vm->pages, gfn, page) {
		WARN_ON_ONCE(page->nr_users);
		hostsig_free(page, sizeof(*page));
	}
	xa_destroy(&vm->pages);
}

/* ---- a component's tracked pages ----------------------------------------------- */

static int hostsig_track_cmp(const void *a, const void *b)
{
	const struct hostsig_track_page *x = a, *y = b;

	if (x->gfn != y->gfn)
		return x->gfn < y->gfn ? -1 : 1;
	if (x->span != y->span)
		return x->span < y->span ? -1 : 1;
	return x->page_in_span < y->page_in_span ? -1 :
	       x->page_in_span > y->page_in_span;
}

static u32 hostsig_span_pages(const struct hostsig_component *comp, u32 i)
{
	return (i + 1 < comp->nr_spans ? comp->spans[i + 1].first_gfn :
					 comp->nr_gfns) - comp->spans[i].first_gfn;
}

/* Build the table of the pages of the component's IMAGE spans, by gfn. */
int hostsig_track_prepare(struct hostsig_component *comp)
{
	u32 i, j, n = 0;

	for (i = 0; i < comp->nr_spans; i++)
		if (comp->spans[i].kind == HOSTSIG_REGION_IMAGE)
			n += hostsig_span_pages(comp, i);
	comp->track = hostsig_alloc_large(max(n, 1U) * sizeof(*comp->track));
	comp->track_on = hostsig_alloc_large(BITS_TO_LONGS(max(n, 1U)) *
					     sizeof(long));
	if (!comp->track || !comp->track_on)
		return -HOSTSIG_ENOMEM;
	comp->nr_track = n;
	n = 0;
	for (i = 0; i < comp->nr_spans; i++) {
		const struct hostsig_span *span = &comp->spans[i];

		if (span->kind != HOSTSIG_REGION_IMAGE)
			continue;
		for (j = 0; j < hostsig_span_pages(comp, i); j++) {
			struct hostsig_track_page *tp = &comp->track[n++];

			INIT_LIST_HEAD(&tp->node);
			tp->comp = comp;
			tp->gfn = comp->gfns[span->first_gfn + j];
			tp->span = i;
			tp->page_in_span = j;
		}
	}
	sort(comp->track, n, sizeof(*comp->track), hostsig_track_cmp, NULL);
	return 0;
}

/* The pages that back @gfn more than once in the component: n - 1 aliases. */
static u32 hostsig_run(const struct hostsig_component *comp, u32 i)
{
	u32 j = i;

	while (j < comp->nr_track && comp->track[j].gfn == comp->track[i].gfn)
		j++;
	return j - i;
}

/* Take the component's pages out of the index (no page is tracked). */
static void hostsig_unindex_locked(struct hostsig_component *comp,
				   struct list_head *empty)
{
	struct hostsig_vm *vm = comp->vm;
	u32 i;

	for (i = 0; i < comp->nr_track; i++) {
		struct hostsig_track_page *tp = &comp->track[i];
		struct hostsig_page *page = tp->page;

		if (!page)
			continue;
		list_del_init(&tp->node);
		tp->page = NULL;
		if (--page->nr_users)
			continue;
		xa_erase(&vm->pages, tp->gfn);
		/* Reuses users as the list of pages to free. */
		list_add(&page->users, empty);
	}
	comp->indexed = false;
}

static void hostsig_free_pages(struct list_head *empty)
{
	struct hostsig_page *page, *tmp;

	list_for_each_entry_safe(page, tmp, empty, users)
		hostsig_free(page, sizeof(*page));
}

/*
 * Put the component's pages in its VM's page index, creating the entries
 * of pages that have none. Caller holds vm->track_mutex. 0, or
 * -HOSTSIG_E2BIG (a page backs too many of its pages, or too many of the
 * VM's), -HOSTSIG_ENOMEM; nothing changed then.
 */
static int hostsig_index_locked_mutex(struct hostsig_component *comp)
{
	struct hostsig_vm *vm = comp->vm;
	LIST_HEAD(empty);
	u32 i, run;
	int ret = 0;

	/* Entries first, empty, outside the lock: a write ignores them. */
	for (i = 0; i < comp->nr_track; i += run) {
		struct hostsig_page *page;

		run = hostsig_run(comp, i);
		if (run > HOSTSIG_MAX_ALIASES)
			return -HOSTSIG_E2BIG;
		if (xa_load(&vm->pages, comp->track[i].gfn))
			continue;
		page = hostsig_alloc(sizeof(*page));
		if (!page)
			return -HOSTSIG_ENOMEM;
		INIT_LIST_HEAD(&page->users);
		if (xa_err(xa_store(&vm->pages, comp->track[i].gfn, page,
				    GFP_KERNEL_ACCOUNT))) {
			hostsig_free(page, sizeof(*page));
			return -HOSTSIG_ENOMEM;
		}
	}

	spin_lock(&vm->lock);
	for (i = 0; i < comp->nr_track; i += run) {
		struct hostsig_page *page = xa_load(&vm->pages, comp->track[i].gfn);
		u32 j;

		run = hostsig_run(comp, i);
		if (page->nr_users + run > HOSTSIG_MAX_PAGE_USERS) {
			ret = -HOSTSIG_E2BIG;
			break;
		}
		for (j = i; j < i + run; j++) {
			comp->track[j].page = page;
			list_add_tail(&comp->track[j].node, &page->users);
		}
		page->nr_users += run;
	}
	comp->indexed = true;
	if (ret)
		hostsig_unindex_locked(comp, &empty);
	spin_unlock(&vm->lock);
	hostsig_free_pages(&empty);
	return ret;
}

/*
 * Pages the index made for this component and nobody uses: after a
 * REGISTER that failed before its pages were listed.
 */
static void hostsig_index_trim(struct hostsig_component *comp)
{
	struct hostsig_vm *vm = comp->vm;
	LIST_HEAD(empty);
	u32 i;

	spin_lock(&vm->lock);
	for (i = 0; i < comp->nr_track; i++) {
		struct hostsig_page *page = xa_load(&vm->pages, comp->track[i].gfn);

		if (page && !page->nr_users) {
			xa_erase(&vm->pages, comp->track[i].gfn);
			list_add(&page->users, &empty);
		}
	}
	spin_unlock(&vm->lock);
	hostsig_free_pages(&empty);
}

int hostsig_track_index(struct hostsig_component *comp)
{
	struct hostsig_vm *vm = comp->vm;
	int ret;

	mutex_lock(&vm->track_mutex);
	ret = hostsig_index_locked_mutex(comp);
	if (ret)
		hostsig_index_trim(comp);
	mutex_unlock(&vm->track_mutex);
	return ret;
}

/*
 * The component is freed: out of the index if it is still there (its VM
 * died, so nothing is tracked any more, or REGISTER failed), then its
 * tables. Runs from the graveyard, where nothing else touches the index of
 * a dead VM; a live VM's index changes under its track_mutex.
 */
void hostsig_track_release(struct hostsig_component *comp)
{
	struct hostsig_vm *vm = comp->vm;
	LIST_HEAD(empty);

	if (vm && comp->track) {
		mutex_lock(&vm->track_mutex);
		spin_lock(&vm->lock);
		if (comp->indexed)
			hostsig_unindex_locked(comp, &empty);
		spin_unlock(&vm->lock);
		mutex_unlock(&vm->track_mutex);
		hostsig_free_pages(&empty);
	}
	hostsig_track_writable_free(comp->writable);
	hostsig_track_writable_free(comp->patch);
	hostsig_free_large(comp->track, max(comp->nr_track, 1U) *
			   sizeof(*comp->track));
	hostsig_free_large(comp->track_on, BITS_TO_LONGS(max(comp->nr_track, 1U)) *
			   sizeof(long));
}

/* ---- which pages are tracked ------------------------------------------------------ */

/*
 * The pages whose KVM tracking changes, planned under the VM's lock and
 * made after it, in order, under the VM's track_mutex: a page is tracked by
 * KVM while one of its users is tracked.
 */
struct hostsig_flips {
	u32 nr;
	u32 room;
	struct hostsig_flip {
		struct hostsig_page *page;
		u64 gfn;
		bool on;
		int err;
	} op[];
};

struct hostsig_flips *hostsig_flips_new(const struct hostsig_component *comp)
{
	struct hostsig_flips *flips;
	u32 room = max(comp->nr_track, 1U);

	flips = hostsig_alloc_large(struct_size(flips, op, room));
	if (flips)
		flips->room = room;
	return flips;
}

void hostsig_flips_free(struct hostsig_flips *flips)
{
	if (flips)
		hostsig_free_large(flips, struct_size(flips, op, flips->room));
}

/* Turn one tracked page of a component on or off; plan KVM's change. */
static void hostsig_flip_locked(struct hostsig_component *comp, u32 i, bool on,
				struct hostsig_flips *flips)
{
	struct hostsig_page *page = comp->track[i].page;

	if (on == test_bit(i, comp->track_on) || !page)
		return;
	if (on) {
		__set_bit(i, comp->track_on);
		comp->nr_track_on++;
		if (page->nr_tracking++)
			return;
	} else {
		__clear_bit(i, comp->track_on);
		comp->nr_track_on--;
		if (--page->nr_tracking)
			return;
	}
	/* Only what KVM does not do yet, or does for us. */
	if (on != page->in_kvm && !WARN_ON_ONCE(flips->nr >= flips->room))
		flips->op[flips->nr++] = (struct hostsig_flip) {
			.page = page, .gfn = comp->track[i].gfn, .on = on,
		};
}

/*
 * Make KVM's tracking what was planned, without the VM's lock, then note
 * which pages KVM tracks for us. A page KVM cannot track because it has no
 * memslot any more (-EINVAL): its components are told as when a memslot
 * goes away (hostsig_tracked_gone_locked()). A KVM without external write
 * tracking (-EOPNOTSUPP) tracks nothing, and that is no tamper. Caller
 * holds vm->track_mutex.
 */
void hostsig_track_apply(struct hostsig_vm *vm, struct hostsig_flips *flips)
{
	s64 delta = 0;
	u32 i, nr = flips->nr;

	for (i = 0; i < flips->nr; i++) {
		flips->op[i].err = hostsig_kvm_track(vm->kvm, flips->op[i].gfn,
						     flips->op[i].on);
		if (!(i % 64))
			cond_resched();
	}
	spin_lock(&vm->lock);
	for (i = 0; i < flips->nr; i++) {
		struct hostsig_flip *op = &flips->op[i];

		/* A removal KVM refused: its memslot is gone, and the count. */
		if (op->on ? op->err : !op->page->in_kvm)
			continue;
		op->page->in_kvm = op->on;
		delta += op->on ? 1 : -1;
	}
	vm->pages_in_kvm += delta;
	spin_unlock(&vm->lock);
	atomic64_add(delta, &hostsig_tracked_pages);
	flips->nr = 0;
	for (i = 0; i < nr; i++)
		if (flips->op[i].on && flips->op[i].err == -EINVAL)
			hostsig_tracked_gone_locked(vm, flips->op[i].gfn, 1);
}

/* Offsets of a tracked page, within its span: [*start, *end). */
void hostsig_page_extent(const struct hostsig_component *comp,
			 const struct hostsig_track_page *tp,
			 s64 *start, s64 *end)
{
	const struct hostsig_span *span = &comp->spans[tp->span];

	*start = (s64)tp->page_in_span * PAGE_SIZE - (s64)offset_in_page(span->gva);
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

/* An init allocation the guest released (HOSTSIG_HC_INIT_DONE): untracked. */
static bool hostsig_span_released(const struct hostsig_component *comp, u32 span)
{
	return comp->init_released &&
	       hostsig_span_is_init(comp, &comp->spans[span]);
}

/*
 * Whether a page of the component must be tracked: unless the guest
 * released it, or every byte of it that belongs to its region is writable.
 */
static bool hostsig_wanted_locked(const struct hostsig_component *comp, u32 i)
{
	const struct hostsig_track_page *tp = &comp->track[i];
	s64 start, end;

	if (hostsig_span_released(comp, tp->span))
		return false;
	hostsig_page_extent(comp, tp, &start, &end);
	start = max_t(s64, start, 0);
	end = min_t(s64, end, comp->spans[tp->span].len);
	return !hostsig_in_set(comp->writable, tp->span, start, end);
}

/*
 * The same, for the scrub (scrub.c), which holds the VM's track_mutex:
 * what it reads changes only under that mutex and the lock together.
 */
bool hostsig_track_wanted(const struct hostsig_component *comp, u32 i)
{
	return hostsig_wanted_locked(comp, i);
}

static void hostsig_plan_wanted_locked(struct hostsig_component *comp,
				       struct hostsig_flips *flips)
{
	u32 i;

	for (i = 0; i < comp->nr_track; i++)
		hostsig_flip_locked(comp, i, hostsig_wanted_locked(comp, i), flips);
}

/*
 * REGISTER, before the pages are read (the component is in the index):
 * track its pages. The component is seen as tracked by the write hook
 * before KVM starts reporting. 0 or -HOSTSIG_ENOMEM.
 */
int hostsig_track_start(struct hostsig_component *comp)
{
	struct hostsig_vm *vm = comp->vm;
	struct hostsig_flips *flips;

	if (!hostsig_track_available())
		return 0;
	flips = hostsig_flips_new(comp);
	if (!flips)
		return -HOSTSIG_ENOMEM;
	mutex_lock(&vm->track_mutex);
	spin_lock(&vm->lock);
	hostsig_plan_wanted_locked(comp, flips);
	spin_unlock(&vm->lock);
	hostsig_track_apply(vm, flips);
	mutex_unlock(&vm->track_mutex);
	hostsig_flips_free(flips);
	return 0;
}

/*
 * Stop tracking every page of the component and take it out of the index:
 * it is going away (UNREGISTER, a failed REGISTER, module unload while its
 * VM lives). The VM is alive.
 */
void hostsig_track_stop(struct hostsig_component *comp)
{
	struct hostsig_vm *vm = comp->vm;
	struct hostsig_flips *flips;
	LIST_HEAD(empty);
	u32 i;

	flips = hostsig_flips_new(comp);
	mutex_lock(&vm->track_mutex);
	spin_lock(&vm->lock);
	if (!flips && comp->nr_track_on) {
		/* Leave the pages tracked: a slower guest beats a lost count. */
		spin_unlock(&vm->lock);
		mutex_unlock(&vm->track_mutex);
		pr_warn_ratelimited("component %llu: pages left write-tracked\n",
				    comp->id);
		return;
	}
	for (i = 0; i < comp->nr_track; i++)
		hostsig_flip_locked(comp, i, false, flips);
	spin_unlock(&vm->lock);
	if (flips)
		hostsig_track_apply(vm, flips);
	spin_lock(&vm->lock);
	if (comp->indexed)
		hostsig_unindex_locked(comp, &empty);
	spin_unlock(&vm->lock);
	mutex_unlock(&vm->track_mutex);
	hostsig_free_pages(&empty);
	hostsig_flips_free(flips);
}

/*
 * Its VM is being destroyed: KVM's tracking goes with it (the caller did
 * hostsig_track_forget()). Nothing is tracked any more; the index goes when
 * the component and the VM are freed.
 */
void hostsig_track_abandon_locked(struct hostsig_component *comp)
{
	comp->nr_track_on = 0;
}

/*
 * HOSTSIG_HC_INIT_DONE: stop tracking the pages of the component's init
 * allocations, which the guest frees now, and from now on whatever a
 * verdict says. 0 or -HOSTSIG_ENOMEM (nothing changed then); a repeat is
 * 0 at once.
 */
int hostsig_track_release_init(struct hostsig_component *comp)
{
	struct hostsig_vm *vm = comp->vm;
	struct hostsig_flips *flips;
	bool again;

	/* Once is enough: a repeat changes nothing, and costs nothing either. */
	spin_lock(&vm->lock);
	again = comp->init_released;
	spin_unlock(&vm->lock);
	if (again)
		return 0;
	flips = hostsig_flips_new(comp);
	if (!flips)
		return -HOSTSIG_ENOMEM;
	mutex_lock(&vm->track_mutex);
	spin_lock(&vm->lock);
	again = comp->init_released;
	comp->init_released = true;
	if (comp->state != HOSTSIG_STATE_UNLOADED && !again)
		hostsig_plan_wanted_locked(comp, flips);
	spin_unlock(&vm->lock);
	hostsig_track_apply(vm, flips);
	mutex_unlock(&vm->track_mutex);
	hostsig_flips_free(flips);
	return 0;
}

/* ---- writable ranges and patch sites ----------------------------------------------- */

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
 * plan in @flips the tracking that changes (pages entirely inside writable
 * ranges stop; others start again); the caller applies it with
 * hostsig_track_apply() under the VM's track_mutex. Called with the VM's
 * lock held. 0 or -EINVAL.
 */
int hostsig_track_set_ranges_locked(struct hostsig_component *comp,
				    const struct hostsig_verdict_msg *msg,
				    struct hostsig_writable_set **set,
				    struct hostsig_writable_set **pset,
				    struct hostsig_flips *flips)
{
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
	if (hostsig_track_available())
		hostsig_plan_wanted_locked(comp, flips);
	return 0;
}

/* ---- writes ----------------------------------------------------------------------- */

enum hostsig_hit { HOSTSIG_HIT_NONE, HOSTSIG_HIT_PATCH, HOSTSIG_HIT_TAMPER };

/*
 * What a write of @bytes at @in_page of a tracked page does to its
 * component: nothing (outside the region on a shared page, or inside its
 * writable ranges), a patch (every byte it changes outside the writable
 * ranges lies inside one patch site), or a tamper.
 */
static enum hostsig_hit hostsig_write_hits_locked(const struct hostsig_track_page *tp,
						  s64 in_page, int bytes)
{
	const struct hostsig_component *comp = tp->comp;
	const struct hostsig_span *span = &comp->spans[tp->span];
	s64 start, end, from, to;

	hostsig_page_extent(comp, tp, &start, &end);
	from = max_t(s64, start + in_page, 0);
	to = min_t(s64, start + in_page + bytes, span->len);
	if (from >= to)
		return HOSTSIG_HIT_NONE;
	if (hostsig_in_set(comp->writable, tp->span, from, to))
		return HOSTSIG_HIT_NONE;
	if (!hostsig_in_set(comp->patch, tp->span, from, to))
		return HOSTSIG_HIT_TAMPER;
	return HOSTSIG_HIT_PATCH;
}

/*
 * The component was written to (the caller counted the write in
 * write_seq): MODIFIED whatever its verdict, for good in its history, and
 * a reaction queued. Whether the reaction is a quarantine is decided now,
 * not when it runs, so that no verdict arriving in between can change it;
 * returns true when the caller must stop the VM (kvm_vm_dead()) as soon
 * as it has dropped the lock. Only for a component a verifier judged
 * (comp->judged): see hostsig_unjudged_write_locked() for the others.
 * Called with the VM's lock held.
 */
bool hostsig_tamper_locked(struct hostsig_component *comp)
{
	struct hostsig_vm *vm = comp->vm;
	struct hostsig_policy policy;

	comp->tamper_seq = comp->write_seq;
	comp->history |= HOSTSIG_HISTORY_MODIFIED;
	comp->state = HOSTSIG_STATE_MODIFIED;
	comp->modified_ns = ktime_get_real_ns();
	hostsig_vm_policy_locked(vm, &policy);
	if (hostsig_policy_stops_vm(&policy, comp->state) && !vm->quarantined) {
		vm->quarantined = true;
		comp->stop_vm = true;
	}
	if (!comp->reaction_queued) {
		comp->reaction_queued = true;
		hostsig_comp_hold(comp);
		spin_lock(&hostsig_reactions_lock);
		list_add_tail(&comp->tamper_node, &hostsig_tampered);
		spin_unlock(&hostsig_reactions_lock);
		schedule_work(&hostsig_tamper_work);
	}
	return comp->stop_vm;
}

/*
 * A write at a patch site: the guest's kernel flipping a static key,
 * updating a static call, or turning ftrace on or off there. Not a tamper
 * by itself, but what the site holds now must be one of its forms: the
 * component is captured again patch_settle_ms later (the kernel
 * patches a site in several writes, int3 first), and the new record's
 * verdict applies. Only for a component a verifier judged (see
 * hostsig_unjudged_write_locked() for the others).
 *
 * hostsig_queue_recapture_locked(): have the component captured again
 * patch_settle_ms (HOSTSIG_PATCH_SETTLE_MS unless the module parameter
 * says otherwise) from now, by the patch work. Called with the
 * VM's lock held.
 */
void hostsig_queue_recapture_locked(struct hostsig_component *comp)
{
	if (!comp->patch_queued) {
		comp->patch_queued = true;
		hostsig_comp_hold(comp);
		spin_lock(&hostsig_reactions_lock);
		list_add_tail(&comp->patch_node, &hostsig_patched);
		spin_unlock(&hostsig_reactions_lock);
		queue_delayed_work(system_wq, &hostsig_patch_work,
				   msecs_to_jiffies(READ_ONCE(hostsig_patch_settle_ms)));
	}
}

/*
 * A tracked write to a component no verifier has judged (comp->judged
 * false: it is being captured for the first time, waits for its first
 * verdict, or timed out without one). There are no writable ranges to
 * check it against yet, and the component's own kernel writes its data
 * as soon as it runs (under a fail-open policy, before any verdict), so
 * the write is no evidence of tampering: no MODIFIED, no tamper count,
 * event or quarantine. What it does make stale is the copy in flight: a
 * verdict for a record copied before it is refused (tamper_seq), and a
 * component that waits for a verdict is captured again, by the patch work
 * (without a PATCHED event); one that is still being captured is captured
 * again once that copy is committed (dirty, see hostsig_capture()). One
 * that timed out stays UNKNOWN. Called with the VM's lock held.
 */
static void hostsig_unjudged_write_locked(struct hostsig_component *comp)
{
	comp->tamper_seq = comp->write_seq;
	if (comp->state == HOSTSIG_STATE_UNVERIFIED)
		comp->dirty = true;
	else if (comp->state == HOSTSIG_STATE_PENDING)
		hostsig_queue_recapture_locked(comp);
}

/*
 * One tracked page hit by a write: what it means for its component. A
 * page that left guest memory (gone) was not patched: whatever it holds
 * when it comes back is not the kernel's patching, so it is a tamper even
 * where only a patch site lies on it.
 */
static bool hostsig_write_one_locked(struct hostsig_track_page *tp, u64 gpa,
				     int bytes, u64 serial, bool gone,
				     bool *allowed)
{
	struct hostsig_component *comp = tp->comp;
	enum hostsig_hit hit;

	if (!test_bit(tp - comp->track, comp->track_on) ||
	    comp->state == HOSTSIG_STATE_UNLOADED)
		return false;
	hit = hostsig_write_hits_locked(tp, offset_in_page(gpa), bytes);
	if (hit == HOSTSIG_HIT_NONE)
		return false;
	if (gone)
		hit = HOSTSIG_HIT_TAMPER;
	/* A page mapped twice in the component counts the write once. */
	if (comp->last_write_serial == serial && comp->last_hit >= hit)
		return false;
	comp->last_write_serial = serial;
	comp->last_hit = hit;
	comp->write_seq++;
	if (!comp->judged) {
		hostsig_unjudged_write_locked(comp);
		return false;
	}
	*allowed = false;
	if (hit == HOSTSIG_HIT_PATCH) {
		comp->patches++;
		hostsig_count(HOSTSIG_A_STATS_PATCHES);
		/* A new write: its PATCHED event goes out, retry or not. */
		comp->patch_retry = false;
		hostsig_queue_recapture_locked(comp);
		return false;
	}
	comp->tampers++;
	comp->tamper_gpa = gpa;
	hostsig_count(HOSTSIG_A_STATS_TAMPERS);
	return hostsig_tamper_locked(comp);
}

/*
 * The integrity scrub found bytes of the component on the tracked page at
 * @gpa, outside its writable ranges, that differ from those its verdict
 * was taken on, and no tracked write was in flight (scrub.c): a write
 * tracking did not see. The same as a tracked write outside the writable
 * ranges and patch sites (hostsig_write_one_locked()), unless a tracked
 * write has been seen since the copy the scrub's baseline comes from:
 * that write's own reaction (a tamper, or a new capture after a patch)
 * takes the bytes as they are now to a verifier, and its verdict makes a
 * new baseline. Returns true when the caller must stop the VM. Called with
 * the VM's lock held.
 */
bool hostsig_scrub_differs_locked(struct hostsig_component *comp, u64 gpa)
{
	if (comp->state == HOSTSIG_STATE_UNLOADED || !comp->scrub_digest ||
	    comp->write_seq != comp->scrub_seq)
		return false;
	comp->write_seq++;
	if (!comp->judged) {
		/* No baseline is made without a verdict: for the rule's sake. */
		hostsig_unjudged_write_locked(comp);
		return false;
	}
	comp->tampers++;
	comp->tamper_gpa = gpa;
	hostsig_count(HOSTSIG_A_STATS_TAMPERS);
	hostsig_count(HOSTSIG_A_STATS_SCRUB_TAMPERS);
	return hostsig_tamper_locked(comp);
}

/*
 * A guest write KVM emulated on a tracked page. It runs in the writing
 * vCPU's thread, so the VM is alive, and a quarantine stops it before that
 * vCPU runs another instruction. It looks at the users of one page only.
 */
static void hostsig_tracked_write(struct hostsig_vm *vm, u64 gpa, int bytes)
{
	struct hostsig_track_page *tp;
	struct hostsig_page *page;
	bool allowed = true, stop = false;
	u64 serial;

	spin_lock(&vm->lock);
	serial = ++vm->write_serial;
	page = xa_load(&vm->pages, gpa >> PAGE_SHIFT);
	if (page && page->nr_tracking)
		list_for_each_entry(tp, &page->users, node)
			stop |= hostsig_write_one_locked(tp, gpa, bytes, serial,
							 false, &allowed);
	spin_unlock(&vm->lock);
	if (stop)
		kvm_vm_dead(vm->kvm);
	if (allowed)
		hostsig_count(HOSTSIG_A_STATS_TRACKED_WRITES);
}

/*
 * Whether address space 0 (where KVM's write tracking lives, whatever the
 * vCPU's mode) still has a memslot, not being deleted or moved, at gfn.
 * KVM tells us of every memslot's going, SMM's address space included
 * (6.12 does not even say which): only a change of ours is one.
 */
static bool hostsig_gfn_in_ram(struct kvm *kvm, u64 gfn)
{
	struct kvm_memory_slot *slot;
	bool there;
	int idx;

	idx = srcu_read_lock(&kvm->srcu);
	slot = gfn_to_memslot(kvm, gfn);
	there = slot && !(slot->flags & KVM_MEMSLOT_INVALID);
	srcu_read_unlock(&kvm->srcu, idx);
	return there;
}

/*
 * A memslot went away (deleted, or moved: KVM drops its tracking either
 * way), or KVM could not track a page we planned to: what the guest reads
 * at those pages from now on is memory we never saw and do not track, so
 * for a judged component it is as if every byte of them had been written:
 * a tamper (MODIFIED, event, the policy's reaction); for one not yet judged,
 * its copy in flight is stale (hostsig_unjudged_write_locked()). A guest
 * that can make its VMM drop and re-add a memslot (a PCI BAR with RAM
 * behind it) thus cannot write behind our back. The pages stay on the
 * components' books, untracked; the VM is stopped here if its policy says
 * so. Caller holds vm->track_mutex.
 */
static void hostsig_tracked_gone_locked(struct hostsig_vm *vm, u64 gfn, u64 nr)
{
	struct hostsig_track_page *tp;
	struct hostsig_page *page;
	unsigned long index;
	bool allowed = true, stop = false;
	u64 gone = 0, serial;

	if (!nr)
		return;
	spin_lock(&vm->lock);
	serial = ++vm->write_serial;
	xa_for_each_range(&vm->pages, index, page, gfn, gfn + nr - 1) {
		/* Another address space's memslot (SMM's): ours is still there. */
		if (hostsig_gfn_in_ram(vm->kvm, index))
			continue;
		list_for_each_entry(tp, &page->users, node) {
			struct hostsig_component *comp = tp->comp;

			if (!test_bit(tp - comp->track, comp->track_on))
				continue;
			/* The whole page, as if written, while still ours. */
			stop |= hostsig_write_one_locked(tp, (u64)index << PAGE_SHIFT,
							 PAGE_SIZE, serial, true,
							 &allowed);
			__clear_bit(tp - comp->track, comp->track_on);
			comp->nr_track_on--;
			page->nr_tracking--;
			gone++;
		}
		if (page->in_kvm) {
			page->in_kvm = false;
			vm->pages_in_kvm--;
			atomic64_dec(&hostsig_tracked_pages);
		}
	}
	spin_unlock(&vm->lock);
	if (stop)
		kvm_vm_dead(vm->kvm);
	if (gone)
		pr_info_ratelimited("VM %llu: %llu tracked pages left guest memory\n",
				    vm->id, gone);
}

static void hostsig_tracked_gone(struct hostsig_vm *vm, u64 gfn, u64 nr)
{
	mutex_lock(&vm->track_mutex);
	hostsig_tracked_gone_locked(vm, gfn, nr);
	mutex_unlock(&vm->track_mutex);
}

/* ---- reactions ---------------------------------------------------------------------- */

static void hostsig_react_one(struct hostsig_component *comp)
{
	struct hostsig_comp_info *info;
	struct hostsig_vm *vm = comp->vm;
	struct kvm *kvm = NULL;
	bool stop;

	info = kmalloc(sizeof(*info), GFP_KERNEL);
	spin_lock(&vm->lock);
	if (comp->state == HOSTSIG_STATE_UNLOADED || vm->dead) {
		spin_unlock(&vm->lock);
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
	spin_unlock(&vm->lock);

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
		spin_lock(&hostsig_reactions_lock);
		comp = list_first_entry_or_null(&hostsig_tampered,
						struct hostsig_component,
						tamper_node);
		if (comp)
			list_del_init(&comp->tamper_node);
		spin_unlock(&hostsig_reactions_lock);
		if (!comp)
			break;
		/* A write from now on queues it again. */
		spin_lock(&comp->vm->lock);
		comp->reaction_queued = false;
		spin_unlock(&comp->vm->lock);
		hostsig_react_one(comp);
		hostsig_comp_put(comp);
	}
}

/* Verify again, after a burst of writes at patch sites. */
static void hostsig_react_patch_one(struct hostsig_component *comp)
{
	struct hostsig_vm *vm = comp->vm;
	struct kvm *kvm = NULL;
	bool judged, retry;
	long ret;

	spin_lock(&vm->lock);
	judged = comp->judged;
	/* A retry for want of room: the PATCHED event went out already. */
	retry = comp->patch_retry;
	comp->patch_retry = false;
	/* Unjudged and timed out meanwhile: it stays UNKNOWN. */
	if (comp->state != HOSTSIG_STATE_UNLOADED && !vm->dead &&
	    !vm->quarantined &&
	    (judged || comp->state != HOSTSIG_STATE_UNKNOWN) &&
	    kvm_get_kvm_safe(vm->kvm))
		kvm = vm->kvm;
	spin_unlock(&vm->lock);
	if (!kvm)
		return;

	if (judged && !retry) {
		hostsig_comp_notify(comp, HOSTSIG_EVENT_PATCHED);
		pr_info_ratelimited("component %llu of VM %llu: written at a patch site, verifying again\n",
				    comp->id, vm->id);
	}
	ret = hostsig_recapture(kvm, comp);
	kvm_put_kvm(kvm);
	/*
	 * No room for now (the VM's ring share or pending quota, which the
	 * guest itself can fill, or host memory): the site's new bytes are
	 * not verified yet, so try again a settle time later rather than
	 * leave the component judged on its old bytes.
	 */
	if (ret == -HOSTSIG_EAGAIN || ret == -HOSTSIG_EQUOTA ||
	    ret == -HOSTSIG_ENOMEM) {
		spin_lock(&vm->lock);
		if (comp->state != HOSTSIG_STATE_UNLOADED && !vm->dead &&
		    !comp->patch_queued) {
			comp->patch_retry = true;
			hostsig_queue_recapture_locked(comp);
		}
		spin_unlock(&vm->lock);
	}
}

/*
 * The components queued when the work began, and only those: one that is
 * queued again meanwhile (a retry for want of room, a new write) waits for
 * the next run, patch_settle_ms later, instead of being taken again at
 * once in a loop.
 */
static void hostsig_react_patch(struct work_struct *work)
{
	struct hostsig_component *comp;
	LIST_HEAD(now);

	spin_lock(&hostsig_reactions_lock);
	list_splice_init(&hostsig_patched, &now);
	spin_unlock(&hostsig_reactions_lock);
	for (;;) {
		/* Ours alone: patch_queued keeps everyone else off these nodes. */
		comp = list_first_entry_or_null(&now, struct hostsig_component,
						patch_node);
		if (!comp)
			break;
		list_del_init(&comp->patch_node);
		spin_lock(&comp->vm->lock);
		comp->patch_queued = false;
		spin_unlock(&comp->vm->lock);
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
