/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every source's ops, real or stub (a compiled-out source links its stub), and
 * the public calls that choose a source by type. Core knows sources only by
 * their ops (ctx_source_add_ops), never this table (architecture §2).
 */
#include <errno.h>
#include <string.h>

#include "core/context.h"
#include "sources.h"

static const struct source_ops *const all[SENSOR__SOURCE_MAX] = {
	[SENSOR_SOURCE_PROC] = &source_proc_ops,
	[SENSOR_SOURCE_FANOTIFY] = &source_fanotify_ops,
	[SENSOR_SOURCE_AUDIT] = &source_audit_ops,
	[SENSOR_SOURCE_CONNTRACK] = &source_conntrack_ops,
	[SENSOR_SOURCE_SECCOMP] = &source_seccomp_ops,
	[SENSOR_SOURCE_NFQUEUE] = &source_nfqueue_ops,
	[SENSOR_SOURCE_INJECT] = &source_inject_ops,
};

static const struct source_ops *source_ops_get(enum sensor_source_type type)
{
	if ((unsigned)type >= SENSOR__SOURCE_MAX || !all[type] || !all[type]->compiled)
		return NULL;
	return all[type];
}

int sensor_source_add(sensor_ctx *ctx, enum sensor_source_type type, const void *opts,
		      sensor_source **ret)
{
	const struct source_ops *ops;

	if (!ctx)
		return -EINVAL;
	if (opts && *(const size_t *)opts < sizeof(size_t))
		return -EINVAL;
	ops = source_ops_get(type);
	if (!ops)
		return type > SENSOR_SOURCE_NONE && type < SENSOR__SOURCE_MAX ? -EOPNOTSUPP
									       : -EINVAL;
	return ctx_source_add_ops(ctx, ops, opts, ret);
}

int sensor_source_type_compiled(enum sensor_source_type type)
{
	if ((unsigned)type >= SENSOR__SOURCE_MAX || type == SENSOR_SOURCE_NONE || !all[type])
		return -EINVAL;
	return all[type]->compiled ? 1 : 0;
}

int sensor_probe(uint32_t flags, sensor_probe_fn fn, void *userdata)
{
	int usable = 0;

	if (flags || !fn)
		return -EINVAL;
	for (int t = 1; t < SENSOR__SOURCE_MAX; t++) {
		if (t == SENSOR_SOURCE_INJECT || !all[t])
			continue;
		if (!all[t]->compiled) {
			fn(userdata, (enum sensor_source_type)t, "compiled", 0, 0,
			   "not compiled into this build");
			continue;
		}
		fn(userdata, (enum sensor_source_type)t, "compiled", 1, 0, "compiled in");
		if (all[t]->probe)
			all[t]->probe(fn, userdata, &usable);
	}
	return usable;
}

const char *sensor_version(void)
{
	return SENSOR_VERSION_STRING;
}

const char *sensor_features(void)
{
	return FEATURES_STRING;
}
