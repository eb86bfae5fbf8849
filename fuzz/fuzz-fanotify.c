/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the fanotify buffer decoder and event building: any bytes, never a crash or a read past len. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "sources/fanotify/fanotify-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sensor_ctx *ctx;
	static struct sensor_source *src;
	struct fan_record rec;
	size_t off = 0;
	void *buf;

	if (!ctx) {
		if (sensor_ctx_new(NULL, &ctx) < 0 || fan_offline_source(ctx, &src) < 0)
			abort();
		/* as a kernel with FAN_REPORT_TARGET_FID: the unlink-attrib peek runs too */
		((struct fan_src *)src->priv)->have_target_fid = true;
	}
	/* exactly size bytes, so ASan sees any read past the end */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	for (;;) {
		int r = fan_decode(buf, size, &off, &rec);

		if (r == 0 || r == -EBADMSG || r == -EPROTO)
			break;
	}
	fan_notify_dispatch(src, buf, size);
	free(buf);
	return 0;
}
