/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prometheus /metrics over libmicrohttpd: see metrics.h and docs/metrics.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "metrics.h"

#define NSEV 6  /* enum sensor_severity 1..5 */
#define NSRC 16 /* enum sensor_source_type, with room */
#define NKIND 8 /* enum sensor_kind */

struct metrics {
	struct MHD_Daemon *d;
	unsigned port;
	pthread_mutex_t lock;
	char *page; /* the latest snapshot (under lock) */
	size_t page_len;
	uint64_t scrapes;
	/* loop thread only */
	uint64_t events[NSRC][NKIND];
	uint64_t alerts[NSEV][NSRC + 1][NKIND]; /* source NSRC: unknown */
	char *buf;
	size_t cap, len;
};

/* ---- the server thread --------------------------------------------------- */

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **con_cls)
{
	struct metrics *m = cls;
	struct MHD_Response *resp;
	enum MHD_Result r;
	unsigned status = MHD_HTTP_OK;
	char *copy = NULL;
	size_t len = 0;

	(void)version;
	(void)upload;
	(void)con_cls;
	if (*upload_len) /* no request bodies */
		return MHD_NO;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics") != 0) {
		status = MHD_HTTP_NOT_FOUND;
	} else {
		pthread_mutex_lock(&m->lock);
		m->scrapes++;
		if (m->page) {
			copy = malloc(m->page_len);
			if (copy) {
				memcpy(copy, m->page, m->page_len);
				len = m->page_len;
			}
		}
		pthread_mutex_unlock(&m->lock);
		if (!copy)
			status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	resp = copy ? MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE)
		    : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(copy);
		return MHD_NO;
	}
	if (copy)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"text/plain; version=0.0.4; charset=utf-8");
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

int metrics_open(struct metrics **ret, const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	char host[64];
	const char *port, *h = spec;
	size_t hl;
	unsigned long p;
	char *end;
	struct metrics *m;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	const union MHD_DaemonInfo *info;

	if (*spec == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "'%s': an IPv6 address goes in brackets: [ADDR]:PORT", spec);
			return -EINVAL;
		}
		h = spec + 1;
		hl = (size_t)(close - h);
		port = close + 2;
	} else {
		port = strrchr(spec, ':');
		if (!port) {
			snprintf(err, errlen, "'%s' needs ADDR:PORT", spec);
			return -EINVAL;
		}
		hl = (size_t)(port - spec);
		port++;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (hl == 0 || hl >= sizeof(host) || !*port || *end || errno || p > 65535 ||
	    strspn(port, "0123456789") != strlen(port)) {
		snprintf(err, errlen, "'%s' needs a numeric ADDR and a PORT 0-65535", spec);
		return -EINVAL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)p);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)p);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "'%s': ADDR must be a numeric IPv4 or IPv6 address", spec);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	/* the sensor runs as root: few connections, short timeouts, tiny requests */
	m->d = MHD_start_daemon(flags, (uint16_t)p, NULL, NULL, answer, m, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 16u,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, 8u, MHD_OPTION_CONNECTION_TIMEOUT,
				10u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_END);
	if (!m->d) {
		int e = errno ? errno : EADDRINUSE;

		snprintf(err, errlen, "'%s': cannot listen: %s", spec, strerror(e));
		pthread_mutex_destroy(&m->lock);
		free(m);
		return -e;
	}
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info ? info->port : (unsigned)p;
	*ret = m;
	return 0;
}

unsigned metrics_port(const struct metrics *m)
{
	return m ? m->port : 0;
}

/* ---- counting (loop thread) ----------------------------------------------- */

void metrics_count_event(struct metrics *m, const sensor_event *ev)
{
	unsigned s = (unsigned)sensor_event_source(ev), k = (unsigned)sensor_event_kind(ev);

	if (m && s < NSRC && k < NKIND)
		m->events[s][k]++;
}

void metrics_count_alert(struct metrics *m, const char *json)
{
	json_t *j, *a, *ev;
	const char *sev, *src, *kind;
	unsigned si = 0, so = NSRC, ki = 0;

	if (!m || !json)
		return;
	j = json_loads(json, 0, NULL);
	a = json_object_get(j, "alert");
	ev = json_array_get(json_object_get(j, "evidence"), 0);
	sev = json_string_value(json_object_get(a, "severity"));
	src = json_string_value(json_object_get(ev, "source"));
	kind = json_string_value(json_object_get(ev, "kind"));
	for (unsigned i = 1; sev && i < NSEV; i++)
		if (sensor_severity_name((enum sensor_severity)i) &&
		    strcmp(sev, sensor_severity_name((enum sensor_severity)i)) == 0)
			si = i;
	if (src) {
		int t = sensor_source_type_from_name(src);

		if (t >= 0 && t < NSRC)
			so = (unsigned)t;
	}
	for (unsigned i = 1; kind && i < NKIND; i++)
		if (sensor_kind_name((enum sensor_kind)i) &&
		    strcmp(kind, sensor_kind_name((enum sensor_kind)i)) == 0)
			ki = i;
	m->alerts[si][so][ki]++;
	json_decref(j);
}

/* ---- rendering (loop thread) ---------------------------------------------- */

static void put(struct metrics *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct metrics *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(m->buf + m->len, m->cap - m->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < m->cap - m->len) {
			m->len += (size_t)n;
			return;
		}
		{
			size_t cap = (m->cap + (size_t)n + 1) * 2;
			char *b = realloc(m->buf, cap);

			if (!b)
				return;
			m->buf = b;
			m->cap = cap;
		}
	}
}

static void family(struct metrics *m, const char *name, const char *type, const char *help)
{
	put(m, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: Prometheus escapes \, " and newline. */
static void put_label(struct metrics *m, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			put(m, "\\%c", *v);
		else if (*v == '\n')
			put(m, "\\n");
		else
			put(m, "%c", *v);
	}
}

static void one(struct metrics *m, const char *name, uint64_t v)
{
	put(m, "%s %llu\n", name, (unsigned long long)v);
}

static const char *src_name(unsigned s)
{
	const char *n = s < NSRC ? sensor_source_type_name((enum sensor_source_type)s) : NULL;

	return n ? n : "unknown";
}

void metrics_publish(struct metrics *m, sensor_ctx *ctx, sensor_source *const *srcs, int nsrc,
		     struct run_baseline *rb)
{
	struct sensor_stats st = { .sz = sizeof(st) };
	char *page;

	if (!m)
		return;
	m->len = 0;
	sensor_ctx_get_stats(ctx, &st);

	family(m, "rtsensor_build_info", "gauge", "Version and features of rtsensor and libsensor.");
	put(m, "rtsensor_build_info{version=\"");
	put_label(m, SENSOR_VERSION_STRING);
	put(m, "\",libsensor=\"");
	put_label(m, sensor_version());
	put(m, "\",features=\"");
	put_label(m, sensor_features());
	put(m, "\"} 1\n");

	family(m, "rtsensor_events_total", "counter", "Events dispatched, by source and kind.");
	for (unsigned s = 0; s < NSRC; s++)
		for (unsigned k = 1; k < NKIND; k++)
			if (m->events[s][k])
				put(m, "rtsensor_events_total{source=\"%s\",kind=\"%s\"} %llu\n",
				    src_name(s), sensor_kind_name((enum sensor_kind)k),
				    (unsigned long long)m->events[s][k]);
	family(m, "rtsensor_lost_total", "counter",
	       "Events lost (sum of every loss event's count).");
	one(m, "rtsensor_lost_total", st.lost);
	family(m, "rtsensor_source_received_total", "counter", "Records a source read from the kernel.");
	for (int i = 0; i < nsrc; i++) {
		struct sensor_source_stats ss = { .sz = sizeof(ss) };

		sensor_source_get_stats(srcs[i], &ss);
		put(m, "rtsensor_source_received_total{source=\"%s\"} %llu\n",
		    src_name((unsigned)sensor_source_get_type(srcs[i])), (unsigned long long)ss.received);
	}
	family(m, "rtsensor_source_lost_total", "counter", "Events a source lost.");
	for (int i = 0; i < nsrc; i++) {
		struct sensor_source_stats ss = { .sz = sizeof(ss) };

		sensor_source_get_stats(srcs[i], &ss);
		put(m, "rtsensor_source_lost_total{source=\"%s\"} %llu\n",
		    src_name((unsigned)sensor_source_get_type(srcs[i])), (unsigned long long)ss.lost);
	}
	family(m, "rtsensor_source_errors_total", "counter", "Errors a source met.");
	for (int i = 0; i < nsrc; i++) {
		struct sensor_source_stats ss = { .sz = sizeof(ss) };

		sensor_source_get_stats(srcs[i], &ss);
		put(m, "rtsensor_source_errors_total{source=\"%s\"} %llu\n",
		    src_name((unsigned)sensor_source_get_type(srcs[i])), (unsigned long long)ss.errors);
	}

	family(m, "rtsensor_alerts_total", "counter",
	       "Alerts raised, by severity and by the source and kind of their evidence.");
	for (unsigned v = 0; v < NSEV; v++)
		for (unsigned s = 0; s <= NSRC; s++)
			for (unsigned k = 0; k < NKIND; k++)
				if (m->alerts[v][s][k])
					put(m,
					    "rtsensor_alerts_total{severity=\"%s\",source=\"%s\","
					    "kind=\"%s\"} %llu\n",
					    v ? sensor_severity_name((enum sensor_severity)v) : "unknown",
					    s < NSRC ? src_name(s) : "unknown",
					    k ? sensor_kind_name((enum sensor_kind)k) : "unknown",
					    (unsigned long long)m->alerts[v][s][k]);

	family(m, "rtsensor_held_total", "counter", "Events that waited for a verdict.");
	one(m, "rtsensor_held_total", st.held);
	family(m, "rtsensor_answered_total", "counter", "Held events answered.");
	one(m, "rtsensor_answered_total", st.answered);
	family(m, "rtsensor_defaulted_total", "counter",
	       "Held events given their source's default verdict, by why.");
	put(m, "rtsensor_defaulted_total{why=\"deadline\"} %llu\n",
	    (unsigned long long)st.defaulted_deadline);
	put(m, "rtsensor_defaulted_total{why=\"released\"} %llu\n",
	    (unsigned long long)st.defaulted_released);
	family(m, "rtsensor_pending", "gauge", "Held events waiting for a verdict now.");
	one(m, "rtsensor_pending", st.pending);

	family(m, "rtsensor_proc_cache_entries", "gauge", "Processes in the process cache.");
	one(m, "rtsensor_proc_cache_entries", st.proc_cache_entries);
	family(m, "rtsensor_proc_cache_lookups_total", "counter", "Process cache lookups, by result.");
	put(m, "rtsensor_proc_cache_lookups_total{result=\"hit\"} %llu\n",
	    (unsigned long long)st.proc_cache_hits);
	put(m, "rtsensor_proc_cache_lookups_total{result=\"miss\"} %llu\n",
	    (unsigned long long)st.proc_cache_misses);
	family(m, "rtsensor_proc_cache_evictions_total", "counter", "Process cache evictions.");
	one(m, "rtsensor_proc_cache_evictions_total", st.proc_cache_evictions);
	family(m, "rtsensor_workloads", "gauge", "Workload instances known to the context.");
	one(m, "rtsensor_workloads", st.workloads);

	if (rb && rb->b) {
		struct sensor_baseline_stats bs = { .sz = sizeof(bs) };

		sensor_baseline_get_stats(rb->b, &bs);
		family(m, "rtsensor_baseline_workloads", "gauge", "Instances in the baseline's memory.");
		one(m, "rtsensor_baseline_workloads", bs.workloads);
		family(m, "rtsensor_baseline_features", "gauge",
		       "Features in the baseline's memory (instances and classes).");
		one(m, "rtsensor_baseline_features", bs.features);
		family(m, "rtsensor_baseline_alerts_suppressed_total", "counter",
		       "Alerts held back by the rate limit (reported in rate_limited alerts).");
		one(m, "rtsensor_baseline_alerts_suppressed_total", bs.suppressed);
		family(m, "rtsensor_baseline_flush_duration_seconds", "summary",
		       "Time spent writing the baseline to its store.");
		put(m, "rtsensor_baseline_flush_duration_seconds_sum %.9f\n",
		    (double)bs.flush_ns_total / 1e9);
		put(m, "rtsensor_baseline_flush_duration_seconds_count %llu\n",
		    (unsigned long long)bs.flushes);
		family(m, "rtsensor_baseline_flush_duration_seconds_max", "gauge",
		       "The longest baseline flush so far.");
		put(m, "rtsensor_baseline_flush_duration_seconds_max %.9f\n",
		    (double)bs.flush_ns_max / 1e9);
		family(m, "rtsensor_baseline_flush_errors_total", "counter", "Baseline flushes that failed.");
		one(m, "rtsensor_baseline_flush_errors_total", bs.flush_errors);
		family(m, "rtsensor_journal_dropped_total", "counter",
		       "Events the journal could not keep (each batch is also a loss event).");
		one(m, "rtsensor_journal_dropped_total", bs.journal_dropped);
	}
	if (rb && rb->hs) {
		struct http_sink_stats hs;

		http_sink_get_stats(rb->hs, &hs);
		family(m, "rtsensor_sink_sent_total", "counter", "Alerts a sink delivered.");
		put(m, "rtsensor_sink_sent_total{sink=\"http\"} %llu\n", (unsigned long long)hs.sent);
		if (rb->sl_open)
			put(m, "rtsensor_sink_sent_total{sink=\"syslog\"} %llu\n",
			    (unsigned long long)rb->sl.sent);
		family(m, "rtsensor_sink_lost_total", "counter", "Alerts a sink could not deliver.");
		put(m, "rtsensor_sink_lost_total{sink=\"http\"} %llu\n",
		    (unsigned long long)(hs.dropped + hs.rejected));
		if (rb->sl_open)
			put(m, "rtsensor_sink_lost_total{sink=\"syslog\"} %llu\n",
			    (unsigned long long)rb->sl.failed);
		family(m, "rtsensor_sink_queue_depth", "gauge", "Alerts waiting in a sink's queue.");
		put(m, "rtsensor_sink_queue_depth{sink=\"http\"} %llu\n", (unsigned long long)hs.depth);
	} else if (rb && rb->sl_open) {
		family(m, "rtsensor_sink_sent_total", "counter", "Alerts a sink delivered.");
		put(m, "rtsensor_sink_sent_total{sink=\"syslog\"} %llu\n", (unsigned long long)rb->sl.sent);
		family(m, "rtsensor_sink_lost_total", "counter", "Alerts a sink could not deliver.");
		put(m, "rtsensor_sink_lost_total{sink=\"syslog\"} %llu\n",
		    (unsigned long long)rb->sl.failed);
	}
	pthread_mutex_lock(&m->lock);
	family(m, "rtsensor_metrics_scrapes_total", "counter", "Scrapes of this endpoint.");
	one(m, "rtsensor_metrics_scrapes_total", m->scrapes);
	pthread_mutex_unlock(&m->lock);

	page = malloc(m->len ? m->len : 1);
	if (!page)
		return;
	memcpy(page, m->buf, m->len);
	pthread_mutex_lock(&m->lock);
	free(m->page);
	m->page = page;
	m->page_len = m->len;
	pthread_mutex_unlock(&m->lock);
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	pthread_mutex_destroy(&m->lock);
	free(m->page);
	free(m->buf);
	free(m);
}
