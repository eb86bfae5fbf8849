/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --http in a build without libcurl: refused at start (exit 4). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http-sink.h"

int http_sink_open(struct http_sink **ret, const char *url, unsigned capacity, char *err,
		   size_t errlen)
{
	(void)ret;
	(void)url;
	(void)capacity;
	snprintf(err, errlen, "this build has no libcurl");
	return -EOPNOTSUPP;
}

int http_sink_post(struct http_sink *s, const char *body, size_t len)
{
	(void)s;
	(void)body;
	(void)len;
	return -EOPNOTSUPP;
}

void http_sink_get_stats(struct http_sink *s, struct http_sink_stats *st)
{
	(void)s;
	memset(st, 0, sizeof(*st));
}

void http_sink_close(struct http_sink *s, uint64_t grace_ns, struct http_sink_stats *final)
{
	(void)s;
	(void)grace_ns;
	if (final)
		memset(final, 0, sizeof(*final));
}
