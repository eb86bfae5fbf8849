/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor attacked by another user of the host (issue 13). What the
 * attacker prepares it prepares as nobody (setpriv, as an unprivileged user
 * would); the sensor runs as root. Every attack must be refused or
 * contained with one clear line, and nothing of root's may change.
 * Rows: planted symlinks, planted database, privileges, stops.
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testlib.h"

#define NOBODY "65534"

static char dir[64], rootdir[64], victim[128];
static struct run_result res;

static const char *bin(void)
{
	const char *b = getenv("RTSENSOR");

	cr_assert_not_null(b, "RTSENSOR is set by meson");
	return b;
}

static int rt(const char *first, ...)
{
	char *argv[24] = { (char *)bin(), (char *)first };
	va_list ap;
	int n = 2;

	va_start(ap, first);
	while (n < 23 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(run_capture(argv, -1, 0, &res), 0);
	return res.status;
}
#define RT(...) rt(__VA_ARGS__, NULL)

/* As nobody, through setpriv: what any local user can do. */
static void as_nobody(const char *fmt, ...)
{
	char cmd[1024], full[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full),
		 "setpriv --reuid=" NOBODY " --regid=" NOBODY " --clear-groups sh -c '%s'", cmd);
	cr_assert_eq(run_sh(full), 0, "%s", full);
}

static void setup(void)
{
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/cli-hostile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	/* the attacker's own directory (not sticky: the kernel's protected_symlinks does not apply) */
	cr_assert_eq(chown(dir, 65534, 65534), 0);
	cr_assert_eq(chmod(dir, 0755), 0);
	snprintf(rootdir, sizeof(rootdir), "/tmp/cli-hostile-root-XXXXXX");
	cr_assert_not_null(mkdtemp(rootdir));
	snprintf(victim, sizeof(victim), "%s/victim", rootdir);
	fd = open(victim, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "secret\n", 7), 7);
	close(fd);
}

static void teardown(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, rootdir);
	run_sh(cmd);
}

static void victim_intact(void)
{
	size_t len = 0;
	char *b = read_file(victim, &len);

	cr_assert_not_null(b);
	cr_assert_eq(len, 7, "root's file was written through a link: %zu bytes", len);
	cr_assert_str_eq(b, "secret\n");
	free(b);
}

static void refused_in_one_line(const char *needle)
{
	cr_assert_neq(res.status, 0, "not refused: %s", res.err);
	cr_assert_eq(count_lines(res.err), 1, "stderr: %s", res.err);
	cr_assert_not_null(strstr(res.err, needle), "'%s' not in: %s", needle, res.err);
}

static const char *corpus(void)
{
	return corpus_path("elastic_go-libaudit/aucoalesce/testdata/execve.log");
}

/* Row "planted symlinks": --alerts, --events, replay --events, export -o, --db. */
Test(cli_hostile, planted_symlinks_are_refused, .init = setup, .fini = teardown, .timeout = 60)
{
	char p[256], db[256];

	REQUIRE_ROOT();
	as_nobody("ln -s %s %s/ev && ln -s %s %s/al && ln -s %s %s/ex && ln -s %s %s/db", victim,
		  dir, victim, dir, victim, dir, victim, dir);
	snprintf(p, sizeof(p), "%s/ev", dir);
	RT("run", "--source", "proc", "--duration", "0.2", "--events", p);
	refused_in_one_line("symbolic link");
	RT("replay", "--audit", corpus(), "--events", p);
	refused_in_one_line("symbolic link");

	snprintf(db, sizeof(db), "%s/ok.db", rootdir);
	snprintf(p, sizeof(p), "%s/al", dir);
	RT("replay", "--audit", corpus(), "--mode", "learn", "--db", db, "--alerts", p);
	refused_in_one_line("symbolic link");
	cr_assert_eq(RT("replay", "--audit", corpus(), "--mode", "learn", "--db", db), 0, "%s",
		     res.err);
	snprintf(p, sizeof(p), "%s/ex", dir);
	RT("baseline", "export", "--db", db, "-o", p);
	refused_in_one_line("symbolic link");
	snprintf(p, sizeof(p), "%s/db", dir);
	RT("baseline", "list", "--db", p);
	refused_in_one_line("symbolic link");
	RT("replay", "--audit", corpus(), "--mode", "learn", "--db", p);
	cr_assert_neq(res.status, 0);
	cr_assert_not_null(strstr(res.err, "symbolic link"), "%s", res.err);
	victim_intact();
}

/* Outputs another user owns or may write are not ours to write into. */
Test(cli_hostile, foreign_or_shared_outputs_are_refused, .init = setup, .fini = teardown,
     .timeout = 60)
{
	char p[256];

	REQUIRE_ROOT();
	as_nobody("touch %s/mine.json", dir);
	snprintf(p, sizeof(p), "%s/mine.json", dir);
	RT("replay", "--audit", corpus(), "--events", p);
	refused_in_one_line("owned by another user");
	snprintf(p, sizeof(p), "%s/shared.json", rootdir);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	cr_assert_eq(chmod(p, 0666), 0);
	RT("replay", "--audit", corpus(), "--events", p);
	refused_in_one_line("writable by group or others");
	snprintf(p, sizeof(p), "%s/hard", dir);
	/* a second name of root's file (protected_hardlinks stops nobody; root could be fooled) */
	cr_assert_eq(link(victim, p), 0);
	RT("replay", "--audit", corpus(), "--events", p);
	refused_in_one_line("hard links");
	victim_intact();
}

static void add_trigger(const char *db)
{
	sqlite3 *s;

	cr_assert_eq(sqlite3_open(db, &s), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(s,
				  "CREATE TRIGGER eat AFTER INSERT ON alerts BEGIN DELETE FROM alerts; END;"
				  "CREATE TRIGGER eat2 AFTER INSERT ON journal BEGIN DELETE FROM journal; END;",
				  NULL, NULL, NULL),
		     SQLITE_OK, "%s", sqlite3_errmsg(s));
	sqlite3_close(s);
}

/* Row "planted database": a 0666 db with AFTER INSERT triggers made by nobody. */
Test(cli_hostile, planted_database_is_refused, .init = setup, .fini = teardown, .timeout = 60)
{
	char db[256], cmd[600];

	REQUIRE_ROOT();
	snprintf(db, sizeof(db), "%s/planted.db", dir);
	/* a database of our schema, as nobody would copy one, then made his and shared */
	cr_assert_eq(RT("replay", "--audit", corpus(), "--mode", "learn", "--db", db), 0, "%s",
		     res.err);
	add_trigger(db);
	snprintf(cmd, sizeof(cmd), "chown 65534:65534 %s* && chmod 0666 %s", db, db);
	cr_assert_eq(run_sh(cmd), 0);
	RT("replay", "--audit", corpus(), "--mode", "monitor", "--db", db, "--journal");
	refused_in_one_line("owned by another user");

	/* even our own file with a trigger someone slipped in */
	snprintf(db, sizeof(db), "%s/own.db", rootdir);
	cr_assert_eq(RT("replay", "--audit", corpus(), "--mode", "learn", "--db", db), 0);
	add_trigger(db);
	RT("replay", "--audit", corpus(), "--mode", "monitor", "--db", db, "--journal");
	refused_in_one_line("triggers or views");
	RT("alerts", "--db", db);
	refused_in_one_line("triggers or views");
}

static char *status_field(pid_t pid, const char *name, char *out, size_t cap)
{
	char path[64], *b, *p;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	b = read_file(path, &len);
	if (!b)
		return NULL;
	p = strstr(b, name);
	if (!p) {
		free(b);
		return NULL;
	}
	p += strlen(name);
	while (*p == ' ' || *p == '\t')
		p++;
	snprintf(out, cap, "%.*s", (int)strcspn(p, "\n"), p);
	free(b);
	return out;
}

/* Row "privileges": every capability kept, no no_new_privs, files 0644/0666 under umask 000. */
Test(cli_hostile, run_drops_privileges_and_keeps_files_private, .init = setup, .fini = teardown,
     .timeout = 60)
{
	char ev[256], db[256], capeff[64] = "", nnp[16] = "";
	struct stat st;
	pid_t pid;
	int status;

	REQUIRE_ROOT();
	snprintf(ev, sizeof(ev), "%s/ev.json", rootdir);
	snprintf(db, sizeof(db), "%s/x.db", rootdir);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		umask(0);
		dup2(nul, 0);
		dup2(nul, 1);
		execl(bin(), bin(), "run", "--source", "proc", "--duration", "2.5", "--events", ev,
		      "--mode", "learn", "--db", db, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 60; i++) { /* until it dropped (after its sources started) */
		usleep(50000);
		if (status_field(pid, "NoNewPrivs:", nnp, sizeof(nnp)) && strcmp(nnp, "1") == 0)
			break;
	}
	status_field(pid, "CapEff:", capeff, sizeof(capeff));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	cr_assert_str_eq(nnp, "1");
	/* proc alone: dac_read_search and sys_ptrace (bits 2 and 19) */
	cr_assert_str_eq(capeff, "0000000000080004", "CapEff %s", capeff);
	cr_assert_eq(stat(ev, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "events %o", st.st_mode & 0777);
	cr_assert_eq(stat(db, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "db %o", st.st_mode & 0777);
}

/* Row "stops": a closed stdout (rtsensor run | head) left 32 audit rules and auditing enabled. */
Test(cli_hostile, sigpipe_stops_cleanly_and_removes_audit_rules, .timeout = 60)
{
	int p[2], err[2], status;
	char buf[4096], needle[64], errbuf[1024] = "";
	FILE *f;
	pid_t pid;
	ssize_t n;
	bool left = false;

	REQUIRE_ROOT();
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(pipe(err), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(err[1], 2);
		close(p[0]);
		close(err[0]);
		execl(bin(), bin(), "run", "--source", "audit", "--source", "proc", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	close(err[1]);
	/* a reader that takes a little and goes away, like head -c */
	n = read(p[0], buf, 1);
	cr_assert_eq(n, 1, "no event came");
	close(p[0]);
	run_sh("true; ls / >/dev/null"); /* something to report: the next write fails */
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	n = read(err[0], errbuf, sizeof(errbuf) - 1);
	errbuf[n > 0 ? n : 0] = 0;
	close(err[0]);
	cr_assert(WIFEXITED(status), "killed by signal %d, not stopped", WTERMSIG(status));
	cr_assert_eq(WEXITSTATUS(status), 1);
	cr_assert_not_null(strstr(errbuf, "Broken pipe"), "%s", errbuf);
	snprintf(needle, sizeof(needle), "-%d ", (int)pid);
	f = popen("auditctl -l", "r");
	cr_assert_not_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		char *k = strstr(buf, "key=rtsensor-");

		strcat(buf, " ");
		if (k && strstr(k, needle))
			left = true;
	}
	pclose(f);
	cr_assert(!left, "rules of pid %d left after SIGPIPE", (int)pid);
}

/* Row "stops": NFQUEUE rules of a killed instance were never swept. */
static char nfq_ns[32], nfq_pidf[64];

/* Poll until the shell command's exit status is `want` (0 or not 0), up to 10 s. */
static bool poll_sh(const char *cmd, bool want_zero)
{
	for (int i = 0; i < 200; i++) {
		if ((run_sh(cmd) == 0) == want_zero)
			return true;
		usleep(50000);
	}
	return false;
}

/* The background instance's pid, while it is still a live rtsensor (not a zombie); 0 otherwise. */
static pid_t nfq_instance(void)
{
	char *txt, path[64], *st;
	size_t len;
	pid_t pid = 0;

	if (!nfq_pidf[0] || !(txt = read_file(nfq_pidf, &len)))
		return 0;
	pid = (pid_t)atoi(txt);
	free(txt);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	st = pid > 0 ? read_file(path, &len) : NULL;
	if (!st || strncmp(st, "Name:\trtsensor\n", 14) != 0 || strstr(st, "\nState:\tZ"))
		pid = 0;
	free(st);
	return pid;
}

/* Runs whether the test passed or failed: no instance, netns or file is left. */
static void nfq_teardown(void)
{
	char cmd[160];
	pid_t pid = nfq_instance();

	if (pid > 0)
		kill(pid, SIGKILL);
	if (nfq_ns[0]) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null", nfq_ns);
		run_sh(cmd);
	}
	if (nfq_pidf[0])
		unlink(nfq_pidf);
	nfq_ns[0] = nfq_pidf[0] = '\0';
}

Test(cli_hostile, nfqueue_rules_of_a_killed_instance_are_swept, .fini = nfq_teardown,
     .timeout = 90)
{
	char cmd[1024], rules[128];
	pid_t pid;

	REQUIRE_ROOT();
	snprintf(nfq_ns, sizeof(nfq_ns), "rth-%d", (int)getpid());
	snprintf(nfq_pidf, sizeof(nfq_pidf), "/tmp/%s.pid", nfq_ns);
	snprintf(cmd, sizeof(cmd), "ip netns add %s", nfq_ns);
	cr_assert_eq(run_sh(cmd), 0);
	snprintf(rules, sizeof(rules), "ip netns exec %s iptables -S | grep -q rtsensor-nfq-", nfq_ns);
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s sh -c '%s run --source nfqueue --duration 60 >/dev/null 2>&1 & "
		 "echo $! > %s'",
		 nfq_ns, bin(), nfq_pidf);
	cr_assert_eq(run_sh(cmd), 0);
	cr_assert(poll_sh(rules, true), "the instance installed no rule in 10 s");
	pid = nfq_instance();
	cr_assert_gt(pid, 0, "the instance is gone");
	kill(pid, SIGKILL);
	for (int i = 0; i < 200 && nfq_instance() == pid; i++)
		usleep(50000);
	cr_assert_neq(nfq_instance(), pid, "the instance outlived SIGKILL for 10 s");
	cr_assert_eq(run_sh(rules), 0, "the killed instance's rules are still there (as expected)");
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s %s run --source nfqueue --duration 0.3 >/dev/null 2>&1", nfq_ns,
		 bin());
	cr_assert_eq(run_sh(cmd), 0);
	cr_assert_neq(run_sh(rules), 0, "rules of the dead instance left after a restart");
}

static void agent_status(const char *sock, const char *extra, char *capeff, char *nnp,
			 mode_t *mode)
{
	struct stat st;
	pid_t pid = fork();
	int status;

	cr_assert(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		umask(0);
		dup2(nul, 0);
		dup2(nul, 1);
		if (extra)
			execl(bin(), bin(), "seccomp-agent", "--socket", sock, "--duration", "1.5",
			      "--allow-uid", extra, "--max-channels", "4", "--max-per-peer", "1",
			      (char *)NULL);
		else
			execl(bin(), bin(), "seccomp-agent", "--socket", sock, "--duration", "1.5",
			      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 40; i++) {
		usleep(25000);
		if (status_field(pid, "NoNewPrivs:", nnp, 16) && strcmp(nnp, "1") == 0)
			break;
	}
	status_field(pid, "CapEff:", capeff, 64);
	cr_assert_eq(lstat(sock, &st), 0);
	*mode = st.st_mode & 07777;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
}

/* seccomp-agent: nothing kept after bind; the socket 0600, 0666 only with --allow-uid. */
Test(cli_hostile, seccomp_agent_keeps_no_capability, .init = setup, .fini = teardown,
     .timeout = 60)
{
	char sock[128], capeff[64] = "", nnp[16] = "";
	mode_t mode;

	REQUIRE_ROOT();
	snprintf(sock, sizeof(sock), "%s/a.sock", rootdir);
	agent_status(sock, NULL, capeff, nnp, &mode);
	cr_assert_str_eq(capeff, "0000000000000000");
	cr_assert_str_eq(nnp, "1");
	cr_assert_eq(mode, 0600, "mode %o under umask 000", mode);
	agent_status(sock, NOBODY, capeff, nnp, &mode);
	cr_assert_eq(mode, 0666, "mode %o with --allow-uid", mode);
	cr_assert_str_eq(capeff, "0000000000000000");
	cr_assert_eq(RT("seccomp-agent", "--socket", sock, "--max-per-peer", "0"), 2);
	cr_assert_eq(RT("seccomp-agent", "--socket", sock, "--allow-uid", "x"), 2);
}
