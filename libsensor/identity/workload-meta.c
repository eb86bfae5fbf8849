/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "overlay-layers.h"
#include "workload-meta.h"

/* Container IDs become path components: accept only what runtimes produce. */
static int safe_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 128 || id[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int put(char *out, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

int workload_meta_image_from_labels(const char *const *labels, size_t n, char *out, size_t cap)
{
	static const char *const keys[] = {
		"io.kubernetes.cri.image-name=",   /* containerd CRI */
		"io.kubernetes.cri-o.ImageName=",  /* CRI-O */
		"io.kubernetes.cri-o.Image=",
		"org.opencontainers.image.ref.name=",
	};

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t kl = strlen(keys[k]);

		for (size_t i = 0; i < n; i++)
			if (labels[i] && strncmp(labels[i], keys[k], kl) == 0 &&
			    put(out, cap, labels[i] + kl, strlen(labels[i] + kl)))
				return 1;
	}
	return 0;
}

/* json_load_file with a size bound: state files are small; refuse giants. */
static json_t *load_small(const char *path)
{
	json_error_t err;
	FILE *f = fopen(path, "re");
	json_t *j;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || size > (4l << 20)) {
		fclose(f);
		return NULL;
	}
	rewind(f);
	j = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	fclose(f);
	return j;
}

/* The first label of keys (in order) with a value that fits into out. */
static int label_pick(const char *const *labels, size_t n, const char *const *keys, size_t nkeys,
		      char *out, size_t cap)
{
	for (size_t k = 0; k < nkeys; k++) {
		size_t kl = strlen(keys[k]);

		for (size_t i = 0; i < n; i++)
			if (labels[i] && strncmp(labels[i], keys[k], kl) == 0 &&
			    put(out, cap, labels[i] + kl, strlen(labels[i] + kl)))
				return 1;
	}
	return 0;
}

void workload_meta_names_from_labels(const char *const *labels, size_t n, struct workload_meta *m)
{
	static const char *const pod[] = { "io.kubernetes.cri.sandbox-name=",
					   "io.kubernetes.pod.name=" };
	static const char *const ns[] = { "io.kubernetes.cri.sandbox-namespace=",
					  "io.kubernetes.pod.namespace=" };
	static const char *const ctr[] = { "io.kubernetes.cri.container-name=",
					   "io.kubernetes.container.name=" };

	if (!m->pod_name[0])
		label_pick(labels, n, pod, 2, m->pod_name, sizeof(m->pod_name));
	if (!m->namespace_[0])
		label_pick(labels, n, ns, 2, m->namespace_, sizeof(m->namespace_));
	if (!m->container_name[0])
		label_pick(labels, n, ctr, 2, m->container_name, sizeof(m->container_name));
}

int workload_meta_parse_state(const char *buf, size_t len, struct workload_meta *m)
{
	const char *labels[64];
	json_error_t err;
	json_t *st, *arr, *v, *rf;
	size_t i, n = 0;

	if (!buf || !m || len > (4u << 20))
		return -EINVAL;
	st = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(st)) {
		json_decref(st);
		return -EBADMSG;
	}
	arr = json_object_get(json_object_get(st, "config"), "labels");
	json_array_foreach(arr, i, v) {
		if (json_is_string(v) && n < 64)
			labels[n++] = json_string_value(v);
	}
	workload_meta_image_from_labels(labels, n, m->image, sizeof(m->image));
	workload_meta_names_from_labels(labels, n, m);
	/* where the container's / is on the host: file paths are mapped through it */
	rf = json_object_get(json_object_get(st, "config"), "rootfs");
	if (json_is_string(rf) && json_string_value(rf)[0] == '/')
		put(m->rootfs, sizeof(m->rootfs), json_string_value(rf), json_string_length(rf));
	/* docker bind-mounts /etc/hostname from its own dir of the container */
	arr = json_object_get(json_object_get(st, "config"), "mounts");
	json_array_foreach(arr, i, v) {
		json_t *dst = json_object_get(v, "destination"), *src = json_object_get(v, "source");
		const char *s, *slash;

		if (!json_is_string(dst) || !json_is_string(src) ||
		    strcmp(json_string_value(dst), "/etc/hostname") != 0)
			continue;
		s = json_string_value(src);
		slash = strrchr(s, '/');
		if (s[0] == '/' && slash && slash > s && !m->hostname_dir[0])
			put(m->hostname_dir, sizeof(m->hostname_dir), s, (size_t)(slash - s));
		break;
	}
	json_decref(st);
	return 0;
}

/* dir's last component is id: the dir is the runtime's own for this container. */
static int dir_of_id(const char *dir, const char *id)
{
	const char *slash = strrchr(dir, '/');

	return dir[0] == '/' && slash && strcmp(slash + 1, id) == 0;
}

/* runc/crun state.json: 1 when the state file was there and parsed. */
static int from_runc_state(const char *root, size_t rootlen, const char *id, struct workload_meta *m)
{
	char path[PATH_MAX];
	char *text;
	size_t n;
	long size;
	FILE *f;
	int r = -EINVAL;

	if (snprintf(path, sizeof(path), "%.*s/%s/state.json", (int)rootlen, root, id) >=
	    (int)sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* state files are small; refuse giants */
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || size > (4l << 20)) {
		fclose(f);
		return 0;
	}
	rewind(f);
	text = malloc((size_t)size + 1);
	if (text) {
		n = fread(text, 1, (size_t)size, f);
		r = workload_meta_parse_state(text, n, m);
		free(text);
	}
	fclose(f);
	return r == 0;
}

/* docker's config.v2.json: the image as the user named it, and the container's name. */
static int from_docker(const char *dir, const char *id, struct workload_meta *m)
{
	char path[PATH_MAX];
	json_t *cfg, *img, *name;
	int found = 0;

	if (snprintf(path, sizeof(path), "%s/%s/config.v2.json", dir, id) >= (int)sizeof(path))
		return 0;
	cfg = load_small(path);
	if (!cfg)
		return 0;
	img = json_object_get(json_object_get(cfg, "Config"), "Image");
	if (!m->image[0] && json_is_string(img))
		found |= put(m->image, sizeof(m->image), json_string_value(img), json_string_length(img));
	name = json_object_get(cfg, "Name"); /* "/name" */
	if (!m->container_name[0] && json_is_string(name)) {
		const char *s = json_string_value(name);
		size_t l = json_string_length(name);

		if (l && s[0] == '/') {
			s++;
			l--;
		}
		found |= put(m->container_name, sizeof(m->container_name), s, l);
	}
	json_decref(cfg);
	return found;
}

int workload_meta_read(const char *roots, const char *docker_dir, const char *id,
		       struct workload_meta *m)
{
	const char *p;

	if (!id || !m)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	if (!safe_id(id))
		return 0;
	p = roots ? roots : WORKLOAD_META_DEFAULT_ROOTS;
	while (*p) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n && from_runc_state(p, n, id, m))
			break;
		p += n + (e ? 1 : 0);
	}
	if (m->rootfs[0])
		overlay_layers_read(m->rootfs, m->layers, sizeof(m->layers));
	/*
	 * docker keeps the image and the name in its own file, not in the spec:
	 * in the dir /etc/hostname comes from (any --data-root), else in the
	 * given or default containers dir
	 */
	if ((!m->image[0] || !m->container_name[0]) && dir_of_id(m->hostname_dir, id)) {
		char parent[sizeof(m->hostname_dir)];

		snprintf(parent, sizeof(parent), "%.*s",
			 (int)(strrchr(m->hostname_dir, '/') - m->hostname_dir), m->hostname_dir);
		from_docker(parent[0] ? parent : "/", id, m);
	}
	if (!m->image[0] || !m->container_name[0])
		from_docker(docker_dir ? docker_dir : "/var/lib/docker/containers", id, m);
	return m->image[0] || m->pod_name[0] || m->namespace_[0] || m->container_name[0] ||
	       m->rootfs[0];
}

int workload_meta_image(const char *roots, const char *docker_dir, const char *id, char *out,
			size_t cap)
{
	struct workload_meta m;
	int r;

	if (!id || !out || cap == 0)
		return -EINVAL;
	out[0] = '\0';
	r = workload_meta_read(roots, docker_dir, id, &m);
	if (r <= 0)
		return r;
	return put(out, cap, m.image, strlen(m.image));
}
