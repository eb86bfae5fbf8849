/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Real containers for the privileged tests: runc (Debian package), state
 * under a private runc root, started after the sensor the way docker and
 * containerd start them: the runc ID is the 64-hex container ID of a
 * docker- or kubepods-shaped cgroup path, so workload attribution is tested
 * on the shapes the field produces.
 *
 * container_create() builds what a real runtime builds:
 *  - an image layer made once per test process and shared by every
 *    container of that image kind: busybox-static with every applet linked
 *    (Alpine-like), or separate binaries (bash, coreutils, a few tools)
 *    copied from the host with the shared libraries ldd names;
 *  - a rootfs that is an overlay mount of that layer (lower) with an upper
 *    and work dir of the container's own, as docker's overlay2 and the
 *    containerd overlayfs snapshotter do (fanotify then reports the
 *    backing upper/lower paths);
 *  - optionally a network namespace of its own (/run/netns/NAME, as CNI
 *    makes them) joined by a veth pair to a peer namespace the test runs
 *    servers in, addresses of a private test range only inside those two.
 *
 * Every container, mount, netns and directory a test creates is removed by
 * container_destroy().
 */
#ifndef SENSOR_TEST_CONTAINER_H
#define SENSOR_TEST_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

enum container_shape {
	CONTAINER_DOCKER,   /* cgroupsPath /docker/<id> (docker, cgroupfs driver) */
	CONTAINER_KUBEPODS, /* cgroupsPath /kubepods/besteffort/pod<uid>/<id> */
};

enum container_image {
	CONTAINER_IMAGE_BUSYBOX, /* busybox-static, every applet a symlink */
	CONTAINER_IMAGE_DISTRO,  /* bash, coreutils, tools: separate binaries + libs */
};

/* The peer's and the container's address on the veth (CONTAINER_NET). */
#define CONTAINER_PEER_ADDR "10.213.0.1"
#define CONTAINER_ADDR      "10.213.0.2"

struct test_container {
	char id[65];          /* 64 hex digits, like docker/containerd IDs */
	char bundle[256];     /* temp dir with config.json and rootfs/ */
	char rootfs[300];     /* <bundle>/rootfs: a plain dir or the overlay mount */
	char upper[300];      /* overlay upper dir ("" without overlay) */
	char lower[256];      /* shared image layer ("" without overlay) */
	char cgroups_path[512];
	char pod_uid[40];     /* kubepods shape only */
	char netns[32];       /* own netns name under /run/netns ("" when none) */
	char peer_netns[32];  /* the peer's netns name */
	enum container_image image;
	pid_t pid;            /* init process, once started */
	bool started, mounted;
	int image_ref;        /* index of the shared layer this container holds, or -1 */
};

struct container_opts {
	enum container_shape shape;
	enum container_image image;
	bool overlay; /* rootfs = overlay(shared image layer, own upper); else a plain copy */
	bool net;     /* own netns + veth to a peer netns (else a fresh unnamed netns) */
	const char *const *argv; /* the entrypoint, NULL-terminated */
	const char *extra_linux; /* JSON members appended inside "linux", or NULL */
	const char *extra_top;   /* JSON members appended at the top level, or NULL */
};

/*
 * Prepare a bundle as opts say: docker's default capabilities, masked and
 * read-only paths, a /etc with passwd, group, shadow, hosts. Returns 0 or
 * -errno; on failure what was made is removed (container_destroy is still
 * safe to call).
 */
int container_create(struct test_container *c, const struct container_opts *o);

/*
 * The original helper, kept for the tests written against it: a plain
 * busybox rootfs dir, argv as root with only CAP_KILL and no_new_privs,
 * a fresh netns without interfaces. extra_linux / extra_top as above.
 */
int container_prepare(struct test_container *c, enum container_shape shape,
		      const char *const *argv, const char *extra_linux, const char *extra_top);
/* runc run --detach; fills c->pid. 0 or -1 (runc's stderr is printed). */
int container_start(struct test_container *c);
/* runc exec a command in the container; returns its exit status or -1. */
int container_exec(struct test_container *c, const char *const *argv);
/*
 * runc exec with stdout captured into out (NUL-terminated, truncated to
 * cap); returns the exit status or -1.
 */
int container_exec_capture(struct test_container *c, const char *const *argv, char *out,
			   size_t cap);
/*
 * Make the calling process one of the container's, as `runc exec` does:
 * its cgroup first (every event of the caller is the container's), then
 * its ipc, uts, net, pid (for the caller's children) and mount namespaces
 * (root and cwd become the container's "/"). For a forked child; 0 or
 * -errno (then the caller may be half-joined: it should exit).
 */
int container_join(const struct test_container *c);
/*
 * Start argv (host binaries) in the peer netns (CONTAINER_NET), not waited
 * for: returns its pid (the caller kills and reaps it) or -1.
 */
pid_t container_peer_spawn(struct test_container *c, const char *const *argv);
/*
 * A gate: a FIFO /<name> in the container's rootfs (made before or after
 * start) that the test holds open (read and write: never blocks). A command
 * in the container that reads it waits for the test:
 *  - `read x </name` returns once the test called container_gate_pass()
 *    (a line, kept in the FIFO while the test holds it: no matter whether
 *    the reader opened it yet);
 *  - a tool reading to the end (`nc ... </name`) ends when the test closes
 *    the fd (EOF), which only a reader that opened it already sees: close
 *    only once it is known to have opened it (its state was observed).
 * Returns the fd, or -errno. A child forked while a gate is held must close
 * the fd, or the gate never closes.
 */
int container_gate(struct test_container *c, const char *name);
/* Let one `read` of the gate through. 0 or -errno. */
int container_gate_pass(int fd);
/* Kill, delete, unmount, remove the netns, bundle and cgroup dirs. NULL-safe. */
void container_destroy(struct test_container *c);
/* Where bundles and image layers are made (default /tmp); a test's own filesystem when it watches one. */
void container_set_bundle_parent(const char *dir);
/* The runc --root used by the tests. */
const char *container_runc_root(void);

#endif
