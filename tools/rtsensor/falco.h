/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Alerts as Falco writes them with json_output (docs/falco.md): the body
 * falcosidekick's "/" endpoint and the dashboards built on Falco's JSON
 * take. Built from the documented alert JSON (docs/alerts.md): the
 * top-level members are Falco's (time, rule, priority, source, hostname,
 * output, tags, output_fields); output_fields uses Falco's field names
 * where Falco has the field (proc.name, container.id, k8s.pod.name, fd.name,
 * ...) and "rtsensor.*" names for what Falco has no field for.
 */
#ifndef RTSENSOR_FALCO_H
#define RTSENSOR_FALCO_H

#include <jansson.h>

/* Falco's priority name for one of our severities ("high" -> "Error"), or "Informational". */
const char *falco_priority(const char *severity);

/* The Falco object for one alert object (borrowed), or NULL when it is not an alert. */
json_t *falco_alert(json_t *alert, const char *hostname);

/*
 * One alert JSON line -> one Falco JSON line (malloc'd, NUL-terminated, the
 * caller frees), or NULL (not an alert, no memory). hostname: used when the
 * alert's evidence event names no host.
 */
char *falco_line(const char *json, size_t len, const char *hostname);

#endif
