/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Baseline benchmarks: observations/s into the in-memory model, scores/s,
 * full pipeline events/s (inject -> baseline stage), batched flush rows/s
 * to SQLite against naive per-observation upserts on the same schema, and
 * memory per 10 k features.
 */
#include <malloc.h>
#include <unistd.h>

#include "baseline/baseline.h"
#include "model/features.h"
#include "model/model.h"
#include "bench.h"
#include "store/store.h"

#define NKEYS 10000
#define REPS 5

static char keys[NKEYS][64];
static size_t klen[NKEYS];

static void make_keys(void)
{
	for (int i = 0; i < NKEYS; i++) {
		int n = snprintf(keys[i], sizeof(keys[i]), "file:open:/srv/app/data/f%05d.dat", i);

		klen[i] = (size_t)n;
	}
}

static double bench_observe(void)
{
	struct model m;
	uint32_t wi, idx[NKEYS];
	uint64_t n = 20000000, t0, t1;
	double v[REPS];

	model_init(&m);
	wi = model_wl_get(&m, "w", "container", "", 1);
	for (int i = 0; i < NKEYS; i++)
		idx[i] = model_feat_add(&m, wi, keys[i], klen[i], model_hash(wi, keys[i], klen[i]),
					FEAT_FILE, FEAT_F_APPROVED);
	(void)idx;
	for (int r = 0; r < REPS; r++) {
		t0 = bench_now_ns();
		for (uint64_t i = 0; i < n; i++) {
			unsigned k = (unsigned)(i * 7919 % NKEYS);
			uint64_t h = model_hash(wi, keys[k], klen[k]);
			uint32_t fi = model_feat_find(&m, wi, keys[k], klen[k], h);

			model_feat_observe(&m, fi, 1795428000000000000ull + i * 1000);
		}
		t1 = bench_now_ns();
		v[r] = (double)n / ((double)(t1 - t0) / 1e9);
	}
	model_release(&m);
	return bench_median(v, REPS);
}

static void on_alert(sensor_baseline *b, const sensor_alert *a, void *ud)
{
	(void)b;
	(void)a;
	++*(uint64_t *)ud;
}

static double bench_scores(uint64_t *alerts)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .flags = SENSOR_BASELINE_EVENT_TIME,
					  .alert_fn = on_alert, .alert_userdata = alerts };
	sensor_ctx *ctx;
	sensor_baseline *b;
	uint32_t wi;
	uint64_t n = 5000000, t0, t1;
	double v[REPS];

	sensor_ctx_new(NULL, &ctx);
	sensor_baseline_attach(ctx, &o, &b);
	wi = lc_instance(b, "w", "container", "", 1795428000000000000ull);
	for (int i = 0; i < NKEYS; i++)
		for (int k = 0; k < 3; k++)
			score_feature(b, wi, FEAT_FILE, keys[i], klen[i], NULL,
				      1795428000000000000ull + (uint64_t)k);
	b->m.wls[wi].state = WL_MONITORING;
	for (int r = 0; r < REPS; r++) {
		t0 = bench_now_ns();
		for (uint64_t i = 0; i < n; i++) {
			unsigned k = (unsigned)(i * 7919 % NKEYS);

			score_feature(b, wi, FEAT_FILE, keys[k], klen[k], NULL,
				      1795428000000000000ull + i * 100);
		}
		t1 = bench_now_ns();
		v[r] = (double)n / ((double)(t1 - t0) / 1e9);
	}
	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
	return bench_median(v, REPS);
}

static double bench_pipeline(void)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .flags = SENSOR_BASELINE_EVENT_TIME };
	sensor_ctx *ctx;
	sensor_source *src;
	sensor_baseline *b;
	uint64_t n = 500000, t0, t1;
	double v[REPS];
	char path[64];

	sensor_ctx_new(NULL, &ctx);
	sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src);
	sensor_baseline_attach(ctx, &o, &b);
	for (int r = 0; r < REPS; r++) {
		t0 = bench_now_ns();
		for (uint64_t i = 0; i < n; i++) {
			sensor_event *ev;

			sensor_inject_new(src, SENSOR_KIND_FILE, &ev);
			snprintf(path, sizeof(path), "/srv/app/data/f%05u.dat", (unsigned)(i % 1000));
			sensor_event_set_int(ev, SENSOR_FIELD_TIME, (int64_t)(1795428000000000000ull + i));
			sensor_event_set_str(ev, SENSOR_FIELD_WORKLOAD_ID, i % 2 ? "a" : "b");
			sensor_event_set_str(ev, SENSOR_FIELD_FILE_OP, "open");
			sensor_event_set_str(ev, SENSOR_FIELD_FILE_PATH, path);
			sensor_inject_emit(src, ev);
		}
		t1 = bench_now_ns();
		v[r] = (double)n / ((double)(t1 - t0) / 1e9);
	}
	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
	return bench_median(v, REPS);
}

static void bench_flush(const char *dir)
{
	char p1[256], p2[256];
	struct sensor_store *s;
	struct model m;
	uint32_t wi, hours[HOURS_OF_WEEK] = { [10] = 1 };
	uint64_t t0, t1;
	int rows, naive_n = 5000;
	double batched, naive;

	snprintf(p1, sizeof(p1), "%s/batched.db", dir);
	snprintf(p2, sizeof(p2), "%s/naive.db", dir);
	/* batched: NKEYS dirty features in one transaction */
	store_open(p1, false, &s);
	model_init(&m);
	wi = model_wl_get(&m, "w", "container", "", 1);
	for (int i = 0; i < NKEYS; i++) {
		uint32_t fi = model_feat_add(&m, wi, keys[i], klen[i],
					     model_hash(wi, keys[i], klen[i]), FEAT_FILE,
					     FEAT_F_APPROVED);

		model_feat_observe(&m, fi, 1795428000000000000ull);
	}
	t0 = bench_now_ns();
	rows = store_flush(s, &m, NULL, NULL, NULL, 0);
	t1 = bench_now_ns();
	batched = (double)rows / ((double)(t1 - t0) / 1e9);
	model_release(&m);
	store_close(s);
	/* naive: one autocommitted upsert per observation (WAL, synchronous=NORMAL too) */
	store_open(p2, false, &s);
	t0 = bench_now_ns();
	for (int i = 0; i < naive_n; i++)
		store_upsert_one(s, "w", keys[i], 1, 1, 1, hours);
	t1 = bench_now_ns();
	naive = (double)naive_n / ((double)(t1 - t0) / 1e9);
	store_close(s);
	bench_result("flush_batched_rows_per_s", batched, "rows/s");
	bench_result("flush_naive_upserts_per_s", naive, "rows/s");
	bench_result("flush_batched_vs_naive", batched / naive, "x");
}

static void bench_memory(void)
{
	struct model m;
	uint32_t wi;
	size_t before, after, structural;
	struct mallinfo2 a, b;

	a = mallinfo2();
	model_init(&m);
	wi = model_wl_get(&m, "w", "container", "", 1);
	for (int i = 0; i < NKEYS; i++)
		model_feat_add(&m, wi, keys[i], klen[i], model_hash(wi, keys[i], klen[i]),
			       FEAT_FILE, FEAT_F_APPROVED);
	b = mallinfo2();
	before = a.uordblks + a.hblkhd;
	after = b.uordblks + b.hblkhd;
	structural = (size_t)m.capfeats * sizeof(struct feat) + m.pool_cap +
		     (size_t)m.nbuckets * sizeof(uint32_t);
	bench_result("memory_per_10k_features_heap", (double)(after - before) / 1024.0, "KiB");
	bench_result("memory_per_10k_features_structural", (double)structural / 1024.0, "KiB");
	bench_result("bytes_per_feature_slot", (double)sizeof(struct feat), "B");
	model_release(&m);
}

int main(void)
{
	char dir[] = "/tmp/bench-baseline-XXXXXX", cmd[128];
	uint64_t alerts = 0;

	bench_print_machine("baseline");
	make_keys();
	bench_result("model_observations_per_s", bench_observe(), "obs/s");
	bench_result("scores_per_s", bench_scores(&alerts), "scores/s");
	bench_result("pipeline_events_per_s_inject_to_baseline", bench_pipeline(), "events/s");
	if (!mkdtemp(dir))
		return 1;
	bench_flush(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	bench_memory();
	return 0;
}
