/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zone: which zone an address belongs to. Longest-prefix match over every
 * zone's networks, IPv4 and IPv6, in constant time per lookup (multibit
 * tries with fixed strides), built once per configuration.
 *
 * The same prefix hierarchy is also flattened into disjoint, sorted ranges
 * each carrying the zone of its most specific prefix: that is what the
 * kernel's interval maps hold, so the user-space lookup and the ruleset
 * agree by construction.
 */
#ifndef BUNRI_ZONE_H
#define BUNRI_ZONE_H

#include <stddef.h>
#include <sys/types.h>

#include "addr.h"

#define ZONE_NONE (-1)

struct zone_table;

/**
 * struct zone_prefix - input to zone_table_build(): a prefix and its zone.
 */
struct zone_prefix {
	struct prefix prefix;
	int zone;
};

/**
 * struct zone_range - one disjoint address range [@lo, @hi] of one family,
 * belonging to zone @zone (never ZONE_NONE: unzoned gaps are left out).
 */
struct zone_range {
	struct addr lo;
	struct addr hi;
	int zone;
};

/*
 * Build the lookup from @n prefixes. The same prefix twice is the caller's
 * error (the validator refuses it); if it happens the later one wins.
 * Returns NULL with errno set on allocation failure.
 */
struct zone_table *zone_table_build(const struct zone_prefix *p, size_t n);
void zone_table_free(struct zone_table *t);

/*
 * Zone index of @a, or ZONE_NONE. An IPv4-mapped IPv6 address is looked up
 * as the IPv4 address it carries.
 */
int zone_lookup(const struct zone_table *t, const struct addr *a);
/*
 * zone_lookup() of @n addresses: *@zone[i] for *@a[i]. Faster than one
 * call each: the lookups run one after the other in one loop, and their
 * loads overlap (in runs of one family, their branches go alike).
 */
void zone_lookup_n(const struct zone_table *t, const struct addr *const a[],
		   int zone[], size_t n);

/*
 * Disjoint ranges of @family (AF_INET or AF_INET6), ascending, adjacent
 * ranges of the same zone merged. Returns the count and sets *@out to a
 * malloc'd array the caller frees; -1 on allocation failure.
 */
ssize_t zone_table_ranges(const struct zone_table *t, int family,
			  struct zone_range **out);

/* Bytes the table holds, for status and benchmarks. */
size_t zone_table_memory(const struct zone_table *t);

#endif
