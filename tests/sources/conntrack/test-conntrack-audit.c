/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Conntrack flows attributed through the audit source (root, real kernel).
 * The traffic runs in a network namespace of the test's own (architecture §11);
 * the sensor stays in the initial one, where audit lives, and watches the
 * workload's netns by pid. A short-lived process connects (refused: no
 * listener) and exits at once: whichever of the flow's start and the audit
 * record the sensor reads first, the flow's end (conntrack closes a refused
 * flow after nf_conntrack_tcp_timeout_close, 10 s) carries the process's
 * pid, found from its audit connect record.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "testlib.h"

#define PORT 7711

static sensor_event *evs[4096];
static int nev;

static void collect(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)c;
	(void)ud;
	if (nev < 4096 && sensor_event_kind(ev) == SENSOR_KIND_NET)
		evs[nev++] = sensor_event_ref(ev);
}

static void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
}

Test(conntrack_audit, short_lived_connect_is_attributed_by_audit, .timeout = 90)
{
	struct sensor_conntrack_opts co = { .sz = sizeof(co),
					    .flags = SENSOR_CONNTRACK_ENABLE_TRACKING };
	int ready[2], go[2], got[2], r;
	pid_t child, client = 0;
	sensor_ctx *ctx;
	char c;
	int found = -1;

	REQUIRE_ROOT();
	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(go), 0);
	cr_assert_eq(pipe(got), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		pid_t k;

		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		lo_up();
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		k = fork();
		if (k == 0) { /* the short-lived client: connect, close, gone */
			int s = socket(AF_INET, SOCK_STREAM, 0);

			_exit(connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ? 0 : 4); /* refused */
		}
		if (write(got[1], &k, sizeof(k)) != sizeof(k))
			_exit(5);
		waitpid(k, NULL, 0);
		pause();
		_exit(0);
	}
	cr_assert_eq(read(ready[0], &c, 1), 1);
	co.netns_pid = child;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, collect, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, NULL, NULL);
	cr_assert_eq(r, 0, "audit: %s", strerror(-r));
	r = sensor_source_add(ctx, SENSOR_SOURCE_CONNTRACK, &co, NULL);
	cr_assert_eq(r, 0, "conntrack: %s", strerror(-r));
	cr_assert_eq(write(go[1], "g", 1), 1);
	cr_assert_eq(read(got[0], &client, sizeof(client)), sizeof(client));
	for (int t = 0; t < 400 && found < 0; t++) { /* up to 20 s */
		sensor_ctx_run(ctx, 50000000u);
		for (int i = 0; i < nev && found < 0; i++) {
			int64_t dport = 0, pid = 0;
			const char *how = sensor_event_get_str(evs[i], SENSOR_FIELD_NET_ATTRIBUTION);

			if (sensor_event_source(evs[i]) != SENSOR_SOURCE_CONNTRACK || !how)
				continue;
			sensor_event_get_int(evs[i], SENSOR_FIELD_NET_DPORT, &dport);
			sensor_event_get_int(evs[i], SENSOR_FIELD_PROCESS_PID, &pid);
			if (dport == PORT && strcmp(how, "audit") == 0 && pid == client)
				found = i;
		}
	}
	if (found < 0) {
		for (int i = 0; i < nev; i++) {
			char j[2048];

			sensor_event_to_json(evs[i], j, sizeof(j));
			fprintf(stderr, "%s\n", j);
		}
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	for (int i = 0; i < nev; i++)
		sensor_event_unref(evs[i]);
	sensor_ctx_free(ctx); /* removes the audit rules and the tracking rule */
	cr_assert_geq(found, 0, "a flow to port %d attributed to pid %d by audit", PORT, (int)client);
}
