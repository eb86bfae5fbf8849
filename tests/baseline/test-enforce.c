/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Enforcing instances answer held events from the in-memory baseline:
 * a test source emits held exec events (as fanotify/seccomp would) and
 * records the verdict its respond() receives.
 */
#include "core/context.h"
#include "inject.h"

static int decisions[8], ndec;

static int held_start(struct sensor_source *src, const void *opts)
{
	(void)src;
	(void)opts;
	return 0;
}

static int held_respond(struct sensor_source *src, struct sensor_event *ev, enum sensor_decision d,
			int err)
{
	(void)src;
	(void)err;
	/* only the baseline's answers: a release without one applies the default */
	if (ev->hold.decision != SENSOR_DECISION_DEFAULT && ndec < 8) {
		cr_assert(strncmp(ev->hold.reason, "baseline: ", 10) == 0, "%s", ev->hold.reason);
		decisions[ndec++] = d;
	}
	return 0;
}

static const struct source_ops held_ops = {
	.type = SENSOR_SOURCE_SECCOMP,
	.compiled = true,
	.start = held_start,
	.respond = held_respond,
};

static void held_exec(struct tb *t, struct sensor_source *src, const char *path, uint64_t at)
{
	struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_EXEC);

	cr_assert_not_null(ev);
	ev_set_int(ev, SENSOR_FIELD_TIME, (int64_t)at);
	ev_set_str(ev, SENSOR_FIELD_WORKLOAD_ID, "c1");
	ev_set_str(ev, SENSOR_FIELD_WORKLOAD_KIND, "container");
	ev_set_str(ev, SENSOR_FIELD_EXEC_PATH, path);
	ev_set_str(ev, SENSOR_FIELD_EXEC_PARENT_EXE, "/bin/sh");
	ev->hold.active = true;
	ev->hold.dflt = SENSOR_DECISION_ALLOW;
	ev->hold.deadline = now_mono() + 10 * SEC;
	src->no_enrich = true;
	ctx_emit(t->ctx, ev);
}

Test(enforce, enforcing_instance_answers_held_events)
{
	struct sensor_baseline_stats st = { .sz = sizeof(st) };
	struct sensor_source *src;
	sensor_event *probe;
	struct tb t;

	tb_open(&t, NULL);
	cr_assert_eq(ctx_source_add_ops(t.ctx, &held_ops, NULL, &src), 0);
	/* learning: held events are left to others (the default, the embedder) */
	held_exec(&t, src, "/usr/sbin/nginx", T0);
	cr_assert_eq(ndec, 0);
	for (int m = 0; m < 120; m += 10)
		tb_exec(&t, "c1", NULL, "/usr/sbin/nginx", "/bin/sh", T0 + (uint64_t)m * 60 * SEC);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_MONITORING);
	/* monitoring: still only alerts */
	held_exec(&t, src, "/usr/bin/nc", T0 + 3 * HOUR);
	cr_assert_eq(ndec, 0);
	cr_assert_eq(tb_count(&t, "new_exec"), 1);

	cr_assert_eq(sensor_baseline_set_state(t.b, "c1", SENSOR_BASELINE_STATE_ENFORCING), 0);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_ENFORCING);
	cr_assert_eq(sensor_baseline_set_state(t.b, "zz", SENSOR_BASELINE_STATE_ENFORCING), -ENOENT);
	cr_assert_eq(sensor_baseline_set_state(t.b, "c1", 9), -EINVAL);
	held_exec(&t, src, "/usr/sbin/nginx", T0 + 3 * HOUR + SEC);
	held_exec(&t, src, "/usr/bin/wget", T0 + 3 * HOUR + 2 * SEC);
	/* nc was seen while monitoring but never approved: still denied */
	held_exec(&t, src, "/usr/bin/nc", T0 + 3 * HOUR + 3 * SEC);
	/* the learned path again: allowed again */
	held_exec(&t, src, "/usr/sbin/nginx", T0 + 3 * HOUR + 4 * SEC);
	cr_assert_eq(ndec, 4);
	cr_assert_eq(decisions[0], SENSOR_DECISION_ALLOW);
	cr_assert_eq(decisions[1], SENSOR_DECISION_DENY);
	cr_assert_eq(decisions[2], SENSOR_DECISION_DENY);
	cr_assert_eq(decisions[3], SENSOR_DECISION_ALLOW);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_eq(st.enforced_allow, 2);
	cr_assert_eq(st.enforced_deny, 2);

	/* the in-memory check the enforcement layer can call on its own */
	cr_assert_eq(sensor_inject_new(t.src, SENSOR_KIND_EXEC, &probe), 0);
	sensor_event_set_str(probe, SENSOR_FIELD_WORKLOAD_ID, "c1");
	sensor_event_set_str(probe, SENSOR_FIELD_EXEC_PATH, "/usr/sbin/nginx");
	sensor_event_set_str(probe, SENSOR_FIELD_EXEC_PARENT_EXE, "/bin/sh");
	cr_assert_eq(sensor_baseline_check(t.b, probe), 1);
	sensor_event_set_str(probe, SENSOR_FIELD_EXEC_PATH, "/usr/bin/wget");
	cr_assert_eq(sensor_baseline_check(t.b, probe), 0);
	sensor_event_set_str(probe, SENSOR_FIELD_WORKLOAD_ID, "unknown");
	cr_assert_eq(sensor_baseline_check(t.b, probe), -ENOENT);
	sensor_event_unref(probe);
	tb_close(&t);
}

Test(enforce, threat_rule_denies_in_enforcing)
{
	struct sensor_source *src;
	struct tb t;

	ndec = 0;
	tb_open(&t, NULL);
	cr_assert_eq(ctx_source_add_ops(t.ctx, &held_ops, NULL, &src), 0);
	for (int m = 0; m < 120; m += 10)
		tb_exec(&t, "c1", NULL, "/tmp/xmrig", "/bin/sh", T0 + (uint64_t)m * 60 * SEC);
	cr_assert_eq(sensor_baseline_set_state(t.b, "c1", SENSOR_BASELINE_STATE_ENFORCING), 0);
	held_exec(&t, src, "/tmp/xmrig", T0 + 3 * HOUR); /* learned, but miner-exec (high) */
	cr_assert_eq(ndec, 1);
	cr_assert_eq(decisions[0], SENSOR_DECISION_DENY);
	tb_close(&t);
}
