// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bunrid: enforce and watch the zone split of a municipal network.
 * This file is the command line; each mode lives in its own module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "ruleset.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: bunrid [-c FILE] [-f] [-t] [-n] [-r PCAP] [-m] [-d]\n"
		"  -c FILE  configuration (default %s)\n"
		"  -t       validate the configuration and exit\n"
		"  -n       print the nftables ruleset it would install\n"
		"  -r PCAP  offline audit of a capture file ('-': stdin)\n"
		"  -f       stay in the foreground, log to stderr as well\n"
		"  -m       monitor mode regardless of the configuration\n"
		"  -d       debug logging\n",
		CONF_DEFAULT_PATH);
	exit(1);
}

struct options {
	const char *conf_path;
	const char *pcap;
	bool foreground;
	bool test;
	bool print_ruleset;
	bool monitor;
	bool debug;
};

static void options_parse(int argc, char **argv, struct options *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->conf_path = CONF_DEFAULT_PATH;
	while ((ch = getopt(argc, argv, "c:ftnr:mdh")) != -1) {
		switch (ch) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 't':
			o->test = true;
			break;
		case 'n':
			o->print_ruleset = true;
			break;
		case 'r':
			o->pcap = optarg;
			break;
		case 'm':
			o->monitor = true;
			break;
		case 'd':
			o->debug = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((o->test + o->print_ruleset + (o->pcap != NULL)) > 1) {
		fprintf(stderr, "bunrid: -t, -n and -r exclude each other\n");
		exit(1);
	}
}

/* bunrid -n: what the daemon would commit, as generation 1. */
static int print_ruleset(const struct conf *conf)
{
	struct ruleset *rs;
	int rc;

	if (ruleset_build(conf, conf_today(), 1, &rs, stderr) < 0) {
		fprintf(stderr, "bunrid: %s: cannot build the ruleset\n",
			conf->path);
		return 1;
	}
	rc = ruleset_print(rs, stdout) < 0 || fflush(stdout) != 0 ? 1 : 0;
	ruleset_free(rs);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	struct conf *conf;

	options_parse(argc, argv, &o);
	log_init("bunrid", true, -1);
	log_set_debug(o.debug);

	if (!o.test && !o.print_ruleset && !o.pcap) {
		struct daemon_options d = {
			.conf_path = o.conf_path,
			.foreground = o.foreground,
			.monitor = o.monitor,
			.debug = o.debug,
		};
		return daemon_run(&d);
	}
	conf = conf_load(o.conf_path, conf_today(), stderr);
	if (!conf)
		return 1;
	if (o.test) {
		printf("configuration OK\n");
		conf_free(conf);
		return 0;
	}
	if (o.print_ruleset) {
		int rc = print_ruleset(conf);
		conf_free(conf);
		return rc;
	}
	if (o.pcap) {
		int rc = audit_run(conf, o.pcap, stdout, stderr);
		conf_free(conf);
		return rc;
	}
	conf_free(conf);
	return 1;
}
