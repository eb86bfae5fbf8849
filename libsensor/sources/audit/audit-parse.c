/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audit record text parser. Every step checks the remaining length; no
 * NUL terminator is needed and nothing is copied: fields are offsets into
 * the caller's buffer.
 */
#include <errno.h>
#include <libaudit.h>
#include <string.h>
#include <sys/socket.h>
/* AUDIT_PARSE_SCALAR: byte at a time only (a test compares both builds of this file). */
#if defined(__SSE2__) && !defined(AUDIT_PARSE_SCALAR)
#define AUDIT_PARSE_SSE2 1
#include <emmintrin.h>
#endif
#include <arpa/inet.h>
#include <linux/netlink.h>

#include "audit-parse.h"
#include "util/parse.h"
#include "util/inet.h"

#define ENRICH_SEP '\x1d'

/*
 * The parser's small caches are per thread. initial-exec: a load off the
 * thread pointer, where the default model for a shared library calls
 * __tls_get_addr on every access (measured: 1 % of a replay).
 */
#define PARSER_TLS _Thread_local __attribute__((tls_model("initial-exec")))

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Index of the first byte of b[i..end) that is one of c0..c3 (repeat one to
 * look for fewer), or end. Keys and values are short but many: sixteen
 * bytes a step where the CPU has SSE2 (every x86-64), one byte otherwise.
 */
static inline __attribute__((always_inline)) size_t scan_any(const char *b, size_t i, size_t end, char c0, char c1, char c2, char c3)
{
#ifdef AUDIT_PARSE_SSE2
	const __m128i v0 = _mm_set1_epi8(c0), v1 = _mm_set1_epi8(c1), v2 = _mm_set1_epi8(c2),
		      v3 = _mm_set1_epi8(c3);

	for (; i + 16 <= end; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, v0), _mm_cmpeq_epi8(x, v1)),
					 _mm_or_si128(_mm_cmpeq_epi8(x, v2), _mm_cmpeq_epi8(x, v3)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);

		if (bits)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	for (; i < end; i++)
		if (b[i] == c0 || b[i] == c1 || b[i] == c2 || b[i] == c3)
			break;
	return i;
}

/* Decimal without overflow checks when it cannot overflow (<= 19 digits), checked otherwise. */
static int dec_u64(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 19)
		return n ? parse_u64(s, n, 10, ret) : -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(uint8_t)s[i] - '0';

		if (d > 9)
			return -EINVAL;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

static bool has_prefix(const char *b, size_t n, const char *p)
{
	size_t pl = strlen(p);

	return n >= pl && memcmp(b, p, pl) == 0;
}

/* Record type name -> number, with a small 4-way cache: logs repeat a few dozen names. */
static uint32_t type_from_name(const char *s, size_t n)
{
	static PARSER_TLS struct {
		char name[31];
		uint8_t len;
		uint32_t type;
	} cache[64];
	char tmp[64];
	uint64_t v;
	uint32_t h = 2166136261u;
	unsigned slot;
	int t;

	if (n > 9 && memcmp(s, "UNKNOWN[", 8) == 0 && s[n - 1] == ']')
		return parse_u64(s + 8, n - 9, 10, &v) == 0 && v <= UINT32_MAX ? (uint32_t)v : 0;
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	/* four ways: two of the everyday names (EXECVE, CWD) share a slot */
	for (unsigned w = 0; w < 4; w++) {
		slot = (h + w) % 64;
		if (cache[slot].len == n && memcmp(cache[slot].name, s, n) == 0)
			return cache[slot].type;
	}
	slot = h % 64;
	for (unsigned w = 0; w < 4; w++)
		if (!cache[(h + w) % 64].len) {
			slot = (h + w) % 64;
			break;
		}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	t = audit_name_to_msg_type(tmp);
	if (t < 0)
		t = 0;
	if (n < sizeof(cache[0].name)) {
		memcpy(cache[slot].name, s, n);
		cache[slot].len = (uint8_t)n;
		cache[slot].type = (uint32_t)t;
	}
	return (uint32_t)t;
}

static void add_field(struct audit_record *r, size_t k, size_t klen, size_t v, size_t vlen,
		      uint16_t flags)
{
	struct audit_field *f;

	if (r->nfields >= r->fcap || klen > UINT16_MAX) {
		r->dropped++;
		return;
	}
	f = &r->f[r->nfields++];
	f->k = (uint32_t)k;
	f->klen = (uint16_t)klen;
	f->v = (uint32_t)v;
	f->vlen = (uint32_t)vlen;
	f->flags = flags;
}

/* Index of the first c in b[i..end), or end. */
static size_t find_char(const char *b, size_t i, size_t end, char c)
{
	const char *p = i < end ? memchr(b + i, c, end - i) : NULL;

	return p ? (size_t)(p - b) : end;
}

/* The closing ' of a '...' value: one followed by a blank, the separator or the end. */
static size_t find_squote_end(const char *b, size_t i, size_t end)
{
	size_t last = end;

	for (size_t j = i; j < end; j++) {
		if (b[j] == ENRICH_SEP)
			break;
		if (b[j] == '\'') {
			last = j;
			if (j + 1 == end || is_space(b[j + 1]) || b[j + 1] == ENRICH_SEP)
				return j;
		}
	}
	return last;
}

static void parse_fields(const char *b, size_t i, size_t end, uint16_t flags,
			 struct audit_record *r)
{
	while (i < end) {
		size_t k, eq, v, vend;

		if (is_space(b[i])) {
			i++;
			continue;
		}
		if (b[i] == ENRICH_SEP) {
			flags |= AF_ENRICHED;
			i++;
			continue;
		}
		if (b[i] == '(') {
			/* old user messages: "(hostname=?, addr=?, terminal=cron res=success)" */
			i++;
			continue;
		}
#ifdef AUDIT_PARSE_SSE2
		/*
		 * Fast path for the everyday field, "key=value" unquoted and ended
		 * by a blank within sixteen bytes ("uid=0", "arch=c000003e"): one
		 * load answers where the '=' and the blank are. Anything else (a
		 * quote, a separator, an old-format trailer, a longer field) takes
		 * the general path below, which gives the same result.
		 */
		if (i + 16 <= end && b[i] != '(') {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
			unsigned eqm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('=')));
			unsigned spm = (unsigned)_mm_movemask_epi8(
				_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')),
					     _mm_cmpeq_epi8(x, _mm_set1_epi8('\t'))));
			unsigned sepm =
				(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(ENRICH_SEP)));

			if (eqm && !sepm) {
				unsigned e = (unsigned)__builtin_ctz(eqm), after;

				after = spm & ~((2u << e) - 1); /* blanks after the '=' */
				if (e && !(spm & ((1u << e) - 1)) && after && b[i + e + 1] != '"' &&
				    b[i + e + 1] != '\'') {
					size_t ve = i + (size_t)__builtin_ctz(after);
					char last = b[ve - 1];

					if (ve == i + e + 1 || (last != ',' && last != ')' && last != '"')) {
						add_field(r, i, e, i + e + 1, ve - (i + e + 1), flags);
						i = ve + 1; /* past the blank that ended it */
						continue;
					}
				}
			}
		}
#endif
		k = i;
		i = scan_any(b, i, end, ' ', '\t', '=', ENRICH_SEP);
		if (i >= end || b[i] != '=' || i == k) {
			/* a bare word ("avc:", "denied", "{"): no field */
			while (i < end && !is_space(b[i]) && b[i] != ENRICH_SEP)
				i++;
			continue;
		}
		eq = i++;
		if (i < end && b[i] == '"') {
			v = i + 1;
			vend = find_char(b, v, end, '"');
			if (vend < end) {
				add_field(r, k, eq - k, v, vend - v, flags | AF_DQUOTED);
				i = vend + 1;
				continue;
			}
			/* unterminated: take the token raw */
			v = i;
		} else if (i < end && b[i] == '\'') {
			v = i + 1;
			vend = find_squote_end(b, v, end);
			if (eq - k == 3 && memcmp(b + k, "msg", 3) == 0 && !(flags & AF_USERMSG)) {
				parse_fields(b, v, vend, flags | AF_USERMSG, r);
			} else {
				add_field(r, k, eq - k, v, vend - v, flags | AF_SQUOTED);
			}
			i = vend < end ? vend + 1 : end;
			continue;
		} else {
			v = i;
		}
		/* a value ends at the next blank or at the 0x1D of an enriched record */
		i = scan_any(b, i, end, ' ', '\t', ENRICH_SEP, ' ');
		vend = i;
		if (vend > v && b[vend - 1] == ',')
			vend--; /* "addr=?," of the same old format */
		if (vend > v && b[vend - 1] == ')' && b[v] != '(')
			vend--;
		if (vend > v && b[vend - 1] == '"')
			vend--; /* a stray closing quote seen in real logs (key=6578...74") */
		add_field(r, k, eq - k, v, vend - v, flags);
	}
}

/* "audit(SEC.MS:SERIAL):" at b[i..end); returns the index after ':' or 0. */
static size_t parse_stamp(const char *b, size_t i, size_t end, struct audit_record *r)
{
	size_t s, dot, colon, close;
	uint64_t v;

	if (!has_prefix(b + i, end - i, "audit("))
		return 0;
	static PARSER_TLS struct {
		char text[40];
		size_t len;
		uint64_t sec;
		uint32_t msec, serial;
	} last; /* the records of one event carry the same stamp: parse it once */

	s = i + 6;
	close = find_char(b, s, end, ')');
	if (close >= end)
		return 0;
	if (last.len && close - s == last.len && memcmp(b + s, last.text, last.len) == 0) {
		r->sec = last.sec;
		r->msec = last.msec;
		r->serial = last.serial;
		goto done;
	}
	dot = find_char(b, s, close, '.');
	colon = find_char(b, s, close, ':');
	if (dot >= close || colon >= close || colon < dot)
		return 0;
	if (dec_u64(b + s, dot - s, &r->sec) < 0)
		return 0;
	if (dec_u64(b + dot + 1, colon - dot - 1, &v) < 0 || v > 999)
		return 0;
	r->msec = (uint32_t)v;
	if (dec_u64(b + colon + 1, close - colon - 1, &v) < 0 || v > UINT32_MAX)
		return 0;
	r->serial = (uint32_t)v;
	if (close - s <= sizeof(last.text)) {
		memcpy(last.text, b + s, close - s);
		last.len = close - s;
		last.sec = r->sec;
		last.msec = r->msec;
		last.serial = r->serial;
	}
done:
	/* the daemon's own records have no ':' ("audit(...) config changed, ...") */
	return close + 1 < end && b[close + 1] == ':' ? close + 2 : close + 1;
}

int audit_parse_record(const char *b, size_t len, uint32_t type_hint, struct audit_record *r)
{
	size_t i = 0, end = len, body;

	if (!b || !r)
		return -EINVAL;
	if (len > AUDIT_MAX_RECORD)
		return -E2BIG;
	while (end > 0 && (b[end - 1] == '\n' || b[end - 1] == '\0' || b[end - 1] == '\r'))
		end--;
	r->type = type_hint;
	r->type_off = 0;
	r->type_len = 0;
	r->node_off = 0;
	r->node_len = 0;
	r->nfields = 0;
	r->dropped = 0;
	if (has_prefix(b, end, "node=")) {
		size_t e = 5;

		while (e < end && !is_space(b[e]))
			e++;
		if (e - 5 > UINT16_MAX)
			return -EINVAL;
		r->node_off = 5;
		r->node_len = (uint16_t)(e - 5);
		i = e;
		while (i < end && is_space(b[i]))
			i++;
	}
	if (has_prefix(b + i, end - i, "type=")) {
		size_t t = i + 5, e = t;

		while (e < end && !is_space(b[e]))
			e++;
		if (e == t || e - t > 64)
			return -EINVAL;
		r->type_off = (uint32_t)t;
		r->type_len = (uint16_t)(e - t);
		r->type = type_from_name(b + t, e - t);
		i = e;
		while (i < end && is_space(b[i]))
			i++;
		if (!has_prefix(b + i, end - i, "msg="))
			return -EINVAL;
		i += 4;
	} else if (r->node_len) {
		return -EINVAL;
	}
	body = parse_stamp(b, i, end, r);
	if (!body)
		return -EINVAL;
	r->body_off = (uint32_t)body;
	parse_fields(b, body, end, 0, r);
	return 0;
}

static bool key_is(const struct audit_field *f, const char *text, const char *key, size_t kl)
{
	return f->klen == kl && memcmp(text + f->k, key, kl) == 0;
}

const struct audit_field *audit_field_find(const struct audit_record *r, const char *text,
					   const char *key)
{
	size_t kl = strlen(key);

	for (uint32_t i = 0; i < r->nfields; i++) {
		const struct audit_field *f = &r->f[i];

		if (f->flags & AF_ENRICHED)
			break;
		if (key_is(f, text, key, kl))
			return f;
	}
	return NULL;
}

int audit_field_u64(const struct audit_field *f, const char *text, unsigned base, uint64_t *ret)
{
	if (!f)
		return -ENOENT;
	if (base == 10)
		return dec_u64(text + f->v, f->vlen, ret);
	return parse_u64(text + f->v, f->vlen, base, ret);
}

int audit_field_i64(const struct audit_field *f, const char *text, int64_t *ret)
{
	uint64_t v;
	bool neg;

	if (!f)
		return -ENOENT;
	neg = f->vlen > 0 && text[f->v] == '-';
	if (f->vlen - neg > 18)
		return parse_i64(text + f->v, f->vlen, ret);
	if (dec_u64(text + f->v + neg, f->vlen - neg, &v) < 0)
		return -EINVAL;
	*ret = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* Keys whose values the kernel (or audit user space) hex-encodes when they hold unsafe bytes. */
static bool key_may_be_hex(const char *k, size_t n, uint32_t rtype)
{
	/* by length, then by name: one or two memcmp instead of a walk over all */
	static const char *const by_len[12] = {
		[2] = "vm sw",
		[3] = "exe cwd cmd key dir grp",
		[4] = "comm name path data acct file",
		[5] = "ocomm watch",
		[6] = "new-fs old-fs device",
		[7] = "new-net old-net",
		[8] = "root_dir old-disk new-disk",
		[9] = "proctitle new_group",
		[11] = "old-chardev new-chardev",
	};
	const char *c;

	if (n >= 2 && k[0] == 'a' && k[1] >= '0' && k[1] <= '9') {
		if (rtype != AUDIT_EXECVE)
			return false;
		/* aN and aN[i], not aN_len */
		for (size_t i = 1; i < n; i++)
			if (k[i] == '_')
				return false;
		return true;
	}
	if (n >= sizeof(by_len) / sizeof(by_len[0]) || !(c = by_len[n]))
		return false;
	for (; *c; c += n + (c[n] == ' ')) /* names of one length, blank-separated */
		if (c[0] == k[0] && memcmp(c, k, n) == 0)
			return true;
	return false;
}

/* Hex digit value + 1, 0 for any other byte: one load per digit on the decode path. */
static const uint8_t hexv1[256] = {
	['0'] = 1,  ['1'] = 2,	['2'] = 3,  ['3'] = 4,	['4'] = 5,  ['5'] = 6,	['6'] = 7,
	['7'] = 8,  ['8'] = 9,	['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14,
	['E'] = 15, ['F'] = 16, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16,
};

static bool may_be_hex(const struct audit_field *f, const char *text, uint32_t rtype)
{
	return !(f->flags & (AF_DQUOTED | AF_SQUOTED)) && f->vlen && !(f->vlen % 2) &&
	       key_may_be_hex(text + f->k, f->klen, rtype);
}

bool audit_value_is_hex(const struct audit_field *f, const char *text, uint32_t rtype)
{
	const uint8_t *v = (const uint8_t *)text + f->v;

	if (!may_be_hex(f, text, rtype))
		return false;
	for (uint32_t i = 0; i < f->vlen; i++)
		if (!hexv1[v[i]])
			return false;
	return true;
}

int audit_value_decode(const struct audit_field *f, const char *text, uint32_t rtype, char *out,
		       size_t cap)
{
	const char *v;
	size_t n;

	if (!f || !text || (!out && cap))
		return -EINVAL;
	v = text + f->v;
	if (may_be_hex(f, text, rtype)) {
		/* decode and check in one pass; a non-digit means the value was text after all */
		const uint8_t *u = (const uint8_t *)v;

		n = f->vlen / 2;
		for (size_t i = 0; i < n; i++) {
			unsigned hi = hexv1[u[2 * i]], lo = hexv1[u[2 * i + 1]];

			if (!hi || !lo)
				goto raw;
			if (i < cap)
				out[i] = (char)((hi - 1) << 4 | (lo - 1));
		}
		return (int)n;
	}
raw:
	n = f->vlen;
	if (n && cap)
		memcpy(out, v, n < cap ? n : cap);
	return (int)n;
}

int audit_sockaddr_decode(const char *hex, size_t len, struct audit_sockaddr *sa)
{
	uint8_t b[128];
	size_t n;
	int r;

	if (!hex || !sa)
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->family = -1;
	if (len > 2 * sizeof(b))
		len = 2 * sizeof(b); /* longer unix paths are cut at the sun_path size below anyway */
	len &= ~(size_t)1;
	r = parse_hex_bytes(hex, len, b, sizeof(b));
	if (r < 2)
		return -EINVAL;
	n = (size_t)r;
	sa->family = b[0] | b[1] << 8; /* host order on the (little-endian) machine that logged it */
	switch (sa->family) {
	case AF_INET:
		if (n < 8)
			return -EINVAL;
		sa->port = (uint32_t)(b[2] << 8 | b[3]);
		inet_fmt(AF_INET, b + 4, sa->addr, sizeof(sa->addr));
		return 0;
	case AF_INET6:
		if (n < 24)
			return -EINVAL;
		sa->port = (uint32_t)(b[2] << 8 | b[3]);
		inet_fmt(AF_INET6, b + 8, sa->addr, sizeof(sa->addr));
		return 0;
	case AF_UNIX: {
		size_t pl = n - 2, o = 0;

		if (pl > 108)
			pl = 108;
		if (pl > 0 && b[2] == 0) {
			/* abstract: the whole address length counts, NULs included */
			sa->addr[o++] = '@';
			for (size_t i = 1; i < pl && o + 1 < sizeof(sa->addr); i++)
				sa->addr[o++] = b[2 + i] ? (char)b[2 + i] : '@';
		} else {
			for (size_t i = 0; i < pl && b[2 + i] && o + 1 < sizeof(sa->addr); i++)
				sa->addr[o++] = (char)b[2 + i];
		}
		sa->addr[o] = '\0';
		return 0;
	}
	case AF_NETLINK:
		if (n < 12)
			return -EINVAL;
		sa->port = (uint32_t)(b[4] | b[5] << 8 | b[6] << 16 | (uint32_t)b[7] << 24);
		sa->groups = (uint32_t)(b[8] | b[9] << 8 | b[10] << 16 | (uint32_t)b[11] << 24);
		return 0;
	default:
		return 0;
	}
}

const char *audit_family_name(int family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	case AF_UNIX:
		return "unix";
	case AF_NETLINK:
		return "netlink";
	default:
		return "other";
	}
}

const char *audit_arch_name(uint32_t arch)
{
	int m = audit_elf_to_machine(arch);

	return m < 0 ? NULL : audit_machine_to_name(m);
}

const char *audit_syscall_name(uint32_t arch, int nr)
{
	static PARSER_TLS uint32_t last_arch;
	static PARSER_TLS int last_nr = -1;
	static PARSER_TLS const char *last_name;
	int m;

	if (arch == last_arch && nr == last_nr)
		return last_name;
	m = audit_elf_to_machine(arch);
	last_arch = arch;
	last_nr = nr;
	last_name = m < 0 ? NULL : audit_syscall_to_name(nr, m);
	return last_name;
}
