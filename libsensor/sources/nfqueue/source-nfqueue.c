/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Source "nfqueue": the first packet of every new flow, held until the
 * embedder (or the deadline) gives a verdict. Fail-open by construction:
 * the rules carry --queue-bypass (no listener: packets pass) and the queue
 * NFQA_CFG_F_FAIL_OPEN (queue full: packets pass).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <libsensor/sensor-nfqueue.h>

#include "core/context.h"
#include "nfq-packet.h"
#include "nfq-source.h"
#include "nfq-verdict.h"
#include "sources/netfilter/nf-netlink.h"
#include "sources/netfilter/nf-util.h"
#include "sources/sources.h"
#include "util/parse.h"
#include "util/inet.h"
#include "util/opts.h"

#define DEFAULT_MAXLEN 1024u
#define DEFAULT_TIMEOUT_NS 500000000ull
#define RXBUF (256u << 10)
#define RCVBUF (8u << 20)
#define COPY_RANGE 128 /* IP + L4 headers are all we read */
#define MAX_RULES 8
#define STATS_PERIOD_NS 1000000000ull

struct nfq_rule {
	const char *tool, *chain;
};

struct nfq_src {
	int fd, nsfd;
	uint64_t netns;
	struct sensor_nfqueue_opts o;
	char cgroup[256];
	char tag[64];
	struct nfq_rule rules[MAX_RULES];
	int nrules;
	bool bound, verdicts_ok;
	struct nfq_verdicts v;
	uint64_t kernel_dropped; /* queue_dropped + user_dropped seen so far */
	char *rx;
};

static const char *proto_name(uint8_t p, char *num, size_t len)
{
	const char *n = nf_proto_name(p);

	if (n)
		return n;
	snprintf(num, len, "%u", p);
	return num;
}

static void emit_packet(struct sensor_source *src, struct nfq_src *ns, const struct nfq_pkt *p)
{
	struct sensor_event *ev = ctx_event_new(src, SENSOR_KIND_NET);
	char a[INET6_ADDRSTRLEN], num[8];

	if (!ev) {
		/* no event to hold: let it pass, and say so */
		if (ns->verdicts_ok)
			nfqv_answer(&ns->v, p->id, true);
		ctx_emit_loss(src, 1, "no memory for a packet event: accepted unseen");
		return;
	}
	ev_set_str(ev, SENSOR_FIELD_NET_OP, "packet");
	ev_set_int(ev, SENSOR_FIELD_NET_QUEUE, p->queue);
	if (p->have & NFQ_P_L3) {
		ev_set_str(ev, SENSOR_FIELD_NET_FAMILY, p->family == AF_INET6 ? "inet6" : "inet");
		ev_set_str(ev, SENSOR_FIELD_NET_PROTO, proto_name(p->proto, num, sizeof(num)));
		if (inet_fmt(p->family, p->src, a, sizeof(a)))
			ev_set_str(ev, SENSOR_FIELD_NET_SRC, a);
		if (inet_fmt(p->family, p->dst, a, sizeof(a)))
			ev_set_str(ev, SENSOR_FIELD_NET_DST, a);
	}
	if (p->have & NFQ_P_PORTS) {
		ev_set_int(ev, SENSOR_FIELD_NET_SPORT, p->sport);
		ev_set_int(ev, SENSOR_FIELD_NET_DPORT, p->dport);
	}
	if (p->have & NFQ_P_ICMP) {
		ev_set_int(ev, SENSOR_FIELD_NET_ICMP_TYPE, p->icmp_type);
		ev_set_int(ev, SENSOR_FIELD_NET_ICMP_CODE, p->icmp_code);
	}
	if (p->have & NFQ_P_MARK)
		ev_set_int(ev, SENSOR_FIELD_NET_MARK, p->mark);
	if (p->have & NFQ_P_UID)
		ev_set_int(ev, SENSOR_FIELD_PROCESS_UID, p->uid);
	if (p->have & NFQ_P_GID)
		ev_set_int(ev, SENSOR_FIELD_PROCESS_GID, p->gid);
	ev_set_str(ev, SENSOR_FIELD_NET_ATTRIBUTION, p->have & NFQ_P_UID ? "packet" : "none");
	if (ns->netns)
		ev_set_int(ev, SENSOR_FIELD_NET_NETNS, (int64_t)ns->netns);
	ev->hold.active = true;
	ev->hold.dflt = (ns->o.flags & SENSOR_NFQUEUE_FAIL_CLOSED) ? SENSOR_DECISION_DENY
								   : SENSOR_DECISION_ALLOW;
	ev->hold.dflt_err = EPERM;
	ev->hold.deadline = now_mono() + ns->o.timeout_ns;
	ev->hold.data[0] = p->id;
	ctx_emit(src->ctx, ev);
}

int nfqueue_dispatch(struct sensor_source *src, const void *buf, size_t len)
{
	struct nfq_src *ns = src->priv;
	const struct nlmsghdr *nlh = buf;
	size_t rem = len;
	int n = 0;

	for (; nfnl_msg_ok(nlh, rem); nlh = nfnl_msg_next(nlh, &rem)) {
		struct nfq_pkt p;
		int r;

		src->stats.received++;
		r = nfq_packet_decode(nlh, rem, &p);
		if (r == -ENOMSG)
			continue;
		if (p.id && ns->verdicts_ok)
			nfqv_received(&ns->v, p.id);
		if (r < 0) {
			src->stats.errors++;
			/* unreadable but queued: never leave it hanging */
			if (p.id && ns->verdicts_ok)
				nfqv_answer(&ns->v, p.id,
					    !(ns->o.flags & SENSOR_NFQUEUE_FAIL_CLOSED));
			continue;
		}
		emit_packet(src, ns, &p);
		n++;
	}
	if (rem > 0)
		src->stats.errors++;
	return n;
}

static int nfq_respond(struct sensor_source *src, struct sensor_event *ev,
		       enum sensor_decision d, int err)
{
	struct nfq_src *ns = src->priv;

	(void)err;
	if (!ns || !ns->verdicts_ok)
		return 0;
	return nfqv_answer(&ns->v, (uint32_t)ev->hold.data[0], d != SENSOR_DECISION_DENY);
}

/* Kernel counters of this queue: drops are losses too. */
static void check_kernel_drops(struct sensor_source *src, struct nfq_src *ns)
{
	char line[256];
	char path[64];
	FILE *f;

	if (ns->o.netns_pid)
		snprintf(path, sizeof(path), "/proc/%d/net/netfilter/nfnetlink_queue",
			 (int)ns->o.netns_pid);
	else
		snprintf(path, sizeof(path), "/proc/self/net/netfilter/nfnetlink_queue");
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		/* queue portid total copy_mode copy_range queue_dropped user_dropped id 1 */
		uint64_t col[9];
		size_t pos = 0, len = strlen(line);
		int k = 0;

		while (k < 9 && pos < len) {
			size_t start;

			while (pos < len && line[pos] == ' ')
				pos++;
			start = pos;
			while (pos < len && line[pos] != ' ' && line[pos] != '\n')
				pos++;
			if (pos == start || parse_u64(line + start, pos - start, 10, &col[k]) < 0)
				break;
			k++;
		}
		if (k >= 7 && col[0] == ns->o.queue_num) {
			uint64_t dropped = col[5] + col[6];

			if (dropped > ns->kernel_dropped)
				ctx_emit_loss(src, dropped - ns->kernel_dropped,
					      "packets the kernel dropped from the queue "
					      "(queue_dropped + user_dropped)");
			ns->kernel_dropped = dropped;
		}
	}
	fclose(f);
}

static int nfq_timer(struct sensor_source *src, uint64_t now)
{
	struct nfq_src *ns = src->priv;

	check_kernel_drops(src, ns);
	ctx_source_timer(src, now + STATS_PERIOD_NS, nfq_timer);
	return 0;
}

static int nfq_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct nfq_src *ns = src->priv;
	unsigned n = 0;
	int r = 0;

	(void)events;
	nfqv_defer(&ns->v, true);
	while (n < budget) {
		ssize_t got = recv(fd, ns->rx, RXBUF, MSG_TRUNC);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (errno == ENOBUFS) {
				/*
				 * Fail-open: a packet the kernel could not hand us was
				 * accepted unseen and is not counted anywhere, so this
				 * is "at least one"; drops it did count come from the
				 * queue's counters.
				 */
				ctx_emit_loss(src, 1,
					      "receive buffer overrun (ENOBUFS): at least one new "
					      "flow passed unseen (fail-open)");
				check_kernel_drops(src, ns);
				continue;
			}
			r = -errno;
			break;
		}
		if ((size_t)got > RXBUF) {
			src->stats.errors++;
			continue;
		}
		n += (unsigned)nfqueue_dispatch(src, ns->rx, (size_t)got);
	}
	nfqv_defer(&ns->v, false); /* answers given during the callbacks leave now, batched */
	return r < 0 ? r : (int)n;
}

/* Send one config message and wait for its ack. 0 or -errno from the kernel. */
static int config(struct nfq_src *ns, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	static uint32_t seq;
	uint64_t end = now_mono() + 2000000000ull;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	if (send(ns->fd, nlh, nlh->nlmsg_len, 0) < 0)
		return -errno;
	while (now_mono() < end) {
		struct pollfd p = { .fd = ns->fd, .events = POLLIN };
		ssize_t got;
		const struct nlmsghdr *m;
		size_t rem;

		if (poll(&p, 1, 200) <= 0)
			continue;
		got = recv(ns->fd, buf, sizeof(buf), 0);
		if (got < 0)
			return errno == EAGAIN ? 0 : -errno;
		for (m = (const void *)buf, rem = (size_t)got; nfnl_msg_ok(m, rem);
		     m = nfnl_msg_next(m, &rem)) {
			if (m->nlmsg_type == NLMSG_ERROR && m->nlmsg_seq == nlh->nlmsg_seq &&
			    m->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				return e->error;
			}
		}
	}
	return -ETIMEDOUT;
}

static int bind_queue(struct nfq_src *ns)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	uint32_t flags = NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_UID_GID;
	int r;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, ns->o.queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	r = config(ns, nlh);
	if (r < 0)
		return r;
	ns->bound = true;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, ns->o.queue_num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, COPY_RANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, ns->o.queue_maxlen);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(flags));
	return config(ns, nlh);
}

static void unbind_queue(struct nfq_src *ns)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, ns->o.queue_num);

	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
	send(ns->fd, nlh, nlh->nlmsg_len, 0);
}

static int rule(struct nfq_src *ns, const char *tool, const char *chain, const char *op)
{
	char qnum[8];
	const char *args[32];
	int n = 0;

	snprintf(qnum, sizeof(qnum), "%u", ns->o.queue_num);
	args[n++] = "-w";
	args[n++] = op;
	args[n++] = chain;
	args[n++] = "-m";
	args[n++] = "conntrack";
	args[n++] = "--ctstate";
	args[n++] = "NEW";
	if (ns->cgroup[0]) {
		args[n++] = "-m";
		args[n++] = "cgroup";
		args[n++] = "--path";
		args[n++] = ns->cgroup;
	}
	args[n++] = "-m";
	args[n++] = "comment";
	args[n++] = "--comment";
	args[n++] = ns->tag;
	args[n++] = "-j";
	args[n++] = "NFQUEUE";
	args[n++] = "--queue-num";
	args[n++] = qnum;
	args[n++] = "--queue-bypass";
	args[n] = NULL;
	return nf_run_tool(ns->nsfd, tool, args);
}

static int add_rules(struct sensor_source *src, struct nfq_src *ns)
{
	static const char *const chains[] = { "OUTPUT", "INPUT", "FORWARD" };
	static const char *const tools[] = { "iptables", "ip6tables" };

	int swept = nf_sweep_rules(ns->nsfd);

	if (swept > 0)
		ctx_log(src->ctx, SENSOR_LOG_NOTICE,
			"nfqueue: removed %d iptables rules of sensor instances that are gone", swept);
	if (nf_rule_tag(ns->tag, sizeof(ns->tag), "nfq", ns->o.queue_num) < 0)
		snprintf(ns->tag, sizeof(ns->tag), "rtsensor-nfq-%d-%u", (int)getpid(),
			 ns->o.queue_num);
	for (int t = 0; t < 2; t++) {
		if (t == 1 && (ns->o.flags & SENSOR_NFQUEUE_NO_IPV6))
			break;
		for (int c = 0; c < 3; c++) {
			int r;

			if (!(ns->o.chains & (1u << c)))
				continue;
			r = rule(ns, tools[t], chains[c], "-I");
			if (r != 0) {
				ctx_log(src->ctx, SENSOR_LOG_ERR, "nfqueue: %s -I %s failed (%d)",
					tools[t], chains[c], r);
				return r < 0 ? r : -EIO;
			}
			ns->rules[ns->nrules].tool = tools[t];
			ns->rules[ns->nrules].chain = chains[c];
			ns->nrules++;
		}
	}
	return 0;
}

static void nfq_stop(struct sensor_source *src)
{
	struct nfq_src *ns = src->priv;

	if (!ns)
		return;
	/* rules first, so nothing new is queued; then the verdicts still owed */
	for (int i = ns->nrules - 1; i >= 0; i--)
		rule(ns, ns->rules[i].tool, ns->rules[i].chain, "-D");
	if (ns->verdicts_ok) {
		nfqv_flush(&ns->v);
		nfqv_fini(&ns->v);
	}
	if (ns->fd >= 0) {
		ctx_unwatch_fd(src, ns->fd);
		if (ns->bound)
			unbind_queue(ns); /* the kernel drops what is still queued; TCP retransmits */
		close(ns->fd);
	}
	if (ns->nsfd >= 0)
		close(ns->nsfd);
	ctx_source_timer(src, SENSOR_TIME_INFINITY, NULL);
	free(ns->rx);
	free(ns);
	src->priv = NULL;
}

static int nfq_alloc(struct sensor_source *src, const void *opts, struct nfq_src **ret)
{
	struct nfq_src *ns = calloc(1, sizeof(*ns));
	int r;

	if (!ns)
		return -ENOMEM;
	ns->fd = ns->nsfd = -1;
	src->priv = ns;
	r = OPTS_COPY(&ns->o, opts, struct sensor_nfqueue_opts, rcvbuf);
	if (r < 0)
		return r;
	if (ns->o.flags & ~15u || ns->o.chains & ~7u || ns->o.netns_pid < 0)
		return -EINVAL;
	if (ns->o.cgroup) {
		if (strlen(ns->o.cgroup) >= sizeof(ns->cgroup))
			return -EINVAL;
		snprintf(ns->cgroup, sizeof(ns->cgroup), "%s", ns->o.cgroup);
		ns->o.cgroup = NULL; /* borrowed only during add */
	}
	if (!ns->o.chains)
		ns->o.chains = SENSOR_NFQUEUE_CHAIN_OUTPUT;
	if (ns->cgroup[0] && ns->o.chains != SENSOR_NFQUEUE_CHAIN_OUTPUT)
		return -EINVAL; /* the cgroup match needs a local socket */
	if (!ns->o.queue_maxlen)
		ns->o.queue_maxlen = DEFAULT_MAXLEN;
	if (!ns->o.timeout_ns)
		ns->o.timeout_ns = DEFAULT_TIMEOUT_NS;
	ns->rx = malloc(RXBUF);
	if (!ns->rx)
		return -ENOMEM;
	*ret = ns;
	return 0;
}

static int nfq_start(struct sensor_source *src, const void *opts)
{
	struct nfq_src *ns;
	char detail[192];
	int r, sz;

	r = nfq_alloc(src, opts, &ns);
	if (r < 0)
		goto fail;
	r = nf_netns_open(ns->o.netns_pid);
	if (r < 0)
		goto fail;
	ns->nsfd = r;
	r = nf_netns_inode(ns->nsfd, &ns->netns);
	if (r < 0)
		goto fail;
	r = nf_socket_in_netns(ns->o.netns_pid ? ns->nsfd : -1, AF_NETLINK,
			       SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
	if (r < 0)
		goto fail;
	ns->fd = r;
	sz = (int)(ns->o.rcvbuf ? ns->o.rcvbuf : RCVBUF);
	if (setsockopt(ns->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(ns->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	{
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

		if (bind(ns->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			r = -errno;
			goto fail;
		}
	}
	r = bind_queue(ns);
	if (r < 0)
		goto fail;
	r = nfqv_init(&ns->v, ns->fd, ns->o.queue_num, 2 * ns->o.queue_maxlen + 1024,
		      ns->o.flags & SENSOR_NFQUEUE_PER_PACKET);
	if (r < 0)
		goto fail;
	ns->verdicts_ok = true;
	check_kernel_drops(src, ns); /* baseline of the counters */
	r = ctx_watch_fd(src, ns->fd, nfq_ready);
	if (r < 0)
		goto fail;
	if (!(ns->o.flags & SENSOR_NFQUEUE_NO_RULES)) {
		r = add_rules(src, ns);
		if (r < 0)
			goto fail;
	}
	ctx_source_timer(src, now_mono() + STATS_PERIOD_NS, nfq_timer);
	snprintf(detail, sizeof(detail), "queue %u in netns %llu, %d rules (%s), fail-%s",
		 ns->o.queue_num, (unsigned long long)ns->netns, ns->nrules,
		 ns->nrules ? ns->tag : "none",
		 (ns->o.flags & SENSOR_NFQUEUE_FAIL_CLOSED) ? "closed" : "open");
	ctx_emit_status(src, "up", detail);
	return 0;
fail:
	nfq_stop(src);
	return r;
}

static int nfq_start_offline(struct sensor_source *src, const void *opts)
{
	struct nfq_src *ns;
	int r = nfq_alloc(src, opts, &ns);

	if (r < 0)
		nfq_stop(src);
	return r;
}

static const struct source_ops source_nfqueue_offline_ops = {
	.type = SENSOR_SOURCE_NFQUEUE,
	.compiled = true,
	.start = nfq_start_offline,
	.stop = nfq_stop,
	.respond = nfq_respond,
};

int nfqueue_offline_source(struct sensor_ctx *ctx, struct sensor_source **ret)
{
	return ctx_source_add_ops(ctx, &source_nfqueue_offline_ops, NULL, ret);
}

/*
 * Bind and unbind a queue nobody uses (65519), as the source would: this is
 * what needs CAP_NET_ADMIN, so it answers the privilege question truly.
 * Returns 1, or -errno from the kernel's ack.
 */
static int nfq_probe_bind(void)
{
	struct {
		struct nlmsghdr nlh;
		struct nfgenmsg nfg;
		struct nlattr nla;
		struct nfqnl_msg_config_cmd cmd;
	} __attribute__((packed)) req;
	char ack[256] __attribute__((aligned(4)));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER), r = 1;

	if (fd < 0)
		return -errno;
	for (int step = 0; step < 2 && r == 1; step++) {
		struct timeval tv = { .tv_sec = 1 };
		ssize_t n;

		memset(&req, 0, sizeof(req));
		req.nlh.nlmsg_len = sizeof(req);
		req.nlh.nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG;
		req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		req.nlh.nlmsg_seq = (uint32_t)step + 1;
		req.nfg.nfgen_family = AF_UNSPEC;
		req.nfg.version = NFNETLINK_V0;
		req.nfg.res_id = htons(65519);
		req.nla.nla_len = sizeof(req.nla) + sizeof(req.cmd);
		req.nla.nla_type = NFQA_CFG_CMD;
		req.cmd.command = step == 0 ? NFQNL_CFG_CMD_BIND : NFQNL_CFG_CMD_UNBIND;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			r = -errno;
			break;
		}
		n = recv(fd, ack, sizeof(ack), 0);
		if (n < (ssize_t)(sizeof(struct nlmsghdr) + sizeof(int))) {
			r = n < 0 ? -errno : -EPROTO;
			break;
		}
		if (((struct nlmsghdr *)ack)->nlmsg_type == NLMSG_ERROR) {
			int err = ((struct nlmsgerr *)NLMSG_DATA((struct nlmsghdr *)ack))->error;

			if (err < 0)
				r = err;
		}
	}
	close(fd);
	return r;
}

static void nfq_probe(sensor_probe_fn fn, void *ud, int *usable)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	char path[256];

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		fn(ud, SENSOR_SOURCE_NFQUEUE, "netlink", -e, 0, "NETLINK_NETFILTER unavailable");
		return;
	}
	close(fd);
	fn(ud, SENSOR_SOURCE_NFQUEUE, "netlink", 1, 0, "NETLINK_NETFILTER available");
	{
		int b = nfq_probe_bind();

		fn(ud, SENSOR_SOURCE_NFQUEUE, "queue", b, 0,
		   b == 1 ? "a queue can be bound"
		   : b == -EPERM ? "binding a queue needs CAP_NET_ADMIN (run as root)"
				 : "cannot bind a queue");
		if (b != 1)
			return;
	}
	if (access("/proc/self/net/netfilter/nfnetlink_queue", R_OK) == 0)
		fn(ud, SENSOR_SOURCE_NFQUEUE, "nfnetlink_queue", 1, SENSOR_PROBE_OPTIONAL, "nfnetlink_queue loaded");
	else
		fn(ud, SENSOR_SOURCE_NFQUEUE, "nfnetlink_queue", 0, SENSOR_PROBE_OPTIONAL,
		   "nfnetlink_queue not loaded yet (loaded on first use if available)");
	snprintf(path, sizeof(path), "/usr/sbin/iptables");
	if (access(path, X_OK) == 0 || access("/sbin/iptables", X_OK) == 0) {
		fn(ud, SENSOR_SOURCE_NFQUEUE, "iptables", 1, SENSOR_PROBE_OPTIONAL,
		   "iptables present (NFQUEUE rules are installed with it)");
		(*usable)++;
	} else {
		fn(ud, SENSOR_SOURCE_NFQUEUE, "iptables", 0, SENSOR_PROBE_OPTIONAL,
		   "iptables missing: rules cannot be installed (SENSOR_NFQUEUE_NO_RULES only)");
	}
}

const struct source_ops source_nfqueue_ops = {
	.type = SENSOR_SOURCE_NFQUEUE,
	.compiled = true,
	.start = nfq_start,
	.stop = nfq_stop,
	.respond = nfq_respond,
	.probe = nfq_probe,
};
