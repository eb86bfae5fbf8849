/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rule drop-ins (rtsensor's /etc/rtsensor/rules.d): files of a directory add
 * to the built-in rules, "disable <id>" leaves one out, errors name the file
 * and line (test-rules-layers.c: the layering in detail), a reload on a running baseline keeps the old rules when the new
 * ones do not load. Through the real pipeline (inject source -> baseline).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../baseline/inject.h"
#include "detect/rules.h"

static char dir[64];

static void put(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rules-d-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(run_sh(cmd), 0);
}

static const char curl_rule[] = "rule curl-ran severity=low\n desc \"curl ran\"\n kind = exec\n"
				" exec.path glob \"*/curl\"\nend\n";

static int check(const char *path, const char *d, char *err, size_t errlen)
{
	struct sensor_rules_opts o = { .sz = sizeof(o), .path = path, .dir = d, .err = err,
				       .errlen = errlen };

	return sensor_rules_check(&o);
}

Test(rules_dir, drop_ins_add_to_the_defaults_and_disable_by_id)
{
	struct ruleset *def;
	char err[512];
	int ndef;

	cr_assert_eq(rules_parse(rules_default_text, rules_default_len, &def, err, sizeof(err)), 0);
	ndef = (int)def->n;
	rules_free(def);
	mkdir_tmp();
	cr_assert_eq(check(NULL, dir, err, sizeof(err)), ndef, "empty dir: %s", err);
	put("10-curl.rules", curl_rule);
	put("20-quiet.rules", "# the team writes /etc all day\ndisable write-etc\n");
	put("README", "not a rules file: ignored\n");
	put(".hidden.rules", "garbage\n");
	cr_assert_eq(check(NULL, dir, err, sizeof(err)), ndef, "%s", err); /* +1 -1 */
	/* with NO_DEFAULTS only the drop-ins count, and disabling a default is then unknown */
	{
		struct sensor_rules_opts o = { .sz = sizeof(o), .flags = SENSOR_RULES_NO_DEFAULTS,
					       .dir = dir, .err = err, .errlen = sizeof(err) };

		cr_assert_eq(sensor_rules_check(&o), -EBADMSG);
		cr_assert(strstr(err, "20-quiet.rules: line 2, column 9: disable: no rule 'write-etc'"), "%s", err);
	}
	rm_tmp();
}

Test(rules_dir, errors_name_file_and_line)
{
	char err[512], lnk[128];

	mkdir_tmp();
	put("a.rules", curl_rule);
	put("b.rules", "\n\nrule x severity=high\n desc \"d\"\n nosuch.field = 1\nend\n");
	cr_assert_eq(check(NULL, dir, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "/b.rules: line 5, column 2: unknown field 'nosuch.field'"), "%s", err);
	put("b.rules", "disable no-such-rule\n");
	cr_assert_eq(check(NULL, dir, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "/b.rules: line 1, column 9: disable: no rule 'no-such-rule'"), "%s", err);
	put("b.rules", "disable\n");
	cr_assert_eq(check(NULL, dir, err, sizeof(err)), -EBADMSG);
	cr_assert(strstr(err, "b.rules: line 1") && strstr(err, "'disable' needs at least one rule id"),
		  "%s", err);
	/* the same id as a built-in rule replaces it (one rule, not two); a later disable
	 * leaves it out; the same id twice in one file is an error */
	{
		struct ruleset *def;
		int ndef;

		cr_assert_eq(rules_parse(rules_default_text, rules_default_len, &def, err, sizeof(err)), 0);
		ndef = (int)def->n;
		rules_free(def);
		put("b.rules", "rule ptrace severity=low\n desc \"mine\"\n kind = syscall\n"
			       " syscall.name = ptrace\nend\n");
		cr_assert_eq(check(NULL, dir, err, sizeof(err)), ndef + 1, "%s", err); /* + curl-ran */
		put("c.rules", "disable ptrace\n");
		cr_assert_eq(check(NULL, dir, err, sizeof(err)), ndef, "%s", err);
		put("c.rules", "rule x severity=low\n desc \"x\"\n kind = exec\nend\n"
			       "rule x severity=low\n");
		cr_assert_eq(check(NULL, dir, err, sizeof(err)), -EBADMSG);
		cr_assert(strstr(err, "c.rules: line 5, column 6: duplicate rule id 'x'"), "%s", err);
		unlink(strcat(strcpy((char[128]){ 0 }, dir), "/c.rules"));
	}
	/* a symlink that leads out of the directory is not followed (the sensor reads as root) */
	snprintf(lnk, sizeof(lnk), "%s/d.rules", dir);
	cr_assert_eq(symlink("/etc/passwd", lnk), 0);
	cr_assert_eq(check(NULL, dir, err, sizeof(err)), -EXDEV);
	cr_assert(strstr(err, "d.rules: a symbolic link out of the rules directory"), "%s", err);
	unlink(lnk);
	cr_assert_eq(symlink("../../etc/passwd", lnk), 0);
	cr_assert_eq(check(NULL, dir, err, sizeof(err)), -EXDEV, "%s", err);
	unlink(lnk);
	/* one that stays inside is, as a Kubernetes ConfigMap lays its files out:
	 * d.rules -> ..data/d.rules, ..data -> ..2026_12_06_00_00_00.1 */
	{
		char p[200], q[256];
		int before = check(NULL, dir, err, sizeof(err));

		cr_assert_gt(before, 0, "%s", err);
		snprintf(p, sizeof(p), "%s/..2026_12_06_00_00_00.1", dir);
		cr_assert_eq(mkdir(p, 0755), 0);
		put("..2026_12_06_00_00_00.1/d.rules",
		    "rule configmap-ran severity=low\n desc \"from a ConfigMap\"\n kind = exec\n"
		    " exec.path glob \"*/cm\"\nend\n");
		snprintf(q, sizeof(q), "%s/..data", dir);
		cr_assert_eq(symlink("..2026_12_06_00_00_00.1", q), 0);
		cr_assert_eq(symlink("..data/d.rules", lnk), 0);
		cr_assert_eq(check(NULL, dir, err, sizeof(err)), before + 1, "%s", err); /* + configmap-ran */
		unlink(lnk);
		unlink(q);
		snprintf(q, sizeof(q), "%s/d.rules", p);
		unlink(q);
		rmdir(p);
	}
	cr_assert_eq(mkdir(lnk, 0700), 0);
	cr_assert_eq(check(NULL, dir, err, sizeof(err)), -EISDIR);
	cr_assert(strstr(err, "d.rules"), "%s", err);
	rmdir(lnk);
	/* a missing directory and a missing file name themselves */
	cr_assert_eq(check(NULL, "/nonexistent-rules.d", err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "/nonexistent-rules.d: "), "%s", err);
	cr_assert_eq(check("/nonexistent.rules", NULL, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "/nonexistent.rules: "), "%s", err);
	rm_tmp();
}

Test(rules_dir, bad_options)
{
	struct sensor_rules_opts o = { .sz = sizeof(o), .flags = 0x80 };
	char big[sizeof(o) + 8] = { 0 };

	cr_assert_eq(sensor_rules_check(NULL), -EINVAL);
	cr_assert_eq(sensor_rules_check(&o), -EINVAL);
	o.flags = 0;
	memcpy(big, &o, sizeof(o));
	((struct sensor_rules_opts *)(void *)big)->sz = sizeof(big);
	big[sizeof(o) + 1] = 1;
	cr_assert_eq(sensor_rules_check((void *)big), -E2BIG);
	cr_assert_eq(sensor_baseline_set_rules(NULL, &o), -EINVAL);
}

Test(rules_dir, reload_on_a_running_baseline)
{
	struct sensor_baseline_opts bo = { .sz = sizeof(bo) };
	struct sensor_rules_opts ro = { .sz = sizeof(ro) };
	char err[512];
	struct tb t;
	int n;

	mkdir_tmp();
	put("10-curl.rules", curl_rule);
	bo.rules_dir = dir;
	tb_open(&t, &bo);
	tb_exec(&t, "c", NULL, "/usr/bin/curl", NULL, T0);
	tb_exec(&t, "c", NULL, "/tmp/xmrig", NULL, T0 + 1);
	cr_assert_eq(tb_count(&t, "curl-ran"), 1);
	cr_assert_eq(tb_count(&t, "miner-exec"), 1, "the built-in rules stay");
	tb_clear(&t);

	/* a broken drop-in: the reload fails and the old rules stay in force */
	put("20-bad.rules", "rule\n");
	ro.dir = dir;
	ro.err = err;
	ro.errlen = sizeof(err);
	cr_assert_eq(sensor_baseline_set_rules(t.b, &ro), -EBADMSG);
	cr_assert(strstr(err, "20-bad.rules: line 1"), "%s", err);
	tb_exec(&t, "d", NULL, "/usr/bin/curl", NULL, T0 + 2);
	cr_assert_eq(tb_count(&t, "curl-ran"), 1, "old rules kept after a failed reload");
	tb_clear(&t);

	/* fixed: miner-exec disabled, curl rule still there */
	put("20-bad.rules", "disable miner-exec\n");
	n = sensor_baseline_set_rules(t.b, &ro);
	cr_assert_gt(n, 0, "%s", err);
	tb_exec(&t, "e", NULL, "/tmp/xmrig", NULL, T0 + 3);
	tb_exec(&t, "e", NULL, "/usr/bin/curl", NULL, T0 + 4);
	cr_assert_eq(tb_count(&t, "miner-exec"), 0);
	cr_assert_eq(tb_count(&t, "curl-ran"), 1);
	tb_close(&t);
	rm_tmp();
}
