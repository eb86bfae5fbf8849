/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* In-memory baseline model: flat arrays and chained hash tables (model.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "features.h"
#include "model.h"

#define MAX_FEATURES (1u << 28)

/* FNV-1a 64, seeded with the model index. */
uint64_t model_hash(uint32_t wl, const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ ((uint64_t)wl * 0x9e3779b97f4a7c15ull);

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

unsigned hour_of_week(uint64_t t_ns)
{
	uint64_t s = t_ns / 1000000000u;
	uint64_t days = s / 86400, hour = (s % 86400) / 3600;

	/* 1970-01-01 was a Thursday: day 0 is index 3 from Monday. */
	return (unsigned)(((days + 3) % 7) * 24 + hour);
}

int model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->nbuckets = 1024;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	m->nwbuckets = 256;
	m->wbuckets = calloc(m->nwbuckets, sizeof(*m->wbuckets));
	if (!m->buckets || !m->wbuckets) {
		model_release(m);
		return -ENOMEM;
	}
	return 0;
}

void model_release(struct model *m)
{
	for (uint32_t i = 0; i < m->nwls; i++) {
		free(m->wls[i].id);
		free(m->wls[i].kind);
		free(m->wls[i].klass);
	}
	for (size_t i = 0; i < m->ndels; i++) {
		free(m->dels[i].wl);
		free(m->dels[i].key);
	}
	free(m->dels);
	for (uint32_t i = 0; i < m->nfeats; i++)
		free(m->feats[i].hours_full);
	free(m->wls);
	free(m->wbuckets);
	free(m->feats);
	free(m->buckets);
	free(m->pool);
	memset(m, 0, sizeof(*m));
}

static uint64_t str_hash(const char *s)
{
	return model_hash(0, s, strlen(s));
}

uint32_t model_wl_find(struct model *m, const char *id)
{
	uint64_t h = str_hash(id);

	for (uint32_t i = m->wbuckets[h & (m->nwbuckets - 1)]; i; i = m->wls[i - 1].hnext)
		if (m->wls[i - 1].idhash == h && strcmp(m->wls[i - 1].id, id) == 0)
			return i - 1;
	return MODEL_NONE;
}

static int wl_rehash(struct model *m)
{
	uint32_t nb = m->nwbuckets * 2, *b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->nwls; i++) {
		uint32_t s = (uint32_t)(m->wls[i].idhash & (nb - 1));

		m->wls[i].hnext = b[s];
		b[s] = i + 1;
	}
	free(m->wbuckets);
	m->wbuckets = b;
	m->nwbuckets = nb;
	return 0;
}

uint32_t model_wl_get(struct model *m, const char *id, const char *kind, const char *klass,
		      uint64_t now)
{
	uint32_t i = model_wl_find(m, id);
	struct wmodel *w;

	if (i != MODEL_NONE)
		return i;
	if (m->nwls == m->capwls) {
		uint32_t cap = m->capwls ? m->capwls * 2 : 64;
		struct wmodel *n = realloc(m->wls, cap * sizeof(*n));

		if (!n)
			return MODEL_NONE;
		m->wls = n;
		m->capwls = cap;
	}
	if (m->nwls >= m->nwbuckets && wl_rehash(m) < 0)
		return MODEL_NONE;
	w = &m->wls[m->nwls];
	memset(w, 0, sizeof(*w));
	w->id = strdup(id);
	w->kind = strdup(kind ? kind : "");
	w->klass = strdup(klass ? klass : "");
	if (!w->id || !w->kind || !w->klass) {
		free(w->id);
		free(w->kind);
		free(w->klass);
		return MODEL_NONE;
	}
	w->idhash = str_hash(id);
	w->cls = MODEL_NONE;
	w->state = WL_LEARNING;
	w->is_class = strncmp(id, "class:", 6) == 0;
	w->learn_start = w->last_new = w->last_seen = now;
	w->dirty = true;
	w->hnext = m->wbuckets[w->idhash & (m->nwbuckets - 1)];
	m->wbuckets[w->idhash & (m->nwbuckets - 1)] = m->nwls + 1;
	return m->nwls++;
}

uint32_t model_feat_find(const struct model *m, uint32_t wl, const char *key, size_t len,
			 uint64_t hash)
{
	for (uint32_t i = m->buckets[hash & (m->nbuckets - 1)]; i; i = m->feats[i - 1].hnext) {
		const struct feat *f = &m->feats[i - 1];

		if (f->hash == hash && f->wl == wl && f->klen == len &&
		    memcmp(m->pool + f->key, key, len) == 0)
			return i - 1;
	}
	return MODEL_NONE;
}

static int feat_rehash(struct model *m)
{
	uint32_t nb = m->nbuckets * 2, *b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->nfeats; i++) {
		struct feat *f = &m->feats[i];
		uint32_t s;

		if (f->flags & FEAT_F_DEAD)
			continue;
		s = (uint32_t)(f->hash & (nb - 1));
		f->hnext = b[s];
		b[s] = i + 1;
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = nb;
	return 0;
}

static int pool_put(struct model *m, const char *s, size_t n, uint32_t *off)
{
	if (m->pool_len + n + 1 > m->pool_cap) {
		size_t cap = m->pool_cap ? m->pool_cap : 65536;
		char *p;

		while (cap < m->pool_len + n + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -E2BIG;
		p = realloc(m->pool, cap);
		if (!p)
			return -ENOMEM;
		m->pool = p;
		m->pool_cap = cap;
	}
	*off = (uint32_t)m->pool_len;
	memcpy(m->pool + m->pool_len, s, n);
	m->pool[m->pool_len + n] = '\0';
	m->pool_len += n + 1;
	return 0;
}

uint32_t model_feat_add(struct model *m, uint32_t wl, const char *key, size_t len, uint64_t hash,
			uint8_t kind, uint8_t flags)
{
	uint32_t i, off, slot;
	struct feat *f;

	if (m->max_feat_per_wl && m->wls[wl].nfeat >= m->max_feat_per_wl) {
		/* a workload made to invent features without end (80 k paths in 2 s) stops here */
		m->capped++;
		return MODEL_NONE;
	}
	if (len > UINT16_MAX || pool_put(m, key, len, &off) < 0)
		return MODEL_NONE;
	if (m->free_head) {
		i = m->free_head - 1;
		m->free_head = m->feats[i].hnext;
	} else {
		if (m->nfeats == m->capfeats) {
			uint32_t cap = m->capfeats ? m->capfeats * 2 : 1024;
			struct feat *n;

			if (cap > MAX_FEATURES)
				return MODEL_NONE;
			n = realloc(m->feats, (size_t)cap * sizeof(*n));
			if (!n)
				return MODEL_NONE;
			m->feats = n;
			m->capfeats = cap;
		}
		i = m->nfeats++;
	}
	if (m->live + 1 > m->nbuckets - m->nbuckets / 4 && feat_rehash(m) < 0) {
		/* keep going on the smaller table: longer chains, still correct */
	}
	f = &m->feats[i];
	memset(f, 0, sizeof(*f));
	f->hash = hash;
	f->wl = wl;
	f->key = off;
	f->klen = (uint16_t)len;
	f->kind = kind;
	f->flags = flags;
	slot = (uint32_t)(hash & (m->nbuckets - 1));
	f->hnext = m->buckets[slot];
	m->buckets[slot] = i + 1;
	m->live++;
	m->wls[wl].nfeat++;
	model_feat_dirty(m, i);
	return i;
}

void model_feat_dirty(struct model *m, uint32_t fi)
{
	struct feat *f = &m->feats[fi];

	if (f->flags & FEAT_F_DIRTY)
		return;
	f->flags |= FEAT_F_DIRTY;
	f->dnext = m->dirty_head;
	m->dirty_head = fi + 1;
}

void model_feat_observe(struct model *m, uint32_t fi, uint64_t t)
{
	struct feat *f = &m->feats[fi];

	if (f->count == 0 || t < f->first)
		f->first = t;
	if (t > f->last)
		f->last = t;
	f->count++;
	model_hour_add(f, hour_of_week(t), 1);
	model_feat_dirty(m, fi);
}

int model_feat_remove(struct model *m, uint32_t fi)
{
	struct feat *f = &m->feats[fi];
	uint32_t *pp = &m->buckets[f->hash & (m->nbuckets - 1)];
	struct model_del *d;

	if (f->flags & FEAT_F_DEAD)
		return 0;
	if (m->ndels == m->capdels) {
		size_t cap = m->capdels ? m->capdels * 2 : 64;
		struct model_del *n = realloc(m->dels, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->dels = n;
		m->capdels = cap;
	}
	d = &m->dels[m->ndels];
	d->wl = strdup(m->wls[f->wl].id);
	d->key = strndup(m->pool + f->key, f->klen);
	if (!d->wl || !d->key) {
		free(d->wl);
		free(d->key);
		return -ENOMEM;
	}
	m->ndels++;
	while (*pp && *pp != fi + 1)
		pp = &m->feats[*pp - 1].hnext;
	if (*pp)
		*pp = f->hnext;
	/* A dirty feature stays on the dirty list; the flush skips dead ones. */
	f->flags |= FEAT_F_DEAD;
	f->count = 0;
	free(f->hours_full);
	f->hours_full = NULL;
	f->nh = 0;
	if (m->wls[f->wl].nfeat)
		m->wls[f->wl].nfeat--;
	m->live--;
	if (!(f->flags & FEAT_F_DIRTY)) {
		f->hnext = m->free_head;
		m->free_head = fi + 1;
	}
	return 0;
}

/* ---- hour-of-week profile ------------------------------------------------ */

uint32_t model_hour_count(const struct feat *f, unsigned h)
{
	if (f->hours_full)
		return f->hours_full[h];
	for (unsigned i = 0; i < f->nh; i++)
		if (f->hh[i] == h)
			return f->hc[i];
	return 0;
}

int model_hour_add(struct feat *f, unsigned h, uint32_t n)
{
	if (h >= HOURS_OF_WEEK)
		return -EINVAL;
	if (!f->hours_full) {
		for (unsigned i = 0; i < f->nh; i++)
			if (f->hh[i] == h) {
				f->hc[i] += n;
				return 0;
			}
		if (f->nh < FEAT_INLINE_HOURS) {
			f->hh[f->nh] = (uint8_t)h;
			f->hc[f->nh++] = n;
			return 0;
		}
		/* a seventh distinct hour: move to the full array, once */
		f->hours_full = calloc(HOURS_OF_WEEK, sizeof(uint32_t));
		if (!f->hours_full)
			return -ENOMEM;
		for (unsigned i = 0; i < f->nh; i++)
			f->hours_full[f->hh[i]] = f->hc[i];
		f->nh = 0;
	}
	f->hours_full[h] += n;
	return 0;
}

void model_hours_get(const struct feat *f, uint32_t out[HOURS_OF_WEEK])
{
	if (f->hours_full) {
		memcpy(out, f->hours_full, HOURS_OF_WEEK * sizeof(uint32_t));
		return;
	}
	memset(out, 0, HOURS_OF_WEEK * sizeof(uint32_t));
	for (unsigned i = 0; i < f->nh; i++)
		out[f->hh[i]] = f->hc[i];
}

int model_hours_set(struct feat *f, const uint32_t in[HOURS_OF_WEEK])
{
	int r = 0;

	free(f->hours_full);
	f->hours_full = NULL;
	f->nh = 0;
	for (unsigned h = 0; h < HOURS_OF_WEEK && r == 0; h++)
		if (in[h])
			r = model_hour_add(f, h, in[h]);
	return r;
}

unsigned model_hours_seen(const struct feat *f)
{
	unsigned n = 0;

	if (!f->hours_full)
		return f->nh;
	for (unsigned h = 0; h < HOURS_OF_WEEK; h++)
		n += f->hours_full[h] != 0;
	return n;
}
