/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow: the bounded flow table of detection. One entry per alert flow key
 * of DESIGN.md (src, dst, proto, dport or ICMP type): its packet count,
 * whether and when it last alerted, and what it has seen since.
 *
 * All memory is allocated by flow_table_new(); nothing is allocated per
 * packet. When the table is full the least recently seen entry is evicted
 * and counted. Buckets are chosen by SipHash-1-3 under a secret key, so
 * that an attacker who controls addresses cannot aim them at one chain.
 */
#ifndef BUNRI_FLOW_H
#define BUNRI_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct flow_tuple; /* policy.h */

/* What flow_key.port holds. */
enum flow_port_kind {
	FLOW_PORT_NONE = 0, /* no transport header: port is 0 */
	FLOW_PORT_L4 = 1,   /* TCP/UDP destination port */
	FLOW_PORT_ICMP = 2, /* ICMP or ICMPv6 type */
};

/**
 * struct flow_key - the alert flow key.
 * @src, @dst: address bytes in network order; IPv4 uses the first 4 and
 *             leaves the rest zero
 * @family: AF_INET or AF_INET6, so an IPv4 key never equals an IPv6 key
 *          with the same bytes
 * @proto: IPPROTO_*
 * @port_kind: enum flow_port_kind, says what @port means
 * @type: the caller's kind of key: keys of different types never match
 *        (detection keeps its alert types apart with it); 0 by default
 * @port: destination port, ICMP type, or 0
 * @pad: ignored
 *
 * Build keys with flow_key_from_tuple(). The table ignores whatever a
 * hand-made key holds in @pad and the unused bytes of an IPv4 address.
 */
struct flow_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint8_t family;
	uint8_t proto;
	uint8_t port_kind;
	uint8_t type;
	uint16_t port;
	uint8_t pad[2];
};

/* struct flow.flags: FLOW_F_ALERTED means last_alert_us is valid. */
#define FLOW_F_ALERTED 0x01 /* has alerted at least once */
#define FLOW_F_RESTART 0x02 /* private: alert_* restart at the next packet */

/**
 * struct flow - one entry of the table. The caller reads its fields; only
 * the flow functions write them.
 * @last_alert_us: when flow_should_alert() last said yes, in the caller's
 *                 clock (microseconds; capture time for packets)
 * @packets: packets since the entry was created
 * @alert_packets, @alert_bytes: since the previous alert of this key,
 *                               including the packet that alerts now: what
 *                               an alert reports as packets= and bytes=
 * @flags: FLOW_F_*
 *
 * An entry holds nothing else, so that with its links it is 96 bytes:
 * two cache lines, read at random, per flow.
 *
 * A pointer to an entry stays valid only until the next flow_table_get()
 * that may evict it.
 */
struct flow {
	struct flow_key key;
	uint64_t last_alert_us;
	uint64_t packets;
	uint64_t alert_packets;
	uint64_t alert_bytes;
	uint8_t flags;
};

/**
 * struct flow_stats - counters of a table.
 * @count: entries in use; @capacity: the bound; @buckets: hash buckets
 * @lookups: flow_table_get() calls; @inserts: entries created;
 * @evictions: entries dropped because the table was full
 */
struct flow_stats {
	size_t count;
	size_t capacity;
	size_t buckets;
	uint64_t lookups;
	uint64_t inserts;
	uint64_t evictions;
};

struct flow_table;

/* flow_table_new() seed that asks for a fresh random key (getrandom). */
#define FLOW_SEED_RANDOM 0

/*
 * A table of at most @max_flows entries (1 to FLOW_MAX_FLOWS), all memory
 * allocated now. @seed keys the hash: FLOW_SEED_RANDOM for a secret random
 * key (production), any other value for a reproducible one (tests).
 * Returns NULL with errno set (EINVAL, ENOMEM) on failure.
 */
#define FLOW_MAX_FLOWS 0x7fffffffu
struct flow_table *flow_table_new(size_t max_flows, uint64_t seed);
void flow_table_free(struct flow_table *t);

/*
 * The entry of @key, created when absent (evicting the least recently
 * seen entry when full); either way it becomes the most recently seen.
 * *@created (may be NULL) says whether it was new. Never fails.
 */
struct flow *flow_table_get(struct flow_table *t, const struct flow_key *key,
			    bool *created);

/* The entry of @key or NULL; touches neither the LRU order nor counters. */
struct flow *flow_table_find(const struct flow_table *t,
			     const struct flow_key *key);

/*
 * For callers that handle packets in batches: the hash of a key, and
 * lookups with the hash already known (@hash must be flow_table_hash() of
 * @key in @t): flow_table_get() and flow_table_find() otherwise.
 */
uint64_t flow_table_hash(const struct flow_table *t,
			 const struct flow_key *key);
struct flow *flow_table_get_hashed(struct flow_table *t,
				   const struct flow_key *key, uint64_t hash,
				   bool *created);
struct flow *flow_table_find_hashed(const struct flow_table *t,
				    const struct flow_key *key, uint64_t hash);
/*
 * flow_table_hash() of @n keys at once: *@hash[i] for *@key[i]. Where the
 * processor has AVX2, four keys of one family are hashed side by side,
 * so runs of IPv4 keys and of IPv6 keys go fastest.
 */
void flow_table_hash_n(const struct flow_table *t,
		       const struct flow_key *const key[],
		       uint64_t *const hash[], size_t n);
/* The table's keyed hash of @len other bytes, for a side table whose
 * keys an attacker chooses as well (fragmap.h). */
uint64_t flow_table_hash_bytes(const struct flow_table *t, const void *data,
			       size_t len);

/**
 * struct flow_prefetch - a walk over the hashes of a batch's lookups, in
 * the order they will be made, that loads ahead of each lookup the memory
 * those a few places further on will read. It runs in stages, each
 * reading what the one before requested: the bucket, then the entry it
 * leads to, then (for a hit, which moves its entry to the head of the
 * LRU list) the entries on either side of that one. The cache misses of
 * a batch then overlap instead of following each other; the lookups'
 * results are the same.
 * @hash: the hashes, @n of them; @next: the lookup about to be made
 */
struct flow_prefetch {
	const uint64_t *hash;
	size_t n;
	size_t next;
};

/* Start a walk over @n hashes: the stages of the first lookups. */
void flow_prefetch_begin(const struct flow_table *t, struct flow_prefetch *pf,
			 const uint64_t *hash, size_t n);
/*
 * Call before each lookup of the list, whether or not it is made (the
 * walk counts list entries, not lookups). A no-op past the end.
 */
void flow_prefetch_next(const struct flow_table *t, struct flow_prefetch *pf);
/*
 * For a caller that makes none or one lookup per item, and calls this
 * before each item: as flow_prefetch_next() when @counts (1), else the
 * stages of the lookup to come over again (0), which find their lines in
 * cache. A branch on whether an item makes a lookup would be mispredicted
 * wherever items that do and items that do not come mixed.
 */
void flow_prefetch_step(const struct flow_table *t, struct flow_prefetch *pf,
			size_t counts);

/*
 * Entries from most to least recently seen: pass NULL for the first, the
 * previous one for the next; NULL at the end. The table must not change
 * during a walk.
 */
struct flow *flow_table_next(const struct flow_table *t,
			     const struct flow *prev);

/* The counters; cheap enough to call per packet. */
void flow_table_stats(const struct flow_table *t, struct flow_stats *st);

/*
 * The longest bucket chain, a measure of hash quality for diagnostics: it
 * walks every bucket, so not per packet.
 */
size_t flow_table_max_chain(const struct flow_table *t);

/* Bytes the table holds, all allocated by flow_table_new(). */
size_t flow_table_memory(const struct flow_table *t);

/* Size of one entry inside the table (struct flow plus its links). */
size_t flow_entry_size(void);

/*
 * SipHash-c-d (@c compression and @d finalization rounds) of @len bytes
 * under the 16-byte @key. The table hashes with SipHash-1-3, the variant
 * hash tables commonly use; SipHash-2-4 is the one with published
 * reference vectors, which check the shared code.
 */
uint64_t flow_siphash(const uint8_t key[16], const void *data, size_t len,
		      unsigned c, unsigned d);

/*
 * Account one packet of @bytes to @f. Call it before
 * flow_should_alert() so that the alerting packet is counted.
 */
void flow_count_packet(struct flow *f, uint64_t bytes);

/*
 * True on the first sighting of a key and whenever @repeat_interval_s
 * seconds have passed since its previous alert (0: every packet). When
 * true, @f->alert_packets and @f->alert_bytes hold what was seen since the
 * previous alert, for the caller to report; counting restarts from zero at
 * the next flow_count_packet(). A clock going backwards never alerts
 * early.
 */
bool flow_should_alert(struct flow *f, uint64_t now_us,
		       unsigned repeat_interval_s);

/*
 * The alert flow key of a packet: destination port when @t has ports,
 * else the ICMP type when @has_icmp, else no port; @type as struct
 * flow_key.type.
 */
void flow_key_from_tuple(const struct flow_tuple *t, bool has_icmp,
			 uint8_t icmp_type, uint8_t type, struct flow_key *key);

#endif
