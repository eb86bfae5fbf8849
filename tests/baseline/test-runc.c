/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The baseline on the real kernel with real runc containers (busybox-static
 * rootfs, docker-shaped cgroups): exec events come from the process
 * connector and are attributed to the container by its cgroup. A benign
 * workload is learned, then monitored: no alert; a new executable, a new
 * peer, a write to /etc each give one alert with the right reason; the same
 * activity at an hour never seen gives unusual_hour; two containers of one
 * image keep two baselines.
 *
 * In the first test the new peer is a real TCP connection inside the
 * container, reported by a conntrack source watching the container's netns
 * and attributed to the container through its socket; the write is an
 * injected event of the container's real init process, enriched from /proc
 * (SENSOR_INJECT_ENRICH). The second test takes the write from fanotify on
 * the real kernel.
 */
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "../baseline/inject.h"
#include "container.h"

struct live {
	sensor_ctx *ctx;
	sensor_source *proc, *inj, *ct;
	sensor_baseline *b;
	int64_t offset; /* added to the real clock: move the baseline in time */
	struct tb alerts; /* only the alert capture is used */
	char db[64];
	pid_t marker;     /* a process whose exit event says the events before it were read */
	bool marker_seen;
	const char *want_cmd; /* an exec of want_wl whose command line holds this was dispatched: */
	const char *want_wl;
	bool cmd_seen;
};

static uint64_t shifted_clock(void *ud)
{
	struct live *l = ud;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + l->offset);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Serve the loop for ms: wakes for each event, not on a fixed tick. */
static void pump(struct live *l, int ms)
{
	struct pollfd p = { .fd = sensor_ctx_get_fd(l->ctx), .events = POLLIN };

	sensor_ctx_process(l->ctx, 0);
	poll(&p, 1, ms);
	sensor_ctx_process(l->ctx, 0);
}

static void on_event(sensor_ctx *c, sensor_event *ev, void *ud)
{
	struct live *l = ud;
	int64_t pid = 0;
	char j[4096];

	(void)c;
	if (getenv("DUMP_EVENTS") && sensor_event_kind(ev) != SENSOR_KIND_EXIT &&
	    sensor_event_to_json(ev, j, sizeof(j)) > 0)
		fprintf(stderr, "event: %s\n", j);
	if (l->want_cmd && sensor_event_kind(ev) == SENSOR_KIND_EXEC) {
		const char *cmd = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_CMDLINE);
		const char *wl = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID);

		/* in the container: the host's runc exec names the command too */
		if (cmd && strstr(cmd, l->want_cmd) && wl && strcmp(wl, l->want_wl) == 0)
			l->cmd_seen = true;
	}
	if (l->marker && sensor_event_kind(ev) == SENSOR_KIND_EXIT &&
	    sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) == 0 && pid == l->marker)
		l->marker_seen = true;
}

/*
 * Serve the loop until it has read every event that happened before now:
 * a process of ours exits, and the proc connector, which reports in the
 * order things happen, has its exit after them (the flows of conntrack
 * were reported when they happened too); at most 10 s.
 */
static void drain(struct live *l)
{
	pid_t m = fork();
	int st;

	cr_assert_geq(m, 0);
	if (m == 0)
		_exit(0);
	l->marker = m;
	l->marker_seen = false;
	cr_assert_eq(waitpid(m, &st, 0), m);
	for (int64_t end = mono_ms() + 10000; !l->marker_seen && mono_ms() < end;)
		pump(l, 10);
	cr_assert(l->marker_seen, "the loop never read the exit of %d", (int)m);
	l->marker = 0;
	/* the other sources' fds, ready before the marker came, in the same pass or the next */
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = sensor_ctx_get_fd(l->ctx), .events = POLLIN };

		if (poll(&p, 1, 0) != 1)
			break;
		sensor_ctx_process(l->ctx, 0);
	}
}

static struct test_container a, b;

static void live_open(struct live *l)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .min_learn_ns = 4 * SEC,
					  .stable_ns = 3 * SEC, .clock_fn = shifted_clock };
	struct sensor_inject_opts io = { .sz = sizeof(io), .flags = SENSOR_INJECT_ENRICH };

	memset(l, 0, sizeof(*l));
	snprintf(l->db, sizeof(l->db), "/tmp/baseline-runc-%d.db", getpid());
	unlink(l->db);
	o.db_path = l->db;
	o.clock_userdata = l;
	o.alert_fn = tb_on_alert;
	o.alert_userdata = &l->alerts;
	struct sensor_ctx_opts co = { .sz = sizeof(co), .oci_state_roots = container_runc_root() };

	cr_assert_eq(sensor_ctx_new(&co, &l->ctx), 0);
	cr_assert_eq(sensor_source_add(l->ctx, SENSOR_SOURCE_PROC, NULL, &l->proc), 0);
	cr_assert_eq(sensor_source_add(l->ctx, SENSOR_SOURCE_INJECT, &io, &l->inj), 0);
	cr_assert_eq(sensor_baseline_attach(l->ctx, &o, &l->b), 0);
	sensor_ctx_set_event_cb(l->ctx, on_event, l);
}

static void live_close(struct live *l)
{
	char p[80];

	sensor_baseline_free(l->b);
	sensor_ctx_free(l->ctx);
	l->ctx = NULL;
	tb_clear(&l->alerts);
	unlink(l->db);
	snprintf(p, sizeof(p), "%s-wal", l->db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", l->db);
	unlink(p);
}

/* Alerts of one workload with a reason or rule. */
static int alerts_of(struct live *l, const char *wl, const char *name)
{
	int n = 0;

	for (int i = 0; i < l->alerts.n; i++)
		if (strcmp(l->alerts.a[i].workload, wl) == 0 &&
		    (!name || strcmp(l->alerts.a[i].reason, name) == 0 ||
		     strcmp(l->alerts.a[i].rule, name) == 0))
			n++;
	return n;
}

static void dump(struct live *l, const char *wl)
{
	for (int i = 0; i < l->alerts.n; i++)
		if (strcmp(l->alerts.a[i].workload, wl) == 0)
			fprintf(stderr, "alert: %s\n", l->alerts.a[i].json);
}

/*
 * Run a command in the container while the loop keeps reading events. The
 * command waits at the gate /hold until the loop dispatched its exec
 * (cmdline holding until_cmd, in the container) and, when given, an alert
 * of until_reason: its process is read from /proc while it lives, its
 * connection is still there when the flow is attributed. Then the gate
 * lets it on: a line for `read x </hold` (eof false), or EOF for tools
 * that read it to the end and opened it before the awaited state (eof
 * true). Then the loop reads every event up to the command's end.
 */
static int exec_gated(struct live *l, struct test_container *c, const char *const *argv,
		      const char *until_cmd, const char *until_reason, bool eof)
{
	int hold = container_gate(c, "hold"), status = 0;
	int before = until_reason ? alerts_of(l, c->id, until_reason) : 0;
	int64_t end = mono_ms() + 20000;
	bool passed = false;
	pid_t pid;

	cr_assert_geq(hold, 0, "gate: %s", strerror(-hold));
	l->want_cmd = until_cmd;
	l->want_wl = c->id;
	l->cmd_seen = false;
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(hold); /* or EOF never comes */
		_exit(container_exec(c, argv) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		pump(l, 10);
		if (!passed && ((l->cmd_seen && (!until_reason ||
						 alerts_of(l, c->id, until_reason) > before)) ||
				mono_ms() > end)) {
			passed = true;
			if (eof) {
				close(hold);
				hold = -1;
			} else {
				cr_assert_eq(container_gate_pass(hold), 0);
			}
			if (!l->cmd_seen) {
				waitpid(pid, &status, 0);
				cr_assert_fail("no exec of '%s' in %s", until_cmd, c->id);
			}
		}
	}
	if (hold >= 0)
		close(hold);
	l->want_cmd = NULL;
	drain(l);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *const benign[] = { "sh", "-c", "ls / >/dev/null; read x </hold", NULL };

static void run_benign(struct live *l, struct test_container *c, int times)
{
	for (int i = 0; i < times; i++) {
		cr_assert_eq(exec_gated(l, c, benign, "read x </hold", NULL, false), 0);
	}
}

static void start(struct test_container *c)
{
	static const char *const init[] = { "sleep", "1000", NULL };

	cr_assert_eq(container_prepare(c, CONTAINER_DOCKER, init, NULL, NULL), 0);
	cr_assert_eq(container_start(c), 0);
}

static void inject_for(struct live *l, struct test_container *c, enum sensor_kind k,
		       const char *f1, const char *v1, const char *f2, const char *v2, int dport)
{
	sensor_event *ev;

	cr_assert_eq(sensor_inject_new(l->inj, k, &ev), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_TIME, (int64_t)shifted_clock(l)), 0);
	cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_PROCESS_PID, c->pid), 0);
	cr_assert_eq(sensor_event_set_str(ev, sensor_field_from_name(f1), v1), 0);
	cr_assert_eq(sensor_event_set_str(ev, sensor_field_from_name(f2), v2), 0);
	if (dport) {
		cr_assert_eq(sensor_event_set_str(ev, SENSOR_FIELD_NET_PROTO, "tcp"), 0);
		cr_assert_eq(sensor_event_set_int(ev, SENSOR_FIELD_NET_DPORT, dport), 0);
	}
	cr_assert_eq(sensor_inject_emit(l->inj, ev), 0);
}

/* Conntrack in the container's own netns (loopback up), flows attributed by socket. */
static void watch_flows(struct live *l, struct test_container *c)
{
	struct sensor_conntrack_opts o = { .sz = sizeof(o),
					   .flags = SENSOR_CONNTRACK_ENABLE_TRACKING,
					   .netns_pid = c->pid };
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip link set lo up", (int)c->pid);
	cr_assert_eq(run_sh(cmd), 0, "lo up in the container");
	cr_assert_eq(sensor_source_add(l->ctx, SENSOR_SOURCE_CONNTRACK, &o, &l->ct), 0);
}

/* The one alert of wl with this reason, or NULL. */
static const char *alert_json(struct live *l, const char *wl, const char *reason)
{
	for (int i = 0; i < l->alerts.n; i++)
		if (strcmp(l->alerts.a[i].workload, wl) == 0 && strcmp(l->alerts.a[i].reason, reason) == 0)
			return l->alerts.a[i].json;
	return NULL;
}

static int count_wl(void *ud, const struct sensor_workload_info *w)
{
	const char **ids = ud;

	if (strcmp(w->id, ids[0]) == 0 && w->features > 0)
		ids[2]++;
	if (strcmp(w->id, ids[1]) == 0 && w->features > 0)
		ids[3]++;
	return 0;
}

static struct live l;

/* Runs even when an assertion failed: no container outlives the test. */
static void cleanup(void)
{
	container_destroy(&b);
	container_destroy(&a);
	if (l.ctx)
		live_close(&l);
}

Test(baseline_runc, learn_monitor_alert_and_two_instances, .timeout = 240, .fini = cleanup)
{
	int st = 0;

	REQUIRE_ROOT();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc");
	live_open(&l);
	start(&a);
	tb_only(&l.alerts, a.id);
	watch_flows(&l, &a);

	/* learn until the instance moves to monitoring by itself */
	for (int64_t end = mono_ms() + 90000; mono_ms() < end;) {
		run_benign(&l, &a, 2);
		st = sensor_baseline_get_state(l.b, a.id);
		if (st == SENSOR_BASELINE_STATE_MONITORING)
			break;
	}
	cr_assert_eq(st, SENSOR_BASELINE_STATE_MONITORING, "state %d", st);
	dump(&l, a.id);
	cr_assert_eq(alerts_of(&l, a.id, NULL), 0, "alerts while learning");

	/* the same benign behaviour, monitored: 0 alerts */
	run_benign(&l, &a, 5);
	dump(&l, a.id);
	cr_assert_eq(alerts_of(&l, a.id, NULL), 0);

	/* a new executable */
	{
		static const char *const newexe[] = {
			"sh", "-c", "cp /bin/busybox /tmp/head && /tmp/head -n 1 /hold", NULL };

		cr_assert_eq(exec_gated(&l, &a, newexe, "/tmp/head -n 1 /hold", "new_exec", false), 0);
		dump(&l, a.id);
		cr_assert_eq(alerts_of(&l, a.id, "new_exec"), 1);
	}
	/* a new peer: a real connection inside the container, seen by conntrack */
	{
		/* the client connects once the server listens (its socket in /proc/net/tcp*, state 0A) */
		static const char *const connect[] = {
			"sh", "-c",
			"nc -l -p 8443 </hold >/dev/null & "
			"up() { for f in /proc/net/tcp /proc/net/tcp6; do while read -r _ a _ s _; do"
			" [ \"${a##*:}:$s\" = 20FB:0A ] && return 0; done <$f; done; return 1; }; "
			"n=0; until up; do n=$((n+1)); [ $n -lt 1000 ] || exit 9;"
			" sleep 0.01; done; nc 127.0.0.1 8443 </hold; wait",
			NULL };
		const char *j;

		cr_assert_eq(exec_gated(&l, &a, connect, "nc 127.0.0.1 8443", "new_peer", true), 0);
		dump(&l, a.id);
		cr_assert_eq(alerts_of(&l, a.id, "new_peer"), 1);
		j = alert_json(&l, a.id, "new_peer");
		cr_assert(strstr(j, "\"source\":\"conntrack\"") && strstr(j, "8443"),
			  "the alert's evidence is the conntrack flow: %s", j);
	}
	/* a write to a sensitive path: the threat rule and the baseline both say so */
	inject_for(&l, &a, SENSOR_KIND_FILE, "file.op", "write", "file.path", "/etc/passwd", 0);
	cr_assert_eq(alerts_of(&l, a.id, "write-etc"), 1);
	/* the baseline's file alert gathers the file's ops first (file_window_ns, 500 ms),
	 * then the loop's timer sends it */
	cr_assert_eq(alerts_of(&l, a.id, "new_file"), 0);
	for (int64_t end = mono_ms() + 3000; alerts_of(&l, a.id, "new_file") == 0 && mono_ms() < end;)
		pump(&l, 10); /* until the timer sent it (500 ms window), at most 3 s */
	cr_assert_eq(alerts_of(&l, a.id, "new_file"), 1);

	/* the benign activity 5 hours later in the week: never seen at that hour */
	l.offset = 5 * (int64_t)HOUR;
	run_benign(&l, &a, 2);
	dump(&l, a.id);
	cr_assert_geq(alerts_of(&l, a.id, "unusual_hour"), 1);
	l.offset = 0;

	/* a second container of the same image: a baseline of its own */
	start(&b);
	run_benign(&l, &b, 3);
	cr_assert_str_neq(a.id, b.id);
	cr_assert_gt(sensor_baseline_get_state(l.b, b.id), 0);
	cr_assert_geq(sensor_baseline_flush(l.b), 0);
	{
		sensor_store *s;
		const char *ids[4] = { a.id, b.id, 0, 0 };

		cr_assert_eq(sensor_store_open(l.db, SENSOR_STORE_READONLY, &s), 0);
		cr_assert_gt(sensor_store_list(s, count_wl, ids), 2);
		cr_assert_eq((long)ids[2], 1);
		cr_assert_eq((long)ids[3], 1);
		sensor_store_close(s);
	}
}

/*
 * The same threat rule from real kernel file events: fanotify watches a
 * tmpfs in a private mount namespace (architecture §11) that holds the bundle;
 * a process in the container appends to /etc/passwd. fanotify sees the
 * host path (<bundle>/rootfs/etc/passwd); enrichment maps it into the
 * container's view through the runtime's rootfs, so write-etc fires.
 */
#define FAN_TEST_ROOT "/run/rtsensor-baseline-fantest"

Test(baseline_runc, real_fanotify_write_to_etc_in_a_container, .timeout = 120, .fini = cleanup)
{
	static const char *const paths[] = { FAN_TEST_ROOT, NULL };
	static const char *const init[] = { "sleep", "1000", NULL };
	/* lives a moment after the write: its identity is read from /proc afterwards */
	static const char *const write_etc[] = { "sh", "-c", "echo x >> /etc/passwd; read x </hold",
						 NULL };
	struct sensor_ctx_opts co = { .sz = sizeof(co), .oci_state_roots = container_runc_root() };
	struct sensor_fanotify_opts fo = { .sz = sizeof(fo), .paths = paths };
	struct sensor_baseline_opts o = { .sz = sizeof(o), .alert_fn = tb_on_alert };
	int found = -1;

	REQUIRE_ROOT();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc");
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert(mkdir(FAN_TEST_ROOT, 0755) == 0 || errno == EEXIST);
	cr_assert_eq(mount("baseline-fan", FAN_TEST_ROOT, "tmpfs", 0, "size=64m"), 0);
	memset(&l, 0, sizeof(l));
	o.alert_userdata = &l.alerts;
	cr_assert_eq(sensor_ctx_new(&co, &l.ctx), 0);
	sensor_ctx_set_event_cb(l.ctx, on_event, &l);
	cr_assert_eq(sensor_source_add(l.ctx, SENSOR_SOURCE_PROC, NULL, &l.proc), 0);
	cr_assert_eq(sensor_source_add(l.ctx, SENSOR_SOURCE_FANOTIFY, &fo, NULL), 0);
	cr_assert_eq(sensor_baseline_attach(l.ctx, &o, &l.b), 0);
	container_set_bundle_parent(FAN_TEST_ROOT);
	cr_assert_eq(container_prepare(&a, CONTAINER_DOCKER, init, NULL, NULL), 0);
	tb_only(&l.alerts, a.id);
	cr_assert_eq(container_start(&a), 0);
	cr_assert_eq(exec_gated(&l, &a, write_etc, "read x </hold", "write-etc", false), 0);
	for (int64_t end = mono_ms() + 3000; found < 0 && mono_ms() < end;) {
		pump(&l, 20);
		for (int i = 0; i < l.alerts.n && found < 0; i++)
			if (strcmp(l.alerts.a[i].workload, a.id) == 0 &&
			    strcmp(l.alerts.a[i].rule, "write-etc") == 0 &&
			    strstr(l.alerts.a[i].json, "\"path\":\"/etc/passwd\""))
				found = i;
	}
	if (found < 0)
		for (int i = 0; i < l.alerts.n; i++)
			fprintf(stderr, "alert: %s\n", l.alerts.a[i].json);
	cr_assert_geq(found, 0, "write-etc on /etc/passwd from container %s (%d alerts)", a.id,
		      l.alerts.n);
	cr_assert(strstr(l.alerts.a[found].json, "\"host_path\":\"" FAN_TEST_ROOT) != NULL,
		  "the host's view is kept: %s", l.alerts.a[found].json);
}
