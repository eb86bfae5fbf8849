/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor's flags by their effects, as an operator sees them: help and
 * version everywhere (long and short forms), replay's --timeout (events
 * without EOE completed by the records' clock, so in time order) and
 * --stats, --learn-min and --learn-stable (when an instance starts
 * alerting), --mode monitor against a learned store, --rules adding to the
 * default rules (--no-default-rules replacing them), baseline show --json and export --output, exec's flags,
 * --audit-no-net (the kernel's audit rules while it runs).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <libsensor/sensor.h>

#include "alert-log.h"
#include "testlib.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/cli-flags-XXXXXX");
	alert_log_dir(dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

TestSuite(cli_flags, .init = setup, .fini = teardown);

/* "rtsensor ARGS" (a shell command line) in dir; its exit code. */
static int rt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int rt(const char *fmt, ...)
{
	char args[1024], cmd[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd '%s' && \"$RTSENSOR\" %s", dir, args);
	return run_sh(cmd);
}

static char *slurp(const char *name)
{
	char p[128];
	size_t n;
	char *s;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	s = read_file(p, &n);
	cr_assert_not_null(s, "%s", p);
	return s;
}

static int count(const char *s, const char *needle)
{
	int n = 0;

	for (; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

Test(cli_flags, help_and_version_long_and_short)
{
	static const char *const verbs[] = { "run", "doctor", "exec", "seccomp-agent", "replay",
					     "baseline", "alerts", "timeline" };
	char *a, *b;

	cr_assert_eq(rt("help > help.txt"), 0);
	cr_assert_eq(rt("-h > h.txt"), 0);
	a = slurp("help.txt");
	b = slurp("h.txt");
	cr_assert_str_eq(a, b);
	cr_assert(strncmp(a, "Usage: rtsensor", 15) == 0, "%s", a);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		char want[64];

		snprintf(want, sizeof(want), "\n  %-14s ", verbs[i]);
		cr_assert(strstr(a, want), "'%s' not in the verb list: %s", verbs[i], a);
		/* each verb's -h is its --help */
		cr_assert_eq(rt("%s -h > vh.txt && \"$RTSENSOR\" %s --help > vhelp.txt", verbs[i], verbs[i]), 0,
			     "%s -h", verbs[i]);
		free(b);
		b = slurp("vh.txt");
		snprintf(want, sizeof(want), "Usage: rtsensor %s", verbs[i]);
		cr_assert(strncmp(b, want, strlen(want)) == 0, "%s -h: %s", verbs[i], b);
		free(b);
		b = slurp("vhelp.txt");
		cr_assert(strncmp(b, want, strlen(want)) == 0, "%s --help: %s", verbs[i], b);
	}
	free(a);
	free(b);
	cr_assert_eq(rt("-V > v.txt && \"$RTSENSOR\" --version > version.txt"), 0);
	a = slurp("v.txt");
	b = slurp("version.txt");
	cr_assert_str_eq(a, b);
	{
		char want[128];

		snprintf(want, sizeof(want), "rtsensor %s (libsensor %s)\n%s\n", SENSOR_VERSION_STRING,
			 sensor_version(), sensor_features());
		cr_assert_str_eq(a, want);
	}
	free(a);
	free(b);
}

/*
 * Without --timeout an event that never gets its EOE completes only at the
 * end of the input, after a later event; with it, the records' clock
 * completes it first. --stats counts records and events.
 */
Test(cli_flags, replay_timeout_and_stats)
{
	static const char log[] =
		"type=SYSCALL msg=audit(1767225600.000:7): arch=c000003e syscall=59 success=yes exit=0 "
		"a0=1 a1=2 a2=3 a3=0 items=1 ppid=99 pid=101 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
		"egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"ls\" exe=\"/usr/bin/ls\" key=\"k\"\n"
		"type=EXECVE msg=audit(1767225600.000:7): argc=1 a0=\"ls\"\n"
		"type=SYSCALL msg=audit(1767225610.000:8): arch=c000003e syscall=59 success=yes exit=0 "
		"a0=1 a1=2 a2=3 a3=0 items=1 ppid=99 pid=102 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
		"egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"ls\" exe=\"/usr/bin/ls\" key=\"k\"\n"
		"type=EXECVE msg=audit(1767225610.000:8): argc=1 a0=\"ls\"\n"
		"type=EOE msg=audit(1767225610.000:8): \n";
	char p[128], *out, *a, *b;
	FILE *f;

	snprintf(p, sizeof(p), "%s/t.log", dir);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(log, f);
	fclose(f);
	cr_assert_eq(rt("replay --audit t.log > no-timeout.json"), 0);
	out = slurp("no-timeout.json");
	a = strstr(out, "\"pid\":101,");
	b = strstr(out, "\"pid\":102,");
	cr_assert(a && b && b < a, "without --timeout the open event comes last: %s", out);
	free(out);
	cr_assert_eq(rt("replay --audit t.log --timeout 1 --stats > timeout.json 2> stats.json"), 0);
	out = slurp("timeout.json");
	a = strstr(out, "\"pid\":101,");
	b = strstr(out, "\"pid\":102,");
	cr_assert(a && b && a < b, "with --timeout 1 it completes when 10 s of records passed: %s", out);
	free(out);
	out = slurp("stats.json");
	cr_assert_str_eq(out, "{\"stats\":{\"records\":5,\"events\":2,\"lost\":0,\"errors\":0}}\n");
	free(out);
	/* short forms */
	cr_assert_eq(rt("replay -a t.log -t 1 > short.json"), 0);
	a = slurp("timeout.json");
	b = slurp("short.json");
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	cr_assert_eq(rt("replay -j short.json > again.json"), 0);
	out = slurp("again.json");
	cr_assert_eq(count(out, "\"kind\":\"exec\""), 2, "%s", out);
	free(out);
	cr_assert_eq(rt("replay --audit t.log --timeout soon 2>/dev/null"), 2);
}

/* The alerts of the alert log under learn options: the new_exec needs learning over. */
static char *learn_alerts(const char *opts)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -f '%s/l.db' '%s/l.jsonl'", dir, dir);
	cr_assert_eq(run_sh(cmd), 0);
	cr_assert_eq(rt("replay --audit audit.log --mode learn %s --db l.db --alerts l.jsonl", opts), 0,
		     "%s", opts);
	return slurp("l.jsonl");
}

Test(cli_flags, learn_min_and_learn_stable_decide_when_alerts_start)
{
	char *out;

	/* learning over after 5 s and 5 s without a new feature: the unknown binary at 40 s alerts */
	out = learn_alerts("--learn-min 5 --learn-stable 5");
	cr_assert_eq(count_lines(out), 2, "%s", out);
	cr_assert_eq(count(out, "\"rule\":\"reverse-shell-devtcp\""), 1, "%s", out);
	cr_assert_eq(count(out, "\"reason\":\"new_exec\""), 1, "%s", out);
	free(out);
	/* 100 s of learning: still learning at 40 s, only the threat rule fires */
	out = learn_alerts("--learn-min 100 --learn-stable 5");
	cr_assert_eq(count_lines(out), 1, "%s", out);
	cr_assert_eq(count(out, "\"rule\":\"reverse-shell-devtcp\""), 1, "%s", out);
	free(out);
	/* the last new feature came at 0 s: 50 s of stability are not reached at 40 s */
	out = learn_alerts("--learn-min 5 --learn-stable 50");
	cr_assert_eq(count_lines(out), 1, "%s", out);
	cr_assert_eq(count(out, "\"reason\":\"new_exec\""), 0, "%s", out);
	free(out);
	cr_assert_eq(rt("replay --audit audit.log --mode learn --learn-stable x --db l.db 2>/dev/null"), 2);
}

/* A learned store, then --mode monitor: the learned exec is quiet, the unknown one alerts. */
Test(cli_flags, monitor_against_a_learned_store_and_show_json)
{
	char *out;

	cr_assert_eq(rt("replay --audit audit.log --mode learn --learn-min 5 --learn-stable 5 "
			"--db m.db --alerts /dev/null"), 0);
	cr_assert_eq(rt("baseline show --db m.db host --json > show.json"), 0);
	out = slurp("show.json");
	cr_assert(strstr(out, "{\"key\":\"exec:/usr/bin/ls\",\"count\":2,\"first\":\"2026-01-01T00:00:00Z\","
			      "\"last\":\"2026-01-01T00:00:20Z\",\"hours_seen\":1,\"approved\":true}\n"),
		  "%s", out);
	cr_assert(strstr(out, "{\"key\":\"exec:/tmp/.x/m1\",\"count\":1,"), "%s", out);
	cr_assert_eq(count_lines(out), 3, "two features and the per-hour line: %s", out);
	free(out);
	cr_assert_eq(rt("replay --audit audit.log --mode monitor --db m.db --alerts mon.jsonl"), 0);
	out = slurp("mon.jsonl");
	cr_assert_eq(count_lines(out), 2, "%s", out);
	cr_assert_eq(count(out, "\"reason\":\"new_exec\""), 1, "%s", out);
	cr_assert_eq(count(out, "exec:/usr/bin/ls"), 0, "the learned exec is quiet: %s", out);
	free(out);
	/* monitoring keeps the stored state: still monitoring, the unknown exec still unapproved */
	cr_assert_eq(rt("baseline show --db m.db host --json > show2.json"), 0);
	out = slurp("show2.json");
	cr_assert(strstr(out, "{\"key\":\"exec:/tmp/.x/m1\",\"count\":2,"), "%s", out);
	cr_assert(strstr(out, "\"approved\":false}"), "%s", out);
	free(out);
	/* export: --output and -o write the same file */
	cr_assert_eq(rt("baseline export --db m.db --output e1.json && "
			"\"$RTSENSOR\" baseline export --db m.db -o e2.json && cmp -s e1.json e2.json"), 0);
	out = slurp("e1.json");
	cr_assert(strncmp(out, "{\"format\":\"rtsensor-baseline\",\"version\":1,", 42) == 0, "%s", out);
	free(out);
}

static void unlink_in(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	cr_assert_eq(unlink(p), 0, "%s", p);
}

/* Write dir/name. */
static void put(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	cr_assert_geq(fputs(text, f), 0);
	cr_assert_eq(fclose(f), 0);
}

/* replay's rule alerts with these rules options: "ls-ran=2 reverse-shell-devtcp=1 ..." (static) */
static const char *rule_alerts(const char *opts)
{
	static const char *const ids[] = { "ls-ran", "reverse-shell-devtcp", NULL };
	static char buf[256];
	size_t n = 0;
	char *out;

	cr_assert_eq(rt("replay --audit audit.log --mode learn --learn-min 100 --learn-stable 5 "
			"%s --alerts r.jsonl", opts), 0, "%s", opts);
	out = slurp("r.jsonl");
	for (int i = 0; ids[i]; i++) {
		char k[96];

		snprintf(k, sizeof(k), "\"rule\":\"%s\"", ids[i]);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s=%d ", ids[i], count(out, k));
	}
	snprintf(buf + n, sizeof(buf) - n, "all=%d", count(out, "\"rule\":"));
	free(out);
	unlink_in("r.jsonl");
	return buf;
}

static const char ls_rule[] =
	"rule ls-ran severity=info\n  desc \"ls ran\"\n  kind = exec\n  exec.path glob \"*/ls\"\nend\n";

/*
 * --rules FILE adds to the built-in rules: a rule of the same id replaces
 * the built-in one, "rule ID enabled=false" leaves one out;
 * --no-default-rules makes the file all the rules. Errors name file, line
 * and column.
 */
Test(cli_flags, rules_file_adds_to_the_defaults)
{
	char *out, line[600];

	/* the built-in rules alone: the reverse shell */
	cr_assert_str_eq(rule_alerts(""), "ls-ran=0 reverse-shell-devtcp=1 all=1");
	put("my.rules", ls_rule);
	cr_assert_str_eq(rule_alerts("--rules my.rules"), "ls-ran=2 reverse-shell-devtcp=1 all=3");
	/* the same id: ours, at our severity */
	snprintf(line, sizeof(line), "%srule reverse-shell-devtcp severity=low\n  desc \"ours\"\n"
		 "  kind = exec\n  process.cmdline contains /dev/tcp/\nend\n", ls_rule);
	put("my.rules", line);
	cr_assert_str_eq(rule_alerts("--rules my.rules"), "ls-ran=2 reverse-shell-devtcp=1 all=3");
	cr_assert_eq(rt("replay --audit audit.log --mode learn --learn-min 100 --learn-stable 5 "
			"--rules my.rules --alerts r.jsonl"), 0);
	out = slurp("r.jsonl");
	cr_assert_eq(count(out, "\"severity\":\"low\",\"rule\":\"reverse-shell-devtcp\",\"description\":"
				"\"ours\""), 1, "%s", out);
	free(out);
	unlink_in("r.jsonl");
	/* switched off */
	snprintf(line, sizeof(line), "%srule reverse-shell-devtcp enabled=false\n", ls_rule);
	put("my.rules", line);
	cr_assert_str_eq(rule_alerts("--rules my.rules"), "ls-ran=2 reverse-shell-devtcp=0 all=2");
	/* the file alone */
	put("my.rules", ls_rule);
	cr_assert_str_eq(rule_alerts("--no-default-rules --rules my.rules"),
			 "ls-ran=2 reverse-shell-devtcp=0 all=2");
	cr_assert_str_eq(rule_alerts("--no-default-rules"), "ls-ran=0 reverse-shell-devtcp=0 all=0");
	/* errors: file, line and column; a missing file */
	put("bad.rules", "rule x severity=high\n  desc \"d\"\n  exec.pth = /bin/sh\nend\n");
	cr_assert_eq(rt("replay --audit audit.log --mode learn --rules bad.rules 2>err.txt"), 1);
	out = slurp("err.txt");
	cr_assert(strstr(out, "bad.rules: line 3, column 3: unknown field 'exec.pth'") != NULL, "%s",
		  out);
	free(out);
	put("bad.rules", "rule ptrace enabled=flase\n");
	cr_assert_eq(rt("replay --audit audit.log --mode learn --rules bad.rules 2>err.txt"), 1);
	out = slurp("err.txt");
	cr_assert(strstr(out, "bad.rules: line 1, column 13: rule 'ptrace': 'enabled=flase' is not") !=
		  NULL, "%s", out);
	free(out);
	cr_assert_eq(rt("replay --audit audit.log --mode learn --rules missing.rules 2>/dev/null"), 1);
	cr_assert_eq(rt("replay --audit audit.log --no-default-rules 2>/dev/null"), 2, "needs --mode");
}

/* exec: --no-new-privs sets no_new_privs for a privileged caller too; -H holds; -D denies. */
Test(cli_flags, exec_flags)
{
	char *out;

	REQUIRE_ROOT();
	cr_assert_eq(rt("exec --events /dev/null -- grep -q 'NoNewPrivs:.0' /proc/self/status"), 0,
		     "as root without the flag: no no_new_privs");
	cr_assert_eq(rt("exec --no-new-privs --events /dev/null -- grep -q 'NoNewPrivs:.1' /proc/self/status"), 0);
	cr_assert_eq(rt("exec -H uname -e ev.json -- uname > /dev/null"), 0);
	out = slurp("ev.json");
	cr_assert_eq(count(out, "\"name\":\"uname\""), 1, "%s", out);
	cr_assert_eq(count(out, "\"decision\":\"allow\""), 1, "%s", out);
	free(out);
	cr_assert_eq(rt("exec -D uname:EHOSTDOWN -e ev2.json -- uname > /dev/null 2>&1"), 1);
	out = slurp("ev2.json");
	cr_assert_eq(count(out, "\"decision\":\"deny\""), 1, "%s", out);
	free(out);
	/* --timeout and --fail-closed are gone: they never had an effect (the CLI answers at once) */
	cr_assert_eq(rt("exec --fail-closed --events /dev/null -- true 2>/dev/null"), 2);
	cr_assert_eq(rt("exec -t 1 --events /dev/null -- true 2>/dev/null"), 2);
}

/* seccomp-agent: serves its socket for --duration, removes it; its flags parse. */
Test(cli_flags, seccomp_agent_flags)
{
	struct stat st;
	char p[128];

	REQUIRE_ROOT();
	cr_assert_eq(rt("seccomp-agent --socket a.sock --duration 0.3 --events /dev/null"), 0);
	cr_assert_eq(rt("seccomp-agent -s b.sock -D ptrace -d 0.2 -e /dev/null"), 0);
	snprintf(p, sizeof(p), "%s/a.sock", dir);
	cr_assert_neq(stat(p, &st), 0, "the socket is removed at the end");
	cr_assert_eq(rt("seccomp-agent --socket c.sock --fail-closed -d 0.1 2>/dev/null"), 2);
	cr_assert_eq(rt("seccomp-agent --socket c.sock -t 1 -d 0.1 2>/dev/null"), 2);
}

/* run --format ocsf: every line an OCSF class; a process's exec is Process Activity (1007). */
Test(cli_flags, run_format_ocsf, .timeout = 60)
{
	char *out;
	int st;

	REQUIRE_ROOT();
	/* (the first command keeps rt()'s "cd DIR &&" out of the backgrounded one) */
	st = rt("--version >/dev/null; \"$RTSENSOR\" run --source proc --format ocsf --duration 2"
		" --events o.json 2>err.txt & pid=$!;"
		" n=0; until grep -q class_uid o.json 2>/dev/null; do n=$((n+1));"
		" [ $n -lt 400 ] || exit 9; sleep 0.05; done; cp /bin/true ocsf-marker; ./ocsf-marker;"
		" wait $pid");
	cr_assert_eq(st, 0, "exit %d", st);
	out = slurp("o.json");
	cr_assert_gt(count_lines(out), 0);
	cr_assert_eq(count(out, "\"class_uid\":"), count_lines(out), "every line is an OCSF class: %.2000s",
		     out);
	cr_assert(strstr(out, "\"class_uid\":1007"), "%.2000s", out);
	cr_assert(strstr(out, "ocsf-marker"), "the marker's exec: %.2000s", out);
	free(out);
}

/* The kernel's rules of an `rtsensor run --source audit ARGS`, while it runs, into rules.txt. */
static void audit_rules_of_run(const char *args)
{
	int st;

	st = rt("--version >/dev/null; rm -f a.json; \"$RTSENSOR\" run --source audit %s --duration 30"
		" --events a.json 2>err.txt & pid=$!;"
		" n=0; until grep -q '\"state\":\"up\"' a.json 2>/dev/null; do n=$((n+1));"
		" [ $n -lt 400 ] || exit 9; sleep 0.05; done;"
		" auditctl -l | grep -e \"-$pid\\$\" > rules.txt; kill -INT $pid; wait $pid",
		args);
	cr_assert_eq(st, 0, "exit %d", st);
}

/* --audit-no-net: the default audit rules without connect/accept/bind, listen kept. */
Test(cli_flags, audit_no_net_leaves_the_connect_rules_out, .timeout = 120)
{
	char *out;

	REQUIRE_ROOT();
	audit_rules_of_run("");
	out = slurp("rules.txt");
	cr_assert(strstr(out, "connect") && strstr(out, "accept4") && strstr(out, "bind"),
		  "the defaults: %s", out);
	free(out);
	audit_rules_of_run("--audit-no-net");
	out = slurp("rules.txt");
	cr_assert(strstr(out, "execve") && strstr(out, "listen"), "kept: %s", out);
	cr_assert(!strstr(out, "connect") && !strstr(out, "accept") && !strstr(out, "bind"),
		  "left out: %s", out);
	free(out);
}
