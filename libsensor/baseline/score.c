/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Learning and scoring of one feature (architecture §5). While an instance learns,
 * every feature is added to its model and to its class prior. Once it
 * monitors, a feature gives a reason when it is:
 *  - never seen: not in the instance, and the class never showed it
 *    (new_exec, new_edge, new_file, new_peer, new_listen, new_syscall,
 *    new_identity; severity per kind);
 *  - rare in the class: not in the instance, and the class saw it fewer than
 *    SCORE_CLASS_COMMON times (rare_in_class, low);
 *  - never seen at this hour of the week: known, seen at least
 *    SCORE_HOUR_MIN times, never in this hour-of-week bucket nor in the
 *    one before or after it (unusual_hour, medium);
 *  - one of a burst: burst_count new features within burst_window_ns
 *    (burst, high; once per window).
 * A feature first seen while monitoring is kept unapproved: it keeps its
 * counts but stays anomalous (deduplicated) until the instance relearns or
 * an import approves it. A feature the class saw commonly is approved for
 * the instance without an alert: that is the class prior at work.
 */
#include <string.h>

#include "baseline.h"
#include "model/features.h"

static const struct {
	const char *reason;
	enum sensor_severity sev;
	const char *desc;
} kinds[FEAT__MAX] = {
	[FEAT_EXEC] = { "new_exec", SENSOR_SEVERITY_HIGH, "an executable this workload never ran" },
	[FEAT_EDGE] = { "new_edge", SENSOR_SEVERITY_MEDIUM, "a parent started a child it never started" },
	[FEAT_FILE] = { "new_file", SENSOR_SEVERITY_MEDIUM, "a file access this workload never made" },
	[FEAT_NET] = { "new_peer", SENSOR_SEVERITY_MEDIUM, "a network peer or port this workload never used" },
	[FEAT_LISTEN] = { "new_listen", SENSOR_SEVERITY_HIGH, "a port this workload never listened on" },
	[FEAT_SYSCALL] = { "new_syscall", SENSOR_SEVERITY_MEDIUM, "a syscall this workload never made" },
	[FEAT_IDENTITY] = { "new_identity", SENSOR_SEVERITY_HIGH, "an identity change this workload never made" },
	[FEAT_BINARY] = { "new_binary", SENSOR_SEVERITY_HIGH,
			  "an executable file content at a path this workload never ran (new, "
			  "renamed, copied, linked or modified)" },
};

static uint32_t hours_seen(const struct feat *f)
{
	return model_hours_seen(f);
}

/* Count an approved observation into the class prior too. */
static void class_observe(struct sensor_baseline *b, uint32_t ci, uint8_t kind, const char *key,
			  size_t len, uint64_t now)
{
	uint64_t h;
	uint32_t fi;

	if (ci == MODEL_NONE)
		return;
	h = model_hash(ci, key, len);
	fi = model_feat_find(&b->m, ci, key, len, h);
	if (fi == MODEL_NONE) {
		fi = model_feat_add(&b->m, ci, key, len, h, kind, FEAT_F_APPROVED);
		if (fi == MODEL_NONE)
			return;
		b->m.wls[ci].last_new = now;
		b->m.wls[ci].dirty = true;
	}
	model_feat_observe(&b->m, fi, now);
}

static void raise_reason(struct sensor_baseline *b, uint32_t wi, enum sensor_severity sev,
		  const char *reason, const char *desc, const char *key, const sensor_event *ev,
		  const struct feat *fi, uint64_t class_count, uint64_t now)
{
	struct alert_in in = { .sev = sev, .reason = reason, .desc = desc, .feature = key,
			       .wi = wi, .ev = ev, .class_count = class_count };

	if (fi) {
		in.inst_count = fi->count;
		in.inst_hours = hours_seen(fi);
	}
	alerts_raise(b, &in, now);
}

void score_feature(struct sensor_baseline *b, uint32_t wi, uint8_t kind, const char *key,
		   size_t len, const sensor_event *ev, uint64_t now)
{
	struct model *m = &b->m;
	uint64_t h = model_hash(wi, key, len), class_count = 0;
	uint32_t fi = model_feat_find(m, wi, key, len, h), ci = m->wls[wi].cls, cfi;
	struct wmodel *w;

	b->stats.observations++;
	if (m->wls[wi].state == WL_LEARNING) {
		if (fi == MODEL_NONE) {
			fi = model_feat_add(m, wi, key, len, h, kind, FEAT_F_APPROVED);
			if (fi == MODEL_NONE)
				return;
			m->wls[wi].last_new = now;
			m->wls[wi].dirty = true;
		} else if (!(m->feats[fi].flags & FEAT_F_APPROVED)) {
			m->feats[fi].flags |= FEAT_F_APPROVED;
			m->wls[wi].last_new = now;
		}
		model_feat_observe(m, fi, now);
		class_observe(b, ci, kind, key, len, now);
		return;
	}

	if (fi != MODEL_NONE && (m->feats[fi].flags & FEAT_F_APPROVED)) {
		struct feat *f = &m->feats[fi];

		unsigned how = hour_of_week(now);

		/* never within an hour of this hour of the week (the neighbours
		 * smooth the edges of the learning window) */
		if (f->count >= SCORE_HOUR_MIN && model_hour_count(f, how) == 0 &&
		    model_hour_count(f, (how + 1) % HOURS_OF_WEEK) == 0 &&
		    model_hour_count(f, (how + HOURS_OF_WEEK - 1) % HOURS_OF_WEEK) == 0)
			raise_reason(b, wi, SENSOR_SEVERITY_MEDIUM, "unusual_hour",
			      "a known behaviour at an hour of the week it never happened", key, ev,
			      f, 0, now);
		model_feat_observe(m, fi, now);
		class_observe(b, ci, kind, key, len, now);
		return;
	}

	if (ci != MODEL_NONE) {
		cfi = model_feat_find(m, ci, key, len, model_hash(ci, key, len));
		if (cfi != MODEL_NONE)
			class_count = m->feats[cfi].count;
	}
	if (class_count >= SCORE_CLASS_COMMON) {
		/* normal for the class: the prior approves it for this instance */
		if (fi == MODEL_NONE)
			fi = model_feat_add(m, wi, key, len, h, kind, FEAT_F_APPROVED);
		if (fi == MODEL_NONE)
			return;
		m->feats[fi].flags |= FEAT_F_APPROVED;
		model_feat_observe(m, fi, now);
		class_observe(b, ci, kind, key, len, now);
		return;
	}
	if (fi == MODEL_NONE) {
		fi = model_feat_add(m, wi, key, len, h, kind, 0);
		if (fi == MODEL_NONE)
			return;
		w = &m->wls[wi];
		w->last_new = now;
		w->dirty = true;
		if (now < w->burst_start || now - w->burst_start >= b->o.burst_window_ns) {
			w->burst_start = now;
			w->burst_n = 0;
			w->burst_alerted = false;
		}
		/* a file's other ops while its alert is open are the same behaviour */
		if (kind != FEAT_FILE || !alerts_file_open(b, wi, key, now))
			w->burst_n++;
		if (w->burst_n >= b->o.burst_count && !w->burst_alerted) {
			w->burst_alerted = true;
			raise_reason(b, wi, SENSOR_SEVERITY_HIGH, "burst",
			      "a burst of behaviour this workload never showed", "", ev, NULL, 0, now);
		}
	}
	if (class_count > 0)
		raise_reason(b, wi, SENSOR_SEVERITY_LOW, "rare_in_class",
		      "a behaviour this instance never showed and its class rarely did", key, ev,
		      &m->feats[fi], class_count, now);
	else
		raise_reason(b, wi, kind < FEAT__MAX && kinds[kind].reason ? kinds[kind].sev : SENSOR_SEVERITY_MEDIUM,
		      kind < FEAT__MAX && kinds[kind].reason ? kinds[kind].reason : "new_feature",
		      kind < FEAT__MAX && kinds[kind].reason ? kinds[kind].desc : "a new behaviour",
		      key, ev, &m->feats[fi], 0, now);
	model_feat_observe(m, fi, now);
}
