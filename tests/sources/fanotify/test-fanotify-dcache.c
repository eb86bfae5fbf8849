/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The directory path cache and the other shortcuts of the notification
 * path, on synthetic kernel buffers through the production dispatch code
 * (offline source: a handle the cache does not know resolves to
 * "(unknown)/name", so a stale cached path is told apart from a lookup).
 */
#include <linux/fanotify.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "sources/fanotify/fanotify-internal.h"
#include "testlib.h"
#include "fan-kbuf.h"

#include "fan-collect.h"

static struct sensor_source *offline(sensor_ctx **ctx)
{
	struct sensor_source *src;

	cr_assert_eq(sensor_ctx_new(NULL, ctx), 0);
	sensor_ctx_set_event_cb(*ctx, collect, NULL);
	cr_assert_eq(fan_offline_source(*ctx, &src), 0);
	nev = 0;
	return src;
}

/* What a lookup of directory id would have put into the cache. */
static void cache_dir(struct sensor_source *src, uint32_t id, const char *path)
{
	struct fan_src *fs = src->priv;
	struct kbuf k = { .len = 0 };
	struct fan_record rec;
	size_t off = 0;

	entry_event(&k, FAN_CREATE, id, "x", 1);
	cr_assert_eq(fan_decode(k.b, k.len, &off, &rec), 1);
	fan_dcache_stamp(&fs->dcache);
	cr_assert_not_null(fan_dcache_put(&fs->dcache, &rec.dfid, path, strlen(path)));
}

/* Dispatch k and return the path of the only event it gave. */
static const char *one_path(struct sensor_source *src, struct kbuf *k)
{
	nev = 0;
	cr_assert_eq(fan_notify_dispatch(src, k->b, k->len), 1);
	cr_assert_eq(nev, 1);
	return evs[0].path;
}

static const char *create_in(struct sensor_source *src, uint32_t dir, const char *name)
{
	struct kbuf k = { .len = 0 };

	entry_event(&k, FAN_CREATE, dir, name, 99);
	return one_path(src, &k);
}

Test(fanotify_dcache, a_cached_directory_is_used)
{
	sensor_ctx *ctx;
	struct sensor_source *src = offline(&ctx);

	cr_expect_str_eq(create_in(src, 10, "a"), "(unknown)/a", "not cached: a lookup");
	cache_dir(src, 10, "/w/d");
	cr_expect_str_eq(create_in(src, 10, "a"), "/w/d/a");
	cr_expect_str_eq(create_in(src, 11, "a"), "(unknown)/a", "another handle");
	sensor_ctx_free(ctx);
}

/* After each of these the cached path may be stale: the next event must not use it. */
static void flushed_by(void (*make)(struct kbuf *k), bool emits)
{
	sensor_ctx *ctx;
	struct sensor_source *src = offline(&ctx);
	struct kbuf k = { .len = 0 };

	cache_dir(src, 10, "/w/d");
	cr_assert_str_eq(create_in(src, 10, "a"), "/w/d/a");
	make(&k);
	nev = 0;
	fan_notify_dispatch(src, k.b, k.len);
	cr_expect_eq(nev, emits ? 1 : 0);
	cr_expect_str_eq(create_in(src, 10, "b"), "(unknown)/b", "a stale path was reported");
	sensor_ctx_free(ctx);
}

static void dir_rename(struct kbuf *k)
{
	rename_event(k, FAN_ONDIR, 1, "d", 1, "e", 10);
}

static void dir_rename_elsewhere(struct kbuf *k)
{
	/* an ancestor (or any directory) moved: every cached path below it is stale */
	rename_event(k, FAN_ONDIR, 2, "x", 3, "y", 20);
}

static void dir_moved_from(struct kbuf *k)
{
	entry_event(k, FAN_MOVED_FROM | FAN_ONDIR, 1, "d", 10);
}

static void dir_delete(struct kbuf *k)
{
	entry_event(k, FAN_DELETE | FAN_ONDIR, 1, "d", 10);
}

static void overflow(struct kbuf *k)
{
	ev_begin(k, FAN_Q_OVERFLOW);
	ev_end(k);
}

Test(fanotify_dcache, flushed_by_a_directory_rename)
{
	flushed_by(dir_rename, true);
}

Test(fanotify_dcache, flushed_by_any_directory_rename)
{
	flushed_by(dir_rename_elsewhere, true);
}

Test(fanotify_dcache, flushed_by_a_directory_move_without_fan_rename)
{
	flushed_by(dir_moved_from, true);
}

Test(fanotify_dcache, flushed_by_a_directory_delete)
{
	flushed_by(dir_delete, true);
}

Test(fanotify_dcache, flushed_by_an_overflow)
{
	flushed_by(overflow, true); /* the loss event */
}

Test(fanotify_dcache, kept_across_file_renames_and_deletes)
{
	sensor_ctx *ctx;
	struct sensor_source *src = offline(&ctx);
	struct kbuf k = { .len = 0 };

	cache_dir(src, 10, "/w/d");
	rename_event(&k, 0, 10, "a", 10, "b", 50);
	entry_event(&k, FAN_DELETE, 10, "b", 50);
	nev = 0;
	cr_assert_eq(fan_notify_dispatch(src, k.b, k.len), 2);
	cr_expect_str_eq(evs[0].path, "/w/d/a");
	cr_expect_str_eq(evs[0].to, "/w/d/b");
	cr_expect_str_eq(evs[1].path, "/w/d/b");
	cr_expect_str_eq(create_in(src, 10, "c"), "/w/d/c");
	sensor_ctx_free(ctx);
}

Test(fanotify_dcache, exclusions_judged_per_directory)
{
	sensor_ctx *ctx;
	struct sensor_source *src = offline(&ctx);
	struct kbuf k = { .len = 0 };

	/* defaults exclude /var/lib/rtsensor (and /proc, /sys, ...) */
	cache_dir(src, 10, "/var/lib/rtsensor/db");
	cache_dir(src, 11, "/var/lib");
	cache_dir(src, 12, "/var/libx");
	entry_event(&k, FAN_CREATE, 10, "a", 90);        /* below an excluded prefix */
	entry_event(&k, FAN_CREATE, 11, "rtsensor", 91); /* the prefix itself */
	entry_event(&k, FAN_CREATE, 11, "rtsensorx", 92);
	entry_event(&k, FAN_CREATE, 12, "rtsensor", 93);
	nev = 0;
	cr_assert_eq(fan_notify_dispatch(src, k.b, k.len), 2);
	cr_expect_str_eq(evs[0].path, "/var/lib/rtsensorx");
	cr_expect_str_eq(evs[1].path, "/var/libx/rtsensor");
	sensor_ctx_free(ctx);
}

Test(fanotify_dcache, unlink_attrib_dropped_only_before_its_delete)
{
	sensor_ctx *ctx;
	struct sensor_source *src = offline(&ctx);
	struct fan_src *fs = src->priv;
	struct kbuf k = { .len = 0 };

	fs->have_target_fid = true;
	cache_dir(src, 10, "/w/d");
	/* the attrib of an unlink, then its delete: the delete alone */
	ev_begin(&k, FAN_ATTRIB);
	info_fid(&k, FAN_EVENT_INFO_TYPE_FID, 50, NULL);
	ev_end(&k);
	entry_event(&k, FAN_DELETE, 10, "f", 50);
	/* an attrib of another object before that delete: looked up, reported */
	ev_begin(&k, FAN_ATTRIB);
	info_fid(&k, FAN_EVENT_INFO_TYPE_FID, 51, NULL);
	ev_end(&k);
	entry_event(&k, FAN_DELETE, 10, "g", 52);
	nev = 0;
	cr_assert_eq(fan_notify_dispatch(src, k.b, k.len), 3);
	cr_expect_str_eq(evs[0].op, "delete");
	cr_expect_str_eq(evs[0].path, "/w/d/f");
	cr_expect_str_eq(evs[1].op, "attrib");
	cr_expect_str_eq(evs[1].path, "(unknown)");
	cr_expect_str_eq(evs[2].op, "delete");
	cr_expect_eq(fs->unlink_attribs, 1);
	sensor_ctx_free(ctx);
}
