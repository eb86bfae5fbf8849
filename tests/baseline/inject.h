/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test harness of the baseline: a context with the inject source and a
 * baseline on an injected clock (the events' time field), alerts captured.
 * Events go through the real dispatch path (sensor_inject_emit).
 */
#ifndef TEST_BASELINE_INJECT_H
#define TEST_BASELINE_INJECT_H

#include <errno.h>
#include <libsensor/sensor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define SEC 1000000000ull
#define HOUR (3600 * SEC)
/* Monday 2026-11-23 10:00:00 UTC: hour of week 10. */
#define T0 (1795428000ull * SEC)
#define TB_MAX_ALERTS 256

struct tb_alert {
	char rule[64], reason[64], feature[256], workload[128];
	int sev;
	uint64_t count, suppressed;
	char *json;
};

struct tb {
	sensor_ctx *ctx;
	sensor_source *src;
	sensor_baseline *b;
	struct tb_alert a[TB_MAX_ALERTS];
	int n;
	/*
	 * When set, only this workload's alerts are kept; the others are
	 * counted in `others`. A live test's sensor sees the whole host: the
	 * host learns in seconds, then every exec of the test runner running
	 * beside it (and of any other container) is an alert of its own, which
	 * must neither fill `a` nor count as the test's.
	 */
	char only[128];
	int others;
};

static inline void tb_on_alert(sensor_baseline *b, const sensor_alert *al, void *ud)
{
	struct tb *t = ud;
	struct tb_alert *x;

	(void)b;
	if (t->only[0] && strcmp(sensor_alert_workload(al), t->only) != 0) {
		t->others++;
		return;
	}
	cr_assert_lt(t->n, TB_MAX_ALERTS, "too many alerts");
	x = &t->a[t->n++];
	snprintf(x->rule, sizeof(x->rule), "%s", sensor_alert_rule(al) ? sensor_alert_rule(al) : "");
	snprintf(x->reason, sizeof(x->reason), "%s",
		 sensor_alert_reason(al) ? sensor_alert_reason(al) : "");
	snprintf(x->feature, sizeof(x->feature), "%s", sensor_alert_feature(al));
	snprintf(x->workload, sizeof(x->workload), "%s", sensor_alert_workload(al));
	x->sev = sensor_alert_severity(al);
	x->count = sensor_alert_count(al);
	x->suppressed = sensor_alert_suppressed(al);
	x->json = strdup(sensor_alert_json(al));
}

static inline void tb_clear(struct tb *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->a[i].json);
	t->n = 0;
}

/* Keep only the alerts of workload id (see struct tb). */
static inline void tb_only(struct tb *t, const char *id)
{
	snprintf(t->only, sizeof(t->only), "%s", id);
}

/* o: options to start from (NULL: test defaults: learn 1 h, stable 10 min). */
static inline void tb_open(struct tb *t, const struct sensor_baseline_opts *o)
{
	struct sensor_baseline_opts opts = { .sz = sizeof(opts) };

	memset(t, 0, sizeof(*t));
	if (o)
		opts = *o;
	opts.flags |= SENSOR_BASELINE_EVENT_TIME;
	if (!opts.min_learn_ns)
		opts.min_learn_ns = HOUR;
	if (!opts.stable_ns)
		opts.stable_ns = 600 * SEC;
	opts.alert_fn = tb_on_alert;
	opts.alert_userdata = t;
	cr_assert_eq(sensor_ctx_new(NULL, &t->ctx), 0);
	cr_assert_eq(sensor_source_add(t->ctx, SENSOR_SOURCE_INJECT, NULL, &t->src), 0);
	cr_assert_eq(sensor_baseline_attach(t->ctx, &opts, &t->b), 0);
}

static inline void tb_close(struct tb *t)
{
	sensor_baseline_free(t->b);
	sensor_ctx_free(t->ctx);
	tb_clear(t);
}

static inline sensor_event *tb_new(struct tb *t, enum sensor_kind k, const char *wl,
				   const char *klass, uint64_t time)
{
	sensor_event *ev;

	cr_assert_eq(sensor_inject_new(t->src, k, &ev), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_TIME, (int64_t)time), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_PID, 4242), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_PPID, 4241), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_UID, 1000), 0);
	if (wl) {
		cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_WORKLOAD_ID, wl), 0);
		cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_WORKLOAD_KIND, "container"), 0);
	}
	if (klass)
		cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_WORKLOAD_CLASS, klass), 0);
	return ev;
}

static inline void tb_emit(struct tb *t, sensor_event *ev)
{
	cr_assert_eq(sensor_inject_emit(t->src, ev), 0);
}

static inline void tb_exec(struct tb *t, const char *wl, const char *klass, const char *path,
			   const char *parent, uint64_t time)
{
	sensor_event *ev = tb_new(t, SENSOR_KIND_EXEC, wl, klass, time);

	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_EXEC_PATH, path), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_PROCESS_EXE, path), 0);
	if (parent)
		cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_EXEC_PARENT_EXE, parent), 0);
	tb_emit(t, ev);
}

static inline void tb_file(struct tb *t, const char *wl, const char *klass, const char *op,
			   const char *path, uint64_t time)
{
	sensor_event *ev = tb_new(t, SENSOR_KIND_FILE, wl, klass, time);

	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_FILE_OP, op), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_FILE_PATH, path), 0);
	tb_emit(t, ev);
}

static inline void tb_net(struct tb *t, const char *wl, const char *klass, const char *op,
			  const char *dst, int dport, uint64_t time)
{
	sensor_event *ev = tb_new(t, SENSOR_KIND_NET, wl, klass, time);

	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_NET_OP, op), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_NET_PROTO, "tcp"), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_NET_SRC, "10.0.0.2"), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_NET_SPORT, 40000), 0);
	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_NET_DST, dst), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_NET_DPORT, dport), 0);
	tb_emit(t, ev);
}

static inline void tb_sys(struct tb *t, const char *wl, const char *klass, const char *name,
			  uint64_t time)
{
	sensor_event *ev = tb_new(t, SENSOR_KIND_SYSCALL, wl, klass, time);

	cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_SYSCALL_NAME, name), 0);
	tb_emit(t, ev);
}

/* Number of captured alerts with this reason (or rule). */
static inline int tb_count(const struct tb *t, const char *name)
{
	int n = 0;

	for (int i = 0; i < t->n; i++)
		if (strcmp(t->a[i].reason, name) == 0 || strcmp(t->a[i].rule, name) == 0)
			n++;
	return n;
}

/* The benign behaviour of the tests' web workload, at time `at`. */
static inline void tb_benign(struct tb *t, const char *wl, const char *klass, uint64_t at)
{
	tb_exec(t, wl, klass, "/usr/sbin/nginx", "/bin/sh", at);
	tb_file(t, wl, klass, "open", "/etc/nginx/nginx.conf", at + 1);
	tb_file(t, wl, klass, "write", "/var/log/nginx/access.log", at + 2);
	tb_file(t, wl, klass, "create", "/tmp/tmpa8x3k9qz", at + 3);
	tb_net(t, wl, klass, "connect", "10.0.5.17", 5432, at + 4);
	tb_sys(t, wl, klass, "accept4", at + 5);
}

#endif
