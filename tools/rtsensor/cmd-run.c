/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor run: start sources, print events as JSON lines until told to
 * stop. As a service: readiness and watchdog for systemd (run-notify.c),
 * SIGHUP reloads, SIGUSR1 writes the counters, periodic status events.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json-lines.h"
#include "privs.h"
#include "metrics.h"
#include "rtsensor.h"
#include "safe-open.h"
#include "run-notify.h"
#include "run-opts.h"
#include "run-stats.h"

static sensor_ctx *volatile signal_ctx;
static volatile sig_atomic_t stop_requested, reload_requested, stats_requested;

/* Installed first thing, so a signal during start-up is not lost. */
static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else if (sig == SIGUSR1)
		stats_requested = 1;
	else
		stop_requested = 1;
	if (signal_ctx)
		sensor_ctx_wakeup(signal_ctx); /* poll() returns: the loop looks at the flags */
}

struct run_out {
	struct json_lines jl;
	struct run_net *net; /* --deny-peer policy (run-net.c) */
	struct run_baseline *rb;
	struct metrics *metrics; /* --metrics */
	bool settle_syscalls;    /* --mode enforce: answer what the baseline left held */
};

static void on_event(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct run_out *o = ud;

	(void)ctx;
	run_net_on_event(o->net, ev); /* verdict first: it is part of the event's JSON */
	metrics_count_event(o->metrics, ev);
	run_baseline_event(o->rb, ev);
	/*
	 * A held syscall the baseline did not answer is of a workload that is
	 * not enforcing (a container the store does not hold): allowed now, so
	 * that --fail closed (the seccomp source's default) applies to the
	 * deadline and to a loop that cannot keep up, not to every workload
	 * that is not enforced. Before the JSON: the verdict is part of it.
	 */
	if (o->settle_syscalls && sensor_event_kind(ev) == SENSOR_KIND_SYSCALL &&
	    sensor_event_is_pending(ev) == 1)
		sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, "baseline: not enforcing");
	json_lines_event(&o->jl, ev);
}

/* What the loop needs to serve signals and timers. */
struct run_state {
	int argc;
	char **argv;            /* the command line, parsed again at a reload */
	struct run_opts *o;     /* the options started with (their objects are in use) */
	struct run_opts *cur;   /* the latest that parsed: o, or a reload's */
	struct run_out *out;
	sensor_ctx *ctx;
	sensor_source **srcs;
	int nsrc;
	sensor_source *inject;  /* the sensor's own status events */
	struct run_notify notify;
	uint64_t next_stats;
};

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void print_stats(struct run_state *st)
{
	char *json = run_stats_json(st->ctx, st->srcs, st->nsrc, &st->o->rb);

	if (json) {
		fprintf(stderr, "%s\n", json);
		fflush(stderr);
	}
	free(json);
}

static void emit_stats(struct run_state *st)
{
	char *json = run_stats_json(st->ctx, st->srcs, st->nsrc, &st->o->rb);

	if (json)
		run_stats_emit(st->inject, "stats", json);
	free(json);
}

/* Keys a reload applies; a change of any other takes effect at the next start. */
static const char *const live_keys[] = { "events", "alerts", "rules", "rules-dir",
					 "no-default-rules",
					 "stats-interval", "stats", NULL };

static bool item_in(const struct conf *c, const struct conf_item *it)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->items[i].arg, it->arg) == 0)
			return true;
	return false;
}

/* Say which settings changed that only a restart applies. */
static void warn_restart_keys(const struct conf *old, const struct conf *new)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct conf *a = pass ? new : old, *b = pass ? old : new;

		for (size_t i = 0; i < a->n; i++) {
			char key[64];
			bool live = false;

			conf_item_key(&a->items[i], key, sizeof(key));
			for (int k = 0; live_keys[k]; k++)
				live = live || strcmp(live_keys[k], key) == 0;
			if (live || item_in(b, &a->items[i]))
				continue;
			fprintf(stderr, "rtsensor: run: reload: %s:%u: '%s' %s: takes effect at the "
				"next start\n", a->path ? a->path : "", a->items[i].line,
				a->items[i].arg + 2, pass ? "set" : "no longer set");
		}
	}
}

/* Events: reopen the file (one that logrotate moved away starts anew). */
static void reopen_events(struct run_state *st)
{
	struct json_lines nj;
	const char *path = st->cur->events_path;
	int r;

	if (!st->out->jl.f || st->out->jl.f == stdout || !path || strcmp(path, "-") == 0)
		return;
	r = json_lines_open(&nj, path, true);
	if (r < 0) {
		fprintf(stderr, "rtsensor: run: reload: cannot open '%s': %s (events keep going to "
			"the old file)\n", path, strerror(-r));
		return;
	}
	nj.ocsf_host = st->out->jl.ocsf_host;
	nj.n = st->out->jl.n;
	r = json_lines_close(&st->out->jl);
	if (r < 0)
		fprintf(stderr, "rtsensor: run: writing events failed: %s\n", strerror(-r));
	st->out->jl = nj;
}

/*
 * SIGHUP: parse the command line over the file again; when it parses,
 * apply what can change live (outputs, rules, the stats interval) and say
 * which other changes wait for a restart. The outputs are reopened in any
 * case (log rotation); nothing learned is lost.
 */
static void reload(struct run_state *st)
{
	struct run_opts *n = calloc(1, sizeof(*n));
	char detail[256];
	int r, code;

	run_notify_reloading(&st->notify);
	code = n ? run_opts_parse(n, st->argc, st->argv, NULL) : EXIT_FAIL;
	if (code != EXIT_OK || n->help) {
		fprintf(stderr, "rtsensor: run: reload: the configuration was not applied (the "
			"reason is above); the outputs are reopened\n");
		if (n)
			run_opts_free(n);
		free(n);
		code = code == EXIT_OK ? EXIT_USAGE : code;
	} else {
		warn_restart_keys(&st->cur->conf, &n->conf);
		if (st->cur != st->o) {
			run_opts_free(st->cur);
			free(st->cur);
		}
		st->cur = n;
	}
	reopen_events(st);
	r = run_baseline_reload(&st->o->rb, st->cur->rb.alerts, st->cur->rb.rules,
				st->cur->rules_dir, st->cur->rb.no_default_rules);
	st->next_stats = st->cur->stats_interval ? mono_now() + st->cur->stats_interval : 0;
	if (r < 0)
		snprintf(detail, sizeof(detail), "configuration %s; rules not reloaded (%s), the "
			 "old ones stay", code == EXIT_OK ? "applied" : "not applied", strerror(-r));
	else
		snprintf(detail, sizeof(detail), "configuration %s; %d rules",
			 code == EXIT_OK ? "applied" : "not applied", r);
	run_stats_emit(st->inject, "reload", detail);
	run_notify_ready(&st->notify, code == EXIT_OK && r >= 0 ? "running (reloaded)"
								: "running (reload failed: see the log)");
}

/*
 * The loop: poll the context's fd until its next deadline, process one
 * bounded batch, flush the events written by that batch, again. An event
 * line is readable once the batch holding it is dispatched (at most the
 * library's batch of events; milliseconds), never when a buffer fills.
 * Alert lines are flushed one by one as they are raised (run-baseline.c).
 * The sinks' upkeep and the metrics snapshot run every SLICE_NS; signals
 * (reload, stats), status events and watchdog pings between batches. Stops
 * on SIGINT/SIGTERM, at --duration, or when a sink fails. Returns 0 or -errno.
 */
#define SLICE_NS 200000000u
static int run_loop(struct run_state *st, uint64_t duration)
{
	struct pollfd pfd = { .fd = sensor_ctx_get_fd(st->ctx), .events = POLLIN };
	uint64_t now = mono_now(), next_slice = now + SLICE_NS;
	uint64_t end = duration == SENSOR_TIME_INFINITY ? SENSOR_TIME_INFINITY : now + duration;

	for (;;) {
		uint64_t d;
		int ms, r;

		now = mono_now();
		if (stop_requested || now >= end)
			return 0;
		if (reload_requested) {
			reload_requested = 0;
			reload(st);
		}
		if (stats_requested) {
			stats_requested = 0;
			print_stats(st);
		}
		if (st->next_stats && now >= st->next_stats) {
			emit_stats(st);
			st->next_stats = now + st->cur->stats_interval;
		}
		run_notify_tick(&st->notify, now);
		if (sensor_ctx_get_deadline(st->ctx, &d) < 0 || end < d)
			d = end;
		if (next_slice < d)
			d = next_slice;
		if (st->next_stats && st->next_stats < d)
			d = st->next_stats;
		if (run_notify_max_sleep(&st->notify) < d - now && d > now)
			d = now + run_notify_max_sleep(&st->notify);
		if (d <= now)
			ms = 0;
		else
			ms = (int)((d - now + 999999u) / 1000000u); /* <= SLICE_NS */
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return -errno;
		r = sensor_ctx_process(st->ctx, 0);
		if (r < 0)
			return r;
		if (mono_now() >= next_slice) {
			run_baseline_tick(&st->o->rb, st->ctx);
			metrics_publish(st->out->metrics, st->ctx, st->srcs, st->nsrc, &st->o->rb);
			next_slice = mono_now() + SLICE_NS;
		}
		json_lines_flush(&st->out->jl);
		if (st->out->jl.err || st->o->rb.err)
			return 0; /* a failing sink stops the run; its error is reported at stop */
	}
}

/* "proc audit ..." for the service manager's status line. */
static void sources_status(sensor_source **srcs, int nsrc, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "running: %d sources:", nsrc);

	for (int i = 0; i < nsrc && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, " %s",
				      sensor_source_type_name(sensor_source_get_type(srcs[i])));
}

int cmd_run(int argc, char **argv)
{
	struct sensor_ctx_opts copts = { .sz = sizeof(copts), .log_fn = log_stderr,
					 .log_level = SENSOR_LOG_WARNING };
	sensor_source *srcs[SENSOR__SOURCE_MAX + 1];
	struct run_out out = { 0 };
	struct run_opts opts, *o = &opts;
	struct run_state st = { .argc = argc, .argv = argv, .o = &opts, .cur = &opts,
				.out = &out, .srcs = srcs };
	struct sigaction sa = { .sa_handler = on_signal };
	sensor_ctx *ctx = NULL;
	int nsrc = 0, r, code = EXIT_OK, last_err = 0;
	bool net_started = false, agent_up = false, asked;
	char status[200], why[256];

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* a reader that goes away is a failing sink (EPIPE): stop cleanly, write what is pending */
	signal(SIGPIPE, SIG_IGN);
	run_notify_init(&st.notify);
	code = run_opts_parse(o, argc, argv, NULL);
	if (code != EXIT_OK || o->help)
		goto done;
	out.net = o->net;
	r = json_lines_open(&out.jl, o->events_path, true);
	if (r < 0) {
		die_msg("run", "cannot open '%s': %s", o->events_path, out_strerror(r));
		code = EXIT_FAIL;
		goto done;
	}
	out.jl.ocsf_host = o->rb.ocsf_host;
	out.jl.filter = &o->rb.filter;
	/* a person at a terminal gets lines, a pipe or file gets JSON (unless --format) */
	if (o->rb.format == FORMAT_HUMAN || (!o->rb.format_set && out.jl.f == stdout && isatty(1) == 1)) {
		out.jl.human = true;
		out.jl.color = human_color(stdout);
	}
	if (!o->rb.format_set && (!o->rb.alerts || strcmp(o->rb.alerts, "-") == 0) && isatty(1) == 1)
		o->rb.human = true;
	o->rb.color = o->rb.human && (!o->rb.alerts || strcmp(o->rb.alerts, "-") == 0) && human_color(stdout);

	copts.oci_state_roots = o->roots;
	r = sensor_ctx_new(&copts, &ctx);
	if (r < 0) {
		die_msg("run", "cannot create the sensor: %s", strerror(-r));
		code = exit_code_for(r);
		goto done;
	}
	st.ctx = ctx;
	sensor_ctx_set_event_cb(ctx, on_event, &out);
	out.rb = &o->rb;
	if (o->metrics_addr) {
		char err[300];

		r = metrics_open(&out.metrics, o->metrics_addr, err, sizeof(err));
		if (r < 0) {
			die_msg("run", "--metrics %s", err);
			code = r == -EOPNOTSUPP ? EXIT_NOFEATURE : r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
			goto done;
		}
		o->rb.metrics = out.metrics;
	}
	r = run_baseline_start(&o->rb, ctx);
	if (r != 0) {
		code = r;
		goto done;
	}
	if (o->rb.mode && strcmp(o->rb.mode, "enforce") == 0) {
		out.settle_syscalls = true;
		if (o->rb.fail == 2)
			o->seccomp.flags |= SENSOR_SECCOMP_FAIL_CLOSED;
	}
	/*
	 * fanotify last: once its permission group holds execs, a source that
	 * runs a tool at start (iptables for NFQUEUE and tracking rules) would
	 * wait on an exec that only this, blocked, process can allow.
	 */
	for (int i = 1; i <= SENSOR__SOURCE_MAX; i++) {
		int t = i == SENSOR__SOURCE_MAX ? SENSOR_SOURCE_FANOTIFY
			: i == SENSOR_SOURCE_FANOTIFY ? SENSOR_SOURCE_NONE : i;

		if (t == SENSOR_SOURCE_NONE || t == SENSOR_SOURCE_INJECT || (o->explicit_src && !o->want[t]))
			continue;
		if (t == SENSOR_SOURCE_FANOTIFY && run_net_active(o->net)) {
			r = run_net_start(o->net, ctx, &srcs[nsrc]);
			if (r < 0) {
				die_msg("run", "--deny-peer needs the nfqueue source: %s", strerror(-r));
				code = exit_code_for(r);
				goto done;
			}
			nsrc++;
			net_started = true;
		}
		if (!o->explicit_src && sensor_source_type_compiled((enum sensor_source_type)t) != 1)
			continue;
		/* nfqueue holds traffic: only when named (or below, with --deny-peer's own queue) */
		if (t == SENSOR_SOURCE_NFQUEUE && (run_net_active(o->net) || !o->explicit_src))
			continue;
		/* --watch and --deny-exec ask for fanotify: its failure is the run's, in one line */
		asked = o->explicit_src || (t == SENSOR_SOURCE_FANOTIFY && o->fan_opts);
		if (asked)
			log_stderr_capture(why, sizeof(why));
		r = sensor_source_add(ctx, (enum sensor_source_type)t,
				      t == SENSOR_SOURCE_FANOTIFY    ? (const void *)o->fan_opts
				      : t == SENSOR_SOURCE_CONNTRACK ? run_net_conntrack_opts(o->net)
				      : t == SENSOR_SOURCE_AUDIT     ? (const void *)run_opts_audit(o)
				      : t == SENSOR_SOURCE_SECCOMP   ? (const void *)&o->seccomp
								     : NULL,
				      &srcs[nsrc]);
		log_stderr_capture(NULL, 0);
		if (r < 0) {
			const char *name = sensor_source_type_name((enum sensor_source_type)t);

			last_err = r;
			if (asked && why[0] && r != -EOPNOTSUPP && r != -EPERM && r != -EACCES) {
				die_msg("run", "%s", why); /* the source's own reason, e.g. the path it cannot watch */
				code = exit_code_for(r);
				goto done;
			}
			if (asked) {
				die_msg("run", "source %s: %s%s", name, strerror(-r),
					r == -EPERM || r == -EACCES ? " (run as root)" :
					r == -EOPNOTSUPP ? " (not in this build or kernel; see 'rtsensor doctor')" : "");
				code = exit_code_for(r);
				goto done;
			}
			fprintf(stderr, "rtsensor: run: skipping source %s: %s\n", name, strerror(-r));
			continue;
		}
		if (t == SENSOR_SOURCE_SECCOMP && o->seccomp_socket) {
			r = sensor_seccomp_add_agent(srcs[nsrc], o->seccomp_socket, 0);
			if (r < 0) {
				die_msg("run", "--seccomp-socket '%s': %s", o->seccomp_socket,
					strerror(-r));
				code = exit_code_for(r);
				nsrc++; /* removed with the context */
				goto done;
			}
			agent_up = true;
		}
		nsrc++;
	}
	if (o->seccomp_socket && !agent_up) {
		die_msg("run", "--seccomp-socket needs the seccomp source, which did not start%s",
			last_err ? "" : " (not named with --source)");
		code = last_err ? exit_code_for(last_err) : EXIT_USAGE;
		goto done;
	}
	if (run_net_active(o->net) && !net_started) {
		r = run_net_start(o->net, ctx, &srcs[nsrc]);
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

	/*
	 * Set up: from here on keep only what the running sources still use
	 * (and need at stop to remove what they installed), and never gain
	 * more (no_new_privs; iptables at stop runs with this set too).
	 */
	{
		uint64_t keep = privs_for_sources(srcs, nsrc);

		/* enforcement adds what it holds while it runs: fanotify marks on each
		 * container's mounts, NFQUEUE queues (iptables) in each container's
		 * netns (docs/enforce.md) */
		if (o->rb.mode && (strcmp(o->rb.mode, "enforce") == 0 || o->rb.learn_held)) {
			static const enum sensor_source_type held[] = { SENSOR_SOURCE_FANOTIFY,
									SENSOR_SOURCE_NFQUEUE };

			keep |= privs_for_types(held, 2);
		}
		r = privs_drop(keep);
	}
	if (r < 0)
		die_msg("run", "warning: cannot drop capabilities: %s", strerror(-r));
	st.nsrc = nsrc;
	/* the sensor's own status events (stats, reload): no fd, no kernel */
	r = sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &st.inject);
	if (r < 0) {
		die_msg("run", "cannot add the status source: %s", strerror(-r));
		code = exit_code_for(r);
		goto done;
	}
	if (o->stats_interval)
		st.next_stats = mono_now() + o->stats_interval;

	metrics_publish(out.metrics, ctx, srcs, nsrc, &o->rb);
	signal_ctx = ctx;
	sources_status(srcs, nsrc, status, sizeof(status));
	run_notify_ready(&st.notify, status); /* every source is up */
	r = run_loop(&st, o->duration);
	signal_ctx = NULL;
	run_notify_stopping(&st.notify);
	if (r < 0) {
		die_msg("run", "event loop failed: %s", strerror(-r));
		code = EXIT_FAIL;
	}

	if (o->stats) {
		/* the last alert aggregates go to the sinks first, so that the counters
		 * printed (syslog sent, alerts) include them */
		if (o->rb.b)
			sensor_baseline_flush_alerts(o->rb.b, 0);
		print_stats(&st);
	}
done:
	r = run_baseline_stop(&o->rb); /* before the context: a last flush */
	if (r != EXIT_OK && code == EXIT_OK)
		code = r;
	sensor_ctx_free(ctx); /* removes every rule, mark and queue the sources installed */
	r = json_lines_close(&out.jl);
	if (r < 0 && code == EXIT_OK) {
		die_msg("run", "writing events failed: %s%s", strerror(-r),
			r == -EPIPE ? " (the reader went away): stopped, everything installed removed" : "");
		code = EXIT_FAIL;
	}
	if (st.cur != st.o) {
		run_opts_free(st.cur);
		free(st.cur);
	}
	run_opts_free(o);
	metrics_close(out.metrics);
	return code;
}
