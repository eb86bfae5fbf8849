/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Alerts to syslog (RFC 5424 over /dev/log, UDP or TCP): see syslog-sink.h. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
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

/* "HOST:PORT" or "[V6]:PORT" -> a connected socket of type. 0 or -EINVAL with err. */
static int connect_inet(struct syslog_sink *s, const char *spec, int type, char *err, size_t errlen)
{
	char host[256];
	const char *port, *h = spec;
	size_t hl;
	struct addrinfo hints = { .ai_socktype = type, .ai_flags = AI_NUMERICSERV }, *res, *ai;
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
	r = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			s->fd = fd;
			r = 0;
			break;
		}
		r = -errno;
		close(fd);
	}
	freeaddrinfo(res);
	if (r < 0)
		snprintf(err, errlen, "'%s': %s", spec, strerror(-r));
	return r < 0 ? -EINVAL : 0;
}

int syslog_sink_open(struct syslog_sink *s, const char *target, char *err, size_t errlen)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	snprintf(s->target, sizeof(s->target), "%s", target);
	if (gethostname(s->host, sizeof(s->host) - 1) < 0)
		s->host[0] = '\0';
	if (strcmp(target, "local") == 0)
		target = "unix:" SYSLOG_LOCAL;
	if (strncmp(target, "unix:", 5) == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		const char *path = target + 5;

		if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
			snprintf(err, errlen, "'%s': a socket path of 1-%zu bytes", target,
				 sizeof(sa.sun_path) - 1);
			return -EINVAL;
		}
		memcpy(sa.sun_path, path, strlen(path));
		s->transport = SYSLOG_UNIX;
		s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0 || connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			snprintf(err, errlen, "'%s': %s", path, strerror(errno));
			if (s->fd >= 0)
				close(s->fd);
			s->fd = -1;
			return -EINVAL;
		}
		return 0;
	}
	if (strncmp(target, "udp:", 4) == 0) {
		s->transport = SYSLOG_UDP;
		return connect_inet(s, target + 4, SOCK_DGRAM, err, errlen);
	}
	if (strncmp(target, "tcp:", 4) == 0) {
		s->transport = SYSLOG_TCP;
		if (connect_inet(s, target + 4, SOCK_STREAM, err, errlen) < 0)
			return -EINVAL;
		/* a stalled collector must not stall the sensor's loop for long */
		setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		return 0;
	}
	snprintf(err, errlen, "'%s': want local, unix:PATH, udp:HOST:PORT or tcp:HOST:PORT", target);
	return -EINVAL;
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

int syslog_sink_send(struct syslog_sink *s, const sensor_alert *a, const char *json)
{
	const char *msgid = sensor_alert_rule(a) ? sensor_alert_rule(a) : sensor_alert_reason(a);
	size_t cap = strlen(json) + 600, n, off = 0;
	struct timespec ts;
	char *buf;
	int r = 0;

	if (s->fd < 0)
		return -EBADF;
	buf = malloc(cap + 16);
	if (!buf) {
		r = -ENOMEM;
		goto fail;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (s->transport == SYSLOG_TCP)
		off = 16; /* room for the octet count in front */
	n = syslog_format(buf + off, cap, sensor_alert_severity(a), &ts, s->host, (long)getpid(),
			  msgid, json);
	if (n >= cap) {
		r = -EMSGSIZE;
	} else if (s->transport == SYSLOG_TCP) {
		char len[16];
		int l = snprintf(len, sizeof(len), "%zu ", n);

		memcpy(buf + off - (size_t)l, len, (size_t)l);
		r = send_all(s->fd, buf + off - (size_t)l, n + (size_t)l);
	} else if (s->transport == SYSLOG_UDP && n > UDP_MAX) {
		r = -EMSGSIZE;
	} else if (send(s->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		r = -errno;
	}
	free(buf);
	if (r == 0) {
		s->sent++;
		return 0;
	}
fail:
	s->failed++;
	s->last_err = r;
	return r;
}

void syslog_sink_close(struct syslog_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
