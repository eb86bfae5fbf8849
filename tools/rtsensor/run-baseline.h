/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor run --mode learn|monitor: the baseline and its alert sink. */
#ifndef RTSENSOR_RUN_BASELINE_H
#define RTSENSOR_RUN_BASELINE_H

#include <stdio.h>

#include "http-sink.h"
#include "line-writer.h"
#include "human.h"
#include "rtsensor.h"
#include "syslog-sink.h"

/* --format: how events and alerts are written */
enum out_format { FORMAT_JSON = 0, FORMAT_OCSF, FORMAT_FALCO, FORMAT_HUMAN };

struct run_baseline {
	const char *mode;     /* "learn", "monitor", "enforce" or NULL (no baseline) */
	const char *db;       /* --db */
	const char *alerts;   /* --alerts FILE|- (default -) */
	const char *rules;    /* --rules FILE */
	bool no_default_rules; /* --no-default-rules: --rules and --rules-dir are all the rules */
	const char *rules_dir; /* --rules-dir DIR (run-opts.c) */
	const char *syslog;   /* --syslog TARGET */
	const char *ocsf_host; /* --format ocsf: events and alerts as OCSF; the device's name */
	enum out_format format;
	bool format_set;      /* --format given: no terminal detection */
	bool human, color;    /* alerts as lines for a person (a terminal, or --format human) */
	struct out_filter filter; /* --kind, --workload, --min-severity */
	const char *http;     /* --http URL */
	uint32_t syslog_kinds; /* --syslog-events: bit (1 << kind) per event kind sent */
	char *evbuf;          /* an event's JSON for syslog */
	size_t evcap;
	uint64_t syslog_lost_reported;
	bool journal;         /* --journal */
	char host[256];
	uint64_t learn_min, learn_stable; /* ns, 0: library defaults */
	uint32_t alert_rate;  /* --alert-rate: alerts per workload, origin and severity a minute */
	bool event_time;      /* replays: the baseline's clock is the events' own time */
	bool dry_run;         /* --dry-run (with --mode enforce) */
	bool learn_held;      /* --learn-held */
	int fail;             /* --fail: 0 unset, 1 open, 2 closed */
	/* state */
	sensor_baseline *b;
	FILE *out;            /* stdout, or NULL when lw writes the file */
	struct line_writer *lw; /* --alerts FILE: written by a thread of its own */
	uint64_t file_lost_reported; /* lw's dropped lines already emitted as loss events */
	struct syslog_sink sl;
	bool sl_open;
	struct http_sink *hs;
	uint64_t http_lost_reported; /* dropped + rejected already emitted as loss events */
	sensor_source *loss_src; /* inject source for the sinks' loss events (run only) */
	struct metrics *metrics; /* --metrics: alerts are counted there (run only) */
	int err;              /* the alert file failed (-errno): the run stops */
	uint64_t alerts_written;
};

/* getopt_long entries and letters handled by run_baseline_opt(). */
#define RUN_BASELINE_LONGOPTS                                         \
	{ "mode", required_argument, NULL, 0x100 },                   \
	{ "db", required_argument, NULL, 0x101 },                     \
	{ "alerts", required_argument, NULL, 0x102 },                 \
	{ "rules", required_argument, NULL, 0x103 },                  \
	{ "no-default-rules", no_argument, NULL, 0x10f },             \
	{ "learn-min", required_argument, NULL, 0x104 },              \
	{ "learn-stable", required_argument, NULL, 0x105 },           \
	{ "syslog", required_argument, NULL, 0x106 },                 \
	{ "format", required_argument, NULL, 0x107 },                 \
	{ "journal", no_argument, NULL, 0x108 },                      \
	{ "http", required_argument, NULL, 0x109 },                   \
	{ "syslog-events", required_argument, NULL, 0x10a },          \
	{ "alert-rate", required_argument, NULL, 0x10b },             \
	{ "kind", required_argument, NULL, 0x10e },                   \
	{ "workload", required_argument, NULL, 0x10c },               \
	{ "min-severity", required_argument, NULL, 0x10d }, \
	{ "dry-run", no_argument, NULL, 0x120 },                      \
	{ "fail", required_argument, NULL, 0x121 },                   \
	{ "learn-held", no_argument, NULL, 0x122 }

#define RUN_BASELINE_HELP                                                                 \
	"      --format json|ocsf|falco|human  events and alerts in our schema\n"     \
	"                        (docs/events.md; the default when not a terminal), as\n" \
	"                        OCSF 1.1 classes (docs/ocsf.md), alerts as Falco's\n"  \
	"                        json_output (docs/falco.md; events stay JSON), or one\n" \
	"                        line per item for a person (the default on a terminal;\n" \
	"                        colour unless NO_COLOR is set)\n"                   \
	"      --kind KIND[,KIND...]  write only events (and alerts whose evidence is)\n" \
	"                        of these kinds\n"                                   \
	"      --workload ID     write only events and alerts of this workload (an id\n" \
	"                        or its prefix, e.g. a 12-character container ID)\n" \
	"      --min-severity info|low|medium|high|critical  write only alerts at or\n" \
	"                        above it\n"                                          \
	"      --mode learn|monitor|enforce  feed every event to the behavioural\n"     \
	"                        baseline and write alerts (docs/baseline.md); learn:\n"  \
	"                        instances learn and move to monitoring by themselves;\n" \
	"                        monitor: the stored baseline is final; enforce: also\n"  \
	"                        answer stored instances' held events from it and hold\n" \
	"                        their containers' execs and opens (docs/enforce.md)\n" \
	"      --dry-run         with --mode enforce: decide, allow everything, report\n" \
	"                        each denial as a would_deny alert and verdict reason\n" \
	"      --fail open|closed  with --mode enforce: what held events get at their\n" \
	"                        deadline and on overload (default open; docs/enforce.md)\n" \
	"      --learn-held      hold (and allow) learning containers' execs and opens\n" \
	"                        through the marks enforcement uses, so they learn what\n" \
	"                        it will decide (file contents, writes on every mount)\n" \
	"      --db PATH         baseline database (SQLite); default: memory only\n"     \
	"      --alerts FILE|-   write alerts as JSON lines (default '-': stdout); each\n" \
	"                        line is written and flushed as the alert is raised\n" \
	"                        (a FILE by a writer thread, queued (8192), losses\n" \
	"                        are loss events)\n" \
	"      --alert-rate N    alerts per workload, origin (rule or baseline) and\n"  \
	"                        severity a minute before the rest are held back and\n" \
	"                        reported as rate_limited (default 20)\n"              \
	"      --journal         keep a journal of execs, file changes, connections,\n"  \
	"                        syscalls and verdicts in --db for 'rtsensor timeline'\n" \
	"      --syslog TARGET   also send alerts to syslog (RFC 5424): local (/dev/log),\n" \
	"                        unix:PATH, udp:HOST:PORT or tcp:HOST:PORT\n"          \
	"      --syslog-events KIND[,KIND...]|all  send these events to --syslog too\n" \
	"                        (exec, exit, file, net, syscall, loss, status)\n"    \
	"      --http URL        also POST every alert to URL (in --format's form; with\n" \
	"                        --format falco, falcosidekick's / takes it); retried,\n" \
	"                        queued (1024), losses are loss events\n"             \
	"      --rules FILE      threat rules added to the built-in ones: a rule of the\n" \
	"                        same id replaces one, 'rule ID enabled=false' or\n"  \
	"                        'disable ID' leaves one out (docs/rules.md)\n"       \
	"      --no-default-rules  no built-in rules: --rules and --rules-dir are all\n" \
	"                        the rules\n"                                          \
	"      --learn-min SECS  minimum learning time (default 86400)\n"                \
	"      --learn-stable SECS  learning ends after SECS without a new feature\n"    \
	"                        (default 7200)\n"

/* Handle one of the options above: 1 handled, 0 not ours, <0 usage error (printed). */
int run_baseline_opt(struct run_baseline *rb, int c, const char *arg);
/* Check the options together (what needs --mode, --db). 0 or an exit code (printed). */
int run_baseline_check(const struct run_baseline *rb);
/* Attach the baseline when --mode was given. 0 or an exit code (printed). */
int run_baseline_start(struct run_baseline *rb, sensor_ctx *ctx);
/*
 * Between loop slices (run): the sinks' new losses become loss events
 * through an inject source of ctx (added at the first loss).
 */
void run_baseline_tick(struct run_baseline *rb, sensor_ctx *ctx);
/* An event for the sinks that take events (--syslog-events). */
void run_baseline_event(struct run_baseline *rb, const sensor_event *ev);
/*
 * A reload (SIGHUP): write pending alert aggregates and the store, reopen
 * the alert file (log rotation; `alerts` may name a new one), and load the
 * rules anew (`rules`, `rules_dir`, on the built-in ones unless
 * `no_default_rules`), keeping the old ones when the new do
 * not load. Returns the number of rules in force, or -errno (printed).
 */
int run_baseline_reload(struct run_baseline *rb, const char *alerts, const char *rules,
			const char *rules_dir, bool no_default_rules);
/* Flush, detach, close the alert sink. Returns an exit code. */
int run_baseline_stop(struct run_baseline *rb);

#endif
