/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one generalisation function of the baseline (see generalize.h). */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "generalize.h"
#include "util/inet.h"

struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	size_t room = o->cap - 1 - o->len; /* o->len + 1 <= o->cap always */

	if (n > room)
		n = room;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void putc1(struct out *o, char c)
{
	put(o, &c, 1);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A UUID 8-4-4-4-12 at s[0..n)? */
static bool uuid_at(const char *s, size_t n)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };
	size_t p = 0;

	for (int g = 0; g < 5; g++) {
		for (int k = 0; k < groups[g]; k++, p++)
			if (p >= n || !is_hex(s[p]))
				return false;
		if (g < 4) {
			if (p >= n || (s[p] != '-' && s[p] != '_'))
				return false;
			p++;
		}
	}
	return true;
}

/* Does this run of letters/digits look machine-made (random)? */
static bool random_run(const char *s, size_t n)
{
	bool digit = false, lower = false, upper = false;

	if (n < 6)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i]))
			digit = true;
		else if (s[i] >= 'a' && s[i] <= 'z')
			lower = true;
		else
			upper = true;
	}
	return (digit && (lower || upper)) || (lower && upper);
}

/* Write one generalised segment s[0..n) (no slash). */
static void segment(struct out *o, const char *s, size_t n, bool tempdir)
{
	bool tmpname = tempdir || (n >= 3 && memcmp(s, "tmp", 3) == 0);
	bool all_digits = n > 0, plain = true;
	size_t i = 0;

	for (size_t k = 0; k < n; k++) {
		if (!is_digit(s[k]))
			all_digits = false;
		if (is_digit(s[k]) || s[k] == '-' || s[k] == '_')
			plain = false;
	}
	/* no digit and no separator: no UUID, hex or digit run can be here ("usr", "bin") */
	if (plain && !tmpname) {
		put(o, s, n);
		return;
	}
	if (all_digits) {
		putc1(o, '*');
		return;
	}
	/* "tmp" + random tail of [A-Za-z0-9_] (Python tempfile, mktemp "tmp.XXXXXXXXXX") */
	if (n >= 9 && memcmp(s, "tmp", 3) == 0) {
		size_t p = s[3] == '.' ? 4 : 3, k;
		char tail[64];
		size_t tl = 0;

		for (k = p; k < n && (is_alnum(s[k]) || s[k] == '_'); k++)
			if (s[k] != '_' && tl < sizeof(tail))
				tail[tl++] = s[k];
		if (k == n && n - p >= 6 && random_run(tail, tl)) {
			put(o, s, p);
			putc1(o, '*');
			return;
		}
	}
	while (i < n) {
		size_t run = 0;
		bool hexdigit = false;

		if (uuid_at(s + i, n - i)) {
			putc1(o, '*');
			i += 36;
			continue;
		}
		/* hex run (covers digit runs) */
		while (i + run < n && is_hex(s[i + run])) {
			if (is_digit(s[i + run]))
				hexdigit = true;
			run++;
		}
		if (run >= 12 && hexdigit && (i + run == n || !is_alnum(s[i + run])) &&
		    (i == 0 || !is_alnum(s[i - 1]))) {
			putc1(o, '*');
			i += run;
			continue;
		}
		run = 0;
		while (i + run < n && is_digit(s[i + run]))
			run++;
		if (run >= 3) {
			putc1(o, '*');
			i += run;
			continue;
		}
		if (tmpname && is_alnum(s[i])) {
			run = 0;
			while (i + run < n && is_alnum(s[i + run]))
				run++;
			/* keep the "tmp" prefix itself readable */
			if (i == 0 && run > 3 && memcmp(s, "tmp", 3) == 0 && !tempdir) {
				put(o, "tmp", 3);
				i += 3;
				run -= 3;
			}
			if (random_run(s + i, run)) {
				putc1(o, '*');
				i += run;
				continue;
			}
			put(o, s + i, run);
			i += run;
			continue;
		}
		putc1(o, s[i]);
		i++;
	}
}

static bool seg_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static void gen_path(struct out *o, const char *in, size_t n)
{
	size_t i = 0, segno = 0, temp_from = SIZE_MAX;
	bool first = true;
	char first_seg[16] = "";

	if (n == 0)
		return;
	if (in[0] == '/')
		putc1(o, '/');
	while (i < n) {
		size_t start, len;

		while (i < n && in[i] == '/')
			i++;
		start = i;
		while (i < n && in[i] != '/')
			i++;
		len = i - start;
		if (len == 0)
			break;
		if (seg_is(in + start, len, "."))
			continue;
		if (!first)
			putc1(o, '/');
		first = false;
		/* Where temp names start: below /tmp, /var/tmp, /dev/shm, /run/user/<uid>. */
		if (segno == 0) {
			size_t c = len < sizeof(first_seg) - 1 ? len : sizeof(first_seg) - 1;

			memcpy(first_seg, in + start, c);
			first_seg[c] = '\0';
			if (strcmp(first_seg, "tmp") == 0)
				temp_from = 1;
		} else if (segno == 1) {
			if ((strcmp(first_seg, "var") == 0 && seg_is(in + start, len, "tmp")) ||
			    (strcmp(first_seg, "dev") == 0 && seg_is(in + start, len, "shm")))
				temp_from = 2;
			else if (strcmp(first_seg, "run") == 0 && seg_is(in + start, len, "user"))
				temp_from = 3;
		}
		/* /proc/<pid>/..., /proc/<pid>/task/<tid>: all-digit segments become '*'. */
		segment(o, in + start, len, segno >= temp_from);
		segno++;
	}
	if (n > 1 && in[n - 1] == '/' && o->len && o->buf[o->len - 1] != '/')
		putc1(o, '/');
}

static void gen_addr(struct out *o, const char *in, size_t n)
{
	char tmp[INET6_ADDRSTRLEN + 1], txt[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];

	if (n == 0 || n >= sizeof(tmp)) {
		gen_path(o, in, n);
		return;
	}
	memcpy(tmp, in, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, a) == 1) {
		if (a[0] == 127) {
			put(o, "127.0.0.0/8", 11);
			return;
		}
		a[3] = 0;
		inet_fmt(AF_INET, a, txt, sizeof(txt));
		put(o, txt, strlen(txt));
		put(o, "/24", 3);
		return;
	}
	if (inet_pton(AF_INET6, tmp, a) == 1) {
		static const unsigned char lo[16] = { [15] = 1 };

		if (memcmp(a, lo, 16) == 0) {
			put(o, "::1", 3);
			return;
		}
		/* IPv4-mapped: generalise as IPv4 */
		if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			inet_fmt(AF_INET, a + 12, txt, sizeof(txt));
			gen_addr(o, txt, strlen(txt));
			return;
		}
		memset(a + 8, 0, 8);
		inet_fmt(AF_INET6, a, txt, sizeof(txt));
		put(o, txt, strlen(txt));
		put(o, "/64", 3);
		return;
	}
	gen_path(o, in, n);
}

static void gen_port(struct out *o, const char *in, size_t n)
{
	uint32_t v = 0;

	if (n == 0 || n > 5) {
		putc1(o, '?');
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(in[i])) {
			putc1(o, '?');
			return;
		}
		v = v * 10 + (uint32_t)(in[i] - '0');
	}
	if (v > 65535)
		putc1(o, '?');
	else if (v >= 32768)
		put(o, "ephemeral", 9);
	else
		put(o, in, n);
}

int generalize(enum gen_what what, const char *in, size_t n, char *out, size_t cap)
{
	struct out o = { out, cap, 0 };

	if (!cap || !out || (!in && n))
		return -1;
	switch (what) {
	case GEN_PATH:
		gen_path(&o, in, n);
		break;
	case GEN_ADDR:
		gen_addr(&o, in, n);
		break;
	case GEN_PORT:
		gen_port(&o, in, n);
		break;
	default:
		out[0] = '\0';
		return -1;
	}
	out[o.len] = '\0';
	return (int)o.len;
}
