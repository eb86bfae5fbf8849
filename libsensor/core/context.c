/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Context lifecycle, logging, the event pool, emission and source management. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "enrich.h"
#include "identity/proc-cache.h"
#include "identity/workload.h"
#include "verdict.h"
#include "util/opts.h"

#define POOL_MAX 4096

void ctx_log(struct sensor_ctx *ctx, enum sensor_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int saved = errno;

	if (!ctx || !ctx->log_fn || level > ctx->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log_fn(ctx->log_ud, level, msg);
	errno = saved;
}

int sensor_ctx_new(const struct sensor_ctx_opts *opts, sensor_ctx **ret)
{
	struct sensor_ctx_opts o = { 0 };
	struct sensor_ctx *ctx;
	struct epoll_event ee = { .events = EPOLLIN };
	int r;

	if (!ret)
		return -EINVAL;
	r = OPTS_COPY(&o, opts, struct sensor_ctx_opts, oci_state_roots);
	if (r < 0)
		return r;
	if (o.flags)
		return -EINVAL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->epfd = ctx->evfd = ctx->tfd = -1;
	ctx->log_fn = o.log_fn;
	ctx->log_ud = o.log_userdata;
	ctx->log_level = o.log_level ? o.log_level : SENSOR_LOG_INFO;
	ctx->pool_max = POOL_MAX;
	ctx->loop_thread = pthread_self();
	atomic_init(&ctx->exit_code, -1);
	pthread_mutex_init(&ctx->pool_lock, NULL);
	pthread_mutex_init(&ctx->pend_lock, NULL);
	atomic_init(&ctx->pend_n, 0);
	ctx->stats.sz = sizeof(ctx->stats);

	ctx->epfd = epoll_create1(EPOLL_CLOEXEC);
	ctx->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ctx->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ctx->epfd < 0 || ctx->evfd < 0 || ctx->tfd < 0) {
		r = -errno;
		goto fail;
	}
	ctx->tfd_armed = SENSOR_TIME_INFINITY;
	ee.data.ptr = &ctx->evfd;
	if (epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, ctx->evfd, &ee) < 0) {
		r = -errno;
		goto fail;
	}
	ee.data.ptr = &ctx->tfd;
	if (epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, ctx->tfd, &ee) < 0) {
		r = -errno;
		goto fail;
	}
	r = workload_table_new(o.workload_cache_size ? o.workload_cache_size : 4096, o.oci_state_roots,
			       &ctx->wls);
	if (r < 0)
		goto fail;
	r = proc_cache_new(ctx->wls, &ctx->in_dispatch,
			   o.proc_cache_size ? o.proc_cache_size : 16384, &ctx->procs);
	if (r < 0)
		goto fail;
	host_identity_read("/proc", &ctx->host);
	*ret = ctx;
	return 0;
fail:
	sensor_ctx_free(ctx);
	return r;
}

static void source_destroy(struct sensor_source *src)
{
	struct sensor_ctx *ctx = src->ctx;
	struct fd_watch **pw;

	if (!src->stopped) {
		verdict_default_source(src, "source removed");
		if (src->ops->stop)
			src->ops->stop(src);
		src->stopped = true;
	}
	for (pw = &ctx->watches; *pw;) {
		struct fd_watch *w = *pw;

		if (w->src == src) {
			*pw = w->next;
			free(w);
		} else {
			pw = &w->next;
		}
	}
	free(src);
}

sensor_ctx *sensor_ctx_free(sensor_ctx *ctx)
{
	struct sensor_event *ev;

	if (!ctx)
		return NULL;
	/* sources that gate other processes' file access go first (see source_ops.gates) */
	for (struct sensor_source **ps = &ctx->sources; *ps;) {
		struct sensor_source *s = *ps;

		if (s->ops->gates) {
			*ps = s->next;
			source_destroy(s);
		} else {
			ps = &s->next;
		}
	}
	while (ctx->sources) {
		struct sensor_source *s = ctx->sources;

		ctx->sources = s->next;
		source_destroy(s);
	}
	while (ctx->watches) {
		struct fd_watch *w = ctx->watches;

		ctx->watches = w->next;
		free(w);
	}
	proc_cache_free(ctx->procs);
	workload_table_free(ctx->wls);
	while ((ev = ctx->pool)) {
		ctx->pool = ev->pool_next;
		ev_destroy(ev);
	}
	while ((ev = ctx->local)) {
		ctx->local = ev->pool_next;
		ev_destroy(ev);
	}
	if (ctx->epfd >= 0)
		close(ctx->epfd);
	if (ctx->evfd >= 0)
		close(ctx->evfd);
	if (ctx->tfd >= 0)
		close(ctx->tfd);
	pthread_mutex_destroy(&ctx->pool_lock);
	pthread_mutex_destroy(&ctx->pend_lock);
	free(ctx);
	return NULL;
}

int sensor_ctx_set_event_cb(sensor_ctx *ctx, sensor_event_fn fn, void *userdata)
{
	if (!ctx)
		return -EINVAL;
	ctx->cb = fn;
	ctx->cb_ud = userdata;
	return 0;
}

int ctx_add_stage(struct sensor_ctx *ctx, stage_fn fn, void *ud)
{
	if (ctx->nstages >= CTX_MAX_STAGES)
		return -ENOSPC;
	ctx->stages[ctx->nstages].fn = fn;
	ctx->stages[ctx->nstages].ud = ud;
	ctx->nstages++;
	return 0;
}

void ctx_remove_stage(struct sensor_ctx *ctx, stage_fn fn, void *ud)
{
	for (unsigned i = 0; i < ctx->nstages; i++) {
		if (ctx->stages[i].fn != fn || ctx->stages[i].ud != ud)
			continue;
		memmove(&ctx->stages[i], &ctx->stages[i + 1],
			(ctx->nstages - i - 1) * sizeof(ctx->stages[0]));
		ctx->nstages--;
		return;
	}
}

int sensor_ctx_get_stats(sensor_ctx *ctx, struct sensor_stats *stats)
{
	struct sensor_stats s;

	if (!ctx || !stats)
		return -EINVAL;
	pthread_mutex_lock(&ctx->pend_lock);
	s = ctx->stats;
	pthread_mutex_unlock(&ctx->pend_lock);
	proc_cache_stats(ctx->procs, &s);
	s.workloads = workload_table_count(ctx->wls);
	s.pending = atomic_load_explicit(&ctx->pend_n, memory_order_relaxed);
	return OPTS_FILL(stats, &s, struct sensor_stats, pending);
}

/* ---- event pool --------------------------------------------------------- */

struct sensor_event *ctx_event_new(struct sensor_source *src, enum sensor_kind kind)
{
	struct sensor_ctx *ctx = src->ctx;
	struct sensor_event *ev;

	if (!ctx->local && ctx->pool) {
		/* take back, in one go, what other threads released */
		pthread_mutex_lock(&ctx->pool_lock);
		ctx->local = ctx->pool;
		ctx->local_count = ctx->pool_count;
		ctx->pool = NULL;
		ctx->pool_count = 0;
		pthread_mutex_unlock(&ctx->pool_lock);
	}
	ev = ctx->local;
	if (ev) {
		ctx->local = ev->pool_next;
		ctx->local_count--;
	} else {
		ev = calloc(1, sizeof(*ev));
		if (!ev)
			return NULL;
	}
	ev_reset(ev);
	atomic_init(&ev->ref, 1);
	ev->ctx = ctx;
	ev->src = src;
	ev->kind = (uint8_t)kind;
	ev->source = (uint8_t)src->ops->type;
	ev_set_int(ev, SENSOR_FIELD_TIME, (int64_t)(ctx->batch_real ? ctx->batch_real : now_real()));
	ev_set_int(ev, SENSOR_FIELD_MONOTONIC,
		   (int64_t)(ctx->batch_mono ? ctx->batch_mono : now_mono()));
	return ev;
}

void ctx_event_recycle(struct sensor_ctx *ctx, struct sensor_event *ev)
{
	if (pthread_equal(pthread_self(), ctx->loop_thread)) {
		if (ctx->local_count < ctx->pool_max) {
			ev->pool_next = ctx->local;
			ctx->local = ev;
			ctx->local_count++;
			return;
		}
		ev_destroy(ev);
		return;
	}
	pthread_mutex_lock(&ctx->pool_lock);
	if (ctx->pool_count < ctx->pool_max) {
		ev->pool_next = ctx->pool;
		ctx->pool = ev;
		ctx->pool_count++;
		ev = NULL;
	}
	pthread_mutex_unlock(&ctx->pool_lock);
	ev_destroy(ev);
}

/*
 * An exec changes the process's image (and, for a process a runtime just
 * moved into a container, its workload). The proc source reloads the cache
 * at its own exec events, but fanotify reports the open-exec of the binary
 * before the connector's exec arrives, so that drops the cached identity
 * and the process's next event reads /proc afresh.
 */
static void forget_on_exec(struct sensor_ctx *ctx, const struct sensor_event *ev)
{
	const char *op;

	/* Only a file-level exec (fanotify's open-exec, during the exec): audit's
	 * exec record comes after the exec, when the connector has already had
	 * its say, and dropping then would only read /proc twice per exec. */
	if (ev->kind != SENSOR_KIND_FILE || ev->source == SENSOR_SOURCE_INJECT ||
	    !ev_has(ev, SENSOR_FIELD_PROCESS_PID))
		return;
	/* per file event: the first byte before the call (ev_str + strcmp were ~5% of a drain) */
	if (!ev_has(ev, SENSOR_FIELD_FILE_OP))
		return;
	op = ev->arena + ev->v[SENSOR_FIELD_FILE_OP].s;
	if (op[0] != 'e' || strcmp(op, "exec") != 0)
		return;
	proc_cache_exit(ctx->procs, (int32_t)ev->v[SENSOR_FIELD_PROCESS_PID].i);
}

void ctx_emit(struct sensor_ctx *ctx, struct sensor_event *ev)
{
	bool held = ev->hold.active;

	ev->open = false;
	ev_set_int(ev, SENSOR_FIELD_SEQ, (int64_t)++ctx->seq);
	enrich_event(ctx, ev);
	if (ev->argc)
		ev_finalize(ev);
	ev->dispatched = true;
	if (ev->src)
		ev->src->stats.emitted++;
	if (held) {
		/* counted by the loop thread only (answers are counted under the lock) */
		ctx->stats.held++;
		ev->src->stats.held++;
		ev->hold.inflight_next = ctx->inflight;
		ctx->inflight = ev;
	}
	ctx->in_dispatch++;
	for (unsigned i = 0; i < ctx->nstages; i++)
		ctx->stages[i].fn(ctx, ev, ctx->stages[i].ud);
	if (ctx->cb)
		ctx->cb(ctx, ev, ctx->cb_ud);
	ctx->in_dispatch--;
	/*
	 * Onto the pending list only now, and only if still unanswered: an
	 * answer given in a stage or the callback (the usual policy path) then
	 * costs no list insertion and no lock of its own. Nothing looks at the
	 * list while the callbacks run: deadlines are enforced by this thread,
	 * between dispatches.
	 */
	if (held) {
		ctx->inflight = ev->hold.inflight_next;
		if (verdict_active(ev))
			verdict_track(ctx, ev);
	}
	ctx->stats.events++;
	ctx->dispatched++;
	forget_on_exec(ctx, ev);
	sensor_event_unref(ev);
	if (!ctx->in_dispatch) /* emitted outside process(): nothing borrows any more */
		proc_cache_reap(ctx->procs);
}

const char *ctx_source_name(enum sensor_source_type type)
{
	const char *n = sensor_source_type_name(type);

	return n ? n : "sensor";
}

void ctx_emit_loss(struct sensor_source *src, uint64_t count, const char *what)
{
	struct sensor_event *ev;

	src->stats.lost += count;
	src->ctx->stats.lost += count;
	ctx_log(src->ctx, SENSOR_LOG_WARNING, "%s: lost %llu events (%s)",
		ctx_source_name(src->ops->type), (unsigned long long)count, what);
	ev = ctx_event_new(src, SENSOR_KIND_LOSS);
	if (!ev)
		return; /* counted above, so the loss is still visible in stats */
	ev_set_str(ev, SENSOR_FIELD_LOSS_SOURCE, ctx_source_name(src->ops->type));
	ev_set_int(ev, SENSOR_FIELD_LOSS_COUNT, (int64_t)count);
	if (what)
		ev_set_str(ev, SENSOR_FIELD_LOSS_DETAIL, what);
	ctx_emit(src->ctx, ev);
}

void ctx_emit_status(struct sensor_source *src, const char *state, const char *detail)
{
	struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_STATUS);

	if (!ev)
		return;
	ev_set_str(ev, SENSOR_FIELD_STATUS_SOURCE, ctx_source_name(src->ops->type));
	ev_set_str(ev, SENSOR_FIELD_STATUS_STATE, state);
	if (detail)
		ev_set_str(ev, SENSOR_FIELD_STATUS_DETAIL, detail);
	ctx_emit(src->ctx, ev);
}

/* ---- sources ------------------------------------------------------------ */

int ctx_source_add_ops(struct sensor_ctx *ctx, const struct source_ops *ops, const void *opts,
		       struct sensor_source **ret)
{
	struct sensor_source *src;
	int r;

	if (ops->single)
		for (src = ctx->sources; src; src = src->next)
			if (src->ops == ops && !src->dead)
				return -EEXIST;
	src = calloc(1, sizeof(*src));
	if (!src)
		return -ENOMEM;
	src->ctx = ctx;
	src->ops = ops;
	src->stats.sz = sizeof(src->stats);
	src->timer_at = SENSOR_TIME_INFINITY;
	src->next = ctx->sources;
	ctx->sources = src;
	r = ops->start(src, opts);
	if (r < 0) {
		ctx->sources = src->next;
		src->stopped = true; /* start() cleans up after itself */
		source_destroy(src);
		return r;
	}
	if (ret)
		*ret = src;
	return 0;
}

void ctx_reap_sources(struct sensor_ctx *ctx)
{
	struct sensor_source **ps;

	if (!ctx->pending_removals || ctx->in_dispatch)
		return;
	ctx->pending_removals = false;
	for (ps = &ctx->sources; *ps;) {
		struct sensor_source *s = *ps;

		if (s->dead) {
			*ps = s->next;
			source_destroy(s);
		} else {
			ps = &s->next;
		}
	}
}

sensor_source *sensor_source_remove(sensor_source *src)
{
	struct sensor_ctx *ctx;

	if (!src)
		return NULL;
	ctx = src->ctx;
	src->dead = true;
	/* Stop the kernel side now (rules, marks, queues), free later. */
	if (!src->stopped) {
		verdict_default_source(src, "source removed");
		if (src->ops->stop)
			src->ops->stop(src);
		src->stopped = true;
	}
	for (struct fd_watch *w = ctx->watches; w; w = w->next)
		if (w->src == src)
			w->dead = true;
	ctx->pending_removals = true;
	ctx_reap_sources(ctx);
	return NULL;
}

enum sensor_source_type sensor_source_get_type(const sensor_source *src)
{
	return src ? src->ops->type : SENSOR_SOURCE_NONE;
}

int sensor_source_get_stats(const sensor_source *src, struct sensor_source_stats *stats)
{
	struct sensor_source_stats s;

	if (!src || !stats)
		return -EINVAL;
	s = src->stats;
	return OPTS_FILL(stats, &s, struct sensor_source_stats, defaulted);
}
