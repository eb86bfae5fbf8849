/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Schema of the baseline database and its migrations. schema_version holds
 * one row; each migration moves the schema one version up inside the
 * opening transaction. A database of a newer version is refused (-EPROTO)
 * rather than guessed at.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stddef.h>

#include "store-int.h"

static const char *const migrations[] = {
	/* 0 -> 1: workloads and features */
	"CREATE TABLE workloads ("
	"  id TEXT PRIMARY KEY NOT NULL,"
	"  kind TEXT NOT NULL DEFAULT '',"
	"  class TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL DEFAULT 'learning',"
	"  learn_start INTEGER NOT NULL DEFAULT 0,"
	"  last_new INTEGER NOT NULL DEFAULT 0,"
	"  last_seen INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	"CREATE TABLE features ("
	"  workload TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  first INTEGER NOT NULL,"
	"  last INTEGER NOT NULL,"
	"  hours BLOB NOT NULL," /* 168 little-endian uint32 */
	"  PRIMARY KEY (workload, key)"
	") WITHOUT ROWID;",
	/* 1 -> 2: approval of features seen while monitoring; alerts */
	"ALTER TABLE features ADD COLUMN approved INTEGER NOT NULL DEFAULT 1;"
	"CREATE TABLE alerts ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  workload TEXT NOT NULL,"
	"  json TEXT NOT NULL"
	");"
	"CREATE INDEX alerts_by_workload ON alerts (workload, time);",
	/* 2 -> 3: the journal of events for incident response */
	"CREATE TABLE journal ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  workload TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  json TEXT NOT NULL"
	");"
	"CREATE INDEX journal_by_workload ON journal (workload, time);"
	"CREATE INDEX journal_by_time ON journal (time);",
};

int store_migrate(sqlite3 *db, bool readonly)
{
	sqlite3_stmt *st = NULL;
	int version = 0, r;

	r = sqlite3_exec(db,
			 readonly ? "SELECT 1" :
				    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
			 NULL, NULL, NULL);
	if (r != SQLITE_OK)
		return store_err(r);
	r = sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st, NULL);
	if (r != SQLITE_OK)
		return readonly ? -EBADMSG : store_err(r);
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > STORE_SCHEMA_VERSION)
		return -EPROTO;
	if (version == STORE_SCHEMA_VERSION)
		return 0;
	if (readonly)
		return -EROFS;
	r = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (r != SQLITE_OK)
		return store_err(r);
	for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
		r = sqlite3_exec(db, migrations[v], NULL, NULL, NULL);
		if (r != SQLITE_OK)
			goto fail;
	}
	r = sqlite3_exec(db, "DELETE FROM schema_version", NULL, NULL, NULL);
	if (r != SQLITE_OK)
		goto fail;
	r = sqlite3_prepare_v2(db, "INSERT INTO schema_version (version) VALUES (?)", -1, &st, NULL);
	if (r != SQLITE_OK)
		goto fail;
	sqlite3_bind_int(st, 1, STORE_SCHEMA_VERSION);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		goto fail;
	r = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (r != SQLITE_OK)
		goto fail;
	return 1;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return store_err(r);
}
