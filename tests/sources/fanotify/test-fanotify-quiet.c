/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Quiet shared opens (fanotify-quiet.c) on the real kernel: a tmpfs mounted
 * on /usr/lib32 inside the test's private mount namespace stands for a
 * shared library directory (the host's /usr/lib32 is never touched).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fan-sandbox.h"
#include "sources/fanotify/fanotify-internal.h"

#define SHARED "/usr/lib32"
#define LIB SHARED "/librtsensor-quiet.so"

Test(fanotify_quiet, shared_prefixes)
{
	static const char *const yes[] = {
		"/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/ld-linux.so.2", "/etc/ld.so.cache",
		"/usr/share/locale/de/LC_MESSAGES/x.mo", "/usr/share/zoneinfo/UTC", "/lib64/x",
	};
	static const char *const no[] = {
		"/usr/lib", "/usr/lib/", "/usr/library/x", "/etc/ld.so.cache2", "/etc/ld.so.cachex",
		"/etc/shadow", "/usr/local/lib/x", "/var/lib/docker/overlay2/a/diff/usr/lib/x",
		"/home/u/.ssh/id_rsa", "",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_expect(fan_shared_path(yes[i], strlen(yes[i])), "%s", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_expect(!fan_shared_path(no[i], strlen(no[i])), "%s", no[i]);
}

static sensor_ctx *start_sensor(uint32_t flags, sensor_source **src)
{
	static const char *const paths[] = { SHARED, NULL };
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .paths = paths, .flags = flags };
	sensor_ctx *ctx;
	int r;

	cr_assert_eq(mount("fan-quiet", SHARED, "tmpfs", 0, "size=16m"), 0, "tmpfs on %s: %s",
		     SHARED, strerror(errno));
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, src);
	cr_assert_eq(r, 0, "fanotify source: %s", strerror(-r));
	sensor_ctx_run(ctx, 50000000ull);
	return ctx;
}

/* A child that opens path read-only n times (and writes first when asked). */
static void child_opens(sensor_ctx *ctx, const char *path, int n, bool write_first)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (write_first) {
			int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);

			if (fd < 0 || write(fd, "\177ELF", 4) != 4)
				_exit(1);
			close(fd);
		}
		for (int i = 0; i < n; i++) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				_exit(2);
			close(fd);
		}
		_exit(0);
	}
	fan_pump_until_exit(ctx, pid, &st);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
}

static int count_op(const char *op, const char *path)
{
	int n = 0;

	for (int i = 0; i < fan_ngot; i++)
		n += fan_got[i].kind == SENSOR_KIND_FILE && strcmp(fan_got[i].op, op) == 0 &&
		     strcmp(fan_got[i].path, path) == 0;
	return n;
}

static uint64_t received(sensor_source *src)
{
	struct sensor_source_stats ss = { .sz = sizeof(ss) };

	cr_assert_eq(sensor_source_get_stats(src, &ss), 0);
	return ss.received;
}

Test(fanotify_quiet, shared_opens_are_no_events_and_stop_in_the_kernel)
{
	sensor_source *src;
	sensor_ctx *ctx;
	uint64_t r0, r1;

	fan_sandbox();
	ctx = start_sensor(0, &src);
	/* writer and reader apart: the kernel merges one process's records on one file */
	child_opens(ctx, LIB, 0, true);
	child_opens(ctx, LIB, 1, false);
	fan_dump();
	cr_expect_geq(fan_find("create", LIB, 0), 0, "create is reported");
	cr_expect_geq(fan_find("write", LIB, 0), 0, "write is reported");
	cr_expect_geq(fan_find("close_write", LIB, 0), 0, "close_write is reported");
	/* the writer's open comes in one record with its create and write: reported */
	cr_expect_eq(count_op("open", LIB), 1, "only the writer's open: %d", count_op("open", LIB));
	/* the first read open put an ignore mark on the inode: the next ones are not queued */
	r0 = received(src);
	child_opens(ctx, LIB, 20, false);
	r1 = received(src);
	cr_expect_eq(count_op("open", LIB), 1, "no event for the read opens");
	cr_expect_leq(r1 - r0, 1, "%llu records for 20 opens: the kernel still queues them",
		      (unsigned long long)(r1 - r0));
	/* a modification clears the ignore mark: the next read open is queued once more */
	fan_ngot = 0;
	child_opens(ctx, LIB, 0, true);
	cr_expect_geq(fan_find("write", LIB, 0), 0, "a write of a shared file is reported");
	r0 = received(src);
	child_opens(ctx, LIB, 3, false);
	r1 = received(src);
	cr_expect_geq(r1 - r0, 1, "the ignore mark survived the write");
	cr_expect_leq(count_op("open", LIB), 1, "the writer's open only: %d", count_op("open", LIB));
	sensor_ctx_free(ctx);
}

Test(fanotify_quiet, exec_of_a_shared_file_is_reported)
{
	sensor_source *src;
	sensor_ctx *ctx;
	size_t len;
	char *bin = read_file("/bin/true", &len);
	pid_t pid;
	int fd, st;

	cr_assert_not_null(bin);
	fan_sandbox();
	ctx = start_sensor(0, &src);
	fd = open(SHARED "/true", O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, bin, len), (ssize_t)len);
	close(fd);
	free(bin);
	for (int k = 0; k < 2; k++) {
		pid = fork();
		if (pid == 0) {
			execl(SHARED "/true", "true", (char *)NULL);
			_exit(127);
		}
		fan_pump_until_exit(ctx, pid, &st);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		cr_expect_geq(fan_find("exec", SHARED "/true", pid), 0, "exec %d reported", k);
	}
	sensor_ctx_free(ctx);
}

Test(fanotify_quiet, all_opens_flag_reports_them)
{
	sensor_source *src;
	sensor_ctx *ctx;

	fan_sandbox();
	ctx = start_sensor(SENSOR_FANOTIFY_ALL_OPENS, &src);
	child_opens(ctx, LIB, 0, true);
	child_opens(ctx, LIB, 5, false);
	/* the kernel merges a process's identical opens while queued: at least one more */
	cr_expect_geq(count_op("open", LIB), 2, "the write's open and the read opens: %d",
		     count_op("open", LIB));
	sensor_ctx_free(ctx);
}
