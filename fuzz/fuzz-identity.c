/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the identity parsers with one input: /proc/<pid>/cgroup text, then
 * /proc/<pid>/stat and /proc/<pid>/status text, then mountinfo text (the
 * overlay layers of a rootfs). None may read past len or
 * fail to terminate its output strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity/overlay-layers.h"
#include "identity/proc-cache.h"
#include "identity/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workload_desc d;
	int32_t ppid;
	uint32_t sess, a, b, c, e;
	uint64_t ticks;
	char comm[16];
	char *buf = malloc(size ? size : 1); /* exact size: ASan sees any overread */

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	workload_parse_cgroup(buf, size, &d);
	if (strnlen(d.kind, sizeof(d.kind)) == sizeof(d.kind) || strnlen(d.id, sizeof(d.id)) == sizeof(d.id))
		abort();
	proc_parse_stat(buf, size, &ppid, &sess, &ticks, comm);
	proc_parse_status(buf, size, &a, &b, &c, &e);
	{
		char layers[256];

		if (overlay_layers_parse(buf, size, "/r", layers, sizeof(layers)) >= 0 &&
		    strnlen(layers, sizeof(layers)) == sizeof(layers))
			abort();
	}
	free(buf);
	return 0;
}
