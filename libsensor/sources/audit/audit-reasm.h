/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audit reassembly: records that share (node, time, serial) form one
 * event. An event is complete at its EOE record, at once for types the
 * kernel never follows with EOE (user-space and daemon messages), after
 * a timeout, when too many events are in flight (oldest first) or at
 * flush. Serial gaps that stay unfilled past the timeout (or out of a
 * window) are counted as lost records; out-of-order records fill gaps
 * and join their event; the 32-bit serial rolls over cleanly.
 * Records are copied into pooled per-event storage: steady state
 * allocates nothing.
 */
#ifndef SENSOR_AUDIT_REASM_H
#define SENSOR_AUDIT_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit-parse.h"

struct audit_event_rec {
	struct audit_record r; /* r.f is valid only in the emit callback */
	uint32_t text_off, text_len;
	uint32_t f_off;
};

struct audit_event {
	uint64_t sec;
	uint32_t msec, serial;
	uint32_t node_hash;
	uint32_t nrec;
	uint64_t first_seen; /* caller's clock at the first record */
	struct audit_event_rec *recs;
	uint32_t rec_cap;
	char *text;
	uint32_t text_len, text_cap;
	struct audit_field *f;
	uint32_t nf, f_cap;
	struct audit_event *pool_next;
	struct audit_event *hnext; /* in-flight index chain */
};

/* Record i of an event and the text its offsets refer to (valid during the callback). */
static inline const struct audit_record *audit_event_record(const struct audit_event *e,
							    uint32_t i, const char **text)
{
	struct audit_event_rec *er = &e->recs[i];

	er->r.f = e->f + er->f_off;
	*text = e->text + er->text_off;
	return &er->r;
}

typedef void (*audit_event_fn)(void *ud, const struct audit_event *ev);
typedef void (*audit_lost_fn)(void *ud, uint64_t count);

struct audit_reasm_opts {
	uint64_t timeout;      /* same unit as the clock given to push; 0: no time-based completion */
	uint32_t max_inflight; /* 0: 256 */
	bool record_clock;     /* the clock is the newest record time in ns (replay), not `now` */
	audit_event_fn emit;
	audit_lost_fn lost;
	void *ud;
};

struct audit_reasm_stats {
	uint64_t records;
	uint64_t events;
	uint64_t bad_records;  /* text that is no audit record */
	uint64_t lost;         /* serials never seen */
	uint64_t evicted;      /* completed because too many were in flight */
	uint64_t timed_out;    /* completed by the timeout */
	uint64_t fields_dropped;
	uint64_t oversized;    /* events cut at the per-event size bound */
};

struct audit_reasm;

int audit_reasm_new(const struct audit_reasm_opts *o, struct audit_reasm **ret);
void audit_reasm_free(struct audit_reasm *ra);

/*
 * Parse one record's text and add it (now: the caller's clock). Completed
 * events go to emit, counted losses to lost, from inside this call.
 * Returns 0, -EINVAL for text that is no audit record (counted), -ENOMEM.
 */
int audit_reasm_push(struct audit_reasm *ra, const char *buf, size_t len, uint32_t type_hint,
		     uint64_t now);
/* Complete what timed out by now. Returns events emitted. */
int audit_reasm_tick(struct audit_reasm *ra, uint64_t now);
/* Complete everything in flight and count the open serial gaps as lost. */
int audit_reasm_flush(struct audit_reasm *ra);
/* Clock value at which tick has work, or UINT64_MAX. */
uint64_t audit_reasm_deadline(const struct audit_reasm *ra);
/* Count lost records reported by someone else (e.g. the kernel's lost counter) - no-op here. */
void audit_reasm_get_stats(const struct audit_reasm *ra, struct audit_reasm_stats *st);

/* Events in flight. */
uint32_t audit_reasm_inflight(const struct audit_reasm *ra);

/* record_clock: the newest record time seen (ns), else 0. */
uint64_t audit_reasm_clock(const struct audit_reasm *ra);

/* Types the kernel ends with no EOE: complete on arrival. */
bool audit_type_standalone(uint32_t type);

#endif
