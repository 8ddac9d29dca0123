// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_zone: does zone_lookup() cost the same with 10 000 prefixes per
 * family as with 10? Builds both tables from a fixed seed, looks the same
 * addresses up in each, best of several rounds, and prints the ratio.
 * Exit status 0 whatever the ratio (it is a report); 1 on internal error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "zone.h"

#define NPREFIX 10000 /* per family, large table */
#define NSMALL	5     /* per family, baseline table */
#define NZONES	8
#define NADDR	(1u << 20)
#define PASSES	4 /* over the address array per round */
#define ROUNDS	9
#define SEED	0x62756e7269ull /* "bunri" */

static uint64_t rng_state = SEED;

static uint64_t rng_next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void random_prefix(struct prefix *p, int family, unsigned minlen,
			  unsigned maxlen)
{
	memset(p, 0, sizeof(*p));
	p->addr.family = (uint8_t)family;
	for (unsigned i = 0; i < addr_bits(family) / 8; i++)
		p->addr.b[i] = (uint8_t)rng_next();
	p->len = (uint8_t)(minlen + rng_next() % (maxlen - minlen + 1));
	for (unsigned k = p->len; k < 128; k++)
		p->addr.b[k / 8] &= (uint8_t) ~(0x80 >> (k % 8));
}

static int prefix_cmp(const void *a, const void *b)
{
	const struct zone_prefix *x = a, *y = b;
	int c = addr_cmp(&x->prefix.addr, &y->prefix.addr);

	if (c)
		return c;
	return (int)x->prefix.len - (int)y->prefix.len;
}

/* @n distinct random prefixes of @family, lengths in [@minlen, @maxlen]. */
static void random_prefixes(struct zone_prefix *p, size_t n, int family,
			    unsigned minlen, unsigned maxlen)
{
	size_t have = 0;

	while (have < n) {
		for (size_t i = have; i < n; i++) {
			random_prefix(&p[i].prefix, family, minlen, maxlen);
			p[i].zone = (int)(rng_next() % NZONES);
		}
		/* Sort, then drop duplicates and refill the tail. */
		qsort(p, n, sizeof(*p), prefix_cmp);
		have = 0;
		for (size_t i = 0; i < n; i++)
			if (have == 0 || prefix_cmp(&p[have - 1], &p[i]) != 0)
				p[have++] = p[i];
	}
	/* Input order random again, as a configuration would be. */
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_next() % (i + 1);
		struct zone_prefix tmp = p[i];

		p[i] = p[j];
		p[j] = tmp;
	}
}

static struct zone_table *build_table(const struct zone_prefix *p, size_t n,
				      const char *name)
{
	double t0 = now();
	struct zone_table *t = zone_table_build(p, n);
	double t1 = now();

	if (!t) {
		fprintf(stderr, "bench_zone: build %s: %s\n", name,
			strerror(errno));
		return NULL;
	}
	printf("bench_zone: %s: %zu prefixes, build %.1f ms, memory %zu bytes"
	       " (%.1f MiB)\n",
	       name, n, (t1 - t0) * 1e3, zone_table_memory(t),
	       (double)zone_table_memory(t) / (1024.0 * 1024.0));
	return t;
}

/*
 * Uniform addresses (half IPv4, half IPv6) when @p is NULL; otherwise each
 * falls inside a random prefix of @p, so the lookups go to the trie's full
 * depth instead of mostly stopping at the root: the worst case.
 */
static void random_addrs(struct addr *a, size_t n, const struct zone_prefix *p,
			 size_t np)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t r = rng_next();

		memset(&a[i], 0, sizeof(a[i]));
		if (p) {
			const struct prefix *q = &p[(r >> 8) % np].prefix;

			a[i] = q->addr;
			for (unsigned k = q->len; k < addr_bits(a[i].family);
			     k++)
				if (rng_next() & 1)
					a[i].b[k / 8] |=
					    (uint8_t)(0x80 >> (k % 8));
		} else {
			a[i].family = (r >> 1) & 1 ? AF_INET6 : AF_INET;
			for (unsigned k = 0; k < addr_bits(a[i].family) / 8;
			     k++)
				a[i].b[k] = (uint8_t)rng_next();
		}
	}
}

/* Lookups per second over PASSES passes; @sum gets a checksum of zones. */
static double run(const struct zone_table *t, const struct addr *a, size_t n,
		  uint64_t *sum)
{
	uint64_t s = 0;
	double t0 = now();

	for (int pass = 0; pass < PASSES; pass++)
		for (size_t i = 0; i < n; i++)
			s = s * 31 + (uint64_t)(zone_lookup(t, &a[i]) + 1);
	double dt = now() - t0;
	*sum = s;
	return (double)n * PASSES / dt;
}

/*
 * Best of ROUNDS for each table, the two interleaved so that a busy moment
 * of the machine hits both alike.
 */
static void compare(const struct zone_table *tsmall,
		    const struct zone_table *tbig, const struct addr *a,
		    size_t n, double rate[2], uint64_t sum[2])
{
	rate[0] = rate[1] = 0;
	for (int round = 0; round < ROUNDS; round++) {
		double r = run(tsmall, a, n, &sum[0]);

		if (r > rate[0])
			rate[0] = r;
		r = run(tbig, a, n, &sum[1]);
		if (r > rate[1])
			rate[1] = r;
	}
}

static void report(const char *what, const double rate[2],
		   const uint64_t sum[2])
{
	printf("bench_zone: %s: small (%d prefixes) %.1f M lookups/s"
	       " checksum %016llx\n",
	       what, 2 * NSMALL, rate[0] / 1e6, (unsigned long long)sum[0]);
	printf("bench_zone: %s: large (%d prefixes) %.1f M lookups/s"
	       " checksum %016llx\n",
	       what, 2 * NPREFIX, rate[1] / 1e6, (unsigned long long)sum[1]);
}

int main(void)
{
	size_t nbig = 2 * NPREFIX, nsmall = 2 * NSMALL;
	struct zone_prefix *big = calloc(nbig, sizeof(*big));
	struct zone_prefix *small = calloc(nsmall, sizeof(*small));
	struct addr *addrs = calloc(NADDR, sizeof(*addrs));
	struct addr *deep = calloc(NADDR, sizeof(*deep));
	int ret = 1;

	if (!big || !small || !addrs || !deep) {
		fprintf(stderr, "bench_zone: out of memory\n");
		goto out;
	}
	random_prefixes(big, NPREFIX, AF_INET, 8, 32);
	random_prefixes(big + NPREFIX, NPREFIX, AF_INET6, 16, 64);
	random_prefixes(small, NSMALL, AF_INET, 8, 32);
	random_prefixes(small + NSMALL, NSMALL, AF_INET6, 16, 64);
	random_addrs(addrs, NADDR, NULL, 0);
	random_addrs(deep, NADDR, big, nbig);

	struct zone_table *tbig = build_table(big, nbig, "large");
	struct zone_table *tsmall = build_table(small, nsmall, "small");
	if (!tbig || !tsmall) {
		zone_table_free(tbig);
		zone_table_free(tsmall);
		goto out;
	}

	double rate[2], deep_rate[2];
	uint64_t sum[2], deep_sum[2];

	printf("bench_zone: %u lookups per round, best of %d (mixed v4/v6,"
	       " seed %#llx)\n",
	       NADDR * PASSES, ROUNDS, (unsigned long long)SEED);
	compare(tsmall, tbig, deep, NADDR, deep_rate, deep_sum);
	report("addresses inside the large table's prefixes", deep_rate,
	       deep_sum);
	printf("bench_zone: deep_ratio_%d_vs_%d = %.2f\n", NPREFIX, NSMALL * 2,
	       deep_rate[1] / deep_rate[0]);
	compare(tsmall, tbig, addrs, NADDR, rate, sum);
	report("uniform random addresses", rate, sum);
	printf("bench_zone: ratio_%d_vs_%d = %.2f (target >= 0.8)\n", NPREFIX,
	       NSMALL * 2, rate[1] / rate[0]);
	zone_table_free(tbig);
	zone_table_free(tsmall);
	ret = 0;
out:
	free(big);
	free(small);
	free(addrs);
	free(deep);
	return ret;
}
