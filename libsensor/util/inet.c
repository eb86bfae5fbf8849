/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>

#include "inet.h"

const char *inet_fmt(int family, const void *addr, char *buf, size_t len)
{
	const uint8_t *a = addr;
	char tmp[16], *p = tmp;

	if (family != AF_INET)
		return inet_ntop(family, addr, buf, (socklen_t)len);
	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	if ((size_t)(p - tmp) > len) {
		errno = ENOSPC;
		return NULL;
	}
	for (size_t i = 0; i < (size_t)(p - tmp); i++)
		buf[i] = tmp[i];
	return buf;
}
