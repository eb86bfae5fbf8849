/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The proc source on the real kernel (root): exec/exit of a host process
 * with the right fields, and of processes inside real runc containers with
 * docker- and kubepods-shaped cgroup paths, attributed to those containers.
 */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "container.h"
#include "testlib.h"

#define MAXEV 4096

static sensor_ctx *ctx;
static sensor_event *evs[MAXEV];
static int nev;

static void collect(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)c;
	(void)ud;
	if (nev < MAXEV && (sensor_event_kind(ev) == SENSOR_KIND_EXEC ||
			    sensor_event_kind(ev) == SENSOR_KIND_EXIT ||
			    sensor_event_kind(ev) == SENSOR_KIND_LOSS))
		evs[nev++] = sensor_event_ref(ev);
}

static void setup(void)
{
	struct sensor_ctx_opts o = { .sz = sizeof(o), .oci_state_roots = container_runc_root() };

	nev = 0;
	cr_assert_eq(sensor_ctx_new(&o, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, collect, NULL);
}

static void teardown(void)
{
	for (int i = 0; i < nev; i++)
		sensor_event_unref(evs[i]);
	sensor_ctx_free(ctx);
}

TestSuite(proclive, .init = setup, .fini = teardown);

static int64_t geti(sensor_event *ev, enum sensor_field f)
{
	int64_t v = -1;

	sensor_event_get_int(ev, f, &v);
	return v;
}

/* Drain events for up to ms milliseconds or until pred finds its event. */
static sensor_event *wait_for(int ms, bool (*pred)(sensor_event *, const void *), const void *arg)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		struct pollfd p = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };

		poll(&p, 1, 10);
		cr_assert_geq(sensor_ctx_process(ctx, 0), 0);
		for (int i = 0; i < nev; i++)
			if (pred(evs[i], arg))
				return evs[i];
	}
	return NULL;
}

struct want {
	enum sensor_kind kind;
	pid_t pid;
	const char *path; /* exec path suffix, or NULL */
};

static bool match(sensor_event *ev, const void *arg)
{
	const struct want *w = arg;
	const char *p;

	if (sensor_event_kind(ev) != w->kind)
		return false;
	if (w->pid && geti(ev, SENSOR_FIELD_PROCESS_PID) != w->pid)
		return false;
	if (w->path) {
		p = sensor_event_get_str(ev, SENSOR_FIELD_EXEC_PATH);
		if (!p || strlen(p) < strlen(w->path) ||
		    strcmp(p + strlen(p) - strlen(w->path), w->path) != 0)
			return false;
	}
	return true;
}

Test(proclive, host_exec_and_exit)
{
	struct want w = { SENSOR_KIND_EXEC };
	sensor_event *ex, *ez;
	const char *const *argv;
	pid_t child;
	int st, gate[2];

	REQUIRE_ROOT();
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_PROC, NULL, NULL), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_PROC, NULL, NULL), -EEXIST);
	/* the shell lives (reads its stdin) until the test has seen its exec: /proc is read meanwhile */
	cr_assert_eq(pipe2(gate, O_CLOEXEC), 0);
	child = fork();
	if (child == 0) {
		if (chdir("/tmp") < 0 || dup2(gate[0], 0) < 0)
			_exit(99);
		execl("/bin/sh", "sh", "-c", "read x; exit 5", "arg-one", NULL);
		_exit(98);
	}
	close(gate[0]);
	w.pid = child;
	w.path = "/sh"; /* the path executed (/bin/sh); the binary is process.exe */
	ex = wait_for(5000, match, &w);
	cr_assert_not_null(ex, "exec of pid %d seen", child);
	{
		const char *exe = sensor_event_get_str(ex, SENSOR_FIELD_PROCESS_EXE);

		cr_assert(exe && strstr(exe, "dash"), "process.exe is the binary: %s", exe ? exe : "");
	}
	cr_assert_eq(geti(ex, SENSOR_FIELD_PROCESS_PPID), getpid());
	cr_assert_eq(geti(ex, SENSOR_FIELD_PROCESS_UID), 0);
	cr_assert_eq(geti(ex, SENSOR_FIELD_PROCESS_EUID), 0);
	cr_assert_gt(geti(ex, SENSOR_FIELD_PROCESS_START), 0);
	cr_assert_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_PROCESS_COMM), "sh");
	cr_assert_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_EXEC_CWD), "/tmp");
	cr_assert_eq(sensor_event_get_argv(ex, &argv), 4);
	cr_assert_str_eq(argv[0], "sh");
	cr_assert_str_eq(argv[2], "read x; exit 5");
	cr_assert_str_eq(argv[3], "arg-one");
	cr_assert_not_null(sensor_event_get_str(ex, SENSOR_FIELD_EXEC_PARENT_EXE));
	cr_assert(strstr(sensor_event_get_str(ex, SENSOR_FIELD_EXEC_PARENT_EXE),
			 "test-sources-proc-live") != NULL);
	cr_assert_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_KIND), "host");

	close(gate[1]); /* EOF: the shell exits 5 */
	waitpid(child, &st, 0);
	w.kind = SENSOR_KIND_EXIT;
	w.path = NULL;
	ez = wait_for(5000, match, &w);
	cr_assert_not_null(ez, "exit of pid %d seen", child);
	cr_assert_eq(geti(ez, SENSOR_FIELD_EXIT_CODE), 5);
	cr_assert_eq(geti(ez, SENSOR_FIELD_PROCESS_START), geti(ex, SENSOR_FIELD_PROCESS_START),
		     "same process: %lld vs %lld", (long long)geti(ez, SENSOR_FIELD_PROCESS_START), (long long)geti(ex, SENSOR_FIELD_PROCESS_START));
	for (int i = 0; i < nev; i++)
		cr_assert_neq(sensor_event_kind(evs[i]), SENSOR_KIND_LOSS, "no loss in a quiet test");
}

static void container_case(enum container_shape shape)
{
	const char *init[] = { "sleep", "30", NULL };
	/*
	 * Lives until the test has seen its exec: the proc connector names only
	 * the pid, and the sensor reads /proc afterwards; a loaded machine (other
	 * suites, benchmarks) can delay that by seconds. The test releases it by
	 * creating /go in the rootfs.
	 */
	const char *probe[] = { "/bin/sh", "-c", "while [ ! -e /go ]; do sleep 0.05; done; exit 7",
				NULL };
	char go[512];
	struct test_container c;
	/* a busybox applet is its own executable: exec.path /bin/sh */
	struct want w = { SENSOR_KIND_EXEC, 0, "/bin/sh" };
	const char *cmd;
	sensor_event *ex = NULL, *ez = NULL;

	REQUIRE_ROOT();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc");
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_PROC, NULL, NULL), 0);
	/* the annotations containerd's CRI plugin gives a pod's container */
	cr_assert_eq(container_prepare(&c, shape, init, NULL,
				       shape == CONTAINER_KUBEPODS
					       ? "\"annotations\":{\"io.kubernetes.cri.image-name\":"
						 "\"registry.test/shop/web:1.0\","
						 "\"io.kubernetes.cri.sandbox-name\":\"web-7d4b9-x2kq\","
						 "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
						 "\"io.kubernetes.cri.container-name\":\"nginx\"}"
					       : "\"annotations\":{\"io.kubernetes.cri.image-name\":"
						 "\"registry.test/shop/web:1.0\"}"), 0);
	if (container_start(&c) != 0) {
		container_destroy(&c);
		cr_assert_fail("runc could not start the container");
	}
	/* runc exec in the background while this thread runs the sensor */
	pid_t runner = fork();

	if (runner == 0)
		_exit(container_exec(&c, probe));
	/* the exec'd shell inside the container: busybox, attributed to it */
	for (int tries = 0; tries < 200 && !ex; tries++) {
		sensor_event *e = wait_for(100, match, &w);

		(void)e;
		for (int i = 0; i < nev && !ex; i++) {
			const char *id = sensor_event_get_str(evs[i], SENSOR_FIELD_WORKLOAD_ID);

			cmd = sensor_event_get_str(evs[i], SENSOR_FIELD_PROCESS_CMDLINE);
			if (match(evs[i], &w) && id && strcmp(id, c.id) == 0 && cmd &&
			    strcmp(cmd, "/bin/sh -c while [ ! -e /go ]; do sleep 0.05; done; exit 7") == 0)
				ex = evs[i];
		}
	}
	for (int i = 0; i < nev && ex; i++) {
		const char *id = sensor_event_get_str(evs[i], SENSOR_FIELD_WORKLOAD_ID);

		if (sensor_event_kind(evs[i]) == SENSOR_KIND_EXIT && id && strcmp(id, c.id) == 0 &&
		    geti(evs[i], SENSOR_FIELD_EXIT_CODE) == 7)
			ez = evs[i];
	}
	snprintf(go, sizeof(go), "%s/rootfs/go", c.bundle);
	close(open(go, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	{
		int st = 0;

		waitpid(runner, &st, 0);
		cr_expect_eq(WEXITSTATUS(st), 7, "runc exec returned the command's status");
	}
	if (ex && !ez) {
		/* the exit may still be queued */
		struct want wz = { SENSOR_KIND_EXIT, (pid_t)geti(ex, SENSOR_FIELD_PROCESS_PID), NULL };

		ez = wait_for(3000, match, &wz);
		if (ez && geti(ez, SENSOR_FIELD_EXIT_CODE) != 7)
			ez = NULL;
	}
	if (!ex || !ez) {
		container_destroy(&c);
		for (int i = 0; i < nev; i++) { char j[2048]; sensor_event_to_json(evs[i], j, sizeof(j)); fprintf(stderr, "%s\n", j); }
		cr_assert_not_null(ex, "an exec attributed to container %s", c.id);
		cr_assert_not_null(ez, "the exit (code 7) attributed to container %s", c.id);
	}
	cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_KIND), "container");
	if (shape == CONTAINER_DOCKER) {
		cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_RUNTIME), "docker");
		cr_expect_null(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_POD));
	} else {
		cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_RUNTIME), "cri");
		cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_POD), c.pod_uid);
		cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_QOS), "besteffort");
		cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_POD_NAME),
				 "web-7d4b9-x2kq");
		cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_NAMESPACE), "shop");
		cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_CONTAINER_NAME),
				 "nginx");
	}
	if (shape == CONTAINER_DOCKER) {
		cr_expect_null(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_POD_NAME));
		cr_expect_null(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_NAMESPACE));
	}
	cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_IMAGE),
			 "registry.test/shop/web:1.0");
	{
		struct utsname u;
		const char *boot = sensor_event_get_str(ex, SENSOR_FIELD_HOST_BOOT_ID);
		char kb[64] = "";
		FILE *bf = fopen("/proc/sys/kernel/random/boot_id", "re");

		uname(&u);
		cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_HOST_NAME), u.nodename);
		if (bf) {
			if (fgets(kb, sizeof(kb), bf))
				kb[strcspn(kb, "\n")] = '\0';
			fclose(bf);
		}
		cr_expect(boot && strlen(boot) == 36 && strcmp(boot, kb) == 0,
			  "host.boot_id is the kernel's (%s, %s)", boot ? boot : "(null)", kb);
	}
	cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_CGROUP), c.cgroups_path);
	cr_expect_str_eq(sensor_event_get_str(ex, SENSOR_FIELD_WORKLOAD_CLASS),
			 "image:registry.test/shop/web:1.0", "the class is the image the runtime names");
	container_destroy(&c);
}

Test(proclive, runc_container_docker_shape, .timeout = 60)
{
	container_case(CONTAINER_DOCKER);
}

Test(proclive, runc_container_kubepods_shape, .timeout = 60)
{
	container_case(CONTAINER_KUBEPODS);
}
