// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of flow: the bounded flow table and the repeat logic. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flow.h"
#include "policy.h"
#include "unit.h"

#define SEED 0x62756e7269ull /* "bunri": any fixed non-zero seed */
#define SEC  1000000ull

/* A distinct IPv4 TCP key for every @n. */
static struct flow_key key_v4(uint32_t n)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	k.src[0] = 10;
	k.src[1] = 2;
	k.src[2] = (uint8_t)(n >> 24);
	k.src[3] = (uint8_t)(n >> 16);
	k.dst[0] = 10;
	k.dst[1] = 1;
	k.dst[2] = (uint8_t)(n >> 8);
	k.dst[3] = (uint8_t)n;
	k.proto = IPPROTO_TCP;
	k.port_kind = FLOW_PORT_L4;
	k.port = 445;
	return k;
}

/* xorshift64*: reproducible pseudo-random test data. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static struct flow_key key_random(uint64_t *s)
{
	struct flow_key k;
	uint64_t r[4] = {rnd(s), rnd(s), rnd(s), rnd(s)};

	memset(&k, 0, sizeof(k));
	k.family = AF_INET6;
	memcpy(k.src, &r[0], 16);
	memcpy(k.dst, &r[2], 16);
	k.proto = IPPROTO_UDP;
	k.port_kind = FLOW_PORT_L4;
	k.port = (uint16_t)rnd(s);
	return k;
}

static size_t walk_count(const struct flow_table *t)
{
	size_t n = 0;

	for (struct flow *f = flow_table_next(t, NULL); f;
	     f = flow_table_next(t, f))
		n++;
	return n;
}

START_TEST(test_siphash_vectors)
{
	/* The reference vectors: key 00..0f, message 00 01 02 ... */
	static const struct {
		size_t len;
		uint64_t h;
	} v[] = {
	    {0, 0x726fdb47dd0e0e31ull},	 {1, 0x74f839c593dc67fdull},
	    {7, 0xab0200f58b01d137ull},	 {8, 0x93f5f5799a932462ull},
	    {15, 0xa129ca6149be45e5ull}, {16, 0x3f2acc7f57c29bdbull},
	    {40, 0x0e3ea96b5304a7d0ull}, {63, 0x958a324ceb064572ull},
	};
	uint8_t key[16], msg[64];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_msg(flow_siphash(key, msg, v[i].len, 2, 4) == v[i].h,
			      "siphash of %zu bytes", v[i].len);
}
END_TEST

START_TEST(test_new_bad)
{
	errno = 0;
	ck_assert_ptr_null(flow_table_new(0, SEED));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(flow_table_new((size_t)FLOW_MAX_FLOWS + 1, SEED));
	ck_assert_int_eq(errno, EINVAL);
	/* The random seed works (getrandom). */
	struct flow_table *t = flow_table_new(16, FLOW_SEED_RANDOM);
	ck_assert_ptr_nonnull(t);
	flow_table_free(t);
	flow_table_free(NULL);
}
END_TEST

START_TEST(test_insert_find)
{
	struct flow_table *t = flow_table_new(8, SEED);
	struct flow_key a = key_v4(1), b = key_v4(2);
	struct flow_stats st;
	bool created;

	ck_assert_ptr_null(flow_table_find(t, &a));
	struct flow *fa = flow_table_get(t, &a, &created);
	ck_assert(created);
	ck_assert_uint_eq(fa->packets, 0);
	ck_assert_uint_eq(fa->flags, 0);
	ck_assert_int_eq(memcmp(&fa->key, &a, sizeof(a)), 0);
	flow_count_packet(fa, 1500);

	struct flow *fb = flow_table_get(t, &b, &created);
	ck_assert(created);
	ck_assert_ptr_ne(fa, fb);

	ck_assert_ptr_eq(flow_table_get(t, &a, &created), fa);
	ck_assert(!created);
	ck_assert_uint_eq(fa->packets, 1);
	ck_assert_uint_eq(fa->alert_bytes, 1500);

	ck_assert_ptr_eq(flow_table_find(t, &a), fa);
	ck_assert_ptr_eq(flow_table_find(t, &b), fb);

	/* Garbage in padding and unused IPv4 bytes does not matter. */
	struct flow_key dirty = a;
	dirty.pad[0] = 0x55;
	dirty.pad[1] = 0xaa;
	dirty.src[9] = 0x77;
	dirty.dst[15] = 0x01;
	ck_assert_ptr_eq(flow_table_find(t, &dirty), fa);
	ck_assert_ptr_eq(flow_table_get(t, &dirty, &created), fa);
	ck_assert(!created);
	/* The same flow under another type is another key. */
	struct flow_key typed = a;
	typed.type = 3;
	ck_assert_ptr_null(flow_table_find(t, &typed));

	flow_table_stats(t, &st);
	ck_assert_uint_eq(st.count, 2);
	ck_assert_uint_eq(st.capacity, 8);
	ck_assert_uint_eq(st.buckets, 32); /* 4 per entry */
	ck_assert_uint_eq(st.inserts, 2);
	ck_assert_uint_eq(st.lookups, 4);
	ck_assert_uint_eq(st.evictions, 0);
	flow_table_free(t);
}
END_TEST

START_TEST(test_key_fields_differ)
{
	struct flow_table *t = flow_table_new(64, SEED);
	struct flow_key base = key_v4(7), k;
	bool created;

	flow_table_get(t, &base, &created);
	ck_assert(created);

	/* IPv4 and IPv6 keys with the same bytes are different flows. */
	k = base;
	k.family = AF_INET6;
	flow_table_get(t, &k, &created);
	ck_assert(created);
	k = base;
	k.proto = IPPROTO_UDP;
	flow_table_get(t, &k, &created);
	ck_assert(created);
	k = base;
	k.port = 446;
	flow_table_get(t, &k, &created);
	ck_assert(created);
	/* "ICMP type 8" is not "port 8", nor "no port". */
	k = base;
	k.port = 8;
	flow_table_get(t, &k, &created);
	ck_assert(created);
	k.port_kind = FLOW_PORT_ICMP;
	flow_table_get(t, &k, &created);
	ck_assert(created);
	k.port_kind = FLOW_PORT_NONE;
	k.port = 0;
	flow_table_get(t, &k, &created);
	ck_assert(created);
	/* Swapped ends are a different direction. */
	k = base;
	memcpy(k.src, base.dst, 16);
	memcpy(k.dst, base.src, 16);
	flow_table_get(t, &k, &created);
	ck_assert(created);

	ck_assert_uint_eq(walk_count(t), 8);
	flow_table_free(t);
}
END_TEST

START_TEST(test_key_from_tuple)
{
	struct flow_tuple tu;
	struct flow_key k, k2;

	memset(&tu, 0, sizeof(tu));
	ck_assert_int_eq(addr_parse("10.2.0.7", &tu.src), 0);
	ck_assert_int_eq(addr_parse("10.1.0.9", &tu.dst), 0);
	tu.proto = IPPROTO_TCP;
	tu.has_ports = true;
	tu.sport = 51514;
	tu.dport = 445;
	flow_key_from_tuple(&tu, false, 0, 0, &k);
	ck_assert_uint_eq(k.family, AF_INET);
	ck_assert_uint_eq(k.proto, IPPROTO_TCP);
	ck_assert_uint_eq(k.port_kind, FLOW_PORT_L4);
	ck_assert_uint_eq(k.port, 445);
	ck_assert_int_eq(memcmp(k.src, tu.src.b, 16), 0);
	ck_assert_int_eq(memcmp(k.dst, tu.dst.b, 16), 0);

	/* The source port is not part of the key. */
	tu.sport = 40000;
	flow_key_from_tuple(&tu, false, 0, 0, &k2);
	ck_assert_int_eq(memcmp(&k, &k2, sizeof(k)), 0);

	tu.proto = IPPROTO_ICMP;
	tu.has_ports = false;
	flow_key_from_tuple(&tu, true, 8, 0, &k);
	ck_assert_uint_eq(k.port_kind, FLOW_PORT_ICMP);
	ck_assert_uint_eq(k.port, 8);

	tu.proto = IPPROTO_UDP;
	flow_key_from_tuple(&tu, false, 99, 0, &k);
	ck_assert_uint_eq(k.port_kind, FLOW_PORT_NONE);
	ck_assert_uint_eq(k.port, 0);

	ck_assert_int_eq(addr_parse("fd00:2::7", &tu.src), 0);
	ck_assert_int_eq(addr_parse("fd00:1::9", &tu.dst), 0);
	flow_key_from_tuple(&tu, false, 0, 0, &k);
	ck_assert_uint_eq(k.family, AF_INET6);
	ck_assert_int_eq(memcmp(k.dst, tu.dst.b, 16), 0);
}
END_TEST

START_TEST(test_lru_eviction)
{
	struct flow_table *t = flow_table_new(3, SEED);
	struct flow_key k[5];
	struct flow_stats st;
	bool created;

	for (uint32_t i = 0; i < 5; i++)
		k[i] = key_v4(i);
	flow_table_get(t, &k[0], NULL);
	flow_table_get(t, &k[1], NULL);
	flow_table_get(t, &k[2], NULL);
	/* Seeing k0 again makes k1 the least recently seen. */
	flow_table_get(t, &k[0], NULL);

	/* Walk order: most recent first. */
	struct flow *f = flow_table_next(t, NULL);
	ck_assert_uint_eq(f->key.dst[3], 0);
	f = flow_table_next(t, f);
	ck_assert_uint_eq(f->key.dst[3], 2);
	f = flow_table_next(t, f);
	ck_assert_uint_eq(f->key.dst[3], 1);
	ck_assert_ptr_null(flow_table_next(t, f));

	flow_table_get(t, &k[3], &created);
	ck_assert(created);
	ck_assert_ptr_null(flow_table_find(t, &k[1]));
	ck_assert_ptr_nonnull(flow_table_find(t, &k[0]));
	ck_assert_ptr_nonnull(flow_table_find(t, &k[2]));
	ck_assert_ptr_nonnull(flow_table_find(t, &k[3]));

	/* flow_table_find() does not refresh: k2 is still the oldest. */
	flow_table_get(t, &k[4], &created);
	ck_assert(created);
	ck_assert_ptr_null(flow_table_find(t, &k[2]));
	ck_assert_ptr_nonnull(flow_table_find(t, &k[0]));

	/* An evicted key comes back as a fresh entry. */
	f = flow_table_get(t, &k[1], &created);
	ck_assert(created);
	ck_assert_uint_eq(f->packets, 0);
	ck_assert_uint_eq(f->alert_packets, 0);
	ck_assert_uint_eq(f->flags, 0);
	ck_assert_ptr_null(flow_table_find(t, &k[0]));

	flow_table_stats(t, &st);
	ck_assert_uint_eq(st.count, 3);
	ck_assert_uint_eq(st.evictions, 3);
	ck_assert_uint_eq(st.inserts, 6);
	ck_assert_uint_eq(walk_count(t), 3);
	flow_table_free(t);
}
END_TEST

START_TEST(test_capacity_one)
{
	struct flow_table *t = flow_table_new(1, SEED);
	struct flow_key a = key_v4(1), b = key_v4(2);
	struct flow_stats st;
	bool created;

	struct flow *f = flow_table_get(t, &a, &created);
	ck_assert(created);
	flow_count_packet(f, 60);
	ck_assert_ptr_eq(flow_table_get(t, &a, &created), f);
	ck_assert(!created);
	f = flow_table_get(t, &b, &created);
	ck_assert(created);
	ck_assert_uint_eq(f->packets, 0);
	ck_assert_ptr_null(flow_table_find(t, &a));
	ck_assert_ptr_eq(flow_table_find(t, &b), f);
	f = flow_table_get(t, &a, &created);
	ck_assert(created);
	ck_assert_ptr_null(flow_table_find(t, &b));
	ck_assert_uint_eq(walk_count(t), 1);

	flow_table_stats(t, &st);
	ck_assert_uint_eq(st.count, 1);
	ck_assert_uint_eq(st.evictions, 2);
	ck_assert_uint_eq(st.buckets, 4);
	ck_assert_uint_eq(flow_table_max_chain(t), 1);
	flow_table_free(t);
}
END_TEST

START_TEST(test_repeat_interval)
{
	struct flow f;

	/* The pure helper works on any struct flow, not only table ones. */
	memset(&f, 0, sizeof(f));
	flow_count_packet(&f, 74);
	ck_assert(flow_should_alert(&f, 10 * SEC, 60));
	ck_assert(f.flags & FLOW_F_ALERTED);
	ck_assert_uint_eq(f.last_alert_us, 10 * SEC);
	ck_assert_uint_eq(f.alert_packets, 1);
	ck_assert_uint_eq(f.alert_bytes, 74);

	/* Repeats inside the interval are counted, not alerted. */
	for (int i = 1; i <= 9; i++) {
		flow_count_packet(&f, 100);
		ck_assert(!flow_should_alert(&f, (10 + (uint64_t)i) * SEC, 60));
	}
	ck_assert_uint_eq(f.alert_packets, 9);
	ck_assert_uint_eq(f.alert_bytes, 900);
	flow_count_packet(&f, 100);
	ck_assert(!flow_should_alert(&f, 70 * SEC - 1, 60));

	/* Exactly one interval later it alerts with what came between. */
	flow_count_packet(&f, 1000);
	ck_assert(flow_should_alert(&f, 70 * SEC, 60));
	ck_assert_uint_eq(f.alert_packets, 11);
	ck_assert_uint_eq(f.alert_bytes, 2000);
	ck_assert_uint_eq(f.packets, 12);
	ck_assert_uint_eq(f.last_alert_us, 70 * SEC);

	/* The next packet starts a fresh count. */
	flow_count_packet(&f, 5);
	ck_assert_uint_eq(f.alert_packets, 1);
	ck_assert_uint_eq(f.alert_bytes, 5);
	ck_assert_uint_eq(f.packets, 13);
	ck_assert(!flow_should_alert(&f, 71 * SEC, 60));

	/* A clock that steps back never alerts early. */
	ck_assert(!flow_should_alert(&f, 1 * SEC, 60));
	ck_assert(flow_should_alert(&f, 200 * SEC, 60));

	/* Interval 0: every packet alerts, each carrying itself only. */
	for (int i = 0; i < 3; i++) {
		flow_count_packet(&f, 40);
		ck_assert(flow_should_alert(&f, 200 * SEC, 0));
		ck_assert_uint_eq(f.alert_packets, 1);
		ck_assert_uint_eq(f.alert_bytes, 40);
	}

	/* The first sighting alerts whatever the clock says, even 0. */
	memset(&f, 0, sizeof(f));
	flow_count_packet(&f, 1);
	ck_assert(flow_should_alert(&f, 0, 3600));
	ck_assert(!flow_should_alert(&f, 3599 * SEC, 3600));
	ck_assert(flow_should_alert(&f, 3600 * SEC, 3600));
	/* A huge interval does not overflow. */
	ck_assert(!flow_should_alert(&f, 4600 * SEC, ~0u));
}
END_TEST

START_TEST(test_repeat_through_table)
{
	struct flow_table *t = flow_table_new(4, SEED);
	struct flow_key k = key_v4(3);
	unsigned alerts = 0;
	uint64_t reported = 0;

	/* 1000 packets over 300 s, repeat 60 s: alerts at 0, 60, ... 240. */
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t now = i * 300 * SEC / 1000;
		struct flow *f = flow_table_get(t, &k, NULL);

		flow_count_packet(f, 64);
		if (flow_should_alert(f, now, 60)) {
			alerts++;
			reported += f->alert_packets;
		}
	}
	struct flow *f = flow_table_find(t, &k);
	ck_assert_uint_eq(alerts, 5);
	/* Every packet is reported by one alert or still pending. */
	ck_assert_uint_eq(reported + f->alert_packets, 1000);
	ck_assert_uint_eq(f->packets, 1000);
	flow_table_free(t);
}
END_TEST

START_TEST(test_many_random)
{
	enum { CAP = 50000, N = 50000 };
	struct flow_table *t = flow_table_new(CAP, SEED);
	struct flow_stats st;
	uint64_t s = 88172645463325252ull;
	bool created;

	for (uint32_t i = 0; i < N; i++) {
		struct flow_key k = key_random(&s);
		struct flow *f = flow_table_get(t, &k, &created);

		ck_assert(created);
		flow_count_packet(f, i);
	}
	/* Below or at capacity nothing is lost. */
	s = 88172645463325252ull;
	for (uint32_t i = 0; i < N; i++) {
		struct flow_key k = key_random(&s);
		struct flow *f = flow_table_find(t, &k);

		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(f->alert_bytes, i);
	}
	flow_table_stats(t, &st);
	ck_assert_uint_eq(st.count, N);
	ck_assert_uint_eq(st.evictions, 0);
	ck_assert_uint_eq(st.buckets, 262144);
	/* A keyed hash spreads keys: no long chains. */
	ck_assert_uint_le(flow_table_max_chain(t), 12);
	ck_assert_uint_eq(walk_count(t), N);

	/* The next N evict exactly the first N, oldest first. */
	for (uint32_t i = 0; i < N; i++) {
		struct flow_key k = key_random(&s);

		flow_table_get(t, &k, &created);
		ck_assert(created);
	}
	flow_table_stats(t, &st);
	ck_assert_uint_eq(st.evictions, N);
	ck_assert_uint_eq(st.count, CAP);
	s = 88172645463325252ull;
	for (uint32_t i = 0; i < N; i++) {
		struct flow_key k = key_random(&s);

		ck_assert_ptr_null(flow_table_find(t, &k));
	}
	flow_table_free(t);
}
END_TEST

/*
 * Hashing many keys at once gives each key's own hash: runs of one
 * family of every length from 0 to 9, in turn and at random, with every
 * field varied (the vector way takes four keys of one family at a time,
 * and the rest one by one).
 */
START_TEST(test_hash_n)
{
	enum { N = 4000 };
	struct flow_table *t = flow_table_new(16, SEED);
	struct flow_key *keys = calloc(N, sizeof(*keys));
	uint64_t *got = calloc(N, sizeof(*got));
	const struct flow_key **kp = calloc(N, sizeof(*kp));
	uint64_t **hp = calloc(N, sizeof(*hp));
	uint64_t s = 0x5eedull;
	size_t n = 0;

	ck_assert(t && keys && got && kp && hp);
	for (unsigned run = 0; n < N; run++) {
		unsigned len = run < 20 ? run % 10 : (unsigned)(rnd(&s) % 10);
		bool v4 = run % 2;

		for (unsigned j = 0; j < len && n < N; j++, n++) {
			struct flow_key *k = &keys[n];

			*k = key_random(&s);
			if (v4) {
				k->family = AF_INET;
				memset(k->src + 4, 0, 12);
				memset(k->dst + 4, 0, 12);
			}
			k->proto = (uint8_t)rnd(&s);
			k->port_kind = (uint8_t)(rnd(&s) % 3);
			k->type = (uint8_t)rnd(&s);
			kp[n] = k;
			hp[n] = &got[n];
		}
	}
	for (size_t m = 0; m <= 9; m++) {
		memset(got, 0, N * sizeof(*got));
		flow_table_hash_n(t, kp, hp, m);
		for (size_t i = 0; i < m; i++)
			ck_assert_uint_eq(got[i], flow_table_hash(t, &keys[i]));
	}
	flow_table_hash_n(t, kp, hp, N);
	for (size_t i = 0; i < N; i++)
		ck_assert_uint_eq(got[i], flow_table_hash(t, &keys[i]));
	free(hp);
	free(kp);
	free(got);
	free(keys);
	flow_table_free(t);
}
END_TEST

/*
 * A fixed seed makes bucket placement reproducible; in a four-bucket table
 * chains of several entries are certain, so this walks insertion into,
 * lookup along and eviction from the middle of a chain.
 */
START_TEST(test_collisions_fixed_seed)
{
	enum { CAP = 4, N = 2000 };
	struct flow_table *t = flow_table_new(CAP, SEED);
	struct flow_table *t2 = flow_table_new(CAP, SEED);
	struct flow_stats st;
	struct flow_key k[N];
	size_t longest = 0;

	for (uint32_t i = 0; i < N; i++) {
		k[i] = key_v4(i * 2654435761u);
		flow_table_get(t, &k[i], NULL);
		flow_table_get(t2, &k[i], NULL);
		/* The last CAP keys are present, the one before is gone. */
		for (uint32_t j = i >= CAP - 1 ? i - (CAP - 1) : 0; j <= i; j++)
			ck_assert_ptr_nonnull(flow_table_find(t, &k[j]));
		if (i >= CAP)
			ck_assert_ptr_null(flow_table_find(t, &k[i - CAP]));
		size_t chain = flow_table_max_chain(t);

		ck_assert_uint_eq(chain, flow_table_max_chain(t2));
		if (chain > longest)
			longest = chain;
	}
	ck_assert_uint_ge(longest, 3);
	flow_table_stats(t, &st);
	ck_assert_uint_eq(st.evictions, N - CAP);
	flow_table_free(t);
	flow_table_free(t2);
}
END_TEST

/*
 * The table against a plain model (an array in LRU order) over random
 * gets in small tables, so that chains of every length are built, cut
 * in the middle and at their ends by eviction: after every step each key
 * is found exactly when the model holds it, creation is reported when the
 * model lacked it, and the walk gives the model's order.
 */
START_TEST(test_model)
{
	enum { ROUNDS = 24, OPS = 400, MAX_CAP = 32, MAX_SPACE = 48 };
	uint64_t seed = SEED;

	for (int round = 0; round < ROUNDS; round++) {
		uint32_t cap = 1 + (uint32_t)(rnd(&seed) % MAX_CAP);
		uint32_t space = 1 + (uint32_t)(rnd(&seed) % MAX_SPACE);
		struct flow_table *t = flow_table_new(cap, rnd(&seed) | 1);
		uint32_t lru[MAX_CAP], n = 0; /* lru[0]: most recent */

		ck_assert_ptr_nonnull(t);
		for (uint32_t op = 0; op < OPS; op++) {
			uint32_t key = (uint32_t)(rnd(&seed) % space);
			struct flow_key k = key_v4(key);
			uint32_t pos = n;
			bool created;

			flow_table_get(t, &k, &created);
			for (uint32_t i = 0; i < n; i++)
				if (lru[i] == key)
					pos = i;
			ck_assert_int_eq(created, pos == n);
			if (pos == n) {
				/* New: when full, the least recent goes. */
				if (n < cap)
					n++;
				pos = n - 1;
			}
			memmove(lru + 1, lru, pos * sizeof(lru[0]));
			lru[0] = key;

			for (uint32_t q = 0; q < space; q++) {
				struct flow_key kq = key_v4(q);
				bool held = false;

				for (uint32_t i = 0; i < n; i++)
					held |= lru[i] == q;
				ck_assert_int_eq(
				    flow_table_find(t, &kq) != NULL, held);
			}
			uint32_t i = 0;
			for (struct flow *f = flow_table_next(t, NULL); f;
			     f = flow_table_next(t, f), i++) {
				struct flow_key kw = key_v4(lru[i]);

				ck_assert_uint_lt(i, n);
				ck_assert_int_eq(
				    memcmp(&f->key, &kw, sizeof(kw)), 0);
			}
			ck_assert_uint_eq(i, n);
		}
		flow_table_free(t);
	}
}
END_TEST

START_TEST(test_memory_accounting)
{
	struct flow_table *t = flow_table_new(1000, SEED);
	size_t m = flow_table_memory(t);

	/* Pool plus 4096 four-byte buckets plus the table header. */
	ck_assert_uint_ge(m, 1000 * flow_entry_size() + 4096 * 4);
	ck_assert_uint_lt(m, 1000 * flow_entry_size() + 4096 * 4 + 256);
	/* It does not change with use: everything is allocated up front. */
	for (uint32_t i = 0; i < 5000; i++) {
		struct flow_key k = key_v4(i);

		flow_table_get(t, &k, NULL);
	}
	ck_assert_uint_eq(flow_table_memory(t), m);
	flow_table_free(t);

	/* Small entries: two cache lines each, a million flows well under
	 * 128 MiB with their buckets. */
	ck_assert_uint_le(sizeof(struct flow_key), 40);
	ck_assert_uint_le(flow_entry_size(), 96);
	ck_assert_uint_lt(1000000 * flow_entry_size() + (1u << 22) * 4,
			  128u << 20);
}
END_TEST

static Suite *flow_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("table");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_siphash_vectors);
	tcase_add_test(tc, test_new_bad);
	tcase_add_test(tc, test_insert_find);
	tcase_add_test(tc, test_key_fields_differ);
	tcase_add_test(tc, test_key_from_tuple);
	tcase_add_test(tc, test_lru_eviction);
	tcase_add_test(tc, test_capacity_one);
	tcase_add_test(tc, test_repeat_interval);
	tcase_add_test(tc, test_repeat_through_table);
	tcase_add_test(tc, test_many_random);
	tcase_add_test(tc, test_hash_n);
	tcase_add_test(tc, test_collisions_fixed_seed);
	tcase_add_test(tc, test_model);
	tcase_add_test(tc, test_memory_accounting);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(flow_suite)
