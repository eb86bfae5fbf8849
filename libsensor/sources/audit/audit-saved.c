/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pre-sensor kernel audit state in a run file: see audit-saved.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit-saved.h"
#include "util/parse.h"

/* "KEY=N" at buf[*i..len), then blanks; false when it is not exactly that. */
static bool take(const char *buf, size_t len, size_t *i, const char *key, uint64_t max,
		 uint32_t *ret)
{
	size_t kl = strlen(key), s, e;
	uint64_t v;

	if (len - *i < kl + 2 || memcmp(buf + *i, key, kl) != 0 || buf[*i + kl] != '=')
		return false;
	s = e = *i + kl + 1;
	while (e < len && buf[e] >= '0' && buf[e] <= '9')
		e++;
	if (parse_u64(buf + s, e - s, 10, &v) < 0 || v > max)
		return false;
	if (e < len && buf[e] != ' ' && buf[e] != '\n')
		return false; /* "enabled=0backlog_limit=..." */
	while (e < len && (buf[e] == ' ' || buf[e] == '\n'))
		e++;
	*ret = (uint32_t)v;
	*i = e;
	return true;
}

int audit_saved_parse(const char *buf, size_t len, struct audit_saved *s)
{
	size_t i = 0;

	if (!buf || !s)
		return -EINVAL;
	if (!take(buf, len, &i, "enabled", 1, &s->enabled) ||
	    !take(buf, len, &i, "backlog_limit", UINT32_MAX, &s->backlog_limit) || i != len)
		return -EBADMSG;
	return 0;
}

int audit_saved_load(const char *path, struct audit_saved *s)
{
	char buf[128];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	return audit_saved_parse(buf, (size_t)n, s);
}

int audit_saved_store(const char *path, const struct audit_saved *s)
{
	char buf[128], dir[256];
	const char *slash = strrchr(path, '/');
	int fd, n, rc = 0;

	if (slash && (size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "enabled=%u backlog_limit=%u\n", s->enabled, s->backlog_limit);
	if (write(fd, buf, (size_t)n) != n)
		rc = -EIO;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (rc)
		unlink(path);
	return rc;
}
