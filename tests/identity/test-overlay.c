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
