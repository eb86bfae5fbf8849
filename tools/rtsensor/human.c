/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The terminal view and the output filter: see human.h. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "human.h"

#define C_RESET "\033[0m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"

int out_filter_kinds(struct out_filter *f, const char *list)
{
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int kind = 0;

		for (int i = 1; i < SENSOR__KIND_MAX; i++)
			if (strlen(sensor_kind_name((enum sensor_kind)i)) == n &&
			    strncmp(p, sensor_kind_name((enum sensor_kind)i), n) == 0)
				kind = i;
		if (!kind)
			return -EINVAL;
		f->kinds |= 1u << kind;
		p = e ? e + 1 : NULL;
	}
	return f->kinds ? 0 : -EINVAL;
}

int out_filter_severity(struct out_filter *f, const char *name)
{
	for (int s = SENSOR_SEVERITY_INFO; s <= SENSOR_SEVERITY_CRITICAL; s++)
		if (strcmp(name, sensor_severity_name((enum sensor_severity)s)) == 0) {
			f->min_severity = s;
			return 0;
		}
	return -EINVAL;
}

static bool workload_ok(const struct out_filter *f, const char *id)
{
	return !f->workload || (id && strncmp(id, f->workload, strlen(f->workload)) == 0);
}

bool out_filter_event(const struct out_filter *f, const sensor_event *ev)
{
	if (!f)
		return true;
	if (f->kinds && !(f->kinds & (1u << sensor_event_kind(ev))))
		return false;
	return workload_ok(f, sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID));
}

static int severity_of(const char *name)
{
	for (int s = SENSOR_SEVERITY_INFO; name && s <= SENSOR_SEVERITY_CRITICAL; s++)
		if (strcmp(name, sensor_severity_name((enum sensor_severity)s)) == 0)
			return s;
	return 0;
}

bool out_filter_alert(const struct out_filter *f, const char *json)
{
	json_t *j, *a, *ev;
	bool ok = true;

	if (!f || (!f->kinds && !f->workload && !f->min_severity))
		return true;
	j = json_loads(json, 0, NULL);
	a = json_object_get(j, "alert");
	ev = json_array_get(json_object_get(j, "evidence"), 0);
	if (f->min_severity &&
	    severity_of(json_string_value(json_object_get(a, "severity"))) < f->min_severity)
		ok = false;
	if (ok && !workload_ok(f, json_string_value(
					 json_object_get(json_object_get(j, "workload"), "id"))))
		ok = false;
	if (ok && f->kinds) {
		const char *k = json_string_value(json_object_get(ev, "kind"));
		int kind = 0;

		for (int i = 1; k && i < SENSOR__KIND_MAX; i++)
			if (strcmp(k, sensor_kind_name((enum sensor_kind)i)) == 0)
				kind = i;
		ok = kind && (f->kinds & (1u << kind));
	}
	json_decref(j);
	return ok;
}

bool human_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && *nc)
		return false;
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fileno(f)) == 1;
}

/* A bounded line writer. */
struct line {
	char *b;
	size_t cap, len;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len + 1 >= l->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->b + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len = l->len + (size_t)n < l->cap ? l->len + (size_t)n : l->cap - 1;
}

/* Text that came from the watched system, without control characters (a file
 * name must not move the terminal's cursor or change its colours). */
static void put_text(struct line *l, const char *s, size_t max)
{
	size_t n = 0;

	for (; s && *s && n < max && l->len + 2 < l->cap; s++, n++)
		l->b[l->len++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	if (s && *s && n >= max)
		put(l, "…");
	l->b[l->len] = '\0';
}

static void put_time(struct line *l, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	localtime_r(&t, &tm);
	put(l, "%02d:%02d:%02d.%03u ", tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (unsigned)(ns % 1000000000u / 1000000u));
}

/* "host", "ctr 1e1470684bfb", "pod shop/web-0 nginx", "unit cron.service". */
static void put_workload(struct line *l, const char *kind, const char *id, const char *pod,
			 const char *ns, const char *cname)
{
	if (!kind || !*kind || strcmp(kind, "host") == 0) {
		put(l, "%-18s ", "host");
		return;
	}
	if (pod && *pod) {
		struct line w = { (char[96]){ 0 }, 96, 0 };

		put(&w, "%s/", ns && *ns ? ns : "?");
		put_text(&w, pod, 40);
		if (cname && *cname) {
			put(&w, ":");
			put_text(&w, cname, 24);
		}
		put(l, "%-18s ", w.b);
		return;
	}
	if (strcmp(kind, "container") == 0) {
		put(l, "ctr %-14.12s ", id ? id : "?");
		return;
	}
	put(l, "%.4s ", kind);
	put_text(l, id, 40);
	put(l, " ");
}

static const char *str(const sensor_event *ev, enum sensor_field f)
{
	return sensor_event_get_str(ev, f);
}

static long long num(const sensor_event *ev, enum sensor_field f, long long dflt)
{
	int64_t v;

	return sensor_event_get_int(ev, f, &v) == 0 ? (long long)v : dflt;
}

size_t human_event(const sensor_event *ev, bool color, char *buf, size_t cap)
{
	struct line l = { buf, cap, 0 };
	enum sensor_kind k = sensor_event_kind(ev);
	const char *comm = str(ev, SENSOR_FIELD_PROCESS_COMM), *exe = str(ev, SENSOR_FIELD_PROCESS_EXE);
	const char *dec = str(ev, SENSOR_FIELD_VERDICT_DECISION);

	if (!cap)
		return 0;
	buf[0] = '\0';
	if (color)
		put(&l, C_DIM);
	put_time(&l, sensor_event_time(ev));
	if (color)
		put(&l, C_RESET);
	put_workload(&l, str(ev, SENSOR_FIELD_WORKLOAD_KIND), str(ev, SENSOR_FIELD_WORKLOAD_ID),
		     str(ev, SENSOR_FIELD_WORKLOAD_POD_NAME), str(ev, SENSOR_FIELD_WORKLOAD_NAMESPACE),
		     str(ev, SENSOR_FIELD_WORKLOAD_CONTAINER_NAME));
	/* who: comm[pid] */
	{
		struct line w = { (char[48]){ 0 }, 48, 0 };

		if (comm || exe) {
			const char *base = exe ? strrchr(exe, '/') : NULL;

			put_text(&w, comm ? comm : base ? base + 1 : exe, 16);
		} else {
			put(&w, "-");
		}
		if (num(ev, SENSOR_FIELD_PROCESS_PID, 0))
			put(&w, "[%lld]", num(ev, SENSOR_FIELD_PROCESS_PID, 0));
		put(&l, "%-22s ", w.b);
	}
	/* what and where */
	if (color)
		put(&l, C_BOLD);
	switch (k) {
	case SENSOR_KIND_EXEC:
		put(&l, "exec    ");
		if (color)
			put(&l, C_RESET);
		put_text(&l, str(ev, SENSOR_FIELD_PROCESS_CMDLINE) ? str(ev, SENSOR_FIELD_PROCESS_CMDLINE)
								  : str(ev, SENSOR_FIELD_EXEC_PATH),
			 160);
		break;
	case SENSOR_KIND_EXIT:
		put(&l, "exit    ");
		if (color)
			put(&l, C_RESET);
		if (num(ev, SENSOR_FIELD_EXIT_SIGNAL, 0))
			put(&l, "signal %lld", num(ev, SENSOR_FIELD_EXIT_SIGNAL, 0));
		else
			put(&l, "code %lld", num(ev, SENSOR_FIELD_EXIT_CODE, 0));
		break;
	case SENSOR_KIND_FILE:
		put(&l, "%-8.8s", str(ev, SENSOR_FIELD_FILE_OP) ? str(ev, SENSOR_FIELD_FILE_OP) : "file");
		if (color)
			put(&l, C_RESET);
		put_text(&l, str(ev, SENSOR_FIELD_FILE_PATH), 160);
		if (str(ev, SENSOR_FIELD_FILE_TO)) {
			put(&l, " -> ");
			put_text(&l, str(ev, SENSOR_FIELD_FILE_TO), 160);
		}
		break;
	case SENSOR_KIND_NET:
		put(&l, "%-8.8s", str(ev, SENSOR_FIELD_NET_OP) ? str(ev, SENSOR_FIELD_NET_OP) : "net");
		if (color)
			put(&l, C_RESET);
		put(&l, "%s ", str(ev, SENSOR_FIELD_NET_PROTO) ? str(ev, SENSOR_FIELD_NET_PROTO) : "");
		put_text(&l, str(ev, SENSOR_FIELD_NET_SRC), 64);
		if (num(ev, SENSOR_FIELD_NET_SPORT, -1) >= 0)
			put(&l, ":%lld", num(ev, SENSOR_FIELD_NET_SPORT, 0));
		if (str(ev, SENSOR_FIELD_NET_DST)) {
			put(&l, " -> ");
			put_text(&l, str(ev, SENSOR_FIELD_NET_DST), 64);
			if (num(ev, SENSOR_FIELD_NET_DPORT, -1) >= 0)
				put(&l, ":%lld", num(ev, SENSOR_FIELD_NET_DPORT, 0));
		}
		break;
	case SENSOR_KIND_SYSCALL:
		put(&l, "syscall ");
		if (color)
			put(&l, C_RESET);
		put_text(&l, str(ev, SENSOR_FIELD_SYSCALL_NAME), 32);
		put(&l, " = %lld", num(ev, SENSOR_FIELD_SYSCALL_RET, 0));
		break;
	case SENSOR_KIND_LOSS:
		put(&l, "LOSS    ");
		if (color)
			put(&l, C_RESET);
		put(&l, "%lld from ", num(ev, SENSOR_FIELD_LOSS_COUNT, 0));
		put_text(&l, str(ev, SENSOR_FIELD_LOSS_SOURCE), 32);
		put(&l, ": ");
		put_text(&l, str(ev, SENSOR_FIELD_LOSS_DETAIL), 160);
		break;
	default:
		put(&l, "status  ");
		if (color)
			put(&l, C_RESET);
		put_text(&l, str(ev, SENSOR_FIELD_STATUS_SOURCE), 32);
		put(&l, " ");
		put_text(&l, str(ev, SENSOR_FIELD_STATUS_STATE), 32);
		put(&l, ": ");
		put_text(&l, str(ev, SENSOR_FIELD_STATUS_DETAIL), 160);
		break;
	}
	if (dec) {
		bool deny = strcmp(dec, "deny") == 0;

		put(&l, "  %s[%s]%s", color ? (deny ? "\033[31m" : "\033[32m") : "", dec,
		    color ? C_RESET : "");
	}
	put(&l, "\n");
	return l.len;
}

static const char *sev_color(const char *sev)
{
	switch (severity_of(sev)) {
	case SENSOR_SEVERITY_CRITICAL:
		return "\033[1;37;41m"; /* white on red */
	case SENSOR_SEVERITY_HIGH:
		return "\033[1;31m";
	case SENSOR_SEVERITY_MEDIUM:
		return "\033[33m";
	case SENSOR_SEVERITY_LOW:
		return "\033[36m";
	default:
		return C_DIM;
	}
}

static const char *js(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

size_t human_alert(const char *json, bool color, char *buf, size_t cap)
{
	struct line l = { buf, cap, 0 };
	json_t *j = json_loads(json, 0, NULL), *a, *w, *p, *ev, *ew;
	const char *sev, *name;
	char up[16];
	struct tm tm = { 0 };
	uint64_t ns = 0;

	if (!cap)
		return 0;
	buf[0] = '\0';
	a = json_object_get(j, "alert");
	if (!a) {
		json_decref(j);
		return 0;
	}
	w = json_object_get(j, "workload");
	p = json_object_get(j, "process");
	ev = json_array_get(json_object_get(j, "evidence"), 0);
	ew = json_object_get(ev, "workload");
	sev = js(a, "severity") ? js(a, "severity") : "info";
	name = js(a, "rule") ? js(a, "rule") : js(a, "reason") ? js(a, "reason") : "alert";
	if (js(a, "last")) {
		const char *e = strptime(js(a, "last"), "%Y-%m-%dT%H:%M:%S", &tm);
		uint64_t frac = 0, scale = 100000000u;

		if (e && *e == '.')
			for (e++; *e >= '0' && *e <= '9' && scale; e++, scale /= 10)
				frac += (uint64_t)(*e - '0') * scale;
		if (e)
			ns = (uint64_t)timegm(&tm) * 1000000000u + frac;
	}
	if (color)
		put(&l, C_DIM);
	put_time(&l, ns);
	if (color)
		put(&l, C_RESET);
	for (size_t i = 0; i < sizeof(up) - 1 && sev[i]; i++) {
		up[i] = (char)(sev[i] >= 'a' && sev[i] <= 'z' ? sev[i] - 32 : sev[i]);
		up[i + 1] = '\0';
	}
	put(&l, "%s%-8s%s ", color ? sev_color(sev) : "", up, color ? C_RESET : "");
	put_workload(&l, js(w, "kind"), js(w, "id"), js(ew, "pod_name"), js(ew, "namespace"),
		     js(ew, "container_name"));
	{
		struct line who = { (char[48]){ 0 }, 48, 0 };

		put_text(&who, js(p, "comm") ? js(p, "comm") : "-", 16);
		if (json_is_integer(json_object_get(p, "pid")))
			put(&who, "[%lld]", (long long)json_integer_value(json_object_get(p, "pid")));
		put(&l, "%-22s ", who.b);
	}
	if (color)
		put(&l, C_BOLD);
	put_text(&l, name, 64);
	if (color)
		put(&l, C_RESET);
	if (js(a, "description")) {
		put(&l, ": ");
		put_text(&l, js(a, "description"), 160);
	}
	if (js(a, "feature")) {
		put(&l, " (");
		put_text(&l, js(a, "feature"), 160);
		put(&l, ")");
	}
	if (json_integer_value(json_object_get(a, "count")) > 1)
		put(&l, " x%lld", (long long)json_integer_value(json_object_get(a, "count")));
	put(&l, "\n");
	json_decref(j);
	return l.len;
}
