/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Flow attribution without privilege: the /proc/net socket line parser on
 * kernel-format lines, and lookups against a fake /proc tree (socket
 * tables + socket:[inode] fd links), plus the audit hook.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "sources/conntrack/conntrack-attrib.h"
#include "testlib.h"

#define L_TCP4 "   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 20 4 30 10 -1\n"
#define L_LISTEN4 "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4243 1 0000000000000000 100 0 0 10 0\n"
#define L_UDP6 " 4031: 00000000000000000000000001000000:14E9 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 74519 2 000000008b627d26 0\n"

Test(attrib, parse_lines)
{
	struct ct_sock s;
	uint8_t lo6[16] = { [15] = 1 };
	const char *l = L_TCP4;

	cr_assert_eq(ct_sock_parse_line(l, strlen(l), AF_INET, IPPROTO_TCP, &s), 0);
	cr_assert_eq(s.lport, 40000);
	cr_assert_eq(s.rport, 8080);
	cr_assert_eq(s.laddr[0], 127);
	cr_assert_eq(s.laddr[3], 1);
	cr_assert_eq(s.state, 1);
	cr_assert_eq(s.inode, 4242);
	l = L_UDP6;
	cr_assert_eq(ct_sock_parse_line(l, strlen(l), AF_INET6, IPPROTO_UDP, &s), 0);
	cr_assert_eq(s.lport, 5353);
	cr_assert_eq(memcmp(s.laddr, lo6, 16), 0);
	cr_assert_eq(s.inode, 74519);
	l = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
	cr_assert_eq(ct_sock_parse_line(l, strlen(l), AF_INET, IPPROTO_TCP, &s), -EINVAL);
	/* an IPv6 line read as IPv4 and every truncation: rejected, never past len */
	cr_assert_eq(ct_sock_parse_line(L_UDP6, strlen(L_UDP6), AF_INET, IPPROTO_UDP, &s), -EINVAL);
	/* (a cut inside the inode itself still reads as a shorter number) */
	for (size_t cut = 0; cut <= (size_t)(strstr(L_TCP4, " 4242 ") - L_TCP4); cut++) {
		char *t = malloc(cut ? cut : 1);

		memcpy(t, L_TCP4, cut);
		cr_assert_eq(ct_sock_parse_line(t, cut, AF_INET, IPPROTO_TCP, &s), -EINVAL,
			     "cut %zu accepted", cut);
		free(t);
	}
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static struct ct_tuple tuple4(uint16_t sport, uint16_t dport)
{
	struct ct_tuple t = { .have = CT_T_SRC | CT_T_DST | CT_T_PROTO | CT_T_PORTS,
			      .family = AF_INET, .proto = IPPROTO_TCP, .sport = sport, .dport = dport };

	inet_pton(AF_INET, "127.0.0.1", t.src);
	inet_pton(AF_INET, "127.0.0.1", t.dst);
	return t;
}

Test(attrib, lookup_in_fake_proc)
{
	char root[] = "/tmp/ct-attrib-XXXXXX", p[256];
	struct ct_attrib *a;
	struct ct_tuple t;
	uint8_t lo[4] = { 127, 0, 0, 1 };

	cr_assert_not_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/self", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/self/net", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/self/net/tcp", root);
	put(p, "  sl  local_address rem_address   st\n" L_LISTEN4 L_TCP4);
	snprintf(p, sizeof(p), "%s/777", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/777/fd", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/777/fd/5", root);
	cr_assert_eq(symlink("socket:[4242]", p), 0);
	snprintf(p, sizeof(p), "%s/778", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/778/fd", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/778/fd/3", root);
	cr_assert_eq(symlink("socket:[4243]", p), 0);

	cr_assert_eq(ct_attrib_new(root, 0, &a), 0);
	/* the connecting socket */
	t = tuple4(40000, 8080);
	cr_assert_eq(ct_attrib_lookup(a, &t, 1000000000ull), 777);
	cr_assert_eq(ct_attrib_last_how(a), CT_ATTRIB_SOCKET);
	/* an inbound flow from elsewhere: only the listener matches */
	t = tuple4(50000, 8080);
	inet_pton(AF_INET, "127.0.0.9", t.src);
	cr_assert_eq(ct_attrib_lookup(a, &t, 1000000001ull), 778);
	/* nobody */
	t = tuple4(50000, 9999);
	cr_assert_eq(ct_attrib_lookup(a, &t, 1000000002ull), 0);
	cr_assert_eq(ct_attrib_last_how(a), CT_ATTRIB_NONE);
	/* the audit hook wins */
	ct_attrib_note(a, AF_INET, IPPROTO_TCP, lo, 50000, lo, 9999, 4321);
	t = tuple4(50000, 9999);
	cr_assert_eq(ct_attrib_lookup(a, &t, 1000000003ull), 4321);
	cr_assert_eq(ct_attrib_last_how(a), CT_ATTRIB_AUDIT);
	/* what an audit connect gives: the peer only (no local address or port) */
	{
		uint8_t peer[4];

		inet_pton(AF_INET, "10.1.2.3", peer);
		ct_attrib_note(a, AF_INET, IPPROTO_TCP, NULL, 0, peer, 443, 5555);
		t = tuple4(41234, 443);
		memcpy(t.dst, peer, 4);
		cr_assert_eq(ct_attrib_noted(a, &t), 5555, "any local port, that peer");
		cr_assert_eq(ct_attrib_lookup(a, &t, 1000000004ull), 5555);
		t.dport = 444;
		cr_assert_eq(ct_attrib_noted(a, &t), 0, "another port of the peer");
		t.dport = 443;
		t.proto = IPPROTO_UDP;
		cr_assert_eq(ct_attrib_noted(a, &t), 0, "noted for tcp only");
	}
	ct_attrib_free(a);
	snprintf(p, sizeof(p), "rm -rf %s", root);
	cr_assert_eq(run_sh(p), 0);
}
