/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Alerts (architecture §6, docs/alerts.md). Every alert is built once with its
 * evidence, process chain and baseline context and given to every sink the
 * moment it is raised. Occurrences of one behaviour form a series (same
 * workload, rule or reason, subject): the first goes out at once; repeats
 * within the dedup window fold into one aggregate (count, first, last)
 * that goes out when the window closes or at any flush of pending alerts
 * (sensor_baseline_flush_alerts(), sensor_baseline_free()).
 *
 * A file's operations are one subject: "file:<op>:<path>" features of one
 * path share a series and the alert lists the ops. A baseline alert about a
 * file waits file_window_ns to gather the ops of the write, create or
 * delete it is part of, then goes out as one alert (threat-rule alerts
 * never wait).
 *
 * Rate budgets per workload, per origin (threat rule or baseline) and per
 * severity: baseline noise never spends a rule's budget, medium never a
 * high's. What a budget holds back is counted and reported by one
 * rate_limited alert when its window closes or pending alerts are flushed.
 * Nothing is dropped silently.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "store/store.h"

#define BUCKETS 1024
#define QUEUE_MAX 65536
#define SUBJECT_MAX 1100
#define SEEN_MAX 8
#define SAME_OCCURRENCE_NS 1000000000ull

struct series {
	uint64_t hash;
	struct series *next;          /* bucket chain */
	struct series *hprev, *hnext; /* held list */
	char *key;                    /* wl NUL name NUL subject */
	size_t keylen;
	uint32_t wi;
	uint8_t origin;
	bool held;       /* a baseline file alert gathering ops until hold_end */
	bool suppressed; /* its alert was held back: repeats count there too */
	uint64_t window_end, hold_end;
	uint64_t pending, first, last; /* repeats since the alert went out */
	uint32_t pending_ops;
	/* the latest occurrences: one seen by two sources (fanotify and audit
	 * both report an open) is one occurrence */
	struct {
		const void *src;
		int32_t pid;
		bool matched;
		uint64_t t;
	} seen[SEEN_MAX];
	uint8_t seen_next;
	struct alert_rec rec; /* the series' alert (count and ops while held) */
	char *strs;           /* one allocation holding rec's strings */
};

struct alerts {
	struct series *b[BUCKETS];
	struct series *held_head, *held_tail;
	uint64_t seq;
	struct alert_budget *budget; /* per instance index */
	uint32_t nbudget;
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

static void series_free(struct series *d)
{
	if (!d)
		return;
	free(d->key);
	free(d->strs);
	free(d);
}

void alerts_free(struct alerts *a)
{
	if (!a)
		return;
	for (int i = 0; i < BUCKETS; i++)
		while (a->b[i]) {
			struct series *d = a->b[i];

			a->b[i] = d->next;
			series_free(d);
		}
	for (size_t i = 0; i < a->nq; i++) {
		free(a->q[i]);
		free(a->qwl[i]);
	}
	free(a->q);
	free(a->qwl);
	free(a->qt);
	free(a->budget);
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

bool alerts_queued(const struct alerts *a)
{
	return a->nq != 0;
}

uint64_t alerts_next_due(const struct alerts *a)
{
	uint64_t due = UINT64_MAX;

	for (const struct series *d = a->held_head; d; d = d->hnext)
		if (d->hold_end < due)
			due = d->hold_end;
	return due;
}

/* ---- emission ------------------------------------------------------------ */

static void queue_for_store(struct sensor_baseline *b, const char *json, const char *wl,
			    uint64_t t)
{
	struct alerts *a = b->alerts;

	if (!b->store)
		return;
	if (b->aw) {
		/* the writer thread commits it now; a refusal is counted there and
		 * becomes a loss event at the next flush */
		store_alert_writer_put(b->aw, json, wl, t);
		return;
	}
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
	/* the store is a sink too: its transaction follows within a few ms */
	bl_wake(b, now_mono() + ALERT_STORE_DELAY_NS);
}

static void deliver(struct sensor_baseline *b, const struct alert_rec *r)
{
	char *json;

	RENDER_ALLOC(json, alert_render, r);
	if (!json)
		return;
	b->stats.alerts++;
	queue_for_store(b, json, r->wl_id ? r->wl_id : "", r->last);
	alert_give(b, r, json);
	free(json);
}

/* ---- rate budgets -------------------------------------------------------- */

static struct alert_budget *budget_of(struct sensor_baseline *b, uint32_t wi)
{
	struct alerts *a = b->alerts;

	if (wi >= a->nbudget) {
		uint32_t n = wi + 16;
		struct alert_budget *nb = realloc(a->budget, n * sizeof(*nb));

		if (!nb)
			return NULL; /* no budget: nothing is held back */
		memset(nb + a->nbudget, 0, (n - a->nbudget) * sizeof(*nb));
		a->budget = nb;
		a->nbudget = n;
	}
	return &a->budget[wi];
}

/* One rate_limited alert reporting what the budgets of wi held back; the counts restart. */
static void report_held(struct sensor_baseline *b, uint32_t wi, struct alert_budget *bu,
			uint64_t now)
{
	const struct wmodel *wm = &b->m.wls[wi];
	struct alert_rec r = { .sev = SENSOR_SEVERITY_INFO, .reason = "rate_limited",
			       .desc = "alerts of this workload were held back by the rate limit",
			       .count = 1, .first = bu->start, .last = now,
			       .suppressed = bu->held_total, .budget = bu, .wl_kind = wm->kind,
			       .wl_id = wm->id, .wl_class = wm->klass };

	if (!bu->held_total)
		return;
	for (int o = 0; o < ORIGIN__MAX; o++)
		for (int s = SENSOR_SEVERITY_INFO; s < SEV_SLOTS; s++)
			if (bu->held[o][s] && s > (int)r.sev)
				r.sev = (enum sensor_severity)s;
	snprintf(r.id, sizeof(r.id), "rl-%llu", (unsigned long long)++b->alerts->seq);
	deliver(b, &r);
	memset(bu->held, 0, sizeof(bu->held));
	bu->held_total = 0;
}

static void budget_roll(struct sensor_baseline *b, uint32_t wi, struct alert_budget *bu,
			uint64_t now)
{
	if (now >= bu->start && now - bu->start < b->o.rate_window_ns)
		return;
	report_held(b, wi, bu, now);
	memset(bu, 0, sizeof(*bu));
	bu->start = now;
}

/* Count n occurrences of (origin, sev) as held back. */
static void budget_hold(struct sensor_baseline *b, uint32_t wi, int origin,
			enum sensor_severity sev, uint64_t n, uint64_t now)
{
	struct alert_budget *bu;

	if (wi == MODEL_NONE || !n || !(bu = budget_of(b, wi)))
		return;
	budget_roll(b, wi, bu, now);
	bu->held[origin][sev] += n;
	bu->held_total += n;
	b->stats.suppressed += n;
}

/* May an alert of (origin, sev) of instance wi go out now? A "no" is counted. */
static bool budget_take(struct sensor_baseline *b, uint32_t wi, int origin,
			enum sensor_severity sev, uint64_t now)
{
	struct alert_budget *bu;

	if (wi == MODEL_NONE || !(bu = budget_of(b, wi)))
		return true;
	budget_roll(b, wi, bu, now);
	if (bu->used[origin][sev] >= b->o.rate_limit) {
		bu->held[origin][sev]++;
		bu->held_total++;
		b->stats.suppressed++;
		return false;
	}
	bu->used[origin][sev]++;
	return true;
}

/* ---- series -------------------------------------------------------------- */

static uint64_t key_hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
	return h;
}

/* Copy rec's strings into one allocation owned by d. */
static int keep_rec(struct series *d, const struct alert_rec *r)
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
		size_t n;

		if (!src[i]) {
			*dst[i] = NULL;
			continue;
		}
		n = strlen(src[i]) + 1;
		memcpy(d->strs + off, src[i], n);
		*dst[i] = d->strs + off;
		off += n;
	}
	return 0;
}

static void held_unlink(struct alerts *a, struct series *d)
{
	if (d->hprev)
		d->hprev->hnext = d->hnext;
	else
		a->held_head = d->hnext;
	if (d->hnext)
		d->hnext->hprev = d->hprev;
	else
		a->held_tail = d->hprev;
	d->hprev = d->hnext = NULL;
	d->held = false;
}

static void next_id(struct sensor_baseline *b, struct series *d, struct alert_rec *r)
{
	snprintf(r->id, sizeof(r->id), "%016llx-%llu", (unsigned long long)d->hash,
		 (unsigned long long)++b->alerts->seq);
}

/* A held file alert has gathered its ops: it goes out (or is held back, all of it). */
static void release_hold(struct sensor_baseline *b, struct series *d, uint64_t now)
{
	held_unlink(b->alerts, d);
	next_id(b, d, &d->rec);
	if (budget_take(b, d->wi, d->origin, d->rec.sev, now)) {
		deliver(b, &d->rec);
	} else {
		d->suppressed = true;
		budget_hold(b, d->wi, d->origin, d->rec.sev, d->rec.count - 1, now);
	}
}

/* The repeats folded since the series' alert went out, as one aggregate. */
static void emit_aggregate(struct sensor_baseline *b, struct series *d)
{
	struct alert_rec r = d->rec;

	if (!d->pending)
		return;
	r.count = d->pending;
	r.first = d->first;
	r.last = d->last;
	r.ops = d->pending_ops;
	next_id(b, d, &r);
	d->pending = 0;
	d->pending_ops = 0;
	/* not rate-limited: one per series and window, and the series' own alert
	 * was let through (a held-back series counts its repeats as held back) */
	deliver(b, &r);
}

/* Write out whatever the series holds; it stays open. */
static void series_flush(struct sensor_baseline *b, struct series *d, uint64_t now)
{
	if (d->held)
		release_hold(b, d, now);
	emit_aggregate(b, d);
}

static void release_due_holds(struct sensor_baseline *b, uint64_t now)
{
	struct series *d = b->alerts->held_head, *n;

	for (; d; d = n) {
		n = d->hnext;
		if (d->hold_end <= now)
			release_hold(b, d, now);
	}
}

void alerts_due(struct sensor_baseline *b, uint64_t now)
{
	release_due_holds(b, now);
}

/* "file:<op>:<path>" -> its op bit, and the subject "file:<path>" in subj. */
static uint32_t file_subject(const char *feature, char *subj, size_t cap, size_t *sl)
{
	const char *op = feature + 5, *c;

	if (strncmp(feature, "file:", 5) != 0 || !(c = strchr(op, ':')))
		return 0;
	*sl = (size_t)snprintf(subj, cap, "file:%s", c + 1);
	if (*sl >= cap)
		*sl = cap - 1;
	return alert_op_bit(op, (size_t)(c - op));
}

/* Build the series key wl NUL name NUL subject into k (cap bytes); its length, 0 if too long. */
static size_t make_key(char *k, size_t cap, const char *wl, const char *name, const char *subj,
		       size_t sl)
{
	size_t wll = strlen(wl), nl = strlen(name), n = wll + 1 + nl + 1 + sl;

	if (n > cap)
		return 0;
	memcpy(k, wl, wll + 1);
	memcpy(k + wll + 1, name, nl + 1);
	memcpy(k + wll + 1 + nl + 1, subj, sl);
	return n;
}

static struct series **series_find(struct alerts *a, uint64_t h, const char *k, size_t kl)
{
	struct series **pd = &a->b[h % BUCKETS];

	for (; *pd; pd = &(*pd)->next)
		if ((*pd)->hash == h && (*pd)->keylen == kl && memcmp((*pd)->key, k, kl) == 0)
			break;
	return pd;
}

bool alerts_file_open(struct sensor_baseline *b, uint32_t wi, const char *feature, uint64_t now)
{
	static const char *const reasons[] = { "new_file", "rare_in_class" };
	char subj[SUBJECT_MAX], k[SUBJECT_MAX + 400];
	size_t sl = 0, kl;

	if (wi == MODEL_NONE || !file_subject(feature, subj, sizeof(subj), &sl))
		return false;
	for (size_t i = 0; i < 2; i++) {
		struct series *d;

		kl = make_key(k, sizeof(k), b->m.wls[wi].id, reasons[i], subj, sl);
		if (!kl)
			return false;
		d = *series_find(b->alerts, key_hash(k, kl), k, kl);
		if (d && now < d->window_end)
			return true;
	}
	return false;
}

/*
 * Is this the same occurrence as one already counted, seen by another
 * source (same process, within a second, not matched yet)? Otherwise it is
 * remembered as a new one.
 */
static bool same_occurrence(struct series *d, const sensor_event *ev, uint64_t now)
{
	int64_t pid = 0;
	const void *src = ev ? (const void *)ev->src : NULL;

	if (!src || sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) < 0 || pid <= 0)
		return false;
	for (int i = 0; i < SEEN_MAX; i++) {
		uint64_t t = d->seen[i].t;

		if (d->seen[i].src && d->seen[i].src != src && d->seen[i].pid == pid &&
		    !d->seen[i].matched &&
		    (now > t ? now - t : t - now) < SAME_OCCURRENCE_NS) {
			d->seen[i].matched = true;
			return true;
		}
	}
	d->seen[d->seen_next].src = src;
	d->seen[d->seen_next].pid = (int32_t)pid;
	d->seen[d->seen_next].matched = false;
	d->seen[d->seen_next].t = now;
	d->seen_next = (uint8_t)((d->seen_next + 1) % SEEN_MAX);
	return false;
}

static struct series *series_new(uint64_t h, const char *k, size_t kl, uint32_t wi, int origin,
				 const struct alert_rec *r)
{
	struct series *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->key = malloc(kl);
	if (!d->key || keep_rec(d, r) < 0) {
		series_free(d);
		return NULL;
	}
	memcpy(d->key, k, kl);
	d->keylen = kl;
	d->hash = h;
	d->wi = wi;
	d->origin = (uint8_t)origin;
	return d;
}

void alerts_raise(struct sensor_baseline *b, const struct alert_in *in, uint64_t now)
{
	struct alerts *a = b->alerts;
	const struct wmodel *wm = in->wi != MODEL_NONE ? &b->m.wls[in->wi] : NULL;
	const char *wl = wm ? wm->id : "";
	const char *name = in->rule ? in->rule : in->reason;
	const char *feature = in->feature ? in->feature : "";
	int origin = in->rule ? ORIGIN_RULE : ORIGIN_BASELINE;
	char subj[SUBJECT_MAX], k[SUBJECT_MAX + 400];
	const char *sp = feature;
	size_t sl = strlen(feature), kl;
	uint32_t op = file_subject(feature, subj, sizeof(subj), &sl);
	struct series **pd = NULL, *d = NULL;
	struct alert_rec r = { 0 };
	char *process = NULL, *evidence = NULL, *baseline = NULL;
	uint64_t h = 0;
	bool hold;

	if (op)
		sp = subj;
	else
		sl = strlen(feature);
	release_due_holds(b, now);
	kl = make_key(k, sizeof(k), wl, name, sp, sl);
	if (kl) {
		h = key_hash(k, kl);
		pd = series_find(a, h, k, kl);
		d = *pd;
	}
	if (d && now < d->window_end) {
		if (same_occurrence(d, in->ev, now))
			return;
		if (d->held) { /* one more op of the file the held alert is about */
			d->rec.count++;
			d->rec.ops |= op;
			d->rec.last = now;
			b->stats.deduplicated++;
		} else if (d->suppressed) {
			budget_hold(b, d->wi, d->origin, d->rec.sev, 1, now);
		} else {
			if (!d->pending)
				d->first = now;
			d->pending++;
			d->last = now;
			d->pending_ops |= op;
			b->stats.deduplicated++;
		}
		return;
	}
	if (d) { /* the old series' window closed: out with it, a new one starts */
		series_flush(b, d, now);
		*pd = d->next;
		series_free(d);
		d = NULL;
	}

	r.sev = in->sev;
	r.rule = in->rule;
	r.reason = in->reason;
	r.desc = in->desc;
	r.tags = in->tags;
	r.feature = in->feature;
	r.count = 1;
	r.ops = op;
	r.first = r.last = now;
	r.wl_kind = wm ? wm->kind : sensor_event_get_str(in->ev, SENSOR_FIELD_WORKLOAD_KIND);
	r.wl_id = wl;
	r.wl_class = wm ? wm->klass : "";
	if (in->ev) {
		int n = sensor_event_to_json(in->ev, NULL, 0);

		RENDER_ALLOC(process, alert_render_process, b, in->ev);
		if (n >= 0 && (evidence = malloc((size_t)n + 1)))
			sensor_event_to_json(in->ev, evidence, (size_t)n + 1);
	}
	if (wm)
		RENDER_ALLOC(baseline, alert_render_baseline, b, in, now);
	r.process = process;
	r.evidence = evidence;
	r.baseline = baseline;
	if (kl && (d = series_new(h, k, kl, in->wi, origin, &r))) {
		d->next = *pd;
		*pd = d;
		d->window_end = now + b->o.dedup_window_ns;
		same_occurrence(d, in->ev, now);
	}
	hold = d && op && origin == ORIGIN_BASELINE && b->o.file_window_ns;
	if (hold) {
		d->held = true;
		d->hold_end = now + b->o.file_window_ns;
		d->hprev = a->held_tail;
		if (a->held_tail)
			a->held_tail->hnext = d;
		else
			a->held_head = d;
		a->held_tail = d;
		if (!(b->o.flags & SENSOR_BASELINE_EVENT_TIME))
			bl_wake(b, now_mono() + b->o.file_window_ns);
	} else {
		snprintf(r.id, sizeof(r.id), "%016llx-%llu", (unsigned long long)h,
			 (unsigned long long)++a->seq);
		if (budget_take(b, in->wi, origin, in->sev, now))
			deliver(b, &r);
		else if (d)
			d->suppressed = true;
	}
	free(process);
	free(evidence);
	free(baseline);
}

void alerts_tick(struct sensor_baseline *b, uint64_t now)
{
	struct alerts *a = b->alerts;

	release_due_holds(b, now);
	for (int i = 0; i < BUCKETS; i++) {
		struct series **pd = &a->b[i];

		while (*pd) {
			struct series *d = *pd;

			if (now >= d->window_end) {
				series_flush(b, d, now);
				*pd = d->next;
				series_free(d);
				continue;
			}
			pd = &d->next;
		}
	}
	for (uint32_t wi = 0; wi < a->nbudget && wi < b->m.nwls; wi++)
		if (a->budget[wi].held_total)
			budget_roll(b, wi, &a->budget[wi], now);
}

int alerts_flush_all(struct sensor_baseline *b, uint64_t now)
{
	struct alerts *a = b->alerts;
	uint64_t before = b->stats.alerts;

	while (a->held_head)
		release_hold(b, a->held_head, now);
	for (int i = 0; i < BUCKETS; i++)
		for (struct series *d = a->b[i]; d; d = d->next)
			emit_aggregate(b, d);
	for (uint32_t wi = 0; wi < a->nbudget && wi < b->m.nwls; wi++)
		report_held(b, wi, &a->budget[wi], now);
	return (int)(b->stats.alerts - before);
}
