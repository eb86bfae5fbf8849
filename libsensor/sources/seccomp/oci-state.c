/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parser of the OCI seccomp agent message (see oci-state.h), with jansson. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "oci-state.h"

#define OCI_STR_MAX 4096 /* status, bundle, metadata, version */

void oci_state_clear(struct oci_state *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->metadata);
	free(s->id);
	free(s->status);
	free(s->bundle);
	free(s->annotations);
	free(s->klass);
	free(s->pod);
	memset(s, 0, sizeof(*s));
	s->seccomp_fd_index = -1;
}

/* Copy an optional string member; -EINVAL when present but not a string. */
static int get_str(json_t *obj, const char *key, size_t max, char **ret)
{
	json_t *v = json_object_get(obj, key);
	size_t n;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	n = json_string_length(v);
	if (n > max)
		return -E2BIG;
	*ret = strndup(json_string_value(v), n);
	return *ret ? 0 : -ENOMEM;
}

/* Optional non-negative integer member that fits a pid. */
static int get_pid(json_t *obj, const char *key, int64_t *ret)
{
	json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return -EINVAL;
	i = json_integer_value(v);
	if (i < 0 || i > INT32_MAX)
		return -EINVAL;
	*ret = (int64_t)i;
	return 0;
}

static bool id_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* The first of these annotations that is a string names the class (image) or pod. */
static const char *const class_keys[] = {
	"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName",
	"org.opencontainers.image.ref.name", "org.opencontainers.image.title", NULL,
};
static const char *const pod_keys[] = {
	"io.kubernetes.pod.uid", "io.kubernetes.cri.sandbox-uid", NULL,
};

static int pick_annotation(json_t *ann, const char *const *keys, char **ret)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(ann, *keys);

		if (json_is_string(v) && json_string_length(v) > 0 &&
		    json_string_length(v) <= OCI_STR_MAX)
			return get_str(ann, *keys, OCI_STR_MAX, ret);
	}
	return 0;
}

static int parse_annotations(json_t *state, struct oci_state *out)
{
	json_t *ann = json_object_get(state, "annotations");
	const char *k;
	json_t *v;
	int r;

	if (!ann || json_is_null(ann)) {
		out->annotations = strdup("{}");
		return out->annotations ? 0 : -ENOMEM;
	}
	if (!json_is_object(ann))
		return -EINVAL;
	json_object_foreach(ann, k, v)
		if (!json_is_string(v))
			return -EINVAL; /* runtime-spec: map[string]string */
	out->annotations = json_dumps(ann, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (!out->annotations)
		return -ENOMEM;
	if (strlen(out->annotations) > OCI_STATE_MAX_LEN)
		return -E2BIG;
	r = pick_annotation(ann, class_keys, &out->klass);
	if (r == 0)
		r = pick_annotation(ann, pod_keys, &out->pod);
	return r;
}

static int parse_fds(json_t *root, struct oci_state *out)
{
	json_t *fds = json_object_get(root, "fds"), *v;
	size_t i;

	out->seccomp_fd_index = -1;
	if (!fds || json_is_null(fds))
		return 0;
	if (!json_is_array(fds) || json_array_size(fds) > OCI_MAX_FDS)
		return json_is_array(fds) ? -E2BIG : -EINVAL;
	json_array_foreach(fds, i, v) {
		if (!json_is_string(v))
			return -EINVAL;
		if (out->seccomp_fd_index < 0 && strcmp(json_string_value(v), "seccompFd") == 0)
			out->seccomp_fd_index = (int)i;
	}
	out->nfds = (unsigned)json_array_size(fds);
	return 0;
}

int oci_state_parse(const char *buf, size_t len, struct oci_state *out)
{
	json_error_t jerr;
	json_t *root, *state;
	int r;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->seccomp_fd_index = -1;
	if (!buf)
		return -EINVAL;
	if (len > OCI_STATE_MAX_LEN)
		return -E2BIG;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return json_error_code(&jerr) == json_error_premature_end_of_input ? -EAGAIN : -EINVAL;
	r = -EINVAL;
	if (!json_is_object(root))
		goto out;
	state = json_object_get(root, "state");
	if (!json_is_object(state))
		goto out;
	if ((r = get_str(root, "ociVersion", OCI_STR_MAX, &out->oci_version)) < 0 ||
	    (r = parse_fds(root, out)) < 0 || (r = get_pid(root, "pid", &out->pid)) < 0 ||
	    (r = get_str(root, "metadata", OCI_STR_MAX, &out->metadata)) < 0 ||
	    (r = get_str(state, "id", OCI_ID_MAX, &out->id)) < 0 ||
	    (r = get_str(state, "status", OCI_STR_MAX, &out->status)) < 0 ||
	    (r = get_pid(state, "pid", &out->state_pid)) < 0 ||
	    (r = get_str(state, "bundle", OCI_STR_MAX, &out->bundle)) < 0 ||
	    (r = parse_annotations(state, out)) < 0)
		goto out;
	r = out->id && id_ok(out->id) ? 0 : -EINVAL;
out:
	json_decref(root);
	if (r < 0)
		oci_state_clear(out);
	return r;
}
