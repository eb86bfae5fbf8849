/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the seccomp source: one source, many notification channels (one
 * per fd: a spawned child's filter, or a container's from the agent).
 */
#ifndef SENSOR_SOURCES_SECCOMP_SOURCE_H
#define SENSOR_SOURCES_SECCOMP_SOURCE_H

#include <linux/filter.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "core/context.h"
#include "oci-state.h"

struct sc_agent;
struct scf_names;

/* The thread group of a recent request from a thread that leads none. */
struct sc_tid {
	int32_t tid, tgid;
};
#define SC_TID_SLOTS 64

/*
 * A notification fd. Held events keep it open, so respond() never sees a
 * closed fd: it is freed once the source released it and every event held
 * on it was answered. Counted without an atomic read-modify-write per
 * event: `held` is written by the loop thread alone (before the event is
 * published), `answered` and `released` under the context's pending lock,
 * where respond() runs.
 */
struct sc_chan {
	atomic_uint held;
	unsigned answered;
	bool released;
	int fd;
	size_t resp_sz;        /* kernel's struct seccomp_notif_resp size, >= ours */
	struct oci_state *ct;  /* the container, NULL for a spawned child or an adopted fd */
	pid_t child;           /* spawned child, 0 otherwise */
	bool burst;            /* the last poll() found a request queued */
	uint64_t last_ready;   /* CLOCK_MONOTONIC ns of the last readiness */
	struct sc_chan *next;
};

struct sc_src {
	uint32_t flags;
	uint64_t timeout_ns;
	int default_errno;
	struct sock_fprog prog;      /* the filter spawned children load */
	size_t notif_sz, resp_sz;    /* from SECCOMP_GET_NOTIF_SIZES */
	void *req;                   /* receive buffer, notif_sz bytes */
	bool sync_wakeup;            /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP accepted */
	struct scf_names *names;
	struct sc_chan *chans;
	struct sc_agent *agents;
	uint64_t vanished;           /* targets gone before we could hold them */
	struct sc_tid tids[SC_TID_SLOTS]; /* by tid % SC_TID_SLOTS */
};

/* The source's private state, or NULL when src is not a live seccomp source. */
struct sc_src *sc_src_of(struct sensor_source *src);

/*
 * Serve fd (owned from now on, closed on failure). ct (may be NULL) is the
 * container the fd belongs to, owned from now on. 0 or -errno.
 */
int sc_chan_add(struct sensor_source *src, int fd, struct oci_state *ct, pid_t child);

/* The agent sockets of a source (seccomp-agent.c). opts may be NULL. */
struct sensor_seccomp_agent_opts;
int sc_agent_add(struct sensor_source *src, const char *path,
		 const struct sensor_seccomp_agent_opts *opts);
/* 0 when fd is a seccomp notification fd (an anon inode "seccomp notify"), else -ENOTTY or -errno. */
int sc_fd_is_listener(int fd);
void sc_agents_stop(struct sensor_source *src);

#endif
