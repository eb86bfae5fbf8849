/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Alert deduplication within a window and per-workload rate limits. */
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
