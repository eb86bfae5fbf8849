/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "jw.h"
#include "utf8.h"

void jw_init(struct jw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->first = true;
}

size_t jw_finish(struct jw *w)
{
	if (w->cap)
		w->buf[w->len < w->cap ? w->len : w->cap - 1] = '\0';
	return w->len;
}

void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (w->len < w->cap) {
		size_t room = w->cap - w->len - 1;

		memcpy(w->buf + w->len, s, n < room ? n : room);
	}
	w->len += n;
}

static void jw_c(struct jw *w, char c)
{
	if (w->len + 1 < w->cap)
		w->buf[w->len] = c;
	w->len++;
}

/* Bytes that go into a JSON string as they are. */
#define P16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char plain[256] = {
	[0x20] = 1, 1, 0 /* '"' */, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x30] = P16, [0x40] = P16,
	[0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 /* '\\' */, 1, 1, 1,
	[0x60] = P16, [0x70] = P16,
};
#undef P16

void jw_str(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	jw_c(w, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t run = 0;

		while (i + run < n && plain[(unsigned char)s[i + run]])
			run++;
		if (run) {
			jw_raw(w, s + i, run);
			i += run;
			continue;
		}
		if (c >= 0x80) {
			size_t u = utf8_valid_len(s + i, n - i);

			if (u) {
				jw_raw(w, s + i, u);
				i += u;
				continue;
			}
		}
		switch (c) {
		case '"': jw_raw(w, "\\\"", 2); break;
		case '\\': jw_raw(w, "\\\\", 2); break;
		case '\n': jw_raw(w, "\\n", 2); break;
		case '\t': jw_raw(w, "\\t", 2); break;
		case '\r': jw_raw(w, "\\r", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			jw_raw(w, u, 6);
		}
		}
		i++;
	}
	jw_c(w, '"');
}

/* Keys are our own ASCII identifiers: written raw, never escaped. */
void jw_key(struct jw *w, const char *key)
{
	if (!w->first)
		jw_c(w, ',');
	w->first = false;
	if (key) {
		jw_c(w, '"');
		jw_raw(w, key, strlen(key));
		jw_c(w, '"');
		jw_c(w, ':');
	}
}

void jw_obj_open(struct jw *w, const char *key)
{
	if (key || !w->first || w->len)
		jw_key(w, key);
	jw_c(w, '{');
	w->first = true;
}

void jw_obj_close(struct jw *w)
{
	jw_c(w, '}');
	w->first = false;
}

void jw_arr_open(struct jw *w, const char *key)
{
	jw_key(w, key);
	jw_c(w, '[');
	w->first = true;
}

void jw_arr_close(struct jw *w)
{
	jw_c(w, ']');
	w->first = false;
}

void jw_kv_str(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	jw_str(w, val, strlen(val));
}

static void jw_u64(struct jw *w, uint64_t v)
{
	char tmp[24];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jw_raw(w, tmp + n, sizeof(tmp) - n);
}

static void jw_i64(struct jw *w, int64_t v)
{
	if (v < 0) {
		jw_c(w, '-');
		jw_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		jw_u64(w, (uint64_t)v);
	}
}

void jw_item_i64(struct jw *w, int64_t v)
{
	jw_key(w, NULL);
	jw_i64(w, v);
}

void jw_kv_i64(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	if (v < 0) {
		jw_c(w, '-');
		jw_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		jw_u64(w, (uint64_t)v);
	}
}

void jw_kv_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_u64(w, v);
}

void jw_item_str(struct jw *w, const char *val)
{
	jw_key(w, NULL);
	jw_str(w, val, strlen(val));
}


/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

static void put_num(char *p, uint64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void format_rfc3339(uint64_t ns, char out[31])
{
	uint64_t secs = ns / 1000000000u, frac = ns % 1000000000u;
	uint64_t days = secs / 86400, rem = secs % 86400;
	int y;
	unsigned m, d;

	civil((int64_t)days, &y, &m, &d);
	put_num(out, (uint64_t)(y < 0 ? 0 : y), 4);
	out[4] = '-';
	put_num(out + 5, m, 2);
	out[7] = '-';
	put_num(out + 8, d, 2);
	out[10] = 'T';
	put_num(out + 11, rem / 3600, 2);
	out[13] = ':';
	put_num(out + 14, rem / 60 % 60, 2);
	out[16] = ':';
	put_num(out + 17, rem % 60, 2);
	out[19] = '.';
	put_num(out + 20, frac, 9);
	out[29] = 'Z';
	out[30] = '\0';
}

void jw_kv_time(struct jw *w, const char *key, uint64_t ns)
{
	char t[31];

	format_rfc3339(ns, t);
	jw_key(w, key);
	jw_c(w, '"');
	jw_raw(w, t, 30);
	jw_c(w, '"');
}
