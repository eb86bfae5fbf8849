/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opening what rtsensor writes (events, alerts, exports) the way a root
 * process must open paths other users may have prepared: never through a
 * symbolic link, never into a file another user owns or can write, never
 * into a second name of some other file.
 */
#ifndef RTSENSOR_SAFE_OPEN_H
#define RTSENSOR_SAFE_OPEN_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Open path for writing (appending or truncating), created 0600. Refused:
 * a symbolic link as the last component (-ELOOP), a regular file or FIFO
 * owned by another user, writable by group or others, or with more than
 * one link (-EPERM), a FIFO nobody reads (-ENXIO), anything but a regular
 * file, FIFO or character device (-EINVAL). Character devices (/dev/null,
 * a terminal) must belong to root or to us. Returns the fd or -errno.
 */
int out_open(const char *path, bool append);
/* The same as a stdio stream ("-": stdout). NULL and *err = -errno on failure. */
FILE *out_fopen(const char *path, bool append, int *err);
/* A one-line reason for an error of out_open()/out_fopen() (why it was refused). */
const char *out_strerror(int err);

#endif
