/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the process connector decoder: any datagram, never a crash or a read past len. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "sources/proc-connector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sensor_ctx *ctx;
	static struct sensor_source *src;
	/* netlink messages are 4-byte aligned: decode from an aligned copy */
	void *buf;

	if (!ctx && (sensor_ctx_new(NULL, &ctx) < 0 || proc_connector_offline_source(ctx, &src) < 0))
		abort();
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	proc_connector_dispatch(src, buf, size);
	free(buf);
	return 0;
}
