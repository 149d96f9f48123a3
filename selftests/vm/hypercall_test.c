// SPDX-License-Identifier: GPL-2.0
/*
 * hostsig's hypercall hook, seen from a guest: PROBE answers what the uapi
 * header declares, and every other hypercall gets exactly what KVM alone
 * would give it. hostsig.ko is loaded when this starts.
 */
#include "hostsig_test.h"

/* ---- PROBE --------------------------------------------------------------- */

static void guest_probe(void)
{
	GUEST_SYNC(kvm_hypercall(HOSTSIG_HC_PROBE, 0, 0, 0, 0));
	/* Arguments are ignored. */
	GUEST_SYNC(kvm_hypercall(HOSTSIG_HC_PROBE, ~0ul, 1, 2, 3));
	GUEST_DONE();
}

TEST(probe_answers_version_and_features)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t ret;
	int i;

	ASSERT_EQ(0, hostsig_module_ensure_loaded());
	vm = vm_create_with_one_vcpu(&vcpu, guest_probe);
	for (i = 0; i < 2; i++) {
		ret = hostsig_next_sync(vcpu);
		TH_LOG("PROBE #%d returned %#lx", i, ret);
		ASSERT_TRUE(hostsig_probe_valid(ret));
		ASSERT_EQ(HOSTSIG_ABI_VERSION, HOSTSIG_PROBE_VERSION(ret));
		ASSERT_EQ(HOSTSIG_F_ALL, HOSTSIG_PROBE_FEATURES(ret));
		ASSERT_EQ(HOSTSIG_PROBE_ANSWER(HOSTSIG_ABI_VERSION,
					       HOSTSIG_F_ALL), ret);
	}
	hostsig_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* ---- numbers that are nobody's ------------------------------------------- */

static const uint64_t unknown_numbers[] = {
	0x12345678,			/* nobody's */
	HOSTSIG_HC_BASE,		/* the unused base of our block */
	HOSTSIG_HC_LAST + 1,		/* just past our block */
	HOSTSIG_HC_BASE + 0xffff,	/* the end of our block */
	/* Ours in the low 32 bits only: 64-bit numbers are not truncated. */
	(1ull << 32) | HOSTSIG_HC_PROBE,
	0xffffffffffffffffull,
	KVM_HC_MMU_OP,			/* KVM's, long retired */
};

static void guest_unknown(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown_numbers); i++)
		GUEST_SYNC(kvm_hypercall(unknown_numbers[i], 0, 0, 0, 0));
	GUEST_DONE();
}

TEST(unknown_numbers_get_enosys)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned int i;
	uint64_t ret;

	ASSERT_EQ(0, hostsig_module_ensure_loaded());
	vm = vm_create_with_one_vcpu(&vcpu, guest_unknown);
	for (i = 0; i < ARRAY_SIZE(unknown_numbers); i++) {
		ret = hostsig_next_sync(vcpu);
		TH_LOG("hypercall %#lx returned %#lx", unknown_numbers[i], ret);
		ASSERT_EQ((uint64_t)-KVM_ENOSYS, ret);
	}
	hostsig_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* ---- CPL 3 ---------------------------------------------------------------- */

static void guest_user(void)
{
	GUEST_SYNC(hostsig_native_hypercall(HOSTSIG_HC_PROBE, 0, 0, 0, 0));
	GUEST_SYNC(hostsig_native_hypercall(KVM_HC_VAPIC_POLL_IRQ, 0, 0, 0, 0));
	GUEST_SYNC(hostsig_native_hypercall(0x12345678, 0, 0, 0, 0));
	GUEST_DONE();
}

/* Let CPL 3 reach every page the library mapped: set U at every level. */
static void make_user_accessible(struct kvm_vm *vm, vm_paddr_t table_gpa,
				 int level)
{
	uint64_t *table = addr_gpa2hva(vm, table_gpa);
	int i;

	for (i = 0; i < 512; i++) {
		if (!(table[i] & PTE_PRESENT_MASK))
			continue;
		table[i] |= PTE_USER_MASK;
		if (level > 1 && !(table[i] & PTE_LARGE_MASK))
			make_user_accessible(vm, PTE_GET_PFN(table[i]) * vm->page_size,
					     level - 1);
	}
}

/*
 * Start the vCPU at CPL 3. On SVM the CPL is SS.DPL; KVM_SET_SREGS loads the
 * hidden segment state as given, so no GDT entry is needed. IOPL 3 lets
 * the ucall port I/O through at CPL 3.
 */
static void enter_user_mode(struct kvm_vcpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	make_user_accessible(vcpu->vm, vcpu->vm->pgd, 4);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs.dpl = 3;
	sregs.cs.selector |= 3;
	sregs.ss.dpl = 3;
	sregs.ss.selector |= 3;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_regs_get(vcpu, &regs);
	regs.rflags |= 3ul << 12;
	vcpu_regs_set(vcpu, &regs);
}

TEST(cpl3_gets_eperm)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int i;

	ASSERT_EQ(0, hostsig_module_ensure_loaded());
	vm = vm_create_with_one_vcpu(&vcpu, guest_user);
	enter_user_mode(vcpu);
	for (i = 0; i < 3; i++)
		ASSERT_EQ((uint64_t)-KVM_EPERM, hostsig_next_sync(vcpu));
	hostsig_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* The same guest at CPL 0, so the test above cannot pass by accident. */
TEST(cpl0_control_for_cpl3)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t ret;

	ASSERT_EQ(0, hostsig_module_ensure_loaded());
	vm = vm_create_with_one_vcpu(&vcpu, guest_user);
	ret = hostsig_next_sync(vcpu);
	ASSERT_TRUE(hostsig_probe_valid(ret));
	ASSERT_EQ(0, hostsig_next_sync(vcpu));
	ASSERT_EQ((uint64_t)-KVM_ENOSYS, hostsig_next_sync(vcpu));
	hostsig_expect_done(vcpu);
	kvm_vm_free(vm);
}

/* ---- KVM's own hypercalls --------------------------------------------------- */

#define MAP_GPA		0x40000000ul
#define MAP_NPAGES	3ul
#define MAP_RET		0x5a5aul

static void guest_kvm_own(void)
{
	GUEST_SYNC(kvm_hypercall(KVM_HC_VAPIC_POLL_IRQ, 0, 0, 0, 0));
	GUEST_SYNC(kvm_hypercall(KVM_HC_SCHED_YIELD, 0, 0, 0, 0));
	/* Goes to the VMM, which answers MAP_RET. */
	GUEST_SYNC(kvm_hypercall(KVM_HC_MAP_GPA_RANGE, MAP_GPA, MAP_NPAGES, 0, 0));
	/* KVM's own argument checking: not page aligned. */
	GUEST_SYNC(kvm_hypercall(KVM_HC_MAP_GPA_RANGE, MAP_GPA + 1, 1, 0, 0));
	GUEST_DONE();
}

TEST(kvm_own_hypercalls_still_work)
{
	struct kvm_vcpu *vcpu;
	struct kvm_run *run;
	struct kvm_vm *vm;

	ASSERT_EQ(0, hostsig_module_ensure_loaded());
	vm = vm_create_with_one_vcpu(&vcpu, guest_kvm_own);
	run = vcpu->run;
	ASSERT_NE(0, kvm_check_cap(KVM_CAP_EXIT_HYPERCALL) &
		     (1 << KVM_HC_MAP_GPA_RANGE));
	vm_enable_cap(vm, KVM_CAP_EXIT_HYPERCALL, 1 << KVM_HC_MAP_GPA_RANGE);

	ASSERT_EQ(0, hostsig_next_sync(vcpu));		/* VAPIC_POLL_IRQ */
	ASSERT_EQ(0, hostsig_next_sync(vcpu));		/* SCHED_YIELD */

	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_HYPERCALL, run->exit_reason);
	ASSERT_EQ(KVM_HC_MAP_GPA_RANGE, run->hypercall.nr);
	ASSERT_EQ(MAP_GPA, run->hypercall.args[0]);
	ASSERT_EQ(MAP_NPAGES, run->hypercall.args[1]);
	run->hypercall.ret = MAP_RET;
	ASSERT_EQ(MAP_RET, hostsig_next_sync(vcpu));

	ASSERT_EQ((uint64_t)-KVM_EINVAL, hostsig_next_sync(vcpu));
	hostsig_expect_done(vcpu);
	kvm_vm_free(vm);
}

TEST_HARNESS_MAIN
