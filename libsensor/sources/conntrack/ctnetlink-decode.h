/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bounded decoder of ctnetlink conntrack messages (NFNL_SUBSYS_CTNETLINK,
 * IPCTNL_MSG_CT_NEW / _DELETE): events, dump replies and requests alike.
 * Pure: no context, no allocation, no I/O; split out for tests and fuzzing.
 */
#ifndef SENSOR_SOURCES_CTNETLINK_DECODE_H
#define SENSOR_SOURCES_CTNETLINK_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "sources/netfilter/nf-netlink.h"

/* What a tuple carries (struct ct_tuple.have). */
enum {
	CT_T_SRC = 1u << 0,
	CT_T_DST = 1u << 1,
	CT_T_PROTO = 1u << 2,
	CT_T_PORTS = 1u << 3, /* sport/dport (tcp, udp, sctp, udplite, dccp) */
	CT_T_ICMP = 1u << 4,  /* icmp_type/code/id (icmp or icmpv6) */
	CT_T_ZONE = 1u << 5,
};

struct ct_tuple {
	uint32_t have;
	uint8_t family; /* AF_INET or AF_INET6 (from the address attributes) */
	uint8_t proto;  /* IPPROTO_* */
	uint8_t icmp_type, icmp_code;
	uint16_t sport, dport; /* host order */
	uint16_t icmp_id;
	uint16_t zone;
	uint8_t src[16], dst[16]; /* network order; 4 bytes used for AF_INET */
};

/* What a flow carries (struct ct_flow.have). */
enum {
	CT_F_ORIG = 1u << 0,
	CT_F_REPLY = 1u << 1,
	CT_F_STATUS = 1u << 2,
	CT_F_TIMEOUT = 1u << 3,
	CT_F_MARK = 1u << 4,
	CT_F_ID = 1u << 5,
	CT_F_ZONE = 1u << 6,
	CT_F_TCP_STATE = 1u << 7,
	CT_F_SCTP_STATE = 1u << 8,
	CT_F_COUNTERS_ORIG = 1u << 9,
	CT_F_COUNTERS_REPLY = 1u << 10,
	CT_F_TS_START = 1u << 11,
	CT_F_TS_STOP = 1u << 12,
	CT_F_USE = 1u << 13,
};

enum ct_op {
	CT_OP_NEW = 1,     /* event: flow created (NLM_F_CREATE) */
	CT_OP_UPDATE = 2,  /* event: state/status change, or a request */
	CT_OP_DESTROY = 3, /* event: flow gone (IPCTNL_MSG_CT_DELETE) */
	CT_OP_DUMP = 4,    /* a dump reply (NLM_F_MULTI): flow that already exists */
};

struct ct_flow {
	enum ct_op op;
	uint16_t nl_type, nl_flags;
	uint32_t nl_seq;
	uint8_t nfgen_family;
	uint16_t res_id; /* host order */
	uint32_t have;
	uint32_t unknown; /* attributes skipped because this decoder does not know them */
	struct ct_tuple orig, reply;
	uint32_t status, timeout, mark, id, use;
	uint16_t zone;
	uint8_t tcp_state, sctp_state;
	uint64_t packets[2], bytes[2]; /* [0] original, [1] reply direction */
	uint64_t ts_start, ts_stop;    /* CLOCK_REALTIME ns (nf_conntrack_timestamp=1) */
};

/* The message walk (nfnl_msg_ok/nfnl_msg_next) and nf_proto_name() are in
 * sources/netfilter/nf-netlink.h, shared with the NFQUEUE source. */

/*
 * Decode one netlink message of at most `len` bytes (nlh->nlmsg_len must
 * fit). Unknown attributes are skipped and counted.
 * Returns 0 and fills *out; -ENOMSG when it is not a ctnetlink conntrack
 * message (other subsystem, expectation, error, done); -EBADMSG when the
 * message or one of its attributes is truncated or malformed.
 */
int ctnl_decode(const struct nlmsghdr *nlh, size_t len, struct ct_flow *out);

/* True when the flow has an original tuple complete enough to report. */
bool ctnl_flow_complete(const struct ct_flow *f);

/* TCP conntrack state ("ESTABLISHED", ...) or NULL. */
const char *ctnl_tcp_state_name(uint8_t state);
/* SCTP conntrack state or NULL. */
const char *ctnl_sctp_state_name(uint8_t state);
/* "flow_new", "flow_update", "flow_end", "flow_existing". */
const char *ctnl_op_name(enum ct_op op);

#endif
