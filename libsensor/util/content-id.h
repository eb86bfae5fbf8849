/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Content identity of a file: the SHA-256 of its bytes, cached per
 * (device, inode, size, mtime, ctime) so that a file is read once while it
 * is unchanged. Any write, truncation, chmod, link or rename changes ctime
 * (which userspace cannot set), so a modified file is read again; a copy is
 * another inode and is read once. An identity is kept only when the ctime
 * is older than the clock read before the fstat (a change in the same clock
 * tick could keep the ctime), and every use checks the key with a fresh
 * fstat of the fd. The table is bounded (CONTENT_ID_SETS x CONTENT_ID_WAYS,
 * the least recently used way of a set replaced, counted in evictions).
 * (The kernel's i_version change cookie, STATX_CHANGE_COOKIE, is not
 * exported to userspace by statx: ctime is what proves no change.)
 * Used by the enforcing baseline: an
 * executable may run only when its path and this identity were learned
 * together (docs/enforce.md). Not thread-safe: one cache per thread.
 */
#ifndef SENSOR_UTIL_CONTENT_ID_H
#define SENSOR_UTIL_CONTENT_ID_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* Files above this size get no identity (-EFBIG): hashing them would hold the caller too long. */
#define CONTENT_ID_MAX_SIZE (256ull << 20)
#define CONTENT_ID_SETS 256
#define CONTENT_ID_WAYS 4

struct content_id_cache {
	struct content_id_ent *e; /* CONTENT_ID_SETS * CONTENT_ID_WAYS, NULL until first use */
	unsigned char *buf;       /* read buffer */
	uint64_t tick;            /* uses, for the least recently used way */
	uint64_t hits, misses, bytes;
	uint64_t evictions; /* an identity replaced by another's (table full) */
	uint64_t uncached;  /* identities not kept: ctime too recent to prove a later change */
};

/*
 * The identity of the regular file open at fd (read with pread, the file
 * offset is not moved): 64 hex digits into hex. *st gets its fstat. Returns
 * 0; -EINVAL for a non-regular file, -EFBIG above CONTENT_ID_MAX_SIZE,
 * -ENOMEM, or the -errno of fstat/pread.
 */
int content_id_of_fd(struct content_id_cache *c, int fd, char hex[65], struct stat *st);
void content_id_cache_free(struct content_id_cache *c);

#endif
