/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Alert deduplication within a window and per-workload rate limits. */
#include <time.h>

#include "inject.h"

static void ptrace_at(struct tb *t, const char *wl, uint64_t at)
{
	tb_sys(t, wl, NULL, "ptrace", at);
}

Test(alerts, duplicates_fold_into_one_aggregate)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .dedup_window_ns = 60 * SEC };
	struct sensor_baseline_stats st = { .sz = sizeof(st) };
	struct tb t;

	tb_open(&t, &o);
	for (int i = 0; i < 10; i++)
		ptrace_at(&t, "c1", T0 + (uint64_t)i * SEC);
	/* the first went out at once; 9 duplicates wait for the window to close */
	cr_assert_eq(tb_count(&t, "ptrace"), 1);
	cr_assert_eq(t.a[0].count, 1);
	cr_assert(strstr(t.a[0].json, "\"rule\":\"ptrace\""), "%s", t.a[0].json);
	cr_assert(strstr(t.a[0].json, "\"severity\":\"high\""));
	/* another workload is its own series */
	ptrace_at(&t, "c2", T0 + 5 * SEC);
	cr_assert_eq(tb_count(&t, "ptrace"), 2);
	/* the window closes: one aggregate with count, first and last */
	ptrace_at(&t, "c3", T0 + 61 * SEC);
	sensor_baseline_flush(t.b);
	cr_assert_eq(tb_count(&t, "ptrace"), 4, "%d", t.n);
	cr_assert_eq(t.a[3].count, 9);
	cr_assert_str_eq(t.a[3].workload, "c1");
	cr_assert(strstr(t.a[3].json, "\"count\":9,\"first\":\"2026-11-23T10:00:01.000000000Z\","
				      "\"last\":\"2026-11-23T10:00:09.000000000Z\""),
		  "%s", t.a[3].json);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_eq(st.deduplicated, 9);
	cr_assert_eq(st.alerts, 4);
	/* after the window a new occurrence is a fresh alert */
	ptrace_at(&t, "c1", T0 + 200 * SEC);
	cr_assert_eq(tb_count(&t, "ptrace"), 5);
	cr_assert_eq(t.a[4].count, 1);
	tb_close(&t);
}

Test(alerts, rate_limit_per_workload_reports_suppressed)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .rate_limit = 3,
					  .rate_window_ns = 60 * SEC };
	struct sensor_baseline_stats st = { .sz = sizeof(st) };
	struct tb t;
	char name[32];

	tb_open(&t, &o);
	/* 8 different rule hits (distinct files): not duplicates of each other */
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "/etc/conf%d", i);
		tb_file(&t, "c1", NULL, "write", name, T0 + (uint64_t)i * SEC);
	}
	/* c2 has its own budget */
	tb_file(&t, "c2", NULL, "write", "/etc/passwd", T0 + 10 * SEC);
	cr_assert_eq(tb_count(&t, "write-etc"), 4, "%d", t.n);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_eq(st.suppressed, 5);
	/* window over: the held-back count is reported, never silently dropped */
	tb_file(&t, "c3", NULL, "write", "/etc/x", T0 + 70 * SEC);
	sensor_baseline_flush(t.b);
	cr_assert_eq(tb_count(&t, "rate_limited"), 1);
	for (int i = 0; i < t.n; i++)
		if (strcmp(t.a[i].reason, "rate_limited") == 0) {
			cr_assert_eq(t.a[i].suppressed, 5);
			cr_assert_str_eq(t.a[i].workload, "c1");
			cr_assert(strstr(t.a[i].json, "\"suppressed\":5"), "%s", t.a[i].json);
		}
	tb_close(&t);
}

Test(alerts, json_shape)
{
	struct tb t;

	tb_open(&t, NULL);
	tb_exec(&t, "c1", "img", "/usr/bin/xmrig", "/bin/sh", T0);
	cr_assert_eq(tb_count(&t, "miner-exec"), 1);
	cr_assert(strncmp(t.a[0].json, "{\"alert\":{\"id\":\"", 15) == 0, "%s", t.a[0].json);
	cr_assert(strstr(t.a[0].json, "\"workload\":{\"kind\":\"container\",\"id\":\"c1\",\"class\":\"img\"}"),
		  "%s", t.a[0].json);
	cr_assert(strstr(t.a[0].json, "\"process\":{\"pid\":4242,\"ppid\":4241,\"uid\":1000"), "%s",
		  t.a[0].json);
	cr_assert(strstr(t.a[0].json, "\"chain\":[{\"pid\":4241,\"exe\":\"/bin/sh\"}]"), "%s",
		  t.a[0].json);
	cr_assert(strstr(t.a[0].json, "\"description\":\"a known crypto-miner"), "%s", t.a[0].json);
	tb_close(&t);
}

/* Sum of count over the captured alerts of one rule or reason. */
static uint64_t tb_sum(const struct tb *t, const char *name)
{
	uint64_t n = 0;

	for (int i = 0; i < t->n; i++)
		if (strcmp(t->a[i].reason, name) == 0 || strcmp(t->a[i].rule, name) == 0)
			n += t->a[i].count;
	return n;
}

/* Free the baseline (a stop path) but keep the captured alerts to look at. */
static void tb_free_baseline(struct tb *t)
{
	cr_assert_null(sensor_baseline_free(t->b));
	t->b = NULL;
}

static void tb_done(struct tb *t)
{
	sensor_ctx_free(t->ctx);
	tb_clear(t);
}

Test(alerts, free_writes_pending_aggregates_with_their_counts)
{
	struct tb t;

	tb_open(&t, NULL);
	for (int i = 0; i < 5; i++)
		ptrace_at(&t, "c1", T0 + (uint64_t)i * 300000000u); /* 0.3 s apart */
	cr_assert_eq(tb_count(&t, "ptrace"), 1);
	cr_assert_eq(tb_sum(&t, "ptrace"), 1);
	/* an embedder stops: the four repeats still in their window come out */
	tb_free_baseline(&t);
	cr_assert_eq(tb_count(&t, "ptrace"), 2, "%d", t.n);
	cr_assert_eq(tb_sum(&t, "ptrace"), 5);
	cr_assert_eq(t.a[1].count, 4);
	tb_done(&t);
}

Test(alerts, flush_alerts_keeps_the_series_open)
{
	struct tb t;

	tb_open(&t, NULL);
	for (int i = 0; i < 3; i++)
		ptrace_at(&t, "c1", T0 + (uint64_t)i * SEC);
	/* a reload: what is pending goes out, the series goes on */
	cr_assert_eq(sensor_baseline_flush_alerts(t.b, 0), 1);
	cr_assert_eq(tb_sum(&t, "ptrace"), 3);
	cr_assert_eq(sensor_baseline_flush_alerts(t.b, 0), 0); /* nothing twice */
	cr_assert_eq(sensor_baseline_flush_alerts(t.b, 1), -EINVAL);
	cr_assert_eq(sensor_baseline_flush_alerts(NULL, 0), -EINVAL);
	for (int i = 3; i < 10; i++)
		ptrace_at(&t, "c1", T0 + (uint64_t)i * SEC);
	cr_assert_eq(tb_count(&t, "ptrace"), 2); /* still within the window: folded */
	tb_free_baseline(&t);
	cr_assert_eq(tb_count(&t, "ptrace"), 3);
	cr_assert_eq(tb_sum(&t, "ptrace"), 10);
	tb_done(&t);
}

Test(alerts, rule_alerts_have_their_own_budget)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .rate_limit = 3, .burst_count = 100 };
	struct tb t;
	char path[64];
	int n_exec = 0;

	/* a flood of baseline alerts of one severity must not spend the budget
	 * of the threat rules or of another severity */
	tb_open(&t, &o);
	for (int m = 0; m < 120; m += 10)
		tb_benign(&t, "c1", NULL, T0 + (uint64_t)m * 60 * SEC);
	for (int i = 0; i < 8; i++) { /* 8 new execs: high, baseline */
		snprintf(path, sizeof(path), "/opt/bin/tool%c", 'a' + i);
		tb_exec(&t, "c1", NULL, path, NULL, T0 + 3 * HOUR + (uint64_t)i * SEC);
	}
	for (int i = 0; i < t.n; i++)
		n_exec += strcmp(t.a[i].reason, "new_exec") == 0;
	cr_assert_eq(n_exec, 3, "%d", n_exec);
	/* a threat rule of the same severity still gets through, and a critical one */
	tb_sys(&t, "c1", NULL, "ptrace", T0 + 3 * HOUR + 10 * SEC);
	cr_assert_eq(tb_count(&t, "ptrace"), 1);
	tb_exec(&t, "c1", NULL, "/usr/bin/xmrig", NULL, T0 + 3 * HOUR + 11 * SEC);
	cr_assert_eq(tb_count(&t, "miner-exec"), 1);
	/* the rate_limited report comes at stop, with what was held back by whom */
	cr_assert_eq(tb_count(&t, "rate_limited"), 0);
	tb_free_baseline(&t);
	cr_assert_eq(tb_count(&t, "rate_limited"), 1);
	for (int i = 0; i < t.n; i++)
		if (strcmp(t.a[i].reason, "rate_limited") == 0) {
			/* the 5 held-back new_exec plus xmrig's own new_exec */
			cr_assert_eq(t.a[i].suppressed, 6, "%s", t.a[i].json);
			cr_assert(strstr(t.a[i].json, "\"suppressed_by\":{\"baseline\":{\"high\":6}}"),
				  "%s", t.a[i].json);
			cr_assert_eq(t.a[i].sev, SENSOR_SEVERITY_HIGH);
		}
	tb_done(&t);
}

Test(alerts, held_back_series_counts_its_repeats)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .rate_limit = 1 };
	struct tb t;
	uint64_t shown = 0, held = 0;

	tb_open(&t, &o);
	ptrace_at(&t, "c1", T0);
	/* another high rule alert of the same budget: held back, and its repeats too */
	for (int i = 0; i < 4; i++)
		tb_file(&t, "c1", NULL, "open", "/etc/shadow", T0 + (uint64_t)(i + 1) * SEC);
	cr_assert_eq(tb_count(&t, "read-credential-store"), 0);
	tb_free_baseline(&t);
	for (int i = 0; i < t.n; i++) {
		if (strcmp(t.a[i].rule, "read-credential-store") == 0)
			shown += t.a[i].count;
		if (strcmp(t.a[i].reason, "rate_limited") == 0)
			held += t.a[i].suppressed;
	}
	/* every occurrence is an alert's count or a held-back count */
	cr_assert_eq(shown + held, 4, "shown %llu held %llu", (unsigned long long)shown,
		     (unsigned long long)held);
	cr_assert_eq(held, 4);
	tb_done(&t);
}

Test(alerts, a_files_operations_are_one_alert)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .burst_count = 3 };
	struct tb t;
	uint64_t at = T0 + 7 * 24 * HOUR + 30 * 60 * SEC; /* a week later, a learned hour */

	tb_open(&t, &o);
	for (int m = 0; m < 120; m += 10)
		tb_benign(&t, "c1", NULL, T0 + (uint64_t)m * 60 * SEC);
	/* one write of a new file: create, open, write, close_write, then delete */
	tb_file(&t, "c1", NULL, "create", "/srv/data/report.csv", at);
	tb_file(&t, "c1", NULL, "open", "/srv/data/report.csv", at + 1000);
	tb_file(&t, "c1", NULL, "write", "/srv/data/report.csv", at + 2000);
	tb_file(&t, "c1", NULL, "close_write", "/srv/data/report.csv", at + 3000);
	tb_file(&t, "c1", NULL, "delete", "/srv/data/report.csv", at + 100000000);
	cr_assert_eq(t.n, 0, "%s", t.n ? t.a[0].json : "");
	/* the window is over (the loop's timer; here the baseline's clock is the
	 * events' time): one alert listing the ops, and no burst */
	tb_sys(&t, "c1", NULL, "accept4", at + SEC);
	cr_assert_geq(sensor_baseline_flush(t.b), 0);
	cr_assert_eq(t.n, 1, "%d: %s", t.n, t.n > 1 ? t.a[1].json : "");
	cr_assert_str_eq(t.a[0].reason, "new_file");
	cr_assert_str_eq(t.a[0].feature, "file:create:/srv/data/report.csv");
	cr_assert_eq(t.a[0].count, 5);
	cr_assert(strstr(t.a[0].json, "\"ops\":[\"open\",\"write\",\"create\",\"delete\"],\"count\":5"),
		  "%s", t.a[0].json);
	/* later ops of the same file fold into the series' next aggregate */
	tb_file(&t, "c1", NULL, "attrib", "/srv/data/report.csv", at + 5 * SEC);
	tb_free_baseline(&t);
	cr_assert_eq(tb_count(&t, "new_file"), 2);
	cr_assert(strstr(t.a[1].json, "\"ops\":[\"attrib\"],\"count\":1"), "%s", t.a[1].json);
	cr_assert_eq(tb_count(&t, "burst"), 0);
	tb_done(&t);
}

Test(alerts, rule_alerts_about_a_file_never_wait)
{
	struct tb t;

	tb_open(&t, NULL);
	tb_file(&t, "c1", NULL, "create", "/etc/cron.d/job", T0);
	cr_assert_eq(tb_count(&t, "write-etc"), 1);
	cr_assert(strstr(t.a[0].json, "\"ops\":[\"create\"],\"count\":1"), "%s", t.a[0].json);
	tb_file(&t, "c1", NULL, "write", "/etc/cron.d/job", T0 + 1000);
	tb_file(&t, "c1", NULL, "close_write", "/etc/cron.d/job", T0 + 2000);
	cr_assert_eq(tb_count(&t, "write-etc"), 1);
	tb_free_baseline(&t);
	cr_assert_eq(tb_count(&t, "write-etc"), 2);
	cr_assert_eq(tb_sum(&t, "write-etc"), 3);
	tb_done(&t);
}

/* ---- on the real clock, through the context's loop ----------------------- */

static uint64_t clock_gettime_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct live {
	int n;
	uint64_t count;
	char rule[64];
};

static void live_alert(sensor_baseline *b, const sensor_alert *al, void *ud)
{
	struct live *l = ud;

	(void)b;
	l->n++;
	l->count += sensor_alert_count(al);
	snprintf(l->rule, sizeof(l->rule), "%s",
		 sensor_alert_rule(al) ? sensor_alert_rule(al) : sensor_alert_reason(al));
}

static void live_file(sensor_source *src, const char *op, const char *path)
{
	sensor_event *ev;

	cr_assert_eq(sensor_inject_new(src, SENSOR_KIND_FILE, &ev), 0);
	sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_PID, 4242);
	sensor_event_set_str(ev, SENSOR_FIELD_FILE_OP, op);
	sensor_event_set_str(ev, SENSOR_FIELD_FILE_PATH, path);
	cr_assert_eq(sensor_inject_emit(src, ev), 0);
}

Test(alerts, held_file_alert_goes_out_on_the_loop_timer)
{
	struct live l = { 0 };
	struct sensor_baseline_opts o = { .sz = sizeof(o), .mode = SENSOR_BASELINE_LEARN,
					  .min_learn_ns = 1, .stable_ns = 1,
					  .file_window_ns = 200000000u, .alert_fn = live_alert,
					  .alert_userdata = &l };
	sensor_ctx *ctx;
	sensor_source *src;
	sensor_baseline *b;
	uint64_t d;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src), 0);
	cr_assert_eq(sensor_baseline_attach(ctx, &o, &b), 0);
	/* learns one feature, then monitors (1 ns of learning, 1 ns stable) */
	live_file(src, "open", "/srv/known");
	usleep(1000);
	live_file(src, "open", "/srv/known");
	cr_assert_eq(sensor_baseline_get_state(b, "host"), SENSOR_BASELINE_STATE_MONITORING);
	live_file(src, "create", "/srv/new");
	live_file(src, "write", "/srv/new");
	cr_assert_eq(l.n, 0);
	/* the loop's deadline is the held alert's, not the 5 s store flush */
	cr_assert_eq(sensor_ctx_get_deadline(ctx, &d), 0);
	cr_assert_lt(d, (uint64_t)clock_gettime_mono_ns() + 300000000u);
	cr_assert_geq(sensor_ctx_run(ctx, 600000000u), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.rule, "new_file");
	cr_assert_eq(l.count, 2);
	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
}

static int count_stored(void *ud, const struct sensor_stored_alert *a)
{
	(void)a;
	++*(int *)ud;
	return 0;
}

Test(alerts, store_gets_an_alert_within_milliseconds)
{
	char dir[] = "/tmp/alerts-store-XXXXXX", db[64];
	struct live l = { 0 };
	struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = db, .alert_fn = live_alert,
					  .alert_userdata = &l };
	sensor_ctx *ctx;
	sensor_source *src;
	sensor_baseline *b;
	sensor_store *st;
	int stored = 0;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/b.db", dir);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src), 0);
	cr_assert_eq(sensor_baseline_attach(ctx, &o, &b), 0);
	live_file(src, "open", "/etc/shadow"); /* read-credential-store, at once */
	cr_assert_eq(l.n, 1);
	/* the 5 s store flush is not waited for: the store is a sink too */
	cr_assert_geq(sensor_ctx_run(ctx, 100000000u), 0);
	cr_assert_eq(sensor_store_open(db, SENSOR_STORE_READONLY, &st), 0);
	cr_assert_eq(sensor_store_alerts(st, NULL, 0, 0, count_stored, &stored), 1);
	cr_assert_eq(stored, 1);
	sensor_store_close(st);
	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
	unlink(db);
	{ char cmd[96]; snprintf(cmd, sizeof(cmd), "rm -rf %s", dir); run_sh(cmd); }
}

Test(alerts, one_occurrence_seen_by_two_sources_counts_once)
{
	struct tb t;
	sensor_source *src2;
	sensor_event *ev;

	tb_open(&t, NULL);
	/* a second source (as audit next to fanotify) reports the same opens */
	cr_assert_eq(sensor_source_add(t.ctx, SENSOR_SOURCE_INJECT, NULL, &src2), 0);
	for (int i = 0; i < 5; i++) {
		uint64_t at = T0 + (uint64_t)i * 300000000u;

		tb_file(&t, "c1", NULL, "open", "/etc/shadow", at);
		cr_assert_eq(sensor_inject_new(src2, SENSOR_KIND_FILE, &ev), 0);
		sensor_event_set_int(ev, SENSOR_FIELD_TIME, (int64_t)(at + 2000000));
		sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_PID, 4242);
		sensor_event_set_str(ev, SENSOR_FIELD_WORKLOAD_ID, "c1");
		sensor_event_set_str(ev, SENSOR_FIELD_WORKLOAD_KIND, "container");
		sensor_event_set_str(ev, SENSOR_FIELD_FILE_OP, "open");
		sensor_event_set_str(ev, SENSOR_FIELD_FILE_PATH, "/etc/shadow");
		cr_assert_eq(sensor_inject_emit(src2, ev), 0);
	}
	/* the same source seeing the same process twice is two occurrences */
	tb_file(&t, "c1", NULL, "open", "/etc/shadow", T0 + 2 * SEC);
	tb_free_baseline(&t);
	cr_assert_eq(tb_sum(&t, "read-credential-store"), 6);
	tb_done(&t);
}

/*
 * The window's edge, with no housekeeping in between (no flush, no timer):
 * a duplicate 1 ns before the window ends folds, one at the end itself
 * starts a new window (the window is [first, first + dedup_window)), and
 * the folded one is reported as its aggregate first. Removing the time
 * check or moving the boundary (< to <=) fails here.
 */
Test(alerts, window_edge_is_exclusive_without_housekeeping)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .dedup_window_ns = 60 * SEC,
					  .flush_interval_ns = 3600 * SEC };
	struct sensor_baseline_stats st = { .sz = sizeof(st) };
	struct tb t;

	tb_open(&t, &o);
	ptrace_at(&t, "c1", T0);
	ptrace_at(&t, "c1", T0 + 60 * SEC - 1);
	cr_assert_eq(t.n, 1, "the duplicate inside the window folded (%d alerts)", t.n);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_eq(st.deduplicated, 1);
	ptrace_at(&t, "c1", T0 + 60 * SEC);
	cr_assert_eq(t.n, 3, "aggregate of the folded one, then a fresh alert (%d alerts)", t.n);
	cr_assert_eq(t.a[1].count, 1);
	cr_assert(strstr(t.a[1].json, "\"first\":\"2026-11-23T10:00:59.999999999Z\""), "%s",
		  t.a[1].json);
	cr_assert_eq(t.a[2].count, 1);
	cr_assert(strstr(t.a[2].json, "\"first\":\"2026-11-23T10:01:00.000000000Z\""), "%s",
		  t.a[2].json);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_eq(st.deduplicated, 1);
	cr_assert_eq(st.alerts, 3);
	/* long after the window, still without housekeeping: a fresh alert */
	ptrace_at(&t, "c1", T0 + 1000 * SEC);
	cr_assert_eq(t.n, 4, "%d alerts", t.n);
	cr_assert_eq(t.a[3].count, 1);
	tb_close(&t);
}

/*
 * Housekeeping (a flush) closes a window at its end, not before: a flush on
 * the clock 1 ns before the end keeps the duplicate pending, one at the end
 * reports the aggregate.
 */
Test(alerts, housekeeping_closes_a_window_at_its_end)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .dedup_window_ns = 60 * SEC };
	struct tb t;

	tb_open(&t, &o);
	ptrace_at(&t, "c1", T0);
	ptrace_at(&t, "c1", T0 + SEC);
	cr_assert_eq(t.n, 1);
	/* the clock (event time) moves to 1 ns before the window's end */
	tb_exec(&t, "c2", NULL, "/usr/bin/id", NULL, T0 + 60 * SEC - 1);
	cr_assert_eq(sensor_baseline_flush(t.b), 0);
	cr_assert_eq(t.n, 1, "the window is still open (%d alerts)", t.n);
	tb_exec(&t, "c2", NULL, "/usr/bin/id", NULL, T0 + 60 * SEC);
	cr_assert_eq(sensor_baseline_flush(t.b), 0);
	cr_assert_eq(t.n, 2, "the aggregate at the window's end (%d alerts)", t.n);
	cr_assert_eq(t.a[1].count, 1);
	tb_close(&t);
}
