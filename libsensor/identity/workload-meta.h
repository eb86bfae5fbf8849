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

#include <libsensor/sensor-context.h>

/* Default runtime state roots, colon-separated. */
#define WORKLOAD_META_DEFAULT_ROOTS SENSOR_OCI_STATE_ROOTS_DEFAULT

/* What a runtime's metadata names about one container ("" when it does not). */
struct workload_meta {
	char image[250];
	char pod_name[254];      /* DNS subdomain: at most 253 bytes */
	char namespace_[64];     /* DNS label: at most 63 */
	char container_name[254];
	char rootfs[1024];       /* the container's / on the host */
	/* the host dir the spec's /etc/hostname is bind-mounted from: docker's
	 * <data-root>/containers/<id>, where its config.v2.json is, whatever
	 * --data-root the daemon runs with */
	char hostname_dir[1024];
	/* the layers of an overlay mounted at rootfs, upper first, '\n'-separated
	 * (overlay-layers.h): where fanotify names the container's files */
	char layers[4096];
};

/*
 * Read everything runc/crun state (config.labels: the spec's annotations)
 * and docker's config.v2.json say about container `id`. 1 when anything
 * was found, 0 when nothing, -EINVAL on bad arguments. roots and
 * docker_dir as below.
 */
int workload_meta_read(const char *roots, const char *docker_dir, const char *id,
		       struct workload_meta *m);

/*
 * Parse the text of a runc/crun state.json (untrusted: a container's
 * annotations are its creator's) into m's image, names, rootfs and
 * hostname_dir (m is not cleared first). 0, -EBADMSG (not a JSON object), -EINVAL.
 */
int workload_meta_parse_state(const char *buf, size_t len, struct workload_meta *m);

/*
 * Fill the kubernetes names of m (pod, namespace, container) from
 * "key=value" labels: containerd CRI keys first, then the kubelet labels
 * CRI-O copies into the annotations. Values that do not fit are left out,
 * never cut. Exposed for tests.
 */
void workload_meta_names_from_labels(const char *const *labels, size_t n, struct workload_meta *m);

/*
 * Find the image of container `id`: 1 and the name in out (NUL-terminated),
 * 0 when no metadata names it, -EINVAL on bad arguments. roots: colon-separated
 * state roots (NULL: the defaults); docker_dir: docker's containers dir
 * (NULL: /var/lib/docker/containers).
 */
int workload_meta_image(const char *roots, const char *docker_dir, const char *id, char *out,
			size_t cap);

/*
 * The image named by OCI annotations given as "key=value" labels, in order of
 * preference (CRI containerd, CRI-O, OCI image ref). 1 when found.
 * Exposed for tests.
 */
int workload_meta_image_from_labels(const char *const *labels, size_t n, char *out, size_t cap);

#endif
