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
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "../baseline/inject.h"
#include "container.h"

#define NEW_PEER "10.214.0.1"
#define OUT_LEARNED "nc -w 3 " CONTAINER_PEER_ADDR " 8080 </dev/null"
#define OUT_NEW "nc -w 3 " NEW_PEER " 8080 </dev/null"

static char dir[64];
static struct test_container c;
static pid_t server = -1, sensor = -1;

static void stop_sensor(void)
{
	if (sensor > 0) {
		kill(sensor, SIGTERM);
		waitpid(sensor, NULL, 0);
		sensor = -1;
	}
}

static void cleanup(void)
{
	char cmd[128];

	stop_sensor();
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

