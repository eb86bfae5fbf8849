/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor's configuration file (rtsensor.conf(5) in rtsensor(1)): one
 * "key = value" per line, where every key is a long option of the verb
 * (`run`) without its dashes. So a new flag is a new key with no table to
 * keep: the file's items become "--key=value" arguments in front of the
 * command line's, and a flag given on the command line replaces every item
 * of its key. Errors name the file, the line and the key.
 */
#ifndef RTSENSOR_CONFIG_H
#define RTSENSOR_CONFIG_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#define CONF_DEFAULT_PATH "/etc/rtsensor/rtsensor.conf"
#define CONF_MAX_SIZE (1u << 20)
#define CONF_MAX_ITEMS 4096

struct conf_item {
	char *key;       /* long option name */
	char *arg;       /* "--key=value", or "--key" for a flag without a value */
	unsigned line;
};

struct conf {
	char *path;
	struct conf_item *items;
	size_t n;
};

/*
 * Options of a verb that are not keys of its file: they make no sense there
 * ("help", "config"). Repeatable options may appear on several lines; any
 * other key set twice is an error.
 */
struct conf_spec {
	const struct option *opts;   /* the verb's getopt_long table */
	const char *const *not_keys; /* NULL-terminated */
	const char *const *repeatable; /* NULL-terminated */
};

/*
 * Read and check path against spec. Returns 0, or an exit code after one
 * line on stderr: "rtsensor: VERB: FILE:LINE: key 'K': reason" (EXIT_USAGE
 * for a bad file, EXIT_FAIL when it cannot be read).
 */
int conf_read(const char *verb, const char *path, const struct conf_spec *spec, struct conf *c);
void conf_free(struct conf *c);

/*
 * The value of --config FILE on the command line (before "--"; the last
 * one), "" when it lacks its value, or NULL when absent.
 */
const char *conf_path_from_argv(int argc, char **argv, const struct option *opts);

/*
 * A new argv for getopt_long: argv[0], the file's items whose key is not
 * given on the command line, then argv[1..]. The array is malloc'd (free
 * it); its strings are argv's and c's. Returns 0 or -ENOMEM.
 */
int conf_merge(const struct conf *c, const struct option *opts, int argc, char **argv,
	       int *ret_argc, char ***ret_argv);

/* The key of an item (its option's name) into buf. */
const char *conf_item_key(const struct conf_item *it, char *buf, size_t len);

/* The item an argument came from (pointer identity), or NULL for the command line. */
const struct conf_item *conf_origin(const struct conf *c, const char *arg);

/*
 * Error messages of the option parser name the file and line of an option
 * that came from it: set by the parser before it handles each option,
 * printed by die_msg(). NULL: the command line.
 */
extern const struct conf *conf_current;
extern const struct conf_item *conf_current_item;

#endif
