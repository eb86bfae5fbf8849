/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "proc-connector.h"
#include "sources.h"

SOURCE_STUB(source_proc_ops, SENSOR_SOURCE_PROC);

void proc_connector_sync(struct sensor_ctx *ctx)
{
	(void)ctx;
}
