/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sensor's audit rules, through libaudit: the default set, a rules
 * file in auditctl syntax, removal of exactly this instance's rules and
 * the sweep of rules left by a killed instance. Every rule carries the
 * instance key; rules with any other key are never touched.
 */
#ifndef SENSOR_AUDIT_RULES_H
#define SENSOR_AUDIT_RULES_H

#include <stdbool.h>
#include <stddef.h>

struct sensor_ctx;

#define AUDIT_KEY_PREFIX "rtsensor-"
#define AUDIT_KEY_MAX 64

/*
 * "rtsensor-<bootid8>-<pidns inode>-<pid>" for instance 0 of this process,
 * "...-<pid>-<i>" for the others. Length or -errno.
 */
int audit_rules_key(char *buf, size_t len, unsigned instance);

/* Install the default rule set with key. Returns rules added or -errno (first failure). */
int audit_rules_add_default(struct sensor_ctx *ctx, int fd, const char *key, bool no_net);

/* Add the rules of an auditctl-syntax file with key. Rules added or -errno (-EINVAL: line logged). */
int audit_rules_add_file(struct sensor_ctx *ctx, int fd, const char *path, const char *key);

/* Delete every rule whose key is exactly key. Rules deleted or -errno. */
int audit_rules_remove(int fd, const char *key);

/*
 * Delete rules of dead instances: key "rtsensor-<boot>-<pidns>-<pid>" of our
 * pid namespace whose pid is gone (or of another boot). Keys of other pid
 * namespaces and any other key are never touched. Rules deleted or -errno.
 */
int audit_rules_sweep(int fd);

/* Rules of any sensor instance (key prefix rtsensor-). >= 0 or -errno. */
int audit_rules_count_sensors(int fd);

/* Count rules whose key is key (tests). >= 0 or -errno. */
int audit_rules_count(int fd, const char *key);

#endif
