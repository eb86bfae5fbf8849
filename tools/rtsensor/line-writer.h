/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lines appended to a file by a writer thread of the CLI (--alerts FILE).
 *
 * The sensor's loop never waits on the filesystem: line_writer_put()
 * copies the line into a bounded queue and wakes the thread, which writes
 * what is queued and flushes it at once (a reader tailing the file sees
 * the line within the thread's wake-up, not when a buffer fills). A
 * write(2) that waits for the filesystem's journal holds up this thread
 * only, never the loop or the other sinks. A line is lost only when the
 * queue is full (the newest is refused and counted: the caller turns the
 * count into a loss event) or after a write error (sticky: the run
 * stops). Every stop path drains the queue: line_writer_drain(),
 * line_writer_reopen() and line_writer_close() return once every line
 * queued before them was written and flushed.
 */
#ifndef RTSENSOR_LINE_WRITER_H
#define RTSENSOR_LINE_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct line_writer;

struct line_writer_stats {
	uint64_t queued;  /* accepted into the queue */
	uint64_t written; /* written and flushed */
	uint64_t dropped; /* refused: the queue was full, or no memory for the copy */
	uint64_t failed;  /* accepted, not written: the file failed */
	uint64_t depth;   /* in the queue now */
	uint64_t write_ns_max; /* the longest write + flush of one batch */
	int err;          /* first write error (-errno), 0: none */
};

/* Write to f (taken: closed by line_writer_close()); capacity: lines (0: 8192). 0 or -errno. */
int line_writer_open(struct line_writer **ret, FILE *f, unsigned capacity);
/*
 * Queue one line (copied; a '\n' is added). 0, -ENOBUFS (queue full,
 * counted), -ENOMEM (counted), or the file's write error (-errno: the
 * line is not queued).
 */
int line_writer_put(struct line_writer *w, const char *line, size_t len);
/* The first write error (-errno) or 0; cheap, for the loop. */
int line_writer_error(struct line_writer *w);
/* Wait until every line queued before the call is written and flushed. 0 or the write error. */
int line_writer_drain(struct line_writer *w);
/* Drain, then write to f from now on (taken); the old file is closed. 0 or the first -errno. */
int line_writer_reopen(struct line_writer *w, FILE *f);
void line_writer_get_stats(struct line_writer *w, struct line_writer_stats *st);
/* Drain, stop the thread, close the file, free. NULL-safe. 0 or the first -errno. */
int line_writer_close(struct line_writer *w, struct line_writer_stats *final);

#endif
