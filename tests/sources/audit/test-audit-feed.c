/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sensor_audit_feed() on an offline audit source: records in any number of
 * calls (a line cut at the end of one call is kept for the next), events
 * emitted when complete, SENSOR_AUDIT_FEED_END completing what is in
 * flight; the EXECVE arguments the kernel hex-encodes decoded exactly (and
 * only EXECVE's aN, only whole even-length hex runs); and the instance's
 * rule key from sensor_audit_rule_key().
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "sources/audit/audit-parse.h"
#include "testlib.h"

static char argv_seen[8][128];
static int nexec, argc_seen;
static char cmdline[256], exe[128], tty[32], json[4096];

static void on_event(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	const char *const *argv;
	const char *s;

	(void)ctx;
	(void)ud;
	if (sensor_event_kind(ev) != SENSOR_KIND_EXEC)
		return;
	nexec++;
	argc_seen = sensor_event_get_argv(ev, &argv);
	for (int i = 0; i < argc_seen && i < 8; i++)
		snprintf(argv_seen[i], sizeof(argv_seen[i]), "%s", argv[i]);
	s = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_CMDLINE);
	snprintf(cmdline, sizeof(cmdline), "%s", s ? s : "(none)");
	s = sensor_event_get_str(ev, SENSOR_FIELD_EXEC_PATH);
	snprintf(exe, sizeof(exe), "%s", s ? s : "(none)");
	s = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_TTY);
	snprintf(tty, sizeof(tty), "%s", s ? s : "ABSENT");
	cr_assert_gt(sensor_event_to_json(ev, json, sizeof(json)), 0);
}

#define REC(type, rest) "type=" type " msg=audit(1700000000.123:42): " rest "\n"

/* argv: "echo", "hello world" (hex), "ABC" (odd length: text), "plain" (quoted), "café\t" (hex) */
static const char execve_event[] =
	REC("SYSCALL", "arch=c000003e syscall=59 success=yes exit=0 a0=55d0aa a1=55d0bb a2=55d0cc "
		       "a3=0 items=1 ppid=100 pid=4242 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
		       "egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"echo\" exe=\"/usr/bin/echo\" key=\"k\"")
	REC("EXECVE", "argc=5 a0=\"echo\" a1=68656C6C6F20776F726C64 a2=ABC a3=\"plain\" a4=636166C3A909")
	REC("CWD", "cwd=\"/tmp\"")
	REC("PATH", "item=0 name=\"/usr/bin/echo\" inode=12 dev=08:01 mode=0100755 ouid=0 ogid=0 "
		    "rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0")
	REC("PROCTITLE", "proctitle=6563686F0068656C6C6F20776F726C64");

Test(audit_feed, records_across_calls_and_hex_arguments)
{
	struct sensor_audit_opts o = { .sz = sizeof(o), .flags = SENSOR_AUDIT_OFFLINE };
	const char *cut = strstr(execve_event, "a1=6865") + 7; /* inside a hex argument */
	struct sensor_source_stats st = { .sz = sizeof(st) };
	sensor_ctx *ctx;
	sensor_source *src;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_event, NULL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src), 0);
	/* the first part ends inside a line: nothing complete yet */
	cr_assert_eq(sensor_audit_feed(src, execve_event, (size_t)(cut - execve_event), 0), 0);
	cr_assert_eq(nexec, 0);
	cr_assert_eq(sensor_audit_feed(src, cut, strlen(cut), 0), 0, "no EOE: still open");
	cr_assert_eq(nexec, 0);
	/* the end of the input completes it */
	cr_assert_eq(sensor_audit_feed(src, "", 0, SENSOR_AUDIT_FEED_END), 1);
	cr_assert_eq(nexec, 1);
	cr_assert_eq(argc_seen, 5);
	cr_assert_str_eq(argv_seen[0], "echo");
	cr_assert_str_eq(argv_seen[1], "hello world");
	cr_assert_str_eq(argv_seen[2], "ABC");
	cr_assert_str_eq(argv_seen[3], "plain");
	cr_assert_str_eq(argv_seen[4], "caf\xc3\xa9\t");
	cr_assert_str_eq(exe, "/usr/bin/echo");
	cr_assert_str_eq(tty, "pts0");
	cr_assert(strstr(json, "\"tty\":\"pts0\""), "%s", json);
	/* the command line: the decoded arguments joined by spaces */
	cr_assert_str_eq(cmdline, "echo hello world ABC plain caf\xc3\xa9\t");
	sensor_source_get_stats(src, &st);
	cr_assert_eq(st.errors, 0);
	cr_assert_eq(st.lost, 0);

	/* a cut line that grows over 64 KiB is refused and counted; the feed goes on */
	{
		size_t n = 70000;
		char *big = malloc(n + 1);

		cr_assert_not_null(big);
		memset(big, 'x', n);
		big[n] = '\0';
		cr_assert_eq(sensor_audit_feed(src, big, n, 0), 0);
		free(big);
		sensor_source_get_stats(src, &st);
		cr_assert_eq(st.errors, 1, "%llu errors", (unsigned long long)st.errors);
	}
	cr_assert_eq(sensor_audit_feed(src, "x", 1, 0x80), -EINVAL, "unknown flag");
	cr_assert_eq(sensor_audit_feed(NULL, "x", 1, 0), -EINVAL);
	sensor_ctx_free(ctx);
}

/*
 * A process without a controlling terminal: the kernel writes tty=(none);
 * the event has no process.tty (getter NULL, no "tty" in its JSON), as
 * docs/events.md says, not the string "(none)".
 */
Test(audit_feed, no_controlling_terminal_is_no_tty)
{
	struct sensor_audit_opts o = { .sz = sizeof(o), .flags = SENSOR_AUDIT_OFFLINE };
	char ev[sizeof(execve_event) + 2];
	char *p;
	sensor_ctx *ctx;
	sensor_source *src;

	snprintf(ev, sizeof(ev), "%s", execve_event);
	p = strstr(ev, "tty=pts0 ");
	cr_assert_not_null(p);
	memmove(p + 11, p + 9, strlen(p + 9) + 1); /* "tty=pts0 " -> "tty=(none) " */
	memcpy(p, "tty=(none) ", 11);
	cr_assert_not_null(strstr(ev, "fsgid=0 tty=(none) ses=3 comm="), "%s", ev);
	nexec = 0;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_event, NULL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src), 0);
	cr_assert_eq(sensor_audit_feed(src, ev, strlen(ev), SENSOR_AUDIT_FEED_END), 1);
	cr_assert_eq(nexec, 1);
	cr_assert_str_eq(exe, "/usr/bin/echo");
	cr_assert_str_eq(tty, "ABSENT");
	cr_assert_null(strstr(json, "\"tty\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"comm\":\"echo\""), "%s", json);
	sensor_ctx_free(ctx);
}

/* A live-only flag is refused for an offline source; a non-audit source is refused by feed. */
Test(audit_feed, wrong_source_or_flags)
{
	struct sensor_audit_opts o = { .sz = sizeof(o),
				       .flags = SENSOR_AUDIT_OFFLINE | SENSOR_AUDIT_DAEMON };
	sensor_ctx *ctx;
	sensor_source *inj;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, NULL), -EINVAL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &inj), 0);
	cr_assert_eq(sensor_audit_feed(inj, "x\n", 2, 0), -EINVAL);
	sensor_ctx_free(ctx);
}

/* The key: "rtsensor-" + the boot id's first 8 characters + pid namespace inode + pid. */
Test(audit_feed, rule_key_names_boot_pid_namespace_and_pid)
{
	char boot[40] = "", want[128], key[128];
	struct stat st;
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC), n;

	cr_assert_geq(fd, 0);
	cr_assert_gt(read(fd, boot, sizeof(boot) - 1), 8);
	close(fd);
	cr_assert_eq(stat("/proc/self/ns/pid", &st), 0);
	n = snprintf(want, sizeof(want), "rtsensor-%.8s-%llu-%d", boot,
		     (unsigned long long)st.st_ino, (int)getpid());
	cr_assert_eq(sensor_audit_rule_key(key, sizeof(key)), n);
	cr_assert_str_eq(key, want);
	cr_assert_eq(sensor_audit_rule_key(key, (size_t)n), -ENOSPC, "no room for the NUL");
	cr_assert_eq(sensor_audit_rule_key(key, (size_t)n + 1), n);
	cr_assert_eq(sensor_audit_rule_key(NULL, 10), -EINVAL);
	cr_assert_eq(sensor_audit_rule_key(key, 0), -EINVAL);
}

/* What audit_value_decode() gives for one field of one record. */
static const char *decoded(const char *rec, const char *key, char *out, size_t cap)
{
	struct audit_field f[32];
	struct audit_record r = { .f = f, .fcap = 32 };
	const struct audit_field *fl;
	int n;

	cr_assert_eq(audit_parse_record(rec, strlen(rec), 0, &r), 0, "%s", rec);
	fl = audit_field_find(&r, rec, key);
	cr_assert_not_null(fl, "%s in %s", key, rec);
	n = audit_value_decode(fl, rec, r.type, out, cap - 1);
	cr_assert_geq(n, 0);
	out[(size_t)n < cap - 1 ? (size_t)n : cap - 1] = '\0';
	return out;
}

/* Only EXECVE's aN and aN[i] are hex-encoded arguments; aN_len and other records' aN are numbers. */
Test(audit_feed, only_execve_arguments_are_hex)
{
	char b[64];

	cr_assert_str_eq(decoded("type=EXECVE msg=audit(1.2:3): argc=1 a0=4142", "a0", b, sizeof(b)), "AB");
	cr_assert_str_eq(decoded("type=EXECVE msg=audit(1.2:3): argc=1 a0[1]=4142", "a0[1]", b, sizeof(b)),
			 "AB");
	cr_assert_str_eq(decoded("type=EXECVE msg=audit(1.2:3): argc=1 a0_len=4142", "a0_len", b, sizeof(b)),
			 "4142");
	cr_assert_str_eq(decoded("type=SYSCALL msg=audit(1.2:3): arch=c000003e a0=4142", "a0", b, sizeof(b)),
			 "4142");
	cr_assert_str_eq(decoded("type=EXECVE msg=audit(1.2:3): argc=1 a0=414", "a0", b, sizeof(b)), "414");
	cr_assert_str_eq(decoded("type=EXECVE msg=audit(1.2:3): argc=1 a0=41x2", "a0", b, sizeof(b)), "41x2");
	cr_assert_str_eq(decoded("type=CWD msg=audit(1.2:3): cwd=2F746D70", "cwd", b, sizeof(b)), "/tmp");
}
