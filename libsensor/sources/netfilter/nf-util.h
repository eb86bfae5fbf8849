/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the conntrack and NFQUEUE sources: network namespaces
 * (open a socket inside one without moving the caller) and the iptables
 * rules a source installs and must remove.
 */
#ifndef SENSOR_SOURCES_NF_UTIL_H
#define SENSOR_SOURCES_NF_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Open the netns of pid (0: the calling thread's own). Returns an O_CLOEXEC
 * fd (>= 0) or -errno (-ESRCH when the process is gone).
 */
int nf_netns_open(pid_t pid);

/* Inode number of a netns fd (what every flow reports as net.netns). 0 or -errno. */
int nf_netns_inode(int nsfd, uint64_t *ret);

/*
 * socket(domain, type, proto) created inside netns nsfd (-1: here). The
 * switch happens in a short-lived helper thread, so the caller's threads
 * never change namespace. Returns the fd or -errno.
 */
int nf_socket_in_netns(int nsfd, int domain, int type, int proto);

/*
 * Run `tool` (iptables or ip6tables, found on PATH or in /usr/sbin, /sbin)
 * with args inside netns nsfd (-1: here) in a child process, output
 * discarded. Returns its exit status (0 = success, > 0 = the tool failed)
 * or -errno when it could not be run (-ENOENT: tool missing).
 */
int nf_run_tool(int nsfd, const char *tool, const char *const *args);
/* The same with the tool's stdout in out (NUL-terminated, truncated to cap - 1). */
int nf_run_tool_out(int nsfd, const char *tool, const char *const *args, char *out, size_t cap);

/*
 * Remove iptables/ip6tables rules whose comment names a sensor instance
 * that is gone ("rtsensor-nfq-..." and "rtsensor-ct-..." of another boot,
 * or of a dead pid of our pid namespace), in the netns of nsfd (-1: ours).
 * Rules of other pid namespaces and of live instances stay. Returns the
 * number removed or -errno.
 */
int nf_sweep_rules(int nsfd);
/* The comment tag of this instance's rules: "rtsensor-<kind>-<boot8>-<pidns>-<pid>-<n>". */
int nf_rule_tag(char *buf, size_t len, const char *kind, unsigned long long n);

/*
 * Read an unsigned integer from a /proc/sys file as seen from netns nsfd
 * (-1: here). 0 and *ret, or -errno.
 */
int nf_read_sysctl(int nsfd, const char *path, uint64_t *ret);

#endif
