// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the configuration loader: the input is the text of
 * a configuration file. Beyond the sanitizers:
 *  - a file that is refused says why, and every line of what it says names
 *    the file ("fuzz.conf:LINE: ..." or "fuzz.conf: ...");
 *  - a file that is accepted always yields a ruleset (bunrid would refuse
 *    to start otherwise), which prints, and its zone table answers for
 *    every network with that network's zone or one inside it.
 * Inputs with "@include" are skipped: they would read this machine's files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "conf.h"
#include "ruleset.h"
#include "zone.h"

#define FUZZ_NAME "fuzz.conf"
#define FUZZ_TODAY 20261123u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every line of @msgs names the file. */
static void check_messages(const char *msgs)
{
	const char *p = msgs;

	if (!*p)
		abort(); /* refused without a word */
	while (*p) {
		const char *nl = strchr(p, '\n');

		if (!nl || strncmp(p, FUZZ_NAME ":", strlen(FUZZ_NAME ":")) != 0)
			abort();
		p = nl + 1;
	}
}

/* The zone table answers for each network with its zone, or with a zone
 * that has a network inside it (a longer prefix wins). */
static void check_zones(const struct conf *c)
{
	for (size_t z = 0; z < c->n_zones; z++) {
		const struct conf_zone *cz = &c->zones[z];

		for (size_t i = 0; i < cz->n_networks; i++) {
			int got = zone_lookup(c->zones_lookup,
					      &cz->networks[i].addr);
			if (got == (int)z)
				continue;
			if (got < 0 || (size_t)got >= c->n_zones)
				abort();
			bool inside = false;
			const struct conf_zone *oz = &c->zones[got];
			for (size_t j = 0; j < oz->n_networks && !inside; j++)
				inside = prefix_covers(&cz->networks[i],
						       &oz->networks[j]);
			if (!inside)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char *msgs = NULL;
	size_t msgs_len = 0;
	struct conf *c;
	FILE *err;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	if (strstr(text, "@include")) {
		free(text);
		return 0;
	}
	err = open_memstream(&msgs, &msgs_len);
	if (!err)
		abort();
	c = conf_load_string(text, FUZZ_NAME, FUZZ_TODAY, err);
	fclose(err);
	free(text);
	if (!c) {
		check_messages(msgs);
		free(msgs);
		return 0;
	}
	free(msgs);

	check_zones(c);
	struct ruleset *rs = NULL;
	FILE *out = fopen("/dev/null", "w");
	if (!out || ruleset_build(c, FUZZ_TODAY, 1, &rs, NULL) < 0 ||
	    ruleset_print(rs, out) < 0)
		abort();
	fclose(out);
	ruleset_free(rs);
	conf_free(c);
	return 0;
}
