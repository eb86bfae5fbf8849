/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-memory baseline model: workload models (instances and class
 * priors) and their features in one hash table keyed by (model, key).
 * Observing a known feature touches one slot and allocates nothing; only a
 * new feature or workload allocates (amortised growth of flat arrays).
 * Not thread-safe: the context's loop owns it. Its own layer (model/, below
 * store/ and baseline/: both read and write it; architecture §2).
 */
#ifndef SENSOR_MODEL_MODEL_H
#define SENSOR_MODEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOURS_OF_WEEK 168
#define MODEL_NONE UINT32_MAX
#define FEAT_INLINE_HOURS 6

enum feat_flags {
	FEAT_F_APPROVED = 1u << 0, /* part of the normal set (learned or from the prior) */
	FEAT_F_DIRTY = 1u << 1,    /* changed since the last flush */
	FEAT_F_DEAD = 1u << 2,     /* decayed or relearned away; slot on the free list */
};

struct feat {
	uint64_t hash;
	uint64_t count, first, last; /* ns since the epoch */
	uint32_t hnext;              /* chain: index + 1, 0 ends */
	uint32_t wl;                 /* owning workload model */
	uint32_t key;                /* offset in the key pool */
	uint16_t klen;
	uint8_t kind;                /* enum feat_kind */
	uint8_t flags;               /* enum feat_flags */
	uint32_t dnext;              /* dirty list: index + 1 */
	/*
	 * Hour-of-week profile: up to FEAT_INLINE_HOURS distinct hours inline
	 * (most features), then a full 168-bucket array allocated once. Read
	 * and write it only through the model_hour_* helpers.
	 */
	uint32_t *hours_full;
	uint8_t nh;
	uint8_t hh[FEAT_INLINE_HOURS];
	uint32_t hc[FEAT_INLINE_HOURS];
};

enum wl_state {
	WL_LEARNING = 1,
	WL_MONITORING = 2,
	WL_ENFORCING = 3,
};

struct wmodel {
	char *id;          /* instance id, or "class:<name>" */
	char *kind;        /* host, container, ..., "class" */
	char *klass;       /* class name or "" */
	uint32_t cls;      /* class prior model, MODEL_NONE */
	uint32_t hnext;    /* id chain: index + 1 */
	uint64_t idhash;
	uint8_t state;     /* enum wl_state */
	bool is_class;
	bool dirty;
	bool deleted;      /* reset: delete from the store at the next flush */
	uint64_t learn_start, last_new, last_seen;
	uint64_t nfeat;
	/* burst detection: new features in the current window */
	uint64_t burst_start;
	uint32_t burst_n;
	bool burst_alerted;
	/* alert rate limit */
	uint64_t rl_start;
	uint32_t rl_count;
	uint64_t rl_suppressed;
};

struct model {
	struct feat *feats;
	uint32_t nfeats, capfeats;
	/* features one workload may hold (0: no cap); what does not fit is counted */
	uint64_t max_feat_per_wl;
	uint64_t capped, capped_reported;
	uint32_t *buckets;   /* index + 1 */
	uint32_t nbuckets;   /* power of two */
	uint32_t live;       /* features not dead */
	uint32_t free_head;  /* dead slots to reuse: index + 1 via hnext */
	uint32_t dirty_head; /* index + 1 via dnext */
	char *pool;
	size_t pool_len, pool_cap;
	struct wmodel *wls;
	uint32_t nwls, capwls;
	uint32_t *wbuckets;
	uint32_t nwbuckets;
	/* deleted (decayed/relearned) features the store still has: (wl id, key) */
	struct model_del {
		char *wl;
		char *key;
	} *dels;
	size_t ndels, capdels;
};

uint64_t model_hash(uint32_t wl, const char *key, size_t len);
/* Hour of the week of a time (ns since epoch, UTC): 0 = Monday 00:00. */
unsigned hour_of_week(uint64_t t_ns);

int model_init(struct model *m);
void model_release(struct model *m);

/* Workload model by id, or MODEL_NONE. */
uint32_t model_wl_find(struct model *m, const char *id);
/* Find or create; MODEL_NONE on ENOMEM. New models start LEARNING at now. */
uint32_t model_wl_get(struct model *m, const char *id, const char *kind, const char *klass,
		      uint64_t now);

/* Feature index of (wl, key), or MODEL_NONE. hash = model_hash(wl, key, len). */
uint32_t model_feat_find(const struct model *m, uint32_t wl, const char *key, size_t len,
			 uint64_t hash);
/* Add a feature (count 0); MODEL_NONE on ENOMEM. */
uint32_t model_feat_add(struct model *m, uint32_t wl, const char *key, size_t len, uint64_t hash,
			uint8_t kind, uint8_t flags);
/* Count one observation at time t. */
void model_feat_observe(struct model *m, uint32_t fi, uint64_t t);
/* Mark dirty (once) for the next flush. */
void model_feat_dirty(struct model *m, uint32_t fi);
/* Remove a feature; remembers the deletion for the store. 0 or -ENOMEM. */
int model_feat_remove(struct model *m, uint32_t fi);

/* Count of hour h (0..167) of a feature's profile. */
uint32_t model_hour_count(const struct feat *f, unsigned h);
/* Add n to hour h. 0, or -ENOMEM (the profile misses that hour then). */
int model_hour_add(struct feat *f, unsigned h, uint32_t n);
/* The whole profile as 168 counts. */
void model_hours_get(const struct feat *f, uint32_t out[HOURS_OF_WEEK]);
/* Replace the profile. 0 or -ENOMEM. */
int model_hours_set(struct feat *f, const uint32_t in[HOURS_OF_WEEK]);
/* Hours with a non-zero count. */
unsigned model_hours_seen(const struct feat *f);

static inline const char *model_key(const struct model *m, const struct feat *f)
{
	return m->pool + f->key;
}

#endif
