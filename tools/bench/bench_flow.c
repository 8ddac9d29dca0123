// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_flow: the flow table under a flood of new flows. Inserts 2 000 000
 * distinct flows into a table of 1 000 000 (so the second half evicts on
 * every packet), then looks up the surviving million (hits), and reports
 * ns per operation, the table's memory and the process's peak RSS; then
 * the same a batch at a time with prefetching, as detection does it, and
 * the ratio of the two.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "flow.h"

#define CAPACITY 1000000u
#define FLOWS	 2000000u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Flow @n: a distinct IPv4 pair, alternating TCP ports and ICMP types. */
static void key_make(uint32_t n, struct flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = AF_INET;
	k->src[0] = 10;
	k->src[1] = 2;
	k->src[2] = (uint8_t)(n >> 16);
	k->src[3] = (uint8_t)(n >> 24);
	k->dst[0] = 10;
	k->dst[1] = 1;
	k->dst[2] = (uint8_t)(n >> 8);
	k->dst[3] = (uint8_t)n;
	if (n & 1) {
		k->proto = 1; /* ICMP */
		k->port_kind = FLOW_PORT_ICMP;
		k->port = 8;
	} else {
		k->proto = 6; /* TCP */
		k->port_kind = FLOW_PORT_L4;
		k->port = 445;
	}
}

/* One packet as detection handles it: find or insert, count, decide. */
static unsigned packet(struct flow_table *t, uint32_t n, uint64_t now_us)
{
	struct flow_key k;
	struct flow *f;

	key_make(n, &k);
	f = flow_table_get(t, &k, NULL);
	flow_count_packet(f, 74);
	return flow_should_alert(f, now_us, 60);
}

/*
 * The same packets a batch at a time, as detection handles them: hashes
 * first, then lookups in order with the table's prefetch stages running
 * ahead (see detect_batch_apply()).
 */
#define BATCH 1024

static unsigned packets_batched(struct flow_table *t, uint32_t first,
				uint32_t n, uint64_t now0)
{
	static struct flow_key k[BATCH];
	static uint64_t h[BATCH];
	unsigned alerts = 0;

	for (uint32_t b = 0; b < n; b += BATCH) {
		uint32_t m = n - b < BATCH ? n - b : BATCH;

		for (uint32_t i = 0; i < m; i++) {
			key_make(first + b + i, &k[i]);
			h[i] = flow_table_hash(t, &k[i]);
		}
		struct flow_prefetch pf;

		flow_prefetch_begin(t, &pf, h, m);
		for (uint32_t p = 0; p < m; p++) {
			uint64_t now_us = now0 + b + p;

			flow_prefetch_next(t, &pf);
			struct flow *f =
			    flow_table_get_hashed(t, &k[p], h[p], NULL);
			flow_count_packet(f, 74);
			alerts += flow_should_alert(f, now_us, 60);
		}
	}
	return alerts;
}

struct result {
	double ins_ns, hit_ns;
	unsigned alerts;
	struct flow_stats st;
	size_t max_chain;
};

/* FLOWS new flows into CAPACITY slots, then the CAPACITY that survived. */
static int run(bool batched, struct result *r)
{
	struct flow_table *t = flow_table_new(CAPACITY, FLOW_SEED_RANDOM);
	uint64_t t0, t1, t2;

	if (!t) {
		perror("bench_flow: flow_table_new");
		return -1;
	}
	r->alerts = 0;
	t0 = now_ns();
	if (batched) {
		r->alerts += packets_batched(t, 0, FLOWS, 0);
	} else {
		for (uint32_t i = 0; i < FLOWS; i++)
			r->alerts += packet(t, i, i);
	}
	t1 = now_ns();
	/* The second million survived: every lookup now hits. */
	if (batched) {
		r->alerts += packets_batched(t, FLOWS - CAPACITY, CAPACITY,
					     2 * FLOWS - CAPACITY);
	} else {
		for (uint32_t i = FLOWS - CAPACITY; i < FLOWS; i++)
			r->alerts += packet(t, i, FLOWS + i);
	}
	t2 = now_ns();
	flow_table_stats(t, &r->st);
	r->max_chain = flow_table_max_chain(t);
	r->ins_ns = (double)(t1 - t0) / FLOWS;
	r->hit_ns = (double)(t2 - t1) / CAPACITY;
	flow_table_free(t);
	/* Anything else means the table lost or kept the wrong flows. */
	if (r->st.count != CAPACITY || r->st.evictions != FLOWS - CAPACITY ||
	    r->alerts != FLOWS) {
		fprintf(stderr, "bench_flow: inconsistent table\n");
		return -1;
	}
	return 0;
}

int main(void)
{
	struct result one, batch;
	struct rusage ru;

	if (run(false, &one) < 0 || run(true, &batch) < 0)
		return 1;
	getrusage(RUSAGE_SELF, &ru);

	double mib = (double)(CAPACITY * flow_entry_size() +
			      one.st.buckets * sizeof(uint32_t)) /
		     (1024.0 * 1024.0);
	double rss = (double)ru.ru_maxrss / 1024.0;

	printf("insert: %u new flows into %u slots, %.1f ns/op "
	       "(%" PRIu64 " evictions); in batches %.1f ns/op\n",
	       FLOWS, CAPACITY, one.ins_ns, one.st.evictions, batch.ins_ns);
	printf("lookup: %u hits, %.1f ns/op; in batches %.1f ns/op "
	       "(max chain %zu in %zu buckets)\n",
	       CAPACITY, one.hit_ns, batch.hit_ns, one.max_chain,
	       one.st.buckets);
	printf("memory: table about %.1f MiB, %zu bytes per entry\n", mib,
	       flow_entry_size());
	printf("rss: peak %ld KiB (%.1f MiB)\n", ru.ru_maxrss, rss);
	printf("bench_flow: insert %.1f ns/op, hit %.1f ns/op; batched insert "
	       "%.1f ns/op, hit %.1f ns/op; ratio_batched_vs_single insert "
	       "%.2f hit %.2f; table %.1f MiB, peak rss %.1f MiB\n",
	       one.ins_ns, one.hit_ns, batch.ins_ns, batch.hit_ns,
	       batch.ins_ns / one.ins_ns, batch.hit_ns / one.hit_ns, mib, rss);
	return 0;
}
