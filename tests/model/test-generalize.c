/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* generalize(): the table of what becomes what (docs/baseline.md). */
#include <string.h>

#include "model/generalize.h"
#include "testlib.h"

struct row {
	enum gen_what what;
	const char *in, *out;
};

static const struct row rows[] = {
	/* paths kept as they are */
	{ GEN_PATH, "/usr/bin/curl", "/usr/bin/curl" },
	{ GEN_PATH, "/usr/lib/python3.11/os.py", "/usr/lib/python3.11/os.py" },
	{ GEN_PATH, "/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6" },
	{ GEN_PATH, "/etc/nginx/nginx.conf", "/etc/nginx/nginx.conf" },
	{ GEN_PATH, "relative/file", "relative/file" },
	{ GEN_PATH, "/", "/" },
	{ GEN_PATH, "", "" },
	/* normalisation */
	{ GEN_PATH, "/usr//bin/./sh", "/usr/bin/sh" },
	{ GEN_PATH, "/a/../b", "/a/../b" },
	{ GEN_PATH, "/var/log/", "/var/log/" },
	/* /proc/<pid> */
	{ GEN_PATH, "/proc/1234/status", "/proc/*/status" },
	{ GEN_PATH, "/proc/1/task/77/stat", "/proc/*/task/*/stat" },
	{ GEN_PATH, "/proc/self/maps", "/proc/self/maps" },
	/* numeric segments and digit runs */
	{ GEN_PATH, "/var/log/app/2024/01/x.log", "/var/log/app/*/*/x.log" },
	{ GEN_PATH, "/var/crash/core.12345", "/var/crash/core.*" },
	{ GEN_PATH, "/data/log-20240101-000001.txt", "/data/log-*-*.txt" },
	/* hex and UUID per-instance ids */
	{ GEN_PATH,
	  "/var/lib/docker/containers/4f3c2a1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b/hostname",
	  "/var/lib/docker/containers/*/hostname" },
	{ GEN_PATH, "/var/lib/kubelet/pods/0b5e3b2a-6a51-4c41-9e0c-2f1f3e9d7a11/volumes",
	  "/var/lib/kubelet/pods/*/volumes" },
	{ GEN_PATH, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abcdef0123456789/rootfs",
	  "/run/containerd/io.containerd.runtime.v2.task/k8s.io/*/rootfs" },
	{ GEN_PATH, "/srv/cache/obj-deadbeefcafe1234.bin", "/srv/cache/obj-*.bin" },
	{ GEN_PATH, "/usr/share/feedback/facade", "/usr/share/feedback/facade" },
	/* the edges: 12 hex digits with a digit are an id, 11 are not; 3 digits are a run, 2 not */
	{ GEN_PATH, "/srv/obj-ab12cdefabcd.bin", "/srv/obj-*.bin" },
	{ GEN_PATH, "/srv/obj-ab12cdefabc.bin", "/srv/obj-ab12cdefabc.bin" },
	{ GEN_PATH, "/var/crash/core.123", "/var/crash/core.*" },
	{ GEN_PATH, "/var/crash/core.12", "/var/crash/core.12" },
	/* a random-looking temp name needs 6 characters */
	{ GEN_PATH, "/tmp/aB3dEf", "/tmp/*" },
	{ GEN_PATH, "/tmp/aB3dE", "/tmp/aB3dE" },
	/* random temp names */
	{ GEN_PATH, "/tmp/tmpa8x_3k9q", "/tmp/tmp*" },
	{ GEN_PATH, "/tmp/tmp.Xk3j9QpLz2", "/tmp/tmp.*" },
	{ GEN_PATH, "/tmp/sess_aB3dE9fG/data", "/tmp/sess_*/data" },
	{ GEN_PATH, "/dev/shm/sem.mp-k2j4h8x1", "/dev/shm/sem.mp-*" },
	{ GEN_PATH, "/var/tmp/build-Q7w8e9R0/out.o", "/var/tmp/build-*/out.o" },
	{ GEN_PATH, "/tmp/backup.sql", "/tmp/backup.sql" },
	{ GEN_PATH, "/home/u/tmpfile_k2j4h8x1", "/home/u/tmp*" },
	{ GEN_PATH, "/srv/tmpl/index.html", "/srv/tmpl/index.html" },
	{ GEN_PATH, "/home/u/notes_k2j4h8x1", "/home/u/notes_k2j4h8x1" },
	/* peers */
	{ GEN_ADDR, "10.1.2.3", "10.1.2.0/24" },
	{ GEN_ADDR, "93.184.216.34", "93.184.216.0/24" },
	{ GEN_ADDR, "127.0.0.53", "127.0.0.0/8" },
	{ GEN_ADDR, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64" },
	{ GEN_ADDR, "::1", "::1" },
	{ GEN_ADDR, "::ffff:192.168.1.20", "192.168.1.0/24" },
	{ GEN_ADDR, "/run/user/1000/bus", "/run/user/*/bus" },
	{ GEN_ADDR, "not-an-address", "not-an-address" },
	/* ports */
	{ GEN_PORT, "443", "443" },
	{ GEN_PORT, "32767", "32767" },
	{ GEN_PORT, "32768", "ephemeral" },
	{ GEN_PORT, "60999", "ephemeral" },
	{ GEN_PORT, "65536", "?" },
	{ GEN_PORT, "http", "?" },
	{ GEN_PORT, "", "?" },
};

Test(generalize, table)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char out[512];
		int n = generalize(rows[i].what, rows[i].in, strlen(rows[i].in), out, sizeof(out));

		cr_expect_eq(n, (int)strlen(out), "row %zu length", i);
		cr_expect_str_eq(out, rows[i].out, "row %zu: %s -> %s, want %s", i, rows[i].in, out,
				 rows[i].out);
	}
}

Test(generalize, truncates_and_rejects)
{
	char out[8];

	cr_assert_eq(generalize(GEN_PATH, "/usr/bin/python3", 16, out, sizeof(out)), 7);
	cr_assert_str_eq(out, "/usr/bi");
	cr_assert_eq(generalize(GEN_PATH, "/x", 2, out, 0), -1);
	cr_assert_eq(generalize((enum gen_what)99, "/x", 2, out, sizeof(out)), -1);
	/* not NUL-terminated input: only n bytes are read */
	cr_assert_eq(generalize(GEN_PATH, "/proc/12345XYZ", 11, out, sizeof(out)), 7);
	cr_assert_str_eq(out, "/proc/*");
}
