/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A write by a process in a runc container (tests/lib/container.h) is a
 * file event attributed to that container. The bundle lives on the
 * private tmpfs of the sandbox, so the filesystem mark sees the
 * container's rootfs and nothing else.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "fan-sandbox.h"

static void container_case(enum container_shape shape)
{
	static const char *const paths[] = { FAN_ROOT, NULL };
	/* writes once the test opens its gate; lives on (for /proc) until destroyed */
	const char *init[] = { "sh", "-c", "read x </go; echo hi > /etc/written; read x </stay",
			       NULL };
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .paths = paths };
	struct sensor_ctx_opts co = { .sz = sizeof(co), .oci_state_roots = container_runc_root() };
	struct test_container c;
	char want[512], id[sizeof(((struct test_container *)0)->id)];
	pid_t pid;
	sensor_ctx *ctx;
	int found = -1, go, stay;

	fan_sandbox();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc");
	cr_assert_eq(sensor_ctx_new(&co, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, fan_collect, NULL);
	container_set_bundle_parent(FAN_ROOT); /* on the watched tmpfs */
	cr_assert_eq(container_prepare(&c, shape, init, NULL, NULL), 0);
	go = container_gate(&c, "go");
	stay = container_gate(&c, "stay");
	cr_assert(go >= 0 && stay >= 0, "gates: %d %d", go, stay);
	/* events of the sensor's own bundle preparation are its own: none */
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL), 0);
	if (container_start(&c) != 0) {
		container_destroy(&c);
		cr_assert_fail("runc could not start the container");
	}
	/* runc knows the container now (its state is read for attribution): write */
	cr_assert_eq(container_gate_pass(go), 0);
	/* the path as the container sees it; the host's view is kept beside it */
	snprintf(want, sizeof(want), "%s/rootfs/etc/written", c.bundle);
	for (int i = 0; i < 100 && found < 0; i++) {
		sensor_ctx_run(ctx, 100000000ull);
		found = fan_find("close_write", "/etc/written", 0);
	}
	/* container_destroy() clears c */
	snprintf(id, sizeof(id), "%s", c.id);
	pid = c.pid;
	container_destroy(&c);
	close(go);
	close(stay);
	if (found < 0)
		fan_dump();
	cr_assert_geq(found, 0, "close_write of /etc/written (host: %s)", want);
	cr_expect_str_eq(fan_got[found].host_path, want);
	cr_expect_eq(fan_got[found].pid, pid, "the container's init wrote it");
	cr_expect_str_eq(fan_got[found].wl_kind, "container");
	cr_expect_str_eq(fan_got[found].wl_id, id);
	cr_expect_geq(fan_find("create", "/etc/written", pid), 0);
	sensor_ctx_free(ctx);
}

Test(fanotify_container, runc_docker_shape, .timeout = 60)
{
	container_case(CONTAINER_DOCKER);
}

Test(fanotify_container, runc_kubepods_shape, .timeout = 60)
{
	container_case(CONTAINER_KUBEPODS);
}
