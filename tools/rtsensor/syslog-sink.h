/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Alerts to syslog as RFC 5424 messages (DESIGN §6): the local daemon's
 * socket (/dev/log), or a collector over UDP (RFC 5426, one message a
 * datagram) or TCP (RFC 6587 octet counting). MSGID is the rule id or the
 * baseline reason, so a collector can route on it; MSG is the alert's JSON
 * line (OCSF with --format ocsf). Facility user; severity from the alert's (critical -> crit, high ->
 * err, medium -> warning, low -> notice, info -> info). Structured data is
 * the nil value: SD-IDs need an IANA enterprise number.
 */
#ifndef RTSENSOR_SYSLOG_SINK_H
#define RTSENSOR_SYSLOG_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libsensor/sensor.h>

#define SYSLOG_LOCAL "/dev/log"

enum syslog_transport { SYSLOG_UNIX = 1, SYSLOG_UDP, SYSLOG_TCP };

struct syslog_sink {
	enum syslog_transport transport;
	int fd;
	char target[300];  /* as given, for messages */
	char host[256];    /* HOSTNAME field */
	uint64_t sent;
	uint64_t failed;   /* not delivered: counted, reported at close */
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

/* Send one alert with msg as MSG (its JSON line, or OCSF). 0, or -errno (counted in failed). */
int syslog_sink_send(struct syslog_sink *s, const sensor_alert *a, const char *msg);

void syslog_sink_close(struct syslog_sink *s);

#endif
