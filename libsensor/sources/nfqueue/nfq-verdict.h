/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Verdict sender of the NFQUEUE source. Packet ids of a queue increase by
 * one per queued packet, and a NFQNL_MSG_VERDICT_BATCH for id N applies to
 * every packet <= N still queued. So verdicts are collected (a ring indexed
 * by id) and, at a flush, the answered ids from the lowest unsent one up to
 * the first still-held one go out as one batch message per run of equal
 * verdicts; answers above a held packet go out one by one. Everything of a
 * flush leaves in one send(). Thread-safe: respond() may run on any thread.
 */
#ifndef SENSOR_SOURCES_NFQ_VERDICT_H
#define SENSOR_SOURCES_NFQ_VERDICT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct nfq_slot {
	uint32_t id;
	uint8_t state;   /* NFQV_* */
	uint8_t accept;
};

struct nfq_verdicts {
	pthread_mutex_t lock;
	int fd;
	uint16_t queue;
	bool per_packet; /* never batch */
	bool deferred;   /* inside a receive pass: flush at its end */
	bool started;    /* low is valid */
	uint32_t mask;
	struct nfq_slot *slots;
	uint32_t low, high;     /* ids [low, high] may still need a verdict */
	uint32_t untracked;     /* held ids that collided in the ring: no batching meanwhile */
	uint32_t *pending;      /* answered ids not sent yet */
	uint32_t npending, pending_cap;
	char *buf;
	size_t used, cap;
	/* counters */
	uint64_t msgs, batches, verdicts, send_errors;
};

int nfqv_init(struct nfq_verdicts *v, int fd, uint16_t queue, uint32_t ring, bool per_packet);
void nfqv_fini(struct nfq_verdicts *v);
/* A packet arrived and is held. */
void nfqv_received(struct nfq_verdicts *v, uint32_t id);
/* Its verdict; sent now unless deferred. 0 or -errno of the send. */
int nfqv_answer(struct nfq_verdicts *v, uint32_t id, bool accept);
/* Receive pass begins (true) / ends (false: flush). */
int nfqv_defer(struct nfq_verdicts *v, bool on);
/* Send what is answered. 0 or -errno. */
int nfqv_flush(struct nfq_verdicts *v);

#endif
