/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading one process from /proc: bounded reads, checked parsing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc-cache.h"
#include "util/parse.h"
#include "workload.h"

/*
 * Read up to cap bytes of an open /proc file. A short read is its end: the
 * files read here (seq_file ones, cmdline, loginuid) fill the buffer up to
 * the count asked or their end, so the read that would return 0 is not made
 * (one system call fewer per file, six per exec).
 */
static int read_fd(int fd, char *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		size_t want = cap - got;
		ssize_t n = read(fd, buf + got, want);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
		if ((size_t)n < want)
			break; /* short (or 0): the end */
	}
	return (int)got;
}

static int read_at(int dfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = read_fd(fd, buf, cap);
	close(fd);
	return r;
}

static int open_pid_dir(const char *root, int32_t pid)
{
	char path[PATH_MAX];
	int fd;

	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* One file by its path: no directory fd (two system calls fewer than
 * open_pid_dir + read_at; a fork's start time is read so). */
int proc_read_file(const char *root, int32_t pid, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];
	int fd, r;

	if (pid <= 0)
		return -EINVAL;
	r = snprintf(path, sizeof(path), "%s/%d/%s", root, (int)pid, name);
	if (r < 0 || (size_t)r >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read_fd(fd, buf, cap);
	close(fd);
	return r;
}

int proc_parse_stat(const char *buf, size_t len, int32_t *ppid, uint32_t *session,
		    uint64_t *start_ticks, char comm[16])
{
	const char *open = memchr(buf, '(', len), *close;
	size_t i, field = 3;
	uint64_t v;

	if (!open)
		return -EINVAL;
	/* comm may contain ')' and spaces: the last ')' ends it */
	close = memrchr(open, ')', len - (size_t)(open - buf));
	if (!close)
		return -EINVAL;
	{
		size_t n = (size_t)(close - open - 1);

		if (n > 15)
			n = 15;
		memcpy(comm, open + 1, n);
		comm[n] = '\0';
	}
	i = (size_t)(close - buf) + 1;
	while (i < len && field <= 22) {
		size_t s, e;

		while (i < len && buf[i] == ' ')
			i++;
		s = i;
		while (i < len && buf[i] != ' ' && buf[i] != '\n')
			i++;
		e = i;
		if (e == s)
			break;
		if (field == 4 || field == 6 || field == 22) {
			if (parse_u64(buf + s, e - s, 10, &v) < 0)
				return -EINVAL;
			if (field == 4)
				*ppid = (int32_t)v;
			else if (field == 6)
				*session = (uint32_t)v;
			else
				*start_ticks = v;
		}
		field++;
	}
	return field > 22 ? 0 : -EINVAL;
}

static int parse_ids(const char *line, size_t len, uint32_t *real, uint32_t *eff)
{
	size_t i = 0, s;
	uint32_t vals[2];

	for (int k = 0; k < 2; k++) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		s = i;
		while (i < len && line[i] >= '0' && line[i] <= '9')
			i++;
		if (parse_u32(line + s, i - s, &vals[k]) < 0)
			return -EINVAL;
	}
	*real = vals[0];
	*eff = vals[1];
	return 0;
}

int proc_parse_status(const char *buf, size_t len, uint32_t *uid, uint32_t *euid,
		      uint32_t *gid, uint32_t *egid)
{
	size_t i = 0;
	int found = 0;

	while (i < len && found != 3) {
		/* memchr: the file is about 1.5 KiB, a byte loop was a tenth of
		 * the proc source's instructions per exec */
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - buf) : len;

		if (e - i > 4 && memcmp(buf + i, "Uid:", 4) == 0) {
			if (parse_ids(buf + i + 4, e - i - 4, uid, euid) < 0)
				return -EINVAL;
			found |= 1;
		} else if (e - i > 4 && memcmp(buf + i, "Gid:", 4) == 0) {
			if (parse_ids(buf + i + 4, e - i - 4, gid, egid) < 0)
				return -EINVAL;
			found |= 2;
		}
		i = e + 1;
	}
	return found == 3 ? 0 : -EINVAL;
}

static char *read_link_at(int dfd, const char *name)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

bool proc_is_runtime(const char *comm, const char *exe)
{
	static const char *const bins[] = { "runc", "crun", "youki", "conmon",
					    "containerd-shim", "containerd-shim-runc-v1",
					    "containerd-shim-runc-v2", "runc.amd64", NULL };
	const char *base;
	size_t n;

	if (comm && strncmp(comm, "runc:[", 6) == 0)
		return true;
	if (!exe)
		return false;
	/* runc >= 1.0 re-executes itself from a sealed memfd copy */
	if (strncmp(exe, "/memfd:runc_cloned", 18) == 0)
		return true;
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	n = strcspn(base, " "); /* "runc (deleted)" after an upgrade */
	for (int i = 0; bins[i]; i++)
		if (strlen(bins[i]) == n && memcmp(base, bins[i], n) == 0)
			return true;
	return false;
}

int proc_read(const char *root, int32_t pid, struct proc_entry *e, struct workload_desc *wd)
{
	return proc_read_args(root, pid, e, wd, NULL, 0, NULL);
}

int proc_read_args(const char *root, int32_t pid, struct proc_entry *e, struct workload_desc *wd,
		   char *args, size_t cap, int *nargs)
{
	char buf[4096];
	uint64_t ticks = 0, v;
	long hz = sysconf(_SC_CLK_TCK);
	int dfd, n, r;

	dfd = open_pid_dir(root, pid);
	if (dfd < 0)
		return dfd;
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	n = read_at(dfd, "stat", buf, sizeof(buf));
	if (n <= 0) {
		r = n < 0 ? n : -ESRCH;
		goto out;
	}
	r = proc_parse_stat(buf, (size_t)n, &e->ppid, &e->session, &ticks, e->comm);
	if (r < 0)
		goto out;
	e->start = ticks * (1000000000u / (uint64_t)(hz > 0 ? hz : 100));
	n = read_at(dfd, "status", buf, sizeof(buf));
	if (n > 0)
		proc_parse_status(buf, (size_t)n, &e->uid, &e->euid, &e->gid, &e->egid);
	e->auid = UINT32_MAX;
	n = read_at(dfd, "loginuid", buf, sizeof(buf));
	if (n > 0 && parse_u64(buf, (size_t)n - (buf[n - 1] == '\n'), 10, &v) == 0)
		e->auid = (uint32_t)v;
	n = read_at(dfd, "sessionid", buf, sizeof(buf));
	if (n > 0 && parse_u64(buf, (size_t)n - (buf[n - 1] == '\n'), 10, &v) == 0)
		e->session = (uint32_t)v;
	e->exe = read_link_at(dfd, "exe");
	e->cwd = read_link_at(dfd, "cwd");
	e->root = read_link_at(dfd, "root");
	e->runtime = proc_is_runtime(e->comm, e->exe);
	/* one read gives both: the caller's raw argv (exec events) and the command line */
	if (args && cap > 0) {
		n = read_at(dfd, "cmdline", args, cap);
		*nargs = n;
		if (n > 0)
			memcpy(buf, args, (size_t)n < sizeof(buf) - 1 ? (size_t)n : sizeof(buf) - 1);
		if (n > (int)sizeof(buf) - 1)
			n = (int)sizeof(buf) - 1;
	} else {
		n = read_at(dfd, "cmdline", buf, sizeof(buf) - 1);
	}
	if (n > 0) {
		while (n > 0 && buf[n - 1] == '\0')
			n--;
		for (int i = 0; i < n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[n] = '\0';
		e->cmdline = strdup(buf);
	}
	if (wd) {
		n = read_at(dfd, "cgroup", buf, sizeof(buf));
		workload_parse_cgroup(buf, n > 0 ? (size_t)n : 0, wd);
	}
	r = 0;
out:
	close(dfd);
	return r;
}
