/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The enforcer (architecture §7, docs/enforce.md): what an enforcing instance
 * needs turned on (permission marks on its container's root mount), the
 * content identity of what an instance runs while it learns, and the
 * answer to each held event of an enforcing instance.
 */
#ifndef SENSOR_BASELINE_ENFORCE_H
#define SENSOR_BASELINE_ENFORCE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/content-id.h"

struct sensor_baseline;
struct sensor_event;
struct feat_set;

#define ENF_MNT_PER_WL 32

struct enf_wl {
	uint64_t mnt[ENF_MNT_PER_WL]; /* mounts marked for this instance (mount ids) */
	uint8_t nmnt;
	/* network (enforce-net.c): queues in the container's netns */
	struct sensor_source *nfq_out, *nfq_in;
	uint64_t netns;  /* inode of the netns they queue in */
	int32_t net_pid; /* the process whose netns it is (checked for its end) */
	bool net_failed; /* could not start: logged once */
};

struct enforcer {
	struct sensor_source *fan; /* permission group on enforcing containers' root mounts */
	bool fan_failed;           /* could not start: logged once, exec/file enforcement off */
	uint64_t self_root_mnt;    /* our own root's mount id: never marked */
	uint64_t self_mntns;       /* our mount namespace inode */
	uint64_t init_root_mnt, init_mntns; /* the host's (pid 1's): never marked */
	struct enf_wl *wl;         /* per instance index */
	uint32_t nwl;
	struct content_id_cache cid; /* identities of what learning instances run */
};

/* Start what enforcement needs (the permission group). 0, or -errno (logged; not fatal). */
int enf_start(struct sensor_baseline *b);
void enf_free(struct sensor_baseline *b);
/* Mark the roots of every running process of an enforcing instance. */
void enf_scan(struct sensor_baseline *b);

/*
 * Hash the learned binaries of enforcing container instance wi (its
 * binary:<hash>:<path> features), opened under rootfs (the host's view of
 * its root), into the permission group's identity cache
 * (enforce-warm.c). Returns how many were hashed, or -errno.
 */
int enf_warm(struct sensor_baseline *b, uint32_t wi, const char *rootfs);

/*
 * Per event of instance wi, before scoring: learn the content identity of
 * an exec (non-enforcing instances), mark the root mount of an enforcing
 * container's process. May append a binary feature to fs.
 */
void enf_observe(struct sensor_baseline *b, uint32_t wi, struct sensor_event *ev,
		 struct feat_set *fs);

/*
 * Answer a held event of instance wi (MODEL_NONE: unknown). `known` tells
 * whether the decision's features were learned before this event; `severe`
 * counts matched threat rules of severity high or above.
 */
void enf_answer(struct sensor_baseline *b, uint32_t wi, struct sensor_event *ev,
		const struct feat_set *fs, int severe);

/*
 * Which features of fs decide the event (the others are only scored): for a
 * read-only open, only a credential store's. False when ev decides nothing.
 */
bool enf_feature_decides(const struct sensor_event *ev, const char *key);

/* The per-instance state of wi, grown on demand; NULL without memory. */
struct enf_wl *enf_wl_of(struct enforcer *e, uint32_t wi);

/*
 * Network (enforce-net.c): queue the new flows of container instance wi in
 * the network namespace of its process pid (once per instance), when
 * network enforcement is on and that namespace is the container's own.
 */
void enf_net_hold(struct sensor_baseline *b, uint32_t wi, int64_t pid);
/*
 * When ev was queued by one of the instances' network sources: name its
 * workload on the event (a packet has no process) and return the
 * instance index (*inbound: queued on INPUT); else MODEL_NONE.
 */
uint32_t enf_net_claim(struct sensor_baseline *b, struct sensor_event *ev, bool *inbound);
/* Whether ev came from one of the enforcer's own sources (answered here, always). */
bool enf_own_source(struct sensor_baseline *b, const struct sensor_event *ev);
/* Stop the queues of instances whose network namespace is gone. */
void enf_net_tick(struct sensor_baseline *b);
void enf_net_free(struct sensor_baseline *b);

#endif
