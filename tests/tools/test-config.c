/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor's configuration file as an operator meets it: `rtsensor config
 * check` names file, line and key; every `run` flag is a key (checked
 * against `run --help` and the shipped deploy/rtsensor.conf); flags
 * override the file.
 */
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "testlib.h"

static struct run_result res;
static char dir[64];

static const char *bin(void)
{
	const char *b = getenv("RTSENSOR");

	cr_assert_not_null(b, "RTSENSOR is set by meson");
	return b;
}

static int rt(int sig_ms, ...)
{
	char *argv[24] = { (char *)bin() };
	va_list ap;
	int n = 1;

	va_start(ap, sig_ms);
	while (n < 23 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(run_capture(argv, -1, sig_ms, &res), 0);
	return res.status;
}

#define RT(...) rt(0, __VA_ARGS__, NULL)

static const char *put(const char *name, const char *text)
{
	static char p[8][256];
	static int k;
	char *path = p[k++ % 8];
	FILE *f;

	snprintf(path, 256, "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rt-config-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

/* stderr holds "FILE:LINE: key 'KEY'" and the reason */
static void names(const char *file, int line, const char *key, const char *reason)
{
	char want[512];

	snprintf(want, sizeof(want), "%s:%d: key '%s': ", file, line, key);
	cr_assert(strstr(res.err, want) != NULL, "'%s' not in: %s", want, res.err);
	cr_assert(strstr(res.err, reason) != NULL, "'%s' not in: %s", reason, res.err);
	cr_assert_eq(count_lines(res.err), 1, "one error line: %s", res.err);
}

TestSuite(config, .init = setup, .fini = teardown);

/* How many rules are built in: what config check counts for "mode = learn". */
static int builtin_rules(void)
{
	const char *f = put("n.conf", "mode = learn\n");
	const char *p;

	cr_assert_eq(RT("config", "check", "--config", f), 0, "%s", res.err);
	p = strstr(res.out, "settings, ");
	cr_assert_not_null(p, "%s", res.out);
	return (int)strtol(p + 10, NULL, 10);
}

Test(config, check_names_file_line_and_key)
{
	const char *f;

	f = put("ok.conf", "# a comment\n\nsource = proc\nmode = learn   # trailing comment\n"
			   "stats = yes\ndeny-exec = \"/tmp/a #b\"\nwatch = /tmp\n");
	char want[64];
	int nrules = builtin_rules();

	cr_assert_gt(nrules, 10);
	cr_assert_eq(RT("config", "check", "--config", f), 0, "%s", res.err);
	cr_assert(strstr(res.out, "ok: 5 settings") != NULL, "%s", res.out);
	snprintf(want, sizeof(want), "%d threat rules (built-in)", nrules);
	cr_assert(strstr(res.out, want) != NULL, "%s", res.out);
	cr_assert_eq(RT("config", "check", "-c", f), 0, "%s", res.err);

	f = put("a.conf", "source = proc\nduraton = 3\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	names(f, 2, "duraton", "unknown key");
	f = put("b.conf", "\n\n\nduration = soon\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	names(f, 4, "duration", "--duration wants seconds, got 'soon'");
	f = put("c.conf", "mode = learn\nmode = monitor\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	names(f, 2, "mode", "set twice (first on line 1)");
	f = put("d.conf", "journal = maybe\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	names(f, 1, "journal", "wants true or false");
	f = put("e.conf", "source = nope\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	names(f, 1, "source", "unknown source 'nope'");
	f = put("f.conf", "mode = sometimes\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	names(f, 1, "mode", "--mode wants learn, monitor or enforce");
	f = put("g.conf", "help = true\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	names(f, 1, "help", "unknown key");
	f = put("h.conf", "events\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	cr_assert(strstr(res.err, ":1: expected 'key = value'") != NULL, "%s", res.err);
	f = put("i.conf", "events =\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	names(f, 1, "events", "needs a value");
	/* options that need each other are checked too */
	f = put("j.conf", "db = /tmp/x.db\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	cr_assert(strstr(res.err, "need --mode") != NULL, "%s", res.err);
	/* a missing file */
	cr_assert_eq(RT("config", "check", "--config", "/nonexistent/rtsensor.conf"), 2);
	cr_assert(strstr(res.err, "/nonexistent/rtsensor.conf: No such file") != NULL, "%s", res.err);
	/* usage */
	cr_assert_eq(RT("config"), 2);
	cr_assert_eq(RT("config", "-h"), 0);
	cr_assert(strstr(res.out, "Usage: rtsensor config check") != NULL, "%s", res.out);
	cr_assert_eq(RT("config", "check", "stray"), 2);
}

Test(config, check_names_the_rule_drop_in_file_and_line)
{
	char rd[128], conf[300], want[64];
	const char *f;

	snprintf(rd, sizeof(rd), "%s/rules.d", dir);
	cr_assert_eq(mkdir(rd, 0700), 0);
	put("rules.d/10-site.rules", "disable write-etc\n\nrule x severity=high\n desc \"d\"\n"
				     " exec.pth = /bin/sh\nend\n");
	snprintf(conf, sizeof(conf), "mode = learn\nrules-dir = %s\n", rd);
	f = put("r.conf", conf);
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	cr_assert(strstr(res.err, "10-site.rules: line 5, column 2: unknown field 'exec.pth'") != NULL,
		  "%s", res.err);
	put("rules.d/10-site.rules", "disable write-etc\n");
	cr_assert_eq(RT("config", "check", "--config", f), 0, "%s", res.err);
	snprintf(want, sizeof(want), "%d threat rules (built-in + ", builtin_rules() - 1);
	cr_assert_eq(RT("config", "check", "--config", f), 0, "%s", res.err);
	cr_assert(strstr(res.out, want) != NULL, "%s", res.out);
	put("rules.d/20-typo.rules", "disable wirte-etc\n");
	cr_assert_eq(RT("config", "check", "--config", f), 2);
	cr_assert(strstr(res.err, "20-typo.rules: line 1, column 9: disable: no rule 'wirte-etc'") !=
		  NULL, "%s", res.err);
	/* the same check when the sensor starts: it refuses to run */
	cr_assert_eq(RT("run", "--config", f, "--source", "proc", "--duration", "0.1"), 1);
	cr_assert(strstr(res.err, "no rule 'wirte-etc'") != NULL, "%s", res.err);
	cr_assert_eq(RT("run", "--mode", "learn", "--rules-dir", rd, "--source", "proc",
			"--duration", "0.1"), 1);
	cr_assert_eq(count_lines(res.err), 1, "%s", res.err);
	cr_assert(strstr(res.err, "20-typo.rules: line 1, column 9: disable: no rule 'wirte-etc'") !=
		  NULL, "%s", res.err);
	/* a rules file adds to the built-in rules; no-default-rules leaves only its own */
	put("rules.d/20-typo.rules", "rule curl-ran severity=low\n desc \"c\"\n kind = exec\n"
				     " exec.path glob \"*/curl\"\nend\n");
	{
		const char *rf = put("site.rules", "rule ptrace enabled=false\n");
		char c2[600], want2[600];
		int nb = builtin_rules();

		snprintf(c2, sizeof(c2), "mode = learn\nrules = %s\nrules-dir = %s\n", rf, rd);
		f = put("l.conf", c2);
		cr_assert_eq(RT("config", "check", "--config", f), 0, "%s", res.err);
		snprintf(want2, sizeof(want2), "%d threat rules (built-in + %s + %s)",
			 nb - 1 - 1 + 1, rf, rd); /* - ptrace - write-etc + curl-ran */
		cr_assert(strstr(res.out, want2) != NULL, "%s wants %s", res.out, want2);
		/* without the built-in rules, disabling ptrace names a rule no file has */
		snprintf(c2, sizeof(c2), "mode = learn\nrules = %s\nrules-dir = %s\n"
			 "no-default-rules = true\n", rf, rd);
		f = put("nd.conf", c2);
		cr_assert_eq(RT("config", "check", "--config", f), 2);
		cr_assert(strstr(res.err, "site.rules: line 1, column 6: enabled=false: no rule "
				 "'ptrace' in this or an earlier file") != NULL, "%s", res.err);
		put("site.rules", "rule ls-ran severity=low\n desc \"l\"\n kind = exec\n"
				  " exec.path glob \"*/ls\"\nend\n");
		cr_assert_eq(RT("config", "check", "--config", f), 2);
		cr_assert(strstr(res.err, "10-site.rules: line 1, column 9: disable: no rule "
				 "'write-etc'") != NULL, "%s", res.err);
		put("rules.d/10-site.rules", "# nothing here now\n");
		cr_assert_eq(RT("config", "check", "--config", f), 0, "%s", res.err);
		snprintf(want2, sizeof(want2), "2 threat rules (%s + %s)", rf, rd);
		cr_assert(strstr(res.out, want2) != NULL, "%s wants %s", res.out, want2);
	}
	/* --audit-rules must be readable */
	f = put("s.conf", "audit-rules = /nonexistent/audit.rules\n");
	cr_assert_eq(RT("config", "check", "--config", f), 1);
	cr_assert(strstr(res.err, "audit-rules '/nonexistent/audit.rules'") != NULL, "%s", res.err);
}

/* Every long option of `run --help` is a key, documented in the shipped file. */
Test(config, every_run_flag_is_a_key)
{
	const char *root = getenv("SENSOR_SOURCE_ROOT");
	char path[512], help[65536], *shipped;
	int n = 0;

	cr_assert_not_null(root);
	snprintf(path, sizeof(path), "%s/deploy/rtsensor.conf", root);
	shipped = read_file(path, NULL);
	cr_assert_not_null(shipped, "%s", path);
	cr_assert_eq(RT("run", "-h"), 0);
	snprintf(help, sizeof(help), "%s", res.out);
	for (char *p = strstr(help, "--"); p; p = strstr(p + 2, "--")) {
		char key[64], line[128], conf[160];
		size_t k = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
		const char *f;

		if (k == 0 || k >= sizeof(key) || (p > help && p[-1] != ' ' && p[-1] != '('))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)k, p + 2);
		if (!strcmp(key, "help") || !strcmp(key, "config"))
			continue;
		n++;
		/* documented in the shipped file (set or as a commented example) */
		snprintf(line, sizeof(line), "%s = ", key);
		cr_expect(strstr(shipped, line) != NULL, "deploy/rtsensor.conf lacks '%s'", line);
		/* and the parser knows it: a junk value is a bad value, never an unknown key */
		snprintf(conf, sizeof(conf), "mode = learn\n%s = \"\x01junk\"\n", key);
		f = put("k.conf", conf);
		RT("config", "check", "--config", f);
		cr_expect(strstr(res.err, "unknown key") == NULL, "--%s is not a key: %s", key, res.err);
	}
	cr_assert_gt(n, 20, "found %d flags in run --help", n);
	free(shipped);
}

Test(config, flags_override_the_file)
{
	char conf[600], a[128], b[128], *text;
	const char *f;

	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.json", dir);
	/* the file asks for audit and 30 s; the command line for proc and 0.5 s */
	snprintf(conf, sizeof(conf), "source = audit\nsource = conntrack\nevents = %s\n"
		 "duration = 30\nstats = true\n", a);
	f = put("o.conf", conf);
	cr_assert_eq(RT("run", "--config", f, "-s", "proc", "--events", b, "-d", "0.5"), 0, "%s",
		     res.err);
	cr_assert(access(a, F_OK) != 0, "the file's events path was replaced");
	text = read_file(b, NULL);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "\"source\":\"proc\"") != NULL);
	free(text);
	/* --stats from the file: the counters name proc alone */
	cr_assert(strstr(res.err, "\"sources\":{\"proc\":{") != NULL, "%s", res.err);
	cr_assert(strstr(res.err, "\"audit\"") == NULL, "%s", res.err);
	/* a bad command-line value still names the flag, not the file */
	cr_assert_eq(RT("run", "--config", f, "--duration", "x"), 2);
	cr_assert(strstr(res.err, "--duration wants seconds, got 'x'") != NULL, "%s", res.err);
	cr_assert(strstr(res.err, "key '") == NULL, "%s", res.err);
	cr_assert_eq(RT("run", "--config"), 2);
}

Test(config, stats_interval_emits_status_events)
{
	char ev[128], *text, *p;
	int n = 0;

	snprintf(ev, sizeof(ev), "%s/ev.json", dir);
	cr_assert_eq(RT("run", "--source", "proc", "--events", ev, "--stats-interval", "0.2",
			"--duration", "1.1"), 0, "%s", res.err);
	text = read_file(ev, NULL);
	cr_assert_not_null(text);
	for (p = text; (p = strstr(p, "\"state\":\"stats\"")); p++)
		n++;
	cr_assert_geq(n, 3, "%d status events in 1.1 s at 0.2 s", n);
	cr_assert(strstr(text, "\"status\":{\"source\":\"rtsensor\",\"state\":\"stats\","
			       "\"detail\":\"{\\\"stats\\\":{\\\"events\\\":") != NULL, "%s", text);
	free(text);
	cr_assert_eq(RT("run", "--stats-interval", "soon"), 2);
	cr_assert(strstr(res.err, "--stats-interval wants seconds") != NULL, "%s", res.err);
}
