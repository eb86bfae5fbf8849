/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz the threat rules parser: any text, never a crash, a leak or a read past len. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset *rs = NULL;
	char err[128];
	/* an exact-size copy so ASan sees any read past len */
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (rules_parse(buf, size, &rs, err, sizeof(err)) == 0)
		rules_free(rs);
	free(buf);
	return 0;
}
