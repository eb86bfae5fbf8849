/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The embeddable loop: fd, deadline, bounded process, run, wakeup, exit, deferred removal. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "core/context.h"
#include "testlib.h"

/* A test source: a pipe; each byte written is one event. */
struct pipe_src {
	int rfd, wfd;
	int timer_fired;
};

static int pipe_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	char c;
	unsigned n = 0;

	(void)events;
	while (n < budget && read(fd, &c, 1) == 1) {
		struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_STATUS);

		ev_set_str(ev, SENSOR_FIELD_STATUS_STATE, "tick");
		ctx_emit(src->ctx, ev);
		n++;
	}
	return (int)n;
}

static int pipe_timer(struct sensor_source *src, uint64_t now)
{
	struct pipe_src *ps = src->priv;

	(void)now;
	ps->timer_fired++;
	return 0;
}

static int pipe_start(struct sensor_source *src, const void *opts)
{
	struct pipe_src *ps = calloc(1, sizeof(*ps));
	int p[2];

	(void)opts;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	ps->rfd = p[0];
	ps->wfd = p[1];
	src->priv = ps;
	return ctx_watch_fd(src, ps->rfd, pipe_ready);
}

static int stops;

static void pipe_stop(struct sensor_source *src)
{
	struct pipe_src *ps = src->priv;

	stops++;
	ctx_unwatch_fd(src, ps->rfd);
	close(ps->rfd);
	close(ps->wfd);
	free(ps);
}

static const struct source_ops pipe_ops = {
	.type = SENSOR_SOURCE_INJECT, .compiled = true, .start = pipe_start, .stop = pipe_stop,
};

static sensor_ctx *ctx;
static struct sensor_source *src;
static int events;
static bool remove_in_cb;

static void count(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)c;
	(void)ev;
	(void)ud;
	events++;
	if (remove_in_cb) {
		remove_in_cb = false;
		sensor_source_remove(src);
		cr_assert_eq(stops, 1, "stopped at once (kernel side), freed later");
	}
}

static void setup(void)
{
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, count, NULL);
	cr_assert_eq(ctx_source_add_ops(ctx, &pipe_ops, NULL, &src), 0);
	events = 0;
	stops = 0;
}

static void teardown(void)
{
	sensor_ctx_free(ctx);
}

TestSuite(loop, .init = setup, .fini = teardown);

static void feed(int n)
{
	struct pipe_src *ps = src->priv;
	char buf[4096];

	memset(buf, 'x', sizeof(buf));
	cr_assert_eq(write(ps->wfd, buf, (size_t)n), n);
}

Test(loop, fd_is_pollable_and_process_is_bounded)
{
	struct pollfd pfd = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };
	uint64_t d;

	cr_assert_geq(pfd.fd, 0);
	cr_assert_eq(sensor_ctx_get_deadline(ctx, &d), 0);
	cr_assert_eq(d, SENSOR_TIME_INFINITY);
	cr_assert_eq(poll(&pfd, 1, 0), 0, "nothing to do yet");
	cr_assert_eq(sensor_ctx_process(ctx, 0), 0);
	feed(100);
	cr_assert_eq(poll(&pfd, 1, 1000), 1);
	cr_assert_eq(sensor_ctx_process(ctx, 30), 30);
	cr_assert_eq(poll(&pfd, 1, 0), 1, "level-triggered: the rest is still pending");
	cr_assert_eq(sensor_ctx_process(ctx, 0), 70);
	cr_assert_eq(events, 100);
	cr_assert_eq(sensor_ctx_process(ctx, 0), 0);
}

Test(loop, timers_drive_the_deadline)
{
	struct pollfd pfd = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };
	struct pipe_src *ps = src->priv;
	uint64_t d, at = now_mono() + 20000000u;

	ctx_source_timer(src, at, pipe_timer);
	cr_assert_eq(sensor_ctx_get_deadline(ctx, &d), 0);
	cr_assert_eq(d, at);
	sensor_ctx_process(ctx, 0); /* arms the timerfd */
	cr_assert_eq(poll(&pfd, 1, 2000), 1, "the one fd wakes at the deadline");
	cr_assert_geq(now_mono(), at);
	sensor_ctx_process(ctx, 0);
	cr_assert_eq(ps->timer_fired, 1);
	sensor_ctx_get_deadline(ctx, &d);
	cr_assert_eq(d, SENSOR_TIME_INFINITY);
}

Test(loop, run_times_out_with_zero)
{
	uint64_t t0 = now_mono();

	cr_assert_eq(sensor_ctx_run(ctx, 50000000u), 0);
	cr_assert_geq(now_mono() - t0, 50000000u);
	cr_assert_lt(now_mono() - t0, 2000000000u);
}

static void *exit_later(void *arg)
{
	usleep(30000);
	sensor_ctx_exit(arg, 7);
	return NULL;
}

Test(loop, exit_from_another_thread)
{
	pthread_t t;

	pthread_create(&t, NULL, exit_later, ctx);
	cr_assert_eq(sensor_ctx_run(ctx, SENSOR_TIME_INFINITY), 7);
	pthread_join(t, NULL);
	cr_assert_eq(sensor_ctx_exit(ctx, -1), -EINVAL);
}

Test(loop, wakeup_makes_fd_readable)
{
	struct pollfd pfd = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };

	cr_assert_eq(sensor_ctx_wakeup(ctx), 0);
	cr_assert_eq(poll(&pfd, 1, 0), 1);
	cr_assert_eq(sensor_ctx_process(ctx, 0), 0);
	cr_assert_eq(poll(&pfd, 1, 0), 0, "drained");
}

Test(loop, remove_source_inside_callback_is_deferred)
{
	feed(5);
	remove_in_cb = true;
	sensor_ctx_process(ctx, 0);
	cr_assert_eq(events, 1, "no more events from a removed source");
	cr_assert_eq(stops, 1);
	cr_assert_eq(sensor_ctx_process(ctx, 0), 0);
}

Test(loop, process_is_not_reentrant)
{
	cr_assert_eq(sensor_ctx_process(NULL, 0), -EINVAL);
	ctx->in_dispatch = 1;
	cr_assert_eq(sensor_ctx_process(ctx, 0), -EBUSY);
	ctx->in_dispatch = 0;
}

Test(loop, options_are_size_checked)
{
	struct sensor_ctx_opts o = { .sz = 4 };
	struct {
		struct sensor_ctx_opts o;
		uint64_t future;
	} big = { .o = { .sz = sizeof(big) }, .future = 1 };
	sensor_ctx *c = NULL;

	cr_assert_eq(sensor_ctx_new(&o, &c), -EINVAL);
	cr_assert_eq(sensor_ctx_new(&big.o, &c), -E2BIG, "unknown non-zero tail");
	big.future = 0;
	cr_assert_eq(sensor_ctx_new(&big.o, &c), 0);
	sensor_ctx_free(c);
	cr_assert_null(sensor_ctx_free(NULL));
	cr_assert_eq(sensor_source_add(ctx, SENSOR__SOURCE_MAX, NULL, NULL), -EINVAL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_NONE, NULL, NULL), -EINVAL);
	{
		size_t bad = 4; /* options whose size field is smaller than itself */

		cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_INJECT, &bad, NULL), -EINVAL);
	}
}

/*
 * The source registry answers from what this build holds, type by type:
 * names both ways, compiled in exactly when the features string says "+NAME",
 * and a source that is not compiled in is -EOPNOTSUPP at add (nothing starts:
 * no source of the host is touched from this unprivileged test).
 */
Test(loop, source_registry_matches_the_build)
{
	const char *features = sensor_features();
	int compiled_out = 0;

	for (int t = 1; t < SENSOR__SOURCE_MAX; t++) {
		const char *name = sensor_source_type_name((enum sensor_source_type)t);
		char flag[32];
		size_t k;
		int in;

		cr_assert_not_null(name, "type %d", t);
		cr_assert_eq(sensor_source_type_from_name(name), t, "%s", name);
		flag[0] = '+';
		for (k = 0; name[k] && k + 2 < sizeof(flag); k++)
			flag[k + 1] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
		flag[k + 1] = '\0';
		in = t == SENSOR_SOURCE_INJECT || strstr(features, flag) != NULL;
		cr_assert_eq(sensor_source_type_compiled((enum sensor_source_type)t), in, "%s (%s)",
			     name, features);
		if (!in) {
			compiled_out++;
			cr_assert_eq(sensor_source_add(ctx, (enum sensor_source_type)t, NULL, NULL),
				     -EOPNOTSUPP, "%s", name);
		}
	}
	cr_log_info("%d sources compiled out of this build (%s)", compiled_out, features);
	cr_assert_eq(sensor_source_type_from_name("nope"), -EINVAL);
	cr_assert_eq(sensor_source_type_from_name(""), -EINVAL);
	cr_assert_eq(sensor_source_type_from_name(NULL), -EINVAL);
	cr_assert_eq(sensor_source_type_compiled(SENSOR_SOURCE_NONE), -EINVAL);
	cr_assert_eq(sensor_source_type_compiled(SENSOR__SOURCE_MAX), -EINVAL);
	cr_assert_null(sensor_source_type_name(SENSOR__SOURCE_MAX));
	/* the type of a source as added */
	cr_assert_eq(sensor_source_get_type(src), SENSOR_SOURCE_INJECT);
	/* the run-time version is the compile-time one */
	cr_assert_str_eq(sensor_version(), SENSOR_VERSION_STRING);
}

struct probe_seen {
	int compiled[SENSOR__SOURCE_MAX], checks[SENSOR__SOURCE_MAX];
	bool blocked[SENSOR__SOURCE_MAX]; /* a required check that is not 1 */
};

static void on_probe(void *ud, enum sensor_source_type t, const char *check, int status,
		     uint32_t flags, const char *detail)
{
	struct probe_seen *p = ud;

	cr_assert(t > SENSOR_SOURCE_NONE && t < SENSOR__SOURCE_MAX && t != SENSOR_SOURCE_INJECT,
		  "type %d", t);
	cr_assert_not_null(check);
	cr_assert_not_null(detail);
	p->checks[t]++;
	if (strcmp(check, "compiled") == 0)
		p->compiled[t] += status == 1 ? 1 : 100;
	if (status != 1 && !(flags & SENSOR_PROBE_OPTIONAL))
		p->blocked[t] = true;
}

/* sensor_probe: one "compiled" check per source, and its count is the sources it found usable. */
Test(loop, probe_reports_every_source_and_counts_the_usable)
{
	struct probe_seen p = { 0 };
	int usable, want = 0;

	usable = sensor_probe(0, on_probe, &p);
	cr_assert_geq(usable, 0);
	for (int t = 1; t < SENSOR__SOURCE_MAX; t++) {
		if (t == SENSOR_SOURCE_INJECT) {
			cr_assert_eq(p.checks[t], 0);
			continue;
		}
		cr_assert_eq(p.compiled[t],
			     sensor_source_type_compiled((enum sensor_source_type)t) == 1 ? 1 : 100,
			     "type %d", t);
		if (sensor_source_type_compiled((enum sensor_source_type)t) == 1)
			cr_assert_gt(p.checks[t], 1, "type %d: a compiled source probes the kernel", t);
		want += !p.blocked[t];
	}
	cr_assert_eq(usable, want, "%d usable, %d without a failed required check", usable, want);
	cr_assert_eq(sensor_probe(1, on_probe, &p), -EINVAL);
	cr_assert_eq(sensor_probe(0, NULL, NULL), -EINVAL);
}

/* Sources that gate other processes' file access are removed first. */
static int stop_order[4], nstops;

static int order_start(struct sensor_source *src, const void *opts)
{
	(void)src;
	(void)opts;
	return 0;
}

static void order_stop_plain(struct sensor_source *src)
{
	(void)src;
	stop_order[nstops++] = 1;
}

static void order_stop_gate(struct sensor_source *src)
{
	(void)src;
	stop_order[nstops++] = 2;
}

static const struct source_ops plain_ops = {
	.type = SENSOR_SOURCE_INJECT, .compiled = true, .start = order_start, .stop = order_stop_plain,
};
static const struct source_ops gate_ops = {
	.type = SENSOR_SOURCE_FANOTIFY, .compiled = true, .gates = true, .start = order_start,
	.stop = order_stop_gate,
};

Test(teardown, gating_sources_go_first)
{
	sensor_ctx *c;

	nstops = 0;
	cr_assert_eq(sensor_ctx_new(NULL, &c), 0);
	cr_assert_eq(ctx_source_add_ops(c, &plain_ops, NULL, NULL), 0);
	cr_assert_eq(ctx_source_add_ops(c, &gate_ops, NULL, NULL), 0);
	cr_assert_eq(ctx_source_add_ops(c, &plain_ops, NULL, NULL), 0);
	sensor_ctx_free(c);
	cr_assert_eq(nstops, 3);
	cr_assert_eq(stop_order[0], 2, "the permission group goes before sources that run tools");
	cr_assert_eq(stop_order[1], 1);
	cr_assert_eq(stop_order[2], 1);
}

/* run() sleeps in the epoll set itself: what is ready is dispatched even with no time to wait. */
Test(loop, run_with_zero_timeout_dispatches_what_is_ready)
{
	feed(3);
	cr_assert_eq(sensor_ctx_run(ctx, 0), 0);
	cr_assert_eq(events, 3);
	feed(2000); /* more than one pass's budget: drained before it returns */
	cr_assert_eq(sensor_ctx_run(ctx, 0), 0);
	cr_assert_eq(events, 2003);
}

static void *feed_later(void *arg)
{
	(void)arg;
	usleep(20000);
	feed(1);
	return NULL;
}

static void exit_on_event(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)ev;
	(void)ud;
	events++;
	sensor_ctx_exit(c, 5);
}

/* A sleeping run() wakes for a source's fd, not only for the deadline or an exit. */
Test(loop, run_wakes_for_a_ready_fd)
{
	pthread_t t;
	uint64_t t0 = now_mono();

	sensor_ctx_set_event_cb(ctx, exit_on_event, NULL);
	pthread_create(&t, NULL, feed_later, NULL);
	cr_assert_eq(sensor_ctx_run(ctx, 10000000000ull), 5);
	pthread_join(t, NULL);
	cr_assert_eq(events, 1);
	cr_assert_lt(now_mono() - t0, 5000000000ull, "woken by the fd, long before the timeout");
}

static void run_in_cb(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)ev;
	*(int *)ud = sensor_ctx_run(c, 0);
}

Test(loop, run_inside_a_callback_is_refused)
{
	int r = 1;

	sensor_ctx_set_event_cb(ctx, run_in_cb, &r);
	feed(1);
	sensor_ctx_process(ctx, 0);
	cr_assert_eq(r, -EBUSY);
}

static int64_t loss_count = -1;
static char loss_detail[64];

static void on_loss(sensor_ctx *c, sensor_event *ev, void *ud)
{
	const char *d;

	(void)c;
	(void)ud;
	if (sensor_event_kind(ev) != SENSOR_KIND_LOSS)
		return;
	cr_assert_eq(sensor_event_get_int(ev, SENSOR_FIELD_LOSS_COUNT, &loss_count), 0);
	d = sensor_event_get_str(ev, SENSOR_FIELD_LOSS_DETAIL);
	snprintf(loss_detail, sizeof(loss_detail), "%s", d ? d : "");
	cr_assert_str_eq(sensor_event_get_str(ev, SENSOR_FIELD_LOSS_SOURCE), "inject");
}

/* A loss is an event with its count, and both counters (the source's, the context's) add it. */
Test(loop, loss_is_an_event_and_counted_exactly)
{
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	struct sensor_stats st = { .sz = sizeof(st) };

	sensor_ctx_set_event_cb(ctx, on_loss, NULL);
	ctx_emit_loss(src, 7, "seven gone");
	cr_assert_eq(loss_count, 7);
	cr_assert_str_eq(loss_detail, "seven gone");
	ctx_emit_loss(src, 5, NULL);
	cr_assert_eq(loss_count, 5);
	cr_assert_eq(sensor_source_get_stats(src, &ss), 0);
	cr_assert_eq(ss.lost, 12);
	cr_assert_eq(sensor_ctx_get_stats(ctx, &st), 0);
	cr_assert_eq(st.lost, 12);
}
