/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Alerts POSTed to an HTTP endpoint (--http URL; falcosidekick's "/" takes
 * the Falco body): one request per alert, Content-Type application/json.
 *
 * The sensor's loop never waits on the network: http_sink_post() copies the
 * body into a bounded queue that a sender thread of the CLI drains (the
 * library has no thread; the CLI may). A failed request (no connection,
 * timeout, a 5xx, 408 or 429) is retried with a growing pause (100 ms up to
 * 2 s) for as long as the sensor runs, so a receiver that restarts loses
 * nothing that fits the queue. An alert is lost only when the queue is full
 * (the newest is refused), when the receiver refuses it for good (another
 * 4xx), or at stop when the receiver stays away past the grace period; each
 * is counted, and the caller turns the counts into loss events.
 */
#ifndef RTSENSOR_HTTP_SINK_H
#define RTSENSOR_HTTP_SINK_H

#include <stddef.h>
#include <stdint.h>

struct http_sink;

struct http_sink_stats {
	uint64_t queued;   /* accepted into the queue */
	uint64_t sent;     /* answered 2xx */
	uint64_t retries;  /* requests that failed and were tried again */
	uint64_t dropped;  /* refused: the queue was full */
	uint64_t rejected; /* refused for good by the receiver (4xx) */
	uint64_t abandoned; /* still queued when the grace period at stop ran out */
	uint64_t depth;    /* in the queue now */
	int last_status;   /* last HTTP status, 0 when no answer */
	char last_err[160];
};

/*
 * url: http:// or https://. capacity: queue length (0: 1024). 0, -EINVAL
 * (with a reason in err), -EOPNOTSUPP (built without libcurl), -ENOMEM.
 */
int http_sink_open(struct http_sink **ret, const char *url, unsigned capacity, char *err,
		   size_t errlen);
/* Queue one body (copied). 0, or -ENOBUFS when the queue is full (counted). */
int http_sink_post(struct http_sink *s, const char *body, size_t len);
void http_sink_get_stats(struct http_sink *s, struct http_sink_stats *st);
/* Deliver what is queued for at most grace_ns, stop the thread, free. NULL-safe. */
void http_sink_close(struct http_sink *s, uint64_t grace_ns, struct http_sink_stats *final);

#endif
