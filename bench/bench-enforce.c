/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-enforce (root): what `rtsensor run --mode enforce` costs a
 * container's exec, open and connect, against `--mode monitor` and no
 * sensor, on the same run (issue 12).
 *
 * A real runc container (tests/lib/container.c: docker-shaped cgroup, a
 * busybox rootfs, its own netns with a veth to a peer netns where the bench
 * accepts connections), bundles on a tmpfs in a private mount namespace (the
 * enforcing sensor's permission marks land only on the container's mounts).
 * The container first learns (`--mode learn --learn-held`) the operations
 * measured; the store is then kept to that container only (others on this
 * machine are not ours to enforce). Then, in every round, the modes `none`,
 * `monitor` and `enforce` alternate (the order rotates each round); each
 * sensor is a fresh process (an empty decision cache), started on the same
 * store, and waited for until the container's opens are held (enforce: a
 * probe open got its verdict).
 *
 * The operations run in a process that joins the container as `runc exec`
 * does (container_join: its cgroup, then its namespaces):
 *   exec-first    posix_spawn + wait of /usr/bin/bN (N copies of busybox,
 *                 argv[0] "true"), each inode executed once per sensor:
 *                 the enforcing sensor hashes its content first
 *   exec-cached   the same spawn of /usr/bin/b0 again (content id cached)
 *   write-first   open(O_WRONLY | O_TRUNC) + close of /srv/wN, once each
 *   write-cached  the same of /srv/w0 again
 *   read-first    open(O_RDONLY) + close of /srv/rN, once each
 *   read-cached   the same of /srv/r0 again
 *   connect-first the first TCP connect of the round to the peer (learned;
 *                 the first packet of every new flow is queued, so it is
 *                 only the first in the sensor's life)
 *   connect       later connects (each a new flow, each decided)
 * Figures: per round the median of each operation per mode; then over rounds
 * the median of those, the median of each round's ratio enforce/monitor and
 * monitor/none, and enforce - monitor in microseconds. Every operation must
 * succeed (an enforce denial would make the figures meaningless; the count
 * of "not learned" verdicts is printed).
 *
 * Usage: bench-enforce [--rounds N] [--iters N] [--first N] [--rtsensor PATH]
 *                      [--source S]... [--modes none,monitor,enforce]
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bench.h"
#include "container.h"

extern char **environ;

#define BENCH_ROOT "/run/rtsensor-bench-enforce"
#define PORT 8080
#define MAX_ROUNDS 64
#define MAX_FIRST 64
#define MAX_SOURCES 8

enum op { OP_EXEC1, OP_EXEC, OP_WRITE1, OP_WRITE, OP_READ1, OP_READ, OP_CONN1, OP_CONN, NOPS };
static const char *const op_name[NOPS] = { "exec-first", "exec-cached", "write-first",
					   "write-cached", "read-first", "read-cached",
					   "connect-first", "connect" };
enum mode { M_NONE, M_MONITOR, M_ENFORCE, NMODES };
static const char *const mode_name[NMODES] = { "none", "monitor", "enforce" };

struct child_out {
	double med_us[NOPS];
	int failed;
};

static int rounds = 5, iters = 200, nfirst = 20;
static bool want_mode[NMODES] = { true, true, true };
static const char *sources[MAX_SOURCES];
static int nsources;
static char rtsensor[4200];
static char workdir[] = BENCH_ROOT "/work";
static struct test_container c;
static pid_t acceptor = -1, sensor = -1;
static double res[MAX_ROUNDS][NMODES][NOPS];
static int not_learned[MAX_ROUNDS];

/* ---- the operations, inside the container ---------------------------------- */

static double us_since(uint64_t t0)
{
	return (double)(bench_now_ns() - t0) / 1e3;
}

static int spawn_true(const char *path)
{
	char *argv[] = { "true", NULL };
	pid_t p;
	int st;

	if (posix_spawn(&p, path, NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(p, &st, 0) != p)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int open_close(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int connect_peer(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct linger lg = { 1, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	inet_pton(AF_INET, CONTAINER_PEER_ADDR, &sa.sin_addr);
	if (fd < 0)
		return -1;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	/* RST instead of FIN: no TIME_WAIT left behind */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	return r;
}

/* Time one operation into v[*n]; count a failure. */
#define TIMED(v, n, fails, expr)                          \
	do {                                              \
		uint64_t t0_ = bench_now_ns();            \
		if ((expr) < 0) {                         \
			if (!(fails)++)                   \
				fprintf(stderr, "bench-enforce: %s failed: %m\n", #expr); \
		}                                         \
		(v)[(*(n))++] = us_since(t0_);            \
	} while (0)

static void measure(struct child_out *o, bool learning)
{
	static double v[NOPS][4096];
	int n[NOPS] = { 0 };
	char p[64];
	int k = learning ? 1 : iters;

	for (int i = 0; i < nfirst; i++) {
		snprintf(p, sizeof(p), "/usr/bin/b%d", i);
		TIMED(v[OP_EXEC1], &n[OP_EXEC1], o->failed, spawn_true(p));
	}
	for (int i = 0; i < k; i++)
		TIMED(v[OP_EXEC], &n[OP_EXEC], o->failed, spawn_true("/usr/bin/b0"));
	for (int i = 0; i < nfirst; i++) {
		snprintf(p, sizeof(p), "/srv/w%d", i);
		TIMED(v[OP_WRITE1], &n[OP_WRITE1], o->failed, open_close(p, O_WRONLY | O_TRUNC));
	}
	for (int i = 0; i < k; i++)
		TIMED(v[OP_WRITE], &n[OP_WRITE], o->failed, open_close("/srv/w0", O_WRONLY | O_TRUNC));
	for (int i = 0; i < nfirst; i++) {
		snprintf(p, sizeof(p), "/srv/r%d", i);
		TIMED(v[OP_READ1], &n[OP_READ1], o->failed, open_close(p, O_RDONLY));
	}
	for (int i = 0; i < k; i++)
		TIMED(v[OP_READ], &n[OP_READ], o->failed, open_close("/srv/r0", O_RDONLY));
	TIMED(v[OP_CONN1], &n[OP_CONN1], o->failed, connect_peer());
	for (int i = 0; i < k; i++)
		TIMED(v[OP_CONN], &n[OP_CONN], o->failed, connect_peer());
	for (int i = 0; i < NOPS; i++)
		o->med_us[i] = bench_median(v[i], n[i]);
}

/* Run the operations in the container; fn's output through a pipe. */
static int in_container(void (*fn)(struct child_out *, bool), bool learning, struct child_out *out)
{
	struct child_out o = { 0 };
	int p[2], st = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(p[0]);
		int r = container_join(&c);

		if (r < 0) {
			fprintf(stderr, "bench-enforce: cannot join the container: %s\n", strerror(-r));
			_exit(2);
		}
		fn(&o, learning);
		if (write(p[1], &o, sizeof(o)) != (ssize_t)sizeof(o))
			_exit(3);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &o, sizeof(o)) != (ssize_t)sizeof(o))
		o.failed = -1;
	close(p[0]);
	waitpid(pid, &st, 0);
	if (out)
		*out = o;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && o.failed == 0 ? 0 : -EIO;
}

/*
 * What the bench waits on: an exec of a learned copy that is not measured
 * (an exec is what makes a sensor find and mark a container that already
 * ran when it started) and a read-only open.
 */
static void probe(struct child_out *o, bool learning)
{
	char p[64];

	(void)learning;
	snprintf(p, sizeof(p), "/usr/bin/b%d", nfirst);
	if (spawn_true(p) < 0 || open_close("/etc/hosts", O_RDONLY) < 0)
		o->failed++;
}

/* ---- the peer: accepts and closes, in the peer netns -------------------- */

static pid_t start_acceptor(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT) };
		char path[64];
		int one = 1, fd, nfd;

		snprintf(path, sizeof(path), "/run/netns/%s", c.peer_netns);
		nfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nfd < 0 || setns(nfd, CLONE_NEWNET) < 0)
			_exit(2);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 512) < 0)
			_exit(3);
		for (;;) {
			int a = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

			if (a >= 0)
				close(a);
		}
	}
	return pid;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run time and run-queue wait (ns) of every thread of pid (schedstat). */
static void sched_of(pid_t pid, double *run_ns, double *wait_ns)
{
	char path[300], buf[128];
	struct dirent *d;
	DIR *dir;

	*run_ns = *wait_ns = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		unsigned long long run = 0, wait = 0;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int)pid, d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%llu %llu", &run, &wait) == 2) {
			*run_ns += (double)run;
			*wait_ns += (double)wait;
		}
		fclose(f);
	}
	if (dir)
		closedir(dir);
}

/* ---- the sensor ----------------------------------------------------------- */

static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 16, n = 0;
	char *b;
	ssize_t r;

	if (fd < 0)
		return NULL;
	b = malloc(cap + 1);
	while (b && (r = read(fd, b + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char *nb = realloc(b, cap * 2 + 1);

			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (b)
		b[n] = '\0';
	return b;
}

static int count_of(const char *path, const char *needle)
{
	char *s = slurp(path), *p = s;
	int n = 0;

	while (p && (p = strstr(p, needle))) {
		n++;
		p += strlen(needle);
	}
	free(s);
	return n;
}

/* Bounded wait (ms) until path holds needle; a probe may be run in between. */
static bool wait_for(const char *path, const char *needle, int ms, bool run_probe)
{
	for (int t = 0; t < ms / 50; t++) {
		if (count_of(path, needle) > 0)
			return true;
		if (run_probe)
			in_container(probe, false, NULL);
		usleep(50000);
	}
	return count_of(path, needle) > 0;
}

static void stop_sensor(void)
{
	if (sensor > 0) {
		kill(sensor, SIGTERM);
		waitpid(sensor, NULL, 0);
		sensor = -1;
	}
}

/* rtsensor run --mode MODE on the bench's store; 0 once up (and holding, for enforce). */
static int start_sensor(const char *mode, const char *events, const char *extra)
{
	const char *argv[40];
	char errp[200];
	int n = 0;

	unlink(events);
	argv[n++] = rtsensor;
	argv[n++] = "run";
	for (int i = 0; i < nsources; i++) {
		argv[n++] = "--source";
		argv[n++] = sources[i];
	}
	argv[n++] = "--runtime-root";
	argv[n++] = container_runc_root();
	argv[n++] = "--db";
	argv[n++] = BENCH_ROOT "/b.db";
	argv[n++] = "--events";
	argv[n++] = events;
	argv[n++] = "--mode";
	argv[n++] = mode;
	if (extra) {
		static char buf[256];
		char *sp, *tok;

		snprintf(buf, sizeof(buf), "%s", extra);
		for (tok = strtok_r(buf, " ", &sp); tok && n < 38; tok = strtok_r(NULL, " ", &sp))
			argv[n++] = tok;
	}
	argv[n] = NULL;
	snprintf(errp, sizeof(errp), "%s.err", events);
	sensor = fork();
	if (sensor < 0)
		return -errno;
	if (sensor == 0) {
		int fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(rtsensor, (char *const *)argv);
		_exit(127);
	}
	if (!wait_for(events, "\"state\":\"up\"", 20000, false)) {
		fprintf(stderr, "bench-enforce: the sensor did not come up (%s)\n", errp);
		return -ETIMEDOUT;
	}
	if (strcmp(mode, "enforce") == 0 &&
	    !wait_for(events, "baseline: learned", 20000, true)) {
		char *e = slurp(errp), *v = slurp(events);

		fprintf(stderr, "bench-enforce: the container's opens are not held; stderr: %s\n",
			e ? e : "");
		if (getenv("BENCH_DEBUG"))
			sh("cp '%s' '%s' /tmp/", errp, events);
		free(e);
		free(v);
		return -ETIMEDOUT;
	}
	return 0;
}

/* ---- setup: container, learning ----------------------------------------- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int prepare_rootfs(void)
{
	if (sh("mkdir -p '%s/usr/bin' '%s/srv'", c.rootfs, c.rootfs) != 0)
		return -1;
	for (int i = 0; i <= nfirst; i++)
		if (sh("cp '%s/bin/busybox' '%s/usr/bin/b%d' && echo data > '%s/srv/w%d' && "
		       "echo data > '%s/srv/r%d'",
		       c.rootfs, c.rootfs, i, c.rootfs, i, c.rootfs, i) != 0)
			return -1;
	return 0;
}

static void learn_once(struct child_out *o, bool learning)
{
	measure(o, learning);
	probe(o, learning);
}

static int learn(void)
{
	char key[64];

	if (start_sensor("learn", BENCH_ROOT "/learn.json",
			 "--learn-held --learn-min 1 --learn-stable 1") < 0)
		return -1;
	if (container_start(&c) < 0)
		return -1;
	snprintf(key, sizeof(key), ":/usr/bin/b%d\"", nfirst);
	for (int round = 0; round < 150; round++) {
		if (round)
			usleep(200000);
		if (in_container(learn_once, true, NULL) < 0) {
			fprintf(stderr, "bench-enforce: an operation failed while learning\n");
			return -1;
		}
		sh("'%s' baseline list --db %s/b.db --json > %s/list.json 2>/dev/null; "
		   "'%s' baseline show --db %s/b.db %s --json > %s/show.json 2>/dev/null",
		   rtsensor, BENCH_ROOT, BENCH_ROOT, rtsensor, BENCH_ROOT, c.id, BENCH_ROOT);
		if (count_of(BENCH_ROOT "/show.json", "net:out:tcp:10.213.0.0/24:8080") &&
		    count_of(BENCH_ROOT "/show.json", key) &&
		    count_of(BENCH_ROOT "/show.json", "file:write:/srv/") &&
		    sh("grep '\"id\":\"%s\"' %s/list.json | grep -q monitoring", c.id, BENCH_ROOT) == 0)
			break;
	}
	stop_sensor();
	if (sh("grep '\"id\":\"%s\"' %s/list.json | grep -q monitoring", c.id, BENCH_ROOT) != 0) {
		fprintf(stderr, "bench-enforce: the container did not learn (see %s/show.json)\n",
			BENCH_ROOT);
		return -1;
	}
	/* only our container stays in the store */
	return sh("'%s' baseline list --db %s/b.db --json | sed -n 's/^{\"id\":\"\\([^\"]*\\)\".*/\\1/p'"
		  " | grep -v -e '^%s$' -e '^class:' | while read -r id; do"
		  " '%s' baseline reset --db %s/b.db \"$id\" >/dev/null 2>&1 || exit 1; done",
		  rtsensor, BENCH_ROOT, c.id, rtsensor, BENCH_ROOT);
}

/* ---- machine load ---------------------------------------------------------- */

struct cpu_snap {
	unsigned long long busy, total;
};

static struct cpu_snap cpu_now(void)
{
	struct cpu_snap s = { 0, 0 };
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "re");

	if (f && fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			&v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		for (int i = 0; i < 8; i++)
			s.total += v[i];
		s.busy = s.total - v[3] - v[4];
	}
	if (f)
		fclose(f);
	return s;
}

static void print_loadavg(const char *when)
{
	char *s = slurp("/proc/loadavg");

	if (s)
		printf("# load average %s: %s", when, s);
	free(s);
}

/* ---- main ------------------------------------------------------------------ */

static void cleanup(void)
{
	stop_sensor();
	if (acceptor > 0) {
		kill(acceptor, SIGKILL);
		waitpid(acceptor, NULL, 0);
		acceptor = -1;
	}
	container_destroy(&c);
	umount2(BENCH_ROOT, MNT_DETACH);
	rmdir(BENCH_ROOT);
}

static void on_signal(int sig)
{
	(void)sig;
	cleanup();
	_exit(1);
}

static void find_rtsensor(const char *argv0)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	(void)argv0;
	if (rtsensor[0])
		return;
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(rtsensor, sizeof(rtsensor), "%s/../tools/rtsensor/rtsensor", self);
			if (access(rtsensor, X_OK) == 0)
				return;
		}
	}
	snprintf(rtsensor, sizeof(rtsensor), "rtsensor");
}

static double med_of(double *v, int n)
{
	double tmp[MAX_ROUNDS];

	memcpy(tmp, v, (size_t)n * sizeof(*v));
	return bench_median(tmp, n);
}

struct summary {
	double m[NMODES], rmn, rem, dem;
};

static void summarise(int done, int op, struct summary *s)
{
	double col[MAX_ROUNDS];

	for (int md = 0; md < NMODES; md++) {
		for (int r = 0; r < done; r++)
			col[r] = res[r][md][op];
		s->m[md] = want_mode[md] ? med_of(col, done) : 0;
	}
	for (int r = 0; r < done; r++)
		col[r] = res[r][M_MONITOR][op] / res[r][M_NONE][op];
	s->rmn = want_mode[M_NONE] && want_mode[M_MONITOR] ? med_of(col, done) : 0;
	for (int r = 0; r < done; r++)
		col[r] = res[r][M_ENFORCE][op] / res[r][M_MONITOR][op];
	s->rem = want_mode[M_ENFORCE] && want_mode[M_MONITOR] ? med_of(col, done) : 0;
	for (int r = 0; r < done; r++)
		col[r] = res[r][M_ENFORCE][op] - res[r][M_MONITOR][op];
	s->dem = want_mode[M_ENFORCE] && want_mode[M_MONITOR] ? med_of(col, done) : 0;
}

static void report(int done)
{
	struct summary s[NOPS];
	int nl = 0;

	for (int op = 0; op < NOPS; op++)
		summarise(done, op, &s[op]);
	printf("\n%-14s %10s %10s %10s %9s %9s %10s\n", "operation", "none us", "monitor us",
	       "enforce us", "mon/none", "enf/mon", "enf-mon us");
	for (int op = 0; op < NOPS; op++)
		printf("%-14s %10.1f %10.1f %10.1f %9.3f %9.3f %10.1f\n", op_name[op], s[op].m[M_NONE],
		       s[op].m[M_MONITOR], s[op].m[M_ENFORCE], s[op].rmn, s[op].rem, s[op].dem);
	for (int op = 0; op < NOPS; op++) {
		char name[64];

		for (int md = 0; md < NMODES; md++) {
			if (!want_mode[md])
				continue;
			snprintf(name, sizeof(name), "%s.%s", op_name[op], mode_name[md]);
			bench_result(name, s[op].m[md], "us");
		}
		if (want_mode[M_ENFORCE] && want_mode[M_MONITOR]) {
			snprintf(name, sizeof(name), "%s.enforce_over_monitor", op_name[op]);
			bench_result(name, s[op].rem, "x");
			snprintf(name, sizeof(name), "%s.enforce_minus_monitor", op_name[op]);
			bench_result(name, s[op].dem, "us");
		}
	}
	for (int r = 0; r < done; r++)
		nl += not_learned[r];
	printf("# 'not learned' verdicts under enforce (must be 0): %d\n", nl);
	if (want_mode[M_ENFORCE] && want_mode[M_MONITOR]) {
		bool cached = s[OP_EXEC].rem <= 1.1 && s[OP_WRITE].rem <= 1.1 &&
			      s[OP_READ].rem <= 1.1 && s[OP_CONN].rem <= 1.1;

		printf("# goal (issue 12): cached decisions <= 1.1x of monitor: %s\n",
		       cached ? "met" : "NOT met");
		printf("# goal (issue 12): first exec decision <= 50 us (enforce - monitor): %s\n",
		       s[OP_EXEC1].dem <= 50 ? "met" : "NOT met");
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rounds", required_argument, NULL, 'r' }, { "iters", required_argument, NULL, 'i' },
		{ "first", required_argument, NULL, 'f' },  { "rtsensor", required_argument, NULL, 'R' },
		{ "source", required_argument, NULL, 's' }, { "modes", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct container_opts co = { .shape = CONTAINER_DOCKER, .image = CONTAINER_IMAGE_BUSYBOX,
				     .net = true };
	static const char *const init[] = { "sleep", "100000", NULL };
	struct cpu_snap c0 = { 0, 0 }, c1 = { 0, 0 };
	int opt, done = 0, rc = 1;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'i':
			iters = atoi(optarg);
			break;
		case 'f':
			nfirst = atoi(optarg);
			break;
		case 'R':
			snprintf(rtsensor, sizeof(rtsensor), "%s", optarg);
			break;
		case 's':
			if (nsources < MAX_SOURCES)
				sources[nsources++] = optarg;
			break;
		case 'm':
			for (int m = 0; m < NMODES; m++)
				want_mode[m] = strstr(optarg, mode_name[m]) != NULL;
			break;
		default:
			fprintf(stderr, "usage: bench-enforce [--rounds N] [--iters N] [--first N] "
					"[--rtsensor PATH] [--source S]... [--modes none,monitor,enforce]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || iters < 1 || iters > 4000 || nfirst < 1 ||
	    nfirst > MAX_FIRST) {
		fprintf(stderr, "bench-enforce: rounds 1..%d, iters 1..4000, first 1..%d\n",
			MAX_ROUNDS, MAX_FIRST);
		return 2;
	}
	if (!nsources)
		sources[nsources++] = "proc";
	if (geteuid() != 0) {
		fprintf(stderr, "bench-enforce: needs root (runc, fanotify permission marks, netns)\n");
		return 2;
	}
	find_rtsensor(argv[0]);
	bench_print_machine("bench-enforce (rtsensor run --mode enforce vs monitor vs none)");
	printf("# rtsensor %s; sources:", rtsensor);
	for (int i = 0; i < nsources; i++)
		printf(" %s", sources[i]);
	printf("; rounds %d, %d repeats, %d first-time inodes per round\n", rounds, iters, nfirst);
	print_loadavg("at start");
	fflush(stdout);

	/* the sandbox: bundles on a tmpfs in a mount namespace of our own */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    (mkdir(BENCH_ROOT, 0755) < 0 && errno != EEXIST) ||
	    mount("bench-enforce", BENCH_ROOT, "tmpfs", 0, "size=256m") < 0) {
		perror("bench-enforce: private tmpfs");
		return 1;
	}
	mkdir(workdir, 0700);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	container_set_bundle_parent(BENCH_ROOT);
	co.argv = init;
	if (container_create(&c, &co) < 0 || prepare_rootfs() < 0) {
		fprintf(stderr, "bench-enforce: cannot make the container\n");
		goto out;
	}
	acceptor = start_acceptor();
	if (acceptor < 0 || learn() < 0)
		goto out;
	printf("# container %s learned\n", c.id);
	fflush(stdout);

	c0 = cpu_now();
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < NMODES; k++) {
			int md = (k + r) % NMODES;
			char events[128];
			struct child_out o = { 0 };
			double run0 = 0, wait0 = 0, run1 = 0, wait1 = 0;

			if (!want_mode[md])
				continue;
			snprintf(events, sizeof(events), "%s/%s-%d.json", workdir, mode_name[md], r);
			if (md != M_NONE && start_sensor(mode_name[md], events, NULL) < 0)
				goto out;
			if (sensor > 0)
				sched_of(sensor, &run0, &wait0);
			if (in_container(measure, false, &o) < 0) {
				fprintf(stderr, "bench-enforce: %d operations failed under %s\n",
					o.failed, mode_name[md]);
				goto out;
			}
			if (sensor > 0)
				sched_of(sensor, &run1, &wait1);
			stop_sensor();
			if (md == M_ENFORCE)
				not_learned[r] = count_of(events, "not learned");
			memcpy(res[r][md], o.med_us, sizeof(o.med_us));
			printf("# round %d %-8s", r, mode_name[md]);
			for (int op = 0; op < NOPS; op++)
				printf(" %s %.1f", op_name[op], o.med_us[op]);
			printf("\n");
			if (md != M_NONE) {
				/* where the time goes: the sensor's CPU and its wait for a CPU */
				int dec = count_of(events, "baseline: learned");

				printf("#   sensor over the operations: ran %.1f ms, waited for a CPU "
				       "%.1f ms; %d decisions (%.1f us ran, %.1f us waited each)\n",
				       (run1 - run0) / 1e6, (wait1 - wait0) / 1e6, dec,
				       dec ? (run1 - run0) / 1e3 / dec : 0,
				       dec ? (wait1 - wait0) / 1e3 / dec : 0);
			}
			fflush(stdout);
		}
		done++;
	}
	c1 = cpu_now();
	rc = 0;
out:
	if (done) {
		report(done);
		if (c1.total > c0.total)
			printf("# machine busy (all CPUs, /proc/stat) over the rounds: %.0f%%\n",
			       100.0 * (double)(c1.busy - c0.busy) / (double)(c1.total - c0.total));
		print_loadavg("at end");
	}
	cleanup();
	return rc;
}
