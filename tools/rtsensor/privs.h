/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Least privilege after start-up (libcap-ng): once its sources are set up,
 * rtsensor keeps only the capabilities they still use at run time and at
 * stop, and sets no_new_privs.
 */
#ifndef RTSENSOR_PRIVS_H
#define RTSENSOR_PRIVS_H

#include <stddef.h>
#include <stdint.h>

#include <libsensor/sensor.h>

/* Capabilities (bit n = CAP n) the running sources of these types need. */
uint64_t privs_for_types(const enum sensor_source_type *types, int n);
/* The same for added sources. */
uint64_t privs_for_sources(sensor_source *const *srcs, int n);
/*
 * Keep only `keep` in the effective, permitted and bounding sets (nothing
 * inheritable or ambient) and set no_new_privs. Only the caps the process
 * holds now can be kept. Without CAP_SETPCAP (not root) only the
 * no_new_privs part applies. 0 or -errno.
 */
int privs_drop(uint64_t keep);
/* "cap_a,cap_b" (or "none") into buf. */
void privs_names(uint64_t caps, char *buf, size_t len);

#endif
