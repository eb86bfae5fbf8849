/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor exec: run a command under the seccomp notify filter, answer its
 * held syscalls from --deny, stream the events, exit with its status. Built
 * on the embeddable loop: poll(ctx fd + the child's pidfd).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rtsensor.h"
#include "safe-open.h"
#include "seccomp-policy.h"

static volatile pid_t exec_child;

static void forward_signal(int sig)
{
	if (exec_child > 0)
		kill(exec_child, sig);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtsensor exec [OPTIONS] -- COMMAND [ARGS...]\n\n"
		"Run COMMAND under a seccomp user-notification filter. The risky syscalls\n"
		"(ptrace, mount, unshare, setns, bpf, module loading, raw sockets, ...) stop\n"
		"in the kernel until rtsensor answers: denied ones fail with the errno given,\n"
		"the others proceed. Every held syscall is an event (JSON lines). Needs no\n"
		"privilege (no_new_privs is set). Exits with COMMAND's status (128+N when a\n"
		"signal N ended it).\n\n"
		"Options:\n"
		"  -D, --deny SYSCALL[:ERRNO]  fail SYSCALL with ERRNO (name or number;\n"
		"                              default EPERM); repeatable. A syscall outside\n"
		"                              the default set is added to the filter\n"
		"  -H, --hold SYSCALL          also hold SYSCALL (allowed, reported); repeatable\n"
		"  -e, --events FILE           write events to FILE ('-': stdout; default stderr)\n"
		"      --no-new-privs          set no_new_privs even when privileged\n"
		"  -h, --help                  show this help\n");
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return EXIT_FAIL;
}

int cmd_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "deny", required_argument, NULL, 'D' },
		{ "hold", required_argument, NULL, 'H' },
		{ "events", required_argument, NULL, 'e' },
		{ "no-new-privs", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sensor_ctx_opts copts = { .sz = sizeof(copts), .log_fn = log_stderr,
					 .log_level = SENSOR_LOG_WARNING };
	struct sensor_seccomp_opts sopts = { .sz = sizeof(sopts) };
	static struct seccomp_policy pol;
	struct sigaction sa = { .sa_handler = forward_signal };
	const char *events_path = NULL;
	uint32_t spawn_flags = 0;
	sensor_ctx *ctx = NULL;
	sensor_source *src = NULL;
	pid_t pid = 0;
	int c, r, code = EXIT_FAIL, pidfd = -1, st = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+D:H:e:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			r = policy_add_deny(&pol, optarg);
			if (r < 0) {
				die_msg("exec", "bad --deny '%s' (want SYSCALL[:ERRNO])", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'H':
			if (policy_add_hold(&pol, optarg) < 0) {
				die_msg("exec", "bad --hold '%s' (want a syscall name)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'e':
			events_path = optarg;
			break;
		case 'N':
			spawn_flags |= SENSOR_SECCOMP_SPAWN_NO_NEW_PRIVS;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return opt_error("exec", argv, "+D:H:e:h");
		}
	}
	if (optind >= argc) {
		die_msg("exec", "no command given (rtsensor exec [OPTIONS] -- COMMAND ...)");
		return EXIT_USAGE;
	}
	policy_finish(&pol);
	sopts.syscalls = pol.held;
	r = policy_open_out(&pol, events_path, stderr);
	if (r < 0) {
		die_msg("exec", "cannot open '%s': %s", events_path, out_strerror(r));
		return EXIT_FAIL;
	}
	r = sensor_ctx_new(&copts, &ctx);
	if (r < 0) {
		die_msg("exec", "cannot create the sensor: %s", strerror(-r));
		code = exit_code_for(r);
		goto out;
	}
	sensor_ctx_set_event_cb(ctx, policy_on_event, &pol);
	r = sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, &sopts, &src);
	if (r < 0) {
		die_msg("exec", "seccomp source: %s%s", strerror(-r),
			r == -EINVAL ? " (unknown syscall name in --deny/--hold?)" : "");
		code = r == -EINVAL ? EXIT_USAGE : exit_code_for(r);
		goto out;
	}
	r = sensor_seccomp_spawn(src, (const char *const *)argv + optind, spawn_flags, &pid);
	if (r < 0) {
		die_msg("exec", "cannot run '%s': %s", argv[optind], strerror(-r));
		code = r == -ENOENT ? 127 : r == -EACCES ? 126 : exit_code_for(r);
		goto out;
	}
	exec_child = pid;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd p[2] = { { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN },
				       { .fd = pidfd, .events = POLLIN } };
		uint64_t d;
		struct timespec ts;
		int ms = 200;

		r = sensor_ctx_process(ctx, 0);
		if (r < 0) {
			die_msg("exec", "event loop failed: %s", strerror(-r));
			break;
		}
		/* the child (and so its filter) may be gone: reap it */
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			code = exit_status(st);
			pid = 0;
			break;
		}
		sensor_ctx_get_deadline(ctx, &d);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (d != SENSOR_TIME_INFINITY) {
			uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;

			ms = d <= now ? 0 : (d - now) / 1000000 + 1 < 200 ? (int)((d - now) / 1000000 + 1) : 200;
		}
		if (poll(p, pidfd >= 0 ? 2 : 1, ms) < 0 && errno != EINTR)
			break;
	}
	/* Answer what is still queued before the filter's fd goes away. */
	sensor_ctx_process(ctx, 0);
out:
	exec_child = 0;
	/* First the sensor: its pending answers go out and the listener closes, so a child
	 * still running cannot block on us while we wait for it. */
	sensor_ctx_free(ctx);
	if (pid > 0) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		code = exit_status(st);
	}
	if (pidfd >= 0)
		close(pidfd);
	r = policy_close(&pol);
	if (r < 0) /* the exit status stays the command's own */
		die_msg("exec", "writing events failed: %s", strerror(-r));
	return code;
}
