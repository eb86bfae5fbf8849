/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsensor — the seccomp user-notification source (SENSOR_SOURCE_SECCOMP).
 *
 * Chosen syscalls of a workload stop in the kernel (SECCOMP_RET_USER_NOTIF)
 * and reach the embedder as held `syscall` events (syscall.nr, .name,
 * .arch, .args, process.pid, workload.*). Answer them with
 * sensor_event_respond(): SENSOR_DECISION_DENY makes the syscall fail with
 * the errno given, SENSOR_DECISION_ALLOW lets the kernel run it
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Unanswered events get the source's
 * default at their deadline (allow unless SENSOR_SECCOMP_FAIL_CLOSED).
 *
 * Security rule (docs/seccomp.md): an allow is decided from the syscall
 * number and its *integer* arguments only. Pointer arguments point into the
 * target's memory, which the target can change between our check and the
 * kernel's use; the library never reads them and an embedder must not base
 * an allow on them either.
 *
 * One source serves many notification fds: children started with
 * sensor_seccomp_spawn(), containers whose OCI runtime connects to an agent
 * socket added with sensor_seccomp_add_agent(), and fds handed in with
 * sensor_seccomp_add_fd().
 */
#ifndef LIBSENSOR_SENSOR_SECCOMP_H
#define LIBSENSOR_SENSOR_SECCOMP_H

#include <stdint.h>
#include <sys/types.h>

#include <libsensor/sensor-common.h>
#include <libsensor/sensor-context.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sensor_seccomp_flags {
	/* Default verdict deny (with default_errno) instead of allow. */
	SENSOR_SECCOMP_FAIL_CLOSED = 1u << 0,
};

/* Options of sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, &opts, &src). */
struct sensor_seccomp_opts {
	size_t sz;       /* sizeof(struct sensor_seccomp_opts) */
	uint32_t flags;  /* enum sensor_seccomp_flags */
	/*
	 * NULL-terminated syscall names that the filter of spawned children
	 * holds; NULL: sensor_seccomp_default_syscalls(). The name "socket"
	 * holds only socket(AF_PACKET, ...) and socket(..., SOCK_RAW, ...).
	 * Every other syscall is allowed by the kernel without a round trip.
	 * Copied at sensor_source_add().
	 */
	const char *const *syscalls;
	uint64_t timeout_ns; /* deadline of a held syscall; 0: 5 s */
	int default_errno;   /* errno of a default deny; 0: EPERM */
};

/*
 * The default held set (NULL-terminated, static): ptrace, process_vm_writev,
 * mount, umount2, pivot_root, unshare, setns, init_module, finit_module,
 * delete_module, bpf, perf_event_open, keyctl, add_key, request_key,
 * kexec_load, open_by_handle_at, userfaultfd, personality, socket (packet
 * and raw sockets only).
 */
SENSOR_EXPORT const char *const *sensor_seccomp_default_syscalls(void);

enum sensor_seccomp_spawn_flags {
	/* Set no_new_privs even when the caller could load the filter without it. */
	SENSOR_SECCOMP_SPAWN_NO_NEW_PRIVS = 1u << 0,
};

/*
 * Start argv[0] (searched in PATH when it has no '/') with argv as its
 * arguments and the caller's environment, under the source's filter. The
 * child sets no_new_privs when it lacks CAP_SYS_ADMIN (or when asked), so
 * no privilege is needed. The child is the caller's to wait for; its
 * notifications are served by the context's loop.
 * Returns 0 and writes *ret_pid; -EINVAL (bad arguments, not a seccomp
 * source), -ENOENT/-EACCES when argv[0] cannot be executed, -ENOSYS when
 * the kernel lacks user notification, or another -errno of fork/seccomp.
 * If the exec itself fails after the fork, the child exits with 127.
 * Call it from the thread that runs the context (like every context call).
 * Between fork and exec the child runs only async-signal-safe code, but
 * with the caller's signal handlers and mask (as fork() leaves them).
 */
SENSOR_EXPORT int sensor_seccomp_spawn(sensor_source *src, const char *const argv[],
				       uint32_t flags, pid_t *ret_pid);

/*
 * Listen on a unix socket at `path` for OCI runtimes (runc:
 * linux.seccomp.listenerPath): each connection brings the container state
 * JSON and its notification fd (SCM_RIGHTS); the container's held syscalls
 * then carry workload.id = its OCI id, and a status event
 * "container_attached" (detail: id, pid, bundle, annotations as JSON)
 * announces it; "container_detached" follows when its last process is gone.
 * A stale socket file at path is replaced. The socket file is 0600 and
 * only root and the caller's euid may use it (SO_PEERCRED); see
 * sensor_seccomp_add_agent_opts() for more peers and the channel caps.
 * flags: none yet, must be 0.
 * Returns 0; -EINVAL, -ENAMETOOLONG (path longer than sun_path),
 * -EADDRINUSE, or the -errno of socket/bind/chmod/listen.
 */
SENSOR_EXPORT int sensor_seccomp_add_agent(sensor_source *src, const char *path, uint32_t flags);

/*
 * Options of sensor_seccomp_add_agent_opts(). Zeroed fields take the
 * defaults.
 */
struct sensor_seccomp_agent_opts {
	size_t sz;      /* sizeof(struct sensor_seccomp_agent_opts) */
	uint32_t flags; /* none yet, must be 0 */
	/*
	 * Peers served besides root and the caller's own euid (checked with
	 * SO_PEERCRED on every connection; anyone else is refused). With a
	 * list the socket file is created 0666 (the uid check is the gate);
	 * without one it is 0600. The workload identity (workload.id, .class)
	 * sent by a peer that is neither root nor the caller's euid is a claim,
	 * not a fact: its events carry workload.id "claimed:<uid>:<id>" and
	 * class "claimed:<class>", and no pod. Copied.
	 */
	const uint32_t *allow_uids;
	size_t n_allow_uids;
	/* containers served (and handshakes in progress) through this socket; 0: 1024 */
	uint32_t max_channels;
	/* the same per peer uid, for every peer but root; 0: 64 */
	uint32_t max_channels_per_peer;
};

/*
 * sensor_seccomp_add_agent() with options. The socket file is created with
 * mode 0600 (0666 with allow_uids) before it listens, whatever the umask.
 * A peer passes only fds that are seccomp listeners: any other fd is
 * refused (and closed). Returns 0; -EINVAL (bad opts, flags), -E2BIG (opts
 * larger than this library knows, with non-zero tail), or the errors of
 * sensor_seccomp_add_agent().
 */
SENSOR_EXPORT int sensor_seccomp_add_agent_opts(sensor_source *src, const char *path,
						const struct sensor_seccomp_agent_opts *opts);

/*
 * Serve a notification fd obtained elsewhere (e.g. seccomp_notify_fd()).
 * The source takes ownership of fd, also on failure. flags: must be 0.
 * Returns 0, -EINVAL, -EBADF, -ENOTTY (fd is not a seccomp listener), or -errno.
 */
SENSOR_EXPORT int sensor_seccomp_add_fd(sensor_source *src, int fd, uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif
