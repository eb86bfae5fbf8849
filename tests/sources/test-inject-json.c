/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sensor_inject_from_json: an event line back into an event that renders to
 * the same JSON (source aside), members of a newer writer skipped, and
 * every kind of bad input refused with its reason.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <libsensor/sensor.h>
#include <stdlib.h>
#include <string.h>

static sensor_ctx *ctx;
static sensor_source *src;

static void setup(void)
{
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src), 0);
}

static void teardown(void)
{
	sensor_ctx_free(ctx);
}

static char last[4096];

static void keep(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)c;
	(void)ud;
	cr_assert_gt(sensor_event_to_json(ev, last, sizeof(last)), 0);
}

static int parse(const char *line, char *err, size_t errlen)
{
	sensor_event *ev;
	int r = sensor_inject_from_json(src, line, strlen(line), &ev, err, errlen);

	if (r == 0)
		cr_assert_eq(sensor_inject_emit(src, ev), 0);
	return r;
}

Test(inject_json, round_trip_of_every_section, .init = setup, .fini = teardown)
{
	static const char line[] =
		"{\"kind\":\"exec\",\"source\":\"inject\",\"time\":\"2026-11-26T19:27:48.126143818Z\","
		"\"seq\":1,\"process\":{\"pid\":3929,\"tid\":3929,\"ppid\":3920,\"uid\":0,\"euid\":0,"
		"\"gid\":0,\"egid\":0,\"auid\":4294967295,\"session\":4294967295,\"comm\":\"ls\","
		"\"exe\":\"/usr/bin/ls\",\"cmdline\":\"ls /tmp\",\"start\":606690000000},"
		"\"workload\":{\"kind\":\"container\",\"id\":\"abc\",\"class\":\"image:x\","
		"\"runtime\":\"docker\",\"cgroup\":\"/docker/abc\"},\"exec\":{\"path\":\"/usr/bin/ls\","
		"\"cwd\":\"/work\",\"parent_exe\":\"/usr/bin/bash\",\"argv\":[\"ls\",\"/tmp\"]}}";
	char err[128];

	sensor_ctx_set_event_cb(ctx, keep, NULL);
	cr_assert_eq(parse(line, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(last, line);
	/* a syscall with negative register values, and a verdict that is not taken */
	cr_assert_eq(parse("{\"kind\":\"syscall\",\"time\":\"2026-01-01T00:00:00Z\",\"syscall\":"
			   "{\"nr\":257,\"name\":\"openat\",\"args\":[-100,2,0]},\"verdict\":"
			   "{\"decision\":\"deny\"}}", err, sizeof(err)), 0, "%s", err);
	cr_assert(strstr(last, "\"args\":[-100,2,0]") && !strstr(last, "verdict"), "%s", last);
}

Test(inject_json, a_newer_writers_members_are_skipped, .init = setup, .fini = teardown)
{
	char err[128];

	sensor_ctx_set_event_cb(ctx, keep, NULL);
	cr_assert_eq(parse("{\"kind\":\"file\",\"future\":{\"x\":1},\"extra\":2,\"file\":{\"op\":"
			   "\"write\",\"path\":\"/etc/x\",\"colour\":\"blue\"}}", err, sizeof(err)),
		     0, "%s", err);
	cr_assert(strstr(last, "\"file\":{\"op\":\"write\",\"path\":\"/etc/x\"}"), "%s", last);
}

Test(inject_json, bad_input_is_refused_with_a_reason, .init = setup, .fini = teardown)
{
	static const struct {
		const char *line, *reason;
	} bad[] = {
		{ "", "not JSON" },
		{ "{\"kind\":\"exec\"", "not JSON" },
		{ "[]", "not an event" },
		{ "{}", "not an event" },
		{ "{\"kind\":\"nope\"}", "not an event" },
		{ "{\"kind\":7}", "not an event" },
		{ "{\"kind\":\"exec\",\"kind\":\"exit\"}", "not JSON" }, /* duplicate key */
		{ "{\"kind\":\"exec\",\"time\":5}", "time is not" },
		{ "{\"kind\":\"exec\",\"time\":\"2026-01-01T00:00:00\"}", "time is not" },
		{ "{\"kind\":\"exec\",\"process\":[]}", "'process' is not an object" },
		{ "{\"kind\":\"exec\",\"process\":{\"pid\":\"1\"}}", "process.pid is not an integer" },
		{ "{\"kind\":\"exec\",\"process\":{\"comm\":1}}", "process.comm is not a string" },
		{ "{\"kind\":\"exec\",\"exec\":{\"argv\":\"ls\"}}", "exec.argv is not an array" },
		{ "{\"kind\":\"exec\",\"exec\":{\"argv\":[1]}}", "exec.argv[0] is not a string" },
		{ "{\"kind\":\"syscall\",\"syscall\":{\"args\":[1,2,3,4,5,6,7]}}", "syscall.args" },
		{ "{\"kind\":\"exec\",\"net\":{\"dport\":1}}", "net.dport: not a member" },
	};
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_expect_eq(parse(bad[i].line, err, sizeof(err)), -EBADMSG, "%s", bad[i].line);
		cr_expect(strstr(err, bad[i].reason), "'%s': '%s', want '%s'", bad[i].line, err,
			  bad[i].reason);
	}
	{
		size_t n = (1u << 20) + 1;
		char *big = malloc(n);
		sensor_event *ev;

		cr_assert_not_null(big);
		memset(big, ' ', n);
		cr_expect_eq(sensor_inject_from_json(src, big, n, &ev, err, sizeof(err)), -E2BIG);
		free(big);
	}
	cr_expect_eq(sensor_inject_from_json(NULL, "{}", 2, NULL, NULL, 0), -EINVAL);
}
