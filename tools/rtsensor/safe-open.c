/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe-open.h"

/* Why the last open was refused (the CLI is single-threaded); NULL: the kernel's errno says it. */
static const char *refusal;

static int refuse(int fd, const char *why, int err)
{
	close(fd);
	refusal = why;
	return err;
}

/*
 * A link nobody else could have planted or changed: owned by root or us, in
 * a directory owned by root or us that nobody else may write (/dev/stdout,
 * /dev/fd/N, an operator's own link).
 */
static bool link_trusted(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat l, d;
	size_t n;

	if (lstat(path, &l) < 0 || !S_ISLNK(l.st_mode) || (l.st_uid != 0 && l.st_uid != geteuid()))
		return false;
	n = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 1;
	if (n >= sizeof(dir))
		return false;
	memcpy(dir, slash ? path : ".", n);
	dir[n] = 0;
	return stat(dir, &d) == 0 && (d.st_uid == 0 || d.st_uid == geteuid()) &&
	       !(d.st_mode & (S_IWGRP | S_IWOTH));
}

int out_open(const char *path, bool append)
{
	struct stat st;
	int fd, fl, flags;

	refusal = NULL;
	/* O_NONBLOCK: a FIFO nobody reads fails (ENXIO) instead of hanging the start */
	flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (append ? O_APPEND : 0);
	fd = open(path, flags | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ELOOP && link_trusted(path))
		fd = open(path, flags, 0600); /* what it points to is checked below like any file */
	if (fd < 0) {
		if (errno == ELOOP)
			refusal = "is a symbolic link of another user or in a directory others may write: refused";
		return -errno;
	}
	if (fstat(fd, &st) < 0)
		return refuse(fd, NULL, -errno);
	if (S_ISCHR(st.st_mode)) {
		if (st.st_uid != 0 && st.st_uid != geteuid())
			return refuse(fd, "is a device of another user: refused", -EPERM);
	} else if (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode)) {
		if (st.st_uid != geteuid())
			return refuse(fd, "is owned by another user: refused", -EPERM);
		if (st.st_mode & (S_IWGRP | S_IWOTH))
			return refuse(fd, "is writable by group or others: refused (chmod go-w)", -EPERM);
		if (S_ISREG(st.st_mode) && st.st_nlink > 1)
			return refuse(fd, "has other hard links: refused", -EPERM);
		if (S_ISREG(st.st_mode) && !append && ftruncate(fd, 0) < 0)
			return refuse(fd, NULL, -errno);
	} else {
		return refuse(fd, "is not a file, FIFO or character device: refused", -EINVAL);
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return refuse(fd, NULL, -errno);
	return fd;
}

FILE *out_fopen(const char *path, bool append, int *err)
{
	FILE *f;
	int fd;

	if (strcmp(path, "-") == 0)
		return stdout;
	fd = out_open(path, append);
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	f = fdopen(fd, append ? "a" : "w");
	if (!f) {
		*err = -errno;
		close(fd);
	}
	return f;
}

const char *out_strerror(int err)
{
	if (refusal && (err == -EPERM || err == -ELOOP || err == -EINVAL))
		return refusal;
	if (err == -ENXIO)
		return "is a FIFO nobody reads";
	return strerror(-err);
}
