/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a baseline database remembers, for incident response after the
 * fact, also of workloads that are gone - one parser and runner, two verbs:
 *   rtsensor alerts   --db PATH [--workload ID] [--since WHEN] [--until WHEN]
 *   rtsensor timeline --db PATH [--workload ID] [--since WHEN] [--until WHEN] [--no-alerts]
 * alerts: the stored alerts; timeline: the journal (run --journal) with the
 * alerts interleaved. JSON lines, oldest first.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "human.h"
#include "rtsensor.h"

static void usage(FILE *f, bool timeline)
{
	if (timeline)
		fprintf(f, "Usage: rtsensor timeline --db PATH [OPTIONS]\n\n"
			   "Print what the journal of a baseline database holds (rtsensor run --mode ...\n"
			   "--db PATH --journal): execs, file changes, connections, syscalls, verdicts and\n"
			   "losses as event JSON lines, with the alerts interleaved, oldest first.\n\n");
	else
		fprintf(f, "Usage: rtsensor alerts --db PATH [OPTIONS]\n\n"
			   "Print the alerts a baseline database keeps (rtsensor run --mode ... --db PATH)\n"
			   "as JSON lines (docs/alerts.md), oldest first.\n\n");
	fprintf(f, "Options:\n"
		   "      --db PATH           the database (required)\n"
		   "  -w, --workload ID       only this workload instance\n"
		   "      --since WHEN        at or after WHEN\n"
		   "      --until WHEN        before WHEN\n"
		   "                          WHEN: 2026-11-26T10:00:00Z (UTC, fraction allowed)\n"
		   "                          or an age: 90s, 15m, 2h, 7d (that long ago)\n"
		   "%s"
		   "%s"
		   "  -c, --count             print only how many match\n"
		   "  -h, --help              show this help\n",
		timeline ? "      --no-alerts         events only\n" : "",
		timeline ? ""
			 : "      --min-severity SEV  only alerts at or above SEV (info, low, medium,\n"
			   "                          high, critical)\n"
			   "      --kind KIND[,KIND]  only alerts whose evidence is of these kinds\n"
			   "      --format json|human JSON lines (default when not a terminal) or one\n"
			   "                          line per alert (default on a terminal; colour\n"
			   "                          unless NO_COLOR is set)\n");
}

/* "2026-11-26T10:00:00[.fff]Z" or "<N>s|m|h|d" ago -> ns since epoch. 0 or -EINVAL. */
static int parse_when(const char *s, uint64_t now_ns, uint64_t *ret)
{
	static const struct {
		char unit;
		uint64_t ns;
	} units[] = { { 's', 1000000000ull }, { 'm', 60000000000ull },
		      { 'h', 3600000000000ull }, { 'd', 86400000000000ull } };
	size_t n = s ? strlen(s) : 0;
	struct tm tm = { 0 };
	const char *end;
	uint64_t frac = 0, scale = 100000000u;
	time_t t;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (s[n - 1] == units[i].unit && n > 1 && strspn(s, "0123456789") == n - 1 && n < 12) {
			uint64_t v = strtoull(s, NULL, 10);

			if (v > now_ns / units[i].ns)
				return -EINVAL;
			*ret = now_ns - v * units[i].ns;
			return 0;
		}
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return -EINVAL;
	if (*end == '.') {
		for (end++; *end >= '0' && *end <= '9'; end++) {
			frac += (uint64_t)(*end - '0') * scale;
			scale /= 10;
		}
	}
	if (strcmp(end, "Z") != 0)
		return -EINVAL;
	t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*ret = (uint64_t)t * 1000000000u + frac;
	return 0;
}

static int print_line(bool count_only, const char *json)
{
	if (!count_only && (fputs(json, stdout) == EOF || fputc('\n', stdout) == EOF))
		return -EIO;
	return 0;
}

struct alert_out {
	bool count_only, human, color;
	struct out_filter filter;
	int n; /* alerts that passed the filter */
};

static int print_alert(void *ud, const struct sensor_stored_alert *a)
{
	struct alert_out *o = ud;
	char line[2048];
	size_t n;

	if (!out_filter_alert(&o->filter, a->json))
		return 0;
	o->n++;
	if (!o->human || o->count_only)
		return print_line(o->count_only, a->json);
	n = human_alert(a->json, o->color, line, sizeof(line));
	return fwrite(line, 1, n, stdout) == n ? 0 : -EIO;
}

static int print_entry(void *ud, const struct sensor_journal_entry *e)
{
	return print_line(*(bool *)ud, e->json);
}

static int history(int argc, char **argv, bool timeline)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "workload", required_argument, NULL, 'w' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "no-alerts", no_argument, NULL, 'N' },
		{ "count", no_argument, NULL, 'c' },
		{ "min-severity", required_argument, NULL, 'M' },
		{ "kind", required_argument, NULL, 'K' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *verb = timeline ? "timeline" : "alerts", *db = NULL, *wl = NULL;
	uint64_t since = 0, until = 0, now;
	uint32_t flags = SENSOR_JOURNAL_ALERTS;
	struct timespec ts;
	bool count_only = false, format_set = false;
	struct alert_out ao = { 0 };
	sensor_store *s;
	int c, r;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	optind = 1;
	while ((c = getopt_long(argc, argv, "w:ch", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			db = optarg;
			break;
		case 'w':
			wl = optarg;
			break;
		case 'S':
		case 'U':
			if (parse_when(optarg, now, c == 'S' ? &since : &until) < 0) {
				die_msg(verb, "--%s wants 2026-11-26T10:00:00Z or an age like 2h, got '%s'",
					c == 'S' ? "since" : "until", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'N':
			if (!timeline) {
				die_msg(verb, "option '--no-alerts' is rtsensor timeline's; "
					      "see rtsensor alerts --help");
				return EXIT_USAGE;
			}
			flags = 0;
			break;
		case 'c':
			count_only = true;
			break;
		case 'M':
		case 'K':
		case 'F':
			if (timeline) {
				die_msg(verb, "option '--%s' is rtsensor alerts'; see rtsensor timeline --help",
					c == 'M' ? "min-severity" : c == 'K' ? "kind" : "format");
				return EXIT_USAGE;
			}
			if (c == 'F') {
				if (strcmp(optarg, "json") != 0 && strcmp(optarg, "human") != 0) {
					die_msg(verb, "--format wants json or human, got '%s'", optarg);
					return EXIT_USAGE;
				}
				format_set = true;
				ao.human = strcmp(optarg, "human") == 0;
			} else if (c == 'M' ? out_filter_severity(&ao.filter, optarg) < 0
					    : out_filter_kinds(&ao.filter, optarg) < 0) {
				die_msg(verb, "--%s: unknown '%s'", c == 'M' ? "min-severity" : "kind", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout, timeline);
			return EXIT_OK;
		default:
			return opt_error(verb, argv, "w:ch");
		}
	}
	if (!db || optind != argc) {
		die_msg(verb, "--db PATH is required, and nothing else (see --help)");
		return EXIT_USAGE;
	}
	if (since && until && until <= since) {
		die_msg(verb, "--until is not after --since");
		return EXIT_USAGE;
	}
	r = sensor_store_open(db, SENSOR_STORE_READONLY, &s);
	if (r < 0) {
		die_msg(verb, "cannot open %s: %s%s", db, store_strerror(r),
			r == -EROFS ? " (an older schema: open it once read-write to migrate)" : "");
		return exit_code_for(r);
	}
	if (!format_set)
		ao.human = isatty(1) == 1;
	ao.color = ao.human && human_color(stdout);
	ao.count_only = count_only;
	r = timeline ? sensor_store_journal(s, wl, since, until, flags, print_entry, &count_only)
		     : sensor_store_alerts(s, wl, since, until, print_alert, &ao);
	if (!timeline && r >= 0)
		r = ao.n;
	sensor_store_close(s);
	if (r < 0) {
		die_msg(verb, "reading %s: %s", db, strerror(-r));
		return EXIT_FAIL;
	}
	if (count_only)
		printf("%d\n", r);
	if (fflush(stdout) != 0) {
		die_msg(verb, "writing: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_alerts(int argc, char **argv)
{
	return history(argc, argv, false);
}

int cmd_timeline(int argc, char **argv)
{
	return history(argc, argv, true);
}
