/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The notify filter (built with libseccomp, exported as classic BPF so a
 * forked child can load it with one async-signal-safe syscall), the
 * kernel's notification structure sizes, and syscall/arch names.
 */
#ifndef SENSOR_SOURCES_SECCOMP_FILTER_H
#define SENSOR_SOURCES_SECCOMP_FILTER_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* Not in every uapi header yet (Linux 6.6). */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/*
 * Build a filter that returns SECCOMP_RET_USER_NOTIF for the named
 * syscalls (native arch and, on x86_64, i386 and x32 too) and ALLOW for
 * everything else. "socket" holds only AF_PACKET and SOCK_RAW sockets.
 * Returns 0 and a malloc'd program in *prog (free prog->filter), -EINVAL
 * for an unknown syscall name (*bad_name set), -ENOMEM, or -errno.
 */
int scf_build(const char *const *names, struct sock_fprog *prog, const char **bad_name);

/*
 * Kernel sizes of struct seccomp_notif / seccomp_notif_resp
 * (SECCOMP_GET_NOTIF_SIZES). 0 or -errno (-ENOSYS: no user notification).
 */
int scf_notif_sizes(struct seccomp_notif_sizes *sizes);

/* Name of an AUDIT_ARCH_* value ("x86_64", "i386", ...), or "unknown". */
const char *scf_arch_name(uint32_t arch, int nr);

/* A cache of syscall names; lives in one thread (the loop's). */
struct scf_names;
int scf_names_new(struct scf_names **ret);
void scf_names_free(struct scf_names *n);
/* Name of syscall nr on arch, or NULL when libseccomp does not know it. Lives as long as n. */
const char *scf_syscall_name(struct scf_names *n, uint32_t arch, int nr);

#endif
