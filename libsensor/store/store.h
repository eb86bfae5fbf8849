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
/*
 * The alerts table written by a thread of its own (store-alert-writer.c),
 * on a connection of its own to path: the loop queues, the thread commits,
 * so a commit that waits for the disk never holds up the loop. capacity:
 * alerts queued at most (0: 65536). 0 or -errno.
 */
struct store_alert_writer;
struct store_alert_writer_stats {
	uint64_t queued;  /* accepted into the queue */
	uint64_t written; /* committed */
	uint64_t dropped; /* refused: the queue was full (or no memory) */
	uint64_t failed;  /* accepted, not committed: the transaction failed after its retries */
	uint64_t depth;   /* in the queue now */
	uint64_t commits;
	uint64_t commit_ns_max; /* the longest transaction (retries included) */
	int last_err;     /* -errno of the last failed transaction */
};
int store_alert_writer_open(const char *path, unsigned capacity, struct store_alert_writer **ret);
/* Queue one alert (copied). 0, -ENOBUFS (full) or -ENOMEM; both counted as dropped. */
int store_alert_writer_put(struct store_alert_writer *w, const char *json, const char *wl,
			   uint64_t t);
/* Wait until every alert queued before the call is committed (or failed). 0 or -errno. */
int store_alert_writer_drain(struct store_alert_writer *w);
void store_alert_writer_get_stats(struct store_alert_writer *w,
				  struct store_alert_writer_stats *st);
/* Drain, stop the thread, close its connection, free. NULL-safe. */
void store_alert_writer_close(struct store_alert_writer *w, struct store_alert_writer_stats *final);

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
