/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Gates: a FIFO in a container's rootfs through which the test tells a
 * command in the container that the state it waits for was reached (the
 * sensor saw its event), instead of the command sleeping and hoping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"

int container_gate(struct test_container *c, const char *name)
{
	char path[sizeof(c->rootfs) + 64];
	int fd;

	if (!c->rootfs[0] || !name || strchr(name, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", c->rootfs, name);
	if (mkfifo(path, 0666) < 0 && errno != EEXIST)
		return -errno;
	/* read and write: never blocks, and a reader sees no EOF while we hold it */
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int container_gate_pass(int fd)
{
	/* the line waits in the FIFO while we hold it, even for a reader not there yet */
	if (fd < 0)
		return -EBADF;
	return write(fd, "\n", 1) == 1 ? 0 : -errno;
}
