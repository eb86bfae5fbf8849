/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container metadata that cgroups do not carry: the image a container runs,
 * read from the OCI runtime's state (runc/crun keep the spec's annotations
 * as labels in <root>/<id>/state.json) or from docker's config.v2.json.
 * Used once per new container instance to set its class.
 */
#ifndef SENSOR_IDENTITY_WORKLOAD_META_H
#define SENSOR_IDENTITY_WORKLOAD_META_H

#include <stddef.h>

/* Default runtime state roots, colon-separated. */
#define WORKLOAD_META_DEFAULT_ROOTS                                                   \
	"/run/runc:/run/crun:/run/docker/runtime-runc/moby:/run/containerd/runc/k8s.io:" \
	"/run/containerd/runc/default:/run/containerd/runc/moby"

/*
 * Find the image of container `id`: 1 and the name in out (NUL-terminated),
 * 0 when no metadata names it, -EINVAL on bad arguments. roots: colon-separated
 * state roots (NULL: the defaults); docker_dir: docker's containers dir
 * (NULL: /var/lib/docker/containers).
 */
int workload_meta_image(const char *roots, const char *docker_dir, const char *id, char *out,
			size_t cap);

/*
 * The same, plus where the container's root is on the host (runc/crun
 * state `config.rootfs`) into rootfs ("" when unknown; may be NULL).
 * Returns 1 when an image was found, else 0, or -EINVAL.
 */
int workload_meta_lookup(const char *roots, const char *docker_dir, const char *id, char *out,
			 size_t cap, char *rootfs, size_t rcap);

/*
 * The image named by OCI annotations given as "key=value" labels, in order of
 * preference (CRI containerd, CRI-O, OCI image ref). 1 when found.
 * Exposed for tests.
 */
int workload_meta_image_from_labels(const char *const *labels, size_t n, char *out, size_t cap);

#endif
