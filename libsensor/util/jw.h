/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A JSON writer into a caller's buffer that never allocates: it writes
 * while there is room and always counts, so the caller learns the length
 * the whole text needs (snprintf semantics).
 */
#ifndef SENSOR_UTIL_JW_H
#define SENSOR_UTIL_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jw {
	char *buf;
	size_t cap;   /* bytes available including the NUL */
	size_t len;   /* bytes the text needs so far */
	bool first;   /* no member written yet in the current object/array */
};

void jw_init(struct jw *w, char *buf, size_t cap);
/* NUL-terminate (truncating if needed); returns the full length. */
size_t jw_finish(struct jw *w);
void jw_raw(struct jw *w, const char *s, size_t n);
/* Quoted, escaped string; bytes that are not valid UTF-8 become \u00XX. */
void jw_str(struct jw *w, const char *s, size_t n);
void jw_obj_open(struct jw *w, const char *key);  /* key NULL: top level or array item */
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w, const char *key);
void jw_arr_close(struct jw *w);
void jw_key(struct jw *w, const char *key);       /* writes the comma too */
void jw_kv_str(struct jw *w, const char *key, const char *val);
void jw_kv_i64(struct jw *w, const char *key, int64_t v);
void jw_kv_u64(struct jw *w, const char *key, uint64_t v);
void jw_item_str(struct jw *w, const char *val);
void jw_item_i64(struct jw *w, int64_t v);
/* RFC 3339 UTC with nanoseconds: "2026-11-26T19:18:28.123456789Z" (30 chars). */
void jw_kv_time(struct jw *w, const char *key, uint64_t ns);
/* Format ns since the epoch as RFC 3339 into out (>= 31 bytes). */
void format_rfc3339(uint64_t ns, char out[31]);

#endif
