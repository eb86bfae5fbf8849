/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The embeddable loop: one epoll fd (sources' fds, a timerfd armed at the
 * next deadline, an eventfd for wakeups), a deadline query, a bounded
 * non-blocking process call, and run(): the same process body with its
 * epoll_wait() allowed to sleep until the deadline.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "context.h"
#include "identity/proc-cache.h"
#include "verdict.h"

#define DEFAULT_BUDGET 1024
#define EPOLL_BATCH 16

int ctx_watch_fd(struct sensor_source *src, int fd, fd_ready_fn cb)
{
	struct sensor_ctx *ctx = src->ctx;
	struct epoll_event ee = { .events = EPOLLIN };
	struct fd_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->src = src;
	w->fd = fd;
	w->cb = cb;
	ee.data.ptr = w;
	if (epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, fd, &ee) < 0) {
		int r = -errno;

		free(w);
		return r;
	}
	w->next = ctx->watches;
	ctx->watches = w;
	return 0;
}

void ctx_unwatch_fd(struct sensor_source *src, int fd)
{
	struct sensor_ctx *ctx = src->ctx;

	for (struct fd_watch *w = ctx->watches; w; w = w->next) {
		if (w->src == src && w->fd == fd && !w->dead) {
			epoll_ctl(ctx->epfd, EPOLL_CTL_DEL, fd, NULL);
			w->dead = true;
			ctx->pending_removals = true;
		}
	}
}

void ctx_source_timer(struct sensor_source *src, uint64_t at, timer_fn cb)
{
	src->timer_at = at;
	src->timer_cb = cb;
}

int sensor_ctx_get_fd(sensor_ctx *ctx)
{
	return ctx ? ctx->epfd : -EINVAL;
}

static uint64_t next_deadline(struct sensor_ctx *ctx)
{
	uint64_t d = verdict_next_deadline(ctx);

	for (struct sensor_source *s = ctx->sources; s; s = s->next)
		if (!s->dead && s->timer_at < d)
			d = s->timer_at;
	return d;
}

int sensor_ctx_get_deadline(sensor_ctx *ctx, uint64_t *ret)
{
	if (!ctx || !ret)
		return -EINVAL;
	*ret = next_deadline(ctx);
	return 0;
}

/* Keep the timerfd armed at the next deadline so the one fd tells all. */
static void arm_timer(struct sensor_ctx *ctx)
{
	uint64_t d = next_deadline(ctx);
	struct itimerspec its = { 0 };

	if (d == ctx->tfd_armed)
		return;
	if (d != SENSOR_TIME_INFINITY) {
		if (d == 0)
			d = 1; /* 0 would disarm */
		its.it_value.tv_sec = (time_t)(d / 1000000000u);
		its.it_value.tv_nsec = (long)(d % 1000000000u);
	}
	if (timerfd_settime(ctx->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		ctx->tfd_armed = d;
}

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

static int run_timers(struct sensor_ctx *ctx, unsigned budget)
{
	uint64_t now;
	int n = 0;

	/* Nothing armed and nothing pending (answers given in the callback): no
	 * clock read, no lock. The check is exact: only this thread adds either. */
	if (next_deadline(ctx) == SENSOR_TIME_INFINITY)
		return 0;
	now = now_mono();
	verdict_expire(ctx, now);
	for (struct sensor_source *s = ctx->sources; s && (unsigned)n < budget; s = s->next) {
		if (s->dead || s->timer_at > now || !s->timer_cb)
			continue;
		s->timer_at = SENSOR_TIME_INFINITY;
		int r = s->timer_cb(s, now);

		if (r > 0)
			n += r;
	}
	return n;
}

/*
 * The body of process(): wait up to `ms` for the epoll set (0: just look),
 * dispatch at most `budget` events, run what is due. run() calls it with
 * its sleep folded in, so a wake-up costs one epoll_wait, not a poll() of
 * the fd plus process()'s own look.
 */
static int process_wait(struct sensor_ctx *ctx, unsigned budget, int ms)
{
	struct epoll_event evs[EPOLL_BATCH];
	uint64_t start;
	int n;

	/* Sleep outside the dispatch: the context is idle while we wait. */
	n = epoll_wait(ctx->epfd, evs, EPOLL_BATCH, ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	start = ctx->dispatched;
	ctx->in_dispatch++;
	ctx->loop_thread = pthread_self(); /* the thread that runs the loop owns the local pool */
	for (int i = 0; i < n; i++) {
		void *p = evs[i].data.ptr;
		uint64_t done = ctx->dispatched - start;

		if (p == &ctx->evfd) {
			drain(ctx->evfd);
		} else if (p == &ctx->tfd) {
			drain(ctx->tfd);
			ctx->tfd_armed = SENSOR_TIME_INFINITY;
		} else {
			struct fd_watch *w = p;
			int r;

			if (w->dead || done >= budget)
				continue; /* level-triggered: comes back next time */
			ctx->batch_real = now_real();
			ctx->batch_mono = now_mono();
			r = w->cb(w->src, w->fd, evs[i].events, budget - (unsigned)done);
			ctx->batch_real = ctx->batch_mono = 0;
			if (r < 0) {
				unsigned held;

				w->src->stats.errors++;
				if (!ratelimit_ok(&w->err_log, now_mono(), &held))
					continue;
				if (held)
					ctx_log(ctx, SENSOR_LOG_ERR, "%s: %s (%u lines like it suppressed)",
						sensor_source_type_name(w->src->ops->type), strerror(-r),
						held);
				else
					ctx_log(ctx, SENSOR_LOG_ERR, "%s: %s",
						sensor_source_type_name(w->src->ops->type), strerror(-r));
			}
		}
	}
	run_timers(ctx, budget);
	ctx->in_dispatch--;
	proc_cache_reap(ctx->procs); /* what the cache dropped during the dispatch */
	ctx_reap_sources(ctx);
	arm_timer(ctx);
	return (int)(ctx->dispatched - start);
}

int sensor_ctx_process(sensor_ctx *ctx, unsigned max_events)
{
	if (!ctx)
		return -EINVAL;
	if (ctx->in_dispatch)
		return -EBUSY; /* no re-entry from a callback */
	return process_wait(ctx, max_events ? max_events : DEFAULT_BUDGET, 0);
}

int sensor_ctx_run(sensor_ctx *ctx, uint64_t timeout_ns)
{
	uint64_t end;
	int code;

	if (!ctx)
		return -EINVAL;
	if (ctx->in_dispatch)
		return -EBUSY;
	end = timeout_ns == SENSOR_TIME_INFINITY ? SENSOR_TIME_INFINITY : now_mono() + timeout_ns;
	for (;;) {
		uint64_t d, now;
		int ms, r;

		/* a plain load per wake-up; the exchange only when an exit was asked */
		if (atomic_load_explicit(&ctx->exit_code, memory_order_relaxed) >= 0) {
			code = atomic_exchange(&ctx->exit_code, -1);
			if (code >= 0)
				return code;
		}
		d = next_deadline(ctx);
		if (end < d)
			d = end;
		if (d == SENSOR_TIME_INFINITY) {
			ms = -1;
		} else {
			now = now_mono();
			if (d <= now)
				ms = 0;
			else if ((d - now) / 1000000 >= INT32_MAX)
				ms = INT32_MAX;
			else
				ms = (int)((d - now + 999999) / 1000000);
		}
		/*
		 * Sleep in epoll_wait() on the context's epoll set: the same as
		 * poll(get_fd(), deadline) + process(), minus one syscall per wake-up,
		 * and a waker's sync hint (seccomp's SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)
		 * reaches a task in epoll_wait() but not one in poll() on the epoll fd.
		 */
		r = process_wait(ctx, DEFAULT_BUDGET, ms);
		if (r < 0)
			return r;
		/* Past the end and nothing left to do (a busy loop drains first). */
		if (r == 0 && end != SENSOR_TIME_INFINITY && now_mono() >= end) {
			code = atomic_exchange(&ctx->exit_code, -1);
			return code >= 0 ? code : 0;
		}
	}
}

int sensor_ctx_wakeup(sensor_ctx *ctx)
{
	uint64_t one = 1;

	if (!ctx)
		return -EINVAL;
	if (write(ctx->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

int sensor_ctx_exit(sensor_ctx *ctx, int code)
{
	if (!ctx || code < 0)
		return -EINVAL;
	atomic_store(&ctx->exit_code, code);
	return sensor_ctx_wakeup(ctx);
}
