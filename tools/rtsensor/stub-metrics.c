/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --metrics in a build without libmicrohttpd: refused at start (exit 4). */
#include <errno.h>
#include <stdio.h>

#include "metrics.h"

int metrics_open(struct metrics **ret, const char *addrport, char *err, size_t errlen)
{
	(void)ret;
	(void)addrport;
	snprintf(err, errlen, "this build has no libmicrohttpd");
	return -EOPNOTSUPP;
}

unsigned metrics_port(const struct metrics *m)
{
	(void)m;
	return 0;
}

void metrics_count_event(struct metrics *m, const sensor_event *ev)
{
	(void)m;
	(void)ev;
}

void metrics_count_alert(struct metrics *m, const char *json)
{
	(void)m;
	(void)json;
}

void metrics_publish(struct metrics *m, sensor_ctx *ctx, sensor_source *const *srcs, int nsrc,
		     struct run_baseline *rb)
{
	(void)m;
	(void)ctx;
	(void)srcs;
	(void)nsrc;
	(void)rb;
}

void metrics_close(struct metrics *m)
{
	(void)m;
}
