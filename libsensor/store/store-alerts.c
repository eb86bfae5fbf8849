/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The stored alerts, read back for incident response (rtsensor alerts). */
#include <errno.h>
#include <stdint.h>

#include "store-int.h"

int sensor_store_alerts(sensor_store *s, const char *workload_id, uint64_t since, uint64_t until,
			sensor_stored_alert_fn fn, void *userdata)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0, r = 0;

	if (!s || (since && until && until <= since) || since > INT64_MAX || until > INT64_MAX)
		return -EINVAL;
	rc = sqlite3_prepare_v2(s->db,
				"SELECT time, workload, json FROM alerts"
				" WHERE (?1 IS NULL OR workload = ?1) AND time >= ?2 AND time < ?3"
				" ORDER BY time, id",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	if (workload_id)
		sqlite3_bind_text(st, 1, workload_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)since);
	sqlite3_bind_int64(st, 3, until ? (sqlite3_int64)until : INT64_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *wl = sqlite3_column_text(st, 1), *json = sqlite3_column_text(st, 2);
		struct sensor_stored_alert a = {
			.sz = sizeof(a),
			.time = (uint64_t)sqlite3_column_int64(st, 0),
			.workload = wl ? (const char *)wl : "",
			.json = json ? (const char *)json : "",
		};

		n++;
		if (fn && (r = fn(userdata, &a)) < 0)
			break;
	}
	if (r >= 0 && rc != SQLITE_DONE)
		r = store_err(rc) < 0 ? store_err(rc) : -EIO;
	sqlite3_finalize(st);
	return r < 0 ? r : n;
}
