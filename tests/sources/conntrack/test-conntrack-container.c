/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A flow opened by a process in a real runc container (busybox-static,
 * docker-shaped cgroup, its own netns) is reported by a conntrack source
 * watching that container's netns and attributed to the container.
 */
#include <libsensor/sensor.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "container.h"
#include "testlib.h"

static struct {
	bool found;
	char how[16], wl_kind[32], wl_id[80];
	int64_t netns, pid;
} flow;

static void on_ev(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	const char *op, *s;
	int64_t dport = 0;

	(void)ctx;
	(void)ud;
	if (flow.found || sensor_event_kind(ev) != SENSOR_KIND_NET)
		return;
	op = sensor_event_get_str(ev, SENSOR_FIELD_NET_OP);
	sensor_event_get_int(ev, SENSOR_FIELD_NET_DPORT, &dport);
	if (!op || strcmp(op, "flow_new") != 0 || dport != 8080)
		return;
	flow.found = true;
	sensor_event_get_int(ev, SENSOR_FIELD_NET_NETNS, &flow.netns);
	sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &flow.pid);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_NET_ATTRIBUTION)))
		snprintf(flow.how, sizeof(flow.how), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_KIND)))
		snprintf(flow.wl_kind, sizeof(flow.wl_kind), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID)))
		snprintf(flow.wl_id, sizeof(flow.wl_id), "%s", s);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A TCP socket of pid's netns listens on port (/proc/PID/net/tcp and tcp6: state 0A). */
static bool listening(pid_t pid, int port)
{
	static const char *const files[] = { "tcp", "tcp6" };
	char path[64], line[512], want[16];

	snprintf(want, sizeof(want), ":%04X", port);
	for (int i = 0; i < 2; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, files[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char local[64], st[8];

			/* "  sl  local_address rem_address   st ..." */
			if (sscanf(line, "%*s %63s %*s %7s", local, st) == 2 &&
			    strlen(local) > 5 && strcmp(local + strlen(local) - 5, want) == 0 &&
			    strcmp(st, "0A") == 0) {
				fclose(f);
				return true;
			}
		}
		fclose(f);
	}
	return false;
}

Test(conntrack_container, flow_attributed_to_runc_container, .timeout = 60)
{
	/*
	 * Server and client read the gate "hold": both keep the connection
	 * until the test saw the flow (the sensor attributes it through the
	 * socket, which must still be there), then see EOF and end. The init
	 * lives on (gate "stay", never opened) until the container is destroyed.
	 */
	const char *init[] = { "sh", "-c", "nc -l -p 8080 </hold >/dev/null; read x </stay", NULL };
	const char *client[] = { "sh", "-c", "nc 127.0.0.1 8080 </hold", NULL };
	struct sensor_ctx_opts co = { .sz = sizeof(co), .oci_state_roots = container_runc_root() };
	struct sensor_conntrack_opts o = { .sz = sizeof(o),
					   .flags = SENSOR_CONNTRACK_ENABLE_TRACKING };
	struct test_container c;
	struct stat st;
	char cmd[128], path[64], id[sizeof(c.id)];
	sensor_ctx *ctx;
	sensor_source *src;
	uint64_t end;
	pid_t runner;
	int r, hold, stay;

	REQUIRE_ROOT();
	memset(&flow, 0, sizeof(flow));
	cr_assert_eq(container_prepare(&c, CONTAINER_DOCKER, init, NULL, NULL), 0);
	hold = container_gate(&c, "hold");
	stay = container_gate(&c, "stay");
	cr_assert(hold >= 0 && stay >= 0, "gates: %d %d", hold, stay);
	if (container_start(&c) != 0) {
		container_destroy(&c);
		cr_assert_fail("runc could not start the container");
	}
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip link set lo up", (int)c.pid);
	cr_assert_eq(run_sh(cmd), 0, "lo up in the container");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)c.pid);
	cr_assert_eq(stat(path, &st), 0);

	cr_assert_eq(sensor_ctx_new(&co, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_ev, NULL);
	o.netns_pid = c.pid;
	r = sensor_source_add(ctx, SENSOR_SOURCE_CONNTRACK, &o, &src);
	if (r < 0) {
		container_destroy(&c);
		cr_assert_fail("conntrack in the container's netns: %s", strerror(-r));
	}
	/* the client connects once the server listens (at most 10 s) */
	end = now_ms() + 10000;
	while (!listening(c.pid, 8080) && now_ms() < end)
		usleep(10000); /* the poll's interval */
	cr_assert(listening(c.pid, 8080), "the container's nc never listened on 8080");
	runner = fork();
	cr_assert_geq(runner, 0);
	if (runner == 0) {
		close(hold); /* or the gate never opens */
		close(stay);
		_exit(container_exec(&c, client));
	}
	end = now_ms() + 10000;
	while (!flow.found && now_ms() < end) {
		struct pollfd p = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };

		poll(&p, 1, 100);
		sensor_ctx_process(ctx, 0);
	}
	close(hold); /* both ends (they read it since they listen/connect) see EOF: they exit */
	waitpid(runner, NULL, 0);
	sensor_ctx_free(ctx);
	memcpy(id, c.id, sizeof(id));
	container_destroy(&c);
	close(stay);
	cr_assert(flow.found, "no flow_new to 8080 from the container's netns");
	cr_assert_eq((uint64_t)flow.netns, (uint64_t)st.st_ino, "flow names the wrong netns");
	cr_assert_str_eq(flow.how, "socket");
	cr_assert_gt(flow.pid, 0);
	cr_assert_str_eq(flow.wl_kind, "container");
	cr_assert_str_eq(flow.wl_id, id, "flow attributed to '%s', not container %s", flow.wl_id, id);
}
