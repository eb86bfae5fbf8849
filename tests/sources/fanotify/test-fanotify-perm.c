/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Permission events on the real kernel, only on a private tmpfs (fan-sandbox.h). */
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fan-sandbox.h"

static const char *const perm_paths[] = { FAN_ROOT, NULL };

static enum sensor_decision deny_glob(void *ud, const sensor_event *ev)
{
	const char *glob = ud, *op = sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP);
	const char *path = sensor_event_get_str(ev, SENSOR_FIELD_FILE_PATH);

	if (op && path && strcmp(op, "exec") == 0 && fnmatch(glob, path, 0) == 0)
		return SENSOR_DECISION_DENY;
	return SENSOR_DECISION_ALLOW;
}

static void install_true(const char *to)
{
	size_t len;
	char *buf = read_file("/bin/true", &len);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

	cr_assert(buf && fd >= 0);
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(buf);
}

/* Fork a child that execs path; it exits 42 when execve fails with EPERM. */
static pid_t spawn_exec(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(path, "x", (char *)NULL);
		_exit(errno == EPERM ? 42 : 43);
	}
	return pid;
}

static int count_events(const char *op, const char *path)
{
	int n = 0;

	for (int i = 0; i < fan_ngot; i++)
		if (fan_got[i].kind == SENSOR_KIND_FILE && strcmp(fan_got[i].op, op) == 0 &&
		    strcmp(fan_got[i].path, path) == 0)
			n++;
	return n;
}

static void deny_exec_case(uint32_t flags)
{
	struct sensor_fanotify_opts o = {
		.sz = sizeof(o), .flags = SENSOR_FANOTIFY_NO_NOTIFY | flags, .paths = perm_paths,
		.perm = SENSOR_FANOTIFY_PERM_EXEC, .policy = deny_glob,
		.policy_userdata = (void *)"*/denied*",
	};
	sensor_source *src;
	sensor_ctx *ctx;
	pid_t d, a1, a2;
	int st, i, r;

	fan_sandbox();
	install_true(FAN_ROOT "/denied-true");
	install_true(FAN_ROOT "/allowed-true");
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, &src);
	cr_assert_eq(r, 0, "perm source: %s", strerror(-r));

	d = spawn_exec(FAN_ROOT "/denied-true");
	fan_pump_until_exit(ctx, d, &st);
	cr_assert(WIFEXITED(st));
	cr_expect_eq(WEXITSTATUS(st), 42, "execve of a denied file fails with EPERM (exit %d)",
		     WEXITSTATUS(st));
	a1 = spawn_exec(FAN_ROOT "/allowed-true");
	fan_pump_until_exit(ctx, a1, &st);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "allowed exec runs");
	a2 = spawn_exec(FAN_ROOT "/allowed-true");
	fan_pump_until_exit(ctx, a2, &st);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "allowed exec runs again");
	fan_dump();

	i = fan_find("exec", FAN_ROOT "/denied-true", d);
	cr_assert_geq(i, 0, "a deny event");
	cr_expect_str_eq(fan_got[i].verdict, "deny");
	i = fan_find("exec", FAN_ROOT "/allowed-true", a1);
	cr_assert_geq(i, 0, "an allow event");
	cr_expect_str_eq(fan_got[i].verdict, "allow");
	/* the allow was cached by an ignore mark: the second exec was not asked */
	cr_expect_eq(count_events("exec", FAN_ROOT "/allowed-true"), 1);
	{
		struct sensor_source_stats ss = { .sz = sizeof(ss) };

		sensor_source_get_stats(src, &ss);
		cr_expect_eq(ss.denied, 1);
		cr_expect_eq(ss.allowed, 1);
	}
	sensor_ctx_free(ctx);
}

Test(fanotify_perm, deny_exec_by_policy_fails_with_eperm)
{
	deny_exec_case(0);
}

Test(fanotify_perm, deny_exec_with_audit_flag)
{
	deny_exec_case(SENSOR_FANOTIFY_AUDIT);
}

/* Child: open path, exit 0 on success, 42 on EPERM; 50 when it took less than min_ms. */
static pid_t spawn_open(const char *path, unsigned min_ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		uint64_t t0 = fan_now_ms();
		int fd = open(path, O_RDONLY | O_CLOEXEC), e = errno;

		if (fan_now_ms() - t0 < min_ms)
			_exit(50);
		_exit(fd >= 0 ? 0 : e == EPERM ? 42 : 43);
	}
	return pid;
}

static void deadline_case(uint32_t flags, int want_exit)
{
	struct sensor_fanotify_opts o = {
		.sz = sizeof(o), .flags = SENSOR_FANOTIFY_NO_NOTIFY | flags, .paths = perm_paths,
		.perm = SENSOR_FANOTIFY_PERM_OPEN, .perm_timeout = 300000000ull,
	};
	struct sensor_stats cs = { .sz = sizeof(cs) };
	sensor_ctx *ctx;
	pid_t pid;
	int st, fd, i;

	fan_sandbox();
	fd = open(FAN_ROOT "/held", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	fan_keep_held = true;
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL), 0);
	pid = spawn_open(FAN_ROOT "/held", 250);
	fan_pump_until_exit(ctx, pid, &st);
	cr_assert(WIFEXITED(st));
	cr_expect_eq(WEXITSTATUS(st), want_exit, "exit %d", WEXITSTATUS(st));
	i = fan_find("open", FAN_ROOT "/held", pid);
	cr_expect_geq(i, 0, "the held open was an event");
	if (want_exit == 42) {
		/* the denial came after dispatch: a second event carries it */
		cr_expect_eq(count_events("open", FAN_ROOT "/held"), 2);
		cr_expect_str_eq(fan_got[fan_ngot - 1].verdict, "default");
		cr_expect_str_eq(fan_got[fan_ngot - 1].path, FAN_ROOT "/held");
		cr_expect_eq(fan_got[fan_ngot - 1].pid, pid);
	} else {
		cr_expect_eq(count_events("open", FAN_ROOT "/held"), 1, "an allow makes no second event");
	}
	sensor_ctx_get_stats(ctx, &cs);
	cr_expect_eq(cs.held, 1);
	cr_expect_eq(cs.defaulted_deadline, 1);
	fan_release_held();
	sensor_ctx_free(ctx);
}

Test(fanotify_perm, unanswered_gets_default_allow_at_deadline)
{
	deadline_case(0, 0);
}

Test(fanotify_perm, unanswered_fail_closed_denies_at_deadline)
{
	deadline_case(SENSOR_FANOTIFY_FAIL_CLOSED, 42);
}

static void respond_deny(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	fan_collect(ctx, ev, ud);
	if (sensor_event_is_pending(ev))
		*(int *)ud = sensor_event_respond(ev, SENSOR_DECISION_DENY, 0, "test");
}

Test(fanotify_perm, agent_respond_deny)
{
	struct sensor_fanotify_opts o = {
		.sz = sizeof(o), .flags = SENSOR_FANOTIFY_NO_NOTIFY, .paths = perm_paths,
		.perm = SENSOR_FANOTIFY_PERM_OPEN,
	};
	sensor_ctx *ctx;
	pid_t pid;
	int st, fd, rr = 1;

	fan_sandbox();
	fd = open(FAN_ROOT "/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, respond_deny, &rr);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL), 0);
	pid = spawn_open(FAN_ROOT "/f", 0);
	fan_pump_until_exit(ctx, pid, &st);
	cr_expect_eq(rr, 0, "respond returned %d", rr);
	cr_expect_eq(WEXITSTATUS(st), 42, "open denied with EPERM");
	/* the request (pending when dispatched), then its denial */
	cr_assert_eq(count_events("open", FAN_ROOT "/f"), 2);
	cr_expect_str_eq(fan_got[fan_ngot - 1].verdict, "deny");
	cr_expect_eq(fan_got[fan_ngot - 1].pid, pid);
	sensor_ctx_free(ctx);
}

/* The sensor child's callback: keep the request and tell the parent whose it is. */
static int held_fd = -1;

static void hold_and_tell(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	int64_t pid = 0;

	fan_collect(ctx, ev, ud);
	if (sensor_event_is_pending(ev) == 1) {
		sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid);
		if (write(held_fd, &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
			_exit(4);
	}
}

/* A sensor in a child that holds a request and is killed: what happens to the waiting process. */
static void sigkill_case(uint32_t flags)
{
	int ready[2], held[2], fd, st;
	int64_t held_pid = 0;
	pid_t sensor, w;
	char c;

	fan_sandbox();
	fd = open(FAN_ROOT "/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(held), 0);
	sensor = fork();
	if (sensor == 0) {
		struct sensor_fanotify_opts o = {
			.sz = sizeof(o), .flags = SENSOR_FANOTIFY_NO_NOTIFY | flags,
			.paths = perm_paths, .perm = SENSOR_FANOTIFY_PERM_OPEN,
			.perm_timeout = 60000000000ull,
		};
		sensor_ctx *ctx;

		fan_keep_held = true;
		held_fd = held[1];
		if (sensor_ctx_new(NULL, &ctx) < 0 ||
		    sensor_ctx_set_event_cb(ctx, hold_and_tell, NULL) < 0 ||
		    sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		/* reads the request, never answers */
		_exit(sensor_ctx_run(ctx, 30000000000ull) == 0 ? 0 : 3);
	}
	close(ready[1]);
	close(held[1]);
	cr_assert_eq(read(ready[0], &c, 1), 1, "sensor child started");
	w = spawn_open(FAN_ROOT "/f", 0);
	/* the sensor says when it holds the request (the test's timeout bounds the wait) */
	cr_assert_eq(read(held[0], &held_pid, sizeof(held_pid)), (ssize_t)sizeof(held_pid),
		     "the sensor child reported a held request");
	cr_assert_eq(held_pid, w, "the held request is the opener's");
	cr_assert_eq(waitpid(sensor, &st, WNOHANG), 0, "the sensor runs (status 0x%x)", st);
	cr_assert_eq(waitpid(w, &st, WNOHANG), 0, "the open is held by the sensor (exit %d)",
		     WEXITSTATUS(st));
	cr_assert_eq(kill(sensor, SIGKILL), 0);
	cr_assert_eq(waitpid(sensor, &st, 0), sensor);
	cr_assert_eq(waitpid(w, &st, 0), w);
	close(ready[0]);
	close(held[0]);
	cr_assert(WIFEXITED(st), "the held process was released when the sensor died");
	/* the kernel answers FAN_ALLOW for every request of a group whose last fd closes */
	cr_expect_eq(WEXITSTATUS(st), 0, "released with allow (exit %d)", WEXITSTATUS(st));
}

Test(fanotify_perm, sigkill_releases_held_with_allow, .timeout = 30)
{
	sigkill_case(0);
}

Test(fanotify_perm, sigkill_releases_held_with_allow_even_fail_closed, .timeout = 30)
{
	sigkill_case(SENSOR_FANOTIFY_FAIL_CLOSED);
}

Test(fanotify_perm, perm_without_paths_is_refused)
{
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .perm = SENSOR_FANOTIFY_PERM_EXEC };
	sensor_ctx *ctx;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_expect_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL), -EINVAL);
	sensor_ctx_free(ctx);
}

/* Excluded directories are never held: ignore marks in the permission group too. */
Test(fanotify_perm, excluded_directory_is_never_held)
{
	static const char *const excl[] = { FAN_ROOT "/own", NULL };
	struct sensor_fanotify_opts o = {
		.sz = sizeof(o), .flags = SENSOR_FANOTIFY_NO_NOTIFY, .paths = perm_paths,
		.exclude = excl, .perm = SENSOR_FANOTIFY_PERM_OPEN, .perm_timeout = 3000000000ull,
	};
	sensor_ctx *ctx;
	uint64_t t0;
	pid_t pid;
	int st, fd;

	fan_sandbox();
	cr_assert_eq(mkdir(FAN_ROOT "/own", 0755), 0);
	fd = open(FAN_ROOT "/own/state", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	fan_keep_held = true; /* anything held would wait for the 3 s deadline */
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL), 0);
	/* the sensor does not read: only the kernel's ignore mark lets the open through */
	pid = spawn_open(FAN_ROOT "/own/state", 0);
	t0 = fan_now_ms();
	while (waitpid(pid, &st, WNOHANG) == 0 && fan_now_ms() - t0 < 1000)
		usleep(10000);
	if (fan_now_ms() - t0 >= 1000) {
		fan_pump_until_exit(ctx, pid, &st); /* release it before failing */
		cr_expect_fail("the open of an excluded file was held by the kernel");
	}
	cr_expect_eq(WEXITSTATUS(st), 0);
	sensor_ctx_run(ctx, 100000000ull);
	cr_expect_eq(fan_find("open", FAN_ROOT "/own/state", 0), -1, "no event");
	fan_release_held();
	sensor_ctx_free(ctx);
}

/* Removing the source gives held requests the configured default before the group goes. */
Test(fanotify_perm, source_removal_applies_the_default)
{
	struct sensor_fanotify_opts o = {
		.sz = sizeof(o), .flags = SENSOR_FANOTIFY_NO_NOTIFY | SENSOR_FANOTIFY_FAIL_CLOSED,
		.paths = perm_paths, .perm = SENSOR_FANOTIFY_PERM_OPEN,
		.perm_timeout = 60000000000ull,
	};
	sensor_source *src;
	sensor_ctx *ctx;
	uint64_t t0;
	pid_t pid;
	int st, fd;

	fan_sandbox();
	fd = open(FAN_ROOT "/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	fan_keep_held = true;
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, &src), 0);
	pid = spawn_open(FAN_ROOT "/f", 0);
	t0 = fan_now_ms();
	while (fan_nheld == 0 && fan_now_ms() - t0 < 5000)
		sensor_ctx_run(ctx, 20000000ull);
	cr_assert_eq(fan_nheld, 1, "the request is held");
	cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "the opener waits");
	sensor_source_remove(src);
	cr_expect_eq(sensor_event_decision(fan_held[0]), SENSOR_DECISION_DEFAULT);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	/* fail-closed: the default is deny, given before the group was closed (which would allow) */
	cr_expect_eq(WEXITSTATUS(st), 42, "open denied by the default (exit %d)", WEXITSTATUS(st));
	fan_release_held();
	sensor_ctx_free(ctx);
}

/* The identity an exec must have to be allowed (the primed one), and the last one seen. */
static char want_sha[65], seen_sha[65];

static enum sensor_decision allow_sha(void *ud, const sensor_event *ev)
{
	const char *op = sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP);
	const char *sha = sensor_event_get_str(ev, SENSOR_FIELD_FILE_SHA256);

	(void)ud;
	if (!op || strcmp(op, "exec") != 0)
		return SENSOR_DECISION_ALLOW;
	snprintf(seen_sha, sizeof(seen_sha), "%s", sha ? sha : "");
	return sha && strcmp(sha, want_sha) == 0 ? SENSOR_DECISION_ALLOW : SENSOR_DECISION_DENY;
}

static void sha256sum(const char *path, char out[65])
{
	char cmd[300];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_eq(fread(out, 1, 64, p), 64);
	out[64] = '\0';
	pclose(p);
}

/*
 * sensor_fanotify_prime(): an identity computed before the exec (as the
 * enforcer does for a container's learned binaries when it marks its
 * mounts) is used only while the file is unchanged. The same inode
 * modified after it was primed (same size, mtime put back) is hashed again
 * at its exec and decided on its new content: denied.
 */
Test(fanotify_perm, primed_identity_is_rechecked_at_each_exec)
{
	struct sensor_fanotify_opts o = {
		.sz = sizeof(o),
		.flags = SENSOR_FANOTIFY_NO_NOTIFY | SENSOR_FANOTIFY_NO_ALLOW_CACHE |
			 SENSOR_FANOTIFY_HASH_EXEC,
		.paths = perm_paths, .perm = SENSOR_FANOTIFY_PERM_EXEC, .policy = allow_sha,
	};
	struct sensor_fanotify_opts plain = { .sz = sizeof(o), .flags = SENSOR_FANOTIFY_NO_NOTIFY,
					      .paths = perm_paths, .perm = SENSOR_FANOTIFY_PERM_EXEC };
	const char *t = FAN_ROOT "/primed-true";
	sensor_source *src, *nohash;
	sensor_ctx *ctx;
	struct stat st, st2;
	struct timespec now;
	pid_t pid;
	int fd, dfd, ws;

	fan_sandbox();
	install_true(t);
	sha256sum(t, want_sha);
	/* an identity is kept once the timestamp clock has passed the file's ctime */
	cr_assert_eq(stat(t, &st), 0);
	for (int i = 0; i < 2000; i++) {
		clock_gettime(CLOCK_REALTIME_COARSE, &now);
		if (now.tv_sec > st.st_ctim.tv_sec ||
		    (now.tv_sec == st.st_ctim.tv_sec && now.tv_nsec > st.st_ctim.tv_nsec))
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, &src), 0);
	fd = open(t, O_RDONLY | O_CLOEXEC); /* not held: exec permission only */
	cr_assert_geq(fd, 0);
	dfd = open(FAN_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(dfd, 0);
	cr_expect_eq(sensor_fanotify_prime(NULL, fd, 0), -EINVAL);
	cr_expect_eq(sensor_fanotify_prime(src, -1, 0), -EINVAL);
	cr_expect_eq(sensor_fanotify_prime(src, fd, 1), -EINVAL);
	cr_expect_eq(sensor_fanotify_prime(src, dfd, 0), -EINVAL, "a directory has no identity");
	cr_assert_eq(sensor_fanotify_prime(src, fd, 0), 0);
	close(dfd);
	close(fd);
	/* a source that does not hash execs has nothing to prime */
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &plain, &nohash), 0);
	fd = open(t, O_RDONLY | O_CLOEXEC);
	cr_expect_eq(sensor_fanotify_prime(nohash, fd, 0), -EINVAL);
	close(fd);
	sensor_source_remove(nohash);

	pid = spawn_exec(t);
	fan_pump_until_exit(ctx, pid, &ws);
	cr_expect(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "the primed, unchanged file runs");
	cr_expect_str_eq(seen_sha, want_sha);

	/* the same inode, same size, mtime put back: one byte of the last section header */
	fd = open(t, O_RDWR | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &st), 0);
	{
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		unsigned char c;

		cr_assert_eq(pread(fd, &c, 1, st.st_size - 1), 1);
		c ^= 1;
		cr_assert_eq(pwrite(fd, &c, 1, st.st_size - 1), 1);
		cr_assert_eq(futimens(fd, ts), 0);
	}
	cr_assert_eq(fstat(fd, &st2), 0);
	close(fd);
	cr_assert_eq(st2.st_ino, st.st_ino);
	cr_assert_eq(st2.st_size, st.st_size);
	cr_assert_eq(st2.st_mtim.tv_sec, st.st_mtim.tv_sec);
	cr_assert_eq(st2.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
	{
		char now_sha[65];

		sha256sum(t, now_sha);
		cr_assert_str_neq(now_sha, want_sha);
		pid = spawn_exec(t);
		fan_pump_until_exit(ctx, pid, &ws);
		cr_expect(WIFEXITED(ws) && WEXITSTATUS(ws) == 42,
			  "the modified file is denied (exit %d)", WEXITSTATUS(ws));
		cr_expect_str_eq(seen_sha, now_sha, "decided on its new content");
	}
	sensor_ctx_free(ctx);
}
