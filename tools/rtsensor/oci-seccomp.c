/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor baseline policy ID --format oci-seccomp: an OCI seccomp profile
 * (config.json linux.seccomp) from a workload's learned syscalls, so the
 * kernel enforces them without a round trip to the sensor.
 *
 * Allowed: every approved `syscall:NAME` feature of the workload, plus what
 * the runtime itself calls after it installed the filter. runc installs the
 * filter in its init process just before execve when no_new_privileges is
 * set, and earlier (before dropping capabilities and changing uid) when it
 * is not; then the Go runtime may still run (futexes, signals, its netpoller)
 * and the kernel loads the binary (execve), whose libc or static start-up
 * needs memory and thread set-up calls. A profile without those kills the
 * container's start, whatever the workload learned. Unknown names are
 * skipped by runc (libseccomp does not know them), numbers are not names
 * and are left out. Uses only the public API.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-lines.h"
#include "oci-seccomp.h"

/* What runc init and an exec need after the filter is in place. */
static const char *const runtime_set[] = {
	/* runc init, no_new_privileges unset: the filter comes before these */
	"capget", "capset", "prctl", "setgroups", "setresuid", "setresgid", "setuid", "setgid",
	"fchdir", "chdir", "getcwd", "close", "close_range", "fcntl", "dup3", "write", "read",
	"openat", "newfstatat", "fstat", "getdents64", "umask",
	/* runc init closing what it does not pass (/proc/self/fd checked to be procfs)
	 * and finding the binary in PATH */
	"fstatfs", "statfs", "stat", "lstat", "faccessat", "readlinkat", "lseek",
	/* the Go runtime between the filter and execve */
	"futex", "rt_sigprocmask", "rt_sigaction", "rt_sigreturn", "sigaltstack", "sched_yield",
	"nanosleep", "clock_nanosleep", "clock_gettime", "gettid", "getpid", "getppid", "tgkill",
	"epoll_pwait", "epoll_ctl", "mmap", "munmap", "madvise", "exit", "exit_group",
	/* the exec and the new image's start-up (static or through ld.so) */
	"execve", "execveat", "brk", "arch_prctl", "mprotect", "set_tid_address",
	"set_robust_list", "rseq", "prlimit64", "getrandom", "access", "faccessat2", "pread64",
	"uname", "getuid", "geteuid", "getgid", "getegid", NULL,
};

struct names {
	char **v;
	size_t n, cap;
};

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 63 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int add(struct names *n, const char *s)
{
	for (size_t i = 0; i < n->n; i++)
		if (strcmp(n->v[i], s) == 0)
			return 0;
	if (n->n == n->cap) {
		size_t c = n->cap ? 2 * n->cap : 128;
		char **v = realloc(n->v, c * sizeof(*v));

		if (!v)
			return -ENOMEM;
		n->v = v;
		n->cap = c;
	}
	n->v[n->n] = strdup(s);
	if (!n->v[n->n])
		return -ENOMEM;
	n->n++;
	return 0;
}

static int feature_cb(void *ud, const struct sensor_feature_info *f)
{
	struct names *n = ud;

	/* only the normal set: a syscall first seen while monitoring stays denied */
	if (!f->approved || strncmp(f->key, "syscall:", 8) != 0 || !valid_name(f->key + 8))
		return 0;
	return add(n, f->key + 8);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *architectures(void)
{
#if defined(__x86_64__)
	return "\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"";
#elif defined(__aarch64__)
	return "\"SCMP_ARCH_AARCH64\",\"SCMP_ARCH_ARM\"";
#else
	return NULL;
#endif
}

int oci_seccomp_write(FILE *f, sensor_store *s, const char *id, int *learned)
{
	struct names n = { 0 };
	const char *arch = architectures();
	int r;

	if (!arch)
		return -EOPNOTSUPP;
	r = sensor_store_show(s, id, feature_cb, &n);
	*learned = (int)n.n;
	for (int i = 0; r >= 0 && runtime_set[i]; i++)
		r = add(&n, runtime_set[i]);
	if (r >= 0 && *learned == 0)
		r = -ENODATA; /* nothing learned: the profile would only start the runtime */
	if (r >= 0) {
		qsort(n.v, n.n, sizeof(*n.v), cmp);
		fprintf(f, "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
			   "\"architectures\":[%s],\"syscalls\":[{\"names\":[",
			arch);
		for (size_t i = 0; i < n.n; i++) {
			if (i)
				fputc(',', f);
			json_put_str(f, n.v[i]);
		}
		fprintf(f, "],\"action\":\"SCMP_ACT_ALLOW\"}]}\n");
		if (ferror(f))
			r = -EIO;
	}
	for (size_t i = 0; i < n.n; i++)
		free(n.v[i]);
	free(n.v);
	return r;
}
