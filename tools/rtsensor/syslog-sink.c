/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Alerts to syslog (RFC 5424 over /dev/log, UDP or TCP): see syslog-sink.h. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/ioctl.h>
#include <sys/un.h>
#include <linux/sockios.h>
#include <poll.h>
#include <unistd.h>

#include "syslog-sink.h"

#define FACILITY_USER 1
#define UDP_MAX 65507 /* the largest UDP payload over IPv4 */

static int severity_code(enum sensor_severity sev)
{
	switch (sev) {
	case SENSOR_SEVERITY_CRITICAL:
		return 2;
	case SENSOR_SEVERITY_HIGH:
		return 3;
	case SENSOR_SEVERITY_MEDIUM:
		return 4;
	case SENSOR_SEVERITY_LOW:
		return 5;
	default:
		return 6;
	}
}

/* A bounded writer: len counts everything, the buffer keeps what fits. */
struct out {
	char *b;
	size_t cap, len;
};

static void put_c(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->b[o->len] = c;
	o->len++;
}

/* A header field: printable US-ASCII without blanks, at most max, "-" when empty. */
static void put_field(struct out *o, const char *s, size_t max)
{
	size_t n = 0;

	for (; s && s[n] && n < max; n++)
		put_c(o, (s[n] > 32 && s[n] < 127) ? s[n] : '_');
	if (n == 0)
		put_c(o, '-');
	put_c(o, ' ');
}

size_t syslog_format(char *buf, size_t cap, enum sensor_severity sev, const struct timespec *ts,
		     const char *host, long pid, const char *msgid, const char *msg)
{
	struct out o = { buf, cap, 0 };
	char head[64], pidtxt[24];
	struct tm tm;
	int n;

	gmtime_r(&ts->tv_sec, &tm);
	n = snprintf(head, sizeof(head), "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06ldZ ",
		     FACILITY_USER * 8 + severity_code(sev), tm.tm_year + 1900, tm.tm_mon + 1,
		     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000);
	for (int i = 0; i < n && i < (int)sizeof(head) - 1; i++)
		put_c(&o, head[i]);
	put_field(&o, host, 255);
	put_field(&o, "rtsensor", 48);
	snprintf(pidtxt, sizeof(pidtxt), "%ld", pid);
	put_field(&o, pidtxt, 128);
	put_field(&o, msgid, 32);
	/* no structured data; the message is the alert's JSON line */
	put_c(&o, '-');
	put_c(&o, ' ');
	for (size_t i = 0; msg && msg[i]; i++)
		put_c(&o, msg[i]);
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len;
}

/* The whole of buf[0..n) on a stream socket. 0 or -errno. */
static int send_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "HOST:PORT" or "[V6]:PORT" -> s->addr (the first address). 0 or -EINVAL with err. */
static int resolve_inet(struct syslog_sink *s, const char *spec, int type, char *err, size_t errlen)
{
	char host[256];
	const char *port, *h = spec;
	size_t hl;
	struct addrinfo hints = { .ai_socktype = type, .ai_flags = AI_NUMERICSERV }, *res;
	int r;

	if (*spec == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "'%s': an IPv6 address goes in brackets: [ADDR]:PORT", spec);
			return -EINVAL;
		}
		h = spec + 1;
		hl = (size_t)(close - h);
		port = close + 2;
	} else {
		port = strrchr(spec, ':');
		if (!port) {
			snprintf(err, errlen, "'%s' needs HOST:PORT", spec);
			return -EINVAL;
		}
		hl = (size_t)(port - spec);
		port++;
	}
	if (hl == 0 || hl >= sizeof(host) || !*port || strspn(port, "0123456789") != strlen(port) ||
	    strlen(port) > 5 || strtoul(port, NULL, 10) == 0 || strtoul(port, NULL, 10) > 65535) {
		snprintf(err, errlen, "'%s' needs HOST:PORT with a port 1-65535", spec);
		return -EINVAL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		snprintf(err, errlen, "'%s': %s", host, gai_strerror(r));
		return -EINVAL;
	}
	memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
	s->addrlen = (unsigned)res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* (Re)connect. 0 or -errno; on failure the next attempt waits 200 ms. */
static int sink_connect(struct syslog_sink *s)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int fd, r;

	if (s->fd >= 0)
		return 0;
	if (s->transport == SYSLOG_UNIX) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		memcpy(sa.sun_path, s->path, strlen(s->path));
		fd = socket(AF_UNIX, s->socktype | SOCK_CLOEXEC, 0);
		if (fd >= 0 && s->socktype == SOCK_STREAM)
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		r = fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
		if (r == -EPROTOTYPE && s->socktype == SOCK_DGRAM) {
			/* a stream socket (rsyslog's imptcp): octet-counted frames */
			close(fd);
			s->socktype = SOCK_STREAM;
			return sink_connect(s);
		}
	} else {
		fd = socket(s->addr.ss_family,
			    (s->transport == SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
		/* a stalled collector must not stall the sensor's loop for long (connect too) */
		if (fd >= 0 && s->transport == SYSLOG_TCP)
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		r = fd < 0 || connect(fd, (struct sockaddr *)&s->addr, s->addrlen) < 0 ? -errno : 0;
	}
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		s->last_err = r;
		s->next_connect = mono_ns() + 200000000u;
		return r;
	}
	s->fd = fd;
	return 0;
}

static bool stream(const struct syslog_sink *s)
{
	return s->transport == SYSLOG_TCP || (s->transport == SYSLOG_UNIX && s->socktype == SOCK_STREAM);
}

int syslog_sink_open(struct syslog_sink *s, const char *target, char *err, size_t errlen)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	snprintf(s->target, sizeof(s->target), "%s", target);
	if (gethostname(s->host, sizeof(s->host) - 1) < 0)
		s->host[0] = '\0';
	s->q = calloc(SYSLOG_QUEUE_MAX, sizeof(*s->q));
	s->u = calloc(SYSLOG_UNCONFIRMED_MAX, sizeof(*s->u));
	if (!s->q || !s->u) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		goto fail;
	}
	if (strcmp(target, "local") == 0)
		target = "unix:" SYSLOG_LOCAL;
	if (strncmp(target, "unix:", 5) == 0) {
		const char *path = target + 5;

		if (!*path || strlen(path) >= sizeof(s->path)) {
			snprintf(err, errlen, "'%s': a socket path of 1-%zu bytes", target,
				 sizeof(s->path) - 1);
			goto fail;
		}
		memcpy(s->path, path, strlen(path) + 1);
		s->transport = SYSLOG_UNIX;
		s->socktype = SOCK_DGRAM;
	} else if (strncmp(target, "udp:", 4) == 0 || strncmp(target, "tcp:", 4) == 0) {
		s->transport = target[0] == 'u' ? SYSLOG_UDP : SYSLOG_TCP;
		s->socktype = target[0] == 'u' ? SOCK_DGRAM : SOCK_STREAM;
		if (resolve_inet(s, target + 4, s->socktype, err, errlen) < 0)
			goto fail;
	} else {
		snprintf(err, errlen, "'%s': want local, unix:PATH, udp:HOST:PORT or tcp:HOST:PORT",
			 target);
		goto fail;
	}
	/* a collector that cannot be reached at start is a usage error */
	r = sink_connect(s);
	if (r < 0) {
		snprintf(err, errlen, "'%s': %s", s->transport == SYSLOG_UNIX ? s->path : target + 4,
			 strerror(-r));
		goto fail;
	}
	return 0;
fail:
	free(s->q);
	free(s->u);
	s->q = s->u = NULL;
	return -EINVAL;
}

static void msg_free(struct syslog_msg *m)
{
	free(m->text);
	m->text = NULL;
}

/* The collector took every unconfirmed message. */
static void confirm_all(struct syslog_sink *s)
{
	while (s->un) {
		msg_free(&s->u[s->uhead]);
		s->uhead = (s->uhead + 1) % SYSLOG_UNCONFIRMED_MAX;
		s->un--;
	}
}

/*
 * The connection is gone and the collector may have dropped what it had not
 * read: the unconfirmed messages go back in front of the queue, in order
 * (what does not fit the queue is failed). Closes the socket.
 */
static void connection_lost(struct syslog_sink *s, int err, bool requeue)
{
	close(s->fd);
	s->fd = -1;
	s->last_err = err;
	s->reconnects++;
	s->next_connect = mono_ns(); /* try again at once, then every 200 ms */
	if (!requeue) {
		confirm_all(s);
		return;
	}
	while (s->un) {
		unsigned last = (s->uhead + s->un - 1) % SYSLOG_UNCONFIRMED_MAX;
		struct syslog_msg m = s->u[last];

		s->un--;
		s->sent--;
		if (m.alert)
			s->alerts_sent--;
		else
			s->events_sent--;
		if (s->qn >= SYSLOG_QUEUE_MAX) {
			s->failed++;
			if (m.alert)
				s->alerts_failed++;
			else
				s->events_failed++;
			msg_free(&m);
			continue;
		}
		s->qhead = (s->qhead + SYSLOG_QUEUE_MAX - 1) % SYSLOG_QUEUE_MAX;
		s->q[s->qhead] = m;
		s->qn++;
		s->resent++;
	}
}

/* Is the stream still open? 0 yes, or what ended it (-EPIPE: an orderly close). */
static int stream_state(struct syslog_sink *s)
{
	char c;
	ssize_t n = recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n == 0)
		return -EPIPE;
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return -errno;
	return 0; /* nothing to read (a collector says nothing), or it did: still open */
}

void syslog_sink_flush(struct syslog_sink *s)
{
	while (s->qn) {
		struct syslog_msg *m = &s->q[s->qhead];
		int r = 0;

		if (s->fd < 0 && (mono_ns() < s->next_connect || sink_connect(s) < 0))
			return;
		if (stream(s)) {
			r = stream_state(s);
			if (r == -EPIPE) {
				/* an orderly close: the collector read all it was sent */
				connection_lost(s, r, false);
				continue;
			}
			if (r < 0) {
				connection_lost(s, r, true);
				continue;
			}
			r = send_all(s->fd, m->text, m->len);
		} else {
			int outq = 0;

			/* nothing left in the reader's queue: everything before was taken */
			if (s->transport == SYSLOG_UNIX && ioctl(s->fd, SIOCOUTQ, &outq) == 0 && outq == 0)
				confirm_all(s);
			if (s->transport == SYSLOG_UDP && m->len > UDP_MAX)
				r = -EMSGSIZE;
			else if (send(s->fd, m->text, m->len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				r = -errno;
		}
		if (r == -EMSGSIZE) {
			s->failed++;
			if (m->alert)
				s->alerts_failed++;
			else
				s->events_failed++;
			s->last_err = r;
			msg_free(m);
			s->qhead = (s->qhead + 1) % SYSLOG_QUEUE_MAX;
			s->qn--;
			continue;
		}
		if (r == -EAGAIN || r == -EWOULDBLOCK || r == -ENOBUFS) {
			s->last_err = r; /* the reader is slow: try again later */
			return;
		}
		if (r < 0) {
			/* refused, reset, broken: reconnect; what it may not have read goes again */
			connection_lost(s, r, true);
			continue;
		}
		s->sent++;
		if (m->alert)
			s->alerts_sent++;
		else
			s->events_sent++;
		if (s->transport == SYSLOG_UDP) {
			msg_free(m); /* UDP: nothing to confirm, nothing to learn */
		} else {
			if (s->un >= SYSLOG_UNCONFIRMED_MAX) {
				msg_free(&s->u[s->uhead]); /* the oldest: taken long ago */
				s->uhead = (s->uhead + 1) % SYSLOG_UNCONFIRMED_MAX;
				s->un--;
			}
			s->u[(s->uhead + s->un) % SYSLOG_UNCONFIRMED_MAX] = *m;
			s->un++;
			m->text = NULL;
		}
		s->qhead = (s->qhead + 1) % SYSLOG_QUEUE_MAX;
		s->qn--;
	}
}

/* Format and queue one message, then send what can go now. */
static int enqueue(struct syslog_sink *s, enum sensor_severity sev, const char *msgid,
		   const char *msg, bool alert)
{
	size_t cap = strlen(msg) + 600, n;
	struct timespec ts;
	char *buf;

	if (!s->q)
		return -EBADF;
	if (s->qn >= SYSLOG_QUEUE_MAX) {
		s->failed++;
		if (alert)
			s->alerts_failed++;
		else
			s->events_failed++;
		s->last_err = -ENOBUFS;
		syslog_sink_flush(s);
		return -ENOBUFS;
	}
	buf = malloc(cap + 16);
	if (!buf) {
		s->failed++;
		s->last_err = -ENOMEM;
		return -ENOMEM;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	/* room for the octet count in front, used on streams */
	n = syslog_format(buf + 16, cap, sev, &ts, s->host, (long)getpid(), msgid, msg);
	if (n >= cap) {
		free(buf);
		s->failed++;
		if (alert)
			s->alerts_failed++;
		else
			s->events_failed++;
		s->last_err = -EMSGSIZE;
		return -EMSGSIZE;
	}
	if (stream(s)) {
		char len[16];
		int l = snprintf(len, sizeof(len), "%zu ", n);

		memcpy(buf + 16 - (size_t)l, len, (size_t)l);
		memmove(buf, buf + 16 - (size_t)l, n + (size_t)l);
		n += (size_t)l;
	} else {
		memmove(buf, buf + 16, n);
	}
	s->q[(s->qhead + s->qn) % SYSLOG_QUEUE_MAX] = (struct syslog_msg){ buf, n, alert };
	s->qn++;
	syslog_sink_flush(s);
	return 0;
}

int syslog_sink_send(struct syslog_sink *s, const sensor_alert *a, const char *json)
{
	const char *msgid = sensor_alert_rule(a) ? sensor_alert_rule(a) : sensor_alert_reason(a);

	return enqueue(s, sensor_alert_severity(a), msgid, json, true);
}

int syslog_sink_send_event(struct syslog_sink *s, const sensor_event *ev, const char *json)
{
	enum sensor_kind k = sensor_event_kind(ev);

	return enqueue(s, k == SENSOR_KIND_LOSS ? SENSOR_SEVERITY_MEDIUM : SENSOR_SEVERITY_INFO,
		       sensor_kind_name(k), json, false);
}

void syslog_sink_close(struct syslog_sink *s, uint64_t grace_ns)
{
	uint64_t until = mono_ns() + grace_ns;

	if (!s->q)
		return;
	while (s->qn && mono_ns() < until) {
		syslog_sink_flush(s);
		if (s->qn)
			nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
	}
	/* what never went out */
	while (s->qn) {
		struct syslog_msg *m = &s->q[s->qhead];

		s->failed++;
		if (m->alert)
			s->alerts_failed++;
		else
			s->events_failed++;
		msg_free(m);
		s->qhead = (s->qhead + 1) % SYSLOG_QUEUE_MAX;
		s->qn--;
	}
	confirm_all(s);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->q);
	free(s->u);
	s->q = s->u = NULL;
}
