/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The baseline store: one SQLite database (WAL, synchronous=NORMAL,
 * prepared statements, schema_version + migrations; docs/baseline.md).
 * The loop's flush writes every change of the in-memory model since the
 * last flush in one transaction.
 */
#ifndef SENSOR_STORE_STORE_H
#define SENSOR_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libsensor/sensor-baseline.h>

struct model;
struct sensor_store;

#define STORE_SCHEMA_VERSION 3
/* Alerts kept in the store (the newest); older ones are deleted at flush. */
#define STORE_ALERTS_KEEP_STR "100000"

int store_open(const char *path, bool readonly, struct sensor_store **ret);
void store_close(struct sensor_store *s);
/* Load every workload and feature into m (empty). Returns features loaded or -errno. */
int store_load(struct sensor_store *s, struct model *m);
/*
 * Write m's dirty workloads, dirty features, deletions and the given alert
 * lines in one transaction; clear the dirty marks only after the commit.
 * Returns rows written or -errno (nothing is cleared then).
 */
int store_flush(struct sensor_store *s, struct model *m, char **alerts, const uint64_t *times,
		char **alert_wls, size_t nalerts);
/* One journaled event (store-history.c). */
struct journal_row {
	uint64_t time;    /* ns since epoch */
	char *workload;
	const char *kind; /* static event kind name */
	char *json;
};

/*
 * Append rows in one transaction, then apply retention: rows older than
 * cutoff (0: none) and all but the newest keep (0: no limit) go. Returns
 * the rows written or -errno.
 */
int store_journal_write(struct sensor_store *s, const struct journal_row *rows, size_t n,
			uint64_t cutoff, uint64_t keep);

/* Naive path for the benchmark: one upsert statement per observation, autocommit. */
int store_upsert_one(struct sensor_store *s, const char *wl, const char *key, uint64_t count,
		     uint64_t first, uint64_t last, const uint32_t *hours);

#endif
