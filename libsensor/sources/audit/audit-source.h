/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* State shared by the live audit source and its offline feed. */
#ifndef SENSOR_AUDIT_SOURCE_H
#define SENSOR_AUDIT_SOURCE_H

#include <libsensor/sensor-audit.h>

#include "audit-normalize.h"
#include "audit-reasm.h"
#include "audit-rules.h"
#include "core/context.h"

struct audit_src {
	struct sensor_source *src;
	struct sensor_audit_opts o;
	int fd;  /* records: multicast group or daemon unicast; -1 offline */
	int ctl; /* libaudit control socket: status, rules; -1 offline */
	struct audit_reasm *ra;
	struct audit_norm norm;
	char key[AUDIT_KEY_MAX];
	uint64_t emitted;        /* events handed on (feed's return value) */
	uint64_t unmapped;       /* assembled events with no unified form */
	uint64_t own;            /* the sensor's own rule changes and syscalls, not events */
	bool overrun;            /* ENOBUFS since the last loss report */
	uint64_t prepaid;        /* losses reported at an overrun before its gaps were seen */
	bool rules_added, set_enabled, set_backlog, set_daemon;
	bool exec_primary; /* counted in ctx->exec_primary */
	uint32_t old_backlog;
	bool have_lost;
	uint32_t kernel_lost;
	uint64_t next_status;    /* CLOCK_MONOTONIC ns of the next status poll */
	/* offline: a line cut at the end of a feed */
	char *partial;
	size_t plen, pcap;
	/* live: recvmmsg batch */
	struct mmsghdr *msgs;
	struct iovec *iov;
	char *bufs;
};

/* Reassembler callbacks (source-audit.c): normalise and emit, count losses. */
void audit_src_on_event(void *ud, const struct audit_event *e);
void audit_src_on_lost(void *ud, uint64_t n);

extern const struct source_ops source_audit_ops;

#endif
