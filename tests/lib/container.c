/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"

#define RUNC_ROOT "/run/rtsensor-test-runc"

static const char *const applets[] = {
	"sh", "sleep", "true", "false", "cat", "ls", "echo", "touch", "rm", "mkdir",
	"wget", "nc", "id", "ps", "uname", "env", "head", "mv", "cp", "chmod", NULL,
};

static char bundle_parent[200] = "/tmp";

void container_set_bundle_parent(const char *dir)
{
	snprintf(bundle_parent, sizeof(bundle_parent), "%s", dir);
}

const char *container_runc_root(void)
{
	return RUNC_ROOT;
}

static void random_hex(char *out, size_t nhex)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[64];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, b, (nhex + 1) / 2) < 0)
		memset(b, 0x5a, sizeof(b));
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < nhex; i++)
		out[i] = hex[(b[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[nhex] = '\0';
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	close(out);
	return n < 0 ? -EIO : 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int container_prepare(struct test_container *c, enum container_shape shape,
		      const char *const *argv, const char *extra_linux, const char *extra_top)
{
	char path[512], uid[33];
	FILE *f;
	int r;

	memset(c, 0, sizeof(*c));
	random_hex(c->id, 64);
	snprintf(c->bundle, sizeof(c->bundle), "%s/rtsensor-ctr-XXXXXX", bundle_parent);
	if (!mkdtemp(c->bundle))
		return -errno;
	if (shape == CONTAINER_DOCKER) {
		snprintf(c->cgroups_path, sizeof(c->cgroups_path), "/docker/%s", c->id);
	} else {
		random_hex(uid, 32);
		snprintf(c->pod_uid, sizeof(c->pod_uid), "%.8s-%.4s-%.4s-%.4s-%.12s", uid, uid + 8,
			 uid + 12, uid + 16, uid + 20);
		snprintf(c->cgroups_path, sizeof(c->cgroups_path), "/kubepods/besteffort/pod%s/%s",
			 c->pod_uid, c->id);
	}
	snprintf(path, sizeof(path), "%s/rootfs", c->bundle);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/rootfs/bin", c->bundle);
	mkdir(path, 0755);
	for (const char *d = "proc\0dev\0sys\0tmp\0etc\0"; *d; d += strlen(d) + 1) {
		snprintf(path, sizeof(path), "%s/rootfs/%s", c->bundle, d);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s/rootfs/bin/busybox", c->bundle);
	r = copy_file("/bin/busybox", path, 0755);
	if (r < 0)
		return r;
	for (int i = 0; applets[i]; i++) {
		snprintf(path, sizeof(path), "%s/rootfs/bin/%s", c->bundle, applets[i]);
		if (symlink("busybox", path) < 0 && errno != EEXIST)
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/config.json", c->bundle);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":false,"
		   "\"user\":{\"uid\":0,\"gid\":0},\"args\":[");
	for (int i = 0; argv[i]; i++) {
		if (i)
			fputc(',', f);
		json_str(f, argv[i]);
	}
	fprintf(f, "],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\",\"noNewPrivileges\":true,"
		   "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],"
		   "\"permitted\":[\"CAP_KILL\"]}},"
		   "\"root\":{\"path\":\"rootfs\",\"readonly\":false},\"hostname\":\"test\","
		   "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		   "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		   "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
		   "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		   "\"options\":[\"nosuid\",\"size=65536k\"]}],"
		   "\"linux\":{\"cgroupsPath\":");
	json_str(f, c->cgroups_path);
	fprintf(f, ",\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
		   "{\"type\":\"uts\"},{\"type\":\"mount\"}],"
		   "\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\",\"/sys/firmware\"],"
		   "\"readonlyPaths\":[\"/proc/sys\",\"/proc/sysrq-trigger\"]");
	if (extra_linux)
		fprintf(f, ",%s", extra_linux);
	fputc('}', f);
	if (extra_top)
		fprintf(f, ",%s", extra_top);
	fputs("}\n", f);
	return fclose(f) == 0 ? 0 : -errno;
}

static int runc(const char *const *args, bool quiet_stdout, char *out, size_t outcap)
{
	int pfd[2] = { -1, -1 }, st;
	pid_t pid;

	if (out && pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		const char *argv[32];
		int n = 0, devnull = open("/dev/null", O_RDWR);

		argv[n++] = "runc";
		argv[n++] = "--root";
		argv[n++] = RUNC_ROOT;
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		dup2(devnull, 0);
		if (out)
			dup2(pfd[1], 1);
		else if (quiet_stdout)
			dup2(devnull, 1);
		execvp("runc", (char *const *)argv);
		_exit(127);
	}
	if (out) {
		size_t got = 0;
		ssize_t n;

		close(pfd[1]);
		while (got + 1 < outcap && (n = read(pfd[0], out + got, outcap - got - 1)) > 0)
			got += (size_t)n;
		out[got] = '\0';
		close(pfd[0]);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int container_start(struct test_container *c)
{
	const char *run[] = { "run", "--detach", "--bundle", c->bundle, c->id, NULL };
	const char *state[] = { "state", c->id, NULL };
	char out[4096], *p;

	if (runc(run, true, NULL, 0) != 0)
		return -1;
	c->started = true;
	if (runc(state, false, out, sizeof(out)) != 0)
		return -1;
	p = strstr(out, "\"pid\":");
	if (!p)
		return -1;
	c->pid = (pid_t)strtol(p + 6, NULL, 10);
	return c->pid > 0 ? 0 : -1;
}

int container_exec(struct test_container *c, const char *const *argv)
{
	const char *args[24] = { "exec", c->id };
	int n = 2;

	for (int i = 0; argv[i] && n < 23; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	return runc(args, true, NULL, 0);
}

/* Remove now-empty cgroup directories the container's path created, leaf first. */
static void remove_cgroup_dirs(const char *cgpath)
{
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[1024], *slash;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s", de->d_name, cgpath);
		/* walk up to (not including) the hierarchy root */
		for (;;) {
			size_t root = strlen("/sys/fs/cgroup/") + strlen(de->d_name);

			if (rmdir(path) < 0 && errno != ENOENT)
				break;
			slash = strrchr(path, '/');
			if (!slash || (size_t)(slash - path) <= root)
				break;
			*slash = '\0';
		}
	}
	if (d)
		closedir(d);
	{
		char path[1024];

		snprintf(path, sizeof(path), "/sys/fs/cgroup%s", cgpath);
		rmdir(path); /* pure v2 layout */
	}
}

void container_destroy(struct test_container *c)
{
	char cmd[600];

	if (!c || !c->id[0])
		return;
	if (c->started) {
		const char *kill[] = { "kill", c->id, "KILL", NULL };
		const char *del[] = { "delete", "--force", c->id, NULL };

		runc(kill, true, NULL, 0);
		for (int i = 0; i < 50; i++) {
			if (runc(del, true, NULL, 0) == 0)
				break;
			usleep(20000);
		}
	}
	remove_cgroup_dirs(c->cgroups_path);
	if (c->bundle[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->bundle);
		if (system(cmd) != 0)
			fprintf(stderr, "container: could not remove %s\n", c->bundle);
	}
	memset(c, 0, sizeof(*c));
}
