/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The threat rules parser's lexer: words and quoted strings of one line, errors with their column. */
#ifndef SENSOR_DETECT_RULES_LEX_H
#define SENSOR_DETECT_RULES_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"

struct lex {
	const char *p, *end;
	unsigned line;
	const char *line_start, *tok_start; /* for the column of an error */
	char *err;
	size_t errlen;
	struct ruleset *rs;          /* the file being parsed: its lists and macros */
	const struct ruleset *prior; /* the earlier files' (rules, lists, macros), or NULL */
	const struct ruleset *final; /* the lists and macros as all files left them, or NULL */
};

/* Write "line N, column M: <reason>" (the column of lx->tok_start) to lx->err. Returns -EBADMSG. */
int rules_lex_fail(struct lex *lx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The next word or quoted string of the line ending at line_end into tok
 * (cap bytes, NUL-terminated; *quoted says which). 1: a token, 0: the end
 * of the line (or a comment), -EBADMSG: a bad one (lx->err says why).
 */
int rules_lex_token(struct lex *lx, const char *line_end, char *tok, size_t cap, bool *quoted);

#endif
