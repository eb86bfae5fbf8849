/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsensor — behavioural baseline, threat rules and alerts (architecture §4–6, §8).
 *
 * sensor_baseline_attach() plugs a baseline into a context's pipeline: every
 * event (after enrichment, before the embedder's event callback) updates the
 * in-memory model of its workload instance and of the instance's class,
 * is scored against it, and is matched against the threat rules. Departures
 * and rule matches become alerts, given to the alert callback. With a
 * database path the model is loaded at attach and flushed in batches from
 * the context's loop on a timer (never on the decision path, never from
 * another thread); sensor_baseline_free() flushes a last time.
 *
 * The offline calls (sensor_store_*) open a baseline database without a
 * context: list, show, export, import, merge and reset (docs/baseline.md,
 * docs/export-format.md).
 *
 * Times are uint64_t ns since the epoch (CLOCK_REALTIME) unless said.
 */
#ifndef LIBSENSOR_SENSOR_BASELINE_H
#define LIBSENSOR_SENSOR_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include <libsensor/sensor-common.h>
#include <libsensor/sensor-context.h>
#include <libsensor/sensor-event.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sensor_baseline sensor_baseline;
typedef struct sensor_alert sensor_alert;
typedef struct sensor_store sensor_store;

enum sensor_baseline_mode {
	/* Instances learn, then move to monitoring by themselves. */
	SENSOR_BASELINE_LEARN = 1,
	/* The stored model is final: every instance already known (or with a
	 * known class) is scored at once; unknown ones learn first. */
	SENSOR_BASELINE_MONITOR = 2,
	/* As MONITOR, and every stored instance is enforcing: its held events
	 * are answered from the baseline (sensor_baseline_set_state()), and the
	 * baseline holds what an enforcing container does itself: a fanotify
	 * permission group with a mark on each enforcing container's root
	 * mount (docs/enforce.md). New instances learn and then only monitor
	 * until an operator asks. */
	SENSOR_BASELINE_ENFORCE = 3,
	SENSOR__BASELINE_MODE_FORCE_INT = 0x7fffffff
};

/* Lifecycle of one workload instance. */
enum sensor_baseline_state {
	SENSOR_BASELINE_STATE_LEARNING = 1,
	SENSOR_BASELINE_STATE_MONITORING = 2,
	SENSOR_BASELINE_STATE_ENFORCING = 3,
	SENSOR__BASELINE_STATE_FORCE_INT = 0x7fffffff
};

enum sensor_severity {
	SENSOR_SEVERITY_INFO = 1,
	SENSOR_SEVERITY_LOW = 2,
	SENSOR_SEVERITY_MEDIUM = 3,
	SENSOR_SEVERITY_HIGH = 4,
	SENSOR_SEVERITY_CRITICAL = 5,
	SENSOR__SEVERITY_FORCE_INT = 0x7fffffff
};

/*
 * Alert sink: `alert` is valid during the call only (copy its JSON to keep
 * it). Called from the context's loop, in the thread that runs it.
 */
typedef void (*sensor_alert_fn)(sensor_baseline *b, const sensor_alert *alert, void *userdata);

/* Clock for tests and replays: CLOCK_REALTIME ns "now". */
typedef uint64_t (*sensor_clock_fn)(void *userdata);

enum sensor_baseline_flags {
	/* Take an event's time from its `time` field (replays, tests with an
	 * injected clock) rather than from clock_fn or the real clock. */
	SENSOR_BASELINE_EVENT_TIME = 1u << 0,
	/* Do not load the built-in default rules: rules_path and rules_dir
	 * are all the rules (without either, no threat rules at all). */
	SENSOR_BASELINE_NO_DEFAULT_RULES = 1u << 1,
	/* Keep a journal of the events that matter after the fact (execs,
	 * changes to files, connections, syscalls, verdicts, losses) in the
	 * store, for incident response (sensor_store_journal, docs/journal.md).
	 * Needs db_path. */
	SENSOR_BASELINE_JOURNAL = 1u << 2,
};

/* How enforcing instances are enforced (docs/enforce.md). */
enum sensor_enforce_flags {
	/* Decide, and report a denial as a `would_deny` alert and the verdict
	 * reason "dry run: would deny: ...", but allow everything. */
	SENSOR_ENFORCE_DRY_RUN = 1u << 0,
	/* The held events the baseline's own sources hold get deny, not allow,
	 * at their deadline and on overload (fail-closed). */
	SENSOR_ENFORCE_FAIL_CLOSED = 1u << 1,
	/* Do not start the fanotify permission group (execs and opens of
	 * enforcing containers are then not held by the baseline itself). */
	SENSOR_ENFORCE_NO_EXEC = 1u << 2,
	/* Hold execs only, not opens (no file write / credential read denial). */
	SENSOR_ENFORCE_NO_FILES = 1u << 3,
	/* Also hold (and at once allow) what learning and monitoring containers
	 * do, through the same marks, so that they learn exactly what
	 * enforcement will decide: the content of every file they execute and
	 * every path they open for writing, on every mount of theirs. Costs a
	 * round trip per exec and open of those containers. */
	SENSOR_ENFORCE_LEARN_HELD = 1u << 4,
	/* Do not queue the new flows of enforcing containers (NFQUEUE in each
	 * container's network namespace; docs/enforce.md). */
	SENSOR_ENFORCE_NO_NET = 1u << 5,
};

struct sensor_baseline_opts {
	size_t sz;                  /* sizeof(struct sensor_baseline_opts) */
	uint32_t flags;             /* enum sensor_baseline_flags */
	enum sensor_baseline_mode mode; /* 0: SENSOR_BASELINE_LEARN */
	const char *db_path;        /* SQLite database; NULL: memory only */
	const char *rules_path;     /* threat rules file layered on the built-in rules
				       (sensor_rules_opts); NULL: the built-in rules alone */
	uint64_t min_learn_ns;      /* minimum learning time; 0: 24 h */
	uint64_t stable_ns;         /* no new feature for this long ends learning; 0: 2 h */
	uint64_t decay_ns;          /* features unseen this long age out; 0: 30 days */
	uint64_t flush_interval_ns; /* store flush period (CLOCK_MONOTONIC); 0: 5 s */
	uint64_t dedup_window_ns;   /* duplicate alerts aggregated within; 0: 60 s */
	uint64_t rate_window_ns;    /* rate-limit window per workload; 0: 60 s */
	uint32_t rate_limit;        /* alerts per workload per window; 0: 20 */
	uint32_t burst_count;       /* new features in burst_window make a burst; 0: 10 */
	uint64_t burst_window_ns;   /* 0: 60 s */
	sensor_alert_fn alert_fn;   /* NULL: alerts are only counted (and stored) */
	void *alert_userdata;
	sensor_clock_fn clock_fn;   /* NULL: CLOCK_REALTIME */
	void *clock_userdata;
	uint64_t journal_max_age_ns; /* journal retention by age (baseline time); 0: 7 days */
	uint64_t journal_max_rows;   /* ... and by rows (the newest kept); 0: 1 000 000 */
	/* A baseline alert about a file waits this long (CLOCK_MONOTONIC) to
	 * gather the file's other operations into one alert (its "ops");
	 * threat-rule alerts never wait. 0: 500 ms. */
	uint64_t file_window_ns;
	const char *rules_dir;       /* drop-in rules directory: every "*.rules" file in it,
					in name order, adds to the rules (sensor_rules_opts); NULL: none */
	/*
	 * Features one workload instance may hold; 0: 100 000. A workload that
	 * makes up more (hostile or broken: one new path after another) is not
	 * learned further; each flush reports what was dropped as a loss event
	 * and counts it in features_capped.
	 */
	uint64_t max_features_per_workload;
	uint32_t enforce_flags;      /* enum sensor_enforce_flags */
	uint64_t enforce_timeout_ns; /* deadline of the events the baseline holds itself; 0: 2 s */
};

/*
 * Attach a baseline to ctx (at most one per context; it must be freed
 * before the context). Returns 0 and writes *ret; -EINVAL on bad options,
 * -E2BIG for unknown non-zero option bytes, -EEXIST when ctx has one,
 * -EOPNOTSUPP for a db_path in a build without SQLite, -EBADMSG when the
 * rules file does not parse (the message goes to the context's log),
 * -ENOSPC when the pipeline is full, -ENOMEM, or the -errno of opening the
 * database or the rules file.
 *
 * With a db_path other than ":memory:" the baseline starts one thread, the
 * store's alert writer: it commits each alert to the alerts table on a
 * connection of its own, so a commit that waits for the disk never holds
 * up the loop (the model's flush stays on the loop, every flush_interval_ns).
 * It touches nothing of the context; sensor_baseline_flush(),
 * sensor_baseline_flush_alerts() and sensor_baseline_free() wait for it to
 * commit what was queued, and free() joins it. Alerts it could not keep
 * (queue of 65536 full, a transaction failed after retries) are loss
 * events of the baseline and count in flush_errors.
 */
SENSOR_EXPORT int sensor_baseline_attach(sensor_ctx *ctx, const struct sensor_baseline_opts *opts,
					 sensor_baseline **ret);

enum sensor_rules_flags {
	/* Start from no rules instead of the built-in ones: `path` and `dir`
	 * are all the rules. */
	SENSOR_RULES_NO_DEFAULTS = 1u << 0,
};

/*
 * Where the threat rules come from (docs/rules.md): the built-in default
 * rules (unless SENSOR_RULES_NO_DEFAULTS), then the rules file `path`
 * (NULL: none), then every "*.rules" file of the drop-in directory `dir`
 * (NULL: none) in name order, each layered on the ones before it: a rule,
 * list or macro with an earlier one's name replaces it, "append=true" adds
 * to it, "disable <id>" and "rule <id> enabled=false" leave a rule out (an
 * unknown id is an error). Files in `dir` must be regular files; symbolic
 * links there are not followed.
 */
struct sensor_rules_opts {
	size_t sz;          /* sizeof(struct sensor_rules_opts) */
	uint32_t flags;     /* enum sensor_rules_flags */
	const char *path;
	const char *dir;
	char *err;          /* out, may be NULL: the first error, "FILE: line N, column M: reason" */
	size_t errlen;
};

/*
 * Load and check rules without a context (rtsensor config check). Returns
 * the number of rules in force (>= 0), -EBADMSG for a file that does not
 * parse, an unknown id to disable or to append to, -E2BIG past the
 * limits or for unknown non-zero option bytes, -EINVAL for bad options, -ENOMEM, or the -errno of opening a file
 * or the directory. The reason is in opts->err.
 */
SENSOR_EXPORT int sensor_rules_check(const struct sensor_rules_opts *opts);

/*
 * Replace the rules of a running baseline (a reload): the new rules are
 * loaded and checked first, and take effect only when all of them load, so
 * a bad file leaves the old rules in force. Pending alert aggregates are
 * kept. Returns the number of rules in force, or an error of
 * sensor_rules_check() (also logged through the context).
 */
SENSOR_EXPORT int sensor_baseline_set_rules(sensor_baseline *b, const struct sensor_rules_opts *opts);

/*
 * Give every pending alert to the callback (sensor_baseline_flush_alerts()),
 * flush to the store a last time, detach from the context and free.
 * NULL-safe; returns NULL.
 */
SENSOR_EXPORT sensor_baseline *sensor_baseline_free(sensor_baseline *b);

/*
 * Write every change since the last flush to the database now (in one
 * transaction) and emit aggregated alerts whose window closed; returns once
 * the alert writer (sensor_baseline_attach()) committed the alerts queued.
 * Returns the number of model rows written (>= 0), or -errno of the store.
 */
SENSOR_EXPORT int sensor_baseline_flush(sensor_baseline *b);

/*
 * Give every pending alert to the alert callback now, with its counts:
 * baseline file alerts still gathering ops, the folded repeats of every
 * open series (as aggregates; the series stay open, later repeats fold
 * into the next aggregate) and rate-limit reports of what the budgets
 * held back; then write them to the store as sensor_baseline_flush().
 * Call it before a reload or anything that closes or replaces the alert
 * sinks; sensor_baseline_free() calls it. flags: 0. Returns the number of
 * alerts given to the callback (>= 0), -EINVAL, or -errno of the store
 * (the alerts were given to the callback then).
 */
SENSOR_EXPORT int sensor_baseline_flush_alerts(sensor_baseline *b, uint32_t flags);

/*
 * Forget what instance `workload_id` learned and learn it again (NULL: every
 * instance). Returns the number of instances reset, or -EINVAL.
 */
SENSOR_EXPORT int sensor_baseline_relearn(sensor_baseline *b, const char *workload_id);

/*
 * Lifecycle state of an instance: returns enum sensor_baseline_state (> 0),
 * -ENOENT when it was never seen, -EINVAL.
 */
SENSOR_EXPORT int sensor_baseline_get_state(sensor_baseline *b, const char *workload_id);

/*
 * Move an instance to a lifecycle state: LEARNING relearns it (as
 * sensor_baseline_relearn()), MONITORING scores it, ENFORCING also answers
 * its held events (fanotify, seccomp, NFQUEUE) from the baseline: allow
 * when every feature of the event is in the instance's learned set and no
 * threat rule of severity high or above matched, deny (EPERM) otherwise.
 * Returns 0, -ENOENT for an unknown instance, -EINVAL.
 */
SENSOR_EXPORT int sensor_baseline_set_state(sensor_baseline *b, const char *workload_id,
					    enum sensor_baseline_state state);

/*
 * Would the baseline allow this event? In memory only, no side effect: safe
 * to call while a workload waits on a held event. Returns 1 when every
 * feature of ev is in its instance's learned set, 0 when one is not, and
 * -EAGAIN while the instance learns, -ENOENT for an instance never seen,
 * -EINVAL.
 */
SENSOR_EXPORT int sensor_baseline_check(sensor_baseline *b, const sensor_event *ev);

struct sensor_baseline_stats {
	size_t sz;             /* sizeof(struct sensor_baseline_stats), set by the caller */
	uint64_t events;       /* events seen by the baseline stage */
	uint64_t observations; /* feature observations recorded */
	uint64_t features;     /* features in memory (instances and classes) */
	uint64_t workloads;    /* instances in memory */
	uint64_t alerts;       /* alerts given to the callback */
	uint64_t deduplicated; /* duplicates folded into an aggregated alert */
	uint64_t suppressed;   /* alerts held back by the rate limit (reported) */
	uint64_t flushes;
	uint64_t rows_flushed;
	uint64_t flush_errors;
	uint64_t decayed;      /* features aged out */
	uint64_t enforced_allow; /* held events allowed by an enforcing instance */
	uint64_t enforced_deny;  /* ... and denied */
	uint64_t journaled;      /* events written to the journal */
	uint64_t journal_dropped; /* events the journal could not keep (queue full, store
				    error): each batch is also a loss event */
	uint64_t flush_ns_total;  /* time spent in store flushes (CLOCK_MONOTONIC ns) */
	uint64_t flush_ns_max;    /* the longest flush */
	uint64_t features_capped; /* observations not learned: their workload was at its cap */
	uint64_t enforced_would_deny; /* held events a dry run allowed that it would deny */
};

SENSOR_EXPORT int sensor_baseline_get_stats(sensor_baseline *b, struct sensor_baseline_stats *st);

/* ---- alerts (valid during the alert callback) ------------------------ */

/* Stable lower-case severity name ("high"), or NULL. */
SENSOR_EXPORT const char *sensor_severity_name(enum sensor_severity s);
SENSOR_EXPORT enum sensor_severity sensor_alert_severity(const sensor_alert *a);
/* Threat rule id ("ptrace"), or NULL for a baseline alert. */
SENSOR_EXPORT const char *sensor_alert_rule(const sensor_alert *a);
/* Baseline reason ("new_exec", "unusual_hour", ...), or NULL for a rule alert. */
SENSOR_EXPORT const char *sensor_alert_reason(const sensor_alert *a);
/* Workload instance id, or "" when unknown. */
SENSOR_EXPORT const char *sensor_alert_workload(const sensor_alert *a);
/* Generalised feature key the alert is about ("exec:/usr/bin/nc"), or "". */
SENSOR_EXPORT const char *sensor_alert_feature(const sensor_alert *a);
/* Occurrences this alert stands for (> 1 for an aggregate). */
SENSOR_EXPORT uint64_t sensor_alert_count(const sensor_alert *a);
/* Alerts of the workload held back by the rate limit (rate-limit reports). */
SENSOR_EXPORT uint64_t sensor_alert_suppressed(const sensor_alert *a);
/* One JSON object (docs/alerts.md), NUL-terminated, no newline; lives as the alert. */
SENSOR_EXPORT const char *sensor_alert_json(const sensor_alert *a);

/* ---- offline store ---------------------------------------------------- */

enum sensor_store_flags {
	SENSOR_STORE_READONLY = 1u << 0, /* open without write access */
};

/*
 * Open (creating and migrating unless READONLY) a baseline database.
 * A new file is created 0600. The file must be the caller's: never a
 * symbolic link (-ELOOP), owned by the euid, not writable by group or
 * others, one link (else -EPERM; a group/world-readable file of ours is
 * made 0600 when opened read-write). SQLite runs it defensively
 * (SQLITE_DBCONFIG_DEFENSIVE, no triggers, views or untrusted schema
 * functions), and a file that holds a trigger or a view is refused
 * (-EMEDIUMTYPE): the schema makes none. The path ":memory:" is an
 * in-memory database (SQLite's name): no file is made, nothing persists.
 * Returns 0 and writes *ret; -EOPNOTSUPP without SQLite, -ENOENT for a
 * missing database opened READONLY, -EPROTO for a database of a newer
 * schema, -EIO/-EBADMSG for a file that is not a usable database, -EINVAL
 * for a path that is not a regular file, -ELOOP, -EPERM, -EMEDIUMTYPE.
 */
SENSOR_EXPORT int sensor_store_open(const char *path, uint32_t flags, sensor_store **ret);
/* NULL-safe; returns NULL. */
SENSOR_EXPORT sensor_store *sensor_store_close(sensor_store *s);

struct sensor_workload_info {
	size_t sz;            /* sizeof(struct sensor_workload_info) */
	const char *id;       /* instance id, or "class:<name>" for a class prior */
	const char *kind;     /* host, container, ..., "class" */
	const char *klass;    /* class name or "" */
	enum sensor_baseline_state state;
	uint64_t learn_start; /* ns since epoch */
	uint64_t last_new;    /* last time a new feature appeared */
	uint64_t features;
};

struct sensor_feature_info {
	size_t sz;            /* sizeof(struct sensor_feature_info) */
	const char *key;      /* "exec:/usr/bin/curl", see docs/baseline.md */
	uint64_t count;
	uint64_t first, last; /* ns since epoch */
	const uint32_t *hours;/* 168 counts, hour of week (Monday 00:00 UTC = 0) */
	int approved;         /* 0: first seen while monitoring, not part of the normal set */
};

typedef int (*sensor_workload_fn)(void *userdata, const struct sensor_workload_info *w);
typedef int (*sensor_feature_fn)(void *userdata, const struct sensor_feature_info *f);

/*
 * Call fn for every workload (instances and class priors), ordered by id.
 * Strings live during the call. A negative return of fn stops and is
 * returned. Returns the number of workloads, or -errno.
 */
SENSOR_EXPORT int sensor_store_list(sensor_store *s, sensor_workload_fn fn, void *userdata);

/*
 * Call fn for every feature of one workload, ordered by key. Returns the
 * count, -ENOENT for an unknown workload, or -errno.
 */
SENSOR_EXPORT int sensor_store_show(sensor_store *s, const char *workload_id,
				    sensor_feature_fn fn, void *userdata);

/*
 * Export one workload (or every one, NULL) as versioned JSON
 * (docs/export-format.md) in a malloc'd, NUL-terminated buffer the caller
 * frees. Stable ordering: equal stores give byte-identical exports.
 * Returns 0, -ENOENT for an unknown workload, -ENOMEM, -EIO.
 */
SENSOR_EXPORT int sensor_store_export(sensor_store *s, const char *workload_id, char **ret_buf,
				      size_t *ret_len);

/*
 * Import an export (untrusted input) and merge it: counts add, first/last
 * seen min/max, hour profiles add. All or nothing in one transaction.
 * On failure a one-line reason is written to err (errlen bytes, may be
 * NULL/0). Returns the number of features merged, -EBADMSG for a document
 * that is not valid JSON or not an export, -EPROTO for an unsupported
 * format version, -E2BIG when a size limit is exceeded, -EOVERFLOW when a
 * count would overflow, -EROFS for a read-only store, -EIO.
 */
SENSOR_EXPORT int sensor_store_import(sensor_store *s, const char *buf, size_t len, uint32_t flags,
				      char *err, size_t errlen);

/* Merge every workload of `src` into `dst` (as import of its export). */
SENSOR_EXPORT int sensor_store_merge(sensor_store *dst, sensor_store *src, char *err,
				     size_t errlen);

/*
 * Delete one workload (or all, NULL) with its features. Returns the number
 * of workloads deleted, -ENOENT, -EROFS, -EIO.
 */
SENSOR_EXPORT int sensor_store_reset(sensor_store *s, const char *workload_id);

struct sensor_stored_alert {
	size_t sz;            /* sizeof(struct sensor_stored_alert) */
	uint64_t time;        /* ns since epoch: when it was raised (its last occurrence) */
	const char *workload; /* instance id */
	const char *json;     /* the alert's JSON line (docs/alerts.md) */
};

typedef int (*sensor_stored_alert_fn)(void *userdata, const struct sensor_stored_alert *a);

/*
 * Call fn for every stored alert of one workload (or of all, NULL) raised
 * at since <= time < until (0: unbounded), oldest first. Strings live
 * during the call; a negative return of fn stops and is returned. Returns
 * the number of alerts, or -errno.
 */
SENSOR_EXPORT int sensor_store_alerts(sensor_store *s, const char *workload_id, uint64_t since,
				      uint64_t until, sensor_stored_alert_fn fn, void *userdata);

/* One entry of a workload's timeline: a journaled event or a stored alert. */
struct sensor_journal_entry {
	size_t sz;            /* sizeof(struct sensor_journal_entry) */
	uint64_t time;        /* ns since epoch */
	const char *workload; /* instance id */
	const char *kind;     /* the event's kind ("exec", "file", ...) or "alert" */
	const char *json;     /* the event's JSON (docs/events.md) or the alert's */
};

typedef int (*sensor_journal_fn)(void *userdata, const struct sensor_journal_entry *e);

enum sensor_journal_flags {
	SENSOR_JOURNAL_ALERTS = 1u << 0, /* interleave the stored alerts by time */
};

/*
 * Call fn for every journaled event (SENSOR_BASELINE_JOURNAL) of one
 * workload (or of all, NULL) at since <= time < until (0: unbounded),
 * oldest first; with SENSOR_JOURNAL_ALERTS the stored alerts too, in time
 * order. Strings live during the call; a negative return of fn stops and
 * is returned. Returns the number of entries, or -errno.
 */
SENSOR_EXPORT int sensor_store_journal(sensor_store *s, const char *workload_id, uint64_t since,
				       uint64_t until, uint32_t flags, sensor_journal_fn fn,
				       void *userdata);

enum sensor_diff_op {
	SENSOR_DIFF_ADDED = 1,   /* only in b */
	SENSOR_DIFF_REMOVED = 2, /* only in a */
	SENSOR_DIFF_CHANGED = 3, /* in both, count or profile differ */
	SENSOR__DIFF_FORCE_INT = 0x7fffffff
};

typedef int (*sensor_diff_fn)(void *userdata, enum sensor_diff_op op, const char *workload_id,
			      const char *key, uint64_t count_a, uint64_t count_b);

/*
 * Compare two exports (a -> b), calling fn per differing feature in stable
 * order (workload id, then key); a workload present on one side only is
 * reported through its features. Both documents are validated as imports
 * are. Returns the number of differences, or an import error.
 */
SENSOR_EXPORT int sensor_baseline_diff(const char *a, size_t alen, const char *b, size_t blen,
				       sensor_diff_fn fn, void *userdata, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
