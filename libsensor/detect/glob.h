/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compiled glob patterns with fnmatch(3) semantics, flags 0 ('*' and '?'
 * match '/' and a leading '.'). Rules are matched on every event, and most
 * of their patterns are a literal with stars at one or both ends ("lib*",
 * "*.so", "*id_rsa*"): those are answered by one memcmp or memmem.
 * Any other pattern goes to fnmatch(3) after a cheap check of its literal
 * head and tail, which every match must carry.
 */
#ifndef SENSOR_DETECT_GLOB_H
#define SENSOR_DETECT_GLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum glob_how {
	GLOB_EXACT = 1, /* no '*' at all: strcmp */
	GLOB_PREFIX,    /* "lit*" */
	GLOB_SUFFIX,    /* "*lit" */
	GLOB_INFIX,     /* "*lit*" */
	GLOB_ANY,       /* "*", "**" */
	GLOB_FNMATCH,   /* anything else: literal head/tail checks, then fnmatch */
};

struct glob_pat {
	const char *pat; /* the pattern as written, NUL-terminated */
	const char *lit; /* the literal part for EXACT/PREFIX/SUFFIX/INFIX */
	uint32_t len;    /* its length */
	uint32_t plen;   /* FNMATCH: the whole pattern's length */
	uint32_t head;   /* FNMATCH: literal bytes before the first metacharacter */
	uint32_t tail;   /* FNMATCH: literal bytes after the last metacharacter */
	uint32_t key;    /* INFIX: offset in lit of the byte searched first (not a common one) */
	uint8_t how;     /* enum glob_how */
};

/* Classify pat (which must outlive g). Never fails. */
void glob_compile(struct glob_pat *g, const char *pat);

/* Choose g->key for a literal set by hand (g->lit, g->len). */
void glob_pick_key(struct glob_pat *g);

/* The INFIX and FNMATCH cases of glob_match. */
bool glob_match_slow(const struct glob_pat *g, const char *s, size_t slen);

/*
 * fnmatch(g->pat, s, 0) == 0, for a string of length slen. Inline: rules
 * try many patterns on every event and most fail on their first or last
 * byte, before any call.
 */
static inline bool glob_match(const struct glob_pat *g, const char *s, size_t slen)
{
	switch (g->how) {
	case GLOB_EXACT:
		return slen == g->len && (!slen || (s[0] == g->lit[0] && memcmp(s, g->lit, slen) == 0));
	case GLOB_PREFIX:
		return slen >= g->len &&
		       (!g->len || (s[0] == g->lit[0] && memcmp(s, g->lit, g->len) == 0));
	case GLOB_SUFFIX:
		return slen >= g->len && (!g->len || (s[slen - 1] == g->lit[g->len - 1] &&
						      memcmp(s + slen - g->len, g->lit, g->len) == 0));
	case GLOB_ANY:
		return true;
	default:
		return glob_match_slow(g, s, slen);
	}
}

#endif
