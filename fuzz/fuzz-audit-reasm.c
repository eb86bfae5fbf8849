/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz reassembly + normalisation through the offline audit source: any log text. */
#include <stdint.h>
#include <stdlib.h>

#include <libsensor/sensor.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sensor_ctx *ctx;
	struct sensor_audit_opts o = { .sz = sizeof(o), .flags = SENSOR_AUDIT_OFFLINE,
				       .timeout_ns = 1000000000u };
	sensor_source *src;
	char buf[1];

	if (!ctx && sensor_ctx_new(NULL, &ctx) < 0)
		abort();
	if (sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src) < 0)
		abort();
	/* in two pieces, so a line cut between feeds is exercised */
	sensor_audit_feed(src, (const char *)data, size / 2, 0);
	sensor_audit_feed(src, size ? (const char *)data + size / 2 : buf, size - size / 2,
			  SENSOR_AUDIT_FEED_END);
	sensor_source_remove(src);
	return 0;
}
