/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The context as the library's modules see it, and the one internal
 * interface every source implements (struct source_ops).
 */
#ifndef SENSOR_CORE_CONTEXT_H
#define SENSOR_CORE_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <libsensor/sensor-context.h>

#include "event.h"
#include "identity/host.h"
#include "util/clock.h"
#include "util/ratelimit.h"

struct proc_cache;
struct workload_table;

/*
 * A source: start() opens its kernel objects and registers fds/timers;
 * stop() removes everything it installed and closes them (it must be
 * idempotent and never fail); respond() delivers a verdict for one of its
 * held events (called with the pending lock held: non-blocking only);
 * probe() reports the machine's support for doctor.
 */
struct source_ops {
	enum sensor_source_type type;
	bool compiled; /* false: a stub, start() returns -EOPNOTSUPP */
	bool single;   /* at most one per context */
	/*
	 * Holds other processes' file access (permission events): removed
	 * before every other source, because removing those may run tools
	 * (iptables) whose exec the held group would wait on while the loop
	 * that answers is blocked in waitpid.
	 */
	bool gates;
	int (*start)(struct sensor_source *src, const void *opts);
	void (*stop)(struct sensor_source *src);
	int (*respond)(struct sensor_source *src, struct sensor_event *ev,
		       enum sensor_decision d, int err);
	void (*probe)(sensor_probe_fn fn, void *userdata, int *usable);
};

/* Called when a watched fd is ready: emit at most `budget` events; return how many, or -errno. */
typedef int (*fd_ready_fn)(struct sensor_source *src, int fd, uint32_t events, unsigned budget);
/* Called when a source timer expires (now: CLOCK_MONOTONIC ns). Return events emitted or -errno. */
typedef int (*timer_fn)(struct sensor_source *src, uint64_t now);

struct fd_watch {
	struct sensor_source *src;
	int fd;
	fd_ready_fn cb;
	bool dead;
	struct ratelimit err_log; /* handler errors: logged, throttled (a failing fd repeats) */
	struct fd_watch *next;
};

struct sensor_source {
	struct sensor_ctx *ctx;
	const struct source_ops *ops;
	void *priv;
	struct sensor_source_stats stats;
	uint64_t timer_at; /* CLOCK_MONOTONIC ns, SENSOR_TIME_INFINITY: none */
	timer_fn timer_cb;
	bool dead;         /* removal requested during dispatch */
	bool stopped;
	bool no_enrich;     /* events describe the past (replay): skip /proc */
	struct sensor_source *next;
};

/* A pipeline stage between enrichment and the sink (baseline, detection, sinks). */
typedef void (*stage_fn)(struct sensor_ctx *ctx, struct sensor_event *ev, void *userdata);
#define CTX_MAX_STAGES 8

struct sensor_ctx {
	int epfd, evfd, tfd;
	uint64_t tfd_armed;
	sensor_log_fn log_fn;
	void *log_ud;
	enum sensor_log_level log_level;
	sensor_event_fn cb;
	void *cb_ud;
	struct sensor_source *sources;
	struct fd_watch *watches;
	uint64_t seq;
	uint64_t dispatched;
	atomic_int exit_code; /* -1: keep running */
	int in_dispatch;
	bool pending_removals;
	/* sources reporting execs with argv, cwd and the executed path (audit
	 * with its default rules): the proc source marks its own exec events
	 * secondary while one runs (one exec, one event: docs/events.md) */
	int exec_primary;

	/*
	 * Event pool: the loop thread takes and returns events on `local`
	 * without a lock; events released on other threads (agents that kept a
	 * reference) go back through `pool` under pool_lock and are moved to
	 * `local` in bulk when it runs dry.
	 */
	pthread_t loop_thread;
	struct sensor_event *local;
	unsigned local_count;
	pthread_mutex_t pool_lock;
	struct sensor_event *pool;
	unsigned pool_count, pool_max;
	/* One clock read per dispatch batch: the records of one read() were
	 * read at one time (0: read the clock per event). */
	uint64_t batch_real, batch_mono;

	pthread_mutex_t pend_lock;
	struct sensor_event *pend_head, *pend_tail;
	atomic_uint pend_n; /* events on the list; changed under pend_lock, read without */
	/* held events being dispatched, before they go on the list (loop thread
	 * only, innermost first): source removal defaults them too */
	struct sensor_event *inflight;

	struct sensor_stats stats;
	struct proc_cache *procs;
	struct workload_table *wls;
	struct host_identity host; /* host.name, host.boot_id of native events */

	struct {
		stage_fn fn;
		void *ud;
	} stages[CTX_MAX_STAGES];
	unsigned nstages;
};

void ctx_log(struct sensor_ctx *ctx, enum sensor_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Register fd (EPOLLIN) with a ready callback. 0 or -errno. */
int ctx_watch_fd(struct sensor_source *src, int fd, fd_ready_fn cb);
/* Stop watching fd (does not close it). */
void ctx_unwatch_fd(struct sensor_source *src, int fd);
/* Arm (or with SENSOR_TIME_INFINITY disarm) the source's timer. */
void ctx_source_timer(struct sensor_source *src, uint64_t at, timer_fn cb);

/* New pooled event of a source; NULL on ENOMEM. Time is stamped now. */
struct sensor_event *ctx_event_new(struct sensor_source *src, enum sensor_kind kind);
/*
 * Enrich, dispatch through the stages and the sink, and release the
 * caller's reference. For held events set ev->hold (dflt, dflt_err,
 * deadline, data) and hold.active = true before calling; the event goes on
 * the pending list after the stages and the sink, unless they answered it.
 */
void ctx_emit(struct sensor_ctx *ctx, struct sensor_event *ev);
/* Emit a loss event for src with count, and account it. */
void ctx_emit_loss(struct sensor_source *src, uint64_t count, const char *what);
/* The name events of src carry: its type's, or "sensor" for an internal source (a stage's). */
const char *ctx_source_name(enum sensor_source_type type);
/* Emit a status event for src. */
void ctx_emit_status(struct sensor_source *src, const char *state, const char *detail);
/* Add a pipeline stage (runs before the sink, in order added). 0 or -ENOSPC. */
int ctx_add_stage(struct sensor_ctx *ctx, stage_fn fn, void *ud);
/* Remove the stage (fn, ud) added before; no-op when absent. Not during dispatch. */
void ctx_remove_stage(struct sensor_ctx *ctx, stage_fn fn, void *ud);

/* Apply the default verdict to every held event of src (source removal). */
void ctx_default_source_holds(struct sensor_source *src, const char *reason);

/* Free sources removed during dispatch (no-op while dispatching). */
void ctx_reap_sources(struct sensor_ctx *ctx);

/* Return an event whose last reference went to the pool (or free it). */
void ctx_event_recycle(struct sensor_ctx *ctx, struct sensor_event *ev);

/* Add a source from its ops (sensor_source_add's body; tests use their own ops). */
int ctx_source_add_ops(struct sensor_ctx *ctx, const struct source_ops *ops, const void *opts,
		       struct sensor_source **ret);

#endif
