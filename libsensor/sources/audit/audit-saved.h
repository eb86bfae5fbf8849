/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel audit state as it was before any sensor changed it (enabled
 * flag, backlog limit), kept in a run file so that it outlives a sensor
 * killed with SIGKILL. The first instance that changes the state writes
 * the file; the last one out restores the state and removes it; a start
 * that finds the file and no live instance (after sweeping dead ones'
 * rules) adopts it, so its own stop restores what the dead one changed.
 * /run is a tmpfs: a reboot resets the kernel state and the file together.
 */
#ifndef SENSOR_AUDIT_SAVED_H
#define SENSOR_AUDIT_SAVED_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_SAVED_PATH "/run/rtsensor/audit-saved"

struct audit_saved {
	uint32_t enabled;       /* 0 or 1 */
	uint32_t backlog_limit;
};

/*
 * Parse "enabled=N backlog_limit=N\n" from buf[0..len). 0, or -EBADMSG for
 * anything else (a value out of range, a missing or unknown key, junk).
 */
int audit_saved_parse(const char *buf, size_t len, struct audit_saved *s);

/* Read path: 0, -ENOENT when there is none, -EBADMSG when it is not ours. */
int audit_saved_load(const char *path, struct audit_saved *s);

/*
 * Write path unless it exists (the state before the first change is the
 * one to keep): 0 written, -EEXIST kept, -errno otherwise.
 */
int audit_saved_store(const char *path, const struct audit_saved *s);

#endif
