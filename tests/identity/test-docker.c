/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Identity against real docker (Debian's docker.io): the test starts its own
 * dockerd (--bridge=none --iptables=false, data root, exec root, pid file
 * and API socket under a tmpfs of a private mount namespace; dockerd starts
 * its own containerd under its exec root), imports a busybox rootfs tar
 * offline as IMAGE, starts the sensor (proc, audit, fanotify on that tmpfs,
 * a baseline), then `docker run --network none` a container and `docker
 * exec`s a couple of commands in it. Every event of the container must say:
 * kind container, its 64-hex docker ID, runtime docker, the image as docker
 * names it (config.v2.json, found through the spec's /etc/hostname mount:
 * the data root is not /var/lib/docker), the image as class, the docker
 * name; file paths in the container's view; runc's setup marked
 * process.runtime. The same commands learned, then replayed under monitor:
 * no alert. The daemon, its containers and the mounts go in the fini.
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include <libsensor/sensor.h>

#include "testlib.h"

#define DOCKER  "/usr/bin/docker" /* Debian's; not whatever else is first in PATH */
#define DOCKERD "/usr/sbin/dockerd"
#define IMAGE   "rtsensor-test/shop:1.0"
#define MAXE    8192

static char root[64], sock[100], host[120], id[80], name[64];
static pid_t dockerd = -1;
static char logpath[96]; /* dockerd's log: printed in the fini unless the test passed */
static bool passed;

struct ev {
	char *json;
	char exe[256], cmd[256], path[512];
	int64_t runtime, secondary;
	enum sensor_kind kind;
};
static struct ev evs[MAXE];
static int nev, nal, nal_wl;
static pid_t sentinel_pid;
static char ours[80], not_ours[80];
static unsigned sentinel_seen;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_alert(sensor_baseline *b, const sensor_alert *a, void *ud)
{
	(void)b;
	(void)ud;
	nal++;
	if (id[0] && strcmp(sensor_alert_workload(a), id) == 0) {
		nal_wl++;
		fprintf(stderr, "alert of the container: %s\n", sensor_alert_json(a));
	}
}

static void on_event(sensor_ctx *c, sensor_event *ev, void *ud)
{
	const char *wl = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID), *s;
	char j[8192];
	int64_t pid = 0;
	struct ev *e;

	(void)c;
	(void)ud;
	if (sentinel_pid > 0 && sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid) == 0 &&
	    pid == sentinel_pid) {
		enum sensor_kind k = sensor_event_kind(ev);

		switch (sensor_event_source(ev)) {
		case SENSOR_SOURCE_PROC:
			sentinel_seen |= k == SENSOR_KIND_EXEC ? 1u : 0u;
			break;
		case SENSOR_SOURCE_AUDIT:
			sentinel_seen |= k == SENSOR_KIND_EXEC ? 2u : 0u;
			break;
		case SENSOR_SOURCE_FANOTIFY:
			sentinel_seen |= k == SENSOR_KIND_FILE ? 4u : 0u;
			break;
		default:
			break;
		}
		return;
	}
	/*
	 * The containers of the test's daemon only (other tests on the machine
	 * run docker-shaped runc containers): the ID, known before docker run
	 * returns, is a dir of its data root.
	 */
	if (!wl || strlen(wl) != 64)
		return;
	if (strcmp(wl, ours) != 0) {
		char dir[256];
		struct stat sb;

		if (strcmp(wl, not_ours) == 0)
			return;
		snprintf(dir, sizeof(dir), "%s/data/containers/%s", root, wl);
		if (stat(dir, &sb) != 0) {
			snprintf(not_ours, sizeof(not_ours), "%s", wl);
			return;
		}
		snprintf(ours, sizeof(ours), "%s", wl);
	}
	if (nev >= MAXE || sensor_event_to_json(ev, j, sizeof(j)) <= 0)
		return;
	e = &evs[nev++];
	e->json = strdup(j);
	e->kind = sensor_event_kind(ev);
	s = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_EXE);
	snprintf(e->exe, sizeof(e->exe), "%s", s ? s : "");
	s = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_CMDLINE);
	snprintf(e->cmd, sizeof(e->cmd), "%s", s ? s : "");
	s = sensor_event_get_str(ev, SENSOR_FIELD_FILE_PATH);
	snprintf(e->path, sizeof(e->path), "%s", s ? s : "");
	e->runtime = 0;
	sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_RUNTIME, &e->runtime);
	e->secondary = 0;
	sensor_event_get_int(ev, SENSOR_FIELD_EXEC_SECONDARY, &e->secondary);
	if (getenv("DUMP_EVENTS"))
		fprintf(stderr, "event: %s\n", j);
}

/*
 * Until every source delivered a process of the test's own (exec to proc
 * and audit, a file open under root to fanotify): each kernel queue is in
 * order, so everything before it was read. The deadline only fails a hang.
 */
static void drain(sensor_ctx *ctx, sensor_baseline *b)
{
	static int n;
	char path[128];
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "%s/sentinel-%d", root, ++n);
	st = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(st, 0);
	close(st);
	sentinel_seen = 0;
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		execl("/bin/cat", "cat", path, (char *)NULL);
		_exit(127);
	}
	sentinel_pid = pid;
	for (int64_t end = mono_ms() + 30000; sentinel_seen != 7 && mono_ms() < end;)
		sensor_ctx_run(ctx, 10000000ull);
	waitpid(pid, &st, 0);
	cr_assert_eq(sentinel_seen, 7, "the sources never delivered the sentinel (%u)", sentinel_seen);
	sentinel_pid = 0;
	unlink(path);
	sensor_baseline_flush_alerts(b, 0);
}

/*
 * Run the docker CLI against the test's daemon; with a ctx, the sensor reads
 * events until it ends. stdout into out (first line, no newline) when given.
 */
static int docker(sensor_ctx *ctx, char *out, size_t cap, const char *const *args)
{
	char *argv[32];
	int p[2], st, n = 0;
	size_t got = 0;
	pid_t pid;

	argv[n++] = (char *)DOCKER;
	argv[n++] = (char *)"-H";
	argv[n++] = host;
	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(p[1], 1);
		execv(DOCKER, argv);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		char buf[512];
		ssize_t r = read(p[0], buf, sizeof(buf));

		if (r > 0) {
			if (out && got + (size_t)r < cap) {
				memcpy(out + got, buf, (size_t)r);
				got += (size_t)r;
			}
			continue;
		}
		if (r == 0)
			break;
		if (ctx)
			sensor_ctx_run(ctx, 10000000ull);
		else {
			struct pollfd pf = { .fd = p[0], .events = POLLIN };

			poll(&pf, 1, 1000);
		}
	}
	close(p[0]);
	while (waitpid(pid, &st, ctx ? WNOHANG : 0) == 0)
		sensor_ctx_run(ctx, 10000000ull);
	if (out) {
		out[got < cap ? got : cap - 1] = '\0';
		out[strcspn(out, "\n")] = '\0';
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The daemon answers on its socket: connect() succeeds once it listens. */
static bool daemon_up(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	memcpy(a.sun_path, sock, strlen(sock) + 1);
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return r == 0;
}

static void start_dockerd(void)
{
	char data[96], exec_root[96], pidf[96], *log = logpath;
	int st;

	snprintf(data, sizeof(data), "%s/data", root);
	snprintf(exec_root, sizeof(exec_root), "%s/exec", root);
	snprintf(pidf, sizeof(pidf), "%s/dockerd.pid", root);
	snprintf(logpath, sizeof(logpath), "/tmp/rtsensor-dockerd-%d.log", (int)getpid());
	dockerd = fork();
	cr_assert_geq(dockerd, 0);
	if (dockerd == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(DOCKERD, "dockerd", "--bridge=none", "--iptables=false", "--ip-masq=false",
		      "--ip6tables=false", "--userland-proxy=false", "--data-root", data,
		      "--exec-root", exec_root, "--pidfile", pidf, "-H", host, (char *)NULL);
		_exit(127);
	}
	/* a state, polled: the API socket accepts, or the daemon died */
	for (int64_t end = mono_ms() + 120000; !daemon_up(); ) {
		struct timespec ts = { 0, 50000000 };

		pid_t w = waitpid(dockerd, &st, WNOHANG);

		if (w == dockerd)
			dockerd = -1; /* reaped: nothing to stop in the fini */
		cr_assert_eq(w, 0, "dockerd exited (its log is printed below)");
		cr_assert_lt(mono_ms(), end, "dockerd did not listen within 120 s (log below)");
		nanosleep(&ts, NULL);
	}
}

/* busybox-static as the image's only binary, a few applets, a config file */
static void import_image(void)
{
	static const char *const applets[] = { "sh", "cat", "ls", "id", "sleep" };
	char dir[128], p[256], cmd[512];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/image", root);
	snprintf(p, sizeof(p), "%s/bin", dir);
	cr_assert_eq(mkdir(dir, 0755), 0);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc", dir);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(cmd, sizeof(cmd), "cp /bin/busybox %s/bin/busybox", dir);
	cr_assert_eq(run_sh(cmd), 0);
	for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		snprintf(p, sizeof(p), "%s/bin/%s", dir, applets[i]);
		cr_assert_eq(symlink("busybox", p), 0);
	}
	snprintf(p, sizeof(p), "%s/etc/shop.conf", dir);
	f = fopen(p, "w");
	cr_assert(f && fputs("listen 8080\n", f) >= 0 && fclose(f) == 0);
	snprintf(cmd, sizeof(cmd), "tar -C %s -cf %s/image.tar .", dir, root);
	cr_assert_eq(run_sh(cmd), 0);
	snprintf(p, sizeof(p), "%s/image.tar", root);
	{
		const char *a[] = { "import", p, IMAGE, NULL };

		cr_assert_eq(docker(NULL, NULL, 0, a), 0, "docker import failed");
	}
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/run/rtsensor-docker-%d", (int)getpid());
	snprintf(sock, sizeof(sock), "%s/docker.sock", root);
	snprintf(host, sizeof(host), "unix://%s", sock);
	snprintf(name, sizeof(name), "rtsensor-shop-%d", (int)getpid());
}

static void fini(void)
{
	int st;

	if (dockerd > 0) {
		const char *a[] = { "rm", "-f", name, NULL };

		docker(NULL, NULL, 0, a);
		kill(dockerd, SIGTERM); /* dockerd stops its containerd and shims too */
		waitpid(dockerd, &st, 0);
		dockerd = -1;
	}
	if (logpath[0]) {
		char *text = passed ? NULL : read_file(logpath, NULL);

		if (text)
			fprintf(stderr, "dockerd's log:\n%s\n", text);
		free(text);
		unlink(logpath);
	}
	if (root[0]) {
		umount2(root, MNT_DETACH);
		rmdir(root);
	}
	for (int i = 0; i < nev; i++)
		free(evs[i].json);
	nev = 0;
}

static void run_commands(sensor_ctx *ctx, sensor_baseline *b)
{
	const char *cat[] = { "exec", id, "/bin/cat", "/etc/shop.conf", NULL };
	const char *ls[] = { "exec", id, "/bin/ls", "/etc", NULL };

	cr_assert_eq(docker(ctx, NULL, 0, cat), 0);
	cr_assert_eq(docker(ctx, NULL, 0, ls), 0);
	drain(ctx, b);
}

Test(docker, real_container_identity, .init = setup, .fini = fini, .timeout = 300)
{
	static const char *paths[] = { NULL, NULL };
	char roots[128], cls[128], wlid[160];
	struct sensor_ctx_opts co = { .sz = sizeof(co), .oci_state_roots = roots };
	struct sensor_fanotify_opts fo = { .sz = sizeof(fo), .paths = paths };
	struct sensor_baseline_opts bo = { .sz = sizeof(bo), .alert_fn = on_alert,
					   .rate_limit = 100000,
					   .min_learn_ns = 3600ull * 1000000000ull };
	const char *run[] = { "run", "-d", "--network", "none", "--name", name, IMAGE,
			      "/bin/sleep", "100000", NULL };
	int runc_unmarked = 0, cat_exec = 0, conf_file = 0, runtime_marked = 0, host_paths = 0;
	sensor_baseline *b;
	sensor_ctx *ctx;

	REQUIRE_ROOT();
	if (access(DOCKERD, X_OK) != 0 || access(DOCKER, X_OK) != 0)
		SKIP_OR_FAIL("docker.io is not installed (scripts/deps.sh installs it)");
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert(mkdir(root, 0755) == 0 || errno == EEXIST);
	cr_assert_eq(mount("rtsensor-docker", root, "tmpfs", 0, "size=256m"), 0);
	start_dockerd();
	import_image();

	/* the sensor first, as in the field; docker's runc root is under its exec root */
	snprintf(roots, sizeof(roots), "%s/exec/runtime-runc/moby", root);
	paths[0] = root;
	cr_assert_eq(sensor_ctx_new(&co, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_PROC, NULL, NULL), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, NULL, NULL), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &fo, NULL), 0);
	cr_assert_eq(sensor_baseline_attach(ctx, &bo, &b), 0);
	cr_assert_eq(sensor_ctx_set_event_cb(ctx, on_event, NULL), 0);

	cr_assert_eq(docker(ctx, id, sizeof(id), run), 0, "docker run failed");
	cr_assert_eq(strlen(id), 64, "docker run printed '%s', not a 64-hex ID", id);
	drain(ctx, b);
	run_commands(ctx, b); /* learned */

	snprintf(cls, sizeof(cls), "\"class\":\"image:%s\"", IMAGE);
	snprintf(wlid, sizeof(wlid), "\"id\":\"%s\"", id);
	cr_assert_gt(nev, 0, "no event of a docker container");
	for (int i = 0; i < nev; i++) {
		struct ev *e = &evs[i];

		cr_expect(strstr(e->json, wlid) != NULL, "an event of another container: %s", e->json);
		cr_expect(strstr(e->json, "\"kind\":\"container\"") != NULL, "not a container: %s",
			  e->json);
		/* runc by its exe, command line or (gone before /proc was read) its comm */
		bool runc = strstr(e->exe, "runc") || strcmp(e->cmd, "runc init") == 0 ||
			    strstr(e->json, "\"comm\":\"runc");

		/*
		 * runc init's first steps come before its state.json exists: no
		 * image, no rootfs yet. Known gap (reported, not asserted): its
		 * exec of the re-exec'd runc (exe "/") and what it does before /proc
		 * names it (its runc.XXXXXX temp file) are not always marked runtime.
		 */
		if (runc) {
			runtime_marked += e->runtime == 1;
			if (e->runtime != 1) {
				runc_unmarked++;
				fprintf(stderr, "known gap: runc not marked runtime: %.300s\n", e->json);
			}
			continue;
		}
		{
			cr_expect(strstr(e->json, cls) != NULL, "not the image as class: %s", e->json);
			cr_expect(strstr(e->json, "\"image\":\"" IMAGE "\"") != NULL, "no image: %s",
				  e->json);
		}
		/* the image's and the container's files in its view (runc's exec.fifo
		 * under the exec root is no file of the container: it keeps its path) */
		if (strncmp(e->path, root, strlen(root)) == 0 && !strstr(e->path, "/exec.fifo")) {
			host_paths++;
			fprintf(stderr, "host path: %s\n", e->json);
		}
		if (e->kind == SENSOR_KIND_EXEC && !e->secondary &&
		    strcmp(e->cmd, "/bin/cat /etc/shop.conf") == 0) {
			cat_exec++;
			cr_expect_eq(e->runtime, 0, "the workload's exec marked as runtime: %s", e->json);
		}
		if (e->kind == SENSOR_KIND_FILE && strcmp(e->path, "/etc/shop.conf") == 0)
			conf_file++;
	}
	cr_expect_eq(host_paths, 0, "file paths must be the container's view");
	cr_expect_eq(cat_exec, 1, "the exec of cat, once, as the container's (%d)", cat_exec);
	cr_expect_gt(conf_file, 0, "fanotify's open of /etc/shop.conf in the container's view");
	cr_expect_gt(runtime_marked, 0, "runc init's events in the container, marked runtime");
	fprintf(stderr, "docker: %d events of the container, %d of runc marked runtime, %d not\n",
		nev, runtime_marked, runc_unmarked);
	{
		bool named = false;

		for (int i = 0; i < nev && !named; i++)
			named = strstr(evs[i].json, name) != NULL;
		cr_expect(named, "the docker name %s on the container's events", name);
	}

	/* the same commands under monitor: docker exec's runc setup is not scored */
	cr_assert_eq(sensor_baseline_set_state(b, id, SENSOR_BASELINE_STATE_MONITORING), 0);
	nal_wl = 0;
	run_commands(ctx, b);
	cr_expect_eq(nal_wl, 0, "the learned commands under monitor raised %d alerts", nal_wl);

	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
	passed = true;
}
