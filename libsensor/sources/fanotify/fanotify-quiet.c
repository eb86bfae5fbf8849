/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Quiet shared opens: every dynamically linked program opens the loader's
 * cache, libc and its other libraries, locale and time zone data. Those
 * read opens are the same for every workload, were most of the fanotify
 * source's events (and of its cost) on an exec-heavy machine, and say
 * nothing a baseline or a rule can use. An open-only record of a regular
 * file below one of these prefixes is dropped, and an evictable kernel
 * ignore mark on that inode stops the kernel from queueing its next opens
 * at all. What is still reported for these files: exec (the loader too),
 * write, create, delete, rename, attrib, close_write - a modification also
 * clears the ignore mark (no FAN_MARK_IGNORED_SURV_MODIFY), and an evicted
 * mark only means one more record that is dropped here again.
 * SENSOR_FANOTIFY_ALL_OPENS turns this off.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/fanotify.h>

#include "fanotify-internal.h"

#define P(s) { s, sizeof(s) - 1 }
static const struct {
	const char *s;
	size_t n;
} shared[] = {
	/* directories (a trailing '/'), then single files */
	P("/usr/lib/"), P("/lib/"), P("/usr/lib64/"), P("/lib64/"), P("/usr/lib32/"), P("/lib32/"),
	P("/usr/libx32/"), P("/usr/share/locale/"), P("/usr/share/zoneinfo/"),
	P("/usr/share/i18n/"), P("/etc/ld.so.cache"),
};
#undef P

/* the operations of a record that make it an open and nothing else */
#define OPEN_ONLY (uint64_t)(FAN_OPEN | FAN_ACCESS | FAN_CLOSE_NOWRITE)

bool fan_shared_path(const char *path, size_t len)
{
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		size_t n = shared[i].n;

		if (len < n || memcmp(path, shared[i].s, n) != 0)
			continue;
		/* a directory prefix needs something below it; a file must match whole */
		if (shared[i].s[n - 1] == '/' ? len > n : len == n)
			return true;
	}
	return false;
}

bool fan_quiet_open(struct fan_src *fs, const struct fan_record *rec, const char *path,
		    size_t len)
{
	uint64_t ops = rec->mask & fs->report_mask & ~(uint64_t)FAN_ONDIR;

	if (!fs->quiet_opens || (rec->mask & FAN_ONDIR) || !ops || (ops & ~OPEN_ONLY) ||
	    !fan_shared_path(path, len))
		return false;
	fs->quiet_dropped++;
	if (fs->offline || fs->quiet_marks_off)
		return true;
	/* the ignore mark: per inode, for this group only, never pinning the inode */
	if (fanotify_mark(fs->nfd, FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_EVICTABLE,
			  fs->report_mask & OPEN_ONLY, AT_FDCWD, path) == 0) {
		fs->quiet_marks++;
	} else if (errno == EINVAL || errno == ENOSPC || errno == ENOSYS) {
		/* a kernel without FAN_MARK_IGNORE / _EVICTABLE (< 6.0), or the mark
		 * limit: the drop above still holds, the kernel keeps queueing */
		fs->quiet_marks_off = true;
	}
	return true;
}
