/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one check of the public size-prefixed structs (docs/api.md "Options
 * structs"). Every such struct starts with `size_t sz`, set by the caller
 * to the sizeof() it was compiled with:
 *  - sz smaller than the struct of the first release that had it (0.1 for
 *    all of today's): -EINVAL - not a struct of any version;
 *  - sz larger than ours: a newer caller; the bytes we do not know must be
 *    zero (it asks for nothing we lack), else -E2BIG;
 *  - then min(sz, ours) bytes are the caller's and the rest our zero
 *    defaults.
 * Options (in) are copied into a zeroed local; statistics (out) are
 * written up to sz, a newer caller's unknown counters zeroed.
 */
#ifndef SENSOR_UTIL_OPTS_H
#define SENSOR_UTIL_OPTS_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define OPTS_OFFSETOFEND(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))

/* Copy the caller's options `src` (NULL: all defaults) into dst (ours bytes). 0, -EINVAL, -E2BIG. */
static inline int opts_copy(void *dst, size_t ours, const void *src, size_t first)
{
	const unsigned char *p = src;
	size_t sz;

	memset(dst, 0, ours);
	memcpy(dst, &ours, sizeof(ours)); /* the local copy is a whole struct of ours */
	if (!src)
		return 0;
	memcpy(&sz, src, sizeof(sz));
	if (sz < first)
		return -EINVAL;
	for (size_t i = ours; i < sz; i++)
		if (p[i])
			return -E2BIG;
	memcpy(dst, src, sz < ours ? sz : ours);
	memcpy(dst, &ours, sizeof(ours));
	return 0;
}

/* Write our `src` (ours bytes) into the caller's dst of dst->sz bytes, keeping its sz. 0, -EINVAL. */
static inline int opts_fill(void *dst, const void *src, size_t ours, size_t first)
{
	size_t sz;

	memcpy(&sz, dst, sizeof(sz));
	if (sz < first)
		return -EINVAL;
	memcpy(dst, src, sz < ours ? sz : ours);
	if (sz > ours)
		memset((unsigned char *)dst + ours, 0, sz - ours);
	memcpy(dst, &sz, sizeof(sz));
	return 0;
}

/*
 * OPTS_COPY(&local, caller_ptr, struct T, last field of T's first release).
 * The first release's size stays fixed as T grows: name the field that
 * ended it, never a newer one. The pointer comparisons only type-check.
 */
#define OPTS_COPY(dst, src, T, first_last)                                               \
	((void)sizeof((dst) == (T *)0), (void)sizeof((src) == (const T *)0),             \
	 opts_copy((dst), sizeof(T), (src), OPTS_OFFSETOFEND(T, first_last)))

/* OPTS_FILL(caller_ptr, &ours, struct T, last field of T's first release). */
#define OPTS_FILL(dst, src, T, first_last)                                               \
	((void)sizeof((dst) == (T *)0), (void)sizeof((src) == (const T *)0),             \
	 opts_fill((dst), (src), sizeof(T), OPTS_OFFSETOFEND(T, first_last)))

#endif
