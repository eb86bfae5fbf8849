/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Netlink decoding shared by the conntrack and NFQUEUE sources: the bounded
 * message walk over a datagram and the names of IP protocols. Here, not in
 * conntrack/, so that NFQUEUE builds and links without conntrack
 * (architecture §2: one source's folder does not include another's).
 * Pure: no context, no allocation, no I/O.
 */
#ifndef SENSOR_SOURCES_NF_NETLINK_H
#define SENSOR_SOURCES_NF_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

/*
 * Message walk over a datagram of len bytes. Unlike mnl_nlmsg_ok(), which
 * casts nlmsg_len to int, a length of 2 GiB or more is rejected instead of
 * passing as negative.
 */
static inline bool nfnl_msg_ok(const struct nlmsghdr *nlh, size_t len)
{
	return len >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) && nlh->nlmsg_len <= len;
}

/* Next message; *len shrinks (to 0 past the end). Only after nfnl_msg_ok(). */
static inline const struct nlmsghdr *nfnl_msg_next(const struct nlmsghdr *nlh, size_t *len)
{
	size_t step = NLMSG_ALIGN(nlh->nlmsg_len);

	step = step > *len ? *len : step;
	*len -= step;
	return (const struct nlmsghdr *)((const char *)nlh + step);
}

/* "tcp", "udp", "icmp", "icmpv6", "sctp", "udplite", "dccp", "gre"; NULL for other numbers. */
const char *nf_proto_name(uint8_t proto);

#endif
