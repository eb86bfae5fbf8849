/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lifecycle, scoring and time-awareness of the baseline, driven through the
 * real dispatch path with an injected clock (the events' time field).
 */
#include "inject.h"

/* Learn the benign workload for `hours` hours, every 10 minutes. */
static void learn(struct tb *t, const char *wl, const char *klass, uint64_t from, int hours)
{
	for (int m = 0; m < hours * 60; m += 10)
		tb_benign(t, wl, klass, from + (uint64_t)m * 60 * SEC);
}

Test(lifecycle, learning_ends_after_min_duration_and_stability)
{
	struct tb t;

	tb_open(&t, NULL); /* min 1 h, stable 10 min */
	tb_benign(&t, "c1", "web", T0);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_LEARNING);
	/* stable for 50 min, but the minimum duration has not passed */
	tb_benign(&t, "c1", "web", T0 + 50 * 60 * SEC);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_LEARNING);
	/* a new feature at 55 min restarts the stability window */
	tb_exec(&t, "c1", "web", "/usr/bin/logrotate", "/bin/sh", T0 + 55 * 60 * SEC);
	tb_benign(&t, "c1", "web", T0 + 61 * 60 * SEC);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_LEARNING);
	/* 1 h passed and nothing new for 10 min: monitoring, by itself */
	tb_benign(&t, "c1", "web", T0 + 66 * 60 * SEC);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_MONITORING);
	cr_assert_eq(sensor_baseline_get_state(t.b, "nope"), -ENOENT);
	/* nothing learned raised an alert */
	cr_assert_eq(t.n, 0, "alerts while learning: %d (%s)", t.n, t.n ? t.a[0].json : "");
	tb_close(&t);
}

Test(lifecycle, relearn_on_request_and_on_class_change)
{
	struct tb t;

	tb_open(&t, NULL);
	learn(&t, "c1", "web", T0, 2);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_MONITORING);
	cr_assert_eq(sensor_baseline_relearn(t.b, "c1"), 1);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_LEARNING);
	cr_assert_eq(sensor_baseline_relearn(t.b, "zz"), -ENOENT);
	learn(&t, "c1", "web", T0 + 3 * HOUR, 2);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_MONITORING);
	/* the image changed: relearn, no anomaly alerts for the new image's behaviour */
	tb_exec(&t, "c1", "web-v2", "/usr/bin/caddy", "/bin/sh", T0 + 6 * HOUR);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_LEARNING);
	cr_assert_eq(t.n, 0);
	tb_close(&t);
}

Test(scoring, reasons_per_kind_and_zero_for_benign)
{
	struct tb t;
	uint64_t mon = T0 + 7 * 24 * HOUR; /* one week later, same hour of week */

	tb_open(&t, NULL);
	learn(&t, "c1", NULL, T0, 2);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_MONITORING);
	/* the same benign behaviour at the same hour of the week: no alert */
	tb_benign(&t, "c1", NULL, mon);
	tb_benign(&t, "c1", NULL, mon + 600 * SEC);
	cr_assert_eq(t.n, 0, "benign gave %d alerts: %s", t.n, t.n ? t.a[0].json : "");
	/* a new temp file name generalises to the known feature: still nothing */
	tb_file(&t, "c1", NULL, "create", "/tmp/tmpQ2w9e8r7", mon + 700 * SEC);
	cr_assert_eq(t.n, 0, "%s", t.n ? t.a[0].json : "");

	tb_exec(&t, "c1", NULL, "/usr/bin/nc", "/bin/sh", mon + 800 * SEC);
	cr_assert_eq(tb_count(&t, "new_exec"), 1, "%d: %s", t.n, t.n ? t.a[0].json : "");
	cr_assert_eq(tb_count(&t, "new_edge"), 1);
	tb_net(&t, "c1", NULL, "connect", "203.0.113.9", 443, mon + 801 * SEC);
	cr_assert_eq(tb_count(&t, "new_peer"), 1);
	tb_file(&t, "c1", NULL, "write", "/var/www/html/shell.php", mon + 802 * SEC);
	/* a baseline file alert gathers the file's ops for file_window_ns first */
	cr_assert_eq(tb_count(&t, "new_file"), 0);
	tb_sys(&t, "c1", NULL, "memfd_create", mon + 803 * SEC);
	cr_assert_eq(tb_count(&t, "new_file"), 1);
	cr_assert_eq(tb_count(&t, "new_syscall"), 1);
	cr_assert_eq(t.n, 5);
	for (int i = 0; i < t.n; i++) {
		cr_expect_str_eq(t.a[i].workload, "c1");
		cr_expect(strstr(t.a[i].json, "\"baseline\":{\"state\":\"monitoring\""), "%s",
			  t.a[i].json);
		cr_expect(strstr(t.a[i].json, "\"evidence\":[{\"kind\":"), "%s", t.a[i].json);
	}
	cr_assert_eq(t.a[0].sev, SENSOR_SEVERITY_HIGH);
	cr_assert_str_eq(t.a[0].feature, "exec:/usr/bin/nc");
	cr_assert(strstr(t.a[0].json, "\"instance_count\":0"));
	/* an unapproved feature stays anomalous but is deduplicated, not re-alerted */
	tb_exec(&t, "c1", NULL, "/usr/bin/nc", "/bin/sh", mon + 830 * SEC);
	cr_assert_eq(tb_count(&t, "new_exec"), 1);
	/* when the window closes the repeat comes out as an aggregate */
	tb_sys(&t, "c1", NULL, "accept4", mon + 1000 * SEC);
	sensor_baseline_flush(t.b);
	cr_assert_eq(tb_count(&t, "new_exec"), 2);
	cr_assert_eq(tb_count(&t, "new_edge"), 2);
	cr_assert_eq(t.a[t.n - 1].count, 1);
	cr_assert_eq(t.a[t.n - 2].count, 1);
	tb_close(&t);
}

Test(scoring, unusual_hour_of_week)
{
	struct tb t;

	tb_open(&t, NULL);
	learn(&t, "c1", NULL, T0, 2); /* Monday 10:00-12:00 */
	tb_benign(&t, "c1", NULL, T0 + 7 * 24 * HOUR + 30 * 60 * SEC); /* next Monday 10:30 */
	cr_assert_eq(t.n, 0);
	/* the same activity on Monday 03:00: never seen at that hour */
	tb_exec(&t, "c1", NULL, "/usr/sbin/nginx", "/bin/sh", T0 + 7 * 24 * HOUR - 7 * HOUR);
	cr_assert_eq(tb_count(&t, "unusual_hour"), 2, "%d alerts", t.n); /* exec and edge */
	cr_assert_eq(t.n, 2);
	cr_assert(strstr(t.a[0].json, "\"hour_of_week\":3"), "%s", t.a[0].json);
	cr_assert(strstr(t.a[0].json, "\"instance_hours_seen\":2"), "%s", t.a[0].json);
	tb_close(&t);
}

Test(scoring, class_prior_and_rare_in_class)
{
	struct tb t;
	uint64_t later = T0 + 3 * HOUR;

	tb_open(&t, NULL);
	tb_exec(&t, "c1", "web", "/usr/bin/curl", "/bin/sh", T0 + 7); /* once, while learning */
	learn(&t, "c1", "web", T0, 2); /* the class "web" matures with c1 */
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_MONITORING);
	/* a fresh instance of a mature class starts monitoring from the prior */
	tb_benign(&t, "c2", "web", later);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c2"), SENSOR_BASELINE_STATE_MONITORING);
	cr_assert_eq(t.n, 0, "prior did not cover c2: %s", t.n ? t.a[0].json : "");
	/* curl: the class saw it once: rare in class */
	tb_exec(&t, "c2", "web", "/usr/bin/curl", "/bin/sh", later + 10);
	cr_assert_eq(tb_count(&t, "rare_in_class"), 2); /* exec and edge */
	cr_assert(strstr(t.a[0].json, "\"class_count\":1"), "%s", t.a[0].json);
	/* behaviour the class never showed is an anomaly of the instance */
	tb_exec(&t, "c2", "web", "/usr/bin/wget", "/bin/sh", later + 20);
	cr_assert_eq(tb_count(&t, "new_exec"), 1);
	tb_close(&t);
}

Test(scoring, burst_of_new_features)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .burst_count = 5 };
	struct tb t;
	char path[64];

	tb_open(&t, &o);
	learn(&t, "c1", NULL, T0, 2);
	for (int i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "/opt/tool%c", 'a' + i);
		tb_file(&t, "c1", NULL, "open", path, T0 + 3 * HOUR + (uint64_t)i * SEC);
	}
	cr_assert_eq(tb_count(&t, "burst"), 1);
	cr_assert_eq(tb_count(&t, "new_file"), 5); /* the last one still gathers ops */
	cr_assert_eq(sensor_baseline_flush_alerts(t.b, 0), 1);
	cr_assert_eq(tb_count(&t, "new_file"), 6);
	tb_close(&t);
}

Test(lifecycle, decay_of_stale_features)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .decay_ns = 24 * HOUR };
	struct sensor_baseline_stats st = { .sz = sizeof(st) };
	struct tb t;

	tb_open(&t, &o);
	learn(&t, "c1", NULL, T0, 2);
	tb_exec(&t, "c1", NULL, "/usr/bin/rare", "/bin/sh", T0 + 10);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_eq(st.features, 9); /* 7 benign + the rare exec and its edge */
	/* two days later only the benign behaviour keeps going */
	tb_benign(&t, "c1", NULL, T0 + 48 * HOUR);
	cr_assert_geq(sensor_baseline_flush(t.b), 0);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_eq(st.decayed, 2, "decayed %llu", (unsigned long long)st.decayed);
	tb_close(&t);
}

Test(baseline, attach_errors)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o) };
	sensor_ctx *ctx;
	sensor_baseline *b, *b2;
	char big[sizeof(o) + 8] = { 0 };

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_baseline_attach(NULL, &o, &b), -EINVAL);
	o.mode = 7;
	cr_assert_eq(sensor_baseline_attach(ctx, &o, &b), -EINVAL);
	o.mode = 0;
	o.rules_path = "/nonexistent/rules";
	cr_assert_eq(sensor_baseline_attach(ctx, &o, &b), -ENOENT);
	o.rules_path = NULL;
	memcpy(big, &o, sizeof(o));
	((struct sensor_baseline_opts *)big)->sz = sizeof(big);
	big[sizeof(o) + 3] = 1;
	cr_assert_eq(sensor_baseline_attach(ctx, (void *)big, &b), -E2BIG);
	cr_assert_eq(sensor_baseline_attach(ctx, NULL, &b), 0);
	cr_assert_eq(sensor_baseline_attach(ctx, NULL, &b2), -EEXIST);
	sensor_baseline_free(b);
	cr_assert_eq(sensor_baseline_attach(ctx, NULL, &b2), 0);
	sensor_baseline_free(b2);
	cr_assert_null(sensor_baseline_free(NULL));
	sensor_ctx_free(ctx);
}

Test(features, keys_of_each_kind)
{
	struct tb t;
	struct sensor_baseline_opts o = { .sz = sizeof(o), .flags = SENSOR_BASELINE_NO_DEFAULT_RULES };
	uint64_t mon = T0 + 7 * 24 * HOUR;
	sensor_event *ev;
	static const uint64_t args[] = { 0 };

	tb_open(&t, &o);
	tb_benign(&t, "c1", NULL, T0);
	tb_benign(&t, "c1", NULL, T0 + 2 * HOUR);
	cr_assert_eq(sensor_baseline_get_state(t.b, "c1"), SENSOR_BASELINE_STATE_MONITORING);
	/* each of these is new: its alert names the feature key */
	tb_file(&t, "c1", NULL, "close_nowrite", "/etc/nginx/mime.types", mon);
	cr_assert_eq(t.n, 0, "close_nowrite made a feature");
	tb_file(&t, "c1", NULL, "close_write", "/var/lib/app/4f3c2a1b9e8d7c6b/state", mon + 1);
	cr_assert_eq(sensor_baseline_flush_alerts(t.b, 0), 1);
	cr_assert_str_eq(t.a[t.n - 1].feature, "file:write:/var/lib/app/*/state");
	ev = tb_new(&t, SENSOR_KIND_NET, "c1", NULL, mon + 2);
	sensor_event_set_str(ev, SENSOR_FIELD_NET_OP, "bind");
	sensor_event_set_str(ev, SENSOR_FIELD_NET_PROTO, "tcp");
	sensor_event_set_int(ev, SENSOR_FIELD_NET_SPORT, 8080);
	tb_emit(&t, ev);
	cr_assert_str_eq(t.a[t.n - 1].feature, "listen:tcp:8080");
	cr_assert_str_eq(t.a[t.n - 1].reason, "new_listen");
	ev = tb_new(&t, SENSOR_KIND_NET, "c1", NULL, mon + 3);
	sensor_event_set_str(ev, SENSOR_FIELD_NET_OP, "accept");
	sensor_event_set_str(ev, SENSOR_FIELD_NET_PROTO, "tcp");
	sensor_event_set_str(ev, SENSOR_FIELD_NET_SRC, "2001:db8::7");
	sensor_event_set_int(ev, SENSOR_FIELD_NET_DPORT, 443);
	tb_emit(&t, ev);
	cr_assert_str_eq(t.a[t.n - 1].feature, "net:in:tcp:2001:db8::/64:443");
	tb_net(&t, "c1", NULL, "flow_end", "203.0.113.1", 9, mon + 4);
	tb_net(&t, "c1", NULL, "connect", "203.0.113.1", 50000, mon + 5);
	cr_assert_str_eq(t.a[t.n - 1].feature, "net:out:tcp:203.0.113.0/24:ephemeral");
	ev = tb_new(&t, SENSOR_KIND_SYSCALL, "c1", NULL, mon + 6);
	sensor_event_set_str(ev, SENSOR_FIELD_SYSCALL_NAME, "setuid");
	sensor_event_set_args(ev, args, 1);
	tb_emit(&t, ev);
	cr_assert_str_eq(t.a[t.n - 1].feature, "identity:setuid:0");
	cr_assert_str_eq(t.a[t.n - 1].reason, "new_identity");
	cr_assert_str_eq(t.a[t.n - 2].feature, "syscall:setuid");
	ev = tb_new(&t, SENSOR_KIND_SYSCALL, "c1", NULL, mon + 7);
	sensor_event_set_int(ev, SENSOR_FIELD_SYSCALL_NR, 321);
	tb_emit(&t, ev);
	cr_assert_str_eq(t.a[t.n - 1].feature, "syscall:321");
	tb_close(&t);
}

#include "model/model.h"

Test(model, hour_profile_inline_then_full)
{
	struct model m;
	uint32_t wi, fi, all[HOURS_OF_WEEK];
	struct feat *f;

	cr_assert_eq(model_init(&m), 0);
	wi = model_wl_get(&m, "w", "container", "", 1);
	fi = model_feat_add(&m, wi, "exec:/x", 7, model_hash(wi, "exec:/x", 7), 1, FEAT_F_APPROVED);
	cr_assert_neq(fi, MODEL_NONE);
	/* hour h observed h+1 times, for 10 distinct hours: inline, then promoted */
	for (unsigned h = 0; h < 10; h++) {
		for (unsigned k = 0; k <= h; k++)
			model_feat_observe(&m, fi, T0 + (uint64_t)h * HOUR - 10 * HOUR); /* Monday 00:00 + h */
		f = &m.feats[fi];
		cr_assert_eq(model_hours_seen(f), h + 1);
		cr_assert_eq(f->hours_full != NULL, h + 1 > FEAT_INLINE_HOURS);
	}
	f = &m.feats[fi];
	model_hours_get(f, all);
	for (unsigned h = 0; h < HOURS_OF_WEEK; h++)
		cr_assert_eq(all[h], h < 10 ? h + 1 : 0, "hour %u", h);
	cr_assert_eq(model_hour_count(f, 9), 10);
	cr_assert_eq(f->count, 55);
	/* set back to a small profile: inline again */
	memset(all, 0, sizeof(all));
	all[167] = 4;
	cr_assert_eq(model_hours_set(f, all), 0);
	cr_assert_null(f->hours_full);
	cr_assert_eq(model_hour_count(f, 167), 4);
	cr_assert_eq(model_hour_add(f, 168, 1), -EINVAL);
	cr_assert_eq(hour_of_week(T0), 10);
	/* removal frees the profile; the slot is reused after a flush-like reset */
	cr_assert_eq(model_feat_remove(&m, fi), 0);
	cr_assert_eq(m.live, 0);
	model_release(&m);
}

static void count_cap_loss(sensor_ctx *ctx, sensor_event *ev, void *ud)
{
	const char *d = sensor_event_get_str(ev, SENSOR_FIELD_LOSS_DETAIL);
	int64_t n = 0;

	(void)ctx;
	if (sensor_event_kind(ev) == SENSOR_KIND_LOSS && d && strstr(d, "cap of 5 features")) {
		sensor_event_get_int(ev, SENSOR_FIELD_LOSS_COUNT, &n);
		*(int64_t *)ud += n;
	}
}

/* Issue 13: a workload that invents features without end (80 k paths in 2 s) is capped, and says so. */
Test(limits, feature_cap_per_workload_is_a_loss_event)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .max_features_per_workload = 5 };
	struct sensor_baseline_stats st = { .sz = sizeof(st) };
	int64_t lost = 0;
	struct tb t;

	tb_open(&t, &o);
	sensor_ctx_set_event_cb(t.ctx, count_cap_loss, &lost);
	for (int i = 0; i < 20; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/usr/bin/tool-%c%c", 'a' + i, 'a' + i);
		tb_exec(&t, "flood", NULL, path, "/bin/sh", T0 + (uint64_t)i * SEC);
	}
	/* another workload still learns */
	tb_exec(&t, "quiet", NULL, "/usr/bin/tool-a", "/bin/sh", T0 + 30 * SEC);
	cr_assert_eq(sensor_baseline_flush(t.b), 0);
	for (int i = 0; i < 4; i++)
		sensor_ctx_process(t.ctx, 0);
	cr_assert_eq(sensor_baseline_get_stats(t.b, &st), 0);
	cr_assert_gt(st.features_capped, 0, "nothing capped");
	cr_assert_eq(lost, (int64_t)st.features_capped, "loss events %lld, capped %llu",
		     (long long)lost, (unsigned long long)st.features_capped);
	tb_close(&t);
}
