/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event object inside the library. Fields are a flat table indexed by
 * enum sensor_field with a presence bitmap: setting and clearing are O(1),
 * and one table drives getters, enrichment, JSON and rules alike.
 * Strings live in a per-event arena (offsets, so the arena may grow while
 * the event is being built); pooled events keep their arena across reuse,
 * so steady state allocates nothing.
 */
#ifndef SENSOR_CORE_EVENT_H
#define SENSOR_CORE_EVENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libsensor/sensor-context.h>
#include <libsensor/sensor-event.h>

struct proc_entry;
struct workload;

#define EV_FIELD_WORDS ((SENSOR__FIELD_MAX + 63) / 64)
#define EV_MAX_ARGS 6
#define EV_REASON_MAX 96

/* State of an event that waits for a verdict. */
struct ev_hold {
	bool active;                    /* held and not answered yet */
	bool queued;                    /* on the context's pending list */
	enum sensor_decision decision;  /* what was given */
	enum sensor_decision dflt;      /* ALLOW or DENY: the source's default */
	int dflt_err;                   /* errno of a default deny */
	uint64_t deadline;              /* CLOCK_MONOTONIC ns */
	char reason[EV_REASON_MAX];
	struct sensor_event *prev, *next;
	/* held and inside ctx_emit(), not on the list yet (loop thread only) */
	struct sensor_event *inflight_next;
	uint64_t data[4];               /* source-private: ids, fds */
};

struct sensor_event {
	atomic_int ref;
	uint8_t kind;        /* enum sensor_kind */
	uint8_t source;      /* enum sensor_source_type */
	bool open;           /* built by the embedder, setters allowed */
	bool dispatched;
	struct sensor_ctx *ctx;
	struct sensor_source *src;
	uint64_t have[EV_FIELD_WORDS];
	union {
		int64_t i;
		uint32_t s; /* arena offset; 0 never used */
	} v[SENSOR__FIELD_MAX];
	/* supplies workload.* fields not set: borrowed from pe (pe->wl, which pe
	 * references and never changes), so it costs no reference of its own */
	struct workload *wl;
	/*
	 * Supplies process comm/exe/cmdline not set. Borrowed while the event is
	 * dispatched (the proc cache keeps what it drops until the dispatch
	 * ends); referenced (pe_owned) once the event is kept: the first
	 * sensor_event_ref() takes it, so an event nobody keeps costs no atomic
	 * reference count on its process.
	 */
	struct proc_entry *pe;
	atomic_bool pe_owned;
	/* exec argv: offsets while building, pointers once dispatched */
	uint32_t *argv_off;
	const char **argv_ptr;
	uint32_t argc, argv_cap;
	uint64_t args[EV_MAX_ARGS];
	uint32_t nargs;
	char *arena;
	uint32_t arena_len, arena_cap;
	struct ev_hold hold;
	struct sensor_event *pool_next;
};

static inline bool ev_has(const struct sensor_event *ev, enum sensor_field f)
{
	return ev->have[f / 64] >> (f % 64) & 1;
}

static inline void ev_mark(struct sensor_event *ev, enum sensor_field f)
{
	ev->have[f / 64] |= UINT64_C(1) << (f % 64);
}

static inline void ev_unmark(struct sensor_event *ev, enum sensor_field f)
{
	ev->have[f / 64] &= ~(UINT64_C(1) << (f % 64));
}

static inline void ev_set_int(struct sensor_event *ev, enum sensor_field f, int64_t v)
{
	ev->v[f].i = v;
	ev_mark(ev, f);
}

/* The slow path of ev_set_strn(): the arena grows. */
int ev_set_strn_grow(struct sensor_event *ev, enum sensor_field f, const char *s, size_t n);

/* Copy n bytes as a string field. 0, -E2BIG or -ENOMEM. */
static inline int ev_set_strn(struct sensor_event *ev, enum sensor_field f, const char *s,
			      size_t n)
{
	uint32_t off = ev->arena_len ? ev->arena_len : 1; /* offset 0 means "absent" */

	/* inline while it fits (the arena of a pooled event has grown before) */
	if (ev->arena_cap <= off || n >= ev->arena_cap - off)
		return ev_set_strn_grow(ev, f, s, n);
	if (n)
		memcpy(ev->arena + off, s, n);
	ev->arena[off + n] = '\0';
	ev->arena_len = off + (uint32_t)n + 1;
	ev->v[f].s = off;
	ev_mark(ev, f);
	return 0;
}

/* Inline so that a literal's length is known at compile time. */
static inline int ev_set_str(struct sensor_event *ev, enum sensor_field f, const char *s)
{
	return ev_set_strn(ev, f, s, strlen(s));
}
/* Append one argv element. 0 or -ENOMEM. */
int ev_add_arg(struct sensor_event *ev, const char *s, size_t n);
/* String of a field as stored in the event itself (not the workload), or NULL. */
const char *ev_str(const struct sensor_event *ev, enum sensor_field f);

/* The field table (event-fields.c), for the inline lookups below. */
struct ev_field_desc {
	const char *name; /* NULL: no such field */
	uint8_t type;     /* SENSOR_FIELD_TYPE_* */
	uint8_t kind;     /* 0: every kind */
};
extern const struct ev_field_desc ev_fields[SENSOR__FIELD_MAX];

/* Type of a field, or 0 for none (one table read; sensor_field_type() returns -EINVAL). */
static inline int ev_field_type(enum sensor_field f)
{
	return (unsigned)f < SENSOR__FIELD_MAX && ev_fields[f].name ? ev_fields[f].type : 0;
}

/* field_allowed() for a field known to exist. */
static inline bool ev_field_allowed_known(enum sensor_field f, enum sensor_kind k)
{
	return ev_fields[f].kind == 0 || ev_fields[f].kind == k;
}

/* Which kind a field belongs to (0 for common, process and workload fields). */
enum sensor_kind field_kind(enum sensor_field f);
/* True when field f may appear on an event of kind k. */
bool field_allowed(enum sensor_field f, enum sensor_kind k);

/* Take a reference to the event's borrowed process entry, once (see pe). */
void ev_own_pe(struct sensor_event *ev);

/* Pool management (context.c owns the pool). */
struct sensor_event *ev_alloc(struct sensor_ctx *ctx, struct sensor_source *src,
			      enum sensor_kind kind);
/* Make a pooled event blank (inline: once per event, in ctx_event_new). */
static inline void ev_reset(struct sensor_event *ev)
{
	memset(ev->have, 0, sizeof(ev->have));
	ev->wl = NULL; /* already NULL when recycled: unref clears them */
	ev->pe = NULL;
	atomic_store_explicit(&ev->pe_owned, false, memory_order_relaxed);
	ev->argc = 0;
	ev->nargs = 0;
	ev->arena_len = 0;
	ev->open = false;
	ev->dispatched = false;
	/* hold, field by field: reason is read only up to its first byte when
	 * unset, so the other 95 bytes need no clearing per event */
	ev->hold.active = false;
	ev->hold.queued = false;
	ev->hold.decision = SENSOR_DECISION_NONE;
	ev->hold.dflt = SENSOR_DECISION_NONE;
	ev->hold.dflt_err = 0;
	ev->hold.deadline = SENSOR_TIME_INFINITY;
	ev->hold.reason[0] = '\0';
	ev->hold.prev = ev->hold.next = NULL;
	memset(ev->hold.data, 0, sizeof(ev->hold.data));
}
void ev_destroy(struct sensor_event *ev);
/* Turn argv offsets into pointers; call once the arena is final. 0 or -ENOMEM. */
int ev_finalize(struct sensor_event *ev);

#endif
