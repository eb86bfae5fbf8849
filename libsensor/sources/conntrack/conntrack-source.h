/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The conntrack source's datagram dispatcher, split out for tests and fuzzing. */
#ifndef SENSOR_SOURCES_CONNTRACK_SOURCE_H
#define SENSOR_SOURCES_CONNTRACK_SOURCE_H

#include <stddef.h>

struct sensor_ctx;
struct sensor_source;

/*
 * Decode every netlink message of one datagram and emit a net event per
 * complete flow. Malformed or truncated messages are counted as errors and
 * skipped; the walk never reads past len. Returns events emitted.
 */
int conntrack_dispatch(struct sensor_source *src, const void *buf, size_t len);

/* A conntrack source without a socket, fed by conntrack_dispatch() (tests, fuzzing). */
int conntrack_offline_source(struct sensor_ctx *ctx, struct sensor_source **ret);

#endif
