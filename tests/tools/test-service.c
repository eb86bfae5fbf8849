/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor.service without systemd as PID 1: the unit's ExecStartPre and
 * ExecStart lines (deploy/systemd/rtsensor.service) run as systemd would
 * run them, with the shipped configuration (deploy/rtsensor.conf, its
 * /var and /etc paths moved to a scratch directory), NOTIFY_SOCKET bound by
 * the test and WATCHDOG_USEC set. Checked: READY=1 once the sources are up,
 * watchdog pings, SIGHUP (ExecReload) = RELOADING=1 then READY=1 with the
 * rules reloaded, the events file reopened after a rotation and a broken
 * configuration refused while the sensor keeps running, SIGUSR1 counters,
 * SIGTERM = STOPPING=1 and exit 0. Only the proc source is started (a flag
 * over the file), so the test leaves nothing host-global behind.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "testlib.h"

static char dir[64];
static char notes[65536]; /* every datagram received, newline-separated */
static size_t nnotes;
static int nsock = -1;

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Receive datagrams for up to ms; return true once `want` is in notes after offset `from`. */
static bool wait_note(const char *want, size_t from, int ms)
{
	uint64_t end = ms_now() + (uint64_t)ms;

	for (;;) {
		struct pollfd p = { nsock, POLLIN, 0 };
		uint64_t now = ms_now();

		if (strstr(notes + from, want))
			return true;
		if (now >= end)
			return false;
		if (poll(&p, 1, (int)(end - now)) > 0) {
			char buf[4096];
			ssize_t n = recv(nsock, buf, sizeof(buf) - 1, 0);

			if (n > 0 && nnotes + (size_t)n + 2 < sizeof(notes)) {
				memcpy(notes + nnotes, buf, (size_t)n);
				nnotes += (size_t)n;
				notes[nnotes++] = '\n';
				notes[nnotes] = '\0';
			}
		}
	}
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static char *path_in(const char *name)
{
	static char p[8][256];
	static int k;
	char *r = p[k++ % 8];

	snprintf(r, 256, "%s/%s", dir, name);
	return r;
}

static void put(const char *name, const char *text, const char *mode)
{
	FILE *f = fopen(path_in(name), mode);

	cr_assert_not_null(f, "%s", name);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* The file holds `want` within ms. */
static bool wait_file(const char *name, const char *want, int ms)
{
	uint64_t end = ms_now() + (uint64_t)ms;

	do {
		char *t = read_file(path_in(name), NULL);
		bool ok = t && strstr(t, want);

		free(t);
		if (ok)
			return true;
		usleep(50000);
	} while (ms_now() < end);
	return false;
}

/* "KEY=" line of the unit split on blanks, /usr/bin/rtsensor and the config path replaced. */
static int unit_line(const char *unit, const char *key, char **argv, int max, char *store)
{
	const char *p = strstr(unit, key);
	const char *rt = getenv("RTSENSOR");
	int n = 0;
	char *tok, *save = NULL;

	cr_assert_not_null(p, "%s in the unit", key);
	p += strlen(key);
	snprintf(store, 1024, "%.*s", (int)strcspn(p, "\n"), p);
	for (tok = strtok_r(store, " ", &save); tok && n < max - 1; tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "/usr/bin/rtsensor") == 0)
			tok = (char *)rt;
		else if (strcmp(tok, "/etc/rtsensor/rtsensor.conf") == 0)
			tok = path_in("rtsensor.conf");
		argv[n++] = tok;
	}
	argv[n] = NULL;
	return n;
}

/* The shipped configuration with its directories in the scratch directory. */
static void copy_config(const char *root)
{
	char src[512], *text, *out;
	size_t len, o = 0;
	const char *from[] = { "/etc/rtsensor", "/var/lib/rtsensor", "/var/log/rtsensor" };

	snprintf(src, sizeof(src), "%s/deploy/rtsensor.conf", root);
	text = read_file(src, &len);
	cr_assert_not_null(text, "%s", src);
	out = calloc(1, len * 2 + 1);
	for (size_t i = 0; i < len;) {
		bool hit = false;

		for (int k = 0; k < 3 && !hit; k++)
			if (strncmp(text + i, from[k], strlen(from[k])) == 0) {
				o += (size_t)snprintf(out + o, len * 2 + 1 - o, "%s", dir);
				i += strlen(from[k]);
				hit = true;
			}
		if (!hit)
			out[o++] = text[i++];
	}
	put("rtsensor.conf", out, "w");
	free(out);
	free(text);
}

static pid_t start(char **argv, const char *sock)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		int out = open(path_in("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(path_in("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(nul, 0);
		dup2(out, 1);
		dup2(err, 2);
		setenv("NOTIFY_SOCKET", sock, 1);
		setenv("WATCHDOG_USEC", "400000", 1);
		unsetenv("WATCHDOG_PID");
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/*
 * Run a copy of sleep named `name`, whose exec matches a drop-in rule: it
 * lives (its /proc read while it does) until the alerts file holds `want`,
 * at most 5 s; true when it did.
 */
static bool run_marker(const char *name, const char *want)
{
	char cmd[600], path[256];
	bool ok;
	pid_t pid;

	snprintf(path, sizeof(path), "%s", path_in(name));
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep '%s'", path);
	cr_assert_eq(run_sh(cmd), 0, "%s", cmd);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		execl(path, name, "30", (char *)NULL);
		_exit(127);
	}
	ok = wait_file("alerts.json", want, 5000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return ok;
}

static const char marker_rule[] = "rule %s severity=low\n desc \"the %s ran\"\n kind = exec\n"
				  " exec.path glob \"*/%s\"\nend\n";

Test(service, execstart_as_systemd_runs_it)
{
	const char *root = getenv("SENSOR_SOURCE_ROOT");
	char unitp[512], *unit, store[2][1024], rule[512], rd[128], *text;
	char *argv[32], *pre[16], cmd[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t mark;
	pid_t pid;
	int n, st;

	cr_assert_not_null(root);
	snprintf(dir, sizeof(dir), "/tmp/rt-service-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(unitp, sizeof(unitp), "%s/deploy/systemd/rtsensor.service", root);
	unit = read_file(unitp, NULL);
	cr_assert_not_null(unit, "%s", unitp);
	cr_assert(strstr(unit, "\nType=notify\n") && strstr(unit, "\nExecReload=/bin/kill -HUP $MAINPID\n"));
	copy_config(root);
	snprintf(rd, sizeof(rd), "%s/rules.d", dir);
	cr_assert_eq(mkdir(rd, 0700), 0);
	snprintf(rule, sizeof(rule), marker_rule, "marker-one", "marker-one", "rt-marker-one");
	put("rules.d/10-one.rules", rule, "w");

	/* ExecStartPre: the configuration check passes */
	unit_line(unit, "\nExecStartPre=", pre, 16, store[0]);
	cr_assert_eq(run_cmd(pre, true), 0, "ExecStartPre failed");

	/* ExecStart, with the proc source only and an events file (flags over the file) */
	n = unit_line(unit, "\nExecStart=", argv, 24, store[1]);
	argv[n++] = (char *)"--source";
	argv[n++] = (char *)"proc";
	argv[n++] = (char *)"--events";
	argv[n++] = path_in("events.json");
	argv[n] = NULL;
	nsock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(nsock, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
	cr_assert_eq(bind(nsock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pid = start(argv, sa.sun_path);

	cr_assert(wait_note("READY=1", 0, 15000), "no READY=1: %s", notes);
	cr_assert(strstr(notes, "STATUS=running: 1 sources: proc") != NULL, "%s", notes);
	/* the threat rule of the drop-in fires (learning or not) */
	cr_assert(run_marker("rt-marker-one", "\"marker-one\""), "no marker-one alert");
	/* watchdog: pings every half period (200 ms) */
	mark = nnotes;
	/* a measured window: 3 pings in 2 s (one each 200 ms), not a wait for a state */
	wait_note("WATCHDOG=1\nWATCHDOG=1\nWATCHDOG=1", mark, 2000);
	cr_assert_geq(count(notes + mark, "WATCHDOG=1"), 3, "watchdog pings: %s", notes + mark);

	/* logrotate moves the files away, a new drop-in arrives, systemctl reload */
	snprintf(cmd, sizeof(cmd), "mv '%s/events.json' '%s/events.json.1'", dir, dir);
	cr_assert_eq(run_sh(cmd), 0);
	snprintf(cmd, sizeof(cmd), "mv '%s/alerts.json' '%s/alerts.json.1'", dir, dir);
	cr_assert_eq(run_sh(cmd), 0);
	snprintf(rule, sizeof(rule), marker_rule, "marker-two", "marker-two", "rt-marker-two");
	put("rules.d/20-two.rules", rule, "w");
	mark = nnotes;
	cr_assert_eq(kill(pid, SIGHUP), 0);
	cr_assert(wait_note("RELOADING=1", mark, 5000), "no RELOADING=1: %s", notes + mark);
	cr_assert(wait_note("READY=1", mark, 5000), "no READY=1 after the reload");
	cr_assert(strstr(notes + mark, "MONOTONIC_USEC=") != NULL);
	cr_assert(wait_file("events.json", "\"state\":\"reload\",\"detail\":\"configuration applied; ",
			    5000), "the reopened events file lacks the reload status event");
	cr_assert(run_marker("rt-marker-two", "\"marker-two\""),
		  "no marker-two alert in the reopened alerts file");

	/* a broken configuration: refused, named, the sensor keeps running */
	put("rtsensor.conf", "bogus-key = 1\n", "a");
	mark = nnotes;
	cr_assert_eq(kill(pid, SIGHUP), 0);
	cr_assert(wait_note("READY=1", mark, 5000));
	cr_assert(strstr(notes + mark, "reload failed") != NULL, "%s", notes + mark);
	text = read_file(path_in("stderr"), NULL);
	cr_assert(text && strstr(text, "rtsensor.conf:") && strstr(text, "key 'bogus-key': unknown key"),
		  "%s", text ? text : "");
	cr_assert(strstr(text, "reload: the configuration was not applied") != NULL, "%s", text);
	free(text);
	cr_assert_eq(kill(pid, 0), 0, "still running");

	/* SIGUSR1: the counters on stderr */
	cr_assert_eq(kill(pid, SIGUSR1), 0);
	cr_assert(wait_file("stderr", "{\"stats\":{\"events\":", 5000), "no stats on SIGUSR1");

	/* systemctl stop */
	mark = nnotes;
	cr_assert_eq(kill(pid, SIGTERM), 0);
	cr_assert(wait_note("STOPPING=1", mark, 10000), "no STOPPING=1");
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status %d", st);
	/* the database the service keeps state in */
	snprintf(cmd, sizeof(cmd), "test -s '%s/baseline.db'", dir);
	cr_assert_eq(run_sh(cmd), 0, "no baseline database");
	close(nsock);
	free(unit);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run_sh(cmd);
}
