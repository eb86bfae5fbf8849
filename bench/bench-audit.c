/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audit benchmark.
 *  offline: records/s of parse + reassemble + normalise (the offline audit
 *  source, events to a no-op sink) over a large log built at run time from
 *  the corpus logs (replicated with shifted serials), side by side with
 *  libauparse (feed + walk every field of every record) and laurel (its
 *  own binary reading the same file on stdin, writing to a temp dir);
 *  ratios printed.
 *  live (root only, --live): records/s and losses under an exec + connect
 *  storm, and the overhead of the default rule set on a getppid() loop
 *  that no rule names.
 * Usage: bench-audit [--live] [records]
 */
#include <auparse.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <libsensor/sensor.h>

#include "bench.h"

static const char *const logs[] = {
	"elastic_go-libaudit/auparse/testdata/audit-rhel6.log",
	"elastic_go-libaudit/auparse/testdata/audit-rhel7.log",
	"elastic_go-libaudit/auparse/testdata/audit-ubuntu14.log",
	"elastic_go-libaudit/auparse/testdata/audit-ubuntu16.log",
	"elastic_go-libaudit/auparse/testdata/audit-ubuntu17.log",
	"elastic_go-libaudit/testdata/normal.log",
	"elastic_go-libaudit/aucoalesce/testdata/execve.log",
	"elastic_go-libaudit/aucoalesce/testdata/sockaddr.log",
	"linux-audit_audit-userspace/auparse/test/test.log",
	"linux-audit_audit-userspace/auparse/test/test4.log",
	"elastic_beats/filebeat/module/auditd/log/test/test.log",
};

struct text {
	char *p;
	size_t len, cap;
	size_t lines;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		if (!t->p)
			exit(1);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(b);
		return NULL;
	}
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Corpus lines, replicated; copy r shifts every serial by r * 10^7 so events stay distinct. */
static void build(struct text *t, size_t want)
{
	const char *dir = getenv("SENSOR_CORPORA") ? getenv("SENSOR_CORPORA") : "tests/data";
	struct text base = { 0 };

	for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		char path[1024];
		size_t n;
		char *b;

		snprintf(path, sizeof(path), "%s/%s", dir, logs[i]);
		b = slurp(path, &n);
		if (!b) {
			fprintf(stderr, "bench-audit: %s missing (set SENSOR_CORPORA)\n", path);
			exit(1);
		}
		put(&base, b, n);
		if (n && b[n - 1] != '\n')
			put(&base, "\n", 1);
		free(b);
	}
	for (unsigned long r = 0; t->lines < want; r++) {
		const char *s = base.p, *end = base.p + base.len;

		while (s < end) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			const char *st = strstr(s, "msg=audit(");
			const char *colon, *close;
			char num[32];

			if (!nl)
				nl = end;
			colon = st && st < nl ? memchr(st, ':', (size_t)(nl - st)) : NULL;
			close = colon ? memchr(colon, ')', (size_t)(nl - colon)) : NULL;
			if (!close) {
				s = nl + 1;
				continue;
			}
			put(t, s, (size_t)(colon + 1 - s));
			snprintf(num, sizeof(num), "%lu", strtoul(colon + 1, NULL, 10) + r * 10000000ul);
			put(t, num, strlen(num));
			put(t, close, (size_t)(nl - close));
			put(t, "\n", 1);
			t->lines++;
			s = nl + 1;
		}
	}
	free(base.p);
}

static unsigned long long events;

static void sink(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	(void)ctx;
	(void)ev;
	(void)ud;
	events++;
}

static double run_ours(const struct text *t)
{
	sensor_ctx *ctx;
	uint64_t t0;
	int r;

	if (sensor_ctx_new(NULL, &ctx) < 0)
		exit(1);
	sensor_ctx_set_event_cb(ctx, sink, NULL);
	events = 0;
	t0 = bench_now_ns();
	r = sensor_audit_replay(ctx, t->p, t->len, 0);
	t0 = bench_now_ns() - t0;
	if (r < 0)
		exit(1);
	sensor_ctx_free(ctx);
	return (double)t->lines / ((double)t0 / 1e9);
}

static double run_auparse(const struct text *t)
{
	auparse_state_t *au;
	uint64_t t0 = bench_now_ns();
	unsigned long long fields = 0;

	au = auparse_init(AUSOURCE_BUFFER, t->p);
	if (!au)
		exit(1);
	while (auparse_next_event(au) > 0) {
		auparse_first_record(au);
		do {
			if (auparse_first_field(au) > 0) {
				do {
					fields += auparse_get_field_name(au) != NULL;
					fields += auparse_get_field_str(au) != NULL;
				} while (auparse_next_field(au) > 0);
			}
		} while (auparse_next_record(au) > 0);
	}
	auparse_destroy(au);
	t0 = bench_now_ns() - t0;
	return fields ? (double)t->lines / ((double)t0 / 1e9) : 0;
}

static double run_laurel(const char *file)
{
	char dir[] = "/tmp/bench-laurel-XXXXXX", cfg[512];
	uint64_t t0;
	pid_t p;
	int st;
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	snprintf(cfg, sizeof(cfg), "%s/config.toml", dir);
	f = fopen(cfg, "w");
	if (!f)
		return -1;
	fprintf(f, "directory = \"%s\"\n[auditlog]\nfile = \"out.log\"\n", dir);
	fclose(f);
	t0 = bench_now_ns();
	p = fork();
	if (p == 0) {
		int in = open(file, O_RDONLY), dn = open("/dev/null", O_WRONLY);

		dup2(in, 0);
		dup2(dn, 2);
		execlp("laurel", "laurel", "-c", cfg, (char *)NULL);
		_exit(127);
	}
	waitpid(p, &st, 0);
	t0 = bench_now_ns() - t0;
	snprintf(cfg, sizeof(cfg), "rm -rf %s", dir);
	if (system(cfg) != 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 1e9 / (double)t0 : -1; /* files/s; scaled by caller */
}

/* ---- live ------------------------------------------------------------------ */

static double loop_getppid(long n)
{
	uint64_t t0 = bench_now_ns();

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (double)(bench_now_ns() - t0) / (double)n;
}

static void storm(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
			connect(fd, (struct sockaddr *)&sa, sizeof(sa));
			execl("/bin/true", "true", (char *)NULL);
			_exit(1);
		}
		waitpid(p, NULL, 0);
	}
}

static void live(void)
{
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	double base[5], with[5], one_rule[5];
	sensor_ctx *ctx;
	sensor_source *src;
	uint64_t t0, t1;
	pid_t p;
	int n = 3000;

	if (geteuid() != 0) {
		printf("# live: skipped (needs root)\n");
		return;
	}
	for (int i = 0; i < 5; i++)
		base[i] = loop_getppid(2000000);
	{
		/* the floor: any exit rule at all makes every syscall collect an audit context */
		char rules[] = "/tmp/bench-audit-rules-XXXXXX";
		int rfd = mkstemp(rules);
		struct sensor_audit_opts o = { .sz = sizeof(o), .flags = SENSOR_AUDIT_NO_DEFAULT_RULES,
					       .rules_file = rules };
		const char *one = "-a always,exit -F arch=b64 -S kexec_load\n";

		if (rfd >= 0 && write(rfd, one, strlen(one)) == (ssize_t)strlen(one) &&
		    sensor_ctx_new(NULL, &ctx) == 0) {
			if (sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src) == 0) {
				for (int i = 0; i < 5; i++)
					one_rule[i] = loop_getppid(2000000);
				bench_result("getppid_ns_with_one_unrelated_rule", bench_median(one_rule, 5),
					     "ns/call");
			}
			sensor_ctx_free(ctx);
		}
		if (rfd >= 0) {
			close(rfd);
			unlink(rules);
		}
	}
	if (sensor_ctx_new(NULL, &ctx) < 0 || sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, NULL, &src) < 0) {
		printf("# live: audit source unavailable\n");
		return;
	}
	for (int i = 0; i < 5; i++)
		with[i] = loop_getppid(2000000);
	sensor_ctx_process(ctx, 0);
	events = 0;
	sensor_ctx_set_event_cb(ctx, sink, NULL);
	t0 = bench_now_ns();
	p = fork();
	if (p == 0) {
		/* the storm runs in a netns of its own (the sensor stays in the initial one,
		 * where audit lives): connect() to its down lo fails fast */
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		storm(n);
		_exit(0);
	}
	while (waitpid(p, NULL, WNOHANG) == 0)
		sensor_ctx_run(ctx, 50000000u);
	sensor_ctx_run(ctx, 2500000000u); /* drain, and let the reassembly timeout pass */
	t1 = bench_now_ns();
	sensor_source_get_stats(src, &ss);
	printf("# live: %d exec+connect children, %llu records, %llu events, %llu lost, %.2f s\n", n,
	       (unsigned long long)ss.received, events, (unsigned long long)ss.lost,
	       (double)(t1 - t0 - 2500000000ull) / 1e9);
	bench_result("live_records_per_s", (double)ss.received / ((double)(t1 - t0 - 2500000000ull) / 1e9),
		     "records/s");
	bench_result("live_lost", (double)ss.lost, "records");
	bench_result("getppid_ns_without_rules", bench_median(base, 5), "ns/call");
	bench_result("getppid_ns_with_default_rules", bench_median(with, 5), "ns/call");
	sensor_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	struct text t = { 0 };
	size_t want = 200000;
	bool do_live = false;
	double ours[5], aup[5], ratio[5], lau = 0;
	char file[] = "/tmp/bench-audit-XXXXXX";
	int fd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--live") == 0)
			do_live = true;
		else
			want = strtoul(argv[i], NULL, 10);
	}
	bench_print_machine("audit: parse + reassemble + normalise");
	build(&t, want);
	fd = mkstemp(file);
	if (fd < 0 || write(fd, t.p, t.len) != (ssize_t)t.len)
		return 1;
	close(fd);
	printf("# log: %zu records, %.1f MiB (corpus logs replicated, serials shifted)\n", t.lines,
	       (double)t.len / (1 << 20));
	/* rounds alternate the two, and the ratio is taken per round: this VM is noisy,
	 * and a slow minute must not favour either side */
	for (int i = 0; i < 5; i++) {
		ours[i] = run_ours(&t);
		aup[i] = run_auparse(&t);
		ratio[i] = ours[i] / aup[i];
		printf("# round %d: ours %.0f, libauparse %.0f records/s\n", i + 1, ours[i], aup[i]);
	}
	printf("# ours: %llu events per pass\n", events);
	lau = run_laurel(file);
	bench_result("libsensor_records_per_s", bench_median(ours, 5), "records/s");
	bench_result("libauparse_records_per_s", bench_median(aup, 5), "records/s");
	bench_result("ratio_vs_libauparse", bench_median(ratio, 5), "x (median of per-round ratios)");
	if (lau > 0) {
		bench_result("laurel_records_per_s", lau * (double)t.lines, "records/s");
		bench_result("ratio_vs_laurel", bench_median(ours, 5) / (lau * (double)t.lines), "x");
	} else {
		printf("# laurel: not run (not installed?)\n");
	}
	unlink(file);
	free(t.p);
	if (do_live)
		live();
	return 0;
}
