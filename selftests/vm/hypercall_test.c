// SPDX-License-Identifier: GPL-2.0
/*
 * hostsig's hypercall hook, seen from a guest: PROBE answers what the uapi
 * header declares, and every other hypercall gets exactly what KVM alone
 * would give it. hostsig.ko is loaded when this starts.
 */
#include <poll.h>
#include <signal.h>

#include "hostsig_nl.h"
#include "svm_util.h"

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

/* ---- a nested guest's hypercalls ------------------------------------------ */

/*
 * The VM runs a nested guest of its own (L2) that makes hostsig's
 * hypercalls with VMMCALL, which the VM does not intercept. Such a call is
 * L2's, never the VM's: hostsig leaves every hypercall made while the vCPU
 * is in guest mode to KVM. On SVM, KVM does not let an unintercepted
 * VMMCALL reach its hypercall handler at all (L2 gets #UD, which the VM
 * intercepts here), so what L2 sees must be exactly what it sees without
 * hostsig, and nothing may be registered.
 */
static uint64_t l2_arg_gva, l2_arg_len;

static uint64_t hs_vmmcall(uint64_t nr, uint64_t a0, uint64_t a1)
{
	uint64_t ret;

	asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(0), "S"(0)
		     : "memory");
	return ret;
}

static void l2_probe(void)
{
	hs_vmmcall(HOSTSIG_HC_PROBE, 0, 0);
	asm volatile("hlt");
}

static void l2_register(void)
{
	hs_vmmcall(HOSTSIG_HC_REGISTER, l2_arg_gva, l2_arg_len);
	asm volatile("hlt");
}

/* Run @code as L2; how it came back to us, and its RAX. */
static void l1_run_l2(struct svm_test_data *svm, void *code)
{
	unsigned long l2_stack[128];
	struct vmcb *vmcb = svm->vmcb;

	generic_svm_setup(svm, code, &l2_stack[128]);
	vmcb->control.intercept &= ~(1ull << INTERCEPT_VMMCALL);
	vmcb->control.intercept |= 1ull << INTERCEPT_HLT;
	vmcb->control.intercept_exceptions |= 1u << UD_VECTOR;
	vmcb->save.rax = 0x5a5a;
	run_guest(vmcb, svm->vmcb_gpa);
	GUEST_SYNC(vmcb->control.exit_code);
	GUEST_SYNC(vmcb->save.rax);
}

static void l1_code(struct svm_test_data *svm)
{
	GUEST_SYNC(hs_vmmcall(HOSTSIG_HC_PROBE, 0, 0));
	l1_run_l2(svm, l2_probe);
	l1_run_l2(svm, l2_register);
	GUEST_DONE();
}

#define NESTED_SYNCS	5
/* Long enough for nested SVM under an emulated CPU, short enough to wait. */
#define NESTED_TIMEOUT_MS	20000

/*
 * The VM's PROBE, then L2's exit code and RAX for PROBE and REGISTER, each
 * written to @fd as it comes.
 */
static void run_nested(int fd)
{
	static struct {
		struct hostsig_argblock b;
		struct hostsig_region r[1];
	} arg;
	uint64_t image_gva, arg_gva;
	struct kvm_vcpu *vcpu;
	vm_vaddr_t svm_gva;
	struct kvm_vm *vm;
	int i;

	vm = vm_create_with_one_vcpu(&vcpu, l1_code);
	vcpu_alloc_svm(vm, &svm_gva);
	vcpu_args_set(vcpu, 1, svm_gva);
	image_gva = vm_vaddr_alloc(vm, 4096, 0x10000000);
	memset(addr_gva2hva(vm, image_gva), 0x5a, 4096);
	arg.b.magic = HOSTSIG_ARG_MAGIC;
	arg.b.version = HOSTSIG_ARG_VERSION;
	arg.b.size = sizeof(arg);
	arg.b.format = HOSTSIG_FMT_PE;
	arg.b.nr_regions = 1;
	strcpy(arg.b.name, "nested");
	arg.r[0].kind = HOSTSIG_REGION_IMAGE;
	arg.r[0].gva = image_gva;
	arg.r[0].len = 4096;
	arg_gva = vm_vaddr_alloc(vm, 4096, 0x10000000);
	memcpy(addr_gva2hva(vm, arg_gva), &arg, sizeof(arg));
	l2_arg_gva = arg_gva;
	l2_arg_len = sizeof(arg);
	sync_global_to_guest(vm, l2_arg_gva);
	sync_global_to_guest(vm, l2_arg_len);
	for (i = 0; i < NESTED_SYNCS; i++) {
		uint64_t value = hostsig_next_sync(vcpu);

		if (write(fd, &value, sizeof(value)) != sizeof(value))
			return;
	}
	hostsig_expect_done(vcpu);
	kvm_vm_free(vm);
}

/*
 * run_nested() in a child; how many values it reported before it finished
 * or NESTED_TIMEOUT_MS passed (then it is killed): KVM 6.1 never finishes
 * an unintercepted VMMCALL of a nested guest (it re-executes it for ever),
 * with or without hostsig.
 */
static int run_nested_child(uint64_t *out)
{
	double deadline = hs_now_ns() + NESTED_TIMEOUT_MS * 1e6;
	struct pollfd pfd;
	int fds[2], n = 0;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(fds[0]);
		run_nested(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (n < NESTED_SYNCS && hs_now_ns() < deadline &&
	       poll(&pfd, 1, (deadline - hs_now_ns()) / 1e6 + 1) == 1 &&
	       read(fds[0], &out[n], sizeof(*out)) == sizeof(*out))
		n++;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fds[0]);
	return n;
}

FIXTURE(nested) {
	int unused;
};

FIXTURE_SETUP(nested)
{
}

FIXTURE_TEARDOWN(nested)
{
}

/* Nested SVM is slow under an emulated CPU: more than the default 30 s. */
TEST_F_TIMEOUT(nested, hypercalls_are_kvms, 300)
{
	uint64_t with[NESTED_SYNCS] = { 0 }, without[NESTED_SYNCS] = { 0 };
	int n_with, n_without, i;
	struct hs_attrs st;
	struct hs_nl nl;

	if (!kvm_cpu_has(X86_FEATURE_SVM))
		SKIP(return, "KVM offers no nested SVM to its guests");
	ASSERT_EQ(0, hostsig_module_reload(""));
	n_with = run_nested_child(with);
	/* Nothing was registered; the VM itself never tried. */
	ASSERT_EQ(0, hs_nl_open(&nl));
	ASSERT_EQ(0, hs_nl_get_stats(&nl, &st));
	hs_nl_close(&nl);
	EXPECT_EQ(0, st.u[HOSTSIG_A_STATS_REGISTERED]);
	EXPECT_EQ(0, st.u[HOSTSIG_A_STATS_COMPONENTS]);
	ASSERT_EQ(0, hostsig_module_unload());
	n_without = run_nested_child(without);
	ASSERT_EQ(0, hostsig_module_load());

	/* The VM's own PROBE, and L2 as far as KVM lets it come. */
	EXPECT_LE(1, n_with);
	EXPECT_TRUE(hostsig_probe_valid(with[0])) TH_LOG("the VM's PROBE: %#lx", with[0]);
	EXPECT_EQ((uint64_t)-KVM_ENOSYS, without[0]);
	EXPECT_EQ(n_without, n_with);
	for (i = 1; i < NESTED_SYNCS; i++) {
		EXPECT_EQ(without[i], with[i]) TH_LOG("L2, value %d", i);
	}
	if (n_with == NESTED_SYNCS)
		TH_LOG("L2's PROBE: exit %#lx, rax %#lx; REGISTER: exit %#lx, rax %#lx",
		       with[1], with[2], with[3], with[4]);
	else
		TH_LOG("KVM never finished L2's VMMCALL, with or without hostsig (%d/%d values)",
		       n_with, n_without);
}

TEST_HARNESS_MAIN
