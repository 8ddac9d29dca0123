// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zone: longest-prefix match of addresses to zones, and the same prefix
 * hierarchy flattened into disjoint ranges for the kernel's interval maps.
 *
 * Lookup is a multibit trie per family. It is built with fixed strides,
 * a 65536-entry root indexed by the first 16 bits and 256-entry nodes for
 * each further byte, and leaf-pushed (controlled prefix expansion): every
 * entry holds either the zone of the longest prefix covering its whole
 * span or a child, so a lookup reads one entry per level and never
 * backtracks, whatever the number of prefixes.
 *
 * That flat form is then compiled into a much smaller one, because what
 * a lookup costs is the cache lines it misses and the branches it
 * mispredicts, not the instructions:
 *
 * - Most nodes are one value except for an aligned block (one child, or
 *   the expansion of one prefix). Such a node becomes a test, "do the next
 *   bits equal this key? then go on, else this zone" (struct tnode, 16
 *   bytes), and a chain of them, as a lone long prefix makes (a random
 *   IPv6 /64 is six nodes), becomes one test of up to TEST_BITS_MAX bits:
 *   path compression, so such a /64 costs the root and one test.
 * - Other nodes keep their distinct runs of entries and a bitmap of where
 *   the runs start (struct cnode, one cache line); those of many runs,
 *   which a bitmap would hardly shrink, keep all their entries (dense).
 * - A root entry with a child carries a filter of the child's first byte,
 *   so the many lookups that pass a child by are decided from the root
 *   entry alone (see trie_lookup()).
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
 * An entry is zone + 1, with 0 meaning no zone (the empty table is then
 * all zeroes and calloc builds it), or ENTRY_CHILD | a node. In the flat
 * trie the node is an index into the flat nodes; once compiled it is
 * ENTRY_TEST | a test's index, ENTRY_DENSE | a dense node's index,
 * ENTRY_LEAVES | a leaf node's index, or a bitmap node's index.
 * ENTRY_TEST and ENTRY_DENSE mean something only with ENTRY_CHILD, so
 * zones keep 31 bits.
 */
#define ENTRY_CHILD 0x80000000u
#define ENTRY_TEST  0x40000000u
#define ENTRY_DENSE 0x20000000u
/* Both, which no node is otherwise: a dense node of zones only, in bytes. */
#define ENTRY_LEAVES (ENTRY_TEST | ENTRY_DENSE)
#define ENTRY_MASK  0x7fffffffu
#define INDEX_MASK  0x1fffffffu
#define ZONE_MAX    ((int)ENTRY_MASK - 1)

/* The IPv4-mapped block ::ffff:0:0/96 as 128-bit numbers. */
#define MAPPED_LO ((u128)0xffff << 32)
#define MAPPED_HI (MAPPED_LO | 0xffffffffu)

typedef unsigned __int128 u128;

/*
 * A bitmap node keeps only the entries that differ from their left
 * neighbour (runs of one value): bit i of @bm is set when entry i starts a
 * run, and entry i is run number (run starts at or before i) - 1. Up to
 * CNODE_INLINE run values live in the node itself, which is one cache
 * line: a level costs one line, a bitmap word and a popcount. Nodes with
 * more runs keep them in the trie's pool from @base on.
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

/*
 * A node of more than DENSE_RUNS runs keeps all its NODE_SIZE entries, in
 * the trie's @dense array: a lookup reads its entry straight away, without
 * the bitmap, the count of runs and the pool. A node that dense is the
 * expansion of many prefixes (a /16 cut into /24s of several zones, say),
 * the kind an address inside the zones meets; as a bitmap node it would
 * take at least a quarter of the memory anyway.
 */
#define DENSE_RUNS 16

/*
 * A test compares the address bits from the current depth on with the top
 * bits of @key. How many is told by a stop bit, the lowest set bit of
 * @key, just below them: the record stays 16 bytes, four to a cache line.
 * A test that goes on to a node covers whole bytes, so every node starts
 * on a byte boundary. @out is always a zone: it stands for all of a flat
 * node's entries but one aligned block, and a child is a single entry.
 */
#define TEST_BITS_MAX 63

struct tnode {
	uint64_t key;
	uint32_t in;  /* the entry when the bits match */
	uint32_t out; /* zone + 1 when they do not */
} __attribute__((aligned(16)));

_Static_assert(sizeof(struct tnode) == 16, "four tests to a cache line");

/*
 * A compiled root entry, 64 bits:
 *
 *   bits  0-30  zone + 1 (0: none): the answer unless the filter passes
 *   bits 31-46  index of the child in @rtests
 *   bits 47-55  filter key: FILTER_CHILD, then bits of the next byte
 *   bits 56-63  filter mask: which bits of the next byte the key holds
 *
 * A root entry without a child has no FILTER_CHILD, so no address passes
 * its filter; an all-zero entry is "no zone", so calloc builds the root.
 */
#define ROOT_ZONE    0x7fffffffu
#define ROOT_CHILD   31
#define ROOT_KEY     47
#define ROOT_MASK    56
#define FILTER_CHILD 0x100u

/* What a flat node compiles to; for a test, the block that passes it. */
enum shape { SHAPE_UNIFORM, SHAPE_TEST, SHAPE_BITMAP, SHAPE_DENSE };

struct shape_of {
	uint8_t shape;
	uint8_t lo;
	uint16_t size;
};

struct trie {
	/* The flat trie, built prefix by prefix, then compiled and dropped. */
	uint32_t *flat_root; /* ROOT_SIZE entries */
	uint32_t *nodes;     /* nnodes * NODE_SIZE entries */
	size_t nnodes;
	size_t cap;
	struct shape_of *shapes; /* while compiling: one per flat node */

	/* The lookup form. */
	uint64_t *root;	      /* ROOT_SIZE entries */
	struct tnode *rtests; /* the root's children, each as a test */
	size_t nrtests;
	struct tnode *tnodes;
	size_t ntnodes;
	struct cnode *cnodes;
	size_t ncnodes;
	uint32_t *pool;
	size_t npool;
	uint32_t *dense; /* ndense * NODE_SIZE entries */
	size_t ndense;
	uint8_t *leaves; /* nleaves * NODE_SIZE entries, each a zone + 1 */
	size_t nleaves;
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
	if (want > (size_t)INDEX_MASK + 1) {
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
		entries_fill(tr->flat_root, idx, (size_t)1 << (ROOT_BITS - len),
			     val);
		return 0;
	}
	unsigned need = (len - ROOT_BITS + NODE_BITS - 1) / NODE_BITS;
	if (trie_reserve(tr, tr->nnodes + need) < 0)
		return -1;

	uint32_t *e = &tr->flat_root[idx];
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

/* Bits a test compares: those above its stop bit. */
static inline unsigned test_bits(uint64_t key)
{
	return 63 - (unsigned)__builtin_ctzll(key);
}

/*
 * The 64 address bits from @off (below 128) on, as one word. @v4: @x is an
 * IPv4 address, whose nodes all sit in its top 32 bits: one 64-bit shift
 * does, where a 128-bit one takes several instructions.
 */
static inline __attribute__((always_inline)) uint64_t
addr_bits_at(u128 x, unsigned off, bool v4)
{
	if (v4)
		return (uint64_t)(x >> 64) << off;
	return (uint64_t)((x << off) >> 64);
}

/* The entry test @t leads to for address bits @w. */
static inline uint32_t test_next(const struct tnode *t, uint64_t w)
{
	uint64_t stop = t->key & (0 - t->key);

	return (w ^ t->key) & (0 - (stop << 1)) ? t->out : t->in;
}

/*
 * The walk below the root's child, at any depth and through any kind of
 * node. Inlined: an address inside the zones' networks, as most are where
 * a gateway or mirror port captures, comes here, and a call with a 128-bit
 * argument costs a third of the walk. @x is the address as a number,
 * IPv4 (@v4) in the top 32 bits, and @bytes the same in network order,
 * from which a node takes its byte without a shift. Nodes sit above the
 * address's last bit, so @off stays below 128 (32 for IPv4) while there is
 * a node to read, and a test never compares bits past the address's end.
 */
static inline __attribute__((always_inline)) int
trie_descend(const struct trie *tr, u128 x, const uint8_t *bytes, uint32_t e,
	     unsigned off, bool v4)
{
	while (e & ENTRY_CHILD) {
		uint32_t kind = e & ENTRY_LEAVES;

		if (kind == ENTRY_TEST) {
			const struct tnode *t = &tr->tnodes[e & INDEX_MASK];

			e = test_next(t, addr_bits_at(x, off, v4));
			off += test_bits(t->key);
			continue;
		}
		/* A node starts on a byte boundary: its index is a byte. */
		unsigned byte = bytes[off / 8];

		if (kind == ENTRY_LEAVES) {
			const uint8_t *l =
			    tr->leaves + (size_t)(e & INDEX_MASK) * NODE_SIZE;

			return (int)l[byte] - 1;
		}
		if (kind == ENTRY_DENSE) {
			e = tr->dense[(size_t)(e & INDEX_MASK) * NODE_SIZE +
				      byte];
		} else {
			const struct cnode *nd = &tr->cnodes[e & INDEX_MASK];
			unsigned wd = byte / 64;
			uint64_t upto =
			    nd->bm[wd] & (~0ull >> (63 - byte % 64));
			unsigned run = nd->before[wd] + popcount64(upto) - 1;

			e = nd->base == CNODE_INLINED
				? nd->inl[run]
				: tr->pool[nd->base + run];
		}
		off += NODE_BITS;
	}
	return (int)e - 1;
}

/*
 * Many lookups end at the root, at a zone or at a child whose first bits
 * the address does not have. Both are told from the root entry alone,
 * with one branch that only lookups into a child take: with a branch on
 * "is there a child?" instead, random addresses would mispredict it every
 * time one lands on a child, and a mispredict costs more than the rest of
 * the lookup. Below the filter, the child's own test (one cache line away
 * at most) often gives the answer. lookup_one() calls it once per family,
 * so that each family's walk is compiled for its address length.
 */
static inline __attribute__((always_inline)) int
trie_lookup(const struct trie *tr, u128 x, const uint8_t *bytes, bool v4)
{
	uint64_t r = tr->root[(unsigned)(x >> (128 - ROOT_BITS))];
	unsigned next = (unsigned)(x >> (128 - ROOT_BITS - 8)) & 0xff;
	unsigned key = (unsigned)(r >> ROOT_KEY) & 0x1ff;
	unsigned mask = (unsigned)(r >> ROOT_MASK) | FILTER_CHILD;

	if (((next | FILTER_CHILD) ^ key) & mask)
		return (int)(r & ROOT_ZONE) - 1;

	const struct tnode *t = &tr->rtests[(r >> ROOT_CHILD) & 0xffff];
	uint32_t e = test_next(t, addr_bits_at(x, ROOT_BITS, v4));

	if (!(e & ENTRY_CHILD))
		return (int)e - 1;
	return trie_descend(tr, x, bytes, e, ROOT_BITS + test_bits(t->key), v4);
}

static unsigned node_runs(const uint32_t *e)
{
	unsigned runs = 1;

	for (unsigned i = 1; i < NODE_SIZE; i++)
		runs += e[i] != e[i - 1];
	return runs;
}

/*
 * Where a node differs from zone @out: true, with the span in *@lo and
 * *@size, when that is one entry repeated over 2^k entries aligned on
 * 2^k, which are then the addresses whose next 8 - k bits are @lo's.
 */
static bool node_block(const uint32_t *e, uint32_t out, unsigned *lo,
		       unsigned *size)
{
	unsigned first = NODE_SIZE, last = 0;

	if (out & ENTRY_CHILD)
		return false;
	for (unsigned i = 0; i < NODE_SIZE; i++) {
		if (e[i] == out)
			continue;
		if (first == NODE_SIZE)
			first = i;
		else if (e[i] != e[first])
			return false;
		last = i;
	}
	unsigned n = last - first + 1;
	for (unsigned i = first; i <= last; i++)
		if (e[i] != e[first])
			return false; /* @out again inside the span */
	*lo = first;
	*size = n;
	return (n & (n - 1)) == 0 && first % n == 0;
}

/*
 * A node all of one zone needs no node. A test has at most three runs,
 * and its zone is in the first or the last entry, whichever the block
 * does not hold.
 */
static struct shape_of node_shape(const uint32_t *e, unsigned runs)
{
	struct shape_of sh = {.shape = SHAPE_BITMAP};
	unsigned lo, size;

	if (runs == 1) {
		sh.shape = SHAPE_UNIFORM; /* a child is one entry */
	} else if (runs > DENSE_RUNS) {
		sh.shape = SHAPE_DENSE;
	} else if (runs <= 3 && (node_block(e, e[0], &lo, &size) ||
				 node_block(e, e[NODE_SIZE - 1], &lo, &size))) {
		sh.shape = SHAPE_TEST;
		sh.lo = (uint8_t)lo;
		sh.size = (uint16_t)size;
	}
	return sh;
}

/*
 * A compiled node not yet stored: a test stays loose so that the test of
 * its parent in a chain can absorb it.
 */
struct piece {
	bool test;
	uint32_t e; /* the entry, when not a test */
	struct tnode t;
};

static uint32_t piece_store(struct trie *tr, const struct piece *pc)
{
	if (!pc->test)
		return pc->e;
	tr->tnodes[tr->ntnodes] = pc->t;
	return ENTRY_CHILD | ENTRY_TEST | (uint32_t)tr->ntnodes++;
}

static void node_compile(struct trie *tr, uint32_t flat, struct piece *pc);

static uint32_t entry_compile(struct trie *tr, uint32_t e)
{
	struct piece pc;

	if (!(e & ENTRY_CHILD))
		return e;
	node_compile(tr, e & ENTRY_MASK, &pc);
	return piece_store(tr, &pc);
}

/* Entries @c (compiled) as the next bitmap node; returns its entry. */
static uint32_t cnode_store(struct trie *tr, const uint32_t *c)
{
	struct cnode *nd = &tr->cnodes[tr->ncnodes];
	unsigned count = 0;
	bool inl = node_runs(c) <= CNODE_INLINE;

	memset(nd, 0, sizeof(*nd));
	nd->base = inl ? CNODE_INLINED : (uint32_t)tr->npool;
	for (unsigned i = 0; i < NODE_SIZE; i++) {
		if (i % 64 == 0)
			nd->before[i / 64] = (uint8_t)count;
		if (i > 0 && c[i] == c[i - 1])
			continue;
		nd->bm[i / 64] |= 1ull << (i % 64);
		if (inl)
			nd->inl[count] = c[i];
		else
			tr->pool[tr->npool++] = c[i];
		count++;
	}
	return ENTRY_CHILD | (uint32_t)tr->ncnodes++;
}

/* Flat node @e whose entries are zone @out but for [@lo, @lo + @size). */
static void test_compile(struct trie *tr, const uint32_t *e, unsigned lo,
			 unsigned size, struct piece *pc)
{
	uint32_t out = e[lo ? 0 : NODE_SIZE - 1];
	unsigned bits = NODE_BITS - (unsigned)__builtin_ctz(size);
	struct piece in = {.e = e[lo]};

	if (e[lo] & ENTRY_CHILD)
		node_compile(tr, e[lo] & ENTRY_MASK, &in);
	pc->test = true;
	pc->t.out = out;
	/*
	 * A chain: the child's test has the same zone for a mismatch, so
	 * one test does for both, with this byte's bits before the child's.
	 * A child is one entry, so @bits is a whole byte here.
	 */
	if (in.test && in.t.out == out &&
	    test_bits(in.t.key) + NODE_BITS <= TEST_BITS_MAX) {
		pc->t.key = (uint64_t)lo << 56 | in.t.key >> NODE_BITS;
		pc->t.in = in.t.in;
		return;
	}
	pc->t.key = (uint64_t)lo << 56 | 1ull << (63 - bits);
	pc->t.in = piece_store(tr, &in);
}

/*
 * Children are stored before their parent, one subtree after the other,
 * so the nodes that one lookup reads lie close together.
 */
static void node_compile(struct trie *tr, uint32_t flat, struct piece *pc)
{
	const uint32_t *e = tr->nodes + (size_t)flat * NODE_SIZE;
	const struct shape_of *sh = &tr->shapes[flat];
	uint32_t c[NODE_SIZE];

	switch ((enum shape)sh->shape) {
	case SHAPE_UNIFORM:
		pc->test = false;
		pc->e = e[0];
		return;
	case SHAPE_TEST:
		test_compile(tr, e, sh->lo, sh->size, pc);
		return;
	case SHAPE_BITMAP:
	case SHAPE_DENSE:
		break;
	}
	for (unsigned i = 0; i < NODE_SIZE; i++)
		c[i] = entry_compile(tr, e[i]);
	pc->test = false;
	if (sh->shape == SHAPE_BITMAP) {
		pc->e = cnode_store(tr, c);
		return;
	}
	/*
	 * A dense node of zones only, as most are at the bottom of a table
	 * of many prefixes, is kept in a quarter of the room: the lookups of
	 * a thousand /48s, say, then read from a few dozen kilobytes where
	 * they read from a few hundred.
	 */
	bool leaves = true;

	for (unsigned i = 0; i < NODE_SIZE; i++)
		leaves &= c[i] <= UINT8_MAX;
	if (leaves) {
		uint8_t *l = tr->leaves + tr->nleaves * NODE_SIZE;

		for (unsigned i = 0; i < NODE_SIZE; i++)
			l[i] = (uint8_t)c[i];
		pc->e = ENTRY_CHILD | ENTRY_LEAVES | (uint32_t)tr->nleaves++;
		return;
	}
	memcpy(tr->dense + tr->ndense * NODE_SIZE, c, sizeof(c));
	pc->e = ENTRY_CHILD | ENTRY_DENSE | (uint32_t)tr->ndense++;
}

/*
 * The compiled root entry for the flat root's child @flat. A child that
 * is not a test becomes a test of no bits, which every address passes.
 */
static uint64_t root_child(struct trie *tr, uint32_t flat)
{
	struct tnode *t = &tr->rtests[tr->nrtests];
	uint64_t key = FILTER_CHILD, mask = 0;
	struct piece pc;

	node_compile(tr, flat, &pc);
	if (!pc.test && !(pc.e & ENTRY_CHILD))
		return pc.e; /* the child was one zone throughout */
	if (pc.test) {
		unsigned bits = test_bits(pc.t.key);

		*t = pc.t;
		mask = bits >= 8 ? 0xff : (0xff00u >> bits) & 0xff;
		key |= (t->key >> 56) & mask;
	} else {
		t->key = 1ull << 63;
		t->in = pc.e;
		t->out = 0;
	}
	return t->out | (uint64_t)tr->nrtests++ << ROOT_CHILD |
	       key << ROOT_KEY | mask << ROOT_MASK;
}

/*
 * Size the compiled arrays from the flat nodes' shapes: at most one test
 * per flat node, one root test per root child, and a bitmap node's runs
 * can only shrink as its children compile.
 */
static int trie_alloc_compiled(struct trie *tr)
{
	size_t nbitmap = 0, pooled = 0, nchild = 0, ndense = 0;

	tr->shapes = calloc(tr->nnodes ? tr->nnodes : 1, sizeof(*tr->shapes));
	if (!tr->shapes)
		return -1;
	for (size_t n = 0; n < tr->nnodes; n++) {
		const uint32_t *e = tr->nodes + n * NODE_SIZE;
		unsigned runs = node_runs(e);

		tr->shapes[n] = node_shape(e, runs);
		ndense += tr->shapes[n].shape == SHAPE_DENSE;
		if (tr->shapes[n].shape != SHAPE_BITMAP)
			continue;
		nbitmap++;
		if (runs > CNODE_INLINE)
			pooled += runs;
	}
	if (pooled >= CNODE_INLINED) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < ROOT_SIZE; i++)
		nchild += (tr->flat_root[i] & ENTRY_CHILD) != 0;
	tr->root = calloc(ROOT_SIZE, sizeof(*tr->root));
	tr->rtests = calloc(nchild ? nchild : 1, sizeof(*tr->rtests));
	tr->tnodes = calloc(tr->nnodes ? tr->nnodes : 1, sizeof(*tr->tnodes));
	tr->cnodes =
	    aligned_alloc(64, (nbitmap ? nbitmap : 1) * sizeof(*tr->cnodes));
	tr->pool = calloc(pooled ? pooled : 1, sizeof(*tr->pool));
	/* A dense node may become either kind: room for all as both. */
	tr->dense =
	    ndense ? reallocarray(NULL, ndense, NODE_SIZE * sizeof(*tr->dense))
		   : NULL;
	tr->leaves = ndense ? malloc(ndense * NODE_SIZE) : NULL;
	if (!tr->root || !tr->rtests || !tr->tnodes || !tr->cnodes ||
	    !tr->pool || (ndense && (!tr->dense || !tr->leaves)))
		return -1;
	return 0;
}

/* @p cut down to @size bytes, or freed for none; a shrink cannot fail,
 * and if it does the block stays as it was. */
static void *shrink(void *p, size_t size)
{
	void *q;

	if (!size) {
		free(p);
		return NULL;
	}
	q = realloc(p, size);
	return q ? q : p;
}

/* Compile the flat trie into its lookup form and drop it. */
static int trie_compile(struct trie *tr)
{
	if (trie_alloc_compiled(tr) < 0)
		return -1;
	for (size_t i = 0; i < ROOT_SIZE; i++) {
		uint32_t e = tr->flat_root[i];
		uint64_t r =
		    e & ENTRY_CHILD ? root_child(tr, e & ENTRY_MASK) : e;

		/* Root pages with no prefix then cost no memory. */
		if (r)
			tr->root[i] = r;
	}
	/* Give back what the tests did not use, and the room of the dense
	 * nodes of the kind each did not become. */
	tr->tnodes = shrink(tr->tnodes, tr->ntnodes * sizeof(*tr->tnodes));
	tr->dense =
	    shrink(tr->dense, tr->ndense * NODE_SIZE * sizeof(*tr->dense));
	tr->leaves = shrink(tr->leaves, tr->nleaves * NODE_SIZE);
	free(tr->flat_root);
	free(tr->nodes);
	free(tr->shapes);
	tr->flat_root = NULL;
	tr->nodes = NULL;
	tr->shapes = NULL;
	tr->nnodes = tr->cap = 0;
	return 0;
}

static void trie_free(struct trie *tr)
{
	free(tr->flat_root);
	free(tr->nodes);
	free(tr->shapes);
	free(tr->root);
	free(tr->rtests);
	free(tr->tnodes);
	free(tr->cnodes);
	free(tr->pool);
	free(tr->dense);
	free(tr->leaves);
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
	t->v4.flat_root = calloc(ROOT_SIZE, sizeof(uint32_t));
	t->v6.flat_root = calloc(ROOT_SIZE, sizeof(uint32_t));
	if (!t->prefixes || !t->v4.flat_root || !t->v6.flat_root)
		goto fail;
	if (n)
		memcpy(t->prefixes, p, n * sizeof(*p));
	if (table_fill(t) < 0 || trie_compile(&t->v4) < 0 ||
	    trie_compile(&t->v6) < 0)
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

/* Big-endian bytes as a number: one load and a byte swap. */
static inline uint64_t be64(const uint8_t *b)
{
	uint64_t v;

	memcpy(&v, b, sizeof(v));
	return __builtin_bswap64(v);
}

static inline __attribute__((always_inline)) int
lookup_one(const struct zone_table *t, const struct addr *a)
{
	const uint8_t *v4 = a->b;
	uint32_t v;

	if (a->family == AF_INET6) {
		u128 x = (u128)be64(a->b) << 64 | be64(a->b + 8);

		if (x < MAPPED_LO || x > MAPPED_HI)
			return trie_lookup(&t->v6, x, a->b, false);
		/* A mapped address carries its IPv4 address in the low 32
		 * bits. */
		v4 = a->b + 12;
	} else if (a->family != AF_INET) {
		return ZONE_NONE;
	}
	memcpy(&v, v4, sizeof(v));
	return trie_lookup(&t->v4, (u128)__builtin_bswap32(v) << 96, v4, true);
}

int zone_lookup(const struct zone_table *t, const struct addr *a)
{
	return lookup_one(t, a);
}

void zone_lookup_n(const struct zone_table *t, const struct addr *const a[],
		   int zone[], size_t n)
{
	for (size_t i = 0; i < n; i++)
		zone[i] = lookup_one(t, a[i]);
}

size_t zone_table_memory(const struct zone_table *t)
{
	return sizeof(*t) + t->n * sizeof(*t->prefixes) +
	       2 * (size_t)ROOT_SIZE * sizeof(uint64_t) +
	       (t->v4.nrtests + t->v6.nrtests) * sizeof(struct tnode) +
	       (t->v4.ncnodes + t->v6.ncnodes) * sizeof(struct cnode) +
	       (t->v4.ntnodes + t->v6.ntnodes) * sizeof(struct tnode) +
	       (t->v4.npool + t->v6.npool) * sizeof(uint32_t) +
	       (t->v4.ndense + t->v6.ndense) * NODE_SIZE * sizeof(uint32_t) +
	       (t->v4.nleaves + t->v6.nleaves) * NODE_SIZE;
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
