/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which process owns a flow. Conntrack carries no pid, so a flow's tuple is
 * matched (1) against connect/accept/bind facts noted by another source
 * (the audit source calls ct_attrib_note(); the hook is here so flows get
 * the exact process once it runs), then (2) against the sockets of the
 * namespace (/proc/<pid>/net/{tcp,udp,tcp6,udp6}) and their owners
 * (socket:[inode] links under /proc/<pid>/fd). Both tables are snapshots
 * refreshed at most every few milliseconds, so a storm of flows costs a
 * bounded number of /proc walks.
 */
#ifndef SENSOR_SOURCES_CONNTRACK_ATTRIB_H
#define SENSOR_SOURCES_CONNTRACK_ATTRIB_H

#include <stddef.h>
#include <stdint.h>

#include "ctnetlink-decode.h"

struct ct_attrib;

/* A socket as /proc/net/{tcp,udp}[6] lists it. */
struct ct_sock {
	uint8_t family, proto;
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint8_t state;
	uint64_t inode;
};

enum ct_attrib_how {
	CT_ATTRIB_NONE = 0,
	CT_ATTRIB_SOCKET = 1, /* a socket of the process matches the tuple */
	CT_ATTRIB_AUDIT = 2,  /* noted from an audit connect/accept/bind */
};

/*
 * Attribution for the netns of netns_pid (0: the caller's). proc_root is
 * "/proc" except in tests. 0 and *ret, -ENOMEM.
 */
int ct_attrib_new(const char *proc_root, int32_t netns_pid, struct ct_attrib **ret);
void ct_attrib_free(struct ct_attrib *a);

/*
 * Owner of the flow with original tuple t: returns the pid (> 0) and
 * writes *how, or 0 (*how = CT_ATTRIB_NONE) when no process could be found
 * (gone already, ICMP, kernel-generated, another namespace). now is
 * CLOCK_MONOTONIC ns.
 */
int32_t ct_attrib_lookup(struct ct_attrib *a, const struct ct_tuple *t, uint64_t now);
enum ct_attrib_how ct_attrib_last_how(const struct ct_attrib *a);

/*
 * Facts from the audit source (fed by the conntrack source's correlation
 * stage, which sees audit `connect` events in the pipeline): pid connected
 * from laddr:lport to raddr:rport; laddr NULL and lport 0 when unknown
 * (audit names only the peer). Kept in a small ring of recent facts
 * consulted before /proc.
 */
void ct_attrib_note(struct ct_attrib *a, uint8_t family, uint8_t proto, const uint8_t *laddr,
		    uint16_t lport, const uint8_t *raddr, uint16_t rport, int32_t pid);

/* Only the noted facts (no /proc): for flows whose process may be gone. 0: none. */
int32_t ct_attrib_noted(const struct ct_attrib *a, const struct ct_tuple *t);

/*
 * Parse one line of /proc/net/{tcp,udp}[6] (text of len bytes, no NUL
 * needed). Returns 0 and fills *out, -EINVAL for the header or a malformed
 * line. Bounded; exposed for tests and fuzzing.
 */
int ct_sock_parse_line(const char *line, size_t len, uint8_t family, uint8_t proto,
		       struct ct_sock *out);

#endif
