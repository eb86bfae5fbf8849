/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict JSON reader for the baseline import (see import-json.h). The
 * import walks its untrusted document by offsets instead of building a
 * parser tree: a tree costs tens of bytes per value, so a document of tiny
 * values multiplied its size in memory, and an honest export cost ~16x.
 * Here the document is checked once, bounded in stack and memory (a bit per
 * nesting level), then read in place.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "import-json.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t jr_ws(const char *buf, size_t len, size_t pos)
{
	while (pos < len && blank(buf[pos]))
		pos++;
	return pos;
}

void jr_where(const char *buf, size_t pos, int *line, int *col)
{
	int l = 1, c = 1;

	for (size_t i = 0; i < pos; i++) {
		if (buf[i] == '\n') {
			l++;
			c = 1;
		} else if (l < 1 << 30 && c < 1 << 30) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

static int hex4(const char *s, size_t n, uint32_t *v)
{
	*v = 0;
	if (n < 4)
		return -EBADMSG;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0')
			   : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
			   : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 16;

		if (d > 15)
			return -EBADMSG;
		*v = *v << 4 | d;
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t k;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return k;
}

static void put(char *out, size_t max, size_t *n, const char *b, size_t k)
{
	for (size_t i = 0; i < k; i++, (*n)++)
		if (out && *n + 1 < max)
			out[*n] = b[i];
}

/* Scan (and decode when out) the string at *pos; -EBADMSG with why. */
static int string_at(const char *buf, size_t len, size_t *pos, char *out, size_t max, size_t *full,
		     const char **why)
{
	size_t i = *pos + 1, n = 0;

	if (*pos >= len || buf[*pos] != '"')
		return *why = "expected a string", -EBADMSG;
	while (i < len) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '"') {
			if (out && max)
				out[n < max ? n : max - 1] = '\0';
			if (full)
				*full = n;
			*pos = i + 1;
			return 0;
		}
		if (c < 0x20) {
			*pos = i;
			return *why = "control character in a string", -EBADMSG;
		}
		if (c == '\\') {
			static const char esc[] = "\"\\/bfnrt", val[] = "\"\\/\b\f\n\r\t";
			const char *e;
			uint32_t cp, lo;
			char u[4];

			if (i + 1 >= len)
				break;
			e = buf[i + 1] ? strchr(esc, buf[i + 1]) : NULL;
			if (e) {
				put(out, max, &n, &val[e - esc], 1);
				i += 2;
				continue;
			}
			if (buf[i + 1] != 'u' || hex4(buf + i + 2, len - i - 2, &cp) < 0) {
				*pos = i;
				return *why = "invalid escape", -EBADMSG;
			}
			i += 6;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				*pos = i - 6;
				return *why = "invalid Unicode escape", -EBADMSG;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (i + 1 >= len || buf[i] != '\\' || buf[i + 1] != 'u' ||
				    hex4(buf + i + 2, len - i - 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff) {
					*pos = i - 6;
					return *why = "invalid Unicode surrogate pair", -EBADMSG;
				}
				i += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0) {
				*pos = i - 6;
				return *why = "\\u0000 is not allowed", -EBADMSG;
			}
			if (cp < 0x80) {
				u[0] = (char)cp;
				put(out, max, &n, u, 1);
			} else if (cp < 0x800) {
				u[0] = (char)(0xc0 | cp >> 6);
				u[1] = (char)(0x80 | (cp & 0x3f));
				put(out, max, &n, u, 2);
			} else if (cp < 0x10000) {
				u[0] = (char)(0xe0 | cp >> 12);
				u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				put(out, max, &n, u, 3);
			} else {
				u[0] = (char)(0xf0 | cp >> 18);
				u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
				u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[3] = (char)(0x80 | (cp & 0x3f));
				put(out, max, &n, u, 4);
			}
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_len((const unsigned char *)buf + i, len - i);

			if (!k) {
				*pos = i;
				return *why = "invalid UTF-8", -EBADMSG;
			}
			put(out, max, &n, buf + i, k);
			i += k;
			continue;
		}
		put(out, max, &n, buf + i, 1);
		i++;
	}
	*pos = len;
	return *why = "unterminated string", -EBADMSG;
}

int jr_string(const char *buf, size_t len, size_t *pos, char *out, size_t max, size_t *full)
{
	const char *why;

	return string_at(buf, len, pos, out, max, full, &why);
}

static bool digit(const char *buf, size_t len, size_t i)
{
	return i < len && buf[i] >= '0' && buf[i] <= '9';
}

/* Scan a number at *pos: 1 integer, 0 other number, -EBADMSG. */
static int number_at(const char *buf, size_t len, size_t *pos, int64_t *v, const char **why)
{
	size_t i = *pos;
	bool neg = false, integer = true;
	uint64_t x = 0;
	bool big = false;

	if (i < len && buf[i] == '-')
		neg = true, i++;
	if (!digit(buf, len, i))
		return *why = "invalid number", -EBADMSG;
	if (buf[i] == '0') {
		i++;
		if (digit(buf, len, i))
			return *why = "invalid number (leading zero)", -EBADMSG;
	} else {
		while (digit(buf, len, i)) {
			unsigned d = (unsigned)(buf[i] - '0');

			if (x > (UINT64_MAX - d) / 10)
				big = true;
			else
				x = x * 10 + d;
			i++;
		}
	}
	if (i < len && buf[i] == '.') {
		integer = false;
		i++;
		if (!digit(buf, len, i))
			return *why = "invalid number", -EBADMSG;
		while (digit(buf, len, i))
			i++;
	}
	if (i < len && (buf[i] == 'e' || buf[i] == 'E')) {
		integer = false;
		i++;
		if (i < len && (buf[i] == '+' || buf[i] == '-'))
			i++;
		if (!digit(buf, len, i))
			return *why = "invalid number", -EBADMSG;
		while (digit(buf, len, i))
			i++;
	}
	if (integer && (big || x > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)))
		return *why = "too big integer", -EBADMSG;
	if (integer && v)
		*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	*pos = i;
	return integer;
}

int jr_int(const char *buf, size_t len, size_t pos, int64_t *v)
{
	const char *why;

	if (pos >= len || (buf[pos] != '-' && !digit(buf, len, pos)))
		return 0;
	return number_at(buf, len, &pos, v, &why) == 1;
}

static bool word_at(const char *buf, size_t len, size_t pos, const char *w)
{
	size_t n = strlen(w);

	return len - pos >= n && memcmp(buf + pos, w, n) == 0;
}

/*
 * Iterative check: stack holds a bit per open container (1 object). After a
 * value: expect ',' or the closer; in an object, a key and ':' before each
 * value.
 */
int jr_check(const char *buf, size_t len, char *msg, size_t msglen)
{
	unsigned char stack[JR_MAX_DEPTH / 8];
	const char *why = NULL;
	size_t pos = jr_ws(buf, len, 0);
	int depth = 0, line, col, r;

	for (;;) {
		/* a value at pos */
		if (pos >= len) {
			why = "unexpected end of input";
			goto bad;
		}
		switch (buf[pos]) {
		case '{': case '[': {
			bool obj = buf[pos] == '{';

			if (depth >= JR_MAX_DEPTH) {
				why = "maximum parsing depth reached";
				goto bad;
			}
			if (obj)
				stack[depth / 8] |= (unsigned char)(1u << (depth % 8));
			else
				stack[depth / 8] &= (unsigned char)~(1u << (depth % 8));
			depth++;
			pos = jr_ws(buf, len, pos + 1);
			if (pos < len && buf[pos] == (obj ? '}' : ']')) {
				depth--;
				pos++;
				break;
			}
			if (obj) {
				if ((r = string_at(buf, len, &pos, NULL, 0, NULL, &why)) < 0)
					goto bad;
				pos = jr_ws(buf, len, pos);
				if (pos >= len || buf[pos] != ':') {
					why = "expected ':'";
					goto bad;
				}
				pos = jr_ws(buf, len, pos + 1);
			}
			continue;
		}
		case '"':
			if (string_at(buf, len, &pos, NULL, 0, NULL, &why) < 0)
				goto bad;
			break;
		case 't':
		case 'f':
		case 'n': {
			const char *w = buf[pos] == 't' ? "true" : buf[pos] == 'f' ? "false" : "null";

			if (!word_at(buf, len, pos, w)) {
				why = "invalid token";
				goto bad;
			}
			pos += strlen(w);
			break;
		}
		default:
			if (buf[pos] != '-' && !digit(buf, len, pos)) {
				why = "invalid token";
				goto bad;
			}
			if (number_at(buf, len, &pos, NULL, &why) < 0)
				goto bad;
			break;
		}
		/* after a value: close containers or go to the next member/element */
		for (;;) {
			bool obj;

			pos = jr_ws(buf, len, pos);
			if (depth == 0) {
				if (pos != len) {
					why = "end of file expected";
					goto bad;
				}
				return 0;
			}
			obj = stack[(depth - 1) / 8] >> ((depth - 1) % 8) & 1;
			if (pos < len && buf[pos] == (obj ? '}' : ']')) {
				depth--;
				pos++;
				continue;
			}
			if (pos >= len || buf[pos] != ',') {
				why = obj ? "expected ',' or '}'" : "expected ',' or ']'";
				goto bad;
			}
			pos = jr_ws(buf, len, pos + 1);
			if (obj) {
				if (string_at(buf, len, &pos, NULL, 0, NULL, &why) < 0)
					goto bad;
				pos = jr_ws(buf, len, pos);
				if (pos >= len || buf[pos] != ':') {
					why = "expected ':'";
					goto bad;
				}
				pos = jr_ws(buf, len, pos + 1);
			}
			break;
		}
	}
bad:
	jr_where(buf, pos < len ? pos : len, &line, &col);
	if (msg && msglen)
		snprintf(msg, msglen, "line %d column %d: %s", line, col, why);
	return -EBADMSG;
}

size_t jr_skip(const char *buf, size_t len, size_t pos)
{
	size_t depth = 0;
	const char *why;

	do {
		pos = jr_ws(buf, len, pos);
		if (pos >= len)
			return len;
		switch (buf[pos]) {
		case '"':
			if (string_at(buf, len, &pos, NULL, 0, NULL, &why) < 0)
				return len;
			break;
		case '{': case '[':
			depth++;
			pos++;
			break;
		case '}': case ']':
			if (depth)
				depth--;
			pos++;
			break;
		default:
			/* a scalar, ',' or ':' */
			pos++;
			while (pos < len && !blank(buf[pos]) && !strchr(",:{}[]\"", buf[pos]))
				pos++;
			break;
		}
	} while (depth > 0);
	return pos;
}

static int member(const char *buf, size_t len, size_t *pos, char *key, size_t max, size_t *full,
		  size_t *val)
{
	const char *why;

	if (string_at(buf, len, pos, key, max, full, &why) < 0)
		return -EBADMSG;
	*pos = jr_ws(buf, len, *pos);
	if (*pos >= len || buf[*pos] != ':')
		return -EBADMSG;
	*val = jr_ws(buf, len, *pos + 1);
	*pos = jr_skip(buf, len, *val);
	return 1;
}

int jr_obj_first(const char *buf, size_t len, size_t *pos, char *key, size_t max, size_t *full,
		 size_t *val)
{
	*pos = jr_ws(buf, len, *pos);
	if (*pos >= len || buf[*pos] != '{')
		return -EBADMSG;
	*pos = jr_ws(buf, len, *pos + 1);
	if (*pos < len && buf[*pos] == '}') {
		(*pos)++;
		return 0;
	}
	return member(buf, len, pos, key, max, full, val);
}

int jr_obj_next(const char *buf, size_t len, size_t *pos, char *key, size_t max, size_t *full,
		size_t *val)
{
	*pos = jr_ws(buf, len, *pos);
	if (*pos < len && buf[*pos] == '}') {
		(*pos)++;
		return 0;
	}
	if (*pos >= len || buf[*pos] != ',')
		return -EBADMSG;
	*pos = jr_ws(buf, len, *pos + 1);
	return member(buf, len, pos, key, max, full, val);
}

int jr_arr_first(const char *buf, size_t len, size_t *pos, size_t *val)
{
	*pos = jr_ws(buf, len, *pos);
	if (*pos >= len || buf[*pos] != '[')
		return -EBADMSG;
	*pos = jr_ws(buf, len, *pos + 1);
	if (*pos < len && buf[*pos] == ']') {
		(*pos)++;
		return 0;
	}
	*val = *pos;
	*pos = jr_skip(buf, len, *val);
	return 1;
}

int jr_arr_next(const char *buf, size_t len, size_t *pos, size_t *val)
{
	*pos = jr_ws(buf, len, *pos);
	if (*pos < len && buf[*pos] == ']') {
		(*pos)++;
		return 0;
	}
	if (*pos >= len || buf[*pos] != ',')
		return -EBADMSG;
	*val = jr_ws(buf, len, *pos + 1);
	*pos = jr_skip(buf, len, *val);
	return 1;
}
