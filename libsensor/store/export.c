/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Export of baselines as versioned JSON (docs/export-format.md): workloads
 * ordered by id, features by key, one feature per line, so that two exports
 * of equal stores are byte-identical and two different ones diff cleanly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "store-int.h"
#include "util/jw.h"
#include "util/strbuf.h"

#define EXPORT_VERSION 1

/* Append s as a JSON string (escaped like events are: invalid UTF-8 as \u00XX). */
static void add_jstr(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s), cap = 6 * n + 3;
	char small[1024], *buf = cap <= sizeof(small) ? small : malloc(cap);
	struct jw w;

	if (!buf) {
		sb->oom = true;
		return;
	}
	jw_init(&w, buf, cap);
	jw_str(&w, s, n);
	strbuf_add(sb, buf, jw_finish(&w));
	if (buf != small)
		free(buf);
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static int export_features(struct sensor_store *s, const char *wl, struct strbuf *sb)
{
	sqlite3_stmt *st = NULL;
	int rc;
	bool first = true;

	rc = sqlite3_prepare_v2(s->db,
				"SELECT key, count, first, last, hours, approved FROM features"
				" WHERE workload = ?1 ORDER BY key",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_err(rc);
	sqlite3_bind_text(st, 1, wl, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t hours[HOURS_OF_WEEK] = { 0 };
		bool hfirst = true;

		store_hours_decode(sqlite3_column_blob(st, 4), sqlite3_column_bytes(st, 4), hours);
		strbuf_adds(sb, first ? "\n    {\"key\":" : ",\n    {\"key\":");
		first = false;
		add_jstr(sb, col(st, 0));
		strbuf_addf(sb, ",\"count\":%lld,\"first\":%lld,\"last\":%lld,\"approved\":%s,\"hours\":[",
			    (long long)sqlite3_column_int64(st, 1),
			    (long long)sqlite3_column_int64(st, 2),
			    (long long)sqlite3_column_int64(st, 3),
			    sqlite3_column_int(st, 5) ? "true" : "false");
		for (int h = 0; h < HOURS_OF_WEEK; h++) {
			if (!hours[h])
				continue;
			strbuf_addf(sb, "%s[%d,%u]", hfirst ? "" : ",", h, hours[h]);
			hfirst = false;
		}
		strbuf_adds(sb, "]}");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	strbuf_adds(sb, first ? "]" : "\n  ]");
	return 0;
}

int sensor_store_export(sensor_store *s, const char *workload_id, char **ret_buf, size_t *ret_len)
{
	sqlite3_stmt *st = NULL;
	struct strbuf sb;
	bool first = true;
	int rc, r = 0, n = 0;

	if (!s || !ret_buf)
		return -EINVAL;
	strbuf_init(&sb);
	strbuf_addf(&sb, "{\"format\":\"rtsensor-baseline\",\"version\":%d,\"workloads\":[",
		    EXPORT_VERSION);
	rc = sqlite3_prepare_v2(s->db,
				workload_id ? "SELECT id, kind, class, state, learn_start, last_new"
					      " FROM workloads WHERE id = ?1"
					    : "SELECT id, kind, class, state, learn_start, last_new"
					      " FROM workloads ORDER BY id",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		strbuf_release(&sb);
		return store_err(rc);
	}
	if (workload_id)
		sqlite3_bind_text(st, 1, workload_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		strbuf_adds(&sb, first ? "\n  {\"id\":" : ",\n  {\"id\":");
		first = false;
		add_jstr(&sb, col(st, 0));
		strbuf_adds(&sb, ",\"kind\":");
		add_jstr(&sb, col(st, 1));
		strbuf_adds(&sb, ",\"class\":");
		add_jstr(&sb, col(st, 2));
		strbuf_adds(&sb, ",\"state\":");
		add_jstr(&sb, col(st, 3));
		strbuf_addf(&sb, ",\"learn_start\":%lld,\"last_new\":%lld,\"features\":[",
			    (long long)sqlite3_column_int64(st, 4),
			    (long long)sqlite3_column_int64(st, 5));
		r = export_features(s, col(st, 0), &sb);
		if (r < 0)
			break;
		strbuf_adds(&sb, "}");
		n++;
	}
	sqlite3_finalize(st);
	if (r == 0 && rc != SQLITE_DONE)
		r = store_err(rc);
	if (r == 0 && workload_id && n == 0)
		r = -ENOENT;
	strbuf_adds(&sb, first ? "]}\n" : "\n]}\n");
	if (r == 0 && sb.oom)
		r = -ENOMEM;
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	if (ret_len)
		*ret_len = sb.len;
	*ret_buf = sb.buf; /* the strbuf's buffer is malloc'd: the caller frees it */
	return 0;
}
