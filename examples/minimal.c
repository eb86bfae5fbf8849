/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The smallest embedding: a context, one source, the agent's own poll()
 * loop around the pollable fd and the deadline, each event printed as JSON.
 *
 *   cc minimal.c $(pkg-config --cflags --libs libsensor) -o minimal
 *   ./minimal [SECONDS]      (the proc source needs root; without it the
 *                             example feeds itself through an inject source;
 *                             exits 1 when it saw no event at all)
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libsensor/sensor.h>

static void on_event(sensor_ctx *ctx, sensor_event *ev, void *userdata)
{
	char line[8192];
	int n = sensor_event_to_json(ev, line, sizeof(line));

	(void)ctx;
	if (n >= 0 && (size_t)n < sizeof(line))
		printf("%s\n", line);
	++*(unsigned long *)userdata;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	uint64_t end = mono_ns() + (uint64_t)(secs * 1e9);
	unsigned long seen = 0;
	sensor_ctx *ctx;
	sensor_source *src;
	int r;

	r = sensor_ctx_new(NULL, &ctx);
	if (r < 0) {
		fprintf(stderr, "minimal: sensor_ctx_new: %s\n", strerror(-r));
		return 1;
	}
	sensor_ctx_set_event_cb(ctx, on_event, &seen);
	r = sensor_source_add(ctx, SENSOR_SOURCE_PROC, NULL, &src);
	if (r < 0) {
		sensor_event *ev;

		fprintf(stderr, "minimal: proc source: %s; injecting one event instead\n",
			strerror(-r));
		sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src);
		if (sensor_inject_new(src, SENSOR_KIND_EXEC, &ev) == 0) {
			const char *argv0[] = { "/bin/true", NULL };

			sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_PID, 1);
			sensor_event_set_str(ev, SENSOR_FIELD_EXEC_PATH, "/bin/true");
			sensor_event_set_argv(ev, argv0, 1);
			sensor_inject_emit(src, ev);
		}
	}
	/* The agent's own loop: poll the one fd until the next deadline. */
	while (mono_ns() < end) {
		struct pollfd pfd = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };
		uint64_t deadline, now = mono_ns();
		int timeout_ms;

		sensor_ctx_get_deadline(ctx, &deadline);
		if (deadline > end)
			deadline = end;
		timeout_ms = deadline <= now ? 0 : (int)((deadline - now) / 1000000 + 1);
		if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
			break;
		if (sensor_ctx_process(ctx, 256) < 0)
			break;
	}
	fprintf(stderr, "minimal: %lu events\n", seen);
	sensor_ctx_free(ctx);
	return seen > 0 ? 0 : 1; /* nothing seen: say so in the exit status */
}
