/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-dump.h"
#include "sources/audit/audit-parse.h"
#include "sources/audit/audit-reasm.h"

void strlist_add(struct strlist *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = strdup(s);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strlist_sort(struct strlist *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp);
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

size_t strlist_missing(const struct strlist *a, const struct strlist *b, const char **first,
		       size_t nfirst)
{
	size_t i = 0, j = 0, miss = 0;

	while (i < a->n) {
		int c = j < b->n ? strcmp(a->v[i], b->v[j]) : -1;

		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			if (miss < nfirst)
				first[miss] = a->v[i];
			miss++;
			i++;
		} else {
			j++;
		}
	}
	return miss;
}

static void on_event(void *ud, const struct audit_event *e)
{
	struct dump *d = ud;
	char line[65536];

	snprintf(line, sizeof(line), "%llu.%03u:%u records=%u", (unsigned long long)e->sec, e->msec,
		 e->serial, e->nrec);
	strlist_add(&d->events, line);
	for (uint32_t i = 0; i < e->nrec; i++) {
		const char *t;
		const struct audit_record *r = audit_event_record(e, i, &t);
		size_t o = (size_t)snprintf(line, sizeof(line), "%llu.%03u:%u %u",
					    (unsigned long long)e->sec, e->msec, e->serial, r->type);

		for (uint32_t j = 0; j < r->nfields && o < sizeof(line) - 1; j++) {
			const struct audit_field *f = &r->f[j];
			const char *q = f->flags & AF_DQUOTED ? "\"" : f->flags & AF_SQUOTED ? "'" : "";
			int n;

			if (d->auparse_compat && f->vlen == 0 && !q[0])
				continue; /* docs/audit.md: libauparse drops empty values */
			if (d->auparse_compat && f->klen == 3 && memcmp(t + f->k, "key", 3) == 0 &&
			    audit_value_is_hex(f, t, r->type)) {
				/* docs/audit.md: libauparse splits a multi-key into key="a" key="b" */
				char dec[512];
				int dl = audit_value_decode(f, t, r->type, dec, sizeof(dec) - 1), s0 = 0;

				for (int c = 0; c <= dl && dl < (int)sizeof(dec); c++) {
					if (c == dl || dec[c] == '\x01') {
						n = snprintf(line + o, sizeof(line) - o, " key=\"%.*s\"",
							     c - s0, dec + s0);
						if (n > 0)
							o += (size_t)n;
						s0 = c + 1;
					}
				}
				continue;
			}
			n = snprintf(line + o, sizeof(line) - o, " %.*s=%s%.*s%s", (int)f->klen,
				     t + f->k, q, (int)f->vlen, t + f->v, q);
			if (n < 0)
				break;
			o += (size_t)n;
		}
		strlist_add(&d->records, line);
	}
}

static void on_lost(void *ud, uint64_t n)
{
	((struct dump *)ud)->lost += n;
}

int dump_ours(const char *buf, size_t len, struct dump *d)
{
	struct audit_reasm_opts o = { .emit = on_event, .lost = on_lost, .ud = d,
				      .record_clock = true };
	struct audit_reasm *ra;
	struct audit_reasm_stats st;
	size_t i = 0;
	int r = audit_reasm_new(&o, &ra);

	if (r < 0)
		return r;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - buf) : len;

		if (e > i)
			audit_reasm_push(ra, buf + i, e - i, 0, 0);
		i = e + 1;
	}
	audit_reasm_flush(ra);
	audit_reasm_get_stats(ra, &st);
	d->bad = st.bad_records;
	audit_reasm_free(ra);
	strlist_sort(&d->events);
	strlist_sort(&d->records);
	return 0;
}

void dump_free(struct dump *d)
{
	strlist_free(&d->events);
	strlist_free(&d->records);
}
