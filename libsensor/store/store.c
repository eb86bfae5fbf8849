/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The baseline store on SQLite: open (WAL, synchronous=NORMAL, busy
 * timeout), load into the in-memory model, batched flush of what changed,
 * and the offline list/show/reset calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/features.h"
#include "model/model.h"
#include "store-int.h"

static const char *const sql[ST__MAX] = {
	[ST_PUT_WL] = "INSERT INTO workloads (id, kind, class, state, learn_start, last_new, last_seen)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET"
		      " kind = ?2, class = ?3, state = ?4, learn_start = ?5, last_new = ?6,"
		      " last_seen = ?7",
	[ST_PUT_FEAT] = "INSERT INTO features (workload, key, count, first, last, hours, approved)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (workload, key) DO UPDATE SET"
			" count = ?3, first = ?4, last = ?5, hours = ?6, approved = ?7",
	[ST_DEL_FEAT] = "DELETE FROM features WHERE workload = ?1 AND key = ?2",
	[ST_PUT_ALERT] = "INSERT INTO alerts (time, workload, json) VALUES (?1, ?2, ?3)",
	[ST_GET_FEAT] = "SELECT count, first, last, hours, approved FROM features"
			" WHERE workload = ?1 AND key = ?2",
	[ST_GET_WL] = "SELECT kind, class, state, learn_start, last_new, last_seen FROM workloads"
		      " WHERE id = ?1",
};

int store_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EBADMSG;
	case SQLITE_TOOBIG:
		return -E2BIG;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
		return -EINVAL;
	default:
		return -EIO;
	}
}

void store_hours_encode(const uint32_t *hours, unsigned char *blob)
{
	for (int i = 0; i < HOURS_OF_WEEK; i++) {
		blob[4 * i] = (unsigned char)hours[i];
		blob[4 * i + 1] = (unsigned char)(hours[i] >> 8);
		blob[4 * i + 2] = (unsigned char)(hours[i] >> 16);
		blob[4 * i + 3] = (unsigned char)(hours[i] >> 24);
	}
}

int store_hours_decode(const void *blob, int len, uint32_t *hours)
{
	const unsigned char *p = blob;

	if (len != 4 * HOURS_OF_WEEK || !p)
		return -EBADMSG;
	for (int i = 0; i < HOURS_OF_WEEK; i++)
		hours[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
			   (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	return 0;
}

int store_exec(struct sensor_store *s, const char *q)
{
	return store_err(sqlite3_exec(s->db, q, NULL, NULL, NULL));
}

/*
 * The database file before SQLite opens it: never through a symbolic link,
 * ours (the euid's) and writable by us alone, one link. It holds command
 * lines and the baseline that decides what is denied: a file someone else
 * owns or may write could have been prepared (triggers that drop alerts,
 * a baseline that allows anything). Created 0600 when it does not exist.
 * Returns an fd on the file (its identity, checked again after SQLite
 * opened the path) or -errno: -ELOOP (a link), -EPERM (owner, mode, links).
 */
static int store_precheck(const char *path, bool readonly, struct stat *st)
{
	int fd = open(path, (readonly ? O_RDONLY : O_RDWR | O_CREAT) | O_NOFOLLOW | O_CLOEXEC |
				    O_NOCTTY | O_NONBLOCK,
		      0600);

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
	    (st->st_mode & (S_IWGRP | S_IWOTH)) || st->st_nlink != 1) {
		int r = fstat(fd, st) < 0 ? -errno : !S_ISREG(st->st_mode) ? -EINVAL : -EPERM;

		close(fd);
		return r;
	}
	/* ours: the rest of the world has no business reading command lines */
	if ((st->st_mode & 077) && !readonly && fchmod(fd, st->st_mode & 0700) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/*
 * SQLite's own defences for a file that may have been prepared: no writes
 * to the schema through SQL, no triggers or views run, no functions with
 * side effects from the schema; and a database that holds a trigger or a
 * view (the schema makes none) is refused outright.
 */
static int store_harden(struct sensor_store *s)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK ||
	    sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL) != SQLITE_OK ||
	    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK)
		return -EIO;
#ifdef SQLITE_DBCONFIG_ENABLE_VIEW
	if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL) != SQLITE_OK)
		return -EIO;
#endif
	rc = sqlite3_prepare_v2(s->db,
				"SELECT count(*) FROM sqlite_master WHERE type IN ('trigger', 'view')",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc) == -EIO ? -EBADMSG : store_err(rc);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n ? -EMEDIUMTYPE : 0;
}

int store_open(const char *path, bool readonly, struct sensor_store **ret)
{
	struct sensor_store *s;
	struct stat pre, post;
	bool mem;
	int rc, r, fd;

	if (!path || !ret)
		return -EINVAL;
	/* SQLite's in-memory database: no file, nothing to check (and the
	 * check must not create a file of that name in the working directory) */
	mem = strcmp(path, ":memory:") == 0;
	fd = mem ? -1 : store_precheck(path, readonly, &pre);
	if (fd < 0 && !mem)
		return fd;
	s = calloc(1, sizeof(*s));
	if (!s) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	s->readonly = readonly;
	rc = sqlite3_open_v2(path, &s->db,
			     (readonly ? SQLITE_OPEN_READONLY
				       : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
				     SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
				     SQLITE_OPEN_NOFOLLOW,
			     NULL);
	if (rc != SQLITE_OK) {
		if (fd >= 0)
			close(fd);
		r = store_err(rc);
		goto fail;
	}
	/* the file SQLite opened is the one we checked (not swapped meanwhile) */
	r = mem ? 0
	    : lstat(path, &post) < 0 ? -errno
	    : post.st_dev != pre.st_dev || post.st_ino != pre.st_ino ? -EPERM : 0;
	if (fd >= 0)
		close(fd);
	if (r < 0)
		goto fail;
	r = store_harden(s);
	if (r < 0)
		goto fail;
	sqlite3_busy_timeout(s->db, 2000);
	if (!readonly) {
		/* WAL: readers never block the writer; a crash loses at most the
		 * transactions not yet committed (one flush interval). */
		r = store_exec(s, "PRAGMA journal_mode=WAL");
		if (r < 0)
			goto fail;
		r = store_exec(s, "PRAGMA synchronous=NORMAL");
		if (r < 0)
			goto fail;
	}
	r = store_exec(s, "PRAGMA foreign_keys=OFF");
	if (r < 0)
		goto fail;
	r = store_migrate(s->db, readonly);
	if (r < 0)
		goto fail;
	for (int i = 0; i < ST__MAX; i++) {
		rc = sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
		if (rc != SQLITE_OK) {
			r = store_err(rc);
			goto fail;
		}
	}
	*ret = s;
	return 0;
fail:
	store_close(s);
	return r == -EIO ? -EBADMSG : r;
}

void store_close(struct sensor_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST__MAX; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

int sensor_store_open(const char *path, uint32_t flags, sensor_store **ret)
{
	if (flags & ~(uint32_t)SENSOR_STORE_READONLY)
		return -EINVAL;
	return store_open(path, flags & SENSOR_STORE_READONLY, ret);
}

sensor_store *sensor_store_close(sensor_store *s)
{
	store_close(s);
	return NULL;
}

static int state_from_text(const char *s)
{
	if (s && strcmp(s, "monitoring") == 0)
		return WL_MONITORING;
	if (s && strcmp(s, "enforcing") == 0)
		return WL_ENFORCING;
	return WL_LEARNING;
}

static const char *state_text(int st)
{
	return st == WL_MONITORING ? "monitoring" : st == WL_ENFORCING ? "enforcing" : "learning";
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

int store_load(struct sensor_store *s, struct model *m)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	rc = sqlite3_prepare_v2(s->db,
				"SELECT id, kind, class, state, learn_start, last_new, last_seen"
				" FROM workloads ORDER BY id",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t wi = model_wl_get(m, col_text(st, 0), col_text(st, 1), col_text(st, 2),
					   (uint64_t)sqlite3_column_int64(st, 4));
		struct wmodel *w;

		if (wi == MODEL_NONE) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		w = &m->wls[wi];
		w->state = (uint8_t)state_from_text(col_text(st, 3));
		w->last_new = (uint64_t)sqlite3_column_int64(st, 5);
		w->last_seen = (uint64_t)sqlite3_column_int64(st, 6);
		w->dirty = false;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	rc = sqlite3_prepare_v2(s->db,
				"SELECT workload, key, count, first, last, hours, approved FROM features",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = col_text(st, 1);
		size_t klen = strlen(key);
		uint32_t wi = model_wl_find(m, col_text(st, 0)), fi;
		struct feat *f;

		if (wi == MODEL_NONE || klen == 0 || klen >= FEAT_KEY_MAX)
			continue; /* a feature of no workload: ignore it */
		fi = model_feat_add(m, wi, key, klen, model_hash(wi, key, klen),
				    (uint8_t)feat_kind_of_key(key, klen),
				    sqlite3_column_int(st, 6) ? FEAT_F_APPROVED : 0);
		if (fi == MODEL_NONE) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		f = &m->feats[fi];
		f->count = (uint64_t)sqlite3_column_int64(st, 2);
		f->first = (uint64_t)sqlite3_column_int64(st, 3);
		f->last = (uint64_t)sqlite3_column_int64(st, 4);
		{
			uint32_t hours[HOURS_OF_WEEK] = { 0 };

			store_hours_decode(sqlite3_column_blob(st, 5), sqlite3_column_bytes(st, 5),
					   hours);
			if (model_hours_set(f, hours) < 0) {
				sqlite3_finalize(st);
				return -ENOMEM;
			}
		}
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	/* loaded rows are clean */
	for (uint32_t i = m->dirty_head; i; i = m->feats[i - 1].dnext)
		m->feats[i - 1].flags &= (uint8_t)~FEAT_F_DIRTY;
	m->dirty_head = 0;
	return n;
}

static int step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : store_err(rc);
}

static int put_feature(struct sensor_store *s, const char *wl, const char *key, size_t klen,
		       uint64_t count, uint64_t first, uint64_t last, const uint32_t *hours,
		       int approved)
{
	sqlite3_stmt *st = s->st[ST_PUT_FEAT];
	unsigned char blob[4 * HOURS_OF_WEEK];

	store_hours_encode(hours, blob);
	sqlite3_bind_text(st, 1, wl, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, (int)klen, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)count);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)last);
	sqlite3_bind_blob(st, 6, blob, sizeof(blob), SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, approved);
	return step_reset(st);
}

int store_upsert_one(struct sensor_store *s, const char *wl, const char *key, uint64_t count,
		     uint64_t first, uint64_t last, const uint32_t *hours)
{
	return put_feature(s, wl, key, strlen(key), count, first, last, hours, 1);
}

static int put_workload(struct sensor_store *s, const struct wmodel *w)
{
	sqlite3_stmt *st = s->st[ST_PUT_WL];

	sqlite3_bind_text(st, 1, w->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->klass, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, state_text(w->state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)w->learn_start);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)w->last_new);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)w->last_seen);
	return step_reset(st);
}

int store_flush(struct sensor_store *s, struct model *m, char **alerts, const uint64_t *times,
		char **alert_wls, size_t nalerts)
{
	int r, rows = 0;

	if (s->readonly)
		return -EROFS;
	r = store_exec(s, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < m->nwls; i++) {
		if (!m->wls[i].dirty)
			continue;
		r = put_workload(s, &m->wls[i]);
		if (r < 0)
			goto fail;
		rows++;
	}
	for (size_t i = 0; i < m->ndels; i++) {
		sqlite3_stmt *st = s->st[ST_DEL_FEAT];

		sqlite3_bind_text(st, 1, m->dels[i].wl, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, m->dels[i].key, -1, SQLITE_STATIC);
		r = step_reset(st);
		if (r < 0)
			goto fail;
		rows++;
	}
	for (uint32_t i = m->dirty_head; i; i = m->feats[i - 1].dnext) {
		struct feat *f = &m->feats[i - 1];
		uint32_t hours[HOURS_OF_WEEK];

		if (f->flags & FEAT_F_DEAD)
			continue;
		model_hours_get(f, hours);
		r = put_feature(s, m->wls[f->wl].id, m->pool + f->key, f->klen, f->count, f->first,
				f->last, hours, !!(f->flags & FEAT_F_APPROVED));
		if (r < 0)
			goto fail;
		rows++;
	}
	for (size_t i = 0; i < nalerts; i++) {
		sqlite3_stmt *st = s->st[ST_PUT_ALERT];

		sqlite3_bind_int64(st, 1, (sqlite3_int64)times[i]);
		sqlite3_bind_text(st, 2, alert_wls[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, alerts[i], -1, SQLITE_STATIC);
		r = step_reset(st);
		if (r < 0)
			goto fail;
		rows++;
	}
	if (nalerts) {
		/* retention: the newest STORE_ALERTS_KEEP alerts (integer key: cheap) */
		r = store_exec(s, "DELETE FROM alerts WHERE id <= (SELECT MAX(id) FROM alerts) - "
				  STORE_ALERTS_KEEP_STR);
		if (r < 0)
			goto fail;
	}
	r = store_exec(s, "COMMIT");
	if (r < 0)
		goto fail;
	/* committed: now the marks can go */
	for (uint32_t i = 0; i < m->nwls; i++)
		m->wls[i].dirty = false;
	for (size_t i = 0; i < m->ndels; i++) {
		free(m->dels[i].wl);
		free(m->dels[i].key);
	}
	m->ndels = 0;
	while (m->dirty_head) {
		uint32_t i = m->dirty_head - 1;
		struct feat *f = &m->feats[i];

		m->dirty_head = f->dnext;
		f->flags &= (uint8_t)~FEAT_F_DIRTY;
		if (f->flags & FEAT_F_DEAD) {
			f->hnext = m->free_head;
			m->free_head = i + 1;
		}
	}
	return rows;
fail:
	store_exec(s, "ROLLBACK");
	return r;
}

/* ---- offline list / show / reset ------------------------------------------ */

int sensor_store_list(sensor_store *s, sensor_workload_fn fn, void *userdata)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	if (!s)
		return -EINVAL;
	rc = sqlite3_prepare_v2(s->db,
				"SELECT w.id, w.kind, w.class, w.state, w.learn_start, w.last_new,"
				" (SELECT COUNT(*) FROM features f WHERE f.workload = w.id)"
				" FROM workloads w ORDER BY w.id",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct sensor_workload_info wi = {
			.sz = sizeof(wi),
			.id = col_text(st, 0),
			.kind = col_text(st, 1),
			.klass = col_text(st, 2),
			.state = (enum sensor_baseline_state)state_from_text(col_text(st, 3)),
			.learn_start = (uint64_t)sqlite3_column_int64(st, 4),
			.last_new = (uint64_t)sqlite3_column_int64(st, 5),
			.features = (uint64_t)sqlite3_column_int64(st, 6),
		};
		int r = fn ? fn(userdata, &wi) : 0;

		if (r < 0) {
			sqlite3_finalize(st);
			return r;
		}
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : store_err(rc);
}

int sensor_store_show(sensor_store *s, const char *workload_id, sensor_feature_fn fn,
		      void *userdata)
{
	sqlite3_stmt *st = s ? s->st[ST_GET_WL] : NULL;
	int rc, n = 0;

	if (!s || !workload_id)
		return -EINVAL;
	sqlite3_bind_text(st, 1, workload_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return store_err(rc);
	rc = sqlite3_prepare_v2(s->db,
				"SELECT key, count, first, last, hours, approved FROM features"
				" WHERE workload = ?1 ORDER BY key",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	sqlite3_bind_text(st, 1, workload_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t hours[HOURS_OF_WEEK] = { 0 };
		struct sensor_feature_info fi = {
			.sz = sizeof(fi),
			.key = col_text(st, 0),
			.count = (uint64_t)sqlite3_column_int64(st, 1),
			.first = (uint64_t)sqlite3_column_int64(st, 2),
			.last = (uint64_t)sqlite3_column_int64(st, 3),
			.hours = hours,
			.approved = sqlite3_column_int(st, 5),
		};
		int r;

		store_hours_decode(sqlite3_column_blob(st, 4), sqlite3_column_bytes(st, 4), hours);
		r = fn ? fn(userdata, &fi) : 0;
		if (r < 0) {
			sqlite3_finalize(st);
			return r;
		}
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : store_err(rc);
}

/* Prepare, bind an optional text ?1, step once, finalize: the sqlite3 result code. */
static int step_one(struct sensor_store *s, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

int sensor_store_reset(sensor_store *s, const char *workload_id)
{
	int rc, r, n;

	if (!s)
		return -EINVAL;
	if (s->readonly)
		return -EROFS;
	r = store_exec(s, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	rc = step_one(s, workload_id ? "DELETE FROM features WHERE workload = ?1"
				     : "DELETE FROM features", workload_id);
	if (rc != SQLITE_DONE)
		goto fail;
	rc = step_one(s, workload_id ? "DELETE FROM workloads WHERE id = ?1"
				     : "DELETE FROM workloads", workload_id);
	if (rc != SQLITE_DONE)
		goto fail;
	n = sqlite3_changes(s->db);
	r = store_exec(s, "COMMIT");
	if (r < 0)
		goto fail_r;
	return workload_id && n == 0 ? -ENOENT : n;
fail:
	r = store_err(rc);
fail_r:
	store_exec(s, "ROLLBACK");
	return r;
}
