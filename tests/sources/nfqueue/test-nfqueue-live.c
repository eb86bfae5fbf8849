/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The NFQUEUE source against the real kernel, each test in a fresh network
 * namespace (net-sandbox.h): a deny makes a TCP connect to 127.0.0.1 fail
 * while an allow passes; an unanswered packet gets the fail-open default
 * at its deadline; SIGKILL of the sensor never black-holes traffic
 * (--queue-bypass); every rule is removed when the source goes.
 */
#include <libsensor/sensor.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../net-sandbox.h"

static atomic_int n_allow, n_deny, n_seen, bad_fields;
static int deny_port;
static bool answer = true;
static sensor_event *kept[64];
static int nkept;

static void drop_kept(void)
{
	while (nkept > 0)
		sensor_event_unref(kept[--nkept]);
}

static void on_ev(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	int64_t dport = -1, uid = -1, q = -1;
	const char *src, *proto, *op;

	(void)ctx;
	(void)ud;
	if (sensor_event_kind(ev) != SENSOR_KIND_NET)
		return;
	op = sensor_event_get_str(ev, SENSOR_FIELD_NET_OP);
	src = sensor_event_get_str(ev, SENSOR_FIELD_NET_SRC);
	proto = sensor_event_get_str(ev, SENSOR_FIELD_NET_PROTO);
	sensor_event_get_int(ev, SENSOR_FIELD_NET_DPORT, &dport);
	sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_UID, &uid);
	sensor_event_get_int(ev, SENSOR_FIELD_NET_QUEUE, &q);
	n_seen++;
	if (!op || strcmp(op, "packet") || !src || strcmp(src, "127.0.0.1") || !proto ||
	    strcmp(proto, "tcp") || uid != (int64_t)getuid() || q != 7 ||
	    sensor_event_is_pending(ev) != 1)
		bad_fields++;
	if (!answer) {
		/* keep it: an event released unanswered gets its default at once */
		if (nkept < (int)(sizeof(kept) / sizeof(kept[0])))
			kept[nkept++] = sensor_event_ref(ev);
		return;
	}
	if (dport == deny_port) {
		sensor_event_respond(ev, SENSOR_DECISION_DENY, 0, "test policy");
		n_deny++;
	} else {
		sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, NULL);
		n_allow++;
	}
}

static void *loop(void *arg)
{
	sensor_ctx_run(arg, SENSOR_TIME_INFINITY);
	return NULL;
}

static sensor_ctx *start(uint64_t timeout_ns, sensor_source **src)
{
	struct sensor_nfqueue_opts o = { .sz = sizeof(o), .queue_num = 7, .timeout_ns = timeout_ns };
	sensor_ctx *ctx;
	int r;

	n_allow = n_deny = n_seen = bad_fields = 0;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_ev, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_NFQUEUE, &o, src);
	cr_assert_eq(r, 0, "nfqueue source: %s", strerror(-r));
	return ctx;
}

static int rules_present(void)
{
	return run_sh("iptables-save | grep -q 'rtsensor-nfq-.*NFQUEUE.*queue-bypass'") == 0;
}

Test(nfqueue_live, deny_fails_allow_passes, .timeout = 30)
{
	struct sensor_source_stats st = { .sz = sizeof(st) };
	sensor_source *src;
	sensor_ctx *ctx;
	pthread_t t;
	int l1, l2, c;

	REQUIRE_ROOT();
	net_sandbox_enter();
	l1 = net_listen_tcp(6000);
	l2 = net_listen_tcp(6001);
	deny_port = 6001;
	answer = true;
	ctx = start(0, &src);
	cr_assert(rules_present(), "NFQUEUE rule not installed");
	cr_assert_eq(pthread_create(&t, NULL, loop, ctx), 0);

	c = net_connect_tcp(6000, 2000);
	cr_assert_geq(c, 0, "allowed connect failed: %s", strerror(-c));
	close(c);
	c = net_connect_tcp(6001, 1500);
	cr_assert_eq(c, -ETIMEDOUT, "denied connect did not fail (%d)", c);
	/* later packets of the allowed flow are not queued: only the first of each flow */
	c = net_connect_tcp(6000, 2000);
	cr_assert_geq(c, 0);
	cr_assert_eq(write(c, "x", 1), 1);
	close(c);

	sensor_ctx_exit(ctx, 1);
	pthread_join(t, NULL);
	cr_assert_eq(n_allow, 2, "allowed %d", (int)n_allow);
	cr_assert_geq(n_deny, 1);
	cr_assert_eq(bad_fields, 0, "packet events with wrong fields");
	sensor_source_get_stats(src, &st);
	cr_assert_eq(st.allowed, (uint64_t)n_allow);
	cr_assert_eq(st.denied, (uint64_t)n_deny);
	sensor_ctx_free(ctx);
	cr_assert_not(rules_present(), "NFQUEUE rule left behind");
	close(l1);
	close(l2);
}

Test(nfqueue_live, unanswered_gets_default_allow, .timeout = 30)
{
	struct sensor_source_stats st = { .sz = sizeof(st) };
	sensor_source *src;
	sensor_ctx *ctx;
	pthread_t t;
	uint64_t t0;
	int l, c;

	REQUIRE_ROOT();
	net_sandbox_enter();
	l = net_listen_tcp(6000);
	answer = false;
	ctx = start(200000000ull, &src);
	cr_assert_eq(pthread_create(&t, NULL, loop, ctx), 0);
	t0 = net_now_ms();
	c = net_connect_tcp(6000, 3000);
	cr_assert_geq(c, 0, "fail-open default did not let the connect through");
	cr_assert_geq(net_now_ms() - t0, 150, "the packet was not held until the deadline");
	close(c);
	sensor_ctx_exit(ctx, 1);
	pthread_join(t, NULL);
	sensor_source_get_stats(src, &st);
	cr_assert_geq(st.defaulted, 1);
	cr_assert_geq(nkept, 1);
	cr_assert_eq(sensor_event_decision(kept[0]), SENSOR_DECISION_DEFAULT);
	drop_kept();
	sensor_ctx_free(ctx);
	close(l);
}

/* The sensor is SIGKILLed while it holds a SYN: traffic goes on (queue-bypass). */
Test(nfqueue_live, sigkill_never_blackholes, .timeout = 30)
{
	int ready[2], l, c, err = 0;
	socklen_t el = sizeof(err);
	struct pollfd p;
	pid_t child;
	char b;

	REQUIRE_ROOT();
	net_sandbox_enter();
	l = net_listen_tcp(6000);
	cr_assert_eq(pipe(ready), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		struct sensor_nfqueue_opts o = { .sz = sizeof(o), .queue_num = 7,
						 .timeout_ns = 60000000000ull };
		sensor_ctx *ctx;

		answer = false; /* hold everything */
		if (sensor_ctx_new(NULL, &ctx) < 0 ||
		    sensor_source_add(ctx, SENSOR_SOURCE_NFQUEUE, &o, NULL) < 0)
			_exit(1);
		sensor_ctx_set_event_cb(ctx, on_ev, NULL);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		sensor_ctx_run(ctx, SENSOR_TIME_INFINITY);
		_exit(0);
	}
	cr_assert_eq(read(ready[0], &b, 1), 1, "sensor child failed to start");
	cr_assert(rules_present());
	/* a connect whose SYN the sensor holds */
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	{
		struct sockaddr_in a = net_lo(6000);

		cr_assert_eq(connect(c, (struct sockaddr *)&a, sizeof(a)), -1);
		cr_assert_eq(errno, EINPROGRESS);
	}
	p.fd = c;
	p.events = POLLOUT;
	cr_assert_eq(poll(&p, 1, 300), 0, "SYN was not held by the sensor");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* the rules are still there, the listener is gone: packets bypass the queue */
	cr_assert(rules_present());
	cr_assert_eq(poll(&p, 1, 4000), 1, "held connect never completed after SIGKILL");
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
	cr_assert_eq(err, 0, "held connect failed: %s", strerror(err));
	close(c);
	c = net_connect_tcp(6000, 500);
	cr_assert_geq(c, 0, "new connect black-holed after SIGKILL: %s", strerror(-c));
	close(c);
	close(l);
}

/* Per-workload queue: only the packets of processes in one cgroup (v2) are queued. */
Test(nfqueue_live, cgroup_queue_only_that_workload, .timeout = 30)
{
	struct sensor_nfqueue_opts o = { .sz = sizeof(o), .queue_num = 7 };
	const char *root = "/sys/fs/cgroup/unified";
	char cg[64], dir[160], procs[200], pidtxt[16];
	struct stat st;
	sensor_source *src;
	sensor_ctx *ctx;
	pthread_t t;
	int l1, l2, c, status, go[2], r;
	pid_t child;
	char b;

	REQUIRE_ROOT();
	if (stat(root, &st) < 0)
		root = "/sys/fs/cgroup";
	snprintf(cg, sizeof(cg), "/rtsensor-nfq-test-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s%s", root, cg);
	REQUIRE_FEATURE(mkdir(dir, 0755) == 0, "a writable cgroup v2 hierarchy");
	net_sandbox_enter();
	l1 = net_listen_tcp(6000);
	l2 = net_listen_tcp(6001);
	cr_assert_eq(pipe(go), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		if (read(go[0], &b, 1) != 1)
			_exit(2);
		c = net_connect_tcp(6001, 1500);
		_exit(c == -ETIMEDOUT ? 0 : 1);
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(pidtxt, sizeof(pidtxt), "%d", (int)child);
	{
		FILE *f = fopen(procs, "w");

		cr_assert_not_null(f);
		fputs(pidtxt, f);
		cr_assert_eq(fclose(f), 0, "cannot move the child into %s", dir);
	}
	deny_port = 6001;
	answer = true;
	n_allow = n_deny = n_seen = bad_fields = 0;
	o.cgroup = cg;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_ev, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_NFQUEUE, &o, &src);
	cr_assert_eq(r, 0, "nfqueue with cgroup: %s", strerror(-r));
	cr_assert_eq(pthread_create(&t, NULL, loop, ctx), 0);
	/* we are outside the cgroup: not queued, even to the denied port */
	c = net_connect_tcp(6001, 1000);
	cr_assert_geq(c, 0, "a process outside the workload was held");
	close(c);
	cr_assert_eq(n_seen, 0);
	cr_assert_eq(write(go[1], "g", 1), 1);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "the workload's connect to the denied port was not denied");
	cr_assert_geq(n_deny, 1);
	sensor_ctx_exit(ctx, 1);
	pthread_join(t, NULL);
	sensor_ctx_free(ctx);
	cr_assert_not(rules_present());
	rmdir(dir);
	close(l1);
	close(l2);
}

/* A queue inside a workload's netns (by pid): rules and socket live there, not here. */
Test(nfqueue_live, queue_in_workload_netns, .timeout = 30)
{
	struct sensor_nfqueue_opts o = { .sz = sizeof(o), .queue_num = 7 };
	sensor_source *src;
	sensor_ctx *ctx;
	pthread_t t;
	int ready[2], go[2], status, r;
	pid_t child;
	char b;

	REQUIRE_ROOT();
	net_sandbox_enter();
	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(go), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		struct ifreq ifr = { 0 };
		int fd, c, l1, l2;

		if (unshare(CLONE_NEWNET) < 0)
			_exit(2);
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
		ioctl(fd, SIOCGIFFLAGS, &ifr);
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
		l1 = socket(AF_INET, SOCK_STREAM, 0);
		l2 = socket(AF_INET, SOCK_STREAM, 0);
		{
			struct sockaddr_in a1 = net_lo(6000), a2 = net_lo(6001);

			if (bind(l1, (struct sockaddr *)&a1, sizeof(a1)) < 0 || listen(l1, 8) < 0 ||
			    bind(l2, (struct sockaddr *)&a2, sizeof(a2)) < 0 || listen(l2, 8) < 0)
				_exit(2);
		}
		if (write(ready[1], "r", 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(2);
		c = net_connect_tcp(6000, 2000);
		if (c < 0)
			_exit(3);
		close(c);
		c = net_connect_tcp(6001, 1500);
		_exit(c == -ETIMEDOUT ? 0 : 4);
	}
	cr_assert_eq(read(ready[0], &b, 1), 1);
	deny_port = 6001;
	answer = true;
	n_allow = n_deny = n_seen = bad_fields = 0;
	o.netns_pid = child;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_ev, NULL);
	r = sensor_source_add(ctx, SENSOR_SOURCE_NFQUEUE, &o, &src);
	cr_assert_eq(r, 0, "%s", strerror(-r));
	cr_assert_not(rules_present(), "rules went to the caller's netns");
	cr_assert_eq(pthread_create(&t, NULL, loop, ctx), 0);
	cr_assert_eq(write(go[1], "g", 1), 1);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status), "child died");
	cr_assert_eq(WEXITSTATUS(status), 0, "workload result %d (3: allow failed, 4: deny failed)",
		     WEXITSTATUS(status));
	cr_assert_eq(n_allow, 1);
	cr_assert_geq(n_deny, 1);
	sensor_ctx_exit(ctx, 1);
	pthread_join(t, NULL);
	sensor_ctx_free(ctx);
}

static atomic_int n_loss;

static void on_loss(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	if (sensor_event_kind(ev) == SENSOR_KIND_LOSS)
		n_loss++;
	on_ev(ctx, ev, ud);
}

/* An overrun of the queue socket is a loss event, and the packets pass (fail-open). */
Test(nfqueue_live, overrun_is_loss_and_fail_open, .timeout = 30)
{
	struct sensor_nfqueue_opts o = { .sz = sizeof(o), .queue_num = 7, .rcvbuf = 4096,
					 .flags = SENSOR_NFQUEUE_NO_IPV6 };
	struct sensor_source_stats st = { .sz = sizeof(st) };
	sensor_source *src;
	sensor_ctx *ctx;
	int fd, sz = 1 << 26;
	uint64_t end;

	REQUIRE_ROOT();
	net_sandbox_enter();
	cr_assert_eq(run_sh("iptables -w -I INPUT -p udp -j DROP"), 0);
	answer = true;
	deny_port = -1;
	n_loss = 0;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_loss, NULL);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_NFQUEUE, &o, &src), 0);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	for (int i = 0; i < 2000; i++) {
		struct sockaddr_in a = net_lo((uint16_t)(20000 + i));

		/* the sensor does not read meanwhile: its tiny buffer overflows */
		cr_assert_eq(sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	}
	close(fd);
	end = net_now_ms() + 3000;
	while (n_loss == 0 && net_now_ms() < end) {
		struct pollfd p = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };

		poll(&p, 1, 50);
		sensor_ctx_process(ctx, 0);
	}
	cr_assert_geq(n_loss, 1, "no loss event after an overrun");
	sensor_source_get_stats(src, &st);
	cr_assert_geq(st.lost, 1);
	cr_assert_lt(st.received, 2000, "every packet was seen: no overrun happened");
	sensor_ctx_free(ctx);
}
