/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor seccomp-agent: the OCI linux.seccomp.listenerPath agent. runc
 * connects for every container whose seccomp profile has listenerPath set
 * and SCMP_ACT_NOTIFY rules; held syscalls are answered from --deny and
 * streamed as JSON lines with the container's id.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privs.h"
#include "rtsensor.h"
#include "safe-open.h"
#include "seccomp-policy.h"

static sensor_ctx *volatile agent_ctx;

static void on_signal(int sig)
{
	(void)sig;
	if (agent_ctx)
		sensor_ctx_exit(agent_ctx, 1);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtsensor seccomp-agent --socket PATH [OPTIONS]\n\n"
		"Serve OCI runtimes (runc) on the unix socket PATH: point a container's\n"
		"config.json linux.seccomp.listenerPath at it and give SCMP_ACT_NOTIFY to\n"
		"the syscalls to watch. Each held syscall is an event with the container's\n"
		"id; denied ones fail in the container with the errno given, the others\n"
		"proceed. SIGINT/SIGTERM stop it (held syscalls get the default answer).\n\n"
		"Options:\n"
		"  -s, --socket PATH           the listener socket (required)\n"
		"  -D, --deny SYSCALL[:ERRNO]  fail SYSCALL with ERRNO (default EPERM); repeatable\n"
		"  -e, --events FILE           write events to FILE ('-': stdout, the default)\n"
		"  -d, --duration SECS         stop after SECS\n"
		"      --allow-uid UID         serve this user too (besides root); its containers'\n"
		"                              identities are marked claimed; repeatable\n"
		"      --max-channels N        containers served at once (1024)\n"
		"      --max-per-peer N        the same per non-root user (64)\n"
		"  -h, --help                  show this help\n");
}

int cmd_seccomp_agent(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "deny", required_argument, NULL, 'D' },
		{ "events", required_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'd' },
		{ "allow-uid", required_argument, NULL, 'U' },
		{ "max-channels", required_argument, NULL, 'M' },
		{ "max-per-peer", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sensor_ctx_opts copts = { .sz = sizeof(copts), .log_fn = log_stderr,
					 .log_level = SENSOR_LOG_WARNING };
	struct sensor_seccomp_opts sopts = { .sz = sizeof(sopts) };
	struct sensor_seccomp_agent_opts aopts = { .sz = sizeof(aopts) };
	static uint32_t allow[64];
	static struct seccomp_policy pol;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *socket_path = NULL, *events_path = "-";
	uint64_t duration = SENSOR_TIME_INFINITY;
	sensor_ctx *ctx = NULL;
	sensor_source *src = NULL;
	int c, r, code = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:D:e:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'D':
			if (policy_add_deny(&pol, optarg) < 0) {
				die_msg("seccomp-agent", "bad --deny '%s' (want SYSCALL[:ERRNO])", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'e':
			events_path = optarg;
			break;
		case 'd':
			if (parse_seconds(optarg, &duration) < 0) {
				die_msg("seccomp-agent", "--duration wants seconds, got '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'U':
		case 'M':
		case 'P': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (!*optarg || *end || v > UINT32_MAX || (c == 'U' && aopts.n_allow_uids >= 64) ||
			    (c != 'U' && v == 0)) {
				die_msg("seccomp-agent", "--%s wants a number, got '%s'",
					c == 'U' ? "allow-uid" : c == 'M' ? "max-channels" : "max-per-peer",
					optarg);
				return EXIT_USAGE;
			}
			if (c == 'U')
				allow[aopts.n_allow_uids++] = (uint32_t)v;
			else if (c == 'M')
				aopts.max_channels = (uint32_t)v;
			else
				aopts.max_channels_per_peer = (uint32_t)v;
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return opt_error("seccomp-agent", argv, "s:D:e:d:h");
		}
	}
	if (!socket_path || optind < argc) {
		die_msg("seccomp-agent", optind < argc ? "unexpected argument" : "--socket PATH is required");
		return EXIT_USAGE;
	}
	policy_finish(&pol); /* the agent serves the runtime's filter: the set is in config.json */
	r = policy_open_out(&pol, events_path, stdout);
	if (r < 0) {
		die_msg("seccomp-agent", "cannot open '%s': %s", events_path, out_strerror(r));
		return EXIT_FAIL;
	}
	r = sensor_ctx_new(&copts, &ctx);
	if (r == 0) {
		sensor_ctx_set_event_cb(ctx, policy_on_event, &pol);
		r = sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, &sopts, &src);
	}
	aopts.allow_uids = allow;
	if (r == 0)
		r = sensor_seccomp_add_agent_opts(src, socket_path, &aopts);
	if (r < 0) {
		die_msg("seccomp-agent", "cannot serve '%s': %s", socket_path, strerror(-r));
		code = exit_code_for(r);
		goto out;
	}
	/*
	 * Bound and listening: serving notifications, reading /proc of the
	 * containers' processes (as root in them) and answering need nothing
	 * more. Every capability goes, and no_new_privs is set.
	 */
	r = privs_drop(0);
	if (r < 0)
		die_msg("seccomp-agent", "warning: cannot drop capabilities: %s", strerror(-r));
	agent_ctx = ctx;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = sensor_ctx_run(ctx, duration);
	agent_ctx = NULL;
	if (r < 0) {
		die_msg("seccomp-agent", "event loop failed: %s", strerror(-r));
		code = EXIT_FAIL;
	}
out:
	sensor_ctx_free(ctx);
	r = policy_close(&pol);
	if (r < 0) {
		die_msg("seccomp-agent", "writing events failed: %s", strerror(-r));
		code = EXIT_FAIL;
	}
	return code;
}
