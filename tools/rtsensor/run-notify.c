/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sd_notify() for rtsensor run: readiness, reload, stop, watchdog. */
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "run-notify.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void run_notify_init(struct run_notify *n)
{
	uint64_t usec = 0;

	n->watchdog_ns = 0;
	n->last_ping = mono_ns();
	/* > 0 only when WATCHDOG_USEC is set for this pid (WATCHDOG_PID) */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
		n->watchdog_ns = usec * 1000u;
}

void run_notify_ready(struct run_notify *n, const char *status)
{
	(void)n;
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void run_notify_reloading(struct run_notify *n)
{
	(void)n;
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=%llu",
		   (unsigned long long)(mono_ns() / 1000u));
}

void run_notify_stopping(struct run_notify *n)
{
	(void)n;
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: removing what the sources installed");
}

void run_notify_tick(struct run_notify *n, uint64_t now_ns)
{
	if (!n->watchdog_ns || now_ns - n->last_ping < n->watchdog_ns / 2)
		return;
	sd_notify(0, "WATCHDOG=1");
	n->last_ping = now_ns;
}

uint64_t run_notify_max_sleep(const struct run_notify *n)
{
	return n->watchdog_ns ? n->watchdog_ns / 4 : UINT64_MAX;
}
