/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The terminal view (docs/terminal.md): one compact line per event or alert
 * for a person watching `rtsensor run` or `rtsensor alerts`, instead of
 * JSON - time, workload, process, what, where; an alert's severity in
 * colour. Colour only on a terminal and never when NO_COLOR is set
 * (https://no-color.org) or TERM is "dumb". And the output filter
 * (--kind, --workload, --min-severity) both views share.
 */
#ifndef RTSENSOR_HUMAN_H
#define RTSENSOR_HUMAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libsensor/sensor.h>

struct out_filter {
	uint32_t kinds;        /* bit (1 << kind); 0: every kind */
	const char *workload;  /* id or its prefix (a short container ID); NULL: all */
	int min_severity;      /* enum sensor_severity; 0: all */
};

/* Parse "exec,file" into f->kinds. 0 or -EINVAL (unknown kind). */
int out_filter_kinds(struct out_filter *f, const char *list);
/* "high" -> f->min_severity. 0 or -EINVAL. */
int out_filter_severity(struct out_filter *f, const char *name);
/* Does the event pass? */
bool out_filter_event(const struct out_filter *f, const sensor_event *ev);
/* Does the alert (its JSON line) pass? Its kind is its evidence's. */
bool out_filter_alert(const struct out_filter *f, const char *json);

/* Colour for stream f: a terminal, NO_COLOR unset or empty, TERM not "dumb". */
bool human_color(FILE *f);
/* One line (with '\n') for an event into buf; its length (cut to cap - 1). */
size_t human_event(const sensor_event *ev, bool color, char *buf, size_t cap);
/* One line (with '\n') for an alert's JSON (docs/alerts.md); its length. */
size_t human_alert(const char *json, bool color, char *buf, size_t cap);

#endif
