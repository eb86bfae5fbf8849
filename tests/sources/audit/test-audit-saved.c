/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The saved kernel audit state: its file format, and store keeping the first writer's. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sources/audit/audit-saved.h"

Test(audit_saved, parse_good_and_bad)
{
	static const char *const bad[] = {
		"", "enabled=0", "backlog_limit=64 enabled=0\n", "enabled=2 backlog_limit=64\n",
		"enabled=0 backlog_limit=4294967296\n", "enabled=0 backlog_limit=64 x=1\n",
		"enabled=0 backlog_limit=\n", "enabled=-1 backlog_limit=64\n", "enabled=0backlog_limit=64",
		"enabled=0 backlog_limit=64\nenabled=1 backlog_limit=1\n", "ENABLED=0 backlog_limit=64",
	};
	struct audit_saved s;

	cr_assert_eq(audit_saved_parse("enabled=0 backlog_limit=64\n", 27, &s), 0);
	cr_assert_eq(s.enabled, 0);
	cr_assert_eq(s.backlog_limit, 64);
	cr_assert_eq(audit_saved_parse("enabled=1 backlog_limit=4294967295", 34, &s), 0);
	cr_assert_eq(s.enabled, 1);
	cr_assert_eq(s.backlog_limit, 4294967295u);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(audit_saved_parse(bad[i], strlen(bad[i]), &s), -EBADMSG, "%s", bad[i]);
}

Test(audit_saved, store_keeps_the_first_and_load_reads_it)
{
	char dir[] = "/tmp/audit-saved-XXXXXX", path[64];
	struct audit_saved a = { 0, 64 }, b = { 1, 8192 }, got;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/saved", dir);
	cr_assert_eq(audit_saved_load(path, &got), -ENOENT);
	cr_assert_eq(audit_saved_store(path, &a), 0, "the folder is made");
	cr_assert_eq(audit_saved_store(path, &b), -EEXIST, "the first state is the one kept");
	cr_assert_eq(audit_saved_load(path, &got), 0);
	cr_assert_eq(got.enabled, 0);
	cr_assert_eq(got.backlog_limit, 64);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}
