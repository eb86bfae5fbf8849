/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The conntrack source against the real kernel, each test in a fresh
 * network namespace of its own (net-sandbox.h): TCP, UDP and ICMP flows on
 * 127.0.0.1 give new/update/end events with exact tuples; existing flows
 * are dumped at start; an overrun becomes a loss event and a resync; the
 * tracking rule the source adds is gone once it is removed.
 */
#include <libsensor/sensor.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../net-sandbox.h"

#define MAXEV 4096

struct rec {
	char op[16], proto[8], src[48], dst[48], state[16], attribution[8];
	int64_t sport, dport, icmp_type, netns, flow_id, pid;
	bool have_ports;
};

static struct rec evs[MAXEV];
static int nevs, nloss, nstatus;

static void copy_str(char *dst, size_t cap, sensor_event *ev, enum sensor_field f)
{
	const char *s = sensor_event_get_str(ev, f);

	snprintf(dst, cap, "%s", s ? s : "");
}

static void on_ev(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct rec *r;

	(void)ctx;
	(void)ud;
	if (sensor_event_kind(ev) == SENSOR_KIND_LOSS)
		nloss++;
	if (sensor_event_kind(ev) == SENSOR_KIND_STATUS)
		nstatus++;
	if (sensor_event_kind(ev) != SENSOR_KIND_NET || nevs >= MAXEV)
		return;
	r = &evs[nevs++];
	memset(r, 0, sizeof(*r));
	copy_str(r->op, sizeof(r->op), ev, SENSOR_FIELD_NET_OP);
	copy_str(r->proto, sizeof(r->proto), ev, SENSOR_FIELD_NET_PROTO);
	copy_str(r->src, sizeof(r->src), ev, SENSOR_FIELD_NET_SRC);
	copy_str(r->dst, sizeof(r->dst), ev, SENSOR_FIELD_NET_DST);
	copy_str(r->state, sizeof(r->state), ev, SENSOR_FIELD_NET_STATE);
	copy_str(r->attribution, sizeof(r->attribution), ev, SENSOR_FIELD_NET_ATTRIBUTION);
	r->have_ports = sensor_event_get_int(ev, SENSOR_FIELD_NET_SPORT, &r->sport) == 0;
	sensor_event_get_int(ev, SENSOR_FIELD_NET_DPORT, &r->dport);
	r->icmp_type = -1;
	sensor_event_get_int(ev, SENSOR_FIELD_NET_ICMP_TYPE, &r->icmp_type);
	sensor_event_get_int(ev, SENSOR_FIELD_NET_NETNS, &r->netns);
	sensor_event_get_int(ev, SENSOR_FIELD_NET_FLOW_ID, &r->flow_id);
	sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &r->pid);
}

static const char *want_state; /* NULL: any */

/* Index of the first event matching, or -1. sport/dport < 0: any. */
static int find(const char *op, const char *proto, int64_t sport, int64_t dport)
{
	for (int i = 0; i < nevs; i++)
		if (strcmp(evs[i].op, op) == 0 && strcmp(evs[i].proto, proto) == 0 &&
		    (sport < 0 || evs[i].sport == sport) && (dport < 0 || evs[i].dport == dport) &&
		    (!want_state || strcmp(evs[i].state, want_state) == 0))
			return i;
	return -1;
}

static int pump_until(sensor_ctx *ctx, const char *op, const char *proto, int64_t sport,
		      int64_t dport, int ms)
{
	uint64_t end = net_now_ms() + (uint64_t)ms;
	int i;

	while ((i = find(op, proto, sport, dport)) < 0 && net_now_ms() < end) {
		struct pollfd p = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };

		poll(&p, 1, 50);
		cr_assert_geq(sensor_ctx_process(ctx, 0), 0);
	}
	return i;
}

static uint64_t my_netns(void)
{
	struct stat st;

	cr_assert_eq(stat("/proc/self/ns/net", &st), 0);
	return (uint64_t)st.st_ino;
}

static sensor_ctx *start(uint32_t flags, uint32_t rcvbuf, sensor_source **src)
{
	struct sensor_conntrack_opts o = { .sz = sizeof(o), .flags = flags, .rcvbuf = rcvbuf };
	sensor_ctx *ctx;
	int r;

	nevs = nloss = nstatus = 0;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_ev, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_CONNTRACK, &o, src);
	cr_assert_eq(r, 0, "conntrack source: %s", strerror(-r));
	return ctx;
}

static void check_flow(int i, const char *proto, int64_t sport, int64_t dport)
{
	cr_assert_geq(i, 0);
	cr_assert_str_eq(evs[i].proto, proto);
	cr_assert_str_eq(evs[i].src, "127.0.0.1");
	cr_assert_str_eq(evs[i].dst, "127.0.0.1");
	if (sport >= 0) {
		cr_assert_eq(evs[i].sport, sport);
		cr_assert_eq(evs[i].dport, dport);
	}
	cr_assert_eq((uint64_t)evs[i].netns, my_netns(), "flow does not name its netns");
}

static void delete_flow(const char *args)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "conntrack -D %s >/dev/null 2>&1", args);
	cr_assert_eq(run_sh(cmd), 0, "%s failed", cmd);
}

Test(conntrack_live, tcp_new_update_end, .timeout = 30)
{
	sensor_source *src;
	sensor_ctx *ctx;
	int ls, c, s, i, j, k;
	uint16_t cport;
	char buf[4], args[128];

	REQUIRE_ROOT();
	net_sandbox_enter();
	ctx = start(SENSOR_CONNTRACK_ENABLE_TRACKING, 0, &src);
	cr_assert_eq(run_sh("iptables-save | grep -q rtsensor-ct-"), 0, "no tracking rule added");
	ls = net_listen_tcp(5555);
	c = net_connect_tcp(5555, 2000);
	cr_assert_geq(c, 0, "connect: %s", strerror(-c));
	cport = net_local_port(c);
	s = accept(ls, NULL, NULL);
	cr_assert_eq(write(c, "ping", 4), 4);
	cr_assert_eq(read(s, buf, 4), 4);

	i = pump_until(ctx, "flow_new", "tcp", cport, 5555, 3000);
	check_flow(i, "tcp", cport, 5555);
	cr_assert_str_eq(evs[i].attribution, "socket");
	cr_assert_eq(evs[i].pid, getpid(), "flow attributed to %lld", (long long)evs[i].pid);
	want_state = "ESTABLISHED";
	j = pump_until(ctx, "flow_update", "tcp", cport, 5555, 3000);
	want_state = NULL;
	check_flow(j, "tcp", cport, 5555);
	cr_assert_str_eq(evs[j].state, "ESTABLISHED");
	cr_assert_eq(evs[j].flow_id, evs[i].flow_id);
	close(c);
	close(s);
	close(ls);
	snprintf(args, sizeof(args), "-p tcp --orig-port-src %u --orig-port-dst 5555", cport);
	delete_flow(args);
	k = pump_until(ctx, "flow_end", "tcp", cport, 5555, 3000);
	check_flow(k, "tcp", cport, 5555);
	cr_assert_eq(evs[k].flow_id, evs[i].flow_id);
	cr_assert_eq(evs[k].pid, getpid(), "the end of a flow keeps its process");
	sensor_ctx_free(ctx);
	cr_assert_neq(run_sh("iptables-save | grep -q rtsensor-ct-"), 0, "tracking rule left behind");
}

Test(conntrack_live, udp_new_update_end, .timeout = 30)
{
	struct sockaddr_in srv = net_lo(5556), from;
	socklen_t fl = sizeof(from);
	sensor_source *src;
	sensor_ctx *ctx;
	int sfd, cfd, i, j, k;
	uint16_t cport;
	char buf[8], args[128];

	REQUIRE_ROOT();
	net_sandbox_enter();
	ctx = start(SENSOR_CONNTRACK_ENABLE_TRACKING, 0, &src);
	sfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(sfd, (struct sockaddr *)&srv, sizeof(srv)), 0);
	cr_assert_eq(sendto(cfd, "q", 1, 0, (struct sockaddr *)&srv, sizeof(srv)), 1);
	cport = net_local_port(cfd);
	cr_assert_eq(recvfrom(sfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 1);
	cr_assert_eq(sendto(sfd, "a", 1, 0, (struct sockaddr *)&from, fl), 1);
	cr_assert_eq(recv(cfd, buf, sizeof(buf), 0), 1);

	i = pump_until(ctx, "flow_new", "udp", cport, 5556, 3000);
	check_flow(i, "udp", cport, 5556);
	cr_assert_eq(evs[i].pid, getpid());
	j = pump_until(ctx, "flow_update", "udp", cport, 5556, 3000);
	check_flow(j, "udp", cport, 5556);
	snprintf(args, sizeof(args), "-p udp --orig-port-src %u --orig-port-dst 5556", cport);
	delete_flow(args);
	k = pump_until(ctx, "flow_end", "udp", cport, 5556, 3000);
	check_flow(k, "udp", cport, 5556);
	cr_assert_eq(evs[k].flow_id, evs[i].flow_id);
	close(sfd);
	close(cfd);
	sensor_ctx_free(ctx);
}

Test(conntrack_live, icmp_new_update_end, .timeout = 30)
{
	sensor_source *src;
	sensor_ctx *ctx;
	int i, j, k, r;

	REQUIRE_ROOT();
	net_sandbox_enter();
	ctx = start(SENSOR_CONNTRACK_ENABLE_TRACKING, 0, &src);
	r = net_ping_lo(0x4242, 2000);
	cr_assert_eq(r, 0, "ping: %s", strerror(-r));
	i = pump_until(ctx, "flow_new", "icmp", -1, -1, 3000);
	check_flow(i, "icmp", -1, -1);
	cr_assert_eq(evs[i].icmp_type, 8);
	cr_assert_not(evs[i].have_ports);
	cr_assert_str_eq(evs[i].attribution, "none", "ICMP has no socket to attribute by");
	j = pump_until(ctx, "flow_update", "icmp", -1, -1, 3000);
	check_flow(j, "icmp", -1, -1);
	delete_flow("-p icmp");
	k = pump_until(ctx, "flow_end", "icmp", -1, -1, 3000);
	check_flow(k, "icmp", -1, -1);
	cr_assert_eq(evs[k].flow_id, evs[i].flow_id);
	sensor_ctx_free(ctx);
}

/* A flow that exists before the source starts is reported by the start-up dump. */
Test(conntrack_live, dump_at_start, .timeout = 30)
{
	struct sockaddr_in srv = net_lo(5557);
	sensor_source *src;
	sensor_ctx *ctx;
	int cfd, i;
	uint16_t cport;

	REQUIRE_ROOT();
	net_sandbox_enter();
	cr_assert_eq(run_sh("iptables -w -I OUTPUT -m conntrack --ctstate NEW"), 0);
	cfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(sendto(cfd, "q", 1, 0, (struct sockaddr *)&srv, sizeof(srv)), 1);
	cport = net_local_port(cfd);
	ctx = start(0, 0, &src);
	i = pump_until(ctx, "flow_existing", "udp", cport, 5557, 3000);
	check_flow(i, "udp", cport, 5557);
	cr_assert_eq(find("flow_new", "udp", cport, 5557), -1);
	close(cfd);
	sensor_ctx_free(ctx);
}

/* A burst into a tiny receive buffer: a loss event, then a resync dump. */
Test(conntrack_live, overrun_is_loss_and_resync, .timeout = 60)
{
	struct sensor_source_stats st = { .sz = sizeof(st) };
	sensor_source *src;
	sensor_ctx *ctx;
	int i;

	REQUIRE_ROOT();
	net_sandbox_enter();
	ctx = start(SENSOR_CONNTRACK_ENABLE_TRACKING | SENSOR_CONNTRACK_NO_ATTRIBUTION, 4096, &src);
	for (int n = 0; n < 3000; n++) {
		struct sockaddr_in dst = net_lo((uint16_t)(20000 + n));
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		sendto(fd, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst));
		close(fd);
	}
	i = pump_until(ctx, "flow_existing", "udp", -1, -1, 5000);
	cr_assert_geq(nloss, 1, "no loss event after an overrun");
	cr_assert_geq(i, 0, "no resync dump after the loss");
	sensor_source_get_stats(src, &st);
	cr_assert_geq(st.lost, 1);
	sensor_ctx_free(ctx);
}

/* A workload's netns, watched from outside it: the socket is opened inside /proc/<pid>/ns/net. */
Test(conntrack_live, other_netns_by_pid, .timeout = 30)
{
	int pfd[2], gfd[2];
	pid_t child;
	char c;
	struct stat st;
	char path[64];
	struct sensor_conntrack_opts o = { .sz = sizeof(o) };
	sensor_ctx *ctx;
	sensor_source *src;
	int i, r;

	REQUIRE_ROOT();
	net_sandbox_enter(); /* our own sandbox; the child gets a second one */
	cr_assert_eq(pipe(pfd), 0);
	cr_assert_eq(pipe(gfd), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		struct ifreq ifr = { 0 };
		int fd;

		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
		ioctl(fd, SIOCGIFFLAGS, &ifr);
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
		if (write(pfd[1], "r", 1) != 1)
			_exit(1);
		/* wait for the go, then make a flow */
		if (read(gfd[0], &c, 1) != 1)
			_exit(1);
		if (net_ping_lo(7, 2000) < 0)
			_exit(2);
		pause();
		_exit(0);
	}
	cr_assert_eq(read(pfd[0], &c, 1), 1);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_neq((uint64_t)st.st_ino, my_netns());
	o.netns_pid = child;
	o.flags = SENSOR_CONNTRACK_ENABLE_TRACKING;
	nevs = 0;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_ev, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_CONNTRACK, &o, &src);
	cr_assert_eq(r, 0, "%s", strerror(-r));
	cr_assert_eq(write(gfd[1], "g", 1), 1);
	i = pump_until(ctx, "flow_new", "icmp", -1, -1, 3000);
	cr_assert_geq(i, 0, "no flow from the other netns");
	cr_assert_eq((uint64_t)evs[i].netns, (uint64_t)st.st_ino);
	sensor_ctx_free(ctx);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

/* IPv6: exact tuple on ::1, with the tracking rule added for ip6tables too. */
Test(conntrack_live, udp6_flow, .timeout = 30)
{
	struct sockaddr_in6 srv = { .sin6_family = AF_INET6, .sin6_port = htons(5558),
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in6 me;
	socklen_t ml = sizeof(me);
	sensor_source *src;
	sensor_ctx *ctx;
	int cfd, i;

	REQUIRE_ROOT();
	net_sandbox_enter();
	ctx = start(SENSOR_CONNTRACK_ENABLE_TRACKING, 0, &src);
	cr_assert_eq(run_sh("ip6tables-save | grep -q rtsensor-ct-"), 0, "no IPv6 tracking rule");
	cfd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(sendto(cfd, "q", 1, 0, (struct sockaddr *)&srv, sizeof(srv)), 1);
	getsockname(cfd, (struct sockaddr *)&me, &ml);
	i = pump_until(ctx, "flow_new", "udp", ntohs(me.sin6_port), 5558, 3000);
	cr_assert_geq(i, 0);
	cr_assert_str_eq(evs[i].src, "::1");
	cr_assert_str_eq(evs[i].dst, "::1");
	cr_assert_eq(evs[i].pid, getpid());
	close(cfd);
	sensor_ctx_free(ctx);
	cr_assert_neq(run_sh("ip6tables-save | grep -q rtsensor-ct-"), 0, "IPv6 rule left behind");
}

/* Only the subscribed groups arrive: DESTROY alone gives no new/update events. */
Test(conntrack_live, event_mask, .timeout = 30)
{
	struct sensor_conntrack_opts o = { .sz = sizeof(o),
					   .flags = SENSOR_CONNTRACK_ENABLE_TRACKING,
					   .events = SENSOR_CONNTRACK_EV_DESTROY };
	struct sockaddr_in srv = net_lo(5559);
	sensor_source *src;
	sensor_ctx *ctx;
	int cfd, i;
	uint16_t cport;
	char args[128];

	REQUIRE_ROOT();
	net_sandbox_enter();
	nevs = 0;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_ev, NULL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_CONNTRACK, &o, &src), 0);
	cfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(sendto(cfd, "q", 1, 0, (struct sockaddr *)&srv, sizeof(srv)), 1);
	cport = net_local_port(cfd);
	snprintf(args, sizeof(args), "-p udp --orig-port-src %u --orig-port-dst 5559", cport);
	/* the entry is there once conntrack -D finds it: retry, at most 3 s */
	{
		char cmd[256];
		int tries = 0;

		snprintf(cmd, sizeof(cmd), "conntrack -D %s >/dev/null 2>&1", args);
		while (run_sh(cmd) != 0 && ++tries < 300)
			usleep(10000);
		cr_assert_lt(tries, 300, "%s never found the flow", cmd);
	}
	i = pump_until(ctx, "flow_end", "udp", cport, 5559, 3000);
	check_flow(i, "udp", cport, 5559);
	cr_assert_eq(find("flow_new", "udp", cport, 5559), -1);
	cr_assert_eq(find("flow_update", "udp", cport, 5559), -1);
	close(cfd);
	sensor_ctx_free(ctx);
}
