/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libauparse's own expectations (auparse_test.ref, tests 4 and 11: every
 * event, record and raw field of test.log and test4.log) against our
 * reassembler, with the presentation differences of docs/audit.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-dump.h"
#include "testlib.h"

/* Events and records of the section that starts with `title` in the .ref text. */
static void ref_section(const char *ref, const char *title, struct dump *d)
{
	const char *p = strstr(ref, title), *end;
	char rec[65536] = "", ev_time[64] = "";
	size_t o = 0;
	unsigned nrec = 0, type = 0;

	cr_assert_not_null(p, "%s", title);
	end = strstr(p, " Done\n");
	cr_assert_not_null(end);
	while (p < end) {
		const char *nl = strchr(p, '\n');
		char line[8192];
		size_t n = (size_t)(nl - p);

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		if (!strncmp(line, "event ", 6) && strstr(line, " has ")) {
			nrec = (unsigned)strtoul(strstr(line, " has ") + 5, NULL, 10);
		} else if (!strncmp(line, "    record ", 11)) {
			if (o)
				strlist_add(&d->records, rec);
			o = 0;
			type = (unsigned)strtoul(strstr(line, " of type ") + 9, NULL, 10);
		} else if (!strncmp(line, "    event time: ", 16)) {
			char *comma = strchr(line + 16, ',');

			*comma = '\0';
			if (strcmp(ev_time, line + 16) != 0 || o == 0) {
				/* first record of an event */
				if (strcmp(ev_time, line + 16) != 0 && nrec) {
					char e[128];

					snprintf(e, sizeof(e), "%.60s records=%u", line + 16, nrec);
					strlist_add(&d->events, e);
				}
				snprintf(ev_time, sizeof(ev_time), "%.60s", line + 16);
			}
			o = (size_t)snprintf(rec, sizeof(rec), "%s %u", ev_time, type);
		} else if (!strncmp(line, "        ", 8) && o) {
			const char *f = line + 8;

			if (!strncmp(f, "type=", 5) || !strncmp(f, "node=", 5) ||
			    !strncmp(f, "seresult=", 9) || !strncmp(f, "seperms=", 8))
				continue;
			o += (size_t)snprintf(rec + o, sizeof(rec) - o, " %s", f);
		}
	}
	if (o)
		strlist_add(&d->records, rec);
	strlist_sort(&d->events);
	strlist_sort(&d->records);
}

static void check(const char *ref, const char *title, const char *log, size_t nevents,
		  size_t nrecords)
{
	struct dump ours = { .auparse_compat = 1 }, exp = { 0 };
	const char *ex[4] = { 0 };
	size_t len, m1, m2;
	char *buf = read_file(corpus_path(log), &len);

	cr_assert_not_null(buf);
	cr_assert_eq(dump_ours(buf, len, &ours), 0);
	ref_section(ref, title, &exp);
	cr_assert_gt(exp.records.n, 5, "%s parsed", title);
	m1 = strlist_missing(&ours.records, &exp.records, ex, 2);
	m2 = strlist_missing(&exp.records, &ours.records, ex + 2, 2);
	cr_expect_eq(m1 + m2, 0, "%s: only ours %zu (%s), only ref %zu (%s)", log, m1,
		     ex[0] ? ex[0] : "-", m2, ex[2] ? ex[2] : "-");
	cr_expect_eq(ours.records.n, exp.records.n, "%s: %zu records, ref %zu", log, ours.records.n,
		     exp.records.n);
	/* the events: the same ones, each with the same number of records */
	cr_assert_eq(exp.events.n, nevents, "%s: %zu events in the ref", title, exp.events.n);
	cr_assert_eq(exp.records.n, nrecords, "%s: %zu records in the ref", title, exp.records.n);
	memset(ex, 0, sizeof(ex));
	m1 = strlist_missing(&ours.events, &exp.events, ex, 2);
	m2 = strlist_missing(&exp.events, &ours.events, ex + 2, 2);
	cr_expect_eq(m1 + m2, 0, "%s: events only ours %zu (%s), only ref %zu (%s)", log, m1,
		     ex[0] ? ex[0] : "-", m2, ex[2] ? ex[2] : "-");
	cr_expect_eq(ours.events.n, exp.events.n, "%s: %zu events, ref %zu", log, ours.events.n,
		     exp.events.n);
	cr_log_info("%s: %zu events and %zu records equal to auparse_test.ref", log, exp.events.n,
		    exp.records.n);
	dump_free(&ours);
	dump_free(&exp);
	free(buf);
}

Test(audit_auparse_ref, test4_and_test11_records_and_fields)
{
	size_t len;
	char *ref = read_file(corpus_path("linux-audit_audit-userspace/auparse/test/auparse_test.ref"),
			      &len);

	cr_assert_not_null(ref);
	check(ref, "Starting Test 4,", "linux-audit_audit-userspace/auparse/test/test.log", 7, 12);
	check(ref, "Starting Test 11,", "linux-audit_audit-userspace/auparse/test/test4.log", 2, 13);
	free(ref);
}
