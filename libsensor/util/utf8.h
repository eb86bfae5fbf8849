/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SENSOR_UTIL_UTF8_H
#define SENSOR_UTIL_UTF8_H

#include <stddef.h>

/*
 * Length (2..4) of the valid UTF-8 multi-byte sequence at s, or 0 when the
 * bytes there are not one (overlong forms, surrogates and > U+10FFFF are
 * invalid).
 */
static inline size_t utf8_valid_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;
	unsigned cp;

	if (n == 0)
		return 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

#endif
