/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp agent with a real runc container: a busybox-static rootfs,
 * a docker-shaped cgroupsPath, a seccomp profile with listenerPath and
 * SCMP_ACT_NOTIFY for unshare and mount. Root; cleans up the container,
 * its cgroups and its files whatever happens.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <libsensor/sensor.h>

#include "sc-helpers.h"
#include "testlib.h"

static struct sc_rec rec;
static char dir[64], id[65], docker_dirs_created[16][300];
static int ndocker;

static const char *busybox(void)
{
	return access("/bin/busybox", X_OK) == 0 ? "/bin/busybox" : "/usr/bin/busybox";
}

/* Note which /sys/fs/cgroup/<ctrl>/docker parents do not exist yet: we remove only those. */
static void note_cgroup_parents(void)
{
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[300];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/docker", e->d_name);
		if (access(p, F_OK) != 0 && ndocker < 16)
			snprintf(docker_dirs_created[ndocker++], sizeof(docker_dirs_created[0]), "%s", p);
	}
	if (d)
		closedir(d);
	if (access("/sys/fs/cgroup/docker", F_OK) != 0 && ndocker < 16)
		snprintf(docker_dirs_created[ndocker++], sizeof(docker_dirs_created[0]), "/sys/fs/cgroup/docker");
}

static void cleanup(void)
{
	char cmd[512];
	DIR *d;
	struct dirent *e;

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "runc --root %s/root delete -f %s >/dev/null 2>&1", dir, id);
	run_sh(cmd);
	d = opendir("/sys/fs/cgroup");
	while (d && (e = readdir(d))) {
		char p[400];

		snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/docker/%s", e->d_name, id);
		rmdir(p);
	}
	if (d)
		closedir(d);
	for (int i = 0; i < ndocker; i++)
		rmdir(docker_dirs_created[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}

static void make_bundle(void)
{
	static const char *const applets[] = { "sh", "unshare", "mount", "true", "echo", NULL };
	char cmd[1024], path[256], sock[256];
	json_t *c, *proc, *linux_, *sc, *rule;
	json_error_t err;

	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/bundle/rootfs/bin %s/bundle/rootfs/proc %s/bundle/rootfs/dev "
		 "%s/bundle/rootfs/sys %s/bundle/rootfs/mnt %s/bundle/rootfs/tmp && "
		 "cp %s %s/bundle/rootfs/bin/busybox && cd %s/bundle && runc spec",
		 dir, dir, dir, dir, dir, dir, busybox(), dir, dir);
	cr_assert_eq(run_sh(cmd), 0);
	for (int i = 0; applets[i]; i++) {
		snprintf(path, sizeof(path), "%s/bundle/rootfs/bin/%s", dir, applets[i]);
		cr_assert_eq(symlink("busybox", path), 0);
	}
	snprintf(path, sizeof(path), "%s/bundle/config.json", dir);
	c = json_load_file(path, 0, &err);
	cr_assert_not_null(c, "runc spec: %s", err.text);
	proc = json_object_get(c, "process");
	json_object_set_new(proc, "terminal", json_false());
	json_object_set_new(proc, "args",
		json_pack("[sss]", "/bin/sh", "-c",
			  "unshare -U true; echo unshare=$?; mount -t tmpfs none /mnt; echo mount=$?"));
	json_object_set_new(c, "annotations",
		json_pack("{ssss}", "org.opencontainers.image.ref.name", "busybox:rtsensor-test",
			  "io.kubernetes.pod.uid", "0b6f1f2e-7f4c-4c5e-9a53-1c2d3e4f5a6b"));
	linux_ = json_object_get(c, "linux");
	snprintf(cmd, sizeof(cmd), "/docker/%s", id);
	json_object_set_new(linux_, "cgroupsPath", json_string(cmd));
	snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
	rule = json_pack("{s[ss]ss}", "names", "unshare", "mount", "action", "SCMP_ACT_NOTIFY");
	sc = json_pack("{sssssss[s]s[o]}", "defaultAction", "SCMP_ACT_ALLOW", "listenerPath", sock,
		       "listenerMetadata", "rtsensor-test", "architectures", "SCMP_ARCH_X86_64",
		       "syscalls", rule);
	cr_assert_not_null(sc);
	json_object_set_new(linux_, "seccomp", sc);
	cr_assert_eq(json_dump_file(c, path, JSON_INDENT(1)), 0);
	json_decref(c);
}

/* Root, runc and busybox; a fresh directory, a random 64-hex id, the bundle. */
static void prepare(void)
{
	int fd;

	REQUIRE_ROOT();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc (package runc)");
	REQUIRE_FEATURE(access(busybox(), X_OK) == 0, "busybox-static");
	snprintf(dir, sizeof(dir), "/tmp/sc-runc-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	for (int i = 0; i < 32; i++) {
		unsigned char b = 0;

		cr_assert_eq(read(fd, &b, 1), 1);
		snprintf(id + 2 * i, 3, "%02x", b);
	}
	close(fd);
	note_cgroup_parents();
	make_bundle();
}

Test(seccomp_runc, container_attempts_are_attributed_and_denied, .fini = cleanup)
{
	char sock[256], out[256], *text;
	sensor_ctx *ctx;
	sensor_source *src;
	pid_t pid;
	int st;
	bool attached = false, detached = false;
	int unshares = 0, mounts = 0;

	prepare();

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, sc_rec_cb, &rec);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, NULL, &src), 0);
	snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
	cr_assert_eq(sensor_seccomp_add_agent(src, sock, 0), 0);
	cr_assert_eq(sensor_seccomp_add_agent(src, sock, 0), -EADDRINUSE);
	/* policy: unshare fails with EHOSTDOWN (an errno nothing else gives), mount is allowed */
	rec.deny_name = "unshare";
	rec.deny_err = EHOSTDOWN;

	snprintf(out, sizeof(out), "%s/out.txt", dir);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		char root[128], bundle[128];
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		snprintf(root, sizeof(root), "%s/root", dir);
		snprintf(bundle, sizeof(bundle), "%s/bundle", dir);
		dup2(o, 1);
		dup2(o, 2);
		execlp("runc", "runc", "--root", root, "run", "-b", bundle, id, (char *)NULL);
		_exit(127);
	}
	st = sc_run_until_exit(ctx, pid, 60000);
	text = read_file(out, NULL);
	cr_assert(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "runc failed (%d): %s", st,
		  text ? text : "");
	cr_assert_not_null(strstr(text, "Host is down"), "unshare not denied by policy: %s", text);
	cr_assert_not_null(strstr(text, "unshare=1"), "%s", text);
	for (int i = 0; i < rec.nsyscall; i++) {
		cr_assert_str_eq(rec.ev[i].workload_id, id);
		cr_assert_str_eq(rec.ev[i].workload_kind, "container");
		cr_assert(rec.ev[i].pid > 0);
		if (strcmp(rec.ev[i].name, "unshare") == 0) {
			unshares++;
			cr_assert_str_eq(rec.ev[i].verdict, "deny");
		} else if (strcmp(rec.ev[i].name, "mount") == 0) {
			mounts++;
			cr_assert_str_eq(rec.ev[i].verdict, "allow");
		}
	}
	cr_assert_eq(unshares, 1);
	cr_assert_eq(mounts, 1);
	/* mount was allowed by us, and the kernel then refused it: no CAP_SYS_ADMIN in the container */
	cr_assert_not_null(strstr(text, "permission denied"), "%s", text);
	cr_assert_null(strstr(text, "mount=0"), "%s", text);
	for (int i = 0; i < rec.nstatus; i++) {
		if (strncmp(rec.status[i], "container_attached ", 19) == 0) {
			attached = true;
			cr_assert_not_null(strstr(rec.status[i], id));
			cr_assert_not_null(strstr(rec.status[i], "busybox:rtsensor-test"));
			cr_assert_not_null(strstr(rec.status[i], "\"metadata\":\"rtsensor-test\""));
		}
		if (strncmp(rec.status[i], "container_detached ", 19) == 0)
			detached = true;
	}
	cr_assert(attached, "no container_attached status");
	cr_assert(detached, "container state not released when its last process exited");
	free(text);
	sensor_ctx_free(ctx);
	cr_assert_eq(access(sock, F_OK), -1, "agent socket left behind");
}

/* The same through the CLI: rtsensor seccomp-agent in its own process, runc next to it. */
Test(seccomp_runc, cli_agent_denies_and_streams, .fini = cleanup)
{
	char sock[256], events[256], cmd[2048], *text;
	pid_t agent;
	int st;

	prepare();
	snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
	snprintf(events, sizeof(events), "%s/events.json", dir);
	agent = fork();
	cr_assert(agent >= 0);
	if (agent == 0) {
		execl(getenv("RTSENSOR"), "rtsensor", "seccomp-agent", "--socket", sock, "--deny",
		      "mount:ENOTBLK", "--events", events, "--duration", "60", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && access(sock, F_OK) != 0; i++)
		usleep(10000);
	cr_assert_eq(access(sock, F_OK), 0, "agent socket never appeared");
	snprintf(cmd, sizeof(cmd), "runc --root %s/root run -b %s/bundle %s > %s/out.txt 2>&1", dir,
		 dir, id, dir);
	st = run_sh(cmd);
	kill(agent, SIGTERM);
	waitpid(agent, NULL, 0);
	snprintf(cmd, sizeof(cmd), "%s/out.txt", dir);
	text = read_file(cmd, NULL);
	cr_assert_eq(st, 0, "runc: %s", text ? text : "");
	cr_assert_not_null(strstr(text, "Block device required"), "mount not denied: %s", text);
	free(text);
	text = read_file(events, NULL);
	cr_assert_not_null(text);
	snprintf(cmd, sizeof(cmd), "\"workload\":{\"kind\":\"container\",\"id\":\"%s\"", id);
	cr_assert_not_null(strstr(text, cmd), "no event attributed to the container: %s", text);
	cr_assert_not_null(strstr(text, "\"name\":\"mount\""), "%s", text);
	cr_assert_not_null(strstr(text, "\"decision\":\"deny\""), "%s", text);
	cr_assert_not_null(strstr(text, "container_detached"), "%s", text);
	free(text);
	cr_assert_eq(access(sock, F_OK), -1, "agent socket left behind");
}
