/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Generalisation of the values that make up baseline features, so that one
 * behaviour gives one feature however many pids, temp files or ephemeral
 * ports it goes through (docs/baseline.md, "Generalisation").
 */
#ifndef SENSOR_MODEL_GENERALIZE_H
#define SENSOR_MODEL_GENERALIZE_H

#include <stddef.h>

enum gen_what {
	GEN_PATH = 1, /* a file path or an exec path */
	GEN_ADDR = 2, /* a peer address: IPv4/IPv6 text, or a unix socket path */
	GEN_PORT = 3, /* a port number as decimal text */
};

/*
 * Generalise in[0..n) of kind `what` into out (cap bytes, NUL-terminated).
 *
 * GEN_PATH, segment by segment:
 *  - "//" and "/./" collapse; ".." is kept (never resolved);
 *  - /proc/<pid>/... and /proc/<pid>/task/<tid>/... -> /proc/ * /...;
 *  - a segment of digits only -> "*"; a run of 3 or more digits inside a
 *    segment -> "*" ("core.12345" -> "core.*");
 *  - a UUID (8-4-4-4-12 hex) anywhere in a segment -> "*";
 *  - a run of 12 or more hex digits with at least one digit -> "*"
 *    (container IDs, hashes, per-instance IDs);
 *  - under /tmp, /var/tmp, /dev/shm, /run/user/ * and in any segment that
 *    starts with "tmp": a run of 6 or more letters/digits that mixes digits
 *    and letters or upper and lower case -> "*" (mkstemp, mktemp, Python
 *    tempfile names).
 * GEN_ADDR: IPv4 -> its /24 ("10.1.2.0/24"), loopback -> "127.0.0.0/8",
 *    IPv6 -> its /64 ("2001:db8:1:2::/64"), "::1" kept; anything else is
 *    treated as a unix socket path (GEN_PATH).
 * GEN_PORT: 32768..65535 (the kernel's default ephemeral range and above)
 *    -> "ephemeral"; other numbers are kept; non-numbers -> "?".
 *
 * Returns the length written (excluding the NUL; the result is truncated
 * to cap - 1 bytes), or -1 when cap is 0 or what is unknown.
 */
int generalize(enum gen_what what, const char *in, size_t n, char *out, size_t cap);

#endif
