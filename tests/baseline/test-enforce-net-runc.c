/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network enforcement with a real runc container (docs/enforce.md): the
 * container has a network namespace of its own, joined by a veth to a peer
 * namespace the test runs servers in. It learns (SENSOR_ENFORCE_LEARN_HELD:
 * its new flows are queued in its netns and allowed at once) a connection
 * to the peer's port 8080 and an inbound connection to its port 7070. Then
 * under enforcement the learned peer is still reached and the learned
 * inbound port still answers, while a new peer (another /24 on the peer
 * side) and an inbound connection to a port it never listened on are
 * dropped and alerted with the reason; under the dry run both connect and
 * give would_deny.
 *
 * Root; execs and opens are not held here (SENSOR_ENFORCE_NO_EXEC): the
 * fanotify side has its own test (test-enforce-runc.c).
 */
#include <signal.h>
#include <sys/wait.h>

#include "../baseline/inject.h"
#include "container.h"

#define NEW_PEER "10.214.0.1" /* on the peer netns's lo, reached by the default route */

struct live {
	sensor_ctx *ctx;
	sensor_baseline *b;
	struct tb alerts;
	char db[80];
	int denied, allowed; /* verdicts on the container's queued packets */
};

static struct live l;
static struct test_container a;
static pid_t server = -1;

static void on_event(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct live *x = ud;
	const char *d = sensor_event_get_str(ev, SENSOR_FIELD_VERDICT_DECISION);
	const char *id = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID);
	const char *r = sensor_event_get_str(ev, SENSOR_FIELD_VERDICT_REASON);
	int64_t port = -1;

	(void)ctx;
	if (!d || !id || sensor_event_source(ev) != SENSOR_SOURCE_NFQUEUE ||
	    strcmp(id, a.id) != 0)
		return;
	fprintf(stderr, "verdict %s %s -> %s:%lld (%s)\n", d,
		sensor_event_get_str(ev, SENSOR_FIELD_NET_SRC),
		sensor_event_get_str(ev, SENSOR_FIELD_NET_DST),
		(long long)(sensor_event_get_int(ev, SENSOR_FIELD_NET_DPORT, &port) == 0 ? port : -1),
		r ? r : "");
	if (strcmp(d, "deny") == 0)
		x->denied++;
	else if (strcmp(d, "allow") == 0)
		x->allowed++;
}

static void log_stderr(void *ud, enum sensor_log_level lvl, const char *msg)
{
	(void)ud;
	(void)lvl;
	fprintf(stderr, "libsensor: %s\n", msg);
}

static void pump(int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		sensor_ctx_process(l.ctx, 0);
		usleep(10000);
	}
	sensor_ctx_process(l.ctx, 0);
}

static void open_sensor(enum sensor_baseline_mode mode, uint32_t enforce_flags)
{
	struct sensor_ctx_opts co = { .sz = sizeof(co), .oci_state_roots = container_runc_root(),
				      .log_fn = log_stderr, .log_level = SENSOR_LOG_INFO };
	struct sensor_baseline_opts o = { .sz = sizeof(o), .mode = mode, .db_path = l.db,
					  .min_learn_ns = 2 * SEC, .stable_ns = 2 * SEC,
					  .enforce_flags = enforce_flags | SENSOR_ENFORCE_NO_EXEC,
					  .rate_limit = 1000, .alert_fn = tb_on_alert,
					  .alert_userdata = &l.alerts };

	cr_assert_eq(sensor_ctx_new(&co, &l.ctx), 0);
	sensor_ctx_set_event_cb(l.ctx, on_event, &l);
	cr_assert_eq(sensor_source_add(l.ctx, SENSOR_SOURCE_PROC, NULL, NULL), 0);
	cr_assert_eq(sensor_baseline_attach(l.ctx, &o, &l.b), 0);
}

static void close_sensor(void)
{
	sensor_baseline_free(l.b);
	l.b = NULL;
	sensor_ctx_free(l.ctx);
	l.ctx = NULL;
}

/* Wait for pid while the loop answers; its exit status. */
static int wait_pumping(pid_t pid)
{
	int status = 0;

	cr_assert_gt(pid, 0);
	while (waitpid(pid, &status, WNOHANG) == 0)
		pump(10);
	pump(100);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run a command in the container; its exit status. */
static int run_in(const char *script)
{
	const char *const argv[] = { "sh", "-c", script, NULL };
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(container_exec(&a, argv));
	return wait_pumping(pid);
}

/* Connect from the peer netns to the container's port; 0 when it answered. */
static int connect_in(const char *port)
{
	const char *const argv[] = { "busybox", "nc", "-w", "3", CONTAINER_ADDR, port, NULL };

	return wait_pumping(container_peer_spawn(&a, argv));
}

#define OUT_LEARNED "nc -w 3 " CONTAINER_PEER_ADDR " 8080 </dev/null"
#define OUT_NEW "nc -w 3 " NEW_PEER " 8080 </dev/null"

static int alerts_with(const char *reason, const char *needle)
{
	int n = 0;

	for (int i = 0; i < l.alerts.n; i++)
		if (strcmp(l.alerts.a[i].reason, reason) == 0 &&
		    (!needle || strstr(l.alerts.a[i].json, needle)))
			n++;
	return n;
}

/* Wait for one alert (they come from the loop), bounded at 5 s. */
static int wait_alert(const char *reason, const char *needle)
{
	for (int t = 0; t < 50 && alerts_with(reason, needle) < 1; t++) {
		pump(100);
		sensor_baseline_flush(l.b);
	}
	if (alerts_with(reason, needle) < 1)
		for (int i = 0; i < l.alerts.n; i++)
			fprintf(stderr, "alert: %s\n", l.alerts.a[i].json);
	return alerts_with(reason, needle);
}

static void cleanup(void)
{
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
		server = -1;
	}
	container_destroy(&a);
	if (l.ctx)
		close_sensor();
	tb_clear(&l.alerts);
	if (l.db[0]) {
		char p[100];

		unlink(l.db);
		snprintf(p, sizeof(p), "%s-wal", l.db);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", l.db);
		unlink(p);
	}
}

static void learn(void)
{
	/* the container's own servers: 7070 is used while learning, 7071 never */
	static const char *const init[] = {
		"sh", "-c",
		"nc -ll -p 7070 -e /bin/true & nc -ll -p 7071 -e /bin/true & exec sleep 1000", NULL
	};
	static const char *const serve[] = { "busybox", "nc", "-ll", "-p", "8080",
					     "-e", "/bin/true", NULL };
	struct container_opts co = { .shape = CONTAINER_DOCKER, .image = CONTAINER_IMAGE_BUSYBOX,
				     .net = true, .argv = init };
	char cmd[160];
	int st = 0;

	REQUIRE_ROOT();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc");
	REQUIRE_FEATURE(access("/usr/sbin/iptables", X_OK) == 0, "iptables");
	memset(&l, 0, sizeof(l));
	snprintf(l.db, sizeof(l.db), "/tmp/enforce-net-runc-%d.db", getpid());
	unlink(l.db);
	open_sensor(SENSOR_BASELINE_LEARN, SENSOR_ENFORCE_LEARN_HELD);
	cr_assert_eq(container_create(&a, &co), 0);
	tb_only(&l.alerts, a.id);
	/* a second peer address, in another /24, behind the peer */
	snprintf(cmd, sizeof(cmd), "ip -n %s addr add " NEW_PEER "/32 dev lo", a.peer_netns);
	cr_assert_eq(run_sh(cmd), 0);
	server = container_peer_spawn(&a, serve);
	cr_assert_gt(server, 0);
	cr_assert_eq(container_start(&a), 0);
	fprintf(stderr, "container %s\n", a.id);
	/* learn until the flows were queued (held) and the instance moved on */
	for (int round = 0; round < 40; round++) {
		cr_assert_eq(run_in(OUT_LEARNED), 0, "the peer answers");
		cr_assert_eq(connect_in("7070"), 0, "the container's server answers");
		st = sensor_baseline_get_state(l.b, a.id);
		if (st == SENSOR_BASELINE_STATE_MONITORING && l.allowed >= 4)
			break;
	}
	cr_assert_geq(l.allowed, 4, "the container's flows were queued while learning");
	cr_assert_eq(st, SENSOR_BASELINE_STATE_MONITORING);
	close_sensor(); /* flushes the baseline */
	tb_clear(&l.alerts);
}

static void enforce_own(uint32_t flags)
{
	open_sensor(SENSOR_BASELINE_MONITOR, flags);
	cr_assert_eq(sensor_baseline_set_state(l.b, a.id, SENSOR_BASELINE_STATE_ENFORCING), 0);
	/* the queues are placed by the loop: wait until a learned flow was decided */
	l.allowed = l.denied = 0;
	for (int t = 0; t < 20 && l.allowed == 0; t++)
		cr_assert_eq(run_in(OUT_LEARNED), 0);
	cr_assert_gt(l.allowed, 0, "the container's flows are held");
}

Test(enforce_net_runc, learned_peers_pass_new_are_dropped, .timeout = 240, .fini = cleanup)
{
	learn();
	enforce_own(0);

	cr_assert_eq(run_in(OUT_LEARNED), 0, "the learned peer is still reached");
	cr_assert_eq(connect_in("7070"), 0, "the learned inbound port still answers");
	cr_assert_eq(l.denied, 0, "learned flows denied");
	cr_assert_eq(alerts_with("denied", NULL), 0);

	/* a new peer: its first packet is dropped, the connect times out */
	cr_assert_neq(run_in(OUT_NEW), 0, "a new peer is not reached");
	cr_assert_gt(l.denied, 0);
	cr_assert_geq(wait_alert("denied", "not learned: net:out:tcp:10.214.0.0/24:8080"), 1);
	/* an inbound connection to a port never listened on */
	cr_assert_neq(connect_in("7071"), 0, "a port never listened on is not reached");
	cr_assert_geq(wait_alert("denied", "not learned: listen:tcp:7071"), 1);
	/* and the learned behaviour still runs */
	cr_assert_eq(run_in(OUT_LEARNED), 0);
}

Test(enforce_net_runc, dry_run_connects_and_would_deny, .timeout = 240, .fini = cleanup)
{
	learn();
	enforce_own(SENSOR_ENFORCE_DRY_RUN);

	cr_assert_eq(run_in(OUT_NEW), 0, "the dry run drops nothing");
	cr_assert_eq(connect_in("7071"), 0);
	cr_assert_eq(l.denied, 0);
	cr_assert_eq(alerts_with("denied", NULL), 0);
	cr_assert_geq(wait_alert("would_deny", "not learned: net:out:tcp:10.214.0.0/24:8080"), 1);
	cr_assert_geq(wait_alert("would_deny", "not learned: listen:tcp:7071"), 1);
}

/* Whether queue 4243 of the container's netns is bound (field 2: portid) or holds packets (3). */
static bool queue_state(int field)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s awk '$1 == 4243 && $%d > 0 {f=1} END {exit !f}' "
		 "/proc/net/netfilter/nfnetlink_queue",
		 a.netns, field);
	return run_sh(cmd) == 0;
}

static bool wait_queue(int field)
{
	for (int t = 0; t < 200; t++) {
		if (queue_state(field))
			return true;
		usleep(50000);
	}
	return false;
}

/*
 * Sensor death while a packet is held (docs/enforce.md, fail modes): the
 * enforcing sensor runs in a child process; it is stopped (SIGSTOP) so a
 * new peer's SYN stays queued in the container's netns, then killed with
 * SIGKILL. The kernel drops what was queued when the queue's socket
 * closes; the retransmitted SYN meets the rule's --queue-bypass with no
 * listener and passes: the connect completes, the workload does not hang.
 */
Test(enforce_net_runc, sigkill_while_held_fails_open, .timeout = 240, .fini = cleanup)
{
	pid_t sensor, conn;
	int status = -1;
	bool queued;

	learn();
	sensor = fork();
	cr_assert_geq(sensor, 0);
	if (sensor == 0) {
		open_sensor(SENSOR_BASELINE_MONITOR, 0);
		if (sensor_baseline_set_state(l.b, a.id, SENSOR_BASELINE_STATE_ENFORCING) < 0)
			_exit(1);
		for (;;)
			pump(100);
	}
	/* its queue is bound once it saw the container (a learned flow makes it look) */
	for (int t = 0; t < 20 && !queue_state(2); t++)
		run_in(OUT_LEARNED);
	cr_assert(wait_queue(2), "the sensor queues the container's flows");
	cr_assert_eq(kill(sensor, SIGSTOP), 0);
	conn = fork();
	cr_assert_geq(conn, 0);
	if (conn == 0) {
		const char *const argv[] = { "sh", "-c", OUT_NEW, NULL };

		_exit(container_exec(&a, argv));
	}
	queued = wait_queue(3);
	kill(sensor, SIGKILL);
	waitpid(sensor, NULL, 0);
	cr_assert(queued, "the new peer's SYN was held by the stopped sensor");
	/* bounded by nc -w 3: it connects, or it times out (exit 1) */
	cr_assert_eq(waitpid(conn, &status, 0), conn);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the held connect completed after the sensor died (status %d)", status);
	/* later flows pass too (no listener: bypass) */
	cr_assert_eq(run_in(OUT_NEW), 0);
}
