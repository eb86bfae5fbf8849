/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compiled glob patterns: see glob.h. */
#include <fnmatch.h>
#include <string.h>

#include "glob.h"

static bool is_meta(char c)
{
	return c == '*' || c == '?' || c == '[' || c == '\\';
}

void glob_pick_key(struct glob_pat *g)
{
	g->key = 0;
	for (uint32_t i = 0; i < g->len; i++) {
		if (!strchr("/ .-_", g->lit[i])) {
			g->key = i;
			return;
		}
	}
}

/* Where lit occurs in s, searching for its key byte first (memmem costs ~100 cycles a call). */
static bool infix(const struct glob_pat *g, const char *s, size_t slen)
{
	const char *p = s + g->key, *last;
	char k = g->lit[g->key];

	if (slen < g->len)
		return false;
	last = s + (slen - g->len) + g->key; /* the key's last possible place */
	while (p <= last && (p = memchr(p, k, (size_t)(last - p) + 1))) {
		if (memcmp(p - g->key, g->lit, g->len) == 0)
			return true;
		p++;
	}
	return false;
}

void glob_compile(struct glob_pat *g, const char *pat)
{
	size_t n = strlen(pat), a = 0, b = n;
	bool lead, trail;

	memset(g, 0, sizeof(*g));
	g->pat = pat;
	while (a < n && pat[a] == '*')
		a++;
	if (a == n) {
		g->how = n ? GLOB_ANY : GLOB_EXACT;
		g->lit = pat;
		return;
	}
	while (b > a && pat[b - 1] == '*')
		b--;
	lead = a > 0;
	trail = b < n;
	for (size_t i = a; i < b; i++) {
		if (is_meta(pat[i]))
			goto general;
	}
	/* "*...*lit*...*": a run of stars matches the same as one star */
	g->lit = pat + a;
	g->len = (uint32_t)(b - a);
	g->how = lead ? (trail ? GLOB_INFIX : GLOB_SUFFIX) : (trail ? GLOB_PREFIX : GLOB_EXACT);
	glob_pick_key(g);
	return;
general:
	g->how = GLOB_FNMATCH;
	g->plen = (uint32_t)n;
	while (g->head < n && !is_meta(pat[g->head]))
		g->head++;
	/* a tail literal must not start right after a backslash (it would be escaped) */
	while (g->tail < n - g->head && !is_meta(pat[n - 1 - g->tail]))
		g->tail++;
	if (g->tail < n && pat[n - 1 - g->tail] == '\\')
		g->tail = 0;
	/* "[...]" may hold literal-looking bytes right before ']': be safe */
	if (g->tail && memchr(pat, ']', n))
		g->tail = 0;
}

bool glob_match_slow(const struct glob_pat *g, const char *s, size_t slen)
{
	if (g->how == GLOB_INFIX)
		return g->len ? infix(g, s, slen) : true;
	if (slen < g->head || memcmp(s, g->pat, g->head) != 0)
		return false;
	if (g->tail &&
	    (slen < g->tail || memcmp(s + slen - g->tail, g->pat + g->plen - g->tail, g->tail)))
		return false;
	return fnmatch(g->pat, s, 0) == 0;
}
