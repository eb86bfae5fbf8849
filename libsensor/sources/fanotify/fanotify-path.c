/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From a directory file handle and an entry name to a full path:
 * open_by_handle_at() on a mount fd of the filesystem with the handle's
 * fsid gives an O_PATH fd of the directory, whose /proc/self/fd link is its
 * current path. A handle of a directory that is gone gives ESTALE; the
 * caller decides what to report then.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fanotify-internal.h"

int fan_path_join(const char *dir, size_t dlen, const char *name, size_t nlen, char *buf,
		  size_t cap)
{
	size_t need;
	bool slash;

	if (nlen == 0 || (nlen == 1 && name[0] == '.')) {
		if (dlen + 1 > cap)
			return -ENAMETOOLONG;
		memmove(buf, dir, dlen);
		buf[dlen] = '\0';
		return (int)dlen;
	}
	slash = !(dlen > 0 && dir[dlen - 1] == '/');
	need = dlen + (slash ? 1 : 0) + nlen + 1;
	if (need > cap)
		return -ENAMETOOLONG;
	memmove(buf, dir, dlen);
	if (slash)
		buf[dlen++] = '/';
	memcpy(buf + dlen, name, nlen);
	buf[dlen + nlen] = '\0';
	return (int)(dlen + nlen);
}

bool fan_path_under_n(const char *path, size_t plen, const char *prefix, size_t n)
{
	/* the last byte first: most prefixes differ there or in length */
	if (plen < n || (n > 0 && path[n - 1] != prefix[n - 1]) || memcmp(path, prefix, n) != 0)
		return false;
	return plen == n || path[n] == '/' || (n == 1 && prefix[0] == '/');
}

bool fan_path_under(const char *path, size_t plen, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	return fan_path_under_n(path, plen, prefix, n);
}

int fan_path_of_fd(int fd, char *buf, size_t cap)
{
	char link[40];
	ssize_t n;

	if (cap < 2)
		return -ENAMETOOLONG;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, cap);
	if (n < 0)
		return -errno;
	if ((size_t)n >= cap)
		return -ENAMETOOLONG; /* readlink truncates silently: never report a cut path */
	buf[n] = '\0';
	return (int)n;
}

int fan_dcache_init(struct fan_dcache *c, uint64_t ttl)
{
	c->e = calloc(FAN_DCACHE_SLOTS, sizeof(*c->e));
	c->ttl = ttl;
	c->hits = c->misses = 0;
	return c->e ? 0 : -ENOMEM;
}

void fan_dcache_free(struct fan_dcache *c)
{
	free(c->e);
	c->e = NULL;
}

void fan_dcache_flush(struct fan_dcache *c)
{
	if (!c->e)
		return;
	c->flushes++;
	for (unsigned i = 0; i < FAN_DCACHE_SLOTS; i++)
		c->e[i].at = 0;
}

static inline uint64_t ld64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static struct fan_dcache_ent *dcache_slot(struct fan_dcache *c, const struct fan_handle *h)
{
	uint64_t x = h->fsid ^ h->fh_len;
	size_t i = 0;

	/*
	 * 8 bytes at a time (handles are 8 + 8..128 bytes), the tail as the
	 * last 8 bytes (overlapping: still a function of the handle alone);
	 * a multiply-xorshift mix
	 */
	for (; i + 8 <= h->fh_len; i += 8) {
		x = (x ^ ld64(h->fh + i)) * 0x9e3779b97f4a7c15ull;
		x ^= x >> 29;
	}
	if (i < h->fh_len) {
		x = (x ^ ld64(h->fh + h->fh_len - 8)) * 0x9e3779b97f4a7c15ull;
		x ^= x >> 29;
	}
	x ^= x >> 32;
	return &c->e[x % FAN_DCACHE_SLOTS];
}

/* Same handle bytes (len >= 8 for both, checked by the caller). */
static inline bool fh_equal(const unsigned char *a, const unsigned char *b, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8)
		if (ld64(a + i) != ld64(b + i))
			return false;
	return i == len || ld64(a + len - 8) == ld64(b + len - 8);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void fan_dcache_stamp(struct fan_dcache *c)
{
	c->now = mono_ns();
}

static int open_handle(const struct fan_fs *fss, unsigned n, const struct fan_handle *h)
{
	union {
		struct file_handle fh;
		unsigned char raw[8 + 128];
	} u;
	int mfd = -1, fd;

	for (unsigned i = 0; i < n; i++) {
		if (fss[i].fsid == h->fsid && fss[i].fd >= 0) {
			mfd = fss[i].fd;
			break;
		}
	}
	if (mfd < 0)
		return -ENODEV;
	memcpy(u.raw, h->fh, h->fh_len); /* aligned copy for the kernel */
	fd = open_by_handle_at(mfd, &u.fh, O_PATH | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* FAN_DC_* of a directory path against the exclusion prefixes. */
static uint8_t dir_excl(const struct fan_dcache *c, const char *dir, size_t dlen)
{
	uint8_t f = 0;

	for (int i = 0; c->excl && c->excl[i]; i++) {
		size_t n = c->excl_len[i];

		if (fan_path_under_n(dir, dlen, c->excl[i], n))
			f |= FAN_DC_DIR_EXCLUDED;
		else if (n > dlen && fan_path_under_n(c->excl[i], n, dir, dlen))
			f |= FAN_DC_CHILD_PREFIX; /* dir/NAME may equal that prefix */
	}
	return f;
}

/* dir/name against the exclusions from the directory's flags: 1, 0, or -1 (ask). */
static int entry_excluded(uint8_t f, const struct fan_handle *h)
{
	if (f & FAN_DC_DIR_EXCLUDED)
		return 1;
	if (h->name_len == 0 || (h->name_len == 1 && h->name[0] == '.'))
		return 0; /* the directory itself */
	return (f & FAN_DC_CHILD_PREFIX) ? -1 : 0;
}

struct fan_dcache_ent *fan_dcache_put(struct fan_dcache *c, const struct fan_handle *h,
				      const char *dir, size_t len)
{
	struct fan_dcache_ent *e;

	if (!c->e || !c->now || len >= sizeof(e->path) || h->fh_len < 8 ||
	    h->fh_len > sizeof(e->fh))
		return NULL;
	e = dcache_slot(c, h);
	e->fsid = h->fsid;
	e->fh_len = (uint16_t)h->fh_len;
	memcpy(e->fh, h->fh, h->fh_len);
	memcpy(e->path, dir, len);
	e->path[len] = '\0';
	e->path_len = (uint16_t)len;
	e->excl = dir_excl(c, e->path, len);
	e->at = c->now;
	return e;
}

int fan_path_resolve(const struct fan_fs *fss, unsigned n, struct fan_dcache *c,
		     const struct fan_handle *h, char *buf, size_t cap, int *excluded)
{
	struct fan_dcache_ent *e = NULL;
	uint64_t now = c ? c->now : 0;
	bool stored = false;
	int fd, len;

	if (excluded)
		*excluded = -1;
	if (!h->present || h->fh_len > 8 + 128 || h->fh_len < 8)
		return -EINVAL;
	if (c && c->e && h->name && now) {
		e = dcache_slot(c, h);
		if (e->at && now - e->at < c->ttl && e->fsid == h->fsid && e->fh_len == h->fh_len &&
		    fh_equal(e->fh, h->fh, h->fh_len)) {
			c->hits++;
			len = fan_path_join(e->path, e->path_len, h->name, h->name_len, buf, cap);
			if (len >= 0 && excluded)
				*excluded = entry_excluded(e->excl, h);
			return len;
		}
		c->misses++;
	}
	fd = open_handle(fss, n, h);
	if (fd < 0)
		return fd;
	len = fan_path_of_fd(fd, buf, cap);
	close(fd);
	if (len < 0)
		return len;
	if (e)
		stored = fan_dcache_put(c, h, buf, (size_t)len) == e;
	if (h->name) {
		len = fan_path_join(buf, (size_t)len, h->name, h->name_len, buf, cap);
		if (len >= 0 && stored && excluded)
			*excluded = entry_excluded(e->excl, h);
	}
	return len;
}
