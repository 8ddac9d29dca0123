// SPDX-License-Identifier: GPL-2.0-or-later
/* detect: packets to zone-pair counters and alerts. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "day.h"
#include "detect.h"
#include "flow.h"
#include "fragmap.h"
#include "policy.h"
#include "zone.h"

/* Device sightings share the flow table under a family of their own. */
#define DETECT_FAMILY_DEVICE 0xde

struct detect {
	/* Only read once made; planning reads them on another thread. */
	const struct conf *conf;
	struct flow_table *flows;
	struct fragmap *frags; /* applier's: see detect_fragment() */
	detect_alert_fn fn;
	void *arg;
	struct detect_pair *pairs; /* (n_zones + 1)² */
	struct pair_text *texts;   /* of each pair, in the same order */
	/* Changed per packet, on a cache line of their own. */
	_Alignas(64) struct detect_stats st;
	/*
	 * The applier's, per batch: the lookups it will make, in order, and
	 * how many of them each packet makes (see detect_batch_apply()).
	 */
	uint64_t lookup[2 * DETECT_BATCH];
	uint64_t rhash[DETECT_BATCH];
	uint8_t n_lookup[DETECT_BATCH];
	/*
	 * The destination ports of every key ever alerted. A packet can only
	 * answer a flow whose destination port is its source port: while
	 * that port's bit is clear, no key in the table can be the one it
	 * answers, and neither its hash nor its lookup is needed. Bits are
	 * never cleared, so the test stays conservative after evictions.
	 * Port 0's is set from the start: an echo reply, which has no port,
	 * is always looked up.
	 */
	uint64_t alerted_port[65536 / 64];
};

/* What an alert of a zone pair says of it, worked out once. */
struct pair_text {
	const char *src_zone;
	const char *dst_zone;
	int severity;
};

static const char *zone_name(const struct conf *c, int z)
{
	return z == ZONE_NONE ? "none" : c->zones[z].name;
}

/* The more severe (numerically lower) of two zones' severities. */
static int pair_severity(const struct conf *c, int a, int b)
{
	int sev = LOG_WARNING;

	if (a != ZONE_NONE && c->zones[a].severity < sev)
		sev = c->zones[a].severity;
	if (b != ZONE_NONE && c->zones[b].severity < sev)
		sev = c->zones[b].severity;
	return sev;
}

struct detect *detect_new(const struct conf *c, uint64_t seed,
			  detect_alert_fn fn, void *arg)
{
	/* Its fields are aligned to cache lines: so is the whole. */
	struct detect *d = aligned_alloc(_Alignof(struct detect), sizeof(*d));
	size_t n = c->n_zones + 1;

	if (!d)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->conf = c;
	d->fn = fn;
	d->arg = arg;
	d->alerted_port[0] = 1;
	d->pairs = calloc(n * n, sizeof(*d->pairs));
	d->texts = calloc(n * n, sizeof(*d->texts));
	d->flows = flow_table_new(c->max_flows, seed);
	d->frags = fragmap_new();
	if (!d->pairs || !d->texts || !d->flows || !d->frags) {
		detect_free(d);
		return NULL;
	}
	/* Row and column n - 1 are ZONE_NONE's (see pair_index()). */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			int zs = i == n - 1 ? ZONE_NONE : (int)i;
			int zd = j == n - 1 ? ZONE_NONE : (int)j;
			struct pair_text *t = &d->texts[i * n + j];

			t->src_zone = zone_name(c, zs);
			t->dst_zone = zone_name(c, zd);
			t->severity = pair_severity(c, zs, zd);
		}
	}
	return d;
}

void detect_free(struct detect *d)
{
	if (!d)
		return;
	flow_table_free(d->flows);
	fragmap_free(d->frags);
	free(d->pairs);
	free(d->texts);
	free(d);
}

static uint64_t timespec_us(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000 + (uint64_t)(ts->tv_nsec / 1000);
}

static uint32_t detect_today(struct detect_day *day, time_t t)
{
	if (t != day->second) {
		day->today = day_of(t);
		day->second = t;
	}
	return day->today;
}

/*
 * Traffic that no router forwards: link-local, multicast and broadcast
 * destinations, unspecified or link-local sources. It is not a flow
 * between zones, so it is not classified (DHCP, ND, mDNS, ...).
 */
static inline bool addr_is_local_scope(const struct addr *a, bool as_dst)
{
	if (a->family == AF_INET) {
		if (a->b[0] == 169 && a->b[1] == 254)
			return true;
		if (!as_dst)
			return a->b[0] == 0 && a->b[1] == 0 && a->b[2] == 0 &&
			       a->b[3] == 0;
		return (a->b[0] & 0xf0) == 0xe0 ||
		       (a->b[0] == 255 && a->b[1] == 255 && a->b[2] == 255 &&
			a->b[3] == 255);
	}
	if (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80)
		return true;
	if (as_dst)
		return a->b[0] == 0xff;
	static const uint8_t unspec[16];
	return !memcmp(a->b, unspec, 16);
}

/* The pair of zones @src and @dst: its place in pairs and texts. */
static uint32_t pair_index(const struct detect *d, int src, int dst)
{
	size_t n = d->conf->n_zones + 1;
	size_t i = src == ZONE_NONE ? n - 1 : (size_t)src;
	size_t j = dst == ZONE_NONE ? n - 1 : (size_t)dst;

	return (uint32_t)(i * n + j);
}

/* Does @key (hashed @hash) alert now? Counts the packet either way. */
static bool detect_key_alerts(struct detect *d, const struct flow_key *key,
			      uint64_t hash, uint64_t now_us, uint32_t len,
			      struct flow **out)
{
	struct flow *f =
	    flow_table_get_hashed(d->flows, key, hash, NULL);

	flow_count_packet(f, len);
	*out = f;
	if (key->port_kind == FLOW_PORT_L4)
		d->alerted_port[key->port / 64] |= 1ull << (key->port % 64);
	if (flow_should_alert(f, now_us, d->conf->repeat_interval))
		return true;
	d->st.repeats++;
	return false;
}

static void alert_from_packet(struct alert *a, enum alert_type type,
			      const struct decoded *p,
			      const struct detect_ctx *ctx,
			      const struct timespec *ts)
{
	/* Field by field, not a memset() of the whole: the caller sets
	 * most of the rest at once, and the extras (most of the struct) are
	 * read only up to n_extra. */
	a->type = type;
	a->severity = LOG_WARNING;
	a->src_zone = a->dst_zone = NULL;
	a->action = NULL;
	a->has_counts = false;
	a->packets = a->bytes = 0;
	a->n_extra = 0;
	a->ts = *ts;
	a->iface = ctx->iface;
	a->has_flow = true;
	a->proto = p->tuple.proto;
	a->src = p->tuple.src;
	a->dst = p->tuple.dst;
	a->has_ports = p->tuple.has_ports;
	a->sport = p->tuple.sport;
	a->dport = p->tuple.dport;
	a->has_icmp = p->has_icmp;
	a->icmp_type = p->icmp_type;
	a->icmp_code = p->icmp_code;
}

/* @a, of zone pair @pair (pair_index()), out. */
static void detect_emit(struct detect *d, struct alert *a, uint32_t pair)
{
	d->st.alerts[a->type]++;
	d->pairs[pair].alerts++;
	d->fn(a, d->arg);
}

/*
 * Can @p be an answer at all: the server's SYN-ACK seen on a mirror port,
 * an echo reply. A TCP answer carries ACK: a bare SYN opens a flow of its
 * own.
 */
static bool may_answer(const struct decoded *p)
{
	/* Bitwise: the protocols of a capture come mixed, and a branch on
	 * them would be mispredicted time and again. */
	if (p->tuple.has_ports)
		return (p->tuple.proto != IPPROTO_TCP) |
		       !!(p->tcp_flags & 0x10);
	return p->has_icmp && (p->icmp_type == 0 || p->icmp_type == 129);
}

/*
 * Can @p be part of a flow begun the other way: not a TCP SYN without
 * ACK, not an ICMP request (echo, timestamp, information, address mask;
 * ICMPv6 echo). A packet of a permitted channel's reverse direction that
 * is neither opens a flow of its own, which the kernel would meet as new
 * and drop: a server of a channel connecting back is a flow to alert.
 */
static bool may_reply(const struct decoded *p)
{
	if (p->tuple.has_ports)
		return p->tuple.proto != IPPROTO_TCP ||
		       !(p->tcp_flags & 0x02) || (p->tcp_flags & 0x10);
	if (!p->has_icmp)
		return true;
	if (p->tuple.proto == IPPROTO_ICMPV6)
		return p->icmp_type != 128;
	return p->icmp_type != 8 && p->icmp_type != 13 &&
	       p->icmp_type != 15 && p->icmp_type != 17;
}

/*
 * The key of the flow @p would answer, an alert of @type; may_answer(@p)
 * holds.
 */
static void answer_key(const struct decoded *p, uint8_t type,
		       struct flow_key *rk)
{
	struct flow_tuple rt = p->tuple;
	uint8_t icmp = 0;

	rt.src = p->tuple.dst;
	rt.dst = p->tuple.src;
	if (p->tuple.has_ports) {
		rt.sport = p->tuple.dport;
		rt.dport = p->tuple.sport;
	} else {
		/* Echo reply → the request it answers (ICMP 8, ICMPv6 128). */
		icmp = p->icmp_type == 0 ? 8 : 128;
	}
	flow_key_from_tuple(&rt, p->has_icmp, icmp, type, rk);
}

/*
 * The part of a packet's handling that changes nothing (but @day, a
 * cache): policy and the flow key, for @p, whose addresses are in zones
 * @zsrc and @zdst (zone_lookup()). The key's hash is detect_batch_plan()'s.
 */
static void detect_plan(const struct detect *d, struct detect_day *day,
			const struct decoded *p, const struct detect_ctx *ctx,
			const struct timespec *ts, int zsrc, int zdst,
			struct detect_plan *pl)
{
	const struct conf *c = d->conf;

	/* What detect_batch_lookups() reads of every plan, set. */
	pl->flow = pl->deny = pl->answer = false;
	pl->answer_port = 0;
	pl->hash = 0;
	if (p->l3 != DECODE_L3_IPV4 && p->l3 != DECODE_L3_IPV6)
		return;
	if (addr_is_local_scope(&p->tuple.src, false) ||
	    addr_is_local_scope(&p->tuple.dst, true))
		return;
	pl->flow = true;

	uint32_t today = detect_today(day, ts->tv_sec);
	policy_decide_in(c, &p->tuple, today, zsrc, zdst, &pl->r);
	pl->pair = pair_index(d, zsrc, zdst);
	if (pl->r.verdict == POLICY_REPLY && !may_reply(p))
		pl->r.verdict = POLICY_DENY;
	/*
	 * An ICMP error going back to the sender of a permitted flow it
	 * quotes (path MTU discovery, a port unreachable) is part of that
	 * flow, as the kernel takes it (related): not a flow of its own.
	 */
	if (p->has_inner && !policy_permitted(pl->r.verdict) &&
	    addr_equal(&p->tuple.dst, &p->inner.src)) {
		struct policy_result q;

		policy_decide(c, &p->inner, today, &q);
		if (policy_permitted(q.verdict)) {
			pl->r.verdict = POLICY_REPLY;
			pl->r.channel = q.channel;
		}
	}
	pl->spoofed = false;
	if (ctx->iface_zone != ZONE_NONE) {
		int want = c->zones[ctx->iface_zone].policy;
		pl->spoofed = pl->r.src_zone == ZONE_NONE ||
			      c->zones[pl->r.src_zone].policy != want;
	}
	pl->deny = !policy_permitted(pl->r.verdict) | pl->spoofed;
	if (!pl->deny)
		return;
	if (pl->spoofed)
		pl->type = ALERT_SPOOFED_SOURCE;
	else if (pl->r.verdict == POLICY_UNZONED)
		pl->type = ALERT_UNZONED;
	else
		pl->type = ALERT_CROSS_ZONE;
	pl->now_us = timespec_us(ts);
	/* An answer to an unzoned flow is unzoned too, and folded in the
	 * same way. */
	pl->answer = pl->type != ALERT_SPOOFED_SOURCE && may_answer(p);
	pl->answer_port = p->tuple.has_ports ? p->tuple.sport : 0;
	/* The same addresses may be spoofed on one interface and not on
	 * another: keep the alert types apart. */
	flow_key_from_tuple(&p->tuple, p->has_icmp, p->icmp_type,
			    (uint8_t)pl->type, &pl->key);
}

/* Could the key @pl may answer be in the table (see alerted_port)? */
static bool answer_possible(const struct detect *d,
			    const struct detect_plan *pl)
{
	uint16_t port = pl->answer_port;

	return d->alerted_port[port / 64] >> (port % 64) & 1;
}

/*
 * Is @p, packet @i of its batch, the answer to a forbidden flow already
 * alerted? Then it belongs to that alert: its packet is counted there,
 * and it raises no alert of its own.
 */
static bool detect_is_answer(struct detect *d, const struct decoded *p,
			     const struct detect_plan *pl, size_t i,
			     struct fragmap_fate *fate)
{
	struct flow_key rkey;
	struct flow *f;

	if (!(pl->answer & answer_possible(d, pl)))
		return false;
	/* The key is made again rather than kept from the batch's start:
	 * cheap beside the lookup. It was hashed then, unless its port was
	 * first alerted by a packet before it in the same batch. */
	answer_key(p, (uint8_t)pl->type, &rkey);
	uint64_t h = d->n_lookup[i] == 2 ? d->rhash[i]
					  : flow_table_hash(d->flows, &rkey);
	f = flow_table_find_hashed(d->flows, &rkey, h);
	if (!f)
		return false;
	flow_count_packet(f, p->wire_len);
	d->st.repeats++;
	*fate = (struct fragmap_fate){.counted = true, .hash = h, .key = rkey};
	return true;
}

/* The identity of fragment @p's datagram, and its hash. */
static uint64_t fragment_id(const struct detect *d, const struct decoded *p,
			    const struct detect_ctx *ctx, struct fragmap_id *id)
{
	memset(id, 0, sizeof(*id));
	memcpy(id->src, p->tuple.src.b, sizeof(id->src));
	memcpy(id->dst, p->tuple.dst.b, sizeof(id->dst));
	id->id = p->frag_id;
	id->family = p->tuple.src.family;
	if (p->l3 == DECODE_L3_IPV4)
		id->proto = p->tuple.proto;
	id->view = (uint16_t)(ctx->iface_zone + 1);
	return flow_table_hash_bytes(d->flows, id, sizeof(*id));
}

/* A first fragment's fate, for its datagram's later fragments. */
static void detect_first_fragment(struct detect *d, const struct decoded *p,
				  const struct detect_ctx *ctx,
				  const struct timespec *ts,
				  const struct fragmap_fate *fate)
{
	struct fragmap_id id;
	uint64_t h;

	if (!p->fragment || !p->first_fragment)
		return;
	h = fragment_id(d, p, ctx, &id);
	fragmap_note(d->frags, &id, h, timespec_us(ts), fate);
}

/*
 * A later fragment of a datagram whose first fragment was seen goes where
 * that one went, as the kernel, which judges the datagram whole, takes it:
 * permitted, or counted into the same alert, not a flow key of its own
 * without ports. False when its first fragment is not known (lost, not
 * yet seen, or its alert since forgotten): then it is judged by itself.
 */
static bool detect_fragment(struct detect *d, const struct decoded *p,
			    const struct detect_ctx *ctx,
			    const struct timespec *ts, struct detect_pair *pair)
{
	const struct fragmap_fate *fate;
	struct fragmap_id id;
	struct flow *f = NULL;
	uint64_t h;

	if (!p->fragment || p->first_fragment)
		return false;
	h = fragment_id(d, p, ctx, &id);
	fate = fragmap_find(d->frags, &id, h, timespec_us(ts));
	if (!fate)
		return false;
	if (!fate->counted) {
		pair->pass_packets++;
		pair->pass_bytes += p->wire_len;
		return true;
	}
	f = flow_table_find_hashed(d->flows, &fate->key, fate->hash);
	if (!f)
		return false;
	pair->deny_packets++;
	pair->deny_bytes += p->wire_len;
	flow_count_packet(f, p->wire_len);
	d->st.repeats++;
	return true;
}

static void detect_flow(struct detect *d, const struct decoded *p,
			const struct detect_ctx *ctx, const struct timespec *ts,
			const struct detect_plan *pl, size_t i)
{
	const struct conf *c = d->conf;
	const struct policy_result *r = &pl->r;
	struct detect_pair *pair = &d->pairs[pl->pair];
	struct fragmap_fate fate = {.counted = false};
	struct flow *f;
	struct alert a;

	if (detect_fragment(d, p, ctx, ts, pair))
		return;
	if (!pl->deny) {
		pair->pass_packets++;
		pair->pass_bytes += p->wire_len;
		detect_first_fragment(d, p, ctx, ts, &fate);
		return;
	}
	pair->deny_packets++;
	pair->deny_bytes += p->wire_len;
	bool answered = detect_is_answer(d, p, pl, i, &fate);
	if (p->first_fragment) {
		if (!answered)
			fate = (struct fragmap_fate){
			    .counted = true, .hash = pl->hash, .key = pl->key};
		detect_first_fragment(d, p, ctx, ts, &fate);
	}
	if (answered)
		return;
	if (!detect_key_alerts(d, &pl->key, pl->hash, pl->now_us, p->wire_len,
			       &f))
		return;

	alert_from_packet(&a, pl->type, p, ctx, ts);
	const struct pair_text *text = &d->texts[pl->pair];

	a.severity = text->severity;
	if (pl->spoofed)
		a.severity = pair_severity(c, ctx->iface_zone, r->src_zone);
	a.src_zone = text->src_zone;
	a.dst_zone = text->dst_zone;
	a.action = ctx->enforcing ? "dropped" : "observed";
	a.has_counts = true;
	a.packets = f->alert_packets;
	a.bytes = f->alert_bytes;
	if (pl->spoofed)
		alert_add_str(&a, "iface_zone", zone_name(c, ctx->iface_zone));
	detect_emit(d, &a, pl->pair);
}

static bool zone_lists_mac(const struct conf_zone *z, const uint8_t mac[6])
{
	for (size_t i = 0; i < z->n_devices; i++)
		if (!memcmp(z->devices[i], mac, 6))
			return true;
	return false;
}

static void detect_sighting(struct detect *d, const struct decoded *p,
			    const struct detect_ctx *ctx,
			    const struct timespec *ts)
{
	const struct conf *c = d->conf;
	int z = zone_lookup(c->zones_lookup, &p->sight_ip);
	uint64_t now_us = timespec_us(ts);
	struct flow_key key;
	struct flow *f;
	struct alert a;
	char mac[18];

	d->st.sightings++;
	/*
	 * A link-local address (fe80::/10, 169.254/16: every IPv6 host's
	 * neighbour discovery) says nothing of the zone: the catch-all
	 * prefixes (::/0) would put each host in the internet zone. Such a
	 * device is of the zone of the interface it was seen on, when that
	 * interface is a zone's, and else not placed.
	 */
	if (addr_is_local_scope(&p->sight_ip, false))
		z = ctx->iface_zone;
	if (z == ZONE_NONE)
		return;
	if (c->zones[z].has_devices) {
		if (zone_lists_mac(&c->zones[z], p->sight_mac))
			return;
	} else if (!ctx->new_station) {
		return;
	}
	memset(&key, 0, sizeof(key));
	key.family = DETECT_FAMILY_DEVICE;
	memcpy(key.src, p->sight_mac, 6);
	memcpy(key.dst, p->sight_ip.b, 16);
	key.port = (uint16_t)z;
	if (!detect_key_alerts(d, &key, flow_table_hash(d->flows, &key), now_us,
			       p->wire_len, &f))
		return;
	/* Without a list, only the first sighting is news. */
	if (!c->zones[z].has_devices && f->packets > 1)
		return;

	memset(&a, 0, sizeof(a));
	a.type = ALERT_UNKNOWN_DEVICE;
	a.ts = *ts;
	a.severity = c->zones[z].severity;
	a.src_zone = c->zones[z].name;
	a.iface = ctx->iface;
	a.action = "observed";
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 p->sight_mac[0], p->sight_mac[1], p->sight_mac[2],
		 p->sight_mac[3], p->sight_mac[4], p->sight_mac[5]);
	char ip[ADDR_STRLEN];
	alert_add_str(&a, "src", addr_format(&p->sight_ip, ip, sizeof(ip)));
	alert_add_str(&a, "mac", mac);
	alert_add_str(&a, "listed",
		      c->zones[z].has_devices ? "no" : "first-seen");
	detect_emit(d, &a, pair_index(d, z, ZONE_NONE));
}

/* The part of a packet's handling that counts, alerts and remembers:
 * packet @i of its batch. */
static void detect_apply(struct detect *d, const struct decoded *p,
			 const struct detect_ctx *ctx,
			 const struct timespec *ts,
			 const struct detect_plan *pl, size_t i)
{
	d->st.packets++;
	if (p->has_sighting)
		detect_sighting(d, p, ctx, ts);
	if (p->l3 != DECODE_L3_IPV4 && p->l3 != DECODE_L3_IPV6) {
		if (p->l3 != DECODE_L3_ARP)
			d->st.other++;
		return;
	}
	d->st.ip++;
	if (!pl->flow) {
		d->st.local++;
		return;
	}
	detect_flow(d, p, ctx, ts, pl, i);
}

/*
 * Planning changes nothing, so it need not go in order: the batch's IPv4
 * packets are planned first, then the others. Most of the work differs by
 * family (the length of addresses, the trie, the depth of its walk), and
 * taken in turn each branch on it goes the same way packet after packet;
 * in a capture of both families, mixed at random, each such branch would
 * be mispredicted every other packet.
 */
_Static_assert(DETECT_BATCH <= 65536, "a batch is indexed in 16 bits");

void detect_batch_plan(const struct detect *d, struct detect_batch *b,
		       const struct detect_ctx *ctx)
{
	uint16_t order[DETECT_BATCH];
	size_t n4 = 0, rest = b->n;

	/* Without a branch: the IPv4 packets from the front, the others from
	 * the back. */
	for (size_t i = 0; i < b->n; i++) {
		bool v4 = b->dec[i].l3 == DECODE_L3_IPV4;

		order[v4 ? n4 : rest - 1] = (uint16_t)i;
		n4 += v4;
		rest -= !v4;
	}
	const struct flow_key *key[DETECT_BATCH];
	uint64_t *hash[DETECT_BATCH];
	const struct addr *addr[2 * DETECT_BATCH];
	int zone[2 * DETECT_BATCH];
	size_t nkeys = 0;

	/*
	 * The zones of the packets' addresses first, in one run: lookups
	 * one after the other overlap their loads, where between the rest
	 * of planning each waits for its own. Packet k of the order has
	 * its source's at 2k and its destination's at 2k + 1 (none when it
	 * is not IP).
	 */
	for (size_t k = 0; k < b->n; k++) {
		const struct decoded *p = &b->dec[order[k]];

		addr[2 * k] = &p->tuple.src;
		addr[2 * k + 1] = &p->tuple.dst;
	}
	zone_lookup_n(d->conf->zones_lookup, addr, zone, 2 * b->n);
	for (size_t k = 0; k < b->n; k++) {
		size_t i = order[k];
		struct detect_plan *pl = &b->plan[i];

		detect_plan(d, &b->day, &b->dec[i], ctx, &b->ts[i], zone[2 * k],
			    zone[2 * k + 1], pl);
		if (pl->flow && pl->deny) {
			key[nkeys] = &pl->key;
			hash[nkeys++] = &pl->hash;
		}
	}
	/* In the same order, so the IPv4 keys come together. */
	flow_table_hash_n(d->flows, key, hash, nkeys);
}

/*
 * The flow-table lookups applying @b will make, in order, with their
 * hashes: an answer's (when its port was alerted before the batch), then
 * the packet's own key. Returns how many.
 */
static size_t detect_batch_lookups(struct detect *d,
				   const struct detect_batch *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->n; i++) {
		const struct detect_plan *pl = &b->plan[i];
		const struct decoded *p = &b->dec[i];

		/* Without a branch on whether the packet looks its key up
		 * (denied and permitted packets come mixed): the hash goes
		 * in either way, and the next one writes over it if not. */
		bool looks = pl->flow & pl->deny;
		bool answers = looks & pl->answer & answer_possible(d, pl);

		/* Kept from being split into a branch on each. */
		__asm__("" : "+r"(answers));
		d->n_lookup[i] = 0;
		if (answers) {
			struct flow_key rkey;

			answer_key(p, (uint8_t)pl->type, &rkey);
			d->rhash[i] = flow_table_hash(d->flows, &rkey);
			d->lookup[n++] = d->rhash[i];
			d->n_lookup[i]++;
		}
		d->lookup[n] = pl->hash;
		n += looks;
		d->n_lookup[i] += looks;
	}
	return n;
}

#define BATCH_AHEAD 6

void detect_batch_apply(struct detect *d, const struct detect_batch *b,
			const struct detect_ctx *ctx)
{
	struct flow_prefetch pf;

	flow_prefetch_begin(d->flows, &pf, d->lookup,
			    detect_batch_lookups(d, b));
	for (size_t i = 0; i < b->n; i++) {
		/* Before its own, the memory of the lookups further on: a
		 * packet makes one lookup or none, two only when it may be
		 * an answer. */
		if (d->n_lookup[i] == 2)
			flow_prefetch_next(d->flows, &pf);
		flow_prefetch_step(d->flows, &pf, d->n_lookup[i] != 0);
		/* And the packet and plan a few on, which the thread that
		 * planned them may still hold in its cache: of the packet,
		 * the line that holds what applying reads of every one. */
		if (i + BATCH_AHEAD < b->n) {
			const char *dec = (const char *)&b->dec[i + BATCH_AHEAD];
			const char *pl = (const char *)&b->plan[i + BATCH_AHEAD];

			__builtin_prefetch(dec);
			__builtin_prefetch(pl);
			__builtin_prefetch(pl + sizeof(b->plan[0]) - 1);
		}
		detect_apply(d, &b->dec[i], ctx, &b->ts[i], &b->plan[i], i);
	}
}

const struct detect_pair *detect_pairs(const struct detect *d)
{
	return d->pairs;
}

/*
 * Every key of the table is put there by detect_key_alerts(), so the
 * table's own eviction counter is the count of keys forgotten: read when
 * asked for rather than compared around every lookup.
 */
static uint64_t detect_evictions(const struct detect *d)
{
	struct flow_stats fs;

	flow_table_stats(d->flows, &fs);
	return fs.evictions;
}

void detect_stats_get(const struct detect *d, struct detect_stats *st)
{
	*st = d->st;
	st->flows_evicted = detect_evictions(d);
	st->fragments_forgotten = fragmap_replaced(d->frags);
}

size_t detect_memory(const struct detect *d)
{
	size_t n = d->conf->n_zones + 1;

	return sizeof(*d) + n * n * sizeof(*d->pairs) +
	       flow_table_memory(d->flows) + fragmap_memory(d->frags);
}

void detect_summary_print(const struct detect *d, FILE *out)
{
	const struct conf *c = d->conf;
	size_t n = c->n_zones + 1;
	uint64_t alerts = 0;

	for (size_t t = 0; t < ALERT_TYPE_MAX; t++)
		alerts += d->st.alerts[t];
	fprintf(out,
		"packets %" PRIu64 " (ip %" PRIu64
		", link-local/multicast %" PRIu64 ", other %" PRIu64
		"), device sightings %" PRIu64 ", alerts %" PRIu64 "\n",
		d->st.packets, d->st.ip, d->st.local, d->st.other,
		d->st.sightings, alerts);
	fprintf(out, "%-12s %-12s %12s %14s %12s %14s %8s\n", "SRC_ZONE",
		"DST_ZONE", "PERMIT_PKTS", "PERMIT_BYTES", "DENY_PKTS",
		"DENY_BYTES", "ALERTS");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			const struct detect_pair *p = &d->pairs[i * n + j];
			if (!p->pass_packets && !p->deny_packets && !p->alerts)
				continue;
			fprintf(out,
				"%-12s %-12s %12" PRIu64 " %14" PRIu64
				" %12" PRIu64 " %14" PRIu64 " %8" PRIu64 "\n",
				i == n - 1 ? "none" : c->zones[i].name,
				j == n - 1 ? "none" : c->zones[j].name,
				p->pass_packets, p->pass_bytes, p->deny_packets,
				p->deny_bytes, p->alerts);
		}
	}
	for (size_t t = 0; t < ALERT_TYPE_MAX; t++)
		if (d->st.alerts[t])
			fprintf(out, "alerts %s: %" PRIu64 "\n",
				alert_type_name(t), d->st.alerts[t]);
	if (d->st.repeats)
		fprintf(out,
			"repeats of alerted flow keys (counted, not "
			"re-alerted): %" PRIu64 "\n",
			d->st.repeats);
	uint64_t evicted = detect_evictions(d);
	if (evicted)
		fprintf(out,
			"flow keys evicted at capture.max_flows = %u: %" PRIu64
			"\n",
			c->max_flows, evicted);
	uint64_t forgotten = fragmap_replaced(d->frags);
	if (forgotten)
		fprintf(out,
			"fragmented datagrams forgotten before their last "
			"fragment (more than %d at once): %" PRIu64 "\n",
			FRAGMAP_SLOTS, forgotten);
}
