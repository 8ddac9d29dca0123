/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy: is a flow permitted? Intra-zone traffic is; cross-zone traffic is
 * only when a channel of the configuration matches it, or when it is the
 * reply direction of a flow a channel permits. Pure: the clock is an
 * argument.
 */
#ifndef BUNRI_POLICY_H
#define BUNRI_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "conf.h"

/**
 * struct flow_tuple - what policy needs to know of a packet.
 * @proto: IPPROTO_* (0 when unknown)
 * @has_ports: @sport/@dport are valid (TCP, UDP with a transport header)
 * @later_fragment: a non-first IP fragment; its ports are those of its
 *                  first fragment, unknown here, so a channel matches it on
 *                  zones, addresses and protocol alone (the first fragment
 *                  carries the ports and is judged in full)
 */
struct flow_tuple {
	struct addr src;
	struct addr dst;
	uint8_t proto;
	bool has_ports;
	bool later_fragment;
	uint16_t sport;
	uint16_t dport;
};

enum policy_verdict {
	POLICY_INTRA,	/* both ends in the same (policy) zone */
	POLICY_CHANNEL, /* a channel permits it */
	POLICY_REPLY,	/* the reverse direction is permitted by a channel */
	POLICY_DENY,	/* cross-zone, no channel */
	POLICY_UNZONED, /* an end belongs to no zone */
};

/**
 * struct policy_result - the decision and the facts behind it.
 * @src_zone, @dst_zone: zones as configured (not folded), or ZONE_NONE
 * @channel: index of the matching channel for CHANNEL and REPLY, else -1
 */
struct policy_result {
	enum policy_verdict verdict;
	int src_zone;
	int dst_zone;
	int channel;
};

/*
 * Decide @t under @c on local date @today (YYYYMMDD): a channel whose
 * expires date is before @today no longer permits anything.
 */
void policy_decide(const struct conf *c, const struct flow_tuple *t,
		   uint32_t today, struct policy_result *r);
/*
 * The same, with the zones of @t's ends (zone_lookup() of its source and
 * destination) already known: a caller with many tuples looks their
 * addresses up together, which is faster than one at a time.
 */
void policy_decide_in(const struct conf *c, const struct flow_tuple *t,
		      uint32_t today, int src_zone, int dst_zone,
		      struct policy_result *r);

/* Does channel @ch, on date @today, permit @t in its forward direction? */
bool policy_channel_matches(const struct conf *c, int ch,
			    const struct flow_tuple *t, uint32_t today);

/* True for verdicts that let the flow through. */
static inline bool policy_permitted(enum policy_verdict v)
{
	return v == POLICY_INTRA || v == POLICY_CHANNEL || v == POLICY_REPLY;
}

const char *policy_verdict_name(enum policy_verdict v);

#endif
