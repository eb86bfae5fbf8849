/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsensor — the unified event (architecture §3).
 *
 * An event reaches the embedder through the context's event callback. It is
 * valid during the callback; sensor_event_ref() keeps it (and every string
 * it returns) alive until the matching sensor_event_unref(). Events must be
 * released before their context is freed.
 *
 * Fields are read through typed getters keyed by `enum sensor_field`; every
 * field has a stable dotted name ("process.pid", "net.dport") that is also
 * its JSON path, its name in rules files and in the CLI.
 */
#ifndef LIBSENSOR_SENSOR_EVENT_H
#define LIBSENSOR_SENSOR_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libsensor/sensor-common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sensor_event sensor_event;

enum sensor_kind {
	SENSOR_KIND_NONE = 0,
	SENSOR_KIND_EXEC = 1,
	SENSOR_KIND_EXIT = 2,
	SENSOR_KIND_FILE = 3,
	SENSOR_KIND_NET = 4,
	SENSOR_KIND_SYSCALL = 5,
	SENSOR_KIND_LOSS = 6,
	SENSOR_KIND_STATUS = 7,
	SENSOR__KIND_MAX,
	SENSOR__KIND_FORCE_INT = 0x7fffffff
};

enum sensor_field_type {
	SENSOR_FIELD_TYPE_INT = 1, /* read with sensor_event_get_int() */
	SENSOR_FIELD_TYPE_STR = 2, /* read with sensor_event_get_str() */
	SENSOR__FIELD_TYPE_FORCE_INT = 0x7fffffff
};

/* Values are stable; new fields are appended before SENSOR__FIELD_MAX. */
enum sensor_field {
	SENSOR_FIELD_NONE = 0,
	/* common */
	SENSOR_FIELD_KIND,         /* str: "exec", ... */
	SENSOR_FIELD_SOURCE,       /* str: "proc", ... */
	SENSOR_FIELD_TIME,         /* int: CLOCK_REALTIME ns */
	SENSOR_FIELD_MONOTONIC,    /* int: CLOCK_MONOTONIC ns, for ordering */
	SENSOR_FIELD_SEQ,          /* int: per context, starts at 1 */
	/* process */
	SENSOR_FIELD_PROCESS_PID,
	SENSOR_FIELD_PROCESS_TID,
	SENSOR_FIELD_PROCESS_PPID,
	SENSOR_FIELD_PROCESS_UID,
	SENSOR_FIELD_PROCESS_EUID,
	SENSOR_FIELD_PROCESS_GID,
	SENSOR_FIELD_PROCESS_EGID,
	SENSOR_FIELD_PROCESS_AUID,     /* 4294967295 = unset */
	SENSOR_FIELD_PROCESS_SESSION,
	SENSOR_FIELD_PROCESS_COMM,
	SENSOR_FIELD_PROCESS_EXE,
	SENSOR_FIELD_PROCESS_CMDLINE,  /* argv joined by spaces */
	SENSOR_FIELD_PROCESS_TTY,      /* controlling terminal ("pts0"; "(none)" = none) */
	SENSOR_FIELD_PROCESS_START,    /* boot-time ns the process started */
	/* workload */
	SENSOR_FIELD_WORKLOAD_KIND,    /* host, container, pod, unit, session */
	SENSOR_FIELD_WORKLOAD_ID,
	SENSOR_FIELD_WORKLOAD_CLASS,
	SENSOR_FIELD_WORKLOAD_RUNTIME, /* docker, containerd, cri-o, podman, runc, crun, systemd */
	SENSOR_FIELD_WORKLOAD_POD,     /* kubernetes pod UID */
	SENSOR_FIELD_WORKLOAD_QOS,     /* guaranteed, burstable, besteffort */
	SENSOR_FIELD_WORKLOAD_CGROUP,  /* the cgroup path it was resolved from */
	/* exec */
	SENSOR_FIELD_EXEC_PATH,
	SENSOR_FIELD_EXEC_CWD,
	SENSOR_FIELD_EXEC_PARENT_EXE,
	SENSOR_FIELD_EXEC_ARGC,        /* argv via sensor_event_get_argv() */
	/* exit */
	SENSOR_FIELD_EXIT_CODE,
	SENSOR_FIELD_EXIT_SIGNAL,
	/* file */
	SENSOR_FIELD_FILE_OP,
	SENSOR_FIELD_FILE_PATH,       /* as the process sees it (inside its container's root) */
	SENSOR_FIELD_FILE_TO,
	SENSOR_FIELD_FILE_FLAGS,
	SENSOR_FIELD_FILE_HOST_PATH,  /* file.path as the host sees it, when the process has its own root */
	SENSOR_FIELD_FILE_HOST_TO,
	/* net */
	SENSOR_FIELD_NET_OP,
	SENSOR_FIELD_NET_PROTO,
	SENSOR_FIELD_NET_FAMILY,      /* "inet", "inet6", "unix", ... */
	SENSOR_FIELD_NET_SRC,
	SENSOR_FIELD_NET_SPORT,
	SENSOR_FIELD_NET_DST,
	SENSOR_FIELD_NET_DPORT,
	SENSOR_FIELD_NET_STATE,
	SENSOR_FIELD_NET_NETNS,
	SENSOR_FIELD_NET_BYTES,
	SENSOR_FIELD_NET_PACKETS,
	/* net: conntrack and NFQUEUE details */
	SENSOR_FIELD_NET_REPLY_SRC,    /* reply tuple: differs from the original under NAT */
	SENSOR_FIELD_NET_REPLY_SPORT,
	SENSOR_FIELD_NET_REPLY_DST,
	SENSOR_FIELD_NET_REPLY_DPORT,
	SENSOR_FIELD_NET_ICMP_TYPE,
	SENSOR_FIELD_NET_ICMP_CODE,
	SENSOR_FIELD_NET_STATUS,       /* conntrack status bits (IPS_*) */
	SENSOR_FIELD_NET_ZONE,
	SENSOR_FIELD_NET_MARK,
	SENSOR_FIELD_NET_FLOW_ID,      /* conntrack id: same for new/update/end of a flow */
	SENSOR_FIELD_NET_REPLY_BYTES,  /* net.bytes/packets are the original direction */
	SENSOR_FIELD_NET_REPLY_PACKETS,
	SENSOR_FIELD_NET_START,        /* CLOCK_REALTIME ns the flow started (timestamps on) */
	SENSOR_FIELD_NET_STOP,         /* ... and ended */
	SENSOR_FIELD_NET_TIMEOUT,      /* seconds until conntrack expires the flow */
	SENSOR_FIELD_NET_ATTRIBUTION,  /* how process.* was found: "socket", "audit", "packet", "none" */
	SENSOR_FIELD_NET_QUEUE,        /* NFQUEUE number the packet came from */
	/* syscall */
	SENSOR_FIELD_SYSCALL_NR,
	SENSOR_FIELD_SYSCALL_NAME,
	SENSOR_FIELD_SYSCALL_ARCH,
	SENSOR_FIELD_SYSCALL_RET,
	SENSOR_FIELD_SYSCALL_NARGS,   /* args via sensor_event_get_args() */
	/* loss */
	SENSOR_FIELD_LOSS_SOURCE,
	SENSOR_FIELD_LOSS_COUNT,
	SENSOR_FIELD_LOSS_DETAIL,     /* what was lost, as the source knows it */
	/* status */
	SENSOR_FIELD_STATUS_SOURCE,
	SENSOR_FIELD_STATUS_STATE,    /* "up", "down", "rules", ... */
	SENSOR_FIELD_STATUS_DETAIL,
	/* verdict (held events) */
	SENSOR_FIELD_VERDICT_DECISION, /* "allow", "deny", "default" */
	SENSOR_FIELD_VERDICT_REASON,
	/* host: on every event of a kernel source (replayed events carry the
	 * recording's, when it had them) */
	SENSOR_FIELD_HOST_NAME,        /* the machine's host name (uname nodename) */
	SENSOR_FIELD_HOST_BOOT_ID,     /* /proc/sys/kernel/random/boot_id */
	/* workload: names the container runtime keeps (OCI annotations, docker) */
	SENSOR_FIELD_WORKLOAD_IMAGE,          /* image name ("registry/app:1.0") */
	SENSOR_FIELD_WORKLOAD_POD_NAME,       /* kubernetes pod name */
	SENSOR_FIELD_WORKLOAD_NAMESPACE,      /* kubernetes namespace */
	SENSOR_FIELD_WORKLOAD_CONTAINER_NAME, /* kubernetes container name, docker name */
	/* int 1: the container runtime's own process (runc init, crun, conmon, a
	 * shim) setting a container up: not learned, not scored, no threat rule */
	SENSOR_FIELD_PROCESS_RUNTIME,
	/* int 1: another source reports the same exec with more detail (audit's
	 * argv, cwd and executed path): baseline and rules count the primary only */
	SENSOR_FIELD_EXEC_SECONDARY,
	/* int 1: the executed file is not from the container's image: written in
	 * its overlay upper layer, on a tmpfs, or a memfd (container drift) */
	SENSOR_FIELD_EXEC_DRIFT,
	/* int: the mode a chmod family syscall set (audit) */
	SENSOR_FIELD_FILE_MODE,
	/* int 1: the filesystem's own bookkeeping done for the process (an
	 * overlay's work dir during a copy-up), not an access of its own */
	SENSOR_FIELD_FILE_INTERNAL,
	/* file, appended */
	SENSOR_FIELD_FILE_SHA256,     /* content identity of an executable (fanotify permission
				       * events of SENSOR_FANOTIFY_HASH_EXEC): SHA-256, 64 hex */
	SENSOR_FIELD_FILE_NLINK,      /* hard links of the file (permission events) */
	/* int 1, exec, appended: an applet of a multi-call binary run without an
	 * exec (busybox's shell runs some applets in its own process or a fork
	 * of it, renaming it): reported from the rename (the process connector's
	 * comm event); exec.path is the applet's link, exec.argv the words of
	 * the shell's command line that start with its name (a reconstruction) */
	SENSOR_FIELD_EXEC_APPLET,
	SENSOR__FIELD_MAX,
	SENSOR__FIELD_FORCE_INT = 0x7fffffff
};

/* Stable name of a kind ("exec"), or NULL for an unknown value. */
SENSOR_EXPORT const char *sensor_kind_name(enum sensor_kind kind);

/* Dotted name of a field ("process.pid"), or NULL for an unknown value. */
SENSOR_EXPORT const char *sensor_field_name(enum sensor_field field);

/* Field of a dotted name (> 0), or -EINVAL when there is none. */
SENSOR_EXPORT int sensor_field_from_name(const char *name);

/* SENSOR_FIELD_TYPE_INT or _STR, or -EINVAL for an unknown field. */
SENSOR_EXPORT int sensor_field_type(enum sensor_field field);

/* Keep an event past its callback. NULL-safe; returns ev. Thread-safe. */
SENSOR_EXPORT sensor_event *sensor_event_ref(sensor_event *ev);

/*
 * Drop a reference; NULL-safe; always returns NULL. When the last reference
 * of a held event that nobody answered goes, the source's default verdict
 * is applied and counted.
 */
SENSOR_EXPORT sensor_event *sensor_event_unref(sensor_event *ev);

SENSOR_EXPORT enum sensor_kind sensor_event_kind(const sensor_event *ev);
SENSOR_EXPORT enum sensor_source_type sensor_event_source(const sensor_event *ev);
SENSOR_EXPORT uint64_t sensor_event_time(const sensor_event *ev);
SENSOR_EXPORT uint64_t sensor_event_seq(const sensor_event *ev);

/*
 * Integer field. Returns 0 and writes *ret, -ENOENT when the event does not
 * carry that field (other kind, or unknown for this event), -EINVAL when
 * the field is not an integer field.
 */
SENSOR_EXPORT int sensor_event_get_int(const sensor_event *ev, enum sensor_field field,
				       int64_t *ret);

/*
 * String field, or NULL when the event does not carry it (errno is set to
 * ENOENT, or EINVAL for a non-string field). The string lives as long as
 * the event.
 */
SENSOR_EXPORT const char *sensor_event_get_str(const sensor_event *ev, enum sensor_field field);

/*
 * argv of an exec event: returns argc (>= 0) and writes a NULL-terminated
 * array to *ret that lives as long as the event; -ENOENT when unknown.
 */
SENSOR_EXPORT int sensor_event_get_argv(const sensor_event *ev, const char *const **ret);

/* Syscall arguments: returns their count and writes the array to *ret. */
SENSOR_EXPORT int sensor_event_get_args(const sensor_event *ev, const uint64_t **ret);

/*
 * Serialise as one JSON object (architecture §3, docs/events.md), no newline.
 * Like snprintf: returns the length the full text needs (excluding the NUL)
 * and writes at most len bytes including a NUL; -EINVAL on bad arguments.
 */
SENSOR_EXPORT int sensor_event_to_json(const sensor_event *ev, char *buf, size_t len);

/* ---- events that wait for an answer ---------------------------------- */

enum sensor_decision {
	SENSOR_DECISION_NONE = 0,    /* not held, or not answered yet */
	SENSOR_DECISION_ALLOW = 1,
	SENSOR_DECISION_DENY = 2,
	SENSOR_DECISION_DEFAULT = 3, /* the source's configured default */
	SENSOR__DECISION_FORCE_INT = 0x7fffffff
};

/* Stable name ("allow", "deny", "default"), or NULL. */
SENSOR_EXPORT const char *sensor_decision_name(enum sensor_decision d);

/* 1 when the event waits for a verdict not yet given, 0 otherwise. */
SENSOR_EXPORT int sensor_event_is_pending(const sensor_event *ev);

/*
 * CLOCK_MONOTONIC ns at which the default verdict is applied, or
 * SENSOR_TIME_INFINITY for events that are not held.
 */
SENSOR_EXPORT uint64_t sensor_event_deadline(const sensor_event *ev);

/*
 * Answer a held event, exactly once. `err` is the errno a denied caller
 * sees (0 = the source's default, usually EPERM); ignored for allow.
 * `reason` (may be NULL) is copied. Thread-safe: an agent may decide on
 * another thread while it holds a reference.
 * Returns 0, -EALREADY when it was answered (or defaulted) before,
 * -EINVAL when the event is not held or the decision is unknown,
 * or the kernel's -errno when delivering the answer failed (e.g. -ENOENT
 * when the waiting task is gone).
 */
SENSOR_EXPORT int sensor_event_respond(sensor_event *ev, enum sensor_decision decision, int err,
				       const char *reason);

/* Decision given to a held event so far (NONE while pending). */
SENSOR_EXPORT enum sensor_decision sensor_event_decision(const sensor_event *ev);

#ifdef __cplusplus
}
#endif

#endif
