// SPDX-License-Identifier: GPL-2.0
/*
 * The demo, run inside the test VM (a KVM host with hostsig.ko): a guest
 * asks the host whether hostsig is there, with the module loaded and then
 * unloaded, and says what it learned. Output is for people.
 */
#define HOSTSIG_NO_HARNESS
#include "hostsig_test.h"

static void guest_probe(void)
{
	GUEST_SYNC(kvm_hypercall(HOSTSIG_HC_PROBE, 0, 0, 0, 0));
	GUEST_DONE();
}

static void describe(const char *when, uint64_t ret)
{
	printf("  guest (%s): PROBE returned %#018lx\n", when, ret);
	if (hostsig_probe_valid(ret))
		printf("    -> hostsig is here: ABI version %u, features %#x\n",
		       HOSTSIG_PROBE_VERSION(ret), HOSTSIG_PROBE_FEATURES(ret));
	else if (ret == (uint64_t)-KVM_ENOSYS)
		printf("    -> -KVM_ENOSYS: this host does not run hostsig\n");
	else
		printf("    -> unexpected answer\n");
}

static uint64_t probe_once(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	uint64_t ret;

	vm = vm_create_with_one_vcpu(&vcpu, guest_probe);
	ret = hostsig_next_sync(vcpu);
	hostsig_expect_done(vcpu);
	kvm_vm_free(vm);
	return ret;
}

int main(void)
{
	int ok = 1;

	printf("hostsig demo: a nested KVM guest probes its host\n");
	if (hostsig_module_ensure_loaded()) {
		printf("  cannot load hostsig.ko\n");
		return 1;
	}
	printf("host: hostsig.ko loaded\n");
	ok &= hostsig_probe_valid(probe_once());
	describe("module loaded", probe_once());

	if (hostsig_module_unload()) {
		printf("  cannot unload hostsig.ko\n");
		return 1;
	}
	printf("host: hostsig.ko unloaded\n");
	ok &= probe_once() == (uint64_t)-KVM_ENOSYS;
	describe("module unloaded", probe_once());

	ok &= !hostsig_module_load();
	printf("host: hostsig.ko loaded again\n");
	describe("module reloaded", probe_once());
	printf("demo %s\n", ok ? "finished: everything behaved as expected"
			       : "FAILED: see above");
	return !ok;
}
