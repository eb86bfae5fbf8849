/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit parser, reassembler and normaliser against recorded data:
 * go-libaudit's per-record goldens, its reassembler expectations (events,
 * record counts, lost count, roll-over) and hand-checked edge cases
 * (split EXECVE arguments, hex values, socket addresses).
 */
#include <errno.h>
#include <jansson.h>
#include <libsensor/sensor-audit.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "audit-dump.h"
#include "core/context.h"
#include "sources/audit/audit-parse.h"
#include "sources/audit/audit-reasm.h"
#include "testlib.h"

static struct audit_field ftab[AUDIT_REC_MAX_FIELDS];

static int parse(const char *s, uint32_t type, struct audit_record *r)
{
	r->f = ftab;
	r->fcap = AUDIT_REC_MAX_FIELDS;
	return audit_parse_record(s, strlen(s), type, r);
}

static const char *val(const struct audit_record *r, const char *t, const char *key, char *out,
		       size_t cap)
{
	const struct audit_field *f = audit_field_find(r, t, key);
	int n;

	if (!f)
		return NULL;
	n = audit_value_decode(f, t, r->type, out, cap - 1);
	if (n < 0 || (size_t)n >= cap)
		return NULL;
	out[n] = '\0';
	return out;
}

/* go-libaudit decodes these the way we do; others it interprets (uid names, ...). */
static const char *const decoded_keys[] = { "exe", "comm", "cwd", "name", "cmd", "acct", NULL };

Test(audit_corpus, golden_records_of_go_libaudit)
{
	static const char *const goldens[] = { "audit-rhel6", "audit-rhel7", "audit-ubuntu14",
					       "audit-ubuntu16", "audit-ubuntu17", "test2", "test3" };
	size_t checks = 0, records = 0;

	for (size_t g = 0; g < sizeof(goldens) / sizeof(goldens[0]); g++) {
		char rel[256];
		json_error_t jerr;
		json_t *arr, *it;
		size_t idx;

		snprintf(rel, sizeof(rel), "elastic_go-libaudit/auparse/testdata/%s.log.golden",
			 goldens[g]);
		arr = json_load_file(corpus_path(rel), 0, &jerr);
		cr_assert_not_null(arr, "%s: %s", rel, jerr.text);
		json_array_foreach(arr, idx, it) {
			const char *raw = json_string_value(json_object_get(it, "raw_msg"));
			const char *rt = json_string_value(json_object_get(it, "record_type"));
			json_t *data = json_object_get(it, "data");
			struct audit_record r;
			char up[64], buf[4096];
			const char *v;
			int type;

			if (!raw || !rt)
				continue;
			for (size_t i = 0; i < sizeof(up) - 1; i++) {
				up[i] = rt[i] >= 'a' && rt[i] <= 'z' ? rt[i] - 32 : rt[i];
				if (!rt[i])
					break;
			}
			up[sizeof(up) - 1] = '\0';
			type = audit_name_to_msg_type(up);
			cr_assert_eq(parse(raw, type > 0 ? (uint32_t)type : 0, &r), 0, "%s", raw);
			records++;
			cr_expect_eq(r.serial, json_integer_value(json_object_get(it, "sequence")),
				     "%s", raw);
			for (const char *const *k = decoded_keys; *k; k++) {
				const char *want = json_string_value(json_object_get(data, *k));

				if (!want || !(v = val(&r, raw, *k, buf, sizeof(buf))))
					continue;
				cr_expect_str_eq(v, want, "%s: %s", *k, raw);
				checks++;
			}
			if (r.type == AUDIT_EXECVE) {
				for (int a = 0; a < 64; a++) {
					char k[8];
					const char *want;

					snprintf(k, sizeof(k), "a%d", a);
					want = json_string_value(json_object_get(data, k));
					if (!want || !(v = val(&r, raw, k, buf, sizeof(buf))))
						continue;
					cr_expect_str_eq(v, want, "%s: %s", k, raw);
					checks++;
				}
			}
			if (r.type == AUDIT_SYSCALL) {
				uint64_t arch, nr;
				const char *wa = json_string_value(json_object_get(data, "arch"));
				const char *ws = json_string_value(json_object_get(data, "syscall"));

				cr_assert_eq(audit_field_u64(audit_field_find(&r, raw, "arch"), raw, 16, &arch), 0);
				cr_assert_eq(audit_field_u64(audit_field_find(&r, raw, "syscall"), raw, 10, &nr), 0);
				if (wa) {
					cr_expect_str_eq(audit_arch_name((uint32_t)arch), wa, "%s", raw);
					checks++;
				}
				if (ws && audit_syscall_name((uint32_t)arch, (int)nr)) {
					cr_expect_str_eq(audit_syscall_name((uint32_t)arch, (int)nr), ws, "%s", raw);
					checks++;
				}
			}
			if (r.type == AUDIT_SOCKADDR) {
				const struct audit_field *f = audit_field_find(&r, raw, "saddr");
				const char *fam = json_string_value(json_object_get(data, "family"));
				const char *addr = json_string_value(json_object_get(data, "addr"));
				const char *port = json_string_value(json_object_get(data, "port"));
				const char *path = json_string_value(json_object_get(data, "path"));
				struct audit_sockaddr sa;

				cr_assert_not_null(f);
				if (audit_sockaddr_decode(raw + f->v, f->vlen, &sa) < 0)
					continue; /* go-libaudit leaves these raw too */
				if (fam && !strcmp(fam, "ipv4")) {
					cr_expect_eq(sa.family, AF_INET);
					checks++;
				}
				if (fam && !strcmp(fam, "ipv6")) {
					cr_expect_eq(sa.family, AF_INET6);
					checks++;
				}
				if (fam && !strcmp(fam, "unix")) {
					cr_expect_eq(sa.family, AF_UNIX);
					checks++;
				}
				if (fam && !strcmp(fam, "netlink")) {
					cr_expect_eq(sa.family, AF_NETLINK);
					checks++;
				}
				if (addr) {
					cr_expect_str_eq(sa.addr, addr, "%s", raw);
					checks++;
				}
				if (port) {
					cr_expect_eq(sa.port, strtoul(port, NULL, 10), "%s", raw);
					checks++;
				}
				if (path) {
					cr_expect_str_eq(sa.addr, path, "%s", raw);
					checks++;
				}
			}
		}
		json_decref(arr);
	}
	cr_log_info("%zu golden records, %zu values compared", records, checks);
	cr_expect_geq(records, 83);
	cr_expect_geq(checks, 148);
}

Test(audit_corpus, reassembler_expectations)
{
	json_error_t jerr;
	json_t *exp = json_load_file(corpus_path("elastic_go-libaudit/EXPECTED_reassembler.json"), 0,
				     &jerr);
	const char *file;
	json_t *want;
	int files = 0;

	cr_assert_not_null(exp, "%s", jerr.text);
	json_object_foreach(exp, file, want) {
		struct dump d = { 0 };
		struct strlist w = { 0 };
		size_t len, i;
		json_t *ev;
		char rel[256], line[128], *buf;
		const char *miss[2];

		if (file[0] == '_')
			continue;
		snprintf(rel, sizeof(rel), "elastic_go-libaudit/%s", file);
		buf = read_file(corpus_path(rel), &len);
		cr_assert_not_null(buf, "%s", rel);
		cr_assert_eq(dump_ours(buf, len, &d), 0);
		cr_expect_eq(d.lost, json_integer_value(json_object_get(want, "dropped")), "%s lost %llu",
			     file, (unsigned long long)d.lost);
		json_array_foreach(json_object_get(want, "events"), i, ev) {
			json_int_t seq = json_integer_value(json_array_get(ev, 0));
			json_int_t n = json_integer_value(json_array_get(ev, 1));
			bool found = false;

			snprintf(line, sizeof(line), ":%lld records=%lld", (long long)seq, (long long)n);
			for (size_t k = 0; k < d.events.n; k++)
				found |= strstr(d.events.v[k], line) != NULL &&
					 strlen(strstr(d.events.v[k], line)) == strlen(line);
			cr_expect(found, "%s: no event%s", file, line);
			strlist_add(&w, line);
		}
		cr_expect_eq(d.events.n, w.n, "%s: %zu events, want %zu", file, d.events.n, w.n);
		(void)miss;
		strlist_free(&w);
		dump_free(&d);
		free(buf);
		files++;
	}
	json_decref(exp);
	cr_expect_eq(files, 4);
}

/* ---- normalisation through the offline source ----------------------------- */

struct got {
	sensor_event *ev[16];
	int n;
};

static void keep(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	struct got *g = ud;

	(void)ctx;
	if (g->n < 16)
		g->ev[g->n++] = sensor_event_ref(ev);
}

static int replay(const char *text, struct got *g, sensor_ctx **ret)
{
	sensor_ctx *ctx;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	sensor_ctx_set_event_cb(ctx, keep, g);
	*ret = ctx;
	return sensor_audit_replay(ctx, text, strlen(text), 0);
}

static void release(struct got *g, sensor_ctx *ctx)
{
	for (int i = 0; i < g->n; i++)
		sensor_event_unref(g->ev[i]);
	sensor_ctx_free(ctx);
}

Test(audit_normalize, exec_with_split_and_hex_arguments)
{
	/* a1 is split across two EXECVE records, a2 is hex ("a b"), cwd relative resolution */
	const char *log =
		"type=SYSCALL msg=audit(1700000000.123:77): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=2 ppid=10 pid=11 auid=1000 uid=1000 gid=1000 euid=0 suid=0 fsuid=0 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=5 comm=\"sh\" exe=\"/usr/bin/dash\" key=\"k\"\n"
		"type=EXECVE msg=audit(1700000000.123:77): argc=3 a0=\"sh\" a1_len=10 a1[0]=\"hello\"\n"
		"type=EXECVE msg=audit(1700000000.123:77): a1[1]=\"world\" a2=612062\n"
		"type=CWD msg=audit(1700000000.123:77): cwd=\"/tmp\"\n"
		"type=PATH msg=audit(1700000000.123:77): item=0 name=\"/bin/sh\" inode=1 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n"
		"type=EOE msg=audit(1700000000.123:77): \n";
	struct got g = { 0 };
	sensor_ctx *ctx;
	const char *const *argv;
	int64_t v;

	cr_assert_eq(replay(log, &g, &ctx), 1);
	cr_assert_eq(g.n, 1);
	cr_assert_eq(sensor_event_kind(g.ev[0]), SENSOR_KIND_EXEC);
	cr_assert_eq(sensor_event_get_argv(g.ev[0], &argv), 3);
	cr_expect_str_eq(argv[0], "sh");
	cr_expect_str_eq(argv[1], "helloworld");
	cr_expect_str_eq(argv[2], "a b");
	/* the command line rules see, as /proc shows it */
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_PROCESS_CMDLINE),
			 "sh helloworld a b");
	/* the path executed (PATH item 0); the binary that runs is process.exe */
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_EXEC_PATH), "/bin/sh");
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_PROCESS_EXE), "/usr/bin/dash");
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_EXEC_CWD), "/tmp");
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_PROCESS_TTY), "pts0");
	cr_expect_eq(sensor_event_get_int(g.ev[0], SENSOR_FIELD_PROCESS_EUID, &v), 0);
	cr_expect_eq(v, 0);
	cr_expect_eq(sensor_event_get_int(g.ev[0], SENSOR_FIELD_PROCESS_SESSION, &v), 0);
	cr_expect_eq(v, 5);
	cr_expect_eq(sensor_event_get_int(g.ev[0], SENSOR_FIELD_TIME, &v), 0);
	cr_expect_eq(v, 1700000000123000000ll);
	release(&g, ctx);
}

Test(audit_normalize, cmdline_from_proctitle_unless_cut)
{
	/* "nc -e /bin/sh" as the kernel hex-encodes it; then a 128-byte (cut) one */
	char log[3072], cut[257];
	struct got g = { 0 };
	sensor_ctx *ctx;

	for (int i = 0; i < 128; i++)
		snprintf(cut + 2 * i, 3, "%02X", 'a' + i % 26);
	snprintf(log, sizeof(log),
		 "type=SYSCALL msg=audit(1700000002.000:90): arch=c000003e syscall=42 success=no exit=-111 a0=3 a1=1 a2=10 a3=0 items=0 ppid=1 pid=30 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"nc\" exe=\"/usr/bin/nc\"\n"
		 "type=SOCKADDR msg=audit(1700000002.000:90): saddr=0200115CC6336417\n"
		 "type=PROCTITLE msg=audit(1700000002.000:90): proctitle=6E63002D65002F62696E2F736800\n"
		 "type=EOE msg=audit(1700000002.000:90): \n"
		 "type=SYSCALL msg=audit(1700000002.000:91): arch=c000003e syscall=42 success=no exit=-111 a0=3 a1=1 a2=10 a3=0 items=0 ppid=1 pid=31 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"x\" exe=\"/x\"\n"
		 "type=SOCKADDR msg=audit(1700000002.000:91): saddr=0200115CC6336417\n"
		 "type=PROCTITLE msg=audit(1700000002.000:91): proctitle=%s\n"
		 "type=EOE msg=audit(1700000002.000:91): \n"
		 /* one argument of safe bytes: the kernel writes it quoted */
		 "type=SYSCALL msg=audit(1700000002.000:92): arch=c000003e syscall=42 success=no exit=-111 a0=3 a1=1 a2=10 a3=0 items=0 ppid=1 pid=32 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"bash\" exe=\"/bin/bash\"\n"
		 "type=SOCKADDR msg=audit(1700000002.000:92): saddr=0200115CC6336417\n"
		 "type=PROCTITLE msg=audit(1700000002.000:92): proctitle=\"bash\"\n"
		 "type=EOE msg=audit(1700000002.000:92): \n", cut);
	cr_assert_eq(replay(log, &g, &ctx), 3);
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_PROCESS_CMDLINE), "nc -e /bin/sh");
	cr_expect_null(sensor_event_get_str(g.ev[1], SENSOR_FIELD_PROCESS_CMDLINE),
		       "a proctitle the kernel cut at 128 bytes is not a command line");
	cr_expect_str_eq(sensor_event_get_str(g.ev[2], SENSOR_FIELD_PROCESS_CMDLINE), "bash");
	release(&g, ctx);
}

Test(audit_normalize, net_addresses_and_results)
{
	const char *log =
		/* connect inet6 refused */
		"type=SYSCALL msg=audit(1700000001.000:80): arch=c000003e syscall=42 success=no exit=-111 a0=3 a1=1 a2=1c a3=0 items=0 ppid=1 pid=20 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"c\" exe=\"/c\"\n"
		"type=SOCKADDR msg=audit(1700000001.000:80): saddr=0A000050000000000000000000000000000000000000000100000000\n"
		"type=EOE msg=audit(1700000001.000:80): \n"
		/* bind to an abstract unix socket */
		"type=SYSCALL msg=audit(1700000001.000:81): arch=c000003e syscall=49 success=yes exit=0 a0=3 a1=1 a2=8 a3=0 items=0 ppid=1 pid=21 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"b\" exe=\"/b\"\n"
		"type=SOCKADDR msg=audit(1700000001.000:81): saddr=0100006162630000\n"
		"type=EOE msg=audit(1700000001.000:81): \n";
	struct got g = { 0 };
	sensor_ctx *ctx;
	int64_t v;

	cr_assert_eq(replay(log, &g, &ctx), 2);
	cr_assert_eq(sensor_event_kind(g.ev[0]), SENSOR_KIND_NET);
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_NET_OP), "connect");
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_NET_FAMILY), "inet6");
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_NET_DST), "::1");
	cr_expect_eq(sensor_event_get_int(g.ev[0], SENSOR_FIELD_NET_DPORT, &v), 0);
	cr_expect_eq(v, 80);
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_NET_STATE), "ECONNREFUSED");
	cr_expect_str_eq(sensor_event_get_str(g.ev[1], SENSOR_FIELD_NET_OP), "bind");
	cr_expect_str_eq(sensor_event_get_str(g.ev[1], SENSOR_FIELD_NET_FAMILY), "unix");
	cr_expect_str_eq(sensor_event_get_str(g.ev[1], SENSOR_FIELD_NET_SRC), "@abc@@");
	cr_expect_str_eq(sensor_event_get_str(g.ev[1], SENSOR_FIELD_NET_STATE), "success");
	release(&g, ctx);
}

Test(audit_normalize, file_and_syscall_and_node_prefix_and_enriched)
{
	const char *log =
		"node=web1 type=SYSCALL msg=audit(1700000002.000:90): arch=c000003e syscall=82 success=yes exit=0 a0=1 a1=2 a2=0 a3=0 items=4 ppid=1 pid=30 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"mv\" exe=\"/bin/mv\" key=(null)\x1d" "ARCH=x86_64 SYSCALL=rename AUID=\"root\"\n"
		"node=web1 type=CWD msg=audit(1700000002.000:90): cwd=\"/etc\"\n"
		"node=web1 type=PATH msg=audit(1700000002.000:90): item=0 name=\"/etc/\" nametype=PARENT\n"
		"node=web1 type=PATH msg=audit(1700000002.000:90): item=1 name=\"/etc/\" nametype=PARENT\n"
		"node=web1 type=PATH msg=audit(1700000002.000:90): item=2 name=\"a\" nametype=DELETE\n"
		"node=web1 type=PATH msg=audit(1700000002.000:90): item=3 name=\"b\" nametype=CREATE\n"
		"node=web1 type=EOE msg=audit(1700000002.000:90): \n"
		"type=SYSCALL msg=audit(1700000002.000:91): arch=c000003e syscall=101 success=no exit=-1 a0=10 a1=5 a2=0 a3=0 items=0 ppid=1 pid=31 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"gdb\" exe=\"/usr/bin/gdb\"\n"
		"type=EOE msg=audit(1700000002.000:91): \n";
	struct got g = { 0 };
	sensor_ctx *ctx;
	const uint64_t *args;
	int64_t v;

	cr_assert_eq(replay(log, &g, &ctx), 2);
	cr_assert_eq(sensor_event_kind(g.ev[0]), SENSOR_KIND_FILE);
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_FILE_OP), "rename");
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_FILE_PATH), "/etc/a");
	cr_expect_str_eq(sensor_event_get_str(g.ev[0], SENSOR_FIELD_FILE_TO), "/etc/b");
	cr_assert_eq(sensor_event_kind(g.ev[1]), SENSOR_KIND_SYSCALL);
	cr_expect_str_eq(sensor_event_get_str(g.ev[1], SENSOR_FIELD_SYSCALL_NAME), "ptrace");
	cr_expect_str_eq(sensor_event_get_str(g.ev[1], SENSOR_FIELD_SYSCALL_ARCH), "x86_64");
	cr_expect_eq(sensor_event_get_int(g.ev[1], SENSOR_FIELD_SYSCALL_RET, &v), 0);
	cr_expect_eq(v, -1);
	cr_assert_eq(sensor_event_get_args(g.ev[1], &args), 4);
	cr_expect_eq(args[0], 0x10);
	release(&g, ctx);
}

Test(audit_parse, enriched_quoted_and_bounds)
{
	const char *s = "audit(1.5:7): a=\"x y\" b='c d' msg='op=x res=ok' c=1\x1d" "UID=\"root\"";
	struct audit_record r;
	char buf[64];

	cr_assert_eq(parse(s, 1300, &r), 0);
	cr_expect_eq(r.sec, 1);
	cr_expect_eq(r.msec, 5);
	cr_expect_eq(r.serial, 7);
	cr_expect_str_eq(val(&r, s, "a", buf, sizeof(buf)), "x y");
	cr_expect_str_eq(val(&r, s, "b", buf, sizeof(buf)), "c d");
	cr_expect_str_eq(val(&r, s, "op", buf, sizeof(buf)), "x");
	cr_expect_str_eq(val(&r, s, "res", buf, sizeof(buf)), "ok");
	cr_expect_str_eq(val(&r, s, "c", buf, sizeof(buf)), "1");
	cr_expect_null(audit_field_find(&r, s, "UID"), "enriched fields are not raw fields");
	cr_expect(r.f[r.nfields - 1].flags & AF_ENRICHED);
	/* not records */
	cr_expect_eq(parse("", 0, &r), -EINVAL);
	cr_expect_eq(parse("type=SYSCALL msg=audit(1.2:3", 0, &r), -EINVAL);
	cr_expect_eq(parse("audit(1.2000:3): x=1", 1300, &r), -EINVAL);
	cr_expect_eq(parse("node=x audit(1.2:3): x=1", 0, &r), -EINVAL);
	/* unknown types by number */
	cr_assert_eq(parse("type=UNKNOWN[1334] msg=audit(1.2:3): x=1", 0, &r), 0);
	cr_expect_eq(r.type, 1334);
}

Test(audit_reasm, one_event_is_bounded_in_memory)
{
	/* 5000 records of one (time, serial): cut at 4096 records, nothing lost or merged wrongly */
	size_t cap = 5000 * 64, len = 0;
	char *buf = malloc(cap);
	struct dump d = { 0 };

	cr_assert_not_null(buf);
	for (int i = 0; i < 5000; i++)
		len += (size_t)snprintf(buf + len, cap - len,
					"type=EXECVE msg=audit(1.000:5): a%d=\"x\"\n", i);
	cr_assert_eq(dump_ours(buf, len, &d), 0);
	cr_assert_eq(d.events.n, 2);
	cr_expect_str_eq(d.events.v[0], "1.000:5 records=4096");
	cr_expect_str_eq(d.events.v[1], "1.000:5 records=904");
	cr_expect_eq(d.lost, 0);
	dump_free(&d);
	free(buf);
}
