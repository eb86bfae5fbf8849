/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "rtsensor.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} verbs[] = {
	{ "run", cmd_run, "watch the machine and print events as JSON lines" },
	{ "doctor", cmd_doctor, "say which kernel features and privileges this machine offers" },
	{ "config", cmd_config, "check a configuration file and its rules (config check)" },
	{ "exec", cmd_exec, "run a command under seccomp supervision (--deny SYSCALL[:ERRNO])" },
	{ "seccomp-agent", cmd_seccomp_agent, "serve OCI runtimes' seccomp listenerPath (runc)" },
	{ "replay", cmd_replay, "replay a recorded audit log as the events live mode would emit" },
	{ "baseline", cmd_baseline, "list, show, export, import, diff, merge or reset baselines" },
	{ "alerts", cmd_alerts, "print the alerts a baseline database keeps, by workload and time" },
	{ "timeline", cmd_timeline, "what a workload did (the journal) with its alerts, in order" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: rtsensor [--version] [--help] VERB [ARGS...]\n\n"
		   "Runtime protection sensor for Linux workloads.\n\nVerbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-14s %s\n", verbs[i].name, verbs[i].help);
	fprintf(f, "\n'rtsensor VERB --help' describes a verb.\n"
		   "Exit codes: 0 ok, 1 failure, 2 usage, 3 missing privilege, 4 missing feature.\n");
}

void die_msg(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rtsensor: %s%s", verb ? verb : "", verb ? ": " : "");
	if (conf_current && conf_current_item) { /* a setting of the configuration file */
		char key[64];

		fprintf(stderr, "%s:%u: key '%s': ", conf_current->path, conf_current_item->line,
			conf_item_key(conf_current_item, key, sizeof(key)));
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int exit_code_for(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return EXIT_NOPERM;
	case -EOPNOTSUPP:
	case -EPROTONOSUPPORT:
	case -ENOSYS:
		return EXIT_NOFEATURE;
	case -EINVAL:
		return EXIT_USAGE;
	default:
		return EXIT_FAIL;
	}
}

int parse_seconds(const char *s, uint64_t *ret_ns)
{
	uint64_t whole = 0, frac = 0, scale = 100000000u;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > UINT64_MAX / 10 / 1000000000u)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++) {
			frac += (uint64_t)(*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p || p == s)
		return -EINVAL;
	*ret_ns = whole * 1000000000u + frac;
	return 0;
}

const char *store_strerror(int err)
{
	switch (err) {
	case -ELOOP:
		return "is a symbolic link: refused";
	case -EPERM:
		return "is owned by another user, writable by group or others, or hard-linked: "
		       "refused (a database must be its user's alone, mode 0600)";
	case -EMEDIUMTYPE:
		return "holds triggers or views the schema never makes: refused";
	case -EINVAL:
		return "is not a regular file";
	default:
		return strerror(-err);
	}
}

static char *log_capture_buf;
static size_t log_capture_len;

void log_stderr_capture(char *buf, size_t len)
{
	log_capture_buf = len ? buf : NULL;
	log_capture_len = len;
	if (log_capture_buf)
		log_capture_buf[0] = '\0';
}

void log_stderr(void *ud, enum sensor_log_level level, const char *msg)
{
	static const char *const names[] = { [3] = "error", [4] = "warning", [5] = "notice",
					     [6] = "info", [7] = "debug" };

	(void)ud;
	if (log_capture_buf && level <= SENSOR_LOG_ERR) { /* the caller's one error line says it */
		snprintf(log_capture_buf, log_capture_len, "%s", msg);
		return;
	}
	fprintf(stderr, "rtsensor: %s: %s\n",
		level >= 3 && level <= 7 ? names[level] : "log", msg);
}

int opt_error(const char *verb, char *const argv[], const char *optstring)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	bool longopt = arg && strncmp(arg, "--", 2) == 0 && arg[2];
	int namelen = arg ? (int)strcspn(arg, "=") : 0;
	char help[64], shortname[3] = { '-', (char)optopt, 0 };

	snprintf(help, sizeof(help), "rtsensor%s%s --help", verb ? " " : "", verb ? verb : "");
	if (optopt == 0) /* an unknown or ambiguous long option */
		die_msg(verb, "unknown option '%.*s'; see %s", namelen, arg ? arg : "", help);
	else if (longopt && arg[namelen] == '=') /* a known long option that takes no value */
		die_msg(verb, "option '%.*s' takes no value; see %s", namelen, arg, help);
	else if (longopt) /* a known long option without its value */
		die_msg(verb, "option '%s' needs a value; see %s", arg, help);
	else if (optopt < 256 && optopt != ':' && strchr(optstring, optopt))
		die_msg(verb, "option '%s' needs a value; see %s", shortname, help);
	else
		die_msg(verb, "unknown option '%s'; see %s", shortname, help);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	/*
	 * Whatever rtsensor creates (events, alerts, exports, the database,
	 * the agent socket) holds command lines and paths of every workload:
	 * readable by its owner alone, whatever umask it was started with.
	 */
	umask(077);
	opterr = 0; /* the verbs print one line of their own (opt_error) */
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("rtsensor %s (libsensor %s)\n%s\n", RTSENSOR_VERSION, sensor_version(),
		       sensor_features());
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		die_msg(NULL, "unknown option '%s'; see rtsensor --help", argv[1]);
	else
		die_msg(NULL, "unknown verb '%s'; see rtsensor --help", argv[1]);
	return EXIT_USAGE;
}
