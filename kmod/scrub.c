// SPDX-License-Identifier: GPL-2.0
/*
 * The integrity scrub: the writes that write tracking does not see.
 *
 * KVM tells page-track only about the guest writes it emulates through its
 * ordinary emulated-write path. SGDT, SIDT and FXSAVE emulated onto a
 * tracked page store through kvm_write_guest_virt_helper() and tell nobody;
 * paravirtual areas, the VMM's device models and DMA write guest memory
 * with no fault at all. So the host reads the tracked pages of every judged
 * component again, on a schedule (scrub_interval_s) and on REVERIFY, and
 * compares them with what the verifier judged; a difference is a tamper,
 * exactly as a tracked write there would have been
 * (hostsig_scrub_differs_locked()).
 *
 * What is compared: per tracked page, the SHA-256 of the page's bytes that
 * belong to its IMAGE region and lie outside the verdict's writable ranges,
 * in order. The guest cannot make two different contents of a page hash
 * alike (a CRC or a fast non-cryptographic hash it could). The baseline is
 * made from the bytes the verifier saw, not from guest memory at verdict
 * time, which an untracked write may have changed in between: each capture
 * keeps a copy of the IMAGE bytes it put in its record (scrub_image); the
 * verdict for that record hashes them with the ranges it names and drops
 * the copy. Patch sites are compared too: the guest's kernel writes them
 * through tracked writes, which count in write_seq, and a difference after
 * such a write is left to the new capture it sets off.
 *
 * Memory: 32 bytes per tracked page for as long as the component has a
 * verdict (charged to the VM's cap at REGISTER), plus the copy of its
 * IMAGE bytes between a capture and its verdict (one per component at
 * most: a newer capture replaces it). That copy counts in the VM's pending
 * quota until the verdict timeout, and in its memory cap after it, or is
 * dropped (hostsig_expire_locked()).
 *
 * Pacing: one delayed work scrubs at most HOSTSIG_SCRUB_SLICE pages per
 * tick, components in id order, and spreads a pass over about half the
 * interval (the pages it expects: every component's tracked pages, aliases
 * of one guest page counted each time, as the pass reads them), so that
 * many VMs and components make more short ticks rather than one long one.
 * A pass starts every scrub_interval_s seconds.
 *
 * Tests: selftests/vm/scrub_test.c; what it costs:
 * selftests/vm/scrub_cost_helper.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "hostsig.h"

/* Pages compared per tick, at most (1 MiB with 4 KiB pages). */
#define HOSTSIG_SCRUB_SLICE		256

/* ---- baselines ------------------------------------------------------------------ */

/* Bytes of the component's IMAGE regions, one after the other. */
u64 hostsig_scrub_image_len(const struct hostsig_component *comp)
{
	u64 len = 0;
	u32 i;

	for (i = 0; i < comp->nr_spans; i++)
		if (comp->spans[i].kind == HOSTSIG_REGION_IMAGE)
			len += comp->spans[i].len;
	return len;
}

/*
 * A copy of the IMAGE regions' bytes of a record just filled (not
 * committed yet, so nobody else has seen or changed it). NULL without
 * memory.
 */
u8 *hostsig_scrub_image_new(const struct hostsig_component *comp,
			    const struct hostsig_record *rec)
{
	u64 at = 0;
	u8 *image;
	u32 i;

	image = hostsig_alloc_large(max(comp->scrub_image_len, 1ULL));
	if (!image)
		return NULL;
	for (i = 0; i < comp->nr_spans; i++) {
		if (comp->spans[i].kind != HOSTSIG_REGION_IMAGE)
			continue;
		memcpy(image + at, (const u8 *)rec + rec->regions[i].offset,
		       comp->spans[i].len);
		at += comp->spans[i].len;
	}
	return image;
}

void hostsig_scrub_image_free(const struct hostsig_component *comp, u8 *image)
{
	hostsig_free_large(image, max(comp->scrub_image_len, 1ULL));
}

struct hostsig_page_digest *hostsig_scrub_digests_new(const struct hostsig_component *comp)
{
	return hostsig_alloc_large(max(comp->nr_track, 1U) * sizeof(struct hostsig_page_digest));
}

void hostsig_scrub_digests_free(const struct hostsig_component *comp,
				struct hostsig_page_digest *digests)
{
	hostsig_free_large(digests, max(comp->nr_track, 1U) *
			   sizeof(struct hostsig_page_digest));
}

/* The first writable range of @span that ends after @at: its index, or nr. */
static u32 hostsig_first_range(const struct hostsig_writable_set *set,
			       u32 span, s64 at)
{
	u32 lo = 0, hi = set->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct hostsig_writable *w = &set->r[mid];

		if (w->span < span || (w->span == span && (s64)w->end <= at))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The digest of tracked page @i: SHA-256 over the bytes of the page that
 * belong to its span and lie outside the writable ranges, in order. @src
 * holds span bytes from span offset @origin on, at least up to the page's
 * end within the span. Caller holds the VM's track_mutex or lock
 * (comp->writable).
 */
static void hostsig_scrub_digest(const struct hostsig_component *comp, u32 i,
				 const u8 *src, s64 origin, u8 *out)
{
	const struct hostsig_track_page *tp = &comp->track[i];
	const struct hostsig_writable_set *set = comp->writable;
	struct sha256_state state;
	s64 start, end, at;
	u32 r;

	hostsig_page_extent(comp, tp, &start, &end);
	at = max_t(s64, start, 0);
	end = min_t(s64, end, comp->spans[tp->span].len);
	sha256_init(&state);
	r = set ? hostsig_first_range(set, tp->span, at) : 0;
	for (; set && r < set->nr && at < end; r++) {
		const struct hostsig_writable *w = &set->r[r];

		if (w->span != tp->span || (s64)w->start >= end)
			break;
		if ((s64)w->start > at)
			sha256_update(&state, src + (at - origin), w->start - at);
		at = max_t(s64, at, w->end);
	}
	if (at < end)
		sha256_update(&state, src + (at - origin), end - at);
	sha256_final(&state, out);
}

/*
 * A verdict was taken on the record whose IMAGE bytes are @image: fill
 * @digests with the baseline of every tracked page, with the writable
 * ranges that verdict named (comp->writable). Caller holds the VM's
 * track_mutex, so that the ranges cannot change meanwhile.
 */
void hostsig_scrub_baseline(const struct hostsig_component *comp,
			    const u8 *image, struct hostsig_page_digest *digests)
{
	u64 span_at[HOSTSIG_MAX_REGIONS], at = 0;
	u32 i;

	for (i = 0; i < comp->nr_spans; i++) {
		span_at[i] = at;
		if (comp->spans[i].kind == HOSTSIG_REGION_IMAGE)
			at += comp->spans[i].len;
	}
	for (i = 0; i < comp->nr_track; i++) {
		hostsig_scrub_digest(comp, i, image + span_at[comp->track[i].span],
				     0, digests[i].sha256);
		if (!(i % 64))
			cond_resched();
	}
}

/* ---- comparing -------------------------------------------------------------------- */

/*
 * Compare up to @budget tracked pages of the component, from *@page on,
 * with its baseline, advancing *@page (to nr_track when it is done). A
 * difference first waits until every guest write KVM was emulating when
 * the page was read has been reported (synchronize_srcu(): KVM emulates a
 * guest instruction, and reports its tracked write, inside one kvm->srcu
 * read section of the vCPU), so that a tracked write at a patch site that
 * the scrub saw before page-track told us is not taken for an untracked
 * one. @buf: a page of scratch. Returns the pages read.
 */
static u32 hostsig_scrub_comp(struct hostsig_component *comp, u32 *page,
			      u32 budget, u8 *buf)
{
	u8 digest[SHA256_DIGEST_SIZE];
	struct hostsig_vm *vm = comp->vm;
	bool differs = false, stop = false;
	struct kvm *kvm = NULL;
	u64 gen, gpa = 0;
	u32 read = 0;
	int idx;

	spin_lock(&vm->lock);
	if (comp->scrub_digest && comp->state != HOSTSIG_STATE_UNLOADED &&
	    !vm->dead && !vm->quarantined && kvm_get_kvm_safe(vm->kvm))
		kvm = vm->kvm;
	spin_unlock(&vm->lock);
	if (!kvm || !mmget_not_zero(kvm->mm)) {
		*page = comp->nr_track;
		if (kvm)
			kvm_put_kvm(kvm);
		return 0;
	}
	kthread_use_mm(kvm->mm);
	mutex_lock(&vm->track_mutex);
	/* The baseline and the ranges stay as they are while we hold it. */
	gen = comp->scrub_gen;
	if (!comp->scrub_digest)
		*page = comp->nr_track;
	idx = srcu_read_lock(&kvm->srcu);
	for (; *page < comp->nr_track && read < budget; (*page)++) {
		const struct hostsig_track_page *tp = &comp->track[*page];
		s64 start, end;

		if (!hostsig_track_wanted(comp, *page))
			continue;
		read++;
		/* A page whose memslot went away: not ours to judge here. */
		if (kvm_read_guest(kvm, tp->gfn << PAGE_SHIFT, buf, PAGE_SIZE))
			continue;
		hostsig_page_extent(comp, tp, &start, &end);
		hostsig_scrub_digest(comp, *page, buf, start, digest);
		if (memcmp(digest, comp->scrub_digest[*page].sha256, sizeof(digest))) {
			differs = true;
			gpa = tp->gfn << PAGE_SHIFT;
			(*page)++;
			break;
		}
	}
	srcu_read_unlock(&kvm->srcu, idx);
	mutex_unlock(&vm->track_mutex);
	hostsig_count_add(HOSTSIG_A_STATS_SCRUB_PAGES, read);

	if (differs) {
		/* Not under track_mutex: a vCPU in REGISTER may wait for it. */
		synchronize_srcu(&kvm->srcu);
		spin_lock(&vm->lock);
		if (comp->scrub_gen == gen)
			stop = hostsig_scrub_differs_locked(comp, gpa);
		spin_unlock(&vm->lock);
		if (stop)
			kvm_vm_dead(kvm);
	}
	kthread_unuse_mm(kvm->mm);
	mmput(kvm->mm);
	kvm_put_kvm(kvm);
	return read;
}

/*
 * REVERIFY: compare every tracked page of the component now, before it is
 * captured again. Runs in a worker; the caller holds a reference on the VM.
 */
void hostsig_scrub_now(struct kvm *kvm, struct hostsig_component *comp)
{
	u8 *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	u32 page = 0;

	if (!buf)
		return;
	while (page < comp->nr_track)
		hostsig_scrub_comp(comp, &page, HOSTSIG_SCRUB_SLICE, buf);
	kfree(buf);
}

/* ---- the schedule ------------------------------------------------------------------- */

static void hostsig_scrub_tick(struct work_struct *work);
static DECLARE_DELAYED_WORK(hostsig_scrub_work, hostsig_scrub_tick);

/* Whether the work may be queued: between init and exit. */
static DEFINE_MUTEX(hostsig_scrub_mutex);
static bool hostsig_scrub_live;

/* Where the pass is; only the work touches it. */
static struct {
	bool in_pass;
	bool started;		/* a pass has begun since the scrub was enabled */
	unsigned long pass_start;	/* jiffies */
	u64 expect;		/* pages the pass expects to read, for pacing */
	u64 comp_id;		/* the next component to look at */
	u32 page;		/* ... from this tracked page */
} hostsig_scrub_pos;

static void hostsig_scrub_queue(unsigned long delay)
{
	queue_delayed_work(system_unbound_wq, &hostsig_scrub_work, delay);
}

static void hostsig_scrub_tick(struct work_struct *work)
{
	unsigned int interval_s = READ_ONCE(hostsig_scrub_interval_s);
	unsigned long period, now = jiffies, delay;
	u32 budget = HOSTSIG_SCRUB_SLICE;
	struct hostsig_component *comp;
	u8 *buf;

	if (!interval_s) {
		/* Off: hostsig_scrub_kick() starts a pass when it is on again. */
		hostsig_scrub_pos.in_pass = false;
		hostsig_scrub_pos.started = false;
		return;
	}
	period = (unsigned long)interval_s * HZ;
	if (!hostsig_scrub_pos.in_pass) {
		if (hostsig_scrub_pos.started &&
		    time_before(now, hostsig_scrub_pos.pass_start + period)) {
			hostsig_scrub_queue(hostsig_scrub_pos.pass_start + period - now);
			return;
		}
		hostsig_scrub_pos.in_pass = true;
		hostsig_scrub_pos.started = true;
		hostsig_scrub_pos.pass_start = now;
		hostsig_scrub_pos.expect = max_t(u64, 1, hostsig_comps_track_total());
		hostsig_scrub_pos.comp_id = 0;
		hostsig_scrub_pos.page = 0;
	}

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	while (buf && budget) {
		u64 want = hostsig_scrub_pos.comp_id;

		comp = hostsig_comp_next_ref(&hostsig_scrub_pos.comp_id);
		if (!comp)
			break;
		/* The component a slice stopped in went away: the next starts at 0. */
		if (comp->id != want)
			hostsig_scrub_pos.page = 0;
		/* Each component costs a little, even with nothing to read. */
		budget -= min(budget, 1 + hostsig_scrub_comp(comp, &hostsig_scrub_pos.page,
							     budget, buf));
		if (hostsig_scrub_pos.page >= comp->nr_track) {
			hostsig_scrub_pos.comp_id = comp->id + 1;
			hostsig_scrub_pos.page = 0;
		}
		hostsig_comp_put(comp);
	}
	if (buf && budget) {
		/* The last component is done: so is the pass. */
		kfree(buf);
		hostsig_scrub_pos.in_pass = false;
		hostsig_count(HOSTSIG_A_STATS_SCRUB_PASSES);
		delay = hostsig_scrub_pos.pass_start + period - jiffies;
		hostsig_scrub_queue(time_before(jiffies, hostsig_scrub_pos.pass_start +
						period) ? delay : 0);
		return;
	}
	kfree(buf);
	/* Half the period for the pass, in ticks of a slice each. */
	delay = div64_u64((u64)period / 2 * HOSTSIG_SCRUB_SLICE,
			  hostsig_scrub_pos.expect);
	hostsig_scrub_queue(clamp_t(unsigned long, delay, 1, period));
}

/* scrub_interval_s changed: start now (or stop) rather than at the old pace. */
void hostsig_scrub_kick(void)
{
	mutex_lock(&hostsig_scrub_mutex);
	if (hostsig_scrub_live)
		mod_delayed_work(system_unbound_wq, &hostsig_scrub_work, 0);
	mutex_unlock(&hostsig_scrub_mutex);
}

int hostsig_scrub_init(void)
{
	mutex_lock(&hostsig_scrub_mutex);
	hostsig_scrub_live = true;
	hostsig_scrub_queue(0);
	mutex_unlock(&hostsig_scrub_mutex);
	return 0;
}

/* Before the VMs are let go: no scrub runs afterwards. */
void hostsig_scrub_exit(void)
{
	mutex_lock(&hostsig_scrub_mutex);
	hostsig_scrub_live = false;
	mutex_unlock(&hostsig_scrub_mutex);
	cancel_delayed_work_sync(&hostsig_scrub_work);
}
