/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor run --metrics ADDR:PORT: Prometheus' text exposition format on
 * GET /metrics (docs/metrics.md), served by libmicrohttpd's own thread.
 *
 * The loop thread counts (events by source and kind, alerts by severity,
 * source and kind) and renders the whole page between loop slices into a
 * snapshot; the server thread only copies the latest snapshot under a lock,
 * so a scrape never touches the sensor's state and never waits on it.
 */
#ifndef RTSENSOR_METRICS_H
#define RTSENSOR_METRICS_H

#include <stddef.h>

#include <libsensor/sensor.h>

#include "run-baseline.h"

struct metrics;

/*
 * Listen on ADDR:PORT ("127.0.0.1:9464", "[::1]:9464"; a numeric address).
 * 0, -EINVAL (reason in err), -EOPNOTSUPP (built without libmicrohttpd),
 * -EADDRINUSE and other -errno of binding.
 */
int metrics_open(struct metrics **ret, const char *addrport, char *err, size_t errlen);
/* The port bound (useful with port 0). */
unsigned metrics_port(const struct metrics *m);
/* Count one event (loop thread). */
void metrics_count_event(struct metrics *m, const sensor_event *ev);
/* Count one alert from its JSON (loop thread). */
void metrics_count_alert(struct metrics *m, const char *json);
/* Render the page from the counters and the sensor's stats (loop thread). */
void metrics_publish(struct metrics *m, sensor_ctx *ctx, sensor_source *const *srcs, int nsrc,
		     struct run_baseline *rb);
/* Stop serving and free. NULL-safe. */
void metrics_close(struct metrics *m);

#endif
