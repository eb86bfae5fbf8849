/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SQLite store: flush and reload, migrations, export/import round trip
 * and merge semantics, hostile imports (rejected, store unchanged), diff,
 * reset, and kill -9 during heavy writes.
 */
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "../baseline/inject.h"

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/store-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

static const char *db(const char *name)
{
	static char p[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void learn_db(const char *path, const char *wl, const char *klass, uint64_t at, int hours)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = path };
	struct tb t;

	tb_open(&t, &o);
	for (int m = 0; m < hours * 60; m += 10)
		tb_benign(&t, wl, klass, at + (uint64_t)m * 60 * SEC);
	tb_close(&t); /* flushes */
}

static char *export_all(const char *path)
{
	sensor_store *s;
	char *buf = NULL;
	size_t len;

	cr_assert_eq(sensor_store_open(path, SENSOR_STORE_READONLY, &s), 0);
	cr_assert_eq(sensor_store_export(s, NULL, &buf, &len), 0);
	cr_assert_eq(strlen(buf), len);
	sensor_store_close(s);
	return buf;
}

TestSuite(store, .init = mkdir_tmp, .fini = rm_tmp);

Test(store, flush_and_reload_keeps_the_model)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = db("a.db") };
	struct sensor_baseline_stats st = { .sz = sizeof(st) };
	struct tb t;

	learn_db(db("a.db"), "c1", "web", T0, 2);
	/* reattached in monitor mode: the stored state and features are back */
	o.mode = SENSOR_BASELINE_MONITOR;
	tb_open(&t, &o);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_MONITORING);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_eq(st.features, 14, "%llu", (unsigned long long)st.features); /* 7 + class 7 */
	tb_benign(&t, "c1", "web", T0 + 7 * 24 * HOUR);
	cr_assert_eq(t.n, 0, "%s", t.n ? t.a[0].json : "");
	tb_exec(&t, "c1", "web", "/usr/bin/nc", "/bin/sh", T0 + 7 * 24 * HOUR + 60 * SEC);
	cr_assert_eq(tb_count(&t, "new_exec"), 1);
	tb_close(&t);
}

Test(store, enforce_mode_enforces_stored_instances_only)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = db("e.db"),
					  .mode = SENSOR_BASELINE_ENFORCE };
	struct tb t;

	learn_db(db("e.db"), "c1", NULL, T0, 2);
	tb_open(&t, &o);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_ENFORCING);
	tb_benign(&t, "new", NULL, T0);
	cr_assert_eq(sensor_baseline_get_state(t.b, "new"), SENSOR_BASELINE_STATE_LEARNING);
	tb_benign(&t, "new", NULL, T0 + 2 * HOUR);
	cr_assert_eq(sensor_baseline_get_state(t.b, "new"), SENSOR_BASELINE_STATE_MONITORING);
	tb_close(&t);
}

static int list_cb(void *ud, const struct sensor_workload_info *w)
{
	char *out = ud;

	strcat(out, w->id);
	strcat(out, w->state == SENSOR_BASELINE_STATE_MONITORING ? "=m;" : "=l;");
	return 0;
}

static int show_cb(void *ud, const struct sensor_feature_info *f)
{
	uint64_t *sum = ud;
	uint64_t h = 0;

	for (int i = 0; i < 168; i++)
		h += f->hours[i];
	cr_expect_eq(h, f->count, "%s: hours %llu count %llu", f->key, (unsigned long long)h,
		     (unsigned long long)f->count);
	sum[0] += f->count;
	sum[1]++;
	if (!sum[2] || f->first < sum[2])
		sum[2] = f->first;
	return 0;
}

Test(store, export_import_round_trip_and_merge)
{
	sensor_store *s;
	char *a, *b, *c, err[256];
	uint64_t sum[3] = { 0 };
	char listing[256] = "";

	learn_db(db("a.db"), "c1", "web", T0, 2);
	learn_db(db("a.db"), "c2", "web", T0 + 3 * HOUR, 1);
	a = export_all(db("a.db"));
	cr_assert(strstr(a, "{\"format\":\"rtsensor-baseline\",\"version\":1,\"workloads\":[\n  {\"id\":\"c1\""));
	/* into an empty store: the export of the copy is byte-identical */
	cr_assert_eq(sensor_store_open(db("b.db"), 0, &s), 0);
	cr_assert_gt(sensor_store_import(s, a, strlen(a), 0, err, sizeof(err)), 0, "%s", err);
	sensor_store_close(s);
	b = export_all(db("b.db"));
	cr_assert_str_eq(a, b);
	/* ordering: workloads by id (class:web, c1, c2 sorted), features by key */
	cr_assert_eq(sensor_store_open(db("b.db"), 0, &s), 0);
	cr_assert_eq(sensor_store_list(s, list_cb, listing), 3);
	cr_assert_str_eq(listing, "c1=m;c2=m;class:web=m;");
	cr_assert_eq(sensor_store_show(s, "c1", show_cb, sum), 7);
	cr_assert_eq(sensor_store_show(s, "nope", show_cb, sum), -ENOENT);
	/* importing again merges: counts add, first stays the minimum */
	{
		uint64_t before[3] = { 0 }, after[3] = { 0 };

		cr_assert_eq(sensor_store_show(s, "c1", show_cb, before), 7);
		cr_assert_gt(sensor_store_import(s, a, strlen(a), 0, err, sizeof(err)), 0, "%s", err);
		cr_assert_eq(sensor_store_show(s, "c1", show_cb, after), 7);
		cr_assert_eq(after[0], 2 * before[0]);
		cr_assert_eq(after[2], before[2]);
	}
	sensor_store_close(s);
	c = export_all(db("b.db"));
	cr_assert_str_neq(a, c);
	free(a);
	free(b);
	free(c);
}

Test(store, merge_min_max_and_hours)
{
	static const char x[] =
		"{\"format\":\"rtsensor-baseline\",\"version\":1,\"workloads\":[{\"id\":\"w\",\"kind\":\"container\","
		"\"class\":\"\",\"state\":\"monitoring\",\"learn_start\":100,\"last_new\":200,\"features\":["
		"{\"key\":\"exec:/bin/a\",\"count\":3,\"first\":10,\"last\":20,\"approved\":true,\"hours\":[[1,2],[5,1]]}]}]}";
	static const char y[] =
		"{\"format\":\"rtsensor-baseline\",\"version\":1,\"workloads\":[{\"id\":\"w\",\"kind\":\"container\","
		"\"class\":\"\",\"state\":\"learning\",\"learn_start\":50,\"last_new\":300,\"features\":["
		"{\"key\":\"exec:/bin/a\",\"count\":4,\"first\":5,\"last\":15,\"approved\":false,\"hours\":[[1,1],[7,3]]}]}]}";
	sensor_store *s;
	char *out, err[256];

	cr_assert_eq(sensor_store_open(db("m.db"), 0, &s), 0);
	cr_assert_eq(sensor_store_import(s, x, strlen(x), 0, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(sensor_store_import(s, y, strlen(y), 0, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(sensor_store_export(s, "w", &out, NULL), 0);
	cr_assert(strstr(out, "\"state\":\"monitoring\",\"learn_start\":50,\"last_new\":300"), "%s", out);
	cr_assert(strstr(out, "{\"key\":\"exec:/bin/a\",\"count\":7,\"first\":5,\"last\":20,"
			      "\"approved\":true,\"hours\":[[1,3],[5,1],[7,3]]}"), "%s", out);
	free(out);
	cr_assert_eq(sensor_store_export(s, "none", &out, NULL), -ENOENT);
	sensor_store_close(s);
}

/* ---- hostile imports ------------------------------------------------------ */

#define HDR "{\"format\":\"rtsensor-baseline\",\"version\":1,\"workloads\":["
#define WL(feats) "{\"id\":\"w\",\"kind\":\"c\",\"class\":\"\",\"state\":\"learning\",\"learn_start\":1,\"last_new\":1,\"features\":[" feats "]}"
#define FT(rest) "{\"key\":\"exec:/x\",\"count\":1,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[]" rest "}"

static const struct {
	const char *doc;
	int err;
	const char *msg;
} hostile[] = {
	{ "", -EBADMSG, "not valid JSON" },
	{ "{", -EBADMSG, "not valid JSON" },
	{ "[]", -EBADMSG, "not an object" },
	{ "{\"format\":\"other\",\"version\":1,\"workloads\":[]}", -EBADMSG, "is not rtsensor-baseline" },
	{ "{\"format\":\"rtsensor-baseline\",\"version\":2,\"workloads\":[]}", -EPROTO, "version 2" },
	{ "{\"format\":\"rtsensor-baseline\",\"version\":\"1\",\"workloads\":[]}", -EBADMSG, "version" },
	{ "{\"format\":\"rtsensor-baseline\",\"version\":1}", -EBADMSG, "workloads" },
	{ "{\"format\":\"rtsensor-baseline\",\"version\":1,\"workloads\":[],\"x\":1}", -EBADMSG, "unknown member \"x\"" },
	{ "{\"format\":\"rtsensor-baseline\",\"format\":\"rtsensor-baseline\",\"version\":1,\"workloads\":[]}", -EBADMSG, "duplicate" },
	{ HDR "1]}", -EBADMSG, "workloads[0]: not an object" },
	{ HDR "{\"id\":\"\",\"kind\":\"c\",\"class\":\"\",\"state\":\"learning\",\"learn_start\":1,\"last_new\":1,\"features\":[]}]}", -EBADMSG, "workloads[0].id" },
	{ HDR "{\"id\":\"w\",\"kind\":\"c\",\"class\":\"\",\"state\":\"sleeping\",\"learn_start\":1,\"last_new\":1,\"features\":[]}]}", -EBADMSG, "state" },
	{ HDR "{\"id\":\"w\",\"kind\":\"c\",\"class\":\"\",\"state\":\"learning\",\"learn_start\":-1,\"last_new\":1,\"features\":[]}]}", -EBADMSG, "learn_start" },
	{ HDR "{\"id\":\"w\\u0001\",\"kind\":\"c\",\"class\":\"\",\"state\":\"learning\",\"learn_start\":1,\"last_new\":1,\"features\":[]}]}", -EBADMSG, "control character" },
	{ HDR "{\"id\":\"w\\u0000x\",\"kind\":\"c\",\"class\":\"\",\"state\":\"learning\",\"learn_start\":1,\"last_new\":1,\"features\":[]}]}", -EBADMSG, "not valid JSON" },
	{ HDR WL("") "," WL("") "]}", -EBADMSG, "appears twice" },
	{ HDR WL("7") "]}", -EBADMSG, "features[0]: not an object" },
	{ HDR WL(FT("") "," FT("")) "]}", -EBADMSG, "appears twice" },
	{ HDR WL("{\"key\":\"bogus:/x\",\"count\":1,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[]}") "]}", -EBADMSG, "unknown feature kind" },
	{ HDR WL("{\"key\":\"exec:/x\",\"count\":0,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[]}") "]}", -EBADMSG, "count" },
	{ HDR WL("{\"key\":\"exec:/x\",\"count\":1.5,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[]}") "]}", -EBADMSG, "count" },
	{ HDR WL("{\"key\":\"exec:/x\",\"count\":9007199254740993,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[]}") "]}", -EBADMSG, "count" },
	{ HDR WL("{\"key\":\"exec:/x\",\"count\":1,\"first\":5,\"last\":1,\"approved\":true,\"hours\":[]}") "]}", -EBADMSG, "first seen after last" },
	{ HDR WL("{\"key\":\"exec:/x\",\"count\":1,\"first\":1,\"last\":1,\"approved\":1,\"hours\":[]}") "]}", -EBADMSG, "approved" },
	{ HDR WL("{\"key\":\"exec:/x\",\"count\":1,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[[168,1]]}") "]}", -EBADMSG, "hour 168" },
	{ HDR WL("{\"key\":\"exec:/x\",\"count\":1,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[[3,1],[2,1]]}") "]}", -EBADMSG, "order" },
	{ HDR WL("{\"key\":\"exec:/x\",\"count\":1,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[[3,4294967296]]}") "]}", -EBADMSG, "count 4294967296" },
	{ HDR WL("{\"key\":\"exec:/x\",\"count\":1,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[[3]]}") "]}", -EBADMSG, "pair" },
	{ HDR WL(FT(",\"evil\":1")) "]}", -EBADMSG, "unknown member \"evil\"" },
	/* a valid first workload and a bad second one: nothing of either is applied */
	{ HDR "{\"id\":\"a\",\"kind\":\"c\",\"class\":\"\",\"state\":\"learning\",\"learn_start\":1,\"last_new\":1,\"features\":[" FT("") "]}," WL("null") "]}", -EBADMSG, "features[0]: not an object" },
	{ "{\"format\":\"rtsensor-baseline\",\"version\":1,\"workloads\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", -EBADMSG, "not an object" },
};

Test(store, hostile_imports_are_rejected_and_change_nothing)
{
	sensor_store *s;
	char *before, *after, *big, err[256];
	size_t n;

	learn_db(db("h.db"), "c1", "web", T0, 2);
	before = export_all(db("h.db"));
	cr_assert_eq(sensor_store_open(db("h.db"), 0, &s), 0);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		int r = sensor_store_import(s, hostile[i].doc, strlen(hostile[i].doc), 0, err,
					    sizeof(err));

		cr_expect_eq(r, hostile[i].err, "case %zu: %d (%s)", i, r, err);
		cr_expect(strstr(err, hostile[i].msg), "case %zu: '%s' lacks '%s'", i, err,
			  hostile[i].msg);
	}
	/* a key longer than the limit */
	n = 5000;
	big = malloc(n + 512);
	snprintf(big, n + 512, HDR WL("{\"key\":\"exec:/%0*d\",\"count\":1,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[]}") "]}", (int)n, 0);
	cr_assert_eq(sensor_store_import(s, big, strlen(big), 0, err, sizeof(err)), -E2BIG, "%s", err);
	free(big);
	/* a file that would overflow a count when merged: all or nothing */
	{
		static const char ok[] = HDR WL(FT("")) "]}";
		static const char huge[] =
			HDR WL("{\"key\":\"exec:/a\",\"count\":1,\"first\":1,\"last\":1,\"approved\":true,\"hours\":[[0,4294967295]]}") "]}";
		char *mid, *end;

		cr_assert_eq(sensor_store_import(s, ok, strlen(ok), 0, err, sizeof(err)), 1, "%s", err);
		cr_assert_eq(sensor_store_import(s, huge, strlen(huge), 0, err, sizeof(err)), 1, "%s", err);
		mid = export_all(db("h.db"));
		cr_assert_eq(sensor_store_import(s, huge, strlen(huge), 0, err, sizeof(err)), -EOVERFLOW);
		cr_assert(strstr(err, "overflow"), "%s", err);
		end = export_all(db("h.db"));
		cr_assert_str_eq(mid, end);
		free(mid);
		free(end);
		cr_assert_eq(sensor_store_reset(s, "w"), 1);
	}
	sensor_store_close(s);
	after = export_all(db("h.db"));
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
}

/* ---- diff, reset, migrations ---------------------------------------------- */

struct diffs {
	int added, removed, changed;
	char last[256];
};

static int diff_cb(void *ud, enum sensor_diff_op op, const char *wl, const char *key, uint64_t a,
		   uint64_t b)
{
	struct diffs *d = ud;

	(void)a;
	(void)b;
	if (op == SENSOR_DIFF_ADDED)
		d->added++;
	else if (op == SENSOR_DIFF_REMOVED)
		d->removed++;
	else
		d->changed++;
	snprintf(d->last, sizeof(d->last), "%s %s", wl, key);
	return 0;
}

Test(store, diff_and_reset)
{
	struct diffs d = { 0 };
	char *a, *b, err[128];
	sensor_store *s;

	learn_db(db("d.db"), "c1", NULL, T0, 2);
	a = export_all(db("d.db"));
	cr_assert_eq(sensor_baseline_diff(a, strlen(a), a, strlen(a), diff_cb, &d, err, sizeof(err)), 0);
	{
		struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = db("d.db") };
		struct tb t;

		tb_open(&t, &o);
		tb_benign(&t, "c1", NULL, T0 + 3 * HOUR);
		tb_exec(&t, "c1", NULL, "/usr/bin/new", NULL, T0 + 3 * HOUR + 60 * SEC);
		tb_benign(&t, "c2", NULL, T0 + 3 * HOUR);
		tb_close(&t);
	}
	b = export_all(db("d.db"));
	cr_assert_eq(sensor_baseline_diff(a, strlen(a), b, strlen(b), diff_cb, &d, err, sizeof(err)),
		     1 + 7 + 7);
	cr_assert_eq(d.added, 1 + 7); /* the new exec, every feature of c2 */
	cr_assert_eq(d.changed, 7);  /* counts of c1's benign features went up */
	cr_assert_eq(d.removed, 0);
	cr_assert_eq(sensor_baseline_diff(a, strlen(a), "{}", 2, diff_cb, &d, err, sizeof(err)),
		     -EBADMSG);
	cr_assert_eq(sensor_store_open(db("d.db"), 0, &s), 0);
	cr_assert_eq(sensor_store_reset(s, "c2"), 1);
	cr_assert_eq(sensor_store_reset(s, "c2"), -ENOENT);
	cr_assert_eq(sensor_store_reset(s, NULL), 1);
	cr_assert_eq(sensor_store_list(s, NULL, NULL), 0);
	sensor_store_close(s);
	cr_assert_eq(sensor_store_open(db("d.db"), SENSOR_STORE_READONLY, &s), 0);
	cr_assert_eq(sensor_store_reset(s, NULL), -EROFS);
	sensor_store_close(s);
	free(a);
	free(b);
}

static void sql(const char *path, const char *q)
{
	sqlite3 *h;

	cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, q, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
	sqlite3_close(h);
}

static int int_of(const char *path, const char *q)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int v = -1;

	cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(h, q, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

Test(store, migrates_v1_to_v3_and_refuses_newer_or_garbage)
{
	sensor_store *s;
	char *out;
	FILE *f;

	/* a version 1 database as the first release wrote it */
	sql(db("v1.db"),
	    "CREATE TABLE schema_version (version INTEGER NOT NULL);"
	    "INSERT INTO schema_version VALUES (1);"
	    "CREATE TABLE workloads (id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL DEFAULT '',"
	    " class TEXT NOT NULL DEFAULT '', state TEXT NOT NULL DEFAULT 'learning',"
	    " learn_start INTEGER NOT NULL DEFAULT 0, last_new INTEGER NOT NULL DEFAULT 0,"
	    " last_seen INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	    "CREATE TABLE features (workload TEXT NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,"
	    " first INTEGER NOT NULL, last INTEGER NOT NULL, hours BLOB NOT NULL,"
	    " PRIMARY KEY (workload, key)) WITHOUT ROWID;"
	    "INSERT INTO workloads VALUES ('old', 'host', '', 'monitoring', 1, 2, 3);"
	    "INSERT INTO features VALUES ('old', 'exec:/bin/true', 4, 1, 2, zeroblob(672));");
	cr_assert_eq(sensor_store_open(db("v1.db"), SENSOR_STORE_READONLY, &s), -EROFS);
	cr_assert_eq(sensor_store_open(db("v1.db"), 0, &s), 0);
	cr_assert_eq(sensor_store_export(s, "old", &out, NULL), 0);
	cr_assert(strstr(out, "\"key\":\"exec:/bin/true\",\"count\":4,\"first\":1,\"last\":2,\"approved\":true"), "%s", out);
	free(out);
	sensor_store_close(s);
	cr_assert_eq(int_of(db("v1.db"), "SELECT version FROM schema_version"), 3);
	cr_assert_eq(int_of(db("v1.db"), "SELECT COUNT(*) FROM alerts"), 0);
	cr_assert_eq(int_of(db("v1.db"), "SELECT COUNT(*) FROM journal"), 0);
	/* a newer schema is refused */
	sql(db("v1.db"), "UPDATE schema_version SET version = 99");
	cr_assert_eq(sensor_store_open(db("v1.db"), 0, &s), -EPROTO);
	/* not a database */
	f = fopen(db("junk.db"), "w");
	fputs("this is not an sqlite database, not at all, really not............................", f);
	fclose(f);
	cr_assert_eq(sensor_store_open(db("junk.db"), 0, &s), -EBADMSG);
	cr_assert_eq(sensor_store_open(db("missing.db"), SENSOR_STORE_READONLY, &s), -ENOENT);
}

Test(store, alerts_are_stored)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = db("al.db") };
	struct tb t;

	tb_open(&t, &o);
	tb_sys(&t, "c1", NULL, "ptrace", T0);
	tb_close(&t);
	cr_assert_eq(int_of(db("al.db"), "SELECT COUNT(*) FROM alerts WHERE workload = 'c1'"
					 " AND json LIKE '%\"rule\":\"ptrace\"%'"), 1);
}

/* ---- kill -9 during heavy writes ------------------------------------------- */

static void writer(const char *path, int progress_fd)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = path,
					  .flags = SENSOR_BASELINE_EVENT_TIME,
					  .min_learn_ns = 1000 * HOUR };
	sensor_ctx *ctx;
	sensor_source *src;
	sensor_baseline *b;
	char p[64];

	if (sensor_ctx_new(NULL, &ctx) < 0 || sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src) < 0 ||
	    sensor_baseline_attach(ctx, &o, &b) < 0)
		_exit(2);
	for (uint64_t i = 0;; i++) {
		sensor_event *ev;

		if (sensor_inject_new(src, SENSOR_KIND_FILE, &ev) < 0)
			_exit(3);
		snprintf(p, sizeof(p), "/data/f%llu", (unsigned long long)(i % 1000000) * 7 + 1);
		/* a letter keeps the name from generalising: each one is a new feature */
		p[6] = (char)('a' + i % 26);
		sensor_event_set_int(ev, SENSOR_FIELD_TIME, (int64_t)(T0 + i * 1000));
		sensor_event_set_str(ev, SENSOR_FIELD_WORKLOAD_ID, i % 2 ? "w1" : "w2");
		sensor_event_set_str(ev, SENSOR_FIELD_FILE_OP, "open");
		sensor_event_set_str(ev, SENSOR_FIELD_FILE_PATH, p);
		sensor_inject_emit(src, ev);
		if (i % 5000 == 4999) {
			struct sensor_baseline_stats st = { .sz = sizeof(st) };
			uint64_t n;

			if (sensor_baseline_flush(b) < 0)
				_exit(4);
			sensor_baseline_get_stats(b, &st);
			n = st.features;
			/* what is committed now must survive the kill */
			if (write(progress_fd, &n, sizeof(n)) != sizeof(n))
				_exit(5);
		}
	}
}

Test(store, kill_9_during_heavy_writes_reopens_clean)
{
	int pfd[2];
	pid_t pid;
	uint64_t committed = 0, v;
	sensor_store *s;
	struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = db("k.db") };
	sensor_ctx *ctx;
	sensor_baseline *b;
	struct sensor_baseline_stats st = { .sz = sizeof(st) };
	int n = 0;

	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(pfd[0]);
		writer(db("k.db"), pfd[1]);
	}
	close(pfd[1]);
	/* let it commit a few batches, then kill it in the middle of work */
	while (n < 6 && read(pfd[0], &v, sizeof(v)) == sizeof(v)) {
		committed = v;
		n++;
	}
	usleep((useconds_t)(getpid() % 20) * 1000); /* land anywhere in the next batch */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	while (read(pfd[0], &v, sizeof(v)) == sizeof(v))
		committed = v; /* reports written before the kill */
	close(pfd[0]);
	cr_assert_eq(n, 6, "the writer died early");

	cr_assert_eq(int_of(db("k.db"), "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	cr_assert_eq(sensor_store_open(db("k.db"), 0, &s), 0);
	sensor_store_close(s);
	/* at most the last flush interval is lost: every reported commit is there */
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_baseline_attach(ctx, &o, &b), 0);
	cr_assert_eq(sensor_baseline_get_stats(b, &st), 0);
	cr_assert_geq(st.features, committed, "%llu < %llu", (unsigned long long)st.features,
		      (unsigned long long)committed);
	cr_assert_leq(st.features, committed + 5000);
	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
}

Test(store, relearn_and_decay_delete_from_the_store)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = db("r.db"),
					  .decay_ns = 24 * HOUR };
	struct tb t;

	tb_open(&t, &o);
	tb_benign(&t, "c1", NULL, T0);
	tb_benign(&t, "c2", NULL, T0);
	cr_assert_geq(sensor_baseline_flush(t.b), 14);
	cr_assert_eq(int_of(db("r.db"), "SELECT COUNT(*) FROM features"), 14);
	cr_assert_eq(sensor_baseline_relearn(t.b, "c1"), 1);
	cr_assert_geq(sensor_baseline_flush(t.b), 7);
	cr_assert_eq(int_of(db("r.db"), "SELECT COUNT(*) FROM features WHERE workload = 'c1'"), 0);
	/* relearned: the freed slots take the new features */
	tb_exec(&t, "c1", NULL, "/usr/bin/caddy", NULL, T0 + HOUR);
	tb_benign(&t, "c2", NULL, T0 + 30 * HOUR);
	cr_assert_geq(sensor_baseline_flush(t.b), 0); /* decay: c1's exec is 29 h old */
	cr_assert_eq(int_of(db("r.db"), "SELECT COUNT(*) FROM features WHERE workload = 'c1'"), 0);
	cr_assert_eq(int_of(db("r.db"), "SELECT COUNT(*) FROM features WHERE workload = 'c2'"), 7);
	tb_benign(&t, "c1", NULL, T0 + 31 * HOUR);
	tb_close(&t);
	cr_assert_eq(int_of(db("r.db"), "SELECT COUNT(*) FROM features WHERE workload = 'c1'"), 7);
	cr_assert_eq(int_of(db("r.db"), "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
}

/* sensor_store_merge: every workload of one store into another, as an import of its export. */
Test(store, merge_one_store_into_another)
{
	sensor_store *dst, *src;
	char *before, *after, err[256] = "";
	uint64_t sum[3] = { 0 }, sum_src[3] = { 0 }, sum_dst[3] = { 0 };
	char listing[256] = "";

	learn_db(db("src.db"), "c1", "web", T0, 1);
	learn_db(db("dst.db"), "c9", "db", T0, 1);
	learn_db(db("dst.db"), "c1", "web", T0 + 2 * HOUR, 1);
	before = export_all(db("dst.db"));
	cr_assert_eq(sensor_store_open(db("dst.db"), 0, &dst), 0);
	cr_assert_eq(sensor_store_open(db("src.db"), SENSOR_STORE_READONLY, &src), 0);
	cr_assert_eq(sensor_store_show(src, "c1", show_cb, sum_src), 7);
	cr_assert_eq(sensor_store_show(dst, "c1", show_cb, sum_dst), 7);
	cr_assert_gt(sum_src[0], 0);
	/* c1 and class:web of the source merged: their features counted */
	{
		int r = sensor_store_merge(dst, src, err, sizeof(err));

		cr_assert_eq(r, 14, "%d: %s", r, err); /* features: 7 of c1, 7 of class:web */
	}
	cr_assert_eq(sensor_store_list(dst, list_cb, listing), 4);
	cr_assert_str_eq(listing, "c1=l;c9=m;class:db=m;class:web=l;");
	/* c1's counts are the sums, its first seen the earlier one */
	cr_assert_eq(sensor_store_show(dst, "c1", show_cb, sum), 7);
	cr_assert_eq(sum[0], sum_src[0] + sum_dst[0], "%llu", (unsigned long long)sum[0]);
	cr_assert_eq(sum[2], sum_src[2]);
	cr_assert_eq(sensor_store_merge(dst, NULL, err, sizeof(err)), -EINVAL);
	cr_assert_eq(sensor_store_merge(src, dst, err, sizeof(err)), -EROFS, "a read-only target");
	sensor_store_close(src);
	sensor_store_close(dst);
	after = export_all(db("dst.db"));
	cr_assert_str_neq(before, after);
	free(before);
	free(after);
}

struct seen_alerts {
	int n;
	char line[8][512];
};

static int alert_cb(void *ud, const struct sensor_stored_alert *a)
{
	struct seen_alerts *s = ud;

	if (s->n < 8)
		snprintf(s->line[s->n], sizeof(s->line[0]), "%llu %s %.200s",
			 (unsigned long long)((a->time - T0) / SEC), a->workload,
			 strstr(a->json, "\"rule\":\"") ? strstr(a->json, "\"rule\":\"") : a->json);
	s->n++;
	return s->n == 100 ? -ECANCELED : 0;
}

/* sensor_store_alerts: stored alerts by workload and by [since, until), oldest first. */
Test(store, alerts_by_workload_and_window)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .db_path = db("al.db") };
	struct seen_alerts s = { 0 };
	sensor_store *st;
	struct tb t;

	tb_open(&t, &o);
	tb_sys(&t, "c1", NULL, "ptrace", T0 + 10 * SEC);
	tb_exec(&t, "c2", NULL, "/tmp/xmrig", NULL, T0 + 20 * SEC);
	tb_sys(&t, "c1", NULL, "finit_module", T0 + 30 * SEC);
	tb_close(&t);
	cr_assert_eq(sensor_store_open(db("al.db"), SENSOR_STORE_READONLY, &st), 0);
	cr_assert_eq(sensor_store_alerts(st, NULL, 0, 0, alert_cb, &s), 3);
	cr_assert_eq(s.n, 3);
	cr_assert(strncmp(s.line[0], "10 c1 \"rule\":\"ptrace\"", 21) == 0, "%s", s.line[0]);
	cr_assert(strncmp(s.line[1], "20 c2 \"rule\":\"miner-exec\"", 25) == 0, "%s", s.line[1]);
	cr_assert(strncmp(s.line[2], "30 c1 \"rule\":\"module-load\"", 26) == 0, "%s", s.line[2]);
	memset(&s, 0, sizeof(s));
	cr_assert_eq(sensor_store_alerts(st, "c1", 0, 0, alert_cb, &s), 2);
	cr_assert(strncmp(s.line[1], "30 c1", 5) == 0, "%s", s.line[1]);
	/* since is inclusive, until exclusive */
	memset(&s, 0, sizeof(s));
	cr_assert_eq(sensor_store_alerts(st, NULL, T0 + 20 * SEC, T0 + 30 * SEC, alert_cb, &s), 1);
	cr_assert(strncmp(s.line[0], "20 c2", 5) == 0, "%s", s.line[0]);
	cr_assert_eq(sensor_store_alerts(st, "nobody", 0, 0, alert_cb, &s), 0);
	cr_assert_eq(sensor_store_alerts(st, NULL, 0, 0, NULL, NULL), 3, "counting without a callback");
	sensor_store_close(st);
}

/* ":memory:" is SQLite's in-memory database: usable, and no file of that
 * name appears in the working directory (the file checks made one once,
 * and it ended up committed) */
Test(store, memory_store_makes_no_file)
{
	char cwd[4096];
	sensor_store *s = NULL;
	char *buf = NULL;
	size_t len = 0;

	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(sensor_store_open(":memory:", 0, &s), 0);
	cr_assert_eq(sensor_store_export(s, NULL, &buf, &len), 0);
	cr_assert_gt(len, 0);
	free(buf);
	sensor_store_close(s);
	cr_assert_eq(access(":memory:", F_OK), -1, "a file named :memory: was made");
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(chdir(cwd), 0);
}
