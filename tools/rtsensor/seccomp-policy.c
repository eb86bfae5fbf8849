/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp-policy.h"

static int parse_errno(const char *s)
{
	char *end;
	long v;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || *end || v < 1 || v > 4095)
			return -EINVAL;
		return (int)v;
	}
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);

		if (n && strcmp(n, s) == 0)
			return e;
	}
	return -EINVAL;
}

int policy_add_deny(struct seccomp_policy *p, const char *spec)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	int err = EPERM;

	if (p->ndeny >= POLICY_MAX)
		return -ENOSPC;
	if (n == 0 || n >= sizeof(p->deny[0].name))
		return -EINVAL;
	if (colon) {
		err = parse_errno(colon + 1);
		if (err < 0)
			return err;
	}
	memcpy(p->deny[p->ndeny].name, spec, n);
	p->deny[p->ndeny].name[n] = '\0';
	p->deny[p->ndeny].err = err;
	p->ndeny++;
	return 0;
}

int policy_add_hold(struct seccomp_policy *p, const char *name)
{
	size_t n = strlen(name);

	if (p->nwatch >= POLICY_MAX)
		return -ENOSPC;
	if (n == 0 || n >= sizeof(p->watch[0]))
		return -EINVAL;
	memcpy(p->watch[p->nwatch++], name, n + 1);
	return 0;
}

static void held_add(struct seccomp_policy *p, unsigned *n, const char *name)
{
	for (unsigned j = 0; j < *n; j++)
		if (strcmp(p->held[j], name) == 0)
			return;
	p->held[(*n)++] = name;
}

void policy_finish(struct seccomp_policy *p)
{
	const char *const *d = sensor_seccomp_default_syscalls();
	unsigned n = 0;

	for (; *d && n < 32; d++)
		p->held[n++] = *d;
	for (unsigned i = 0; i < p->ndeny; i++)
		held_add(p, &n, p->deny[i].name);
	for (unsigned i = 0; i < p->nwatch; i++)
		held_add(p, &n, p->watch[i]);
	p->held[n] = NULL;
}

/* The kernel refused the answer: say so (ENOENT: the task died or a signal interrupted it). */
static void answer_failed(struct seccomp_policy *p, sensor_event *ev, const char *name, int r)
{
	int64_t pid = 0;

	p->respond_errors++;
	sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid);
	fprintf(stderr, "rtsensor: seccomp: answer to %s of pid %lld not delivered: %s\n",
		name ? name : "syscall", (long long)pid, strerror(-r));
}

static void decide(struct seccomp_policy *p, sensor_event *ev)
{
	const char *name = sensor_event_get_str(ev, SENSOR_FIELD_SYSCALL_NAME);
	int r;

	/* Decided on the syscall name only: pointer arguments are never read (docs/seccomp.md). */
	for (unsigned i = 0; name && i < p->ndeny; i++) {
		if (strcmp(p->deny[i].name, name) == 0) {
			r = sensor_event_respond(ev, SENSOR_DECISION_DENY, p->deny[i].err, "policy: --deny");
			p->denied++;
			if (r < 0)
				answer_failed(p, ev, name, r);
			return;
		}
	}
	r = sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, "policy: not denied");
	p->allowed++;
	if (r < 0)
		answer_failed(p, ev, name, r);
}

void policy_on_event(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct seccomp_policy *p = ud;

	(void)ctx;
	if (sensor_event_is_pending(ev))
		decide(p, ev);
	json_lines_event(&p->jl, ev);
	json_lines_flush(&p->jl); /* a supervised command's events are read live */
}

int policy_open_out(struct seccomp_policy *p, const char *path, FILE *dflt)
{
	return path ? json_lines_open(&p->jl, path, true) : json_lines_open_stream(&p->jl, dflt);
}

int policy_close(struct seccomp_policy *p)
{
	return json_lines_close(&p->jl);
}
