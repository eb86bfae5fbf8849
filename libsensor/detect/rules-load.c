/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rules in force: the built-in rules, a rules file and the drop-in
 * files of a directory (rtsensor: /etc/rtsensor/rules.d), each layered on
 * the ones before (same names replace, append=true adds, disable and
 * enabled=false switch off). The sensor runs as root: files are read
 * without following symlinks in the directory, only regular files, bounded
 * in size.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

	if (oflags & O_NOFOLLOW) {
		/*
		 * A file of a rules directory: a symbolic link is followed only
		 * when it resolves inside that directory, on its mount (a
		 * Kubernetes ConfigMap's "x.rules -> ..data/x.rules"); one that
		 * leads out (a planted "x.rules -> /etc/shadow") is refused (EXDEV).
		 */
		struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
					.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
						   RESOLVE_NO_XDEV };

		fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		if (fd < 0 && errno == ENOSYS) /* before Linux 5.6: links not followed */
			fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	} else {
		fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | oflags);
	}
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

/* One rules text to layer: the built-in rules, the --rules file, a drop-in. */
struct rules_src {
	const char *dir;  /* for the name in errors, or NULL */
	const char *name; /* NULL: the built-in rules */
	char *buf;        /* owned, or NULL for the built-in text */
	const char *text;
	size_t len;
};

static void src_err(char *err, size_t errlen, const struct rules_src *s, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%s%s: %s", s->dir ? s->dir : "", s->dir ? "/" : "",
			 s->name ? s->name : "(built-in rules)", what);
}

/* Read one file into s; errors become "FILE: strerror" (or why it is refused). */
static int read_src(int dirfd, const char *dir, const char *name, int oflags, struct rules_src *s,
		    char *err, size_t errlen)
{
	int r;

	s->dir = dir;
	s->name = name;
	r = read_rules_file(dirfd, name, oflags, &s->buf, &s->len);
	if (r < 0) {
		src_err(err, errlen, s,
			r == -E2BIG    ? "larger than 1 MiB"
			: r == -EINVAL ? "not a regular file"
			: r == -ELOOP  ? "a symbolic link (not followed in a rules directory)"
			: r == -EXDEV  ? "a symbolic link out of the rules directory (not followed)"
				       : strerror(-r));
		return r;
	}
	s->text = s->buf;
	return 0;
}

/* Room for one more element of an array grown by doubling (n is its count). */
static int grow(void *pp, unsigned n, size_t size)
{
	void **p = pp, *np;

	if (n && (n < 8 || (n & (n - 1)) != 0))
		return 0; /* 8 at first, then doubled at each power of two */
	np = realloc(*p, (n ? (size_t)n * 2 : 8) * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	return 0;
}

/*
 * Layer one file's ruleset fs onto all: its lists, macros and rules replace
 * those of the same name (a rule in its place) or are added, then its
 * "disable" and "enabled=" switch rules off or on. fs is emptied.
 */
static int merge(struct ruleset *all, struct ruleset *fs, const struct rules_src *s, char *err,
		 size_t errlen)
{
	int r;

	for (unsigned i = 0; i < fs->nlists; i++) {
		struct rule_list *l = &fs->lists[i], *o = NULL;

		for (unsigned k = 0; k < all->nlists && !o; k++)
			if (strcmp(all->lists[k].name, l->name) == 0)
				o = &all->lists[k];
		if (o) {
			for (unsigned k = 0; k < o->n; k++)
				free(o->vals[k]);
			free(o->vals);
		} else {
			if ((r = grow(&all->lists, all->nlists, sizeof(*l))) < 0)
				return r;
			o = &all->lists[all->nlists++];
		}
		*o = *l;
		l->vals = NULL;
		l->n = 0;
	}
	for (unsigned i = 0; i < fs->nmacros; i++) {
		struct rule *m = &fs->macros[i], *o = NULL;

		for (unsigned k = 0; k < all->nmacros && !o; k++)
			if (strcmp(all->macros[k].id, m->id) == 0)
				o = &all->macros[k];
		if (o) {
			rule_free(o);
		} else {
			if ((r = grow(&all->macros, all->nmacros, sizeof(*m))) < 0)
				return r;
			o = &all->macros[all->nmacros++];
		}
		*o = *m;
		memset(m, 0, sizeof(*m));
	}
	for (unsigned i = 0; i < fs->n; i++) {
		struct rule *ru = &fs->rules[i], *o = NULL;

		for (unsigned k = 0; k < all->n && !o; k++)
			if (strcmp(all->rules[k].id, ru->id) == 0)
				o = &all->rules[k];
		if (o) {
			rule_free(o); /* replaced in its place: the order of alerts stays */
		} else {
			if (all->n >= RULES_MAX) {
				src_err(err, errlen, s, "more than 1024 rules in all");
				return -E2BIG;
			}
			if ((r = grow(&all->rules, all->n, sizeof(*ru))) < 0)
				return r;
			o = &all->rules[all->n++];
		}
		*o = *ru;
		memset(ru, 0, sizeof(*ru));
	}
	for (unsigned d = 0; d < fs->ndisabled; d++) {
		const struct rule_disable *sw = &fs->disabled[d];
		bool found = false;

		for (unsigned k = 0; k < all->n; k++)
			if (strcmp(all->rules[k].id, sw->id) == 0) {
				all->rules[k].disabled = !sw->enable;
				found = true;
			}
		if (!found) {
			/* a typo must not silently keep a rule on */
			char what[192];

			if (sw->stmt_rule)
				snprintf(what, sizeof(what),
					 "line %u, column %u: enabled=%s: no rule '%s' in this or an "
					 "earlier file", sw->line, sw->column, sw->enable ? "true" : "false",
					 sw->id);
			else
				snprintf(what, sizeof(what), "line %u, column %u: disable: no rule '%s'",
					 sw->line, sw->column, sw->id);
			src_err(err, errlen, s, what);
			return -EBADMSG;
		}
	}
	return 0;
}

static bool conds_equal(const struct rule_cond *a, const struct rule_cond *b)
{
	if (a->field != b->field || a->op != b->op || a->is_int != b->is_int || a->nvals != b->nvals)
		return false;
	for (unsigned i = 0; i < a->nvals; i++)
		if (a->is_int ? a->ivals[i] != b->ivals[i] : strcmp(a->svals[i], b->svals[i]) != 0)
			return false;
	return true;
}

/* The lists and macros of two passes over the same files are the same. */
static bool scope_equal(const struct ruleset *a, const struct ruleset *b)
{
	if (a->nlists != b->nlists || a->nmacros != b->nmacros)
		return false;
	for (unsigned i = 0; i < a->nlists; i++) {
		if (a->lists[i].n != b->lists[i].n)
			return false;
		for (unsigned k = 0; k < a->lists[i].n; k++)
			if (strcmp(a->lists[i].vals[k], b->lists[i].vals[k]) != 0)
				return false;
	}
	for (unsigned i = 0; i < a->nmacros; i++) {
		const struct rule *x = &a->macros[i], *y = &b->macros[i];

		if (x->nconds != y->nconds || x->kind != y->kind)
			return false;
		for (unsigned k = 0; k < x->nconds; k++)
			if (!conds_equal(&x->conds[k], &y->conds[k]))
				return false;
	}
	return true;
}

static int rules_file_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 6 && strcmp(d->d_name + n - 6, ".rules") == 0;
}

/* Passes over the files until appended lists and macros settle (nested appends). */
#define RULES_PASSES_MAX 8

int rules_load(const char *path, const char *dir, bool defaults, struct ruleset **ret, char *err,
	       size_t errlen)
{
	struct ruleset *all = NULL, *final = NULL;
	struct rules_src *srcs = NULL;
	struct dirent **ents = NULL;
	unsigned nsrc = 0;
	int nents = 0, dfd = -1, r = 0;

	if (!ret)
		return -EINVAL;
	if (err && errlen)
		err[0] = '\0';
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
	}
	srcs = calloc((size_t)nents + 2, sizeof(*srcs));
	if (!srcs) {
		r = -ENOMEM;
		goto out;
	}
	if (defaults) {
		srcs[nsrc].text = rules_default_text;
		srcs[nsrc++].len = rules_default_len;
	}
	if (path && (r = read_src(AT_FDCWD, NULL, path, 0, &srcs[nsrc++], err, errlen)) < 0)
		goto out;
	for (int i = 0; i < nents; i++)
		if ((r = read_src(dfd, dir, ents[i]->d_name, O_NOFOLLOW, &srcs[nsrc++], err, errlen)) <
		    0)
			goto out;
	for (unsigned pass = 0;; pass++) {
		unsigned changed = 0;

		all = calloc(1, sizeof(*all));
		if (!all) {
			r = -ENOMEM;
			goto out;
		}
		for (unsigned i = 0; i < nsrc; i++) {
			struct ruleset *fs;
			char sub[256] = "";

			r = rules_parse_scoped(srcs[i].text, srcs[i].len, all, final, &fs, sub,
					       sizeof(sub));
			if (r < 0) {
				src_err(err, errlen, &srcs[i], sub[0] ? sub : strerror(-r));
				goto out;
			}
			changed += fs->nchanged;
			r = merge(all, fs, &srcs[i], err, errlen);
			rules_free(fs);
			if (r < 0)
				goto out;
		}
		/* a later file's append reaches earlier files' rules: parse again with
		 * the lists and macros as the last pass left them, until they settle */
		if (!changed || (final && scope_equal(final, all)))
			break;
		if (pass + 1 >= RULES_PASSES_MAX) {
			if (err && errlen)
				snprintf(err, errlen, "lists or macros that take each other's values "
					 "through append=true never settle");
			r = -EBADMSG;
			goto out;
		}
		rules_free(final);
		final = all;
		all = NULL;
	}
	/* the rules switched off are left out */
	{
		unsigned w = 0;

		for (unsigned i = 0; i < all->n; i++) {
			if (all->rules[i].disabled) {
				rule_free(&all->rules[i]);
				continue;
			}
			if (w != i)
				all->rules[w] = all->rules[i];
			w++;
		}
		all->n = w;
	}
	r = 0;
out:
	rules_free(final);
	for (unsigned i = 0; i < nsrc; i++)
		free(srcs[i].buf);
	free(srcs);
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
