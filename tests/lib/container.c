/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"

#define RUNC_ROOT "/run/rtsensor-test-runc"

/* The applets of the original plain rootfs (container_prepare). */
static const char *const legacy_applets[] = {
	"sh", "sleep", "true", "false", "cat", "ls", "echo", "touch", "rm", "mkdir",
	"wget", "nc", "id", "ps", "uname", "env", "head", "mv", "cp", "chmod", NULL,
};

/*
 * Host tools of the distro image: separate binaries, each copied with the
 * libraries ldd names. Missing ones are skipped (the test asks for what it
 * needs with container_exec and sees the failure).
 */
static const char *const distro_tools[] = {
	"bash", "dash", "cat", "ls", "cp", "mv", "rm", "mkdir", "rmdir", "chmod", "chown",
	"touch", "echo", "head", "tail", "sleep", "env", "uname", "id", "whoami", "base64",
	"ln", "stat", "tr", "wc", "grep", "sed", "find", "tar", "gzip", "ps", "kill",
	"hostname", "dd", "mount", "umount", "wget", "curl", "sort", "cut", "date", "true",
	"false", "readlink", "mktemp", "xargs", "nc.openbsd", "perl", "su", "unshare",
	"nsenter", "chroot", "setpriv", "getent", "uptime", "df", "cmp", "md5sum", "sha256sum",
	"printf", "test", "tee", "basename", "dirname", "pwd", "nohup", "timeout", "seq",
	"install", "chgrp", "sync", "expr", "od", "xxd", "awk", "mawk", "hexdump", "insmod",
	"modprobe", "rmmod", "useradd", "passwd", "mkfifo", "touch", NULL,
};

static char bundle_parent[200] = "/tmp";

/*
 * Copies of the live containers of this process: a test that fails an
 * assertion exits without its container_destroy(); exit still removes
 * what it made (container, mount, netns pair, bundle).
 */
#define MAX_LIVE 16
static struct test_container live[MAX_LIVE];
static pid_t live_owner;
static void live_sync(const struct test_container *c, bool gone);

/* Image layers of this process, shared by its containers. */
static struct layer {
	char dir[256];
	enum container_image image;
	int refs;
} layers[4];

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

/* mkdir -p of root/rel (rel may start with '/'). */
static int mkdirs(const char *root, const char *rel)
{
	char p[PATH_MAX];
	size_t rl = strlen(root);

	if (snprintf(p, sizeof(p), "%s/%s", root, rel) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + rl + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_text(const char *root, const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	int fd;
	size_t n = strlen(text);

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return -EIO;
	}
	fchmod(fd, mode);
	close(fd);
	return 0;
}

/* The files every image has: a minimal /etc and the usual top dirs. */
static int image_base(const char *root)
{
	static const char *const dirs[] = { "proc", "dev", "sys", "tmp", "etc", "root", "home",
					     "run", "var/tmp", "var/log", "var/www", "var/spool/cron",
					     "etc/cron.d", "etc/systemd/system", "etc/profile.d",
					     "srv", "opt", "mnt", NULL };
	int r;

	for (int i = 0; dirs[i]; i++)
		if ((r = mkdirs(root, dirs[i])) < 0)
			return r;
	if ((r = write_text(root, "etc/passwd",
			    "root:x:0:0:root:/root:/bin/sh\n"
			    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
			    "app:x:1000:1000:app:/home/app:/bin/sh\n"
			    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
			    0644)) < 0 ||
	    (r = write_text(root, "etc/group",
			    "root:x:0:\ndaemon:x:1:\nwww-data:x:33:\napp:x:1000:\n"
			    "nogroup:x:65534:\n",
			    0644)) < 0 ||
	    (r = write_text(root, "etc/shadow",
			    "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
			    "www-data:*:19000:0:99999:7:::\napp:!:19000:0:99999:7:::\n"
			    "nobody:*:19000:0:99999:7:::\n",
			    0640)) < 0 ||
	    (r = write_text(root, "etc/hosts", "127.0.0.1 localhost\n", 0644)) < 0 ||
	    (r = write_text(root, "etc/resolv.conf", "nameserver 127.0.0.1\n", 0644)) < 0 ||
	    (r = write_text(root, "etc/profile", "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n",
			    0644)) < 0 ||
	    (r = write_text(root, "var/www/index.html", "<html>hello</html>\n", 0644)) < 0)
		return r;
	/* what attackers look for: a service-account token, cloud credentials, a log */
	if ((r = mkdirs(root, "run/secrets/kubernetes.io/serviceaccount")) < 0 ||
	    (r = write_text(root, "run/secrets/kubernetes.io/serviceaccount/token", "eyJhbGciOi.test\n",
			    0644)) < 0 ||
	    (r = mkdirs(root, "root/.aws")) < 0 ||
	    (r = write_text(root, "root/.aws/credentials", "[default]\naws_access_key_id=AKIATEST\n",
			    0600)) < 0 ||
	    (r = write_text(root, "var/log/auth.log", "boot\n", 0640)) < 0)
		return r;
	if ((r = mkdirs(root, "home/app")) < 0)
		return r;
	chmod(root, 0755);
	return 0;
}

/* Run argv and capture its stdout (NUL-terminated). Returns the exit status or -1. */
static int capture(const char *const *argv, char *out, size_t cap)
{
	int pfd[2], st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(devnull, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], out + got, cap - got - 1)) > 0 && got + 1 < cap)
		got += (size_t)n;
	/* drain what did not fit so the child never blocks */
	while (n > 0) {
		char sink[4096];

		n = read(pfd[0], sink, sizeof(sink));
	}
	out[got] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Busybox image as Alpine lays it out: /bin/busybox and every applet of
 * `busybox --list-full` an absolute symlink to it. all=false: only the
 * applets of the original plain rootfs, in /bin (container_prepare).
 */
static int image_busybox(const char *root, bool all)
{
	static char list[16384];
	const char *const lister[] = { "/bin/busybox", "--list-full", NULL };
	char p[PATH_MAX];
	int r;

	if ((r = mkdirs(root, "bin")) < 0 || (r = mkdirs(root, "sbin")) < 0 ||
	    (r = mkdirs(root, "usr/bin")) < 0 || (r = mkdirs(root, "usr/sbin")) < 0)
		return r;
	snprintf(p, sizeof(p), "%s/bin/busybox", root);
	if ((r = copy_file("/bin/busybox", p, 0755)) < 0)
		return r;
	if (!all) {
		for (int i = 0; legacy_applets[i]; i++) {
			snprintf(p, sizeof(p), "%s/bin/%s", root, legacy_applets[i]);
			if (symlink("busybox", p) < 0 && errno != EEXIST)
				return -errno;
		}
		return 0;
	}
	if (capture(lister, list, sizeof(list)) != 0)
		return -ENOEXEC;
	for (char *line = list, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		if (nl > line) {
			char save = *nl;

			*nl = '\0';
			snprintf(p, sizeof(p), "%s/%s", root, line);
			if (strcmp(line, "bin/busybox") != 0 && symlink("/bin/busybox", p) < 0 &&
			    errno != EEXIST) {
				*nl = save;
				return -errno;
			}
			*nl = save;
		}
		if (!*nl)
			break;
	}
	return 0;
}

/* Copy host file 'path' (following symlinks) to the same path under root. */
static int copy_into(const char *root, const char *path)
{
	char dst[PATH_MAX], dir[PATH_MAX], *slash;
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		int r;

		*slash = '\0';
		if ((r = mkdirs(root, dir)) < 0)
			return r;
	}
	snprintf(dst, sizeof(dst), "%s%s", root, path);
	if (access(dst, F_OK) == 0)
		return 0;
	return copy_file(path, dst, st.st_mode & 07777);
}

static const char *host_which(const char *name, char *buf, size_t cap)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin", NULL };

	for (int i = 0; dirs[i]; i++) {
		snprintf(buf, cap, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* Copy a host binary to /usr/bin/<as> and the libraries ldd names for it. */
static int copy_tool(const char *root, const char *name, const char *as)
{
	static char out[8192];
	char host[PATH_MAX], dst[PATH_MAX];
	const char *ldd[] = { "ldd", NULL, NULL };
	struct stat st;
	int r;

	if (!host_which(name, host, sizeof(host)))
		return 0;
	if (stat(host, &st) < 0)
		return -errno;
	snprintf(dst, sizeof(dst), "%s/usr/bin/%s", root, as);
	if ((r = copy_file(host, dst, st.st_mode & 07777)) < 0)
		return r;
	ldd[1] = host;
	if (capture(ldd, out, sizeof(out)) != 0)
		return 0; /* static binary */
	for (char *s = out; (s = strchr(s, '/'));) {
		char lib[PATH_MAX];
		size_t n = strcspn(s, " \t\n(");

		if (n >= sizeof(lib))
			return -ENAMETOOLONG;
		memcpy(lib, s, n);
		lib[n] = '\0';
		if ((r = copy_into(root, lib)) < 0)
			return r;
		s += n;
	}
	return 0;
}

/*
 * Distro image, Debian's merged-/usr layout: /bin, /sbin, /lib, /lib64
 * symlinks into /usr, each tool a binary of its own, /bin/sh -> dash.
 */
static int image_distro(const char *root)
{
	char p[PATH_MAX];
	int r;

	if ((r = mkdirs(root, "usr/bin")) < 0 || (r = mkdirs(root, "usr/lib")) < 0 ||
	    (r = mkdirs(root, "usr/lib64")) < 0)
		return r;
	for (const char *l = "bin\0sbin\0lib\0lib64\0"; *l; l += strlen(l) + 1) {
		char target[16];

		snprintf(target, sizeof(target), "usr/%s", l);
		snprintf(p, sizeof(p), "%s/%s", root, l);
		if (symlink(target, p) < 0 && errno != EEXIST)
			return -errno;
	}
	if ((r = mkdirs(root, "usr/sbin")) < 0)
		return r;
	for (int i = 0; distro_tools[i]; i++) {
		const char *as = strcmp(distro_tools[i], "nc.openbsd") == 0 ? "nc" : distro_tools[i];

		if ((r = copy_tool(root, distro_tools[i], as)) < 0)
			return r;
	}
	snprintf(p, sizeof(p), "%s/usr/bin/sh", root);
	if (symlink("dash", p) < 0 && errno != EEXIST)
		return -errno;
	/* perl's pure-Perl and XS modules (Socket, IO, POSIX) so `perl -e` works */
	if (access("/usr/lib/x86_64-linux-gnu/perl-base", F_OK) == 0) {
		char cmd[PATH_MAX + 128];

		snprintf(cmd, sizeof(cmd),
			 "mkdir -p '%s/usr/lib/x86_64-linux-gnu' && "
			 "cp -a /usr/lib/x86_64-linux-gnu/perl-base '%s/usr/lib/x86_64-linux-gnu/'",
			 root, root);
		if (system(cmd) != 0)
			return -EIO;
	}
	return 0;
}

static int image_build(const char *root, enum container_image image, bool all)
{
	int r;

	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		return -errno;
	if ((r = image_base(root)) < 0)
		return r;
	return image == CONTAINER_IMAGE_DISTRO ? image_distro(root) : image_busybox(root, all);
}

static void rm_rf(const char *path)
{
	char cmd[PATH_MAX + 32];

	if (!path[0] || strcmp(path, "/") == 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "container: could not remove %s\n", path);
}

/* The shared layer of an image kind under the bundle parent: made once, refcounted. */
static int layer_get(enum container_image image, int *ref)
{
	char dir[256];
	int free_slot = -1, r;

	snprintf(dir, sizeof(dir), "%s/rtsensor-img-%s-%d", bundle_parent,
		 image == CONTAINER_IMAGE_DISTRO ? "distro" : "busybox", (int)getpid());
	for (int i = 0; i < 4; i++) {
		if (layers[i].refs > 0 && strcmp(layers[i].dir, dir) == 0) {
			layers[i].refs++;
			*ref = i;
			return 0;
		}
		if (layers[i].refs == 0 && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	rm_rf(dir); /* a leftover of a crashed run of this pid */
	if ((r = image_build(dir, image, true)) < 0) {
		rm_rf(dir);
		return r;
	}
	snprintf(layers[free_slot].dir, sizeof(layers[free_slot].dir), "%s", dir);
	layers[free_slot].image = image;
	layers[free_slot].refs = 1;
	*ref = free_slot;
	return 0;
}

static void layer_put(int ref)
{
	if (ref < 0 || ref >= 4 || layers[ref].refs <= 0)
		return;
	if (--layers[ref].refs == 0)
		rm_rf(layers[ref].dir);
}

/* Two named netns joined by a veth pair, both ends eth0, lo up in both. */
static int net_make(struct test_container *c)
{
	char cmd[1024];

	snprintf(c->netns, sizeof(c->netns), "rtsc-%.12s", c->id);
	snprintf(c->peer_netns, sizeof(c->peer_netns), "rtsp-%.12s", c->id);
	snprintf(cmd, sizeof(cmd), "ip netns add %s", c->netns);
	if (system(cmd) != 0) {
		c->netns[0] = c->peer_netns[0] = '\0';
		return -EIO;
	}
	snprintf(cmd, sizeof(cmd), "ip netns add %s", c->peer_netns);
	if (system(cmd) != 0) {
		c->peer_netns[0] = '\0';
		return -EIO;
	}
	snprintf(cmd, sizeof(cmd),
		 "ip link add eth0 netns %s type veth peer name eth0 netns %s && "
		 "ip -n %s link set lo up && ip -n %s link set lo up && "
		 "ip -n %s addr add " CONTAINER_ADDR "/24 dev eth0 && "
		 "ip -n %s addr add " CONTAINER_PEER_ADDR "/24 dev eth0 && "
		 "ip -n %s link set eth0 up && ip -n %s link set eth0 up && "
		 "ip -n %s route add default via " CONTAINER_PEER_ADDR,
		 c->netns, c->peer_netns, c->netns, c->peer_netns, c->netns, c->peer_netns,
		 c->netns, c->peer_netns, c->netns);
	return system(cmd) == 0 ? 0 : -EIO;
}

static void net_remove(struct test_container *c)
{
	char cmd[256];

	if (c->netns[0]) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", c->netns);
		if (system(cmd) != 0)
			fprintf(stderr, "container: could not remove netns %s\n", c->netns);
	}
	if (c->peer_netns[0]) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", c->peer_netns);
		if (system(cmd) != 0)
			fprintf(stderr, "container: could not remove netns %s\n", c->peer_netns);
	}
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

/* docker's default capability set */
#define DOCKER_CAPS                                                                       \
	"[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\",\"CAP_MKNOD\","   \
	"\"CAP_NET_RAW\",\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETFCAP\",\"CAP_SETPCAP\","     \
	"\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_CHROOT\",\"CAP_KILL\",\"CAP_AUDIT_WRITE\"]"

static int write_config(struct test_container *c, const struct container_opts *o, bool legacy)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/config.json", c->bundle);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":false,"
		   "\"user\":{\"uid\":0,\"gid\":0},\"args\":[");
	for (int i = 0; o->argv[i]; i++) {
		if (i)
			fputc(',', f);
		json_str(f, o->argv[i]);
	}
	if (legacy)
		fprintf(f, "],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\",\"noNewPrivileges\":true,"
			   "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],"
			   "\"permitted\":[\"CAP_KILL\"]}},");
	else
		fprintf(f, "],\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
			   "/sbin:/bin\",\"HOME=/root\"],\"cwd\":\"/\","
			   "\"capabilities\":{\"bounding\":" DOCKER_CAPS ",\"effective\":" DOCKER_CAPS
			   ",\"permitted\":" DOCKER_CAPS "}},");
	fprintf(f, "\"root\":{\"path\":");
	json_str(f, c->rootfs);
	fprintf(f, ",\"readonly\":false},\"hostname\":\"test\","
		   "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		   "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		   "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
		   "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		   "\"options\":[\"nosuid\",\"size=65536k\"]}],"
		   "\"linux\":{\"cgroupsPath\":");
	json_str(f, c->cgroups_path);
	fprintf(f, ",\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"");
	if (c->netns[0])
		fprintf(f, ",\"path\":\"/run/netns/%s\"", c->netns);
	fprintf(f, "},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}],");
	if (legacy)
		fprintf(f, "\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\",\"/sys/firmware\"],"
			   "\"readonlyPaths\":[\"/proc/sys\",\"/proc/sysrq-trigger\"]");
	else
		fprintf(f, "\"maskedPaths\":[\"/proc/asound\",\"/proc/acpi\",\"/proc/kcore\","
			   "\"/proc/keys\",\"/proc/latency_stats\",\"/proc/timer_list\","
			   "\"/proc/timer_stats\",\"/proc/sched_debug\",\"/proc/scsi\","
			   "\"/sys/firmware\"],\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\","
			   "\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]");
	if (o->extra_linux)
		fprintf(f, ",%s", o->extra_linux);
	fputc('}', f);
	if (o->extra_top)
		fprintf(f, ",%s", o->extra_top);
	/*
	 * A container whose test names no image gets one of its own test
	 * process. The sensor learns per image too (the class model), and it
	 * sees every container on the host: two test programs running side by
	 * side with unnamed busybox containers would share the class
	 * "exe:/bin/busybox" and each would judge its container against what
	 * the other's did (a new exec became rare_in_class, 1 CI run in 3).
	 */
	if (!o->extra_top || !strstr(o->extra_top, "\"annotations\"")) {
		char exe[PATH_MAX] = "";
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		const char *base;

		exe[n > 0 ? n : 0] = '\0';
		base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : "test";
		fprintf(f, ",\"annotations\":{\"org.opencontainers.image.ref.name\":"
			   "\"rtsensor-test/%s:%d\"}",
			   base, (int)getpid());
	}
	fputs("}\n", f);
	return fclose(f) == 0 ? 0 : -errno;
}

static int bundle_new(struct test_container *c, enum container_shape shape)
{
	char uid[33];

	memset(c, 0, sizeof(*c));
	c->image_ref = -1;
	random_hex(c->id, 64);
	snprintf(c->bundle, sizeof(c->bundle), "%s/rtsensor-ctr-XXXXXX", bundle_parent);
	if (!mkdtemp(c->bundle)) {
		c->bundle[0] = '\0';
		return -errno;
	}
	if (shape == CONTAINER_DOCKER) {
		snprintf(c->cgroups_path, sizeof(c->cgroups_path), "/docker/%s", c->id);
	} else {
		random_hex(uid, 32);
		snprintf(c->pod_uid, sizeof(c->pod_uid), "%.8s-%.4s-%.4s-%.4s-%.12s", uid, uid + 8,
			 uid + 12, uid + 16, uid + 20);
		snprintf(c->cgroups_path, sizeof(c->cgroups_path), "/kubepods/besteffort/pod%s/%s",
			 c->pod_uid, c->id);
	}
	snprintf(c->rootfs, sizeof(c->rootfs), "%s/rootfs", c->bundle);
	return mkdir(c->rootfs, 0755) < 0 ? -errno : 0;
}

int container_prepare(struct test_container *c, enum container_shape shape,
		      const char *const *argv, const char *extra_linux, const char *extra_top)
{
	struct container_opts o = { .shape = shape, .image = CONTAINER_IMAGE_BUSYBOX,
				    .argv = argv, .extra_linux = extra_linux,
				    .extra_top = extra_top };
	int r;

	if ((r = bundle_new(c, shape)) < 0 || (r = image_build(c->rootfs, o.image, false)) < 0)
		return r;
	/* the original rootfs had an empty /etc */
	for (const char *f = "passwd\0group\0shadow\0hosts\0resolv.conf\0profile\0"; *f;
	     f += strlen(f) + 1) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/etc/%s", c->rootfs, f);
		unlink(p);
	}
	if ((r = write_config(c, &o, true)) < 0)
		return r;
	live_sync(c, false);
	return 0;
}

int container_create(struct test_container *c, const struct container_opts *o)
{
	int r;

	if (!o || !o->argv || !o->argv[0])
		return -EINVAL;
	if ((r = bundle_new(c, o->shape)) < 0)
		goto fail;
	c->image = o->image;
	if (o->overlay) {
		char opts[1024];

		if ((r = layer_get(o->image, &c->image_ref)) < 0)
			goto fail;
		memcpy(c->lower, layers[c->image_ref].dir, sizeof(c->lower));
		snprintf(c->upper, sizeof(c->upper), "%s/diff", c->bundle);
		snprintf(opts, sizeof(opts), "%s/work", c->bundle);
		if (mkdir(c->upper, 0755) < 0 || mkdir(opts, 0755) < 0) {
			r = -errno;
			goto fail;
		}
		snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s/work", c->lower,
			 c->upper, c->bundle);
		if (mount("overlay", c->rootfs, "overlay", 0, opts) < 0) {
			r = -errno;
			goto fail;
		}
		c->mounted = true;
	} else if ((r = image_build(c->rootfs, o->image, true)) < 0) {
		goto fail;
	}
	if (o->net && (r = net_make(c)) < 0)
		goto fail;
	if ((r = write_config(c, o, false)) < 0)
		goto fail;
	live_sync(c, false);
	return 0;
fail:
	container_destroy(c);
	return r;
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

static void live_cleanup(void)
{
	if (getpid() != live_owner)
		return; /* a forked child exiting */
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i].id[0]) {
			struct test_container c = live[i];

			container_destroy(&c);
		}
}

static void live_sync(const struct test_container *c, bool gone)
{
	int slot = -1;

	if (!live_owner) {
		live_owner = getpid();
		atexit(live_cleanup);
	}
	for (int i = 0; i < MAX_LIVE; i++)
		if (strcmp(live[i].id, c->id) == 0) {
			slot = i;
			break;
		}
	if (gone) {
		if (slot >= 0)
			memset(&live[slot], 0, sizeof(live[slot]));
		return;
	}
	for (int i = 0; slot < 0 && i < MAX_LIVE; i++)
		if (!live[i].id[0])
			slot = i;
	if (slot >= 0)
		live[slot] = *c;
}

int container_start(struct test_container *c)
{
	const char *run[] = { "run", "--detach", "--bundle", c->bundle, c->id, NULL };
	const char *state[] = { "state", c->id, NULL };
	char out[4096], *p;

	if (runc(run, true, NULL, 0) != 0)
		return -1;
	c->started = true;
	live_sync(c, false);
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

int container_exec_capture(struct test_container *c, const char *const *argv, char *out,
			   size_t cap)
{
	const char *args[24] = { "exec", c->id };
	int n = 2;

	if (!out || cap == 0)
		return -1;
	for (int i = 0; argv[i] && n < 23; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	return runc(args, false, out, cap);
}

/* Write pid into DIR/cgroup.procs: 1 done, 0 no such hierarchy here, -errno. */
static int cgroup_enter_dir(const char *dir, const char *pid)
{
	char path[700];
	int fd, r = 1;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (write(fd, pid, strlen(pid)) < 0)
		r = -errno;
	close(fd);
	return r;
}

int container_join(const struct test_container *c)
{
	static const char *const ns[] = { "ipc", "uts", "net", "pid", "mnt" };
	char path[640], line[512], pid[32];
	int fds[5], r = 0, joined = 0;
	FILE *f;

	if (!c->started || c->pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)c->pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	/* every hierarchy the container is in (cgroup v2, or v1 + the unified one) */
	while (r >= 0 && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *cg = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!cg)
			continue;
		*cg++ = '\0';
		ctl++;
		cg[strcspn(cg, "\n")] = '\0';
		if (!*ctl) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/unified%s", cg);
			r = cgroup_enter_dir(path, pid);
			if (r == 0) {
				snprintf(path, sizeof(path), "/sys/fs/cgroup%s", cg);
				r = cgroup_enter_dir(path, pid);
			}
		} else {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s",
				 strncmp(ctl, "name=", 5) == 0 ? ctl + 5 : ctl, cg);
			r = cgroup_enter_dir(path, pid);
		}
		joined += r > 0;
	}
	fclose(f);
	if (r < 0)
		return r;
	if (!joined)
		return -ENOENT;
	r = 0;
	/* every fd first: after the mount namespace, /proc is the container's */
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)c->pid, ns[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			r = -errno;
			while (i-- > 0)
				close(fds[i]);
			return r;
		}
	}
	for (int i = 0; i < 5; i++) {
		if (r == 0 && setns(fds[i], 0) < 0)
			r = -errno;
		close(fds[i]);
	}
	if (r == 0 && chdir("/") < 0)
		r = -errno;
	return r;
}

pid_t container_peer_spawn(struct test_container *c, const char *const *argv)
{
	char path[64];
	pid_t pid;

	if (!c->peer_netns[0])
		return -1;
	snprintf(path, sizeof(path), "/run/netns/%s", c->peer_netns);
	pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC), devnull = open("/dev/null", O_RDWR);

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(126);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
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
	if (!c || !c->id[0])
		return;
	live_sync(c, true);
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
	if (c->mounted && umount2(c->rootfs, MNT_DETACH) < 0)
		fprintf(stderr, "container: could not unmount %s: %s\n", c->rootfs, strerror(errno));
	net_remove(c);
	if (c->bundle[0])
		rm_rf(c->bundle);
	layer_put(c->image_ref);
	memset(c, 0, sizeof(*c));
	c->image_ref = -1;
}
