/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What `rtsensor doctor` says about fanotify, found by trying each feature:
 * groups are created and marks placed on objects nobody else uses (a
 * memfd of our own, or "/" for a notification-only inode mark), and
 * everything is closed again.
 */
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fanotify-internal.h"

static int try_init(unsigned flags, unsigned efl)
{
	int fd = fanotify_init(flags | FAN_CLOEXEC | FAN_NONBLOCK, efl);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == EINVAL || errno == ENOSYS ? 0 : -errno;
}

/* Create a group and try one mark on target (fd). */
static int try_mark(unsigned init, unsigned mflags, uint64_t mask, int target)
{
	int g = fanotify_init(init | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_CLOEXEC), r;

	if (g < 0)
		return errno == EINVAL || errno == ENOSYS ? 0 : -errno;
	r = fanotify_mark(g, FAN_MARK_ADD | mflags, mask, target, NULL) == 0 ? 1
	    : errno == EINVAL					     ? 0
								     : -errno;
	close(g);
	return r;
}

/* Every check but dfid-name is optional: without it the source runs with less. */
static void line(sensor_probe_fn fn, void *ud, const char *check, int st, const char *ok,
		 const char *absent, const char *denied)
{
	fn(ud, SENSOR_SOURCE_FANOTIFY, check, st,
	   strcmp(check, "dfid-name") == 0 ? 0 : SENSOR_PROBE_OPTIONAL,
	   st == 1 ? ok : (st == -EPERM || st == -EACCES) ? denied : absent);
}

void fan_probe(sensor_probe_fn fn, void *ud, int *usable)
{
	const char *denied = "needs CAP_SYS_ADMIN (run as root)";
	int st, mfd, root;

	st = try_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME, O_RDONLY);
	/* What the source does by default: a notification-only filesystem mark.
	 * Unprivileged users may create a group (5.13+) but not this mark. */
	if (st == 1) {
		root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		st = root < 0 ? -errno
			      : try_mark(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME, FAN_MARK_FILESYSTEM,
					 FAN_CREATE | FAN_ONDIR, root);
		if (root >= 0)
			close(root);
	}
	line(fn, ud, "dfid-name", st, "FAN_REPORT_DFID_NAME with filesystem marks: events with full paths",
	     "kernel without FAN_REPORT_DFID_NAME (< 5.9): the source cannot start", denied);
	if (st != 1)
		return;
	(*usable)++;
	st = try_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET, O_RDONLY);
	line(fn, ud, "target-fid", st, "FAN_REPORT_TARGET_FID: handles of renamed/created objects",
	     "no FAN_REPORT_TARGET_FID: stale directories give (stale)/name paths", denied);
	st = try_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_PIDFD, O_RDONLY);
	line(fn, ud, "pidfd", st, "FAN_REPORT_PIDFD: pid attribution safe against pid reuse",
	     "no FAN_REPORT_PIDFD: events of exited processes may be enriched from a reused pid",
	     denied);
	/* a directory fd (not O_PATH: fanotify_mark refuses those) */
	root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0) {
		st = try_mark(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME, 0, FAN_RENAME, root);
		line(fn, ud, "rename", st, "FAN_RENAME: one event with both names",
		     "no FAN_RENAME: renames arrive as separate from/to events", denied);
		close(root);
	}
	mfd = memfd_create("rtsensor-probe", MFD_CLOEXEC);
	if (mfd < 0) {
		fn(ud, SENSOR_SOURCE_FANOTIFY, "permission", -errno, SENSOR_PROBE_OPTIONAL,
		   "memfd_create failed");
		return;
	}
	st = try_mark(FAN_CLASS_CONTENT, 0, FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM, mfd);
	line(fn, ud, "permission", st,
	     "FAN_OPEN_PERM and FAN_OPEN_EXEC_PERM: pre-access enforcement available",
	     "no permission events (CONFIG_FANOTIFY_ACCESS_PERMISSIONS off)", denied);
	st = try_mark(FAN_CLASS_CONTENT, FAN_MARK_EVICTABLE | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM,
		      mfd);
	line(fn, ud, "evictable", st, "FAN_MARK_EVICTABLE: allow cache never pins inodes",
	     "no evictable marks: the allow cache pins the inodes it covers", denied);
	st = try_mark(FAN_CLASS_CONTENT, FAN_MARK_IGNORE, FAN_OPEN_PERM, mfd);
	line(fn, ud, "mark-ignore", st, "FAN_MARK_IGNORE: ignore marks with explicit semantics",
	     "no FAN_MARK_IGNORE: legacy ignored mask used", denied);
	st = try_init(FAN_CLASS_CONTENT | FAN_ENABLE_AUDIT, O_RDONLY);
	line(fn, ud, "audit", st, "FAN_ENABLE_AUDIT: denials can reach the audit log",
	     "no FAN_ENABLE_AUDIT (CONFIG_AUDITSYSCALL off)", denied);
	close(mfd);
}
