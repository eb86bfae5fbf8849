/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The agent's side of the OCI listenerPath protocol against a fake runtime
 * (a forked child that loads a notify filter and speaks like runc): split
 * messages, several containers at once, garbage. No privilege needed.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <libsensor/sensor.h>

#include "sc-helpers.h"
#include "testlib.h"

static struct sc_rec rec;
static char dir[64], sock[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sc-agent-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
	memset(&rec, 0, sizeof(rec));
}

static void teardown(void)
{
	unlink(sock);
	rmdir(dir);
}

/* Until the peer has read everything sent on s (SIOCOUTQ 0), at most 10 s: 0 or -1. */
static int wait_consumed(int s)
{
	for (int i = 0; i < 10000; i++) {
		int q = 0;

		if (ioctl(s, SIOCOUTQ, &q) < 0)
			return -1;
		if (q == 0)
			return 0;
		usleep(1000); /* the poll's interval, not a wait for the agent */
	}
	return -1;
}

/* The fake runtime: filter on unshare, send `msg` in `parts` pieces (fd with the first), then unshare(0). */
static pid_t fake_runtime(const char *msg, int parts)
{
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		size_t len = strlen(msg), step = (len + (size_t)parts - 1) / (size_t)parts, off = 0;
		int s, nfd;

		seccomp_rule_add(f, SCMP_ACT_NOTIFY, SCMP_SYS(unshare), 0);
		if (seccomp_load(f) < 0)
			_exit(90);
		nfd = seccomp_notify_fd(f);
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		memcpy(sa.sun_path, sock, strlen(sock) + 1);
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(91);
		while (off < len) {
			size_t n = len - off < step ? len - off : step;
			struct iovec iov = { (void *)(msg + off), n };
			union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
			struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

			if (off == 0) {
				struct cmsghdr *h;

				m.msg_control = u.b;
				m.msg_controllen = sizeof(u.b);
				h = CMSG_FIRSTHDR(&m);
				h->cmsg_level = SOL_SOCKET;
				h->cmsg_type = SCM_RIGHTS;
				h->cmsg_len = CMSG_LEN(sizeof(int));
				memcpy(CMSG_DATA(h), &nfd, sizeof(int));
			}
			if (sendmsg(s, &m, 0) != (ssize_t)n)
				_exit(92);
			off += n;
			/* the next piece only once the agent has read this one
			 * (nothing of ours left queued): each read is a part */
			if (wait_consumed(s) < 0)
				_exit(93);
		}
		close(nfd);
		/* like runc: keep the connection open while the container runs */
		_exit(unshare(0) < 0 ? errno : 0);
	}
	return pid;
}

static int count_status(const char *prefix)
{
	int n = 0;

	for (int i = 0; i < rec.nstatus; i++)
		n += strncmp(rec.status[i], prefix, strlen(prefix)) == 0;
	return n;
}

static sensor_ctx *agent(void)
{
	sensor_ctx *ctx;
	sensor_source *src;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, sc_rec_cb, &rec);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, NULL, &src), 0);
	cr_assert_eq(sensor_seccomp_add_agent(src, sock, 0), 0);
	return ctx;
}

static const char *msg_for(const char *id, char *buf, size_t cap)
{
	snprintf(buf, cap,
		 "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":1,\"metadata\":\"m\","
		 "\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"%s\",\"status\":\"creating\",\"pid\":1,"
		 "\"bundle\":\"/b\",\"annotations\":{\"a\":\"x}y\"}}}", id);
	return buf;
}

Test(seccomp_agent, split_message_is_reassembled, .init = setup, .fini = teardown)
{
	sensor_ctx *ctx = agent();
	char m[512];
	pid_t pid;
	int st;

	rec.deny_name = "unshare";
	rec.deny_err = EHOSTDOWN;
	/* 7 pieces: one of them ends in the '}' inside "x}y" */
	pid = fake_runtime(msg_for("fake-1", m, sizeof(m)), 7);
	st = sc_run_until_exit(ctx, pid, 20000);
	cr_assert(WIFEXITED(st));
	cr_assert_eq(WEXITSTATUS(st), EHOSTDOWN);
	cr_assert_eq(rec.nsyscall, 1);
	cr_assert_str_eq(rec.ev[0].workload_id, "fake-1");
	cr_assert_str_eq(rec.ev[0].workload_kind, "container");
	sensor_ctx_process(ctx, 0);
	sensor_ctx_free(ctx);
}

Test(seccomp_agent, many_containers_at_once, .init = setup, .fini = teardown)
{
	sensor_ctx *ctx = agent();
	char m[8][512], id[8][16];
	pid_t pid[8];

	for (int i = 0; i < 8; i++) {
		snprintf(id[i], sizeof(id[i]), "ct-%d", i);
		pid[i] = fake_runtime(msg_for(id[i], m[i], sizeof(m[i])), 2);
	}
	for (int i = 0; i < 8; i++) {
		int st = sc_run_until_exit(ctx, pid[i], 20000);

		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "container %d: %d", i, st);
	}
	/* serve until every container's hang-up was seen (its detach status), at most 10 s */
	for (int k = 0; k < 100 && count_status("container_detached") < 8; k++) {
		struct pollfd p = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };

		poll(&p, 1, 100);
		sensor_ctx_process(ctx, 0);
	}
	cr_assert_eq(rec.nsyscall, 8);
	for (int i = 0; i < 8; i++) {
		int seen = 0;

		for (int j = 0; j < rec.nsyscall; j++)
			seen += strcmp(rec.ev[j].workload_id, id[i]) == 0;
		cr_assert_eq(seen, 1, "%s seen %d times", id[i], seen);
	}
	cr_assert_eq(count_status("container_attached"), 8);
	cr_assert_eq(count_status("container_detached"), 8, "every container's state released");
	sensor_ctx_free(ctx);
}

Test(seccomp_agent, garbage_is_refused_and_fd_closed, .init = setup, .fini = teardown)
{
	sensor_ctx *ctx = agent();
	pid_t pid;
	int st;

	pid = fake_runtime("{\"state\":{\"id\":7}}", 1);
	st = sc_run_until_exit(ctx, pid, 20000);
	cr_assert(WIFEXITED(st));
	/* nobody serves the filter any more: the kernel fails the syscall with ENOSYS */
	cr_assert_eq(WEXITSTATUS(st), ENOSYS);
	cr_assert_eq(rec.nsyscall, 0);
	for (int i = 0; i < rec.nstatus; i++)
		cr_assert_neq(strncmp(rec.status[i], "container_attached", 18), 0);
	sensor_ctx_free(ctx);
}

Test(seccomp_agent, silent_client_is_dropped_after_timeout, .init = setup, .fini = teardown,
     .timeout = 60)
{
	sensor_ctx *ctx;
	sensor_source *src;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	int s;
	char c;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, NULL, &src), 0);
	cr_assert_eq(sensor_seccomp_add_agent(src, sock, 0), 0);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	cr_assert_eq(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(send(s, "{\"state\":", 9, 0), 9); /* and then nothing */
	/* the loop sleeps until the connection's deadline (10 s), then drops it */
	cr_assert_eq(sensor_ctx_run(ctx, 11ull * 1000000000u), 0);
	sensor_source_get_stats(src, &ss);
	cr_assert_eq(ss.errors, 1);
	cr_assert_eq(recv(s, &c, 1, MSG_DONTWAIT), 0, "connection not closed by the agent");
	close(s);
	sensor_ctx_free(ctx);
}

Test(seccomp_agent, oversized_message_is_refused, .init = setup, .fini = teardown, .timeout = 60)
{
	sensor_ctx *ctx;
	sensor_source *src;
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	pid_t pid;
	int st;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, NULL, &src), 0);
	cr_assert_eq(sensor_seccomp_add_agent(src, sock, 0), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		static char junk[65536];
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		size_t sent = 0;

		memset(junk, ' ', sizeof(junk));
		junk[0] = '{';
		memcpy(sa.sun_path, sock, strlen(sock) + 1);
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(1);
		/* 2 MiB of an object that never ends; the agent must hang up on us */
		while (sent < (2u << 20)) {
			ssize_t n = send(s, junk, sizeof(junk), MSG_NOSIGNAL);

			if (n < 0)
				_exit(errno == EPIPE || errno == ECONNRESET ? 0 : 2);
			sent += (size_t)n;
			junk[0] = ' ';
		}
		_exit(3);
	}
	st = sc_run_until_exit(ctx, pid, 30000);
	cr_assert(WIFEXITED(st));
	cr_assert_eq(WEXITSTATUS(st), 0, "the agent kept reading (%d)", WEXITSTATUS(st));
	sensor_source_get_stats(src, &ss);
	cr_assert_eq(ss.errors, 1);
	sensor_ctx_free(ctx);
}

/* sensor_seccomp_add_fd(): an embedder got a listener fd by itself (here: over a socketpair). */
Test(seccomp_agent, adopted_fd_is_served)
{
	sensor_ctx *ctx;
	sensor_source *src;
	int sv[2], nfd = -1, st;
	pid_t pid;

	memset(&rec, 0, sizeof(rec));
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
		char c = 'F';
		struct iovec iov = { &c, 1 };
		union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				    .msg_controllen = sizeof(u.b) };
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);

		seccomp_rule_add(f, SCMP_ACT_NOTIFY, SCMP_SYS(unshare), 0);
		if (seccomp_load(f) < 0)
			_exit(90);
		nfd = seccomp_notify_fd(f);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &nfd, sizeof(int));
		if (sendmsg(sv[1], &m, 0) != 1)
			_exit(91);
		close(nfd);
		_exit(unshare(0) < 0 ? errno : 0);
	}
	close(sv[1]);
	{
		char c;
		struct iovec iov = { &c, 1 };
		union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				    .msg_controllen = sizeof(u.b) };

		cr_assert_eq(recvmsg(sv[0], &m, MSG_CMSG_CLOEXEC), 1);
		memcpy(&nfd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
	}
	close(sv[0]);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, sc_rec_cb, &rec);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, NULL, &src), 0);
	cr_assert_eq(sensor_seccomp_add_fd(src, nfd, 0), 0);
	rec.deny_name = "unshare";
	rec.deny_err = EXDEV;
	st = sc_run_until_exit(ctx, pid, 20000);
	cr_assert(WIFEXITED(st));
	cr_assert_eq(WEXITSTATUS(st), EXDEV);
	cr_assert_eq(rec.nsyscall, 1);
	cr_assert_str_eq(rec.ev[0].workload_kind, "host");
	sensor_ctx_free(ctx);
}
