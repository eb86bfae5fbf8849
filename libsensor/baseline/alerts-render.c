/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An alert's JSON (docs/alerts.md) and the public getters of an alert in its callback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "identity/proc-cache.h"

#define CHAIN_MAX 8

struct sensor_alert {
	enum sensor_severity sev;
	const char *rule, *reason, *workload, *feature;
	uint64_t count, suppressed;
	const char *json;
};

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

void alert_give(struct sensor_baseline *b, const struct alert_rec *r, const char *json)
{
	struct sensor_alert pub = {
		.sev = r->sev, .rule = r->rule, .reason = r->reason,
		.workload = r->wl_id ? r->wl_id : "", .feature = r->feature ? r->feature : "",
		.count = r->count, .suppressed = r->suppressed, .json = json,
	};

	if (b->o.alert_fn)
		b->o.alert_fn(b, &pub, b->o.alert_userdata);
}

static const struct {
	const char *name;
	uint32_t bit;
} op_names[] = {
	{ "open", OP_OPEN },	 { "access", OP_ACCESS }, { "write", OP_WRITE },
	{ "create", OP_CREATE }, { "delete", OP_DELETE }, { "rename", OP_RENAME },
	{ "attrib", OP_ATTRIB }, { "other", OP_OTHER },
};

uint32_t alert_op_bit(const char *op, size_t len)
{
	for (size_t i = 0; i + 1 < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strlen(op_names[i].name) == len && memcmp(op_names[i].name, op, len) == 0)
			return op_names[i].bit;
	return OP_OTHER;
}

static void render_held(struct jw *w, const struct alert_budget *bu)
{
	static const char *const origin[ORIGIN__MAX] = { "rule", "baseline" };

	jw_obj_open(w, "suppressed_by");
	for (int o = 0; o < ORIGIN__MAX; o++) {
		bool any = false;

		for (int s = SENSOR_SEVERITY_INFO; s < SEV_SLOTS; s++)
			any |= bu->held[o][s] != 0;
		if (!any)
			continue;
		jw_obj_open(w, origin[o]);
		for (int s = SENSOR_SEVERITY_INFO; s < SEV_SLOTS; s++)
			if (bu->held[o][s])
				jw_kv_u64(w, sensor_severity_name((enum sensor_severity)s),
					  bu->held[o][s]);
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

void alert_render(struct jw *w, const struct alert_rec *r)
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
	if (r->ops) {
		jw_arr_open(w, "ops");
		for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
			if (r->ops & op_names[i].bit)
				jw_item_str(w, op_names[i].name);
		jw_arr_close(w);
	}
	jw_kv_u64(w, "count", r->count);
	jw_kv_time(w, "first", r->first);
	jw_kv_time(w, "last", r->last);
	if (r->suppressed)
		jw_kv_u64(w, "suppressed", r->suppressed);
	if (r->budget)
		render_held(w, r->budget);
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

void alert_render_process(struct jw *w, struct sensor_baseline *b, const sensor_event *ev)
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

void alert_render_baseline(struct jw *w, struct sensor_baseline *b, const struct alert_in *in,
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
