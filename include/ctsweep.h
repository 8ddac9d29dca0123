/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctsweep: the kernel's tracked connections, held to the policy again.
 *
 * The ruleset accepts a packet of a connection the kernel already tracks
 * before any policy rule, as a firewall must to be fast. A connection
 * opened while the table was tampered with, or under a channel that a
 * reload removed or that has lapsed, would therefore go on after the
 * ruleset is right again. After each such commit the daemon sweeps the
 * connection-tracking table (ctnetlink, through libmnl) and deletes every
 * forwarded connection whose first direction the policy does not permit:
 * its next packet meets the rules as a new one, and is dropped.
 *
 * Connections to or from the gateway itself are left alone: they follow
 * the host rules, not the zone policy, and an administrator's own session
 * must not be cut by a reload.
 */
#ifndef BUNRI_CTSWEEP_H
#define BUNRI_CTSWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conf.h"
#include "policy.h"

/**
 * struct ct_sweep_stats - what a sweep did.
 * @seen: connections read; @deleted: deleted as not permitted;
 * @failed: deletions refused
 */
struct ct_sweep_stats {
	unsigned seen;
	unsigned deleted;
	unsigned failed;
};

/*
 * Whether a connection whose first packet went @t may stay under @c on
 * @today: both ends in one zone, or a channel permits that direction. The
 * reverse of a channel does not: the rules never let such a connection
 * start. @local (@n_local addresses) are the gateway's own: a connection
 * with one of them at either end may always stay.
 */
bool ct_permitted(const struct conf *c, uint32_t today,
		  const struct flow_tuple *t, const struct addr *local,
		  size_t n_local);

/*
 * Sweep the tracked connections of this network namespace against @c on
 * @today. Returns 0 with @st filled, or -1 with errno set (the table could
 * not be read); a deletion the kernel refuses is counted, not fatal.
 */
int ct_sweep(const struct conf *c, uint32_t today, struct ct_sweep_stats *st);

#endif
