/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-exec-cost: the proc source's own cost per spawn (fork + exec + exit
 * of one process), from the connector datagrams to a JSON line, with the
 * machine's noise taken out (issue 17). A live child (it waits in pause())
 * is announced N times through the real dispatch (proc_connector_dispatch):
 * its fork (from this process), its exec and its exit - so every round
 * reads /proc/<child> as an exec of a new process does, enriches, and
 * serialises the exec and exit events as `rtsensor run` writes them.
 *
 * Run it under callgrind for exact, load-independent figures:
 *
 *   valgrind --tool=callgrind --collect-systime=nsec --toggle-collect=one_spawn \
 *       ./build/bench/bench-exec-cost 2000
 *   (instructions and system calls per spawn = the totals / N)
 *
 * Without valgrind it prints the median wall and CPU (this thread's user +
 * system: the /proc reads are mostly kernel time) ns per spawn over 5 runs;
 * the CPU figure holds on a loaded machine, the wall one does not.
 *
 *   bench-exec-cost [N]
 */
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "bench.h"
#include "core/context.h"
#include "sources/proc-connector.h"

struct msg {
	struct nlmsghdr nlh;
	struct cn_msg cn;
	struct proc_event pe;
} __attribute__((packed));

static char line[16384];
static size_t bytes;
static long events;

/* what `rtsensor run` does per event: one JSON line */
static void on_event(sensor_ctx *c, sensor_event *ev, void *ud)
{
	int n = sensor_event_to_json(ev, line, sizeof(line));

	(void)c;
	(void)ud;
	if (n > 0)
		bytes += (size_t)n;
	events++;
}

static void craft(struct msg *m, uint32_t what, uint32_t seq)
{
	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = sizeof(*m);
	m->nlh.nlmsg_type = NLMSG_DONE;
	m->cn.id.idx = CN_IDX_PROC;
	m->cn.id.val = CN_VAL_PROC;
	m->cn.seq = seq;
	m->cn.len = sizeof(struct proc_event);
	m->pe.what = what;
}

/* One spawn as the connector tells it: fork, exec, exit (callgrind toggles here). */
__attribute__((noinline)) void one_spawn(struct sensor_source *src, pid_t child, uint32_t *seq)
{
	struct msg m;

	craft(&m, PROC_EVENT_FORK, (*seq)++);
	m.pe.event_data.fork.parent_pid = m.pe.event_data.fork.parent_tgid = getpid();
	m.pe.event_data.fork.child_pid = m.pe.event_data.fork.child_tgid = child;
	proc_connector_dispatch(src, &m, sizeof(m));
	craft(&m, PROC_EVENT_EXEC, (*seq)++);
	m.pe.event_data.exec.process_pid = m.pe.event_data.exec.process_tgid = child;
	proc_connector_dispatch(src, &m, sizeof(m));
	craft(&m, PROC_EVENT_EXIT, (*seq)++);
	m.pe.event_data.exit.process_pid = m.pe.event_data.exit.process_tgid = child;
	m.pe.event_data.exit.parent_pid = m.pe.event_data.exit.parent_tgid = getpid();
	proc_connector_dispatch(src, &m, sizeof(m));
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	double runs[5], cpu[5];
	sensor_ctx *ctx;
	struct sensor_source *src;
	uint32_t seq = 1;
	pid_t child;

	if (n <= 0)
		n = 2000;
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	if (child < 0 || sensor_ctx_new(NULL, &ctx) < 0 || proc_connector_offline_source(ctx, &src) < 0) {
		fprintf(stderr, "bench-exec-cost: setup failed\n");
		return 1;
	}
	sensor_ctx_set_event_cb(ctx, on_event, NULL);
	bench_print_machine("bench-exec-cost");
	for (int r = 0; r < 5; r++) {
		struct timespec c0, c1;
		uint64_t t0 = bench_now_ns();

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
		for (long i = 0; i < n; i++)
			one_spawn(src, child, &seq);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
		runs[r] = (double)(bench_now_ns() - t0) / (double)n;
		cpu[r] = ((double)(c1.tv_sec - c0.tv_sec) * 1e9 + (double)(c1.tv_nsec - c0.tv_nsec)) /
			 (double)n;
	}
	printf("spawns %ld x 5, events %ld (%.1f per spawn), %.0f JSON bytes per spawn\n", n, events,
	       (double)events / (double)(5 * n), (double)bytes / (double)(5 * n));
	printf("median %.0f ns wall, %.0f ns CPU per spawn (fork + exec + exit through the proc "
	       "source, JSON)\n", bench_median(runs, 5), bench_median(cpu, 5));
	bench_result("exec_cost.ns_per_spawn", bench_median(runs, 5), "ns");
	bench_result("exec_cost.cpu_ns_per_spawn", bench_median(cpu, 5), "ns");
	sensor_ctx_free(ctx);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}
