/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SHA-256 (FIPS 180-4), for content identity of executables: an enforcing
 * workload may run a file only if its exact content was learned, so the
 * identity must resist an attacker who crafts a file to match (a second
 * preimage). No allocation; about 300-400 MB/s in plain C.
 */
#ifndef SENSOR_UTIL_SHA256_H
#define SENSOR_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;          /* bytes hashed so far */
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* out: 64 lower-case hex digits and a NUL. */
void sha256_hex(const unsigned char d[32], char out[65]);

#endif
