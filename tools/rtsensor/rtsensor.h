/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor: shared bits of the verbs. Uses only the public libsensor API. */
#ifndef RTSENSOR_H
#define RTSENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libsensor/sensor.h>

/* Exit codes (documented in rtsensor(1) and the README). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,      /* runtime failure */
	EXIT_USAGE = 2,     /* bad command line */
	EXIT_NOPERM = 3,    /* missing privilege */
	EXIT_NOFEATURE = 4, /* kernel or build lacks a needed feature */
};

/* One clear error line on stderr: "rtsensor: <verb>: <message>". */
void die_msg(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * After getopt_long() returned '?' (rtsensor runs it with opterr = 0): one
 * line naming the option and the help to read, e.g. "rtsensor: run: unknown
 * option '--x'; see rtsensor run --help". argv and optstring are the ones
 * getopt_long() was given; verb is what the verb is called (NULL: none).
 * Returns EXIT_USAGE.
 */
int opt_error(const char *verb, char *const argv[], const char *optstring);
/* Map a -errno from the library to an exit code. */
int exit_code_for(int err);
/* Parse a non-negative decimal number of seconds (fractions allowed) to ns. */
int parse_seconds(const char *s, uint64_t *ret_ns);
/* A one-line reason for an error of sensor_store_open() or a baseline's database. */
const char *store_strerror(int err);
/* Log callback printing "rtsensor: level: msg" to stderr. */
void log_stderr(void *ud, enum sensor_log_level level, const char *msg);
/*
 * While buf is set (len > 0), log_stderr() keeps the last error-level message
 * in buf instead of printing it, for a caller that fails with one line of
 * its own; (NULL, 0) prints again.
 */
void log_stderr_capture(char *buf, size_t len);

/* run-net.c: --deny-peer policy on the NFQUEUE source */
struct run_net;
/* Parse ADDR[/PREFIX][:PORT] and add it. 0, -EINVAL (bad spec) or -ENOMEM. */
int run_net_add_peer(struct run_net **rn, const char *spec);
bool run_net_active(const struct run_net *rn);
/* Add the NFQUEUE source the policy needs. 0 or -errno of sensor_source_add(). */
int run_net_start(struct run_net *rn, sensor_ctx *ctx, sensor_source **ret);
/* Give a pending NFQUEUE event its verdict (deny when its peer is listed). */
void run_net_on_event(struct run_net *rn, sensor_event *ev);
void run_net_free(struct run_net *rn);
/* --track-flows: the conntrack source adds a tracking rule where none is. 0 or -ENOMEM. */
int run_net_track_flows(struct run_net **rn);
/* Options for the conntrack source (NULL: its defaults). Valid while rn lives. */
const struct sensor_conntrack_opts *run_net_conntrack_opts(struct run_net *rn);

int cmd_run(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_seccomp_agent(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_timeline(int argc, char **argv);

#endif
