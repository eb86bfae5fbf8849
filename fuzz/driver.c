/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs a libFuzzer target without libFuzzer: every file named on the
 * command line (directories are walked one level) is fed to
 * LLVMFuzzerTestOneInput, then each one truncated at every length up to
 * 4 KiB and with random bytes flipped. The test suite runs this "smoke"
 * over the seed corpora in every build; -Dfuzz=true builds the real
 * coverage-guided fuzzers with clang.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long runs;

static void feed(const uint8_t *buf, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	unsigned seed = (unsigned)n * 2654435761u;

	if (!copy)
		return;
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	runs++;
	for (size_t cut = 0; cut < n && cut < 4096; cut++) {
		LLVMFuzzerTestOneInput(copy, cut); /* exact-size buffer tail is the input end */
		runs++;
	}
	for (int i = 0; i < 64 && n; i++) {
		size_t at;

		seed = seed * 1103515245u + 12345u;
		at = (seed >> 8) % n;
		copy[at] ^= (uint8_t)(seed >> 24 | 1);
		LLVMFuzzerTestOneInput(copy, n);
		runs++;
	}
	free(copy);
}

static void feed_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n < 0 || n > (64l << 20)) {
		fclose(f);
		return;
	}
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
		feed(buf, (size_t)n);
	free(buf);
	fclose(f);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "fuzz-smoke: %s: missing seed\n", argv[i]);
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;

			while (d && (de = readdir(d))) {
				char p[4096];

				if (de->d_name[0] == '.')
					continue;
				snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
				if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
					feed_file(p);
			}
			if (d)
				closedir(d);
		} else {
			feed_file(argv[i]);
		}
	}
	printf("fuzz-smoke: %lu inputs, no crash\n", runs);
	return runs ? 0 : 1;
}
