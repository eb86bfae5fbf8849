/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fanotify unit tests' event sink: a copy of what each dispatched event says. */
#ifndef FAN_COLLECT_H
#define FAN_COLLECT_H

#include <libsensor/sensor.h>
#include <stdio.h>
#include <string.h>

struct ev_copy {
	int kind;
	char op[16], path[64], to[64];
	int64_t lost;
};
static struct ev_copy evs[2048];
static int nev;

static inline void collect(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	const char *s;

	(void)ctx;
	(void)ud;
	if (nev >= (int)(sizeof(evs) / sizeof(evs[0])))
		return;
	memset(&evs[nev], 0, sizeof(evs[nev]));
	evs[nev].kind = sensor_event_kind(ev);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP)))
		snprintf(evs[nev].op, sizeof(evs[nev].op), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_FILE_PATH)))
		snprintf(evs[nev].path, sizeof(evs[nev].path), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_FILE_TO)))
		snprintf(evs[nev].to, sizeof(evs[nev].to), "%s", s);
	sensor_event_get_int(ev, SENSOR_FIELD_LOSS_COUNT, &evs[nev].lost);
	nev++;
}

#endif
