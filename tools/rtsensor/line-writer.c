/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lines to a file from a writer thread with a bounded queue: see line-writer.h. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "line-writer.h"

struct line {
	char *text; /* with its '\n' */
	size_t len;
};

struct line_writer {
	FILE *f;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;  /* lines queued, or stop */
	pthread_cond_t done;  /* a batch was written */
	struct line *q;
	unsigned cap, head, n; /* n counts the batch being written: the bound holds */
	uint64_t seq_in, seq_out; /* lines accepted / written or failed */
	bool stopping;
	int err;              /* read without the lock by line_writer_error() */
	struct line_writer_stats st;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Write one batch (slots head.. of the queue, not touched by the producer meanwhile). */
static int write_batch(FILE *f, const struct line *q, unsigned cap, unsigned head, unsigned k)
{
	errno = 0;
	for (unsigned i = 0; i < k; i++) {
		const struct line *l = &q[(head + i) % cap];

		if (fwrite(l->text, 1, l->len, f) != l->len)
			return errno ? -errno : -EIO;
	}
	return fflush(f) == EOF ? (errno ? -errno : -EIO) : 0;
}

static void *writer(void *ud)
{
	struct line_writer *w = ud;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		unsigned head, k;
		uint64_t t0, ns;
		FILE *f;
		int r = 0;

		while (!w->n && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->n)
			break; /* stopping, and everything is out */
		head = w->head;
		k = w->n;
		f = w->f;
		pthread_mutex_unlock(&w->lock);
		t0 = mono_ns();
		if (!__atomic_load_n(&w->err, __ATOMIC_RELAXED))
			r = write_batch(f, w->q, w->cap, head, k);
		ns = mono_ns() - t0;
		pthread_mutex_lock(&w->lock);
		if (r < 0 && !w->err)
			__atomic_store_n(&w->err, r, __ATOMIC_RELAXED);
		for (unsigned i = 0; i < k; i++)
			free(w->q[(head + i) % w->cap].text);
		w->head = (head + k) % w->cap;
		w->n -= k;
		w->seq_out += k;
		if (w->err)
			w->st.failed += k; /* a line of a failed batch may be partly out: not counted written */
		else
			w->st.written += k;
		if (ns > w->st.write_ns_max)
			w->st.write_ns_max = ns;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int line_writer_open(struct line_writer **ret, FILE *f, unsigned capacity)
{
	struct line_writer *w;

	if (!ret || !f)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cap = capacity ? capacity : 8192;
	w->q = calloc(w->cap, sizeof(*w->q));
	if (!w->q) {
		free(w);
		return -ENOMEM;
	}
	w->f = f;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	if (pthread_create(&w->thread, NULL, writer, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		pthread_cond_destroy(&w->done);
		free(w->q);
		free(w);
		return -EAGAIN;
	}
	*ret = w;
	return 0;
}

int line_writer_put(struct line_writer *w, const char *line, size_t len)
{
	char *copy;
	int err = __atomic_load_n(&w->err, __ATOMIC_RELAXED);

	if (err)
		return err;
	/* the copy outside the lock: only this (the loop's) thread adds lines */
	copy = malloc(len + 1);
	pthread_mutex_lock(&w->lock);
	if (!copy || w->n >= w->cap) {
		w->st.dropped++;
		pthread_mutex_unlock(&w->lock);
		free(copy);
		return copy ? -ENOBUFS : -ENOMEM;
	}
	memcpy(copy, line, len);
	copy[len] = '\n';
	w->q[(w->head + w->n) % w->cap] = (struct line){ copy, len + 1 };
	w->n++;
	w->seq_in++;
	w->st.queued++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

int line_writer_error(struct line_writer *w)
{
	return w ? __atomic_load_n(&w->err, __ATOMIC_RELAXED) : 0;
}

int line_writer_drain(struct line_writer *w)
{
	uint64_t target;
	int r;

	pthread_mutex_lock(&w->lock);
	target = w->seq_in;
	while (w->seq_out < target)
		pthread_cond_wait(&w->done, &w->lock);
	r = w->err;
	pthread_mutex_unlock(&w->lock);
	return r;
}

int line_writer_reopen(struct line_writer *w, FILE *f)
{
	FILE *old;
	int r = line_writer_drain(w);

	/* drained: the thread waits for lines and does not hold the file */
	pthread_mutex_lock(&w->lock);
	old = w->f;
	w->f = f;
	pthread_mutex_unlock(&w->lock);
	if (fclose(old) != 0 && !r)
		r = -errno;
	return r;
}

void line_writer_get_stats(struct line_writer *w, struct line_writer_stats *st)
{
	pthread_mutex_lock(&w->lock);
	*st = w->st;
	st->depth = w->n;
	st->err = w->err;
	pthread_mutex_unlock(&w->lock);
}

int line_writer_close(struct line_writer *w, struct line_writer_stats *final)
{
	int r;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->stopping = true; /* the thread writes what is queued first */
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	r = w->err;
	if (fclose(w->f) != 0 && !r)
		r = -errno;
	if (final) {
		*final = w->st;
		final->depth = 0;
		final->err = r;
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->done);
	free(w->q);
	free(w);
	return r;
}
