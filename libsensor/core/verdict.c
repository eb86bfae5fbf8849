/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "context.h"
#include "verdict.h"

const char *sensor_decision_name(enum sensor_decision d)
{
	switch (d) {
	case SENSOR_DECISION_ALLOW: return "allow";
	case SENSOR_DECISION_DENY: return "deny";
	case SENSOR_DECISION_DEFAULT: return "default";
	default: return NULL;
	}
}

static void pend_unlink(struct sensor_ctx *ctx, struct sensor_event *ev)
{
	if (!ev->hold.queued)
		return;
	if (ev->hold.prev)
		ev->hold.prev->hold.next = ev->hold.next;
	else
		ctx->pend_head = ev->hold.next;
	if (ev->hold.next)
		ev->hold.next->hold.prev = ev->hold.prev;
	else
		ctx->pend_tail = ev->hold.prev;
	ev->hold.prev = ev->hold.next = NULL;
	ev->hold.queued = false;
	atomic_fetch_sub_explicit(&ctx->pend_n, 1, memory_order_relaxed);
}

static int hold_finish(struct sensor_event *ev, enum sensor_decision d, int err,
		       const char *reason);

void verdict_track(struct sensor_ctx *ctx, struct sensor_event *ev)
{
	struct sensor_event *at;

	pthread_mutex_lock(&ctx->pend_lock);
	if (!ev->hold.active) {
		/* answered by another thread after the caller's look */
		pthread_mutex_unlock(&ctx->pend_lock);
		return;
	}
	if (ev->src && ev->src->stopped) {
		/* stopped without verdict_default_source() (not a path today): never wait */
		hold_finish(ev, SENSOR_DECISION_DEFAULT, 0, "source removed");
		ctx->stats.defaulted_deadline++;
		pthread_mutex_unlock(&ctx->pend_lock);
		return;
	}
	/* Deadlines of one source arrive in order: insert from the tail. */
	at = ctx->pend_tail;
	while (at && at->hold.deadline > ev->hold.deadline)
		at = at->hold.prev;
	ev->hold.prev = at;
	ev->hold.next = at ? at->hold.next : ctx->pend_head;
	if (ev->hold.next)
		ev->hold.next->hold.prev = ev;
	else
		ctx->pend_tail = ev;
	if (at)
		at->hold.next = ev;
	else
		ctx->pend_head = ev;
	ev->hold.queued = true;
	atomic_fetch_add_explicit(&ctx->pend_n, 1, memory_order_relaxed);
	pthread_mutex_unlock(&ctx->pend_lock);
}

/*
 * End a hold. Called with pend_lock held. `d` is ALLOW, DENY or DEFAULT;
 * DEFAULT resolves to the source's configured default. Returns the
 * source's delivery result.
 */
static int hold_finish(struct sensor_event *ev, enum sensor_decision d, int err,
		       const char *reason)
{
	struct sensor_source *src = ev->src;
	enum sensor_decision eff = d;
	int r = 0;

	__atomic_store_n(&ev->hold.active, false, __ATOMIC_RELEASE); /* see verdict_active() */
	pend_unlink(ev->ctx, ev);
	if (d == SENSOR_DECISION_DEFAULT) {
		eff = ev->hold.dflt;
		err = ev->hold.dflt_err;
	}
	ev->hold.decision = d;
	if (reason) { /* truncated like snprintf("%s"), without its format machinery */
		size_t n = strnlen(reason, sizeof(ev->hold.reason) - 1);

		memcpy(ev->hold.reason, reason, n);
		ev->hold.reason[n] = '\0';
	}
	if (src && !src->stopped && src->ops->respond)
		r = src->ops->respond(src, ev, eff, err);
	if (src) {
		if (d == SENSOR_DECISION_DEFAULT)
			src->stats.defaulted++;
		else if (eff == SENSOR_DECISION_DENY)
			src->stats.denied++;
		else
			src->stats.allowed++;
	}
	return r;
}

int sensor_event_respond(sensor_event *ev, enum sensor_decision decision, int err,
			 const char *reason)
{
	struct sensor_ctx *ctx;
	int r;

	if (!ev || decision < SENSOR_DECISION_ALLOW || decision > SENSOR_DECISION_DEFAULT ||
	    err < 0 || err > 4095)
		return -EINVAL;
	ctx = ev->ctx;
	pthread_mutex_lock(&ctx->pend_lock);
	if (!ev->hold.active) {
		r = ev->hold.decision != SENSOR_DECISION_NONE ? -EALREADY : -EINVAL;
		pthread_mutex_unlock(&ctx->pend_lock);
		return r;
	}
	r = hold_finish(ev, decision, err, reason);
	ctx->stats.answered++;
	pthread_mutex_unlock(&ctx->pend_lock);
	return r;
}

int sensor_event_is_pending(const sensor_event *ev)
{
	return ev && ev->hold.active ? 1 : 0;
}

uint64_t sensor_event_deadline(const sensor_event *ev)
{
	if (!ev || (!ev->hold.active && ev->hold.decision == SENSOR_DECISION_NONE))
		return SENSOR_TIME_INFINITY;
	return ev->hold.deadline;
}

enum sensor_decision sensor_event_decision(const sensor_event *ev)
{
	return ev ? ev->hold.decision : SENSOR_DECISION_NONE;
}

void verdict_release(struct sensor_event *ev)
{
	struct sensor_ctx *ctx = ev->ctx;

	pthread_mutex_lock(&ctx->pend_lock);
	if (ev->hold.active) {
		hold_finish(ev, SENSOR_DECISION_DEFAULT, 0, "released unanswered");
		ctx->stats.defaulted_released++;
	}
	pthread_mutex_unlock(&ctx->pend_lock);
}

unsigned verdict_expire(struct sensor_ctx *ctx, uint64_t now)
{
	unsigned n = 0;

	pthread_mutex_lock(&ctx->pend_lock);
	while (ctx->pend_head && ctx->pend_head->hold.deadline <= now) {
		hold_finish(ctx->pend_head, SENSOR_DECISION_DEFAULT, 0, "deadline");
		ctx->stats.defaulted_deadline++;
		n++;
	}
	pthread_mutex_unlock(&ctx->pend_lock);
	return n;
}

uint64_t verdict_next_deadline(struct sensor_ctx *ctx)
{
	uint64_t d;

	/*
	 * Nothing pending (the usual state between batches when answers come
	 * in the callback): no lock. Only the loop thread adds to the list, and
	 * it is the one asking, so a 0 here is not stale.
	 */
	if (atomic_load_explicit(&ctx->pend_n, memory_order_relaxed) == 0)
		return SENSOR_TIME_INFINITY;
	pthread_mutex_lock(&ctx->pend_lock);
	d = ctx->pend_head ? ctx->pend_head->hold.deadline : SENSOR_TIME_INFINITY;
	pthread_mutex_unlock(&ctx->pend_lock);
	return d;
}

void verdict_default_source(struct sensor_source *src, const char *reason)
{
	struct sensor_ctx *ctx = src->ctx;
	struct sensor_event *ev, *next;

	pthread_mutex_lock(&ctx->pend_lock);
	for (ev = ctx->pend_head; ev; ev = next) {
		next = ev->hold.next;
		if (ev->src == src) {
			hold_finish(ev, SENSOR_DECISION_DEFAULT, 0, reason);
			ctx->stats.defaulted_deadline++;
		}
	}
	/* removed from a stage or callback while its held event is dispatched */
	for (ev = ctx->inflight; ev; ev = ev->hold.inflight_next) {
		if (ev->src == src && ev->hold.active) {
			hold_finish(ev, SENSOR_DECISION_DEFAULT, 0, reason);
			ctx->stats.defaulted_deadline++;
		}
	}
	pthread_mutex_unlock(&ctx->pend_lock);
}
