/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Assembled audit event -> unified event (architecture §3): exec (execve and
 * execveat that succeeded: exe, argv rebuilt from EXECVE records incl.
 * split aN_len/aN[i] pieces, cwd), net (connect, accept, accept4, bind,
 * listen: SOCKADDR decoded, result), file (file syscalls with a named
 * PATH: op, path, target of renames, flags), syscall (every other
 * SYSCALL). All carry pid, ppid, credentials, auid, session, tty, comm, exe
 * and the record's own time. Events without a SYSCALL record (user-space
 * and daemon messages, standalone kernel records) are not mapped.
 */
#ifndef SENSOR_AUDIT_NORMALIZE_H
#define SENSOR_AUDIT_NORMALIZE_H

#include "audit-reasm.h"
#include "core/context.h"

struct audit_norm {
	char *buf; /* scratch for decoded values, grown once, reused */
	size_t cap;
	char *arg;  /* one argument being rebuilt from pieces */
	size_t arg_len, arg_cap;
};

void audit_norm_init(struct audit_norm *n);
void audit_norm_free(struct audit_norm *n);

/*
 * Build the event of e for src. Returns 1 and writes *ret (the caller
 * emits it), 0 when e maps to no unified event, -ENOMEM.
 */
int audit_normalize(struct audit_norm *n, struct sensor_source *src, const struct audit_event *e,
		    struct sensor_event **ret);

#endif
