/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one size-prefixed-struct rule (libsensor/util/opts.h, docs/api.md), for
 * every public struct that starts with `size_t sz`, through its public entry:
 * a newer caller's struct (sz > ours) is accepted when the bytes we do not know
 * are zero and refused with -E2BIG when one is not; a sz below the first
 * release's struct is -EINVAL. Statistics structs (out) are written up to the
 * caller's sz, a newer caller's unknown counters zeroed.
 *
 * "Accepted" means the call really succeeds, so the sources run for real:
 * conntrack and NFQUEUE in a private netns, fanotify on a tmpfs in a private
 * mount namespace (Criterion forks each test: the namespaces die with it).
 */
#include <fcntl.h>
#include <libsensor/sensor.h>
#include <sched.h>
#include <stdalign.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "testlib.h"

#define TAIL 24 /* bytes a "newer" caller has beyond our struct */

typedef int (*call_fn)(const void *opts);

/*
 * The valid opts (ours bytes) must give `ok` (a success >= 0: the count of
 * some calls) as they are, with a zero tail, and -E2BIG with any one byte of
 * the tail set; sz one byte short of the first release is -EINVAL.
 */
static void check_struct(const char *name, const void *valid, size_t ours, size_t first,
			 call_fn call)
{
	alignas(max_align_t) unsigned char buf[1024];
	size_t sz = ours + TAIL;
	int ok, r;

	cr_assert_leq(sz, sizeof(buf));
	ok = call(valid);
	cr_assert_geq(ok, 0, "%s: the struct as it is: %d (%s)", name, ok, strerror(-ok));

	memset(buf, 0, sizeof(buf));
	memcpy(buf, valid, ours);
	memcpy(buf, &sz, sizeof(sz));
	r = call(buf);
	cr_assert_eq(r, ok, "%s: zero unknown tail must be accepted: %d (%s)", name, r,
		     strerror(r < 0 ? -r : 0));

	for (size_t at = ours; at < sz; at += TAIL - 1) {
		buf[at] = 0x5a;
		r = call(buf);
		cr_assert_eq(r, -E2BIG, "%s: non-zero byte %zu of %zu past ours: %d, want -E2BIG",
			     name, at - ours, (size_t)TAIL, r);
		buf[at] = 0;
	}

	sz = first - 1;
	memcpy(buf, &sz, sizeof(sz));
	r = call(buf);
	cr_assert_eq(r, -EINVAL, "%s: sz %zu below the first release (%zu): %d, want -EINVAL",
		     name, sz, first, r);
	sz = 0;
	memcpy(buf, &sz, sizeof(sz));
	cr_assert_eq(call(buf), -EINVAL, "%s: sz 0", name);
}

#define CHECK(T, last_of_first_release, valid, call)                                     \
	check_struct(#T, (valid), sizeof(T),                                              \
		     offsetof(T, last_of_first_release) +                                 \
			     sizeof(((T *)0)->last_of_first_release),                     \
		     (call))

/* A context, one source of `type` added with opts, everything freed. */
static int with_source(enum sensor_source_type type, const void *opts)
{
	sensor_ctx *ctx;
	int r;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	r = sensor_source_add(ctx, type, opts, NULL);
	sensor_ctx_free(ctx);
	return r;
}

/* ---- context and injected events (no privilege) ---------------------- */

static int call_ctx(const void *opts)
{
	sensor_ctx *ctx = NULL;
	int r = sensor_ctx_new(opts, &ctx);

	sensor_ctx_free(ctx);
	return r;
}

Test(opts, sensor_ctx_opts)
{
	struct sensor_ctx_opts o = { .sz = sizeof(o), .proc_cache_size = 64 };

	CHECK(struct sensor_ctx_opts, oci_state_roots, &o, call_ctx);
}

static int call_inject(const void *opts)
{
	return with_source(SENSOR_SOURCE_INJECT, opts);
}

Test(opts, sensor_inject_opts)
{
	struct sensor_inject_opts o = { .sz = sizeof(o), .flags = SENSOR_INJECT_ENRICH };

	CHECK(struct sensor_inject_opts, flags, &o, call_inject);
}

/* ---- baseline and rules --------------------------------------------- */

static int call_baseline(const void *opts)
{
	sensor_baseline *b = NULL;
	sensor_ctx *ctx;
	int r;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	r = sensor_baseline_attach(ctx, opts, &b);
	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
	return r;
}

Test(opts, sensor_baseline_opts)
{
	struct sensor_baseline_opts o = { .sz = sizeof(o), .rate_limit = 5 };

	CHECK(struct sensor_baseline_opts, enforce_timeout_ns, &o, call_baseline);
}

static int call_rules_check(const void *opts)
{
	return sensor_rules_check(opts);
}

static int call_set_rules(const void *opts)
{
	sensor_baseline *b;
	sensor_ctx *ctx;
	int r;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_baseline_attach(ctx, NULL, &b), 0);
	r = sensor_baseline_set_rules(b, opts);
	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
	return r;
}

Test(opts, sensor_rules_opts)
{
	char err[128];
	struct sensor_rules_opts o = { .sz = sizeof(o), .err = err, .errlen = sizeof(err) };

	CHECK(struct sensor_rules_opts, errlen, &o, call_rules_check);
	CHECK(struct sensor_rules_opts, errlen, &o, call_set_rules);
}

/* ---- sources ---------------------------------------------------------- */

static int call_proc(const void *opts)
{
	return with_source(SENSOR_SOURCE_PROC, opts);
}

Test(opts, sensor_proc_opts)
{
	struct sensor_proc_opts o = { .sz = sizeof(o), .rcvbuf = 1 << 20 };

	REQUIRE_ROOT();
	CHECK(struct sensor_proc_opts, rcvbuf, &o, call_proc);
}

#if HAVE_SOURCE_AUDIT
static int call_audit(const void *opts)
{
	return with_source(SENSOR_SOURCE_AUDIT, opts);
}

Test(opts, sensor_audit_opts)
{
	/* offline: no kernel rules, no privilege */
	struct sensor_audit_opts o = { .sz = sizeof(o), .flags = SENSOR_AUDIT_OFFLINE };

	CHECK(struct sensor_audit_opts, backlog_limit, &o, call_audit);
}
#endif

#if HAVE_SOURCE_CONNTRACK || HAVE_SOURCE_NFQUEUE
static void enter_netns(void)
{
	REQUIRE_ROOT();
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
}
#endif

#if HAVE_SOURCE_CONNTRACK
static int call_conntrack(const void *opts)
{
	return with_source(SENSOR_SOURCE_CONNTRACK, opts);
}

Test(opts, sensor_conntrack_opts)
{
	struct sensor_conntrack_opts o = { .sz = sizeof(o), .events = SENSOR_CONNTRACK_EV_NEW };

	enter_netns();
	CHECK(struct sensor_conntrack_opts, netns_pid, &o, call_conntrack);
}
#endif

#if HAVE_SOURCE_NFQUEUE
static int call_nfqueue(const void *opts)
{
	return with_source(SENSOR_SOURCE_NFQUEUE, opts);
}

Test(opts, sensor_nfqueue_opts)
{
	struct sensor_nfqueue_opts o = { .sz = sizeof(o), .queue_num = 9 };

	enter_netns();
	CHECK(struct sensor_nfqueue_opts, rcvbuf, &o, call_nfqueue);
}
#endif

#if HAVE_SOURCE_FANOTIFY
#define FAN_DIR "/tmp/rtsensor-test-opts"

static int call_fanotify(const void *opts)
{
	return with_source(SENSOR_SOURCE_FANOTIFY, opts);
}

Test(opts, sensor_fanotify_opts)
{
	static const char *const paths[] = { FAN_DIR, NULL };
	struct sensor_fanotify_opts o = { .sz = sizeof(o), .paths = paths };

	REQUIRE_ROOT();
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare(CLONE_NEWNS): %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	if (mkdir(FAN_DIR, 0700) < 0 && errno != EEXIST)
		cr_assert_fail("mkdir %s: %s", FAN_DIR, strerror(errno));
	cr_assert_eq(mount("test-opts", FAN_DIR, "tmpfs", 0, "size=1m"), 0, "tmpfs: %s",
		     strerror(errno));
	CHECK(struct sensor_fanotify_opts, policy_userdata, &o, call_fanotify);
}
#endif

#if HAVE_SOURCE_SECCOMP
static int call_seccomp(const void *opts)
{
	return with_source(SENSOR_SOURCE_SECCOMP, opts);
}

Test(opts, sensor_seccomp_opts)
{
	struct sensor_seccomp_opts o = { .sz = sizeof(o), .default_errno = EACCES };

	CHECK(struct sensor_seccomp_opts, default_errno, &o, call_seccomp);
}

static char agent_dir[] = "/tmp/rtsensor-test-opts-XXXXXX";

static int call_agent(const void *opts)
{
	sensor_source *src;
	sensor_ctx *ctx;
	char path[128];
	int r;

	snprintf(path, sizeof(path), "%s/agent.sock", agent_dir);
	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, NULL, &src), 0);
	r = sensor_seccomp_add_agent_opts(src, path, opts);
	sensor_ctx_free(ctx);
	unlink(path);
	return r;
}

Test(opts, sensor_seccomp_agent_opts)
{
	struct sensor_seccomp_agent_opts o = { .sz = sizeof(o), .max_channels = 8 };

	cr_assert_not_null(mkdtemp(agent_dir));
	CHECK(struct sensor_seccomp_agent_opts, max_channels_per_peer, &o, call_agent);
	rmdir(agent_dir);
}
#endif

/* ---- statistics (out): written up to the caller's sz ------------------ */

/*
 * get(obj, buf) fills buf; a newer caller's struct (sz > ours) gets its
 * unknown counters zeroed and keeps its sz; a short sz is -EINVAL.
 */
static void check_stats(const char *name, size_t ours, size_t first,
			int (*get)(void *obj, void *st), void *obj)
{
	alignas(max_align_t) unsigned char buf[1024];
	size_t sz = ours + TAIL, got;

	memset(buf, 0xa5, sizeof(buf));
	memcpy(buf, &sz, sizeof(sz));
	cr_assert_eq(get(obj, buf), 0, "%s: newer caller", name);
	memcpy(&got, buf, sizeof(got));
	cr_assert_eq(got, sz, "%s: the caller's sz is kept", name);
	for (size_t i = ours; i < sz; i++)
		cr_assert_eq(buf[i], 0, "%s: unknown counter byte %zu not zeroed", name, i - ours);
	cr_assert_eq(buf[sz], 0xa5, "%s: wrote past the caller's sz", name);

	sz = first - 1;
	memcpy(buf, &sz, sizeof(sz));
	cr_assert_eq(get(obj, buf), -EINVAL, "%s: sz below the first release", name);
}

#define CHECK_STATS(T, last_of_first_release, get, obj)                                  \
	check_stats(#T, sizeof(T),                                                        \
		    offsetof(T, last_of_first_release) +                                  \
			    sizeof(((T *)0)->last_of_first_release),                      \
		    (get), (obj))

static int get_ctx_stats(void *obj, void *st)
{
	return sensor_ctx_get_stats(obj, st);
}

static int get_source_stats(void *obj, void *st)
{
	return sensor_source_get_stats(obj, st);
}

static int get_baseline_stats(void *obj, void *st)
{
	return sensor_baseline_get_stats(obj, st);
}

Test(opts, stats_structs)
{
	sensor_baseline *b;
	sensor_source *src;
	sensor_ctx *ctx;

	cr_assert_eq(sensor_ctx_new(NULL, &ctx), 0);
	cr_assert_eq(sensor_source_add(ctx, SENSOR_SOURCE_INJECT, NULL, &src), 0);
	cr_assert_eq(sensor_baseline_attach(ctx, NULL, &b), 0);
	CHECK_STATS(struct sensor_stats, pending, get_ctx_stats, ctx);
	CHECK_STATS(struct sensor_source_stats, defaulted, get_source_stats, src);
	CHECK_STATS(struct sensor_baseline_stats, enforced_would_deny, get_baseline_stats, b);
	sensor_baseline_free(b);
	sensor_ctx_free(ctx);
}
