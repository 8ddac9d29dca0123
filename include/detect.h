/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * detect: the detection core shared by the offline audit (bunrid -r) and
 * live capture. Each decoded packet is classified into zones, judged by
 * policy, counted per zone pair, and turned into alerts: cross-zone,
 * unzoned, spoofed-source (live: a source address that does not belong
 * behind the interface it came in on) and unknown-device (ARP / neighbour
 * discovery sightings of MACs a zone does not list). Each alert flow key
 * alerts once per log.repeat_interval of packet time; memory is bounded by
 * capture.max_flows.
 */
#ifndef BUNRI_DETECT_H
#define BUNRI_DETECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "alert.h"
#include "conf.h"
#include "decode.h"
#include "flow.h"
#include "policy.h"

struct detect;

/*
 * Receives every alert; the alert lives during the call. An alert without
 * extras refers to nothing but the configuration's zone names, static
 * text and the context's interface name, and may be copied and kept as
 * long as those live; the strings of extras may not outlive the call.
 */
typedef void (*detect_alert_fn)(const struct alert *a, void *arg);

/**
 * struct detect_ctx - where a packet was captured.
 * @iface: interface name, NULL offline
 * @iface_zone: the zone that interface faces (spoofing is checked), or
 *              ZONE_NONE (a mirror port, a capture file)
 * @enforcing: the enforcing ruleset forwards this interface's traffic, so
 *             a denied flow is reported as action=dropped
 * @new_station: in zones without a devices list, the first sighting of a
 *               MAC is an unknown-device alert (arpwatch's "new station")
 */
struct detect_ctx {
	const char *iface;
	int iface_zone;
	bool enforcing;
	bool new_station;
};

/**
 * struct detect_pair - counters of one (source zone, destination zone)
 * pair; index n_zones stands for "no zone".
 */
struct detect_pair {
	uint64_t pass_packets;
	uint64_t pass_bytes;
	uint64_t deny_packets;
	uint64_t deny_bytes;
	uint64_t alerts;
};

/**
 * struct detect_stats - totals.
 * @packets: packets handed in; @ip: IPv4/IPv6 among them
 * @local: link-local, multicast or broadcast traffic (never routed, so not
 *         classified); @other: neither IP nor ARP
 * @alerts: alerts raised, by type
 * @repeats: packets of alerting keys that did not alert again (counted)
 * @flows_evicted: keys forgotten because the table was full
 */
struct detect_stats {
	uint64_t packets;
	uint64_t ip;
	uint64_t local;
	uint64_t other;
	uint64_t sightings;
	uint64_t alerts[ALERT_TYPE_MAX];
	uint64_t repeats;
	uint64_t flows_evicted;
	uint64_t fragments_forgotten; /* datagrams pushed out of the fragmap */
};

/*
 * A detector for @c (which must outlive it). @seed keys the flow hash
 * (0: random). Returns NULL on allocation failure.
 */
struct detect *detect_new(const struct conf *c, uint64_t seed,
			  detect_alert_fn fn, void *arg);
void detect_free(struct detect *d);

/*
 * Packets go through detection in batches, in two steps: planning (zones,
 * policy, flow keys and their hashes), which only reads the detector, and
 * applying (counters, the flow table, alerts). A batch is planned whole,
 * then applied with each packet's flow-table memory requested a few
 * packets before it is needed, so that those cache misses overlap; and
 * since planning changes nothing, the batch can be planned on another
 * thread while the one before is applied. The result is the same for any
 * split into batches: that of batches of one packet each.
 */
#define DETECT_BATCH 1024

/* The day a second falls on, cached: local time is costly. */
struct detect_day {
	time_t second; /* -1: nothing cached */
	uint32_t today;
};

/* Detection's own notes on one packet, from planning to applying. */
struct detect_plan {
	bool flow;    /* IP, not link-local: classified */
	bool deny;    /* not permitted: it alerts or counts into an alert */
	bool answer;  /* it may answer a forbidden flow (to @answer_port) */
	bool spoofed; /* the source does not belong behind the interface */
	uint16_t answer_port; /* its source port: the flow's destination */
	enum alert_type type;
	uint32_t pair; /* of its zones, in detect_pairs() */
	uint64_t hash; /* of @key */
	/* What applying reads of every packet comes first, above. */
	struct policy_result r;
	uint64_t now_us;
	struct flow_key key;
};

/**
 * struct detect_batch - up to DETECT_BATCH packets.
 * @n: packets in @dec and @ts; the caller fills them
 * @day: planning's cache; set .second to -1 before the first batch
 * @plan: written by detect_batch_plan()
 */
struct detect_batch {
	size_t n;
	struct decoded dec[DETECT_BATCH];
	struct timespec ts[DETECT_BATCH];
	struct detect_day day;
	struct detect_plan plan[DETECT_BATCH];
};

/* Plan @b; reads @d only, so it is safe beside detect_batch_apply(). */
void detect_batch_plan(const struct detect *d, struct detect_batch *b,
		       const struct detect_ctx *ctx);
/* Apply a planned @b, in order. */
void detect_batch_apply(struct detect *d, const struct detect_batch *b,
			const struct detect_ctx *ctx);

/* The (n_zones + 1)² pair counters, row = source zone. */
const struct detect_pair *detect_pairs(const struct detect *d);
void detect_stats_get(const struct detect *d, struct detect_stats *st);
/* Bytes held (flow table included). */
size_t detect_memory(const struct detect *d);

/* Per-pair summary for a person, as bunrid -r prints it on stderr. */
void detect_summary_print(const struct detect *d, FILE *out);

#endif
