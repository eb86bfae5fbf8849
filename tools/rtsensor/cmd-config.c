/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtsensor config check [--config FILE]: read the configuration file as
 * `rtsensor run --config FILE` would, check every setting and the rules it
 * names (rules file, drop-in directory), start nothing. Exit 0 when all is
 * well; otherwise the reason (file, line, key) and a non-zero exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "run-opts.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: rtsensor config check [--config FILE]\n\n"
		   "Check a configuration file (default " CONF_DEFAULT_PATH ") as\n"
		   "'rtsensor run --config FILE' reads it: every key, every value, the\n"
		   "rules file and the rule drop-in directory it names. Starts nothing.\n"
		   "Errors name the file, the line and the key.\n\n"
		   "Options:\n"
		   "  -c, --config FILE     the file to check\n"
		   "  -h, --help            show this help\n");
}

int cmd_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = CONF_DEFAULT_PATH;
	struct run_opts o;
	char *rargv[4];
	char err[512] = "";
	int c, code, n = -1;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			usage(stdout);
			return EXIT_OK;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return opt_error("config", argv + 1, "c:h");
		}
	}
	if (optind < argc - 1) {
		die_msg("config", "unexpected argument '%s'", argv[1 + optind]);
		return EXIT_USAGE;
	}
	rargv[0] = (char *)"run";
	rargv[1] = (char *)"--config";
	rargv[2] = (char *)path;
	rargv[3] = NULL;
	code = run_opts_parse(&o, 3, rargv, NULL);
	if (code != EXIT_OK)
		goto done;
	if (o.rb.mode) {
		struct sensor_rules_opts ro = { .sz = sizeof(ro), .path = o.rb.rules,
						.dir = o.rb.rules_dir, .err = err,
						.errlen = sizeof(err),
						.flags = o.rb.no_default_rules ? SENSOR_RULES_NO_DEFAULTS
									       : 0 };

		n = sensor_rules_check(&ro);
		if (n < 0) {
			die_msg("config", "%s: rules: %s", path, err[0] ? err : strerror(-n));
			code = n == -ENOENT || n == -EACCES || n == -ENOTDIR ? EXIT_FAIL : EXIT_USAGE;
			goto done;
		}
	}
	if (o.audit_rules && access(o.audit_rules, R_OK) < 0) {
		die_msg("config", "%s: audit-rules '%s': %s", path, o.audit_rules, strerror(errno));
		code = EXIT_FAIL;
		goto done;
	}
	printf("%s: ok: %zu settings", path, o.conf.n);
	if (n >= 0) {
		/* where they come from, in the order they are layered */
		const char *from[3];
		int k = 0;

		if (!o.rb.no_default_rules)
			from[k++] = "built-in";
		if (o.rb.rules)
			from[k++] = o.rb.rules;
		if (o.rb.rules_dir)
			from[k++] = o.rb.rules_dir;
		printf(", %d threat rules (", n);
		for (int i = 0; i < k; i++)
			printf("%s%s", i ? " + " : "", from[i]);
		printf("%s)", k ? "" : "none");
	}
	printf("\n");
done:
	run_opts_free(&o);
	return code;
}
