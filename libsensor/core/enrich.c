/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "context.h"
#include "enrich.h"
#include "identity/exec-path.h"
#include "identity/proc-cache.h"
#include "identity/workload.h"

#define FBIT(f) (UINT64_C(1) << (f))
/* the integer fields enrichment fills; all in the first word of the bitmap */
#define FILL_MASK                                                                              \
	(FBIT(SENSOR_FIELD_PROCESS_PPID) | FBIT(SENSOR_FIELD_PROCESS_UID) |                    \
	 FBIT(SENSOR_FIELD_PROCESS_EUID) | FBIT(SENSOR_FIELD_PROCESS_GID) |                    \
	 FBIT(SENSOR_FIELD_PROCESS_EGID) | FBIT(SENSOR_FIELD_PROCESS_AUID) |                   \
	 FBIT(SENSOR_FIELD_PROCESS_SESSION) | FBIT(SENSOR_FIELD_PROCESS_START))
_Static_assert(SENSOR_FIELD_PROCESS_PPID < 64 && SENSOR_FIELD_PROCESS_UID < 64 &&
		       SENSOR_FIELD_PROCESS_EUID < 64 && SENSOR_FIELD_PROCESS_GID < 64 &&
		       SENSOR_FIELD_PROCESS_EGID < 64 && SENSOR_FIELD_PROCESS_AUID < 64 &&
		       SENSOR_FIELD_PROCESS_SESSION < 64 && SENSOR_FIELD_PROCESS_START < 64,
	       "FILL_MASK covers the first bitmap word only");

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
static bool under(const char *s, size_t n, const char *root, size_t rl)
{
	return rl > 0 && n >= rl && memcmp(s, root, rl) == 0 && (s[rl] == '/' || s[rl] == '\0');
}

/*
 * The root a host path s is under: the rootfs itself, or one of its
 * overlay layers (upper first, '\n'-separated): fanotify reports the backing
 * file of an overlay, in the upper dir once the container wrote it, in a
 * lower (image) dir before. Its length in *rl, or NULL.
 */
static const char *root_of(const char *s, size_t n, const char *root, const char *layers,
			   size_t *rl, bool *internal)
{
	*rl = strlen(root);
	*internal = false;
	if (under(s, n, root, *rl))
		return root;
	for (const char *l = layers; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t ll = nl ? (size_t)(nl - l) : strlen(l);
		char mark = l[0] == '+' || l[0] == '!' ? l[0] : 0;

		if (ll > (mark ? 1u : 0u) && under(s, n, l + (mark ? 1 : 0), ll - (mark ? 1 : 0))) {
			*rl = ll - (mark ? 1 : 0);
			*internal = mark == '!';
			return l + (mark ? 1 : 0);
		}
		l += ll + (nl ? 1 : 0);
	}
	return NULL;
}

static void container_view(struct sensor_event *ev, const char *root, const char *layers,
			   enum sensor_field f, enum sensor_field host_f)
{
	char buf[4096];
	size_t rl, n;
	const char *s = ev_str(ev, f);
	bool internal;

	if (!s || ev_has(ev, host_f))
		return;
	n = strlen(s);
	if (n >= sizeof(buf) || !root_of(s, n, root, layers, &rl, &internal))
		return;
	if (internal) {
		/* overlay's copy-up in its work dir: the path means nothing in the
		 * container; marked, left as the host names it */
		ev_set_int(ev, SENSOR_FIELD_FILE_INTERNAL, 1);
		return;
	}
	memcpy(buf, s, n + 1); /* s points into the arena, which the setters may move */
	if (ev_set_strn(ev, host_f, buf, n) < 0)
		return;
	if (n == rl)
		ev_set_strn(ev, f, "/", 1);
	else
		ev_set_strn(ev, f, buf + rl, n - rl);
}

/*
 * An exec whose path names the binary rather than what was executed - a
 * multi-call binary re-executing itself through /proc/self/exe (busybox's
 * standalone shell runs every applet so), fexecve's /proc/self/fd/N - is
 * named from argv[0], resolved in the process's root (exec-path.h).
 */
static void exec_name(struct sensor_event *ev, const struct proc_entry *e)
{
	const char *s = ev_str(ev, SENSOR_FIELD_EXEC_PATH);
	char argv0[256], out[1024];
	size_t n;

	if (!e->cmdline || !e->exe || (s && strncmp(s, "/proc/", 6) != 0 && strcmp(s, e->exe) != 0))
		return;
	n = strcspn(e->cmdline, " ");
	if (n == 0 || n >= sizeof(argv0))
		return;
	memcpy(argv0, e->cmdline, n);
	argv0[n] = '\0';
	if (exec_path_from_argv0("/proc", e->pid, argv0, e->exe, e->cwd, out, sizeof(out)) == 1)
		ev_set_str(ev, SENSOR_FIELD_EXEC_PATH, out);
	else if (s && strncmp(s, "/proc/", 6) == 0)
		ev_set_str(ev, SENSOR_FIELD_EXEC_PATH, e->exe);
}

/*
 * Drift of an exec whose process was gone before /proc could be read (the
 * cache's entry then has no verdict of its own): the binary the event
 * names (audit's exe=, in the process's view) is in the container's overlay
 * upper dir (written after the start), or on a tmpfs of the container's
 * (/tmp) as another of its live processes sees it.
 */
static bool exec_drift_late(const struct sensor_event *ev, const struct proc_entry *e)
{
	const char *exe = ev_str(ev, SENSOR_FIELD_PROCESS_EXE);

	if (e->runtime || !e->wl || !e->wl->rootfs)
		return false;
	if (!exe)
		exe = e->exe;
	if (!exe)
		return false;
	if (e->wl->layers && e->wl->layers[0] == '+' &&
	    exec_drift_upper(e->wl->layers + 1, strcspn(e->wl->layers + 1, "\n"), exe) == 1)
		return true;
	return e->exec_unread && exec_drift_tmpfs("/proc", workload_live_pid(e->wl, e->pid), exe) == 1;
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
	/* A source that names the process as it was (audit's comm= and exe=) says
	 * whether it was the runtime: runc init's mount and pivot_root arrive
	 * after the pid has become the entrypoint, or is gone. */
	if ((ev_has(ev, SENSOR_FIELD_PROCESS_COMM) || ev_has(ev, SENSOR_FIELD_PROCESS_EXE)) &&
	    !ev_has(ev, SENSOR_FIELD_PROCESS_RUNTIME) &&
	    proc_is_runtime(ev_str(ev, SENSOR_FIELD_PROCESS_COMM), ev_str(ev, SENSOR_FIELD_PROCESS_EXE)))
		ev_set_int(ev, SENSOR_FIELD_PROCESS_RUNTIME, 1);
	e = proc_cache_get_at(ctx->procs, (int32_t)pid, (uint64_t)ev->v[SENSOR_FIELD_MONOTONIC].i);
	if (!e)
		return;
	/* A start time given by the source that differs means another process. */
	if (ev_has(ev, SENSOR_FIELD_PROCESS_START) &&
	    (uint64_t)ev->v[SENSOR_FIELD_PROCESS_START].i != e->start)
		return;
	if ((ev->have[0] & FILL_MASK & ~FBIT(SENSOR_FIELD_PROCESS_START)) == 0) {
		/* the usual case (a source sets at most the start time): no test per field */
		ev->v[SENSOR_FIELD_PROCESS_PPID].i = e->ppid;
		ev->v[SENSOR_FIELD_PROCESS_UID].i = e->uid;
		ev->v[SENSOR_FIELD_PROCESS_EUID].i = e->euid;
		ev->v[SENSOR_FIELD_PROCESS_GID].i = e->gid;
		ev->v[SENSOR_FIELD_PROCESS_EGID].i = e->egid;
		ev->v[SENSOR_FIELD_PROCESS_AUID].i = e->auid;
		ev->v[SENSOR_FIELD_PROCESS_SESSION].i = e->session;
		ev->v[SENSOR_FIELD_PROCESS_START].i = (int64_t)e->start; /* equal when set, see above */
		ev->have[0] |= FILL_MASK;
	} else {
		fill_int(ev, SENSOR_FIELD_PROCESS_PPID, e->ppid);
		fill_int(ev, SENSOR_FIELD_PROCESS_UID, e->uid);
		fill_int(ev, SENSOR_FIELD_PROCESS_EUID, e->euid);
		fill_int(ev, SENSOR_FIELD_PROCESS_GID, e->gid);
		fill_int(ev, SENSOR_FIELD_PROCESS_EGID, e->egid);
		fill_int(ev, SENSOR_FIELD_PROCESS_AUID, e->auid);
		fill_int(ev, SENSOR_FIELD_PROCESS_SESSION, e->session);
		fill_int(ev, SENSOR_FIELD_PROCESS_START, (int64_t)e->start);
	}
	/* strings by reference: the entry is immutable; borrowed while the event
	 * is dispatched, referenced once someone keeps it (see event.h) */
	if (!ev->pe) {
		ev->pe = e;
		/* already kept (a source's own reference before the emit) */
		if (atomic_load_explicit(&ev->ref, memory_order_relaxed) > 1)
			ev_own_pe(ev);
	}
	if (ev->kind == SENSOR_KIND_FILE) {
		/* the runtime's rootfs (a pivot_root'ed container's /proc/<pid>/root reads
		 * "/" from outside its mount namespace), else a chroot's root */
		const char *root = e->wl && e->wl->rootfs ? e->wl->rootfs : e->root;
		const char *layers = e->wl && e->wl->rootfs ? e->wl->layers : NULL;

		if (root && !(root[0] == '/' && root[1] == '\0')) {
			container_view(ev, root, layers, SENSOR_FIELD_FILE_PATH,
				       SENSOR_FIELD_FILE_HOST_PATH);
			container_view(ev, root, layers, SENSOR_FIELD_FILE_TO,
				       SENSOR_FIELD_FILE_HOST_TO);
		}
	}
	if (ev->kind == SENSOR_KIND_EXEC) {
		if (!ev_has(ev, SENSOR_FIELD_EXEC_DRIFT) && (e->drift || exec_drift_late(ev, e)))
			ev_set_int(ev, SENSOR_FIELD_EXEC_DRIFT, 1);
		exec_name(ev, e);
	}
	/* the runtime setting its container up: every event of it says so */
	if (e->runtime && !ev_has(ev, SENSOR_FIELD_PROCESS_RUNTIME) &&
	    !ev_has(ev, SENSOR_FIELD_PROCESS_COMM) && !ev_has(ev, SENSOR_FIELD_PROCESS_EXE))
		ev_set_int(ev, SENSOR_FIELD_PROCESS_RUNTIME, 1);
	/* borrowed: the event's reference to pe keeps pe->wl alive (see event.h) */
	if (!ev->wl)
		ev->wl = ev->pe->wl;
}
