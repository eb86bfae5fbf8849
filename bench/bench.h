/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Benchmark helpers: every benchmark prints the machine it ran on, runs
 * several repetitions and reports the median (these machines are small and
 * noisy), and prints one "RESULT name value unit" line per figure so
 * results can be collected by scripts.
 */
#ifndef SENSOR_BENCH_H
#define SENSOR_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void bench_print_machine(const char *name)
{
	struct utsname u;
	char line[512], model[256] = "unknown";
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) == 0) {
			char *c = strchr(line, ':');

			if (c) {
				snprintf(model, sizeof(model), "%s", c + 2);
				model[strcspn(model, "\n")] = '\0';
			}
			break;
		}
	}
	if (f)
		fclose(f);
	uname(&u);
	printf("# benchmark: %s\n# machine: %s, %ld cores, kernel %s %s\n", name, model,
	       sysconf(_SC_NPROCESSORS_ONLN), u.release, u.machine);
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n values (sorts them in place). */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline void bench_result(const char *name, double value, const char *unit)
{
	printf("RESULT %-40s %14.1f %s\n", name, value, unit);
}

#endif
