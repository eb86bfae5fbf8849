/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "context.h"
#include "enrich.h"
#include "identity/proc-cache.h"
#include "identity/workload.h"

static void fill_int(struct sensor_event *ev, enum sensor_field f, int64_t v)
{
	if (!ev_has(ev, f))
		ev_set_int(ev, f, v);
}

/*
 * A process with its own root (a container) names files inside it: rules and
 * baselines must see /etc/passwd, not /var/lib/.../rootfs/etc/passwd. The
 * path the host saw is kept in the host_* field. Paths outside the root
 * (bind mounts, the host's own files) are left as they are.
 */
static void container_view(struct sensor_event *ev, const char *root, enum sensor_field f,
			   enum sensor_field host_f)
{
	char buf[4096];
	size_t rl = strlen(root), n;
	const char *s = ev_str(ev, f);

	if (!s || ev_has(ev, host_f))
		return;
	n = strlen(s);
	if (n >= sizeof(buf) || n < rl || memcmp(s, root, rl) != 0 || (s[rl] != '/' && s[rl] != '\0'))
		return;
	memcpy(buf, s, n + 1); /* s points into the arena, which the setters may move */
	if (ev_set_strn(ev, host_f, buf, n) < 0)
		return;
	if (n == rl)
		ev_set_strn(ev, f, "/", 1);
	else
		ev_set_strn(ev, f, buf + rl, n - rl);
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
	if (ev->kind == SENSOR_KIND_FILE) {
		/* the runtime's rootfs (a pivot_root'ed container's /proc/<pid>/root reads
		 * "/" from outside its mount namespace), else a chroot's root */
		const char *root = e->wl && e->wl->rootfs ? e->wl->rootfs : e->root;

		if (root && strcmp(root, "/") != 0) {
			container_view(ev, root, SENSOR_FIELD_FILE_PATH, SENSOR_FIELD_FILE_HOST_PATH);
			container_view(ev, root, SENSOR_FIELD_FILE_TO, SENSOR_FIELD_FILE_HOST_TO);
		}
	}
	if (!ev->wl && e->wl)
		ev->wl = workload_ref(e->wl);
}
