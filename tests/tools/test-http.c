/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor --format falco and --http URL: the Falco body field by field,
 * and real delivery to a local HTTP receiver the test starts
 * (tests/tools/http-receiver.py): every alert arrives as one Falco JSON
 * body; a receiver that comes late, answers 503 or is gone is retried;
 * what cannot be delivered is counted, reported and fails the run.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "falco.h"
#include "testlib.h"

#include "alert-log.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/http-test-XXXXXX");
	alert_log_dir(dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

/* The receiver: its pid; *port once it listens (port 0: the kernel's choice). */
static pid_t receiver_start(int port, const char *extra, int *ret_port)
{
	char script[512], portfile[128], out[128], portarg[16];
	pid_t pid;

	snprintf(script, sizeof(script), "%s/tests/tools/http-receiver.py", getenv("SENSOR_SOURCE_ROOT"));
	snprintf(portfile, sizeof(portfile), "%s/port", dir);
	snprintf(out, sizeof(out), "%s/bodies", dir);
	snprintf(portarg, sizeof(portarg), "%d", port);
	unlink(portfile);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		const char *argv[10] = { "/usr/bin/python3", script, portfile, out, "--port", portarg };
		int n = 6;

		if (extra) {
			argv[n++] = strtok(strdup(extra), " ");
			argv[n++] = strtok(NULL, " ");
		}
		argv[n] = NULL;
		execv("/usr/bin/python3", (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 1200; i++) { /* 30 s: python starts slowly on a loaded machine */
		FILE *f = fopen(portfile, "r");

		if (f) {
			cr_assert_eq(fscanf(f, "%d", ret_port), 1);
			fclose(f);
			return pid;
		}
		usleep(25000);
	}
	kill(pid, SIGKILL);
	cr_assert_fail("the HTTP receiver did not start");
	return -1;
}

static void receiver_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* A free loopback port: bind, read it back, close. */
static int free_port(void)
{
	pid_t p;
	int port = 0;

	p = receiver_start(0, NULL, &port);
	receiver_stop(p);
	return port;
}

/* Replay the alert log with --format falco --http URL; exit code, stderr in err. */
static int replay_http(int port, const char *extra, char *err, size_t errlen)
{
	char url[64], log[128];
	struct run_result *res = calloc(1, sizeof(*res));
	char *argv[32];
	int n = 0, status;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	snprintf(log, sizeof(log), "%s/audit.log", dir);
	argv[n++] = getenv("RTSENSOR");
	argv[n++] = "replay";
	argv[n++] = "--audit";
	argv[n++] = log;
	argv[n++] = "--mode";
	argv[n++] = "learn";
	argv[n++] = "--learn-min";
	argv[n++] = "5";
	argv[n++] = "--learn-stable";
	argv[n++] = "5";
	argv[n++] = "--alerts";
	argv[n++] = "/dev/null";
	argv[n++] = "--format";
	argv[n++] = "falco";
	argv[n++] = "--http";
	argv[n++] = url;
	if (extra)
		argv[n++] = (char *)extra;
	argv[n] = NULL;
	cr_assert_eq(run_capture(argv, -1, 0, res), 0);
	snprintf(err, errlen, "%s", res->err);
	status = res->status;
	free(res);
	return status;
}

/* The bodies the receiver kept, as JSON objects in order (count in *n). */
static json_t *bodies(int *n)
{
	char path[128];
	size_t len;
	char *text, *line, *save = NULL;
	json_t *arr = json_array();

	snprintf(path, sizeof(path), "%s/bodies", dir);
	text = read_file(path, &len);
	*n = 0;
	if (!text)
		return arr;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t e;
		json_t *j = json_loads(line, 0, &e);

		cr_assert_not_null(j, "a body is one JSON object: %s (%s)", e.text, line);
		json_array_append_new(arr, j);
		(*n)++;
	}
	free(text);
	return arr;
}

static const char *s_at(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* The Falco members every body has. */
static void check_falco_shape(json_t *b)
{
	static const char *const prio[] = { "Emergency", "Alert", "Critical", "Error", "Warning",
					     "Notice", "Informational", "Debug" };
	const char *p = s_at(b, "priority");
	bool known = false;
	char host[256] = "";

	for (size_t i = 0; p && i < 8; i++)
		known |= strcmp(p, prio[i]) == 0;
	cr_expect(known, "priority '%s' is one of Falco's names", p ? p : "(null)");
	cr_expect_not_null(s_at(b, "rule"));
	cr_expect_str_eq(s_at(b, "source"), "syscall");
	cr_expect(s_at(b, "time") && strlen(s_at(b, "time")) == 30 && s_at(b, "time")[29] == 'Z',
		  "time as Falco writes it: RFC 3339 with nanoseconds, UTC");
	gethostname(host, sizeof(host) - 1);
	cr_expect_str_eq(s_at(b, "hostname"), host);
	cr_expect(json_is_array(json_object_get(b, "tags")));
	cr_expect(json_is_object(json_object_get(b, "output_fields")));
	cr_expect(json_is_integer(json_object_get(json_object_get(b, "output_fields"), "evt.time")));
	cr_expect_not_null(s_at(b, "output"));
}

TestSuite(http, .init = setup, .fini = teardown, .timeout = 60);

Test(http, falco_fields_of_a_container_alert)
{
	const char *alert =
		"{\"alert\":{\"id\":\"53b112624be077e9-3\",\"severity\":\"high\",\"rule\":\"read-credential-store\","
		"\"description\":\"a credential store was opened\",\"feature\":\"file:open:/etc/shadow\","
		"\"tags\":[\"T1003.008\",\"credential_access\"],\"count\":1,"
		"\"first\":\"2026-11-26T19:55:49.236254176Z\",\"last\":\"2026-11-26T19:55:49.236254176Z\"},"
		"\"workload\":{\"kind\":\"container\",\"id\":\"9b85c0ffee0123456789abcdef0123456789abcdef0123456789abcdef012125\","
		"\"class\":\"image:registry.test:5000/shop/web:1.0\"},"
		"\"process\":{\"pid\":23519,\"ppid\":4609,\"uid\":0,\"comm\":\"cat\",\"exe\":\"/bin/cat\","
		"\"cmdline\":\"cat /etc/shadow\",\"chain\":[{\"pid\":4609,\"exe\":\"/bin/sh\"}]},"
		"\"evidence\":[{\"kind\":\"file\",\"source\":\"fanotify\",\"time\":\"2026-11-26T19:55:49.236254176Z\","
		"\"seq\":9,\"process\":{\"pid\":23519,\"auid\":4294967295},"
		"\"workload\":{\"kind\":\"container\",\"id\":\"9b85c0ffee0123456789abcdef0123456789abcdef0123456789abcdef012125\","
		"\"image\":\"registry.test:5000/shop/web:1.0\",\"pod_name\":\"web-0\",\"namespace\":\"shop\","
		"\"container_name\":\"web\",\"pod\":\"0b7e5a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b\"},"
		"\"file\":{\"op\":\"open\",\"path\":\"/etc/shadow\"},"
		"\"host\":{\"name\":\"node-7\",\"boot_id\":\"62a25326-aa9a-4f9a-b17b-383e71f39717\"}}]}";
	char *line = falco_line(alert, strlen(alert), "fallback");
	json_t *b, *f;

	cr_assert_not_null(line);
	b = json_loads(line, 0, NULL);
	cr_assert_not_null(b, "%s", line);
	free(line);
	cr_expect_str_eq(s_at(b, "time"), "2026-11-26T19:55:49.236254176Z");
	cr_expect_str_eq(s_at(b, "rule"), "read-credential-store");
	cr_expect_str_eq(s_at(b, "priority"), "Error", "high is Falco's Error");
	cr_expect_str_eq(s_at(b, "source"), "syscall");
	cr_expect_str_eq(s_at(b, "hostname"), "node-7", "the evidence's host, not the fallback");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(b, "tags"), 0)), "T1003.008");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(b, "tags"), 1)),
			 "credential_access");
	cr_expect_str_eq(s_at(b, "output"),
			 "19:55:49.236254176: Error a credential store was opened (user_uid=0 "
			 "process=cat command=cat /etc/shadow pid=23519 file=/etc/shadow "
			 "container_id=9b85c0ffee01 container_name=web image=registry.test:5000/shop/web "
			 "k8s_pod_name=web-0 k8s_ns_name=shop feature=file:open:/etc/shadow)");
	f = json_object_get(b, "output_fields");
	cr_expect_eq(json_integer_value(json_object_get(f, "evt.time")), 1795722949236254176ll);
	cr_expect_str_eq(s_at(f, "evt.hostname"), "node-7");
	cr_expect_str_eq(s_at(f, "proc.name"), "cat");
	cr_expect_str_eq(s_at(f, "proc.exepath"), "/bin/cat");
	cr_expect_str_eq(s_at(f, "proc.cmdline"), "cat /etc/shadow");
	cr_expect_str_eq(s_at(f, "proc.pexepath"), "/bin/sh");
	cr_expect_eq(json_integer_value(json_object_get(f, "proc.pid")), 23519);
	cr_expect_eq(json_integer_value(json_object_get(f, "proc.ppid")), 4609);
	cr_expect_eq(json_integer_value(json_object_get(f, "user.uid")), 0);
	cr_expect_null(json_object_get(f, "user.name"), "a container's users are its own");
	cr_expect_str_eq(s_at(f, "container.id"), "9b85c0ffee01", "Falco's 12-character ID");
	cr_expect_str_eq(s_at(f, "container.full_id"),
			 "9b85c0ffee0123456789abcdef0123456789abcdef0123456789abcdef012125");
	cr_expect_str_eq(s_at(f, "container.name"), "web");
	cr_expect_str_eq(s_at(f, "container.image"), "registry.test:5000/shop/web:1.0");
	cr_expect_str_eq(s_at(f, "container.image.repository"), "registry.test:5000/shop/web",
			 "a registry port is not a tag");
	cr_expect_str_eq(s_at(f, "container.image.tag"), "1.0");
	cr_expect_str_eq(s_at(f, "k8s.pod.name"), "web-0");
	cr_expect_str_eq(s_at(f, "k8s.ns.name"), "shop");
	cr_expect_str_eq(s_at(f, "k8s.pod.uid"), "0b7e5a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
	cr_expect_str_eq(s_at(f, "fd.name"), "/etc/shadow");
	cr_expect_str_eq(s_at(f, "rtsensor.alert.id"), "53b112624be077e9-3");
	cr_expect_str_eq(s_at(f, "rtsensor.source"), "fanotify");
	cr_expect_str_eq(s_at(f, "rtsensor.host.boot_id"), "62a25326-aa9a-4f9a-b17b-383e71f39717");
	json_decref(b);
}

Test(http, falco_host_net_and_priorities)
{
	const char *alert =
		"{\"alert\":{\"id\":\"x-1\",\"severity\":\"medium\",\"reason\":\"new_peer\",\"count\":2,"
		"\"first\":\"2026-01-01T00:00:01.000000000Z\",\"last\":\"2026-01-01T00:00:02.000000000Z\"},"
		"\"workload\":{\"kind\":\"host\",\"id\":\"host\",\"class\":\"host\"},"
		"\"process\":{\"pid\":7,\"uid\":0,\"comm\":\"curl\"},"
		"\"evidence\":[{\"kind\":\"net\",\"source\":\"audit\",\"time\":\"2026-01-01T00:00:01.5Z\","
		"\"net\":{\"op\":\"connect\",\"proto\":\"tcp\",\"src\":\"10.0.0.1\",\"sport\":40000,"
		"\"dst\":\"2001:db8::1\",\"dport\":443}}]}";
	char *line = falco_line(alert, strlen(alert), "box");
	json_t *b, *f;

	cr_assert_not_null(line);
	b = json_loads(line, 0, NULL);
	free(line);
	cr_expect_str_eq(s_at(b, "rule"), "new_peer", "a baseline alert is named by its reason");
	cr_expect_str_eq(s_at(b, "priority"), "Warning");
	cr_expect_str_eq(s_at(b, "hostname"), "box");
	cr_expect_str_eq(s_at(b, "time"), "2026-01-01T00:00:01.500000000Z");
	f = json_object_get(b, "output_fields");
	cr_expect_str_eq(s_at(f, "container.id"), "host");
	cr_expect_str_eq(s_at(f, "user.name"), "root", "host users resolve");
	cr_expect_str_eq(s_at(f, "fd.name"), "10.0.0.1:40000->[2001:db8::1]:443");
	cr_expect_str_eq(s_at(f, "fd.l4proto"), "tcp");
	cr_expect_eq(json_integer_value(json_object_get(f, "fd.sport")), 443);
	cr_expect_eq(json_integer_value(json_object_get(f, "rtsensor.count")), 2);
	json_decref(b);
	cr_expect_str_eq(falco_priority("critical"), "Critical");
	cr_expect_str_eq(falco_priority("low"), "Notice");
	cr_expect_str_eq(falco_priority("info"), "Informational");
	cr_expect_null(falco_line("{\"kind\":\"exec\"}", 15, "h"), "an event is not an alert");
	cr_expect_null(falco_line("{not json", 9, "h"));
}

Test(http, every_alert_is_posted_as_falco_json)
{
	char err[8192], path[160];
	int port, n;
	pid_t rx = receiver_start(0, NULL, &port);
	json_t *all;
	char *reqs;

	cr_assert_eq(replay_http(port, NULL, err, sizeof(err)), 0, "%s", err);
	receiver_stop(rx);
	all = bodies(&n);
	cr_assert_eq(n, 2, "both alerts arrived (%d)", n);
	for (int i = 0; i < n; i++)
		check_falco_shape(json_array_get(all, (size_t)i));
	cr_expect_str_eq(s_at(json_array_get(all, 0), "rule"), "reverse-shell-devtcp");
	cr_expect_str_eq(s_at(json_array_get(all, 0), "priority"), "Critical");
	cr_expect_str_eq(s_at(json_array_get(all, 1), "rule"), "new_exec");
	cr_expect_str_eq(s_at(json_object_get(json_array_get(all, 0), "output_fields"), "proc.exepath"),
			 "/tmp/.x/m1");
	json_decref(all);
	snprintf(path, sizeof(path), "%s/bodies.requests", dir);
	reqs = read_file(path, NULL);
	cr_assert_not_null(reqs);
	cr_expect_eq(count_lines(reqs), 2, "one request per alert: %s", reqs);
	cr_expect_not_null(strstr(reqs, "POST / application/json 200"), "%s", reqs);
	free(reqs);
}

Test(http, a_receiver_that_fails_then_answers_gets_everything)
{
	char err[8192];
	int port, n;
	pid_t rx = receiver_start(0, "--fail-first 3", &port);
	json_t *all;

	cr_assert_eq(replay_http(port, NULL, err, sizeof(err)), 0, "%s", err);
	receiver_stop(rx);
	all = bodies(&n);
	cr_expect_eq(n, 2, "503s are retried");
	json_decref(all);
}

Test(http, a_receiver_that_comes_late_gets_everything)
{
	char url[64], errf[128], *err;
	int port = free_port(), n, status, in[2];
	pid_t rx, runner;
	json_t *all;

	/*
	 * The replay reads its log from a pipe the test holds open: its alerts
	 * are raised and queued while nothing listens; the receiver starts (and
	 * listens) before the pipe closes, so the sensor is still running and
	 * retrying when it comes.
	 */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	snprintf(errf, sizeof(errf), "%s/replay.err", dir);
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0); /* the receiver must not hold the write end */
	runner = fork();
	cr_assert_geq(runner, 0);
	if (runner == 0) {
		int e = open(errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		dup2(in[0], 0);
		dup2(e, 2);
		close(in[1]);
		execl(getenv("RTSENSOR"), "rtsensor", "replay", "--audit", "-", "--mode", "learn",
		      "--learn-min", "5", "--learn-stable", "5", "--alerts", "/dev/null", "--format",
		      "falco", "--http", url, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	/*
	 * A listener of the test's own on the port takes the sensor's first try
	 * and closes it unanswered: once it was accepted, the alerts were raised
	 * and the first delivery failed. Then the receiver takes the port.
	 */
	{
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), cfd;
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		cr_assert_geq(lfd, 0);
		cr_assert_eq(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
		cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
		cr_assert_eq(listen(lfd, 8), 0);
		cr_assert_eq(write(in[1], log_text, strlen(log_text)), (ssize_t)strlen(log_text));
		cr_assert_eq(poll(&p, 1, 30000), 1, "the replay did not try to deliver in 30 s");
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		cr_assert_geq(cfd, 0);
		close(cfd);
		close(lfd);
	}
	rx = receiver_start(port, NULL, &port);
	close(in[1]); /* the replay ends; its queue is delivered in the grace period */
	waitpid(runner, &status, 0);
	receiver_stop(rx);
	err = read_file(errf, NULL);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "delivered: %s", err ? err : "");
	free(err);
	all = bodies(&n);
	cr_expect_eq(n, 2, "the queued alerts reached the receiver once it listened");
	json_decref(all);
}

Test(http, a_receiver_that_is_gone_fails_the_run_with_a_count)
{
	char err[8192];
	int port = free_port();
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(replay_http(port, NULL, err, sizeof(err)), 1, "%s", err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect_not_null(strstr(err, "2 of 2 alerts not delivered"), "%s", err);
	cr_expect_lt(t1.tv_sec - t0.tv_sec, 20, "the grace period bounds the wait");
}

Test(http, a_refusing_receiver_is_not_retried_forever)
{
	char err[8192];
	int port, n;
	pid_t rx = receiver_start(0, "--status 400", &port);
	json_t *all;

	cr_assert_eq(replay_http(port, NULL, err, sizeof(err)), 1, "%s", err);
	receiver_stop(rx);
	cr_expect_not_null(strstr(err, "2 of 2 alerts not delivered (last: HTTP status 400)"), "%s", err);
	all = bodies(&n);
	cr_expect_eq(n, 0);
	json_decref(all);
}

Test(http, bad_urls_are_usage_errors)
{
	char err[8192];
	char *argv[] = { getenv("RTSENSOR"), "run", "--mode", "learn", "--http", "ftp://x/", NULL };
	struct run_result *res = calloc(1, sizeof(*res));

	(void)err;
	cr_assert_eq(run_capture(argv, -1, 0, res), 0);
	cr_expect_eq(res->status, 2, "%s", res->err);
	cr_expect_not_null(strstr(res->err, "want an http:// or https:// URL"), "%s", res->err);
	free(res);
}

#include "container.h"

/* The acceptance path: an alert from a runc container reaches the receiver as Falco JSON. */
Test(http, alert_from_a_runc_container_reaches_the_receiver, .timeout = 120)
{
	const char *init[] = { "sleep", "60", NULL };
	/* held at the gate until its alert reached the receiver: its /proc is read while it lives */
	const char *probe[] = { "/bin/sh", "-c", "read x </hold; : /dev/tcp/10.9.8.7/4444", NULL };
	char url[64], events[128], alerts[128], host[256] = "";
	struct test_container c;
	char cid[65], pod_uid[40];
	int port, n, st, pst, hold;
	pid_t rx, sensor, prober;
	json_t *all, *b = NULL, *f;

	REQUIRE_ROOT();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc");
	rx = receiver_start(0, NULL, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	snprintf(events, sizeof(events), "%s/events.json", dir);
	snprintf(alerts, sizeof(alerts), "%s/alerts.json", dir);
	sensor = fork();
	cr_assert_geq(sensor, 0);
	if (sensor == 0) {
		execl(getenv("RTSENSOR"), "rtsensor", "run", "--source", "proc", "--duration", "90",
		      "--mode", "learn", "--format", "falco", "--http", url, "--alerts", alerts,
		      "--events", events, "--runtime-root", container_runc_root(), (char *)NULL);
		_exit(127);
	}
	/* the sensor is up when its status event is written */
	cr_assert(wait_file_has(events, "\"state\":\"up\"", 30000),
		  "the sensor did not write its \"up\" status event in 30 s");
	cr_assert_eq(container_prepare(&c, CONTAINER_KUBEPODS, init, NULL,
				       "\"annotations\":{\"io.kubernetes.cri.image-name\":"
				       "\"registry.test/shop/web:1.0\","
				       "\"io.kubernetes.cri.sandbox-name\":\"web-7d4b9-x2kq\","
				       "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
				       "\"io.kubernetes.cri.container-name\":\"nginx\"}"), 0);
	if (container_start(&c) != 0) {
		container_destroy(&c);
		kill(sensor, SIGTERM);
		waitpid(sensor, NULL, 0);
		receiver_stop(rx);
		cr_assert_fail("runc could not start the container");
	}
	snprintf(cid, sizeof(cid), "%s", c.id);
	snprintf(pod_uid, sizeof(pod_uid), "%s", c.pod_uid);
	hold = container_gate(&c, "hold");
	cr_assert_geq(hold, 0, "gate: %s", strerror(-hold));
	prober = fork();
	cr_assert_geq(prober, 0);
	if (prober == 0) {
		close(hold);
		_exit(container_exec(&c, probe) == 0 ? 0 : 1);
	}
	/* the alert goes out at once; wait for it at the receiver (runc exec's own
	 * command line on the host holds the words too: that alert is the host's) */
	for (int i = 0; i < 300 && !b; i++) {
		all = bodies(&n);
		for (int k = 0; k < n && !b; k++) {
			json_t *x = json_array_get(all, (size_t)k);
			const char *id = s_at(json_object_get(x, "output_fields"), "container.full_id");

			if (s_at(x, "rule") && strcmp(s_at(x, "rule"), "reverse-shell-devtcp") == 0 &&
			    id && strcmp(id, cid) == 0)
				b = json_incref(x);
		}
		json_decref(all);
		if (!b)
			usleep(100000);
	}
	cr_expect_eq(container_gate_pass(hold), 0);
	waitpid(prober, &pst, 0);
	close(hold);
	kill(sensor, SIGTERM);
	waitpid(sensor, &st, 0);
	container_destroy(&c);
	receiver_stop(rx);
	cr_expect(WIFEXITED(pst) && WEXITSTATUS(pst) == 0, "the probe ran to its end (%d)", pst);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the sensor stopped cleanly (%d)", st);
	cr_assert_not_null(b, "the container's reverse shell reached the receiver as Falco JSON");
	check_falco_shape(b);
	gethostname(host, sizeof(host) - 1);
	cr_expect_str_eq(s_at(b, "hostname"), host);
	cr_expect_str_eq(s_at(b, "priority"), "Critical");
	{
		json_t *t;
		size_t i;
		bool mitre = false;

		json_array_foreach(json_object_get(b, "tags"), i, t)
			mitre |= json_is_string(t) && strcmp(json_string_value(t), "T1059.004") == 0;
		cr_expect(mitre, "the rule's MITRE ATT&CK technique is a Falco tag");
	}
	f = json_object_get(b, "output_fields");
	cr_expect_str_eq(s_at(f, "container.full_id"), cid);
	cr_expect_eq(strncmp(s_at(f, "container.id"), cid, 12), 0);
	cr_expect_eq(strlen(s_at(f, "container.id")), 12);
	cr_expect_str_eq(s_at(f, "container.image.repository"), "registry.test/shop/web");
	cr_expect_str_eq(s_at(f, "container.image.tag"), "1.0");
	cr_expect_str_eq(s_at(f, "container.name"), "nginx");
	cr_expect_str_eq(s_at(f, "k8s.pod.name"), "web-7d4b9-x2kq");
	cr_expect_str_eq(s_at(f, "k8s.ns.name"), "shop");
	cr_expect_str_eq(s_at(f, "k8s.pod.uid"), pod_uid);
	cr_expect_not_null(strstr(s_at(f, "proc.cmdline"), "/dev/tcp/10.9.8.7/4444"));
	cr_expect_str_eq(s_at(f, "evt.hostname"), host);
	json_decref(b);
}

/* A refused alert of a live run is a loss event in the event stream. */
Test(http, a_refused_alert_is_a_loss_event, .timeout = 90)
{
	char url[64], events[128], *t = NULL;
	int port, st;
	pid_t rx, sensor;
	bool loss = false;

	REQUIRE_ROOT();
	rx = receiver_start(0, "--status 403", &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	snprintf(events, sizeof(events), "%s/events.json", dir);
	sensor = fork();
	cr_assert_geq(sensor, 0);
	if (sensor == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(getenv("RTSENSOR"), "rtsensor", "run", "--source", "proc", "--duration", "60",
		      "--mode", "learn", "--http", url, "--events", events, (char *)NULL);
		_exit(127);
	}
	cr_assert(wait_file_has(events, "\"state\":\"up\"", 30000),
		  "the sensor did not write its \"up\" status event in 30 s");
	/* a host process with a reverse-shell command line: reverse-shell-devtcp
	 * (alive 0.3 s for the sensor to read its /proc: still a fixed wait) */
	cr_assert_eq(run_sh("sh -c 'sleep 0.3; : /dev/tcp/192.0.2.1/9' >/dev/null 2>&1"), 0);
	for (int i = 0; i < 100 && !loss; i++) {
		usleep(100000);
		t = read_file(events, NULL);
		loss = t && strstr(t, "\"loss\":{\"source\":\"http\"");
		if (loss)
			cr_expect_not_null(strstr(t, "HTTP status 403"), "the reason is named");
		free(t);
	}
	kill(sensor, SIGTERM);
	waitpid(sensor, &st, 0);
	receiver_stop(rx);
	cr_expect(loss, "a loss event of the http sink in the event stream");
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 1, "the refused alert fails the run (%d)", st);
}
