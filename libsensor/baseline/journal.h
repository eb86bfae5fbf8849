/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The journal of events that matter after the fact (docs/journal.md): the
 * baseline stage queues them in memory (their JSON, workload, time), and
 * its flush writes the queue to the store in one transaction. Bounded: a
 * full queue drops and counts, never blocks the decision path.
 */
#ifndef SENSOR_BASELINE_JOURNAL_H
#define SENSOR_BASELINE_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libsensor/sensor-event.h>

#include "store/store.h"

/* Rows queued between two flushes, at most. */
#define JOURNAL_QUEUE_MAX 65536

struct journal {
	struct journal_row *q;
	size_t n, cap;
	uint64_t dropped; /* since the last take: queue full or no memory */
};

/*
 * Does ev belong in the journal? Execs, changes to files (write, create,
 * delete, rename, attributes, exec), connections (connect, accept, bind,
 * listen, a new flow), syscalls, losses, and every event with a verdict.
 * Not: exits, plain opens and reads, flow updates and ends, status.
 */
bool journal_wants(const sensor_event *ev);

/* Queue ev of workload wl at time (ns since epoch); a drop is counted. */
void journal_add(struct journal *j, const sensor_event *ev, const char *wl, uint64_t time);

/* The rows queued (the caller frees them with journal_rows_free) and the drops. */
size_t journal_take(struct journal *j, struct journal_row **rows, uint64_t *dropped);
void journal_rows_free(struct journal_row *rows, size_t n);

void journal_free(struct journal *j);

#endif
