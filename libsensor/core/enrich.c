/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "context.h"
#include "enrich.h"
#include "identity/proc-cache.h"
#include "identity/workload.h"

static void fill_int(struct sensor_event *ev, enum sensor_field f, int64_t v)
{
	if (!ev_has(ev, f))
		ev_set_int(ev, f, v);
}

void enrich_event(struct sensor_ctx *ctx, struct sensor_event *ev)
{
	struct proc_entry *e;
	int64_t pid;

	if (!ev_has(ev, SENSOR_FIELD_PROCESS_PID))
		return; /* loss, status: no process */
	pid = ev->v[SENSOR_FIELD_PROCESS_PID].i;
	/* Injected events (replay) describe the past: /proc says nothing about them. */
	if (ev->src && ev->src->no_enrich)
		return;
	e = proc_cache_get_at(ctx->procs, (int32_t)pid, (uint64_t)ev->v[SENSOR_FIELD_MONOTONIC].i);
	if (!e)
		return;
	/* A start time given by the source that differs means another process. */
	if (ev_has(ev, SENSOR_FIELD_PROCESS_START) &&
	    (uint64_t)ev->v[SENSOR_FIELD_PROCESS_START].i != e->start)
		return;
	fill_int(ev, SENSOR_FIELD_PROCESS_PPID, e->ppid);
	fill_int(ev, SENSOR_FIELD_PROCESS_UID, e->uid);
	fill_int(ev, SENSOR_FIELD_PROCESS_EUID, e->euid);
	fill_int(ev, SENSOR_FIELD_PROCESS_GID, e->gid);
	fill_int(ev, SENSOR_FIELD_PROCESS_EGID, e->egid);
	fill_int(ev, SENSOR_FIELD_PROCESS_AUID, e->auid);
	fill_int(ev, SENSOR_FIELD_PROCESS_SESSION, e->session);
	fill_int(ev, SENSOR_FIELD_PROCESS_START, (int64_t)e->start);
	/* strings by reference: the entry is immutable and outlives the event */
	if (!ev->pe)
		ev->pe = proc_entry_ref(e);
	if (!ev->wl && e->wl)
		ev->wl = workload_ref(e->wl);
}
