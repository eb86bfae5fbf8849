/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-fanotify (root): the fanotify source against the cheapest possible
 * consumer of the same group setup, against fatrace, and the cost of
 * permission events on an open/close loop. Everything runs on a tmpfs in a
 * private mount namespace (architecture §11).
 *
 * 1. drain: a create/write/rename/delete storm is queued (unlimited queue)
 *    while nobody reads; then the queue is drained and timed.
 *    trivial = read() + walk + close pidfds; sensor = libsensor with full
 *    paths (open_by_handle_at + readlink per record), events built and
 *    dispatched to a callback. Ratio = sensor records/s / trivial records/s.
 * 2. live: the same storm while each consumer (trivial, sensor, fatrace)
 *    runs in its own process with the default queue: events seen, overflows
 *    and the consumer's CPU time per storm iteration.
 * 3. perm: open/close loop on one file without sensor, with a permission
 *    group (allow policy, allow cache on / off); first-decision latency over
 *    fresh files.
 *
 * Usage: bench-fanotify [ITERATIONS [drain|live|perm]]   (default 20000 storm iterations)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <libsensor/sensor.h>

#include "bench.h"

#define REPS 5
#define DIR_ "/tmp/storm"

static long iters = 20000;

static void storm(long n)
{
	char a[64], b[64];

	for (long i = 0; i < n; i++) {
		int fd;

		snprintf(a, sizeof(a), DIR_ "/f%ld", i);
		snprintf(b, sizeof(b), DIR_ "/g%ld", i);
		fd = open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, "x", 1) != 1)
			exit(1);
		close(fd);
		if (rename(a, b) < 0 || unlink(b) < 0)
			exit(1);
	}
}

static pid_t spawn_storm(long n)
{
	pid_t pid = fork();

	if (pid == 0) {
		storm(n);
		_exit(0);
	}
	return pid;
}

#define NOTIFY_MASK                                                                        \
	(FAN_OPEN | FAN_OPEN_EXEC | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_CREATE | FAN_DELETE | \
	 FAN_RENAME | FAN_ATTRIB | FAN_ONDIR)

/* The trivial consumer's group: the same flags and mark as the source's. */
static int trivial_group(bool unlimited)
{
	int g = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME |
				      FAN_REPORT_FID | FAN_REPORT_TARGET_FID | FAN_REPORT_PIDFD |
				      (unlimited ? FAN_UNLIMITED_QUEUE : 0),
			      O_RDONLY | O_LARGEFILE | O_CLOEXEC);

	if (g < 0 || fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, NOTIFY_MASK, AT_FDCWD,
				   "/tmp") < 0) {
		perror("trivial group");
		exit(1);
	}
	return g;
}

/* Read until EAGAIN; returns records, counts overflows. */
static long trivial_drain(int g, long *overflows, bool until_idle)
{
	static char buf[65536] __attribute__((aligned(8)));
	long n = 0;

	for (;;) {
		ssize_t got = read(g, buf, sizeof(buf));

		if (got <= 0) {
			if (!until_idle)
				return n;
			struct pollfd p = { .fd = g, .events = POLLIN };

			if (poll(&p, 1, 300) <= 0)
				return n;
			continue;
		}
		for (struct fanotify_event_metadata *m = (void *)buf; FAN_EVENT_OK(m, got);
		     m = FAN_EVENT_NEXT(m, got)) {
			if (m->mask & FAN_Q_OVERFLOW)
				(*overflows)++;
			for (size_t o = m->metadata_len; o + 8 <= m->event_len;) {
				struct fanotify_event_info_header *h = (void *)((char *)m + o);

				if (!h->len)
					break;
				if (h->info_type == FAN_EVENT_INFO_TYPE_PIDFD) {
					int pfd = ((struct fanotify_event_info_pidfd *)h)->pidfd;

					if (pfd >= 0)
						close(pfd);
				}
				o += h->len;
			}
			n++;
		}
	}
}

struct count {
	long files, losses, bytes;
};

static void on_event(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct count *c = ud;
	const char *p;

	(void)ctx;
	if (sensor_event_kind(ev) == SENSOR_KIND_LOSS)
		c->losses++;
	if (sensor_event_kind(ev) != SENSOR_KIND_FILE)
		return;
	c->files++;
	p = sensor_event_get_str(ev, SENSOR_FIELD_FILE_PATH);
	c->bytes += p ? (long)strlen(p) : 0;
}

static sensor_ctx *sensor_start(uint32_t flags, struct count *c, sensor_source **src)
{
	static const char *const paths[] = { "/tmp", NULL };
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .flags = flags, .paths = paths };
	sensor_ctx *ctx;
	int r;

	if (sensor_ctx_new(NULL, &ctx) < 0)
		exit(1);
	sensor_ctx_set_event_cb(ctx, on_event, c);
	r = sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, src);
	if (r < 0) {
		fprintf(stderr, "fanotify source: %s\n", strerror(-r));
		exit(1);
	}
	sensor_ctx_process(ctx, 0); /* the status event */
	return ctx;
}

static uint64_t received(sensor_source *src)
{
	struct sensor_source_stats ss = { .sz = sizeof(ss) };

	sensor_source_get_stats(src, &ss);
	return ss.received;
}

/* CPU time of this process, ns (exact, unlike getrusage's ticks) */
static uint64_t proc_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long cpu_us(const struct rusage *a, const struct rusage *b, bool sys)
{
	const struct timeval *x = sys ? &a->ru_stime : &a->ru_utime, *y = sys ? &b->ru_stime : &b->ru_utime;

	return (long)((y->tv_sec - x->tv_sec) * 1000000 + (y->tv_usec - x->tv_usec));
}

/* One storm, then the trivial consumer drains it: records/s. */
static double drain_trivial(long *recs, long *user, long *sys, double *cpu_rate)
{
	struct rusage ru0, ru1;
	long ov = 0;
	int g = trivial_group(true), st;
	uint64_t t0, c0;
	double rate;

	waitpid(spawn_storm(iters), &st, 0);
	getrusage(RUSAGE_SELF, &ru0);
	c0 = proc_cpu_ns();
	t0 = bench_now_ns();
	*recs = trivial_drain(g, &ov, false);
	rate = (double)*recs / ((double)(bench_now_ns() - t0) / 1e9);
	*cpu_rate = (double)*recs / ((double)(proc_cpu_ns() - c0) / 1e9);
	getrusage(RUSAGE_SELF, &ru1);
	*user = cpu_us(&ru0, &ru1, false);
	*sys = cpu_us(&ru0, &ru1, true);
	close(g);
	return rate;
}

/* One storm, then the sensor drains it with full paths: records/s. */
static double drain_sensor(long *recs, long *files, long *losses, long *user, long *sys,
			   double *cpu_rate)
{
	struct rusage ru0, ru1;
	struct count c = { 0 };
	sensor_source *src;
	sensor_ctx *ctx = sensor_start(SENSOR_FANOTIFY_UNLIMITED_QUEUE, &c, &src);
	uint64_t t0, c0;
	double rate;
	int st;

	waitpid(spawn_storm(iters), &st, 0);
	getrusage(RUSAGE_SELF, &ru0);
	c0 = proc_cpu_ns();
	t0 = bench_now_ns();
	while (sensor_ctx_process(ctx, 0) > 0)
		;
	rate = (double)received(src) / ((double)(bench_now_ns() - t0) / 1e9);
	*cpu_rate = (double)received(src) / ((double)(proc_cpu_ns() - c0) / 1e9);
	getrusage(RUSAGE_SELF, &ru1);
	*user = cpu_us(&ru0, &ru1, false);
	*sys = cpu_us(&ru0, &ru1, true);
	*recs = (long)received(src);
	*files = c.files;
	*losses = c.losses;
	sensor_ctx_free(ctx);
	return rate;
}

#define DRAIN_REPS 9

static void range(const char *what, double *v, int n, double scale)
{
	double lo = v[0], hi = v[0];

	for (int i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	printf("# %s: range %.0f .. %.0f\n", what, lo * scale, hi * scale);
}

/*
 * Each rep drains two storms, one per consumer, in alternating order (the
 * one that goes second finds the slab caches warm); the ratio is taken per
 * rep, the median of the ratios reported with its range.
 */
static void bench_drain(void)
{
	double triv[DRAIN_REPS], sens[DRAIN_REPS], ratio[DRAIN_REPS], evs[DRAIN_REPS];
	double tcpu[2][DRAIN_REPS], scpu[2][DRAIN_REPS], cratio[DRAIN_REPS];
	long recs = 0;

	for (int r = 0; r < DRAIN_REPS; r++) {
		long n = 0, sn = 0, files = 0, losses = 0, tu = 0, ts = 0, su = 0, ss = 0;
		double tc = 0, sc = 0;

		if (r % 2 == 0)
			triv[r] = drain_trivial(&n, &tu, &ts, &tc);
		sens[r] = drain_sensor(&sn, &files, &losses, &su, &ss, &sc);
		if (r % 2 == 1)
			triv[r] = drain_trivial(&n, &tu, &ts, &tc);
		ratio[r] = sens[r] / triv[r];
		cratio[r] = sc / tc;
		evs[r] = sens[r] * (double)files / (double)sn;
		tcpu[0][r] = (double)tu;
		tcpu[1][r] = (double)ts;
		scpu[0][r] = (double)su;
		scpu[1][r] = (double)ss;
		recs = n;
		printf("# drain rep %d (%s first): trivial %ld records %.0f/s (cpu user %ld sys %ld us), "
		       "sensor %ld records -> %ld file events %.0f records/s (cpu user %ld sys %ld us), "
		       "losses %ld, ratio %.3f (per CPU second %.3f: cpu %.1f vs %.1f ms)\n",
		       r, r % 2 ? "sensor" : "trivial", n, triv[r], tu, ts, sn, files, sens[r], su, ss,
		       losses, ratio[r], cratio[r], (double)n / tc * 1e3, (double)sn / sc * 1e3);
	}
	printf("# storm: %ld iterations of create+write+close, rename, unlink = %ld records\n",
	       iters, recs);
	range("ratio x1000", ratio, DRAIN_REPS, 1000);
	range("cpu ratio x1000", cratio, DRAIN_REPS, 1000);
	printf("# median cpu per drain: trivial user %.0f sys %.0f us; sensor user %.0f sys %.0f us\n",
	       bench_median(tcpu[0], DRAIN_REPS), bench_median(tcpu[1], DRAIN_REPS),
	       bench_median(scpu[0], DRAIN_REPS), bench_median(scpu[1], DRAIN_REPS));
	bench_result("fanotify.drain.trivial_records_per_s", bench_median(triv, DRAIN_REPS), "records/s");
	bench_result("fanotify.drain.sensor_records_per_s", bench_median(sens, DRAIN_REPS), "records/s");
	bench_result("fanotify.drain.ratio_x1000", bench_median(ratio, DRAIN_REPS) * 1000,
		     "(median of per-rep sensor/trivial x1000)");
	/* records per CPU second of the draining process: less exposed to other jobs than wall time */
	bench_result("fanotify.drain.cpu_ratio_x1000", bench_median(cratio, DRAIN_REPS) * 1000,
		     "(median of per-rep sensor/trivial records per CPU s x1000)");
	/* one merged record (create|open|modify|close_write) is several events for the sink */
	bench_result("fanotify.drain.sensor_events_per_s", bench_median(evs, DRAIN_REPS), "events/s");
}

static double cpu_s(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
	       (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

/* Run a consumer in a child during one live storm. kind: 0 trivial, 1 sensor, 2 fatrace. */
static void live_one(int kind, double *cpu_us_per_iter, long *seen, long *lost)
{
	int pfd[2], st;
	pid_t cons, s;
	struct rusage ru;
	char ch;
	long res[2] = { 0, 0 };

	if (pipe(pfd) < 0)
		exit(1);
	cons = fork();
	if (cons == 0) {
		if (kind == 2) {
			close(pfd[0]);
			close(pfd[1]);
			if (chdir("/tmp") < 0)
				_exit(1);
			execlp("fatrace", "fatrace", "-c", "-o", "/tmp/.fatrace.out", (char *)NULL);
			_exit(127);
		}
		if (kind == 0) {
			int g = trivial_group(false);

			if (write(pfd[1], "r", 1) != 1)
				_exit(1);
			res[0] = trivial_drain(g, &res[1], true);
		} else {
			struct count c = { 0 };
			sensor_source *src;
			sensor_ctx *ctx = sensor_start(0, &c, &src);
			uint64_t last = 0;

			if (write(pfd[1], "r", 1) != 1)
				_exit(1);
			/* until the storm is over and the queue idle for 300 ms */
			for (;;) {
				sensor_ctx_run(ctx, 300000000ull);
				if (received(src) == last && last > 0)
					break;
				last = received(src);
			}
			res[0] = c.files;
			res[1] = c.losses;
		}
		if (write(pfd[1], res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (kind == 2)
		usleep(500000); /* fatrace says nothing when ready: give it time to mark */
	else if (read(pfd[0], &ch, 1) != 1)
		exit(1);
	s = spawn_storm(iters);
	waitpid(s, &st, 0);
	if (kind == 2) {
		usleep(300000);
		kill(cons, SIGINT);
	} else if (read(pfd[0], res, sizeof(res)) != sizeof(res)) {
		exit(1);
	}
	wait4(cons, &st, 0, &ru);
	close(pfd[0]);
	if (kind == 2) {
		FILE *f = fopen("/tmp/.fatrace.out", "r");

		res[0] = 0;
		if (f) {
			int c2;

			while ((c2 = fgetc(f)) != EOF)
				res[0] += c2 == '\n';
			fclose(f);
		}
		unlink("/tmp/.fatrace.out");
	}
	*cpu_us_per_iter = cpu_s(&ru) * 1e6 / (double)iters;
	*seen = res[0];
	*lost = res[1];
}

static void bench_live(void)
{
	static const char *const names[] = { "trivial", "sensor", "fatrace" };
	bool have_fatrace = system("command -v fatrace >/dev/null 2>&1") == 0;

	for (int k = 0; k < 3; k++) {
		double cpu[REPS];
		long seen = 0, lost = 0;
		char name[96];

		if (k == 2 && !have_fatrace) {
			printf("# fatrace not installed: skipped\n");
			continue;
		}
		for (int r = 0; r < REPS; r++)
			live_one(k, &cpu[r], &seen, &lost);
		printf("# live %s: %ld %s, %ld overflow/loss events (last rep)\n", names[k], seen,
		       k == 0 ? "records" : k == 1 ? "file events" : "lines", lost);
		snprintf(name, sizeof(name), "fanotify.live.%s.cpu_per_iteration", names[k]);
		bench_result(name, bench_median(cpu, REPS), "us");
		snprintf(name, sizeof(name), "fanotify.live.%s.seen", names[k]);
		bench_result(name, (double)seen, k == 0 ? "records" : k == 1 ? "events" : "lines");
	}
}

/* ns per open+close of path, n times */
static double open_loop(const char *path, long n)
{
	uint64_t t0 = bench_now_ns();

	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			exit(1);
		close(fd);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

static enum sensor_decision allow_all(void *ud, const sensor_event *ev)
{
	(void)ud;
	(void)ev;
	return SENSOR_DECISION_ALLOW;
}

static pid_t perm_sensor_at(uint32_t flags, const char *where)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe(pfd) < 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		const char *const paths[] = { where, NULL };
		struct sensor_fanotify_opts o = {
			.sz = sizeof(o), .flags = SENSOR_FANOTIFY_NO_NOTIFY | flags, .paths = paths,
			.perm = SENSOR_FANOTIFY_PERM_OPEN, .policy = allow_all,
		};
		sensor_ctx *ctx;

		if (sensor_ctx_new(NULL, &ctx) < 0 ||
		    sensor_source_add(ctx, SENSOR_SOURCE_FANOTIFY, &o, NULL) < 0)
			_exit(1);
		if (write(pfd[1], "r", 1) != 1)
			_exit(1);
		sensor_ctx_run(ctx, 600000000000ull);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		fprintf(stderr, "permission sensor did not start\n");
		exit(1);
	}
	close(pfd[0]);
	return pid;
}

static void bench_name(char *buf, size_t len, const char *tag, const char *what)
{
	snprintf(buf, len, "fanotify.perm%s.%s", tag, what);
}

static pid_t perm_sensor(uint32_t flags)
{
	return perm_sensor_at(flags, "/tmp");
}

/*
 * The trivial permission consumer: a bare group of the same class and
 * flags with the same filesystem mark, that allows every request and
 * caches the allow with the same ignore mark as the sensor
 * (FAN_MARK_IGNORE | FAN_MARK_EVICTABLE on the inode), nothing else.
 * Its cost in steady state is the kernel's alone: the floor for any
 * fanotify permission listener.
 */
static pid_t bare_perm(const char *where)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe(pfd) < 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		static char buf[4096] __attribute__((aligned(8)));
		int g = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE | O_CLOEXEC);

		if (g < 0 || fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_PERM,
					   AT_FDCWD, where) < 0)
			_exit(1);
		if (write(pfd[1], "r", 1) != 1)
			_exit(1);
		for (;;) {
			ssize_t got = read(g, buf, sizeof(buf));

			if (got <= 0)
				_exit(got < 0);
			for (struct fanotify_event_metadata *m = (void *)buf; FAN_EVENT_OK(m, got);
			     m = FAN_EVENT_NEXT(m, got)) {
				struct fanotify_response r = { .fd = m->fd, .response = FAN_ALLOW };

				if (m->fd < 0)
					continue;
				if (write(g, &r, sizeof(r)) != sizeof(r))
					_exit(1);
				fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_EVICTABLE,
					      FAN_OPEN_PERM, m->fd, NULL);
				close(m->fd);
			}
		}
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		fprintf(stderr, "bare permission consumer did not start\n");
		exit(1);
	}
	close(pfd[0]);
	return pid;
}

static double pct(const double *sorted, int n, double p)
{
	return sorted[(int)(p * (n - 1) + 0.5)];
}

/*
 * Steady state, interleaved: three tmpfs mounts of the same depth, /tmp/off
 * marked by nothing, /tmp/bare by the trivial permission consumer,
 * /tmp/on by a running permission sensor (allow cached after the first
 * open of each). Blocks of opens rotate between them (the order shifts
 * every round), so every side sees the same machine noise; per round the
 * ratios on/off, bare/off and on/bare, then medians and spread. Both
 * listeners stay up throughout: in steady state no event reaches either,
 * only the kernel's mark walk separates the sides.
 */
#define ROUNDS 41
static void ratio_line(const char *tag, const char *what, double *r)
{
	int above = 0;

	bench_median(r, ROUNDS); /* sorts */
	for (int p = 0; p < ROUNDS; p++)
		above += r[p] > 1.1;
	printf("# perm%s interleaved %s: min %.3f p10 %.3f median %.3f p90 %.3f max %.3f; "
	       "rounds above 1.1: %d of %d\n",
	       tag, what, r[0], pct(r, ROUNDS, 0.1), pct(r, ROUNDS, 0.5), pct(r, ROUNDS, 0.9),
	       r[ROUNDS - 1], above, ROUNDS);
}

static void bench_perm_interleaved(const char *tag)
{
	static const char *const dirs[3] = { "/tmp/off", "/tmp/bare", "/tmp/on" };
	static const char *const files[3] = { "/tmp/off/perm-file", "/tmp/bare/perm-file",
					      "/tmp/on/perm-file" };
	const long n = 20000;
	double t[3][ROUNDS], on_off[ROUNDS], bare_off[ROUNDS], on_bare[ROUNDS];
	char name[96];
	pid_t s, b;
	int fd;

	for (int i = 0; i < 3; i++) {
		mkdir(dirs[i], 0755);
		umount2(dirs[i], MNT_DETACH);
		if (mount("bench", dirs[i], "tmpfs", 0, "size=16m") < 0) {
			perror("mount");
			exit(1);
		}
		fd = open(files[i], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			exit(1);
		close(fd);
	}
	s = perm_sensor_at(0, "/tmp/on");
	b = bare_perm("/tmp/bare");
	for (int i = 0; i < 3; i++)
		open_loop(files[i], 1000); /* the first decisions, then cached */
	for (int p = 0; p < ROUNDS; p++) {
		for (int k = 0; k < 3; k++) {
			int i = (p + k) % 3;

			t[i][p] = open_loop(files[i], n);
		}
		on_off[p] = t[2][p] / t[0][p];
		bare_off[p] = t[1][p] / t[0][p];
		on_bare[p] = t[2][p] / t[1][p];
	}
	kill(s, SIGKILL);
	kill(b, SIGKILL);
	waitpid(s, NULL, 0);
	waitpid(b, NULL, 0);
	for (int i = 0; i < 3; i++)
		umount2(dirs[i], MNT_DETACH);
	printf("# perm%s interleaved: %d rounds of %ld opens per side\n", tag, ROUNDS, n);
	ratio_line(tag, "sensor/no-mark", on_off);
	ratio_line(tag, "bare/no-mark", bare_off);
	ratio_line(tag, "sensor/bare", on_bare);
	bench_name(name, sizeof(name), tag, "interleaved.open_close_no_mark");
	bench_result(name, bench_median(t[0], ROUNDS), "ns");
	bench_name(name, sizeof(name), tag, "interleaved.open_close_bare_listener");
	bench_result(name, bench_median(t[1], ROUNDS), "ns");
	bench_name(name, sizeof(name), tag, "interleaved.open_close_cached_allow");
	bench_result(name, bench_median(t[2], ROUNDS), "ns");
	bench_name(name, sizeof(name), tag, "interleaved.steady_reopen_ratio_x1000");
	bench_result(name, pct(on_off, ROUNDS, 0.5) * 1000, "(median of per-round sensor/no-mark x1000)");
	bench_name(name, sizeof(name), tag, "interleaved.bare_ratio_x1000");
	bench_result(name, pct(bare_off, ROUNDS, 0.5) * 1000, "(median of per-round bare/no-mark x1000)");
	bench_name(name, sizeof(name), tag, "interleaved.sensor_vs_bare_x1000");
	bench_result(name, pct(on_bare, ROUNDS, 0.5) * 1000, "(median of per-round sensor/bare x1000)");
}

static void bench_perm(const char *tag)
{
	const long n = 200000, fresh = 2000;
	double off[REPS], on[REPS], nocache[REPS], first[REPS], ratio[REPS];
	char name[96];
	int fd = open("/tmp/perm-file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		exit(1);
	close(fd);
	for (long i = 0; i < fresh; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/tmp/fresh-%ld", i);
		unlink(p); /* a fresh inode: no ignore mark left from an earlier pass */
		fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	for (int r = 0; r < REPS; r++) {
		pid_t s;
		uint64_t t0;

		off[r] = open_loop("/tmp/perm-file", n);
		s = perm_sensor(0);
		/* first decisions: each fresh file is asked once */
		t0 = bench_now_ns();
		for (long i = 0; i < fresh; i++) {
			char p[64];

			snprintf(p, sizeof(p), "/tmp/fresh-%ld", i);
			fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
		}
		first[r] = (double)(bench_now_ns() - t0) / (double)fresh / 1000.0;
		on[r] = open_loop("/tmp/perm-file", n);
		kill(s, SIGKILL);
		waitpid(s, NULL, 0);
		/* the machine is noisy: baseline before and after, paired with this rep */
		off[r] = (off[r] + open_loop("/tmp/perm-file", n)) / 2;
		ratio[r] = on[r] / off[r];
		s = perm_sensor(SENSOR_FANOTIFY_NO_ALLOW_CACHE);
		nocache[r] = open_loop("/tmp/perm-file", n / 10);
		kill(s, SIGKILL);
		waitpid(s, NULL, 0);
		printf("# perm%s rep %d: off %.0f ns, on(cache) %.0f ns, on(no cache) %.0f ns, first "
		       "decision %.1f us\n",
		       tag, r, off[r], on[r], nocache[r], first[r]);
	}
	bench_name(name, sizeof(name), tag, "open_close_no_sensor");
	bench_result(name, bench_median(off, REPS), "ns");
	bench_name(name, sizeof(name), tag, "open_close_cached_allow");
	bench_result(name, bench_median(on, REPS), "ns");
	bench_name(name, sizeof(name), tag, "open_close_no_cache");
	bench_result(name, bench_median(nocache, REPS), "ns");
	bench_name(name, sizeof(name), tag, "first_decision");
	bench_result(name, bench_median(first, REPS), "us");
	bench_name(name, sizeof(name), tag, "steady_reopen_ratio_x1000");
	bench_result(name, bench_median(ratio, REPS) * 1000,
		     "(with/without x1000)");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		iters = strtol(argv[1], NULL, 10);
	if (iters <= 0)
		iters = 20000;
	if (geteuid() != 0) {
		fprintf(stderr, "bench-fanotify: needs root\n");
		return 77;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("bench", "/tmp", "tmpfs", 0, "size=512m") < 0 || mkdir(DIR_, 0755) < 0) {
		perror("sandbox");
		return 1;
	}
	bench_print_machine("fanotify");
	/* optional second argument: run one part only (drain, live, perm) */
	if (argc < 3 || strcmp(argv[2], "drain") == 0)
		bench_drain();
	if (argc < 3 || strcmp(argv[2], "live") == 0)
		bench_live();
	if (argc < 3 || strcmp(argv[2], "perm") == 0) {
		bench_perm("");
		bench_perm_interleaved("");
		/*
		 * Both on one CPU: the software path without the VM's cross-CPU
		 * wake-up (an IPI to an idle vCPU costs tens of microseconds here).
		 */
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(0, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0) {
			bench_perm(".one_cpu");
			bench_perm_interleaved(".one_cpu");
		}
	}
	return 0;
}
