/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What each source needs after it started, and why (docs/security.md):
 * - every source: CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, so events of
 *   other users' processes keep their exe, cwd and (conntrack) socket
 *   owners: /proc/<pid>/exe, cwd and fd/ are guarded by ptrace access.
 * - fanotify: CAP_SYS_ADMIN (its allow cache adds ignore marks while it
 *   runs; paths of FID records are opened with open_by_handle_at, which is
 *   what CAP_DAC_READ_SEARCH is for as well).
 * - audit: CAP_AUDIT_CONTROL (rules and the enabled flag and backlog are
 *   put back at stop; the stale-rule sweep), CAP_AUDIT_READ (multicast).
 * - conntrack, nfqueue: CAP_NET_ADMIN (every nfnetlink verdict or request
 *   is checked against the sender's capabilities; iptables removes the
 *   rules at stop, started with our bounding set) and CAP_NET_RAW (the
 *   legacy iptables backend opens a raw socket).
 * - proc, seccomp: nothing more (their sockets and fds are open already).
 * - --mode enforce, --learn-held: fanotify's and nfqueue's (cmd-run.c): the
 *   baseline marks containers' mounts and queues in their netns as it runs.
 * Everything else (CAP_SETUID, CAP_DAC_OVERRIDE, CAP_SYS_MODULE, ...) goes.
 */
#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/capability.h>

#include "privs.h"

#define BIT(c) (1ull << (c))

uint64_t privs_for_types(const enum sensor_source_type *types, int n)
{
	uint64_t keep = BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH);

	for (int i = 0; i < n; i++) {
		switch (types[i]) {
		case SENSOR_SOURCE_FANOTIFY:
			keep |= BIT(CAP_SYS_ADMIN);
			break;
		case SENSOR_SOURCE_AUDIT:
			keep |= BIT(CAP_AUDIT_CONTROL) | BIT(CAP_AUDIT_READ);
			break;
		case SENSOR_SOURCE_CONNTRACK:
		case SENSOR_SOURCE_NFQUEUE:
			keep |= BIT(CAP_NET_ADMIN) | BIT(CAP_NET_RAW);
			break;
		default:
			break;
		}
	}
	return keep;
}

uint64_t privs_for_sources(sensor_source *const *srcs, int n)
{
	enum sensor_source_type t[SENSOR__SOURCE_MAX + 1];
	int k = 0;

	for (int i = 0; i < n && k < SENSOR__SOURCE_MAX + 1; i++)
		t[k++] = sensor_source_get_type(srcs[i]);
	return privs_for_types(t, k);
}

int privs_drop(uint64_t keep)
{
	if (capng_get_caps_process() < 0)
		return -EPERM;
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP)) {
		uint64_t have = 0;

		for (int c = 0; c < 64; c++)
			if (capng_have_capability(CAPNG_PERMITTED, (unsigned)c))
				have |= BIT(c);
		capng_clear(CAPNG_SELECT_ALL);
		for (int c = 0; c < 64; c++)
			if (keep & have & BIT(c) &&
			    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
					 (unsigned)c) < 0)
				return -EINVAL;
		if (capng_apply(CAPNG_SELECT_ALL) < 0)
			return -EPERM;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

void privs_names(uint64_t caps, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int c = 0; c < 64 && off < len; c++) {
		const char *n;

		if (!(caps & BIT(c)))
			continue;
		n = capng_capability_to_name((unsigned)c);
		off += (size_t)snprintf(buf + off, len - off, "%scap_%s", off ? "," : "",
					n ? n : "?");
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}
