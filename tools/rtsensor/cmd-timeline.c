/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor timeline --db PATH [--workload ID] [--since WHEN] [--until WHEN]:
 * what a workload did, from the journal (rtsensor run --journal), with its
 * alerts in between, oldest first - also after the workload is gone.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rtsensor.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtsensor timeline --db PATH [OPTIONS]\n\n"
		"Print what the journal of a baseline database holds (rtsensor run --mode ...\n"
		"--db PATH --journal): execs, file changes, connections, syscalls, verdicts and\n"
		"losses as event JSON lines, with the alerts interleaved, oldest first.\n\n"
		"Options:\n"
		"      --db PATH           the database (required)\n"
		"  -w, --workload ID       only this workload instance\n"
		"      --since WHEN        at or after WHEN\n"
		"      --until WHEN        before WHEN\n"
		"                          WHEN: 2026-11-26T10:00:00Z (UTC, fraction allowed)\n"
		"                          or an age: 90s, 15m, 2h, 7d (that long ago)\n"
		"      --no-alerts         events only\n"
		"  -c, --count             print only how many entries match\n"
		"  -h, --help              show this help\n");
}

static int print_entry(void *ud, const struct sensor_journal_entry *e)
{
	bool count_only = *(bool *)ud;

	if (!count_only && (fputs(e->json, stdout) == EOF || fputc('\n', stdout) == EOF))
		return -EIO;
	return 0;
}

int cmd_timeline(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "workload", required_argument, NULL, 'w' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "no-alerts", no_argument, NULL, 'N' },
		{ "count", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db = NULL, *wl = NULL;
	uint64_t since = 0, until = 0, now;
	uint32_t flags = SENSOR_JOURNAL_ALERTS;
	struct timespec ts;
	bool count_only = false;
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
				die_msg("timeline", "--%s wants 2026-11-26T10:00:00Z or an age like 2h, "
					"got '%s'", c == 'S' ? "since" : "until", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'N':
			flags = 0;
			break;
		case 'c':
			count_only = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!db || optind != argc) {
		die_msg("timeline", "--db PATH is required, and nothing else (see --help)");
		return EXIT_USAGE;
	}
	if (since && until && until <= since) {
		die_msg("timeline", "--until is not after --since");
		return EXIT_USAGE;
	}
	r = sensor_store_open(db, SENSOR_STORE_READONLY, &s);
	if (r < 0) {
		die_msg("timeline", "cannot open %s: %s%s", db, strerror(-r),
			r == -EROFS ? " (an older schema: open it once read-write to migrate)" : "");
		return exit_code_for(r);
	}
	r = sensor_store_journal(s, wl, since, until, flags, print_entry, &count_only);
	sensor_store_close(s);
	if (r < 0) {
		die_msg("timeline", "reading %s: %s", db, strerror(-r));
		return EXIT_FAIL;
	}
	if (count_only)
		printf("%d\n", r);
	if (fflush(stdout) != 0) {
		die_msg("timeline", "writing: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
