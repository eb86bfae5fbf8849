/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The journal queue of the baseline stage: see journal.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

static bool op_in(const sensor_event *ev, enum sensor_field f, const char *const *ops)
{
	const char *op = sensor_event_get_str(ev, f);

	for (; op && *ops; ops++)
		if (strcmp(op, *ops) == 0)
			return true;
	return false;
}

bool journal_wants(const sensor_event *ev)
{
	static const char *const file_ops[] = { "write",  "close_write", "create", "delete",
						"rename", "attrib",	 "exec",   NULL };
	static const char *const net_ops[] = { "connect", "accept", "bind", "listen", "flow_new",
					       NULL };

	if (sensor_event_get_str(ev, SENSOR_FIELD_VERDICT_DECISION))
		return true;
	switch (sensor_event_kind(ev)) {
	case SENSOR_KIND_EXEC:
	case SENSOR_KIND_SYSCALL:
	case SENSOR_KIND_LOSS:
		return true;
	case SENSOR_KIND_FILE:
		return op_in(ev, SENSOR_FIELD_FILE_OP, file_ops);
	case SENSOR_KIND_NET:
		return op_in(ev, SENSOR_FIELD_NET_OP, net_ops);
	default:
		return false;
	}
}

void journal_add(struct journal *j, const sensor_event *ev, const char *wl, uint64_t time)
{
	struct journal_row *r;
	char stackbuf[2048], *json = stackbuf;
	int n;

	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 256;
		struct journal_row *q;

		if (j->cap >= JOURNAL_QUEUE_MAX ||
		    !(q = realloc(j->q, (cap > JOURNAL_QUEUE_MAX ? JOURNAL_QUEUE_MAX : cap) * sizeof(*q)))) {
			j->dropped++;
			return;
		}
		j->q = q;
		j->cap = cap > JOURNAL_QUEUE_MAX ? JOURNAL_QUEUE_MAX : cap;
	}
	n = sensor_event_to_json(ev, stackbuf, sizeof(stackbuf));
	if (n < 0) {
		j->dropped++;
		return;
	}
	if ((size_t)n >= sizeof(stackbuf)) {
		json = malloc((size_t)n + 1);
		if (!json || sensor_event_to_json(ev, json, (size_t)n + 1) != n) {
			free(json);
			j->dropped++;
			return;
		}
	} else {
		json = strndup(stackbuf, (size_t)n);
	}
	r = &j->q[j->n];
	r->time = time;
	r->kind = sensor_kind_name(sensor_event_kind(ev));
	r->workload = strdup(wl);
	r->json = json;
	if (!r->json || !r->workload || !r->kind) {
		free(r->json);
		free(r->workload);
		j->dropped++;
		return;
	}
	j->n++;
}

size_t journal_take(struct journal *j, struct journal_row **rows, uint64_t *dropped)
{
	size_t n = j->n;

	*rows = j->q;
	*dropped = j->dropped;
	j->q = NULL;
	j->n = j->cap = 0;
	j->dropped = 0;
	return n;
}

void journal_rows_free(struct journal_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].json);
		free(rows[i].workload);
	}
	free(rows);
}

void journal_free(struct journal *j)
{
	journal_rows_free(j->q, j->n);
	memset(j, 0, sizeof(*j));
}
