/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtsensor run's options: the command line over the configuration file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run-opts.h"

/*
 * Every long option is also a key of the configuration file (config.h):
 * a new flag needs no other table. Keys that make no sense in the file
 * and the options that may be given more than once are listed below.
 */
static const struct option longopts[] = {
	{ "source", required_argument, NULL, 's' },
	{ "events", required_argument, NULL, 'e' },
	{ "duration", required_argument, NULL, 'd' },
	{ "stats", no_argument, NULL, 'S' },
	{ "stats-interval", required_argument, NULL, 'I' },
	{ "watch", required_argument, NULL, 'W' },
	{ "deny-exec", required_argument, NULL, 'X' },
	{ "deny-peer", required_argument, NULL, 'P' },
	{ "track-flows", no_argument, NULL, 'T' },
	{ "audit-rules", required_argument, NULL, 'A' },
	{ "audit-no-net", no_argument, NULL, 'N' },
	{ "rules-dir", required_argument, NULL, 'D' },
	{ "runtime-root", required_argument, NULL, 'R' },
	{ "metrics", required_argument, NULL, 'M' },
	{ "config", required_argument, NULL, 'C' },
	{ "seccomp-socket", required_argument, NULL, 'Q' },
	RUN_BASELINE_LONGOPTS,
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const char *const not_keys[] = { "help", "config", NULL };
static const char *const repeatable[] = { "source", "watch", "deny-exec", "deny-peer",
					  "runtime-root", NULL };

const struct conf_spec run_conf_spec = { longopts, not_keys, repeatable };

void run_opts_usage(FILE *f)
{
	fprintf(f,
		"Usage: rtsensor run [OPTIONS]\n\n"
		"Watch the machine with every source it offers (or the ones named) and\n"
		"write events as JSON lines. SIGINT/SIGTERM stop it cleanly; everything\n"
		"the sensor installed is removed. SIGHUP reloads the configuration file\n"
		"and the rules and reopens the output files; SIGUSR1 writes statistics.\n\n"
		"Options (each is also a key of the --config file, without its dashes):\n"
		"      --config FILE     read settings from FILE first (key = value lines;\n"
		"                        flags given here override them; see rtsensor(1))\n"
		"  -s, --source NAME     use this source (repeatable): proc, fanotify, audit,\n"
		"                        conntrack, seccomp, nfqueue. Default: all available\n"
		"                        except nfqueue (it holds traffic: name it)\n"
		"  -e, --events FILE|-   write events to FILE, '-' for stdout (default)\n"
		"  -d, --duration SECS   stop after SECS seconds\n"
		"      --deny-peer ADDR[/PREFIX][:PORT]\n"
		"                        deny new outgoing flows to this peer (NFQUEUE;\n"
		"                        repeatable; IPv6 as [ADDR]/PREFIX:PORT)\n"
		"      --track-flows     conntrack: when the netns tracks nothing, add a rule\n"
		"                        that turns tracking on (removed at exit)\n"
		"      --runtime-root PATH  also read container state (image, pod and container\n"
		"                        names) from this OCI runtime root (repeatable; the\n"
		"                        defaults: /run/runc, /run/crun, docker's, containerd's)\n"
		"      --metrics ADDR:PORT  serve Prometheus metrics on http://ADDR:PORT/metrics\n"
		"                        (numeric address; docs/metrics.md)\n"
		"      --stats           print counters as JSON to stderr at exit\n"
		"      --stats-interval SECS  emit the counters as a 'status' event every\n"
		"                        SECS seconds (state \"stats\")\n"
		"      --watch PATH      fanotify: watch the filesystem holding PATH (repeatable;\n"
		"                        default: every local filesystem)\n"
		"      --deny-exec GLOB  fanotify: deny exec of files matching GLOB under the\n"
		"                        --watch paths (repeatable; fnmatch on the full path)\n"
		"      --seccomp-socket PATH  seccomp: serve OCI runtimes at PATH (runc's\n"
		"                        linux.seccomp.listenerPath); with --mode enforce the\n"
		"                        containers' SCMP_ACT_NOTIFY syscalls are answered from\n"
		"                        what each learned (docs/enforce.md)\n"
		"      --audit-rules FILE  audit: extra rules in auditctl syntax (-w PATH -p wa\n"
		"                        -k KEY, -a always,exit -S ...), added to the defaults\n"
		"      --audit-no-net    audit: no connect/accept/bind rules in the defaults\n"
		"                        (listen stays); conntrack sees the flows. Cheaper for\n"
		"                        connection-heavy services; failed and unix-socket\n"
		"                        connects are no longer seen (docs/performance.md)\n"
		RUN_BASELINE_HELP
		"      --rules-dir DIR   add the rules of every DIR/*.rules file to the rules\n"
		"                        ('disable ID' leaves one out; docs/rules.md)\n"
		"  -h, --help            show this help\n");
}

const struct sensor_audit_opts *run_opts_audit(const struct run_opts *o)
{
	return o->audit_rules || o->audit.flags ? &o->audit : NULL;
}

int run_opts_parse(struct run_opts *o, int argc, char **argv, const char *dflt_config)
{
	const char *cfg;
	int r, c, code = EXIT_OK;

	memset(o, 0, sizeof(*o));
	o->duration = SENSOR_TIME_INFINITY;
	o->audit.sz = sizeof(o->audit);
	o->seccomp.sz = sizeof(o->seccomp);
	cfg = conf_path_from_argv(argc, argv, longopts);
	if (cfg && !*cfg) {
		die_msg("run", "--config needs a FILE");
		return EXIT_USAGE;
	}
	if (!cfg)
		cfg = dflt_config;
	if (cfg) {
		code = conf_read("run", cfg, &run_conf_spec, &o->conf);
		if (code != EXIT_OK)
			return code;
		o->config = o->conf.path;
	}
	if (conf_merge(&o->conf, longopts, argc, argv, &o->argc, &o->argv) < 0) {
		die_msg("run", "%s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	conf_current = &o->conf;
	optind = 1;
	while ((c = getopt_long(o->argc, o->argv, "s:e:d:h", longopts, NULL)) != -1) {
		/* errors below name the file, line and key of a setting from the file */
		conf_current_item = optind > 0 ? conf_origin(&o->conf, o->argv[optind - 1]) : NULL;
		switch (c) {
		case 's':
			r = sensor_source_type_from_name(optarg);
			if (r < 0 || r == SENSOR_SOURCE_INJECT) {
				die_msg("run", "unknown source '%s'", optarg);
				code = EXIT_USAGE;
				goto done;
			}
			o->want[r] = true;
			o->explicit_src = true;
			break;
		case 'e':
			o->events_path = optarg;
			break;
		case 'd':
			if (parse_seconds(optarg, &o->duration) < 0) {
				die_msg("run", "--duration wants seconds, got '%s'", optarg);
				code = EXIT_USAGE;
				goto done;
			}
			break;
		case 'I':
			if (parse_seconds(optarg, &o->stats_interval) < 0 ||
			    (o->stats_interval && o->stats_interval < 1000000u)) {
				die_msg("run", "--stats-interval wants seconds (0: off, at least "
					"0.001), got '%s'", optarg);
				code = EXIT_USAGE;
				goto done;
			}
			break;
		case 'S':
			o->stats = true;
			break;
		case 'A':
			o->audit_rules = optarg;
			o->audit.rules_file = optarg;
			break;
		case 'N':
			o->audit.flags |= SENSOR_AUDIT_NO_NET_RULES;
			break;
		case 'R': {
			/* the defaults, then the operator's roots (k3s, a private runc --root) */
			size_t have = o->roots ? strlen(o->roots) : strlen(SENSOR_OCI_STATE_ROOTS_DEFAULT);
			char *n = malloc(have + strlen(optarg) + 2);

			if (!n || optarg[0] != '/' || strchr(optarg, ':')) {
				free(n);
				die_msg("run", "--runtime-root wants an absolute path without ':', got '%s'",
					optarg);
				code = EXIT_USAGE;
				goto done;
			}
			snprintf(n, have + strlen(optarg) + 2, "%s:%s",
				 o->roots ? o->roots : SENSOR_OCI_STATE_ROOTS_DEFAULT, optarg);
			free(o->roots);
			o->roots = n;
			break;
		}
		case 'M':
			o->metrics_addr = optarg;
			break;
		case 'Q':
			if (optarg[0] != '/') {
				die_msg("run", "--seccomp-socket wants an absolute path, got '%s'", optarg);
				code = EXIT_USAGE;
				goto done;
			}
			o->seccomp_socket = optarg;
			break;
		case 'D':
			o->rules_dir = optarg;
			o->rb.rules_dir = optarg;
			break;
		case 'C':
			break; /* read above */
		case 'W':
		case 'X':
			r = c == 'W' ? run_fanotify_watch(&o->fan, optarg)
				     : run_fanotify_deny_exec(&o->fan, optarg);
			if (r < 0) {
				die_msg("run", "--%s '%s': %s", c == 'W' ? "watch" : "deny-exec",
					optarg, r == -EINVAL ? "needs an absolute path or a glob"
							     : strerror(-r));
				code = EXIT_USAGE;
				goto done;
			}
			break;
		case 'P':
			r = run_net_add_peer(&o->net, optarg);
			if (r < 0) {
				die_msg("run", "--deny-peer wants ADDR[/PREFIX][:PORT], got '%s'", optarg);
				code = EXIT_USAGE;
				goto done;
			}
			break;
		case 'T':
			if (run_net_track_flows(&o->net) < 0) {
				code = EXIT_FAIL;
				goto done;
			}
			break;
		case 'h':
			run_opts_usage(stdout);
			o->help = true;
			goto done;
		default:
			r = run_baseline_opt(&o->rb, c, optarg);
			if (r > 0)
				break;
			if (r == 0)
				opt_error("run", o->argv, "s:e:d:h");
			code = EXIT_USAGE;
			goto done;
		}
	}
	conf_current_item = NULL;
	if (optind < o->argc) {
		die_msg("run", "unexpected argument '%s'", o->argv[optind]);
		code = EXIT_USAGE;
		goto done;
	}
	if (run_fanotify_opts(&o->fan, &o->fan_opts) < 0) {
		die_msg("run", "--deny-exec needs --watch PATH (permission marks only where asked)");
		code = EXIT_USAGE;
		goto done;
	}
	if (o->fan_opts && o->explicit_src)
		o->want[SENSOR_SOURCE_FANOTIFY] = true;
	if (o->seccomp_socket && o->explicit_src)
		o->want[SENSOR_SOURCE_SECCOMP] = true;
	code = run_baseline_check(&o->rb);
	if (code != EXIT_OK)
		goto done;
	/* With a baseline, events are written only when asked for. */
	if (!o->events_path && !o->rb.mode)
		o->events_path = "-";
done:
	conf_current_item = NULL;
	conf_current = NULL;
	return code;
}

void run_opts_free(struct run_opts *o)
{
	run_fanotify_free(&o->fan);
	run_net_free(o->net);
	o->net = NULL;
	free(o->argv);
	o->argv = NULL;
	free(o->roots);
	o->roots = NULL;
	conf_free(&o->conf);
}
