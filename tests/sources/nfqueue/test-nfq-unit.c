/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NFQUEUE without privilege: the packet decoder on packets recorded from
 * the kernel (fuzz/seeds/nfq-packet: TCP, UDP over IPv4 and IPv6, ICMP),
 * every truncation of them, and the verdict batcher, whose messages are
 * captured on a socketpair; the netlink walk and protocol names it shares
 * with conntrack (sources/netfilter/nf-netlink.h), present without conntrack.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sources/nfqueue/nfq-packet.h"
#include "sources/nfqueue/nfq-verdict.h"
#include "sources/netfilter/nf-netlink.h"
#include "testlib.h"

static void *load_seed(const char *name, size_t *len)
{
	char path[512];
	const char *root = getenv("SENSOR_SOURCE_ROOT");
	char *raw, *buf;

	snprintf(path, sizeof(path), "%s/fuzz/seeds/nfq-packet/%s", root ? root : ".", name);
	raw = read_file(path, len);
	cr_assert_not_null(raw, "cannot read %s", path);
	buf = aligned_alloc(8, (*len + 7) & ~(size_t)7);
	memcpy(buf, raw, *len);
	free(raw);
	return buf;
}

static void check_pkt(const char *name, int family, int proto, const char *dst, int dport,
		      int icmp_type)
{
	size_t len;
	void *buf = load_seed(name, &len);
	struct nfq_pkt p;
	char a[INET6_ADDRSTRLEN];

	cr_assert_eq(nfq_packet_decode(buf, len, &p), 0, "%s", name);
	cr_assert_neq(p.id, 0);
	cr_assert_eq(p.queue, 3);
	cr_assert(p.have & NFQ_P_L3);
	cr_assert_eq(p.family, family);
	cr_assert_eq(p.proto, proto);
	inet_ntop(family, p.dst, a, sizeof(a));
	cr_assert_str_eq(a, dst);
	cr_assert(p.have & NFQ_P_UID, "locally generated packet without uid");
	cr_assert_eq(p.uid, 0);
	cr_assert_eq(p.gid, 0);
	if (dport >= 0) {
		cr_assert(p.have & NFQ_P_PORTS);
		cr_assert_eq(p.dport, dport);
	} else {
		cr_assert(p.have & NFQ_P_ICMP);
		cr_assert_eq(p.icmp_type, icmp_type);
	}
	for (size_t cut = 0; cut < len; cut++) {
		void *t = malloc(cut ? cut : 1);
		struct nlmsghdr *h = t;

		memcpy(t, buf, cut);
		cr_assert_lt(nfq_packet_decode(h, cut, &p), 0, "prefix %zu accepted", cut);
		if (cut >= sizeof(*h)) {
			h->nlmsg_len = (uint32_t)cut; /* a header that claims the short length */
			(void)nfq_packet_decode(h, cut, &p);
		}
		free(t);
	}
	free(buf);
}

Test(nfq_packet, tcp4) { check_pkt("pkt-00.bin", AF_INET, IPPROTO_TCP, "127.0.0.1", 8080, 0); }
Test(nfq_packet, udp4) { check_pkt("pkt-01.bin", AF_INET, IPPROTO_UDP, "127.0.0.1", 53, 0); }
Test(nfq_packet, tcp6) { check_pkt("pkt-02.bin", AF_INET6, IPPROTO_TCP, "::1", 8443, 0); }
Test(nfq_packet, udp6) { check_pkt("pkt-03.bin", AF_INET6, IPPROTO_UDP, "::1", 5353, 0); }
Test(nfq_packet, icmp) { check_pkt("pkt-04.bin", AF_INET, IPPROTO_ICMP, "127.0.0.1", -1, 8); }

Test(nfq_packet, ip_headers_bounded)
{
	uint8_t v4[28] = { 0x45, 0, 0, 28, 0, 0, 0x20, 0x01, 64, IPPROTO_UDP };
	uint8_t v6[48] = { 0x60 };
	struct nfq_pkt p;

	memset(&p, 0, sizeof(p));
	cr_assert_eq(nfq_l3_decode(v4, sizeof(v4), &p), 0);
	cr_assert_not(p.have & NFQ_P_PORTS, "a non-first fragment has no ports");
	v4[0] = 0x4f; /* ihl 60 > packet */
	cr_assert_eq(nfq_l3_decode(v4, sizeof(v4), &p), -EBADMSG);
	v6[6] = IPPROTO_HOPOPTS;
	v6[41] = 200; /* extension header longer than the packet */
	memset(&p, 0, sizeof(p));
	cr_assert_eq(nfq_l3_decode(v6, sizeof(v6), &p), -EBADMSG);
	cr_assert_eq(nfq_l3_decode(v6, 3, &p), -EBADMSG);
}

/* ---- verdict batching ---------------------------------------------- */

struct verdict {
	int type; /* NFQNL_MSG_VERDICT or _BATCH */
	uint32_t id, verdict;
};

static int read_verdicts(int fd, struct verdict *out, int max)
{
	char buf[65536];
	int n = 0;
	ssize_t got;

	while ((got = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		const struct nlmsghdr *nlh = (const void *)buf;
		int rem = (int)got;

		for (; mnl_nlmsg_ok(nlh, rem) && n < max; nlh = mnl_nlmsg_next(nlh, &rem)) {
			const struct nlattr *a;

			out[n].type = NFNL_MSG_TYPE(nlh->nlmsg_type);
			mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
				if (mnl_attr_get_type(a) == NFQA_VERDICT_HDR) {
					const struct nfqnl_msg_verdict_hdr *vh = mnl_attr_get_payload(a);

					out[n].id = ntohl(vh->id);
					out[n].verdict = ntohl(vh->verdict);
				}
			}
			n++;
		}
	}
	return n;
}

Test(nfq_verdict, contiguous_runs_batch)
{
	struct nfq_verdicts v;
	struct verdict got[16];
	int sp[2], n;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	cr_assert_eq(nfqv_init(&v, sp[0], 9, 64, false), 0);
	for (uint32_t id = 100; id <= 105; id++)
		nfqv_received(&v, id);
	nfqv_defer(&v, true);
	nfqv_answer(&v, 100, true);
	nfqv_answer(&v, 101, true);
	nfqv_answer(&v, 102, true);
	nfqv_answer(&v, 104, false); /* above the held 103 */
	cr_assert_eq(read_verdicts(sp[1], got, 16), 0, "sent while deferred");
	nfqv_defer(&v, false);
	n = read_verdicts(sp[1], got, 16);
	cr_assert_eq(n, 2);
	cr_assert_eq(got[0].type, NFQNL_MSG_VERDICT_BATCH);
	cr_assert_eq(got[0].id, 102);
	cr_assert_eq(got[0].verdict, NF_ACCEPT);
	cr_assert_eq(got[1].type, NFQNL_MSG_VERDICT, "an id above a held one must not be batched");
	cr_assert_eq(got[1].id, 104);
	cr_assert_eq(got[1].verdict, NF_DROP);
	/* not deferred: sent at once; 103 alone, then 105 */
	nfqv_answer(&v, 103, false);
	n = read_verdicts(sp[1], got, 16);
	cr_assert_eq(n, 1);
	cr_assert_eq(got[0].type, NFQNL_MSG_VERDICT);
	cr_assert_eq(got[0].id, 103);
	nfqv_answer(&v, 105, true);
	n = read_verdicts(sp[1], got, 16);
	cr_assert_eq(n, 1);
	cr_assert_eq(got[0].id, 105);
	cr_assert_eq(v.verdicts, 6);
	nfqv_fini(&v);
	close(sp[0]);
	close(sp[1]);
}

Test(nfq_verdict, mixed_verdicts_split_runs)
{
	struct nfq_verdicts v;
	struct verdict got[16];
	int sp[2], n;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	cr_assert_eq(nfqv_init(&v, sp[0], 9, 64, false), 0);
	for (uint32_t id = 1; id <= 5; id++)
		nfqv_received(&v, id);
	nfqv_defer(&v, true);
	nfqv_answer(&v, 1, true);
	nfqv_answer(&v, 2, true);
	nfqv_answer(&v, 3, false);
	nfqv_answer(&v, 4, true);
	nfqv_answer(&v, 5, true);
	nfqv_defer(&v, false);
	n = read_verdicts(sp[1], got, 16);
	cr_assert_eq(n, 3);
	cr_assert(got[0].type == NFQNL_MSG_VERDICT_BATCH && got[0].id == 2 &&
		  got[0].verdict == NF_ACCEPT);
	cr_assert(got[1].type == NFQNL_MSG_VERDICT && got[1].id == 3 && got[1].verdict == NF_DROP);
	cr_assert(got[2].type == NFQNL_MSG_VERDICT_BATCH && got[2].id == 5 &&
		  got[2].verdict == NF_ACCEPT);
	nfqv_fini(&v);
	close(sp[0]);
	close(sp[1]);
}

Test(nfq_verdict, per_packet_never_batches)
{
	struct nfq_verdicts v;
	struct verdict got[16];
	int sp[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	cr_assert_eq(nfqv_init(&v, sp[0], 9, 64, true), 0);
	for (uint32_t id = 1; id <= 4; id++)
		nfqv_received(&v, id);
	nfqv_defer(&v, true);
	for (uint32_t id = 1; id <= 4; id++)
		nfqv_answer(&v, id, true);
	nfqv_defer(&v, false);
	cr_assert_eq(read_verdicts(sp[1], got, 16), 4);
	for (int i = 0; i < 4; i++)
		cr_assert(got[i].type == NFQNL_MSG_VERDICT && got[i].id == (uint32_t)i + 1);
	nfqv_fini(&v);
	close(sp[0]);
	close(sp[1]);
}

/* Ids that never arrived (lost) do not stall the batch; ids past the ring go out alone. */
Test(nfq_verdict, gaps_and_ring_wrap)
{
	struct nfq_verdicts v;
	struct verdict got[16];
	int sp[2], n;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	cr_assert_eq(nfqv_init(&v, sp[0], 9, 4, false), 0);
	nfqv_received(&v, 1);
	nfqv_received(&v, 3); /* 2 was lost */
	nfqv_defer(&v, true);
	nfqv_answer(&v, 1, true);
	nfqv_answer(&v, 3, true);
	nfqv_defer(&v, false);
	n = read_verdicts(sp[1], got, 16);
	cr_assert_eq(n, 1);
	cr_assert(got[0].type == NFQNL_MSG_VERDICT_BATCH && got[0].id == 3);
	/* 5 held, 9 collides with it in a 4-slot ring */
	nfqv_received(&v, 5);
	nfqv_received(&v, 9);
	nfqv_answer(&v, 9, false);
	n = read_verdicts(sp[1], got, 16);
	cr_assert_eq(n, 1);
	cr_assert(got[0].type == NFQNL_MSG_VERDICT && got[0].id == 9 && got[0].verdict == NF_DROP);
	nfqv_answer(&v, 5, true);
	n = read_verdicts(sp[1], got, 16);
	cr_assert_eq(n, 1);
	cr_assert(got[0].type == NFQNL_MSG_VERDICT && got[0].id == 5);
	nfqv_fini(&v);
	close(sp[0]);
	close(sp[1]);
}

/* The shared pieces NFQUEUE uses from sources/netfilter/ (not conntrack's). */
Test(nf_netlink, proto_names)
{
	cr_assert_str_eq(nf_proto_name(IPPROTO_TCP), "tcp");
	cr_assert_str_eq(nf_proto_name(IPPROTO_UDP), "udp");
	cr_assert_str_eq(nf_proto_name(IPPROTO_ICMP), "icmp");
	cr_assert_str_eq(nf_proto_name(IPPROTO_ICMPV6), "icmpv6");
	cr_assert_str_eq(nf_proto_name(IPPROTO_SCTP), "sctp");
	cr_assert_str_eq(nf_proto_name(IPPROTO_UDPLITE), "udplite");
	cr_assert_str_eq(nf_proto_name(IPPROTO_DCCP), "dccp");
	cr_assert_str_eq(nf_proto_name(IPPROTO_GRE), "gre");
	cr_assert_null(nf_proto_name(0));
	cr_assert_null(nf_proto_name(255));
}

Test(nf_netlink, walk_is_bounded)
{
	/* two messages in a 40-byte buffer: 22 bytes padded to 24, then 16;
	 * then a header claiming 2 GiB, one shorter than itself, one past the end */
	uint32_t buf[10] = { 0 };
	struct nlmsghdr *a = (void *)buf, *b = (void *)(buf + 6);
	const struct nlmsghdr *m = a;
	size_t rem = 40;
	int n = 0;

	a->nlmsg_len = 22;
	b->nlmsg_len = 16;
	for (; nfnl_msg_ok(m, rem); m = nfnl_msg_next(m, &rem))
		n++;
	cr_assert_eq(n, 2);
	cr_assert_eq(rem, 0);

	a->nlmsg_len = 0x80000000u;
	cr_assert(!nfnl_msg_ok(a, 40));
	a->nlmsg_len = 15; /* shorter than a header */
	cr_assert(!nfnl_msg_ok(a, 40));
	a->nlmsg_len = 16;
	cr_assert(!nfnl_msg_ok(a, 15));
}
