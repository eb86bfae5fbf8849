/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor exec and seccomp-agent from the outside: exit statuses, events, usage errors. */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>

#include "testlib.h"

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), fmt, getenv("RTSENSOR"), a ? a : "", b ? b : "");
	return run_sh(cmd);
}

Test(cmd_exec, denied_errno_reaches_command_and_event_is_written)
{
	char ev[] = "/tmp/rtsensor-exec-XXXXXX";
	int fd = mkstemp(ev);
	char *text;

	cr_assert(fd >= 0);
	close(fd);
	/* sc-target exits with the errno its unshare() got: EHOSTDOWN is 112 */
	cr_assert_eq(sh("%s exec --deny unshare:EHOSTDOWN --events %s -- %s unshare", ev, SC_TARGET), EHOSTDOWN);
	text = read_file(ev, NULL);
	cr_assert_not_null(text);
	cr_assert_not_null(strstr(text, "\"name\":\"unshare\""), "%s", text);
	cr_assert_not_null(strstr(text, "\"decision\":\"deny\""), "%s", text);
	cr_assert_not_null(strstr(text, "\"kind\":\"syscall\""), "%s", text);
	free(text);
	unlink(ev);
	/* numeric errno, and a syscall outside the default set joins the filter */
	cr_assert_eq(sh("%s exec --deny getppid:7 --events /dev/null -- %s loop 1 >/dev/null", SC_TARGET, NULL), 0);
	cr_assert_eq(sh("%s exec --deny unshare:13 --events /dev/null -- %s unshare", SC_TARGET, NULL), EACCES);
}

Test(cmd_exec, allowed_by_default_and_exit_status_passes_through)
{
	cr_assert_eq(sh("%s exec --events /dev/null -- %s unshare", SC_TARGET, NULL), 0);
	/* --hold reports a syscall outside the default set and lets it run */
	cr_assert_eq(sh("%s exec --hold getppid --events /dev/stdout -- %s loop 3 | grep -c '\"name\":\"getppid\".*allow' | grep -qx 3",
			SC_TARGET, NULL), 0);
	cr_assert_eq(sh("%s exec --events /dev/null -- sh -c 'exit 7'", NULL, NULL), 7);
	cr_assert_eq(sh("%s exec --events /dev/null -- sh -c 'kill -TERM $$'", NULL, NULL), 128 + 15);
}

Test(cmd_exec, usage_errors)
{
	cr_assert_eq(sh("%s exec 2>/dev/null", NULL, NULL), 2);
	cr_assert_eq(sh("%s exec --deny 'unshare:ENOTANERRNO' -- true 2>/dev/null", NULL, NULL), 2);
	cr_assert_eq(sh("%s exec --deny no_such_syscall -- true 2>/dev/null", NULL, NULL), 2);
	cr_assert_eq(sh("%s exec -- /nonexistent/cmd 2>/dev/null", NULL, NULL), 127);
	cr_assert_eq(sh("%s seccomp-agent 2>/dev/null", NULL, NULL), 2);
	cr_assert_eq(sh("%s exec --help >/dev/null", NULL, NULL), 0);
	cr_assert_eq(sh("%s seccomp-agent --help >/dev/null", NULL, NULL), 0);
}
