/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The journal of events in the store: batched appends with retention by
 * age and by rows, and the timeline read back (events, optionally with
 * the stored alerts interleaved by time) - docs/journal.md.
 */
#include <errno.h>
#include <stdint.h>

#include "store-int.h"

int store_journal_write(struct sensor_store *s, const struct journal_row *rows, size_t n,
			uint64_t cutoff, uint64_t keep)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	if (s->readonly)
		return -EROFS;
	r = store_exec(s, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	rc = sqlite3_prepare_v2(s->db,
				"INSERT INTO journal (time, workload, kind, json) VALUES (?1, ?2, ?3, ?4)",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = store_err(rc);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)(rows[i].time > INT64_MAX ? INT64_MAX
										 : rows[i].time));
		sqlite3_bind_text(st, 2, rows[i].workload, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, rows[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, rows[i].json, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			r = store_err(rc) < 0 ? store_err(rc) : -EIO;
			goto fail;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (cutoff) {
		rc = sqlite3_prepare_v2(s->db, "DELETE FROM journal WHERE time < ?1", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, (sqlite3_int64)(cutoff > INT64_MAX ? INT64_MAX : cutoff));
			rc = sqlite3_step(st);
		}
		sqlite3_finalize(st);
		st = NULL;
		if (rc != SQLITE_DONE) {
			r = store_err(rc) < 0 ? store_err(rc) : -EIO;
			goto fail;
		}
	}
	if (keep) {
		/* ids grow with every insert: the newest `keep` are the highest */
		rc = sqlite3_prepare_v2(s->db,
					"DELETE FROM journal WHERE id <= (SELECT MAX(id) FROM journal) - ?1",
					-1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, (sqlite3_int64)(keep > INT64_MAX ? INT64_MAX : keep));
			rc = sqlite3_step(st);
		}
		sqlite3_finalize(st);
		st = NULL;
		if (rc != SQLITE_DONE) {
			r = store_err(rc) < 0 ? store_err(rc) : -EIO;
			goto fail;
		}
	}
	r = store_exec(s, "COMMIT");
	if (r < 0)
		goto fail;
	return (int)n;
fail:
	sqlite3_finalize(st);
	store_exec(s, "ROLLBACK");
	return r;
}

int sensor_store_journal(sensor_store *s, const char *workload_id, uint64_t since, uint64_t until,
			 uint32_t flags, sensor_journal_fn fn, void *userdata)
{
	static const char q_events[] =
		"SELECT time, workload, kind, json FROM journal"
		" WHERE (?1 IS NULL OR workload = ?1) AND time >= ?2 AND time < ?3"
		" ORDER BY time, id";
	static const char q_both[] =
		"SELECT time, workload, kind, json FROM ("
		" SELECT time, workload, kind, json, id, 0 AS src FROM journal"
		"  WHERE (?1 IS NULL OR workload = ?1) AND time >= ?2 AND time < ?3"
		" UNION ALL"
		" SELECT time, workload, 'alert', json, id, 1 FROM alerts"
		"  WHERE (?1 IS NULL OR workload = ?1) AND time >= ?2 AND time < ?3)"
		" ORDER BY time, src, id";
	sqlite3_stmt *st = NULL;
	int rc, n = 0, r = 0;

	if (!s || (since && until && until <= since) || since > INT64_MAX || until > INT64_MAX ||
	    (flags & ~(uint32_t)SENSOR_JOURNAL_ALERTS))
		return -EINVAL;
	rc = sqlite3_prepare_v2(s->db, (flags & SENSOR_JOURNAL_ALERTS) ? q_both : q_events, -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	if (workload_id)
		sqlite3_bind_text(st, 1, workload_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	sqlite3_bind_int64(st, 3, until ? (sqlite3_int64)until : INT64_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *wl = sqlite3_column_text(st, 1), *kind = sqlite3_column_text(st, 2),
				    *json = sqlite3_column_text(st, 3);
		struct sensor_journal_entry e = {
			.sz = sizeof(e),
			.time = (uint64_t)sqlite3_column_int64(st, 0),
			.workload = wl ? (const char *)wl : "",
			.kind = kind ? (const char *)kind : "",
			.json = json ? (const char *)json : "",
		};

		n++;
		if (fn && (r = fn(userdata, &e)) < 0)
			break;
	}
	if (r >= 0 && rc != SQLITE_DONE)
		r = store_err(rc) < 0 ? store_err(rc) : -EIO;
	sqlite3_finalize(st);
	return r < 0 ? r : n;
}
