/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Synthetic fanotify read() buffers laid out as the kernel does (metadata,
 * then info records with file handles on fsid FSID), for tests that drive
 * the production dispatch code with records no real workload makes on cue.
 */
#ifndef FAN_KBUF_H
#define FAN_KBUF_H

#include <linux/fanotify.h>
#include <stdint.h>
#include <string.h>

#include "testlib.h"

#define FSID 0x1234u

/* A buffer being built the way the kernel lays out events. */
struct kbuf {
	unsigned char b[4096] __attribute__((aligned(8)));
	size_t len, ev; /* total, start of the event being built */
};

static inline void put(struct kbuf *k, const void *p, size_t n)
{
	cr_assert_leq(k->len + n, sizeof(k->b));
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

static inline void ev_begin_pid(struct kbuf *k, uint64_t mask, int32_t pid)
{
	struct fanotify_event_metadata m = {
		.vers = FANOTIFY_METADATA_VERSION,
		.metadata_len = FAN_EVENT_METADATA_LEN,
		.mask = mask,
		.fd = FAN_NOFD,
		.pid = pid,
	};

	k->ev = k->len;
	put(k, &m, sizeof(m));
}

static inline void ev_begin(struct kbuf *k, uint64_t mask)
{
	ev_begin_pid(k, mask, 4242);
}

/* A FAN_EVENT_INFO_TYPE_PIDFD record. */
static inline void info_pidfd(struct kbuf *k, int32_t pidfd)
{
	unsigned char r[8] = { FAN_EVENT_INFO_TYPE_PIDFD, 0, 8, 0 };

	memcpy(r + 4, &pidfd, 4);
	put(k, r, sizeof(r));
}

static inline void ev_end(struct kbuf *k)
{
	uint32_t len = (uint32_t)(k->len - k->ev);

	memcpy(k->b + k->ev, &len, sizeof(len)); /* event_len comes first */
}

/* An info record with the handle of object id (and a name for *_DFID_NAME). */
static inline void info_fid(struct kbuf *k, uint8_t type, uint32_t id, const char *name)
{
	size_t nlen = name ? strlen(name) + 1 : 0;
	size_t len = 4 + 8 + 8 + 8 + nlen;
	unsigned char r[256] = { 0 };
	uint32_t fsid[2] = { FSID, 0 }, hb = 8, gen = 7;
	int32_t ht = 1;

	len = (len + 3) & ~(size_t)3;
	r[0] = type;
	r[2] = (unsigned char)len;
	memcpy(r + 4, fsid, 8);
	memcpy(r + 12, &hb, 4);
	memcpy(r + 16, &ht, 4);
	memcpy(r + 20, &id, 4);
	memcpy(r + 24, &gen, 4);
	if (name)
		memcpy(r + 28, name, nlen);
	put(k, r, len);
}

/* A record on entry name of directory dir, about object obj (FAN_REPORT_TARGET_FID). */
static inline void entry_event(struct kbuf *k, uint64_t mask, uint32_t dir, const char *name,
			uint32_t obj)
{
	ev_begin(k, mask);
	info_fid(k, FAN_EVENT_INFO_TYPE_DFID_NAME, dir, name);
	info_fid(k, FAN_EVENT_INFO_TYPE_FID, obj, NULL);
	ev_end(k);
}

static inline void rename_event(struct kbuf *k, uint64_t mask, uint32_t from_dir, const char *from,
			 uint32_t to_dir, const char *to, uint32_t obj)
{
	ev_begin(k, FAN_RENAME | mask);
	info_fid(k, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, from_dir, from);
	info_fid(k, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, to_dir, to);
	info_fid(k, FAN_EVENT_INFO_TYPE_FID, obj, NULL);
	ev_end(k);
}

#endif
