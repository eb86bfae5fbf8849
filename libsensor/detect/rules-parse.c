/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parser of the threat rules format (docs/rules.md): bounded, line by line. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsensor/sensor-baseline.h>

#include "rules-lex.h"
#include "rules.h"
#include "util/parse.h"


static int severity_from_name(const char *s)
{
	for (int v = SENSOR_SEVERITY_INFO; v <= SENSOR_SEVERITY_CRITICAL; v++)
		if (strcmp(s, sensor_severity_name((enum sensor_severity)v)) == 0)
			return v;
	return -EINVAL;
}

static const struct {
	const char *name;
	enum rule_op op;
} ops[] = {
	{ "=", ROP_EQ },	   { "!=", ROP_NE },	 { "glob", ROP_GLOB },
	{ "!glob", ROP_NGLOB },	   { "prefix", ROP_PREFIX }, { "contains", ROP_CONTAINS },
	{ "<", ROP_LT },	   { ">", ROP_GT },	 { "exists", ROP_EXISTS },
	{ "missing", ROP_MISSING },
};

static void cond_free(struct rule_cond *c)
{
	for (unsigned i = 0; c->svals && i < c->nvals; i++)
		free(c->svals[i]);
	free(c->svals);
	free(c->pats);
	free(c->ivals);
	memset(c, 0, sizeof(*c));
}

/* A tag: MITRE ATT&CK IDs (T1611, T1059.004, TA0004) and plain words. */
static bool valid_tag(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= RULE_TAG_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* tags WORD... : once per rule, space-separated in r->tags */
static int parse_tags(struct lex *lx, const char *eol, struct rule *r, bool appending)
{
	char tok[RULE_VALUE_LEN], buf[RULE_TAGS_MAX * RULE_TAG_LEN];
	size_t used = 0;
	unsigned before = r->ntags;
	bool q;
	int t;

	if (r->tags && !appending)
		return rules_lex_fail(lx, "rule '%s' has 'tags' twice", r->id);
	if (r->tags) { /* append=true: the earlier rule's tags, then these */
		used = strlen(r->tags);
		memcpy(buf, r->tags, used + 1);
	}
	while ((t = rules_lex_token(lx, eol, tok, sizeof(tok), &q)) > 0) {
		size_t n = strlen(tok);

		if (q || !valid_tag(tok))
			return rules_lex_fail(lx, "bad tag '%s' (words of [A-Za-z0-9._-], at most %d bytes)", tok,
				    RULE_TAG_LEN - 1);
		if (r->ntags >= RULE_TAGS_MAX)
			return rules_lex_fail(lx, "more than %d tags", RULE_TAGS_MAX);
		if (used)
			buf[used++] = ' ';
		memcpy(buf + used, tok, n + 1);
		used += n;
		r->ntags++;
	}
	if (t < 0)
		return t;
	if (r->ntags == before)
		return rules_lex_fail(lx, "'tags' needs at least one tag");
	free(r->tags);
	r->tags = strdup(buf);
	return r->tags ? 0 : -ENOMEM;
}

void rule_free(struct rule *r)
{
	for (unsigned i = 0; i < r->nconds; i++)
		cond_free(&r->conds[i]);
	for (unsigned i = 0; i < r->nexcepts; i++)
		cond_free(&r->excepts[i]);
	free(r->desc);
	free(r->tags);
	memset(r, 0, sizeof(*r));
}

void rules_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (unsigned i = 0; i < rs->n; i++)
		rule_free(&rs->rules[i]);
	free(rs->rules);
	free(rs->disabled);
	for (unsigned i = 0; i < rs->nlists; i++) {
		for (unsigned k = 0; k < rs->lists[i].n; k++)
			free(rs->lists[i].vals[k]);
		free(rs->lists[i].vals);
	}
	free(rs->lists);
	for (unsigned i = 0; i < rs->nmacros; i++)
		rule_free(&rs->macros[i]);
	free(rs->macros);
	free(rs);
}

static bool valid_id(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* How a string value of c is matched: globs are classified, the rest are literals. */
static void compile_value(struct rule_cond *c, unsigned i)
{
	struct glob_pat *g = &c->pats[i];

	if (c->op == ROP_GLOB || c->op == ROP_NGLOB) {
		glob_compile(g, c->svals[i]);
		return;
	}
	g->pat = g->lit = c->svals[i];
	g->len = (uint32_t)strlen(c->svals[i]);
	g->how = c->op == ROP_PREFIX ? GLOB_PREFIX : c->op == ROP_CONTAINS ? GLOB_INFIX : GLOB_EXACT;
	glob_pick_key(g);
}

static const struct rule_list *list_in(const struct ruleset *rs, const char *name)
{
	for (unsigned i = 0; rs && i < rs->nlists; i++)
		if (strcmp(rs->lists[i].name, name) == 0)
			return &rs->lists[i];
	return NULL;
}

static const struct rule *macro_in(const struct ruleset *rs, const char *name)
{
	for (unsigned i = 0; rs && i < rs->nmacros; i++)
		if (strcmp(rs->macros[i].id, name) == 0)
			return &rs->macros[i];
	return NULL;
}

/* A list by name where "@NAME" is used: as all files leave it, else as defined so far. */
static const struct rule_list *find_list(const struct lex *lx, const char *name)
{
	const struct rule_list *l = list_in(lx->final, name);

	if (!l)
		l = list_in(lx->rs, name);
	return l ? l : list_in(lx->prior, name);
}

static const struct rule *find_macro(const struct lex *lx, const char *name)
{
	const struct rule *m = macro_in(lx->final, name);

	if (!m)
		m = macro_in(lx->rs, name);
	return m ? m : macro_in(lx->prior, name);
}

/* One value of condition c (a string, or an integer for an integer field). */
static int add_value(struct lex *lx, struct rule_cond *c, const char *v)
{
	if (c->nvals >= RULE_VALUES_MAX)
		return rules_lex_fail(lx, "more than %d values", RULE_VALUES_MAX);
	if (c->is_int) {
		if (parse_i64(v, strlen(v), &c->ivals[c->nvals]) < 0)
			return rules_lex_fail(lx, "'%s' is not an integer", v);
	} else {
		c->svals[c->nvals] = strdup(v);
		if (!c->svals[c->nvals])
			return -ENOMEM;
	}
	c->nvals++;
	return 0;
}

/* Parse "FIELD OP VALUE..." of the current line into c. */
static int parse_cond(struct lex *lx, const char *eol, const char *field, struct rule_cond *c,
		      struct rule *r)
{
	char tok[RULE_VALUE_LEN];
	bool q;
	int t, f, type;

	if (strcmp(field, "exec.argv") == 0) {
		f = RULE_FIELD_ARGV;
		type = SENSOR_FIELD_TYPE_STR;
	} else if (strncmp(field, "syscall.arg", 11) == 0 && field[11] >= '0' && field[11] <= '5' &&
		   !field[12]) {
		/* syscall.arg0..5: one register of a syscall event, as a signed int */
		f = RULE_FIELD_ARG0 - (field[11] - '0');
		type = SENSOR_FIELD_TYPE_INT;
	} else {
		f = sensor_field_from_name(field);
		if (f < 0)
			return rules_lex_fail(lx, "unknown field '%s'", field);
		type = sensor_field_type((enum sensor_field)f);
	}
	c->field = f;
	c->is_int = type == SENSOR_FIELD_TYPE_INT;
	t = rules_lex_token(lx, eol, tok, sizeof(tok), &q);
	if (t < 0)
		return t;
	if (t == 0)
		return rules_lex_fail(lx, "'%s' needs an operator", field);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!q && strcmp(tok, ops[i].name) == 0)
			c->op = (uint8_t)ops[i].op;
	if (!c->op)
		return rules_lex_fail(lx, "unknown operator '%s'", tok);
	if (c->is_int && c->op != ROP_EQ && c->op != ROP_NE && c->op != ROP_LT && c->op != ROP_GT &&
	    c->op != ROP_EXISTS && c->op != ROP_MISSING)
		return rules_lex_fail(lx, "operator '%s' needs a string field, '%s' is an integer", tok, field);
	if (!c->is_int && (c->op == ROP_LT || c->op == ROP_GT))
		return rules_lex_fail(lx, "operator '%s' needs an integer field", tok);
	c->svals = calloc(RULE_VALUES_MAX, sizeof(*c->svals));
	c->ivals = calloc(RULE_VALUES_MAX, sizeof(*c->ivals));
	if (!c->svals || !c->ivals)
		return -ENOMEM;
	while ((t = rules_lex_token(lx, eol, tok, sizeof(tok), &q)) > 0) {
		int r;

		if (!q && tok[0] == '@') {
			/* a list by name: its values here */
			const struct rule_list *l = find_list(lx, tok + 1);

			if (!l)
				return rules_lex_fail(lx, "unknown list '%s'", tok + 1);
			for (unsigned i = 0; i < l->n; i++)
				if ((r = add_value(lx, c, l->vals[i])) < 0)
					return r;
			continue;
		}
		if ((r = add_value(lx, c, tok)) < 0)
			return r;
	}
	if (t < 0)
		return t;
	if ((c->op == ROP_EXISTS || c->op == ROP_MISSING) && c->nvals)
		return rules_lex_fail(lx, "'%s' takes no value", c->op == ROP_EXISTS ? "exists" : "missing");
	if (c->op != ROP_EXISTS && c->op != ROP_MISSING && !c->nvals)
		return rules_lex_fail(lx, "condition on '%s' has no value", field);
	if ((c->op == ROP_LT || c->op == ROP_GT) && c->nvals != 1)
		return rules_lex_fail(lx, "'<' and '>' take one value");
	if (!c->is_int && c->nvals) {
		c->pats = calloc(c->nvals, sizeof(*c->pats));
		if (!c->pats)
			return -ENOMEM;
		for (unsigned i = 0; i < c->nvals; i++)
			compile_value(c, i);
	}
	if (f == SENSOR_FIELD_KIND && c->op == ROP_EQ && c->nvals == 1) {
		for (int k = 1; k < SENSOR__KIND_MAX; k++)
			if (strcmp(c->svals[0], sensor_kind_name((enum sensor_kind)k)) == 0)
				r->kind = (uint8_t)k;
		if (!r->kind)
			return rules_lex_fail(lx, "unknown kind '%s'", c->svals[0]);
	}
	return 0;
}

/* A deep copy of condition src (a macro's) into dst. 0 or -ENOMEM. */
static int cond_copy(struct rule_cond *dst, const struct rule_cond *src)
{
	*dst = *src;
	dst->svals = calloc(RULE_VALUES_MAX, sizeof(*dst->svals));
	dst->ivals = calloc(RULE_VALUES_MAX, sizeof(*dst->ivals));
	dst->pats = src->pats ? calloc(src->nvals ? src->nvals : 1, sizeof(*dst->pats)) : NULL;
	if (!dst->svals || !dst->ivals || (src->pats && !dst->pats)) {
		dst->nvals = 0;
		return -ENOMEM;
	}
	memcpy(dst->ivals, src->ivals, RULE_VALUES_MAX * sizeof(*dst->ivals));
	for (unsigned i = 0; i < src->nvals; i++) {
		if (src->svals[i] && !(dst->svals[i] = strdup(src->svals[i]))) {
			dst->nvals = (uint16_t)i;
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; dst->pats && i < src->nvals; i++)
		compile_value(dst, i);
	return 0;
}

/* "list NAME VALUE..." (values may name other lists with @). */
static int parse_list(struct lex *lx, const char *eol)
{
	char name[RULE_VALUE_LEN], tok[RULE_VALUE_LEN];
	struct rule_list *l, *nl;
	bool q;
	int t;

	const struct rule_list *base;
	bool append = false;

	t = rules_lex_token(lx, eol, name, sizeof(name), &q);
	if (t < 0)
		return t;
	if (t == 0 || q || !valid_id(name) || strlen(name) >= RULE_ID_MAX)
		return rules_lex_fail(lx, "'list' needs a name of [a-z0-9_-], at most %d bytes", RULE_ID_MAX - 1);
	if (list_in(lx->rs, name))
		return rules_lex_fail(lx, "duplicate list '%s'", name);
	base = list_in(lx->prior, name); /* an earlier file's: redefined or appended to */
	if (lx->rs->nlists >= RULE_LISTS_MAX)
		return rules_lex_fail(lx, "more than %d lists", RULE_LISTS_MAX);
	t = rules_lex_token(lx, eol, tok, sizeof(tok), &q);
	if (t < 0)
		return t;
	if (t > 0 && !q && strcmp(tok, "append=true") == 0) {
		if (!base)
			return rules_lex_fail(lx, "append=true: no list '%s' in an earlier file", name);
		append = true;
		t = rules_lex_token(lx, eol, tok, sizeof(tok), &q);
		if (t < 0)
			return t;
	}
	nl = realloc(lx->rs->lists, (lx->rs->nlists + 1) * sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	lx->rs->lists = nl;
	l = &nl[lx->rs->nlists];
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->vals = calloc(RULE_VALUES_MAX, sizeof(*l->vals));
	if (!l->vals)
		return -ENOMEM;
	lx->rs->nlists++; /* owned by rs from here: freed with it on failure */
	l->replaces = base != NULL;
	if (base)
		lx->rs->nchanged++;
	for (unsigned i = 0; append && i < base->n; i++)
		if (!(l->vals[l->n++] = strdup(base->vals[i])))
			return -ENOMEM;
	for (; t > 0; t = rules_lex_token(lx, eol, tok, sizeof(tok), &q)) {
		const struct rule_list *ref = !q && tok[0] == '@' && strcmp(tok + 1, name) != 0
						      ? find_list(lx, tok + 1)
						      : NULL;
		unsigned nadd = ref ? ref->n : 1;

		if (!q && tok[0] == '@' && !ref)
			return rules_lex_fail(lx, strcmp(tok + 1, name) == 0 ? "list '%s' refers to itself"
								  : "unknown list '%s'",
				    tok + 1);
		if (l->n + nadd > RULE_VALUES_MAX)
			return rules_lex_fail(lx, "more than %d values", RULE_VALUES_MAX);
		for (unsigned i = 0; i < nadd; i++)
			if (!(l->vals[l->n++] = strdup(ref ? ref->vals[i] : tok)))
				return -ENOMEM;
	}
	if (t < 0)
		return t;
	if (!l->n || (append && l->n == base->n))
		return rules_lex_fail(lx, "list '%s' has no value", name);
	return 0;
}

/* A deep copy of rule (or macro) src into dst, which is zeroed first. 0 or -ENOMEM. */
static int rule_copy(struct rule *dst, const struct rule *src)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->id, src->id, sizeof(dst->id));
	dst->severity = src->severity;
	dst->kind = src->kind;
	dst->disabled = src->disabled;
	dst->ntags = src->ntags;
	if ((src->desc && !(dst->desc = strdup(src->desc))) ||
	    (src->tags && !(dst->tags = strdup(src->tags))))
		return -ENOMEM;
	for (unsigned i = 0; i < src->nconds; i++)
		if (cond_copy(&dst->conds[dst->nconds++], &src->conds[i]) < 0)
			return -ENOMEM;
	for (unsigned i = 0; i < src->nexcepts; i++)
		if (cond_copy(&dst->excepts[dst->nexcepts++], &src->excepts[i]) < 0)
			return -ENOMEM;
	return 0;
}

static const struct rule *rule_in(const struct ruleset *rs, const char *id)
{
	for (unsigned i = 0; rs && i < rs->n; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return &rs->rules[i];
	return NULL;
}

/* Record "disable ID" / "rule ID enabled=...": applied by rules_load over all files. */
static int add_switch(struct lex *lx, const char *id, bool enable, bool stmt_rule)
{
	struct rule_disable *nd;

	if (lx->rs->ndisabled >= RULES_MAX)
		return rules_lex_fail(lx, "more than %d disabled rules", RULES_MAX);
	nd = realloc(lx->rs->disabled, (lx->rs->ndisabled + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	lx->rs->disabled = nd;
	nd += lx->rs->ndisabled++;
	memset(nd, 0, sizeof(*nd));
	snprintf(nd->id, RULE_ID_MAX, "%s", id);
	nd->line = lx->line;
	nd->column = (unsigned)(lx->tok_start - lx->line_start) + 1;
	nd->enable = enable;
	nd->stmt_rule = stmt_rule;
	return 0;
}

int rules_parse(const char *buf, size_t len, struct ruleset **ret, char *err, size_t errlen)
{
	return rules_parse_with(buf, len, NULL, ret, err, errlen);
}

int rules_parse_with(const char *buf, size_t len, const struct ruleset *prior,
		     struct ruleset **ret, char *err, size_t errlen)
{
	return rules_parse_scoped(buf, len, prior, NULL, ret, err, errlen);
}

int rules_parse_scoped(const char *buf, size_t len, const struct ruleset *prior,
		       const struct ruleset *final, struct ruleset **ret, char *err,
		       size_t errlen)
{
	struct lex lx = { .p = buf, .end = buf + len, .err = err, .errlen = errlen, .prior = prior,
			  .final = final };
	struct ruleset *rs;
	struct rule *cur = NULL;
	struct rule macro; /* a macro being built (cur points here) */
	bool in_macro = false;
	bool appending = false; /* the rule or macro being built is "append=true" */
	char tok[RULE_VALUE_LEN];
	int r = 0;
	bool q;

	if (!ret || (!buf && len))
		return -EINVAL;
	if (len > RULES_TEXT_MAX) {
		if (err && errlen)
			snprintf(err, errlen, "rules text larger than %u bytes", RULES_TEXT_MAX);
		return -E2BIG;
	}
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	lx.rs = rs;
	while (lx.p < lx.end) {
		const char *eol = memchr(lx.p, '\n', (size_t)(lx.end - lx.p));
		int t;

		if (!eol)
			eol = lx.end;
		lx.line++;
		lx.line_start = lx.p;
		lx.tok_start = NULL;
		t = rules_lex_token(&lx, eol, tok, sizeof(tok), &q);
		if (t < 0) {
			r = t;
			goto fail;
		}
		if (t == 0)
			goto next;
		if (q) {
			r = rules_lex_fail(&lx, "a line starts with a keyword or a field, not a string");
			goto fail;
		}
		if (strcmp(tok, "list") == 0 && !cur) {
			r = parse_list(&lx, eol);
			if (r < 0)
				goto fail;
		} else if (strcmp(tok, "macro") == 0 && !cur) {
			char id[RULE_VALUE_LEN];

			t = rules_lex_token(&lx, eol, id, sizeof(id), &q);
			if (t <= 0 || q || !valid_id(id) || strlen(id) >= RULE_ID_MAX) {
				r = t < 0 ? t : rules_lex_fail(&lx, "'macro' needs a name of [a-z0-9_-], at most %d bytes", RULE_ID_MAX - 1);
				goto fail;
			}
			const struct rule *base;
			bool append = false;

			if (macro_in(rs, id)) {
				r = rules_lex_fail(&lx, "duplicate macro '%s'", id);
				goto fail;
			}
			if (rs->nmacros >= RULE_MACROS_MAX) {
				r = rules_lex_fail(&lx, "more than %d macros", RULE_MACROS_MAX);
				goto fail;
			}
			base = macro_in(lx.prior, id); /* an earlier file's: redefined or appended to */
			t = rules_lex_token(&lx, eol, tok, sizeof(tok), &q);
			if (t > 0 && !q && strcmp(tok, "append=true") == 0) {
				if (!base) {
					r = rules_lex_fail(&lx, "append=true: no macro '%s' in an earlier file", id);
					goto fail;
				}
				append = true;
				t = rules_lex_token(&lx, eol, tok, sizeof(tok), &q);
			}
			if (t != 0) {
				r = t < 0 ? t : rules_lex_fail(&lx, "unexpected text after the macro's name");
				goto fail;
			}
			memset(&macro, 0, sizeof(macro));
			in_macro = true;
			if (append && (r = rule_copy(&macro, base)) < 0)
				goto fail;
			snprintf(macro.id, sizeof(macro.id), "%s", id);
			macro.replaces = base != NULL;
			appending = append;
			if (base)
				rs->nchanged++;
			cur = &macro;
		} else if (strcmp(tok, "rule") == 0) {
			char id[RULE_VALUE_LEN];
			const char *id_at;

			if (cur) {
				r = rules_lex_fail(&lx, "%s '%s' has no 'end'", in_macro ? "macro" : "rule", cur->id);
				goto fail;
			}
			if (rs->n >= RULES_MAX) {
				r = rules_lex_fail(&lx, "more than %d rules", RULES_MAX);
				goto fail;
			}
			t = rules_lex_token(&lx, eol, id, sizeof(id), &q);
			id_at = lx.tok_start;
			if (t <= 0 || !valid_id(id) || strlen(id) >= RULE_ID_MAX) {
				r = t < 0 ? t : rules_lex_fail(&lx, "'rule' needs an id of [a-z0-9_-], at most %d bytes", RULE_ID_MAX - 1);
				goto fail;
			}
			for (unsigned i = 0; i < rs->n; i++)
				if (strcmp(rs->rules[i].id, id) == 0) {
					r = rules_lex_fail(&lx, "duplicate rule id '%s'", id);
					goto fail;
				}
			/* severity=S [enabled=B] (a rule), append=true [enabled=B] (added to an
			 * earlier file's), enabled=B alone (switch one on or off, no body) */
			{
				int sev = -1, en = -1, app = 0;
				const char *sev_at = NULL, *app_at = NULL;

				while ((t = rules_lex_token(&lx, eol, tok, sizeof(tok), &q)) > 0) {
					int *slot = NULL, v = -1;

					if (q) {
						t = -1;
						break;
					}
					if (strncmp(tok, "severity=", 9) == 0) {
						sev_at = lx.tok_start;
						slot = &sev;
						v = severity_from_name(tok + 9);
					} else if (strncmp(tok, "enabled=", 8) == 0) {
						slot = &en;
						v = strcmp(tok + 8, "true") == 0    ? 1
						    : strcmp(tok + 8, "false") == 0 ? 0
										    : -1;
					} else if (strcmp(tok, "append=true") == 0) {
						app_at = lx.tok_start;
						slot = &app;
						v = 1;
					}
					if (slot == &sev && v < 0) {
						r = rules_lex_fail(&lx, "rule '%s' needs severity=info|low|medium|high|critical", id);
						goto fail;
					}
					if (!slot || v < 0 || (slot == &app ? app : *slot >= 0)) {
						r = rules_lex_fail(&lx, "rule '%s': '%s' is not severity=info|low|medium|"
							 "high|critical, enabled=true|false or append=true (once each)",
							 id, tok);
						goto fail;
					}
					*slot = v;
				}
				if (t < 0) {
					r = t == -1 ? rules_lex_fail(&lx, "rule '%s': a quoted string in its header", id) : t;
					goto fail;
				}
				if (sev < 0 && !app && en < 0) {
					r = rules_lex_fail(&lx, "rule '%s' needs severity=info|low|medium|high|critical", id);
					goto fail;
				}
				if (sev >= 0 && app) {
					lx.tok_start = sev_at;
					r = rules_lex_fail(&lx, "rule '%s': append=true adds to an earlier rule, which keeps its severity", id);
					goto fail;
				}
				if (sev < 0 && !app) {
					/* "rule ID enabled=false": no body, no end */
					lx.tok_start = id_at;
					r = add_switch(&lx, id, en == 1, true);
					if (r < 0)
						goto fail;
					goto next;
				}
				if (!rs->n || (rs->n & (rs->n - 1)) == 0) {
					unsigned cap = rs->n ? rs->n * 2 : 8;
					struct rule *nr = realloc(rs->rules, cap * sizeof(*nr));

					if (!nr) {
						r = -ENOMEM;
						goto fail;
					}
					rs->rules = nr;
				}
				cur = &rs->rules[rs->n++];
				memset(cur, 0, sizeof(*cur));
				if (app) {
					const struct rule *base = rule_in(lx.prior, id);

					if (!base) {
						lx.tok_start = app_at;
						r = rules_lex_fail(&lx, "append=true: no rule '%s' in an earlier file", id);
						goto fail;
					}
					if ((r = rule_copy(cur, base)) < 0)
						goto fail;
				} else {
					snprintf(cur->id, sizeof(cur->id), "%s", id);
					cur->severity = sev;
				}
				cur->replaces = app || rule_in(lx.prior, id) != NULL;
				if (en >= 0)
					cur->disabled = en == 0;
				appending = app;
			}
		} else if (strcmp(tok, "disable") == 0 && !cur) {
			char id[RULE_VALUE_LEN];
			unsigned before = rs->ndisabled;

			while ((t = rules_lex_token(&lx, eol, id, sizeof(id), &q)) > 0) {
				if (q || !valid_id(id) || strlen(id) >= RULE_ID_MAX) {
					r = rules_lex_fail(&lx, "'disable' takes rule ids of [a-z0-9_-], at most %d bytes",
						 RULE_ID_MAX - 1);
					goto fail;
				}
				r = add_switch(&lx, id, false, false);
				if (r < 0)
					goto fail;
			}
			if (t < 0) {
				r = t;
				goto fail;
			}
			if (rs->ndisabled == before) {
				r = rules_lex_fail(&lx, "'disable' needs at least one rule id");
				goto fail;
			}
		} else if (strcmp(tok, "end") == 0) {
			if (!cur) {
				r = rules_lex_fail(&lx, "'end' without 'rule'");
				goto fail;
			}
			if (!cur->nconds) {
				r = rules_lex_fail(&lx, "%s '%s' has no condition", in_macro ? "macro" : "rule", cur->id);
				goto fail;
			}
			if (in_macro) {
				struct rule *nm = realloc(rs->macros, (rs->nmacros + 1) * sizeof(*nm));

				if (!nm) {
					r = -ENOMEM;
					goto fail;
				}
				rs->macros = nm;
				nm[rs->nmacros++] = macro;
				memset(&macro, 0, sizeof(macro));
				in_macro = false;
				appending = false;
				cur = NULL;
				goto next;
			}
			if (!cur->desc) {
				r = rules_lex_fail(&lx, "rule '%s' has no desc", cur->id);
				goto fail;
			}
			appending = false;
			cur = NULL;
		} else if (!cur) {
			r = rules_lex_fail(&lx, "'%s' outside a rule", tok);
			goto fail;
		} else if (strcmp(tok, "use") == 0) {
			/* a macro by name: its conditions join this rule's (or macro's) */
			const struct rule *m;

			t = rules_lex_token(&lx, eol, tok, sizeof(tok), &q);
			if (t < 0) {
				r = t;
				goto fail;
			}
			m = t > 0 && !q && !(in_macro && strcmp(tok, macro.id) == 0) ? find_macro(&lx, tok)
										       : NULL;
			if (!m) {
				r = t == 0 ? rules_lex_fail(&lx, "'use' needs a macro's name")
					   : rules_lex_fail(&lx, "unknown macro '%s'", tok);
				goto fail;
			}
			if (cur->nconds + m->nconds > RULE_CONDS_MAX) {
				r = rules_lex_fail(&lx, "more than %d conditions (with macro '%s')", RULE_CONDS_MAX, m->id);
				goto fail;
			}
			for (unsigned i = 0; i < m->nconds; i++) {
				r = cond_copy(&cur->conds[cur->nconds++], &m->conds[i]);
				if (r < 0)
					goto fail;
			}
			if (m->kind && cur->kind && m->kind != cur->kind) {
				r = rules_lex_fail(&lx, "macro '%s' is about another kind", m->id);
				goto fail;
			}
			if (m->kind)
				cur->kind = m->kind;
			if (rules_lex_token(&lx, eol, tok, sizeof(tok), &q) != 0) {
				r = rules_lex_fail(&lx, "'use' takes one macro");
				goto fail;
			}
		} else if (strcmp(tok, "except") == 0) {
			/* a condition that, when it holds, silences the rule */
			struct rule scratch;

			if (in_macro) {
				r = rules_lex_fail(&lx, "'except' belongs in a rule, not a macro");
				goto fail;
			}
			if (cur->nexcepts >= RULE_EXCEPTS_MAX) {
				r = rules_lex_fail(&lx, "more than %d exceptions", RULE_EXCEPTS_MAX);
				goto fail;
			}
			t = rules_lex_token(&lx, eol, tok, sizeof(tok), &q);
			if (t <= 0 || q) {
				r = t < 0 ? t : rules_lex_fail(&lx, "'except' needs a field, an operator and values");
				goto fail;
			}
			memset(&scratch, 0, sizeof(scratch));
			r = parse_cond(&lx, eol, tok, &cur->excepts[cur->nexcepts++], &scratch);
			if (r < 0)
				goto fail;
		} else if (strcmp(tok, "desc") == 0 && in_macro) {
			r = rules_lex_fail(&lx, "a macro has no desc");
			goto fail;
		} else if (strcmp(tok, "desc") == 0) {
			t = rules_lex_token(&lx, eol, tok, sizeof(tok), &q);
			if (t <= 0 || !q || cur->desc) {
				r = t < 0 ? t : rules_lex_fail(&lx, "'desc' needs one quoted string, once");
				goto fail;
			}
			cur->desc = strdup(tok);
			if (!cur->desc) {
				r = -ENOMEM;
				goto fail;
			}
			if (rules_lex_token(&lx, eol, tok, sizeof(tok), &q) != 0) {
				r = rules_lex_fail(&lx, "unexpected text after desc");
				goto fail;
			}
		} else if (strcmp(tok, "tags") == 0) {
			r = parse_tags(&lx, eol, cur, appending);
			if (r < 0)
				goto fail;
		} else {
			if (cur->nconds >= RULE_CONDS_MAX) {
				r = rules_lex_fail(&lx, "more than %d conditions", RULE_CONDS_MAX);
				goto fail;
			}
			r = parse_cond(&lx, eol, tok, &cur->conds[cur->nconds++], cur);
			if (r < 0)
				goto fail;
		}
next:
		lx.p = eol < lx.end ? eol + 1 : lx.end;
	}
	if (cur) {
		r = rules_lex_fail(&lx, "%s '%s' has no 'end'", in_macro ? "macro" : "rule", cur->id);
		goto fail;
	}
	*ret = rs;
	return 0;
fail:
	if (in_macro)
		rule_free(&macro);
	rules_free(rs);
	return r;
}
