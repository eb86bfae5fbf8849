/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Overlay layers from mountinfo (the upper dir '+', the work dir '!', the
 * lowers), the runtime's own processes, and the executed path of a
 * multi-call binary's applet.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity/exec-path.h"
#include "identity/overlay-layers.h"
#include "identity/proc-cache.h"
#include "testlib.h"

static const char mi[] =
	"22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
	"812 22 0:77 / /var/lib/docker/overlay2/abc/merged rw,relatime shared:400 - overlay overlay "
	"rw,lowerdir=/var/lib/docker/overlay2/l/AAA:/var/lib/docker/overlay2/l/B\\040B,"
	"upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/var/lib/docker/overlay2/abc/work,"
	"uuid=on\n"
	"813 22 0:78 / /other rw - overlay overlay rw,lowerdir=/x,upperdir=/y,workdir=/z\n";

Test(overlay, layers_of_the_rootfs_mount)
{
	char out[1024];
	int n = overlay_layers_parse(mi, strlen(mi), "/var/lib/docker/overlay2/abc/merged", out,
				     sizeof(out));

	cr_assert_eq(n, 3, "%d: %s", n, out);
	cr_assert_str_eq(out, "+/var/lib/docker/overlay2/abc/diff\n"
			      "!/var/lib/docker/overlay2/abc/work\n"
			      "/var/lib/docker/overlay2/l/AAA\n"
			      "/var/lib/docker/overlay2/l/B B\n");
}

Test(overlay, no_overlay_or_no_room_gives_nothing)
{
	char out[40];

	cr_assert_eq(overlay_layers_parse(mi, strlen(mi), "/", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(overlay_layers_parse(mi, strlen(mi), "/var/lib/docker/overlay2/abc/merged",
					  out, sizeof(out)),
		     0, "a list that does not fit is no list");
	cr_assert_str_eq(out, "");
	cr_assert_eq(overlay_layers_parse(mi, strlen(mi), NULL, out, sizeof(out)), -EINVAL);
	/* every truncation of the text */
	for (size_t l = 0; l < strlen(mi); l++) {
		char *b = malloc(l + 1), big[1024];

		memcpy(b, mi, l);
		cr_assert_geq(overlay_layers_parse(b, l, "/var/lib/docker/overlay2/abc/merged", big,
						   sizeof(big)),
			      0);
		free(b);
	}
}

Test(runtime, runc_init_stages_and_runtimes_are_the_runtime)
{
	cr_assert(proc_is_runtime("runc:[2:INIT]", "/usr/bin/busybox"));
	cr_assert(proc_is_runtime("runc:[1:CHILD]", NULL));
	cr_assert(proc_is_runtime("exe", "/memfd:runc_cloned:/proc/self/exe (deleted)"));
	cr_assert(proc_is_runtime("runc", "/usr/sbin/runc"));
	cr_assert(proc_is_runtime("conmon", "/usr/bin/conmon"));
	cr_assert(proc_is_runtime("containerd-shim", "/usr/bin/containerd-shim-runc-v2"));
	cr_assert(!proc_is_runtime("sh", "/bin/busybox"));
	cr_assert(!proc_is_runtime("runcx", "/usr/bin/runcx"));
	cr_assert(!proc_is_runtime(NULL, NULL));
}

Test(exec_path, applet_resolved_in_the_process_root)
{
	char out[256];
	int pid = (int)getpid();

	/* our own root is /: /bin/sh exists on the test host */
	cr_assert_eq(exec_path_from_argv0("/proc", pid, "sh", "/usr/bin/busybox", "/", out,
					  sizeof(out)),
		     1);
	cr_assert(strcmp(out, "/usr/bin/sh") == 0 || strcmp(out, "/bin/sh") == 0, "%s", out);
	/* the same name as the binary: no lookup, the binary is the answer */
	cr_assert_eq(exec_path_from_argv0("/proc", pid, "busybox", "/usr/bin/busybox", "/", out,
					  sizeof(out)),
		     0);
	/* a name that is nowhere, a login shell's "-sh" */
	cr_assert_eq(exec_path_from_argv0("/proc", pid, "no-such-applet-x", "/bin/busybox", "/",
					  out, sizeof(out)),
		     0);
	cr_assert_eq(exec_path_from_argv0("/proc", pid, "-sh", "/bin/busybox", "/", out,
					  sizeof(out)),
		     0);
	/* relative argv[0] made absolute with the cwd */
	cr_assert_eq(exec_path_from_argv0("/proc", pid, "./sh", "/usr/bin/busybox", "/bin", out,
					  sizeof(out)),
		     1);
	cr_assert_str_eq(out, "/bin/sh");
}

Test(exec_path, drift_of_a_memfd_and_of_an_upper_dir_file)
{
	char dir[] = "/tmp/drift-XXXXXX", path[16384];
	int pid = (int)getpid();
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	cr_assert_eq(exec_drift("/proc", pid, "/memfd:x (deleted)", NULL, 0), 1);
	cr_assert_eq(exec_drift("/proc", pid, "/memfd:runc_cloned:/proc/self/exe (deleted)", NULL, 0),
		     0);
	cr_assert_not_null(mkdtemp(dir));
	/* our exe, "written in the upper dir" */
	cr_assert_eq(exec_drift("/proc", pid, exe, dir, strlen(dir)), 0);
	snprintf(path, sizeof(path), "mkdir -p '%s%s' && rmdir '%s%s' && touch '%s%s'", dir, exe,
		 dir, exe, dir, exe);
	cr_assert_eq(system(path), 0);
	cr_assert_eq(exec_drift("/proc", pid, exe, dir, strlen(dir)), 1);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	cr_assert_eq(system(path), 0);
}

static void words_are(const char *buf, size_t n, const char *const *want)
{
	size_t i = 0, off = 0;

	for (; want[i]; i++) {
		cr_assert_lt(i, n, "only %zu words", n);
		cr_assert_str_eq(buf + off, want[i], "word %zu", i);
		off += strlen(buf + off) + 1;
	}
	cr_assert_eq(i, n, "%zu words, want %zu", n, i);
}

Test(exec_path, applet_run_without_an_exec)
{
	char dir[] = "/tmp/applet-XXXXXX", p[256], out[256];
	static const char *const find[] = { "find", "/", "-xdev", "-perm", "-4000", "-type", "f",
					    NULL };
	static const char *const rmmod[] = { "rmmod", "overlay", NULL };
	static const char *const adduser[] = { "adduser", "-D", "evil", NULL };
	static const char *const alone[] = { "find", NULL };
	size_t n = 0;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(p, sizeof(p),
		 "cd '%s' && mkdir -p bin usr/bin && echo x > bin/busybox && echo y > bin/other && "
		 "ln -s busybox bin/nc && ln -s /bin/busybox usr/bin/find && "
		 "ln -s ../../../../../bin/busybox usr/bin/up && ln bin/busybox bin/hard",
		 dir);
	cr_assert_eq(system(p), 0);
	/* a link to the binary next to it, or in the usual PATH dirs (an absolute
	 * link resolved inside the root) */
	cr_assert_eq(exec_applet_path(dir, "/bin/busybox", "nc", out, sizeof(out)), 1);
	cr_assert_str_eq(out, "/bin/nc");
	cr_assert_eq(exec_applet_path(dir, "/bin/busybox", "find", out, sizeof(out)), 1);
	cr_assert_str_eq(out, "/bin/find", "named next to the binary, as audit names it");
	cr_assert_eq(exec_applet_path(dir, "/bin/busybox", "hard", out, sizeof(out)), 1,
		     "a hard link is the same binary");
	cr_assert_eq(exec_applet_path(dir, "/bin/busybox", "up", out, sizeof(out)), 1,
		     "'..' stops at the root");
	/* not an applet: another file, the binary's own name, nothing, no name */
	cr_assert_eq(exec_applet_path(dir, "/bin/busybox", "other", out, sizeof(out)), 0);
	cr_assert_eq(exec_applet_path(dir, "/bin/busybox", "busybox", out, sizeof(out)), 0);
	cr_assert_eq(exec_applet_path(dir, "/bin/busybox", "kworker", out, sizeof(out)), 0);
	cr_assert_eq(exec_applet_path(dir, "/bin/busybox", "", out, sizeof(out)), 0);
	cr_assert_eq(exec_applet_path(dir, "/bin/busybox", "../bin/nc", out, sizeof(out)), 0);
	cr_assert_eq(exec_applet_path(dir, "/bin/nosuch", "nc", out, sizeof(out)), 0);
	cr_assert_eq(exec_applet_path(NULL, "/bin/busybox", "nc", out, sizeof(out)), -EINVAL);
	/* the binary unknown (its exec never read): the link's target, named otherwise */
	cr_assert_eq(exec_applet_path(dir, NULL, "nc", out, sizeof(out)), 1);
	cr_assert_str_eq(out, "/bin/nc");
	cr_assert_eq(exec_applet_path(dir, NULL, "find", out, sizeof(out)), 1);
	cr_assert_str_eq(out, "/bin/find");
	cr_assert_eq(exec_applet_path(dir, NULL, "other", out, sizeof(out)), 0, "not a link");
	cr_assert_eq(exec_applet_path(dir, NULL, "nosuch", out, sizeof(out)), 0);

	/* its words from the shell's command line, up to an operator or redirection */
	cr_assert_eq(exec_applet_argv("sh -c find / -xdev -perm -4000 -type f >/dev/null 2>&1",
				      "find", out, sizeof(out), &n), 0);
	words_are(out, n, find);
	cr_assert_eq(exec_applet_argv("sh -c echo x; rmmod overlay 2>/dev/null", "rmmod", out,
				      sizeof(out), &n), 0);
	words_are(out, n, rmmod);
	cr_assert_eq(exec_applet_argv("sh -c (adduser -D evil || useradd evil)", "adduser", out,
				      sizeof(out), &n), 0);
	words_are(out, n, adduser);
	cr_assert_eq(exec_applet_argv("sh -c grep -r 'pass word' /etc|wc", "grep", out,
				      sizeof(out), &n), 0);
	/* quotes go, but a quoted blank still splits the word: a reconstruction */
	cr_assert_eq(n, 5);
	cr_assert_str_eq(out + strlen("grep") + 1 + strlen("-r") + 1, "pass");
	/* not a command word of its own: the name alone */
	cr_assert_eq(exec_applet_argv("sh -c myfind / -perm -4000", "find", out, sizeof(out), &n), 0);
	words_are(out, n, alone);
	cr_assert_eq(exec_applet_argv(NULL, "find", out, sizeof(out), &n), 0);
	words_are(out, n, alone);
	cr_assert_eq(exec_applet_argv("x", NULL, out, sizeof(out), &n), -EINVAL);
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	cr_assert_eq(system(p), 0);
}
