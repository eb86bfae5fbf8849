/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc parsing and the process cache (no privilege needed: reads our own process). */
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "core/context.h"
#include "identity/proc-cache.h"
#include "testlib.h"

Test(proc, parse_stat_with_hostile_comm)
{
	const char stat[] = "4242 (a) b (c)) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
			    "123456 1000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0\n";
	int32_t ppid = 0;
	uint32_t sess = 0;
	uint64_t ticks = 0;
	char comm[16];

	cr_assert_eq(proc_parse_stat(stat, strlen(stat), &ppid, &sess, &ticks, comm), 0);
	cr_assert_str_eq(comm, "a) b (c)");
	cr_assert_eq(ppid, 17);
	cr_assert_eq(sess, 4242);
	cr_assert_eq(ticks, 123456);
	/* truncated before starttime, or garbage */
	cr_assert_eq(proc_parse_stat(stat, 40, &ppid, &sess, &ticks, comm), -EINVAL);
	cr_assert_eq(proc_parse_stat("4242 (x S 1", 11, &ppid, &sess, &ticks, comm), -EINVAL);
	cr_assert_eq(proc_parse_stat("1 (x) S -5 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 9", 47, &ppid,
				     &sess, &ticks, comm), -EINVAL);
}

Test(proc, parse_status)
{
	const char st[] = "Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t100\t200\t200\t200\nGroups:\n";
	uint32_t uid, euid, gid, egid;

	cr_assert_eq(proc_parse_status(st, strlen(st), &uid, &euid, &gid, &egid), 0);
	cr_assert_eq(uid, 1000);
	cr_assert_eq(euid, 0);
	cr_assert_eq(gid, 100);
	cr_assert_eq(egid, 200);
	cr_assert_eq(proc_parse_status("Uid:\tx\n", 7, &uid, &euid, &gid, &egid), -EINVAL);
	cr_assert_eq(proc_parse_status("Name:\ty\n", 8, &uid, &euid, &gid, &egid), -EINVAL);
}

Test(proc, read_self)
{
	struct proc_entry e;
	struct workload_desc wd;
	char cwd[4096];

	cr_assert_eq(proc_read("/proc", getpid(), &e, &wd), 0);
	cr_assert_eq(e.pid, getpid());
	cr_assert_eq(e.ppid, getppid());
	cr_assert_eq(e.uid, getuid());
	cr_assert_eq(e.euid, geteuid());
	cr_assert_not_null(e.exe);
	cr_assert(strstr(e.exe, "test-identity-proc") != NULL, "%s", e.exe);
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_str_eq(e.cwd, cwd);
	cr_assert_gt(e.start, 0);
	cr_assert_gt(strlen(wd.kind), 0);
	free(e.exe);
	free(e.cwd);
	free(e.cmdline);
	free(e.root);
	cr_assert_lt(proc_read("/proc", 0x3ffffff0, &e, NULL), 0, "no such pid");
}

Test(proc, cache_never_merges_a_reused_pid)
{
	sensor_ctx *ctx;
	struct proc_entry *e;
	struct sensor_stats st = { .sz = sizeof(st) };
	pid_t child;
	int status;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	e = proc_cache_get(ctx->procs, getpid());
	cr_assert_not_null(e);
	cr_assert_eq(e->pid, getpid());
	e = proc_cache_get(ctx->procs, getpid());
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.proc_cache_hits, 1);
	cr_assert_eq(st.proc_cache_misses, 1);

	/* Pretend the cached entry belongs to an older process with this pid. */
	e->start -= 1;
	proc_cache_set_ttl(ctx->procs, 0);
	e = proc_cache_get(ctx->procs, getpid());
	cr_assert_not_null(e);
	cr_assert_eq(e->start, proc_cache_get(ctx->procs, getpid())->start);
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.proc_cache_misses, 2, "a start-time mismatch reloads the entry");

	/* A process that is gone is not served from the cache after the TTL. */
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	cr_assert_not_null(proc_cache_get(ctx->procs, child));
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	cr_assert_null(proc_cache_get(ctx->procs, child));
	sensor_ctx_free(ctx);
}

/* peek: the cached entry while it is trusted, else NULL; never reads /proc. */
Test(proc, cache_peek_reads_nothing)
{
	sensor_ctx *ctx;
	struct proc_entry *e;
	struct sensor_stats st = { .sz = sizeof(st) };
	uint64_t now = now_mono();

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_null(proc_cache_peek(ctx->procs, getpid(), now), "not loaded yet");
	cr_assert_null(proc_cache_peek(ctx->procs, 0, now));
	e = proc_cache_get_at(ctx->procs, getpid(), now);
	cr_assert_not_null(e);
	cr_assert_eq(proc_cache_peek(ctx->procs, getpid(), now + 1000), e);
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.proc_cache_misses, 1);
	cr_assert_eq(st.proc_cache_hits, 0, "peek counts nothing");
	/* past the TTL the entry must be re-validated: peek does not vouch for it */
	proc_cache_set_ttl(ctx->procs, 1000);
	cr_assert_null(proc_cache_peek(ctx->procs, getpid(), e->checked + 5000));
	cr_assert_eq(proc_cache_peek(ctx->procs, getpid(), e->checked + 500), e);
	sensor_ctx_free(ctx);
}

Test(proc, cache_is_bounded)
{
	sensor_ctx *ctx;
	struct sensor_ctx_opts o = { .sz = sizeof(o), .proc_cache_size = 2 };
	struct sensor_stats st = { .sz = sizeof(st) };

	cr_assert_eq(sensor_ctx_new(&o, &ctx), 0);
	cr_assert_not_null(proc_cache_get(ctx->procs, getpid()));
	cr_assert_not_null(proc_cache_get(ctx->procs, getppid()));
	cr_assert_not_null(proc_cache_get(ctx->procs, 1));
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.proc_cache_entries, 2);
	cr_assert_eq(st.proc_cache_evictions, 1);
	sensor_ctx_free(ctx);
}

/*
 * A pid found gone is not read again for events from before that moment (a
 * short exec: its exec, file events and exit each read /proc for nothing),
 * and is read again for a later event (the pid may have been reused).
 */
Test(proc, gone_pid_is_not_read_again_for_older_events)
{
	sensor_ctx *ctx;
	struct sensor_stats st = { .sz = sizeof(st) };
	uint64_t before;
	pid_t child;
	int status;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	child = fork();
	if (child == 0)
		_exit(0);
	waitpid(child, &status, 0);
	before = now_mono();
	cr_assert_null(proc_cache_get_at(ctx->procs, child, before));
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.proc_cache_misses, 1, "the first look reads /proc");
	cr_assert_null(proc_cache_get_at(ctx->procs, child, before));
	cr_assert_null(proc_cache_exec(ctx->procs, child), "an exec always reads");
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.proc_cache_misses, 2, "an older event does not read it again");
	cr_assert_null(proc_cache_get_at(ctx->procs, child, now_mono() + 1));
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.proc_cache_misses, 3, "a later event reads /proc again");
	/* a live process is never answered from the gone table */
	cr_assert_not_null(proc_cache_get_at(ctx->procs, getpid(), before));
	sensor_ctx_free(ctx);
}

/* An exec reads cmdline once: the raw argv for the event and the entry's command line. */
Test(proc, exec_gives_argv_from_the_same_read)
{
	sensor_ctx *ctx;
	struct proc_entry *e;
	char args[8192], want[8192];
	int n = -1, fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t wn;

	cr_assert_geq(fd, 0);
	wn = read(fd, want, sizeof(want));
	close(fd);
	cr_assert_gt(wn, 0);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	e = proc_cache_exec_args(ctx->procs, getpid(), args, sizeof(args), &n);
	cr_assert_not_null(e);
	cr_assert_eq(n, (int)wn);
	cr_assert_eq(memcmp(args, want, (size_t)wn), 0);
	cr_assert_not_null(e->cmdline);
	cr_assert_eq(strncmp(e->cmdline, want, strlen(want)), 0, "argv[0] starts the command line");
	/* gone: NULL, and *nargs says why */
	n = 0;
	cr_assert_null(proc_cache_exec_args(ctx->procs, 0x3ffffff0, args, sizeof(args), &n));
	cr_assert_lt(n, 0);
	sensor_ctx_free(ctx);
}

/*
 * A short child, gone before anyone read it (fanotify reads its records
 * after it was reaped): the copy made at its fork still names it - the
 * parent's workload, its own pid and start - and an exec it was gone for
 * keeps that copy, without the parent's executable.
 */
Test(proc, a_reaped_child_keeps_its_fork_copy)
{
	sensor_ctx *ctx;
	struct proc_entry *e, *me;
	int pfd[2], status;
	char c;
	pid_t child;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(pipe(pfd), 0);
	child = fork();
	if (child == 0) {
		close(pfd[1]);
		(void)!read(pfd[0], &c, 1); /* alive until the fork is recorded */
		_exit(0);
	}
	close(pfd[0]);
	proc_cache_fork(ctx->procs, getpid(), child);
	me = proc_cache_peek(ctx->procs, getpid(), now_mono());
	cr_assert_not_null(me);
	cr_assert_null(proc_cache_dead(ctx->procs, child), "alive: not dead");
	close(pfd[1]);
	waitpid(child, &status, 0);
	e = proc_cache_dead(ctx->procs, child);
	cr_assert_not_null(e, "reaped: the fork copy answers");
	cr_assert_eq(e->pid, child);
	cr_assert_eq(e->wl, me->wl, "the parent's workload");
	cr_assert_neq(e->start, 0);
	/* the exec it made is read too late: the copy stays, its image unknown */
	cr_assert_null(proc_cache_exec(ctx->procs, child));
	e = proc_cache_dead(ctx->procs, child);
	cr_assert_not_null(e);
	cr_assert(e->exec_unread);
	cr_assert_null(e->exe, "not the parent's binary");
	cr_assert_eq(e->wl, me->wl);
	/* its exit: still the copy, for the late records of the grace (the TTL
	 * a proc source sets) */
	proc_cache_set_ttl(ctx->procs, 30ull * 1000000000u);
	proc_cache_exit(ctx->procs, child);
	cr_assert_eq(proc_cache_dead(ctx->procs, child), e);
	/* an unknown pid: nothing */
	cr_assert_null(proc_cache_dead(ctx->procs, 0x3ffffff0));
	sensor_ctx_free(ctx);
}
