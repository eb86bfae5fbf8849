/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The public audit calls when the audit source is compiled out. */
#include <errno.h>

#include <libsensor/sensor-audit.h>

int sensor_audit_feed(sensor_source *src, const char *buf, size_t len, uint32_t flags)
{
	(void)src;
	(void)buf;
	(void)len;
	(void)flags;
	return -EOPNOTSUPP;
}

int sensor_audit_replay(sensor_ctx *ctx, const char *buf, size_t len, uint32_t flags)
{
	(void)ctx;
	(void)buf;
	(void)len;
	(void)flags;
	return -EOPNOTSUPP;
}

int sensor_audit_rule_key(char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return -EOPNOTSUPP;
}
