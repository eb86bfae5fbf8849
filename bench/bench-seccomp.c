/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seccomp notification benchmark.
 *  1. Round trip of one held syscall (personality) as the target sees it:
 *     through libsensor (spawn + held event + respond ALLOW from the event
 *     callback) against the kernel floor: a trivial responder (blocking
 *     RECV + SEND CONTINUE, sync wake-up) on the same filter.
 *  2. Notifications per second, both ways.
 *  3. Cost of the filter for syscalls it does not hold (getppid loop), with
 *     the default held set, against no filter.
 * The binary is also its own target: bench-seccomp --target MODE N FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "bench.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif

#define N_CALLS 20000
#define N_LOOP 2000000
#define REPS 5

/* ---- the target side ---------------------------------------------------- */

static int target(const char *mode, long n, const char *file)
{
	FILE *f = fopen(file, "w");

	if (!f)
		return 1;
	if (strcmp(mode, "notify") == 0) {
		double *lat = malloc((size_t)n * sizeof(*lat));

		for (long i = 0; i < n; i++) {
			uint64_t a = bench_now_ns();

			personality(0xffffffff);
			lat[i] = (double)(bench_now_ns() - a);
		}
		fwrite(lat, sizeof(*lat), (size_t)n, f);
		free(lat);
	} else {
		uint64_t a = bench_now_ns();

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		fprintf(f, "%.4f\n", (double)(bench_now_ns() - a) / (double)n);
	}
	fclose(f);
	return 0;
}

static double *read_lat(const char *file, long n)
{
	double *lat = malloc((size_t)n * sizeof(*lat));
	FILE *f = fopen(file, "r");

	if (!f || fread(lat, sizeof(*lat), (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "bench: no latencies from the target\n");
		exit(1);
	}
	fclose(f);
	return lat;
}

static double pct(double *v, long n, double p)
{
	bench_median(v, (int)n); /* sorts */
	return v[(long)((double)(n - 1) * p)];
}

/* ---- the kernel floor: a trivial responder -------------------------------- */

static double floor_run(const char *self, const char *file, double *p50, double *p99)
{
	int sv[2], fd = -1;
	pid_t pid;
	uint64_t t0, t1;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	double *lat;

	socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
	pid = fork();
	if (pid == 0) {
		scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
		char nbuf[32];
		char *argv[] = { (char *)self, "--target", "notify", nbuf, (char *)file, NULL };
		char c = 'F';
		struct iovec iov = { &c, 1 };
		union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				    .msg_controllen = sizeof(u.b) };
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);

		seccomp_rule_add(f, SCMP_ACT_NOTIFY, SCMP_SYS(personality), 0);
		if (seccomp_load(f) < 0)
			_exit(2);
		fd = seccomp_notify_fd(f);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &fd, sizeof(int));
		sendmsg(sv[1], &m, 0);
		close(fd);
		snprintf(nbuf, sizeof(nbuf), "%d", N_CALLS);
		execv(self, argv);
		_exit(127);
	}
	close(sv[1]);
	{
		char c;
		struct iovec iov = { &c, 1 };
		union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				    .msg_controllen = sizeof(u.b) };

		if (recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC) != 1) {
			fprintf(stderr, "bench: floor child failed\n");
			exit(1);
		}
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	}
	close(sv[0]);
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, 1UL); /* sync wake-up, like the sensor */
	/* raw ioctls: libseccomp's notify calls refuse to run in a process that never probed the API */
	req = calloc(1, 4096);
	resp = calloc(1, 4096);
	t0 = bench_now_ns();
	for (long i = 0; i < N_CALLS; i++) {
		memset(req, 0, sizeof(*req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || errno == ENOENT) {
				i--;
				continue;
			}
			fprintf(stderr, "bench: RECV: %s\n", strerror(errno));
			kill(pid, SIGKILL);
			break;
		}
		memset(resp, 0, sizeof(*resp));
		resp->id = req->id;
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
	}
	t1 = bench_now_ns();
	waitpid(pid, NULL, 0);
	free(req);
	free(resp);
	close(fd);
	lat = read_lat(file, N_CALLS);
	*p50 = pct(lat, N_CALLS, 0.5);
	*p99 = pct(lat, N_CALLS, 0.99);
	free(lat);
	return (double)N_CALLS / ((double)(t1 - t0) / 1e9);
}

/* ---- through libsensor ---------------------------------------------------- */

static void allow_cb(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	(void)ctx;
	(void)ud;
	if (sensor_event_is_pending(ev))
		sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, NULL);
}

static pid_t spawn_under_sensor(sensor_ctx **rctx, const char *const *held, const char *const *argv)
{
	struct sensor_seccomp_opts o = { .sz = sizeof(o), .syscalls = held };
	sensor_source *src;
	pid_t pid;

	if (sensor_ctx_new(NULL, rctx) < 0 ||
	    sensor_source_add(*rctx, SENSOR_SOURCE_SECCOMP, &o, &src) < 0 ||
	    sensor_seccomp_spawn(src, argv, 0, &pid) < 0) {
		fprintf(stderr, "bench: cannot start the seccomp source\n");
		exit(1);
	}
	sensor_ctx_set_event_cb(*rctx, allow_cb, NULL);
	return pid;
}

static void serve(sensor_ctx *ctx, pid_t pid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		struct pollfd p[2] = { { sensor_ctx_get_fd(ctx), POLLIN, 0 }, { pidfd, POLLIN, 0 } };

		poll(p, 2, -1);
		sensor_ctx_process(ctx, 0);
		if (p[1].revents & POLLIN)
			break;
	}
	close(pidfd);
	waitpid(pid, NULL, 0);
}

static double sensor_run(const char *self, const char *file, double *p50, double *p99)
{
	static const char *const held[] = { "personality", NULL };
	char nbuf[32];
	const char *argv[] = { self, "--target", "notify", nbuf, file, NULL };
	sensor_ctx *ctx;
	uint64_t t0, t1;
	double *lat;
	pid_t pid;

	snprintf(nbuf, sizeof(nbuf), "%d", N_CALLS);
	t0 = bench_now_ns();
	pid = spawn_under_sensor(&ctx, held, argv);
	serve(ctx, pid);
	t1 = bench_now_ns();
	sensor_ctx_free(ctx);
	lat = read_lat(file, N_CALLS);
	*p50 = pct(lat, N_CALLS, 0.5);
	*p99 = pct(lat, N_CALLS, 0.99);
	free(lat);
	return (double)N_CALLS / ((double)(t1 - t0) / 1e9);
}

/* ---- unlisted syscalls ---------------------------------------------------- */

static double read_ns(const char *file)
{
	FILE *f = fopen(file, "r");
	double v = 0;
	char line[64];

	if (f && fgets(line, sizeof(line), f))
		v = strtod(line, NULL);
	if (f)
		fclose(f);
	return v;
}

static double loop_plain(const char *self, const char *file)
{
	char nbuf[32];
	char *argv[] = { (char *)self, "--target", "loop", nbuf, (char *)file, NULL };
	pid_t pid;

	snprintf(nbuf, sizeof(nbuf), "%d", N_LOOP);
	pid = fork();
	if (pid == 0) {
		execv(self, argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return read_ns(file);
}

static double loop_filtered(const char *self, const char *file)
{
	char nbuf[32];
	const char *argv[] = { self, "--target", "loop", nbuf, file, NULL };
	sensor_ctx *ctx;
	pid_t pid;

	snprintf(nbuf, sizeof(nbuf), "%d", N_LOOP);
	pid = spawn_under_sensor(&ctx, NULL, argv); /* the default held set */
	serve(ctx, pid);
	sensor_ctx_free(ctx);
	return read_ns(file);
}

int main(int argc, char **argv)
{
	char file[] = "/tmp/bench-seccomp-XXXXXX", self[4096];
	double f50[REPS], f99[REPS], frate[REPS], s50[REPS], s99[REPS], srate[REPS];
	double plain[REPS], filt[REPS];
	ssize_t n;
	int fd;

	if (argc == 5 && strcmp(argv[1], "--target") == 0)
		return target(argv[2], atol(argv[3]), argv[4]);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	fd = mkstemp(file);
	if (fd < 0)
		return 1;
	close(fd);
	bench_print_machine("seccomp user notification");
	printf("# %d held personality() calls per run, %d runs; getppid loop of %d\n", N_CALLS,
	       REPS, N_LOOP);
	for (int r = 0; r < REPS; r++) {
		frate[r] = floor_run(self, file, &f50[r], &f99[r]);
		srate[r] = sensor_run(self, file, &s50[r], &s99[r]);
		plain[r] = loop_plain(self, file);
		filt[r] = loop_filtered(self, file);
	}
	unlink(file);
	{
		double mf50 = bench_median(f50, REPS), mf99 = bench_median(f99, REPS);
		double ms50 = bench_median(s50, REPS), ms99 = bench_median(s99, REPS);
		double mp = bench_median(plain, REPS), mfl = bench_median(filt, REPS);

		bench_result("seccomp.floor.roundtrip.p50", mf50, "ns");
		bench_result("seccomp.floor.roundtrip.p99", mf99, "ns");
		bench_result("seccomp.sensor.roundtrip.p50", ms50, "ns");
		bench_result("seccomp.sensor.roundtrip.p99", ms99, "ns");
		bench_result("seccomp.sensor_vs_floor.p50", ms50 / mf50, "x");
		bench_result("seccomp.sensor_vs_floor.p99", ms99 / mf99, "x");
		bench_result("seccomp.floor.rate", bench_median(frate, REPS), "notifications/s");
		bench_result("seccomp.sensor.rate", bench_median(srate, REPS), "notifications/s");
		bench_result("seccomp.unlisted.nofilter", mp, "ns/syscall");
		bench_result("seccomp.unlisted.filter", mfl, "ns/syscall");
		bench_result("seccomp.unlisted.overhead", (mfl - mp) / mp * 100.0, "%");
	}
	return 0;
}
