/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a process executed, as opposed to the binary that runs: a busybox
 * applet runs /bin/busybox but was executed as /bin/nc, and features and
 * rules must tell the two apart. And whether the executed file came from
 * the container's image or was put there after it started (drift).
 */
#ifndef SENSOR_IDENTITY_EXEC_PATH_H
#define SENSOR_IDENTITY_EXEC_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The path pid executed, from its argv[0] when that names another file
 * than exe (a multi-call binary's applet, a symlink): argv[0] with a '/'
 * is made absolute with cwd; a bare name is looked up like a shell does in
 * the usual PATH directories, inside the process's root
 * (/proc/<pid>/root). Writes out and returns 1 when argv[0] names an
 * existing file; 0 when exe is the answer (same name, or nothing found);
 * -EINVAL on bad arguments. argv[0] is the process's own word: audit's
 * PATH record is preferred when audit runs (docs/events.md).
 */
int exec_path_from_argv0(const char *proc_root, int32_t pid, const char *argv0, const char *exe,
			 const char *cwd, char *out, size_t cap);

/*
 * Container drift: 1 when the executable of pid is not from the image - a
 * memfd (fileless), on a tmpfs, or present in the overlay's upper dir
 * (written or replaced after the container started; upper may be NULL).
 * 0 otherwise or when unknown.
 */
int exec_drift(const char *proc_root, int32_t pid, const char *exe, const char *upper,
	       size_t upper_len);

#endif
