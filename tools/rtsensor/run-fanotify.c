/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor run --watch PATH / --deny-exec GLOB: options of the fanotify
 * source, and the static exec policy (a simple stand-in until policies are
 * derived from baselines). Uses only the public API.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "run-fanotify.h"

static int push(const char ***v, int *n, const char *s)
{
	const char **nv = realloc(*v, sizeof(**v) * (size_t)(*n + 2));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

int run_fanotify_watch(struct run_fanotify *rf, const char *path)
{
	if (path[0] != '/')
		return -EINVAL;
	return push(&rf->paths, &rf->npaths, path);
}

int run_fanotify_deny_exec(struct run_fanotify *rf, const char *glob)
{
	if (!glob[0])
		return -EINVAL;
	return push(&rf->globs, &rf->nglobs, glob);
}

/* Deny an exec whose path matches one of the globs; allow everything else. */
static enum sensor_decision deny_exec_policy(void *ud, const sensor_event *ev)
{
	const struct run_fanotify *rf = ud;
	const char *op = sensor_event_get_str(ev, SENSOR_FIELD_FILE_OP);
	const char *path = sensor_event_get_str(ev, SENSOR_FIELD_FILE_PATH);

	if (!op || strcmp(op, "exec") != 0)
		return SENSOR_DECISION_ALLOW;
	if (!path)
		return SENSOR_DECISION_NONE; /* unknown path: the configured default decides */
	for (int i = 0; i < rf->nglobs; i++)
		if (fnmatch(rf->globs[i], path, 0) == 0)
			return SENSOR_DECISION_DENY;
	return SENSOR_DECISION_ALLOW;
}

bool run_fanotify_wanted(const struct run_fanotify *rf)
{
	return rf->npaths > 0 || rf->nglobs > 0;
}

int run_fanotify_opts(struct run_fanotify *rf, const struct sensor_fanotify_opts **ret)
{
	*ret = NULL;
	if (!run_fanotify_wanted(rf))
		return 0;
	if (rf->nglobs > 0 && rf->npaths == 0)
		return -EDESTADDRREQ; /* permission marks only where asked: --watch first */
	memset(&rf->o, 0, sizeof(rf->o));
	rf->o.sz = sizeof(rf->o);
	rf->o.paths = rf->paths;
	if (rf->nglobs > 0) {
		rf->o.perm = SENSOR_FANOTIFY_PERM_EXEC;
		rf->o.policy = deny_exec_policy;
		rf->o.policy_userdata = rf;
	}
	*ret = &rf->o;
	return 0;
}

void run_fanotify_free(struct run_fanotify *rf)
{
	free(rf->paths);
	free(rf->globs);
	memset(rf, 0, sizeof(*rf));
}
