/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor --syslog with --syslog-events against a real rsyslogd the test
 * starts (its own config, work directory and sockets; no /dev/log): over
 * TCP (imtcp) and over a unix datagram socket (imuxsock), rsyslog parses
 * each RFC 5424 message (version, host, app, MSGID) into a file; exec
 * events and an alert arrive; rsyslog is restarted mid-run while the
 * sensor keeps sending, and every event the sensor wrote to its event file
 * and counted as sent is in rsyslog's file afterwards (exit status 0: the
 * sensor reported nothing undelivered).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static char dir[64];
static pid_t rsyslog = -1, sensor = -1;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rsyslog-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void stop(pid_t *p, int *st)
{
	if (*p > 0) {
		kill(*p, SIGTERM);
		waitpid(*p, st, 0);
		*p = -1;
	}
}

static void teardown(void)
{
	char cmd[128];
	int st;

	stop(&sensor, &st);
	stop(&rsyslog, &st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* Write the config (imtcp on port, imuxsock on DIR/log.sock) once; start rsyslogd; wait for it. */
static void rsyslog_start(int port)
{
	char conf[128], sock[128];
	struct stat st;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/rsyslog.conf", dir);
	snprintf(sock, sizeof(sock), "%s/log.sock", dir);
	if (access(conf, F_OK) != 0) {
		f = fopen(conf, "w");
		cr_assert_not_null(f);
		fprintf(f,
			"global(workDirectory=\"%s\")\n"
			"module(load=\"imtcp\")\n"
			"input(type=\"imtcp\" port=\"%d\" address=\"127.0.0.1\")\n"
			"module(load=\"imuxsock\" SysSock.Use=\"off\")\n"
			"input(type=\"imuxsock\" Socket=\"%s\" UseSpecialParser=\"off\" ParseHostname=\"on\")\n"
			"template(name=\"t\" type=\"string\" string=\"%%protocol-version%% %%hostname%% "
			"%%app-name%% %%msgid%% %%msg%%\\n\")\n"
			"*.* action(type=\"omfile\" file=\"%s/out.log\" template=\"t\")\n",
			dir, port, sock, dir);
		fclose(f);
	}
	unlink(sock);
	rsyslog = fork();
	cr_assert_geq(rsyslog, 0);
	if (rsyslog == 0) {
		char pidf[128];
		int null = open("/dev/null", O_WRONLY);

		snprintf(pidf, sizeof(pidf), "%s/rsyslogd.pid", dir);
		dup2(null, 1);
		execlp("rsyslogd", "rsyslogd", "-n", "-f", conf, "-i", pidf, (char *)NULL);
		_exit(127);
	}
	/* ready when its unix socket exists and its TCP port accepts */
	for (int i = 0; i < 200; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok = stat(sock, &st) == 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

		close(fd);
		if (ok)
			return;
		usleep(50000);
	}
	cr_assert_fail("rsyslogd did not start");
}

/*
 * n short-lived processes whose command lines carry "<tag>-<i>", concurrently;
 * each lives 0.4 s, a load of execs that waits for no state.
 */
static void markers(const char *tag, int from, int n)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "i=%d; while [ $i -lt %d ]; do sh -c 'sleep 0.4' %s-$i & i=$((i+1)); done; wait",
		 from, from + n, tag);
	cr_assert_eq(run_sh(cmd), 0);
}

/* How many lines of f contain s. */
static int count_in(const char *path, const char *s)
{
	char *t = read_file(path, NULL), *p;
	int n = 0;

	for (p = t; p && (p = strstr(p, s)); p += strlen(s))
		n++;
	free(t);
	return n;
}

static void scenario(const char *transport)
{
	char target[160], events[128], out[128], tag[32], cmd[160];
	int port = free_port(), st, want = 0, missing = 0;
	char host[256] = "";
	char *ev;

	gethostname(host, sizeof(host) - 1);
	snprintf(tag, sizeof(tag), "rsl%d", getpid());
	rsyslog_start(port);
	if (strcmp(transport, "tcp") == 0)
		snprintf(target, sizeof(target), "tcp:127.0.0.1:%d", port);
	else
		snprintf(target, sizeof(target), "unix:%s/log.sock", dir);
	snprintf(events, sizeof(events), "%s/events.json", dir);
	snprintf(out, sizeof(out), "%s/out.log", dir);
	sensor = fork();
	cr_assert_geq(sensor, 0);
	if (sensor == 0) {
		char errf[128];
		int e;

		snprintf(errf, sizeof(errf), "%s/sensor.err", dir);
		e = open(errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		dup2(e, 2);
		execl(getenv("RTSENSOR"), "rtsensor", "run", "--source", "proc", "--duration", "120",
		      "--mode", "learn", "--alerts", "/dev/null", "--syslog", target,
		      "--syslog-events", "exec", "--events", events, "--stats", (char *)NULL);
		_exit(127);
	}
	cr_assert(wait_file_has(events, "\"state\":\"up\"", 30000),
		  "the sensor did not write its \"up\" status event in 30 s");
	markers(tag, 0, 20);
	/* an alert: a reverse-shell command line */
	cr_assert_eq(run_sh("sh -c 'sleep 0.4; : /dev/tcp/192.0.2.1/9' >/dev/null 2>&1"), 0);
	/* rsyslog restarts while the sensor sends */
	stop(&rsyslog, &st);
	markers(tag, 20, 10); /* while it is down: queued */
	rsyslog_start(port);
	markers(tag, 30, 20);
	/*
	 * A last marker after all the others: the sensor sends in the order it
	 * saw the execs and rsyslog writes in the order it received them, so
	 * once the last marker is in rsyslog's file everything before it was
	 * sent and written.
	 */
	markers(tag, 50, 1);
	snprintf(cmd, sizeof(cmd), "sleep 0.4 %s-50\"", tag);
	cr_expect(wait_file_has(out, cmd, 30000), "the last marker reached rsyslog's file in 30 s");
	stop(&sensor, &st);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the sensor reported nothing undelivered (%d)",
		  st);
	stop(&rsyslog, &st);
	/* every marker exec the sensor wrote as an event is in rsyslog's file */
	ev = read_file(events, NULL);
	cr_assert_not_null(ev);
	for (int i = 0; i < 50; i++) {
		char m[64];

		snprintf(m, sizeof(m), "sleep 0.4 %s-%d\"", tag, i);
		if (!strstr(ev, m))
			continue;
		want++;
		if (count_in(out, m) == 0) {
			missing++;
			fprintf(stderr, "missing in rsyslog's file: %s\n", m);
		}
	}
	free(ev);
	{
		char errf[128], *e;
		const char *rc;

		snprintf(errf, sizeof(errf), "%s/sensor.err", dir);
		e = read_file(errf, NULL);
		rc = e ? strstr(e, "\"reconnects\":") : NULL;
		cr_expect(rc && atoi(rc + 13) >= 1, "the sink reconnected after the restart: %s",
			  e ? e : "");
		free(e);
	}
	cr_expect_geq(want, 40, "the sensor saw the marker execs (%d)", want);
	cr_expect_eq(missing, 0, "%d of %d events the sensor sent are not in rsyslog's file", missing,
		     want);
	/* rsyslog parsed RFC 5424: version 1, our host, app, MSGID */
	snprintf(cmd, sizeof(cmd), "1 %s rtsensor exec {\"kind\":\"exec\"", host);
	cr_expect_gt(count_in(out, cmd), 0, "exec events parsed as RFC 5424 with MSGID exec");
	snprintf(cmd, sizeof(cmd), "1 %s rtsensor reverse-shell-devtcp {\"alert\":", host);
	cr_expect_gt(count_in(out, cmd), 0, "the alert, MSGID its rule");
}

TestSuite(rsyslog, .init = setup, .fini = teardown, .timeout = 150);

Test(rsyslog, tcp_events_and_alerts_survive_a_restart)
{
	scenario("tcp");
}

Test(rsyslog, unix_socket_events_and_alerts_survive_a_restart)
{
	scenario("unix");
}

Test(rsyslog, syslog_events_needs_a_target)
{
	struct run_result *res = calloc(1, sizeof(*res));
	char *argv[] = { getenv("RTSENSOR"), "run", "--syslog-events", "exec", NULL };
	char *argv2[] = { getenv("RTSENSOR"), "run", "--syslog", "udp:127.0.0.1:9",
			  "--syslog-events", "exec,bogus", NULL };

	cr_assert_eq(run_capture(argv, -1, 0, res), 0);
	cr_expect_eq(res->status, 2, "%s", res->err);
	cr_expect_not_null(strstr(res->err, "--syslog-events needs --syslog"), "%s", res->err);
	cr_assert_eq(run_capture(argv2, -1, 0, res), 0);
	cr_expect_eq(res->status, 2, "%s", res->err);
	cr_expect_not_null(strstr(res->err, "unknown kind 'bogus'"), "%s", res->err);
	free(res);
}
