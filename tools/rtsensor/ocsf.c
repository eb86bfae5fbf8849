/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Our events and alerts as OCSF 1.1 objects: see ocsf.h and docs/ocsf.md. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libsensor/sensor.h>

#include "ocsf.h"

#define OCSF_VERSION "1.1.0"

enum {
	CAT_SYSTEM = 1,
	CAT_FINDINGS = 2,
	CAT_NETWORK = 4,
	CLASS_BASE = 0,
	CLASS_FILE = 1001,
	CLASS_KERNEL = 1003,
	CLASS_PROCESS = 1007,
	CLASS_DETECTION = 2004,
	CLASS_NETWORK = 4001,
	ACT_OTHER = 99,
};

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* "2026-11-26T19:27:48.126143818Z" -> ms since the epoch; 0 when it is not that. */
static json_int_t rfc3339_ms(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	json_int_t ms = 0, scale = 100;
	time_t t;

	if (!end)
		return 0;
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
			ms += (*end - '0') * scale;
	t = timegm(&tm);
	return t < 0 ? 0 : (json_int_t)t * 1000 + ms;
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

/* Copy member k of from into to (as name), when present. */
static void copy(json_t *to, const char *name, json_t *from, const char *k)
{
	json_t *v = json_object_get(from, k);

	if (v)
		json_object_set(to, name, v);
}

static json_t *file_obj(const char *path)
{
	json_t *f = json_object();
	const char *slash = strrchr(path, '/');

	json_object_set_new(f, "path", json_string(path));
	if (slash && slash[1])
		json_object_set_new(f, "name", json_string(slash + 1));
	/* type_id 0: unknown (a path from an event does not say what it names) */
	json_object_set_new(f, "type_id", json_integer(0));
	return f;
}

/* OCSF process object from our "process" member (NULL: none) and the exec body of a launch. */
static json_t *process_obj(json_t *p, json_t *exec)
{
	json_t *o = json_object(), *u, *parent;
	const char *exe = str(p, "exe"), *path = exec ? str(exec, "path") : NULL;

	copy(o, "pid", p, "pid");
	copy(o, "tid", p, "tid");
	set_str(o, "name", str(p, "comm"));
	set_str(o, "cmd_line", str(p, "cmdline"));
	if (path || exe)
		json_object_set_new(o, "file", file_obj(path ? path : exe));
	if (exec)
		set_str(o, "working_directory", str(exec, "cwd"));
	if (json_object_get(p, "uid")) {
		u = json_object();
		json_object_set_new(u, "uid", json_sprintf("%lld",
			(long long)json_integer_value(json_object_get(p, "uid"))));
		json_object_set_new(o, "user", u);
	}
	if (json_object_get(p, "ppid")) {
		parent = json_object();
		copy(parent, "pid", p, "ppid");
		if (exec && str(exec, "parent_exe"))
			json_object_set_new(parent, "file", file_obj(str(exec, "parent_exe")));
		json_object_set_new(o, "parent_process", parent);
	}
	return o;
}

/* OCSF container object for a container or pod workload, else NULL. */
static json_t *container_obj(json_t *w)
{
	const char *kind = str(w, "kind"), *cls = str(w, "class");
	json_t *c;

	if (!kind || (strcmp(kind, "container") != 0 && strcmp(kind, "pod") != 0))
		return NULL;
	c = json_object();
	set_str(c, "uid", str(w, "id"));
	set_str(c, "name", str(w, "container_name"));
	set_str(c, "runtime", str(w, "runtime"));
	if (str(w, "image") || (cls && strncmp(cls, "image:", 6) == 0)) {
		json_t *img = json_object();

		json_object_set_new(img, "name", json_string(str(w, "image") ? str(w, "image")
									     : cls + 6));
		json_object_set_new(c, "image", img);
	}
	if (str(w, "pod"))
		json_object_set_new(c, "pod_uuid", json_string(str(w, "pod")));
	return c;
}

static json_t *endpoint(json_t *net, const char *ip, const char *port)
{
	json_t *e = json_object();

	copy(e, "ip", net, ip);
	copy(e, "port", net, port);
	return e;
}

/* Process Activity: activity and the process. */
static int map_process(json_t *o, json_t *ev, const char *kind)
{
	json_t *p = json_object_get(ev, "process"), *exec = json_object_get(ev, "exec");

	if (strcmp(kind, "exec") == 0) {
		json_object_set_new(o, "activity_id", json_integer(1)); /* Launch */
		json_object_set_new(o, "process", process_obj(p, exec));
	} else {
		json_t *x = json_object_get(ev, "exit");

		json_object_set_new(o, "activity_id", json_integer(2)); /* Terminate */
		json_object_set_new(o, "process", process_obj(p, NULL));
		copy(o, "exit_code", x, "code");
	}
	return CLASS_PROCESS;
}

static int file_activity(const char *op)
{
	static const struct {
		const char *op;
		int id;
	} t[] = {
		{ "create", 1 }, { "open", 14 }, { "read", 2 }, { "access", 2 }, { "exec", 14 },
		{ "write", 3 }, { "modify", 3 }, { "close_write", 3 }, { "delete", 4 },
		{ "rename", 5 }, { "attrib", 6 },
	};

	for (size_t i = 0; op && i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(op, t[i].op) == 0)
			return t[i].id;
	return ACT_OTHER;
}

static int map_file(json_t *o, json_t *ev)
{
	json_t *f = json_object_get(ev, "file");
	const char *path = str(f, "path"), *to = str(f, "to");

	json_object_set_new(o, "activity_id", json_integer(file_activity(str(f, "op"))));
	json_object_set_new(o, "file", file_obj(path ? path : ""));
	if (to)
		json_object_set_new(o, "file_result", file_obj(to));
	return CLASS_FILE;
}

static int net_activity(const char *op, const char *state)
{
	if (!op)
		return ACT_OTHER;
	if (strcmp(op, "bind") == 0 || strcmp(op, "listen") == 0)
		return 7; /* Listen */
	if (strcmp(op, "flow_end") == 0)
		return 2; /* Close */
	if (strcmp(op, "flow_update") == 0 || strcmp(op, "packet") == 0)
		return 6; /* Traffic */
	if (state && strcmp(state, "ECONNREFUSED") == 0)
		return 5; /* Refuse */
	if (state && state[0] == 'E')
		return 4; /* Fail */
	return 1;         /* Open: connect, accept, flow_new */
}

static int map_net(json_t *o, json_t *ev)
{
	json_t *n = json_object_get(ev, "net"), *ci = json_object();
	const char *op = str(n, "op");

	json_object_set_new(o, "activity_id", json_integer(net_activity(op, str(n, "state"))));
	json_object_set_new(o, "src_endpoint", endpoint(n, "src", "sport"));
	json_object_set_new(o, "dst_endpoint", endpoint(n, "dst", "dport"));
	set_str(ci, "protocol_name", str(n, "proto"));
	if (op && strcmp(op, "connect") == 0)
		json_object_set_new(ci, "direction_id", json_integer(2)); /* Outbound */
	else if (op && strcmp(op, "accept") == 0)
		json_object_set_new(ci, "direction_id", json_integer(1)); /* Inbound */
	json_object_set_new(o, "connection_info", ci);
	if (json_object_get(n, "bytes") || json_object_get(n, "packets")) {
		json_t *t = json_object();

		copy(t, "bytes", n, "bytes");
		copy(t, "packets", n, "packets");
		json_object_set_new(o, "traffic", t);
	}
	return CLASS_NETWORK;
}

static int map_syscall(json_t *o, json_t *ev)
{
	json_t *s = json_object_get(ev, "syscall"), *k = json_object();

	json_object_set_new(o, "activity_id", json_integer(4)); /* Invoke */
	set_str(k, "name", str(s, "name"));
	json_object_set_new(k, "type_id", json_integer(2)); /* System Call */
	json_object_set_new(o, "kernel", k);
	return CLASS_KERNEL;
}

/* The base attributes every class has. */
static void base(json_t *o, int cls, const char *source, const char *hostname, json_int_t ms)
{
	json_t *md = json_object(), *prod = json_object(), *dev = json_object();
	json_int_t act = json_integer_value(json_object_get(o, "activity_id"));

	json_object_set_new(o, "class_uid", json_integer(cls));
	json_object_set_new(o, "category_uid",
			    json_integer(cls == CLASS_DETECTION ? CAT_FINDINGS
					 : cls == CLASS_NETWORK	 ? CAT_NETWORK
					 : cls == CLASS_BASE	 ? 0
								 : CAT_SYSTEM));
	json_object_set_new(o, "type_uid", json_integer((json_int_t)cls * 100 + act));
	json_object_set_new(o, "time", json_integer(ms));
	json_object_set_new(prod, "name", json_string("rtsensor"));
	json_object_set_new(prod, "vendor_name", json_string("libsensor"));
	json_object_set_new(prod, "version", json_string(sensor_version()));
	json_object_set_new(md, "product", prod);
	json_object_set_new(md, "version", json_string(OCSF_VERSION));
	set_str(md, "log_name", source);
	json_object_set_new(o, "metadata", md);
	set_str(dev, "hostname", hostname);
	json_object_set_new(dev, "type_id", json_integer(0));
	json_object_set_new(o, "device", dev);
}

/* Verdict of a held event: action and disposition. */
static void verdict(json_t *o, json_t *v)
{
	const char *d = str(v, "decision");

	if (!d)
		return;
	json_object_set_new(o, "action_id", json_integer(strcmp(d, "deny") == 0 ? 2 : 1));
	json_object_set_new(o, "disposition_id", json_integer(strcmp(d, "deny") == 0 ? 2 : 1));
	set_str(o, "status_detail", str(v, "reason"));
}

json_t *ocsf_event(json_t *ev, const char *hostname)
{
	const char *kind = str(ev, "kind");
	json_t *o, *p, *w, *c, *un;
	int cls;

	if (!json_is_object(ev) || !kind)
		return NULL;
	o = json_object();
	un = json_object();
	p = json_object_get(ev, "process");
	w = json_object_get(ev, "workload");
	if (strcmp(kind, "exec") == 0 || strcmp(kind, "exit") == 0) {
		cls = map_process(o, ev, kind);
	} else if (strcmp(kind, "file") == 0) {
		cls = map_file(o, ev);
	} else if (strcmp(kind, "net") == 0) {
		cls = map_net(o, ev);
	} else if (strcmp(kind, "syscall") == 0) {
		cls = map_syscall(o, ev);
	} else {
		/* loss, status: no OCSF class; the body goes to unmapped, the detail to message */
		json_t *b = json_object_get(ev, kind);

		cls = CLASS_BASE;
		json_object_set_new(o, "activity_id", json_integer(ACT_OTHER));
		set_str(o, "message", str(b, "detail"));
	}
	/* the acting process, for everything but a process's own launch/exit */
	if (p && cls != CLASS_PROCESS) {
		json_t *a = json_object();

		json_object_set_new(a, "process", process_obj(p, NULL));
		json_object_set_new(o, "actor", a);
	} else if (p && cls == CLASS_PROCESS && json_object_get(p, "ppid")) {
		json_t *a = json_object(), *pp = json_object();

		copy(pp, "pid", p, "ppid");
		json_object_set_new(a, "process", pp);
		json_object_set_new(o, "actor", a);
	}
	if (w && (c = container_obj(w)))
		json_object_set_new(o, "container", c);
	json_object_set_new(o, "severity_id", json_integer(1)); /* Informational */
	verdict(o, json_object_get(ev, "verdict"));
	/* the machine the event names (a replay's recording host), else the sensor's */
	if (str(json_object_get(ev, "host"), "name"))
		hostname = str(json_object_get(ev, "host"), "name");
	base(o, cls, str(ev, "source"), hostname, rfc3339_ms(str(ev, "time")));
	/* what OCSF has no attribute for: our whole event, under its own names */
	json_object_set(un, "rtsensor", ev);
	json_object_set_new(o, "unmapped", un);
	return o;
}

static int severity_id(const char *s)
{
	static const char *const names[] = { "info", "low", "medium", "high", "critical" };

	for (int i = 0; s && i < 5; i++)
		if (strcmp(s, names[i]) == 0)
			return i + 1;
	return 0; /* Unknown */
}

json_t *ocsf_alert(json_t *alert, const char *hostname)
{
	json_t *a = json_object_get(alert, "alert"), *o, *fi, *an, *types, *evs, *ev, *w, *c, *un;
	const char *rule, *reason, *name;
	size_t i;

	if (!json_is_object(a))
		return NULL;
	rule = str(a, "rule");
	reason = str(a, "reason");
	name = rule ? rule : reason ? reason : "";
	o = json_object();
	json_object_set_new(o, "activity_id", json_integer(1)); /* Create */
	json_object_set_new(o, "severity_id", json_integer(severity_id(str(a, "severity"))));
	set_str(o, "message", str(a, "description"));
	copy(o, "count", a, "count");
	fi = json_object();
	set_str(fi, "uid", str(a, "id"));
	set_str(fi, "title", str(a, "description"));
	set_str(fi, "desc", str(a, "feature"));
	types = json_array();
	json_array_append_new(types, json_string(name));
	json_object_set_new(fi, "types", types);
	json_object_set_new(fi, "first_seen_time", json_integer(rfc3339_ms(str(a, "first"))));
	json_object_set_new(fi, "last_seen_time", json_integer(rfc3339_ms(str(a, "last"))));
	an = json_object();
	json_object_set_new(an, "name", json_string(name));
	/* a threat rule, or a departure from the learned baseline */
	json_object_set_new(an, "type_id", json_integer(rule ? 1 : 2));
	json_object_set_new(an, "type", json_string(rule ? "Rule" : "Behavioral"));
	json_object_set_new(fi, "analytic", an);
	json_object_set_new(o, "finding_info", fi);
	evs = json_array();
	json_array_foreach(json_object_get(alert, "evidence"), i, ev) {
		json_t *m = ocsf_event(ev, hostname), *e = json_object();

		if (!m)
			continue;
		/* an evidence artifact: the objects of the mapped event that name things */
		copy(e, "actor", m, "actor");
		copy(e, "process", m, "process");
		copy(e, "file", m, "file");
		copy(e, "src_endpoint", m, "src_endpoint");
		copy(e, "dst_endpoint", m, "dst_endpoint");
		copy(e, "container", m, "container");
		json_array_append_new(evs, e);
		json_decref(m);
	}
	json_object_set_new(o, "evidences", evs);
	w = json_object_get(alert, "workload");
	if (w && (c = container_obj(w)))
		json_object_set_new(o, "container", c);
	base(o, CLASS_DETECTION, "baseline", hostname, rfc3339_ms(str(a, "last")));
	un = json_object();
	json_object_set(un, "rtsensor", alert);
	json_object_set_new(o, "unmapped", un);
	return o;
}

char *ocsf_line(const char *json, size_t len, const char *hostname)
{
	json_error_t e;
	json_t *in = json_loadb(json, len, 0, &e), *out;
	char *s;

	if (!in)
		return NULL;
	out = json_object_get(in, "alert") ? ocsf_alert(in, hostname) : ocsf_event(in, hostname);
	json_decref(in);
	if (!out)
		return NULL;
	s = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return s;
}
