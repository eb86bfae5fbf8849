/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Flow -> process attribution (see conntrack-attrib.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conntrack-attrib.h"
#include "util/parse.h"

#define REFRESH_NS 20000000ull /* a snapshot younger than 20 ms is reused */
#define NOTES 256

struct inode_pid {
	uint64_t inode;
	int32_t pid;
};

struct note {
	struct ct_sock s;
	int32_t pid;
};

struct ct_attrib {
	char proc_root[128];
	int32_t netns_pid;
	enum ct_attrib_how how;
	/* sockets of the namespace */
	struct ct_sock *socks;
	size_t nsocks, socks_cap;
	uint64_t socks_at;
	/* socket inode -> pid, open addressing (inode 0 = empty) */
	struct inode_pid *owners;
	size_t owners_cap;
	uint64_t owners_at;
	struct note notes[NOTES];
	unsigned note_next;
	char line[512];
};

int ct_attrib_new(const char *proc_root, int32_t netns_pid, struct ct_attrib **ret)
{
	struct ct_attrib *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	snprintf(a->proc_root, sizeof(a->proc_root), "%s", proc_root ? proc_root : "/proc");
	a->netns_pid = netns_pid;
	*ret = a;
	return 0;
}

void ct_attrib_free(struct ct_attrib *a)
{
	if (!a)
		return;
	free(a->socks);
	free(a->owners);
	free(a);
}

enum ct_attrib_how ct_attrib_last_how(const struct ct_attrib *a)
{
	return a->how;
}

/* Next whitespace-separated token of s[*pos..len). */
static bool token(const char *s, size_t len, size_t *pos, const char **tok, size_t *tlen)
{
	size_t i = *pos;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= len)
		return false;
	*tok = s + i;
	while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
		i++;
	*tlen = (size_t)(s + i - *tok);
	*pos = i;
	return *tlen > 0;
}

/* "0100007F:1F90" or 32 hex digits ":" port; addresses as the kernel prints them (host-order words). */
static int parse_endpoint(const char *t, size_t n, uint8_t family, uint8_t *addr, uint16_t *port)
{
	size_t alen = family == AF_INET ? 8 : 32;
	uint64_t v;

	if (n != alen + 5 || t[alen] != ':')
		return -EINVAL;
	for (size_t w = 0; w < alen / 8; w++) {
		uint32_t word;

		if (parse_u64(t + w * 8, 8, 16, &v) < 0)
			return -EINVAL;
		word = (uint32_t)v;
		memcpy(addr + w * 4, &word, 4);
	}
	if (parse_u64(t + alen + 1, 4, 16, &v) < 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int ct_sock_parse_line(const char *line, size_t len, uint8_t family, uint8_t proto,
		       struct ct_sock *out)
{
	const char *tok;
	size_t tl, pos = 0;
	uint64_t v;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = family;
	out->proto = proto;
	/* sl: "0:" */
	if (!token(line, len, &pos, &tok, &tl) || tok[tl - 1] != ':')
		return -EINVAL;
	if (!token(line, len, &pos, &tok, &tl) ||
	    parse_endpoint(tok, tl, family, out->laddr, &out->lport) < 0)
		return -EINVAL;
	if (!token(line, len, &pos, &tok, &tl) ||
	    parse_endpoint(tok, tl, family, out->raddr, &out->rport) < 0)
		return -EINVAL;
	if (!token(line, len, &pos, &tok, &tl) || parse_u64(tok, tl, 16, &v) < 0 || v > 255)
		return -EINVAL;
	out->state = (uint8_t)v;
	/* tx:rx, tr:when, retrnsmt, uid, timeout, inode */
	for (int i = 0; i < 6; i++)
		if (!token(line, len, &pos, &tok, &tl))
			return -EINVAL;
	if (parse_u64(tok, tl, 10, &out->inode) < 0)
		return -EINVAL;
	return 0;
}

static void load_table(struct ct_attrib *a, const char *name, uint8_t family, uint8_t proto)
{
	char path[200];
	FILE *f;

	if (a->netns_pid > 0)
		snprintf(path, sizeof(path), "%s/%d/net/%s", a->proc_root, (int)a->netns_pid, name);
	else
		snprintf(path, sizeof(path), "%s/self/net/%s", a->proc_root, name);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(a->line, sizeof(a->line), f)) {
		struct ct_sock s;

		if (ct_sock_parse_line(a->line, strlen(a->line), family, proto, &s) < 0 ||
		    s.inode == 0)
			continue;
		if (a->nsocks == a->socks_cap) {
			size_t cap = a->socks_cap ? a->socks_cap * 2 : 256;
			struct ct_sock *n = realloc(a->socks, cap * sizeof(*n));

			if (!n)
				break;
			a->socks = n;
			a->socks_cap = cap;
		}
		a->socks[a->nsocks++] = s;
	}
	fclose(f);
}

static void load_socks(struct ct_attrib *a, uint64_t now)
{
	a->nsocks = 0;
	a->socks_at = now;
	load_table(a, "tcp", AF_INET, IPPROTO_TCP);
	load_table(a, "tcp6", AF_INET6, IPPROTO_TCP);
	load_table(a, "udp", AF_INET, IPPROTO_UDP);
	load_table(a, "udp6", AF_INET6, IPPROTO_UDP);
}

static void owner_put(struct ct_attrib *a, uint64_t inode, int32_t pid)
{
	size_t i = (size_t)(inode * 11400714819323198485ull) & (a->owners_cap - 1);

	while (a->owners[i].inode && a->owners[i].inode != inode)
		i = (i + 1) & (a->owners_cap - 1);
	a->owners[i].inode = inode;
	a->owners[i].pid = pid;
}

static int32_t owner_get(const struct ct_attrib *a, uint64_t inode)
{
	size_t i;

	if (!a->owners_cap)
		return 0;
	i = (size_t)(inode * 11400714819323198485ull) & (a->owners_cap - 1);
	while (a->owners[i].inode) {
		if (a->owners[i].inode == inode)
			return a->owners[i].pid;
		i = (i + 1) & (a->owners_cap - 1);
	}
	return 0;
}

/* Walk /proc/<pid>/fd of every process: socket:[N] -> pid. */
static void load_owners(struct ct_attrib *a, uint64_t now)
{
	DIR *proc = opendir(a->proc_root);
	struct dirent *de;
	size_t used = 0;

	a->owners_at = now;
	if (!a->owners_cap) {
		a->owners = calloc(4096, sizeof(*a->owners));
		if (!a->owners)
			goto out;
		a->owners_cap = 4096;
	} else {
		memset(a->owners, 0, a->owners_cap * sizeof(*a->owners));
	}
	while (proc && (de = readdir(proc))) {
		char path[300], link[64];
		uint64_t pid;
		DIR *fds;
		struct dirent *fe;

		if (parse_u64(de->d_name, strlen(de->d_name), 10, &pid) < 0 || pid > INT32_MAX)
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd", a->proc_root, de->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			ssize_t n;
			uint64_t ino;

			if (fe->d_name[0] == '.')
				continue;
			n = readlinkat(dirfd(fds), fe->d_name, link, sizeof(link) - 1);
			if (n < 10 || memcmp(link, "socket:[", 8) != 0 || link[n - 1] != ']')
				continue;
			if (parse_u64(link + 8, (size_t)n - 9, 10, &ino) < 0)
				continue;
			if (used * 2 >= a->owners_cap) { /* keep the load factor under 1/2 */
				closedir(fds);
				goto out;
			}
			if (!owner_get(a, ino)) {
				owner_put(a, ino, (int32_t)pid);
				used++;
			}
		}
		closedir(fds);
	}
out:
	if (proc)
		closedir(proc);
}

static bool addr_eq(const uint8_t *x, const uint8_t *y, uint8_t family)
{
	return memcmp(x, y, family == AF_INET ? 4 : 16) == 0;
}

static bool addr_any(const uint8_t *x, uint8_t family)
{
	static const uint8_t zero[16];

	return memcmp(x, zero, family == AF_INET ? 4 : 16) == 0;
}

static bool unconnected_on(const struct ct_sock *s, const uint8_t *addr, uint16_t port,
			   uint8_t family)
{
	return s->lport == port && s->rport == 0 && addr_any(s->raddr, family) &&
	       (addr_any(s->laddr, family) || addr_eq(s->laddr, addr, family));
}

/*
 * Socket of the tuple, best first: the connected initiator, an unconnected
 * initiator (UDP sendto), the connected responder, a listener / bound
 * receiver on the destination.
 */
static const struct ct_sock *find_sock(const struct ct_attrib *a, const struct ct_tuple *t)
{
	const struct ct_sock *best[3] = { NULL, NULL, NULL };

	for (size_t i = 0; i < a->nsocks; i++) {
		const struct ct_sock *s = &a->socks[i];

		if (s->family != t->family || s->proto != t->proto)
			continue;
		if (s->lport == t->sport && s->rport == t->dport &&
		    addr_eq(s->laddr, t->src, t->family) && addr_eq(s->raddr, t->dst, t->family))
			return s;
		if (!best[0] && unconnected_on(s, t->src, t->sport, t->family))
			best[0] = s;
		else if (!best[1] && s->lport == t->dport && s->rport == t->sport &&
			 addr_eq(s->laddr, t->dst, t->family) && addr_eq(s->raddr, t->src, t->family))
			best[1] = s;
		else if (!best[2] && unconnected_on(s, t->dst, t->dport, t->family))
			best[2] = s;
	}
	return best[0] ? best[0] : best[1] ? best[1] : best[2];
}

static int32_t from_notes(const struct ct_attrib *a, const struct ct_tuple *t)
{
	for (unsigned i = 0; i < NOTES; i++) {
		const struct note *n = &a->notes[i];

		if (!n->pid || n->s.family != t->family || n->s.proto != t->proto)
			continue;
		/* lport 0: the noter did not know it (audit connect names the peer only) */
		if ((n->s.lport == t->sport || n->s.lport == 0) && n->s.rport == t->dport &&
		    addr_eq(n->s.raddr, t->dst, t->family) &&
		    (addr_any(n->s.laddr, t->family) || addr_eq(n->s.laddr, t->src, t->family)))
			return n->pid;
	}
	return 0;
}

int32_t ct_attrib_noted(const struct ct_attrib *a, const struct ct_tuple *t)
{
	if (!a || !(t->have & CT_T_PORTS))
		return 0;
	return from_notes(a, t);
}

int32_t ct_attrib_lookup(struct ct_attrib *a, const struct ct_tuple *t, uint64_t now)
{
	const struct ct_sock *s;
	int32_t pid;

	a->how = CT_ATTRIB_NONE;
	if (!(t->have & CT_T_PORTS) || (t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP))
		return 0;
	pid = from_notes(a, t);
	if (pid) {
		a->how = CT_ATTRIB_AUDIT;
		return pid;
	}
	if (now - a->socks_at >= REFRESH_NS || !a->socks_at)
		load_socks(a, now);
	s = find_sock(a, t);
	if (!s && now - a->socks_at > REFRESH_NS / 4) {
		load_socks(a, now);
		s = find_sock(a, t);
	}
	if (!s)
		return 0;
	pid = owner_get(a, s->inode);
	if (!pid && (now - a->owners_at >= REFRESH_NS / 4 || !a->owners_at)) {
		load_owners(a, now);
		pid = owner_get(a, s->inode);
	}
	if (pid)
		a->how = CT_ATTRIB_SOCKET;
	return pid;
}

void ct_attrib_note(struct ct_attrib *a, uint8_t family, uint8_t proto, const uint8_t *laddr,
		    uint16_t lport, const uint8_t *raddr, uint16_t rport, int32_t pid)
{
	struct note *n = &a->notes[a->note_next++ % NOTES];
	size_t alen = family == AF_INET ? 4 : 16;

	memset(n, 0, sizeof(*n));
	n->s.family = family;
	n->s.proto = proto;
	if (laddr)
		memcpy(n->s.laddr, laddr, alen);
	if (raddr)
		memcpy(n->s.raddr, raddr, alen);
	n->s.lport = lport;
	n->s.rport = rport;
	n->pid = pid;
}
