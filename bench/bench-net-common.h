/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the network benchmarks: every repetition runs in a fresh
 * network namespace (loopback only) created by a forked child, so the
 * host's tables and rules are never touched.
 */
#ifndef SENSOR_BENCH_NET_COMMON_H
#define SENSOR_BENCH_NET_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Enter a new netns with lo up. 0 or -errno. */
static inline int bench_netns(void)
{
	struct ifreq ifr = { 0 };
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return -errno;
	close(fd);
	return 0;
}

static inline int bench_sh(const char *cmd)
{
	int r = system(cmd);

	return r == 0 ? 0 : -1;
}

#endif
