/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rules through libaudit. Removal works from the kernel's own listing:
 * the rules whose key matches are sent back verbatim with AUDIT_DEL_RULE,
 * so stop and the stale sweep are one code path and never depend on
 * rebuilding a rule the same way twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit-rules.h"
#include "util/instance.h"
#include "core/context.h"
#include "util/parse.h"

static int boot_id8(char out[9])
{
	char buf[64];
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int k = 0;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	for (ssize_t i = 0; i < n && k < 8; i++)
		if ((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f'))
			out[k++] = buf[i];
	out[k] = '\0';
	return k == 8 ? 0 : -EIO;
}

/* Inode of our pid namespace: pids in keys mean something only inside it. */
static uint64_t pidns_id(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

int audit_rules_key(char *buf, size_t len, unsigned i)
{
	char boot[9];
	int r = boot_id8(boot), n;
	unsigned long long ns = (unsigned long long)pidns_id();

	if (r < 0)
		return r;
	if (i == 0)
		n = snprintf(buf, len, AUDIT_KEY_PREFIX "%s-%llu-%d", boot, ns, (int)getpid());
	else
		n = snprintf(buf, len, AUDIT_KEY_PREFIX "%s-%llu-%d-%u", boot, ns, (int)getpid(), i);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* ---- building ------------------------------------------------------------ */

/* libaudit writes into the pair it parses: always hand it a copy. */
static int fieldpair(struct audit_rule_data **r, const char *pair)
{
	char buf[256];
	size_t n = strlen(pair);

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, pair, n + 1);
	return audit_rule_fieldpair_data(r, buf, AUDIT_FILTER_EXIT) == 0 ? 0 : -EINVAL;
}

/* The key as auditctl sets it: an AUDIT_FILTERKEY field whose string goes to buf. */
static int add_key(struct audit_rule_data **r, const char *key)
{
	struct audit_rule_data *o = *r, *n;
	size_t kl = strlen(key);

	if (kl == 0 || kl > AUDIT_MAX_KEY_LEN || o->field_count >= AUDIT_MAX_FIELDS)
		return -EINVAL;
	n = realloc(o, sizeof(*o) + o->buflen + kl);
	if (!n)
		return -ENOMEM;
	memcpy(n->buf + n->buflen, key, kl);
	n->buflen += (uint32_t)kl;
	n->fields[n->field_count] = AUDIT_FILTERKEY;
	n->fieldflags[n->field_count] = AUDIT_EQUAL;
	n->values[n->field_count] = (uint32_t)kl;
	n->field_count++;
	*r = n;
	return 0;
}

static int send_rule(int fd, struct audit_rule_data *r, int list)
{
	int rc = audit_add_rule_data(fd, r, list, AUDIT_ALWAYS);

	return rc < 0 ? (rc == -1 ? -EIO : rc) : 0;
}

/*
 * One rule: arch, a list of syscalls sharing the same field filters (one
 * rule for many syscalls: syscalls outside every mask pay one bit test
 * per rule), optional extra field pairs, the key.
 */
static int syscall_rule(struct sensor_ctx *ctx, int fd, const char *arch,
			const char *const *names, const char *const *pairs, const char *key)
{
	struct audit_rule_data *r = audit_rule_create_data();
	char apair[32];
	int n = 0, rc;

	if (!r)
		return -ENOMEM;
	snprintf(apair, sizeof(apair), "arch=%s", arch);
	if (fieldpair(&r, apair) != 0) {
		audit_rule_free_data(r);
		return -EOPNOTSUPP;
	}
	for (; *names; names++) {
		if (audit_rule_syscallbyname_data(r, *names) == 0)
			n++;
		else if (ctx)
			ctx_log(ctx, SENSOR_LOG_DEBUG, "audit: no syscall %s on %s", *names, arch);
	}
	/* the sensor's own syscalls (its netlink binds, its rule changes) are no news */
	snprintf(apair, sizeof(apair), "pid!=%d", (int)getpid());
	if (fieldpair(&r, apair) != 0) {
		audit_rule_free_data(r);
		return -EINVAL;
	}
	for (; pairs && *pairs; pairs++) {
		if (fieldpair(&r, *pairs) != 0) {
			audit_rule_free_data(r);
			return -EINVAL;
		}
	}
	if (n == 0) {
		audit_rule_free_data(r);
		return 0;
	}
	rc = add_key(&r, key);
	if (rc == 0)
		rc = send_rule(fd, r, AUDIT_FILTER_EXIT);
	audit_rule_free_data(r);
	return rc < 0 ? rc : 1;
}

/*
 * Syscalls that can read, write or change the attributes of a watched file.
 * A plain -w rule matches every syscall and is evaluated at each exit; with
 * this list in its mask, a syscall that touches no file skips it with one
 * bit test.
 */
static const char *const watch_syscalls[] = {
	"open", "openat", "openat2", "creat", "truncate", "ftruncate", "rename", "renameat",
	"renameat2", "link", "linkat", "unlink", "unlinkat", "mkdir", "mkdirat", "rmdir", "mknod",
	"mknodat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown",
	"fchown", "lchown", "fchownat", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
	"lremovexattr", "fremovexattr", "utime", "utimes", "utimensat", "futimesat", "execve",
	"execveat", NULL,
};

static int watch_rule(struct sensor_ctx *ctx, int fd, const char *arch, const char *path,
		      int perms, const char *key)
{
	struct audit_rule_data *r = audit_rule_create_data();
	struct stat st;
	char parent[256], apair[32];
	const char *slash = strrchr(path, '/');
	int type = AUDIT_WATCH, rc, n = 0;

	if (!r)
		return -ENOMEM;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		type = AUDIT_DIR;
	} else if (slash && (size_t)(slash - path) < sizeof(parent)) {
		/* a file watch needs its directory */
		memcpy(parent, path, (size_t)(slash - path));
		parent[slash - path] = '\0';
		if (parent[0] && stat(parent, &st) < 0) {
			audit_rule_free_data(r);
			if (ctx)
				ctx_log(ctx, SENSOR_LOG_DEBUG, "audit: no watch on %s (no %s)", path,
					parent);
			return 0;
		}
	}
	if (audit_add_watch_dir(type, &r, path) != 0 || audit_update_watch_perms(r, perms) != 0) {
		audit_rule_free_data(r);
		return -EINVAL;
	}
	if (arch) {
		/* libaudit gave the watch every syscall: narrow it to the file ones of arch */
		snprintf(apair, sizeof(apair), "arch=%s", arch);
		if (fieldpair(&r, apair) != 0) {
			audit_rule_free_data(r);
			return -EOPNOTSUPP;
		}
		memset(r->mask, 0, sizeof(r->mask));
		for (const char *const *sc = watch_syscalls; *sc; sc++)
			n += audit_rule_syscallbyname_data(r, *sc) == 0;
		if (n == 0) {
			audit_rule_free_data(r);
			return 0;
		}
	}
	rc = add_key(&r, key);
	if (rc == 0)
		rc = send_rule(fd, r, AUDIT_FILTER_EXIT);
	audit_rule_free_data(r);
	return rc < 0 ? rc : 1;
}

int audit_rules_add_default(struct sensor_ctx *ctx, int fd, const char *key, bool no_net)
{
	static const char *const always[] = {
		"execve", "execveat", "connect", "accept", "accept4", "bind", "listen", "ptrace",
		"mount", "umount2", "pivot_root", "unshare", "setns", "chroot", "init_module",
		"finit_module", "delete_module", "setuid", "setreuid", "setresuid", "setfsuid",
		"setgid", "setregid", "setresgid", "setfsgid", "memfd_create", "bpf", NULL,
	};
	/* SENSOR_AUDIT_NO_NET_RULES: the flows are conntrack's; a listening
	 * socket (a bind shell) is seen by no other source and stays */
	static const char *const always_no_net[] = {
		"execve", "execveat", "listen", "ptrace",
		"mount", "umount2", "pivot_root", "unshare", "setns", "chroot", "init_module",
		"finit_module", "delete_module", "setuid", "setreuid", "setresuid", "setfsuid",
		"setgid", "setregid", "setresgid", "setfsgid", "memfd_create", "bpf", NULL,
	};
	static const char *const clone[] = { "clone", NULL };
	/* CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
	static const char *const clone_ns[] = { "a0&0x7e020000", NULL };
	static const char *const chmod1[] = { "chmod", "fchmod", NULL };
	static const char *const mode1[] = { "a1&06000", NULL }; /* S_ISUID|S_ISGID */
	static const char *const chmod2[] = { "fchmodat", "fchmodat2", NULL };
	static const char *const mode2[] = { "a2&06000", NULL };
	static const struct {
		const char *path;
		int perms;
	} watches[] = {
		{ "/etc/passwd", AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/etc/shadow", AUDIT_PERM_READ | AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/etc/group", AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/etc/gshadow", AUDIT_PERM_READ | AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/etc/sudoers", AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/etc/sudoers.d", AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/root/.ssh", AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/etc/ssh/sshd_config", AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/etc/ld.so.preload", AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/etc/crontab", AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/etc/cron.d", AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
		{ "/var/spool/cron", AUDIT_PERM_WRITE | AUDIT_PERM_ATTR },
	};
	static const char *const arches[] = { "b64", "b32" };
	bool have_arch[2] = { false, false };
	int total = 0, rc;

	for (size_t a = 0; a < 2; a++) {
		rc = syscall_rule(ctx, fd, arches[a], no_net ? always_no_net : always, NULL, key);
		if (rc < 0 && a == 0)
			return rc;
		if (rc < 0) {
			/* no 32-bit emulation: nothing to watch there */
			ctx_log(ctx, SENSOR_LOG_INFO, "audit: no %s rules (%s)", arches[a],
				strerror(-rc));
			continue;
		}
		total += rc;
		have_arch[a] = true;
		rc = syscall_rule(ctx, fd, arches[a], clone, clone_ns, key);
		total += rc > 0 ? rc : 0;
		rc = syscall_rule(ctx, fd, arches[a], chmod1, mode1, key);
		total += rc > 0 ? rc : 0;
		rc = syscall_rule(ctx, fd, arches[a], chmod2, mode2, key);
		total += rc > 0 ? rc : 0;
	}
	for (size_t a = 0; a < 2; a++) {
		if (!have_arch[a])
			continue;
		for (size_t i = 0; i < sizeof(watches) / sizeof(watches[0]); i++) {
			rc = watch_rule(ctx, fd, arches[a], watches[i].path, watches[i].perms, key);
			if (rc < 0)
				ctx_log(ctx, SENSOR_LOG_WARNING, "audit: watch %s: %s",
					watches[i].path, strerror(-rc));
			else
				total += rc;
		}
	}
	return total;
}

/* ---- rules file (auditctl syntax) ---------------------------------------- */

static int perms_of(const char *s)
{
	int p = 0;

	for (; *s; s++) {
		switch (*s) {
		case 'r': p |= AUDIT_PERM_READ; break;
		case 'w': p |= AUDIT_PERM_WRITE; break;
		case 'x': p |= AUDIT_PERM_EXEC; break;
		case 'a': p |= AUDIT_PERM_ATTR; break;
		default: return -1;
		}
	}
	return p;
}

/* "always,exit" / "exit,always" -> list; only the exit list with always is accepted. */
static int list_of(const char *s)
{
	if (strcmp(s, "always,exit") == 0 || strcmp(s, "exit,always") == 0)
		return AUDIT_FILTER_EXIT;
	return -1;
}

#define MAX_TOK 64

static int split(char *line, char **tok)
{
	int n = 0;
	char *p = line;

	while (*p && n < MAX_TOK) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static int file_line(struct sensor_ctx *ctx, int fd, char *line, const char *key)
{
	char *tok[MAX_TOK];
	int n = split(line, tok), list = -1, perms = -1, rc, nsys = 0;
	const char *watch = NULL;
	struct audit_rule_data *r;
	bool prepend = false;

	if (n == 0)
		return 0;
	r = audit_rule_create_data();
	if (!r)
		return -ENOMEM;
	rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		const char *t = tok[i], *v = i + 1 < n ? tok[i + 1] : NULL;

		if ((strcmp(t, "-a") == 0 || strcmp(t, "-A") == 0) && v) {
			list = list_of(v);
			prepend = t[1] == 'A';
			rc = list < 0 ? -EINVAL : 0;
			i++;
		} else if (strcmp(t, "-S") == 0 && v) {
			char names[256];
			const char *s = v;

			while (*s && rc == 0) {
				size_t l = strcspn(s, ",");

				if (l >= sizeof(names)) {
					rc = -EINVAL;
					break;
				}
				memcpy(names, s, l);
				names[l] = '\0';
				if (audit_rule_syscallbyname_data(r, names) != 0)
					rc = -EINVAL;
				nsys++;
				s += l + (s[l] == ',');
			}
			i++;
		} else if (strcmp(t, "-F") == 0 && v) {
			if (strncmp(v, "key=", 4) != 0 && fieldpair(&r, v) != 0)
				rc = -EINVAL;
			i++;
		} else if ((strcmp(t, "-k") == 0 || strcmp(t, "-w") == 0 || strcmp(t, "-p") == 0) &&
			   v) {
			if (t[1] == 'w')
				watch = v;
			else if (t[1] == 'p')
				perms = perms_of(v);
			/* -k: every rule carries the instance key instead */
			i++;
		} else {
			rc = -EINVAL; /* -D, -e, -b, -f ...: global state, never from here */
		}
	}
	if (rc == 0 && watch) {
		struct stat st;
		int type = stat(watch, &st) == 0 && S_ISDIR(st.st_mode) ? AUDIT_DIR : AUDIT_WATCH;

		if (audit_add_watch_dir(type, &r, watch) != 0)
			rc = -EINVAL;
		else if (audit_update_watch_perms(r, perms >= 0 ? perms : AUDIT_PERM_WRITE |
						  AUDIT_PERM_ATTR | AUDIT_PERM_READ | AUDIT_PERM_EXEC) != 0)
			rc = -EINVAL;
		list = AUDIT_FILTER_EXIT;
	} else if (rc == 0 && (list < 0 || (nsys == 0 && !watch))) {
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = add_key(&r, key);
	if (rc == 0)
		rc = send_rule(fd, r, list | (prepend ? AUDIT_FILTER_PREPEND : 0));
	audit_rule_free_data(r);
	(void)ctx;
	return rc < 0 ? rc : 1;
}

int audit_rules_add_file(struct sensor_ctx *ctx, int fd, const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	char line[4096];
	int total = 0, lineno = 0, rc;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		rc = file_line(ctx, fd, line, key);
		if (rc < 0) {
			ctx_log(ctx, SENSOR_LOG_ERR, "audit: %s:%d: rule refused (%s)", path, lineno,
				strerror(-rc));
			fclose(f);
			return rc;
		}
		total += rc;
	}
	fclose(f);
	return total;
}

/* ---- listing and removal ------------------------------------------------- */

static bool is_string_field(uint32_t f)
{
	return (f >= AUDIT_SUBJ_USER && f <= AUDIT_SUBJ_CLR) ||
	       (f >= AUDIT_OBJ_USER && f <= AUDIT_OBJ_LEV_HIGH) || f == AUDIT_WATCH ||
	       f == AUDIT_DIR || f == AUDIT_FILTERKEY || f == AUDIT_EXE;
}

/* Key of a listed rule (may hold several keys separated by \x01); len 0 when none. */
static const char *rule_key(const struct audit_rule_data *r, size_t *len)
{
	uint32_t off = 0;

	for (uint32_t i = 0; i < r->field_count && i < AUDIT_MAX_FIELDS; i++) {
		uint32_t f = r->fields[i] & ~AUDIT_OPERATORS;

		if (!is_string_field(f))
			continue;
		if (off + r->values[i] > r->buflen)
			return NULL;
		if (f == AUDIT_FILTERKEY) {
			*len = r->values[i];
			return r->buf + off;
		}
		off += r->values[i];
	}
	*len = 0;
	return NULL;
}

typedef bool (*key_pred)(const char *k, size_t n, const void *arg);

static bool key_any(const char *k, size_t n, key_pred p, const void *arg)
{
	size_t i = 0;

	while (i < n) {
		const char *sep = memchr(k + i, '\x01', n - i);
		size_t e = sep ? (size_t)(sep - k) : n;

		if (p(k + i, e - i, arg))
			return true;
		i = e + 1;
	}
	return false;
}

/* Rules matching p, copied out of the listing. */
static int list_matching(int fd, key_pred p, const void *arg, struct audit_rule_data ***ret,
			 int *count)
{
	struct audit_rule_data **v = NULL;
	int n = 0, rc;

	rc = audit_request_rules_list_data(fd);
	if (rc < 0)
		return rc == -1 ? -EIO : rc;
	for (;;) {
		struct audit_reply rep;
		const char *k;
		size_t kl;

		rc = audit_get_reply(fd, &rep, GET_REPLY_BLOCKING, 0);
		if (rc <= 0) {
			rc = rc < 0 ? -EIO : -ETIMEDOUT;
			break;
		}
		if (rep.type == NLMSG_DONE) {
			rc = 0;
			break;
		}
		if (rep.type == NLMSG_ERROR) {
			if (rep.error->error == 0)
				continue;
			rc = rep.error->error;
			break;
		}
		if (rep.type != AUDIT_LIST_RULES)
			continue;
		k = rule_key(rep.ruledata, &kl);
		if (k && key_any(k, kl, p, arg)) {
			size_t sz = sizeof(*rep.ruledata) + rep.ruledata->buflen;
			struct audit_rule_data *c = malloc(sz), **nv;

			nv = realloc(v, (size_t)(n + 1) * sizeof(*v));
			if (!c || !nv) {
				free(c);
				if (nv)
					v = nv;
				rc = -ENOMEM;
				break;
			}
			v = nv;
			memcpy(c, rep.ruledata, sz);
			v[n++] = c;
		}
	}
	if (rc < 0) {
		for (int i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return rc;
	}
	*ret = v;
	*count = n;
	return 0;
}

static int delete_matching(int fd, key_pred p, const void *arg, bool dry)
{
	struct audit_rule_data **v;
	int n, rc = list_matching(fd, p, arg, &v, &n), done = 0;

	if (rc < 0)
		return rc;
	for (int i = 0; i < n; i++) {
		if (!dry) {
			int d = audit_delete_rule_data(fd, v[i], (int)v[i]->flags, (int)v[i]->action);

			if (d < 0 && rc == 0)
				rc = d == -1 ? -EIO : d;
			else if (d >= 0)
				done++;
		} else {
			done++;
		}
		free(v[i]);
	}
	free(v);
	return rc < 0 ? rc : done;
}

static bool key_equal(const char *k, size_t n, const void *arg)
{
	const char *want = arg;

	return strlen(want) == n && memcmp(k, want, n) == 0;
}

int audit_rules_remove(int fd, const char *key)
{
	return delete_matching(fd, key_equal, key, false);
}

int audit_rules_count(int fd, const char *key)
{
	return delete_matching(fd, key_equal, key, true);
}

/* Next decimal number of k[*i..n) up to '-' or the end; false when there is none. */
static bool next_num(const char *k, size_t n, size_t *i, uint64_t *ret)
{
	size_t s = *i, e = s;

	while (e < n && k[e] != '-')
		e++;
	if (parse_u64(k + s, e - s, 10, ret) < 0)
		return false;
	*i = e < n ? e + 1 : n;
	return true;
}

/* Pids are below this (PID_MAX_LIMIT); namespace inodes are far above. */
#define PID_LIMIT 4194304u

struct sweep_ctx {
	char boot[9];
	uint64_t pidns;
};

/*
 * "rtsensor-<boot8>-<pidns>-<pid>[-<n>]" of a dead instance (and the older
 * "rtsensor-<boot8>-<pid>[-<n>]"). A key of another pid namespace is left
 * alone: its pid cannot be checked from here, and a live sensor's rules must
 * never go.
 */
static bool key_stale(const char *k, size_t n, const void *arg)
{
	const struct sweep_ctx *sc = arg;
	size_t pl = strlen(AUDIT_KEY_PREFIX), i = pl + 9;
	uint64_t a, pid;

	if (n < pl + 10 || memcmp(k, AUDIT_KEY_PREFIX, pl) != 0 || k[pl + 8] != '-')
		return false;
	if (!next_num(k, n, &i, &a))
		return false; /* not our format: not ours to touch */
	if (memcmp(k + pl, sc->boot, 8) != 0)
		return true; /* rules from another boot cannot belong to a live instance */
	if (a >= PID_LIMIT) {
		if (a != sc->pidns || !next_num(k, n, &i, &pid))
			return false;
	} else {
		pid = a; /* older key without the namespace */
	}
	if (pid == 0 || pid >= PID_LIMIT)
		return false;
	return instance_pid_gone((pid_t)pid);
}

int audit_rules_sweep(int fd)
{
	struct sweep_ctx sc = { .pidns = pidns_id() };
	int rc = boot_id8(sc.boot);

	if (rc < 0)
		return rc;
	return delete_matching(fd, key_stale, &sc, false);
}

static bool key_sensor(const char *k, size_t n, const void *arg)
{
	size_t pl = strlen(AUDIT_KEY_PREFIX);

	(void)arg;
	return n > pl && memcmp(k, AUDIT_KEY_PREFIX, pl) == 0;
}

int audit_rules_count_sensors(int fd)
{
	return delete_matching(fd, key_sensor, NULL, true);
}
