/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stable names of public enums that more than one layer speaks: source
 * types (events, the registry, the tool) and severities (rules, alerts).
 */
#include <errno.h>
#include <string.h>

#include <libsensor/sensor.h>

static const char *const names[SENSOR__SOURCE_MAX] = {
	[SENSOR_SOURCE_PROC] = "proc",         [SENSOR_SOURCE_FANOTIFY] = "fanotify",
	[SENSOR_SOURCE_AUDIT] = "audit",       [SENSOR_SOURCE_CONNTRACK] = "conntrack",
	[SENSOR_SOURCE_SECCOMP] = "seccomp",   [SENSOR_SOURCE_NFQUEUE] = "nfqueue",
	[SENSOR_SOURCE_INJECT] = "inject",
};

const char *sensor_source_type_name(enum sensor_source_type type)
{
	if ((unsigned)type >= SENSOR__SOURCE_MAX)
		return NULL;
	return names[type];
}

int sensor_source_type_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int t = 1; t < SENSOR__SOURCE_MAX; t++)
		if (names[t] && strcmp(names[t], name) == 0)
			return t;
	return -EINVAL;
}

const char *sensor_severity_name(enum sensor_severity s)
{
	static const char *const sev[] = { NULL, "info", "low", "medium", "high", "critical" };

	return s >= SENSOR_SEVERITY_INFO && s <= SENSOR_SEVERITY_CRITICAL ? sev[s] : NULL;
}
