/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* inet_fmt writes what inet_ntop writes, for every IPv4 octet value in each position. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "util/inet.h"

Test(inet_fmt, ipv4_agrees_with_inet_ntop)
{
	char want[INET_ADDRSTRLEN], got[INET_ADDRSTRLEN];

	for (unsigned pos = 0; pos < 4; pos++) {
		for (unsigned v = 0; v < 256; v++) {
			uint8_t a[4] = { 10, 200, 7, 99 };

			a[pos] = (uint8_t)v;
			cr_assert_not_null(inet_ntop(AF_INET, a, want, sizeof(want)));
			cr_assert_eq(inet_fmt(AF_INET, a, got, sizeof(got)), got);
			cr_assert_str_eq(got, want);
		}
	}
}

Test(inet_fmt, short_buffer_and_ipv6)
{
	static const uint8_t a[4] = { 255, 255, 255, 255 }, lo6[16] = { [15] = 1 };
	char buf[INET6_ADDRSTRLEN];

	errno = 0;
	cr_assert_null(inet_fmt(AF_INET, a, buf, 15));
	cr_assert_eq(errno, ENOSPC);
	cr_assert_not_null(inet_fmt(AF_INET, a, buf, 16));
	cr_assert_str_eq(buf, "255.255.255.255");
	cr_assert_not_null(inet_fmt(AF_INET6, lo6, buf, sizeof(buf)));
	cr_assert_str_eq(buf, "::1");
}
