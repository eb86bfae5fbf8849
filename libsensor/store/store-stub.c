/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The store when SQLite (or jansson) is not in the build: every call says so. */
#include <errno.h>
#include <stdio.h>

#include "store.h"

int store_open(const char *path, bool readonly, struct sensor_store **ret)
{
	(void)path;
	(void)readonly;
	(void)ret;
	return -EOPNOTSUPP;
}

void store_close(struct sensor_store *s)
{
	(void)s;
}

int store_load(struct sensor_store *s, struct model *m)
{
	(void)s;
	(void)m;
	return -EOPNOTSUPP;
}

int store_flush(struct sensor_store *s, struct model *m, char **alerts, const uint64_t *times,
		char **alert_wls, size_t nalerts)
{
	(void)s, (void)m, (void)alerts, (void)times, (void)alert_wls, (void)nalerts;
	return -EOPNOTSUPP;
}

int store_journal_write(struct sensor_store *s, const struct journal_row *rows, size_t n,
			uint64_t cutoff, uint64_t keep)
{
	(void)s, (void)rows, (void)n, (void)cutoff, (void)keep;
	return -EOPNOTSUPP;
}

int store_upsert_one(struct sensor_store *s, const char *wl, const char *key, uint64_t count,
		     uint64_t first, uint64_t last, const uint32_t *hours)
{
	(void)s, (void)wl, (void)key, (void)count, (void)first, (void)last, (void)hours;
	return -EOPNOTSUPP;
}

int store_alert_writer_open(const char *path, unsigned capacity, struct store_alert_writer **ret)
{
	(void)path, (void)capacity, (void)ret;
	return -EOPNOTSUPP;
}

int store_alert_writer_put(struct store_alert_writer *w, const char *json, const char *wl,
			   uint64_t t)
{
	(void)w, (void)json, (void)wl, (void)t;
	return -EOPNOTSUPP;
}

int store_alert_writer_drain(struct store_alert_writer *w)
{
	(void)w;
	return -EOPNOTSUPP;
}

void store_alert_writer_get_stats(struct store_alert_writer *w,
				  struct store_alert_writer_stats *st)
{
	(void)w;
	*st = (struct store_alert_writer_stats){ 0 };
}

void store_alert_writer_close(struct store_alert_writer *w, struct store_alert_writer_stats *final)
{
	(void)w;
	if (final)
		*final = (struct store_alert_writer_stats){ 0 };
}

int sensor_store_open(const char *path, uint32_t flags, sensor_store **ret)
{
	(void)path, (void)flags, (void)ret;
	return -EOPNOTSUPP;
}

sensor_store *sensor_store_close(sensor_store *s)
{
	(void)s;
	return NULL;
}

int sensor_store_list(sensor_store *s, sensor_workload_fn fn, void *userdata)
{
	(void)s, (void)fn, (void)userdata;
	return -EOPNOTSUPP;
}

int sensor_store_show(sensor_store *s, const char *id, sensor_feature_fn fn, void *userdata)
{
	(void)s, (void)id, (void)fn, (void)userdata;
	return -EOPNOTSUPP;
}

int sensor_store_export(sensor_store *s, const char *id, char **ret_buf, size_t *ret_len)
{
	(void)s, (void)id, (void)ret_buf, (void)ret_len;
	return -EOPNOTSUPP;
}

int sensor_store_import(sensor_store *s, const char *buf, size_t len, uint32_t flags, char *err,
			size_t errlen)
{
	(void)s, (void)buf, (void)len, (void)flags;
	if (err && errlen)
		snprintf(err, errlen, "this build has no SQLite store");
	return -EOPNOTSUPP;
}

int sensor_store_merge(sensor_store *dst, sensor_store *src, char *err, size_t errlen)
{
	return sensor_store_import(dst, NULL, 0, 0, err, errlen) + 0 * (src != NULL);
}

int sensor_store_alerts(sensor_store *s, const char *workload_id, uint64_t since, uint64_t until,
			sensor_stored_alert_fn fn, void *userdata)
{
	(void)s, (void)workload_id, (void)since, (void)until, (void)fn, (void)userdata;
	return -EOPNOTSUPP;
}

int sensor_store_journal(sensor_store *s, const char *workload_id, uint64_t since, uint64_t until,
			 uint32_t flags, sensor_journal_fn fn, void *userdata)
{
	(void)s, (void)workload_id, (void)since, (void)until, (void)flags, (void)fn, (void)userdata;
	return -EOPNOTSUPP;
}

int sensor_store_reset(sensor_store *s, const char *id)
{
	(void)s, (void)id;
	return -EOPNOTSUPP;
}

int sensor_baseline_diff(const char *a, size_t alen, const char *b, size_t blen,
			 sensor_diff_fn fn, void *userdata, char *err, size_t errlen)
{
	(void)a, (void)alen, (void)b, (void)blen, (void)fn, (void)userdata;
	if (err && errlen)
		snprintf(err, errlen, "this build has no SQLite store");
	return -EOPNOTSUPP;
}
