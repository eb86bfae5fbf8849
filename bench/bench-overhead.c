/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-overhead (root): what watching costs the workload (issue 17).
 *
 * Workload classes, each a C loop in a child process of its own cgroup
 * (so its events can be told from the rest of the machine's):
 *   spawn    posix_spawn /bin/true + waitpid
 *   file     create, write 4 KiB, close, open, read, close, unlink
 *   syscall  read(1 byte) + fstat on /dev/null
 *   connect  loopback TCP connect + accept (client closes with RST: no TIME_WAIT)
 *   mixed    per iteration 1 spawn, 4 file rounds, 200 syscall pairs, 2 connects
 *
 * Modes, alternating inside every round (the order rotates each round):
 *   none             no sensor
 *   SOURCE           `rtsensor run --source SOURCE --events FILE --stats`
 *   defaults         `rtsensor run --events FILE --stats` (every default source)
 *   floor-SOURCE     the kernel floor: the same source set up by the library
 *                    (the same marks, rules, groups, socket options) whose fds
 *                    are drained raw (read + close the fds the kernel made) with
 *                    no decoding, no /proc, no events
 *   floor-defaults   the floors of every default source at once
 *   X-no-net         audit, defaults and their floors with audit's default
 *                    rules without connect/accept/bind (--audit-no-net)
 *
 * Figures per class and mode (medians over rounds): wall time and its ratio
 * to `none` of the same round, the workload's own CPU time (user + system
 * of the loop and its children; the kernel's share of the watching is paid
 * there) and its ratio, the sensor's CPU per operation (sum of its threads'
 * /proc/PID/task/TID/schedstat run time from the start of the loop until the
 * sensor has drained, minus the sensor's background rate measured over an
 * idle window just before: the machine's other processes are watched too),
 * kauditd's CPU per operation, events per operation (attributed to the
 * loop's cgroup, and all events written in the window) and loss events.
 *
 * --sustain SECONDS: the defaults at a paced 2000 execs/s and 50 k file
 * events/s for SECONDS: achieved rates and losses.
 *
 * Usage: bench-overhead [--rounds N] [--scale F] [--modes a,b,..] [--classes a,b,..]
 *                       [--rtsensor PATH] [--dir DIR] [--sustain SECONDS]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/fanotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <libsensor/sensor.h>

#include "bench.h"
#include "core/context.h"

extern char **environ;

#define MAX_MODES 16
#define MAX_CLASSES 5
#define MAX_ROUNDS 64

enum cls { C_SPAWN, C_FILE, C_SYSCALL, C_CONNECT, C_MIXED };
static const char *const cls_name[MAX_CLASSES] = { "spawn", "file", "syscall", "connect", "mixed" };
static const long cls_ops[MAX_CLASSES] = { 3000, 5000, 300000, 3000, 500 };

static const char *const all_modes[] = {
	"none", "proc", "fanotify", "audit", "conntrack", "defaults",
	"floor-proc", "floor-fanotify", "floor-audit", "floor-conntrack", "floor-defaults",
	"audit-no-net", "defaults-no-net", "floor-audit-no-net", "floor-defaults-no-net", NULL,
};

struct sample {
	bool ok;
	double wall_ms, cpu_ms;     /* the loop's wall time and its CPU (incl. children) */
	double sensor_ms, bg_ms;    /* sensor CPU over the window; its background share */
	double kaudit_ms;
	long events, ours, lost;
};

static struct sample res[MAX_ROUNDS][MAX_MODES][MAX_CLASSES];
static const char *modes[MAX_MODES];
static int nmodes;
static bool want_cls[MAX_CLASSES];
static int rounds = 5;
static double scale = 1.0;
static char rtsensor[4200];
static char workdir[4096] = "/var/tmp";
static char cgdir[512];
static char evdir[] = "/var/log/rtsensor";
static pid_t kauditd = -1;
static int listen_port;

/* ---- small helpers ------------------------------------------------------ */

static double ms_of(const struct timeval *tv)
{
	return tv->tv_sec * 1e3 + tv->tv_usec / 1e3;
}

/* Run time in ns of every thread of pid (schedstat), or -1 when gone. */
static int64_t task_cpu_ns(pid_t pid)
{
	char path[300], buf[128];
	int64_t sum = 0;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		int fd;
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int)pid, d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			sum += strtoll(buf, NULL, 10);
		}
	}
	closedir(dir);
	return sum;
}

static pid_t find_kauditd(void)
{
	DIR *dir = opendir("/proc");
	struct dirent *d;
	pid_t found = -1;

	while (dir && (d = readdir(dir))) {
		char path[300], comm[32];
		int fd;
		ssize_t n;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n > 0 && strncmp(comm, "kauditd\n", 8) == 0) {
			found = (pid_t)strtol(d->d_name, NULL, 10);
			break;
		}
	}
	if (dir)
		closedir(dir);
	return found;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/*
 * A cgroup for the loops, so that their events are told from the machine's
 * (the identity layer names it unit "rtsensor-bench-PID.service"). cgroup v2
 * at /sys/fs/cgroup or the hybrid unified hierarchy.
 */
static void cgroup_setup(void)
{
	const char *roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };

	for (int i = 0; i < 2; i++) {
		char probe[512];
		struct stat st;

		snprintf(probe, sizeof(probe), "%s/cgroup.procs", roots[i]);
		if (stat(probe, &st) < 0)
			continue;
		snprintf(cgdir, sizeof(cgdir), "%s/rtsensor-bench-%d.service", roots[i],
			 (int)getpid());
		if (mkdir(cgdir, 0755) == 0 || errno == EEXIST)
			return;
	}
	cgdir[0] = '\0';
}

static void cgroup_cleanup(void)
{
	if (cgdir[0])
		rmdir(cgdir);
}

static void cgroup_enter(void)
{
	char path[600], pid[32];

	if (!cgdir[0])
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cgdir);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	write_str(path, pid);
}

/* ---- workloads ---------------------------------------------------------- */

static void do_spawn(void)
{
	char *argv[] = { "true", NULL };
	pid_t p;
	int st;

	if (posix_spawn(&p, "/bin/true", NULL, NULL, argv, environ) != 0)
		_exit(2);
	waitpid(p, &st, 0);
}

static void do_file(const char *dir, long i)
{
	static char data[4096];
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/f%ld", dir, i & 63);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data))
		_exit(3);
	close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, data, sizeof(data)) != (ssize_t)sizeof(data))
		_exit(3);
	close(fd);
	unlink(path);
}

static void do_syscall(int fd)
{
	struct stat st;
	char c;

	if (read(fd, &c, 1) < 0 || fstat(fd, &st) < 0)
		_exit(4);
}

static void do_connect(int lfd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)listen_port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct linger lg = { 1, 0 };
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), a;

	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		_exit(5);
	a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0)
		_exit(5);
	/* RST instead of FIN: no TIME_WAIT left behind by thousands of rounds */
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	close(a);
}

static int listener(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	listen_port = ntohs(sa.sin_port);
	return fd;
}

static long ops_of(int c)
{
	long n = (long)(cls_ops[c] * scale);

	return n > 0 ? n : 1;
}

struct loop_out {
	double wall_ms, cpu_ms;
	int status;
};

/* The loop body, in the child. */
static void run_class(int c, long n, const char *dir)
{
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int lfd = (c == C_CONNECT || c == C_MIXED) ? listener() : -1;

	if (nullfd < 0 || ((c == C_CONNECT || c == C_MIXED) && lfd < 0))
		_exit(6);
	for (long i = 0; i < n; i++) {
		switch (c) {
		case C_SPAWN:
			do_spawn();
			break;
		case C_FILE:
			do_file(dir, i);
			break;
		case C_SYSCALL:
			do_syscall(nullfd);
			break;
		case C_CONNECT:
			do_connect(lfd);
			break;
		case C_MIXED:
			do_spawn();
			for (int k = 0; k < 4; k++)
				do_file(dir, i * 4 + k);
			for (int k = 0; k < 200; k++)
				do_syscall(nullfd);
			do_connect(lfd);
			do_connect(lfd);
			break;
		}
	}
	close(nullfd);
	if (lfd >= 0)
		close(lfd);
}

/* Run class c in a child in the bench cgroup; wall and CPU (its own and its children's). */
static int run_loop(int c, long n, struct loop_out *out)
{
	int p[2];
	pid_t pid;
	struct loop_out o = { 0 };

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char dir[4200];
		struct rusage ru, rc;
		uint64_t t0, t1;

		close(p[0]);
		cgroup_enter();
		snprintf(dir, sizeof(dir), "%s/bench-overhead-%d", workdir, (int)getpid());
		if (mkdir(dir, 0700) < 0)
			_exit(7);
		t0 = bench_now_ns();
		run_class(c, n, dir);
		t1 = bench_now_ns();
		rmdir(dir);
		getrusage(RUSAGE_SELF, &ru);
		getrusage(RUSAGE_CHILDREN, &rc);
		o.wall_ms = (double)(t1 - t0) / 1e6;
		o.cpu_ms = ms_of(&ru.ru_utime) + ms_of(&ru.ru_stime) + ms_of(&rc.ru_utime) +
			   ms_of(&rc.ru_stime);
		if (write(p[1], &o, sizeof(o)) != (ssize_t)sizeof(o))
			_exit(8);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &o, sizeof(o)) != (ssize_t)sizeof(o))
		o.status = -1;
	close(p[0]);
	waitpid(pid, &o.status, 0);
	*out = o;
	return WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0 ? 0 : -EIO;
}

/* ---- floors: the library sets the source up, raw reads drain it ---------- */

static volatile sig_atomic_t floor_stop;
static sensor_ctx *floor_ctx;

static void floor_on_term(int sig)
{
	(void)sig;
	floor_stop = 1;
	if (floor_ctx)
		sensor_ctx_exit(floor_ctx, 1);
}

/* Read and forget; close the fds a fanotify read made (event fd, pidfd). */
static int floor_drain(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	static char buf[256 * 1024] __attribute__((aligned(8)));
	bool fan = src->ops->type == SENSOR_SOURCE_FANOTIFY;

	(void)events;
	(void)budget;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS)
			continue; /* an overrun: the floor just reads on */
		if (n <= 0)
			return 0;
		if (!fan)
			continue;
		for (size_t off = 0; off + sizeof(struct fanotify_event_metadata) <= (size_t)n;) {
			struct fanotify_event_metadata *m = (void *)(buf + off);
			size_t i = m->metadata_len;

			if (m->event_len < sizeof(*m) || m->event_len > (size_t)n - off)
				break;
			if (m->fd >= 0)
				close(m->fd);
			while (i + sizeof(struct fanotify_event_info_header) <= m->event_len) {
				struct fanotify_event_info_header *h = (void *)(buf + off + i);

				if (h->len < sizeof(*h))
					break;
#ifdef FAN_EVENT_INFO_TYPE_PIDFD
				if (h->info_type == FAN_EVENT_INFO_TYPE_PIDFD) {
					struct fanotify_event_info_pidfd *pf = (void *)h;

					if (pf->pidfd >= 0)
						close(pf->pidfd);
				}
#endif
				i += h->len;
			}
			off += m->event_len;
		}
	}
}

static int source_of(const char *name)
{
	return sensor_source_type_from_name(name);
}

/* The floor process: exits when told (SIGTERM). */
static void floor_main(const char *what, int readyfd)
{
	static const char *const defaults[] = { "proc", "audit", "conntrack", "fanotify", NULL };
	/* "-no-net": audit's default rules without connect/accept/bind */
	struct sensor_audit_opts ao = { .sz = sizeof(ao), .flags = SENSOR_AUDIT_NO_NET_RULES };
	size_t wl = strcspn(what, "-");
	bool no_net = strcmp(what + wl, "-no-net") == 0;
	char name[32];
	const char *one[2] = { name, NULL };
	const char *const *list;

	snprintf(name, sizeof(name), "%.*s", (int)wl, what);
	list = strcmp(name, "defaults") == 0 ? defaults : one;
	struct sigaction sa = { .sa_handler = floor_on_term };
	sensor_ctx *ctx;
	char ok = 1;

	sigaction(SIGTERM, &sa, NULL);
	if (sensor_ctx_new(NULL, &ctx) < 0)
		_exit(10);
	for (int i = 0; list[i]; i++) {
		int t = source_of(list[i]);

		if (t < 0 || sensor_source_add(ctx, (enum sensor_source_type)t,
					       no_net && t == SENSOR_SOURCE_AUDIT ? &ao : NULL,
					       NULL) < 0) {
			fprintf(stderr, "bench-overhead: floor: cannot add %s\n", list[i]);
			_exit(11);
		}
	}
	for (struct fd_watch *w = ctx->watches; w; w = w->next)
		w->cb = floor_drain;
	floor_ctx = ctx;
	if (write(readyfd, &ok, 1) != 1)
		_exit(12);
	close(readyfd);
	while (!floor_stop)
		sensor_ctx_run(ctx, 200000000u);
	sensor_ctx_free(ctx);
	_exit(0);
}

/* ---- one sensor (or floor, or none) ------------------------------------ */

struct sensor_proc {
	pid_t pid;
	char events[256], errs[256];
	off_t ev_off;
	long lost_total;
};

static bool file_has_up(const char *path, const char *source)
{
	char line[4096], want[64];
	FILE *f = fopen(path, "re");
	bool found = false;

	if (!f)
		return false;
	snprintf(want, sizeof(want), "\"source\":\"%s\"", source);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "\"state\":\"up\"") && strstr(line, want);
	fclose(f);
	return found;
}

static int sensor_start(const char *mode, struct sensor_proc *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->pid = -1;
	if (strcmp(mode, "none") == 0)
		return 0;
	if (strncmp(mode, "floor-", 6) == 0) {
		int p[2];
		char ok;

		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
		sp->pid = fork();
		if (sp->pid == 0) {
			close(p[0]);
			floor_main(mode + 6, p[1]);
		}
		close(p[1]);
		if (read(p[0], &ok, 1) != 1) {
			close(p[0]);
			waitpid(sp->pid, NULL, 0);
			sp->pid = -1;
			return -EIO;
		}
		close(p[0]);
		sleep_ms(300);
		return 0;
	}
	mkdir(evdir, 0700);
	snprintf(sp->events, sizeof(sp->events), "%s/bench-overhead-%d.json", evdir, (int)getpid());
	snprintf(sp->errs, sizeof(sp->errs), "%s/bench-overhead-%d.stderr", evdir, (int)getpid());
	unlink(sp->events);
	sp->pid = fork();
	if (sp->pid == 0) {
		const char *argv[12];
		char name[32];
		int n = 0, fd = open(sp->errs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		size_t wl = strcspn(mode, "-");

		if (fd >= 0)
			dup2(fd, 2);
		snprintf(name, sizeof(name), "%.*s", (int)wl, mode);
		argv[n++] = rtsensor;
		argv[n++] = "run";
		if (strcmp(name, "defaults") != 0) {
			argv[n++] = "--source";
			argv[n++] = name;
		}
		if (strcmp(mode + wl, "-no-net") == 0)
			argv[n++] = "--audit-no-net";
		argv[n++] = "--events";
		argv[n++] = sp->events;
		argv[n++] = "--stats";
		argv[n] = NULL;
		execv(rtsensor, (char **)argv);
		_exit(127);
	}
	/* up when its (last) source said so: fanotify starts last in the defaults */
	for (int i = 0; i < 300; i++) {
		int st;

		if (waitpid(sp->pid, &st, WNOHANG) == sp->pid) {
			sp->pid = -1;
			return -EIO;
		}
		if (file_has_up(sp->events, strncmp(mode, "defaults", 8) == 0 ? "fanotify"
					    : strncmp(mode, "audit", 5) == 0  ? "audit"
									      : mode)) {
			sleep_ms(300);
			return 0;
		}
		sleep_ms(50);
	}
	return -ETIMEDOUT;
}

/* "lost":N of the source totals in the --stats line. */
static long stats_lost(const char *path)
{
	char line[8192];
	FILE *f = fopen(path, "re");
	long lost = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *s = strstr(line, "{\"stats\":{");

		if (s && (s = strstr(s, "\"lost\":")))
			lost = strtol(s + 7, NULL, 10);
	}
	if (f)
		fclose(f);
	return lost;
}

static void sensor_stop(struct sensor_proc *sp)
{
	if (sp->pid > 0) {
		kill(sp->pid, SIGTERM);
		waitpid(sp->pid, NULL, 0);
	}
	if (sp->events[0]) {
		sp->lost_total = stats_lost(sp->errs);
		unlink(sp->events);
		unlink(sp->errs);
	}
	sp->pid = -1;
}

/* Events written since the last call: all, ours (the bench cgroup's), loss events. */
static void count_events(struct sensor_proc *sp, long *all, long *ours, long *lost)
{
	char line[65536], tag[64];
	FILE *f;

	*all = *ours = *lost = 0;
	if (!sp->events[0] || !(f = fopen(sp->events, "re")))
		return;
	snprintf(tag, sizeof(tag), "rtsensor-bench-%d.service", (int)getpid());
	fseeko(f, sp->ev_off, SEEK_SET);
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n'))
			break; /* a partial last line: next time */
		sp->ev_off += (off_t)strlen(line);
		(*all)++;
		if (strstr(line, tag))
			(*ours)++;
		if (strncmp(line, "{\"kind\":\"loss\"", 14) == 0)
			(*lost)++;
	}
	fclose(f);
}

/* Wait until the sensor has worked off the backlog: under 30 % of a CPU over 100 ms. */
static void wait_drained(pid_t pid)
{
	int64_t last = task_cpu_ns(pid);

	for (int i = 0; i < 100; i++) {
		int64_t now;

		sleep_ms(100);
		now = task_cpu_ns(pid);
		if (now < 0 || now - last < 30000000)
			return;
		last = now;
	}
}

static void measure(int r, int m, const char *mode)
{
	struct sensor_proc sp;
	int rc = sensor_start(mode, &sp);
	long all, ours, lost;

	if (rc < 0) {
		fprintf(stderr, "bench-overhead: mode %s did not start: %s\n", mode, strerror(-rc));
		sensor_stop(&sp);
		return;
	}
	for (int c = 0; c < MAX_CLASSES; c++) {
		struct sample *s = &res[r][m][c];
		struct loop_out lo = { 0 };
		int64_t c0 = 0, c1 = 0, cb = 0, k0 = 0, k1 = 0;
		uint64_t t0, t1, tb;

		if (!want_cls[c])
			continue;
		/* the sensor's background rate: an idle window before the loop */
		if (sp.pid > 0) {
			count_events(&sp, &all, &ours, &lost);
			cb = task_cpu_ns(sp.pid);
			tb = bench_now_ns();
			sleep_ms(500);
			c0 = task_cpu_ns(sp.pid);
			t0 = bench_now_ns();
			s->bg_ms = (double)(c0 - cb) / 1e6 / ((double)(t0 - tb) / 1e6);
			count_events(&sp, &all, &ours, &lost); /* the idle window's: not counted */
		}
		t0 = bench_now_ns();
		if (kauditd > 0)
			k0 = task_cpu_ns(kauditd);
		if (run_loop(c, ops_of(c), &lo) < 0) {
			fprintf(stderr, "bench-overhead: %s loop failed under %s\n", cls_name[c], mode);
			continue;
		}
		if (sp.pid > 0) {
			wait_drained(sp.pid);
			c1 = task_cpu_ns(sp.pid);
		}
		t1 = bench_now_ns();
		if (kauditd > 0)
			k1 = task_cpu_ns(kauditd);
		s->wall_ms = lo.wall_ms;
		s->cpu_ms = lo.cpu_ms;
		s->kaudit_ms = (double)(k1 - k0) / 1e6;
		if (sp.pid > 0) {
			s->sensor_ms = (double)(c1 - c0) / 1e6;
			s->bg_ms *= (double)(t1 - t0) / 1e6; /* rate x window */
			sleep_ms(250);                         /* the last flush of the event file */
			count_events(&sp, &s->events, &s->ours, &s->lost);
		}
		s->ok = true;
	}
	sensor_stop(&sp);
	if (sp.lost_total > 0)
		fprintf(stderr, "bench-overhead: round %d %s: the sensor counted %ld lost\n", r + 1,
			mode, sp.lost_total);
}

/* ---- report -------------------------------------------------------------- */

static double med_of(int m, int c, double (*f)(int r, int m, int c), int *n)
{
	double v[MAX_ROUNDS];

	*n = 0;
	for (int r = 0; r < rounds; r++)
		if (res[r][m][c].ok && res[r][0][c].ok)
			v[(*n)++] = f(r, m, c);
	return *n ? bench_median(v, *n) : 0;
}

static double f_wall(int r, int m, int c) { return res[r][m][c].wall_ms; }
static double f_wall_ratio(int r, int m, int c) { return res[r][m][c].wall_ms / res[r][0][c].wall_ms; }
static double f_cpu_ratio(int r, int m, int c) { return res[r][m][c].cpu_ms / res[r][0][c].cpu_ms; }
static double f_sensor_us(int r, int m, int c)
{
	double v = res[r][m][c].sensor_ms - res[r][m][c].bg_ms;

	return (v > 0 ? v : 0) * 1e3 / (double)ops_of(c);
}
static double f_sensor_raw_us(int r, int m, int c)
{
	return res[r][m][c].sensor_ms * 1e3 / (double)ops_of(c);
}
static double f_kaudit_us(int r, int m, int c) { return res[r][m][c].kaudit_ms * 1e3 / (double)ops_of(c); }
static double f_ours(int r, int m, int c) { return (double)res[r][m][c].ours / (double)ops_of(c); }
static double f_all(int r, int m, int c) { return (double)res[r][m][c].events / (double)ops_of(c); }

static void report(void)
{
	printf("\n%-8s %-15s %9s %6s %6s %9s %9s %8s %8s %8s %5s\n", "class", "mode", "wall ms",
	       "wall x", "cpu x", "sensor", "(raw)", "kauditd", "ev/op", "all/op", "lost");
	printf("%-8s %-15s %9s %6s %6s %9s %9s %8s %8s %8s %5s\n", "", "", "", "", "",
	       "us/op", "us/op", "us/op", "ours", "", "");
	for (int c = 0; c < MAX_CLASSES; c++) {
		if (!want_cls[c])
			continue;
		for (int m = 0; m < nmodes; m++) {
			int n;
			double wall = med_of(m, c, f_wall, &n), wr, cr, su, sr, ku, eo, ea;
			long lost = 0;
			char name[128];

			if (n == 0)
				continue;
			wr = med_of(m, c, f_wall_ratio, &n);
			cr = med_of(m, c, f_cpu_ratio, &n);
			su = med_of(m, c, f_sensor_us, &n);
			sr = med_of(m, c, f_sensor_raw_us, &n);
			ku = med_of(m, c, f_kaudit_us, &n);
			eo = med_of(m, c, f_ours, &n);
			ea = med_of(m, c, f_all, &n);
			for (int r = 0; r < rounds; r++)
				lost += res[r][m][c].lost;
			printf("%-8s %-15s %9.1f %6.3f %6.3f %9.2f %9.2f %8.2f %8.2f %8.2f %5ld\n",
			       cls_name[c], modes[m], wall, wr, cr, su, sr, ku, eo, ea, lost);
			snprintf(name, sizeof(name), "overhead.%s.%s.wall_ratio", cls_name[c], modes[m]);
			bench_result(name, wr * 1000, "x/1000");
			snprintf(name, sizeof(name), "overhead.%s.%s.cpu_ratio", cls_name[c], modes[m]);
			bench_result(name, cr * 1000, "x/1000");
			if (strcmp(modes[m], "none") != 0 && strncmp(modes[m], "floor-", 6) != 0) {
				snprintf(name, sizeof(name), "overhead.%s.%s.sensor_ns_per_op",
					 cls_name[c], modes[m]);
				bench_result(name, su * 1000, "ns");
				snprintf(name, sizeof(name), "overhead.%s.%s.events_per_1000_ops",
					 cls_name[c], modes[m]);
				bench_result(name, eo * 1000, "events");
				snprintf(name, sizeof(name), "overhead.%s.%s.loss_events", cls_name[c],
					 modes[m]);
				bench_result(name, (double)lost, "events");
			}
		}
		printf("\n");
	}
}

/* ---- sustained rates ------------------------------------------------------ */

/* A paced loop: `rate` iterations per second of body for secs; returns iterations done. */
static long paced(int c, double rate, int secs, const char *dir)
{
	uint64_t start = bench_now_ns(), end = start + (uint64_t)secs * 1000000000u;
	long i = 0;

	for (;;) {
		uint64_t now = bench_now_ns(), due = start + (uint64_t)((double)i * 1e9 / rate);

		if (now >= end)
			break;
		if (now < due) {
			struct timespec ts = { 0, (long)(due - now) };

			nanosleep(&ts, NULL);
			continue;
		}
		if (c == C_SPAWN)
			do_spawn();
		else
			do_file(dir, i);
		i++;
	}
	return i;
}

static int sustain(int secs)
{
	struct sensor_proc sp;
	pid_t kids[2];
	int p[2], rc;
	long done[2] = { 0, 0 }, all, ours, lost;

	rc = sensor_start("defaults", &sp);
	if (rc < 0) {
		fprintf(stderr, "bench-overhead: the sensor did not start: %s\n", strerror(-rc));
		return 1;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return 1;
	count_events(&sp, &all, &ours, &lost);
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			char dir[4200];
			long n;

			cgroup_enter();
			snprintf(dir, sizeof(dir), "%s/bench-overhead-%d", workdir, (int)getpid());
			mkdir(dir, 0700);
			/* a file round is ~8 events (create, open, write, close_write, open, delete, ...) */
			n = paced(k == 0 ? C_SPAWN : C_FILE, k == 0 ? 2000.0 : 50000.0 / 8, secs, dir);
			rmdir(dir);
			if (write(p[1], &(long[2]){ k, n }, sizeof(long[2])) < 0)
				_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	for (int k = 0; k < 2; k++) {
		long kn[2];

		if (read(p[0], kn, sizeof(kn)) == (ssize_t)sizeof(kn) && kn[0] >= 0 && kn[0] < 2)
			done[kn[0]] = kn[1];
		waitpid(kids[k], NULL, 0);
	}
	close(p[0]);
	wait_drained(sp.pid);
	sleep_ms(300);
	count_events(&sp, &all, &ours, &lost);
	sensor_stop(&sp);
	printf("sustain %d s: %.0f execs/s, %.0f file rounds/s; events %ld (ours %ld, %.0f/s), "
	       "loss events %ld, sensor lost counter %ld\n",
	       secs, (double)done[0] / secs, (double)done[1] / secs, all, ours,
	       (double)ours / secs, lost, sp.lost_total);
	bench_result("overhead.sustain.execs_per_s", (double)done[0] / secs, "1/s");
	bench_result("overhead.sustain.file_events_per_s", (double)ours / secs, "1/s");
	bench_result("overhead.sustain.loss_events", (double)lost, "events");
	bench_result("overhead.sustain.lost", (double)(sp.lost_total > 0 ? sp.lost_total : 0), "events");
	return lost == 0 && sp.lost_total <= 0 ? 0 : 2;
}

/* ---- main ---------------------------------------------------------------- */

static int split_list(char *s, const char **out, int max)
{
	int n = 0;

	char *t;

	while (n < max && (t = strsep(&s, ",")))
		if (*t)
			out[n++] = t;
	return n;
}

static void default_rtsensor(const char *argv0)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	(void)argv0;
	if (n <= 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(rtsensor, sizeof(rtsensor), "%s/../tools/rtsensor/rtsensor", self);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "scale", required_argument, NULL, 'x' },
		{ "modes", required_argument, NULL, 'm' },
		{ "classes", required_argument, NULL, 'c' },
		{ "rtsensor", required_argument, NULL, 'R' },
		{ "dir", required_argument, NULL, 'D' },
		{ "sustain", required_argument, NULL, 'S' },
		{ 0 },
	};
	int c, sustain_secs = 0;
	char *mode_arg = NULL, *class_arg = NULL;

	default_rtsensor(argv[0]);
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r': rounds = (int)strtol(optarg, NULL, 10); break;
		case 'x': scale = strtod(optarg, NULL); break;
		case 'm': mode_arg = optarg; break;
		case 'c': class_arg = optarg; break;
		case 'R': snprintf(rtsensor, sizeof(rtsensor), "%s", optarg); break;
		case 'D': snprintf(workdir, sizeof(workdir), "%s", optarg); break;
		case 'S': sustain_secs = (int)strtol(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: bench-overhead [--rounds N] [--scale F] [--modes a,b]"
					" [--classes a,b] [--rtsensor PATH] [--dir DIR] [--sustain SECS]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || scale <= 0) {
		fprintf(stderr, "bench-overhead: --rounds 1..%d, --scale > 0\n", MAX_ROUNDS);
		return 2;
	}
	if (geteuid() != 0) {
		printf("# bench-overhead: needs root (sources, floors, cgroup); skipped\n");
		return 0;
	}
	bench_print_machine("bench-overhead");
	if (access(rtsensor, X_OK) < 0) {
		fprintf(stderr, "bench-overhead: no rtsensor at %s (--rtsensor PATH)\n", rtsensor);
		return 1;
	}
	modes[nmodes++] = "none";
	if (mode_arg) {
		const char *list[MAX_MODES];
		int n = split_list(mode_arg, list, MAX_MODES - 1);

		for (int i = 0; i < n; i++)
			if (strcmp(list[i], "none") != 0)
				modes[nmodes++] = list[i];
	} else {
		for (int i = 1; all_modes[i] && nmodes < MAX_MODES; i++)
			modes[nmodes++] = all_modes[i];
	}
	if (class_arg) {
		const char *list[MAX_CLASSES];
		int n = split_list(class_arg, list, MAX_CLASSES);

		for (int i = 0; i < n; i++)
			for (int k = 0; k < MAX_CLASSES; k++)
				if (strcmp(list[i], cls_name[k]) == 0)
					want_cls[k] = true;
	} else {
		for (int k = 0; k < MAX_CLASSES; k++)
			want_cls[k] = true;
	}
	signal(SIGPIPE, SIG_IGN);
	kauditd = find_kauditd();
	cgroup_setup();
	printf("# rtsensor: %s; loops in %s; cgroup %s\n", rtsensor, workdir,
	       cgdir[0] ? cgdir : "(none: events are not told from the machine's)");
	if (sustain_secs > 0) {
		int rc = sustain(sustain_secs);

		cgroup_cleanup();
		return rc;
	}
	printf("# %d rounds; ops per loop:", rounds);
	for (int k = 0; k < MAX_CLASSES; k++)
		if (want_cls[k])
			printf(" %s %ld", cls_name[k], ops_of(k));
	printf("\n# modes alternate in every round, the order rotated by one each round\n");
	fflush(stdout);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < nmodes; i++) {
			int m = (i + r) % nmodes;

			fprintf(stderr, "# round %d/%d: %s\n", r + 1, rounds, modes[m]);
			measure(r, m, modes[m]);
		}
	}
	report();
	cgroup_cleanup();
	return 0;
}
