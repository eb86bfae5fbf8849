/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor replay --audit: JSON lines from a recorded log, from a file and from stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testlib.h"

/* Run a shell command, return its stdout (malloc'd) and exit status. */
static char *capture(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0, cap = 0, n;
	char buf[4096];

	cr_assert_not_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
		}
		memcpy(out + len, buf, n);
		len += n;
	}
	if (!out)
		out = calloc(1, 1);
	else
		out[len] = '\0';
	*status = pclose(p);
	return out;
}

static int count(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

Test(cmd_replay, lost_messages_log_from_file_and_stdin)
{
	const char *bin = getenv("RTSENSOR");
	const char *log = corpus_path("elastic_go-libaudit/testdata/lost_messages.log");
	char cmd[2048];
	char *a, *b;
	int st;

	cr_assert_not_null(bin);
	snprintf(cmd, sizeof(cmd), "%s replay --audit %s", bin, log);
	a = capture(cmd, &st);
	cr_assert_eq(WEXITSTATUS(st), 0);
	cr_expect_eq(count(a, "\n"), 6, "5 events and a loss line:\n%s", a);
	cr_expect_eq(count(a, "\"kind\":\"exec\""), 2);
	cr_expect_eq(count(a, "\"kind\":\"net\""), 3);
	cr_expect_eq(count(a, "\"kind\":\"loss\""), 1);
	cr_expect_neq(strstr(a, "\"loss\":{\"source\":\"audit\",\"count\":9"), NULL, "%s", a);
	cr_expect_neq(strstr(a, "\"argv\":[\"grep\",\"--color=auto\",\"mapping\"]"), NULL);
	cr_expect_eq(strstr(a, "\"workload\""), NULL, "no /proc enrichment in replay");
	snprintf(cmd, sizeof(cmd), "%s replay --audit - < %s", bin, log);
	b = capture(cmd, &st);
	cr_assert_eq(WEXITSTATUS(st), 0);
	cr_expect_str_eq(a, b, "stdin and file give the same events");
	free(a);
	free(b);
}

Test(cmd_replay, errors_have_exit_codes)
{
	const char *bin = getenv("RTSENSOR");
	char cmd[1024];
	char *o;
	int st;

	snprintf(cmd, sizeof(cmd), "%s replay 2>/dev/null", bin);
	o = capture(cmd, &st);
	cr_expect_eq(WEXITSTATUS(st), 2, "usage");
	free(o);
	snprintf(cmd, sizeof(cmd), "%s replay --audit /nonexistent/log 2>/dev/null", bin);
	o = capture(cmd, &st);
	cr_expect_eq(WEXITSTATUS(st), 1, "missing file");
	free(o);
	snprintf(cmd, sizeof(cmd), "%s replay --help", bin);
	o = capture(cmd, &st);
	cr_expect_eq(WEXITSTATUS(st), 0);
	cr_expect_neq(strstr(o, "--audit"), NULL);
	free(o);
}
