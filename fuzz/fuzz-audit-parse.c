/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the audit record parser, the value decoders and the saved-state
 * file parser: any text, never a read past len.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sources/audit/audit-parse.h"
#include "sources/audit/audit-saved.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct audit_field f[AUDIT_REC_MAX_FIELDS];
	struct audit_record r = { .f = f, .fcap = AUDIT_REC_MAX_FIELDS };
	const char *text = (const char *)data;
	char out[256];

	{
		struct audit_saved sv;

		if (audit_saved_parse(text, size, &sv) == 0 && sv.enabled > 1)
			abort();
	}
	/* each line is one record, as in a log file */
	for (size_t i = 0; i < size;) {
		const char *nl = memchr(text + i, '\n', size - i);
		size_t e = nl ? (size_t)(nl - text) : size;

		if (audit_parse_record(text + i, e - i, 0, &r) == 0) {
			const char *t = text + i;

			for (uint32_t j = 0; j < r.nfields; j++) {
				audit_value_decode(&r.f[j], t, r.type, out, sizeof(out));
				if (r.f[j].klen == 5 && memcmp(t + r.f[j].k, "saddr", 5) == 0) {
					struct audit_sockaddr sa;

					audit_sockaddr_decode(t + r.f[j].v, r.f[j].vlen, &sa);
				}
			}
		}
		/* the same bytes as a netlink payload */
		audit_parse_record(text + i, e - i, 1300, &r);
		i = e + 1;
	}
	return 0;
}
