/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bounded pid -> process cache (LRU, pid-reuse safe). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec-path.h"
#include "proc-cache.h"
#include "util/clock.h"
#include "util/parse.h"
#include "workload.h"

#define DEFAULT_TTL (2ull * 1000000000u)
/*
 * Pids found gone, with when (CLOCK_MONOTONIC ns): an event of a process
 * that exited before it was read (a short exec: its exec, its file events,
 * its exit) would read /proc for it again and again. Only events from
 * before that time are answered from here - a pid reused later is read.
 */
#define GONE_SLOTS 64

struct proc_cache {
	struct workload_table *wls; /* where entries intern their workload */
	const int *busy;           /* non-zero while events may borrow entries */
	struct proc_entry **buckets;
	unsigned nbuckets, count, max;
	struct proc_entry *lru_head, *lru_tail; /* head: most recent */
	uint64_t ttl;
	uint64_t hits, misses, evictions;
	/* entries dropped during a dispatch, released after it (see proc_cache_reap) */
	struct proc_entry *grave;
	struct {
		int32_t pid;
		uint64_t at;
	} gone[GONE_SLOTS];
	uint64_t gone_hits;
};

static unsigned bucket(const struct proc_cache *pc, int32_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (pc->nbuckets - 1);
}

int proc_cache_new(struct workload_table *wls, const int *busy, unsigned max,
		   struct proc_cache **ret)
{
	struct proc_cache *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return -ENOMEM;
	pc->nbuckets = 256;
	while (pc->nbuckets < max)
		pc->nbuckets *= 2;
	pc->buckets = calloc(pc->nbuckets, sizeof(*pc->buckets));
	if (!pc->buckets) {
		free(pc);
		return -ENOMEM;
	}
	pc->wls = wls;
	pc->busy = busy;
	pc->max = max;
	pc->ttl = DEFAULT_TTL;
	*ret = pc;
	return 0;
}

struct proc_entry *proc_entry_ref(struct proc_entry *e)
{
	if (e)
		atomic_fetch_add_explicit(&e->ref, 1, memory_order_relaxed);
	return e;
}

void proc_entry_unref(struct proc_entry *e)
{
	if (!e || atomic_fetch_sub_explicit(&e->ref, 1, memory_order_acq_rel) != 1)
		return;
	free(e->exe);
	free(e->cmdline);
	free(e->cwd);
	free(e->root);
	workload_unref(e->wl);
	free(e);
}

static void lru_unlink(struct proc_cache *pc, struct proc_entry *e)
{
	if (e->lprev)
		e->lprev->lnext = e->lnext;
	else
		pc->lru_head = e->lnext;
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else
		pc->lru_tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void lru_front(struct proc_cache *pc, struct proc_entry *e)
{
	e->lprev = NULL;
	e->lnext = pc->lru_head;
	if (pc->lru_head)
		pc->lru_head->lprev = e;
	pc->lru_head = e;
	if (!pc->lru_tail)
		pc->lru_tail = e;
}

static void remove_entry(struct proc_cache *pc, struct proc_entry *e)
{
	struct proc_entry **pp = &pc->buckets[bucket(pc, e->pid)];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	lru_unlink(pc, e);
	pc->count--;
	if (pc->busy && *pc->busy) {
		/* an event being dispatched may borrow it: the cache's reference
		 * goes when the dispatch ends */
		e->hnext = pc->grave;
		pc->grave = e;
		return;
	}
	proc_entry_unref(e); /* the cache's reference */
}

void proc_cache_reap(struct proc_cache *pc)
{
	while (pc->grave) {
		struct proc_entry *e = pc->grave;

		pc->grave = e->hnext;
		proc_entry_unref(e);
	}
}

void proc_cache_free(struct proc_cache *pc)
{
	if (!pc)
		return;
	while (pc->lru_head)
		remove_entry(pc, pc->lru_head);
	proc_cache_reap(pc);
	free(pc->buckets);
	free(pc);
}

void proc_cache_stats(struct proc_cache *pc, struct sensor_stats *st)
{
	st->proc_cache_hits = pc->hits;
	st->proc_cache_misses = pc->misses;
	st->proc_cache_evictions = pc->evictions;
	st->proc_cache_entries = pc->count;
}

void proc_cache_set_ttl(struct proc_cache *pc, uint64_t ttl)
{
	pc->ttl = ttl;
}

static struct proc_entry *find(struct proc_cache *pc, int32_t pid)
{
	struct proc_entry *e = pc->buckets[bucket(pc, pid)];

	while (e && e->pid != pid)
		e = e->hnext;
	return e;
}

static void insert(struct proc_cache *pc, struct proc_entry *e);

static struct proc_entry *load(struct proc_cache *pc, int32_t pid, char *args, size_t cap,
			       int *nargs)
{
	struct workload_desc wd;
	struct proc_entry *e = malloc(sizeof(*e));
	unsigned b;
	int r;

	if (!e)
		return NULL;
	r = proc_read_args("/proc", pid, e, &wd, args, cap, nargs);
	if (r < 0) {
		free(e);
		if (r == -ENOENT || r == -ESRCH) {
			unsigned g = (uint32_t)pid % GONE_SLOTS;

			pc->gone[g].pid = pid;
			pc->gone[g].at = now_mono();
		}
		return NULL;
	}
	e->wl = workload_intern(pc->wls, &wd);
	if (e->wl && e->wl->rootfs && !e->runtime) {
		const char *up = e->wl->layers && e->wl->layers[0] == '+' ? e->wl->layers + 1 : NULL;
		size_t ul = up ? strcspn(up, "\n") : 0;

		e->drift = exec_drift("/proc", pid, e->exe, up, ul) == 1;
	}
	/* the class is the entrypoint's executable, never the runtime's binary */
	if (e->wl && e->exe && !e->runtime)
		workload_learn_class(e->wl, e->exe);
	e->checked = now_mono();
	atomic_init(&e->ref, 1); /* the cache's */
	while (pc->count >= pc->max && pc->lru_tail) {
		remove_entry(pc, pc->lru_tail);
		pc->evictions++;
	}
	b = bucket(pc, pid);
	e->hnext = pc->buckets[b];
	pc->buckets[b] = e;
	lru_front(pc, e);
	pc->count++;
	return e;
}

/* Start time of a live pid from /proc/<pid>/stat (and its comm), or 0 when gone. */
static uint64_t read_start_comm(int32_t pid, char comm[16])
{
	char buf[1024];
	int32_t ppid;
	uint32_t sess;
	uint64_t ticks;
	long hz = sysconf(_SC_CLK_TCK);
	int n = proc_read_file("/proc", pid, "stat", buf, sizeof(buf));

	if (n <= 0 || proc_parse_stat(buf, (size_t)n, &ppid, &sess, &ticks, comm) < 0)
		return 0;
	return ticks * (1000000000u / (uint64_t)(hz > 0 ? hz : 100));
}

static uint64_t read_start(int32_t pid)
{
	char comm[16];

	return read_start_comm(pid, comm);
}

struct proc_entry *proc_cache_get(struct proc_cache *pc, int32_t pid)
{
	return proc_cache_get_at(pc, pid, now_mono());
}

/* Replace a live process's entry by a fresh read of /proc (NULL if it
 * exited between the two reads). */
static struct proc_entry *reload(struct proc_cache *pc, struct proc_entry *e, int32_t pid)
{
	remove_entry(pc, e);
	pc->misses++;
	return load(pc, pid, NULL, 0, NULL);
}

struct proc_entry *proc_cache_get_at(struct proc_cache *pc, int32_t pid, uint64_t now)
{
	struct proc_entry *e;

	if (pid <= 0)
		return NULL;
	e = find(pc, pid);
	if (e && e->forked) {
		/*
		 * A copy of its parent made at fork stands in only for a child
		 * that is gone before anyone looks: a live one has usually moved
		 * on (runc init joins the container's cgroup and execs the
		 * workload), so the first look reads it from /proc.
		 */
		e->forked = false;
		if (read_start(pid) == e->start)
			return reload(pc, e, pid);
	}
	if (e && e->runtime) {
		/*
		 * The runtime's init execs the workload: its events that are read
		 * before the proc connector's exec message would otherwise stay
		 * the runtime's (neither learned nor scored). One stat read, for
		 * runtime processes only: a new comm on the same process is a new
		 * image.
		 */
		char comm[16] = "";

		if (read_start_comm(pid, comm) == e->start &&
		    strncmp(comm, e->comm, sizeof(comm)) != 0)
			return reload(pc, e, pid);
	}
	if (e) {
		if (now > e->checked && now - e->checked > pc->ttl) {
			uint64_t start = read_start(pid);

			if (start == e->start) {
				e->checked = now;
			} else {
				/* gone, or the pid was reused: never merge two processes */
				remove_entry(pc, e);
				e = NULL;
			}
		}
	}
	if (e) {
		pc->hits++;
		if (pc->lru_head != e) { /* the same process again (a burst): already first */
			lru_unlink(pc, e);
			lru_front(pc, e);
		}
		return e;
	}
	{
		unsigned g = (uint32_t)pid % GONE_SLOTS;

		/* gone when looked at after this event: no second look */
		if (pc->gone[g].pid == pid && now <= pc->gone[g].at) {
			pc->gone_hits++;
			return NULL;
		}
	}
	pc->misses++;
	return load(pc, pid, NULL, 0, NULL);
}

struct proc_entry *proc_cache_peek(struct proc_cache *pc, int32_t pid, uint64_t now)
{
	struct proc_entry *e = pid > 0 ? find(pc, pid) : NULL;

	if (!e || (now > e->checked && now - e->checked > pc->ttl))
		return NULL;
	return e;
}

struct proc_entry *proc_cache_lookup(struct proc_cache *pc, int32_t pid)
{
	return pid > 0 ? find(pc, pid) : NULL;
}

struct proc_entry *proc_cache_dead(struct proc_cache *pc, int32_t pid)
{
	struct proc_entry *e = pid > 0 ? find(pc, pid) : NULL;

	if (!e || (!e->exited && e->start && read_start(pid) == e->start))
		return NULL;
	pc->gone_hits++;
	return e;
}

struct proc_entry *proc_cache_adopt(struct proc_cache *pc, int32_t pid, struct workload *wl,
				    bool drift)
{
	struct proc_entry *old = pid > 0 ? find(pc, pid) : NULL, *e;

	if (pid <= 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->pid = pid;
	e->auid = UINT32_MAX;
	e->session = UINT32_MAX;
	if (old) {
		e->ppid = old->ppid;
		e->uid = old->uid;
		e->euid = old->euid;
		e->gid = old->gid;
		e->egid = old->egid;
		e->auid = old->auid;
		e->session = old->session;
		e->start = old->start;
		remove_entry(pc, old);
	}
	e->wl = workload_ref(wl);
	e->drift = drift;
	e->exited = e->exec_unread = true;
	e->checked = now_mono();
	atomic_init(&e->ref, 1);
	insert(pc, e);
	return e;
}

struct proc_entry *proc_cache_exec(struct proc_cache *pc, int32_t pid)
{
	return proc_cache_exec_args(pc, pid, NULL, 0, NULL);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void insert(struct proc_cache *pc, struct proc_entry *e)
{
	unsigned b;

	while (pc->count >= pc->max && pc->lru_tail) {
		remove_entry(pc, pc->lru_tail);
		pc->evictions++;
	}
	b = bucket(pc, e->pid);
	e->hnext = pc->buckets[b];
	pc->buckets[b] = e;
	lru_front(pc, e);
	pc->count++;
}

/*
 * A new entry for pid from what p said (its parent at a fork, or the same
 * process before an exec that was gone before it could be read): the
 * credentials, cwd, root and workload carry over - a fork keeps the cgroup
 * and the namespaces, an exec keeps them too.
 */
static struct proc_entry *copy_entry(const struct proc_entry *p, int32_t pid, int32_t ppid,
				     bool image)
{
	struct proc_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	*e = (struct proc_entry){ .pid = pid, .ppid = ppid, .uid = p->uid, .euid = p->euid,
				  .gid = p->gid, .egid = p->egid, .auid = p->auid,
				  .session = p->session };
	if (image) {
		/* a fork runs the same image */
		e->runtime = p->runtime;
		e->drift = p->drift;
		memcpy(e->comm, p->comm, sizeof(e->comm));
		e->exe = dup_or_null(p->exe);
		e->cmdline = dup_or_null(p->cmdline);
	}
	e->cwd = dup_or_null(p->cwd);
	e->root = dup_or_null(p->root);
	e->wl = workload_ref(p->wl);
	atomic_init(&e->ref, 1);
	return e;
}

struct proc_entry *proc_cache_exec_args(struct proc_cache *pc, int32_t pid, char *args,
					size_t cap, int *nargs)
{
	struct proc_entry *e = find(pc, pid), *prev = NULL, *n;
	uint64_t start;
	int dummy;

	if (e) {
		prev = proc_entry_ref(e);
		remove_entry(pc, e);
	}
	pc->misses++;
	if (!nargs)
		nargs = &dummy;
	*nargs = -ESRCH;
	n = load(pc, pid, args, cap, nargs);
	/* (an adopted entry - exec_unread - is such a stand-in already; a read
	 * that failed while the same process still runs - mid-exec, exiting -
	 * leaves it unread the same way: its start time has not changed) */
	if (!n && prev && (!prev->exited || prev->exec_unread) &&
	    ((start = read_start(pid)) == 0 || prev->start == 0 || start == prev->start)) {
		/*
		 * Gone before the read (a short `cat` of a shell): what it did
		 * before its exit is still read from the queues after it, and
		 * is its workload's - the cgroup and the root it had before the
		 * exec. What it executed is told by the sources that saw it
		 * (audit's exe and comm).
		 */
		n = copy_entry(prev, pid, prev->ppid, false);
		if (n) {
			n->start = prev->start ? prev->start : start;
			n->exec_unread = true;
			/* still running: the next look reads it again */
			n->forked = start != 0;
			n->checked = now_mono();
			insert(pc, n);
		}
	}
	proc_entry_unref(prev);
	return n && !n->exec_unread ? n : NULL;
}

void proc_cache_refresh(struct proc_cache *pc, int32_t pid)
{
	struct proc_entry *e = find(pc, pid);

	/* re-read a live process; one already gone keeps the entry it had
	 * (busybox renames itself for an applet and exits at once: its late
	 * events are still its own) */
	if (e && read_start(pid) == e->start)
		proc_cache_exec(pc, pid);
}

void proc_cache_fork(struct proc_cache *pc, int32_t parent, int32_t child)
{
	struct proc_entry *p, *e, *old;
	uint64_t start;

	if (child <= 0 || parent <= 0)
		return;
	/* its own start time (one small read), so events that name it match */
	start = read_start(child);
	old = find(pc, child);
	if (old) {
		/* the pid's last process ended (pid reuse): never merge two processes */
		if (!old->exited && (start == 0 || old->start == start))
			return;
		remove_entry(pc, old);
	}
	/* the parent runs (it just forked): read it once if it is not cached */
	p = find(pc, parent);
	if (!p)
		p = load(pc, parent, NULL, 0, NULL);
	if (!p)
		return;
	e = copy_entry(p, child, parent, true);
	if (!e)
		return;
	e->start = start;
	e->checked = now_mono();
	e->forked = true;
	insert(pc, e);
}

/*
 * An exited process's entry stays trusted for EXIT_GRACE_NS: the events it
 * caused that arrive after its exit (audit waits for the end of an event,
 * fanotify queues) still find its identity and workload; a short-lived
 * `cat` in a container is the container's. Then re-validation finds it gone
 * and drops it; an exec on the pid replaces it at once.
 */
#define EXIT_GRACE_NS 2000000000ull

void proc_cache_exit(struct proc_cache *pc, int32_t pid)
{
	struct proc_entry *e = find(pc, pid);
	uint64_t now;

	if (!e)
		return;
	e->exited = true;
	now = now_mono();
	if (pc->ttl > EXIT_GRACE_NS && now > pc->ttl - EXIT_GRACE_NS)
		e->checked = now - (pc->ttl - EXIT_GRACE_NS);
	else
		remove_entry(pc, e);
}
