/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rules of dead instances. The NFQUEUE and conntrack sources install
 * iptables rules tagged with a comment naming their instance (boot, pid
 * namespace, pid). A sensor that was killed (SIGKILL, OOM, a crash) never
 * removed them: NFQUEUE rules keep queueing traffic to nobody (--queue-bypass
 * lets it pass, unjudged) and tracking rules stay forever. The next instance
 * sweeps them at start, as the audit source sweeps its rule keys: listed
 * with `iptables -S`, each stale one deleted with its own specification.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nf-util.h"
#include "util/instance.h"
#include "util/parse.h"

#define LIST_MAX (1u << 20)
#define MAX_TOKENS 64

int nf_rule_tag(char *buf, size_t len, const char *kind, unsigned long long n)
{
	char boot[9];
	int r = instance_boot8(boot);

	if (r < 0)
		return r;
	r = snprintf(buf, len, "rtsensor-%s-%s-%llu-%d-%llu", kind, boot,
		     (unsigned long long)instance_pidns(), (int)getpid(), n);
	return r < 0 || (size_t)r >= len ? -ENOSPC : 0;
}

/* "rtsensor-(nfq|ct)-<boot8>-<pidns>-<pid>-<n>" of a dead instance? Other shapes are not ours to judge. */
static bool tag_stale(const char *t, size_t n, const char *boot, uint64_t pidns)
{
	const char *p, *e = t + n;
	uint64_t ns, pid;
	const char *dash;

	if (n > 13 && memcmp(t, "rtsensor-nfq-", 13) == 0)
		p = t + 13;
	else if (n > 12 && memcmp(t, "rtsensor-ct-", 12) == 0)
		p = t + 12;
	else
		return false;
	if (e - p < 9 || p[8] != '-')
		return false;
	for (int i = 0; i < 8; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	if (memcmp(p, boot, 8) != 0)
		return true; /* another boot: no live instance can own it */
	p += 9;
	dash = memchr(p, '-', (size_t)(e - p));
	if (!dash || parse_u64(p, (size_t)(dash - p), 10, &ns) < 0 || ns != pidns)
		return false; /* older format, or another pid namespace: cannot tell */
	p = dash + 1;
	dash = memchr(p, '-', (size_t)(e - p));
	if (!dash || parse_u64(p, (size_t)(dash - p), 10, &pid) < 0 || pid == 0 || pid > 4194304)
		return false;
	return instance_pid_gone((pid_t)pid);
}

/* One "-A CHAIN ..." line: delete it when its comment names a dead instance. 1 removed, 0 not. */
static int sweep_line(int nsfd, const char *tool, char *line, const char *boot, uint64_t pidns)
{
	const char *tok[MAX_TOKENS + 1];
	int n = 0;

	if (strncmp(line, "-A ", 3) != 0 || !strstr(line, "rtsensor-") || strchr(line, '"') ||
	    strchr(line, '\''))
		return 0;
	for (char *s = line, *save = NULL; n < MAX_TOKENS; s = NULL) {
		char *t = strtok_r(s, " ", &save);

		if (!t)
			break;
		tok[n++] = t;
	}
	if (n == MAX_TOKENS)
		return 0;
	tok[n] = NULL;
	for (int i = 0; i + 1 < n; i++) {
		if (strcmp(tok[i], "--comment") != 0)
			continue;
		if (!tag_stale(tok[i + 1], strlen(tok[i + 1]), boot, pidns))
			return 0;
		/* "-w -D CHAIN spec...": the same specification deletes the same rule */
		{
			const char *args[MAX_TOKENS + 3];
			int k = 0;

			args[k++] = "-w";
			args[k++] = "-D";
			for (int j = 1; j < n; j++)
				args[k++] = tok[j];
			args[k] = NULL;
			return nf_run_tool(nsfd, tool, args) == 0 ? 1 : 0;
		}
	}
	return 0;
}

int nf_sweep_rules(int nsfd)
{
	static const char *const tools[] = { "iptables", "ip6tables" };
	static const char *const list[] = { "-w", "-S", NULL };
	uint64_t pidns = instance_pidns();
	char boot[9];
	int r = instance_boot8(boot), removed = 0;
	char *buf;

	if (r < 0)
		return r;
	buf = malloc(LIST_MAX);
	if (!buf)
		return -ENOMEM;
	for (int t = 0; t < 2; t++) {
		char *save = NULL;

		if (nf_run_tool_out(nsfd, tools[t], list, buf, LIST_MAX) != 0)
			continue; /* the tool is missing or this family is off here */
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char line[4096];

			if (strlen(l) >= sizeof(line))
				continue;
			memcpy(line, l, strlen(l) + 1);
			removed += sweep_line(nsfd, tools[t], line, boot, pidns);
		}
	}
	free(buf);
	return removed;
}
