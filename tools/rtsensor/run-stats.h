/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor run's counters: at exit (--stats), on SIGUSR1, as periodic status events. */
#ifndef RTSENSOR_RUN_STATS_H
#define RTSENSOR_RUN_STATS_H

#include <libsensor/sensor.h>

#include "run-baseline.h"

/*
 * The counters as one JSON object, {"stats":{...}} (docs/events.md "status"),
 * malloc'd and NUL-terminated without a newline, or NULL when out of memory.
 * With rb's baseline and syslog sink when they run.
 */
char *run_stats_json(sensor_ctx *ctx, sensor_source *const *srcs, int nsrc,
		     const struct run_baseline *rb);

/*
 * Emit a status event through the inject source: status.source "rtsensor",
 * status.state (e.g. "stats", "reload"), status.detail. 0 or -errno.
 */
int run_stats_emit(sensor_source *inject, const char *state, const char *detail);

#endif
