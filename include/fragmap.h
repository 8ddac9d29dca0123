/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fragmap: what became of each fragmented datagram's first fragment, so
 * that its later fragments, which carry no ports, follow it. The kernel
 * reassembles a datagram before its ruleset judges it; a monitor that
 * judged each later fragment on its addresses alone would alert a second
 * flow key, without ports, for every forbidden datagram sent in pieces.
 *
 * A datagram is known by its source, destination and identification (and
 * protocol, for IPv4: RFC 791; an IPv6 identification is unique per pair
 * of addresses: RFC 8200), and by the interface it was seen on. The map holds FRAGMAP_SLOTS of them, two ways
 * to a set, for FRAGMAP_LIFE_US of capture time (the kernel's ipfrag_time)
 * after the first fragment; a datagram pushed out while still live is
 * counted. The caller hashes each datagram's identity under a secret key
 * (flow_table_hash_bytes()); nothing is allocated after fragmap_new().
 */
#ifndef BUNRI_FRAGMAP_H
#define BUNRI_FRAGMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"

#define FRAGMAP_SLOTS	4096
#define FRAGMAP_LIFE_US (30ull * 1000000)

/* A datagram's identity: hashed and compared as its bytes. */
struct fragmap_id {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;
	uint8_t family;
	uint8_t proto; /* IPv4 only; 0 for IPv6 */
	/* The zone of the interface it was captured on + 1 (0: none): each
	 * interface's copy is judged on its own, as its alerts are. */
	uint16_t view;
};

/**
 * struct fragmap_fate - what the first fragment was.
 * @counted: it was counted into the alert flow key @key (hash @hash in the
 *           flow table): an alert of its own, or the forbidden flow it
 *           answers; else it was permitted
 */
struct fragmap_fate {
	bool counted;
	uint64_t hash;
	struct flow_key key;
};

struct fragmap;

struct fragmap *fragmap_new(void);
void fragmap_free(struct fragmap *m);

/* Remember @fate for datagram @id (of hash @hash), first seen at @now_us. */
void fragmap_note(struct fragmap *m, const struct fragmap_id *id,
		  uint64_t hash, uint64_t now_us,
		  const struct fragmap_fate *fate);
/* The fate of datagram @id at @now_us, or NULL when unknown or expired. */
const struct fragmap_fate *fragmap_find(const struct fragmap *m,
					const struct fragmap_id *id,
					uint64_t hash, uint64_t now_us);
/* Datagrams pushed out by others while still live, ever. */
uint64_t fragmap_replaced(const struct fragmap *m);
size_t fragmap_memory(const struct fragmap *m);

#endif
