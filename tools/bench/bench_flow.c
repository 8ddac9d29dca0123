// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_flow: the flow table under a flood of new flows. Inserts 2 000 000
 * distinct flows into a table of 1 000 000 (so the second half evicts on
 * every packet), then looks up the surviving million (hits), and reports
 * ns per operation, the table's memory and the process's peak RSS.
 */
#include <inttypes.h>
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
	f = flow_table_get(t, &k, now_us, NULL);
	flow_count_packet(f, 74);
	return flow_should_alert(f, now_us, 60);
}

int main(void)
{
	struct flow_table *t = flow_table_new(CAPACITY, FLOW_SEED_RANDOM);
	struct flow_stats st;
	struct rusage ru;
	unsigned alerts = 0;
	uint64_t t0, t1, t2;

	if (!t) {
		perror("bench_flow: flow_table_new");
		return 1;
	}
	t0 = now_ns();
	for (uint32_t i = 0; i < FLOWS; i++)
		alerts += packet(t, i, i);
	t1 = now_ns();
	/* The second million survived: every lookup now hits. */
	for (uint32_t i = FLOWS - CAPACITY; i < FLOWS; i++)
		alerts += packet(t, i, FLOWS + i);
	t2 = now_ns();
	flow_table_stats(t, &st);
	getrusage(RUSAGE_SELF, &ru);

	double ins_ns = (double)(t1 - t0) / FLOWS;
	double hit_ns = (double)(t2 - t1) / CAPACITY;
	double mib = (double)flow_table_memory(t) / (1024.0 * 1024.0);
	double rss = (double)ru.ru_maxrss / 1024.0;

	printf("insert: %u new flows into %u slots, %.1f ns/op "
	       "(%" PRIu64 " evictions)\n",
	       FLOWS, CAPACITY, ins_ns, st.evictions);
	printf("lookup: %u hits, %.1f ns/op (max chain %zu in %zu buckets)\n",
	       CAPACITY, hit_ns, flow_table_max_chain(t), st.buckets);
	printf("memory: table %zu bytes (%.1f MiB), %zu bytes per entry\n",
	       flow_table_memory(t), mib, flow_entry_size());
	printf("rss: peak %ld KiB (%.1f MiB)\n", ru.ru_maxrss, rss);
	printf("bench_flow: insert %.1f ns/op, hit %.1f ns/op, table %.1f MiB, "
	       "peak rss %.1f MiB, %u alerts\n",
	       ins_ns, hit_ns, mib, rss, alerts);
	flow_table_free(t);
	/* Anything else means the table lost or kept the wrong flows. */
	if (st.count != CAPACITY || st.evictions != FLOWS - CAPACITY ||
	    alerts != FLOWS) {
		fprintf(stderr, "bench_flow: inconsistent table\n");
		return 1;
	}
	return 0;
}
