/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bounded decoder of a fanotify read() buffer: event metadata followed by
 * info records (FID, DFID, DFID_NAME, OLD/NEW_DFID_NAME, PIDFD, ERROR).
 * Every length is checked against what is left; fields are copied out with
 * memcpy so that the decoder is safe on unaligned input (fuzzing); unknown
 * info records are skipped and counted.
 */
#include <errno.h>
#include <linux/fanotify.h>
#include <string.h>

#include "fanotify-internal.h"

#define HDR_LEN 4u            /* struct fanotify_event_info_header */
#define FID_FIXED (HDR_LEN + 8u) /* + __kernel_fsid_t */
#define FH_HDR 8u             /* struct file_handle: handle_bytes, handle_type */
#define MAX_HANDLE_BYTES 128u /* MAX_HANDLE_SZ */

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t rd16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int decode_fid(const unsigned char *p, size_t ilen, bool with_name, struct fan_handle *h)
{
	uint32_t hb;
	size_t used;

	if (ilen < FID_FIXED + FH_HDR)
		return -EINVAL;
	hb = rd32(p + FID_FIXED);
	if (hb == 0 || hb > MAX_HANDLE_BYTES || hb > ilen - FID_FIXED - FH_HDR)
		return -EINVAL;
	h->present = true;
	h->fsid = (uint64_t)rd32(p + HDR_LEN) | (uint64_t)rd32(p + HDR_LEN + 4) << 32;
	h->fh = p + FID_FIXED;
	h->fh_len = FH_HDR + hb;
	used = FID_FIXED + FH_HDR + hb;
	h->name = NULL;
	h->name_len = 0;
	if (with_name) {
		const char *name = (const char *)p + used;
		const char *z = memchr(name, '\0', ilen - used);

		if (!z)
			return -EINVAL; /* a name must end inside its record */
		h->name = name;
		h->name_len = (size_t)(z - name);
	}
	return 0;
}

static int decode_info(const unsigned char *p, size_t left, struct fan_record *rec)
{
	int bad = 0;

	while (left > 0) {
		uint8_t type;
		uint16_t ilen;
		int r = 0;

		if (left < HDR_LEN)
			return -EINVAL;
		type = p[0];
		ilen = rd16(p + 2);
		if (ilen < HDR_LEN || ilen > left)
			return -EINVAL;
		switch (type) {
		case FAN_EVENT_INFO_TYPE_FID:
			r = decode_fid(p, ilen, false, &rec->fid);
			break;
		case FAN_EVENT_INFO_TYPE_DFID:
			r = decode_fid(p, ilen, false, &rec->dfid);
			break;
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
			r = decode_fid(p, ilen, true, &rec->dfid);
			break;
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
			r = decode_fid(p, ilen, true, &rec->old_dfid);
			break;
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
			r = decode_fid(p, ilen, true, &rec->new_dfid);
			break;
		case FAN_EVENT_INFO_TYPE_PIDFD:
			if (ilen < HDR_LEN + 4) {
				r = -EINVAL;
				break;
			}
			rec->has_pidfd = true;
			rec->pidfd = (int32_t)rd32(p + HDR_LEN);
			break;
		case FAN_EVENT_INFO_TYPE_ERROR:
			if (ilen < HDR_LEN + 8) {
				r = -EINVAL;
				break;
			}
			rec->has_error = true;
			rec->fs_error = (int32_t)rd32(p + HDR_LEN);
			rec->fs_error_count = rd32(p + HDR_LEN + 4);
			break;
		default:
			rec->skipped_info++;
			break;
		}
		if (r < 0)
			bad = r; /* keep walking: a later PIDFD record must still be closed */
		p += ilen;
		left -= ilen;
	}
	return bad;
}

int fan_decode(const void *buf, size_t len, size_t *off, struct fan_record *rec)
{
	const unsigned char *p;
	uint32_t event_len;
	uint16_t metadata_len;
	uint64_t mask;
	int32_t v;

	if (*off >= len)
		return 0;
	/* only what the walk reads before it writes (a handle's fields are read only when present) */
	rec->fid.present = rec->dfid.present = rec->old_dfid.present = rec->new_dfid.present = false;
	rec->has_pidfd = rec->has_error = false;
	rec->skipped_info = 0;
	rec->pid = 0;
	rec->mask = 0;
	rec->fd = FAN_NOFD;
	rec->pidfd = FAN_NOPIDFD;
	if (len - *off < FAN_EVENT_METADATA_LEN)
		return -EBADMSG;
	p = (const unsigned char *)buf + *off;
	event_len = rd32(p);
	if (p[4] != FANOTIFY_METADATA_VERSION)
		return -EPROTO;
	metadata_len = rd16(p + 6);
	if (metadata_len < FAN_EVENT_METADATA_LEN || event_len < metadata_len ||
	    event_len > len - *off)
		return -EBADMSG;
	memcpy(&mask, p + offsetof(struct fanotify_event_metadata, mask), sizeof(mask));
	rec->mask = mask;
	memcpy(&v, p + offsetof(struct fanotify_event_metadata, fd), sizeof(v));
	rec->fd = v;
	memcpy(&v, p + offsetof(struct fanotify_event_metadata, pid), sizeof(v));
	rec->pid = v;
	*off += event_len;
	return decode_info(p + metadata_len, event_len - metadata_len, rec) < 0 ? -EINVAL : 1;
}

bool fan_peek_delete_of(const void *buf, size_t len, size_t off, const struct fan_handle *fid)
{
	const unsigned char *p = (const unsigned char *)buf + off;
	uint32_t event_len;
	uint16_t metadata_len;
	uint64_t mask;
	size_t o;

	if (off >= len || len - off < FAN_EVENT_METADATA_LEN || p[4] != FANOTIFY_METADATA_VERSION)
		return false;
	event_len = rd32(p);
	metadata_len = rd16(p + 6);
	if (metadata_len < FAN_EVENT_METADATA_LEN || event_len < metadata_len ||
	    event_len > len - off)
		return false;
	memcpy(&mask, p + offsetof(struct fanotify_event_metadata, mask), sizeof(mask));
	if (!(mask & FAN_DELETE))
		return false;
	for (o = metadata_len; event_len - o >= HDR_LEN;) {
		uint16_t ilen = rd16(p + o + 2);
		struct fan_handle h;

		if (ilen < HDR_LEN || ilen > event_len - o)
			return false;
		if (p[o] == FAN_EVENT_INFO_TYPE_FID)
			return decode_fid(p + o, ilen, false, &h) == 0 && h.fsid == fid->fsid &&
			       h.fh_len == fid->fh_len && memcmp(h.fh, fid->fh, fid->fh_len) == 0;
		o += ilen;
	}
	return false;
}
