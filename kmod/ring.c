// SPDX-License-Identifier: GPL-2.0
/*
 * The ring buffer that carries captured components to the verifier in
 * userspace: /dev/hostsig. The protocol is documented in
 * include/uapi/linux/hostsig.h ("The ring buffer").
 *
 * Memory: one vmap() of 1 + 2n pages,
 *
 *   [0]              struct hostsig_ring_ctrl
 *   [1, n]           the n data pages
 *   [n + 1, 2n]      the same n data pages again
 *
 * mapped the same way into the consumer with remap_vmalloc_range(). Because
 * the data pages follow themselves, a record that wraps around the end of
 * the data area is contiguous both for the kernel, which copies guest pages
 * straight into it, and for the consumer, which parses it in place.
 *
 * Only the kernel writes: the mapping is read-only, and the consumer gives
 * records back with an ioctl. The kernel keeps its own list of the records
 * between consumer and producer (struct hostsig_ring_entry) and never trusts
 * what the consumer could read back.
 *
 * Ordering: a reservation writes the record's header with
 * HOSTSIG_RECORD_BUSY before it publishes the new producer position with
 * smp_store_release(); the capture then fills the record without locks and
 * clears BUSY with smp_store_release(), so a consumer that reads the
 * position and then the flags with acquire loads never sees a record it
 * may read before its bytes. consumer_pos is published the same way after
 * the records it passes were given back.
 *
 * Sharing: every record is charged to its VM from its reservation until
 * consumer_pos passes it, so the bytes charged to all VMs add up to
 * producer_pos - consumer_pos. A record given back or discarded behind an
 * older one still occupies the ring, and stays charged: a record that timed
 * out, or that its VM discarded by unregistering, counts until its space is
 * really free. One VM may hold at most vm_ring_share_pct percent of the ring
 * (or one record of any size, so that the largest component always fits an
 * idle VM's share): a VM that floods the ring, or whose records nobody
 * consumes, runs out of its own share and leaves the rest to the others.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "hostsig.h"

struct hostsig_ring_entry {
	struct list_head node;
	u64 id;
	u64 pos;
	u64 len;
	u64 component_id;
	u64 vm_id;
	bool committed;			/* the capture finished (or gave up) */
	bool released;			/* given back, or discarded */
};

static struct hostsig_ring {
	struct hostsig_ring_ctrl *ctrl;
	u8 *data;
	void *area;
	struct page **pages;		/* ctrl, data, data again */
	unsigned long nr_data_pages;
	u64 size;

	spinlock_t lock;		/* everything below */
	struct list_head entries;	/* oldest first */
	struct xarray ids;		/* the same entries, by record id */
	struct xarray vm_bytes;		/* VM id -> bytes charged (value entries) */
	u64 producer;
	u64 consumer;
	u64 seen;			/* the consumer's HOSTSIG_IOC_SEEN */
	u64 last_id;
	struct pid *consumer_tgid;	/* the process holding the device */

	wait_queue_head_t wait;
	atomic_t opened;
} ring;

static u64 hostsig_ring_vm_bytes_locked(u64 vm_id)
{
	void *v = xa_load(&ring.vm_bytes, vm_id);

	return v ? xa_to_value(v) : 0;
}

/* Set what a VM has charged; only lowering it or storing 0 cannot fail. */
static int hostsig_ring_vm_set_locked(u64 vm_id, u64 bytes)
{
	if (!bytes) {
		xa_erase(&ring.vm_bytes, vm_id);
		return 0;
	}
	/* A record is at most U32_MAX bytes, the ring at most 1 GiB. */
	return xa_err(xa_store(&ring.vm_bytes, vm_id, xa_mk_value(bytes),
			       GFP_NOWAIT | __GFP_NOWARN));
}

static struct hostsig_record *hostsig_ring_at(u64 pos)
{
	return (struct hostsig_record *)(ring.data + (pos & (ring.size - 1)));
}

/* Pass every record at the front that was given back. */
static void hostsig_ring_advance_locked(void)
{
	struct hostsig_ring_entry *e, *tmp;

	list_for_each_entry_safe(e, tmp, &ring.entries, node) {
		if (!e->released)
			break;
		ring.consumer = e->pos + e->len;
		/* Lowering a stored value replaces it in place. */
		hostsig_ring_vm_set_locked(e->vm_id,
					   hostsig_ring_vm_bytes_locked(e->vm_id) -
					   e->len);
		list_del(&e->node);
		xa_erase(&ring.ids, e->id);
		hostsig_free(e, sizeof(*e));
	}
	if (ring.seen < ring.consumer)
		ring.seen = ring.consumer;
	/* The space is reusable only after the consumer can know it is gone. */
	smp_store_release(&ring.ctrl->consumer_pos, ring.consumer);
}

/* In time that does not grow with the records held (the VM-destroy hook). */
static struct hostsig_ring_entry *hostsig_ring_find_locked(u64 id)
{
	return xa_load(&ring.ids, id);
}

/*
 * Reserve room for a record of len bytes (rounded up to
 * HOSTSIG_RECORD_ALIGN). The record is visible to the consumer as BUSY
 * until hostsig_ring_commit() or hostsig_ring_abort().
 * Returns -E2BIG if it can never fit, -EAGAIN if it does not fit now (in
 * the ring, or in the VM's share of it).
 */
int hostsig_ring_reserve(u64 len, u64 component_id, u64 vm_id,
			 struct hostsig_ring_slot *slot)
{
	u64 share = div_u64(ring.size * READ_ONCE(hostsig_vm_ring_share_pct), 100);
	struct hostsig_ring_entry *e;
	struct hostsig_record *rec;
	u64 vm_bytes;

	len = ALIGN(len, HOSTSIG_RECORD_ALIGN);
	if (len > ring.size || len > U32_MAX)
		return -E2BIG;
	e = hostsig_alloc(sizeof(*e));
	if (!e)
		return -ENOMEM;

	spin_lock(&ring.lock);
	vm_bytes = hostsig_ring_vm_bytes_locked(vm_id);
	if (ring.producer - ring.consumer + len > ring.size ||
	    (vm_bytes && vm_bytes + len > share)) {
		spin_unlock(&ring.lock);
		hostsig_free(e, sizeof(*e));
		return -EAGAIN;
	}
	e->id = ring.last_id + 1;
	if (xa_insert(&ring.ids, e->id, e, GFP_NOWAIT | __GFP_NOWARN)) {
		spin_unlock(&ring.lock);
		hostsig_free(e, sizeof(*e));
		return -ENOMEM;
	}
	if (hostsig_ring_vm_set_locked(vm_id, vm_bytes + len)) {
		xa_erase(&ring.ids, e->id);
		spin_unlock(&ring.lock);
		hostsig_free(e, sizeof(*e));
		return -ENOMEM;
	}
	ring.last_id = e->id;
	e->vm_id = vm_id;
	e->pos = ring.producer;
	e->len = len;
	e->component_id = component_id;
	rec = hostsig_ring_at(e->pos);
	memset(rec, 0, sizeof(*rec));
	rec->len = len;
	rec->record_id = e->id;
	WRITE_ONCE(rec->flags, HOSTSIG_RECORD_BUSY);
	list_add_tail(&e->node, &ring.entries);
	ring.producer += len;
	/* Pairs with the consumer's acquire of producer_pos: BUSY is seen. */
	smp_store_release(&ring.ctrl->producer_pos, ring.producer);
	spin_unlock(&ring.lock);

	slot->rec = rec;
	slot->entry = e;
	slot->record_id = e->id;
	return 0;
}

static void hostsig_ring_finish(struct hostsig_ring_slot *slot, bool keep)
{
	struct hostsig_ring_entry *e = slot->entry;
	u32 flags = 0;

	spin_lock(&ring.lock);
	e->committed = true;
	if (!keep)
		e->released = true;
	if (e->released)
		flags = HOSTSIG_RECORD_DISCARD;
	/* Pairs with the consumer's acquire of the flags: the bytes are there. */
	smp_store_release(&slot->rec->flags, flags);
	if (e->released)
		hostsig_ring_advance_locked();
	spin_unlock(&ring.lock);

	if (flags) {
		hostsig_count(HOSTSIG_A_STATS_RECORDS_DISCARDED);
	} else {
		hostsig_count(HOSTSIG_A_STATS_RECORDS);
		hostsig_count_add(HOSTSIG_A_STATS_RECORD_BYTES, slot->rec->len);
		wake_up_interruptible(&ring.wait);
	}
}

/* The record is complete: hand it to the consumer. */
void hostsig_ring_commit(struct hostsig_ring_slot *slot)
{
	hostsig_ring_finish(slot, true);
}

/* The capture failed: the record never becomes visible as a component. */
void hostsig_ring_abort(struct hostsig_ring_slot *slot)
{
	hostsig_ring_finish(slot, false);
}

/*
 * Nobody needs this record any more (its component was unloaded, its VM
 * destroyed, or a newer capture replaced it): tell the consumer to skip it
 * and reclaim it as soon as the records before it are given back. A record
 * still being captured is discarded when its capture finishes.
 */
void hostsig_ring_discard(u64 record_id)
{
	struct hostsig_ring_entry *e;
	bool counted = false;

	spin_lock(&ring.lock);
	e = hostsig_ring_find_locked(record_id);
	if (e && !e->released) {
		e->released = true;
		if (e->committed) {
			struct hostsig_record *rec = hostsig_ring_at(e->pos);

			WRITE_ONCE(rec->flags, HOSTSIG_RECORD_DISCARD);
			hostsig_ring_advance_locked();
			counted = true;
		}
	}
	spin_unlock(&ring.lock);
	if (counted)
		hostsig_count(HOSTSIG_A_STATS_RECORDS_DISCARDED);
}

/* HOSTSIG_IOC_RELEASE: the consumer is done with a record. */
static int hostsig_ring_release_record(u64 id)
{
	struct hostsig_ring_entry *e;
	int ret = 0;

	spin_lock(&ring.lock);
	if (!id || id > ring.last_id) {
		ret = -ENOENT;
	} else {
		e = hostsig_ring_find_locked(id);
		if (!e || e->released) {
			/* Given back already, by the consumer or the kernel. */
			ret = -EALREADY;
		} else if (!e->committed) {
			ret = -EBUSY;
		} else {
			struct hostsig_record *rec = hostsig_ring_at(e->pos);

			e->released = true;
			WRITE_ONCE(rec->flags, HOSTSIG_RECORD_RELEASED);
			hostsig_ring_advance_locked();
		}
	}
	spin_unlock(&ring.lock);
	if (!ret)
		hostsig_count(HOSTSIG_A_STATS_RECORDS_RELEASED);
	return ret;
}

/* Whether the caller is the process that holds /dev/hostsig open. */
bool hostsig_ring_is_consumer(void)
{
	bool ret;

	spin_lock(&ring.lock);
	ret = ring.consumer_tgid && ring.consumer_tgid == task_tgid(current);
	spin_unlock(&ring.lock);
	return ret;
}

/* The consumer's process id in the initial namespace, 0 if none. */
u64 hostsig_ring_consumer_pid(void)
{
	u64 pid;

	spin_lock(&ring.lock);
	pid = ring.consumer_tgid ? pid_nr(ring.consumer_tgid) : 0;
	spin_unlock(&ring.lock);
	return pid;
}

u64 hostsig_ring_used(void)
{
	u64 used;

	spin_lock(&ring.lock);
	used = ring.producer - ring.consumer;
	spin_unlock(&ring.lock);
	return used;
}

/* Bytes of the ring charged to a VM now. */
u64 hostsig_ring_vm_used(u64 vm_id)
{
	u64 used;

	spin_lock(&ring.lock);
	used = hostsig_ring_vm_bytes_locked(vm_id);
	spin_unlock(&ring.lock);
	return used;
}

u64 hostsig_ring_size(void)
{
	return ring.size;
}

u64 hostsig_ring_max_record(void)
{
	return ring.size;
}

/* ---- /dev/hostsig --------------------------------------------------------- */

static int hostsig_dev_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (atomic_cmpxchg(&ring.opened, 0, 1))
		return -EBUSY;
	spin_lock(&ring.lock);
	ring.consumer_tgid = get_pid(task_tgid(current));
	/* A new consumer is woken by any record it has not given back. */
	ring.seen = ring.consumer;
	spin_unlock(&ring.lock);
	return 0;
}

static int hostsig_dev_release(struct inode *inode, struct file *file)
{
	struct pid *tgid;

	/* Nothing is given back: the next consumer finds every record. */
	spin_lock(&ring.lock);
	tgid = ring.consumer_tgid;
	ring.consumer_tgid = NULL;
	spin_unlock(&ring.lock);
	put_pid(tgid);
	atomic_set(&ring.opened, 0);
	return 0;
}

static int hostsig_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	hostsig_vm_flags_clear(vma, VM_MAYWRITE);
	return remap_vmalloc_range(vma, ring.area, vma->vm_pgoff);
}

static __poll_t hostsig_dev_poll(struct file *file, poll_table *wait)
{
	struct hostsig_ring_entry *e;
	__poll_t mask = 0;

	poll_wait(file, &ring.wait, wait);
	spin_lock(&ring.lock);
	list_for_each_entry(e, &ring.entries, node) {
		if (e->pos >= ring.seen && e->committed && !e->released) {
			mask = EPOLLIN | EPOLLRDNORM;
			break;
		}
	}
	spin_unlock(&ring.lock);
	return mask;
}

static long hostsig_dev_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct hostsig_ring_info info;
	u64 val;

	switch (cmd) {
	case HOSTSIG_IOC_RING_INFO:
		memset(&info, 0, sizeof(info));
		info.version = HOSTSIG_RING_VERSION;
		info.data_offset = PAGE_SIZE;
		info.data_size = ring.size;
		info.mmap_size = PAGE_SIZE + 2 * ring.size;
		info.max_record = hostsig_ring_max_record();
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	case HOSTSIG_IOC_RELEASE:
		if (copy_from_user(&val, uarg, sizeof(val)))
			return -EFAULT;
		return hostsig_ring_release_record(val);
	case HOSTSIG_IOC_SEEN:
		if (copy_from_user(&val, uarg, sizeof(val)))
			return -EFAULT;
		spin_lock(&ring.lock);
		if (val < ring.consumer || val > ring.producer) {
			spin_unlock(&ring.lock);
			return -EINVAL;
		}
		ring.seen = val;
		spin_unlock(&ring.lock);
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations hostsig_dev_fops = {
	.owner = THIS_MODULE,
	.open = hostsig_dev_open,
	.release = hostsig_dev_release,
	.mmap = hostsig_dev_mmap,
	.poll = hostsig_dev_poll,
	.unlocked_ioctl = hostsig_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice hostsig_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hostsig",
	.fops = &hostsig_dev_fops,
	.mode = 0600,
};

/* ---- setup ----------------------------------------------------------------- */

static void hostsig_ring_free_pages(unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		__free_page(ring.pages[i]);
	kvfree(ring.pages);
	ring.pages = NULL;
}

int hostsig_ring_init(void)
{
	unsigned long n, i;
	int err;

	ring.size = (u64)hostsig_ring_size_mib << 20;
	n = ring.size >> PAGE_SHIFT;
	ring.nr_data_pages = n;
	ring.pages = kvmalloc_array(1 + 2 * n, sizeof(*ring.pages), GFP_KERNEL);
	if (!ring.pages)
		return -ENOMEM;
	for (i = 0; i < 1 + n; i++) {
		/* Zeroed: the consumer must not see old kernel memory. */
		ring.pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!ring.pages[i]) {
			hostsig_ring_free_pages(i);
			return -ENOMEM;
		}
	}
	for (i = 0; i < n; i++)
		ring.pages[1 + n + i] = ring.pages[1 + i];
	ring.area = vmap(ring.pages, 1 + 2 * n, VM_MAP | VM_USERMAP, PAGE_KERNEL);
	if (!ring.area) {
		hostsig_ring_free_pages(1 + n);
		return -ENOMEM;
	}
	ring.ctrl = ring.area;
	ring.data = (u8 *)ring.area + PAGE_SIZE;
	ring.ctrl->data_size = ring.size;
	ring.ctrl->version = HOSTSIG_RING_VERSION;
	spin_lock_init(&ring.lock);
	INIT_LIST_HEAD(&ring.entries);
	xa_init(&ring.ids);
	xa_init(&ring.vm_bytes);
	init_waitqueue_head(&ring.wait);

	err = misc_register(&hostsig_dev);
	if (err) {
		vunmap(ring.area);
		hostsig_ring_free_pages(1 + n);
		return err;
	}
	return 0;
}

void hostsig_ring_exit(void)
{
	struct hostsig_ring_entry *e, *tmp;

	/* No consumer can hold the device: it pins the module. */
	misc_deregister(&hostsig_dev);
	list_for_each_entry_safe(e, tmp, &ring.entries, node) {
		list_del(&e->node);
		hostsig_free(e, sizeof(*e));
	}
	xa_destroy(&ring.ids);
	xa_destroy(&ring.vm_bytes);
	vunmap(ring.area);
	hostsig_ring_free_pages(1 + ring.nr_data_pages);
}
