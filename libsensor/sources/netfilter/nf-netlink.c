/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names of IP protocols, as the conntrack and NFQUEUE sources report them. */
#include <netinet/in.h>

#include "nf-netlink.h"

const char *nf_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_UDPLITE: return "udplite";
	case IPPROTO_DCCP: return "dccp";
	case IPPROTO_GRE: return "gre";
	default: return NULL;
	}
}
