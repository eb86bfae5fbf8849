/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every error of rtsensor is one line on stderr (README, rtsensor(1)): the
 * exact line and exit code for a bad option of each verb, a rules file that
 * does not parse (FILE: line N, column M) and a --watch path fanotify cannot watch.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "testlib.h"

static struct run_result res;

static const char *bin(void)
{
	const char *b = getenv("RTSENSOR");

	cr_assert_not_null(b, "RTSENSOR is set by meson");
	return b;
}

/* Run argv (NULL-terminated, argv[0] a program), require the exit code and exactly `err` on stderr. */
static void expect(int code, const char *err, char *const argv[])
{
	char cmd[512] = "";

	for (int i = 0; argv[i]; i++)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s ", argv[i]);
	cr_assert_eq(run_capture(argv, -1, 0, &res), 0);
	cr_expect_eq(res.status, code, "%s: exit %d, wanted %d; stderr: %s", cmd, res.status, code,
		     res.err);
	cr_expect_str_eq(res.err, err, "%s", cmd);
}

#define RT(code, err, ...) expect(code, err, (char *const[]){ (char *)bin(), __VA_ARGS__, NULL })

Test(cli_errors, unknown_options_one_line_exit_2)
{
	RT(2, "rtsensor: unknown option '--x'; see rtsensor --help\n", "--x");
	RT(2, "rtsensor: unknown verb 'nope'; see rtsensor --help\n", "nope");
	RT(2, "rtsensor: run: unknown option '--x'; see rtsensor run --help\n", "run", "--x");
	RT(2, "rtsensor: run: unknown option '--bogus'; see rtsensor run --help\n", "run",
	   "--bogus=1");
	RT(2, "rtsensor: run: unknown option '-q'; see rtsensor run --help\n", "run", "-q");
	RT(2, "rtsensor: run: option '--rules' needs a value; see rtsensor run --help\n", "run",
	   "--rules");
	RT(2, "rtsensor: run: option '-e' needs a value; see rtsensor run --help\n", "run", "-e");
	RT(2, "rtsensor: run: option '--help' takes no value; see rtsensor run --help\n", "run",
	   "--help=yes");
	RT(2, "rtsensor: doctor: unknown option '--x'; see rtsensor doctor --help\n", "doctor",
	   "--x");
	RT(2, "rtsensor: config: unknown option '--x'; see rtsensor config --help\n", "config",
	   "check", "--x");
	RT(2, "rtsensor: exec: unknown option '--x'; see rtsensor exec --help\n", "exec", "--x");
	RT(2, "rtsensor: seccomp-agent: unknown option '--x'; see rtsensor seccomp-agent --help\n",
	   "seccomp-agent", "--x");
	RT(2, "rtsensor: replay: unknown option '--x'; see rtsensor replay --help\n", "replay",
	   "--x");
	RT(2, "rtsensor: baseline: unknown option '--x'; see rtsensor baseline --help\n",
	   "baseline", "--x");
	RT(2, "rtsensor: alerts: unknown option '--x'; see rtsensor alerts --help\n", "alerts",
	   "--x");
	RT(2, "rtsensor: alerts: option '--no-alerts' is rtsensor timeline's; see rtsensor alerts --help\n",
	   "alerts", "--no-alerts");
	RT(2, "rtsensor: timeline: option '--kind' is rtsensor alerts'; see rtsensor timeline --help\n",
	   "timeline", "--kind", "exec");
}

/* A rules file that does not parse or is missing: one line, FILE: line N, column M: reason; run exits 1, config check 2. */
Test(cli_errors, bad_rules_file_one_line)
{
	char dir[] = "/tmp/rt-cli-errors-XXXXXX", path[64], conf[64], want[256];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/site.rules", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("rule ok severity=low\n desc \"d\"\n kind = exec\nend\n"
	      "rule x severity=high\n desc \"d\"\n  exec.pth = /bin/sh\nend\n",
	      f);
	fclose(f);
	snprintf(want, sizeof(want), "rtsensor: run: rules: %s: line 7, column 3: unknown field 'exec.pth'\n", path);
	RT(1, want, "run", "--source", "proc", "--mode", "monitor", "--rules", path, "--duration", "0.1");
	/* config check says the same of the file a configuration names */
	snprintf(conf, sizeof(conf), "%s/rtsensor.conf", dir);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "mode = monitor\nrules = %s\n", path);
	fclose(f);
	snprintf(want, sizeof(want), "rtsensor: config: %s: rules: %s: line 7, column 3: unknown field 'exec.pth'\n",
		 conf, path);
	RT(2, want, "config", "check", "--config", conf);
	unlink(conf);
	unlink(path);
	RT(1, "rtsensor: run: rules: /nonexistent-rtsensor-test.rules: No such file or directory\n",
	   "run", "--source", "proc", "--mode", "monitor", "--rules",
	   "/nonexistent-rtsensor-test.rules", "--duration", "0.1");
	rmdir(dir);
}

/*
 * A --watch path fanotify cannot watch fails the run (it used to skip the
 * source and run on, exit 0) with the source's own reason in one line:
 * with --source named, and with every source (in a network namespace of
 * its own, for conntrack; there the process connector, which lives in the
 * initial network namespace only, is skipped with a warning line first).
 */
Test(cli_errors, bad_watch_path_one_line_exit_1, .timeout = 60)
{
	static const char want[] =
		"rtsensor: run: fanotify: cannot watch /nonexistent-rtsensor-test/x: No such file or directory\n";

	REQUIRE_ROOT();
	REQUIRE_FEATURE(sensor_source_type_compiled(SENSOR_SOURCE_FANOTIFY) == 1,
			"fanotify compiled in");
	RT(1, want, "run", "--source", "fanotify", "--watch", "/nonexistent-rtsensor-test/x",
	   "--duration", "0.1");
	RT(1, want, "run", "--source", "proc", "--watch", "/nonexistent-rtsensor-test/x",
	   "--duration", "0.1");
	expect(1,
	       "rtsensor: run: skipping source proc: Connection refused\n"
	       "rtsensor: run: fanotify: cannot watch /nonexistent-rtsensor-test/x: No such file or directory\n",
	       (char *const[]){ "/usr/bin/unshare", "--net", (char *)bin(), "run", "--watch",
				"/nonexistent-rtsensor-test/x", "--duration", "0.1", NULL });
}
