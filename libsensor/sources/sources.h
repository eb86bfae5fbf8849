/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ops of every source, each defined in its own file or in its stub. */
#ifndef SENSOR_SOURCES_H
#define SENSOR_SOURCES_H

#include "core/context.h"

extern const struct source_ops source_proc_ops;
extern const struct source_ops source_fanotify_ops;
extern const struct source_ops source_audit_ops;
extern const struct source_ops source_conntrack_ops;
extern const struct source_ops source_seccomp_ops;
extern const struct source_ops source_nfqueue_ops;
extern const struct source_ops source_inject_ops;

/* Defines a compiled-out source: every call says -EOPNOTSUPP. */
#define SOURCE_STUB(var, t)                                              \
	static int var##_stub_start(struct sensor_source *src, const void *opts) \
	{                                                                \
		(void)src;                                               \
		(void)opts;                                              \
		return -EOPNOTSUPP;                                      \
	}                                                                \
	const struct source_ops var = { .type = (t), .compiled = false,  \
					.start = var##_stub_start }

#endif
