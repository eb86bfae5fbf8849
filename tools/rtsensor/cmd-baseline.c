/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor baseline list|show|export|import|diff|merge|reset --db PATH:
 * the offline side of the baseline (docs/baseline.md, docs/export-format.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "json-lines.h"
#include "rtsensor.h"
#include "oci-seccomp.h"
#include "safe-open.h"

#define MAX_INPUT (256u << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rtsensor baseline VERB --db PATH [OPTIONS] [ARGS]\n\n"
		"Offline access to a baseline database (SQLite).\n\n"
		"Verbs:\n"
		"  list                    workloads and class priors with their state\n"
		"  show WORKLOAD           features, counts, first/last seen, hours, and the\n"
		"                          learning evidence (new features per hour)\n"
		"  export [WORKLOAD]       versioned JSON (docs/export-format.md) to -o FILE or stdout\n"
		"  import FILE|-           validate and merge an export (all or nothing)\n"
		"  diff OTHER              compare the database with OTHER (a database or an\n"
		"                          export file); exit 0 when equal, 1 when they differ\n"
		"  merge OTHER.db          merge another database into this one\n"
		"  reset WORKLOAD|--all    forget a workload (or everything)\n"
		"  policy WORKLOAD --format oci-seccomp\n"
		"                          an OCI seccomp profile (config.json linux.seccomp):\n"
		"                          the learned syscalls allowed, others EPERM\n\n"
		"Options:\n"
		"      --db PATH           the database (required)\n"
		"  -o, --output FILE       export: write to FILE instead of stdout\n"
		"      --json              list/show: JSON lines instead of a table\n"
		"      --all               reset: every workload\n"
		"      --format FMT        policy: oci-seccomp (the one format)\n"
		"  -h, --help              show this help\n");
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	struct stat stbuf;
	char *buf;
	size_t n = 0, cap = 65536;

	if (!f)
		return NULL;
	/* a regular file: one exact buffer (doubling would touch up to 2x the file) */
	if (fstat(fileno(f), &stbuf) == 0 && S_ISREG(stbuf.st_mode) && stbuf.st_size > 0 &&
	    (uint64_t)stbuf.st_size < MAX_INPUT)
		cap = (size_t)stbuf.st_size + 2; /* the file, a NUL, and room to see EOF */
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
		if (n + 1 == cap) {
			char *nb = cap >= MAX_INPUT ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				errno = E2BIG;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	if (f != stdin)
		fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

static void fmt_time(uint64_t ns, char out[32])
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (!ns || !gmtime_r(&t, &tm))
		snprintf(out, 32, "-");
	else
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *state_name(enum sensor_baseline_state s)
{
	return s == SENSOR_BASELINE_STATE_MONITORING ? "monitoring" :
	       s == SENSOR_BASELINE_STATE_ENFORCING  ? "enforcing" : "learning";
}

static int list_cb(void *ud, const struct sensor_workload_info *w)
{
	bool json = *(bool *)ud;
	char ls[32], ln[32];

	fmt_time(w->learn_start, ls);
	fmt_time(w->last_new, ln);
	if (json) {
		printf("{\"id\":");
		json_put_str(stdout, w->id);
		printf(",\"kind\":");
		json_put_str(stdout, w->kind);
		printf(",\"class\":");
		json_put_str(stdout, w->klass);
		printf(",\"state\":\"%s\",\"learn_start\":\"%s\",\"last_new\":\"%s\",\"features\":%llu}\n",
		       state_name(w->state), ls, ln, (unsigned long long)w->features);
	} else {
		printf("%-40.64s %-10s %-24.64s %-11s %8llu  %s  %s\n", w->id, w->kind, w->klass,
		       state_name(w->state), (unsigned long long)w->features, ls, ln);
	}
	return 0;
}

struct show_ctx {
	bool json;
	uint64_t learn_start;
	uint64_t per_hour[49]; /* new features by hour since learning started; [48]: later */
};

static int show_cb(void *ud, const struct sensor_feature_info *f)
{
	struct show_ctx *sc = ud;
	char first[32], last[32];
	int hours = 0;

	fmt_time(f->first, first);
	fmt_time(f->last, last);
	for (int h = 0; h < 168; h++)
		hours += f->hours[h] != 0;
	if (f->first >= sc->learn_start) {
		uint64_t h = (f->first - sc->learn_start) / (3600ull * 1000000000u);

		sc->per_hour[h < 48 ? h : 48]++;
	}
	if (sc->json) {
		printf("{\"key\":");
		json_put_str(stdout, f->key);
		printf(",\"count\":%llu,\"first\":\"%s\",\"last\":\"%s\",\"hours_seen\":%d,\"approved\":%s}\n",
		       (unsigned long long)f->count, first, last, hours, f->approved ? "true" : "false");
	} else {
		printf("%c %-60s %10llu  %s  %s  %3d h\n", f->approved ? ' ' : '!', f->key,
		       (unsigned long long)f->count, first, last, hours);
	}
	return 0;
}

struct find_wl {
	const char *id;
	struct sensor_workload_info w;
	char kind[64], klass[300], state[16];
	bool found;
};

static int find_cb(void *ud, const struct sensor_workload_info *w)
{
	struct find_wl *fw = ud;

	if (strcmp(w->id, fw->id) == 0) {
		fw->w = *w;
		fw->found = true;
	}
	return 0;
}

static int diff_cb(void *ud, enum sensor_diff_op op, const char *wl, const char *key, uint64_t a,
		   uint64_t b)
{
	(void)ud;
	if (op == SENSOR_DIFF_ADDED)
		printf("+ %s %s (%llu)\n", wl, key, (unsigned long long)b);
	else if (op == SENSOR_DIFF_REMOVED)
		printf("- %s %s (%llu)\n", wl, key, (unsigned long long)a);
	else
		printf("~ %s %s (%llu -> %llu)\n", wl, key, (unsigned long long)a,
		       (unsigned long long)b);
	return 0;
}

/* An export text from OTHER: an export file as is, or a database exported. */
static char *load_other(const char *path, size_t *len, int *err)
{
	char *buf = read_all(path, len);
	sensor_store *s;
	size_t i = 0;

	if (!buf) {
		*err = -errno;
		return NULL;
	}
	while (i < *len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r'))
		i++;
	if (i < *len && buf[i] == '{')
		return buf;
	free(buf);
	buf = NULL;
	*err = sensor_store_open(path, SENSOR_STORE_READONLY, &s);
	if (*err < 0)
		return NULL;
	*err = sensor_store_export(s, NULL, &buf, len);
	sensor_store_close(s);
	return *err < 0 ? NULL : buf;
}

int cmd_baseline(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'J' },
		{ "all", no_argument, NULL, 'A' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dbp = NULL, *output = NULL, *verb, *format = NULL;
	bool json = false, all = false, ro;
	sensor_store *s = NULL;
	char err[512] = "";
	int c, r, code = EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			dbp = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'J':
			json = true;
			break;
		case 'A':
			all = true;
			break;
		case 'F':
			format = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return opt_error("baseline", argv, "o:h");
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	verb = argv[optind++];
	if (!dbp) {
		die_msg("baseline", "--db PATH is required");
		return EXIT_USAGE;
	}
#define NARGS(lo, hi)                                                                    \
	do {                                                                             \
		if (argc - optind < (lo) || argc - optind > (hi)) {                       \
			die_msg("baseline", "%s: wrong number of arguments (see --help)", verb); \
			return EXIT_USAGE;                                               \
		}                                                                        \
	} while (0)
	if (strcmp(verb, "list") == 0)
		NARGS(0, 0);
	else if (strcmp(verb, "policy") == 0) {
		NARGS(1, 1);
		if (!format || strcmp(format, "oci-seccomp") != 0) {
			die_msg("baseline", "policy: --format oci-seccomp is required");
			return EXIT_USAGE;
		}
	} else if (strcmp(verb, "show") == 0 || strcmp(verb, "import") == 0 ||
		 strcmp(verb, "diff") == 0 || strcmp(verb, "merge") == 0)
		NARGS(1, 1);
	else if (strcmp(verb, "export") == 0)
		NARGS(0, 1);
	else if (strcmp(verb, "reset") == 0)
		NARGS(all ? 0 : 1, all ? 0 : 1);
	else {
		die_msg("baseline", "unknown verb '%s' (list, show, export, import, diff, merge, reset, policy)", verb);
		return EXIT_USAGE;
	}
	ro = strcmp(verb, "import") && strcmp(verb, "merge") && strcmp(verb, "reset");
	r = sensor_store_open(dbp, ro ? SENSOR_STORE_READONLY : 0, &s);
	if (r < 0) {
		die_msg("baseline", "cannot open %s: %s%s", dbp, store_strerror(r),
			r == -EPROTO ? " (written by a newer rtsensor)" :
			r == -EROFS ? " (an older schema: open it once read-write to migrate)" : "");
		return exit_code_for(r);
	}
	if (strcmp(verb, "list") == 0) {
		if (!json)
			printf("%-40s %-10s %-24s %-11s %8s  %-20s  %s\n", "WORKLOAD", "KIND", "CLASS",
			       "STATE", "FEATURES", "LEARNING SINCE", "LAST NEW FEATURE");
		r = sensor_store_list(s, list_cb, &json);
	} else if (strcmp(verb, "show") == 0) {
		struct find_wl fw = { .id = argv[optind] };
		struct show_ctx sc = { .json = json };

		r = sensor_store_list(s, find_cb, &fw);
		if (r >= 0 && !fw.found)
			r = -ENOENT;
		if (r >= 0) {
			sc.learn_start = fw.w.learn_start;
			if (!json)
				printf("  %-60s %10s  %-20s  %-20s  %s\n", "FEATURE ('!' = unapproved)",
				       "COUNT", "FIRST", "LAST", "HOURS");
			r = sensor_store_show(s, argv[optind], show_cb, &sc);
		}
		if (r >= 0) {
			/* the learning evidence: a baseline is ready when this falls to zero */
			if (json)
				printf("{\"new_features_per_hour\":[");
			else
				printf("\nnew features per hour since learning started:\n");
			for (int h = 0; h < 49; h++) {
				if (json)
					printf("%s%llu", h ? "," : "", (unsigned long long)sc.per_hour[h]);
				else if (sc.per_hour[h] || h < 24)
					printf("  %s%2d: %llu\n", h == 48 ? ">=" : "h+", h,
					       (unsigned long long)sc.per_hour[h]);
			}
			if (json)
				printf("]}\n");
		}
	} else if (strcmp(verb, "export") == 0) {
		char *buf = NULL;
		size_t len = 0;

		r = sensor_store_export(s, optind < argc ? argv[optind] : NULL, &buf, &len);
		if (r >= 0) {
			int oe = 0;
			FILE *f = output ? out_fopen(output, false, &oe) : stdout;

			if (!f) {
				r = oe;
				snprintf(err, sizeof(err), "cannot open %s: %s", output, out_strerror(oe));
			} else if (fwrite(buf, 1, len, f) != len || (f != stdout && fclose(f) != 0)) {
				r = -errno;
				snprintf(err, sizeof(err), "writing %s: %s", output ? output : "stdout",
					 strerror(errno));
			}
		}
		free(buf);
	} else if (strcmp(verb, "policy") == 0) {
		int oe = 0, learned = 0;
		FILE *f = output ? out_fopen(output, false, &oe) : stdout;

		if (!f) {
			r = oe;
			snprintf(err, sizeof(err), "cannot open %s: %s", output, out_strerror(oe));
		} else {
			r = oci_seccomp_write(f, s, argv[optind], &learned);
			if (f != stdout && fclose(f) != 0 && r >= 0)
				r = -errno;
			if (r == -ENODATA)
				snprintf(err, sizeof(err), "%s learned no syscall (learn with the seccomp "
					 "agent or audit syscall events)", argv[optind]);
			else if (r >= 0)
				fprintf(stderr, "rtsensor: baseline: %d learned syscalls\n", learned);
		}
	} else if (strcmp(verb, "import") == 0) {
		size_t len = 0;
		char *buf = read_all(argv[optind], &len);

		if (!buf) {
			r = -errno;
			snprintf(err, sizeof(err), "cannot read %s: %s", argv[optind], strerror(errno));
		} else {
			r = sensor_store_import(s, buf, len, 0, err, sizeof(err));
			if (r >= 0)
				fprintf(stderr, "rtsensor: baseline: imported %d features into %s\n", r, dbp);
			free(buf);
		}
	} else if (strcmp(verb, "diff") == 0) {
		char *a = NULL, *b;
		size_t alen = 0, blen = 0;

		r = sensor_store_export(s, NULL, &a, &alen);
		b = r < 0 ? NULL : load_other(argv[optind], &blen, &r);
		if (b)
			r = sensor_baseline_diff(a, alen, b, blen, diff_cb, NULL, err, sizeof(err));
		else if (r >= 0)
			r = -EIO;
		if (r > 0)
			code = 1; /* like diff(1): they differ */
		free(a);
		free(b);
	} else if (strcmp(verb, "merge") == 0) {
		sensor_store *o = NULL;

		r = sensor_store_open(argv[optind], SENSOR_STORE_READONLY, &o);
		if (r < 0)
			snprintf(err, sizeof(err), "cannot open %s: %s", argv[optind], store_strerror(r));
		else
			r = sensor_store_merge(s, o, err, sizeof(err));
		if (r >= 0)
			fprintf(stderr, "rtsensor: baseline: merged %d features into %s\n", r, dbp);
		sensor_store_close(o);
	} else {
		r = sensor_store_reset(s, all ? NULL : argv[optind]);
		if (r >= 0)
			fprintf(stderr, "rtsensor: baseline: reset %d workloads\n", r);
	}
	sensor_store_close(s);
	if (r < 0) {
		die_msg("baseline", "%s: %s", verb, err[0] ? err : strerror(-r));
		return r == -ENOENT ? EXIT_FAIL : exit_code_for(r);
	}
	return code;
}
