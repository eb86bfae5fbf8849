/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process connector decoder, fed crafted and recorded datagrams through the real dispatch. */
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <libsensor/sensor.h>

#include "core/context.h"
#include "sources/proc-connector.h"
#include "testlib.h"

static sensor_ctx *ctx;
static struct sensor_source *src;
static sensor_event *evs[64];
static int nev;

static void collect(sensor_ctx *c, sensor_event *ev, void *ud)
{
	(void)c;
	(void)ud;
	if (nev < 64)
		evs[nev++] = sensor_event_ref(ev);
}

static void setup(void)
{
	nev = 0;
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, collect, NULL);
	cr_assert_eq(proc_connector_offline_source(ctx, &src), 0);
}

static void teardown(void)
{
	for (int i = 0; i < nev; i++)
		sensor_event_unref(evs[i]);
	sensor_ctx_free(ctx);
}

TestSuite(procconn, .init = setup, .fini = teardown);

struct msg {
	struct nlmsghdr nlh;
	struct cn_msg cn;
	struct proc_event pe;
} __attribute__((packed));

static size_t craft(struct msg *m, uint32_t what, uint32_t cpu, uint32_t seq)
{
	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = sizeof(*m);
	m->nlh.nlmsg_type = NLMSG_DONE;
	m->cn.id.idx = CN_IDX_PROC;
	m->cn.id.val = CN_VAL_PROC;
	m->cn.seq = seq;
	m->cn.len = sizeof(struct proc_event);
	m->pe.what = what;
	m->pe.cpu = cpu;
	return sizeof(*m);
}

Test(procconn, exec_of_a_live_process)
{
	struct msg m;
	int64_t v;
	const char *const *argv;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n] = '\0';
	craft(&m, PROC_EVENT_EXEC, 0, 1);
	m.pe.event_data.exec.process_pid = getpid();
	m.pe.event_data.exec.process_tgid = getpid();
	cr_assert_eq(proc_connector_dispatch(src, &m, sizeof(m)), 1);
	cr_assert_eq(nev, 1);
	cr_assert_eq(sensor_event_kind(evs[0]), SENSOR_KIND_EXEC);
	cr_assert_eq(sensor_event_get_int(evs[0], SENSOR_FIELD_PROCESS_PID, &v), 0);
	cr_assert_eq(v, getpid());
	cr_assert_eq(sensor_event_get_int(evs[0], SENSOR_FIELD_PROCESS_PPID, &v), 0);
	cr_assert_eq(v, getppid());
	cr_assert_str_eq(sensor_event_get_str(evs[0], SENSOR_FIELD_EXEC_PATH), self);
	cr_assert_str_eq(sensor_event_get_str(evs[0], SENSOR_FIELD_PROCESS_EXE), self);
	cr_assert_geq(sensor_event_get_argv(evs[0], &argv), 1);
	{
		char cmd[4096];
		int fd = open("/proc/self/cmdline", O_RDONLY);
		ssize_t got = read(fd, cmd, sizeof(cmd) - 1);

		close(fd);
		cr_assert_gt(got, 0);
		cmd[got] = '\0';
		cr_assert_str_eq(argv[0], cmd); /* criterion renames its workers */
	}
	cr_assert_not_null(sensor_event_get_str(evs[0], SENSOR_FIELD_WORKLOAD_KIND));
}

Test(procconn, exit_codes_and_signals)
{
	struct msg m;
	int64_t v;

	craft(&m, PROC_EVENT_EXIT, 1, 1);
	m.pe.event_data.exit.process_pid = 0x3ffffff1;
	m.pe.event_data.exit.process_tgid = 0x3ffffff1;
	m.pe.event_data.exit.exit_code = 3 << 8;
	cr_assert_eq(proc_connector_dispatch(src, &m, sizeof(m)), 1);
	craft(&m, PROC_EVENT_EXIT, 1, 2);
	m.pe.event_data.exit.process_pid = 0x3ffffff2;
	m.pe.event_data.exit.process_tgid = 0x3ffffff2;
	m.pe.event_data.exit.exit_code = 9;
	cr_assert_eq(proc_connector_dispatch(src, &m, sizeof(m)), 1);
	/* a thread's exit is not a process exit */
	craft(&m, PROC_EVENT_EXIT, 1, 3);
	m.pe.event_data.exit.process_pid = 0x3ffffff4;
	m.pe.event_data.exit.process_tgid = 0x3ffffff3;
	cr_assert_eq(proc_connector_dispatch(src, &m, sizeof(m)), 0);
	cr_assert_eq(nev, 2);
	cr_assert_eq(sensor_event_get_int(evs[0], SENSOR_FIELD_EXIT_CODE, &v), 0);
	cr_assert_eq(v, 3);
	cr_assert_eq(sensor_event_get_int(evs[0], SENSOR_FIELD_EXIT_SIGNAL, &v), -ENOENT);
	cr_assert_eq(sensor_event_get_int(evs[1], SENSOR_FIELD_EXIT_SIGNAL, &v), 0);
	cr_assert_eq(v, 9);
}

Test(procconn, sequence_gaps_are_counted_losses)
{
	struct msg m;
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	struct sensor_stats st = { .sz = sizeof(st) };
	int64_t v;

	craft(&m, PROC_EVENT_FORK, 0, 10);
	proc_connector_dispatch(src, &m, sizeof(m));
	craft(&m, PROC_EVENT_FORK, 1, 500); /* another CPU: its own numbering */
	proc_connector_dispatch(src, &m, sizeof(m));
	/* a gap without an overrun: another listener's acknowledgement, not a loss */
	craft(&m, PROC_EVENT_FORK, 0, 12);
	proc_connector_dispatch(src, &m, sizeof(m));
	proc_connector_end_batch(src);
	cr_assert_eq(nev, 0);
	/* ENOBUFS, then 13..16 missing on CPU 0 and nothing missing on CPU 1 */
	proc_connector_mark_overrun(src);
	craft(&m, PROC_EVENT_FORK, 0, 17);
	proc_connector_dispatch(src, &m, sizeof(m));
	craft(&m, PROC_EVENT_FORK, 1, 501);
	proc_connector_dispatch(src, &m, sizeof(m));
	proc_connector_end_batch(src);
	cr_assert_eq(nev, 1);
	cr_assert_eq(sensor_event_kind(evs[0]), SENSOR_KIND_LOSS);
	cr_assert_eq(sensor_event_get_int(evs[0], SENSOR_FIELD_LOSS_COUNT, &v), 0);
	cr_assert_eq(v, 4);
	cr_assert_str_eq(sensor_event_get_str(evs[0], SENSOR_FIELD_LOSS_SOURCE), "proc");
	/* an overrun whose gaps are not visible yet is still reported, as at least one */
	proc_connector_mark_overrun(src);
	proc_connector_end_batch(src);
	cr_assert_eq(nev, 2);
	cr_assert_eq(sensor_event_get_int(evs[1], SENSOR_FIELD_LOSS_COUNT, &v), 0);
	cr_assert_eq(v, 1);
	sensor_source_get_stats(src, &ss);
	cr_assert_eq(ss.lost, 5);
	sensor_ctx_get_stats(ctx, &st);
	cr_assert_eq(st.lost, 5);
}

Test(procconn, malformed_and_foreign_messages)
{
	struct msg m;
	struct sensor_source_stats ss = { .sz = sizeof(ss) };

	craft(&m, PROC_EVENT_EXEC, 0, 1);
	m.pe.event_data.exec.process_tgid = getpid();
	for (size_t cut = 0; cut < sizeof(m); cut++)
		cr_assert_eq(proc_connector_dispatch(src, &m, cut), 0, "cut at %zu", cut);
	craft(&m, PROC_EVENT_EXEC, 0, 1);
	m.cn.len = 4; /* payload shorter than an exec event */
	cr_assert_eq(proc_connector_dispatch(src, &m, sizeof(m)), 0);
	craft(&m, PROC_EVENT_EXEC, 0, 1);
	m.cn.len = 4096; /* claims more than the message holds */
	cr_assert_eq(proc_connector_dispatch(src, &m, sizeof(m)), 0);
	craft(&m, PROC_EVENT_EXEC, 0, 1);
	m.cn.id.idx = CN_IDX_PROC + 1; /* another connector */
	cr_assert_eq(proc_connector_dispatch(src, &m, sizeof(m)), 0);
	cr_assert_eq(nev, 0);
	sensor_source_get_stats(src, &ss);
	cr_assert_gt(ss.errors, 0);
}

Test(procconn, recorded_kernel_datagrams)
{
	int kinds[SENSOR__KIND_MAX] = { 0 };
	const char *root = getenv("SENSOR_SOURCE_ROOT");

	cr_assert_not_null(root);
	for (int i = 0; i < 12; i++) {
		char path[4096];
		size_t len;
		char *buf;

		snprintf(path, sizeof(path), "%s/fuzz/seeds/proc-connector/msg-%02d.bin", root, i);
		buf = read_file(path, &len);
		cr_assert_not_null(buf, "%s", path);
		proc_connector_dispatch(src, buf, len);
		free(buf);
	}
	for (int i = 0; i < nev; i++)
		kinds[sensor_event_kind(evs[i])]++;
	/*
	 * sh -c '/bin/true; ls /nonexist; sleep & kill -9' as recorded (the
	 * datagrams decoded by hand): pid 4340 forks 4341 (sh), which execs and
	 * forks 4342 (exec, exit 0), 4343 (exec, exit 2) and 4344 (no exec,
	 * killed by 9), then exits 3. Forks are not events; nothing is lost.
	 */
	cr_assert_eq(kinds[SENSOR_KIND_EXEC], 3, "%d execs", kinds[SENSOR_KIND_EXEC]);
	cr_assert_eq(kinds[SENSOR_KIND_EXIT], 4, "%d exits", kinds[SENSOR_KIND_EXIT]);
	cr_assert_eq(kinds[SENSOR_KIND_LOSS], 0, "%d loss events", kinds[SENSOR_KIND_LOSS]);
	cr_assert_eq(nev, 7, "%d events", nev);
	{
		static const int64_t exec_pids[] = { 4341, 4342, 4343 };
		/* pid, exit code (-1: none), signal (-1: none), in order */
		static const int64_t exits[][3] = {
			{ 4342, 0, -1 }, { 4343, 2, -1 }, { 4341, 3, -1 }, { 4344, -1, 9 },
		};
		int ne = 0, nx = 0;

		for (int i = 0; i < nev; i++) {
			int64_t pid = -1, code = -1, sig = -1;

			cr_assert_eq(sensor_event_get_int(evs[i], SENSOR_FIELD_PROCESS_PID, &pid), 0);
			if (sensor_event_kind(evs[i]) == SENSOR_KIND_EXEC) {
				cr_assert_eq(pid, exec_pids[ne], "exec %d: pid %lld", ne, (long long)pid);
				ne++;
				continue;
			}
			sensor_event_get_int(evs[i], SENSOR_FIELD_EXIT_CODE, &code);
			sensor_event_get_int(evs[i], SENSOR_FIELD_EXIT_SIGNAL, &sig);
			cr_assert_eq(pid, exits[nx][0], "exit %d: pid %lld", nx, (long long)pid);
			cr_assert_eq(code, exits[nx][1], "exit of %lld: code %lld", (long long)pid,
				     (long long)code);
			cr_assert_eq(sig, exits[nx][2], "exit of %lld: signal %lld", (long long)pid,
				     (long long)sig);
			nx++;
		}
	}
}
