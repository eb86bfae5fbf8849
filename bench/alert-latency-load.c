/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-alert-latency's load: children spawning /bin/true at a paced rate
 * (--execs over --spawners) and one churning files in the watched tmpfs
 * (--churn create/write/read/unlink rounds a second), counted in shared
 * memory so that the achieved rates can be printed.
 */
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert-latency.h"

extern char **environ;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- load ------------------------------------------------------------------- */

long *load_done; /* shared: [0] execs, [1] churn rounds */

static void load_child(int k, uint64_t end)
{
	uint64_t start = mono_ns();
	bool spawner = k < nspawn;
	double rate = spawner ? exec_rate / nspawn : churn_rate;
	long i = 0;
	char path[400];
	static char data[4096];

	signal(SIGTERM, SIG_DFL);
	snprintf(path, sizeof(path), "%s/churn%d", wdir, k);
	while (mono_ns() < end) {
		uint64_t due = start + (uint64_t)((double)i * 1e9 / rate), now = mono_ns();

		if (now < due) {
			sleep_ns(due - now);
			continue;
		}
		if (spawner) {
			char *argv[] = { "true", NULL };
			pid_t p;
			int st;

			if (posix_spawn(&p, "/bin/true", NULL, NULL, argv, environ) == 0)
				waitpid(p, &st, 0);
			__atomic_add_fetch(&load_done[0], 1, __ATOMIC_RELAXED);
		} else {
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

			if (fd >= 0) {
				if (write(fd, data, sizeof(data)) < 0)
					_exit(3);
				close(fd);
			}
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				if (read(fd, data, sizeof(data)) < 0)
					_exit(3);
				close(fd);
			}
			unlink(path);
			__atomic_add_fetch(&load_done[1], 1, __ATOMIC_RELAXED);
		}
		i++;
	}
	_exit(0);
}

int load_start(pid_t kids[MAX_KIDS])
{
	uint64_t end = mono_ns() + 600ull * 1000000000u; /* stopped by SIGTERM */

	load_done[0] = load_done[1] = 0;
	for (int k = 0; k <= nspawn; k++) {
		kids[k] = fork();
		if (kids[k] < 0)
			return -errno;
		if (kids[k] == 0)
			load_child(k, end);
	}
	return 0;
}

void load_stop(pid_t kids[MAX_KIDS])
{
	for (int k = 0; k < MAX_KIDS; k++)
		if (kids[k] > 0) {
			kill(kids[k], SIGTERM);
			waitpid(kids[k], NULL, 0);
			kids[k] = -1;
		}
}
