/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor: shared bits of the verbs. Uses only the public libsensor API. */
#ifndef RTSENSOR_H
#define RTSENSOR_H

#include <stdbool.h>
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
/* Map a -errno from the library to an exit code. */
int exit_code_for(int err);
/* Parse a non-negative decimal number of seconds (fractions allowed) to ns. */
int parse_seconds(const char *s, uint64_t *ret_ns);
/* Log callback printing "rtsensor: level: msg" to stderr. */
void log_stderr(void *ud, enum sensor_log_level level, const char *msg);

int cmd_run(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_seccomp_agent(int argc, char **argv);
int cmd_replay(int argc, char **argv);

#endif
