/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-alert-latency's callback sink: the library embedded in a child
 * (public API only) with the sources rtsensor runs by default; each alert
 * is written to the bench's pipe as "<ns> <json>", the time taken first
 * thing in the alert_fn.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "alert-latency.h"

/* ---- the embedded library (the callback sink) ------------------------------- */

static volatile sig_atomic_t embed_stop;
static sensor_ctx *embed_ctx;

static void embed_on_term(int sig)
{
	(void)sig;
	embed_stop = 1;
	if (embed_ctx)
		sensor_ctx_exit(embed_ctx, 1);
}

/* The time first: the callback's moment is what is measured. */
static void embed_alert(sensor_baseline *b, const sensor_alert *a, void *ud)
{
	uint64_t t = now_real();
	const char *j = sensor_alert_json(a);
	int fd = *(int *)ud;
	char head[32];
	struct iovec iov[3];
	int n = snprintf(head, sizeof(head), "%llu ", (unsigned long long)t);

	(void)b;
	iov[0] = (struct iovec){ head, (size_t)n };
	iov[1] = (struct iovec){ (void *)j, strlen(j) };
	iov[2] = (struct iovec){ "\n", 1 };
	if (writev(fd, iov, 3) < 0)
		embed_stop = 1;
}

void embed_main(int outfd)
{
	const char *paths[] = { wdir, NULL };
	struct sensor_fanotify_opts fo = { .sz = sizeof(fo), .paths = paths };
	struct sigaction sa = { .sa_handler = embed_on_term };
	struct sensor_baseline_opts bo = { .sz = sizeof(bo), .rate_limit = 1000000,
					   .alert_fn = embed_alert, .alert_userdata = &outfd };
	sensor_baseline *b = NULL;
	sensor_ctx *ctx;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (sensor_ctx_new(NULL, &ctx) < 0)
		_exit(10);
	if (sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &fo, NULL) < 0)
		_exit(11);
	/* the other default sources, as rtsensor runs them (absent ones are skipped) */
	sensor_source_add(ctx, SENSOR_SOURCE_PROC, NULL, NULL);
	sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, NULL, NULL);
	sensor_source_add(ctx, SENSOR_SOURCE_CONNTRACK, NULL, NULL);
	if (sensor_baseline_attach(ctx, &bo, &b) < 0)
		_exit(12);
	embed_ctx = ctx;
	while (!embed_stop)
		sensor_ctx_run(ctx, 200000000u);
	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
	_exit(0);
}
