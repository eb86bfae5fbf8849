/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A build without libsystemd: rtsensor run notifies no service manager. */
#include "run-notify.h"

void run_notify_init(struct run_notify *n)
{
	n->watchdog_ns = 0;
	n->last_ping = 0;
}

void run_notify_ready(struct run_notify *n, const char *status)
{
	(void)n;
	(void)status;
}

void run_notify_reloading(struct run_notify *n)
{
	(void)n;
}

void run_notify_stopping(struct run_notify *n)
{
	(void)n;
}

void run_notify_tick(struct run_notify *n, uint64_t now_ns)
{
	(void)n;
	(void)now_ns;
}

uint64_t run_notify_max_sleep(const struct run_notify *n)
{
	(void)n;
	return UINT64_MAX;
}
