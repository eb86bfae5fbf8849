/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The baseline stage: attach to a context, run on every event (rules,
 * features, learn/score, lifecycle), and a timer on the context's loop that
 * closes alert windows, moves instances along their lifecycle, ages
 * features out and flushes to the store in one batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "baseline.h"
#include "detect/rules.h"
#include "model/features.h"
#include "store/store.h"
#include "util/opts.h"

#define DECAY_PERIOD_NS (60ull * 1000000000u)

uint64_t bl_now(struct sensor_baseline *b, const sensor_event *ev)
{
	uint64_t t;

	if (ev && (b->o.flags & SENSOR_BASELINE_EVENT_TIME))
		t = sensor_event_time(ev);
	else if (!ev && (b->o.flags & SENSOR_BASELINE_EVENT_TIME))
		t = b->last_time;
	else if (b->o.clock_fn)
		t = b->o.clock_fn(b->o.clock_userdata);
	else
		t = now_real();
	if (t > b->last_time)
		b->last_time = t;
	return t;
}

static const char *str_or_host(const char *id)
{
	return id && *id ? id : "host";
}

static void on_rule(void *ud, const struct rule *r, const sensor_event *ev)
{
	void **args = ud;
	int *severe = args[4];
	struct sensor_baseline *b = args[0];
	uint32_t wi = *(uint32_t *)args[1];
	uint64_t now = *(uint64_t *)args[2];
	const char *subject = args[3];
	struct alert_in in = { .sev = (enum sensor_severity)r->severity, .rule = r->id,
			       .desc = r->desc, .tags = r->tags, .feature = subject, .wi = wi, .ev = ev };

	if (r->severity >= SENSOR_SEVERITY_HIGH)
		(*severe)++;
	alerts_raise(b, &in, now);
}

/* 1: every feature is approved for wi; 0: one is not. */
static int features_known(struct sensor_baseline *b, uint32_t wi, const struct feat_set *fs)
{
	for (int i = 0; i < fs->n; i++) {
		uint32_t fi = model_feat_find(&b->m, wi, fs->f[i].key, fs->f[i].len,
					      model_hash(wi, fs->f[i].key, fs->f[i].len));

		if (fi == MODEL_NONE || !(b->m.feats[fi].flags & FEAT_F_APPROVED))
			return 0;
	}
	return 1;
}

static void bl_stage(struct sensor_ctx *ctx, struct sensor_event *ev, void *ud)
{
	struct sensor_baseline *b = ud;
	enum sensor_kind kind = sensor_event_kind(ev);
	const char *id, *wkind, *klass;
	struct feat_set fs;
	uint64_t now;
	uint32_t wi;
	void *args[5];
	int severe = 0;

	(void)ctx;
	b->stats.events++;
	if (kind == SENSOR_KIND_LOSS || kind == SENSOR_KIND_STATUS) {
		/* at its own time, without moving the baseline's clock: in a replay the
		 * sensor's own loss events carry today's time, the log's events another */
		if ((b->o.flags & SENSOR_BASELINE_JOURNAL) && journal_wants(ev))
			journal_add(&b->journal, ev, "", sensor_event_time(ev));
		return;
	}
	now = bl_now(b, ev);
	{
		int64_t rt = 0, sec = 0, internal = 0;

		/* the runtime's setup of a container is not the workload's, and an exec
		 * another source reports in full counts once: neither learned, scored
		 * nor matched against the rules (docs/baseline.md); journaled */
		sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_RUNTIME, &rt);
		if (kind == SENSOR_KIND_FILE)
			sensor_event_get_int(ev, SENSOR_FIELD_FILE_INTERNAL, &internal);
		if (kind == SENSOR_KIND_EXEC)
			sensor_event_get_int(ev, SENSOR_FIELD_EXEC_SECONDARY, &sec);
		/* a held event still gets its instance's verdict below */
		if ((rt || sec || internal) && sensor_event_is_pending(ev) != 1) {
			if ((b->o.flags & SENSOR_BASELINE_JOURNAL) && journal_wants(ev))
				journal_add(&b->journal, ev,
					    str_or_host(sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID)),
					    now);
			return;
		}
	}
	{
		bool inbound;

		/* a packet of a container's queue: the container is its workload */
		enf_net_claim(b, ev, &inbound);
	}
	id = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID);
	wkind = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_KIND);
	klass = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_CLASS);
	if (!id || !*id)
		id = "host";
	wi = lc_instance(b, id, wkind ? wkind : (strcmp(id, "host") == 0 ? "host" : ""),
			 klass ? klass : "", now);
	/* A rule alert is about the event's first feature: its dedup subject. */
	features_from_event(ev, &fs);
	args[0] = b;
	args[1] = &wi;
	args[2] = &now;
	args[3] = fs.n ? fs.f[0].key : "";
	args[4] = &severe;
	rules_match(b->rules, ev, on_rule, args);
	enf_observe(b, wi, ev, &fs);
	if (wi == MODEL_NONE) { /* no room for another instance: no model, still a journal */
		enf_answer(b, wi, ev, &fs, severe);
		if ((b->o.flags & SENSOR_BASELINE_JOURNAL) && journal_wants(ev))
			journal_add(&b->journal, ev, id, now);
		return;
	}
	/* decided on the model as it was before this event taught it anything */
	enf_answer(b, wi, ev, &fs, severe);
	for (int i = 0; i < fs.n; i++)
		if (b->m.wls[wi].state != WL_ENFORCING || enf_feature_decides(ev, fs.f[i].key))
			score_feature(b, wi, fs.f[i].kind, fs.f[i].key, fs.f[i].len, ev, now);
	lc_tick(b, wi, now);
	/* after enforcement, so that the journal holds the verdict */
	if ((b->o.flags & SENSOR_BASELINE_JOURNAL) && journal_wants(ev))
		journal_add(&b->journal, ev, id, now);
}

/* Write the queued journal rows; what could not be kept is counted and is a loss event. */
static void flush_journal(struct sensor_baseline *b)
{
	struct journal_row *rows;
	uint64_t dropped, age = b->o.journal_max_age_ns;
	size_t n = journal_take(&b->journal, &rows, &dropped);

	if (n) {
		int r = store_journal_write(b->store, rows, n,
					    b->last_time > age ? b->last_time - age : 0,
					    b->o.journal_max_rows);

		if (r < 0) {
			ctx_log(b->ctx, SENSOR_LOG_ERR, "baseline: journal write failed: %s",
				strerror(-r));
			dropped += n;
		} else {
			b->stats.journaled += n;
		}
	}
	journal_rows_free(rows, n);
	if (dropped) {
		b->stats.journal_dropped += dropped;
		if (b->tsrc)
			ctx_emit_loss(b->tsrc, dropped, "baseline journal: events not kept");
	}
}

/* What the alert writer could not keep becomes a loss event (and a flush error). */
static int check_alert_writer(struct sensor_baseline *b, bool drain)
{
	struct store_alert_writer_stats ws;
	uint64_t lost;
	int r = 0;

	if (!b->aw)
		return 0;
	if (drain)
		r = store_alert_writer_drain(b->aw);
	store_alert_writer_get_stats(b->aw, &ws);
	lost = ws.dropped + ws.failed;
	if (lost > b->store_lost_reported) {
		char what[160];

		snprintf(what, sizeof(what), "baseline store: alerts not kept (%s)",
			 ws.failed > 0 ? strerror(-ws.last_err) : "queue full");
		b->stats.flush_errors += lost - b->store_lost_reported;
		if (b->tsrc)
			ctx_emit_loss(b->tsrc, lost - b->store_lost_reported, what);
		b->store_lost_reported = lost;
	}
	return r;
}

/* drain: also wait until the alert writer committed what was queued (flush calls, stop). */
static int do_flush(struct sensor_baseline *b, bool drain)
{
	char **q, **qwl;
	uint64_t *qt;
	size_t nq;
	int r = 0, r2;

	nq = alerts_take_queue(b->alerts, &q, &qt, &qwl);
	if (b->store) {
		struct timespec t0, t1;
		uint64_t ns;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = store_flush(b->store, &b->m, q, qt, qwl, nq);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
		     (uint64_t)t0.tv_nsec;
		b->stats.flush_ns_total += ns;
		if (ns > b->stats.flush_ns_max)
			b->stats.flush_ns_max = ns;
		b->stats.flushes++;
		if (r < 0) {
			b->stats.flush_errors++;
			ctx_log(b->ctx, SENSOR_LOG_ERR, "baseline: flush failed: %s (will retry)",
				strerror(-r));
		} else {
			b->stats.rows_flushed += (uint64_t)r;
		}
	}
	if (b->store && (b->o.flags & SENSOR_BASELINE_JOURNAL))
		flush_journal(b);
	r2 = check_alert_writer(b, drain);
	if (r2 < 0 && r >= 0)
		r = r2;
	if (b->m.capped > b->m.capped_reported) {
		uint64_t n = b->m.capped - b->m.capped_reported;
		char what[128];

		b->m.capped_reported = b->m.capped;
		b->stats.features_capped += n;
		snprintf(what, sizeof(what),
			 "baseline: a workload reached its cap of %llu features; new ones not learned",
			 (unsigned long long)b->m.max_feat_per_wl);
		if (b->tsrc)
			ctx_emit_loss(b->tsrc, n, what);
	}
	for (size_t i = 0; i < nq; i++) {
		free(q[i]);
		free(qwl[i]);
	}
	free(q);
	free(qwl);
	free(qt);
	return r;
}

static void housekeeping(struct sensor_baseline *b, uint64_t now)
{
	alerts_tick(b, now);
	enf_net_tick(b);
	for (uint32_t wi = 0; wi < b->m.nwls; wi++)
		lc_tick(b, wi, now);
	if (now >= b->next_decay) {
		lc_decay(b, now);
		b->next_decay = now + DECAY_PERIOD_NS;
	}
}

static int bl_timer(struct sensor_source *src, uint64_t mono);

/* Arm the timer at the next store flush, held alert or wake-up asked meanwhile. */
static void bl_rearm(struct sensor_baseline *b, uint64_t mono)
{
	uint64_t at = b->next_flush_mono, due = alerts_next_due(b->alerts);

	if (due != UINT64_MAX && !(b->o.flags & SENSOR_BASELINE_EVENT_TIME)) {
		uint64_t now = bl_now(b, NULL);

		if (mono + (due > now ? due - now : 0) < at)
			at = mono + (due > now ? due - now : 0);
	}
	if (b->tsrc->timer_at < at) /* bl_wake() during this call */
		at = b->tsrc->timer_at;
	ctx_source_timer(b->tsrc, at, bl_timer);
}

void bl_wake(struct sensor_baseline *b, uint64_t mono)
{
	if (b->tsrc && mono < b->tsrc->timer_at)
		ctx_source_timer(b->tsrc, mono, bl_timer);
}

static int bl_timer(struct sensor_source *src, uint64_t mono)
{
	struct sensor_baseline *b = src->priv;

	if (mono >= b->next_flush_mono) {
		housekeeping(b, bl_now(b, NULL));
		do_flush(b, false);
		b->next_flush_mono = mono + b->o.flush_interval_ns;
	} else {
		/* a held alert is due, or alerts wait for the store */
		alerts_due(b, bl_now(b, NULL));
		if (alerts_queued(b->alerts))
			do_flush(b, false);
	}
	bl_rearm(b, mono);
	return 0;
}

static int timer_src_start(struct sensor_source *src, const void *opts)
{
	(void)src;
	(void)opts;
	return 0;
}

/* An internal source with no fd: it only owns the baseline's timer. */
static const struct source_ops baseline_timer_ops = {
	.type = SENSOR_SOURCE_NONE,
	.compiled = true,
	.single = true,
	.start = timer_src_start,
};

int sensor_baseline_flush(sensor_baseline *b)
{
	if (!b)
		return -EINVAL;
	housekeeping(b, bl_now(b, NULL));
	return do_flush(b, true);
}

int sensor_baseline_flush_alerts(sensor_baseline *b, uint32_t flags)
{
	uint64_t now;
	int n, r;

	if (!b || flags)
		return -EINVAL;
	now = bl_now(b, NULL);
	housekeeping(b, now); /* windows that closed first, as their own aggregates */
	n = alerts_flush_all(b, now);
	r = do_flush(b, true);
	return r < 0 ? r : n;
}

static int load_rules(struct sensor_baseline *b, const char *path, const char *dir)
{
	char err[512] = "";
	int r;

	if (!path && !dir && (b->o.flags & SENSOR_BASELINE_NO_DEFAULT_RULES))
		return 0;
	r = rules_load(path, dir, !(b->o.flags & SENSOR_BASELINE_NO_DEFAULT_RULES), &b->rules, err,
		       sizeof(err));
	if (r < 0)
		ctx_log(b->ctx, SENSOR_LOG_ERR, "baseline: rules: %s", err[0] ? err : strerror(-r));
	return r == -E2BIG ? -EBADMSG : r;
}

int sensor_baseline_set_rules(sensor_baseline *b, const struct sensor_rules_opts *opts)
{
	struct sensor_rules_opts o = { 0 };
	struct ruleset *rs;
	char err[512] = "";
	int r;

	if (!b || !opts)
		return -EINVAL;
	r = OPTS_COPY(&o, opts, struct sensor_rules_opts, errlen);
	if (r < 0)
		return r;
	if (o.flags & ~(uint32_t)SENSOR_RULES_NO_DEFAULTS)
		return -EINVAL;
	r = rules_load(o.path, o.dir, !(o.flags & SENSOR_RULES_NO_DEFAULTS), &rs, err, sizeof(err));
	if (r < 0) {
		ctx_log(b->ctx, SENSOR_LOG_ERR, "baseline: rules not reloaded, the old rules stay: %s",
			err[0] ? err : strerror(-r));
		if (o.err && o.errlen)
			snprintf(o.err, o.errlen, "%s", err[0] ? err : strerror(-r));
		return r;
	}
	/* the loop thread is the only reader: the old set is not in use here */
	rules_free(b->rules);
	b->rules = rs;
	return (int)rs->n;
}

int sensor_baseline_attach(sensor_ctx *ctx, const struct sensor_baseline_opts *opts,
			   sensor_baseline **ret)
{
	struct sensor_baseline *b;
	struct sensor_baseline_opts o = { 0 };
	int r;

	if (!ctx || !ret)
		return -EINVAL;
	r = OPTS_COPY(&o, opts, struct sensor_baseline_opts, enforce_timeout_ns);
	if (r < 0)
		return r;
	if (o.flags & ~(uint32_t)(SENSOR_BASELINE_EVENT_TIME | SENSOR_BASELINE_NO_DEFAULT_RULES |
				  SENSOR_BASELINE_JOURNAL))
		return -EINVAL;
	if (o.enforce_flags & ~(uint32_t)(SENSOR_ENFORCE_DRY_RUN | SENSOR_ENFORCE_FAIL_CLOSED |
					  SENSOR_ENFORCE_NO_EXEC | SENSOR_ENFORCE_NO_FILES |
					  SENSOR_ENFORCE_LEARN_HELD | SENSOR_ENFORCE_NO_NET))
		return -EINVAL;
	if ((o.flags & SENSOR_BASELINE_JOURNAL) && !o.db_path)
		return -EINVAL; /* the journal lives in the store */
	if (!o.mode)
		o.mode = SENSOR_BASELINE_LEARN;
	if (o.mode != SENSOR_BASELINE_LEARN && o.mode != SENSOR_BASELINE_MONITOR &&
	    o.mode != SENSOR_BASELINE_ENFORCE)
		return -EINVAL;
	for (unsigned i = 0; i < ctx->nstages; i++)
		if (ctx->stages[i].fn == bl_stage)
			return -EEXIST;
#define DFLT(f, v) if (!o.f) o.f = (v)
	DFLT(min_learn_ns, 24ull * 3600 * 1000000000u);
	DFLT(stable_ns, 2ull * 3600 * 1000000000u);
	DFLT(decay_ns, 30ull * 24 * 3600 * 1000000000u);
	DFLT(flush_interval_ns, 5ull * 1000000000u);
	DFLT(dedup_window_ns, 60ull * 1000000000u);
	DFLT(rate_window_ns, 60ull * 1000000000u);
	DFLT(rate_limit, 20);
	DFLT(burst_count, 10);
	DFLT(burst_window_ns, 60ull * 1000000000u);
	DFLT(journal_max_age_ns, 7ull * 24 * 3600 * 1000000000u);
	DFLT(journal_max_rows, 1000000);
	DFLT(file_window_ns, 500ull * 1000000u);
	DFLT(max_features_per_workload, 100000);
	DFLT(enforce_timeout_ns, 2000000000ull);
#undef DFLT
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->ctx = ctx;
	b->o = o;
	b->o.db_path = b->o.rules_path = b->o.rules_dir = NULL; /* not kept: the caller's strings */
	b->stats.sz = sizeof(b->stats);
	r = model_init(&b->m);
	if (r < 0)
		goto fail;
	r = alerts_new(&b->alerts);
	if (r < 0)
		goto fail;
	r = load_rules(b, o.rules_path, o.rules_dir);
	if (r < 0)
		goto fail;
	if (o.db_path) {
		r = store_open(o.db_path, false, &b->store);
		if (r < 0) {
			/* the caller gets the errno and says it (once); debug only here */
			ctx_log(ctx, SENSOR_LOG_DEBUG, "baseline: cannot open %s: %s", o.db_path,
				strerror(-r));
			goto fail;
		}
		r = store_load(b->store, &b->m);
		if (r < 0)
			goto fail;
		/* an in-memory database has one connection: its alerts go in the flush */
		if (strcmp(o.db_path, ":memory:") != 0) {
			r = store_alert_writer_open(o.db_path, 0, &b->aw);
			if (r < 0)
				goto fail;
		}
		if (o.mode != SENSOR_BASELINE_LEARN)
			for (uint32_t i = 0; i < b->m.nwls; i++) {
				struct wmodel *w = &b->m.wls[i];
				uint8_t want = o.mode == SENSOR_BASELINE_ENFORCE && !w->is_class
						       ? WL_ENFORCING
						       : WL_MONITORING;

				if (w->nfeat && w->state != want) {
					w->state = want;
					w->dirty = true;
				}
			}
		/* link instances to their class priors */
		for (uint32_t i = 0; i < b->m.nwls; i++) {
			char id[300];

			if (b->m.wls[i].is_class || !*b->m.wls[i].klass)
				continue;
			snprintf(id, sizeof(id), "class:%s", b->m.wls[i].klass);
			b->m.wls[i].cls = model_wl_find(&b->m, id);
		}
		b->stats.workloads = b->m.nwls;
	}
	/* from here on (what the store held was loaded whole) */
	b->m.max_feat_per_wl = o.max_features_per_workload;
	r = ctx_source_add_ops(ctx, &baseline_timer_ops, NULL, &b->tsrc);
	if (r < 0)
		goto fail;
	b->tsrc->priv = b;
	b->tsrc->no_enrich = true;
	b->next_flush_mono = now_mono() + b->o.flush_interval_ns;
	ctx_source_timer(b->tsrc, b->next_flush_mono, bl_timer);
	r = ctx_add_stage(ctx, bl_stage, b);
	if (r < 0)
		goto fail;
	if (o.mode == SENSOR_BASELINE_ENFORCE || (o.enforce_flags & SENSOR_ENFORCE_LEARN_HELD))
		enf_start(b); /* not fatal: logged, and the held events of other sources still answered */
	*ret = b;
	return 0;
fail:
	if (b->tsrc)
		sensor_source_remove(b->tsrc);
	b->tsrc = NULL;
	sensor_baseline_free(b);
	return r;
}

sensor_baseline *sensor_baseline_free(sensor_baseline *b)
{
	if (!b)
		return NULL;
	enf_free(b); /* first: its held events get their default while the stage still runs */
	if (b->tsrc) {
		ctx_remove_stage(b->ctx, bl_stage, b);
		sensor_baseline_flush_alerts(b, 0); /* every pending alert, then the store */
		sensor_source_remove(b->tsrc);
	}
	store_alert_writer_close(b->aw, NULL); /* drained by the flush above */
	store_close(b->store);
	journal_free(&b->journal);
	rules_free(b->rules);
	alerts_free(b->alerts);
	model_release(&b->m);
	free(b);
	return NULL;
}

int sensor_baseline_relearn(sensor_baseline *b, const char *workload_id)
{
	uint64_t now;
	int n = 0;

	if (!b)
		return -EINVAL;
	now = bl_now(b, NULL);
	for (uint32_t wi = 0; wi < b->m.nwls; wi++) {
		if (b->m.wls[wi].is_class)
			continue;
		if (workload_id && strcmp(b->m.wls[wi].id, workload_id) != 0)
			continue;
		if (lc_relearn(b, wi, now) == 0)
			n++;
	}
	return workload_id && !n ? -ENOENT : n;
}

int sensor_baseline_set_state(sensor_baseline *b, const char *workload_id,
			      enum sensor_baseline_state state)
{
	uint32_t wi;

	if (!b || !workload_id || state < SENSOR_BASELINE_STATE_LEARNING ||
	    state > SENSOR_BASELINE_STATE_ENFORCING)
		return -EINVAL;
	wi = model_wl_find(&b->m, workload_id);
	if (wi == MODEL_NONE)
		return -ENOENT;
	if (state == SENSOR_BASELINE_STATE_LEARNING)
		return lc_relearn(b, wi, bl_now(b, NULL));
	if (state == SENSOR_BASELINE_STATE_ENFORCING && !b->m.wls[wi].is_class)
		enf_start(b);
	b->m.wls[wi].state = (uint8_t)state;
	b->m.wls[wi].dirty = true;
	return 0;
}

int sensor_baseline_check(sensor_baseline *b, const sensor_event *ev)
{
	const char *id;
	struct feat_set fs;
	uint32_t wi;

	if (!b || !ev)
		return -EINVAL;
	id = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID);
	wi = model_wl_find(&b->m, id && *id ? id : "host");
	if (wi == MODEL_NONE)
		return -ENOENT;
	if (b->m.wls[wi].state == WL_LEARNING)
		return -EAGAIN;
	features_from_event(ev, &fs);
	return features_known(b, wi, &fs);
}

int sensor_baseline_get_state(sensor_baseline *b, const char *workload_id)
{
	uint32_t wi;

	if (!b || !workload_id)
		return -EINVAL;
	wi = model_wl_find(&b->m, workload_id);
	return wi == MODEL_NONE ? -ENOENT : b->m.wls[wi].state;
}

int sensor_baseline_get_stats(sensor_baseline *b, struct sensor_baseline_stats *st)
{
	struct sensor_baseline_stats s;

	if (!b || !st)
		return -EINVAL;
	s = b->stats;
	s.features = b->m.live;
	s.workloads = b->m.nwls;
	return OPTS_FILL(st, &s, struct sensor_baseline_stats, enforced_would_deny);
}
