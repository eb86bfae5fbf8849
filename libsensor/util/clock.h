/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The two clocks the library stamps with, in nanoseconds. */
#ifndef SENSOR_UTIL_CLOCK_H
#define SENSOR_UTIL_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC: deadlines, TTLs, ages. */
uint64_t now_mono(void);
/* CLOCK_REALTIME: event time stamps. */
uint64_t now_real(void);

#endif
