/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unified event: fields, setters, argv/args, ref counting and the JSON contract. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libsensor/sensor.h>

#include "testlib.h"

static sensor_ctx *ctx;
static sensor_source *inj;
static char json[8192];
static sensor_event *kept;
static int seen;

static void capture(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)c;
	(void)ud;
	seen++;
	cr_assert_geq(sensor_event_to_json(ev, json, sizeof(json)), 0);
	if (kept == NULL && sensor_event_kind(ev) == SENSOR_KIND_EXEC)
		kept = sensor_event_ref(ev);
}

static void setup(void)
{
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, capture, NULL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &inj), 0);
	kept = NULL;
	seen = 0;
	json[0] = '\0';
}

static void teardown(void)
{
	sensor_event_unref(kept);
	sensor_ctx_free(ctx);
}

TestSuite(event, .init = setup, .fini = teardown);

static sensor_event *new_exec(void)
{
	sensor_event *ev;
	const char *argv[] = { "/bin/sh", "-c", "echo \"hi\"\n", NULL };

	cr_assert_eq(sensor_inject_new(inj, SENSOR_KIND_EXEC, &ev), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_TIME, 1764184708123456789LL), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_PID, 4242), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_PPID, 1), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_UID, 1000), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_EUID, 0), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_AUID, 1000), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_PROCESS_COMM, "sh"), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_PROCESS_EXE, "/bin/dash"), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_START, 77), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_WORKLOAD_KIND, "container"), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_WORKLOAD_ID, "abc"), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_WORKLOAD_RUNTIME, "docker"), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_EXEC_PATH, "/bin/dash"), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_EXEC_CWD, "/tmp"), 0);
	cr_assert_eq(sensor_event_set_argv(ev, argv, 3), 0);
	return ev;
}

Test(event, json_contract_exec)
{
	cr_assert_eq(sensor_inject_emit(inj, new_exec()), 0);
	cr_assert_eq(seen, 1);
	cr_assert_str_eq(json,
		"{\"kind\":\"exec\",\"source\":\"inject\",\"time\":\"2025-11-26T19:18:28.123456789Z\","
		"\"seq\":1,\"process\":{\"pid\":4242,\"ppid\":1,\"uid\":1000,\"euid\":0,\"auid\":1000,"
		"\"comm\":\"sh\",\"exe\":\"/bin/dash\",\"start\":77},"
		"\"workload\":{\"kind\":\"container\",\"id\":\"abc\",\"runtime\":\"docker\"},"
		"\"exec\":{\"path\":\"/bin/dash\",\"cwd\":\"/tmp\",\"argv\":[\"/bin/sh\",\"-c\","
		"\"echo \\\"hi\\\"\\n\"]}}");
}

Test(event, getters_and_kinds)
{
	int64_t v;
	const char *const *argv;

	cr_assert_eq(sensor_inject_emit(inj, new_exec()), 0);
	cr_assert_not_null(kept);
	cr_assert_eq(sensor_event_kind(kept), SENSOR_KIND_EXEC);
	cr_assert_eq(sensor_event_source(kept), SENSOR_SOURCE_INJECT);
	cr_assert_eq(sensor_event_seq(kept), 1);
	cr_assert_eq(sensor_event_get_int(kept, SENSOR_FIELD_PROCESS_PID, &v), 0);
	cr_assert_eq(v, 4242);
	cr_assert_eq(sensor_event_get_int(kept, SENSOR_FIELD_PROCESS_TID, &v), -ENOENT);
	cr_assert_eq(sensor_event_get_int(kept, SENSOR_FIELD_PROCESS_COMM, &v), -EINVAL);
	cr_assert_eq(sensor_event_get_int(kept, SENSOR_FIELD_NET_DPORT, &v), -ENOENT);
	cr_assert_str_eq(sensor_event_get_str(kept, SENSOR_FIELD_KIND), "exec");
	cr_assert_str_eq(sensor_event_get_str(kept, SENSOR_FIELD_WORKLOAD_ID), "abc");
	errno = 0;
	cr_assert_null(sensor_event_get_str(kept, SENSOR_FIELD_FILE_PATH));
	cr_assert_eq(errno, ENOENT);
	cr_assert_null(sensor_event_get_str(kept, SENSOR_FIELD_PROCESS_PID));
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(sensor_event_get_argv(kept, &argv), 3);
	cr_assert_str_eq(argv[0], "/bin/sh");
	cr_assert_null(argv[3]);
	/* held past the callback: still readable after more events went by */
	cr_assert_eq(sensor_inject_emit(inj, new_exec()), 0);
	cr_assert_str_eq(sensor_event_get_str(kept, SENSOR_FIELD_EXEC_CWD), "/tmp");
	cr_assert_eq(sensor_event_seq(kept), 1);
}

Test(event, setters_validate)
{
	sensor_event *ev;
	const uint64_t args[3] = { 1, 2, UINT64_MAX };

	cr_assert_eq(sensor_inject_new(inj, SENSOR_KIND_SYSCALL, &ev), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_EXEC_PATH, "/x"), -EINVAL);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_SYSCALL_NAME, 1), -EINVAL);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_SEQ, 1), -EINVAL);
	cr_assert_eq(sensor_event_set_args(ev, args, 7), -EINVAL);
	cr_assert_eq(sensor_event_set_argv(ev, NULL, 0), -EINVAL);
	cr_assert_eq(sensor_event_set_args(ev, args, 3), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_SYSCALL_NR, 101), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_SYSCALL_NAME, "ptrace"), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_SYSCALL_RET, -1), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_TIME, 0), 0);
	sensor_event_ref(ev);
	cr_assert_eq(sensor_inject_emit(inj, ev), 0);
	cr_assert_str_eq(json, "{\"kind\":\"syscall\",\"source\":\"inject\",\"time\":"
			       "\"1970-01-01T00:00:00.000000000Z\",\"seq\":1,\"syscall\":{\"nr\":101,"
			       "\"name\":\"ptrace\",\"ret\":-1,\"args\":[1,2,-1]}}");
	/* after emit the event is read-only */
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_SYSCALL_NR, 1), -EBUSY);
	cr_assert_eq(sensor_inject_emit(inj, ev), -EINVAL); /* consumes the ref */
}

Test(event, json_escapes_and_invalid_utf8)
{
	sensor_event *ev;
	char path[] = "/tmp/\x01q\"\\\xff\xc3\xa9\xed\xa0\x80";

	cr_assert_eq(sensor_inject_new(inj, SENSOR_KIND_FILE, &ev), 0);
	sensor_event_set_int(ev, SENSOR_FIELD_TIME, 0);
	sensor_event_set_str(ev, SENSOR_FIELD_FILE_OP, "open");
	sensor_event_set_str(ev, SENSOR_FIELD_FILE_PATH, path);
	cr_assert_eq(sensor_inject_emit(inj, ev), 0);
	cr_assert(strstr(json, "\"path\":\"/tmp/\\u0001q\\\"\\\\\\u00ff\xc3\xa9\\u00ed\\u00a0\\u0080\"") != NULL,
		  "%s", json);
}

Test(event, json_truncation_is_snprintf_like)
{
	char small[16];
	int full, n;

	cr_assert_eq(sensor_inject_emit(inj, new_exec()), 0);
	full = sensor_event_to_json(kept, NULL, 0);
	cr_assert_eq((size_t)full, strlen(json));
	n = sensor_event_to_json(kept, small, sizeof(small));
	cr_assert_eq(n, full);
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_eq(strncmp(small, json, sizeof(small) - 1), 0);
}

Test(event, field_names_round_trip)
{
	for (int f = 1; f < SENSOR__FIELD_MAX; f++) {
		const char *name = sensor_field_name((enum sensor_field)f);

		cr_assert_not_null(name, "field %d has no name", f);
		cr_assert_eq(sensor_field_from_name(name), f, "%s", name);
		cr_assert(sensor_field_type((enum sensor_field)f) > 0);
	}
	cr_assert_eq(sensor_field_from_name("process.nope"), -EINVAL);
	cr_assert_null(sensor_field_name(SENSOR__FIELD_MAX));
	cr_assert_str_eq(sensor_kind_name(SENSOR_KIND_LOSS), "loss");
	cr_assert_null(sensor_kind_name((enum sensor_kind)99));
}

Test(event, time_formatting)
{
	sensor_event *ev;

	cr_assert_eq(sensor_inject_new(inj, SENSOR_KIND_EXIT, &ev), 0);
	/* 2024-02-29T23:59:59.000000001Z: leap day, end of day */
	sensor_event_set_int(ev, SENSOR_FIELD_TIME, 1709251199000000001LL);
	sensor_event_set_int(ev, SENSOR_FIELD_EXIT_CODE, 3);
	cr_assert_eq(sensor_inject_emit(inj, ev), 0);
	cr_assert(strstr(json, "\"time\":\"2024-02-29T23:59:59.000000001Z\"") != NULL, "%s", json);
	cr_assert(strstr(json, "\"exit\":{\"code\":3}") != NULL, "%s", json);
}

/* The event's time getter, and the stable names of decisions and severities. */
Test(event, time_and_stable_names)
{
	sensor_event *ev = new_exec();

	cr_assert_eq(sensor_event_time(ev), 1764184708123456789ull);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_TIME, 5), 0);
	cr_assert_eq(sensor_event_time(ev), 5u);
	cr_assert_eq(sensor_event_time(NULL), 0u);
	cr_assert_eq(sensor_inject_emit(inj, ev), 0);
	cr_assert(strstr(json, "\"time\":\"1970-01-01T00:00:00.000000005Z\""), "%s", json);

	cr_assert_null(sensor_decision_name(SENSOR_DECISION_NONE));
	cr_assert_str_eq(sensor_decision_name(SENSOR_DECISION_ALLOW), "allow");
	cr_assert_str_eq(sensor_decision_name(SENSOR_DECISION_DENY), "deny");
	cr_assert_str_eq(sensor_decision_name(SENSOR_DECISION_DEFAULT), "default");
	cr_assert_null(sensor_decision_name((enum sensor_decision)4));

	cr_assert_null(sensor_severity_name((enum sensor_severity)0));
	cr_assert_str_eq(sensor_severity_name(SENSOR_SEVERITY_INFO), "info");
	cr_assert_str_eq(sensor_severity_name(SENSOR_SEVERITY_LOW), "low");
	cr_assert_str_eq(sensor_severity_name(SENSOR_SEVERITY_MEDIUM), "medium");
	cr_assert_str_eq(sensor_severity_name(SENSOR_SEVERITY_HIGH), "high");
	cr_assert_str_eq(sensor_severity_name(SENSOR_SEVERITY_CRITICAL), "critical");
	cr_assert_null(sensor_severity_name((enum sensor_severity)6));
}
