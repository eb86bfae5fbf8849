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

/*
 * The part of exec_drift() that needs no process: 1 when path (in the
 * container's view) is a regular file in the overlay's upper dir, 0
 * otherwise. For an exec whose process is gone before /proc was read (a
 * short command): the file it ran is still there.
 */
int exec_drift_upper(const char *upper, size_t upper_len, const char *path);

/*
 * The other part: 1 when path, seen from the root of pid (another, live
 * process of the same container), is a regular file on a tmpfs that is not
 * the container's root (/tmp, /dev/shm); 0 otherwise.
 */
int exec_drift_tmpfs(const char *proc_root, int32_t pid, const char *path);

/*
 * A multi-call binary's applet run without an exec: busybox's shell runs
 * some applets inside the shell process or a fork of it and renames the
 * process (prctl PR_SET_NAME) to the applet's name - the one trace besides
 * its syscalls and files. Given the process's root directory (the
 * container's rootfs, or /proc/<pid>/root), its binary exe (in that root's
 * view) and its new comm: when comm is a link to that very binary in the
 * binary's own directory or one of the usual PATH directories (resolved
 * inside root), writes the applet's path - named next to the binary
 * (/bin/busybox + nc = /bin/nc), as audit's exec of the applet through
 * /proc/self/exe is named, so one applet has one path - and returns 1;
 * exe NULL (the process's exec was never read): the binary is the target
 * of comm's symbolic link in those directories when it has another name
 * (/bin/find -> /bin/busybox); 0 when comm is no applet of exe (a process
 * naming itself, a thread); -EINVAL on bad arguments.
 */
int exec_applet_path(const char *root, const char *exe, const char *comm, char *out, size_t cap);

/*
 * The applet's words, reconstructed from the command line of the process
 * it runs in (the shell's "sh -c SCRIPT" or what its fork copied): from the
 * first command word equal to comm up to the first shell operator or
 * redirection, quotes removed; comm alone when the line does not name it.
 * A reconstruction, not the kernel's word: the event says so
 * (exec.applet). Writes *nwords NUL-terminated words into out and returns
 * 0; -ENOENT, -ENOSPC, -EINVAL.
 */
int exec_applet_argv(const char *cmdline, const char *comm, char *out, size_t cap,
		     size_t *nwords);

#endif
