/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network sandbox of the privileged conntrack/NFQUEUE tests (architecture §11):
 * a fresh network namespace with only `lo`, and small loopback clients and
 * servers. Criterion runs each test in its own forked worker, so
 * net_sandbox_enter() (unshare(CLONE_NEWNET)) never touches the host's
 * namespace; the namespace dies with the worker, rules and all.
 */
#ifndef SENSOR_TESTS_NET_SANDBOX_H
#define SENSOR_TESTS_NET_SANDBOX_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static inline void net_sandbox_enter(void)
{
	struct ifreq ifr = { 0 };
	int fd;

	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	cr_assert_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0, "lo up: %s", strerror(errno));
	close(fd);
}

static inline struct sockaddr_in net_lo(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static inline uint16_t net_local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &l);
	return ntohs(a.sin_port);
}

static inline int net_listen_tcp(uint16_t port)
{
	struct sockaddr_in a = net_lo(port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "bind: %s", strerror(errno));
	cr_assert_eq(listen(fd, 128), 0);
	return fd;
}

/*
 * Connect to 127.0.0.1:port within timeout_ms. Returns the connected fd, or
 * -errno (-ETIMEDOUT when nothing answered).
 */
static inline int net_connect_tcp(uint16_t port, int timeout_ms)
{
	struct sockaddr_in a = net_lo(port);
	struct pollfd p;
	int err = 0, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	socklen_t l = sizeof(err);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return -err;
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, timeout_ms) <= 0) {
		close(fd);
		return -ETIMEDOUT;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
	if (err) {
		close(fd);
		return -err;
	}
	fcntl(fd, F_SETFL, 0);
	return fd;
}

/* Send one ICMP echo request to 127.0.0.1 on a raw socket and wait for the reply. */
static inline int net_ping_lo(uint16_t id, int timeout_ms)
{
	struct sockaddr_in a = net_lo(0);
	unsigned char pkt[16] = { ICMP_ECHO, 0, 0, 0 }, buf[256];
	uint32_t sum = 0;
	struct pollfd p;
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);

	if (fd < 0)
		return -errno;
	pkt[4] = (unsigned char)(id >> 8);
	pkt[5] = (unsigned char)id;
	pkt[7] = 1;
	for (size_t i = 0; i < sizeof(pkt); i += 2)
		sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	pkt[2] = (unsigned char)(sum >> 8);
	pkt[3] = (unsigned char)sum;
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	p.fd = fd;
	p.events = POLLIN;
	for (;;) {
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0) {
			close(fd);
			return -ETIMEDOUT;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		/* the raw socket also sees our own request: wait for the reply */
		if (n >= 28 && buf[20] == ICMP_ECHOREPLY)
			break;
	}
	close(fd);
	return 0;
}

static inline uint64_t net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#endif
