/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seccomp notification benchmark.
 *
 *  1. Round trip of one held syscall (personality) as the target sees it,
 *     and notifications per second (N / the target's loop time). Every
 *     responder serves the same target under the same filter: the BPF the
 *     library builds (scf_build), loaded by the same seccomp() call with
 *     SECCOMP_FILTER_FLAG_NEW_LISTENER. Responders:
 *       floor.recv    the trivial responder: a thread blocked in
 *                     SECCOMP_IOCTL_NOTIF_RECV that answers CONTINUE at once
 *       floor.loop    what an event loop must do at least (it may not block
 *                     in RECV): epoll_wait(), RECV + SEND, and in a burst a
 *                     poll() before the next RECV: the library's syscalls
 *                     without the library
 *       sensor        libsensor: the fd added with sensor_seccomp_add_fd(),
 *                     sensor_ctx_run() on the bench's thread (the embedder
 *                     runs the loop), ALLOW from the event callback
 *       sensor.poll   the same with the integration API: poll() on the
 *                     context's fd, then sensor_ctx_process()
 *     each with SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP set (the library's choice)
 *     and cleared (".nosync"); in two scenarios: b2b (calls back to back)
 *     and spaced (calls 20 us apart: the responder is asleep before each).
 *     --only NAME,... picks scenarios, responders or "unlisted".
 *  2. Unlisted syscalls (getppid, and a 4 KiB pread of a cached file) run
 *     by one loop, with no filter, under a one-instruction ALLOW filter
 *     (what any filter costs) and under the library's default filter
 *     (spawned and served by libsensor).
 * Runs are interleaved; medians and ranges are printed.
 * The binary is also its own target: bench-seccomp --target MODE N FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "bench.h"
#include "sources/seccomp/seccomp-filter.h"

#define N_CALLS 20000
#define N_GAP 5000
#define GAP_NS 20000
#define N_LOOP 2000000
#define N_PREAD 500000
#define RUNS 5
#define LOOP_RUNS 15
#define MAX_RUNS 31

/* ---- the target side ---------------------------------------------------- */

static int target(const char *mode, long n, const char *file)
{
	FILE *f = fopen(file, "w");
	uint64_t a, b;

	if (!f || n <= 0)
		return 1;
	if (strncmp(mode, "notify", 6) == 0) {
		double *lat = malloc((size_t)n * sizeof(*lat));
		bool gap = strcmp(mode, "notify-gap") == 0;

		if (!lat)
			return 1;
		b = bench_now_ns();
		for (long i = 0; i < n; i++) {
			/* spaced: the responder has gone to sleep by the time we call */
			for (a = bench_now_ns(); gap && bench_now_ns() - a < GAP_NS;)
				;
			a = bench_now_ns();
			personality(0xffffffff);
			lat[i] = (double)(bench_now_ns() - a);
		}
		lat[0] = (double)(bench_now_ns() - b); /* slot 0 carries the loop's time */
		fwrite(lat, sizeof(*lat), (size_t)n, f);
		free(lat);
	} else if (strcmp(mode, "getppid") == 0) {
		a = bench_now_ns();
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		fprintf(f, "%.4f\n", (double)(bench_now_ns() - a) / (double)n);
	} else {
		char buf[4096];
		int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || pread(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
			return 1;
		a = bench_now_ns();
		for (long i = 0; i < n; i++)
			if (pread(fd, buf, sizeof(buf), 0) < 0)
				return 1;
		fprintf(f, "%.4f\n", (double)(bench_now_ns() - a) / (double)n);
		close(fd);
	}
	fclose(f);
	return 0;
}

/* ---- spawning a target under a filter ------------------------------------ */

static const char *self_path, *out_file;

static void recv_fd(int sock, int *fd)
{
	char c;
	struct iovec iov = { &c, 1 };
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1 || !CMSG_FIRSTHDR(&m)) {
		fprintf(stderr, "bench: the target could not load its filter\n");
		exit(1);
	}
	memcpy(fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
}

/*
 * Fork the target; it loads prog (NULL: none) the way seccomp-spawn.c does
 * and, for a notify filter, hands the listener fd back (*fd). Returns the pid.
 */
static pid_t spawn_target(const struct sock_fprog *prog, bool listener, const char *mode, long n,
			  int *fd)
{
	char nbuf[32];
	char *argv[] = { (char *)self_path, "--target", (char *)mode, nbuf, (char *)out_file, NULL };
	int sv[2];
	pid_t pid;

	snprintf(nbuf, sizeof(nbuf), "%ld", n);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		int lfd;

		if (prog) {
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
			lfd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
					   listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, prog);
			if (lfd < 0)
				_exit(2);
			if (listener) {
				char c = 'F';
				struct iovec iov = { &c, 1 };
				union {
					struct cmsghdr h;
					char b[CMSG_SPACE(sizeof(int))];
				} u;
				struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
						    .msg_control = u.b, .msg_controllen = sizeof(u.b) };
				struct cmsghdr *h = CMSG_FIRSTHDR(&m);

				h->cmsg_level = SOL_SOCKET;
				h->cmsg_type = SCM_RIGHTS;
				h->cmsg_len = CMSG_LEN(sizeof(int));
				memcpy(CMSG_DATA(h), &lfd, sizeof(int));
				if (sendmsg(sv[1], &m, 0) != 1)
					_exit(2);
				close(lfd);
			}
		}
		execv(self_path, argv);
		_exit(127);
	}
	close(sv[1]);
	if (listener)
		recv_fd(sv[0], fd);
	close(sv[0]);
	return pid;
}

struct rt {
	double p50, p99, rate;
};

static void read_lat(long n, struct rt *out)
{
	double *lat = malloc((size_t)n * sizeof(*lat));
	FILE *f = fopen(out_file, "r");

	if (!lat || !f || fread(lat, sizeof(*lat), (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "bench: no latencies from the target\n");
		exit(1);
	}
	fclose(f);
	out->rate = (double)n / (lat[0] / 1e9);
	lat[0] = lat[1];
	bench_median(lat, (int)n); /* sorts */
	out->p50 = lat[(n - 1) / 2];
	out->p99 = lat[(long)((double)(n - 1) * 0.99)];
	free(lat);
}

static void wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench: target failed (status %d)\n", st);
		exit(1);
	}
}

/* ---- the kernel floor: trivial responders -------------------------------- */

static struct sock_fprog held_prog;

/* Which scenario: back-to-back calls, or calls spaced so the responder sleeps. */
struct scen {
	const char *mode;
	long n;
};

static int recv_one(int fd, struct seccomp_notif *req, size_t sz)
{
	memset(req, 0, sz);
	return ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req);
}

static void send_continue(int fd, const struct seccomp_notif *req,
			  struct seccomp_notif_resp *resp, size_t sz)
{
	memset(resp, 0, sz);
	resp->id = req->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

/*
 * recv: block in RECV, answer, repeat (two syscalls per request).
 * loop: what an event loop must do, since it cannot block in RECV: sleep in
 * epoll_wait(), RECV + SEND, and in a burst poll() the fd and go on while
 * another request is queued: the library's syscalls and its burst rule
 * (source-seccomp.c), without the library.
 */
#define BURST_NS 10000u
static void floor_run(const struct scen *sc, bool sync, bool loop, struct rt *out)
{
	int fd, ep = -1;
	pid_t pid = spawn_target(&held_prog, true, sc->mode, sc->n, &fd);
	struct seccomp_notif_sizes sz;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	long done = 0;
	uint64_t t, last = 0;
	bool burst = false;

	if (scf_notif_sizes(&sz) < 0)
		exit(1);
	req = calloc(1, sz.seccomp_notif);
	resp = calloc(1, sz.seccomp_notif_resp);
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, sync ? SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP : 0);
	if (loop) {
		struct epoll_event ee = { .events = EPOLLIN };

		ep = epoll_create1(EPOLL_CLOEXEC);
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ee);
	}
	while (done < sc->n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct epoll_event e;

		if (loop && epoll_wait(ep, &e, 1, -1) < 1)
			continue;
		t = bench_now_ns();
		burst = !loop || burst || t - last < BURST_NS;
		last = t;
		do {
			if (recv_one(fd, req, sz.seccomp_notif) < 0) {
				if (errno == EINTR || errno == ENOENT)
					break;
				fprintf(stderr, "bench: RECV: %s\n", strerror(errno));
				kill(pid, SIGKILL);
				done = sc->n;
				break;
			}
			send_continue(fd, req, resp, sz.seccomp_notif_resp);
			done++;
			if (loop && !burst)
				break;
			burst = loop && poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
		} while (done < sc->n && (!loop || burst));
	}
	wait_child(pid);
	if (ep >= 0)
		close(ep);
	close(fd);
	free(req);
	free(resp);
	read_lat(sc->n, out);
}

/* ---- through libsensor ---------------------------------------------------- */

static void allow_cb(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	const char *st;

	if (sensor_event_is_pending(ev)) {
		sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, NULL);
		return;
	}
	/* The filter has no task left: the target is gone. */
	st = sensor_event_get_str(ev, SENSOR_FIELD_STATUS_STATE);
	if (sensor_event_kind(ev) == SENSOR_KIND_STATUS && st && strcmp(st, "detached") == 0) {
		*(bool *)ud = true;
		sensor_ctx_exit(ctx, 0);
	}
}

static sensor_source *sensor_new(sensor_ctx **rctx, const char *const *held, bool *done)
{
	struct sensor_seccomp_opts o = { .sz = sizeof(o), .syscalls = held };
	sensor_source *src;

	*done = false;
	if (sensor_ctx_new(NULL, rctx) < 0 ||
	    sensor_source_add(*rctx, SENSOR_SOURCE_SECCOMP, &o, &src) < 0) {
		fprintf(stderr, "bench: cannot start the seccomp source\n");
		exit(1);
	}
	sensor_ctx_set_event_cb(*rctx, allow_cb, done);
	return src;
}

static void serve(sensor_ctx *ctx, bool integrate, const bool *done)
{
	if (!integrate) {
		sensor_ctx_run(ctx, SENSOR_TIME_INFINITY);
		return;
	}
	while (!*done) {
		struct pollfd p = { sensor_ctx_get_fd(ctx), POLLIN, 0 };

		poll(&p, 1, -1);
		sensor_ctx_process(ctx, 0);
	}
}

static void sensor_run(const struct scen *sc, bool sync, bool integrate, struct rt *out)
{
	static const char *const held[] = { "personality", NULL };
	sensor_ctx *ctx;
	sensor_source *src;
	bool done;
	int fd, keep;
	pid_t pid = spawn_target(&held_prog, true, sc->mode, sc->n, &fd);

	src = sensor_new(&ctx, held, &done);
	keep = dup(fd);
	if (sensor_seccomp_add_fd(src, fd, 0) < 0) {
		fprintf(stderr, "bench: sensor_seccomp_add_fd failed\n");
		exit(1);
	}
	/* The library sets sync wake-up; the flag is the filter's, so a dup clears it. */
	if (!sync)
		ioctl(keep, SECCOMP_IOCTL_NOTIF_SET_FLAGS, 0UL);
	close(keep);
	serve(ctx, integrate, &done);
	wait_child(pid);
	sensor_ctx_free(ctx);
	read_lat(sc->n, out);
}

/* ---- unlisted syscalls ---------------------------------------------------- */

static double read_ns(void)
{
	FILE *f = fopen(out_file, "r");
	double v = 0;
	char line[64];

	if (f && fgets(line, sizeof(line), f))
		v = strtod(line, NULL);
	if (f)
		fclose(f);
	return v;
}

static double loop_plain(const char *mode, long n, bool allow1)
{
	struct sock_filter one = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog p = { .len = 1, .filter = &one };

	wait_child(spawn_target(allow1 ? &p : NULL, false, mode, n, NULL));
	return read_ns();
}

static double loop_sensor(const char *mode, long n)
{
	char nbuf[32];
	const char *argv[] = { self_path, "--target", mode, nbuf, out_file, NULL };
	sensor_ctx *ctx;
	sensor_source *src;
	bool done;
	pid_t pid;

	snprintf(nbuf, sizeof(nbuf), "%ld", n);
	src = sensor_new(&ctx, NULL, &done); /* the default held set */
	if (sensor_seccomp_spawn(src, argv, 0, &pid) < 0)
		exit(1);
	serve(ctx, false, &done);
	wait_child(pid);
	sensor_ctx_free(ctx);
	return read_ns();
}

/* ---- main ------------------------------------------------------------------- */

/* --only: a comma-separated list of names, scenarios or responders ("sensor", "spaced"). */
static bool want1(const char *only, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = only; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static bool want(const char *only, const char *scen, const char *resp)
{
	char full[96];

	snprintf(full, sizeof(full), "%s.%s", scen, resp);
	return !only || want1(only, full) || want1(only, scen) || want1(only, resp);
}

static void result_ratio(const char *name, double v)
{
	printf("RESULT %-40s %14.3f x\n", name, v);
}

static double med_of(struct rt *v, int runs, int what)
{
	double x[MAX_RUNS];

	for (int r = 0; r < runs; r++)
		x[r] = what == 0 ? v[r].p50 : what == 1 ? v[r].p99 : v[r].rate;
	return bench_median(x, runs);
}

static void print_rt(const char *scen, const char *name, struct rt *v, int runs, bool rate)
{
	double p50[MAX_RUNS];
	char n[96];

	for (int r = 0; r < runs; r++)
		p50[r] = v[r].p50;
	bench_median(p50, runs);
	snprintf(n, sizeof(n), "seccomp.%s.%s.p50", scen, name);
	bench_result(n, med_of(v, runs, 0), "ns");
	printf("#   runs %.0f..%.0f ns\n", p50[0], p50[runs - 1]);
	snprintf(n, sizeof(n), "seccomp.%s.%s.p99", scen, name);
	bench_result(n, med_of(v, runs, 1), "ns");
	if (rate) {
		snprintf(n, sizeof(n), "seccomp.%s.%s.rate", scen, name);
		bench_result(n, med_of(v, runs, 2), "notifications/s");
	}
}

enum { F_RECV, F_RECV_NS, F_LOOP, F_LOOP_NS, S_RUN, S_RUN_NS, S_POLL, S_POLL_NS, NRESP };

static const char *const resp_names[NRESP] = {
	"floor.recv", "floor.recv.nosync", "floor.loop", "floor.loop.nosync",
	"sensor", "sensor.nosync", "sensor.poll", "sensor.poll.nosync",
};

static void ratios(const char *scen, struct rt rt[NRESP][MAX_RUNS], int runs, bool rate)
{
	char n[96];

	for (int sync = 0; sync < 2; sync++) {
		const char *sfx = sync ? ".nosync" : "";
		struct rt *fr = rt[F_RECV + sync], *fl = rt[F_LOOP + sync], *se = rt[S_RUN + sync];

		snprintf(n, sizeof(n), "seccomp.%s.sensor_vs_floor%s.p50", scen, sfx);
		result_ratio(n, med_of(se, runs, 0) / med_of(fr, runs, 0));
		snprintf(n, sizeof(n), "seccomp.%s.sensor_vs_floor%s.p99", scen, sfx);
		result_ratio(n, med_of(se, runs, 1) / med_of(fr, runs, 1));
		if (rate) {
			snprintf(n, sizeof(n), "seccomp.%s.floor_vs_sensor%s.rate", scen, sfx);
			result_ratio(n, med_of(fr, runs, 2) / med_of(se, runs, 2));
		}
		snprintf(n, sizeof(n), "seccomp.%s.floor_loop_vs_recv%s.p50", scen, sfx);
		result_ratio(n, med_of(fl, runs, 0) / med_of(fr, runs, 0));
		snprintf(n, sizeof(n), "seccomp.%s.sensor_vs_floor_loop%s.p50", scen, sfx);
		result_ratio(n, med_of(se, runs, 0) / med_of(fl, runs, 0));
	}
}

int main(int argc, char **argv)
{
	static const char *const held[] = { "personality", NULL };
	static const struct scen scens[] = { { "notify", N_CALLS }, { "notify-gap", N_GAP } };
	static const char *const scen_names[] = { "b2b", "spaced" };
	static struct rt rt[2][NRESP][MAX_RUNS];
	char file[] = "/tmp/bench-seccomp-XXXXXX", self[4096];
	const char *only = NULL;
	int runs = RUNS, lruns = LOOP_RUNS, fd;
	ssize_t n;

	if (argc == 5 && strcmp(argv[1], "--target") == 0)
		return target(argv[2], strtol(argv[3], NULL, 10), argv[4]);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			only = argv[++i];
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			runs = lruns = (int)strtol(argv[++i], NULL, 10);
			if (runs < 1 || runs > MAX_RUNS)
				return 2;
		} else {
			fprintf(stderr, "usage: %s [--only NAME,...] [--runs N]\n", argv[0]);
			return 2;
		}
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	self_path = self;
	fd = mkstemp(file);
	if (fd < 0)
		return 1;
	close(fd);
	out_file = file;
	if (scf_build(held, &held_prog, NULL) < 0)
		return 1;
	bench_print_machine("seccomp user notification");
	printf("# held personality(): b2b = %d back-to-back calls per run, spaced = %d calls "
	       "%d us apart (the responder sleeps before each); %d runs, interleaved. Every "
	       "responder serves the same filter (the library's BPF for {personality}).\n",
	       N_CALLS, N_GAP, GAP_NS / 1000, runs);
	for (int r = 0; r < runs; r++) {
		for (int sc = 0; sc < 2; sc++) {
			for (int m = 0; m < NRESP; m++) {
				bool sync = !(m & 1);

				if (!want(only, scen_names[sc], resp_names[m]))
					continue;
				if (m < S_RUN)
					floor_run(&scens[sc], sync, m >= F_LOOP, &rt[sc][m][r]);
				else
					sensor_run(&scens[sc], sync, m >= S_POLL, &rt[sc][m][r]);
			}
		}
	}
	for (int sc = 0; sc < 2; sc++) {
		bool all = true;

		for (int m = 0; m < NRESP; m++) {
			if (want(only, scen_names[sc], resp_names[m]))
				print_rt(scen_names[sc], resp_names[m], rt[sc][m], runs, sc == 0);
			else
				all = m >= S_POLL ? all : false;
		}
		if (all)
			ratios(scen_names[sc], rt[sc], runs, sc == 0);
	}
	if (!only || want1(only, "unlisted")) {
		static const struct {
			const char *mode;
			long n;
		} loops[] = { { "getppid", N_LOOP }, { "pread4k", N_PREAD } };

		printf("# unlisted syscalls: the same loop, %d runs (interleaved)\n", lruns);
		for (unsigned l = 0; l < sizeof(loops) / sizeof(loops[0]); l++) {
			double none[MAX_RUNS], one[MAX_RUNS], ours[MAX_RUNS], d[MAX_RUNS];
			double mn, m1, mo;
			char nm[96];

			for (int r = 0; r < lruns; r++) {
				none[r] = loop_plain(loops[l].mode, loops[l].n, false);
				one[r] = loop_plain(loops[l].mode, loops[l].n, true);
				ours[r] = loop_sensor(loops[l].mode, loops[l].n);
				d[r] = (ours[r] - none[r]) / none[r] * 100.0;
			}
			mn = bench_median(none, lruns);
			m1 = bench_median(one, lruns);
			mo = bench_median(ours, lruns);
			snprintf(nm, sizeof(nm), "seccomp.unlisted.%s.nofilter", loops[l].mode);
			bench_result(nm, mn, "ns/syscall");
			snprintf(nm, sizeof(nm), "seccomp.unlisted.%s.allow1", loops[l].mode);
			bench_result(nm, m1, "ns/syscall");
			snprintf(nm, sizeof(nm), "seccomp.unlisted.%s.filter", loops[l].mode);
			bench_result(nm, mo, "ns/syscall");
			snprintf(nm, sizeof(nm), "seccomp.unlisted.%s.overhead", loops[l].mode);
			bench_result(nm, (mo - mn) / mn * 100.0, "%");
			snprintf(nm, sizeof(nm), "seccomp.unlisted.%s.overhead_paired", loops[l].mode);
			bench_result(nm, bench_median(d, lruns), "%");
			printf("#   paired runs %.1f..%.1f %%; one-instruction filter %+.1f %%, "
			       "ours vs it %+.1f %%\n",
			       d[0], d[lruns - 1], (m1 - mn) / mn * 100.0, (mo - m1) / m1 * 100.0);
		}
	}
	unlink(file);
	free(held_prog.filter);
	return 0;
}
