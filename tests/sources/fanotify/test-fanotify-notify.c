/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Notification events on the real kernel, in a private tmpfs (fan-sandbox.h). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fan-sandbox.h"

static sensor_ctx *start_sensor(uint32_t events, sensor_source **src)
{
	static const char *const paths[] = { FAN_ROOT, NULL };
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .paths = paths, .events = events };
	sensor_ctx *ctx;
	int r;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, src);
	cr_assert_eq(r, 0, "fanotify source: %s", strerror(-r));
	sensor_ctx_run(ctx, 50000000ull); /* the status event */
	return ctx;
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *buf = read_file(from, &len);
	int fd;

	cr_assert_not_null(buf, "read %s", from);
	fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(buf);
}

Test(fanotify_notify, every_op_with_path_op_pid)
{
	sensor_source *src;
	sensor_ctx *ctx;
	pid_t pid, xpid;
	int st;

	fan_sandbox();
	ctx = start_sensor(0, &src);
	cr_assert_eq(mkdir(FAN_ROOT "/d", 0755), 0); /* the sensor's own: no event */
	copy_file("/bin/true", FAN_ROOT "/d/true");
	pid = fork();
	if (pid == 0) {
		int fd = open(FAN_ROOT "/d/a", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0 || write(fd, "x", 1) != 1)
			_exit(1);
		close(fd);
		if (chmod(FAN_ROOT "/d/a", 0644) < 0 ||
		    rename(FAN_ROOT "/d/a", FAN_ROOT "/d/b") < 0 || unlink(FAN_ROOT "/d/b") < 0)
			_exit(2);
		_exit(0);
	}
	fan_pump_until_exit(ctx, pid, &st);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	xpid = fork();
	if (xpid == 0) {
		execl(FAN_ROOT "/d/true", "true", (char *)NULL);
		_exit(127);
	}
	fan_pump_until_exit(ctx, xpid, &st);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fan_dump();
	cr_expect_geq(fan_find("create", FAN_ROOT "/d/a", pid), 0, "create");
	cr_expect_geq(fan_find("open", FAN_ROOT "/d/a", pid), 0, "open");
	cr_expect_geq(fan_find("write", FAN_ROOT "/d/a", pid), 0, "write");
	cr_expect_geq(fan_find("close_write", FAN_ROOT "/d/a", pid), 0, "close_write");
	cr_expect_geq(fan_find("attrib", FAN_ROOT "/d/a", pid), 0, "attrib");
	cr_expect_geq(fan_find("delete", FAN_ROOT "/d/b", pid), 0, "delete");
	cr_expect_geq(fan_find("exec", FAN_ROOT "/d/true", xpid), 0, "exec");
	{
		int i = fan_find("rename", FAN_ROOT "/d/a", pid);

		cr_assert_geq(i, 0, "rename");
		cr_expect_str_eq(fan_got[i].to, FAN_ROOT "/d/b", "rename carries both names");
	}
	/* enriched while alive (comm is the caller's before execve completes) */
	cr_expect_neq(fan_got[fan_find("exec", FAN_ROOT "/d/true", xpid)].comm[0], '\0');
	/* the unlink's nlink change (attrib on a gone inode) is not reported as "(stale)" */
	for (int i = 0; i < fan_ngot; i++)
		cr_expect_neq(strncmp(fan_got[i].path, "(", 1), 0, "unresolved path %s (%s)",
			      fan_got[i].path, fan_got[i].op);
	/* nothing from the sensor's own mkdir and copy */
	cr_expect_eq(fan_find("create", FAN_ROOT "/d", 0), -1);
	cr_expect_eq(fan_find("create", FAN_ROOT "/d/true", 0), -1);
	sensor_ctx_free(ctx);
}

Test(fanotify_notify, own_writes_produce_nothing)
{
	sensor_source *src;
	sensor_ctx *ctx;
	pid_t pid;
	int st, fd;

	fan_sandbox();
	ctx = start_sensor(SENSOR_FANOTIFY_EV_DEFAULT | SENSOR_FANOTIFY_EV_READ |
				   SENSOR_FANOTIFY_EV_CLOSE_NOWRITE,
			   &src);
	for (int i = 0; i < 50; i++) {
		char p[64];

		snprintf(p, sizeof(p), FAN_ROOT "/own-%d", i);
		fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		cr_assert_geq(fd, 0);
		cr_assert_eq(write(fd, "own", 3), 3);
		close(fd);
		cr_assert_eq(rename(p, FAN_ROOT "/own-x"), 0);
	}
	unlink(FAN_ROOT "/own-x");
	/* a marker from another process proves the sensor was listening */
	pid = fork();
	if (pid == 0) {
		int f = open(FAN_ROOT "/marker", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		_exit(f < 0);
	}
	fan_pump_until_exit(ctx, pid, &st);
	cr_assert_geq(fan_find("create", FAN_ROOT "/marker", pid), 0, "marker seen");
	for (int i = 0; i < fan_ngot; i++)
		if (fan_got[i].kind == SENSOR_KIND_FILE)
			cr_expect_eq(fan_got[i].pid, pid, "event %d (%s %s) from pid %lld", i,
				     fan_got[i].op, fan_got[i].path, (long long)fan_got[i].pid);
	sensor_ctx_free(ctx);
}

Test(fanotify_notify, excluded_paths_produce_nothing)
{
	static const char *const paths[] = { FAN_ROOT, NULL };
	static const char *const excl[] = { FAN_ROOT "/secret", NULL };
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .paths = paths, .exclude = excl };
	sensor_ctx *ctx;
	pid_t pid;
	int st;

	fan_sandbox();
	cr_assert_eq(mkdir(FAN_ROOT "/secret", 0755), 0);
	cr_assert_eq(mkdir(FAN_ROOT "/secret/deep", 0755), 0);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL), 0);
	pid = fork();
	if (pid == 0) {
		int a = open(FAN_ROOT "/secret/a", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		int b = open(FAN_ROOT "/secret/deep/b", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		int c = open(FAN_ROOT "/visible", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		_exit(a < 0 || b < 0 || c < 0);
	}
	fan_pump_until_exit(ctx, pid, &st);
	cr_assert_eq(WEXITSTATUS(st), 0);
	cr_expect_geq(fan_find("create", FAN_ROOT "/visible", pid), 0);
	for (int i = 0; i < fan_ngot; i++)
		cr_expect_null(strstr(fan_got[i].path, "/secret"), "excluded: %s %s",
			       fan_got[i].op, fan_got[i].path);
	sensor_ctx_free(ctx);
}

Test(fanotify_notify, flood_gives_loss_event, .timeout = 60)
{
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	sensor_source *src;
	sensor_ctx *ctx;
	size_t len;
	char *q = read_file("/proc/sys/fs/fanotify/max_queued_events", &len);
	long max = q ? strtol(q, NULL, 10) : 16384;
	pid_t pid;
	int st;

	free(q);
	fan_sandbox();
	REQUIRE_FEATURE(max > 0 && max < 1000000, "a bounded fanotify queue");
	ctx = start_sensor(SENSOR_FANOTIFY_EV_CREATE, &src);
	/* the sensor does not read while the child creates more files than the queue holds */
	pid = fork();
	if (pid == 0) {
		for (long i = 0; i < max + 2000; i++) {
			char p[64];
			int fd;

			snprintf(p, sizeof(p), FAN_ROOT "/f%ld", i);
			fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
			if (fd < 0)
				_exit(1);
			close(fd);
		}
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert_eq(WEXITSTATUS(st), 0);
	for (int i = 0; i < 200; i++)
		sensor_ctx_run(ctx, 20000000ull);
	cr_assert_geq(fan_nloss, 1, "a loss event after %lld creates", (long long)fan_nfile);
	cr_expect_geq(fan_lost, 1);
	cr_expect_leq(fan_nfile, max, "no more events than the queue holds");
	cr_expect_geq(fan_nfile, max / 2, "the queued events were drained");
	sensor_source_get_stats(src, &ss);
	cr_expect_geq(ss.lost, 1, "loss counted in stats");
	sensor_ctx_free(ctx);
}

static pid_t run_sh_child(const char *cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The directory path cache must follow renames, also the sensor's own (which make no events). */
Test(fanotify_notify, paths_follow_directory_renames)
{
	sensor_source *src;
	sensor_ctx *ctx;
	pid_t a, b, c;
	int st;

	fan_sandbox();
	ctx = start_sensor(SENSOR_FANOTIFY_EV_CREATE | SENSOR_FANOTIFY_EV_RENAME, &src);
	a = run_sh_child("mkdir " FAN_ROOT "/d1 && : > " FAN_ROOT "/d1/a");
	fan_pump_until_exit(ctx, a, &st); /* caches /tmp/d1 */
	cr_assert_geq(fan_find("create", FAN_ROOT "/d1/a", a), 0);
	b = run_sh_child("mv " FAN_ROOT "/d1 " FAN_ROOT "/d2 && : > " FAN_ROOT "/d2/b");
	fan_pump_until_exit(ctx, b, &st);
	cr_expect_geq(fan_find("rename", FAN_ROOT "/d1", 0), 0); /* by mv, a child of b */
	cr_expect_geq(fan_find("create", FAN_ROOT "/d2/b", b), 0, "path after a rename");
	/* the sensor's own rename: no event, but the cached path must go */
	cr_assert_eq(rename(FAN_ROOT "/d2", FAN_ROOT "/d3"), 0);
	c = run_sh_child(": > " FAN_ROOT "/d3/c");
	fan_pump_until_exit(ctx, c, &st);
	cr_expect_geq(fan_find("create", FAN_ROOT "/d3/c", c), 0, "path after the sensor's rename");
	cr_expect_eq(fan_find("rename", FAN_ROOT "/d2", 0), -1, "own rename is no event");
	for (int i = 0; i < fan_ngot; i++)
		if (fan_got[i].kind == SENSOR_KIND_FILE && strcmp(fan_got[i].op, "rename") == 0)
			cr_expect_str_eq(fan_got[i].to, FAN_ROOT "/d2");
	sensor_ctx_free(ctx);
}

static void mark_case(enum sensor_fanotify_mark mark, const char *watch)
{
	const char *paths[] = { watch, NULL };
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .paths = paths, .mark = mark };
	sensor_ctx *ctx;
	pid_t pid;
	int st, r;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL);
	cr_assert_eq(r, 0, "source: %s", strerror(-r));
	pid = run_sh_child("echo x > " FAN_ROOT "/w/in; echo y > " FAN_ROOT "/elsewhere");
	fan_pump_until_exit(ctx, pid, &st);
	fan_dump();
	cr_expect_geq(fan_find("close_write", FAN_ROOT "/w/in", 0), 0, "write in the watched dir");
	if (mark == SENSOR_FANOTIFY_MARK_INODE) {
		cr_expect_geq(fan_find("create", FAN_ROOT "/w/in", 0), 0, "inode marks see creates");
		cr_expect_eq(fan_find("close_write", FAN_ROOT "/elsewhere", 0), -1,
			     "an inode mark covers only its directory");
	} else {
		cr_expect_eq(fan_find("create", FAN_ROOT "/w/in", 0), -1,
			     "mount marks cannot report creates");
		cr_expect_geq(fan_find("close_write", FAN_ROOT "/elsewhere", 0), 0,
			      "a mount mark covers the whole mount");
	}
	sensor_ctx_free(ctx);
}

Test(fanotify_notify, inode_mark_covers_one_directory)
{
	fan_sandbox();
	cr_assert_eq(mkdir(FAN_ROOT "/w", 0755), 0);
	mark_case(SENSOR_FANOTIFY_MARK_INODE, FAN_ROOT "/w");
}

Test(fanotify_notify, mount_mark_without_dirent_events)
{
	fan_sandbox();
	cr_assert_eq(mkdir(FAN_ROOT "/w", 0755), 0);
	mark_case(SENSOR_FANOTIFY_MARK_MOUNT, FAN_ROOT);
}

/*
 * Directories moved into and out of an excluded one: the kernel's ignore
 * marks on the excluded directory must not swallow those renames, or the
 * path cache would keep the old path (events lost, or reported under a
 * path that no longer exists).
 */
Test(fanotify_notify, moves_across_an_excluded_directory_follow_the_path)
{
	static const char *const paths[] = { FAN_ROOT, NULL };
	static const char *const excl[] = { FAN_ROOT "/secret", NULL };
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .paths = paths, .exclude = excl };
	sensor_ctx *ctx;
	pid_t a, b;
	int st;

	fan_sandbox();
	cr_assert_eq(mkdir(FAN_ROOT "/secret", 0755), 0);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL), 0);
	/* in: the directory's path is cached, then it moves below the excluded one */
	a = run_sh_child("mkdir " FAN_ROOT "/in && : > " FAN_ROOT "/in/a && mv " FAN_ROOT
			 "/in " FAN_ROOT "/secret/in && : > " FAN_ROOT "/secret/in/b");
	fan_pump_until_exit(ctx, a, &st);
	cr_assert_eq(WEXITSTATUS(st), 0);
	cr_expect_geq(fan_find("create", FAN_ROOT "/in/a", a), 0);
	/* out: cached while excluded, then moved out; what happens in it is seen again */
	b = run_sh_child("mkdir " FAN_ROOT "/secret/out && : > " FAN_ROOT "/secret/out/c && mv " FAN_ROOT
			 "/secret/out " FAN_ROOT "/out && : > " FAN_ROOT "/out/d");
	fan_pump_until_exit(ctx, b, &st);
	cr_assert_eq(WEXITSTATUS(st), 0);
	fan_dump();
	cr_expect_geq(fan_find("create", FAN_ROOT "/out/d", b), 0, "path after a move out");
	for (int i = 0; i < fan_ngot; i++) {
		cr_expect_null(strstr(fan_got[i].path, "/secret"), "excluded: %s %s", fan_got[i].op,
			       fan_got[i].path);
		cr_expect_str_neq(fan_got[i].path, FAN_ROOT "/in/b", "a stale path");
	}
	sensor_ctx_free(ctx);
}

/* A deleted directory, and a new one of the same name: the new one's path, never a stale one. */
Test(fanotify_notify, deleted_directory_paths_are_not_reused)
{
	sensor_source *src;
	sensor_ctx *ctx;
	pid_t a;
	int st;

	fan_sandbox();
	ctx = start_sensor(SENSOR_FANOTIFY_EV_CREATE, &src);
	a = run_sh_child("mkdir " FAN_ROOT "/d && : > " FAN_ROOT "/d/a && rm -r " FAN_ROOT
			 "/d && mkdir " FAN_ROOT "/e && mkdir " FAN_ROOT "/d && : > " FAN_ROOT
			 "/e/b && : > " FAN_ROOT "/d/c");
	fan_pump_until_exit(ctx, a, &st);
	cr_assert_eq(WEXITSTATUS(st), 0);
	cr_expect_geq(fan_find("create", FAN_ROOT "/d/a", a), 0);
	cr_expect_geq(fan_find("create", FAN_ROOT "/e/b", a), 0);
	cr_expect_geq(fan_find("create", FAN_ROOT "/d/c", a), 0);
	cr_expect_eq(fan_find("delete", FAN_ROOT "/d", a), -1, "deletes were not asked for");
	sensor_ctx_free(ctx);
}

/* An inode mark does not see its directory's ancestors renamed: its paths must not be cached. */
Test(fanotify_notify, inode_mark_follows_an_ancestor_rename)
{
	static const char *const paths[] = { FAN_ROOT "/p/w", NULL };
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .paths = paths,
					  .mark = SENSOR_FANOTIFY_MARK_INODE };
	sensor_ctx *ctx;
	pid_t a, b;
	int st;

	fan_sandbox();
	cr_assert_eq(mkdir(FAN_ROOT "/p", 0755), 0);
	cr_assert_eq(mkdir(FAN_ROOT "/p/w", 0755), 0);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL), 0);
	a = run_sh_child(": > " FAN_ROOT "/p/w/a");
	fan_pump_until_exit(ctx, a, &st);
	cr_assert_geq(fan_find("create", FAN_ROOT "/p/w/a", a), 0);
	b = run_sh_child("mv " FAN_ROOT "/p " FAN_ROOT "/q && : > " FAN_ROOT "/q/w/b");
	fan_pump_until_exit(ctx, b, &st);
	cr_assert_eq(WEXITSTATUS(st), 0);
	cr_expect_geq(fan_find("create", FAN_ROOT "/q/w/b", b), 0, "path after an ancestor rename");
	cr_expect_eq(fan_find("create", FAN_ROOT "/p/w/b", b), -1, "a stale path");
	sensor_ctx_free(ctx);
}
