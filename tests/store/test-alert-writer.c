/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The store's alerts written by the baseline's writer thread
 * (libsensor/store/store-alert-writer.c), through the public API: a store
 * that cannot be written for now (another connection holds its write
 * lock: a disk or journal stall) never holds up the loop, the alert is
 * committed once the lock goes, and every stop path
 * (sensor_baseline_flush_alerts(), sensor_baseline_free()) drains the
 * queue: the counts of a repeated behaviour in the table add up.
 */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "testlib.h"

static char dir[64], db[96];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/alert-writer-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/b.db", dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

TestSuite(alert_writer, .init = setup, .fini = teardown);

static int n_cb;

static void on_alert(sensor_baseline *b, const sensor_alert *a, void *ud)
{
	(void)b, (void)a, (void)ud;
	n_cb++;
}

static void read_shadow(sensor_source *src)
{
	sensor_event *ev;

	cr_assert_eq(sensor_inject_new(src, SENSOR_KIND_FILE, &ev), 0);
	sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_PID, 4242);
	sensor_event_set_str(ev, SENSOR_FIELD_FILE_OP, "open");
	sensor_event_set_str(ev, SENSOR_FIELD_FILE_PATH, "/etc/shadow");
	cr_assert_eq(sensor_inject_emit(src, ev), 0); /* dispatched now, the alert raised */
}

struct sum {
	int n;
	long long count;
};

static int add_count(void *ud, const struct sensor_stored_alert *a)
{
	struct sum *s = ud;
	const char *c = strstr(a->json, "\"count\":");

	cr_assert_not_null(c, "%s", a->json);
	s->n++;
	s->count += strtoll(c + 8, NULL, 10);
	return 0;
}

static struct sum stored(void)
{
	struct sum s = { 0 };
	sensor_store *st;

	cr_assert_eq(sensor_store_open(db, SENSOR_STORE_READONLY, &st), 0);
	cr_assert_geq(sensor_store_alerts(st, NULL, 0, 0, add_count, &s), 0);
	sensor_store_close(st);
	return s;
}

static void attach(sensor_ctx **ctx, sensor_source **src, sensor_baseline **b)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = db, .alert_fn = on_alert };

	n_cb = 0;
	cr_assert_eq(sensor_ctx_new(NULL, ctx), 0);
	cr_assert_eq(sensor_source_add(*ctx, SENSOR_SOURCE_INJECT, NULL, src), 0);
	cr_assert_eq(sensor_baseline_attach(*ctx, &o, b), 0);
}

Test(alert_writer, a_locked_store_never_holds_up_the_loop)
{
	struct sensor_baseline_stats bs = { .sz = sizeof(bs) };
	sensor_ctx *ctx;
	sensor_source *src;
	sensor_baseline *b;
	sqlite3 *lock;
	struct sum s;

	attach(&ctx, &src, &b);
	/* another writer holds the store's write lock (as a commit stalled on the disk would) */
	cr_assert_eq(sqlite3_open(db, &lock), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	read_shadow(src);
	cr_assert_eq(n_cb, 1);
	/*
	 * The loop runs on while the store is locked: had it written the alert
	 * itself (the old 10 ms transaction on the loop), it would have waited
	 * out SQLite's busy timeout (2 s) and failed the flush.
	 */
	cr_assert_geq(sensor_ctx_run(ctx, 50000000u), 0);
	cr_assert_eq(sensor_baseline_get_stats(b, &bs), 0);
	cr_assert_eq(bs.flush_errors, 0);
	cr_assert_eq(sqlite3_exec(lock, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(lock);
	/* a flush call waits for the writer: the alert is in the table on return */
	cr_assert_geq(sensor_baseline_flush_alerts(b, 0), 0);
	s = stored();
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.count, 1);
	cr_assert_eq(sensor_baseline_get_stats(b, &bs), 0);
	cr_assert_eq(bs.flush_errors, 0);
	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
}

Test(alert_writer, free_drains_the_queue_with_the_last_aggregate)
{
	sensor_ctx *ctx;
	sensor_source *src;
	sensor_baseline *b;
	struct sum s;

	attach(&ctx, &src, &b);
	for (int i = 0; i < 5; i++)
		read_shadow(src); /* the first at once, four repeats folded */
	cr_assert_eq(n_cb, 1);
	/* stop at once, the loop never ran: the queue and the aggregate go out in free */
	cr_assert_null(sensor_baseline_free(b));
	cr_assert_eq(n_cb, 2);
	s = stored();
	cr_assert_eq(s.n, 2);
	cr_assert_eq(s.count, 5, "counts in the store add up to %lld", s.count);
	sensor_ctx_free(ctx);
}
