/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor: the --deny policy of `exec` and `seccomp-agent`, and their JSON-lines event sink. */
#ifndef RTSENSOR_SECCOMP_POLICY_H
#define RTSENSOR_SECCOMP_POLICY_H

#include <stdio.h>

#include "json-lines.h"
#include "rtsensor.h"

#define POLICY_MAX 64

struct seccomp_policy {
	struct {
		char name[64];
		int err;
	} deny[POLICY_MAX];
	unsigned ndeny;
	char watch[POLICY_MAX][64];         /* --hold: held and allowed, for the events */
	unsigned nwatch;
	const char *held[2 * POLICY_MAX + 32]; /* the filter's syscall set: defaults + denied names */
	struct json_lines jl; /* events, flushed after each one */
	unsigned long denied, allowed, respond_errors;
};

/* Parse "NAME[:ERRNO]" (ERRNO a name like EPERM or a number). 0 or -EINVAL/-ENOSPC. */
int policy_add_deny(struct seccomp_policy *p, const char *spec);
/* Add a syscall to the held set without denying it. 0 or -EINVAL/-ENOSPC. */
int policy_add_hold(struct seccomp_policy *p, const char *name);
/* Fill p->held: the default set plus every denied and held name. */
void policy_finish(struct seccomp_policy *p);
/* Event callback: answer held syscalls from the policy, then write the event as a JSON line. */
void policy_on_event(sensor_ctx *ctx, sensor_event *ev, void *ud);
/* Open --events FILE ("-": stdout; NULL: dflt). 0 or -errno. */
int policy_open_out(struct seccomp_policy *p, const char *path, FILE *dflt);
/* Close the event stream: 0, or the first write error (-errno). */
int policy_close(struct seccomp_policy *p);

#endif
