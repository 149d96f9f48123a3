// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration file: "key = value" lines, blank lines and lines
 * starting with '#'. Every mistake is refused with the file and line; a
 * daemon that guesses what its trust configuration meant is worse than one
 * that does not start. Relative paths are taken from the file's directory.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostsigd.h"

struct config_parser {
	struct hsd_config *cfg;
	const char *file;
	unsigned int line;
	char *dir;			/* for relative paths */
	char *err;
	size_t err_len;
	unsigned int seen;		/* keys set so far (bit per key) */
};

struct config_key {
	const char *name;
	int (*parse)(struct config_parser *p, const char *value);
	bool repeatable;
};

static int config_error(struct config_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int config_error(struct config_parser *p, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(p->err, p->err_len, "%s:%u: ", p->file, p->line);
	if (n >= p->err_len)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->err_len - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_bool(struct config_parser *p, const char *value, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(value, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(value, no[i])) {
			*out = false;
			return 0;
		}
	}
	return config_error(p, "\"%s\" is not yes or no", value);
}

static int parse_uint(struct config_parser *p, const char *value,
		      unsigned int min, unsigned int max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (!isdigit((unsigned char)*value) || *end || errno || v < min || v > max)
		return config_error(p, "\"%s\" is not a number from %u to %u",
				    value, min, max);
	*out = (unsigned int)v;
	return 0;
}

static int parse_path(struct config_parser *p, const char *value,
		      struct hsd_path *out)
{
	char *path;

	if (value[0] == '/') {
		path = strdup(value);
	} else if (asprintf(&path, "%s/%s", p->dir, value) < 0) {
		path = NULL;
	}
	if (!path)
		return config_error(p, "out of memory");
	free(out->path);
	out->path = path;
	out->line = p->line;
	return 0;
}

static int key_trust_dir(struct config_parser *p, const char *value)
{
	return parse_path(p, value, &p->cfg->trust_dir);
}

static int key_deny_dir(struct config_parser *p, const char *value)
{
	return parse_path(p, value, &p->cfg->deny_dir);
}

static int key_deny_digests(struct config_parser *p, const char *value)
{
	struct hsd_config *cfg = p->cfg;

	if (cfg->nr_deny_digests == HSD_MAX_DIGEST_FILES)
		return config_error(p, "more than %u deny_digests files",
				    HSD_MAX_DIGEST_FILES);
	return parse_path(p, value, &cfg->deny_digests[cfg->nr_deny_digests++]);
}

static int key_workers(struct config_parser *p, const char *value)
{
	if (!strcmp(value, "auto")) {
		p->cfg->workers = 0;
		return 0;
	}
	return parse_uint(p, value, 1, HSD_MAX_WORKERS, &p->cfg->workers);
}

static int key_user(struct config_parser *p, const char *value)
{
	char *user = strdup(value);

	if (!user)
		return config_error(p, "out of memory");
	free(p->cfg->user);
	p->cfg->user = user;
	p->cfg->user_line = p->line;
	return 0;
}

static const char *const level_names[] = {
	[LOG_ERR] = "error",
	[LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

const char *hsd_log_level_name(int level)
{
	if (level < LOG_ERR || level > LOG_DEBUG || !level_names[level])
		return "?";
	return level_names[level];
}

static int key_log_level(struct config_parser *p, const char *value)
{
	for (int level = LOG_ERR; level <= LOG_DEBUG; level++) {
		if (level_names[level] && !strcmp(value, level_names[level])) {
			p->cfg->log_level = level;
			return 0;
		}
	}
	return config_error(p, "log_level \"%s\" is not error, warning, notice, info or debug",
			    value);
}

static int key_allow_sha1(struct config_parser *p, const char *value)
{
	return parse_bool(p, value, &p->cfg->allow_sha1);
}

static int key_require_code_signing(struct config_parser *p, const char *value)
{
	return parse_bool(p, value, &p->cfg->require_code_signing);
}

static int key_allow_no_trust(struct config_parser *p, const char *value)
{
	return parse_bool(p, value, &p->cfg->allow_no_trust);
}

static int key_worker_timeout(struct config_parser *p, const char *value)
{
	return parse_uint(p, value, 1, HSD_MAX_TIMEOUT_S, &p->cfg->worker_timeout_s);
}

static const struct config_key config_keys[] = {
	{ "trust_dir", key_trust_dir, false },
	{ "deny_dir", key_deny_dir, false },
	{ "deny_digests", key_deny_digests, true },
	{ "workers", key_workers, false },
	{ "user", key_user, false },
	{ "log_level", key_log_level, false },
	{ "allow_sha1", key_allow_sha1, false },
	{ "require_code_signing", key_require_code_signing, false },
	{ "allow_no_trust_anchors", key_allow_no_trust, false },
	{ "worker_timeout", key_worker_timeout, false },
};

#define NR_CONFIG_KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int config_line(struct config_parser *p, char *line)
{
	char *key, *value, *eq;
	size_t i;

	line = trim(line);
	if (!*line || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return config_error(p, "expected \"key = value\"");
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	for (i = 0; i < NR_CONFIG_KEYS; i++)
		if (!strcmp(key, config_keys[i].name))
			break;
	if (i == NR_CONFIG_KEYS)
		return config_error(p, "unknown key \"%s\"", key);
	if (!*value)
		return config_error(p, "%s needs a value", key);
	if ((p->seen & (1u << i)) && !config_keys[i].repeatable)
		return config_error(p, "%s is set twice", key);
	p->seen |= 1u << i;
	return config_keys[i].parse(p, value);
}

/* NAME, or UID or UID:GID (no user database needed, e.g. in a static build). */
static int config_resolve_user(struct config_parser *p)
{
	struct hsd_config *cfg = p->cfg;
	unsigned long uid, gid;
	struct passwd *pw;
	char *end;

	p->line = cfg->user_line;
	if (isdigit((unsigned char)cfg->user[0])) {
		errno = 0;
		uid = strtoul(cfg->user, &end, 10);
		gid = uid;
		if (*end == ':' && isdigit((unsigned char)end[1]))
			gid = strtoul(end + 1, &end, 10);
		if (*end || errno || uid >= (uid_t)-1 || gid >= (gid_t)-1)
			return config_error(p, "user \"%s\" is not NAME, UID or UID:GID",
					    cfg->user);
		cfg->uid = (uid_t)uid;
		cfg->gid = (gid_t)gid;
	} else {
		errno = 0;
		pw = getpwnam(cfg->user);
		if (!pw)
			return config_error(p, "user \"%s\": %s", cfg->user,
					    errno ? strerror(errno) : "no such user");
		cfg->uid = pw->pw_uid;
		cfg->gid = pw->pw_gid;
	}
	/* The point of the workers' user is to have no privilege at all. */
	if (cfg->uid == 0 || cfg->gid == 0)
		return config_error(p, "user \"%s\" is root: workers must run as an unprivileged user",
				    cfg->user);
	return 0;
}

static int config_read(struct config_parser *p, FILE *f)
{
	size_t size = 0;
	char *line = NULL;
	ssize_t n;
	int ret = 0;

	while ((n = getline(&line, &size, f)) >= 0) {
		p->line++;
		if (n > HSD_MAX_CONFIG_LINE) {
			ret = config_error(p, "line longer than %u characters",
					   HSD_MAX_CONFIG_LINE);
			break;
		}
		if (strlen(line) != (size_t)n) {
			ret = config_error(p, "NUL byte in the line");
			break;
		}
		ret = config_line(p, line);
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = config_error(p, "read error");
	free(line);
	return ret;
}

int hsd_config_load(struct hsd_config *cfg, const char *file, char *err,
		    size_t err_len)
{
	struct config_parser p = {
		.cfg = cfg, .file = file, .err = err, .err_len = err_len,
	};
	char *slash;
	FILE *f;
	int ret = -1;

	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = LOG_INFO;
	cfg->worker_timeout_s = HSD_DEFAULT_TIMEOUT_S;
	cfg->file = strdup(file);
	cfg->user = strdup(HSD_DEFAULT_USER);
	p.dir = strdup(file);
	if (!cfg->file || !cfg->user || !p.dir) {
		snprintf(err, err_len, "out of memory");
		goto out;
	}
	slash = strrchr(p.dir, '/');
	if (slash)
		*(slash == p.dir ? slash + 1 : slash) = '\0';
	else
		strcpy(p.dir, ".");
	f = fopen(file, "re");
	if (!f) {
		snprintf(err, err_len, "%s: %s", file, strerror(errno));
		goto out;
	}
	ret = config_read(&p, f);
	fclose(f);
	if (!ret)
		ret = config_resolve_user(&p);
out:
	free(p.dir);
	if (ret)
		hsd_config_free(cfg);
	return ret;
}

void hsd_config_free(struct hsd_config *cfg)
{
	free(cfg->file);
	free(cfg->trust_dir.path);
	free(cfg->deny_dir.path);
	for (unsigned int i = 0; i < cfg->nr_deny_digests; i++)
		free(cfg->deny_digests[i].path);
	free(cfg->user);
	memset(cfg, 0, sizeof(*cfg));
}

unsigned int hsd_config_workers(const struct hsd_config *cfg)
{
	long cpus;

	if (cfg->workers)
		return cfg->workers;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > HSD_MAX_WORKERS ? HSD_MAX_WORKERS : (unsigned int)cpus;
}
