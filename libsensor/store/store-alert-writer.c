/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The store's alerts table written by a thread of its own (store.h,
 * "alert writer"): the library's one documented, joinable storage writer.
 *
 * The loop queues an alert (a pointer move under a lock) and goes on; the
 * thread writes what is queued in one transaction on a connection of its
 * own (SQLite connections are used from one thread each; WAL lets the
 * loop's model flush and this writer take turns at the write lock through
 * the busy timeout). A commit that waits for the disk holds up this thread
 * only. Nothing is lost silently: a full queue refuses the alert (the
 * caller counts it), a transaction that still fails after its retries
 * counts its alerts as failed; the baseline turns both into loss events.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store-int.h"

#define TRIES 5 /* a transaction that fails (busy past the timeout, I/O) is tried again */

struct queued {
	char *json, *wl;
	uint64_t t;
};

struct store_alert_writer {
	struct sensor_store *s; /* used by the thread only (and at open and close) */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	struct queued *q;
	unsigned cap, head, n; /* n counts the batch being written: the bound holds */
	uint64_t seq_in, seq_out;
	bool stopping;
	struct store_alert_writer_stats st;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One transaction: the batch's rows, then the retention. Rows written or -errno. */
static int write_batch(struct sensor_store *s, const struct queued *q, unsigned cap,
		       unsigned head, unsigned k)
{
	sqlite3_stmt *st = s->st[ST_PUT_ALERT];
	int r = store_exec(s, "BEGIN IMMEDIATE");

	if (r < 0)
		return r;
	for (unsigned i = 0; i < k; i++) {
		const struct queued *a = &q[(head + i) % cap];

		sqlite3_bind_int64(st, 1, (sqlite3_int64)a->t);
		sqlite3_bind_text(st, 2, a->wl, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, a->json, -1, SQLITE_STATIC);
		r = store_err(sqlite3_step(st));
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (r < 0)
			goto fail;
	}
	/* retention: the newest STORE_ALERTS_KEEP alerts (integer key: cheap) */
	r = store_exec(s, "DELETE FROM alerts WHERE id <= (SELECT MAX(id) FROM alerts) - "
			  STORE_ALERTS_KEEP_STR);
	if (r < 0)
		goto fail;
	r = store_exec(s, "COMMIT");
	if (r < 0)
		goto fail;
	return (int)k;
fail:
	store_exec(s, "ROLLBACK");
	return r;
}

static void *writer(void *ud)
{
	struct store_alert_writer *w = ud;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		unsigned head, k;
		uint64_t t0, ns;
		int r = -EIO;

		while (!w->n && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->n)
			break; /* stopping, and everything is out */
		head = w->head;
		k = w->n;
		pthread_mutex_unlock(&w->lock);
		t0 = mono_ns();
		for (int i = 0; i < TRIES; i++) {
			r = write_batch(w->s, w->q, w->cap, head, k);
			if (r >= 0)
				break;
			nanosleep(&(struct timespec){ .tv_nsec = 10000000L << i }, NULL);
		}
		ns = mono_ns() - t0;
		pthread_mutex_lock(&w->lock);
		for (unsigned i = 0; i < k; i++) {
			struct queued *a = &w->q[(head + i) % w->cap];

			free(a->json);
			free(a->wl);
		}
		w->head = (head + k) % w->cap;
		w->n -= k;
		w->seq_out += k;
		w->st.commits++;
		if (r < 0) {
			w->st.failed += k;
			w->st.last_err = r;
		} else {
			w->st.written += k;
		}
		if (ns > w->st.commit_ns_max)
			w->st.commit_ns_max = ns;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int store_alert_writer_open(const char *path, unsigned capacity, struct store_alert_writer **ret)
{
	struct store_alert_writer *w;
	int r;

	if (!path || !ret)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cap = capacity ? capacity : 65536;
	w->q = calloc(w->cap, sizeof(*w->q));
	if (!w->q) {
		free(w);
		return -ENOMEM;
	}
	/* a connection of its own, to the file the loop's connection checked and opened */
	r = store_open(path, false, &w->s);
	if (r < 0) {
		free(w->q);
		free(w);
		return r;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	if (pthread_create(&w->thread, NULL, writer, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		pthread_cond_destroy(&w->done);
		store_close(w->s);
		free(w->q);
		free(w);
		return -EAGAIN;
	}
	*ret = w;
	return 0;
}

int store_alert_writer_put(struct store_alert_writer *w, const char *json, const char *wl,
			   uint64_t t)
{
	char *j = strdup(json), *l = strdup(wl);

	pthread_mutex_lock(&w->lock);
	if (!j || !l || w->n >= w->cap) {
		w->st.dropped++;
		pthread_mutex_unlock(&w->lock);
		free(j);
		free(l);
		return j && l ? -ENOBUFS : -ENOMEM;
	}
	w->q[(w->head + w->n) % w->cap] = (struct queued){ j, l, t };
	w->n++;
	w->seq_in++;
	w->st.queued++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

int store_alert_writer_drain(struct store_alert_writer *w)
{
	uint64_t target, failed;
	int r;

	pthread_mutex_lock(&w->lock);
	target = w->seq_in;
	failed = w->st.failed;
	while (w->seq_out < target)
		pthread_cond_wait(&w->done, &w->lock);
	r = w->st.failed == failed ? 0 : w->st.last_err ? w->st.last_err : -EIO;
	pthread_mutex_unlock(&w->lock);
	return r;
}

void store_alert_writer_get_stats(struct store_alert_writer *w,
				  struct store_alert_writer_stats *st)
{
	pthread_mutex_lock(&w->lock);
	*st = w->st;
	st->depth = w->n;
	pthread_mutex_unlock(&w->lock);
}

void store_alert_writer_close(struct store_alert_writer *w, struct store_alert_writer_stats *final)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true; /* the thread writes what is queued first */
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	if (final) {
		*final = w->st;
		final->depth = 0;
	}
	store_close(w->s);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->done);
	free(w->q);
	free(w);
}
