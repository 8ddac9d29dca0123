// SPDX-License-Identifier: GPL-2.0-or-later
/* policy: intra-zone, channel, reply, deny or unzoned. */
#include <stddef.h>

#include "policy.h"
#include "zone.h"

static bool prefixes_contain(const struct prefix *p, size_t n,
			     const struct addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_contains(&p[i], a))
			return true;
	return false;
}

static bool ports_contain(const struct port_range *r, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

/* The zone whose policy configured zone @z follows (same_as), or
 * ZONE_NONE. */
static int policy_zone(const struct conf *c, int z)
{
	return z == ZONE_NONE ? ZONE_NONE : c->zones[z].policy;
}

/*
 * A channel's protocol matches when it is "any" or equal; its ports, when
 * it lists none, or when the packet has a destination port in the list. A
 * packet whose ports were not captured (a truncated capture) cannot prove
 * it is on a permitted port, so it does not match a channel with ports; a
 * later fragment is judged without them (see struct flow_tuple).
 */
static bool channel_l4_matches(const struct conf_channel *ch,
			       const struct flow_tuple *t, bool reply)
{
	if (ch->proto != CONF_PROTO_ANY && ch->proto != t->proto)
		return false;
	if (ch->n_ports == 0 || t->later_fragment)
		return true;
	if (!t->has_ports)
		return false;
	return ports_contain(ch->ports, ch->n_ports, reply ? t->sport : t->dport);
}

/*
 * Does channel @ch permit @t, read forwards (client → server) or, with
 * @reply, as the server's answer (server → client)? @src_zone and
 * @dst_zone are the policy zones of @t's ends.
 */
static bool channel_matches(const struct conf *c, const struct conf_channel *ch,
			    const struct flow_tuple *t, uint32_t today,
			    bool reply, int src_zone, int dst_zone)
{
	const struct addr *client = reply ? &t->dst : &t->src;
	const struct addr *server = reply ? &t->src : &t->dst;
	int zc = reply ? dst_zone : src_zone, zs = reply ? src_zone : dst_zone;

	if (ch->expires && today > ch->expires)
		return false;
	if (zc == ZONE_NONE || zs == ZONE_NONE)
		return false;
	if (zc != c->zones[ch->from].policy || zs != c->zones[ch->to].policy)
		return false;
	if (ch->n_src && !prefixes_contain(ch->src, ch->n_src, client))
		return false;
	if (ch->n_dst && !prefixes_contain(ch->dst, ch->n_dst, server))
		return false;
	return channel_l4_matches(ch, t, reply);
}

bool policy_channel_matches(const struct conf *c, int ch,
			    const struct flow_tuple *t, uint32_t today)
{
	int zs = zone_lookup(c->zones_lookup, &t->src);
	int zd = zone_lookup(c->zones_lookup, &t->dst);

	return channel_matches(c, &c->channels[ch], t, today, false,
			       policy_zone(c, zs), policy_zone(c, zd));
}

void policy_decide(const struct conf *c, const struct flow_tuple *t,
		   uint32_t today, struct policy_result *r)
{
	policy_decide_in(c, t, today, zone_lookup(c->zones_lookup, &t->src),
			 zone_lookup(c->zones_lookup, &t->dst), r);
}

void policy_decide_in(const struct conf *c, const struct flow_tuple *t,
		      uint32_t today, int src_zone, int dst_zone,
		      struct policy_result *r)
{
	int ps = policy_zone(c, src_zone), pd = policy_zone(c, dst_zone);

	r->src_zone = src_zone;
	r->dst_zone = dst_zone;
	r->channel = -1;
	if (ps == ZONE_NONE || pd == ZONE_NONE) {
		r->verdict = POLICY_UNZONED;
		return;
	}
	if (ps == pd) {
		r->verdict = POLICY_INTRA;
		return;
	}
	for (size_t i = 0; i < c->n_channels; i++) {
		if (channel_matches(c, &c->channels[i], t, today, false, ps,
				    pd)) {
			r->verdict = POLICY_CHANNEL;
			r->channel = (int)i;
			return;
		}
	}
	for (size_t i = 0; i < c->n_channels; i++) {
		if (channel_matches(c, &c->channels[i], t, today, true, ps,
				    pd)) {
			r->verdict = POLICY_REPLY;
			r->channel = (int)i;
			return;
		}
	}
	r->verdict = POLICY_DENY;
}

const char *policy_verdict_name(enum policy_verdict v)
{
	switch (v) {
	case POLICY_INTRA:
		return "intra-zone";
	case POLICY_CHANNEL:
		return "channel";
	case POLICY_REPLY:
		return "reply";
	case POLICY_DENY:
		return "denied";
	case POLICY_UNZONED:
		return "unzoned";
	}
	return "?";
}
