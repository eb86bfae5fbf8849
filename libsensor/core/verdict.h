/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Held events: the pending list of a context, answers, deadlines and the
 * default verdict. Every path that ends a hold goes through one function,
 * under the context's pending lock, so an event is answered exactly once
 * whichever of respond / deadline / release / source removal comes first.
 */
#ifndef SENSOR_CORE_VERDICT_H
#define SENSOR_CORE_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

struct sensor_ctx;
struct sensor_event;
struct sensor_source;

/*
 * Put a held event (hold.active set by its source) on the pending list, once
 * the stages and the callback had it (loop thread): an event they answered
 * there never goes on the list; one whose source was removed meanwhile gets
 * its default now, like the source's other holds.
 */
void verdict_track(struct sensor_ctx *ctx, struct sensor_event *ev);
/*
 * Whether a held event still waits for its answer. Without the lock: true may
 * be stale (another thread is answering), false is final.
 */
static inline bool verdict_active(const struct sensor_event *ev)
{
	return __atomic_load_n(&ev->hold.active, __ATOMIC_ACQUIRE);
}
/* The last reference went while unanswered: apply the default. */
void verdict_release(struct sensor_event *ev);
/* Apply the default to every pending event whose deadline <= now. Returns how many. */
unsigned verdict_expire(struct sensor_ctx *ctx, uint64_t now);
/* Earliest pending deadline, or SENSOR_TIME_INFINITY. */
uint64_t verdict_next_deadline(struct sensor_ctx *ctx);
/* Default every pending event of src (source removal). */
void verdict_default_source(struct sensor_source *src, const char *reason);

#endif
