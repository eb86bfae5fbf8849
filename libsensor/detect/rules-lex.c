/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The threat rules parser's lexer (docs/rules.md): bounded, one line at a time. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "rules-lex.h"

int rules_lex_fail(struct lex *lx, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (lx->err && lx->errlen) {
		const char *at = lx->tok_start && lx->tok_start >= lx->line_start ? lx->tok_start
										  : lx->line_start;

		n = snprintf(lx->err, lx->errlen, "line %u, column %u: ", lx->line,
			     (unsigned)(at && lx->line_start ? at - lx->line_start : 0) + 1);
		if (n >= 0 && (size_t)n < lx->errlen) {
			va_start(ap, fmt);
			vsnprintf(lx->err + n, lx->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EBADMSG;
}

/* Next token of the current line into tok (NUL-terminated). 1 token, 0 end of line, <0 error. */
int rules_lex_token(struct lex *lx, const char *line_end, char *tok, size_t cap, bool *quoted)
{
	size_t n = 0;

	*quoted = false;
	while (lx->p < line_end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r'))
		lx->p++;
	lx->tok_start = lx->p;
	if (lx->p >= line_end || *lx->p == '#')
		return 0;
	if (*lx->p == '"') {
		*quoted = true;
		lx->p++;
		for (;;) {
			char c;

			if (lx->p >= line_end)
				return rules_lex_fail(lx, "unterminated string");
			c = *lx->p++;
			if (c == '"')
				break;
			if (c == '\\') {
				if (lx->p >= line_end)
					return rules_lex_fail(lx, "unterminated string");
				c = *lx->p++;
				if (c == 'n')
					c = '\n';
				else if (c == 't')
					c = '\t';
				else if (c != '\\' && c != '"')
					return rules_lex_fail(lx, "unknown escape \\%c", c);
			}
			if (c == '\0')
				return rules_lex_fail(lx, "NUL byte in string");
			if (n + 1 >= cap)
				return rules_lex_fail(lx, "value longer than %zu bytes", cap - 1);
			tok[n++] = c;
		}
		if (lx->p < line_end && *lx->p != ' ' && *lx->p != '\t' && *lx->p != '\r')
			return rules_lex_fail(lx, "text right after a closing quote");
	} else {
		while (lx->p < line_end && *lx->p != ' ' && *lx->p != '\t' && *lx->p != '\r') {
			if (*lx->p == '\0')
				return rules_lex_fail(lx, "NUL byte");
			if (*lx->p == '"')
				return rules_lex_fail(lx, "quote inside a bare word");
			if (n + 1 >= cap)
				return rules_lex_fail(lx, "word longer than %zu bytes", cap - 1);
			tok[n++] = *lx->p++;
		}
	}
	tok[n] = '\0';
	return 1;
}
