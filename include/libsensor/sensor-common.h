/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsensor — common definitions: export macro, versions, enums shared by
 * every public header.
 *
 * Conventions (see docs/api.md):
 *  - every fallible call returns int: >= 0 on success, -errno on failure;
 *  - objects come out through a `ret` parameter written only on success;
 *  - options structs start with their own size (`sz`); pass
 *    `sizeof(struct ...)` so the library can grow them without breaking ABI
 *    (a newer caller's unknown non-zero bytes: -E2BIG; a sz below the first
 *    release's struct: -EINVAL; docs/api.md);
 *  - one time unit: uint64_t nanoseconds; SENSOR_TIME_INFINITY means never.
 */
#ifndef LIBSENSOR_SENSOR_COMMON_H
#define LIBSENSOR_SENSOR_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define SENSOR_EXPORT __attribute__((visibility("default")))
#else
#define SENSOR_EXPORT
#endif

#define SENSOR_VERSION_MAJOR 0
#define SENSOR_VERSION_MINOR 1
#define SENSOR_VERSION_PATCH 0
#define SENSOR_VERSION_STRING "0.1.0"

#define SENSOR_TIME_INFINITY UINT64_MAX

/* Kernel-facing sources. Values are stable; new ones are appended. */
enum sensor_source_type {
	SENSOR_SOURCE_NONE = 0,
	SENSOR_SOURCE_PROC = 1,      /* process connector: exec/exit */
	SENSOR_SOURCE_FANOTIFY = 2,  /* file events and permission decisions */
	SENSOR_SOURCE_AUDIT = 3,     /* Linux audit over netlink */
	SENSOR_SOURCE_CONNTRACK = 4, /* conntrack flow events */
	SENSOR_SOURCE_SECCOMP = 5,   /* seccomp user notification */
	SENSOR_SOURCE_NFQUEUE = 6,   /* NFQUEUE packet verdicts */
	SENSOR_SOURCE_INJECT = 7,    /* events handed in by the embedder (replay, tests) */
	SENSOR__SOURCE_MAX,
	SENSOR__SOURCE_FORCE_INT = 0x7fffffff
};

/* Log levels, syslog numbering. */
enum sensor_log_level {
	SENSOR_LOG_ERR = 3,
	SENSOR_LOG_WARNING = 4,
	SENSOR_LOG_NOTICE = 5,
	SENSOR_LOG_INFO = 6,
	SENSOR_LOG_DEBUG = 7,
	SENSOR__LOG_FORCE_INT = 0x7fffffff
};

/* Library version at run time ("0.1.0"). */
SENSOR_EXPORT const char *sensor_version(void);

/*
 * Compiled-in features, e.g. "+PROC +FANOTIFY +AUDIT -NFQUEUE +SQLITE".
 * Static string, valid for the life of the program.
 */
SENSOR_EXPORT const char *sensor_features(void);

/* Stable lower-case name of a source ("proc", "fanotify", ...), or NULL. */
SENSOR_EXPORT const char *sensor_source_type_name(enum sensor_source_type type);

/*
 * Parse a source name. Returns the source type (> 0) or -EINVAL when the
 * name is unknown.
 */
SENSOR_EXPORT int sensor_source_type_from_name(const char *name);

/*
 * 1 when the source was compiled in, 0 when it was not, -EINVAL for an
 * unknown type.
 */
SENSOR_EXPORT int sensor_source_type_compiled(enum sensor_source_type type);

#ifdef __cplusplus
}
#endif

#endif
