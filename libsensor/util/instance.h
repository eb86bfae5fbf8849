/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What names a sensor instance in the kernel state it installs (audit rule
 * keys, iptables rule comments), so that a later instance can tell the
 * rules of a dead one from those of a live one: the boot, the pid
 * namespace and the pid.
 */
#ifndef SENSOR_UTIL_INSTANCE_H
#define SENSOR_UTIL_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The first 8 hex digits of this boot's id. 0 or -errno. */
int instance_boot8(char out[9]);
/* Inode of our pid namespace (pids mean something only inside it); 0 unknown. */
uint64_t instance_pidns(void);

/* True when pid is no process (any more), or one that died and waits to be reaped (a zombie). */
bool instance_pid_gone(pid_t pid);

#endif
