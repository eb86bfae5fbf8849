/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Workload identity from /proc/<pid>/cgroup. The container runtimes name
 * their cgroups in a handful of shapes (docs/workloads.md lists them with
 * examples); this file recognises them segment by segment, from the leaf up.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "workload.h"

struct seg {
	const char *p;
	size_t n;
};

#define MAX_SEGS 64

static bool has_prefix(struct seg s, const char *pfx)
{
	size_t n = strlen(pfx);

	return s.n >= n && memcmp(s.p, pfx, n) == 0;
}

static bool has_suffix(struct seg s, const char *sfx)
{
	size_t n = strlen(sfx);

	return s.n >= n && memcmp(s.p + s.n - n, sfx, n) == 0;
}

static bool seg_is(struct seg s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static bool all_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return n > 0;
}

/* Container IDs of docker, containerd, CRI-O and podman: 64 lower-case hex digits. */
static bool is_cid(const char *p, size_t n)
{
	return n == 64 && all_hex(p, n);
}

static void put(char *dst, size_t cap, const char *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static void set(char *dst, size_t cap, const char *s)
{
	put(dst, cap, s, strlen(s));
}

/* Pod UID as the API shows it: kubepods-...-pod<uid with '_'>.slice or pod<uid>. */
static bool pod_uid(struct seg s, struct workload_desc *d)
{
	const char *p;
	size_t n;

	if (has_prefix(s, "pod")) {
		p = s.p + 3;
		n = s.n - 3;
	} else if (has_prefix(s, "kubepods-") && has_suffix(s, ".slice")) {
		const char *q = NULL;

		for (size_t i = 0; i + 3 < s.n; i++)
			if (memcmp(s.p + i, "pod", 3) == 0 && (i == 0 || s.p[i - 1] == '-'))
				q = s.p + i;
		if (!q)
			return false;
		p = q + 3;
		n = (size_t)(s.p + s.n - p) - strlen(".slice");
	} else {
		return false;
	}
	if (n < 8 || n >= sizeof(d->pod))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-' || c == '_'))
			return false;
		d->pod[i] = c == '_' ? '-' : c;
	}
	d->pod[n] = '\0';
	return true;
}

/*
 * A leaf segment that names a container: "<prefix>-<id>.scope" (systemd
 * cgroup driver), a bare ID (cgroupfs driver), or "crio-<id>" and
 * "libpod-<id>" (CRI-O's and podman's cgroupfs managers). Returns true and fills
 * id/runtime.
 */
static bool container_seg(struct seg s, struct seg parent, struct workload_desc *d)
{
	static const struct {
		const char *prefix;
		const char *runtime;
	} scopes[] = {
		{ "docker-", "docker" },
		{ "cri-containerd-", "containerd" },
		{ "crio-", "cri-o" },
		{ "libpod-", "podman" },
		{ "runc-", "runc" },
		{ "crun-", "crun" },
		{ "containerd-", "containerd" },
	};

	if (has_suffix(s, ".scope")) {
		for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
			size_t pl = strlen(scopes[i].prefix);
			const char *id = s.p + pl;
			size_t n = s.n - pl - strlen(".scope");

			if (!has_prefix(s, scopes[i].prefix) || s.n <= pl + strlen(".scope"))
				continue;
			/* conmon and other helpers are not the container */
			if (has_prefix(s, "crio-conmon-") || has_prefix(s, "libpod-conmon-"))
				return false;
			if (!is_cid(id, n) && !(n >= 1 && n < WL_ID_MAX &&
						(strcmp(scopes[i].runtime, "runc") == 0 ||
						 strcmp(scopes[i].runtime, "crun") == 0)))
				continue;
			put(d->id, sizeof(d->id), id, n);
			set(d->runtime, sizeof(d->runtime), scopes[i].runtime);
			return true;
		}
		return false;
	}
	if (is_cid(s.p, s.n)) {
		put(d->id, sizeof(d->id), s.p, s.n);
		if (seg_is(parent, "docker"))
			set(d->runtime, sizeof(d->runtime), "docker");
		else if (has_prefix(parent, "libpod"))
			set(d->runtime, sizeof(d->runtime), "podman");
		else if (seg_is(parent, "crio"))
			set(d->runtime, sizeof(d->runtime), "cri-o");
		else if (seg_is(parent, "moby") || seg_is(parent, "k8s.io") ||
			 seg_is(parent, "default"))
			set(d->runtime, sizeof(d->runtime), "containerd");
		else
			d->runtime[0] = '\0'; /* kubepods cgroupfs: runtime not in the path */
		return true;
	}
	if (has_prefix(s, "libpod-") && is_cid(s.p + 7, s.n - 7)) {
		put(d->id, sizeof(d->id), s.p + 7, s.n - 7);
		set(d->runtime, sizeof(d->runtime), "podman");
		return true;
	}
	/* CRI-O's cgroupfs manager: "<pod cgroup>/crio-<id>" (crio-conmon-<id> is conmon) */
	if (has_prefix(s, "crio-") && is_cid(s.p + 5, s.n - 5)) {
		put(d->id, sizeof(d->id), s.p + 5, s.n - 5);
		set(d->runtime, sizeof(d->runtime), "cri-o");
		return true;
	}
	return false;
}

/* getty@tty1.service -> getty@.service: instances of one template share a class. */
static void unit_class(const char *unit, char *out, size_t cap)
{
	const char *at = strchr(unit, '@');
	const char *dot = strrchr(unit, '.');

	if (at && dot && dot > at) {
		size_t a = (size_t)(at - unit) + 1;

		if (a + strlen(dot) < cap) {
			memcpy(out, unit, a);
			memcpy(out + a, dot, strlen(dot) + 1);
			return;
		}
	}
	set(out, cap, unit);
}

void workload_classify_path(const char *path, size_t len, struct workload_desc *d)
{
	struct seg segs[MAX_SEGS];
	size_t nseg = 0, i = 0;
	bool kube = false, found = false;

	memset(d, 0, sizeof(*d));
	put(d->cgroup, sizeof(d->cgroup), path, len);
	while (i < len && nseg < MAX_SEGS) {
		size_t j = i;

		while (j < len && path[j] != '/')
			j++;
		if (j > i) {
			segs[nseg].p = path + i;
			segs[nseg].n = j - i;
			nseg++;
		}
		i = j + 1;
	}

	for (size_t k = 0; k < nseg; k++) {
		if (has_prefix(segs[k], "kubepods"))
			kube = true;
		if (kube) {
			pod_uid(segs[k], d);
			if (seg_is(segs[k], "burstable") || has_prefix(segs[k], "kubepods-burstable"))
				set(d->qos, sizeof(d->qos), "burstable");
			else if (seg_is(segs[k], "besteffort") ||
				 has_prefix(segs[k], "kubepods-besteffort"))
				set(d->qos, sizeof(d->qos), "besteffort");
		}
	}
	if (kube && !d->qos[0] && d->pod[0])
		set(d->qos, sizeof(d->qos), "guaranteed");

	/* From the leaf up: the deepest container segment wins. */
	for (size_t k = nseg; k-- > 0;) {
		struct seg parent = k > 0 ? segs[k - 1] : (struct seg){ "", 0 };

		if (container_seg(segs[k], parent, d)) {
			found = true;
			break;
		}
	}
	if (found) {
		set(d->kind, sizeof(d->kind), "container");
		if (kube && !d->runtime[0])
			set(d->runtime, sizeof(d->runtime), "cri");
		return;
	}
	if (kube && d->pod[0]) {
		set(d->kind, sizeof(d->kind), "pod");
		set(d->id, sizeof(d->id), d->pod);
		return;
	}
	if (nseg == 0 || (nseg == 1 && seg_is(segs[0], "init.scope"))) {
		set(d->kind, sizeof(d->kind), "host");
		set(d->id, sizeof(d->id), "host");
		set(d->klass, sizeof(d->klass), "host");
		return;
	}
	/* systemd: the leaf unit. user@1000.service/app.slice/x.service -> x.service */
	{
		struct seg leaf = segs[nseg - 1];

		if (has_suffix(leaf, ".service") || has_suffix(leaf, ".socket") ||
		    has_suffix(leaf, ".mount") || has_suffix(leaf, ".swap")) {
			set(d->kind, sizeof(d->kind), "unit");
			set(d->runtime, sizeof(d->runtime), "systemd");
			put(d->id, sizeof(d->id), leaf.p, leaf.n);
			unit_class(d->id, d->klass, sizeof(d->klass));
			return;
		}
		if (has_suffix(leaf, ".scope")) {
			bool session = has_prefix(leaf, "session-");

			set(d->kind, sizeof(d->kind), session ? "session" : "unit");
			set(d->runtime, sizeof(d->runtime), "systemd");
			put(d->id, sizeof(d->id), leaf.p, leaf.n);
			set(d->klass, sizeof(d->klass), session ? "session.scope" : d->id);
			return;
		}
		if (has_suffix(leaf, ".slice")) {
			bool all_slices = true;

			for (size_t k = 0; k < nseg; k++)
				all_slices = all_slices && has_suffix(segs[k], ".slice");
			if (all_slices) {
				/* a process sitting in a slice itself: host-level */
				set(d->kind, sizeof(d->kind), "host");
				set(d->id, sizeof(d->id), "host");
				set(d->klass, sizeof(d->klass), "host");
				return;
			}
		}
	}
	/* Something we do not recognise: say so, with the path as the identity. */
	set(d->kind, sizeof(d->kind), "cgroup");
	put(d->id, sizeof(d->id), path, len);
}

/* Rank of a classification: more specific identities win across hierarchies. */
static int rank(const struct workload_desc *d)
{
	if (strcmp(d->kind, "container") == 0)
		return 5;
	if (strcmp(d->kind, "pod") == 0)
		return 4;
	if (strcmp(d->kind, "unit") == 0 || strcmp(d->kind, "session") == 0)
		return 3;
	if (strcmp(d->kind, "cgroup") == 0)
		return 2;
	return 1;
}

int workload_parse_cgroup(const char *buf, size_t len, struct workload_desc *out)
{
	struct workload_desc cand;
	/* Authority: the unified (v2) line and the name=systemd v1 line. The
	 * per-controller v1 lines are used only when neither exists (pure v1
	 * without systemd), because sandboxes move processes in single
	 * controllers (e.g. memory) without making them containers. */
	int best_auth = 0, best_other = 0;
	struct workload_desc other;
	bool have_auth = false;
	size_t i = 0;

	if (!buf || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&other, 0, sizeof(other));
	while (i < len) {
		size_t e = i, c1, c2;
		const char *line = buf + i;
		size_t ln;
		bool auth;

		while (e < len && buf[e] != '\n')
			e++;
		ln = e - i;
		i = e + 1;
		for (c1 = 0; c1 < ln && line[c1] != ':'; c1++)
			;
		for (c2 = c1 + 1; c2 < ln && line[c2] != ':'; c2++)
			;
		if (c1 >= ln || c2 >= ln)
			continue; /* malformed line: skip it */
		auth = (c2 == c1 + 1) /* "0::/path" */ ||
		       (c2 - c1 - 1 == strlen("name=systemd") &&
			memcmp(line + c1 + 1, "name=systemd", c2 - c1 - 1) == 0);
		workload_classify_path(line + c2 + 1, ln - c2 - 1, &cand);
		if (auth) {
			int r = rank(&cand);

			/* v2 "0::/" on a hybrid host says nothing: prefer a non-root answer */
			if (!have_auth || r > best_auth) {
				*out = cand;
				best_auth = r;
			}
			have_auth = true;
		} else if (rank(&cand) > best_other) {
			other = cand;
			best_other = rank(&cand);
		}
	}
	if (!have_auth) {
		if (best_other)
			*out = other;
		else
			workload_classify_path("/", 1, out);
	}
	return 0;
}
