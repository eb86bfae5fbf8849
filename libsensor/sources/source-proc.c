/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Source "proc": the process connector (NETLINK_CONNECTOR, CN_IDX_PROC).
 * Every fork/exec/exit of the machine arrives here cheaply; exec and exit
 * become events and all of them keep the process cache current. The
 * kernel numbers proc events per CPU (cn_msg.seq with proc_event.cpu), so
 * after a receive-buffer overrun (ENOBUFS) the loss is counted exactly from
 * the first gap of each CPU. Gaps without an overrun are not losses: the
 * kernel's acknowledgements to *other* listeners take a sequence number
 * and are filtered out of our socket (seen on 6.x when another listener
 * subscribes or leaves); they are counted in stats as errors-free noise.
 */
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/context.h"
#include "identity/exec-path.h"
#include "identity/proc-cache.h"
#include "proc-connector.h"
#include "sources.h"
#include "util/opts.h"

#define DEFAULT_RCVBUF (4u << 20)
#define MAX_CPUS 4096

struct proc_src {
	int fd;
	uint32_t *last_seq; /* per CPU; UINT32_MAX: none seen yet */
	uint8_t *dirty;     /* per CPU: an overrun happened since its last message */
	bool overrun;       /* ENOBUFS seen in this batch */
	bool reading;       /* in proc_ready(): no nested read (proc_connector_sync) */
	uint64_t pending;   /* lost events counted from gaps, not yet reported */
	char argbuf[8192];
	char pathbuf[4096]; /* the executed path of an exec */
	/* recvmmsg() buffers: RECV_BATCH datagrams of up to RECV_SIZE bytes */
	char bufs[32][1024] __attribute__((aligned(8)));
};

static int send_op(int fd, enum proc_cn_mcast_op op)
{
	struct {
		struct nlmsghdr nlh;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) msg;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = NLMSG_DONE;
	msg.nlh.nlmsg_pid = 0;
	msg.cn.id.idx = CN_IDX_PROC;
	msg.cn.id.val = CN_VAL_PROC;
	msg.cn.len = sizeof(enum proc_cn_mcast_op);
	msg.op = op;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

int proc_connector_open(uint32_t rcvbuf, int *ret)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	int fd, r, sz = (int)rcvbuf;

	fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
	if (fd < 0)
		return errno == EPROTONOSUPPORT ? -EOPNOTSUPP : -errno;
	/* FORCE needs CAP_NET_ADMIN, which listening needs anyway */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = send_op(fd, PROC_CN_MCAST_LISTEN);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret = fd;
	return 0;
}

void proc_connector_close(int fd)
{
	if (fd < 0)
		return;
	send_op(fd, PROC_CN_MCAST_IGNORE);
	close(fd);
}

/* Split a NUL-separated cmdline into argv elements of ev. */
static void add_argv(struct sensor_event *ev, const char *buf, size_t n)
{
	size_t i = 0;

	while (n > 0 && buf[n - 1] == '\0')
		n--;
	while (i < n) {
		const char *z = memchr(buf + i, '\0', n - i);
		size_t e = z ? (size_t)(z - buf) : n;

		if (ev_add_arg(ev, buf + i, e - i) < 0)
			return;
		i = e + 1;
	}
	if (!ev_has(ev, SENSOR_FIELD_EXEC_ARGC))
		ev_set_int(ev, SENSOR_FIELD_EXEC_ARGC, 0);
}

/*
 * Whether comm (the executed file's name as the kernel keeps it, at most 15
 * bytes) is the name of the binary exe.
 */
static bool exe_named_by(const char *exe, const char *comm)
{
	const char *base = strrchr(exe, '/');
	size_t len, del = sizeof(" (deleted)") - 1;

	base = base ? base + 1 : exe;
	len = strlen(base);
	/* a deleted binary is still named by its file's name */
	if (len > del && strcmp(base + len - del, " (deleted)") == 0)
		len -= del;
	if (len > 15)
		len = 15;
	return strlen(comm) == len && strncmp(base, comm, len) == 0;
}

static void on_exec(struct sensor_source *src, struct proc_src *ps, const struct proc_event *pe)
{
	struct sensor_ctx *ctx = src->ctx;
	int32_t pid = (int32_t)pe->event_data.exec.process_tgid;
	int n;
	/* argv comes from the same read of cmdline as the entry's command line */
	struct proc_entry *e = proc_cache_exec_args(ctx->procs, pid, ps->argbuf,
						    sizeof(ps->argbuf), &n), *parent;
	struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_EXEC);
	int32_t ppid = 0;

	if (!ev)
		return;
	ev_set_int(ev, SENSOR_FIELD_PROCESS_PID, pid);
	ev_set_int(ev, SENSOR_FIELD_PROCESS_TID, (int32_t)pe->event_data.exec.process_pid);
	if (e) {
		ppid = e->ppid;
		if (e->cwd)
			ev_set_str(ev, SENSOR_FIELD_EXEC_CWD, e->cwd);
		if (n >= 0)
			add_argv(ev, ps->argbuf, (size_t)n);
		/* the executed path: argv[0] when it names another file than the
		 * binary (a busybox applet), else the binary */
		if (n > 0 && memchr(ps->argbuf, '\0', (size_t)n) &&
		    exec_path_from_argv0("/proc", pid, ps->argbuf, e->exe, e->cwd, ps->pathbuf,
					 sizeof(ps->pathbuf)) == 1)
			ev_set_str(ev, SENSOR_FIELD_EXEC_PATH, ps->pathbuf);
		else if (e->exe)
			ev_set_str(ev, SENSOR_FIELD_EXEC_PATH, e->exe);
		/* one exec, one event: audit reports it too, with its argv, cwd and
		 * executed path; this one keeps the process cache current */
		if (ctx->exec_primary)
			ev_set_int(ev, SENSOR_FIELD_EXEC_SECONDARY, 1);
		parent = ppid > 0 ? proc_cache_get(ctx->procs, ppid) : NULL;
		if (parent && parent->exe)
			ev_set_str(ev, SENSOR_FIELD_EXEC_PARENT_EXE, parent->exe);
		/*
		 * A re-exec of the parent's own binary through /proc/self/exe
		 * (busybox's shell runs applets so) whose argv was gone before we
		 * read it: nothing new was executed and the applet cannot be
		 * named, so it must not be learned or scored as the bare binary.
		 * The parent may still be cached as the runtime's init it was
		 * before it exec'd the container's shell (it exited before a
		 * re-read could see the shell).
		 */
		if (n <= 0 && strcmp(e->comm, "exe") == 0 && e->exe && parent &&
		    (parent->runtime || (parent->exe && strcmp(e->exe, parent->exe) == 0)))
			ev_set_int(ev, SENSOR_FIELD_EXEC_SECONDARY, 1);
		/*
		 * The argv was gone before we read it (the process was already
		 * exiting) and the name it was executed by is not the binary's
		 * (comm "sh", exe /bin/busybox: a multi-call binary's applet, or
		 * any link): what was executed cannot be named, and the bare
		 * binary would be a false "new executable". Not learned or scored
		 * as an exec; audit's record, when audit runs, names it.
		 */
		else if (n <= 0 && e->exe && e->comm[0] && !exe_named_by(e->exe, e->comm))
			ev_set_int(ev, SENSOR_FIELD_EXEC_SECONDARY, 1);
	}
	/* else: the process exited before we could read it; the event says only its pid */
	ctx_emit(ctx, ev);
}

/*
 * A busybox applet run without an exec (in the shell's own process, or in
 * a fork of it) renames the process to the applet: that is an exec of the
 * applet for rules and baseline (exec-path.h). The root is the container's
 * rootfs when known, so the answer does not depend on the process still
 * being there when its rename is read.
 */
static int on_comm(struct sensor_source *src, struct proc_src *ps, const struct proc_event *pe)
{
	struct sensor_ctx *ctx = src->ctx;
	int32_t pid = (int32_t)pe->event_data.comm.process_tgid;
	struct proc_entry *e;
	struct sensor_event *ev;
	char comm[17], root[64];
	const char *r;
	size_t nw = 0, off = 0;

	/* what it was known as before the rename (a re-read may find it gone:
	 * a forked applet exits at once), then re-read it while it runs */
	e = proc_entry_ref(proc_cache_lookup(ctx->procs, pid));
	proc_cache_refresh(ctx->procs, pid);
	/* (an exec never read leaves no exe: the applet's link names the binary
	 * then, in a container's rootfs only - exec-path.h) */
	if (pe->event_data.comm.process_pid != pe->event_data.comm.process_tgid || !e ||
	    e->runtime || (!e->exe && !(e->wl && e->wl->rootfs))) {
		proc_entry_unref(e); /* a thread naming itself, or nothing known */
		return 0;
	}
	memcpy(comm, pe->event_data.comm.comm, 16);
	comm[16] = '\0';
	if (e->wl && e->wl->rootfs) {
		r = e->wl->rootfs;
	} else {
		snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
		r = root;
	}
	if (exec_applet_path(r, e->exe, comm, ps->pathbuf, sizeof(ps->pathbuf)) != 1 ||
	    !(ev = ctx_event_new(src, SENSOR_KIND_EXEC))) {
		proc_entry_unref(e);
		return 0;
	}
	ev_set_int(ev, SENSOR_FIELD_PROCESS_PID, pid);
	ev_set_int(ev, SENSOR_FIELD_PROCESS_TID, pid);
	ev_set_str(ev, SENSOR_FIELD_EXEC_PATH, ps->pathbuf);
	ev_set_int(ev, SENSOR_FIELD_EXEC_APPLET, 1);
	if (e->cwd)
		ev_set_str(ev, SENSOR_FIELD_EXEC_CWD, e->cwd);
	if (exec_applet_argv(e->cmdline, comm, ps->argbuf, sizeof(ps->argbuf), &nw) == 0)
		for (size_t i = 0; i < nw; i++) {
			size_t l = strlen(ps->argbuf + off);

			if (ev_add_arg(ev, ps->argbuf + off, l) < 0)
				break;
			off += l + 1;
		}
	proc_entry_unref(e);
	ctx_emit(ctx, ev);
	return 1;
}

static int on_exit_ev(struct sensor_source *src, const struct proc_event *pe)
{
	struct sensor_ctx *ctx = src->ctx;
	int32_t pid = (int32_t)pe->event_data.exit.process_tgid;
	uint32_t status = pe->event_data.exit.exit_code;
	struct sensor_event *ev;

	if (pe->event_data.exit.process_pid != pe->event_data.exit.process_tgid)
		return 0; /* a thread, not the process */
	ev = ctx_event_new(src, SENSOR_KIND_EXIT);
	if (ev) {
		ev_set_int(ev, SENSOR_FIELD_PROCESS_PID, pid);
		if (status & 0x7f) {
			ev_set_int(ev, SENSOR_FIELD_EXIT_SIGNAL, status & 0x7f);
		} else {
			ev_set_int(ev, SENSOR_FIELD_EXIT_CODE, (status >> 8) & 0xff);
		}
		if (pe->event_data.exit.parent_pid)
			ev_set_int(ev, SENSOR_FIELD_PROCESS_PPID,
				   (int32_t)pe->event_data.exit.parent_tgid);
		ctx_emit(ctx, ev);
	}
	proc_cache_exit(ctx->procs, pid);
	return ev ? 1 : 0;
}

/* Account per-CPU sequence gaps after an overrun: each one is an event we lost. */
static void check_seq(struct proc_src *ps, uint32_t cpu, uint32_t seq)
{
	uint32_t last;

	if (cpu >= MAX_CPUS)
		return;
	last = ps->last_seq[cpu];
	ps->last_seq[cpu] = seq;
	if (ps->dirty[cpu]) {
		ps->dirty[cpu] = 0;
		if (last != UINT32_MAX && seq != last + 1 && seq - last - 1 < (1u << 30))
			ps->pending += seq - last - 1;
	}
}

/* After a receive batch: report what an overrun cost. */
static void report_overrun(struct sensor_source *src, struct proc_src *ps)
{
	if (ps->pending) {
		ctx_emit_loss(src, ps->pending, "receive buffer overrun (ENOBUFS), counted from sequence gaps");
		ps->pending = 0;
		ps->overrun = false;
	} else if (ps->overrun) {
		ctx_emit_loss(src, 1, "receive buffer overrun (ENOBUFS), at least one event; "
				      "more are reported as their CPUs are heard from");
		ps->overrun = false;
	}
}

void proc_connector_mark_overrun(struct sensor_source *src)
{
	struct proc_src *ps = src->priv;

	ps->overrun = true;
	memset(ps->dirty, 1, MAX_CPUS);
}

void proc_connector_end_batch(struct sensor_source *src)
{
	report_overrun(src, src->priv);
}

int proc_connector_dispatch(struct sensor_source *src, const void *buf, size_t len)
{
	struct proc_src *ps = src->priv;
	const struct nlmsghdr *nlh;
	size_t off = 0;
	int n = 0;

	/* Not NLMSG_OK/NEXT: with a size_t length their subtraction can wrap
	 * when the last message's length is not aligned (found by libFuzzer). */
	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct cn_msg *cn;
		const struct proc_event *pe;
		struct proc_event pe_buf;

		nlh = (const struct nlmsghdr *)((const char *)buf + off);
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off) {
			src->stats.errors++; /* truncated or lying length: stop here */
			return n;
		}
		off += NLMSG_ALIGN(nlh->nlmsg_len) < len - off ? NLMSG_ALIGN(nlh->nlmsg_len) : len - off;
		src->stats.received++;
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*cn))) {
			src->stats.errors++;
			continue;
		}
		cn = NLMSG_DATA(nlh);
		if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
			continue;
		if (cn->len < sizeof(*pe) - sizeof(pe->event_data) ||
		    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*cn) + cn->len)) {
			src->stats.errors++;
			continue;
		}
		/* cn->data sits at offset 36: copy to an aligned proc_event (u64 inside) */
		memset(&pe_buf, 0, sizeof(pe_buf));
		memcpy(&pe_buf, cn->data, cn->len < sizeof(pe_buf) ? cn->len : sizeof(pe_buf));
		pe = &pe_buf;
		if (pe->what != PROC_EVENT_NONE)
			check_seq(ps, pe->cpu, cn->seq);
		switch (pe->what) {
		case PROC_EVENT_EXEC:
			if (cn->len < sizeof(*pe) - sizeof(pe->event_data) +
					      sizeof(pe->event_data.exec))
				break;
			on_exec(src, ps, pe);
			n++;
			break;
		case PROC_EVENT_EXIT:
			if (cn->len < sizeof(*pe) - sizeof(pe->event_data) +
					      sizeof(pe->event_data.exit))
				break;
			n += on_exit_ev(src, pe);
			break;
		case PROC_EVENT_UID:
		case PROC_EVENT_GID:
			/* credentials changed: re-read now, while it runs */
			proc_cache_refresh(src->ctx->procs, (int32_t)pe->event_data.id.process_tgid);
			break;
		case PROC_EVENT_COMM:
			if (cn->len < sizeof(*pe) - sizeof(pe->event_data) +
					      sizeof(pe->event_data.comm))
				break;
			n += on_comm(src, ps, pe);
			break;
		case PROC_EVENT_FORK:
			if (cn->len < sizeof(*pe) - sizeof(pe->event_data) +
					      sizeof(pe->event_data.fork))
				break;
			if (pe->event_data.fork.child_pid == pe->event_data.fork.child_tgid)
				proc_cache_fork(src->ctx->procs,
						(int32_t)pe->event_data.fork.parent_tgid,
						(int32_t)pe->event_data.fork.child_tgid);
			break;
		default:
			break;
		}
	}
	if (len - off > 0)
		src->stats.errors++; /* trailing bytes shorter than a header */
	return n;
}

/*
 * Datagrams per recvmmsg(): each proc event is one small datagram (fork,
 * exec, exit of one process are three), so one call per datagram was most
 * of the source's system calls.
 */
#define RECV_BATCH 32   /* = the rows of proc_src.bufs */
#define RECV_SIZE 1024  /* its columns: a proc event datagram is about 100 bytes */

static int proc_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct proc_src *ps = src->priv;
	char (*bufs)[RECV_SIZE] = ps->bufs;
	struct sockaddr_nl sas[RECV_BATCH];
	struct iovec iov[RECV_BATCH];
	struct mmsghdr msgs[RECV_BATCH];
	unsigned n = 0;

	(void)events;
	if (ps->reading)
		return 0;
	ps->reading = true;
	while (n < budget) {
		int got;

		for (int i = 0; i < RECV_BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], RECV_SIZE };
			msgs[i].msg_hdr = (struct msghdr){ .msg_name = &sas[i],
							   .msg_namelen = sizeof(sas[i]),
							   .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		got = recvmmsg(fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (errno == ENOBUFS) {
				ps->overrun = true;
				memset(ps->dirty, 1, MAX_CPUS);
				src->stats.errors++;
				continue;
			}
			ps->reading = false;
			return -errno;
		}
		for (int i = 0; i < got; i++) {
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				src->stats.errors++; /* truncated: never parse a partial message */
				continue;
			}
			if (sas[i].nl_pid != 0)
				continue; /* only the kernel speaks here */
			n += (unsigned)proc_connector_dispatch(src, bufs[i], msgs[i].msg_len);
		}
		if (got < RECV_BATCH)
			break; /* drained */
	}
	report_overrun(src, ps);
	ps->reading = false;
	return (int)n;
}

/* Bound of one sync: a fork storm must not stall the caller's own records. */
#define SYNC_BUDGET 4096

void proc_connector_sync(struct sensor_ctx *ctx)
{
	for (struct sensor_source *s = ctx->sources; s; s = s->next) {
		struct proc_src *ps = s->priv;

		if (s->ops != &source_proc_ops || !ps || ps->fd < 0 || s->dead || s->stopped)
			continue;
		proc_ready(s, ps->fd, 0, SYNC_BUDGET);
		return;
	}
}

static void proc_stop(struct sensor_source *src)
{
	struct proc_src *ps = src->priv;

	if (!ps)
		return;
	if (ps->fd >= 0) {
		ctx_unwatch_fd(src, ps->fd);
		proc_connector_close(ps->fd);
	}
	proc_cache_set_ttl(src->ctx->procs, 2ull * 1000000000u);
	free(ps->last_seq);
	free(ps->dirty);
	free(ps);
	src->priv = NULL;
}

static int proc_start(struct sensor_source *src, const void *opts)
{
	struct sensor_proc_opts o = { 0 };
	struct proc_src *ps;
	int r;

	r = OPTS_COPY(&o, opts, struct sensor_proc_opts, rcvbuf);
	if (r < 0)
		return r;
	if (o.flags)
		return -EINVAL;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->fd = -1;
	ps->last_seq = malloc(MAX_CPUS * sizeof(*ps->last_seq));
	ps->dirty = calloc(MAX_CPUS, 1);
	if (!ps->last_seq || !ps->dirty) {
		free(ps->last_seq);
		free(ps->dirty);
		free(ps);
		return -ENOMEM;
	}
	memset(ps->last_seq, 0xff, MAX_CPUS * sizeof(*ps->last_seq));
	src->priv = ps;
	r = proc_connector_open(o.rcvbuf ? o.rcvbuf : DEFAULT_RCVBUF, &ps->fd);
	if (r == 0)
		r = ctx_watch_fd(src, ps->fd, proc_ready);
	if (r < 0) {
		proc_stop(src);
		return r;
	}
	/* exec/exit keep entries current: trust them longer */
	proc_cache_set_ttl(src->ctx->procs, 30ull * 1000000000u);
	ctx_emit_status(src, "up", "process connector listening");
	return 0;
}

/* A proc source without a socket: datagrams come from proc_connector_dispatch() (tests, fuzzing). */
static int proc_start_offline(struct sensor_source *src, const void *opts)
{
	struct proc_src *ps = calloc(1, sizeof(*ps));

	(void)opts;
	if (!ps)
		return -ENOMEM;
	ps->fd = -1;
	ps->last_seq = malloc(MAX_CPUS * sizeof(*ps->last_seq));
	ps->dirty = calloc(MAX_CPUS, 1);
	if (!ps->last_seq || !ps->dirty) {
		free(ps->last_seq);
		free(ps->dirty);
		free(ps);
		return -ENOMEM;
	}
	memset(ps->last_seq, 0xff, MAX_CPUS * sizeof(*ps->last_seq));
	src->priv = ps;
	return 0;
}

static const struct source_ops source_proc_offline_ops = {
	.type = SENSOR_SOURCE_PROC,
	.compiled = true,
	.start = proc_start_offline,
	.stop = proc_stop,
};

int proc_connector_offline_source(struct sensor_ctx *ctx, struct sensor_source **ret)
{
	return ctx_source_add_ops(ctx, &source_proc_offline_ops, NULL, ret);
}

static void proc_probe(sensor_probe_fn fn, void *ud, int *usable)
{
	int fd, r = proc_connector_open(4096, &fd);

	if (r == 0) {
		proc_connector_close(fd);
		fn(ud, SENSOR_SOURCE_PROC, "connector", 1, 0, "NETLINK_CONNECTOR proc events available");
		(*usable)++;
	} else if (r == -EPERM || r == -EACCES) {
		fn(ud, SENSOR_SOURCE_PROC, "connector", r, 0, "needs CAP_NET_ADMIN (run as root)");
	} else {
		fn(ud, SENSOR_SOURCE_PROC, "connector", r == -EOPNOTSUPP ? 0 : r, 0,
		   "kernel without CONFIG_PROC_EVENTS or connector");
	}
	/* Identity of other users' processes (exe, cwd) needs CAP_SYS_PTRACE. */
	{
		char buf[256];

		if (readlink("/proc/1/exe", buf, sizeof(buf)) >= 0)
			fn(ud, SENSOR_SOURCE_PROC, "identity", 1, SENSOR_PROBE_OPTIONAL,
			   "exe/cwd of every process readable from /proc");
		else
			fn(ud, SENSOR_SOURCE_PROC, "identity", -errno, SENSOR_PROBE_OPTIONAL,
			   "exe/cwd of other users' processes unreadable (needs root)");
	}
}

const struct source_ops source_proc_ops = {
	.type = SENSOR_SOURCE_PROC,
	.compiled = true,
	.single = true,
	.start = proc_start,
	.stop = proc_stop,
	.probe = proc_probe,
};
