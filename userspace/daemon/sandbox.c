// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a worker gives up before it reads a byte a guest wrote.
 *
 * A worker is forked from the daemon, which holds /dev/hostsig, the netlink
 * socket and root's privileges. Before it takes its first job it keeps one
 * descriptor (its socket to the daemon), becomes an unprivileged user with
 * no supplementary groups and no capability in any set (bounding and ambient
 * included), cannot gain any back (no_new_privs), cannot be ptraced or dump
 * core, dies with the daemon, and can make only the system calls listed
 * below. The ring stays readable through the read-only mapping it inherited;
 * the trust store through the memory it inherited.
 *
 * The seccomp filter lets through what the verifier needs (memory, reading
 * and writing its socket, the clock, exiting), answers EACCES to open() so
 * that a library trying an optional file fails politely, and kills the
 * process on anything else: sockets, exec, ptrace, signals to others, file
 * system calls. Executable memory cannot be mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hostsigd.h"

#if defined(__x86_64__)
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#else
#define SANDBOX_AUDIT_ARCH	0	/* no filter: workers refuse to start */
#endif

#define SYSCALL_ARG_LO(n)	(offsetof(struct seccomp_data, args[n]))

#define ALLOW(nr)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define REFUSE(nr, err)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err))
/* nr, unless its argument arg has one of bits set (low 32 bits). */
#define ALLOW_WITHOUT(nr, arg, bits)					\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4),		\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SYSCALL_ARG_LO(arg)),	\
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (bits), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static const struct sock_filter sandbox_filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_AUDIT_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
	/* The x32 ABI's numbers: nothing of ours. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
	/* The socket to the daemon. */
	ALLOW(__NR_read),
	ALLOW(__NR_write),
	ALLOW(__NR_close),
	/* Memory, never executable. */
	ALLOW(__NR_brk),
	ALLOW_WITHOUT(__NR_mmap, 2, PROT_EXEC),
	ALLOW_WITHOUT(__NR_mprotect, 2, PROT_EXEC),
	ALLOW(__NR_munmap),
	ALLOW(__NR_mremap),
	ALLOW(__NR_madvise),
	/* Locks, the clock, randomness: OpenSSL and the C library. */
	ALLOW(__NR_futex),
	ALLOW(__NR_clock_gettime),
	ALLOW(__NR_getrandom),
	ALLOW(__NR_getpid),
	ALLOW(__NR_gettid),
	ALLOW(__NR_sched_yield),
	ALLOW(__NR_rt_sigprocmask),
	ALLOW(__NR_rt_sigreturn),
	ALLOW(__NR_restart_syscall),
	ALLOW(__NR_exit),
	ALLOW(__NR_exit_group),
	/*
	 * glibc's qsort() asks how much memory the machine has before it
	 * sorts more than 1 KiB (the ELF verifier's patch sites): it tells
	 * the worker the host's totals (memory, uptime, load), nothing more.
	 */
	ALLOW(__NR_sysinfo),
	/* Files: refused, not fatal. */
#ifdef __NR_open
	REFUSE(__NR_open, EACCES),
#endif
	REFUSE(__NR_openat, EACCES),
#ifdef __NR_openat2
	REFUSE(__NR_openat2, EACCES),
#endif
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

static int sandbox_error(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int sandbox_error(char *err, size_t err_len, const char *fmt, ...)
{
	int saved = errno;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (saved && n < err_len)
		snprintf(err + n, err_len - n, ": %s", strerror(saved));
	return -1;
}

/* keep_fd becomes HSD_WORKER_FD; 0 and 1 (and 2 unless kept) /dev/null; nothing else. */
static int sandbox_fds(const struct hsd_sandbox *sb, int keep_fd, char *err,
		       size_t err_len)
{
	int null_fd, fd;

	if (keep_fd != HSD_WORKER_FD && dup2(keep_fd, HSD_WORKER_FD) < 0)
		return sandbox_error(err, err_len, "dup2");
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0)
		return sandbox_error(err, err_len, "/dev/null");
	for (fd = 0; fd <= 2; fd++) {
		if (fd == STDERR_FILENO && sb->keep_stderr)
			continue;
		if (fd != null_fd && dup2(null_fd, fd) < 0)
			return sandbox_error(err, err_len, "dup2");
	}
	if (syscall(SYS_close_range, HSD_WORKER_FD + 1, ~0U, 0)) {
		long max = sysconf(_SC_OPEN_MAX);

		for (fd = HSD_WORKER_FD + 1; fd < max; fd++)
			close(fd);
	}
	return 0;
}

static int sandbox_limits(char *err, size_t err_len)
{
	static const struct {
		int resource;
		const char *name;
	} zero[] = {
		{ RLIMIT_CORE, "RLIMIT_CORE" },		/* guest bytes stay in memory */
		{ RLIMIT_FSIZE, "RLIMIT_FSIZE" },
		{ RLIMIT_NOFILE, "RLIMIT_NOFILE" },	/* no new descriptor at all */
	};
	const struct rlimit none = { 0, 0 };

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (setrlimit(zero[i].resource, &none))
			return sandbox_error(err, err_len, "setrlimit %s", zero[i].name);
	return 0;
}

static int caps_set_none(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

static bool caps_none(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	for (int i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return false;
	return true;
}

static int sandbox_identity(const struct hsd_sandbox *sb, char *err,
			    size_t err_len)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int cap;

	/*
	 * The bounding set needs CAP_SETPCAP to shrink; without it (a daemon
	 * started with fewer capabilities) no_new_privs and the filter still
	 * keep the worker from ever gaining one through exec.
	 */
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EPERM)
			return sandbox_error(err, err_len, "dropping capability %d", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return sandbox_error(err, err_len, "clearing ambient capabilities");
	if (setgroups(0, NULL))
		return sandbox_error(err, err_len, "setgroups (needs CAP_SETGID)");
	if (setresgid(sb->gid, sb->gid, sb->gid))
		return sandbox_error(err, err_len, "setresgid %u", (unsigned int)sb->gid);
	if (setresuid(sb->uid, sb->uid, sb->uid))
		return sandbox_error(err, err_len, "setresuid %u", (unsigned int)sb->uid);
	errno = 0;
	if (getresuid(&ruid, &euid, &suid) || getresgid(&rgid, &egid, &sgid) ||
	    ruid != sb->uid || euid != sb->uid || suid != sb->uid ||
	    rgid != sb->gid || egid != sb->gid || sgid != sb->gid ||
	    getgroups(0, NULL) != 0)
		return sandbox_error(err, err_len, "the user did not change");
	/* Changing to a non-root user cleared them; make sure. */
	if (caps_set_none() || !caps_none())
		return sandbox_error(err, err_len, "capabilities remain");
	return 0;
}

static int sandbox_filter_install(char *err, size_t err_len)
{
	struct sock_fprog prog = {
		.len = sizeof(sandbox_filter) / sizeof(sandbox_filter[0]),
		.filter = (struct sock_filter *)sandbox_filter,
	};

	errno = 0;
	if (!SANDBOX_AUDIT_ARCH)
		return sandbox_error(err, err_len, "no system call filter for this architecture");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return sandbox_error(err, err_len, "PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return sandbox_error(err, err_len, "installing the seccomp filter");
	return 0;
}

int hsd_sandbox_enter(const struct hsd_sandbox *sb, int keep_fd, char *err,
		      size_t err_len)
{
	errno = 0;
	if (sandbox_fds(sb, keep_fd, err, err_len) ||
	    sandbox_limits(err, err_len) ||
	    sandbox_identity(sb, err, err_len))
		return -1;
	/* After the user changed: a change of credentials resets both. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return sandbox_error(err, err_len, "PR_SET_DUMPABLE");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return sandbox_error(err, err_len, "PR_SET_PDEATHSIG");
	if (getppid() != sb->parent) {
		errno = 0;
		return sandbox_error(err, err_len, "the daemon went away");
	}
	return sandbox_filter_install(err, err_len);
}
