/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsensor — NFQUEUE packet verdicts (SENSOR_SOURCE_NFQUEUE).
 *
 * The source binds an NFQUEUE and installs, per chosen chain and family,
 *   iptables -I CHAIN -m conntrack --ctstate NEW [-m cgroup --path P]
 *            -m comment --comment rtsensor-nfq-... -j NFQUEUE --queue-num N --queue-bypass
 * so only the first packet of each new flow is queued. Every rule it adds
 * is removed when the source is removed. Because of --queue-bypass and
 * NFQA_CFG_F_FAIL_OPEN, traffic never stops when the sensor dies or the
 * queue is full: packets then pass unseen (fail-open).
 *
 * Each queued packet is a held `net` event: net.op "packet", net.proto,
 * net.family, net.src/sport/dst/dport (or net.icmp_type/code), net.queue,
 * net.mark, net.netns, process.uid/gid of the sending socket when the
 * kernel knows it (locally generated packets), net.attribution "packet".
 * Answer it with sensor_event_respond(): ALLOW accepts the packet, DENY
 * drops it (a denied TCP connect sees no answer and times out). Unanswered
 * packets get the default at the deadline (allow, unless FAIL_CLOSED).
 * Verdicts given in a row are sent as one NFQNL_MSG_VERDICT_BATCH when
 * they are contiguous and equal.
 */
#ifndef LIBSENSOR_SENSOR_NFQUEUE_H
#define LIBSENSOR_SENSOR_NFQUEUE_H

#include <stddef.h>
#include <stdint.h>

#include <libsensor/sensor-common.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sensor_nfqueue_flags {
	/* Install no rule: the caller steers packets to the queue itself. */
	SENSOR_NFQUEUE_NO_RULES = 1u << 0,
	/* Default verdict DENY at the deadline and on removal (fail-closed). */
	SENSOR_NFQUEUE_FAIL_CLOSED = 1u << 1,
	/* One verdict message per packet, never batched (benchmarks, debugging). */
	SENSOR_NFQUEUE_PER_PACKET = 1u << 2,
	/* IPv4 only (no ip6tables rule). */
	SENSOR_NFQUEUE_NO_IPV6 = 1u << 3,
};

enum sensor_nfqueue_chains {
	SENSOR_NFQUEUE_CHAIN_OUTPUT = 1u << 0, /* locally generated: connects (default) */
	SENSOR_NFQUEUE_CHAIN_INPUT = 1u << 1,  /* addressed to this host: accepts */
	SENSOR_NFQUEUE_CHAIN_FORWARD = 1u << 2,/* routed through (containers behind a bridge) */
};

struct sensor_nfqueue_opts {
	size_t sz;              /* sizeof(struct sensor_nfqueue_opts) */
	uint32_t flags;         /* enum sensor_nfqueue_flags */
	uint32_t chains;        /* enum sensor_nfqueue_chains; 0: OUTPUT */
	uint16_t queue_num;     /* NFQUEUE number */
	uint32_t queue_maxlen;  /* packets held at most; beyond, they pass (fail-open). 0: 1024 */
	uint64_t timeout_ns;    /* deadline of each packet; 0: 500 ms */
	int32_t netns_pid;      /* 0: the caller's netns; > 0: queue in the netns of that process */
	const char *cgroup;     /* OUTPUT only: queue packets of this cgroup v2 path (per-workload
				 * queue), NULL: every process. Copied during sensor_source_add(). */
	uint32_t rcvbuf;        /* socket receive buffer bytes; 0: 8 MiB */
};

/*
 * sensor_source_add(ctx, SENSOR_SOURCE_NFQUEUE, &opts, &src) errors, in
 * addition to the common ones: -EBUSY when another process holds that
 * queue number, -ESRCH when netns_pid does not exist, -EPERM without
 * CAP_NET_ADMIN, -ENOENT when iptables is missing, -EIO when iptables
 * refused a rule (kernel without xt_NFQUEUE/xt_conntrack). Several NFQUEUE
 * sources may run in one context, each with its own queue number.
 */

#ifdef __cplusplus
}
#endif

#endif
