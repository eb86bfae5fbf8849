/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the seccomp agent's container state parser: any bytes, never a crash or a broken result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sources/seccomp/oci-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_state st;

	if (oci_state_parse((const char *)data, size, &st) == 0) {
		/* what the agent relies on */
		if (!st.id || !*st.id || !st.annotations || st.nfds > OCI_MAX_FDS ||
		    (st.seccomp_fd_index >= 0 && (unsigned)st.seccomp_fd_index >= st.nfds) ||
		    strlen(st.id) > OCI_ID_MAX)
			abort();
	} else if (st.id || st.annotations) {
		abort(); /* left cleared on failure */
	}
	oci_state_clear(&st);
	return 0;
}
