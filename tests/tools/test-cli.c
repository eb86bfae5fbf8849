/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor as an operator meets it: help, version, exit codes, one clear error line. */
#include <jansson.h>
#include <stdarg.h>
#include <string.h>

#include <libsensor/sensor.h>

#include "testlib.h"

static const char *bin(void)
{
	const char *b = getenv("RTSENSOR");

	cr_assert_not_null(b, "RTSENSOR is set by meson");
	return b;
}

static struct run_result res;

/* Run rtsensor with a NULL-terminated argument list. */
static int rt(int uid, int sig_ms, ...)
{
	char *argv[16] = { (char *)bin() };
	va_list ap;
	int n = 1;

	va_start(ap, sig_ms);
	while (n < 15 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(run_capture(argv, uid, sig_ms, &res), 0);
	return res.status;
}

#define RT(...) rt(-1, 0, __VA_ARGS__, NULL)

/* One clear line on stderr, prefixed with the program name. */
static void one_error_line(const char *needle)
{
	cr_assert_eq(count_lines(res.err), 1, "stderr: %s", res.err);
	cr_assert(strncmp(res.err, "rtsensor: ", 10) == 0, "stderr: %s", res.err);
	cr_assert(strstr(res.err, needle) != NULL, "'%s' not in: %s", needle, res.err);
}

Test(cli, version_prints_the_features)
{
	cr_assert_eq(RT("--version"), 0);
	cr_assert(strstr(res.out, sensor_features()) != NULL, "%s", res.out);
	cr_assert(strstr(res.out, "+PROC") != NULL);
}

Test(cli, help_everywhere)
{
	const char *verbs[] = { "run",	    "doctor",	"exec",	    "seccomp-agent",
				"replay", "baseline", "alerts", "timeline", NULL };

	cr_assert_eq(RT("--help"), 0);
	cr_assert(strstr(res.out, "Usage: rtsensor") != NULL);
	for (int i = 0; verbs[i]; i++) {
		char want[64];

		cr_assert_eq(RT(verbs[i], "--help"), 0, "%s --help", verbs[i]);
		snprintf(want, sizeof(want), "Usage: rtsensor %s", verbs[i]);
		cr_assert(strstr(res.out, want) != NULL, "%s", res.out);
	}
}

Test(cli, usage_errors_exit_2)
{
	cr_assert_eq(rt(-1, 0, NULL), 2);
	cr_assert_eq(RT("nope"), 2);
	one_error_line("unknown verb 'nope'");
	cr_assert_eq(RT("run", "--source", "nope"), 2);
	one_error_line("unknown source 'nope'");
	cr_assert_eq(RT("run", "--duration", "soon"), 2);
	one_error_line("--duration");
	cr_assert_eq(RT("run", "--duration", "-1"), 2);
	cr_assert_eq(RT("run", "stray"), 2);
	one_error_line("unexpected argument 'stray'");
	cr_assert_eq(RT("doctor", "stray"), 2);
	cr_assert_eq(RT("run", "--bogus"), 2);
	cr_assert_eq(RT("doctor", "--bogus"), 2);
}

/*
 * A source the kernel lacks: exit 4 and one line pointing at doctor. The
 * kernel is made to lack fanotify as an old or stripped one would: rtsensor
 * exec answers the inner rtsensor's fanotify_init() with ENOSYS (38).
 */
Test(cli, source_the_kernel_lacks_exits_4, .timeout = 60)
{
	REQUIRE_ROOT();
	REQUIRE_FEATURE(sensor_source_type_compiled(SENSOR_SOURCE_SECCOMP) == 1 &&
				sensor_source_type_compiled(SENSOR_SOURCE_FANOTIFY) == 1,
			"seccomp and fanotify compiled in");
	cr_assert_eq(RT("exec", "--deny", "fanotify_init:38", "--events", "/dev/null", "--", bin(), "run",
			"--source", "fanotify", "--duration", "0.1"),
		     4, "stderr: %s", res.err);
	one_error_line("see 'rtsensor doctor'");
	cr_assert(strstr(res.err, "fanotify") != NULL, "%s", res.err);
}

/* A source not compiled into this build: the same exit 4 (runs for each one a build leaves out). */
Test(cli, source_not_in_this_build_exits_4)
{
	int out = 0;

	for (int t = 1; t < SENSOR__SOURCE_MAX; t++) {
		const char *name = sensor_source_type_name((enum sensor_source_type)t);

		if (t == SENSOR_SOURCE_INJECT || sensor_source_type_compiled((enum sensor_source_type)t) == 1)
			continue;
		out++;
		cr_assert_eq(RT("run", "--source", name, "--duration", "0.1"), 4, "%s", name);
		one_error_line("see 'rtsensor doctor'");
	}
	cr_log_info("%d sources not in this build", out);
}

Test(cli, unwritable_events_path_exits_1)
{
	cr_assert_eq(RT("run", "--events", "/nonexistent-dir/events.json", "--duration", "0.1"), 1);
	one_error_line("cannot open '/nonexistent-dir/events.json'");
}

/*
 * As an unprivileged user, doctor and run must agree, source by source:
 * when doctor says every required check of a source is ok, run starts it (exit 0);
 * otherwise run fails with exit 3 or 4 and one clear line.
 * (Since Linux 6.6 the process connector no longer needs CAP_NET_ADMIN.)
 */
Test(cli, unprivileged_doctor_and_run_agree, .timeout = 60)
{
	json_error_t jerr;
	json_t *j, *checks, *c;
	size_t i;

	REQUIRE_ROOT();
	rt(65534, 0, "doctor", "--json", NULL);
	j = json_loads(res.out, 0, &jerr);
	cr_assert_not_null(j, "%s", res.out);
	checks = json_object_get(j, "checks");
	for (int t = 1; t < SENSOR__SOURCE_MAX; t++) {
		const char *name = sensor_source_type_name((enum sensor_source_type)t);
		bool all_ok = true;

		if (t == SENSOR_SOURCE_INJECT || sensor_source_type_compiled((enum sensor_source_type)t) != 1)
			continue;
		json_array_foreach(checks, i, c)
			if (strcmp(json_string_value(json_object_get(c, "source")), name) == 0 &&
			    json_is_true(json_object_get(c, "required")) &&
			    strcmp(json_string_value(json_object_get(c, "status")), "ok") != 0)
				all_ok = false;
		rt(65534, 0, "run", "--source", name, "--duration", "0.2", "--events", "/dev/null", NULL);
		if (all_ok) {
			cr_assert_eq(res.status, 0, "%s: doctor says ok but run failed: %s", name, res.err);
		} else {
			cr_assert(res.status == 3 || res.status == 4, "%s: exit %d", name, res.status);
			one_error_line(name);
		}
	}
	json_decref(j);
}

Test(cli, run_proc_writes_json_lines_and_stops_on_sigterm, .timeout = 30)
{
	json_error_t jerr;
	char *line, *save = NULL;
	int n = 0;

	REQUIRE_ROOT();
	cr_assert_eq(rt(-1, 1500, "run", "--source", "proc", "--stats", NULL), 0,
		     "SIGTERM is a clean stop: %s", res.err);
	/* a busy machine can fill the capture buffer: parse whole lines only */
	if (strrchr(res.out, '\n'))
		strrchr(res.out, '\n')[1] = '\0';
	for (line = strtok_r(res.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(line, 0, &jerr);

		cr_assert_not_null(j, "not JSON: %s (%s)", line, jerr.text);
		cr_assert(json_is_string(json_object_get(j, "kind")));
		cr_assert(json_is_string(json_object_get(j, "time")));
		cr_assert(json_is_integer(json_object_get(j, "seq")));
		json_decref(j);
		n++;
	}
	cr_assert_geq(n, 1, "at least the status event");
	cr_assert(strstr(res.err, "{\"stats\":{") != NULL, "%s", res.err);
}

Test(cli, run_duration_and_events_file, .timeout = 30)
{
	char path[] = "/tmp/rtsensor-cli-XXXXXX";
	int fd;
	size_t len;
	char *text;

	REQUIRE_ROOT();
	fd = mkstemp(path);
	close(fd);
	cr_assert_eq(RT("run", "-s", "proc", "--duration", "0.3", "--events", path), 0, "%s", res.err);
	text = read_file(path, &len);
	unlink(path);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "\"kind\":\"status\",\"source\":\"proc\"") != NULL, "%s", text);
	free(text);
}

Test(cli, doctor_json_tells_the_truth)
{
	json_error_t jerr;
	json_t *j, *checks, *c;
	size_t i;
	bool proc_seen = false;

	RT("doctor", "--json");
	cr_assert(res.status == 0 || res.status == 4, "status %d", res.status);
	j = json_loads(res.out, 0, &jerr);
	cr_assert_not_null(j, "%s: %s", jerr.text, res.out);
	cr_assert_str_eq(json_string_value(json_object_get(j, "features")), sensor_features());
	checks = json_object_get(j, "checks");
	cr_assert(json_is_array(checks));
	json_array_foreach(checks, i, c) {
		const char *src = json_string_value(json_object_get(c, "source"));
		const char *check = json_string_value(json_object_get(c, "check"));
		const char *status = json_string_value(json_object_get(c, "status"));

		cr_assert(src && check && status);
		if (strcmp(src, "proc") == 0 && strcmp(check, "connector") == 0) {
			proc_seen = true;
			if (geteuid() == 0)
				cr_assert_str_eq(status, "ok");
		}
	}
	cr_assert(proc_seen);
	json_decref(j);
}

Test(cli, doctor_exit_status_matches_its_report)
{
	REQUIRE_ROOT();
	rt(65534, 0, "doctor", NULL);
	cr_assert(res.status == 0 || res.status == 4, "%d", res.status);
	cr_assert_eq(res.status == 4, strstr(res.out, "UNUSABLE") != NULL, "%s", res.out);
}
