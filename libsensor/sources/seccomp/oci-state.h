/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The message an OCI runtime sends to a seccomp agent (runtime-spec
 * "ContainerProcessState", linux.seccomp.listenerPath): JSON with the fd
 * names, the process pid, the listener metadata and the container state
 * (id, status, pid, bundle, annotations). Untrusted input: bounded, strict.
 */
#ifndef SENSOR_SOURCES_OCI_STATE_H
#define SENSOR_SOURCES_OCI_STATE_H

#include <stddef.h>
#include <stdint.h>

#define OCI_STATE_MAX_LEN (1u << 20)  /* a bigger message is refused */
#define OCI_ID_MAX 1024
#define OCI_MAX_FDS 16

struct oci_state {
	char *oci_version;   /* of the message; may be NULL */
	int seccomp_fd_index; /* index of "seccompFd" in fds[], -1 when absent */
	unsigned nfds;       /* entries of fds[] */
	int64_t pid;         /* the container process (top level "pid"), 0 unknown */
	char *metadata;      /* listenerMetadata, may be NULL */
	char *id;            /* state.id, never NULL on success */
	char *status;        /* state.status, may be NULL */
	int64_t state_pid;   /* state.pid, 0 unknown */
	char *bundle;        /* state.bundle, may be NULL */
	char *annotations;   /* state.annotations re-serialised compactly (sorted), "{}" when none */
	char *klass;         /* image name from well-known annotations, may be NULL */
	char *pod;           /* kubernetes pod uid from annotations, may be NULL */
	/* Set by the agent, not by the parser: who sent it, through which socket. */
	uint32_t peer_uid;
	const void *agent;
};

/*
 * Parse one message of len bytes (not NUL-terminated). On success fills
 * *out (free with oci_state_clear) and returns 0; -EAGAIN when the bytes
 * are a valid beginning of JSON that ends too early (more may come);
 * -EINVAL when it is not valid JSON or misses state.id / a string where one
 * is required, -E2BIG
 * when len exceeds OCI_STATE_MAX_LEN or a field its bound, -ENOMEM.
 * On failure *out is left cleared.
 */
int oci_state_parse(const char *buf, size_t len, struct oci_state *out);
void oci_state_clear(struct oci_state *s);

#endif
