/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A growable byte buffer for text built off the hot path (JSON, messages). */
#ifndef SENSOR_UTIL_STRBUF_H
#define SENSOR_UTIL_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	bool oom; /* sticky: one failed growth makes every later append a no-op */
};

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminated view; "" when empty or out of memory. */
const char *strbuf_str(struct strbuf *sb);

#endif
