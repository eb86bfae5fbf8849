/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Alerts in Falco's json_output form: see falco.h and docs/falco.md. */
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "falco.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

const char *falco_priority(const char *sev)
{
	/* Falco's levels (falco_common): Emergency Alert Critical Error Warning Notice
	 * Informational Debug; ours map one to one from critical down */
	static const char *const map[][2] = {
		{ "critical", "Critical" }, { "high", "Error" },  { "medium", "Warning" },
		{ "low", "Notice" },	    { "info", "Informational" },
	};

	for (size_t i = 0; sev && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(sev, map[i][0]) == 0)
			return map[i][1];
	return "Informational";
}

/* "2026-11-26T19:27:48.126143818Z" -> ns since the epoch (0 when it is not that). */
static long long rfc3339_ns(const char *s)
{
	struct tm tm = { 0 };
	long long ns = 0;
	const char *p;
	int digits = 0;

	if (!s || strlen(s) < 20)
		return 0;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (digits < 9) {
				ns = ns * 10 + (*p - '0');
				digits++;
			}
	for (; digits < 9; digits++)
		ns *= 10;
	return (long long)timegm(&tm) * 1000000000ll + ns;
}

static void put_str(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}

static void put_copy(json_t *o, const char *k, json_t *from, const char *member)
{
	json_t *v = json_object_get(from, member);

	if (v && !json_is_null(v))
		json_object_set(o, k, v);
}

/* "registry:5000/shop/web:1.0@sha256:..." -> repository and tag (Falco's split). */
static void image_fields(json_t *f, const char *image)
{
	char repo[512];
	const char *at = strchr(image, '@'), *slash, *colon;
	size_t n = at ? (size_t)(at - image) : strlen(image);

	put_str(f, "container.image", image);
	if (n >= sizeof(repo))
		return;
	memcpy(repo, image, n);
	repo[n] = '\0';
	slash = strrchr(repo, '/');
	colon = strrchr(repo, ':');
	if (colon && (!slash || colon > slash)) {
		put_str(f, "container.image.tag", colon + 1);
		repo[colon - repo] = '\0';
	}
	put_str(f, "container.image.repository", repo);
	if (at)
		put_str(f, "container.image.digest", at + 1);
}

/* Falco's fd.name of a socket: "client:port->server:port". */
static void net_fields(json_t *f, json_t *net)
{
	const char *src = str(net, "src"), *dst = str(net, "dst");
	json_int_t sport = json_integer_value(json_object_get(net, "sport"));
	json_int_t dport = json_integer_value(json_object_get(net, "dport"));
	char name[300];

	if (src && dst) {
		snprintf(name, sizeof(name), "%s%s%s:%lld->%s%s%s:%lld", strchr(src, ':') ? "[" : "",
			 src, strchr(src, ':') ? "]" : "", (long long)sport, strchr(dst, ':') ? "[" : "",
			 dst, strchr(dst, ':') ? "]" : "", (long long)dport);
		put_str(f, "fd.name", name);
	}
	put_str(f, "fd.l4proto", str(net, "proto"));
	put_str(f, "fd.cip", src);
	put_str(f, "fd.sip", dst);
	if (json_object_get(net, "sport"))
		json_object_set_new(f, "fd.cport", json_integer(sport));
	if (json_object_get(net, "dport"))
		json_object_set_new(f, "fd.sport", json_integer(dport));
}

static void user_name(json_t *f, json_t *proc, bool host)
{
	json_t *uid = json_object_get(proc, "uid");
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (!json_is_integer(uid))
		return;
	json_object_set(f, "user.uid", uid);
	/* names of the host's users only: a container has its own /etc/passwd */
	if (host && getpwuid_r((uid_t)json_integer_value(uid), &pw, buf, sizeof(buf), &res) == 0 &&
	    res)
		put_str(f, "user.name", res->pw_name);
}

json_t *falco_alert(json_t *alert, const char *hostname)
{
	json_t *a = json_object_get(alert, "alert"), *o, *f, *tags, *w, *ew, *p, *ev, *host;
	const char *rule, *reason, *name, *kind, *prio, *desc, *image, *cid;
	char out[4096], when[64], hms[32];
	long long ns;
	time_t secs;
	struct tm tm;
	bool is_host;
	int n;

	if (!json_is_object(a))
		return NULL;
	rule = str(a, "rule");
	reason = str(a, "reason");
	name = rule ? rule : reason ? reason : "alert";
	prio = falco_priority(str(a, "severity"));
	desc = str(a, "description") ? str(a, "description") : name;
	w = json_object_get(alert, "workload");
	p = json_object_get(alert, "process");
	ev = json_array_get(json_object_get(alert, "evidence"), 0);
	ew = json_object_get(ev, "workload");
	host = json_object_get(ev, "host");
	if (str(host, "name"))
		hostname = str(host, "name");
	if (!p)
		p = json_object_get(ev, "process");
	kind = str(w, "kind") ? str(w, "kind") : str(ew, "kind");
	is_host = !kind || strcmp(kind, "host") == 0;
	/* the evidence's time: when it happened (Falco's evt.time), else the alert's last */
	ns = rfc3339_ns(str(ev, "time"));
	if (!ns)
		ns = rfc3339_ns(str(a, "last"));
	secs = (time_t)(ns / 1000000000ll);
	gmtime_r(&secs, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

	f = json_object();
	json_object_set_new(f, "evt.time", json_integer((json_int_t)ns));
	put_str(f, "evt.hostname", hostname);
	put_copy(f, "proc.pid", p, "pid");
	put_copy(f, "proc.ppid", p, "ppid");
	put_copy(f, "proc.name", p, "comm");
	put_copy(f, "proc.exepath", p, "exe");
	put_copy(f, "proc.cmdline", p, "cmdline");
	{
		json_t *chain0 = json_array_get(json_object_get(p, "chain"), 0);

		put_copy(f, "proc.pexepath", chain0, "exe");
	}
	user_name(f, p, is_host);
	put_copy(f, "user.loginuid", json_object_get(ev, "process"), "auid");
	/* Falco: container.id is the 12-character short ID, "host" for the host */
	cid = str(w, "id") ? str(w, "id") : str(ew, "id");
	if (is_host) {
		put_str(f, "container.id", "host");
		put_str(f, "container.name", "host");
	} else if (cid) {
		char shortid[13];

		snprintf(shortid, sizeof(shortid), "%s", cid);
		put_str(f, "container.id", shortid);
		put_str(f, "container.full_id", cid);
		put_str(f, "container.name", str(ew, "container_name"));
	}
	image = str(ew, "image");
	if (!image && str(w, "class") && strncmp(str(w, "class"), "image:", 6) == 0)
		image = str(w, "class") + 6;
	if (image)
		image_fields(f, image);
	put_str(f, "k8s.pod.name", str(ew, "pod_name"));
	put_str(f, "k8s.ns.name", str(ew, "namespace"));
	put_str(f, "k8s.pod.uid", str(ew, "pod"));
	if (str(ev, "kind") && strcmp(str(ev, "kind"), "file") == 0) {
		json_t *file = json_object_get(ev, "file");

		put_str(f, "fd.name", str(file, "path"));
		put_str(f, "fs.path.target", str(file, "to"));
	} else if (str(ev, "kind") && strcmp(str(ev, "kind"), "net") == 0) {
		net_fields(f, json_object_get(ev, "net"));
	} else if (str(ev, "kind") && strcmp(str(ev, "kind"), "syscall") == 0) {
		put_str(f, "evt.type", str(json_object_get(ev, "syscall"), "name"));
		put_copy(f, "evt.res", json_object_get(ev, "syscall"), "ret");
	} else if (str(ev, "kind") && strcmp(str(ev, "kind"), "exec") == 0) {
		put_str(f, "evt.type", "execve");
	}
	/* ours, where Falco has no field */
	put_str(f, "rtsensor.alert.id", str(a, "id"));
	put_str(f, "rtsensor.severity", str(a, "severity"));
	put_str(f, "rtsensor.reason", reason);
	put_str(f, "rtsensor.feature", str(a, "feature"));
	put_copy(f, "rtsensor.count", a, "count");
	put_str(f, "rtsensor.source", str(ev, "source"));
	put_str(f, "rtsensor.kind", str(ev, "kind"));
	put_str(f, "rtsensor.workload.kind", kind);
	put_str(f, "rtsensor.workload.id", cid);
	put_str(f, "rtsensor.workload.class", str(w, "class"));
	put_str(f, "rtsensor.host.boot_id", str(host, "boot_id"));

	/* output: "<time>: <Priority> <description> (field=value ...)", as Falco prints */
	n = snprintf(out, sizeof(out), "%s.%09lld: %s %s (", hms, ns % 1000000000ll, prio, desc);
	{
		static const char *const shown[][2] = {
			{ "user", "user.name" },	 { "user_uid", "user.uid" },
			{ "process", "proc.name" },	 { "command", "proc.cmdline" },
			{ "pid", "proc.pid" },		 { "file", "fd.name" },
			{ "syscall", "evt.type" },	 { "container_id", "container.id" },
			{ "container_name", "container.name" }, { "image", "container.image.repository" },
			{ "k8s_pod_name", "k8s.pod.name" }, { "k8s_ns_name", "k8s.ns.name" },
			{ "feature", "rtsensor.feature" },
		};
		bool first = true;

		for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]) && n > 0 &&
				   (size_t)n < sizeof(out);
		     i++) {
			json_t *v = json_object_get(f, shown[i][1]);
			char num[32];
			const char *s = json_string_value(v);

			if (json_is_integer(v)) {
				snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
				s = num;
			}
			if (!s)
				continue;
			n += snprintf(out + n, sizeof(out) - (size_t)n, "%s%s=%s", first ? "" : " ",
				      shown[i][0], s);
			first = false;
		}
		if (n > 0 && (size_t)n < sizeof(out) - 1)
			snprintf(out + n, sizeof(out) - (size_t)n, ")");
	}

	o = json_object();
	{
		char t[80];

		snprintf(t, sizeof(t), "%s.%09lldZ", when, ns % 1000000000ll);
		json_object_set_new(o, "time", json_string(t));
	}
	json_object_set_new(o, "rule", json_string(name));
	json_object_set_new(o, "priority", json_string(prio));
	/* Falco's name of the kernel-event source: what its consumers route on */
	json_object_set_new(o, "source", json_string("syscall"));
	json_object_set_new(o, "hostname", json_string(hostname ? hostname : ""));
	json_object_set_new(o, "output", json_string(out));
	tags = json_array();
	{
		json_t *t;
		size_t i;

		json_array_foreach(json_object_get(a, "tags"), i, t)
			if (json_is_string(t))
				json_array_append(tags, t);
		/* what kind of detection: Falco's rulesets tag by topic too */
		json_array_append_new(tags, json_string(rule ? "rtsensor_rule" : "rtsensor_baseline"));
	}
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "output_fields", f);
	return o;
}

char *falco_line(const char *json, size_t len, const char *hostname)
{
	json_error_t e;
	json_t *in = json_loadb(json, len, 0, &e), *out;
	char *s;

	if (!in)
		return NULL;
	out = falco_alert(in, hostname);
	json_decref(in);
	if (!out)
		return NULL;
	s = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	return s;
}
