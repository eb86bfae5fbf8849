/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The baseline object shared by its modules (model, lifecycle, score, alerts, store). */
#ifndef SENSOR_BASELINE_BASELINE_H
#define SENSOR_BASELINE_BASELINE_H

#include <libsensor/sensor-baseline.h>

#include "core/context.h"
#include "model/model.h"
#include "journal.h"
#include "enforce.h"

struct ruleset;
struct alerts;
struct sensor_store;
struct store_alert_writer;

/* Scoring thresholds (docs/baseline.md). */
#define SCORE_HOUR_MIN 3     /* a feature seen this often has a meaningful hour profile */
#define SCORE_CLASS_COMMON 5 /* the class saw a feature this often: normal for a new instance */

struct sensor_baseline {
	struct sensor_ctx *ctx;
	struct sensor_source *tsrc; /* timer-only internal source */
	struct sensor_baseline_opts o;
	struct model m;
	struct ruleset *rules;
	struct alerts *alerts;
	struct sensor_store *store;
	struct store_alert_writer *aw; /* the store's alerts, written by its thread (not :memory:) */
	uint64_t store_lost_reported;  /* aw's dropped + failed already emitted as loss events */
	struct journal journal;  /* SENSOR_BASELINE_JOURNAL: events queued for the store */
	struct sensor_baseline_stats stats;
	struct enforcer enf;
	uint64_t last_time;     /* latest "now" the baseline used */
	uint64_t next_decay;    /* next decay sweep, baseline time */
	uint64_t next_flush_mono; /* next store flush and housekeeping, CLOCK_MONOTONIC */
};

/* Without the alert writer (":memory:"): a store transaction follows a queued
 * alert within this long (docs/alerts.md). */
#define ALERT_STORE_DELAY_NS (10ull * 1000000u)

/* Run the baseline's timer no later than `mono` (CLOCK_MONOTONIC ns). */
void bl_wake(struct sensor_baseline *b, uint64_t mono);

/* The baseline's "now" for an event (event time, injected clock or real). */
uint64_t bl_now(struct sensor_baseline *b, const sensor_event *ev);

/* lifecycle.c */
uint32_t lc_instance(struct sensor_baseline *b, const char *id, const char *kind,
		     const char *klass, uint64_t now);
void lc_tick(struct sensor_baseline *b, uint32_t wi, uint64_t now);
int lc_relearn(struct sensor_baseline *b, uint32_t wi, uint64_t now);
uint64_t lc_decay(struct sensor_baseline *b, uint64_t now);
const char *lc_state_name(int state);
int lc_state_from_name(const char *s);

/* score.c: learn or score one feature of ev for instance wi. */
void score_feature(struct sensor_baseline *b, uint32_t wi, uint8_t kind, const char *key,
		   size_t len, const sensor_event *ev, uint64_t now);

/* alerts.c */
struct alert_in {
	enum sensor_severity sev;
	const char *rule;     /* rule id, or NULL */
	const char *reason;   /* baseline reason, or NULL */
	const char *desc;
	const char *tags;     /* the rule's MITRE ATT&CK tags, space-separated, or NULL */
	const char *feature;  /* feature key or "" */
	uint32_t wi;          /* instance model, MODEL_NONE when unknown */
	const sensor_event *ev;
	uint64_t inst_count;  /* the instance's count of the feature before this event */
	uint64_t class_count; /* the class's */
	uint32_t inst_hours;  /* hour buckets the feature was seen in */
};

int alerts_new(struct alerts **ret);
void alerts_free(struct alerts *a);
void alerts_raise(struct sensor_baseline *b, const struct alert_in *in, uint64_t now);
/* Emit aggregates whose window closed and rate-limit reports; forget old entries. */
void alerts_tick(struct sensor_baseline *b, uint64_t now);
/* Release held file alerts whose gathering window is over (cheap; the timer's). */
void alerts_due(struct sensor_baseline *b, uint64_t now);
/* Baseline time the next held alert is due, UINT64_MAX: none. */
uint64_t alerts_next_due(const struct alerts *a);
/* Everything pending goes out now: held alerts, aggregates, rate-limit reports. Returns alerts. */
int alerts_flush_all(struct sensor_baseline *b, uint64_t now);
/* Alerts wait for the store's queue. */
bool alerts_queued(const struct alerts *a);
/* Is a baseline alert about this file feature's path open for instance wi (burst counting)? */
bool alerts_file_open(struct sensor_baseline *b, uint32_t wi, const char *feature, uint64_t now);
/* Queued alert JSON lines for the store: take them (the caller frees each and the array). */
size_t alerts_take_queue(struct alerts *a, char ***ret, uint64_t **times, char ***wls);

#endif
