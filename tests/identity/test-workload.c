/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Workload identity from /proc/<pid>/cgroup: the shapes runtimes produce in the field. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity/workload.h"
#include "testlib.h"

#define CID "4ce4c5b9c8d1a1e9d3b1c0f2a7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3"

struct row {
	const char *name;
	const char *cgroup; /* whole /proc/<pid>/cgroup text */
	const char *kind, *id, *runtime, *pod, *qos, *klass;
};

static const struct row rows[] = {
	{ "v2 host root", "0::/\n", "host", "host", "", "", "", "host" },
	{ "v2 init.scope", "0::/init.scope\n", "host", "host", "", "", "", "host" },
	{ "v2 docker systemd driver", "0::/system.slice/docker-" CID ".scope\n",
	  "container", CID, "docker", "", "", "" },
	{ "v2 docker cgroupfs driver", "0::/docker/" CID "\n", "container", CID, "docker", "", "", "" },
	{ "v1 docker cgroupfs", "12:memory:/docker/" CID "\n11:cpu,cpuacct:/docker/" CID
			      "\n1:name=systemd:/docker/" CID "\n",
	  "container", CID, "docker", "", "", "" },
	{ "containerd CRI systemd driver (burstable)",
	  "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod8dd2b6c0_1f3d_4f1e_9a8b_0c1d2e3f4a5b.slice/cri-containerd-" CID ".scope\n",
	  "container", CID, "containerd", "8dd2b6c0-1f3d-4f1e-9a8b-0c1d2e3f4a5b", "burstable", "" },
	{ "CRI-O systemd driver (besteffort)",
	  "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_0000_1111_2222_333344445555.slice/crio-" CID ".scope\n",
	  "container", CID, "cri-o", "1a2b3c4d-0000-1111-2222-333344445555", "besteffort", "" },
	{ "kubepods guaranteed cgroupfs",
	  "0::/kubepods/pod1a2b3c4d-0000-1111-2222-333344445555/" CID "\n", "container", CID, "cri",
	  "1a2b3c4d-0000-1111-2222-333344445555", "guaranteed", "" },
	{ "kubepods besteffort cgroupfs v1 hybrid",
	  "9:name=systemd:/kubepods/besteffort/pod1a2b3c4d-0000-1111-2222-333344445555/" CID
	  "\n4:memory:/kubepods/besteffort/pod1a2b3c4d-0000-1111-2222-333344445555/" CID "\n0::/\n",
	  "container", CID, "cri", "1a2b3c4d-0000-1111-2222-333344445555", "besteffort", "" },
	{ "CRI-O cgroupfs driver (besteffort)",
	  "0::/kubepods/besteffort/pod1a2b3c4d-0000-1111-2222-333344445555/crio-" CID "\n",
	  "container", CID, "cri-o", "1a2b3c4d-0000-1111-2222-333344445555", "besteffort", "" },
	{ "CRI-O cgroupfs conmon is not the container",
	  "0::/kubepods/besteffort/pod1a2b3c4d-0000-1111-2222-333344445555/crio-conmon-" CID "\n",
	  "pod", "1a2b3c4d-0000-1111-2222-333344445555", "", "1a2b3c4d-0000-1111-2222-333344445555",
	  "besteffort", "" },
	{ "kubepods pod-level process",
	  "0::/kubepods.slice/kubepods-pod1a2b3c4d_0000_1111_2222_333344445555.slice\n", "pod",
	  "1a2b3c4d-0000-1111-2222-333344445555", "", "1a2b3c4d-0000-1111-2222-333344445555",
	  "guaranteed", "" },
	{ "CRI-O conmon is not the container",
	  "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b3c4d_0000_1111_2222_333344445555.slice/crio-conmon-" CID ".scope\n",
	  "pod", "1a2b3c4d-0000-1111-2222-333344445555", "", "1a2b3c4d-0000-1111-2222-333344445555",
	  "besteffort", "" },
	{ "podman rootful systemd", "0::/machine.slice/libpod-" CID ".scope\n", "container", CID,
	  "podman", "", "", "" },
	{ "podman rootless", "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" CID ".scope/container\n",
	  "container", CID, "podman", "", "", "" },
	{ "podman cgroupfs", "0::/libpod_parent/libpod-" CID "\n", "container", CID, "podman", "", "", "" },
	{ "containerd ctr namespace", "0::/default/" CID "\n", "container", CID, "containerd", "", "", "" },
	{ "docker with containerd moby ns", "0::/moby/" CID "\n", "container", CID, "containerd", "", "", "" },
	{ "runc systemd cgroupsPath", "0::/system.slice/runc-mybox.scope\n", "container", "mybox",
	  "runc", "", "", "" },
	{ "crun systemd", "0::/machine.slice/crun-web1.scope\n", "container", "web1", "crun", "", "", "" },
	{ "systemd service", "0::/system.slice/nginx.service\n", "unit", "nginx.service", "systemd",
	  "", "", "nginx.service" },
	{ "systemd template instance", "0::/system.slice/system-getty.slice/getty@tty1.service\n",
	  "unit", "getty@tty1.service", "systemd", "", "", "getty@.service" },
	{ "login session", "0::/user.slice/user-1000.slice/session-3.scope\n", "session",
	  "session-3.scope", "systemd", "", "", "session.scope" },
	{ "user service", "0::/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service\n",
	  "unit", "foo.service", "systemd", "", "", "foo.service" },
	{ "hybrid host: sandbox in one v1 controller only",
	  "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/da1c457975fb1b7a3ba2d939c728d9a8\n0::/\n",
	  "host", "host", "", "", "", "host" },
	{ "pure v1 without systemd", "3:cpu,cpuacct:/docker/" CID "\n2:memory:/docker/" CID "\n",
	  "container", CID, "docker", "", "", "" },
	{ "unknown path is said as such", "0::/mycontainers/box-1\n", "cgroup", "/mycontainers/box-1",
	  "", "", "", "" },
	{ "slice only", "0::/system.slice\n", "host", "host", "", "", "", "host" },
	{ "garbage lines skipped", "no colons here\n::\n0::/docker/" CID "\n", "container", CID,
	  "docker", "", "", "" },
	{ "empty", "", "host", "host", "", "", "", "host" },
	{ "short hex is no container id", "0::/docker/abcdef\n", "cgroup", "/docker/abcdef", "", "", "", "" },
};

Test(workload, table)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct workload_desc d;

		cr_assert_eq(workload_parse_cgroup(r->cgroup, strlen(r->cgroup), &d), 0, "%s", r->name);
		cr_expect_str_eq(d.kind, r->kind, "%s: kind", r->name);
		cr_expect_str_eq(d.id, r->id, "%s: id", r->name);
		cr_expect_str_eq(d.runtime, r->runtime, "%s: runtime", r->name);
		cr_expect_str_eq(d.pod, r->pod, "%s: pod", r->name);
		cr_expect_str_eq(d.qos, r->qos, "%s: qos", r->name);
		cr_expect_str_eq(d.klass, r->klass, "%s: class", r->name);
	}
}

Test(workload, no_nul_needed_and_bounded)
{
	char buf[8192];
	struct workload_desc d;

	/* a path longer than every buffer, no NUL terminator after len */
	memcpy(buf, "0::/", 4);
	memset(buf + 4, 'a', sizeof(buf) - 4);
	cr_assert_eq(workload_parse_cgroup(buf, sizeof(buf), &d), 0);
	cr_assert_str_eq(d.kind, "cgroup");
	cr_assert_lt(strlen(d.id), sizeof(d.id));
	cr_assert_eq(workload_parse_cgroup(NULL, 0, &d), -EINVAL);
}

Test(workload, intern_shares_instances)
{
	struct workload_table *t;
	struct workload_desc a, b;
	struct workload *w1, *w2, *w3;

	cr_assert_eq(workload_table_new(2, "/nonexistent", &t), 0);
	workload_parse_cgroup("0::/docker/" CID "\n", strlen("0::/docker/" CID "\n"), &a);
	workload_parse_cgroup("0::/system.slice/cron.service\n", strlen("0::/system.slice/cron.service\n"), &b);
	w1 = workload_intern(t, &a);
	w2 = workload_intern(t, &a);
	w3 = workload_intern(t, &b);
	cr_assert_eq(w1, w2, "one object per instance");
	cr_assert_neq(w1, w3);
	cr_assert_str_eq(workload_field(w1, SENSOR_FIELD_WORKLOAD_ID), CID);
	cr_assert_null(workload_field(w1, SENSOR_FIELD_WORKLOAD_POD));
	cr_assert_null(workload_field(w1, SENSOR_FIELD_WORKLOAD_CLASS));
	workload_learn_class(w1, "/usr/sbin/nginx");
	workload_learn_class(w1, "/bin/sh"); /* once only */
	cr_assert_str_eq(workload_field(w1, SENSOR_FIELD_WORKLOAD_CLASS), "exe:/usr/sbin/nginx");
	cr_assert_str_eq(workload_field(w3, SENSOR_FIELD_WORKLOAD_CLASS), "cron.service");
	cr_assert_eq(workload_table_count(t), 2);
	workload_unref(w1);
	workload_unref(w2);
	workload_unref(w3);
	workload_table_free(t);
}

#include "identity/workload-meta.h"

Test(workload, image_from_annotations)
{
	const char *cri[] = { "bundle=/x", "io.kubernetes.cri.image-name=docker.io/library/nginx:1.25" };
	const char *crio[] = { "io.kubernetes.cri-o.ImageName=quay.io/app@sha256:abcd", "bundle=/y" };
	const char *none[] = { "bundle=/z", "io.kubernetes.cri.image-name=" };
	char out[64], tiny[8];

	cr_assert_eq(workload_meta_image_from_labels(cri, 2, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "docker.io/library/nginx:1.25");
	cr_assert_eq(workload_meta_image_from_labels(crio, 2, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "quay.io/app@sha256:abcd");
	cr_assert_eq(workload_meta_image_from_labels(none, 2, out, sizeof(out)), 0);
	cr_assert_eq(workload_meta_image_from_labels(cri, 2, tiny, sizeof(tiny)), 0, "too long: not cut");
	/* IDs are path components: traversal is refused before any file is opened */
	cr_assert_eq(workload_meta_image("/run", "/var/lib/docker/containers", "../../etc", out, sizeof(out)), 0);
	cr_assert_eq(workload_meta_image(NULL, NULL, NULL, out, sizeof(out)), -EINVAL);
}

Test(workload, image_from_a_runc_state_file)
{
	char root[] = "/tmp/wl-meta-XXXXXX", path[256];
	struct workload_table *t;
	struct workload_desc d;
	struct workload *w;
	FILE *f;

	cr_assert_not_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/" CID, root);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/" CID "/state.json", root);
	f = fopen(path, "w");
	fputs("{\"id\":\"" CID "\",\"config\":{\"rootfs\":\"/b/rootfs\",\"labels\":[\"io.kubernetes.cri.image-name=registry.local/shop/web:7\",\"bundle=/b\","
	      "\"io.kubernetes.pod.name=web-0\",\"io.kubernetes.pod.namespace=shop\","
	      "\"io.kubernetes.container.name=web\"]}}", f);
	fclose(f);
	cr_assert_eq(workload_table_new(8, root, &t), 0);
	workload_parse_cgroup("0::/docker/" CID "\n", strlen("0::/docker/" CID "\n"), &d);
	w = workload_intern(t, &d);
	cr_assert_str_eq(workload_field(w, SENSOR_FIELD_WORKLOAD_CLASS), "image:registry.local/shop/web:7");
	cr_assert_str_eq(w->rootfs, "/b/rootfs", "file paths are mapped through the runtime's rootfs");
	cr_assert_str_eq(workload_field(w, SENSOR_FIELD_WORKLOAD_IMAGE), "registry.local/shop/web:7");
	cr_assert_str_eq(workload_field(w, SENSOR_FIELD_WORKLOAD_POD_NAME), "web-0",
			 "CRI-O's kubelet labels name the pod");
	cr_assert_str_eq(workload_field(w, SENSOR_FIELD_WORKLOAD_NAMESPACE), "shop");
	cr_assert_str_eq(workload_field(w, SENSOR_FIELD_WORKLOAD_CONTAINER_NAME), "web");
	workload_learn_class(w, "/bin/sh");
	cr_assert_str_eq(workload_field(w, SENSOR_FIELD_WORKLOAD_CLASS), "image:registry.local/shop/web:7",
			 "the image wins over the first exe");
	workload_unref(w);
	workload_table_free(t);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" CID, root);
	rmdir(path);
	rmdir(root);
}

Test(workload, kubernetes_names_from_annotations)
{
	const char *cri[] = { "io.kubernetes.cri.sandbox-name=api-5f6c-9xk2",
			      "io.kubernetes.pod.name=ignored-when-cri-names-it",
			      "io.kubernetes.cri.sandbox-namespace=payments",
			      "io.kubernetes.cri.container-name=api" };
	const char *crio[] = { "io.kubernetes.pod.name=db-0", "io.kubernetes.pod.namespace=data",
			       "io.kubernetes.container.name=postgres" };
	char big[400];
	const char *huge[] = { big };
	struct workload_meta m;

	memset(&m, 0, sizeof(m));
	workload_meta_names_from_labels(cri, 4, &m);
	cr_assert_str_eq(m.pod_name, "api-5f6c-9xk2", "containerd's CRI key first");
	cr_assert_str_eq(m.namespace_, "payments");
	cr_assert_str_eq(m.container_name, "api");
	memset(&m, 0, sizeof(m));
	workload_meta_names_from_labels(crio, 3, &m);
	cr_assert_str_eq(m.pod_name, "db-0");
	cr_assert_str_eq(m.namespace_, "data");
	cr_assert_str_eq(m.container_name, "postgres");
	/* a value that does not fit is left out, never cut */
	snprintf(big, sizeof(big), "io.kubernetes.pod.namespace=%0300d", 7);
	memset(&m, 0, sizeof(m));
	workload_meta_names_from_labels(huge, 1, &m);
	cr_assert_str_eq(m.namespace_, "");
}

Test(workload, docker_image_and_name)
{
	char dir[] = "/tmp/wl-docker-XXXXXX", path[256];
	struct workload_meta m;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/" CID, dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/" CID "/config.v2.json", dir);
	f = fopen(path, "w");
	fputs("{\"ID\":\"" CID "\",\"Name\":\"/shop-web-1\",\"Config\":{\"Image\":\"nginx:1.25\"}}", f);
	fclose(f);
	cr_assert_eq(workload_meta_read("/nonexistent", dir, CID, &m), 1);
	cr_assert_str_eq(m.image, "nginx:1.25");
	cr_assert_str_eq(m.container_name, "shop-web-1", "docker's name without its slash");
	cr_assert_str_eq(m.pod_name, "");
	unlink(path);
	snprintf(path, sizeof(path), "%s/" CID, dir);
	rmdir(path);
	rmdir(dir);
}

/*
 * docker with --data-root elsewhere: its config.v2.json is found in the dir
 * the spec's /etc/hostname is bind-mounted from (as dockerd writes the
 * runc state), not in /var/lib/docker; a hostname dir that is not the
 * container's own (last component another ID) is not read.
 */
Test(workload, docker_config_found_through_the_hostname_mount)
{
	char dir[] = "/tmp/wl-dockroot-XXXXXX", path[512], state[1024];
	struct workload_meta m;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/" CID, dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/" CID "/state.json", dir);
	f = fopen(path, "w");
	fprintf(f, "{\"config\":{\"rootfs\":\"/d/overlay2/x/merged\",\"mounts\":["
		"{\"source\":\"proc\",\"destination\":\"/proc\"},"
		"{\"source\":\"%s/containers/" CID "/hostname\",\"destination\":\"/etc/hostname\"}]}}",
		dir);
	fclose(f);
	snprintf(path, sizeof(path), "%s/containers", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/containers/" CID, dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/containers/" CID "/config.v2.json", dir);
	f = fopen(path, "w");
	fputs("{\"Name\":\"/shop\",\"Config\":{\"Image\":\"rtsensor-test/shop:1.0\"}}", f);
	fclose(f);
	cr_assert_eq(workload_meta_read(dir, "/nonexistent", CID, &m), 1);
	snprintf(state, sizeof(state), "%s/containers/" CID, dir);
	cr_assert_str_eq(m.hostname_dir, state);
	cr_assert_str_eq(m.image, "rtsensor-test/shop:1.0");
	cr_assert_str_eq(m.container_name, "shop");
	/* the same state with another container's dir: not this container's config */
	memset(&m, 0, sizeof(m));
	snprintf(state, sizeof(state), "{\"config\":{\"mounts\":[{\"source\":"
		 "\"%s/containers/other/hostname\",\"destination\":\"/etc/hostname\"}]}}", dir);
	cr_assert_eq(workload_meta_parse_state(state, strlen(state), &m), 0);
	snprintf(state, sizeof(state), "%s/containers/other", dir);
	cr_assert_str_eq(m.hostname_dir, state);
	cr_assert_eq(workload_meta_image(dir, "/nonexistent", "other", state, sizeof(state)), 0,
		     "no state of that ID: nothing read");
	unlink(path);
	snprintf(path, sizeof(path), "%s/containers/" CID, dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/containers", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/" CID "/state.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" CID, dir);
	rmdir(path);
	rmdir(dir);
}

#include "identity/host.h"

Test(workload, host_boot_id)
{
	char out[HOST_BOOT_ID_CAP];
	struct host_identity h;

	cr_assert_eq(host_parse_boot_id("62a25326-aa9a-4f9a-b17b-383e71f39717\n", 37, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "62a25326-aa9a-4f9a-b17b-383e71f39717");
	cr_assert_eq(host_parse_boot_id("62a25326-aa9a-4f9a-b17b-383e71f3971", 35, out, sizeof(out)), -EINVAL);
	cr_assert_eq(host_parse_boot_id("62a25326+aa9a-4f9a-b17b-383e71f39717", 36, out, sizeof(out)), -EINVAL);
	cr_assert_eq(host_parse_boot_id("62A25326-aa9a-4f9a-b17b-383e71f39717", 36, out, sizeof(out)), -EINVAL);
	host_identity_read("/proc", &h);
	cr_assert_eq(strlen(h.boot_id), 36, "this machine's boot ID");
	cr_assert_gt(strlen(h.name), 0);
	host_identity_read("/nonexistent", &h);
	cr_assert_str_eq(h.boot_id, "", "unknown stays empty");
}

Test(workload, a_container_seen_before_its_state_converges)
{
	char root[] = "/tmp/wl-conv-XXXXXX", path[256];
	struct workload_table *t;
	struct workload_desc d;
	struct workload *w1, *w2, *w3;
	FILE *f;

	cr_assert_not_null(mkdtemp(root));
	cr_assert_eq(workload_table_new(8, root, &t), 0);
	workload_parse_cgroup("0::/docker/" CID "\n", strlen("0::/docker/" CID "\n"), &d);
	/* runc init is in the cgroup before runc writes state.json */
	w1 = workload_intern(t, &d);
	cr_assert_null(workload_field(w1, SENSOR_FIELD_WORKLOAD_IMAGE));
	snprintf(path, sizeof(path), "%s/" CID, root);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/" CID "/state.json", root);
	f = fopen(path, "w");
	fputs("{\"id\":\"" CID "\",\"config\":{\"labels\":[\"io.kubernetes.cri.image-name=shop/web:7\","
	      "\"io.kubernetes.cri.sandbox-name=web-0\"]}}", f);
	fclose(f);
	usleep(60000); /* past the retry pause */
	w2 = workload_intern(t, &d);
	cr_assert_neq(w1, w2, "a new object replaces the early one");
	cr_assert_str_eq(workload_field(w2, SENSOR_FIELD_WORKLOAD_IMAGE), "shop/web:7");
	cr_assert_str_eq(workload_field(w2, SENSOR_FIELD_WORKLOAD_POD_NAME), "web-0");
	cr_assert_str_eq(workload_field(w2, SENSOR_FIELD_WORKLOAD_CLASS), "image:shop/web:7");
	cr_assert_null(workload_field(w1, SENSOR_FIELD_WORKLOAD_IMAGE), "holders keep the old one as it was");
	cr_assert_eq(workload_table_count(t), 1);
	w3 = workload_intern(t, &d);
	cr_assert_eq(w2, w3, "found once: no more lookups");
	workload_unref(w1);
	workload_unref(w2);
	workload_unref(w3);
	workload_table_free(t);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" CID, root);
	rmdir(path);
	rmdir(root);
}
