/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the baseline import (untrusted JSON): validate and merge into an
 * in-memory store, then diff the input with itself. Never a crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libsensor/sensor-baseline.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sensor_store *s;
	char err[256];
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	if (!s && sensor_store_open(":memory:", 0, &s) < 0)
		abort();
	memcpy(buf, data, size);
	if (sensor_store_import(s, buf, size, 0, err, sizeof(err)) >= 0)
		sensor_store_reset(s, NULL);
	sensor_baseline_diff(buf, size, buf, size, NULL, NULL, err, sizeof(err));
	free(buf);
	return 0;
}
