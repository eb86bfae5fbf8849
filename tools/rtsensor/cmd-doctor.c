/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor doctor: what this machine offers, source by source, found by probing. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json-lines.h"
#include "privs.h"
#include "rtsensor.h"

struct doctor {
	bool json;
	int lines;
	int bad[SENSOR__SOURCE_MAX];
	int seen[SENSOR__SOURCE_MAX];
};

static void on_probe(void *ud, enum sensor_source_type src, const char *check, int status,
		     uint32_t flags, const char *detail)
{
	struct doctor *d = ud;
	const char *name = sensor_source_type_name(src);

	bool optional = flags & SENSOR_PROBE_OPTIONAL;

	d->seen[src] = 1;
	if (status != 1 && !optional)
		d->bad[src] = 1;
	if (d->json) {
		printf("%s{\"source\":", d->lines++ ? "," : "");
		json_put_str(stdout, name);
		printf(",\"check\":");
		json_put_str(stdout, check);
		printf(",\"status\":\"%s\",\"required\":%s",
		       status == 1 ? "ok" : status == 0 ? "absent" : "unusable",
		       optional ? "false" : "true");
		if (status < 0) {
			printf(",\"error\":");
			json_put_str(stdout, strerror(-status));
		}
		printf(",\"detail\":");
		json_put_str(stdout, detail);
		putchar('}');
	} else {
		printf("  %-10s %-14s %-8s %s%s%s%s\n", name, check,
		       status == 1 ? "ok" : status == 0 ? "absent" : optional ? "degraded" : "UNUSABLE",
		       detail, status < 0 ? ": " : "", status < 0 ? strerror(-status) : "",
		       optional && status != 1 ? " (optional)" : "");
	}
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct doctor d = { 0 };
	int c, usable, missing = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			d.json = true;
			break;
		case 'h':
			printf("Usage: rtsensor doctor [--json]\n\n"
			       "Probe the kernel interfaces every source needs and say, source by\n"
			       "source, what works on this machine. Nothing is left installed.\n"
			       "Exit status: 0 when every compiled source can start, 4 otherwise.\n");
			return EXIT_OK;
		default:
			return opt_error("doctor", argv, "jh");
		}
	}
	if (optind < argc) {
		die_msg("doctor", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (d.json)
		printf("{\"version\":\"%s\",\"features\":\"%s\",\"euid\":%u,\"checks\":[",
		       sensor_version(), sensor_features(), (unsigned)geteuid());
	else
		printf("rtsensor %s (%s), running as uid %u%s\n", sensor_version(),
		       sensor_features(), (unsigned)geteuid(),
		       geteuid() == 0 ? "" : " (most sources need root)");
	usable = sensor_probe(0, on_probe, &d);
	for (int t = 1; t < SENSOR__SOURCE_MAX; t++)
		if (d.seen[t] && d.bad[t] && sensor_source_type_compiled((enum sensor_source_type)t) == 1)
			missing++;
	{
		/* what `run` keeps after start-up with the sources it would start here */
		enum sensor_source_type t[SENSOR__SOURCE_MAX];
		char caps[512];
		int n = 0;

		for (int i = 1; i < SENSOR__SOURCE_MAX; i++)
			if (d.seen[i] && !d.bad[i] && i != SENSOR_SOURCE_NFQUEUE &&
			    sensor_source_type_compiled((enum sensor_source_type)i) == 1)
				t[n++] = (enum sensor_source_type)i;
		privs_names(privs_for_types(t, n), caps, sizeof(caps));
		if (d.json) {
			printf("],\"usable_sources\":%d,\"privileges\":{\"run_keeps\":",
			       usable < 0 ? 0 : usable);
			json_put_str(stdout, caps);
			printf(",\"seccomp_agent_keeps\":\"none\",\"no_new_privs\":true}}\n");
		} else {
			printf("%d source(s) usable here\n", usable < 0 ? 0 : usable);
			printf("privileges: after start-up 'run' keeps %s (with these sources; "
			       "+cap_net_admin,cap_net_raw with nfqueue), 'seccomp-agent' none; "
			       "both set no_new_privs\n", caps);
		}
	}
	return missing ? EXIT_NOFEATURE : EXIT_OK;
}
