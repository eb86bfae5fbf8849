/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsensor — the fanotify file source (SENSOR_SOURCE_FANOTIFY).
 *
 * Add it with sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &opts, &src)
 * where opts is a struct sensor_fanotify_opts (or NULL for the defaults:
 * notification events on every local filesystem that supports file
 * handles, no permission events).
 *
 * Two fanotify groups may be used:
 *  - a notification group reporting directory file handles and names
 *    (FAN_REPORT_DFID_NAME, plus FAN_REPORT_TARGET_FID and FAN_REPORT_PIDFD
 *    where the kernel has them). Handles are resolved to full paths with
 *    open_by_handle_at() on a mount fd of the marked filesystem;
 *  - a permission group (FAN_CLASS_CONTENT, fd mode), only when `perm` is
 *    not 0 and only on the `paths` given. Its events are held events
 *    (sensor_event_is_pending()): answer them with sensor_event_respond(),
 *    or let the policy callback decide, or the default verdict applies at
 *    the deadline (allow, or deny with SENSOR_FANOTIFY_FAIL_CLOSED).
 *
 * Events are `file` events: file.op (open, exec, write, create, delete,
 * rename, attrib, close_write; read and close_nowrite when asked), file.path,
 * file.to (rename target), file.flags (the fanotify event mask),
 * process.pid. The sensor's own process never produces events. See
 * docs/fanotify.md for the default exclusions, the loss accounting and what
 * the kernel does when the sensor dies with requests in flight.
 *
 * Errors of sensor_source_add() for this source: -EINVAL (bad options,
 * permission classes without paths, relative paths), -E2BIG (opts.sz larger
 * than this library knows with non-zero bytes beyond), -EPERM (needs CAP_SYS_ADMIN),
 * -ENOENT/-ENOTDIR/-EACCES (a path in `paths` cannot be opened),
 * -EOPNOTSUPP (kernel without fanotify or without FAN_REPORT_DFID_NAME, or
 * a filesystem that cannot report file handles), -EMFILE/-ENOSPC (fanotify
 * group or mark limits), -ENOMEM.
 */
#ifndef LIBSENSOR_SENSOR_FANOTIFY_H
#define LIBSENSOR_SENSOR_FANOTIFY_H

#include <stdint.h>

#include <libsensor/sensor-common.h>
#include <libsensor/sensor-context.h>
#include <libsensor/sensor-event.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a path in `paths` marks. */
enum sensor_fanotify_mark {
	SENSOR_FANOTIFY_MARK_FILESYSTEM = 0, /* the whole filesystem holding the path */
	SENSOR_FANOTIFY_MARK_MOUNT = 1,      /* the mount (no create/delete/rename/attrib) */
	SENSOR_FANOTIFY_MARK_INODE = 2,      /* the directory itself and its direct children */
	SENSOR__FANOTIFY_MARK_FORCE_INT = 0x7fffffff
};

/* Notification events (bits of `events`). */
enum sensor_fanotify_events {
	SENSOR_FANOTIFY_EV_OPEN = 1u << 0,
	SENSOR_FANOTIFY_EV_EXEC = 1u << 1,
	SENSOR_FANOTIFY_EV_WRITE = 1u << 2,         /* FAN_MODIFY */
	SENSOR_FANOTIFY_EV_CLOSE_WRITE = 1u << 3,
	SENSOR_FANOTIFY_EV_CREATE = 1u << 4,
	SENSOR_FANOTIFY_EV_DELETE = 1u << 5,
	SENSOR_FANOTIFY_EV_RENAME = 1u << 6,
	SENSOR_FANOTIFY_EV_ATTRIB = 1u << 7,
	SENSOR_FANOTIFY_EV_READ = 1u << 8,          /* FAN_ACCESS: optional, noisy */
	SENSOR_FANOTIFY_EV_CLOSE_NOWRITE = 1u << 9, /* optional, noisy */
	/* The default set (events == 0). */
	SENSOR_FANOTIFY_EV_DEFAULT = (1u << 8) - 1,
};

/* Permission classes (bits of `perm`). */
enum sensor_fanotify_perm {
	SENSOR_FANOTIFY_PERM_EXEC = 1u << 0, /* FAN_OPEN_EXEC_PERM: execve, uselib, mmap exec */
	SENSOR_FANOTIFY_PERM_OPEN = 1u << 1, /* FAN_OPEN_PERM: every open */
};

enum sensor_fanotify_flags {
	/* Deny (EPERM) at the deadline and on overload instead of allowing. */
	SENSOR_FANOTIFY_FAIL_CLOSED = 1u << 0,
	/* Ask the kernel to write an audit record for every verdict (FAN_AUDIT). */
	SENSOR_FANOTIFY_AUDIT = 1u << 1,
	/* Do not cache allow decisions with ignore marks. */
	SENSOR_FANOTIFY_NO_ALLOW_CACHE = 1u << 2,
	/* FAN_UNLIMITED_QUEUE for the notification group (memory bound: none). */
	SENSOR_FANOTIFY_UNLIMITED_QUEUE = 1u << 3,
	/* Do not apply the default exclusions (docs/fanotify.md). */
	SENSOR_FANOTIFY_NO_DEFAULT_EXCLUDES = 1u << 4,
	/* Only the permission group; no notification events. With it, `paths`
	 * may be NULL: permission marks are then added later with
	 * sensor_fanotify_mark() (e.g. each container's root mount). */
	SENSOR_FANOTIFY_NO_NOTIFY = 1u << 5,
	/*
	 * Report the opens of shared files too. By default an open (read,
	 * close_nowrite) with no other operation of a file below /usr/lib,
	 * /lib, /lib64, /usr/lib64, /usr/lib32, /lib32, /usr/libx32,
	 * /usr/share/locale, /usr/share/zoneinfo, /usr/share/i18n, or of
	 * /etc/ld.so.cache is not an event, and an evictable kernel ignore mark
	 * keeps its next opens out of the queue (docs/fanotify.md, "Quiet
	 * shared opens"). Exec, write, create, delete, rename, attrib and
	 * close_write of those files are always reported.
	 */
	SENSOR_FANOTIFY_ALL_OPENS = 1u << 6,
	/* Exec permission events carry file.sha256, the SHA-256 of the file
	 * (cached per inode while unchanged: docs/enforce.md). */
	SENSOR_FANOTIFY_HASH_EXEC = 1u << 7,
	/* Open permission events say whether the open is for writing: file.op
	 * "write" for O_WRONLY, O_RDWR, O_CREAT, O_TRUNC (or a syscall whose
	 * flags cannot be read: io_uring, openat2, a compat syscall), "open"
	 * for a read-only open. Read from /proc/PID/syscall while the opener is
	 * blocked (the kernel has copied its flags, they cannot change). */
	SENSOR_FANOTIFY_OPEN_MODE = 1u << 8,
};

/*
 * Policy of an embedding agent for permission events. Called on the event
 * loop's thread for every permission event, with the event built and
 * enriched (file.op "open" or "exec", file.path, process.*, workload.*),
 * before it reaches the event sink; `ev` is valid during the call.
 * Return SENSOR_DECISION_ALLOW or _DENY to answer at once (the event then
 * carries verdict.decision, reason "policy"), or SENSOR_DECISION_NONE to
 * leave it pending for sensor_event_respond() or the deadline.
 * It must not block: the calling process waits.
 */
typedef enum sensor_decision (*sensor_fanotify_policy_fn)(void *userdata,
							  const sensor_event *ev);

struct sensor_fanotify_opts {
	size_t sz;                     /* sizeof(struct sensor_fanotify_opts) */
	uint32_t flags;                /* enum sensor_fanotify_flags */
	/* NULL-terminated paths to watch; NULL: every local filesystem that
	 * reports file handles (notification only). Copied. */
	const char *const *paths;
	enum sensor_fanotify_mark mark;
	uint32_t events;               /* enum sensor_fanotify_events; 0: DEFAULT */
	/* NULL-terminated path prefixes whose events are dropped (ignore marks
	 * in the kernel for the directories, prefix match for their subtrees). */
	const char *const *exclude;
	uint32_t read_buffer;          /* bytes read at once per group; 0: 64 KiB */
	uint32_t perm;                 /* enum sensor_fanotify_perm; 0: no permission group */
	uint64_t perm_timeout;         /* ns until the default verdict; 0: 2 s */
	uint32_t max_pending;          /* held requests at once, beyond: default at once; 0: 4096 */
	sensor_fanotify_policy_fn policy; /* NULL: every request waits for respond() */
	void *policy_userdata;
};

enum sensor_fanotify_mark_flags {
	SENSOR_FANOTIFY_MARK_REMOVE = 1u << 0, /* remove the mark instead of adding it */
};

/*
 * Add (or remove) a permission mark of the source's `perm` classes, of the
 * source's mark type (opts.mark), on path while the source runs, e.g. on
 * "/proc/<pid>/root" with SENSOR_FANOTIFY_MARK_MOUNT: the root mount of
 * that process's container, and nothing else. Permission events of that
 * mount reach the source from then on. Call it from the thread that runs
 * the context. Returns 0; -EINVAL (not a fanotify source with a permission
 * group, bad flags, relative path), -ENOENT/-EACCES/-ENOTDIR for the path,
 * -ENOSPC (mark limit), or another -errno of fanotify_mark(2).
 */
SENSOR_EXPORT int sensor_fanotify_mark(sensor_source *src, const char *path, uint32_t flags);

/*
 * Compute the content identity (file.sha256) of the regular file open at
 * fd now and keep it in the source's cache, so that the first exec
 * permission event of the same unchanged inode (same device, inode, size,
 * mtime and ctime, checked with fstat of the event's fd) finds it there
 * instead of reading the file while the exec waits. For a source with
 * SENSOR_FANOTIFY_HASH_EXEC; open fd outside the source's marks (an open
 * through a marked mount would be held by the group). The fd is only read
 * (pread: its offset does not move) and stays the caller's. flags: 0.
 * Call it from the thread that runs the context. Returns 0 (cached, or
 * read but too recently changed to be kept); -EINVAL (not such a source,
 * flags, fd < 0, not a regular file), -EFBIG (larger than the source
 * hashes), -EAGAIN (changed while read), -ENOMEM, or the -errno of
 * fstat(2)/pread(2).
 */
SENSOR_EXPORT int sensor_fanotify_prime(sensor_source *src, int fd, uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif
