/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Process identity: pid -> comm, exe, cmdline, cwd, ppid, credentials,
 * start time and workload, read from /proc and kept in a bounded LRU cache.
 * An entry is keyed by pid *and* start time: when a pid is reused the old
 * entry is dropped, never merged. The proc source keeps entries current
 * through fork/exec/exit; without it entries are re-validated by start time
 * after a short TTL.
 */
#ifndef SENSOR_IDENTITY_PROC_CACHE_H
#define SENSOR_IDENTITY_PROC_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <libsensor/sensor-context.h>

#include "workload.h"

struct workload;

/*
 * One process as read from /proc. Immutable once in the cache and
 * ref-counted: an exec or a pid reuse replaces the cache's entry, and
 * events that still point at the old one keep it alive (their strings stay
 * valid without copies).
 */
struct proc_entry {
	atomic_int ref;
	int32_t pid, ppid;
	uint32_t uid, euid, gid, egid, auid, session;
	uint64_t start;       /* ns since boot */
	char comm[16];
	char *exe, *cmdline, *cwd; /* NULL when unreadable */
	char *root;                /* its root directory as the host sees it ("/" outside containers) */
	bool runtime;              /* the container runtime's own process (proc_is_runtime) */
	bool drift;                /* a container's executable not from its image (exec-path.h) */
	bool forked;               /* copied from its parent at fork: re-read at first look while alive */
	bool exited;               /* the process connector reported its exit */
	bool exec_unread;          /* it exec'd and was gone before the read: exe, cmdline unknown */
	struct workload *wl;
	uint64_t checked;     /* CLOCK_MONOTONIC ns of the last validation */
	struct proc_entry *hnext, *lprev, *lnext;
};

struct proc_cache;

/*
 * A cache of at most max entries whose workloads are interned in wls. While
 * *busy is non-zero (the context's dispatch depth; NULL: never) an event may
 * borrow an entry, so a dropped one is kept until proc_cache_reap().
 */
int proc_cache_new(struct workload_table *wls, const int *busy, unsigned max,
		   struct proc_cache **ret);
void proc_cache_free(struct proc_cache *pc);
void proc_cache_stats(struct proc_cache *pc, struct sensor_stats *st);
/* How long an entry is trusted before re-validation (ns). */
void proc_cache_set_ttl(struct proc_cache *pc, uint64_t ttl);

/*
 * The entry of a live process, loading or re-validating it from /proc;
 * NULL when the process is gone or unreadable. Valid until the next cache
 * call.
 */
struct proc_entry *proc_cache_get(struct proc_cache *pc, int32_t pid);
/* The same, with the caller's CLOCK_MONOTONIC now (saves a clock read per event). */
struct proc_entry *proc_cache_get_at(struct proc_cache *pc, int32_t pid, uint64_t now);
/*
 * The cached entry of pid if it is trusted at `now` (within the TTL of its
 * last validation), else NULL; never reads /proc, counts nothing. Valid
 * until the next cache call.
 */
struct proc_entry *proc_cache_peek(struct proc_cache *pc, int32_t pid, uint64_t now);
/*
 * The cached entry of pid as it is, however old, or NULL; reads nothing,
 * counts nothing. Valid until the next cache call (take a reference to
 * keep it): what a process was known as before a re-read replaces it.
 */
struct proc_entry *proc_cache_lookup(struct proc_cache *pc, int32_t pid);
/* The process exec'd: reload it now. Returns the fresh entry or NULL. */
struct proc_entry *proc_cache_exec(struct proc_cache *pc, int32_t pid);
/*
 * The same, and the raw NUL-separated argv (/proc/<pid>/cmdline) into
 * args[0..cap) from the same read: *nargs is its length, or -errno (also
 * when NULL is returned and the process was read no further).
 */
struct proc_entry *proc_cache_exec_args(struct proc_cache *pc, int32_t pid, char *args,
					size_t cap, int *nargs);
/*
 * The entry of pid if its process is known to have ended (its exit was
 * reported, or /proc holds no process of its start time), else NULL; never
 * loads. For a source whose record says that its process is gone (a
 * fanotify record without a pidfd): the last process the cache knew under
 * that pid is the record's, unless the pid was reused twice within the
 * cache's grace (the new process would have replaced the entry at its fork).
 * Valid until the next cache call.
 */
struct proc_entry *proc_cache_dead(struct proc_cache *pc, int32_t pid);
/*
 * A process gone before anything named it (its exec read too late, its fork
 * not copied, or copied from a runtime process whose cgroup it left) whose
 * records name files of one container (workload_by_path): an entry of that
 * workload, ended, without an image, replaces what the cache had for pid,
 * so its other late records (audit's) are the container's too; drift: it
 * executed a file of the container's upper dir. Returns the
 * entry (valid until the next cache call) or NULL on ENOMEM.
 */
struct proc_entry *proc_cache_adopt(struct proc_cache *pc, int32_t pid, struct workload *wl,
				    bool drift);
/* The process exited: its entry serves late events for a short grace, then goes. */
void proc_cache_exit(struct proc_cache *pc, int32_t pid);
/* pid's credentials or name changed: re-read it now if it still runs. */
void proc_cache_refresh(struct proc_cache *pc, int32_t pid);
/*
 * parent forked child (a process, not a thread): the child starts as a copy
 * of the parent's cached entry (no /proc read), so what a short-lived child
 * that never execs does is still attributed (busybox runs applets so).
 * An uncached parent is read from /proc first (it is alive: it just forked).
 */
void proc_cache_fork(struct proc_cache *pc, int32_t parent, int32_t child);

/*
 * Release the entries the cache dropped while its context was dispatching
 * (*busy): an event in dispatch points at its entry without a
 * reference (enrichment borrows it; sensor_event_ref() takes one), so the
 * cache's reference stays until no dispatch is under way.
 */
void proc_cache_reap(struct proc_cache *pc);

struct proc_entry *proc_entry_ref(struct proc_entry *e);
/* NULL-safe; frees the entry with its last reference. Thread-safe. */
void proc_entry_unref(struct proc_entry *e);

/*
 * Read one process from /proc (root: "/proc" or a test directory) into e.
 * Returns 0, or -ENOENT/-ESRCH when it is gone, -errno otherwise.
 * Exposed for tests and for sources that need a fresh read.
 */
int proc_read(const char *root, int32_t pid, struct proc_entry *e,
	      struct workload_desc *wd);
/* The same, and the raw cmdline into args[0..cap) (*nargs: bytes or -errno; args may be NULL). */
int proc_read_args(const char *root, int32_t pid, struct proc_entry *e, struct workload_desc *wd,
		   char *args, size_t cap, int *nargs);
/* Read argv of pid as NUL-separated bytes into buf; returns bytes or -errno. */
int proc_read_file(const char *root, int32_t pid, const char *name, char *buf, size_t cap);

/*
 * Is this the container runtime's own process - runc's init stages
 * ("runc:[0:PARENT]", "runc:[1:CHILD]", "runc:[2:INIT]", its memfd
 * re-exec), runc, crun, youki, conmon, a containerd shim - rather than the
 * workload? What such a process does sets the container up and is the
 * runtime's: not learned, not scored, no threat rule (architecture §4). exe may
 * be NULL.
 */
bool proc_is_runtime(const char *comm, const char *exe);

/* Parse /proc/<pid>/stat text. 0 or -EINVAL. */
int proc_parse_stat(const char *buf, size_t len, int32_t *ppid, uint32_t *session,
		    uint64_t *start_ticks, char comm[16]);
/* Parse Uid:/Gid: of /proc/<pid>/status. 0 or -EINVAL. */
int proc_parse_status(const char *buf, size_t len, uint32_t *uid, uint32_t *euid,
		      uint32_t *gid, uint32_t *egid);

#endif
