/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Event object: arena, getters, setters for injected events, ref counting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "event.h"
#include "identity/proc-cache.h"
#include "identity/workload.h"
#include "verdict.h"

#define ARENA_MAX (16u << 20) /* one event never holds more than 16 MiB of text */

static int arena_put(struct sensor_event *ev, const char *s, size_t n, uint32_t *off)
{
	uint32_t need;

	if (n >= ARENA_MAX || ev->arena_len + n + 1 > ARENA_MAX)
		return -E2BIG;
	if (ev->arena_len == 0)
		ev->arena_len = 1; /* offset 0 means "absent" */
	need = ev->arena_len + (uint32_t)n + 1;
	if (need > ev->arena_cap) {
		uint32_t cap = ev->arena_cap ? ev->arena_cap : 512;
		char *nb;

		while (cap < need)
			cap *= 2;
		nb = realloc(ev->arena, cap);
		if (!nb)
			return -ENOMEM;
		ev->arena = nb;
		ev->arena_cap = cap;
	}
	*off = ev->arena_len;
	if (n)
		memcpy(ev->arena + ev->arena_len, s, n);
	ev->arena[ev->arena_len + n] = '\0';
	ev->arena_len = need;
	return 0;
}

int ev_set_strn_grow(struct sensor_event *ev, enum sensor_field f, const char *s, size_t n)
{
	uint32_t off;
	int r = arena_put(ev, s, n, &off);

	if (r < 0)
		return r;
	ev->v[f].s = off;
	ev_mark(ev, f);
	return 0;
}

int ev_add_arg(struct sensor_event *ev, const char *s, size_t n)
{
	uint32_t off;
	int r;

	if (ev->argc + 1 >= ev->argv_cap) {
		uint32_t cap = ev->argv_cap ? ev->argv_cap * 2 : 16;
		uint32_t *no;
		const char **np;

		if (cap > (1u << 20))
			return -E2BIG;
		no = realloc(ev->argv_off, cap * sizeof(*no));
		if (!no)
			return -ENOMEM;
		ev->argv_off = no;
		np = realloc(ev->argv_ptr, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		ev->argv_ptr = np;
		ev->argv_cap = cap;
	}
	r = arena_put(ev, s, n, &off);
	if (r < 0)
		return r;
	ev->argv_off[ev->argc++] = off;
	ev_set_int(ev, SENSOR_FIELD_EXEC_ARGC, ev->argc);
	return 0;
}

int ev_finalize(struct sensor_event *ev)
{
	for (uint32_t i = 0; i < ev->argc; i++)
		ev->argv_ptr[i] = ev->arena + ev->argv_off[i];
	if (ev->argv_ptr)
		ev->argv_ptr[ev->argc] = NULL;
	return 0;
}

const char *ev_str(const struct sensor_event *ev, enum sensor_field f)
{
	if (!ev_has(ev, f) || ev_field_type(f) != SENSOR_FIELD_TYPE_STR)
		return NULL;
	return ev->arena + ev->v[f].s;
}

void ev_destroy(struct sensor_event *ev)
{
	if (!ev)
		return;
	free(ev->arena);
	free(ev->argv_off);
	free(ev->argv_ptr);
	free(ev);
}

sensor_event *sensor_event_ref(sensor_event *ev)
{
	if (!ev)
		return NULL;
	atomic_fetch_add_explicit(&ev->ref, 1, memory_order_relaxed);
	/* kept beyond its dispatch: own the borrowed process entry (once) */
	ev_own_pe(ev);
	return ev;
}

void ev_own_pe(struct sensor_event *ev)
{
	if (ev->pe && !atomic_load_explicit(&ev->pe_owned, memory_order_acquire) &&
	    !atomic_exchange_explicit(&ev->pe_owned, true, memory_order_acq_rel))
		proc_entry_ref(ev->pe);
}

sensor_event *sensor_event_unref(sensor_event *ev)
{
	if (!ev)
		return NULL;
	/*
	 * The sole reference (the common case: nobody kept the event) needs no
	 * atomic read-modify-write: no other thread holds a reference it could
	 * take or drop concurrently. The acquire load orders this after another
	 * thread's earlier release of its reference, like the RMW would.
	 */
	if (atomic_load_explicit(&ev->ref, memory_order_acquire) != 1 &&
	    atomic_fetch_sub_explicit(&ev->ref, 1, memory_order_acq_rel) != 1)
		return NULL;
	if (verdict_active(ev))
		verdict_release(ev);
	ev->wl = NULL; /* borrowed from pe */
	if (ev->pe && atomic_load_explicit(&ev->pe_owned, memory_order_relaxed))
		proc_entry_unref(ev->pe);
	ev->pe = NULL;
	ctx_event_recycle(ev->ctx, ev);
	return NULL;
}

enum sensor_kind sensor_event_kind(const sensor_event *ev)
{
	return ev ? (enum sensor_kind)ev->kind : SENSOR_KIND_NONE;
}

enum sensor_source_type sensor_event_source(const sensor_event *ev)
{
	return ev ? (enum sensor_source_type)ev->source : SENSOR_SOURCE_NONE;
}

uint64_t sensor_event_time(const sensor_event *ev)
{
	return ev ? (uint64_t)ev->v[SENSOR_FIELD_TIME].i : 0;
}

uint64_t sensor_event_seq(const sensor_event *ev)
{
	return ev ? (uint64_t)ev->v[SENSOR_FIELD_SEQ].i : 0;
}

int sensor_event_get_int(const sensor_event *ev, enum sensor_field field, int64_t *ret)
{
	if (!ev || !ret || ev_field_type(field) != SENSOR_FIELD_TYPE_INT)
		return -EINVAL;
	if (!ev_has(ev, field) || !ev_field_allowed_known(field, (enum sensor_kind)ev->kind))
		return -ENOENT;
	*ret = ev->v[field].i;
	return 0;
}

const char *sensor_event_get_str(const sensor_event *ev, enum sensor_field field)
{
	if (!ev || ev_field_type(field) != SENSOR_FIELD_TYPE_STR) {
		errno = EINVAL;
		return NULL;
	}
	switch (field) {
	case SENSOR_FIELD_KIND:
		return sensor_kind_name((enum sensor_kind)ev->kind);
	case SENSOR_FIELD_SOURCE:
		return ctx_source_name((enum sensor_source_type)ev->source);
	case SENSOR_FIELD_VERDICT_DECISION:
		if (ev->hold.decision != SENSOR_DECISION_NONE)
			return sensor_decision_name(ev->hold.decision);
		break;
	case SENSOR_FIELD_VERDICT_REASON:
		if (ev->hold.decision != SENSOR_DECISION_NONE && ev->hold.reason[0])
			return ev->hold.reason;
		break;
	default:
		break;
	}
	if (ev_has(ev, field) && ev_field_allowed_known(field, (enum sensor_kind)ev->kind))
		return ev->arena + ev->v[field].s;
	if (ev->pe) {
		const char *s = NULL;

		if (field == SENSOR_FIELD_PROCESS_COMM)
			s = ev->pe->comm[0] ? ev->pe->comm : NULL;
		else if (field == SENSOR_FIELD_PROCESS_EXE)
			s = ev->pe->exe;
		else if (field == SENSOR_FIELD_PROCESS_CMDLINE)
			s = ev->pe->cmdline;
		if (s)
			return s;
	}
	if (((field >= SENSOR_FIELD_WORKLOAD_KIND && field <= SENSOR_FIELD_WORKLOAD_CGROUP) ||
	     (field >= SENSOR_FIELD_WORKLOAD_IMAGE && field <= SENSOR_FIELD_WORKLOAD_CONTAINER_NAME)) &&
	    ev->wl) {
		const char *s = workload_field(ev->wl, field);

		if (s)
			return s;
	}
	/* the machine of a kernel source's event; a replayed one carries its own or none */
	if ((field == SENSOR_FIELD_HOST_NAME || field == SENSOR_FIELD_HOST_BOOT_ID) && ev->ctx &&
	    ev->source != SENSOR_SOURCE_INJECT && !(ev->src && ev->src->no_enrich)) {
		const char *s = field == SENSOR_FIELD_HOST_NAME ? ev->ctx->host.name
								: ev->ctx->host.boot_id;

		if (s[0])
			return s;
	}
	errno = ENOENT;
	return NULL;
}

int sensor_event_get_argv(const sensor_event *ev, const char *const **ret)
{
	if (!ev || !ret)
		return -EINVAL;
	if (ev->kind != SENSOR_KIND_EXEC || !ev_has(ev, SENSOR_FIELD_EXEC_ARGC) || !ev->dispatched)
		return -ENOENT;
	if (ev->argc == 0) {
		static const char *const empty[1] = { NULL };

		*ret = empty;
		return 0;
	}
	*ret = (const char *const *)ev->argv_ptr;
	return (int)ev->argc;
}

int sensor_event_get_args(const sensor_event *ev, const uint64_t **ret)
{
	if (!ev || !ret)
		return -EINVAL;
	if (ev->kind != SENSOR_KIND_SYSCALL || !ev_has(ev, SENSOR_FIELD_SYSCALL_NARGS))
		return -ENOENT;
	*ret = ev->args;
	return (int)ev->nargs;
}

/* ---- setters for injected events ---------------------------------------- */

static int check_settable(const struct sensor_event *ev, enum sensor_field field, int type)
{
	if (!ev || sensor_field_type(field) != type)
		return -EINVAL;
	if (!ev->open)
		return -EBUSY;
	if (!field_allowed(field, (enum sensor_kind)ev->kind))
		return -EINVAL;
	switch (field) {
	case SENSOR_FIELD_KIND:
	case SENSOR_FIELD_SOURCE:
	case SENSOR_FIELD_SEQ:
	case SENSOR_FIELD_MONOTONIC:
	case SENSOR_FIELD_EXEC_ARGC:
	case SENSOR_FIELD_SYSCALL_NARGS:
	case SENSOR_FIELD_VERDICT_DECISION:
	case SENSOR_FIELD_VERDICT_REASON:
		return -EINVAL; /* derived or owned by the library */
	default:
		return 0;
	}
}

int sensor_event_set_int(sensor_event *ev, enum sensor_field field, int64_t value)
{
	int r = check_settable(ev, field, SENSOR_FIELD_TYPE_INT);

	if (r < 0)
		return r;
	ev_set_int(ev, field, value);
	return 0;
}

int sensor_event_set_str(sensor_event *ev, enum sensor_field field, const char *value)
{
	int r = check_settable(ev, field, SENSOR_FIELD_TYPE_STR);

	if (r < 0)
		return r;
	if (!value) {
		ev_unmark(ev, field);
		return 0;
	}
	return ev_set_str(ev, field, value);
}

int sensor_event_set_argv(sensor_event *ev, const char *const *argv, int argc)
{
	if (!ev || argc < 0 || (argc > 0 && !argv) || ev->kind != SENSOR_KIND_EXEC)
		return -EINVAL;
	if (!ev->open)
		return -EBUSY;
	ev->argc = 0;
	for (int i = 0; i < argc; i++) {
		int r;

		if (!argv[i])
			return -EINVAL;
		r = ev_add_arg(ev, argv[i], strlen(argv[i]));
		if (r < 0)
			return r;
	}
	ev_set_int(ev, SENSOR_FIELD_EXEC_ARGC, argc);
	return 0;
}

int sensor_event_set_args(sensor_event *ev, const uint64_t *args, int nargs)
{
	if (!ev || nargs < 0 || nargs > EV_MAX_ARGS || (nargs > 0 && !args) ||
	    ev->kind != SENSOR_KIND_SYSCALL)
		return -EINVAL;
	if (!ev->open)
		return -EBUSY;
	if (nargs)
		memcpy(ev->args, args, (size_t)nargs * sizeof(*args));
	ev->nargs = (uint32_t)nargs;
	ev_set_int(ev, SENSOR_FIELD_SYSCALL_NARGS, nargs);
	return 0;
}
