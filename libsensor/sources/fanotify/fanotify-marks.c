/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the notification group looks: marks on the operator's paths (or on
 * every local filesystem that reports file handles), the table of marked
 * filesystems (fsid -> mount fd) that paths are resolved through, and the
 * exclusions (kernel ignore marks on excluded directories, a prefix match
 * on resolved paths for their subtrees).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/context.h"
#include "fanotify-internal.h"
#include "util/opts.h"

/* Filesystems that are never marked when watching "everything": no file handles or no files. */
static const char *const pseudo_fs[] = {
	"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "debugfs", "tracefs",
	"securityfs", "bpf", "pstore", "configfs", "fusectl", "hugetlbfs", "autofs",
	"nsfs", "binfmt_misc", "efivarfs", "rpc_pipefs", "nfsd", "selinuxfs", "devtmpfs",
	"ramfs", "overlay", NULL,
};

/*
 * Documented default exclusions (docs/fanotify.md): the sensor's own state
 * and logs, which other helper processes may write too, and the pseudo
 * filesystems (never marked, listed for --watch of a path below them).
 */
static const char *const default_excludes[] = {
	"/proc", "/sys", "/run/rtsensor", "/var/lib/rtsensor", "/var/log/rtsensor", NULL,
};

static uint64_t fsid_of(int fd, int *err)
{
	struct statfs sf;
	uint32_t w[2];

	if (fstatfs(fd, &sf) < 0) {
		*err = -errno;
		return 0;
	}
	memcpy(w, &sf.f_fsid, sizeof(w));
	*err = 0;
	return (uint64_t)w[0] | (uint64_t)w[1] << 32;
}

/* Remember the filesystem of path (for handle resolution; open_by_handle_at refuses an O_PATH mount fd). 0 or -errno. */
static int fs_add(struct fan_src *fs, const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;
	uint64_t id;

	if (fd < 0)
		return -errno;
	id = fsid_of(fd, &err);
	if (err < 0) {
		close(fd);
		return err;
	}
	for (unsigned i = 0; i < fs->nfs; i++) {
		if (fs->fs[i].fsid == id) {
			close(fd);
			return 0;
		}
	}
	if (fs->nfs >= FAN_MAX_FS) {
		close(fd);
		return -ENOSPC;
	}
	fs->fs[fs->nfs].fsid = id;
	fs->fs[fs->nfs].fd = fd;
	fs->nfs++;
	return 0;
}

void fan_marks_close(struct fan_src *fs)
{
	for (unsigned i = 0; i < fs->nfs; i++)
		if (fs->fs[i].fd >= 0)
			close(fs->fs[i].fd);
	fs->nfs = 0;
}

unsigned fan_mark_type_flag(enum sensor_fanotify_mark m)
{
	switch (m) {
	case SENSOR_FANOTIFY_MARK_MOUNT: return FAN_MARK_MOUNT;
	case SENSOR_FANOTIFY_MARK_INODE: return FAN_MARK_INODE;
	default: return FAN_MARK_FILESYSTEM;
	}
}

static int mark_one(struct sensor_source *src, struct fan_src *fs, const char *path)
{
	unsigned flags = FAN_MARK_ADD | fan_mark_type_flag(fs->o.mark);
	uint64_t extra = fs->o.mark == SENSOR_FANOTIFY_MARK_INODE ? FAN_EVENT_ON_CHILD : 0;
	int r = 0;

	if (fanotify_mark(fs->nfd, flags, fs->notify_mask | extra, AT_FDCWD, path) < 0)
		r = -errno;
	if (r == -EINVAL && (fs->notify_mask & FAN_RENAME)) {
		/* a kernel without FAN_RENAME (< 5.17): the two halves of a move instead */
		fs->notify_mask = (fs->notify_mask & ~(uint64_t)FAN_RENAME) | FAN_MOVED_FROM |
				  FAN_MOVED_TO;
		fs->have_rename = false;
		r = fanotify_mark(fs->nfd, flags, fs->notify_mask | extra, AT_FDCWD, path) < 0
			    ? -errno
			    : 0;
	}
	if (r < 0) {
		ctx_log(src->ctx, SENSOR_LOG_DEBUG, "fanotify: mark %s: %s", path, strerror(-r));
		return r == -EXDEV || r == -ENODEV ? -EOPNOTSUPP : r;
	}
	r = fs_add(fs, path);
	if (r < 0)
		fanotify_mark(fs->nfd, FAN_MARK_REMOVE | fan_mark_type_flag(fs->o.mark),
			      fs->notify_mask | extra, AT_FDCWD, path);
	return r;
}

/* Undo the \ooo escapes of a mountinfo field in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static bool is_pseudo(const char *type)
{
	for (int i = 0; pseudo_fs[i]; i++)
		if (strcmp(pseudo_fs[i], type) == 0)
			return true;
	return false;
}

/* Split a line at spaces into at most max fields. Returns the count. */
static int split(char *line, char **f, int max)
{
	int n = 0;

	while (*line && n < max) {
		while (*line == ' ')
			*line++ = '\0';
		if (!*line)
			break;
		f[n++] = line;
		while (*line && *line != ' ')
			line++;
	}
	return n;
}

/* Mark every local filesystem that supports it, once per filesystem. */
static int mark_all(struct sensor_source *src, struct fan_src *fs)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int marked = 0, last = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *fld[32];
		int n, dash = -1, r;

		line[strcspn(line, "\n")] = '\0';
		n = split(line, fld, 32);
		for (int i = 6; i < n; i++) {
			if (strcmp(fld[i], "-") == 0) {
				dash = i;
				break;
			}
		}
		if (dash < 0 || dash + 1 >= n || is_pseudo(fld[dash + 1]))
			continue;
		unescape(fld[4]);
		if (fan_excluded(fs, fld[4], strlen(fld[4])))
			continue;
		{
			int fd = open(fld[4], O_PATH | O_DIRECTORY | O_CLOEXEC), err;
			uint64_t id;
			bool seen = false;

			if (fd < 0)
				continue;
			id = fsid_of(fd, &err);
			close(fd);
			for (unsigned i = 0; i < fs->nfs && err == 0; i++)
				seen |= fs->fs[i].fsid == id;
			if (err < 0 || seen)
				continue;
		}
		r = mark_one(src, fs, fld[4]);
		if (r == 0)
			marked++;
		else
			last = r;
	}
	fclose(f);
	return marked > 0 ? 0 : last;
}

/* Ignore marks for excluded directories that exist: the kernel drops their children's events. */
static void ignore_excluded(struct fan_src *fs)
{
	/*
	 * Not renames: a directory moved into or out of an excluded one must
	 * still flush the directory path cache (the prefix match drops the
	 * event itself), or its old path would be reported for what happens in it.
	 */
	uint64_t mask = fs->notify_mask &
			~(uint64_t)(FAN_ONDIR | FAN_RENAME | FAN_MOVED_FROM | FAN_MOVED_TO);

	for (int i = 0; fs->exclude && fs->exclude[i]; i++) {
		struct stat st;

		if (stat(fs->exclude[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		/* best effort: the prefix match in user space stays authoritative */
		if (fanotify_mark(fs->nfd, FAN_MARK_ADD | FAN_MARK_IGNORE_SURV,
				  mask | FAN_ONDIR | FAN_EVENT_ON_CHILD, AT_FDCWD,
				  fs->exclude[i]) == 0) {
			fs->have_mark_ignore = true;
			continue;
		}
		/* before FAN_MARK_IGNORE (6.0): the legacy ignored mask */
		fanotify_mark(fs->nfd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK |
					       FAN_MARK_IGNORED_SURV_MODIFY,
			      mask, AT_FDCWD, fs->exclude[i]);
	}
}

int fan_marks_add(struct sensor_source *src, struct fan_src *fs)
{
	int r = 0;

	if (!fs->paths) {
		r = mark_all(src, fs);
	} else {
		for (int i = 0; fs->paths[i]; i++) {
			r = mark_one(src, fs, fs->paths[i]);
			if (r < 0) {
				ctx_log(src->ctx, SENSOR_LOG_ERR, "fanotify: cannot watch %s: %s",
					fs->paths[i], strerror(-r));
				return r;
			}
		}
	}
	if (r == 0)
		ignore_excluded(fs);
	return r;
}

bool fan_excluded(const struct fan_src *fs, const char *path, size_t len)
{
	for (int i = 0; fs->exclude && fs->exclude[i]; i++)
		if (fan_path_under_n(path, len, fs->exclude[i], fs->exclude_len[i]))
			return true;
	return false;
}

static void strv_free(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void fan_opts_free(struct fan_src *fs)
{
	strv_free(fs->paths);
	strv_free(fs->exclude);
	free(fs->exclude_len);
	fs->paths = fs->exclude = NULL;
	fs->exclude_len = NULL;
}

static int strv_count(const char *const *v)
{
	int n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* Copy a and then b (either may be NULL) into one NULL-terminated vector. */
static int strv_dup2(const char *const *a, const char *const *b, char ***ret)
{
	int na = strv_count(a), nb = strv_count(b), k = 0;
	char **v = calloc((size_t)na + (size_t)nb + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (int i = 0; i < na + nb; i++) {
		const char *s = i < na ? a[i] : b[i - na];

		if (!s[0])
			continue;
		v[k] = strdup(s);
		if (!v[k]) {
			strv_free(v);
			return -ENOMEM;
		}
		k++;
	}
	*ret = v;
	return 0;
}

#define KNOWN_FLAGS                                                                        \
	(uint32_t)(SENSOR_FANOTIFY_FAIL_CLOSED | SENSOR_FANOTIFY_AUDIT |                    \
		   SENSOR_FANOTIFY_NO_ALLOW_CACHE | SENSOR_FANOTIFY_UNLIMITED_QUEUE |        \
		   SENSOR_FANOTIFY_NO_DEFAULT_EXCLUDES | SENSOR_FANOTIFY_NO_NOTIFY |         \
		   SENSOR_FANOTIFY_ALL_OPENS |          \
		   SENSOR_FANOTIFY_HASH_EXEC | SENSOR_FANOTIFY_OPEN_MODE)
#define KNOWN_EVENTS                                                                       \
	(uint32_t)(SENSOR_FANOTIFY_EV_DEFAULT | SENSOR_FANOTIFY_EV_READ |                   \
		   SENSOR_FANOTIFY_EV_CLOSE_NOWRITE)
#define KNOWN_PERM (uint32_t)(SENSOR_FANOTIFY_PERM_EXEC | SENSOR_FANOTIFY_PERM_OPEN)

int fan_opts_copy(struct fan_src *fs, const void *opts)
{
	struct sensor_fanotify_opts *o = &fs->o;
	int r;

	r = OPTS_COPY(o, opts, struct sensor_fanotify_opts, policy_userdata);
	if (r < 0)
		return r;
	if (o->flags & ~KNOWN_FLAGS || o->events & ~KNOWN_EVENTS || o->perm & ~KNOWN_PERM)
		return -EINVAL;
	if ((unsigned)o->mark > SENSOR_FANOTIFY_MARK_INODE)
		return -EINVAL;
	if (o->perm && !o->paths && !(o->flags & SENSOR_FANOTIFY_NO_NOTIFY))
		return -EINVAL; /* permission marks only where asked (or later, sensor_fanotify_mark) */
	if ((o->flags & SENSOR_FANOTIFY_NO_NOTIFY) && !o->perm)
		return -EINVAL;
	if (o->paths && !o->paths[0])
		return -EINVAL;
	for (int i = 0; o->paths && o->paths[i]; i++)
		if (o->paths[i][0] != '/')
			return -EINVAL;
	if (o->events == 0)
		o->events = SENSOR_FANOTIFY_EV_DEFAULT;
	if (o->read_buffer == 0)
		o->read_buffer = 64u << 10;
	if (o->read_buffer < 4096 || o->read_buffer > (64u << 20))
		return -EINVAL;
	if (o->perm_timeout == 0)
		o->perm_timeout = 2000000000ull;
	if (o->max_pending == 0)
		o->max_pending = 4096;
	if (o->paths) {
		r = strv_dup2(o->paths, NULL, &fs->paths);
		if (r < 0)
			return r;
	}
	r = strv_dup2(o->exclude,
		      (o->flags & SENSOR_FANOTIFY_NO_DEFAULT_EXCLUDES) ? NULL : default_excludes,
		      &fs->exclude);
	if (r < 0)
		return r;
	fs->exclude_len = calloc((size_t)strv_count((const char *const *)fs->exclude) + 1,
				 sizeof(*fs->exclude_len));
	if (!fs->exclude_len)
		return -ENOMEM;
	for (int i = 0; fs->exclude[i]; i++) {
		size_t n = strlen(fs->exclude[i]);

		while (n > 1 && fs->exclude[i][n - 1] == '/')
			n--;
		fs->exclude_len[i] = n;
	}
	/* the copies own the strings now; never keep the caller's pointers */
	o->paths = (const char *const *)fs->paths;
	o->exclude = (const char *const *)fs->exclude;
	return 0;
}
