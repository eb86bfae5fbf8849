/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "audit-normalize.h"
#include "util/parse.h"

#define MAX_PATHS 8

void audit_norm_init(struct audit_norm *n)
{
	memset(n, 0, sizeof(*n));
}

void audit_norm_free(struct audit_norm *n)
{
	free(n->buf);
	free(n->arg);
	memset(n, 0, sizeof(*n));
}

static int reserve(char **p, size_t *cap, size_t need)
{
	size_t c = *cap ? *cap : 4096;
	char *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/*
 * Decoded value of f: its length or -errno, the bytes in *out - the
 * record's own text for a quoted value (nothing to decode), else the
 * scratch buffer.
 */
static int decode(struct audit_norm *n, const struct audit_field *f, const char *text,
		  uint32_t rtype, const char **out)
{
	size_t need = f->vlen + 1;
	int len;

	if (f->flags & (AF_DQUOTED | AF_SQUOTED)) {
		*out = text + f->v;
		return (int)f->vlen;
	}
	if (reserve(&n->buf, &n->cap, need) < 0)
		return -ENOMEM;
	len = audit_value_decode(f, text, rtype, n->buf, n->cap);
	if (len < 0)
		return len;
	*out = n->buf;
	return len;
}

static void set_decoded(struct audit_norm *n, struct sensor_event *ev, enum sensor_field fld,
			const struct audit_field *f, const char *text)
{
	const char *s;
	int len;

	if (!f)
		return;
	if (f->vlen == 6 && memcmp(text + f->v, "(null)", 6) == 0)
		return;
	len = decode(n, f, text, 0, &s);
	if (len >= 0)
		ev_set_strn(ev, fld, s, (size_t)len);
}

struct recs {
	const struct audit_record *sys, *cwd, *sock, *path[MAX_PATHS];
	const char *sys_t, *cwd_t, *sock_t, *path_t[MAX_PATHS];
	unsigned npath;
};

static bool name_in(const char *name, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(name, *set) == 0)
			return true;
	return false;
}

/* ---- exec ---------------------------------------------------------------- */

static int arg_append(struct audit_norm *n, const char *s, size_t len)
{
	if (reserve(&n->arg, &n->arg_cap, n->arg_len + len + 1) < 0)
		return -ENOMEM;
	memcpy(n->arg + n->arg_len, s, len);
	n->arg_len += len;
	return 0;
}

/* aN, aN_len, aN[i]: which one and N. */
enum argkey { ARG_NONE, ARG_WHOLE, ARG_LEN, ARG_PIECE };

static enum argkey arg_key(const char *k, size_t kl, uint64_t *idx)
{
	size_t i = 1;

	if (kl < 2 || k[0] != 'a' || k[1] < '0' || k[1] > '9')
		return ARG_NONE;
	while (i < kl && k[i] >= '0' && k[i] <= '9')
		i++;
	if (parse_u64(k + 1, i - 1, 10, idx) < 0)
		return ARG_NONE;
	if (i == kl)
		return ARG_WHOLE;
	if (kl - i == 4 && memcmp(k + i, "_len", 4) == 0)
		return ARG_LEN;
	if (k[i] == '[' && k[kl - 1] == ']')
		return ARG_PIECE;
	return ARG_NONE;
}

/*
 * A multi-call binary that re-executes itself (busybox's standalone shell
 * runs each applet as execve("/proc/self/exe", ["nc", ...])) names no file:
 * the applet is argv[0], next to the binary (/bin/busybox + nc: /bin/nc).
 * An absolute argv[0] is taken as it is. Enrichment does better while the
 * process lives (exec-path.h); this holds for a gone process and offline.
 */
static void exec_path_self(struct sensor_event *ev)
{
	const char *p = ev_str(ev, SENSOR_FIELD_EXEC_PATH), *exe, *a0, *slash;
	char out[1024];
	int n;

	if (!p || strncmp(p, "/proc/", 6) != 0 || !ev->argc)
		return;
	a0 = ev->arena + ev->argv_off[0];
	exe = ev_str(ev, SENSOR_FIELD_PROCESS_EXE);
	if (!a0[0] || a0[0] == '-')
		return;
	if (a0[0] == '/') {
		n = snprintf(out, sizeof(out), "%s", a0);
	} else {
		const char *base = strrchr(a0, '/');

		base = base ? base + 1 : a0;
		if (!exe || exe[0] != '/' || !(slash = strrchr(exe, '/')) || !*base)
			return;
		n = snprintf(out, sizeof(out), "%.*s/%s", (int)(slash - exe), exe, base);
	}
	if (n > 0 && (size_t)n < sizeof(out))
		ev_set_str(ev, SENSOR_FIELD_EXEC_PATH, out); /* out: the arena may move */
}

static void build_argv(struct audit_norm *n, struct sensor_event *ev, const struct audit_event *e)
{
	bool in_piece = false, any = false;
	const char *s;
	int len;

	n->arg_len = 0;
	for (uint32_t i = 0; i < e->nrec; i++) {
		const char *t;
		const struct audit_record *r = audit_event_record(e, i, &t);

		if (r->type != AUDIT_EXECVE)
			continue;
		any = true;
		for (uint32_t j = 0; j < r->nfields; j++) {
			const struct audit_field *f = &r->f[j];
			uint64_t idx;

			if (f->flags & AF_ENRICHED)
				break;
			switch (arg_key(t + f->k, f->klen, &idx)) {
			case ARG_WHOLE:
				if (in_piece)
					ev_add_arg(ev, n->arg, n->arg_len);
				in_piece = false;
				len = decode(n, f, t, AUDIT_EXECVE, &s);
				if (len >= 0)
					ev_add_arg(ev, s, (size_t)len);
				break;
			case ARG_LEN:
				if (in_piece)
					ev_add_arg(ev, n->arg, n->arg_len);
				in_piece = true;
				n->arg_len = 0;
				break;
			case ARG_PIECE:
				len = decode(n, f, t, AUDIT_EXECVE, &s);
				if (in_piece && len >= 0)
					arg_append(n, s, (size_t)len);
				break;
			default:
				break;
			}
		}
	}
	if (in_piece)
		ev_add_arg(ev, n->arg, n->arg_len);
	if (any && !ev_has(ev, SENSOR_FIELD_EXEC_ARGC))
		ev_set_int(ev, SENSOR_FIELD_EXEC_ARGC, 0);
}

/*
 * process.cmdline as /proc shows it (arguments joined by blanks, at most
 * CMDLINE_MAX bytes), so rules over the command line see what audit saw:
 * the exec's own argv, complete; for other events the PROCTITLE record,
 * taken only when the kernel did not cut it (it keeps 128 bytes) - a cut
 * one is left to enrichment from /proc. The kernel's proctitle is the
 * process's argument area at the syscall, as /proc/<pid>/cmdline reads it.
 */
#define CMDLINE_MAX 4095
#define PROCTITLE_KEEP 128

static void set_cmdline_argv(struct audit_norm *n, struct sensor_event *ev)
{
	size_t len = 0;

	if (!ev->argc || reserve(&n->buf, &n->cap, CMDLINE_MAX + 1) < 0)
		return;
	for (uint32_t i = 0; i < ev->argc && len < CMDLINE_MAX; i++) {
		const char *a = ev->arena + ev->argv_off[i];
		size_t al = strlen(a);

		if (i)
			n->buf[len++] = ' ';
		if (al > CMDLINE_MAX - len)
			al = CMDLINE_MAX - len;
		memcpy(n->buf + len, a, al);
		len += al;
	}
	ev_set_strn(ev, SENSOR_FIELD_PROCESS_CMDLINE, n->buf, len);
}

static void set_cmdline_proctitle(struct audit_norm *n, struct sensor_event *ev,
				  const struct audit_event *e)
{
	for (uint32_t i = 0; i < e->nrec; i++) {
		const char *t, *s;
		const struct audit_record *r = audit_event_record(e, i, &t);
		const struct audit_field *f;
		int len;

		if (r->type != AUDIT_PROCTITLE)
			continue;
		f = audit_field_find(r, t, "proctitle");
		len = f ? decode(n, f, t, AUDIT_PROCTITLE, &s) : -ENOENT;
		if (len <= 0 || len >= PROCTITLE_KEEP)
			return;
		if (s != n->buf) { /* a quoted one is still in the record's text */
			if (reserve(&n->buf, &n->cap, (size_t)len + 1) < 0)
				return;
			memcpy(n->buf, s, (size_t)len);
		}
		/* s is n->buf: the NULs between arguments become blanks in place */
		while (len > 0 && n->buf[len - 1] == '\0')
			len--;
		for (int k = 0; k < len; k++)
			if (n->buf[k] == '\0')
				n->buf[k] = ' ';
		ev_set_strn(ev, SENSOR_FIELD_PROCESS_CMDLINE, n->buf, (size_t)len);
		return;
	}
}

/* ---- net ----------------------------------------------------------------- */

static void fill_net(struct sensor_event *ev, const char *name, const struct recs *rc,
		     int64_t exit_v, bool success)
{
	struct audit_sockaddr sa;
	const struct audit_field *f;
	bool peer_is_src;
	char num[16];

	if (strncmp(name, "accept", 6) == 0)
		ev_set_str(ev, SENSOR_FIELD_NET_OP, "accept");
	else
		ev_set_str(ev, SENSOR_FIELD_NET_OP, name);
	if (success)
		ev_set_str(ev, SENSOR_FIELD_NET_STATE, "success");
	else {
		const char *en = exit_v < 0 ? audit_errno_to_name((int)-exit_v) : NULL;

		ev_set_str(ev, SENSOR_FIELD_NET_STATE, en ? en : "failed");
	}
	/* bind: our own address; accept: the peer, which is the connection's source */
	peer_is_src = strcmp(name, "bind") == 0 || strncmp(name, "accept", 6) == 0;
	if (!rc->sock)
		return;
	f = audit_field_find(rc->sock, rc->sock_t, "saddr");
	if (!f || audit_sockaddr_decode(rc->sock_t + f->v, f->vlen, &sa) < 0)
		return;
	ev_set_str(ev, SENSOR_FIELD_NET_FAMILY, audit_family_name(sa.family));
	if (sa.family == AF_NETLINK) {
		int k = 0;
		uint32_t p = sa.port;

		do { /* nl_pid as the address: 0 is the kernel */
			num[k++] = (char)('0' + p % 10);
			p /= 10;
		} while (p && k < 15);
		for (int i = 0; i < k / 2; i++) {
			char c = num[i];

			num[i] = num[k - 1 - i];
			num[k - 1 - i] = c;
		}
		num[k] = '\0';
		ev_set_str(ev, peer_is_src ? SENSOR_FIELD_NET_SRC : SENSOR_FIELD_NET_DST, num);
		return;
	}
	if (sa.family != AF_INET && sa.family != AF_INET6 && sa.family != AF_UNIX)
		return;
	ev_set_str(ev, peer_is_src ? SENSOR_FIELD_NET_SRC : SENSOR_FIELD_NET_DST, sa.addr);
	if (sa.family != AF_UNIX)
		ev_set_int(ev, peer_is_src ? SENSOR_FIELD_NET_SPORT : SENSOR_FIELD_NET_DPORT,
			   sa.port);
}

/* ---- file ---------------------------------------------------------------- */

static const char *file_op(const char *name, uint64_t flags, bool have_flags)
{
	static const char *const del[] = { "unlink", "unlinkat", "rmdir", NULL };
	static const char *const ren[] = { "rename", "renameat", "renameat2", NULL };
	static const char *const cre[] = { "creat", "mkdir", "mkdirat", "mknod", "mknodat", "link",
					   "linkat", "symlink", "symlinkat", NULL };
	static const char *const att[] = { "chmod", "fchmod", "fchmodat", "fchmodat2", "chown",
					   "fchown", "lchown", "fchownat", "setxattr", "lsetxattr",
					   "fsetxattr", "removexattr", "lremovexattr",
					   "fremovexattr", "utime", "utimes", "utimensat",
					   "futimesat", NULL };
	static const char *const wr[] = { "truncate", "ftruncate", NULL };
	static const char *const opn[] = { "open", "openat", "openat2", "open_by_handle_at",
					   NULL };

	if (name_in(name, del))
		return "delete";
	if (name_in(name, ren))
		return "rename";
	if (name_in(name, cre))
		return "create";
	if (name_in(name, att))
		return "attrib";
	if (name_in(name, wr))
		return "write";
	if (name_in(name, opn)) {
		if (have_flags && (flags & O_CREAT))
			return "create";
		if (have_flags && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
			return "write";
		return "open";
	}
	return NULL;
}

/* PATH record whose nametype is t (NULL: the first that is no PARENT). */
static int pick_path(const struct recs *rc, const char *t)
{
	for (unsigned i = 0; i < rc->npath; i++) {
		const struct audit_field *f = audit_field_find(rc->path[i], rc->path_t[i], "nametype");
		const struct audit_field *nm = audit_field_find(rc->path[i], rc->path_t[i], "name");
		bool parent = f && f->vlen == 6 && memcmp(rc->path_t[i] + f->v, "PARENT", 6) == 0;

		if (!nm || (nm->vlen == 6 && memcmp(rc->path_t[i] + nm->v, "(null)", 6) == 0))
			continue;
		if (t ? (f && f->vlen == strlen(t) && memcmp(rc->path_t[i] + f->v, t, f->vlen) == 0)
		      : !parent)
			return (int)i;
	}
	return -1;
}

/* A path, made absolute with the event's cwd when it is relative. */
static int set_path(struct audit_norm *n, struct sensor_event *ev, enum sensor_field fld,
		    const struct recs *rc, int i)
{
	const struct audit_field *nm = audit_field_find(rc->path[i], rc->path_t[i], "name");
	const struct audit_field *cw = rc->cwd ? audit_field_find(rc->cwd, rc->cwd_t, "cwd") : NULL;
	size_t need;
	int l1, l2 = 0;

	if (!nm)
		return -ENOENT;
	need = (size_t)nm->vlen + (cw ? cw->vlen : 0) + 2;
	if (reserve(&n->buf, &n->cap, need) < 0)
		return -ENOMEM;
	l1 = audit_value_decode(nm, rc->path_t[i], AUDIT_PATH, n->buf, n->cap);
	if (l1 < 0)
		return l1;
	if (l1 > 0 && n->buf[0] != '/' && cw) {
		/* relative: cwd + '/' + name, built at the buffer's end then moved */
		char *tail = n->buf + need - (size_t)l1;

		memmove(tail, n->buf, (size_t)l1);
		l2 = audit_value_decode(cw, rc->cwd_t, AUDIT_CWD, n->buf, need - (size_t)l1);
		if (l2 < 0 || (size_t)l2 + 1 + (size_t)l1 > need)
			return ev_set_strn(ev, fld, tail, (size_t)l1);
		n->buf[l2] = '/';
		memmove(n->buf + l2 + 1, tail, (size_t)l1);
		return ev_set_strn(ev, fld, n->buf, (size_t)l2 + 1 + (size_t)l1);
	}
	return ev_set_strn(ev, fld, n->buf, (size_t)l1);
}

/* ---- all ----------------------------------------------------------------- */

/* The SYSCALL record's fields we use, found in one pass. */
struct sysf {
	const struct audit_field *arch, *nr, *success, *exit, *a[4], *pid, *ppid, *uid, *euid,
		*gid, *egid, *auid, *ses, *comm, *exe, *tty;
};

static bool kis(const struct audit_field *f, const char *t, const char *k, size_t n)
{
	return f->klen == n && memcmp(t + f->k, k, n) == 0;
}

static void index_syscall(const struct audit_record *r, const char *t, struct sysf *x)
{
	memset(x, 0, sizeof(*x));
	for (uint32_t i = 0; i < r->nfields; i++) {
		const struct audit_field *f = &r->f[i];

		if (f->flags & AF_ENRICHED)
			break;
		switch (f->klen) {
		case 2:
			if (t[f->k] == 'a' && t[f->k + 1] >= '0' && t[f->k + 1] <= '3')
				x->a[t[f->k + 1] - '0'] = f;
			break;
		case 3:
			if (kis(f, t, "pid", 3))
				x->pid = f;
			else if (kis(f, t, "uid", 3))
				x->uid = f;
			else if (kis(f, t, "gid", 3))
				x->gid = f;
			else if (kis(f, t, "ses", 3))
				x->ses = f;
			else if (kis(f, t, "exe", 3))
				x->exe = f;
			else if (kis(f, t, "tty", 3))
				x->tty = f;
			break;
		case 4:
			if (kis(f, t, "arch", 4))
				x->arch = f;
			else if (kis(f, t, "exit", 4))
				x->exit = f;
			else if (kis(f, t, "ppid", 4))
				x->ppid = f;
			else if (kis(f, t, "euid", 4))
				x->euid = f;
			else if (kis(f, t, "egid", 4))
				x->egid = f;
			else if (kis(f, t, "auid", 4))
				x->auid = f;
			else if (kis(f, t, "comm", 4))
				x->comm = f;
			break;
		case 7:
			if (kis(f, t, "syscall", 7))
				x->nr = f;
			else if (kis(f, t, "success", 7))
				x->success = f;
			break;
		default:
			break;
		}
	}
}

static void set_i(struct sensor_event *ev, enum sensor_field fld, const struct audit_field *f,
		  const char *t)
{
	int64_t v;

	if (f && audit_field_i64(f, t, &v) == 0)
		ev_set_int(ev, fld, v);
}

static void fill_process(struct audit_norm *n, struct sensor_event *ev, const struct sysf *x,
			 const char *t)
{
	set_i(ev, SENSOR_FIELD_PROCESS_PID, x->pid, t);
	set_i(ev, SENSOR_FIELD_PROCESS_PPID, x->ppid, t);
	set_i(ev, SENSOR_FIELD_PROCESS_UID, x->uid, t);
	set_i(ev, SENSOR_FIELD_PROCESS_EUID, x->euid, t);
	set_i(ev, SENSOR_FIELD_PROCESS_GID, x->gid, t);
	set_i(ev, SENSOR_FIELD_PROCESS_EGID, x->egid, t);
	set_i(ev, SENSOR_FIELD_PROCESS_AUID, x->auid, t);
	set_i(ev, SENSOR_FIELD_PROCESS_SESSION, x->ses, t);
	set_decoded(n, ev, SENSOR_FIELD_PROCESS_COMM, x->comm, t);
	set_decoded(n, ev, SENSOR_FIELD_PROCESS_EXE, x->exe, t);
	/* the kernel writes tty=(none) for a process without a controlling
	 * terminal: that is no terminal, so process.tty is absent (docs/events.md) */
	if (x->tty && !(x->tty->vlen == 6 && memcmp(t + x->tty->v, "(none)", 6) == 0))
		set_decoded(n, ev, SENSOR_FIELD_PROCESS_TTY, x->tty, t);
}

int audit_normalize(struct audit_norm *n, struct sensor_source *src, const struct audit_event *e,
		    struct sensor_event **ret)
{
	static const char *const netops[] = { "connect", "accept", "accept4", "bind", "listen",
					      NULL };
	struct recs rc = { 0 };
	struct sensor_event *ev;
	const char *name = NULL, *op;
	uint64_t arch = 0, nr = 0, flags = 0;
	int64_t exit_v = 0;
	bool success, have_flags = false, have_exit;
	enum sensor_kind kind;
	struct sysf x;

	for (uint32_t i = 0; i < e->nrec; i++) {
		const char *t;
		const struct audit_record *r = audit_event_record(e, i, &t);

		switch (r->type) {
		case AUDIT_SYSCALL:
			if (!rc.sys) {
				rc.sys = r;
				rc.sys_t = t;
			}
			break;
		case AUDIT_CWD:
			rc.cwd = r;
			rc.cwd_t = t;
			break;
		case AUDIT_SOCKADDR:
			rc.sock = r;
			rc.sock_t = t;
			break;
		case AUDIT_PATH:
			if (rc.npath < MAX_PATHS) {
				rc.path[rc.npath] = r;
				rc.path_t[rc.npath++] = t;
			}
			break;
		default:
			break;
		}
	}
	if (!rc.sys)
		return 0;
	index_syscall(rc.sys, rc.sys_t, &x);
	if (audit_field_u64(x.arch, rc.sys_t, 16, &arch) < 0 ||
	    audit_field_u64(x.nr, rc.sys_t, 10, &nr) < 0 || nr > INT32_MAX)
		return 0;
	name = audit_syscall_name((uint32_t)arch, (int)nr);
	success = !x.success || (x.success->vlen == 3 && memcmp(rc.sys_t + x.success->v, "yes", 3) == 0);
	have_exit = audit_field_i64(x.exit, rc.sys_t, &exit_v) == 0;

	if (name && (strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0) && success)
		kind = SENSOR_KIND_EXEC;
	else if (name && name_in(name, netops))
		kind = SENSOR_KIND_NET;
	else
		kind = SENSOR_KIND_SYSCALL;
	op = NULL;
	if (kind == SENSOR_KIND_SYSCALL && name) {
		/* open flags: a1 of open, a2 of openat/openat2 (its how.flags is not logged) */
		const struct audit_field *fa = strcmp(name, "open") == 0 ? x.a[1] : x.a[2];

		have_flags = audit_field_u64(fa, rc.sys_t, 16, &flags) == 0;
		op = file_op(name, flags, have_flags && strcmp(name, "openat2") != 0);
		if (op && pick_path(&rc, NULL) >= 0)
			kind = SENSOR_KIND_FILE;
	}

	ev = ctx_event_new(src, kind);
	if (!ev)
		return -ENOMEM;
	ev_set_int(ev, SENSOR_FIELD_TIME, (int64_t)(e->sec * 1000000000ull + e->msec * 1000000ull));
	fill_process(n, ev, &x, rc.sys_t);

	switch (kind) {
	case SENSOR_KIND_EXEC: {
		/* the path the process executed (the execve's first PATH record,
		 * made absolute with its cwd): a busybox applet is /bin/nc, not
		 * /bin/busybox; process.exe stays the resolved binary */
		int pi = pick_path(&rc, NULL);

		if (pi < 0 || set_path(n, ev, SENSOR_FIELD_EXEC_PATH, &rc, pi) < 0)
			set_decoded(n, ev, SENSOR_FIELD_EXEC_PATH, x.exe, rc.sys_t);
		if (rc.cwd)
			set_decoded(n, ev, SENSOR_FIELD_EXEC_CWD,
				    audit_field_find(rc.cwd, rc.cwd_t, "cwd"), rc.cwd_t);
		build_argv(n, ev, e);
		set_cmdline_argv(n, ev);
		exec_path_self(ev);
		break;
	}
	case SENSOR_KIND_NET:
		fill_net(ev, name, &rc, exit_v, success);
		break;
	case SENSOR_KIND_FILE: {
		int from = -1, to = -1;

		ev_set_str(ev, SENSOR_FIELD_FILE_OP, op);
		if (strcmp(op, "rename") == 0) {
			from = pick_path(&rc, "DELETE");
			to = pick_path(&rc, "CREATE");
		} else if (strcmp(op, "create") == 0) {
			from = pick_path(&rc, "CREATE");
		} else if (strcmp(op, "delete") == 0) {
			from = pick_path(&rc, "DELETE");
		}
		if (from < 0)
			from = pick_path(&rc, NULL);
		set_path(n, ev, SENSOR_FIELD_FILE_PATH, &rc, from);
		if (to >= 0)
			set_path(n, ev, SENSOR_FIELD_FILE_TO, &rc, to);
		if (have_flags && name && strncmp(name, "open", 4) == 0)
			ev_set_int(ev, SENSOR_FIELD_FILE_FLAGS, (int64_t)flags);
		if (name && strstr(name, "chmod")) {
			/* the mode set: a1 of chmod/fchmod, a2 of fchmodat(2) */
			const struct audit_field *fm = strncmp(name, "fchmodat", 8) == 0 ? x.a[2] : x.a[1];
			uint64_t mode;

			if (audit_field_u64(fm, rc.sys_t, 16, &mode) == 0)
				ev_set_int(ev, SENSOR_FIELD_FILE_MODE, (int64_t)(mode & 07777));
		}
		break;
	}
	default: {
		const char *an = audit_arch_name((uint32_t)arch);

		ev_set_int(ev, SENSOR_FIELD_SYSCALL_NR, (int64_t)nr);
		if (name)
			ev_set_str(ev, SENSOR_FIELD_SYSCALL_NAME, name);
		if (an)
			ev_set_str(ev, SENSOR_FIELD_SYSCALL_ARCH, an);
		if (have_exit)
			ev_set_int(ev, SENSOR_FIELD_SYSCALL_RET, exit_v);
		ev->nargs = 0;
		for (int i = 0; i < 4; i++) {
			uint64_t a;

			if (audit_field_u64(x.a[i], rc.sys_t, 16, &a) < 0)
				break;
			ev->args[ev->nargs++] = a;
		}
		if (ev->nargs)
			ev_set_int(ev, SENSOR_FIELD_SYSCALL_NARGS, ev->nargs);
		break;
	}
	}
	if (kind != SENSOR_KIND_EXEC)
		set_cmdline_proctitle(n, ev, e);
	*ret = ev;
	return 1;
}
