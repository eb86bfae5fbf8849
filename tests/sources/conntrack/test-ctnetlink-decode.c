/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ctnetlink decoder against real captured messages (AOSP NetworkStack
 * vectors, expected values read from ctnetlink_vectors.json), every
 * truncation of each, the malformed stream, and the full dispatch path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "sources/conntrack/conntrack-source.h"
#include "sources/conntrack/ctnetlink-decode.h"
#include "testlib.h"

#define DIR "aosp_networkstack-conntrack/derived/"

/* aligned_alloc wants a size that is a multiple of the alignment */
static void *alloc8(size_t n)
{
	return aligned_alloc(8, (n + 7) & ~(size_t)7);
}

static json_t *vectors(void)
{
	json_error_t err;
	json_t *v = json_load_file(corpus_path(DIR "ctnetlink_vectors.json"), 0, &err);

	cr_assert_not_null(v, "cannot load vectors: %s", err.text);
	cr_assert(json_is_array(v));
	return v;
}

static json_t *vector(json_t *all, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(all, i, e)
		if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0)
			return e;
	cr_assert_fail("no vector %s", name);
	return NULL;
}

/* Load NAME.bin into a 4-byte aligned buffer and check it against the vector's hex. */
static void *load_bin(json_t *vec, const char *name, size_t *len)
{
	char rel[256];
	size_t n;
	char *raw, *buf;
	const char *hex = json_string_value(json_object_get(vec, "hex"));

	snprintf(rel, sizeof(rel), DIR "%s.bin", name);
	raw = read_file(corpus_path(rel), &n);
	cr_assert_not_null(raw, "cannot read %s", rel);
	cr_assert_eq(n, (size_t)json_integer_value(json_object_get(vec, "len")));
	cr_assert_eq(strlen(hex), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned b;
		char two[3] = { hex[2 * i], hex[2 * i + 1], 0 };

		b = (unsigned)strtoul(two, NULL, 16);
		cr_assert_eq((unsigned char)raw[i], b, "byte %zu differs from the vector hex", i);
	}
	buf = alloc8(n);
	memcpy(buf, raw, n);
	free(raw);
	*len = n;
	return buf;
}

static void check_tuple(const struct ct_tuple *t, json_t *exp)
{
	char s[INET6_ADDRSTRLEN];

	cr_assert_eq(t->family, AF_INET);
	inet_ntop(AF_INET, t->src, s, sizeof(s));
	cr_assert_str_eq(s, json_string_value(json_object_get(exp, "src")));
	inet_ntop(AF_INET, t->dst, s, sizeof(s));
	cr_assert_str_eq(s, json_string_value(json_object_get(exp, "dst")));
	cr_assert_eq(t->proto, json_integer_value(json_object_get(exp, "proto")));
	cr_assert_eq(t->sport, json_integer_value(json_object_get(exp, "sport")));
	cr_assert_eq(t->dport, json_integer_value(json_object_get(exp, "dport")));
	cr_assert(t->have & CT_T_PORTS);
}

/* "0x198 IPS_..." -> 0x198; "0x1234 (4660)" -> 0x1234 */
static unsigned long lead_hex(json_t *v)
{
	if (json_is_integer(v))
		return (unsigned long)json_integer_value(v);
	return strtoul(json_string_value(v), NULL, 16);
}

static void check_vector(const char *name)
{
	json_t *all = vectors(), *vec = vector(all, name);
	json_t *exp = json_object_get(vec, "expected_from_repo_test");
	json_t *st = json_object_get(exp, "status"), *reply = json_object_get(exp, "reply");
	size_t len;
	void *buf = load_bin(vec, name, &len);
	const struct nlmsghdr *nlh = buf;
	struct ct_flow f;

	cr_assert_eq(ctnl_decode(nlh, len, &f), 0);
	cr_assert_eq(nlh->nlmsg_len, json_integer_value(json_object_get(exp, "nlmsg_len")));
	cr_assert_eq(f.nl_flags, lead_hex(json_object_get(exp, "nlmsg_flags")));
	cr_assert_eq(f.nl_seq, json_integer_value(json_object_get(exp, "nlmsg_seq")));
	cr_assert_eq(f.nfgen_family, AF_INET);
	cr_assert_eq(f.res_id, lead_hex(json_object_get(exp, "res_id")));
	cr_assert(ctnl_flow_complete(&f));
	check_tuple(&f.orig, json_object_get(exp, "orig"));
	if (json_is_null(reply)) {
		cr_assert_not(f.have & CT_F_REPLY);
	} else {
		cr_assert(f.have & CT_F_REPLY);
		check_tuple(&f.reply, reply);
	}
	if (json_is_string(st) && strcmp(json_string_value(st), "absent") == 0) {
		cr_assert_not(f.have & CT_F_STATUS);
	} else {
		cr_assert(f.have & CT_F_STATUS);
		cr_assert_eq(f.status, lead_hex(st));
	}
	cr_assert(f.have & CT_F_TIMEOUT);
	cr_assert_eq(f.timeout, json_integer_value(json_object_get(exp, "timeout")));
	cr_assert_eq(f.unknown, 0);
	/* every strict prefix is rejected, never read past */
	for (size_t cut = 0; cut < len; cut++) {
		void *t = malloc(cut ? cut : 1);
		struct nlmsghdr *h = t;

		memcpy(t, buf, cut);
		cr_assert_lt(ctnl_decode(h, cut, &f), 0, "prefix of %zu bytes accepted", cut);
		/* and a header that claims the truncated length: attributes do not fit */
		if (cut >= sizeof(*h)) {
			h->nlmsg_len = (uint32_t)cut;
			if (cut % 4 == 0 && cut < len) {
				int r = ctnl_decode(h, cut, &f);

				cr_assert(r < 0 || !ctnl_flow_complete(&f) ||
						  !(f.have & CT_F_TIMEOUT),
					  "truncated at %zu decoded as a whole flow", cut);
			}
		}
		free(t);
	}
	free(buf);
	json_decref(all);
}

Test(ctnetlink, v4_update_tcp) { check_vector("CT_V4UPDATE_TCP"); }
Test(ctnetlink, v4_update_udp) { check_vector("CT_V4UPDATE_UDP"); }
Test(ctnetlink, v4_new_tcp_nat) { check_vector("CT_V4NEW_TCP"); }

Test(ctnetlink, op_from_type_and_flags)
{
	json_t *all = vectors();
	size_t len;
	void *buf = load_bin(vector(all, "CT_V4NEW_TCP"), "CT_V4NEW_TCP", &len);
	struct nlmsghdr *nlh = buf;
	struct ct_flow f;

	cr_assert_eq(ctnl_decode(nlh, len, &f), 0);
	cr_assert_eq(f.op, CT_OP_NEW);
	nlh->nlmsg_flags = 0;
	cr_assert_eq(ctnl_decode(nlh, len, &f), 0);
	cr_assert_eq(f.op, CT_OP_UPDATE);
	nlh->nlmsg_flags = NLM_F_MULTI;
	cr_assert_eq(ctnl_decode(nlh, len, &f), 0);
	cr_assert_eq(f.op, CT_OP_DUMP);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
	cr_assert_eq(ctnl_decode(nlh, len, &f), 0);
	cr_assert_eq(f.op, CT_OP_DESTROY);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK_EXP << 8) | IPCTNL_MSG_EXP_NEW;
	cr_assert_eq(ctnl_decode(nlh, len, &f), -ENOMSG);
	nlh->nlmsg_type = NLMSG_DONE;
	cr_assert_eq(ctnl_decode(nlh, len, &f), -ENOMSG);
	free(buf);
	json_decref(all);
}

/* Padding with 0x00 or 0xff after the message must not change what is decoded. */
Test(ctnetlink, padded_message)
{
	json_t *all = vectors();
	size_t len;
	void *buf = load_bin(vector(all, "CT_V4NEW_TCP"), "CT_V4NEW_TCP", &len);
	struct ct_flow f;

	for (int fill = 0; fill < 2; fill++) {
		char *p = alloc8(len + 64);

		memcpy(p, buf, len);
		memset(p + len, fill ? 0xff : 0x00, 64);
		cr_assert_eq(ctnl_decode((struct nlmsghdr *)p, len + 64, &f), 0);
		cr_assert_eq(f.orig.sport, 62449);
		cr_assert_eq(f.reply.dport, 62449);
		free(p);
	}
	free(buf);
	json_decref(all);
}

/* An unknown attribute (type 30) is skipped and counted, the rest still decodes. */
Test(ctnetlink, unknown_attribute_skipped)
{
	json_t *all = vectors();
	size_t len;
	void *buf = load_bin(vector(all, "CT_V4UPDATE_TCP"), "CT_V4UPDATE_TCP", &len);
	char *p = alloc8(len + 8);
	struct nlattr *a = (struct nlattr *)(p + len);
	struct ct_flow f;

	memcpy(p, buf, len);
	a->nla_len = 8;
	a->nla_type = 30;
	memset(a + 1, 0xab, 4);
	((struct nlmsghdr *)p)->nlmsg_len = (uint32_t)len + 8;
	cr_assert_eq(ctnl_decode((struct nlmsghdr *)p, len + 8, &f), 0);
	cr_assert_eq(f.unknown, 1);
	cr_assert_eq(f.orig.dport, 443);
	cr_assert_eq(f.timeout, 432000);
	free(p);
	free(buf);
	json_decref(all);
}

static struct {
	int events;
	int64_t sport, dport, rsport;
	char src[64], rdst[64], op[32], proto[16];
} seen;

static void on_ev(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	const char *s;

	(void)ctx;
	(void)ud;
	if (sensor_event_kind(ev) != SENSOR_KIND_NET)
		return;
	seen.events++;
	sensor_event_get_int(ev, SENSOR_FIELD_NET_SPORT, &seen.sport);
	sensor_event_get_int(ev, SENSOR_FIELD_NET_DPORT, &seen.dport);
	sensor_event_get_int(ev, SENSOR_FIELD_NET_REPLY_SPORT, &seen.rsport);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_NET_SRC)))
		snprintf(seen.src, sizeof(seen.src), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_NET_REPLY_DST)))
		snprintf(seen.rdst, sizeof(seen.rdst), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_NET_OP)))
		snprintf(seen.op, sizeof(seen.op), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_NET_PROTO)))
		snprintf(seen.proto, sizeof(seen.proto), "%s", s);
}

/* The same bytes through the production dispatcher become one net event with JSON fields. */
Test(ctnetlink, dispatch_emits_event)
{
	json_t *all = vectors();
	size_t len;
	void *buf = load_bin(vector(all, "CT_V4NEW_TCP"), "CT_V4NEW_TCP", &len);
	struct sensor_source_stats st = { .sz = sizeof(st) };
	sensor_ctx *ctx;
	struct sensor_source *src;

	memset(&seen, 0, sizeof(seen));
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, on_ev, NULL);
	cr_assert_eq(conntrack_offline_source(ctx, &src), 0);
	cr_assert_eq(conntrack_dispatch(src, buf, len), 1);
	cr_assert_eq(seen.events, 1);
	cr_assert_str_eq(seen.op, "flow_new");
	cr_assert_str_eq(seen.proto, "tcp");
	cr_assert_str_eq(seen.src, "192.168.80.12");
	cr_assert_str_eq(seen.rdst, "100.81.179.1");
	cr_assert_eq(seen.sport, 62449);
	cr_assert_eq(seen.dport, 443);
	cr_assert_eq(seen.rsport, 443);
	/* truncated datagrams: no event, counted as errors, no crash */
	for (size_t cut = 1; cut < len; cut++)
		cr_assert_eq(conntrack_dispatch(src, buf, cut), 0);
	sensor_source_get_stats(src, &st);
	cr_assert_gt(st.errors, 0);
	sensor_ctx_free(ctx);
	free(buf);
	json_decref(all);
}

/* Four back-to-back malformed messages: exactly four consumed, none reported as a flow. */
Test(ctnetlink, malformed_stream)
{
	json_t *all = vectors();
	json_t *vec = vector(all, "CT_MALFORMED_STREAM");
	size_t len;
	void *buf = load_bin(vec, "CT_MALFORMED_STREAM", &len);
	const struct nlmsghdr *nlh = buf;
	size_t rem = len;
	int count = 0;
	struct sensor_source_stats st = { .sz = sizeof(st) };
	sensor_ctx *ctx;
	struct sensor_source *src;

	for (; nfnl_msg_ok(nlh, rem); nlh = nfnl_msg_next(nlh, &rem)) {
		struct ct_flow f;
		int r = ctnl_decode(nlh, rem, &f);

		cr_assert(r == -EBADMSG || (r == 0 && !ctnl_flow_complete(&f)),
			  "malformed message %d decoded as a flow (r=%d)", count, r);
		count++;
	}
	cr_assert_eq(rem, 0);
	cr_assert_eq(count,
		     json_integer_value(json_object_get(json_object_get(vec, "expected_from_repo_test"),
							"messages")));
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(conntrack_offline_source(ctx, &src), 0);
	cr_assert_eq(conntrack_dispatch(src, buf, len), 0);
	sensor_source_get_stats(src, &st);
	cr_assert_eq(st.received, 4);
	cr_assert_eq(st.errors, 4);
	sensor_ctx_free(ctx);
	free(buf);
	json_decref(all);
}
