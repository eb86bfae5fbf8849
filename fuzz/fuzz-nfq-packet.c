/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the NFQUEUE packet decoder and dispatcher (held events, default
 * verdicts) with any datagram. Seeds: packets recorded from the kernel.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "sources/nfqueue/nfq-packet.h"
#include "sources/nfqueue/nfq-source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sensor_ctx *ctx;
	static struct sensor_source *src;
	struct nfq_pkt p;
	void *buf;

	if (!ctx && (sensor_ctx_new(NULL, &ctx) < 0 || nfqueue_offline_source(ctx, &src) < 0))
		abort();
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	nfqueue_dispatch(src, buf, size); /* events released unanswered: default verdict */
	nfq_l3_decode(buf, size, &p);      /* the raw bytes as an IP packet too */
	free(buf);
	return 0;
}
