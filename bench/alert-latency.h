/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-alert-latency's parts (bench-alert-latency.c: the runs and the
 * figures; alert-latency-readers.c: what each sink's reader sees;
 * alert-latency-load.c: the load generators; alert-latency-embed.c: the
 * library embedded, the callback sink).
 */
#ifndef BENCH_ALERT_LATENCY_H
#define BENCH_ALERT_LATENCY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_ALERTS 2000
#define MAX_KIDS 17

/* floor-file: no sensor; the bench appends each line itself (the kernel's part of the file sink) */
enum sink { S_FILE, S_PIPE, S_SYSLOG, S_STORE, S_HTTP, S_CALLBACK, S_FLOOR, S_MAX };
extern const char *const sink_name[S_MAX];

/* the run's settings (bench-alert-latency.c) */
extern char wdir[300], odir[300];
extern int nalerts, run_no, nspawn;
extern double exec_rate, churn_rate;

uint64_t now_real(void);
void sleep_ns(uint64_t ns);

/* ---- what one run saw (alert-latency-readers.c) ---- */
extern uint64_t trig_ns[MAX_ALERTS], first_ns[MAX_ALERTS], seen_ns[MAX_ALERTS];
extern volatile int probe_seen, reader_stop;
extern int nseen;

struct reader {
	enum sink sink;
	int fd;       /* pipe read end, datagram socket, listening socket */
	char path[400];
};

/* 0 -> "aaa", 1 -> "aab", ...: names without digits (see letters()). */
void letters(int v, char out[4]);
/* "2026-11-26T19:55:49.236254176Z" -> ns since the epoch, 0 when malformed. */
uint64_t parse_rfc3339(const char *s);
/* Make the sink's socket or name its file before the sensor starts. 0 or -errno. */
int open_reader_fd(enum sink s, struct reader *r);
/* The reader thread of r->sink: notes each alert as it becomes readable. */
void *reader_main(void *arg);

/* ---- load (alert-latency-load.c) ---- */
extern long *load_done; /* shared with the children: [0] execs, [1] churn rounds */
int load_start(pid_t kids[MAX_KIDS]);
void load_stop(pid_t kids[MAX_KIDS]);

/* ---- the callback sink (alert-latency-embed.c): never returns ---- */
void embed_main(int outfd);

#endif
