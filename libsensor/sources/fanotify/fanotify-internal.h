/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fanotify source's internal pieces: the bounded decoder of the event
 * buffer (fanotify-decode.c), handle-to-path resolution (fanotify-path.c),
 * the permission group (fanotify-perm.c) and the source itself
 * (source-fanotify.c).
 */
#ifndef SENSOR_SOURCES_FANOTIFY_INTERNAL_H
#define SENSOR_SOURCES_FANOTIFY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <libsensor/sensor-context.h>
#include <libsensor/sensor-fanotify.h>

#include "util/content-id.h"

struct sensor_ctx;
struct sensor_source;
struct sensor_event;

/* ---- decoder ----------------------------------------------------------- */

/* A file handle from an info record; pointers into the decoded buffer. */
struct fan_handle {
	bool present;
	uint64_t fsid;            /* the two __kernel_fsid_t words, val[0] low */
	const unsigned char *fh;  /* struct file_handle bytes (unaligned) */
	size_t fh_len;            /* 8 + handle_bytes */
	const char *name;         /* entry name for *_DFID_NAME records, else NULL */
	size_t name_len;
};

struct fan_record {
	uint64_t mask;
	int32_t fd;     /* FAN_NOFD in FID mode */
	int32_t pid;
	bool has_pidfd;
	int32_t pidfd;  /* >= 0, FAN_NOPIDFD or FAN_EPIDFD */
	struct fan_handle fid, dfid, old_dfid, new_dfid;
	bool has_error;
	int32_t fs_error;
	uint32_t fs_error_count;
	uint32_t skipped_info; /* info records of unknown type */
};

/*
 * Decode the event at *off of buf[0..len). Returns 1 with *rec filled and
 * *off moved past the event; 0 at the end of the buffer; -EINVAL when the
 * event's metadata is sane but an info record is malformed (*off moved past
 * it; rec->fd and rec->pidfd are still valid and must be closed);
 * -EBADMSG when the buffer cannot be walked further (bad event_len,
 * truncation); -EPROTO for a metadata version this code does not know.
 */
int fan_decode(const void *buf, size_t len, size_t *off, struct fan_record *rec);

/*
 * True when the event at off of buf[0..len) is a FAN_DELETE whose object
 * handle (FAN_REPORT_TARGET_FID) equals fid. Reads only that much, bounded
 * like fan_decode(); false for anything it cannot walk.
 */
bool fan_peek_delete_of(const void *buf, size_t len, size_t off, const struct fan_handle *fid);

/* ---- paths ------------------------------------------------------------- */

/* A marked filesystem: its fsid and an fd to resolve its handles with. */
struct fan_fs {
	uint64_t fsid;
	int fd;            /* O_PATH|O_DIRECTORY on its mount; -1 none */
};

/*
 * Directory path cache: (fsid, handle) -> path, so that a burst of events
 * in one directory costs one open_by_handle_at. Direct-mapped, sized once
 * (no allocation per event). Entries expire after a TTL and the whole
 * cache is flushed when a directory is renamed, moved or deleted (and on
 * overflow, when such an event may have been lost).
 */
#define FAN_DCACHE_SLOTS 256
#define FAN_DCACHE_PATH 480
/* what the exclusion list says about a cached directory (fan_dcache_ent.excl) */
#define FAN_DC_DIR_EXCLUDED 1u  /* the directory lies under an excluded prefix */
#define FAN_DC_CHILD_PREFIX 2u  /* an excluded prefix lies below it: check its entries */
struct fan_dcache_ent {
	uint64_t fsid;
	uint64_t at;          /* CLOCK_MONOTONIC ns when resolved; 0: empty */
	uint16_t fh_len, path_len;
	uint8_t excl;         /* FAN_DC_* */
	unsigned char fh[136];
	char path[FAN_DCACHE_PATH];
};
struct fan_dcache {
	struct fan_dcache_ent *e; /* FAN_DCACHE_SLOTS, NULL: no cache */
	uint64_t ttl;             /* ns */
	uint64_t now;             /* CLOCK_MONOTONIC ns of the batch being decoded */
	uint64_t hits, misses, flushes;
	/* the source's exclusion prefixes (borrowed), judged once per cached directory */
	char *const *excl;
	const size_t *excl_len;
};
int fan_dcache_init(struct fan_dcache *c, uint64_t ttl);
void fan_dcache_free(struct fan_dcache *c);
void fan_dcache_flush(struct fan_dcache *c);
/* Stamp the batch about to be resolved (one clock read per read()). */
void fan_dcache_stamp(struct fan_dcache *c);
/* Cache dir[0..len) as the path of directory handle h (stamped now). The entry, or NULL. */
struct fan_dcache_ent *fan_dcache_put(struct fan_dcache *c, const struct fan_handle *h,
				      const char *dir, size_t len);

/*
 * Path of the object a handle names, resolved with open_by_handle_at()
 * through the filesystem in fss[0..n) with the handle's fsid, with the
 * record's name appended when it has one ("." and "" append nothing).
 * Returns the length written (NUL-terminated, truncated paths are an
 * error), -ESTALE when the object no longer exists, -ENODEV when no
 * marked filesystem has that fsid, -ENAMETOOLONG, or another -errno.
 * Directory handles (records with a name) go through the cache c (may be
 * NULL). *excluded (may be NULL) says what the cache knows of the result
 * against c->excl: 1 excluded, 0 not, -1 unknown (ask fan_excluded()).
 */
int fan_path_resolve(const struct fan_fs *fss, unsigned n, struct fan_dcache *c,
		     const struct fan_handle *h, char *buf, size_t cap, int *excluded);

/* Path of an open fd (readlink of /proc/self/fd/N). Length or -errno. */
int fan_path_of_fd(int fd, char *buf, size_t cap);

/* Join dir and name into buf ("." and "" give dir). Length or -ENAMETOOLONG. */
int fan_path_join(const char *dir, size_t dlen, const char *name, size_t nlen, char *buf,
		  size_t cap);

/* True when path equals prefix or lies below it. */
bool fan_path_under(const char *path, size_t plen, const char *prefix);
/* The same with the prefix's length known (trailing slashes already cut). */
bool fan_path_under_n(const char *path, size_t plen, const char *prefix, size_t n);

/* ---- source state ------------------------------------------------------ */

#define FAN_PATH_MAX 4096
#define FAN_MAX_FS 64

struct fan_src {
	struct sensor_fanotify_opts o;
	char **paths;        /* copies, NULL-terminated; NULL: every local fs */
	char **exclude;      /* copies, NULL-terminated, with the default set */
	size_t *exclude_len; /* their lengths without trailing slashes */
	int nfd;             /* notification group, -1 none */
	int pfd;             /* permission group, -1 none */
	bool have_pidfd, have_target_fid, have_rename, have_evictable, have_mark_ignore;
	bool offline;        /* no kernel groups (tests, fuzzing) */
	bool reading;        /* in notify_ready(): no nested read (fanotify_sync) */
	uint64_t notify_mask;
	uint64_t report_mask; /* the operations the caller asked for (notify_mask may hold more) */
	int32_t self_pid;
	uint64_t pid_start;  /* start time of the event's process, checked with its pidfd */
	int32_t memo_pid;    /* pid whose pidfd was seen alive after this read(); 0 none */
	uint64_t memo_hits, unlink_attribs; /* syscalls saved (debug log at stop) */
	bool quiet_opens;     /* drop open-only records of shared files (fanotify-quiet.c) */
	bool quiet_marks_off; /* the kernel refused an ignore mark: drop in user space only */
	uint64_t quiet_dropped, quiet_marks;
	struct fan_fs fs[FAN_MAX_FS];
	unsigned nfs;
	struct fan_dcache dcache;
	atomic_uint pending; /* held permission events not answered yet */
	/*
	 * Denials given after a request's event was dispatched (agent, deadline,
	 * removal) are reported by a second event: respond() queues the held
	 * event here (any thread, under the core's pending lock), an eventfd
	 * wakes the loop, which emits them.
	 */
	int vfd;                   /* eventfd, -1 none */
	pthread_mutex_t vlock;
	struct sensor_event *vq[64];
	unsigned vn;
	atomic_uint vlost;         /* follow-ups that did not fit */
	uint64_t perm_mask;  /* FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM as asked */
	uint64_t perm_mark_mask; /* what a permission mark asks for (+ FAN_EVENT_ON_CHILD) */
	struct content_id_cache cid; /* SENSOR_FANOTIFY_HASH_EXEC */
	unsigned char *buf;  /* read buffer, o.read_buffer bytes, aligned */
	char path[FAN_PATH_MAX], path2[FAN_PATH_MAX], tmp[FAN_PATH_MAX];
};

/*
 * Decode one read() of the notification group and emit file events (or a
 * loss event for FAN_Q_OVERFLOW). Closes every fd and pidfd the buffer
 * carries. Returns the number of events emitted.
 */
int fan_notify_dispatch(struct sensor_source *src, const void *buf, size_t len);

/* A fanotify source with no kernel group, fed by fan_notify_dispatch() (tests, fuzzing). */
int fan_offline_source(struct sensor_ctx *ctx, struct sensor_source **ret);

/* True when a resolved path is excluded (operator's list and defaults). */
bool fan_excluded(const struct fan_src *fs, const char *path, size_t len);

/* ---- marks and options (fanotify-marks.c) ---------------------------------- */

/* Copy and validate the caller's options (strings are duplicated). 0 or -EINVAL/-ENOMEM. */
int fan_opts_copy(struct fan_src *fs, const void *opts);
void fan_opts_free(struct fan_src *fs);
/* Mark fs->paths (or every local filesystem) on fs->nfd and add exclusion ignore marks. */
int fan_marks_add(struct sensor_source *src, struct fan_src *fs);
/* Close the mount fds of the filesystem table. */
void fan_marks_close(struct fan_src *fs);
/* FAN_MARK_FILESYSTEM, _MOUNT or _INODE. */
unsigned fan_mark_type_flag(enum sensor_fanotify_mark m);

/* ---- quiet shared opens (fanotify-quiet.c) ------------------------------ */

/* True when path is a file every workload reads (libraries, loader cache, locale, zones). */
bool fan_shared_path(const char *path, size_t len);
/*
 * True when rec is an open-only record of such a file and must be dropped
 * (fs->quiet_opens); adds an evictable kernel ignore mark on the inode so
 * that its next opens are not queued at all.
 */
bool fan_quiet_open(struct fan_src *fs, const struct fan_record *rec, const char *path,
		    size_t len);

/* ---- permission group (fanotify-perm.c) --------------------------------- */

/* Create the permission group and mark fs->paths. 0 or -errno. */
int fan_perm_start(struct sensor_source *src);
/* Deliver a verdict (source_ops.respond). */
int fan_perm_respond(struct sensor_source *src, struct sensor_event *ev,
		     enum sensor_decision d, int err);
/* sensor_fanotify_mark() on a running source with a permission group. */
int fan_perm_mark(struct sensor_source *src, const char *path, uint32_t flags);
/* Close the permission group (the kernel allows what is still pending). */
void fan_perm_stop(struct sensor_source *src);

/* ---- probing (fanotify-probe.c) ---------------------------------------- */

/* source_ops.probe: try each feature the source uses, leave nothing installed. */
void fan_probe(sensor_probe_fn fn, void *userdata, int *usable);

#endif
