/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCSF mapping (tools/rtsensor/ocsf.c, docs/ocsf.md): every event kind
 * to its class, activity and type_uid with the attributes that name
 * things; an alert to a Detection Finding with its evidence; inputs that
 * are neither give NULL; and rtsensor replay --format ocsf writes one OCSF
 * line per event and per alert.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert-log.h"
#include "ocsf.h"
#include "testlib.h"

#define P "\"process\":{\"pid\":42,\"ppid\":1,\"uid\":1000,\"comm\":\"nc\",\"exe\":\"/usr/bin/nc\"," \
	  "\"cmdline\":\"nc -e /bin/sh\"}"
#define T "\"time\":\"2026-01-01T00:00:01.250000000Z\""
#define W "\"workload\":{\"kind\":\"container\",\"id\":\"abc\",\"class\":\"image:shop/web:1\"," \
	  "\"runtime\":\"docker\"}"

static json_t *map(const char *line)
{
	char *s = ocsf_line(line, strlen(line), "box");
	json_t *j;

	cr_assert_not_null(s, "no OCSF for %s", line);
	j = json_loads(s, 0, NULL);
	free(s);
	cr_assert_not_null(j);
	return j;
}

/* The member at a dotted path ("process.file.path"), or NULL. */
static json_t *at(json_t *o, const char *path)
{
	char buf[128], *save = NULL, *k;
	json_t *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	return v;
}

static json_int_t num(json_t *o, const char *path)
{
	json_t *v = at(o, path);

	cr_assert(json_is_integer(v), "%s is not an integer", path);
	return json_integer_value(v);
}

static const char *text(json_t *o, const char *path)
{
	json_t *v = at(o, path);

	cr_assert(json_is_string(v), "%s is not a string", path);
	return json_string_value(v);
}

static void classed(json_t *j, int cls, int cat, int act)
{
	cr_expect_eq(num(j, "class_uid"), cls);
	cr_expect_eq(num(j, "category_uid"), cat);
	cr_expect_eq(num(j, "activity_id"), act);
	cr_expect_eq(num(j, "type_uid"), cls * 100 + act);
	cr_expect_eq(num(j, "time"), 1767225601250);
	cr_expect_str_eq(text(j, "metadata.version"), "1.1.0");
	cr_expect_str_eq(text(j, "metadata.product.name"), "rtsensor");
	cr_expect_str_eq(text(j, "device.hostname"), "box");
	cr_expect(json_is_object(json_object_get(json_object_get(j, "unmapped"), "rtsensor")),
		  "the original object is kept");
}

Test(ocsf, process_activity)
{
	json_t *j = map("{\"kind\":\"exec\",\"source\":\"proc\"," T "," P "," W ",\"exec\":{\"path\":"
			"\"/usr/bin/nc\",\"cwd\":\"/srv\",\"parent_exe\":\"/bin/bash\",\"argv\":[\"nc\"]}}");

	classed(j, 1007, 1, 1);
	cr_expect_eq(num(j, "process.pid"), 42);
	cr_expect_str_eq(text(j, "process.cmd_line"), "nc -e /bin/sh");
	cr_expect_str_eq(text(j, "process.file.path"), "/usr/bin/nc");
	cr_expect_str_eq(text(j, "process.file.name"), "nc");
	cr_expect_str_eq(text(j, "process.working_directory"), "/srv");
	cr_expect_str_eq(text(j, "process.user.uid"), "1000");
	cr_expect_str_eq(text(j, "process.parent_process.file.path"), "/bin/bash");
	cr_expect_eq(num(j, "actor.process.pid"), 1);
	cr_expect_str_eq(text(j, "container.uid"), "abc");
	cr_expect_str_eq(text(j, "container.image.name"), "shop/web:1");
	json_decref(j);
	/* an exec whose process is gone before it was read: no process member */
	j = map("{\"kind\":\"exec\",\"source\":\"proc\"," T ",\"exec\":{\"path\":\"/x\"}}");
	classed(j, 1007, 1, 1);
	cr_expect_str_eq(text(j, "process.file.path"), "/x");
	cr_expect_null(json_object_get(j, "actor"));
	json_decref(j);
	j = map("{\"kind\":\"exit\",\"source\":\"proc\"," T "," P ",\"exit\":{\"code\":3}}");
	classed(j, 1007, 1, 2);
	cr_expect_eq(num(j, "exit_code"), 3);
	cr_expect_null(json_object_get(j, "container"), "a host process has no container");
	json_decref(j);
	/* runtime names and the event's own host */
	j = map("{\"kind\":\"exit\",\"source\":\"proc\"," T "," P ",\"exit\":{\"code\":0},"
		"\"workload\":{\"kind\":\"container\",\"id\":\"abc\",\"class\":\"exe:/bin/sh\","
		"\"image\":\"registry.test/shop/web:2\",\"pod_name\":\"web-0\",\"namespace\":\"shop\","
		"\"container_name\":\"web\"},\"host\":{\"name\":\"node-7\",\"boot_id\":\"b\"}}");
	cr_expect_str_eq(text(j, "container.name"), "web");
	cr_expect_str_eq(text(j, "container.image.name"), "registry.test/shop/web:2",
			 "workload.image wins over the class");
	cr_expect_str_eq(text(j, "device.hostname"), "node-7", "the event's host, not the sensor's");
	cr_expect_str_eq(text(j, "unmapped.rtsensor.workload.namespace"), "shop");
	json_decref(j);
}

Test(ocsf, file_system_activity)
{
	static const struct {
		const char *op;
		int act;
	} t[] = { { "create", 1 }, { "open", 14 }, { "write", 3 }, { "close_write", 3 },
		  { "delete", 4 }, { "rename", 5 }, { "attrib", 6 }, { "exec", 14 }, { "weird", 99 } };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char line[512];
		json_t *j;

		snprintf(line, sizeof(line), "{\"kind\":\"file\",\"source\":\"fanotify\"," T "," P
			 ",\"file\":{\"op\":\"%s\",\"path\":\"/etc/passwd\",\"to\":\"/etc/p2\"}}", t[i].op);
		j = map(line);
		classed(j, 1001, 1, t[i].act);
		cr_expect_str_eq(text(j, "file.path"), "/etc/passwd");
		cr_expect_str_eq(text(j, "file.name"), "passwd");
		cr_expect_str_eq(text(j, "file_result.path"), "/etc/p2");
		cr_expect_eq(num(j, "actor.process.pid"), 42);
		json_decref(j);
	}
}

Test(ocsf, network_activity)
{
	static const struct {
		const char *op, *state;
		int act, dir;
	} t[] = { { "connect", "success", 1, 2 }, { "connect", "ECONNREFUSED", 5, 2 },
		  { "connect", "ENETUNREACH", 4, 2 }, { "accept", "success", 1, 1 },
		  { "listen", "success", 7, 0 }, { "flow_new", "", 1, 0 },
		  { "flow_update", "", 6, 0 }, { "flow_end", "", 2, 0 }, { "packet", "", 6, 0 } };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char line[512];
		json_t *j;

		snprintf(line, sizeof(line), "{\"kind\":\"net\",\"source\":\"audit\"," T "," P
			 ",\"net\":{\"op\":\"%s\",\"proto\":\"tcp\",\"src\":\"10.0.0.1\",\"sport\":40000,"
			 "\"dst\":\"10.0.0.2\",\"dport\":443,\"state\":\"%s\",\"bytes\":10}}",
			 t[i].op, t[i].state);
		j = map(line);
		classed(j, 4001, 4, t[i].act);
		cr_expect_str_eq(text(j, "src_endpoint.ip"), "10.0.0.1");
		cr_expect_eq(num(j, "dst_endpoint.port"), 443);
		cr_expect_str_eq(text(j, "connection_info.protocol_name"), "tcp");
		if (t[i].dir)
			cr_expect_eq(num(j, "connection_info.direction_id"), t[i].dir, "%s", t[i].op);
		cr_expect_eq(num(j, "traffic.bytes"), 10);
		json_decref(j);
	}
}

Test(ocsf, kernel_activity_base_event_and_verdict)
{
	json_t *j = map("{\"kind\":\"syscall\",\"source\":\"seccomp\"," T "," P ",\"syscall\":{\"nr\":"
			"272,\"name\":\"unshare\",\"arch\":\"x86_64\"},\"verdict\":{\"decision\":\"deny\","
			"\"reason\":\"policy\"}}");

	classed(j, 1003, 1, 4);
	cr_expect_str_eq(text(j, "kernel.name"), "unshare");
	cr_expect_eq(num(j, "kernel.type_id"), 2);
	cr_expect_eq(num(j, "action_id"), 2);
	cr_expect_eq(num(j, "disposition_id"), 2);
	json_decref(j);
	j = map("{\"kind\":\"loss\",\"source\":\"audit\"," T ",\"loss\":{\"source\":\"audit\","
		"\"count\":5,\"detail\":\"kernel lost 5 records\"}}");
	classed(j, 0, 0, 99);
	cr_expect_str_eq(text(j, "message"), "kernel lost 5 records");
	json_decref(j);
}

Test(ocsf, detection_finding)
{
	json_t *j = map("{\"alert\":{\"id\":\"x-1\",\"severity\":\"high\",\"reason\":\"new_exec\","
			"\"description\":\"an executable this workload never ran\",\"feature\":"
			"\"exec:/tmp/x\",\"count\":3,\"first\":\"2026-01-01T00:00:00Z\",\"last\":"
			"\"2026-01-01T00:00:01.250Z\"}," W ",\"evidence\":[{\"kind\":\"exec\",\"source\":"
			"\"audit\"," T "," P ",\"exec\":{\"path\":\"/tmp/x\"}}]}");

	classed(j, 2004, 2, 1);
	cr_expect_eq(num(j, "severity_id"), 4);
	cr_expect_eq(num(j, "count"), 3);
	cr_expect_str_eq(text(j, "finding_info.uid"), "x-1");
	cr_expect_eq(num(j, "finding_info.first_seen_time"), 1767225600000);
	cr_expect_str_eq(text(j, "finding_info.analytic.name"), "new_exec");
	cr_expect_eq(num(j, "finding_info.analytic.type_id"), 2, "a baseline reason is behavioural");
	cr_expect_str_eq(text(j, "container.uid"), "abc");
	cr_assert_eq(json_array_size(json_object_get(j, "evidences")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
				 json_array_get(json_object_get(j, "evidences"), 0), "process"), "file"),
				 "path")), "/tmp/x");
	json_decref(j);
}

Test(ocsf, not_ours_is_null)
{
	static const char *const bad[] = { "", "{", "[]", "{}", "{\"kind\":1}", "{\"alert\":[]}", "42" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = ocsf_line(bad[i], strlen(bad[i]), "box");

		cr_expect_null(s, "'%s' gave %s", bad[i], s ? s : "");
		free(s);
	}
}

Test(ocsf, replay_writes_ocsf_events_and_alerts)
{
	char dir[] = "/tmp/ocsf-test-XXXXXX", cmd[1024], p[128];
	char *ev, *al;
	size_t n;
	int lines = 0;

	alert_log_dir(dir);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && \"$RTSENSOR\" replay --audit audit.log --format ocsf --events ev.json "
		 "--mode learn --learn-min 5 --learn-stable 5 --alerts al.json", dir);
	cr_assert_eq(run_sh(cmd), 0);
	snprintf(p, sizeof(p), "%s/ev.json", dir);
	ev = read_file(p, &n);
	snprintf(p, sizeof(p), "%s/al.json", dir);
	al = read_file(p, &n);
	cr_assert(ev && al);
	for (char *l = ev, *e; (e = strchr(l, '\n')); l = e + 1, lines++) {
		json_t *j = json_loadb(l, (size_t)(e - l), 0, NULL);

		cr_assert_not_null(j);
		cr_expect_eq(num(j, "class_uid"), 1007);
		json_decref(j);
	}
	cr_expect_eq(lines, 3, "three execs");
	cr_expect(strstr(al, "\"class_uid\":2004") && strstr(al, "\"type_id\":1"), "%s", al);
	free(ev);
	free(al);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}
