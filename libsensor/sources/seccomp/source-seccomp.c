/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Source "seccomp": seccomp user notification. Each notification becomes a
 * held `syscall` event; its answer goes back with SECCOMP_IOCTL_NOTIF_SEND
 * (deny: the errno; allow: SECCOMP_USER_NOTIF_FLAG_CONTINUE). The library
 * never reads the target's memory: pointer arguments are reported as the
 * numbers they are and never decide an allow (docs/seccomp.md).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libsensor/sensor-seccomp.h>

#include "core/context.h"
#include "identity/proc-cache.h"
#include "identity/workload.h"
#include "seccomp-filter.h"
#include "seccomp-source.h"
#include "sources/sources.h"
#include "util/jw.h"
#include "util/opts.h"

#define DEFAULT_TIMEOUT_NS (5ull * 1000000000u)

static const char *const default_syscalls[] = {
	"ptrace", "process_vm_writev", "mount", "umount2", "pivot_root", "unshare", "setns",
	"init_module", "finit_module", "delete_module", "bpf", "perf_event_open", "keyctl",
	"add_key", "request_key", "kexec_load", "open_by_handle_at", "userfaultfd",
	"personality", "socket", NULL,
};

const char *const *sensor_seccomp_default_syscalls(void)
{
	return default_syscalls;
}

struct sc_src *sc_src_of(struct sensor_source *src)
{
	if (!src || src->ops != &source_seccomp_ops || src->stopped || src->dead)
		return NULL;
	return src->priv;
}

static void chan_free(struct sc_chan *ch)
{
	close(ch->fd);
	if (ch->ct) {
		oci_state_clear(ch->ct);
		free(ch->ct);
	}
	free(ch);
}

/* The source lets go of ch; freed now, or by the answer to its last held event. */
static void chan_release(struct sensor_source *src, struct sc_chan *ch)
{
	struct sensor_ctx *ctx = src->ctx;
	bool idle;

	pthread_mutex_lock(&ctx->pend_lock);
	ch->released = true;
	idle = ch->answered == atomic_load_explicit(&ch->held, memory_order_relaxed);
	pthread_mutex_unlock(&ctx->pend_lock);
	if (idle)
		chan_free(ch);
}

/* The thread-group id of a notifying task (the kernel reports the thread). */
static int32_t tgid_of(int32_t tid)
{
	char path[64], buf[1024];
	FILE *f;
	int32_t tgid = tid;

	/*
	 * tgkill(tid, tid, 0) succeeds only when tid leads its own thread group:
	 * the common case in one syscall, no signal sent. Else ask /proc.
	 */
	if (syscall(SYS_tgkill, tid, tid, 0) == 0)
		return tid;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return tid;
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "Tgid:", 5) == 0) {
			long v = strtol(buf + 5, NULL, 10);

			if (v > 0 && v <= INT32_MAX)
				tgid = (int32_t)v;
			break;
		}
	}
	fclose(f);
	return tgid;
}

static void set_container(struct sensor_event *ev, const struct oci_state *ct,
			  const struct proc_entry *pe)
{
	ev_set_str(ev, SENSOR_FIELD_WORKLOAD_ID, ct->id);
	ev_set_str(ev, SENSOR_FIELD_WORKLOAD_KIND, "container");
	/* The cgroup tells the runtime (docker, cri-o, ...) when it can; else the OCI runtime spoke. */
	if (!pe || !pe->wl || !workload_field(pe->wl, SENSOR_FIELD_WORKLOAD_RUNTIME) ||
	    !*workload_field(pe->wl, SENSOR_FIELD_WORKLOAD_RUNTIME))
		ev_set_str(ev, SENSOR_FIELD_WORKLOAD_RUNTIME, "runc");
	if (ct->klass)
		ev_set_str(ev, SENSOR_FIELD_WORKLOAD_CLASS, ct->klass);
	if (ct->pod)
		ev_set_str(ev, SENSOR_FIELD_WORKLOAD_POD, ct->pod);
}

/* One notification: attribute it, build the held event, emit. Returns 1 when emitted. */
static int on_notif(struct sensor_source *src, struct sc_src *ss, struct sc_chan *ch,
		    const struct seccomp_notif *n)
{
	struct sensor_ctx *ctx = src->ctx;
	struct sensor_event *ev;
	struct proc_entry *pe;
	int32_t tid = (int32_t)n->pid, pid;
	const char *name;
	uint64_t id = n->id, now = ctx->batch_mono ? ctx->batch_mono : now_mono();

	/*
	 * A tid the process cache holds as a live process leads that process:
	 * nothing to read, no syscall (the common case: a single-threaded target
	 * seen before). A thread seen before is checked against the group it
	 * belonged to with one tgkill(tgid, tid, 0) (it succeeds only if tid is
	 * a thread of tgid), instead of reading /proc/<tid>/status again.
	 * Whenever /proc is read, the request is checked afterwards: the task
	 * still waits in the syscall, so what we read is about it (its pid was
	 * not reused meanwhile).
	 */
	pe = proc_cache_peek(ctx->procs, tid, now);
	if (pe) {
		pid = tid;
	} else {
		struct sc_tid *slot = &ss->tids[(uint32_t)tid % SC_TID_SLOTS];

		if (slot->tid == tid && syscall(SYS_tgkill, slot->tgid, tid, 0) == 0) {
			pid = slot->tgid;
			pe = proc_cache_peek(ctx->procs, pid, now);
		} else {
			pid = tgid_of(tid);
			if (pid != tid) {
				slot->tid = tid;
				slot->tgid = pid;
			}
		}
		if (!pe) {
			pe = proc_cache_get_at(ctx->procs, pid, now);
			if (ioctl(ch->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) {
				ss->vanished++;
				ctx_log(ctx, SENSOR_LOG_DEBUG,
					"seccomp: target %d gone before its syscall %d was held (%s)",
					tid, n->data.nr, strerror(errno));
				return 0;
			}
		}
	}
	ev = ctx_event_new(src, SENSOR_KIND_SYSCALL);
	if (!ev) {
		/* Cannot hold it: answer now with the default so the target never hangs. */
		union {
			struct seccomp_notif_resp r;
			char pad[256]; /* the kernel's struct may be larger (resp_sz <= 256) */
		} u;

		memset(&u, 0, sizeof(u));
		u.r.id = n->id;
		if (ss->flags & SENSOR_SECCOMP_FAIL_CLOSED)
			u.r.error = -ss->default_errno;
		else
			u.r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(ch->fd, SECCOMP_IOCTL_NOTIF_SEND, &u);
		ctx_emit_loss(src, 1, "no memory for a held syscall event; default verdict applied");
		return 0;
	}
	ev_set_int(ev, SENSOR_FIELD_PROCESS_PID, pid);
	ev_set_int(ev, SENSOR_FIELD_PROCESS_TID, tid);
	ev_set_int(ev, SENSOR_FIELD_SYSCALL_NR, n->data.nr);
	ev_set_str(ev, SENSOR_FIELD_SYSCALL_ARCH, scf_arch_name(n->data.arch, n->data.nr));
	name = scf_syscall_name(ss->names, n->data.arch, n->data.nr);
	if (name)
		ev_set_str(ev, SENSOR_FIELD_SYSCALL_NAME, name);
	memcpy(ev->args, n->data.args, sizeof(n->data.args));
	ev->nargs = 6;
	ev_set_int(ev, SENSOR_FIELD_SYSCALL_NARGS, 6);
	if (ch->ct)
		set_container(ev, ch->ct, pe);
	ev->hold.active = true;
	ev->hold.dflt = (ss->flags & SENSOR_SECCOMP_FAIL_CLOSED) ? SENSOR_DECISION_DENY
								 : SENSOR_DECISION_ALLOW;
	ev->hold.dflt_err = ss->default_errno;
	ev->hold.deadline = now + ss->timeout_ns;
	ev->hold.data[0] = n->id;
	ev->hold.data[1] = (uint64_t)(uintptr_t)ch;
	/* loop thread only: a plain increment, no lock prefix (see struct sc_chan) */
	atomic_store_explicit(&ch->held, atomic_load_explicit(&ch->held, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	ctx_emit(ctx, ev);
	return 1;
}

static void chan_detach(struct sensor_source *src, struct sc_src *ss, struct sc_chan *ch)
{
	char detail[256];

	for (struct sc_chan **pc = &ss->chans; *pc; pc = &(*pc)->next) {
		if (*pc == ch) {
			*pc = ch->next;
			break;
		}
	}
	ctx_unwatch_fd(src, ch->fd);
	if (ch->ct) {
		snprintf(detail, sizeof(detail), "container %.200s: no process left", ch->ct->id);
		ctx_emit_status(src, "container_detached", detail);
	} else {
		snprintf(detail, sizeof(detail), "filter of pid %d: no process left", (int)ch->child);
		ctx_emit_status(src, "detached", detail);
	}
	chan_release(src, ch);
}

/*
 * RECV blocks when nothing is queued (the fd has no non-blocking mode). We
 * are the only reader, so epoll's EPOLLIN vouches for one request; asking
 * for a further one takes a poll() of the fd first. That poll() pays (~0.05
 * µs per request, measured) only while requests come back to back, when
 * sync wake-up has the target's next request queued by the time our answer
 * returns; for a request that comes alone it is a wasted syscall on the
 * target's path (~0.25 µs, measured), the workload waiting while we ask.
 * So poll only in a burst: the last poll found a request, or this readiness
 * came within BURST_NS of the channel's previous one.
 */
#define BURST_NS 10000u

static int chan_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct sc_src *ss = src->priv;
	struct sensor_ctx *ctx = src->ctx;
	struct sc_chan *ch;
	unsigned n = 0;
	uint64_t t = ctx->batch_mono ? ctx->batch_mono : now_mono();
	bool burst;

	for (ch = ss->chans; ch && ch->fd != fd; ch = ch->next)
		;
	if (!ch)
		return 0;
	if (!(events & EPOLLIN)) {
		/* Nothing queued and no task uses the filter any more: the workload is gone. */
		if (events & (EPOLLHUP | EPOLLERR))
			chan_detach(src, ss, ch);
		return 0;
	}
	burst = ch->burst || t - ch->last_ready < BURST_NS;
	ch->last_ready = t;
	while (n < budget) {
		struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };

		memset(ss->req, 0, ss->notif_sz);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, ss->req) == 0) {
			src->stats.received++;
			n += (unsigned)on_notif(src, ss, ch, ss->req);
		} else if (errno == ENOENT) {
			ss->vanished++; /* the target was killed while queued */
		} else if (errno == EINTR) {
			break; /* level-triggered: it comes back */
		} else {
			/*
			 * Not a listener we can serve (a fd that was never one, a
			 * kernel refusing it): readiness would bring the same error
			 * every loop turn. Let it go once, loudly.
			 */
			int e = errno;

			src->stats.errors++;
			ctx_log(ctx, SENSOR_LOG_WARNING,
				"seccomp: a notification fd failed with %s: detached", strerror(e));
			chan_detach(src, ss, ch);
			return (int)n;
		}
		if (!burst)
			break;
		if (poll(&p, 1, 0) < 0)
			return errno == EINTR ? (int)n : -errno;
		ch->burst = p.revents & POLLIN;
		if (!ch->burst) {
			if (p.revents & (POLLHUP | POLLERR))
				chan_detach(src, ss, ch);
			break;
		}
		/* The next request's own time: the batch clock was the first's. */
		if (ctx->batch_mono) {
			t = now_mono();
			ctx->batch_real += t - ctx->batch_mono;
			ctx->batch_mono = t;
		}
	}
	return (int)n;
}

int sc_chan_add(struct sensor_source *src, int fd, struct oci_state *ct, pid_t child)
{
	struct sc_src *ss = sc_src_of(src);
	struct sc_chan *ch;
	int r;

	if (!ss || fd < 0) {
		if (fd >= 0)
			close(fd);
		if (ct) {
			oci_state_clear(ct);
			free(ct);
		}
		return ss ? -EBADF : -EINVAL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		close(fd);
		if (ct) {
			oci_state_clear(ct);
			free(ct);
		}
		return -ENOMEM;
	}
	atomic_init(&ch->held, 0);
	ch->fd = fd;
	ch->ct = ct;
	ch->child = child;
	ch->resp_sz = ss->resp_sz;
	/* Wake us on the target's CPU: the target is about to sleep until we answer. */
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) == 0)
		ss->sync_wakeup = true;
	r = ctx_watch_fd(src, fd, chan_ready);
	if (r < 0) {
		chan_free(ch); /* never used */
		return r;
	}
	ch->next = ss->chans;
	ss->chans = ch;
	return 0;
}

static int sc_respond(struct sensor_source *src, struct sensor_event *ev, enum sensor_decision d,
		      int err)
{
	struct sc_chan *ch = (struct sc_chan *)(uintptr_t)ev->hold.data[1];
	union {
		struct seccomp_notif_resp r;
		char pad[256];
	} u;
	int ret = 0;

	(void)src;
	if (!ch)
		return -EINVAL;
	memset(&u, 0, ch->resp_sz > sizeof(u.r) ? ch->resp_sz : sizeof(u.r)); /* resp_sz <= 256 */
	u.r.id = ev->hold.data[0];
	if (d == SENSOR_DECISION_DENY)
		u.r.error = -(err > 0 ? err : ev->hold.dflt_err);
	else
		u.r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(ch->fd, SECCOMP_IOCTL_NOTIF_SEND, &u) < 0)
		ret = -errno; /* ENOENT: the target died or a signal interrupted the syscall */
	ev->hold.data[1] = 0;
	/* under the pending lock (respond() always is): see struct sc_chan */
	ch->answered++;
	if (ch->released && ch->answered == atomic_load_explicit(&ch->held, memory_order_relaxed))
		chan_free(ch);
	return ret;
}

static void sc_stop(struct sensor_source *src)
{
	struct sc_src *ss = src->priv;

	if (!ss)
		return;
	sc_agents_stop(src);
	while (ss->chans) {
		struct sc_chan *ch = ss->chans;

		ss->chans = ch->next;
		ctx_unwatch_fd(src, ch->fd);
		chan_release(src, ch);
	}
	scf_names_free(ss->names);
	free(ss->prog.filter);
	free(ss->req);
	free(ss);
	src->priv = NULL;
}

static int sc_start(struct sensor_source *src, const void *opts)
{
	struct sensor_seccomp_opts o = { 0 };
	struct seccomp_notif_sizes sizes;
	const char *bad = NULL;
	struct sc_src *ss;
	char detail[160];
	int r;

	r = OPTS_COPY(&o, opts, struct sensor_seccomp_opts, default_errno);
	if (r < 0)
		return r;
	if (o.flags & ~(uint32_t)SENSOR_SECCOMP_FAIL_CLOSED || o.default_errno < 0 ||
	    o.default_errno > 4095)
		return -EINVAL;
	r = scf_notif_sizes(&sizes);
	if (r < 0)
		return r == -ENOSYS ? -EOPNOTSUPP : r;
	ss = calloc(1, sizeof(*ss));
	if (!ss)
		return -ENOMEM;
	src->priv = ss;
	ss->flags = o.flags;
	ss->timeout_ns = o.timeout_ns ? o.timeout_ns : DEFAULT_TIMEOUT_NS;
	ss->default_errno = o.default_errno ? o.default_errno : EPERM;
	ss->notif_sz = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif
									    : sizeof(struct seccomp_notif);
	ss->resp_sz = sizes.seccomp_notif_resp;
	if (ss->resp_sz > 256) {
		r = -EOVERFLOW; /* a kernel far newer than this build: refuse rather than truncate */
		goto fail;
	}
	ss->req = calloc(1, ss->notif_sz);
	r = ss->req ? scf_names_new(&ss->names) : -ENOMEM;
	if (r < 0)
		goto fail;
	r = scf_build(o.syscalls ? o.syscalls : default_syscalls, &ss->prog, &bad);
	if (r < 0) {
		if (bad)
			ctx_log(src->ctx, SENSOR_LOG_ERR, "seccomp: unknown syscall '%s'", bad);
		goto fail;
	}
	snprintf(detail, sizeof(detail), "user notification ready (notif %u bytes, resp %u bytes)",
		 (unsigned)sizes.seccomp_notif, (unsigned)sizes.seccomp_notif_resp);
	ctx_emit_status(src, "up", detail);
	return 0;
fail:
	sc_stop(src);
	return r;
}

int sensor_seccomp_add_fd(sensor_source *src, int fd, uint32_t flags)
{
	int r;

	if (flags || !sc_src_of(src)) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	r = fd < 0 ? -EBADF : sc_fd_is_listener(fd);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	return sc_chan_add(src, fd, NULL, 0);
}

int sensor_seccomp_add_agent(sensor_source *src, const char *path, uint32_t flags)
{
	if (flags || !path || !*path || !sc_src_of(src))
		return -EINVAL;
	return sc_agent_add(src, path, NULL);
}

int sensor_seccomp_add_agent_opts(sensor_source *src, const char *path,
				  const struct sensor_seccomp_agent_opts *opts)
{
	if (!path || !*path || !sc_src_of(src))
		return -EINVAL;
	return sc_agent_add(src, path, opts);
}

static void sc_probe(sensor_probe_fn fn, void *ud, int *usable)
{
	struct seccomp_notif_sizes sizes;
	int r = scf_notif_sizes(&sizes);

	if (r < 0) {
		fn(ud, SENSOR_SOURCE_SECCOMP, "user_notif", r == -ENOSYS ? 0 : r, 0,
		   "kernel without SECCOMP_RET_USER_NOTIF (SECCOMP_GET_NOTIF_SIZES failed)");
		return;
	}
	fn(ud, SENSOR_SOURCE_SECCOMP, "user_notif", 1, 0,
	   "seccomp user notification available (no privilege needed with no_new_privs)");
	(*usable)++;
}

const struct source_ops source_seccomp_ops = {
	.type = SENSOR_SOURCE_SECCOMP,
	.compiled = true,
	.start = sc_start,
	.stop = sc_stop,
	.respond = sc_respond,
	.probe = sc_probe,
};
