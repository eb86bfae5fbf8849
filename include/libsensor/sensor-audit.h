/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsensor — the Linux audit source (SENSOR_SOURCE_AUDIT).
 *
 * Live: records arrive over NETLINK_AUDIT, on the read-only multicast
 * group by default (auditd keeps working beside the sensor) or, with
 * SENSOR_AUDIT_DAEMON, as the registered audit daemon when none is. The
 * source installs its own rules (a default set for a container/host
 * sensor, plus an optional auditctl-syntax file), each tagged with a key
 * unique to this instance ("rtsensor-<boot id 8>-<pidns>-<pid>"); removing the
 * source removes exactly those rules and restores what it changed
 * (enabled flag, backlog limit, daemon registration). Stale rules of a
 * killed instance (same key prefix, pid gone) are swept at start; rules
 * with other keys are never touched and immutable mode is never set.
 *
 * Offline: the same parser, reassembler and normaliser over text records
 * (audit.log lines or netlink payloads), with no /proc enrichment.
 */
#ifndef LIBSENSOR_SENSOR_AUDIT_H
#define LIBSENSOR_SENSOR_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <libsensor/sensor-context.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sensor_audit_flags {
	/* Register as the audit daemon when none is (records stop going to the
	 * kernel log); unregister at removal. -EBUSY when a daemon runs. As
	 * for auditd, a reader that falls behind makes audited tasks wait for
	 * backlog room (backlog_wait_time) instead of losing records. */
	SENSOR_AUDIT_DAEMON = 1u << 0,
	/* Install no default rules (only the rules file, if any). */
	SENSOR_AUDIT_NO_DEFAULT_RULES = 1u << 1,
	/* Leave the kernel's enabled flag alone (default: enable when it is 0,
	 * restore 0 at removal). */
	SENSOR_AUDIT_NO_ENABLE = 1u << 2,
	/* No kernel at all: records come only from sensor_audit_feed(). */
	SENSOR_AUDIT_OFFLINE = 1u << 3,
	/* Default rules without connect, accept, accept4 and bind (listen
	 * stays): the conntrack source sees the TCP and UDP flows these
	 * would report, and every audited connect and accept costs the
	 * workload a record (1.5x on a loopback connect loop). Not seen
	 * then: failed connects, connects and binds of non-IP sockets (unix),
	 * and the process of a flow when it is gone before its socket is
	 * looked up. */
	SENSOR_AUDIT_NO_NET_RULES = 1u << 4,
};

struct sensor_audit_opts {
	size_t sz;              /* sizeof(struct sensor_audit_opts) */
	uint32_t flags;         /* enum sensor_audit_flags */
	uint32_t rcvbuf;        /* receive buffer bytes; 0: 16 MiB */
	uint64_t timeout_ns;    /* reassembly timeout for events without EOE;
				   0: 2 s live, no time-based completion offline */
	const char *rules_file; /* extra rules, auditctl syntax (-a/-A, -S, -F, -w, -p, -k); NULL: none */
	uint32_t backlog_limit; /* raise the kernel backlog limit to this while running; 0: 8192; restored */
};

enum sensor_audit_feed_flags {
	/* The input ended: complete every event in flight, count open serial gaps as lost. */
	SENSOR_AUDIT_FEED_END = 1u << 0,
};

/*
 * Feed audit text to an offline audit source (or a live one, for tests):
 * any number of records, one per line, in log form ("type=T msg=audit(...): ...",
 * optional node=, optional enriched suffix after 0x1D) or as bare netlink
 * payloads ("audit(...): ...", record type unknown). A line
 * cut at the end of buf is kept until the next call. Events are emitted
 * to the context's sink during the call.
 * Returns the number of events emitted (>= 0), -EINVAL on bad arguments,
 * unknown flags or a source of another type, -ESTALE when the source is
 * being removed, -ENOMEM. Malformed lines are skipped and counted in the
 * source's `errors`; a line longer than 64 KiB is refused the same way.
 */
SENSOR_EXPORT int sensor_audit_feed(sensor_source *src, const char *buf, size_t len,
				    uint32_t flags);

/*
 * One-shot replay: add an offline audit source to ctx, feed the whole of
 * buf with SENSOR_AUDIT_FEED_END, remove it. Emits exactly what live mode
 * would for the same records (without /proc enrichment). flags: none
 * defined yet, must be 0.
 * Returns events emitted (>= 0), -EOPNOTSUPP when the audit source is not
 * compiled in, or -errno as sensor_audit_feed().
 */
SENSOR_EXPORT int sensor_audit_replay(sensor_ctx *ctx, const char *buf, size_t len, uint32_t flags);

/*
 * The rule key of this process's first live audit source
 * ("rtsensor-<bootid8>-<pid namespace inode>-<pid>"; later ones add "-<n>").
 * Writes at most len bytes with a NUL. Returns the length, -ENOSPC when
 * len is too small, or -errno reading the boot id.
 */
SENSOR_EXPORT int sensor_audit_rule_key(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
