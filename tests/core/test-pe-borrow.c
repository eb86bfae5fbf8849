/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An event's process entry is borrowed while the event is dispatched (no
 * atomic reference per event) and owned once the event is kept: the entry
 * must outlive the process cache dropping it in both cases (ASan checks).
 */
#include <string.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "core/context.h"
#include "identity/proc-cache.h"
#include "testlib.h"

static int src_start(struct sensor_source *src, const void *opts)
{
	(void)src;
	(void)opts;
	return 0;
}

static const struct source_ops ops = {
	.type = SENSOR_SOURCE_PROC, .compiled = true, .start = src_start,
};

static sensor_ctx *ctx;
static struct sensor_source *src;
static sensor_event *kept;
static char comm[64];
static bool drop_in_cb, keep_in_cb;

static void on_event(sensor_ctx *c, sensor_event *ev, void *ud)
{
	const char *s;

	(void)ud;
	if (drop_in_cb) /* the cache lets go of the entry while the event uses it */
		proc_cache_exit(c->procs, getpid());
	if (keep_in_cb && !kept) /* the first event only */
		kept = sensor_event_ref(ev);
	s = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_COMM);
	cr_assert_not_null(s);
	snprintf(comm, sizeof(comm), "%s", s);
}

static void setup(void)
{
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_event, NULL);
	cr_assert_eq(ctx_source_add_ops(ctx, &ops, NULL, &src), 0);
	kept = NULL;
	comm[0] = '\0';
	drop_in_cb = keep_in_cb = false;
}

static void teardown(void)
{
	sensor_event_unref(kept);
	sensor_ctx_free(ctx);
}

TestSuite(pe_borrow, .init = setup, .fini = teardown);

static void emit_self(void)
{
	struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_FILE);

	cr_assert_not_null(ev);
	ev_set_int(ev, SENSOR_FIELD_PROCESS_PID, getpid());
	ev_set_str(ev, SENSOR_FIELD_FILE_OP, "open");
	ctx_emit(ctx, ev);
}

static const char *self_comm(void)
{
	static char buf[64];
	FILE *f = fopen("/proc/self/comm", "re");

	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

Test(pe_borrow, dropped_by_the_cache_during_the_callback)
{
	struct sensor_stats st = { .sz = sizeof(st) };

	drop_in_cb = true;
	emit_self();
	cr_assert_str_eq(comm, self_comm());
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.proc_cache_entries, 0, "dropped, released after the dispatch");
}

Test(pe_borrow, kept_event_outlives_the_cache_entry)
{
	keep_in_cb = true;
	emit_self();
	cr_assert_not_null(kept);
	proc_cache_exit(ctx->procs, getpid()); /* the cache's reference goes now */
	emit_self();                           /* and a fresh entry is loaded */
	cr_assert_str_eq(sensor_event_get_str(kept, SENSOR_FIELD_PROCESS_COMM), self_comm());
	cr_assert_str_eq(comm, self_comm());
}

Test(pe_borrow, kept_then_dropped_during_the_callback)
{
	keep_in_cb = true;
	drop_in_cb = true;
	emit_self();
	cr_assert_not_null(kept);
	cr_assert_str_eq(sensor_event_get_str(kept, SENSOR_FIELD_PROCESS_COMM), self_comm());
	kept = sensor_event_unref(kept); /* the last reference frees the entry */
}

Test(pe_borrow, ref_taken_before_the_emit)
{
	struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_FILE);

	cr_assert_not_null(ev);
	ev_set_int(ev, SENSOR_FIELD_PROCESS_PID, getpid());
	kept = sensor_event_ref(ev); /* a source that keeps its event (fanotify's follow-ups) */
	ctx_emit(ctx, ev);
	proc_cache_exit(ctx->procs, getpid());
	cr_assert_str_eq(sensor_event_get_str(kept, SENSOR_FIELD_PROCESS_COMM), self_comm());
}
