/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsensor — conntrack flow source (SENSOR_SOURCE_CONNTRACK).
 *
 * Flows of one network namespace as `net` events: net.op is "flow_new",
 * "flow_update", "flow_end", or "flow_existing" for flows found by the
 * dump taken at start and after every resync. Each carries the original
 * tuple (net.src/sport/dst/dport, or net.icmp_type/code), the reply tuple
 * (net.reply_*), net.proto, net.family, net.state (TCP/SCTP state),
 * net.status, net.zone, net.mark, net.flow_id, net.timeout, counters
 * (net.bytes/packets and net.reply_bytes/packets, when nf_conntrack_acct
 * is on), net.start/stop (when nf_conntrack_timestamp is on) and
 * net.netns, the inode of the namespace. net.attribution says how
 * process.pid was found ("socket": a socket of that process matches the
 * tuple) or "none" when the flow could not be attributed.
 *
 * Add one source per namespace: the caller's own (netns_pid = 0) and, on
 * request, a workload's (netns_pid = a process inside it).
 * A receive-buffer overrun (ENOBUFS) becomes a `loss` event and a resync
 * by dump; nothing is dropped silently.
 */
#ifndef LIBSENSOR_SENSOR_CONNTRACK_H
#define LIBSENSOR_SENSOR_CONNTRACK_H

#include <stddef.h>
#include <stdint.h>

#include <libsensor/sensor-common.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sensor_conntrack_flags {
	/* Do not dump the flows that exist at start (and after a resync). */
	SENSOR_CONNTRACK_NO_DUMP = 1u << 0,
	/*
	 * Recent kernels track nothing in a netns until a rule needs
	 * conntrack. With this flag, when the namespace tracks no flow, the
	 * source adds one counting rule per family that needs it
	 * (`-m conntrack --ctstate NEW` in filter OUTPUT and INPUT, tagged
	 * with a comment) and removes it when the source is removed.
	 */
	SENSOR_CONNTRACK_ENABLE_TRACKING = 1u << 1,
	/* Do not look for the process of each flow (cheaper: no /proc walks). */
	SENSOR_CONNTRACK_NO_ATTRIBUTION = 1u << 2,
};

enum sensor_conntrack_events {
	SENSOR_CONNTRACK_EV_NEW = 1u << 0,
	SENSOR_CONNTRACK_EV_UPDATE = 1u << 1,
	SENSOR_CONNTRACK_EV_DESTROY = 1u << 2,
	SENSOR_CONNTRACK_EV_ALL = 7u,
};

struct sensor_conntrack_opts {
	size_t sz;          /* sizeof(struct sensor_conntrack_opts) */
	uint32_t flags;     /* enum sensor_conntrack_flags */
	uint32_t events;    /* enum sensor_conntrack_events; 0: all */
	uint32_t rcvbuf;    /* socket receive buffer bytes; 0: 16 MiB */
	int32_t netns_pid;  /* 0: the caller's netns; > 0: the netns of that process */
};

/*
 * sensor_source_add(ctx, SENSOR_SOURCE_CONNTRACK, &opts, &src) errors, in
 * addition to the common ones: -ESRCH when netns_pid does not exist,
 * -EPERM without CAP_NET_ADMIN, -EOPNOTSUPP without nf_conntrack_netlink,
 * -ENOENT when ENABLE_TRACKING needs iptables and it is not installed.
 * Several conntrack sources may run in one context (one per namespace).
 */

#ifdef __cplusplus
}
#endif

#endif
