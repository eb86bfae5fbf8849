/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Source "fanotify": file events with full paths from a notification group
 * that reports directory handles and names, and (fanotify-perm.c) held
 * permission events. One read() gives many events; each is decoded by the
 * bounded decoder, resolved to paths through the marked filesystem's mount
 * fd, attributed to its process (pidfd where the kernel gives one, so a
 * reused pid is never enriched as the event's process) and emitted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/context.h"
#include "fanotify-internal.h"
#include "identity/proc-cache.h"
#include "sources/proc-connector.h"
#include "sources/sources.h"

/*
 * How long a cached directory path is trusted even without a rename event:
 * a filesystem mark reports every rename inside its filesystem, not one of
 * an ancestor of the mount point in another, unmarked filesystem.
 */
#define DCACHE_TTL 1000000000ull

#define OP(bit, name) { bit, name, sizeof(name) - 1 }
static const struct {
	uint64_t bit;
	const char *op;
	size_t len;
} ops_of_mask[] = {
	/* order of a merged event's operations as they happen */
	OP(FAN_CREATE, "create"),        OP(FAN_OPEN_EXEC, "exec"),
	OP(FAN_OPEN, "open"),            OP(FAN_ACCESS, "read"),
	OP(FAN_MODIFY, "write"),         OP(FAN_ATTRIB, "attrib"),
	OP(FAN_CLOSE_WRITE, "close_write"), OP(FAN_CLOSE_NOWRITE, "close_nowrite"),
	OP(FAN_MOVED_FROM, "rename"),    OP(FAN_MOVED_TO, "rename"),
	OP(FAN_RENAME, "rename"),        OP(FAN_DELETE, "delete"),
};
#undef OP

/*
 * Per kernel mask bit, its entry in ops_of_mask as a bit (0: not an
 * operation): a record's operations in table order from its few set bits.
 */
#define OPS_KNOWN                                                                          \
	(FAN_ACCESS | FAN_MODIFY | FAN_ATTRIB | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE | FAN_OPEN | \
	 FAN_MOVED_FROM | FAN_MOVED_TO | FAN_CREATE | FAN_DELETE | FAN_OPEN_EXEC | FAN_RENAME)
_Static_assert(FAN_ACCESS == 1u << 0 && FAN_MODIFY == 1u << 1 && FAN_ATTRIB == 1u << 2 &&
		       FAN_CLOSE_WRITE == 1u << 3 && FAN_CLOSE_NOWRITE == 1u << 4 &&
		       FAN_OPEN == 1u << 5 && FAN_MOVED_FROM == 1u << 6 && FAN_MOVED_TO == 1u << 7 &&
		       FAN_CREATE == 1u << 8 && FAN_DELETE == 1u << 9 &&
		       FAN_OPEN_EXEC == 1u << 12 && FAN_RENAME == 1u << 28,
	       "fanotify mask bits as in the kernel ABI");
static const uint16_t op_slot[32] = {
	[0] = 1u << 3, [1] = 1u << 4, [2] = 1u << 5,  [3] = 1u << 6,  [4] = 1u << 7,
	[5] = 1u << 2, [6] = 1u << 8, [7] = 1u << 9,  [8] = 1u << 0,  [9] = 1u << 11,
	[12] = 1u << 1, [28] = 1u << 10,
};

static uint64_t mask_of_events(uint32_t ev, bool have_rename)
{
	uint64_t m = 0;

	if (ev & SENSOR_FANOTIFY_EV_OPEN)
		m |= FAN_OPEN;
	if (ev & SENSOR_FANOTIFY_EV_EXEC)
		m |= FAN_OPEN_EXEC;
	if (ev & SENSOR_FANOTIFY_EV_WRITE)
		m |= FAN_MODIFY;
	if (ev & SENSOR_FANOTIFY_EV_CLOSE_WRITE)
		m |= FAN_CLOSE_WRITE;
	if (ev & SENSOR_FANOTIFY_EV_CREATE)
		m |= FAN_CREATE;
	if (ev & SENSOR_FANOTIFY_EV_DELETE)
		m |= FAN_DELETE;
	if (ev & SENSOR_FANOTIFY_EV_RENAME)
		m |= have_rename ? FAN_RENAME : FAN_MOVED_FROM | FAN_MOVED_TO;
	if (ev & SENSOR_FANOTIFY_EV_ATTRIB)
		m |= FAN_ATTRIB;
	if (ev & SENSOR_FANOTIFY_EV_READ)
		m |= FAN_ACCESS;
	if (ev & SENSOR_FANOTIFY_EV_CLOSE_NOWRITE)
		m |= FAN_CLOSE_NOWRITE;
	return m | FAN_ONDIR;
}

/*
 * Path of a handle record into buf. When the directory is gone (ESTALE)
 * and the record has a target handle, that one is tried; when nothing
 * resolves, the path says so ("(stale)/name", "(unknown)/name").
 */
static int record_path(struct fan_src *fs, const struct fan_handle *h,
		       const struct fan_handle *target, char *buf, size_t cap, int *excl)
{
	int r = fan_path_resolve(fs->fs, fs->nfs, &fs->dcache, h, buf, cap, excl);
	const char *pfx;

	if (r >= 0)
		return r;
	if (target && target->present) {
		int t = fan_path_resolve(fs->fs, fs->nfs, NULL, target, buf, cap, NULL);

		if (t >= 0)
			return t;
	}
	pfx = r == -ESTALE ? "(stale)" : "(unknown)";
	return fan_path_join(pfx, strlen(pfx), h->name ? h->name : "", h->name ? h->name_len : 0,
			     buf, cap);
}

static int pidfd_alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

/*
 * Whether the event's pid still names the event's process, and its start
 * time. Every record of one read() happened before the read: once a pidfd
 * of pid P is seen alive after the read, P was that process from its
 * record until now, so the later records of P in the same buffer are the
 * same process and need no second look (fs->memo_*, reset per read()).
 * A pidfd seen dead proves nothing for later records of P (the pid may
 * have been reused in between): those are checked each.
 */
static bool attribute(struct sensor_source *src, struct fan_src *fs, const struct fan_record *rec,
		      int plen)
{
	struct proc_entry *e;
	struct workload *w;
	bool upper = false;

	if (fs->offline)
		return rec->pidfd >= 0;
	if (rec->pidfd >= 0 && fs->memo_pid == rec->pid && fs->memo_pid > 0) {
		fs->memo_hits++;
		return true;
	}
	if (rec->pidfd >= 0) {
		e = proc_cache_get(src->ctx->procs, rec->pid);
		/*
		 * The runtime's init exec'ing a container's binary (`runc exec`'s
		 * command, whose init was forked on the host and moved into the
		 * cgroup): the exec is the container's, named by the file's path
		 * below, even if the process is gone before anything re-reads it.
		 */
		if (e && e->runtime && (rec->mask & FAN_OPEN_EXEC) && plen > 0 &&
		    pidfd_alive(rec->pidfd) &&
		    (w = workload_by_path(src->ctx->wls, fs->path, (size_t)plen, &upper))) {
			e = proc_cache_adopt(src->ctx->procs, rec->pid, w, upper);
			if (!e)
				return false;
			fs->pid_start = e->start;
			return true;
		}
		if (e && pidfd_alive(rec->pidfd)) {
			fs->pid_start = e->start;
			fs->memo_pid = rec->pid;
			return true;
		}
	}
	/*
	 * Gone: reaped before the read (FAN_NOPIDFD), or exited since. A short
	 * process (a shell's `cat`, an applet) is over long before its records
	 * are read; the last process the cache knew under the pid, ended too,
	 * is the record's - its fork copied its parent's workload. Its fork may
	 * still wait in the process connector's socket: read that first.
	 */
	e = proc_cache_dead(src->ctx->procs, rec->pid);
	if (!e) {
		proc_connector_sync(src->ctx);
		e = proc_cache_dead(src->ctx->procs, rec->pid);
	}
	/*
	 * Nothing known of it, or only a guess: a process that exec'd out of
	 * the runtime's init (`runc exec`'s, copied at its fork from the runtime
	 * before it joined the container's cgroup) and was gone before its
	 * exec was read. A file of one container's own (its rootfs, its
	 * overlay's upper dir, a layer no other container shares) names the
	 * container then.
	 */
	if (plen > 0 && (!e || e->runtime || e->exec_unread) &&
	    (w = workload_by_path(src->ctx->wls, fs->path, (size_t)plen, &upper))) {
		/* its exec of a file written since the container started: drift */
		bool drift = upper && (rec->mask & FAN_OPEN_EXEC);
		bool guess = !e || e->runtime || !(e->wl && e->wl->rootfs);

		if ((guess && (!e || e->wl != w)) || (e && e->wl == w && drift && !e->drift))
			e = proc_cache_adopt(src->ctx->procs, rec->pid, w,
					     drift || (e && e->wl == w && e->drift));
	}
	if (!e)
		return false;
	fs->pid_start = e->start;
	return true;
}

/*
 * The FID-only attrib that an unlink makes (the inode's link count drops,
 * the kernel has no name for it) comes right before the delete record that
 * names the same object. Found in the same buffer, it costs no
 * open_by_handle_at (which would fail with ESTALE anyway for the last link).
 */
static bool unlinked_next(const struct fan_src *fs, const void *buf, size_t len, size_t off,
			  const struct fan_handle *fid)
{
	return fs->have_target_fid && fan_peek_delete_of(buf, len, off, fid);
}

static void close_fds(const struct fan_src *fs, const struct fan_record *rec)
{
	if (fs->offline)
		return; /* fuzzed or recorded input: its numbers are not our fds */
	if (rec->fd >= 0)
		close(rec->fd);
	if (rec->has_pidfd && rec->pidfd >= 0)
		close(rec->pidfd);
}

static int emit_ops(struct sensor_source *src, struct fan_src *fs, const struct fan_record *rec,
		    int plen, int tolen)
{
	uint64_t mask = rec->mask & fs->report_mask;
	bool enrich_ok = true;
	unsigned slots;
	int n = 0;

	/* An exec is also an open: report it once, as exec. */
	if (mask & FAN_OPEN_EXEC)
		mask &= ~(uint64_t)FAN_OPEN;
	/* Opening or reading a directory (ls) is noise; its entries' changes are not. */
	if (mask & FAN_ONDIR)
		mask &= ~(uint64_t)(FAN_OPEN | FAN_ACCESS | FAN_CLOSE_NOWRITE | FAN_CLOSE_WRITE |
				    FAN_MODIFY);
	if (!(mask & ~(uint64_t)FAN_ONDIR))
		return 0;
	/*
	 * The process was reaped (FAN_NOPIDFD), the kernel could not make a
	 * pidfd (FAN_EPIDFD) or, after reading it, it is no longer the pidfd's:
	 * its pid may belong to another process now.
	 */
	if (rec->has_pidfd)
		enrich_ok = attribute(src, fs, rec, plen);
	slots = 0;
	for (uint32_t m = (uint32_t)(mask & OPS_KNOWN); m; m &= m - 1)
		slots |= op_slot[__builtin_ctz(m)];
	for (; slots; slots &= slots - 1u) {
		unsigned i = (unsigned)__builtin_ctz(slots);
		struct sensor_event *ev;

		ev = ctx_event_new(src, SENSOR_KIND_FILE);
		if (!ev) {
			ctx_emit_loss(src, 1, "out of memory building a file event");
			continue;
		}
		ev_set_strn(ev, SENSOR_FIELD_FILE_OP, ops_of_mask[i].op, ops_of_mask[i].len);
		if (ops_of_mask[i].bit == FAN_MOVED_TO) {
			if (plen >= 0)
				ev_set_strn(ev, SENSOR_FIELD_FILE_TO, fs->path, (size_t)plen);
		} else {
			if (plen >= 0)
				ev_set_strn(ev, SENSOR_FIELD_FILE_PATH, fs->path, (size_t)plen);
			if (tolen >= 0)
				ev_set_strn(ev, SENSOR_FIELD_FILE_TO, fs->path2, (size_t)tolen);
		}
		ev_set_int(ev, SENSOR_FIELD_FILE_FLAGS, (int64_t)rec->mask);
		ev_set_int(ev, SENSOR_FIELD_PROCESS_PID, rec->pid);
		if (enrich_ok && rec->has_pidfd && !fs->offline)
			ev_set_int(ev, SENSOR_FIELD_PROCESS_START, (int64_t)fs->pid_start);
		/* enrichment reads /proc by pid: never for a process known to be gone */
		src->no_enrich = fs->offline || !enrich_ok;
		ctx_emit(src->ctx, ev);
		src->no_enrich = fs->offline;
		n++;
	}
	return n;
}

/* buf[0..len) is the read() buffer, next the offset of the record after rec. */
static int handle_record(struct sensor_source *src, struct fan_src *fs,
			 const struct fan_record *rec, const void *buf, size_t len, size_t next)
{
	int plen = -1, tolen = -1, px = -1, tx = -1;

	/* a directory's path changed (or such a change may be lost): cached paths are stale */
	if ((rec->mask & FAN_Q_OVERFLOW) ||
	    ((rec->mask & FAN_ONDIR) &&
	     (rec->mask & (FAN_RENAME | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_DELETE))))
		fan_dcache_flush(&fs->dcache);
	if (rec->mask & FAN_Q_OVERFLOW) {
		/* the kernel says only that it dropped events, not how many */
		ctx_emit_loss(src, 1,
			      "fanotify queue overflow (FAN_Q_OVERFLOW): at least one event lost");
		return 1;
	}
	if (rec->pid == fs->self_pid)
		return 0;
	/* a directory rename or delete the caller did not ask for: only the flush above */
	if (!(rec->mask & fs->report_mask & ~(uint64_t)FAN_ONDIR))
		return 0;
	if (rec->mask & FAN_RENAME) {
		if (rec->old_dfid.present)
			plen = record_path(fs, &rec->old_dfid, NULL, fs->path, sizeof(fs->path), &px);
		if (rec->new_dfid.present)
			tolen = record_path(fs, &rec->new_dfid, &rec->fid, fs->path2,
					    sizeof(fs->path2), &tx);
	} else if (rec->dfid.present) {
		plen = record_path(fs, &rec->dfid, &rec->fid, fs->path, sizeof(fs->path), &px);
	} else if (rec->fid.present) {
		bool attrib_only = !(rec->mask & ~(uint64_t)(FAN_ATTRIB | FAN_ONDIR));

		/*
		 * Only the object's handle: the nlink change of an unlink (FAN_ATTRIB)
		 * when the delete record of the same object follows, or the object is
		 * gone. The delete event, with its name, says it.
		 */
		if (attrib_only && unlinked_next(fs, buf, len, next, &rec->fid)) {
			fs->unlink_attribs++;
			return 0;
		}
		plen = fan_path_resolve(fs->fs, fs->nfs, NULL, &rec->fid, fs->path, sizeof(fs->path),
					NULL);
		if (plen == -ESTALE && attrib_only)
			return 0;
		if (plen < 0)
			plen = record_path(fs, &rec->fid, NULL, fs->path, sizeof(fs->path), NULL);
	} else if (rec->fd >= 0 && !fs->offline) {
		plen = fan_path_of_fd(rec->fd, fs->path, sizeof(fs->path));
	}
	if (plen < 0 && tolen < 0 && (rec->dfid.present || rec->old_dfid.present))
		src->stats.errors++; /* a name too long for FAN_PATH_MAX */
	/* the directory cache knows most answers (px, tx); -1: ask the prefix list */
	if (plen >= 0) {
		if (px < 0)
			px = fan_excluded(fs, fs->path, (size_t)plen);
		if (px)
			return 0;
	} else if (tolen >= 0) {
		if (tx < 0)
			tx = fan_excluded(fs, fs->path2, (size_t)tolen);
		if (tx)
			return 0;
	}
	if (plen >= 0 && fan_quiet_open(fs, rec, fs->path, (size_t)plen))
		return 0;
	return emit_ops(src, fs, rec, plen, tolen);
}

int fan_notify_dispatch(struct sensor_source *src, const void *buf, size_t len)
{
	struct fan_src *fs = src->priv;
	struct fan_record rec;
	size_t off = 0;
	int n = 0, r;

	fan_dcache_stamp(&fs->dcache);
	fs->memo_pid = 0; /* attribute(): valid for one read() */
	while ((r = fan_decode(buf, len, &off, &rec)) != 0) {
		src->stats.received++;
		if (r == -EBADMSG || r == -EPROTO) {
			src->stats.errors++;
			break; /* cannot walk further; the fds of the rest leak only on kernel bugs */
		}
		if (r < 0)
			src->stats.errors++;
		else
			n += handle_record(src, fs, &rec, buf, len, off);
		close_fds(fs, &rec);
	}
	return n;
}

static int notify_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget);

/* Bound of one sync (records, not reads). */
#define SYNC_BUDGET 4096

void fanotify_sync(struct sensor_ctx *ctx)
{
	for (struct sensor_source *s = ctx->sources; s; s = s->next) {
		struct fan_src *fs = s->priv;

		if (s->ops != &source_fanotify_ops || !fs || fs->offline || fs->nfd < 0 || s->dead ||
		    s->stopped)
			continue;
		notify_ready(s, fs->nfd, 0, SYNC_BUDGET);
	}
}

static int notify_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct fan_src *fs = src->priv;
	unsigned n = 0;

	(void)events;
	if (fs->reading)
		return 0;
	fs->reading = true;
	while (n < budget) {
		ssize_t got = read(fd, fs->buf, fs->o.read_buffer);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			src->stats.errors++;
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
				/* the kernel dropped the event it could not give us */
				ctx_emit_loss(src, 1, "event not read: out of fds or memory");
				break;
			}
			fs->reading = false;
			return -errno;
		}
		if (got == 0)
			break;
		n += (unsigned)fan_notify_dispatch(src, fs->buf, (size_t)got);
		if ((size_t)got < fs->o.read_buffer / 2)
			break; /* drained */
	}
	fs->reading = false;
	return (int)n;
}

static void fan_stop(struct sensor_source *src)
{
	struct fan_src *fs = src->priv;

	if (!fs)
		return;
	if (fs->dcache.hits + fs->dcache.misses)
		ctx_log(src->ctx, SENSOR_LOG_DEBUG,
			"fanotify: directory path cache: %llu hits, %llu misses, %llu flushes; "
			"%llu unlink attribs without a lookup, %llu pid checks saved; "
			"%llu shared opens dropped, %llu ignore marks",
			(unsigned long long)fs->dcache.hits, (unsigned long long)fs->dcache.misses,
			(unsigned long long)fs->dcache.flushes, (unsigned long long)fs->unlink_attribs,
			(unsigned long long)fs->memo_hits, (unsigned long long)fs->quiet_dropped,
			(unsigned long long)fs->quiet_marks);
	fan_perm_stop(src);
	if (fs->nfd >= 0) {
		ctx_unwatch_fd(src, fs->nfd);
		close(fs->nfd); /* closing the group removes its marks */
	}
	fan_marks_close(fs);
	fan_dcache_free(&fs->dcache);
	fan_opts_free(fs);
	pthread_mutex_destroy(&fs->vlock);
	free(fs->buf);
	free(fs);
	src->priv = NULL;
}

static struct fan_src *fan_src_new(struct sensor_source *src, const void *opts, int *err)
{
	struct fan_src *fs = calloc(1, sizeof(*fs));

	if (!fs) {
		*err = -ENOMEM;
		return NULL;
	}
	fs->nfd = fs->pfd = fs->vfd = -1;
	pthread_mutex_init(&fs->vlock, NULL);
	fs->self_pid = getpid();
	src->priv = fs;
	*err = fan_opts_copy(fs, opts);
	fs->quiet_opens = !(fs->o.flags & SENSOR_FANOTIFY_ALL_OPENS);
	if (*err == 0) {
		/* aligned for struct fanotify_event_metadata */
		fs->buf = aligned_alloc(8, (fs->o.read_buffer + 7) & ~7u);
		if (!fs->buf)
			*err = -ENOMEM;
		/*
		 * Only a filesystem mark sees every directory rename and delete that
		 * can change a cached path: mount marks see none, inode marks not
		 * those of the marked directory's ancestors. Their paths are never cached.
		 */
		else if (fs->o.mark == SENSOR_FANOTIFY_MARK_FILESYSTEM) {
			*err = fan_dcache_init(&fs->dcache, DCACHE_TTL);
			fs->dcache.excl = fs->exclude;
			fs->dcache.excl_len = fs->exclude_len;
		}
	}
	if (*err < 0) {
		fan_stop(src);
		return NULL;
	}
	return fs;
}

/* Notification group with the richest reporting the kernel has. */
static int notify_init(struct fan_src *fs)
{
	unsigned base = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME;
	unsigned efl = O_RDONLY | O_LARGEFILE | O_CLOEXEC;
	static const unsigned extra[] = {
		FAN_REPORT_FID | FAN_REPORT_TARGET_FID | FAN_REPORT_PIDFD,
		FAN_REPORT_PIDFD,
		0,
	};

	if (fs->o.flags & SENSOR_FANOTIFY_UNLIMITED_QUEUE)
		base |= FAN_UNLIMITED_QUEUE;
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		int fd = fanotify_init(base | extra[i], efl);

		if (fd >= 0) {
			fs->have_pidfd = extra[i] & FAN_REPORT_PIDFD;
			fs->have_target_fid = extra[i] & FAN_REPORT_TARGET_FID;
			fs->nfd = fd;
			return 0;
		}
		if (errno != EINVAL)
			return errno == ENOSYS ? -EOPNOTSUPP : -errno;
	}
	return -EOPNOTSUPP; /* no FAN_REPORT_DFID_NAME (kernel < 5.9) */
}

static int fan_start(struct sensor_source *src, const void *opts)
{
	struct fan_src *fs;
	int r;

	fs = fan_src_new(src, opts, &r);
	if (!fs)
		return r;
	if (!(fs->o.flags & SENSOR_FANOTIFY_NO_NOTIFY)) {
		r = notify_init(fs);
		if (r == 0) {
			/* optimistic: mark_one() falls back to moves where FAN_RENAME is refused */
			fs->have_rename = true;
			fs->report_mask = mask_of_events(fs->o.events, true);
			if (fs->report_mask & FAN_RENAME)
				fs->report_mask |= FAN_MOVED_FROM | FAN_MOVED_TO; /* the fallback */
			/*
			 * The path cache is flushed by directory renames and deletes:
			 * the kernel reports them even when the caller did not ask for
			 * those operations (emit_ops() drops what was not asked for).
			 */
			fs->notify_mask = mask_of_events(
				fs->o.events | (fs->dcache.e ? SENSOR_FANOTIFY_EV_RENAME |
								       SENSOR_FANOTIFY_EV_DELETE
							     : 0),
				true);
			if (fs->o.mark == SENSOR_FANOTIFY_MARK_MOUNT)
				/* mount marks cannot report directory-entry events */
				fs->notify_mask &= ~(uint64_t)(FAN_CREATE | FAN_DELETE | FAN_RENAME |
							       FAN_MOVED_FROM | FAN_MOVED_TO |
							       FAN_ATTRIB | FAN_ONDIR);
			r = fan_marks_add(src, fs);
		}
		if (r == 0)
			r = ctx_watch_fd(src, fs->nfd, notify_ready);
		if (r < 0)
			goto fail;
	}
	if (fs->o.perm) {
		r = fan_perm_start(src);
		if (r < 0)
			goto fail;
	}
	ctx_emit_status(src, "up",
			fs->have_pidfd ? "fanotify: paths from directory handles, pids from pidfds"
				       : "fanotify: paths from directory handles, pids without pidfd");
	return 0;
fail:
	/* the caller gets r and reports it; this is only for debugging */
	ctx_log(src->ctx, SENSOR_LOG_DEBUG, "fanotify: cannot start: %s", strerror(-r));
	fan_stop(src);
	return r;
}

int sensor_fanotify_mark(sensor_source *src, const char *path, uint32_t flags)
{
	if (!src || !path || src->ops != &source_fanotify_ops || src->stopped || src->dead ||
	    !src->priv)
		return -EINVAL;
	return fan_perm_mark(src, path, flags);
}

int sensor_fanotify_prime(sensor_source *src, int fd, uint32_t flags)
{
	struct fan_src *fs;
	struct stat st;
	char hex[65];

	if (!src || fd < 0 || flags || src->ops != &source_fanotify_ops || src->stopped ||
	    src->dead || !src->priv)
		return -EINVAL;
	fs = src->priv;
	if (!(fs->o.flags & SENSOR_FANOTIFY_HASH_EXEC))
		return -EINVAL;
	return content_id_of_fd(&fs->cid, fd, hex, &st);
}

/*
 * An exec changes the process's image (and, for a process a runtime just
 * moved into a container, its workload). The proc source reloads the cache
 * at its own exec events, but fanotify reports the open-exec of the binary
 * before the connector's exec arrives, so once the event is dispatched its
 * process's cached identity is dropped and its next event reads /proc
 * afresh. (Audit's exec record comes after the exec, when the connector has
 * had its say: dropping then would only read /proc twice per exec.)
 */
static void fan_dispatched(struct sensor_source *src, const struct sensor_event *ev)
{
	const char *op;

	if (ev->kind != SENSOR_KIND_FILE || !ev_has(ev, SENSOR_FIELD_PROCESS_PID))
		return;
	/* per file event: the first byte before the call (ev_str + strcmp were ~5% of a drain) */
	if (!ev_has(ev, SENSOR_FIELD_FILE_OP))
		return;
	op = ev->arena + ev->v[SENSOR_FIELD_FILE_OP].s;
	if (op[0] != 'e' || strcmp(op, "exec") != 0)
		return;
	proc_cache_exit(src->ctx->procs, (int32_t)ev->v[SENSOR_FIELD_PROCESS_PID].i);
}

static int fan_respond(struct sensor_source *src, struct sensor_event *ev, enum sensor_decision d,
		       int err)
{
	return fan_perm_respond(src, ev, d, err);
}

const struct source_ops source_fanotify_ops = {
	.type = SENSOR_SOURCE_FANOTIFY,
	.compiled = true,
	.gates = true, /* its permission group holds other processes' execs and opens */
	.start = fan_start,
	.stop = fan_stop,
	.respond = fan_respond,
	.probe = fan_probe,
	.dispatched = fan_dispatched,
};

static int fan_start_offline(struct sensor_source *src, const void *opts)
{
	int r;
	struct fan_src *fs = fan_src_new(src, opts, &r);

	if (!fs)
		return r;
	fs->offline = true;
	fs->report_mask = UINT64_MAX; /* recorded input: every operation it has */
	fs->self_pid = -1;     /* recorded input may carry any pid */
	src->no_enrich = true; /* ... of processes long gone */
	return 0;
}

static const struct source_ops source_fanotify_offline_ops = {
	.type = SENSOR_SOURCE_FANOTIFY,
	.compiled = true,
	.start = fan_start_offline,
	.stop = fan_stop,
	.dispatched = fan_dispatched,
};

int fan_offline_source(struct sensor_ctx *ctx, struct sensor_source **ret)
{
	return ctx_source_add_ops(ctx, &source_fanotify_offline_ops, NULL, ret);
}
