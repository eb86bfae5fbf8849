/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The agent socket attacked by a local user (issue 13): the peers run as
 * nobody (setresuid in a forked child, what setpriv does) against an agent
 * of root. Mode of the socket under umask 000, SO_PEERCRED refusal, a pipe
 * passed as the "listener", a spoofed container identity, idle connections
 * and channels meant to starve the next real container. Root: the tests
 * change uids.
 */
#include <errno.h>
#include <poll.h>
#include <grp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include <libsensor/sensor.h>

#include "sc-helpers.h"
#include "testlib.h"

#define NOBODY 65534

static struct sc_rec rec;
static char dir[64], sock[128];
static int log_lines;

static void on_log(void *ud, enum sensor_log_level level, const char *msg)
{
	(void)ud;
	(void)level;
	(void)msg;
	log_lines++;
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sc-hostile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	chmod(dir, 0755); /* nobody may reach the socket file; its own mode decides */
	snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
	memset(&rec, 0, sizeof(rec));
	log_lines = 0;
}

static void teardown(void)
{
	unlink(sock);
	rmdir(dir);
}

static void become(int uid)
{
	if (uid < 0)
		return;
	if (setgroups(0, NULL) < 0 || setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid) < 0 ||
	    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
		_exit(80);
}

static int connect_agent(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(s);
		return -e;
	}
	return s;
}

static int send_with_fd(int s, const char *msg, int fd)
{
	struct iovec iov = { (void *)msg, strlen(msg) };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	return sendmsg(s, &m, MSG_NOSIGNAL) == (ssize_t)iov.iov_len ? 0 : -errno;
}

static const char *state_msg(const char *id, char *buf, size_t cap)
{
	snprintf(buf, cap,
		 "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":1,\"metadata\":\"m\","
		 "\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"%s\",\"status\":\"creating\",\"pid\":1,"
		 "\"bundle\":\"/b\",\"annotations\":{\"io.kubernetes.cri.image-name\":"
		 "\"registry/prod/postgres:15\",\"io.kubernetes.pod.uid\":\"1234-5678\"}}}",
		 id);
	return buf;
}

/*
 * A runtime as uid (-1: as we are): filter on unshare, send the state with
 * the listener, then unshare(0); exits with its errno (0: allowed).
 * Exit 91: could not connect.
 */
static pid_t fake_runtime(int uid, const char *id)
{
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		scmp_filter_ctx f;
		char m[1024];
		int s, nfd;

		become(uid);
		f = seccomp_init(SCMP_ACT_ALLOW);
		seccomp_rule_add(f, SCMP_ACT_NOTIFY, SCMP_SYS(unshare), 0);
		if (seccomp_load(f) < 0)
			_exit(90);
		nfd = seccomp_notify_fd(f);
		s = connect_agent();
		if (s < 0)
			_exit(91);
		if (send_with_fd(s, state_msg(id, m, sizeof(m)), nfd) < 0)
			_exit(92);
		close(nfd);
		_exit(unshare(0) < 0 ? errno : 0);
	}
	return pid;
}

static sensor_ctx *agent(const uint32_t *allow, size_t nallow, uint32_t per_peer,
			 sensor_source **ret_src)
{
	struct sensor_ctx_opts co = { .sz = sizeof(co), .log_fn = on_log,
				      .log_level = SENSOR_LOG_DEBUG };
	struct sensor_seccomp_agent_opts ao = { .sz = sizeof(ao), .allow_uids = allow,
						.n_allow_uids = nallow,
						.max_channels_per_peer = per_peer };
	sensor_ctx *ctx;
	sensor_source *src;

	cr_assert_eq(sensor_ctx_new(&co, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, sc_rec_cb, &rec);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, NULL, &src), 0);
	cr_assert_eq(sensor_seccomp_add_agent_opts(src, sock, &ao), 0);
	if (ret_src)
		*ret_src = src;
	return ctx;
}

static int count_status(const char *prefix)
{
	int n = 0;

	for (int i = 0; i < rec.nstatus; i++)
		n += strncmp(rec.status[i], prefix, strlen(prefix)) == 0;
	return n;
}

/* Row "seccomp agent socket": its mode came from the umask (0777 under umask 000). */
Test(agent_hostile, socket_is_0600_and_closed_to_nobody, .init = setup, .fini = teardown)
{
	mode_t old;
	struct stat st;
	sensor_ctx *ctx;
	pid_t pid;
	int status;

	REQUIRE_ROOT();
	old = umask(0);
	ctx = agent(NULL, 0, 0, NULL);
	umask(old);
	cr_assert_eq(lstat(sock, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "socket mode %o", st.st_mode & 07777);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int s;

		become(NOBODY);
		s = connect_agent();
		_exit(s == -EACCES ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "nobody could connect");
	sensor_ctx_free(ctx);
}

/* Row "seccomp agent socket": any user who could connect was served. */
Test(agent_hostile, peer_not_allowed_is_refused, .init = setup, .fini = teardown)
{
	static const uint32_t other[] = { 12345 }; /* makes the file 0666: SO_PEERCRED decides */
	sensor_source *src;
	sensor_ctx *ctx;
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	pid_t pid;
	int st;

	REQUIRE_ROOT();
	ctx = agent(other, 1, 0, &src);
	rec.deny_name = "unshare";
	rec.deny_err = EHOSTDOWN;
	pid = fake_runtime(NOBODY, "prod-db-1");
	st = sc_run_until_exit(ctx, pid, 20000);
	cr_assert(WIFEXITED(st));
	/* refused: nobody serves its filter, the kernel answers ENOSYS; or the agent
	 * hung up before the client could send (92) */
	cr_assert(WEXITSTATUS(st) == ENOSYS || WEXITSTATUS(st) == 92, "exit %d", WEXITSTATUS(st));
	cr_assert_eq(rec.nsyscall, 0);
	cr_assert_eq(count_status("container_attached"), 0);
	sensor_source_get_stats(src, &ss);
	cr_assert_geq(ss.errors, 1);
	sensor_ctx_free(ctx);
}

/* Row "identity spoofing": a fake OCI state from an unprivileged client. */
Test(agent_hostile, identity_of_a_non_root_peer_is_a_claim, .init = setup, .fini = teardown)
{
	static const uint32_t allow[] = { NOBODY };
	sensor_ctx *ctx;
	pid_t pid;
	int st;

	REQUIRE_ROOT();
	ctx = agent(allow, 1, 0, NULL);
	rec.deny_name = "unshare";
	rec.deny_err = EHOSTDOWN;
	pid = fake_runtime(NOBODY, "prod-db-1");
	st = sc_run_until_exit(ctx, pid, 20000);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == EHOSTDOWN, "status %d", st);
	cr_assert_eq(rec.nsyscall, 1);
	cr_assert_str_eq(rec.ev[0].workload_id, "claimed:65534:prod-db-1");
	cr_assert_str_eq(rec.ev[0].workload_class, "claimed:registry/prod/postgres:15");
	cr_assert_eq(count_status("container_attached"), 1);
	for (int i = 0; i < rec.nstatus; i++)
		if (strncmp(rec.status[i], "container_attached", 18) == 0)
			cr_assert_not_null(strstr(rec.status[i], "\"claimed\":true"), "%s",
					   rec.status[i]);

	/* root's word is still taken as it is */
	memset(&rec, 0, sizeof(rec));
	rec.deny_name = "unshare";
	rec.deny_err = EHOSTDOWN;
	pid = fake_runtime(-1, "prod-db-1");
	st = sc_run_until_exit(ctx, pid, 20000);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == EHOSTDOWN);
	cr_assert_str_eq(rec.ev[0].workload_id, "prod-db-1");
	cr_assert_str_eq(rec.ev[0].workload_class, "image:registry/prod/postgres:15");
	sensor_ctx_free(ctx);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* Row "agent accepts any fd": a pipe with one unread byte as the listener. */
Test(agent_hostile, pipe_as_listener_is_refused_without_a_busy_loop, .init = setup,
     .fini = teardown)
{
	static const uint32_t allow[] = { NOBODY };
	sensor_source *src;
	sensor_ctx *ctx;
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	double cpu;
	pid_t pid;
	int st, p[2];

	REQUIRE_ROOT();
	ctx = agent(allow, 1, 0, &src);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		char m[1024];
		int s;

		become(NOBODY);
		if (pipe(p) < 0 || write(p[1], "x", 1) != 1)
			_exit(90);
		s = connect_agent();
		if (s < 0)
			_exit(91);
		if (send_with_fd(s, state_msg("pipe", m, sizeof(m)), p[0]) < 0)
			_exit(92);
		/*
		 * Not a wait for a state: the window in which an agent that
		 * took the pipe as a listener would spin on it (it hangs up on
		 * us either way, so our end tells nothing); the pipe's writer
		 * stays open meanwhile and the CPU time below is measured over it.
		 */
		sleep(3);
		_exit(0);
	}
	cpu = cpu_seconds();
	st = sc_run_until_exit(ctx, pid, 20000);
	cpu = cpu_seconds() - cpu;
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	cr_assert_lt(cpu, 0.5, "%.2f s of CPU in 3 s: a busy loop", cpu);
	cr_assert_leq(log_lines, 5, "%d log lines", log_lines);
	cr_assert_eq(count_status("container_attached"), 0);
	sensor_source_get_stats(src, &ss);
	cr_assert_eq(ss.errors, 1);

	/* the library's own door for fds checks the same */
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(sensor_seccomp_add_fd(src, p[0], 0), -ENOTTY);
	close(p[1]);
	sensor_ctx_free(ctx);
}

/* Row "agent exhaustion": idle connections and channels of one peer starved the next container. */
Test(agent_hostile, one_peer_cannot_starve_the_next_container, .init = setup, .fini = teardown,
     .timeout = 90)
{
	static const uint32_t allow[] = { NOBODY };
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	sensor_source *src;
	sensor_ctx *ctx;
	pid_t hog, ct[3];
	int st, sv[2], refused = 0, served = 0;
	char c;

	REQUIRE_ROOT();
	ctx = agent(allow, 1, 2, &src);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* 140 idle connections of nobody, kept open */
	hog = fork();
	cr_assert(hog >= 0);
	if (hog == 0) {
		close(sv[0]);
		become(NOBODY);
		for (int i = 0; i < 140; i++)
			connect_agent(); /* the agent closes the ones above its cap */
		if (write(sv[1], "r", 1) != 1)
			_exit(1);
		read(sv[1], &c, 1); /* until the test is done */
		_exit(0);
	}
	close(sv[1]);
	/* serve the agent until the hog says its 140 connects are done (at most 10 s) */
	for (int i = 0; i < 1000; i++) {
		struct pollfd pfd = { .fd = sv[0], .events = POLLIN };

		sensor_ctx_process(ctx, 0);
		if (poll(&pfd, 1, 10) == 1)
			break;
	}
	cr_assert_eq(read(sv[0], &c, 1), 1);
	/*
	 * Every connect is in the agent's backlog now: serve it until it took
	 * them all (at most 10 s). Nobody's connections in progress count
	 * against its share of 2 (max_channels_per_peer): 2 are kept (idle,
	 * until their 10 s deadline), each of the other 138 is refused with a
	 * loss event of count 1.
	 */
	for (int i = 0; i < 100; i++) {
		struct pollfd pfd = { .fd = sensor_ctx_get_fd(ctx), .events = POLLIN };

		sensor_source_get_stats(src, &ss);
		if (ss.lost >= 140 - 2)
			break;
		poll(&pfd, 1, 100);
		sensor_ctx_process(ctx, 0);
	}
	cr_assert_eq(ss.lost, 140 - 2, "idle connections refused: %llu", (unsigned long long)ss.lost);
	/* channels: nobody may hold 2 (its cap here); its third is refused */
	rec.deny_name = "unshare";
	rec.deny_err = EHOSTDOWN;
	for (int i = 0; i < 3; i++) {
		char id[16];

		snprintf(id, sizeof(id), "hog-%d", i);
		ct[i] = fake_runtime(NOBODY, id);
	}
	for (int i = 0; i < 3; i++) {
		st = sc_run_until_exit(ctx, ct[i], 20000);
		cr_assert(WIFEXITED(st));
		cr_log_info("nobody's runtime %d: exit %d", i, WEXITSTATUS(st));
		served += WEXITSTATUS(st) == EHOSTDOWN;
		/* refused: the kernel's ENOSYS (nobody serves), or hung up on before it sent (92) */
		refused += WEXITSTATUS(st) == ENOSYS || WEXITSTATUS(st) == 92;
	}
	cr_assert_eq(refused + served, 3);
	/* nobody's 2 idle connections fill its share: all three are refused */
	cr_assert_eq(refused, 3, "nobody got %d channels past a cap of 2", served);

	/* a real container (root's runtime) still attaches and is answered */
	memset(&rec, 0, sizeof(rec));
	rec.deny_name = "unshare";
	rec.deny_err = EHOSTDOWN;
	ct[0] = fake_runtime(-1, "real-1");
	st = sc_run_until_exit(ctx, ct[0], 20000);
	cr_assert(WIFEXITED(st));
	cr_assert_eq(WEXITSTATUS(st), EHOSTDOWN, "the real container got %d (ENOSYS: refused)",
		     WEXITSTATUS(st));
	cr_assert_str_eq(rec.ev[0].workload_id, "real-1");
	close(sv[0]);
	waitpid(hog, &st, 0);
	sensor_ctx_free(ctx);
}
