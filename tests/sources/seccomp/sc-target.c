/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The supervised side of the seccomp tests and benchmark. Exit status is the
 * errno the syscall returned (0: it succeeded), so a test reads the kernel's
 * answer directly.
 *   sc-target unshare            unshare(0): held by the default set
 *   sc-target unshare32          unshare(0) through the i386 ABI (x86_64 only)
 *   sc-target personality        personality(0xffffffff): a harmless query
 *   sc-target threads N M        N threads x M personality() at once
 *   sc-target leader-threads N M as "threads", with a personality() from the main
 *                                thread before and after
 *   sc-target report FD          unshare(0) twice, then write "errno1 errno2\n" to FD
 *   sc-target loop N             N getppid() (not held): prints ns per call
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int calls_per_thread;
static int first_err; /* set once with __atomic builtins */

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < calls_per_thread; i++) {
		if (personality(0xffffffff) < 0) {
			int e = errno, zero = 0;

			__atomic_compare_exchange_n(&first_err, &zero, e, 0, __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "unshare") == 0)
		return unshare(0) < 0 ? errno : 0;
#ifdef __x86_64__
	if (argc >= 2 && strcmp(argv[1], "unshare32") == 0) {
		/* unshare(0) through the i386 ABI (int 0x80, nr 310): a 64-bit-only filter misses it */
		long r;

		__asm__ volatile("int $0x80" : "=a"(r) : "a"(310L), "b"(0L) : "memory");
		return r < 0 ? (int)-r : 0;
	}
#endif
	if (argc >= 2 && strcmp(argv[1], "personality") == 0)
		return personality(0xffffffff) < 0 ? errno : 0;
	if (argc >= 4 && (strcmp(argv[1], "threads") == 0 || strcmp(argv[1], "leader-threads") == 0)) {
		int n = atoi(argv[2]);
		pthread_t t[64];

		if (argv[1][0] == 'l' && personality(0xffffffff) < 0)
			return errno;

		calls_per_thread = atoi(argv[3]);
		if (n < 1 || n > 64)
			return 99;
		for (int i = 0; i < n; i++)
			if (pthread_create(&t[i], NULL, worker, NULL) != 0)
				return 98;
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		if (argv[1][0] == 'l' && personality(0xffffffff) < 0)
			return errno;
		return __atomic_load_n(&first_err, __ATOMIC_SEQ_CST);
	}
	if (argc >= 3 && strcmp(argv[1], "report") == 0) {
		int fd = atoi(argv[2]), e = unshare(0) < 0 ? errno : 0;
		int e2 = unshare(0) < 0 ? errno : 0; /* a second one, after the first returned */

		dprintf(fd, "%d %d\n", e, e2);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "loop") == 0) {
		long n = atol(argv[2]);
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%.3f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n);
		return 0;
	}
	fprintf(stderr, "usage: sc-target unshare|personality|threads N M|report FD|loop N\n");
	return 99;
}
