/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsensor — the sensor context, its event loop and its sources.
 *
 * A context owns one epoll set. Embedders either call sensor_ctx_run(), or
 * poll sensor_ctx_get_fd() in their own loop with the timeout from
 * sensor_ctx_get_deadline() and call sensor_ctx_process() when it is
 * readable or the deadline passed. The library creates no thread on the
 * event path (the one thread it may start is the baseline store's alert
 * writer, documented at sensor_baseline_attach()), installs no signal handler and never prints: it logs through
 * the callback given in the options.
 *
 * A context is not thread-safe, except for sensor_ctx_wakeup(),
 * sensor_ctx_exit(), sensor_event_ref/unref() and sensor_event_respond(),
 * which may be called from any thread.
 */
#ifndef LIBSENSOR_SENSOR_CONTEXT_H
#define LIBSENSOR_SENSOR_CONTEXT_H

#include <stdint.h>

#include <libsensor/sensor-common.h>
#include <libsensor/sensor-event.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sensor_ctx sensor_ctx;
typedef struct sensor_source sensor_source;

/* Log sink. `msg` has no trailing newline and lives during the call. */
typedef void (*sensor_log_fn)(void *userdata, enum sensor_log_level level, const char *msg);

/*
 * Event sink. `ev` is valid during the call; keep it with
 * sensor_event_ref(). Freeing a source inside the callback is deferred to
 * the end of the dispatch.
 */
typedef void (*sensor_event_fn)(sensor_ctx *ctx, sensor_event *ev, void *userdata);

struct sensor_ctx_opts {
	size_t sz;                 /* sizeof(struct sensor_ctx_opts) */
	uint32_t flags;            /* none defined yet; must be 0 */
	sensor_log_fn log_fn;      /* NULL: silent */
	void *log_userdata;
	enum sensor_log_level log_level; /* 0: SENSOR_LOG_INFO */
	uint32_t proc_cache_size;  /* processes kept; 0: 16384 */
	uint32_t workload_cache_size; /* workload instances kept; 0: 4096 */
	/*
	 * Where OCI runtimes keep container state (colon-separated), to learn a
	 * container's image (its class). NULL: /run/runc, /run/crun, docker's and
	 * containerd's runc roots (SENSOR_OCI_STATE_ROOTS_DEFAULT). Copied.
	 */
	const char *oci_state_roots;
};

/* The runtime state roots read when sensor_ctx_opts.oci_state_roots is NULL. */
#define SENSOR_OCI_STATE_ROOTS_DEFAULT                                                \
	"/run/runc:/run/crun:/run/docker/runtime-runc/moby:/run/containerd/runc/k8s.io:" \
	"/run/containerd/runc/default:/run/containerd/runc/moby"

/*
 * Create a context. opts may be NULL for defaults.
 * Returns 0 and writes *ret; -EINVAL on bad options, -E2BIG for unknown
 * non-zero option bytes (docs/api.md), -ENOMEM, or the -errno of
 * epoll/eventfd/timerfd creation.
 */
SENSOR_EXPORT int sensor_ctx_new(const struct sensor_ctx_opts *opts, sensor_ctx **ret);

/*
 * Free a context: every source is removed (rules, marks and queues it
 * installed are taken away, held events get their default verdict).
 * NULL-safe; returns NULL.
 */
SENSOR_EXPORT sensor_ctx *sensor_ctx_free(sensor_ctx *ctx);

/* Set the event sink (NULL to clear). Returns 0 or -EINVAL. */
SENSOR_EXPORT int sensor_ctx_set_event_cb(sensor_ctx *ctx, sensor_event_fn fn, void *userdata);

/* The pollable fd (EPOLLIN when there is work). Owned by the context. */
SENSOR_EXPORT int sensor_ctx_get_fd(sensor_ctx *ctx);

/*
 * Next CLOCK_MONOTONIC ns at which sensor_ctx_process() must be called even
 * if the fd is not readable (held-event deadlines, source timers), or
 * SENSOR_TIME_INFINITY. Returns 0 or -EINVAL.
 */
SENSOR_EXPORT int sensor_ctx_get_deadline(sensor_ctx *ctx, uint64_t *ret);

/*
 * Do at most max_events events of work without blocking (0: a default
 * budget of 1024). Returns the number of events dispatched to the sink
 * (>= 0), or -errno on a fatal error of the context.
 */
SENSOR_EXPORT int sensor_ctx_process(sensor_ctx *ctx, unsigned max_events);

/*
 * Block and process until sensor_ctx_exit() is called, timeout_ns passes
 * (SENSOR_TIME_INFINITY: never) or a fatal error. Does what a loop of
 * poll(get_fd, get_deadline) + process() does, sleeping in the epoll set
 * itself (one syscall less per wake-up). Returns the code given to
 * sensor_ctx_exit(), 0 on timeout, -EBUSY from inside a callback, or -errno.
 */
SENSOR_EXPORT int sensor_ctx_run(sensor_ctx *ctx, uint64_t timeout_ns);

/* Make the fd readable and a blocked run return to its loop. Thread-safe. */
SENSOR_EXPORT int sensor_ctx_wakeup(sensor_ctx *ctx);

/* Ask sensor_ctx_run() to return `code` (>= 0). Thread-safe, async-signal-safe. */
SENSOR_EXPORT int sensor_ctx_exit(sensor_ctx *ctx, int code);

struct sensor_stats {
	size_t sz;                  /* sizeof(struct sensor_stats), set by the caller */
	uint64_t events;            /* dispatched to the sink */
	uint64_t lost;              /* sum of every loss event's count */
	uint64_t held;              /* events that waited for a verdict */
	uint64_t answered;          /* ... answered by someone */
	uint64_t defaulted_deadline;/* ... given the default at their deadline */
	uint64_t defaulted_released;/* ... given the default when released unanswered */
	uint64_t proc_cache_hits;
	uint64_t proc_cache_misses;
	uint64_t proc_cache_evictions;
	uint64_t proc_cache_entries;
	uint64_t workloads;         /* distinct workload instances known */
	uint64_t pending;           /* held events waiting for a verdict now */
};

/* Fill up to stats->sz bytes of the context's counters (docs/api.md). 0 or -EINVAL. */
SENSOR_EXPORT int sensor_ctx_get_stats(sensor_ctx *ctx, struct sensor_stats *stats);

/* ---- sources --------------------------------------------------------- */

/* Options of the process connector source (SENSOR_SOURCE_PROC). */
struct sensor_proc_opts {
	size_t sz;       /* sizeof(struct sensor_proc_opts) */
	uint32_t flags;  /* none defined yet; must be 0 */
	uint32_t rcvbuf; /* socket receive buffer bytes; 0: 4 MiB */
};

/*
 * Add a source. `opts` is the source's own size-prefixed options struct
 * (struct sensor_proc_opts, ...) or NULL for its defaults.
 * Returns 0 and writes *ret (may be NULL when the caller does not keep the
 * handle; the context owns the source either way);
 * -EOPNOTSUPP when the source was not compiled in or the kernel lacks it,
 * -EPERM/-EACCES without the privilege it needs, -EEXIST when a source of
 * that type that allows one instance exists, -EINVAL on bad options,
 * -E2BIG for unknown non-zero option bytes (docs/api.md).
 */
SENSOR_EXPORT int sensor_source_add(sensor_ctx *ctx, enum sensor_source_type type,
				    const void *opts, sensor_source **ret);

/*
 * Remove a source: stop it, remove what it installed, give held events
 * their default. Deferred to the end of dispatch when called from a
 * callback. NULL-safe; returns NULL.
 */
SENSOR_EXPORT sensor_source *sensor_source_remove(sensor_source *src);

SENSOR_EXPORT enum sensor_source_type sensor_source_get_type(const sensor_source *src);

struct sensor_source_stats {
	size_t sz;          /* sizeof(struct sensor_source_stats), set by the caller */
	uint64_t received;  /* kernel messages or records read */
	uint64_t emitted;   /* events handed to the pipeline */
	uint64_t lost;      /* events the kernel or the source dropped */
	uint64_t errors;    /* malformed input and failed reads */
	uint64_t held;
	uint64_t allowed;
	uint64_t denied;
	uint64_t defaulted;
};

SENSOR_EXPORT int sensor_source_get_stats(const sensor_source *src,
					  struct sensor_source_stats *stats);

/* ---- injected events (replay, tests, agents' own sources) ------------ */

/*
 * A source that emits events the embedder builds: add it with
 * sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src), then
 * sensor_inject_new(), the setters, sensor_inject_emit().
 */

enum sensor_inject_flags {
	/* Fill process and workload fields from /proc, as for live events.
	 * Off by default: replayed events describe processes long gone. */
	SENSOR_INJECT_ENRICH = 1u << 0,
};

struct sensor_inject_opts {
	size_t sz;      /* sizeof(struct sensor_inject_opts) */
	uint32_t flags; /* enum sensor_inject_flags */
};

/* New blank event of `kind` owned by the caller. 0, -EINVAL, -ENOMEM. */
SENSOR_EXPORT int sensor_inject_new(sensor_source *src, enum sensor_kind kind, sensor_event **ret);

/*
 * Setters, only on an event from sensor_inject_new() not yet emitted
 * (-EBUSY otherwise). Strings are copied. -EINVAL for a field of the wrong
 * type or of another kind.
 */
SENSOR_EXPORT int sensor_event_set_int(sensor_event *ev, enum sensor_field field, int64_t value);
SENSOR_EXPORT int sensor_event_set_str(sensor_event *ev, enum sensor_field field, const char *value);
SENSOR_EXPORT int sensor_event_set_argv(sensor_event *ev, const char *const *argv, int argc);
SENSOR_EXPORT int sensor_event_set_args(sensor_event *ev, const uint64_t *args, int nargs);

/*
 * Hand the event to the pipeline (enrichment fills the process and
 * workload fields the event does not carry, then the sink runs). Consumes
 * the caller's reference in all cases. Returns 0 or -EINVAL/-EBUSY.
 */
SENSOR_EXPORT int sensor_inject_emit(sensor_source *src, sensor_event *ev);

/*
 * Rebuild an event from one JSON line as sensor_event_to_json() writes it
 * (docs/events.md), for replaying recorded events. The input is untrusted:
 * a new event of src (not emitted; the caller emits or unrefs it) in *ret
 * and 0, or -EBADMSG with the reason in err (errlen bytes, may be NULL/0),
 * -E2BIG for a line over 1 MiB, -EINVAL, -ENOMEM. "source", "seq" and
 * "verdict" are not taken (the replay gives its own); members this version
 * does not know are skipped.
 */
SENSOR_EXPORT int sensor_inject_from_json(sensor_source *src, const char *json, size_t len,
					  sensor_event **ret, char *err, size_t errlen);

/* ---- probing (doctor) ------------------------------------------------ */

enum sensor_probe_flags {
	/* The source starts without this feature, with less (e.g. fewer fields). */
	SENSOR_PROBE_OPTIONAL = 1u << 0,
};

/*
 * One line of a probe: `status` is 1 (present and usable), 0 (absent) or
 * -errno (present but not usable, e.g. -EPERM); `flags` are
 * enum sensor_probe_flags. A source starts when all its checks that are not
 * SENSOR_PROBE_OPTIONAL have status 1. Strings live during the call.
 */
typedef void (*sensor_probe_fn)(void *userdata, enum sensor_source_type source,
				const char *check, int status, uint32_t flags,
				const char *detail);

/*
 * Probe this machine, source by source, by trying the kernel interfaces
 * (never by comparing kernel versions). Calls fn once per check. Leaves
 * nothing installed. Returns the number of sources usable (>= 0) or
 * -EINVAL.
 */
SENSOR_EXPORT int sensor_probe(uint32_t flags, sensor_probe_fn fn, void *userdata);

#ifdef __cplusplus
}
#endif

#endif
