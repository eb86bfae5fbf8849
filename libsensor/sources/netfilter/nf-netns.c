/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network namespaces without moving the caller: setns() affects only the
 * calling thread for CLONE_NEWNET, so a helper thread switches, creates
 * the socket (which stays bound to that netns for its whole life) and is
 * joined. Tools run in a forked child that switches before exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nf-util.h"
#include "util/parse.h"

int nf_netns_open(pid_t pid)
{
	char path[64];
	int fd;

	if (pid < 0)
		return -EINVAL;
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/thread-self/ns/net");
	else
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

int nf_netns_inode(int nsfd, uint64_t *ret)
{
	struct stat st;

	if (fstat(nsfd, &st) < 0)
		return -errno;
	*ret = (uint64_t)st.st_ino;
	return 0;
}

struct ns_job {
	int nsfd;
	int domain, type, proto;
	const char *path;
	uint64_t value;
	int result;
};

static void *ns_socket_thread(void *arg)
{
	struct ns_job *j = arg;

	if (setns(j->nsfd, CLONE_NEWNET) < 0) {
		j->result = -errno;
		return NULL;
	}
	j->result = socket(j->domain, j->type, j->proto);
	if (j->result < 0)
		j->result = -errno;
	return NULL;
}

static int read_u64_file(const char *path, uint64_t *ret)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return parse_u64(buf, strcspn(buf, "\n"), 10, ret);
}

static void *ns_sysctl_thread(void *arg)
{
	struct ns_job *j = arg;

	if (setns(j->nsfd, CLONE_NEWNET) < 0) {
		j->result = -errno;
		return NULL;
	}
	j->result = read_u64_file(j->path, &j->value);
	return NULL;
}

static int in_netns(struct ns_job *j, void *(*fn)(void *))
{
	pthread_t t;
	int r;

	r = pthread_create(&t, NULL, fn, j);
	if (r)
		return -r;
	pthread_join(t, NULL);
	return j->result;
}

int nf_socket_in_netns(int nsfd, int domain, int type, int proto)
{
	struct ns_job j = { .nsfd = nsfd, .domain = domain, .type = type, .proto = proto };
	int fd;

	if (nsfd < 0) {
		fd = socket(domain, type, proto);
		return fd < 0 ? -errno : fd;
	}
	return in_netns(&j, ns_socket_thread);
}

int nf_read_sysctl(int nsfd, const char *path, uint64_t *ret)
{
	struct ns_job j = { .nsfd = nsfd, .path = path };
	int r;

	if (nsfd < 0)
		return read_u64_file(path, ret);
	r = in_netns(&j, ns_sysctl_thread);
	if (r == 0)
		*ret = j.value;
	return r;
}

static const char *find_tool(const char *tool, char *buf, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin",
					    "/usr/local/sbin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, len, "%s/%s", dirs[i], tool);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* True when nsfd is the netns we are in: no setns() (which needs CAP_SYS_ADMIN) to run a tool there. */
static bool own_netns(int nsfd)
{
	struct stat a, b;

	return fstat(nsfd, &a) == 0 && stat("/proc/self/ns/net", &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int nf_run_tool(int nsfd, const char *tool, const char *const *args)
{
	return nf_run_tool_out(nsfd, tool, args, NULL, 0);
}

int nf_run_tool_out(int nsfd, const char *tool, const char *const *args, char *out, size_t cap)
{
	char path[256];
	const char *argv[40];
	int n = 0, status, pfd[2] = { -1, -1 };
	size_t len = 0;
	pid_t pid;

	if (!find_tool(tool, path, sizeof(path)))
		return -ENOENT;
	if (nsfd >= 0 && own_netns(nsfd))
		nsfd = -1; /* after the capability drop, stop-time removal must still work */
	if (out && pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	argv[n++] = tool;
	for (; args && *args && n < 39; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		if (out) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return r;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(out ? pfd[1] : devnull, 1);
			dup2(devnull, 2);
		}
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
			_exit(126);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	if (out) {
		close(pfd[1]);
		for (;;) {
			ssize_t k = read(pfd[0], out + len, len + 1 < cap ? cap - 1 - len : 0);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			len += (size_t)k;
		}
		if (len + 1 >= cap) { /* drain what does not fit: the tool must not block */
			char sink[4096];

			while (read(pfd[0], sink, sizeof(sink)) > 0)
				;
		}
		close(pfd[0]);
		out[len] = 0;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 127 ? -ENOENT : WEXITSTATUS(status);
	return 128;
}
