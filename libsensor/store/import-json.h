/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A strict JSON reader over a caller's buffer for the baseline import: no
 * tree, no allocation. jr_check() validates a whole document once (RFC 8259,
 * UTF-8, no \u0000, integers within int64, nesting at most JR_MAX_DEPTH);
 * the other calls then walk the checked document by offsets.
 */
#ifndef SENSOR_STORE_IMPORT_JSON_H
#define SENSOR_STORE_IMPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JR_MAX_DEPTH 2048 /* as jansson's parser */

/* 0, or -EBADMSG with "line L column C: why" in msg. */
int jr_check(const char *buf, size_t len, char *msg, size_t msglen);

/* Offset of the next non-blank byte at or after pos (len if none). */
size_t jr_ws(const char *buf, size_t len, size_t pos);
/* Offset just after the value starting at pos (a checked document). */
size_t jr_skip(const char *buf, size_t len, size_t pos);

/*
 * Decode the string starting at pos (its '"'): at most max - 1 bytes into
 * out, NUL-terminated; *full is the whole decoded length; *pos moves past it.
 * 0 or -EBADMSG.
 */
int jr_string(const char *buf, size_t len, size_t *pos, char *out, size_t max, size_t *full);

/*
 * The integer at pos: 1 and *v when it is one (no fraction or exponent),
 * 0 when the value is something else (pos unchanged).
 */
int jr_int(const char *buf, size_t len, size_t pos, int64_t *v);

/* Object members: jr_obj_first() at the '{', then jr_obj_next() after each value. */
/* 1 with the key decoded (max bytes, *full) and *val at the value, 0 at the '}', <0 on error. */
int jr_obj_first(const char *buf, size_t len, size_t *pos, char *key, size_t max, size_t *full,
		 size_t *val);
int jr_obj_next(const char *buf, size_t len, size_t *pos, char *key, size_t max, size_t *full,
		size_t *val);
/* Array elements: 1 with *val at the element, 0 at the ']'. *pos moves past the element. */
int jr_arr_first(const char *buf, size_t len, size_t *pos, size_t *val);
int jr_arr_next(const char *buf, size_t len, size_t *pos, size_t *val);

/* 1-based line and column of offset pos. */
void jr_where(const char *buf, size_t pos, int *line, int *col);

#endif
