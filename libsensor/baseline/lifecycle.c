/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lifecycle of a workload instance (architecture §5): learning -> monitoring
 * (-> enforcing when asked). Learning ends by itself once min_learn_ns has
 * passed since it started AND no new feature appeared for stable_ns. A
 * class whose instance finished learning is "mature": a new instance of it
 * starts monitoring at once, from the class prior. A class change relearns
 * the instance; features unseen for decay_ns age out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "identity/workload.h"

const char *lc_state_name(int state)
{
	switch (state) {
	case WL_LEARNING:
		return "learning";
	case WL_MONITORING:
		return "monitoring";
	case WL_ENFORCING:
		return "enforcing";
	default:
		return "unknown";
	}
}

int lc_state_from_name(const char *s)
{
	for (int st = WL_LEARNING; st <= WL_ENFORCING; st++)
		if (strcmp(s, lc_state_name(st)) == 0)
			return st;
	return -1;
}

static uint32_t class_of(struct sensor_baseline *b, const char *klass, uint64_t now)
{
	char id[WL_ID_MAX + 8];

	if (!klass || !*klass)
		return MODEL_NONE;
	snprintf(id, sizeof(id), "class:%s", klass);
	return model_wl_get(&b->m, id, "class", klass, now);
}

uint32_t lc_instance(struct sensor_baseline *b, const char *id, const char *kind,
		     const char *klass, uint64_t now)
{
	uint32_t wi = model_wl_find(&b->m, id), ci;
	struct wmodel *w;

	if (wi != MODEL_NONE) {
		w = &b->m.wls[wi];
		w->last_seen = now;
		if (klass && *klass && strcmp(w->klass, klass) != 0) {
			char *nk = strdup(klass);

			if (!nk)
				return wi;
			if (*w->klass) {
				ctx_log(b->ctx, SENSOR_LOG_NOTICE,
					"baseline: %s changed class from '%s' to '%s': relearning", id,
					w->klass, klass);
				lc_relearn(b, wi, now);
			}
			free(w->klass);
			w->klass = nk;
			w->dirty = true;
			w->cls = MODEL_NONE;
		}
		if (w->cls == MODEL_NONE && *w->klass && strcmp(w->klass, id) != 0) {
			ci = class_of(b, w->klass, now);
			b->m.wls[wi].cls = ci; /* model_wl_get may have moved the array */
		}
		return wi;
	}
	/* create the class first: creating may move the array. An instance that
	 * is its own class (the host) has no prior to learn from. */
	ci = klass && strcmp(klass, id) == 0 ? MODEL_NONE : class_of(b, klass, now);
	wi = model_wl_get(&b->m, id, kind, klass, now);
	if (wi == MODEL_NONE)
		return MODEL_NONE;
	w = &b->m.wls[wi];
	w->cls = ci;
	if (ci != MODEL_NONE && b->m.wls[ci].state >= WL_MONITORING) {
		w->state = WL_MONITORING; /* a mature class: start from its prior */
		ctx_log(b->ctx, SENSOR_LOG_INFO,
			"baseline: %s starts monitoring from the prior of class '%s'", id, klass);
	}
	b->stats.workloads++;
	return wi;
}

void lc_tick(struct sensor_baseline *b, uint32_t wi, uint64_t now)
{
	struct wmodel *w = &b->m.wls[wi];

	if (w->state != WL_LEARNING || w->is_class)
		return;
	if (now < w->learn_start || now - w->learn_start < b->o.min_learn_ns)
		return;
	if (now < w->last_new || now - w->last_new < b->o.stable_ns)
		return;
	w->state = WL_MONITORING;
	w->dirty = true;
	ctx_log(b->ctx, SENSOR_LOG_INFO,
		"baseline: %s learned %llu features in %llu s; now monitoring", w->id,
		(unsigned long long)w->nfeat,
		(unsigned long long)((now - w->learn_start) / 1000000000u));
	if (w->cls != MODEL_NONE && b->m.wls[w->cls].state == WL_LEARNING) {
		b->m.wls[w->cls].state = WL_MONITORING;
		b->m.wls[w->cls].dirty = true;
	}
}

int lc_relearn(struct sensor_baseline *b, uint32_t wi, uint64_t now)
{
	struct wmodel *w = &b->m.wls[wi];

	for (uint32_t i = 0; i < b->m.nfeats; i++) {
		struct feat *f = &b->m.feats[i];

		if (f->wl == wi && !(f->flags & FEAT_F_DEAD)) {
			int r = model_feat_remove(&b->m, i);

			if (r < 0)
				return r;
		}
	}
	w->state = WL_LEARNING;
	w->learn_start = w->last_new = now;
	w->burst_n = 0;
	w->burst_alerted = false;
	w->dirty = true;
	return 0;
}

uint64_t lc_decay(struct sensor_baseline *b, uint64_t now)
{
	uint64_t n = 0;

	if (now < b->o.decay_ns)
		return 0;
	for (uint32_t i = 0; i < b->m.nfeats; i++) {
		struct feat *f = &b->m.feats[i];

		if (f->flags & FEAT_F_DEAD || f->last + b->o.decay_ns >= now)
			continue;
		if (model_feat_remove(&b->m, i) == 0)
			n++;
	}
	b->stats.decayed += n;
	return n;
}
