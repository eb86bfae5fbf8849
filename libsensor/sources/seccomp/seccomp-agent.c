/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCI seccomp agent (runtime-spec linux.seccomp.listenerPath, as runc
 * implements it): runc connects to our unix stream socket and sends the
 * container process state as JSON with the notification fd attached
 * (SCM_RIGHTS). We collect the bytes (bounded) until they parse, and serve
 * the fd as a channel attributed to that container. Each connection is
 * non-blocking and served by the context's loop.
 *
 * The socket is the sensor's attack surface towards every local user: the
 * file is 0600 before anyone can connect (chmod between bind and listen:
 * a socket that does not listen refuses connections, and the library does
 * not touch the process umask), every peer is checked with SO_PEERCRED,
 * every fd it passes must be a seccomp listener, each peer and the socket
 * as a whole hold a bounded number of channels, and the identity a
 * non-root peer sends is marked as its claim.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

#include <libsensor/sensor-seccomp.h>

#include "oci-state.h"
#include "seccomp-source.h"
#include "util/jw.h"
#include "util/ratelimit.h"
#include "util/opts.h"

#define MAX_CONNS 64
/* A runtime sends its message right after connecting; a connection that has
 * not completed one by then is dropped, so a stuck client cannot hold a slot. */
#define CONN_TIMEOUT_NS (10ull * 1000000000u)
#define DEFAULT_MAX_CHANNELS 1024u
#define DEFAULT_MAX_PER_PEER 64u
#define MAX_ALLOW_UIDS 64u
#ifndef ANON_INODE_FS_MAGIC
#define ANON_INODE_FS_MAGIC 0x09041934
#endif

struct sc_conn {
	int fd;
	uint32_t uid;      /* the peer's, from SO_PEERCRED */
	uint64_t deadline; /* CLOCK_MONOTONIC ns */
	char *buf;
	size_t len, cap;
	int fds[OCI_MAX_FDS];
	unsigned nfds;
	struct sc_conn *next;
};

struct sc_agent {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sc_conn *conns;
	unsigned nconns;
	uint32_t allow[MAX_ALLOW_UIDS];
	unsigned nallow;
	uint32_t max_chans, max_per_peer;
	struct ratelimit refused_log, bad_log;
	uint64_t refused;  /* peers refused (uid, caps) */
	struct sc_agent *next;
};

/* Log a warning of a peer's doing, throttled: a hostile peer can repeat it at will. */
#define agent_warn(src, rl, fmt, ...)                                                          \
	do {                                                                                   \
		unsigned held_;                                                                \
		if (ratelimit_ok((rl), now_mono(), &held_))                                    \
			ctx_log((src)->ctx, SENSOR_LOG_WARNING, "seccomp agent: " fmt "%s",    \
				__VA_ARGS__, held_ ? " (more like it suppressed)" : "");       \
	} while (0)

int sc_fd_is_listener(int fd)
{
	struct statfs sfs;
	char path[64], target[64];
	ssize_t n;

	/*
	 * An anon inode named "seccomp notify": nothing else may be served (a
	 * pipe or socket would fail every RECV; an ioctl on an arbitrary device
	 * could mean anything). Asked without an ioctl on the fd.
	 */
	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	if ((unsigned long)sfs.f_type != ANON_INODE_FS_MAGIC)
		return -ENOTTY;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	return strcmp(target, "anon_inode:seccomp notify") == 0 ? 0 : -ENOTTY;
}

static bool peer_trusted(uint32_t uid)
{
	return uid == 0 || uid == (uint32_t)geteuid();
}

static bool peer_allowed(const struct sc_agent *a, uint32_t uid)
{
	if (peer_trusted(uid))
		return true;
	for (unsigned i = 0; i < a->nallow; i++)
		if (a->allow[i] == uid)
			return true;
	return false;
}

/*
 * Channels and handshakes of this socket: all of them, and those of peer
 * uid (*peer_conns: its handshakes alone).
 */
static void agent_count(struct sc_src *ss, const struct sc_agent *a, uint32_t uid, unsigned *all,
			unsigned *peer, unsigned *peer_conns)
{
	*all = a->nconns;
	*peer = 0;
	for (const struct sc_conn *c = a->conns; c; c = c->next)
		*peer += c->uid == uid;
	*peer_conns = *peer;
	for (const struct sc_chan *ch = ss->chans; ch; ch = ch->next) {
		if (!ch->ct || ch->ct->agent != a)
			continue;
		(*all)++;
		*peer += ch->ct->peer_uid == uid;
	}
}

/*
 * A peer that is not root (nor us) speaks for itself only: its container id
 * and image become its claim, so a baseline, an alert or a rule keyed on a
 * real workload's identity is never fed by it.
 */
static int mark_claimed(struct oci_state *st, uint32_t uid)
{
	char *id, *klass = NULL;

	if (asprintf(&id, "claimed:%u:%s", uid, st->id) < 0)
		return -ENOMEM;
	if (st->klass && asprintf(&klass, "claimed:%s", st->klass) < 0) {
		free(id);
		return -ENOMEM;
	}
	free(st->id);
	st->id = id;
	free(st->klass);
	st->klass = klass;
	free(st->pod);
	st->pod = NULL;
	return 0;
}

/*
 * A trusted peer's image annotation is the class the identity layer gives
 * the container's other events ("image:<image>", workload-table.c): one
 * class per container whichever source saw it, else the baseline would
 * relearn it at every switch between a seccomp event and another.
 */
static int mark_image(struct oci_state *st)
{
	char *klass;

	if (!st->klass)
		return 0;
	if (asprintf(&klass, "image:%s", st->klass) < 0)
		return -ENOMEM;
	free(st->klass);
	st->klass = klass;
	return 0;
}

static void conn_free(struct sensor_source *src, struct sc_agent *a, struct sc_conn *c)
{
	for (struct sc_conn **pc = &a->conns; *pc; pc = &(*pc)->next) {
		if (*pc == c) {
			*pc = c->next;
			break;
		}
	}
	a->nconns--;
	ctx_unwatch_fd(src, c->fd);
	close(c->fd);
	for (unsigned i = 0; i < c->nfds; i++)
		if (c->fds[i] >= 0)
			close(c->fds[i]);
	free(c->buf);
	free(c);
}

static void announce(struct sensor_source *src, const struct oci_state *st)
{
	struct jw w;
	size_t n = 0;
	char *buf = NULL;

	/* Two passes: measure, then write (annotations may be long). */
	for (int pass = 0; pass < 2; pass++) {
		jw_init(&w, buf, buf ? n + 1 : 0);
		jw_obj_open(&w, NULL);
		jw_kv_str(&w, "id", st->id);
		jw_kv_i64(&w, "pid", st->pid ? st->pid : st->state_pid);
		if (st->status)
			jw_kv_str(&w, "status", st->status);
		if (st->bundle)
			jw_kv_str(&w, "bundle", st->bundle);
		if (st->metadata)
			jw_kv_str(&w, "metadata", st->metadata);
		jw_kv_i64(&w, "peer_uid", st->peer_uid);
		if (!peer_trusted(st->peer_uid)) {
			jw_key(&w, "claimed");
			jw_raw(&w, "true", 4);
		}
		jw_key(&w, "annotations");
		jw_raw(&w, st->annotations, strlen(st->annotations));
		jw_obj_close(&w);
		n = jw_finish(&w);
		if (pass == 0 && !(buf = malloc(n + 1)))
			return;
	}
	ctx_emit_status(src, "container_attached", buf);
	free(buf);
}

/*
 * The message is complete when it parses: runc does not close its end after
 * sending (the connection lives as long as its runc process), so EOF cannot
 * be the delimiter. Returns true when the connection is finished (adopted or
 * refused), false when more bytes are needed.
 */
static bool conn_try(struct sensor_source *src, struct sc_agent *a, struct sc_conn *c, bool eof)
{
	struct oci_state *st;
	size_t end = c->len;
	int r, idx, fd;

	while (end > 0 && (c->buf[end - 1] == ' ' || c->buf[end - 1] == '\n' ||
			   c->buf[end - 1] == '\r' || c->buf[end - 1] == '\t'))
		end--;
	/* Parse only what may be whole: a JSON object ends with '}' (so we parse rarely). */
	if (!eof && (c->nfds == 0 || end == 0 || c->buf[end - 1] != '}'))
		return false;
	if (eof && c->len == 0 && c->nfds == 0) {
		conn_free(src, a, c); /* connected and left (a liveness probe): nothing to say */
		return true;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		ctx_emit_loss(src, 1, "agent: no memory for a container state");
		goto out;
	}
	r = oci_state_parse(c->buf, c->len, st);
	if (r == -EAGAIN && !eof) {
		free(st);
		return false; /* a '}' inside a string or a nested object: more to come */
	}
	if (r < 0) {
		src->stats.errors++;
		agent_warn(src, &a->bad_log, "bad container state from uid %u (%s): refused", c->uid,
			   strerror(-r));
		free(st);
		goto out;
	}
	idx = st->seccomp_fd_index;
	if (idx < 0 && c->nfds == 1)
		idx = 0; /* runtimes that do not name the fd */
	if (idx < 0 || (unsigned)idx >= c->nfds || (st->nfds && st->nfds != c->nfds)) {
		src->stats.errors++;
		agent_warn(src, &a->bad_log,
			   "container %.200s sent %u fds, names say %u: no seccomp fd", st->id,
			   c->nfds, st->nfds);
		oci_state_clear(st);
		free(st);
		goto out;
	}
	fd = c->fds[idx];
	r = sc_fd_is_listener(fd);
	if (r < 0) {
		src->stats.errors++;
		agent_warn(src, &a->bad_log,
			   "uid %u sent an fd that is not a seccomp listener (%s): refused", c->uid,
			   strerror(-r));
		oci_state_clear(st);
		free(st);
		goto out;
	}
	st->peer_uid = c->uid;
	st->agent = a;
	if (peer_trusted(c->uid) ? mark_image(st) < 0 : mark_claimed(st, c->uid) < 0) {
		ctx_emit_loss(src, 1, "agent: no memory for a container state");
		oci_state_clear(st);
		free(st);
		goto out;
	}
	c->fds[idx] = -1;
	announce(src, st);
	r = sc_chan_add(src, fd, st, 0); /* owns fd and st from here */
	if (r < 0)
		agent_warn(src, &a->bad_log, "cannot serve a container: %s", strerror(-r));
out:
	conn_free(src, a, c);
	return true;
}

static bool find_conn(struct sc_src *ss, int fd, struct sc_agent **ra, struct sc_conn **rc)
{
	for (struct sc_agent *a = ss->agents; a; a = a->next)
		for (struct sc_conn *c = a->conns; c; c = c->next)
			if (c->fd == fd) {
				*ra = a;
				*rc = c;
				return true;
			}
	return false;
}

static int conn_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct sc_src *ss = src->priv;
	struct sc_agent *a;
	struct sc_conn *c;

	(void)events;
	(void)budget;
	if (!find_conn(ss, fd, &a, &c))
		return 0;
	for (;;) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int) * OCI_MAX_FDS)];
		} u;
		struct iovec iov;
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				      .msg_controllen = sizeof(u.buf) };
		ssize_t n;

		if (c->cap - c->len < 4096) {
			size_t cap = c->cap ? c->cap * 2 : 8192;
			char *nb;

			if (c->len >= OCI_STATE_MAX_LEN) {
				src->stats.errors++;
				agent_warn(src, &a->bad_log,
					   "state message of uid %u longer than %u bytes: refused",
					   c->uid, OCI_STATE_MAX_LEN);
				conn_free(src, a, c);
				return 0;
			}
			if (cap > OCI_STATE_MAX_LEN + 4096)
				cap = OCI_STATE_MAX_LEN + 4096;
			nb = realloc(c->buf, cap);
			if (!nb) {
				conn_free(src, a, c);
				return -ENOMEM;
			}
			c->buf = nb;
			c->cap = cap;
		}
		iov.iov_base = c->buf + c->len;
		iov.iov_len = c->cap - c->len;
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			conn_free(src, a, c);
			return 0;
		}
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
			size_t k;

			if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
				continue;
			k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int nfd;

				memcpy(&nfd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
				if (c->nfds < OCI_MAX_FDS)
					c->fds[c->nfds++] = nfd;
				else
					close(nfd);
			}
		}
		if (msg.msg_flags & MSG_CTRUNC) {
			src->stats.errors++;
			agent_warn(src, &a->bad_log, "too many fds from uid %u: refused", c->uid);
			conn_free(src, a, c);
			return 0;
		}
		c->len += (size_t)n;
		if (conn_try(src, a, c, n == 0))
			return 0;
	}
}

/* Drop connections past their deadline; re-arm for the earliest remaining one. */
static int conns_expire(struct sensor_source *src, uint64_t now)
{
	struct sc_src *ss = src->priv;
	uint64_t next = SENSOR_TIME_INFINITY;

	for (struct sc_agent *a = ss->agents; a; a = a->next) {
		for (struct sc_conn *c = a->conns, *n; c; c = n) {
			n = c->next;
			if (c->deadline <= now) {
				src->stats.errors++;
				agent_warn(src, &a->bad_log,
					   "uid %u sent no complete state in time: dropped", c->uid);
				conn_free(src, a, c);
			} else if (c->deadline < next) {
				next = c->deadline;
			}
		}
	}
	ctx_source_timer(src, next, next == SENSOR_TIME_INFINITY ? NULL : conns_expire);
	return 0;
}

static int listen_ready(struct sensor_source *src, int fd, uint32_t events, unsigned budget)
{
	struct sc_src *ss = src->priv;
	struct sc_agent *a;

	(void)events;
	(void)budget;
	for (a = ss->agents; a && a->lfd != fd; a = a->next)
		;
	if (!a)
		return 0;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), r;
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		unsigned all, mine, mine_conns;
		struct sc_conn *c;

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
		    clen != sizeof(cred) || !peer_allowed(a, (uint32_t)cred.uid)) {
			a->refused++;
			src->stats.errors++;
			agent_warn(src, &a->refused_log,
				   "refused a client (uid %d, pid %d): only root%s may connect",
				   clen == sizeof(cred) ? (int)cred.uid : -1,
				   clen == sizeof(cred) ? (int)cred.pid : -1,
				   a->nallow ? " and the allowed uids" : "");
			close(cfd);
			continue;
		}
		agent_count(ss, a, (uint32_t)cred.uid, &all, &mine, &mine_conns);
		/*
		 * Root (the runtime) is bounded by the socket's totals only;
		 * another peer also by its own share, and its handshakes by a
		 * quarter of the slots, so it can never fill them.
		 */
		if (a->nconns >= MAX_CONNS || all >= a->max_chans ||
		    (cred.uid != 0 && (mine >= a->max_per_peer || mine_conns >= MAX_CONNS / 4))) {
			/* A runtime retries nothing: say so loudly; the container will fail to start. */
			a->refused++;
			ctx_emit_loss(src, 1,
				      a->nconns >= MAX_CONNS ? "agent: too many connections in progress; one refused"
				      : all >= a->max_chans  ? "agent: channel limit of the socket reached; a client refused"
							     : "agent: channel limit of a peer reached; a client refused");
			close(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			return -ENOMEM;
		}
		c->fd = cfd;
		c->uid = (uint32_t)cred.uid;
		c->deadline = now_mono() + CONN_TIMEOUT_NS;
		r = ctx_watch_fd(src, cfd, conn_ready);
		if (r < 0) {
			close(cfd);
			free(c);
			return r;
		}
		c->next = a->conns;
		a->conns = c;
		a->nconns++;
		if (src->timer_at == SENSOR_TIME_INFINITY || src->timer_at > c->deadline)
			ctx_source_timer(src, c->deadline, conns_expire);
	}
}

/* A socket file at path: replace it when nobody listens, refuse when someone does. */
static int clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0)
		return -EADDRINUSE;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int sc_agent_add(struct sensor_source *src, const char *path,
		 const struct sensor_seccomp_agent_opts *opts)
{
	struct sc_src *ss = sc_src_of(src);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sensor_seccomp_agent_opts o = { 0 };
	struct sc_agent *a;
	int r;

	if (!ss)
		return -EINVAL;
	r = OPTS_COPY(&o, opts, struct sensor_seccomp_agent_opts, max_channels_per_peer);
	if (r < 0)
		return r;
	if (o.flags || o.n_allow_uids > MAX_ALLOW_UIDS || (o.n_allow_uids && !o.allow_uids))
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	r = clear_stale(path, &sa);
	if (r < 0)
		return r;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	memcpy(a->path, sa.sun_path, sizeof(a->path));
	if (o.n_allow_uids) /* memcpy's source must not be NULL, even for 0 bytes */
		memcpy(a->allow, o.allow_uids, o.n_allow_uids * sizeof(a->allow[0]));
	a->nallow = (unsigned)o.n_allow_uids;
	a->max_chans = o.max_channels ? o.max_channels : DEFAULT_MAX_CHANNELS;
	a->max_per_peer = o.max_channels_per_peer ? o.max_channels_per_peer : DEFAULT_MAX_PER_PEER;
	a->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (a->lfd < 0) {
		r = -errno;
		free(a);
		return r;
	}
	if (bind(a->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto fail;
	}
	/*
	 * The mode before listen(): until then nobody can connect. Connecting
	 * needs write permission on the file, so 0600 keeps every other user
	 * out at the door; SO_PEERCRED checks again at accept().
	 */
	if (chmod(a->path, a->nallow ? 0666 : 0600) < 0) {
		r = -errno;
		unlink(a->path);
		goto fail;
	}
	r = listen(a->lfd, 64) < 0 ? -errno : ctx_watch_fd(src, a->lfd, listen_ready);
	if (r < 0) {
		unlink(a->path);
		goto fail;
	}
	a->next = ss->agents;
	ss->agents = a;
	ctx_emit_status(src, "agent_listening", a->path);
	return 0;
fail:
	close(a->lfd);
	free(a);
	return r;
}

void sc_agents_stop(struct sensor_source *src)
{
	struct sc_src *ss = src->priv;

	while (ss->agents) {
		struct sc_agent *a = ss->agents;

		ss->agents = a->next;
		while (a->conns)
			conn_free(src, a, a->conns);
		ctx_unwatch_fd(src, a->lfd);
		close(a->lfd);
		unlink(a->path);
		free(a);
	}
}
