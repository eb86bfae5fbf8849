/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Record real fanotify read() buffers as fuzz seeds and unit-test input:
 *   record-seeds OUTDIR        (root; works in a private tmpfs, like the tests)
 * Writes OUTDIR/<group>-<n>.bin for the group setups the source uses
 * (DFID_NAME with TARGET_FID and PIDFD, DFID_NAME alone), an overflow, and
 * a permission group's request. Not a test: run by hand when the decoder
 * learns a new record type, and commit the files under fuzz/seeds/fanotify.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *outdir;
static char buf[65536] __attribute__((aligned(8)));

static void save(const char *name, int n, const void *data, size_t len)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s-%02d.bin", outdir, name, n);
	f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(p);
		exit(1);
	}
	fclose(f);
}

static void workload(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/tmp/w/a", O_WRONLY | O_CREAT | O_CLOEXEC, 0700);

		if (fd < 0 || write(fd, "#!/bin/true\n", 12) != 12)
			_exit(1);
		close(fd);
		chmod("/tmp/w/a", 0755);
		mkdir("/tmp/w/sub", 0755);
		rename("/tmp/w/a", "/tmp/w/sub/b");
		link("/tmp/w/sub/b", "/tmp/w/c");
		unlink("/tmp/w/c");
		rename("/tmp/w/sub", "/tmp/w/sub2");
		fd = open("/tmp/w/sub2/b", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, buf, 4) < 0)
				_exit(1);
			close(fd);
		}
		unlink("/tmp/w/sub2/b");
		rmdir("/tmp/w/sub2");
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static void drain(int g, const char *name)
{
	int n = 0;
	ssize_t got;

	while ((got = read(g, buf, sizeof(buf))) > 0) {
		save(name, n++, buf, (size_t)got);
		/* close what the buffer carries: fds and pidfds are ours now */
		for (struct fanotify_event_metadata *m = (void *)buf; FAN_EVENT_OK(m, got);
		     m = FAN_EVENT_NEXT(m, got)) {
			if (m->fd >= 0)
				close(m->fd);
			for (size_t o = m->metadata_len; o + 8 <= m->event_len;) {
				struct fanotify_event_info_header *h = (void *)((char *)m + o);

				if (h->len == 0)
					break;
				if (h->info_type == FAN_EVENT_INFO_TYPE_PIDFD) {
					struct fanotify_event_info_pidfd *p = (void *)h;

					if (p->pidfd >= 0)
						close(p->pidfd);
				}
				o += h->len;
			}
		}
	}
}

static void notify_group(const char *name, unsigned flags, uint64_t mask)
{
	int g = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | flags, O_RDONLY);

	if (g < 0 || fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD,
				   "/tmp") < 0) {
		fprintf(stderr, "%s: %s\n", name, strerror(errno));
		exit(1);
	}
	mkdir("/tmp/w", 0755);
	workload();
	drain(g, name);
	close(g);
}

int main(int argc, char **argv)
{
	uint64_t all = FAN_OPEN | FAN_OPEN_EXEC | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_CREATE |
		       FAN_DELETE | FAN_RENAME | FAN_ATTRIB | FAN_ACCESS | FAN_CLOSE_NOWRITE |
		       FAN_ONDIR;

	if (argc != 2) {
		fprintf(stderr, "usage: record-seeds OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("seeds", "/tmp", "tmpfs", 0, "size=64m") < 0) {
		perror("sandbox");
		return 1;
	}
	notify_group("target-pidfd",
		     FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_TARGET_FID | FAN_REPORT_PIDFD,
		     all);
	notify_group("dfid-name", FAN_REPORT_DFID_NAME, all & ~(uint64_t)FAN_RENAME);
	notify_group("dfid-name-moves", FAN_REPORT_DFID_NAME,
		     FAN_MOVED_FROM | FAN_MOVED_TO | FAN_CREATE | FAN_DELETE | FAN_ONDIR);
	{
		/* overflow: a full queue ends with FAN_Q_OVERFLOW; keep the last buffer */
		int g = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
					      FAN_REPORT_DFID_NAME, O_RDONLY);
		ssize_t got, last = 0;
		static char keep[65536] __attribute__((aligned(8)));

		fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CREATE, AT_FDCWD, "/tmp");
		for (int i = 0; i < 20000; i++) {
			char p[64];
			int fd;

			snprintf(p, sizeof(p), "/tmp/o%d", i);
			fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
			if (fd >= 0)
				close(fd);
		}
		while ((got = read(g, buf, sizeof(buf))) > 0) {
			memcpy(keep, buf, (size_t)got);
			last = got;
		}
		save("overflow", 0, keep, (size_t)last);
		close(g);
	}
	{
		/* a permission request in fd mode: the workload's open waits until we answer */
		int g = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
		pid_t pid;
		ssize_t got;

		fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM,
			      AT_FDCWD, "/tmp");
		pid = fork();
		if (pid == 0) {
			int fd = open("/tmp/o1", O_RDONLY | O_CLOEXEC);

			_exit(fd < 0);
		}
		got = read(g, buf, sizeof(buf));
		if (got > 0) {
			struct fanotify_event_metadata *m = (void *)buf;
			struct fanotify_response r = { .fd = m->fd, .response = FAN_ALLOW };

			save("perm", 0, buf, (size_t)got);
			if (write(g, &r, sizeof(r)) < 0)
				perror("response");
			close(m->fd);
		}
		waitpid(pid, NULL, 0);
		close(g);
	}
	return 0;
}
