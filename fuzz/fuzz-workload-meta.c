/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the runtime state parser (runc/crun state.json: image, kubernetes
 * names, rootfs from the container's annotations): any bytes, never a crash,
 * every output NUL-terminated within its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity/workload-meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workload_meta m;
	char *buf = malloc(size ? size : 1); /* exact size: ASan sees any overread */

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(&m, 0, sizeof(m));
	workload_meta_parse_state(buf, size, &m);
	if (strnlen(m.image, sizeof(m.image)) == sizeof(m.image) ||
	    strnlen(m.pod_name, sizeof(m.pod_name)) == sizeof(m.pod_name) ||
	    strnlen(m.namespace_, sizeof(m.namespace_)) == sizeof(m.namespace_) ||
	    strnlen(m.container_name, sizeof(m.container_name)) == sizeof(m.container_name) ||
	    strnlen(m.rootfs, sizeof(m.rootfs)) == sizeof(m.rootfs) ||
	    (m.rootfs[0] && m.rootfs[0] != '/'))
		abort();
	free(buf);
	return 0;
}
