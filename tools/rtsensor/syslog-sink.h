/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Alerts to syslog as RFC 5424 messages (architecture §6): the local daemon's
 * socket (/dev/log), or a collector over UDP (RFC 5426, one message a
 * datagram) or TCP (RFC 6587 octet counting). MSGID is the rule id or the
 * baseline reason, so a collector can route on it; MSG is the alert's JSON
 * line (OCSF with --format ocsf). Facility user; severity from the alert's (critical -> crit, high ->
 * err, medium -> warning, low -> notice, info -> info). Structured data is
 * the nil value: SD-IDs need an IANA enterprise number.
 *
 * Events go the same way (syslog_sink_send_event(), selected by kind):
 * MSGID is the event's kind, severity info (a loss: warning), MSG its JSON.
 *
 * Delivery: messages wait in a bounded queue (4096) while the collector is
 * away, and the sink reconnects (at most every 200 ms) and sends them in
 * order. A message counts as sent once the collector has taken it: on a
 * unix datagram socket when the socket's queue to the reader is seen empty
 * (SIOCOUTQ) before a later send succeeds; on a stream (TCP, or a unix
 * stream socket such as rsyslog's imptcp) when the collector closes in
 * order (FIN: it read everything) or the sink stops. A message the
 * collector may have dropped unread (a reset, a refused datagram) is sent
 * again after the reconnect: delivery is at least once, so a collector
 * restart can repeat a message, never lose one the sink counted as sent.
 */
#ifndef RTSENSOR_SYSLOG_SINK_H
#define RTSENSOR_SYSLOG_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <stdint.h>
#include <time.h>

#include <libsensor/sensor.h>

#define SYSLOG_LOCAL "/dev/log"

enum syslog_transport { SYSLOG_UNIX = 1, SYSLOG_UDP, SYSLOG_TCP };

#define SYSLOG_QUEUE_MAX 4096 /* messages waiting for the collector */
#define SYSLOG_UNCONFIRMED_MAX 1024 /* sent, not yet known to be taken */

struct syslog_msg {
	char *text; /* the frame as sent (octet count included on streams) */
	size_t len;
	bool alert;
};

struct syslog_sink {
	enum syslog_transport transport;
	int fd;
	int socktype;      /* SOCK_DGRAM or SOCK_STREAM (unix: what the path is) */
	char target[300];  /* as given, for messages */
	char path[108];    /* unix: the socket path */
	struct sockaddr_storage addr; /* udp/tcp: where to reconnect */
	unsigned addrlen;
	char host[256];    /* HOSTNAME field */
	/* waiting to be sent, oldest first */
	struct syslog_msg *q;
	unsigned qhead, qn;
	/* sent on this connection, not yet confirmed taken, oldest first */
	struct syslog_msg *u;
	unsigned uhead, un;
	uint64_t next_connect; /* CLOCK_MONOTONIC ns of the next reconnect attempt */
	uint64_t sent;      /* messages the collector took (or that are sent and unconfirmed) */
	uint64_t failed;    /* not delivered: counted, reported at close */
	uint64_t resent;    /* sent again after a reset */
	uint64_t reconnects;
	uint64_t alerts_sent, alerts_failed, events_sent, events_failed;
	int last_err;      /* -errno of the last failure */
};

/*
 * "unix:PATH", "udp:HOST:PORT", "tcp:HOST:PORT" (an IPv6 HOST in brackets)
 * or "local" (unix:/dev/log). 0, or -EINVAL with a reason in err.
 */
int syslog_sink_open(struct syslog_sink *s, const char *target, char *err, size_t errlen);

/*
 * One RFC 5424 message (no framing) into buf: its length, which is more
 * than cap - 1 when buf was too small (the text is then cut).
 */
size_t syslog_format(char *buf, size_t cap, enum sensor_severity sev, const struct timespec *ts,
		     const char *host, long pid, const char *msgid, const char *msg);

/*
 * Send one alert with msg as MSG (its JSON line, or OCSF): queued, then
 * sent as far as the collector takes it now. 0, -ENOBUFS when the queue is
 * full (counted in failed), -EMSGSIZE.
 */
int syslog_sink_send(struct syslog_sink *s, const sensor_alert *a, const char *msg);
/* The same for one event (MSGID its kind) with its JSON line as msg. */
int syslog_sink_send_event(struct syslog_sink *s, const sensor_event *ev, const char *msg);
/* Send what waits, reconnecting when due (between loop slices). */
void syslog_sink_flush(struct syslog_sink *s);
/* Keep sending what waits for at most grace_ns; what is left counts as failed. Closes. */
void syslog_sink_close(struct syslog_sink *s, uint64_t grace_ns);

#endif
