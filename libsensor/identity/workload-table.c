/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interned workload instances: one immutable, ref-counted object per identity. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workload-meta.h"
#include "workload.h"

#define NFIELDS (SENSOR_FIELD_WORKLOAD_CGROUP - SENSOR_FIELD_WORKLOAD_KIND + 1)

struct workload_table {
	struct workload **buckets;
	unsigned nbuckets;
	unsigned count, max;
	/* instances with a rootfs: workload_by_path() walks the whole table
	 * (1024 buckets at least) only when there is one - on a host without
	 * containers that walk was a quarter of fanotify's instructions per
	 * event (every record of a process already gone) */
	unsigned nrootfs;
	char *oci_roots; /* NULL: the defaults */
};

static uint64_t fnv1a(const char *s, uint64_t h)
{
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

static uint64_t desc_hash(const struct workload_desc *d)
{
	uint64_t h = 14695981039346656037u;

	h = fnv1a(d->kind, h);
	h = fnv1a("\x1f", h);
	return fnv1a(d->id, h);
}

int workload_table_new(unsigned max, const char *oci_roots, struct workload_table **ret)
{
	struct workload_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	if (oci_roots && !(t->oci_roots = strdup(oci_roots))) {
		free(t);
		return -ENOMEM;
	}
	t->nbuckets = 1024;
	while (t->nbuckets < max)
		t->nbuckets *= 2;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	t->max = max;
	*ret = t;
	return 0;
}

void workload_table_free(struct workload_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->nbuckets; i++) {
		struct workload *w = t->buckets[i], *n;

		for (; w; w = n) {
			n = w->hnext;
			w->hnext = NULL;
			workload_unref(w);
		}
	}
	free(t->buckets);
	free(t->oci_roots);
	free(t);
}

uint64_t workload_table_count(struct workload_table *t)
{
	return t ? t->count : 0;
}

static const char *desc_str(const struct workload_desc *d, int i)
{
	switch (i + SENSOR_FIELD_WORKLOAD_KIND) {
	case SENSOR_FIELD_WORKLOAD_KIND: return d->kind;
	case SENSOR_FIELD_WORKLOAD_ID: return d->id;
	case SENSOR_FIELD_WORKLOAD_CLASS: return d->klass;
	case SENSOR_FIELD_WORKLOAD_RUNTIME: return d->runtime;
	case SENSOR_FIELD_WORKLOAD_POD: return d->pod;
	case SENSOR_FIELD_WORKLOAD_QOS: return d->qos;
	default: return d->cgroup;
	}
}

/* Drop instances nobody references any more, to stay under max. */
static void evict(struct workload_table *t)
{
	for (unsigned i = 0; i < t->nbuckets && t->count >= t->max; i++) {
		struct workload **pw = &t->buckets[i];

		while (*pw && t->count >= t->max) {
			struct workload *w = *pw;

			if (atomic_load(&w->ref) == 1) {
				*pw = w->hnext;
				t->count--;
				t->nrootfs -= w->rootfs != NULL;
				workload_unref(w);
			} else {
				pw = &w->hnext;
			}
		}
	}
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait before the next runtime-state lookup of a pending container. */
static uint64_t meta_backoff_ns(uint32_t tries)
{
	uint64_t ns = 50000000u;

	while (tries-- > 0 && ns < 5000000000u)
		ns *= 2;
	return ns < 5000000000u ? ns : 5000000000u;
}

/* A new instance object for d (one reference: the caller's), or NULL on ENOMEM. */
static struct workload *build(struct workload_table *t, const struct workload_desc *d, uint64_t h)
{
	struct workload_desc with_class;
	struct workload_meta meta;
	const char *names[WL_NAMES];
	bool pending = false;
	size_t total = 0;
	struct workload *w;
	char *p;

	/* A new container: its image, when the runtime's metadata names it, is its
	 * class; its root on the host maps file paths into the container's view;
	 * its pod, namespace and container names are kept for every event. */
	memset(&meta, 0, sizeof(meta));
	if (strcmp(d->kind, "container") == 0) {
		int r = workload_meta_read(t->oci_roots, NULL, d->id, &meta);

		/* no state yet: runc puts its init into the cgroup before it writes
		 * the state file, so the first sight of a container is often too early */
		pending = r == 0;
		if (r == 1 && meta.image[0] && !d->klass[0]) {
			with_class = *d;
			snprintf(with_class.klass, sizeof(with_class.klass), "image:%s", meta.image);
			d = &with_class;
		}
	}
	names[0] = meta.image;
	names[1] = meta.pod_name;
	names[2] = meta.namespace_;
	names[3] = meta.container_name;
	for (int i = 0; i < NFIELDS; i++)
		total += strlen(desc_str(d, i)) + 1;
	for (int i = 0; i < WL_NAMES; i++)
		total += strlen(names[i]) + 1;
	total += strlen(meta.rootfs) + 1 + strlen(meta.layers) + 1;
	w = calloc(1, sizeof(*w) + total);
	if (!w)
		return NULL;
	p = w->data;
	for (int i = 0; i < NFIELDS; i++) {
		const char *s = desc_str(d, i);
		size_t n = strlen(s) + 1;

		memcpy(p, s, n);
		w->str[i] = *s ? p : NULL;
		p += n;
	}
	w->str[0] = w->str[0] ? w->str[0] : "";
	w->str[1] = w->str[1] ? w->str[1] : "";
	for (int i = 0; i < WL_NAMES; i++) {
		size_t n = strlen(names[i]) + 1;

		memcpy(p, names[i], n);
		w->names[i] = n > 1 ? p : NULL;
		p += n;
	}
	memcpy(p, meta.rootfs, strlen(meta.rootfs) + 1);
	w->rootfs = meta.rootfs[0] ? p : NULL;
	p += strlen(meta.rootfs) + 1;
	memcpy(p, meta.layers, strlen(meta.layers) + 1);
	w->layers = meta.layers[0] ? p : NULL;
	atomic_init(&w->ref, 1);
	atomic_init(&w->class_learned, NULL);
	w->hash = h;
	w->meta_pending = pending;
	w->meta_tried = w->born = pending ? mono_ns() : 0;
	return w;
}

struct workload *workload_intern(struct workload_table *t, const struct workload_desc *d)
{
	uint64_t h = desc_hash(d);
	struct workload **b = &t->buckets[h & (t->nbuckets - 1)], **pw;
	struct workload *w;

	for (pw = b; (w = *pw); pw = &w->hnext) {
		uint64_t now;
		struct workload *nw;

		if (w->hash != h || strcmp(w->str[0], d->kind) != 0 || strcmp(w->str[1], d->id) != 0)
			continue;
		if (!w->meta_pending)
			return workload_ref(w);
		/* Identity converges: a container first seen before its runtime state
		 * existed is looked up again for as long as it lives - a miss is never
		 * kept for the instance's life. The cost is bounded: 50 ms between
		 * lookups, doubling to at most 5 s. Once the state is there, a new
		 * object replaces it in the table; events and processes that hold the
		 * old one keep it, unchanged. */
		now = mono_ns();
		if (now - w->meta_tried < meta_backoff_ns(w->meta_tries))
			return workload_ref(w);
		w->meta_tried = now;
		w->meta_tries++;
		nw = build(t, d, h);
		if (!nw || nw->meta_pending) {
			free(nw);
			return workload_ref(w);
		}
		nw->hnext = w->hnext;
		*pw = nw;
		t->nrootfs += (nw->rootfs != NULL) - (w->rootfs != NULL);
		w->hnext = NULL;
		workload_unref(w); /* the table's */
		return workload_ref(nw); /* the table's and the caller's */
	}
	if (t->count >= t->max)
		evict(t);
	w = build(t, d, h);
	if (!w)
		return NULL;
	atomic_fetch_add_explicit(&w->ref, 1, memory_order_relaxed); /* the table's and the caller's */
	w->hnext = *b;
	*b = w;
	t->count++;
	t->nrootfs += w->rootfs != NULL;
	return w;
}

static bool path_under(const char *p, size_t n, const char *dir, size_t dl)
{
	return dl > 1 && n >= dl && memcmp(p, dir, dl) == 0 && (n == dl || p[dl] == '/');
}

/* 3: p is in w's upper dir, 2: its other own dirs (rootfs, work), 1: in one of its image
 * layers, 0: neither. */
static int path_owner(const struct workload *w, const char *p, size_t n)
{
	int best = 0;

	if (w->rootfs && path_under(p, n, w->rootfs, strlen(w->rootfs)))
		return 2;
	for (const char *l = w->layers; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t ll = nl ? (size_t)(nl - l) : strlen(l);
		bool own = l[0] == '+' || l[0] == '!';

		if (ll > (own ? 1u : 0u) && path_under(p, n, l + (own ? 1 : 0), ll - (own ? 1 : 0))) {
			if (own)
				return l[0] == '+' ? 3 : 2;
			best = 1;
		}
		l += ll + (nl ? 1 : 0);
	}
	return best;
}

struct workload *workload_by_path(struct workload_table *t, const char *p, size_t n,
				  bool *upper)
{
	struct workload *shared = NULL;
	unsigned nshared = 0;

	*upper = false;
	if (!t || !p || n == 0 || p[0] != '/' || t->nrootfs == 0)
		return NULL;
	for (unsigned i = 0; i < t->nbuckets; i++)
		for (struct workload *w = t->buckets[i]; w; w = w->hnext) {
			int o;

			if (!w->rootfs)
				continue;
			o = path_owner(w, p, n);
			if (o >= 2) {
				*upper = o == 3;
				return w;
			}
			if (o == 1) {
				shared = w;
				nshared++;
			}
		}
	return nshared == 1 ? shared : NULL;
}

struct workload *workload_ref(struct workload *w)
{
	if (w)
		atomic_fetch_add_explicit(&w->ref, 1, memory_order_relaxed);
	return w;
}

void workload_unref(struct workload *w)
{
	if (!w)
		return;
	if (atomic_fetch_sub_explicit(&w->ref, 1, memory_order_acq_rel) == 1) {
		free(atomic_load(&w->class_learned));
		free(w);
	}
}

const char *workload_field(const struct workload *w, enum sensor_field f)
{
	if (f >= SENSOR_FIELD_WORKLOAD_IMAGE && f <= SENSOR_FIELD_WORKLOAD_CONTAINER_NAME)
		return w->names[f - SENSOR_FIELD_WORKLOAD_IMAGE];
	if (f < SENSOR_FIELD_WORKLOAD_KIND || f > SENSOR_FIELD_WORKLOAD_CGROUP)
		return NULL;
	if (f == SENSOR_FIELD_WORKLOAD_CLASS && !w->str[f - SENSOR_FIELD_WORKLOAD_KIND])
		return atomic_load_explicit(&((struct workload *)w)->class_learned,
					    memory_order_acquire);
	return w->str[f - SENSOR_FIELD_WORKLOAD_KIND];
}

void workload_learn_class(struct workload *w, const char *exe)
{
	char *expected = NULL, *c;
	size_t n;

	if (!w || !exe || w->str[SENSOR_FIELD_WORKLOAD_CLASS - SENSOR_FIELD_WORKLOAD_KIND] ||
	    atomic_load_explicit(&w->class_learned, memory_order_relaxed))
		return;
	if (strcmp(w->str[0], "host") == 0)
		return; /* the host is its own class: no prior from its first exe */
	n = strlen(exe);
	c = malloc(n + 5);
	if (!c)
		return;
	memcpy(c, "exe:", 4);
	memcpy(c + 4, exe, n + 1);
	if (!atomic_compare_exchange_strong(&w->class_learned, &expected, c))
		free(c);
}
