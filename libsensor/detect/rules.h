/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Threat rules (architecture §5): known-bad behaviour, as data. A rule is a list
 * of conditions over the event's dotted fields, all of which must hold; a
 * condition holds when its field matches any of its values. The format is
 * in docs/rules.md; rules/default.rules is the built-in set.
 */
#ifndef SENSOR_DETECT_RULES_H
#define SENSOR_DETECT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libsensor/sensor-event.h>

#include "glob.h"

#define RULE_ID_MAX 64
#define RULES_MAX 1024
#define RULE_CONDS_MAX 16
#define RULE_VALUES_MAX 64
#define RULE_VALUE_LEN 512
#define RULES_TEXT_MAX (1u << 20)
#define RULE_EXCEPTS_MAX 16   /* "except" lines per rule */
#define RULE_LISTS_MAX 256    /* lists per file */
#define RULE_MACROS_MAX 256   /* macros per file */
#define RULE_TAGS_MAX 16
#define RULE_TAG_LEN 32

/* The pseudo-field "exec.argv": any argv element of an exec event. */
#define RULE_FIELD_ARGV (-1)
/* "syscall.arg0".."syscall.arg5": RULE_FIELD_ARG0 - N */
#define RULE_FIELD_ARG0 (-2)
#define RULE_FIELD_ARG5 (-7)

enum rule_op {
	ROP_EQ = 1,   /* =  : equal to any value (strings or integers) */
	ROP_NE,       /* != : equal to none */
	ROP_GLOB,     /* glob : fnmatch(3) pattern, any */
	ROP_NGLOB,    /* !glob */
	ROP_PREFIX,   /* prefix */
	ROP_CONTAINS, /* contains: substring */
	ROP_LT,       /* <  integer */
	ROP_GT,       /* >  integer */
	ROP_EXISTS,   /* exists: the field is present (no values) */
	ROP_MISSING,  /* missing */
};

struct rule_cond {
	int field;        /* enum sensor_field or RULE_FIELD_ARGV */
	uint8_t op;       /* enum rule_op */
	uint8_t is_int;
	uint16_t nvals;
	char **svals;
	struct glob_pat *pats; /* svals compiled: how each string value is matched */
	int64_t *ivals;
};

struct rule {
	char id[RULE_ID_MAX];
	int severity;     /* enum sensor_severity */
	char *desc;
	char *tags;       /* "T1611 T1059.004 container": space-separated, or NULL */
	unsigned ntags;
	struct rule_cond conds[RULE_CONDS_MAX];
	unsigned nconds;
	uint8_t kind;     /* required kind when a "kind =" condition names exactly one; 0 any */
	/* "except FIELD OP VALUE...": the rule is silenced when any of these holds */
	struct rule_cond excepts[RULE_EXCEPTS_MAX];
	unsigned nexcepts;
	uint8_t disabled;  /* "enabled=false": loaded, never matched (rules_load leaves it out) */
	uint8_t replaces;  /* redefines or appends to a rule (macro) of an earlier file */
};

/* "list NAME VALUE...": values that "@NAME" stands for in a condition. */
struct rule_list {
	char name[RULE_ID_MAX];
	char **vals;
	unsigned n;
	bool replaces;     /* redefines or appends to a list of an earlier file */
};

/*
 * "disable <id>" or "rule <id> enabled=false|true": switch a rule of an
 * earlier file (the defaults, --rules, a drop-in) or of this one off or on.
 */
struct rule_disable {
	char id[RULE_ID_MAX];
	unsigned line, column;
	bool enable;       /* "enabled=true" */
	bool stmt_rule;    /* written as "rule <id> enabled=...", not "disable" */
};

struct ruleset {
	struct rule *rules;
	unsigned n;
	struct rule_disable *disabled; /* ids this file disables, in file order */
	unsigned ndisabled;
	/* named parts a file defines for its rules (and for later files') */
	struct rule_list *lists;
	unsigned nlists;
	struct rule *macros; /* "macro NAME ... end": conditions "use NAME" adds */
	unsigned nmacros;
	/* lists and macros of an earlier file this one redefined or appended to */
	unsigned nchanged;
};

/*
 * Parse a rules file buf[0..len). Returns 0 and writes *ret, or -EBADMSG
 * with "line N: reason" in err, -E2BIG past the limits, -ENOMEM.
 */
int rules_parse(const char *buf, size_t len, struct ruleset **ret, char *err, size_t errlen);
/*
 * The same, with the lists and macros of an earlier file (prior, may be
 * NULL) in scope: a drop-in uses the default rules' lists and macros.
 * Errors name the line and column: "line 7, column 3: unknown field ...".
 */
int rules_parse_with(const char *buf, size_t len, const struct ruleset *prior,
		     struct ruleset **ret, char *err, size_t errlen);
/*
 * The same, where "@NAME" and "use NAME" take the list or macro of `final`
 * (may be NULL) when it has one: the lists and macros as every file left
 * them, so that a later file's "append=true" reaches the rules of earlier
 * files (rules_load parses again until they no longer change).
 */
int rules_parse_scoped(const char *buf, size_t len, const struct ruleset *prior,
		       const struct ruleset *final, struct ruleset **ret, char *err,
		       size_t errlen);
void rules_free(struct ruleset *rs);
/* Free what one rule holds (not the rule itself). */
void rule_free(struct rule *r);

/*
 * The rules in force: the built-in rules (when `defaults`), then the rules
 * file at `path` (NULL: none), then every "*.rules" file of the drop-in
 * directory `dir` (NULL: none) in name order, each layered on the ones
 * before it: a rule, list or macro of an earlier file's name replaces it
 * (a rule keeps its place), "append=true" adds to it, "disable <id>" and
 * "rule <id> enabled=false" leave a rule out. Returns 0 and writes *ret
 * (only enabled rules), or -EBADMSG with "FILE: line N, column M: reason"
 * in err (a parse error, an unknown id to disable or append to), -E2BIG
 * past RULES_MAX rules or a file past RULES_TEXT_MAX, -ENOMEM, or the
 * -errno of opening a file or the directory (err names it). Files are
 * opened without following a symlink in the directory and must be regular
 * files.
 */
int rules_load(const char *path, const char *dir, bool defaults, struct ruleset **ret, char *err,
	       size_t errlen);

/* Call fn for every rule that matches ev, in file order. Returns matches. */
typedef void (*rule_match_fn)(void *ud, const struct rule *r, const sensor_event *ev);
int rules_match(const struct ruleset *rs, const sensor_event *ev, rule_match_fn fn, void *ud);

/* The built-in default rules (rules/default.rules, embedded at build time). */
extern const char rules_default_text[];
extern const size_t rules_default_len;

#endif
