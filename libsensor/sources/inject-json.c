/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One event JSON line (docs/events.md) back into an event of the inject
 * source: replays of recorded `rtsensor run --events` output. The input is
 * untrusted: size, depth, types and values are checked, and the first
 * problem is named in err. Sections map to fields through the one field
 * table ("net" + "dport" is net.dport), so the reader cannot drift from the
 * writer. Members this version does not know are skipped (a newer writer's
 * additions); a known member of the wrong type is an error.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libsensor/sensor.h>

#define LINE_MAX_BYTES (1u << 20)
#define ARGV_MAX 4096

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* "2026-11-26T19:27:48.126143818Z" -> ns since the epoch. 0 or -1. */
static int rfc3339_ns(const char *s, int64_t *ret)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t ns = 0, scale = 100000000;
	time_t t;

	if (!end)
		return -1;
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
			ns += (*end - '0') * scale;
	if (strcmp(end, "Z") != 0)
		return -1;
	t = timegm(&tm);
	if (t < 0 || t > INT64_MAX / 1000000000 - 1)
		return -1;
	*ret = (int64_t)t * 1000000000 + ns;
	return 0;
}

static int set_argv(sensor_event *ev, json_t *arr, char *err, size_t errlen)
{
	const char *argv[ARGV_MAX];
	size_t n = json_array_size(arr), i;
	json_t *v;

	if (!json_is_array(arr))
		return fail(err, errlen, "exec.argv is not an array");
	if (n > ARGV_MAX)
		return fail(err, errlen, "exec.argv has more than %d elements", ARGV_MAX);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return fail(err, errlen, "exec.argv[%zu] is not a string", i);
		argv[i] = json_string_value(v);
	}
	return sensor_event_set_argv(ev, argv, (int)n) < 0
		       ? fail(err, errlen, "exec.argv does not fit an event")
		       : 0;
}

static int set_args(sensor_event *ev, json_t *arr, char *err, size_t errlen)
{
	uint64_t args[6];
	size_t n = json_array_size(arr), i;
	json_t *v;

	if (!json_is_array(arr) || n > 6)
		return fail(err, errlen, "syscall.args is not an array of at most 6 integers");
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v))
			return fail(err, errlen, "syscall.args[%zu] is not an integer", i);
		args[i] = (uint64_t)json_integer_value(v);
	}
	return sensor_event_set_args(ev, args, (int)n) < 0
		       ? fail(err, errlen, "syscall.args does not fit an event")
		       : 0;
}

/* A section of docs/events.md: a known one must be an object. */
static bool is_section(const char *key)
{
	static const char *const sections[] = { "process", "workload", "exec", "exit", "file",
						"net", "syscall", "loss", "status" };

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(key, sections[i]) == 0)
			return true;
	return false;
}

/* Every member of one section object ("process", "net", ...). */
static int set_section(sensor_event *ev, const char *sec, json_t *obj, char *err, size_t errlen)
{
	const char *member;
	json_t *v;

	if (!json_is_object(obj))
		return fail(err, errlen, "'%s' is not an object", sec);
	json_object_foreach(obj, member, v) {
		char name[96];
		int f, type, r;

		if (strcmp(sec, "exec") == 0 && strcmp(member, "argv") == 0) {
			r = set_argv(ev, v, err, errlen);
		} else if (strcmp(sec, "syscall") == 0 && strcmp(member, "args") == 0) {
			r = set_args(ev, v, err, errlen);
		} else {
			if ((size_t)snprintf(name, sizeof(name), "%s.%s", sec, member) >= sizeof(name))
				continue; /* no field has so long a name */
			f = sensor_field_from_name(name);
			if (f < 0)
				continue; /* a newer writer's member */
			type = sensor_field_type((enum sensor_field)f);
			if (type == SENSOR_FIELD_TYPE_INT && !json_is_integer(v))
				return fail(err, errlen, "%s is not an integer", name);
			if (type == SENSOR_FIELD_TYPE_STR && !json_is_string(v))
				return fail(err, errlen, "%s is not a string", name);
			r = type == SENSOR_FIELD_TYPE_INT
				    ? sensor_event_set_int(ev, (enum sensor_field)f, json_integer_value(v))
				    : sensor_event_set_str(ev, (enum sensor_field)f, json_string_value(v));
			if (r < 0)
				return fail(err, errlen, "%s: not a member of this event kind", name);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int sensor_inject_from_json(sensor_source *src, const char *json, size_t len, sensor_event **ret,
			    char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *v;
	const char *key, *kind;
	sensor_event *ev = NULL;
	int k, r = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!src || !ret || (!json && len))
		return -EINVAL;
	*ret = NULL;
	if (len > LINE_MAX_BYTES) {
		fail(err, errlen, "a line of %zu bytes (at most %u)", len, LINE_MAX_BYTES);
		return -E2BIG;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return fail(err, errlen, "not JSON: %s (column %d)", je.text, je.column);
	kind = json_string_value(json_object_get(root, "kind"));
	for (k = 1; kind && k < SENSOR__KIND_MAX; k++)
		if (strcmp(kind, sensor_kind_name((enum sensor_kind)k)) == 0)
			break;
	if (!json_is_object(root) || !kind || k >= SENSOR__KIND_MAX) {
		r = fail(err, errlen, "not an event: no known \"kind\"");
		goto out;
	}
	r = sensor_inject_new(src, (enum sensor_kind)k, &ev);
	if (r < 0)
		goto out;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "kind") == 0 || strcmp(key, "source") == 0 || strcmp(key, "seq") == 0 ||
		    strcmp(key, "verdict") == 0) {
			continue; /* given by the replaying pipeline, or a decision already taken */
		} else if (strcmp(key, "time") == 0) {
			int64_t t;

			if (!json_is_string(v) || rfc3339_ns(json_string_value(v), &t) < 0) {
				r = fail(err, errlen, "time is not an RFC 3339 UTC time");
				goto out;
			}
			sensor_event_set_int(ev, SENSOR_FIELD_TIME, t);
		} else if (json_is_object(v) || is_section(key)) {
			r = set_section(ev, key, v, err, errlen);
			if (r < 0)
				goto out;
		} /* else: a newer writer's top-level member */
	}
	*ret = ev;
	ev = NULL;
out:
	if (ev)
		sensor_event_unref(ev);
	json_decref(root);
	return r;
}
