/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

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
	if (!upper || upper_len == 0 || exe[0] != '/' ||
	    snprintf(p, sizeof(p), "%.*s%s", (int)upper_len, upper, exe) >= (int)sizeof(p))
		return 0;
	/* a regular file there: created or copied up (modified) after the start */
	return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}
