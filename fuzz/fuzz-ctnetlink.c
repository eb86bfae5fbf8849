/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the ctnetlink decoder and the conntrack dispatcher: any datagram,
 * never a crash or a read past len. Seeds: messages recorded from the
 * kernel (fuzz/seeds/ctnetlink/) and the AOSP vectors
 * (tests/data/aosp_networkstack-conntrack/derived/, by path).
 */
#include <libmnl/libmnl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "sources/conntrack/conntrack-source.h"
#include "sources/conntrack/ctnetlink-decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sensor_ctx *ctx;
	static struct sensor_source *src;
	const struct nlmsghdr *nlh;
	size_t rem = size;
	void *buf;

	if (!ctx && (sensor_ctx_new(NULL, &ctx) < 0 || conntrack_offline_source(ctx, &src) < 0))
		abort();
	/* netlink messages are 4-byte aligned: decode from an aligned copy */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	for (nlh = buf; nfnl_msg_ok(nlh, rem); nlh = nfnl_msg_next(nlh, &rem)) {
		struct ct_flow f;

		if (ctnl_decode(nlh, rem, &f) == 0)
			(void)ctnl_flow_complete(&f);
	}
	conntrack_dispatch(src, buf, size);
	free(buf);
	return 0;
}
