/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor run's options: the command line over the configuration file
 * (config.h), parsed and checked without starting anything, so that
 * `config check` and a reload (SIGHUP) parse exactly as a start does.
 */
#ifndef RTSENSOR_RUN_OPTS_H
#define RTSENSOR_RUN_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "rtsensor.h"
#include "run-baseline.h"
#include "run-fanotify.h"

struct run_opts {
	bool want[SENSOR__SOURCE_MAX];
	bool explicit_src;
	bool stats;             /* --stats: counters to stderr at exit */
	bool help;              /* --help was printed: exit 0 */
	const char *events_path;
	uint64_t duration;      /* ns, SENSOR_TIME_INFINITY */
	uint64_t stats_interval; /* ns, 0: no periodic status events */
	const char *audit_rules; /* --audit-rules FILE (auditctl syntax) */
	const char *rules_dir;  /* --rules-dir DIR: rule drop-ins */
	const char *config;     /* the configuration file read, or NULL */
	char *roots;            /* --runtime-root: OCI state roots (defaults first), or NULL */
	const char *metrics_addr; /* --metrics ADDR:PORT */
	const char *seccomp_socket; /* --seccomp-socket PATH: the OCI agent socket */
	struct sensor_seccomp_opts seccomp; /* the seccomp source's (cmd-run.c sets flags) */
	struct run_net *net;
	struct run_fanotify fan;
	const struct sensor_fanotify_opts *fan_opts;
	struct run_baseline rb; /* its option fields (the state is cmd-run's) */
	struct sensor_audit_opts audit;
	struct conf conf;
	char **argv;            /* the command line over the file's items */
	int argc;
};

/*
 * Parse argc/argv (argv[0] is the verb) over the configuration file it
 * names (--config FILE; `dflt_config` when it names none and that file
 * exists, NULL: none). Returns EXIT_OK or an exit code, the reason printed
 * on stderr (naming file, line and key for the file's settings). o is
 * freed with run_opts_free() in both cases.
 */
int run_opts_parse(struct run_opts *o, int argc, char **argv, const char *dflt_config);
void run_opts_free(struct run_opts *o);
/* The run verb's usage text. */
void run_opts_usage(FILE *f);
/* Options for the audit source, or NULL for its defaults. */
const struct sensor_audit_opts *run_opts_audit(const struct run_opts *o);

#endif
