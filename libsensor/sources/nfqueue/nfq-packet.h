/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bounded decoder of NFQUEUE packet messages (NFQNL_MSG_PACKET) and of the
 * IPv4/IPv6 + L4 headers they carry. Pure; split out for tests and fuzzing.
 */
#ifndef SENSOR_SOURCES_NFQ_PACKET_H
#define SENSOR_SOURCES_NFQ_PACKET_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	NFQ_P_MARK = 1u << 0,
	NFQ_P_UID = 1u << 1,
	NFQ_P_GID = 1u << 2,
	NFQ_P_PAYLOAD = 1u << 3,
	NFQ_P_INDEV = 1u << 4,
	NFQ_P_OUTDEV = 1u << 5,
	NFQ_P_PORTS = 1u << 6,
	NFQ_P_ICMP = 1u << 7,
	NFQ_P_L3 = 1u << 8, /* family, proto, addresses decoded */
};

struct nfq_pkt {
	uint32_t have;
	uint32_t id;
	uint16_t queue;       /* res_id of the message */
	uint16_t hw_protocol; /* ETH_P_IP / ETH_P_IPV6, host order */
	uint8_t hook;
	uint32_t mark, uid, gid, indev, outdev;
	const uint8_t *payload; /* points into the message */
	size_t payload_len;
	/* from the payload */
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t icmp_type, icmp_code;
};

/*
 * Decode one message of at most len bytes. Returns 0, -ENOMSG for other
 * messages (not a queued packet), -EBADMSG when truncated or malformed
 * (a packet id is still filled in when the header was readable, so the
 * caller can give it a verdict: check out->id != 0).
 */
int nfq_packet_decode(const struct nlmsghdr *nlh, size_t len, struct nfq_pkt *out);

/*
 * Parse the IP and L4 headers of p[0..len) into out (family, proto,
 * addresses, ports or ICMP type/code). Returns 0 or -EBADMSG.
 */
int nfq_l3_decode(const uint8_t *p, size_t len, struct nfq_pkt *out);

#endif
