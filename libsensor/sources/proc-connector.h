/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process connector socket and its message decoder (split for tests and fuzzing). */
#ifndef SENSOR_SOURCES_PROC_CONNECTOR_H
#define SENSOR_SOURCES_PROC_CONNECTOR_H

#include <stddef.h>
#include <stdint.h>

struct sensor_ctx;
struct sensor_source;

/* Open, bind and subscribe. 0 and *ret, or -errno (-EPERM without CAP_NET_ADMIN). */
int proc_connector_open(uint32_t rcvbuf, int *ret);
/* Unsubscribe and close. */
void proc_connector_close(int fd);
/*
 * Decode one datagram of netlink messages (buf 4-byte aligned) and emit exec/exit events.
 * Malformed or truncated messages are counted as errors and skipped.
 * Returns the number of events emitted.
 */
int proc_connector_dispatch(struct sensor_source *src, const void *buf, size_t len);

/* What the receive path does on ENOBUFS and at the end of a batch (tests drive these). */
void proc_connector_mark_overrun(struct sensor_source *src);
void proc_connector_end_batch(struct sensor_source *src);

/*
 * Read what the context's process connector has queued now (bounded), so
 * that the forks and execs before a record of another source are in the
 * process cache before that record is attributed: fanotify reads a short
 * process's file records after it was reaped, and its fork may still wait
 * in the connector's socket. A no-op without a running proc source, and
 * inside the proc source's own read.
 */
void proc_connector_sync(struct sensor_ctx *ctx);

/*
 * The same for the context's fanotify notification groups: their records
 * name the files of a process gone before anything else named it (its
 * exec's binary in a container's layers). Defined by the fanotify source
 * (a no-op when it is compiled out).
 */
void fanotify_sync(struct sensor_ctx *ctx);

/* A proc source with no socket, fed by proc_connector_dispatch() (tests, fuzzing). */
int proc_connector_offline_source(struct sensor_ctx *ctx, struct sensor_source **ret);

#endif
