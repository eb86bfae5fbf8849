/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content-id.h"
#include "sha256.h"

#define CONTENT_ID_SLOTS 512
#define CONTENT_ID_BUF (128u << 10)

struct content_id_ent {
	uint64_t dev, ino, size;
	int64_t mtime_s, ctime_s;
	uint32_t mtime_ns, ctime_ns;
	bool used;
	char hex[65];
};

static size_t slot_of(const struct stat *st)
{
	uint64_t h = (uint64_t)st->st_ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)st->st_dev;

	return (size_t)(h >> 40) % CONTENT_ID_SLOTS;
}

static bool same(const struct content_id_ent *e, const struct stat *st)
{
	return e->used && e->dev == (uint64_t)st->st_dev && e->ino == (uint64_t)st->st_ino &&
	       e->size == (uint64_t)st->st_size && e->mtime_s == st->st_mtim.tv_sec &&
	       e->mtime_ns == (uint32_t)st->st_mtim.tv_nsec && e->ctime_s == st->st_ctim.tv_sec &&
	       e->ctime_ns == (uint32_t)st->st_ctim.tv_nsec;
}

int content_id_of_fd(struct content_id_cache *c, int fd, char hex[65], struct stat *st)
{
	struct content_id_ent *e;
	struct sha256 s;
	unsigned char d[32];
	struct stat after;
	off_t off = 0;

	if (fstat(fd, st) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	if ((uint64_t)st->st_size > CONTENT_ID_MAX_SIZE)
		return -EFBIG;
	if (!c->e) {
		c->e = calloc(CONTENT_ID_SLOTS, sizeof(*c->e));
		c->buf = malloc(CONTENT_ID_BUF);
		if (!c->e || !c->buf) {
			content_id_cache_free(c);
			return -ENOMEM;
		}
	}
	e = &c->e[slot_of(st)];
	if (same(e, st)) {
		c->hits++;
		memcpy(hex, e->hex, 65);
		return 0;
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
	e->used = true;
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
