/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The end-to-end tests' side of the loop: the real hostsigd verifies, the
 * test only plays the guest OS's loader and watches.
 *
 * - Images: signed PE files as the verifier's reference loader
 *   (selftests/verifier/pe-testtool) mapped them on the build machine at a
 *   guest virtual base that is not their ImageBase (relocated, imports
 *   bound, ImageBase rewritten), staged in the VM under /e2e by
 *   selftests/e2e/stage-initramfs.sh. e2e_image_place() maps the image at
 *   that base in the guest, on shuffled guest physical pages, and puts the
 *   certificate table and trailing file bytes in buffers of their own, as a
 *   loader that read the file would have them; e2e_image_register() has the
 *   guest REGISTER it as the header describes.
 * - The daemon: hostsigd started as an operator would (hostsigd -c CONF
 *   -p PIDFILE returns once it is ready), stopped with any signal.
 * - The oracle: hostsig-verify, in the same VM, on the same files.
 * - Commands (hostsigctl): run as root or as nobody, output captured.
 *
 * Everything that waits has a generous deadline, only so that a hang is
 * reported as such; nothing is judged by how long it took.
 */
#ifndef HOSTSIG_E2E_H
#define HOSTSIG_E2E_H

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "hostsig_nl.h"
#include "hostsig_e2e_json.h"

#define E2E_STAGE		"/e2e"
#define E2E_HOSTSIGD		"/bin/hostsigd"
#define E2E_HOSTSIGCTL		"/bin/hostsigctl"
#define E2E_VERIFY		"/bin/hostsig-verify"
#define E2E_SYSLOGD		"/bin/syslogd"
/* Only to report a hang instead of waiting for ever. */
#define E2E_WAIT_MS		180000
/* The workers' user: numbers, the VM has no user database. */
#define E2E_NOBODY		65534

static inline void e2e_say(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* A diagnostic line on standard output, '#'-prefixed for TAP. */
static inline void e2e_say(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* ---- files -------------------------------------------------------------- */

struct e2e_blob {
	uint8_t *p;
	size_t len;
};

static inline void e2e_blob_free(struct e2e_blob *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

static inline int e2e_read_all(FILE *f, struct e2e_blob *b)
{
	size_t cap = 1 << 16;

	b->len = 0;
	b->p = malloc(cap);
	if (!b->p)
		return -ENOMEM;
	for (;;) {
		size_t n = fread(b->p + b->len, 1, cap - b->len, f);

		b->len += n;
		if (n == 0)
			break;
		if (b->len == cap) {
			uint8_t *q = realloc(b->p, cap * 2);

			if (!q) {
				e2e_blob_free(b);
				return -ENOMEM;
			}
			b->p = q;
			cap *= 2;
		}
	}
	return ferror(f) ? -EIO : 0;
}

/* A whole file; one ending in .gz is decompressed. 0 or -errno. */
static inline int e2e_slurp(const char *path, struct e2e_blob *b)
{
	size_t n = strlen(path);
	char cmd[512];
	FILE *f;
	int ret;

	memset(b, 0, sizeof(*b));
	if (access(path, R_OK))
		return -errno;
	if (n > 3 && !strcmp(path + n - 3, ".gz")) {
		snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
		f = popen(cmd, "r");
		if (!f)
			return -errno;
		ret = e2e_read_all(f, b);
		if (pclose(f) && !ret)
			ret = -EIO;
	} else {
		f = fopen(path, "rb");
		if (!f)
			return -errno;
		ret = e2e_read_all(f, b);
		fclose(f);
	}
	if (ret)
		e2e_blob_free(b);
	return ret;
}

static inline int e2e_spill(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ret = 0;

	if (!f)
		return -errno;
	if (len && fwrite(p, 1, len, f) != len)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -EIO;
	return ret;
}

static inline int e2e_mkdirs(const char *path)
{
	char tmp[256];
	char *s;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* A "key=value" line of a pe-testtool .info file, as a number. */
static inline bool e2e_info_u64(const struct e2e_blob *info, const char *key,
				uint64_t *value)
{
	size_t klen = strlen(key);
	const char *s = (const char *)info->p, *end = s + info->len;

	while (s < end) {
		const char *nl = memchr(s, '\n', end - s);

		if (!nl)
			nl = end;
		if ((size_t)(nl - s) > klen && !memcmp(s, key, klen) && s[klen] == '=') {
			char buf[32];
			size_t n = nl - s - klen - 1;

			if (n >= sizeof(buf))
				return false;
			memcpy(buf, s + klen + 1, n);
			buf[n] = 0;
			*value = strtoull(buf, NULL, 0);
			return true;
		}
		s = nl + 1;
	}
	return false;
}

/* Whether the .info file has the line "key=value". */
static inline bool e2e_info_is(const struct e2e_blob *info, const char *key,
			       const char *value)
{
	const char *s = (const char *)info->p, *end = s + info->len;
	size_t klen = strlen(key), vlen = strlen(value);

	while (s < end) {
		const char *nl = memchr(s, '\n', end - s);

		if (!nl)
			nl = end;
		if ((size_t)(nl - s) == klen + 1 + vlen && !memcmp(s, key, klen) &&
		    s[klen] == '=' && !memcmp(s + klen + 1, value, vlen))
			return true;
		s = nl + 1;
	}
	return false;
}

/* ---- images in the guest -------------------------------------------------- */

#define E2E_REGIONS	3

struct e2e_argblock {
	struct hostsig_argblock b;
	struct hostsig_region r[E2E_REGIONS];
};

struct e2e_image {
	char name[64];
	struct e2e_blob image;	/* as the loader mapped it */
	struct e2e_blob sig;	/* the certificate table (may be empty) */
	struct e2e_blob tail;	/* file bytes after the sections (may be empty) */
	uint64_t base;		/* the guest virtual address it is loaded at */
	uint64_t image_base;	/* the file's ImageBase */
	bool uefi;		/* loaded as UEFI firmware does, else as Windows */
	uint64_t sig_gva, tail_gva, arg_gva;
	struct e2e_argblock arg;
	int64_t id;		/* REGISTER's last answer */
	unsigned int eagain;	/* REGISTERs answered -HOSTSIG_EAGAIN */
};

static inline void e2e_image_free(struct e2e_image *im)
{
	e2e_blob_free(&im->image);
	e2e_blob_free(&im->sig);
	e2e_blob_free(&im->tail);
}

/* Read DIR/NAME.{image.gz,sig,tail,info} (DIR absolute). 0 or -errno. */
static inline int e2e_image_load_from(struct e2e_image *im, const char *dir,
				      const char *name)
{
	struct e2e_blob info;
	char path[256];
	int ret;

	memset(im, 0, sizeof(*im));
	snprintf(im->name, sizeof(im->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s.info", dir, name);
	ret = e2e_slurp(path, &info);
	if (ret)
		return ret;
	if (!e2e_info_u64(&info, "base", &im->base) ||
	    !e2e_info_u64(&info, "image_base", &im->image_base))
		ret = -EINVAL;
	im->uefi = e2e_info_is(&info, "mode", "uefi");
	e2e_blob_free(&info);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s.image.gz", dir, name);
	ret = e2e_slurp(path, &im->image);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%s.sig", dir, name);
	ret = e2e_slurp(path, &im->sig);
	if (ret && ret != -ENOENT)
		return ret;
	snprintf(path, sizeof(path), "%s/%s.tail", dir, name);
	ret = e2e_slurp(path, &im->tail);
	return ret == -ENOENT ? 0 : ret;
}

/* The same from the staged tree: DIR is "load" or "many". */
static inline int e2e_image_load(struct e2e_image *im, const char *dir,
				 const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), E2E_STAGE "/%s", dir);
	return e2e_image_load_from(im, path, name);
}

/* A copy of @src's bytes and facts, to be placed and registered on its own. */
static inline int e2e_image_copy(struct e2e_image *dst, const struct e2e_image *src)
{
	const struct e2e_blob *from[] = { &src->image, &src->sig, &src->tail };
	struct e2e_blob *to[] = { &dst->image, &dst->sig, &dst->tail };
	int i;

	memset(dst, 0, sizeof(*dst));
	memcpy(dst->name, src->name, sizeof(dst->name));
	dst->base = src->base;
	dst->image_base = src->image_base;
	dst->uefi = src->uefi;
	for (i = 0; i < 3; i++) {
		if (!from[i]->len)
			continue;
		to[i]->p = malloc(from[i]->len);
		if (!to[i]->p)
			return -ENOMEM;
		memcpy(to[i]->p, from[i]->p, from[i]->len);
		to[i]->len = from[i]->len;
	}
	return 0;
}

/* The argument block a Windows or UEFI loader's proxy would build. */
static inline void e2e_argblock_build(struct e2e_image *im)
{
	struct e2e_argblock *a = &im->arg;
	unsigned int n = 0;

	memset(a, 0, sizeof(*a));
	a->b.magic = HOSTSIG_ARG_MAGIC;
	a->b.version = HOSTSIG_ARG_VERSION;
	a->b.format = HOSTSIG_FMT_PE;
	/* Both loaders write the load address over ImageBase in the header. */
	a->b.flags = HOSTSIG_ARG_F_HEADER_REBASED;
	a->b.load_base = im->base;
	a->b.image_base = im->image_base;
	snprintf(a->b.name, sizeof(a->b.name), "%s", im->name);
	a->r[n++] = (struct hostsig_region){ HOSTSIG_REGION_IMAGE, 0, im->base,
					     im->image.len };
	if (im->sig.len)
		a->r[n++] = (struct hostsig_region){ HOSTSIG_REGION_SIGNATURE, 0,
						     im->sig_gva, im->sig.len };
	if (im->tail.len)
		a->r[n++] = (struct hostsig_region){ HOSTSIG_REGION_TAIL, 0,
						     im->tail_gva, im->tail.len };
	a->b.nr_regions = n;
	a->b.size = HOSTSIG_ARGBLOCK_SIZE(n);
}

/*
 * Lay the image out in the guest: mapped at its base on shuffled physical
 * pages, the certificate table and the tail in allocations of their own,
 * and the argument block.
 */
static inline void e2e_image_place(struct hs_guest *g, struct e2e_image *im)
{
	uint64_t npages = (im->image.len + 4095) / 4096;

	hs_map(g, im->base, npages, true, -1);
	hs_write(g, im->base, im->image.p, im->image.len);
	if (im->sig.len) {
		im->sig_gva = hs_alloc(g, im->sig.len);
		hs_write(g, im->sig_gva, im->sig.p, im->sig.len);
	}
	if (im->tail.len) {
		im->tail_gva = hs_alloc(g, im->tail.len);
		hs_write(g, im->tail_gva, im->tail.p, im->tail.len);
	}
	e2e_argblock_build(im);
	im->arg_gva = hs_alloc(g, im->arg.b.size);
	hs_write(g, im->arg_gva, &im->arg, im->arg.b.size);
}

/* The guest calls REGISTER once; its answer. */
static inline int64_t e2e_image_register(struct hs_guest *g, struct e2e_image *im)
{
	im->id = hs_register(g, im->arg_gva, im->arg.b.size);
	return im->id;
}

/*
 * REGISTER as a guest proxy does: retry while the host says the condition
 * is passing (its ring is full), counting the retries; the last answer.
 */
static inline int64_t e2e_image_register_retry(struct hs_guest *g,
					       struct e2e_image *im)
{
	double deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;

	for (;;) {
		e2e_image_register(g, im);
		if (im->id != -HOSTSIG_EAGAIN || hs_now_ns() > deadline)
			return im->id;
		im->eagain++;
		usleep(2000);
	}
}

/*
 * Poll QUERY until the decision is not PENDING (or the deadline): the last
 * answer, which may be negative.
 */
static inline int64_t e2e_wait_decided(struct hs_guest *g, uint64_t id)
{
	double deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;
	int64_t q;

	for (;;) {
		q = hs_query(g, id);
		if (q < 0 || HOSTSIG_QUERY_DECISION(q) != HOSTSIG_DECISION_PENDING ||
		    hs_now_ns() > deadline)
			return q;
		usleep(10000);
	}
}

/* The component's attributes, polled until @state (or the deadline). */
static inline int e2e_wait_state(struct hs_nl *nl, uint64_t id, uint32_t state,
				 struct hs_attrs *comp)
{
	double deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;
	int ret;

	for (;;) {
		ret = hs_nl_get_comp(nl, id, comp);
		if (ret || comp->bad[0] || comp->u[HOSTSIG_A_COMP_STATE] == state ||
		    hs_now_ns() > deadline)
			return ret;
		usleep(10000);
	}
}

/* The state a verdict leads to. */
static inline uint32_t e2e_state_of(uint32_t verdict)
{
	switch (verdict) {
	case HOSTSIG_VERDICT_AUTHENTIC:
		return HOSTSIG_STATE_AUTHENTIC;
	case HOSTSIG_VERDICT_NOT_AUTHENTIC:
		return HOSTSIG_STATE_NOT_AUTHENTIC;
	default:
		return HOSTSIG_STATE_UNKNOWN;
	}
}

/* ---- PE facts the tests need (headers of the mapped image) ----------------- */

struct e2e_section {
	char name[9];
	uint32_t rva, vsize, characteristics;
};

#define E2E_SCN_MEM_EXECUTE	0x20000000u
#define E2E_SCN_MEM_WRITE	0x80000000u

static inline uint32_t e2e_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The section table of a mapped image; how many sections, or -1. */
static inline int e2e_pe_sections(const struct e2e_blob *img,
				  struct e2e_section *out, int max,
				  uint32_t *section_align)
{
	uint32_t pe, opt, nr, opt_size, i;

	if (img->len < 0x40)
		return -1;
	pe = e2e_le32(img->p + 0x3c);
	if (pe > img->len - 24 || memcmp(img->p + pe, "PE\0\0", 4))
		return -1;
	nr = img->p[pe + 6] | img->p[pe + 7] << 8;
	opt_size = img->p[pe + 20] | img->p[pe + 21] << 8;
	opt = pe + 24;
	if (opt + 36 > img->len || opt + opt_size + 40ull * nr > img->len)
		return -1;
	*section_align = e2e_le32(img->p + opt + 32);
	for (i = 0; i < nr && (int)i < max; i++) {
		const uint8_t *s = img->p + opt + opt_size + 40 * i;

		memcpy(out[i].name, s, 8);
		out[i].name[8] = 0;
		out[i].vsize = e2e_le32(s + 8);
		out[i].rva = e2e_le32(s + 12);
		out[i].characteristics = e2e_le32(s + 36);
	}
	return i;
}

/* The first section with all of @want and none of @not; NULL if none. */
static inline const struct e2e_section *
e2e_pe_find(const struct e2e_section *s, int n, uint32_t want, uint32_t not)
{
	int i;

	for (i = 0; i < n; i++)
		if ((s[i].characteristics & want) == want &&
		    !(s[i].characteristics & not) && s[i].vsize)
			return &s[i];
	return NULL;
}

/*
 * The guest virtual address @offset bytes into the image's first section
 * with all of @want and none of @not; 0 if there is none.
 */
static inline uint64_t e2e_section_gva(const struct e2e_image *im, uint32_t want,
				       uint32_t not, uint32_t offset)
{
	struct e2e_section s[64];
	const struct e2e_section *sec;
	uint32_t align;
	int n;

	n = e2e_pe_sections(&im->image, s, 64, &align);
	sec = e2e_pe_find(s, n, want, not);
	if (!sec || offset >= sec->vsize)
		return 0;
	return im->base + sec->rva + offset;
}

/* An address in the image's code (executable, not writable). */
static inline uint64_t e2e_code_gva(const struct e2e_image *im)
{
	return e2e_section_gva(im, E2E_SCN_MEM_EXECUTE, E2E_SCN_MEM_WRITE, 64);
}

/* ---- running programs ------------------------------------------------------- */

struct e2e_cmd {
	int status;		/* exit status, or 128 + the signal */
	struct e2e_blob out, err;
};

static inline void e2e_cmd_free(struct e2e_cmd *c)
{
	e2e_blob_free(&c->out);
	e2e_blob_free(&c->err);
}

/* Standard output as a C string (NUL-terminated copy kept in the blob). */
static inline const char *e2e_cmd_text(struct e2e_blob *b)
{
	uint8_t *q = realloc(b->p, b->len + 1);

	if (!q)
		return "";
	b->p = q;
	b->p[b->len] = 0;
	return (const char *)b->p;
}

/*
 * Run argv (a NULL-terminated list) and wait for it; as user and group
 * nobody with @as_nobody. Output goes through files in /tmp, so a chatty
 * program can never block on a pipe. 0, or -errno if it could not run.
 */
static inline int e2e_run(struct e2e_cmd *c, bool as_nobody, char *const argv[])
{
	static unsigned int seq;
	char out[64], err[64];
	FILE *f;
	pid_t pid;
	int st;

	memset(c, 0, sizeof(*c));
	snprintf(out, sizeof(out), "/tmp/e2e-cmd.%d.%u.out", getpid(), seq);
	snprintf(err, sizeof(err), "/tmp/e2e-cmd.%d.%u.err", getpid(), seq++);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (!freopen(out, "w", stdout) || !freopen(err, "w", stderr))
			_exit(126);
		if (as_nobody && hostsig_become_nobody())
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -errno;
	c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	f = fopen(out, "rb");
	if (f) {
		e2e_read_all(f, &c->out);
		fclose(f);
	}
	f = fopen(err, "rb");
	if (f) {
		e2e_read_all(f, &c->err);
		fclose(f);
	}
	unlink(out);
	unlink(err);
	e2e_cmd_text(&c->out);
	e2e_cmd_text(&c->err);
	return 0;
}

/* Whether a process exists and is not a zombie. */
static inline bool e2e_alive(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool alive = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		alive = p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	}
	fclose(f);
	return alive;
}

/* Wait until @pid is gone; reap it when it is our child. */
static inline bool e2e_wait_gone(pid_t pid, bool child)
{
	double deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;

	while (hs_now_ns() < deadline) {
		if (child && waitpid(pid, NULL, WNOHANG) == pid)
			return true;
		if (!child && !e2e_alive(pid))
			return true;
		usleep(10000);
	}
	return false;
}

/* ---- hostsigctl watch ----------------------------------------------------------- */

/*
 * Whether a generic netlink socket of @pid has joined a multicast group.
 * libnl numbers a process's sockets pid + (n << 22).
 */
static inline bool e2e_subscribed(pid_t pid)
{
	FILE *f = fopen("/proc/net/netlink", "r");
	char line[256];
	bool yes = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned int proto, groups;
		int port;

		if (sscanf(line, "%*s %u %d %x", &proto, &port, &groups) == 3 &&
		    proto == 16 && (port & 0x3fffff) == pid && groups)
			yes = true;
	}
	fclose(f);
	return yes;
}

/*
 * Start hostsigctl [--json] watch with its output in @file (errors in
 * @file.err) and wait until it listens; its pid.
 */
static inline pid_t e2e_watch_start(bool json, const char *file)
{
	double deadline = hs_now_ns() + 30e9;
	char err[160];
	pid_t pid;

	snprintf(err, sizeof(err), "%s.err", file);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (!freopen(file, "w", stdout) || !freopen(err, "w", stderr))
			_exit(126);
		if (json)
			execl(E2E_HOSTSIGCTL, "hostsigctl", "--json", "watch", (char *)NULL);
		else
			execl(E2E_HOSTSIGCTL, "hostsigctl", "watch", (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && !e2e_subscribed(pid) && hs_now_ns() < deadline)
		usleep(5000);
	return pid;
}

/* ---- syslog ----------------------------------------------------------------- */

/*
 * busybox's syslogd writing to @file, so that the daemon's key=value lines
 * can be read back. Its pid, or -1.
 */
static inline pid_t e2e_syslogd_start(const char *file)
{
	double deadline = hs_now_ns() + 10e9;
	struct stat st;
	pid_t pid;

	unlink("/dev/log");
	unlink(file);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(E2E_SYSLOGD, "syslogd", "-n", "-O", file, (char *)NULL);
		_exit(127);
	}
	while (stat("/dev/log", &st) && hs_now_ns() < deadline)
		usleep(5000);
	return pid;
}

static inline void e2e_syslogd_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	e2e_wait_gone(pid, true);
}

/* Lines of @file that contain every one of @needles (NULL-terminated). */
static inline int e2e_log_count(const char *file, const char *const needles[])
{
	char line[4096];
	FILE *f = fopen(file, "r");
	int n = 0, i;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; needles[i]; i++)
			if (!strstr(line, needles[i]))
				break;
		if (!needles[i])
			n++;
	}
	fclose(f);
	return n;
}

/* Wait until @file has a line with every needle; the count of those lines. */
static inline int e2e_log_wait(const char *file, const char *const needles[])
{
	double deadline = hs_now_ns() + 30e9;
	int n;

	while (!(n = e2e_log_count(file, needles)) && hs_now_ns() < deadline)
		usleep(20000);
	return n;
}

/* ---- hostsigd ----------------------------------------------------------------- */

struct e2e_daemon {
	char dir[96];		/* its configuration, pid file and log */
	char conf[128];
	char pidfile[128];
	char log[128];
	pid_t pid;
	pid_t syslogd;
};

/*
 * Write a configuration in @dir: the staged trust store (or @trust_dir),
 * @workers verifying processes as nobody, @extra lines appended. Starts a
 * syslogd for the daemon's log. 0 or -errno.
 */
static inline int e2e_daemon_init(struct e2e_daemon *d, const char *dir,
				  unsigned int workers, const char *trust_dir,
				  const char *extra)
{
	char path[160];
	FILE *f;
	int ret;

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	snprintf(d->conf, sizeof(d->conf), "%s/hostsigd.conf", dir);
	snprintf(d->pidfile, sizeof(d->pidfile), "%s/hostsigd.pid", dir);
	snprintf(d->log, sizeof(d->log), "%s/messages", dir);
	ret = e2e_mkdirs(dir);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/deny.d", dir);
	ret = e2e_mkdirs(path);
	if (ret)
		return ret;
	f = fopen(d->conf, "w");
	if (!f)
		return -errno;
	fprintf(f, "trust_dir = %s\n", trust_dir ? trust_dir : E2E_STAGE "/trust");
	fprintf(f, "deny_dir = %s\n", path);
	fprintf(f, "workers = %u\n", workers);
	fprintf(f, "user = %d:%d\n", E2E_NOBODY, E2E_NOBODY);
	fprintf(f, "worker_timeout = 600\n");
	fprintf(f, "log_level = info\n");
	if (extra)
		fputs(extra, f);
	if (fclose(f))
		return -EIO;
	d->syslogd = e2e_syslogd_start(d->log);
	return d->syslogd > 0 ? 0 : -ECHILD;
}

/*
 * Start hostsigd as an operator does: "hostsigd -c CONF -p PIDFILE"
 * returns once the daemon is ready. 0, or the command's exit status (its
 * complaint on our standard output).
 */
static inline int e2e_daemon_start(struct e2e_daemon *d)
{
	char *argv[] = { E2E_HOSTSIGD, "-c", d->conf, "-p", d->pidfile, NULL };
	struct e2e_blob pid;
	struct e2e_cmd c;

	unlink(d->pidfile);
	if (e2e_run(&c, false, argv))
		return -1;
	if (c.status) {
		e2e_say("hostsigd exited with %d: %s", c.status, (char *)c.err.p);
		e2e_cmd_free(&c);
		return c.status;
	}
	e2e_cmd_free(&c);
	if (e2e_slurp(d->pidfile, &pid))
		return -1;
	e2e_cmd_text(&pid);
	d->pid = atoi((char *)pid.p);
	e2e_blob_free(&pid);
	return d->pid > 0 && e2e_alive(d->pid) ? 0 : -1;
}

/*
 * Stop it with @sig and wait until the ring has no consumer any more (its
 * workers, which share the mapping, die with it). 0 or -1 on a hang.
 */
static inline int e2e_daemon_stop(struct e2e_daemon *d, int sig)
{
	double deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;
	struct hs_attrs st;
	struct hs_nl nl;
	int ret = 0;

	if (d->pid <= 0)
		return 0;
	kill(d->pid, sig);
	/* A test may have stopped it (SIGSTOP) and failed before SIGCONT. */
	kill(d->pid, SIGCONT);
	if (!e2e_wait_gone(d->pid, false))
		ret = -1;
	d->pid = 0;
	if (hs_nl_open(&nl))
		return ret;
	while (!hs_nl_get_stats(&nl, &st) && st.u[HOSTSIG_A_STATS_CONSUMER_PID] &&
	       hs_now_ns() < deadline)
		usleep(10000);
	if (st.u[HOSTSIG_A_STATS_CONSUMER_PID])
		ret = -1;
	hs_nl_close(&nl);
	return ret;
}

/* Stop the daemon and its syslogd; if it had died, show what it logged. */
static inline void e2e_daemon_fini(struct e2e_daemon *d)
{
	struct e2e_blob log;

	if (d->pid > 0 && !e2e_alive(d->pid) && !e2e_slurp(d->log, &log)) {
		e2e_cmd_text(&log);
		e2e_say("hostsigd %d died before the test ended; it logged:\n%s",
			d->pid, (char *)log.p);
		e2e_blob_free(&log);
	}
	e2e_daemon_stop(d, SIGTERM);
	e2e_syslogd_stop(d->syslogd);
	d->syslogd = 0;
}

/*
 * Load the module afresh with @params. Retried for a while: the last
 * mapping of the ring may take a moment to go after a daemon died.
 */
static inline int e2e_module_reload(const char *params)
{
	double deadline = hs_now_ns() + 30e9;
	int ret;

	do {
		ret = hostsig_module_reload(params);
		if (ret != -EBUSY && ret != -EAGAIN)
			return ret;
		usleep(50000);
	} while (hs_now_ns() < deadline);
	return ret;
}

/* ---- the oracle: hostsig-verify on the same file, in this VM ---------------- */

struct e2e_offline {
	int status;			/* 0 authentic, 1 not, 2 unknown */
	char verdict[32];
	char reason[64];
	char digest_alg[16];
	uint8_t digest[HOSTSIG_DIGEST_MAX];
	int digest_len;
};

static inline int e2e_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lower-case hex into bytes; how many, or -1. */
static inline int e2e_unhex(const char *hex, uint8_t *out, int max)
{
	int n = 0;

	while (hex[0] && hex[1] && n < max) {
		int hi = e2e_hexval(hex[0]), lo = e2e_hexval(hex[1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[n++] = hi << 4 | lo;
		hex += 2;
	}
	return hex[0] ? -1 : n;
}

/* "--trust FILE" for every file of the staged trust store, into argv. */
static inline int e2e_trust_args(char **argv, int max, char paths[][128])
{
	DIR *dir = opendir(E2E_STAGE "/trust");
	struct dirent *de;
	int n = 0, k = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir)) && n + 2 <= max) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(paths[k], 128, E2E_STAGE "/trust/%.64s", de->d_name);
		argv[n++] = "--trust";
		argv[n++] = paths[k++];
	}
	closedir(dir);
	return n;
}

/* hostsig-verify --json with the staged trust store and @args. */
static inline int e2e_verify_run(const char *what, char *const args[],
				 struct e2e_offline *o)
{
	char trust_paths[8][128], err[128];
	char *argv[48] = { E2E_VERIFY, "--json" };
	struct e2e_json *j;
	struct e2e_cmd c;
	const char *s;
	int n, i;

	memset(o, 0, sizeof(*o));
	n = e2e_trust_args(argv + 2, 16, trust_paths);
	if (n < 0)
		return -1;
	for (i = 0; args[i] && 2 + n + i < 47; i++)
		argv[2 + n + i] = args[i];
	argv[2 + n + i] = NULL;
	if (e2e_run(&c, false, argv))
		return -1;
	o->status = c.status;
	j = e2e_json_parse((char *)c.out.p, c.out.len, err, sizeof(err));
	if (!j) {
		e2e_say("hostsig-verify %s: not JSON (%s): %s %s", what, err,
			(char *)c.out.p, (char *)c.err.p);
		e2e_cmd_free(&c);
		return -1;
	}
	e2e_cmd_free(&c);
	if ((s = e2e_json_str(j, "verdict")))
		snprintf(o->verdict, sizeof(o->verdict), "%s", s);
	if ((s = e2e_json_str(j, "reason")))
		snprintf(o->reason, sizeof(o->reason), "%s", s);
	if ((s = e2e_json_str(j, "digest_algorithm")))
		snprintf(o->digest_alg, sizeof(o->digest_alg), "%s", s);
	s = e2e_json_str(j, "digest");
	o->digest_len = s ? e2e_unhex(s, o->digest, sizeof(o->digest)) : -1;
	e2e_json_free(j);
	return o->verdict[0] && o->digest_len >= 0 ? 0 : -1;
}

/*
 * The oracle on the staged disk file NAME (decompressed to /tmp). 0, or
 * -1 with a message.
 */
static inline int e2e_verify_file(const char *name, struct e2e_offline *o)
{
	char src[160], file[160];
	char *args[] = { file, NULL };
	struct e2e_blob b;
	int ret;

	snprintf(src, sizeof(src), E2E_STAGE "/files/%s.gz", name);
	snprintf(file, sizeof(file), "/tmp/e2e-file-%s", name);
	if (e2e_slurp(src, &b) || e2e_spill(file, b.p, b.len)) {
		e2e_say("%s: cannot stage the file", name);
		e2e_blob_free(&b);
		return -1;
	}
	e2e_blob_free(&b);
	ret = e2e_verify_run(name, args, o);
	unlink(file);
	return ret;
}

/*
 * The oracle on exactly the bytes the guest registered: the loaded image,
 * its base and ImageBase, the certificate table and the tail.
 */
static inline int e2e_verify_loaded(const struct e2e_image *im,
				    struct e2e_offline *o)
{
	char image[96], sig[96], tail[96], base[24], image_base[24];
	char *args[16] = { "--loaded", image, "--base", base, "--image-base",
			   image_base };
	int n = 6, ret;

	snprintf(image, sizeof(image), "/tmp/e2e-loaded-%d.image", getpid());
	snprintf(sig, sizeof(sig), "/tmp/e2e-loaded-%d.sig", getpid());
	snprintf(tail, sizeof(tail), "/tmp/e2e-loaded-%d.tail", getpid());
	snprintf(base, sizeof(base), "%#lx", im->base);
	snprintf(image_base, sizeof(image_base), "%#lx", im->image_base);
	if (e2e_spill(image, im->image.p, im->image.len))
		return -1;
	if (im->sig.len) {
		if (e2e_spill(sig, im->sig.p, im->sig.len))
			return -1;
		args[n++] = "--signature";
		args[n++] = sig;
	}
	if (im->tail.len) {
		if (e2e_spill(tail, im->tail.p, im->tail.len))
			return -1;
		args[n++] = "--tail";
		args[n++] = tail;
	}
	args[n] = NULL;
	ret = e2e_verify_run(im->name, args, o);
	unlink(image);
	unlink(sig);
	unlink(tail);
	return ret;
}

/* The verdict word hostsig-verify prints for a HOSTSIG_VERDICT_*. */
static inline const char *e2e_offline_word(uint32_t verdict)
{
	switch (verdict) {
	case HOSTSIG_VERDICT_AUTHENTIC:
		return "authentic";
	case HOSTSIG_VERDICT_NOT_AUTHENTIC:
		return "not_authentic";
	default:
		return "unknown";
	}
}

/* ---- what the staged images must come out as ------------------------------------ */

/*
 * By construction (selftests/e2e/stage-initramfs.sh), not by observation,
 * and as Documentation/verifier.rst says: signed by a CA in the trust
 * store and untouched is authentic; a byte of .text flipped in the signed
 * file does not match the signature; a chain that copies the real names
 * with other keys is not trusted; no signature is unknown. An image whose
 * import descriptor was bound before signing is authentic as a file but
 * unknown once loaded: the loader may have kept or replaced the file's
 * bound addresses, which the verifier cannot tell apart.
 */
struct e2e_case {
	const char *name;
	uint32_t verdict;		/* loaded, as the guest registers it */
	const char *reason;
	uint32_t file_verdict;		/* the file on disk */
	const char *file_reason;
};

#define E2E_AUTHENTIC(name) { name, HOSTSIG_VERDICT_AUTHENTIC, "ok", \
			      HOSTSIG_VERDICT_AUTHENTIC, "ok" }
#define E2E_SAME(name, verdict, reason) { name, verdict, reason, verdict, reason }

static const struct e2e_case e2e_cases[] = {
	E2E_AUTHENTIC("dll64-rsa"),
	E2E_AUTHENTIC("dll64-ec"),
	E2E_AUTHENTIC("dll32-rsa"),
	E2E_AUTHENTIC("efi64-rsa"),
	E2E_AUTHENTIC("fbx64"),
	E2E_AUTHENTIC("mmx64"),
	E2E_SAME("dll64-tampered", HOSTSIG_VERDICT_NOT_AUTHENTIC, "digest_mismatch"),
	E2E_SAME("fbx64-tampered", HOSTSIG_VERDICT_NOT_AUTHENTIC, "digest_mismatch"),
	E2E_SAME("dll64-rogue", HOSTSIG_VERDICT_UNKNOWN, "untrusted"),
	E2E_SAME("efi64-unsigned", HOSTSIG_VERDICT_UNKNOWN, "no_signature"),
	{ "dll64-bound", HOSTSIG_VERDICT_UNKNOWN, "unsupported_image",
	  HOSTSIG_VERDICT_AUTHENTIC, "ok" },
};

#define E2E_NR_CASES	(sizeof(e2e_cases) / sizeof(e2e_cases[0]))

/* ---- events ----------------------------------------------------------------------- */

/*
 * Subscribe with a receive buffer large enough for every event of a test
 * (a lost event would fail a count, not pass one). 0 or -errno.
 */
static inline int e2e_events_open(struct hs_events *e)
{
	int ret = hs_events_open(e), size = 8 << 20;

	if (ret)
		return ret;
	setsockopt(nl_socket_get_fd(e->nl.sk), SOL_SOCKET, SO_RCVBUFFORCE,
		   &size, sizeof(size));
	return 0;
}

/*
 * The first event of this kind whose attribute @attr is @value, waiting for
 * it up to E2E_WAIT_MS; NULL if none came.
 */
static inline const struct hs_attrs *e2e_event_wait(struct hs_events *e,
						    uint32_t event, int attr,
						    uint64_t value)
{
	double deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;
	int i;

	for (;;) {
		for (i = 0; i < e->n; i++)
			if (e->ev[i].u[HOSTSIG_A_COMP_EVENT] == event &&
			    e->ev[i].u[attr] == value)
				return &e->ev[i];
		if (hs_now_ns() > deadline)
			return NULL;
		hs_events_pump(e, 100);
	}
}

/* ---- quarantine ------------------------------------------------------------------- */

/*
 * Have the guest QUERY @id over and over (after the command already in
 * hs_guest_cmd when @first_as_is) until KVM refuses to run the vCPU: its
 * errno (EIO for a VM hostsig stopped), or 0 if it kept running until the
 * deadline. The vCPU may not even get back to us from the call that
 * stopped it, so this does not go through hs_guest_call().
 */
static inline int e2e_run_until_stopped(struct hs_guest *g, uint64_t id,
					bool first_as_is)
{
	struct hs_guest_cmd *cmd = addr_gva2hva(g->vm, (vm_vaddr_t)&hs_guest_cmd);
	double deadline = hs_now_ns() + E2E_WAIT_MS * 1e6;

	while (hs_now_ns() < deadline) {
		if (!first_as_is) {
			cmd->op = HS_OP_HYPERCALL;
			cmd->arg[0] = HOSTSIG_HC_QUERY;
			cmd->arg[1] = id;
		}
		first_as_is = false;
		if (__vcpu_run(g->vcpu))
			return errno;
		cmd->op = HS_OP_HYPERCALL;
		cmd->arg[0] = HOSTSIG_HC_QUERY;
		cmd->arg[1] = id;
		usleep(5000);
	}
	return 0;
}

#endif /* HOSTSIG_E2E_H */
