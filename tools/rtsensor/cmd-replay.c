/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor replay: recorded audit logs -> the events live mode would emit, as JSON lines. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json-lines.h"
#include "run-baseline.h"
#include "rtsensor.h"
#include "safe-open.h"

static void on_event(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	(void)ctx;
	json_lines_event(ud, ev);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtsensor replay --audit FILE|- [OPTIONS]\n"
		"       rtsensor replay --json FILE|- [OPTIONS]\n\n"
		"Feed a recorded audit log (audit.log lines, with or without node=, or\n"
		"netlink payloads prefixed by type=) through the audit source's parser,\n"
		"reassembler and normaliser, and write the events live mode would emit\n"
		"as JSON lines (no /proc enrichment: the processes are gone). Or feed\n"
		"recorded event JSON lines (rtsensor run --events) back through the\n"
		"pipeline, e.g. to learn a baseline from them.\n\n"
		"Options:\n"
		"  -a, --audit FILE|-    the audit log to replay, '-' for stdin\n"
		"  -j, --json FILE|-     the event JSON lines to replay; a line that is not an\n"
		"                        event is named on stderr and makes the exit status 1\n"
		"  -e, --events FILE|-   write events to FILE, '-' for stdout (default)\n"
		"  -t, --timeout SECS    complete events without EOE after SECS of log time\n"
		"                        (default: at EOE, when too many are open, or at the end)\n"
		"      --stats           print counters as JSON to stderr at the end\n"
		"With --mode the replayed events feed the baseline on their own clock (the\n"
		"log's times), and alerts are written; events then only with --events.\n"
		RUN_BASELINE_HELP
		"  -h, --help            show this help\n");
}

/*
 * --json: recorded event lines (rtsensor run --events) back through the
 * pipeline. A bad line is named and skipped; any makes the exit status 1.
 */
/* The longest event line taken (the library's own bound); longer ones are skipped while read. */
#define JSON_LINE_MAX (1u << 20)

/*
 * The next line into line (cap >= JSON_LINE_MAX + 2), without its end.
 * Returns its length, -1 at the end, -2 for a line longer than
 * JSON_LINE_MAX, whose bytes were read and dropped without being kept.
 */
static ssize_t read_line(FILE *f, char *line, size_t cap)
{
	size_t n;

	if (!fgets(line, (int)cap, f))
		return -1;
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		return (ssize_t)n - 1;
	if (n < JSON_LINE_MAX + 1)
		return (ssize_t)n; /* the last line, without a newline (or a NUL inside: rejected later) */
	for (;;) { /* too long: drop the rest of it in bounded pieces */
		if (!fgets(line, (int)cap, f))
			return -2;
		n = strlen(line);
		if (n && line[n - 1] == '\n')
			return -2;
	}
}

static int feed_json(sensor_source *src, int *fd, const char *path, struct run_baseline *rb)
{
	FILE *f = *fd == STDIN_FILENO ? stdin : fdopen(*fd, "r");
	char *line = malloc(JSON_LINE_MAX + 2), err[256];
	ssize_t n;
	unsigned long lineno = 0, bad = 0;
	int rc = EXIT_OK;

	if (!f || !line) {
		die_msg("replay", "%s: %s", path, strerror(line ? errno : ENOMEM));
		free(line);
		return EXIT_FAIL;
	}
	while ((n = read_line(f, line, JSON_LINE_MAX + 2)) != -1) {
		sensor_event *ev;
		int r;

		lineno++;
		if (n == -2) {
			if (bad++ < 20)
				die_msg("replay", "%s:%lu: line longer than %u bytes: skipped", path,
					lineno, JSON_LINE_MAX);
			continue;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		r = sensor_inject_from_json(src, line, (size_t)n, &ev, err, sizeof(err));
		if (r < 0) {
			if (bad++ < 20)
				die_msg("replay", "%s:%lu: %s", path, lineno,
					r == -EBADMSG || r == -E2BIG ? err : strerror(-r));
			continue;
		}
		sensor_inject_emit(src, ev);
		/* no event loop runs while we feed: flush the baseline now and then */
		if (rb->b && !(lineno % 65536))
			sensor_baseline_flush(rb->b);
	}
	if (ferror(f)) {
		die_msg("replay", "%s: %s", path, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (bad) {
		die_msg("replay", "%s: %lu of %lu lines were not events", path, bad, lineno);
		rc = EXIT_FAIL;
	}
	free(line);
	if (f != stdin) {
		fclose(f); /* and its fd */
		*fd = -1;
	}
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "audit", required_argument, NULL, 'a' },
		{ "json", required_argument, NULL, 'j' },
		{ "events", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stats", no_argument, NULL, 'S' },
		RUN_BASELINE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sensor_ctx_opts copts = { .sz = sizeof(copts), .log_fn = log_stderr,
					 .log_level = SENSOR_LOG_WARNING };
	struct sensor_audit_opts aopts = { .sz = sizeof(aopts), .flags = SENSOR_AUDIT_OFFLINE };
	struct json_lines out = { 0 };
	struct run_baseline rb = { .event_time = true };
	const char *in_path = NULL, *out_path = NULL;
	bool json_in = false;
	bool stats = false;
	sensor_ctx *ctx = NULL;
	sensor_source *src = NULL;
	char *buf = NULL;
	int c, r, fd = -1, rc = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "a:j:e:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
		case 'j':
			if (in_path) {
				die_msg("replay", "one input: --audit FILE or --json FILE");
				return EXIT_USAGE;
			}
			in_path = optarg;
			json_in = c == 'j';
			break;
		case 'e':
			out_path = optarg;
			break;
		case 't':
			if (parse_seconds(optarg, &aopts.timeout_ns) < 0) {
				die_msg("replay", "bad --timeout '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'S':
			stats = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			r = run_baseline_opt(&rb, c, optarg);
			if (r > 0)
				break;
			if (r == 0)
				opt_error("replay", argv, "a:j:e:t:h");
			return EXIT_USAGE;
		}
	}
	if (!in_path || optind != argc) {
		die_msg("replay", "--audit FILE|- or --json FILE|- is required (see --help)");
		return EXIT_USAGE;
	}
	fd = strcmp(in_path, "-") == 0 ? STDIN_FILENO : open(in_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		die_msg("replay", "%s: %s", in_path, strerror(errno));
		return EXIT_FAIL;
	}
	/* with a baseline, events are written only when asked for */
	r = json_lines_open(&out, out_path ? out_path : rb.mode ? NULL : "-", false);
	if (r < 0) {
		die_msg("replay", "cannot open '%s': %s", out_path, out_strerror(r));
		rc = EXIT_FAIL;
		goto out;
	}
	out.ocsf_host = rb.ocsf_host;
	out.filter = &rb.filter;
	out.human = rb.format == FORMAT_HUMAN;
	out.color = out.human && out.f == stdout && human_color(stdout);
	buf = malloc(1u << 20);
	if (!buf) {
		die_msg("replay", "out of memory");
		rc = EXIT_FAIL;
		goto out;
	}
	r = sensor_ctx_new(&copts, &ctx);
	if (r == 0)
		r = sensor_ctx_set_event_cb(ctx, on_event, &out);
	if (r == 0)
		r = json_in ? sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src)
			    : sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &aopts, &src);
	if (r < 0) {
		die_msg("replay", "%s source: %s", json_in ? "inject" : "audit", strerror(-r));
		rc = exit_code_for(r);
		goto out;
	}
	r = run_baseline_start(&rb, ctx);
	if (r != 0) {
		rc = r;
		goto out;
	}
	if (json_in) {
		rc = feed_json(src, &fd, in_path, &rb);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, 1u << 20);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			die_msg("replay", "%s: %s", in_path, strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		r = sensor_audit_feed(src, buf, (size_t)n, n == 0 ? SENSOR_AUDIT_FEED_END : 0);
		/* No event loop runs while we feed: flush the baseline between chunks
		 * so its alert queue never outgrows what it may hold in memory. */
		if (r >= 0 && rb.b)
			sensor_baseline_flush(rb.b);
		if (r < 0) {
			die_msg("replay", "%s", strerror(-r));
			rc = EXIT_FAIL;
			break;
		}
		if (n == 0 || out.err)
			break;
	}
	{
		struct sensor_source_stats st = { .sz = sizeof(st) };

		sensor_source_get_stats(src, &st);
		if (stats)
			fprintf(stderr,
				"{\"stats\":{\"records\":%llu,\"events\":%llu,\"lost\":%llu,\"errors\":%llu}}\n",
				(unsigned long long)st.received, (unsigned long long)st.emitted,
				(unsigned long long)st.lost, (unsigned long long)st.errors);
		/* garbage is not a quiet log: say how much could not be read */
		if (st.errors && rc == EXIT_OK) {
			die_msg("replay", "%s: %llu records could not be parsed (%llu events from %llu records)",
				in_path, (unsigned long long)st.errors, (unsigned long long)st.emitted,
				(unsigned long long)st.received);
			rc = EXIT_FAIL;
		}
	}
out:
	r = run_baseline_stop(&rb); /* before the context: a last flush */
	if (r != EXIT_OK && rc == EXIT_OK)
		rc = r;
	sensor_ctx_free(ctx);
	r = json_lines_close(&out);
	if (r < 0 && rc == EXIT_OK) {
		die_msg("replay", "writing events: %s", strerror(-r));
		rc = EXIT_FAIL;
	}
	free(buf);
	if (fd > STDIN_FILENO)
		close(fd);
	return rc;
}
