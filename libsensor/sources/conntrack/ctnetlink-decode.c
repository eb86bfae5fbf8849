/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctnetlink message decoder. Every attribute is checked with libmnl's
 * bounded iterator; a nest that does not end exactly where its attributes
 * end, or a fixed-size attribute shorter than its type, rejects the whole
 * message (-EBADMSG): a partial flow is never reported as a whole one.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ctnetlink-decode.h"

/*
 * Walk the attributes in [payload, payload+len). Returns 0 when they fill it
 * exactly (up to alignment padding), -EBADMSG otherwise. cb returns 0 or
 * -EBADMSG.
 */
typedef int (*attr_cb)(const struct nlattr *a, void *data);

static int walk(const void *payload, size_t len, attr_cb cb, void *data)
{
	const struct nlattr *a = payload;
	int rem = (int)len, r;

	if (len > INT32_MAX)
		return -EBADMSG;
	while (rem >= (int)sizeof(struct nlattr)) {
		if (!mnl_attr_ok(a, rem))
			return -EBADMSG;
		r = cb(a, data);
		if (r < 0)
			return r;
		rem -= (int)MNL_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + MNL_ALIGN(a->nla_len));
	}
	/* leftover bytes that cannot hold an attribute: truncated */
	return rem > 0 ? -EBADMSG : 0;
}

static int walk_nest(const struct nlattr *nest, attr_cb cb, void *data)
{
	return walk(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), cb, data);
}

static bool plen_ok(const struct nlattr *a, size_t want)
{
	return mnl_attr_get_payload_len(a) >= want;
}

static uint16_t get_be16(const struct nlattr *a)
{
	uint16_t v;

	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return ntohs(v);
}

static uint32_t get_be32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return ntohl(v);
}

static uint64_t get_be64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return be64toh(v);
}

static uint8_t get_u8(const struct nlattr *a)
{
	return *(const uint8_t *)mnl_attr_get_payload(a);
}

#define NEED(a, n)                          \
	do {                                \
		if (!plen_ok((a), (n)))     \
			return -EBADMSG;    \
	} while (0)

struct tuple_ctx {
	struct ct_tuple *t;
	uint32_t *unknown;
};

static int ip_cb(const struct nlattr *a, void *data)
{
	struct tuple_ctx *c = data;
	struct ct_tuple *t = c->t;

	switch (mnl_attr_get_type(a)) {
	case CTA_IP_V4_SRC:
	case CTA_IP_V4_DST:
		NEED(a, 4);
		memcpy(mnl_attr_get_type(a) == CTA_IP_V4_SRC ? t->src : t->dst,
		       mnl_attr_get_payload(a), 4);
		t->family = AF_INET;
		t->have |= mnl_attr_get_type(a) == CTA_IP_V4_SRC ? CT_T_SRC : CT_T_DST;
		break;
	case CTA_IP_V6_SRC:
	case CTA_IP_V6_DST:
		NEED(a, 16);
		memcpy(mnl_attr_get_type(a) == CTA_IP_V6_SRC ? t->src : t->dst,
		       mnl_attr_get_payload(a), 16);
		t->family = AF_INET6;
		t->have |= mnl_attr_get_type(a) == CTA_IP_V6_SRC ? CT_T_SRC : CT_T_DST;
		break;
	default:
		(*c->unknown)++;
		break;
	}
	return 0;
}

static int proto_cb(const struct nlattr *a, void *data)
{
	struct tuple_ctx *c = data;
	struct ct_tuple *t = c->t;

	switch (mnl_attr_get_type(a)) {
	case CTA_PROTO_NUM:
		NEED(a, 1);
		t->proto = get_u8(a);
		t->have |= CT_T_PROTO;
		break;
	case CTA_PROTO_SRC_PORT:
		NEED(a, 2);
		t->sport = get_be16(a);
		t->have |= CT_T_PORTS;
		break;
	case CTA_PROTO_DST_PORT:
		NEED(a, 2);
		t->dport = get_be16(a);
		t->have |= CT_T_PORTS;
		break;
	case CTA_PROTO_ICMP_ID:
	case CTA_PROTO_ICMPV6_ID:
		NEED(a, 2);
		t->icmp_id = get_be16(a);
		t->have |= CT_T_ICMP;
		break;
	case CTA_PROTO_ICMP_TYPE:
	case CTA_PROTO_ICMPV6_TYPE:
		NEED(a, 1);
		t->icmp_type = get_u8(a);
		t->have |= CT_T_ICMP;
		break;
	case CTA_PROTO_ICMP_CODE:
	case CTA_PROTO_ICMPV6_CODE:
		NEED(a, 1);
		t->icmp_code = get_u8(a);
		t->have |= CT_T_ICMP;
		break;
	default:
		(*c->unknown)++;
		break;
	}
	return 0;
}

static int tuple_cb(const struct nlattr *a, void *data)
{
	struct tuple_ctx *c = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_TUPLE_IP:
		return walk_nest(a, ip_cb, c);
	case CTA_TUPLE_PROTO:
		return walk_nest(a, proto_cb, c);
	case CTA_TUPLE_ZONE:
		NEED(a, 2);
		c->t->zone = get_be16(a);
		c->t->have |= CT_T_ZONE;
		return 0;
	default:
		(*c->unknown)++;
		return 0;
	}
}

static int tcp_cb(const struct nlattr *a, void *data)
{
	struct ct_flow *f = data;

	if (mnl_attr_get_type(a) == CTA_PROTOINFO_TCP_STATE) {
		NEED(a, 1);
		f->tcp_state = get_u8(a);
		f->have |= CT_F_TCP_STATE;
	}
	return 0; /* window scale and flags: not reported */
}

static int sctp_cb(const struct nlattr *a, void *data)
{
	struct ct_flow *f = data;

	if (mnl_attr_get_type(a) == CTA_PROTOINFO_SCTP_STATE) {
		NEED(a, 1);
		f->sctp_state = get_u8(a);
		f->have |= CT_F_SCTP_STATE;
	}
	return 0;
}

static int protoinfo_cb(const struct nlattr *a, void *data)
{
	struct ct_flow *f = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_PROTOINFO_TCP:
		return walk_nest(a, tcp_cb, f);
	case CTA_PROTOINFO_SCTP:
		return walk_nest(a, sctp_cb, f);
	default:
		f->unknown++;
		return 0;
	}
}

struct counter_ctx {
	struct ct_flow *f;
	int dir;
};

static int counters_cb(const struct nlattr *a, void *data)
{
	struct counter_ctx *c = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_COUNTERS_PACKETS:
		NEED(a, 8);
		c->f->packets[c->dir] = get_be64(a);
		break;
	case CTA_COUNTERS_BYTES:
		NEED(a, 8);
		c->f->bytes[c->dir] = get_be64(a);
		break;
	case CTA_COUNTERS32_PACKETS:
		NEED(a, 4);
		c->f->packets[c->dir] = get_be32(a);
		break;
	case CTA_COUNTERS32_BYTES:
		NEED(a, 4);
		c->f->bytes[c->dir] = get_be32(a);
		break;
	default:
		break; /* padding */
	}
	return 0;
}

static int tstamp_cb(const struct nlattr *a, void *data)
{
	struct ct_flow *f = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_TIMESTAMP_START:
		NEED(a, 8);
		f->ts_start = get_be64(a);
		f->have |= CT_F_TS_START;
		break;
	case CTA_TIMESTAMP_STOP:
		NEED(a, 8);
		f->ts_stop = get_be64(a);
		f->have |= CT_F_TS_STOP;
		break;
	default:
		break;
	}
	return 0;
}

static int top_cb(const struct nlattr *a, void *data)
{
	struct ct_flow *f = data;
	struct tuple_ctx tc = { .unknown = &f->unknown };
	struct counter_ctx cc = { .f = f };
	int r;

	switch (mnl_attr_get_type(a)) {
	case CTA_TUPLE_ORIG:
	case CTA_TUPLE_REPLY:
		tc.t = mnl_attr_get_type(a) == CTA_TUPLE_ORIG ? &f->orig : &f->reply;
		r = walk_nest(a, tuple_cb, &tc);
		if (r == 0)
			f->have |= mnl_attr_get_type(a) == CTA_TUPLE_ORIG ? CT_F_ORIG : CT_F_REPLY;
		return r;
	case CTA_STATUS:
		NEED(a, 4);
		f->status = get_be32(a);
		f->have |= CT_F_STATUS;
		return 0;
	case CTA_PROTOINFO:
		return walk_nest(a, protoinfo_cb, f);
	case CTA_TIMEOUT:
		NEED(a, 4);
		f->timeout = get_be32(a);
		f->have |= CT_F_TIMEOUT;
		return 0;
	case CTA_MARK:
		NEED(a, 4);
		f->mark = get_be32(a);
		f->have |= CT_F_MARK;
		return 0;
	case CTA_COUNTERS_ORIG:
	case CTA_COUNTERS_REPLY:
		cc.dir = mnl_attr_get_type(a) == CTA_COUNTERS_ORIG ? 0 : 1;
		r = walk_nest(a, counters_cb, &cc);
		if (r == 0)
			f->have |= cc.dir ? CT_F_COUNTERS_REPLY : CT_F_COUNTERS_ORIG;
		return r;
	case CTA_USE:
		NEED(a, 4);
		f->use = get_be32(a);
		f->have |= CT_F_USE;
		return 0;
	case CTA_ID:
		NEED(a, 4);
		f->id = get_be32(a);
		f->have |= CT_F_ID;
		return 0;
	case CTA_ZONE:
		NEED(a, 2);
		f->zone = get_be16(a);
		f->have |= CT_F_ZONE;
		return 0;
	case CTA_TIMESTAMP:
		return walk_nest(a, tstamp_cb, f);
	default:
		f->unknown++; /* helper, NAT, seq adj, labels, secctx, ...: skipped */
		return 0;
	}
}

int ctnl_decode(const struct nlmsghdr *nlh, size_t len, struct ct_flow *out)
{
	const struct nfgenmsg *nfg;
	uint16_t subsys, msg;
	int r;

	if (!nlh || len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
		return -EBADMSG;
	subsys = NFNL_SUBSYS_ID(nlh->nlmsg_type);
	msg = NFNL_MSG_TYPE(nlh->nlmsg_type);
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE || subsys != NFNL_SUBSYS_CTNETLINK ||
	    (msg != IPCTNL_MSG_CT_NEW && msg != IPCTNL_MSG_CT_DELETE))
		return -ENOMSG;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*nfg))
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	nfg = mnl_nlmsg_get_payload(nlh);
	out->nl_type = nlh->nlmsg_type;
	out->nl_flags = nlh->nlmsg_flags;
	out->nl_seq = nlh->nlmsg_seq;
	out->nfgen_family = nfg->nfgen_family;
	out->res_id = ntohs(nfg->res_id);
	if (msg == IPCTNL_MSG_CT_DELETE)
		out->op = CT_OP_DESTROY;
	else if (nlh->nlmsg_flags & NLM_F_CREATE)
		out->op = CT_OP_NEW;
	else if (nlh->nlmsg_flags & NLM_F_MULTI)
		out->op = CT_OP_DUMP;
	else
		out->op = CT_OP_UPDATE;
	r = walk((const char *)nfg + MNL_ALIGN(sizeof(*nfg)),
		 nlh->nlmsg_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(sizeof(*nfg)), top_cb, out);
	return r;
}

bool ctnl_flow_complete(const struct ct_flow *f)
{
	const uint32_t need = CT_T_SRC | CT_T_DST | CT_T_PROTO;

	return (f->have & CT_F_ORIG) && (f->orig.have & need) == need;
}

const char *ctnl_tcp_state_name(uint8_t s)
{
	static const char *const names[] = {
		"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
		"LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : NULL;
}

const char *ctnl_sctp_state_name(uint8_t s)
{
	static const char *const names[] = {
		"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
		"SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : NULL;
}

const char *ctnl_op_name(enum ct_op op)
{
	switch (op) {
	case CT_OP_NEW: return "flow_new";
	case CT_OP_UPDATE: return "flow_update";
	case CT_OP_DESTROY: return "flow_end";
	case CT_OP_DUMP: return "flow_existing";
	default: return NULL;
	}
}
