/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Alerts (DESIGN §6): built once with their evidence, process chain and
 * baseline context; duplicates within the dedup window are folded into one
 * aggregate (count, first, last) emitted when the window closes; a
 * per-workload rate limit holds back the excess and reports how many were
 * held back when its window closes. Nothing is dropped silently.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "identity/proc-cache.h"
#include "util/jw.h"

#define DEDUP_BUCKETS 1024
#define CHAIN_MAX 8
#define QUEUE_MAX 65536

struct sensor_alert {
	enum sensor_severity sev;
	const char *rule, *reason, *workload, *feature;
	uint64_t count, suppressed;
	const char *json;
};

/* Everything an alert's JSON is made of; strings are borrowed. */
struct alert_rec {
	char id[40];
	enum sensor_severity sev;
	const char *rule, *reason, *desc, *feature;
	const char *tags; /* the rule's, space-separated, or NULL */
	uint64_t count, first, last, suppressed;
	const char *wl_kind, *wl_id, *wl_class;
	const char *process;  /* JSON object text or NULL */
	const char *evidence; /* JSON object text of one event or NULL */
	const char *baseline; /* JSON object text or NULL */
};

struct dedup {
	uint64_t hash;
	struct dedup *next;
	char *wl;             /* workload id */
	uint32_t wi;
	uint64_t window_end;
	uint64_t pending, first, last; /* duplicates since the alert went out */
	/* the aggregate's body, copied from the first duplicate */
	struct alert_rec rec;
	char *strs;           /* one allocation holding rec's strings */
};

struct alerts {
	struct dedup *b[DEDUP_BUCKETS];
	uint64_t seq;
	char **q;
	char **qwl;
	uint64_t *qt;
	size_t nq, capq;
};

int alerts_new(struct alerts **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

static void dedup_free(struct dedup *d)
{
	free(d->wl);
	free(d->strs);
	free(d);
}

void alerts_free(struct alerts *a)
{
	if (!a)
		return;
	for (int i = 0; i < DEDUP_BUCKETS; i++)
		while (a->b[i]) {
			struct dedup *d = a->b[i];

			a->b[i] = d->next;
			dedup_free(d);
		}
	for (size_t i = 0; i < a->nq; i++) {
		free(a->q[i]);
		free(a->qwl[i]);
	}
	free(a->q);
	free(a->qwl);
	free(a->qt);
	free(a);
}

size_t alerts_take_queue(struct alerts *a, char ***ret, uint64_t **times, char ***wls)
{
	size_t n = a->nq;

	*ret = a->q;
	*times = a->qt;
	*wls = a->qwl;
	a->q = NULL;
	a->qt = NULL;
	a->qwl = NULL;
	a->nq = a->capq = 0;
	return n;
}

const char *sensor_severity_name(enum sensor_severity s)
{
	static const char *const names[] = { NULL, "info", "low", "medium", "high", "critical" };

	return s >= SENSOR_SEVERITY_INFO && s <= SENSOR_SEVERITY_CRITICAL ? names[s] : NULL;
}

enum sensor_severity sensor_alert_severity(const sensor_alert *a)
{
	return a ? a->sev : 0;
}

const char *sensor_alert_rule(const sensor_alert *a)
{
	return a ? a->rule : NULL;
}

const char *sensor_alert_reason(const sensor_alert *a)
{
	return a ? a->reason : NULL;
}

const char *sensor_alert_workload(const sensor_alert *a)
{
	return a ? a->workload : NULL;
}

const char *sensor_alert_feature(const sensor_alert *a)
{
	return a ? a->feature : NULL;
}

uint64_t sensor_alert_count(const sensor_alert *a)
{
	return a ? a->count : 0;
}

uint64_t sensor_alert_suppressed(const sensor_alert *a)
{
	return a ? a->suppressed : 0;
}

const char *sensor_alert_json(const sensor_alert *a)
{
	return a ? a->json : NULL;
}

/* ---- rendering ----------------------------------------------------------- */

static void render(struct jw *w, const struct alert_rec *r)
{
	jw_obj_open(w, NULL);
	jw_obj_open(w, "alert");
	jw_kv_str(w, "id", r->id);
	jw_kv_str(w, "severity", sensor_severity_name(r->sev));
	if (r->rule)
		jw_kv_str(w, "rule", r->rule);
	if (r->reason)
		jw_kv_str(w, "reason", r->reason);
	if (r->desc)
		jw_kv_str(w, "description", r->desc);
	if (r->tags) {
		jw_arr_open(w, "tags");
		for (const char *t = r->tags; *t;) {
			size_t n = strcspn(t, " ");

			jw_key(w, NULL);
			jw_str(w, t, n);
			t += n + (t[n] == ' ');
		}
		jw_arr_close(w);
	}
	if (r->feature && *r->feature)
		jw_kv_str(w, "feature", r->feature);
	jw_kv_u64(w, "count", r->count);
	jw_kv_time(w, "first", r->first);
	jw_kv_time(w, "last", r->last);
	if (r->suppressed)
		jw_kv_u64(w, "suppressed", r->suppressed);
	jw_obj_close(w);
	jw_obj_open(w, "workload");
	jw_kv_str(w, "kind", r->wl_kind ? r->wl_kind : "");
	jw_kv_str(w, "id", r->wl_id ? r->wl_id : "");
	jw_kv_str(w, "class", r->wl_class ? r->wl_class : "");
	jw_obj_close(w);
	if (r->process) {
		jw_key(w, "process");
		jw_raw(w, r->process, strlen(r->process));
	}
	jw_arr_open(w, "evidence");
	if (r->evidence) {
		jw_key(w, NULL);
		jw_raw(w, r->evidence, strlen(r->evidence));
	}
	jw_arr_close(w);
	if (r->baseline) {
		jw_key(w, "baseline");
		jw_raw(w, r->baseline, strlen(r->baseline));
	}
	jw_obj_close(w);
}

/* Run a jw renderer into a malloc'd string (two passes). */
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

static void render_process(struct jw *w, struct sensor_baseline *b, const sensor_event *ev)
{
	int64_t pid = 0, ppid = 0, v;
	const char *s;

	jw_obj_open(w, NULL);
	if (sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) == 0)
		jw_kv_i64(w, "pid", pid);
	if (sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PPID, &ppid) == 0)
		jw_kv_i64(w, "ppid", ppid);
	if (sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_UID, &v) == 0)
		jw_kv_i64(w, "uid", v);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_COMM)))
		jw_kv_str(w, "comm", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_EXE)))
		jw_kv_str(w, "exe", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_CMDLINE)))
		jw_kv_str(w, "cmdline", s);
	/* The chain: the parent from the event, then ancestors from the process
	 * cache for live events (replayed ones describe processes long gone). */
	jw_arr_open(w, "chain");
	s = sensor_event_kind(ev) == SENSOR_KIND_EXEC
		    ? sensor_event_get_str(ev, SENSOR_FIELD_EXEC_PARENT_EXE)
		    : NULL;
	if (ppid > 0 || s) {
		jw_obj_open(w, NULL);
		if (ppid > 0)
			jw_kv_i64(w, "pid", ppid);
		if (s)
			jw_kv_str(w, "exe", s);
		jw_obj_close(w);
	}
	if (ppid > 1 && ev->src && !ev->src->no_enrich && b->ctx->procs) {
		int32_t cur = (int32_t)ppid;

		for (int depth = 0; depth < CHAIN_MAX && cur > 1; depth++) {
			struct proc_entry *pe = proc_cache_get(b->ctx->procs, cur);

			if (!pe || pe->ppid <= 0)
				break;
			cur = pe->ppid;
			pe = proc_cache_get(b->ctx->procs, cur);
			if (!pe)
				break;
			jw_obj_open(w, NULL);
			jw_kv_i64(w, "pid", pe->pid);
			if (pe->exe)
				jw_kv_str(w, "exe", pe->exe);
			jw_kv_str(w, "comm", pe->comm);
			jw_obj_close(w);
		}
	}
	jw_arr_close(w);
	jw_obj_close(w);
}

static void render_baseline(struct jw *w, struct sensor_baseline *b, const struct alert_in *in,
			    uint64_t now)
{
	const struct wmodel *wm = &b->m.wls[in->wi];

	jw_obj_open(w, NULL);
	jw_kv_str(w, "state", lc_state_name(wm->state));
	jw_kv_u64(w, "learned_s", now > wm->learn_start ? (now - wm->learn_start) / 1000000000u : 0);
	jw_kv_u64(w, "features", wm->nfeat);
	if (in->feature && *in->feature) {
		jw_kv_u64(w, "instance_count", in->inst_count);
		jw_kv_u64(w, "instance_hours_seen", in->inst_hours);
		jw_kv_u64(w, "class_count", in->class_count);
		jw_kv_u64(w, "hour_of_week", hour_of_week(now));
	}
	jw_obj_close(w);
}

/* ---- emission ------------------------------------------------------------ */

static void queue_for_store(struct sensor_baseline *b, const char *json, const char *wl,
			    uint64_t t)
{
	struct alerts *a = b->alerts;

	if (!b->store)
		return;
	if (a->nq >= QUEUE_MAX) {
		b->stats.flush_errors++; /* counted: the store is behind, the callback had it */
		return;
	}
	if (a->nq == a->capq) {
		size_t cap = a->capq ? a->capq * 2 : 64;
		char **q = realloc(a->q, cap * sizeof(*q)), **qw;
		uint64_t *qt;

		if (!q)
			return;
		a->q = q;
		qw = realloc(a->qwl, cap * sizeof(*qw));
		if (!qw)
			return;
		a->qwl = qw;
		qt = realloc(a->qt, cap * sizeof(*qt));
		if (!qt)
			return;
		a->qt = qt;
		a->capq = cap;
	}
	a->q[a->nq] = strdup(json);
	a->qwl[a->nq] = strdup(wl);
	if (!a->q[a->nq] || !a->qwl[a->nq]) {
		free(a->q[a->nq]);
		free(a->qwl[a->nq]);
		return;
	}
	a->qt[a->nq++] = t;
}

static void deliver(struct sensor_baseline *b, const struct alert_rec *r)
{
	struct sensor_alert pub;
	char *json;

	RENDER_ALLOC(json, render, r);
	if (!json)
		return;
	pub.sev = r->sev;
	pub.rule = r->rule;
	pub.reason = r->reason;
	pub.workload = r->wl_id ? r->wl_id : "";
	pub.feature = r->feature ? r->feature : "";
	pub.count = r->count;
	pub.suppressed = r->suppressed;
	pub.json = json;
	b->stats.alerts++;
	queue_for_store(b, json, pub.workload, r->last);
	if (b->o.alert_fn)
		b->o.alert_fn(b, &pub, b->o.alert_userdata);
	free(json);
}

/* Rate limit per workload; reports held-back alerts when a window closes. */
static void rl_roll(struct sensor_baseline *b, uint32_t wi, uint64_t now)
{
	struct wmodel *wm = &b->m.wls[wi];

	if (now - wm->rl_start < b->o.rate_window_ns && now >= wm->rl_start)
		return;
	if (wm->rl_suppressed) {
		struct alert_rec r = { .sev = SENSOR_SEVERITY_MEDIUM, .reason = "rate_limited",
				       .desc = "alerts of this workload were held back by the rate limit",
				       .count = 1, .first = wm->rl_start, .last = now,
				       .suppressed = wm->rl_suppressed, .wl_kind = wm->kind,
				       .wl_id = wm->id, .wl_class = wm->klass };

		snprintf(r.id, sizeof(r.id), "rl-%llu", (unsigned long long)++b->alerts->seq);
		deliver(b, &r);
	}
	wm->rl_start = now;
	wm->rl_count = 0;
	wm->rl_suppressed = 0;
}

static bool rl_allow(struct sensor_baseline *b, uint32_t wi, uint64_t now)
{
	struct wmodel *wm;

	if (wi == MODEL_NONE)
		return true;
	rl_roll(b, wi, now);
	wm = &b->m.wls[wi];
	if (wm->rl_count >= b->o.rate_limit) {
		wm->rl_suppressed++;
		b->stats.suppressed++;
		return false;
	}
	wm->rl_count++;
	return true;
}

static uint64_t dedup_hash(const char *wl, const char *name, const char *feature)
{
	uint64_t h = model_hash(1, wl, strlen(wl));

	h ^= model_hash(2, name, strlen(name)) * 31;
	h ^= model_hash(3, feature, strlen(feature)) * 131;
	return h;
}

/* Copy rec's strings into one allocation owned by d. */
static int keep_rec(struct dedup *d, const struct alert_rec *r)
{
	const char *src[] = { r->rule, r->reason, r->desc, r->feature, r->wl_kind,
			      r->wl_id, r->wl_class, r->process, r->evidence, r->baseline,
			      r->tags };
	const char **dst[] = { &d->rec.rule, &d->rec.reason, &d->rec.desc, &d->rec.feature,
			       &d->rec.wl_kind, &d->rec.wl_id, &d->rec.wl_class,
			       &d->rec.process, &d->rec.evidence, &d->rec.baseline,
			       &d->rec.tags };
	size_t total = 0, off = 0;

	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		total += src[i] ? strlen(src[i]) + 1 : 0;
	d->rec = *r;
	d->strs = malloc(total ? total : 1);
	if (!d->strs)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		if (!src[i]) {
			*dst[i] = NULL;
			continue;
		}
		memcpy(d->strs + off, src[i], strlen(src[i]) + 1);
		*dst[i] = d->strs + off;
		off += strlen(src[i]) + 1;
	}
	return 0;
}

static void flush_dedup(struct sensor_baseline *b, struct dedup *d, uint64_t now)
{
	if (!d->pending)
		return;
	d->rec.count = d->pending;
	d->rec.first = d->first;
	d->rec.last = d->last;
	snprintf(d->rec.id, sizeof(d->rec.id), "%016llx-%llu", (unsigned long long)d->hash,
		 (unsigned long long)++b->alerts->seq);
	d->pending = 0;
	if (rl_allow(b, d->wi, now))
		deliver(b, &d->rec);
}

void alerts_raise(struct sensor_baseline *b, const struct alert_in *in, uint64_t now)
{
	struct alerts *a = b->alerts;
	const struct wmodel *wm = in->wi != MODEL_NONE ? &b->m.wls[in->wi] : NULL;
	const char *wl = wm ? wm->id : "";
	const char *name = in->rule ? in->rule : in->reason;
	uint64_t h = dedup_hash(wl, name, in->feature ? in->feature : "");
	struct dedup **pd = &a->b[h % DEDUP_BUCKETS], *d;
	struct alert_rec r = { 0 };
	char *process = NULL, *evidence = NULL, *baseline = NULL;

	for (d = *pd; d; d = d->next)
		if (d->hash == h && strcmp(d->wl, wl) == 0 &&
		    strcmp(d->rec.rule ? d->rec.rule : d->rec.reason, name) == 0 &&
		    strcmp(d->rec.feature ? d->rec.feature : "", in->feature ? in->feature : "") == 0)
			break;
	if (d && now < d->window_end) {
		/* a duplicate: fold it into the aggregate */
		if (!d->pending)
			d->first = now;
		d->pending++;
		d->last = now;
		b->stats.deduplicated++;
		return;
	}
	if (d)
		flush_dedup(b, d, now);

	r.sev = in->sev;
	r.rule = in->rule;
	r.reason = in->reason;
	r.desc = in->desc;
	r.tags = in->tags;
	r.feature = in->feature;
	r.count = 1;
	r.first = r.last = now;
	r.wl_kind = wm ? wm->kind : sensor_event_get_str(in->ev, SENSOR_FIELD_WORKLOAD_KIND);
	r.wl_id = wl;
	r.wl_class = wm ? wm->klass : "";
	if (in->ev) {
		int n = sensor_event_to_json(in->ev, NULL, 0);

		RENDER_ALLOC(process, render_process, b, in->ev);
		if (n >= 0 && (evidence = malloc((size_t)n + 1)))
			sensor_event_to_json(in->ev, evidence, (size_t)n + 1);
	}
	if (wm)
		RENDER_ALLOC(baseline, render_baseline, b, in, now);
	r.process = process;
	r.evidence = evidence;
	r.baseline = baseline;
	snprintf(r.id, sizeof(r.id), "%016llx-%llu", (unsigned long long)h,
		 (unsigned long long)++a->seq);

	if (!d) {
		d = calloc(1, sizeof(*d));
		if (d && (!(d->wl = strdup(wl)) || keep_rec(d, &r) < 0)) {
			dedup_free(d);
			d = NULL;
		}
		if (d) {
			d->hash = h;
			d->wi = in->wi;
			d->next = *pd;
			*pd = d;
		}
	}
	if (d)
		d->window_end = now + b->o.dedup_window_ns;
	if (rl_allow(b, in->wi, now))
		deliver(b, &r);
	free(process);
	free(evidence);
	free(baseline);
}

void alerts_tick(struct sensor_baseline *b, uint64_t now)
{
	struct alerts *a = b->alerts;

	for (int i = 0; i < DEDUP_BUCKETS; i++) {
		struct dedup **pd = &a->b[i];

		while (*pd) {
			struct dedup *d = *pd;

			if (now >= d->window_end) {
				flush_dedup(b, d, now);
				*pd = d->next;
				dedup_free(d);
				continue;
			}
			pd = &d->next;
		}
	}
	for (uint32_t wi = 0; wi < b->m.nwls; wi++)
		if (b->m.wls[wi].rl_suppressed)
			rl_roll(b, wi, now);
}
