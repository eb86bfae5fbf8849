/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inject source: events the embedder builds (offline replay, tests,
 * agents with sources of their own) enter the same pipeline as kernel
 * events. Replayed events describe the past, so /proc enrichment is off
 * unless SENSOR_INJECT_ENRICH is given.
 */
#include <errno.h>
#include <string.h>

#include "core/context.h"
#include "sources.h"
#include "util/opts.h"

static int inject_start(struct sensor_source *src, const void *opts)
{
	struct sensor_inject_opts o;
	int r;

	r = OPTS_COPY(&o, opts, struct sensor_inject_opts, flags);
	if (r < 0)
		return r;
	if (o.flags & ~(uint32_t)SENSOR_INJECT_ENRICH)
		return -EINVAL;
	src->no_enrich = !(o.flags & SENSOR_INJECT_ENRICH);
	return 0;
}

const struct source_ops source_inject_ops = {
	.type = SENSOR_SOURCE_INJECT,
	.compiled = true,
	.start = inject_start,
};

int sensor_inject_new(sensor_source *src, enum sensor_kind kind, sensor_event **ret)
{
	struct sensor_event *ev;

	if (!src || !ret || src->ops != &source_inject_ops || kind <= SENSOR_KIND_NONE ||
	    kind >= SENSOR__KIND_MAX)
		return -EINVAL;
	if (src->dead)
		return -ESTALE;
	ev = ctx_event_new(src, kind);
	if (!ev)
		return -ENOMEM;
	ev->open = true;
	*ret = ev;
	return 0;
}

int sensor_inject_emit(sensor_source *src, sensor_event *ev)
{
	if (!src || !ev)
		return -EINVAL;
	if (ev->src != src || !ev->open) {
		sensor_event_unref(ev);
		return -EINVAL;
	}
	if (src->dead) {
		sensor_event_unref(ev);
		return -ESTALE;
	}
	src->stats.received++;
	ctx_emit(src->ctx, ev);
	return 0;
}
