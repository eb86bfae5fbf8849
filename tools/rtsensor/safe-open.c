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

int out_open(const char *path, bool append)
{
	struct stat st;
	int fd, fl;

	refusal = NULL;
	/* O_NONBLOCK: a FIFO nobody reads fails (ENXIO) instead of hanging the start */
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
				(append ? O_APPEND : 0),
		  0600);
	if (fd < 0) {
		if (errno == ELOOP)
			refusal = "is a symbolic link: refused";
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
