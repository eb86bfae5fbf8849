/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor run under systemd (rtsensor.service, Type=notify): readiness
 * once every source is up, RELOADING/READY around a reload, STOPPING, and
 * watchdog pings from the loop, through libsystemd's sd_notify(). Outside
 * systemd ($NOTIFY_SOCKET unset) every call does nothing. A build without
 * libsystemd links run-notify-stub.c.
 */
#ifndef RTSENSOR_RUN_NOTIFY_H
#define RTSENSOR_RUN_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct run_notify {
	uint64_t watchdog_ns; /* 0: no watchdog asked for */
	uint64_t last_ping;   /* CLOCK_MONOTONIC ns */
};

void run_notify_init(struct run_notify *n);
/* READY=1 with a STATUS= line. */
void run_notify_ready(struct run_notify *n, const char *status);
/* RELOADING=1 (with MONOTONIC_USEC, as Type=notify-reload wants). */
void run_notify_reloading(struct run_notify *n);
void run_notify_stopping(struct run_notify *n);
/* WATCHDOG=1 when half the watchdog period has passed since the last ping. */
void run_notify_tick(struct run_notify *n, uint64_t now_ns);
/* The longest the loop may sleep between ticks: a quarter of the period, or UINT64_MAX. */
uint64_t run_notify_max_sleep(const struct run_notify *n);

#endif
