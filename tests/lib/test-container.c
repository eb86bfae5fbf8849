/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container test library itself on the real kernel: both image kinds
 * run as real runc containers on an overlay rootfs (writes land in the
 * container's own upper dir, the shared lower layer is untouched, a second
 * container of the image does not see them), the veth reaches a server in
 * the peer netns, and destroy removes the mount, the netns pair and the
 * bundle.
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "container.h"
#include "testlib.h"

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void image_case(enum container_image image, const char *shell)
{
	static const char *const init[] = { "sleep", "1000", NULL };
	struct container_opts o = { .shape = CONTAINER_DOCKER, .image = image, .overlay = true,
				    .net = true, .argv = init };
	struct test_container a, b;
	char out[4096], path[600], lower[256], netns[64], bundle[256];
	const char *write[] = { shell, "-c", "echo x > /etc/written && cat /etc/passwd", NULL };
	const char *seen[] = { shell, "-c", "test -e /etc/written && echo yes || echo no", NULL };
	char www[300];
	const char *server[] = { "busybox", "httpd", "-f", "-p", CONTAINER_PEER_ADDR ":8080",
				 "-h", www, NULL };
	const char *client[] = { "wget", "-q", "-O", "-", "http://" CONTAINER_PEER_ADDR ":8080/",
				 NULL };
	pid_t srv;
	int st;

	REQUIRE_ROOT();
	cr_assert_eq(container_create(&a, &o), 0);
	cr_assert_eq(container_create(&b, &o), 0);
	cr_assert_str_eq(a.lower, b.lower, "one shared image layer");
	cr_assert_eq(container_start(&a), 0);
	cr_assert_eq(container_start(&b), 0);

	cr_assert_eq(container_exec_capture(&a, write, out, sizeof(out)), 0);
	cr_assert(strstr(out, "root:x:0:0:") != NULL, "%s", out);
	snprintf(path, sizeof(path), "%s/etc/written", a.upper);
	cr_assert(exists(path), "the write is in a's upper dir");
	snprintf(path, sizeof(path), "%s/etc/written", a.lower);
	cr_assert(!exists(path), "the image layer is untouched");
	cr_assert_eq(container_exec_capture(&b, seen, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "no\n", "b does not see a's write");

	/* the veth: a client in the container reaches a server in the peer netns */
	snprintf(www, sizeof(www), "%s/www", a.bundle);
	cr_assert_eq(mkdir(www, 0755), 0);
	snprintf(path, sizeof(path), "%s/index.html", www);
	FILE *f = fopen(path, "w");
	cr_assert(f && fputs("pong\n", f) >= 0 && fclose(f) == 0);
	srv = container_peer_spawn(&a, server);
	cr_assert_gt(srv, 0);
	out[0] = '\0';
	for (int i = 0; i < 50 && !strstr(out, "pong"); i++) {
		usleep(100000);
		container_exec_capture(&a, client, out, sizeof(out));
	}
	kill(srv, SIGKILL);
	waitpid(srv, &st, 0);
	cr_assert(strstr(out, "pong") != NULL, "container reached the peer: '%s'", out);

	snprintf(lower, sizeof(lower), "%s", a.lower);
	snprintf(netns, sizeof(netns), "/run/netns/%s", a.netns);
	snprintf(bundle, sizeof(bundle), "%s", a.bundle);
	container_destroy(&a);
	cr_assert(exists(lower), "b still holds the layer");
	cr_assert(!exists(netns) && !exists(bundle));
	container_destroy(&b);
	cr_assert(!exists(lower), "the last container removes the layer");
}

Test(container, busybox_overlay_net, .timeout = 120)
{
	image_case(CONTAINER_IMAGE_BUSYBOX, "sh");
}

/* separate binaries: bash, coreutils and wget with their libraries */
Test(container, distro_overlay_net, .timeout = 120)
{
	image_case(CONTAINER_IMAGE_DISTRO, "bash");
}

Test(container, distro_binaries_are_their_own, .timeout = 120)
{
	static const char *const init[] = { "sleep", "1000", NULL };
	struct container_opts o = { .image = CONTAINER_IMAGE_DISTRO, .overlay = true,
				    .argv = init };
	struct test_container c;
	char path[600];
	struct stat a, b;
	const char *run[] = { "bash", "-c", "id -u && base64 --version >/dev/null && ls /usr/bin",
			      NULL };
	char out[8192];

	REQUIRE_ROOT();
	cr_assert_eq(container_create(&c, &o), 0);
	snprintf(path, sizeof(path), "%s/usr/bin/ls", c.lower);
	cr_assert_eq(stat(path, &a), 0);
	snprintf(path, sizeof(path), "%s/usr/bin/cat", c.lower);
	cr_assert_eq(stat(path, &b), 0);
	cr_assert_neq(a.st_ino, b.st_ino, "ls and cat are two binaries");
	cr_assert_eq(container_start(&c), 0);
	cr_assert_eq(container_exec_capture(&c, run, out, sizeof(out)), 0, "%s", out);
	cr_assert(strncmp(out, "0\n", 2) == 0, "%s", out);
	container_destroy(&c);
}
