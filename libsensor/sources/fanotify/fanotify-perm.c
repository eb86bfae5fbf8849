/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The permission group: FAN_CLASS_CONTENT in fd mode (permission events do
 * not combine with FID reporting), marks only on the operator's paths.
 * Each request becomes a held `file` event; the answer (policy callback,
 * sensor_event_respond() or the default at the deadline) is written as a
 * struct fanotify_response. An allow is cached with an ignore mark on the
 * inode (evictable where the kernel has it, so the cache never pins inodes;
 * without FAN_MARK_IGNORED_SURV_MODIFY, so a modified file is asked again).
 *
 * The requesting process is blocked in the kernel for the whole hold, so
 * its pid cannot be reused while the event is built: no pidfd is needed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/context.h"
#include "core/enrich.h"
#include "fanotify-internal.h"

static int write_response(struct fan_src *fs, int fd, bool allow)
{
	struct fanotify_response resp = {
		.fd = fd,
		.response = (allow ? FAN_ALLOW : FAN_DENY) |
			    ((fs->o.flags & SENSOR_FANOTIFY_AUDIT) ? FAN_AUDIT : 0),
	};

	if (write(fs->pfd, &resp, sizeof(resp)) != (ssize_t)sizeof(resp))
		return -errno;
	return 0;
}

/* Cache an allow: an ignore mark for this operation on this inode. */
static void cache_allow(struct fan_src *fs, int fd, uint64_t mask)
{
	unsigned flags = FAN_MARK_ADD | (fs->have_evictable ? FAN_MARK_EVICTABLE : 0) |
			 (fs->have_mark_ignore ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK);

	if (fs->o.flags & SENSOR_FANOTIFY_NO_ALLOW_CACHE)
		return;
	/* best effort: without the mark the next open is simply asked again */
	fanotify_mark(fs->pfd, flags, mask & fs->perm_mask, fd, NULL);
}

/* A denial after dispatch: queue the event for a follow-up (see fan_src.vq). */
static void queue_denial(struct fan_src *fs, struct sensor_event *ev)
{
	uint64_t one = 1;
	bool queued = false;

	pthread_mutex_lock(&fs->vlock);
	if (fs->vn < sizeof(fs->vq) / sizeof(fs->vq[0])) {
		fs->vq[fs->vn++] = sensor_event_ref(ev);
		queued = true;
	}
	pthread_mutex_unlock(&fs->vlock);
	if (!queued)
		atomic_fetch_add(&fs->vlost, 1); /* the loop reports it as a loss */
	if (write(fs->vfd, &one, sizeof(one)) < 0) {
		/* the counter is full: the loop is already woken */
	}
}

int fan_perm_respond(struct sensor_source *src, struct sensor_event *ev, enum sensor_decision d,
		     int err)
{
	struct fan_src *fs = src->priv;
	int fd = (int)ev->hold.data[0], r;
	bool allow = d == SENSOR_DECISION_ALLOW;

	(void)err; /* fanotify answers a denial with EPERM (FAN_DENY_ERRNO is pre-content only) */
	if (!fs || fs->pfd < 0 || fd < 0)
		return -EBADF;
	r = write_response(fs, fd, allow);
	if (r == 0 && allow)
		cache_allow(fs, fd, ev->hold.data[1]);
	close(fd);
	ev->hold.data[0] = (uint64_t)-1;
	atomic_fetch_sub(&fs->pending, 1);
	/* the policy answers before dispatch: that event carries its verdict itself */
	if (!allow && ev->dispatched && fs->vfd >= 0)
		queue_denial(fs, ev);
	return r;
}

/* Emit one follow-up: the request's fields and the verdict it got. */
static void emit_denial(struct sensor_source *src, struct sensor_event *held)
{
	static const enum sensor_field copy_str[] = { SENSOR_FIELD_FILE_OP, SENSOR_FIELD_FILE_PATH };
	static const enum sensor_field copy_int[] = { SENSOR_FIELD_FILE_FLAGS,
						      SENSOR_FIELD_PROCESS_PID,
						      SENSOR_FIELD_PROCESS_START };
	struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_FILE);

	if (!ev) {
		ctx_emit_loss(src, 1, "denial follow-up event: out of memory");
		return;
	}
	for (size_t i = 0; i < sizeof(copy_str) / sizeof(copy_str[0]); i++) {
		const char *s = ev_str(held, copy_str[i]);

		if (s)
			ev_set_str(ev, copy_str[i], s);
	}
	for (size_t i = 0; i < sizeof(copy_int) / sizeof(copy_int[0]); i++)
		if (ev_has(held, copy_int[i]))
			ev_set_int(ev, copy_int[i], held->v[copy_int[i]].i);
	/* the start time keeps enrichment to the same process */
	ev->hold.decision = held->hold.decision;
	memcpy(ev->hold.reason, held->hold.reason, sizeof(ev->hold.reason));
	ctx_emit(src->ctx, ev);
}

static int verdict_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct fan_src *fs = src->priv;
	struct sensor_event *q[sizeof(fs->vq) / sizeof(fs->vq[0])];
	unsigned n, lost;
	uint64_t cnt;

	(void)events;
	(void)budget;
	if (read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		return -errno;
	pthread_mutex_lock(&fs->vlock);
	n = fs->vn;
	memcpy(q, fs->vq, n * sizeof(q[0]));
	fs->vn = 0;
	pthread_mutex_unlock(&fs->vlock);
	lost = atomic_exchange(&fs->vlost, 0);
	if (lost)
		ctx_emit_loss(src, lost, "denial follow-up events: queue full");
	for (unsigned i = 0; i < n; i++) {
		emit_denial(src, q[i]);
		sensor_event_unref(q[i]);
	}
	return (int)n;
}

/*
 * Is the open that pid is blocked in an open for writing? From
 * /proc/<pid>/syscall ("nr arg0 arg1 ..."): the opener sleeps in the kernel
 * until we answer, after the kernel copied its arguments, so the flags read
 * here are the ones the open uses. fanotify names the thread group: when
 * its main thread is not the opener (Go runtimes, thread pools), the
 * threads under /proc/<pid>/task are read. Anything we cannot read the
 * flags of (openat2's flags live in user memory, io_uring, a compat
 * syscall) counts as a write: the caller then needs the stricter answer.
 */
/* OPEN_RUNNING: the task is not blocked yet, its syscall cannot be read */
enum open_mode { OPEN_UNKNOWN, OPEN_READ, OPEN_WRITE, OPEN_RUNNING };

static enum open_mode mode_of(const char *path)
{
	char buf[256];
	unsigned long long v[7] = { 0 };
	long long nr;
	uint64_t flags;
	ssize_t n;
	int fd, k = 0;
	char *p, *end;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return OPEN_UNKNOWN;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return OPEN_UNKNOWN;
	buf[n] = '\0';
	nr = strtoll(buf, &end, 10);
	if (end == buf)
		return strncmp(buf, "running", 7) == 0 ? OPEN_RUNNING : OPEN_UNKNOWN;
	for (p = end; k < 7; k++) {
		while (*p == ' ')
			p++;
		if (p[0] != '0' || p[1] != 'x')
			break;
		v[k] = strtoull(p + 2, &end, 16);
		p = end;
	}
	if (k < 3)
		return OPEN_UNKNOWN;
	/* an exec opens its file (and interpreter) for reading: FAN_OPEN_PERM follows
	 * FAN_OPEN_EXEC_PERM as a second request */
	if (nr == SYS_execve || nr == SYS_execveat)
		return OPEN_READ;
	if (nr == SYS_openat)
		flags = v[2];
#ifdef SYS_open
	else if (nr == SYS_open)
		flags = v[1];
#endif
#ifdef SYS_creat
	else if (nr == SYS_creat)
		return OPEN_WRITE;
#endif
	else if (nr == SYS_openat2)
		return OPEN_WRITE;
	else
		return OPEN_UNKNOWN;
	return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) ? OPEN_WRITE : OPEN_READ;
}

/* One look at the process's threads; OPEN_RUNNING when a thread that may be
 * the requester was not blocked yet. */
static enum open_mode open_mode_once(int32_t pid)
{
	char path[64];
	enum open_mode m;
	bool any_read = false, any_running = false;
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	m = mode_of(path);
	if (m == OPEN_READ || m == OPEN_WRITE)
		return m;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return OPEN_UNKNOWN;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || strlen(de->d_name) > 10)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall", (int)pid, de->d_name);
		m = mode_of(path);
		if (m == OPEN_WRITE) {
			closedir(d);
			return OPEN_WRITE; /* one of its threads opens for writing: it may be this one */
		}
		any_read |= m == OPEN_READ;
		any_running |= m == OPEN_RUNNING;
	}
	closedir(d);
	return any_read ? OPEN_READ : any_running ? OPEN_RUNNING : OPEN_UNKNOWN;
}

/*
 * Whether the process that asked opens for writing, from the syscall it is
 * blocked in. The request reaches us as soon as it is queued, so the task
 * may not have gone to sleep yet: its syscall reads "running" for a few
 * microseconds. It will block (it waits for our answer), so look again,
 * bounded (~2 ms); still unknown is taken as a write (the stricter reading).
 * Seen: 4 requests in one run of baseline-enforce-runc under load read "running",
 * and a read-only exec of /usr/bin/uname was denied as a write to a binary
 * directory.
 */
static bool open_is_write(int32_t pid)
{
	enum open_mode m = OPEN_RUNNING;

	for (int i = 0; i < 100 && m == OPEN_RUNNING; i++) {
		if (i)
			nanosleep(&(struct timespec){ .tv_nsec = 20000 }, NULL);
		m = open_mode_once(pid);
	}
	return m != OPEN_READ;
}

/* Answer at once without an event (the sensor itself, excluded paths, undecodable requests). */
static void answer_now(struct fan_src *fs, int fd, bool allow)
{
	write_response(fs, fd, allow);
	close(fd);
}

static void perm_event(struct sensor_source *src, struct fan_src *fs, int fd, int32_t pid,
		       uint64_t mask)
{
	bool deny_default = fs->o.flags & SENSOR_FANOTIFY_FAIL_CLOSED;
	struct sensor_event *ev;
	int plen;

	if (pid == fs->self_pid) {
		answer_now(fs, fd, true);
		return;
	}
	plen = fan_path_of_fd(fd, fs->tmp, sizeof(fs->tmp));
	if (plen >= 0 && fan_excluded(fs, fs->tmp, (size_t)plen)) {
		answer_now(fs, fd, true);
		return;
	}
	ev = ctx_event_new(src, SENSOR_KIND_FILE);
	if (!ev) {
		answer_now(fs, fd, !deny_default);
		src->stats.defaulted++;
		ctx_emit_loss(src, 1, "permission request answered by default: out of memory");
		return;
	}
	ev_set_str(ev, SENSOR_FIELD_FILE_OP,
		   (mask & FAN_OPEN_EXEC_PERM)			  ? "exec"
		   : (fs->o.flags & SENSOR_FANOTIFY_OPEN_MODE) && open_is_write(pid) ? "write"
											 : "open");
	if (plen >= 0)
		ev_set_strn(ev, SENSOR_FIELD_FILE_PATH, fs->tmp, (size_t)plen);
	if (fs->o.flags & (SENSOR_FANOTIFY_HASH_EXEC | SENSOR_FANOTIFY_OPEN_MODE)) {
		struct stat st;
		char hex[65];
		int r = -1;

		if ((mask & FAN_OPEN_EXEC_PERM) && (fs->o.flags & SENSOR_FANOTIFY_HASH_EXEC))
			r = content_id_of_fd(&fs->cid, fd, hex, &st);
		if (r == 0)
			ev_set_str(ev, SENSOR_FIELD_FILE_SHA256, hex);
		if (r == 0 || fstat(fd, &st) == 0)
			ev_set_int(ev, SENSOR_FIELD_FILE_NLINK, (int64_t)st.st_nlink);
	}
	ev_set_int(ev, SENSOR_FIELD_FILE_FLAGS, (int64_t)mask);
	ev_set_int(ev, SENSOR_FIELD_PROCESS_PID, pid);
	ev->hold.dflt = deny_default ? SENSOR_DECISION_DENY : SENSOR_DECISION_ALLOW;
	ev->hold.dflt_err = EPERM;
	ev->hold.deadline = now_mono() + fs->o.perm_timeout;
	ev->hold.data[0] = (uint64_t)fd;
	ev->hold.data[1] = mask;
	if (atomic_load(&fs->pending) >= fs->o.max_pending) {
		/* overload: the default now, and the event says so */
		answer_now(fs, fd, !deny_default);
		ev->hold.decision = SENSOR_DECISION_DEFAULT;
		memcpy(ev->hold.reason, "overload", sizeof("overload"));
		src->stats.defaulted++;
		ctx_emit(src->ctx, ev);
		return;
	}
	atomic_fetch_add(&fs->pending, 1);
	ev->hold.active = true;
	if (fs->o.policy) {
		enum sensor_decision d;

		enrich_event(src->ctx, ev); /* the policy may look at process and workload */
		d = fs->o.policy(fs->o.policy_userdata, ev);
		if (d == SENSOR_DECISION_ALLOW || d == SENSOR_DECISION_DENY)
			sensor_event_respond(ev, d, 0, "policy");
	}
	ctx_emit(src->ctx, ev);
}

static int perm_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct fan_src *fs = src->priv;
	unsigned n = 0;

	(void)events;
	while (n < budget) {
		ssize_t got = read(fd, fs->buf, fs->o.read_buffer);
		struct fan_record rec;
		size_t off = 0;
		int r;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			src->stats.errors++;
			return errno == EMFILE || errno == ENFILE ? (int)n : -errno;
		}
		if (got == 0)
			break;
		while ((r = fan_decode(fs->buf, (size_t)got, &off, &rec)) != 0) {
			src->stats.received++;
			if (r == -EBADMSG || r == -EPROTO) {
				src->stats.errors++;
				break;
			}
			if (rec.fd < 0) {
				src->stats.errors++; /* FAN_NOFD: nothing to answer */
				continue;
			}
			if (r < 0 || !(rec.mask & fs->perm_mask)) {
				src->stats.errors++;
				answer_now(fs, rec.fd, true);
				continue;
			}
			perm_event(src, fs, rec.fd, rec.pid, rec.mask);
			n++;
		}
	}
	return (int)n;
}

int fan_perm_start(struct sensor_source *src)
{
	struct fan_src *fs = src->priv;
	unsigned init = FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK;
	unsigned mflags = FAN_MARK_ADD | fan_mark_type_flag(fs->o.mark);
	uint64_t mask = 0;
	int r, probe;

	if (fs->o.perm & SENSOR_FANOTIFY_PERM_EXEC)
		mask |= FAN_OPEN_EXEC_PERM;
	if (fs->o.perm & SENSOR_FANOTIFY_PERM_OPEN)
		mask |= FAN_OPEN_PERM;
	fs->perm_mask = mask;
	if (fs->o.flags & SENSOR_FANOTIFY_AUDIT)
		init |= FAN_ENABLE_AUDIT;
	fs->pfd = fanotify_init(init, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (fs->pfd < 0)
		return errno == EINVAL || errno == ENOSYS ? -EOPNOTSUPP : -errno;
	/* which ignore-mark flavours the kernel has: try them on our own group fd's inode */
	probe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (probe >= 0) {
		if (fanotify_mark(fs->pfd, FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_EVICTABLE,
				  FAN_OPEN_PERM, probe, NULL) == 0) {
			fs->have_mark_ignore = fs->have_evictable = true;
			fanotify_mark(fs->pfd, FAN_MARK_REMOVE | FAN_MARK_IGNORE, FAN_OPEN_PERM,
				      probe, NULL);
		} else if (fanotify_mark(fs->pfd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK |
							  FAN_MARK_EVICTABLE,
					 FAN_OPEN_PERM, probe, NULL) == 0) {
			fs->have_evictable = true;
			fanotify_mark(fs->pfd, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK,
				      FAN_OPEN_PERM, probe, NULL);
		}
		close(probe);
	}
	if (fs->o.mark == SENSOR_FANOTIFY_MARK_INODE)
		mask |= FAN_EVENT_ON_CHILD;
	fs->perm_mark_mask = mask;
	for (int i = 0; fs->paths && fs->paths[i]; i++) {
		if (fanotify_mark(fs->pfd, mflags, mask, AT_FDCWD, fs->paths[i]) < 0) {
			r = -errno;
			ctx_log(src->ctx, SENSOR_LOG_ERR, "fanotify: permission mark on %s: %s",
				fs->paths[i], strerror(-r));
			return r == -EINVAL ? -EOPNOTSUPP : r;
		}
	}
	/*
	 * Excluded directories (the sensor's own store and logs among them) get
	 * ignore marks here too: opens of their direct children are never held,
	 * so the sensor cannot block itself on its own files there.
	 */
	for (int i = 0; fs->exclude[i]; i++) {
		struct stat st;

		if (stat(fs->exclude[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (fs->have_mark_ignore)
			fanotify_mark(fs->pfd, FAN_MARK_ADD | FAN_MARK_IGNORE_SURV,
				      fs->perm_mask | FAN_ONDIR | FAN_EVENT_ON_CHILD, AT_FDCWD,
				      fs->exclude[i]);
	}
	r = ctx_watch_fd(src, fs->pfd, perm_ready);
	if (r < 0)
		return r;
	fs->vfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fs->vfd < 0)
		return -errno;
	return ctx_watch_fd(src, fs->vfd, verdict_ready);
}

int fan_perm_mark(struct sensor_source *src, const char *path, uint32_t flags)
{
	struct fan_src *fs = src->priv;
	unsigned mflags = fan_mark_type_flag(fs->o.mark);

	if (fs->pfd < 0 || (flags & ~(uint32_t)SENSOR_FANOTIFY_MARK_REMOVE) || path[0] != '/')
		return -EINVAL;
	mflags |= (flags & SENSOR_FANOTIFY_MARK_REMOVE) ? FAN_MARK_REMOVE : FAN_MARK_ADD;
	if (fanotify_mark(fs->pfd, mflags, fs->perm_mark_mask, AT_FDCWD, path) < 0)
		return -errno;
	return 0;
}

void fan_perm_stop(struct sensor_source *src)
{
	struct fan_src *fs = src->priv;

	if (!fs)
		return;
	content_id_cache_free(&fs->cid);
	if (fs->vfd >= 0) {
		/* follow-ups not emitted yet are dropped with the source */
		ctx_unwatch_fd(src, fs->vfd);
		close(fs->vfd);
		fs->vfd = -1;
		for (unsigned i = 0; i < fs->vn; i++)
			sensor_event_unref(fs->vq[i]);
		fs->vn = 0;
	}
	if (fs->pfd < 0)
		return;
	ctx_unwatch_fd(src, fs->pfd);
	/* closing the group answers every request still pending with allow (docs/fanotify.md) */
	close(fs->pfd);
	fs->pfd = -1;
}
