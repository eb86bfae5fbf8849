/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conntrack events/s under a connection storm, libsensor's conntrack source
 * side by side with `conntrack -E` (conntrack-tools) on the same storm.
 *
 * The storm: one UDP socket sends one datagram to each of N distinct
 * 127.0.0.x:port destinations (N new flows, one NEW event each; a DROP in
 * INPUT keeps ICMP errors out), in a fresh netns per repetition.
 * Two figures per consumer, both with the same 64 MiB receive buffer:
 *  - live: the consumer reads while the storm runs; events received per
 *    second from the storm's start to the last event, and losses;
 *  - drain: the consumer is paused (the sensor does not read, conntrack
 *    gets SIGSTOP) during the storm, then resumed; events per second from
 *    the resume to the last event — the consumer's own capacity.
 * Usage: bench-conntrack [FLOWS] [REPS]   (default 100000 flows, 3 reps)
 * BENCH_CT_ATTRIBUTION=1 keeps process attribution on (the source's default;
 * off here by default, as the storm's sender is one process).
 */
#include <libsensor/sensor.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "bench-net-common.h"
#include "bench.h"

#define RCVBUF (64u << 20)

struct result {
	double live_rate, drain_rate;
	uint64_t live_events, drain_events, live_lost, drain_lost;
	int ok;
};

static void storm(unsigned flows)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };

	for (unsigned i = 0; i < flows; i++) {
		a.sin_addr.s_addr = htonl(0x7f000001u + i / 50000u);
		a.sin_port = htons((uint16_t)(1024u + i % 50000u));
		sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a));
	}
	close(fd);
}

static pid_t storm_async(unsigned flows, int gate_fd)
{
	pid_t p = fork();

	if (p == 0) {
		char c;

		if (gate_fd >= 0 && read(gate_fd, &c, 1) != 1)
			_exit(1);
		storm(flows);
		_exit(0);
	}
	return p;
}

static int setup_ns(void)
{
	if (bench_netns() < 0)
		return -1;
	return bench_sh("iptables -w -I OUTPUT -m conntrack --ctstate NEW && "
			"iptables -w -I INPUT -p udp -j DROP");
}

/* ---- libsensor ------------------------------------------------------ */

static uint64_t sensor_events, last_event_ns;

static void on_ev(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	(void)ctx;
	(void)ud;
	if (sensor_event_kind(ev) == SENSOR_KIND_NET) {
		sensor_events++;
		last_event_ns = bench_now_ns();
	}
}

static int sensor_run(unsigned flows, bool drain, double *rate, uint64_t *events, uint64_t *lost)
{
	struct sensor_conntrack_opts o = {
		.sz = sizeof(o),
		.flags = SENSOR_CONNTRACK_NO_DUMP | SENSOR_CONNTRACK_NO_ATTRIBUTION,
		.events = SENSOR_CONNTRACK_EV_NEW,
		.rcvbuf = RCVBUF,
	};
	struct sensor_source_stats st = { .sz = sizeof(st) };
	sensor_ctx *ctx;
	sensor_source *src;
	uint64_t t0, deadline;
	pid_t g;
	int gate[2];

	if (getenv("BENCH_CT_ATTRIBUTION") && strcmp(getenv("BENCH_CT_ATTRIBUTION"), "1") == 0)
		o.flags &= ~(uint32_t)SENSOR_CONNTRACK_NO_ATTRIBUTION;
	if (sensor_ctx_new(NULL, &ctx) < 0 || pipe(gate) < 0)
		return -1;
	sensor_ctx_set_event_cb(ctx, on_ev, NULL);
	if (sensor_source_add(ctx, SENSOR_SOURCE_CONNTRACK, &o, &src) < 0)
		return -1;
	sensor_ctx_process(ctx, 0); /* status event */
	sensor_events = 0;
	g = storm_async(flows, gate[0]);
	t0 = bench_now_ns();
	if (write(gate[1], "g", 1) != 1)
		return -1;
	if (drain) {
		waitpid(g, NULL, 0);
		t0 = bench_now_ns(); /* the backlog is in the socket: measure draining it */
	}
	deadline = bench_now_ns() + 20000000000ull;
	while (sensor_events < flows && bench_now_ns() < deadline &&
	       !(sensor_events && bench_now_ns() - last_event_ns > 2000000000ull)) {
		struct pollfd p = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };

		poll(&p, 1, 100);
		sensor_ctx_process(ctx, 4096);
	}
	if (!drain)
		waitpid(g, NULL, 0);
	sensor_source_get_stats(src, &st);
	*events = sensor_events;
	*lost = st.lost;
	*rate = (double)sensor_events / ((double)(last_event_ns - t0) / 1e9);
	sensor_ctx_free(ctx);
	close(gate[0]);
	close(gate[1]);
	return 0;
}

/* ---- conntrack -E ------------------------------------------------------ */

static int tool_run(unsigned flows, bool drain, double *rate, uint64_t *events, uint64_t *lost)
{
	int out[2], err[2], gate[2];
	pid_t tool, g;
	uint64_t t0, deadline, last = 0, n = 0;
	int status = 0;
	char buf[1 << 16];
	bool enobufs = false;
	static char errtext[256];

	if (pipe(out) < 0 || pipe(err) < 0 || pipe(gate) < 0)
		return -1;
	tool = fork();
	if (tool == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execlp("conntrack", "conntrack", "-E", "-e", "NEW", "-b", "67108864", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	usleep(300000); /* let it subscribe */
	if (drain)
		kill(tool, SIGSTOP);
	g = storm_async(flows, gate[0]);
	t0 = bench_now_ns();
	if (write(gate[1], "g", 1) != 1)
		return -1;
	if (drain) {
		waitpid(g, NULL, 0);
		t0 = bench_now_ns();
		kill(tool, SIGCONT);
	}
	deadline = bench_now_ns() + 20000000000ull;
	while (n < flows && bench_now_ns() < deadline &&
	       !(last && bench_now_ns() - last > 2000000000ull)) {
		struct pollfd p[2] = { { .fd = out[0], .events = POLLIN },
				       { .fd = err[0], .events = POLLIN } };
		ssize_t got;

		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[1].revents & POLLIN) {
			got = read(err[0], buf, sizeof(buf) - 1);
			if (got > 0) {
				buf[got] = '\0';
				if (strstr(buf, "ENOBUFS") || strstr(buf, "No buffer space")) {
					enobufs = true;
					if (!errtext[0]) {
						size_t el = strcspn(buf, "\n");

						el = el < sizeof(errtext) - 1 ? el : sizeof(errtext) - 1;
						memcpy(errtext, buf, el);
						errtext[el] = '\0';
						fprintf(stderr, "# conntrack -E said: %s\n", errtext);
					}
				}
			}
		}
		if (p[0].revents & POLLIN) {
			got = read(out[0], buf, sizeof(buf));
			if (got <= 0)
				break;
			for (ssize_t i = 0; i < got; i++)
				n += buf[i] == '\n';
			last = bench_now_ns();
		}
	}
	if (!drain)
		waitpid(g, NULL, 0);
	if (waitpid(tool, &status, WNOHANG) == tool)
		fprintf(stderr, "# conntrack -E exited by itself during the storm (status %d)\n",
			status);
	else {
		kill(tool, SIGTERM);
		waitpid(tool, NULL, 0);
	}
	*events = n;
	*lost = n < flows ? flows - n : 0;
	if (enobufs && !*lost)
		*lost = 1;
	*rate = last > t0 ? (double)n / ((double)(last - t0) / 1e9) : 0;
	close(out[0]);
	close(err[0]);
	close(gate[0]);
	close(gate[1]);
	return 0;
}

/* One repetition of one consumer in a fresh netns (forked child), result through a pipe. */
static int rep(bool tool, unsigned flows, struct result *res)
{
	int p[2];
	pid_t c;

	if (pipe(p) < 0)
		return -1;
	c = fork();
	if (c == 0) {
		struct result r = { 0 };

		if (setup_ns() == 0) {
			r.ok = (tool ? tool_run : sensor_run)(flows, false, &r.live_rate,
							    &r.live_events, &r.live_lost) == 0;
			/* a new netns for the drain run: the first one's flows are still there */
			r.ok &= setup_ns() == 0 &&
				(tool ? tool_run : sensor_run)(flows, true, &r.drain_rate,
							      &r.drain_events, &r.drain_lost) == 0;
		}
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	if (read(p[0], res, sizeof(*res)) != sizeof(*res))
		res->ok = 0;
	waitpid(c, NULL, 0);
	close(p[0]);
	close(p[1]);
	return res->ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned flows = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 100000;
	int reps = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	double live[2][16], drain[2][16];
	uint64_t lost[2] = { 0, 0 }, got[2] = { 0, 0 };
	const char *name[2] = { "libsensor", "conntrack -E" };

	if (reps < 1 || reps > 16 || flows == 0) {
		fprintf(stderr, "usage: bench-conntrack [FLOWS] [REPS<=16]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bench-conntrack: needs root (netns, iptables)\n");
		return 77;
	}
	bench_print_machine("conntrack events/s under a UDP flow storm, libsensor vs conntrack -E");
	printf("# %u new flows per run, %d repetitions, 64 MiB receive buffers, fresh netns per run\n",
	       flows, reps);
	for (int r = 0; r < reps; r++) {
		for (int t = 0; t < 2; t++) {
			struct result res = { 0 };

			if (rep(t == 1, flows, &res) < 0) {
				fprintf(stderr, "bench-conntrack: %s run failed\n", name[t]);
				return 1;
			}
			live[t][r] = res.live_rate;
			drain[t][r] = res.drain_rate;
			lost[t] += res.live_lost + res.drain_lost;
			got[t] += res.live_events + res.drain_events;
			printf("# rep %d %-13s live %9.0f ev/s (%llu ev, %llu lost)  drain %9.0f ev/s "
			       "(%llu ev, %llu lost)\n",
			       r, name[t], res.live_rate, (unsigned long long)res.live_events,
			       (unsigned long long)res.live_lost, res.drain_rate,
			       (unsigned long long)res.drain_events,
			       (unsigned long long)res.drain_lost);
		}
	}
	{
		double ls = bench_median(live[0], reps), lt = bench_median(live[1], reps);
		double ds = bench_median(drain[0], reps), dt = bench_median(drain[1], reps);

		bench_result("conntrack_live_events_per_s_libsensor", ls, "ev/s");
		bench_result("conntrack_live_events_per_s_conntrack_tool", lt, "ev/s");
		bench_result("conntrack_drain_events_per_s_libsensor", ds, "ev/s");
		bench_result("conntrack_drain_events_per_s_conntrack_tool", dt, "ev/s");
		bench_result("conntrack_drain_ratio_libsensor_vs_tool", dt > 0 ? ds / dt : 0, "x");
		bench_result("conntrack_lost_libsensor", (double)lost[0], "events");
		bench_result("conntrack_lost_conntrack_tool", (double)lost[1], "events");
	}
	return 0;
}
