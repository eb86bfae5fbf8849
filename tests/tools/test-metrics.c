/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor run --metrics ADDR:PORT: the page passes `promtool check
 * metrics`, counts what the sensor saw (an alert raised by a real exec shows
 * under its severity, source and kind), answers nothing but GET /metrics,
 * and a real prometheus server started by the test scrapes it: its query
 * API returns the sensor's series. Loopback only.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static char dir[64];
static pid_t sensor = -1, prom = -1;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/metrics-test-XXXXXX");
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
	stop(&prom, &st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

/* A loopback port nobody listens on now. */
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

/* "METHOD path" to 127.0.0.1:port over HTTP/1.0; the status, the body in out. -1: no answer. */
static int http(const char *method, int port, const char *path, char *out, size_t cap)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 5 };
	char req[512];
	size_t n = 0;
	ssize_t r;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), status = -1;
	char *body;

	out[0] = '\0';
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", method, path);
	if (write(fd, req, strlen(req)) < 0) {
		close(fd);
		return -1;
	}
	while (n + 1 < cap && (r = read(fd, out + n, cap - n - 1)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fd);
	if (sscanf(out, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	body = strstr(out, "\r\n\r\n");
	if (body)
		memmove(out, body + 4, strlen(body + 4) + 1);
	return status;
}

static pid_t spawn(char *const argv[])
{
	pid_t p = fork();

	cr_assert_geq(p, 0);
	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	return p;
}

/* rtsensor run with --metrics; waits until its source is up and the endpoint answers. */
static int start_sensor(void)
{
	char addr[32], db[128], events[128];
	static char buf[1 << 20];
	int port = free_port();

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(db, sizeof(db), "%s/b.db", dir);
	snprintf(events, sizeof(events), "%s/events.json", dir);
	{
		char *argv[] = { getenv("RTSENSOR"), "run", "--source", "proc", "--duration", "120",
				 "--mode", "learn", "--db", db, "--alerts", "/dev/null", "--metrics",
				 addr, "--events", events, NULL };

		sensor = spawn(argv);
	}
	cr_assert(wait_file_has(events, "\"state\":\"up\"", 30000),
		  "the sensor did not write its \"up\" status event in 30 s");
	for (int i = 0; i < 200; i++) {
		if (http("GET", port, "/metrics", buf, sizeof(buf)) == 200)
			return port;
		usleep(50000);
	}
	cr_assert_fail("the metrics endpoint did not answer");
	return -1;
}

TestSuite(metrics, .init = setup, .fini = teardown, .timeout = 120);

Test(metrics, the_page_passes_promtool_and_counts_an_alert)
{
	static char page[1 << 20];
	char path[128], cmd[256];
	int port;
	FILE *f;
	bool seen = false;

	port = start_sensor();
	/* a reverse-shell command line: reverse-shell-devtcp, critical, from an exec
	 * (alive 0.3 s for the sensor to read its /proc: still a fixed wait) */
	cr_assert_eq(run_sh("sh -c 'sleep 0.3; : /dev/tcp/192.0.2.1/9' >/dev/null 2>&1"), 0);
	for (int i = 0; i < 100 && !seen; i++) {
		cr_assert_eq(http("GET", port, "/metrics", page, sizeof(page)), 200);
		seen = strstr(page, "rtsensor_alerts_total{severity=\"critical\",source=\"proc\","
				    "kind=\"exec\"} ") != NULL;
		if (!seen)
			usleep(100000);
	}
	cr_expect(seen, "the alert is counted by severity, source and kind:\n%s", page);
	cr_expect_not_null(strstr(page, "rtsensor_build_info{version=\""));
	cr_expect_not_null(strstr(page, "rtsensor_events_total{source=\"proc\",kind=\"exec\"} "));
	cr_expect_not_null(strstr(page, "rtsensor_baseline_flush_duration_seconds_count "));
	cr_expect_not_null(strstr(page, "rtsensor_proc_cache_entries "));
	cr_expect_not_null(strstr(page, "rtsensor_pending "));
	snprintf(path, sizeof(path), "%s/page.txt", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(page, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' >&2", path);
	cr_expect_eq(run_sh(cmd), 0, "promtool check metrics accepts the page");
	/* nothing else is served */
	cr_expect_eq(http("GET", port, "/", page, sizeof(page)), 404);
	cr_expect_eq(http("POST", port, "/metrics", page, sizeof(page)), 405);
}

Test(metrics, bad_addresses_are_usage_errors)
{
	struct run_result *res = calloc(1, sizeof(*res));
	char *argv[] = { getenv("RTSENSOR"), "run", "--source", "proc", "--metrics", "localhost:9464",
			 NULL };

	cr_assert_eq(run_capture(argv, -1, 0, res), 0);
	cr_expect_eq(res->status, 2, "%s", res->err);
	cr_expect_not_null(strstr(res->err, "numeric"), "%s", res->err);
	free(res);
}

Test(metrics, a_prometheus_server_scrapes_the_series)
{
	static char buf[1 << 20];
	char cfg[128], data[128], listen[64];
	int port, pport = free_port();
	bool found = false;
	FILE *f;

	port = start_sensor();
	snprintf(cfg, sizeof(cfg), "%s/prometheus.yml", dir);
	snprintf(data, sizeof(data), "%s/tsdb", dir);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", pport);
	f = fopen(cfg, "w");
	cr_assert_not_null(f);
	fprintf(f, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
		   "scrape_configs:\n  - job_name: rtsensor\n    static_configs:\n"
		   "      - targets: ['127.0.0.1:%d']\n", port);
	fclose(f);
	{
		char cfgarg[160], dataarg[160], listenarg[96];
		char *argv[] = { "prometheus", cfgarg, dataarg, listenarg, NULL };

		snprintf(cfgarg, sizeof(cfgarg), "--config.file=%s", cfg);
		snprintf(dataarg, sizeof(dataarg), "--storage.tsdb.path=%s", data);
		snprintf(listenarg, sizeof(listenarg), "--web.listen-address=%s", listen);
		prom = spawn(argv);
	}
	/* the query API: up == 1 for the target, then the sensor's own series */
	for (int i = 0; i < 300 && !found; i++) {
		json_t *j, *res;

		usleep(200000);
		if (http("GET", pport, "/api/v1/query?query=rtsensor_build_info", buf, sizeof(buf)) != 200)
			continue;
		j = json_loads(buf, 0, NULL);
		res = json_object_get(json_object_get(j, "data"), "result");
		found = json_array_size(res) > 0;
		if (found) {
			json_t *metric = json_object_get(json_array_get(res, 0), "metric");

			cr_expect_str_eq(json_string_value(json_object_get(metric, "job")), "rtsensor");
			cr_expect_not_null(json_string_value(json_object_get(metric, "features")));
		}
		json_decref(j);
	}
	cr_assert(found, "prometheus returned rtsensor_build_info: %s", buf);
	cr_expect_eq(http("GET", pport, "/api/v1/query?query=up%7Bjob%3D%22rtsensor%22%7D", buf,
			  sizeof(buf)), 200);
	cr_expect_not_null(strstr(buf, "\"value\":["), "%s", buf);
	cr_expect_not_null(strstr(buf, ",\"1\"]"), "the target is up: %s", buf);
	cr_expect_eq(http("GET", pport, "/api/v1/query?query=rtsensor_source_received_total", buf,
			  sizeof(buf)), 200);
	cr_expect_not_null(strstr(buf, "\"source\":\"proc\""), "%s", buf);
}
