/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * workload_by_path(): which container a host path is a file of, for the
 * records of a process gone before anything named it (issue 11).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity/workload.h"
#include "testlib.h"

#define CID_A "4ce4c5b9c8d1a1e9d3b1c0f2a7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3"
#define CID_B "9ab1c2d3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccddeeff"

static void state(const char *root, const char *id, const char *rootfs)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, id);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/%s/state.json", root, id);
	f = fopen(p, "w");
	cr_assert_not_null(f);
	fprintf(f, "{\"id\":\"%s\",\"config\":{\"rootfs\":\"%s\"}}", id, rootfs);
	fclose(f);
}

static void unstate(const char *root, const char *id)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s/state.json", root, id);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s", root, id);
	rmdir(p);
}

static struct workload *container(struct workload_table *t, const char *id)
{
	char cg[200];
	struct workload_desc d;

	snprintf(cg, sizeof(cg), "0::/docker/%s\n", id);
	workload_parse_cgroup(cg, strlen(cg), &d);
	return workload_intern(t, &d);
}

static struct workload *by(struct workload_table *t, const char *p, bool *upper)
{
	return workload_by_path(t, p, strlen(p), upper);
}

Test(workload_path, own_dirs_unshared_layers_and_nothing_else)
{
	char root[] = "/tmp/wl-path-XXXXXX";
	struct workload_table *t;
	struct workload *a, *b;
	bool upper = true;

	cr_assert_not_null(mkdtemp(root));
	state(root, CID_A, "/c/a/rootfs");
	state(root, CID_B, "/c/b/rootfs");
	cr_assert_eq(workload_table_new(8, root, &t), 0);
	a = container(t, CID_A);
	b = container(t, CID_B);
	cr_assert_str_eq(a->rootfs, "/c/a/rootfs");
	/* the layers an overlay mount would give (overlay-layers.h): upper '+',
	 * work dir '!', then the image's lower layers; b shares one of a's */
	a->layers = "+/c/a/upper\n!/c/a/work\n/img/a-only\n/img/shared";
	b->layers = "+/c/b/upper\n!/c/b/work\n/img/shared";

	/* under the rootfs: a's, not written since the start as far as the path says */
	cr_assert_eq(by(t, "/c/a/rootfs/etc/shadow", &upper), a);
	cr_assert(!upper);
	cr_assert_eq(by(t, "/c/a/rootfs", &upper), a, "the root itself");
	/* the upper dir: a's, and written since the start (drift for an exec) */
	cr_assert_eq(by(t, "/c/b/upper/tmp/dl", &upper), b);
	cr_assert(upper);
	cr_assert_eq(by(t, "/c/a/work/work/#93f", &upper), a);
	cr_assert(!upper, "the work dir is a's own but nothing of the workload's");
	/* a lower layer: only when no other known container shares it */
	cr_assert_eq(by(t, "/img/a-only/bin/busybox", &upper), a);
	cr_assert(!upper);
	cr_assert_null(by(t, "/img/shared/bin/busybox", &upper), "two containers: ambiguous");
	/* prefixes are whole components; relative, empty and foreign paths name nobody */
	cr_assert_null(by(t, "/c/a/rootfsx/etc/shadow", &upper));
	cr_assert_null(by(t, "/img/shared-not/x", &upper));
	cr_assert_null(by(t, "c/a/rootfs/etc", &upper));
	cr_assert_null(by(t, "", &upper));
	cr_assert_null(by(t, "/etc/shadow", &upper));
	cr_assert_null(workload_by_path(NULL, "/c/a/rootfs", 11, &upper));
	/* only n bytes are read: "/c/a/rootfs/etc" cut to "/c/a/root" is nobody's */
	cr_assert_null(workload_by_path(t, "/c/a/rootfs/etc", 9, &upper));
	cr_assert_eq(workload_by_path(t, "/c/a/rootfs/etc", 11, &upper), a);

	/* once b no longer names the layer (its mount gone) it is a's alone */
	b->layers = NULL;
	cr_assert_eq(by(t, "/img/shared/bin/busybox", &upper), a);

	workload_unref(a);
	workload_unref(b);
	workload_table_free(t);
	unstate(root, CID_A);
	unstate(root, CID_B);
	rmdir(root);
}
