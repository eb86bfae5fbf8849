/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `rtsensor baseline policy ID --format oci-seccomp` loaded by runc
 * (docs/enforce.md): a baseline whose syscall features are what a busybox
 * command calls (imported as a learned, approved set) gives a profile that
 * runc installs (config.json
 * linux.seccomp); the container starts, the learned command runs, and a
 * syscall never learned (mkdir) fails with EPERM. An unknown workload
 * gives no profile (exit non-zero).
 */
#include <sys/stat.h>

#include "container.h"
#include "testlib.h"

#define WL "c-oci-seccomp"
/*
 * The learned set, as an import gives it: what busybox's sh, cat, ls and
 * sleep call (static or through ld.so), and never mkdir. Not traced at test
 * time: a ptrace on the host is an alert in other tests that watch it.
 */
#define LEARNED_SET                                                                          \
	"read\nwrite\nopenat\nopen\nclose\nfstat\nnewfstatat\nstat\nlstat\nstatx\nlseek\n"      \
	"mmap\nmunmap\nmprotect\nbrk\nrt_sigaction\nrt_sigprocmask\nrt_sigreturn\nioctl\n"     \
	"getpid\ngetppid\ngetuid\ngeteuid\ngetgid\ngetegid\nfcntl\ndup2\ndup3\nwait4\n"       \
	"clone\nclone3\nfork\nvfork\nexecve\nexit_group\ngetdents64\nsendfile\n"               \
	"copy_file_range\nuname\nnanosleep\nclock_nanosleep\nclock_gettime\naccess\n"         \
	"getcwd\nchdir\npipe2\nreadlink\nset_tid_address\narch_prctl\nprctl\nsetpgid\n"      \
	"getpgrp\nkill\nsigaltstack\npoll\nppoll\npselect6\nset_robust_list\nrseq\n"         \
	"prlimit64\ngetrandom\npread64\n"
/* the learned behaviour: what the container runs */
#define LEARNED "cat /bin/busybox >/dev/null && ls / >/dev/null && sleep 0"

static struct test_container c;
static char dir[] = "/tmp/oci-seccomp-XXXXXX";

static void cleanup(void)
{
	char cmd[128];

	container_destroy(&c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

static int sh(const char *fmt, const char *arg)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), fmt, dir, arg ? arg : "");
	return run_sh(cmd);
}

static char *slurp(const char *name)
{
	char path[256];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

Test(oci_seccomp, profile_loads_in_runc, .timeout = 120, .fini = cleanup)
{
	static const char *const init[] = { "sleep", "1000", NULL };
	static const char *const learned[] = { "sh", "-c", LEARNED, NULL };
	static const char *const mkdir_[] = { "mkdir", "/tmp/new", NULL };
	char *names, *profile, *json, *p;
	size_t cap;
	int n = 0;

	REQUIRE_ROOT();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc");
	cr_assert_not_null(mkdtemp(dir));
	names = strdup(LEARNED_SET);
	cr_assert_not_null(names);
	cap = strlen(names) * 200 + 1024;
	json = calloc(1, cap);
	cr_assert_not_null(json);
	p = json + snprintf(json, cap,
			    "{\"format\":\"rtsensor-baseline\",\"version\":1,\"workloads\":[{\"id\":\"" WL
			    "\",\"kind\":\"container\",\"class\":\"\",\"state\":\"monitoring\","
			    "\"learn_start\":1,\"last_new\":1,\"features\":[");
	for (char *sp, *line = strtok_r(names, "\n", &sp); line; line = strtok_r(NULL, "\n", &sp))
		p += snprintf(p, cap - (size_t)(p - json),
			      "%s{\"key\":\"syscall:%s\",\"count\":1,\"first\":1,\"last\":1,"
			      "\"approved\":true,\"hours\":[[0,1]]}",
			      n++ ? "," : "", line);
	snprintf(p, cap - (size_t)(p - json), "]}]}\n");
	cr_assert_gt(n, 5, "syscalls traced: %d", n);
	{
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "%s/export.json", dir);
		f = fopen(path, "we");
		cr_assert_not_null(f);
		fputs(json, f);
		fclose(f);
	}
	cr_assert_eq(sh("cd '%s' && \"$RTSENSOR\" baseline import --db b.db export.json%s", NULL), 0);
	cr_assert_eq(sh("cd '%s' && \"$RTSENSOR\" baseline policy --db b.db --format oci-seccomp "
			"-o profile.json " WL "%s",
			NULL),
		     0);
	profile = slurp("profile.json");
	cr_assert(strstr(profile, "\"defaultAction\":\"SCMP_ACT_ERRNO\"") &&
			  strstr(profile, "\"architectures\":[") && strstr(profile, "\"execve\""),
		  "%s", profile);
	cr_assert_null(strstr(profile, "\"mkdir\""), "%s", profile);
	/* an unknown workload, and a workload without syscalls: no profile */
	cr_assert_neq(sh("cd '%s' && \"$RTSENSOR\" baseline policy --db b.db --format oci-seccomp "
			 "nosuch >/dev/null 2>&1%s",
			 NULL),
		      0);

	/* runc installs it: the container starts, the learned command runs */
	{
		size_t l = strlen(profile) + 16;
		char *extra = malloc(l);

		cr_assert_not_null(extra);
		while (l && (profile[strlen(profile) - 1] == '\n'))
			profile[strlen(profile) - 1] = '\0';
		snprintf(extra, l, "\"seccomp\":%s", profile);
		cr_assert_eq(container_prepare(&c, CONTAINER_DOCKER, init, extra, NULL), 0);
		free(extra);
	}
	cr_assert_eq(container_start(&c), 0, "the container starts under the profile");
	cr_assert_eq(container_exec(&c, learned), 0, "the learned command runs");
	/* a syscall never learned fails */
	cr_assert_neq(container_exec(&c, mkdir_), 0, "mkdir was not learned");
	free(names);
	free(profile);
	free(json);
}
