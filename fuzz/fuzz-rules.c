/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the threat rules parser: any text, never a crash, a leak or a read
 * past len. A form feed splits the input into two files, the second layered
 * on the first (rules_load's redefinitions, append=true, enabled=); without
 * one the text is layered on itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset *rs = NULL, *again = NULL;
	char err[128];
	/* an exact-size copy so ASan sees any read past len */
	char *buf = malloc(size ? size : 1);
	const char *ff;
	size_t first = size;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	ff = size ? memchr(buf, '\f', size) : NULL;
	if (ff)
		first = (size_t)(ff - buf);
	if (rules_parse(buf, first, &rs, err, sizeof(err)) == 0) {
		const char *b2 = ff ? ff + 1 : buf;
		size_t n2 = ff ? size - first - 1 : size;

		if (rules_parse_scoped(b2, n2, rs, rs, &again, err, sizeof(err)) == 0)
			rules_free(again);
		rules_free(rs);
	}
	free(buf);
	return 0;
}
