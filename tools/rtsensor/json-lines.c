/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "human.h"
#include "json-lines.h"
#include "ocsf.h"
#include "safe-open.h"

int json_lines_open(struct json_lines *jl, const char *path, bool append)
{
	int r = 0;

	memset(jl, 0, sizeof(*jl));
	if (!path)
		return 0;
	jl->cap = 16384;
	jl->buf = malloc(jl->cap);
	if (!jl->buf)
		return -ENOMEM;
	if (strcmp(path, "-") == 0) {
		jl->f = stdout;
		return 0;
	}
	jl->f = out_fopen(path, append, &r);
	if (!jl->f) {
		free(jl->buf);
		jl->buf = NULL;
		return r;
	}
	return 0;
}

int json_lines_open_stream(struct json_lines *jl, FILE *f)
{
	memset(jl, 0, sizeof(*jl));
	jl->cap = 16384;
	jl->buf = malloc(jl->cap);
	if (!jl->buf)
		return -ENOMEM;
	jl->f = f;
	return 0;
}

void json_lines_event(struct json_lines *jl, const sensor_event *ev)
{
	int n;

	if (!jl->f || jl->err || !out_filter_event(jl->filter, ev))
		return;
	if (jl->human) {
		size_t len = human_event(ev, jl->color, jl->buf, jl->cap);

		if (fwrite(jl->buf, 1, len, jl->f) != len)
			jl->err = errno ? -errno : -EIO;
		else
			jl->n++;
		return;
	}
	n = sensor_event_to_json(ev, jl->buf, jl->cap);
	if (n >= 0 && (size_t)n >= jl->cap) {
		size_t cap = (size_t)n + 1;
		char *nb = realloc(jl->buf, cap);

		if (!nb) {
			jl->err = -ENOMEM;
			return;
		}
		jl->buf = nb;
		jl->cap = cap;
		n = sensor_event_to_json(ev, jl->buf, jl->cap);
	}
	if (n < 0)
		return;
	if (jl->ocsf_host) {
		char *o = ocsf_line(jl->buf, (size_t)n, jl->ocsf_host);

		if (!o) {
			jl->err = -ENOMEM;
			return;
		}
		if (fputs(o, jl->f) == EOF || fputc('\n', jl->f) == EOF)
			jl->err = errno ? -errno : -EIO;
		else
			jl->n++;
		free(o);
		return;
	}
	jl->buf[n] = '\n';
	if (fwrite(jl->buf, 1, (size_t)n + 1, jl->f) != (size_t)n + 1)
		jl->err = errno ? -errno : -EIO;
	else
		jl->n++;
}

void json_lines_flush(struct json_lines *jl)
{
	if (jl->f && fflush(jl->f) != 0 && !jl->err)
		jl->err = -errno;
}

int json_lines_close(struct json_lines *jl)
{
	json_lines_flush(jl);
	if (jl->f && jl->f != stdout && jl->f != stderr && fclose(jl->f) != 0 && !jl->err)
		jl->err = -errno;
	jl->f = NULL;
	free(jl->buf);
	jl->buf = NULL;
	return jl->err;
}

void json_put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
