/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The field table: names, types and which kind of event carries each field. */
#include <errno.h>
#include <string.h>

#include "event.h"

#define I SENSOR_FIELD_TYPE_INT
#define S SENSOR_FIELD_TYPE_STR

const struct ev_field_desc ev_fields[SENSOR__FIELD_MAX] = {
	[SENSOR_FIELD_KIND] = { "kind", S, 0 },
	[SENSOR_FIELD_SOURCE] = { "source", S, 0 },
	[SENSOR_FIELD_TIME] = { "time", I, 0 },
	[SENSOR_FIELD_MONOTONIC] = { "monotonic", I, 0 },
	[SENSOR_FIELD_SEQ] = { "seq", I, 0 },
	[SENSOR_FIELD_PROCESS_PID] = { "process.pid", I, 0 },
	[SENSOR_FIELD_PROCESS_TID] = { "process.tid", I, 0 },
	[SENSOR_FIELD_PROCESS_PPID] = { "process.ppid", I, 0 },
	[SENSOR_FIELD_PROCESS_UID] = { "process.uid", I, 0 },
	[SENSOR_FIELD_PROCESS_EUID] = { "process.euid", I, 0 },
	[SENSOR_FIELD_PROCESS_GID] = { "process.gid", I, 0 },
	[SENSOR_FIELD_PROCESS_EGID] = { "process.egid", I, 0 },
	[SENSOR_FIELD_PROCESS_AUID] = { "process.auid", I, 0 },
	[SENSOR_FIELD_PROCESS_SESSION] = { "process.session", I, 0 },
	[SENSOR_FIELD_PROCESS_COMM] = { "process.comm", S, 0 },
	[SENSOR_FIELD_PROCESS_EXE] = { "process.exe", S, 0 },
	[SENSOR_FIELD_PROCESS_CMDLINE] = { "process.cmdline", S, 0 },
	[SENSOR_FIELD_PROCESS_START] = { "process.start", I, 0 },
	[SENSOR_FIELD_WORKLOAD_KIND] = { "workload.kind", S, 0 },
	[SENSOR_FIELD_WORKLOAD_ID] = { "workload.id", S, 0 },
	[SENSOR_FIELD_WORKLOAD_CLASS] = { "workload.class", S, 0 },
	[SENSOR_FIELD_WORKLOAD_RUNTIME] = { "workload.runtime", S, 0 },
	[SENSOR_FIELD_WORKLOAD_POD] = { "workload.pod", S, 0 },
	[SENSOR_FIELD_WORKLOAD_QOS] = { "workload.qos", S, 0 },
	[SENSOR_FIELD_WORKLOAD_CGROUP] = { "workload.cgroup", S, 0 },
	[SENSOR_FIELD_EXEC_PATH] = { "exec.path", S, SENSOR_KIND_EXEC },
	[SENSOR_FIELD_EXEC_CWD] = { "exec.cwd", S, SENSOR_KIND_EXEC },
	[SENSOR_FIELD_EXEC_PARENT_EXE] = { "exec.parent_exe", S, SENSOR_KIND_EXEC },
	[SENSOR_FIELD_EXEC_ARGC] = { "exec.argc", I, SENSOR_KIND_EXEC },
	[SENSOR_FIELD_EXIT_CODE] = { "exit.code", I, SENSOR_KIND_EXIT },
	[SENSOR_FIELD_EXIT_SIGNAL] = { "exit.signal", I, SENSOR_KIND_EXIT },
	[SENSOR_FIELD_FILE_OP] = { "file.op", S, SENSOR_KIND_FILE },
	[SENSOR_FIELD_FILE_PATH] = { "file.path", S, SENSOR_KIND_FILE },
	[SENSOR_FIELD_FILE_TO] = { "file.to", S, SENSOR_KIND_FILE },
	[SENSOR_FIELD_FILE_FLAGS] = { "file.flags", I, SENSOR_KIND_FILE },
	[SENSOR_FIELD_FILE_HOST_PATH] = { "file.host_path", S, SENSOR_KIND_FILE },
	[SENSOR_FIELD_FILE_HOST_TO] = { "file.host_to", S, SENSOR_KIND_FILE },
	[SENSOR_FIELD_FILE_SHA256] = { "file.sha256", S, SENSOR_KIND_FILE },
	[SENSOR_FIELD_FILE_NLINK] = { "file.nlink", I, SENSOR_KIND_FILE },
	[SENSOR_FIELD_NET_OP] = { "net.op", S, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_PROTO] = { "net.proto", S, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_FAMILY] = { "net.family", S, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_SRC] = { "net.src", S, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_SPORT] = { "net.sport", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_DST] = { "net.dst", S, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_DPORT] = { "net.dport", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_STATE] = { "net.state", S, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_NETNS] = { "net.netns", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_BYTES] = { "net.bytes", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_PACKETS] = { "net.packets", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_SYSCALL_NR] = { "syscall.nr", I, SENSOR_KIND_SYSCALL },
	[SENSOR_FIELD_SYSCALL_NAME] = { "syscall.name", S, SENSOR_KIND_SYSCALL },
	[SENSOR_FIELD_SYSCALL_ARCH] = { "syscall.arch", S, SENSOR_KIND_SYSCALL },
	[SENSOR_FIELD_SYSCALL_RET] = { "syscall.ret", I, SENSOR_KIND_SYSCALL },
	[SENSOR_FIELD_SYSCALL_NARGS] = { "syscall.nargs", I, SENSOR_KIND_SYSCALL },
	[SENSOR_FIELD_LOSS_SOURCE] = { "loss.source", S, SENSOR_KIND_LOSS },
	[SENSOR_FIELD_LOSS_COUNT] = { "loss.count", I, SENSOR_KIND_LOSS },
	[SENSOR_FIELD_LOSS_DETAIL] = { "loss.detail", S, SENSOR_KIND_LOSS },
	[SENSOR_FIELD_STATUS_SOURCE] = { "status.source", S, SENSOR_KIND_STATUS },
	[SENSOR_FIELD_STATUS_STATE] = { "status.state", S, SENSOR_KIND_STATUS },
	[SENSOR_FIELD_STATUS_DETAIL] = { "status.detail", S, SENSOR_KIND_STATUS },
	[SENSOR_FIELD_VERDICT_DECISION] = { "verdict.decision", S, 0 },
	[SENSOR_FIELD_VERDICT_REASON] = { "verdict.reason", S, 0 },
	[SENSOR_FIELD_PROCESS_TTY] = { "process.tty", S, 0 },
	[SENSOR_FIELD_NET_REPLY_SRC] = { "net.reply_src", S, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_REPLY_SPORT] = { "net.reply_sport", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_REPLY_DST] = { "net.reply_dst", S, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_REPLY_DPORT] = { "net.reply_dport", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_ICMP_TYPE] = { "net.icmp_type", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_ICMP_CODE] = { "net.icmp_code", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_STATUS] = { "net.status", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_ZONE] = { "net.zone", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_MARK] = { "net.mark", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_FLOW_ID] = { "net.flow_id", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_REPLY_BYTES] = { "net.reply_bytes", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_REPLY_PACKETS] = { "net.reply_packets", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_START] = { "net.start", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_STOP] = { "net.stop", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_TIMEOUT] = { "net.timeout", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_ATTRIBUTION] = { "net.attribution", S, SENSOR_KIND_NET },
	[SENSOR_FIELD_NET_QUEUE] = { "net.queue", I, SENSOR_KIND_NET },
	[SENSOR_FIELD_HOST_NAME] = { "host.name", S, 0 },
	[SENSOR_FIELD_HOST_BOOT_ID] = { "host.boot_id", S, 0 },
	[SENSOR_FIELD_WORKLOAD_IMAGE] = { "workload.image", S, 0 },
	[SENSOR_FIELD_WORKLOAD_POD_NAME] = { "workload.pod_name", S, 0 },
	[SENSOR_FIELD_WORKLOAD_NAMESPACE] = { "workload.namespace", S, 0 },
	[SENSOR_FIELD_WORKLOAD_CONTAINER_NAME] = { "workload.container_name", S, 0 },
	[SENSOR_FIELD_PROCESS_RUNTIME] = { "process.runtime", I, 0 },
	[SENSOR_FIELD_EXEC_SECONDARY] = { "exec.secondary", I, SENSOR_KIND_EXEC },
	[SENSOR_FIELD_EXEC_DRIFT] = { "exec.drift", I, SENSOR_KIND_EXEC },
	[SENSOR_FIELD_EXEC_APPLET] = { "exec.applet", I, SENSOR_KIND_EXEC },
	[SENSOR_FIELD_FILE_MODE] = { "file.mode", I, SENSOR_KIND_FILE },
	[SENSOR_FIELD_FILE_INTERNAL] = { "file.internal", I, SENSOR_KIND_FILE },
};

#undef I
#undef S

static const char *const kind_names[SENSOR__KIND_MAX] = {
	[SENSOR_KIND_EXEC] = "exec",       [SENSOR_KIND_EXIT] = "exit",
	[SENSOR_KIND_FILE] = "file",       [SENSOR_KIND_NET] = "net",
	[SENSOR_KIND_SYSCALL] = "syscall", [SENSOR_KIND_LOSS] = "loss",
	[SENSOR_KIND_STATUS] = "status",
};

const char *sensor_kind_name(enum sensor_kind kind)
{
	if ((unsigned)kind >= SENSOR__KIND_MAX)
		return NULL;
	return kind_names[kind];
}

const char *sensor_field_name(enum sensor_field field)
{
	if ((unsigned)field >= SENSOR__FIELD_MAX)
		return NULL;
	return ev_fields[field].name;
}

int sensor_field_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int f = 1; f < SENSOR__FIELD_MAX; f++)
		if (ev_fields[f].name && strcmp(ev_fields[f].name, name) == 0)
			return f;
	return -EINVAL;
}

int sensor_field_type(enum sensor_field field)
{
	if ((unsigned)field >= SENSOR__FIELD_MAX || !ev_fields[field].name)
		return -EINVAL;
	return ev_fields[field].type;
}

enum sensor_kind field_kind(enum sensor_field f)
{
	if ((unsigned)f >= SENSOR__FIELD_MAX)
		return SENSOR_KIND_NONE;
	return (enum sensor_kind)ev_fields[f].kind;
}

bool field_allowed(enum sensor_field f, enum sensor_kind k)
{
	if ((unsigned)f >= SENSOR__FIELD_MAX || !ev_fields[f].name)
		return false;
	return ev_fields[f].kind == 0 || ev_fields[f].kind == k;
}
