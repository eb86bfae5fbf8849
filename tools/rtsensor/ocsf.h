/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Our events and alerts as OCSF 1.1 objects (architecture §6, docs/ocsf.md), so
 * that tools that speak the Open Cybersecurity Schema Framework read
 * rtsensor's output without a custom parser. One mapping, from the
 * documented JSON (docs/events.md, docs/alerts.md): an event is rendered
 * with sensor_event_to_json() first, and an alert's evidence events are
 * the same objects. Whatever has no OCSF attribute is kept under
 * "unmapped", so nothing is lost in the translation.
 *
 *   exec, exit      -> Process Activity (1007): Launch, Terminate
 *   file            -> File System Activity (1001)
 *   net             -> Network Activity (4001)
 *   syscall         -> Kernel Activity (1003): Invoke, kernel.type_id System Call
 *   loss, status    -> Base Event (0), activity Other
 *   alert           -> Detection Finding (2004): Create
 */
#ifndef RTSENSOR_OCSF_H
#define RTSENSOR_OCSF_H

#include <jansson.h>

/* An OCSF object for one of our event objects (borrowed), or NULL when it is not one. */
json_t *ocsf_event(json_t *ev, const char *hostname);

/* An OCSF Detection Finding for one of our alert objects (borrowed), or NULL. */
json_t *ocsf_alert(json_t *alert, const char *hostname);

/*
 * Convert one JSON line of ours (an event or an alert) to one OCSF line:
 * a malloc'd, NUL-terminated string the caller frees, or NULL (bad input,
 * no memory).
 */
char *ocsf_line(const char *json, size_t len, const char *hostname);

#endif
