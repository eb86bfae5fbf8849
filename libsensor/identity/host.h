/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The machine events come from: its host name and the kernel's boot ID, read
 * once per context (a boot ID tells two boots of one host apart, so process
 * start times and pids of different boots never merge in a collector).
 */
#ifndef SENSOR_IDENTITY_HOST_H
#define SENSOR_IDENTITY_HOST_H

#include <stddef.h>

#define HOST_NAME_CAP 65 /* uname nodename: at most 64 bytes */
#define HOST_BOOT_ID_CAP 37 /* a UUID as text */

struct host_identity {
	char name[HOST_NAME_CAP];    /* "" when unknown */
	char boot_id[HOST_BOOT_ID_CAP]; /* "" when unknown */
};

/* Read both (proc_root: "/proc" or a test's copy). Never fails: unknown parts stay "". */
void host_identity_read(const char *proc_root, struct host_identity *h);

/* A boot ID as the kernel writes it: 36 bytes of a UUID (newline stripped). 0 or -EINVAL. */
int host_parse_boot_id(const char *buf, size_t len, char *out, size_t cap);

#endif
