/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Events as JSON lines to a file or stdout: the one writer every verb uses. */
#ifndef RTSENSOR_JSON_LINES_H
#define RTSENSOR_JSON_LINES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libsensor/sensor.h>

struct out_filter;

struct json_lines {
	FILE *f;      /* NULL: events are not written */
	char *buf;
	size_t cap;
	const char *ocsf_host; /* non-NULL: write OCSF (ocsf.h) with this device hostname */
	bool human;   /* one line for a person (human.h) instead of JSON */
	bool color;   /* ... with colours */
	const struct out_filter *filter; /* NULL: every event */
	int err;      /* first write error (-errno), sticky */
	uint64_t n;   /* lines written */
};

/* path: a file (appended to, or truncated), "-" for stdout, or NULL for nowhere. 0 or -errno. */
int json_lines_open(struct json_lines *jl, const char *path, bool append);
/* Write to an open stream (stdout, stderr) that json_lines_close() will not close. */
int json_lines_open_stream(struct json_lines *jl, FILE *f);
/* Write one event as one line; errors are kept in jl->err. */
void json_lines_event(struct json_lines *jl, const sensor_event *ev);
/* Flush (the stream stays open). */
void json_lines_flush(struct json_lines *jl);
/* Flush and close (stdout and stderr are flushed, not closed); 0 or the first -errno. */
int json_lines_close(struct json_lines *jl);

/* A JSON string (quoted, escaped) of the CLI's own text, to f. */
void json_put_str(FILE *f, const char *s);

#endif
