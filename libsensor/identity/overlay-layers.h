/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The layers behind a container's overlay root (docker overlay2, the
 * containerd overlayfs snapshotter, podman): fanotify reports the backing
 * inodes, so a file the container writes is named by its path in the upper
 * dir and a file it reads from the image by its path in a lower dir. Knowing
 * the layers of the mount at the container's rootfs maps those host paths
 * back into the container's view.
 */
#ifndef SENSOR_IDENTITY_OVERLAY_LAYERS_H
#define SENSOR_IDENTITY_OVERLAY_LAYERS_H

#include <stddef.h>

/*
 * From mountinfo text buf[0..len), the layers of the overlay mounted at
 * mount point `rootfs`: upperdir first, then each lowerdir, as absolute
 * paths separated by '\n' in out (NUL-terminated); the upper dir's line
 * starts with '+', the work dir's (overlay's own bookkeeping) with '!'.
 * Returns the number of layers (0 when rootfs is no overlay mount point, or a layer list does not
 * fit into cap: never a partial list), -EINVAL on bad arguments.
 */
int overlay_layers_parse(const char *buf, size_t len, const char *rootfs, char *out, size_t cap);

/* The same, reading /proc/self/mountinfo (bounded to 4 MiB). */
int overlay_layers_read(const char *rootfs, char *out, size_t cap);

#endif
