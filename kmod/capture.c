// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: the argument block of REGISTER and the component's pages.
 *
 * Everything here comes from the guest and is hostile. The argument block
 * is copied once into host memory and checked field by field; lengths are
 * summed with overflow checks; every address is checked to be canonical and
 * then translated page by page through the guest's own page tables, at the
 * time of the call, so that a region may span guest physical pages in any
 * order. The guest physical page of every page is kept: the component is
 * copied (now, and again for a re-verification) and write-tracked by guest
 * physical page, because the guest can alias a physical page at another
 * virtual address.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kthread.h>
#include <linux/kvm_host.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>

#include "hostsig.h"

/*
 * KVM fills a struct x86_exception on a failed translation. Its definition
 * is private to KVM (24 bytes on 6.1, 32 on 6.12): give it room enough.
 */
#define HOSTSIG_X86_EXCEPTION_ROOM	64

/* Pages copied between two chances to reschedule. */
#define HOSTSIG_COPY_BATCH		64

static bool hostsig_gva_canonical(struct kvm_vcpu *vcpu, u64 gva)
{
	int bits = (vcpu->arch.cr4 & X86_CR4_LA57) ? 57 : 48;

	return sign_extend64(gva, bits - 1) == gva;
}

/* Guest virtual to guest physical, as the vCPU sees it now. */
static long hostsig_gva_to_gpa(struct kvm_vcpu *vcpu, u64 gva, u64 *gpa)
{
	u64 exception[HOSTSIG_X86_EXCEPTION_ROOM / sizeof(u64)];
	gpa_t ret;

	if (!hostsig_gva_canonical(vcpu, gva))
		return -HOSTSIG_EFAULT;
	ret = kvm_mmu_gva_to_gpa_read(vcpu, gva,
				      (struct x86_exception *)exception);
	if (ret == INVALID_GPA)
		return -HOSTSIG_EFAULT;
	*gpa = ret;
	return 0;
}

/* Copy len bytes of guest virtual memory, page by page. */
static long hostsig_read_virt(struct kvm_vcpu *vcpu, u64 gva, void *buf,
			      u32 len)
{
	u8 *dst = buf;
	long ret;
	u64 gpa;

	while (len) {
		u32 chunk = min_t(u32, len, PAGE_SIZE - offset_in_page(gva));

		ret = hostsig_gva_to_gpa(vcpu, gva, &gpa);
		if (ret)
			return ret;
		if (kvm_vcpu_read_guest(vcpu, gpa, dst, chunk))
			return -HOSTSIG_EFAULT;
		gva += chunk;
		dst += chunk;
		len -= chunk;
	}
	return 0;
}

/* A range [gva, gva + len) that lies in one canonical half and does not wrap. */
static long hostsig_check_range(struct kvm_vcpu *vcpu, u64 gva, u64 len)
{
	u64 last;

	if (check_add_overflow(gva, len - 1, &last))
		return -HOSTSIG_EFAULT;
	if (!hostsig_gva_canonical(vcpu, gva) ||
	    !hostsig_gva_canonical(vcpu, last) ||
	    (s64)(gva ^ last) < 0)
		return -HOSTSIG_EFAULT;
	return 0;
}

/* Pages that [gva, gva + len) touches; len > 0, the range does not wrap. */
static u64 hostsig_pages_spanned(u64 gva, u64 len)
{
	return ((gva + len - 1) >> PAGE_SHIFT) - (gva >> PAGE_SHIFT) + 1;
}

static bool hostsig_format_known(u32 format)
{
	return format == HOSTSIG_FMT_PE || format == HOSTSIG_FMT_ELF_MODULE;
}

static long hostsig_check_header(const struct hostsig_argblock *b, u64 len)
{
	if (b->magic != HOSTSIG_ARG_MAGIC)
		return -HOSTSIG_EINVAL;
	if (b->version != HOSTSIG_ARG_VERSION)
		return b->version > HOSTSIG_ARG_VERSION ? -HOSTSIG_ENOTSUPP :
							  -HOSTSIG_EINVAL;
	if (b->nr_regions > HOSTSIG_MAX_REGIONS)
		return -HOSTSIG_E2BIG;
	if (!b->nr_regions || b->size != len ||
	    b->size != HOSTSIG_ARGBLOCK_SIZE(b->nr_regions))
		return -HOSTSIG_EINVAL;
	if (b->reserved || (b->flags & ~HOSTSIG_ARG_F_ALL))
		return -HOSTSIG_EINVAL;
	if (!hostsig_format_known(b->format))
		return -HOSTSIG_ENOTSUPP;
	return 0;
}

/* Regions sorted by address must not overlap. */
static long hostsig_check_overlaps(const struct hostsig_region *regions, u32 nr)
{
	const struct hostsig_region *sorted[HOSTSIG_MAX_REGIONS];
	u32 i, j;

	for (i = 0; i < nr; i++) {
		for (j = i; j > 0 && sorted[j - 1]->gva > regions[i].gva; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = &regions[i];
	}
	for (i = 1; i < nr; i++)
		if (sorted[i]->gva - sorted[i - 1]->gva < sorted[i - 1]->len)
			return -HOSTSIG_EINVAL;
	return 0;
}

static long hostsig_check_regions(struct kvm_vcpu *vcpu,
				  struct hostsig_args *args)
{
	u64 limit = (u64)READ_ONCE(hostsig_max_component_mib) << 20;
	u32 nr = args->block.nr_regions;
	bool have_image = false;
	u64 total = 0, pages = 0;
	long ret;
	u32 i;

	for (i = 0; i < nr; i++) {
		const struct hostsig_region *r = &args->regions[i];

		if (r->kind < HOSTSIG_REGION_IMAGE || r->kind > HOSTSIG_REGION_FILE)
			return -HOSTSIG_EINVAL;
		/*
		 * The loader's file buffer is kept for the component's life:
		 * only a format whose verifier needs it may send one.
		 */
		if (r->kind == HOSTSIG_REGION_FILE &&
		    args->block.format != HOSTSIG_FMT_ELF_MODULE)
			return -HOSTSIG_EINVAL;
		if (!r->len)
			return -HOSTSIG_EINVAL;
		ret = hostsig_check_range(vcpu, r->gva, r->len);
		if (ret)
			return ret;
		if (check_add_overflow(total, r->len, &total) || total > limit)
			return -HOSTSIG_E2BIG;
		pages += hostsig_pages_spanned(r->gva, r->len);
		have_image |= r->kind == HOSTSIG_REGION_IMAGE;
	}
	if (!have_image)
		return -HOSTSIG_EINVAL;
	ret = hostsig_check_overlaps(args->regions, nr);
	if (ret)
		return ret;
	/* At most total / PAGE_SIZE + 2 per region: far below U32_MAX. */
	if (pages > U32_MAX)
		return -HOSTSIG_E2BIG;
	args->total = total;
	args->nr_pages = pages;
	return 0;
}

/*
 * Copy the argument block of REGISTER into args and check it. Returns 0 or
 * -HOSTSIG_E*.
 */
long hostsig_fetch_args(struct kvm_vcpu *vcpu, u64 gva, u64 len,
			struct hostsig_args *args)
{
	struct hostsig_argblock *b = &args->block;
	long ret;
	u32 i;

	if (len < sizeof(*b))
		return -HOSTSIG_EINVAL;
	if (len > HOSTSIG_ARGBLOCK_SIZE(HOSTSIG_MAX_REGIONS)) {
		/* Say E2BIG if it is long because it has too many regions. */
		ret = hostsig_check_range(vcpu, gva, sizeof(*b));
		if (!ret)
			ret = hostsig_read_virt(vcpu, gva, b, sizeof(*b));
		if (!ret && b->magic == HOSTSIG_ARG_MAGIC &&
		    b->nr_regions > HOSTSIG_MAX_REGIONS)
			return -HOSTSIG_E2BIG;
		return ret ? ret : -HOSTSIG_EINVAL;
	}
	ret = hostsig_check_range(vcpu, gva, len);
	if (ret)
		return ret;
	ret = hostsig_read_virt(vcpu, gva, b, sizeof(*b));
	if (ret)
		return ret;
	ret = hostsig_check_header(b, len);
	if (ret)
		return ret;
	ret = hostsig_read_virt(vcpu, gva + sizeof(*b), args->regions,
				b->nr_regions * sizeof(args->regions[0]));
	if (ret)
		return ret;
	ret = hostsig_check_regions(vcpu, args);
	if (ret)
		return ret;

	/* The name is informative; keep it printable and terminated. */
	b->name[HOSTSIG_NAME_LEN - 1] = '\0';
	for (i = 0; i < HOSTSIG_NAME_LEN && b->name[i]; i++)
		if (!isprint(b->name[i]))
			b->name[i] = '?';
	return 0;
}

/*
 * Whether guest physical page gfn is plain RAM: a memslot userspace made
 * (not one of KVM's private ones), writable by the guest, not being
 * deleted or moved, in address space 0. Only there does KVM's write
 * tracking see the guest's writes, and only there does a memslot change
 * reach us (hostsig_tracked_gone()). Under the VM's SRCU read lock, which
 * the vCPU holds while it handles the hypercall.
 */
static bool hostsig_gfn_plain_ram(struct kvm *kvm, u64 gfn)
{
	struct kvm_memory_slot *slot = gfn_to_memslot(kvm, gfn);

	if (!slot || slot->id >= KVM_USER_MEM_SLOTS)
		return false;
	if (slot->flags & (KVM_MEM_READONLY | KVM_MEMSLOT_INVALID))
		return false;
#ifdef KVM_MEM_GUEST_MEMFD
	if (slot->flags & KVM_MEM_GUEST_MEMFD)
		return false;
#endif
	return true;
}

/*
 * Find the guest physical page of every page of every region of comp, into
 * comp->gfns (allocated here). Regions are walked by page count, never by
 * end address: a region may end exactly at 2^64, where its end wraps to 0.
 * Returns 0 or -HOSTSIG_EFAULT (an unmapped page, or pages that do not add
 * up to what the argument block's check counted) / -HOSTSIG_ENOTRAM (a
 * page outside plain RAM, or a call from SMM, whose page tables and
 * memory are SMM's) / -HOSTSIG_ENOMEM.
 */
long hostsig_translate(struct kvm_vcpu *vcpu, struct hostsig_component *comp)
{
	u32 i, j, n = 0;
	long ret;

	if (kvm_arch_vcpu_memslots_id(vcpu))
		return -HOSTSIG_ENOTRAM;
	comp->gfns = hostsig_alloc_large(comp->nr_gfns * sizeof(u64));
	if (!comp->gfns)
		return -HOSTSIG_ENOMEM;
	for (i = 0; i < comp->nr_spans; i++) {
		struct hostsig_span *span = &comp->spans[i];
		u64 pages = hostsig_pages_spanned(span->gva, span->len);
		u64 first = span->gva & PAGE_MASK;

		if (pages > comp->nr_gfns - n)
			return -HOSTSIG_EFAULT;
		span->first_gfn = n;
		for (j = 0; j < pages; j++) {
			u64 gpa;

			ret = hostsig_gva_to_gpa(vcpu, first + (u64)j * PAGE_SIZE,
						 &gpa);
			if (ret)
				return ret;
			if (!hostsig_gfn_plain_ram(vcpu->kvm, gpa >> PAGE_SHIFT))
				return -HOSTSIG_ENOTRAM;
			comp->gfns[n++] = gpa >> PAGE_SHIFT;
			if (!(n % HOSTSIG_COPY_BATCH))
				cond_resched();
		}
	}
	return n == comp->nr_gfns ? 0 : -HOSTSIG_EFAULT;
}

u32 hostsig_record_header_len(u32 nr_regions)
{
	return ALIGN(struct_size((struct hostsig_record *)NULL, regions,
				 nr_regions), HOSTSIG_RECORD_ALIGN);
}

/* A kernel module's init allocation (HOSTSIG_HC_INIT_DONE releases it). */
bool hostsig_span_is_init(const struct hostsig_component *comp,
			  const struct hostsig_span *span)
{
	return span->kind == HOSTSIG_REGION_IMAGE &&
	       comp->format == HOSTSIG_FMT_ELF_MODULE &&
	       span->tag >= HOSTSIG_ELF_TAG_INIT_TEXT &&
	       span->tag <= HOSTSIG_ELF_TAG_INIT_RODATA;
}

/*
 * Whether the guest frees a region once the load is over, so that only the
 * first capture (the load) can be sure to read it: the loader's file
 * buffer (FILE), a signature block it did not map (SIGNATURE), and a
 * kernel module's init allocations, which hold its full symbol table.
 */
bool hostsig_span_kept(const struct hostsig_component *comp,
		       const struct hostsig_span *span)
{
	return span->kind == HOSTSIG_REGION_FILE ||
	       span->kind == HOSTSIG_REGION_SIGNATURE ||
	       hostsig_span_is_init(comp, span);
}

/*
 * Whether a later capture carries the first capture's bytes for a kept
 * span: FILE and SIGNATURE always, init allocations once the guest
 * released them. Until then they are tracked, and read again like the
 * rest of the image, so that a write to them shows in the next capture.
 */
static bool hostsig_span_from_kept(const struct hostsig_component *comp,
				   const struct hostsig_span *span,
				   bool init_released)
{
	return hostsig_span_kept(comp, span) &&
	       (!hostsig_span_is_init(comp, span) || init_released);
}

/* Bytes of the regions of a REGISTER that hostsig_span_kept() will keep. */
u64 hostsig_args_kept_size(const struct hostsig_args *args)
{
	u64 sum = 0;
	u32 i;

	for (i = 0; i < args->block.nr_regions; i++) {
		const struct hostsig_region *r = &args->regions[i];
		bool init = r->kind == HOSTSIG_REGION_IMAGE &&
			    args->block.format == HOSTSIG_FMT_ELF_MODULE &&
			    r->tag >= HOSTSIG_ELF_TAG_INIT_TEXT &&
			    r->tag <= HOSTSIG_ELF_TAG_INIT_RODATA;

		/* Each is bounded and their sum checked at REGISTER. */
		if (r->kind == HOSTSIG_REGION_FILE ||
		    r->kind == HOSTSIG_REGION_SIGNATURE || init)
			sum += r->len;
	}
	return sum;
}

/*
 * Host memory a component of these regions holds for its life, charged to
 * its VM (vm_max_retained_mib) before anything is allocated: the kept
 * bytes, and per guest page its entry in the table of guest pages and its
 * tracked page (an upper bound: only IMAGE pages are tracked).
 */
u64 hostsig_args_retained_size(const struct hostsig_args *args)
{
	return hostsig_args_kept_size(args) +
	       (u64)args->nr_pages * (sizeof(u64) +
				      sizeof(struct hostsig_track_page) +
				      sizeof(struct hostsig_page_digest));
}

/* Bytes of the kept spans; 0 or -HOSTSIG_EFAULT if they do not add up. */
static long hostsig_kept_len(const struct hostsig_component *comp, u64 *len)
{
	u64 sum = 0;
	u32 i;

	for (i = 0; i < comp->nr_spans; i++)
		if (hostsig_span_kept(comp, &comp->spans[i]) &&
		    check_add_overflow(sum, comp->spans[i].len, &sum))
			return -HOSTSIG_EFAULT;
	/* The spans were bounded at REGISTER: never more than all of them. */
	if (sum > comp->size)
		return -HOSTSIG_EFAULT;
	*len = sum;
	return 0;
}

/*
 * The first capture (the load) keeps the bytes of the kept spans from its
 * record, for the later ones. 0, or -HOSTSIG_ENOMEM / -HOSTSIG_EFAULT.
 */
static long hostsig_keep_regions(struct hostsig_component *comp,
				 const struct hostsig_record *rec)
{
	const u8 *base = (const u8 *)rec;
	u64 len, at = 0;
	long ret;
	u32 i;

	ret = hostsig_kept_len(comp, &len);
	if (ret || !len)
		return ret;
	comp->kept = hostsig_alloc_large(len);
	if (!comp->kept)
		return -HOSTSIG_ENOMEM;
	comp->kept_len = len;
	for (i = 0; i < comp->nr_spans; i++) {
		const struct hostsig_record_region *rr = &rec->regions[i];

		if (!hostsig_span_kept(comp, &comp->spans[i]))
			continue;
		if (rr->len != comp->spans[i].len || rr->len > len - at)
			return -HOSTSIG_EFAULT;
		memcpy(comp->kept + at, base + rr->offset, rr->len);
		at += rr->len;
	}
	return 0;
}

/* Copy one span from guest memory, page by page. */
static int hostsig_copy_span(struct kvm *kvm, struct kvm_vcpu *vcpu,
			     const struct hostsig_component *comp,
			     const struct hostsig_span *span, u8 *dst,
			     u32 *copied)
{
	const u64 *gfn = &comp->gfns[span->first_gfn];
	u64 gva = span->gva, left = span->len;

	while (left) {
		u32 in_page = offset_in_page(gva);
		u32 chunk = min_t(u64, left, PAGE_SIZE - in_page);
		u64 gpa = (*gfn << PAGE_SHIFT) + in_page;
		int err;

		if (vcpu)
			err = kvm_vcpu_read_guest(vcpu, gpa, dst, chunk);
		else
			err = kvm_read_guest(kvm, gpa, dst, chunk);
		if (err)
			return -HOSTSIG_EFAULT;
		dst += chunk;
		gva += chunk;
		left -= chunk;
		gfn++;
		if (!(++*copied % HOSTSIG_COPY_BATCH))
			cond_resched();
	}
	return 0;
}

/*
 * Fill the component's record: its region table, then the bytes of every
 * region, from guest memory by guest physical page, except those of the
 * kept spans the guest may have freed since the first capture kept them
 * (hostsig_keep_regions(), hostsig_span_from_kept(); @init_released: as
 * the caller found it before the copy).
 * The caller holds kvm->srcu and runs in the VMM's address space (a vCPU
 * thread, or a worker that borrowed it). With a vCPU, its view of memory
 * (SMM or not) is used. Returns 0 or -HOSTSIG_EFAULT if a page has left
 * guest memory.
 */
static int hostsig_copy_pages(struct kvm *kvm, struct kvm_vcpu *vcpu,
			      const struct hostsig_component *comp,
			      struct hostsig_record *rec, bool init_released)
{
	u64 offset = hostsig_record_header_len(comp->nr_spans);
	u8 *base = (u8 *)rec;
	u32 i, copied = 0;
	u64 kept_at = 0;
	int err;

	rec->header_len = offset;
	rec->nr_regions = comp->nr_spans;
	rec->data_len = comp->size;
	for (i = 0; i < comp->nr_spans; i++) {
		const struct hostsig_span *span = &comp->spans[i];
		struct hostsig_record_region *rr = &rec->regions[i];

		rr->kind = span->kind;
		rr->tag = span->tag;
		rr->gva = span->gva;
		rr->len = span->len;
		rr->offset = offset;
		if (comp->kept && hostsig_span_from_kept(comp, span, init_released)) {
			/* Checked against kept_len before a byte is copied. */
			if (span->len > comp->kept_len - kept_at)
				return -HOSTSIG_EFAULT;
			memcpy(base + offset, comp->kept + kept_at, span->len);
		} else {
			err = hostsig_copy_span(kvm, vcpu, comp, span,
						base + offset, &copied);
			if (err)
				return err;
		}
		if (hostsig_span_kept(comp, span))
			kept_at += span->len;
		offset += span->len;
	}
	return 0;
}

/*
 * The guest released the component's init allocations while a capture
 * read them (HOSTSIG_HC_INIT_DONE came after hostsig_copy_pages() began):
 * what was read there may already be freed memory, so put the kept bytes
 * in their place. A release after this call came after the copy, from
 * memory the guest had not freed yet.
 */
static void hostsig_copy_kept_init(const struct hostsig_component *comp,
				   struct hostsig_record *rec)
{
	u64 kept_at = 0;
	u32 i;

	for (i = 0; comp->kept && i < comp->nr_spans; i++) {
		const struct hostsig_span *span = &comp->spans[i];

		if (!hostsig_span_kept(comp, span))
			continue;
		if (hostsig_span_is_init(comp, span) &&
		    span->len <= comp->kept_len - kept_at)
			memcpy((u8 *)rec + rec->regions[i].offset,
			       comp->kept + kept_at, span->len);
		kept_at += span->len;
	}
}

/* ---- captures into the ring ------------------------------------------------------ */

static long hostsig_ring_error(int err, struct hostsig_component *comp)
{
	switch (err) {
	case -EAGAIN:
		hostsig_count(HOSTSIG_A_STATS_REFUSED_RING_FULL);
		hostsig_comp_notify(comp, HOSTSIG_EVENT_RING_FULL);
		return -HOSTSIG_EAGAIN;
	case -E2BIG:
		return -HOSTSIG_E2BIG;
	default:
		return -HOSTSIG_ENOMEM;
	}
}

static void hostsig_fill_record(struct hostsig_record *rec,
				const struct hostsig_component *comp)
{
	rec->component_id = comp->id;
	rec->vm_id = comp->vm->id;
	rec->vmm_pid = comp->vm->vmm_pid;
	rec->vcpu_id = comp->vcpu_id;
	rec->format = comp->format;
	rec->load_base = comp->load_base;
	rec->image_base = comp->image_base;
	rec->arg_flags = comp->arg_flags;
	memcpy(rec->name, comp->name, sizeof(rec->name));
}

/*
 * The copy is in the record: the component waits for it from now on. At
 * REGISTER (first) it also becomes visible. Returns the record it no
 * longer waits for (to discard), or 0. Called with hostsig_table_lock and
 * the VM's lock held.
 */
static u64 hostsig_commit_locked(struct hostsig_component *comp,
				 const struct hostsig_ring_slot *slot, u64 seq,
				 bool first, u8 **image)
{
	struct hostsig_vm *vm = comp->vm;
	u64 old_record = 0;
	u8 *old_image;

	/* What the verdict on this record will have been taken on (scrub.c). */
	old_image = hostsig_scrub_image_take_locked(comp);
	comp->scrub_image = *image;
	*image = old_image;
	comp->scrub_record = slot->record_id;
	comp->scrub_image_seq = seq;

	if (first) {
		hostsig_comp_publish_locked(comp);
		vm->registered++;
		comp->registered_ns = ktime_get_real_ns();
		comp->first_record_id = slot->record_id;
	} else {
		if (comp->load_verified)
			slot->rec->arg_flags |= HOSTSIG_REC_F_LOAD_VERIFIED;
		if (comp->record_id && !comp->answered)
			old_record = comp->record_id;
		if (!comp->pending_charged) {
			vm->pending_bytes += comp->size;
			comp->pending_charged = true;
		}
	}
	/* A modified component stays so until the new record's verdict. */
	if (comp->state != HOSTSIG_STATE_MODIFIED)
		comp->state = HOSTSIG_STATE_PENDING;
	comp->record_id = slot->record_id;
	comp->record_seq = seq;
	comp->answered = false;
	comp->verifications++;
	comp->pending_since = ktime_get_boottime_ns();
	if (comp->dirty) {
		/*
		 * Written to while we copied it for the first time: this copy
		 * proves nothing (its verdict will be refused, tamper_seq) and
		 * no verifier judged the component yet, so it is no tamper
		 * either: capture it again (hostsig_unjudged_write_locked()).
		 */
		comp->dirty = false;
		hostsig_queue_recapture_locked(comp);
	}
	return old_record;
}

/*
 * A capture after the first waits for a verdict like a REGISTER: its bytes
 * count in the VM's pending quota from before the ring is reserved, unless
 * the component waits for a verdict already (and is charged for it).
 * 0, or -HOSTSIG_EQUOTA if they do not fit.
 */
static long hostsig_charge_recapture(struct hostsig_component *comp,
				     bool *charged, u64 *record)
{
	u64 limit = (u64)READ_ONCE(hostsig_vm_max_pending_mib) << 20;
	struct hostsig_vm *vm = comp->vm;
	long ret = 0;

	spin_lock(&vm->lock);
	*record = comp->record_id;
	if (!comp->pending_charged) {
		if (vm->pending_bytes + comp->size > limit) {
			ret = -HOSTSIG_EQUOTA;
		} else {
			vm->pending_bytes += comp->size;
			comp->pending_charged = true;
			*charged = true;
		}
	}
	spin_unlock(&vm->lock);
	if (ret)
		hostsig_count(HOSTSIG_A_STATS_REFUSED_QUOTA);
	return ret;
}

/*
 * The capture failed: what hostsig_charge_recapture() charged goes back,
 * unless the component waits for another record meanwhile (a capture that
 * ran at the same time and committed keeps the charge).
 */
static void hostsig_uncharge_recapture(struct hostsig_component *comp,
				       bool charged, u64 record)
{
	if (!charged)
		return;
	spin_lock(&comp->vm->lock);
	if (comp->record_id == record)
		hostsig_uncharge_locked(comp);
	spin_unlock(&comp->vm->lock);
}

/*
 * Capture the component into a new ring record and make it wait for that
 * record's verdict. At REGISTER (first) the component also enters the
 * table, and keeps the bytes of the regions the guest frees after the
 * load (hostsig_keep_regions()). The component becomes PENDING before the
 * record is committed, so that a verdict can never arrive for a record the
 * component does not know.
 */
long hostsig_capture(struct kvm *kvm, struct kvm_vcpu *vcpu,
		     struct hostsig_component *comp, bool first)
{
	struct hostsig_vm *vm = comp->vm;
	struct hostsig_ring_slot slot;
	bool released, released_now, gone;
	bool charged = false;
	u64 old_record, seq, record = 0;
	u8 *image = NULL;
	long ret;
	int err;

	/* REGISTER charged the first capture (hypercall.c). */
	if (!first) {
		ret = hostsig_charge_recapture(comp, &charged, &record);
		if (ret)
			return ret;
	}
	err = hostsig_ring_reserve(hostsig_record_header_len(comp->nr_spans) +
				   comp->size, comp->id, vm->id, &slot);
	if (err) {
		hostsig_uncharge_recapture(comp, charged, record);
		return hostsig_ring_error(err, comp);
	}
	hostsig_fill_record(slot.rec, comp);
	/* Writes from here on are not in this copy. */
	spin_lock(&vm->lock);
	seq = comp->write_seq;
	released = comp->init_released;
	spin_unlock(&vm->lock);
	ret = hostsig_copy_pages(kvm, vcpu, comp, slot.rec, released);
	if (!ret && first)
		ret = hostsig_keep_regions(comp, slot.rec);
	spin_lock(&vm->lock);
	released_now = comp->init_released;
	spin_unlock(&vm->lock);
	if (!ret && released_now != released)
		hostsig_copy_kept_init(comp, slot.rec);
	if (!ret) {
		image = hostsig_scrub_image_new(comp, slot.rec);
		if (!image)
			ret = -HOSTSIG_ENOMEM;
	}
	if (ret) {
		hostsig_ring_abort(&slot);
		hostsig_uncharge_recapture(comp, charged, record);
		return ret;
	}

	spin_lock(&hostsig_table_lock);
	spin_lock(&vm->lock);
	/* Unregistered, or its VM left, while we copied. */
	gone = !first && comp->state == HOSTSIG_STATE_UNLOADED;
	if (!gone)
		old_record = hostsig_commit_locked(comp, &slot, seq, first,
						   &image);
	spin_unlock(&vm->lock);
	spin_unlock(&hostsig_table_lock);
	/* The previous capture's copy, or this one's if it is not needed. */
	hostsig_scrub_image_free(comp, image);
	if (gone) {
		hostsig_ring_abort(&slot);
		hostsig_uncharge_recapture(comp, charged, record);
		return -HOSTSIG_ENOENT;
	}
	hostsig_ring_commit(&slot);
	if (old_record)
		hostsig_ring_discard(old_record);
	hostsig_comp_notify(comp, first ? HOSTSIG_EVENT_REGISTERED :
				    HOSTSIG_EVENT_REVERIFY);
	return 0;
}

/*
 * Capture a registered component again, from a worker: guest memory is
 * read through the VMM's address space, which a kthread may borrow and a
 * netlink caller may not. The caller holds a reference on the VM.
 */
long hostsig_recapture(struct kvm *kvm, struct hostsig_component *comp)
{
	long ret = -HOSTSIG_EFAULT;
	int idx;

	if (mmget_not_zero(kvm->mm)) {
		kthread_use_mm(kvm->mm);
		idx = srcu_read_lock(&kvm->srcu);
		ret = hostsig_capture(kvm, NULL, comp, false);
		srcu_read_unlock(&kvm->srcu, idx);
		kthread_unuse_mm(kvm->mm);
		mmput(kvm->mm);
	}
	return ret;
}
