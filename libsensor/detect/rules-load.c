/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rules in force: a rules file or the built-in rules, plus the drop-in
 * files of a directory (rtsensor: /etc/rtsensor/rules.d), minus the rules
 * they disable. The sensor runs as root: files are read without following
 * symlinks in the directory, only regular files, bounded in size.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libsensor/sensor-baseline.h>

#include "rules.h"
#include "util/opts.h"

/* Read a whole regular file (at most RULES_TEXT_MAX bytes) from dirfd/name. */
static int read_rules_file(int dirfd, const char *name, int oflags, char **ret_buf,
			   size_t *ret_len)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd, r = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | oflags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if (st.st_size > (off_t)RULES_TEXT_MAX) {
		r = -E2BIG;
		goto out;
	}
	buf = malloc(RULES_TEXT_MAX + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (len <= RULES_TEXT_MAX) {
		ssize_t n = read(fd, buf + len, RULES_TEXT_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			free(buf);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > RULES_TEXT_MAX) { /* grew while read */
		free(buf);
		r = -E2BIG;
		goto out;
	}
	*ret_buf = buf;
	*ret_len = len;
out:
	close(fd);
	return r;
}

/* Parse one file; errors become "FILE: line N: reason" / "FILE: strerror". */
static int parse_file(int dirfd, const char *dir, const char *name, int oflags,
		      struct ruleset **ret, char *err, size_t errlen)
{
	char sub[256] = "";
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_rules_file(dirfd, name, oflags, &buf, &len);
	if (r == 0) {
		r = rules_parse(buf, len, ret, sub, sizeof(sub));
		free(buf);
	}
	if (r < 0 && err && errlen)
		/* a parse error is "LINE:COLUMN: what", so the whole reads FILE:LINE:COLUMN: what */
		snprintf(err, errlen, "%s%s%s:%s%s", dir ? dir : "", dir ? "/" : "", name,
			 sub[0] ? "" : " ", sub[0] ? sub
			 : r == -E2BIG ? "larger than 1 MiB"
			 : r == -EINVAL ? "not a regular file"
			 : r == -ELOOP ? "a symbolic link (not followed in a rules directory)"
				       : strerror(-r));
	return r;
}

/* Move every rule of src to the end of dst (src keeps its disables). */
static int append(struct ruleset *dst, struct ruleset *src)
{
	struct rule *nr;

	if (!src->n)
		return 0;
	if (dst->n + src->n > RULES_MAX)
		return -E2BIG;
	nr = realloc(dst->rules, (dst->n + src->n) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	dst->rules = nr;
	memcpy(dst->rules + dst->n, src->rules, src->n * sizeof(*nr));
	dst->n += src->n;
	src->n = 0; /* moved: rules_free(src) frees only its containers */
	return 0;
}

static int rules_file_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 6 && strcmp(d->d_name + n - 6, ".rules") == 0;
}

int rules_load(const char *path, const char *dir, bool defaults, struct ruleset **ret, char *err,
	       size_t errlen)
{
	struct ruleset *all, **files = NULL;
	const char **fnames = NULL;
	struct dirent **ents = NULL;
	unsigned nfiles = 0;
	int nents = 0, dfd = -1, r;
	char sub[256];

	if (!ret)
		return -EINVAL;
	if (err && errlen)
		err[0] = '\0';
	if (path) {
		r = parse_file(AT_FDCWD, NULL, path, 0, &all, err, errlen);
	} else if (defaults) {
		r = rules_parse(rules_default_text, rules_default_len, &all, sub, sizeof(sub));
		if (r < 0 && err && errlen)
			snprintf(err, errlen, "(built-in rules):%s", sub);
	} else {
		all = calloc(1, sizeof(*all));
		r = all ? 0 : -ENOMEM;
	}
	if (r < 0)
		return r;
	if (dir) {
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			r = -errno;
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", dir, strerror(-r));
			goto out;
		}
		nents = scandirat(dfd, ".", &ents, rules_file_filter, alphasort);
		if (nents < 0) {
			r = -errno;
			nents = 0;
			if (err && errlen)
				snprintf(err, errlen, "%s: %s", dir, strerror(-r));
			goto out;
		}
		files = calloc((size_t)nents + 1, sizeof(*files));
		fnames = calloc((size_t)nents + 1, sizeof(*fnames));
		if (!files || !fnames) {
			r = -ENOMEM;
			goto out;
		}
		for (int i = 0; i < nents; i++) {
			r = parse_file(dfd, dir, ents[i]->d_name, O_NOFOLLOW, &files[nfiles], err,
				       errlen);
			if (r < 0)
				goto out;
			fnames[nfiles++] = ents[i]->d_name;
		}
	}
	/* every disable names a rule that exists somewhere: a typo must not pass silently */
	for (unsigned f = 0; f <= nfiles; f++) {
		struct ruleset *rs = f == 0 ? all : files[f - 1];

		for (unsigned d = 0; d < rs->ndisabled; d++) {
			bool found = false;

			for (unsigned g = 0; g <= nfiles && !found; g++) {
				struct ruleset *o = g == 0 ? all : files[g - 1];

				for (unsigned i = 0; i < o->n && !found; i++)
					found = strcmp(o->rules[i].id, rs->disabled[d].id) == 0;
			}
			if (!found) {
				if (err && errlen)
					snprintf(err, errlen, "%s%s%s:%u: disable: no rule '%s'",
						 f ? dir : path ? path : "(built-in rules)",
						 f ? "/" : "", f ? fnames[f - 1] : "",
						 rs->disabled[d].line, rs->disabled[d].id);
				r = -EBADMSG;
				goto out;
			}
		}
	}
	for (unsigned f = 0; f < nfiles; f++) {
		r = append(all, files[f]);
		if (r < 0) {
			if (err && errlen)
				snprintf(err, errlen, "%s/%s: %s", dir, fnames[f],
					 r == -E2BIG ? "more than 1024 rules in all" : strerror(-r));
			goto out;
		}
	}
	/* leave out the disabled rules, then no id may be defined twice */
	{
		unsigned w = 0;

		for (unsigned i = 0; i < all->n; i++) {
			bool off = false;

			for (unsigned f = 0; f <= nfiles && !off; f++) {
				struct ruleset *rs = f == 0 ? all : files[f - 1];

				for (unsigned d = 0; d < rs->ndisabled && !off; d++)
					off = strcmp(rs->disabled[d].id, all->rules[i].id) == 0;
			}
			if (off) {
				rule_free(&all->rules[i]);
				continue;
			}
			if (w != i)
				all->rules[w] = all->rules[i];
			w++;
		}
		all->n = w;
	}
	for (unsigned i = 0; i < all->n; i++)
		for (unsigned j = 0; j < i; j++)
			if (strcmp(all->rules[i].id, all->rules[j].id) == 0) {
				if (err && errlen)
					snprintf(err, errlen,
						 "rule '%s' is defined twice (disable the first to "
						 "replace it)", all->rules[i].id);
				r = -EBADMSG;
				goto out;
			}
	r = 0;
out:
	for (unsigned f = 0; f < nfiles; f++)
		rules_free(files[f]);
	free(files);
	free(fnames); /* names point into ents */
	for (int i = 0; i < nents; i++)
		free(ents[i]);
	free(ents);
	if (dfd >= 0)
		close(dfd);
	if (r < 0) {
		rules_free(all);
		return r;
	}
	*ret = all;
	return 0;
}

int sensor_rules_check(const struct sensor_rules_opts *opts)
{
	struct sensor_rules_opts o = { 0 };
	struct ruleset *rs;
	int r;

	if (!opts)
		return -EINVAL;
	r = OPTS_COPY(&o, opts, struct sensor_rules_opts, errlen);
	if (r < 0)
		return r;
	if (o.flags & ~(uint32_t)SENSOR_RULES_NO_DEFAULTS)
		return -EINVAL;
	r = rules_load(o.path, o.dir, !(o.flags & SENSOR_RULES_NO_DEFAULTS), &rs, o.err, o.errlen);
	if (r < 0)
		return r;
	r = (int)rs->n;
	rules_free(rs);
	return r;
}
