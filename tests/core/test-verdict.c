/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Held events: respond once, deadline default, release default, source removal, threads. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "core/context.h"
#include "core/verdict.h"
#include "testlib.h"

static int answers, last_decision, last_err;
static uint64_t last_data;

static int hold_respond(struct sensor_source *src, struct sensor_event *ev,
			enum sensor_decision d, int err)
{
	(void)src;
	answers++;
	last_decision = d;
	last_err = err;
	last_data = ev->hold.data[0];
	return 0;
}

static int hold_start(struct sensor_source *src, const void *opts)
{
	(void)src;
	(void)opts;
	return 0;
}

static const struct source_ops hold_ops = {
	.type = SENSOR_SOURCE_NFQUEUE, .compiled = true, .start = hold_start,
	.respond = hold_respond,
};

static sensor_ctx *ctx;
static struct sensor_source *src;
static sensor_event *kept;
static enum sensor_decision answer_in_cb;

static void on_event(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)c;
	(void)ud;
	cr_assert_eq(sensor_event_is_pending(ev), 1);
	if (answer_in_cb)
		cr_assert_eq(sensor_event_respond(ev, answer_in_cb, 13, "policy"), 0);
	else
		kept = sensor_event_ref(ev);
}

static void setup(void)
{
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_event, NULL);
	cr_assert_eq(ctx_source_add_ops(ctx, &hold_ops, NULL, &src), 0);
	answers = 0;
	kept = NULL;
	answer_in_cb = SENSOR_DECISION_NONE;
}

static void teardown(void)
{
	sensor_event_unref(kept);
	sensor_ctx_free(ctx);
}

TestSuite(verdict, .init = setup, .fini = teardown);

static void emit_held(uint64_t timeout, enum sensor_decision dflt, uint64_t id)
{
	struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_NET);

	ev->hold.active = true;
	ev->hold.dflt = dflt;
	ev->hold.dflt_err = EPERM;
	ev->hold.deadline = now_mono() + timeout;
	ev->hold.data[0] = id;
	ctx_emit(ctx, ev);
}

Test(verdict, respond_exactly_once)
{
	char json[1024];

	emit_held(1000000000u, SENSOR_DECISION_ALLOW, 1);
	cr_assert_not_null(kept);
	cr_assert_eq(answers, 0);
	cr_assert_eq(sensor_event_respond(kept, SENSOR_DECISION_DENY, 111, "bad peer"), 0);
	cr_assert_eq(answers, 1);
	cr_assert_eq(last_decision, SENSOR_DECISION_DENY);
	cr_assert_eq(last_err, 111);
	cr_assert_eq(last_data, 1);
	cr_assert_eq(sensor_event_respond(kept, SENSOR_DECISION_ALLOW, 0, NULL), -EALREADY);
	cr_assert_eq(answers, 1);
	cr_assert_eq(sensor_event_is_pending(kept), 0);
	cr_assert_eq(sensor_event_decision(kept), SENSOR_DECISION_DENY);
	sensor_event_to_json(kept, json, sizeof(json));
	cr_assert(strstr(json, "\"verdict\":{\"decision\":\"deny\",\"reason\":\"bad peer\"}"), "%s",
		  json);
}

Test(verdict, deadline_applies_default_and_counts)
{
	struct sensor_stats st = { .sz = sizeof(st) };
	uint64_t d;

	emit_held(20000000u, SENSOR_DECISION_DENY, 2);
	sensor_ctx_get_deadline(ctx, &d);
	cr_assert_eq(d, sensor_event_deadline(kept));
	cr_assert_eq(sensor_ctx_run(ctx, 100000000u), 0);
	cr_assert_eq(answers, 1);
	cr_assert_eq(last_decision, SENSOR_DECISION_DENY, "the source's default");
	cr_assert_eq(last_err, EPERM);
	cr_assert_eq(sensor_event_decision(kept), SENSOR_DECISION_DEFAULT);
	cr_assert_str_eq(sensor_event_get_str(kept, SENSOR_FIELD_VERDICT_REASON), "deadline");
	cr_assert_eq(sensor_event_respond(kept, SENSOR_DECISION_ALLOW, 0, NULL), -EALREADY);
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.held, 1);
	cr_assert_eq(st.defaulted_deadline, 1);
	cr_assert_eq(st.answered, 0);
}

Test(verdict, release_unanswered_applies_default)
{
	struct sensor_stats st = { .sz = sizeof(st) };
	struct sensor_source_stats ss = { .sz = sizeof(ss) };

	emit_held(1000000000u, SENSOR_DECISION_ALLOW, 3);
	kept = sensor_event_unref(kept);
	cr_assert_eq(answers, 1);
	cr_assert_eq(last_decision, SENSOR_DECISION_ALLOW);
	cr_assert_eq(last_data, 3);
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.defaulted_released, 1);
	sensor_source_get_stats(src, &ss);
	cr_assert_eq(ss.held, 1);
	cr_assert_eq(ss.defaulted, 1);
}

Test(verdict, answer_inside_callback)
{
	answer_in_cb = SENSOR_DECISION_ALLOW;
	emit_held(1000000000u, SENSOR_DECISION_DENY, 4);
	cr_assert_eq(answers, 1);
	cr_assert_eq(last_decision, SENSOR_DECISION_ALLOW);
	cr_assert_eq(sensor_ctx_process(ctx, 0), 0);
	cr_assert_eq(answers, 1, "no default after an answer");
}

Test(verdict, source_removal_defaults_pending)
{
	emit_held(1000000000u, SENSOR_DECISION_ALLOW, 5);
	sensor_source_remove(src);
	cr_assert_eq(answers, 1);
	cr_assert_eq(sensor_event_decision(kept), SENSOR_DECISION_DEFAULT);
	cr_assert_eq(sensor_event_respond(kept, SENSOR_DECISION_DENY, 0, NULL), -EALREADY);
}

static void remove_in_cb(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)c;
	(void)ud;
	kept = sensor_event_ref(ev);
	sensor_source_remove(src); /* the held event is being dispatched: not on the list yet */
	cr_assert_eq(answers, 1, "defaulted at the removal, inside the callback");
	cr_assert_eq(sensor_event_is_pending(ev), 0);
}

Test(verdict, source_removal_inside_its_callback_defaults_the_event)
{
	struct sensor_stats st = { .sz = sizeof(st) };
	uint64_t d;

	sensor_ctx_set_event_cb(ctx, remove_in_cb, NULL);
	emit_held(1000000000u, SENSOR_DECISION_DENY, 9);
	cr_assert_eq(answers, 1);
	cr_assert_eq(last_decision, SENSOR_DECISION_DENY);
	cr_assert_eq(last_data, 9);
	cr_assert_eq(sensor_event_decision(kept), SENSOR_DECISION_DEFAULT);
	cr_assert_str_eq(sensor_event_get_str(kept, SENSOR_FIELD_VERDICT_REASON), "source removed");
	cr_assert_eq(sensor_event_respond(kept, SENSOR_DECISION_ALLOW, 0, NULL), -EALREADY);
	cr_assert_eq(sensor_ctx_get_deadline(ctx, &d), 0);
	cr_assert_eq(d, SENSOR_TIME_INFINITY, "nothing left pending");
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.held, 1);
	cr_assert_eq(st.defaulted_deadline, 1);
	src = NULL;
}

Test(verdict, answered_in_callback_leaves_nothing_pending)
{
	struct sensor_stats st = { .sz = sizeof(st) };
	uint64_t d;

	answer_in_cb = SENSOR_DECISION_DENY;
	for (int i = 0; i < 3; i++)
		emit_held(1000000000u, SENSOR_DECISION_ALLOW, 10 + (uint64_t)i);
	cr_assert_eq(answers, 3);
	cr_assert_eq(last_decision, SENSOR_DECISION_DENY);
	cr_assert_eq(last_err, 13);
	cr_assert_eq(sensor_ctx_get_deadline(ctx, &d), 0);
	cr_assert_eq(d, SENSOR_TIME_INFINITY);
	/* and one kept unanswered after them is the only deadline */
	answer_in_cb = SENSOR_DECISION_NONE;
	emit_held(1000000000u, SENSOR_DECISION_ALLOW, 20);
	cr_assert_eq(sensor_ctx_get_deadline(ctx, &d), 0);
	cr_assert_eq(d, sensor_event_deadline(kept));
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.held, 4);
	cr_assert_eq(st.answered, 3);
}

Test(verdict, bad_arguments)
{
	cr_assert_eq(sensor_event_respond(NULL, SENSOR_DECISION_ALLOW, 0, NULL), -EINVAL);
	emit_held(1000000000u, SENSOR_DECISION_ALLOW, 6);
	cr_assert_eq(sensor_event_respond(kept, SENSOR_DECISION_NONE, 0, NULL), -EINVAL);
	cr_assert_eq(sensor_event_respond(kept, SENSOR_DECISION_DENY, -1, NULL), -EINVAL);
	cr_assert_eq(sensor_event_respond(kept, (enum sensor_decision)9, 0, NULL), -EINVAL);
	cr_assert_eq(answers, 0);
}

#define NTHREADS 4
#define PER_THREAD 200

static sensor_event *many[NTHREADS * PER_THREAD];
static int many_n;

static void collect(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)c;
	(void)ud;
	many[many_n++] = sensor_event_ref(ev);
}

static void *answer_all(void *arg)
{
	long t = (long)arg;

	for (int i = 0; i < NTHREADS * PER_THREAD; i++)
		if (i % NTHREADS == t || i % 3 == 0) /* overlap: some answered twice */
			sensor_event_respond(many[i], SENSOR_DECISION_ALLOW, 0, NULL);
	return NULL;
}

Test(verdict, threads_answer_exactly_once)
{
	pthread_t th[NTHREADS];
	struct sensor_stats st = { .sz = sizeof(st) };

	sensor_ctx_set_event_cb(ctx, collect, NULL);
	many_n = 0;
	for (int i = 0; i < NTHREADS * PER_THREAD; i++)
		emit_held(30000000u, SENSOR_DECISION_DENY, (uint64_t)i);
	for (long t = 0; t < NTHREADS; t++)
		pthread_create(&th[t], NULL, answer_all, (void *)t);
	/* the loop expires deadlines concurrently */
	sensor_ctx_run(ctx, 40000000u);
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	sensor_ctx_process(ctx, 0);
	cr_assert_eq(answers, NTHREADS * PER_THREAD, "each held event answered exactly once");
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.answered + st.defaulted_deadline, NTHREADS * PER_THREAD);
	for (int i = 0; i < many_n; i++)
		sensor_event_unref(many[i]);
	cr_assert_eq(answers, NTHREADS * PER_THREAD);
}

/* The deadline is the last instant the agent may answer: defaulted at it, not 1 ns before. */
Test(verdict, default_applies_at_the_deadline_itself)
{
	struct sensor_stats st = { .sz = sizeof(st) };
	uint64_t d;

	emit_held(60000000000ull, SENSOR_DECISION_DENY, 3);
	d = sensor_event_deadline(kept);
	cr_assert_eq(verdict_expire(ctx, d - 1), 0u, "still pending 1 ns before its deadline");
	cr_assert_eq(sensor_event_is_pending(kept), 1);
	cr_assert_eq(answers, 0);
	cr_assert_eq(verdict_expire(ctx, d), 1u, "defaulted at its deadline");
	cr_assert_eq(answers, 1);
	cr_assert_eq(last_decision, SENSOR_DECISION_DENY);
	cr_assert_eq(sensor_event_decision(kept), SENSOR_DECISION_DEFAULT);
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.defaulted_deadline, 1);
}
