/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Event -> one JSON object (architecture §3, docs/events.md). Driven by the field
 * table: a field "net.dport" is member "dport" of object "net", so names
 * in JSON, rules and the CLI cannot drift apart.
 */
#include <errno.h>
#include <string.h>

#include "context.h"
#include "event.h"
#include "util/jw.h"

struct section {
	const char *name;
	enum sensor_field first, last;
	enum sensor_kind kind; /* 0: every kind */
	/* fields of the section appended to the enum later (not in first..last) */
	enum sensor_field more_first, more_last;
	enum sensor_field more2_first, more2_last; /* a second such range, 0: none */
};

static const struct section sections[] = {
	{ "process", SENSOR_FIELD_PROCESS_PID, SENSOR_FIELD_PROCESS_START, 0,
	  SENSOR_FIELD_PROCESS_RUNTIME, SENSOR_FIELD_PROCESS_RUNTIME },
	{ "workload", SENSOR_FIELD_WORKLOAD_KIND, SENSOR_FIELD_WORKLOAD_CGROUP, 0,
	  SENSOR_FIELD_WORKLOAD_IMAGE, SENSOR_FIELD_WORKLOAD_CONTAINER_NAME },
	{ "exec", SENSOR_FIELD_EXEC_PATH, SENSOR_FIELD_EXEC_ARGC, SENSOR_KIND_EXEC,
	  SENSOR_FIELD_EXEC_SECONDARY, SENSOR_FIELD_EXEC_DRIFT, SENSOR_FIELD_EXEC_APPLET,
	  SENSOR_FIELD_EXEC_APPLET },
	{ "exit", SENSOR_FIELD_EXIT_CODE, SENSOR_FIELD_EXIT_SIGNAL, SENSOR_KIND_EXIT },
	{ "file", SENSOR_FIELD_FILE_OP, SENSOR_FIELD_FILE_HOST_TO, SENSOR_KIND_FILE,
	  SENSOR_FIELD_FILE_MODE, SENSOR_FIELD_FILE_INTERNAL, SENSOR_FIELD_FILE_SHA256,
	  SENSOR_FIELD_FILE_NLINK },
	{ "net", SENSOR_FIELD_NET_OP, SENSOR_FIELD_NET_QUEUE, SENSOR_KIND_NET },
	{ "syscall", SENSOR_FIELD_SYSCALL_NR, SENSOR_FIELD_SYSCALL_NARGS, SENSOR_KIND_SYSCALL },
	{ "loss", SENSOR_FIELD_LOSS_SOURCE, SENSOR_FIELD_LOSS_DETAIL, SENSOR_KIND_LOSS },
	{ "status", SENSOR_FIELD_STATUS_SOURCE, SENSOR_FIELD_STATUS_DETAIL, SENSOR_KIND_STATUS },
	{ "verdict", SENSOR_FIELD_VERDICT_DECISION, SENSOR_FIELD_VERDICT_REASON, 0 },
	{ "host", SENSOR_FIELD_HOST_NAME, SENSOR_FIELD_HOST_BOOT_ID, 0 },
};

static void write_section(struct jw *w, const sensor_event *ev, const struct section *s)
{
	bool open = false;
	size_t skip = strlen(s->name) + 1; /* "net." */

	const enum sensor_field rng[3][2] = { { s->first, s->last },
					      { s->more_first, s->more_last },
					      { s->more2_first, s->more2_last } };

	for (int ri = 0; ri < 3; ri++)
	for (enum sensor_field f = rng[ri][0]; f && f <= rng[ri][1]; f++) {
		const char *name;

		name = sensor_field_name(f) + skip;
		int64_t iv;
		const char *sv;

		if (f == SENSOR_FIELD_EXEC_ARGC) {
			const char *const *argv;
			int argc = sensor_event_get_argv(ev, &argv);

			if (argc < 0)
				continue;
			if (!open)
				jw_obj_open(w, s->name);
			open = true;
			jw_arr_open(w, "argv");
			for (int i = 0; i < argc; i++)
				jw_item_str(w, argv[i]);
			jw_arr_close(w);
			continue;
		}
		if (f == SENSOR_FIELD_SYSCALL_NARGS) {
			const uint64_t *args;
			int n = sensor_event_get_args(ev, &args);

			if (n < 0)
				continue;
			if (!open)
				jw_obj_open(w, s->name);
			open = true;
			jw_arr_open(w, "args");
			/* registers as signed 64-bit (AT_FDCWD is -100): what every
			 * JSON reader holds exactly, unlike integers above 2^63 - 1 */
			for (int i = 0; i < n; i++)
				jw_item_i64(w, (int64_t)args[i]);
			jw_arr_close(w);
			continue;
		}
		if (ev_field_type(f) == SENSOR_FIELD_TYPE_INT) {
			if (sensor_event_get_int(ev, f, &iv) < 0)
				continue;
			if (!open)
				jw_obj_open(w, s->name);
			open = true;
			jw_kv_i64(w, name, iv);
		} else {
			sv = sensor_event_get_str(ev, f);
			if (!sv)
				continue;
			if (!open)
				jw_obj_open(w, s->name);
			open = true;
			jw_kv_str(w, name, sv);
		}
	}
	if (open)
		jw_obj_close(w);
}

int sensor_event_to_json(const sensor_event *ev, char *buf, size_t len)
{
	struct jw w;
	size_t n;

	if (!ev || (!buf && len))
		return -EINVAL;
	jw_init(&w, buf, len);
	jw_obj_open(&w, NULL);
	jw_kv_str(&w, "kind", sensor_kind_name((enum sensor_kind)ev->kind));
	jw_kv_str(&w, "source", ctx_source_name((enum sensor_source_type)ev->source));
	jw_kv_time(&w, "time", (uint64_t)ev->v[SENSOR_FIELD_TIME].i);
	jw_kv_u64(&w, "seq", (uint64_t)ev->v[SENSOR_FIELD_SEQ].i);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (sections[i].kind && sections[i].kind != ev->kind)
			continue;
		write_section(&w, ev, &sections[i]);
	}
	jw_obj_close(&w);
	n = jw_finish(&w);
	return n > INT32_MAX ? -E2BIG : (int)n;
}
