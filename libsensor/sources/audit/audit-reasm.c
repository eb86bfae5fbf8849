/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <libaudit.h>
#include <stdlib.h>
#include <string.h>

#include "audit-reasm.h"

#define GAP_MAX 64
#define HT_SIZE 1024 /* buckets of the in-flight index (power of two) */
/* One event holds at most this much (a long argv is ~1000 EXECVE records of 8 KiB at
 * most); beyond, it is completed and the rest starts a new event: memory stays bounded
 * whatever the input. */
#define EVENT_MAX_RECORDS 4096u
#define EVENT_MAX_TEXT (16u << 20)
#define SERIAL_WINDOW 65536u /* further than this from the newest serial: a new serial space */

struct gap {
	uint32_t lo, hi; /* missing serials, inclusive */
	uint64_t t;      /* when the gap opened */
};

struct audit_reasm {
	struct audit_reasm_opts o;
	struct audit_event **inflight; /* creation order, oldest first */
	uint32_t n;
	struct audit_event *pool;
	struct audit_reasm_stats st;
	/* serial tracking, for the node of the first record */
	bool have_hi;
	uint32_t hi, node_hash;
	struct gap gaps[GAP_MAX];
	uint32_t ngaps;
	uint64_t pending_lost; /* counted, not yet reported */
	uint64_t clock;        /* record_clock: newest record time */
	struct audit_event *ht[HT_SIZE]; /* in-flight events by serial */
	struct audit_field ftmp[AUDIT_REC_MAX_FIELDS];
};

static struct audit_event **bucket(struct audit_reasm *ra, uint32_t serial)
{
	return &ra->ht[(serial * 2654435761u) >> 22 & (HT_SIZE - 1)];
}

static void ht_del(struct audit_reasm *ra, struct audit_event *e)
{
	for (struct audit_event **p = bucket(ra, e->serial); *p; p = &(*p)->hnext) {
		if (*p == e) {
			*p = e->hnext;
			return;
		}
	}
}

bool audit_type_standalone(uint32_t type)
{
	if (type == AUDIT_LOGIN)
		return false; /* written inside a syscall: its SYSCALL record follows */
	return (type >= 1000 && type < 1300) || (type >= 2100 && type <= 2999);
}

int audit_reasm_new(const struct audit_reasm_opts *o, struct audit_reasm **ret)
{
	struct audit_reasm *ra;

	if (!o || !ret || !o->emit)
		return -EINVAL;
	ra = calloc(1, sizeof(*ra));
	if (!ra)
		return -ENOMEM;
	ra->o = *o;
	if (!ra->o.max_inflight)
		ra->o.max_inflight = 256;
	ra->inflight = calloc(ra->o.max_inflight, sizeof(*ra->inflight));
	if (!ra->inflight) {
		free(ra);
		return -ENOMEM;
	}
	*ret = ra;
	return 0;
}

static void event_destroy(struct audit_event *e)
{
	free(e->recs);
	free(e->text);
	free(e->f);
	free(e);
}

void audit_reasm_free(struct audit_reasm *ra)
{
	if (!ra)
		return;
	for (uint32_t i = 0; i < ra->n; i++)
		event_destroy(ra->inflight[i]);
	while (ra->pool) {
		struct audit_event *e = ra->pool;

		ra->pool = e->pool_next;
		event_destroy(e);
	}
	free(ra->inflight);
	free(ra);
}

/* ---- serial gaps --------------------------------------------------------- */

static void report_lost(struct audit_reasm *ra)
{
	if (ra->pending_lost && ra->o.lost)
		ra->o.lost(ra->o.ud, ra->pending_lost);
	ra->pending_lost = 0;
}

static void gap_drop(struct audit_reasm *ra, uint32_t i, bool lost)
{
	if (lost) {
		uint64_t c = (uint64_t)(ra->gaps[i].hi - ra->gaps[i].lo) + 1;

		ra->st.lost += c;
		ra->pending_lost += c;
	}
	memmove(&ra->gaps[i], &ra->gaps[i + 1], (ra->ngaps - i - 1) * sizeof(ra->gaps[0]));
	ra->ngaps--;
}

static void gap_add(struct audit_reasm *ra, uint32_t lo, uint32_t hi, uint64_t now)
{
	if (ra->ngaps == GAP_MAX)
		gap_drop(ra, 0, true); /* the oldest gap is surely lost by now */
	ra->gaps[ra->ngaps++] = (struct gap){ lo, hi, now };
}

static void gaps_all_lost(struct audit_reasm *ra)
{
	while (ra->ngaps)
		gap_drop(ra, 0, true);
}

static void track_serial(struct audit_reasm *ra, uint32_t s, uint32_t node_hash, uint64_t now)
{
	uint32_t d;

	if (!ra->have_hi) {
		ra->have_hi = true;
		ra->hi = s;
		ra->node_hash = node_hash;
		return;
	}
	if (node_hash != ra->node_hash)
		return;
	d = s - ra->hi; /* modulo 2^32: roll-over is just the next serial */
	if (d == 0)
		return;
	if (d < (1u << 31)) {
		if (d > SERIAL_WINDOW) {
			gaps_all_lost(ra); /* a restart (new boot in a log): new serial space */
		} else if (d > 1) {
			gap_add(ra, ra->hi + 1, s - 1, now);
		}
		ra->hi = s;
		/* gaps that fell out of the window cannot be filled any more */
		while (ra->ngaps && ra->hi - ra->gaps[0].hi > SERIAL_WINDOW)
			gap_drop(ra, 0, true);
		return;
	}
	if (ra->hi - s > SERIAL_WINDOW) {
		gaps_all_lost(ra);
		ra->hi = s;
		return;
	}
	/* late record: it may fill a gap */
	for (uint32_t i = 0; i < ra->ngaps; i++) {
		struct gap *g = &ra->gaps[i];

		if (s - g->lo > g->hi - g->lo)
			continue; /* not inside (modular) */
		if (g->lo == g->hi) {
			gap_drop(ra, i, false);
		} else if (s == g->lo) {
			g->lo++;
		} else if (s == g->hi) {
			g->hi--;
		} else {
			struct gap tail = { s + 1, g->hi, g->t };

			g->hi = s - 1;
			if (ra->ngaps == GAP_MAX)
				gap_drop(ra, 0, true);
			ra->gaps[ra->ngaps++] = tail;
		}
		return;
	}
}

/* ---- events -------------------------------------------------------------- */

static void complete_at(struct audit_reasm *ra, uint32_t i)
{
	struct audit_event *e = ra->inflight[i];

	memmove(&ra->inflight[i], &ra->inflight[i + 1], (ra->n - i - 1) * sizeof(*ra->inflight));
	ra->n--;
	ht_del(ra, e);
	ra->st.events++;
	if (e->nrec)
		ra->o.emit(ra->o.ud, e);
	e->nrec = 0;
	e->text_len = 0;
	e->nf = 0;
	e->pool_next = ra->pool;
	ra->pool = e;
}

static struct audit_event *event_new(struct audit_reasm *ra, const struct audit_record *r,
				     uint32_t node_hash, uint64_t now)
{
	struct audit_event *e = ra->pool;

	if (ra->n == ra->o.max_inflight) {
		ra->st.evicted++;
		complete_at(ra, 0);
		e = ra->pool;
	}
	if (e) {
		ra->pool = e->pool_next;
	} else {
		e = calloc(1, sizeof(*e));
		if (!e)
			return NULL;
	}
	e->sec = r->sec;
	e->msec = r->msec;
	e->serial = r->serial;
	e->node_hash = node_hash;
	e->first_seen = now;
	ra->inflight[ra->n++] = e;
	e->hnext = *bucket(ra, e->serial);
	*bucket(ra, e->serial) = e;
	return e;
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, (size_t)c * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static int event_add(struct audit_event *e, const struct audit_record *r, const char *buf,
		     size_t len)
{
	struct audit_event_rec *er;

	if (grow((void **)&e->recs, &e->rec_cap, e->nrec + 1, sizeof(*e->recs)) < 0 ||
	    grow((void **)&e->text, &e->text_cap, e->text_len + (uint32_t)len, 1) < 0 ||
	    grow((void **)&e->f, &e->f_cap, e->nf + r->nfields, sizeof(*e->f)) < 0)
		return -ENOMEM;
	er = &e->recs[e->nrec++];
	er->r = *r;
	er->r.f = NULL;
	er->text_off = e->text_len;
	er->text_len = (uint32_t)len;
	er->f_off = e->nf;
	memcpy(e->text + e->text_len, buf, len);
	e->text_len += (uint32_t)len;
	if (r->nfields)
		memcpy(e->f + e->nf, r->f, r->nfields * sizeof(*e->f));
	e->nf += r->nfields;
	return 0;
}

static uint32_t hash_node(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return n ? h | 1 : 0;
}

int audit_reasm_push(struct audit_reasm *ra, const char *buf, size_t len, uint32_t type_hint,
		     uint64_t now)
{
	struct audit_record r = { .f = ra->ftmp, .fcap = AUDIT_REC_MAX_FIELDS };
	struct audit_event *e = NULL;
	uint32_t nh, i;
	int rc;

	rc = audit_parse_record(buf, len, type_hint, &r);
	if (rc < 0) {
		ra->st.bad_records++;
		return rc;
	}
	ra->st.records++;
	ra->st.fields_dropped += r.dropped;
	if (ra->o.record_clock) {
		uint64_t t = r.sec * 1000000000ull + r.msec * 1000000ull;

		if (t > ra->clock)
			ra->clock = t;
		now = ra->clock;
	}
	nh = hash_node(buf + r.node_off, r.node_len);
	track_serial(ra, r.serial, nh, now);
	audit_reasm_tick(ra, now);
	for (struct audit_event *c = *bucket(ra, r.serial); c; c = c->hnext) {
		if (c->serial == r.serial && c->msec == r.msec && c->sec == r.sec &&
		    c->node_hash == nh) {
			e = c;
			break;
		}
	}
	if (e) {
		/* its place in creation order, newest first: usually the last one */
		for (i = ra->n; i-- > 0 && ra->inflight[i] != e;)
			;
	}
	if (r.type == AUDIT_EOE) {
		/* kept as the event's last record, as libauparse does */
		if (e && event_add(e, &r, buf, len) == 0)
			complete_at(ra, i);
		else if (e)
			complete_at(ra, i);
		report_lost(ra);
		return 0;
	}
	if (e && (e->nrec >= EVENT_MAX_RECORDS || e->text_len + len > EVENT_MAX_TEXT)) {
		ra->st.oversized++;
		complete_at(ra, i);
		e = NULL;
	}
	if (!e) {
		e = event_new(ra, &r, nh, now);
		if (!e) {
			report_lost(ra);
			return -ENOMEM;
		}
		i = ra->n - 1;
	}
	rc = event_add(e, &r, buf, len < AUDIT_MAX_RECORD ? len : AUDIT_MAX_RECORD);
	if (rc == 0 && audit_type_standalone(r.type) && e->nrec == 1)
		complete_at(ra, i);
	report_lost(ra);
	return rc;
}

int audit_reasm_tick(struct audit_reasm *ra, uint64_t now)
{
	int n = 0;

	if (!ra->o.timeout)
		return 0;
	while (ra->n && ra->inflight[0]->first_seen + ra->o.timeout <= now) {
		ra->st.timed_out++;
		complete_at(ra, 0);
		n++;
	}
	/* first_seen grows along the array (one clock, creation order): the oldest is first */
	while (ra->ngaps && ra->gaps[0].t + ra->o.timeout <= now)
		gap_drop(ra, 0, true);
	report_lost(ra);
	return n;
}

int audit_reasm_flush(struct audit_reasm *ra)
{
	int n = 0;

	while (ra->n) {
		complete_at(ra, 0);
		n++;
	}
	gaps_all_lost(ra);
	report_lost(ra);
	return n;
}

uint64_t audit_reasm_deadline(const struct audit_reasm *ra)
{
	uint64_t d = UINT64_MAX;

	if (!ra->o.timeout)
		return d;
	for (uint32_t i = 0; i < ra->n; i++)
		if (ra->inflight[i]->first_seen + ra->o.timeout < d)
			d = ra->inflight[i]->first_seen + ra->o.timeout;
	if (ra->ngaps && ra->gaps[0].t + ra->o.timeout < d)
		d = ra->gaps[0].t + ra->o.timeout;
	return d;
}

void audit_reasm_get_stats(const struct audit_reasm *ra, struct audit_reasm_stats *st)
{
	*st = ra->st;
}

uint64_t audit_reasm_clock(const struct audit_reasm *ra)
{
	return ra->clock;
}

uint32_t audit_reasm_inflight(const struct audit_reasm *ra)
{
	return ra->n;
}
