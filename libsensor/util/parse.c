/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "parse.h"

static int digit_value(char c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < (int)base ? v : -1;
}

int parse_u64(const char *s, size_t len, unsigned base, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || !ret || len == 0 || (base != 10 && base != 16))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int d = digit_value(s[i], base);

		if (d < 0)
			return -EINVAL;
		/* overflow without a division per digit: v * base + d > UINT64_MAX */
		if (base == 16 ? v >> 60 != 0
			       : (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && (uint64_t)d > UINT64_MAX % 10)))
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	*ret = v;
	return 0;
}

int parse_i64(const char *s, size_t len, int64_t *ret)
{
	uint64_t v;
	int neg = 0, r;

	if (!s || !ret || len == 0)
		return -EINVAL;
	if (s[0] == '-') {
		neg = 1;
		s++;
		len--;
	}
	r = parse_u64(s, len, 10, &v);
	if (r < 0)
		return r;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*ret = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -ERANGE;
		*ret = (int64_t)v;
	}
	return 0;
}

int parse_u32(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v;
	int r = parse_u64(s, len, 10, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int parse_hex_bytes(const char *s, size_t len, uint8_t *out, size_t cap)
{
	if (!s || (len & 1))
		return -EINVAL;
	if (len / 2 > cap)
		return -ENOSPC;
	for (size_t i = 0; i < len; i += 2) {
		int hi = digit_value(s[i], 16), lo = digit_value(s[i + 1], 16);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}
