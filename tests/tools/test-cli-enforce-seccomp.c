/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Syscall enforcement through the OCI seccomp agent, the whole CLI path
 * (docs/enforce.md): a runc container whose profile gives SCMP_ACT_NOTIFY
 * to mknod, mknodat and personality and names `rtsensor run
 * --seccomp-socket` as its listenerPath. `--mode learn` learns `mkfifo`
 * (mknodat); the store is kept to that container only; under `--mode
 * enforce` mkfifo still runs while `linux32 true` (personality, never
 * learned) fails with EPERM and is alerted `denied`; under `--dry-run` it
 * runs and gives `would_deny`. Then the fail rows: a sensor stopped
 * (SIGSTOP) while 16 processes wait in personality answers all of them
 * when it continues; a sensor killed (SIGKILL) while one waits leaves it
 * ENOSYS, not hanging. Each wait is on a state (the sensor's output, a
 * process's /proc/PID/syscall), bounded.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "../baseline/inject.h"
#include "container.h"

/* mkfifo(1) calls mknodat; linux32(1) calls personality (x86_64: 135) */
#define LEARNED "rm -f /tmp/f && mkfifo /tmp/f"
#define UNLEARNED "linux32 true 2>&1"
#define PERSONALITY_NR "135 "

static char dir[64], sock[96];
static struct test_container c, c2;
static pid_t sensor = -1;

static void stop_sensor(void)
{
	if (sensor > 0) {
		kill(sensor, SIGCONT);
		kill(sensor, SIGTERM);
		waitpid(sensor, NULL, 0);
		sensor = -1;
	}
}

static void cleanup(void)
{
	char cmd[128];

	stop_sensor();
	container_destroy(&c);
	container_destroy(&c2);
	if (dir[0] && !getenv("TEST_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		run_sh(cmd);
	}
}

static int sh(const char *cmd)
{
	char full[2048];

	snprintf(full, sizeof(full), "cd '%s' && %s", dir, cmd);
	return run_sh(full);
}

static char *slurp(const char *name)
{
	char p[128];
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return read_file(p, &n);
}

static bool file_has(const char *name, const char *needle)
{
	char *s = slurp(name);
	bool r = s && strstr(s, needle);

	free(s);
	return r;
}

/* Occurrences of needle in the file. */
static int file_count(const char *name, const char *needle)
{
	char *s = slurp(name);
	int n = 0;

	for (char *p = s; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	free(s);
	return n;
}

/* Wait (bounded, ms) until the file holds needle. */
static bool wait_for(const char *name, const char *needle, int ms)
{
	for (int t = 0; t < ms / 50; t++) {
		if (file_has(name, needle))
			return true;
		usleep(50000);
	}
	return file_has(name, needle);
}

/* rtsensor run ARGS (proc + seccomp with the agent socket) in the background, until it is up. */
static void start_sensor(const char *args, const char *events)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && exec \"$RTSENSOR\" run --source proc --source seccomp "
		 "--seccomp-socket '%s' --runtime-root '%s' --db r.db --events %s %s 2>>err.txt",
		 dir, sock, container_runc_root(), events, args);
	sensor = fork();
	cr_assert_geq(sensor, 0);
	if (sensor == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	cr_assert(wait_for(events, "\"state\":\"agent_listening\"", 20000),
		  "the sensor came up: %s", slurp("err.txt"));
}

static int run_in(const char *script, char *out, size_t cap)
{
	const char *const argv[] = { "sh", "-c", script, NULL };

	if (out)
		return container_exec_capture(&c, argv, out, cap);
	return container_exec(&c, argv);
}

static const char *const init[] = { "sleep", "1000", NULL };
static char seccomp[512];

static void setup_container(void)
{
	struct container_opts co = { .shape = CONTAINER_DOCKER, .image = CONTAINER_IMAGE_BUSYBOX,
				     .argv = init };

	REQUIRE_ROOT();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc");
#ifndef __x86_64__
	REQUIRE_FEATURE(false, "x86_64 (the profile and personality's number)");
#endif
	snprintf(dir, sizeof(dir), "/tmp/cli-enf-sc-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
	snprintf(seccomp, sizeof(seccomp),
		 "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"%s\","
		 "\"listenerMetadata\":\"cli-enforce-seccomp\","
		 "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":"
		 "[\"mknod\",\"mknodat\",\"personality\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		 sock);
	co.extra_linux = seccomp;
	cr_assert_eq(container_create(&c, &co), 0);
}

/* Learn through the CLI until the container is monitoring with mknodat learned. */
static void learn(void)
{
	char cmd[512];
	bool done = false;

	start_sensor("--mode learn --learn-min 1 --learn-stable 1 --alerts a0.jsonl", "ev0.json");
	cr_assert_eq(container_start(&c), 0);
	fprintf(stderr, "container %s\n", c.id);
	/* bounded at ~30 s: the store is written by the sensor's periodic flush */
	for (int round = 0; round < 100 && !done; round++) {
		if (round)
			usleep(200000);
		cr_assert_eq(run_in(LEARNED, NULL, 0), 0, "mkfifo runs while learning");
		snprintf(cmd, sizeof(cmd),
			 "\"$RTSENSOR\" baseline list --db r.db --json > list.json 2>/dev/null; "
			 "\"$RTSENSOR\" baseline show --db r.db %s --json > show.json 2>/dev/null",
			 c.id);
		sh(cmd);
		if (file_has("show.json", "\"key\":\"syscall:mknodat\"")) {
			char want[200];

			snprintf(want, sizeof(want), "grep '\"id\":\"%s\"' list.json | grep -q monitoring",
				 c.id);
			done = sh(want) == 0;
		}
	}
	stop_sensor();
	cr_assert(done, "the container learned mknodat and is monitoring: %s; stderr: %s",
		  slurp("show.json"), slurp("err.txt"));
	cr_assert_not(file_has("show.json", "\"key\":\"syscall:personality\""), "%s",
		      slurp("show.json"));
	/* only our container stays in the store */
	snprintf(cmd, sizeof(cmd),
		 "\"$RTSENSOR\" baseline list --db r.db --json | sed -n 's/^{\"id\":\"\\([^\"]*\\)\".*/\\1/p'"
		 " | grep -v -e '^%s$' -e '^class:' | while read -r id; do"
		 " \"$RTSENSOR\" baseline reset --db r.db \"$id\" 2>/dev/null || exit 1; done",
		 c.id);
	cr_assert_eq(sh(cmd), 0);
}

/* Enforce: the learned mkfifo runs, and its mknodat was decided by the baseline. */
static void enforce(const char *extra, const char *events)
{
	char args[256];

	snprintf(args, sizeof(args), "--mode enforce %s --alerts %s.alerts", extra, events);
	start_sensor(args, events);
	cr_assert_eq(run_in(LEARNED, NULL, 0), 0, "the learned command runs: %s", slurp("err.txt"));
	cr_assert(wait_for(events, "\"reason\":\"baseline: learned\"", 5000),
		  "the learned mknodat was answered from the baseline: %s", slurp(events));
}

/* A process of the container waiting in personality (held by the kernel for the agent). */
static int held_in_personality(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char p[300], *s;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/cgroup", de->d_name);
		s = read_file(p, NULL);
		if (!s || !strstr(s, c.id)) {
			free(s);
			continue;
		}
		free(s);
		snprintf(p, sizeof(p), "/proc/%s/syscall", de->d_name);
		s = read_file(p, NULL);
		n += s && strncmp(s, PERSONALITY_NR, strlen(PERSONALITY_NR)) == 0;
		free(s);
	}
	if (d)
		closedir(d);
	return n;
}

/* Wait (bounded) until want processes of the container wait in personality. */
static bool wait_held(int want)
{
	char cmd[512];

	for (int t = 0; t < 400; t++) {
		if (held_in_personality() >= want)
			return true;
		usleep(25000);
	}
	/* what they do instead */
	snprintf(cmd, sizeof(cmd),
		 "for p in $(grep -l %s /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); do "
		 "echo \"$p $(cat /proc/$p/comm) $(cut -d' ' -f1 /proc/$p/syscall) "
		 "$(cat /proc/$p/wchan)\" >&2; done; ps -ef | grep -e 'runc' >&2",
		 c.id);
	run_sh(cmd);
	return false;
}

/* `runc exec` script in the background, its output into dir/name. */
static pid_t run_in_bg(const char *script, const char *name)
{
	char out[128];
	pid_t pid;

	snprintf(out, sizeof(out), "%s/%s", dir, name);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char text[4096] = "";
		int rc = run_in(script, text, sizeof(text));
		FILE *f = fopen(out, "we");

		if (!f || fputs(text, f) < 0 || fclose(f) != 0)
			_exit(126);
		_exit(rc);
	}
	return pid;
}

static int wait_exit(pid_t pid)
{
	int st = -1;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(cli_enforce_seccomp, learned_syscalls_run_unlearned_denied, .timeout = 300, .fini = cleanup)
{
	char out[512] = "", alerts[64];

	setup_container();
	learn();

	/* enforce: the unlearned personality fails with EPERM, alerted with the reason */
	enforce("", "ev1.json");
	cr_assert_neq(run_in(UNLEARNED, out, sizeof(out)), 0, "personality is denied: %s", out);
	cr_assert_not_null(strstr(out, "Operation not permitted"), "EPERM: %s", out);
	snprintf(alerts, sizeof(alerts), "ev1.json.alerts");
	cr_assert(wait_for(alerts, "not learned: syscall:personality", 5000), "alerts: %s",
		  slurp(alerts));
	cr_assert(file_has(alerts, "\"denied\""), "%s", slurp(alerts));
	cr_assert(file_has("ev1.json", "\"reason\":\"baseline: not learned: syscall:personality\""),
		  "%s", slurp("ev1.json"));
	cr_assert_eq(run_in(LEARNED, NULL, 0), 0, "the learned command still runs");

	stop_sensor();

	/* dry run: it runs, and would_deny */
	enforce("--dry-run", "ev2.json");
	out[0] = '\0';
	cr_assert_eq(run_in(UNLEARNED, out, sizeof(out)), 0, "the dry run denies nothing: %s", out);
	snprintf(alerts, sizeof(alerts), "ev2.json.alerts");
	cr_assert(wait_for(alerts, "not learned: syscall:personality", 5000), "alerts: %s",
		  slurp(alerts));
	cr_assert(file_has(alerts, "\"would_deny\""), "%s", slurp(alerts));
	cr_assert_not(file_has(alerts, "\"denied\""), "%s", slurp(alerts));
	cr_assert(file_has("ev2.json", "dry run: would deny: not learned: syscall:personality"), "%s",
		  slurp("ev2.json"));
	stop_sensor();
}

/*
 * The fail rows, with a container the store does not hold (so no
 * fanotify mark of the enforcing sensor holds the execs of a stopped
 * sensor; its held syscalls are allowed, "baseline: not enforcing").
 * A late sensor: stopped (SIGSTOP) while 16 processes call personality,
 * each waits in the kernel's queue (no bound, no deadline there); when
 * it continues it answers all of them. Sensor death: one waits, the
 * sensor is killed: the kernel fails the held syscall with ENOSYS (the
 * listener is gone), the workload goes on; later `runc exec`s and a new
 * container of that profile fail: runc cannot reach the agent.
 */
Test(cli_enforce_seccomp, stopped_sensor_answers_all_killed_sensor_enosys, .timeout = 120,
     .fini = cleanup)
{
	pid_t bg;
	char *o;

	setup_container();
	start_sensor("--mode enforce --fail closed --alerts a.jsonl", "ev.json");
	cr_assert_eq(container_start(&c), 0);

	kill(sensor, SIGSTOP);
	bg = run_in_bg("for i in $(seq 16); do (linux32 true 2>/dev/null; echo \"rc=$?\") & done; wait",
		       "burst.txt");
	cr_assert(wait_held(16), "16 processes wait in personality (%d)", held_in_personality());
	kill(sensor, SIGCONT);
	cr_assert_eq(wait_exit(bg), 0);
	cr_assert_eq(file_count("burst.txt", "rc=0"), 16, "%s", slurp("burst.txt"));
	for (int t = 0; t < 100 && file_count("ev.json", "\"name\":\"personality\"") < 16; t++)
		usleep(50000);
	cr_assert_eq(file_count("ev.json", "\"reason\":\"baseline: not enforcing\""), 16, "%s",
		     slurp("ev.json"));

	kill(sensor, SIGSTOP);
	bg = run_in_bg("linux32 true 2>&1; echo \"rc=$?\"", "held.txt");
	cr_assert(wait_held(1), "the process waits in personality");
	kill(sensor, SIGKILL);
	waitpid(sensor, NULL, 0);
	sensor = -1;
	cr_assert_eq(wait_exit(bg), 0);
	o = slurp("held.txt");
	cr_assert(o && strstr(o, "Function not implemented") && strstr(o, "rc=1"), "ENOSYS: %s", o);
	free(o);
	cr_assert_neq(run_in("true", NULL, 0), 0, "runc exec needs the agent");
	cr_assert_eq(held_in_personality(), 0);
	/* and so does a new container of that profile: starts fail closed */
	{
		struct container_opts co = { .shape = CONTAINER_DOCKER,
					     .image = CONTAINER_IMAGE_BUSYBOX, .argv = init,
					     .extra_linux = seccomp };

		cr_assert_eq(container_create(&c2, &co), 0);
		cr_assert_neq(container_start(&c2), 0, "runc run needs the agent");
	}
}
