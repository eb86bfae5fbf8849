/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helper: run a log through the reassembler and describe its events
 * and records as canonical text lines, so they can be compared with
 * another implementation (libauparse) or with expectations.
 */
#ifndef TEST_AUDIT_DUMP_H
#define TEST_AUDIT_DUMP_H

#include <stddef.h>
#include <stdint.h>

struct strlist {
	char **v;
	size_t n, cap;
};

void strlist_add(struct strlist *l, const char *s);
void strlist_sort(struct strlist *l);
void strlist_free(struct strlist *l);

struct dump {
	struct strlist events;  /* "<sec>.<ms>:<serial> records=<n>" */
	struct strlist records; /* "<sec>.<ms>:<serial> <type> k=v k=v ..." (raw values) */
	uint64_t lost;
	uint64_t bad;
	int auparse_compat; /* apply the documented libauparse presentation differences */
};

/* Our reassembler over every line of buf (no timeout, flush at the end). */
int dump_ours(const char *buf, size_t len, struct dump *d);
void dump_free(struct dump *d);

/* Multiset difference: lines of a not in b (sorted inputs); count, first ones to *first. */
size_t strlist_missing(const struct strlist *a, const struct strlist *b, const char **first,
		       size_t nfirst);

#endif
