/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The journal (SENSOR_BASELINE_JOURNAL): which events it keeps, in order,
 * with their workload; retention by age (baseline time) and by rows; a
 * queue that overflows between flushes drops, counts and says so with a
 * loss event (which is journaled itself); and it needs a database.
 */
#include <unistd.h>

#include "inject.h"

struct jr {
	int n;
	char kinds[64][16], wl[64][64];
	uint64_t times[64];
};

static int keep(void *ud, const struct sensor_journal_entry *e)
{
	struct jr *r = ud;

	if (r->n < 64) {
		snprintf(r->kinds[r->n], sizeof(r->kinds[0]), "%s", e->kind);
		snprintf(r->wl[r->n], sizeof(r->wl[0]), "%s", e->workload);
		r->times[r->n] = e->time;
	}
	r->n++;
	return 0;
}

static char dbp[64];

static void open_j(struct tb *t, uint64_t max_age, uint64_t max_rows)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .flags = SENSOR_BASELINE_JOURNAL,
					  .journal_max_age_ns = max_age,
					  .journal_max_rows = max_rows };

	snprintf(dbp, sizeof(dbp), "/tmp/journal-test-%d.db", getpid());
	unlink(dbp);
	o.db_path = dbp;
	tb_open(t, &o);
}

static struct jr read_j(const char *wl, uint32_t flags)
{
	struct jr r = { 0 };
	sensor_store *s;

	cr_assert_eq(sensor_store_open(dbp, SENSOR_STORE_READONLY, &s), 0);
	cr_assert_geq(sensor_store_journal(s, wl, 0, 0, flags, keep, &r), 0);
	sensor_store_close(s);
	return r;
}

static void done(struct tb *t)
{
	char p[80];

	tb_close(t);
	unlink(dbp);
	snprintf(p, sizeof(p), "%s-wal", dbp);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbp);
	unlink(p);
}

Test(journal, keeps_what_matters_in_order)
{
	struct sensor_baseline_stats st = { .sz = sizeof(st) };
	struct tb t;
	struct jr r;
	sensor_event *ev;

	open_j(&t, 0, 0);
	tb_benign(&t, "web1", NULL, T0);  /* exec, open, write, create, connect, syscall */
	ev = tb_new(&t, SENSOR_KIND_EXIT, "web1", NULL, T0 + 10);
	tb_emit(&t, ev);
	tb_file(&t, "web1", NULL, "read", "/etc/hosts", T0 + 11);
	tb_net(&t, "web1", NULL, "flow_update", "10.0.5.17", 5432, T0 + 12);
	tb_net(&t, "db1", NULL, "accept", "10.0.0.9", 5432, T0 + 13);
	cr_assert_geq(sensor_baseline_flush(t.b), 0);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_eq(st.journaled, 6, "%llu", (unsigned long long)st.journaled);
	cr_assert_eq(st.journal_dropped, 0);
	r = read_j("web1", 0);
	cr_assert_eq(r.n, 5, "exec, write, create, connect, syscall of web1 (got %d)", r.n);
	cr_assert_str_eq(r.kinds[0], "exec");
	cr_assert_str_eq(r.kinds[1], "file");
	cr_assert_str_eq(r.kinds[2], "file");
	cr_assert_str_eq(r.kinds[3], "net");
	cr_assert_str_eq(r.kinds[4], "syscall");
	cr_assert_eq(r.times[0], T0);
	cr_assert_eq(r.times[4], T0 + 5);
	r = read_j(NULL, 0);
	cr_assert_eq(r.n, 6);
	cr_assert_str_eq(r.wl[5], "db1");
	done(&t);
}

Test(journal, alerts_interleave_by_time)
{
	struct tb t;
	struct jr r;

	open_j(&t, 0, 0);
	tb_exec(&t, "web1", NULL, "/usr/sbin/nginx", "/bin/sh", T0);
	tb_sys(&t, "web1", NULL, "ptrace", T0 + SEC);          /* rule alert */
	tb_exec(&t, "web1", NULL, "/usr/bin/id", "/bin/sh", T0 + 2 * SEC);
	cr_assert_geq(sensor_baseline_flush(t.b), 0);
	r = read_j("web1", SENSOR_JOURNAL_ALERTS);
	cr_assert_eq(r.n, 4, "%d", r.n);
	cr_assert_str_eq(r.kinds[0], "exec");
	cr_assert_str_eq(r.kinds[1], "syscall");
	cr_assert_str_eq(r.kinds[2], "alert");
	cr_assert_str_eq(r.kinds[3], "exec");
	done(&t);
}

Test(journal, retention_by_rows_and_by_age)
{
	struct tb t;
	struct jr r;

	open_j(&t, 0, 3);
	for (int i = 0; i < 5; i++)
		tb_sys(&t, "w", NULL, "accept4", T0 + (uint64_t)i * SEC);
	cr_assert_geq(sensor_baseline_flush(t.b), 0);
	r = read_j(NULL, 0);
	cr_assert_eq(r.n, 3, "the newest 3 rows (got %d)", r.n);
	cr_assert_eq(r.times[0], T0 + 2 * SEC);
	done(&t);

	open_j(&t, 10 * SEC, 0);
	tb_sys(&t, "w", NULL, "accept4", T0);
	tb_sys(&t, "w", NULL, "accept4", T0 + 5 * SEC);
	tb_sys(&t, "w", NULL, "accept4", T0 + 20 * SEC);
	cr_assert_geq(sensor_baseline_flush(t.b), 0);
	r = read_j(NULL, 0);
	cr_assert_eq(r.n, 1, "older than 10 s of baseline time go (got %d)", r.n);
	cr_assert_eq(r.times[0], T0 + 20 * SEC);
	done(&t);
}

static int losses;
static uint64_t lost;

static void on_ev(sensor_ctx *c, sensor_event *ev, void *ud)
{
	int64_t n;

	(void)c;
	(void)ud;
	if (sensor_event_kind(ev) == SENSOR_KIND_LOSS &&
	    sensor_event_get_int(ev, SENSOR_FIELD_LOSS_COUNT, &n) == 0) {
		losses++;
		lost += (uint64_t)n;
	}
}

Test(journal, overflow_drops_counts_and_reports, .timeout = 60)
{
	struct sensor_baseline_stats st = { .sz = sizeof(st) };
	struct tb t;
	struct jr r;

	open_j(&t, 0, 0);
	sensor_ctx_set_event_cb(t.ctx, on_ev, NULL);
	/* more than the queue holds, with no flush in between */
	for (int i = 0; i < 65536 + 7; i++)
		tb_sys(&t, "w", NULL, "accept4", T0 + (uint64_t)i);
	cr_assert_geq(sensor_baseline_flush(t.b), 0);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_eq(st.journaled, 65536);
	cr_assert_eq(st.journal_dropped, 7);
	cr_assert_eq(losses, 1);
	cr_assert_eq(lost, 7);
	/* the loss event is in the journal at the next flush */
	cr_assert_geq(sensor_baseline_flush(t.b), 0);
	r = read_j("", 0);
	cr_assert_eq(r.n, 1, "%d", r.n);
	cr_assert_str_eq(r.kinds[0], "loss");
	done(&t);
}

Test(journal, needs_a_database)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .flags = SENSOR_BASELINE_JOURNAL };
	sensor_ctx *c;
	sensor_baseline *b;

	cr_assert_eq(sensor_ctx_new(NULL, &c), 0);
	cr_assert_eq(sensor_baseline_attach(c, &o, &b), -EINVAL);
	sensor_ctx_free(c);
}
