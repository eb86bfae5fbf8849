/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "overlay-layers.h"

#define MOUNTINFO_MAX (4u << 20)

/* Undo mountinfo's \ooo octal escapes of [s, s+n) into out; length or -1. */
static int unescape(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
		    s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

/* Append one layer path [s, s+n) (escaped) and a '\n'; 0 or -1 when it does not fit. */
static int add_layer(const char *s, size_t n, char *out, size_t cap, size_t *used)
{
	int l;

	if (n == 0 || s[0] != '/')
		return 0; /* a relative or empty entry names nothing we can map */
	l = unescape(s, n, out + *used, cap - *used);
	if (l < 0 || *used + (size_t)l + 2 > cap)
		return -1;
	*used += (size_t)l;
	out[(*used)++] = '\n';
	out[*used] = '\0';
	return 1;
}

/* The value of option `key=` in a comma-separated option list, or NULL. */
static const char *opt(const char *s, size_t n, const char *key, size_t *vlen)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < n;) {
		size_t e = i;

		while (e < n && s[e] != ',')
			e++;
		if (e - i > kl && memcmp(s + i, key, kl) == 0) {
			*vlen = e - i - kl;
			return s + i + kl;
		}
		i = e + 1;
	}
	return NULL;
}

int overlay_layers_parse(const char *buf, size_t len, const char *rootfs, char *out, size_t cap)
{
	size_t rl;

	if (!buf || !rootfs || !out || cap == 0)
		return -EINVAL;
	out[0] = '\0';
	rl = strlen(rootfs);
	for (size_t i = 0; i < len;) {
		const char *f[16];
		size_t fl[16], e = i, nf = 0, dash = 0;
		char mp[4096];

		while (e < len && buf[e] != '\n')
			e++;
		/* fields split on ' ' */
		for (size_t p = i; p < e && nf < 16;) {
			size_t q = p;

			while (q < e && buf[q] != ' ')
				q++;
			f[nf] = buf + p;
			fl[nf++] = q - p;
			p = q + 1;
		}
		for (size_t k = 6; k < nf; k++)
			if (fl[k] == 1 && f[k][0] == '-') {
				dash = k;
				break;
			}
		i = e + 1;
		if (!dash || dash + 3 >= nf)
			continue;
		if (fl[dash + 1] != 7 || memcmp(f[dash + 1], "overlay", 7) != 0)
			continue;
		if (unescape(f[4], fl[4], mp, sizeof(mp)) != (int)rl || memcmp(mp, rootfs, rl) != 0)
			continue;
		{
			const char *up, *low;
			size_t ul = 0, ll = 0, used = 0;
			int n = 0, r;

			up = opt(f[dash + 3], fl[dash + 3], "upperdir=", &ul);
			low = opt(f[dash + 3], fl[dash + 3], "lowerdir=", &ll);
			if (up && ul && up[0] == '/') {
				if (used + 1 >= cap)
					goto toolong;
				out[used++] = '+'; /* the upper dir: the container's own writes */
				if ((r = add_layer(up, ul, out, cap, &used)) <= 0)
					goto toolong;
				n += r;
			}
			/* the work dir, marked '!': what happens there is overlay's own */
			{
				const char *wd;
				size_t wl = 0;

				wd = opt(f[dash + 3], fl[dash + 3], "workdir=", &wl);
				if (wd && wl && wd[0] == '/' && used + 1 < cap) {
					size_t before = used;

					out[used++] = '!';
					if ((r = add_layer(wd, wl, out, cap, &used)) <= 0) {
						used = before;
						out[used] = '\0';
						if (r < 0)
							goto toolong;
					}
				}
			}
			/* lowerdir=a:b:c ("::" separates data-only layers) */
			for (size_t p = 0; low && p < ll;) {
				size_t q = p;

				while (q < ll && low[q] != ':')
					q++;
				if ((r = add_layer(low + p, q - p, out, cap, &used)) < 0)
					goto toolong;
				n += r;
				p = q + 1;
			}
			return n;
toolong:
			out[0] = '\0';
			return 0;
		}
	}
	return 0;
}

/*
 * Each layer as the kernel names its files: docker's overlay2 lowerdirs are
 * its short symlinks (overlay2/l/XXXX -> ../<layer>/diff), but fanotify
 * reports the layer's real path. A layer that does not resolve, or whose
 * real path does not fit, stays as the mount named it.
 */
static void resolve_layers(char *out, size_t cap)
{
	char *res = malloc(cap), path[PATH_MAX], real[PATH_MAX];
	size_t used = 0;
	const char *p = out;

	if (!res)
		return;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p), mark = (*p == '+' || *p == '!');
		const char *use = p + mark;
		size_t ul = n - mark;

		if (ul < sizeof(path)) {
			memcpy(path, use, ul);
			path[ul] = '\0';
			if (realpath(path, real)) {
				use = real;
				ul = strlen(real);
			}
		}
		if (used + mark + ul + 2 > cap) {
			free(res);
			return; /* keep the unresolved list whole */
		}
		if (mark)
			res[used++] = *p;
		memcpy(res + used, use, ul);
		used += ul;
		res[used++] = '\n';
		p += n + (e ? 1 : 0);
	}
	res[used] = '\0';
	memcpy(out, res, used + 1);
	free(res);
}

int overlay_layers_read(const char *rootfs, char *out, size_t cap)
{
	int fd, r;
	char *buf;
	size_t len = 0;
	ssize_t n;

	if (!rootfs || !out || cap == 0)
		return -EINVAL;
	out[0] = '\0';
	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(MOUNTINFO_MAX);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < MOUNTINFO_MAX && (n = read(fd, buf + len, MOUNTINFO_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	r = overlay_layers_parse(buf, len, rootfs, out, cap);
	free(buf);
	if (r > 0)
		resolve_layers(out, cap);
	return r;
}
