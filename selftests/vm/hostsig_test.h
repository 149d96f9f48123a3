/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by hostsig's VM tests: they run inside the test VM (the "host" of
 * hostsig), create their own KVM guests with the kernel's KVM selftest
 * library, and report through the kselftest harness.
 */
#ifndef HOSTSIG_TEST_H
#define HOSTSIG_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include <linux/kvm_para.h>

#include "kvm_util.h"
#include "processor.h"

/* 6.1's test_util.h has an ASSERT_EQ of its own; the harness's wins. */
#ifndef HOSTSIG_NO_HARNESS
#undef ASSERT_EQ
#include "kselftest_harness.h"
#endif

#include <linux/hostsig.h>

/* Where the test VM's /init puts the module. */
#define HOSTSIG_KO_DEFAULT "/lib/modules/hostsig.ko"

static inline const char *hostsig_ko_path(void)
{
	const char *path = getenv("HOSTSIG_KO");

	return path ? path : HOSTSIG_KO_DEFAULT;
}

/*
 * Load hostsig.ko with module parameters ("ring_size_mib=1 ..." or ""); 0 or
 * -errno.
 */
static inline int hostsig_module_load_params(const char *params)
{
	int fd = open(hostsig_ko_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/* Load hostsig.ko with its default parameters; 0 or -errno. */
static inline int hostsig_module_load(void)
{
	return hostsig_module_load_params("");
}

/* Unload hostsig.ko; 0 or -errno. */
static inline int hostsig_module_unload(void)
{
	return syscall(__NR_delete_module, "hostsig", O_NONBLOCK) ? -errno : 0;
}

static inline bool hostsig_module_loaded(void)
{
	return access("/sys/module/hostsig", F_OK) == 0;
}

/* Make sure the module is loaded, whatever an earlier test left. */
static inline int hostsig_module_ensure_loaded(void)
{
	int ret = hostsig_module_load();

	return ret == -EEXIST ? 0 : ret;
}

/*
 * Unload the module if it is loaded and load it again with these
 * parameters: a fresh module, with no component, record or VM of an
 * earlier test. 0 or -errno.
 */
static inline int hostsig_module_reload(const char *params)
{
	int ret = hostsig_module_unload();

	if (ret && ret != -ENOENT)
		return ret;
	return hostsig_module_load_params(params);
}

/* Read a numeric module parameter; -errno if it cannot be read. */
static inline long long hostsig_param_get(const char *name)
{
	char path[128], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/hostsig/parameters/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return strtoll(buf, NULL, 0);
}

/* Write a module parameter (the 0644 ones); 0 or -errno. */
static inline int hostsig_param_set(const char *name, long long value)
{
	char path[128], buf[32];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "/sys/module/hostsig/parameters/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lld", value);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* A line of /proc/meminfo in bytes ("SUnreclaim"), or -1. */
static inline long long hostsig_meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long long kib = -1;
	size_t n = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			kib = strtoll(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib < 0 ? -1 : kib * 1024;
}

/*
 * A hypercall with the CPU's own instruction. kvm_hypercall() always uses
 * vmcall, which KVM emulates on AMD after the #UD it raises; KVM's emulator
 * refuses it at CPL 3 with #GP before the hypercall path is reached, so
 * tests of CPL 3 callers use the native instruction.
 */
static inline uint64_t hostsig_native_hypercall(uint64_t nr, uint64_t a0,
						uint64_t a1, uint64_t a2,
						uint64_t a3)
{
	uint64_t ret;

	if (is_amd_cpu())
		asm volatile("vmmcall"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	else
		asm volatile("vmcall"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	return ret;
}

/*
 * Run the vCPU to its next ucall and return it; fail the test on a guest
 * assertion or any exit that is not a ucall.
 */
static inline uint64_t hostsig_next_ucall(struct kvm_vcpu *vcpu,
					  struct ucall *uc)
{
	vcpu_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_IO,
		    "unexpected exit reason %u (%s)", vcpu->run->exit_reason,
		    exit_reason_str(vcpu->run->exit_reason));
	switch (get_ucall(vcpu, uc)) {
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT_2(*uc, "values: %#lx, %#lx");
		break;
	case UCALL_SYNC:
	case UCALL_DONE:
		break;
	default:
		TEST_FAIL("unexpected ucall %lu", uc->cmd);
	}
	return uc->cmd;
}

/* Run to the next GUEST_SYNC(value) and return the value. */
static inline uint64_t hostsig_next_sync(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	TEST_ASSERT(hostsig_next_ucall(vcpu, &uc) == UCALL_SYNC,
		    "guest finished early");
	return uc.args[1];
}

static inline void hostsig_expect_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	TEST_ASSERT(hostsig_next_ucall(vcpu, &uc) == UCALL_DONE,
		    "guest did not finish");
}

/* ---- other identities ------------------------------------------------------ */

/* Become user and group nobody, with no capability left; 0 or -errno. */
static inline int hostsig_become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -errno;
	return 0;
}

/* Drop one capability from the effective set (staying root); 0 or -errno. */
static inline int hostsig_drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/*
 * Run @fn in a child process and collect the @n results it stores (for
 * example return codes); 0, or -1 if the child did not report them all.
 */
static inline int hostsig_in_child(void (*fn)(void *ctx, long *results),
				   void *ctx, long *results, int n)
{
	int fds[2], status;
	ssize_t got;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		long *mine = calloc(n, sizeof(*mine));

		close(fds[0]);
		fn(ctx, mine);
		if (write(fds[1], mine, n * sizeof(*mine)) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	got = read(fds[0], results, n * sizeof(*results));
	close(fds[0]);
	waitpid(pid, &status, 0);
	return got == (ssize_t)(n * sizeof(*results)) ? 0 : -1;
}

/* A kernel of the debug tier (KASAN, kmemleak...): see selftests/debug-kernel. */
static inline bool hostsig_debug_kernel(void)
{
	return access("/sys/kernel/debug/kmemleak", F_OK) == 0;
}

#endif /* HOSTSIG_TEST_H */
