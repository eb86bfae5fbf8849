/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Warming the exec identities of an enforcing container (docs/enforce.md,
 * "Cost"): when its mounts are marked, the content of each binary it
 * learned (its binary:<hash>:<path> features) is hashed into the
 * permission group's identity cache, so the first exec of a learned binary
 * is a lookup instead of a SHA-256 of the file while the exec waits. The
 * cache still checks each use with fstat of the event's fd (device, inode,
 * size, mtime, ctime): a file changed since is hashed again and decided on
 * its new content.
 *
 * The files are opened through the host's view of the container's rootfs
 * (RESOLVE_IN_ROOT: a symlink the container planted cannot lead out),
 * never through the container's marked mounts: an open there would be held
 * by a permission group (ours, waiting for this very thread, or another
 * sensor's, which may be waiting for us).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <unistd.h>

#include <libsensor/sensor-fanotify.h>

#include "baseline.h"
#include "enforce.h"
#include "model/features.h"

/* Files hashed per marking at most: half the identity cache, so warming does not evict itself. */
#define ENF_WARM_MAX ((CONTENT_ID_SETS * CONTENT_ID_WAYS) / 2)

/* A regular file at path inside rootfd, read-only; never a FIFO or device (no open side effects). */
static int open_regular_in(int rootfd, const char *path)
{
	/* the last component may be a symlink (an image's /bin/sh): followed inside the root */
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	char self[48];
	struct stat st;
	int pfd, fd;

	pfd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(pfd);
		return -EINVAL;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	fd = fd < 0 ? -errno : fd;
	close(pfd);
	return fd;
}

int enf_warm(struct sensor_baseline *b, uint32_t wi, const char *rootfs)
{
	const struct model *m = &b->m;
	unsigned done = 0, failed = 0;
	int rootfd;

	if (!b->enf.fan || !rootfs || rootfs[0] != '/' || wi >= m->nwls)
		return -EINVAL;
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	for (uint32_t fi = 0; fi < m->nfeats && done + failed < ENF_WARM_MAX; fi++) {
		const struct feat *f = &m->feats[fi];
		const char *key, *path;
		char buf[4096];
		size_t plen;
		int fd;

		if (f->wl != wi || f->kind != FEAT_BINARY || (f->flags & FEAT_F_DEAD) ||
		    !(f->flags & FEAT_F_APPROVED))
			continue;
		/* binary:<hex>:<path> */
		key = model_key(m, f);
		if (f->klen <= 7 + FEAT_BINARY_HEX + 1)
			continue;
		path = key + 7 + FEAT_BINARY_HEX + 1;
		plen = f->klen - (size_t)(path - key);
		if (path[-1] != ':' || path[0] != '/' || plen >= sizeof(buf))
			continue;
		memcpy(buf, path, plen);
		buf[plen] = '\0';
		fd = open_regular_in(rootfd, buf);
		if (fd < 0) {
			failed++;
			continue;
		}
		if (sensor_fanotify_prime(b->enf.fan, fd, 0) == 0)
			done++;
		else
			failed++;
		close(fd);
	}
	close(rootfd);
	ctx_log(b->ctx, SENSOR_LOG_INFO,
		"enforce: %u learned binaries of %s hashed in advance (%u not found or unreadable)",
		done, m->wls[wi].id, failed);
	return (int)done;
}
