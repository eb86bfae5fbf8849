/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsensor — umbrella header: #include <libsensor/sensor.h> */
#ifndef LIBSENSOR_SENSOR_H
#define LIBSENSOR_SENSOR_H

#include <libsensor/sensor-common.h>
#include <libsensor/sensor-event.h>
#include <libsensor/sensor-context.h>
#include <libsensor/sensor-fanotify.h>
#include <libsensor/sensor-seccomp.h>
#include <libsensor/sensor-audit.h>
#include <libsensor/sensor-conntrack.h>
#include <libsensor/sensor-nfqueue.h>
#include <libsensor/sensor-baseline.h>

#endif
