/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NFQUEUE packet message and IP header decoder (see nfq-packet.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "nfq-packet.h"

static uint32_t be32_at(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, mnl_attr_get_payload(a), 4);
	return ntohl(v);
}

static int attr(const struct nlattr *a, struct nfq_pkt *out)
{
	size_t pl = mnl_attr_get_payload_len(a);
	struct nfqnl_msg_packet_hdr ph;

	switch (mnl_attr_get_type(a)) {
	case NFQA_PACKET_HDR:
		if (pl < sizeof(ph))
			return -EBADMSG;
		memcpy(&ph, mnl_attr_get_payload(a), sizeof(ph));
		out->id = ntohl(ph.packet_id);
		out->hw_protocol = ntohs(ph.hw_protocol);
		out->hook = ph.hook;
		return 0;
	case NFQA_MARK:
	case NFQA_UID:
	case NFQA_GID:
	case NFQA_IFINDEX_INDEV:
	case NFQA_IFINDEX_OUTDEV:
		if (pl < 4)
			return -EBADMSG;
		switch (mnl_attr_get_type(a)) {
		case NFQA_MARK: out->mark = be32_at(a); out->have |= NFQ_P_MARK; break;
		case NFQA_UID: out->uid = be32_at(a); out->have |= NFQ_P_UID; break;
		case NFQA_GID: out->gid = be32_at(a); out->have |= NFQ_P_GID; break;
		case NFQA_IFINDEX_INDEV: out->indev = be32_at(a); out->have |= NFQ_P_INDEV; break;
		default: out->outdev = be32_at(a); out->have |= NFQ_P_OUTDEV; break;
		}
		return 0;
	case NFQA_PAYLOAD:
		out->payload = mnl_attr_get_payload(a);
		out->payload_len = pl;
		out->have |= NFQ_P_PAYLOAD;
		return 0;
	default:
		return 0; /* timestamps, conntrack, hw address, secctx, ...: skipped */
	}
}

int nfq_packet_decode(const struct nlmsghdr *nlh, size_t len, struct nfq_pkt *out)
{
	const struct nfgenmsg *nfg;
	const struct nlattr *a;
	int rem, r;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
		return -EBADMSG;
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
		return -ENOMSG;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*nfg)))
		return -EBADMSG;
	nfg = mnl_nlmsg_get_payload(nlh);
	out->queue = ntohs(nfg->res_id);
	rem = (int)(nlh->nlmsg_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(sizeof(*nfg)));
	a = (const struct nlattr *)((const char *)nfg + MNL_ALIGN(sizeof(*nfg)));
	while (rem >= (int)sizeof(*a)) {
		if (!mnl_attr_ok(a, rem))
			return -EBADMSG;
		r = attr(a, out);
		if (r < 0)
			return r;
		rem -= (int)MNL_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + MNL_ALIGN(a->nla_len));
	}
	if (rem > 0 || !out->id)
		return -EBADMSG;
	if (out->have & NFQ_P_PAYLOAD)
		return nfq_l3_decode(out->payload, out->payload_len, out);
	return 0;
}

static void l4(const uint8_t *p, size_t len, struct nfq_pkt *out)
{
	switch (out->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		if (len < 4)
			return;
		out->sport = (uint16_t)(p[0] << 8 | p[1]);
		out->dport = (uint16_t)(p[2] << 8 | p[3]);
		out->have |= NFQ_P_PORTS;
		return;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (len < 2)
			return;
		out->icmp_type = p[0];
		out->icmp_code = p[1];
		out->have |= NFQ_P_ICMP;
		return;
	default:
		return;
	}
}

int nfq_l3_decode(const uint8_t *p, size_t len, struct nfq_pkt *out)
{
	size_t off;

	if (len < 1)
		return -EBADMSG;
	if ((p[0] >> 4) == 4) {
		size_t ihl = (size_t)(p[0] & 0x0f) * 4;
		uint16_t frag;

		if (len < 20 || ihl < 20 || ihl > len)
			return -EBADMSG;
		out->family = AF_INET;
		out->proto = p[9];
		memcpy(out->src, p + 12, 4);
		memcpy(out->dst, p + 16, 4);
		out->have |= NFQ_P_L3;
		frag = (uint16_t)((p[6] & 0x1f) << 8 | p[7]);
		if (frag == 0) /* only the first fragment carries the L4 header */
			l4(p + ihl, len - ihl, out);
		return 0;
	}
	if ((p[0] >> 4) == 6) {
		uint8_t next;

		if (len < 40)
			return -EBADMSG;
		out->family = AF_INET6;
		memcpy(out->src, p + 8, 16);
		memcpy(out->dst, p + 24, 16);
		next = p[6];
		off = 40;
		/* extension headers, bounded by the packet and by a count */
		for (int hops = 0; hops < 8; hops++) {
			if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
			    next == IPPROTO_DSTOPTS) {
				if (off + 8 > len)
					return -EBADMSG;
				next = p[off];
				off += ((size_t)p[off + 1] + 1) * 8;
			} else if (next == IPPROTO_FRAGMENT) {
				if (off + 8 > len)
					return -EBADMSG;
				if ((p[off + 2] << 8 | (p[off + 3] & 0xf8)) != 0) {
					out->proto = p[off];
					out->have |= NFQ_P_L3;
					return 0; /* not the first fragment: no ports */
				}
				next = p[off];
				off += 8;
			} else {
				break;
			}
		}
		if (off > len)
			return -EBADMSG;
		out->proto = next;
		out->have |= NFQ_P_L3;
		l4(p + off, len - off, out);
		return 0;
	}
	return -EBADMSG;
}
