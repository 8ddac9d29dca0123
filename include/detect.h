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

struct detect;

/* Receives every alert; the alert and its strings live during the call. */
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
};

/*
 * A detector for @c (which must outlive it). @seed keys the flow hash
 * (0: random). Returns NULL on allocation failure.
 */
struct detect *detect_new(const struct conf *c, uint64_t seed,
			  detect_alert_fn fn, void *arg);
void detect_free(struct detect *d);

/* Classify one decoded packet captured at @ts. */
void detect_packet(struct detect *d, const struct decoded *p,
		   const struct detect_ctx *ctx, const struct timespec *ts);

/*
 * Classify @n packets captured at @ts[0..n-1], exactly as @n calls of
 * detect_packet() would, but faster: the flow-table memory of
 * DETECT_BATCH packets at a time is requested before the first of them
 * needs it, so that those cache misses overlap.
 */
#define DETECT_BATCH 32
void detect_packets(struct detect *d, const struct decoded *p,
		    const struct timespec *ts, size_t n,
		    const struct detect_ctx *ctx);

/* The (n_zones + 1)² pair counters, row = source zone. */
const struct detect_pair *detect_pairs(const struct detect *d);
void detect_stats_get(const struct detect *d, struct detect_stats *st);
/* Bytes held (flow table included). */
size_t detect_memory(const struct detect *d);

/* Per-pair summary for a person, as bunrid -r prints it on stderr. */
void detect_summary_print(const struct detect *d, FILE *out);

#endif
