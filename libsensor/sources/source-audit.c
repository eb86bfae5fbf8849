/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Source "audit": NETLINK_AUDIT reception (read-only multicast group by
 * default, or as the registered audit daemon), batched with recvmmsg into
 * the reassembler; rules and kernel state through a libaudit control
 * socket. Losses: ENOBUFS marks an overrun whose size the serial gaps then
 * give exactly; the kernel's own lost counter (rate and backlog limits) is
 * polled and its growth reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <libaudit.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit/audit-saved.h"
#include "audit/audit-source.h"
#include "identity/proc-cache.h"
#include "proc-connector.h"
#include "sources.h"
#include "util/opts.h"

#define DEFAULT_RCVBUF (16u << 20)
#define DEFAULT_BACKLOG 8192u
#define LIVE_TIMEOUT (2ull * 1000000000u)
#define STATUS_EVERY (1ull * 1000000000u)
#define BATCH 64
#define MSG_MAX (MAX_AUDIT_MESSAGE_LENGTH + NLMSG_HDRLEN + 64)
/* One receive slot: the sender's address, then the datagram, both 16-byte aligned. */
#define SLOT_HEAD 16
#define SLOT_SIZE ((SLOT_HEAD + MSG_MAX + 15) & ~15)

/*
 * The sensor's own rule changes (installing its rules, removing them,
 * sweeping dead instances'): a CONFIG_CHANGE whose process is this one.
 * The sensor's own activity is not an event; another process changing the
 * audit rules still is.
 */
/*
 * Whether the event is the sensor's own: its rule changes (CONFIG_CHANGE),
 * or a syscall of its own process. Its own rules leave it out (pid!=self),
 * but another instance's rules on the same host (a second sensor, an
 * embedder, a test) match it, and the kernel delivers those records to
 * every reader: the sensor would watch itself.
 */
static bool own_event(const struct audit_src *as, const struct audit_event *e)
{
	int64_t pid = -1;

	if (as->o.flags & SENSOR_AUDIT_OFFLINE)
		return false; /* a replayed log: its pids are not ours */
	for (uint32_t i = 0; i < e->nrec && pid < 0; i++) {
		const char *t;
		const struct audit_record *r;

		if (e->recs[i].r.type != AUDIT_CONFIG_CHANGE && e->recs[i].r.type != AUDIT_SYSCALL)
			continue;
		r = audit_event_record(e, i, &t);
		audit_field_i64(audit_field_find(r, t, "pid"), t, &pid);
	}
	return pid == (int64_t)getpid();
}

/*
 * Audit reports a syscall when it ends, often after its process is gone:
 * when the process cache has nothing better than a guess for it, the
 * other sources' queues are read first - the process connector's fork and
 * exec, fanotify's record of the executed file in a container's layers
 * (source-fanotify.c) - so that enrichment finds what they tell.
 */
static void sync_before(struct sensor_source *src, const struct sensor_event *ev)
{
	struct proc_entry *pe;

	if (src->no_enrich || !ev_has(ev, SENSOR_FIELD_PROCESS_PID))
		return;
	pe = proc_cache_peek(src->ctx->procs, (int32_t)ev->v[SENSOR_FIELD_PROCESS_PID].i, now_mono());
	if (pe && !pe->runtime && !(pe->exec_unread && !(pe->wl && pe->wl->rootfs)))
		return;
	proc_connector_sync(src->ctx);
	fanotify_sync(src->ctx);
}

void audit_src_on_event(void *ud, const struct audit_event *e)
{
	struct audit_src *as = ud;
	struct sensor_event *ev;
	int r;

	if (own_event(as, e)) {
		as->own++;
		return;
	}
	r = audit_normalize(&as->norm, as->src, e, &ev);

	if (r <= 0) {
		if (r == 0)
			as->unmapped++;
		else
			as->src->stats.errors++;
		return;
	}
	as->emitted++;
	sync_before(as->src, ev);
	ctx_emit(as->src->ctx, ev);
}

void audit_src_on_lost(void *ud, uint64_t n)
{
	struct audit_src *as = ud;
	struct sensor_source *src = as->src;
	const char *what = as->overrun
				   ? "audit events never received (serial gap): receive buffer overrun (ENOBUFS)"
				   : "audit events never received: gap in the serial numbers";
	struct sensor_event *ev;

	as->overrun = false;
	/* an overrun already reported as "at least one" paid for part of this gap */
	if (as->prepaid) {
		uint64_t p = as->prepaid < n ? as->prepaid : n;

		as->prepaid -= p;
		n -= p;
		if (n == 0)
			return;
	}
	if (!(as->o.flags & SENSOR_AUDIT_OFFLINE)) {
		ctx_emit_loss(src, n, what);
		return;
	}
	/* Offline, the loss happened at the log's time: stamp it so, and a replay of the
	 * same log gives the same lines. Accounting as ctx_emit_loss() does. */
	src->stats.lost += n;
	src->ctx->stats.lost += n;
	ctx_log(src->ctx, SENSOR_LOG_WARNING, "audit: lost %llu events (%s)", (unsigned long long)n,
		what);
	ev = ctx_event_new(src, SENSOR_KIND_LOSS);
	if (!ev)
		return;
	ev_set_int(ev, SENSOR_FIELD_TIME, (int64_t)audit_reasm_clock(as->ra));
	ev_set_str(ev, SENSOR_FIELD_LOSS_SOURCE, "audit");
	ev_set_int(ev, SENSOR_FIELD_LOSS_COUNT, (int64_t)n);
	ev_set_str(ev, SENSOR_FIELD_LOSS_DETAIL, what);
	ctx_emit(src->ctx, ev);
}

/* AUDIT_GET on the control socket. */
static int get_status(int ctl, struct audit_status *st)
{
	int rc = audit_request_status(ctl);

	if (rc < 0)
		return rc == -1 ? -EIO : rc;
	for (int tries = 0; tries < 16; tries++) {
		struct audit_reply rep;

		rc = audit_get_reply(ctl, &rep, GET_REPLY_BLOCKING, 0);
		if (rc <= 0)
			return -EIO;
		if (rep.type == AUDIT_GET) {
			memcpy(st, rep.status, sizeof(*st));
			return 0;
		}
		if (rep.type == NLMSG_ERROR && rep.error->error)
			return rep.error->error;
	}
	return -EIO;
}

static void poll_kernel_lost(struct audit_src *as)
{
	struct audit_status st;

	if (as->ctl < 0 || get_status(as->ctl, &st) < 0)
		return;
	if (as->have_lost && st.lost != as->kernel_lost)
		ctx_emit_loss(as->src, (uint32_t)(st.lost - as->kernel_lost),
			      "audit records the kernel dropped (its lost counter: rate or backlog limit)");
	as->kernel_lost = st.lost;
	as->have_lost = true;
}

static int audit_timer(struct sensor_source *src, uint64_t now);

static void arm(struct audit_src *as)
{
	uint64_t d = audit_reasm_deadline(as->ra);

	if (as->ctl >= 0 && as->next_status < d)
		d = as->next_status;
	ctx_source_timer(as->src, d, audit_timer);
}

static int audit_timer(struct sensor_source *src, uint64_t now)
{
	struct audit_src *as = src->priv;
	uint64_t before = as->emitted;

	audit_reasm_tick(as->ra, now);
	if (as->ctl >= 0 && now >= as->next_status) {
		poll_kernel_lost(as);
		as->next_status = now + STATUS_EVERY;
	}
	arm(as);
	return (int)(as->emitted - before);
}

static int audit_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct audit_src *as = src->priv;
	uint64_t before = as->emitted;
	unsigned rounds = 0;

	(void)events;
	/* bounded in events and in batches: records that map to no event (user-space
	 * messages) must not keep the loop here while other sources wait */
	while (as->emitted - before < budget && rounds++ < 16) {
		int n = recvmmsg(fd, as->msgs, BATCH, MSG_DONTWAIT, NULL);
		uint64_t now;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (errno == ENOBUFS) {
				as->overrun = true; /* the serial gaps will say how many */
				src->stats.errors++;
				continue;
			}
			return -errno;
		}
		if (n == 0)
			break;
		now = now_mono();
		for (int i = 0; i < n; i++) {
			const struct nlmsghdr *nlh = as->iov[i].iov_base;
			const struct sockaddr_nl *sa = as->msgs[i].msg_hdr.msg_name;
			size_t len = as->msgs[i].msg_len;

			as->msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_nl);
			if (as->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				src->stats.errors++; /* never parse a cut record */
				continue;
			}
			if (len < NLMSG_HDRLEN || sa->nl_pid != 0)
				continue;
			/* Types below 1100 are control replies, except LOGIN. */
			if (nlh->nlmsg_type < AUDIT_FIRST_USER_MSG && nlh->nlmsg_type != AUDIT_LOGIN)
				continue;
			src->stats.received++;
			/* nlmsg_len of audit records does not count the header: trust the datagram */
			if (audit_reasm_push(as->ra, (const char *)nlh + NLMSG_HDRLEN,
					     len - NLMSG_HDRLEN, nlh->nlmsg_type, now) == -EINVAL)
				src->stats.errors++;
		}
		if (n < BATCH)
			break;
	}
	/*
	 * An overrun is a loss now, even if no later record shows the gap (the
	 * stream may stop right after it): report at least one, and let the
	 * serial gaps, when they come, report only the rest.
	 */
	if (as->overrun) {
		ctx_emit_loss(src, 1, "receive buffer overrun (ENOBUFS): at least one audit event; "
				      "serial gaps report the rest");
		as->overrun = false;
		as->prepaid++;
	}
	arm(as);
	return (int)(as->emitted - before);
}

static int open_records_socket(struct audit_src *as)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int sz = (int)(as->o.rcvbuf ? as->o.rcvbuf : DEFAULT_RCVBUF), fd, r;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	if (fd < 0)
		return errno == EPROTONOSUPPORT ? -EOPNOTSUPP : -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (!(as->o.flags & SENSOR_AUDIT_DAEMON))
		sa.nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	as->fd = fd;
	return 0;
}

static int alloc_batch(struct audit_src *as)
{
	as->msgs = calloc(BATCH, sizeof(*as->msgs));
	as->iov = calloc(BATCH, sizeof(*as->iov));
	as->bufs = aligned_alloc(16, (size_t)BATCH * SLOT_SIZE);
	if (!as->msgs || !as->iov || !as->bufs)
		return -ENOMEM;
	for (int i = 0; i < BATCH; i++) {
		char *b = as->bufs + (size_t)i * SLOT_SIZE;

		as->iov[i].iov_base = b + SLOT_HEAD;
		as->iov[i].iov_len = MSG_MAX;
		as->msgs[i].msg_hdr.msg_iov = &as->iov[i];
		as->msgs[i].msg_hdr.msg_iovlen = 1;
		as->msgs[i].msg_hdr.msg_name = b;
		as->msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_nl);
	}
	return 0;
}

/*
 * The kernel audit state from before any sensor changed it, when a run file
 * holds it (audit-saved.h): the last instance out restores that, whoever
 * changed it, so a SIGKILLed instance's changes are undone by the next one.
 * A file that is not ours is removed.
 */
static bool saved_state(struct audit_src *as, struct audit_saved *sv)
{
	int r = audit_saved_load(AUDIT_SAVED_PATH, sv);

	if (r == -EBADMSG) {
		ctx_log(as->src->ctx, SENSOR_LOG_WARNING, "audit: %s is not a saved state: removed",
			AUDIT_SAVED_PATH);
		unlink(AUDIT_SAVED_PATH);
	}
	return r == 0;
}

/*
 * Another sensor still has rules: it relies on auditing being on (and on
 * the backlog), so the last one out restores them: from the saved state
 * when there is one (it also covers a dead instance's changes), else from
 * what this instance itself changed.
 */
static void restore_kernel(struct audit_src *as)
{
	struct audit_saved sv;
	bool saved;

	if (audit_rules_count_sensors(as->ctl) > 0) {
		if (as->set_backlog || as->set_enabled)
			ctx_log(as->src->ctx, SENSOR_LOG_INFO, "audit: another sensor instance runs: "
				"enabled flag and backlog left as they are");
		return;
	}
	saved = saved_state(as, &sv);
	if (saved) {
		audit_set_backlog_limit(as->ctl, sv.backlog_limit);
		if (sv.enabled == 0)
			audit_set_enabled(as->ctl, 0);
		unlink(AUDIT_SAVED_PATH);
		return;
	}
	if (as->set_backlog)
		audit_set_backlog_limit(as->ctl, as->old_backlog);
	if (as->set_enabled)
		audit_set_enabled(as->ctl, 0);
}

static void audit_stop(struct sensor_source *src)
{
	struct audit_src *as = src->priv;

	if (!as)
		return;
	ctx_source_timer(src, SENSOR_TIME_INFINITY, NULL);
	if (as->exec_primary) {
		as->exec_primary = false;
		src->ctx->exec_primary--;
	}
	if (as->fd >= 0)
		ctx_unwatch_fd(src, as->fd);
	if (as->ctl >= 0) {
		if (as->rules_added) {
			int n = audit_rules_remove(as->ctl, as->key);

			if (n < 0)
				ctx_log(src->ctx, SENSOR_LOG_ERR, "audit: removing rules %s: %s",
					as->key, strerror(-n));
		}
		if (as->set_daemon)
			audit_set_pid(as->ctl, 0, WAIT_NO);
		restore_kernel(as);
		audit_close(as->ctl);
	}
	if (as->fd >= 0)
		close(as->fd);
	if (as->ra) {
		struct audit_reasm_stats rs;

		audit_reasm_get_stats(as->ra, &rs);
		/* events still waiting for records are not delivered from stop (the sink may be
		 * going away): say how many */
		if (rs.records && !(as->o.flags & SENSOR_AUDIT_OFFLINE))
			ctx_log(src->ctx, SENSOR_LOG_INFO,
				"audit: stopped after %llu records, %llu events (%llu not mapped, %llu "
				"of its own rule changes and syscalls)",
				(unsigned long long)rs.records, (unsigned long long)rs.events,
				(unsigned long long)as->unmapped, (unsigned long long)as->own);
		if (audit_reasm_inflight(as->ra))
			ctx_log(src->ctx, SENSOR_LOG_NOTICE,
				"audit: %u incomplete events discarded at stop",
				audit_reasm_inflight(as->ra));
	}
	audit_reasm_free(as->ra);
	audit_norm_free(&as->norm);
	free(as->partial);
	free(as->msgs);
	free(as->iov);
	free(as->bufs);
	free(as);
	src->priv = NULL;
}

static int setup_kernel(struct audit_src *as)
{
	struct sensor_source *src = as->src;
	struct audit_status st;
	uint32_t want = as->o.backlog_limit ? as->o.backlog_limit : DEFAULT_BACKLOG;
	int r, nrules = 0;

	as->ctl = audit_open();
	if (as->ctl < 0)
		return errno == EPROTONOSUPPORT ? -EOPNOTSUPP : -(errno ? errno : EIO);
	fcntl(as->ctl, F_SETFD, FD_CLOEXEC);
	r = get_status(as->ctl, &st);
	if (r < 0)
		return r;
	as->kernel_lost = st.lost;
	as->have_lost = true;
	if (st.enabled == 2) {
		ctx_emit_status(src, "rules", "audit is immutable (enabled=2): no rules installed");
		return 0;
	}
	if (as->o.flags & SENSOR_AUDIT_DAEMON) {
		if (st.pid != 0)
			return -EBUSY;
		r = audit_set_pid(as->fd, (uint32_t)getpid(), WAIT_NO);
		if (r < 0)
			return r == -1 ? -EIO : r;
		as->set_daemon = true;
	}
	r = audit_rules_sweep(as->ctl);
	if (r > 0)
		ctx_log(src->ctx, SENSOR_LOG_NOTICE, "audit: swept %d stale rules of dead instances", r);
	{
		struct audit_saved sv;

		if (saved_state(as, &sv) && audit_rules_count_sensors(as->ctl) == 0 &&
		    (sv.enabled != st.enabled || sv.backlog_limit != st.backlog_limit))
			ctx_log(src->ctx, SENSOR_LOG_NOTICE,
				"audit: a dead instance left the kernel state changed (enabled %u, "
				"backlog %u; it was %u, %u): restored when this one stops",
				st.enabled, st.backlog_limit, sv.enabled, sv.backlog_limit);
	}
	if (st.enabled == 0 && !(as->o.flags & SENSOR_AUDIT_NO_ENABLE)) {
		r = audit_set_enabled(as->ctl, 1);
		if (r < 0)
			return r == -1 ? -EIO : r;
		as->set_enabled = true;
	}
	if (st.backlog_limit < want) {
		if (audit_set_backlog_limit(as->ctl, want) >= 0 && !as->set_backlog) {
			as->set_backlog = true;
			as->old_backlog = st.backlog_limit;
		}
	}
	if (as->set_enabled || as->set_backlog) {
		struct audit_saved sv = { .enabled = as->set_enabled ? 0 : st.enabled != 0,
					  .backlog_limit = as->set_backlog ? as->old_backlog
									   : st.backlog_limit };

		/* kept when another instance wrote it first: it holds the older truth */
		r = audit_saved_store(AUDIT_SAVED_PATH, &sv);
		if (r < 0 && r != -EEXIST)
			ctx_log(src->ctx, SENSOR_LOG_WARNING,
				"audit: cannot save the kernel state to %s (%s): a SIGKILL would leave "
				"it changed", AUDIT_SAVED_PATH, strerror(-r));
	}
	as->rules_added = true; /* from here on, stop removes whatever got in */
	if (!(as->o.flags & SENSOR_AUDIT_NO_DEFAULT_RULES)) {
		r = audit_rules_add_default(src->ctx, as->ctl, as->key,
					    as->o.flags & SENSOR_AUDIT_NO_NET_RULES);
		if (r < 0)
			return r;
		nrules += r;
		as->exec_primary = true;
		src->ctx->exec_primary++;
	}
	if (as->o.rules_file) {
		r = audit_rules_add_file(src->ctx, as->ctl, as->o.rules_file, as->key);
		if (r < 0)
			return r;
		nrules += r;
	}
	{
		char detail[160];

		snprintf(detail, sizeof(detail), "%d rules installed with key %s%s", nrules, as->key,
			 as->set_enabled ? "; auditing enabled while the source runs" : "");
		ctx_emit_status(src, "rules", detail);
	}
	return 0;
}

/* Two live audit sources in one process get two keys. */
static atomic_uint instances;

static int audit_start(struct sensor_source *src, const void *opts)
{
	struct audit_reasm_opts ro = { 0 };
	struct audit_src *as;
	int r;

	as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	as->fd = as->ctl = -1;
	as->src = src;
	r = OPTS_COPY(&as->o, opts, struct sensor_audit_opts, backlog_limit);
	src->priv = as;
	audit_norm_init(&as->norm);
	if (r < 0)
		goto fail;
	if (as->o.flags & ~(uint32_t)(SENSOR_AUDIT_DAEMON | SENSOR_AUDIT_NO_DEFAULT_RULES |
				      SENSOR_AUDIT_NO_ENABLE | SENSOR_AUDIT_OFFLINE |
				      SENSOR_AUDIT_NO_NET_RULES) ||
	    ((as->o.flags & SENSOR_AUDIT_OFFLINE) && (as->o.flags & SENSOR_AUDIT_DAEMON))) {
		r = -EINVAL;
		goto fail;
	}
	ro.emit = audit_src_on_event;
	ro.lost = audit_src_on_lost;
	ro.ud = as;
	if (as->o.flags & SENSOR_AUDIT_OFFLINE) {
		ro.timeout = as->o.timeout_ns;
		ro.record_clock = true;
		src->no_enrich = true;
		r = audit_reasm_new(&ro, &as->ra);
		if (r < 0)
			goto fail;
		return 0;
	}
	ro.timeout = as->o.timeout_ns ? as->o.timeout_ns : LIVE_TIMEOUT;
	r = audit_reasm_new(&ro, &as->ra);
	if (r == 0)
		r = audit_rules_key(as->key, sizeof(as->key), atomic_fetch_add(&instances, 1));
	if (r >= 0)
		r = alloc_batch(as);
	if (r == 0)
		r = open_records_socket(as);
	if (r == 0)
		r = setup_kernel(as);
	if (r == 0)
		r = ctx_watch_fd(src, as->fd, audit_ready);
	if (r < 0)
		goto fail;
	as->next_status = now_mono() + STATUS_EVERY;
	arm(as);
	ctx_emit_status(src, "up", as->o.flags & SENSOR_AUDIT_DAEMON
					   ? "registered as the audit daemon"
					   : "listening on the audit multicast group (AUDIT_NLGRP_READLOG)");
	return 0;
fail:
	audit_stop(src);
	return r;
}

static void audit_probe(sensor_probe_fn fn, void *ud, int *usable)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1) };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT), ctl;
	struct audit_status st;

	if (fd < 0) {
		fn(ud, SENSOR_SOURCE_AUDIT, "netlink", 0, 0, "kernel without CONFIG_AUDIT");
		return;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fn(ud, SENSOR_SOURCE_AUDIT, "readlog", -errno, 0,
		   "cannot join AUDIT_NLGRP_READLOG (needs CAP_AUDIT_READ)");
		close(fd);
		return;
	}
	close(fd);
	fn(ud, SENSOR_SOURCE_AUDIT, "readlog", 1, 0, "AUDIT_NLGRP_READLOG multicast available");
	ctl = audit_open();
	if (ctl < 0 || get_status(ctl, &st) < 0) {
		fn(ud, SENSOR_SOURCE_AUDIT, "control", -EPERM, 0, "cannot query audit (needs CAP_AUDIT_CONTROL)");
	} else {
		fn(ud, SENSOR_SOURCE_AUDIT, "control", st.enabled == 2 ? -EPERM : 1, 0,
		   st.enabled == 2 ? "audit is immutable: rules cannot be installed"
		   : st.enabled ? "audit enabled; rules can be installed"
				: "audit disabled; the source enables it while it runs");
		(*usable)++;
	}
	if (ctl >= 0)
		audit_close(ctl);
}

const struct source_ops source_audit_ops = {
	.type = SENSOR_SOURCE_AUDIT,
	.compiled = true,
	.start = audit_start,
	.stop = audit_stop,
	.probe = audit_probe,
};

int sensor_audit_rule_key(char *buf, size_t len)
{
	if (!buf || !len)
		return -EINVAL;
	return audit_rules_key(buf, len, 0);
}
