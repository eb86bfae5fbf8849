/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit source on the real kernel (root): rules tagged with this
 * run's instance key, real commands seen with argv, cwd, addresses and
 * results, every rule removed at the end (also when a test fails: the
 * fini hook removes them), kernel state restored, and the rules of an
 * instance killed with SIGKILL swept by the next start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <libaudit.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "core/context.h"
#include "sources/audit/audit-rules.h"
#include "sources/audit/audit-saved.h"
#include "sources/audit/audit-source.h"
#include "testlib.h"

static char keys[8][AUDIT_KEY_MAX];
static int nkeys;
static struct audit_status before;
static bool have_before;

static int status(struct audit_status *st)
{
	int fd = audit_open(), rc = -1;
	struct audit_reply rep;

	if (fd < 0)
		return -1;
	if (audit_request_status(fd) > 0) {
		for (int i = 0; i < 8 && audit_get_reply(fd, &rep, GET_REPLY_BLOCKING, 0) > 0; i++) {
			if (rep.type == AUDIT_GET) {
				memcpy(st, rep.status, sizeof(*st));
				rc = 0;
				break;
			}
		}
	}
	audit_close(fd);
	return rc;
}

static int count_rules(const char *key)
{
	int fd = audit_open(), n;

	cr_assert_geq(fd, 0);
	n = audit_rules_count(fd, key);
	audit_close(fd);
	return n;
}

static int lock_fd = -1;
static int others_at_start;

/*
 * Audit state is global to the kernel: test runs of other worktrees or
 * builds on this machine take the same lock, so they never interleave.
 */
static void setup(void)
{
	if (geteuid() != 0)
		return;
	lock_fd = open("/run/lock/rtsensor-audit-tests.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd >= 0)
		flock(lock_fd, LOCK_EX);
	have_before = status(&before) == 0;
	{
		int fd = audit_open();

		others_at_start = fd >= 0 ? audit_rules_count_sensors(fd) : 0;
		if (fd >= 0)
			audit_close(fd);
	}
}

/* Whatever happened, take this run's rules away and restore the kernel state. */
static void cleanup(void)
{
	int fd = audit_open();

	if (fd < 0)
		return;
	for (int i = 0; i < nkeys; i++)
		audit_rules_remove(fd, keys[i]);
	{
		char k[64];

		snprintf(k, sizeof(k), "not-rtsensor-%d", (int)getpid());
		audit_rules_remove(fd, k);
	}
	if (have_before && others_at_start == 0 && audit_rules_count_sensors(fd) == 0) {
		audit_set_backlog_limit(fd, before.backlog_limit);
		audit_set_enabled(fd, before.enabled);
	}
	audit_close(fd);
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

struct seen {
	const char *marker;
	pid_t net_pid;
	bool exec_ok, net_ok;
	char cwd[256], dst[64], state[32];
	int64_t dport;
	int nevents, own;
};

static void on_event(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct seen *s = ud;
	const char *const *argv;
	int64_t pid;
	int argc;

	(void)ctx;
	s->nevents++;
	/* the sensor's own rule changes are not events */
	if (sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) == 0 && pid == getpid())
		s->own++;
	if (sensor_event_kind(ev) == SENSOR_KIND_EXEC &&
	    (argc = sensor_event_get_argv(ev, &argv)) >= 2 && strcmp(argv[1], s->marker) == 0) {
		const char *cwd = sensor_event_get_str(ev, SENSOR_FIELD_EXEC_CWD);

		snprintf(s->cwd, sizeof(s->cwd), "%s", cwd ? cwd : "");
		s->exec_ok = true;
	}
	if (sensor_event_kind(ev) == SENSOR_KIND_NET &&
	    sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) == 0 && pid == s->net_pid &&
	    sensor_event_get_str(ev, SENSOR_FIELD_NET_DST)) {
		snprintf(s->dst, sizeof(s->dst), "%s", sensor_event_get_str(ev, SENSOR_FIELD_NET_DST));
		snprintf(s->state, sizeof(s->state), "%s",
			 sensor_event_get_str(ev, SENSOR_FIELD_NET_STATE));
		sensor_event_get_int(ev, SENSOR_FIELD_NET_DPORT, &s->dport);
		s->net_ok = true;
	}
}

/* connect() to 127.0.0.1:9 from a child in a network namespace of its own. */
static pid_t connect_in_netns(void)
{
	pid_t p = fork();

	if (p == 0) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };
		int fd;

		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		connect(fd, (struct sockaddr *)&sa, sizeof(sa)); /* lo is down: ENETUNREACH */
		_exit(0);
	}
	return p;
}

Test(audit_live, sees_exec_argv_cwd_and_connect_then_removes_its_rules, .init = setup,
     .fini = cleanup, .timeout = 60)
{
	struct seen s = { 0 };
	char marker[64], cmd[256];
	sensor_ctx *ctx;
	sensor_source *src;
	struct audit_src *as;
	struct audit_status after;
	uint64_t end;
	int r;

	REQUIRE_ROOT();
	snprintf(marker, sizeof(marker), "rtsensor-test-marker-%d", (int)getpid());
	s.marker = marker;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_event, &s);
	r = sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, NULL, &src);
	REQUIRE_FEATURE(r != -EOPNOTSUPP, "audit");
	cr_assert_eq(r, 0, "audit source: %s", strerror(-r));
	as = src->priv;
	snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", as->key);
	cr_assert_gt(count_rules(as->key), 10, "default rules installed under %s", as->key);
	cr_assert_eq(status(&after), 0);
	cr_expect_eq(after.enabled, 1, "auditing enabled while the source runs");

	snprintf(cmd, sizeof(cmd), "cd /tmp && /bin/echo %s >/dev/null", marker);
	cr_assert_eq(run_sh(cmd), 0);
	s.net_pid = connect_in_netns();
	waitpid(s.net_pid, NULL, 0);
	end = (uint64_t)time(NULL) + 10;
	while ((!s.exec_ok || !s.net_ok) && (uint64_t)time(NULL) < end)
		sensor_ctx_run(ctx, 200000000u);
	cr_expect(s.exec_ok, "exec of /bin/echo %s seen (%d events)", marker, s.nevents);
	cr_expect_eq(s.own, 0, "%d events of the sensor's own process (its rule changes)", s.own);
	cr_expect_str_eq(s.cwd, "/tmp");
	cr_expect(s.net_ok, "connect of pid %d seen", (int)s.net_pid);
	cr_expect_str_eq(s.dst, "127.0.0.1");
	cr_expect_eq(s.dport, 9);
	cr_expect_str_eq(s.state, "ENETUNREACH");

	sensor_ctx_free(ctx);
	cr_expect_eq(count_rules(keys[0]), 0, "every rule of %s removed", keys[0]);
	cr_assert_eq(status(&after), 0);
	if (have_before && others_at_start == 0) {
		/* (with another sensor running, the last one out restores) */
		cr_expect_eq(after.enabled, before.enabled, "enabled flag restored");
		cr_expect_eq(after.backlog_limit, before.backlog_limit, "backlog limit restored");
	}
}

/* listen() on a loopback port from a child in a network namespace of its own. */
static pid_t listen_in_netns(void)
{
	pid_t p = fork();

	if (p == 0) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		int fd;

		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
			_exit(2);
		_exit(0);
	}
	return p;
}

struct seen_listen {
	pid_t pid;
	int connects, listens;
};

static void on_net(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct seen_listen *s = ud;
	const char *sc;
	int64_t pid;

	(void)ctx;
	if (sensor_event_kind(ev) != SENSOR_KIND_NET ||
	    sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) < 0 || pid != s->pid)
		return;
	sc = sensor_event_get_str(ev, SENSOR_FIELD_NET_OP);
	if (sc && strcmp(sc, "listen") == 0)
		s->listens++;
	else
		s->connects++; /* connect, bind: what the rules leave out */
}

/* SENSOR_AUDIT_NO_NET_RULES: no connect/accept/bind record, listen still seen. */
Test(audit_live, no_net_rules_leave_connect_out_and_keep_listen, .init = setup, .fini = cleanup,
     .timeout = 60)
{
	struct sensor_audit_opts o = { .sz = sizeof(o), .flags = SENSOR_AUDIT_NO_NET_RULES };
	struct seen_listen s = { 0 };
	sensor_ctx *ctx;
	sensor_source *src;
	pid_t c;
	int st, r;
	uint64_t end;

	REQUIRE_ROOT();
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_net, &s);
	r = sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src);
	REQUIRE_FEATURE(r != -EOPNOTSUPP, "audit");
	cr_assert_eq(r, 0, "audit source: %s", strerror(-r));
	snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", ((struct audit_src *)src->priv)->key);
	/* the connect first: its record, were there one, comes before the listen's */
	c = connect_in_netns();
	waitpid(c, NULL, 0);
	s.pid = c;
	end = (uint64_t)time(NULL) + 3;
	while ((uint64_t)time(NULL) < end)
		sensor_ctx_run(ctx, 200000000u);
	cr_expect_eq(s.connects, 0, "%d connect records with the net rules left out", s.connects);
	s.pid = listen_in_netns();
	waitpid(s.pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "listen in a netns");
	end = (uint64_t)time(NULL) + 10;
	while (s.listens == 0 && (uint64_t)time(NULL) < end)
		sensor_ctx_run(ctx, 200000000u);
	cr_expect_eq(s.listens, 1, "the listen of pid %d seen once", (int)s.pid);
	cr_expect_eq(s.connects, 0, "no bind record (%d)", s.connects);
	sensor_ctx_free(ctx);
}

Test(audit_live, rules_of_a_killed_instance_are_swept_and_others_untouched, .init = setup,
     .fini = cleanup, .timeout = 60)
{
	int pfd[2], st;
	pid_t child;
	char key[AUDIT_KEY_MAX] = "", foreign[64], cmd[512], otherns[AUDIT_KEY_MAX],
		oldfmt[AUDIT_KEY_MAX];
	sensor_ctx *ctx;
	sensor_source *src;

	REQUIRE_ROOT();
	/* a rule somebody else owns: it must survive the sweep */
	snprintf(foreign, sizeof(foreign), "not-rtsensor-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "auditctl -a always,exit -F arch=b64 -S getcwd -k %s", foreign);
	cr_assert_eq(run_sh(cmd), 0, "%s", cmd);

	/* the kernel state as an operator left it, which the killed instance changes */
	if (others_at_start == 0) {
		int fd = audit_open();

		cr_assert_geq(fd, 0);
		cr_assert_geq(audit_set_enabled(fd, 0), 0);
		cr_assert_geq(audit_set_backlog_limit(fd, 320), 0);
		audit_close(fd);
		unlink(AUDIT_SAVED_PATH);
	}
	cr_assert_eq(pipe(pfd), 0);
	child = fork();
	if (child == 0) {
		sensor_ctx *c;
		sensor_source *s;

		close(pfd[0]);
		if (sensor_ctx_new(NULL, &c) < 0 || sensor_source_add(c, SENSOR_SOURCE_AUDIT, NULL, &s) < 0)
			_exit(1);
		if (write(pfd[1], ((struct audit_src *)s->priv)->key, AUDIT_KEY_MAX) < 0)
			_exit(1);
		pause(); /* killed with SIGKILL: no cleanup runs */
		_exit(0);
	}
	close(pfd[1]);
	cr_assert_eq(read(pfd[0], key, sizeof(key)), (ssize_t)sizeof(key), "child started its source");
	close(pfd[0]);
	snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", key);
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	cr_assert_gt(count_rules(key), 10, "the killed instance left its rules (%s)", key);
	if (others_at_start == 0) {
		struct audit_status now;

		cr_assert_eq(status(&now), 0);
		cr_assert_eq(now.enabled, 1, "the killed instance left auditing enabled");
		cr_assert_eq(now.backlog_limit, 8192);
		cr_assert_eq(access(AUDIT_SAVED_PATH, F_OK), 0, "the state before it is saved");
	}

	/* a dead pid of another pid namespace: cannot be judged from here, stays */
	{
		char *dash = strrchr(key, '-');
		pid_t dead = fork();

		if (dead == 0)
			_exit(0);
		waitpid(dead, NULL, 0);
		/* boot part of our key, a namespace inode that is not ours, the dead pid */
		snprintf(otherns, sizeof(otherns), "%.17s-4026599999-%d", key, (int)dead);
		snprintf(oldfmt, sizeof(oldfmt), "%.17s-%d", key, (int)dead);
		cr_assert_not_null(dash);
		snprintf(cmd, sizeof(cmd), "auditctl -a always,exit -F arch=b64 -S getcwd -k %s && "
			 "auditctl -a always,exit -F arch=b64 -S getcwd -k %s", otherns, oldfmt);
		cr_assert_eq(run_sh(cmd), 0, "%s", cmd);
		snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", otherns);
		snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", oldfmt);
	}
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, NULL, &src), 0);
	snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", ((struct audit_src *)src->priv)->key);
	cr_expect_eq(count_rules(key), 0, "stale rules of %s swept at start", key);
	cr_expect_eq(count_rules(otherns), 1, "a key of another pid namespace is not judged");
	cr_expect_eq(count_rules(oldfmt), 0, "an older-format key with a dead pid is swept");
	cr_expect_eq(count_rules(foreign), 1, "a rule that is not ours is untouched");
	/* the foreign-namespace key counts as a live instance: the last one out restores */
	{
		int fd = audit_open();

		cr_assert_geq(fd, 0);
		cr_assert_eq(audit_rules_remove(fd, otherns), 1);
		audit_close(fd);
	}
	sensor_ctx_free(ctx);
	cr_expect_eq(count_rules(keys[nkeys - 1]), 0);
	if (others_at_start == 0) {
		struct audit_status now;

		/* the next instance's stop put back what the killed one changed */
		cr_assert_eq(status(&now), 0);
		cr_expect_eq(now.enabled, 0, "enabled flag restored after a SIGKILL");
		cr_expect_eq(now.backlog_limit, 320, "backlog limit restored after a SIGKILL");
		cr_expect_neq(access(AUDIT_SAVED_PATH, F_OK), 0, "the saved state is removed");
	}

	snprintf(cmd, sizeof(cmd), "auditctl -d always,exit -F arch=b64 -S getcwd -k %s", foreign);
	cr_expect_eq(run_sh(cmd), 0, "%s", cmd);
	cr_expect_eq(count_rules(foreign), 0);
}

static int run_storm(const char *marker, int n)
{
	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			execl("/bin/true", "true", marker, (char *)NULL);
			_exit(127);
		}
		if (p < 0 || waitpid(p, NULL, 0) < 0)
			return -1;
	}
	return 0;
}

struct count {
	const char *marker;
	int execs, loss_events;
	int64_t lost;
};

static void on_count(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct count *c = ud;
	const char *const *argv;
	int64_t n;

	(void)ctx;
	if (sensor_event_kind(ev) == SENSOR_KIND_EXEC && sensor_event_get_argv(ev, &argv) >= 2 &&
	    strcmp(argv[1], c->marker) == 0)
		c->execs++;
	if (sensor_event_kind(ev) == SENSOR_KIND_LOSS &&
	    sensor_event_get_int(ev, SENSOR_FIELD_LOSS_COUNT, &n) == 0) {
		c->loss_events++;
		c->lost += n;
	}
}

Test(audit_live, receive_buffer_overrun_becomes_counted_loss_events, .init = setup,
     .fini = cleanup, .timeout = 90)
{
	struct sensor_audit_opts o = { .sz = sizeof(o), .rcvbuf = 32768 };
	struct sensor_source_stats st = { .sz = sizeof(st) };
	struct count c = { 0 };
	char marker[64];
	sensor_ctx *ctx;
	sensor_source *src;
	const int n = 400;

	REQUIRE_ROOT();
	snprintf(marker, sizeof(marker), "rtsensor-overrun-%d", (int)getpid());
	c.marker = marker;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_count, &c);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src), 0);
	snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", ((struct audit_src *)src->priv)->key);
	/* nobody reads while the storm runs: a 32 KiB buffer must overflow */
	cr_assert_eq(run_storm(marker, n), 0);
	/* drain the full buffer: the overrun itself is reported at once */
	for (int i = 0; i < 5; i++)
		sensor_ctx_run(ctx, 100000000u);
	/* the exact count needs a later record to show the serial gap: on a quiet
	 * machine nothing else may come, so make one, then let the gap timeout
	 * (2 s) turn the missing serials into losses */
	cr_assert_eq(run_storm(marker, 1), 0);
	for (int i = 0; i < 40; i++)
		sensor_ctx_run(ctx, 100000000u);
	sensor_source_get_stats(src, &st);
	cr_log_info("%d of %d execs seen, %d loss events, %lld lost, %llu errors", c.execs, n,
		    c.loss_events, (long long)c.lost, (unsigned long long)st.errors);
	cr_expect_gt(c.loss_events, 0, "the overrun was reported");
	cr_expect_eq((uint64_t)c.lost, st.lost, "loss events add up to the source's counter");
	/* each exec is one serial: whatever was not seen was counted (other processes'
	 * events share the serial space, so the count can only be larger) */
	cr_expect_geq(c.execs + c.lost, n + 1, "seen %d + lost %lld cover the %d execs", c.execs,
		      (long long)c.lost, n + 1);
	cr_expect_geq(c.execs, 1, "the exec after the overrun was seen");
	sensor_ctx_free(ctx);
}

struct sys_seen {
	bool getcwd, file;
	char path[256], op[16];
};

static void on_sys(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct sys_seen *s = ud;
	const char *name = sensor_event_get_str(ev, SENSOR_FIELD_SYSCALL_NAME);
	int64_t pid;

	(void)ctx;
	if (sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) < 0)
		return;
	if (name && strcmp(name, "getcwd") == 0)
		s->getcwd = true;
	if (sensor_event_kind(ev) == SENSOR_KIND_FILE) {
		snprintf(s->path, sizeof(s->path), "%s", sensor_event_get_str(ev, SENSOR_FIELD_FILE_PATH));
		snprintf(s->op, sizeof(s->op), "%s", sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP));
		s->file = true;
	}
}

Test(audit_live, rules_file_in_auditctl_syntax, .init = setup, .fini = cleanup, .timeout = 60)
{
	char dir[] = "/tmp/rtsensor-audit-XXXXXX", rules[512], path[600], cmd[700], key[AUDIT_KEY_MAX];
	struct sensor_audit_opts o = { .sz = sizeof(o), .flags = SENSOR_AUDIT_NO_DEFAULT_RULES };
	struct sys_seen s = { 0 };
	sensor_ctx *ctx;
	sensor_source *src;
	FILE *f;
	int r;

	REQUIRE_ROOT();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(rules, sizeof(rules), "%s/test.rules", dir);
	f = fopen(rules, "w");
	cr_assert_not_null(f);
	/* the child runs getcwd; a watch on a directory of our own */
	fprintf(f, "# comment\n\n-a always,exit -F arch=b64 -S getcwd -F uid=0 -k theirs\n"
		   "-w %s/watched -p wa -k theirs\n", dir);
	fclose(f);
	snprintf(path, sizeof(path), "%s/watched", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	o.rules_file = rules;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_sys, &s);
	r = sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src);
	cr_assert_eq(r, 0, "%s", strerror(-r));
	snprintf(key, sizeof(key), "%s", ((struct audit_src *)src->priv)->key);
	snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", key);
	cr_expect_eq(count_rules(key), 2, "both rules carry the instance key");
	cr_expect_eq(count_rules("theirs"), 0, "-k is replaced by the instance key");
	snprintf(cmd, sizeof(cmd), "cd %s && /bin/pwd -P >/dev/null && touch %s/new-file", dir, path);
	cr_assert_eq(run_sh(cmd), 0);
	for (int i = 0; i < 30 && !(s.getcwd && s.file); i++)
		sensor_ctx_run(ctx, 100000000u);
	cr_expect(s.getcwd, "getcwd from the rules file seen");
	cr_expect(s.file, "watch hit seen");
	snprintf(cmd, sizeof(cmd), "%s/new-file", path);
	cr_expect_str_eq(s.path, cmd);
	cr_expect_str_eq(s.op, "create");
	sensor_ctx_free(ctx);
	cr_expect_eq(count_rules(key), 0);

	/* a line that would change global state is refused, and nothing stays behind */
	f = fopen(rules, "w");
	fprintf(f, "-a always,exit -F arch=b64 -S getcwd\n-D\n");
	fclose(f);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_expect_eq(sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src), -EINVAL);
	sensor_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run_sh(cmd);
}

/*
 * A real auditd of the test's own (private config and log in a temporary
 * directory, the kernel's enabled flag left alone), started and stopped
 * inside the test so that the window where it runs is short. Returns its
 * pid once the kernel names it the audit daemon.
 */
static pid_t start_auditd(const char *dir)
{
	char conf[600], log[600];
	struct audit_status st;
	pid_t pid;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/auditd.conf", dir);
	snprintf(log, sizeof(log), "%s/audit.log", dir);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "local_events = yes\nwrite_logs = yes\nlog_file = %s\nlog_format = RAW\n"
		   "flush = NONE\nfreq = 0\nmax_log_file = 8\nnum_logs = 1\n"
		   "max_log_file_action = IGNORE\nspace_left = 2\nspace_left_action = IGNORE\n"
		   "admin_space_left = 1\nadmin_space_left_action = IGNORE\n"
		   "disk_full_action = IGNORE\ndisk_error_action = IGNORE\n"
		   "plugin_dir = %s\n", log, dir);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(conf, 0600), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		dup2(null, 1);
		dup2(null, 2);
		execl("/usr/sbin/auditd", "auditd", "-n", "-s", "nochange", "-c", dir, (char *)NULL);
		_exit(127);
	}
	/* the kernel's own state says when it is registered (bounded: 10 s) */
	for (int i = 0; i < 1000; i++) {
		int wst;

		cr_assert_eq(waitpid(pid, &wst, WNOHANG), 0, "auditd exited (status 0x%x)", wst);
		if (status(&st) == 0 && st.pid == (uint32_t)pid)
			return pid;
		usleep(10000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	cr_assert_fail("auditd did not register within 10 s");
	return -1;
}

static void stop_auditd(pid_t pid)
{
	struct audit_status st;
	int wst;

	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert_eq(waitpid(pid, &wst, 0), pid);
	for (int i = 0; i < 1000; i++) {
		if (status(&st) == 0 && st.pid != (uint32_t)pid)
			return;
		usleep(10000);
	}
	cr_assert_fail("the kernel still names the stopped auditd (%u) as the audit daemon", st.pid);
}

/*
 * Daemon mode: refused (-EBUSY) while a real auditd is registered, the
 * multicast mode working beside it; once it stopped, the source registers
 * as the daemon, gets the records by unicast and unregisters at removal.
 * A host whose own audit daemon runs cannot run this case: it fails in CI.
 */
Test(audit_live, daemon_mode_beside_auditd_then_registered, .init = setup, .fini = cleanup,
     .timeout = 90)
{
	struct sensor_audit_opts o = { .sz = sizeof(o), .flags = SENSOR_AUDIT_DAEMON };
	struct count c = { 0 };
	struct audit_status st;
	char marker[64], dir[] = "/tmp/rtsensor-auditd-XXXXXX", cmd[128];
	sensor_ctx *ctx;
	sensor_source *src;
	pid_t auditd;
	int r;

	REQUIRE_ROOT();
	cr_assert_eq(status(&st), 0);
	if (st.pid != 0)
		SKIP_OR_FAIL("an audit daemon (pid %u) is registered: daemon mode cannot be tested", st.pid);
	if (access("/usr/sbin/auditd", X_OK) != 0)
		SKIP_OR_FAIL("auditd is not installed (scripts/deps.sh installs it)");
	snprintf(marker, sizeof(marker), "rtsensor-daemon-%d", (int)getpid());
	c.marker = marker;
	cr_assert_not_null(mkdtemp(dir));

	/* 1. beside a real auditd */
	auditd = start_auditd(dir);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_count, &c);
	r = sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src);
	cr_expect_eq(r, -EBUSY, "daemon mode while auditd runs: %s", strerror(-r));
	cr_assert_eq(status(&st), 0);
	cr_expect_eq(st.pid, (uint32_t)auditd, "auditd is still the daemon");
	o.flags = 0;
	r = sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src);
	cr_assert_eq(r, 0, "multicast beside auditd: %s", strerror(-r));
	snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", ((struct audit_src *)src->priv)->key);
	cr_assert_eq(run_storm(marker, 2), 0);
	for (int i = 0; i < 50 && c.execs < 2; i++)
		sensor_ctx_run(ctx, 100000000u);
	cr_expect_eq(c.execs, 2, "multicast records beside auditd");
	sensor_ctx_free(ctx);
	stop_auditd(auditd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run_sh(cmd);

	/* 2. none registered: the source is the daemon */
	c.execs = 0;
	o.flags = SENSOR_AUDIT_DAEMON;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_count, &c);
	r = sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src);
	cr_assert_eq(r, 0, "%s", strerror(-r));
	snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", ((struct audit_src *)src->priv)->key);
	cr_assert_eq(status(&st), 0);
	cr_expect_eq(st.pid, (uint32_t)getpid(), "registered as the audit daemon");
	cr_assert_eq(run_storm(marker, 3), 0);
	for (int i = 0; i < 30 && c.execs < 3; i++)
		sensor_ctx_run(ctx, 100000000u);
	cr_expect_eq(c.execs, 3, "records arrive by unicast");
	sensor_ctx_free(ctx);
	cr_assert_eq(status(&st), 0);
	cr_expect_eq(st.pid, 0, "unregistered at removal");
}

/* The rule key the library reports is the one its first live source uses. */
Test(audit_live, rule_key_is_the_first_sources_key, .init = setup, .fini = cleanup, .timeout = 60)
{
	char key[AUDIT_KEY_MAX];
	sensor_ctx *ctx;
	sensor_source *src;

	REQUIRE_ROOT();
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, NULL, &src), 0);
	snprintf(keys[nkeys++], AUDIT_KEY_MAX, "%s", ((struct audit_src *)src->priv)->key);
	cr_assert_gt(sensor_audit_rule_key(key, sizeof(key)), 0);
	cr_assert_str_eq(key, ((struct audit_src *)src->priv)->key);
	cr_assert_gt(count_rules(key), 10);
	sensor_ctx_free(ctx);
	cr_assert_eq(count_rules(key), 0);
}
