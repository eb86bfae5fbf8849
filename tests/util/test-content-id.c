/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SHA-256 against the FIPS 180-4 / NIST example vectors and sha256sum, and
 * the content-identity cache: a read once per unchanged file, a new read
 * after a write (even one that keeps size and mtime), no identity kept for
 * a file changed in the current clock tick, a bounded table whose
 * replacements are counted, no identity for directories.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/content-id.h"
#include "util/sha256.h"

static void hex_of(const void *data, size_t len, char out[65])
{
	struct sha256 s;
	unsigned char d[32];

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, d);
	sha256_hex(d, out);
}

Test(sha256, nist_vectors)
{
	char h[65];
	char *million = malloc(1000000);

	hex_of("", 0, h);
	cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, h);
	cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	cr_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	cr_assert_not_null(million);
	memset(million, 'a', 1000000);
	hex_of(million, 1000000, h);
	cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* the same bytes fed in odd pieces */
	{
		struct sha256 s;
		unsigned char d[32];
		size_t off = 0, step = 1;

		sha256_init(&s);
		while (off < 1000000) {
			size_t n = step < 1000000 - off ? step : 1000000 - off;

			sha256_update(&s, million + off, n);
			off += n;
			step = step * 3 % 997 + 1;
		}
		sha256_final(&s, d);
		sha256_hex(d, h);
		cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	}
	free(million);
}

/*
 * Until the kernel's timestamp clock has moved past fd's ctime (one tick,
 * a few ms): only then is an identity kept. Polls the state, bounded.
 */
static void past_ctime(int fd)
{
	struct stat st;
	struct timespec now;

	cr_assert_eq(fstat(fd, &st), 0);
	for (int i = 0; i < 2000; i++) {
		cr_assert_eq(clock_gettime(CLOCK_REALTIME_COARSE, &now), 0);
		if (now.tv_sec > st.st_ctim.tv_sec ||
		    (now.tv_sec == st.st_ctim.tv_sec && now.tv_nsec > st.st_ctim.tv_nsec))
			return;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	cr_assert_fail("the coarse clock never passed the ctime");
}

Test(content_id, matches_sha256sum_and_caches)
{
	struct content_id_cache c = { 0 };
	char h[65], want[65] = "", path[] = "/tmp/content-id-XXXXXX", cmd[128];
	struct stat st;
	int fd = mkstemp(path);
	FILE *p;

	cr_assert_geq(fd, 0);
	for (int i = 0; i < 5000; i++)
		cr_assert_eq(write(fd, "0123456789abcdefghijklmnopqrstuvwxyz\n", 37), 37);
	snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_eq(fread(want, 1, 64, p), 64);
	pclose(p);
	past_ctime(fd);
	cr_assert_eq(content_id_of_fd(&c, fd, h, &st), 0);
	cr_assert_str_eq(h, want);
	cr_assert_eq(c.misses, 1);
	cr_assert_eq(c.uncached, 0);
	cr_assert_eq(content_id_of_fd(&c, fd, h, &st), 0);
	cr_assert_eq(c.hits, 1, "an unchanged file is read once");
	/* same size, same mtime forced back: ctime still moves, the file is read again */
	{
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		usleep(10000);
		cr_assert_eq(pwrite(fd, "X", 1, 0), 1);
		cr_assert_eq(futimens(fd, ts), 0);
	}
	cr_assert_eq(content_id_of_fd(&c, fd, h, &st), 0);
	cr_assert_eq(c.misses, 2);
	cr_assert_str_neq(h, want);
	close(fd);
	unlink(path);
	fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_eq(content_id_of_fd(&c, fd, h, &st), -EINVAL);
	close(fd);
	content_id_cache_free(&c);
}

/*
 * Same inode, same size, mtime put back, changed right after its identity
 * was computed: decided on the new content. A change in the clock tick of
 * the ctime could keep the ctime, so an identity whose ctime is not older
 * than the clock is used once and not kept; once the clock has moved on it
 * is kept, and the next change (a later ctime) is read again.
 */
Test(content_id, modified_after_cached_is_read_again)
{
	struct content_id_cache c = { 0 };
	char h1[65], h2[65], h3[65], path[] = "/tmp/content-id-XXXXXX";
	struct stat st, st2;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	/* changed in this tick: read, not kept */
	cr_assert_eq(content_id_of_fd(&c, fd, h1, &st), 0);
	if (c.uncached == 1) {
		cr_assert_eq(content_id_of_fd(&c, fd, h1, &st), 0);
		cr_assert_eq(c.misses, 2, "an identity of the ctime's own tick is not kept");
		cr_assert_eq(c.hits, 0);
	}
	past_ctime(fd);
	cr_assert_eq(content_id_of_fd(&c, fd, h1, &st), 0);
	cr_assert_eq(content_id_of_fd(&c, fd, h1, &st), 0);
	cr_assert_geq(c.hits, 1, "kept once the clock passed the ctime");
	/* the same inode, same size, mtime put back: new content */
	{
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		uint64_t misses = c.misses;

		cr_assert_eq(pwrite(fd, "1", 1, 15), 1);
		cr_assert_eq(futimens(fd, ts), 0);
		cr_assert_eq(fstat(fd, &st2), 0);
		cr_assert_eq(st2.st_ino, st.st_ino);
		cr_assert_eq(st2.st_size, st.st_size);
		cr_assert_eq(st2.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
		cr_assert_eq(content_id_of_fd(&c, fd, h2, &st2), 0);
		cr_assert_eq(c.misses, misses + 1, "a modified file is read again");
		cr_assert_str_neq(h2, h1);
	}
	/* and changed back to the first bytes: read again, the first identity */
	cr_assert_eq(pwrite(fd, "0", 1, 15), 1);
	cr_assert_eq(content_id_of_fd(&c, fd, h3, &st2), 0);
	cr_assert_str_eq(h3, h1);
	close(fd);
	unlink(path);
	content_id_cache_free(&c);
}

/* More files than the table holds: replacements counted, the newest kept. */
Test(content_id, bounded_and_evictions_counted)
{
	enum { N = CONTENT_ID_SETS * CONTENT_ID_WAYS + 100 };
	struct content_id_cache c = { 0 };
	char dir[] = "/tmp/content-id-d-XXXXXX", p[64], h[65];
	struct stat st;
	int fd = -1;

	cr_assert_not_null(mkdtemp(dir));
	for (int i = 0; i < N; i++) {
		snprintf(p, sizeof(p), "%s/%d", dir, i);
		if (fd >= 0)
			close(fd);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		cr_assert_geq(fd, 0);
		cr_assert_eq(write(fd, p, strlen(p)), (ssize_t)strlen(p));
	}
	past_ctime(fd); /* the last file written */
	close(fd);
	for (int i = 0; i < N; i++) {
		snprintf(p, sizeof(p), "%s/%d", dir, i);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		cr_assert_geq(fd, 0);
		cr_assert_eq(content_id_of_fd(&c, fd, h, &st), 0);
		if (i < N - 1)
			close(fd);
	}
	cr_assert_eq(c.misses, N);
	cr_assert_eq(c.uncached, 0);
	/* each identity kept took a free way or replaced one: at most the table's size stay */
	cr_assert_geq(c.evictions, N - CONTENT_ID_SETS * CONTENT_ID_WAYS);
	cr_assert_lt(c.evictions, N);
	/* the last one kept is never the one replaced */
	cr_assert_eq(content_id_of_fd(&c, fd, h, &st), 0);
	cr_assert_eq(c.hits, 1);
	close(fd);
	for (int i = 0; i < N; i++) {
		snprintf(p, sizeof(p), "%s/%d", dir, i);
		unlink(p);
	}
	rmdir(dir);
	content_id_cache_free(&c);
}
