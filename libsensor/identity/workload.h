/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Workload identity (architecture §4): which container, pod, unit or host a
 * process belongs to, resolved from the text of /proc/<pid>/cgroup, and a
 * table that interns one immutable, ref-counted object per instance.
 */
#ifndef SENSOR_IDENTITY_WORKLOAD_H
#define SENSOR_IDENTITY_WORKLOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libsensor/sensor-event.h>

#define WL_ID_MAX 256
#define WL_PATH_MAX 1024
/* SENSOR_FIELD_WORKLOAD_IMAGE .. _CONTAINER_NAME */
#define WL_NAMES (SENSOR_FIELD_WORKLOAD_CONTAINER_NAME - SENSOR_FIELD_WORKLOAD_IMAGE + 1)

struct workload_desc {
	char kind[16];       /* host, container, pod, unit, session, cgroup */
	char runtime[16];    /* docker, containerd, cri-o, podman, runc, crun, systemd, "" */
	char id[WL_ID_MAX];  /* container ID, unit name, ... ("host" for the host) */
	char klass[WL_ID_MAX]; /* class prior: unit template, image; "" when unknown */
	char pod[64];        /* kubernetes pod UID with dashes */
	char qos[16];        /* guaranteed, burstable, besteffort */
	char cgroup[WL_PATH_MAX]; /* the path the identity came from */
};

/*
 * Parse the contents of /proc/<pid>/cgroup (v1, v2 or hybrid). Never fails
 * on odd input: what cannot be recognised is "host" (root paths) or kind
 * "cgroup" with the path as id. Returns 0, or -EINVAL on NULL arguments.
 */
int workload_parse_cgroup(const char *buf, size_t len, struct workload_desc *out);

/* Classify one cgroup path (the part after the second ':'). */
void workload_classify_path(const char *path, size_t len, struct workload_desc *out);

struct workload {
	atomic_int ref;
	uint64_t hash;
	struct workload *hnext;
	const char *str[SENSOR_FIELD_WORKLOAD_CGROUP - SENSOR_FIELD_WORKLOAD_KIND + 1];
	_Atomic(char *) class_learned; /* set once when the first exe is known */
	const char *rootfs; /* a container's / on the host (OCI state), or NULL */
	/* the overlay layers under rootfs, upper first, '\n'-separated, or NULL */
	const char *layers;
	/* runtime names (workload-meta.h), NULL when unknown: image, pod name,
	 * namespace, container name, in the order of their fields */
	const char *names[WL_NAMES];
	/* a container whose runtime state was not there yet: looked up again */
	bool meta_pending;
	uint32_t meta_tries; /* lookups so far: the next waits longer (bounded) */
	uint64_t born, meta_tried; /* CLOCK_MONOTONIC ns */
	char data[];
};

struct workload_table;

/* oci_roots: runtime state roots to find container images in (NULL: defaults). */
int workload_table_new(unsigned max, const char *oci_roots, struct workload_table **ret);
void workload_table_free(struct workload_table *t);
uint64_t workload_table_count(struct workload_table *t);
/* The interned instance for desc (a new reference), or NULL on ENOMEM. */
struct workload *workload_intern(struct workload_table *t, const struct workload_desc *d);
struct workload *workload_ref(struct workload *w);
void workload_unref(struct workload *w);
/* A workload.* string field, or NULL when unknown. */
const char *workload_field(const struct workload *w, enum sensor_field f);
/*
 * The container whose files host path p[0..n) is: under its rootfs, its
 * overlay's upper or work dir (each its own), or an image layer that no
 * other known container shares. NULL when none or ambiguous. Borrowed: the
 * table's reference, valid until the next workload_intern(). Walks the
 * table: for the records of processes gone before they were known.
 * *upper: whether p is in the overlay's upper dir (written since the start).
 */
struct workload *workload_by_path(struct workload_table *t, const char *p, size_t n,
				  bool *upper);
/*
 * A live process of the instance other than `not` (one of the first pids
 * of its cgroup's cgroup.procs, cgroup v2 or the v1 pids/systemd
 * hierarchies, whose /proc/<pid>/root can be looked through), to see its
 * filesystem when the process an event is about is gone; 0 if none.
 */
int32_t workload_live_pid(const struct workload *w, int32_t not);
/* Record the class learned from the instance's first executable, once. */
void workload_learn_class(struct workload *w, const char *exe);

#endif
