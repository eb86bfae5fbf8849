/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Matching threat rules against events, through the public getters. */
#include <string.h>

#include "rules.h"

static bool str_match(const struct rule_cond *c, const char *s)
{
	size_t n = strlen(s);

	for (unsigned i = 0; i < c->nvals; i++)
		if (glob_match(&c->pats[i], s, n))
			return true;
	return false;
}

static bool cond_holds(const struct rule_cond *c, const sensor_event *ev)
{
	bool negate = c->op == ROP_NE || c->op == ROP_NGLOB;

	if (c->field == RULE_FIELD_ARGV) {
		const char *const *argv;
		int n = sensor_event_get_argv(ev, &argv);

		if (n < 0)
			return c->op == ROP_MISSING;
		if (c->op == ROP_EXISTS)
			return true;
		if (c->op == ROP_MISSING)
			return false;
		for (int i = 0; i < n; i++)
			if (str_match(c, argv[i]))
				return !negate;
		return negate;
	}
	if (c->is_int) {
		int64_t v;

		if (c->field <= RULE_FIELD_ARG0 && c->field >= RULE_FIELD_ARG5) {
			const uint64_t *args;
			int n = sensor_event_get_args(ev, &args), i = RULE_FIELD_ARG0 - c->field;

			if (n <= i)
				return c->op == ROP_MISSING;
			/* as the syscall's int: setuid(0) is 0, AT_FDCWD is -100 */
			v = (int64_t)(int32_t)args[i];
		} else if (sensor_event_get_int(ev, (enum sensor_field)c->field, &v) < 0) {
			return c->op == ROP_MISSING;
		}
		switch (c->op) {
		case ROP_EXISTS:
			return true;
		case ROP_MISSING:
			return false;
		case ROP_LT:
			return v < c->ivals[0];
		case ROP_GT:
			return v > c->ivals[0];
		default:
			for (unsigned i = 0; i < c->nvals; i++)
				if (v == c->ivals[i])
					return !negate;
			return negate;
		}
	}
	{
		const char *s = sensor_event_get_str(ev, (enum sensor_field)c->field);

		if (!s)
			return c->op == ROP_MISSING;
		if (c->op == ROP_EXISTS)
			return true;
		if (c->op == ROP_MISSING)
			return false;
		return str_match(c, s) != negate;
	}
}

int rules_match(const struct ruleset *rs, const sensor_event *ev, rule_match_fn fn, void *ud)
{
	enum sensor_kind k = sensor_event_kind(ev);
	int n = 0;

	if (!rs)
		return 0;
	for (unsigned i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->rules[i];
		unsigned j;

		if (r->disabled || (r->kind && r->kind != k))
			continue;
		for (j = 0; j < r->nconds; j++) {
			if (r->kind && r->conds[j].field == SENSOR_FIELD_KIND && r->conds[j].op == ROP_EQ)
				continue; /* "kind = K" is r->kind, checked above */
			if (!cond_holds(&r->conds[j], ev))
				break;
		}
		if (j == r->nconds) {
			unsigned e;

			/* an exception that holds silences the rule */
			for (e = 0; e < r->nexcepts; e++)
				if (cond_holds(&r->excepts[e], ev))
					break;
			if (e < r->nexcepts)
				continue;
			n++;
			if (fn)
				fn(ud, r, ev);
		}
	}
	return n;
}
