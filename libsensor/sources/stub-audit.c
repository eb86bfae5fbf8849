/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "sources.h"

SOURCE_STUB(source_audit_ops, SENSOR_SOURCE_AUDIT);
