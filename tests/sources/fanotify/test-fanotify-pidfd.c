/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pid attribution with pidfds, on synthetic records that carry real pidfds
 * (pid reuse cannot be made on cue), through a real source's dispatch: an
 * event is enriched as the process of its pid only while its pidfd's
 * process is alive, and the pidfd check runs once per pid per read().
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/context.h"
#include "fan-sandbox.h"
#include "fan-kbuf.h"
#include "sources/fanotify/fanotify-internal.h"

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static sensor_ctx *start(sensor_source **src)
{
	static const char *const paths[] = { FAN_ROOT, NULL };
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .paths = paths };
	sensor_ctx *ctx;
	int r;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, src);
	cr_assert_eq(r, 0, "fanotify source: %s", strerror(-r));
	sensor_ctx_run(ctx, 20000000ull); /* the status event */
	REQUIRE_FEATURE(((struct fan_src *)(*src)->priv)->have_pidfd, "FAN_REPORT_PIDFD");
	fan_ngot = 0;
	return ctx;
}

/* A create record of pid with pidfd (FAN_NOPIDFD and friends as they are). */
static void create_by(struct kbuf *k, pid_t pid, int pidfd)
{
	ev_begin_pid(k, FAN_CREATE, pid);
	info_fid(k, FAN_EVENT_INFO_TYPE_DFID_NAME, 10, "f");
	info_fid(k, FAN_EVENT_INFO_TYPE_FID, 11, NULL);
	info_pidfd(k, pidfd);
	ev_end(k);
}

/* A child that lives until its pipe closes, and one already exited and reaped (with a pidfd). */
static pid_t alive_child(int *wfd)
{
	int p[2];
	pid_t pid;
	char c;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) < 0);
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

static pid_t reaped_child(int *pidfd)
{
	pid_t pid = fork();
	siginfo_t si;

	if (pid == 0)
		_exit(0);
	cr_assert_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0); /* a zombie */
	*pidfd = pidfd_open(pid);
	cr_assert_geq(*pidfd, 0);
	cr_assert_eq(waitpid(pid, NULL, 0), pid); /* now gone */
	return pid;
}

Test(fanotify_pidfd, alive_is_enriched_once_checked_per_read)
{
	sensor_source *src;
	sensor_ctx *ctx;
	struct fan_src *fs;
	struct kbuf k = { .len = 0 };
	int w, n;
	pid_t a;

	fan_sandbox();
	ctx = start(&src);
	fs = src->priv;
	a = alive_child(&w);
	create_by(&k, a, pidfd_open(a));
	create_by(&k, a, pidfd_open(a));
	n = fan_notify_dispatch(src, k.b, k.len);
	cr_assert_eq(n, 2);
	cr_expect_eq(fs->memo_hits, 1, "the second record of the pid needs no second check");
	cr_expect_gt(fan_got[0].start, 0, "alive: process.start set");
	cr_expect_eq(fan_got[1].start, fan_got[0].start);
	cr_expect_str_eq(fan_got[0].comm, fan_got[1].comm);
	/* a new read(): checked again */
	k.len = 0;
	create_by(&k, a, pidfd_open(a));
	cr_assert_eq(fan_notify_dispatch(src, k.b, k.len), 1);
	cr_expect_eq(fs->memo_hits, 1);
	close(w);
	waitpid(a, NULL, 0);
	sensor_ctx_free(ctx);
}

/*
 * The pid of a record names a live process, but the record's pidfd is of a
 * process that is gone: the pid was reused. The live process must not be
 * taken for the event's, in any order within one read().
 */
Test(fanotify_pidfd, reused_pid_is_not_enriched)
{
	sensor_source *src;
	sensor_ctx *ctx;
	struct kbuf k = { .len = 0 };
	int w, dead, dead2;
	pid_t a;

	fan_sandbox();
	ctx = start(&src);
	a = alive_child(&w);
	reaped_child(&dead);
	reaped_child(&dead2);
	create_by(&k, a, dead);            /* the earlier process of pid a */
	create_by(&k, a, pidfd_open(a));   /* then a itself */
	create_by(&k, a, FAN_NOPIDFD);     /* reaped before the read */
	cr_assert_eq(fan_notify_dispatch(src, k.b, k.len), 3);
	cr_expect_eq(fan_got[0].start, -1, "a gone process's record enriched as the live one");
	cr_expect_str_eq(fan_got[0].comm, "");
	cr_expect_eq(fan_got[0].pid, a, "the pid is kept");
	cr_expect_gt(fan_got[1].start, 0);
	cr_expect_eq(fan_got[2].start, -1);
	/* the dead check sets nothing for later records: a live check still follows */
	k.len = 0;
	create_by(&k, a, dead2);
	create_by(&k, a, pidfd_open(a));
	cr_assert_eq(fan_notify_dispatch(src, k.b, k.len), 2);
	cr_expect_eq(fan_got[3].start, -1);
	cr_expect_gt(fan_got[4].start, 0);
	close(w);
	waitpid(a, NULL, 0);
	sensor_ctx_free(ctx);
}
