/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Real containers for the privileged tests: runc (Debian package) with a
 * busybox-static rootfs, state under a private runc root, and cgroup paths
 * shaped like docker's or kubernetes' so workload attribution is tested on
 * the shapes the field produces. Every container and every cgroup
 * directory a test creates is removed by container_destroy().
 */
#ifndef SENSOR_TEST_CONTAINER_H
#define SENSOR_TEST_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

struct test_container {
	char id[65];          /* 64 hex digits, like docker/containerd IDs */
	char bundle[256];     /* temp dir with config.json and rootfs/ */
	char cgroups_path[512];
	char pod_uid[40];     /* kubepods shape only */
	pid_t pid;            /* init process, once started */
	bool started;
};

enum container_shape {
	CONTAINER_DOCKER,   /* cgroupsPath /docker/<id> (docker, cgroupfs driver) */
	CONTAINER_KUBEPODS, /* cgroupsPath /kubepods/besteffort/pod<uid>/<id> */
};

/*
 * Prepare a bundle: rootfs from busybox-static, config.json running argv
 * (NULL-terminated) as root in new pid/ipc/uts/mount/network namespaces.
 * extra_linux: JSON members appended inside "linux" (e.g. a seccomp
 * section), or NULL; extra_top: members appended at the top level
 * (e.g. "annotations"), or NULL. Returns 0 or -errno.
 */
int container_prepare(struct test_container *c, enum container_shape shape,
		      const char *const *argv, const char *extra_linux, const char *extra_top);
/* runc run --detach; fills c->pid. 0 or -1 (runc's stderr is printed). */
int container_start(struct test_container *c);
/* runc exec a command in the container; returns its exit status or -1. */
int container_exec(struct test_container *c, const char *const *argv);
/* Kill, delete, remove the bundle and the cgroup directories created. NULL-safe. */
void container_destroy(struct test_container *c);
/* Where bundles are made (default /tmp); a test's own filesystem when it watches one. */
void container_set_bundle_parent(const char *dir);
/* The runc --root used by the tests. */
const char *container_runc_root(void);

#endif
