/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor run --deny-peer ADDR[/PREFIX][:PORT]: a static network policy
 * on the NFQUEUE source until baseline-derived policy exists. The first
 * packet of every new outgoing flow is held; a flow to a listed peer is
 * denied (dropped, the connect times out), every other one allowed.
 * Uses only the public API.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtsensor.h"

#define RUN_NET_QUEUE 4242 /* queue number rtsensor run uses */

struct peer {
	int family;
	uint8_t addr[16];
	unsigned prefix; /* bits */
	int port;        /* -1: any */
	char text[80];
};

struct run_net {
	struct peer *peers;
	size_t n;
	bool track;
	struct sensor_conntrack_opts ct;
};

static int parse_uint(const char *s, size_t len, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;

	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* Split "ADDR[/PREFIX]" (no port, no brackets) into p. */
static int parse_addr_prefix(const char *s, size_t len, struct peer *p)
{
	char addr[64];
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	unsigned long prefix;

	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, p->addr) == 1)
		p->family = AF_INET6;
	else
		return -EINVAL;
	p->prefix = p->family == AF_INET ? 32 : 128;
	if (slash) {
		if (parse_uint(slash + 1, len - alen - 1, p->prefix, &prefix) < 0)
			return -EINVAL;
		p->prefix = (unsigned)prefix;
	}
	return 0;
}

/* ADDR[/PREFIX][:PORT], IPv6 as [ADDR][/PREFIX][:PORT] or bare ADDR[/PREFIX]. */
static int parse_peer(const char *spec, struct peer *p)
{
	size_t len = strlen(spec);
	const char *port = NULL, *colon;
	unsigned long v;
	int r;

	memset(p, 0, sizeof(*p));
	p->port = -1;
	if (len >= sizeof(p->text))
		return -EINVAL;
	memcpy(p->text, spec, len + 1);
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		char inner[96];
		size_t ilen;

		if (!close || (size_t)(close - spec - 1) >= sizeof(inner) - 8)
			return -EINVAL;
		ilen = (size_t)(close - spec - 1);
		memcpy(inner, spec + 1, ilen);
		/* a prefix may follow the bracket: [2001:db8::]/32:443 */
		if (close[1] == '/') {
			const char *end = strchr(close + 1, ':');
			size_t plen = end ? (size_t)(end - close - 1) : strlen(close + 1);

			if (ilen + plen >= sizeof(inner))
				return -EINVAL;
			memcpy(inner + ilen, close + 1, plen);
			ilen += plen;
			close += plen;
		}
		inner[ilen] = '\0';
		r = parse_addr_prefix(inner, ilen, p);
		if (r < 0 || p->family != AF_INET6)
			return -EINVAL;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return -EINVAL;
	} else {
		colon = strchr(spec, ':');
		if (colon && strchr(colon + 1, ':')) {
			/* bare IPv6, no port */
			r = parse_addr_prefix(spec, len, p);
		} else {
			r = parse_addr_prefix(spec, colon ? (size_t)(colon - spec) : len, p);
			if (colon)
				port = colon + 1;
		}
		if (r < 0)
			return -EINVAL;
	}
	if (port) {
		if (parse_uint(port, strlen(port), 65535, &v) < 0)
			return -EINVAL;
		p->port = (int)v;
	}
	return 0;
}

static int get(struct run_net **rn)
{
	if (!*rn) {
		*rn = calloc(1, sizeof(**rn));
		if (!*rn)
			return -ENOMEM;
	}
	return 0;
}

int run_net_track_flows(struct run_net **rn)
{
	int r = get(rn);

	if (r == 0)
		(*rn)->track = true;
	return r;
}

const struct sensor_conntrack_opts *run_net_conntrack_opts(struct run_net *rn)
{
	if (!rn || !rn->track)
		return NULL;
	rn->ct.sz = sizeof(rn->ct);
	rn->ct.flags = SENSOR_CONNTRACK_ENABLE_TRACKING;
	return &rn->ct;
}

int run_net_add_peer(struct run_net **rn, const char *spec)
{
	struct peer p, *np;

	if (parse_peer(spec, &p) < 0)
		return -EINVAL;
	if (get(rn) < 0)
		return -ENOMEM;
	np = realloc((*rn)->peers, ((*rn)->n + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	np[(*rn)->n++] = p;
	(*rn)->peers = np;
	return 0;
}

bool run_net_active(const struct run_net *rn)
{
	return rn && rn->n > 0;
}

int run_net_start(struct run_net *rn, sensor_ctx *ctx, sensor_source **ret)
{
	struct sensor_nfqueue_opts o = {
		.sz = sizeof(o),
		.queue_num = RUN_NET_QUEUE,
		.chains = SENSOR_NFQUEUE_CHAIN_OUTPUT,
	};

	(void)rn;
	return sensor_source_add(ctx, SENSOR_SOURCE_NFQUEUE, &o, ret);
}

static bool match(const struct peer *p, int family, const uint8_t *addr, int64_t port)
{
	unsigned full = p->prefix / 8, rest = p->prefix % 8;

	if (p->family != family)
		return false;
	if (memcmp(p->addr, addr, full) != 0)
		return false;
	if (rest && ((p->addr[full] ^ addr[full]) & (0xff << (8 - rest)) & 0xff))
		return false;
	return p->port < 0 || p->port == port;
}

void run_net_on_event(struct run_net *rn, sensor_event *ev)
{
	const char *dst;
	uint8_t addr[16];
	int64_t port = -1;
	int family;
	char reason[96];

	if (!run_net_active(rn) || sensor_event_source(ev) != SENSOR_SOURCE_NFQUEUE ||
	    sensor_event_is_pending(ev) != 1)
		return;
	dst = sensor_event_get_str(ev, SENSOR_FIELD_NET_DST);
	sensor_event_get_int(ev, SENSOR_FIELD_NET_DPORT, &port);
	if (dst && inet_pton(AF_INET, dst, addr) == 1)
		family = AF_INET;
	else if (dst && inet_pton(AF_INET6, dst, addr) == 1)
		family = AF_INET6;
	else
		family = 0;
	for (size_t i = 0; family && i < rn->n; i++) {
		if (match(&rn->peers[i], family, addr, port)) {
			snprintf(reason, sizeof(reason), "deny-peer %s", rn->peers[i].text);
			sensor_event_respond(ev, SENSOR_DECISION_DENY, 0, reason);
			return;
		}
	}
	sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, "no deny-peer matched");
}

void run_net_free(struct run_net *rn)
{
	if (!rn)
		return;
	free(rn->peers);
	free(rn);
}
