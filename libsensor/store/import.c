/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Import of baseline exports (docs/export-format.md). The document is
 * untrusted: it is parsed by jansson (strict JSON, duplicate keys refused),
 * then checked member by member against the schema, types, sizes and
 * limits before anything is written; the merge (counts add, first/last
 * seen min/max, hour profiles add) runs in one transaction that is rolled
 * back on any error, so a rejected file leaves the store unchanged.
 * The same validated form feeds sensor_baseline_diff().
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline/features.h"
#include "baseline/model.h"
#include "store-int.h"

#define IMPORT_MAX_BYTES (256u << 20)
#define IMPORT_MAX_WORKLOADS 100000
#define IMPORT_MAX_FEATURES 4000000 /* in all workloads together */
#define IMPORT_ID_MAX 255
#define IMPORT_KIND_MAX 32
#define IMPORT_MAX_COUNT (UINT64_C(1) << 53) /* exact in every JSON reader */
/*
 * What the parsed tree and the validated form may cost, against the
 * document's size: a parser tree costs tens of bytes per value whatever the
 * value's size, so a document of tiny values ("[1,1,1,...", "[{},{},...")
 * multiplies its size (a 50 MB one took 1.76 GB). The cost is counted
 * before any tree is built.
 */
#define IMPORT_COST_VALUE 48  /* a jansson value with its allocation */
#define IMPORT_COST_MEMBER 64 /* an object member: hashtable pair and key copy */
#define IMPORT_AMPLIFY 16u
#define IMPORT_COST_FLOOR (64u << 20)

struct imp_feat {
	const char *key;
	uint64_t count, first, last;
	bool approved;
	uint32_t hours[HOURS_OF_WEEK];
};

struct imp_wl {
	const char *id, *kind, *klass, *state;
	uint64_t learn_start, last_new;
	size_t nfeat;
	struct imp_feat *feats;
};

struct imp {
	json_t *root;
	size_t nwl, total;
	struct imp_wl *wls;
};

/*
 * Count values, members and objects outside strings in one pass and refuse
 * a document whose tree and validated form would cost more than
 * IMPORT_AMPLIFY times its size (and more than a floor small documents
 * never reach). Each object is charged a whole feature of the validated
 * form. Malformed JSON is for the parser to name; this only counts.
 */
static int import_cost_check(const char *buf, size_t len)
{
	uint64_t values = 0, members = 0, objects = 0, cost;
	bool in_str = false, in_scalar = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			values++;
			in_scalar = false;
			break;
		case '{':
			objects++;
			values++;
			in_scalar = false;
			break;
		case '[':
			values++;
			in_scalar = false;
			break;
		case ':':
			members++;
			if (values)
				values--; /* the key was counted as a string */
			in_scalar = false;
			break;
		case ',': case ']': case '}': case ' ': case '\n': case '\r': case '\t':
			in_scalar = false;
			break;
		default:
			if (!in_scalar)
				values++; /* a number, true, false or null starts */
			in_scalar = true;
			break;
		}
	}
	cost = values * IMPORT_COST_VALUE + members * IMPORT_COST_MEMBER +
	       objects * sizeof(struct imp_feat);
	return cost > (uint64_t)len * IMPORT_AMPLIFY && cost > IMPORT_COST_FLOOR ? -E2BIG : 0;
}

struct verr {
	char *buf;
	size_t len;
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

static void imp_free(struct imp *im)
{
	for (size_t i = 0; i < im->nwl; i++)
		free(im->wls[i].feats);
	free(im->wls);
	json_decref(im->root);
	memset(im, 0, sizeof(*im));
}

/* Only the members in `allowed` (NULL-terminated) may appear. */
static int only_members(struct verr *e, json_t *o, const char *where, const char *const *allowed)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		size_t i;

		for (i = 0; allowed[i]; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (!allowed[i])
			return verr(e, -EBADMSG, "%s: unknown member \"%.64s\"", where, k);
	}
	return 0;
}

static int get_str(struct verr *e, json_t *o, const char *where, const char *name, size_t min,
		   size_t max, const char **ret)
{
	json_t *v = json_object_get(o, name);
	const char *s;
	size_t n;

	if (!v || !json_is_string(v))
		return verr(e, -EBADMSG, "%s.%s: missing or not a string", where, name);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n < min || n > max)
		return verr(e, n > max ? -E2BIG : -EBADMSG, "%s.%s: length %zu not in %zu..%zu",
			    where, name, n, min, max);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return verr(e, -EBADMSG, "%s.%s: control character", where, name);
	*ret = s;
	return 0;
}

static int get_u64(struct verr *e, json_t *o, const char *where, const char *name, uint64_t min,
		   uint64_t max, uint64_t *ret)
{
	json_t *v = json_object_get(o, name);
	json_int_t x;

	if (!v || !json_is_integer(v))
		return verr(e, -EBADMSG, "%s.%s: missing or not an integer", where, name);
	x = json_integer_value(v);
	if (x < 0 || (uint64_t)x < min || (uint64_t)x > max)
		return verr(e, -EBADMSG, "%s.%s: %lld not in %llu..%llu", where, name, (long long)x,
			    (unsigned long long)min, (unsigned long long)max);
	*ret = (uint64_t)x;
	return 0;
}

static int parse_feature(struct verr *e, json_t *fo, const char *where, struct imp_feat *f)
{
	static const char *const members[] = { "key", "count", "first", "last", "approved",
					       "hours", NULL };
	json_t *hv, *pair, *ap;
	size_t i;
	int r, prev = -1;

	if (!json_is_object(fo))
		return verr(e, -EBADMSG, "%s: not an object", where);
	if ((r = only_members(e, fo, where, members)) < 0 ||
	    (r = get_str(e, fo, where, "key", 1, FEAT_KEY_MAX - 1, &f->key)) < 0 ||
	    (r = get_u64(e, fo, where, "count", 1, IMPORT_MAX_COUNT, &f->count)) < 0 ||
	    (r = get_u64(e, fo, where, "first", 0, INT64_MAX, &f->first)) < 0 ||
	    (r = get_u64(e, fo, where, "last", 0, INT64_MAX, &f->last)) < 0)
		return r;
	if (feat_kind_of_key(f->key, strlen(f->key)) == FEAT_NONE)
		return verr(e, -EBADMSG, "%s.key: unknown feature kind in \"%.64s\"", where, f->key);
	if (f->first > f->last)
		return verr(e, -EBADMSG, "%s: first seen after last seen", where);
	ap = json_object_get(fo, "approved");
	if (!ap || !json_is_boolean(ap))
		return verr(e, -EBADMSG, "%s.approved: missing or not a boolean", where);
	f->approved = json_is_true(ap);
	hv = json_object_get(fo, "hours");
	if (!hv || !json_is_array(hv))
		return verr(e, -EBADMSG, "%s.hours: missing or not an array", where);
	if (json_array_size(hv) > HOURS_OF_WEEK)
		return verr(e, -E2BIG, "%s.hours: more than %d entries", where, HOURS_OF_WEEK);
	memset(f->hours, 0, sizeof(f->hours));
	json_array_foreach(hv, i, pair) {
		json_t *h = json_array_get(pair, 0), *c = json_array_get(pair, 1);
		json_int_t hh, cc;

		if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_integer(h) ||
		    !json_is_integer(c))
			return verr(e, -EBADMSG, "%s.hours[%zu]: not an [hour, count] pair", where, i);
		hh = json_integer_value(h);
		cc = json_integer_value(c);
		if (hh < 0 || hh >= HOURS_OF_WEEK || hh <= prev)
			return verr(e, -EBADMSG, "%s.hours[%zu]: hour %lld out of range or order",
				    where, i, (long long)hh);
		if (cc < 1 || cc > UINT32_MAX)
			return verr(e, -EBADMSG, "%s.hours[%zu]: count %lld not in 1..%u", where, i,
				    (long long)cc, UINT32_MAX);
		f->hours[hh] = (uint32_t)cc;
		prev = (int)hh;
	}
	return 0;
}

static int cmp_feat(const void *a, const void *b)
{
	return strcmp(((const struct imp_feat *)a)->key, ((const struct imp_feat *)b)->key);
}

static int cmp_wl(const void *a, const void *b)
{
	return strcmp(((const struct imp_wl *)a)->id, ((const struct imp_wl *)b)->id);
}

static int parse_workload(struct verr *e, struct imp *im, json_t *wo, size_t idx, struct imp_wl *w)
{
	static const char *const members[] = { "id", "kind", "class", "state", "learn_start",
					       "last_new", "features", NULL };
	char where[64];
	json_t *fa, *fo;
	size_t i;
	int r;

	snprintf(where, sizeof(where), "workloads[%zu]", idx);
	if (!json_is_object(wo))
		return verr(e, -EBADMSG, "%s: not an object", where);
	if ((r = only_members(e, wo, where, members)) < 0 ||
	    (r = get_str(e, wo, where, "id", 1, IMPORT_ID_MAX, &w->id)) < 0 ||
	    (r = get_str(e, wo, where, "kind", 0, IMPORT_KIND_MAX, &w->kind)) < 0 ||
	    (r = get_str(e, wo, where, "class", 0, IMPORT_ID_MAX, &w->klass)) < 0 ||
	    (r = get_str(e, wo, where, "state", 1, 16, &w->state)) < 0 ||
	    (r = get_u64(e, wo, where, "learn_start", 0, INT64_MAX, &w->learn_start)) < 0 ||
	    (r = get_u64(e, wo, where, "last_new", 0, INT64_MAX, &w->last_new)) < 0)
		return r;
	if (strcmp(w->state, "learning") && strcmp(w->state, "monitoring") &&
	    strcmp(w->state, "enforcing"))
		return verr(e, -EBADMSG, "%s.state: \"%s\" is not learning|monitoring|enforcing",
			    where, w->state);
	fa = json_object_get(wo, "features");
	if (!fa || !json_is_array(fa))
		return verr(e, -EBADMSG, "%s.features: missing or not an array", where);
	w->nfeat = json_array_size(fa);
	if (w->nfeat > IMPORT_MAX_FEATURES - im->total)
		return verr(e, -E2BIG, "more than %d features", IMPORT_MAX_FEATURES);
	im->total += w->nfeat;
	w->feats = calloc(w->nfeat ? w->nfeat : 1, sizeof(*w->feats));
	if (!w->feats)
		return verr(e, -ENOMEM, "out of memory");
	json_array_foreach(fa, i, fo) {
		char fw[96];

		snprintf(fw, sizeof(fw), "%s.features[%zu]", where, i);
		r = parse_feature(e, fo, fw, &w->feats[i]);
		if (r < 0)
			return r;
	}
	qsort(w->feats, w->nfeat, sizeof(*w->feats), cmp_feat);
	for (i = 1; i < w->nfeat; i++)
		if (strcmp(w->feats[i - 1].key, w->feats[i].key) == 0)
			return verr(e, -EBADMSG, "%s: feature \"%.64s\" appears twice", where,
				    w->feats[i].key);
	return 0;
}

static int imp_parse(const char *buf, size_t len, struct imp *im, struct verr *e)
{
	static const char *const members[] = { "format", "version", "workloads", NULL };
	json_error_t jerr;
	json_t *v, *wa, *wo;
	const char *fmt;
	size_t i;
	int r;

	memset(im, 0, sizeof(*im));
	if (!buf)
		return verr(e, -EINVAL, "no document");
	if (len > IMPORT_MAX_BYTES)
		return verr(e, -E2BIG, "document larger than %u bytes", IMPORT_MAX_BYTES);
	r = import_cost_check(buf, len);
	if (r < 0)
		return verr(e, r, "document would take more than %ux its size in memory to read: refused",
			    IMPORT_AMPLIFY);
	im->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!im->root)
		return verr(e, -EBADMSG, "not valid JSON: line %d column %d: %s", jerr.line,
			    jerr.column, jerr.text);
	if (!json_is_object(im->root))
		return verr(e, -EBADMSG, "top level: not an object");
	if ((r = only_members(e, im->root, "top level", members)) < 0 ||
	    (r = get_str(e, im->root, "top level", "format", 1, 64, &fmt)) < 0)
		return r;
	if (strcmp(fmt, "rtsensor-baseline") != 0)
		return verr(e, -EBADMSG, "format \"%s\" is not rtsensor-baseline", fmt);
	v = json_object_get(im->root, "version");
	if (!v || !json_is_integer(v))
		return verr(e, -EBADMSG, "version: missing or not an integer");
	if (json_integer_value(v) != 1)
		return verr(e, -EPROTO, "version %lld is not supported (this build reads 1)",
			    (long long)json_integer_value(v));
	wa = json_object_get(im->root, "workloads");
	if (!wa || !json_is_array(wa))
		return verr(e, -EBADMSG, "workloads: missing or not an array");
	if (json_array_size(wa) > IMPORT_MAX_WORKLOADS)
		return verr(e, -E2BIG, "more than %d workloads", IMPORT_MAX_WORKLOADS);
	im->wls = calloc(json_array_size(wa) + 1, sizeof(*im->wls));
	if (!im->wls)
		return verr(e, -ENOMEM, "out of memory");
	json_array_foreach(wa, i, wo) {
		r = parse_workload(e, im, wo, i, &im->wls[i]);
		im->nwl = i + 1;
		if (r < 0)
			return r;
	}
	qsort(im->wls, im->nwl, sizeof(*im->wls), cmp_wl);
	for (i = 1; i < im->nwl; i++)
		if (strcmp(im->wls[i - 1].id, im->wls[i].id) == 0)
			return verr(e, -EBADMSG, "workload \"%.64s\" appears twice", im->wls[i].id);
	return 0;
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

int sensor_store_import(sensor_store *s, const char *buf, size_t len, uint32_t flags, char *err,
			size_t errlen)
{
	struct verr e = { err, errlen };
	struct imp im;
	int r, n = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!s || flags)
		return verr(&e, -EINVAL, "bad arguments");
	if (s->readonly)
		return verr(&e, -EROFS, "the store is read-only");
	r = imp_parse(buf, len, &im, &e);
	if (r < 0)
		goto out;
	r = store_exec(s, "BEGIN IMMEDIATE");
	if (r < 0) {
		verr(&e, r, "cannot start a transaction: %s", sqlite3_errmsg(s->db));
		goto out;
	}
	for (size_t i = 0; i < im.nwl && r >= 0; i++) {
		r = merge_workload(s, &im.wls[i], &e);
		for (size_t k = 0; k < im.wls[i].nfeat && r >= 0; k++, n++)
			r = merge_feature(s, im.wls[i].id, &im.wls[i].feats[k], &e);
	}
	if (r >= 0) {
		r = store_exec(s, "COMMIT");
		if (r < 0)
			verr(&e, r, "commit failed: %s", sqlite3_errmsg(s->db));
	}
	if (r < 0)
		store_exec(s, "ROLLBACK");
out:
	imp_free(&im);
	return r < 0 ? r : n;
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

/* ---- diff ------------------------------------------------------------------ */

static bool same_feature(const struct imp_feat *a, const struct imp_feat *b)
{
	return a->count == b->count && memcmp(a->hours, b->hours, sizeof(a->hours)) == 0 &&
	       a->approved == b->approved;
}

static int diff_wl(const struct imp_wl *a, const struct imp_wl *b, const char *id,
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
	struct imp ia, ib;
	size_t i = 0, j = 0;
	int r, n = 0;

	r = imp_parse(a, alen, &ia, &e);
	if (r < 0) {
		imp_free(&ia);
		return r;
	}
	r = imp_parse(b, blen, &ib, &e);
	if (r < 0) {
		imp_free(&ia);
		imp_free(&ib);
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
	imp_free(&ia);
	imp_free(&ib);
	return r < 0 ? r : n;
}
