/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "exec-path.h"

#define TMPFS_MAGIC_ 0x01021994

static const char *base_of(const char *p, size_t *n)
{
	const char *b = strrchr(p, '/');

	b = b ? b + 1 : p;
	*n = strcspn(b, " "); /* "x (deleted)" */
	return b;
}

static bool exists_in_root(const char *proc_root, int32_t pid, const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	if (snprintf(p, sizeof(p), "%s/%d/root%s", proc_root, (int)pid, path) >= (int)sizeof(p))
		return false;
	return lstat(p, &st) == 0 && !S_ISDIR(st.st_mode);
}

int exec_path_from_argv0(const char *proc_root, int32_t pid, const char *argv0, const char *exe,
			 const char *cwd, char *out, size_t cap)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					    "/usr/bin", "/sbin", "/bin", NULL };
	const char *ab, *eb;
	size_t an, en;

	if (!proc_root || !argv0 || !out || cap == 0)
		return -EINVAL;
	if (!argv0[0] || strlen(argv0) >= PATH_MAX / 2)
		return 0;
	ab = base_of(argv0, &an);
	an = strlen(ab);
	if (an == 0 || strcmp(ab, ".") == 0 || strcmp(ab, "..") == 0)
		return 0;
	if (exe) {
		eb = base_of(exe, &en);
		if (en == an && memcmp(ab, eb, an) == 0)
			return 0; /* the usual case: no lookup */
	}
	if (argv0[0] == '-')
		return 0; /* a login shell's "-sh" */
	if (strchr(argv0, '/')) {
		int n;

		if (argv0[0] == '/')
			n = snprintf(out, cap, "%s", argv0);
		else if (cwd && cwd[0] == '/')
			n = snprintf(out, cap, "%s%s%s", cwd, cwd[1] ? "/" : "",
				     argv0[0] == '.' && argv0[1] == '/' ? argv0 + 2 : argv0);
		else
			return 0;
		if (n < 0 || (size_t)n >= cap)
			return 0;
		return exists_in_root(proc_root, pid, out) ? 1 : 0;
	}
	for (int i = 0; dirs[i]; i++) {
		int n = snprintf(out, cap, "%s/%s", dirs[i], argv0);

		if (n < 0 || (size_t)n >= cap)
			return 0;
		if (exists_in_root(proc_root, pid, out))
			return 1;
	}
	out[0] = '\0';
	return 0;
}

int exec_drift(const char *proc_root, int32_t pid, const char *exe, const char *upper,
	       size_t upper_len)
{
	char p[PATH_MAX];
	struct statfs sf;
	struct stat st;

	if (!exe || !proc_root)
		return 0;
	if (strncmp(exe, "/memfd:", 7) == 0)
		return strncmp(exe, "/memfd:runc_cloned", 18) != 0; /* runc's own copy is not */
	if (snprintf(p, sizeof(p), "%s/%d/exe", proc_root, (int)pid) >= (int)sizeof(p))
		return 0;
	if (statfs(p, &sf) == 0 && (unsigned long)sf.f_type == TMPFS_MAGIC_) {
		struct stat rs;
		char r[64];

		/* a tmpfs that is not the container's root itself (/tmp, /dev/shm) */
		snprintf(r, sizeof(r), "%s/%d/root", proc_root, (int)pid);
		if (stat(p, &st) == 0 && stat(r, &rs) == 0 && st.st_dev != rs.st_dev)
			return 1;
	}
	return exec_drift_upper(upper, upper_len, exe);
}

int exec_drift_tmpfs(const char *proc_root, int32_t pid, const char *path)
{
	char p[PATH_MAX], r[64];
	struct statfs sf;
	struct stat st, rs;

	if (!proc_root || pid <= 0 || !path || path[0] != '/' ||
	    snprintf(p, sizeof(p), "%s/%d/root%s", proc_root, (int)pid, path) >= (int)sizeof(p) ||
	    snprintf(r, sizeof(r), "%s/%d/root", proc_root, (int)pid) >= (int)sizeof(r))
		return 0;
	return statfs(p, &sf) == 0 && (unsigned long)sf.f_type == TMPFS_MAGIC_ && stat(p, &st) == 0 &&
	       S_ISREG(st.st_mode) && stat(r, &rs) == 0 && st.st_dev != rs.st_dev;
}

int exec_drift_upper(const char *upper, size_t upper_len, const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	if (!upper || upper_len == 0 || !path || path[0] != '/' ||
	    snprintf(p, sizeof(p), "%.*s%s", (int)upper_len, upper, path) >= (int)sizeof(p))
		return 0;
	/* a regular file there: created or copied up (modified) after the start */
	return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* fstatat inside root: a symlink the container planted cannot lead out */
static int stat_in_root(int rootfd, const char *path, struct stat *st)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how)), r;

	if (fd < 0)
		return -errno;
	r = fstat(fd, st) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * The binary an applet link points to, when the running binary is not known
 * (its exec was never read): comm as a symbolic link in one of dirs whose
 * target has another name (/bin/find -> /bin/busybox). Into bin (absolute,
 * in root's view); 1 when found.
 */
static int applet_target(int rootfd, const char *const *dirs, const char *comm, size_t cn,
			 char *bin, size_t cap)
{
	struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };

	for (int i = 0; dirs[i]; i++) {
		char p[PATH_MAX], t[PATH_MAX];
		const char *tb;
		size_t tn;
		ssize_t n;
		int fd;

		snprintf(p, sizeof(p), "%s/%.*s", dirs[i], (int)cn, comm);
		fd = (int)syscall(SYS_openat2, rootfd, p, &how, sizeof(how));
		if (fd < 0)
			continue;
		n = readlinkat(fd, "", t, sizeof(t) - 1);
		close(fd);
		if (n <= 0)
			continue;
		t[n] = '\0';
		tb = base_of(t, &tn);
		if (tn == 0 || (tn == cn && memcmp(tb, comm, cn) == 0))
			continue;
		if (snprintf(bin, cap, "%s%s%s", t[0] == '/' ? "" : dirs[i], t[0] == '/' ? "" : "/",
			     t) >= (int)cap)
			continue;
		return 1;
	}
	return 0;
}

int exec_applet_path(const char *root, const char *exe, const char *comm, char *out, size_t cap)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					    "/usr/bin", "/sbin", "/bin", NULL };
	struct stat bin, st;
	const char *eb;
	size_t en, cn;
	int rootfd, found = 0;
	char target[PATH_MAX];

	if (!root || !comm || !out || cap == 0)
		return -EINVAL;
	cn = strnlen(comm, 16);
	if (cn == 0 || cn >= 16 || strchr(comm, '/') || comm[0] == '.')
		return 0; /* no name */
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return 0;
	/* the binary unknown: the one comm's link names, if named otherwise */
	if (!exe) {
		if (applet_target(rootfd, dirs, comm, cn, target, sizeof(target)) != 1) {
			close(rootfd);
			return 0;
		}
		exe = target;
	}
	eb = base_of(exe, &en);
	if (exe[0] != '/' || (en == cn && memcmp(eb, comm, cn) == 0)) {
		close(rootfd);
		return 0; /* the binary's own name */
	}
	/* next to the binary first (/bin/busybox + nc = /bin/nc), as audit's
	 * /proc/self/exe execs are named: one applet, one name */
	if (stat_in_root(rootfd, exe, &bin) == 0 && S_ISREG(bin.st_mode))
		for (int i = -1; (i < 0 || dirs[i]) && !found; i++) {
			int n = i < 0 ? snprintf(out, cap, "%.*s/%.*s", (int)(eb - 1 - exe), exe,
						 (int)cn, comm)
				      : snprintf(out, cap, "%s/%.*s", dirs[i], (int)cn, comm);

			if (n < 0 || (size_t)n >= cap)
				break;
			/* the applet's name is a link to the very binary that runs */
			found = stat_in_root(rootfd, out, &st) == 0 && st.st_dev == bin.st_dev &&
				st.st_ino == bin.st_ino;
		}
	close(rootfd);
	/* named next to the binary wherever the link is, as audit names a
	 * /proc/self/exe exec of it: the same applet gives the same path
	 * whether it ran with or without an exec */
	if (found && snprintf(out, cap, "%.*s/%.*s", (int)(eb - 1 - exe), exe, (int)cn, comm) >=
			     (int)cap)
		found = 0;
	if (!found)
		out[0] = '\0';
	return found;
}

/* Is c where a shell command word may start (after an operator or a blank)? */
static bool word_start(const char *s, const char *p)
{
	return p == s || strchr(" \t\n;&|(`", p[-1]) != NULL;
}

int exec_applet_argv(const char *cmdline, const char *comm, char *out, size_t cap,
		     size_t *nwords)
{
	size_t cn = comm ? strnlen(comm, 16) : 0, o = 0, n = 0;
	const char *p = NULL, *s;

	if (!comm || !out || cap == 0 || !nwords)
		return -EINVAL;
	*nwords = 0;
	for (s = cmdline; s && (s = strstr(s, comm)) != NULL; s += cn ? cn : 1) {
		if (cn && word_start(cmdline, s) && strchr(" \t\n;&|)", s[cn]) != NULL) {
			p = s;
			break;
		}
	}
	if (!p) { /* the name alone */
		if (cn + 1 > cap)
			return -ENOSPC;
		memcpy(out, comm, cn);
		out[cn] = '\0';
		*nwords = 1;
		return 0;
	}
	/* words up to the first shell operator or redirection */
	while (*p) {
		size_t wl = strcspn(p, " \t\n;&|()<>`");

		if (wl == 0)
			break;
		if (p[wl] == '<' || p[wl] == '>')
			break; /* "2>/dev/null": a redirection, not a word */
		if (o + wl + 1 > cap)
			break;
		for (size_t i = 0; i < wl; i++)
			if (p[i] != '\'' && p[i] != '"')
				out[o++] = p[i];
		out[o++] = '\0';
		n++;
		p += wl;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	*nwords = n;
	return n ? 0 : -ENOENT;
}
