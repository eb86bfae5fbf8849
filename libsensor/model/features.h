/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Baseline features of an event (architecture §5): what the model counts.
 * A feature is a text key with a kind prefix (docs/baseline.md):
 *   exec:<path>                      an executable run
 *   edge:<parent exe>-><path>        a parent -> child exec edge
 *   file:<op>:<path>                 a file access (op: open, write, create, ...)
 *   net:<out|in>:<proto>:<peer>:<port>  a connection (peer as prefix)
 *   listen:<proto>:<port>            a listening port (bind/listen)
 *   syscall:<name or nr>             a syscall seen by audit or seccomp
 *   identity:<syscall>:<uid>         an identity change (setuid family)
 *   binary:<sha256/128>:<path>       an executable file's content at a path
 *                                    (exec permission events; exec events, added by
 *                                    the enforcer from /proc/<pid>/exe)
 * Paths, peers and ports go through generalize().
 */
#ifndef SENSOR_MODEL_FEATURES_H
#define SENSOR_MODEL_FEATURES_H

#include <stdint.h>

#include <libsensor/sensor-event.h>

#define FEAT_KEY_MAX 1024
#define FEAT_PER_EVENT 4

enum feat_kind {
	FEAT_NONE = 0,
	FEAT_EXEC,
	FEAT_EDGE,
	FEAT_FILE,
	FEAT_NET,
	FEAT_LISTEN,
	FEAT_SYSCALL,
	FEAT_IDENTITY,
	FEAT_BINARY,
	FEAT__MAX
};

struct feat_set {
	int n;
	struct {
		uint8_t kind;    /* enum feat_kind */
		uint16_t len;
		char key[FEAT_KEY_MAX];
	} f[FEAT_PER_EVENT];
	char spare[FEAT_KEY_MAX]; /* where a key goes when f is full: built, then dropped */
};

/* Fill fs with the features of ev (0..FEAT_PER_EVENT). Returns fs->n. */
int features_from_event(const sensor_event *ev, struct feat_set *fs);
/* Hex digits of the content hash in a binary key (128 bits of SHA-256). */
#define FEAT_BINARY_HEX 32
/* Append binary:<hex[0..32)>:<path> to fs (when there is room). 1 added, 0 not. */
int features_add_binary(struct feat_set *fs, const char *hex, const char *path);
/* Replace fs with the one feature of an inbound connection: listen:<proto>:<port>. */
void features_set_listen(struct feat_set *fs, const char *proto, int64_t port);
/* Kind of a stored key from its prefix, FEAT_NONE when unknown. */
enum feat_kind feat_kind_of_key(const char *key, size_t len);
/* Stable name of a kind ("exec", "peer", ...). */
const char *feat_kind_name(enum feat_kind k);

#endif
