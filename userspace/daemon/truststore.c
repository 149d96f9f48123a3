// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The trust store the configuration describes: a directory of trusted
 * certificates (UEFI db: any of them may anchor a signer's chain), a
 * directory of denied certificates and files of denied image digests (dbx).
 *
 * Every regular file in the directories must hold at least one certificate,
 * PEM or DER; a file that does not is an error, not something to skip: a
 * deny entry that silently does nothing is how a revoked driver gets in.
 * Sub-directories and names starting with '.' are not read.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostsigd.h"

struct trust_loader {
	const struct hsd_config *cfg;
	struct hostsig_trust *trust;
	struct hsd_trust_counts *counts;
	char *err;
	size_t err_len;
};

static int trust_error(struct trust_loader *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int trust_error(struct trust_loader *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, l->err_len, fmt, ap);
	va_end(ap);
	return -1;
}

/* The whole file, up to HSD_MAX_CERT_FILE bytes; NULL with errno. */
static void *read_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	errno = 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > HSD_MAX_CERT_FILE) {
		int err = errno;

		if (!err)
			err = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		close(fd);
		errno = err;
		return NULL;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	while (buf && done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n <= 0) {
			if (n == 0)
				errno = EIO;	/* shrank while we read it */
			free(buf);
			buf = NULL;
			break;
		}
		done += (size_t)n;
	}
	close(fd);
	*len = done;
	return buf;
}

static int skip_entry(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Each certificate file of a directory, in name order. */
static int load_cert_dir(struct trust_loader *l, const struct hsd_path *dir,
			 const char *key, bool deny)
{
	struct dirent **names;
	int n, i, ret = 0;

	n = scandir(dir->path, &names, skip_entry, alphasort);
	if (n < 0)
		return trust_error(l, "%s:%u: %s %s: %s", l->cfg->file, dir->line,
				   key, dir->path, strerror(errno));
	for (i = 0; i < n && !ret; i++) {
		char *path;
		struct stat st;
		size_t len;
		void *buf;
		int added;

		if (asprintf(&path, "%s/%s", dir->path, names[i]->d_name) < 0) {
			ret = trust_error(l, "out of memory");
			break;
		}
		if (stat(path, &st)) {
			ret = trust_error(l, "%s: %s", path, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			/* not ours to read */
		} else if (!S_ISREG(st.st_mode)) {
			ret = trust_error(l, "%s: not a regular file", path);
		} else if (!(buf = read_file(path, &len))) {
			ret = trust_error(l, "%s: %s", path, errno == EFBIG ?
					  "larger than a certificate file can be" :
					  strerror(errno));
		} else {
			added = deny ? hostsig_trust_deny_cert(l->trust, buf, len) :
				       hostsig_trust_add_cert(l->trust, buf, len);
			free(buf);
			if (added <= 0)
				ret = trust_error(l, "%s: no certificate in it (PEM or DER)",
						  path);
			else if (deny)
				l->counts->denied_certs += (unsigned int)added;
			else {
				l->counts->anchors += (unsigned int)added;
				l->counts->anchor_files++;
			}
		}
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One line of a digest file: a digest in hex, or nothing; '#' starts a comment. */
static int digest_line(struct trust_loader *l, const char *file,
		       unsigned int line_no, char *line)
{
	uint8_t digest[HOSTSIG_MAX_DIGEST_SIZE];
	char *hash = strchr(line, '#');
	size_t n = 0, len;

	if (hash)
		*hash = '\0';
	while (isspace((unsigned char)*line))
		line++;
	len = strlen(line);
	while (len && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	if (!len)
		return 0;
	if (len % 2 || len / 2 > sizeof(digest))
		goto bad;
	for (n = 0; n < len / 2; n++) {
		int hi = hex_digit((unsigned char)line[2 * n]);
		int lo = hex_digit((unsigned char)line[2 * n + 1]);

		if (hi < 0 || lo < 0)
			goto bad;
		digest[n] = (uint8_t)(hi << 4 | lo);
	}
	if (hostsig_trust_deny_digest(l->trust, digest, n) < 0)
		goto bad;
	l->counts->denied_digests++;
	return 0;
bad:
	return trust_error(l, "%s:%u: not a SHA-1, SHA-256, SHA-384 or SHA-512 digest in hex",
			   file, line_no);
}

static int load_digest_file(struct trust_loader *l, const struct hsd_path *file)
{
	unsigned int line_no = 0;
	size_t size = 0;
	char *line = NULL;
	ssize_t n;
	int ret = 0;
	FILE *f;

	f = fopen(file->path, "re");
	if (!f)
		return trust_error(l, "%s:%u: deny_digests %s: %s", l->cfg->file,
				   file->line, file->path, strerror(errno));
	while (!ret && (n = getline(&line, &size, f)) >= 0) {
		line_no++;
		if (strlen(line) != (size_t)n)
			ret = trust_error(l, "%s:%u: NUL byte in the line",
					  file->path, line_no);
		else
			ret = digest_line(l, file->path, line_no, line);
	}
	if (!ret && ferror(f))
		ret = trust_error(l, "%s: read error", file->path);
	free(line);
	fclose(f);
	return ret;
}

struct hostsig_trust *hsd_trust_load(const struct hsd_config *cfg,
				     struct hsd_trust_counts *counts,
				     char *err, size_t err_len)
{
	struct trust_loader l = {
		.cfg = cfg, .counts = counts, .err = err, .err_len = err_len,
	};

	memset(counts, 0, sizeof(*counts));
	l.trust = hostsig_trust_new();
	if (!l.trust) {
		snprintf(err, err_len, "cannot set up OpenSSL");
		return NULL;
	}
	hostsig_trust_allow_sha1(l.trust, cfg->allow_sha1);
	hostsig_trust_require_code_signing(l.trust, cfg->require_code_signing);
	if (cfg->trust_dir.path &&
	    load_cert_dir(&l, &cfg->trust_dir, "trust_dir", false))
		goto err;
	if (cfg->deny_dir.path &&
	    load_cert_dir(&l, &cfg->deny_dir, "deny_dir", true))
		goto err;
	for (unsigned int i = 0; i < cfg->nr_deny_digests; i++)
		if (load_digest_file(&l, &cfg->deny_digests[i]))
			goto err;
	if (!counts->anchors && !cfg->allow_no_trust) {
		trust_error(&l, "%s: no trust anchor (trust_dir %s): nothing could ever be authentic; set allow_no_trust_anchors = yes to run like that",
			    cfg->file, cfg->trust_dir.path ? "is empty" : "is not set");
		goto err;
	}
	return l.trust;
err:
	hostsig_trust_free(l.trust);
	return NULL;
}
