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
	uint32_t head;   /* FNMATCH: literal bytes before the first metacharacter */
	uint32_t tail;   /* FNMATCH: literal bytes after the last metacharacter */
	uint32_t key;    /* INFIX: offset in lit of the byte searched first (not a common one) */
	uint8_t how;     /* enum glob_how */
};

/* Classify pat (which must outlive g). Never fails. */
void glob_compile(struct glob_pat *g, const char *pat);

/* Choose g->key for a literal set by hand (g->lit, g->len). */
void glob_pick_key(struct glob_pat *g);

/* fnmatch(g->pat, s, 0) == 0, for a string of length slen. */
bool glob_match(const struct glob_pat *g, const char *s, size_t slen);

#endif
