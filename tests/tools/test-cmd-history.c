/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor alerts: the alerts a replay stored in its database, read back
 * whole, by workload and by time window (absolute and as an age), counted;
 * and every bad argument a usage error; rtsensor timeline over the journal.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "alert-log.h"
#include "testlib.h"

static char dir[64];

static void setup(void)
{
	char cmd[512];

	snprintf(dir, sizeof(dir), "/tmp/alerts-test-XXXXXX");
	alert_log_dir(dir);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && \"$RTSENSOR\" replay --audit audit.log --mode learn --learn-min 5 "
		 "--learn-stable 5 --db a.db --alerts /dev/null", dir);
	cr_assert_eq(run_sh(cmd), 0);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

/* "rtsensor alerts --db a.db ARGS" in dir; its stdout in out (malloc'd); exit code. */
static int alerts(const char *args, char **out)
{
	char cmd[512], p[128];
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "cd '%s' && \"$RTSENSOR\" alerts --db a.db %s >out 2>err", dir,
		 args);
	st = run_sh(cmd);
	snprintf(p, sizeof(p), "%s/out", dir);
	*out = read_file(p, &n);
	cr_assert_not_null(*out);
	return st;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

Test(cmd_alerts, stored_alerts_by_workload_and_time, .init = setup, .fini = teardown)
{
	char *o;

	cr_assert_eq(alerts("", &o), 0);
	cr_assert_eq(lines(o), 2, "%s", o);
	cr_assert(strstr(o, "\"rule\":\"reverse-shell-devtcp\""));
	cr_assert(strstr(o, "\"reason\":\"new_exec\""));
	free(o);
	cr_assert_eq(alerts("--workload host --count", &o), 0);
	cr_assert_str_eq(o, "2\n");
	free(o);
	cr_assert_eq(alerts("-w nosuch -c", &o), 0);
	cr_assert_str_eq(o, "0\n");
	free(o);
	/* raised at 2026-01-01T00:00:40Z, on the log's clock */
	cr_assert_eq(alerts("--since 2026-01-01T00:00:40Z --until 2026-01-01T00:00:40.5Z -c", &o), 0);
	cr_assert_str_eq(o, "2\n");
	free(o);
	cr_assert_eq(alerts("--until 2026-01-01T00:00:40Z -c", &o), 0);
	cr_assert_str_eq(o, "0\n");
	free(o);
	cr_assert_eq(alerts("--since 2026-01-01T00:00:41Z", &o), 0);
	cr_assert_str_eq(o, "");
	free(o);
	/* an age: the log is older than a day, younger than ten thousand days */
	cr_assert_eq(alerts("--since 1d -c", &o), 0);
	cr_assert_str_eq(o, "0\n");
	free(o);
	cr_assert_eq(alerts("--since 10000d -c", &o), 0);
	cr_assert_str_eq(o, "2\n");
	free(o);
}

Test(cmd_alerts, bad_arguments, .init = setup, .fini = teardown)
{
	static const char *const bad[] = {
		"--since yesterday", "--since 2026-01-01", "--since 2026-01-01T00:00:00",
		"--since 2026-13-01T00:00:00Z", "--until 5x", "--since 99999999999d", "--since d",
		"--since 2h --until 3h", "extra", "--nosuch",
	};
	char *o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(alerts(bad[i], &o), 2, "alerts %s", bad[i]);
		free(o);
	}
	cr_assert_eq(run_sh("\"$RTSENSOR\" alerts 2>/dev/null"), 2, "no --db");
	cr_assert_eq(run_sh("\"$RTSENSOR\" alerts --db /nonexistent/x.db 2>/dev/null"), 1);
}

/* rtsensor timeline: the journal of the replay with its alerts in between. */
Test(cmd_timeline, journal_and_alerts_in_order, .init = setup, .fini = teardown)
{
	char cmd[512], p[128], *o, *a, *b, *c;
	size_t n;

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && \"$RTSENSOR\" replay --audit audit.log --mode learn --learn-min 5 "
		 "--learn-stable 5 --db j.db --journal --alerts /dev/null && "
		 "\"$RTSENSOR\" timeline --db j.db >tl && \"$RTSENSOR\" timeline --db j.db -c "
		 "--no-alerts >n && \"$RTSENSOR\" timeline --db j.db -w host --since "
		 "2026-01-01T00:00:30Z -c >w && \"$RTSENSOR\" timeline --db a.db -c >none", dir);
	cr_assert_eq(run_sh(cmd), 0);
	snprintf(p, sizeof(p), "%s/tl", dir);
	o = read_file(p, &n);
	cr_assert_not_null(o);
	cr_assert_eq(lines(o), 5, "3 execs and 2 alerts: %s", o);
	/* the third exec comes before the two alerts it caused */
	a = strstr(o, "\"seq\":3");
	b = strstr(o, "\"rule\":\"reverse-shell-devtcp\"");
	c = strstr(o, "\"reason\":\"new_exec\"");
	cr_assert(a && b && c && a < b && a < c, "%s", o);
	free(o);
	snprintf(p, sizeof(p), "%s/n", dir);
	o = read_file(p, &n);
	cr_assert_str_eq(o, "3\n");
	free(o);
	snprintf(p, sizeof(p), "%s/w", dir);
	o = read_file(p, &n);
	cr_assert_str_eq(o, "3\n", "the last exec and its two alerts");
	free(o);
	snprintf(p, sizeof(p), "%s/none", dir);
	o = read_file(p, &n);
	cr_assert_str_eq(o, "2\n", "no journal without --journal: only the alerts");
	free(o);
	cr_assert_eq(run_sh("\"$RTSENSOR\" timeline --db x.db --since 3q 2>/dev/null"), 2);
	snprintf(cmd, sizeof(cmd), "cd '%s' && \"$RTSENSOR\" replay --audit audit.log --mode learn "
		 "--journal 2>/dev/null", dir);
	cr_assert_eq(run_sh(cmd), 2, "--journal without --db");
}
