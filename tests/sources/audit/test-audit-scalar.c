/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The record parser's vector paths (SSE2 field scanner and the sixteen-byte
 * fast path for "key=value") give exactly what its byte-at-a-time build
 * gives: this file compiles audit-parse.c a second time with
 * AUDIT_PARSE_SCALAR and its functions renamed, and both parse the same
 * records: the real corpora, and random records built from the shapes that
 * steer the parser (quotes, blanks, tabs, the 0x1D separator, "(", ",",
 * ")", stray quotes, empty values, fields across the sixteen-byte window).
 */
#define _XOPEN_SOURCE 700
#define AUDIT_PARSE_SCALAR 1
#define audit_parse_record scalar_parse_record
#define audit_field_find scalar_field_find
#define audit_field_u64 scalar_field_u64
#define audit_field_i64 scalar_field_i64
#define audit_value_decode scalar_value_decode
#define audit_value_is_hex scalar_value_is_hex
#define audit_sockaddr_decode scalar_sockaddr_decode
#define audit_family_name scalar_family_name
#define audit_arch_name scalar_arch_name
#define audit_syscall_name scalar_syscall_name
#include "../../../libsensor/sources/audit/audit-parse.c"
#undef audit_parse_record

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "testlib.h"

int audit_parse_record(const char *buf, size_t len, uint32_t type_hint, struct audit_record *r);

#define NF 512

static void same(const char *text, size_t len)
{
	struct audit_field fa[NF], fb[NF];
	struct audit_record a = { .f = fa, .fcap = NF }, b = { .f = fb, .fcap = NF };
	int ra = audit_parse_record(text, len, 0, &a), rb = scalar_parse_record(text, len, 0, &b);

	cr_assert_eq(ra, rb, "return %d vs %d for: %.*s", ra, rb, (int)len, text);
	if (ra < 0)
		return;
	cr_assert_eq(a.nfields, b.nfields, "%u vs %u fields for: %.*s", a.nfields, b.nfields,
		     (int)len, text);
	cr_assert_eq(a.dropped, b.dropped);
	cr_assert(a.sec == b.sec && a.msec == b.msec && a.serial == b.serial && a.type == b.type);
	for (uint32_t i = 0; i < a.nfields; i++)
		cr_assert(fa[i].k == fb[i].k && fa[i].klen == fb[i].klen && fa[i].v == fb[i].v &&
				  fa[i].vlen == fb[i].vlen && fa[i].flags == fb[i].flags,
			  "field %u differs (%.*s=%.*s vs %.*s=%.*s) in: %.*s", i, fa[i].klen,
			  text + fa[i].k, (int)fa[i].vlen, text + fa[i].v, fb[i].klen,
			  text + fb[i].k, (int)fb[i].vlen, text + fb[i].v, (int)len, text);
}

static void same_lines(const char *buf, size_t n)
{
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(buf + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - buf) : n;

		if (e - i <= AUDIT_MAX_RECORD)
			same(buf + i, e - i);
		i = e + 1;
	}
}

static int files;

static int on_file(const char *f, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n, fl = strlen(f);
	char *buf;

	(void)st;
	(void)ftw;
	if (type != FTW_F || fl < 4 || strcmp(f + fl - 4, ".log") != 0)
		return 0;
	buf = read_file(f, &n);
	if (buf) {
		same_lines(buf, n);
		free(buf);
		files++;
	}
	return 0;
}

Test(audit_scalar, corpora_parse_the_same)
{
	cr_assert_eq(nftw(corpus_path(""), on_file, 16, FTW_PHYS), 0);
	cr_assert_geq(files, 10, "only %d audit logs under %s", files, corpus_path(""));
}

static const char *const pieces[] = {
	" ", "  ", "\t", "=", "\"", "'", "(", ")", ",", "\x1d", "a", "uid", "arch", "0", "c000003e",
	"x=", "=y", "k=v", "key=\"val ue\"", "msg='op=x res=1'", "addr=?,", "res=success)",
	"key=6578\"", "name=(null)", "abcdefghijklmnop", "a0=", "proctitle=6C73", "(hostname=?",
	"e=", "ab=c", "k='", "q=\"", "=\"", "v=)", "v=,", "v=\"",
};

Test(audit_scalar, random_records_parse_the_same)
{
	unsigned seed = 7;
	char rec[600];

	for (int n = 0; n < 100000; n++) {
		size_t len = (size_t)snprintf(rec, sizeof(rec), "type=SYSCALL msg=audit(1.%03d:%d): ",
					      rand_r(&seed) % 1000, rand_r(&seed) % 5);
		int parts = rand_r(&seed) % 24;

		for (int p = 0; p < parts; p++) {
			const char *s = pieces[rand_r(&seed) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t sl = strlen(s);

			if (len + sl >= sizeof(rec))
				break;
			memcpy(rec + len, s, sl);
			len += sl;
		}
		same(rec, len);
	}
}
