/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Enforcement with real runc containers (docs/enforce.md): a container
 * learns its benign behaviour (exec events from the process connector,
 * writes from fanotify on the tmpfs that holds its bundle), then the
 * baseline runs in SENSOR_BASELINE_ENFORCE and holds the container's execs
 * and opens through a mount mark on its root. The benign behaviour runs
 * unharmed (0 denials); a new binary, a copy of a known binary under a new
 * name, a rename of a new binary onto a learned name, a hard link, a known
 * binary modified after it was allowed and a write to a new path are each
 * denied (EPERM in the container) and alerted with the reason. With the
 * dry run everything runs and each is a would_deny alert.
 *
 * Learning never opens a container's files through the container's own
 * mounts: another fanotify permission group (a second sensor enforcing that
 * container) may hold such an open until its listener answers, while that
 * listener waits for us (two sensors deadlocked so). A group of the test's
 * own marks the container's root mount and records every permission
 * request the sensor's process makes there: none, and the binary is learned.
 *
 * Root; the bundles live on a tmpfs in a private mount namespace; every
 * container is removed at the end.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "../baseline/inject.h"
#include "container.h"

#define ENF_ROOT "/run/rtsensor-enforce-test"

struct live {
	sensor_ctx *ctx;
	sensor_baseline *b;
	struct tb alerts;
	char db[80];
	int denied, allowed; /* verdicts seen on held events of the container */
	int execs;           /* exec events of the container */
	const char *wl;
};

static struct live l;
static struct test_container a;

static void on_event(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct live *x = ud;
	const char *d = sensor_event_get_str(ev, SENSOR_FIELD_VERDICT_DECISION);
	const char *id = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID);
	const char *r = sensor_event_get_str(ev, SENSOR_FIELD_VERDICT_REASON);

	(void)ctx;
	if (sensor_event_kind(ev) == SENSOR_KIND_EXEC && id && x->wl && strcmp(id, x->wl) == 0)
		x->execs++;
	if (d && getenv("ENF_DEBUG"))
		fprintf(stderr, "verdict %s %s %s %s (%s)\n", d, id ? id : "-",
			sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP),
			sensor_event_get_str(ev, SENSOR_FIELD_FILE_PATH), r ? r : "");
	if (!d || !id || !x->wl || strcmp(id, x->wl) != 0)
		return;
	if (strcmp(d, "deny") == 0) {
		x->denied++;
		fprintf(stderr, "deny: %s %s (%s)\n", sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP),
			sensor_event_get_str(ev, SENSOR_FIELD_FILE_PATH), r ? r : "");
	} else if (strcmp(d, "allow") == 0) {
		x->allowed++;
		if (r && strncmp(r, "dry run", 7) == 0)
			fprintf(stderr, "%s %s: %s\n", sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP),
				sensor_event_get_str(ev, SENSOR_FIELD_FILE_PATH), r);
	}
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

/* Open a context: proc, fanotify notification on the bundles' tmpfs, the baseline. */
static void open_sensor(enum sensor_baseline_mode mode, uint32_t enforce_flags)
{
	static const char *const paths[] = { ENF_ROOT, NULL };
	struct sensor_ctx_opts co = { .sz = sizeof(co), .oci_state_roots = container_runc_root(),
				      .log_fn = log_stderr, .log_level = SENSOR_LOG_INFO };
	struct sensor_fanotify_opts fo = { .sz = sizeof(fo), .paths = paths };
	struct sensor_baseline_opts o = { .sz = sizeof(o), .mode = mode, .db_path = l.db,
					  .min_learn_ns = 2 * SEC, .stable_ns = 2 * SEC,
					  .enforce_flags = enforce_flags, .rate_limit = 1000,
					  .alert_fn = tb_on_alert, .alert_userdata = &l.alerts };

	cr_assert_eq(sensor_ctx_new(&co, &l.ctx), 0);
	sensor_ctx_set_event_cb(l.ctx, on_event, &l);
	cr_assert_eq(sensor_source_add(l.ctx, SENSOR_SOURCE_PROC, NULL, NULL), 0);
	cr_assert_eq(sensor_source_add(l.ctx, SENSOR_SOURCE_FANOTIFY, &fo, NULL), 0);
	cr_assert_eq(sensor_baseline_attach(l.ctx, &o, &l.b), 0);
}

static void close_sensor(void)
{
	sensor_baseline_free(l.b);
	l.b = NULL;
	sensor_ctx_free(l.ctx);
	l.ctx = NULL;
}

/* Run a command in the container while the loop answers; its exit status. */
/* Root and runc, a fresh store, and the bundles on a tmpfs in a mount
 * namespace of the test's own (fanotify marks only there). */
static void sandbox(void)
{
	REQUIRE_ROOT();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc");
	memset(&l, 0, sizeof(l));
	snprintf(l.db, sizeof(l.db), "/tmp/enforce-runc-%d.db", getpid());
	unlink(l.db);
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert(mkdir(ENF_ROOT, 0755) == 0 || errno == EEXIST);
	cr_assert_eq(mount("enforce-test", ENF_ROOT, "tmpfs", 0, "size=64m"), 0);
	container_set_bundle_parent(ENF_ROOT);
}

static int run_in(const char *script)
{
	const char *const argv[] = { "sh", "-c", script, NULL };
	pid_t pid = fork();
	int status = 0;

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(container_exec(&a, argv));
	while (waitpid(pid, &status, WNOHANG) == 0)
		pump(10);
	pump(100);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int alerts_with(const char *reason, const char *needle)
{
	int n = 0;

	for (int i = 0; i < l.alerts.n; i++)
		if (strcmp(l.alerts.a[i].reason, reason) == 0 &&
		    (!needle || strstr(l.alerts.a[i].json, needle)))
			n++;
	return n;
}

/* Alerts come from the loop (file alerts wait to gather operations, the
 * store and the baseline timer run on it): wait for one, bounded at 5 s. */
static int wait_alert(const char *reason, const char *needle)
{
	for (int t = 0; t < 50 && alerts_with(reason, needle) < 1; t++) {
		pump(100);
		sensor_baseline_flush(l.b);
	}
	return alerts_with(reason, needle);
}

static void dump_alerts(void)
{
	/* baseline alerts about a file wait a moment to gather its operations */
	pump(700);
	sensor_baseline_flush(l.b);
	for (int i = 0; i < l.alerts.n; i++)
		fprintf(stderr, "alert: %s\n", l.alerts.a[i].json);
}

static void cleanup(void)
{
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

/* The benign behaviour: a script of known binaries writing its own file. */
#define BENIGN "ls / >/dev/null; echo ok > /tmp/app.log; /usr/bin/uname >/dev/null"

static void learn(void)
{
	static const char *const init[] = { "sleep", "1000", NULL };
	int st = 0;

	sandbox();
	open_sensor(SENSOR_BASELINE_LEARN, SENSOR_ENFORCE_LEARN_HELD);
	cr_assert_eq(container_prepare(&a, CONTAINER_DOCKER, init, NULL, NULL), 0);
	tb_only(&l.alerts, a.id);
	{
		/* a learned binary of its own inode (busybox runs as init: text busy) */
		char cmd[1024];

		snprintf(cmd, sizeof(cmd),
			 "mkdir -p %s/rootfs/usr/bin && cp %s/rootfs/bin/busybox %s/rootfs/usr/bin/uname",
			 a.bundle, a.bundle, a.bundle);
		cr_assert_eq(run_sh(cmd), 0);
	}
	cr_assert_eq(container_start(&a), 0);
	l.wl = a.id;
	fprintf(stderr, "container %s\n", a.id);
	for (int round = 0; round < 40; round++) {
		cr_assert_eq(run_in(BENIGN), 0);
		st = sensor_baseline_get_state(l.b, a.id);
		if (st == SENSOR_BASELINE_STATE_MONITORING && round >= 2)
			break;
	}
	cr_assert_eq(st, SENSOR_BASELINE_STATE_MONITORING);
	close_sensor(); /* flushes the baseline */
	tb_clear(&l.alerts);
}

/*
 * The stored baseline, monitored, and only our own container enforcing:
 * other sessions' containers on this machine are not ours to hold.
 */
static void enforce_own(uint32_t flags)
{
	open_sensor(SENSOR_BASELINE_MONITOR, flags);
	cr_assert_eq(sensor_baseline_set_state(l.b, a.id, SENSOR_BASELINE_STATE_ENFORCING), 0);
	cr_assert_eq(sensor_baseline_get_state(l.b, a.id), SENSOR_BASELINE_STATE_ENFORCING);
	/* the container's marks are placed by the loop: wait until its learned
	 * behaviour is really held (a decision came back) before any attack */
	l.allowed = 0; /* learn() counted its own (held while learning) */
	for (int t = 0; t < 20 && l.allowed == 0; t++) {
		cr_assert_eq(run_in(BENIGN), 0);
		pump(500);
	}
	cr_assert_gt(l.allowed, 0, "the container's execs and opens are held");
}

Test(enforce_runc, learned_runs_new_is_denied, .timeout = 240, .fini = cleanup)
{
	learn();
	enforce_own(0);

	/* the benign behaviour, enforced: unharmed */
	for (int i = 0; i < 3; i++)
		cr_assert_eq(run_in(BENIGN), 0);
	dump_alerts();
	cr_assert_eq(l.denied, 0, "benign behaviour denied %d times", l.denied);
	cr_assert_gt(l.allowed, 0, "the container's execs and opens are held and allowed");
	cr_assert_eq(alerts_with("denied", NULL), 0);

	/* each attack is denied in the container (EPERM: the shell says 126 or fails) */
	/* a copy of a known binary under a new name */
	cr_assert_neq(run_in("mkdir -p /usr/local/bin && cp /bin/busybox /usr/local/bin/true && /usr/local/bin/true"), 0);
	/* a rename of a new file onto a learned name: content unknown */
	cr_assert_neq(run_in("echo '#!/bin/sh' > /tmp/evil; chmod +x /tmp/evil; "
			     "mv /tmp/evil /bin/uname2 2>/dev/null; /bin/uname2"),
		      0);
	/* a hard link of a known binary under a new name */
	cr_assert_neq(run_in("mkdir -p /opt && ln /bin/busybox /opt/true && /opt/true"), 0);
	/* a write to a path never written (a system directory) */
	cr_assert_neq(run_in("echo x > /etc/cron.evil"), 0);
	/* the learned behaviour still runs */
	cr_assert_eq(run_in(BENIGN), 0);
	/* a known binary modified after it was allowed: its content is unknown */
	{
		/* modified (from the host, through the bundle) after it was allowed */
		char p[600];
		FILE *f;

		snprintf(p, sizeof(p), "%s/rootfs/usr/bin/uname", a.bundle);
		f = fopen(p, "ae");
		cr_assert_not_null(f);
		fputc('\n', f);
		fclose(f);
	}
	cr_assert_neq(run_in("/usr/bin/uname"), 0);
	dump_alerts();
	cr_assert_geq(l.denied, 4);
	cr_assert_geq(wait_alert("denied", "not learned: binary:"), 1);
	cr_assert_geq(wait_alert("denied", "/usr/local/bin/true"), 1);
	cr_assert_geq(wait_alert("denied", "/etc/cron.evil"), 1);
	cr_assert_geq(wait_alert("denied", "/usr/bin/uname"), 1);
	cr_assert_geq(wait_alert("denied", "/opt/true"), 1);
}

Test(enforce_runc, dry_run_denies_nothing, .timeout = 240, .fini = cleanup)
{
	learn();
	enforce_own(SENSOR_ENFORCE_DRY_RUN);
	cr_assert_eq(run_in(BENIGN), 0);
	cr_assert_eq(alerts_with("would_deny", NULL), 0);
	cr_assert_eq(run_in("mkdir -p /usr/local/bin && cp /bin/busybox /usr/local/bin/true && /usr/local/bin/true"), 0);
	cr_assert_eq(run_in("mkdir -p /opt && ln /bin/busybox /opt/true && /opt/true"), 0);
	cr_assert_eq(run_in("echo x > /etc/cron.evil"), 0);
	dump_alerts();
	cr_assert_eq(l.denied, 0);
	cr_assert_eq(alerts_with("denied", NULL), 0);
	cr_assert_geq(wait_alert("would_deny", "/usr/local/bin/true"), 1);
	cr_assert_geq(wait_alert("would_deny", ":/opt/true\""), 1);
	cr_assert_geq(wait_alert("would_deny", "/etc/cron.evil"), 1);
}

/* ---- another permission group on the container's mount -------------------- */

struct other_group {
	int fd, stop[2];
	atomic_int from_sensor, answered;
	pthread_t thr;
};

/* Answers allow to everything; counts the requests of this process (the sensor's loop). */
static void *other_group_run(void *arg)
{
	struct other_group *g = arg;
	char buf[4096] __attribute__((aligned(8)));

	for (;;) {
		struct pollfd p[2] = { { g->fd, POLLIN, 0 }, { g->stop[0], POLLIN, 0 } };
		struct fanotify_event_metadata *m;
		ssize_t n;

		if (poll(p, 2, -1) < 0 || (p[1].revents & POLLIN))
			return NULL;
		n = read(g->fd, buf, sizeof(buf));
		if (n <= 0)
			continue;
		for (m = (void *)buf; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			struct fanotify_response r = { .fd = m->fd, .response = FAN_ALLOW };

			if (m->pid == getpid())
				atomic_fetch_add(&g->from_sensor, 1);
			if (write(g->fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
				atomic_fetch_add(&g->answered, 1);
			close(m->fd);
		}
	}
}

Test(enforce_runc, learning_opens_nothing_through_the_containers_mounts, .timeout = 240,
     .fini = cleanup)
{
	static const char *const init[] = { "sleep", "1000", NULL };
	static struct other_group g;
	char root[64], cmd[512];
	int st;

	sandbox();
	cr_assert_eq(container_prepare(&a, CONTAINER_DOCKER, init, NULL, NULL), 0);
	cr_assert_eq(container_start(&a), 0);
	l.wl = a.id;

	/* the other group: a mount mark on the container's root mount */
	g.fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE);
	cr_assert_geq(g.fd, 0);
	snprintf(root, sizeof(root), "/proc/%d/root", (int)a.pid);
	cr_assert_eq(fanotify_mark(g.fd, FAN_MARK_ADD | FAN_MARK_MOUNT,
				   FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM, AT_FDCWD, root),
		     0);
	cr_assert_eq(pipe2(g.stop, O_CLOEXEC), 0);
	cr_assert_eq(pthread_create(&g.thr, NULL, other_group_run, &g), 0);

	/*
	 * learning without LEARN_HELD: identities come from the exec events.
	 * The executed shell waits at a gate until its exec was dispatched: a
	 * process gone before the sensor looked at it cannot be learned (under
	 * load a /bin/true was, and the test failed for the wrong reason).
	 */
	open_sensor(SENSOR_BASELINE_LEARN, 0);
	{
		int gate = container_gate(&a, "learn-gate");

		cr_assert_geq(gate, 0);
		for (int i = 0; i < 3; i++) {
			const char *const argv[] = { "sh", "-c", "read x </learn-gate", NULL };
			int seen = l.execs, status = 0;
			pid_t pid = fork();

			cr_assert_geq(pid, 0);
			if (pid == 0) {
				close(gate);
				_exit(container_exec(&a, argv));
			}
			for (int t = 0; t < 1000 && l.execs == seen; t++)
				pump(10);
			cr_assert_gt(l.execs, seen, "the shell's exec was seen");
			cr_assert_eq(container_gate_pass(gate), 0);
			while (waitpid(pid, &status, WNOHANG) == 0)
				pump(10);
			cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
		close(gate);
	}
	close_sensor(); /* flushes the baseline */

	cr_assert_eq(write(g.stop[1], "s", 1), 1);
	pthread_join(g.thr, NULL);
	close(g.fd);
	close(g.stop[0]);
	close(g.stop[1]);
	cr_assert_gt(atomic_load(&g.answered), 0, "the other group held the container's execs");
	cr_expect_eq(atomic_load(&g.from_sensor), 0,
		     "the sensor opened %d files through the container's mounts",
		     atomic_load(&g.from_sensor));
	/* and the executable's identity was learned all the same (through the rootfs) */
	snprintf(cmd, sizeof(cmd),
		 "\"$RTSENSOR\" baseline show --db %s %s --json | grep -q '\"binary:[0-9a-f]*:/bin/busybox\"'",
		 l.db, a.id);
	st = run_sh(cmd);
	cr_expect_eq(st, 0, "binary:<sha256>:/bin/busybox learned");
}
