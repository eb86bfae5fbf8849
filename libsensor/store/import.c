/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Import of baseline exports (docs/export-format.md). The document is
 * untrusted and read in place, without a parser tree: import-json.c checks
 * its syntax once (strict JSON, UTF-8, no \u0000, bounded nesting), then one
 * walk checks it member by member against the schema, types, sizes and
 * limits and hands each workload and feature, decoded into fixed buffers, to
 * a sink: the import merges them (counts add, first/last seen min/max, hour
 * profiles add) in one transaction that is rolled back on any error, so a
 * rejected file leaves the store unchanged; sensor_baseline_diff() collects
 * them. Besides the document, the import holds one feature and a set of
 * 8 bytes per key of the current workload (duplicates), whatever the shape
 * of the input: its peak memory stays within a few times the file
 * (docs/security.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/features.h"
#include "model/model.h"
#include "import-json.h"
#include "store-int.h"

#define IMPORT_MAX_BYTES (256u << 20)
#define IMPORT_MAX_WORKLOADS 100000
#define IMPORT_MAX_FEATURES 4000000 /* in all workloads together */
#define IMPORT_ID_MAX 255
#define IMPORT_KIND_MAX 32
#define IMPORT_STATE_MAX 16
#define IMPORT_MAX_COUNT (UINT64_C(1) << 53) /* exact in every JSON reader */
#define NO_MEMBER SIZE_MAX

struct imp_feat {
	char key[FEAT_KEY_MAX];
	uint64_t count, first, last;
	bool approved;
	uint32_t hours[HOURS_OF_WEEK];
};

struct imp_wl {
	char id[IMPORT_ID_MAX + 1], kind[IMPORT_KIND_MAX + 1], klass[IMPORT_ID_MAX + 1];
	char state[IMPORT_STATE_MAX + 1];
	uint64_t learn_start, last_new;
};

struct verr {
	char *buf;
	size_t len;
};

/* What a walk hands over; a non-zero return stops it (with e filled). */
struct imp_sink {
	int (*wl)(void *ud, const struct imp_wl *w, struct verr *e);
	int (*feat)(void *ud, const struct imp_wl *w, const struct imp_feat *f, struct verr *e);
	void *ud;
};

static int verr(struct verr *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int verr(struct verr *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e->buf && e->len) {
		va_start(ap, fmt);
		vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return code;
}

struct doc {
	const char *buf;
	size_t len;
	struct verr *e;
};

/*
 * The members of the object at pos, each name of `names` (NULL-terminated)
 * at most once, into offs (NO_MEMBER when absent); any other member is an
 * error.
 */
static int members(struct doc *d, size_t pos, const char *where, const char *const *names,
		   size_t *offs)
{
	char key[65];
	size_t full, val, i;
	int r;

	for (i = 0; names[i]; i++)
		offs[i] = NO_MEMBER;
	for (r = jr_obj_first(d->buf, d->len, &pos, key, sizeof(key), &full, &val); r > 0;
	     r = jr_obj_next(d->buf, d->len, &pos, key, sizeof(key), &full, &val)) {
		for (i = 0; names[i]; i++)
			if (full == strlen(names[i]) && strcmp(key, names[i]) == 0)
				break;
		if (!names[i])
			return verr(d->e, -EBADMSG, "%s: unknown member \"%.64s\"", where, key);
		if (offs[i] != NO_MEMBER)
			return verr(d->e, -EBADMSG, "%s: duplicate member \"%s\"", where, key);
		offs[i] = val;
	}
	return r < 0 ? verr(d->e, -EBADMSG, "%s: not valid JSON", where) : 0;
}

static bool is_obj(struct doc *d, size_t pos)
{
	return pos < d->len && d->buf[pos] == '{';
}

static bool is_arr(struct doc *d, size_t pos)
{
	return pos != NO_MEMBER && pos < d->len && d->buf[pos] == '[';
}

static int get_str(struct doc *d, size_t pos, const char *where, const char *name, size_t min,
		   size_t max, char *out, size_t outsize)
{
	size_t n;

	if (pos == NO_MEMBER || pos >= d->len || d->buf[pos] != '"' ||
	    jr_string(d->buf, d->len, &pos, out, outsize, &n) < 0)
		return verr(d->e, -EBADMSG, "%s.%s: missing or not a string", where, name);
	if (n < min || n > max)
		return verr(d->e, n > max ? -E2BIG : -EBADMSG, "%s.%s: length %zu not in %zu..%zu",
			    where, name, n, min, max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20)
			return verr(d->e, -EBADMSG, "%s.%s: control character", where, name);
	return 0;
}

static int get_u64(struct doc *d, size_t pos, const char *where, const char *name, uint64_t min,
		   uint64_t max, uint64_t *ret)
{
	int64_t x;

	if (pos == NO_MEMBER || jr_int(d->buf, d->len, pos, &x) != 1)
		return verr(d->e, -EBADMSG, "%s.%s: missing or not an integer", where, name);
	if (x < 0 || (uint64_t)x < min || (uint64_t)x > max)
		return verr(d->e, -EBADMSG, "%s.%s: %lld not in %llu..%llu", where, name, (long long)x,
			    (unsigned long long)min, (unsigned long long)max);
	*ret = (uint64_t)x;
	return 0;
}

/* ---- keys seen: 32-bit hash and the key's offset, compared in full on a hash match ---- */

struct seen {
	uint64_t *slot; /* hash << 32 | (offset + 1); 0 empty */
	size_t cap, n;
};

static uint32_t key_hash(const char *k)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 0x100000001b3u;
	return (uint32_t)(h ^ h >> 32);
}

/* 1 if key (decoded from the string at off) was seen, else added: 0; -ENOMEM. */
static int seen_add(struct doc *d, struct seen *s, const char *key, size_t off)
{
	uint32_t h = key_hash(key);
	char other[FEAT_KEY_MAX];

	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *slot = calloc(cap, sizeof(*slot));

		if (!slot)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i])
				for (size_t j = (s->slot[i] >> 32) & (cap - 1);; j = (j + 1) & (cap - 1))
					if (!slot[j]) {
						slot[j] = s->slot[i];
						break;
					}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
		uint64_t v = s->slot[j];
		size_t o;

		if (!v) {
			s->slot[j] = (uint64_t)h << 32 | (uint64_t)(off + 1);
			s->n++;
			return 0;
		}
		if ((uint32_t)(v >> 32) != h)
			continue;
		o = (size_t)(uint32_t)v - 1;
		if (jr_string(d->buf, d->len, &o, other, sizeof(other), NULL) == 0 &&
		    strcmp(other, key) == 0)
			return 1;
	}
}

static void seen_clear(struct seen *s)
{
	if (s->cap > 4096) {
		free(s->slot);
		s->slot = NULL;
		s->cap = 0;
	} else if (s->slot) {
		memset(s->slot, 0, s->cap * sizeof(*s->slot));
	}
	s->n = 0;
}

/* ---- the schema walk --------------------------------------------------------- */

enum { F_KEY, F_COUNT, F_FIRST, F_LAST, F_APPROVED, F_HOURS };

static int parse_hours(struct doc *d, size_t pos, const char *where, uint32_t *hours)
{
	size_t i = 0, el;
	int r, prev = -1;

	if (!is_arr(d, pos))
		return verr(d->e, -EBADMSG, "%s.hours: missing or not an array", where);
	memset(hours, 0, sizeof(uint32_t) * HOURS_OF_WEEK);
	for (r = jr_arr_first(d->buf, d->len, &pos, &el); r > 0;
	     r = jr_arr_next(d->buf, d->len, &pos, &el), i++) {
		size_t p = el, h, c, end;
		int64_t hh, cc;

		if (i >= HOURS_OF_WEEK)
			return verr(d->e, -E2BIG, "%s.hours: more than %d entries", where, HOURS_OF_WEEK);
		if (jr_arr_first(d->buf, d->len, &p, &h) != 1 || jr_int(d->buf, d->len, h, &hh) != 1 ||
		    jr_arr_next(d->buf, d->len, &p, &c) != 1 || jr_int(d->buf, d->len, c, &cc) != 1 ||
		    jr_arr_next(d->buf, d->len, &p, &end) != 0)
			return verr(d->e, -EBADMSG, "%s.hours[%zu]: not an [hour, count] pair", where, i);
		if (hh < 0 || hh >= HOURS_OF_WEEK || hh <= prev)
			return verr(d->e, -EBADMSG, "%s.hours[%zu]: hour %lld out of range or order",
				    where, i, (long long)hh);
		if (cc < 1 || cc > UINT32_MAX)
			return verr(d->e, -EBADMSG, "%s.hours[%zu]: count %lld not in 1..%u", where, i,
				    (long long)cc, UINT32_MAX);
		hours[hh] = (uint32_t)cc;
		prev = (int)hh;
	}
	return r < 0 ? verr(d->e, -EBADMSG, "%s.hours: not valid JSON", where) : 0;
}

static int parse_feature(struct doc *d, size_t pos, const char *where, struct imp_feat *f,
			 size_t *key_off)
{
	static const char *const names[] = { "key", "count", "first", "last", "approved",
					     "hours", NULL };
	size_t m[6];
	int r;

	if (!is_obj(d, pos))
		return verr(d->e, -EBADMSG, "%s: not an object", where);
	if ((r = members(d, pos, where, names, m)) < 0 ||
	    (r = get_str(d, m[F_KEY], where, "key", 1, FEAT_KEY_MAX - 1, f->key, sizeof(f->key))) < 0 ||
	    (r = get_u64(d, m[F_COUNT], where, "count", 1, IMPORT_MAX_COUNT, &f->count)) < 0 ||
	    (r = get_u64(d, m[F_FIRST], where, "first", 0, INT64_MAX, &f->first)) < 0 ||
	    (r = get_u64(d, m[F_LAST], where, "last", 0, INT64_MAX, &f->last)) < 0)
		return r;
	if (feat_kind_of_key(f->key, strlen(f->key)) == FEAT_NONE)
		return verr(d->e, -EBADMSG, "%s.key: unknown feature kind in \"%.64s\"", where, f->key);
	if (f->first > f->last)
		return verr(d->e, -EBADMSG, "%s: first seen after last seen", where);
	*key_off = m[F_KEY];
	if (m[F_APPROVED] != NO_MEMBER && d->buf[m[F_APPROVED]] == 't')
		f->approved = true;
	else if (m[F_APPROVED] != NO_MEMBER && d->buf[m[F_APPROVED]] == 'f')
		f->approved = false;
	else
		return verr(d->e, -EBADMSG, "%s.approved: missing or not a boolean", where);
	return parse_hours(d, m[F_HOURS], where, f->hours);
}

enum { W_ID, W_KIND, W_CLASS, W_STATE, W_LEARN_START, W_LAST_NEW, W_FEATURES };

struct walk {
	struct doc d;
	const struct imp_sink *sink;
	struct seen wls, feats;
	struct imp_wl w;
	struct imp_feat f;
	size_t total;
};

static int walk_workload(struct walk *k, size_t pos, size_t idx)
{
	static const char *const names[] = { "id", "kind", "class", "state", "learn_start",
					     "last_new", "features", NULL };
	struct doc *d = &k->d;
	struct imp_wl *w = &k->w;
	char where[64];
	size_t m[7], fpos, el, koff = 0, i = 0;
	int r;

	snprintf(where, sizeof(where), "workloads[%zu]", idx);
	if (!is_obj(d, pos))
		return verr(d->e, -EBADMSG, "%s: not an object", where);
	if ((r = members(d, pos, where, names, m)) < 0 ||
	    (r = get_str(d, m[W_ID], where, "id", 1, IMPORT_ID_MAX, w->id, sizeof(w->id))) < 0 ||
	    (r = get_str(d, m[W_KIND], where, "kind", 0, IMPORT_KIND_MAX, w->kind, sizeof(w->kind))) < 0 ||
	    (r = get_str(d, m[W_CLASS], where, "class", 0, IMPORT_ID_MAX, w->klass, sizeof(w->klass))) < 0 ||
	    (r = get_str(d, m[W_STATE], where, "state", 1, IMPORT_STATE_MAX, w->state, sizeof(w->state))) < 0 ||
	    (r = get_u64(d, m[W_LEARN_START], where, "learn_start", 0, INT64_MAX, &w->learn_start)) < 0 ||
	    (r = get_u64(d, m[W_LAST_NEW], where, "last_new", 0, INT64_MAX, &w->last_new)) < 0)
		return r;
	if (strcmp(w->state, "learning") && strcmp(w->state, "monitoring") &&
	    strcmp(w->state, "enforcing"))
		return verr(d->e, -EBADMSG, "%s.state: \"%s\" is not learning|monitoring|enforcing",
			    where, w->state);
	if (!is_arr(d, m[W_FEATURES]))
		return verr(d->e, -EBADMSG, "%s.features: missing or not an array", where);
	r = seen_add(d, &k->wls, w->id, m[W_ID]);
	if (r != 0)
		return r < 0 ? verr(d->e, r, "out of memory")
			     : verr(d->e, -EBADMSG, "workload \"%.64s\" appears twice", w->id);
	if (k->sink->wl && (r = k->sink->wl(k->sink->ud, w, d->e)) < 0)
		return r;
	seen_clear(&k->feats);
	fpos = m[W_FEATURES];
	for (r = jr_arr_first(d->buf, d->len, &fpos, &el); r > 0;
	     r = jr_arr_next(d->buf, d->len, &fpos, &el), i++) {
		char fw[96];

		if (k->total >= IMPORT_MAX_FEATURES)
			return verr(d->e, -E2BIG, "more than %d features", IMPORT_MAX_FEATURES);
		k->total++;
		snprintf(fw, sizeof(fw), "%s.features[%zu]", where, i);
		if ((r = parse_feature(d, el, fw, &k->f, &koff)) < 0)
			return r;
		r = seen_add(d, &k->feats, k->f.key, koff);
		if (r != 0)
			return r < 0 ? verr(d->e, r, "out of memory")
				     : verr(d->e, -EBADMSG, "%s: feature \"%.64s\" appears twice",
					    where, k->f.key);
		if (k->sink->feat && (r = k->sink->feat(k->sink->ud, w, &k->f, d->e)) < 0)
			return r;
	}
	return r < 0 ? verr(d->e, -EBADMSG, "%s.features: not valid JSON", where) : 0;
}

/* Check and walk a whole document, handing it to sink. 0 or -errno with e filled. */
static int imp_walk(const char *buf, size_t len, const struct imp_sink *sink, struct verr *e)
{
	static const char *const names[] = { "format", "version", "workloads", NULL };
	struct walk *k;
	char fmt[65], why[128];
	size_t m[3], pos, el, i = 0;
	int64_t ver;
	int r;

	if (!buf)
		return verr(e, -EINVAL, "no document");
	if (len > IMPORT_MAX_BYTES)
		return verr(e, -E2BIG, "document larger than %u bytes", IMPORT_MAX_BYTES);
	if (jr_check(buf, len, why, sizeof(why)) < 0)
		return verr(e, -EBADMSG, "not valid JSON: %s", why);
	k = calloc(1, sizeof(*k));
	if (!k)
		return verr(e, -ENOMEM, "out of memory");
	k->d = (struct doc){ buf, len, e };
	k->sink = sink;
	pos = jr_ws(buf, len, 0);
	if (!is_obj(&k->d, pos)) {
		r = verr(e, -EBADMSG, "top level: not an object");
		goto out;
	}
	if ((r = members(&k->d, pos, "top level", names, m)) < 0 ||
	    (r = get_str(&k->d, m[0], "top level", "format", 1, 64, fmt, sizeof(fmt))) < 0)
		goto out;
	if (strcmp(fmt, "rtsensor-baseline") != 0) {
		r = verr(e, -EBADMSG, "format \"%s\" is not rtsensor-baseline", fmt);
		goto out;
	}
	if (m[1] == NO_MEMBER || jr_int(buf, len, m[1], &ver) != 1) {
		r = verr(e, -EBADMSG, "version: missing or not an integer");
		goto out;
	}
	if (ver != 1) {
		r = verr(e, -EPROTO, "version %lld is not supported (this build reads 1)", (long long)ver);
		goto out;
	}
	if (!is_arr(&k->d, m[2])) {
		r = verr(e, -EBADMSG, "workloads: missing or not an array");
		goto out;
	}
	pos = m[2];
	for (r = jr_arr_first(buf, len, &pos, &el); r > 0; r = jr_arr_next(buf, len, &pos, &el), i++) {
		if (i >= IMPORT_MAX_WORKLOADS) {
			r = verr(e, -E2BIG, "more than %d workloads", IMPORT_MAX_WORKLOADS);
			break;
		}
		if ((r = walk_workload(k, el, i)) < 0)
			break;
	}
out:
	free(k->wls.slot);
	free(k->feats.slot);
	free(k);
	return r < 0 ? r : 0;
}

/* ---- merge into a store ---------------------------------------------------- */

static int merge_workload(struct sensor_store *s, const struct imp_wl *w, struct verr *e)
{
	sqlite3_stmt *st = s->st[ST_GET_WL];
	const char *kind = w->kind, *klass = w->klass, *state = w->state;
	uint64_t ls = w->learn_start, ln = w->last_new, seen = 0;
	char okind[IMPORT_KIND_MAX + 1] = "", oclass[IMPORT_ID_MAX + 1] = "", ostate[17] = "";
	int rc;

	sqlite3_bind_text(st, 1, w->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		/* the store's identity and state win; times widen */
		snprintf(okind, sizeof(okind), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(oclass, sizeof(oclass), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(ostate, sizeof(ostate), "%s", (const char *)sqlite3_column_text(st, 2));
		if (*okind)
			kind = okind;
		if (*oclass)
			klass = oclass;
		state = ostate;
		if ((uint64_t)sqlite3_column_int64(st, 3) < ls)
			ls = (uint64_t)sqlite3_column_int64(st, 3);
		if ((uint64_t)sqlite3_column_int64(st, 4) > ln)
			ln = (uint64_t)sqlite3_column_int64(st, 4);
		seen = (uint64_t)sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return verr(e, store_err(rc), "reading workload %s: %s", w->id, sqlite3_errmsg(s->db));
	st = s->st[ST_PUT_WL];
	sqlite3_bind_text(st, 1, w->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, klass, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)ls);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)ln);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)seen);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return verr(e, store_err(rc), "writing workload %s: %s", w->id, sqlite3_errmsg(s->db));
	return 0;
}

static int merge_feature(struct sensor_store *s, const char *wl, const struct imp_feat *f, struct verr *e)
{
	sqlite3_stmt *st = s->st[ST_GET_FEAT];
	uint64_t count = f->count, first = f->first, last = f->last;
	uint32_t hours[HOURS_OF_WEEK];
	unsigned char blob[4 * HOURS_OF_WEEK];
	bool approved = f->approved;
	int rc;

	memcpy(hours, f->hours, sizeof(hours));
	sqlite3_bind_text(st, 1, wl, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		uint64_t oc = (uint64_t)sqlite3_column_int64(st, 0);
		uint32_t oh[HOURS_OF_WEEK] = { 0 };

		if (oc > INT64_MAX - count) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return verr(e, -EOVERFLOW, "%s %s: count would overflow", wl, f->key);
		}
		count += oc;
		if ((uint64_t)sqlite3_column_int64(st, 1) < first)
			first = (uint64_t)sqlite3_column_int64(st, 1);
		if ((uint64_t)sqlite3_column_int64(st, 2) > last)
			last = (uint64_t)sqlite3_column_int64(st, 2);
		store_hours_decode(sqlite3_column_blob(st, 3), sqlite3_column_bytes(st, 3), oh);
		for (int h = 0; h < HOURS_OF_WEEK; h++) {
			if (oh[h] > UINT32_MAX - hours[h]) {
				sqlite3_reset(st);
				sqlite3_clear_bindings(st);
				return verr(e, -EOVERFLOW, "%s %s: hour %d count would overflow", wl,
					    f->key, h);
			}
			hours[h] += oh[h];
		}
		approved = approved || sqlite3_column_int(st, 4);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return verr(e, store_err(rc), "reading %s: %s", f->key, sqlite3_errmsg(s->db));
	st = s->st[ST_PUT_FEAT];
	store_hours_encode(hours, blob);
	sqlite3_bind_text(st, 1, wl, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)count);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)last);
	sqlite3_bind_blob(st, 6, blob, sizeof(blob), SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, approved);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return verr(e, store_err(rc), "writing %s: %s", f->key, sqlite3_errmsg(s->db));
	return 0;
}

struct merge {
	struct sensor_store *s;
	int n;
};

static int sink_merge_wl(void *ud, const struct imp_wl *w, struct verr *e)
{
	return merge_workload(((struct merge *)ud)->s, w, e);
}

static int sink_merge_feat(void *ud, const struct imp_wl *w, const struct imp_feat *f, struct verr *e)
{
	struct merge *m = ud;
	int r = merge_feature(m->s, w->id, f, e);

	if (r < 0)
		return r;
	m->n++;
	return 0;
}

int sensor_store_import(sensor_store *s, const char *buf, size_t len, uint32_t flags, char *err,
			size_t errlen)
{
	struct verr e = { err, errlen };
	struct merge m = { s, 0 };
	const struct imp_sink sink = { sink_merge_wl, sink_merge_feat, &m };
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!s || flags)
		return verr(&e, -EINVAL, "bad arguments");
	if (s->readonly)
		return verr(&e, -EROFS, "the store is read-only");
	if (!buf)
		return verr(&e, -EINVAL, "no document");
	r = store_exec(s, "BEGIN IMMEDIATE");
	if (r < 0)
		return verr(&e, r, "cannot start a transaction: %s", sqlite3_errmsg(s->db));
	r = imp_walk(buf, len, &sink, &e);
	if (r >= 0) {
		r = store_exec(s, "COMMIT");
		if (r < 0)
			verr(&e, r, "commit failed: %s", sqlite3_errmsg(s->db));
	}
	if (r < 0)
		store_exec(s, "ROLLBACK");
	return r < 0 ? r : m.n;
}

int sensor_store_merge(sensor_store *dst, sensor_store *src, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (!dst || !src)
		return -EINVAL;
	r = sensor_store_export(src, NULL, &buf, &len);
	if (r < 0) {
		if (err && errlen)
			snprintf(err, errlen, "cannot export the source store: %s", strerror(-r));
		return r;
	}
	r = sensor_store_import(dst, buf, len, 0, err, errlen);
	free(buf);
	return r;
}

/* ---- diff: both documents collected (keys copied, hours whole) ------------- */

struct dfeat {
	char *key;
	uint64_t count;
	bool approved;
	uint32_t hours[HOURS_OF_WEEK];
};

struct dwl {
	char *id;
	size_t nfeat, cap;
	struct dfeat *feats;
};

struct dimp {
	size_t nwl, cap;
	struct dwl *wls;
};

static void dimp_free(struct dimp *im)
{
	for (size_t i = 0; i < im->nwl; i++) {
		for (size_t k = 0; k < im->wls[i].nfeat; k++)
			free(im->wls[i].feats[k].key);
		free(im->wls[i].feats);
		free(im->wls[i].id);
	}
	free(im->wls);
	memset(im, 0, sizeof(*im));
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *np;

	if (n < *cap)
		return 0;
	np = realloc(*p, (*cap ? *cap * 2 : 16) * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = *cap ? *cap * 2 : 16;
	return 0;
}

static int sink_diff_wl(void *ud, const struct imp_wl *w, struct verr *e)
{
	struct dimp *im = ud;
	struct dwl *d;

	if (grow((void **)&im->wls, &im->cap, im->nwl, sizeof(*im->wls)) < 0)
		return verr(e, -ENOMEM, "out of memory");
	d = &im->wls[im->nwl];
	memset(d, 0, sizeof(*d));
	d->id = strdup(w->id);
	if (!d->id)
		return verr(e, -ENOMEM, "out of memory");
	im->nwl++;
	return 0;
}

static int sink_diff_feat(void *ud, const struct imp_wl *w, const struct imp_feat *f, struct verr *e)
{
	struct dimp *im = ud;
	struct dwl *d = &im->wls[im->nwl - 1];
	struct dfeat *df;

	(void)w;
	if (grow((void **)&d->feats, &d->cap, d->nfeat, sizeof(*d->feats)) < 0)
		return verr(e, -ENOMEM, "out of memory");
	df = &d->feats[d->nfeat];
	df->key = strdup(f->key);
	if (!df->key)
		return verr(e, -ENOMEM, "out of memory");
	df->count = f->count;
	df->approved = f->approved;
	memcpy(df->hours, f->hours, sizeof(df->hours));
	d->nfeat++;
	return 0;
}

static int cmp_feat(const void *a, const void *b)
{
	return strcmp(((const struct dfeat *)a)->key, ((const struct dfeat *)b)->key);
}

static int cmp_wl(const void *a, const void *b)
{
	return strcmp(((const struct dwl *)a)->id, ((const struct dwl *)b)->id);
}

static int dimp_read(const char *buf, size_t len, struct dimp *im, struct verr *e)
{
	const struct imp_sink sink = { sink_diff_wl, sink_diff_feat, im };
	int r;

	memset(im, 0, sizeof(*im));
	r = imp_walk(buf, len, &sink, e);
	if (r < 0)
		return r;
	/* qsort's array may not be NULL, even for 0 elements (an empty document) */
	if (im->nwl > 1)
		qsort(im->wls, im->nwl, sizeof(*im->wls), cmp_wl);
	for (size_t i = 0; i < im->nwl; i++)
		if (im->wls[i].nfeat > 1)
			qsort(im->wls[i].feats, im->wls[i].nfeat, sizeof(struct dfeat), cmp_feat);
	return 0;
}

static bool same_feature(const struct dfeat *a, const struct dfeat *b)
{
	return a->count == b->count && memcmp(a->hours, b->hours, sizeof(a->hours)) == 0 &&
	       a->approved == b->approved;
}

static int diff_wl(const struct dwl *a, const struct dwl *b, const char *id,
		   sensor_diff_fn fn, void *ud, int *n)
{
	size_t i = 0, j = 0, na = a ? a->nfeat : 0, nb = b ? b->nfeat : 0;
	int r = 0;

	while ((i < na || j < nb) && r >= 0) {
		int c = i >= na ? 1 : j >= nb ? -1 : strcmp(a->feats[i].key, b->feats[j].key);

		if (c < 0) {
			r = fn ? fn(ud, SENSOR_DIFF_REMOVED, id, a->feats[i].key, a->feats[i].count, 0) : 0;
			(*n)++;
			i++;
		} else if (c > 0) {
			r = fn ? fn(ud, SENSOR_DIFF_ADDED, id, b->feats[j].key, 0, b->feats[j].count) : 0;
			(*n)++;
			j++;
		} else {
			if (!same_feature(&a->feats[i], &b->feats[j])) {
				r = fn ? fn(ud, SENSOR_DIFF_CHANGED, id, a->feats[i].key,
					    a->feats[i].count, b->feats[j].count) : 0;
				(*n)++;
			}
			i++;
			j++;
		}
	}
	return r;
}

int sensor_baseline_diff(const char *a, size_t alen, const char *b, size_t blen,
			 sensor_diff_fn fn, void *userdata, char *err, size_t errlen)
{
	struct verr e = { err, errlen };
	struct dimp ia, ib;
	size_t i = 0, j = 0;
	int r, n = 0;

	r = dimp_read(a, alen, &ia, &e);
	if (r < 0) {
		dimp_free(&ia);
		return r;
	}
	r = dimp_read(b, blen, &ib, &e);
	if (r < 0) {
		dimp_free(&ia);
		dimp_free(&ib);
		return r;
	}
	while ((i < ia.nwl || j < ib.nwl) && r >= 0) {
		int c = i >= ia.nwl ? 1 : j >= ib.nwl ? -1 : strcmp(ia.wls[i].id, ib.wls[j].id);

		if (c < 0) {
			r = diff_wl(&ia.wls[i], NULL, ia.wls[i].id, fn, userdata, &n);
			i++;
		} else if (c > 0) {
			r = diff_wl(NULL, &ib.wls[j], ib.wls[j].id, fn, userdata, &n);
			j++;
		} else {
			r = diff_wl(&ia.wls[i], &ib.wls[j], ia.wls[i].id, fn, userdata, &n);
			i++;
			j++;
		}
	}
	dimp_free(&ia);
	dimp_free(&ib);
	return r < 0 ? r : n;
}
