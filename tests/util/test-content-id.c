/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SHA-256 against the FIPS 180-4 / NIST example vectors and sha256sum, and
 * the content-identity cache: a read once per unchanged file, a new read
 * after a write (even one that keeps size and mtime), no identity for
 * directories.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	cr_assert_eq(content_id_of_fd(&c, fd, h, &st), 0);
	cr_assert_str_eq(h, want);
	cr_assert_eq(c.misses, 1);
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
