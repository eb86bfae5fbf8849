/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Batched NFQUEUE verdicts (see nfq-verdict.h). */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nfq-verdict.h"

enum { NFQV_EMPTY = 0, NFQV_HELD = 1, NFQV_ANSWERED = 2 };

#define MSG_ROOM 64 /* one verdict message is 32 bytes */

int nfqv_init(struct nfq_verdicts *v, int fd, uint16_t queue, uint32_t ring, bool per_packet)
{
	uint32_t n = 1;

	memset(v, 0, sizeof(*v));
	while (n < ring)
		n <<= 1;
	v->fd = fd;
	v->queue = queue;
	v->per_packet = per_packet;
	v->mask = n - 1;
	v->slots = calloc(n, sizeof(*v->slots));
	v->pending = calloc(n, sizeof(*v->pending));
	v->pending_cap = n;
	v->cap = 16384;
	v->buf = malloc(v->cap);
	pthread_mutex_init(&v->lock, NULL);
	if (!v->slots || !v->pending || !v->buf) {
		nfqv_fini(v);
		return -ENOMEM;
	}
	return 0;
}

void nfqv_fini(struct nfq_verdicts *v)
{
	free(v->slots);
	free(v->pending);
	free(v->buf);
	v->slots = NULL;
	v->pending = NULL;
	v->buf = NULL;
	pthread_mutex_destroy(&v->lock);
}

static int send_buf(struct nfq_verdicts *v)
{
	int r = 0;

	if (!v->used)
		return 0;
	if (send(v->fd, v->buf, v->used, 0) < 0) {
		r = -errno;
		v->send_errors++;
	}
	v->used = 0;
	return r;
}

static int put(struct nfq_verdicts *v, uint32_t id, bool accept, bool batch)
{
	struct nlmsghdr *nlh;
	int r = 0;

	if (v->used + MSG_ROOM > v->cap)
		r = send_buf(v);
	nlh = nfq_nlmsg_put(v->buf + v->used, batch ? NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT,
			    v->queue);
	nfq_nlmsg_verdict_put(nlh, (int)id, accept ? NF_ACCEPT : NF_DROP);
	v->used += NLMSG_ALIGN(nlh->nlmsg_len);
	v->msgs++;
	v->batches += batch;
	return r;
}

void nfqv_received(struct nfq_verdicts *v, uint32_t id)
{
	struct nfq_slot *s;

	pthread_mutex_lock(&v->lock);
	if (!v->started) {
		v->started = true;
		v->low = id;
		v->high = id;
	}
	if ((int32_t)(id - v->high) > 0)
		v->high = id;
	s = &v->slots[id & v->mask];
	if (s->state == NFQV_HELD && s->id != id) {
		v->untracked++; /* the ring wrapped over a packet still held */
	} else {
		s->id = id;
		s->state = NFQV_HELD;
	}
	pthread_mutex_unlock(&v->lock);
}

/* Called with the lock held. */
static int flush_locked(struct nfq_verdicts *v)
{
	uint32_t run_last = 0, run_n = 0;
	bool run_accept = false;
	int r = 0;

	if (!v->started)
		return 0;
	/* 1. from the lowest id up to the first one still held */
	while ((int32_t)(v->high - v->low) >= 0) {
		struct nfq_slot *s = &v->slots[v->low & v->mask];

		if (s->id == v->low && s->state == NFQV_HELD)
			break;
		if (s->id != v->low && v->untracked)
			break; /* may be a held packet that did not fit the ring */
		if (s->id == v->low && s->state == NFQV_ANSWERED) {
			bool acc = s->accept;

			if (run_n && (acc != run_accept || v->per_packet || v->untracked)) {
				r = put(v, run_last, run_accept, run_n > 1) ?: r;
				run_n = 0;
			}
			run_accept = acc;
			run_last = v->low;
			run_n++;
			s->state = NFQV_EMPTY;
			v->verdicts++;
		}
		v->low++;
	}
	if (run_n)
		r = put(v, run_last, run_accept, run_n > 1) ?: r;
	/* 2. answers above a held packet, one by one */
	for (uint32_t i = 0; i < v->npending; i++) {
		uint32_t id = v->pending[i];
		struct nfq_slot *s = &v->slots[id & v->mask];

		if (s->id == id && s->state == NFQV_ANSWERED) {
			r = put(v, id, s->accept, false) ?: r;
			s->state = NFQV_EMPTY;
			v->verdicts++;
		}
	}
	v->npending = 0;
	return send_buf(v) ?: r;
}

int nfqv_answer(struct nfq_verdicts *v, uint32_t id, bool accept)
{
	struct nfq_slot *s;
	int r = 0;

	pthread_mutex_lock(&v->lock);
	s = &v->slots[id & v->mask];
	if (s->id == id && s->state == NFQV_HELD) {
		s->state = NFQV_ANSWERED;
		s->accept = accept;
		if (v->npending < v->pending_cap)
			v->pending[v->npending++] = id;
		else
			r = flush_locked(v);
	} else {
		/* not in the ring (collision): straight out */
		if (v->untracked)
			v->untracked--;
		r = put(v, id, accept, false);
		v->verdicts++;
		r = send_buf(v) ?: r;
	}
	if (!v->deferred || v->per_packet)
		r = flush_locked(v) ?: r;
	pthread_mutex_unlock(&v->lock);
	return r;
}

int nfqv_defer(struct nfq_verdicts *v, bool on)
{
	int r = 0;

	pthread_mutex_lock(&v->lock);
	v->deferred = on;
	if (!on)
		r = flush_locked(v);
	pthread_mutex_unlock(&v->lock);
	return r;
}

int nfqv_flush(struct nfq_verdicts *v)
{
	int r;

	pthread_mutex_lock(&v->lock);
	r = flush_locked(v);
	pthread_mutex_unlock(&v->lock);
	return r;
}
