/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <unistd.h>

#include <libsensor/sensor-seccomp.h>

#include "sources.h"

SOURCE_STUB(source_seccomp_ops, SENSOR_SOURCE_SECCOMP);

static const char *const none[] = { NULL };

const char *const *sensor_seccomp_default_syscalls(void)
{
	return none;
}

int sensor_seccomp_spawn(sensor_source *src, const char *const argv[], uint32_t flags,
			 pid_t *ret_pid)
{
	(void)src;
	(void)argv;
	(void)flags;
	(void)ret_pid;
	return -EOPNOTSUPP;
}

int sensor_seccomp_add_agent(sensor_source *src, const char *path, uint32_t flags)
{
	(void)src;
	(void)path;
	(void)flags;
	return -EOPNOTSUPP;
}

int sensor_seccomp_add_agent_opts(sensor_source *src, const char *path,
				  const struct sensor_seccomp_agent_opts *opts)
{
	(void)src;
	(void)path;
	(void)opts;
	return -EOPNOTSUPP;
}

int sensor_seccomp_add_fd(sensor_source *src, int fd, uint32_t flags)
{
	(void)src;
	(void)flags;
	if (fd >= 0)
		close(fd);
	return -EOPNOTSUPP;
}
