/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sandbox of the fanotify tests (architecture §11): the test process (Criterion
 * forks one per test) enters a private mount namespace, makes every mount
 * private and mounts a fresh tmpfs on /tmp there, so marks (permission
 * marks above all) only ever cover a filesystem no one else sees.
 * Events are copied into a table the tests inspect.
 */
#ifndef FAN_SANDBOX_H
#define FAN_SANDBOX_H

#include <errno.h>
#include <stdbool.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <libsensor/sensor.h>

#include "testlib.h"

/* a fresh mount point, never /tmp: the build tree may live there */
#define FAN_ROOT "/run/rtsensor-fantest"

struct got {
	int kind;
	char op[16];
	char path[256];
	char to[256];
	char host_path[256];
	int64_t pid;
	int64_t start; /* process.start, -1 when absent */
	char verdict[16];
	char comm[32];
	char wl_kind[16];
	char wl_id[72];
	int64_t loss;
};

static struct got fan_got[8192];
static int fan_ngot;
static int64_t fan_nfile, fan_nloss, fan_lost; /* counted even when the table is full */
/* An agent that thinks forever: keeps held events without answering them. */
static bool fan_keep_held;
static sensor_event *fan_held[64];
static int fan_nheld;

static inline void fan_release_held(void)
{
	for (int i = 0; i < fan_nheld; i++)
		sensor_event_unref(fan_held[i]);
	fan_nheld = 0;
}

static void fan_collect(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct got *g;
	const char *s;

	(void)ctx;
	(void)ud;
	if (fan_keep_held && sensor_event_is_pending(ev) && fan_nheld < 64)
		fan_held[fan_nheld++] = sensor_event_ref(ev);
	if (sensor_event_kind(ev) == SENSOR_KIND_FILE)
		fan_nfile++;
	if (sensor_event_kind(ev) == SENSOR_KIND_LOSS) {
		int64_t c = 0;

		sensor_event_get_int(ev, SENSOR_FIELD_LOSS_COUNT, &c);
		fan_nloss++;
		fan_lost += c;
	}
	if (fan_ngot >= (int)(sizeof(fan_got) / sizeof(fan_got[0])))
		return;
	g = &fan_got[fan_ngot++];
	memset(g, 0, sizeof(*g));
	g->kind = sensor_event_kind(ev);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP)))
		snprintf(g->op, sizeof(g->op), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_FILE_PATH)))
		snprintf(g->path, sizeof(g->path), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_FILE_HOST_PATH)))
		snprintf(g->host_path, sizeof(g->host_path), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_FILE_TO)))
		snprintf(g->to, sizeof(g->to), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_VERDICT_DECISION)))
		snprintf(g->verdict, sizeof(g->verdict), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_PROCESS_COMM)))
		snprintf(g->comm, sizeof(g->comm), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_KIND)))
		snprintf(g->wl_kind, sizeof(g->wl_kind), "%s", s);
	if ((s = sensor_event_get_str(ev, SENSOR_FIELD_WORKLOAD_ID)))
		snprintf(g->wl_id, sizeof(g->wl_id), "%s", s);
	sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_PID, &g->pid);
	if (sensor_event_get_int(ev, SENSOR_FIELD_PROCESS_START, &g->start) < 0)
		g->start = -1;
	sensor_event_get_int(ev, SENSOR_FIELD_LOSS_COUNT, &g->loss);
}

/* Enter the sandbox: private mount namespace, a tmpfs on FAN_ROOT. */
static inline void fan_sandbox(void)
{
	REQUIRE_ROOT();
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0, "private: %s",
		     strerror(errno));
	if (mkdir(FAN_ROOT, 0755) < 0 && errno != EEXIST)
		cr_assert_fail("mkdir %s: %s", FAN_ROOT, strerror(errno));
	cr_assert_eq(mount("fan-test", FAN_ROOT, "tmpfs", 0, "size=256m"), 0, "tmpfs: %s",
		     strerror(errno));
	fan_ngot = 0;
	fan_nfile = fan_nloss = fan_lost = 0;
	fan_keep_held = false;
	fan_nheld = 0;
}

static inline uint64_t fan_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the sensor until child pid exits (its wait status in *status), then drain. */
static inline void fan_pump_until_exit(sensor_ctx *ctx, pid_t pid, int *status)
{
	uint64_t start = fan_now_ms();

	for (;;) {
		pid_t w;

		cr_assert_geq(sensor_ctx_run(ctx, 10000000ull), 0);
		w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			break;
		cr_assert_lt(fan_now_ms() - start, 20000, "child %d did not finish", (int)pid);
	}
	sensor_ctx_run(ctx, 150000000ull);
}

/* Index of the first event with op and path (and pid when > 0), or -1. */
static inline int fan_find(const char *op, const char *path, int64_t pid)
{
	for (int i = 0; i < fan_ngot; i++)
		if (fan_got[i].kind == SENSOR_KIND_FILE && strcmp(fan_got[i].op, op) == 0 &&
		    strcmp(fan_got[i].path, path) == 0 && (pid <= 0 || fan_got[i].pid == pid))
			return i;
	return -1;
}

static inline void fan_dump(void)
{
	for (int i = 0; i < fan_ngot; i++)
		fprintf(stderr, "  ev %d kind=%d op=%s path=%s to=%s pid=%lld verdict=%s loss=%lld\n",
			i, fan_got[i].kind, fan_got[i].op, fan_got[i].path, fan_got[i].to,
			(long long)fan_got[i].pid, fan_got[i].verdict, (long long)fan_got[i].loss);
}

#endif
