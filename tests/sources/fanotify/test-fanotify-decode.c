/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fanotify decoder and event building on buffers recorded from the
 * real kernel (fuzz/seeds/fanotify, see record-seeds.c), through the same
 * dispatch code as production, with an offline source (no kernel group,
 * so handles resolve to "(unknown)/name").
 */
#include <errno.h>
#include <linux/fanotify.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "sources/fanotify/fanotify-internal.h"
#include "testlib.h"

#include "fan-collect.h"

static void *seed(const char *name, size_t *len)
{
	char p[1024];
	char *raw;
	void *buf;

	snprintf(p, sizeof(p), "%s/fuzz/seeds/fanotify/%s", getenv("SENSOR_SOURCE_ROOT"), name);
	raw = read_file(p, len);
	cr_assert_not_null(raw, "seed %s", p);
	buf = aligned_alloc(8, (*len + 7) & ~(size_t)7); /* as the kernel's buffer is */
	cr_assert_not_null(buf);
	memcpy(buf, raw, *len);
	free(raw);
	return buf;
}

static int decode_all(const void *buf, size_t len, struct fan_record *recs, int max, int *err)
{
	size_t off = 0;
	int n = 0, r;

	*err = 0;
	while ((r = fan_decode(buf, len, &off, &recs[n < max ? n : max - 1])) != 0) {
		if (r == -EBADMSG || r == -EPROTO) {
			*err = r;
			break;
		}
		if (r < 0)
			*err = r;
		n++;
	}
	return n;
}

static struct sensor_source *offline(sensor_ctx **ctx)
{
	struct sensor_source *src;

	cr_assert_eq(sensor_ctx_new(NULL, ctx), 0);
	sensor_ctx_set_event_cb(*ctx, collect, NULL);
	cr_assert_eq(fan_offline_source(*ctx, &src), 0);
	nev = 0;
	return src;
}

static int find(const char *op, const char *path)
{
	for (int i = 0; i < nev; i++)
		if (strcmp(evs[i].op, op) == 0 && strcmp(evs[i].path, path) == 0)
			return i;
	return -1;
}

Test(fanotify_decode, recorded_buffers_decode_completely)
{
	static const struct {
		const char *name;
		int records;
	} want[] = {
		{ "target-pidfd-00.bin", 9 }, { "dfid-name-00.bin", 5 },
		{ "dfid-name-moves-00.bin", 5 }, { "overflow-00.bin", 1019 }, { "perm-00.bin", 1 },
	};
	static struct fan_record recs[2048];

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		size_t len;
		void *buf = seed(want[i].name, &len);
		int err, n = decode_all(buf, len, recs, 2048, &err);

		cr_expect_eq(n, want[i].records, "%s: %d records", want[i].name, n);
		cr_expect_eq(err, 0, "%s: error %d", want[i].name, err);
		free(buf);
	}
}

Test(fanotify_decode, rename_record_has_both_names_and_pidfd)
{
	static struct fan_record recs[16];
	size_t len;
	void *buf = seed("target-pidfd-00.bin", &len);
	int err, n = decode_all(buf, len, recs, 16, &err);

	cr_assert_eq(n, 9);
	cr_assert_eq(recs[3].mask, FAN_RENAME);
	cr_assert(recs[3].old_dfid.present && recs[3].new_dfid.present);
	cr_expect_eq(recs[3].old_dfid.name_len, 1);
	cr_expect_eq(memcmp(recs[3].old_dfid.name, "a", 1), 0);
	cr_expect_eq(memcmp(recs[3].new_dfid.name, "b", 1), 0);
	cr_expect(recs[3].fid.present, "target fid");
	/* recorded after the workload was reaped: FAN_NOPIDFD instead of a pidfd */
	cr_expect(recs[3].has_pidfd && recs[3].pidfd == FAN_NOPIDFD);
	/* the recorder itself (mkdir) was alive: a real pidfd */
	cr_expect(recs[0].has_pidfd && recs[0].pidfd >= 0);
	cr_expect_eq(recs[3].old_dfid.fsid, recs[3].new_dfid.fsid);
	for (int i = 0; i < n; i++)
		cr_expect_eq(recs[i].fd, FAN_NOFD, "FID mode carries no fd");
	/* the attrib of a hard-linked file carries only the object's handle */
	cr_expect(recs[4].fid.present && !recs[4].dfid.present);
	free(buf);
}

Test(fanotify_decode, merged_masks_become_one_event_per_op)
{
	sensor_ctx *ctx;
	struct sensor_source *src = offline(&ctx);
	size_t len;
	void *buf = seed("target-pidfd-00.bin", &len);
	int n = fan_notify_dispatch(src, buf, len), i;

	/* 1 mkdir, 5 (create open write attrib close_write), 1 mkdir, 1 rename, 1 attrib,
	 * 2 (create delete), 1 rename of a dir, 4 (open read close_nowrite delete), 1 rmdir */
	cr_expect_eq(n, 17, "%d events", n);
	cr_expect_geq(find("create", "(unknown)/a"), 0);
	cr_expect_geq(find("write", "(unknown)/a"), 0);
	cr_expect_geq(find("close_write", "(unknown)/a"), 0);
	cr_expect_geq(find("close_nowrite", "(unknown)/b"), 0);
	cr_expect_geq(find("delete", "(unknown)/b"), 0);
	i = find("rename", "(unknown)/a");
	cr_assert_geq(i, 0);
	cr_expect_str_eq(evs[i].to, "(unknown)/b");
	i = find("rename", "(unknown)/sub");
	cr_assert_geq(i, 0);
	cr_expect_str_eq(evs[i].to, "(unknown)/sub2");
	free(buf);
	sensor_ctx_free(ctx);
}

Test(fanotify_decode, moves_without_fan_rename)
{
	sensor_ctx *ctx;
	struct sensor_source *src = offline(&ctx);
	size_t len;
	void *buf = seed("dfid-name-moves-00.bin", &len);
	int i;

	fan_notify_dispatch(src, buf, len);
	i = find("rename", "(unknown)/a");
	cr_expect_geq(i, 0, "moved_from");
	for (i = 0; i < nev; i++)
		if (strcmp(evs[i].to, "(unknown)/b") == 0)
			break;
	cr_expect_lt(i, nev, "moved_to carries the new name in file.to");
	free(buf);
	sensor_ctx_free(ctx);
}

Test(fanotify_decode, overflow_is_a_loss_event)
{
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	sensor_ctx *ctx;
	struct sensor_source *src = offline(&ctx);
	size_t len;
	void *buf = seed("overflow-00.bin", &len);
	int files = 0, losses = 0;

	fan_notify_dispatch(src, buf, len);
	for (int i = 0; i < nev; i++) {
		files += evs[i].kind == SENSOR_KIND_FILE;
		losses += evs[i].kind == SENSOR_KIND_LOSS;
	}
	cr_expect_eq(files, 1018);
	cr_expect_eq(losses, 1);
	sensor_source_get_stats(src, &ss);
	cr_expect_eq(ss.lost, 1);
	cr_expect_eq(ss.errors, 0);
	free(buf);
	sensor_ctx_free(ctx);
}

Test(fanotify_decode, every_truncation_is_a_clean_error)
{
	static const char *const names[] = { "target-pidfd-00.bin", "dfid-name-00.bin", "perm-00.bin" };
	sensor_ctx *ctx;
	struct sensor_source *src = offline(&ctx);

	for (size_t s = 0; s < 3; s++) {
		size_t len;
		unsigned char *buf = seed(names[s], &len);

		for (size_t cut = 0; cut < len; cut++) {
			unsigned char *b = malloc(cut ? cut : 1);
			static struct fan_record recs[16];
			int err;

			memcpy(b, buf, cut);
			decode_all(b, cut, recs, 16, &err);
			/* a cut inside an event is seen; a cut between events is not an error */
			cr_expect(err == 0 || err == -EBADMSG, "cut %zu: %d", cut, err);
			fan_notify_dispatch(src, b, cut);
			free(b);
		}
		free(buf);
	}
	sensor_ctx_free(ctx);
}

Test(fanotify_decode, malformed_info_records)
{
	size_t len;
	unsigned char *buf = seed("target-pidfd-00.bin", &len);
	struct fan_record rec;
	size_t off = 0;
	uint16_t ml;

	memcpy(&ml, buf + 6, 2);
	/* an info record claiming zero length: the event is skipped, the walk goes on */
	buf[ml + 2] = 0;
	buf[ml + 3] = 0;
	cr_expect_eq(fan_decode(buf, len, &off, &rec), -EINVAL);
	cr_expect_gt(off, 0);
	cr_expect_eq(fan_decode(buf, len, &off, &rec), 1);
	/* an unknown metadata version stops the walk */
	buf[off + 4] = 99;
	cr_expect_eq(fan_decode(buf, len, &off, &rec), -EPROTO);
	free(buf);
}

Test(fanotify_path, join_and_under)
{
	char b[16];

	cr_expect_eq(fan_path_join("/tmp", 4, "a", 1, b, sizeof(b)), 6);
	cr_expect_str_eq(b, "/tmp/a");
	cr_expect_eq(fan_path_join("/", 1, "a", 1, b, sizeof(b)), 2);
	cr_expect_str_eq(b, "/a");
	cr_expect_eq(fan_path_join("/tmp", 4, ".", 1, b, sizeof(b)), 4);
	cr_expect_str_eq(b, "/tmp");
	cr_expect_eq(fan_path_join("/tmp/aaaaaa", 11, "bbbb", 4, b, sizeof(b)), -ENAMETOOLONG);
	cr_expect(fan_path_under("/tmp/x/y", 8, "/tmp/x"));
	cr_expect(fan_path_under("/tmp/x", 6, "/tmp/x/"));
	cr_expect(!fan_path_under("/tmp/xy", 7, "/tmp/x"));
	cr_expect(fan_path_under("/anything", 9, "/"));
	cr_expect(!fan_path_under("/tm", 3, "/tmp"));
}

/* Regression: a moved_to record whose name does not fit a path is an error, not a huge copy. */
Test(fanotify_decode, moved_to_with_a_name_too_long)
{
	struct sensor_source_stats ss = { .sz = sizeof(ss) };
	sensor_ctx *ctx;
	struct sensor_source *src = offline(&ctx);
	size_t len;
	void *buf = seed("regress-moved-to-long-name.bin", &len);

	cr_expect_eq(fan_notify_dispatch(src, buf, len), 1);
	cr_assert_eq(nev, 1);
	cr_expect_str_eq(evs[0].op, "rename");
	cr_expect_str_eq(evs[0].to, "");
	cr_expect_str_eq(evs[0].path, "");
	sensor_source_get_stats(src, &ss);
	cr_expect_eq(ss.errors, 1);
	free(buf);
	sensor_ctx_free(ctx);
}
