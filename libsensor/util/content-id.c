/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "content-id.h"
#include "sha256.h"

#define CONTENT_ID_BUF (128u << 10)

struct content_id_ent {
	uint64_t dev, ino, size;
	int64_t mtime_s, ctime_s;
	uint32_t mtime_ns, ctime_ns;
	uint64_t last; /* use tick: the least recent of a set is replaced */
	bool used;
	char hex[65];
};

static struct content_id_ent *set_of(struct content_id_cache *c, const struct stat *st)
{
	uint64_t h = (uint64_t)st->st_ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)st->st_dev;

	return &c->e[((size_t)(h >> 40) % CONTENT_ID_SETS) * CONTENT_ID_WAYS];
}

static bool same(const struct content_id_ent *e, const struct stat *st)
{
	return e->used && e->dev == (uint64_t)st->st_dev && e->ino == (uint64_t)st->st_ino &&
	       e->size == (uint64_t)st->st_size && e->mtime_s == st->st_mtim.tv_sec &&
	       e->mtime_ns == (uint32_t)st->st_mtim.tv_nsec && e->ctime_s == st->st_ctim.tv_sec &&
	       e->ctime_ns == (uint32_t)st->st_ctim.tv_nsec;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int content_id_of_fd(struct content_id_cache *c, int fd, char hex[65], struct stat *st)
{
	struct content_id_ent *set, *e;
	struct timespec t0;
	struct sha256 s;
	unsigned char d[32];
	struct stat after;
	off_t off = 0;

	/*
	 * Before the fstat: the kernel stamps ctime from this (coarse) clock
	 * or a finer one, never earlier. A ctime before t0 means any later
	 * change stamps a ctime >= t0, another key. A ctime at or after t0
	 * could be followed by a change in the same clock tick with the same
	 * ctime ("racy" as git calls it): such an identity is used once and
	 * not kept.
	 */
	if (clock_gettime(CLOCK_REALTIME_COARSE, &t0) < 0)
		t0 = (struct timespec){ 0 };
	if (fstat(fd, st) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	if ((uint64_t)st->st_size > CONTENT_ID_MAX_SIZE)
		return -EFBIG;
	if (!c->e) {
		c->e = calloc(CONTENT_ID_SETS * CONTENT_ID_WAYS, sizeof(*c->e));
		c->buf = malloc(CONTENT_ID_BUF);
		if (!c->e || !c->buf) {
			content_id_cache_free(c);
			return -ENOMEM;
		}
	}
	c->tick++;
	set = set_of(c, st);
	for (unsigned i = 0; i < CONTENT_ID_WAYS; i++) {
		if (same(&set[i], st)) {
			c->hits++;
			set[i].last = c->tick;
			memcpy(hex, set[i].hex, 65);
			return 0;
		}
	}
	c->misses++;
	sha256_init(&s);
	for (;;) {
		ssize_t n = pread(fd, c->buf, CONTENT_ID_BUF, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		sha256_update(&s, c->buf, (size_t)n);
		off += n;
		if ((uint64_t)off > CONTENT_ID_MAX_SIZE)
			return -EFBIG;
	}
	c->bytes += (uint64_t)off;
	sha256_final(&s, d);
	sha256_hex(d, hex);
	/* a file changed while we read it is not cached (nor trusted: ctime moved) */
	if (fstat(fd, &after) < 0 || after.st_ctim.tv_sec != st->st_ctim.tv_sec ||
	    after.st_ctim.tv_nsec != st->st_ctim.tv_nsec || after.st_size != st->st_size)
		return -EAGAIN;
	if (!before(&st->st_ctim, &t0)) {
		c->uncached++;
		return 0;
	}
	/* a free way, else the least recently used one */
	e = &set[0];
	for (unsigned i = 0; i < CONTENT_ID_WAYS; i++) {
		if (!set[i].used) {
			e = &set[i];
			break;
		}
		if (set[i].last < e->last)
			e = &set[i];
	}
	if (e->used)
		c->evictions++;
	e->used = true;
	e->last = c->tick;
	e->dev = (uint64_t)st->st_dev;
	e->ino = (uint64_t)st->st_ino;
	e->size = (uint64_t)st->st_size;
	e->mtime_s = st->st_mtim.tv_sec;
	e->mtime_ns = (uint32_t)st->st_mtim.tv_nsec;
	e->ctime_s = st->st_ctim.tv_sec;
	e->ctime_ns = (uint32_t)st->st_ctim.tv_nsec;
	memcpy(e->hex, hex, 65);
	return 0;
}

void content_id_cache_free(struct content_id_cache *c)
{
	free(c->e);
	free(c->buf);
	c->e = NULL;
	c->buf = NULL;
}
