/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <time.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testlib.h"

const char *corpus_path(const char *rel)
{
	static char path[PATH_MAX];
	const char *root = getenv("SENSOR_CORPORA");

	snprintf(path, sizeof(path), "%s/%s", root ? root : "tests/data", rel);
	return path;
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int run_cmd(char *const argv[], bool quiet)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_RDWR);

			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int run_sh(const char *cmd)
{
	char *const argv[] = { "sh", "-c", (char *)cmd, NULL };

	return run_cmd(argv, false);
}

#include <poll.h>
#include <signal.h>
#include <time.h>

/* Read what is there; past cap bytes keep reading and discard (never block the child). */
static void drain_into(int fd, char *buf, size_t cap, size_t *len)
{
	char scratch[4096];
	ssize_t n;

	if (*len + 1 < cap) {
		n = read(fd, buf + *len, cap - 1 - *len);
		if (n > 0)
			*len += (size_t)n;
		buf[*len] = '\0';
	} else {
		n = read(fd, scratch, sizeof(scratch));
		(void)n;
	}
}

int run_capture(char *const argv[], int uid, int signal_after_ms, struct run_result *res)
{
	int po[2], pe[2], st;
	size_t lo = 0, le = 0;
	pid_t pid;
	bool signalled = false;
	struct timespec t0, t;

	if (pipe(po) < 0 || pipe(pe) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		if (uid >= 0 && (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 ||
				 setuid((uid_t)uid) < 0))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	res->out[0] = res->err[0] = '\0';
	for (;;) {
		struct pollfd p[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
		int r = poll(p, 2, 20);

		if (r > 0) {
			if (p[0].revents & POLLIN)
				drain_into(po[0], res->out, sizeof(res->out), &lo);
			if (p[1].revents & POLLIN)
				drain_into(pe[0], res->err, sizeof(res->err), &le);
			if ((p[0].revents & POLLHUP) && !(p[0].revents & POLLIN) &&
			    (p[1].revents & POLLHUP) && !(p[1].revents & POLLIN))
				break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (signal_after_ms > 0 && !signalled &&
		    (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= signal_after_ms) {
			kill(pid, SIGTERM);
			signalled = true;
		}
	}
	close(po[0]);
	close(pe[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

bool wait_file_has(const char *path, const char *needle, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		char *t = read_file(path, NULL);
		bool has = t && strstr(t, needle);

		free(t);
		if (has)
			return true;
		if (now_ms() >= end)
			return false;
		usleep(20000); /* the poll's interval */
	}
}
