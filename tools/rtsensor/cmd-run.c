/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor run: start sources, print events as JSON lines until told to stop. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json-lines.h"
#include "metrics.h"
#include "rtsensor.h"
#include "run-baseline.h"
#include "run-fanotify.h"

static sensor_ctx *volatile signal_ctx;
static volatile sig_atomic_t stop_requested;

/* Installed first thing, so a signal during start-up is not lost. */
static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (signal_ctx)
		sensor_ctx_exit(signal_ctx, 1); /* run() returns 1: stop */
}

struct run_out {
	struct json_lines jl;
	struct run_net *net; /* --deny-peer policy (run-net.c) */
	struct run_baseline *rb;
	struct metrics *metrics; /* --metrics */
	sensor_source **srcs;
	int *nsrc;
};

static void on_event(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct run_out *o = ud;

	(void)ctx;
	run_net_on_event(o->net, ev); /* verdict first: it is part of the event's JSON */
	metrics_count_event(o->metrics, ev);
	run_baseline_event(o->rb, ev);
	json_lines_event(&o->jl, ev);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtsensor run [OPTIONS]\n\n"
		"Watch the machine with every source it offers (or the ones named) and\n"
		"write events as JSON lines. SIGINT/SIGTERM stop it cleanly; everything\n"
		"the sensor installed is removed.\n\n"
		"Options:\n"
		"  -s, --source NAME     use this source (repeatable): proc, fanotify, audit,\n"
		"                        conntrack, seccomp, nfqueue. Default: all available\n"
		"                        except nfqueue (it holds traffic: name it)\n"
		"  -e, --events FILE|-   write events to FILE, '-' for stdout (default)\n"
		"  -d, --duration SECS   stop after SECS seconds\n"
		"      --deny-peer ADDR[/PREFIX][:PORT]\n"
		"                        deny new outgoing flows to this peer (NFQUEUE;\n"
		"                        repeatable; IPv6 as [ADDR]/PREFIX:PORT)\n"
		"      --track-flows     conntrack: when the netns tracks nothing, add a rule\n"
		"                        that turns tracking on (removed at exit)\n"
		"      --runtime-root PATH  also read container state (image, pod and container\n"
		"                        names) from this OCI runtime root (repeatable; the\n"
		"                        defaults: /run/runc, /run/crun, docker's, containerd's)\n"
		"      --metrics ADDR:PORT  serve Prometheus metrics on http://ADDR:PORT/metrics\n"
		"                        (numeric address; docs/metrics.md)\n"
		"      --stats           print counters as JSON to stderr at exit\n"
		"      --watch PATH      fanotify: watch the filesystem holding PATH (repeatable;\n"
		"                        default: every local filesystem)\n"
		"      --deny-exec GLOB  fanotify: deny exec of files matching GLOB under the\n"
		"                        --watch paths (repeatable; fnmatch on the full path)\n"
		RUN_BASELINE_HELP
		"  -h, --help            show this help\n");
}

static void print_stats(sensor_ctx *ctx, sensor_source **srcs, int nsrc, struct run_baseline *rb)
{
	struct sensor_stats st = { .sz = sizeof(st) };

	sensor_ctx_get_stats(ctx, &st);
	fprintf(stderr,
		"{\"stats\":{\"events\":%llu,\"lost\":%llu,\"held\":%llu,\"answered\":%llu,"
		"\"defaulted\":%llu,\"proc_cache\":{\"hits\":%llu,\"misses\":%llu,"
		"\"entries\":%llu},\"workloads\":%llu,\"sources\":{",
		(unsigned long long)st.events, (unsigned long long)st.lost,
		(unsigned long long)st.held, (unsigned long long)st.answered,
		(unsigned long long)(st.defaulted_deadline + st.defaulted_released),
		(unsigned long long)st.proc_cache_hits, (unsigned long long)st.proc_cache_misses,
		(unsigned long long)st.proc_cache_entries, (unsigned long long)st.workloads);
	for (int i = 0; i < nsrc; i++) {
		struct sensor_source_stats ss = { .sz = sizeof(ss) };

		sensor_source_get_stats(srcs[i], &ss);
		fprintf(stderr,
			"%s\"%s\":{\"received\":%llu,\"emitted\":%llu,\"lost\":%llu,\"errors\":%llu}",
			i ? "," : "", sensor_source_type_name(sensor_source_get_type(srcs[i])),
			(unsigned long long)ss.received, (unsigned long long)ss.emitted,
			(unsigned long long)ss.lost, (unsigned long long)ss.errors);
	}
	fprintf(stderr, "}");
	if (rb->sl_open)
		fprintf(stderr,
			",\"syslog\":{\"sent\":%llu,\"failed\":%llu,\"resent\":%llu,\"reconnects\":%llu,"
			"\"queued\":%u}",
			(unsigned long long)rb->sl.sent, (unsigned long long)rb->sl.failed,
			(unsigned long long)rb->sl.resent, (unsigned long long)rb->sl.reconnects,
			rb->sl.qn);
	fprintf(stderr, "}}\n");
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The loop: poll the context's fd until its next deadline, process one
 * bounded batch, flush the events written by that batch, again. An event
 * line is readable once the batch holding it is dispatched (at most the
 * library's batch of events; milliseconds), never when a buffer fills.
 * Alert lines are flushed one by one as they are raised (run-baseline.c).
 * The sinks' upkeep and the metrics snapshot run every SLICE_NS. Stops on
 * a signal, at --duration, or when a sink fails. Returns 0 or -errno.
 */
#define SLICE_NS 200000000u
static int run_loop(sensor_ctx *ctx, struct run_out *out, uint64_t duration)
{
	struct pollfd pfd = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };
	uint64_t now = mono_ns(), next_slice = now + SLICE_NS;
	uint64_t end = duration == SENSOR_TIME_INFINITY ? SENSOR_TIME_INFINITY : now + duration;

	for (;;) {
		uint64_t d;
		int ms, r;

		now = mono_ns();
		if (stop_requested || now >= end)
			return 0;
		if (sensor_ctx_get_deadline(ctx, &d) < 0 || end < d)
			d = end;
		if (next_slice < d)
			d = next_slice;
		if (d <= now)
			ms = 0;
		else
			ms = (int)((d - now + 999999u) / 1000000u); /* <= SLICE_NS */
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return -errno;
		r = sensor_ctx_process(ctx, 0);
		if (r < 0)
			return r;
		if (mono_ns() >= next_slice) {
			run_baseline_tick(out->rb, ctx);
			metrics_publish(out->metrics, ctx, out->srcs, *out->nsrc, out->rb);
			next_slice = mono_ns() + SLICE_NS;
		}
		json_lines_flush(&out->jl);
		if (out->jl.err || out->rb->err)
			return 0; /* a failing sink stops the run; its error is reported at stop */
	}
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'd' },
		{ "stats", no_argument, NULL, 'S' },
		{ "watch", required_argument, NULL, 'W' },
		{ "deny-exec", required_argument, NULL, 'X' },
		{ "deny-peer", required_argument, NULL, 'P' },
		{ "track-flows", no_argument, NULL, 'T' },
		{ "runtime-root", required_argument, NULL, 'R' },
		{ "metrics", required_argument, NULL, 'M' },
		RUN_BASELINE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sensor_ctx_opts copts = { .sz = sizeof(copts), .log_fn = log_stderr,
					 .log_level = SENSOR_LOG_WARNING };
	sensor_source *srcs[SENSOR__SOURCE_MAX + 1];
	bool want[SENSOR__SOURCE_MAX] = { false }, explicit_src = false, stats = false;
	const char *events_path = NULL;
	uint64_t duration = SENSOR_TIME_INFINITY;
	struct run_out out = { 0 };
	struct run_baseline rb = { 0 };
	struct run_fanotify fan = { 0 };
	const struct sensor_fanotify_opts *fan_opts = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	sensor_ctx *ctx = NULL;
	char *roots = NULL;
	const char *metrics_addr = NULL;
	int nsrc = 0, r, c, code = EXIT_OK, last_err = 0;
	bool net_started = false;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a reader that goes away is a failing sink (EPIPE): stop cleanly, write what is pending */
	signal(SIGPIPE, SIG_IGN);
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:e:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			r = sensor_source_type_from_name(optarg);
			if (r < 0 || r == SENSOR_SOURCE_INJECT) {
				die_msg("run", "unknown source '%s'", optarg);
				code = EXIT_USAGE;
				goto done;
			}
			want[r] = true;
			explicit_src = true;
			break;
		case 'e':
			events_path = optarg;
			break;
		case 'd':
			if (parse_seconds(optarg, &duration) < 0) {
				die_msg("run", "--duration wants seconds, got '%s'", optarg);
				code = EXIT_USAGE;
				goto done;
			}
			break;
		case 'S':
			stats = true;
			break;
		case 'W':
		case 'X':
			r = c == 'W' ? run_fanotify_watch(&fan, optarg)
				     : run_fanotify_deny_exec(&fan, optarg);
			if (r < 0) {
				die_msg("run", "--%s '%s': %s", c == 'W' ? "watch" : "deny-exec",
					optarg, r == -EINVAL ? "needs an absolute path or a glob"
							     : strerror(-r));
				code = EXIT_USAGE;
				goto done;
			}
			break;
		case 'P':
			r = run_net_add_peer(&out.net, optarg);
			if (r < 0) {
				die_msg("run", "--deny-peer wants ADDR[/PREFIX][:PORT], got '%s'", optarg);
				code = EXIT_USAGE;
				goto done;
			}
			break;
		case 'R': {
			/* the defaults, then the operator's roots (k3s, a private runc --root) */
			size_t have = roots ? strlen(roots) : strlen(SENSOR_OCI_STATE_ROOTS_DEFAULT);
			char *n = malloc(have + strlen(optarg) + 2);

			if (!n || optarg[0] != '/' || strchr(optarg, ':')) {
				free(n);
				die_msg("run", "--runtime-root wants an absolute path without ':', got '%s'",
					optarg);
				code = EXIT_USAGE;
				goto done;
			}
			snprintf(n, have + strlen(optarg) + 2, "%s:%s",
				 roots ? roots : SENSOR_OCI_STATE_ROOTS_DEFAULT, optarg);
			free(roots);
			roots = n;
			copts.oci_state_roots = roots;
			break;
		}
		case 'M':
			metrics_addr = optarg;
			break;
		case 'T':
			if (run_net_track_flows(&out.net) < 0) {
				code = EXIT_FAIL;
				goto done;
			}
			break;
		case 'h':
			usage(stdout);
			goto done;
		default:
			r = run_baseline_opt(&rb, c, optarg);
			if (r > 0)
				break;
			if (r == 0)
				usage(stderr);
			code = EXIT_USAGE;
			goto done;
		}
	}
	if (optind < argc) {
		die_msg("run", "unexpected argument '%s'", argv[optind]);
		code = EXIT_USAGE;
		goto done;
	}
	if (run_fanotify_opts(&fan, &fan_opts) < 0) {
		die_msg("run", "--deny-exec needs --watch PATH (permission marks only where asked)");
		code = EXIT_USAGE;
		goto done;
	}
	if (fan_opts && explicit_src)
		want[SENSOR_SOURCE_FANOTIFY] = true;
	/* With a baseline, events are written only when asked for. */
	if (!events_path && !rb.mode)
		events_path = "-";
	r = json_lines_open(&out.jl, events_path, true);
	if (r < 0) {
		die_msg("run", "cannot open '%s': %s", events_path, strerror(-r));
		code = EXIT_FAIL;
		goto done;
	}
	out.jl.ocsf_host = rb.ocsf_host;
	out.jl.filter = &rb.filter;
	/* a person at a terminal gets lines, a pipe or file gets JSON (unless --format) */
	if (rb.format == FORMAT_HUMAN || (!rb.format_set && out.jl.f == stdout && isatty(1) == 1)) {
		out.jl.human = true;
		out.jl.color = human_color(stdout);
	}
	if (!rb.format_set && (!rb.alerts || strcmp(rb.alerts, "-") == 0) && isatty(1) == 1)
		rb.human = true;
	rb.color = rb.human && (!rb.alerts || strcmp(rb.alerts, "-") == 0) && human_color(stdout);

	r = sensor_ctx_new(&copts, &ctx);
	if (r < 0) {
		die_msg("run", "cannot create the sensor: %s", strerror(-r));
		code = exit_code_for(r);
		goto done;
	}
	sensor_ctx_set_event_cb(ctx, on_event, &out);
	out.rb = &rb;
	out.srcs = srcs;
	out.nsrc = &nsrc;
	if (metrics_addr) {
		char err[300];

		r = metrics_open(&out.metrics, metrics_addr, err, sizeof(err));
		if (r < 0) {
			die_msg("run", "--metrics %s", err);
			code = r == -EOPNOTSUPP ? EXIT_NOFEATURE : r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
			goto done;
		}
		rb.metrics = out.metrics;
	}
	r = run_baseline_start(&rb, ctx);
	if (r != 0) {
		code = r;
		goto done;
	}
	/*
	 * fanotify last: once its permission group holds execs, a source that
	 * runs a tool at start (iptables for NFQUEUE and tracking rules) would
	 * wait on an exec that only this, blocked, process can allow.
	 */
	for (int i = 1; i <= SENSOR__SOURCE_MAX; i++) {
		int t = i == SENSOR__SOURCE_MAX ? SENSOR_SOURCE_FANOTIFY
			: i == SENSOR_SOURCE_FANOTIFY ? SENSOR_SOURCE_NONE : i;

		if (t == SENSOR_SOURCE_NONE || t == SENSOR_SOURCE_INJECT || (explicit_src && !want[t]))
			continue;
		if (t == SENSOR_SOURCE_FANOTIFY && run_net_active(out.net)) {
			r = run_net_start(out.net, ctx, &srcs[nsrc]);
			if (r < 0) {
				die_msg("run", "--deny-peer needs the nfqueue source: %s", strerror(-r));
				code = exit_code_for(r);
				goto done;
			}
			nsrc++;
			net_started = true;
		}
		if (!explicit_src && sensor_source_type_compiled((enum sensor_source_type)t) != 1)
			continue;
		/* nfqueue holds traffic: only when named (or below, with --deny-peer's own queue) */
		if (t == SENSOR_SOURCE_NFQUEUE && (run_net_active(out.net) || !explicit_src))
			continue;
		r = sensor_source_add(ctx, (enum sensor_source_type)t,
				      t == SENSOR_SOURCE_FANOTIFY    ? (const void *)fan_opts
				      : t == SENSOR_SOURCE_CONNTRACK ? run_net_conntrack_opts(out.net)
								     : NULL,
				      &srcs[nsrc]);
		if (r < 0) {
			const char *name = sensor_source_type_name((enum sensor_source_type)t);

			last_err = r;
			if (explicit_src) {
				die_msg("run", "source %s: %s%s", name, strerror(-r),
					r == -EPERM || r == -EACCES ? " (run as root)" :
					r == -EOPNOTSUPP ? " (not in this build or kernel; see 'rtsensor doctor')" : "");
				code = exit_code_for(r);
				goto done;
			}
			fprintf(stderr, "rtsensor: run: skipping source %s: %s\n", name, strerror(-r));
			continue;
		}
		nsrc++;
	}
	if (run_net_active(out.net) && !net_started) {
		r = run_net_start(out.net, ctx, &srcs[nsrc]);
		if (r < 0) {
			die_msg("run", "--deny-peer needs the nfqueue source: %s", strerror(-r));
			code = exit_code_for(r);
			goto done;
		}
		nsrc++;
	}
	if (nsrc == 0) {
		die_msg("run", "no source could start (last error: %s); see 'rtsensor doctor'",
			strerror(-last_err));
		code = exit_code_for(last_err);
		goto done;
	}

	metrics_publish(out.metrics, ctx, srcs, nsrc, &rb);
	signal_ctx = ctx;
	if (stop_requested)
		sensor_ctx_exit(ctx, 1);
	r = run_loop(ctx, &out, duration);
	signal_ctx = NULL;
	if (r < 0) {
		die_msg("run", "event loop failed: %s", strerror(-r));
		code = EXIT_FAIL;
	}

	if (stats)
		print_stats(ctx, srcs, nsrc, &rb);
done:
	r = run_baseline_stop(&rb); /* before the context: a last flush */
	if (r != EXIT_OK && code == EXIT_OK)
		code = r;
	sensor_ctx_free(ctx); /* removes every rule, mark and queue the sources installed */
	r = json_lines_close(&out.jl);
	if (r < 0 && code == EXIT_OK) {
		die_msg("run", "writing events failed: %s", strerror(-r));
		code = EXIT_FAIL;
	}
	run_fanotify_free(&fan);
	run_net_free(out.net);
	free(roots);
	metrics_close(out.metrics);
	return code;
}
