/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor's configuration file: "key = value" lines whose keys are a verb's long options. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "rtsensor.h"

const struct conf *conf_current;
const struct conf_item *conf_current_item;

static bool in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* A long option by its exact name, or by a unique prefix as getopt_long takes it. */
static const struct option *find_long(const struct option *opts, const char *name, size_t len)
{
	const struct option *hit = NULL;

	for (const struct option *o = opts; o->name; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (o->name[len] == '\0')
			return o;
		if (hit)
			return NULL; /* ambiguous: getopt refuses it too */
		hit = o;
	}
	return hit;
}

static const struct option *find_short(const struct option *opts, char c)
{
	for (const struct option *o = opts; o->name; o++)
		if (!o->flag && o->val == c)
			return o;
	return NULL;
}

static int bad(const char *verb, const char *path, unsigned line, const char *key,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int bad(const char *verb, const char *path, unsigned line, const char *key,
	       const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rtsensor: %s: %s:%u: ", verb, path, line);
	if (key)
		fprintf(stderr, "key '%s': ", key);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static char *trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	*end = '\0';
	return s;
}

static bool valid_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '-'))
			return false;
	return true;
}

/* Read the whole file: a regular file of at most CONF_MAX_SIZE bytes. */
static int slurp(const char *path, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	buf = malloc(CONF_MAX_SIZE + 2);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len <= CONF_MAX_SIZE) {
		ssize_t n = read(fd, buf + len, CONF_MAX_SIZE + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!r && len > CONF_MAX_SIZE)
		r = -EFBIG;
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int add_item(struct conf *c, const char *key, const char *value, unsigned line)
{
	struct conf_item *it;
	size_t klen = strlen(key);
	size_t len = 2 + klen + (value ? 1 + strlen(value) : 0) + 1;
	char *arg = malloc(len);

	if (!arg)
		return -ENOMEM;
	snprintf(arg, len, "--%s%s%s", key, value ? "=" : "", value ? value : "");
	it = realloc(c->items, (c->n + 1) * sizeof(*it));
	if (!it) {
		free(arg);
		return -ENOMEM;
	}
	c->items = it;
	it[c->n].arg = arg;
	it[c->n].key = arg + 2; /* up to the '=' */
	it[c->n].line = line;
	c->n++;
	return 0;
}

const char *conf_item_key(const struct conf_item *it, char *buf, size_t len)
{
	size_t n = strcspn(it->key, "=");

	snprintf(buf, len, "%.*s", (int)n, it->key);
	return buf;
}

int conf_read(const char *verb, const char *path, const struct conf_spec *spec, struct conf *c)
{
	char *buf = NULL, *p, *end;
	unsigned line = 0, *first = NULL;
	size_t nopts = 0, len = 0;
	int r;

	memset(c, 0, sizeof(*c));
	r = slurp(path, &buf, &len);
	if (r < 0) {
		die_msg(verb, "config %s: %s", path,
			r == -EFBIG ? "larger than 1 MiB" : r == -EINVAL ? "not a regular file"
								 : strerror(-r));
		return r == -ENOENT || r == -EINVAL || r == -EISDIR || r == -EFBIG ? EXIT_USAGE
										     : EXIT_FAIL;
	}
	c->path = strdup(path);
	for (const struct option *o = spec->opts; o->name; o++)
		nopts++;
	first = calloc(nopts + 1, sizeof(*first));
	if (!c->path || !first) {
		r = -ENOMEM;
		goto oom;
	}
	if (memchr(buf, '\0', len)) {
		r = bad(verb, path, 1, NULL, "holds a NUL byte: not a text file");
		goto fail;
	}
	for (p = buf, end = buf + len; p < end;) {
		char *eol = memchr(p, '\n', (size_t)(end - p)), *eq, *key, *val;
		const struct option *o;
		size_t oi;

		if (!eol)
			eol = end;
		*eol = '\0';
		line++;
		key = trim(p, eol);
		p = eol < end ? eol + 1 : end;
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			r = bad(verb, path, line, NULL, "expected 'key = value', got '%s'", key);
			goto fail;
		}
		val = trim(eq + 1, eq + 1 + strlen(eq + 1));
		key = trim(key, eq);
		if (!valid_key(key)) {
			r = bad(verb, path, line, key, "a key is a long option's name ([a-z0-9-])");
			goto fail;
		}
		o = NULL;
		for (const struct option *x = spec->opts; x->name; x++)
			if (strcmp(x->name, key) == 0)
				o = x;
		if (!o || in_list(spec->not_keys, key)) {
			r = bad(verb, path, line, key, "unknown key (the keys are the long options "
				"of 'rtsensor %s --help')", verb);
			goto fail;
		}
		oi = (size_t)(o - spec->opts);
		if (first[oi] && !in_list(spec->repeatable, key)) {
			r = bad(verb, path, line, key, "set twice (first on line %u)", first[oi]);
			goto fail;
		}
		if (!first[oi])
			first[oi] = line;
		if (val[0] == '"') { /* "a value # with a hash", then only a comment */
			char *q = strchr(val + 1, '"'), *rest;

			if (!q) {
				r = bad(verb, path, line, key, "unterminated quoted value");
				goto fail;
			}
			rest = q + 1 + strspn(q + 1, " \t");
			if (*rest && *rest != '#') {
				r = bad(verb, path, line, key, "text after the closing quote");
				goto fail;
			}
			*q = '\0';
			val++;
		} else { /* a comment starts at a '#' after a blank */
			for (char *h = val; *h; h++)
				if (*h == '#' && h > val && (h[-1] == ' ' || h[-1] == '\t')) {
					*h = '\0';
					trim(val, h);
					break;
				}
		}
		if (o->has_arg == no_argument) {
			if (!strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "on") ||
			    !strcmp(val, "1")) {
				val = NULL;
			} else if (!strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "off") ||
				   !strcmp(val, "0")) {
				continue;
			} else {
				r = bad(verb, path, line, key, "wants true or false, got '%s'", val);
				goto fail;
			}
		} else if (!*val) {
			r = bad(verb, path, line, key, "needs a value");
			goto fail;
		}
		if (c->n >= CONF_MAX_ITEMS) {
			r = bad(verb, path, line, key, "more than %u settings", CONF_MAX_ITEMS);
			goto fail;
		}
		if (add_item(c, key, val, line) < 0) {
			r = -ENOMEM;
			goto oom;
		}
	}
	free(first);
	free(buf);
	return 0;
oom:
	die_msg(verb, "config %s: %s", path, strerror(ENOMEM));
	r = EXIT_FAIL;
fail:
	free(first);
	free(buf);
	conf_free(c);
	return r;
}

void conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->items[i].arg);
	free(c->items);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

/*
 * Walk the command line's options as getopt_long will: fn(opt, value
 * element index or 0) for each; stops at "--". Unknown options are left
 * for getopt to report.
 */
static void walk(int argc, char **argv, const struct option *opts,
		 void (*fn)(void *, const struct option *, const char *), void *ud)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option *o;

		if (strcmp(a, "--") == 0)
			return;
		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');

			o = find_long(opts, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (!o)
				continue;
			if (eq)
				fn(ud, o, eq + 1);
			else if (o->has_arg == required_argument && i + 1 < argc)
				fn(ud, o, argv[++i]);
			else
				fn(ud, o, NULL);
			continue;
		}
		o = find_short(opts, a[1]);
		if (!o)
			continue;
		if (o->has_arg == required_argument)
			fn(ud, o, a[2] ? a + 2 : i + 1 < argc ? argv[++i] : NULL);
		else
			fn(ud, o, NULL);
	}
}

static void on_config_opt(void *ud, const struct option *o, const char *v)
{
	if (strcmp(o->name, "config") == 0)
		*(const char **)ud = v ? v : "";
}

const char *conf_path_from_argv(int argc, char **argv, const struct option *opts)
{
	const char *path = NULL;

	walk(argc, argv, opts, on_config_opt, &path);
	return path;
}

struct given {
	const struct option *opts;
	bool *set;
};

static void on_given(void *ud, const struct option *o, const char *v)
{
	struct given *g = ud;

	(void)v;
	g->set[o - g->opts] = true;
}

int conf_merge(const struct conf *c, const struct option *opts, int argc, char **argv,
	       int *ret_argc, char ***ret_argv)
{
	struct given g = { opts, NULL };
	size_t nopts = 0;
	char **nv;
	int n = 0;

	for (const struct option *o = opts; o->name; o++)
		nopts++;
	g.set = calloc(nopts + 1, sizeof(bool));
	nv = calloc((size_t)argc + c->n + 1, sizeof(*nv));
	if (!g.set || !nv) {
		free(g.set);
		free(nv);
		return -ENOMEM;
	}
	walk(argc, argv, opts, on_given, &g);
	nv[n++] = argv[0];
	for (size_t i = 0; i < c->n; i++) {
		size_t klen = strcspn(c->items[i].key, "=");
		const struct option *o = NULL;

		for (const struct option *x = opts; x->name; x++)
			if (strlen(x->name) == klen && strncmp(x->name, c->items[i].key, klen) == 0)
				o = x;
		if (o && g.set[o - opts])
			continue; /* the command line's flag replaces the file's */
		nv[n++] = c->items[i].arg;
	}
	for (int i = 1; i < argc; i++)
		nv[n++] = argv[i];
	nv[n] = NULL;
	free(g.set);
	*ret_argc = n;
	*ret_argv = nv;
	return 0;
}

const struct conf_item *conf_origin(const struct conf *c, const char *arg)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (c->items[i].arg == arg)
			return &c->items[i];
	return NULL;
}
