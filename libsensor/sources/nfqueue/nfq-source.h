/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The NFQUEUE source's datagram dispatcher, split out for tests and fuzzing. */
#ifndef SENSOR_SOURCES_NFQ_SOURCE_H
#define SENSOR_SOURCES_NFQ_SOURCE_H

#include <stddef.h>

struct sensor_ctx;
struct sensor_source;

/*
 * Decode every message of one datagram; each queued packet becomes a held
 * net event. Returns events emitted. Malformed messages are counted as
 * errors (a readable packet id still gets the default verdict).
 */
int nfqueue_dispatch(struct sensor_source *src, const void *buf, size_t len);

/* An NFQUEUE source with no socket (verdicts go nowhere), fed by nfqueue_dispatch(). */
int nfqueue_offline_source(struct sensor_ctx *ctx, struct sensor_source **ret);

#endif
