// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zone: longest-prefix lookup and the flattened ranges, checked by hand on
 * small tables and against a linear-scan oracle on large random ones.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "unit.h"
#include "zone.h"

/* Build a table from "prefix zone" pairs. */
struct spec {
	const char *prefix;
	int zone;
};

static struct zone_table *build_spec(const struct spec *s, size_t n)
{
	struct zone_prefix *p = calloc(n ? n : 1, sizeof(*p));
	const char *why;

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(prefix_parse(s[i].prefix, &p[i].prefix, &why) ==
				  0,
			      "%s: %s", s[i].prefix, why);
		p[i].zone = s[i].zone;
	}
	struct zone_table *t = zone_table_build(p, n);
	ck_assert_ptr_nonnull(t);
	free(p);
	return t;
}

static int lookup_str(const struct zone_table *t, const char *s)
{
	struct addr a;

	ck_assert_msg(addr_parse(s, &a) == 0, "bad address %s", s);
	return zone_lookup(t, &a);
}

#define ck_zone(t, s, z)                                                       \
	do {                                                                   \
		int got_ = lookup_str((t), (s));                               \
		ck_assert_msg(got_ == (z), "%s: zone %d, want %d", (s), got_,  \
			      (z));                                            \
	} while (0)

static ssize_t get_ranges(const struct zone_table *t, int family,
			  struct zone_range **r)
{
	ssize_t n = zone_table_ranges(t, family, r);

	ck_assert_int_ge(n, 0);
	ck_assert_ptr_nonnull(*r);
	return n;
}

static void ck_range(const struct zone_range *r, const char *lo, const char *hi,
		     int zone)
{
	char b1[ADDR_STRLEN], b2[ADDR_STRLEN];

	addr_format(&r->lo, b1, sizeof(b1));
	addr_format(&r->hi, b2, sizeof(b2));
	ck_assert_msg(!strcmp(b1, lo) && !strcmp(b2, hi) && r->zone == zone,
		      "range %s-%s zone %d, want %s-%s zone %d", b1, b2,
		      r->zone, lo, hi, zone);
}

/* --- hand-made tables ------------------------------------------------- */

START_TEST(test_nested_three_deep)
{
	/* internet 0, x 1, y 2 */
	static const struct spec s[] = {
	    {"10.1.2.0/24", 1},
	    {"0.0.0.0/0", 0},
	    {"10.1.0.0/16", 2},
	    {"10.0.0.0/8", 1},
	};
	struct zone_table *t = build_spec(s, 4);

	ck_zone(t, "8.8.8.8", 0);
	ck_zone(t, "9.255.255.255", 0);
	ck_zone(t, "10.0.0.0", 1);
	ck_zone(t, "10.0.255.255", 1);
	ck_zone(t, "10.1.0.0", 2);
	ck_zone(t, "10.1.1.255", 2);
	ck_zone(t, "10.1.2.0", 1);
	ck_zone(t, "10.1.2.255", 1);
	ck_zone(t, "10.1.3.0", 2);
	ck_zone(t, "10.1.255.255", 2);
	ck_zone(t, "10.2.0.0", 1);
	ck_zone(t, "11.0.0.0", 0);
	ck_zone(t, "255.255.255.255", 0);
	ck_zone(t, "0.0.0.0", 0);
	/* No IPv6 prefix: IPv6 addresses are in no zone. */
	ck_zone(t, "2001:db8::1", ZONE_NONE);

	struct zone_range *r;
	ssize_t n = get_ranges(t, AF_INET, &r);
	ck_assert_int_eq(n, 7);
	ck_range(&r[0], "0.0.0.0", "9.255.255.255", 0);
	ck_range(&r[1], "10.0.0.0", "10.0.255.255", 1);
	ck_range(&r[2], "10.1.0.0", "10.1.1.255", 2);
	ck_range(&r[3], "10.1.2.0", "10.1.2.255", 1);
	ck_range(&r[4], "10.1.3.0", "10.1.255.255", 2);
	ck_range(&r[5], "10.2.0.0", "10.255.255.255", 1);
	ck_range(&r[6], "11.0.0.0", "255.255.255.255", 0);
	free(r);

	/* IPv6 ranges hold the IPv4 ones inside ::ffff:0:0/96. */
	n = get_ranges(t, AF_INET6, &r);
	ck_assert_int_eq(n, 7);
	ck_range(&r[0], "::ffff:0.0.0.0", "::ffff:9.255.255.255", 0);
	ck_range(&r[6], "::ffff:11.0.0.0", "::ffff:255.255.255.255", 0);
	free(r);
	zone_table_free(t);
}
END_TEST

START_TEST(test_host_and_full_prefixes)
{
	static const struct spec s[] = {
	    {"0.0.0.0/0", 3},
	    {"192.0.2.7/32", 4},
	    {"::/0", 5},
	    {"2001:db8::7/128", 6},
	};
	struct zone_table *t = build_spec(s, 4);

	ck_zone(t, "192.0.2.7", 4);
	ck_zone(t, "192.0.2.6", 3);
	ck_zone(t, "192.0.2.8", 3);
	ck_zone(t, "2001:db8::7", 6);
	ck_zone(t, "2001:db8::6", 5);
	ck_zone(t, "2001:db8::8", 5);
	ck_zone(t, "::", 5);
	ck_zone(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 5);

	struct zone_range *r;
	ssize_t n = get_ranges(t, AF_INET, &r);
	ck_assert_int_eq(n, 3);
	ck_range(&r[0], "0.0.0.0", "192.0.2.6", 3);
	ck_range(&r[1], "192.0.2.7", "192.0.2.7", 4);
	ck_range(&r[2], "192.0.2.8", "255.255.255.255", 3);
	free(r);

	/* ::/0 minus the mapped block (IPv4's zone 3 there), minus the host. */
	n = get_ranges(t, AF_INET6, &r);
	ck_assert_int_eq(n, 7);
	ck_range(&r[0], "::", "::fffe:ffff:ffff", 5);
	ck_range(&r[1], "::ffff:0.0.0.0", "::ffff:192.0.2.6", 3);
	ck_range(&r[2], "::ffff:192.0.2.7", "::ffff:192.0.2.7", 4);
	ck_range(&r[3], "::ffff:192.0.2.8", "::ffff:255.255.255.255", 3);
	ck_range(&r[4], "::1:0:0:0", "2001:db8::6", 5);
	ck_range(&r[5], "2001:db8::7", "2001:db8::7", 6);
	ck_range(&r[6], "2001:db8::8",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 5);
	free(r);
	zone_table_free(t);
}
END_TEST

START_TEST(test_slash_one)
{
	static const struct spec s[] = {
	    {"128.0.0.0/1", 1},
	    {"::/1", 2},
	};
	struct zone_table *t = build_spec(s, 2);

	ck_zone(t, "127.255.255.255", ZONE_NONE);
	ck_zone(t, "128.0.0.0", 1);
	ck_zone(t, "255.255.255.255", 1);
	ck_zone(t, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 2);
	ck_zone(t, "8000::", ZONE_NONE);
	/* Mapped addresses go to IPv4, not to ::/1 that contains them. */
	ck_zone(t, "::ffff:128.0.0.1", 1);
	ck_zone(t, "::ffff:1.2.3.4", ZONE_NONE);
	ck_zone(t, "::fffe:1.2.3.4", 2);

	struct zone_range *r;
	ssize_t n = get_ranges(t, AF_INET6, &r);
	ck_assert_int_eq(n, 3);
	ck_range(&r[0], "::", "::fffe:ffff:ffff", 2);
	ck_range(&r[1], "::ffff:128.0.0.0", "::ffff:255.255.255.255", 1);
	ck_range(&r[2], "::1:0:0:0", "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		 2);
	free(r);
	zone_table_free(t);
}
END_TEST

START_TEST(test_adjacent_and_unzoned)
{
	static const struct spec s[] = {
	    {"10.0.0.0/24", 1},
	    {"10.0.1.0/24", 1}, /* adjacent, same zone: merged */
	    {"10.0.2.0/23", 2}, /* adjacent, other zone */
	    {"10.0.8.0/24", 2}, /* after a gap */
	};
	struct zone_table *t = build_spec(s, 4);

	ck_zone(t, "10.0.1.255", 1);
	ck_zone(t, "10.0.2.0", 2);
	ck_zone(t, "10.0.3.255", 2);
	ck_zone(t, "10.0.4.0", ZONE_NONE);
	ck_zone(t, "10.0.8.9", 2);
	ck_zone(t, "9.255.255.255", ZONE_NONE);

	struct zone_range *r;
	ssize_t n = get_ranges(t, AF_INET, &r);
	ck_assert_int_eq(n, 3);
	ck_range(&r[0], "10.0.0.0", "10.0.1.255", 1);
	ck_range(&r[1], "10.0.2.0", "10.0.3.255", 2);
	ck_range(&r[2], "10.0.8.0", "10.0.8.255", 2);
	free(r);
	zone_table_free(t);
}
END_TEST

START_TEST(test_ipv6_in_default)
{
	static const struct spec s[] = {
	    {"::/0", 0},
	    {"fd00:1::/48", 1},
	    {"10.1.0.0/16", 1},
	};
	struct zone_table *t = build_spec(s, 3);

	ck_zone(t, "fd00:1::1", 1);
	ck_zone(t, "fd00:1:0:ffff:ffff:ffff:ffff:ffff", 1);
	ck_zone(t, "fd00:1:1::", 0);
	ck_zone(t, "fd00:0:ffff:ffff:ffff:ffff:ffff:ffff", 0);
	ck_zone(t, "2001:db8::1", 0);
	/* IPv4-mapped: the IPv4 table answers, ::/0 does not. */
	ck_zone(t, "::ffff:10.1.2.3", 1);
	ck_zone(t, "::ffff:10.2.0.1", ZONE_NONE);
	ck_zone(t, "10.2.0.1", ZONE_NONE);
	zone_table_free(t);
}
END_TEST

START_TEST(test_odd_lengths)
{
	static const struct spec s[] = {
	    {"10.8.0.0/13", 1},	      /* 10.8.0.0 - 10.15.255.255 */
	    {"192.168.2.0/23", 2},    /* 192.168.2.0 - .3.255 */
	    {"2001:db8::/47", 3},     /* up to 2001:db8:1:ffff:... */
	    {"2001:db8:5::4/127", 4}, /* ::4 and ::5 */
	};
	struct zone_table *t = build_spec(s, 4);

	ck_zone(t, "10.7.255.255", ZONE_NONE);
	ck_zone(t, "10.8.0.0", 1);
	ck_zone(t, "10.15.255.255", 1);
	ck_zone(t, "10.16.0.0", ZONE_NONE);
	ck_zone(t, "192.168.1.255", ZONE_NONE);
	ck_zone(t, "192.168.2.0", 2);
	ck_zone(t, "192.168.3.255", 2);
	ck_zone(t, "192.168.4.0", ZONE_NONE);
	ck_zone(t, "2001:db8::", 3);
	ck_zone(t, "2001:db8:1:ffff:ffff:ffff:ffff:ffff", 3);
	ck_zone(t, "2001:db8:2::", ZONE_NONE);
	ck_zone(t, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", ZONE_NONE);
	ck_zone(t, "2001:db8:5::3", ZONE_NONE);
	ck_zone(t, "2001:db8:5::4", 4);
	ck_zone(t, "2001:db8:5::5", 4);
	ck_zone(t, "2001:db8:5::6", ZONE_NONE);

	struct zone_range *r;
	ssize_t n = get_ranges(t, AF_INET6, &r);
	ck_assert_int_eq(n, 4);
	ck_range(&r[0], "::ffff:10.8.0.0", "::ffff:10.15.255.255", 1);
	ck_range(&r[1], "::ffff:192.168.2.0", "::ffff:192.168.3.255", 2);
	ck_range(&r[2], "2001:db8::", "2001:db8:1:ffff:ffff:ffff:ffff:ffff", 3);
	ck_range(&r[3], "2001:db8:5::4", "2001:db8:5::5", 4);
	free(r);
	zone_table_free(t);
}
END_TEST

START_TEST(test_empty_table)
{
	struct zone_table *t = zone_table_build(NULL, 0);
	struct zone_range *r;

	ck_assert_ptr_nonnull(t);
	ck_zone(t, "0.0.0.0", ZONE_NONE);
	ck_zone(t, "255.255.255.255", ZONE_NONE);
	ck_zone(t, "::", ZONE_NONE);
	ck_zone(t, "::ffff:1.2.3.4", ZONE_NONE);
	ck_assert_int_eq(get_ranges(t, AF_INET, &r), 0);
	free(r);
	ck_assert_int_eq(get_ranges(t, AF_INET6, &r), 0);
	free(r);
	ck_assert_uint_gt(zone_table_memory(t), 0);
	zone_table_free(t);
}
END_TEST

START_TEST(test_duplicate_later_wins)
{
	static const struct spec s[] = {
	    {"10.0.0.0/8", 1},
	    {"10.1.0.0/16", 2},
	    {"10.0.0.0/8", 3},
	};
	struct zone_table *t = build_spec(s, 3);
	struct zone_range *r;

	ck_zone(t, "10.9.9.9", 3);
	ck_zone(t, "10.1.9.9", 2);
	ck_assert_int_eq(get_ranges(t, AF_INET, &r), 3);
	ck_range(&r[0], "10.0.0.0", "10.0.255.255", 3);
	free(r);
	zone_table_free(t);
}
END_TEST

/* Many copies of one prefix inside another: the sweep's stack must hold. */
START_TEST(test_many_duplicates)
{
	struct zone_prefix p[300];
	const char *why;

	ck_assert_int_eq(prefix_parse("::/0", &p[0].prefix, &why), 0);
	p[0].zone = 0;
	for (int i = 1; i < 300; i++) {
		ck_assert_int_eq(
		    prefix_parse("2001:db8::/32", &p[i].prefix, &why), 0);
		p[i].zone = i % 7 + 1;
	}
	struct zone_table *t = zone_table_build(p, 300);
	struct zone_range *r;

	ck_assert_ptr_nonnull(t);
	ck_zone(t, "2001:db8::1", 299 % 7 + 1);
	ck_assert_int_eq(get_ranges(t, AF_INET6, &r), 4);
	ck_range(&r[2], "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
		 299 % 7 + 1);
	free(r);
	zone_table_free(t);
}
END_TEST

/*
 * Memory stays small per prefix: a /24 (IPv4) or /48 (IPv6) in a /16 of
 * its own costs one or four nodes beyond the fixed roots, not kilobytes.
 */
START_TEST(test_memory_modest)
{
	enum { N = 1000 };
	struct zone_prefix *p = calloc(2 * N, sizeof(*p));
	struct zone_table *t0 = zone_table_build(NULL, 0);

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(t0);
	for (int i = 0; i < N; i++) {
		struct prefix *q = &p[i].prefix;

		q->addr.family = AF_INET;
		q->addr.b[0] = (uint8_t)(i >> 8);
		q->addr.b[1] = (uint8_t)i;
		q->addr.b[2] = 7;
		q->len = 24;
		q = &p[N + i].prefix;
		q->addr.family = AF_INET6;
		q->addr.b[0] = 0x20;
		q->addr.b[1] = (uint8_t)i;
		q->addr.b[2] = (uint8_t)(i >> 8);
		q->addr.b[5] = 1;
		q->len = 48;
		p[i].zone = p[N + i].zone = i % 4;
	}
	struct zone_table *t = zone_table_build(p, 2 * N);
	ck_assert_ptr_nonnull(t);
	size_t extra = zone_table_memory(t) - zone_table_memory(t0);
	ck_assert_msg(extra < 2 * N * sizeof(*p) + 5 * N * 64 + 4096,
		      "%zu bytes for %d prefixes", extra, 2 * N);
	ck_zone(t, "3.231.7.9", 999 % 4);
	ck_zone(t, "3.231.8.9", ZONE_NONE);
	ck_zone(t, "20e7:300:2::", ZONE_NONE);
	ck_zone(t, "20e7:300:1:1::", 999 % 4);
	ck_zone(t, "20e7:300:1::", 999 % 4);
	zone_table_free(t);
	zone_table_free(t0);
	free(p);
}
END_TEST

START_TEST(test_invalid_input)
{
	struct zone_prefix p;
	const char *why;

	ck_assert_int_eq(prefix_parse("10.0.0.0/8", &p.prefix, &why), 0);
	p.zone = ZONE_NONE;
	errno = 0;
	ck_assert_ptr_null(zone_table_build(&p, 1));
	ck_assert_int_eq(errno, EINVAL);
	p.zone = 0;
	p.prefix.len = 4; /* host bits now set */
	errno = 0;
	ck_assert_ptr_null(zone_table_build(&p, 1));
	ck_assert_int_eq(errno, EINVAL);

	struct zone_table *t = zone_table_build(NULL, 0);
	struct zone_range *r;
	struct addr a = {.family = 0};

	ck_assert_int_eq(zone_lookup(t, &a), ZONE_NONE);
	ck_assert_int_eq(zone_table_ranges(t, 12345, &r), -1);
	zone_table_free(t);
}
END_TEST

/* --- random tables against an oracle --------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* splitmix64: fixed seed, same sequence everywhere */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void random_bytes(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rng_next();
}

static void mask_host(struct addr *a, unsigned len)
{
	for (unsigned i = len; i < 128; i++)
		a->b[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}

/*
 * Random prefixes with plenty of nesting: a third are fresh, the rest
 * extend or shorten an earlier one; a few land in the mapped block.
 */
static size_t random_prefixes(struct zone_prefix *p, size_t n, int zones)
{
	for (size_t i = 0; i < n; i++) {
		struct prefix *q = &p[i].prefix;
		uint64_t r = rng_next();

		memset(q, 0, sizeof(*q));
		if (i == 0 || r % 3 == 0) {
			q->addr.family = (r >> 8) & 1 ? AF_INET6 : AF_INET;
			random_bytes(q->addr.b,
				     q->addr.family == AF_INET ? 4 : 16);
			if (q->addr.family == AF_INET6 && (r >> 9) % 16 == 0) {
				memset(q->addr.b, 0, 10);
				q->addr.b[10] = q->addr.b[11] = 0xff;
			}
		} else {
			*q = p[(r >> 8) % i].prefix;
			uint8_t fresh[16];
			random_bytes(fresh, sizeof(fresh));
			unsigned keep = q->len;
			for (unsigned k = keep; k < addr_bits(q->addr.family);
			     k++) {
				uint8_t bit = 0x80 >> (k % 8);
				q->addr.b[k / 8] =
				    (uint8_t)((q->addr.b[k / 8] & ~bit) |
					      (fresh[k / 8] & bit));
			}
		}
		unsigned bits = addr_bits(q->addr.family);
		q->len = (uint8_t)(rng_next() % (bits + 1));
		if (q->addr.family == AF_INET6 && q->addr.b[10] == 0xff &&
		    q->addr.b[0] == 0 && q->len < 96 && rng_next() % 2)
			q->len = (uint8_t)(96 + rng_next() % 33);
		mask_host(&q->addr, q->len);
		p[i].zone = (int)(rng_next() % (uint64_t)zones);
	}
	return n;
}

/* Linear longest-prefix scan; equal prefixes: the later one wins. */
static int oracle_lookup(const struct zone_prefix *p, size_t n,
			 const struct addr *a)
{
	struct addr v4;
	int best = ZONE_NONE, best_len = -1;

	if (addr_unmap_v4(a, &v4))
		a = &v4;
	for (size_t i = 0; i < n; i++) {
		if (prefix_contains(&p[i].prefix, a) &&
		    p[i].prefix.len >= best_len) {
			best = p[i].zone;
			best_len = p[i].prefix.len;
		}
	}
	return best;
}

/* What the kernel's interval map answers. */
static int ranges_lookup(const struct zone_range *r, size_t n,
			 const struct addr *a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr_cmp(&r[mid].hi, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && addr_cmp(&r[lo].lo, a) <= 0)
		return r[lo].zone;
	return ZONE_NONE;
}

/* Add @d (+1 or -1) to @a, reporting wrap-around. */
static bool addr_step(struct addr *a, int d)
{
	for (int i = (int)addr_bits(a->family) / 8 - 1; i >= 0; i--) {
		uint8_t old = a->b[i];

		a->b[i] = (uint8_t)(old + d);
		if ((d > 0 && old != 0xff) || (d < 0 && old != 0))
			return true;
	}
	return false;
}

static void ranges_check_shape(const struct zone_range *r, size_t n, int family)
{
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(r[i].lo.family, family);
		ck_assert_int_eq(r[i].hi.family, family);
		ck_assert_int_ne(r[i].zone, ZONE_NONE);
		ck_assert_int_le(addr_cmp(&r[i].lo, &r[i].hi), 0);
		if (i == 0)
			continue;
		struct addr next = r[i - 1].hi;
		ck_assert(addr_step(&next, 1));
		ck_assert_int_le(addr_cmp(&next, &r[i].lo), 0);
		/* Touching ranges of one zone must have been merged. */
		ck_assert(!(addr_equal(&next, &r[i].lo) &&
			    r[i - 1].zone == r[i].zone));
	}
}

struct agree {
	const struct zone_table *t;
	const struct zone_prefix *p;
	size_t n;
	struct zone_range *r[2]; /* AF_INET, AF_INET6 */
	ssize_t nr[2];
	unsigned long checked;
};

static void agree_one(struct agree *ag, const struct addr *a)
{
	int want = oracle_lookup(ag->p, ag->n, a);
	int got = zone_lookup(ag->t, a);
	int fi = a->family == AF_INET ? 0 : 1;
	int kern = ranges_lookup(ag->r[fi], (size_t)ag->nr[fi], a);
	char buf[ADDR_STRLEN];

	ck_assert_msg(got == want && kern == want,
		      "%s: lookup %d, ranges %d, oracle %d",
		      addr_format(a, buf, sizeof(buf)), got, kern, want);
	ag->checked++;
}

static void agree_around(struct agree *ag, const struct addr *a)
{
	struct addr x = *a;

	agree_one(ag, &x);
	if (addr_step(&x, -1))
		agree_one(ag, &x);
	x = *a;
	if (addr_step(&x, 1))
		agree_one(ag, &x);
}

/* The table of @p (@nprefixes) against the oracle; frees @p. */
static void agreement(struct zone_prefix *p, size_t nprefixes, int naddrs)
{
	struct agree ag = {.p = p, .n = nprefixes};

	ag.t = zone_table_build(p, nprefixes);
	ck_assert_ptr_nonnull(ag.t);
	ag.nr[0] = get_ranges(ag.t, AF_INET, &ag.r[0]);
	ag.nr[1] = get_ranges(ag.t, AF_INET6, &ag.r[1]);
	ranges_check_shape(ag.r[0], (size_t)ag.nr[0], AF_INET);
	ranges_check_shape(ag.r[1], (size_t)ag.nr[1], AF_INET6);

	/* Every range boundary, and the addresses either side of it. */
	for (int f = 0; f < 2; f++) {
		for (ssize_t i = 0; i < ag.nr[f]; i++) {
			agree_around(&ag, &ag.r[f][i].lo);
			agree_around(&ag, &ag.r[f][i].hi);
		}
	}
	/* Every prefix's first and last address, either side too. */
	for (size_t i = 0; i < nprefixes; i++) {
		struct addr a = p[i].prefix.addr;

		agree_around(&ag, &a);
		for (unsigned k = p[i].prefix.len; k < addr_bits(a.family); k++)
			a.b[k / 8] |= (uint8_t)(0x80 >> (k % 8));
		agree_around(&ag, &a);
	}
	/* Random addresses: uniform, and inside random prefixes. */
	for (int i = 0; i < naddrs; i++) {
		struct addr a = {0};
		uint64_t r = rng_next();

		if (r % 2) {
			a = p[(r >> 8) % nprefixes].prefix.addr;
			uint8_t fresh[16];
			random_bytes(fresh, sizeof(fresh));
			unsigned len = p[(r >> 8) % nprefixes].prefix.len;
			for (unsigned k = len; k < addr_bits(a.family); k++)
				a.b[k / 8] |= fresh[k / 8] & (0x80 >> (k % 8));
		} else {
			a.family = (r >> 1) % 2 ? AF_INET6 : AF_INET;
			random_bytes(a.b, a.family == AF_INET ? 4 : 16);
		}
		agree_one(&ag, &a);
	}
	ck_assert_uint_gt(ag.checked, (unsigned long)naddrs);
	free(ag.r[0]);
	free(ag.r[1]);
	zone_table_free((struct zone_table *)ag.t);
	free(p);
}

static void random_agreement(size_t nprefixes, int naddrs)
{
	struct zone_prefix *p = calloc(nprefixes, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	random_prefixes(p, nprefixes, 8);
	agreement(p, nprefixes, naddrs);
}

/*
 * Prefixes packed into a few blocks, so that nodes hold many runs and are
 * kept whole (dense) rather than as bitmaps: in each block, most of the
 * 256 /24s (IPv4) or /48s (IPv6) of a /16 or /40 in zones that change
 * from one to the next, some cut further or covered by a shorter one.
 */
static void dense_prefixes(struct zone_prefix *p, size_t n, unsigned zones)
{
	for (size_t i = 0; i < n; i++) {
		struct prefix *q = &p[i].prefix;
		uint64_t r = rng_next();
		unsigned block = (unsigned)(r % 3), len;

		memset(q, 0, sizeof(*q));
		q->addr.family = (r >> 2) & 1 ? AF_INET6 : AF_INET;
		if (q->addr.family == AF_INET) {
			q->addr.b[0] = 10;
			q->addr.b[1] = (uint8_t)block;
			q->addr.b[2] = (uint8_t)(r >> 8);
			q->addr.b[3] = (uint8_t)(r >> 16);
			len = 24;
		} else {
			q->addr.b[0] = 0xfd;
			q->addr.b[4] = (uint8_t)block;
			q->addr.b[5] = (uint8_t)(r >> 8);
			q->addr.b[6] = (uint8_t)(r >> 16);
			q->addr.b[7] = (uint8_t)(r >> 24);
			len = 48;
		}
		switch ((r >> 32) % 8) {
		case 0:
			len += 1 + (unsigned)((r >> 40) % 8); /* cut further */
			break;
		case 1:
			len -= 1 + (unsigned)((r >> 40) % 6); /* covering */
			break;
		default:
			break;
		}
		q->len = len;
		mask_host(&q->addr, len);
		p[i].zone = (int)((r >> 48) % zones);
	}
}

START_TEST(test_random_dense)
{
	enum { N = 1500 };

	/* Dense nodes of zones only are kept a byte an entry (zone + 1 up
	 * to 255), others four: 8 zones, then zones 0 to 299, whose nodes
	 * mix values on either side of the bound, then 254 and 255 only. */
	static const unsigned zones[] = {8, 8, 8, 300, 300};

	rng_state = 0x5eed0003;
	for (size_t round = 0; round < sizeof(zones) / sizeof(zones[0]);
	     round++) {
		struct zone_prefix *p = calloc(N, sizeof(*p));

		ck_assert_ptr_nonnull(p);
		dense_prefixes(p, N, zones[round]);
		agreement(p, N, 20000);
	}
	struct zone_prefix *p = calloc(N, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	dense_prefixes(p, N, 2);
	for (size_t i = 0; i < N; i++)
		p[i].zone += 253;
	agreement(p, N, 20000);
}
END_TEST

START_TEST(test_random_small)
{
	/* Many small tables: dense nesting, every case of the sweep. */
	rng_state = 0x5eed0001;
	for (int round = 0; round < 200; round++)
		random_agreement(1 + rng_next() % 40, 200);
}
END_TEST

START_TEST(test_random_large)
{
	rng_state = 0x5eed0002;
	random_agreement(3000, 20000);
}
END_TEST

/* Oracle itself: if it were wrong in the same way, agreement would lie. */
START_TEST(test_oracle_sanity)
{
	static const struct spec s[] = {
	    {"0.0.0.0/0", 0},
	    {"10.0.0.0/8", 1},
	};
	struct zone_prefix p[2];
	struct addr a;
	const char *why;

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(prefix_parse(s[i].prefix, &p[i].prefix, &why),
				 0);
		p[i].zone = s[i].zone;
	}
	ck_assert_int_eq(addr_parse("10.9.9.9", &a), 0);
	ck_assert_int_eq(oracle_lookup(p, 2, &a), 1);
	ck_assert_int_eq(addr_parse("::ffff:11.0.0.1", &a), 0);
	ck_assert_int_eq(oracle_lookup(p, 2, &a), 0);
	ck_assert_int_eq(addr_parse("::1", &a), 0);
	ck_assert_int_eq(oracle_lookup(p, 2, &a), ZONE_NONE);
}
END_TEST

/* --- compressed paths: chains merged into tests, the root's filter --- */

static void spec_to_prefixes(const struct spec *s, size_t n,
			     struct zone_prefix *p)
{
	const char *why;

	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(prefix_parse(s[i].prefix, &p[i].prefix, &why) ==
				  0,
			      "%s: %s", s[i].prefix, why);
		p[i].zone = s[i].zone;
	}
}

static void flip_bit(struct addr *a, unsigned k)
{
	a->b[k / 8] ^= (uint8_t)(0x80 >> (k % 8));
}

/*
 * @a and every address one bit away from it against the oracle: each
 * flip is a mismatch at one depth (and one bit) of whatever tests and
 * filters the lookup of @a goes through.
 */
static void ck_flips(const struct zone_table *t, const struct zone_prefix *p,
		     size_t n, const struct addr *a)
{
	unsigned bits = addr_bits(a->family);
	char buf[ADDR_STRLEN];

	for (unsigned k = 0; k <= bits; k++) {
		struct addr x = *a;

		if (k < bits)
			flip_bit(&x, k);
		int want = oracle_lookup(p, n, &x), got = zone_lookup(t, &x);
		ck_assert_msg(got == want, "%s: lookup %d, oracle %d",
			      addr_format(&x, buf, sizeof(buf)), got, want);
	}
}

/* First and last address of every prefix, each with all its flips. */
static void ck_all_flips(const struct zone_table *t,
			 const struct zone_prefix *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct addr a = p[i].prefix.addr;

		ck_flips(t, p, n, &a);
		for (unsigned k = p[i].prefix.len; k < addr_bits(a.family); k++)
			a.b[k / 8] |= (uint8_t)(0x80 >> (k % 8));
		ck_flips(t, p, n, &a);
	}
}

/*
 * A lone long prefix is one test below the root: a flip of any bit past
 * the root's 16 is a mismatch at that depth of it and must give the
 * enclosing zone, one in the first 16 bits lands on another root entry.
 */
START_TEST(test_skip_mismatch_each_depth)
{
	static const struct spec s[] = {
	    {"2001:db8::/32", 1},
	    {"2001:db8:1234:5678:9abc:def0:1357:9bdf/128", 2},
	    {"2001:db8:ffff:ffff::/64", 3},
	    {"10.0.0.0/8", 4},
	    {"10.200.100.50/32", 5},
	    {"10.9.0.0/17", 6},
	};
	struct zone_table *t = build_spec(s, 6);
	struct addr a;

	for (unsigned i = 1; i < 6; i += i == 2 ? 2 : 1) {
		int outer = i < 3 ? 1 : 4;
		unsigned outer_len = i < 3 ? 32 : 8;
		struct prefix q;
		const char *why;

		ck_assert_int_eq(prefix_parse(s[i].prefix, &q, &why), 0);
		a = q.addr;
		ck_assert_int_eq(zone_lookup(t, &a), s[i].zone);
		for (unsigned k = 0; k < q.len; k++) {
			char buf[ADDR_STRLEN];
			int want = k < outer_len ? ZONE_NONE : outer;

			flip_bit(&a, k);
			ck_assert_msg(zone_lookup(t, &a) == want,
				      "%s: zone %d, want %d",
				      addr_format(&a, buf, sizeof(buf)),
				      zone_lookup(t, &a), want);
			flip_bit(&a, k);
		}
	}
	/* The /64 test continues into nothing: host bits do not matter. */
	ck_zone(t, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 3);
	ck_zone(t, "2001:db8:ffff:fffe:ffff:ffff:ffff:ffff", 1);
	ck_zone(t, "10.9.127.255", 6);
	ck_zone(t, "10.9.128.0", 4);
	zone_table_free(t);
}
END_TEST

/*
 * Prefix boundaries inside what would otherwise be one chain: at a byte
 * boundary (/40, /56 on the way to a /64 and a /128), in the middle of a
 * byte (/36, /44), and inner prefixes of the same zone as the outer one,
 * where the chain's tests share their mismatch zone and merge.
 */
START_TEST(test_chain_boundaries)
{
	static const struct spec s[] = {
	    {"2001:db8::/32", 1},
	    {"2001:db8:aa00::/40", 2},
	    {"2001:db8:aabb:cc00::/56", 3},
	    {"2001:db8:aabb:ccdd::/64", 4},
	    {"2001:db8:aabb:ccdd:1234:5678:9abc:def0/128", 5},
	    {"2400:1::/32", 1},
	    {"2400:1:f000::/36", 6},
	    {"2400:1:f123:4567::/64", 7},
	    {"2400:1:f120::/44", 6},
	    {"2a00:1::/48", 1},
	    {"2a00:1:0:ff00::/56", 1},
	    {"2a00:1:0:ffee::/64", 2},
	    {"2a00:1:0:ffee:8000::/65", 2},
	    {"2a00:1:0:ffee:c000::/66", 3},
	};
	enum { N = sizeof(s) / sizeof(s[0]) };
	struct zone_prefix p[N];

	spec_to_prefixes(s, N, p);
	struct zone_table *t = zone_table_build(p, N);
	ck_assert_ptr_nonnull(t);

	ck_zone(t, "2001:db8:aabb:ccdd:1234:5678:9abc:def0", 5);
	ck_zone(t, "2001:db8:aabb:ccdd:1234:5678:9abc:def1", 4);
	ck_zone(t, "2001:db8:aabb:ccde::", 3);
	ck_zone(t, "2001:db8:aabb:cd00::", 2);
	ck_zone(t, "2001:db8:ab00::", 1);
	ck_zone(t, "2001:db9::", ZONE_NONE);
	ck_zone(t, "2400:1:f123:4567:ffff::", 7);
	ck_zone(t, "2400:1:f123:4568::", 6);
	ck_zone(t, "2400:1:ffff::", 6);
	ck_zone(t, "2400:1:e000::", 1);
	ck_zone(t, "2a00:1:0:ffee:c000::1", 3);
	ck_zone(t, "2a00:1:0:ffee:bfff::", 2);
	ck_zone(t, "2a00:1:0:ffef::", 1);
	ck_zone(t, "2a00:1:0:feff::", 1);
	ck_zone(t, "2a00:1:1::", ZONE_NONE);
	ck_all_flips(t, p, N);
	zone_table_free(t);
}
END_TEST

/*
 * Mapped addresses go to the IPv4 trie, whatever IPv6 prefixes say,
 * down to its deepest tests; their neighbours outside ::ffff:0:0/96 do
 * not.
 */
START_TEST(test_mapped_deep)
{
	static const struct spec s[] = {
	    {"10.0.0.0/8", 1},
	    {"10.1.2.3/32", 2},
	    {"10.1.2.0/23", 3},
	    {"172.16.5.128/25", 4},
	    {"::/0", 5},
	    {"::ffff:0:0/96", 6},
	    {"::ffff:10.1.2.3/128", 7},
	    {"::fffe:0:0/96", 8},
	    {"0.0.0.0/8", 9},
	    {"255.255.255.255/32", 10},
	};
	enum { N = sizeof(s) / sizeof(s[0]) };
	struct zone_prefix p[N];

	spec_to_prefixes(s, N, p);
	struct zone_table *t = zone_table_build(p, N);
	ck_assert_ptr_nonnull(t);

	ck_zone(t, "::ffff:10.1.2.3", 2);
	ck_zone(t, "::ffff:10.1.2.4", 3);
	ck_zone(t, "::ffff:10.1.4.0", 1);
	ck_zone(t, "::ffff:11.0.0.0", ZONE_NONE);
	ck_zone(t, "::ffff:172.16.5.200", 4);
	ck_zone(t, "::ffff:172.16.5.127", ZONE_NONE);
	ck_zone(t, "::fffe:10.1.2.3", 8);
	ck_zone(t, "::1:ffff:10.1.2.3", 5);
	ck_zone(t, "0:0:0:1:0:ffff:a01:203", 5);
	ck_zone(t, "::ffff:0:0:0", 5);
	/* The block's very ends, and one past each. */
	ck_zone(t, "::ffff:0.0.0.0", 9);
	ck_zone(t, "::ffff:255.255.255.255", 10);
	ck_zone(t, "::fffe:ffff:ffff", 8);
	ck_zone(t, "::1:0:0:0", 5);

	struct addr a;
	ck_assert_int_eq(addr_parse("::ffff:10.1.2.3", &a), 0);
	ck_flips(t, p, N, &a);
	ck_assert_int_eq(addr_parse("::ffff:172.16.5.128", &a), 0);
	ck_flips(t, p, N, &a);
	zone_table_free(t);
}
END_TEST

/*
 * Host routes: neighbouring /128s share their last node, which is then a
 * bitmap, not a test; a lone one is two tests (112 bits are more than one
 * test holds).
 */
START_TEST(test_host_routes_128)
{
	static const struct spec s[] = {
	    {"2001:db8::/64", 5},
	    {"2001:db8::/126", 4},
	    {"2001:db8::1/128", 1},
	    {"2001:db8::/128", 2},
	    {"2001:db8::2/128", 3},
	    {"2001:db8::ff/128", 6},
	    {"2001:db8::100/128", 7},
	    {"fd00:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 8},
	    {"fd00::/128", 9},
	};
	enum { N = sizeof(s) / sizeof(s[0]) };
	struct zone_prefix p[N];

	spec_to_prefixes(s, N, p);
	struct zone_table *t = zone_table_build(p, N);
	ck_assert_ptr_nonnull(t);

	ck_zone(t, "2001:db8::", 2);
	ck_zone(t, "2001:db8::1", 1);
	ck_zone(t, "2001:db8::2", 3);
	ck_zone(t, "2001:db8::3", 4);
	ck_zone(t, "2001:db8::4", 5);
	ck_zone(t, "2001:db8::fe", 5);
	ck_zone(t, "2001:db8::ff", 6);
	ck_zone(t, "2001:db8::100", 7);
	ck_zone(t, "2001:db8::101", 5);
	ck_zone(t, "fd00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 8);
	ck_zone(t, "fd00:ffff:ffff:ffff:ffff:ffff:ffff:fffe", ZONE_NONE);
	ck_zone(t, "fd00::", 9);
	ck_zone(t, "fd00::1", ZONE_NONE);
	ck_all_flips(t, p, N);
	zone_table_free(t);
}
END_TEST

/*
 * Lone long prefixes, each under a /16 of its own: a test each, tens of
 * bytes, where a node per byte of the chain would be hundreds.
 */
START_TEST(test_lone_prefixes_compact)
{
	enum { N = 1000 };
	struct zone_prefix *p = calloc(2 * N, sizeof(*p));
	struct zone_table *t0 = zone_table_build(NULL, 0);

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(t0);
	rng_state = 0x5eed0003;
	for (int i = 0; i < 2 * N; i++) {
		struct prefix *q = &p[i].prefix;

		q->addr.family = i < N ? AF_INET : AF_INET6;
		random_bytes(q->addr.b, i < N ? 4 : 16);
		/* Distinct first 16 bits: one root entry each. */
		q->addr.b[0] = (uint8_t)(i >> 8);
		q->addr.b[1] = (uint8_t)i;
		q->len = i < N ? 32 : 64;
		mask_host(&q->addr, q->len);
		p[i].zone = i % 4;
	}
	struct zone_table *t = zone_table_build(p, 2 * N);
	ck_assert_ptr_nonnull(t);
	size_t extra = zone_table_memory(t) - zone_table_memory(t0);
	ck_assert_msg(extra <= 2 * N * (sizeof(*p) + 16),
		      "%zu bytes for %d lone prefixes", extra, 2 * N);
	for (int i = 0; i < 2 * N; i += 37)
		ck_flips(t, p, 2 * N, &p[i].prefix.addr);
	zone_table_free(t);
	zone_table_free(t0);
	free(p);
}
END_TEST

/*
 * Random long prefixes nested at random depths, few per /16, so most
 * paths are chains, some merged and some broken by a boundary; every
 * prefix's ends and all their one-bit neighbours against the oracle.
 */
START_TEST(test_random_chains)
{
	enum { N = 200 };
	struct zone_prefix *p = calloc(N, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	rng_state = 0x5eed0004;
	for (int round = 0; round < 10; round++) {
		for (size_t i = 0; i < N; i++) {
			struct prefix *q = &p[i].prefix;
			uint64_t r = rng_next();
			unsigned bits, min = 0;

			if (i > 0 && r % 4 != 0) {
				/* Inside an earlier one, longer than it. */
				*q = p[(r >> 8) % i].prefix;
				min = q->len;
				uint8_t fresh[16];
				random_bytes(fresh, sizeof(fresh));
				for (unsigned k = min; k < 128; k++)
					if (fresh[k / 8] & (0x80 >> (k % 8)))
						flip_bit(&q->addr, k);
			} else {
				memset(q, 0, sizeof(*q));
				q->addr.family =
				    (r >> 8) % 3 ? AF_INET6 : AF_INET;
				random_bytes(q->addr.b, 16);
				min = 16;
			}
			bits = addr_bits(q->addr.family);
			if (q->addr.family == AF_INET)
				memset(q->addr.b + 4, 0, 12);
			q->len = (uint8_t)(min + rng_next() % (bits - min + 1));
			mask_host(&q->addr, q->len);
			p[i].zone = (int)(rng_next() % 3);
		}
		struct zone_table *t = zone_table_build(p, N);
		ck_assert_ptr_nonnull(t);
		ck_all_flips(t, p, N);
		zone_table_free(t);
	}
	free(p);
}
END_TEST

static Suite *zone_suite(void)
{
	Suite *s = suite_create("zone");
	TCase *tc = tcase_create("hand");

	tcase_add_test(tc, test_nested_three_deep);
	tcase_add_test(tc, test_host_and_full_prefixes);
	tcase_add_test(tc, test_slash_one);
	tcase_add_test(tc, test_adjacent_and_unzoned);
	tcase_add_test(tc, test_ipv6_in_default);
	tcase_add_test(tc, test_odd_lengths);
	tcase_add_test(tc, test_empty_table);
	tcase_add_test(tc, test_duplicate_later_wins);
	tcase_add_test(tc, test_invalid_input);
	tcase_add_test(tc, test_many_duplicates);
	tcase_add_test(tc, test_memory_modest);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_oracle_sanity);
	tcase_add_test(tc, test_random_small);
	tcase_add_test(tc, test_random_large);
	tcase_add_test(tc, test_random_dense);
	suite_add_tcase(s, tc);

	tc = tcase_create("compressed");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_skip_mismatch_each_depth);
	tcase_add_test(tc, test_chain_boundaries);
	tcase_add_test(tc, test_mapped_deep);
	tcase_add_test(tc, test_host_routes_128);
	tcase_add_test(tc, test_lone_prefixes_compact);
	tcase_add_test(tc, test_random_chains);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(zone_suite)
