/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor: an OCI seccomp profile from a workload's learned syscalls (docs/enforce.md). */
#ifndef RTSENSOR_OCI_SECCOMP_H
#define RTSENSOR_OCI_SECCOMP_H

#include <stdio.h>

#include "rtsensor.h"

/*
 * Write the profile of workload id to f: its approved syscalls plus what
 * the runtime needs after installing the filter, defaultAction
 * SCMP_ACT_ERRNO (EPERM). *learned: how many syscalls came from the
 * baseline. 0, -ENOENT (no such workload), -ENODATA (no syscall learned),
 * -EOPNOTSUPP (an architecture without a profile), -EIO, -ENOMEM.
 */
int oci_seccomp_write(FILE *f, sensor_store *s, const char *id, int *learned);

#endif
