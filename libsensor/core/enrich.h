/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Enrichment: process and workload fields an event's source did not supply. */
#ifndef SENSOR_CORE_ENRICH_H
#define SENSOR_CORE_ENRICH_H

struct sensor_ctx;
struct sensor_event;

void enrich_event(struct sensor_ctx *ctx, struct sensor_event *ev);

#endif
