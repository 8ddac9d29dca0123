// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft_commit_tool: test driver for the ruleset and nft modules. Loads a
 * configuration, builds its ruleset and prints it (-p) or commits it through
 * libnftnl, then optionally verifies it, lists the counters, or runs a
 * command while the owning socket is still open.
 *
 *   nft_commit_tool [-p] [-N] [-B] [-V] [-C] [-g GEN] [-d YYYYMMDD] CONF
 *                   [-- CMD ARGS...]
 *   -p  print the ruleset in nft -f syntax instead of committing
 *   -N  no owner/persist table flags
 *   -B  break the ruleset first (a counter that does not exist), so that the
 *       kernel must refuse the batch
 *   -V  verify the live table against the ruleset after the commit
 *   -C  print the table's counters after the commit
 *   -O  only verify the live table against the ruleset (no commit)
 *   -g  generation (default: the next free one)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "nft.h"
#include "ruleset.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	bool print = false, owner = true, brk = false, verify = false;
	bool counters = false, only_verify = false;
	long gen = -1;
	uint32_t today = 0;
	int o;

	while ((o = getopt(argc, argv, "+pNBVCOg:d:")) != -1) {
		switch (o) {
		case 'p':
			print = true;
			break;
		case 'N':
			owner = false;
			break;
		case 'B':
			brk = true;
			break;
		case 'V':
			verify = true;
			break;
		case 'C':
			counters = true;
			break;
		case 'O':
			only_verify = verify = true;
			break;
		case 'g':
			gen = strtol(optarg, NULL, 10);
			break;
		case 'd':
			today = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: nft_commit_tool [-pNBVC] [-g GEN] "
				"[-d DATE] CONF [-- CMD...]\n");
		return 2;
	}
	if (!today)
		today = conf_today();
	struct conf *c = conf_load(argv[optind], today, stderr);
	if (!c)
		return 1;
	struct nft *n = NULL;
	unsigned g = gen > 0 ? (unsigned)gen : 1;
	if (!print) {
		n = nft_open();
		if (!n) {
			perror("nft_open");
			return 1;
		}
		nft_set_owner(n, owner);
		if (only_verify && gen <= 0)
			gen = 1;
		if (gen <= 0 &&
		    nft_generation_next(n, c->table ? c->table : "bunri", &g)) {
			perror("nft_generation_next");
			return 1;
		}
	}
	double t0 = now();
	struct ruleset *rs;
	if (ruleset_build(c, today, g, &rs, stderr)) {
		perror("ruleset_build");
		return 1;
	}
	double t1 = now();
	if (print) {
		int r = ruleset_print(rs, stdout);
		ruleset_free(rs);
		conf_free(c);
		return r ? 1 : 0;
	}
	if (brk) {
		for (size_t i = 0; i < rs->n_chains; i++)
			for (size_t j = 0; j < rs->chains[i].n_rules; j++) {
				struct rs_rule *r = &rs->chains[i].rules[j];
				for (size_t k = 0; k < r->n_stmt; k++)
					if (r->stmt[k].kind == RS_STMT_COUNTER)
						snprintf(r->stmt[k].name,
							 RS_NAME_MAX, "%s",
							 "no_such_counter");
			}
	}
	char err[4096];
	int ret = only_verify ? 0 : nft_commit(n, rs, err, sizeof(err));
	double t2 = now();
	if (ret) {
		fprintf(stderr, "commit refused: %s", err);
	} else if (!only_verify) {
		fprintf(stderr,
			"committed generation %u: build %.3f s, "
			"commit %.3f s, table flags 0x%x\n",
			g, t1 - t0, t2 - t1, nft_table_flags(n));
	}
	if (!ret && verify) {
		char why[512] = "";
		int v = nft_verify(n, rs, why, sizeof(why));
		printf("verify: %s%s%s\n",
		       v == 1	? "match"
		       : v == 0 ? "differs"
				: "error",
		       v == 0 ? ": " : "", v == 0 ? why : "");
		if (v != 1)
			ret = -1;
	}
	if (!ret && counters) {
		struct nft_counter *ctr;
		ssize_t k = nft_counters_read(n, rs->table, &ctr);
		if (k < 0) {
			perror("nft_counters_read");
			ret = -1;
		}
		for (ssize_t i = 0; i < k; i++)
			printf("counter %s packets %llu bytes %llu\n",
			       ctr[i].name, (unsigned long long)ctr[i].packets,
			       (unsigned long long)ctr[i].bytes);
		if (k >= 0)
			free(ctr);
	}
	fflush(stdout);
	int status = ret ? 1 : 0;
	if (optind + 1 < argc && !strcmp(argv[optind + 1], "--") &&
	    optind + 2 < argc) {
		/* Run while our socket still owns the table. */
		pid_t pid = fork();
		if (pid == 0) {
			execvp(argv[optind + 2], argv + optind + 2);
			_exit(127);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			status = 1;
	}
	ruleset_free(rs);
	nft_close(n);
	conf_free(c);
	return status;
}
