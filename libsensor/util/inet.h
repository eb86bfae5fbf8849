/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Address text, as inet_ntop(3) writes it. IPv4 is formatted here: glibc's
 * inet_ntop goes through sprintf, which cost more than the rest of a
 * replayed connect event's address handling together. IPv6 goes to
 * inet_ntop (its zero-run compression is not worth a copy).
 */
#ifndef SENSOR_UTIL_INET_H
#define SENSOR_UTIL_INET_H

#include <stddef.h>

/* Like inet_ntop(family, addr, buf, len): buf, or NULL with errno set. */
const char *inet_fmt(int family, const void *addr, char *buf, size_t len);

#endif
