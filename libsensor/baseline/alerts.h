/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Alerts' internals shared by alerts.c (series, budgets, emission) and alerts-render.c (JSON). */
#ifndef SENSOR_BASELINE_ALERTS_H
#define SENSOR_BASELINE_ALERTS_H

#include <stdint.h>

#include "baseline.h"
#include "util/jw.h"

/* Who raised an alert: each has its own rate budgets (docs/alerts.md, "Rate limits"). */
enum alert_origin { ORIGIN_RULE = 0, ORIGIN_BASELINE = 1, ORIGIN__MAX };
#define SEV_SLOTS (SENSOR_SEVERITY_CRITICAL + 1)

/* Rate budget of one workload instance in the current window. */
struct alert_budget {
	uint64_t start;                             /* window start, baseline time */
	uint32_t used[ORIGIN__MAX][SEV_SLOTS];      /* alerts let through */
	uint64_t held[ORIGIN__MAX][SEV_SLOTS];      /* occurrences held back */
	uint64_t held_total;
};

/* File operations an alert stands for (its "ops" list). */
enum {
	OP_OPEN = 1u << 0,
	OP_ACCESS = 1u << 1,
	OP_WRITE = 1u << 2,
	OP_CREATE = 1u << 3,
	OP_DELETE = 1u << 4,
	OP_RENAME = 1u << 5,
	OP_ATTRIB = 1u << 6,
	OP_OTHER = 1u << 7,
};

/* Everything an alert's JSON is made of; strings are borrowed. */
struct alert_rec {
	char id[40];
	enum sensor_severity sev;
	const char *rule, *reason, *desc, *feature;
	const char *tags; /* the rule's MITRE ATT&CK tags, space-separated, or NULL */
	uint64_t count, first, last, suppressed;
	uint32_t ops;                      /* OP_* of a file alert, 0: none */
	const struct alert_budget *budget; /* rate_limited: what was held back, by origin/severity */
	const char *wl_kind, *wl_id, *wl_class;
	const char *process;  /* JSON object text or NULL */
	const char *evidence; /* JSON object text of one event or NULL */
	const char *baseline; /* JSON object text or NULL */
};

/* alerts-render.c */
void alert_render(struct jw *w, const struct alert_rec *r);
void alert_render_process(struct jw *w, struct sensor_baseline *b, const sensor_event *ev);
void alert_render_baseline(struct jw *w, struct sensor_baseline *b, const struct alert_in *in,
			   uint64_t now);
/* Give a rendered alert (json) to the embedder's callback. */
void alert_give(struct sensor_baseline *b, const struct alert_rec *r, const char *json);
/* OP_* bit of a file op name ("open", "write", ...). */
uint32_t alert_op_bit(const char *op, size_t len);

/* Run a jw renderer into a malloc'd string (two passes); out is NULL on ENOMEM. */
#define RENDER_ALLOC(out, fn, ...)                                        \
	do {                                                              \
		struct jw w_;                                             \
		size_t n_;                                                \
		jw_init(&w_, NULL, 0);                                    \
		fn(&w_, __VA_ARGS__);                                     \
		n_ = jw_finish(&w_);                                      \
		(out) = malloc(n_ + 1);                                   \
		if (out) {                                                \
			jw_init(&w_, (out), n_ + 1);                      \
			fn(&w_, __VA_ARGS__);                             \
			jw_finish(&w_);                                   \
		}                                                         \
	} while (0)

#endif
