/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sensor_seccomp_spawn(): fork a child that loads the source's notify
 * filter and hands the listener fd back over a socketpair before it execs.
 * After fork() the child only makes async-signal-safe calls (the filter
 * was built as BPF in the parent), so a multi-threaded embedder is safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libsensor/sensor-seccomp.h>

#include "seccomp-filter.h"
#include "seccomp-source.h"

extern char **environ;

/* argv[0] as execv wants it: itself when it has a '/', else the first PATH hit. */
static int resolve(const char *file, char *out, size_t cap)
{
	const char *path = getenv("PATH"), *p, *e;
	int last = -ENOENT;

	if (strchr(file, '/')) {
		if ((size_t)snprintf(out, cap, "%s", file) >= cap)
			return -ENAMETOOLONG;
		return access(out, X_OK) == 0 ? 0 : -errno;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = e + 1) {
		size_t n;

		e = strchr(p, ':');
		n = e ? (size_t)(e - p) : strlen(p);
		if ((size_t)snprintf(out, cap, "%.*s/%s", (int)n, n ? p : ".", file) < cap) {
			if (access(out, X_OK) == 0)
				return 0;
			if (errno == EACCES)
				last = -EACCES;
		}
		if (!e)
			break;
	}
	return last;
}

static int send_fd(int sock, int fd)
{
	char dummy = 'F';
	struct iovec iov = { .iov_base = &dummy, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static _Noreturn void child(int sock, const struct sock_fprog *prog, const char *path,
			    char *const argv[], uint32_t flags)
{
	int fd, err;

	if ((flags & SENSOR_SECCOMP_SPAWN_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail;
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			  prog);
	if (fd < 0 && errno == EACCES) {
		/* Without CAP_SYS_ADMIN a filter needs no_new_privs (no setuid gain under it). */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			goto fail;
		fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, prog);
	}
	if (fd < 0)
		goto fail;
	if (send_fd(sock, fd) < 0)
		goto fail;
	close(fd);
	execve(path, argv, environ);
	_exit(127);
fail:
	err = errno;
	(void)!write(sock, &err, sizeof(err));
	_exit(127);
}

/* The parent's side: the listener fd, or the child's errno. */
static int recv_fd(int sock, int *ret)
{
	char data[sizeof(int)];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;
	int err;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int))) {
			memcpy(ret, CMSG_DATA(c), sizeof(int));
			return 0;
		}
	}
	if (n == sizeof(int)) {
		memcpy(&err, data, sizeof(err));
		return err > 0 ? -err : -EIO;
	}
	return -EIO; /* the child died before it could tell */
}

int sensor_seccomp_spawn(sensor_source *src, const char *const argv[], uint32_t flags,
			 pid_t *ret_pid)
{
	struct sc_src *ss = sc_src_of(src);
	char path[PATH_MAX];
	int sv[2], fd = -1, r;
	pid_t pid;

	if (!ss || !argv || !argv[0] || !ret_pid || (flags & ~(uint32_t)SENSOR_SECCOMP_SPAWN_NO_NEW_PRIVS))
		return -EINVAL;
	r = resolve(argv[0], path, sizeof(path));
	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], &ss->prog, path, (char *const *)argv, flags);
	}
	close(sv[1]);
	r = recv_fd(sv[0], &fd);
	close(sv[0]);
	if (r < 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return r == -EINVAL ? -ENOSYS : r;
	}
	r = sc_chan_add(src, fd, NULL, pid);
	if (r < 0) {
		/* Nobody would answer: the child's held syscalls would fail. Do not leave it running. */
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return r;
	}
	*ret_pid = pid;
	return 0;
}
