/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the event JSON reader (sensor_inject_from_json): any bytes, never a
 * crash, a leak or a read past len; an event it accepts renders to JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libsensor/sensor.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sensor_ctx *ctx;
	static sensor_source *src;
	sensor_event *ev;
	char err[256], out[8192];
	char *buf;

	if (!ctx && (sensor_ctx_new(NULL, &ctx) < 0 ||
		     sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src) < 0))
		abort();
	buf = malloc(size ? size : 1); /* exact size: ASan sees a read past len */
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (sensor_inject_from_json(src, buf, size, &ev, err, sizeof(err)) == 0) {
		if (sensor_event_to_json(ev, out, sizeof(out)) < 0)
			abort();
		sensor_event_unref(ev);
	}
	free(buf);
	return 0;
}
