/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checked number parsing over (buf, len): no NUL needed, no locale, no errno games. */
#ifndef SENSOR_UTIL_PARSE_H
#define SENSOR_UTIL_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse the whole of s[0..len) as an unsigned number in `base` (10 or 16;
 * base 16 accepts no "0x" prefix). Returns 0, -EINVAL on an empty or
 * non-numeric string, -ERANGE on overflow.
 */
int parse_u64(const char *s, size_t len, unsigned base, uint64_t *ret);

/* Signed decimal with an optional leading '-'. Same errors. */
int parse_i64(const char *s, size_t len, int64_t *ret);

/* parse_u64 base 10 bounded to UINT32_MAX. */
int parse_u32(const char *s, size_t len, uint32_t *ret);

/* Decode hex text (even length) into out (cap bytes). Returns bytes or -EINVAL/-ENOSPC. */
int parse_hex_bytes(const char *s, size_t len, uint8_t *out, size_t cap);

#endif
