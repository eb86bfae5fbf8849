/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Inside the store: the handle and its prepared statements (store, export, import). */
#ifndef SENSOR_STORE_STORE_INT_H
#define SENSOR_STORE_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "store.h"

enum {
	ST_PUT_WL,
	ST_PUT_FEAT,
	ST_DEL_FEAT,
	ST_PUT_ALERT,
	ST_GET_FEAT,
	ST_GET_WL,
	ST__MAX
};

struct sensor_store {
	sqlite3 *db;
	bool readonly;
	sqlite3_stmt *st[ST__MAX];
};

/* Map an SQLite result code to -errno. */
int store_err(int rc);
/* Bring the schema to STORE_SCHEMA_VERSION. 0 (current), 1 (migrated) or -errno. */
int store_migrate(sqlite3 *db, bool readonly);
/* Encode/decode the 168-bucket hour profile as a 672-byte little-endian blob. */
void store_hours_encode(const uint32_t *hours, unsigned char *blob);
int store_hours_decode(const void *blob, int len, uint32_t *hours);
int store_exec(struct sensor_store *s, const char *sql);

#endif
