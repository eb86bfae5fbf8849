/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A log-line throttle: at most `burst` lines per `interval_ns`, the rest
 * counted. A hostile peer that makes the same thing fail in a loop must not
 * turn the sensor's log into its amplifier (one failing fd once wrote 357 k
 * lines in 3 s). No clock read of its own: the caller passes its time.
 */
#ifndef SENSOR_UTIL_RATELIMIT_H
#define SENSOR_UTIL_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint64_t window;     /* start of the current window, CLOCK_MONOTONIC ns */
	unsigned n;          /* lines let through in this window */
	unsigned suppressed; /* lines held back since the last one let through */
};

#define RATELIMIT_INTERVAL_NS 1000000000ull
#define RATELIMIT_BURST 5u

/*
 * True when a line may be written at `now`. *ret_suppressed (may be NULL)
 * is then the number of lines held back before it (to say so once), and
 * the count starts over.
 */
static inline bool ratelimit_ok(struct ratelimit *rl, uint64_t now, unsigned *ret_suppressed)
{
	if (now - rl->window >= RATELIMIT_INTERVAL_NS || now < rl->window) {
		rl->window = now;
		rl->n = 0;
	}
	if (rl->n >= RATELIMIT_BURST) {
		rl->suppressed++;
		return false;
	}
	rl->n++;
	if (ret_suppressed)
		*ret_suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

#endif
