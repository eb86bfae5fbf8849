/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor run --mode learn|monitor --db PATH --alerts FILE|-: baseline and alert sink. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "falco.h"
#include "metrics.h"
#include "ocsf.h"
#include "run-baseline.h"
#include "safe-open.h"

/* A decimal count in 1..UINT32_MAX. */
static int parse_count(const char *s, uint32_t *ret)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	if (!v)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

int run_baseline_opt(struct run_baseline *rb, int c, const char *arg)
{
	switch (c) {
	case 0x10b:
		if (parse_count(arg, &rb->alert_rate) < 0) {
			die_msg("run", "--alert-rate wants a number of alerts > 0, got '%s'", arg);
			return -EINVAL;
		}
		return 1;
	case 0x100:
		if (strcmp(arg, "learn") != 0 && strcmp(arg, "monitor") != 0 &&
		    strcmp(arg, "enforce") != 0) {
			die_msg("run", "--mode wants learn, monitor or enforce, got '%s'", arg);
			return -EINVAL;
		}
		rb->mode = arg;
		return 1;
	case 0x101:
		rb->db = arg;
		return 1;
	case 0x102:
		rb->alerts = arg;
		return 1;
	case 0x103:
		rb->rules = arg;
		return 1;
	case 0x10f:
		rb->no_default_rules = true;
		return 1;
	case 0x106:
		rb->syslog = arg;
		return 1;
	case 0x108:
		rb->journal = true;
		return 1;
	case 0x120:
		rb->dry_run = true;
		return 1;
	case 0x122:
		rb->learn_held = true;
		return 1;
	case 0x121:
		if (strcmp(arg, "open") != 0 && strcmp(arg, "closed") != 0) {
			die_msg("run", "--fail wants open or closed, got '%s'", arg);
			return -EINVAL;
		}
		rb->fail = strcmp(arg, "open") == 0 ? 1 : 2;
		return 1;
	case 0x109:
		rb->http = arg;
		return 1;
	case 0x10a: {
		char list[256], *save = NULL, *k;

		if (strlen(arg) >= sizeof(list)) {
			die_msg("run", "--syslog-events: too long");
			return -EINVAL;
		}
		memcpy(list, arg, strlen(arg) + 1);
		for (k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
			int kind = 0;

			if (strcmp(k, "all") == 0) {
				rb->syslog_kinds = ~1u;
				continue;
			}
			for (int i = 1; i < SENSOR__KIND_MAX; i++)
				if (strcmp(k, sensor_kind_name((enum sensor_kind)i)) == 0)
					kind = i;
			if (!kind) {
				die_msg("run", "--syslog-events: unknown kind '%s' (exec, exit, file, net, "
					"syscall, loss, status or all)", k);
				return -EINVAL;
			}
			rb->syslog_kinds |= 1u << kind;
		}
		return 1;
	}
	case 0x10e:
		if (out_filter_kinds(&rb->filter, arg) < 0) {
			die_msg("run", "--kind wants exec, exit, file, net, syscall, loss or status, "
				"comma-separated, got '%s'", arg);
			return -EINVAL;
		}
		return 1;
	case 0x10c:
		rb->filter.workload = arg;
		return 1;
	case 0x10d:
		if (out_filter_severity(&rb->filter, arg) < 0) {
			die_msg("run", "--min-severity wants info, low, medium, high or critical, got '%s'",
				arg);
			return -EINVAL;
		}
		return 1;
	case 0x107:
		rb->format_set = true;
		rb->human = false;
		rb->ocsf_host = NULL;
		if (gethostname(rb->host, sizeof(rb->host) - 1) < 0)
			rb->host[0] = '\0';
		if (strcmp(arg, "json") == 0) {
			rb->format = FORMAT_JSON;
		} else if (strcmp(arg, "ocsf") == 0) {
			rb->format = FORMAT_OCSF;
			rb->ocsf_host = rb->host;
		} else if (strcmp(arg, "falco") == 0) {
			rb->format = FORMAT_FALCO;
		} else if (strcmp(arg, "human") == 0) {
			rb->format = FORMAT_HUMAN;
			rb->human = true;
		} else {
			die_msg("run", "--format wants json, ocsf, falco or human, got '%s'", arg);
			return -EINVAL;
		}
		return 1;
	case 0x104:
	case 0x105:
		if (parse_seconds(arg, c == 0x104 ? &rb->learn_min : &rb->learn_stable) < 0 ||
		    (c == 0x104 ? rb->learn_min : rb->learn_stable) == 0) {
			die_msg("run", "%s wants seconds > 0, got '%s'",
				c == 0x104 ? "--learn-min" : "--learn-stable", arg);
			return -EINVAL;
		}
		return 1;
	default:
		return 0;
	}
}

static void on_alert(sensor_baseline *b, const sensor_alert *a, void *ud)
{
	struct run_baseline *rb = ud;
	const char *json = sensor_alert_json(a);

	char *ocsf = NULL;

	(void)b;
	metrics_count_alert(rb->metrics, json);
	if (rb->format == FORMAT_OCSF || rb->format == FORMAT_FALCO) {
		if (!rb->host[0] && gethostname(rb->host, sizeof(rb->host) - 1) < 0)
			rb->host[0] = '\0';
		ocsf = rb->format == FORMAT_OCSF ? ocsf_line(json, strlen(json), rb->host)
						 : falco_line(json, strlen(json), rb->host);
		if (!ocsf) {
			rb->err = -ENOMEM;
			return;
		}
		json = ocsf;
	}
	if (rb->hs) /* a full queue is counted; run_baseline_tick() reports it */
		http_sink_post(rb->hs, json, strlen(json));
	if (rb->sl_open) /* failures are counted and reported at stop */
		syslog_sink_send(&rb->sl, a, json);
	if (rb->err || !out_filter_alert(&rb->filter, sensor_alert_json(a))) {
		free(ocsf);
		return;
	}
	if (rb->lw) {
		/* The file: queued for its writer thread, which writes and flushes
		 * it at once; a filesystem stall never holds up the loop. A full
		 * queue is counted (run_baseline_tick() makes it a loss event). */
		char line[2048];
		size_t n = rb->human ? human_alert(sensor_alert_json(a), false, line, sizeof(line)) : 0;
		int r;

		if (rb->human && n && line[n - 1] == '\n')
			n--; /* the writer ends each line */
		r = rb->human ? line_writer_put(rb->lw, line, n) : line_writer_put(rb->lw, json, strlen(json));

		if (r == 0)
			rb->alerts_written++;
		else if (r != -ENOBUFS && r != -ENOMEM)
			rb->err = r; /* the file failed: the run stops (cmd-run.c) */
	} else if (rb->out) {
		/* stdout: written and flushed before the event's dispatch ends (the
		 * events may share it: one thread keeps the lines in order) */
		char line[2048];
		size_t n = rb->human ? human_alert(sensor_alert_json(a), rb->color, line, sizeof(line)) : 0;

		if ((rb->human ? fwrite(line, 1, n, rb->out) != n
			       : (fputs(json, rb->out) == EOF || fputc('\n', rb->out) == EOF)) ||
		    fflush(rb->out) == EOF)
			rb->err = errno ? -errno : -EIO; /* the run stops (cmd-run.c) */
		else
			rb->alerts_written++;
	}
	free(ocsf);
}

int run_baseline_check(const struct run_baseline *rb)
{
	if (rb->syslog_kinds && !rb->syslog) {
		die_msg("run", "--syslog-events needs --syslog TARGET");
		return EXIT_USAGE;
	}
	if (!rb->mode) {
		if (rb->db || rb->alerts || rb->rules || rb->rules_dir || rb->no_default_rules ||
		    (rb->syslog && !rb->syslog_kinds) || rb->journal || rb->learn_min ||
		    rb->learn_stable || rb->http || rb->alert_rate || rb->dry_run || rb->fail ||
		    rb->learn_held) {
			die_msg("run", "--db, --alerts, --alert-rate, --syslog (without --syslog-events), "
				"--http, --journal, --rules, --rules-dir, --no-default-rules, --learn-*, "
				"--dry-run and --fail "
				"need --mode "
				"learn|monitor|enforce");
			return EXIT_USAGE;
		}
		return 0;
	}
	if (rb->journal && !rb->db) {
		die_msg("run", "--journal needs --db: the journal lives in the database");
		return EXIT_USAGE;
	}
	return 0;
}

int run_baseline_start(struct run_baseline *rb, sensor_ctx *ctx)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o) };
	int r;

	r = run_baseline_check(rb);
	if (r != 0)
		return r;
	if (!rb->mode) {
		if (rb->syslog) {
			char err[400];

			if (syslog_sink_open(&rb->sl, rb->syslog, err, sizeof(err)) < 0) {
				die_msg("run", "--syslog %s", err);
				return EXIT_USAGE;
			}
			rb->sl_open = true;
		}
		return 0;
	}
	if ((rb->dry_run || rb->fail) && strcmp(rb->mode, "enforce") != 0) {
		die_msg("run", "--dry-run and --fail need --mode enforce");
		return EXIT_USAGE;
	}
	if (!rb->alerts || strcmp(rb->alerts, "-") == 0) {
		rb->out = stdout;
	} else {
		FILE *f;

		r = 0;
		f = out_fopen(rb->alerts, true, &r);
		if (!f) {
			die_msg("run", "cannot open '%s': %s", rb->alerts, out_strerror(r));
			return EXIT_FAIL;
		}
		r = line_writer_open(&rb->lw, f, 0);
		if (r < 0) {
			fclose(f);
			die_msg("run", "cannot start the writer of '%s': %s", rb->alerts, strerror(-r));
			return EXIT_FAIL;
		}
	}
	if (rb->syslog) {
		char err[400];

		if (syslog_sink_open(&rb->sl, rb->syslog, err, sizeof(err)) < 0) {
			die_msg("run", "--syslog %s", err);
			return EXIT_USAGE;
		}
		rb->sl_open = true;
	}
	if (rb->http) {
		char err[400];

		r = http_sink_open(&rb->hs, rb->http, 0, err, sizeof(err));
		if (r == -EOPNOTSUPP) {
			die_msg("run", "--http: this build has no libcurl");
			return EXIT_NOFEATURE;
		}
		if (r < 0) {
			die_msg("run", "--http %s", r == -EINVAL ? err : strerror(-r));
			return r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
		}
	}
	if (rb->journal)
		o.flags |= SENSOR_BASELINE_JOURNAL;
	if (rb->no_default_rules)
		o.flags |= SENSOR_BASELINE_NO_DEFAULT_RULES;
	if (rb->event_time)
		o.flags |= SENSOR_BASELINE_EVENT_TIME;
	o.mode = strcmp(rb->mode, "monitor") == 0   ? SENSOR_BASELINE_MONITOR
		 : strcmp(rb->mode, "enforce") == 0 ? SENSOR_BASELINE_ENFORCE
						     : SENSOR_BASELINE_LEARN;
	o.db_path = rb->db;
	o.rules_path = rb->rules;
	o.rules_dir = rb->rules_dir;
	o.min_learn_ns = rb->learn_min;
	o.stable_ns = rb->learn_stable;
	o.rate_limit = rb->alert_rate;
	o.enforce_flags = (rb->dry_run ? SENSOR_ENFORCE_DRY_RUN : 0) |
			  (rb->fail == 2 ? SENSOR_ENFORCE_FAIL_CLOSED : 0) |
			  (rb->learn_held ? SENSOR_ENFORCE_LEARN_HELD : 0);
	o.alert_fn = on_alert;
	o.alert_userdata = rb;
	if (rb->rules || rb->rules_dir || rb->no_default_rules) {
		/* a rules file that does not load: one line, "FILE: line N, column M: reason"
		 * (the attach would log it and fail with a second line) */
		char err[512] = "";
		struct sensor_rules_opts ro = { .sz = sizeof(ro), .path = rb->rules,
						.dir = rb->rules_dir, .err = err,
						.errlen = sizeof(err),
						.flags = rb->no_default_rules ? SENSOR_RULES_NO_DEFAULTS
									      : 0 };

		r = sensor_rules_check(&ro);
		if (r < 0) {
			die_msg("run", "rules: %s", err[0] ? err : strerror(-r));
			return exit_code_for(r); /* the sensor cannot start: 1, as the attach gave */
		}
	}
	r = sensor_baseline_attach(ctx, &o, &rb->b);
	if (r < 0) {
		if (rb->db && (r == -ELOOP || r == -EPERM || r == -EMEDIUMTYPE))
			die_msg("run", "database '%s' %s", rb->db, store_strerror(r));
		else
			die_msg("run", "cannot start the baseline: %s%s", strerror(-r),
				r == -EOPNOTSUPP ? " (this build has no SQLite store)" : "");
		return exit_code_for(r);
	}
	return 0;
}

/* One loss event of the inject source: what a sink could not deliver. */
static void emit_loss(struct run_baseline *rb, sensor_ctx *ctx, const char *sink, uint64_t count,
		      const char *detail)
{
	sensor_event *ev;

	if (!rb->loss_src && sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &rb->loss_src) < 0)
		return;
	if (sensor_inject_new(rb->loss_src, SENSOR_KIND_LOSS, &ev) < 0)
		return;
	sensor_event_set_str(ev, SENSOR_FIELD_LOSS_SOURCE, sink);
	sensor_event_set_int(ev, SENSOR_FIELD_LOSS_COUNT, (int64_t)count);
	sensor_event_set_str(ev, SENSOR_FIELD_LOSS_DETAIL, detail);
	if (rb->host[0] || gethostname(rb->host, sizeof(rb->host) - 1) == 0)
		sensor_event_set_str(ev, SENSOR_FIELD_HOST_NAME, rb->host);
	sensor_inject_emit(rb->loss_src, ev);
}

void run_baseline_event(struct run_baseline *rb, const sensor_event *ev)
{
	int n;

	if (!rb->sl_open || !(rb->syslog_kinds & (1u << sensor_event_kind(ev))))
		return;
	n = sensor_event_to_json(ev, rb->evbuf, rb->evcap);
	if (n >= 0 && (size_t)n >= rb->evcap) {
		char *b = realloc(rb->evbuf, (size_t)n + 1);

		if (!b)
			return;
		rb->evbuf = b;
		rb->evcap = (size_t)n + 1;
		n = sensor_event_to_json(ev, rb->evbuf, rb->evcap);
	}
	if (n < 0)
		return;
	if (rb->format == FORMAT_OCSF) {
		char *o = ocsf_line(rb->evbuf, (size_t)n, rb->host);

		if (o)
			syslog_sink_send_event(&rb->sl, ev, o);
		free(o);
		return;
	}
	syslog_sink_send_event(&rb->sl, ev, rb->evbuf);
}

void run_baseline_tick(struct run_baseline *rb, sensor_ctx *ctx)
{
	struct http_sink_stats st;
	uint64_t lost;

	if (rb->lw) {
		struct line_writer_stats ls;

		line_writer_get_stats(rb->lw, &ls);
		if (ls.err && !rb->err)
			rb->err = ls.err; /* the run stops (cmd-run.c) */
		if (ls.dropped > rb->file_lost_reported) {
			char detail[400];

			snprintf(detail, sizeof(detail), "alerts not written to %s (queue full)",
				 rb->alerts);
			emit_loss(rb, ctx, "alerts-file", ls.dropped - rb->file_lost_reported, detail);
			rb->file_lost_reported = ls.dropped;
		}
	}
	if (rb->sl_open) {
		syslog_sink_flush(&rb->sl);
		if (rb->sl.failed > rb->syslog_lost_reported) {
			char detail[400];

			snprintf(detail, sizeof(detail), "messages not delivered to syslog %s (%s)",
				 rb->sl.target, strerror(-rb->sl.last_err));
			emit_loss(rb, ctx, "syslog", rb->sl.failed - rb->syslog_lost_reported, detail);
			rb->syslog_lost_reported = rb->sl.failed;
		}
	}
	if (!rb->hs)
		return;
	http_sink_get_stats(rb->hs, &st);
	lost = st.dropped + st.rejected;
	if (lost > rb->http_lost_reported) {
		char detail[300];

		snprintf(detail, sizeof(detail), "alerts not delivered to %s (%s)", rb->http,
			 st.dropped > 0 ? "queue full" : st.last_err);
		emit_loss(rb, ctx, "http", lost - rb->http_lost_reported, detail);
		rb->http_lost_reported = lost;
	}
}

int run_baseline_reload(struct run_baseline *rb, const char *alerts, const char *rules,
			const char *rules_dir, bool no_default_rules)
{
	struct sensor_rules_opts ro = { .sz = sizeof(ro), .path = rules, .dir = rules_dir,
					.flags = no_default_rules ? SENSOR_RULES_NO_DEFAULTS : 0 };
	char err[512] = "";
	int r;

	if (!rb->b)
		return 0;
	ro.err = err;
	ro.errlen = sizeof(err);
	/* pending aggregates and the store, before the file moves */
	r = sensor_baseline_flush_alerts(rb->b, 0);
	if (r < 0)
		die_msg("run", "reload: baseline flush failed: %s", strerror(-r));
	if (rb->lw) {
		/* what was queued (the aggregates above too) goes to the old file first */
		FILE *f = alerts && strcmp(alerts, "-") != 0 ? fopen(alerts, "ae") : stdout;

		if (!f) {
			die_msg("run", "reload: cannot open '%s': %s (alerts keep going to the old file)",
				alerts, strerror(errno));
		} else if (f == stdout) {
			struct line_writer_stats ls;

			r = line_writer_close(rb->lw, &ls);
			rb->lw = NULL;
			rb->file_lost_reported = 0;
			if (r < 0 && !rb->err)
				rb->err = r;
			rb->out = stdout;
			rb->alerts = alerts;
		} else {
			r = line_writer_reopen(rb->lw, f);
			if (r < 0 && !rb->err)
				rb->err = r;
			rb->alerts = alerts;
		}
	}
	r = sensor_baseline_set_rules(rb->b, &ro); /* a failure is logged by the library */
	if (r >= 0) {
		rb->rules = rules;
		rb->rules_dir = rules_dir;
		rb->no_default_rules = no_default_rules;
	}
	return r;
}

int run_baseline_stop(struct run_baseline *rb)
{
	int code = EXIT_OK;

	if (rb->b) {
		struct sensor_baseline_stats st = { .sz = sizeof(st) };

		sensor_baseline_get_stats(rb->b, &st);
		if (st.flush_errors) {
			die_msg("run", "%llu baseline flushes failed", (unsigned long long)st.flush_errors);
			code = EXIT_FAIL;
		}
		rb->b = sensor_baseline_free(rb->b); /* flushes a last time */
	}
	if (rb->lw) {
		/* every queued line (the last aggregates too) is written before we go */
		struct line_writer_stats ls;
		int r = line_writer_close(rb->lw, &ls);

		rb->lw = NULL;
		if (r < 0 && !rb->err)
			rb->err = r;
		if (ls.dropped) {
			die_msg("run", "%s: %llu of %llu alerts not written (queue full)", rb->alerts,
				(unsigned long long)ls.dropped,
				(unsigned long long)(ls.queued + ls.dropped));
			code = EXIT_FAIL;
		}
	}
	if (rb->err) {
		die_msg("run", "writing alerts failed: %s", strerror(-rb->err));
		code = EXIT_FAIL;
	}
	if (rb->sl_open) {
		/* at most 2 s more for a collector that is away */
		syslog_sink_close(&rb->sl, 2000000000u);
		if (rb->sl.alerts_failed) {
			die_msg("run", "syslog %s: %llu of %llu alerts not delivered (last: %s)",
				rb->sl.target, (unsigned long long)rb->sl.alerts_failed,
				(unsigned long long)(rb->sl.alerts_failed + rb->sl.alerts_sent),
				strerror(-rb->sl.last_err));
			code = EXIT_FAIL;
		}
		if (rb->sl.events_failed) {
			die_msg("run", "syslog %s: %llu of %llu events not delivered (last: %s)",
				rb->sl.target, (unsigned long long)rb->sl.events_failed,
				(unsigned long long)(rb->sl.events_failed + rb->sl.events_sent),
				strerror(-rb->sl.last_err));
			code = EXIT_FAIL;
		}
		rb->sl_open = false;
	}
	free(rb->evbuf);
	rb->evbuf = NULL;
	if (rb->hs) {
		struct http_sink_stats st;
		uint64_t lost;

		/* deliver what is queued: at most 5 s more for a receiver that is away */
		http_sink_close(rb->hs, 5000000000u, &st);
		rb->hs = NULL;
		lost = st.dropped + st.rejected + st.abandoned;
		if (lost) {
			die_msg("run", "http %s: %llu of %llu alerts not delivered (last: %s)", rb->http,
				(unsigned long long)lost, (unsigned long long)(st.queued + st.dropped),
				st.last_err[0] ? st.last_err : "queue full");
			code = EXIT_FAIL;
		}
	}
	rb->out = NULL;
	return code;
}
