/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include <libsensor/sensor-fanotify.h>

#include "proc-connector.h"
#include "sources.h"

SOURCE_STUB(source_fanotify_ops, SENSOR_SOURCE_FANOTIFY);

int sensor_fanotify_mark(sensor_source *src, const char *path, uint32_t flags)
{
	(void)src;
	(void)path;
	(void)flags;
	return -EOPNOTSUPP;
}

int sensor_fanotify_prime(sensor_source *src, int fd, uint32_t flags)
{
	(void)src;
	(void)fd;
	(void)flags;
	return -EOPNOTSUPP;
}

void fanotify_sync(struct sensor_ctx *ctx)
{
	(void)ctx;
}
