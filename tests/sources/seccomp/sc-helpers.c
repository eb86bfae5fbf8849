/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "sc-helpers.h"

static void copy(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

void sc_rec_cb(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct sc_rec *r = ud;
	int64_t pid = 0, tid = 0;
	int i;

	(void)ctx;
	if (sensor_event_kind(ev) == SENSOR_KIND_STATUS) {
		if (r->nstatus < 64)
			snprintf(r->status[r->nstatus++], sizeof(r->status[0]), "%s %s",
				 sensor_event_get_str(ev, SENSOR_FIELD_STATUS_STATE),
				 sensor_event_get_str(ev, SENSOR_FIELD_STATUS_DETAIL) ?: "");
		return;
	}
	if (sensor_event_kind(ev) != SENSOR_KIND_SYSCALL || r->nsyscall >= SC_MAX_EVENTS)
		return;
	if (sensor_event_is_pending(ev) && r->no_answer && r->nkept < 64)
		r->kept[r->nkept++] = sensor_event_ref(ev);
	if (sensor_event_is_pending(ev) && !r->no_answer) {
		const char *n = sensor_event_get_str(ev, SENSOR_FIELD_SYSCALL_NAME);
		int rr;

		if (r->deny_name && n && strcmp(n, r->deny_name) == 0)
			rr = sensor_event_respond(ev, SENSOR_DECISION_DENY, r->deny_err, "test");
		else
			rr = sensor_event_respond(ev, SENSOR_DECISION_ALLOW, 0, "test");
		if (rr < 0)
			r->respond_errors++;
	}
	i = r->nsyscall++;
	copy(r->ev[i].name, sizeof(r->ev[i].name), sensor_event_get_str(ev, SENSOR_FIELD_SYSCALL_NAME));
	copy(r->ev[i].arch, sizeof(r->ev[i].arch), sensor_event_get_str(ev, SENSOR_FIELD_SYSCALL_ARCH));
	copy(r->ev[i].workload_id, sizeof(r->ev[i].workload_id),
	     sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID));
	copy(r->ev[i].workload_kind, sizeof(r->ev[i].workload_kind),
	     sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_KIND));
	copy(r->ev[i].workload_class, sizeof(r->ev[i].workload_class),
	     sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_CLASS));
	copy(r->ev[i].verdict, sizeof(r->ev[i].verdict),
	     sensor_event_get_str(ev, SENSOR_FIELD_VERDICT_DECISION));
	sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &pid);
	sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_TID, &tid);
	r->ev[i].pid = (long long)pid;
	r->ev[i].tid = (long long)tid;
}

void sc_rec_release(struct sc_rec *r)
{
	for (int i = 0; i < r->nkept; i++)
		sensor_event_unref(r->kept[i]);
	r->nkept = 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sc_run_until_exit(sensor_ctx *ctx, pid_t pid, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	int st;

	for (;;) {
		struct pollfd p = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };

		if (sensor_ctx_process(ctx, 0) < 0)
			return -1;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			sensor_ctx_process(ctx, 0); /* the detach status */
			return st;
		}
		if (now_ms() > end)
			return -1;
		poll(&p, 1, 10);
	}
}
