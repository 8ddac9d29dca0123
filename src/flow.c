// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flow: the bounded flow table. A pool of entries allocated once, hash
 * buckets that are heads of singly linked chains, and an LRU list, all
 * linked by 32-bit indices rather than pointers to keep entries small.
 * Chain links hold index + 1, so that 0 ends a chain and the buckets are
 * empty as the kernel hands them over: nothing is written at creation,
 * and pages are touched only as the table fills.
 *
 * A link also carries, in the bits the index does not need, a tag of the
 * hash of the entry it points to and a bit that says whether that entry
 * has a successor. A lookup then reads an entry (a cache miss: entries
 * are read at random) only when its tag matches or the chain goes on
 * past it; a new key in a bucket of one entry reads none, and writes the
 * link of the entry it goes after. Chains keep the order their entries
 * came in.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "flow.h"
#include "policy.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FLOW_AVX2 1
#endif

/* Keys are compared as 40 bytes, normalised (key_normalize()), and
 * flow_key_from_tuple() stores family .. pad as one 8-byte word. */
_Static_assert(offsetof(struct flow_key, pad) + 2 -
		       offsetof(struct flow_key, family) ==
		   8,
	       "flow_key tail is 8 bytes");
_Static_assert(sizeof(struct flow_key) == 40, "flow_key has no padding");

#define NIL	  UINT32_MAX /* end of the LRU list */
#define CHAIN_END 0	     /* end of a bucket chain */

/* An entry with its links; the public struct comes first (see node_of). */
struct flow_node {
	struct flow f;
	uint32_t hnext;	 /* link to the next in the bucket chain */
	uint32_t prev;	 /* towards the LRU head (more recent) */
	uint32_t next;	 /* towards the LRU tail (less recent) */
	uint32_t bucket; /* its bucket: eviction needs no rehash */
};

/*
 * The pool starts on a page, so entries start 32 bytes into a cache line
 * or on one: each spans exactly two lines, the most a lookup reads of it.
 */
_Static_assert(sizeof(struct flow_node) == 96, "an entry is 96 bytes");

struct flow_table {
	/* Set at creation, then only read: planning hashes keys on another
	 * thread than the one changing the table, so what it reads is kept
	 * off the cache line of what changes. */
	struct flow_node *nodes;
	uint32_t *buckets; /* links to the chain heads */
	uint32_t mask;	   /* buckets - 1, a power of two minus one */
	uint32_t imask;	   /* a link's index + 1 bits */
	uint32_t more;	   /* a link's bit: the entry has a successor */
	uint32_t tmask;	   /* a link's tag bits (none for the largest) */
	uint32_t capacity;
	uint8_t sipkey[16];
	bool avx2; /* flow_table_hash_n() may use AVX2 */
	/* Changed by lookups. */
	_Alignas(64) uint32_t count; /* nodes[0 .. count-1] are in use */
	uint32_t head;		     /* most recently seen */
	uint32_t tail;		     /* least recently seen: the next to go */
	/* Hints: about EVICT_FAR and _MID entries before tail, or NIL */
	uint32_t far, mid;
	uint64_t lookups;
	uint64_t inserts;
	uint64_t evictions;
};

/* --- SipHash (Aumasson and Bernstein, 2012) --- */

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return x << b | x >> (64 - b);
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

#define SIPROUND(v0, v1, v2, v3)                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = rotl64(v1, 13);                                           \
		v1 ^= v0;                                                      \
		v0 = rotl64(v0, 32);                                           \
		v2 += v3;                                                      \
		v3 = rotl64(v3, 16);                                           \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = rotl64(v3, 21);                                           \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = rotl64(v1, 17);                                           \
		v1 ^= v2;                                                      \
		v2 = rotl64(v2, 32);                                           \
	} while (0)

/*
 * Inlined where the round counts and the length are constants (the
 * table's own hash), so that it compiles to straight-line code.
 */
static inline __attribute__((always_inline)) uint64_t
siphash(const uint8_t key[16], const void *data, size_t len, unsigned c,
	unsigned d)
{
	const uint8_t *p = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = k1 ^ 0x7465646279746573ull;
	size_t left = len;

	for (; left >= 8; left -= 8, p += 8) {
		uint64_t m = le64(p);

		v3 ^= m;
		for (unsigned i = 0; i < c; i++)
			SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* The last block: the remaining bytes and the length's low byte. */
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < left; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	for (unsigned i = 0; i < c; i++)
		SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (unsigned i = 0; i < d; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t flow_siphash(const uint8_t key[16], const void *data, size_t len,
		      unsigned c, unsigned d)
{
	return siphash(key, data, len, c, d);
}

/* --- keys --- */

/*
 * The key as hashed and compared: padding and the unused bytes of an IPv4
 * address zeroed, so that equal flows are equal bytes.
 */
static void key_normalize(const struct flow_key *in, struct flow_key *out)
{
	/* Without a branch: a capture of both families, mixed, would have
	 * it mispredicted every other packet. */
	static const uint8_t first4[8] = {0xff, 0xff, 0xff, 0xff};
	uint64_t keep = in->family == AF_INET ? 0 : ~(uint64_t)0, lead, w[2];

	memcpy(&lead, first4, sizeof(lead)); /* bytes 0 to 3, either endian */
	*out = *in;
	out->pad[0] = out->pad[1] = 0;
	memcpy(w, out->src, sizeof(w));
	w[0] &= keep | lead, w[1] &= keep;
	memcpy(out->src, w, sizeof(w));
	memcpy(w, out->dst, sizeof(w));
	w[0] &= keep | lead, w[1] &= keep;
	memcpy(out->dst, w, sizeof(w));
}

void flow_key_from_tuple(const struct flow_tuple *t, bool has_icmp,
			 uint8_t icmp_type, uint8_t type, struct flow_key *key)
{
	uint8_t kind = FLOW_PORT_NONE;
	uint16_t port = 0;

	if (t->has_ports) {
		kind = FLOW_PORT_L4;
		port = t->dport;
	} else if (has_icmp) {
		kind = FLOW_PORT_ICMP;
		port = icmp_type;
	}
	memcpy(key->src, t->src.b, sizeof(key->src));
	memcpy(key->dst, t->dst.b, sizeof(key->dst));
	/*
	 * family .. pad in one store: the hash reads them back right away,
	 * and a read spanning several small stores waits for them to drain.
	 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t tail = (uint64_t)t->src.family | (uint64_t)t->proto << 8 |
			(uint64_t)kind << 16 | (uint64_t)type << 24 |
			(uint64_t)port << 32;
	memcpy(&key->family, &tail, sizeof(tail));
#else
	key->family = t->src.family;
	key->proto = t->proto;
	key->port_kind = kind;
	key->type = type;
	key->port = port;
	key->pad[0] = key->pad[1] = 0;
#endif
}

/*
 * A key is hashed as words made of only the bytes that mean something: an
 * IPv4 key (most of them) is two SipHash blocks rather than five. The
 * words are composed from the fields, not read as one run of the key's
 * bytes, which were just written a byte or two at a time (a wide load of
 * those stalls until the stores have drained), and so that padding needs
 * no clearing. The last word: family .. port.
 */
static inline uint64_t key_tail(const struct flow_key *k)
{
	return (uint64_t)k->family | (uint64_t)k->proto << 8 |
	       (uint64_t)k->port_kind << 16 | (uint64_t)k->type << 24 |
	       (uint64_t)k->port << 32;
}

/* An IPv4 key's first word: both addresses. */
static inline uint64_t key_v4_addrs(const struct flow_key *k)
{
	uint32_t src, dst;

	memcpy(&src, k->src, 4);
	memcpy(&dst, k->dst, 4);
	return (uint64_t)src | (uint64_t)dst << 32;
}

/* Each case inlined with its length a constant. */
static uint64_t key_hash(const struct flow_table *t, const struct flow_key *k)
{
	uint64_t w[5];

	if (k->family == AF_INET) {
		w[0] = key_v4_addrs(k);
		w[1] = key_tail(k);
		return siphash(t->sipkey, w, 16, 1, 3);
	}
	memcpy(w, k->src, 16);
	memcpy(w + 2, k->dst, 16);
	w[4] = key_tail(k);
	return siphash(t->sipkey, w, 40, 1, 3);
}

/* The bucket from the low half of the hash, the tag from the high half. */
static uint32_t hash_bucket(const struct flow_table *t, uint64_t h)
{
	return (uint32_t)h & t->mask;
}

static uint32_t hash_tag(const struct flow_table *t, uint64_t h)
{
	return (uint32_t)(h >> 32) & t->tmask;
}

/* --- the table --- */

/*
 * Zeroed memory straight from the kernel. The pool and buckets are read at
 * random, one cache miss per access, so huge pages are asked for: they
 * spare a TLB miss on top of most of those.
 */
static void *big_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, size, MADV_HUGEPAGE); /* a hint; may be refused */
	return p;
}

static void big_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The SipHash key: from the kernel's CSPRNG, or spread from a test seed. */
static int table_seed(struct flow_table *t, uint64_t seed)
{
	if (seed == FLOW_SEED_RANDOM) {
		ssize_t n = getrandom(t->sipkey, sizeof(t->sipkey), 0);

		if (n != (ssize_t)sizeof(t->sipkey)) {
			if (n >= 0)
				errno = EIO;
			return -1;
		}
		return 0;
	}
	for (int half = 0; half < 2; half++) {
		uint64_t v = splitmix64(&seed);

		for (int i = 0; i < 8; i++)
			t->sipkey[half * 8 + i] = (uint8_t)(v >> (8 * i));
	}
	return 0;
}

struct flow_table *flow_table_new(size_t max_flows, uint64_t seed)
{
	struct flow_table *t;
	size_t nb = 1;

	if (max_flows == 0 || max_flows > FLOW_MAX_FLOWS) {
		errno = EINVAL;
		return NULL;
	}
	/* At most one entry per bucket on average: chains stay short. */
	while (nb < max_flows * 4 && nb < (size_t)1 << 31)
		nb <<= 1;
	/* Its fields are aligned to cache lines: so is the whole. */
	t = aligned_alloc(_Alignof(struct flow_table), sizeof(*t));
	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->mask = (uint32_t)(nb - 1);
	t->capacity = (uint32_t)max_flows;
	/* Links hold index + 1 <= capacity < 2^31: imask has 1 to 31 bits. */
	t->imask = 1;
	while (t->imask < t->capacity)
		t->imask = t->imask << 1 | 1;
	t->more = t->imask + 1;
	t->tmask = ~(t->imask | t->more);
	t->nodes = big_alloc(max_flows * sizeof(*t->nodes));
	t->buckets = big_alloc(nb * sizeof(*t->buckets));
	if (!t->nodes || !t->buckets || table_seed(t, seed) < 0) {
		flow_table_free(t);
		return NULL;
	}
	t->head = t->tail = t->far = t->mid = NIL;
#ifdef FLOW_AVX2
	__builtin_cpu_init();
	t->avx2 = __builtin_cpu_supports("avx2");
#endif
	return t;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	big_free(t->nodes, (size_t)t->capacity * sizeof(*t->nodes));
	big_free(t->buckets, ((size_t)t->mask + 1) * sizeof(*t->buckets));
	free(t);
}

static void lru_unlink(struct flow_table *t, uint32_t i)
{
	struct flow_node *n = &t->nodes[i];

	if (n->prev != NIL)
		t->nodes[n->prev].next = n->next;
	else
		t->head = n->next;
	if (n->next != NIL)
		t->nodes[n->next].prev = n->prev;
	else
		t->tail = n->prev;
}

static void lru_push_head(struct flow_table *t, uint32_t i)
{
	struct flow_node *n = &t->nodes[i];

	n->prev = NIL;
	n->next = t->head;
	if (t->head != NIL)
		t->nodes[t->head].prev = i;
	else
		t->tail = i;
	t->head = i;
}

static uint32_t link_index(const struct flow_table *t, uint32_t l)
{
	return (l & t->imask) - 1;
}

/* The link to entry @i, whose hash has @tag, followed by @next. */
static uint32_t link_make(const struct flow_table *t, uint32_t i, uint32_t tag,
			  uint32_t next)
{
	return tag | (next != CHAIN_END ? t->more : 0) | (i + 1);
}

/*
 * Index of the entry of normalised key @k, hashed @h, or NIL. On a miss,
 * *@end (when not NULL) is the link that ends the chain: the bucket when
 * the chain is empty, else the link to its last entry, whose index is
 * then *@last (NIL for an empty chain).
 */
static uint32_t chain_walk(const struct flow_table *t, uint64_t h,
			   const struct flow_key *k, uint32_t **end,
			   uint32_t *last)
{
	uint32_t *link = &t->buckets[hash_bucket(t, h)];
	uint32_t tag = hash_tag(t, h);

	*last = NIL;
	while (*link != CHAIN_END) {
		uint32_t l = *link, i = link_index(t, l);

		if ((l & t->tmask) == tag &&
		    memcmp(&t->nodes[i].f.key, k, sizeof(*k)) == 0)
			return i;
		if (!(l & t->more)) {
			*last = i;
			break;
		}
		link = &t->nodes[i].hnext;
	}
	if (end)
		*end = link;
	return NIL;
}

static uint32_t chain_find(const struct flow_table *t, uint64_t h,
			   const struct flow_key *k)
{
	uint32_t last;

	return chain_walk(t, h, k, NULL, &last);
}

static void chain_remove(struct flow_table *t, uint32_t i)
{
	uint32_t *link = &t->buckets[t->nodes[i].bucket];
	uint32_t *before = NULL; /* the link to the entry before @i */

	while (link_index(t, *link) != i) {
		before = link;
		link = &t->nodes[link_index(t, *link)].hnext;
	}
	*link = t->nodes[i].hnext;
	/* The entry before, if any, may now end the chain. */
	if (*link == CHAIN_END && before)
		*before &= ~t->more;
}

/*
 * A flood evicts on every packet, and each eviction reads the victim's
 * links and its bucket, at random places in memory (a new key goes to the
 * end of its chain, so the least recently seen is usually first in its
 * own and leaves it without a walk). The victims to come are known: the
 * entries before the tail. So two hints follow the list, one step per
 * eviction, and each requests what the eviction that reaches it will
 * read, once what it needs to know where that is has arrived:
 *   EVICT_FAR before the tail, the entry's links (and, a guess, those of
 *     the entry four after it in memory: in a flood, entries are reused
 *     in the order they were taken, so the list runs through memory);
 *   EVICT_MID before, its bucket.
 * They are only ever hints, each restarted from the tail when it has run
 * off the list (its entry seen again, say) or onto the victim.
 */
#define EVICT_FAR 16
#define EVICT_MID 8

static inline __attribute__((always_inline)) void
prefetch_links(const struct flow_table *t, uint32_t i)
{
	__builtin_prefetch(&t->nodes[i].hnext, 1);
	__builtin_prefetch(&t->nodes[i].bucket, 1);
}

static uint32_t hint_step(const struct flow_table *t, uint32_t h,
			  uint32_t evicted, int distance)
{
	if (h != NIL && h != evicted)
		return t->nodes[h].prev;
	h = t->tail;
	for (int k = 0; k < distance && h != NIL; k++)
		h = t->nodes[h].prev;
	return h;
}

static void evict_prefetch(struct flow_table *t, uint32_t evicted)
{
	uint32_t far = hint_step(t, t->far, evicted, EVICT_FAR);
	uint32_t mid = hint_step(t, t->mid, evicted, EVICT_MID);

	t->far = far;
	t->mid = mid;
	if (far != NIL) {
		prefetch_links(t, far);
		if (far + 4 < t->capacity)
			prefetch_links(t, far + 4);
	}
	if (mid != NIL)
		__builtin_prefetch(&t->buckets[t->nodes[mid].bucket], 1);
}

/* A node for a new entry: an unused one, else the least recently seen. */
static uint32_t node_take(struct flow_table *t)
{
	uint32_t i;

	if (t->count < t->capacity)
		return t->count++;
	i = t->tail;
	lru_unlink(t, i);
	chain_remove(t, i);
	t->evictions++;
	evict_prefetch(t, i);
	return i;
}

uint64_t flow_table_hash(const struct flow_table *t, const struct flow_key *key)
{
	return key_hash(t, key);
}

#ifdef FLOW_AVX2
/*
 * SipHash-1-3 of four keys at once, one in each 64-bit lane: the same
 * rounds as siphash(), on vectors. AVX2 has no 64-bit rotation: shifts
 * and an or, or a shuffle where the count is a multiple of eight bits.
 */
#define V_ROTL(x, b)                                                           \
	_mm256_or_si256(_mm256_slli_epi64(x, b), _mm256_srli_epi64(x, 64 - (b)))

__attribute__((target("avx2"))) static inline __m256i v_rotl16(__m256i x)
{
	const __m256i m = _mm256_setr_epi8(6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9,
					   10, 11, 12, 13, 6, 7, 0, 1, 2, 3, 4,
					   5, 14, 15, 8, 9, 10, 11, 12, 13);

	return _mm256_shuffle_epi8(x, m);
}

#define V_SIPROUND(v0, v1, v2, v3)                                             \
	do {                                                                   \
		v0 = _mm256_add_epi64(v0, v1);                                 \
		v1 = V_ROTL(v1, 13);                                           \
		v1 = _mm256_xor_si256(v1, v0);                                 \
		v0 = _mm256_shuffle_epi32(v0, _MM_SHUFFLE(2, 3, 0, 1));        \
		v2 = _mm256_add_epi64(v2, v3);                                 \
		v3 = v_rotl16(v3);                                             \
		v3 = _mm256_xor_si256(v3, v2);                                 \
		v0 = _mm256_add_epi64(v0, v3);                                 \
		v3 = V_ROTL(v3, 21);                                           \
		v3 = _mm256_xor_si256(v3, v0);                                 \
		v2 = _mm256_add_epi64(v2, v1);                                 \
		v1 = V_ROTL(v1, 17);                                           \
		v1 = _mm256_xor_si256(v1, v2);                                 \
		v2 = _mm256_shuffle_epi32(v2, _MM_SHUFFLE(2, 3, 0, 1));        \
	} while (0)

/* One message word of four keys, key j in lane j. */
#define V_WORD(f, k)                                                           \
	_mm256_set_epi64x((long long)f(k[3]), (long long)f(k[2]),              \
			  (long long)f(k[1]), (long long)f(k[0]))
#define SRC_LO(k) le64((k)->src)
#define SRC_HI(k) le64((k)->src + 8)
#define DST_LO(k) le64((k)->dst)
#define DST_HI(k) le64((k)->dst + 8)

/* key_hash() of four keys, all IPv4 (@v4) or none, into *@out[j]. */
__attribute__((target("avx2"))) static void
hash4(const uint8_t sipkey[16], const struct flow_key *const k[4], bool v4,
      uint64_t *const out[4])
{
	uint64_t k0 = le64(sipkey), k1 = le64(sipkey + 8);
	__m256i v0 =
	    _mm256_set1_epi64x((long long)(k0 ^ 0x736f6d6570736575ull));
	__m256i v1 =
	    _mm256_set1_epi64x((long long)(k1 ^ 0x646f72616e646f6dull));
	__m256i v2 =
	    _mm256_set1_epi64x((long long)(k0 ^ 0x6c7967656e657261ull));
	__m256i v3 =
	    _mm256_set1_epi64x((long long)(k1 ^ 0x7465646279746573ull));
	__m256i m[5];
	unsigned words;

	if (v4) {
		m[0] = V_WORD(key_v4_addrs, k);
		m[1] = V_WORD(key_tail, k);
		words = 2;
	} else {
		m[0] = V_WORD(SRC_LO, k);
		m[1] = V_WORD(SRC_HI, k);
		m[2] = V_WORD(DST_LO, k);
		m[3] = V_WORD(DST_HI, k);
		m[4] = V_WORD(key_tail, k);
		words = 5;
	}
	for (unsigned w = 0; w < words; w++) {
		v3 = _mm256_xor_si256(v3, m[w]);
		V_SIPROUND(v0, v1, v2, v3);
		v0 = _mm256_xor_si256(v0, m[w]);
	}
	/* The last block: no bytes left over, the length in the top byte. */
	__m256i b =
	    _mm256_set1_epi64x((long long)((uint64_t)(8 * words) << 56));
	v3 = _mm256_xor_si256(v3, b);
	V_SIPROUND(v0, v1, v2, v3);
	v0 = _mm256_xor_si256(v0, b);
	v2 = _mm256_xor_si256(v2, _mm256_set1_epi64x(0xff));
	V_SIPROUND(v0, v1, v2, v3);
	V_SIPROUND(v0, v1, v2, v3);
	V_SIPROUND(v0, v1, v2, v3);
	v0 = _mm256_xor_si256(_mm256_xor_si256(v0, v1),
			      _mm256_xor_si256(v2, v3));

	uint64_t h[4];

	_mm256_storeu_si256((__m256i *)(void *)h, v0);
	for (int j = 0; j < 4; j++)
		*out[j] = h[j];
}
#endif

void flow_table_hash_n(const struct flow_table *t,
		       const struct flow_key *const key[],
		       uint64_t *const hash[], size_t n)
{
	size_t i = 0;

#ifdef FLOW_AVX2
	while (t->avx2 && i + 4 <= n) {
		bool v4 = key[i]->family == AF_INET;

		if ((key[i + 1]->family == AF_INET) != v4 ||
		    (key[i + 2]->family == AF_INET) != v4 ||
		    (key[i + 3]->family == AF_INET) != v4) {
			/* Where the families change: that one the plain way. */
			*hash[i] = key_hash(t, key[i]);
			i++;
			continue;
		}
		hash4(t->sipkey, key + i, v4, hash + i);
		i += 4;
	}
#endif
	for (; i < n; i++)
		*hash[i] = key_hash(t, key[i]);
}

uint64_t flow_table_hash_bytes(const struct flow_table *t, const void *data,
			       size_t len)
{
	return siphash(t->sipkey, data, len, 1, 3);
}

/* Inlined, as the stages below: see prefetch_step(). */
static inline __attribute__((always_inline)) void
prefetch_node(const struct flow_table *t, uint32_t i)
{
	const char *n = (const char *)&t->nodes[i];

	/* Both cache lines of the entry. */
	__builtin_prefetch(n, 1);
	__builtin_prefetch(n + sizeof(struct flow_node) - 1, 1);
}

/*
 * The first entry of the chain of @hash, or NIL for an empty chain; *@hit
 * says whether its tag matches. A lookup reads it when the tag matches or
 * the chain goes on past it, and a new key is linked after it when it is
 * alone. The bucket must be in cache already, or this waits for it.
 */
static uint32_t first_read(const struct flow_table *t, uint64_t hash, bool *hit)
{
	uint32_t l = t->buckets[hash_bucket(t, hash)];

	*hit = (l != CHAIN_END) & ((l & t->tmask) == hash_tag(t, hash));
	return link_index(t, l); /* NIL for CHAIN_END */
}

/*
 * How many lookups ahead of the one being made each stage runs: far
 * enough for a miss to complete before the next stage reads what it
 * brought, near enough for the lines to be still in cache: the bucket
 * first, then the entry it leads to, then that entry's LRU neighbours.
 */
#define PREFETCH_AHEAD_BUCKET 16
#define PREFETCH_AHEAD_ENTRY 8
#define PREFETCH_AHEAD_LRU 4

static inline __attribute__((always_inline)) void
prefetch_stage(const struct flow_table *t, uint64_t hash, unsigned stage)
{
	uint32_t i;
	bool hit;

	if (stage == 0) {
		__builtin_prefetch(&t->buckets[hash_bucket(t, hash)], 1);
		return;
	}
	i = first_read(t, hash, &hit);
	if (stage == 1) {
		/* An empty chain's NIL taken as entry 0, a line fetched
		 * in vain, rather than a branch: empty chains and others
		 * come mixed at random. */
		i &= -(uint32_t)(i != NIL);
		/* Past an entry whose tag differs, only its link is read,
		 * or written when a new key goes after it. */
		if (hit)
			prefetch_node(t, i);
		else
			prefetch_links(t, i);
		return;
	}
	/* A hit moves its entry to the head of the LRU list, which writes
	 * the links of the entries on either side of it. (A hit has an
	 * entry.) */
	if (hit && t->nodes[i].prev != NIL)
		prefetch_links(t, t->nodes[i].prev);
	if (hit && t->nodes[i].next != NIL)
		prefetch_links(t, t->nodes[i].next);
}

/*
 * The stages that run before lookup @i (which may be past the end, or
 * before the start while the walk begins). Inlined: a function that only
 * prefetches counts as free of side effects, and its calls are dropped.
 */
static inline __attribute__((always_inline)) void prefetch_step(
    const struct flow_table *t, const struct flow_prefetch *pf, size_t i)
{
	/* Indices before the start wrap around to huge values. */
	if (i + PREFETCH_AHEAD_BUCKET < pf->n)
		prefetch_stage(t, pf->hash[i + PREFETCH_AHEAD_BUCKET], 0);
	if (i + PREFETCH_AHEAD_ENTRY < pf->n)
		prefetch_stage(t, pf->hash[i + PREFETCH_AHEAD_ENTRY], 1);
	if (i + PREFETCH_AHEAD_LRU < pf->n)
		prefetch_stage(t, pf->hash[i + PREFETCH_AHEAD_LRU], 2);
}

void flow_prefetch_begin(const struct flow_table *t, struct flow_prefetch *pf,
			 const uint64_t *hash, size_t n)
{
	pf->hash = hash;
	pf->n = n;
	pf->next = 0;
	for (size_t back = PREFETCH_AHEAD_BUCKET; back > 0; back--)
		prefetch_step(t, pf, (size_t)0 - back);
}

void flow_prefetch_next(const struct flow_table *t, struct flow_prefetch *pf)
{
	prefetch_step(t, pf, pf->next++);
}

void flow_prefetch_step(const struct flow_table *t, struct flow_prefetch *pf,
			size_t counts)
{
	prefetch_step(t, pf, pf->next);
	pf->next += counts;
}

struct flow *flow_table_get_hashed(struct flow_table *t,
				   const struct flow_key *key, uint64_t hash,
				   bool *created)
{
	uint32_t b = hash_bucket(t, hash), last, *end;
	uint64_t evictions = t->evictions;
	struct flow_key k;
	struct flow_node *n;
	uint32_t i;

	key_normalize(key, &k);
	t->lookups++;
	i = chain_walk(t, hash, &k, &end, &last);
	if (i != NIL) {
		n = &t->nodes[i];
		if (t->head != i) {
			lru_unlink(t, i);
			lru_push_head(t, i);
		}
		if (created)
			*created = false;
		return &n->f;
	}
	i = node_take(t);
	n = &t->nodes[i];
	/* The entry evicted for it may have been in this very chain. */
	if (t->evictions != evictions && n->bucket == b)
		chain_walk(t, hash, &k, &end, &last);
	memset(&n->f, 0, sizeof(n->f));
	n->f.key = k;
	n->hnext = CHAIN_END;
	n->bucket = b;
	/*
	 * At the end of its chain: chains keep the order entries came in,
	 * so the least recently seen, the next to be evicted, is usually
	 * first in its chain and leaves it without a walk.
	 */
	if (last != NIL) {
		*end |= t->more;
		t->nodes[last].hnext =
		    link_make(t, i, hash_tag(t, hash), CHAIN_END);
	} else {
		*end = link_make(t, i, hash_tag(t, hash), CHAIN_END);
	}
	lru_push_head(t, i);
	t->inserts++;
	if (created)
		*created = true;
	return &n->f;
}

struct flow *flow_table_get(struct flow_table *t, const struct flow_key *key,
			    bool *created)
{
	return flow_table_get_hashed(t, key, flow_table_hash(t, key), created);
}

struct flow *flow_table_find_hashed(const struct flow_table *t,
				    const struct flow_key *key, uint64_t hash)
{
	struct flow_key k;
	uint32_t i;

	key_normalize(key, &k);
	i = chain_find(t, hash, &k);
	return i == NIL ? NULL : &t->nodes[i].f;
}

struct flow *flow_table_find(const struct flow_table *t,
			     const struct flow_key *key)
{
	return flow_table_find_hashed(t, key, flow_table_hash(t, key));
}

struct flow *flow_table_next(const struct flow_table *t,
			     const struct flow *prev)
{
	uint32_t i;

	if (!prev) {
		i = t->head;
	} else {
		/* @prev is the first member of its node. */
		const struct flow_node *n = (const struct flow_node *)prev;

		i = n->next;
	}
	return i == NIL ? NULL : &t->nodes[i].f;
}

void flow_table_stats(const struct flow_table *t, struct flow_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->count = t->count;
	st->capacity = t->capacity;
	st->buckets = (size_t)t->mask + 1;
	st->lookups = t->lookups;
	st->inserts = t->inserts;
	st->evictions = t->evictions;
}

size_t flow_table_max_chain(const struct flow_table *t)
{
	size_t longest = 0;

	for (size_t b = 0; b <= t->mask; b++) {
		size_t len = 0;

		for (uint32_t l = t->buckets[b]; l != CHAIN_END;
		     l = t->nodes[link_index(t, l)].hnext)
			len++;
		if (len > longest)
			longest = len;
	}
	return longest;
}

size_t flow_table_memory(const struct flow_table *t)
{
	return sizeof(*t) + (size_t)t->capacity * sizeof(*t->nodes) +
	       ((size_t)t->mask + 1) * sizeof(*t->buckets);
}

size_t flow_entry_size(void)
{
	return sizeof(struct flow_node);
}

/* --- repeat logic --- */

void flow_count_packet(struct flow *f, uint64_t bytes)
{
	if (f->flags & FLOW_F_RESTART) {
		f->alert_packets = 0;
		f->alert_bytes = 0;
		f->flags &= (uint8_t)~FLOW_F_RESTART;
	}
	f->packets++;
	f->alert_packets++;
	f->alert_bytes += bytes;
}

bool flow_should_alert(struct flow *f, uint64_t now_us,
		       unsigned repeat_interval_s)
{
	uint64_t interval = (uint64_t)repeat_interval_s * 1000000u;

	if (f->flags & FLOW_F_ALERTED) {
		if (now_us < f->last_alert_us ||
		    now_us - f->last_alert_us < interval)
			return false;
	}
	f->flags |= FLOW_F_ALERTED | FLOW_F_RESTART;
	f->last_alert_us = now_us;
	return true;
}
