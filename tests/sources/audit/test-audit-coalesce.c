/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whole multi-record events of go-libaudit's aucoalesce tests (*.yaml)
 * through the offline audit source, against the combined event go-libaudit
 * expects (*.json.golden): for syscall events ("audit-rule"), one unified
 * event with the same process (pid, ppid, name, exe), and per kind argv,
 * cwd, addresses and result; user-space messages map to no event.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsensor/sensor.h>

#include "testlib.h"

static const char *const sets[] = {
	"rhel-7-linux-3.10.0", "ubuntu-16.04-linux-4.13.0", "ubuntu-16.10-linux-4.8.0",
	"ubuntu-17.04-linux-4.10.0", "ubuntu-20.04.6-linux-5.15.0-1034-gcp",
	"ubuntu-21.10-linux-5.13", "ubuntu-24.04-linux-6.8.0", "random-internet",
};

/* The records of test `name` in a tests: map of block scalars ('|' lines or '>' folded). */
static char *yaml_test(const char *yaml, const char *name)
{
	size_t nl = strlen(name);
	const char *p = yaml;
	char *out = NULL;
	size_t len = 0;

	while ((p = strstr(p, name))) {
		bool folded;

		if (p < yaml + 2 || p[-1] != ' ' || p[-2] != ' ' || (p > yaml + 2 && p[-3] != '\n') ||
		    strncmp(p + nl, ": ", 2) != 0) {
			p += nl;
			continue;
		}
		folded = p[nl + 2] == '>';
		p = strchr(p, '\n');
		while (p && strncmp(p + 1, "    ", 4) == 0) {
			const char *s = p + 5, *e = strchr(s, '\n');
			size_t n = e ? (size_t)(e - s) : strlen(s);

			out = realloc(out, len + n + 2);
			memcpy(out + len, s, n);
			len += n;
			out[len++] = folded ? ' ' : '\n';
			p = e;
		}
		if (out) {
			if (folded)
				out[len - 1] = '\n';
			out[len] = '\0';
		}
		return out;
	}
	return NULL;
}

struct got {
	sensor_event *ev[8];
	int n;
};

static void keep(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct got *g = ud;

	(void)ctx;
	if (sensor_event_kind(ev) == SENSOR_KIND_LOSS)
		return;
	if (g->n < 8)
		g->ev[g->n] = sensor_event_ref(ev);
	g->n++;
}

static const char *js(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void expect_int(sensor_event *ev, enum sensor_field f, const char *want, const char *what)
{
	int64_t v;

	if (!want)
		return;
	cr_expect_eq(sensor_event_get_int(ev, f, &v), 0, "%s: no %s", what, sensor_field_name(f));
	cr_expect_eq(v, strtoll(want, NULL, 10), "%s: %s %lld, want %s", what, sensor_field_name(f),
		     (long long)v, want);
}

static void expect_str(sensor_event *ev, enum sensor_field f, const char *want, const char *what)
{
	const char *v;

	if (!want)
		return;
	v = sensor_event_get_str(ev, f);
	cr_expect(v && strcmp(v, want) == 0, "%s: %s '%s', want '%s'", what, sensor_field_name(f),
		  v ? v : "(none)", want);
}

Test(audit_coalesce, go_libaudit_combined_events)
{
	int syscall_events = 0, user_events = 0, compared = 0;

	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		char rel[256];
		size_t ylen;
		char *yaml;
		json_error_t jerr;
		json_t *arr, *t;
		size_t idx;

		snprintf(rel, sizeof(rel), "elastic_go-libaudit/aucoalesce/testdata/%s.yaml", sets[s]);
		yaml = read_file(corpus_path(rel), &ylen);
		cr_assert_not_null(yaml, "%s", rel);
		snprintf(rel, sizeof(rel), "elastic_go-libaudit/aucoalesce/testdata/%s.json.golden",
			 sets[s]);
		arr = json_load_file(corpus_path(rel), 0, &jerr);
		cr_assert_not_null(arr, "%s: %s", rel, jerr.text);
		json_array_foreach(arr, idx, t) {
			const char *name = js(t, "test_name");
			json_t *ev = json_object_get(t, "event"), *proc = json_object_get(ev, "process");
			char *records = yaml_test(yaml, name), what[256];
			struct got g = { 0 };
			sensor_ctx *ctx;
			const char *cat = js(ev, "category");

			cr_assert_not_null(records, "%s: test %s not in the yaml", sets[s], name);
			snprintf(what, sizeof(what), "%s/%s", sets[s], name);
			cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
			sensor_ctx_set_event_cb(ctx, keep, &g);
			cr_assert_geq(sensor_audit_replay(ctx, records, strlen(records), 0), 0);
			if (!strstr(records, "type=SYSCALL ")) {
				/* user-space, daemon and standalone kernel records: not mapped */
				cr_expect_eq(g.n, 0, "%s: %d events for a %s message", what, g.n,
					     cat ? cat : "?");
				user_events++;
			} else {
				sensor_event *e = g.ev[0];
				json_t *src = json_object_get(ev, "source");
				json_t *dst = json_object_get(ev, "destination");

				/* go-libaudit files some (AVC, NETFILTER_CFG, ANOM_PROMISCUOUS
				 * with their SYSCALL) under other categories: same process */
				syscall_events++;
				cr_assert_eq(g.n, 1, "%s: %d events", what, g.n);
				expect_int(e, SENSOR_FIELD_PROCESS_PID, js(proc, "pid"), what);
				expect_int(e, SENSOR_FIELD_PROCESS_PPID, js(proc, "ppid"), what);
				expect_str(e, SENSOR_FIELD_PROCESS_COMM, js(proc, "name"), what);
				expect_str(e, SENSOR_FIELD_PROCESS_EXE, js(proc, "exe"), what);
				compared += 4;
				if (sensor_event_kind(e) == SENSOR_KIND_EXEC) {
					json_t *args = json_object_get(proc, "args");
					const char *const *argv;
					int argc = sensor_event_get_argv(e, &argv);

					expect_str(e, SENSOR_FIELD_EXEC_CWD, js(proc, "cwd"), what);
					cr_assert_eq(argc, (int)json_array_size(args), "%s: argc", what);
					for (int i = 0; i < argc; i++)
						cr_expect_str_eq(argv[i],
								 json_string_value(json_array_get(args, (size_t)i)),
								 "%s: argv[%d]", what, i);
					compared += 1 + argc;
				}
				if (sensor_event_kind(e) == SENSOR_KIND_NET) {
					const char *state = sensor_event_get_str(e, SENSOR_FIELD_NET_STATE);

					expect_str(e, SENSOR_FIELD_NET_SRC, js(src, "ip"), what);
					expect_int(e, SENSOR_FIELD_NET_SPORT, js(src, "port"), what);
					expect_str(e, SENSOR_FIELD_NET_DST, js(dst, "ip"), what);
					expect_int(e, SENSOR_FIELD_NET_DPORT, js(dst, "port"), what);
					cr_expect_eq(strcmp(state, "success") == 0,
						     strcmp(js(ev, "result"), "success") == 0,
						     "%s: state %s, result %s", what, state, js(ev, "result"));
					compared += 3;
				}
				if (sensor_event_kind(e) == SENSOR_KIND_SYSCALL) {
					int64_t ret = 0;

					sensor_event_get_int(e, SENSOR_FIELD_SYSCALL_RET, &ret);
					if (js(ev, "result") && strcmp(js(ev, "result"), "unknown") != 0)
						cr_expect_eq(ret >= 0, strcmp(js(ev, "result"), "success") == 0,
						     "%s: ret %lld, result %s", what, (long long)ret,
						     js(ev, "result"));
					compared++;
				}
			}
			for (int i = 0; i < g.n && i < 8; i++)
				sensor_event_unref(g.ev[i]);
			sensor_ctx_free(ctx);
			free(records);
		}
		json_decref(arr);
		free(yaml);
	}
	cr_log_info("%d syscall events, %d other events, %d values compared", syscall_events,
		    user_events, compared);
	cr_expect_geq(syscall_events, 23);
	cr_expect_geq(user_events, 25);
}
