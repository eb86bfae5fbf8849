/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The whole CLI path of enforcement with a real runc container
 * (docs/enforce.md): `rtsensor run --mode learn --learn-held` learns the
 * container (its own netns, a veth to a peer netns with a server), the
 * store is kept to that container only (other sessions' containers on this
 * machine are not ours to enforce), then `rtsensor run --mode enforce` on
 * that store: the learned peer is still reached, a new peer is dropped and
 * alerted `denied` with the reason; with `--dry-run` it connects and gives
 * `would_deny`. Each wait is on the sensor's own output, bounded.
 *
 * kill -9 of the enforcing sensor while the container's exec is held by its
 * fanotify permission mark (the sensor is stopped, the exec waits in the
 * kernel for an answer, seen in /proc/PID/wchan): the kernel answers allow
 * when the group's fd closes, the exec completes, later execs are not held;
 * the same with --fail closed (docs/enforce.md: fail-closed cannot survive
 * the sensor).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>

#include "../baseline/inject.h"
#include "container.h"

#define NEW_PEER "10.214.0.1"
#define OUT_LEARNED "nc -w 3 " CONTAINER_PEER_ADDR " 8080 </dev/null"
#define OUT_NEW "nc -w 3 " NEW_PEER " 8080 </dev/null"

static char dir[64];
static struct test_container c;
static pid_t server = -1, sensor = -1, joined = -1;

static void stop_sensor(void)
{
	if (sensor > 0) {
		kill(sensor, SIGTERM);
		kill(sensor, SIGCONT); /* a test may have stopped it */
		waitpid(sensor, NULL, 0);
		sensor = -1;
	}
}

static void cleanup(void)
{
	char cmd[128];

	stop_sensor();
	if (joined > 0) {
		kill(joined, SIGKILL);
		waitpid(joined, NULL, 0);
		joined = -1;
	}
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
		server = -1;
	}
	container_destroy(&c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
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

/* rtsensor run ARGS in the background, until its sources are up. */
static void start_sensor(const char *args, const char *events)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && exec \"$RTSENSOR\" run --source proc --runtime-root '%s' --db r.db "
		 "--events %s %s 2>>err.txt",
		 dir, container_runc_root(), events, args);
	sensor = fork();
	cr_assert_geq(sensor, 0);
	if (sensor == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	cr_assert(wait_for(events, "\"state\":\"up\"", 20000), "the sensor came up: %s",
		  slurp("err.txt"));
}

static int run_in(const char *script)
{
	const char *const argv[] = { "sh", "-c", script, NULL };

	return container_exec(&c, argv);
}

static void setup_container(void)
{
	static const char *const init[] = { "sleep", "1000", NULL };
	static const char *const serve[] = { "busybox", "nc", "-ll", "-p", "8080",
					     "-e", "/bin/true", NULL };
	struct container_opts co = { .shape = CONTAINER_DOCKER, .image = CONTAINER_IMAGE_BUSYBOX,
				     .net = true, .argv = init };
	char cmd[160];

	REQUIRE_ROOT();
	REQUIRE_FEATURE(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0,
			"runc");
	REQUIRE_FEATURE(access("/usr/sbin/iptables", X_OK) == 0, "iptables");
	snprintf(dir, sizeof(dir), "/tmp/cli-enforce-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(container_create(&c, &co), 0);
	snprintf(cmd, sizeof(cmd), "ip -n %s addr add " NEW_PEER "/32 dev lo", c.peer_netns);
	cr_assert_eq(run_sh(cmd), 0);
	server = container_peer_spawn(&c, serve);
	cr_assert_gt(server, 0);
}

/* Learn through the CLI until the container is monitoring with its flow learned. */
static void learn(void)
{
	char cmd[512], key[160];
	bool done = false;

	start_sensor("--mode learn --learn-held --learn-min 1 --learn-stable 1 --alerts a0.jsonl",
		     "ev0.json");
	cr_assert_eq(container_start(&c), 0);
	fprintf(stderr, "container %s\n", c.id);
	snprintf(key, sizeof(key), "\"key\":\"net:out:tcp:10.213.0.0/24:8080\"");
	/* bounded at ~30 s: the store is written by the sensor's periodic flush */
	for (int round = 0; round < 100 && !done; round++) {
		if (round)
			usleep(200000);
		cr_assert_eq(run_in(OUT_LEARNED), 0, "the peer answers while learning");
		snprintf(cmd, sizeof(cmd),
			 "\"$RTSENSOR\" baseline list --db r.db --json > list.json 2>/dev/null; "
			 "\"$RTSENSOR\" baseline show --db r.db %s --json > show.json 2>/dev/null",
			 c.id);
		sh(cmd);
		if (file_has("show.json", key)) {
			char want[200];

			snprintf(want, sizeof(want), "grep '\"id\":\"%s\"' list.json | grep -q monitoring",
				 c.id);
			done = sh(want) == 0;
		}
	}
	stop_sensor();
	cr_assert(done, "the container learned its flow and is monitoring: %s; stderr: %s", slurp("show.json"), slurp("err.txt"));
	/* only our container stays in the store */
	snprintf(cmd, sizeof(cmd),
		 "\"$RTSENSOR\" baseline list --db r.db --json | sed -n 's/^{\"id\":\"\\([^\"]*\\)\".*/\\1/p'"
		 " | grep -v -e '^%s$' -e '^class:' | while read -r id; do"
		 " \"$RTSENSOR\" baseline reset --db r.db \"$id\" 2>/dev/null || exit 1; done",
		 c.id);
	cr_assert_eq(sh(cmd), 0);
}

/* Enforce until a learned flow of the container was decided by the baseline. */
static void enforce(const char *extra, const char *events)
{
	char args[256];

	snprintf(args, sizeof(args), "--mode enforce %s --alerts %s.alerts", extra, events);
	start_sensor(args, events);
	for (int t = 0; t < 20 && !file_has(events, "baseline: learned"); t++)
		cr_assert_eq(run_in(OUT_LEARNED), 0, "the learned peer is reached");
	cr_assert(file_has(events, "baseline: learned"), "the container's flows are held");
}

Test(cli_enforce, learn_then_enforce_drops_new_peer, .timeout = 240, .fini = cleanup)
{
	char alerts[64];

	setup_container();
	learn();

	enforce("", "ev1.json");
	cr_assert_eq(run_in(OUT_LEARNED), 0, "the learned peer is still reached");
	cr_assert_neq(run_in(OUT_NEW), 0, "a new peer is dropped");
	snprintf(alerts, sizeof(alerts), "ev1.json.alerts");
	cr_assert(wait_for(alerts, "not learned: net:out:tcp:10.214.0.0/24:8080", 5000),
		  "alerts: %s", slurp(alerts));
	cr_assert(file_has(alerts, "\"denied\""), "%s", slurp(alerts));
	stop_sensor();

	enforce("--dry-run", "ev2.json");
	cr_assert_eq(run_in(OUT_NEW), 0, "the dry run drops nothing");
	snprintf(alerts, sizeof(alerts), "ev2.json.alerts");
	cr_assert(wait_for(alerts, "not learned: net:out:tcp:10.214.0.0/24:8080", 5000),
		  "alerts: %s", slurp(alerts));
	cr_assert(file_has(alerts, "\"would_deny\""), "%s", slurp(alerts));
	cr_assert_not(file_has(alerts, "\"denied\""), "%s", slurp(alerts));
	stop_sensor();
}


/* ---- kill -9 while an exec is held ------------------------------------------ */

#define NEW_BIN "/usr/local/bin/newbin"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A process of the container (joined as runc exec joins it) that execs
 * NEW_BIN (busybox as "true") once a byte arrives on *go: exit 0 when the
 * exec was allowed, 126 when it was denied (EPERM), 127 otherwise.
 */
static pid_t joined_exec(int *go)
{
	int p[2];
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char *const argv[] = { "true", NULL };
		char b;

		close(p[1]);
		if (container_join(&c) < 0 || read(p[0], &b, 1) != 1)
			_exit(125);
		execv(NEW_BIN, argv);
		_exit(errno == EPERM ? 126 : 127);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

/* Exit status of pid, waited for at most ms (-1: still running; -2: not exited normally). */
static int wait_exit(pid_t pid, int ms)
{
	uint64_t end = mono_ms() + (uint64_t)ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -2;
		if (mono_ms() > end)
			return -1;
		usleep(5000);
	}
}

/* NEW_BIN run by a joined process right away: its exit status (bounded). */
static int exec_new_now(void)
{
	int go, st;

	joined = joined_exec(&go);
	cr_assert_eq(write(go, "g", 1), 1);
	close(go);
	st = wait_exit(joined, 10000);
	cr_assert_neq(st, -1, "the exec finished within 10 s");
	joined = -1;
	return st;
}

static bool wchan_is_fanotify(pid_t pid)
{
	char p[64], w[128] = "";
	int fd, n;

	snprintf(p, sizeof(p), "/proc/%d/wchan", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = (int)read(fd, w, sizeof(w) - 1);
	close(fd);
	w[n > 0 ? n : 0] = '\0';
	return strstr(w, "fanotify") != NULL;
}

static void sigkill_case(const char *extra, const char *events)
{
	char cmd[2048];
	int go, st = -1;
	uint64_t t0;

	enforce(extra, events);
	/* a new binary, put in by the host (not a write the container makes) */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/usr/local/bin' && cp '%s/bin/busybox' '%s" NEW_BIN "'",
		 c.rootfs, c.rootfs, c.rootfs);
	cr_assert_eq(run_sh(cmd), 0);
	/* enforced: denied (the container's mounts may be marked a moment after its flows) */
	for (int t = 0; t < 50 && st != 126; t++) {
		st = exec_new_now();
		if (st != 126)
			usleep(100000);
	}
	cr_assert_eq(st, 126, "a new binary is denied under enforcement (exit %d)", st);

	/* the sensor stands still; the exec waits in the kernel for its answer */
	joined = joined_exec(&go);
	cr_assert_eq(kill(sensor, SIGSTOP), 0);
	cr_assert_eq(write(go, "g", 1), 1);
	close(go);
	t0 = mono_ms();
	while (!wchan_is_fanotify(joined) && mono_ms() - t0 < 10000)
		cr_assert_eq(waitpid(joined, &st, WNOHANG), 0, "the exec is held, not done (0x%x)", st);
	cr_assert(wchan_is_fanotify(joined), "the exec waits for the permission answer");

	cr_assert_eq(kill(sensor, SIGKILL), 0);
	cr_assert_eq(waitpid(sensor, NULL, 0), sensor);
	sensor = -1;
	t0 = mono_ms();
	st = wait_exit(joined, 5000);
	joined = -1;
	cr_assert_eq(st, 0, "the held exec completed (allowed) after kill -9 (status %d)", st);
	fprintf(stderr, "%s: held exec released %llu ms after kill -9\n", extra[0] ? extra : "fail open",
		(unsigned long long)(mono_ms() - t0));
	/* later requests are not held: the marks went with the group */
	cr_assert_eq(exec_new_now(), 0, "a later exec passes");
	snprintf(cmd, sizeof(cmd), "rm -f '%s" NEW_BIN "'", c.rootfs);
	run_sh(cmd);
}

Test(cli_enforce, sigkill_while_exec_held_fails_open, .timeout = 300, .fini = cleanup)
{
	setup_container();
	learn();
	sigkill_case("", "ev3.json");
	/* --fail closed answers the deadline and overload, not the sensor's death */
	sigkill_case("--fail closed", "ev4.json");
}
