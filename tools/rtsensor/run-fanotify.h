/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor run's fanotify options (--watch, --deny-exec). */
#ifndef RTSENSOR_RUN_FANOTIFY_H
#define RTSENSOR_RUN_FANOTIFY_H

#include <stdbool.h>

#include <libsensor/sensor.h>

struct run_fanotify {
	const char **paths; /* argv strings, NULL-terminated */
	int npaths;
	const char **globs;
	int nglobs;
	struct sensor_fanotify_opts o;
};

/* --watch PATH (absolute). 0, -EINVAL, -ENOMEM. */
int run_fanotify_watch(struct run_fanotify *rf, const char *path);
/* --deny-exec GLOB (fnmatch(3) on the full path). 0, -EINVAL, -ENOMEM. */
int run_fanotify_deny_exec(struct run_fanotify *rf, const char *glob);
/* True when the command line asked for anything fanotify. */
bool run_fanotify_wanted(const struct run_fanotify *rf);
/*
 * Options for sensor_source_add(), or NULL for the source's defaults.
 * -EDESTADDRREQ when --deny-exec was given without --watch.
 */
int run_fanotify_opts(struct run_fanotify *rf, const struct sensor_fanotify_opts **ret);
void run_fanotify_free(struct run_fanotify *rf);

#endif
