/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The enforcer: an enforcing instance's held events are answered here from
 * its learned set (docs/enforce.md).
 *
 * Exec and file decisions come from one fanotify permission group that the
 * baseline starts itself, with a mount mark on each enforcing container's
 * root mount (/proc/<pid>/root of one of its processes, never our own
 * root): only that container's opens and execs are held. No allow cache:
 * an fanotify ignore mark is per inode for every process, so a cached
 * allow would let a renamed or hard-linked file through under another
 * name. Every exec is decided by (path, content): the content's SHA-256 is
 * cached per (dev, ino, size, mtime, ctime), so a rename, copy, link or
 * modification is a new decision, and an unchanged file is hashed once
 * (a container's learned binaries when its mounts are marked:
 * enforce-warm.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libsensor/sensor-fanotify.h>

#include "baseline.h"
#include "enforce.h"
#include "model/features.h"
#include "identity/proc-cache.h"
#include "identity/workload.h"

/*
 * Credential stores: a read-only open of one of these is decided from the
 * learned reads (reads of anything else are allowed). fnmatch patterns on
 * the path the container sees.
 */
static const char *const credential_stores[] = {
	"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers",
	"/etc/sudoers.d/*", "/etc/ssh/ssh_host_*_key", "/etc/ssl/private/*",
	"/root/.ssh/*", "/home/*/.ssh/*", "/root/.aws/*", "/home/*/.aws/*",
	"/root/.docker/config.json", "/home/*/.docker/config.json", "/root/.kube/config",
	"/home/*/.kube/config", "/var/run/secrets/*", "/run/secrets/*",
	"/etc/kubernetes/pki/*", "/root/.gnupg/*", "/home/*/.gnupg/*", NULL,
};

static bool is_credential_store(const char *path)
{
	for (int i = 0; credential_stores[i]; i++)
		if (fnmatch(credential_stores[i], path, 0) == 0)
			return true;
	return false;
}

static uint64_t mnt_id_of(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

/* Workloads with a root of their own: containers only (never the host, a unit, a session). */
static bool is_container(const char *kind)
{
	return kind && strcmp(kind, "container") == 0;
}

static uint64_t ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? 0 : (uint64_t)st.st_ino;
}

static void mark_root(struct sensor_baseline *b, uint32_t wi, int64_t pid);

/*
 * Containers already running when enforcement starts: mark the root of
 * each enforcing instance's processes now (later ones are marked from
 * their exec events).
 */
void enf_scan(struct sensor_baseline *b)
{
	DIR *d;
	struct dirent *de;

	if ((!b->enf.fan && (b->o.enforce_flags & SENSOR_ENFORCE_NO_NET)) || !b->ctx->procs)
		return;
	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		struct proc_entry *pe;
		const char *id;
		uint32_t wi;

		if (*end || pid <= 0 || pid > INT32_MAX)
			continue;
		pe = proc_cache_get(b->ctx->procs, (int32_t)pid);
		if (!pe)
			continue;
		id = pe->wl ? workload_field(pe->wl, SENSOR_FIELD_WORKLOAD_ID) : NULL;
		wi = id && *id ? model_wl_find(&b->m, id) : MODEL_NONE;
		if (wi != MODEL_NONE && !b->m.wls[wi].is_class &&
		    (b->m.wls[wi].state == WL_ENFORCING ||
		     (b->o.enforce_flags & SENSOR_ENFORCE_LEARN_HELD)))
			mark_root(b, wi, pid);
	}
	closedir(d);
}

int enf_start(struct sensor_baseline *b)
{
	struct enforcer *e = &b->enf;
	struct sensor_fanotify_opts fo = {
		.sz = sizeof(fo),
		.flags = SENSOR_FANOTIFY_NO_NOTIFY | SENSOR_FANOTIFY_NO_ALLOW_CACHE |
			 SENSOR_FANOTIFY_HASH_EXEC | SENSOR_FANOTIFY_OPEN_MODE |
			 ((b->o.enforce_flags & SENSOR_ENFORCE_FAIL_CLOSED)
				  ? SENSOR_FANOTIFY_FAIL_CLOSED
				  : 0),
		.mark = SENSOR_FANOTIFY_MARK_MOUNT,
		.perm = SENSOR_FANOTIFY_PERM_EXEC |
			((b->o.enforce_flags & SENSOR_ENFORCE_NO_FILES) ? 0 : SENSOR_FANOTIFY_PERM_OPEN),
		.perm_timeout = b->o.enforce_timeout_ns,
	};
	int r;

	if (e->fan) {
		enf_scan(b); /* an instance switched to enforcing */
		return 0;
	}
	if (e->fan_failed || (b->o.enforce_flags & SENSOR_ENFORCE_NO_EXEC)) {
		enf_scan(b); /* the network queues */
		return 0;
	}
	e->self_root_mnt = mnt_id_of("/");
	e->self_mntns = ino_of("/proc/self/ns/mnt");
	/* pid 1's may be unreadable (a hardened init): then 0, and the rootfs check decides */
	e->init_root_mnt = mnt_id_of("/proc/1/root");
	e->init_mntns = ino_of("/proc/1/ns/mnt");
	if (!e->self_root_mnt || !e->self_mntns) {
		/* without them a host root could be marked: no enforcement rather than that */
		e->fan_failed = true;
		ctx_log(b->ctx, SENSOR_LOG_WARNING,
			"enforce: cannot read our own root mount (statx STATX_MNT_ID): execs and "
			"opens are not held");
		return -EOPNOTSUPP;
	}
	r = sensor_source_add(b->ctx, SENSOR_SOURCE_FANOTIFY, &fo, &e->fan);
	if (r < 0) {
		e->fan = NULL;
		e->fan_failed = true;
		ctx_log(b->ctx, SENSOR_LOG_WARNING,
			"enforce: no fanotify permission group (%s): execs and opens of enforcing "
			"workloads are not held",
			strerror(-r));
		return r;
	}
	enf_scan(b);
	return 0;
}

void enf_free(struct sensor_baseline *b)
{
	struct enforcer *e = &b->enf;

	if (e->fan)
		sensor_source_remove(e->fan);
	e->fan = NULL;
	enf_net_free(b);
	free(e->wl);
	e->wl = NULL;
	e->nwl = 0;
	content_id_cache_free(&e->cid);
}

struct enf_wl *enf_wl_of(struct enforcer *e, uint32_t wi)
{
	if (wi >= e->nwl) {
		uint32_t n = wi + 16;
		struct enf_wl *w = realloc(e->wl, n * sizeof(*w));

		if (!w)
			return NULL;
		memset(w + e->nwl, 0, (n - e->nwl) * sizeof(*w));
		e->wl = w;
		e->nwl = n;
	}
	return &e->wl[wi];
}

/* Filesystems whose opens are not a workload's files (and would cost a round trip each). */
static bool pseudo_fs(const char *t)
{
	static const char *const skip[] = { "proc", "sysfs", "cgroup", "cgroup2", "devpts",
					    "mqueue", "nsfs", "securityfs", "debugfs", "tracefs",
					    "bpf", "binfmt_misc", "pstore", "configfs", NULL };

	for (int i = 0; skip[i]; i++)
		if (strcmp(t, skip[i]) == 0)
			return true;
	return false;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/*
 * Mark every mount of the container (its root and what is mounted in it:
 * /tmp, /dev, volumes), except pseudo filesystems. Each mount point is
 * opened inside the container's root (RESOLVE_IN_ROOT: a symlink the
 * container planted cannot lead us to a host mount) and marked only when
 * the mount found there is the one mountinfo names. Returns the number of
 * mounts marked, or -errno.
 */
static int mark_mounts(struct sensor_baseline *b, struct enf_wl *w, int64_t pid)
{
	struct enforcer *e = &b->enf;
	char path[64], *line = NULL;
	size_t cap = 0;
	int rootfd, n = 0, err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%lld/root", (long long)pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/%lld/mountinfo", (long long)pid);
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		close(rootfd);
		return err;
	}
	while (getline(&line, &cap, f) > 0) {
		char *sp, *fields[6], *dash = strstr(line, " - "), fstype[64];
		struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
					.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
		unsigned long long id;
		struct statx stx;
		int k = 0, fd, r;
		bool seen = false;

		size_t flen;

		if (!dash)
			continue;
		/* the filesystem type: the first word after the separator */
		flen = strcspn(dash + 3, " \n");
		if (flen == 0 || flen >= sizeof(fstype))
			continue;
		memcpy(fstype, dash + 3, flen);
		fstype[flen] = '\0';
		if (pseudo_fs(fstype))
			continue;
		for (char *p = strtok_r(line, " ", &sp); p && k < 6; p = strtok_r(NULL, " ", &sp))
			fields[k++] = p;
		if (k < 6)
			continue;
		id = strtoull(fields[0], NULL, 10);
		for (unsigned i = 0; i < w->nmnt; i++)
			seen |= w->mnt[i] == id;
		if (seen || id == e->self_root_mnt || id == e->init_root_mnt)
			continue;
		unescape(fields[4]);
		fd = (int)syscall(SYS_openat2, rootfd, fields[4], &how, sizeof(how));
		if (fd < 0)
			continue;
		if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 ||
		    !(stx.stx_mask & STATX_MNT_ID) || stx.stx_mnt_id != id) {
			close(fd); /* not the mount mountinfo names there (covered, or raced) */
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		r = sensor_fanotify_mark(e->fan, path, 0);
		close(fd);
		if (r < 0) {
			err = r;
			continue;
		}
		if (w->nmnt == ENF_MNT_PER_WL)
			memmove(w->mnt, w->mnt + 1, sizeof(w->mnt) - sizeof(w->mnt[0]));
		else
			w->nmnt++;
		w->mnt[w->nmnt - 1] = id;
		n++;
	}
	free(line);
	fclose(f);
	close(rootfd);
	return n ? n : err ? err : 0;
}

/*
 * Mark the root mount of an enforcing container's process: only when the
 * process has a mount namespace and a root mount other than ours (never the
 * host's root), once per mount.
 */
static void mark_root(struct sensor_baseline *b, uint32_t wi, int64_t pid)
{
	struct enforcer *e = &b->enf;
	struct enf_wl *w;
	struct proc_entry *pe;
	struct stat want, got, ours;
	const char *rootfs;
	char path[48];
	uint64_t mnt, ns;
	int r;

	enf_net_hold(b, wi, pid);
	if (!e->fan || pid <= 0 || !is_container(b->m.wls[wi].kind))
		return;
	w = enf_wl_of(e, wi);
	if (!w)
		return;
	/*
	 * Never the host's root nor ours (the sensor may run in a mount
	 * namespace of its own): only a process in another mount namespace,
	 * whose root is another mount, is a container's.
	 */
	snprintf(path, sizeof(path), "/proc/%lld/ns/mnt", (long long)pid);
	ns = ino_of(path);
	if (!ns || ns == e->self_mntns || ns == e->init_mntns)
		return;
	snprintf(path, sizeof(path), "/proc/%lld/root", (long long)pid);
	mnt = mnt_id_of(path);
	if (!mnt || mnt == e->self_root_mnt || mnt == e->init_root_mnt)
		return;
	/* and the root is the rootfs its runtime's state names (same directory) */
	pe = b->ctx->procs ? proc_cache_get(b->ctx->procs, (int32_t)pid) : NULL;
	rootfs = pe && pe->wl ? pe->wl->rootfs : NULL;
	if (!rootfs || rootfs[0] != '/' || !rootfs[1] || stat(rootfs, &want) < 0 ||
	    stat(path, &got) < 0 || stat("/", &ours) < 0 || want.st_dev != got.st_dev ||
	    want.st_ino != got.st_ino || (got.st_dev == ours.st_dev && got.st_ino == ours.st_ino))
		return;
	for (unsigned i = 0; i < w->nmnt; i++)
		if (w->mnt[i] == mnt)
			return;
	r = mark_mounts(b, w, pid);
	if (r < 0) {
		ctx_log(b->ctx, SENSOR_LOG_WARNING, "enforce: cannot mark the mounts of %s (pid %lld): %s",
			b->m.wls[wi].id, (long long)pid, strerror(-r));
		return;
	}
	ctx_log(b->ctx, SENSOR_LOG_INFO, "enforce: holding execs%s of %s (%d mounts)",
		(b->o.enforce_flags & SENSOR_ENFORCE_NO_FILES) ? "" : " and opens", b->m.wls[wi].id, r);
	/* its first exec of a learned binary: a lookup, not a hash while it waits */
	if (r > 0 && b->m.wls[wi].state == WL_ENFORCING)
		enf_warm(b, wi, rootfs);
}

/*
 * A short process is gone before /proc/<pid>/exe can be looked at (so
 * open_exe_in_rootfs() has nothing to compare with): the file it ran is
 * still at its path in the container's root (opened inside it: a symlink
 * the container planted cannot lead out). Without this the content of an
 * image's binary would be learned only when the race was won, and a later
 * run would be a new_binary.
 */
static int open_in_rootfs(const struct sensor_event *ev, const char *exe)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	const char *root = ev->wl ? ev->wl->rootfs : NULL;
	int rootfd, fd;

	if (!root || root[0] != '/' || !root[1])
		return -1;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, rootfd, exe, &how, sizeof(how));
	close(rootfd);
	return fd;
}

/*
 * Open a container process's executable through the host's view of the
 * container's rootfs (its runtime's state names it), never through
 * /proc/<pid>/exe: that open goes through the container's own mounts,
 * where another fanotify permission group (a second sensor enforcing this
 * container, an antivirus) may hold it until its listener answers, and
 * that listener may be waiting for us: two sensors, each enforcing its own
 * container and learning the other's, deadlocked on this open (both loops
 * stuck in open(2), the containers' execs held for good). The file found
 * must be the process's executable: the device and inode of stat(2) of
 * /proc/<pid>/exe, which opens nothing. An executable that is not under
 * the rootfs (on a volume, the container's /tmp) is not read: -ESTALE.
 */
static int open_exe_in_rootfs(struct sensor_baseline *b, int64_t pid, const char *exe)
{
	struct proc_entry *pe = b->ctx->procs ? proc_cache_get(b->ctx->procs, (int32_t)pid) : NULL;
	const char *rootfs = pe && pe->wl ? pe->wl->rootfs : NULL;
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	struct stat want, got;
	char path[48];
	int rootfd, fd;

	if (!rootfs || rootfs[0] != '/')
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%lld/exe", (long long)pid);
	if (stat(path, &want) < 0)
		return -errno;
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, rootfd, exe, &how, sizeof(how));
	close(rootfd);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &got) < 0 || got.st_dev != want.st_dev || got.st_ino != want.st_ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/*
 * The identity of what a learning (or monitoring) instance runs: its
 * executable's content, with the path the process sees. Only for live
 * events, and never for an enforcing instance (its execs are decided from
 * the permission events, whose open of the same file we must not trigger).
 */
static void learn_binary(struct sensor_baseline *b, struct sensor_event *ev,
			 struct feat_set *fs)
{
	const char *exe = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_EXE);
	int64_t pid;
	char hex[65];
	struct stat st;
	int fd;

	if (!exe || exe[0] != '/' || sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) < 0 ||
	    pid <= 0)
		return;
	fd = open_exe_in_rootfs(b, pid, exe);
	if (fd == -ENOENT || fd == -ESRCH)
		fd = open_in_rootfs(ev, exe); /* gone: nothing to compare with */
	if (fd < 0)
		return;
	if (content_id_of_fd(&b->enf.cid, fd, hex, &st) == 0)
		features_add_binary(fs, hex, exe);
	close(fd);
}

void enf_observe(struct sensor_baseline *b, uint32_t wi, struct sensor_event *ev,
		 struct feat_set *fs)
{
	enum sensor_kind kind = sensor_event_kind(ev);
	int64_t pid;

	if (wi == MODEL_NONE)
		return;
	if (kind == SENSOR_KIND_NET && sensor_event_is_pending(ev) == 1) {
		bool inbound = false;

		/* an inbound connection is decided by the port: was it listened on */
		if (enf_net_claim(b, ev, &inbound) == wi && inbound) {
			int64_t port = -1;

			sensor_event_get_int(ev, SENSOR_FIELD_NET_DPORT, &port);
			features_set_listen(fs, sensor_event_get_str(ev, SENSOR_FIELD_NET_PROTO), port);
		}
		return;
	}
	if (b->m.wls[wi].state == WL_ENFORCING || (b->o.enforce_flags & SENSOR_ENFORCE_LEARN_HELD)) {
		const char *wk = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_KIND);

		/* a container's process (not the host, not a unit): hold its root mount */
		if (kind == SENSOR_KIND_EXEC && is_container(wk) &&
		    sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) == 0)
			mark_root(b, wi, pid);
		if (b->m.wls[wi].state == WL_ENFORCING)
			return;
	}
	/* with LEARN_HELD the exec permission events carry the identity, and our own
	 * open of /proc/<pid>/exe on a held mount would wait for this very thread */
	/* only containers are enforced through the marks: only their identities are read */
	if (kind == SENSOR_KIND_EXEC && is_container(b->m.wls[wi].kind) &&
	    !(b->o.flags & SENSOR_BASELINE_EVENT_TIME) &&
	    !(b->o.enforce_flags & (SENSOR_ENFORCE_NO_EXEC | SENSOR_ENFORCE_LEARN_HELD)))
		learn_binary(b, ev, fs);
}

bool enf_feature_decides(const struct sensor_event *ev, const char *key)
{
	const char *op;

	if (sensor_event_kind(ev) != SENSOR_KIND_FILE)
		return true;
	op = sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP);
	if (!op || strcmp(op, "open") != 0)
		return true;
	/* a read-only open: key "file:open:<path>" */
	return strncmp(key, "file:open:", 10) == 0 && is_credential_store(key + 10);
}

static bool approved(struct sensor_baseline *b, uint32_t wi, const char *key, size_t len)
{
	uint32_t fi = model_feat_find(&b->m, wi, key, len, model_hash(wi, key, len));

	return fi != MODEL_NONE && (b->m.feats[fi].flags & FEAT_F_APPROVED);
}

/* 1 allow, 0 deny with why[] filled. */
static int decide(struct sensor_baseline *b, uint32_t wi, const struct sensor_event *ev,
		  const struct feat_set *fs, int severe, char *why, size_t n)
{
	if (severe) {
		snprintf(why, n, "threat rule");
		return 0;
	}
	if (sensor_event_kind(ev) == SENSOR_KIND_FILE) {
		const char *op = sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP);
		int64_t nlink;

		if (op && strcmp(op, "exec") == 0 && (fs->n == 0 || fs->f[0].kind != FEAT_BINARY)) {
			snprintf(why, n, "no content identity");
			return 0;
		}
		if (op && strcmp(op, "write") == 0 &&
		    sensor_event_get_int(ev, SENSOR_FIELD_FILE_NLINK, &nlink) == 0 && nlink > 1) {
			/* another name of the same inode may be a path it must not write */
			snprintf(why, n, "write to a hard-linked file");
			return 0;
		}
	}
	for (int i = 0; i < fs->n; i++) {
		if (!enf_feature_decides(ev, fs->f[i].key))
			continue;
		if (!approved(b, wi, fs->f[i].key, fs->f[i].len)) {
			snprintf(why, n, "not learned: %s", fs->f[i].key);
			return 0;
		}
	}
	return 1;
}

void enf_answer(struct sensor_baseline *b, uint32_t wi, struct sensor_event *ev,
		const struct feat_set *fs, int severe)
{
	bool dry = b->o.enforce_flags & SENSOR_ENFORCE_DRY_RUN;
	char why[EV_REASON_MAX - 24], reason[EV_REASON_MAX], desc[160];
	struct alert_in in = { .sev = SENSOR_SEVERITY_HIGH, .wi = wi, .ev = ev };
	uint64_t now;

	int64_t rt = 0;

	if (sensor_event_is_pending(ev) != 1)
		return;
	/* the runtime setting the container up (runc init, a shim) is never denied */
	if (sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_RUNTIME, &rt) == 0 && rt == 1) {
		sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, "baseline: container runtime");
		return;
	}
	if (wi == MODEL_NONE || b->m.wls[wi].state != WL_ENFORCING ||
	    (b->enf.fan && ev->src == b->enf.fan && !is_container(b->m.wls[wi].kind))) {
		/* ours to answer (a process of another workload opening a file in an
		 * enforcing container's root, e.g. through /proc/<pid>/root, or a
		 * learning container's packet): at once */
		if (enf_own_source(b, ev))
			sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, "baseline: not enforcing");
		return;
	}
	if (decide(b, wi, ev, fs, severe, why, sizeof(why))) {
		if (sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, "baseline: learned") == 0)
			b->stats.enforced_allow++;
		return;
	}
	now = bl_now(b, ev);
	if (dry) {
		snprintf(reason, sizeof(reason), "dry run: would deny: %s", why);
		if (sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, reason) != 0)
			return;
		b->stats.enforced_would_deny++;
		in.reason = "would_deny";
	} else {
		snprintf(reason, sizeof(reason), "baseline: %s", why);
		if (sensor_event_respond(ev, SENSOR_DECISION_DENY, 0, reason) != 0)
			return;
		b->stats.enforced_deny++;
		in.reason = "denied";
	}
	snprintf(desc, sizeof(desc), "%s: %s",
		 dry ? "enforcement would have denied this (dry run)" : "enforcement denied this",
		 why);
	in.desc = desc;
	in.feature = fs->n ? fs->f[0].key : "";
	for (int i = 0; i < fs->n; i++)
		if (enf_feature_decides(ev, fs->f[i].key) &&
		    !approved(b, wi, fs->f[i].key, fs->f[i].len)) {
			in.feature = fs->f[i].key;
			break;
		}
	alerts_raise(b, &in, now);
}
