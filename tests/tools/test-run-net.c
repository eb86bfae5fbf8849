/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor run --deny-peer: bad specs are usage errors (no privilege
 * needed); in a private netns, a listed peer:port is denied and another
 * port allowed, the events say why, and the rules are gone after SIGTERM.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "../sources/net-sandbox.h"

static int run_rtsensor(const char *arg)
{
	char *const argv[] = { (char *)getenv("RTSENSOR"), "run", "--deny-peer", (char *)arg,
			       "-d", "0", NULL };

	return run_cmd(argv, true);
}

Test(run_net, bad_peer_specs_are_usage_errors)
{
	static const char *const bad[] = { "300.1.1.1", "10.0.0.0/33", "1.2.3.4:70000",
					   "[::1", "[::1]/129", "host.example", "1.2.3.4:",
					   "[10.0.0.1]:80" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(run_rtsensor(bad[i]), 2, "'%s' accepted", bad[i]);
}

static bool file_has(const char *path, const char *needle)
{
	char *s = read_file(path, NULL);
	bool r = s && strstr(s, needle);

	free(s);
	return r;
}

Test(run_net, deny_peer_in_netns, .timeout = 30)
{
	char out[] = "/tmp/rtsensor-run-net-XXXXXX";
	int fd, l1, l2, c, status;
	uint64_t end;
	pid_t pid;

	REQUIRE_ROOT();
	net_sandbox_enter();
	fd = mkstemp(out);
	cr_assert_geq(fd, 0);
	close(fd);
	l1 = net_listen_tcp(6000);
	l2 = net_listen_tcp(6001);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		execl(getenv("RTSENSOR"), "rtsensor", "run", "-s", "nfqueue", "--deny-peer",
		      "127.0.0.0/8:6001", "--deny-peer", "[2001:db8::]/32:443", "-e", out,
		      "-d", "20", (char *)NULL);
		_exit(127);
	}
	end = net_now_ms() + 5000;
	while (!file_has(out, "\"status\"") && net_now_ms() < end)
		usleep(20000);
	cr_assert(file_has(out, "\"status\""), "rtsensor did not start");
	c = net_connect_tcp(6000, 2000);
	cr_assert_geq(c, 0, "allowed peer refused: %s", strerror(-c));
	close(c);
	c = net_connect_tcp(6001, 1500);
	cr_assert_eq(c, -ETIMEDOUT, "denied peer connected (%d)", c);
	kill(pid, SIGTERM);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "rtsensor exit %d", status);
	cr_assert(file_has(out, "deny-peer 127.0.0.0/8:6001"), "no denial reason in the events");
	cr_assert(file_has(out, "\"dport\":6000"));
	cr_assert_neq(run_sh("iptables-save | grep -q rtsensor-nfq"), 0, "rules left after SIGTERM");
	unlink(out);
	close(l1);
	close(l2);
}

/* --track-flows in a netns that tracks nothing: flows are reported, the rule goes at exit. */
Test(run_net, track_flows_in_netns, .timeout = 30)
{
	char out[] = "/tmp/rtsensor-track-XXXXXX";
	int fd, l, c, status;
	uint64_t end;
	pid_t pid;

	REQUIRE_ROOT();
	net_sandbox_enter();
	fd = mkstemp(out);
	cr_assert_geq(fd, 0);
	close(fd);
	l = net_listen_tcp(6100);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		execl(getenv("RTSENSOR"), "rtsensor", "run", "-s", "conntrack", "--track-flows",
		      "-e", out, "-d", "20", (char *)NULL);
		_exit(127);
	}
	end = net_now_ms() + 5000;
	while (!file_has(out, "\"status\"") && net_now_ms() < end)
		usleep(20000);
	cr_assert(file_has(out, "tracking rule added"), "no tracking rule was added");
	c = net_connect_tcp(6100, 2000);
	cr_assert_geq(c, 0);
	close(c);
	end = net_now_ms() + 3000;
	while (!file_has(out, "\"dport\":6100") && net_now_ms() < end)
		usleep(20000);
	kill(pid, SIGTERM);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "rtsensor exit %d", status);
	cr_assert(file_has(out, "\"op\":\"flow_new\""), "no flow event");
	cr_assert(file_has(out, "\"dport\":6100"));
	cr_assert_neq(run_sh("iptables-save | grep -q rtsensor-ct-"), 0, "tracking rule left");
	unlink(out);
	close(l);
}
