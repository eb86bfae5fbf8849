/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor run's counters as JSON, and status events of the sensor itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "run-stats.h"

char *run_stats_json(sensor_ctx *ctx, sensor_source *const *srcs, int nsrc,
		     const struct run_baseline *rb)
{
	sensor_baseline *b = rb ? rb->b : NULL;
	struct sensor_stats st = { .sz = sizeof(st) };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	sensor_ctx_get_stats(ctx, &st);
	fprintf(f,
		"{\"stats\":{\"events\":%llu,\"lost\":%llu,\"held\":%llu,\"answered\":%llu,"
		"\"defaulted\":%llu,\"proc_cache\":{\"hits\":%llu,\"misses\":%llu,"
		"\"entries\":%llu},\"workloads\":%llu,\"sources\":{",
		(unsigned long long)st.events, (unsigned long long)st.lost,
		(unsigned long long)st.held, (unsigned long long)st.answered,
		(unsigned long long)(st.defaulted_deadline + st.defaulted_released),
		(unsigned long long)st.proc_cache_hits, (unsigned long long)st.proc_cache_misses,
		(unsigned long long)st.proc_cache_entries, (unsigned long long)st.workloads);
	for (int i = 0; i < nsrc; i++) {
		struct sensor_source_stats ss = { .sz = sizeof(ss) };

		sensor_source_get_stats(srcs[i], &ss);
		fprintf(f, "%s\"%s\":{\"received\":%llu,\"emitted\":%llu,\"lost\":%llu,\"errors\":%llu}",
			i ? "," : "", sensor_source_type_name(sensor_source_get_type(srcs[i])),
			(unsigned long long)ss.received, (unsigned long long)ss.emitted,
			(unsigned long long)ss.lost, (unsigned long long)ss.errors);
	}
	fputc('}', f);
	if (rb && rb->sl_open)
		fprintf(f,
			",\"syslog\":{\"sent\":%llu,\"failed\":%llu,\"resent\":%llu,\"reconnects\":%llu,"
			"\"queued\":%u}",
			(unsigned long long)rb->sl.sent, (unsigned long long)rb->sl.failed,
			(unsigned long long)rb->sl.resent, (unsigned long long)rb->sl.reconnects,
			rb->sl.qn);
	if (b) {
		struct sensor_baseline_stats bs = { .sz = sizeof(bs) };

		sensor_baseline_get_stats(b, &bs);
		fprintf(f,
			",\"baseline\":{\"events\":%llu,\"workloads\":%llu,\"features\":%llu,"
			"\"alerts\":%llu,\"deduplicated\":%llu,\"suppressed\":%llu,"
			"\"flushes\":%llu,\"flush_errors\":%llu,\"journaled\":%llu,"
			"\"journal_dropped\":%llu}",
			(unsigned long long)bs.events, (unsigned long long)bs.workloads,
			(unsigned long long)bs.features, (unsigned long long)bs.alerts,
			(unsigned long long)bs.deduplicated, (unsigned long long)bs.suppressed,
			(unsigned long long)bs.flushes, (unsigned long long)bs.flush_errors,
			(unsigned long long)bs.journaled, (unsigned long long)bs.journal_dropped);
	}
	fputs("}}", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int run_stats_emit(sensor_source *inject, const char *state, const char *detail)
{
	sensor_event *ev;
	int r;

	if (!inject)
		return -EINVAL;
	r = sensor_inject_new(inject, SENSOR_KIND_STATUS, &ev);
	if (r < 0)
		return r;
	if ((r = sensor_event_set_str(ev, SENSOR_FIELD_STATUS_SOURCE, "rtsensor")) < 0 ||
	    (r = sensor_event_set_str(ev, SENSOR_FIELD_STATUS_STATE, state)) < 0 ||
	    (detail && (r = sensor_event_set_str(ev, SENSOR_FIELD_STATUS_DETAIL, detail)) < 0)) {
		sensor_event_unref(ev);
		return r;
	}
	return sensor_inject_emit(inject, ev);
}
