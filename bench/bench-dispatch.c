/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dispatch path: a synthetic source emits exec-shaped events through
 * sensor_ctx_process() -> enrichment (process cache hit) -> sink callback,
 * without and with JSON serialisation in the sink. Prints events/s and
 * ns/event, the median of several runs, and the machine.
 *
 *   bench-dispatch [EVENTS_PER_RUN] [RUNS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "bench.h"
#include "core/context.h"

struct synth {
	int fd;
	uint64_t left;
	int32_t pid;
};

/* Always-readable source: emits until its quota is used. */
static int synth_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct synth *s = src->priv;
	unsigned n = 0;

	(void)fd;
	(void)events;
	while (n < budget && s->left) {
		struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_EXEC);

		ev_set_int(ev, SENSOR_FIELD_PROCESS_PID, s->pid);
		ev_set_str(ev, SENSOR_FIELD_EXEC_PATH, "/usr/bin/curl");
		ev_set_str(ev, SENSOR_FIELD_EXEC_CWD, "/srv/app");
		ev_add_arg(ev, "curl", 4);
		ev_add_arg(ev, "-s", 2);
		ev_add_arg(ev, "http://10.0.0.1/", 16);
		ctx_emit(src->ctx, ev);
		s->left--;
		n++;
	}
	return (int)n;
}

static int synth_start(struct sensor_source *src, const void *opts)
{
	struct synth *s = calloc(1, sizeof(*s));
	uint64_t one = 1;

	(void)opts;
	s->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (write(s->fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	s->pid = getpid();
	src->priv = s;
	return ctx_watch_fd(src, s->fd, synth_ready);
}

static void synth_stop(struct sensor_source *src)
{
	struct synth *s = src->priv;

	close(s->fd);
	free(s);
}

static const struct source_ops synth_ops = {
	.type = SENSOR_SOURCE_INJECT, .compiled = true, .start = synth_start, .stop = synth_stop,
};

struct sink {
	bool json;
	char buf[8192];
	uint64_t bytes, n;
};

static void on_event(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct sink *k = ud;

	(void)ctx;
	k->n++;
	if (k->json) {
		int n = sensor_event_to_json(ev, k->buf, sizeof(k->buf));

		if (n > 0)
			k->bytes += (uint64_t)n + 1;
	}
}

static double run_once(bool json, uint64_t count, uint64_t *bytes)
{
	struct sensor_source *src;
	struct synth *s;
	struct sink k = { .json = json };
	sensor_ctx *ctx;
	uint64_t t0, t1;

	if (sensor_ctx_new(NULL, &ctx) < 0 || ctx_source_add_ops(ctx, &synth_ops, NULL, &src) < 0) {
		fprintf(stderr, "bench: setup failed\n");
		exit(1);
	}
	sensor_ctx_set_event_cb(ctx, on_event, &k);
	s = src->priv;
	s->left = 1000; /* warm: pool, arena, cache */
	while (s->left)
		sensor_ctx_process(ctx, 1024);
	s->left = count;
	k.n = 0;
	t0 = bench_now_ns();
	while (s->left)
		sensor_ctx_process(ctx, 1024);
	t1 = bench_now_ns();
	if (k.n != count) {
		fprintf(stderr, "bench: dispatched %llu of %llu\n", (unsigned long long)k.n,
			(unsigned long long)count);
		exit(1);
	}
	*bytes = k.bytes;
	sensor_ctx_free(ctx);
	return (double)count * 1e9 / (double)(t1 - t0);
}

int main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	double rates[2][32];
	uint64_t bytes = 0;

	if (runs < 1 || runs > 32)
		runs = 5;
	bench_print_machine("dispatch: synthetic source -> process() -> enrich -> callback");
	printf("# %llu events per run, %d runs, median reported\n", (unsigned long long)count, runs);
	for (int r = 0; r < runs; r++) {
		rates[0][r] = run_once(false, count, &bytes);
		rates[1][r] = run_once(true, count, &bytes);
	}
	double plain = bench_median(rates[0], runs), json = bench_median(rates[1], runs);

	bench_result("dispatch_events_per_s", plain, "events/s");
	bench_result("dispatch_ns_per_event", 1e9 / plain, "ns");
	bench_result("dispatch_json_events_per_s", json, "events/s");
	bench_result("dispatch_json_ns_per_event", 1e9 / json, "ns");
	bench_result("json_bytes_per_event", (double)bytes / (double)count, "bytes");
	printf("# targets: >= 2000000 events/s without JSON, >= 500000 with JSON (per core)\n");
	return 0;
}
