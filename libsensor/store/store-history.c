/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the store remembers for incident response: the journal of events
 * (batched appends with retention by age and by rows) and the reading of
 * journal and alerts back, by workload and time window (docs/journal.md).
 */
#include <errno.h>
#include <stdint.h>

#include "store-int.h"

static sqlite3_int64 clamp64(uint64_t v)
{
	return (sqlite3_int64)(v > INT64_MAX ? INT64_MAX : v);
}

/* Run a statement with one integer parameter to its end. 0 or -errno. */
static int exec_int(struct sensor_store *s, const char *sql, uint64_t v)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, clamp64(v));
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_err(rc) < 0 ? store_err(rc) : -EIO;
}

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
		sqlite3_bind_int64(st, 1, clamp64(rows[i].time));
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
	if (cutoff && (r = exec_int(s, "DELETE FROM journal WHERE time < ?1", cutoff)) < 0)
		goto fail;
	/* ids grow with every insert: the newest `keep` are the highest */
	if (keep && (r = exec_int(s, "DELETE FROM journal WHERE id <= (SELECT MAX(id) FROM journal) - ?1",
				 keep)) < 0)
		goto fail;
	r = store_exec(s, "COMMIT");
	if (r < 0)
		goto fail;
	return (int)n;
fail:
	sqlite3_finalize(st);
	store_exec(s, "ROLLBACK");
	return r;
}

/* Rows of (time, workload, kind, json) for ?1 workload (NULL: all), ?2 <= time < ?3. */
typedef int (*row_fn)(void *ud, uint64_t time, const char *wl, const char *kind,
		      const char *json);

static int query(sensor_store *s, const char *sql, const char *workload_id, uint64_t since,
		 uint64_t until, row_fn fn, void *ud)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0, r = 0;

	if (!s || (since && until && until <= since) || since > INT64_MAX || until > INT64_MAX)
		return -EINVAL;
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	if (workload_id)
		sqlite3_bind_text(st, 1, workload_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	sqlite3_bind_int64(st, 3, until ? (sqlite3_int64)until : INT64_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *wl = sqlite3_column_text(st, 1), *kind = sqlite3_column_text(st, 2),
				    *json = sqlite3_column_text(st, 3);

		n++;
		r = fn(ud, (uint64_t)sqlite3_column_int64(st, 0), wl ? (const char *)wl : "",
		       kind ? (const char *)kind : "", json ? (const char *)json : "");
		if (r < 0)
			break;
	}
	if (r >= 0 && rc != SQLITE_DONE)
		r = store_err(rc) < 0 ? store_err(rc) : -EIO;
	sqlite3_finalize(st);
	return r < 0 ? r : n;
}

struct cb {
	sensor_journal_fn journal;
	sensor_stored_alert_fn alert;
	void *ud;
};

static int journal_row(void *ud, uint64_t time, const char *wl, const char *kind, const char *json)
{
	const struct cb *c = ud;
	struct sensor_journal_entry e = { .sz = sizeof(e), .time = time, .workload = wl,
					  .kind = kind, .json = json };

	return c->journal ? c->journal(c->ud, &e) : 0;
}

static int alert_row(void *ud, uint64_t time, const char *wl, const char *kind, const char *json)
{
	const struct cb *c = ud;
	struct sensor_stored_alert a = { .sz = sizeof(a), .time = time, .workload = wl,
					 .json = json };

	(void)kind;
	return c->alert ? c->alert(c->ud, &a) : 0;
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
	struct cb c = { .journal = fn, .ud = userdata };

	if (flags & ~(uint32_t)SENSOR_JOURNAL_ALERTS)
		return -EINVAL;
	return query(s, (flags & SENSOR_JOURNAL_ALERTS) ? q_both : q_events, workload_id, since,
		     until, journal_row, &c);
}

int sensor_store_alerts(sensor_store *s, const char *workload_id, uint64_t since, uint64_t until,
			sensor_stored_alert_fn fn, void *userdata)
{
	struct cb c = { .alert = fn, .ud = userdata };

	return query(s,
		     "SELECT time, workload, 'alert', json FROM alerts"
		     " WHERE (?1 IS NULL OR workload = ?1) AND time >= ?2 AND time < ?3"
		     " ORDER BY time, id",
		     workload_id, since, until, alert_row, &c);
}
