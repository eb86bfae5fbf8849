/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor run --mode learn|monitor --db PATH --alerts FILE|-: baseline and alert sink. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "ocsf.h"
#include "run-baseline.h"
#include "safe-open.h"

int run_baseline_opt(struct run_baseline *rb, int c, const char *arg)
{
	switch (c) {
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
	case 0x106:
		rb->syslog = arg;
		return 1;
	case 0x108:
		rb->journal = true;
		return 1;
	case 0x107:
		if (strcmp(arg, "json") == 0) {
			rb->ocsf_host = NULL;
			return 1;
		}
		if (strcmp(arg, "ocsf") != 0) {
			die_msg("run", "--format wants json or ocsf, got '%s'", arg);
			return -EINVAL;
		}
		if (gethostname(rb->host, sizeof(rb->host) - 1) < 0)
			rb->host[0] = '\0';
		rb->ocsf_host = rb->host;
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
	if (rb->ocsf_host) {
		ocsf = ocsf_line(json, strlen(json), rb->ocsf_host);
		if (!ocsf) {
			rb->err = -ENOMEM;
			return;
		}
		json = ocsf;
	}
	if (rb->sl_open) /* failures are counted and reported at stop */
		syslog_sink_send(&rb->sl, a, json);
	if (!rb->err && rb->out) {
		if (fputs(json, rb->out) == EOF || fputc('\n', rb->out) == EOF)
			rb->err = -errno;
		else
			rb->alerts_written++;
		if (rb->out == stdout || rb->out == stderr)
			fflush(rb->out);
	}
	free(ocsf);
}

int run_baseline_start(struct run_baseline *rb, sensor_ctx *ctx)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o) };
	int r;

	if (!rb->mode) {
		if (rb->db || rb->alerts || rb->rules || rb->syslog || rb->journal || rb->learn_min ||
		    rb->learn_stable) {
			die_msg("run", "--db, --alerts, --syslog, --journal, --rules and --learn-* need "
				"--mode learn|monitor|enforce");
			return EXIT_USAGE;
		}
		return 0;
	}
	if (rb->journal && !rb->db) {
		die_msg("run", "--journal needs --db: the journal lives in the database");
		return EXIT_USAGE;
	}
	if (!rb->alerts || strcmp(rb->alerts, "-") == 0) {
		rb->out = stdout;
	} else {
		int r = 0;

		rb->out = out_fopen(rb->alerts, true, &r);
		if (!rb->out) {
			die_msg("run", "cannot open '%s': %s", rb->alerts, out_strerror(r));
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
	if (rb->journal)
		o.flags |= SENSOR_BASELINE_JOURNAL;
	if (rb->event_time)
		o.flags |= SENSOR_BASELINE_EVENT_TIME;
	o.mode = strcmp(rb->mode, "monitor") == 0   ? SENSOR_BASELINE_MONITOR
		 : strcmp(rb->mode, "enforce") == 0 ? SENSOR_BASELINE_ENFORCE
						     : SENSOR_BASELINE_LEARN;
	o.db_path = rb->db;
	o.rules_path = rb->rules;
	o.min_learn_ns = rb->learn_min;
	o.stable_ns = rb->learn_stable;
	o.alert_fn = on_alert;
	o.alert_userdata = rb;
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
	if (rb->err) {
		die_msg("run", "writing alerts failed: %s", strerror(-rb->err));
		code = EXIT_FAIL;
	}
	if (rb->sl_open) {
		if (rb->sl.failed) {
			die_msg("run", "syslog %s: %llu of %llu alerts not delivered (last: %s)",
				rb->sl.target, (unsigned long long)rb->sl.failed,
				(unsigned long long)(rb->sl.failed + rb->sl.sent),
				strerror(-rb->sl.last_err));
			code = EXIT_FAIL;
		}
		syslog_sink_close(&rb->sl);
		rb->sl_open = false;
	}
	if (rb->out && rb->out != stdout && fclose(rb->out) != 0 && code == EXIT_OK) {
		die_msg("run", "writing alerts failed: %s", strerror(errno));
		code = EXIT_FAIL;
	}
	rb->out = NULL;
	return code;
}
