/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared helpers of the test suites.
 *
 * Privileged tests start with REQUIRE_ROOT(): without root they are skipped
 * with a clear message, but under CI=true a skip is a failure (CI runs as
 * root, so a skip there means the test did not test anything). Tests never
 * call cr_skip_test() themselves: SKIP_OR_FAIL() is the one way to skip, so
 * that every skip fails under CI. (Criterion prints a skip only at verbosity
 * 1, which the suite's environment sets, and does not count it in its
 * synthesis: .ci/run also fails on any "[SKIP]" line of the test logs.)
 */
#ifndef SENSOR_TESTLIB_H
#define SENSOR_TESTLIB_H

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline bool testlib_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && *ci && strcmp(ci, "0") != 0 && strcmp(ci, "false") != 0;
}

/* Skip this test with a reason; under CI=true fail with it instead. */
#define SKIP_OR_FAIL(...)                                                                \
	do {                                                                             \
		if (testlib_in_ci())                                                     \
			cr_assert_fail("test cannot run its case in CI: " __VA_ARGS__);  \
		cr_skip_test(__VA_ARGS__);                                               \
	} while (0)

#define REQUIRE_ROOT()                                                                   \
	do {                                                                             \
		if (geteuid() != 0)                                                      \
			SKIP_OR_FAIL("needs root (real kernel test); run the suite as root"); \
	} while (0)

/* Skip (or fail under CI) when a kernel feature is missing. */
#define REQUIRE_FEATURE(cond, what)                                                      \
	do {                                                                             \
		if (!(cond))                                                             \
			SKIP_OR_FAIL("kernel feature missing: %s", what);                \
	} while (0)

/* Path of a file under tests/data (SENSOR_CORPORA, set by meson). */
const char *corpus_path(const char *rel);
/* Read a whole file; returns a malloc'd buffer (NUL-terminated) and its length, or NULL. */
char *read_file(const char *path, size_t *len);
/* Run argv, wait, return its exit status (or -1); stdout/stderr to /dev/null when quiet. */
int run_cmd(char *const argv[], bool quiet);
/* Like run_cmd with a shell command line. */
int run_sh(const char *cmd);

struct run_result {
	int status;     /* exit status, or 128+signal */
	char out[65536];
	char err[8192];
};

/*
 * Run argv with stdin from /dev/null, capture stdout and stderr; as uid/gid
 * when uid >= 0 (needs root). timeout_ms > 0 sends SIGTERM after that long
 * (signal_after_ms: send SIGTERM then, to test clean shutdown). Returns 0
 * or -1 when it could not run.
 */
int run_capture(char *const argv[], int uid, int signal_after_ms, struct run_result *res);
/* Number of lines in s. */
int count_lines(const char *s);
/*
 * Wait until the file at path holds needle (a state another program writes:
 * its "state":"up" status event, a line of its log), polling every 20 ms for
 * at most timeout_ms. Returns true once it does, false at the deadline.
 */
bool wait_file_has(const char *path, const char *needle, int timeout_ms);

#endif
