/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Source "conntrack": flow events of one network namespace over
 * NETLINK_NETFILTER (groups NFNLGRP_CONNTRACK_NEW/UPDATE/DESTROY), a dump of
 * the existing flows at start, and a resync by dump after every receive
 * buffer overrun (ENOBUFS), which is also reported as a loss event.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libsensor/sensor-conntrack.h>

#include "conntrack-attrib.h"
#include "conntrack-source.h"
#include "core/context.h"
#include "ctnetlink-decode.h"
#include "sources/netfilter/nf-util.h"
#include "sources/sources.h"
#include "util/inet.h"
#include "util/opts.h"

#define DEFAULT_RCVBUF (16u << 20)
#define RXBUF (64u << 10)
#define OWNER_SLOTS 8192

struct flow_owner {
	uint32_t id;
	int32_t pid;
	uint8_t how;
};

#define LATE_MAX 64
#define LATE_NS (100ull * 1000000u)

struct ct_src {
	int fd;
	int nsfd;
	uint64_t netns;
	struct sensor_conntrack_opts o;
	uint32_t portid, dump_seq;
	bool dumping, resync;
	bool rule4, rule6; /* tracking rules we installed */
	char rule_tag[64];
	struct ct_attrib *attrib;
	bool staged; /* the audit correlation stage is registered */
	bool audit_seen; /* audit events pass through this context */
	struct flow_owner owners[OWNER_SLOTS];
	/*
	 * Late binding: with audit in the context, a flow nobody can attribute
	 * yet waits up to LATE_NS for the audit record of its connect (the
	 * kernel emits that at syscall exit, after the flow's first events).
	 * FIFO; later events of a waiting flow wait behind it, so a flow's
	 * events keep their order.
	 */
	struct ct_flow late[LATE_MAX];
	uint64_t late_at[LATE_MAX];
	unsigned late_head, late_n;
	char *rx;
};

static void set_addr(struct sensor_event *ev, enum sensor_field f, uint8_t family,
		     const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	if (inet_fmt(family == AF_INET6 ? AF_INET6 : AF_INET, a, s, sizeof(s)))
		ev_set_str(ev, f, s);
}

static void set_tuple(struct sensor_event *ev, const struct ct_tuple *t, bool reply)
{
	if (t->have & CT_T_SRC)
		set_addr(ev, reply ? SENSOR_FIELD_NET_REPLY_SRC : SENSOR_FIELD_NET_SRC, t->family,
			 t->src);
	if (t->have & CT_T_DST)
		set_addr(ev, reply ? SENSOR_FIELD_NET_REPLY_DST : SENSOR_FIELD_NET_DST, t->family,
			 t->dst);
	if (t->have & CT_T_PORTS) {
		ev_set_int(ev, reply ? SENSOR_FIELD_NET_REPLY_SPORT : SENSOR_FIELD_NET_SPORT, t->sport);
		ev_set_int(ev, reply ? SENSOR_FIELD_NET_REPLY_DPORT : SENSOR_FIELD_NET_DPORT, t->dport);
	}
	if (!reply && (t->have & CT_T_ICMP)) {
		ev_set_int(ev, SENSOR_FIELD_NET_ICMP_TYPE, t->icmp_type);
		ev_set_int(ev, SENSOR_FIELD_NET_ICMP_CODE, t->icmp_code);
	}
}

/* Remember (or recall) who owns a flow, so its update and end carry the same process. */
static struct flow_owner *owner_slot(struct ct_src *cs, uint32_t id)
{
	return &cs->owners[(id * 2654435761u) % OWNER_SLOTS];
}

static void attribute(struct sensor_source *src, struct ct_src *cs, const struct ct_flow *f,
		      struct sensor_event *ev)
{
	struct flow_owner *o = (f->have & CT_F_ID) ? owner_slot(cs, f->id) : NULL;
	int32_t pid = 0;
	uint8_t how = CT_ATTRIB_NONE;

	if (o && o->id == f->id && o->pid) {
		pid = o->pid;
		how = o->how;
		/* a connect noted since is the flow's initiator: it beats a socket match
		 * (which, on loopback, may have found the listening end) */
		if (how != CT_ATTRIB_AUDIT && cs->attrib) {
			int32_t noted = ct_attrib_noted(cs->attrib, &f->orig);

			if (noted) {
				pid = o->pid = noted;
				how = o->how = CT_ATTRIB_AUDIT;
			}
		}
	} else if (f->op != CT_OP_DESTROY) {
		pid = ct_attrib_lookup(cs->attrib, &f->orig, now_mono());
		how = (uint8_t)ct_attrib_last_how(cs->attrib);
	} else if (cs->attrib) {
		/* the process may be gone: only what the audit source noted can say */
		pid = ct_attrib_noted(cs->attrib, &f->orig);
		how = CT_ATTRIB_AUDIT;
	}
	if (o && pid && f->op != CT_OP_DESTROY && !(o->id == f->id && o->pid)) {
		o->id = f->id;
		o->pid = pid;
		o->how = how;
	}
	if (o && f->op == CT_OP_DESTROY && o->id == f->id)
		o->id = 0, o->pid = 0;
	(void)src;
	if (pid) {
		ev_set_int(ev, SENSOR_FIELD_PROCESS_PID, pid);
		ev_set_str(ev, SENSOR_FIELD_NET_ATTRIBUTION, how == CT_ATTRIB_AUDIT ? "audit" : "socket");
	} else {
		ev_set_str(ev, SENSOR_FIELD_NET_ATTRIBUTION, "none");
	}
}

/*
 * Correlation with the audit source, through the unified events only: an
 * audit `connect` names the process and the peer it connected to; noted
 * here, it attributes the flow to that process when /proc no longer can
 * (short-lived processes). The protocol is not in the audit record, and
 * neither is the local port, so the note matches on family, peer address
 * and peer port.
 */
static void ct_correlate_stage(struct sensor_ctx *ctx, struct sensor_event *ev, void *ud)
{
	struct ct_src *cs = ud;
	const char *op, *fam, *dst;
	int64_t pid, dport;
	uint8_t addr[16];
	int family;

	(void)ctx;
	if (ev->source == SENSOR_SOURCE_AUDIT)
		cs->audit_seen = true;
	if (ev->source != SENSOR_SOURCE_AUDIT || ev->kind != SENSOR_KIND_NET || !cs->attrib)
		return;
	op = sensor_event_get_str(ev, SENSOR_FIELD_NET_OP);
	fam = sensor_event_get_str(ev, SENSOR_FIELD_NET_FAMILY);
	dst = sensor_event_get_str(ev, SENSOR_FIELD_NET_DST);
	if (!op || strcmp(op, "connect") != 0 || !fam || !dst ||
	    sensor_event_get_int(ev, SENSOR_FIELD_NET_DPORT, &dport) < 0 ||
	    sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) < 0 || pid <= 0 ||
	    dport <= 0 || dport > 65535)
		return;
	family = strcmp(fam, "inet") == 0 ? AF_INET : strcmp(fam, "inet6") == 0 ? AF_INET6 : 0;
	if (!family || inet_pton(family, dst, addr) != 1)
		return;
	ct_attrib_note(cs->attrib, (uint8_t)family, IPPROTO_TCP, NULL, 0, addr, (uint16_t)dport,
		       (int32_t)pid);
	ct_attrib_note(cs->attrib, (uint8_t)family, IPPROTO_UDP, NULL, 0, addr, (uint16_t)dport,
		       (int32_t)pid);
}

static void emit_flow(struct sensor_source *src, struct ct_src *cs, const struct ct_flow *f)
{
	struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_NET);
	const char *pn = nf_proto_name(f->orig.proto), *st = NULL;
	char num[8];

	if (!ev)
		return;
	ev_set_str(ev, SENSOR_FIELD_NET_OP, ctnl_op_name(f->op));
	if (!pn) {
		snprintf(num, sizeof(num), "%u", f->orig.proto);
		pn = num;
	}
	ev_set_str(ev, SENSOR_FIELD_NET_PROTO, pn);
	ev_set_str(ev, SENSOR_FIELD_NET_FAMILY, f->orig.family == AF_INET6 ? "inet6" : "inet");
	set_tuple(ev, &f->orig, false);
	if (f->have & CT_F_REPLY)
		set_tuple(ev, &f->reply, true);
	if (f->have & CT_F_TCP_STATE)
		st = ctnl_tcp_state_name(f->tcp_state);
	else if (f->have & CT_F_SCTP_STATE)
		st = ctnl_sctp_state_name(f->sctp_state);
	if (st)
		ev_set_str(ev, SENSOR_FIELD_NET_STATE, st);
	if (f->have & CT_F_STATUS)
		ev_set_int(ev, SENSOR_FIELD_NET_STATUS, f->status);
	if (f->have & CT_F_ZONE)
		ev_set_int(ev, SENSOR_FIELD_NET_ZONE, f->zone);
	else if (f->orig.have & CT_T_ZONE)
		ev_set_int(ev, SENSOR_FIELD_NET_ZONE, f->orig.zone);
	if (f->have & CT_F_MARK)
		ev_set_int(ev, SENSOR_FIELD_NET_MARK, f->mark);
	if (f->have & CT_F_ID)
		ev_set_int(ev, SENSOR_FIELD_NET_FLOW_ID, f->id);
	if (f->have & CT_F_TIMEOUT)
		ev_set_int(ev, SENSOR_FIELD_NET_TIMEOUT, f->timeout);
	if (f->have & CT_F_COUNTERS_ORIG) {
		ev_set_int(ev, SENSOR_FIELD_NET_BYTES, (int64_t)f->bytes[0]);
		ev_set_int(ev, SENSOR_FIELD_NET_PACKETS, (int64_t)f->packets[0]);
	}
	if (f->have & CT_F_COUNTERS_REPLY) {
		ev_set_int(ev, SENSOR_FIELD_NET_REPLY_BYTES, (int64_t)f->bytes[1]);
		ev_set_int(ev, SENSOR_FIELD_NET_REPLY_PACKETS, (int64_t)f->packets[1]);
	}
	if (f->have & CT_F_TS_START)
		ev_set_int(ev, SENSOR_FIELD_NET_START, (int64_t)f->ts_start);
	if (f->have & CT_F_TS_STOP)
		ev_set_int(ev, SENSOR_FIELD_NET_STOP, (int64_t)f->ts_stop);
	if (cs->netns)
		ev_set_int(ev, SENSOR_FIELD_NET_NETNS, (int64_t)cs->netns);
	if (cs->attrib)
		attribute(src, cs, f, ev);
	ctx_emit(src->ctx, ev);
}

static int send_dump(struct sensor_source *src, struct ct_src *cs);

/*
 * DONE or ERROR of one of our dumps (events have seq 0). A dump asked for
 * while another runs fails with EBUSY: the running one ends later with its
 * own DONE, and the resync starts then.
 */
static int late_timer(struct sensor_source *src, uint64_t now);

/* Emit waiting flows whose time is up (all of them with now = UINT64_MAX). */
static int late_flush(struct sensor_source *src, struct ct_src *cs, uint64_t now)
{
	int n = 0;

	while (cs->late_n && cs->late_at[cs->late_head] <= now) {
		emit_flow(src, cs, &cs->late[cs->late_head]);
		cs->late_head = (cs->late_head + 1) % LATE_MAX;
		cs->late_n--;
		n++;
	}
	if (cs->late_n)
		ctx_source_timer(src, cs->late_at[cs->late_head], late_timer);
	return n;
}

static int late_timer(struct sensor_source *src, uint64_t now)
{
	return late_flush(src, src->priv, now);
}

/* Emit now, or wait for the audit record that names the flow's process. */
static int emit_or_wait(struct sensor_source *src, struct ct_src *cs, const struct ct_flow *f)
{
	bool waits = false;
	uint64_t now;
	unsigned tail;

	if (cs->late_n && (f->have & CT_F_ID))
		for (unsigned i = 0, k = cs->late_head; i < cs->late_n; i++, k = (k + 1) % LATE_MAX)
			if ((cs->late[k].have & CT_F_ID) && cs->late[k].id == f->id)
				waits = true; /* keep the flow's order */
	if (!waits) {
		struct flow_owner *o = (f->have & CT_F_ID) ? owner_slot(cs, f->id) : NULL;

		waits = cs->audit_seen && cs->attrib && f->op != CT_OP_DUMP &&
			(f->orig.proto == IPPROTO_TCP || f->orig.proto == IPPROTO_UDP) &&
			!(o && o->id == f->id && o->pid) && !ct_attrib_noted(cs->attrib, &f->orig);
	}
	if (!waits) {
		emit_flow(src, cs, f);
		return 1;
	}
	if (cs->late_n == LATE_MAX) { /* full: the oldest goes now */
		emit_flow(src, cs, &cs->late[cs->late_head]);
		cs->late_head = (cs->late_head + 1) % LATE_MAX;
		cs->late_n--;
	}
	now = now_mono();
	tail = (cs->late_head + cs->late_n) % LATE_MAX;
	cs->late[tail] = *f;
	cs->late_at[tail] = now + LATE_NS;
	cs->late_n++;
	if (cs->late_n == 1)
		ctx_source_timer(src, cs->late_at[tail], late_timer);
	return 0;
}

static void dump_end(struct sensor_source *src, struct ct_src *cs, const struct nlmsghdr *nlh)
{
	if (!cs->dumping || nlh->nlmsg_seq == 0 || nlh->nlmsg_seq > cs->dump_seq)
		return;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		int err = 0;

		if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			err = ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
		if (err == 0)
			return; /* an ack, not the end */
		if (err == -EBUSY) {
			cs->resync = true;
			return;
		}
		src->stats.errors++;
	}
	cs->dumping = false;
	if (cs->resync)
		send_dump(src, cs);
}

int conntrack_dispatch(struct sensor_source *src, const void *buf, size_t len)
{
	struct ct_src *cs = src->priv;
	const struct nlmsghdr *nlh = buf;
	size_t rem = len;
	int n = 0;

	for (; nfnl_msg_ok(nlh, rem); nlh = nfnl_msg_next(nlh, &rem)) {
		struct ct_flow f;
		int r;

		src->stats.received++;
		if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
			dump_end(src, cs, nlh);
			continue;
		}
		r = ctnl_decode(nlh, rem, &f);
		if (r == -ENOMSG)
			continue;
		if (r < 0 || !ctnl_flow_complete(&f)) {
			src->stats.errors++;
			continue;
		}
		if (f.op == CT_OP_DUMP && (cs->o.flags & SENSOR_CONNTRACK_NO_DUMP))
			continue;
		n += emit_or_wait(src, cs, &f);
	}
	if (rem > 0)
		src->stats.errors++; /* trailing bytes that are no whole message */
	return n;
}

static int send_dump(struct sensor_source *src, struct ct_src *cs)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if (cs->fd < 0)
		return 0;
	if (cs->dumping) {
		cs->resync = true; /* one more once this one ends */
		return 0;
	}
	cs->resync = false;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++cs->dump_seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (send(cs->fd, nlh, nlh->nlmsg_len, 0) < 0) {
		src->stats.errors++;
		return -errno;
	}
	cs->dumping = true;
	return 0;
}

static int ct_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct ct_src *cs = src->priv;
	unsigned n = 0;

	(void)events;
	while (n < budget) {
		struct sockaddr_nl sa;
		socklen_t sl = sizeof(sa);
		ssize_t got = recvfrom(fd, cs->rx, RXBUF, MSG_TRUNC, (struct sockaddr *)&sa, &sl);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (errno == ENOBUFS) {
				/* the kernel dropped events: say so, then learn the table again */
				ctx_emit_loss(src, 1,
					      "receive buffer overrun (ENOBUFS): at least one flow "
					      "event lost; resyncing by dump");
				send_dump(src, cs); /* or after the dump running now */
				n++;
				continue;
			}
			return -errno;
		}
		if ((size_t)got > RXBUF) {
			src->stats.errors++;
			continue;
		}
		if (sa.nl_pid != 0)
			continue;
		n += (unsigned)conntrack_dispatch(src, cs->rx, (size_t)got);
	}
	return (int)n;
}

static int tracking_rule(struct ct_src *cs, const char *tool, const char *op)
{
	const char *args[] = { "-w", op, "OUTPUT", "-m", "conntrack", "--ctstate", "NEW",
			       "-m", "comment", "--comment", cs->rule_tag, NULL };

	return nf_run_tool(cs->nsfd, tool, args);
}

static void ct_stop(struct sensor_source *src)
{
	struct ct_src *cs = src->priv;

	if (!cs)
		return;
	late_flush(src, cs, UINT64_MAX); /* what waited is still reported */
	if (cs->staged)
		ctx_remove_stage(src->ctx, ct_correlate_stage, cs);
	if (cs->fd >= 0) {
		ctx_unwatch_fd(src, cs->fd);
		close(cs->fd);
	}
	if (cs->rule4)
		tracking_rule(cs, "iptables", "-D");
	if (cs->rule6)
		tracking_rule(cs, "ip6tables", "-D");
	if (cs->nsfd >= 0)
		close(cs->nsfd);
	ct_attrib_free(cs->attrib);
	free(cs->rx);
	free(cs);
	src->priv = NULL;
}

static int enable_tracking(struct sensor_source *src, struct ct_src *cs)
{
	uint64_t count = 0;
	int r;

	if (nf_read_sysctl(cs->nsfd, "/proc/sys/net/netfilter/nf_conntrack_count", &count) == 0 &&
	    count > 0)
		return 0; /* something tracks flows here already */
	r = nf_sweep_rules(cs->nsfd);
	if (r > 0)
		ctx_log(src->ctx, SENSOR_LOG_NOTICE,
			"conntrack: removed %d iptables rules of sensor instances that are gone", r);
	if (nf_rule_tag(cs->rule_tag, sizeof(cs->rule_tag), "ct", (unsigned long long)cs->netns) < 0)
		snprintf(cs->rule_tag, sizeof(cs->rule_tag), "rtsensor-ct-%d-%llu", (int)getpid(),
			 (unsigned long long)cs->netns);
	r = tracking_rule(cs, "iptables", "-I");
	if (r < 0)
		return r;
	if (r > 0)
		return -EIO;
	cs->rule4 = true;
	/* IPv6 may be disabled in this kernel or netns: IPv4 alone still tracks */
	cs->rule6 = tracking_rule(cs, "ip6tables", "-I") == 0;
	ctx_log(src->ctx, SENSOR_LOG_INFO, "conntrack: added tracking rules (%s)", cs->rule_tag);
	return 0;
}

static int ct_alloc(struct sensor_source *src, const void *opts, struct ct_src **ret)
{
	struct ct_src *cs;
	int r;

	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	cs->fd = cs->nsfd = -1;
	r = OPTS_COPY(&cs->o, opts, struct sensor_conntrack_opts, netns_pid);
	if (r < 0) {
		free(cs);
		return r;
	}
	cs->rx = malloc(RXBUF);
	src->priv = cs;
	if (!cs->rx)
		return -ENOMEM;
	*ret = cs;
	return 0;
}

static int ct_start(struct sensor_source *src, const void *opts)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);
	struct ct_src *cs;
	char detail[160];
	int r, sz;

	r = ct_alloc(src, opts, &cs);
	if (r < 0)
		goto fail;
	if ((cs->o.flags & ~7u) || (cs->o.events & ~(uint32_t)SENSOR_CONNTRACK_EV_ALL) ||
	    cs->o.netns_pid < 0) {
		r = -EINVAL;
		goto fail;
	}
	if (!cs->o.events)
		cs->o.events = SENSOR_CONNTRACK_EV_ALL;
	sz = (int)(cs->o.rcvbuf ? cs->o.rcvbuf : DEFAULT_RCVBUF);
	r = nf_netns_open(cs->o.netns_pid);
	if (r < 0)
		goto fail;
	cs->nsfd = r;
	r = nf_netns_inode(cs->nsfd, &cs->netns);
	if (r < 0)
		goto fail;
	if (cs->o.flags & SENSOR_CONNTRACK_ENABLE_TRACKING) {
		r = enable_tracking(src, cs);
		if (r < 0)
			goto fail;
	}
	r = nf_socket_in_netns(cs->o.netns_pid ? cs->nsfd : -1, AF_NETLINK,
			       SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
	if (r < 0) {
		r = r == -EPROTONOSUPPORT ? -EOPNOTSUPP : r;
		goto fail;
	}
	cs->fd = r;
	if (setsockopt(cs->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(cs->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* NF_NETLINK_CONNTRACK_NEW/UPDATE/DESTROY are bits 0..2, like our mask */
	sa.nl_groups = cs->o.events;
	if (bind(cs->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(cs->fd, (struct sockaddr *)&sa, &sl) < 0) {
		r = -errno;
		goto fail;
	}
	cs->portid = sa.nl_pid;
	if (!(cs->o.flags & SENSOR_CONNTRACK_NO_ATTRIBUTION)) {
		r = ct_attrib_new("/proc", cs->o.netns_pid, &cs->attrib);
		if (r < 0)
			goto fail;
		r = ctx_add_stage(src->ctx, ct_correlate_stage, cs);
		if (r < 0)
			goto fail;
		cs->staged = true;
	}
	r = ctx_watch_fd(src, cs->fd, ct_ready);
	if (r < 0)
		goto fail;
	if (!(cs->o.flags & SENSOR_CONNTRACK_NO_DUMP)) {
		r = send_dump(src, cs);
		if (r < 0)
			goto fail;
	}
	snprintf(detail, sizeof(detail), "conntrack events of netns %llu%s",
		 (unsigned long long)cs->netns, cs->rule4 ? " (tracking rule added)" : "");
	ctx_emit_status(src, "up", detail);
	return 0;
fail:
	ct_stop(src);
	return r;
}

static int ct_start_offline(struct sensor_source *src, const void *opts)
{
	struct ct_src *cs;
	int r = ct_alloc(src, opts, &cs);

	if (r < 0)
		ct_stop(src);
	return r;
}

static const struct source_ops source_conntrack_offline_ops = {
	.type = SENSOR_SOURCE_CONNTRACK,
	.compiled = true,
	.start = ct_start_offline,
	.stop = ct_stop,
};

int conntrack_offline_source(struct sensor_ctx *ctx, struct sensor_source **ret)
{
	return ctx_source_add_ops(ctx, &source_conntrack_offline_ops, NULL, ret);
}

static void ct_probe(sensor_probe_fn fn, void *ud, int *usable)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 7 };
	uint64_t v;
	char detail[200];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

	if (fd < 0) {
		fn(ud, SENSOR_SOURCE_CONNTRACK, "netlink", errno == EPROTONOSUPPORT ? 0 : -errno, 0,
		   "NETLINK_NETFILTER unavailable");
		return;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		fn(ud, SENSOR_SOURCE_CONNTRACK, "netlink", -e, 0,
		   e == EPERM ? "needs CAP_NET_ADMIN (run as root)"
			      : "cannot subscribe to conntrack events (nf_conntrack_netlink missing?)");
		return;
	}
	close(fd);
	fn(ud, SENSOR_SOURCE_CONNTRACK, "netlink", 1, 0, "conntrack event groups available");
	(*usable)++;
	if (nf_read_sysctl(-1, "/proc/sys/net/netfilter/nf_conntrack_events", &v) == 0)
		fn(ud, SENSOR_SOURCE_CONNTRACK, "events", v ? 1 : 0, SENSOR_PROBE_OPTIONAL,
		   v ? "nf_conntrack_events on" : "nf_conntrack_events=0: no flow events are sent");
	if (nf_read_sysctl(-1, "/proc/sys/net/netfilter/nf_conntrack_count", &v) < 0) {
		fn(ud, SENSOR_SOURCE_CONNTRACK, "tracking", 0, SENSOR_PROBE_OPTIONAL,
		   "nf_conntrack not loaded: no flow is tracked "
		   "(rtsensor run --track-flows / SENSOR_CONNTRACK_ENABLE_TRACKING add one)");
	} else if (v == 0) {
		fn(ud, SENSOR_SOURCE_CONNTRACK, "tracking", 0, SENSOR_PROBE_OPTIONAL,
		   "no flow tracked in this netns: likely no rule needs conntrack "
		   "(rtsensor run --track-flows / SENSOR_CONNTRACK_ENABLE_TRACKING add one)");
	} else {
		snprintf(detail, sizeof(detail), "active: %llu flows tracked in this netns",
			 (unsigned long long)v);
		fn(ud, SENSOR_SOURCE_CONNTRACK, "tracking", 1, SENSOR_PROBE_OPTIONAL, detail);
	}
	if (nf_read_sysctl(-1, "/proc/sys/net/netfilter/nf_conntrack_acct", &v) == 0)
		fn(ud, SENSOR_SOURCE_CONNTRACK, "accounting", v ? 1 : 0, SENSOR_PROBE_OPTIONAL,
		   v ? "byte/packet counters on" : "nf_conntrack_acct=0: no byte/packet counters");
	if (nf_read_sysctl(-1, "/proc/sys/net/netfilter/nf_conntrack_timestamp", &v) == 0)
		fn(ud, SENSOR_SOURCE_CONNTRACK, "timestamps", v ? 1 : 0, SENSOR_PROBE_OPTIONAL,
		   v ? "flow start/stop timestamps on"
		     : "nf_conntrack_timestamp=0: no flow start/stop times");
}

const struct source_ops source_conntrack_ops = {
	.type = SENSOR_SOURCE_CONNTRACK,
	.compiled = true,
	.single = false,
	.start = ct_start,
	.stop = ct_stop,
	.probe = ct_probe,
};
