/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The terminal view: on a pseudo-terminal (util-linux script(1)) `rtsensor
 * run` and `rtsensor alerts` print one line per item for a person, with
 * colour unless NO_COLOR is set; piped, or with --format json, they print
 * JSON lines; --kind, --workload and --min-severity filter both.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

#include "alert-log.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/term-test-XXXXXX");
	alert_log_dir(dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

TestSuite(terminal, .init = setup, .fini = teardown, .timeout = 60);

/* Run a shell command line on a pty (script -qec); its output (CRLF as the pty writes it). */
static struct run_result *on_pty(const char *cmdline)
{
	struct run_result *res = calloc(1, sizeof(*res));
	char *argv[] = { "/usr/bin/script", "-qec", (char *)cmdline, "/dev/null", NULL };

	cr_assert_eq(run_capture(argv, -1, 0, res), 0);
	return res;
}

/*
 * Started beside the sensor, as a child of the shell that then execs it:
 * waits until its parent (the sensor by then) holds a proc connector socket
 * (NETLINK_CONNECTOR, 11) joined to the process events group, the kernel's
 * state of a listening proc source, then becomes the marked process. Its
 * 0.4 s let the sensor read its /proc while it lives (a fixed wait left).
 * Gives up when the sensor is gone, and after 10 s with a message.
 */
static const char waiter[] =
	"P=$PPID; n=0\n"
	"while :; do\n"
	"  case \"$(sed -n 's/^State:\\t\\(.\\).*/\\1/p' /proc/$P/status 2>/dev/null)\" in\n"
	"  ''|Z|X) exit 0;;\n"
	"  esac\n"
	"  for i in $(readlink /proc/$P/fd/* 2>/dev/null | sed -n 's/^socket:\\[\\([0-9]*\\)\\]$/\\1/p'); do\n"
	"    awk -v i=\"$i\" '$2 == 11 && $4 != \"00000000\" && $10 == i { f = 1 } END { exit !f }' "
	"/proc/net/netlink && exec sh -c 'sleep 0.4' \"$1\"\n"
	"  done\n"
	"  n=$((n+1)); [ $n -lt 500 ] || { echo 'waiter: the sensor joined no proc connector group in 10 s' >&2; exit 1; }\n"
	"  sleep 0.02 # the poll's interval\n"
	"done\n";

/*
 * `rtsensor run --source proc` for 2 s with a marked process started once
 * its source listens; what it printed, through `filter` (a shell pipeline
 * suffix, e.g. "| grep MARKER": a busy machine prints more than the capture
 * holds).
 */
static struct run_result *run_with_marker(const char *extra, bool pty, const char *marker,
					  const char *filter)
{
	char cmd[1024], inner[768], path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/waiter.sh", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(waiter, f);
	fclose(f);
	snprintf(inner, sizeof(inner),
		 "(sh '%s' %s & exec \"$RTSENSOR\" run --source proc --duration 2 %s)", path, marker,
		 extra ? extra : "");
	if (pty)
		snprintf(cmd, sizeof(cmd), "/usr/bin/script -qec \"%s\" /dev/null %s", inner, filter);
	else
		snprintf(cmd, sizeof(cmd), "%s %s", inner, filter);
	{
		struct run_result *res = calloc(1, sizeof(*res));
		char *argv[] = { "/bin/sh", "-c", cmd, NULL };

		cr_assert_eq(run_capture(argv, -1, 0, res), 0);
		return res;
	}
}

static int lines_starting(const char *s, const char *prefix)
{
	int n = 0;

	for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

Test(terminal, run_on_a_terminal_prints_lines_with_colour)
{
	char marker[64];
	struct run_result *r;
	const char *line;

	snprintf(marker, sizeof(marker), "term-marker-%d", getpid());
	setenv("TERM", "xterm", 1);
	unsetenv("NO_COLOR");
	r = run_with_marker(NULL, true, marker, "| grep -a -F sleep");
	line = strstr(r->out, marker);
	cr_assert_not_null(line, "the marked exec is shown: %s", r->out);
	while (line > r->out && line[-1] != '\n')
		line--;
	/* "HH:MM:SS.mmm host  sh[PID]  exec  sh -c sleep 0.4 marker" */
	cr_expect_not_null(strstr(line, "host "), "the workload: %.200s", line);
	cr_expect_not_null(strstr(line, "sh["), "the process: %.200s", line);
	cr_expect_not_null(strstr(line, "exec"), "what: %.200s", line);
	cr_expect_not_null(strstr(line, "\033["), "colour on a terminal");
	cr_expect_eq(lines_starting(r->out, "{"), 0, "no JSON on a terminal");
	free(r);
}

Test(terminal, no_color_turns_colour_off)
{
	char marker[64];
	struct run_result *r;

	snprintf(marker, sizeof(marker), "nocolor-marker-%d", getpid());
	setenv("NO_COLOR", "1", 1);
	r = run_with_marker(NULL, true, marker, "| head -c 60000");
	cr_expect_gt(count_lines(r->out), 0, "%s", r->out);
	cr_expect_null(strstr(r->out, "\033"), "NO_COLOR: no escape sequence at all");
	free(r);
	r = run_with_marker(NULL, true, marker, "| grep -a -F sleep");
	cr_expect_not_null(strstr(r->out, marker), "%s", r->out);
	free(r);
	unsetenv("NO_COLOR");
}

Test(terminal, piped_or_format_json_prints_json)
{
	char marker[64];
	struct run_result *r;

	snprintf(marker, sizeof(marker), "json-marker-%d", getpid());
	r = run_with_marker(NULL, false, marker, "| head -c 60000 | head -n -1");
	cr_expect_gt(count_lines(r->out), 0);
	cr_expect_eq(lines_starting(r->out, "{\"kind\":"), count_lines(r->out), "piped: JSON lines");
	free(r);
	r = run_with_marker(NULL, false, marker, "| grep -a -F sleep");
	cr_expect_not_null(strstr(r->out, marker), "%s", r->out);
	cr_expect_not_null(strstr(r->out, "{\"kind\":\"exec\""), "%s", r->out);
	free(r);
	r = run_with_marker("--format json", true, marker, "| grep -a -F sleep");
	cr_expect_not_null(strstr(r->out, marker));
	cr_expect_gt(lines_starting(r->out, "{\"kind\":"), 0, "--format json on a terminal");
	cr_expect_null(strstr(r->out, "\033"));
	free(r);
}

Test(terminal, kind_and_workload_filter_events)
{
	char marker[64];
	struct run_result *r;

	snprintf(marker, sizeof(marker), "filter-marker-%d", getpid());
	r = run_with_marker("--kind exit", false, marker, "| head -c 60000 | head -n -1");
	cr_expect_gt(count_lines(r->out), 0);
	cr_expect_eq(lines_starting(r->out, "{\"kind\":\"exit\""), count_lines(r->out),
		     "only exits: %.300s", r->out);
	free(r);
	r = run_with_marker("--kind exec --workload no-such-workload", false, marker, "");
	cr_expect_eq(count_lines(r->out), 0, "nothing of another workload: %.300s", r->out);
	free(r);
	r = run_with_marker("--kind exec --workload host", false, marker, "| grep -a -F sleep");
	cr_expect_not_null(strstr(r->out, marker), "the host's exec passes --workload host");
	free(r);
	r = run_with_marker("--kind bogus", false, marker, "");
	cr_expect_eq(r->status, 2, "%s", r->err);
	free(r);
}

Test(terminal, alerts_on_a_terminal_and_min_severity)
{
	char cmd[512];
	struct run_result *r;

	snprintf(cmd, sizeof(cmd),
		 "\"$RTSENSOR\" replay --audit '%s/audit.log' --mode learn --learn-min 5 "
		 "--learn-stable 5 --db '%s/b.db' --alerts /dev/null",
		 dir, dir);
	cr_assert_eq(run_sh(cmd), 0);
	setenv("NO_COLOR", "1", 1);
	snprintf(cmd, sizeof(cmd), "\"$RTSENSOR\" alerts --db '%s/b.db'", dir);
	r = on_pty(cmd);
	cr_expect_not_null(strstr(r->out, "CRITICAL"), "%s", r->out);
	cr_expect_not_null(strstr(r->out, "reverse-shell-devtcp: "), "%s", r->out);
	cr_expect_not_null(strstr(r->out, "HIGH"), "%s", r->out);
	cr_expect_not_null(strstr(r->out, "new_exec"), "%s", r->out);
	cr_expect_eq(lines_starting(r->out, "{"), 0);
	free(r);
	snprintf(cmd, sizeof(cmd), "\"$RTSENSOR\" alerts --db '%s/b.db' --min-severity critical", dir);
	r = on_pty(cmd);
	cr_expect_not_null(strstr(r->out, "reverse-shell-devtcp"), "%s", r->out);
	cr_expect_null(strstr(r->out, "new_exec"), "high is below critical: %s", r->out);
	free(r);
	snprintf(cmd, sizeof(cmd),
		 "\"$RTSENSOR\" alerts --db '%s/b.db' --min-severity critical --count", dir);
	r = on_pty(cmd);
	cr_expect_eq(strncmp(r->out, "1", 1), 0, "the count follows the filter: %s", r->out);
	free(r);
	snprintf(cmd, sizeof(cmd), "\"$RTSENSOR\" alerts --db '%s/b.db' --format json --kind exec", dir);
	r = on_pty(cmd);
	cr_expect_eq(lines_starting(r->out, "{\"alert\":"), 2, "%s", r->out);
	free(r);
	unsetenv("NO_COLOR");
}
