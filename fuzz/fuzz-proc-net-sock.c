/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the /proc/net/{tcp,udp}[6] line parser used for flow attribution. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sources/conntrack/conntrack-attrib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_sock s;
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size); /* exact-size copy: a read past size is caught by ASan */
	ct_sock_parse_line(buf, size, AF_INET, IPPROTO_TCP, &s);
	ct_sock_parse_line(buf, size, AF_INET6, IPPROTO_UDP, &s);
	free(buf);
	return 0;
}
