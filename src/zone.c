// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zone: longest-prefix match of addresses to zones, and the same prefix
 * hierarchy flattened into disjoint ranges for the kernel's interval maps.
 *
 * Lookup is a multibit trie per family with fixed strides: a 65536-entry
 * root indexed by the first 16 bits, then 256-entry nodes, one per further
 * byte (IPv4 16-8-8, IPv6 16-8-...-8). The trie is leaf-pushed (controlled
 * prefix expansion): every entry holds either the zone of the longest prefix
 * covering its whole span or a child, so a lookup reads one entry per level
 * and never backtracks, whatever the number of prefixes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "zone.h"

#define ROOT_BITS 16
#define ROOT_SIZE (1u << ROOT_BITS)
#define NODE_BITS 8
#define NODE_SIZE (1u << NODE_BITS)

/*
 * An entry is ENTRY_CHILD | node index, or zone + 1 with 0 meaning no zone:
 * the empty table is then all zeroes and calloc builds it.
 */
#define ENTRY_CHILD 0x80000000u
#define ENTRY_MASK  0x7fffffffu
#define ZONE_MAX    ((int)ENTRY_MASK - 1)

/* The IPv4-mapped block ::ffff:0:0/96 as 128-bit numbers. */
#define MAPPED_LO ((u128)0xffff << 32)
#define MAPPED_HI (MAPPED_LO | 0xffffffffu)

typedef unsigned __int128 u128;

/*
 * A built node keeps only the entries that differ from their left
 * neighbour (runs of one value): bit i of @bm is set when entry i starts a
 * run, and entry i is run number (run starts at or before i) - 1. A
 * leaf-pushed node is mostly one inherited value and a child or two, so
 * up to CNODE_INLINE run values live in the node itself, which is one
 * cache line: a level costs one line, a bitmap word and a popcount. Nodes
 * with more runs keep them in the trie's pool from @base on.
 */
#define CNODE_INLINE  6
#define CNODE_INLINED UINT32_MAX /* @base of a node whose runs are inline */

struct cnode {
	uint64_t bm[NODE_SIZE / 64];
	uint8_t before[NODE_SIZE / 64]; /* run starts in earlier words */
	uint32_t base;
	uint32_t inl[CNODE_INLINE];
} __attribute__((aligned(64)));

/* aligned_alloc() needs a size that is a multiple of the alignment. */
_Static_assert(sizeof(struct cnode) == 64, "a node is one cache line");

struct trie {
	uint32_t *root;	 /* ROOT_SIZE entries, flat */
	uint32_t *nodes; /* while building: nnodes * NODE_SIZE entries */
	size_t nnodes;
	size_t cap;
	struct cnode *cnodes; /* once built: nnodes of them */
	uint32_t *pool;
	size_t npool;
};

struct zone_table {
	struct trie v4;
	struct trie v6;
	/* The input, kept because the ranges are computed from prefixes. */
	struct zone_prefix *prefixes;
	size_t n;
};

/* Make room for @want nodes so pointers into the array stay valid. */
static int trie_reserve(struct trie *tr, size_t want)
{
	if (want <= tr->cap)
		return 0;
	if (want > (size_t)ENTRY_MASK + 1) {
		errno = ENOMEM;
		return -1;
	}
	size_t cap = tr->cap ? tr->cap : 64;
	while (cap < want)
		cap *= 2;
	uint32_t *nodes =
	    reallocarray(tr->nodes, cap, NODE_SIZE * sizeof(*nodes));
	if (!nodes)
		return -1;
	tr->nodes = nodes;
	tr->cap = cap;
	return 0;
}

/* A node whose entries all inherit @fill, the parent entry it replaces. */
static uint32_t trie_node_new(struct trie *tr, uint32_t fill)
{
	uint32_t *e = tr->nodes + tr->nnodes * NODE_SIZE;

	for (unsigned i = 0; i < NODE_SIZE; i++)
		e[i] = fill;
	return (uint32_t)tr->nnodes++;
}

/*
 * Prefixes go in shortest first, so every entry in the span of a new prefix
 * holds a shorter (or equal, earlier) prefix's zone and is overwritten; a
 * child there would mean a longer prefix came first, which the order rules
 * out, and it is left alone rather than flattened.
 */
static void entries_fill(uint32_t *e, size_t first, size_t count, uint32_t val)
{
	for (size_t i = first; i < first + count; i++)
		if (!(e[i] & ENTRY_CHILD))
			e[i] = val;
}

static int trie_insert(struct trie *tr, const struct prefix *p, uint32_t val)
{
	const uint8_t *b = p->addr.b;
	unsigned len = p->len;
	size_t idx = (size_t)b[0] << 8 | b[1];

	if (len <= ROOT_BITS) {
		entries_fill(tr->root, idx, (size_t)1 << (ROOT_BITS - len),
			     val);
		return 0;
	}
	unsigned need = (len - ROOT_BITS + NODE_BITS - 1) / NODE_BITS;
	if (trie_reserve(tr, tr->nnodes + need) < 0)
		return -1;

	uint32_t *e = &tr->root[idx];
	for (unsigned off = ROOT_BITS;; off += NODE_BITS) {
		if (!(*e & ENTRY_CHILD)) {
			uint32_t child = trie_node_new(tr, *e);

			*e = ENTRY_CHILD | child;
		}
		uint32_t *node =
		    tr->nodes + (size_t)(*e & ENTRY_MASK) * NODE_SIZE;
		unsigned byte = b[off / 8];

		if (len <= off + NODE_BITS) {
			entries_fill(node, byte,
				     (size_t)1 << (off + NODE_BITS - len), val);
			return 0;
		}
		e = &node[byte];
	}
}

/*
 * Portable popcount: the default x86-64 target has no POPCNT instruction
 * and __builtin_popcountll would become a libgcc call.
 */
static inline unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* Entries of the last level are never children, so the loop ends there. */
static int trie_lookup(const struct trie *tr, const uint8_t *b)
{
	uint32_t e = tr->root[(unsigned)b[0] << 8 | b[1]];

	for (unsigned i = 2; e & ENTRY_CHILD; i++) {
		const struct cnode *nd = &tr->cnodes[e & ENTRY_MASK];
		unsigned byte = b[i], w = byte / 64;
		uint64_t upto = nd->bm[w] & (~0ull >> (63 - byte % 64));
		unsigned run = nd->before[w] + popcount64(upto) - 1;

		e = nd->base == CNODE_INLINED ? nd->inl[run]
					      : tr->pool[nd->base + run];
	}
	return (int)e - 1;
}

static unsigned node_runs(const uint32_t *e)
{
	unsigned runs = 1;

	for (unsigned i = 1; i < NODE_SIZE; i++)
		runs += e[i] != e[i - 1];
	return runs;
}

/* Turn the flat nodes into run-compressed ones and drop the flat ones. */
static int trie_compress(struct trie *tr)
{
	size_t pooled = 0;

	for (size_t n = 0; n < tr->nnodes; n++) {
		unsigned runs = node_runs(tr->nodes + n * NODE_SIZE);

		if (runs > CNODE_INLINE)
			pooled += runs;
	}
	if (pooled >= CNODE_INLINED) {
		errno = ENOMEM;
		return -1;
	}
	tr->cnodes = aligned_alloc(64, (tr->nnodes ? tr->nnodes : 1) *
					   sizeof(*tr->cnodes));
	tr->pool = calloc(pooled ? pooled : 1, sizeof(*tr->pool));
	if (!tr->cnodes || !tr->pool)
		return -1;
	tr->npool = pooled;

	size_t next = 0;
	for (size_t n = 0; n < tr->nnodes; n++) {
		const uint32_t *e = tr->nodes + n * NODE_SIZE;
		struct cnode *nd = &tr->cnodes[n];
		unsigned count = 0;
		bool inl = node_runs(e) <= CNODE_INLINE;

		memset(nd, 0, sizeof(*nd));
		nd->base = inl ? CNODE_INLINED : (uint32_t)next;
		for (unsigned i = 0; i < NODE_SIZE; i++) {
			if (i % 64 == 0)
				nd->before[i / 64] = (uint8_t)count;
			if (i > 0 && e[i] == e[i - 1])
				continue;
			nd->bm[i / 64] |= 1ull << (i % 64);
			if (inl)
				nd->inl[count] = e[i];
			else
				tr->pool[next++] = e[i];
			count++;
		}
	}
	free(tr->nodes);
	tr->nodes = NULL;
	tr->cap = 0;
	return 0;
}

static void trie_free(struct trie *tr)
{
	free(tr->root);
	free(tr->nodes);
	free(tr->cnodes);
	free(tr->pool);
}

static bool prefix_valid(const struct zone_prefix *zp)
{
	const struct prefix *p = &zp->prefix;
	int fam = p->addr.family;

	if (fam != AF_INET && fam != AF_INET6)
		return false;
	if (p->len > addr_bits(fam) || zp->zone < 0 || zp->zone > ZONE_MAX)
		return false;
	for (unsigned i = p->len; i < 128; i++)
		if (p->addr.b[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* Insertion order: by length, then by input position (later one wins). */
struct order {
	size_t idx;
	unsigned len;
};

static int order_cmp(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static int table_fill(struct zone_table *t)
{
	struct order *ord = calloc(t->n ? t->n : 1, sizeof(*ord));

	if (!ord)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		ord[i].idx = i;
		ord[i].len = t->prefixes[i].prefix.len;
	}
	qsort(ord, t->n, sizeof(*ord), order_cmp);
	for (size_t i = 0; i < t->n; i++) {
		const struct zone_prefix *zp = &t->prefixes[ord[i].idx];
		struct trie *tr =
		    zp->prefix.addr.family == AF_INET ? &t->v4 : &t->v6;

		if (trie_insert(tr, &zp->prefix, (uint32_t)zp->zone + 1) < 0) {
			free(ord);
			return -1;
		}
	}
	free(ord);
	return 0;
}

struct zone_table *zone_table_build(const struct zone_prefix *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!prefix_valid(&p[i])) {
			errno = EINVAL;
			return NULL;
		}
	}
	struct zone_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->n = n;
	t->prefixes = calloc(n ? n : 1, sizeof(*t->prefixes));
	t->v4.root = calloc(ROOT_SIZE, sizeof(uint32_t));
	t->v6.root = calloc(ROOT_SIZE, sizeof(uint32_t));
	if (!t->prefixes || !t->v4.root || !t->v6.root)
		goto fail;
	if (n)
		memcpy(t->prefixes, p, n * sizeof(*p));
	if (table_fill(t) < 0 || trie_compress(&t->v4) < 0 ||
	    trie_compress(&t->v6) < 0)
		goto fail;
	return t;
fail:
	zone_table_free(t);
	errno = ENOMEM;
	return NULL;
}

void zone_table_free(struct zone_table *t)
{
	if (!t)
		return;
	trie_free(&t->v4);
	trie_free(&t->v6);
	free(t->prefixes);
	free(t);
}

int zone_lookup(const struct zone_table *t, const struct addr *a)
{
	struct addr v4;

	if (a->family == AF_INET)
		return trie_lookup(&t->v4, a->b);
	if (a->family != AF_INET6)
		return ZONE_NONE;
	/* Mapped addresses start with a zero byte; spare the rest a call. */
	if (a->b[0] == 0 && addr_unmap_v4(a, &v4))
		return trie_lookup(&t->v4, v4.b);
	return trie_lookup(&t->v6, a->b);
}

size_t zone_table_memory(const struct zone_table *t)
{
	return sizeof(*t) + t->n * sizeof(*t->prefixes) +
	       2 * (size_t)ROOT_SIZE * sizeof(uint32_t) +
	       (t->v4.nnodes + t->v6.nnodes) * sizeof(struct cnode) +
	       (t->v4.npool + t->v6.npool) * sizeof(uint32_t);
}

/*
 * Ranges. Prefixes of one family sorted by first address, outer before
 * inner, are either nested or disjoint, so one sweep with a stack of the
 * open prefixes finds, for every stretch, its most specific prefix.
 */
struct span {
	u128 lo;
	u128 hi;
	int zone;
	size_t idx; /* input position, to let the later duplicate win */
};

struct range_buf {
	struct zone_range *r;
	size_t n;
	size_t cap;
	int family;
	u128 last_hi;
};

static u128 addr_to_u128(const struct addr *a)
{
	unsigned nbytes = addr_bits(a->family) / 8;
	u128 v = 0;

	for (unsigned i = 0; i < nbytes; i++)
		v = v << 8 | a->b[i];
	return v;
}

static void u128_to_addr(u128 v, int family, struct addr *a)
{
	unsigned nbytes = addr_bits(family) / 8;

	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	for (unsigned i = nbytes; i-- > 0;) {
		a->b[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* Append [@lo, @hi], merged into the previous range when they touch. */
static int range_emit(struct range_buf *rb, u128 lo, u128 hi, int zone)
{
	if (rb->n && rb->r[rb->n - 1].zone == zone && rb->last_hi + 1 == lo) {
		u128_to_addr(hi, rb->family, &rb->r[rb->n - 1].hi);
		rb->last_hi = hi;
		return 0;
	}
	if (rb->n == rb->cap) {
		size_t cap = rb->cap ? rb->cap * 2 : 64;
		struct zone_range *r = reallocarray(rb->r, cap, sizeof(*r));

		if (!r)
			return -1;
		rb->r = r;
		rb->cap = cap;
	}
	struct zone_range *z = &rb->r[rb->n++];
	u128_to_addr(lo, rb->family, &z->lo);
	u128_to_addr(hi, rb->family, &z->hi);
	z->zone = zone;
	rb->last_hi = hi;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	/* Same start: the larger (outer) prefix first. */
	if (x->hi != y->hi)
		return x->hi > y->hi ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The prefixes of @family as spans, sorted for the sweep, duplicates gone. */
static struct span *spans_collect(const struct zone_table *t, int family,
				  size_t *count)
{
	struct span *s = calloc(t->n ? t->n : 1, sizeof(*s));
	size_t n = 0;
	unsigned bits = addr_bits(family);

	if (!s)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct prefix *p = &t->prefixes[i].prefix;

		if (p->addr.family != family)
			continue;
		unsigned hb = bits - p->len; /* host bits, 0..128 */
		u128 host = hb == 128 ? ~(u128)0 : ((u128)1 << hb) - 1;
		s[n].lo = addr_to_u128(&p->addr);
		s[n].hi = s[n].lo | host;
		s[n].zone = t->prefixes[i].zone;
		s[n].idx = i;
		n++;
	}
	qsort(s, n, sizeof(*s), span_cmp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		/* Keep only the last of equal prefixes (the trie's winner). */
		if (i + 1 < n && s[i + 1].lo == s[i].lo &&
		    s[i + 1].hi == s[i].hi)
			continue;
		s[k++] = s[i];
	}
	*count = k;
	return s;
}

/*
 * Sweep: @cur is the first address not yet given to a range. Closing a
 * prefix hands [@cur, its end] to it; opening one inside another hands the
 * stretch before it to the enclosing prefix. Ranges are emitted clipped to
 * [@clip_lo, @clip_hi], with @offset added (to map IPv4 into IPv6).
 */
struct sweep {
	struct range_buf *rb;
	u128 clip_lo;
	u128 clip_hi;
	u128 offset;
};

static int sweep_emit(const struct sweep *sw, u128 lo, u128 hi, int zone)
{
	if (lo < sw->clip_lo)
		lo = sw->clip_lo;
	if (hi > sw->clip_hi)
		hi = sw->clip_hi;
	if (lo > hi)
		return 0;
	return range_emit(sw->rb, lo + sw->offset, hi + sw->offset, zone);
}

static int spans_sweep(const struct span *s, size_t n, const struct sweep *sw)
{
	struct span stack[129]; /* nested prefixes differ in length: 0..128 */
	size_t depth = 0;
	u128 cur = 0;
	bool done = false; /* cur went past the last address */

	for (size_t i = 0; i <= n; i++) {
		/* At the end (i == n) every open prefix closes. */
		while (depth && (i == n || stack[depth - 1].hi < s[i].lo)) {
			const struct span *top = &stack[--depth];

			if (!done && cur <= top->hi &&
			    sweep_emit(sw, cur, top->hi, top->zone) < 0)
				return -1;
			if (!done && cur <= top->hi) {
				cur = top->hi + 1;
				done = cur == 0;
			}
		}
		if (i == n)
			break;
		if (depth && cur < s[i].lo &&
		    sweep_emit(sw, cur, s[i].lo - 1, stack[depth - 1].zone) < 0)
			return -1;
		cur = s[i].lo;
		stack[depth++] = s[i];
	}
	return 0;
}

static int family_sweep(const struct zone_table *t, int family,
			const struct sweep *sw)
{
	size_t n;
	struct span *s = spans_collect(t, family, &n);

	if (!s)
		return -1;
	int ret = spans_sweep(s, n, sw);
	free(s);
	return ret;
}

/*
 * IPv6 ranges carry the IPv4 ranges inside ::ffff:0:0/96 in place of
 * whatever IPv6 prefixes say there, because zone_lookup() looks mapped
 * addresses up as IPv4 and the kernel must agree with it.
 */
ssize_t zone_table_ranges(const struct zone_table *t, int family,
			  struct zone_range **out)
{
	struct range_buf rb = {.family = family};
	u128 all = ~(u128)0;
	int ret;

	*out = NULL;
	if (family != AF_INET && family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (family == AF_INET) {
		struct sweep sw = {&rb, 0, 0xffffffffu, 0};

		ret = family_sweep(t, AF_INET, &sw);
	} else {
		struct sweep below = {&rb, 0, MAPPED_LO - 1, 0};
		struct sweep mapped = {&rb, 0, 0xffffffffu, MAPPED_LO};
		struct sweep above = {&rb, MAPPED_HI + 1, all, 0};

		ret = family_sweep(t, AF_INET6, &below);
		if (ret == 0)
			ret = family_sweep(t, AF_INET, &mapped);
		if (ret == 0)
			ret = family_sweep(t, AF_INET6, &above);
	}
	if (ret == 0 && !rb.r)
		rb.r = malloc(sizeof(*rb.r)); /* a real array even when empty */
	if (ret < 0 || !rb.r) {
		free(rb.r);
		errno = ENOMEM;
		return -1;
	}
	*out = rb.r;
	return (ssize_t)rb.n;
}
