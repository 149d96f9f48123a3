// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A daemon's manners: detaching (the starting process exits only once the
 * daemon is ready, with its status), the pid file, and systemd's readiness
 * protocol (sd_notify(3), written out: a datagram to $NOTIFY_SOCKET).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hostsigd.h"

/* Detached: the pipe on which the waiting parent hears "ready". */
static int ready_fd = -1;

int hsd_service_detach(void)
{
	int pipe_fds[2];
	char status = 0;
	pid_t pid;

	if (pipe2(pipe_fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(pipe_fds[1]);
		/* Nothing (the daemon died) or 'R'. */
		while (read(pipe_fds[0], &status, 1) < 0 && errno == EINTR)
			;
		_exit(status == 'R' ? 0 : 1);
	}
	close(pipe_fds[0]);
	ready_fd = pipe_fds[1];
	if (setsid() < 0 || chdir("/"))
		return -1;
	return 0;
}

static int write_pid_file(const char *path)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void std_fds_to_null(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i <= 2; i++)
		if (i != fd)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

void hsd_service_ready(const char *pid_file)
{
	if (pid_file && write_pid_file(pid_file))
		hsd_log(LOG_ERR, "pid file %s: %s", pid_file, strerror(errno));
	if (ready_fd >= 0) {
		(void)!write(ready_fd, "R", 1);
		close(ready_fd);
		ready_fd = -1;
		hsd_log_to_stderr(false);
		std_fds_to_null();
	}
	hsd_service_notify("READY=1");
}

void hsd_service_failed(void)
{
	if (ready_fd >= 0)
		close(ready_fd);
	ready_fd = -1;
}

void hsd_service_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		hsd_log(LOG_DEBUG, "sd_notify: %s", strerror(errno));
	close(fd);
}

void hsd_service_cleanup(const char *pid_file)
{
	if (pid_file)
		unlink(pid_file);
}
