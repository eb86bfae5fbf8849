/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared bits of the seccomp tests: an event recorder and a loop that runs until a child exits. */
#ifndef SC_HELPERS_H
#define SC_HELPERS_H

#include <stdbool.h>
#include <sys/types.h>

#include <libsensor/sensor.h>

#define SC_MAX_EVENTS 4096

struct sc_rec {
	/* policy: deny syscalls named deny_name with deny_err; NULL: allow all;
	 * no_answer: keep a reference and never answer (the deadline decides) */
	const char *deny_name;
	int deny_err;
	bool no_answer;
	int respond_errors;
	int nsyscall;
	struct {
		char name[32];
		char arch[16];
		char workload_id[128];
		char workload_kind[16];
		char workload_class[128];
		long long pid, tid;
		char verdict[16];
	} ev[SC_MAX_EVENTS];
	sensor_event *kept[64];
	int nkept;
	int nstatus;
	char status[64][512];
};

void sc_rec_cb(sensor_ctx *ctx, sensor_event *ev, void *ud);
/* Drop the references no_answer kept. */
void sc_rec_release(struct sc_rec *r);
/* Serve ctx until pid exits (or timeout_ms); returns its wait status or -1. */
int sc_run_until_exit(sensor_ctx *ctx, pid_t pid, int timeout_ms);

#endif
