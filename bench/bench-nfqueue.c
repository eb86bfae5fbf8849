/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NFQUEUE verdicts/s, batched (NFQNL_MSG_VERDICT_BATCH for runs of equal
 * contiguous verdicts) vs one verdict message per packet, and the latency
 * the sensor adds to a new TCP connection on loopback.
 *
 * Verdicts: a storm of N new UDP flows (one datagram each to distinct
 * 127.0.0.x:port, INPUT DROP so no ICMP errors) whose first packets are
 * queued (ctstate NEW, OUTPUT) to a libsensor NFQUEUE source whose callback
 * allows each at once; rate = verdicts / (storm start -> last verdict).
 * Latency: median and p99 of connect()+accept on 127.0.0.1 without any
 * rule, then with the sensor holding each SYN until the callback allows it
 * (sensor loop on its own thread). Every run in a fresh netns.
 * Usage: bench-nfqueue [FLOWS] [REPS]   (default 50000 flows, 3 reps)
 */
#include <libsensor/sensor.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "bench-net-common.h"
#include "bench.h"

#define QUEUE 77
#define CONNECTS 2000

static uint64_t verdicts, last_ns;

static void on_ev(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	(void)ctx;
	(void)ud;
	if (sensor_event_kind(ev) == SENSOR_KIND_NET && sensor_event_is_pending(ev) == 1) {
		sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, NULL);
		verdicts++;
		last_ns = bench_now_ns();
	}
}

static void storm(unsigned flows)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), sz = 1 << 30;
	struct sockaddr_in a = { .sin_family = AF_INET };

	/* queued packets stay charged to this socket until their verdict */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	for (unsigned i = 0; i < flows; i++) {
		a.sin_addr.s_addr = htonl(0x7f000001u + i / 50000u);
		a.sin_port = htons((uint16_t)(1024u + i % 50000u));
		sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a));
	}
	close(fd);
}

static sensor_ctx *start(uint32_t flags, uint32_t maxlen, sensor_source **src)
{
	struct sensor_nfqueue_opts o = { .sz = sizeof(o), .flags = flags | SENSOR_NFQUEUE_NO_IPV6,
					 .queue_num = QUEUE, .queue_maxlen = maxlen,
					 .timeout_ns = 30000000000ull, .rcvbuf = 512u << 20 };
	sensor_ctx *ctx;

	if (sensor_ctx_new(NULL, &ctx) < 0)
		return NULL;
	sensor_ctx_set_event_cb(ctx, on_ev, NULL);
	if (sensor_source_add(ctx, SENSOR_SOURCE_NFQUEUE, &o, src) < 0) {
		sensor_ctx_free(ctx);
		return NULL;
	}
	sensor_ctx_process(ctx, 0);
	return ctx;
}

/*
 * In a fresh netns: verdicts/s for one mode. drain: the storm is queued
 * completely before the sensor reads (its own cost, not the generator's).
 */
static double verdict_rate(unsigned flows, bool per_packet, bool drain, uint64_t *seen)
{
	sensor_source *src;
	sensor_ctx *ctx;
	uint64_t t0, deadline;
	pid_t g;
	int gate[2];
	char c;

	if (bench_netns() < 0 || bench_sh("iptables -w -I INPUT -p udp -j DROP") < 0)
		return -1;
	ctx = start(per_packet ? SENSOR_NFQUEUE_PER_PACKET : 0, flows + 1024, &src);
	if (!ctx || pipe(gate) < 0)
		return -1;
	verdicts = 0;
	g = fork();
	if (g == 0) {
		if (read(gate[0], &c, 1) != 1)
			_exit(1);
		storm(flows);
		_exit(0);
	}
	t0 = bench_now_ns();
	if (write(gate[1], "g", 1) != 1)
		return -1;
	if (drain) {
		waitpid(g, NULL, 0);
		t0 = bench_now_ns();
	}
	deadline = t0 + 30000000000ull;
	while (verdicts < flows && bench_now_ns() < deadline &&
	       !(verdicts && bench_now_ns() - last_ns > 2000000000ull)) {
		struct pollfd p = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };

		poll(&p, 1, 100);
		sensor_ctx_process(ctx, 4096);
	}
	if (!drain)
		waitpid(g, NULL, 0);
	*seen = verdicts;
	sensor_ctx_free(ctx);
	close(gate[0]);
	close(gate[1]);
	return verdicts ? (double)verdicts / ((double)(last_ns - t0) / 1e9) : 0;
}

static void *loop(void *arg)
{
	sensor_ctx_run(arg, SENSOR_TIME_INFINITY);
	return NULL;
}

/* Median and p99 connect+accept time in µs over CONNECTS connections. */
static int connect_latency(double *median, double *p99)
{
	static double v[CONNECTS];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7000) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(0x7f000001u);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1024) < 0)
		return -1;
	for (int i = 0; i < CONNECTS; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s;
		struct linger lg = { 1, 0 };
		uint64_t t = bench_now_ns();

		if (connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
			return -1;
		s = accept(l, NULL, NULL);
		v[i] = (double)(bench_now_ns() - t) / 1e3;
		/* RST: no TIME_WAIT, so ports and conntrack entries do not pile up */
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c);
		close(s);
	}
	close(l);
	qsort(v, CONNECTS, sizeof(v[0]), bench_cmp_double);
	*median = v[CONNECTS / 2];
	*p99 = v[CONNECTS * 99 / 100];
	return 0;
}

static int latency(bool with_sensor, double *median, double *p99)
{
	sensor_source *src;
	sensor_ctx *ctx = NULL;
	pthread_t t;
	int r;

	if (bench_netns() < 0)
		return -1;
	if (with_sensor) {
		ctx = start(0, 1024, &src);
		if (!ctx || pthread_create(&t, NULL, loop, ctx) != 0)
			return -1;
	} else if (bench_sh("iptables -w -I OUTPUT -m conntrack --ctstate NEW") < 0) {
		return -1; /* same conntrack cost, no queue */
	}
	r = connect_latency(median, p99);
	if (ctx) {
		sensor_ctx_exit(ctx, 1);
		pthread_join(t, NULL);
		sensor_ctx_free(ctx);
	}
	return r;
}

#define NM 6 /* measurements per repetition */
static const char *const mname[NM] = { "batched live", "per-packet live", "batched drain",
				       "per-packet drain", "connect without", "connect with" };

/* One measurement in a child of its own (so in a netns of its own): v[0], v[1]. */
static int measure(int m, unsigned flows, double v[2])
{
	int q[2];
	pid_t k;

	if (pipe(q) < 0)
		return -1;
	k = fork();
	if (k == 0) {
		double x[2] = { -1, -1 };
		uint64_t seen = 0;

		if (m < 4) {
			x[0] = verdict_rate(flows, m % 2 == 1, m >= 2, &seen);
			x[1] = (double)seen;
		} else if (latency(m == 5, &x[0], &x[1]) < 0) {
			x[0] = -1;
		}
		if (write(q[1], x, sizeof(x)) != sizeof(x))
			_exit(1);
		_exit(0);
	}
	if (read(q[0], v, 2 * sizeof(double)) != 2 * sizeof(double))
		v[0] = -1;
	waitpid(k, NULL, 0);
	close(q[0]);
	close(q[1]);
	return v[0] < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned flows = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 50000;
	int reps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	double a[NM][16], b[NM][16];

	if (reps < 1 || reps > 16 || flows == 0) {
		fprintf(stderr, "usage: bench-nfqueue [FLOWS] [REPS<=16]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench-nfqueue: needs root (netns, iptables)\n");
		return 77;
	}
	bench_print_machine("NFQUEUE verdicts/s batched vs per-packet, latency added to a connect");
	printf("# %u queued first packets per run, %d repetitions, %d connects for latency\n",
	       flows, reps, CONNECTS);
	for (int r = 0; r < reps; r++) {
		for (int m = 0; m < NM; m++) {
			double v[2];

			if (measure(m, flows, v) < 0) {
				fprintf(stderr, "bench-nfqueue: %s failed\n", mname[m]);
				return 1;
			}
			a[m][r] = v[0];
			b[m][r] = v[1];
			if (m < 4)
				printf("# rep %d %-17s %9.0f verdicts/s (%.0f packets seen)\n", r,
				       mname[m], v[0], v[1]);
			else
				printf("# rep %d %-17s median %.1f us, p99 %.1f us\n", r, mname[m],
				       v[0], v[1]);
		}
	}
	{
		double med[NM], p99[2];

		for (int m = 0; m < NM; m++)
			med[m] = bench_median(a[m], reps);
		p99[0] = bench_median(b[4], reps);
		p99[1] = bench_median(b[5], reps);
		bench_result("nfqueue_verdicts_per_s_batched_live", med[0], "v/s");
		bench_result("nfqueue_verdicts_per_s_per_packet_live", med[1], "v/s");
		bench_result("nfqueue_batched_vs_per_packet_live", med[1] > 0 ? med[0] / med[1] : 0, "x");
		bench_result("nfqueue_verdicts_per_s_batched_drain", med[2], "v/s");
		bench_result("nfqueue_verdicts_per_s_per_packet_drain", med[3], "v/s");
		bench_result("nfqueue_batched_vs_per_packet_drain", med[3] > 0 ? med[2] / med[3] : 0,
			     "x");
		bench_result("nfqueue_connect_median_without_us", med[4], "us");
		bench_result("nfqueue_connect_median_with_sensor_us", med[5], "us");
		bench_result("nfqueue_connect_latency_added_us", med[5] - med[4], "us");
		bench_result("nfqueue_connect_p99_without_us", p99[0], "us");
		bench_result("nfqueue_connect_p99_with_sensor_us", p99[1], "us");
	}
	return 0;
}
