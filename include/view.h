/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * view: the read-only views of a configuration that bunrictl shows (zones,
 * channels, the zone matrix, a flow check, the Graphviz graph), as text for
 * a person or as JSON for a program. Pure: counters and the date come in as
 * arguments.
 */
#ifndef BUNRI_VIEW_H
#define BUNRI_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

/**
 * struct view_cell - what is known of traffic from one zone to another.
 * @pass_packets, @pass_bytes: permitted (kernel counters or observed)
 * @drop_packets, @drop_bytes: denied
 * @alerts: alerts raised for the pair
 */
struct view_cell {
	uint64_t pass_packets;
	uint64_t pass_bytes;
	uint64_t drop_packets;
	uint64_t drop_bytes;
	uint64_t alerts;
};

void view_zones(const struct conf *c, bool json, FILE *out);
void view_channels(const struct conf *c, uint32_t today, bool json,
		   FILE *out);
/*
 * Zone × zone: what is permitted and, when @cells is not NULL, the counters
 * (an n_zones × n_zones array, row = source zone).
 */
void view_matrix(const struct conf *c, uint32_t today,
		 const struct view_cell *cells, bool json, FILE *out);
/*
 * Would SRC → DST [PROTO [PORT]] pass, and why? Returns 0, or -1 with a
 * message in @out when the arguments are malformed.
 */
int view_check(const struct conf *c, uint32_t today, int argc,
	       char *const argv[], bool json, FILE *out);
/* Graphviz DOT (or, with @json, nodes and edges) of zones and channels. */
void view_graph(const struct conf *c, uint32_t today, bool json, FILE *out);


#endif
