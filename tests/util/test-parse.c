/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bounded number parsing: every boundary of u64 (both bases), i64 and u32, and bad text. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "util/parse.h"

static int u64(const char *s, unsigned base, uint64_t *v)
{
	return parse_u64(s, strlen(s), base, v);
}

Test(parse, u64_boundaries)
{
	uint64_t v;

	cr_assert_eq(u64("18446744073709551615", 10, &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(u64("18446744073709551616", 10, &v), -ERANGE);
	cr_assert_eq(u64("18446744073709551620", 10, &v), -ERANGE);
	cr_assert_eq(u64("99999999999999999999", 10, &v), -ERANGE);
	cr_assert_eq(u64("1844674407370955161", 10, &v), 0);
	cr_assert_eq(v, UINT64_MAX / 10);
	cr_assert_eq(u64("00000000000000000000000042", 10, &v), 0, "leading zeros are no overflow");
	cr_assert_eq(v, 42);
	cr_assert_eq(u64("ffffffffffffffff", 16, &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(u64("FFFFFFFFFFFFFFFF", 16, &v), 0);
	cr_assert_eq(u64("10000000000000000", 16, &v), -ERANGE);
	cr_assert_eq(u64("c000003e", 16, &v), 0);
	cr_assert_eq(v, 0xc000003eu);
	cr_assert_eq(u64("0", 10, &v), 0);
	cr_assert_eq(v, 0);
}

Test(parse, u64_bad_text)
{
	static const char *const bad10[] = { "", "-1", "+1", "1a", " 1", "1 ", "0x10", "1.5" };
	uint64_t v;

	for (size_t i = 0; i < sizeof(bad10) / sizeof(bad10[0]); i++)
		cr_expect_eq(u64(bad10[i], 10, &v), -EINVAL, "'%s'", bad10[i]);
	cr_expect_eq(u64("fg", 16, &v), -EINVAL);
	cr_expect_eq(u64("17", 8, &v), -EINVAL, "only bases 10 and 16");
	cr_expect_eq(parse_u64(NULL, 1, 10, &v), -EINVAL);
}

Test(parse, i64_and_u32_boundaries)
{
	int64_t i;
	uint32_t u;

	cr_assert_eq(parse_i64("9223372036854775807", 19, &i), 0);
	cr_assert_eq(i, INT64_MAX);
	cr_assert_eq(parse_i64("-9223372036854775808", 20, &i), 0);
	cr_assert_eq(i, INT64_MIN);
	cr_assert_lt(parse_i64("9223372036854775808", 19, &i), 0);
	cr_assert_lt(parse_i64("-9223372036854775809", 20, &i), 0);
	cr_assert_eq(parse_u32("4294967295", 10, &u), 0);
	cr_assert_eq(u, UINT32_MAX);
	cr_assert_lt(parse_u32("4294967296", 10, &u), 0);
}
