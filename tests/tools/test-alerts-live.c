/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor run --alerts FILE on the real kernel (root): an alert is readable
 * in the file (written by the CLI's writer thread) while the sensor runs,
 * and at every stop path (--duration, SIGINT, SIGTERM, a failing sink, a
 * SIGHUP reload after the file was rotated) the counts of a repeated
 * behaviour add up to the number of times it happened. The behaviour is issue 18's
 * acceptance on a private path: a credential file (read-credential-store)
 * read five times 0.3 s apart, on a tmpfs in a private mount namespace
 * watched by fanotify alone (no audit rules, nothing host-wide).
 */
#include <jansson.h>
#include <libsensor/sensor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testlib.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/alerts-live-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

TestSuite(alerts_live, .init = setup, .fini = teardown);

/*
 * stop: "INT", "TERM" (kill), "duration" (--duration ends it) or "full"
 * (the events file is on a 64 KiB tmpfs that fills up: the events sink
 * fails). Returns rtsensor's exit code; writes $dir/readable when the first
 * alert was in the file within a second while rtsensor still ran.
 */
static int scenario_with(const char *stop, const char *extra, const char *after)
{
	char cmd[4096];
	bool full = strcmp(stop, "full") == 0;

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && unshare -m --propagation private sh -c '"
		 "set -u; mkdir m small; mount -t tmpfs none m || exit 90;"
		 "mount -t tmpfs -o size=64k none small || exit 90;"
		 "mkdir m/.ssh; echo key > m/.ssh/id_live; echo key > m/.ssh/id_other;"
		 "echo p > m/probe;"
		 "\"$RTSENSOR\" run --source fanotify --watch \"$PWD/m\" --mode learn"
		 " --alerts alerts.jsonl --events %s %s %s 2>err.txt & P=$!;"
		 /* seen FILE WORD N: FILE has N lines with WORD, or the run fails (92) in 10 s */
		 "seen() { j=0; until [ \"$(grep -c $2 $1 2>/dev/null)\" -ge $3 ]; do j=$((j+1));"
		 "  [ $j -gt 200 ] && { echo \"$1: not $3 events of $2 in 10 s\" >&2; kill $P; exit 92; };"
		 "  sleep 0.05; done; };"
		 /* ready once its events file shows our probe */
		 "i=0; until grep -q probe %s 2>/dev/null; do cat m/probe >/dev/null;"
		 "  i=$((i+1)); [ $i -gt 300 ] && { kill $P; exit 91; }; sleep 0.05; done;"
		 "for n in 1 2 3 4 5; do cat m/.ssh/id_live >/dev/null;"
		 "  if [ $n = 1 ]; then k=0; while [ $k -lt 20 ]; do"
		 "    if grep -q read-credential-store alerts.jsonl && kill -0 $P; then"
		 "      touch readable; break; fi; k=$((k+1)); sleep 0.05; done; fi;"
		 /* the next read once the sensor wrote this one's open event */
		 "  seen %s id_live $n; done;"
		 "%s"
		 "%s"
		 "wait $P'",
		 dir, full ? "small/ev.jsonl" : "ev.jsonl",
		 strcmp(stop, "duration") == 0 ? "--duration 9" : "", extra,
		 full ? "small/ev.jsonl" : "ev.jsonl", full ? "small/ev.jsonl" : "ev.jsonl", after,
		 strcmp(stop, "INT") == 0 ? "kill -INT $P;"
		 : strcmp(stop, "TERM") == 0 ? "kill -TERM $P;"
		 : full ? "j=0; while kill -0 $P 2>/dev/null && [ $j -lt 3000 ]; do"
			  " cat m/probe >/dev/null; j=$((j+1)); done;"
			: "");
	return run_sh(cmd);
}

static int scenario(const char *stop)
{
	return scenario_with(stop, "", "");
}

/*
 * Sum of alert.count over the read-credential-store alerts about our file;
 * *held: the "suppressed" of rate_limited reports.
 */
static long long sum_counts_in(const char *name, int *nalerts, long long *held)
{
	char p[128], line[65536];
	long long sum = 0;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	cr_assert_not_null(f, "no alerts file");
	*nalerts = 0;
	while (fgets(line, sizeof(line), f)) {
		json_error_t e;
		json_t *j = json_loads(line, 0, &e), *a;
		const char *rule, *feature;

		cr_assert_not_null(j, "not JSON: %s", line);
		a = json_object_get(j, "alert");
		rule = json_string_value(json_object_get(a, "rule"));
		feature = json_string_value(json_object_get(a, "feature"));
		if (rule && feature && strcmp(rule, "read-credential-store") == 0 &&
		    strstr(feature, "/.ssh/id_live")) {
			sum += json_integer_value(json_object_get(a, "count"));
			++*nalerts;
		}
		if (held && json_string_value(json_object_get(a, "reason")) &&
		    strcmp(json_string_value(json_object_get(a, "reason")), "rate_limited") == 0)
			*held += json_integer_value(json_object_get(a, "suppressed"));
		json_decref(j);
	}
	fclose(f);
	return sum;
}

static long long sum_counts_held(int *nalerts, long long *held)
{
	return sum_counts_in("alerts.jsonl", nalerts, held);
}

static long long sum_counts(int *nalerts)
{
	return sum_counts_held(nalerts, NULL);
}

static bool exists(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static void check(const char *stop, int want_code)
{
	int code, n;
	long long sum;
	char p[128], *err;
	size_t len;

	REQUIRE_ROOT();
	code = scenario(stop);
	snprintf(p, sizeof(p), "%s/err.txt", dir);
	err = read_file(p, &len);
	cr_assert_neq(code, 90, "cannot mount a tmpfs in a private mount namespace");
	cr_assert_neq(code, 91, "rtsensor never showed the probe event: %s", err ? err : "");
	cr_assert_eq(code, want_code, "exit %d: %s", code, err ? err : "");
	cr_assert(exists("readable"), "the first alert was not in the file within 1 s of the "
				      "read while rtsensor ran");
	sum = sum_counts(&n);
	/* the first at once (count 1), the four repeats as an aggregate at stop */
	cr_assert_eq(sum, 5, "%s: counts add up to %lld over %d alerts", stop, sum, n);
	cr_assert_eq(n, 2);
	free(err);
}

Test(alerts_live, sigint, .timeout = 60)
{
	check("INT", 0);
}

Test(alerts_live, sigterm, .timeout = 60)
{
	check("TERM", 0);
}

Test(alerts_live, duration, .timeout = 60)
{
	check("duration", 0);
}

Test(alerts_live, failing_sink, .timeout = 90)
{
	char p[128], *err;
	size_t len;

	check("full", 1); /* the events file filled up: exit 1, the alerts still written */
	snprintf(p, sizeof(p), "%s/err.txt", dir);
	err = read_file(p, &len);
	cr_assert(err && strstr(err, "writing events failed: No space left on device"), "%s",
		  err ? err : "");
	free(err);
}

/*
 * SIGHUP reload after logrotate moved the file away: the aggregate of the
 * repeats goes to the old file (the writer's queue is drained before the
 * reopen), while the sensor still runs; the new file gets none of them.
 */
Test(alerts_live, sighup_reload_after_rotation, .timeout = 60)
{
	long long sum;
	int code, n;

	REQUIRE_ROOT();
	code = scenario_with("INT", "",
			     "mv alerts.jsonl alerts.1; kill -HUP $P; k=0;"
			     "until grep -q '\"state\":\"reload\"' ev.jsonl; do k=$((k+1));"
			     "  [ $k -gt 200 ] && break; sleep 0.05; done;"
			     "cp alerts.1 at-reload.jsonl;");
	cr_assert_eq(code, 0);
	cr_assert(exists("readable"));
	sum = sum_counts_in("at-reload.jsonl", &n, NULL);
	cr_assert_eq(sum, 5, "the rotated file at the reload: counts add up to %lld over %d alerts",
		     sum, n);
	cr_assert_eq(n, 2);
	sum = sum_counts_in("alerts.jsonl", &n, NULL);
	cr_assert_eq(n, 0, "the new file got %d alerts of the series (%lld)", n, sum);
}

static int add_stored(void *ud, const struct sensor_stored_alert *a)
{
	long long *sum = ud;
	json_error_t e;
	json_t *j = json_loads(a->json, 0, &e), *al;
	const char *rule, *feature;

	cr_assert_not_null(j, "not JSON: %s", a->json);
	al = json_object_get(j, "alert");
	rule = json_string_value(json_object_get(al, "rule"));
	feature = json_string_value(json_object_get(al, "feature"));
	if (rule && feature && strcmp(rule, "read-credential-store") == 0 &&
	    strstr(feature, "/.ssh/id_live"))
		*sum += json_integer_value(json_object_get(al, "count"));
	json_decref(j);
	return 0;
}

/*
 * --db: the store's alert writer thread is drained at SIGINT too: the
 * alerts table holds the same counts as the file (5).
 */
Test(alerts_live, sigint_with_the_store, .timeout = 60)
{
	long long sum, stored = 0;
	sensor_store *st;
	char db[128];
	int code, n;

	REQUIRE_ROOT();
	code = scenario_with("INT", "--db b.db", "");
	cr_assert_eq(code, 0);
	sum = sum_counts(&n);
	cr_assert_eq(sum, 5, "file: %lld over %d alerts", sum, n);
	snprintf(db, sizeof(db), "%s/b.db", dir);
	cr_assert_eq(sensor_store_open(db, SENSOR_STORE_READONLY, &st), 0);
	cr_assert_geq(sensor_store_alerts(st, NULL, 0, 0, add_stored, &stored), 2);
	sensor_store_close(st);
	cr_assert_eq(stored, 5, "the store's alerts add up to %lld", stored);
}

/* --alert-rate 1: a second high rule alert is held back and reported at stop (SIGINT). */
Test(alerts_live, alert_rate_held_back_is_reported_at_stop, .timeout = 60)
{
	long long sum, held = 0;
	int code, n;

	REQUIRE_ROOT();
	code = scenario_with("INT", "--alert-rate 1", "cat m/.ssh/id_other >/dev/null; seen ev.jsonl id_other 1;");
	cr_assert_eq(code, 0);
	sum = sum_counts_held(&n, &held);
	cr_assert_eq(sum, 5, "%lld", sum); /* the series' own aggregate is not rate-limited */
	cr_assert_eq(held, 1, "the read of id_other was not reported as held back (%lld)", held);
	cr_assert_eq(run_sh("\"$RTSENSOR\" run --mode learn --alert-rate 0 2>/dev/null"), 2);
	cr_assert_eq(run_sh("\"$RTSENSOR\" run --alert-rate 5 2>/dev/null"), 2);
}
